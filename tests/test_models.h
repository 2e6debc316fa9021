/*
 * test_models.h: what the files of the models suite share: the
 * assertion in standard errors, the tables they build, and their tests,
 * which tests/test_models.c registers as one suite in one order.
 */
#ifndef VC_TEST_MODELS_H
#define VC_TEST_MODELS_H

#include <math.h>
#include <stdio.h>

#include <CUnit/CUnit.h>

#include "data/vc_data.h"

/* |got - want| <= z * se, printing both on failure. */
#define ASSERT_WITHIN_SE(got, want, se, z)                                   \
    do {                                                                     \
        double g_ = (got), w_ = (want), s_ = (se);                           \
        int ok_ = fabs(g_ - w_) <= (z) * s_;                                 \
        if (!ok_) {                                                          \
            fprintf(stderr, "\n  %s:%d: %s = %.10g, expected %.10g +- %g",   \
                    __FILE__, __LINE__, #got, g_, w_, (z) * s_);             \
        }                                                                    \
        CU_ASSERT(ok_);                                                      \
    } while (0)

/* Kosovo (Ball et al. 2002), as in data/reference/Kosovo.csv; NULL when
 * out of memory. */
vc_table *kosovo_table(void);

/* A reference table NAME (0/1 list columns, then a count column); NULL
 * on failure (printed). */
vc_table *read_reference(const char *name);

/* test_random.c */
void test_poisson64(void);
void test_log_gamma(void);
void test_log_beta1(void);
void test_binomial(void);
void test_gamma(void);
void test_normal(void);
void test_uniform32(void);
void test_poisson_fit(void);

/* test_lcm.c */
void test_conditional_n0(void);
void test_bound(void);
void test_conditional_lambda(void);
void test_conditional_weights_alpha(void);
void test_conditional_observed(void);
void test_sweep_invariants(void);
void test_errors(void);
void test_api_refusals(void);

/* test_chains.c */
void test_chains_deterministic(void);
void test_blocked_allocation(void);
void test_tail_agreement(void);
void test_replica_region(void);
void test_modes(void);

/* test_diag.c */
void test_diag_reference(void);
void test_diag_hand(void);
void test_diag_summary_shared(void);
void test_diag_sort_values(void);
void test_diag_mcse_discrete(void);

/* test_lcmcr.c */
void test_kosovo_lcmcr(void);
void test_kosovo_tempering(void);
void test_kosovo_splitmerge(void);
void test_kosovo_gibbs(void);
void test_korea_lcmcr(void);

/* test_samplers_exact.c */
void test_exact_tiny(void);
void test_tempering_exact_long(void);
void test_umbrella_exact(void);
void test_umbrella_alpha(void);
void test_umbrella_uk(void);
void test_uk_samplers_umbrella(void);

/* test_moves.c */
void test_splitmerge_vs_gibbs_k4(void);
void test_label_swaps_orderings(void);
void test_flip_orderings(void);

/* test_sbc.c */
void test_sbc(void);

#endif /* VC_TEST_MODELS_H */
