/*
 * vc_dga.h: Bayesian model averaging over decomposable graphical models
 * for capture-recapture (Madigan & York 1997), part of the models module.
 *
 * Legend: J lists, n observed, n0 unseen, N = n + n0; a graph G on the J
 * lists says which lists may depend on each other directly.
 */
#ifndef VC_DGA_H
#define VC_DGA_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"
#include "data/vc_data.h"
#include "estimators/vc_estimators.h"

/* Exact enumeration of all decomposable graphs is offered up to this many
 * lists (5 lists: 822 graphs; 6 would be 18,154). */
#define VC_DGA_MAX_EXACT_LISTS 5
/* MCMC over graphs handles up to this many lists: an edge mask of 28 bits
 * and 256 marginal tables (New Orleans has 8 lists). */
#define VC_DGA_MAX_LISTS 8

/* Prior on the population size N. */
typedef enum {
    VC_DGA_PRIOR_INV_N = 0, /* p(N) proportional to 1/N (dga's default) */
    VC_DGA_PRIOR_NEGBIN = 1 /* negative binomial on N, see nb_a, nb_b */
} vc_dga_prior;

typedef struct {
    double delta;      /* prior weight of each cell of the 2^J table in the
                          hyper-Dirichlet prior; <= 0 means 2^-J */
    uint64_t n0_lo;    /* first grid point for the number unseen */
    uint64_t n0_hi;    /* last grid point; 0 = automatic (25 n, widened
                          until the top of the grid carries no mass) */
    vc_dga_prior prior;
    double nb_a, nb_b; /* negative binomial: p(N) = Gamma(N + a) /
                          (Gamma(a) N!) (1 + b)^-a (b / (1 + b))^N, a
                          gamma (shape a, scale b) mixture of Poissons:
                          mean a b, variance a b (1 + b) */
    size_t top;        /* how many of the most probable graphs to report;
                          0 = 10 */
} vc_dga_opts;

/* Soft problems, in vc_dga_result.flags and vc_estimate.flags:
 * VC_FLAG_UPPER_OPEN (posterior mass near the top of the grid of n0 is
 * not negligible), VC_FLAG_SPARSE (some pair of lists has no one in
 * common: graphs joining them rest on the prior alone) and, from MCMC,
 * VC_FLAG_NOT_CONVERGED (R-hat >= rhat_max or bulk ESS < ess_min for
 * E(N | G) or the number of edges); core/vc_estimate.h words them. */

/* One of the most probable graphs. */
typedef struct {
    uint32_t edges;     /* edge mask, bit vc_dga_edge_index(a, b) */
    double posterior;   /* posterior probability of the graph (MCMC:
                           its share of the kept draws) */
    double renormalised; /* MCMC: its marginal likelihood over the sum of
                            those of the distinct graphs visited (exact:
                            equal to posterior) */
    double mean_N;      /* posterior mean of N given this graph */
    char cliques[256];  /* e.g. "[EXH,ABA][ABA,OSCE][HRW]" */
} vc_dga_graph;

/* What an MCMC run did, and its diagnostics (Vehtari et al. 2021, as the
 * latent-class core): R-hat and bulk ESS of two scalar traces, the
 * posterior mean of N given the graph of each draw, E(N | G), and the
 * number of edges of the graph. */
typedef struct {
    const char *rng;      /* generator name (static) */
    uint64_t seed, stratum;
    size_t chains;
    uint64_t burnin, sweeps, thin; /* sweeps per chain after burn-in; a
                                      sweep is J(J-1)/2 proposals */
    size_t draws;         /* kept draws per chain */
    size_t visited;       /* distinct graphs among the kept draws */
    size_t evaluated;     /* distinct graphs whose marginal likelihood
                             was computed (the cache) */
    double acceptance;    /* accepted proposals over all proposals */
    int diag_defined;     /* 0: a trace too short or constant in a split
                             chain; the four figures below are then 0 */
    double rhat_N, ess_N; /* of E(N | G) */
    double rhat_edges, ess_edges;
    int converged;        /* both R-hats < rhat_max and both ESS >= ess_min,
                             or every draw of every chain on one graph */
} vc_dga_mcmc_info;

