/*
 * lcm_impl.h: the latent-class model's insides, shared between its files
 * (lcm.c, schedule.c, chains.c, tempering.c, splitmerge.c, umbrella.c)
 * and their white-box tests.  The pieces that graph averaging uses too
 * (random variates, diagnostics, aligned allocation, log-gamma) are in
 * mcmc_impl.h.  Not part of the public API.
 */
#ifndef VC_LCM_IMPL_H
#define VC_LCM_IMPL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "models/vc_models.h"
#include "models/vc_umbrella.h"

/* Split-merge scratch of one chain (splitmerge.c; declared below). */
typedef struct vci_sm vci_sm;

/*
 * The schedule of a sampler (models/schedule.c, where the table of what
 * each sampler does is): what one step of a chain does, derived once
 * from the options.  A step is the exchanges between neighbouring
 * replicas (tempering.c; none with one replica), then one sweep of each
 * replica (lcm.c, vci_lcm_sweep), which runs the moves below in this
 * order among the full conditionals (a)-(e).
 */
typedef struct {
    const char *name;       /* the sampler's name (vc_lcm_summary.sampler;
                               static) */
    size_t replicas;        /* replicas per chain: 1, or the temperatures
                               of tempering */
    uint64_t sm_every;      /* split-merge proposals after step (a) of
                               every sm_every-th sweep (0: never) */
    unsigned sm_moves;      /* proposals on such a sweep */
    int label_swaps;        /* label swaps of adjacent classes after (a),
                               every sweep */
    unsigned flip_every;    /* the flip of classes 1 and K with alpha,
                               every flip_every-th sweep (0: never) */
    unsigned unseen_moves;  /* moves (a') of the unseen, every sweep */
} vci_lcm_schedule;

/* The schedule of o->sampler (o->temperatures replicas when tempered)
 * into *s.  Errors: VC_EINVAL for an unknown sampler, bad tempering
 * options, or a retired sampler unless retired_ok (tests and benchmarks
 * that keep a retired sweep as a reference). */
int vci_lcm_schedule_of(const vc_lcm_opts *o, int retired_ok,
                        vci_lcm_schedule *s, vc_error *err);

/* vc_lcm_opts_check, the retired samplers accepted when retired_ok. */
int vci_lcm_opts_check(const vc_lcm_opts *o, const vc_table *t,
                       int retired_ok, vc_error *err);

/*
 * One chain: the state (public, vc_lcm_state) and the scratch, which is
 * rewritten by every sweep and never changes a result.
 */
struct vc_lcm_workspace {
    /* data (borrowed from the table) */
    size_t J, K, npat;
    const uint32_t *pattern;
    const uint64_t *count;   /* the table's counts, or a tempered
                                replica's thinned counts (chains.c) */
    uint64_t n;              /* sum of count */
    /* model options */
    double alpha_shape, alpha_rate;
    uint64_t n_max;          /* 0: none */
    vc_lcm_state state;
    /* scratch */
    double *base;            /* K: log pi_k + sum_j log(1 - lambda_jk) */
    double *diff;            /* J*K: log lambda_jk - log(1 - lambda_jk) */
    int linear;              /* this sweep's step (a) on the linear scale
                                (lcm.c, vci_lcm_sample_observed) */
    double *ebase;           /* K: exp(base_k - max_l base_l), if linear */
    double *ediff;           /* J*K: exp(diff_jk), if linear */
    double *lin;             /* 2*J*K: step (b)'s lambda_jk, then 1 -
                                lambda_jk, on the linear scale (1 where
                                drawn on the log scale), logged together */
    double *prob;            /* K: unnormalised class probabilities */
    double *suffix;          /* K+1: suffix sums of prob */
    uint64_t *nobs_class;    /* K: observed people allocated to class k */
    uint64_t *seen;          /* J*K: of them, seen by list j */
    double sum_log_1m_V;     /* sum_{k<K} log(1 - V_k), this sweep */
    /* what a sweep does (vci_lcm_sweep), and the split-merge scratch
     * when it makes label swaps or split-merge proposals (owned; NULL
     * otherwise) */
    vci_lcm_schedule sched;
    vci_sm *sm;
    /* (a'), lcm.c: the proposals tried and accepted */
    uint64_t unseen_tried, unseen_done;
    /* the flip of splitmerge.c: the flips tried and accepted */
    uint64_t flip[2];
    /* umbrella sampling (models/umbrella.c): the target is the
     * posterior times exp(bias[i * bias_bins_a + j]), i the bin of log N
     * (bins of width bias_width from bias_lo), j that of log alpha
     * (bias_width_a from bias_lo_a), the end bins extended outwards;
     * NULL: none.  Steps (e), (a') (N) and (d) and the flip (alpha) then
     * correct their proposals by the ratio of exp(b) (vci_lcm_bias_at).
     * n0_prev: K, the unseen classes before a proposal of (e), restored
     * on rejection. */
    const double *bias;
    size_t bias_bins, bias_bins_a;
    double bias_lo, bias_width, bias_lo_a, bias_width_a;
    uint64_t *n0_prev;
    uint64_t bias_tried, bias_done; /* proposals of (e), accepted */
    /* blocked allocation (vci_lcm_use_blocks); nblocks 0: none, step (a)
     * draws from the sweep's generator */
    size_t nblocks, block_size;
    int block_threads;       /* threads for the blocks; 0: one */
    gsl_rng **block_r;       /* nblocks: stream of each block (owned) */
    double *block_prob;      /* nblocks * K */
    double *block_suffix;    /* nblocks * (K + 1) */
    uint64_t *block_nobs;    /* nblocks * K: partial class counts */
    uint64_t *block_seen;    /* nblocks * J * K */
    int *block_status;       /* nblocks */
};

