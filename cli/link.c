/*
 * link.c: `victimcount link`: the hub links the encodings of several
 * lists (link/) into the overlap table that estimate and batch read.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "link/vc_link.h"

/* The default threshold (the library's, which the intake service uses
 * too); see README ("Record linkage"). */
#define LINK_DEFAULT_THRESHOLD VC_LINK_DEFAULT_THRESHOLD
#define LINK_DEFAULT_BAND_STEP 0.01

void cli_link_help(FILE *f)
{
    fputs(
        "Usage: victimcount link [OPTIONS] ENC1 ENC2 [ENC3 ...]\n"
        "\n"
        "Link the encodings of 2 to 30 lists (each written by `victimcount\n"
        "encode` at one office, all with the same secret and schema) and\n"
        "write the overlap table: one 0/1 column per list and a count, one\n"
        "row per capture pattern, the input of `estimate` and `batch`.\n"
        "\n"
        "Two encodings match when their score reaches the threshold: for\n"
        "the default encodings (format 2) the Dice similarity\n"
        "2|A&B|/(|A|+|B|) of each field, averaged with the fields'\n"
        "agreement weights (a date of birth weighs most; a missing field\n"
        "counts for neither side unless the names are shared by more\n"
        "records than there are lists); for one-CLK encodings (format 1)\n"
        "the Dice of the whole filter (README, \"Scoring by field\").\n"
        "Matching pairs are joined into people greedily, highest score\n"
        "first, never putting two records of one list in one person (a\n"
        "person is at most once on each list).\n"
        "When the encodings keep stratum columns in clear (encode\n"
        "--strata-field), only records of the same stratum are compared and\n"
        "the table has those columns first: read it with estimate --strata.\n"
        "\n"
        "Options:\n", f);
    cli_optable t;
    cli_link_table(&t);
    cli_opt_help(f, &t, NULL, NULL);
    fputs(
        "\n"
        "Example:\n"
        "  victimcount link iom.enc ngo.enc police.enc -o overlaps.csv\n"
        "  victimcount estimate overlaps.csv\n"
        "  victimcount link --thresholds 0.80:0.95:0.025 iom.enc ngo.enc \\\n"
        "      police.enc -o sweep.csv\n"
        "  victimcount estimate --strata threshold sweep.csv\n"
        "  victimcount batch sweep.csv --strata threshold --out dir \\\n"
        "      --linkage-report linkage.json   # the plot, T marked\n"
        "\n"
        "Exit status: 0 ok, 2 usage, 3 invalid or mismatched encodings (made\n"
        "with other secrets or schemas), 5 output not written, 1 internal\n"
        "error.\n",
        f);
}

/* At most this many thresholds in --thresholds. */
#define LINK_MAX_SWEEP 201

/* --thresholds LO:HI:STEP into sweep[] (at most LINK_MAX_SWEEP values,
 * each rounded to 1e-6 so that 0.8 + 3 x 0.05 prints as 0.95); returns
 * how many, or 0 when the value is not understood. */
static size_t parse_sweep(const char *s, double *sweep)
{
    double v[3];
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        char *end = NULL;
        errno = 0;
        v[i] = strtod(p, &end);
        if (errno != 0 || end == p || *end != (i < 2 ? ':' : '\0')) {
            return 0;
        }
        p = end + 1;
    }
    if (!(v[0] > 0.0 && v[1] <= 1.0 && v[0] <= v[1] && v[2] > 0.0)) {
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0;; i++) {
        double x = round((v[0] + (double)i * v[2]) * 1e6) / 1e6;
        if (x > v[1] + 1e-9) {
            break;
        }
        if (n == LINK_MAX_SWEEP) {
            return 0;
        }
        sweep[n++] = x;
    }
    return n;
}

/* What link was asked to do. */
typedef struct {
    vc_link_opts lo;
    double sweep[LINK_MAX_SWEEP];
    cli_strings names;
    const char *output, *report;
} link_options;

