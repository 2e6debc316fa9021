/*
 * chains.c: several chains of the latent-class sampler, in parallel with
 * OpenMP, in rounds.
 *
 * Reproducibility (style guide, section 5): chain c draws only from the
 * Philox stream (seed, stratum, c, 0), selected by the chain index and
 * never by the thread number; it reads the shared table and writes only
 * its own workspace, generator and trace.  There are no reductions and no
 * critical sections; anything combined across chains (the summary) is
 * combined after the parallel region, in chain order.  The draws are
 * therefore bit-identical whatever the number of threads, and whatever
 * the split of a run into rounds, since a chain is one sequential stream.
 *
 * What a step of a chain does is its sampler's schedule (schedule.c):
 * tempering's exchanges between replicas (tempering.c), then a sweep of
 * each replica (lcm.c, vci_lcm_sweep).
 *
 * Large tables (models/lcm_impl.h, VCI_BLOCK_MIN_PATTERNS distinct patterns
 * or more): the allocation step of each replica is split into fixed
 * blocks of patterns, each with its own stream (seed, stratum, c,
 * VCI_BLOCK_STREAM(r, b)), run by a nested OpenMP loop.  The blocks and
 * their streams depend on the table alone, so the draws are the same
 * whatever the number of threads at either level.
 *
 * Trace storage grows before each parallel region, to the exact number
 * of draws the round will keep, so no thread allocates.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <omp.h>

#include "models/lcm_impl.h"
#include "models/mcmc_impl.h"
#include "models/ppc_impl.h"

/* The tail test of the summary (vci_tail_test) handles at most this many
 * chains (stack scratch); with more it reports agreement (p = 1). */
#define VCI_TAIL_CHAINS_MAX 256

void vc_lcm_chains_free(vc_lcm_chains *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->nchains * c->R; i++) {
        if (c->w != NULL) {
            vc_lcm_free(c->w[i]);
        }
        if (c->r != NULL && c->r[i] != NULL) {
            gsl_rng_free(c->r[i]);
        }
    }
    for (size_t i = 0; i < c->nchains; i++) {
        if (c->rs != NULL && c->rs[i] != NULL) {
            gsl_rng_free(c->rs[i]);
        }
        if (c->trace != NULL) {
            free(c->trace[i].N);
            free(c->trace[i].alpha);
            free(c->trace[i].occupied);
        }
    }
    for (size_t i = 0; i < c->nchains * c->R; i++) {
        if (c->rep_E != NULL) {
            free(c->rep_E[i]);
        }
        if (c->rep_lw != NULL) {
            free(c->rep_lw[i]);
        }
    }
    for (size_t i = 0; i < c->nchains; i++) {
        if (c->ppc != NULL) {
            vci_ppc_acc_free(&c->ppc[i]);
        }
        if (c->ppc_r != NULL && c->ppc_r[i] != NULL) {
            gsl_rng_free(c->ppc_r[i]);
        }
    }
    free(c->ppc);
    free(c->ppc_r);
    free(c->rep_E);
    free(c->rep_lw);
    free(c->w);
    free(c->r);
    free(c->rs);
    free(c->beta);
    free(c->counts);
    free(c->log_p);
    free(c->swap_tried);
    free(c->swap_done);
    free(c->trace);
    free(c->status);
    free(c->errs);
    free(c);
}

/* Each chain's posterior predictive check (ppc.c): its sums and its
 * stream, apart from every stream of the sampler, so the check never
 * changes a draw. */
static int ppc_alloc(vc_lcm_chains *c, const vc_table *t, vc_error *err)
{
    c->ppc = calloc(c->nchains, sizeof *c->ppc);
    c->ppc_r = calloc(c->nchains, sizeof *c->ppc_r);
    if (c->ppc == NULL || c->ppc_r == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate LCM chains");
    }
    for (size_t i = 0; i < c->nchains; i++) {
        int status = vci_ppc_acc_init(&c->ppc[i], t, err);
        if (status != VC_OK) {
            return status;
        }
        c->ppc_r[i] = vc_rng_stream_alloc(c->o.seed, c->o.stratum,
                                          (uint32_t)i, VC_PPC_STREAM, err);
        if (c->ppc_r[i] == NULL) {
            return VC_ENOMEM;
        }
    }
    return VC_OK;
}