/* Result of a fit.  Returned by vc_dga_fit or the MCMC functions; free
 * with vc_dga_result_free. */
typedef struct {
    size_t J;
    size_t ngraphs;       /* decomposable graphs averaged over (MCMC: the
                             distinct graphs visited) */
    uint64_t n;           /* people observed */
    uint64_t n0_lo;       /* grid: n0 = n0_lo + i, i < ngrid */
    size_t ngrid;
    double *post;         /* ngrid posterior probabilities of n0 */
    double delta;         /* the prior cell weight used */
    double mean, sd;      /* posterior mean and sd of N */
    double median, mode;  /* of N, grid points */
    double tail_mass;     /* posterior mass in the top 5% of the grid */
    size_t ntop;
    vc_dga_graph *top;    /* ntop most probable graphs, best first */
    double *edge_post;    /* J*J: posterior probability of edge (a, b) */
    unsigned flags;       /* VC_FLAG_* */
    int mcmc;             /* 1: from MCMC over graphs, mc is filled */
    vc_dga_mcmc_info mc;
    /* every graph averaged over, in the order averaged, with its
     * posterior probability (what vc_dga_ppc draws graphs from) */
    size_t nall;
    uint32_t *all_edges;  /* nall edge masks */
    double *all_post;     /* nall posterior probabilities */
} vc_dga_result;

/* Bit index of the edge between lists a != b among the J(J-1)/2 pairs. */
size_t vc_dga_edge_index(size_t a, size_t b);

/*
 * All decomposable (chordal) graphs on J lists, generated by testing every
 * graph for chordality with maximum cardinality search (Tarjan &
 * Yannakakis 1984).  Fills *edges (returned, free with free()) with their
 * edge masks in increasing order; returns the count (8, 61, 822 for J = 3,
 * 4, 5), or 0 with err set.
 */
size_t vc_dga_decomposable_graphs(size_t J, uint32_t **edges, vc_error *err);

/*
 * Exact posterior over (graph, n0) for J <= VC_DGA_MAX_EXACT_LISTS, with a
 * uniform prior over decomposable graphs.  Errors: VC_EINVAL (bad options,
 * J out of range), VC_ENOMEM.  Returned.
 */
vc_dga_result *vc_dga_fit(const vc_table *t, const vc_dga_opts *opts,
                          vc_error *err);

/* Posterior quantile of N at probability p: the first grid point whose
 * cumulative posterior reaches p. */
double vc_dga_quantile(const vc_dga_result *r, double p);

/*
 * Fill e (method "dga") with the posterior median as the estimate, the
 * equal-tailed interval at level, the posterior sd as se, and r's flags.
 */
void vc_dga_estimate(const vc_dga_result *r, double level, vc_estimate *e);

void vc_dga_result_free(vc_dga_result *r);

/* ---------------------------------------------------------------------
 * MCMC over decomposable graphs (models/dga_mcmc.c), for more lists than
 * exact enumeration handles, up to VC_DGA_MAX_LISTS.  The chain moves on
 * graphs alone: each graph's posterior, with n0 summed out on the grid,
 * is computed exactly and cached.  Chain c draws from the Philox stream
 * (seed, stratum, c, 0): results are bit-identical whatever the number of
 * threads.
 * ------------------------------------------------------------------- */

#define VC_DGA_DEFAULT_CHAINS 4        /* the minimum Vehtari et al. (2021)
                                          recommend for R-hat */
#define VC_DGA_DEFAULT_BURNIN 10000    /* sweeps; as the LCM, so the CLI's
                                          --burnin, --iterations and
                                          --thin mean the same for both.
                                          Chains from random graphs reach
                                          the posterior's mass within a
                                          few hundred sweeps on UK data */