/* --thresholds LO:HI:STEP into the sweep of link_options. */
static int parse_thresholds(const char *arg, void *field, const char **takes)
{
    link_options *k = field;
    (void)takes; /* the table's words */
    k->lo.nsweep = parse_sweep(arg, k->sweep);
    k->lo.sweep = k->sweep;
    return k->lo.nsweep == 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

#define LINK_STR(x) #x
#define LINK_XSTR(x) LINK_STR(x)
#define F(member) offsetof(link_options, member)
static const cli_opt link_table[] = {
    {.name = "threshold", .kind = CLI_OPT_REAL, .field = F(lo.threshold),
     .real = {0.0, 1.0, 1}, .takes = "takes a number in (0, 1]",
     .arg = "T",
     .help = "Score threshold in (0, 1].  Too low: false matches, overlaps "
             "too large, N too low.  Too high: missed matches, N too high. "
             " --report shows the band around T",
     .dflt = LINK_XSTR(LINK_DEFAULT_THRESHOLD)},
    {.name = "names", .kind = CLI_OPT_LIST, .field = F(names),
     .arg = "A,B,...", .help = "list names in the table",
     .dflt = "the names in the files"},
    {.name = "thresholds", .kind = CLI_OPT_CUSTOM, .field = 0,
     .parse = parse_thresholds,
     .takes = "takes LO:HI:STEP with 0 < LO <= HI <= 1 and at most "
              LINK_XSTR(LINK_MAX_SWEEP) " steps, e.g. 0.80:0.95:0.01",
     .arg = "LO:HI:STEP",
     .help = "the overlap table at each threshold from LO to HI instead, "
             "with a first column `threshold`: read it with `estimate "
             "--strata threshold` to see how the estimate moves with the "
             "threshold (false matches at low ones, missed ones at high)"},
    {.name = "threads", .kind = CLI_OPT_INT, .field = F(lo.threads),
     .whole = {1, 1024}, .takes = "takes a number from 1 to 1024",
     .arg = "N", .help = "OpenMP threads; the output does not depend on it",
     .dflt = "all"},
    {.name = "output", .short_name = 'o', .kind = CLI_OPT_STRING,
     .field = F(output), .arg = "FILE", .help = "the overlap table",
     .dflt = "standard output"},
    {.name = "report", .kind = CLI_OPT_STRING, .field = F(report),
     .arg = "FILE",
     .help = "counts only, as JSON: records, comparisons, pairs pruned by "
             "the bit-count bound, candidate pairs and matches per pair of "
             "lists, people and matches at thresholds T-0.04 .. T+0.04, "
             "time; and the linkage error per pair of lists: expected false "
             "and missed matches and their rates, fitted by EM: for the "
             "default encodings (format 2) a Fellegi-Sunter model of the "
             "fields' agreement patterns (Winkler 1988), for one CLK a "
             "mixture of match and non-match similarities (Belin & Rubin "
             "1995); with the two-list Petersen and Chapman estimates and "
             "the Ding "
             "& Fienberg (1994) corrected one; with 3 lists or more, the "
             "independence log-linear estimate uncorrected and corrected "
             "(Di Consiglio & Tuoto 2018) (assumptions written beside). "
             " Similarity scores are never written: they would let a reader "
             "re-identify people"},
    {.name = "help", .short_name = 'h', .kind = CLI_OPT_HELP,
     .help = "this help"},
};

void cli_link_table(cli_optable *t)
{
    static const char *const cmds[] = {"link", NULL};
    *t = (cli_optable){link_table, sizeof link_table / sizeof link_table[0],
                       "link", "link", 1u, cmds};
}
#undef F

/* 1 when the first difference between sets[0] and another set, in the
 * order the library checks them (schema, secret, size, stratum columns),
 * is in the stratum columns: the library's message then says so, and this
 * tool adds which option to give alike. */
static int strata_differ_first(vc_link_set *const *sets, size_t J)
{
    const vc_link_set *a = sets[0];
    for (size_t j = 1; j < J; j++) {
        const vc_link_set *b = sets[j];
        if (strcmp(a->schema, b->schema) != 0
            || strcmp(a->key_check, b->key_check) != 0 || a->bits != b->bits) {
            return 0;
        }
        int same = a->nstrata == b->nstrata;
        for (size_t k = 0; same && k < a->nstrata; k++) {
            same = strcmp(a->strata_cols[k], b->strata_cols[k]) == 0;
        }
        if (!same) {
            return 1;
        }
    }
    return 0;
}

static int check_names(const char *const *names, size_t J, const vc_link_set *s)
{
    for (size_t j = 0; j < J; j++) {
        if (*names[j] == '\0' || strpbrk(names[j], ",\"\r\n") != NULL
            || strcmp(names[j], "count") == 0) {
            cli_error("link: list name \"%s\": empty, \"count\", or holds a "
                      "comma, quote or line break (use --names)",
                      names[j]);
            return CLI_EXIT_USAGE;
        }
        for (size_t k = 0; k < j; k++) {
            if (strcmp(names[j], names[k]) == 0) {
                cli_error("link: two lists are named \"%s\" (use --names)",
                          names[j]);
                return CLI_EXIT_USAGE;
            }
        }
        for (size_t k = 0; k < s->nstrata; k++) {
            if (strcmp(names[j], s->strata_cols[k]) == 0) {
                cli_error("link: list name \"%s\" is also a stratum column "
                          "(use --names)",
                          names[j]);
                return CLI_EXIT_USAGE;
            }
        }
    }
    return CLI_EXIT_OK;
}

/* One block of the overlap table: the tables of every stratum, each row
 * led by `lead` (the threshold of a sweep) when it is not NULL. */
static void write_rows(FILE *f, const char *lead, size_t J,
                       vc_table *const *tables, size_t ntables)
{
    for (size_t i = 0; i < ntables; i++) {
        const vc_table *t = tables[i];
        for (size_t p = 0; p < t->npat; p++) {
            if (lead != NULL) {
                fprintf(f, "%s,", lead);
            }
            for (size_t k = 0; k < t->nkeys; k++) {
                fprintf(f, "%s,", t->keys[k]);
            }
            for (size_t j = 0; j < J; j++) {
                fprintf(f, "%u,", (unsigned)(t->pattern[p] >> j & 1u));
            }
            fprintf(f, "%llu\n", (unsigned long long)t->count[p]);
        }
    }
}

static void write_table(FILE *f, const vc_link_set *s, const char *const *names,
                        const vc_link_result *r, const double *sweep)
{
    if (r->nsweep > 0) {
        fputs("threshold,", f);
    }
    for (size_t k = 0; k < s->nstrata; k++) {
        fprintf(f, "%s,", s->strata_cols[k]);
    }
    for (size_t j = 0; j < r->J; j++) {
        fprintf(f, "%s,", names[j]);
    }
    fputs("count\n", f);
    if (r->nsweep == 0) {
        write_rows(f, NULL, r->J, r->tables, r->ntables);
        return;
    }
    for (size_t w = 0; w < r->nsweep; w++) {
        char lead[32];
        snprintf(lead, sizeof lead, "%g", sweep[w]);
        write_rows(f, lead, r->J, r->sweep_tables[w], r->sweep_ntables[w]);
    }
}

/* A rounded count or rate for the report (6 decimals). */
static json_t *rounded(double x)
{
    return json_real(round(x * 1e6) / 1e6);
}

/* One estimate of the multiple-list section, rounded. */
static json_t *mse_json(const vc_link_mse *e)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "N", rounded(e->N),
                     "unseen", rounded(e->unseen), "se", rounded(e->se),
                     "lower", rounded(e->lo), "upper", rounded(e->hi));
}

