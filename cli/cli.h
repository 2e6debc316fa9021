/*
 * cli.h: declarations shared by the files of the victimcount command-line
 * tool.  Only cli/ reads argv, prints, or picks an exit status.
 */
#ifndef VC_CLI_H
#define VC_CLI_H

#include <stdio.h>

#include "core/vc_core.h"
#include "data/vc_data.h"
#include "estimators/vc_covloglin.h"
#include "estimators/vc_estimators.h"
#include "models/vc_ppc.h"
#include "report/vc_synthesis.h"

#include <jansson.h>

/* Exit statuses, documented in --help. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_INTERNAL = 1, /* a bug or an out-of-memory condition */
    CLI_EXIT_USAGE = 2,    /* bad command line */
    CLI_EXIT_DATA = 3,     /* input missing, unreadable or invalid */
    CLI_EXIT_NOEST = 4,    /* an estimate does not exist for these data */
    CLI_EXIT_OUTPUT = 5    /* the output file could not be written */
};

typedef enum { CLI_TEXT, CLI_JSON, CLI_CSV } cli_format;

/* --interval: DEFAULT lets each method use its own default. */
typedef enum {
    CLI_INTERVAL_DEFAULT,
    CLI_INTERVAL_LOGNORMAL,
    CLI_INTERVAL_WALD,
    CLI_INTERVAL_PROFILE,
    CLI_INTERVAL_BOOTSTRAP
} cli_interval;

/* --select for the log-linear method. */
typedef enum {
    CLI_SELECT_STEPWISE,
    CLI_SELECT_AIC,
    CLI_SELECT_BIC,
    CLI_SELECT_AICC   /* with --covariates only */
} cli_select;

/* A growable array of strings split from comma-separated option values. */
typedef struct {
    char **v;
    size_t n;
} cli_strings;

/* --sensitivity: the kinds of variant a batch reruns every method on, as
 * bits of cli_options.sensitivity, and the index of each kind's spread in
 * cli_result.sens. */
enum {
    CLI_SENS_OMIT = 0,   /* omit-each: each list left out in turn */
    CLI_SENS_MERGE = 1,  /* merge-pairs and merge:A+B: lists merged into
                            one */
    CLI_SENS_KINDS = 2
};
#define CLI_SENS_OMIT_EACH 1u   /* --sensitivity omit-each */
#define CLI_SENS_MERGE_PAIRS 2u /* --sensitivity merge-pairs */

/* The range of a method's estimates over the variants of one kind. */
typedef struct {
    int has;        /* at least one variant gave an estimate */
    double lo, hi;  /* smallest and largest of those estimates */
    size_t n;       /* variants that gave an estimate */
} cli_spread;

/* The options of each method family and of batch, one struct each, so
 * that a reader sees which options belong to what; cli_options embeds
 * them all.  The option table in opts.c says which commands accept each
 * option and how its value is checked. */

/* loglinear: --model, --heterogeneity, --select, --pthresh, --bootstrap */
typedef struct {
    const char *model;      /* --model, or NULL to select */
    const char *heterogeneity; /* --heterogeneity, added to --model */
    cli_select select;
    double pthresh;
    size_t bootstrap;       /* resamples of --interval bootstrap */
} cli_opts_loglinear;

/* lcm: the latent-class model's sampler and run length */
typedef struct {
    size_t classes, chains;
    int sampler;              /* VC_LCM_SAMPLER_* */
    size_t temperatures;      /* --temperatures: replicas per chain */
    double beta_min;          /* --beta-min: the hottest replica */
    int fixed_ladder;         /* --fixed-ladder: no adaptation */
    uint64_t iterations, burnin, thin, max_iterations;
    int until_converged;
    const char *draws;      /* --draws FILE (estimate only) */
} cli_opts_lcm;

/* dga: decomposable graphical models */
typedef struct {
    double delta;           /* <= 0: 2^-J */
    uint64_t n0_lo, n0_hi;  /* n0_hi 0: automatic */
    int prior_negbin;
    double nb_a, nb_b;
    int mcmc;               /* --dga-mcmc: MCMC over graphs even for
                               J <= 5 */
} cli_opts_dga;