vc_lcm_chains *vc_lcm_chains_alloc(const vc_table *t, const vc_lcm_opts *o,
                                   vc_error *err)
{
    return vci_lcm_chains_alloc(t, o, 0, err);
}

vc_lcm_chains *vci_lcm_chains_alloc(const vc_table *t, const vc_lcm_opts *o,
                                    int retired_ok, vc_error *err)
{
    if (t == NULL) {
        vc_error_set(err, VC_EINVAL, "no table given");
        return NULL;
    }
    if (vci_lcm_opts_check(o, t, retired_ok, err) != VC_OK) {
        return NULL;
    }
    vc_lcm_chains *c = calloc(1, sizeof *c);
    if (c == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate LCM chains");
        return NULL;
    }
    c->t = t;
    c->o = *o;
    c->nchains = o->chains;
    vci_lcm_schedule_of(o, retired_ok, &c->sched, NULL); /* checked */
    c->R = c->sched.replicas;
    size_t nw = c->nchains * c->R;
    c->w = calloc(nw, sizeof *c->w);
    c->r = calloc(nw, sizeof *c->r);
    c->rs = calloc(c->nchains, sizeof *c->rs);
    c->beta = calloc(c->R, sizeof *c->beta);
    c->counts = calloc(c->R * t->npat, sizeof *c->counts);
    /* per-chain parts that the chains' threads write: on lines of their
     * own (models/mcmc_impl.h, vci_lines) */
    c->log_p = vci_calloc_lines(c->nchains * vci_lines(2 * t->npat),
                                sizeof *c->log_p);
    c->swap_tried = vci_calloc_lines(c->nchains * vci_lines(c->R),
                                     sizeof *c->swap_tried);
    c->swap_done = vci_calloc_lines(c->nchains * vci_lines(c->R),
                                    sizeof *c->swap_done);
    c->trace = calloc(c->nchains, sizeof *c->trace);
    c->status = calloc(c->nchains, sizeof *c->status);
    c->errs = calloc(c->nchains, sizeof *c->errs);
    if (c->R > 1) {
        c->rep_E = calloc(nw, sizeof *c->rep_E);
        c->rep_lw = calloc(nw, sizeof *c->rep_lw);
    }
    if ((c->R > 1 && (c->rep_E == NULL || c->rep_lw == NULL))
        || c->w == NULL || c->r == NULL || c->trace == NULL
        || c->status == NULL || c->errs == NULL || c->rs == NULL
        || c->beta == NULL || c->counts == NULL || c->log_p == NULL
        || c->swap_tried == NULL
        || c->swap_done == NULL) {
        vc_lcm_chains_free(c);
        vc_error_set(err, VC_ENOMEM, "cannot allocate LCM chains");
        return NULL;
    }
    vci_tempering_ladder(c);
    for (size_t i = 0; i < nw; i++) {
        size_t chain = i / c->R, q = i % c->R;
        c->w[i] = vci_lcm_alloc(t, o, &c->sched, err);
        if (c->w[i] == NULL) {
            vc_lcm_chains_free(c);
            return NULL;
        }
        vci_tempering_use_table(c, c->w[i], q);
        if (t->npat >= VCI_BLOCK_MIN_PATTERNS
            && vci_lcm_use_blocks(c->w[i], VCI_BLOCK_PATTERNS, o->seed,
                                  o->stratum, (uint32_t)chain, (uint32_t)q,
                                  o->threads, err) != VC_OK) {
            vc_lcm_chains_free(c);
            return NULL;
        }
        c->r[i] = vc_rng_stream_alloc(o->seed, o->stratum, (uint32_t)chain,
                                      (uint32_t)q, err);
        if (c->r[i] == NULL) {
            vc_lcm_chains_free(c);
            return NULL;
        }
        /* Initialisation is cheap; done serially, in chain order.  Every
         * replica starts from its own dispersed point. */
        if (vc_lcm_init(c->w[i], c->r[i], err) != VC_OK) {
            vc_lcm_chains_free(c);
            return NULL;
        }
    }
    if (t->J <= VC_PPC_MAX_LISTS
        && ppc_alloc(c, t, err) != VC_OK) {
        vc_lcm_chains_free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->nchains; i++) {
        c->rs[i] = vc_rng_stream_alloc(o->seed, o->stratum, (uint32_t)i,
                                       VCI_SWAP_BLOCK, err);
        if (c->rs[i] == NULL) {
            vc_lcm_chains_free(c);
            return NULL;
        }
    }
    return c;
}

