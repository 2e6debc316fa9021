/*
 * test_ppc.c: the posterior predictive checks of issue 17 (models/ppc.c)
 * on tables whose truth is known: drawn from a model the check's model
 * contains (the p-value must not be extreme) and from one it cannot fit
 * (it must fall below 0.01); the same bits for any number of threads;
 * the verdict's reasons.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "core/vc_estimate.h"
#include "models/vc_dga.h"
#include "models/vc_models.h"
#include "models/vc_ppc.h"
#include "test_util.h"

/*
 * A table of N people on J lists drawn with Philox stream seed: each
 * person falls in class 0 with probability w0 (else class 1), and list j
 * catches a member of class k with probability lam[k][j].  One class
 * (w0 = 1) is independence; two very different classes make strong
 * positive dependence between all lists.
 */
static vc_table *simulate(size_t J, unsigned N, double w0,
                          const double lam[2][4], uint64_t seed)
{
    static const char *const names[] = {"A", "B", "C", "D"};
    gsl_rng *r = vc_rng_stream_alloc(seed, 7, 0, 0, NULL);
    uint64_t count[16] = {0};
    for (unsigned i = 0; i < N; i++) {
        int k = gsl_rng_uniform(r) < w0 ? 0 : 1;
        uint32_t x = 0;
        for (size_t j = 0; j < J; j++) {
            if (gsl_rng_uniform(r) < lam[k][j]) {
                x |= 1u << j;
            }
        }
        count[x]++;
    }
    gsl_rng_free(r);
    uint32_t pat[16];
    uint64_t cnt[16];
    size_t np = 0;
    for (uint32_t x = 1; x < (1u << J); x++) {
        pat[np] = x;
        cnt[np++] = count[x];
    }
    return vc_table_from_counts(J, names, np, pat, cnt, NULL);
}

static const double INDEP[2][4] = {{0.3, 0.25, 0.35, 0.3},
                                   {0.3, 0.25, 0.35, 0.3}};
/* two classes: one list-shy, one seen by nearly every list */
static const double DEPEND[2][4] = {{0.05, 0.05, 0.05, 0.05},
                                    {0.9, 0.9, 0.9, 0.9}};

/* The lcm check of table t with K classes. */
static int lcm_check(const vc_table *t, size_t K, int threads, vc_ppc *p)
{
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.K = K;
    o.chains = 2;
    o.burnin = 500;
    o.iterations = 3000;
    o.seed = 5;
    o.threads = threads;
    vc_error err;
    vc_error_clear(&err);
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, &o, &err);
    if (c == NULL) {
        return err.code;
    }
    int status = vc_lcm_chains_round(c, o.iterations, &err);
    if (status == VC_OK) {
        status = vc_lcm_chains_ppc(c, p, &err);
    }
    vc_lcm_chains_free(c);
    return status;
}

/* Independence tables: a latent-class model (which contains
 * independence) is not rejected on any of 4 seeds; the check made one
 * replicate per kept draw. */
static void test_lcm_true_model(void)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        vc_table *t = simulate(4, 3000, 1.0, INDEP, seed);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        vc_ppc p;
        CU_ASSERT_EQUAL(lcm_check(t, 5, 1, &p), VC_OK);
        CU_ASSERT(p.defined);
        CU_ASSERT_EQUAL(p.draws, 2 * 3000 / 10);
        if (!(p.ppp > 0.01 && p.ppp < 0.99)) {
            fprintf(stderr, "\n  seed %llu: ppp %g", (unsigned long long)seed,
                    p.ppp);
        }
        CU_ASSERT(p.ppp > 0.01 && p.ppp < 0.99);
        vc_table_free(t);
    }
}

/* A strongly dependent table under one class (independence): rejected,
 * and the patterns seen by every list or by one fit worst; with 5
 * classes the same table is not rejected. */