/* batch: --out, --sensitivity, --resume (refused by the others) */
typedef struct {
    const char *out_dir;    /* --out DIR */
    unsigned sensitivity;   /* CLI_SENS_OMIT_EACH | CLI_SENS_MERGE_PAIRS */
    cli_strings sens_merge; /* each "A+B[+C...]" of --sensitivity
                               merge:A+B */
    int resume;             /* --resume (re-running resumes anyway) */
    const char *linkage_report; /* --linkage-report FILE (link --report) */
    json_t *linkage;        /* that file, read by batch before it runs
                               (owned; cli_options_free) */
    int report_form;        /* --report-form: CLI_REPORT_* */
} cli_opts_batch;

/* batch --report-form: one file, pages, or pages for many strata */
enum { CLI_REPORT_AUTO = 0, CLI_REPORT_SINGLE, CLI_REPORT_PAGES };

/* Everything estimate, validate or batch was asked to do. */
typedef struct {
    /* what to read: every command */
    const char *input;      /* the CSV file */
    cli_strings lists, strata, merge, omit;
    cli_strings covariates; /* --covariates: the log-linear model takes
                               them in (covariates.c) */
    int by_pairs;           /* --by-pairs: estimates for pairs of
                               covariate levels too */
    const char *population; /* --population FILE: rates per 100,000 */
    const char *count_column;
    const char *encoding;   /* --encoding NAME, or NULL */
    /* what to write: every command */
    const char *output;     /* NULL: stdout */
    const char *label;      /* population name in headlines, or NULL */
    cli_format format;
    double level;
    cli_interval interval;
    int round_figures;      /* 0: automatic */
    int quiet;
    /* what to run: every method */
    cli_strings methods;
    uint64_t seed;
    int threads;            /* 0: OpenMP's default */
    int prior_sensitivity;  /* --prior-sensitivity: lcm and dga rerun
                               under other priors (issue 17) */
    cli_opts_loglinear loglinear;
    cli_opts_lcm lcm;
    cli_opts_dga dga;
    cli_opts_batch batch;
    /* set by batch for the method runners, never by an option */
    int figures;            /* keep what the report draws (draws of N,
                               posterior grid) in cli_result.figures */
    int no_timing;          /* leave run times out of results, so a
                               result depends on its inputs alone */
    int no_synthesis;       /* a variant of --sensitivity: no regimes for
                               the synthesis (cli_synthesis_wanted) */
} cli_options;

/* One estimate (or failure) for one stratum and method. */
typedef struct {
    const vc_table *table;  /* borrowed from the dataset */
    const char *method;     /* static */
    int status;             /* VC_OK or the failure */
    char error[VC_ERROR_SIZE];
    vc_estimate est;        /* valid when status == VC_OK */
    int two_list;           /* est.list_a/list_b name the pair */
    json_t *extra;          /* method-specific JSON fields, or NULL */
    char *details;          /* method-specific text lines, or NULL */
    json_t *figures;        /* what the report draws (o->figures), or
                               NULL */
    json_t *synth;          /* what the synthesis takes from this method
                               beyond its estimate (cli_synthesis_wanted):
                               {"regimes": [{estimate, lower, upper,
                               weight, structure}], "structure"}, or NULL */
    /* batch */
    const char *variant;    /* NULL: all lists; else e.g. "without IOM"
                               or "IOM+NGO merged" */
    int variant_kind;       /* CLI_SENS_* of a variant row */
    const vc_table *base;   /* of a variant row: the stratum's own table
                               (borrowed), which `table` was derived from */
    cli_spread sens[CLI_SENS_KINDS]; /* of a main row: the spread of the
                               same method's estimates on the stratum's
                               variants of each kind */
    double ppp;             /* lcm, dga: the posterior predictive p-value
                               of the model check (issue 17); NaN when
                               none (other methods, no check made).  Set
                               by cli_run_method and batch_row_from_json
                               from extra.checks.ppp */
} cli_result;

/* checks.c: the model checks of issue 17 (the JSON format is at the top
 * of checks.c).  cli_ppc_json: the "checks" object of an lcm or dga
 * result; cli_ppc_text: its detail lines.  cli_result_ppp_of: extra's
 * checks.ppp, NaN when absent.  cli_result_check: 1 when r's checks pass,
 * 0 when they fail (vc_check_verdict: failed or no MLE, not converged, or
 * p < 0.01, p the posterior predictive p-value of lcm and dga, the
 * deviance goodness-of-fit p-value of loglinear); reason (may be NULL)
 * gets why in one sentence. */
/* --prior-sensitivity (priorsens.c): one rerun of a Bayesian method
 * under another prior, or the main run with N bounded (bound set). */