#define VC_DGA_DEFAULT_ITERATIONS 100000 /* sweeps per chain after burn-in:
                                          on UK 6 lists, 4 chains give
                                          bulk ESS of E(N | G) ~8,000 in
                                          about 2 s (bench/RESULTS.md);
                                          10,000 sweeps are not enough to
                                          cross between its two modes */
#define VC_DGA_DEFAULT_THIN 10         /* as the LCM */
#define VC_DGA_DEFAULT_SEED 19990785u  /* any fixed value; always reported */

typedef struct {
    size_t chains;       /* >= 1 */
    uint64_t burnin;     /* sweeps per chain discarded first */
    uint64_t iterations; /* sweeps per chain after burn-in (vc_dga_mcmc_fit;
                            rounds choose their own length) */
    uint64_t thin;       /* keep every thin-th sweep, >= 1 */
    uint64_t seed;       /* master seed of the Philox streams */
    uint64_t stratum;    /* stratum id, part of the stream key */
    int threads;         /* OpenMP threads; 0 = OpenMP's default.  Never
                            changes the results. */
    double rhat_max;     /* converged when R-hat < rhat_max ... */
    double ess_min;      /* ... and bulk ESS >= ess_min */
} vc_dga_mcmc_opts;

/* Fill m with the defaults above (R-hat 1.01, ESS 400 as the LCM). */
void vc_dga_mcmc_opts_default(vc_dga_mcmc_opts *m);

typedef struct vc_dga_chains vc_dga_chains;

/*
 * Allocate m->chains chains on table t (borrowed) over the n0 grid of o
 * (the automatic grid is its first size, 25 n; vc_dga_mcmc_fit widens
 * it), each started from a random decomposable graph drawn from its own
 * stream.  o and m are copied; o may be NULL.  Errors: VC_EINVAL (bad
 * options, fewer than 2 or more than VC_DGA_MAX_LISTS lists), VC_ENOMEM.
 * Returned; free with vc_dga_chains_free.
 */
vc_dga_chains *vc_dga_chains_alloc(const vc_table *t, const vc_dga_opts *o,
                                   const vc_dga_mcmc_opts *m, vc_error *err);

/*
 * Run every chain `sweeps` further sweeps after burn-in, in parallel (the
 * first round first runs the burn-in), keeping every thin-th state.
 * Rounds do not change the draws.  Errors: VC_ENOMEM (the chains are then
 * unchanged when the traces could not grow; after a failure inside a
 * chain the object should be freed).
 */
int vc_dga_chains_round(vc_dga_chains *c, uint64_t sweeps, vc_error *err);

/*
 * The kept draws of chain `chain` so far: *edges (edge mask of the graph)
 * and *mean_N (E(N | G) of that graph), both borrowed until the next
 * round; returns their number (0 for a chain out of range).
 */
size_t vc_dga_chains_trace(const vc_dga_chains *c, size_t chain,
                           const uint32_t **edges, const double **mean_N);

/*
 * The model-averaged posterior from the draws so far (see dga_mcmc.c for
 * why the graphs are weighted by their visit frequencies), with the top
 * graphs, edge posteriors and mc filled.  Errors: VC_EINVAL (no draws
 * yet), VC_ENOMEM, VC_ENUMERIC.  Returned.
 */
vc_dga_result *vc_dga_chains_result(const vc_dga_chains *c, vc_error *err);

void vc_dga_chains_free(vc_dga_chains *c);

/*
 * The common case: chains, one round of m->iterations sweeps, result;
 * with an automatic grid (o->n0_hi = 0) the whole run is repeated on a
 * grid twice as wide while the top of the grid holds posterior mass, as
 * vc_dga_fit does.  o and m may be NULL (defaults).  Errors: as above.
 */
vc_dga_result *vc_dga_mcmc_fit(const vc_table *t, const vc_dga_opts *o,
                               const vc_dga_mcmc_opts *m, vc_error *err);

#endif /* VC_DGA_H */