static void test_lcm_misfit(void)
{
    vc_table *t = simulate(4, 3000, 0.7, DEPEND, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_ppc p;
    CU_ASSERT_EQUAL(lcm_check(t, 1, 1, &p), VC_OK);
    CU_ASSERT(p.defined);
    CU_ASSERT(p.ppp < 0.01);
    CU_ASSERT(p.nworst == VC_PPC_WORST);
    CU_ASSERT(p.worst[0].discrepancy >= p.worst[1].discrepancy);
    CU_ASSERT_EQUAL(p.worst[0].pattern, 0xFu); /* seen by all four */
    CU_ASSERT_EQUAL(vc_check_verdict(VC_OK, 0, p.ppp, "posterior predictive",
                                     NULL, 0), 0);
    CU_ASSERT_EQUAL(lcm_check(t, 5, 1, &p), VC_OK);
    CU_ASSERT(p.ppp > 0.01);
    vc_table_free(t);
}

/* The replicates come from the chains' own streams: the same bits on 1
 * and 2 threads. */
static void test_lcm_threads(void)
{
    vc_table *t = simulate(4, 2000, 0.7, DEPEND, 9);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_ppc a, b;
    CU_ASSERT_EQUAL(lcm_check(t, 3, 1, &a), VC_OK);
    CU_ASSERT_EQUAL(lcm_check(t, 3, 2, &b), VC_OK);
    CU_ASSERT(a.ppp == b.ppp);
    CU_ASSERT(a.observed_mean == b.observed_mean);
    CU_ASSERT(a.replicated_mean == b.replicated_mean);
    CU_ASSERT(a.worst[0].expected == b.worst[0].expected);
    vc_table_free(t);
}

/* dga on independence tables: not rejected on 4 seeds; restricted to
 * the graph with no edges (independence), a dependent table is
 * rejected, while the full posterior over graphs fits it. */
static void test_dga_checks(void)
{
    vc_error err;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        vc_table *t = simulate(4, 3000, 1.0, INDEP, seed);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        vc_error_clear(&err);
        vc_dga_result *r = vc_dga_fit(t, NULL, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        vc_ppc p;
        CU_ASSERT_EQUAL(vc_dga_ppc(t, NULL, r, 3, 4, 0, &p, &err), VC_OK);
        CU_ASSERT(p.defined);
        CU_ASSERT_EQUAL(p.draws, VC_PPC_DGA_DRAWS);
        if (!(p.ppp > 0.01 && p.ppp < 0.99)) {
            fprintf(stderr, "\n  dga seed %llu: ppp %g",
                    (unsigned long long)seed, p.ppp);
        }
        CU_ASSERT(p.ppp > 0.01 && p.ppp < 0.99);
        vc_dga_result_free(r);
        vc_table_free(t);
    }
    vc_table *t = simulate(4, 3000, 0.7, DEPEND, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_error_clear(&err);
    vc_dga_result *r = vc_dga_fit(t, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    vc_ppc p;
    CU_ASSERT_EQUAL(vc_dga_ppc(t, NULL, r, 3, 4, 500, &p, &err), VC_OK);
    CU_ASSERT(p.ppp > 0.01);
    /* the same fit restricted to independence */
    for (size_t k = 0; k < r->nall; k++) {
        r->all_post[k] = r->all_edges[k] == 0 ? 1.0 : 0.0;
    }
    CU_ASSERT_EQUAL(vc_dga_ppc(t, NULL, r, 3, 4, 500, &p, &err), VC_OK);
    CU_ASSERT(p.ppp < 0.01);
    vc_dga_result_free(r);
    vc_table_free(t);
}

static void test_verdict(void)
{
    char why[256];
    CU_ASSERT_EQUAL(vc_check_verdict(VC_ENOMLE, 0, NAN, "x", why,
                                     sizeof why), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "maximum-likelihood"));
    CU_ASSERT_EQUAL(vc_check_verdict(VC_OK, VC_FLAG_NOT_CONVERGED, 0.5, "x",
                                     why, sizeof why), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "converge"));
    CU_ASSERT_EQUAL(vc_check_verdict(VC_OK, VC_FLAG_TAILS, 0.5, "x", why,
                                     sizeof why), 0);
    CU_ASSERT_EQUAL(vc_check_verdict(VC_OK, 0, 0.005, "posterior predictive",
                                     why, sizeof why), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "posterior predictive p = 0.005"));
    CU_ASSERT_EQUAL(vc_check_verdict(VC_OK, VC_FLAG_SPARSE, 0.2, "x", why,
                                     sizeof why), 1);
    CU_ASSERT_EQUAL(vc_check_verdict(VC_OK, 0, NAN, "x", why, sizeof why),
                    1);
}

