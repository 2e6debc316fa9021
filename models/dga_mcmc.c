/*
 * dga_mcmc.c: Markov chain Monte Carlo over decomposable graphs, for
 * Bayesian model averaging (Madigan & York 1997) with more lists than
 * exact enumeration can handle (6 lists: 18,154 decomposable graphs; 8:
 * over 30 million).
 *
 * References:
 *  [1] D. Madigan and J. C. York (1997), Biometrika 84(1):19-31.
 *  [2] P. Giudici and P. J. Green (1999), "Decomposable graphical Gaussian
 *      model determination", Biometrika 86(4):785-801.
 *  [3] M. Frydenberg and S. L. Lauritzen (1989), "Decomposition of
 *      maximum likelihood in mixed graphical interaction models",
 *      Biometrika 76(3):539-555.
 *  [4] A. Thomas and P. J. Green (2009), "Enumerating the decomposable
 *      neighbours of a decomposable graph under a simple perturbation
 *      scheme", Computational Statistics & Data Analysis 53:1232-1238.
 *  [5] M. A. Clyde and J. Ghosh (2012), "Finite population estimators in
 *      stochastic search variable selection", Biometrika 99(4):981-988.
 *  [6] G. Garcia-Donato and M. A. Martinez-Beneito (2013), "On sampling
 *      strategies in Bayesian variable selection problems with large
 *      model spaces", JASA 108(501):340-352.
 *  [7] W. K. Hastings (1970), "Monte Carlo sampling methods using Markov
 *      chains and their applications", Biometrika 57(1):97-109.
 *
 * Legend as in dga.c: J lists, G a decomposable (chordal) graph on them,
 * n0 on the grid, N = n + n0.  m(G) is the number of legal moves from G.
 *
 * Target.  The chain moves on graphs alone.  With a uniform prior over
 * decomposable graphs (as the exact path and dga), the marginal posterior
 * of a graph is
 *     p(G | data) proportional to Z_G = sum over the grid of p(G, n0 | data)
 * (dga.c, [1] eq. (3) summed over n0): one pass over the n0 grid with the
 * clique and separator rows of dga.c, done once per distinct graph and
 * cached (a hash map from the edge mask), since chains revisit graphs
 * far more often than they find new ones.  Only blocks of the grid within
 * e^50 of the graph's largest value are summed.
 *
 * Moves [2].  A move toggles one edge (a, b) and must leave the graph
 * chordal.  With C = N(a) & N(b), the common neighbours of a and b:
 *   - removing an edge keeps G chordal iff (a, b) lies in exactly one
 *     maximal clique [2, 3], that is iff C is complete (then {a, b} + C is
 *     that clique; two non-adjacent x, y in C would give two cliques, and
 *     a-x-b-y-a would be a chordless 4-cycle once ab is gone);
 *   - adding an absent edge keeps G chordal iff a and b are in different
 *     connected components, or a and b are in adjacent cliques of some
 *     junction tree [2]; equivalently, iff C separates a from b in G
 *     (which covers both cases, C being empty between components).  Proof
 *     of the equivalent form: a chordless cycle of G + ab of length >= 4
 *     must use ab, so it is ab plus a path from b to a in G; if every
 *     such path meets C, the path has a vertex c adjacent to both ends,
 *     a chord (or the cycle is the triangle a-c-b).  Conversely a
 *     shortest path from a to b in G - C is induced, has at least two
 *     inner vertices (one inner vertex would be in C), and closes with ab
 *     into a chordless cycle of length >= 4.
 * Both tests are a few bit operations on adjacency masks; the test suite
 * checks them against maximum cardinality search on every graph on up to
 * six lists.
 *
 * Metropolis-Hastings [7].  From G a move is drawn uniformly among the
 * m(G) legal ones, giving G', and accepted with probability
 *     min(1, Z_G' / Z_G * m(G) / m(G')).
 * m(G) changes from graph to graph (the empty graph on J lists has
 * J(J-1)/2 legal moves, a chain-shaped graph fewer), so the proposal is
 * not symmetric and the ratio m(G) / m(G') is what makes p(G | data) the
 * stationary law.  (Giudici & Green [2] draw any pair and reject illegal
 * toggles, which is symmetric but wastes proposals; [4] counts the legal
 * neighbours.)  A sweep is J(J-1)/2 proposals.  Each chain starts from a
 * random graph: a walk of J(J-1) uniform legal moves from the empty
 * graph, drawn from its own stream, so chains start apart and R-hat can
 * see one that has not forgotten its start.
 *
 * Model-averaged posterior of N.  n0 is summed out within each graph
 * exactly (a Rao-Blackwellisation: no draws of n0 at all).  Across graphs
 * two estimators offer themselves:
 *   (a) visit frequencies: p(n0 | data) ~ sum_G f_G p(n0 | G, data), f_G
 *       the share of kept draws on G;
 *   (b) renormalised marginal likelihoods over the distinct graphs
 *       visited: weights Z_G / sum_{visited} Z_G.
 * We use (a).  It is an ergodic average of p(n0 | G, data) along the
 * chain, so it converges to the posterior and its Monte Carlo error is
 * what R-hat and ESS measure.  (b) has exact relative weights among the
 * graphs it saw but treats the unvisited graphs as having no mass and
 * depends on the random set the chain happened to visit: its error is a
 * bias that no chain diagnostic shows, and it need not have lower mean
 * squared error [5, 6].  (b) is still reported for each top graph
 * (vc_dga_graph.renormalised): where (a) and (b) disagree, the chains
 * have not explored the graphs well.  The average itself is computed with
 * the exact pass of dga.c, giving graph G the prior weight f_G / Z_G.
 *
 * Reproducibility (style guide, section 5): chain c draws only from the
 * Philox stream (seed, stratum, c, 0).  The cache and the grid rows are
 * shared between chains behind locks, but a cached value is a function
 * of the graph alone, computed the same way whichever chain asks first,
 * so what a chain draws does not depend on the thread count or timing.
 * The summary combines chains after the parallel region in chain order
 * and averages distinct graphs in edge-mask order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "models/dga_impl.h"
#include "models/vc_models.h"

#define MAX_PAIRS (VC_DGA_MAX_LISTS * (VC_DGA_MAX_LISTS - 1) / 2)

/* A graph's cached figures. */
typedef struct {
    uint32_t edges;
    uint32_t nmoves;
    double log_Z;            /* log of the graph's unnormalised posterior */
    double mean_N;           /* E(N | G, data) */
    uint8_t moves[MAX_PAIRS]; /* its legal moves (edge indices) */
} graph_entry;

