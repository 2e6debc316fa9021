/*
 * bench_lcm_uk.c: mixing of the latent-class samplers on the UK 6-list
 * table (data/reference/UKdat.csv), where plain Gibbs is
 * metastable (issue 4: modes near N = 19,300 and 23,000).  Runs 4 chains
 * from dispersed starts (OpenMP's default thread count) and prints R-hat,
 * bulk and tail ESS of N, the posterior summary, exchange rates and the
 * sampling wall time.
 *
 * Usage: bench_lcm_uk SAMPLER [SWEEPS [SEED [TEMPERATURES [BETA_MIN
 *                     [BURNIN]]]]]
 *   SAMPLER hybrid, gibbs, tempering, tempering-splitmerge or the
 *   retired splitmerge (run through models/impl.h); SWEEPS
 *   per chain after burn-in (default
 *   20000); defaults otherwise those of vc_lcm_opts_default, thin 10.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <omp.h>

#include "bench/bench_common.h"
#include "models/impl.h"
#include "models/vc_models.h"

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2) {
        fprintf(stderr, "usage: bench_lcm_uk hybrid|gibbs|tempering|"
                        "splitmerge|tempering-splitmerge [sweeps [seed "
                        "[temperatures [beta_min [burnin]]]]]\n");
        return 2;
    }
    vc_table *t = bench_table("UKdat.csv");
    if (t == NULL) {
        return 1;
    }
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    const char *name = argv[1];
    o.sampler = strcmp(name, "tempering-splitmerge") == 0
                    ? VC_LCM_SAMPLER_TEMPERING_SPLITMERGE
                : strcmp(name, "tempering") == 0  ? VC_LCM_SAMPLER_TEMPERING
                : strcmp(name, "splitmerge") == 0 ? VC_LCM_SAMPLER_SPLITMERGE
                : strcmp(name, "hybrid") == 0     ? VC_LCM_SAMPLER_HYBRID
                                                  : VC_LCM_SAMPLER_GIBBS;
    uint64_t sweeps = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000;
    o.seed = argc > 3 ? strtoull(argv[3], NULL, 10) : o.seed;
    o.temperatures = argc > 4 ? strtoul(argv[4], NULL, 10) : o.temperatures;
    o.beta_min = argc > 5 ? strtod(argv[5], NULL) : o.beta_min;
    o.burnin = argc > 6 ? strtoull(argv[6], NULL, 10) : o.burnin;
    vc_error err;
    vc_error_clear(&err);
    double t0 = omp_get_wtime();
    /* the retired splitmerge too, as the reference of its figures in
     * bench/RESULTS.md (models/impl.h) */
    vc_lcm_chains *c = vci_lcm_chains_alloc(t, &o, 1, &err);
    vc_lcm_summary s;
    if (c == NULL || vc_lcm_chains_round(c, sweeps, &err) != VC_OK
        || vc_lcm_chains_summary(c, &s, &err) != VC_OK) {
        fprintf(stderr, "bench_lcm_uk: %s\n", err.msg);
        return 1;
    }
    double dt = omp_get_wtime() - t0;
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    printf("UK %s R=%zu beta_min=%g seed %llu: %llu+%llu sweeps x 4 chains "
           "in %.1f s wall, %.1f s CPU (%d threads); R-hat %.4f, bulk ESS "
           "%.0f, tail ESS "
           "%.0f; median %.0f mean %.0f 95%% %.0f-%.0f",
           s.sampler, s.temperatures, s.beta_min,
           (unsigned long long)o.seed, (unsigned long long)o.burnin,
           (unsigned long long)sweeps, dt,
           (double)cpu.tv_sec + 1e-9 * (double)cpu.tv_nsec,
           omp_get_max_threads(), s.N.rhat,
           s.N.ess_bulk, s.N.ess_tail, s.N.median, s.N.mean, s.N.lower,
           s.N.upper);
    double rate[64];
    size_t pairs = vc_lcm_chains_swap_rates(c, rate, 64);
    if (pairs > 0) {
        printf("; exchange rates");
        for (size_t q = 0; q < pairs; q++) {
            printf(" %.2f", rate[q]);
        }
    }
    vc_lcm_splitmerge_counts smc;
    for (size_t q = 0; vc_lcm_chains_splitmerge_counts(c, q, &smc); q++) {
        printf("\n  replica %zu: splits %llu/%llu (%.4f), merges %llu/%llu "
               "(%.4f), no room %llu, label swaps %llu/%llu", q,
               (unsigned long long)smc.splits_accepted,
               (unsigned long long)smc.splits_proposed,
               smc.splits_proposed ? (double)smc.splits_accepted
                                         / (double)smc.splits_proposed
                                   : 0.0,
               (unsigned long long)smc.merges_accepted,
               (unsigned long long)smc.merges_proposed,
               smc.merges_proposed ? (double)smc.merges_accepted
                                         / (double)smc.merges_proposed
                                   : 0.0,
               (unsigned long long)smc.splits_no_empty_class,
               (unsigned long long)smc.label_swaps_accepted,
               (unsigned long long)smc.label_swaps_proposed);
    }
    double beta[64];
    size_t R = vc_lcm_chains_ladder(c, beta, 64);
    if (R > 1) {
        printf("\n  ladder");
        for (size_t q = 0; q < R; q++) {
            printf(" %.3f", beta[q]);
        }
    }
    printf("\n  chain medians (share of draws with N < 10,000; moves between "
           "N < 8,000 and N > 14,000):");
    for (size_t i = 0; i < 4; i++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(c, i);
        double *x = malloc(tr->ndraws * sizeof *x);
        for (size_t d = 0; d < tr->ndraws; d++) {
            x[d] = (double)tr->N[d];
        }
        size_t low = 0, moves = 0;
        int mode = -1;
        for (size_t d = 0; d < tr->ndraws; d++) {
            low += x[d] < 10000.0;
            int now = x[d] < 8000.0 ? 0 : x[d] > 14000.0 ? 1 : mode;
            moves += mode >= 0 && now != mode;
            mode = now;
        }
        printf(" %.0f (%.2f; %zu)", bench_median(x, tr->ndraws),
               (double)low / (double)tr->ndraws, moves);
        free(x);
    }
    printf("\n");
    vc_lcm_chains_free(c);
    vc_table_free(t);
    return 0;
}