/* The multiple-list section of the linkage error (3 or more lists): the
 * independence log-linear estimate of the linked table, uncorrected and
 * corrected as Di Consiglio & Tuoto (2018) do (link/multilist.c), from
 * the pairs' alpha and beta in *d; `unfitted` names a list of a pair
 * whose mixture could not be fitted (then no correction). */
static json_t *multiple_lists_json(const vc_link_result *r, vc_link_dct *d,
                                   const char *unfitted)
{
    json_t *o = json_object();
    json_object_set_new(
        o, "model",
        json_string("Independence log-linear model (main effects) fitted "
                    "by Poisson maximum likelihood to the linked table, all "
                    "strata together; uncorrected: means mu; corrected (Di "
                    "Consiglio & Tuoto 2018): means B mu, B the expected "
                    "observed patterns of one person of each true pattern "
                    "(link/multilist.c)."));
    json_object_set_new(
        o, "assumptions",
        json_string("Lists independent and people homogeneous (the "
                    "independence model); linkage errors homogeneous: every "
                    "true link between lists a and b found with the same "
                    "probability alpha, independently of other links and of "
                    "capture, and every record of list b whose person is not "
                    "on list a falsely linked to list a with the same "
                    "probability beta, to first order (no cluster takes two "
                    "false links); a false partner's pattern drawn in "
                    "proportion to the linked table; alpha and beta of each "
                    "pair as in the pairs above, taken as known, so the "
                    "corrected interval is too narrow by their "
                    "uncertainty."));
    vc_error err;
    vc_error_clear(&err);
    if (unfitted != NULL) {
        /* alpha 1 and beta 0: B is the identity, the uncorrected fit */
        for (size_t i = 0; i < r->J * r->J && r->J <= VC_LINK_DCT_MAX_LISTS;
             i++) {
            d->alpha[i] = 1.0;
            d->beta[i] = 0.0;
        }
        if (vc_link_dct_fit(r, d, &err) == VC_OK) {
            json_object_set_new(o, "uncorrected", mse_json(&d->uncorrected));
        }
        json_object_set_new(o, "corrected",
                            json_string("no correction: the similarity "
                                        "mixture of a pair of lists could "
                                        "not be fitted (see pairs)"));
        return o;
    }
    if (vc_link_dct_fit(r, d, &err) != VC_OK) {
        if (isfinite(d->uncorrected.N)) {
            json_object_set_new(o, "uncorrected", mse_json(&d->uncorrected));
        }
        json_object_set_new(o, "corrected", json_string(err.msg));
        return o;
    }
    json_object_set_new(o, "uncorrected", mse_json(&d->uncorrected));
    json_object_set_new(o, "corrected", mse_json(&d->corrected));
    return o;
}