/* Make room for `need` draws in every trace.  All or nothing: on failure
 * the traces keep their contents (realloc leaves the old block). */
static int traces_reserve(vc_lcm_chains *c, size_t need, vc_error *err)
{
    if (need <= c->cap) {
        return VC_OK;
    }
    size_t cap = c->cap ? c->cap : 1024;
    while (cap < need) {
        cap *= 2;
    }
    for (size_t i = 0; i < c->nchains; i++) {
        vc_lcm_trace *tr = &c->trace[i];
        uint64_t *N = realloc(tr->N, cap * sizeof *N);
        if (N != NULL) {
            tr->N = N;
        }
        double *alpha = realloc(tr->alpha, cap * sizeof *alpha);
        if (alpha != NULL) {
            tr->alpha = alpha;
        }
        uint32_t *occ = realloc(tr->occupied, cap * sizeof *occ);
        if (occ != NULL) {
            tr->occupied = occ;
        }
        int rep_ok = 1;
        for (size_t q = 0; c->rep_E != NULL && q < c->R; q++) {
            double *e = realloc(c->rep_E[i * c->R + q], cap * sizeof *e);
            if (e != NULL) {
                c->rep_E[i * c->R + q] = e;
            }
            double *l = realloc(c->rep_lw[i * c->R + q], cap * sizeof *l);
            if (l != NULL) {
                c->rep_lw[i * c->R + q] = l;
            }
            rep_ok = rep_ok && e != NULL && l != NULL;
        }
        if (N == NULL || alpha == NULL || occ == NULL || !rep_ok) {
            /* Blocks that did grow are merely larger than c->cap says. */
            return vc_error_set(err, VC_ENOMEM,
                                "cannot store %zu draws per chain", need);
        }
    }
    c->cap = cap;
    return VC_OK;
}

/* One step of chain i: its schedule (schedule.c), tempering's exchanges
 * of the even or odd pairs, then a sweep of every replica.  Touches only
 * chain i's objects. */
static int chain_step_at(vc_lcm_chains *c, size_t i, uint64_t step,
                         vc_error *err)
{
    const size_t R = c->R;
    if (R > 1) {
        int status = vci_tempering_exchanges(c, i, step, err);
        if (status != VC_OK) {
            return status;
        }
    }
    for (size_t q = 0; q < R; q++) {
        int status = vci_lcm_sweep(c->w[i * R + q], c->r[i * R + q], err);
        if (status != VC_OK) {
            return status;
        }
    }
    return VC_OK;
}

/* Run chain i: `burn` burn-in steps, then `sweeps` sweeps, recording
 * every thin-th.  Touches only chain i's objects.  The even/odd clock of
 * the exchanges is the chain's step count, the same for every chain. */
