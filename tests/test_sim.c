/*
 * test_sim.c: the population simulator: its exact pattern law against
 * closed forms and a brute-force integral, its draws against that law, its
 * determinism, and its errors.
 */
#include <math.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_integration.h>

#include "sim/vc_sim.h"
#include "tests/test_util.h"

static double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static double logit(double p)
{
    return log(p / (1.0 - p));
}

/* Independent lists: the law is the product of Bernoulli laws. */
static void test_independent_law(void)
{
    vc_sim_model m;
    memset(&m, 0, sizeof m);
    m.J = 3;
    m.p[0] = 0.0813;
    m.p[1] = 0.2385;
    m.p[2] = 0.0577;
    double prob[8];
    CU_ASSERT_EQUAL(vc_sim_pattern_probs(&m, prob, NULL), VC_OK);
    for (uint32_t x = 0; x < 8; x++) {
        double want = 1.0;
        for (size_t j = 0; j < 3; j++) {
            want *= (x >> j & 1u) ? m.p[j] : 1.0 - m.p[j];
        }
        VC_ASSERT_REL(prob[x], want, 1e-12);
    }
}

/* Two classes and a referral, written out by hand for J = 2:
 * P(x) = sum_k w_k prod_j q_jk^x_j (1 - q_jk)^(1 - x_j), then a referral
 * 1 -> 2 with share r moves r P(10) to P(11). */
static void test_classes_and_referral(void)
{
    vc_sim_model m;
    memset(&m, 0, sizeof m);
    m.J = 2;
    m.p[0] = 0.137;
    m.p[1] = 0.291;
    m.K = 2;
    m.class_weight[0] = 2.1;
    m.class_weight[1] = 0.9;
    m.class_shift[0] = -0.43;
    m.class_shift[1] = 1.71;
    m.nref = 1;
    m.ref[0].from = 0;
    m.ref[0].to = 1;
    m.ref[0].prob = 0.317;
    double prob[4], want[4] = {0, 0, 0, 0};
    double w[2] = {0.7, 0.3};
    for (size_t k = 0; k < 2; k++) {
        double q0 = logistic(logit(m.p[0]) + m.class_shift[k]);
        double q1 = logistic(logit(m.p[1]) + m.class_shift[k]);
        want[0] += w[k] * (1 - q0) * (1 - q1);
        want[1] += w[k] * q0 * (1 - q1);
        want[2] += w[k] * (1 - q0) * q1;
        want[3] += w[k] * q0 * q1;
    }
    want[3] += 0.317 * want[1];
    want[1] *= 1.0 - 0.317;
    CU_ASSERT_EQUAL(vc_sim_pattern_probs(&m, prob, NULL), VC_OK);
    for (size_t x = 0; x < 4; x++) {
        VC_ASSERT_REL(prob[x], want[x], 1e-12);
    }
}

/* The propensity integral against GSL's adaptive quadrature on the whole
 * line: P(seen by nobody) = E prod_j (1 - logistic(logit p_j + eta)). */
typedef struct {
    const vc_sim_model *m;
} unseen_args;

static double unseen_integrand(double eta, void *arg)
{
    const vc_sim_model *m = ((const unseen_args *)arg)->m;
    double dens = exp(-0.5 * eta * eta / (m->sigma * m->sigma))
                  / (m->sigma * sqrt(2.0 * M_PI));
    double pr = dens;
    for (size_t j = 0; j < m->J; j++) {
        pr *= 1.0 - logistic(logit(m->p[j]) + eta);
    }
    return pr;
}

static void test_propensity_law(void)
{
    vc_sim_model m;
    memset(&m, 0, sizeof m);
    m.J = 3;
    m.p[0] = 0.0713;
    m.p[1] = 0.1385;
    m.p[2] = 0.0421;
    m.sigma = 1.37;
    double prob[8];
    CU_ASSERT_EQUAL(vc_sim_pattern_probs(&m, prob, NULL), VC_OK);
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    unseen_args a = {&m};
    gsl_function f = {unseen_integrand, &a};
    double result, abserr;
    CU_ASSERT_EQUAL(gsl_integration_qagi(&f, 1e-13, 1e-11, 1000, w, &result,
                                         &abserr), 0);
    gsl_integration_workspace_free(w);
    VC_ASSERT_REL(prob[0], result, 1e-9);
    /* heterogeneity raises the share nobody sees above the mean-p model */
    vc_sim_model flat = m;
    flat.sigma = 0.0;
    double pflat[8];
    CU_ASSERT_EQUAL(vc_sim_pattern_probs(&flat, pflat, NULL), VC_OK);
    CU_ASSERT(prob[7] > pflat[7]);
}

/* Draws against the exact law: every cell within 4.5 binomial standard
 * deviations (a fixed seed, so deterministic; with 8 cells a correct
 * sampler fails this with probability below 1e-4). */