/* The bin of log x among `bins` bins of width `width` from lo (the end
 * bins extended outwards). */
static inline size_t vci_bias_bin(double x, double lo, double width,
                                  size_t bins)
{
    double v = (log(x) - lo) / width;
    if (!(v > 0.0) || bins < 2) {
        return 0;
    }
    return v >= (double)(bins - 1) ? bins - 1 : (size_t)v;
}

/* The cell of (N, alpha) in w's bias. */
static inline size_t vci_lcm_bias_cell(const vc_lcm_workspace *w, double N,
                                       double alpha)
{
    return vci_bias_bin(N, w->bias_lo, w->bias_width, w->bias_bins)
               * w->bias_bins_a
           + vci_bias_bin(alpha, w->bias_lo_a, w->bias_width_a,
                          w->bias_bins_a);
}

/* The log weight umbrella sampling adds to the target at (N, alpha) (0
 * without a bias). */
static inline double vci_lcm_bias_at(const vc_lcm_workspace *w, double N,
                                     double alpha)
{
    return w->bias == NULL ? 0.0 : w->bias[vci_lcm_bias_cell(w, N, alpha)];
}

/*
 * Blocked allocation: tables with at least VCI_BLOCK_MIN_PATTERNS distinct
 * observed patterns split step (a) into blocks of VCI_BLOCK_PATTERNS
 * consecutive patterns, each drawing from its own Philox stream, run in
 * parallel with OpenMP (models/chains.c turns it on).  Why these sizes:
 * a block must hold enough work to amortise a thread hand-off, and a
 * table below VCI_BLOCK_MIN_PATTERNS patterns (11 lists or fewer, in
 * practice) has sweeps too short to split.  The blocks run on several
 * threads only when the caller asked for a thread count
 * (vc_lcm_opts.threads > 0), because on cores taken by other processes a
 * parallel region every sweep waits for a descheduled thread at each
 * barrier; and at most one thread per VCI_BLOCKS_PER_THREAD blocks,
 * because beyond that the hand-off of a region every sweep costs more
 * than its share of the work.  The measurements behind each number are
 * in bench/RESULTS.md ("Blocked per-pattern work in one chain", under
 * "Chains in parallel") and bench/HISTORY.md ("Blocked allocation", "a
 * 16-core machine").  The draws are the same whatever the thread count.
 *
 * The stream of block b of replica q is (seed, stratum, chain,
 * VCI_BLOCK_STREAM(q, b)): bit 30 set, q in bits 23-28, b in bits 0-22,
 * so it differs from every replica's own stream (block word q < 64) and
 * from the exchange stream (0x80000000).
 */
#define VCI_BLOCK_PATTERNS 256
#define VCI_BLOCK_MIN_PATTERNS 2048
#define VCI_BLOCKS_PER_THREAD 4
#define VCI_BLOCK_MAX (1u << 23)
#define VCI_BLOCK_STREAM(q, b) \
    (0x40000000u | ((uint32_t)(q) << 23) | (uint32_t)(b))

/* Give w blocks of block_size patterns with streams (seed, stratum, chain,
 * VCI_BLOCK_STREAM(replica, b)), run on `threads` threads (0: one; at
 * most one per VCI_BLOCKS_PER_THREAD blocks; never changes the draws).
 * Errors: VC_EINVAL, VC_ENOMEM (w is then still safe to free). */