static void run_chain(vc_lcm_chains *c, size_t i, uint64_t burn,
                      uint64_t sweeps, uint64_t steps0)
{
    vc_error *err = &c->errs[i];
    vc_lcm_trace *tr = &c->trace[i];
    const vc_lcm_state *s = vc_lcm_state_get(c->w[i * c->R]);
    c->status[i] = VC_OK;
    uint64_t steps = steps0;
    for (uint64_t b = 0; b < burn; b++) {
        int status = chain_step_at(c, i, steps++, err);
        if (status != VC_OK) {
            c->status[i] = status;
            return;
        }
    }
    /* the count of draws is kept here and stored once at the end: the
     * chains' traces are neighbours in memory, and a count written at
     * every sweep would share a cache line with the next chain's */
    size_t nd = tr->ndraws;
    for (uint64_t k = 1; k <= sweeps; k++) {
        int status = chain_step_at(c, i, steps++, err);
        if (status != VC_OK) {
            tr->ndraws = nd;
            c->status[i] = status;
            return;
        }
        /* the state pointer moves with a swap: read replica 0 afresh */
        s = vc_lcm_state_get(c->w[i * c->R]);
        if ((c->sweeps + k) % c->o.thin == 0) {
            tr->N[nd] = s->N;
            tr->alpha[nd] = s->alpha;
            tr->occupied[nd] = (uint32_t)s->occupied;
            if (c->rep_E != NULL) {
                vci_tempering_record(c, i, nd);
            }
            if (c->ppc != NULL) {
                vci_ppc_lcm_cells(s, c->ppc[i].p);
                vci_ppc_acc_draw(&c->ppc[i], (double)s->N, c->ppc_r[i]);
            }
            nd++;
        }
    }
    tr->ndraws = nd;
}

/* Every chain runs `burn` burn-in steps then `sweeps` sweeps, in
 * parallel; one chain per iteration, so the schedule decides only which
 * thread runs a chain, never what the chain draws.  Called from inside a
 * running team (`victimcount batch` runs its units as tasks of one team),
 * the chains are tasks of that team: a thread with no unit of its own
 * runs another unit's chains rather than wait, and the taskloop ends when
 * every chain has.  Returns the first failing chain's status. */
int vci_chains_run(vc_lcm_chains *c, uint64_t burn, uint64_t sweeps,
                   vc_error *err)
{
    for (size_t i = 0; i < c->nchains; i++) {
        vc_error_clear(&c->errs[i]);
    }
    int nthreads = c->o.threads > 0 ? c->o.threads : omp_get_max_threads();
    if ((size_t)nthreads > c->nchains) {
        nthreads = (int)c->nchains;
    }
    if (omp_get_active_level() > 0) {
        uint64_t steps = c->steps;
#pragma omp taskloop grainsize(1) shared(c) firstprivate(burn, sweeps, steps)
        for (size_t i = 0; i < c->nchains; i++) {
            run_chain(c, i, burn, sweeps, steps);
        }
    } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
        for (size_t i = 0; i < c->nchains; i++) {
            run_chain(c, i, burn, sweeps, c->steps);
        }
    }
    c->steps += burn + sweeps;
    for (size_t i = 0; i < c->nchains; i++) {
        if (c->status[i] != VC_OK) {
            c->failed = 1;
            return vc_error_set(err, c->status[i], "chain %zu: %s", i,
                                c->errs[i].msg);
        }
    }
    return VC_OK;
}

/*
 * The burn-in.  Under tempering with o.adapt_ladder, the ladder is
 * adapted VCI_LADDER_ROUNDS times, after 1/2^VCI_LADDER_ROUNDS, ..., 1/4
 * and 1/2 of it (each time from the rates of the stretch since the
 * previous adaptation: rounds of doubling length, as Syed et al. 2022,
 * Algorithm 4, so the later, longer rounds refine with less noise;
 * tempering.c), then frozen: the second half of the burn-in and every
 * kept sweep run on a fixed ladder, so the kept draws come from a
 * time-homogeneous Markov chain that leaves the posterior invariant; the
 * adaptation only chose its temperatures.  The exchange counters restart
 * after the burn-in, so the reported rates are those of the frozen
 * ladder.
 */
static int burn_in(vc_lcm_chains *c, vc_error *err)
{
    uint64_t done = 0;
    int status = vci_tempering_burn_in(c, &done, err);
    if (status == VC_OK) {
        status = vci_chains_run(c, c->o.burnin - done, 0, err);
    }
    if (status != VC_OK) {
        return status;
    }
    vci_tempering_counts_clear(c);
    return VC_OK;
}

