/*
 * diag.c: convergence diagnostics and posterior summaries of MCMC draws.
 *
 * Reference: A. Vehtari, A. Gelman, D. Simpson, B. Carpenter & P.-C.
 * Burkner (2021), "Rank-normalization, folding, and localization: an
 * improved R-hat for assessing convergence of MCMC", Bayesian Analysis
 * 16(2):667-718 ("V21" below).  Section numbers are V21's.
 *
 * Legend: M chains of N draws each; S = M N draws in all; after
 * splitting, M' = 2M chains of N' = floor(N / 2) draws (the middle draw of
 * an odd-length chain is dropped).  theta_nm is draw n of chain m.
 *
 * Split R-hat (V21 sec. 3.1, after Gelman & Rubin 1992):
 *   W = mean_m s_m^2 (within-chain variances, divisor N' - 1),
 *   B / N' = variance of the chain means (divisor M' - 1),
 *   var+ = (N' - 1) / N' W + B / N',   R-hat = sqrt(var+ / W).
 * Rank normalisation (V21 sec. 4.1): replace each draw by its rank r
 * among all S' draws (ties get their average rank) and then by
 *   z = Phi^-1((r - 3/8) / (S' - 2 * 3/8 + 1)).
 * Folding (sec. 4.1): zeta = |theta - median(theta)|.  The reported R-hat
 * is the larger of the rank-normalised split R-hat of theta and of zeta.
 *
 * ESS (V21 sec. 3.2): with acov_m(t) = (1/N') sum_{n<N'-t} (theta_nm -
 * mean_m)(theta_{n+t,m} - mean_m) (computed by FFT), W and var+ as above,
 *   rho_t = 1 - (W - mean_m acov_m(t)) / var+,   rho_0 = 1,
 * summed by Geyer's (1992) initial monotone sequence: pairs P_k = rho_2k +
 * rho_2k+1 are summed while positive, then made non-increasing; with the
 * last even-lag term,
 *   tau = -1 + 2 sum_{t < T} rho_t + rho_T,  tau >= 1 / log10(S'),
 *   ESS = S' / tau.
 * Bulk ESS: ESS of the rank-normalised split chains (sec. 4.1).  Tail ESS:
 * the smaller ESS of the indicators I(theta <= q_0.05) and I(theta <=
 * q_0.95) on split chains (sec. 4.3).
 *
 * MCSE of a quantile (V21 sec. 4.4): with S_p the ESS of I(theta <= q_p),
 * a_lo, a_hi the 15.87% and 84.13% quantiles of Beta(S_p p + 1,
 * S_p (1 - p) + 1), and theta_(i) the sorted draws,
 *   MCSE = (theta_(ceil(a_hi S)) - theta_(max(floor(a_lo S), 1))) / 2.
 * MCSE of the mean: sd / sqrt(ESS) with the ESS of the split draws.
 *
 * Intervals: equal-tailed by quantiles of type 7 (Hyndman & Fan 1996, Am.
 * Stat. 50:361); HPD as the shortest interval between order statistics
 * holding ceil(level S) draws (Chen & Shao 1999, JCGS 8:69).
 *
 * Undefined cases (a constant split chain, fewer than 4 draws a chain)
 * are VC_EUNDEFINED from the single diagnostics, and diag_defined = 0 in
 * a summary: never a NaN.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>
#include <omp.h>

#include "models/mcmc_impl.h"

/* Probabilities one standard deviation either side of a normal median:
 * Phi(-1) and Phi(1). */
#define PHI_M1 0.15865525393145705
#define PHI_P1 0.84134474606854293

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double vc_diag_quantile_sorted(const double *sorted, size_t n, double p)
{
    /* Hyndman & Fan (1996) type 7: h = (n - 1) p, linear between the
     * order statistics floor(h) and floor(h) + 1 (0-based). */
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) {
        return sorted[n - 1];
    }
    return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

