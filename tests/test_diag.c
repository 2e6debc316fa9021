/*
 * test_diag.c: the models suite's tests of the diagnostics (models/
 * diag.c): R-hat, ESS and MCSE against an independent, direct
 * computation of V21's formulas and against values by hand; the
 * summary's shared sorts.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_cdf.h>

#include "models/mcmc_impl.h"
#include "models/vc_models.h"
#include "tests/test_models.h"
#include "tests/test_util.h"

/* Diagnostics against an independent, direct computation of V21's
 * formulas: ranks by counting, autocovariances by direct sums (no FFT),
 * Geyer's sequence written out from the paper's description. */

static void ref_split(const double *x, size_t m, size_t n, double *y)
{
    size_t h = n / 2;
    for (size_t c = 0; c < m; c++) {
        for (size_t i = 0; i < h; i++) {
            y[(2 * c) * h + i] = x[c * n + i];
            y[(2 * c + 1) * h + i] = x[c * n + n - h + i];
        }
    }
}

static void ref_ranknorm(const double *x, size_t s, double *z)
{
    for (size_t i = 0; i < s; i++) {
        double less = 0, equal = 0;
        for (size_t k = 0; k < s; k++) {
            less += x[k] < x[i];
            equal += x[k] == x[i];
        }
        double rank = less + (equal + 1.0) / 2.0;
        z[i] = gsl_cdf_ugaussian_Pinv((rank - 3.0 / 8.0)
                                      / ((double)s - 2.0 * 3.0 / 8.0 + 1.0));
    }
}

static double ref_rhat_classic(const double *y, size_t m, size_t n)
{
    double means[64], w = 0, grand = 0, b = 0;
    for (size_t c = 0; c < m; c++) {
        double mu = 0, v = 0;
        for (size_t i = 0; i < n; i++) {
            mu += y[c * n + i] / (double)n;
        }
        for (size_t i = 0; i < n; i++) {
            v += (y[c * n + i] - mu) * (y[c * n + i] - mu) / (double)(n - 1);
        }
        means[c] = mu;
        grand += mu / (double)m;
        w += v / (double)m;
    }
    for (size_t c = 0; c < m; c++) {
        b += (means[c] - grand) * (means[c] - grand);
    }
    b = b * (double)n / (double)(m - 1);
    return sqrt(((double)(n - 1) / (double)n * w + b / (double)n) / w);
}

static double ref_median(const double *x, size_t s)
{
    double *c = malloc(s * sizeof *c);
    memcpy(c, x, s * sizeof *c);
    for (size_t i = 1; i < s; i++) { /* insertion sort */
        double v = c[i];
        size_t k = i;
        while (k > 0 && c[k - 1] > v) {
            c[k] = c[k - 1];
            k--;
        }
        c[k] = v;
    }
    double med = s % 2 ? c[s / 2] : 0.5 * (c[s / 2 - 1] + c[s / 2]);
    free(c);
    return med;
}

static double ref_rhat(const double *x, size_t m, size_t n)
{
    size_t h = n / 2, s = 2 * m * h;
    double *y = malloc(s * sizeof *y), *z = malloc(s * sizeof *z);
    ref_split(x, m, n, y);
    ref_ranknorm(y, s, z);
    double bulk = ref_rhat_classic(z, 2 * m, h);
    double med = ref_median(y, s);
    for (size_t i = 0; i < s; i++) {
        y[i] = fabs(y[i] - med);
    }
    ref_ranknorm(y, s, z);
    double folded = ref_rhat_classic(z, 2 * m, h);
    free(y);
    free(z);
    return bulk > folded ? bulk : folded;
}

