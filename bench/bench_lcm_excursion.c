/*
 * bench_lcm_excursion.c: issue 21's test of why plain tempering puts more
 * draws below N = 15,000 on UK than the hybrid and umbrella sampling.
 *
 * Phase 1 runs tempering chains on UKdat.csv step by step (the same step
 * as models/chains.c: the exchanges of tempering.c, then a sweep of every
 * replica) and follows the cold replica's excursions below CUT: for each,
 * the step it began and ended, whether an exchange with replica 1 took
 * place in the step that entered and the one that left (an accepted
 * exchange brings a new theta to the cold replica), its length, and the
 * configuration at entry (alpha, occupied classes, class sizes).  It also
 * prints the share of steps each replica's theta implies N = n / (1 -
 * pi0) < CUT for the full table.  The first DUMPS entry states are kept.
 *
 * Phase 2 starts single chains of the hybrid and of plain Gibbs from each
 * kept state (its theta, alpha and unseen classes; the observed
 * allocation is redrawn by the first sweep) and reports how many sweeps
 * each takes to reach N >= 20,000 and its share of sweeps below CUT in
 * its first ESCAPE sweeps.
 *
 * With MOVES 1 every replica also makes the hybrid's label swaps of
 * adjacent classes each sweep, with 2 those and the hybrid's flip of the
 * first and last classes with alpha every 10th sweep (schedule.c): the
 * test of whether what plain tempering lacks is a move between orderings
 * of the classes.  For each replica it also prints the share of steps in
 * which an empty class comes before an occupied one (a "gap": an
 * ordering the stick-breaking prior disfavours, which Gibbs sweeps leave
 * slowly) and its mean alpha.
 *
 * Pooled over the chains, from the cold replica's N every 10th step: P(N
 * < CUT) with its Monte Carlo error (sqrt(p (1 - p) / ESS), ESS of the
 * indicator, vc_diag_ess_basic), the 2.5% point and the median with
 * theirs (vc_diag_mcse_quantile) and R-hat, for the whole run and for the
 * chains' second halves (as bench_lcm_trap).
 *
 * "Big" classes hold at least 2% of N; the share of steps with 4 or
 * more of them is printed by replica, and phase 2 prints, by tenths of
 * its run, the share below CUT and the mean number of big classes.
 *
 * Usage: bench_lcm_excursion [CHAINS [STEPS [BURNIN [SEED [CUT [DUMPS
 *        [ESCAPE [MOVES [SAMPLERS [REPS]]]]]]]]]]; defaults 4, 100000,
 *        10000, 81, 15000, 6, 200000, 0, 2 (hybrid and Gibbs; 1: the
 *        hybrid only), 3 runs from each state.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_common.h"
#include "models/lcm_impl.h"
#include "models/mcmc_impl.h"
#include "models/vc_models.h"

enum { KMAX = 64, JMAX = 16 };

typedef struct {
    double alpha;
    double log_lambda[JMAX * KMAX], log_1m_lambda[JMAX * KMAX];
    double log_pi[KMAX];
    uint64_t n0_class[KMAX];
    uint64_t n0;
} saved_state;

static void save_state(const vc_lcm_workspace *w, saved_state *s)
{
    const vc_lcm_state *st = &w->state;
    s->alpha = st->alpha;
    memcpy(s->log_lambda, st->log_lambda, w->J * w->K * sizeof(double));
    memcpy(s->log_1m_lambda, st->log_1m_lambda,
           w->J * w->K * sizeof(double));
    memcpy(s->log_pi, st->log_pi, w->K * sizeof(double));
    memcpy(s->n0_class, st->n0_class, w->K * sizeof(uint64_t));
    s->n0 = st->n0;
}

static void load_state(vc_lcm_workspace *w, const saved_state *s)
{
    vc_lcm_state *st = &w->state;
    st->alpha = s->alpha;
    memcpy(st->log_lambda, s->log_lambda, w->J * w->K * sizeof(double));
    memcpy(st->log_1m_lambda, s->log_1m_lambda,
           w->J * w->K * sizeof(double));
    memcpy(st->log_pi, s->log_pi, w->K * sizeof(double));
    memcpy(st->n0_class, s->n0_class, w->K * sizeof(uint64_t));
    st->n0 = s->n0;
    st->N = w->n + s->n0;
}

/* Classes holding at least 2% of N (a count of the class configuration
 * that ignores the near-empty classes Gibbs keeps creating). */
static unsigned big_classes(const vc_lcm_workspace *w)
{
    unsigned big = 0;
    for (size_t k = 0; k < w->K; k++) {
        uint64_t nk = w->nobs_class[k] + w->state.n0_class[k];
        big += (double)nk >= 0.02 * (double)(w->n + w->state.n0);
    }
    return big;
}