typedef struct {
    char setting[96];      /* e.g. "K* = 20", "delta = 1/2" */
    int status;            /* VC_OK, or why the rerun failed */
    double estimate, lower, upper;
    int converged;         /* -1: not applicable (exact dga) */
    int bound;             /* the row of the bound N <= 21 n */
} cli_prior_row;
#define CLI_PRIOR_ROWS 8

/* prior_sensitivity: [{"setting", "estimate", "lower", "upper",
 * "converged"}] into x, and bound_cuts_upper: whether the bound row's
 * upper end lies more than 5% below main's (e: the method's estimate). */
void cli_prior_json(json_t *x, const cli_prior_row *rows, size_t n,
                    const vc_estimate *e);
/* The rows as a small table in res's details, and a sentence when the
 * bound cuts the upper end by more than 5%. */
void cli_prior_text(const cli_prior_row *rows, size_t n,
                    const vc_estimate *e, cli_result *res);
json_t *cli_ppc_json(const vc_ppc *p, const vc_table *t, int status,
                     unsigned flags);
void cli_ppc_text(const vc_ppc *p, const vc_table *t, int status,
                  unsigned flags, cli_result *res);
double cli_result_ppp_of(const cli_result *r);
int cli_result_check(const cli_result *r, char *reason, size_t size);

/* Name each failed result on standard error (cli/estimate.c); returns the
 * exit status: the first failure's, CLI_EXIT_INTERNAL if any is internal. */
int cli_report_failures(const cli_result *res, size_t nres);

/* optable.c: a command's options as a table.  One entry per option; the
 * parser builds getopt_long's tables from it, checks values and words
 * every refusal the same way for every command:
 *   CMD: --NAME TAKES, not "VALUE"
 *   CMD: --NAME is an option of victimcount OTHER
 *   CMD: option --NAME needs a value (see victimcount CMD --help) */
typedef enum {
    CLI_OPT_FLAG,     /* no value: sets an int to 1 */
    CLI_OPT_HELP,     /* -h, --help: parsing stops, *help set */
    CLI_OPT_STRING,   /* a word: const char *, borrowed from argv */
    CLI_OPT_LIST,     /* comma-separated items appended to a cli_strings */
    CLI_OPT_U64,      /* a whole number in [whole.lo, whole.hi]: uint64_t */
    CLI_OPT_SIZE,     /* the same into a size_t */
    CLI_OPT_INT,      /* the same into an int */
    CLI_OPT_UNSIGNED, /* the same into an unsigned */
    CLI_OPT_REAL,     /* a number in (real.lo, real.hi) (or (lo, hi] with
                         real.hi_closed): double */
    CLI_OPT_CHOICE,   /* one of choices' names: its value into an int (or
                         an enum) */
    CLI_OPT_CUSTOM    /* parse(value, field, &takes) */
} cli_opt_kind;

/* A whole number's upper bound that is no real limit: a refusal then
 * says "takes a whole number >= LO". */
#define CLI_OPT_NO_LIMIT (UINT64_C(1) << 40)

/* One name of a CLI_OPT_CHOICE and its value; a list ends with a NULL
 * name.  A name with the value of an earlier one is an alias: accepted,
 * not listed in a refusal. */
typedef struct {
    const char *name;
    int value;
} cli_choice;

typedef struct {
    const char *name;       /* long name, without "--" */
    const char *alias;      /* a second long name, or NULL */
    char short_name;        /* -X, or 0 */
    cli_opt_kind kind;
    size_t field;           /* offsetof the field it sets in the command's
                               options struct (CUSTOM: what parse gets) */
    unsigned commands;      /* bits of cli_optable.command that accept
                               it; 0: every command of the table */
    struct {
        uint64_t lo, hi;
    } whole;                /* U64, SIZE, INT, UNSIGNED */
    struct {
        double lo, hi;
        int hi_closed;
    } real;                 /* REAL */
    const cli_choice *choices; /* CHOICE */
    /* CUSTOM: set *field from value and return CLI_EXIT_OK; or
     * CLI_EXIT_USAGE, the refusal worded with *takes (set to NULL after
     * printing a refusal of its own); or CLI_EXIT_INTERNAL after printing
     * "out of memory". */
    int (*parse)(const char *value, void *field, const char **takes);
    /* any kind, may be NULL: for a value no longer taken, why and what
     * replaces it (refused as "CMD: --NAME VALUE: WHY"); NULL for any
     * other value */
    const char *(*retired)(const char *value);
    /* the words of a refusal after "--NAME ": NULL for a whole number
     * (worded from its range); for a CHOICE the verb ("must be", "takes")
     * before the list of names */
    const char *takes;
    /* --help's line for it (cli_opt_help): the value's placeholder
     * ("COLS", "FILE"; NULL for a flag), what it does, and its default
     * (NULL: none, or said in help) */
    const char *arg;
    const char *help;
    const char *dflt;
    /* the heading --help lists it under: NULL for the command's general
     * options, else a method's name ("lcm") or another group's */
    const char *section;
} cli_opt;