static void test_draws_match_law(void)
{
    vc_sim_model m;
    memset(&m, 0, sizeof m);
    m.J = 3;
    m.p[0] = 0.0913;
    m.p[1] = 0.1785;
    m.p[2] = 0.0621;
    m.K = 2;
    m.class_weight[0] = 0.62;
    m.class_weight[1] = 0.38;
    m.class_shift[0] = -0.8;
    m.class_shift[1] = 0.9;
    m.sigma = 0.6;
    m.nref = 2;
    m.ref[0].from = 1;
    m.ref[0].to = 2;
    m.ref[0].prob = 0.27;
    m.ref[1].from = 2;
    m.ref[1].to = 0;
    m.ref[1].prob = 0.11;
    double prob[8];
    uint64_t count[8];
    CU_ASSERT_EQUAL(vc_sim_pattern_probs(&m, prob, NULL), VC_OK);
    const uint64_t N = 250000;
    gsl_rng *r = vc_rng_stream_alloc(2385, 77, 0, 0, NULL);
    CU_ASSERT_EQUAL(vc_sim_draw(&m, N, r, count, NULL), VC_OK);
    uint64_t total = 0;
    for (size_t x = 0; x < 8; x++) {
        double mean = (double)N * prob[x];
        double sd = sqrt((double)N * prob[x] * (1.0 - prob[x]));
        if (fabs((double)count[x] - mean) > 4.5 * sd) {
            fprintf(stderr, "\n  pattern %zu: %llu drawn, %.1f expected", x,
                    (unsigned long long)count[x], mean);
        }
        CU_ASSERT(fabs((double)count[x] - mean) <= 4.5 * sd);
        total += count[x];
    }
    CU_ASSERT_EQUAL(total, N);
    gsl_rng_free(r);
}

/* The same stream gives the same population; another stratum another. */
static void test_deterministic(void)
{
    vc_sim_model m;
    memset(&m, 0, sizeof m);
    m.J = 3;
    m.p[0] = m.p[1] = m.p[2] = 0.2;
    m.sigma = 0.5;
    uint64_t a[8], b[8], c[8];
    gsl_rng *r = vc_rng_stream_alloc(11, vc_hash_string("Tajikistan 2004"),
                                     0, 0, NULL);
    CU_ASSERT_EQUAL(vc_sim_draw(&m, 3000, r, a, NULL), VC_OK);
    vc_rng_set_stream(r, 11, vc_hash_string("Tajikistan 2004"), 0, 0, NULL);
    CU_ASSERT_EQUAL(vc_sim_draw(&m, 3000, r, b, NULL), VC_OK);
    vc_rng_set_stream(r, 11, vc_hash_string("Tajikistan 2005"), 0, 0, NULL);
    CU_ASSERT_EQUAL(vc_sim_draw(&m, 3000, r, c, NULL), VC_OK);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
    CU_ASSERT_NOT_EQUAL(memcmp(a, c, sizeof a), 0);
    gsl_rng_free(r);
}

/* Odds scaling moves every list's log-odds by the same amount. */
static void test_scale(void)
{
    vc_sim_model m;
    memset(&m, 0, sizeof m);
    m.J = 2;
    m.p[0] = 0.3;
    m.p[1] = 0.05;
    CU_ASSERT_EQUAL(vc_sim_model_scale(&m, 2.5, NULL), VC_OK);
    VC_ASSERT_REL(m.p[0] / (1 - m.p[0]), 2.5 * 0.3 / 0.7, 1e-12);
    VC_ASSERT_REL(m.p[1] / (1 - m.p[1]), 2.5 * 0.05 / 0.95, 1e-12);
    CU_ASSERT_EQUAL(vc_sim_model_scale(&m, 0.0, NULL), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_sim_model_scale(&m, NAN, NULL), VC_EINVAL);
}

static void test_errors(void)
{
    vc_sim_model good, m;
    memset(&good, 0, sizeof good);
    good.J = 2;
    good.p[0] = 0.3;
    good.p[1] = 0.4;
    vc_error err;
    uint64_t count[4];
    CU_ASSERT_EQUAL(vc_sim_model_check(&good, NULL), VC_OK);
    CU_ASSERT_EQUAL(vc_sim_model_check(NULL, NULL), VC_EINVAL);
    m = good;
    m.J = 0;
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, NULL), VC_EINVAL);
    m.J = VC_SIM_MAX_LISTS + 1;
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, NULL), VC_EINVAL);
    m = good;
    m.p[1] = 1.0;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_sim_draw(&m, 10, NULL, count, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "list 2"));
    m = good;
    m.K = 2;
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, NULL), VC_EINVAL); /* weights 0 */
    m.class_weight[0] = -1.0;
    m.class_weight[1] = 2.0;
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, NULL), VC_EINVAL);
    m = good;
    m.sigma = -0.1;
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, NULL), VC_EINVAL);
    m = good;
    m.nref = 1;
    m.ref[0].from = 1;
    m.ref[0].to = 1;
    m.ref[0].prob = 0.5;
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, NULL), VC_EINVAL);
    m.ref[0].to = 2;
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, NULL), VC_EINVAL);
    m.ref[0].to = 0;
    m.ref[0].prob = 1.5;
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, NULL), VC_EINVAL);
    /* more classes or referrals than the model holds */
    m = good;
    m.K = VC_SIM_MAX_CLASSES + 1;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, &err), VC_EINVAL);
    CU_ASSERT(strlen(err.msg) > 0);
    m = good;
    m.nref = VC_SIM_MAX_REFERRALS + 1;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_sim_model_check(&m, &err), VC_EINVAL);
    CU_ASSERT(strlen(err.msg) > 0);
}

int vc_register_sim_suite(void)
{
    CU_pSuite s = CU_add_suite("sim", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "independent lists: product law",
                    test_independent_law) == NULL
        || CU_add_test(s, "classes and referral by hand",
                       test_classes_and_referral) == NULL
        || CU_add_test(s, "propensity against adaptive quadrature",
                       test_propensity_law) == NULL
        || CU_add_test(s, "draws within 4.5 sd of the law",
                       test_draws_match_law) == NULL
        || CU_add_test(s, "deterministic per stream",
                       test_deterministic) == NULL
        || CU_add_test(s, "odds scaling", test_scale) == NULL
        || CU_add_test(s, "invalid models", test_errors) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