static int check_draws(const double *x, size_t m, size_t n, vc_error *err)
{
    if (m < 1 || n < 4) {
        return vc_error_set(err, VC_EINVAL,
                            "diagnostics need at least 1 chain of 4 draws, "
                            "got %zu of %zu",
                            m, n);
    }
    for (size_t i = 0; i < m * n; i++) {
        if (!isfinite(x[i])) {
            return vc_error_set(err, VC_EINVAL,
                                "draw %zu of chain %zu is not finite",
                                i % n, i / n);
        }
    }
    return VC_OK;
}

/* Split m chains of n into 2m chains of n / 2 (chain-major), into out. */
static void split_chains(const double *x, size_t m, size_t n, double *out)
{
    size_t h = n / 2;
    for (size_t c = 0; c < m; c++) {
        memcpy(out + 2 * c * h, x + c * n, h * sizeof *x);
        memcpy(out + (2 * c + 1) * h, x + c * n + (n - h), h * sizeof *x);
    }
}

typedef struct {
    double value;
    size_t index;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->value != y->value) {
        return (x->value > y->value) - (x->value < y->value);
    }
    return (x->index > y->index) - (x->index < y->index);
}

/* The unsigned key of a double (not NaN) whose order is the doubles'
 * order: positives with the sign bit set, negatives with all bits
 * flipped.  (-0 sorts just before +0; they stay equal as values.) */
static inline uint64_t order_key(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b >> 63 ? ~b : b | (UINT64_C(1) << 63);
}

/*
 * Sort s ranked items by value, ties in the order given: a stable
 * least-significant-digit radix sort on order_key, 8 bits a pass, the
 * passes in which every key has the same digit skipped (draws of similar
 * size share their top bytes).  Linear in s: qsort's comparisons were a
 * quarter of a summary's time.  tmp: s items of scratch.  Returns the
 * array that holds the result (r or tmp).
 */
static ranked *radix_sort(ranked *r, ranked *tmp, size_t s)
{
    static const int digits = 8;
    size_t (*count)[256] = calloc(digits, sizeof *count);
    if (count == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < s; i++) {
        uint64_t k = order_key(r[i].value);
        for (int d = 0; d < digits; d++) {
            count[d][(k >> (8 * d)) & 255]++;
        }
    }
    for (int d = 0; d < digits && s > 0; d++) {
        int shift = 8 * d;
        if (count[d][(order_key(r[0].value) >> shift) & 255] == s) {
            continue;
        }
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = count[d][b];
            count[d][b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < s; i++) {
            tmp[count[d][(order_key(r[i].value) >> shift) & 255]++] = r[i];
        }
        ranked *t = r;
        r = tmp;
        tmp = t;
    }
    free(count);
    return r;
}

/* Sort s doubles ascending in place (not NaN): by radix_sort, or by
 * qsort when scratch is short (the same values either way). */
static void sort_doubles(double *x, size_t s)
{
    ranked *r = malloc(2 * s * sizeof *r);
    ranked *out = NULL;
    if (r != NULL) {
        for (size_t i = 0; i < s; i++) {
            r[i].value = x[i];
            r[i].index = i;
        }
        out = radix_sort(r, r + s, s);
    }
    if (out == NULL) {
        qsort(x, s, sizeof *x, cmp_double);
    } else {
        for (size_t i = 0; i < s; i++) {
            x[i] = out[i].value;
        }
    }
    free(r);
}

/* Rank-normalise s values in place (V21 sec. 4.1), average ranks for
 * ties. */