/* A command's table, and who is parsing it. */
typedef struct {
    const cli_opt *opts;
    size_t n;
    const char *cmd;        /* starts every message: "estimate", "admin
                               revoke" */
    const char *help_cmd;   /* "see victimcount HELP_CMD --help" */
    unsigned command;       /* this command's bit, for cli_opt.commands */
    const char *const *command_names; /* each bit's command, NULL-ended */
} cli_optable;

/* Parse argv[1 ..] by t into dest (the struct the fields lie in); optind
 * is then the first operand.  Returns CLI_EXIT_OK, or CLI_EXIT_USAGE /
 * CLI_EXIT_INTERNAL after printing why; *help set (and parsing stopped)
 * at --help. */
int cli_opt_parse(int argc, char **argv, const cli_optable *t, void *dest,
                  int *help);
/* A command's own words for one option of a shared table (estimate,
 * validate and batch share one): name is the long name; help and dflt
 * replace the table's.  A list ends with a NULL name. */
typedef struct {
    const char *name;
    const char *help;
    const char *dflt;
} cli_opt_words;

/* The lines of --help for t's options that t->command accepts and that
 * are listed under section (NULL: the general ones), in table order:
 *   "  -m, --method LIST      what it does (default: D)"
 * wrapped to 78 columns; own (may be NULL) rewords some.  So --help and
 * the parser read one table and cannot drift apart. */
void cli_opt_help(FILE *f, const cli_optable *t, const char *section,
                  const cli_opt_words *own);
/* A whole number in [lo, hi] (no sign, no other character); 0 on
 * success. */
int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* opts.c */
/* Append the comma-separated items of csv to s; -1 after printing "out
 * of memory". */
int cli_strings_add_csv(cli_strings *s, const char *csv);
void cli_strings_free(cli_strings *s);
void cli_options_init(cli_options *o);
void cli_options_free(cli_options *o);
/* Parse the options shared by estimate, validate and batch (the batch
 * options are refused by the others); returns CLI_EXIT_OK,
 * or CLI_EXIT_USAGE after printing why; *help set when --help was given. */
int cli_parse(int argc, char **argv, const char *cmd, cli_options *o,
              int *help);
/* The table cli_parse reads for cmd (estimate, validate or batch). */
void cli_options_table(const char *cmd, cli_optable *t);
/* cmd's --help lines for the options of that table under section
 * (cli_opt_help). */
void cli_options_help(FILE *f, const char *cmd, const char *section,
                      const cli_opt_words *own);
void cli_read_opts(const cli_options *o, vc_read_opts *r);
/* Read o->input with o's reading options.  The dataset is returned (*rc
 * CLI_EXIT_OK), or NULL after printing why, with the library's advice
 * worded as this tool's options, and *rc the exit status. */
vc_dataset *cli_read_dataset(const cli_options *o, int *rc);
/* The message cli_read_dataset prints for a refused file (without the
 * "victimcount: " prefix), into buf; the intake service answers with it. */
void cli_word_read_error(const vc_error *err, const vc_read_advice *a,
                         char *buf, size_t size);
/* The common start of a subcommand: initialise o and parse argv; print
 * help(stdout) for --help.  When *done is set the caller returns the
 * result at once (o already freed): after --help, or a usage error. */
int cli_start(int argc, char **argv, const char *cmd, void (*help)(FILE *),
              cli_options *o, int *done);
int cli_exit_for_status(int status);
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* A model-based method's jobs (methods.c): fit it on one table into its
 * typed summary (size bytes, zeroed by the caller; a status, err set on
 * failure), then from that summary the estimate, the JSON of what was
 * fitted, the detail lines, the report's figures and --draws' CSV rows
 * (NULL: none); clear releases what the summary holds, fitted or not. */