int vci_lcm_use_blocks(vc_lcm_workspace *w, size_t block_size,
                       uint64_t seed, uint64_t stratum, uint32_t chain,
                       uint32_t replica, int threads, vc_error *err);

/* A workspace for table t (borrowed) under the model options of o that
 * sweeps by schedule s (o->sampler is not read): vc_lcm_alloc with any
 * schedule (chains.c gives each replica its sampler's, umbrella.c the
 * hybrid's without split-merge).  Errors as vc_lcm_alloc. */
vc_lcm_workspace *vci_lcm_alloc(const vc_table *t, const vc_lcm_opts *o,
                                const vci_lcm_schedule *s, vc_error *err);

/* Give w schedule s (its split-merge scratch sized for tables of at most
 * w->n observed people), for tests of one move.  Errors: VC_ENOMEM (w
 * keeps its schedule). */
int vci_lcm_set_schedule(vc_lcm_workspace *w, const vci_lcm_schedule *s,
                         vc_error *err);

/* One sweep of w's schedule (lcm.c): every step in order, as the full
 * conditionals are listed at the top of lcm.c.  vc_lcm_iterate is this.
 * Errors: VC_ENUMERIC, VC_EINVAL (split-merge with a bias on N). */
int vci_lcm_sweep(vc_lcm_workspace *w, const gsl_rng *r, vc_error *err);

/* The steps of a sweep, in order (lcm.c); exposed for the tests of the
 * full conditionals.  Each returns VC_OK or VC_ENUMERIC. */
int vci_lcm_sample_observed(vc_lcm_workspace *w, const gsl_rng *r);
int vci_lcm_sample_lambda(vc_lcm_workspace *w, const gsl_rng *r);
int vci_lcm_sample_weights(vc_lcm_workspace *w, const gsl_rng *r);
int vci_lcm_sample_alpha(vc_lcm_workspace *w, const gsl_rng *r);
int vci_lcm_sample_unobserved(vc_lcm_workspace *w, const gsl_rng *r);

/* Step (a'), lcm.c: one Metropolis-Hastings proposal on the unseen of one
 * class, lambda and V integrated out; between steps (a) and (b) only.
 * Returns VC_OK or VC_ENUMERIC. */
int vci_lcm_move_unseen(vc_lcm_workspace *w, const gsl_rng *r);

/* The half-width of (a')'s proposal in units of sqrt(m_0k + 1): on
 * Kosovo under the hybrid sampler 8 chains of 500,000 sweeps needed 492-
 * 573 sweeps per ESS of N with 5, 465-477 with 10, 403-459 with 20 and
 * 380-486 with 40 (bench/HISTORY.md, "Version 0.3.0"). */
#define VCI_UNSEEN_STEP 20.0


/* Classes handled at a time by vci_lcm_log_pattern_probs (a stack
 * array; any K works). */
#define VCI_LOGLIK_KMAX 64

/* log P(x | theta) for each pattern x of w's table into log_p[npat]
 * (filled), P(x) = sum_k pi_k f_k(x), at the state s (any state on the
 * same lists and K); returns log(1 - pi0). */
double vci_lcm_log_pattern_probs(const vc_lcm_workspace *w,
                                 const vc_lcm_state *s, double *log_p);

/* The log marginal likelihood of theta on w's counts (allocations and n0
 * summed out, prior excluded), from vci_lcm_log_pattern_probs' output:
 * sum_x c_x log P(x) - n log(1 - pi0), plus the log mass the bound n_max
 * keeps when set (lcm.c, "Tempering"). */
double vci_lcm_log_marginal(const vc_lcm_workspace *w, const double *log_p,
                            double log_seen);

/* Step (e) again, then N and the occupied classes (after an exchange). */
int vci_lcm_resample_unobserved(vc_lcm_workspace *w, const gsl_rng *r);

/* P(seen by at least one list) = 1 - pi0, computed as a sum of positive
 * terms (no cancellation), and log pi0, from the current state. */
double vci_lcm_prob_seen(const vc_lcm_workspace *w);

/* Step (a), also writing the class counts of each observed pattern:
 * cells[i * K + k] (filled, npat * K) people of pattern i in class k. */
int vci_lcm_sample_observed_cells(vc_lcm_workspace *w, const gsl_rng *r,
                                  uint64_t *cells);

/*
 * Split-merge moves on the class allocation (models/splitmerge.c): the
 * scratch of one chain, allocated with its workspace, and its counters.
 */

/* Scratch for workspace w's patterns and K, for tables of at most
 * n_obs observed people (a tempered replica's table changes with its
 * temperature; pass the full table's n); w is not kept.  NULL on
 * allocation failure. */