/* The class sizes (observed + unseen) of w, largest first, and pi. */
static void print_config(const vc_lcm_workspace *w)
{
    const vc_lcm_state *s = &w->state;
    printf("    classes (n_k seen+unseen / pi_k / 1-q_k):");
    for (size_t k = 0; k < w->K; k++) {
        uint64_t nk = w->nobs_class[k] + s->n0_class[k];
        if (nk == 0) {
            continue;
        }
        double lq = 0.0;
        for (size_t j = 0; j < w->J; j++) {
            lq += s->log_1m_lambda[j * w->K + k];
        }
        printf(" [%zu: %llu+%llu / %.3f / %.3f]", k,
               (unsigned long long)w->nobs_class[k],
               (unsigned long long)s->n0_class[k], exp(s->log_pi[k]),
               -expm1(lq));
    }
    printf("\n");
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
    o.sampler = VC_LCM_SAMPLER_TEMPERING;
    o.chains = argc > 1 ? strtoul(argv[1], NULL, 10) : 4;
    uint64_t steps = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
    o.burnin = argc > 3 ? strtoull(argv[3], NULL, 10) : 10000;
    o.seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 81;
    uint64_t cut = argc > 5 ? strtoull(argv[5], NULL, 10) : 15000;
    size_t dumps = argc > 6 ? strtoul(argv[6], NULL, 10) : 6;
    uint64_t escape = argc > 7 ? strtoull(argv[7], NULL, 10) : 200000;
    int moves = argc > 8 ? atoi(argv[8]) : 0;
    size_t nsamplers = argc > 9 ? strtoul(argv[9], NULL, 10) : 2;
    uint32_t reps = argc > 10 ? (uint32_t)strtoul(argv[10], NULL, 10) : 3;
    o.thin = 1;
    o.threads = 1;
    vc_error err;
    vc_error_clear(&err);
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, &o, &err);
    if (c == NULL || vc_lcm_chains_round(c, 1, &err) != VC_OK) {
        fprintf(stderr, "bench_lcm_excursion: %s\n", err.msg);
        return 1;
    }
    const size_t R = c->R, m = c->nchains;
    if (moves > 0) {
        vci_lcm_schedule sc = c->sched;
        sc.label_swaps = 1;
        sc.flip_every = moves > 1 ? 10 : 0;
        for (size_t i = 0; i < m * R; i++) {
            if (vci_lcm_set_schedule(c->w[i], &sc, &err) != VC_OK) {
                fprintf(stderr, "bench_lcm_excursion: %s\n", err.msg);
                return 1;
            }
        }
    }
    printf("tempering%s, %zu chains x %llu steps after burn-in %llu, seed "
           "%llu, cut %llu; ladder",
           moves == 0   ? ""
           : moves == 1 ? " + label swaps"
                        : " + label swaps + flip",
           m, (unsigned long long)steps,
           (unsigned long long)o.burnin, (unsigned long long)o.seed,
           (unsigned long long)cut);
    for (size_t q = 0; q < R; q++) {
        printf(" %.3f", c->beta[q]);
    }
    printf("\n");
    saved_state *keep = calloc(dumps ? dumps : 1, sizeof *keep);
    size_t kept = 0;
    uint64_t *low_steps = calloc(R, sizeof *low_steps);
    uint64_t *gap_steps = calloc(R, sizeof *gap_steps);
    uint64_t *big4_steps = calloc(R, sizeof *big4_steps);
    uint64_t low_big4 = 0; /* cold steps below cut with 4+ big classes */
    double *alpha_sum = calloc(R, sizeof *alpha_sum);
    uint64_t low_gap = 0; /* cold steps below cut with a gap */
    if (keep == NULL || low_steps == NULL || gap_steps == NULL
        || alpha_sum == NULL || big4_steps == NULL) {
        return 1;
    }
    const size_t nd = (size_t)(steps / 10);
    double *xs = malloc((m * nd + 1) * sizeof *xs);
    if (xs == NULL) {
        return 1;
    }
    double t0 = bench_now();
    for (size_t i = 0; i < m; i++) {
        vc_lcm_workspace **w = c->w + i * R;
        int was_low = w[0]->state.N < cut, entry_swap = 0;
        uint64_t since = 0, cold_low = 0, entries = 0, ent_swap = 0,
                 exit_swap = 0, longest = 0, lengths = 0;
        for (uint64_t s = 0; s < steps; s++) {
            uint64_t done0 = c->swap_done[i * vci_lines(R)];
            if (vci_tempering_exchanges(c, i, c->steps + s, &err)
                != VC_OK) {
                fprintf(stderr, "bench_lcm_excursion: %s\n", err.msg);
                return 1;
            }
            int swapped = c->swap_done[i * vci_lines(R)] != done0;
            for (size_t q = 0; q < R; q++) {
                if (vci_lcm_sweep(w[q], c->r[i * R + q], &err) != VC_OK) {
                    fprintf(stderr, "bench_lcm_excursion: %s\n", err.msg);
                    return 1;
                }
            }
            int gap0 = 0;
            for (size_t q = 0; q < R; q++) {
                if (q > 0) {
                    low_steps[q] += (double)t->n / vci_lcm_prob_seen(w[q])
                                    < (double)cut;
                }
                int empty = 0, gap = 0;
                for (size_t k = 0; k < w[q]->K; k++) {
                    uint64_t nk = w[q]->nobs_class[k]
                                  + w[q]->state.n0_class[k];
                    gap |= empty && nk > 0;
                    empty |= nk == 0;
                }
                gap_steps[q] += gap;
                big4_steps[q] += big_classes(w[q]) >= 4;
                gap0 = q == 0 ? gap : gap0;
                alpha_sum[q] += w[q]->state.alpha;
            }
            int low = w[0]->state.N < cut;
            low_gap += low && gap0;
            low_big4 += low && big_classes(w[0]) >= 4;
            cold_low += low;
            if ((s + 1) % 10 == 0 && (s + 1) / 10 <= nd) {
                xs[i * nd + (s + 1) / 10 - 1] = (double)w[0]->state.N;
            }
            if (low && !was_low) {
                since = s;
                entry_swap = swapped;
                entries++;
                ent_swap += swapped;
                if (kept < dumps) {
                    save_state(w[0], &keep[kept]);
                    printf("  kept state %zu: chain %zu step %llu N %llu "
                           "alpha %.3f occupied %zu (entered %s)\n", kept,
                           i, (unsigned long long)s,
                           (unsigned long long)w[0]->state.N,
                           w[0]->state.alpha, w[0]->state.occupied,
                           swapped ? "with an exchange" : "by a sweep");
                    print_config(w[0]);
                    kept++;
                }
            }
            if (!low && was_low) {
                exit_swap += swapped;
                longest = s - since > longest ? s - since : longest;
                lengths += s - since;
                if (s - since >= 200) {
                    printf("  chain %zu: excursion steps %llu-%llu (%llu), "
                       "entered %s, left %s\n", i,
                       (unsigned long long)since, (unsigned long long)s,
                       (unsigned long long)(s - since),
                       entry_swap ? "with an exchange" : "by a sweep",
                       swapped ? "with an exchange" : "by a sweep");
                }
            }
            was_low = low;
        }
        low_steps[0] += cold_low;
        printf("chain %zu: share below %llu %.5f, %llu entries (%llu with "
               "an exchange), exits with an exchange %llu, mean length %.1f, "
               "longest %llu steps; swap rate pair 0 %.3f\n", i,
               (unsigned long long)cut, (double)cold_low / (double)steps,
               (unsigned long long)entries, (unsigned long long)ent_swap,
               (unsigned long long)exit_swap,
               entries ? (double)lengths / (double)entries : 0.0,
               (unsigned long long)longest,
               (double)c->swap_done[i * vci_lines(R)]
                   / (double)c->swap_tried[i * vci_lines(R)]);
        fflush(stdout);
    }
    for (int half = 0; half < 2 && nd >= 2; half++) {
        size_t from = half ? nd / 2 : 0, len = nd - from;
        double *x = malloc(m * len * sizeof *x);
        double *ind = malloc(m * len * sizeof *ind);
        if (x == NULL || ind == NULL) {
            return 1;
        }
        size_t k = 0;
        printf("%s: share below %llu by chain", half ? "second halves"
                                                     : "whole run",
               (unsigned long long)cut);
        for (size_t i = 0; i < m; i++) {
            size_t ki = 0;
            for (size_t d = 0; d < len; d++) {
                x[i * len + d] = xs[i * nd + from + d];
                ind[i * len + d] = x[i * len + d] < (double)cut;
                ki += ind[i * len + d] != 0.0;
            }
            printf(" %.5f", (double)ki / (double)len);
            k += ki;
        }
        double p = (double)k / (double)(m * len), ess = 0.0;
        double se025 = 0.0, semed = 0.0;
        vc_diag_summary ds;
        memset(&ds, 0, sizeof ds);
        if (vc_diag_ess_basic(ind, m, len, &ess, &err) != VC_OK) {
            ess = 0.0;
        }
        vc_diag_summarise(x, m, len, 0.95, &ds, &err);
        vc_diag_mcse_quantile(x, m, len, 0.025, &se025, &err);
        vc_diag_mcse_quantile(x, m, len, 0.5, &semed, &err);
        printf("; pooled %.5f (%.5f; ESS %.0f), 2.5%% %.0f (%.0f), median "
               "%.0f (%.0f), R-hat %.4f\n", p,
               ess > 0.0 ? sqrt(p * (1.0 - p) / ess) : NAN, ess, ds.lower,
               se025, ds.median, semed, ds.rhat);
        free(x);
        free(ind);
    }
    free(xs);
    printf("phase 1: %.1f s; share of steps whose theta implies N < %llu, "
           "by replica:", bench_now() - t0, (unsigned long long)cut);
    for (size_t q = 0; q < R; q++) {
        printf(" %.5f", (double)low_steps[q] / (double)(steps * m));
    }
    printf("\n  share of steps with a gap in the ordering, by replica:");
    for (size_t q = 0; q < R; q++) {
        printf(" %.4f", (double)gap_steps[q] / (double)(steps * m));
    }
    printf("\n  mean alpha, by replica:");
    for (size_t q = 0; q < R; q++) {
        printf(" %.3f", alpha_sum[q] / (double)(steps * m));
    }
    printf("\n  share of steps with 4 or more big classes, by replica:");
    for (size_t q = 0; q < R; q++) {
        printf(" %.4f", (double)big4_steps[q] / (double)(steps * m));
    }
    printf("\n  cold steps below cut with a gap: %llu, with 4+ big classes: "
           "%llu, of %llu\n", (unsigned long long)low_gap,
           (unsigned long long)low_big4, (unsigned long long)low_steps[0]);
    /* phase 2: the hybrid and plain Gibbs from each kept state */
    static const int samplers[] = {VC_LCM_SAMPLER_HYBRID,
                                   VC_LCM_SAMPLER_GIBBS};
    for (size_t d = 0; d < kept; d++) {
        for (size_t si = 0; si < nsamplers && si < 2; si++) {
            for (uint32_t rep = 0; rep < reps; rep++) {
                vc_lcm_opts oo;
                vc_lcm_opts_default(&oo);
                oo.sampler = samplers[si];
                vc_lcm_workspace *w = vc_lcm_alloc(t, &oo, &err);
                gsl_rng *r = vc_rng_stream_alloc(o.seed + 1000, 0,
                                                 (uint32_t)d, rep, &err);
                if (w == NULL || r == NULL
                    || vc_lcm_init(w, r, &err) != VC_OK) {
                    fprintf(stderr, "bench_lcm_excursion: %s\n", err.msg);
                    return 1;
                }
                load_state(w, &keep[d]);
                uint64_t first = 0, below = 0, tenth = escape / 10,
                         tb = 0, tbig = 0;
                printf("state %zu, %s run %u by tenths (share below cut, "
                       "big classes):", d,
                       samplers[si] == VC_LCM_SAMPLER_HYBRID ? "hybrid"
                                                             : "gibbs",
                       rep);
                for (uint64_t s = 1; s <= escape; s++) {
                    if (vc_lcm_iterate(w, r, &err) != VC_OK) {
                        fprintf(stderr, "bench_lcm_excursion: %s\n",
                                err.msg);
                        return 1;
                    }
                    uint64_t N = vc_lcm_state_get(w)->N;
                    below += N < cut;
                    tb += N < cut;
                    tbig += big_classes(w);
                    if (first == 0 && N >= 20000) {
                        first = s;
                    }
                    if (tenth > 0 && s % tenth == 0) {
                        printf(" %.4f/%.2f", (double)tb / (double)tenth,
                               (double)tbig / (double)tenth);
                        tb = tbig = 0;
                    }
                }
                printf("\nstate %zu, %s run %u: first N >= 20,000 after %llu "
                       "sweeps%s; share below %llu in %llu sweeps %.5f\n",
                       d, samplers[si] == VC_LCM_SAMPLER_HYBRID ? "hybrid"
                                                                : "gibbs",
                       rep, (unsigned long long)first,
                       first ? "" : " (never)", (unsigned long long)cut,
                       (unsigned long long)escape,
                       (double)below / (double)escape);
                fflush(stdout);
                gsl_rng_free(r);
                vc_lcm_free(w);
            }
        }
    }
    free(keep);
    free(low_steps);
    free(gap_steps);
    free(big4_steps);
    free(alpha_sum);
    vc_lcm_chains_free(c);
    vc_table_free(t);
    return 0;
}