int vc_lcm_chains_round(vc_lcm_chains *c, uint64_t sweeps, vc_error *err)
{
    if (c == NULL) {
        return vc_error_set(err, VC_EINVAL, "no chains given");
    }
    if (c->failed) {
        return vc_error_set(err, VC_EINVAL,
                            "a chain failed in an earlier round; free the "
                            "chains");
    }
    uint64_t thin = c->o.thin;
    uint64_t keep = (c->sweeps + sweeps) / thin - c->sweeps / thin;
    size_t have = c->trace[0].ndraws;
    if (keep > SIZE_MAX / 16 - have) {
        return vc_error_set(err, VC_EINVAL,
                            "%llu sweeps at thinning %llu keep too many "
                            "draws to store",
                            (unsigned long long)sweeps,
                            (unsigned long long)thin);
    }
    int status = traces_reserve(c, have + (size_t)keep, err);
    if (status != VC_OK) {
        return status;
    }
    if (!c->burned) {
        status = burn_in(c, err);
        if (status != VC_OK) {
            return status;
        }
        c->burned = 1;
    }
    status = vci_chains_run(c, 0, sweeps, err);
    if (status != VC_OK) {
        return status;
    }
    c->sweeps += sweeps;
    return VC_OK;
}

size_t vc_lcm_chains_count(const vc_lcm_chains *c)
{
    return c->nchains;
}

uint64_t vc_lcm_chains_sweeps(const vc_lcm_chains *c)
{
    return c->sweeps;
}

const vc_lcm_trace *vc_lcm_chains_trace(const vc_lcm_chains *c, size_t chain)
{
    return chain < c->nchains ? &c->trace[chain] : NULL;
}

const vc_lcm_state *vc_lcm_chains_state(const vc_lcm_chains *c, size_t chain)
{
    return chain < c->nchains ? vc_lcm_state_get(c->w[chain * c->R]) : NULL;
}

int vc_lcm_chains_splitmerge_counts(const vc_lcm_chains *c, size_t replica,
                                    vc_lcm_splitmerge_counts *out)
{
    memset(out, 0, sizeof *out);
    if (replica >= c->R || c->w[replica]->sm == NULL) {
        return 0;
    }
    for (size_t i = 0; i < c->nchains; i++) {
        uint64_t one[7];
        vci_sm_counts(c->w[i * c->R + replica]->sm, one);
        out->splits_proposed += one[0];
        out->splits_accepted += one[1];
        out->merges_proposed += one[2];
        out->merges_accepted += one[3];
        out->splits_no_empty_class += one[4];
        out->label_swaps_proposed += one[5];
        out->label_swaps_accepted += one[6];
    }
    return 1;
}

int vc_lcm_chains_hybrid_counts(const vc_lcm_chains *c,
                                vc_lcm_hybrid_counts *out)
{
    memset(out, 0, sizeof *out);
    if (c->sched.unseen_moves == 0 && c->sched.flip_every == 0) {
        return 0;
    }
    for (size_t i = 0; i < c->nchains; i++) {
        const vc_lcm_workspace *w = c->w[i * c->R];
        out->unseen_moves_proposed += w->unseen_tried;
        out->unseen_moves_accepted += w->unseen_done;
        out->flips_proposed += w->flip[0];
        out->flips_accepted += w->flip[1];
    }
    return 1;
}

/* The kept draws of quantity q (0: N, 1: alpha, 2: occupied classes)
 * into x, chain-major: m chains of n draws. */
static void gather(const vc_lcm_chains *c, int q, size_t n, double *x)
{
    for (size_t i = 0; i < c->nchains; i++) {
        const vc_lcm_trace *tr = &c->trace[i];
        for (size_t d = 0; d < n; d++) {
            x[i * n + d] = q == 0   ? (double)tr->N[d]
                           : q == 1 ? tr->alpha[d]
                                    : (double)tr->occupied[d];
        }
    }
}