vci_sm *vci_sm_alloc(const vc_lcm_workspace *w, uint64_t n_obs);
void vci_sm_free(vci_sm *sm);

/* Step (a) keeping the per-pattern class counts, then
 * w->sched.sm_moves split-merge proposals on the allocation and the
 * unseen (lambda and V integrated out, alpha fixed; N may change), the
 * counts written back into the sweep's statistics (w->sm).  Returns
 * VC_OK or VC_ENUMERIC. */
int vci_sm_propose(vc_lcm_workspace *w, const gsl_rng *r);

/* The counters of sm, as vci_sm_counts, to add to (the label swaps'
 * counts[5] and [6]). */
uint64_t *vci_sm_tally(vci_sm *sm);

/* The label swaps alone, after step (a): each pair of adjacent classes
 * in turn, from the last, its contents (observed and unseen counts, list
 * counts) exchanged with probability min(1, p(swapped) / p(current))
 * under the stick-breaking prior; counts[5] and [6] count the
 * proposals and acceptances. */
void vci_sm_label_swaps(vc_lcm_workspace *w, const gsl_rng *r,
                        uint64_t counts[7]);

/* The flip: classes 0 and K - 1 exchanged and log alpha moved by a
 * uniform step of at most VCI_FLIP_LOG_ALPHA, together, a Metropolis-
 * Hastings step under (1) of splitmerge.c with V integrated out and
 * alpha's prior; counts[0] proposals, [1] acceptances.  Nothing for K <
 * 2 or K > VCI_LOGLIK_KMAX (stack scratch). */
void vci_sm_flip_alpha(vc_lcm_workspace *w, const gsl_rng *r,
                       uint64_t counts[2]);
#define VCI_FLIP_LOG_ALPHA 4.0

/* Proposals tried and accepted so far (filled), as
 * vc_lcm_chains_splitmerge_counts: splits tried, accepted, merges tried,
 * accepted, splits impossible, label swaps tried, accepted. */
void vci_sm_counts(const vci_sm *sm, uint64_t out[7]);

/*
 * Several chains (chains.c), with tempering's replicas (tempering.c).
 */
/* The block number of the exchange streams: far above any replica. */
#define VCI_SWAP_BLOCK 0x80000000u

struct vc_lcm_chains {
    const vc_table *t;        /* borrowed */
    vc_lcm_opts o;
    size_t nchains;
    size_t R;                 /* replicas per chain (sched.replicas) */
    double *beta;             /* R: temperatures, beta[0] = 1 */
    uint64_t *counts;         /* R * npat: each replica's thinned table */
    double *log_p;            /* nchains * vci_lines(2 * npat): exchange
                                 scratch, each chain's on its own lines */
    vc_lcm_workspace **w;     /* nchains * R, chain-major */
    gsl_rng **r;              /* nchains * R */
    gsl_rng **rs;             /* nchains: exchange streams */
    uint64_t *swap_tried;     /* nchains * vci_lines(R): exchanges of */
    uint64_t *swap_done;      /* pair q of chain i at i * vci_lines(R) + q */
    uint64_t steps;           /* steps of every chain since the start,
                                 burn-in included (the even/odd clock) */
    vci_lcm_schedule sched;   /* what a step does (schedule.c) */
    vc_lcm_trace *trace;      /* nchains */
    double **rep_E;           /* nchains * R (tempering only): at each
                                 kept draw, the N each replica's theta
                                 implies for the full table, n / (1 -
                                 pi0) */
    double **rep_lw;          /* nchains * R: its log weight to the cold
                                 posterior, l_0(theta) - l_r(theta) */
    size_t cap;               /* capacity of each trace */
    uint64_t sweeps;          /* sweeps per chain after burn-in */
    int burned;               /* burn-in done */
    int failed;               /* a chain failed: no further rounds */
    int *status;              /* nchains, per round */
    vc_error *errs;           /* nchains, per round */
    /* the posterior predictive check (ppc.c): each chain's sums, one
     * replicate per kept draw, from the chain's stream (seed, stratum,
     * chain, VC_PPC_STREAM); NULL beyond VC_PPC_MAX_LISTS lists */
    struct vci_ppc_acc_s *ppc; /* nchains */
    gsl_rng **ppc_r;          /* nchains */
};

/* Every chain runs `burn` burn-in steps then `sweeps` sweeps, in
 * parallel (chains.c).  Returns the first failing chain's status. */
int vci_chains_run(vc_lcm_chains *c, uint64_t burn, uint64_t sweeps,
                   vc_error *err);