/* V21 section 3.2, directly. */
static double ref_ess(const double *y, size_t m, size_t n)
{
    double means[64], grand = 0, w = 0, bvar = 0;
    for (size_t c = 0; c < m; c++) {
        double mu = 0;
        for (size_t i = 0; i < n; i++) {
            mu += y[c * n + i] / (double)n;
        }
        means[c] = mu;
        grand += mu / (double)m;
    }
    for (size_t c = 0; c < m; c++) {
        bvar += (means[c] - grand) * (means[c] - grand) / (double)(m - 1);
    }
    /* acov(t), averaged over chains */
    double *ac = calloc(n, sizeof *ac);
    for (size_t c = 0; c < m; c++) {
        for (size_t t = 0; t < n; t++) {
            double sum = 0;
            for (size_t i = 0; i + t < n; i++) {
                sum += (y[c * n + i] - means[c])
                       * (y[c * n + i + t] - means[c]);
            }
            ac[t] += sum / (double)n / (double)m;
        }
    }
    w = ac[0] * (double)n / (double)(n - 1);
    double var_plus = ac[0] + bvar;
    double *rho = calloc(n + 1, sizeof *rho);
    rho[0] = 1.0;
    rho[1] = 1.0 - (w - ac[1]) / var_plus;
    /* initial positive sequence: pairs while their sum is positive */
    size_t last = 0; /* even lag of the last pair examined */
    double pair_even = rho[0], pair_odd = rho[1];
    while (last + 5 < n && pair_even + pair_odd > 0) {
        last += 2;
        pair_even = 1.0 - (w - ac[last]) / var_plus;
        pair_odd = 1.0 - (w - ac[last + 1]) / var_plus;
        if (pair_even + pair_odd >= 0) {
            rho[last] = pair_even;
            rho[last + 1] = pair_odd;
        }
    }
    if (pair_even > 0) {
        rho[last] = pair_even;
    }
    /* initial monotone sequence */
    for (size_t k = 2; k + 2 <= last; k += 2) {
        double prev = rho[k - 2] + rho[k - 1];
        if (rho[k] + rho[k + 1] > prev) {
            rho[k] = rho[k + 1] = prev / 2;
        }
    }
    double tau = -1.0 + rho[last];
    for (size_t k = 0; k < last; k++) {
        tau += 2.0 * rho[k];
    }
    double total = (double)(m * n);
    if (tau < 1.0 / log10(total)) {
        tau = 1.0 / log10(total);
    }
    free(ac);
    free(rho);
    return total / tau;
}

/* Fixed synthetic chains: AR(1) with chain-specific offsets and scales,
 * from a fixed stream, rounded to give ties in one variant. */
static void synth_chains(double *x, size_t m, size_t n, int ties)
{
    gsl_rng *r = vc_rng_stream_alloc(31337, 0, 0, 0, NULL);
    for (size_t c = 0; c < m; c++) {
        double v = 0.0;
        for (size_t i = 0; i < n; i++) {
            v = 0.83 * v + gsl_cdf_ugaussian_Pinv(gsl_rng_uniform_pos(r));
            double d = 10.4 + 0.21 * (double)c + (1.0 + 0.37 * (double)c) * v;
            x[c * n + i] = ties ? floor(d) : exp(d / 4.0);
        }
    }
    gsl_rng_free(r);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 quantile of sorted data, written out: h = (s - 1) p. */
static double ref_quantile(const double *sorted, size_t s, double p)
{
    double h = (double)(s - 1) * p;
    double lo = floor(h);
    size_t i = (size_t)lo;
    return i + 1 < s ? sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i])
                     : sorted[s - 1];
}

static double ref_ess_quantile(const double *x, size_t m, size_t n,
                               double p)
{
    size_t h = n / 2, s = 2 * m * h;
    double *y = malloc(s * sizeof *y), *srt = malloc(s * sizeof *srt);
    ref_split(x, m, n, y);
    memcpy(srt, y, s * sizeof *y);
    qsort(srt, s, sizeof *srt, cmp_dbl);
    double q = ref_quantile(srt, s, p);
    for (size_t i = 0; i < s; i++) {
        y[i] = y[i] <= q;
    }
    double ess = ref_ess(y, 2 * m, h);
    free(y);
    free(srt);
    return ess;
}

