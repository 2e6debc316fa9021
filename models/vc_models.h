/*
 * vc_models.h: Bayesian models of the population size.
 *
 * The non-parametric latent class model of Manrique-Vallier (2016,
 * Biometrics 72:1246-1254), "LCM" below: people fall into at most K latent
 * classes with weights from a truncated stick-breaking (Dirichlet process)
 * prior, and within a class the J lists catch people independently with
 * probabilities lambda_jk.  The prior on the population size is
 * p(N) ~ 1/N.  Same model and defaults as R's LCMCR, so results are
 * comparable.  See models/lcm.c for the full conditionals.
 *
 * Three layers, from low to high:
 *
 *   1. One chain, GSL style (vc_lcm_alloc / init / iterate / free): the
 *      caller drives the loop with its own gsl_rng.
 *   2. Several chains run in parallel with OpenMP (vc_lcm_chains_*), in
 *      rounds, so a caller can show progress and keep sampling until the
 *      diagnostics are good.  Chain c draws from the Philox stream
 *      (seed, stratum, c): output is bit-identical whatever the number of
 *      threads.
 *   3. vc_lcm_run: one call, defaults as LCMCR, fills a summary.
 *
 * Diagnostics (models/diag.c) follow Vehtari, Gelman, Simpson, Carpenter &
 * Burkner (2021, Bayesian Analysis 16:667-718) and work on any set of
 * equal-length chains.
 *
 * Pointer roles: "borrowed" pointers must outlive the object that keeps
 * them; "filled" outputs are caller-allocated; "returned" objects are freed
 * by the caller with the matching _free.
 */
#ifndef VC_MODELS_H
#define VC_MODELS_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "core/vc_core.h"
#include "data/vc_data.h"
#include "estimators/vc_estimators.h"

/* ---------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------- */

/* Defaults, each with its reason. */
#define VC_LCM_DEFAULT_K 10          /* the truncation of LCMCR's Kosovo
                                        example and of the reference
                                        runs in issue 4 */
#define VC_LCM_DEFAULT_ALPHA_SHAPE 0.25 /* alpha ~ Gamma(0.25, 0.25): the */
#define VC_LCM_DEFAULT_ALPHA_RATE 0.25  /* paper's and LCMCR's prior     */
#define VC_LCM_DEFAULT_CHAINS 4      /* the minimum Vehtari et al. (2021)
                                        recommend for R-hat */
#define VC_LCM_DEFAULT_BURNIN 10000  /* the burn-in of the LCMCR reference
                                        runs; Kosovo forgets its start in
                                        a few thousand sweeps */
#define VC_LCM_DEFAULT_ITERATIONS 100000 /* sweeps per chain after burn-in:
                                        on Kosovo 4 chains give a bulk ESS
                                        above the convergence target of
                                        400 (bench/RESULTS.md) */
#define VC_LCM_DEFAULT_THIN 10       /* LCMCR's default thinning; adjacent
                                        sweeps are nearly identical in N */
#define VC_LCM_DEFAULT_SEED 20160906u /* any fixed value; always reported */
#define VC_LCM_DEFAULT_LEVEL 0.95
#define VC_LCM_DEFAULT_RHAT_MAX 1.01 /* Vehtari et al. (2021), sec. 4 */
#define VC_LCM_DEFAULT_ESS_MIN 400.0 /* 100 per chain for 4 chains, ibid. */

/* Samplers (vc_lcm_opts.sampler).  What each does, step by step, is
 * the table at the top of models/schedule.c. */
#define VC_LCM_SAMPLER_GIBBS 0     /* the plain Gibbs sweep of LCMCR
                                      (models/lcm.c) */
#define VC_LCM_SAMPLER_TEMPERING 1 /* parallel tempering: each chain runs
                                      `temperatures` replicas of the Gibbs
                                      sweep, replica r on the table thinned
                                      to the fraction beta_r (1 down to
                                      beta_min), exchanging states between
                                      neighbours (Geyer 1991); the draws
                                      are those of the full-table replica,
                                      which targets the posterior exactly
                                      (models/tempering.c) */