static int rank_normalise(double *x, size_t s, vc_error *err)
{
    /* s items and as many of scratch for radix_sort; without the scratch
     * qsort, whose order (ties by index) is the same */
    int scratch = 1;
    ranked *buf = malloc(2 * s * sizeof *buf);
    if (buf == NULL) {
        scratch = 0;
        buf = malloc(s * sizeof *buf);
        if (buf == NULL) {
            return vc_error_set(err, VC_ENOMEM, "cannot rank %zu draws",
                                s);
        }
    }
    for (size_t i = 0; i < s; i++) {
        buf[i].value = x[i];
        buf[i].index = i;
    }
    ranked *r = scratch ? radix_sort(buf, buf + s, s) : NULL;
    if (r == NULL) {
        r = buf;
        qsort(r, s, sizeof *r, cmp_ranked);
    }
    for (size_t i = 0; i < s;) {
        size_t j = i;
        while (j + 1 < s && r[j + 1].value == r[i].value) {
            j++;
        }
        /* ranks i+1 .. j+1 share their average */
        double rank = 0.5 * ((double)(i + 1) + (double)(j + 1));
        double z = gsl_cdf_ugaussian_Pinv((rank - 0.375)
                                          / ((double)s + 0.25));
        for (size_t k = i; k <= j; k++) {
            x[r[k].index] = z;
        }
        i = j + 1;
    }
    free(buf);
    return VC_OK;
}

/* Split R-hat of m chains of n (already split, or not: as given). */
static int rhat_basic(const double *x, size_t m, size_t n, double *out)
{
    double mean_all = 0.0, w = 0.0;
    double *means = malloc(m * sizeof *means);
    if (means == NULL) {
        return VC_ENOMEM;
    }
    for (size_t c = 0; c < m; c++) {
        double mean = 0.0;
        for (size_t i = 0; i < n; i++) {
            mean += x[c * n + i];
        }
        mean /= (double)n;
        double var = 0.0;
        for (size_t i = 0; i < n; i++) {
            double d = x[c * n + i] - mean;
            var += d * d;
        }
        var /= (double)(n - 1);
        means[c] = mean;
        mean_all += mean;
        w += var;
    }
    mean_all /= (double)m;
    w /= (double)m;
    double b_over_n = 0.0;
    for (size_t c = 0; c < m; c++) {
        double d = means[c] - mean_all;
        b_over_n += d * d;
    }
    b_over_n = m > 1 ? b_over_n / (double)(m - 1) : 0.0;
    free(means);
    if (!(w > 0.0)) {
        return VC_EUNDEFINED;
    }
    double var_plus = (double)(n - 1) / (double)n * w + b_over_n;
    *out = sqrt(var_plus / w);
    return VC_OK;
}

/* The smallest n' >= n whose only prime factors are 2, 3 and 5, the
 * lengths GSL's mixed-radix real FFTs handle with their own butterflies
 * (GSL manual, "Mixed-radix FFT routines for real data").  At the
 * summary's lengths these are several times faster than GSL's radix-2
 * routines at the next power of two (2n = 25,000 against 32,768: 0.26
 * against 2.2 ms for a forward and an inverse transform on the
 * development VM; bench/HISTORY.md, "Issue 20: the latent-class core
 * faster, new draws"). */
static size_t fft_length(size_t n)
{
    for (size_t len = n > 1 ? n : 1;; len++) {
        size_t r = len;
        while (r % 2 == 0) {
            r /= 2;
        }
        while (r % 3 == 0) {
            r /= 3;
        }
        while (r % 5 == 0) {
            r /= 5;
        }
        if (r == 1) {
            return len;
        }
    }
}

/*
 * ESS of m chains of n draws as given (V21 sec. 3.2).  Autocovariances by
 * FFT: zero-pad each centred chain to a length >= 2n (fft_length), so the
 * circular correlation equals the linear one (real transforms: the
 * power spectrum of a real sequence, back to its autocorrelation).  The
 * chains' transforms run on `threads` threads (0: OpenMP's default),
 * each chain's autocovariances into its own row, summed afterwards in
 * chain order: the same result whatever the thread count.
 */
