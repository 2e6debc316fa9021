/*
 * test_umbrella.c: umbrella sampling on N of the latent class model
 * (models/umbrella.c), its interface: every option it refuses, with the
 * values in the message; the range of N it takes by default; the bias it
 * reports and the weights of its draws; the acceptance it reports.  The
 * statistical checks against exact posteriors and UK are in
 * test_models.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "models/lcm_impl.h"
#include "models/vc_umbrella.h"
#include "tests/test_util.h"

/* The exact check's table of test_samplers_exact.c: 3 lists, 17 people. */
static vc_table *tiny_table(void)
{
    static const char *const names[3] = {"A", "B", "C"};
    static const uint32_t pattern[7] = {1, 2, 4, 3, 5, 6, 7};
    static const uint64_t count[7] = {3, 2, 4, 2, 1, 3, 2};
    return vc_table_from_counts(3, names, 7, pattern, count, NULL);
}

static void quick_opts(vc_lcm_opts *o, vc_lcm_umbrella_opts *u)
{
    vc_lcm_opts_default(o);
    o->K = 2;
    o->seed = 13;
    vc_lcm_umbrella_opts_default(u);
    u->chains = 2;
    u->bins = 3;
    u->stages = 0;
    u->sweeps = 200;
    u->thin = 1;
}

/* Run with u changed by the caller: refused with VC_EINVAL and a message
 * holding each of want[] (NULL-terminated). */
static void refused(const vc_table *t, const vc_lcm_opts *o,
                    const vc_lcm_umbrella_opts *u, const char *const *want)
{
    vc_error err;
    vc_error_clear(&err);
    vc_lcm_umbrella *um = vc_lcm_umbrella_run(t, o, u, &err);
    CU_ASSERT_PTR_NULL(um);
    vc_lcm_umbrella_free(um);
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    for (const char *const *w = want; *w != NULL; w++) {
        if (strstr(err.msg, *w) == NULL) {
            fprintf(stderr, "\n  \"%s\" lacks \"%s\"", err.msg, *w);
            CU_FAIL("message");
        }
    }
}

#define REFUSED(field, value, ...)                                             \
    do {                                                                       \
        vc_lcm_umbrella_opts bad_ = u;                                         \
        bad_.field = value;                                                    \
        static const char *const want_[] = {__VA_ARGS__, NULL};                \
        refused(t, &o, &bad_, want_);                                          \
    } while (0)