#define VC_LCM_SAMPLER_SPLITMERGE 2 /* retired (refused with a message
                                      naming the hybrid, which makes its
                                      moves and more; models/schedule.c) */
#define VC_LCM_SAMPLER_TEMPERING_SPLITMERGE 3 /* parallel tempering whose
                                      replicas add label swaps of adjacent
                                      classes (Papaspiliopoulos & Roberts
                                      2008) and, every 100th sweep, a
                                      split-merge proposal on the classes
                                      and N (Jain & Neal 2004; Dahl 2003;
                                      models/splitmerge.c) */
#define VC_LCM_SAMPLER_HYBRID 4    /* Gibbs sweeps with label swaps, three
                                      moves of the unseen of a class
                                      (lambda and V integrated out), every
                                      10th a flip of the first and last
                                      classes with alpha and every
                                      10,000th a split-merge proposal */
#define VC_LCM_DEFAULT_SAMPLER VC_LCM_SAMPLER_HYBRID
#define VC_LCM_DEFAULT_TEMPERATURES 8 /* enough replicas for the adapted
                                      ladder to exchange between every
                                      pair on UK; each replica costs a
                                      sweep (bench/HISTORY.md, "Branch
                                      lcm3: data tempering, adapted
                                      ladder") */
#define VC_LCM_DEFAULT_BETA_MIN 0.25 /* below the fraction where the UK
                                      posterior changes shape abruptly,
                                      so the ladder spans it (ibid.) */

typedef struct {
    /* the model */
    size_t K;              /* truncation K* of the stick-breaking prior,
                              >= 1 */
    double alpha_shape;    /* a: alpha ~ Gamma(a, b), shape and rate, */
    double alpha_rate;     /* both > 0 */
    uint64_t n_max;        /* optional upper bound on N (the prior becomes
                              1/N on n..n_max); 0 = no bound, the default.
                              LCMCR always applies one (21 n, silently);
                              here a bound is visible: sweeps whose draw of
                              N was held back by it are counted and
                              flagged (VC_FLAG_BOUND).  When set, must
                              satisfy n < n_max <= n + 2^32 - 1. */
    /* the run */
    int sampler;           /* VC_LCM_SAMPLER_* */
    size_t temperatures;   /* replicas per chain under tempering, 2 to 64 */
    double beta_min;       /* temperature of the hottest replica, in
                              (0, 1): the fraction of the table it sees */
    int adapt_ladder;      /* 1 (default): tempering adapts the ladder
                              between 1 and beta_min during the first half
                              of the burn-in, then freezes it
                              (models/chains.c); 0: geometric ladder */
    size_t chains;         /* number of chains, >= 1 */
    uint64_t burnin;       /* sweeps per chain discarded before any draw */
    uint64_t iterations;   /* sweeps per chain after burn-in (vc_lcm_run;
                              rounds choose their own length) */
    uint64_t thin;         /* keep every thin-th sweep after burn-in, >= 1 */
    uint64_t seed;         /* master seed of the Philox streams */
    uint64_t stratum;      /* stratum id (e.g. vc_hash_string(label)): part
                              of the stream key, so strata of one job draw
                              independent numbers whatever order they run */
    int threads;           /* OpenMP threads for the chains; 0 = OpenMP's
                              default.  With >= 2,048 distinct patterns,
                              also the threads of each chain's blocks of
                              patterns (0: one; nested parallelism must
                              be enabled for blocks and chains to run in
                              parallel together).  Never changes the
                              results. */
    /* the report */
    double level;          /* interval level in (0, 1) */
    double rhat_max;       /* converged when R-hat < rhat_max ... */
    double ess_min;        /* ... and bulk ESS >= ess_min (both for N) */
} vc_lcm_opts;

/* Fill o with the defaults above. */
void vc_lcm_opts_default(vc_lcm_opts *o);

/* Check every field of o against table t (for n_max).  VC_EINVAL names the
 * field. */
int vc_lcm_opts_check(const vc_lcm_opts *o, const vc_table *t, vc_error *err);

/* ---------------------------------------------------------------------
 * One chain
 * ------------------------------------------------------------------- */

/*
 * The state of one chain at the end of a sweep: everything that defines
 * the Markov chain (the class allocations of the observed people are
 * redrawn from these at the start of each sweep).  Arrays are owned by the
 * workspace; index lambda as [j * K + k].
 */
typedef struct {
    size_t J, K;
    double alpha;            /* stick-breaking concentration */
    double *log_lambda;      /* J*K: log lambda_jk, P(list j catches a
                                member of class k) */
    double *log_1m_lambda;   /* J*K: log(1 - lambda_jk) */
    double *log_pi;          /* K: log class weights */
    uint64_t *n0_class;      /* K: unobserved people in each class */
    uint64_t n0;             /* people no list saw: sum of n0_class */
    uint64_t N;              /* n + n0 */
    size_t occupied;         /* classes with at least one person, seen or
                                unseen, in the latest sweep */
    double log_pi0;          /* log P(missed by every list) */
    uint64_t sweeps;         /* sweeps since vc_lcm_init */
    uint64_t bound_sweeps;   /* sweeps whose draw of n0 met n_max */
} vc_lcm_state;

typedef struct vc_lcm_workspace vc_lcm_workspace;

/*
 * Allocate the state and scratch of one chain for table t (borrowed: it
 * must outlive the workspace) under the model options of o (K,
 * alpha_shape, alpha_rate, n_max) and its sampler (o is copied).  Errors:
 * VC_EINVAL (bad option, a tempering sampler, which needs several
 * replicas: vc_lcm_chains_*, a table with no one observed, a count above
 * 2^32 - 1), VC_ENOMEM.  Returned; free with vc_lcm_free.
 */
vc_lcm_workspace *vc_lcm_alloc(const vc_table *t, const vc_lcm_opts *o,
                               vc_error *err);

/*
 * Start the chain from a dispersed point: alpha, the stick-breaking
 * weights and lambda drawn from their priors, then n0 and the unobserved
 * people's classes from their full conditional.  Chains started this way
 * begin at very different N, so R-hat can see a chain that has not
 * forgotten its start.  Errors: VC_ENUMERIC.
 */
int vc_lcm_init(vc_lcm_workspace *w, const gsl_rng *r, vc_error *err);

/*
 * One sweep of the workspace's sampler (o->sampler of vc_lcm_alloc; the
 * default is the hybrid, gibbs the plain Gibbs sweep; models/schedule.c
 * says what each does).  Allocates nothing; its cost depends on the
 * number of distinct observed patterns, J and K, not on n.  Errors:
 * VC_ENUMERIC (a non-finite weight, or N beyond 2^62).
 */
int vc_lcm_iterate(vc_lcm_workspace *w, const gsl_rng *r, vc_error *err);

/* The current state (borrowed from w; valid until the next call on w). */
const vc_lcm_state *vc_lcm_state_get(const vc_lcm_workspace *w);

/* Free; NULL is a no-op. */
void vc_lcm_free(vc_lcm_workspace *w);

/* ---------------------------------------------------------------------
 * Several chains, in rounds
 * ------------------------------------------------------------------- */

/* The kept draws of one chain, in sweep order (owned by the chains
 * object; valid until its next round or free).  Draw i was taken after
 * post-burn-in sweep (i + 1) * thin. */
typedef struct {
    size_t ndraws;
    uint64_t *N;           /* population size n + n0 */
    double *alpha;         /* concentration parameter */
    uint32_t *occupied;    /* classes holding at least one person */
} vc_lcm_trace;

typedef struct vc_lcm_chains vc_lcm_chains;

/*
 * Allocate o->chains chains on table t (borrowed), each initialised
 * (vc_lcm_init) from its own stream (o->seed, o->stratum, chain, 0).
 * o is copied.  Errors: those of vc_lcm_opts_check and vc_lcm_alloc.
 * Returned; free with vc_lcm_chains_free.
 */
vc_lcm_chains *vc_lcm_chains_alloc(const vc_table *t, const vc_lcm_opts *o,
                                   vc_error *err);

/*
 * Run every chain `sweeps` further sweeps after burn-in, in parallel
 * (the first round first runs the burn-in), appending every thin-th
 * state to the chain's trace.  Splitting a run into rounds does not
 * change it: rounds of 3000 and 7000 sweeps give the same draws as one of
 * 10000.  A first round of 0 sweeps runs the burn-in alone (to time the
 * sampling separately).  Errors: VC_ENOMEM (growing the traces; the
 * chains are then
 * unchanged), VC_ENUMERIC (the first failing chain in chain order is
 * reported; the object should then be freed).
 */
int vc_lcm_chains_round(vc_lcm_chains *c, uint64_t sweeps, vc_error *err);

size_t vc_lcm_chains_count(const vc_lcm_chains *c);

/*
 * Exchange acceptance rates of a tempering run, pooled over chains: rate
 * [r] for the pair of replicas (r, r + 1), r < temperatures - 1 (filled).
 * Returns the number of pairs (0 under plain Gibbs).
 */
size_t vc_lcm_chains_swap_rates(const vc_lcm_chains *c, double *rate,
                                size_t size);

/*
 * The ladder of temperatures (after adaptation, once the burn-in has run):
 * beta[q] for q < temperatures (filled, up to size).  Returns the number
 * of replicas (1 under plain Gibbs, whose ladder is {1}).
 */
size_t vc_lcm_chains_ladder(const vc_lcm_chains *c, double *beta,
                            size_t size);

/* Split-merge counters (models/splitmerge.c), burn-in included. */
typedef struct {
    uint64_t splits_proposed, splits_accepted;
    uint64_t merges_proposed, merges_accepted;
    uint64_t splits_no_empty_class;  /* splits impossible: no empty class */
    uint64_t label_swaps_proposed, label_swaps_accepted;
} vc_lcm_splitmerge_counts;

/*
 * The split-merge counters of replica `replica` (0: the full table; 0
 * unless tempering-splitmerge), pooled over chains (filled).  Returns 1,
 * or 0 (all zero) under a sampler without label swaps or split-merge
 * proposals or for a replica that does not exist.
 */
int vc_lcm_chains_splitmerge_counts(const vc_lcm_chains *c, size_t replica,
                                    vc_lcm_splitmerge_counts *out);

/* Counters of the hybrid sampler's own moves, burn-in included: the
 * moves of the unseen (models/lcm.c, step (a')) and the flips of classes
 * 1 and K with alpha (models/splitmerge.c). */
typedef struct {
    uint64_t unseen_moves_proposed, unseen_moves_accepted;
    uint64_t flips_proposed, flips_accepted;
} vc_lcm_hybrid_counts;

/* The hybrid's counters, pooled over chains (filled).  Returns 1, or 0
 * (all zero) under a sampler without these moves. */
int vc_lcm_chains_hybrid_counts(const vc_lcm_chains *c,
                                vc_lcm_hybrid_counts *out);

/* Sweeps per chain after burn-in so far. */
uint64_t vc_lcm_chains_sweeps(const vc_lcm_chains *c);

/* The trace of chain `chain` (< count), borrowed; NULL when out of range. */
const vc_lcm_trace *vc_lcm_chains_trace(const vc_lcm_chains *c, size_t chain);

/* The state of chain `chain` now, borrowed; NULL when out of range. */
const vc_lcm_state *vc_lcm_chains_state(const vc_lcm_chains *c,
                                        size_t chain);

void vc_lcm_chains_free(vc_lcm_chains *c);

/* ---------------------------------------------------------------------
 * Diagnostics and summaries (models/diag.c)
 *
 * Draws x are chain-major: x[c * n + i] is draw i of chain c, with m
 * chains of n draws each.
 * ------------------------------------------------------------------- */

/* Summary of one scalar quantity over all chains. */
typedef struct {
    double mean, sd, median;
    double level;              /* interval level */
    double lower, upper;       /* equal-tailed: quantiles (1 -+ level)/2 */
    double hpd_lower, hpd_upper; /* shortest interval holding ceil(level S)
                                    of the S draws */
    int diag_defined;          /* 0 when R-hat and ESS are undefined (a
                                  constant chain, fewer than 4 draws per
                                  chain); the fields below are then 0 */
    double rhat;               /* max of rank-normalised split R-hat and
                                  folded split R-hat */
    double ess_bulk, ess_tail;
    double mcse_mean, mcse_median, mcse_lower, mcse_upper;
} vc_diag_summary;

/*
 * Quantile of sorted data (n >= 1) at probability p in [0, 1], by linear
 * interpolation between order statistics (Hyndman & Fan 1996, type 7; R's
 * default).
 */
double vc_diag_quantile_sorted(const double *sorted, size_t n, double p);

/*
 * Rank-normalised split R-hat, max of bulk and folded (Vehtari et al.
 * 2021, sec. 4.1-4.2); bulk ESS (rank-normalised split chains, sec. 3.2 and
 * 4.1); tail ESS (min of the ESS of the indicators of the 5% and 95%
 * quantiles, sec. 4.3); basic ESS of the draws themselves (for the MCSE of
 * the mean).  Each needs m >= 1 chains of n >= 4 draws.  Errors: VC_EINVAL
 * (too few draws, non-finite draws), VC_EUNDEFINED (a split chain is
 * constant), VC_ENOMEM.  *out is filled.
 */
int vc_diag_rhat(const double *x, size_t m, size_t n, double *out,
                 vc_error *err);
int vc_diag_ess_bulk(const double *x, size_t m, size_t n, double *out,
                     vc_error *err);
int vc_diag_ess_tail(const double *x, size_t m, size_t n, double *out,
                     vc_error *err);
int vc_diag_ess_basic(const double *x, size_t m, size_t n, double *out,
                      vc_error *err);

/*
 * Monte Carlo standard error of the p-quantile (Vehtari et al. 2021, sec.
 * 4.4): the ESS S of the indicator I(x <= q_p) on split chains gives a
 * Beta(S p + 1, S (1 - p) + 1) for the probability level of the estimate;
 * its 15.87% and 84.13% quantiles, mapped through the draws' quantile
 * function, span two standard errors.  Errors as vc_diag_rhat.
 */
int vc_diag_mcse_quantile(const double *x, size_t m, size_t n, double p,
                          double *out, vc_error *err);

/*
 * Everything above for one quantity, at interval level `level`.  Errors:
 * VC_EINVAL (no draws, level outside (0, 1), non-finite draws),
 * VC_ENOMEM.  Undefined diagnostics are not an error: diag_defined = 0.
 */
int vc_diag_summarise(const double *x, size_t m, size_t n, double level,
                      vc_diag_summary *out, vc_error *err);

/* Soft problems of an LCM run, in vc_lcm_summary.flags and
 * vc_estimate.flags: VC_FLAG_NOT_CONVERGED, VC_FLAG_BOUND, VC_FLAG_TAILS
 * and VC_FLAG_REPLICA (core/vc_estimate.h, with their words). */

/* VC_FLAG_REPLICA: a replica's draws outside the cold chains' range
 * of N hold at least this share of its weight reweighted to the
 * posterior, with at least VC_LCM_REPLICA_ESS_MIN effective weights and
 * VC_LCM_REPLICA_DRAWS_MIN draws outside.  The cold chains' own kept
 * draws put no weight outside their range, and a replica that samples
 * the same posterior puts about 1 / (draws) there (the exact K = 2, J =
 * 3 test's tempering run: 0, weights' ESS 29,636). */
#define VC_LCM_REPLICA_SHARE_MAX 0.01
#define VC_LCM_REPLICA_ESS_MIN 20.0
#define VC_LCM_REPLICA_DRAWS_MIN 5

/* Below this p-value the chains' tail shares disagree
 * (VC_FLAG_TAILS).  Far below the usual levels because the ESS of a
 * tail's indicator within one chain overstates its information where
 * slow configurations come and go: on UK (issue 21) a well-mixed hybrid
 * run (4 x 200,000 sweeps, seed 21, 0.13-0.21% of each chain below N =
 * 15,000) gave p = 3e-4, a Gibbs run with one chain started in the
 * low-N region (3.7% of its draws below 15,000 against 0.14-0.16%; R-hat
 * 1.004, converged by R-hat and ESS) gave 2e-10. */
#define VC_LCM_TAIL_P_MIN 1e-6

/* Everything a report needs about a run. */
typedef struct {
    vc_diag_summary N;          /* population size: the estimand */
    vc_diag_summary alpha;
    vc_diag_summary occupied;   /* number of occupied classes */
    int converged;              /* N's R-hat < rhat_max, bulk ESS >=
                                   ess_min, the chains agree on the
                                   tails (tail_p >= VC_LCM_TAIL_P_MIN),
                                   and no replica of tempering holds N
                                   the cold chains miss
                                   (VC_FLAG_REPLICA) */
    /* Agreement of the chains on each tail: the share of each chain's
     * draws below N.lower (the pooled draws' lower end) and above
     * N.upper, min and max over the chains, and the smaller of the two
     * tails' p-values of a chi-square test of equal shares, each chain
     * weighted by the ESS of its own indicator (models/chains.c).
     * tail_p 1 when undefined (no diagnostics, or one chain). */
    double low_share_min, low_share_max;
    double high_share_min, high_share_max;
    double tail_p;
    /* Tempering's replicas against the cold chains (0 and undefined
     * without tempering): for each replica r >= 1, its kept draws'
     * implied N (n / (1 - pi0), pi0 the probability of being missed by
     * every list), weighted to the posterior by the ratio of the full
     * table's marginal likelihood to the replica's (importance sampling),
     * and the share of that weight on N outside the cold chains' range of
     * the same quantity (cold_lo, cold_hi).  Reported: the replica with
     * the largest share among those with VC_LCM_REPLICA_ESS_MIN
     * effective weights (replica 0 if none), its beta, the share below
     * and above, the weights' ESS and its draws outside the range. */
    size_t replica;
    double replica_beta, replica_below, replica_above, replica_ess;
    size_t replica_outside;
    double cold_lo, cold_hi;
    /* Separate modes of the pooled draws of N (models/chains.c,
     * vci_modes: valleys of a histogram of log N at most a tenth of the
     * peaks on either side, each side holding 1% of the draws or more):
     * how many (1: unimodal; at most 4 reported), each one's peak, range
     * and share of the draws, in increasing N. */
    size_t modes;
    double mode_centre[4], mode_lo[4], mode_hi[4], mode_weight[4];
    unsigned flags;             /* VC_FLAG_* */
    uint64_t observed;          /* n */
    /* what was run, for the record (style guide, section 5) */
    const char *rng;            /* generator name (static) */
    const char *sampler;        /* "gibbs", "tempering",
                                   "tempering-splitmerge" or "hybrid"
                                   (static) */
    size_t temperatures;        /* replicas per chain (1 under Gibbs) */
    double beta_min;
    const char *version;        /* library version (static) */
    uint64_t seed, stratum;
    size_t chains, K;
    uint64_t burnin, sweeps, thin; /* sweeps: per chain after burn-in */
    size_t draws;               /* kept draws per chain */
    uint64_t bound_sweeps;      /* over all chains */
} vc_lcm_summary;

/*
 * Rank-normalised split R-hat of N over the draws kept so far (as in the
 * summary, without the rest of it: for progress lines).  Errors:
 * VC_EUNDEFINED (fewer than 4 draws a chain, or a constant split chain),
 * VC_ENOMEM.
 */
int vc_lcm_chains_rhat(const vc_lcm_chains *c, double *rhat, vc_error *err);

/*
 * Summarise the chains so far.  Errors: VC_EINVAL (no draws yet),
 * VC_ENOMEM.  s is filled.
 */
int vc_lcm_chains_summary(const vc_lcm_chains *c, vc_lcm_summary *s,
                          vc_error *err);

/*
 * The summary as a vc_estimate (filled): method "lcm", estimate = the
 * posterior median, se = the posterior sd, lower/upper = the equal-tailed
 * interval, flags = s->flags.
 */
void vc_lcm_summary_estimate(const vc_lcm_summary *s, vc_estimate *out);

/*
 * The common case: alloc, one round of o->iterations sweeps, summary,
 * free.  o may be NULL (defaults).  Errors: those of the functions
 * above.
 */
int vc_lcm_run(const vc_table *t, const vc_lcm_opts *o, vc_lcm_summary *s,
               vc_error *err);

#endif /* VC_MODELS_H */
