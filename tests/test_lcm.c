/*
 * test_lcm.c: the models suite's tests of one latent-class chain
 * (models/lcm.c): each full conditional against its closed form, the
 * bound on N, the invariants of a sweep, errors, and the refusals of the
 * API.
 */
#include <math.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_randist.h>

#include "models/lcm_impl.h"
#include "models/mcmc_impl.h"
#include "models/vc_models.h"
#include "tests/test_models.h"
#include "tests/test_util.h"

static vc_lcm_workspace *kosovo_workspace(vc_table **t)
{
    *t = kosovo_table();
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.K = 3;
    return vc_lcm_alloc(*t, &o, NULL);
}

/* Set a hand-chosen state on a J = 4, K = 3 workspace: high-entropy
 * values, so that a missing factor cannot hide. */
static void set_state(vc_lcm_workspace *w)
{
    static const double lambda[4 * 3] = {0.61, 0.085, 0.33,  0.47, 0.021,
                                         0.29, 0.52,  0.11,  0.07, 0.385,
                                         0.043, 0.19};
    static const double pi[3] = {0.537, 0.291, 0.172};
    vc_lcm_state *s = &w->state;
    for (size_t i = 0; i < 12; i++) {
        s->log_lambda[i] = log(lambda[i]);
        s->log_1m_lambda[i] = log1p(-lambda[i]);
    }
    for (size_t k = 0; k < 3; k++) {
        s->log_pi[k] = log(pi[k]);
    }
    s->alpha = 0.734;
}

/* (e): n0 ~ NegBin(n, 1 - pi0): mean n pi0 / (1 - pi0), variance
 * n pi0 / (1 - pi0)^2; class k's mean n pi_k q_k / (1 - pi0). */
