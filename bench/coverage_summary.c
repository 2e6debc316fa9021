/*
 * coverage_summary.c: one scenario of the coverage study (make coverage,
 * bench/coverage.sh): the estimates of `victimcount batch` on R simulated
 * populations against their true sizes, per method, as rows of a Markdown
 * table.
 *
 *   coverage_summary SCENARIO TRUTH.csv RESULTS.json
 *
 * TRUTH.csv is the --truth file of `victimcount simulate` (first column
 * the stratum key, then N, ...); RESULTS.json the batch's results.json.
 * For each method, over the R populations (strata) where it gave an
 * estimate N-hat with a 95% interval [lo, hi]:
 *
 *   relative bias   mean((N-hat - N) / N), with its Monte Carlo standard
 *                   error sd / sqrt(R)
 *   relative RMSE   sqrt(mean(((N-hat - N) / N)^2))
 *   coverage        share of intervals with lo <= N <= hi (an upper end
 *                   that is missing, i.e. infinite, covers every N above
 *                   lo), with its 95% Wilson score interval (Wilson 1927,
 *                   JASA 22:209-212)
 *   width           median of (hi - lo) / N
 *
 * Only the rows that used every list count ("all lists"; --sensitivity
 * variants are ignored), and for the two-list methods only the pair of the
 * first two lists of the file (chapman on more lists is pairwise).  A
 * population where a method gave no estimate counts in "no estimate", not
 * in the figures; an lcm or dga MCMC run that did not meet its convergence
 * rule counts in "not conv." and in the figures.
 *
 * With --synthesis SCENARIO TRUTH.csv RESULTS.json (header:
 * --synthesis-header) it summarises issue 17's synthesis instead: how
 * often the methods agree, how often the quoted range covers N (when they
 * agree, when they do not), its median width, and each method's coverage
 * on the same populations (bench/synthesis.sh).
 *
 * The Markdown header and the binomial band of nominal coverage come from
 * `coverage_summary --header R`: the central 95% of Binomial(R, 0.95)/R,
 * the range in which a method whose intervals truly cover 95% of the time
 * shows its coverage in 95% of studies of R populations.  A coverage
 * outside the band (for as many intervals as the method gave) is marked
 * in bold.  Exit status 0, or 1 with a message when an
 * input cannot be read.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Most populations and methods in one scenario. */
#define COV_MAX_METHODS 16

typedef struct {
    char key[64];
    double N;
} truth_row;

typedef struct {
    const char *name;
    size_t n;          /* estimates */
    size_t noest;      /* rows without an estimate */
    size_t covered;
    size_t notconv;
    double *rel;       /* (N-hat - N) / N of each estimate */
    double *width;     /* (hi - lo) / N; INFINITY for an open upper end */
} method_acc;

/* P(X <= k) for X ~ Binomial(n, p), summed on the log scale. */
static double binom_cdf(size_t k, size_t n, double p)
{
    double s = 0.0;
    for (size_t i = 0; i <= k && i <= n; i++) {
        double log_pmf = lgamma((double)n + 1.0) - lgamma((double)i + 1.0)
                         - lgamma((double)(n - i) + 1.0)
                         + (double)i * log(p)
                         + (double)(n - i) * log1p(-p);
        s += exp(log_pmf);
    }
    return s;
}

/* The central 95% of Binomial(R, 0.95): the largest lo with P(X < lo) <=
 * 0.025 and the smallest hi with P(X > hi) <= 0.025. */
static void nominal_band(size_t R, size_t *lo, size_t *hi)
{
    *lo = 0;
    while (*lo < R && binom_cdf(*lo, R, 0.95) <= 0.025) {
        (*lo)++;
    }
    *hi = R;
    while (*hi > 0 && 1.0 - binom_cdf(*hi - 1, R, 0.95) <= 0.025) {
        (*hi)--;
    }
}

