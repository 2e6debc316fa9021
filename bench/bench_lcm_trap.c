/*
 * bench_lcm_trap.c: issue 21's evidence that the low-N draws of the
 * tempering, tempering-splitmerge and Gibbs runs on UK are a start-up
 * trap and not posterior mass the hybrid misses.  Runs one sampler and,
 * for each chain, prints
 *   - the share of its kept draws with N < 15,000 and N < 10,000;
 *   - its start-up block: the kept draws 0..L, L the last draw below
 *     N = 10,000 (none: no block), the number of separate runs of draws
 *     below 15,000 inside it and after it, and the share below 15,000
 *     after it (what the chain says once out of the trap);
 *   - the share below 15,000 in the second half of its draws;
 * then, pooled over the chains' second halves, P(N < 15,000) with its
 * Monte Carlo error (sqrt(p (1 - p) / ESS), ESS of the indicator over
 * the chains, vc_diag_ess_basic), the 2.5% point and the median with
 * theirs (vc_diag_mcse_quantile, Vehtari et al. 2021 sec. 4.4), and the
 * summary's R-hat, tail p-value and flags for the whole run.
 *
 * Usage: bench_lcm_trap [SAMPLER [CHAINS [SWEEPS [BURNIN [SEED [THIN]]]]]]
 *   SAMPLER a VC_LCM_SAMPLER_* number (0 gibbs, 1 tempering, 3
 *   tempering-splitmerge, 4 hybrid); the table is UKdat.csv (or
 *   $VC_REFDATA's).  Defaults: tempering, 4 chains, 50,000 sweeps, burn-in
 *   10,000, seed 21, thin 10.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_common.h"
#include "models/vc_models.h"

/* Separate runs of consecutive draws below cut among draws [from, to). */
static size_t runs_below(const uint64_t *N, size_t from, size_t to,
                         uint64_t cut)
{
    size_t runs = 0;
    int prev = 0;
    for (size_t d = from; d < to; d++) {
        int lo = N[d] < cut;
        runs += lo && !prev;
        prev = lo;
    }
    return runs;
}