/* Open addressing on the edge mask; slot holds entry index + 1, 0 when
 * empty.  The table is at most half full. */
typedef struct {
    size_t nslot, count, cap;
    uint32_t *slot;
    graph_entry *entry;
} graph_cache;

typedef struct {
    gsl_rng *r;
    graph_entry cur;         /* the state: the current graph */
    uint64_t proposed, accepted;
    size_t ndraws;
    uint32_t *edges;         /* trace */
    double *mean_N;
    double *scratch;         /* vci_dga_eval_scratch doubles */
    graph_cache near;        /* the chain's own copy of the entries it has
                                met: looked up without a lock, so chains
                                touch the shared cache only for graphs
                                new to them */
    int status;
    vc_error err;
} dga_chain;

struct vc_dga_chains {
    const vc_table *t;       /* borrowed */
    vc_dga_opts o;
    vc_dga_mcmc_opts m;
    size_t J, npairs;
    vci_dga_grid grid;
    graph_cache cache;
    omp_lock_t cache_lock, grid_lock;
    int locks;               /* the locks are initialised */
    size_t nchains;
    dga_chain *chain;
    size_t cap;              /* capacity of each trace */
    uint64_t sweeps;         /* per chain after burn-in */
    int burned, failed;
};

void vc_dga_mcmc_opts_default(vc_dga_mcmc_opts *m)
{
    memset(m, 0, sizeof *m);
    m->chains = VC_DGA_DEFAULT_CHAINS;
    m->burnin = VC_DGA_DEFAULT_BURNIN;
    m->iterations = VC_DGA_DEFAULT_ITERATIONS;
    m->thin = VC_DGA_DEFAULT_THIN;
    m->seed = VC_DGA_DEFAULT_SEED;
    m->rhat_max = VC_LCM_DEFAULT_RHAT_MAX;
    m->ess_min = VC_LCM_DEFAULT_ESS_MIN;
}

/* ---------------------------------------------------------------------
 * Legal moves
 * ------------------------------------------------------------------- */

/* 1 when the vertex set s is complete in the graph adj. */
static int complete(uint32_t s, const uint32_t *adj)
{
    for (uint32_t rest = s; rest != 0; rest &= rest - 1) {
        int v = __builtin_ctz(rest);
        if ((s & ~adj[v] & ~(1u << v)) != 0) {
            return 0;
        }
    }
    return 1;
}