static void wilson(size_t x, size_t n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    double p = (double)x / (double)n, nn = (double)n;
    double centre = (p + z * z / (2.0 * nn)) / (1.0 + z * z / nn);
    double half = z / (1.0 + z * z / nn)
                  * sqrt(p * (1.0 - p) / nn + z * z / (4.0 * nn * nn));
    *lo = centre - half;
    *hi = centre + half;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The truth file: returned (free), *n set; NULL after a message. */
static truth_row *read_truth(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "coverage_summary: cannot open %s\n", path);
        return NULL;
    }
    char line[1024];
    truth_row *rows = NULL;
    size_t cap = 0;
    *n = 0;
    /* the header: KEY,N,observed,... (one stratum column) */
    if (fgets(line, sizeof line, f) == NULL
        || strstr(line, ",N,observed,") == NULL) {
        fprintf(stderr, "coverage_summary: %s: expected a header "
                "KEY,N,observed,...\n", path);
        fclose(f);
        return NULL;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *comma = strchr(line, ',');
        if (comma == NULL || (size_t)(comma - line) >= sizeof rows->key) {
            continue;
        }
        if (*n == cap) {
            cap = 2 * cap + 64;
            truth_row *g = realloc(rows, cap * sizeof *rows);
            if (g == NULL) {
                free(rows);
                fclose(f);
                return NULL;
            }
            rows = g;
        }
        memcpy(rows[*n].key, line, (size_t)(comma - line));
        rows[*n].key[comma - line] = '\0';
        rows[*n].N = strtod(comma + 1, NULL);
        (*n)++;
    }
    fclose(f);
    return rows;
}

static double truth_of(const truth_row *t, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].key, key) == 0) {
            return t[i].N;
        }
    }
    return NAN;
}