typedef struct {
    size_t size;
    int (*fit)(void *run, const vc_table *t, const cli_options *o,
               vc_error *err);
    void (*estimate)(const void *run, const cli_options *o, vc_estimate *e);
    json_t *(*to_json)(const void *run, const cli_options *o);
    void (*to_text)(const void *run, const cli_options *o, cli_result *res);
    json_t *(*figures)(const void *run);
    /* what the synthesis takes (cli_result.synth; NULL: nothing) */
    json_t *(*synth)(const void *run, const cli_options *o);
    void (*draws)(const void *run, FILE *f);
    void (*clear)(void *run);
} cli_model_jobs;

/* A method of estimate and batch: one entry of the table in methods.c.
 * A new method is one more entry there and its functions. */
typedef struct cli_method cli_method;
struct cli_method {
    const char *name;
    const char *summary;    /* one line for --help */
    int two_list;           /* needs exactly two lists */
    int pairwise;           /* one row per pair of lists */
    unsigned color;         /* 0xRRGGBB in the report's forest plot */
    /* Run on t into res[0 .. cli_method_rows - 1] (zeroed, table and
     * method set); returns the rows written.  One of: */
    size_t (*run)(const cli_method *m, const vc_table *t,
                  const cli_options *o, cli_result *res, FILE *draws);
    /* the library call of a classical method (run_classical) */
    int (*classical)(const cli_method *m, const vc_table *t,
                     const cli_options *o, vc_estimate *e, vc_error *err);
    const cli_model_jobs *model; /* a model-based method's (run_model) */
    /* The options of its family as canonical text for the batch's cache
     * keys (NULL: none beyond the level and interval). */
    void (*settings)(const cli_options *o, FILE *f);
};

/* methods.c: the method table; NULL for an unknown name. */
const cli_method *cli_method_find(const char *name);
void cli_methods_help(FILE *f);
/* Rows that m writes on a table of J lists (pairwise: one per pair). */
size_t cli_method_rows(const cli_method *m, size_t J);
/* Run m on table t (borrowed; must outlive res) into res[0 ..
 * cli_method_rows - 1] (filled; each must be cleared with
 * cli_result_clear); returns the rows written: one when the method
 * failed, with res[0].status and res[0].error saying why.  draws (may be
 * NULL) receives lcm's --draws CSV rows. */
size_t cli_run_method(const cli_method *m, const vc_table *t,
                      const cli_options *o, cli_result *res, FILE *draws);

/* The draws of N per chain for the report's posterior and trace plots,
 * every k-th draw so that a chain keeps at most CLI_FIGURE_DRAWS: enough
 * for a histogram and a trace, small enough for the batch cache. */
#define CLI_FIGURE_DRAWS 2000

/* methods.c: for the methods' files.  Append a formatted line to
 * res->details (a failure is counted by cli_oom_note); res->extra,
 * created when first asked for. */