/* 1 when b can be reached from a through vertices in `allowed`. */
static int reachable(size_t a, size_t b, const uint32_t *adj,
                     uint32_t allowed)
{
    uint32_t seen = 1u << a, frontier = seen;
    while (frontier != 0) {
        uint32_t next = 0;
        for (uint32_t f = frontier; f != 0; f &= f - 1) {
            next |= adj[__builtin_ctz(f)];
        }
        next &= allowed & ~seen;
        if (next >> b & 1u) {
            return 1;
        }
        seen |= next;
        frontier = next;
    }
    return 0;
}

size_t vci_dga_legal_moves(size_t J, uint32_t edges, uint8_t *moves)
{
    uint32_t adj[VC_DGA_MAX_LISTS];
    vci_dga_adjacency(J, edges, adj);
    size_t m = 0;
    /* pairs in increasing edge index: b(b-1)/2 + a */
    for (size_t b = 1; b < J; b++) {
        for (size_t a = 0; a < b; a++) {
            size_t e = vc_dga_edge_index(a, b);
            uint32_t common = adj[a] & adj[b];
            int legal;
            if (edges >> e & 1u) {
                legal = complete(common, adj);
            } else {
                legal = !reachable(a, b, adj, ~common);
            }
            if (legal) {
                moves[m++] = (uint8_t)e;
            }
        }
    }
    return m;
}

/* ---------------------------------------------------------------------
 * The cache of graphs
 * ------------------------------------------------------------------- */

static size_t cache_find(const graph_cache *h, uint32_t edges)
{
    size_t mask = h->nslot - 1;
    for (size_t i = vc_mix64(edges) & mask;; i = (i + 1) & mask) {
        if (h->slot[i] == 0 || h->entry[h->slot[i] - 1].edges == edges) {
            return i;
        }
    }
}

/* Insert e (absent) under the caller's lock. */
static int cache_insert(graph_cache *h, const graph_entry *e, vc_error *err)
{
    if (2 * (h->count + 1) > h->nslot) {
        size_t nslot = 2 * h->nslot;
        uint32_t *slot = calloc(nslot, sizeof *slot);
        graph_entry *entry = realloc(h->entry, nslot / 2 * sizeof *entry);
        if (entry != NULL) {
            h->entry = entry;
        }
        if (slot == NULL || entry == NULL) {
            free(slot);
            return vc_error_set(err, VC_ENOMEM,
                                "cannot grow the cache of graphs");
        }
        free(h->slot);
        h->slot = slot;
        h->nslot = nslot;
        h->cap = nslot / 2;
        for (size_t k = 0; k < h->count; k++) {
            h->slot[cache_find(h, h->entry[k].edges)] = (uint32_t)(k + 1);
        }
    }
    h->entry[h->count] = *e;
    h->slot[cache_find(h, e->edges)] = (uint32_t)(h->count + 1);
    h->count++;
    return VC_OK;
}

static int graph_get_shared(vc_dga_chains *c, uint32_t edges,
                            double *scratch, graph_entry *out,
                            vc_error *err);

/*
 * The figures of graph `edges` into *out: from the chain's own cache, the
 * shared cache, or computed
 * (its grid rows filled under the grid lock, then one pass over the grid
 * without any lock) and added.  Two chains may compute the same new graph
 * at once; both get the same figures and the first insert wins.
 */
static int graph_get(vc_dga_chains *c, dga_chain *ch, uint32_t edges,
                     graph_entry *out, vc_error *err)
{
    size_t j = cache_find(&ch->near, edges);
    if (ch->near.slot[j] != 0) {
        *out = ch->near.entry[ch->near.slot[j] - 1];
        return VC_OK;
    }
    int status = graph_get_shared(c, edges, ch->scratch, out, err);
    if (status == VC_OK) {
        status = cache_insert(&ch->near, out, err);
    }
    return status;
}