/* The linkage-error section of the report: per pair of lists, the
 * mixture model's expected false and missed matches at the threshold,
 * their rates, and the two-list estimate before and after the Ding &
 * Fienberg (1994) correction.  Counts and rates only. */
static json_t *linkage_error_json(const vc_link_set *const *sets,
                                  const char *const *names,
                                  const vc_link_result *r, double threshold)
{
    json_t *o = json_object();
    /* field-scored encodings (format 2): the Fellegi-Sunter model of the
     * fields' agreement patterns; one CLK: the mixture of Dice scores */
    int fs_model = r->agree_fields > 0;
    json_object_set_new(
        o, "model",
        json_string(
            fs_model
                ? "Fellegi-Sunter model of the candidate pairs at or above "
                  "the window's lowest: each pair's agreement pattern (each "
                  "field exact, close (Dice >= 0.7), far or missing); the "
                  "matches' patterns have independent fields (m "
                  "probabilities; Fellegi & Sunter 1969, Winkler 1988), "
                  "fitted by EM to the pairs at or above the anchor (taken "
                  "as matches) and the matches the model expects, at most "
                  "the pairs there, among the patterns seen only below it; "
                  "a field is missing in a match when either record lacks "
                  "it (the lists' own shares: missing at random). "
                  "A pattern's pairs above the anchor beyond its expected "
                  "matches (less the Poisson excess) are non-matches; at "
                  "the threshold, non-matches at or above it are false "
                  "matches, matches below it missed. A non-match with a "
                  "match's pattern (a namesake with a date missing) is not "
                  "seen; matches below the window are not counted. Pairs "
                  "the one-to-one clustering dropped are taken as "
                  "non-matches."
                : "Similarities (Dice) of candidate pairs at or above the "
                  "window's lowest are a mixture of two Beta "
                  "distributions, true matches and non-matches, truncated "
                  "to the window, fitted by EM (Belin & Rubin 1995); "
                  "pairs at similarity 1 are matches. Matches below the "
                  "window are extrapolated from the matches' Beta. Pairs "
                  "the one-to-one clustering dropped are taken as "
                  "non-matches."));
    json_object_set_new(
        o, "correction",
        json_string("Ding & Fienberg (1994): N = n1 n2 (alpha - beta) / "
                    "(m - beta n2), m the linked pairs, alpha = 1 - "
                    "missed-match rate (a true match is linked), beta = "
                    "false matches / records of the second list without a "
                    "true match. Assumes linkage errors independent of "
                    "capture and the same for every record, and the two "
                    "lists independent; computed over all strata together."));
    json_object_set_new(o, "window_lowest",
                        json_real(fs_model ? VC_LINK_FS_FLOOR
                                           : VC_LINK_ERR_FLOOR));
    if (fs_model) {
        json_object_set_new(o, "anchor", json_real(VC_LINK_FS_ANCHOR));
    }
    json_t *pairs = json_array();
    size_t J = r->J;
    vc_link_dct d;
    memset(&d, 0, sizeof d);
    const char *unfitted = NULL; /* a pair whose mixture failed */
    for (size_t a = 0; a < J; a++) {
        for (size_t b = a + 1; b < J; b++) {
            json_t *p = json_pack("{s:s, s:s}", "a", names[a], "b", names[b]);
            vc_error err;
            vc_error_clear(&err);
            vc_link_errors e;
            int iterations = 0;
            if (fs_model) {
                vc_link_fs fs;
                if (vc_link_fs_fit(r, a, b, &fs, &err) != VC_OK) {
                    unfitted = unfitted ? unfitted : names[b];
                    json_object_set_new(p, "fit", json_string(err.msg));
                    json_array_append_new(pairs, p);
                    continue;
                }
                vc_link_fs_errors(&fs, r, a, b, &e);
                iterations = fs.iterations;
            } else {
                const uint64_t *h = r->hist + (a * J + b) * VC_LINK_HIST;
                vc_link_mixture m;
                double floor = r->hist_floor > VC_LINK_ERR_FLOOR
                                   ? r->hist_floor
                                   : VC_LINK_ERR_FLOOR;
                if (vc_link_mixture_fit(h, VC_LINK_HIST, floor, &m, &err)
                    != VC_OK) {
                    unfitted = unfitted ? unfitted : names[b];
                    json_object_set_new(p, "fit", json_string(err.msg));
                    json_array_append_new(pairs, p);
                    continue;
                }
                vc_link_mixture_errors(&m, h, VC_LINK_HIST, threshold,
                                       r->pair_candidates[a * J + b],
                                       r->pair_matches[a * J + b], &e);
                iterations = m.iterations;
            }
            double n1 = (double)sets[a]->n, n2 = (double)sets[b]->n;
            if (vc_link_errors_check(&e, n1, n2, &err) != VC_OK) {
                unfitted = unfitted ? unfitted : names[b];
                json_object_set_new(p, "fit", json_string(err.msg));
                json_array_append_new(pairs, p);
                continue;
            }
            double alpha, beta, N;
            vc_link_error_probs(&e, n2, &alpha, &beta);
            if (J <= VC_LINK_DCT_MAX_LISTS) {
                d.alpha[a * J + b] = alpha;
                d.beta[a * J + b] = beta;
            }
            json_object_set_new(p, "fit", json_string("ok"));
            json_object_set_new(p, "em_iterations", json_integer(iterations));
            json_object_set_new(p, "linked_pairs", rounded(e.linked));
            json_object_set_new(p, "expected_false_matches",
                                rounded(e.false_matches));
            json_object_set_new(p, "expected_missed_matches",
                                rounded(e.missed_matches));
            json_object_set_new(p, "expected_true_matches",
                                rounded(e.true_matches));
            json_object_set_new(p, "false_match_rate",
                                rounded(e.false_match_rate));
            json_object_set_new(p, "missed_match_rate",
                                rounded(e.missed_match_rate));
            if (e.linked > 0) {
                json_object_set_new(p, "petersen",
                                    rounded(n1 * n2 / e.linked));
            }
            json_object_set_new(p, "chapman",
                                rounded((n1 + 1) * (n2 + 1) / (e.linked + 1)
                                        - 1));
            if (vc_link_ding_fienberg(n1, n2, e.linked, alpha, beta, &N, &err)
                == VC_OK) {
                json_object_set_new(p, "ding_fienberg", rounded(N));
            } else {
                json_object_set_new(p, "ding_fienberg", json_string(err.msg));
            }
            json_array_append_new(pairs, p);
        }
    }
    json_object_set_new(o, "pairs", pairs);
    if (J >= 3) {
        json_object_set_new(o, "multiple_lists",
                            multiple_lists_json(r, &d, unfitted));
    }
    return o;
}