/* Tempering (tempering.c).  The geometric ladder from 1 to beta_min and
 * each replica's table. */
void vci_tempering_ladder(vc_lcm_chains *c);
/* Each replica's table from the ladder: counts round(beta_q c_x). */
void vci_tempering_set_tables(vc_lcm_chains *c);
/* Point workspace w at replica q's table. */
void vci_tempering_use_table(vc_lcm_chains *c, vc_lcm_workspace *w,
                             size_t q);
/* The exchanges of chain i's step `step`: the even or odd pairs.
 * Touches only chain i's objects.  Errors: VC_ENUMERIC. */
int vci_tempering_exchanges(vc_lcm_chains *c, size_t i, uint64_t step,
                            vc_error *err);
/* At kept draw d of chain i, each replica's implied N and log weight
 * (the summary's replica test); no random numbers. */
void vci_tempering_record(vc_lcm_chains *c, size_t i, size_t d);
/* Restart the exchange counters of every chain. */
void vci_tempering_counts_clear(vc_lcm_chains *c);
/* The adaptive part of the burn-in (with o.adapt_ladder and more than
 * two replicas): its steps into *done (0 if none). */
int vci_tempering_burn_in(vc_lcm_chains *c, uint64_t *done, vc_error *err);
/* The summary's replica test over every replica r >= 1: fills
 * s->replica* and s->cold_*; 1 when a replica holds a region the cold
 * chains miss, 0 when none does, -1 when out of memory (err set). */
int vci_tempering_replicas(const vc_lcm_chains *c, size_t n,
                           vc_lcm_summary *s, vc_error *err);

/* vc_lcm_chains_alloc, with the retired samplers too when retired_ok
 * (schedule.c; tests keep them as references). */
vc_lcm_chains *vci_lcm_chains_alloc(const vc_table *t, const vc_lcm_opts *o,
                                    int retired_ok, vc_error *err);

/* The summary's test of the chains' agreement on a tail (chains.c): m
 * chains of n draws x, the share of each beyond cut (below when below)
 * into *lo, *hi (min, max over the chains); returns the chi-square
 * p-value; ind: scratch of n doubles.  *status (when not NULL) becomes
 * VC_ENOMEM when a chain's ESS could not be computed for want of memory
 * (the p-value then does not count). */
double vci_tail_test(const double *x, size_t m, size_t n, double cut,
                     int below, double *ind, double *lo, double *hi,
                     int *status);

/* The summary's test of tempering's replicas (chains.c): n draws of one
 * replica, each with E, the N its parameters imply for the full table
 * (n / (1 - pi0)), and lw, the log of its importance weight to the cold
 * posterior (l_0 - l_r, the log marginal likelihoods of the full and the
 * replica's table).  The self-normalised share of the weight on draws
 * with E < lo into *below and E > hi into *above, the weights' Kish ESS
 * into *ess and the number of draws outside [lo, hi] into *outside.
 * Returns 1 when these say the replica holds a region the cold chains
 * miss (VC_LCM_REPLICA_SHARE_MAX, VC_LCM_REPLICA_ESS_MIN,
 * VC_LCM_REPLICA_DRAWS_MIN), else 0. */
int vci_replica_test(const double *E, const double *lw, size_t n,
                      double lo, double hi, double *below, double *above,
                      double *ess, size_t *outside);

/* Modes of n pooled draws x > 0 on the log scale (chains.c): a
 * histogram of log x in VCI_MODE_BINS bins, smoothed (1, 2, 1), split
 * recursively at the bin whose height is at most VCI_MODE_VALLEY times
 * the highest bin on each side, when each side holds at least
 * VCI_MODE_WEIGHT of the draws.  Fills at most max modes: the centre
 * of each one's highest bin, its range (lo, hi) and its share of the
 * draws, in increasing order; returns their number (1: unimodal). */
#define VCI_MODE_BINS 40
#define VCI_MODE_VALLEY 0.1
#define VCI_MODE_WEIGHT 0.01
size_t vci_modes(const double *x, size_t n, size_t max, double *centre,
                 double *lo, double *hi, double *weight);

/* vc_lcm_umbrella_run with a fixed log factor tilt[bins] (NULL: none) on
 * the target by bin of log N, which the weights do not undo: the chains
 * then estimate the posterior times exp(tilt) (models/umbrella.c; tests
 * build a target with two regions of N this way). */
vc_lcm_umbrella *vci_lcm_umbrella_run(const vc_table *t, const vc_lcm_opts *o,
                                      const vc_lcm_umbrella_opts *uo,
                                      const double *tilt, vc_error *err);

#endif /* VC_LCM_IMPL_H */