static int print_header(size_t R)
{
    size_t lo, hi;
    nominal_band(R, &lo, &hi);
    printf("Coverage of nominal 95%% intervals over R = %zu populations; a "
           "method whose intervals truly cover 95%% of the time shows "
           "%.1f%%-%.1f%% in 95%% of such studies (binomial band), and "
           "coverages outside it are in **bold**.\n\n", R,
           100.0 * (double)lo / (double)R, 100.0 * (double)hi / (double)R);
    printf("| scenario | method | estimates | no estimate | rel. bias "
           "(MCSE) | rel. RMSE | coverage (95%% Wilson) | median width/N "
           "| not conv. |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    return 0;
}

/* ---------------------------------------------------------------------
 * The synthesis (issue 17): how often the methods agree, and how often
 * the quoted range covers N against each method's interval on the same
 * populations.  One table row per scenario:
 *   coverage_summary --synthesis SCENARIO TRUTH.csv RESULTS.json
 * ------------------------------------------------------------------- */

static const char *const synth_names[] = {"loglinear", "lcm", "dga",
                                          "independence"};
#define NSYNTH_NAMES 4

static int print_synthesis_header(void)
{
    printf("| scenario | populations | agree (95%% Wilson) | quote covers N "
           "| when agree | when disagree | median quote width/N | "
           "loglinear | lcm | dga | independence |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
    return 0;
}

static int synthesis_row(const char *scenario, const truth_row *truth,
                         size_t ntruth, json_t *root)
{
    json_t *syn = json_object_get(root, "synthesis");
    json_t *results = json_object_get(root, "results");
    size_t n = json_array_size(syn), agree = 0, cov = 0, cov_a = 0,
           cov_d = 0, used = 0;
    size_t mcov[NSYNTH_NAMES] = {0}, mn[NSYNTH_NAMES] = {0};
    double *width = calloc(n ? n : 1, sizeof *width);
    if (width == NULL) {
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(syn, i);
        const char *key = json_string_value(json_object_get(s, "stratum"));
        double N = key ? truth_of(truth, ntruth, key) : NAN;
        json_t *q = json_object_get(s, "quote");
        double lo = json_number_value(json_object_get(q, "lower"));
        double hi = json_number_value(json_object_get(q, "upper"));
        if (!isfinite(N)) {
            continue;
        }
        int a = json_is_true(json_object_get(s, "agree"));
        int c = lo <= N && N <= hi;
        width[used++] = (hi - lo) / N;
        agree += a;
        cov += c;
        cov_a += a && c;
        cov_d += !a && c;
        /* each method's own interval on this population */
        for (size_t r = 0; r < json_array_size(results); r++) {
            json_t *x = json_array_get(results, r);
            const char *k = json_string_value(json_object_get(x, "stratum"));
            const char *m = json_string_value(json_object_get(x, "method"));
            const char *v = json_string_value(json_object_get(x, "variant"));
            if (k == NULL || m == NULL || strcmp(k, key) != 0
                || (v != NULL && strcmp(v, "all lists") != 0)) {
                continue;
            }
            for (size_t j = 0; j < NSYNTH_NAMES; j++) {
                json_t *l = json_object_get(x, "lower");
                json_t *u = json_object_get(x, "upper");
                if (strcmp(m, synth_names[j]) == 0 && json_is_number(l)
                    && json_is_number(u)) {
                    mn[j]++;
                    mcov[j] += json_number_value(l) <= N
                               && N <= json_number_value(u);
                }
            }
        }
    }
    double alo = 0.0, ahi = 0.0;
    wilson(agree, used, &alo, &ahi);
    alo = alo > 0.0 ? alo : 0.0; /* not "-0%" */
    qsort(width, used, sizeof *width, cmp_double);
    double w = used == 0 ? NAN
               : used % 2 ? width[used / 2]
                          : 0.5 * (width[used / 2 - 1] + width[used / 2]);
    printf("| %s | %zu | %.0f%% (%.0f-%.0f) | %.1f%% | %zu/%zu | %zu/%zu | "
           "%.2f |", scenario, used,
           used ? 100.0 * (double)agree / (double)used : 0.0, 100.0 * alo,
           100.0 * ahi, used ? 100.0 * (double)cov / (double)used : 0.0,
           cov_a, agree, cov_d, used - agree, w);
    for (size_t j = 0; j < NSYNTH_NAMES; j++) {
        if (mn[j] == 0) {
            printf(" - |");
        } else {
            printf(" %.1f%% |", 100.0 * (double)mcov[j] / (double)mn[j]);
        }
    }
    printf("\n");
    free(width);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--synthesis-header") == 0) {
        return print_synthesis_header();
    }
    if (argc == 5 && strcmp(argv[1], "--synthesis") == 0) {
        size_t nt = 0;
        truth_row *t = read_truth(argv[3], &nt);
        json_error_t je;
        json_t *root = t ? json_load_file(argv[4], 0, &je) : NULL;
        int rc = root ? synthesis_row(argv[2], t, nt, root) : 1;
        json_decref(root);
        free(t);
        return rc;
    }
    if (argc == 3 && strcmp(argv[1], "--header") == 0) {
        return print_header((size_t)strtoul(argv[2], NULL, 10));
    }
    if (argc != 4) {
        fprintf(stderr, "usage: coverage_summary SCENARIO TRUTH.csv "
                "RESULTS.json\n       coverage_summary --header R\n");
        return 1;
    }
    size_t ntruth = 0;
    truth_row *truth = read_truth(argv[2], &ntruth);
    if (truth == NULL) {
        return 1;
    }
    json_error_t jerr;
    json_t *root = json_load_file(argv[3], 0, &jerr);
    if (root == NULL) {
        fprintf(stderr, "coverage_summary: %s:%d: %s\n", argv[3], jerr.line,
                jerr.text);
        free(truth);
        return 1;
    }
    json_t *lists = json_object_get(json_object_get(root, "input"),
                                    "lists");
    json_t *mlist = json_object_get(json_object_get(root, "settings"),
                                    "methods");
    json_t *results = json_object_get(root, "results");
    const char *l0 = json_string_value(json_array_get(lists, 0));
    const char *l1 = json_string_value(json_array_get(lists, 1));
    method_acc acc[COV_MAX_METHODS];
    size_t nm = json_array_size(mlist);
    if (nm > COV_MAX_METHODS || l0 == NULL || l1 == NULL
        || !json_is_array(results)) {
        fprintf(stderr, "coverage_summary: %s: not a batch's results.json\n",
                argv[3]);
        json_decref(root);
        free(truth);
        return 1;
    }
    size_t nres = json_array_size(results);
    for (size_t m = 0; m < nm; m++) {
        memset(&acc[m], 0, sizeof acc[m]);
        acc[m].name = json_string_value(json_array_get(mlist, m));
        acc[m].rel = calloc(nres ? nres : 1, sizeof(double));
        acc[m].width = calloc(nres ? nres : 1, sizeof(double));
        if (acc[m].name == NULL || acc[m].rel == NULL
            || acc[m].width == NULL) {
            fprintf(stderr, "coverage_summary: out of memory\n");
            return 1;
        }
    }
    for (size_t i = 0; i < nres; i++) {
        json_t *r = json_array_get(results, i);
        const char *variant = json_string_value(json_object_get(r,
                                                                "variant"));
        const char *method = json_string_value(json_object_get(r, "method"));
        const char *key = json_string_value(json_object_get(r, "stratum"));
        if ((variant != NULL && strcmp(variant, "all lists") != 0)
            || method == NULL || key == NULL) {
            continue;
        }
        method_acc *a = NULL;
        for (size_t m = 0; m < nm; m++) {
            if (strcmp(acc[m].name, method) == 0) {
                a = &acc[m];
            }
        }
        json_t *rl = json_object_get(r, "lists");
        if (a == NULL) {
            continue;
        }
        /* two-list rows: only the pair of the first two lists */
        if (strcmp(method, "chapman") == 0 || strcmp(method, "petersen") == 0
            || strcmp(method, "pairwise") == 0) {
            const char *a0 = json_string_value(json_array_get(rl, 0));
            const char *a1 = json_string_value(json_array_get(rl, 1));
            if (json_array_size(rl) != 2 || a0 == NULL || a1 == NULL
                || strcmp(a0, l0) != 0 || strcmp(a1, l1) != 0) {
                if (json_is_number(json_object_get(r, "estimate"))) {
                    continue;
                }
            }
        }
        double N = truth_of(truth, ntruth, key);
        json_t *est = json_object_get(r, "estimate");
        if (!json_is_number(est) || !isfinite(N)) {
            a->noest++;
            continue;
        }
        double x = json_number_value(est);
        json_t *lo_j = json_object_get(r, "lower");
        json_t *hi_j = json_object_get(r, "upper");
        double lo = json_is_number(lo_j) ? json_number_value(lo_j) : 0.0;
        double hi = json_is_number(hi_j) ? json_number_value(hi_j)
                                         : INFINITY;
        a->rel[a->n] = (x - N) / N;
        a->width[a->n] = (hi - lo) / N;
        a->covered += lo <= N && N <= hi;
        json_t *diag = json_object_get(r, "diagnostics");
        json_t *conv = json_object_get(diag, "converged");
        a->notconv += json_is_false(conv);
        a->n++;
    }
    for (size_t m = 0; m < nm; m++) {
        method_acc *a = &acc[m];
        printf("| %s | %s | %zu | %zu |", argv[1], a->name, a->n, a->noest);
        if (a->n < 2) {
            printf(" | | | | |\n");
            continue;
        }
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < a->n; i++) {
            mean += a->rel[i];
            ss += a->rel[i] * a->rel[i];
        }
        mean /= (double)a->n;
        double var = 0.0;
        for (size_t i = 0; i < a->n; i++) {
            var += (a->rel[i] - mean) * (a->rel[i] - mean);
        }
        var /= (double)(a->n - 1);
        double rmse = sqrt(ss / (double)a->n);
        double clo, chi;
        wilson(a->covered, a->n, &clo, &chi);
        qsort(a->width, a->n, sizeof(double), cmp_double);
        double w = a->n % 2 ? a->width[a->n / 2]
                            : 0.5 * (a->width[a->n / 2 - 1]
                                     + a->width[a->n / 2]);
        /* the nominal band for as many intervals as there are */
        double cov = (double)a->covered / (double)a->n;
        size_t blo, bhi;
        nominal_band(a->n, &blo, &bhi);
        int outside = a->covered < blo || a->covered > bhi;
        printf(" %+.1f%% (%.1f) | %.1f%% | %s%.1f%%%s (%.1f-%.1f) | ",
               100.0 * mean, 100.0 * sqrt(var / (double)a->n), 100.0 * rmse,
               outside ? "**" : "", 100.0 * cov, outside ? "**" : "",
               100.0 * clo, 100.0 * chi);
        if (isfinite(w)) {
            printf("%.2f", w);
        } else {
            printf("open");
        }
        printf(" | %zu |\n", a->notconv);
    }
    for (size_t m = 0; m < nm; m++) {
        free(acc[m].rel);
        free(acc[m].width);
    }
    json_decref(root);
    free(truth);
    return 0;
}