/* The shared half of graph_get. */
static int graph_get_shared(vc_dga_chains *c, uint32_t edges,
                            double *scratch, graph_entry *out, vc_error *err)
{
    omp_set_lock(&c->cache_lock);
    size_t i = cache_find(&c->cache, edges);
    int found = c->cache.slot[i] != 0;
    if (found) {
        *out = c->cache.entry[c->cache.slot[i] - 1];
    }
    omp_unset_lock(&c->cache_lock);
    if (found) {
        return VC_OK;
    }
    vci_dga_terms gt;
    vci_dga_terms_build(c->J, edges, &gt);
    int status = VC_OK;
    omp_set_lock(&c->grid_lock);
    for (size_t k = 0; k < gt.nterm && status == VC_OK; k++) {
        status = vci_dga_grid_row(&c->grid, gt.subset[k], err);
    }
    omp_unset_lock(&c->grid_lock);
    if (status != VC_OK) {
        return status;
    }
    memset(out, 0, sizeof *out);
    out->edges = edges;
    vci_dga_graph_eval(&c->grid, &gt, scratch, &out->log_Z, &out->mean_N);
    out->nmoves = (uint32_t)vci_dga_legal_moves(c->J, edges, out->moves);
    omp_set_lock(&c->cache_lock);
    i = cache_find(&c->cache, edges);
    if (c->cache.slot[i] == 0) {
        status = cache_insert(&c->cache, out, err);
    }
    omp_unset_lock(&c->cache_lock);
    return status;
}

/* ---------------------------------------------------------------------
 * Chains
 * ------------------------------------------------------------------- */

void vc_dga_chains_free(vc_dga_chains *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t k = 0; c->chain != NULL && k < c->nchains; k++) {
        dga_chain *ch = &c->chain[k];
        if (ch->r != NULL) {
            gsl_rng_free(ch->r);
        }
        free(ch->edges);
        free(ch->mean_N);
        free(ch->scratch);
        free(ch->near.slot);
        free(ch->near.entry);
    }
    free(c->chain);
    free(c->cache.slot);
    free(c->cache.entry);
    vci_dga_grid_free(&c->grid);
    if (c->locks) {
        omp_destroy_lock(&c->cache_lock);
        omp_destroy_lock(&c->grid_lock);
    }
    free(c);
}

static int check_mcmc_opts(const vc_dga_mcmc_opts *m, vc_error *err)
{
    if (m->chains < 1 || m->chains > 4096) {
        return vc_error_set(err, VC_EINVAL,
                            "chains must be 1 to 4096, not %zu", m->chains);
    }
    if (m->thin < 1) {
        return vc_error_set(err, VC_EINVAL, "thin must be at least 1");
    }
    if (!(m->rhat_max > 1.0) || !(m->ess_min >= 0.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "rhat_max must exceed 1 and ess_min be >= 0");
    }
    return VC_OK;
}

/* One Metropolis-Hastings proposal (see the opening comment). */
static int mh_step(vc_dga_chains *c, dga_chain *ch, vc_error *err)
{
    graph_entry *cur = &ch->cur;
    size_t u = (size_t)gsl_rng_uniform_int(ch->r, cur->nmoves);
    uint32_t prop = cur->edges ^ (1u << cur->moves[u]);
    double v = gsl_rng_uniform_pos(ch->r);
    graph_entry next;
    int status = graph_get(c, ch, prop, &next, err);
    if (status != VC_OK) {
        return status;
    }
    /* log of Z_G' / Z_G * m(G) / m(G'), the Hastings ratio */
    double log_ratio = next.log_Z - cur->log_Z
                       + log((double)cur->nmoves) - log((double)next.nmoves);
    ch->proposed++;
    if (log(v) < log_ratio) {
        *cur = next;
        ch->accepted++;
    }
    return VC_OK;
}

/*
 * What both entry points check and settle first: a table, the grid and
 * prior options (vci_dga_setup: oo, delta, lo, hi filled), and the MCMC
 * options (m, or the defaults when NULL, copied into mm and checked).
 */
static int mcmc_prepare(const vc_table *t, const vc_dga_opts *o,
                        const vc_dga_mcmc_opts *m, vc_dga_opts *oo,
                        double *delta, uint64_t *lo, uint64_t *hi,
                        vc_dga_mcmc_opts *mm, vc_error *err)
{
    if (t == NULL) {
        return vc_error_set(err, VC_EINVAL, "no table given");
    }
    int status = vci_dga_setup(t, o, VC_DGA_MAX_LISTS, oo, delta, lo, hi,
                               err);
    if (status != VC_OK) {
        return status;
    }
    if (m == NULL) {
        vc_dga_mcmc_opts_default(mm);
    } else {
        *mm = *m;
    }
    return check_mcmc_opts(mm, err);
}

