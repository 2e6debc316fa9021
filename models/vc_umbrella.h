/*
 * vc_umbrella.h: umbrella sampling on the population size N of the latent
 * class model (models/umbrella.c), an estimate of the posterior of N, and
 * of the weight of any region of N, that does not depend on the chains
 * crossing between regions by themselves.
 *
 * Each of `chains` independent chains targets the posterior times a bias
 * exp(b(log N, log alpha)) that flattens the distribution of log N (and,
 * optionally, of log alpha) over a range (b fitted by the chain itself
 * in a Wang-Landau phase, then fixed), and its draws are reweighted by
 * exp(-b).  Each chain's estimates are
 * self-normalised importance-sampling estimates; the reported estimate is
 * their median over the chains and its Monte Carlo error 1.2533 times the
 * chains' robust standard deviation (1.4826 MAD) over sqrt(chains), which
 * needs no estimate of the autocorrelation within a chain and is not
 * moved by one chain stuck in one region.  Round trips between two levels of N
 * (vc_lcm_umbrella_trips) show whether each chain crossed.
 */
#ifndef VC_UMBRELLA_H
#define VC_UMBRELLA_H

#include <stddef.h>
#include <stdint.h>

#include "models/vc_models.h"

typedef struct {
    size_t chains;         /* independent chains, >= 2 (default 8) */
    double n_lo, n_hi;     /* the range of N the bias flattens, n_lo < n_hi;
                              0: n (the observed) and 30 n (or n_max) */
    size_t bins;           /* bins of log N over the range (default 60;
                              1: no bias on N) */
    size_t alpha_bins;     /* bins of log alpha (default 1: no bias on
                              alpha); the bias is a table over the bins
                              of log N times those of log alpha */
    double alpha_lo, alpha_hi; /* their range (default 0.01 to 100) */
    unsigned stages;       /* Wang-Landau stages (default 10): in stage s
                              each sweep lowers the bias of the current
                              bin by 2^-s, until the stage's histogram of
                              visits is flat */
    uint64_t stage_sweeps; /* sweeps between checks of flatness (default
                              5,000) */
    uint64_t adapt_max;    /* at most this many adaptive sweeps (default
                              2,000,000) */
    double flat;           /* flat: every bin visited at least this times
                              the mean of a bin, in [0, 1) (default 0.3) */
    uint64_t sweeps;       /* sweeps per chain with the bias fixed, kept
                              every thin-th (default 200,000) */
    uint64_t thin;         /* default 10 */
    const double *bias;    /* bins * alpha_bins: the bias to start the
                              adaptive phase from (with stages = 0: the
                              bias used), e.g. one fitted by an earlier
                              run; borrowed; NULL (default): zero */
} vc_lcm_umbrella_opts;

void vc_lcm_umbrella_opts_default(vc_lcm_umbrella_opts *u);

typedef struct vc_lcm_umbrella vc_lcm_umbrella;

/*
 * Run the chains on table t (borrowed until freed) with the model of o
 * (K, alpha prior, n_max; seed, stratum and threads also from o; the
 * sampler field is ignored: every chain runs the hybrid sweep's moves
 * without split-merge, i.e. step (a), label swaps, the flip, three moves
 * of the unseen, steps (b)-(e), with the bias).  Chain i draws from the
 * Philox stream (seed, stratum, i, VC_UMBRELLA_STREAM): the results do
 * not depend on the thread count.  Errors: VC_EINVAL (bad option),
 * VC_ENOMEM, VC_ENUMERIC.  Returned; free with vc_lcm_umbrella_free.
 */
vc_lcm_umbrella *vc_lcm_umbrella_run(const vc_table *t, const vc_lcm_opts *o,
                                     const vc_lcm_umbrella_opts *u,
                                     vc_error *err);
#define VC_UMBRELLA_STREAM 0x10000000u

void vc_lcm_umbrella_free(vc_lcm_umbrella *u);

size_t vc_lcm_umbrella_chains(const vc_lcm_umbrella *u);

/* The posterior probability P(N < x): *est the median of the chains'
 * estimates, *se its standard error (above); per_chain (filled, chains
 * values) may be NULL.  *est and *se are NaN when scratch memory cannot
 * be allocated. */
void vc_lcm_umbrella_share(const vc_lcm_umbrella *u, double x, double *est,
                           double *se, double *per_chain);

/* The posterior p-quantile of N, 0 < p < 1, as vc_lcm_umbrella_share. */
void vc_lcm_umbrella_quantile(const vc_lcm_umbrella *u, double p,
                              double *est, double *se, double *per_chain);

/* Times chain i went from N < lo to N >= hi and back (kept draws). */
uint64_t vc_lcm_umbrella_trips(const vc_lcm_umbrella *u, size_t chain,
                               double lo, double hi);

/* Chain i's kept draws: N, alpha, and the log importance weights
 * -b(log N) (unnormalised); returns their number. */
size_t vc_lcm_umbrella_draws(const vc_lcm_umbrella *u, size_t chain,
                             const uint64_t **N, const double **alpha,
                             const double **log_w);

/* Chain i's fitted bias (bins * bins_a values, [i * bins_a + j] for bin
 * i of log N and j of log alpha) and its bins: log N from *lo in steps
 * of *width, log alpha from *lo_a in steps of *width_a; the end bins
 * extend outwards. */
const double *vc_lcm_umbrella_bias(const vc_lcm_umbrella *u, size_t chain,
                                   size_t *bins, double *lo, double *width,
                                   size_t *bins_a, double *lo_a,
                                   double *width_a);

/* Chain i's adaptive phase: its sweeps, and the stages that ended with a
 * flat histogram (fewer than the stages asked for: the bias was not
 * fitted, and its estimates deserve no trust unless the chains agree). */
void vc_lcm_umbrella_adaptation(const vc_lcm_umbrella *u, size_t chain,
                                uint64_t *sweeps, unsigned *stages);

/* Chain i's acceptance rates with the bias fixed: out[0] of the draw of
 * n0 (step (e)), out[1] of the moves of the unseen (a'). */
void vc_lcm_umbrella_acceptance(const vc_lcm_umbrella *u, size_t chain,
                                double out[2]);

#endif /* VC_UMBRELLA_H */