static int ess_basic(const double *x, size_t m, size_t n, int threads,
                     double *out, vc_error *err)
{
    size_t len = fft_length(2 * n);
    double *acov_c = malloc(m * n * sizeof *acov_c); /* chain c: row c */
    double *acov = calloc(n, sizeof *acov);  /* mean over chains */
    double *means = malloc(m * sizeof *means);
    double *rho = calloc(n + 1, sizeof *rho);
    /* the twiddle factors, read by every thread */
    gsl_fft_real_wavetable *fwd = gsl_fft_real_wavetable_alloc(len);
    gsl_fft_halfcomplex_wavetable *inv =
        gsl_fft_halfcomplex_wavetable_alloc(len);
    if (acov_c == NULL || acov == NULL || means == NULL || rho == NULL
        || fwd == NULL || inv == NULL) {
        if (fwd != NULL) {
            gsl_fft_real_wavetable_free(fwd);
        }
        if (inv != NULL) {
            gsl_fft_halfcomplex_wavetable_free(inv);
        }
        free(acov_c);
        free(acov);
        free(means);
        free(rho);
        return vc_error_set(err, VC_ENOMEM, "cannot compute an ESS");
    }
    int nt = threads > 0 ? threads : omp_get_max_threads();
    if ((size_t)nt > m) {
        nt = (int)m;
    }
    int failed = GSL_SUCCESS;
#pragma omp parallel num_threads(nt) if (nt > 1)
    {
        double *data = malloc(len * sizeof *data);
        gsl_fft_real_workspace *work = gsl_fft_real_workspace_alloc(len);
        int mine = data == NULL || work == NULL ? GSL_ENOMEM : GSL_SUCCESS;
#pragma omp for schedule(static)
        for (size_t c = 0; c < m; c++) {
            if (mine != GSL_SUCCESS) {
                continue;
            }
            double mean = 0.0;
            for (size_t i = 0; i < n; i++) {
                mean += x[c * n + i];
            }
            mean /= (double)n;
            means[c] = mean;
            for (size_t i = 0; i < len; i++) {
                data[i] = i < n ? x[c * n + i] - mean : 0.0;
            }
            /* the mixed-radix halfcomplex result: data[0] = z_0, then
             * data[2k - 1] = Re z_k and data[2k] = Im z_k for 0 < k <
             * len/2, and data[len - 1] = z_{len/2} when len is even */
            mine = gsl_fft_real_transform(data, 1, len, fwd, work);
            if (mine != GSL_SUCCESS) {
                continue;
            }
            data[0] *= data[0];
            for (size_t k = 1; 2 * k < len; k++) {
                double re = data[2 * k - 1], im = data[2 * k];
                data[2 * k - 1] = re * re + im * im;
                data[2 * k] = 0.0;
            }
            if (len % 2 == 0) {
                data[len - 1] *= data[len - 1];
            }
            mine = gsl_fft_halfcomplex_inverse(data, 1, len, inv, work);
            if (mine == GSL_SUCCESS) {
                memcpy(acov_c + c * n, data, n * sizeof *data);
            }
        }
        if (mine != GSL_SUCCESS) {
#pragma omp critical(vc_diag_ess)
            failed = mine;
        }
        if (work != NULL) {
            gsl_fft_real_workspace_free(work);
        }
        free(data);
    }
    gsl_fft_real_wavetable_free(fwd);
    gsl_fft_halfcomplex_wavetable_free(inv);
    int status = VC_OK;
    if (failed == GSL_ENOMEM) {
        status = vc_error_set(err, VC_ENOMEM, "cannot compute an ESS");
    } else if (failed != GSL_SUCCESS) {
        status = vc_error_set(err, VC_ENUMERIC, "ESS: FFT: %s",
                              gsl_strerror(failed));
    } else {
        for (size_t c = 0; c < m; c++) {
            for (size_t t = 0; t < n; t++) {
                acov[t] += acov_c[c * n + t] / (double)n / (double)m;
            }
        }
    }
    free(acov_c);
    if (status == VC_OK) {
        double mean_var = acov[0] * (double)n / (double)(n - 1); /* W */
        double var_plus = acov[0];                    /* (n-1)/n W */
        if (m > 1) {
            double mean_all = 0.0, v = 0.0;
            for (size_t c = 0; c < m; c++) {
                mean_all += means[c];
            }
            mean_all /= (double)m;
            for (size_t c = 0; c < m; c++) {
                v += (means[c] - mean_all) * (means[c] - mean_all);
            }
            var_plus += v / (double)(m - 1);
        }
        if (!(mean_var > 0.0)) {
            status = VC_EUNDEFINED;
        } else {
            /* Geyer's initial positive sequence, with V21's use of the
             * last positive even lag. */
            size_t t = 0;
            double even = 1.0;
            double odd = 1.0 - (mean_var - acov[1]) / var_plus;
            rho[0] = even;
            rho[1] = odd;
            while (t + 5 < n && even + odd > 0.0) {
                t += 2;
                even = 1.0 - (mean_var - acov[t]) / var_plus;
                odd = 1.0 - (mean_var - acov[t + 1]) / var_plus;
                if (even + odd >= 0.0) {
                    rho[t] = even;
                    rho[t + 1] = odd;
                }
            }
            size_t max_t = t;
            if (even > 0.0) {
                rho[max_t] = even;
            }
            /* ... made monotone */
            for (t = 2; t + 2 <= max_t; t += 2) {
                if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
                    rho[t] = 0.5 * (rho[t - 2] + rho[t - 1]);
                    rho[t + 1] = rho[t];
                }
            }
            double total = (double)(m * n);
            double tau = -1.0 + rho[max_t];
            for (t = 0; t < max_t; t++) {
                tau += 2.0 * rho[t];
            }
            double tau_min = 1.0 / log10(total);
            *out = total / (tau > tau_min ? tau : tau_min);
        }
    }
    free(acov);
    free(means);
    free(rho);
    return status;
}

