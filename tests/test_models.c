/*
 * test_models.c: the models suite: the latent-class sampler's full
 * conditionals against their closed forms (test_lcm.c), the variates
 * (test_random.c), the multi-chain driver's reproducibility and summary
 * tests (test_chains.c), the diagnostics against an independent
 * reference computation (test_diag.c), posterior agreement with LCMCR on
 * Kosovo and Korea (test_lcmcr.c), the samplers against an exact
 * posterior (test_samplers_exact.c), the moves on the classes
 * (test_moves.c) and simulation-based calibration (test_sbc.c).  This
 * file registers them as one suite, in one order, and holds the tables
 * they share (test_models.h).
 *
 * Statistical checks use fixed seeds, so they are deterministic; their
 * tolerances are a stated number of Monte Carlo standard errors, so a
 * correct sampler passes for (nearly) any seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include "models/vc_models.h"
#include "tests/test_models.h"
#include "tests/test_util.h"

/* Kosovo (Ball et al. 2002), as in data/reference/Kosovo.csv. */
vc_table *kosovo_table(void)
{
    static const char *const names[] = {"EXH", "ABA", "OSCE", "HRW"};
    static const uint32_t pattern[] = {1, 2, 4, 8, 3, 5, 9, 6,
                                       10, 12, 7, 11, 13, 14, 15};
    static const uint64_t count[] = {1131, 845, 936, 306, 177, 228, 106, 217,
                                     31,   123, 181, 18,  42,  32,  27};
    return vc_table_from_counts(4, names, 15, pattern, count, NULL);
}

/* Read a reference table: 0/1 list columns, then a count column. */
vc_table *read_reference(const char *name)
{
    FILE *f = fopen(vc_test_refpath(name), "r");
    if (f == NULL) {
        fprintf(stderr, "\n  cannot open %s", vc_test_refpath(name));
        return NULL;
    }
    char line[1024];
    size_t J = 0;
    if (fgets(line, sizeof line, f) != NULL) {
        for (char *p = line; *p; p++) {
            J += *p == ',';
        }
    }
    uint32_t pattern[1024];
    uint64_t count[1024];
    size_t npat = 0;
    while (npat < 1024 && fgets(line, sizeof line, f) != NULL) {
        char *p = line;
        uint32_t mask = 0;
        for (size_t j = 0; j < J; j++) {
            mask |= (uint32_t)(strtoul(p, &p, 10) != 0) << j;
            p++; /* the comma */
        }
        pattern[npat] = mask;
        count[npat] = strtoull(p, NULL, 10);
        npat++;
    }
    fclose(f);
    const char *names[VC_MAX_LISTS] = {"A", "B", "C", "D", "E", "F", "G",
                                       "H", "I", "J"};
    return vc_table_from_counts(J, names, npat, pattern, count, NULL);
}

int vc_register_models_suite(void)
{
    CU_pSuite s = CU_add_suite("models", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"Poisson draws beyond 2^32", test_poisson64},
        {"log-gamma draws, small shapes", test_log_gamma},
        {"Beta(1, b) draws by inversion", test_log_beta1},
        {"binomial draws (inversion, BTRD)", test_binomial},
        {"gamma draws (Marsaglia-Tsang)", test_gamma},
        {"normal draws (ziggurat)", test_normal},
        {"32-bit uniforms", test_uniform32},
        {"Poisson draws, goodness of fit", test_poisson_fit},
        {"conditional of n0 (negative binomial)", test_conditional_n0},
        {"bound on N is visible", test_bound},
        {"conditional of lambda (beta)", test_conditional_lambda},
        {"conditionals of V and alpha", test_conditional_weights_alpha},
        {"conditional of observed classes", test_conditional_observed},
        {"sweep invariants", test_sweep_invariants},
        {"errors", test_errors},
        {"refusals of the API", test_api_refusals},
        {"chains: thread count and rounds", test_chains_deterministic},
        {"blocked allocation: threads, nesting", test_blocked_allocation},
        {"diagnostics vs direct reference", test_diag_reference},
        {"diagnostics by hand", test_diag_hand},
        {"summary: shared sorts, any thread count", test_diag_summary_shared},
        {"summary: sorting negatives, zeros, ties", test_diag_sort_values},
        {"quantile MCSE of discrete draws", test_diag_mcse_discrete},
        {"Kosovo vs LCMCR", test_kosovo_lcmcr},
        {"Kosovo, tempering vs LCMCR", test_kosovo_tempering},
        {"Kosovo, splitmerge vs LCMCR", test_kosovo_splitmerge},
        {"Kosovo, gibbs vs LCMCR", test_kosovo_gibbs},
        {"Korea vs LCMCR", test_korea_lcmcr},
        {"exact posterior, K = 2, J = 3", test_exact_tiny},
        {"tempering vs exact posterior, long (slow)",
         test_tempering_exact_long},
        {"split-merge vs Gibbs, K = 4", test_splitmerge_vs_gibbs_k4},
        {"label swaps: orderings of the classes", test_label_swaps_orderings},
        {"umbrella sampling vs exact posterior", test_umbrella_exact},
        {"umbrella sampling: a strong bias on alpha", test_umbrella_alpha},
        {"UK: umbrella sampling on N (issue 21)", test_umbrella_uk},
        {"UK: samplers against the umbrella figures (issue 21)",
         test_uk_samplers_umbrella},
        {"chains' agreement on the tails", test_tail_agreement},
        {"tempering: a region a replica sees", test_replica_region},
        {"separate modes of N", test_modes},
        {"flip: orderings of K = 3 classes with alpha", test_flip_orderings},
        {"simulation-based calibration (slow)", test_sbc},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL) {
            return CU_get_error();
        }
    }
    return CUE_SUCCESS;
}