int vc_lcm_chains_rhat(const vc_lcm_chains *c, double *rhat, vc_error *err)
{
    size_t m = c->nchains, n = c->trace[0].ndraws;
    if (n < 4) {
        return vc_error_set(err, VC_EUNDEFINED, "R-hat needs 4 draws a "
                            "chain, %zu so far", n);
    }
    double *x = malloc(m * n * sizeof *x);
    if (x == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot copy %zu draws", m * n);
    }
    gather(c, 0, n, x);
    int status = vc_diag_rhat(x, m, n, rhat, err);
    free(x);
    return status;
}

/*
 * Do the chains agree on the share of their draws beyond `cut` (below it
 * when below, else above)?  The share s_i of each chain, into *lo and *hi
 * (min and max), and the p-value of X^2 = sum_i e_i (s_i - s)^2 / (s (1 -
 * s)), s the mean of the s_i, against chi-square with m - 1 degrees of
 * freedom: the test of equal binomial proportions with chain i's draws
 * counted as e_i effective ones, e_i the ESS of the indicator within
 * chain i alone (its own autocorrelation; the ESS over the chains would
 * shrink with the very disagreement tested).  A chain whose indicator is
 * constant in a half (no ESS) counts as the median of the others; none
 * with an ESS: 1.  Why (issue 21): on UK a tempering run had R-hat 1.02
 * while its chains put 6.7%, 0.8%, 1.4% and 0.2% of their draws below N
 * = 15,000; a region that one chain visits and the others do not moves
 * the interval's lower end, and this test names it.  1 when the pooled
 * share is 0 or 1.  ind: scratch of n doubles.
 */
double vci_tail_test(const double *x, size_t m, size_t n, double cut,
                     int below, double *ind, double *lo, double *hi,
                     int *status)
{
    double pooled = 0.0;
    double share[VCI_TAIL_CHAINS_MAX], ess[VCI_TAIL_CHAINS_MAX];
    *lo = HUGE_VAL;
    *hi = -HUGE_VAL;
    size_t defined = 0;
    for (size_t i = 0; i < m; i++) {
        size_t k = 0;
        for (size_t d = 0; d < n; d++) {
            double v = x[i * n + d];
            ind[d] = below ? v < cut : v > cut;
            k += ind[d] != 0.0;
        }
        share[i] = (double)k / (double)n;
        pooled += share[i] / (double)m;
        *lo = share[i] < *lo ? share[i] : *lo;
        *hi = share[i] > *hi ? share[i] : *hi;
        if (i < VCI_TAIL_CHAINS_MAX) {
            ess[i] = 0.0;
            int st = vc_diag_ess_basic(ind, 1, n, &ess[i], NULL);
            if (st == VC_ENOMEM && status != NULL) {
                *status = VC_ENOMEM;
            }
            if (st != VC_OK || !(ess[i] > 0.0)) {
                ess[i] = 0.0;
            }
            defined += ess[i] > 0.0;
        }
    }
    if (!(pooled > 0.0 && pooled < 1.0) || m < 2 || defined == 0
        || m > VCI_TAIL_CHAINS_MAX) {
        return 1.0;
    }
    /* the median ESS of the chains that have one, for those that do not */
    double sorted[VCI_TAIL_CHAINS_MAX];
    size_t ns = 0;
    for (size_t i = 0; i < m; i++) {
        if (ess[i] > 0.0) {
            size_t j = ns++;
            while (j > 0 && sorted[j - 1] > ess[i]) {
                sorted[j] = sorted[j - 1];
                j--;
            }
            sorted[j] = ess[i];
        }
    }
    double med = ns % 2 ? sorted[ns / 2]
                        : 0.5 * (sorted[ns / 2 - 1] + sorted[ns / 2]);
    /* The pooled share unweighted, as R-hat compares chains: a chain
     * whose share is off by a long excursion (few effective draws of its
     * own) still makes the others, which pin the share down, disagree
     * with the pool.  Under agreement X^2 is close to chi-square(m - 1)
     * when the ESS are alike. */
    double x2 = 0.0;
    for (size_t i = 0; i < m; i++) {
        double e = ess[i] > 0.0 ? ess[i] : med;
        x2 += e * (share[i] - pooled) * (share[i] - pooled);
    }
    return gsl_cdf_chisq_Q(x2 / (pooled * (1.0 - pooled)), (double)(m - 1));
}

