/*
 * test_random.c: the models suite's tests of the variates of
 * models/random.c (mcmc_impl.h): Poisson beyond 2^32, binomial, gamma and
 * log-gamma, Beta(1, b) by inversion, 32-bit uniforms, each against its
 * moments or by a chi-square test of its distribution.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_psi.h>

#include "models/mcmc_impl.h"
#include "models/vc_models.h"
#include "tests/test_models.h"
#include "tests/test_util.h"

void test_poisson64(void)
{
    gsl_rng *r = vc_rng_stream_alloc(2385, 0, 0, 0, NULL);
    static const double mus[] = {3.7, 10.0, 17.3, 4381.5, 2.5e9, 7.3e12};
    for (size_t q = 0; q < sizeof mus / sizeof mus[0]; q++) {
        double mu = mus[q];
        const int draws = 20000;
        double sum = 0.0, ss = 0.0;
        for (int i = 0; i < draws; i++) {
            uint64_t k;
            CU_ASSERT_EQUAL_FATAL(vci_ran_poisson64(r, mu, &k), VC_OK);
            double d = (double)k - mu;
            sum += d;
            ss += d * d;
        }
        /* mean within 5 se; variance ratio within 5 se of 1 (the sample
         * variance of a Poisson has relative sd ~ sqrt(2 / draws)) */
        ASSERT_WITHIN_SE(sum / draws, 0.0, sqrt(mu / draws), 5.0);
        ASSERT_WITHIN_SE(ss / draws / mu, 1.0, sqrt(2.0 / draws), 5.0);
    }
    uint64_t k;
    CU_ASSERT_EQUAL(vci_ran_poisson64(r, -1.0, &k), VC_ENUMERIC);
    CU_ASSERT_EQUAL(vci_ran_poisson64(r, 1e19, &k), VC_ENUMERIC);
    CU_ASSERT_EQUAL(vci_ran_poisson64(r, NAN, &k), VC_ENUMERIC);
    gsl_rng_free(r);
}

/*
 * Chi-square goodness of fit of `draws` counts obs[0..ncell-1] against
 * probabilities prob[] (summing to 1), cells with expectation below 5
 * pooled into their neighbour; fails when the statistic exceeds its
 * 1 - 1e-4 quantile (so a correct generator fails one run in 10,000).
 */
static void assert_chisq(const double *obs, const double *prob, size_t ncell,
                         double draws, const char *what)
{
    double rest = 0.0; /* expected draws in cells i..ncell-1 */
    for (size_t i = 0; i < ncell; i++) {
        rest += prob[i] * draws;
    }
    double stat = 0.0, o = 0.0, e = 0.0;
    size_t df = 0;
    for (size_t i = 0; i < ncell; i++) {
        o += obs[i];
        e += prob[i] * draws;
        rest -= prob[i] * draws;
        /* close a pooled cell once it expects 5 draws and what is left
         * expects 5 more; the last cell takes the remainder */
        if ((e >= 5.0 && rest >= 5.0) || i + 1 == ncell) {
            stat += (o - e) * (o - e) / e;
            df++;
            o = e = 0.0;
        }
    }
    double crit = gsl_cdf_chisq_Qinv(1e-4, (double)(df - 1));
    if (!(stat <= crit)) {
        fprintf(stderr, "\n  %s: chi-square %.1f on %zu df, limit %.1f",
                what, stat, df - 1, crit);
    }
    CU_ASSERT(stat <= crit);
}

/* Binomial draws (inversion, BTRD, and p > 1/2 by symmetry) against the
 * exact probability function: mean, variance and chi-square. */