static json_t *report_json(const vc_link_set *const *sets,
                           const char *const *names, const vc_link_result *r,
                           double threshold, double seconds, int threads)
{
    json_t *o = json_object();
    json_t *lists = json_array();
    for (size_t j = 0; j < r->J; j++) {
        json_array_append_new(lists,
                              json_pack("{s:s, s:s, s:I}", "name", names[j],
                                        "file", sets[j]->source, "records",
                                        (json_int_t)sets[j]->n));
    }
    json_t *pairs = json_array();
    for (size_t a = 0; a < r->J; a++) {
        for (size_t b = a + 1; b < r->J; b++) {
            json_array_append_new(
                pairs, json_pack("{s:s, s:s, s:I, s:I}", "a", names[a], "b",
                                 names[b], "candidate_pairs",
                                 (json_int_t)r->pair_candidates[a * r->J + b],
                                 "matches",
                                 (json_int_t)r->pair_matches[a * r->J + b]));
        }
    }
    json_t *band = json_array();
    for (size_t i = 0; i < VC_LINK_BAND; i++) {
        json_array_append_new(
            band, json_pack("{s:f, s:I, s:I}", "threshold",
                            round(r->band[i] * 1e6) / 1e6, "matched_pairs",
                            (json_int_t)r->band_matches[i], "people",
                            (json_int_t)r->band_people[i]));
    }
    json_object_set_new(o, "threshold", json_real(threshold));
    json_object_set_new(o, "lists", lists);
    json_object_set_new(o, "schema", json_string(sets[0]->schema));
    json_object_set_new(o, "bits", json_integer((json_int_t)sets[0]->bits));
    json_object_set_new(o, "strata", json_integer((json_int_t)r->ntables));
    json_object_set_new(o, "comparisons",
                        json_integer((json_int_t)r->comparisons));
    json_object_set_new(o, "pruned_by_bit_count",
                        json_integer((json_int_t)r->pruned));
    json_object_set_new(o, "candidate_pairs_in_band",
                        json_integer((json_int_t)r->candidates));
    json_object_set_new(o, "people", json_integer((json_int_t)r->people));
    json_object_set_new(o, "pairs", pairs);
    json_object_set_new(o, "band", band);
    json_object_set_new(o, "linkage_error",
                        linkage_error_json(sets, names, r, threshold));
    json_object_set_new(o, "popcount", json_string(r->popcount));
    json_object_set_new(o, "threads", json_integer(threads));
    json_object_set_new(o, "seconds", json_real(round(seconds * 1e3) / 1e3));
    return o;
}