vc_dga_chains *vc_dga_chains_alloc(const vc_table *t, const vc_dga_opts *o,
                                   const vc_dga_mcmc_opts *m, vc_error *err)
{
    vc_dga_opts oo;
    vc_dga_mcmc_opts mm;
    double delta;
    uint64_t lo, hi;
    if (mcmc_prepare(t, o, m, &oo, &delta, &lo, &hi, &mm, err) != VC_OK) {
        return NULL;
    }
    vc_dga_chains *c = calloc(1, sizeof *c);
    if (c == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate graph chains");
        return NULL;
    }
    c->t = t;
    c->o = oo;
    c->o.delta = delta;
    c->m = mm;
    c->J = t->J;
    c->npairs = t->J * (t->J - 1) / 2;
    c->nchains = mm.chains;
    omp_init_lock(&c->cache_lock);
    omp_init_lock(&c->grid_lock);
    c->locks = 1;
    if (vci_dga_grid_init(t, &c->o, delta, lo, hi, 0, &c->grid, err) != VC_OK) {
        vc_dga_chains_free(c);
        return NULL;
    }
    c->cache.nslot = 1024;
    c->cache.cap = c->cache.nslot / 2;
    c->cache.slot = calloc(c->cache.nslot, sizeof *c->cache.slot);
    c->cache.entry = malloc(c->cache.cap * sizeof *c->cache.entry);
    c->chain = calloc(c->nchains, sizeof *c->chain);
    if (c->cache.slot == NULL || c->cache.entry == NULL || c->chain == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate graph chains");
        vc_dga_chains_free(c);
        return NULL;
    }
    size_t nscratch = vci_dga_eval_scratch(&c->grid);
    for (size_t k = 0; k < c->nchains; k++) {
        dga_chain *ch = &c->chain[k];
        ch->r = vc_rng_stream_alloc(mm.seed, mm.stratum, (uint32_t)k, 0, err);
        ch->scratch = malloc(nscratch * sizeof *ch->scratch);
        ch->near.nslot = 256;
        ch->near.cap = ch->near.nslot / 2;
        ch->near.slot = calloc(ch->near.nslot, sizeof *ch->near.slot);
        ch->near.entry = malloc(ch->near.cap * sizeof *ch->near.entry);
        if (ch->r == NULL || ch->scratch == NULL || ch->near.slot == NULL
            || ch->near.entry == NULL) {
            vc_error_set(err, VC_ENOMEM, "cannot allocate graph chains");
            vc_dga_chains_free(c);
            return NULL;
        }
        /* the random start: a walk of uniform legal moves from the empty
         * graph, ignoring the data */
        uint32_t edges = 0;
        uint8_t moves[MAX_PAIRS];
        for (size_t s = 0; s < 2 * c->npairs; s++) {
            size_t nm = vci_dga_legal_moves(c->J, edges, moves);
            edges ^= 1u << moves[gsl_rng_uniform_int(ch->r, nm)];
        }
        if (graph_get(c, ch, edges, &ch->cur, err) != VC_OK) {
            vc_dga_chains_free(c);
            return NULL;
        }
    }
    return c;
}

/* Grow every trace to hold `need` draws; serial, before a round. */
static int grow_traces(vc_dga_chains *c, size_t need, vc_error *err)
{
    if (need <= c->cap) {
        return VC_OK;
    }
    size_t cap = c->cap ? c->cap : 64;
    while (cap < need) {
        cap *= 2;
    }
    for (size_t k = 0; k < c->nchains; k++) {
        dga_chain *ch = &c->chain[k];
        uint32_t *e = realloc(ch->edges, cap * sizeof *e);
        if (e != NULL) {
            ch->edges = e;
        }
        double *mn = realloc(ch->mean_N, cap * sizeof *mn);
        if (mn != NULL) {
            ch->mean_N = mn;
        }
        if (e == NULL || mn == NULL) {
            return vc_error_set(err, VC_ENOMEM,
                                "cannot grow the traces to %zu draws", need);
        }
    }
    c->cap = cap;
    return VC_OK;
}