void test_binomial(void)
{
    gsl_rng *r = vc_rng_stream_alloc(8613, 0, 0, 0, NULL);
    static const struct {
        uint64_t n;
        double p;
    } cases[] = {{1, 0.385},    {7, 0.0137},  {33, 0.27},   {19, 0.5},
                 {1131, 0.0071}, {57, 0.238}, {1131, 0.713}, {845, 0.4997},
                 {30000, 0.0123}, {4400, 0.9931}, {2000000, 0.31}};
    const int draws = 100000;
    static double obs[4096], prob[4096];
    for (size_t q = 0; q < sizeof cases / sizeof cases[0]; q++) {
        uint64_t n = cases[q].n;
        double p = cases[q].p;
        double mu = (double)n * p, sd = sqrt(mu * (1 - p));
        /* cells: k in [lo, lo + 4095] around the mean, tails pooled */
        double lo_d = floor(mu - 2048.0);
        uint64_t lo = lo_d > 0.0 ? (uint64_t)lo_d : 0;
        size_t ncell = n - lo + 1 < 4096 ? (size_t)(n - lo + 1) : 4096;
        memset(obs, 0, sizeof obs);
        for (size_t i = 0; i < ncell; i++) {
            prob[i] = gsl_ran_binomial_pdf((unsigned)(lo + i), p,
                                           (unsigned)n);
        }
        /* the end cells hold the tails */
        prob[0] = gsl_cdf_binomial_P((unsigned)lo, p, (unsigned)n);
        prob[ncell - 1] = gsl_cdf_binomial_Q((unsigned)(lo + ncell - 2), p,
                                             (unsigned)n);
        double sum = 0.0, ss = 0.0;
        for (int i = 0; i < draws; i++) {
            uint64_t k = vci_ran_binomial(r, p, n);
            CU_ASSERT_FATAL(k <= n);
            double d = (double)k - mu;
            sum += d;
            ss += d * d;
            size_t cell = k < lo ? 0 : (size_t)(k - lo);
            obs[cell < ncell ? cell : ncell - 1] += 1.0;
        }
        ASSERT_WITHIN_SE(sum / draws, 0.0, sd / sqrt(draws), 5.0);
        ASSERT_WITHIN_SE(ss / draws / (sd * sd), 1.0, sqrt(2.0 / draws),
                         6.0);
        char what[64];
        snprintf(what, sizeof what, "Binomial(%llu, %g)",
                 (unsigned long long)n, p);
        assert_chisq(obs, prob, ncell, draws, what);
    }
    CU_ASSERT_EQUAL(vci_ran_binomial(r, 0.0, 17), 0);
    CU_ASSERT_EQUAL(vci_ran_binomial(r, 1.0, 17), 17);
    CU_ASSERT_EQUAL(vci_ran_binomial(r, 0.3, 0), 0);
    gsl_rng_free(r);
}

/* Gamma draws: mean, variance, and chi-square on 20 cells of equal
 * probability under the exact distribution function. */