int cli_link(int argc, char **argv)
{
    cli_optable t;
    cli_link_table(&t);
    link_options k = {
        {LINK_DEFAULT_THRESHOLD, LINK_DEFAULT_BAND_STEP, 0, 0, 0, NULL, 0,
         0.0},
        {0.0},
        {NULL, 0},
        NULL,
        NULL};
    int help = 0;
    int rc = cli_opt_parse(argc, argv, &t, &k, &help);
    if (rc == CLI_EXIT_OK && help) {
        cli_link_help(stdout);
        cli_strings_free(&k.names);
        return CLI_EXIT_OK;
    }
    vc_link_opts lo = k.lo; /* lo.sweep, if set, points into k */
    cli_strings names = k.names;
    const char *output = k.output, *report = k.report;
    size_t J = (size_t)(argc - optind);
    if (rc == CLI_EXIT_OK && (J < 2 || J > VC_MAX_LISTS)) {
        cli_error("link: expected 2 to %d encoding files, got %zu (see "
                  "victimcount link --help)",
                  VC_MAX_LISTS, J);
        rc = CLI_EXIT_USAGE;
    }
    if (rc == CLI_EXIT_OK && names.n != 0 && names.n != J) {
        cli_error("link: --names gives %zu names for %zu files", names.n, J);
        rc = CLI_EXIT_USAGE;
    }
    if (rc != CLI_EXIT_OK) {
        cli_strings_free(&names);
        return rc;
    }
    vc_link_set *sets[VC_MAX_LISTS];
    const char *nm[VC_MAX_LISTS];
    size_t nread = 0;
    vc_link_result *res = NULL;
    char *buf = NULL;
    size_t blen = 0;
    vc_error err;
    vc_error_clear(&err);
    double t0 = cli_seconds();
    for (; nread < J; nread++) {
        sets[nread] = vc_link_set_read(argv[optind + (int)nread], &err);
        if (sets[nread] == NULL) {
            cli_error("link: %s", err.msg);
            rc = cli_exit_for_status(err.code);
            goto done;
        }
        nm[nread] = names.n ? names.v[nread] : sets[nread]->list;
    }
    rc = check_names(nm, J, sets[0]);
    if (rc != CLI_EXIT_OK) {
        goto done;
    }
    if (report != NULL) {
        /* the linkage-error model needs the pairs down to its window */
        lo.score_floor =
            sets[0]->nseg > 0 ? VC_LINK_FS_FLOOR : VC_LINK_ERR_FLOOR;
    }
    if (vc_link_run((const vc_link_set *const *)sets, J, nm, &lo, &res, &err)
        != VC_OK) {
        cli_error("link: %s%s", err.msg,
                  err.code == VC_EDATA && strata_differ_first(sets, J)
                      ? ": encode both with the same --strata-field"
                      : "");
        rc = cli_exit_for_status(err.code);
        goto done;
    }
    double seconds = cli_seconds() - t0;
    FILE *f = open_memstream(&buf, &blen);
    if (f == NULL) {
        rc = CLI_EXIT_INTERNAL;
        goto done;
    }
    write_table(f, sets[0], nm, res, k.sweep);
    if (fclose(f) != 0) {
        rc = CLI_EXIT_INTERNAL;
        goto done;
    }
    if (report != NULL) {
        json_t *o = report_json((const vc_link_set *const *)sets, nm, res,
                                lo.threshold, seconds, lo.threads);
        char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER
                                           | JSON_REAL_PRECISION(10))
                       : NULL;
        json_decref(o);
        if (text == NULL) {
            rc = CLI_EXIT_INTERNAL;
            goto done;
        }
        size_t tl = strlen(text);
        char *withnl = realloc(text, tl + 2);
        if (withnl == NULL) {
            free(text);
            rc = CLI_EXIT_INTERNAL;
            goto done;
        }
        withnl[tl] = '\n';
        withnl[tl + 1] = '\0';
        rc = cli_emit(report, withnl, tl + 1);
        free(withnl);
        if (rc != CLI_EXIT_OK) {
            goto done;
        }
    }
    rc = cli_emit(output, buf, blen);
done:
    free(buf);
    vc_link_result_free(res);
    for (size_t j = 0; j < nread; j++) {
        vc_link_set_free(sets[j]);
    }
    cli_strings_free(&names);
    return rc;
}