/* Scratch copy of the split chains; *h gets the split length. */
static double *split_copy(const double *x, size_t m, size_t n, size_t *h,
                          vc_error *err)
{
    *h = n / 2;
    double *y = malloc(2 * m * *h * sizeof *y);
    if (y == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot copy %zu draws", m * n);
        return NULL;
    }
    split_chains(x, m, n, y);
    return y;
}

static int undefined(vc_error *err, const char *what)
{
    return vc_error_set(err, VC_EUNDEFINED,
                        "%s is undefined: a split chain is constant", what);
}

/* Quantile p of the s values y, sorting a copy in scratch (s doubles). */
static double quantile_of(const double *y, size_t s, double p,
                          double *scratch)
{
    memcpy(scratch, y, s * sizeof *y);
    sort_doubles(scratch, s);
    return vc_diag_quantile_sorted(scratch, s, p);
}

/* Quantile p of the split chains y (s = m' n' values) of draws x (m
 * chains of n): from `sorted`, the sorted m n draws of x, when given and
 * n is even (then the split chains hold exactly the draws of x), else by
 * sorting a copy of y into scratch. */
static double split_quantile(const double *y, size_t s, size_t n,
                             const double *sorted, double p,
                             double *scratch)
{
    if (sorted != NULL && n % 2 == 0) {
        return vc_diag_quantile_sorted(sorted, s, p);
    }
    return quantile_of(y, s, p, scratch);
}

/*
 * R-hat of x (m chains of n) in *rhat and, when ess_bulk is not NULL, the
 * bulk ESS in *ess_bulk: both use the same rank-normalised split chains.
 * sorted: the sorted draws of x, or NULL.  Errors: VC_EUNDEFINED (a
 * constant split chain), VC_ENOMEM, those of ess_basic.
 */