int vc_dga_chains_round(vc_dga_chains *c, uint64_t sweeps, vc_error *err)
{
    if (c->failed) {
        return vc_error_set(err, VC_EINVAL,
                            "a chain failed earlier; free the chains");
    }
    uint64_t thin = c->m.thin;
    size_t keep = (size_t)((c->sweeps + sweeps) / thin - c->sweeps / thin);
    if (grow_traces(c, c->chain[0].ndraws + keep, err) != VC_OK) {
        return VC_ENOMEM;
    }
    uint64_t burn = c->burned ? 0 : c->m.burnin;
    uint64_t start = c->sweeps;
    int nthreads = c->m.threads > 0 ? c->m.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (size_t k = 0; k < c->nchains; k++) {
        dga_chain *ch = &c->chain[k];
        vc_error_clear(&ch->err);
        ch->status = VC_OK;
        for (uint64_t s = 0; s < burn + sweeps && ch->status == VC_OK; s++) {
            for (size_t p = 0; p < c->npairs && ch->status == VC_OK; p++) {
                ch->status = mh_step(c, ch, &ch->err);
            }
            if (s >= burn && (start + s - burn + 1) % thin == 0) {
                ch->edges[ch->ndraws] = ch->cur.edges;
                ch->mean_N[ch->ndraws] = ch->cur.mean_N;
                ch->ndraws++;
            }
        }
    }
    for (size_t k = 0; k < c->nchains; k++) {
        if (c->chain[k].status != VC_OK) {
            c->failed = 1;
            return vc_error_set(err, c->chain[k].status, "chain %zu: %s",
                                k + 1, c->chain[k].err.msg);
        }
    }
    c->burned = 1;
    c->sweeps += sweeps;
    return VC_OK;
}