/* Split bins [a, b) of the smoothed histogram sm (raw counts h) at
 * valleys, appending each mode's first bin and top bin to the lists. */
static void split_modes(const double *sm, const double *h, size_t a,
                        size_t b, double n, size_t max, size_t *first,
                        size_t *top, size_t *k)
{
    size_t best = b;
    double ratio = VCI_MODE_VALLEY;
    for (size_t v = a + 1; v + 1 < b; v++) {
        double left = 0.0, right = 0.0, wl = 0.0, wr = 0.0;
        for (size_t j = a; j < b; j++) {
            if (j < v) {
                left = sm[j] > left ? sm[j] : left;
                wl += h[j];
            } else if (j > v) {
                right = sm[j] > right ? sm[j] : right;
                wr += h[j];
            }
        }
        double low = left < right ? left : right;
        if (low > 0.0 && sm[v] <= ratio * low && wl >= VCI_MODE_WEIGHT * n
            && wr >= VCI_MODE_WEIGHT * n) {
            ratio = sm[v] / low;
            best = v;
        }
    }
    if (best == b || *k + 2 > max) {
        size_t t = a;
        for (size_t j = a; j < b; j++) {
            t = sm[j] > sm[t] ? j : t;
        }
        if (*k < max) {
            first[*k] = a;
            top[*k] = t;
            (*k)++;
        }
        return;
    }
    split_modes(sm, h, a, best, n, max, first, top, k);
    split_modes(sm, h, best, b, n, max, first, top, k);
}

size_t vci_modes(const double *x, size_t n, size_t max, double *centre,
                 double *lo, double *hi, double *weight)
{
    enum { B = VCI_MODE_BINS };
    double h[B] = {0}, sm[B], a = HUGE_VAL, z = -HUGE_VAL;
    for (size_t d = 0; d < n; d++) {
        double l = log(x[d]);
        a = l < a ? l : a;
        z = l > z ? l : z;
    }
    if (n == 0 || max == 0 || !(z > a) || !isfinite(z - a)) {
        if (n > 0 && max > 0) {
            centre[0] = lo[0] = hi[0] = exp(a);
            weight[0] = 1.0;
        }
        return n > 0 && max > 0;
    }
    double width = (z - a) / B;
    for (size_t d = 0; d < n; d++) {
        size_t b = (size_t)((log(x[d]) - a) / width);
        h[b < B ? b : B - 1] += 1.0;
    }
    for (size_t b = 0; b < B; b++) {
        sm[b] = (2.0 * h[b] + (b > 0 ? h[b - 1] : h[b])
                 + (b + 1 < B ? h[b + 1] : h[b])) / 4.0;
    }
    size_t first[B], top[B], k = 0;
    split_modes(sm, h, 0, B, (double)n, max < B ? max : B, first, top, &k);
    for (size_t m = 0; m < k; m++) {
        size_t end = m + 1 < k ? first[m + 1] : B;
        double w = 0.0;
        for (size_t b = first[m]; b < end; b++) {
            w += h[b];
        }
        centre[m] = exp(a + width * ((double)top[m] + 0.5));
        lo[m] = exp(a + width * (double)first[m]);
        hi[m] = exp(a + width * (double)end);
        weight[m] = w / (double)n;
    }
    return k;
}