static int rhat_and_bulk(const double *x, size_t m, size_t n,
                         const double *sorted, int threads, double *rhat,
                         double *ess_bulk, vc_error *err)
{
    size_t h;
    double *y = split_copy(x, m, n, &h, err);
    double *folded = malloc(m * n * sizeof *folded);
    if (y == NULL || folded == NULL) {
        free(y);
        free(folded);
        return vc_error_set(err, VC_ENOMEM, "cannot compute R-hat");
    }
    size_t s = 2 * m * h;
    /* The folded draws use the median of the draws that enter: the split
     * chains. */
    double median = split_quantile(y, s, n, sorted, 0.5, folded);
    for (size_t i = 0; i < s; i++) {
        folded[i] = fabs(y[i] - median);
    }
    double bulk = 0.0, fold = 0.0;
    int status = rank_normalise(y, s, err);
    if (status == VC_OK) {
        status = rank_normalise(folded, s, err);
    }
    if (status == VC_OK) {
        status = rhat_basic(y, 2 * m, h, &bulk);
    }
    if (status == VC_OK) {
        status = rhat_basic(folded, 2 * m, h, &fold);
    }
    if (status == VC_OK) {
        *rhat = bulk > fold ? bulk : fold;
    }
    if (status == VC_OK && ess_bulk != NULL) {
        status = ess_basic(y, 2 * m, h, threads, ess_bulk, err);
    }
    free(y);
    free(folded);
    if (status == VC_ENOMEM) {
        return vc_error_set(err, VC_ENOMEM, "cannot compute R-hat");
    }
    return status;
}

int vc_diag_rhat(const double *x, size_t m, size_t n, double *out,
                 vc_error *err)
{
    int status = check_draws(x, m, n, err);
    if (status == VC_OK) {
        status = rhat_and_bulk(x, m, n, NULL, 0, out, NULL, err);
    }
    return status == VC_EUNDEFINED ? undefined(err, "R-hat") : status;
}

int vc_diag_ess_bulk(const double *x, size_t m, size_t n, double *out,
                     vc_error *err)
{
    int status = check_draws(x, m, n, err);
    if (status != VC_OK) {
        return status;
    }
    size_t h;
    double *y = split_copy(x, m, n, &h, err);
    if (y == NULL) {
        return VC_ENOMEM;
    }
    status = rank_normalise(y, 2 * m * h, err);
    if (status == VC_OK) {
        status = ess_basic(y, 2 * m, h, 0, out, err);
    }
    free(y);
    return status == VC_EUNDEFINED ? undefined(err, "bulk ESS") : status;
}

int vc_diag_ess_basic(const double *x, size_t m, size_t n, double *out,
                      vc_error *err)
{
    int status = check_draws(x, m, n, err);
    if (status != VC_OK) {
        return status;
    }
    size_t h;
    double *y = split_copy(x, m, n, &h, err);
    if (y == NULL) {
        return VC_ENOMEM;
    }
    status = ess_basic(y, 2 * m, h, 0, out, err);
    free(y);
    return status == VC_EUNDEFINED ? undefined(err, "ESS") : status;
}

/* ESS of I(theta <= q_p) on split chains (V21 sec. 4.3); sorted: the
 * sorted draws of x, or NULL. */
static int ess_quantile(const double *x, size_t m, size_t n, double p,
                        const double *sorted_x, int threads, double *out,
                        vc_error *err)
{
    size_t h;
    double *y = split_copy(x, m, n, &h, err);
    /* scratch for sorting the split chains, unless sorted_x serves */
    int need = sorted_x == NULL || n % 2 != 0;
    double *sorted = need ? malloc(m * n * sizeof *sorted) : NULL;
    if (y == NULL || (need && sorted == NULL)) {
        free(y);
        free(sorted);
        return vc_error_set(err, VC_ENOMEM, "cannot compute a tail ESS");
    }
    size_t s = 2 * m * h;
    double q = split_quantile(y, s, n, sorted_x, p, sorted);
    for (size_t i = 0; i < s; i++) {
        y[i] = y[i] <= q ? 1.0 : 0.0;
    }
    int status = ess_basic(y, 2 * m, h, threads, out, err);
    free(y);
    free(sorted);
    return status;
}