static void test_refusals(void)
{
    vc_table *t = tiny_table();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_lcm_opts o;
    vc_lcm_umbrella_opts u;
    quick_opts(&o, &u);
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_lcm_umbrella_run(NULL, &o, &u, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no table or options"));
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_lcm_umbrella_run(t, &o, NULL, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    /* the model's own options are checked as vc_lcm_run checks them */
    vc_lcm_opts bad_model = o;
    bad_model.K = 0;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_lcm_umbrella_run(t, &bad_model, &u, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "K = 0"));

    REFUSED(chains, 1, "umbrella sampling: 1 chains", ">= 2 chains");
    REFUSED(bins, 0, "0 x 1 bins", "1 to 100000 cells");
    REFUSED(bins, 100001, "100001 x 1 bins");
    REFUSED(alpha_bins, 0, "3 x 0 bins");
    REFUSED(alpha_bins, 33334, "3 x 33334 bins", "1 to 100000 cells");
    REFUSED(alpha_lo, 0.0, "alpha from 0 to 100", "0 < alpha low");
    REFUSED(alpha_hi, 0.005, "alpha from 0.01 to 0.005");
    REFUSED(alpha_hi, HUGE_VAL, "alpha from 0.01 to inf");
    REFUSED(thin, 0, "thin 0", "thin >= 1");
    REFUSED(stages, 61, "61 stages", "at most 60 stages");
    REFUSED(stage_sweeps, 0, "umbrella sampling: ");
    REFUSED(flat, 1.0, "umbrella sampling: ");
    REFUSED(flat, -0.1, "umbrella sampling: ");
    REFUSED(n_lo, 0.5, "N from 0.5 to 510", "1 <= N low < N high");
    REFUSED(n_hi, 10.0, "N from 17 to 10");
    REFUSED(n_hi, HUGE_VAL, "N from 17 to inf");
    {
        vc_lcm_umbrella_opts bad = u;
        bad.n_lo = 40.0;
        bad.n_hi = 40.0;
        static const char *const want[] = {"N from 40 to 40", NULL};
        refused(t, &o, &bad, want);
    }
    {
        vc_lcm_umbrella_opts bad = u;
        bad.sweeps = 9;
        bad.thin = 10;
        static const char *const want[] = {
            "umbrella sampling: 9 sweeps thinned by 10 keep no draw", NULL};
        refused(t, &o, &bad, want);
    }
    {
        const double bias[3] = {0.0, 1.0, NAN};
        vc_lcm_umbrella_opts bad = u;
        bad.bias = bias;
        static const char *const want[] = {"bias of cell 2 is",
                                           "expected finite", NULL};
        refused(t, &o, &bad, want);
        const double inf_bias[3] = {-HUGE_VAL, 1.0, 0.0};
        bad.bias = inf_bias;
        static const char *const want0[] = {"bias of cell 0 is -inf", NULL};
        refused(t, &o, &bad, want0);
    }
    vc_table_free(t);
}

/* The range of N: from the observed n by default, to n_max + 1 when the
 * model bounds N and no upper end is given (30 n otherwise, as the
 * refusals' messages show); the bins of log alpha from alpha_lo to
 * alpha_hi.  With stages = 0 the bias given is the bias used, shifted to
 * a maximum of 0, and each draw's log weight is minus the bias of its
 * cell. */
static void test_range_and_bias(void)
{
    vc_table *t = tiny_table();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_lcm_opts o;
    vc_lcm_umbrella_opts u;
    quick_opts(&o, &u);
    u.n_hi = 41.0; /* bins of N from 17: 17-23, 23-31, 31-41 and above */
    u.alpha_bins = 2;
    u.alpha_lo = 0.1;
    u.alpha_hi = 10.0;
    const double given[6] = {1.0, 3.0, 2.0, 0.0, -1.0, 0.5};
    u.bias = given;
    vc_error err;
    vc_error_clear(&err);
    vc_lcm_umbrella *um = vc_lcm_umbrella_run(t, &o, &u, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(um);
    CU_ASSERT_EQUAL(vc_lcm_umbrella_chains(um), 2);
    for (size_t i = 0; i < 2; i++) {
        size_t bins, bins_a;
        double lo, width, lo_a, width_a;
        const double *b = vc_lcm_umbrella_bias(um, i, &bins, &lo, &width,
                                               &bins_a, &lo_a, &width_a);
        CU_ASSERT_EQUAL(bins, 3);
        CU_ASSERT_EQUAL(bins_a, 2);
        VC_ASSERT_REL(lo, log(17.0), 1e-15);
        VC_ASSERT_REL(width, log(41.0 / 17.0) / 3.0, 1e-14);
        VC_ASSERT_REL(lo_a, log(0.1), 1e-15);
        VC_ASSERT_REL(width_a, log(10.0), 1e-14);
        for (size_t k = 0; k < 6; k++) {
            CU_ASSERT_EQUAL(b[k], given[k] - 3.0);
        }
        uint64_t sweeps;
        unsigned stages;
        vc_lcm_umbrella_adaptation(um, i, &sweeps, &stages);
        CU_ASSERT_EQUAL(sweeps, 0);
        CU_ASSERT_EQUAL(stages, 0);
        const uint64_t *N;
        const double *alpha, *log_w;
        size_t nd = vc_lcm_umbrella_draws(um, i, &N, &alpha, &log_w);
        CU_ASSERT_EQUAL_FATAL(nd, 200);
        size_t cells_seen = 0, seen[6] = {0};
        for (size_t d = 0; d < nd; d++) {
            size_t k = vci_bias_bin((double)N[d], lo, width, bins) * bins_a
                       + vci_bias_bin(alpha[d], lo_a, width_a, bins_a);
            CU_ASSERT_EQUAL(log_w[d], -b[k]);
            CU_ASSERT(N[d] >= 17);
            cells_seen += seen[k]++ == 0;
        }
        CU_ASSERT(cells_seen >= 2); /* the check compared more than one */
        /* under a bias that differs between cells, the draw of n0 is
         * sometimes refused */
        double acc[2];
        vc_lcm_umbrella_acceptance(um, i, acc);
        CU_ASSERT(acc[0] > 0.0 && acc[0] < 1.0);
        CU_ASSERT(acc[1] > 0.0 && acc[1] <= 1.0);
    }
    vc_lcm_umbrella_free(um);
    /* a bound on N moves the upper end to n_max + 1; under a flat bias
     * every draw of n0 is accepted (its ratio is exp(0)) and every weight
     * is 1 */
    o.n_max = 100;
    u.n_hi = 0.0;
    u.bias = NULL;
    u.alpha_bins = 1;
    vc_error_clear(&err);
    um = vc_lcm_umbrella_run(t, &o, &u, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(um);
    size_t bins, bins_a;
    double lo, width, lo_a, width_a;
    const double *b = vc_lcm_umbrella_bias(um, 1, &bins, &lo, &width, &bins_a,
                                           &lo_a, &width_a);
    VC_ASSERT_REL(lo, log(17.0), 1e-15);
    VC_ASSERT_REL(width, log(101.0 / 17.0) / 3.0, 1e-14);
    CU_ASSERT_EQUAL(bins_a, 1);
    CU_ASSERT(b[0] == 0.0 && b[1] == 0.0 && b[2] == 0.0);
    double acc[2];
    vc_lcm_umbrella_acceptance(um, 1, acc);
    CU_ASSERT_EQUAL(acc[0], 1.0);
    const uint64_t *N;
    const double *alpha, *log_w;
    size_t nd = vc_lcm_umbrella_draws(um, 0, &N, &alpha, &log_w);
    for (size_t d = 0; d < nd; d++) {
        CU_ASSERT_EQUAL(log_w[d], 0.0);
        CU_ASSERT(N[d] <= 100);
    }
    /* equal weights: the share below x is the fraction of draws below x,
     * in each chain; the median of two chains is their mean */
    double per[2], est, se;
    vc_lcm_umbrella_share(um, 25.0, &est, &se, per);
    double frac[2];
    for (size_t i = 0; i < 2; i++) {
        nd = vc_lcm_umbrella_draws(um, i, &N, &alpha, &log_w);
        size_t below = 0;
        for (size_t d = 0; d < nd; d++) {
            below += N[d] < 25;
        }
        frac[i] = (double)below / (double)nd;
        VC_ASSERT_REL(per[i], frac[i], 1e-12);
    }
    VC_ASSERT_REL(est, 0.5 * (frac[0] + frac[1]), 1e-12);
    vc_lcm_umbrella_free(um);
    vc_table_free(t);
}

int vc_register_umbrella_suite(void)
{
    CU_pSuite s = CU_add_suite("umbrella", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "refusals", test_refusals) == NULL
        || CU_add_test(s, "range, bias and weights", test_range_and_bias)
               == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