void test_conditional_n0(void)
{
    vc_table *t;
    vc_lcm_workspace *w = kosovo_workspace(&t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    set_state(w);
    double pi0 = 0.0, pi0k[3];
    for (size_t k = 0; k < 3; k++) {
        double q = 1.0;
        for (size_t j = 0; j < 4; j++) {
            q *= exp(w->state.log_1m_lambda[j * 3 + k]);
        }
        pi0k[k] = exp(w->state.log_pi[k]) * q;
        pi0 += pi0k[k];
    }
    VC_ASSERT_REL(vci_lcm_prob_seen(w), 1.0 - pi0, 1e-12);
    double n = (double)t->n;
    double mean = n * pi0 / (1.0 - pi0);
    double var = n * pi0 / ((1.0 - pi0) * (1.0 - pi0));
    gsl_rng *r = vc_rng_stream_alloc(77, 3, 1, 0, NULL);
    const int draws = 40000;
    double sum = 0.0, ss = 0.0, sumk[3] = {0, 0, 0};
    for (int i = 0; i < draws; i++) {
        CU_ASSERT_EQUAL_FATAL(vci_lcm_sample_unobserved(w, r), VC_OK);
        uint64_t tot = 0;
        for (size_t k = 0; k < 3; k++) {
            sumk[k] += (double)w->state.n0_class[k];
            tot += w->state.n0_class[k];
        }
        CU_ASSERT_EQUAL(tot, w->state.n0);
        double d = (double)w->state.n0 - mean;
        sum += d;
        ss += d * d;
    }
    VC_ASSERT_REL(exp(w->state.log_pi0), pi0, 1e-12);
    ASSERT_WITHIN_SE(mean + sum / draws, mean, sqrt(var / draws), 5.0);
    ASSERT_WITHIN_SE(ss / draws / var, 1.0, 0.02, 5.0);
    for (size_t k = 0; k < 3; k++) {
        double mk = n * pi0k[k] / (1.0 - pi0);
        /* class k's count is negative binomial too: var <= mk + mk^2/n */
        ASSERT_WITHIN_SE(sumk[k] / draws, mk,
                         sqrt((mk + mk * mk / n) / draws), 5.0);
    }
    gsl_rng_free(r);
    vc_lcm_free(w);
    vc_table_free(t);
}

/* The bound n_max: draws never exceed it, and hitting it is counted. */
void test_bound(void)
{
    vc_table *t = kosovo_table();
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.K = 3;
    o.n_max = t->n + 700; /* below the unbounded mean ~1125 of set_state */
    vc_lcm_workspace *w = vc_lcm_alloc(t, &o, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    set_state(w);
    gsl_rng *r = vc_rng_stream_alloc(5, 0, 0, 0, NULL);
    for (int i = 0; i < 2000; i++) {
        CU_ASSERT_EQUAL_FATAL(vci_lcm_sample_unobserved(w, r), VC_OK);
        CU_ASSERT(w->state.n0 <= 700);
    }
    CU_ASSERT(w->state.bound_sweeps > 0);
    /* A bound the draws hit hard: the inversion fallback. */
    vc_lcm_free(w);
    o.n_max = t->n + 3;
    w = vc_lcm_alloc(t, &o, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    set_state(w);
    for (int i = 0; i < 50; i++) {
        CU_ASSERT_EQUAL_FATAL(vci_lcm_sample_unobserved(w, r), VC_OK);
        CU_ASSERT(w->state.n0 <= 3);
    }
    CU_ASSERT_EQUAL(w->state.bound_sweeps, 50);
    gsl_rng_free(r);
    vc_lcm_free(w);
    vc_table_free(t);
}

/* (b): lambda_jk ~ Beta(1 + s_jk, 1 + n_k - s_jk). */
void test_conditional_lambda(void)
{
    vc_table *t;
    vc_lcm_workspace *w = kosovo_workspace(&t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    static const uint64_t nobs[3] = {2417, 1893, 0};
    static const uint64_t n0[3] = {0, 812, 5};
    /* class 2 (n_k = 5) takes both Beta(1, b) paths of the sampler:
     * s_jk = n_k for list 1, s_jk = 0 for the others */
    static const uint64_t seen[12] = {1301, 93, 5, 977, 402, 0,
                                      1530, 11, 0, 239, 1488, 0};
    for (size_t k = 0; k < 3; k++) {
        w->nobs_class[k] = nobs[k];
        w->state.n0_class[k] = n0[k];
    }
    memcpy(w->seen, seen, sizeof seen);
    gsl_rng *r = vc_rng_stream_alloc(91, 0, 2, 0, NULL);
    const int draws = 20000;
    double sum[12] = {0};
    for (int i = 0; i < draws; i++) {
        CU_ASSERT_EQUAL_FATAL(vci_lcm_sample_lambda(w, r), VC_OK);
        for (size_t q = 0; q < 12; q++) {
            double l = exp(w->state.log_lambda[q]);
            sum[q] += l;
            if (i == 0) {
                VC_ASSERT_REL(l + exp(w->state.log_1m_lambda[q]), 1.0,
                              1e-12);
            }
        }
    }
    for (size_t j = 0; j < 4; j++) {
        for (size_t k = 0; k < 3; k++) {
            double a = 1.0 + (double)seen[j * 3 + k];
            double b = 1.0 + (double)(nobs[k] + n0[k] - seen[j * 3 + k]);
            double mean = a / (a + b);
            double var = a * b / ((a + b) * (a + b) * (a + b + 1.0));
            ASSERT_WITHIN_SE(sum[j * 3 + k] / draws, mean,
                             sqrt(var / draws), 5.0);
        }
    }
    gsl_rng_free(r);
    vc_lcm_free(w);
    vc_table_free(t);
}

/* (c) and (d): V_k ~ Beta(1 + n_k, alpha + sum_{l>k} n_l); alpha ~
 * Gamma(a + K - 1, b - sum log(1 - V_k)). */
void test_conditional_weights_alpha(void)
{
    vc_table *t;
    vc_lcm_workspace *w = kosovo_workspace(&t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    static const uint64_t nk[3] = {37, 0, 12};
    for (size_t k = 0; k < 3; k++) {
        w->nobs_class[k] = nk[k];
        w->state.n0_class[k] = 0;
    }
    w->state.alpha = 0.0213; /* small: the log-scale draws matter */
    gsl_rng *r = vc_rng_stream_alloc(13, 0, 4, 0, NULL);
    const int draws = 40000;
    double sum_v0 = 0.0, sum_v1 = 0.0;
    for (int i = 0; i < draws; i++) {
        CU_ASSERT_EQUAL_FATAL(vci_lcm_sample_weights(w, r), VC_OK);
        double p0 = exp(w->state.log_pi[0]), p1 = exp(w->state.log_pi[1]);
        double p2 = exp(w->state.log_pi[2]);
        if (i == 0) {
            VC_ASSERT_REL(p0 + p1 + p2, 1.0, 1e-12);
        }
        sum_v0 += p0;
        sum_v1 += p1 / (1.0 - p0);
    }
    double alpha = 0.0213;
    double a0 = 38.0, b0 = alpha + 12.0, a1 = 1.0, b1 = alpha + 12.0;
    ASSERT_WITHIN_SE(sum_v0 / draws, a0 / (a0 + b0),
                     sqrt(a0 * b0 / ((a0 + b0) * (a0 + b0) * (a0 + b0 + 1))
                          / draws),
                     5.0);
    ASSERT_WITHIN_SE(sum_v1 / draws, a1 / (a1 + b1),
                     sqrt(a1 * b1 / ((a1 + b1) * (a1 + b1) * (a1 + b1 + 1))
                          / draws),
                     5.0);
    /* alpha given sum log(1 - V) = -7.93 */
    w->sum_log_1m_V = -7.93;
    double shape = 0.25 + 2.0, rate = 0.25 + 7.93, sum = 0.0;
    for (int i = 0; i < draws; i++) {
        CU_ASSERT_EQUAL_FATAL(vci_lcm_sample_alpha(w, r), VC_OK);
        sum += w->state.alpha;
    }
    ASSERT_WITHIN_SE(sum / draws, shape / rate,
                     sqrt(shape / (rate * rate) / draws), 5.0);
    gsl_rng_free(r);
    vc_lcm_free(w);
    vc_table_free(t);
}

/* (a): class counts of pattern x are Multinomial(c_x, w_x). */
static void check_observed(vc_lcm_workspace *w, const vc_table *t,
                           int linear)
{
    /* expected class totals and list-by-class totals */
    double mean[3] = {0}, var[3] = {0}, seen_mean[12] = {0};
    for (size_t i = 0; i < t->npat; i++) {
        double wk[3], tot = 0.0;
        for (size_t k = 0; k < 3; k++) {
            wk[k] = exp(w->state.log_pi[k]);
            for (size_t j = 0; j < 4; j++) {
                wk[k] *= (t->pattern[i] >> j & 1u)
                             ? exp(w->state.log_lambda[j * 3 + k])
                             : exp(w->state.log_1m_lambda[j * 3 + k]);
            }
            tot += wk[k];
        }
        for (size_t k = 0; k < 3; k++) {
            double p = wk[k] / tot, c = (double)t->count[i];
            mean[k] += c * p;
            var[k] += c * p * (1.0 - p);
            for (size_t j = 0; j < 4; j++) {
                if (t->pattern[i] >> j & 1u) {
                    seen_mean[j * 3 + k] += c * p;
                }
            }
        }
    }
    gsl_rng *r = vc_rng_stream_alloc(2718, 0, 0, 0, NULL);
    const int draws = 5000;
    double sum[3] = {0}, seen_sum[12] = {0};
    for (int d = 0; d < draws; d++) {
        CU_ASSERT_EQUAL_FATAL(vci_lcm_sample_observed(w, r), VC_OK);
        CU_ASSERT_EQUAL_FATAL(w->linear, linear);
        uint64_t tot = 0;
        for (size_t k = 0; k < 3; k++) {
            sum[k] += (double)w->nobs_class[k];
            tot += w->nobs_class[k];
        }
        CU_ASSERT_EQUAL(tot, t->n);
        for (size_t q = 0; q < 12; q++) {
            seen_sum[q] += (double)w->seen[q];
        }
    }
    for (size_t k = 0; k < 3; k++) {
        ASSERT_WITHIN_SE(sum[k] / draws, mean[k], sqrt(var[k] / draws), 5.0);
    }
    for (size_t j = 0; j < 4; j++) {
        double list_total = 0.0;
        for (size_t k = 0; k < 3; k++) {
            list_total += seen_sum[j * 3 + k] / draws;
            /* a loose check: within 5% of the expected count (within
             * 0.05 of a person where fewer than one is expected) */
            if (seen_mean[j * 3 + k] >= 1.0) {
                VC_ASSERT_REL(seen_sum[j * 3 + k] / draws,
                              seen_mean[j * 3 + k], 0.05);
            } else {
                CU_ASSERT(fabs(seen_sum[j * 3 + k] / draws
                               - seen_mean[j * 3 + k]) < 0.05);
            }
        }
        /* every person seen by list j is in exactly one class */
        VC_ASSERT_REL(list_total, (double)vc_table_list_total(t, j), 1e-12);
    }
    gsl_rng_free(r);
}

/* The weights are computed on the linear scale when that is safe, else
 * on the log scale (lcm.c, vci_lcm_sample_observed): both are checked,
 * the second with lambdas of e^-70 and e^-45, which the linear scale
 * refuses (sum_j max_k |log-odds| > 100). */
void test_conditional_observed(void)
{
    vc_table *t;
    vc_lcm_workspace *w = kosovo_workspace(&t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    set_state(w);
    check_observed(w, t, 1);
    w->state.log_lambda[0 * 3 + 1] = -70.0;
    w->state.log_1m_lambda[0 * 3 + 1] = log1p(-exp(-70.0));
    w->state.log_lambda[1 * 3 + 2] = -45.0;
    w->state.log_1m_lambda[1 * 3 + 2] = log1p(-exp(-45.0));
    check_observed(w, t, 0);
    vc_lcm_free(w);
    vc_table_free(t);
}

/* Invariants of a whole sweep, on the default K. */
void test_sweep_invariants(void)
{
    vc_table *t = kosovo_table();
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    vc_lcm_workspace *w = vc_lcm_alloc(t, &o, NULL);
    gsl_rng *r = vc_rng_stream_alloc(1, 0, 0, 0, NULL);
    CU_ASSERT_EQUAL_FATAL(vc_lcm_init(w, r, NULL), VC_OK);
    for (int i = 0; i < 500; i++) {
        CU_ASSERT_EQUAL_FATAL(vc_lcm_iterate(w, r, NULL), VC_OK);
        const vc_lcm_state *s = vc_lcm_state_get(w);
        uint64_t nobs = 0, n0 = 0;
        for (size_t k = 0; k < s->K; k++) {
            nobs += w->nobs_class[k];
            n0 += s->n0_class[k];
        }
        CU_ASSERT_EQUAL(nobs, t->n);
        CU_ASSERT_EQUAL(n0, s->n0);
        CU_ASSERT_EQUAL(s->N, t->n + s->n0);
        CU_ASSERT(s->occupied >= 1 && s->occupied <= s->K);
        CU_ASSERT(s->alpha > 0.0 && isfinite(s->alpha));
        CU_ASSERT_EQUAL(s->sweeps, (uint64_t)i + 1);
    }
    /* one workspace runs the default sampler, the hybrid (issue 14):
     * three moves of the unseen a sweep, a flip every 10th */
    CU_ASSERT_EQUAL(w->unseen_tried, 3 * 500);
    CU_ASSERT_EQUAL(w->flip[0], 500 / 10);
    gsl_rng_free(r);
    vc_lcm_free(w);
    vc_table_free(t);
}

void test_errors(void)
{
    vc_table *t = kosovo_table();
    vc_lcm_opts o;
    vc_error err;
    vc_lcm_opts_default(&o);
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_lcm_alloc(NULL, &o, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
#define BAD_OPT(field, value)                                                \
    do {                                                                     \
        vc_lcm_opts_default(&o);                                             \
        o.field = value;                                                     \
        vc_error_clear(&err);                                                \
        CU_ASSERT_PTR_NULL(vc_lcm_alloc(t, &o, &err));                       \
        CU_ASSERT_EQUAL(err.code, VC_EINVAL);                                \
        CU_ASSERT_PTR_NULL(vc_lcm_chains_alloc(t, &o, NULL));                \
    } while (0)
    BAD_OPT(K, 0);
    BAD_OPT(alpha_shape, 0.0);
    BAD_OPT(alpha_rate, -1.0);
    BAD_OPT(alpha_rate, INFINITY);
    BAD_OPT(thin, 0);
    BAD_OPT(chains, 0);
    BAD_OPT(level, 1.5);
    BAD_OPT(threads, -2);
    BAD_OPT(rhat_max, 0.99);
    BAD_OPT(n_max, t->n);
    BAD_OPT(n_max, t->n + 5000000000ull);
#undef BAD_OPT
    /* counts beyond gsl_ran_binomial's unsigned int */
    static const uint32_t pat[] = {1, 2, 3};
    static const uint64_t big[] = {5000000000ull, 3, 4};
    static const char *const names[] = {"A", "B"};
    vc_table *tb = vc_table_from_counts(2, names, 3, pat, big, NULL);
    vc_lcm_opts_default(&o);
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_lcm_alloc(tb, &o, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_table_free(tb);
    /* nobody observed */
    vc_table *t0 = vc_table_from_counts(2, names, 0, pat, big, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t0);
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_lcm_alloc(t0, &o, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_table_free(t0);
    /* a summary before any draw */
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, &o, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    vc_lcm_summary s;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_chains_summary(c, &s, &err), VC_EINVAL);
    CU_ASSERT_PTR_NULL(vc_lcm_chains_trace(c, 4));
    CU_ASSERT_PTR_NULL(vc_lcm_chains_state(c, 4));
    vc_lcm_chains_free(c);
    vc_lcm_chains_free(NULL);
    vc_lcm_free(NULL);
    /* diagnostics */
    double x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, v;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_diag_rhat(x, 2, 3, &v, &err), VC_EINVAL);
    double c8[8] = {2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5};
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_diag_rhat(c8, 2, 4, &v, &err), VC_EUNDEFINED);
    CU_ASSERT_EQUAL(vc_diag_ess_bulk(c8, 2, 4, &v, NULL), VC_EUNDEFINED);
    CU_ASSERT_EQUAL(vc_diag_ess_tail(c8, 2, 4, &v, NULL), VC_EUNDEFINED);
    x[5] = NAN;
    CU_ASSERT_EQUAL(vc_diag_ess_bulk(x, 2, 4, &v, NULL), VC_EINVAL);
    x[5] = 6;
    CU_ASSERT_EQUAL(vc_diag_mcse_quantile(x, 2, 4, 1.0, &v, NULL),
                    VC_EINVAL);
    vc_diag_summary ds;
    vc_error lerr;
    vc_error_clear(&lerr);
    CU_ASSERT_EQUAL(vc_diag_summarise(x, 2, 4, 0.0, &ds, &lerr), VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(lerr.msg, "interval level must lie strictly "
                                     "between 0 and 1, got 0");
    CU_ASSERT_EQUAL(vc_diag_summarise(c8, 2, 4, 0.9, &ds, NULL), VC_OK);
    CU_ASSERT_EQUAL(ds.diag_defined, 0);
    CU_ASSERT_EQUAL(ds.median, 2.5);
    CU_ASSERT_PTR_NOT_NULL(vc_estimate_flag_text(VC_FLAG_BOUND));
    CU_ASSERT_PTR_NOT_NULL(vc_estimate_flag_text(VC_FLAG_NOT_CONVERGED));
    vc_table_free(t);
}

/* Refusals of the options check, the chains and the diagnostics that the
 * other tests do not reach, and R-hat so far (what the CLI's progress
 * line shows) equal to the summary's. */
void test_api_refusals(void)
{
    vc_table *t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_error err;
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_opts_check(NULL, t, &err), VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "no LCM options given");
    o.sampler = 99;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_opts_check(&o, t, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "sampler = 99: expected"));
    o.sampler = VC_LCM_SAMPLER_TEMPERING;
    o.temperatures = 1;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_opts_check(&o, t, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "tempering with 1 temperatures"));
    /* a retired sampler: refused, naming its replacement (issue 14) */
    vc_lcm_opts_default(&o);
    o.sampler = VC_LCM_SAMPLER_SPLITMERGE;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_opts_check(&o, t, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "splitmerge sampler is retired: "
                                           "the hybrid sampler (the "
                                           "default)"));
    CU_ASSERT_PTR_NULL(vc_lcm_chains_alloc(t, &o, NULL));
    CU_ASSERT_PTR_NULL(vc_lcm_alloc(t, &o, NULL));
    /* one workspace cannot temper */
    o.sampler = VC_LCM_SAMPLER_TEMPERING;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_lcm_alloc(t, &o, &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "vc_lcm_chains_alloc runs it"));
    vc_lcm_opts_default(&o);
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_lcm_chains_alloc(NULL, &o, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_chains_round(NULL, 10, &err), VC_EINVAL);

    /* vc_lcm_run passes the options' refusal on */
    o.K = 0;
    vc_lcm_summary bad;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_run(t, &o, &bad, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "classes K = 0"));
    /* more threads than chains: the diagnostics use one per chain */
    o.chains = 2;
    o.K = 3;
    o.burnin = 50;
    o.thin = 1;
    o.threads = 8;
    vc_error_clear(&err);
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    double rhat = 0.0;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_chains_rhat(c, &rhat, &err), VC_EUNDEFINED);
    CU_ASSERT_STRING_EQUAL(err.msg, "R-hat needs 4 draws a chain, 0 so far");
    /* more sweeps than any trace could keep */
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_lcm_chains_round(c, UINT64_MAX, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "keep too many draws"));
    CU_ASSERT_EQUAL(vc_lcm_chains_sweeps(c), 0);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(vc_lcm_chains_round(c, 200, &err), VC_OK);
    CU_ASSERT_EQUAL(vc_lcm_chains_rhat(c, &rhat, &err), VC_OK);
    vc_lcm_summary sum;
    CU_ASSERT_EQUAL_FATAL(vc_lcm_chains_summary(c, &sum, &err), VC_OK);
    CU_ASSERT(sum.N.diag_defined);
    CU_ASSERT_EQUAL(rhat, sum.N.rhat);
    vc_lcm_chains_free(c);
    vc_table_free(t);

    /* the summary of draws: some draws, all finite; the quantile at p = 1
     * is the largest draw */
    double x[4] = {1.0, 2.0, NAN, 4.0};
    vc_diag_summary ds;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_diag_summarise(x, 0, 4, 0.95, &ds, &err), VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "no draws to summarise");
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_diag_summarise(x, 2, 2, 0.95, &ds, &err), VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "draw 0 of chain 1 is not finite");
    /* a generator without 32-bit outputs (RANLUX, 24 bits): the uniform
     * is GSL's own uniform_pos of the same stream */
    gsl_rng *r1 = gsl_rng_alloc(gsl_rng_ranlxs0);
    gsl_rng *r2 = gsl_rng_alloc(gsl_rng_ranlxs0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r2);
    int same = 1;
    for (int i = 0; i < 100; i++) {
        double u = vci_ran_uniform(r1);
        same &= u == gsl_rng_uniform_pos(r2) && u > 0.0 && u < 1.0;
    }
    CU_ASSERT(same);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    const double sorted[3] = {1.0, 2.0, 3.0};
    CU_ASSERT_EQUAL(vc_diag_quantile_sorted(sorted, 3, 1.0), 3.0);
    CU_ASSERT_EQUAL(vc_diag_quantile_sorted(sorted, 3, 0.5), 2.0);
}