static int ess_tail(const double *x, size_t m, size_t n,
                    const double *sorted, int threads, double *out,
                    vc_error *err)
{
    double lo = 0.0, hi = 0.0;
    int status = ess_quantile(x, m, n, 0.05, sorted, threads, &lo, err);
    if (status == VC_OK) {
        status = ess_quantile(x, m, n, 0.95, sorted, threads, &hi, err);
    }
    if (status == VC_OK) {
        *out = lo < hi ? lo : hi;
    }
    return status;
}

int vc_diag_ess_tail(const double *x, size_t m, size_t n, double *out,
                     vc_error *err)
{
    int status = check_draws(x, m, n, err);
    if (status == VC_OK) {
        status = ess_tail(x, m, n, NULL, 0, out, err);
    }
    return status == VC_EUNDEFINED ? undefined(err, "tail ESS") : status;
}

/* The P-quantile of Beta(a, b).  GSL's inversion sometimes fails to
 * converge and returns NaN (e.g. P = Phi(1), a = 28, b = 1054): then by
 * bisection on GSL's distribution function, which is reliable. */
static double beta_quantile(double P, double a, double b)
{
    double x = gsl_cdf_beta_Pinv(P, a, b);
    if (x >= 0.0 && x <= 1.0) {
        return x;
    }
    double lo = 0.0, hi = 1.0;
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (lo + hi);
        if (gsl_cdf_beta_P(mid, a, b) < P) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return 0.5 * (lo + hi);
}

/* MCSE of the p-quantile given the sorted draws (V21 sec. 4.4). */
static int mcse_quantile_sorted(const double *x, const double *sorted,
                                size_t m, size_t n, double p, int threads,
                                double *out, vc_error *err)
{
    double ess;
    int status = ess_quantile(x, m, n, p, sorted, threads, &ess, err);
    if (status != VC_OK) {
        return status;
    }
    size_t s = m * n;
    double a = ess * p + 1.0, b = ess * (1.0 - p) + 1.0;
    double lo = beta_quantile(PHI_M1, a, b);
    double hi = beta_quantile(PHI_P1, a, b);
    double ilo = floor(lo * (double)s), ihi = ceil(hi * (double)s);
    /* clamp to [1, s]; written so that a NaN (an undefined ESS) lands
     * on the ends instead of an out-of-range conversion */
    size_t i1 = !(ilo >= 1.0) ? 1 : ilo > (double)s ? s : (size_t)ilo;
    size_t i2 = !(ihi >= 1.0) ? 1 : ihi > (double)s ? s : (size_t)ihi;
    /* 1-based order statistics */
    *out = 0.5 * (sorted[i2 - 1] - sorted[i1 - 1]);
    return VC_OK;
}

int vc_diag_mcse_quantile(const double *x, size_t m, size_t n, double p,
                          double *out, vc_error *err)
{
    int status = check_draws(x, m, n, err);
    if (status != VC_OK) {
        return status;
    }
    if (!(p > 0.0 && p < 1.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "quantile probability %g: expected in (0, 1)", p);
    }
    double *sorted = malloc(m * n * sizeof *sorted);
    if (sorted == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot sort %zu draws", m * n);
    }
    memcpy(sorted, x, m * n * sizeof *x);
    sort_doubles(sorted, m * n);
    status = mcse_quantile_sorted(x, sorted, m, n, p, 0, out, err);
    free(sorted);
    return status == VC_EUNDEFINED ? undefined(err, "quantile MCSE")
                                   : status;
}

int vc_diag_summarise(const double *x, size_t m, size_t n, double level,
                      vc_diag_summary *out, vc_error *err)
{
    return vci_diag_summarise(x, m, n, level, 0, out, err);
}