void test_diag_reference(void)
{
    enum { M = 4, NN = 301 }; /* odd length: the middle draw is dropped */
    static double x[M * NN], y[M * NN], z[M * NN], srt[M * NN];
    for (int ties = 0; ties < 2; ties++) {
        synth_chains(x, M, NN, ties);
        size_t h = NN / 2, s = 2 * M * h;
        double v;
        CU_ASSERT_EQUAL(vc_diag_rhat(x, M, NN, &v, NULL), VC_OK);
        VC_ASSERT_REL(v, ref_rhat(x, M, NN), 1e-10);
        CU_ASSERT(v > 1.005); /* the chains' offsets must show */
        ref_split(x, M, NN, y);
        ref_ranknorm(y, s, z);
        CU_ASSERT_EQUAL(vc_diag_ess_bulk(x, M, NN, &v, NULL), VC_OK);
        VC_ASSERT_REL(v, ref_ess(z, 2 * M, h), 1e-10);
        CU_ASSERT_EQUAL(vc_diag_ess_basic(x, M, NN, &v, NULL), VC_OK);
        VC_ASSERT_REL(v, ref_ess(y, 2 * M, h), 1e-10);
        double lo = ref_ess_quantile(x, M, NN, 0.05);
        double hi = ref_ess_quantile(x, M, NN, 0.95);
        CU_ASSERT_EQUAL(vc_diag_ess_tail(x, M, NN, &v, NULL), VC_OK);
        VC_ASSERT_REL(v, lo < hi ? lo : hi, 1e-10);
        /* MCSE of the median (V21 sec. 4.4), from the reference ESS */
        double ess = ref_ess_quantile(x, M, NN, 0.5);
        double a = gsl_cdf_beta_Pinv(gsl_cdf_ugaussian_P(-1.0),
                                     ess * 0.5 + 1, ess * 0.5 + 1);
        double b = gsl_cdf_beta_Pinv(gsl_cdf_ugaussian_P(1.0),
                                     ess * 0.5 + 1, ess * 0.5 + 1);
        memcpy(srt, x, sizeof x);
        qsort(srt, M * NN, sizeof *srt, cmp_dbl);
        size_t i1 = (size_t)floor(a * M * NN), i2 = (size_t)ceil(b * M * NN);
        double want = (srt[i2 - 1] - srt[(i1 < 1 ? 1 : i1) - 1]) / 2;
        CU_ASSERT_EQUAL(vc_diag_mcse_quantile(x, M, NN, 0.5, &v, NULL),
                        VC_OK);
        VC_ASSERT_REL(v, want, 1e-12);
    }
}

/*
 * vc_diag_summarise shares work between the diagnostics (the sorted draws
 * stand in for the sorted split chains when n is even; R-hat and the bulk
 * ESS share one rank normalisation) and runs the chains' FFTs on several
 * threads: the figures must be exactly those of the single diagnostics,
 * whatever the thread count, for even and odd chain lengths.
 */
void test_diag_summary_shared(void)
{
    enum { M = 5, NMAX = 301 };
    static double x[M * NMAX];
    for (size_t nn = 300; nn <= 301; nn++) {
        for (int ties = 0; ties < 2; ties++) {
            synth_chains(x, M, nn, ties);
            double rhat, bulk, tail, med, lo, hi;
            CU_ASSERT_EQUAL(vc_diag_rhat(x, M, nn, &rhat, NULL), VC_OK);
            CU_ASSERT_EQUAL(vc_diag_ess_bulk(x, M, nn, &bulk, NULL), VC_OK);
            CU_ASSERT_EQUAL(vc_diag_ess_tail(x, M, nn, &tail, NULL), VC_OK);
            CU_ASSERT_EQUAL(vc_diag_mcse_quantile(x, M, nn, 0.5, &med, NULL),
                            VC_OK);
            CU_ASSERT_EQUAL(vc_diag_mcse_quantile(x, M, nn, 0.05, &lo, NULL),
                            VC_OK);
            CU_ASSERT_EQUAL(vc_diag_mcse_quantile(x, M, nn, 0.95, &hi, NULL),
                            VC_OK);
            for (int threads = 1; threads <= 3; threads++) {
                vc_diag_summary d;
                CU_ASSERT_EQUAL_FATAL(vci_diag_summarise(x, M, nn, 0.9,
                                                         threads, &d, NULL),
                                      VC_OK);
                CU_ASSERT(d.diag_defined);
                CU_ASSERT_EQUAL(d.rhat, rhat);
                CU_ASSERT_EQUAL(d.ess_bulk, bulk);
                CU_ASSERT_EQUAL(d.ess_tail, tail);
                CU_ASSERT_EQUAL(d.mcse_median, med);
                CU_ASSERT_EQUAL(d.mcse_lower, lo);
                CU_ASSERT_EQUAL(d.mcse_upper, hi);
            }
        }
    }
}