/* A table with little overlap between 3 lists: a long upper tail. */
static vc_table *sparse_table(void)
{
    static const char *const names[] = {"A", "B", "C"};
    const uint32_t pat[] = {1, 2, 4, 3, 5, 6};
    const uint64_t cnt[] = {200, 200, 200, 2, 1, 2};
    return vc_table_from_counts(3, names, 6, pat, cnt, NULL);
}

/* The bounded posterior: with a bound above every draw or grid point,
 * the unbounded median and interval; at 21 n, an upper end at or below
 * the bound, below the unbounded one, and the share cut off. */
static void test_bounded(void)
{
    vc_table *t = sparse_table();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_error err;
    vc_error_clear(&err);
    vc_dga_result *r = vc_dga_fit(t, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    double med, lo, hi, share;
    CU_ASSERT_EQUAL(vc_dga_bounded(r, 1e18, 0.95, &med, &lo, &hi, &share,
                                   &err), VC_OK);
    CU_ASSERT_EQUAL(med, vc_dga_quantile(r, 0.5));
    CU_ASSERT_EQUAL(lo, vc_dga_quantile(r, 0.025));
    CU_ASSERT_EQUAL(hi, vc_dga_quantile(r, 0.975));
    CU_ASSERT_EQUAL(share, 0.0);
    double bound = 21.0 * (double)t->n;
    double med2, lo2, hi2;
    CU_ASSERT_EQUAL(vc_dga_bounded(r, bound, 0.95, &med2, &lo2, &hi2,
                                   &share, &err), VC_OK);
    CU_ASSERT(hi2 <= bound && hi2 < 0.95 * hi && med2 < med);
    CU_ASSERT(share > 0.025 && share < 1.0);
    CU_ASSERT_EQUAL(vc_dga_bounded(r, 10.0, 0.95, &med2, &lo2, &hi2, NULL,
                                   NULL), VC_EINVAL);
    vc_dga_result_free(r);

    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.chains = 2;
    o.burnin = 200;
    o.iterations = 2000;
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(vc_lcm_chains_round(c, o.iterations, &err), VC_OK);
    vc_lcm_summary s;
    CU_ASSERT_EQUAL(vc_lcm_chains_summary(c, &s, &err), VC_OK);
    CU_ASSERT_EQUAL(vc_lcm_chains_bounded(c, 1e18, 0.95, &med, &lo, &hi,
                                          &share, &err), VC_OK);
    CU_ASSERT_DOUBLE_EQUAL(med, s.N.median, 1e-9 * s.N.median);
    CU_ASSERT_DOUBLE_EQUAL(lo, s.N.lower, 1e-9 * s.N.lower);
    CU_ASSERT_DOUBLE_EQUAL(hi, s.N.upper, 1e-9 * s.N.upper);
    CU_ASSERT_EQUAL(vc_lcm_chains_bounded(c, bound, 0.95, &med2, &lo2, &hi2,
                                          &share, &err), VC_OK);
    CU_ASSERT(hi2 <= bound && hi2 < hi && share > 0.0);
    vc_lcm_chains_free(c);
    vc_table_free(t);
}

int vc_register_ppc_suite(void)
{
    CU_pSuite s = CU_add_suite("ppc", NULL, NULL);
    if (s == NULL
        || CU_add_test(s, "lcm: true model not rejected",
                       test_lcm_true_model) == NULL
        || CU_add_test(s, "lcm: one class on dependent lists rejected",
                       test_lcm_misfit) == NULL
        || CU_add_test(s, "lcm: same bits on 1 and 2 threads",
                       test_lcm_threads) == NULL
        || CU_add_test(s, "dga: true model, restricted misfit",
                       test_dga_checks) == NULL
        || CU_add_test(s, "verdict", test_verdict) == NULL
        || CU_add_test(s, "posterior bounded at N_max", test_bounded)
               == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
