/*
 * impl.h: declarations shared between the files of models/ and their
 * white-box tests (tests/test_models.c).  Not part of the public API.
 */
#ifndef VC_MODELS_IMPL_H
#define VC_MODELS_IMPL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "models/vc_models.h"
#include "models/vc_umbrella.h"

/* Below this mean gsl_ran_poisson is used; at and above it, PTRS
 * (Hormann 1993), whose validity starts at mean 10. */
#define VCI_POISSON_PTRS_MIN 10.0
/* Above this mean (2^62) a Poisson draw could overflow uint64_t. */
#define VCI_POISSON_MAX 4.611686018427387904e18

/*
 * A uniform in (0, 1) from one 32-bit output, (x + 1/2) 2^-32, for
 * generators whose outputs span [0, 2^32 - 1] (Philox, mt19937); any
 * other generator falls back to gsl_rng_uniform_pos.  Called through the
 * type's function pointer directly: no call into libgsl.
 */
static inline double vci_ran_uniform(const gsl_rng *r)
{
    if (r->type->min == 0 && r->type->max == 0xffffffffUL) {
        return ((double)r->type->get(r->state) + 0.5) * 0x1p-32;
    }
    return gsl_rng_uniform_pos(r);
}

/* Gamma(a, 1) draw, a > 0 (random.c: Marsaglia & Tsang 2000). */
double vci_ran_gamma(const gsl_rng *r, double a);

/* log V and log(1 - V) of a Beta(1, b) draw, b > 0, into *log_v and
 * *log_1m_v (filled), by inversion: one uniform, never -Inf (random.c).
 * Swap the outputs for a Beta(b, 1) draw. */
void vci_ran_log_beta1(const gsl_rng *r, double b, double *log_v,
                       double *log_1m_v);

/* Binomial(n, p) draw, exact, for 0 <= p <= 1 and n < 2^53 (random.c:
 * inversion or BTRD, Hormann 1993). */
uint64_t vci_ran_binomial(const gsl_rng *r, double p, uint64_t n);

/* log of a Gamma(a, 1) draw, any a > 0, without underflow (random.c). */
double vci_ran_log_gamma(const gsl_rng *r, double a);

/* Poisson(mu) draw into *k for 0 <= mu <= VCI_POISSON_MAX; VC_ENUMERIC
 * otherwise (random.c). */
int vci_ran_poisson64(const gsl_rng *r, double mu, uint64_t *k);

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
    double *prob;            /* K: unnormalised class probabilities */
    double *suffix;          /* K+1: suffix sums of prob */
    uint64_t *nobs_class;    /* K: observed people allocated to class k */
    uint64_t *seen;          /* J*K: of them, seen by list j */
    double sum_log_1m_V;     /* sum_{k<K} log(1 - V_k), this sweep */
    /* (a'), lcm.c: proposals on the unseen of a class a sweep (0: none,
     * the plain Gibbs sweep), and the proposals tried and accepted */
    unsigned unseen_moves;
    uint64_t unseen_tried, unseen_done;
    /* the flip of splitmerge.c: every flip_every-th sweep (0: never;
     * the hybrid sampler), and the flips tried and accepted */
    unsigned flip_every;
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
 * parallel with OpenMP (models/chains.c turns it on).  256 patterns of K
 * = 10 classes are ~70 us of work (a sweep of a 14-list table with 3,148
 * patterns takes 0.86 ms), enough to amortise a thread hand-off on idle
 * cores; below 2,048 patterns (11 lists or fewer, in practice) a sweep is
 * too short to split.  The blocks run on several threads only when the
 * caller asked for a thread count (vc_lcm_opts.threads > 0): on cores
 * taken by other processes a parallel region every ~1 ms waits for a
 * descheduled thread at each barrier, and a 14-list sweep became ten
 * times slower (bench/RESULTS.md).  And at most one thread per
 * VCI_BLOCKS_PER_THREAD blocks: on a 16-core machine a 4,432-pattern
 * table (18 blocks) ran fastest on 4 threads (1.48 s) and took 3.6 s on
 * 16, slower than on one (2.5 s), the hand-off of a region every sweep
 * costing more than its share of the work.  The draws are the same
 * whatever the thread count.
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

/* The w->unseen_moves moves (a') of a sweep, in turn; the first status
 * that is not VC_OK. */
int vci_lcm_moves_unseen(vc_lcm_workspace *w, const gsl_rng *r);

/* The half-width of (a')'s proposal in units of sqrt(m_0k + 1): on
 * Kosovo under the hybrid sampler 8 chains of 500,000 sweeps needed 492-
 * 573 sweeps per ESS of N with 5, 465-477 with 10, 403-459 with 20 and
 * 380-486 with 40 (bench/RESULTS.md). */
#define VCI_UNSEEN_STEP 20.0

