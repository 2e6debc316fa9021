/*
 * opts.c: option parsing shared by the subcommands, and the mapping from
 * library status codes to exit statuses.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "models/vc_models.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("victimcount: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_strings_add_csv(cli_strings *s, const char *csv)
{
    const char *p = csv;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        /* trim spaces so "--lists IOM, NGO" works */
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ') {
            len--;
        }
        if (len > 0) {
            char **v = realloc(s->v, (s->n + 1) * sizeof *v);
            if (v == NULL) {
                cli_error("out of memory");
                return -1;
            }
            s->v = v;
            s->v[s->n] = malloc(len + 1);
            if (s->v[s->n] == NULL) {
                cli_error("out of memory");
                return -1;
            }
            memcpy(s->v[s->n], p, len);
            s->v[s->n][len] = '\0';
            s->n++;
        }
        if (end == NULL) {
            return 0;
        }
        p = end + 1;
    }
}

void cli_strings_free(cli_strings *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

void cli_options_init(cli_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = CLI_TEXT;
    o->level = 0.95;
    o->interval = CLI_INTERVAL_DEFAULT;
    o->seed = VC_LCM_DEFAULT_SEED;
    o->loglinear.select = CLI_SELECT_STEPWISE;
    o->loglinear.pthresh = 0.02;
    o->loglinear.bootstrap = 1000;
    o->lcm.classes = VC_LCM_DEFAULT_K;
    o->lcm.sampler = VC_LCM_DEFAULT_SAMPLER;
    o->lcm.temperatures = VC_LCM_DEFAULT_TEMPERATURES;
    o->lcm.beta_min = VC_LCM_DEFAULT_BETA_MIN;
    o->lcm.chains = VC_LCM_DEFAULT_CHAINS;
    /* 0 until parsed: no --iterations means sampling until converged
     * (cli_parse) */
    o->lcm.iterations = 0;
    o->lcm.burnin = VC_LCM_DEFAULT_BURNIN;
    o->lcm.thin = VC_LCM_DEFAULT_THIN;
}

void cli_options_free(cli_options *o)
{
    cli_strings_free(&o->methods);
    cli_strings_free(&o->lists);
    cli_strings_free(&o->strata);
    cli_strings_free(&o->covariates);
    cli_strings_free(&o->merge);
    cli_strings_free(&o->omit);
    cli_strings_free(&o->batch.sens_merge);
    json_decref(o->batch.linkage);
    o->batch.linkage = NULL;
}

/* --sensitivity: one or more comma-separated kinds into the batch's
 * options. */
static int parse_sensitivity(const char *arg, void *field,
                             const char **takes)
{
    cli_opts_batch *b = field;
    cli_strings kinds = {NULL, 0};
    if (cli_strings_add_csv(&kinds, arg) != 0) {
        cli_strings_free(&kinds);
        return CLI_EXIT_INTERNAL;
    }
    int rc = kinds.n > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    for (size_t i = 0; i < kinds.n && rc == CLI_EXIT_OK; i++) {
        const char *k = kinds.v[i];
        if (strcmp(k, "omit-each") == 0) {
            b->sensitivity |= CLI_SENS_OMIT_EACH;
        } else if (strcmp(k, "merge-pairs") == 0) {
            b->sensitivity |= CLI_SENS_MERGE_PAIRS;
        } else if (strncmp(k, "merge:", 6) == 0 && strchr(k + 6, '+') != NULL
                   && k[6] != '+' && k[strlen(k) - 1] != '+'
                   && strstr(k, "++") == NULL) {
            if (cli_strings_add_csv(&b->sens_merge, k + 6) != 0) {
                rc = CLI_EXIT_INTERNAL;
            }
        } else {
            rc = CLI_EXIT_USAGE;
        }
    }
    (void)takes; /* the table's words */
    cli_strings_free(&kinds);
    return rc;
}

/* --n0-grid LO:HI into the dga options. */
static int parse_n0_grid(const char *arg, void *field, const char **takes)
{
    cli_opts_dga *d = field;
    char lo_s[32], hi_s[32];
    const char *colon = strchr(arg, ':');
    size_t ll = colon ? (size_t)(colon - arg) : 0;
    if (colon == NULL || ll == 0 || ll >= sizeof lo_s
        || strlen(colon + 1) >= sizeof hi_s) {
        return CLI_EXIT_USAGE; /* the table's words */
    }
    memcpy(lo_s, arg, ll);
    lo_s[ll] = '\0';
    strcpy(hi_s, colon + 1);
    if (cli_parse_u64(lo_s, 0, CLI_OPT_NO_LIMIT, &d->n0_lo) != 0
        || cli_parse_u64(hi_s, 1, CLI_OPT_NO_LIMIT, &d->n0_hi) != 0
        || d->n0_hi <= d->n0_lo) {
        *takes = "takes LO:HI with 0 <= LO < HI";
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* --prior-n 1/N or negbin:A,B into the dga options. */
static int parse_prior_n(const char *arg, void *field, const char **takes)
{
    cli_opts_dga *d = field;
    (void)takes; /* the table's words */
    if (strcmp(arg, "1/N") == 0 || strcmp(arg, "inverse") == 0) {
        d->prior_negbin = 0;
        return CLI_EXIT_OK;
    }
    char *end = NULL;
    if (strncmp(arg, "negbin:", 7) == 0) {
        errno = 0;
        d->nb_a = strtod(arg + 7, &end);
        if (errno == 0 && end != arg + 7 && *end == ',') {
            const char *b = end + 1;
            d->nb_b = strtod(b, &end);
            if (errno == 0 && end != b && *end == '\0' && d->nb_a > 0.0
                && d->nb_b > 0.0 && isfinite(d->nb_a)
                && isfinite(d->nb_b)) {
                d->prior_negbin = 1;
                return CLI_EXIT_OK;
            }
        }
    }
    return CLI_EXIT_USAGE;
}

static const cli_choice formats[] = {
    {"text", CLI_TEXT}, {"json", CLI_JSON}, {"csv", CLI_CSV}, {NULL, 0}};
static const cli_choice intervals[] = {
    {"lognormal", CLI_INTERVAL_LOGNORMAL},
    {"log-normal", CLI_INTERVAL_LOGNORMAL},
    {"wald", CLI_INTERVAL_WALD},
    {"profile", CLI_INTERVAL_PROFILE},
    {"bootstrap", CLI_INTERVAL_BOOTSTRAP},
    {NULL, 0}};
static const cli_choice selects[] = {{"stepwise", CLI_SELECT_STEPWISE},
                                     {"aic", CLI_SELECT_AIC},
                                     {"aicc", CLI_SELECT_AICC},
                                     {"bic", CLI_SELECT_BIC},
                                     {NULL, 0}};
/* batch --report-form FORM */
static const cli_choice report_forms[] = {{"auto", CLI_REPORT_AUTO},
                                          {"single", CLI_REPORT_SINGLE},
                                          {"pages", CLI_REPORT_PAGES},
                                          {NULL, 0}};
/* --sampler NAME: the latent-class model's samplers. */
static const cli_choice samplers[] = {
    {"hybrid", VC_LCM_SAMPLER_HYBRID},
    {"gibbs", VC_LCM_SAMPLER_GIBBS},
    {"tempering", VC_LCM_SAMPLER_TEMPERING},
    {"tempering-splitmerge", VC_LCM_SAMPLER_TEMPERING_SPLITMERGE},
    {NULL, 0}};

/* --sampler splitmerge is retired: the library says why, and the refusal
 * names what replaces it. */
static const char *retired_sampler(const char *value)
{
    static char why[VC_ERROR_SIZE + 32];
    if (strcmp(value, "splitmerge") != 0) {
        return NULL;
    }
    vc_lcm_opts lo;
    vc_error e;
    vc_lcm_opts_default(&lo);
    lo.sampler = VC_LCM_SAMPLER_SPLITMERGE;
    vc_error_clear(&e);
    vc_lcm_opts_check(&lo, NULL, &e);
    snprintf(why, sizeof why, "%s; use --sampler hybrid", e.msg);
    return why;
}

/* A CHOICE writes an int into an enum field. */
_Static_assert(sizeof(cli_format) == sizeof(int)
               && sizeof(cli_interval) == sizeof(int)
               && sizeof(cli_select) == sizeof(int),
               "a CLI_OPT_CHOICE field is an int");

/* The commands that parse this table, as bits of cli_opt.commands. */
enum { CMD_ESTIMATE = 1u, CMD_VALIDATE = 2u, CMD_BATCH = 4u };
static const char *const command_names[] = {"estimate", "validate",
                                             "batch", NULL};

/* What validate reads and writes is shared by all three; what to
 * estimate and how, only by estimate and batch: validate refuses those
 * rather than ignore them. */
#define EST_BATCH (CMD_ESTIMATE | CMD_BATCH)

#define F(member) offsetof(cli_options, member)
#define WHOLE(lo, hi) .whole = {(lo), (hi)}
#define REAL(lo, hi) .real = {(lo), (hi), 0}
#define OPT_STR(x) #x
#define OPT_XSTR(x) OPT_STR(x)

/* The options of estimate, validate and batch, with the words of their
 * --help lines (cli_options_help); the teaching paragraphs around those
 * lines are in estimate.c, validate.c and batch.c.  The defaults named
 * here are those of cli_options_init. */
static const cli_opt options[] = {
    /* what to run */
    {.name = "method", .alias = "methods", .short_name = 'm',
     .kind = CLI_OPT_LIST, .field = F(methods), .commands = EST_BATCH,
     .arg = "LIST", .help = "methods to run, separated by commas (see "
                            "Methods above)",
     .dflt = "chapman with 2 lists, else loglinear,chao"},
    /* what to write */
    {.name = "format", .short_name = 'f', .kind = CLI_OPT_CHOICE,
     .field = F(format), .choices = formats, .takes = "must be",
     .arg = "FMT", .help = "text, json or csv", .dflt = "text"},
    {.name = "output", .short_name = 'o', .kind = CLI_OPT_STRING,
     .field = F(output), .arg = "FILE",
     .help = "write there instead of standard output; the file appears "
             "only when complete"},
    {.name = "level", .kind = CLI_OPT_REAL, .field = F(level),
     REAL(0.0, 1.0),
     .takes = "must be a number between 0 and 1 (e.g. 0.95)",
     .commands = EST_BATCH, .arg = "L", .help = "interval level",
     .dflt = "0.95"},
    {.name = "interval", .kind = CLI_OPT_CHOICE, .field = F(interval),
     .choices = intervals, .takes = "must be", .commands = EST_BATCH,
     .arg = "KIND",
     .help = "lognormal (Chao 1987, never below the people seen; default "
             "of the classical methods), wald, profile (profile "
             "likelihood; default of loglinear with --model or --select "
             "aic|bic) or bootstrap (loglinear stepwise default: selection "
             "repeated per replicate)"},
    {.name = "round", .kind = CLI_OPT_INT, .field = F(round_figures),
     WHOLE(1, 15),
     .takes = "takes a number of significant figures from 1 to 15",
     .commands = EST_BATCH, .arg = "N",
     .help = "quote the 'about' range at N significant figures",
     .dflt = "1, or 2 when 1 would widen the interval by more than half"},
    {.name = "label", .kind = CLI_OPT_STRING, .field = F(label),
     .commands = EST_BATCH, .arg = "TEXT",
     .help = "name of the population in headlines",
     .dflt = "the stratum, or the file name"},
    /* what to read */
    {.name = "strata", .kind = CLI_OPT_LIST, .field = F(strata),
     .arg = "COLS", .help = "estimate separately for each value of these "
                            "columns, e.g. --strata country,year"},
    {.name = "covariates", .kind = CLI_OPT_LIST, .field = F(covariates),
     .commands = CMD_ESTIMATE | CMD_VALIDATE | CMD_BATCH, .arg = "COLS",
     .help = "categorical columns (e.g. sex,age,form) that enter the "
             "log-linear model beside the lists: one model over all their "
             "levels, N in total and for every level (JSON \"by\"); an empty "
             "or NA cell is a missing value, filled in by EM.  --model then "
             "takes R's formula operators over list and covariate names "
             "(\"(IOM+NGO+Police)*sex + age\", \"(IOM+NGO+Police+sex+age)^2\"; "
             "every main effect is always in); without --model the two-way "
             "terms are searched (--select stepwise by AIC, or aic, aicc, bic "
             "over every model when there are at most 12 terms); intervals "
             "by parametric bootstrap (--bootstrap) or --interval wald.  "
             "Other methods run on each level's table separately"},
    {.name = "by-pairs", .kind = CLI_OPT_FLAG, .field = F(by_pairs),
     .commands = EST_BATCH,
     .help = "with --covariates: also every pair of levels of two "
             "covariates (\"sex:age\" = \"female:minor\")"},
    {.name = "population", .kind = CLI_OPT_STRING, .field = F(population),
     .commands = EST_BATCH, .arg = "FILE",
     .help = "with --covariates: a CSV of population sizes (a population "
             "column and stratum or covariate columns, one row per "
             "combination) for victims per 100,000 with intervals (JSON "
             "rate, rate_lower, rate_upper)"},
    {.name = "lists", .kind = CLI_OPT_LIST, .field = F(lists),
     .arg = "COLS", .help = "use only these list columns, in this order "
                            "(the others are still checked as lists; "
                            "people only they saw become unseen)"},
    {.name = "merge", .kind = CLI_OPT_LIST, .field = F(merge),
     .arg = "A+B", .help = "treat lists A and B as one (repeatable)"},
    {.name = "omit", .kind = CLI_OPT_LIST, .field = F(omit),
     .arg = "COLS", .help = "leave these lists out; people only they saw "
                            "become unseen"},
    {.name = "count", .kind = CLI_OPT_STRING, .field = F(count_column),
     .arg = "COL", .help = "the count column (how many people share each "
                           "row's pattern), when it is not named count, "
                           "freq, n or Freq, e.g. --count cases"},
    {.name = "encoding", .kind = CLI_OPT_STRING, .field = F(encoding),
     .arg = "NAME", .help = "the file's encoding when it is not UTF-8: "
                            "cp1251 (Excel's Russian on Windows), koi8-r, "
                            "latin1, utf-16, or any name iconv -l lists"},
    /* how to run */
    {.name = "seed", .kind = CLI_OPT_U64, .field = F(seed),
     WHOLE(0, UINT64_MAX), .commands = EST_BATCH, .arg = "S",
     .help = "seed of every random draw (bootstrap, MCMC); the same seed "
             "gives the same output"},
    {.name = "threads", .kind = CLI_OPT_INT, .field = F(threads),
     WHOLE(1, 4096), .takes = "takes a number from 1 to 4096",
     .commands = EST_BATCH, .arg = "N",
     .help = "OpenMP threads (never changes results; default: all cores). "
             " lcm runs its chains in parallel; one chain of a table with "
             "2,048 or more patterns splits its work into blocks only when "
             "N is given"},
    {.name = "quiet", .short_name = 'q', .kind = CLI_OPT_FLAG,
     .field = F(quiet), .commands = EST_BATCH,
     .help = "no notes or progress on standard error"},
    {.name = "help", .short_name = 'h', .kind = CLI_OPT_HELP,
     .help = "this help"},
    /* loglinear */
    {.name = "model", .kind = CLI_OPT_STRING, .field = F(loglinear.model),
     .commands = EST_BATCH, .section = "loglinear", .arg = "M",
     .help = "fit this model: \"IOM*NGO + Police\", \"[12,3]\" (lists "
             "numbered from 1), all-two-way, independence, or M0 (every "
             "list has the same capture probability: Rcapture's M0); a "
             "summand \"+ h=H\" adds heterogeneity between people "
             "(Rcapture's Mth models, or Mh on M0): \"[12,3] + h=Chao\", "
             "\"M0 + h=Poisson\".  A list name holding + * or : (a merged "
             "list) goes in double quotes: --model '\"IOM+NGO\"*Police'"},
    {.name = "heterogeneity", .kind = CLI_OPT_STRING,
     .field = F(loglinear.heterogeneity), .commands = EST_BATCH,
     .section = "loglinear", .arg = "H",
     .help = "the same as \"+ h=H\" in --model (needs --model; \"--model "
             "independence\" is Mth, \"--model M0\" is Mh): chao (or lb: "
             "Chao's lower bound, negative etas set to 0), poisson (column "
             "2^k - 1), poisson(a) (a^k - 1), darroch (k^2 / 2), gamma "
             "(-log(3.5 + k) + log 3.5), gamma(a); k = number of lists "
             "that saw a person"},
    {.name = "select", .kind = CLI_OPT_CHOICE, .field = F(loglinear.select),
     .choices = selects, .takes = "must be", .commands = EST_BATCH,
     .section = "loglinear", .arg = "HOW",
     .help = "stepwise (p-value threshold --pthresh), aic or bic (all "
             "models with pairwise interactions); aicc too with "
             "--covariates", .dflt = "stepwise"},
    {.name = "pthresh", .kind = CLI_OPT_REAL, .field = F(loglinear.pthresh),
     REAL(0.0, 1.0), .takes = "must lie between 0 and 1",
     .commands = EST_BATCH, .section = "loglinear", .arg = "P",
     .help = "p-value below which stepwise selection adds a term",
     .dflt = "0.02"},
    {.name = "bootstrap", .kind = CLI_OPT_SIZE,
     .field = F(loglinear.bootstrap), WHOLE(2, 10000000),
     .commands = EST_BATCH, .section = "loglinear", .arg = "B",
     .help = "bootstrap replicates", .dflt = "1000"},
    /* lcm */
    {.name = "classes", .kind = CLI_OPT_SIZE, .field = F(lcm.classes),
     WHOLE(1, 1000), .commands = EST_BATCH, .section = "lcm", .arg = "K",
     .help = "latent classes K*", .dflt = OPT_XSTR(VC_LCM_DEFAULT_K)},
    {.name = "sampler", .kind = CLI_OPT_CHOICE, .field = F(lcm.sampler),
     .choices = samplers, .retired = retired_sampler, .takes = "takes",
     .commands = EST_BATCH, .section = "lcm", .arg = "S",
     .help = "hybrid, gibbs, tempering or tempering-splitmerge (see "
             "below; models/schedule.c lists what each does, step by "
             "step)", .dflt = "hybrid"},
    {.name = "temperatures", .kind = CLI_OPT_SIZE,
     .field = F(lcm.temperatures), WHOLE(2, 64), .commands = EST_BATCH,
     .section = "lcm", .arg = "R",
     .help = "replicas per chain (tempering); each costs one sweep",
     .dflt = OPT_XSTR(VC_LCM_DEFAULT_TEMPERATURES)},
    {.name = "beta-min", .kind = CLI_OPT_REAL, .field = F(lcm.beta_min),
     REAL(0.0, 1.0), .takes = "must lie strictly between 0 and 1",
     .commands = EST_BATCH, .section = "lcm", .arg = "B",
     .help = "fraction of the table the hottest replica sees",
     .dflt = OPT_XSTR(VC_LCM_DEFAULT_BETA_MIN)},
    {.name = "fixed-ladder", .kind = CLI_OPT_FLAG,
     .field = F(lcm.fixed_ladder), .commands = EST_BATCH, .section = "lcm",
     .help = "keep the geometric ladder 1..B; by default it is adapted in "
             "the first half of the burn-in to even out exchange rates, "
             "then frozen (JSON: ladder, exchange_rates)"},
    {.name = "chains", .kind = CLI_OPT_SIZE, .field = F(lcm.chains),
     WHOLE(1, 1000), .commands = EST_BATCH, .section = "lcm", .arg = "C",
     .help = "chains run in parallel",
     .dflt = OPT_XSTR(VC_LCM_DEFAULT_CHAINS)},
    {.name = "iterations", .kind = CLI_OPT_U64, .field = F(lcm.iterations),
     WHOLE(1, CLI_OPT_NO_LIMIT), .commands = EST_BATCH, .section = "lcm",
     .arg = "I", .help = "a fixed-length run: I sweeps per chain after "
                         "burn-in.  Without it lcm (and dga's MCMC over "
                         "graphs) samples in rounds of "
                         OPT_XSTR(VC_LCM_DEFAULT_ITERATIONS) " sweeps "
                         "until converged, as with --until-converged (the "
                         "output states the cap); give it for benchmarks "
                         "and runs that must take a known time"},
    {.name = "burnin", .kind = CLI_OPT_U64, .field = F(lcm.burnin),
     WHOLE(0, CLI_OPT_NO_LIMIT), .commands = EST_BATCH, .section = "lcm",
     .arg = "B", .help = "sweeps discarded first",
     .dflt = OPT_XSTR(VC_LCM_DEFAULT_BURNIN)},
    {.name = "thin", .kind = CLI_OPT_U64, .field = F(lcm.thin),
     WHOLE(1, CLI_OPT_NO_LIMIT), .commands = EST_BATCH, .section = "lcm",
     .arg = "T", .help = "keep every T-th sweep",
     .dflt = OPT_XSTR(VC_LCM_DEFAULT_THIN)},
    {.name = "until-converged", .kind = CLI_OPT_FLAG,
     .field = F(lcm.until_converged), .commands = EST_BATCH,
     .section = "lcm",
     .help = "(the default without --iterations) keep sampling in rounds "
             "of I sweeps until R-hat < 1.01, bulk "
             "ESS >= 400 and the chains agree on the share of their draws "
             "beyond each end of the interval (JSON: diagnostics.tails), "
             "up to --max-iterations"},
    {.name = "max-iterations", .kind = CLI_OPT_U64,
     .field = F(lcm.max_iterations), WHOLE(1, CLI_OPT_NO_LIMIT),
     .commands = EST_BATCH, .section = "lcm", .arg = "M",
     .help = "with --until-converged, the most sweeps per chain after "
             "burn-in", .dflt = "10 I"},
    {.name = "draws", .kind = CLI_OPT_STRING, .field = F(lcm.draws),
     .commands = EST_BATCH, .section = "lcm", .arg = "FILE",
     .help = "write every kept draw (stratum, chain, draw, N, alpha, "
             "occupied classes) as CSV"},
    /* dga */
    {.name = "delta", .kind = CLI_OPT_REAL, .field = F(dga.delta),
     REAL(0.0, 1e6), .takes = "must be a positive number",
     .commands = EST_BATCH, .section = "dga", .arg = "D",
     .help = "prior weight per cell", .dflt = "2^-J"},
    {.name = "n0-grid", .kind = CLI_OPT_CUSTOM, .field = F(dga),
     .parse = parse_n0_grid, .takes = "takes LO:HI, e.g. 0:110000",
     .commands = EST_BATCH, .section = "dga", .arg = "LO:HI",
     .help = "grid of the number unseen",
     .dflt = "0:25n, widened while its top holds posterior mass"},
    {.name = "prior-n", .kind = CLI_OPT_CUSTOM, .field = F(dga),
     .parse = parse_prior_n,
     .takes = "takes 1/N or negbin:A,B with A, B > 0 (gamma shape A, "
              "scale B)", .commands = EST_BATCH, .section = "dga",
     .arg = "P", .help = "prior of N: 1/N or negbin:A,B (A, B > 0: gamma "
                         "shape A, scale B)", .dflt = "1/N"},
    {.name = "dga-mcmc", .kind = CLI_OPT_FLAG, .field = F(dga.mcmc),
     .commands = EST_BATCH, .section = "dga",
     .help = "MCMC over graphs (Giudici & Green 1999) even with 5 lists or "
             "fewer, where every graph is otherwise enumerated; with 6 to "
             "8 lists MCMC is the only way.  It takes --chains, "
             "--iterations, --burnin, --thin and --seed as lcm (a sweep is "
             "one proposal per pair of lists) and reports R-hat and bulk "
             "ESS of E(N | graph) and of the number of edges"},
    {.name = "prior-sensitivity", .kind = CLI_OPT_FLAG,
     .field = F(prior_sensitivity), .commands = EST_BATCH,
     .help = "lcm and dga: rerun under other priors and show the estimate "
             "and interval under each (JSON: prior_sensitivity): lcm with "
             "K* = 5, 10, 20 and alpha ~ Gamma(1, 1) or Gamma(2, 0.5) "
             "besides LCMCR's Gamma(0.25, 0.25); dga with delta = 2^-J, "
             "1/2, 1 and N ~ 1/N or a negative binomial (shape 1, mean "
             "10 n).  Each rerun has the main run's --burnin, --iterations "
             "(never extended) and seed.  Both also show the posterior "
             "bounded at N <= 21 n (LCMCR's bound) and say so when that "
             "moves the upper end down by over 5%"},
    /* batch */
    {.name = "out", .kind = CLI_OPT_STRING, .field = F(batch.out_dir),
     .commands = CMD_BATCH, .section = "batch", .arg = "DIR",
     .help = "where results and the cache go (required)"},
    {.name = "sensitivity", .kind = CLI_OPT_CUSTOM, .field = F(batch),
     .commands = CMD_BATCH, .parse = parse_sensitivity,
     .takes = "takes omit-each, merge-pairs or merge:A+B (two or more "
              "list names joined by +), separated by commas",
     .section = "batch", .arg = "KINDS",
     .help = "rerun each method on variants of each stratum's table and "
             "report, next to its main estimate, the range of its "
             "estimates over the variants of each kind (repeatable; KINDS "
             "below)"},
    {.name = "resume", .kind = CLI_OPT_FLAG, .field = F(batch.resume),
     .commands = CMD_BATCH, .section = "batch",
     .help = "skip finished units (re-running does so anyway: finished "
             "units are cached in DIR/cache, keyed by table, method "
             "settings, seed and engine version)"},
    {.name = "report-form", .kind = CLI_OPT_CHOICE,
     .field = F(batch.report_form), .choices = report_forms,
     .takes = "must be", .commands = CMD_BATCH, .section = "batch",
     .arg = "FORM",
     .help = "single: DIR/report.html holds everything, figures as PNG "
             "(what make run shows); pages: DIR/report.html is an index "
             "(every stratum's headline, linked to its page, and forest "
             "plots of the headline estimates by the first --strata "
             "column) and DIR/report/ holds one page per stratum, "
             "numbered, with vector (SVG) figures; auto: pages above 20 "
             "strata, where one file grows past about 6 MB",
     .dflt = "auto"},
    {.name = "linkage-report", .kind = CLI_OPT_STRING,
     .field = F(batch.linkage_report), .commands = CMD_BATCH,
     .section = "batch", .arg = "FILE",
     .help = "the --report of `victimcount link` that made the input: the "
             "report shows its counts and linkage-error estimates, and marks "
             "its threshold on the plot of the estimate against the "
             "threshold, drawn when the input has a stratum column "
             "`threshold` (link --thresholds, then --strata threshold)"},
};

void cli_options_table(const char *cmd, cli_optable *t)
{
    *t = (cli_optable){options, sizeof options / sizeof options[0], cmd,
                       cmd, 0, command_names};
    for (unsigned b = 0; command_names[b] != NULL; b++) {
        if (strcmp(cmd, command_names[b]) == 0) {
            t->command = 1u << b;
        }
    }
}

void cli_options_help(FILE *f, const char *cmd, const char *section,
                      const cli_opt_words *own)
{
    cli_optable t;
    cli_options_table(cmd, &t);
    cli_opt_help(f, &t, section, own);
}

int cli_parse(int argc, char **argv, const char *cmd, cli_options *o,
              int *help)
{
    cli_optable t;
    cli_options_table(cmd, &t);
    int rc = cli_opt_parse(argc, argv, &t, o, help);
    if (rc != CLI_EXIT_OK || *help) {
        return rc;
    }
    if (optind + 1 != argc) {
        cli_error("%s: expected exactly one input FILE, got %d (see "
                  "victimcount %s --help)", cmd, argc - optind, cmd);
        return CLI_EXIT_USAGE;
    }
    o->input = argv[optind];
    /* Issue 17: without --iterations the Bayesian methods sample in rounds
     * of the default length until they converge (as --until-converged),
     * up to --max-iterations; an explicit --iterations is a run of that
     * fixed length (benchmarks, tests), unless --until-converged is
     * given too. */
    if (o->lcm.iterations == 0) {
        o->lcm.iterations = VC_LCM_DEFAULT_ITERATIONS;
        o->lcm.until_converged = 1;
    }
    if (o->covariates.n == 0
        && (o->loglinear.select == CLI_SELECT_AICC || o->by_pairs
            || o->population != NULL)) {
        cli_error("%s: %s needs --covariates (see victimcount %s --help)",
                  cmd,
                  o->by_pairs             ? "--by-pairs"
                  : o->population != NULL ? "--population"
                                          : "--select aicc",
                  cmd);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

void cli_read_opts(const cli_options *o, vc_read_opts *r)
{
    memset(r, 0, sizeof *r);
    r->count_column = o->count_column;
    r->lists = (const char *const *)o->lists.v;
    r->nlists = o->lists.n;
    r->strata = (const char *const *)o->strata.v;
    r->nstrata = o->strata.n;
    r->merge = (const char *const *)o->merge.v;
    r->nmerge = o->merge.n;
    r->omit = (const char *const *)o->omit.v;
    r->nomit = o->omit.n;
    r->encoding = o->encoding;
    r->covariates = (const char *const *)o->covariates.v;
    r->ncovariates = o->covariates.n;
}

/* name as one shell word: as it is when it is plain, else in single
 * quotes (each ' written '\''). */
static void shell_word(const char *name, char *out, size_t size)
{
    int plain = name[0] != '\0';
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x80 && !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z')
            && !(*p >= '0' && *p <= '9') && strchr("_-.+/:@%", *p) == NULL) {
            plain = 0;
        }
    }
    if (plain) {
        snprintf(out, size, "%s", name);
        return;
    }
    size_t k = 0;
    out[k++] = '\'';
    for (const char *p = name; *p != '\0' && k + 6 < size; p++) {
        if (*p == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else {
            out[k++] = *p;
        }
    }
    out[k++] = '\'';
    out[k] = '\0';
}

/* The library's advice on a refused file, worded as this tool's options
 * (the library never names them), into buf. */
void cli_word_read_error(const vc_error *err, const vc_read_advice *a,
                         char *buf, size_t size)
{
    char word[2 * VC_ERROR_SIZE + 8];
    int typable = 1; /* a name with a line break cannot be an option */
    for (const unsigned char *p = (const unsigned char *)a->column; *p; p++) {
        typable = typable && *p >= 0x20 && *p != 0x7f;
    }
    switch (a->kind) {
    case VC_ADVICE_COLUMN:
        if (!typable) {
            snprintf(buf, size, "%s; name the column with --count or "
                     "--strata, or remove it from the file", err->msg);
            break;
        }
        shell_word(a->column, word, sizeof word);
        if (a->may_be_count) {
            snprintf(buf, size, "%s; if \"%s\" gives the number of people "
                     "with each row's pattern, name it with --count %s; if "
                     "it is a stratum, with --strata %s; else remove the "
                     "column from the file",
                     err->msg, a->column, word, word);
        } else {
            snprintf(buf, size, "%s; if \"%s\" is a stratum, name it with "
                     "--strata %s; else remove the column from the file",
                     err->msg, a->column, word);
        }
        break;
    case VC_ADVICE_ENCODING:
        snprintf(buf, size, "%s; name the encoding with --encoding NAME "
                 "(cp1251, koi8-r, latin1, utf-16le, ...: iconv -l lists "
                 "every name)", err->msg);
        break;
    case VC_ADVICE_ENCODING_NAME:
        snprintf(buf, size, "%s; iconv -l lists every name --encoding "
                 "takes", err->msg);
        break;
    default:
        snprintf(buf, size, "%s", err->msg);
        break;
    }
}

static void print_read_error(const vc_error *err, const vc_read_advice *a)
{
    char buf[4 * VC_ERROR_SIZE + 256];
    cli_word_read_error(err, a, buf, sizeof buf);
    cli_error("%s", buf);
}

vc_dataset *cli_read_dataset(const cli_options *o, int *rc)
{
    vc_read_opts ro;
    vc_read_advice advice;
    cli_read_opts(o, &ro);
    ro.advice = &advice;
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_read(o->input, &ro, &err);
    if (d == NULL) {
        print_read_error(&err, &advice);
        *rc = cli_exit_for_status(err.code);
        return NULL;
    }
    *rc = CLI_EXIT_OK;
    return d;
}

int cli_exit_for_status(int status)
{
    switch (status) {
    case VC_OK:
        return CLI_EXIT_OK;
    case VC_EINVAL:
        return CLI_EXIT_USAGE;
    case VC_EIO:
    case VC_EDATA:
        return CLI_EXIT_DATA;
    case VC_EUNDEFINED:
    case VC_ENOMLE:
    case VC_ENOTIDENT:
    case VC_ENOTCONV:
        return CLI_EXIT_NOEST;
    default:
        return CLI_EXIT_INTERNAL;
    }
}

int cli_start(int argc, char **argv, const char *cmd, void (*help)(FILE *),
              cli_options *o, int *done)
{
    cli_options_init(o);
    int wants_help = 0;
    int rc = cli_parse(argc, argv, cmd, o, &wants_help);
    *done = wants_help || rc != CLI_EXIT_OK;
    if (wants_help) {
        help(stdout);
        rc = CLI_EXIT_OK;
    }
    if (*done) {
        cli_options_free(o);
    }
    return rc;
}