/*
 * The summary sorts by a radix sort on the bits of the doubles: values of
 * both signs, -0 and +0, ties, and magnitudes from 1e-300 to 1e300 must
 * come out as qsort orders them (quantiles, HPD) and rank as the
 * reference ranking does (R-hat).
 */
void test_diag_sort_values(void)
{
    enum { M = 3, NN = 200 };
    static double x[M * NN], srt[M * NN];
    gsl_rng *r = vc_rng_stream_alloc(4242, 0, 0, 0, NULL);
    static const double special[] = {-0.0, 0.0, 1e-300, -1e-300, 1e300,
                                     -1e300, -2.5, 2.5, 3.0, -3.0};
    for (size_t i = 0; i < M * NN; i++) {
        double u = gsl_rng_uniform(r);
        x[i] = u < 0.2   ? special[gsl_rng_uniform_int(r, 10)]
               : u < 0.5 ? floor(8.0 * gsl_rng_uniform(r)) - 4.0
                         : (gsl_rng_uniform(r) - 0.5) * 1e6;
    }
    gsl_rng_free(r);
    memcpy(srt, x, sizeof x);
    qsort(srt, M * NN, sizeof *srt, cmp_dbl);
    vc_diag_summary d;
    CU_ASSERT_EQUAL_FATAL(vc_diag_summarise(x, M, NN, 0.8, &d, NULL), VC_OK);
    CU_ASSERT_EQUAL(d.median, vc_diag_quantile_sorted(srt, M * NN, 0.5));
    CU_ASSERT_EQUAL(d.lower, vc_diag_quantile_sorted(srt, M * NN, 0.1));
    CU_ASSERT_EQUAL(d.upper, vc_diag_quantile_sorted(srt, M * NN, 0.9));
    size_t keep = (size_t)ceil(0.8 * (double)(M * NN)), best = 0;
    for (size_t i = 1; i + keep <= M * NN; i++) {
        if (srt[i + keep - 1] - srt[i] < srt[best + keep - 1] - srt[best]) {
            best = i;
        }
    }
    CU_ASSERT_EQUAL(d.hpd_lower, srt[best]);
    CU_ASSERT_EQUAL(d.hpd_upper, srt[best + keep - 1]);
    VC_ASSERT_REL(d.rhat, ref_rhat(x, M, NN), 1e-10);
}

/* Small cases worked by hand. */
/*
 * MCSE of quantiles of discrete, autocorrelated draws (N is an integer):
 * never negative, never NaN.  GSL's beta inversion fails to converge at
 * some parameters (e.g. Phi(1), a = 28, b = 1054) and returned NaN, which
 * made the 2.5% point's MCSE negative in about 1 of 300 such chains.
 */