int vc_lcm_chains_summary(const vc_lcm_chains *c, vc_lcm_summary *s,
                          vc_error *err)
{
    size_t m = c->nchains, n = c->trace[0].ndraws;
    if (n == 0) {
        return vc_error_set(err, VC_EINVAL,
                            "no draws yet: run a round with at least thin "
                            "= %llu sweeps",
                            (unsigned long long)c->o.thin);
    }
    double *x = malloc(m * n * sizeof *x);
    if (x == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot summarise %zu draws",
                            m * n);
    }
    memset(s, 0, sizeof *s);
    int status = VC_OK;
    for (int q = 0; q < 3 && status == VC_OK; q++) {
        gather(c, q, n, x);
        vc_diag_summary *out = q == 0 ? &s->N : q == 1 ? &s->alpha
                                                       : &s->occupied;
        status = vci_diag_summarise(x, m, n, c->o.level, c->o.threads, out,
                                    err);
    }
    s->tail_p = 1.0;
    if (status == VC_OK) {
        gather(c, 0, n, x);
        double *ind = malloc(n * sizeof *ind);
        if (ind == NULL) {
            free(x);
            return vc_error_set(err, VC_ENOMEM, "cannot summarise %zu "
                                "draws", m * n);
        }
        double p_lo = vci_tail_test(x, m, n, s->N.lower, 1, ind,
                                    &s->low_share_min, &s->low_share_max,
                                    &status);
        double p_hi = vci_tail_test(x, m, n, s->N.upper, 0, ind,
                                    &s->high_share_min, &s->high_share_max,
                                    &status);
        free(ind);
        if (status != VC_OK) {
            free(x);
            return vc_error_set(err, status, "cannot summarise %zu draws",
                                m * n);
        }
        s->tail_p = p_lo < p_hi ? p_lo : p_hi;
        s->modes = vci_modes(x, m * n, 4, s->mode_centre, s->mode_lo,
                             s->mode_hi, s->mode_weight);
    }
    free(x);
    if (status != VC_OK) {
        return status;
    }
    int replica = 0;
    if (c->rep_E != NULL) {
        replica = vci_tempering_replicas(c, n, s, err);
        if (replica < 0) {
            return VC_ENOMEM;
        }
    }
    int tails = s->tail_p >= VC_LCM_TAIL_P_MIN;
    s->converged = s->N.diag_defined && s->N.rhat < c->o.rhat_max
                   && s->N.ess_bulk >= c->o.ess_min && tails && !replica;
    for (size_t i = 0; i < m; i++) {
        /* the cold replica's workspace counts its own sweeps (the counter
         * stays with the workspace when states are exchanged) */
        s->bound_sweeps += c->w[i * c->R]->state.bound_sweeps;
    }
    s->flags = (s->converged ? 0u : VC_FLAG_NOT_CONVERGED)
               | (s->bound_sweeps > 0 ? VC_FLAG_BOUND : 0u)
               | (tails ? 0u : VC_FLAG_TAILS)
               | (replica ? VC_FLAG_REPLICA : 0u);
    s->observed = c->t->n;
    s->rng = gsl_rng_name(c->r[0]);
    s->sampler = c->sched.name;
    s->temperatures = c->R;
    s->beta_min = c->R > 1 ? c->beta[c->R - 1] : 1.0;
    s->version = vc_version();
    s->seed = c->o.seed;
    s->stratum = c->o.stratum;
    s->chains = m;
    s->K = c->o.K;
    s->burnin = c->o.burnin;
    s->sweeps = c->sweeps;
    s->thin = c->o.thin;
    s->draws = n;
    return VC_OK;
}

void vc_lcm_summary_estimate(const vc_lcm_summary *s, vc_estimate *out)
{
    memset(out, 0, sizeof *out);
    out->method = "lcm";
    out->estimate = s->N.median;
    out->se = s->N.sd;
    out->has_se = 1;
    out->level = s->N.level;
    out->lower = s->N.lower;
    out->upper = s->N.upper;
    out->interval = "equal-tailed posterior (latent class model, "
                    "Manrique-Vallier 2016)";
    out->observed = s->observed;
    out->flags = s->flags;
}

int vc_lcm_run(const vc_table *t, const vc_lcm_opts *o, vc_lcm_summary *s,
               vc_error *err)
{
    vc_lcm_opts defaults;
    if (o == NULL) {
        vc_lcm_opts_default(&defaults);
        o = &defaults;
    }
    vc_error local;
    vc_error_clear(&local);
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, o, &local);
    if (c == NULL) {
        return vc_error_set(err, local.code, "%s", local.msg);
    }
    int status = vc_lcm_chains_round(c, o->iterations, err);
    if (status == VC_OK) {
        status = vc_lcm_chains_summary(c, s, err);
    }
    vc_lcm_chains_free(c);
    return status;
}