static double share_below(const uint64_t *N, size_t from, size_t to,
                          uint64_t cut)
{
    size_t k = 0;
    for (size_t d = from; d < to; d++) {
        k += N[d] < cut;
    }
    return to > from ? (double)k / (double)(to - from) : 0.0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    vc_table *t = bench_table("UKdat.csv");
    if (t == NULL) {
        return 1;
    }
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.sampler = argc > 1 ? atoi(argv[1]) : VC_LCM_SAMPLER_TEMPERING;
    o.chains = argc > 2 ? strtoul(argv[2], NULL, 10) : 4;
    uint64_t sweeps = argc > 3 ? strtoull(argv[3], NULL, 10) : 50000;
    o.burnin = argc > 4 ? strtoull(argv[4], NULL, 10) : o.burnin;
    o.seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 21;
    o.thin = argc > 6 ? strtoull(argv[6], NULL, 10) : 10;
    vc_error err;
    vc_error_clear(&err);
    double t0 = bench_now();
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, &o, &err);
    if (c == NULL || vc_lcm_chains_round(c, sweeps, &err) != VC_OK) {
        fprintf(stderr, "bench_lcm_trap: %s\n", err.msg);
        return 1;
    }
    double wall = bench_now() - t0;
    printf("sampler %d, %zu chains x %llu sweeps, burn-in %llu, seed %llu, "
           "thin %llu: %.1f s\n", o.sampler, o.chains,
           (unsigned long long)sweeps, (unsigned long long)o.burnin,
           (unsigned long long)o.seed, (unsigned long long)o.thin, wall);
    size_t m = o.chains, n = vc_lcm_chains_trace(c, 0)->ndraws, h = n / 2;
    size_t nh = n - h;
    double *x = malloc(m * nh * sizeof *x), *ind = malloc(m * nh * sizeof *ind);
    if (x == NULL || ind == NULL) {
        return 1;
    }
    for (size_t i = 0; i < m; i++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(c, i);
        long last = -1;
        for (size_t d = 0; d < n; d++) {
            last = tr->N[d] < 10000 ? (long)d : last;
        }
        size_t end = (size_t)(last + 1);
        /* the configuration: mean alpha and occupied classes of the
         * draws below 15,000 and of the others */
        double a_lo = 0.0, a_hi = 0.0, k_lo = 0.0, k_hi = 0.0;
        size_t n_lo = 0;
        for (size_t d = 0; d < n; d++) {
            int lo = tr->N[d] < 15000;
            n_lo += lo;
            a_lo += lo ? tr->alpha[d] : 0.0;
            a_hi += lo ? 0.0 : tr->alpha[d];
            k_lo += lo ? tr->occupied[d] : 0.0;
            k_hi += lo ? 0.0 : tr->occupied[d];
        }
        printf("chain %zu: alpha %.2f, classes %.1f below 15k; alpha %.2f, "
               "classes %.1f above\n", i, n_lo ? a_lo / (double)n_lo : NAN,
               n_lo ? k_lo / (double)n_lo : NAN,
               a_hi / (double)(n - n_lo), k_hi / (double)(n - n_lo));
        printf("chain %zu: <15k %.4f <10k %.4f | block 0..%ld of %zu: "
               "runs <15k in it %zu, after it %zu, share <15k after "
               "%.4f | 2nd half <15k %.4f\n",
               i, share_below(tr->N, 0, n, 15000),
               share_below(tr->N, 0, n, 10000), last, n,
               runs_below(tr->N, 0, end, 15000),
               runs_below(tr->N, end, n, 15000),
               share_below(tr->N, end, n, 15000),
               share_below(tr->N, h, n, 15000));
        for (size_t d = 0; d < nh; d++) {
            x[i * nh + d] = (double)tr->N[h + d];
            ind[i * nh + d] = tr->N[h + d] < 15000;
        }
    }
    size_t k = 0;
    for (size_t d = 0; d < m * nh; d++) {
        k += ind[d] != 0.0;
    }
    double p = (double)k / (double)(m * nh);
    double ess = 0.0, q025 = 0.0, se025 = 0.0, med = 0.0, semed = 0.0;
    if (vc_diag_ess_basic(ind, m, nh, &ess, &err) != VC_OK) {
        ess = 0.0;
    }
    vc_diag_summary ds;
    if (vc_diag_summarise(x, m, nh, 0.95, &ds, &err) == VC_OK) {
        q025 = ds.lower;
        med = ds.median;
    }
    vc_diag_mcse_quantile(x, m, nh, 0.025, &se025, &err);
    vc_diag_mcse_quantile(x, m, nh, 0.5, &semed, &err);
    printf("second halves pooled: P(N<15k) %.5f (%.5f; ESS %.0f), 2.5%% "
           "%.0f (%.0f), median %.0f (%.0f), R-hat %.4f\n",
           p, ess > 0.0 ? sqrt(p * (1.0 - p) / ess) : NAN, ess, q025,
           se025, med, semed, ds.rhat);
    vc_lcm_summary s;
    if (vc_lcm_chains_summary(c, &s, &err) == VC_OK) {
        printf("whole run: 2.5%% %.0f, median %.0f, R-hat %.4f, bulk ESS "
               "%.0f, tail p %.3g, flags %#x\n",
               s.N.lower, s.N.median, s.N.rhat, s.N.ess_bulk, s.tail_p,
               s.flags);
        if (s.temperatures > 1) {
            printf("replica test: replica %zu (beta %.3g), cold range "
                   "%.0f-%.0f, weight below %.4f above %.4f, ESS %.0f, %zu "
                   "draws outside\n", s.replica, s.replica_beta, s.cold_lo,
                   s.cold_hi, s.replica_below, s.replica_above,
                   s.replica_ess, s.replica_outside);
        }
    }
    free(x);
    free(ind);
    vc_lcm_chains_free(c);
    vc_table_free(t);
    return 0;
}