int vci_diag_summarise(const double *x, size_t m, size_t n, double level,
                       int threads, vc_diag_summary *out, vc_error *err)
{
    if (m < 1 || n < 1) {
        return vc_error_set(err, VC_EINVAL, "no draws to summarise");
    }
    if (vc_level_check(level, err) != VC_OK) {
        return VC_EINVAL;
    }
    size_t s = m * n;
    for (size_t i = 0; i < s; i++) {
        if (!isfinite(x[i])) {
            return vc_error_set(err, VC_EINVAL,
                                "draw %zu of chain %zu is not finite",
                                i % n, i / n);
        }
    }
    double *sorted = malloc(s * sizeof *sorted);
    if (sorted == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot sort %zu draws", s);
    }
    memcpy(sorted, x, s * sizeof *x);
    sort_doubles(sorted, s);
    memset(out, 0, sizeof *out);
    /* mean and sd by two passes, in draw order (fixed: reproducible) */
    double mean = 0.0;
    for (size_t i = 0; i < s; i++) {
        mean += x[i];
    }
    mean /= (double)s;
    double ss = 0.0;
    for (size_t i = 0; i < s; i++) {
        ss += (x[i] - mean) * (x[i] - mean);
    }
    out->mean = mean;
    out->sd = s > 1 ? sqrt(ss / (double)(s - 1)) : 0.0;
    out->median = vc_diag_quantile_sorted(sorted, s, 0.5);
    out->level = level;
    double plo = 0.5 * (1.0 - level), phi = 0.5 * (1.0 + level);
    out->lower = vc_diag_quantile_sorted(sorted, s, plo);
    out->upper = vc_diag_quantile_sorted(sorted, s, phi);
    /* HPD: the shortest window of `keep` consecutive order statistics */
    size_t keep = (size_t)ceil(level * (double)s);
    if (keep < 1) {
        keep = 1;
    }
    size_t best = 0;
    for (size_t i = 1; i + keep <= s; i++) {
        if (sorted[i + keep - 1] - sorted[i]
            < sorted[best + keep - 1] - sorted[best]) {
            best = i;
        }
    }
    out->hpd_lower = sorted[best];
    out->hpd_upper = sorted[best + keep - 1];

    /* Diagnostics: an undefined one leaves all of them 0. */
    vc_error local;
    vc_error_clear(&local);
    int status = VC_EUNDEFINED;
    double ess_mean = 0.0;
    if (n >= 4) {
        /* the sorted draws stand in for the sorted split chains when n
         * is even, and R-hat and the bulk ESS share one rank
         * normalisation: the same figures as vc_diag_rhat, ..., with
         * fewer sorts */
        status = rhat_and_bulk(x, m, n, sorted, threads, &out->rhat,
                               &out->ess_bulk, &local);
        if (status == VC_OK) {
            status = ess_tail(x, m, n, sorted, threads, &out->ess_tail,
                              &local);
        }
        if (status == VC_OK) {
            size_t h;
            double *y = split_copy(x, m, n, &h, &local);
            status = y == NULL ? VC_ENOMEM
                               : ess_basic(y, 2 * m, h, threads, &ess_mean,
                                           &local);
            free(y);
        }
        if (status == VC_OK) {
            status = mcse_quantile_sorted(x, sorted, m, n, 0.5, threads,
                                          &out->mcse_median, &local);
        }
        if (status == VC_OK) {
            status = mcse_quantile_sorted(x, sorted, m, n, plo, threads,
                                          &out->mcse_lower, &local);
        }
        if (status == VC_OK) {
            status = mcse_quantile_sorted(x, sorted, m, n, phi, threads,
                                          &out->mcse_upper, &local);
        }
    }
    free(sorted);
    if (status == VC_OK) {
        out->diag_defined = 1;
        out->mcse_mean = out->sd / sqrt(ess_mean);
        return VC_OK;
    }
    if (status != VC_EUNDEFINED) {
        return vc_error_set(err, status, "%s", local.msg);
    }
    out->diag_defined = 0;
    out->rhat = out->ess_bulk = out->ess_tail = 0.0;
    out->mcse_mean = out->mcse_median = 0.0;
    out->mcse_lower = out->mcse_upper = 0.0;
    return VC_OK;
}