void cli_add_detail(cli_result *res, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
json_t *cli_result_extra(cli_result *res);

/* The model-based methods (method_loglinear.c, method_lcm.c,
 * method_dga.c): loglinear's run, lcm's and dga's jobs, and each
 * family's options as canonical text for the batch's cache keys (every
 * option of cli_opts_loglinear, _lcm, _dga but lcm's --draws, which batch
 * refuses). */
size_t cli_run_loglinear(const cli_method *m, const vc_table *t,
                         const cli_options *o, cli_result *res, FILE *draws);
extern const cli_model_jobs cli_lcm_jobs;
extern const cli_model_jobs cli_dga_jobs;
void cli_loglinear_settings(const cli_options *o, FILE *f);
void cli_lcm_settings(const cli_options *o, FILE *f);
void cli_dga_settings(const cli_options *o, FILE *f);
void cli_result_clear(cli_result *res);

/* synthesis.c: which number to quote (issue 17).  Wanted when two or
 * more of loglinear, lcm, dga and independence run; the methods then put
 * their regimes into cli_result.synth. */
int cli_synthesis_wanted(const cli_options *o);
/* One regime as the synthesis's JSON input (estimate, lower, upper,
 * weight, structure), appended to the array regimes. */
void cli_synth_regime_add(json_t *regimes, double estimate, double lower,
                          double upper, double weight,
                          const char *structure);

/* The synthesis of each stratum, from the main rows (variant NULL) of
 * res in stratum order. */
typedef struct {
    const vc_table *table;     /* borrowed */
    size_t first;              /* res index of its first row */
    size_t nmethods;
    const char *methods[8];    /* borrowed: the methods synthesised */
    size_t row[8];             /* res index of each */
    vc_synthesis s;
    /* batch --sensitivity omit-each: the variant of a passing method
     * whose estimate moved furthest (on the log scale) from the
     * method's own */
    int has_sens;
    const char *sens_variant;  /* borrowed: "without IOM" */
    const char *sens_method;   /* borrowed */
    double sens_from, sens_to;
} cli_synth_stratum;
/* Synthesise every stratum where at least two of the four methods ran;
 * returns how many (*out: returned, cli_synth_free), 0 when none or out
 * of memory (then cli_oom_note). */
size_t cli_synthesize(const cli_options *o, const cli_result *res,
                      size_t nres, cli_synth_stratum **out);
void cli_synth_free(cli_synth_stratum *s, size_t n);
/* The stratum's synthesis whose table is t, or NULL. */
const cli_synth_stratum *cli_synth_find(const cli_synth_stratum *s,
                                        size_t n, const vc_table *t);
/* The top-level JSON array "synthesis" (returned). */
json_t *cli_synth_json(const cli_synth_stratum *s, size_t n);
/* The section of text before a stratum's method table. */
void cli_synth_text(const cli_synth_stratum *s, FILE *f);
/* "agree" and the quote for results.csv's columns (empty when none). */
void cli_synth_csv(const cli_synth_stratum *s, FILE *f);

/* dispatch.c: run the command in argv[1]; returns the exit status. */
int cli_main(int argc, char **argv);

/* covariates.c: estimate's run when --covariates is given (d read with
 * them); writes the output and returns the exit status. */
int cli_estimate_covariates(const cli_options *o, const vc_dataset *d);

/* covariates.c, for batch too: one stratum of a dataset read with
 * covariates: its table of patterns by covariate combinations, its
 * whole table (summed over the covariates; the rows' table), and after
 * cli_cov_levels the table of each level of every covariate (the other
 * methods run on those). */
typedef struct {
    vc_covtable *ct;
    vc_table *whole;
    vc_table **level;    /* one per level of every covariate */
    size_t nlevel;
} cli_cov_stratum;

/* The strata of d in order of first appearance, *n of them (returned;
 * cli_cov_strata_free), or NULL with err set. */
cli_cov_stratum *cli_cov_strata(const vc_dataset *d, size_t *n,
                                vc_error *err);
int cli_cov_levels(cli_cov_stratum *p, vc_error *err);
void cli_cov_strata_free(cli_cov_stratum *parts, size_t n);
/* --population read and checked against d's columns (NULL without it, or
 * on error with *rc set after saying why). */
vc_population *cli_cov_population(const cli_options *o, const vc_dataset *d,
                                  int *rc);
/* The model with covariates on one stratum into res (one row: table
 * whole, method loglinear, extra with "by"). */
int cli_cov_run(const vc_covtable *ct, const vc_table *whole,
                const vc_population *pop, const vc_dataset *d,
                const cli_options *o, cli_result *res, vc_error *err);
/* Canonical text of everything of ct, o and pop a stratum's result with
 * covariates depends on beyond the method's settings (batch's cache). */
void cli_cov_key(const vc_covtable *ct, const cli_options *o,
                 const vc_population *pop, FILE *f);

/* estimate.c / validate.c */
int cli_estimate(int argc, char **argv);
int cli_validate(int argc, char **argv);
void cli_estimate_help(FILE *f);
void cli_validate_help(FILE *f);

/* batch.c */
int cli_batch(int argc, char **argv);
void cli_batch_help(FILE *f);

/* batch_plan.c (plan, units, keys), batch_cache.c (open_cache, todo,
 * unit_serialise, unit_store), batch.c (the rest): a batch in steps, so
 * that cli_batch (threads of one process)
 * and the MPI driver (cli/mpi/, ranks across machines) share everything
 * but the loop that hands out units.  A unit is (stratum, method,
 * variant); units are numbered 0 .. cli_batch_nunits - 1 in output order,
 * the same on every process that reads the same file with the same
 * options. */
typedef struct cli_batch_plan cli_batch_plan;

typedef enum {
    CLI_PROGRESS_NONE,
    CLI_PROGRESS_TTY,   /* one line on a terminal, rewritten in place */
    CLI_PROGRESS_LINES  /* one line per finished unit, naming it */
} cli_progress;

/* Parse batch's options (argv[0] is "batch"), read FILE and enumerate the
 * units with their cache keys; nothing is written.  *plan is returned
 * (cli_batch_plan_free), or NULL with the exit status, after printing
 * why, or after printing --help (status CLI_EXIT_OK).  quiet: do not
 * print the file's notes (every rank but one reads the file). */
int cli_batch_plan_alloc(int argc, char **argv, int quiet,
                         cli_batch_plan **plan);
void cli_batch_plan_free(cli_batch_plan *p);
const cli_options *cli_batch_options(const cli_batch_plan *p);
size_t cli_batch_nunits(const cli_batch_plan *p);
/* Unit i's cache key (SHA-256 hex) and its name for messages, such as
 * "Kazakhstan 2004, lcm, without IOM" (both borrowed from p). */
const char *cli_batch_unit_key(const cli_batch_plan *p, size_t i);
const char *cli_batch_unit_name(const cli_batch_plan *p, size_t i);
/* The writing side: create DIR/cache, remove temporaries a killed run
 * left, find the units not yet cached and start the progress display
 * (NONE under --quiet whatever is asked).  CLI_EXIT_*. */
int cli_batch_open_cache(cli_batch_plan *p, cli_progress progress);
/* The units left to do, the costliest first (their estimated run times;
 * equal ones in unit order), the order to hand them out in (*todo
 * borrowed from p). */
size_t cli_batch_todo(const cli_batch_plan *p, const size_t **todo);
/* Compute unit i with `threads` OpenMP threads inside (0: OpenMP's
 * default) and return its unit file as JSON (returned; json_decref), or
 * NULL when out of memory.  Results do not depend on threads. */
json_t *cli_batch_unit_compute(const cli_batch_plan *p, size_t i,
                               int threads);
/* The bytes of a unit file (returned; free), or NULL when out of
 * memory. */
char *cli_batch_unit_serialise(const json_t *unit);
/* Check that text[0 .. len - 1] is unit i's finished file and write it
 * into the cache atomically; safe from several threads.  CLI_EXIT_*,
 * after printing why. */
int cli_batch_unit_store(const cli_batch_plan *p, size_t i, const char *text,
                         size_t len);
/* Count unit i as done and show progress; `by` (may be NULL) says who
 * computed it, e.g. "rank 2".  One caller at a time. */
void cli_batch_unit_done(cli_batch_plan *p, size_t i, const char *by);
/* Units finished, cached before this run or since. */
size_t cli_batch_ndone(const cli_batch_plan *p);
/* Clear the terminal's progress line. */
void cli_batch_progress_end(const cli_batch_plan *p);
/* Compute and store every unit left, on this process's OpenMP threads.
 * CLI_EXIT_*. */
int cli_batch_run_local(cli_batch_plan *p);
/* Send the headlines (and the report's path) that cli_batch_assemble
 * writes to f instead of standard output (the intake service keeps
 * them with the estimate). */
void cli_batch_set_headlines(cli_batch_plan *p, FILE *f);
/* Read every unit back from the cache and write results.csv,
 * results.json and report.html, then the headlines on standard output.
 * CLI_EXIT_*. */
int cli_batch_assemble(cli_batch_plan *p);

/* report.c: the batch's HTML report (rows as cli_write_results takes
 * them, variants and sensitivity filled), and the per-stratum headline in
 * words.  cli_stratum_best: the first row of table t (not a variant) that
 * used every list and gave an estimate, or NULL. */
int cli_write_report(const cli_options *o, const vc_dataset *d,
                     const cli_result *res, size_t nres, FILE *f);
/* 1 when the batch's report is written as pages (--report-form, or
 * auto with many strata) rather than one file. */
int cli_report_paged(const cli_options *o, const vc_dataset *d);
/* The report as pages: dir/report.html an index, dir/report/ one page
 * per stratum.  Written into a temporary folder in dir and renamed into
 * place, then the index atomically; on failure nothing of it is left
 * and an earlier report in dir stays whole.  CLI_EXIT_* after printing
 * why. */
int cli_write_report_pages(const cli_options *o, const vc_dataset *d,
                           const cli_result *res, size_t nres,
                           const char *dir);
/* After a single-file report: remove dir/report/, the pages of an
 * earlier report in pages, which would no longer match it (left, with a
 * note, when it holds files the report did not write). */
void cli_report_pages_remove(const char *dir);
const cli_result *cli_stratum_best(const vc_table *t, const cli_result *res,
                                   size_t nres);
/* sy: the stratum's synthesis, or NULL; when given, the headline quotes
 * it and names its methods instead of best's. */
void cli_stratum_headline(const cli_options *o, const vc_dataset *d,
                          const vc_table *t, const cli_result *best,
                          const cli_synth_stratum *sy, char *buf,
                          size_t size);

/* simulate.c */
int cli_simulate(int argc, char **argv);
void cli_simulate_help(FILE *f);
/* its option table (for --help and tests) */
void cli_simulate_table(cli_optable *t);

/* encode.c / link.c: privacy-preserving record linkage (link/) */
int cli_encode(int argc, char **argv);
void cli_encode_help(FILE *f);
/* its option table (for --help and tests) */
void cli_encode_table(cli_optable *t);
int cli_link(int argc, char **argv);
void cli_link_help(FILE *f);
/* its option table (for --help and tests) */
void cli_link_table(cli_optable *t);

/* serve.c: the intake service (serve/) and its administration */
int cli_serve(int argc, char **argv);
int cli_admin(int argc, char **argv);
void cli_serve_help(FILE *f);
void cli_admin_help(FILE *f);
/* the option tables of serve and of admin's command cmd ("revoke"; NULL:
 * every admin command at once, as --help lists them) */
void cli_serve_table(cli_optable *t);
void cli_admin_table(const char *cmd, cli_optable *t);
/* dispatch.c: the option table of a command as its --help names it
 * ("estimate", "admin revoke"); 0, or -1 for no such command. */
int cli_command_optable(const char *cmd, cli_optable *t);

/* jsonmem.c: route jansson's allocations through malloc and count those
 * that fail, with the other failures the CLI recovers from locally (see
 * jsonmem.c for why).  cli_json_alloc_init is called before JSON is built
 * (cli_main, the batch plan); cli_oom_note counts one failure,
 * cli_oom_count reads the count. */
void cli_json_alloc_init(void);
void cli_oom_note(void);
unsigned long cli_oom_count(void);

/* output.c */
const char *cli_population_label(const cli_options *o, const vc_dataset *d,
                                 const vc_table *t, char *buf, size_t size);
/* A row's name in every output: "chapman IOM×NGO" for a two-list
 * row that gave an estimate, else the method. */
void cli_row_name(const cli_result *r, char *buf, size_t size);
/* The names of the lists in mask, in t's order, joined by sep ("A+B" for
 * a merge, "A:B" for an interaction term). */
void cli_mask_names(const vc_table *t, uint32_t mask, const char *sep,
                    char *buf, size_t size);

/* json.c: how the CLI builds JSON.  A JSON number, or null when x is not
 * finite (no NaN or Inf is ever written). */
json_t *cli_json_real(double x);
/* o[key] = cli_json_real(x); _if: null unless defined. */
void cli_json_set_real(json_t *o, const char *key, double x);
void cli_json_set_real_if(json_t *o, const char *key, double x, int defined);
void cli_json_set_int(json_t *o, const char *key, long long n);
void cli_json_set_str(json_t *o, const char *key, const char *s);
void cli_json_set_bool(json_t *o, const char *key, int b);
/* One field of a struct written as JSON: its key, where it lies in the
 * struct (offsetof) and its C type. */
typedef enum { CLI_JSON_REAL, CLI_JSON_U64, CLI_JSON_SIZE } cli_json_kind;
typedef struct {
    const char *key;
    size_t offset;
    cli_json_kind kind;
} cli_json_field;
/* o[f[i].key] = the field of *base, for each of the n fields in order. */
void cli_json_set_fields(json_t *o, const void *base,
                         const cli_json_field *f, size_t n);
/* The n strings of v as a JSON array. */
json_t *cli_json_strings(char *const *v, size_t n);
/* [a, b] (both stolen). */
json_t *cli_json_pair(json_t *a, json_t *b);
/* What was read, as estimate's JSON "input" and validate's JSON say it:
 * file, format, lists, observed, dropped, strata, notes. */
json_t *cli_json_input(const vc_dataset *d);
/* Seconds on the monotonic clock, for the timing fields. */
double cli_seconds(void);
int cli_write_results(const cli_options *o, const vc_dataset *d,
                      const cli_result *res, size_t nres, FILE *f);
/* Write the bytes of buf to path atomically (temporary file, fsync,
 * rename), or to stdout when path is NULL.  Returns CLI_EXIT_OK or
 * CLI_EXIT_OUTPUT after printing why. */
int cli_emit(const char *path, const char *buf, size_t len);

#endif /* VC_CLI_H */