/* Proposals of (a') a sweep in the hybrid sampler: on Kosovo (8 chains x
 * 500,000 sweeps, seeds 1-6) sweeps per ESS of N averaged 442 with one,
 * 342 with 3 (3% dearer sweeps), about 370 with 6 (9% dearer) and 340
 * with 10 (18% dearer) (bench/RESULTS.md). */
#define VCI_UNSEEN_MOVES 3

/* vc_diag_summarise with the chains' FFTs on `threads` threads (0:
 * OpenMP's default); the result does not depend on it (models/diag.c). */
int vci_diag_summarise(const double *x, size_t m, size_t n, double level,
                       int threads, vc_diag_summary *out, vc_error *err);

/*
 * Memory of one chain (or one block of patterns) that its thread writes
 * in every sweep: VCI_LINE-aligned and padded to whole lines, so that no
 * two chains run by different threads share a cache line (false sharing:
 * each write would take the line from the other core; on a 16-core
 * machine that more than doubled the time of 16 chains).  128 bytes: a
 * line and the neighbour that Intel's adjacent-line prefetcher pairs it
 * with.  vci_lines(n) rounds a count of 8-byte elements up to whole
 * lines, the stride between the blocks' or chains' parts of one array.
 * Zeroed, freed with free(); NULL when out of memory or n * size
 * overflows.
 */
#define VCI_LINE 128

static inline size_t vci_lines(size_t n)
{
    const size_t per = VCI_LINE / 8;
    return (n + per - 1) / per * per;
}

static inline void *vci_calloc_lines(size_t n, size_t size)
{
    if (size != 0 && n > (SIZE_MAX - VCI_LINE) / size) {
        return NULL;
    }
    size_t bytes = (n * size + VCI_LINE - 1) / VCI_LINE * VCI_LINE;
    if (bytes == 0) {
        bytes = VCI_LINE; /* never a zero-size allocation */
    }
    void *p = aligned_alloc(VCI_LINE, bytes);
    if (p != NULL) {
        memset(p, 0, bytes);
    }
    return p;
}

/*
 * log Gamma(x), x > 0: Stirling's series to x^-7 for x >= 16 (absolute
 * error below 1e-13; Abramowitz & Stegun 6.1.40), GSL below.  For the
 * bounds of dga.c's posterior pass and the acceptance ratios of (a'),
 * never for a reported value; unlike lgamma(3) it writes no global
 * (signgam), so chains may call it in parallel.
 */
static inline double vci_lgamma(double x)
{
    if (x < 16.0) {
        return gsl_sf_lngamma(x);
    }
    double r = 1.0 / x, r2 = r * r;
    double ser = r * (1.0 / 12.0
                      - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0
                                                  - r2 / 1680.0)));
    return (x - 0.5) * log(x) - x + 0.91893853320467274178 + ser;
}

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
 * scratch of one chain, allocated at chain setup, and its counters.
 */
typedef struct vci_sm vci_sm;

/* Scratch for workspace w's patterns and K, for tables of at most
 * n_obs observed people (a tempered replica's table changes with its
 * temperature; pass the full table's n); w is not kept.  NULL on
 * allocation failure. */
vci_sm *vci_sm_alloc(const vc_lcm_workspace *w, uint64_t n_obs);
void vci_sm_free(vci_sm *sm);

/* One sweep with split-merge proposals: step (a) keeping the per-pattern
 * class counts, `moves` split-merge proposals on the allocation and the
 * unseen (lambda and V integrated out, alpha fixed; N may change), the
 * label swaps of vci_lcm_iterate_swaps, then steps (b)-(e) as
 * vc_lcm_iterate.  Errors: VC_ENUMERIC. */
int vci_lcm_iterate_splitmerge(vc_lcm_workspace *w, const gsl_rng *r,
                               vci_sm *sm, size_t moves, vc_error *err);

/* One sweep with label swaps: step (a), a proposal to exchange the
 * contents of each pair of adjacent classes (Papaspiliopoulos & Roberts
 * 2008), then steps (b)-(e).  Errors: VC_ENUMERIC. */
int vci_lcm_iterate_swaps(vc_lcm_workspace *w, const gsl_rng *r, vci_sm *sm,
                          vc_error *err);

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
/* The hybrid sets flip_every to VCI_FLIP_EVERY: on Kosovo a flip is
 * accepted about once in 600 proposals, and flips every
 * sweep made a sweep some 10% dearer and the ESS of N a sweep no better
 * (bench/RESULTS.md); escaping the UK region needs one accepted flip. */
#define VCI_FLIP_EVERY 10

/* Proposals tried and accepted so far (filled), as
 * vc_lcm_chains_splitmerge_counts: splits tried, accepted, merges tried,
 * accepted, splits impossible, label swaps tried, accepted. */
void vci_sm_counts(const vci_sm *sm, uint64_t out[7]);

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

#endif /* VC_MODELS_IMPL_H */