size_t vc_dga_chains_trace(const vc_dga_chains *c, size_t chain,
                           const uint32_t **edges, const double **mean_N)
{
    if (chain >= c->nchains) {
        *edges = NULL;
        *mean_N = NULL;
        return 0;
    }
    *edges = c->chain[chain].edges;
    *mean_N = c->chain[chain].mean_N;
    return c->chain[chain].ndraws;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* R-hat and bulk ESS of x (m chains of n draws) into *rhat, *ess; 0 when
 * undefined (constant split chain, too few draws). */
static int diag_pair(const double *x, size_t m, size_t n, double *rhat,
                     double *ess, vc_error *err)
{
    vc_error e2;
    vc_error_clear(&e2);
    int status = vc_diag_rhat(x, m, n, rhat, &e2);
    if (status == VC_OK) {
        status = vc_diag_ess_bulk(x, m, n, ess, &e2);
    }
    if (status == VC_EUNDEFINED || status == VC_EINVAL) {
        *rhat = 0.0;
        *ess = 0.0;
        return 0;
    }
    if (status != VC_OK) {
        vc_error_set(err, status, "%s", e2.msg);
        return -1;
    }
    return 1;
}

vc_dga_result *vc_dga_chains_result(const vc_dga_chains *c, vc_error *err)
{
    size_t m = c->nchains, n = c->chain[0].ndraws, total = m * n;
    if (n == 0) {
        vc_error_set(err, VC_EINVAL, "no draws yet: run a round first");
        return NULL;
    }
    uint32_t *sorted = malloc(total * sizeof *sorted);
    uint32_t *distinct = malloc(total * sizeof *distinct);
    double *log_gw = malloc(total * sizeof *log_gw);
    double *log_Z = malloc(total * sizeof *log_Z);
    double *x = malloc(2 * total * sizeof *x);
    vc_dga_result *r = NULL;
    if (sorted == NULL || distinct == NULL || log_gw == NULL || log_Z == NULL
        || x == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate the graph summary");
        goto done;
    }
    for (size_t k = 0; k < m; k++) {
        memcpy(sorted + k * n, c->chain[k].edges, n * sizeof *sorted);
    }
    qsort(sorted, total, sizeof *sorted, cmp_u32);
    /* distinct graphs in edge-mask order, each with its share of the
     * draws as prior weight over its own Z_G: weights f_G (estimator (a)
     * of the opening comment) once dga.c multiplies by Z_G */
    size_t nd = 0;
    double log_total = log((double)total);
    for (size_t i = 0; i < total;) {
        size_t j = i;
        while (j < total && sorted[j] == sorted[i]) {
            j++;
        }
        size_t slot = cache_find(&c->cache, sorted[i]);
        /* every visited graph was cached when first proposed */
        const graph_entry *e = &c->cache.entry[c->cache.slot[slot] - 1];
        distinct[nd] = sorted[i];
        log_Z[nd] = e->log_Z;
        log_gw[nd] = log((double)(j - i)) - log_total - e->log_Z;
        nd++;
        i = j;
    }
    r = vci_dga_average(&c->grid, &c->o, distinct, log_gw, nd, err);
    if (r == NULL) {
        goto done;
    }
    vci_dga_finish(c->t, r);
    /* estimator (b) for the top graphs: Z_G over the visited total */
    double lmax = -INFINITY, zsum = 0.0;
    for (size_t k = 0; k < nd; k++) {
        lmax = log_Z[k] > lmax ? log_Z[k] : lmax;
    }
    for (size_t k = 0; k < nd; k++) {
        zsum += exp(log_Z[k] - lmax);
    }
    for (size_t a = 0; a < r->ntop; a++) {
        uint32_t *hit = bsearch(&r->top[a].edges, distinct, nd,
                                sizeof *distinct, cmp_u32);
        /* the top graphs are among the distinct ones: always found */
        r->top[a].renormalised =
            hit ? exp(log_Z[hit - distinct] - lmax) / zsum : NAN;
    }

    vc_dga_mcmc_info *mc = &r->mc;
    r->mcmc = 1;
    mc->rng = vc_rng_philox4x32->name;
    mc->seed = c->m.seed;
    mc->stratum = c->m.stratum;
    mc->chains = m;
    mc->burnin = c->m.burnin;
    mc->sweeps = c->sweeps;
    mc->thin = c->m.thin;
    mc->draws = n;
    mc->visited = nd;
    mc->evaluated = c->cache.count;
    uint64_t prop = 0, acc = 0;
    for (size_t k = 0; k < m; k++) {
        prop += c->chain[k].proposed;
        acc += c->chain[k].accepted;
    }
    mc->acceptance = prop ? (double)acc / (double)prop : 0.0;
    /* the two scalar traces, chain-major */
    for (size_t k = 0; k < m; k++) {
        for (size_t i = 0; i < n; i++) {
            x[k * n + i] = c->chain[k].mean_N[i];
            x[total + k * n + i] =
                (double)__builtin_popcount(c->chain[k].edges[i]);
        }
    }
    int d1 = diag_pair(x, m, n, &mc->rhat_N, &mc->ess_N, err);
    int d2 = diag_pair(x + total, m, n, &mc->rhat_edges, &mc->ess_edges, err);
    if (d1 < 0 || d2 < 0) {
        vc_dga_result_free(r);
        r = NULL;
        goto done;
    }
    mc->diag_defined = d1 && d2;
    if (!mc->diag_defined) {
        mc->rhat_N = mc->ess_N = mc->rhat_edges = mc->ess_edges = 0.0;
    }
    /* every draw on one graph: the chains agree and nothing varies */
    int one_graph = (nd == 1);
    mc->converged = one_graph
                    || (mc->diag_defined && mc->rhat_N < c->m.rhat_max
                        && mc->rhat_edges < c->m.rhat_max
                        && mc->ess_N >= c->m.ess_min
                        && mc->ess_edges >= c->m.ess_min);
    if (!mc->converged) {
        r->flags |= VC_FLAG_NOT_CONVERGED;
    }

done:
    free(sorted);
    free(distinct);
    free(log_gw);
    free(log_Z);
    free(x);
    return r;
}

vc_dga_result *vc_dga_mcmc_fit(const vc_table *t, const vc_dga_opts *o,
                               const vc_dga_mcmc_opts *m, vc_error *err)
{
    vc_dga_opts oo;
    vc_dga_mcmc_opts mm;
    double delta;
    uint64_t lo, hi;
    if (mcmc_prepare(t, o, m, &oo, &delta, &lo, &hi, &mm, err) != VC_OK) {
        return NULL;
    }
    int automatic = (oo.n0_hi == 0);
    vc_dga_result *r = NULL;
    for (int widen = 0;; widen++) {
        oo.n0_hi = hi;
        vc_dga_chains *c = vc_dga_chains_alloc(t, &oo, &mm, err);
        if (c == NULL) {
            return NULL;
        }
        if (vc_dga_chains_round(c, mm.iterations, err) == VC_OK) {
            r = vc_dga_chains_result(c, err);
        }
        vc_dga_chains_free(c);
        if (r == NULL || !automatic || !(r->flags & VC_FLAG_UPPER_OPEN)
            || widen == VCI_DGA_MAX_WIDEN) {
            break;
        }
        vc_dga_result_free(r);
        r = NULL;
        hi = lo + 2 * (hi - lo);
    }
    return r;
}