void test_diag_mcse_discrete(void)
{
    enum { M = 4, NN = 500, REPS = 1500 };
    static double x[M * NN];
    uint64_t st = 12345;
    int bad = 0;
    for (int rep = 0; rep < REPS; rep++) {
        double rho = (rep % 10) / 10.0;
        int levels = 1 + rep % 7;
        for (size_t c = 0; c < M; c++) {
            double v = 0.0;
            for (size_t i = 0; i < NN; i++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                double u = (double)(st >> 11) * 0x1.0p-53;
                v = rho * v + (u - 0.5);
                double w = v + (rep % 3 == 0 ? 0.3 * (double)c : 0.0);
                x[c * NN + i] = floor(w * levels)
                                + (rep % 5 == 0 && i % 50 == 0 ? 1000 : 0);
            }
        }
        static const double ps[] = {0.025, 0.5, 0.975};
        for (int k = 0; k < 3; k++) {
            double out = 0.0;
            if (vc_diag_mcse_quantile(x, M, NN, ps[k], &out, NULL) == VC_OK
                && !(out >= 0.0 && isfinite(out))) {
                bad++;
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

void test_diag_hand(void)
{
    /* One chain 1..8 split into {1,2,3,4} and {5,6,7,8}: ranks 1..8, so
     * z_r = Phi^-1((r - 3/8) / 8.25); by symmetry the half means are
     * -+ zbar with zbar = (z5 + z6 + z7 + z8) / 4, and both halves have
     * the same variance. */
    double x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, v;
    double zz[8], zbar = 0, w = 0;
    for (int r = 1; r <= 8; r++) {
        zz[r - 1] = gsl_cdf_ugaussian_Pinv((r - 0.375) / 8.25);
    }
    for (int r = 4; r < 8; r++) {
        zbar += zz[r] / 4;
    }
    for (int r = 4; r < 8; r++) {
        w += (zz[r] - zbar) * (zz[r] - zbar) / 3;
    }
    double b_over_n = 2 * zbar * zbar; /* var of {-zbar, zbar}, divisor 1 */
    double bulk = sqrt((0.75 * w + b_over_n) / w);
    CU_ASSERT_EQUAL(vc_diag_rhat(x, 1, 8, &v, NULL), VC_OK);
    /* folded: |x - 4.5| = 3.5 2.5 1.5 .5 | .5 1.5 2.5 3.5: both halves
     * hold the same ranks, so folded R-hat = sqrt(3/4) < bulk */
    VC_ASSERT_REL(v, bulk, 1e-12);

    /* Summary of 1..10 at level 0.8: type-7 quantiles at 0.1 and 0.9 are
     * 1 + 9 * 0.1 = 1.9 and 1 + 9 * 0.9 = 9.1; median 5.5; mean 5.5; sd
     * sqrt(55/6); HPD holds ceil(8) = 8 draws, all windows of width 7,
     * the first wins: [1, 8]. */
    double d[10] = {3, 1, 4, 10, 5, 9, 2, 6, 8, 7};
    vc_diag_summary s;
    CU_ASSERT_EQUAL(vc_diag_summarise(d, 1, 10, 0.8, &s, NULL), VC_OK);
    VC_ASSERT_REL(s.median, 5.5, 1e-15);
    VC_ASSERT_REL(s.mean, 5.5, 1e-15);
    VC_ASSERT_REL(s.sd, sqrt(55.0 / 6.0), 1e-15);
    VC_ASSERT_REL(s.lower, 1.9, 1e-15);
    VC_ASSERT_REL(s.upper, 9.1, 1e-15);
    VC_ASSERT_REL(s.hpd_lower, 1, 0);
    VC_ASSERT_REL(s.hpd_upper, 8, 0);
    /* A skewed sample: the HPD hugs the mode. */
    double sk[10] = {1, 1.1, 1.2, 1.3, 1.5, 1.8, 2.4, 3.5, 6, 20};
    CU_ASSERT_EQUAL(vc_diag_summarise(sk, 1, 10, 0.5, &s, NULL), VC_OK);
    VC_ASSERT_REL(s.hpd_lower, 1.0, 0);
    VC_ASSERT_REL(s.hpd_upper, 1.5, 0);
    VC_ASSERT_REL(vc_diag_quantile_sorted(sk, 10, 0.25), 1.2 + 0.25 * 0.1,
                  1e-14);
}