void test_gamma(void)
{
    gsl_rng *r = vc_rng_stream_alloc(5521, 0, 0, 0, NULL);
    static const double shapes[] = {0.25, 1.0, 1.0 + 2.385, 47.3, 4401.0};
    const int draws = 100000;
    enum { CELLS = 20 };
    for (size_t q = 0; q < sizeof shapes / sizeof shapes[0]; q++) {
        double a = shapes[q];
        double obs[CELLS] = {0}, prob[CELLS];
        double sum = 0.0, ss = 0.0;
        for (int i = 0; i < draws; i++) {
            double g = vci_ran_gamma(r, a);
            CU_ASSERT_FATAL(g >= 0.0 && isfinite(g));
            sum += g - a;
            ss += (g - a) * (g - a);
            double u = gsl_cdf_gamma_P(g, a, 1.0);
            int cell = (int)(u * CELLS);
            obs[cell < CELLS ? cell : CELLS - 1] += 1.0;
        }
        for (int c = 0; c < CELLS; c++) {
            prob[c] = 1.0 / CELLS;
        }
        ASSERT_WITHIN_SE(sum / draws, 0.0, sqrt(a / draws), 5.0);
        /* Var of (g - a)^2 is 2 a^2 + 6 a */
        ASSERT_WITHIN_SE(ss / draws, a, sqrt((2 * a * a + 6 * a) / draws),
                         6.0);
        char what[64];
        snprintf(what, sizeof what, "Gamma(%g)", a);
        assert_chisq(obs, prob, CELLS, draws, what);
    }
    gsl_rng_free(r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Moments, a chi-square on 200 cells of equal probability, the tail
 * beyond r (its mass, and a chi-square of its shape) and the
 * Kolmogorov-Smirnov statistic of `draws` normal draws from r. */
static void check_normal_draws(gsl_rng *r, int draws, double zig_r,
                               const char *what)
{
    enum { CELLS = 200, TCELLS = 20 };
    double *x = malloc((size_t)draws * sizeof *x);
    CU_ASSERT_FATAL(x != NULL);
    double obs[CELLS] = {0}, prob[CELLS], tobs[TCELLS] = {0},
           tprob[TCELLS];
    double m1 = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0, ntail = 0.0;
    double qr = gsl_cdf_ugaussian_Q(zig_r);
    for (int i = 0; i < draws; i++) {
        double z = vci_ran_normal(r);
        CU_ASSERT_FATAL(isfinite(z));
        x[i] = z;
        m1 += z;
        m2 += z * z;
        m3 += z * z * z;
        m4 += z * z * z * z;
        int c = (int)(gsl_cdf_ugaussian_P(z) * CELLS);
        obs[c < CELLS ? c : CELLS - 1] += 1.0;
        if (fabs(z) > zig_r) {
            /* the tail's shape: Q(|z|) / Q(r) is uniform on (0, 1) */
            ntail += 1.0;
            int t = (int)(gsl_cdf_ugaussian_Q(fabs(z)) / qr * TCELLS);
            tobs[t < TCELLS ? t : TCELLS - 1] += 1.0;
        }
    }
    double n = draws;
    /* moments of N(0, 1): 0, 1, 0, 3; the sampling sds of the means of
     * z, z^2, z^3, z^4 are sqrt(1, 2, 15, 96) / sqrt(n) */
    ASSERT_WITHIN_SE(m1 / n, 0.0, sqrt(1.0 / n), 5.0);
    ASSERT_WITHIN_SE(m2 / n, 1.0, sqrt(2.0 / n), 5.0);
    ASSERT_WITHIN_SE(m3 / n, 0.0, sqrt(15.0 / n), 5.0);
    ASSERT_WITHIN_SE(m4 / n, 3.0, sqrt(96.0 / n), 5.0);
    for (int c = 0; c < CELLS; c++) {
        prob[c] = 1.0 / CELLS;
    }
    assert_chisq(obs, prob, CELLS, n, what);
    /* the tail's mass, 2 Q(r), within 5 binomial sds */
    ASSERT_WITHIN_SE(ntail / n, 2.0 * qr, sqrt(2.0 * qr / n), 5.0);
    for (int t = 0; t < TCELLS; t++) {
        tprob[t] = 1.0 / TCELLS;
    }
    assert_chisq(tobs, tprob, TCELLS, ntail, what);
    /* Kolmogorov-Smirnov: sqrt(n) D below 1.95 (p = 0.001) */
    qsort(x, (size_t)draws, sizeof *x, cmp_double);
    double d = 0.0;
    for (int i = 0; i < draws; i++) {
        double f = gsl_cdf_ugaussian_P(x[i]);
        double lo = f - i / n, hi = (i + 1) / n - f;
        d = lo > d ? lo : d;
        d = hi > d ? hi : d;
    }
    if (!(sqrt(n) * d < 1.95)) {
        fprintf(stderr, "\n  %s: KS sqrt(n) D = %.3f", what, sqrt(n) * d);
    }
    CU_ASSERT(sqrt(n) * d < 1.95);
    free(x);
}

/* The ziggurat's tables (random.c, section 3), then its draws, from
 * Philox (inline) and from mt19937 (through the type's pointer). */
void test_normal(void)
{
    const double two24 = 16777216.0;
    double x[VCI_ZIG_LAYERS + 1];
    for (int i = 0; i < VCI_ZIG_LAYERS; i++) {
        x[i] = vci_zig_w[i] * two24;
    }
    x[VCI_ZIG_LAYERS] = 0.0;
    double zig_r = x[1];
    CU_ASSERT_DOUBLE_EQUAL(zig_r, 3.44261985589665, 1e-13);
    /* the base strip's area: x_0 f(r) = r f(r) + the tail's mass */
    double v = x[0] * vci_zig_f[1];
    CU_ASSERT_DOUBLE_EQUAL(v, zig_r * exp(-0.5 * zig_r * zig_r)
                                  + sqrt(2.0 * 3.14159265358979323846)
                                        * gsl_cdf_ugaussian_Q(zig_r),
                           1e-15);
    CU_ASSERT_EQUAL(vci_zig_f[VCI_ZIG_LAYERS], 1.0);
    for (int i = 1; i < VCI_ZIG_LAYERS; i++) {
        /* decreasing edges, f at each, the same area for every layer */
        CU_ASSERT(x[i + 1] < x[i]);
        CU_ASSERT_DOUBLE_EQUAL(vci_zig_f[i], exp(-0.5 * x[i] * x[i]),
                               1e-15);
        CU_ASSERT_DOUBLE_EQUAL(x[i] * (vci_zig_f[i + 1] - vci_zig_f[i]), v,
                               1e-14);
    }
    for (int i = 0; i < VCI_ZIG_LAYERS; i++) {
        /* k_i = floor(2^24 x_{i+1} / x_i): j < k_i is under the curve */
        double k = floor(two24 * x[i + 1] / x[i]);
        CU_ASSERT(fabs(k - (double)vci_zig_k[i]) <= 1.0);
        CU_ASSERT((double)vci_zig_k[i] * vci_zig_w[i] <= x[i + 1]);
    }
    gsl_rng *r = vc_rng_stream_alloc(2000, 5, 0, 0, NULL);
    /* the tail alone, 100,000 draws: a word of the base strip beyond r
     * (layer 0, the largest j, sign bit set) sends vci_ran_normal_rest to
     * Marsaglia's tail method; Q(z) / Q(r) is uniform on (0, 1) */
    enum { TCELLS = 50 };
    double tobs[TCELLS] = {0}, tprob[TCELLS];
    double qr = gsl_cdf_ugaussian_Q(zig_r);
    const int tdraws = 100000;
    for (int i = 0; i < tdraws; i++) {
        double z = vci_ran_normal_rest(r, 0xffffff80u);
        CU_ASSERT_FATAL(z > zig_r && isfinite(z));
        int t = (int)(gsl_cdf_ugaussian_Q(z) / qr * TCELLS);
        tobs[t < TCELLS ? t : TCELLS - 1] += 1.0;
    }
    for (int t = 0; t < TCELLS; t++) {
        tprob[t] = 1.0 / TCELLS;
    }
    assert_chisq(tobs, tprob, TCELLS, tdraws, "normal tail");
    check_normal_draws(r, 2000000, zig_r, "normal (Philox)");
    gsl_rng_free(r);
    gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_FATAL(mt != NULL);
    gsl_rng_set(mt, 2000);
    check_normal_draws(mt, 500000, zig_r, "normal (mt19937)");
    gsl_rng_free(mt);
}

/* The 32-bit uniform: in (0, 1), mean 1/2, and flat on 64 cells. */
void test_uniform32(void)
{
    gsl_rng *r = vc_rng_stream_alloc(99, 0, 0, 0, NULL);
    enum { CELLS = 64 };
    double obs[CELLS] = {0}, prob[CELLS];
    const int draws = 200000;
    double sum = 0.0;
    for (int i = 0; i < draws; i++) {
        double u = vci_ran_uniform(r);
        CU_ASSERT_FATAL(u > 0.0 && u < 1.0);
        sum += u - 0.5;
        obs[(int)(u * CELLS)] += 1.0;
    }
    for (int c = 0; c < CELLS; c++) {
        prob[c] = 1.0 / CELLS;
    }
    ASSERT_WITHIN_SE(sum / draws, 0.0, sqrt(1.0 / 12.0 / draws), 5.0);
    assert_chisq(obs, prob, CELLS, draws, "uniform");
    gsl_rng_free(r);
}

/* Poisson draws by inversion (mean < 10) and PTRS: chi-square against
 * the exact probability function. */
void test_poisson_fit(void)
{
    gsl_rng *r = vc_rng_stream_alloc(1234, 5, 0, 0, NULL);
    static const double mus[] = {0.0173, 0.77, 3.7, 9.99, 10.0, 17.3, 438.5};
    const int draws = 100000;
    static double obs[2048], prob[2048];
    for (size_t q = 0; q < sizeof mus / sizeof mus[0]; q++) {
        double mu = mus[q];
        size_t ncell = (size_t)(mu + 10.0 * sqrt(mu) + 20.0);
        memset(obs, 0, sizeof obs);
        for (size_t i = 0; i < ncell; i++) {
            prob[i] = gsl_ran_poisson_pdf((unsigned)i, mu);
        }
        prob[ncell - 1] = gsl_cdf_poisson_Q((unsigned)(ncell - 2), mu);
        for (int i = 0; i < draws; i++) {
            uint64_t k;
            CU_ASSERT_EQUAL_FATAL(vci_ran_poisson64(r, mu, &k), VC_OK);
            obs[k < ncell ? k : ncell - 1] += 1.0;
        }
        char what[64];
        snprintf(what, sizeof what, "Poisson(%g)", mu);
        assert_chisq(obs, prob, ncell, draws, what);
    }
    gsl_rng_free(r);
}

/* Beta(1, b) by inversion on the log scale (random.c): for V ~ Beta(1,
 * b), E[log V] = psi(1) - psi(1 + b) and E[log(1 - V)] = -1/b with
 * variances psi_1(1) - psi_1(1 + b) and 1/b^2; mean 1/(1 + b) and
 * variance b / ((1 + b)^2 (2 + b)) of V; chi-square on 20 cells of equal
 * probability under GSL's incomplete beta function (b >= 0.5, where V is
 * not 1 to double precision). */
void test_log_beta1(void)
{
    gsl_rng *r = vc_rng_stream_alloc(7717, 0, 0, 0, NULL);
    static const double bs[] = {0.0213, 0.5, 1.0, 3.385, 4401.0};
    const int draws = 100000;
    enum { CELLS = 20 };
    for (size_t q = 0; q < sizeof bs / sizeof bs[0]; q++) {
        double b = bs[q];
        double obs[CELLS] = {0}, prob[CELLS];
        double s_lv = 0.0, s_l1 = 0.0, s_v = 0.0, ss_v = 0.0, s4_v = 0.0;
        double mean_v = 1.0 / (1.0 + b);
        double var_v = b / ((1.0 + b) * (1.0 + b) * (2.0 + b));
        for (int i = 0; i < draws; i++) {
            double lv, l1;
            vci_ran_log_beta1(r, b, &lv, &l1);
            CU_ASSERT_FATAL(isfinite(lv) && isfinite(l1) && lv <= 0.0
                            && l1 < 0.0);
            if (i < 1000) {
                VC_ASSERT_REL(exp(lv) + exp(l1), 1.0, 1e-12);
            }
            double v = exp(lv);
            s_lv += lv;
            s_l1 += l1;
            s_v += v - mean_v;
            ss_v += (v - mean_v) * (v - mean_v);
            s4_v += (v - mean_v) * (v - mean_v) * (v - mean_v) * (v - mean_v);
            int cell = (int)(gsl_cdf_beta_P(v, 1.0, b) * CELLS);
            obs[cell < CELLS ? cell : CELLS - 1] += 1.0;
        }
        double m_lv = gsl_sf_psi(1.0) - gsl_sf_psi(1.0 + b);
        double v_lv = gsl_sf_psi_1(1.0) - gsl_sf_psi_1(1.0 + b);
        ASSERT_WITHIN_SE(s_lv / draws, m_lv, sqrt(v_lv / draws), 5.0);
        ASSERT_WITHIN_SE(s_l1 / draws, -1.0 / b, sqrt(1.0 / (b * b) / draws),
                         5.0);
        ASSERT_WITHIN_SE(s_v / draws, 0.0, sqrt(var_v / draws), 5.0);
        /* the se of the variance from the sample's fourth moment */
        ASSERT_WITHIN_SE(ss_v / draws, var_v,
                         sqrt((s4_v / draws - var_v * var_v) / draws), 6.0);
        if (b >= 0.5) {
            for (int c = 0; c < CELLS; c++) {
                prob[c] = 1.0 / CELLS;
            }
            char what[64];
            snprintf(what, sizeof what, "Beta(1, %g)", b);
            assert_chisq(obs, prob, CELLS, draws, what);
        }
    }
    gsl_rng_free(r);
}

/* E[log G] = digamma(a) and Var[log G] = trigamma(a) for G ~ Gamma(a). */
void test_log_gamma(void)
{
    gsl_rng *r = vc_rng_stream_alloc(4172, 0, 0, 0, NULL);
    static const double shapes[] = {0.0137, 0.25, 2.71};
    for (size_t q = 0; q < 3; q++) {
        double a = shapes[q];
        const int draws = 100000;
        double sum = 0.0;
        for (int i = 0; i < draws; i++) {
            double lg = vci_ran_log_gamma(r, a);
            CU_ASSERT_FATAL(isfinite(lg));
            sum += lg;
        }
        ASSERT_WITHIN_SE(sum / draws, gsl_sf_psi(a),
                         sqrt(gsl_sf_psi_1(a) / draws), 5.0);
    }
    gsl_rng_free(r);
}
