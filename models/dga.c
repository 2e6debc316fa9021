/*
 * dga.c: Bayesian model averaging over decomposable graphical models for
 * multiple-systems estimation.
 *
 * References:
 *  [1] D. Madigan and J. C. York (1997), "Bayesian methods for estimation of
 *      the size of a closed population", Biometrika 84(1):19-31.
 *  [2] A. P. Dawid and S. L. Lauritzen (1993), "Hyper Markov laws in the
 *      statistical analysis of decomposable graphical models", Annals of
 *      Statistics 21(3):1272-1317.
 *  [3] R. E. Tarjan and M. Yannakakis (1984), "Simple linear-time
 *      algorithms to test chordality of graphs ...", SIAM J. Comput.
 *      13(3):566-579 (maximum cardinality search).
 *
 * Legend: J lists; the complete 2^J table has cells x in {0,1}^J with
 * counts n_x, of which n_0 = n0 (people no list saw) is unknown; n people
 * observed, N = n + n0.  A graph G on the lists is decomposable (chordal).
 *
 * Model [1, section 2]: given G, the cell probabilities follow the
 * hyper-Dirichlet law of [2] that is the restriction of a Dirichlet with
 * weight delta on every cell of the full table, so the prior on the
 * marginal table of a complete subset S of lists is Dirichlet with weight
 * alpha_S = delta 2^(J - |S|) on each of its 2^|S| cells (total A =
 * delta 2^J).  The marginal likelihood of the complete table factorises
 * over cliques C and separators S [2, eq. (22)]:
 *     p(n | G) = N! / prod_x n_x! * prod_C D(C) / prod_S D(S),
 *     D(S) = Gamma(A) / Gamma(A + N) * prod_c Gamma(alpha_S + n_c) /
 *            Gamma(alpha_S),
 * the Dirichlet-multinomial of the marginal table of S (cells c).  With a
 * maximum-cardinality-search order v_1..v_J of G and pa_i the neighbours
 * of v_i that come before it (a complete set when G is chordal [3]),
 * prod_C D(C) / prod_S D(S) = prod_i D(pa_i + v_i) / D(pa_i) with
 * D(empty) = 1, which is how it is computed here.
 *
 * Posterior [1, eq. (3)]: p(G, n0 | data) is proportional to
 *     p(G) p(N) N! / n0! prod_i D(pa_i + v_i) / D(pa_i)
 * with p(G) uniform over decomposable graphs and p(N) proportional to 1/N
 * (or negative binomial).  Only the all-zero cell of each marginal table
 * holds n0, so in n0 each log D(S) changes by
 *     log D(S; n0 + 1) - log D(S; n0) = log(alpha_S + z_S + n0)
 *                                       - log(A + n + n0),
 * with z_S the observed people seen by no list in S: the whole grid costs
 * one log per subset and grid point, never a log-gamma per cell.
 *
 * Organisation: the per-subset rows of log D on the grid live in a
 * vci_dga_grid and are filled on demand: whole rows for the MCMC (a graph
 * reads only its cliques and separators), and for exact enumeration only
 * the blocks of the grid where a graph that reads them has weight, found
 * from exact values at three points a block and the convexity of each
 * term (see probe_bound); vci_dga_average is the posterior pass over a list of
 * graphs, with optional prior weights per graph, and serves both exact
 * enumeration (all decomposable graphs, uniform weights) and the MCMC of
 * dga_mcmc.c (the distinct graphs visited, weighted by their visit
 * frequencies); vci_dga_graph_eval sums one graph's weights over the grid
 * for the chain's acceptance ratio.  On lazy grids, a block far enough
 * from n0 = 0 takes each graph's weights from their interpolation at a
 * few Chebyshev nodes where its accuracy test passes (dga_quad.c,
 * avg_quad_block), and its posterior over the grid from the same
 * interpolants.  dga_impl.h declares the shared parts.
 *
 * Assumptions: closed population; dependence between lists as a
 * decomposable log-linear model with no higher-order terms than its
 * cliques; homogeneous capture within each cell of the list-by-list table.
 * Edge cases: a pair of lists with no one in common leaves that edge to
 * the prior (flagged, as dga does not); a posterior whose mass reaches the
 * top of the n0 grid is widened automatically or flagged.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>
#include <omp.h>

#include "core/fastmath.h"
#include "models/dga_impl.h"
#include "models/mcmc_impl.h"

/*
 * On machines with AVX2 the hot loops (VC_HOT_CLONES) are also compiled
 * for it and chosen at load time (GCC's function multi-versioning): twice
 * the doubles per instruction.  The arithmetic is the same IEEE operations in the same
 * order (ISO C mode keeps a * b + c uncontracted), so the results do not
 * depend on which version runs.
 */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(__SANITIZE_ADDRESS__)
#define VC_HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VC_HOT_CLONES
#endif

/* Grid points per block of one graph's sum (vci_dga_graph_eval, for the
 * MCMC): 16 KiB of each subset's row, so the rows it reads stay in
 * cache. */
#define GRID_BLOCK 2048
/* A weight below e^-50 (2e-22) of the largest one is skipped: even 10^8
 * such (graph, n0) points change the total by under 2e-14, far below any
 * digit reported, and skipping them saves most of the exp() calls. */
#define LOG_NEGLIGIBLE 50.0
/* Stride of the coarse scan that finds a reference level for the weights. */
#define COARSE_STRIDE 32
/* Grid points per block of the posterior pass of vci_dga_average: a
 * block's factor rows (up to J 2^(J-1) of them) stay in the second-level
 * cache. */
#define AVG_BLOCK VCI_QUAD_LEN

/* Grids of fewer blocks are summed on one thread: a second one costs
 * more (its team's start, its work buffers' pages, its spinning at each
 * barrier) than it saves on so little work (UK 5 lists: 39 ms of CPU on
 * one thread, 79 ms on two, 49 ms wall).  The result is the same either
 * way (the sums are kept per block and added in block order). */
#ifndef AVG_PAR_MIN_BLOCKS
#define AVG_PAR_MIN_BLOCKS 1024
#endif
/* A block whose bound from the probes lies more than this above the
 * values sampled there (strong curvature: small n0) is bounded again from
 * its rows, every COARSE_STRIDE points. */
#define REFINE_GAP 8.0
/* Factors varying by more than this (in log) over a block, or graphs whose
 * factors together do, are summed by exp of the sum, not by products of
 * exps: keeps every product of J factors within the range of a double. */
#define EXP_RANGE 600.0
/* Row s of the grid starts (s % ROW_SKEWS) * ROW_SKEW doubles into its
 * allocation: 9 doubles, 72 bytes, moves it to other cache sets. */
#define ROW_SKEW 9
#define ROW_SKEWS 32
/* Automatic grid: start at this multiple of n, the convention of the
 * reference runs, double while the top 5% of the grid holds more than
 * TAIL_TOL of the posterior, at most VCI_DGA_MAX_WIDEN times. */
#define AUTO_GRID_FACTOR 25
#define TAIL_FRACTION 0.05
#define TAIL_TOL 1e-6
#define DEFAULT_TOP 10

size_t vc_dga_edge_index(size_t a, size_t b)
{
    if (a > b) {
        size_t t = a;
        a = b;
        b = t;
    }
    return b * (b - 1) / 2 + a;
}

void vci_dga_adjacency(size_t J, uint32_t edges, uint32_t *adj)
{
    for (size_t v = 0; v < J; v++) {
        adj[v] = 0;
    }
    for (size_t b = 1; b < J; b++) {
        for (size_t a = 0; a < b; a++) {
            if (edges >> vc_dga_edge_index(a, b) & 1u) {
                adj[a] |= 1u << b;
                adj[b] |= 1u << a;
            }
        }
    }
}

/*
 * Maximum cardinality search [3]: number the vertices one by one, always
 * taking an unnumbered vertex with the most numbered neighbours (lowest
 * index on ties).  order[i] is the i-th vertex and pa[i] its numbered
 * neighbours at that time.  G is chordal if and only if every pa[i] is
 * complete; returns 1 then, else 0.
 */
int vci_dga_mcs(size_t J, const uint32_t *adj, size_t *order, uint32_t *pa)
{
    uint32_t numbered = 0;
    int chordal = 1;
    for (size_t i = 0; i < J; i++) {
        size_t best = J;
        int best_w = -1;
        for (size_t v = 0; v < J; v++) {
            if (numbered >> v & 1u) {
                continue;
            }
            int w = __builtin_popcount(adj[v] & numbered);
            if (w > best_w) {
                best_w = w;
                best = v;
            }
        }
        order[i] = best;
        pa[i] = adj[best] & numbered;
        for (size_t u = 0; u < J; u++) {
            if ((pa[i] >> u & 1u) && (pa[i] & ~(adj[u] | 1u << u)) != 0) {
                chordal = 0;
            }
        }
        numbered |= 1u << best;
    }
    return chordal;
}

size_t vc_dga_decomposable_graphs(size_t J, uint32_t **edges, vc_error *err)
{
    *edges = NULL;
    if (J < 2 || J > 7) {
        vc_error_set(err, VC_EINVAL,
                     "graph enumeration needs 2 to 7 lists, not %zu", J);
        return 0;
    }
    size_t npairs = J * (J - 1) / 2;
    uint64_t total = 1ull << npairs;
    size_t cap = 64, count = 0;
    uint32_t *out = malloc(cap * sizeof *out);
    if (out == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate graphs");
        return 0;
    }
    uint32_t adj[32];
    uint32_t pa[32];
    size_t order[32];
    for (uint64_t e = 0; e < total; e++) {
        vci_dga_adjacency(J, (uint32_t)e, adj);
        if (!vci_dga_mcs(J, adj, order, pa)) {
            continue;
        }
        if (count == cap) {
            cap *= 2;
            uint32_t *grown = realloc(out, cap * sizeof *out);
            if (grown == NULL) {
                free(out);
                vc_error_set(err, VC_ENOMEM, "cannot allocate graphs");
                return 0;
            }
            out = grown;
        }
        out[count++] = (uint32_t)e;
    }
    *edges = out;
    return count;
}

void vci_dga_terms_build(size_t J, uint32_t edges, vci_dga_terms *g)
{
    uint32_t adj[32], pa[32];
    size_t order[32];
    int coef[1u << VC_DGA_MAX_LISTS];
    memset(coef, 0, sizeof coef);
    vci_dga_adjacency(J, edges, adj);
    vci_dga_mcs(J, adj, order, pa);
    for (size_t i = 0; i < J; i++) {
        coef[pa[i] | 1u << order[i]] += 1;
        coef[pa[i]] -= 1; /* D(empty) = 1: its coefficient is ignored */
        /* the prior part goes with the first vertex only; a later vertex
         * with no earlier neighbour (another connected component) gets
         * the code pa = {v}, which no real pa can be */
        uint32_t code = (i > 0 && pa[i] == 0) ? 1u << order[i] : pa[i];
        g->factor[i] = (uint32_t)(order[i] << J) | code;
    }
    g->nfactor = J;
    g->edges = edges;
    g->nterm = 0;
    for (uint32_t s = 1; s < (1u << J); s++) {
        if (coef[s] != 0) {
            g->subset[g->nterm] = s;
            g->coef[g->nterm] = coef[s];
            g->nterm++;
        }
    }
}

/* The maximal cliques of a chordal graph as "[A,B][B,C][D]". */
void vci_dga_cliques(size_t J, uint32_t edges, char *const *names,
                          char *buf, size_t size)
{
    uint32_t adj[32], pa[32], cl[32];
    size_t order[32], ncl = 0;
    vci_dga_adjacency(J, edges, adj);
    vci_dga_mcs(J, adj, order, pa);
    for (size_t i = 0; i < J; i++) {
        uint32_t c = pa[i] | 1u << order[i];
        int maximal = 1;
        for (size_t k = 0; k < J; k++) {
            uint32_t d = pa[k] | 1u << order[k];
            if (d != c && (c & ~d) == 0) {
                maximal = 0;
            }
        }
        for (size_t k = 0; k < ncl && maximal; k++) {
            maximal = cl[k] != c;
        }
        if (maximal) {
            cl[ncl++] = c;
        }
    }
    /* cliques in order of their lowest list, lists in file order */
    for (size_t a = 0; a < ncl; a++) {
        for (size_t b = a + 1; b < ncl; b++) {
            if (__builtin_ctz(cl[b]) < __builtin_ctz(cl[a])) {
                uint32_t t = cl[a];
                cl[a] = cl[b];
                cl[b] = t;
            }
        }
    }
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < ncl && used < size; k++) {
        used += (size_t)snprintf(buf + used, size - used, "[");
        int first = 1;
        for (size_t v = 0; v < J && used < size; v++) {
            if (cl[k] >> v & 1u) {
                used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                         first ? "" : ",", names[v]);
                first = 0;
            }
        }
        if (used < size) {
            used += (size_t)snprintf(buf + used, size - used, "]");
        }
    }
}

static double log_prior_N(const vc_dga_opts *o, double N)
{
    if (o->prior == VC_DGA_PRIOR_NEGBIN) {
        /* log of the mixture in vc_dga.h, up to a constant in N */
        return gsl_sf_lngamma(N + o->nb_a) - gsl_sf_lngamma(N + 1.0)
               - N * log1p(1.0 / o->nb_b);
    }
    return -log(N);
}

/* log p(N) + log N! - log n0! at one point, exactly. */
static double base_exact(const vc_dga_opts *o, double n, double n0)
{
    double N = n + n0;
    return log_prior_N(o, N) + gsl_sf_lngamma(N + 1.0)
           - gsl_sf_lngamma(n0 + 1.0);
}

/* base(n0 + 1) - base(n0): the ratio of Gamma functions as one log. */
static double base_step(const vc_dga_opts *o, double n, double n0)
{
    double N = n + n0;
    if (o->prior == VC_DGA_PRIOR_NEGBIN) {
        /* (N + a) / (N + 1) * b / (1 + b) * (N + 1) / (n0 + 1) */
        return vci_log((N + o->nb_a) * o->nb_b
                       / ((1.0 + o->nb_b) * (n0 + 1.0)));
    }
    /* N / (N + 1) * (N + 1) / (n0 + 1) */
    return vci_log(N / (n0 + 1.0));
}

/* alpha_S = delta 2^(J - |S|), the prior weight of each cell of S's
 * marginal table. */
static double subset_alpha(const vci_dga_grid *g, uint32_t s)
{
    return g->delta * ldexp(1.0, (int)g->J - __builtin_popcount((unsigned)s));
}

/* z_S and the part of log D(S) that does not change with n0: log D(S) =
 * cst + lgamma(alpha_S + z_S + n0) - lgamma(A + n + n0). */
static void subset_consts(vci_dga_grid *g, uint32_t s)
{
    if (g->cdone[s]) {
        return;
    }
    const vc_table *t = g->t;
    /* marginal table of subset s: cell = pattern restricted to s */
    double cnt[1u << VC_DGA_MAX_LISTS];
    memset(cnt, 0, g->nsub * sizeof *cnt);
    for (size_t p = 0; p < t->npat; p++) {
        cnt[t->pattern[p] & s] += (double)t->count[p];
    }
    double alpha = subset_alpha(g, s);
    double cst = gsl_sf_lngamma(g->A) - gsl_sf_lngamma(alpha);
    for (uint32_t c = s; c != 0; c = (c - 1) & s) {
        if (cnt[c] > 0.0) {
            cst += gsl_sf_lngamma(alpha + cnt[c]) - gsl_sf_lngamma(alpha);
        }
    }
    g->zs[s] = cnt[0];
    g->cst[s] = cst;
    g->cdone[s] = 1;
}

/*
 * Fill the rows subs[0..nsubs) (0: the base, first if present) on the
 * block [i0, i0 + len) into dst[0..nsubs) (each at the block's first
 * point) with an exact value at i0 and running sums of the steps after
 * it, so rounding cannot drift beyond a block, and a row's values on a
 * block do not depend on where they are stored or which other rows are
 * filled with them.  Lazy grids fill the blocks they need into memory of
 * the pass; whole rows are filled block by block.
 */
VC_HOT_CLONES
static void fill_rows(const vci_dga_grid *g, size_t i0, int len,
                      const uint32_t *subs, size_t nsubs,
                      double *const *dst, double *restrict logA)
{
    double n = (double)g->n;
    double n00 = (double)(g->n0_lo + i0);
    /* logA[i] = log(A + n + n0_i), shared by every subset's step */
#pragma omp simd
    for (int i = 0; i < len; i++) {
        logA[i] = vci_log(g->A + n + n00 + (double)i);
    }
    for (size_t j = 0; j < nsubs; j++) {
        uint32_t s = subs[j];
        if (s == 0) {
            double *restrict base = dst[j];
            base[0] = base_exact(g->o, n, n00);
#pragma omp simd
            for (int i = 1; i < len; i++) {
                base[i] = base_step(g->o, n, n00 + (double)(i - 1));
            }
            continue;
        }
        double *restrict row = dst[j];
        double x0 = subset_alpha(g, s) + g->zs[s] + n00;
        row[0] = g->cst[s] + gsl_sf_lngamma(x0)
                 - gsl_sf_lngamma(g->A + n + n00);
#pragma omp simd
        for (int i = 1; i < len; i++) {
            row[i] = vci_log(x0 + (double)(i - 1)) - logA[i - 1];
        }
    }
    /* running sums, four rows side by side so that the adds of one point
     * in different rows do not wait on each other */
    size_t j = 0;
    for (; j + 4 <= nsubs; j += 4) {
        double *restrict p0 = dst[j];
        double *restrict p1 = dst[j + 1];
        double *restrict p2 = dst[j + 2];
        double *restrict p3 = dst[j + 3];
        double a0 = p0[0], a1 = p1[0], a2 = p2[0], a3 = p3[0];
        for (int i = 1; i < len; i++) {
            a0 += p0[i];
            a1 += p1[i];
            a2 += p2[i];
            a3 += p3[i];
            p0[i] = a0;
            p1[i] = a1;
            p2[i] = a2;
            p3[i] = a3;
        }
    }
    for (; j < nsubs; j++) {
        double *restrict p = dst[j];
        double a = p[0];
        for (int i = 1; i < len; i++) {
            a += p[i];
            p[i] = a;
        }
    }
}

/* Fill row s (0: the base) over the whole grid, block by block. */
static void fill_whole(const vci_dga_grid *g, uint32_t s)
{
    double logA[AVG_BLOCK];
    for (size_t i0 = 0; i0 < g->ngrid; i0 += AVG_BLOCK) {
        size_t len = g->ngrid - i0 < AVG_BLOCK ? g->ngrid - i0 : AVG_BLOCK;
        double *dst = s ? g->logD[s] + i0 : g->base + i0;
        fill_rows(g, i0, (int)len, &s, 1, &dst, logA);
    }
}

int vci_dga_grid_init(const vc_table *t, const vc_dga_opts *o, double delta,
                      uint64_t lo, uint64_t hi, int lazy, vci_dga_grid *g,
                      vc_error *err)
{
    size_t J = t->J;
    memset(g, 0, sizeof *g);
    g->J = J;
    g->nsub = (size_t)1 << J;
    g->ngrid = (size_t)(hi - lo + 1);
    g->n = t->n;
    g->n0_lo = lo;
    g->delta = delta;
    g->A = delta * (double)g->nsub;
    g->t = t;
    g->o = o;
    g->lazy = lazy;
    g->logD = calloc(g->nsub, sizeof *g->logD);
    g->rowmem = calloc(g->nsub, sizeof *g->rowmem);
    g->base = lazy ? NULL : malloc(g->ngrid * sizeof *g->base);
    g->zs = calloc(g->nsub, sizeof *g->zs);
    g->cst = calloc(g->nsub, sizeof *g->cst);
    g->cdone = calloc(g->nsub, 1);
    if (g->logD == NULL || g->rowmem == NULL || (!lazy && g->base == NULL)
        || g->zs == NULL || g->cst == NULL || g->cdone == NULL) {
        return vc_error_set(err, VC_ENOMEM,
                            "cannot allocate the n0 grid (%zu points)",
                            g->ngrid);
    }
    if (lazy) {
        /* no rows here: vci_dga_average computes them block by block */
        for (uint32_t s = 1; s < g->nsub; s++) {
            subset_consts(g, s);
        }
        return VC_OK;
    }
    fill_whole(g, 0);
    return VC_OK;
}

int vci_dga_grid_row(vci_dga_grid *g, uint32_t s, vc_error *err)
{
    if (g->logD[s] != NULL) {
        return VC_OK;
    }
    /* Rows of this size come from their own pages, all at the same
     * offset in a page: rows read side by side would then compete for the
     * same cache sets.  Each row starts ROW_SKEW doubles further on. */
    size_t skew = (size_t)(s % ROW_SKEWS) * ROW_SKEW;
    double *mem = malloc((g->ngrid + skew) * sizeof *mem);
    double *row = mem ? mem + skew : NULL;
    if (row == NULL) {
        return vc_error_set(err, VC_ENOMEM,
                            "cannot allocate the n0 grid (%zu points)",
                            g->ngrid);
    }
    subset_consts(g, s);
    g->logD[s] = row;
    fill_whole(g, s);
    g->rowmem[s] = mem;
    return VC_OK;
}

void vci_dga_grid_free(vci_dga_grid *g)
{
    if (g->rowmem != NULL) {
        for (size_t s = 0; s < g->nsub; s++) {
            free(g->rowmem[s]);
        }
    }
    free(g->rowmem);
    free(g->logD);
    free(g->base);
    free(g->zs);
    free(g->cst);
    free(g->cdone);
    /* safe to free again */
    memset(g, 0, sizeof *g);
}

/*
 * The factors of every graph on the block [i0, i0 + len): row q of fac
 * holds factor ufac[q] = v * 2^J + pa, that is log D(pa + v) - log D(pa),
 * for each (v, pa) some graph uses, with the prior part base folded into
 * the factors whose pa is empty (every graph's first vertex has one); the
 * code v * 2^J + 2^v stands for log D({v}) alone, for the first vertex of
 * a further connected component.
 * A graph's log posterior is then the plain sum of its J factor rows:
 * J - 1 additions a point instead of a multiply-add per subset.  rows[s]:
 * the block's row of subset s at its first point, rows[0] the base.
 */
static inline __attribute__((always_inline)) void
block_factors(const vci_dga_grid *g, const double *const *rows,
              const uint32_t *ufac, const unsigned char *need, size_t nused,
              size_t len, size_t stride, double *restrict fac)
{
    uint32_t pmask = (uint32_t)g->nsub - 1;
    for (size_t q = 0; q < nused; q++) {
        if (!need[q]) {
            continue;
        }
        size_t v = ufac[q] >> g->J;
        size_t pa = ufac[q] & pmask;
        double *restrict out = fac + q * stride;
        const double *hi = rows[(size_t)1 << v | pa];
        const double *lo = rows[pa]; /* pa = 0: the base */
        if (pa == (size_t)1 << v) {
            memcpy(out, hi, len * sizeof *out);
        } else if (pa == 0) {
#pragma omp simd
            for (size_t i = 0; i < len; i++) {
                out[i] = hi[i] + lo[i];
            }
        } else {
#pragma omp simd
            for (size_t i = 0; i < len; i++) {
                out[i] = hi[i] - lo[i];
            }
        }
    }
}

/*
 * Log posterior of graph gr on the block into row, from its factors:
 * row = ((f0 + f1) + f2) + ..., two factors a pass so that row is read and
 * written half as often; the order of the additions is the same as one
 * factor a pass, so the result is too.  A graph has J >= 2 factors.
 */
static inline __attribute__((always_inline)) void
graph_row(const vci_dga_terms *gr, const double *fac, size_t len,
          size_t stride, double *restrict row)
{
    const double *restrict f0 = fac + gr->slot[0] * stride;
    const double *restrict f1 = fac + gr->slot[1] * stride;
#pragma omp simd
    for (size_t i = 0; i < len; i++) {
        row[i] = f0[i] + f1[i];
    }
    size_t k = 2;
    for (; k + 1 < gr->nfactor; k += 2) {
        const double *restrict fa = fac + gr->slot[k] * stride;
        const double *restrict fb = fac + gr->slot[k + 1] * stride;
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            row[i] = (row[i] + fa[i]) + fb[i];
        }
    }
    if (k < gr->nfactor) {
        const double *restrict f = fac + gr->slot[k] * stride;
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            row[i] += f[i];
        }
    }
}

/*
 * The same graph as a product: row = sc * e_0 * e_1 * ... with e_q the
 * factor rows as exp(f_q - c_q) (see block_sum), two factors a pass.
 */
static inline __attribute__((always_inline)) void
graph_prod(const vci_dga_terms *gr, const double *efac, size_t len,
           size_t stride, double sc, double *restrict row)
{
    const double *restrict f0 = efac + gr->slot[0] * stride;
    const double *restrict f1 = efac + gr->slot[1] * stride;
    if (gr->nfactor == 5) {
        /* five lists, the exact enumeration's widest: one pass, the same
         * products in the same order */
        const double *restrict f2 = efac + gr->slot[2] * stride;
        const double *restrict f3 = efac + gr->slot[3] * stride;
        const double *restrict f4 = efac + gr->slot[4] * stride;
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            row[i] = ((((sc * f0[i]) * f1[i]) * f2[i]) * f3[i]) * f4[i];
        }
        return;
    }
    if (gr->nfactor == 4) {
        const double *restrict f2 = efac + gr->slot[2] * stride;
        const double *restrict f3 = efac + gr->slot[3] * stride;
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            row[i] = (((sc * f0[i]) * f1[i]) * f2[i]) * f3[i];
        }
        return;
    }
#pragma omp simd
    for (size_t i = 0; i < len; i++) {
        row[i] = (sc * f0[i]) * f1[i];
    }
    size_t k = 2;
    for (; k + 1 < gr->nfactor; k += 2) {
        const double *restrict fa = efac + gr->slot[k] * stride;
        const double *restrict fb = efac + gr->slot[k + 1] * stride;
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            row[i] = (row[i] * fa[i]) * fb[i];
        }
    }
    if (k < gr->nfactor) {
        const double *restrict f = efac + gr->slot[k] * stride;
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            row[i] *= f[i];
        }
    }
}

/* Log posterior of graph gr at point i of a block whose rows are rows[]
 * (rows[0] the base). */
static double graph_at(const double *const *rows, const vci_dga_terms *gr,
                       size_t i)
{
    double v = rows[0][i];
    for (size_t k = 0; k < gr->nterm; k++) {
        v += gr->coef[k] * rows[gr->subset[k]][i];
    }
    return v;
}

/*
 * An upper bound of graph gr's log posterior on the block [i0, i1): the
 * largest value at every COARSE_STRIDE-th point (and the last), plus half
 * a stride times a bound on the step from one grid point to the next.
 * Each term's step (log D(S; n0 + 1) - log D(S; n0), and the same for the
 * prior part) is monotone in n0, so its size is largest at an end of the
 * block.  The block's len points are rows[s][0..len) (rows[0] the base).
 * Returns the bound; *sample_max gets the largest sampled value.
 */
static double graph_block_bound(const double *const *rows,
                                const vci_dga_terms *gr, size_t len,
                                double *sample_max)
{
    double m = -INFINITY;
    for (size_t i = 0; i < len; i += COARSE_STRIDE) {
        double v = graph_at(rows, gr, i);
        m = v > m ? v : m;
    }
    double last = graph_at(rows, gr, len - 1);
    m = last > m ? last : m;
    *sample_max = m;
    if (len < 2) {
        return m;
    }
    /* the steps between points of the block: from its first to its last
     * but one (a bound reads only its own block) */
    double slope = 0.0;
    size_t ends[2] = {0, len - 2};
    for (int e = 0; e < 2; e++) {
        double s = fabs(rows[0][ends[e] + 1] - rows[0][ends[e]]);
        for (size_t k = 0; k < gr->nterm; k++) {
            const double *d = rows[gr->subset[k]];
            s += fabs(gr->coef[k]) * fabs(d[ends[e] + 1] - d[ends[e]]);
        }
        slope = s > slope ? s : slope;
    }
    /* the bound holds for a monotone step size; the small constant covers
     * the re-anchoring of the running sums */
    return m + 0.5 * COARSE_STRIDE * slope + 1e-6;
}


/*
 * Everything one thread needs for one block of the posterior pass.
 * Factor q's row is fac + q * stride (its log values) and efac + q *
 * stride (exp(fac - cq[q]), when vq[q] <= EXP_RANGE).
 */
typedef struct {
    double *fac, *efac, *row;
    double *cq, *vq;
    unsigned char *need;
    uint32_t *subs; /* 2 nused: the rows the needed factors read */
    size_t stride;
    struct node_rows *nr; /* the interpolation's node values (lazy
                             grids) */
    double *ubx;    /* ngraphs: the bounds of the graphs summed point by
                       point (-inf: interpolated, or below the cut) */
    /* the interpolation's factors (avg_quad_block), per factor q: its
     * changes from the block's first point at the nodes (qf + q VCI_QN),
     * their exps relative to the middle node (qe + q VCI_QN), its value
     * at the middle node (qc), the largest |change| from there (qv), and
     * whether a graph there needs it (qneed) */
    double *qf, *qe, *qc, *qv;
    unsigned char *qneed;
} block_work;

/*
 * The weights of every graph on one block of the grid, of len points
 * whose rows are rows[] (see block_factors): for each graph whose bound
 * (ubound[k]) plus its log prior
 * weight (lgw[k], or 0 when lgw is NULL) reaches the cut, its weights
 * exp(log posterior + lgw[k] - M) for the points above the cut, added to
 * post in graph order, and the graph's sums of weights and of weight
 * times N into gsum[k], gnsum[k].  N0 is N at the block's first point.
 *
 * A graph's log posterior is the sum of its J factor rows f_q, so its
 * weight is exp(c - M) prod_q exp(f_q - c_q) with c = sum_q c_q: one exp
 * per factor row and point, shared by every graph that uses the factor,
 * and J multiplications per graph and point, instead of one exp per graph
 * and point.  c_q is f_q at the block's middle and v_q bounds |f_q - c_q|
 * on the block; a graph whose v_q add up to at most EXP_RANGE has every
 * partial product within e^(+-EXP_RANGE), where a double is exact to its
 * last bits, so the weights agree with exp of the sum to rounding.  Other
 * graphs (steep factors: small n0) take exp of the sum.
 */
VC_HOT_CLONES
static void block_sum(const vci_dga_grid *g, const double *const *rows,
                      const vci_dga_terms *gt, size_t ngraphs,
                      const uint32_t *ufac, size_t nused, const double *lgw,
                      const double *ubound, size_t len, double M, double cut,
                      double N0, block_work *w, double *post, double *gsum,
                      double *gnsum)
{
    size_t stride = w->stride;
    block_factors(g, rows, ufac, w->need, nused, len, stride, w->fac);
    int n = (int)len;
    size_t mid = (len - 1) / 2;
    for (size_t q = 0; q < nused; q++) {
        if (!w->need[q]) {
            continue;
        }
        const double *restrict f = w->fac + q * stride;
        double *restrict e = w->efac + q * stride;
        double c = f[mid], lo = 0.0, hi = 0.0;
#pragma omp simd reduction(min : lo) reduction(max : hi)
        for (int i = 0; i < n; i++) {
            double d = f[i] - c;
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        double v = hi > -lo ? hi : -lo;
        w->cq[q] = c;
        w->vq[q] = v;
        if (v <= EXP_RANGE) {
#pragma omp simd
            for (int i = 0; i < n; i++) {
                e[i] = vci_exp(f[i] - c);
            }
        }
    }
    double thr = exp(cut - M); /* e^-LOG_NEGLIGIBLE */
    double *restrict row = w->row;
    for (size_t k = 0; k < ngraphs; k++) {
        double lw = lgw ? lgw[k] : 0.0;
        if (ubound[k] + lw < cut) {
            continue;
        }
        const vci_dga_terms *gr = &gt[k];
        double c = 0.0, v = 0.0;
        for (size_t q = 0; q < gr->nfactor; q++) {
            c += w->cq[gr->slot[q]];
            v += w->vq[gr->slot[q]];
        }
        /* with lw = 0 these are M and cut exactly */
        double Mk = M - lw, cutk = cut - lw;
        if (c + v < cutk) {
            /* every point of the block is below the cut */
            continue;
        }
        double s = 0.0, sn = 0.0;
        double t = c - Mk;
        if (v <= EXP_RANGE && t >= -EXP_RANGE && t <= 50.0) {
            graph_prod(gr, w->efac, len, stride, exp(t), row);
#pragma omp simd reduction(+ : s, sn)
            for (int i = 0; i < n; i++) {
                double x = row[i] > thr ? row[i] : 0.0;
                post[i] += x;
                s += x;
                sn += x * (N0 + (double)i);
            }
        } else {
            graph_row(gr, w->fac, len, stride, row);
            /* branch-free so that it vectorises: a weight below the cut
             * is computed at exp(0) and multiplied by 0 */
#pragma omp simd reduction(+ : s, sn)
            for (int i = 0; i < n; i++) {
                double keep = (double)(row[i] > cutk);
                double x = vci_exp((row[i] - Mk) * keep) * keep;
                post[i] += x;
                s += x;
                sn += x * (N0 + (double)i);
            }
        }
        gsum[k] = s;
        gnsum[k] = sn;
    }
}

size_t vci_dga_eval_scratch(const vci_dga_grid *g)
{
    return (g->ngrid + GRID_BLOCK - 1) / GRID_BLOCK + GRID_BLOCK;
}

void vci_dga_graph_eval(const vci_dga_grid *g, const vci_dga_terms *gr,
                        double *scratch, double *log_Z, double *mean_N)
{
    size_t nblock = (g->ngrid + GRID_BLOCK - 1) / GRID_BLOCK;
    double *ub = scratch, *row = scratch + nblock;
    /* the coarse scan of the exact pass, for this graph alone: its
     * largest sampled value is the reference level */
    double M = -INFINITY;
    const double *rows[1u << VC_DGA_MAX_LISTS];
    for (size_t b = 0; b < nblock; b++) {
        size_t i0 = b * GRID_BLOCK;
        size_t i1 = i0 + GRID_BLOCK < g->ngrid ? i0 + GRID_BLOCK : g->ngrid;
        rows[0] = g->base + i0;
        for (size_t k = 0; k < gr->nterm; k++) {
            rows[gr->subset[k]] = g->logD[gr->subset[k]] + i0;
        }
        double m;
        ub[b] = graph_block_bound(rows, gr, i1 - i0, &m);
        M = m > M ? m : M;
    }
    double cut = M - LOG_NEGLIGIBLE;
    double s = 0.0, sn = 0.0;
    double n = (double)g->n;
    for (size_t b = 0; b < nblock; b++) {
        if (ub[b] < cut) {
            continue;
        }
        size_t i0 = b * GRID_BLOCK;
        int len = (int)(i0 + GRID_BLOCK < g->ngrid ? GRID_BLOCK
                                                   : g->ngrid - i0);
        memcpy(row, g->base + i0, (size_t)len * sizeof *row);
        for (size_t k = 0; k < gr->nterm; k++) {
            const double *restrict d = g->logD[gr->subset[k]] + i0;
            double c = gr->coef[k];
#pragma omp simd
            for (int i = 0; i < len; i++) {
                row[i] += c * d[i];
            }
        }
        double N0 = n + (double)(g->n0_lo + i0);
#pragma omp simd reduction(+ : s, sn)
        for (int i = 0; i < len; i++) {
            double keep = (double)(row[i] > cut);
            double w = vci_exp((row[i] - M) * keep) * keep;
            s += w;
            sn += w * (N0 + (double)i);
        }
    }
    /* s >= 1: the point that gave M is summed */
    *log_Z = M + log(s);
    *mean_N = sn / s;
}

void vc_dga_result_free(vc_dga_result *r)
{
    if (r == NULL) {
        return;
    }
    free(r->post);
    free(r->top);
    free(r->edge_post);
    free(r->all_edges);
    free(r->all_post);
    free(r);
}

/* One term's values at a block's first, middle and last points and its
 * step after the middle point; ta and tb: its tangent at the middle
 * point, m - ha dm and m + hb dm, at the block's ends (probe_line);
 * cx and tx: {a, m, b, a} and {a, m, b, ta}, what a term with a positive
 * (chord) or negative (tangent) coefficient adds to probe_line's values
 * at the three points and its line's first end, side by side. */
typedef struct {
    double a, m, b, dm, ta, tb;
    double cx[4], tx[4];
} probe;

/* Term s at n0: log D(S) for s > 0, the base for s = 0; ly is
 * vci_lgamma(A + n + n0), shared by every subset. */
static double probe_value(const vci_dga_grid *g, uint32_t s, double n0,
                          double ly)
{
    double n = (double)g->n;
    if (s == 0) {
        return log_prior_N(g->o, n + n0) + vci_lgamma(n + n0 + 1.0)
               - vci_lgamma(n0 + 1.0);
    }
    return g->cst[s] + vci_lgamma(subset_alpha(g, s) + g->zs[s] + n0) - ly;
}

static double probe_step(const vci_dga_grid *g, uint32_t s, double n0)
{
    double n = (double)g->n;
    if (s == 0) {
        return base_step(g->o, n, n0);
    }
    double a = g->A + n + n0;
    return log1p(-(g->A + n - subset_alpha(g, s) - g->zs[s]) / a);
}

/*
 * An upper bound of graph gr's log posterior on a block from its terms'
 * probes pb (pb[0] the base): every log D(S) is convex in n0 (its step,
 * log((alpha_S + z_S + n0) / (A + n + n0)), increases, as alpha_S + z_S <=
 * A + n) and the base is concave (its step log(N / (n0 + 1)), or with the
 * negative binomial prior log((N + a) b / ((1 + b)(n0 + 1))), decreases).
 * A convex term lies below its chord; a concave one below its tangent at
 * the middle point m, T(i) <= T(m) + (i - m) (T(m + 1) - T(m)) on both
 * sides of m.  The sum of chords and tangents is linear, so it is largest
 * at an end.  *smax gets the largest of the values at the three probes.
 */
static inline __attribute__((always_inline)) double
probe_line(const vci_dga_terms *gr, const probe *pb, double *smax,
           double *ea, double *eb);

/* probe_bound, with the line's values at the block's ends (slack
 * included) in *ea and *eb. */
static inline __attribute__((always_inline)) double
probe_line(const vci_dga_terms *gr, const probe *pb, double *smax,
           double *ea, double *eb)
{
    /* {va, vm, vb, la}: the values at the three points and the line's
     * first end, then lb; each the same additions in the same order as
     * one at a time */
    double v[4] = {pb[0].a, pb[0].m, pb[0].b, pb[0].ta};
    double lb = pb[0].tb;
    for (size_t k = 0; k < gr->nterm; k++) {
        double c = gr->coef[k];
        const probe *p = &pb[gr->subset[k]];
        /* a convex term's chord, a concave one's tangent (branch-free) */
        const double *x = c > 0.0 ? p->cx : p->tx;
        for (int j = 0; j < 4; j++) {
            v[j] += c * x[j];
        }
        lb += c * (c > 0.0 ? p->b : p->tb);
    }
    double la = v[3];
    double m = v[0] > v[1] ? v[0] : v[1];
    *smax = m > v[2] ? m : v[2];
    /* the slack covers rounding in the rows' running sums */
    *ea = la + 1e-3;
    *eb = lb + 1e-3;
    return (la > lb ? la : lb) + 1e-3;
}

static inline __attribute__((always_inline)) double
probe_bound(const vci_dga_terms *gr, const probe *pb, double *smax)
{
    double ea, eb;
    return probe_line(gr, pb, smax, &ea, &eb);
}

/*
 * A lower bound of graph gr's log posterior on a block from its terms'
 * probes, the mirror of probe_bound: a convex term lies above its tangent
 * at m (over the integers, T(i) >= T(m) + (i - m) (T(m + 1) - T(m)) on
 * both sides of m), a concave one above its chord.  The sum is linear:
 * its values at the block's ends, less the slack of probe_bound, into
 * *ea and *eb.
 */
static void probe_lower(const vci_dga_terms *gr, const probe *pb,
                        double *ea, double *eb)
{
    double la = pb[0].a, lb = pb[0].b;
    for (size_t k = 0; k < gr->nterm; k++) {
        double c = gr->coef[k];
        const probe *p = &pb[gr->subset[k]];
        la += c * (c > 0.0 ? p->ta : p->a);
        lb += c * (c > 0.0 ? p->tb : p->b);
    }
    *ea = la - 1e-3;
    *eb = lb - 1e-3;
}

/*
 * The rows one block of the grid reads, each at the block's first point:
 * row[s] for subset s > 0, row[0] the base.  Lazy grids compute them on
 * demand into mem (nsub rows of stride doubles, reused block after block);
 * whole-row grids point into their rows.
 */
typedef struct {
    const double *row[1u << VC_DGA_MAX_LISTS];
    unsigned char done[1u << VC_DGA_MAX_LISTS];
    double *mem;  /* lazy: nsub * stride */
    double *logA; /* AVG_BLOCK */
    size_t stride, i0, len;
} block_rows;

/* Allocate br's memory for grid g; 0 when out of memory. */
static int block_rows_alloc(const vci_dga_grid *g, block_rows *br)
{
    /* ROW_SKEW more doubles than a block, so that rows read side by side
     * fall in other cache sets */
    br->stride = AVG_BLOCK + ROW_SKEW;
    br->mem = g->lazy ? malloc(g->nsub * br->stride * sizeof *br->mem)
                      : NULL;
    br->logA = malloc(AVG_BLOCK * sizeof *br->logA);
    return (br->mem != NULL || !g->lazy) && br->logA != NULL;
}

static void block_rows_free(block_rows *br)
{
    free(br->mem);
    free(br->logA);
}

/* The points of block b: first i0, last i1 - 1 (exclusive end i1). */
static void block_span(const vci_dga_grid *g, size_t b, size_t *i0,
                       size_t *i1)
{
    *i0 = b * AVG_BLOCK;
    *i1 = *i0 + AVG_BLOCK < g->ngrid ? *i0 + AVG_BLOCK : g->ngrid;
}

/* Make br the rows of block b: none computed yet on lazy grids. */
static void block_rows_begin(const vci_dga_grid *g, size_t b, block_rows *br)
{
    size_t i1;
    block_span(g, b, &br->i0, &i1);
    br->len = i1 - br->i0;
    if (g->lazy) {
        memset(br->done, 0, g->nsub);
        return;
    }
    br->row[0] = g->base + br->i0;
    for (size_t s = 1; s < g->nsub; s++) {
        br->row[s] = g->logD[s] ? g->logD[s] + br->i0 : NULL;
    }
}

/* Lazy grids: compute the rows subs[0..nsubs) (0: the base; repeats
 * allowed) of br's block that are not computed yet. */
static void block_rows_need(const vci_dga_grid *g, block_rows *br,
                            const uint32_t *subs, size_t nsubs)
{
    if (!g->lazy) {
        return;
    }
    uint32_t todo[1u << VC_DGA_MAX_LISTS];
    double *dst[1u << VC_DGA_MAX_LISTS];
    size_t m = 0;
    /* the base first: fill_rows takes it only in the first slot */
    for (size_t j = 0; j < nsubs; j++) {
        if (subs[j] == 0 && !br->done[0]) {
            br->done[0] = 1;
            todo[m++] = 0;
        }
    }
    for (size_t j = 0; j < nsubs; j++) {
        if (!br->done[subs[j]]) {
            br->done[subs[j]] = 1;
            todo[m++] = subs[j];
        }
    }
    for (size_t j = 0; j < m; j++) {
        dst[j] = br->mem + todo[j] * br->stride;
        br->row[todo[j]] = dst[j];
    }
    if (m > 0) {
        fill_rows(g, br->i0, (int)br->len, todo, m, dst, br->logA);
    }
}

/* The rows graph gr reads on br's block (the base and its terms). */
static void graph_rows_need(const vci_dga_grid *g, block_rows *br,
                            const vci_dga_terms *gr)
{
    uint32_t subs[2 * VC_DGA_MAX_LISTS + 1];
    subs[0] = 0;
    for (size_t t = 0; t < gr->nterm; t++) {
        subs[t + 1] = gr->subset[t];
    }
    block_rows_need(g, br, subs, gr->nterm + 1);
}

/*
 * The terms of one block at the nodes of its interpolation (dga_quad.c):
 * per subset s (0: the base) its value at the block's first point,
 * computed as fill_rows computes it, and its change from there at each
 * node (slot order), from log-gamma shifts (lgamma_shifts) rather than
 * running sums.  Filled on demand, level by level.
 */
typedef struct node_rows {
    double anchor[1u << VC_DGA_MAX_LISTS];
    double dv[1u << VC_DGA_MAX_LISTS][VCI_QN];
    size_t upto[1u << VC_DGA_MAX_LISTS]; /* slots filled; 0: none */
    double ysh[VCI_QN];  /* lgamma shifts of A + n + n0 */
    size_t yupto;
    double ylg;          /* lgamma(A + n + n0) at the first point */
    size_t i0;
} node_rows;

/* Points before a block's first n0 at which the interpolation is tried:
 * its log-gamma arguments' poles then lie at least two block lengths
 * away, so every level's Bernstein ellipse reaches far beyond the block. */
#define QUAD_MIN_N0 (2 * AVG_BLOCK)

/* Make nr the node rows of the block starting at grid point i0. */
static void node_rows_begin(node_rows *nr, size_t i0, size_t nsub)
{
    memset(nr->upto, 0, nsub * sizeof *nr->upto);
    nr->yupto = 0;
    nr->i0 = i0;
}

/*
 * lgamma(x + t) - lgamma(x) at t = ts[from..upto) into out[from..upto),
 * for x >= QUAD_MIN_N0 (so t / x <= 1/2): Stirling's series (Abramowitz
 * & Stegun 6.1.41, to z^-9: below 2e-16 for z >= 15) with the difference
 * of its leading terms taken as (x - 1/2) log1p(t / x) + t (log(x + t) -
 * 1), free of the cancellation of two log-gammas of size x log x;
 * log1p(u) = 2 atanh(u / (2 + u)) by its odd series to the 23rd power
 * (u <= 1/2: |s| <= 0.2, remainder below 1e-17), branch-free so that the
 * loop vectorises.
 */
VC_HOT_CLONES
static void lgamma_shifts(double x, const double *ts, size_t from,
                          size_t upto, double *restrict out)
{
    double r = 1.0 / x, r2 = r * r;
    double tx = r * (1.0 / 12.0
                     - r2 * (1.0 / 360.0
                             - r2 * (1.0 / 1260.0
                                     - r2 * (1.0 / 1680.0 - r2 / 1188.0))));
    double xm = x - 0.5;
#pragma omp simd
    for (size_t k = from; k < upto; k++) {
        double t = ts[k];
        double u = t / x;
        double sa = u / (2.0 + u), s2 = sa * sa;
        double at = 1.0 / 23.0;
        at = 1.0 / 21.0 + s2 * at;
        at = 1.0 / 19.0 + s2 * at;
        at = 1.0 / 17.0 + s2 * at;
        at = 1.0 / 15.0 + s2 * at;
        at = 1.0 / 13.0 + s2 * at;
        at = 1.0 / 11.0 + s2 * at;
        at = 1.0 / 9.0 + s2 * at;
        at = 1.0 / 7.0 + s2 * at;
        at = 1.0 / 5.0 + s2 * at;
        at = 1.0 / 3.0 + s2 * at;
        double l1p = 2.0 * sa + 2.0 * sa * (s2 * at);
        double z = x + t, rz = 1.0 / z, rz2 = rz * rz;
        double tz = rz * (1.0 / 12.0
                          - rz2 * (1.0 / 360.0
                                   - rz2 * (1.0 / 1260.0
                                            - rz2 * (1.0 / 1680.0
                                                     - rz2 / 1188.0))));
        out[k] = xm * l1p + t * (vci_log(z) - 1.0) + (tz - tx);
    }
}

/* Subset s's anchor and changes at slots [nr->upto[s], upto). */
static void node_rows_fill(const vci_dga_grid *g, const vci_dga_quad *q,
                           node_rows *nr, uint32_t s, size_t upto)
{
    size_t from = nr->upto[s];
    double n = (double)g->n;
    double n00 = (double)(g->n0_lo + nr->i0);
    double tmp[VCI_QN];
    if (s == 0) {
        /* base = lgamma(N + a') - lgamma(n0 + 1) - N log1p(1 / b), with
         * a' = 0 for p(N) ~ 1/N (and no last term) */
        int nb = g->o->prior == VC_DGA_PRIOR_NEGBIN;
        double xN = n + n00 + (nb ? g->o->nb_a : 0.0);
        double r = nb ? log1p(1.0 / g->o->nb_b) : 0.0;
        if (from == 0) {
            nr->anchor[0] = base_exact(g->o, n, n00);
        }
        lgamma_shifts(xN, q->ts, from, upto, nr->dv[0]);
        lgamma_shifts(n00 + 1.0, q->ts, from, upto, tmp);
        for (size_t k = from; k < upto; k++) {
            nr->dv[0][k] -= tmp[k] + q->ts[k] * r;
        }
        nr->upto[0] = upto;
        return;
    }
    double y = g->A + n + n00;
    if (nr->yupto == 0) {
        nr->ylg = gsl_sf_lngamma(y);
    }
    if (nr->yupto < upto) {
        lgamma_shifts(y, q->ts, nr->yupto, upto, nr->ysh);
        nr->yupto = upto;
    }
    double x0 = subset_alpha(g, s) + g->zs[s] + n00;
    if (from == 0) {
        nr->anchor[s] = g->cst[s] + gsl_sf_lngamma(x0) - nr->ylg;
    }
    lgamma_shifts(x0, q->ts, from, upto, nr->dv[s]);
    for (size_t k = from; k < upto; k++) {
        nr->dv[s][k] -= nr->ysh[k];
    }
    nr->upto[s] = upto;
}

/* Subset s's anchor and changes at slots [0, upto): filled only when
 * they are not yet (inline, as most calls find them filled). */
static inline void node_rows_need(const vci_dga_grid *g,
                                  const vci_dga_quad *q, node_rows *nr,
                                  uint32_t s, size_t upto)
{
    if (nr->upto[s] < upto) {
        node_rows_fill(g, q, nr, s, upto);
    }
}

/* Graph gr's weights exp(v - shift) at slots [from, from + CNT) into w,
 * v its log posterior: the anchors summed in graph_at's order, then the
 * changes.  The rows it reads must be filled that far.  Returns the
 * largest of top and these weights. */
#define GRAPH_NODES(NAME, CNT)                                              \
    static inline __attribute__((always_inline)) double                     \
    NAME(const node_rows *nr, const vci_dga_terms *gr, double shift,        \
         size_t from, double *w, double top)                                \
    {                                                                       \
        double a = nr->anchor[0];                                           \
        double d[CNT];                                                      \
        const double *d0 = nr->dv[0] + from;                                \
        _Pragma("omp simd")                                                 \
        for (size_t j = 0; j < (CNT); j++) {                                \
            d[j] = d0[j];                                                   \
        }                                                                   \
        for (size_t k = 0; k < gr->nterm; k++) {                            \
            const double *dv = nr->dv[gr->subset[k]] + from;                \
            double c = gr->coef[k];                                         \
            a += c * nr->anchor[gr->subset[k]];                             \
            _Pragma("omp simd")                                             \
            for (size_t j = 0; j < (CNT); j++) {                            \
                d[j] += c * dv[j];                                          \
            }                                                               \
        }                                                                   \
        a -= shift;                                                         \
        /* far below: 0 to a double's precision (the level tests then      \
         * see a steep block) */                                            \
        _Pragma("omp simd reduction(max : top)")                            \
        for (size_t j = 0; j < (CNT); j++) {                                \
            double x = a + d[j];                                            \
            double keep = (double)(x > -700.0);                             \
            double e = vci_exp(x > -700.0 ? x : -700.0) * keep;             \
            w[from + j] = e;                                                \
            top = e > top ? e : top;                                        \
        }                                                                   \
        return top;                                                         \
    }
GRAPH_NODES(graph_nodes9, 9)
GRAPH_NODES(graph_nodes8, 8)
GRAPH_NODES(graph_nodes16, 16)

/* The rows graph gr reads, filled to slot upto. */
static void graph_nodes_need(const vci_dga_grid *g, const vci_dga_quad *q,
                             node_rows *nr, const vci_dga_terms *gr,
                             size_t upto)
{
    node_rows_need(g, q, nr, 0, upto);
    for (size_t k = 0; k < gr->nterm; k++) {
        node_rows_need(g, q, nr, gr->subset[k], upto);
    }
}

/* Graph gr's weights at the nodes of the interpolation level that its
 * tests accept (vci_dga_quad_ok) into w (slot order); returns that level
 * (1: 9 nodes, 2: 17, 3: 33), or 0 when none is accepted (the block is
 * then summed point by point). */
VC_HOT_CLONES
static int graph_quad(const vci_dga_grid *g, const vci_dga_quad *q,
                      node_rows *nr, const vci_dga_terms *gr, double shift,
                      double *w)
{
    size_t n1 = vci_dga_quad_nodes(1), n2 = vci_dga_quad_nodes(2);
    size_t n3 = vci_dga_quad_nodes(3);
    graph_nodes_need(g, q, nr, gr, n1);
    double top = graph_nodes9(nr, gr, shift, 0, w, VCI_QUAD_FLOOR);
    if (vci_dga_quad_ok0(q, w, top)) {
        return 1;
    }
    graph_nodes_need(g, q, nr, gr, n2);
    top = graph_nodes8(nr, gr, shift, n1, w, top);
    if (vci_dga_quad_ok1(q, w, top)) {
        return 2;
    }
    graph_nodes_need(g, q, nr, gr, n3);
    top = graph_nodes16(nr, gr, shift, n2, w, top);
    return vci_dga_quad_ok2(q, w, top) ? 3 : 0;
}

/*
 * Probes of every term a graph can read on block b into pb[0..nsub)
 * (subsets with their constants set: all of them on lazy grids, the
 * filled rows otherwise), then the bound ub[k] and largest probe value
 * sm[k] of every graph there (probe_bound).  The same block gives the
 * same values every time, so the passes of vci_dga_average recompute them
 * rather than keep them for the whole grid.
 */
VC_HOT_CLONES
static void block_bounds(const vci_dga_grid *g, const vci_dga_terms *gt,
                         size_t ngraphs, size_t b, probe *pb, double *ub,
                         double *sm)
{
    uint64_t lo = g->n0_lo;
    size_t i0, i1;
    block_span(g, b, &i0, &i1);
    size_t im = i0 + (i1 - 1 - i0) / 2;
    double na = (double)(lo + i0), nb = (double)(lo + i1 - 1);
    double nm = (double)(lo + im);
    double ha = (double)((i1 - 1 - i0) / 2);
    double hb = (double)(i1 - 1 - i0) - ha;
    double y = g->A + (double)g->n;
    double lya = vci_lgamma(y + na), lym = vci_lgamma(y + nm);
    double lyb = vci_lgamma(y + nb);
    for (uint32_t s = 0; s < g->nsub; s++) {
        probe *p = &pb[s];
        if (s > 0 && !g->cdone[s]) {
            continue;
        }
        p->a = probe_value(g, s, na, lya);
        p->m = probe_value(g, s, nm, lym);
        p->b = probe_value(g, s, nb, lyb);
        p->dm = probe_step(g, s, nm);
        p->ta = p->m - ha * p->dm;
        p->tb = p->m + hb * p->dm;
        p->cx[0] = p->tx[0] = p->a;
        p->cx[1] = p->tx[1] = p->m;
        p->cx[2] = p->tx[2] = p->b;
        p->cx[3] = p->a;
        p->tx[3] = p->ta;
    }
    for (size_t k = 0; k < ngraphs; k++) {
        ub[k] = probe_bound(&gt[k], pb, &sm[k]);
    }
}

/* Phase (2) of vci_dga_average on br's block: the graphs whose probe
 * bound reaches cut1 but lies more than REFINE_GAP above their probes
 * bounded again from the block's rows. */
static void block_refine(const vci_dga_grid *g, const vci_dga_terms *gt,
                         size_t ngraphs, const double *lgw, double cut1,
                         block_rows *br, double *ub, double *sm)
{
    for (size_t k = 0; k < ngraphs; k++) {
        double lw = lgw ? lgw[k] : 0.0;
        if (ub[k] + lw < cut1 || ub[k] - sm[k] <= REFINE_GAP) {
            continue;
        }
        graph_rows_need(g, br, &gt[k]);
        double m;
        double b = graph_block_bound(br->row, &gt[k], br->len, &m);
        ub[k] = b < ub[k] ? b : ub[k];
        sm[k] = m > sm[k] ? m : sm[k];
    }
}

/* The largest of sm[k] + lgw[k] into *msm, of ub[k] + lgw[k] into *mub,
 * and of ub[k] + lgw[k] over the graphs whose bound is loose (more than
 * REFINE_GAP above sm[k]) into *mloose (lgw NULL: 0): a graph's prior
 * weight shifts all its values alike. */
static void block_maxima(const double *ub, const double *sm,
                         const double *lgw, size_t ngraphs, double *msm,
                         double *mub, double *mloose)
{
    double xs = -INFINITY, xu = -INFINITY, xl = -INFINITY;
    for (size_t k = 0; k < ngraphs; k++) {
        double lw = lgw ? lgw[k] : 0.0;
        double s = sm[k] + lw, u = ub[k] + lw;
        xs = s > xs ? s : xs;
        xu = u > xu ? u : xu;
        if (ub[k] - sm[k] > REFINE_GAP) {
            xl = u > xl ? u : xl;
        }
    }
    *msm = xs;
    *mub = xu;
    *mloose = xl;
}

/* Blocks of the grid per round of the sum (phase 3): their sums per graph
 * wait for the round's end, to be added in block order; about
 * CHUNK_DOUBLES doubles of them on one thread (512 KB: one thread needs
 * no long rounds, and each of their pages is a fault the first time),
 * four times that on more (2 MB: the blocks' sums became cheap, and a
 * thread spins at each round's barrier).  The result does not depend on
 * the rounds. */
#define CHUNK_DOUBLES 65536

/* The largest of v[0..n). */
static double largest(const double *v, size_t n)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        m = v[i] > m ? v[i] : m;
    }
    return m;
}

/* Per-thread memory of the passes of vci_dga_average.  Phases (1), (2)
 * and (3) each open a parallel region that allocates it, flags a failed
 * allocation and frees it: alike on purpose.  Each phase's loop has its
 * own schedule (dynamic 8 for the cheap probes, dynamic 1 for the costly
 * refinement and sums, which (3) runs in rounds with a barrier), and an
 * OpenMP schedule is fixed per loop at compile time; one region driven
 * by a callback per block would put an indirect call in the per-block
 * loop and hide which phase a profile shows. */
typedef struct {
    probe *pb;      /* nsub */
    double *ub, *sm; /* ngraphs each */
    block_rows br;
    int ok;
} pass_work;

static void pass_work_alloc(const vci_dga_grid *g, size_t ngraphs,
                            pass_work *pw)
{
    pw->pb = malloc(g->nsub * sizeof *pw->pb);
    pw->ub = malloc(2 * ngraphs * sizeof *pw->ub);
    pw->sm = pw->ub ? pw->ub + ngraphs : NULL;
    pw->ok = block_rows_alloc(g, &pw->br) && pw->pb && pw->ub;
}

static void pass_work_free(pass_work *pw)
{
    free(pw->pb);
    free(pw->ub);
    block_rows_free(&pw->br);
}

/*
 * One pass over (graph, n0) on the grid: see dga_impl.h.  Phases, each a
 * function below:
 * (1) avg_probe: every term's exact values at three points of each block
 *     of AVG_BLOCK points, and the bounds of every graph on every block
 *     from them (probe_bound); the largest sampled value is the reference
 *     level M, at most the true maximum, so weights are taken relative to
 *     it and skipping those below M - LOG_NEGLIGIBLE is safe;
 * (2) avg_bound: blocks whose probe bound is loose (strong curvature,
 *     small n0) are bounded again from their rows, every COARSE_STRIDE
 *     points;
 * (3) avg_sum: the sum, block by block, over the graphs whose bound
 *     reaches the cut.  Lazy grids compute a block's rows only in (2) or
 *     (3), so blocks where no graph has weight cost only their probes;
 * (4) avg_reduce: the serial reductions in fixed order, into the result.
 * Only three maxima per block are kept between the phases: each phase
 * recomputes a block's bounds (and the refinement of (2), with the cut of
 * (1)), which come out the same each time.
 */

/* What the phases of one pass share. */
typedef struct {
    const vci_dga_grid *g;
    const double *log_gw;   /* the graphs' log prior weights; NULL: none */
    size_t ngraphs, nblock;
    vci_dga_terms *gt;      /* ngraphs: each graph's terms */
    double *gpost;          /* ngraphs: the graphs' posteriors (4) */
    /* gsum, gnsum: each graph's sums over the blocks so far; csum: a
     * round's sums per block and graph; cvis: the round's blocks summed */
    double *gsum, *gnsum, *csum;
    unsigned char *cvis;
    size_t chunk;           /* blocks per round of phase (3) */
    int team;               /* phases on the OpenMP team: the grid has
                               AVG_PAR_MIN_BLOCKS blocks or more */
    /* bmax: per block, the largest sm + lgw (bsm), ub + lgw (bub) and
     * loose ub + lgw (bloose), as block_maxima gives them */
    double *bmax, *bsm, *bub, *bloose;
    double M;               /* the reference level */
    double cut1, cut;       /* the cuts of phases (2) and (3) */
    uint32_t *ufac;         /* nused: the factors some graph uses, by
                               code; gt[k].slot[] numbers them */
    size_t nused;
    double M1;              /* the reference level of (1) */
    size_t b_start;         /* (3) starts at this block (avg_carry) */
    double *snap;           /* non-NULL: (3) copies gsum and gnsum here
                               when the blocks before snap_at are summed */
    size_t snap_at;
    const vci_dga_quad *quad; /* interpolation tables of a full block;
                                 NULL: every block point by point */
} avg_pass;

/*
 * What a fit on a grid leaves to the fit on the grid widened from it
 * (same lower end): the grids' full blocks before nfull are the same
 * blocks with the same rows, and when both passes find the same
 * reference levels M1 and M (the peak lies in the first grid), the same
 * graphs reach the cut there with the same weights.  Phase (3) of the
 * wider grid then starts at block nfull, from the weights and the sums
 * per graph (taken in block order, as (3) takes them) of the first.  The
 * result is the same bits as a pass over the whole grid.
 */
typedef struct {
    int valid;     /* the fields below hold a fit */
    size_t nfull;  /* its full blocks */
    double M1, M;  /* its reference levels */
    double *post;  /* its weights over its whole grid, unnormalised (the
                      buffer of its result, handed over: the next grid's
                      result grows it) */
    double *gsum;  /* 2 ngraphs: its sums and sums times N per graph over
                      the blocks before nfull */
    /* phase (1)'s maxima per block (bsm, bub, bloose: 3 pfull doubles)
     * of the last grid's full blocks, the same on the wider grid */
    size_t pfull;
    double *pmax;
} avg_carry;

static void avg_pass_free(avg_pass *p)
{
    free(p->ufac);
    free(p->gt);
    free(p->gpost);
    free(p->gsum);
    free(p->csum);
    free(p->cvis);
    free(p->bmax);
}

/* The shared memory of a pass and the result's grid arrays, the graphs'
 * terms built.  Errors: VC_ENOMEM (p is then safe to avg_pass_free). */
static int avg_pass_alloc(const vci_dga_grid *g, const uint32_t *edges,
                          const double *log_gw, size_t ngraphs, avg_pass *p,
                          vc_dga_result *r, vc_error *err)
{
    memset(p, 0, sizeof *p);
    p->g = g;
    p->log_gw = log_gw;
    p->ngraphs = ngraphs;
    p->nblock = (g->ngrid + AVG_BLOCK - 1) / AVG_BLOCK;
    p->team = p->nblock >= AVG_PAR_MIN_BLOCKS;
    int par = p->team && omp_get_max_threads() > 1;
    p->chunk = ((size_t)CHUNK_DOUBLES << (par ? 2 : 0)) / (2 * ngraphs);
    p->chunk = p->chunk < 8 ? 8 : p->chunk;
    p->chunk = p->chunk < p->nblock ? p->chunk : p->nblock;
    p->gt = malloc(ngraphs * sizeof *p->gt);
    p->gpost = malloc(ngraphs * sizeof *p->gpost);
    if (p->gt == NULL || p->gpost == NULL || r == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate graph terms");
    }
    p->gsum = calloc(2 * ngraphs, sizeof *p->gsum);
    p->gnsum = p->gsum ? p->gsum + ngraphs : NULL;
    p->csum = malloc(2 * p->chunk * ngraphs * sizeof *p->csum);
    p->cvis = malloc(p->chunk);
    p->bmax = malloc(3 * p->nblock * sizeof *p->bmax);
    r->post = calloc(g->ngrid, sizeof *r->post);
    r->edge_post = calloc(g->J * g->J, sizeof *r->edge_post);
    if (p->gsum == NULL || p->csum == NULL || p->cvis == NULL
        || p->bmax == NULL || r->post == NULL || r->edge_post == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the posterior");
    }
    p->bsm = p->bmax;
    p->bub = p->bmax + p->nblock;
    p->bloose = p->bmax + 2 * p->nblock;
    for (size_t k = 0; k < ngraphs; k++) {
        vci_dga_terms_build(g->J, edges[k], &p->gt[k]);
    }
    return VC_OK;
}

/* (1) Probes and bounds of every block; the cut of (2).  With carry
 * non-NULL, the blocks carry holds are taken from there, and this grid's
 * full blocks left there.  Errors: VC_ENOMEM. */
static int avg_probe(avg_pass *p, avg_carry *carry, vc_error *err)
{
    size_t reuse = 0, nblock = p->nblock;
    if (carry != NULL && carry->pmax != NULL && carry->pfull <= nblock) {
        reuse = carry->pfull;
        memcpy(p->bsm, carry->pmax, reuse * sizeof *p->bsm);
        memcpy(p->bub, carry->pmax + reuse, reuse * sizeof *p->bub);
        memcpy(p->bloose, carry->pmax + 2 * reuse, reuse * sizeof *p->bub);
    }
    int alloc_failed = 0;
#pragma omp parallel if (p->team)
    {
        pass_work pw;
        pass_work_alloc(p->g, p->ngraphs, &pw);
        if (!pw.ok) {
#pragma omp atomic write
            alloc_failed = 1;
        }
#pragma omp for schedule(dynamic, 8)
        for (size_t b = reuse; b < nblock; b++) {
            if (pw.ok) {
                block_bounds(p->g, p->gt, p->ngraphs, b, pw.pb, pw.ub,
                             pw.sm);
                block_maxima(pw.ub, pw.sm, p->log_gw, p->ngraphs,
                             &p->bsm[b], &p->bub[b], &p->bloose[b]);
            }
        }
        pass_work_free(&pw);
    }
    if (alloc_failed) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the posterior");
    }
    if (carry != NULL) {
        size_t nfull = p->g->ngrid / AVG_BLOCK;
        double *kept = realloc(carry->pmax,
                               3 * (nfull ? nfull : 1) * sizeof *kept);
        if (kept == NULL) {
            return vc_error_set(err, VC_ENOMEM, "cannot allocate the "
                                "posterior");
        }
        memcpy(kept, p->bsm, nfull * sizeof *kept);
        memcpy(kept + nfull, p->bub, nfull * sizeof *kept);
        memcpy(kept + 2 * nfull, p->bloose, nfull * sizeof *kept);
        carry->pmax = kept;
        carry->pfull = nfull;
    }
    p->M = largest(p->bsm, nblock);
    p->M1 = p->M;
    p->cut1 = p->M - LOG_NEGLIGIBLE;
    return VC_OK;
}

/* (2) Loose bounds that matter, again from the rows; the reference level
 * M and the cut of (3).  Errors: VC_ENOMEM, VC_ENUMERIC. */
static int avg_bound(avg_pass *p, vc_error *err)
{
    int alloc_failed = 0;
#pragma omp parallel if (p->team)
    {
        pass_work pw;
        pass_work_alloc(p->g, p->ngraphs, &pw);
        if (!pw.ok) {
#pragma omp atomic write
            alloc_failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t b = 0; b < p->nblock; b++) {
            if (!pw.ok || p->bloose[b] < p->cut1) {
                continue;
            }
            block_bounds(p->g, p->gt, p->ngraphs, b, pw.pb, pw.ub, pw.sm);
            block_rows_begin(p->g, b, &pw.br);
            block_refine(p->g, p->gt, p->ngraphs, p->log_gw, p->cut1, &pw.br,
                         pw.ub, pw.sm);
            double loose;
            block_maxima(pw.ub, pw.sm, p->log_gw, p->ngraphs, &p->bsm[b],
                         &p->bub[b], &loose);
        }
        pass_work_free(&pw);
    }
    if (alloc_failed) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the posterior");
    }
    p->M = largest(p->bsm, p->nblock);
    double top = largest(p->bub, p->nblock);
    p->cut = p->M - LOG_NEGLIGIBLE;
    if (top - p->M > EXP_RANGE) {
        /* Weights relative to M could overflow vci_exp's range: only a
         * posterior far sharper than any table of people gives this. */
        return vc_error_set(err, VC_ENUMERIC,
                            "graph averaging: the posterior of n0 is too "
                            "sharply peaked for the grid scan; narrow the "
                            "n0 grid");
    }
    return VC_OK;
}

/* The largest value of graph gr's log posterior on br's block, from its
 * rows (computed here if they are not yet). */
static double block_max(const vci_dga_grid *g, block_rows *br,
                        const vci_dga_terms *gr)
{
    graph_rows_need(g, br, gr);
    double m = -INFINITY;
    for (size_t i = 0; i < br->len; i++) {
        double v = graph_at(br->row, gr, i);
        m = v > m ? v : m;
    }
    return m;
}

/* Sum over the n points of a block of exp(line - M), for the line from a
 * to b: a geometric series; where the line is nearly flat (it changes by
 * under 2e-3), n times its largest value (upper = 1) or its smallest. */
static double line_sum(double a, double b, double n, double M, int upper)
{
    double top = a > b ? a : b;
    double d = n > 1.0 ? fabs(b - a) / (n - 1.0) : 0.0;
    if (n * d < 2e-3) {
        return n * vci_exp((upper ? top : a + b - top) - M);
    }
    return vci_exp(top - M) * (expm1(-n * d) / expm1(-d));
}

/* Below this (in log, relative to M) a graph's weights on a block count
 * in the upper bound of the total as e^TAIL_FLOOR each: 4e-18, so even
 * 10^9 such (graph, point) pairs add under 1e-8 to a total of at least
 * the weight at M, about 1. */
#define TAIL_FLOOR -40.0
/* Below this, a block's weights count in the total as its bound times
 * its length, without the line of probe_line: looser, but at most
 * e^TAIL_LINE of the weight at M per point. */
#define TAIL_LINE -15.0

/*
 * Between (2) and (3), for the automatic grid's widening: 1 when the
 * share of the posterior in the top TAIL_FRACTION of the grid that
 * vci_dga_finish would find is certainly above TAIL_TOL, so the grid is
 * widened without the sum (3); 0 when that is not certain (then the sum
 * decides, as always).  The weights (3) sums are those above the cut
 * relative to M.  Per block and graph, the log posterior lies below the
 * line of probe_line and above that of probe_lower (counted only where
 * it is above the cut), so the sums of exp over those lines (line_sum;
 * or the block's largest value times its length where (2) refined the
 * bound) bound the block's weights; the tail's lower bound over the
 * total's upper bound is a lower bound of the share.  The margin of 0.1%
 * covers the rounding of the sums and of vci_exp.  Cost: the probes of
 * (1) again, a few exps per block and graph.  Errors: VC_ENOMEM.
 */
static int avg_tail_heavy(const avg_pass *p, int *heavy, vc_error *err)
{
    const vci_dga_grid *g = p->g;
    size_t nblock = p->nblock, ngraphs = p->ngraphs;
    size_t tail0 = g->ngrid
                   - (size_t)ceil(TAIL_FRACTION * (double)g->ngrid);
    double *up = malloc(2 * nblock * sizeof *up);
    double *low = up ? up + nblock : NULL;
    *heavy = 0;
    if (up == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the posterior");
    }
    int alloc_failed = 0;
#pragma omp parallel if (p->team)
    {
        pass_work pw;
        pass_work_alloc(g, ngraphs, &pw);
        if (!pw.ok) {
#pragma omp atomic write
            alloc_failed = 1;
        }
#pragma omp for schedule(dynamic, 8)
        for (size_t b = 0; b < nblock; b++) {
            if (!pw.ok) {
                continue;
            }
            size_t i0, i1;
            block_span(g, b, &i0, &i1);
            double len = (double)(i1 - i0);
            block_bounds(g, p->gt, ngraphs, b, pw.pb, pw.ub, pw.sm);
            block_rows_begin(g, b, &pw.br);
            if (p->bloose[b] >= p->cut1) {
                block_refine(g, p->gt, ngraphs, p->log_gw, p->cut1, &pw.br,
                             pw.ub, pw.sm);
            }
            double u = 0.0, l = 0.0;
            for (size_t k = 0; k < ngraphs; k++) {
                double lw = p->log_gw ? p->log_gw[k] : 0.0;
                if (pw.ub[k] - pw.sm[k] > REFINE_GAP
                    && pw.ub[k] + lw - p->M >= TAIL_FLOOR) {
                    /* still loose (small n0): the block's largest value
                     * from its rows */
                    pw.ub[k] = block_max(g, &pw.br, &p->gt[k]) + 1e-3;
                }
                double x = pw.ub[k] + lw - p->M;
                if (x < TAIL_FLOOR) {
                    u += len * exp(TAIL_FLOOR);
                    continue;
                }
                if (x < TAIL_LINE && i0 < tail0) {
                    /* small: the block's bound times its length is
                     * enough */
                    u += len * vci_exp(x);
                    continue;
                }
                double ea, eb, smax;
                probe_line(&p->gt[k], pw.pb, &smax, &ea, &eb);
                if (pw.ub[k] < (ea > eb ? ea : eb)) {
                    /* refined: the block's largest value */
                    u += len * vci_exp(x);
                } else {
                    u += line_sum(ea + lw, eb + lw, len, p->M, 1);
                }
                if (i0 >= tail0) {
                    probe_lower(&p->gt[k], pw.pb, &ea, &eb);
                    if ((ea < eb ? ea : eb) + lw > p->cut + 1e-3) {
                        l += line_sum(ea + lw, eb + lw, len, p->M, 0);
                    }
                }
            }
            up[b] = u;
            low[b] = l;
        }
        pass_work_free(&pw);
    }
    if (!alloc_failed) {
        double total = 0.0, tail = 0.0;
        for (size_t b = 0; b < nblock; b++) {
            total += up[b];
            tail += low[b];
        }
        *heavy = tail > 1.001 * TAIL_TOL * total;
    }
    free(up);
    if (alloc_failed) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the posterior");
    }
    return VC_OK;
}

/* The factors some graph uses, numbered compactly in the order of their
 * codes, into p->ufac and each graph's slot[].  Errors: VC_ENOMEM. */
static int avg_factors(avg_pass *p, vc_error *err)
{
    size_t J = p->g->J;
    uint32_t *fmap = malloc((J << J) * sizeof *fmap);
    p->ufac = malloc((J << J) * sizeof *p->ufac);
    if (fmap == NULL || p->ufac == NULL) {
        free(fmap);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate graph factors");
    }
    for (size_t f = 0; f < (J << J); f++) {
        fmap[f] = 0;
    }
    for (size_t k = 0; k < p->ngraphs; k++) {
        for (size_t q = 0; q < p->gt[k].nfactor; q++) {
            fmap[p->gt[k].factor[q]] = 1;
        }
    }
    size_t nused = 0;
    for (size_t f = 0; f < (J << J); f++) {
        if (fmap[f]) {
            fmap[f] = (uint32_t)nused;
            p->ufac[nused++] = (uint32_t)f;
        }
    }
    for (size_t k = 0; k < p->ngraphs; k++) {
        for (size_t q = 0; q < p->gt[k].nfactor; q++) {
            p->gt[k].slot[q] = fmap[p->gt[k].factor[q]];
        }
    }
    p->nused = nused;
    free(fmap);
    return VC_OK;
}

/* One thread's block_work for the pass p; 0 when out of memory (w is
 * then still safe to block_work_free). */
static int block_work_alloc(const avg_pass *p, block_work *w)
{
    size_t nused = p->nused;
    /* rows a little longer than a block, so that rows read side by side
     * do not share cache sets */
    w->stride = AVG_BLOCK + 8;
    w->fac = malloc(2 * nused * w->stride * sizeof *w->fac);
    w->efac = w->fac ? w->fac + nused * w->stride : NULL;
    w->row = malloc(AVG_BLOCK * sizeof *w->row);
    w->cq = malloc(2 * nused * sizeof *w->cq);
    w->vq = w->cq ? w->cq + nused : NULL;
    w->need = malloc(nused);
    w->subs = malloc(2 * nused * sizeof *w->subs);
    w->nr = p->quad ? malloc(sizeof *w->nr) : NULL;
    w->ubx = malloc(p->ngraphs * sizeof *w->ubx);
    w->qf = malloc((2 * VCI_QN + 2) * nused * sizeof *w->qf);
    w->qe = w->qf ? w->qf + VCI_QN * nused : NULL;
    w->qc = w->qf ? w->qe + VCI_QN * nused : NULL;
    w->qv = w->qf ? w->qc + nused : NULL;
    w->qneed = malloc(nused);
    return w->fac && w->row && w->cq && w->need && w->subs
           && (w->nr || !p->quad) && w->ubx && w->qf && w->qneed;
}

static void block_work_free(block_work *w)
{
    free(w->fac);
    free(w->row);
    free(w->cq);
    free(w->need);
    free(w->subs);
    free(w->nr);
    free(w->ubx);
    free(w->qf);
    free(w->qneed);
}

/* The slot of the middle node (t = h), where each factor is centred. */
#define QUAD_MID 2

/*
 * The needed factors of the interpolation (w->qneed) at slots [from,
 * upto): their changes from the block's first point, as block_factors
 * forms them from the rows (log D(pa + v) - log D(pa), the base added
 * where pa is empty), their exps relative to the middle node and the
 * largest |change| from it; with from = 0 also their values at the middle
 * node.
 */
VC_HOT_CLONES
static void quad_factors(const avg_pass *p, block_work *w, size_t from,
                         size_t upto)
{
    const vci_dga_grid *g = p->g;
    uint32_t pmask = (uint32_t)g->nsub - 1;
    node_rows *nr = w->nr;
    for (size_t f = 0; f < p->nused; f++) {
        if (!w->qneed[f]) {
            continue;
        }
        size_t v = p->ufac[f] >> g->J, pa = p->ufac[f] & pmask;
        uint32_t hs = (uint32_t)((size_t)1 << v | pa);
        node_rows_need(g, p->quad, nr, hs, upto);
        node_rows_need(g, p->quad, nr, (uint32_t)pa, upto);
        double sg = pa == (size_t)1 << v ? 0.0 : pa == 0 ? 1.0 : -1.0;
        const double *hi = nr->dv[hs], *lo = nr->dv[pa];
        double *df = w->qf + f * VCI_QN, *ef = w->qe + f * VCI_QN;
        if (from == 0) {
            double anc = nr->anchor[hs];
            anc = sg > 0.0 ? anc + nr->anchor[0]
                  : sg < 0.0 ? anc - nr->anchor[pa] : anc;
            df[QUAD_MID] = hi[QUAD_MID] + sg * lo[QUAD_MID];
            w->qc[f] = anc + df[QUAD_MID];
            w->qv[f] = 0.0;
        }
        double c = df[QUAD_MID], vmax = w->qv[f];
#pragma omp simd reduction(max : vmax)
        for (size_t j = from; j < upto; j++) {
            df[j] = hi[j] + sg * lo[j];
            double d = df[j] - c;
            d = d < 0.0 ? -d : d;
            vmax = d > vmax ? d : vmax;
            ef[j] = vci_exp(d <= EXP_RANGE ? df[j] - c : 0.0);
        }
        w->qv[f] = vmax;
    }
}

/* Graph gr's weights at slots [from, from + CNT) into wv: sc times the
 * product of its factors' exps (as graph_prod).  Returns the largest of
 * top and these weights. */
#define GRAPH_QPROD(NAME, CNT)                                              \
    static inline __attribute__((always_inline)) double                     \
    NAME(const vci_dga_terms *gr, const double *qe, double sc, size_t from, \
         double *wv, double top)                                            \
    {                                                                       \
        double r[CNT];                                                      \
        const double *e0 = qe + gr->slot[0] * VCI_QN + from;                \
        _Pragma("omp simd")                                                 \
        for (size_t j = 0; j < (CNT); j++) {                                \
            r[j] = sc * e0[j];                                              \
        }                                                                   \
        for (size_t q = 1; q < gr->nfactor; q++) {                          \
            const double *e = qe + gr->slot[q] * VCI_QN + from;             \
            _Pragma("omp simd")                                             \
            for (size_t j = 0; j < (CNT); j++) {                            \
                r[j] *= e[j];                                               \
            }                                                               \
        }                                                                   \
        _Pragma("omp simd reduction(max : top)")                            \
        for (size_t j = 0; j < (CNT); j++) {                                \
            wv[from + j] = r[j];                                            \
            top = r[j] > top ? r[j] : top;                                  \
        }                                                                   \
        return top;                                                         \
    }
GRAPH_QPROD(graph_qprod9, 9)
GRAPH_QPROD(graph_qprod8, 8)
GRAPH_QPROD(graph_qprod16, 16)

/* Level 1's sums of up to four graphs at once (cnt of them, their node
 * weights wb[i][0..9), indices ks[i]): into bs as avg_quad_block's, each
 * lane the products added in the order of vci_dga_quad_sums, so the same
 * bits as one graph at a time without waiting on one chain of additions
 * per graph. */
static inline __attribute__((always_inline)) void
quad_sums1x4(const vci_dga_quad *q, double wb[4][VCI_QN], const size_t *ks,
             int cnt, double N0, size_t ngraphs, double *bs)
{
    vci_v4d a = {0.0, 0.0, 0.0, 0.0}, b = a;
    for (size_t j = 0; j < 9; j++) {
        vci_v4d wj = {wb[0][j], wb[1][j], wb[2][j], wb[3][j]};
        vci_v4d cj = {q->c[1][j], q->c[1][j], q->c[1][j], q->c[1][j]};
        vci_v4d dj = {q->d[1][j], q->d[1][j], q->d[1][j], q->d[1][j]};
        a += cj * wj;
        b += dj * wj;
    }
    for (int i = 0; i < cnt; i++) {
        bs[ks[i]] = a[i];
        bs[ngraphs + ks[i]] = N0 * a[i] + b[i];
    }
}

/*
 * The graphs of block b of phase (3) whose weights their interpolation
 * gives (dga_quad.c): their sums into bs (as avg_sum_block) and their
 * weights added to post; w->ubx[k] gets -inf for them and for the graphs
 * below the cut, ub[k] for the others (summed point by point).  A graph's
 * weights at the nodes are exp(c - M) times the product of its factors'
 * exps relative to their middle values c_q (c their sum), as in
 * block_sum; a graph whose factors vary by more than EXP_RANGE in all
 * goes point by point.
 */
VC_HOT_CLONES
static void avg_quad_block(const avg_pass *p, const pass_work *pw,
                           block_work *w, double *post, double *bs)
{
    const vci_dga_grid *g = p->g;
    const vci_dga_quad *q = p->quad;
    size_t ngraphs = p->ngraphs, i0 = pw->br.i0;
    size_t n1 = vci_dga_quad_nodes(1);
    double N0 = (double)g->n + (double)(g->n0_lo + i0);
    double tot[VCI_QLEVELS][VCI_QN];
    int used[VCI_QLEVELS] = {0};
    memset(tot, 0, sizeof tot);
    double wb[4][VCI_QN]; /* level 1's graphs waiting for their sums */
    size_t kb[4];
    int nb = 0;
    node_rows_begin(w->nr, i0, g->nsub);
    memset(w->qneed, 0, p->nused);
    for (size_t k = 0; k < ngraphs; k++) {
        double lw = p->log_gw ? p->log_gw[k] : 0.0;
        if (pw->ub[k] + lw >= p->cut) {
            for (size_t f = 0; f < p->gt[k].nfactor; f++) {
                w->qneed[p->gt[k].slot[f]] = 1;
            }
        }
    }
    quad_factors(p, w, 0, n1);
    size_t filled = n1; /* the factors' slots filled */
    for (size_t k = 0; k < ngraphs; k++) {
        double lw = p->log_gw ? p->log_gw[k] : 0.0;
        w->ubx[k] = -INFINITY;
        if (pw->ub[k] + lw < p->cut) {
            continue;
        }
        const vci_dga_terms *gr = &p->gt[k];
        double c = 0.0;
        for (size_t f = 0; f < gr->nfactor; f++) {
            c += w->qc[gr->slot[f]];
        }
        double t = c - (p->M - lw), sc = 0.0, top = VCI_QUAD_FLOOR;
        double wv[VCI_QN];
        int l = 0;
        /* level by level: the weights at the next level's new nodes, and
         * its test */
        for (int lv = 0; lv + 1 < VCI_QLEVELS; lv++) {
            size_t from = lv == 0 ? 0 : vci_dga_quad_nodes(lv);
            size_t upto = vci_dga_quad_nodes(lv + 1);
            if (filled < upto) {
                quad_factors(p, w, filled, upto);
                filled = upto;
            }
            double v = 0.0;
            for (size_t f = 0; f < gr->nfactor; f++) {
                v += w->qv[gr->slot[f]];
            }
            if (!(v <= EXP_RANGE && t + v <= EXP_RANGE)) {
                break;
            }
            int ok;
            if (lv == 0) {
                sc = exp(t);
                top = graph_qprod9(gr, w->qe, sc, 0, wv, top);
                ok = vci_dga_quad_ok0(q, wv, top);
            } else if (lv == 1) {
                top = graph_qprod8(gr, w->qe, sc, from, wv, top);
                ok = vci_dga_quad_ok1(q, wv, top);
            } else {
                top = graph_qprod16(gr, w->qe, sc, from, wv, top);
                ok = vci_dga_quad_ok2(q, wv, top);
            }
            if (ok) {
                l = lv + 1;
                break;
            }
        }
        if (l == 0) {
            w->ubx[k] = pw->ub[k];
            continue;
        }
        used[l] = 1;
        if (l == 1) {
            /* summed four graphs at a time */
            memcpy(wb[nb], wv, 9 * sizeof *wv);
            kb[nb++] = k;
            if (nb == 4) {
                quad_sums1x4(q, wb, kb, 4, N0, ngraphs, bs);
                nb = 0;
            }
            for (size_t j = 0; j < 9; j++) {
                tot[1][j] += wv[j];
            }
            continue;
        }
        double sum, sd;
        vci_dga_quad_sums(q, l, wv, &sum, &sd);
        bs[k] = sum;
        bs[ngraphs + k] = N0 * sum + sd;
        size_t nl = vci_dga_quad_nodes(l);
        for (size_t j = 0; j < nl; j++) {
            tot[l][j] += wv[j];
        }
    }
    if (nb > 0) {
        for (int i = nb; i < 4; i++) {
            memset(wb[i], 0, 9 * sizeof *wb[i]);
        }
        quad_sums1x4(q, wb, kb, nb, N0, ngraphs, bs);
    }
    /* the sum of the graphs' interpolants is the interpolant of their
     * sum: each level's node totals carried up to the finest level used
     * (a polynomial of lower degree is its own interpolant there), then
     * one pass over the points */
    int top = 0;
    for (int l = 1; l < VCI_QLEVELS; l++) {
        top = used[l] ? l : top;
    }
    if (top == 0) {
        return;
    }
    for (int l = 1; l < top; l++) {
        if (!used[l]) {
            continue;
        }
        size_t nl = vci_dga_quad_nodes(l), nu = vci_dga_quad_nodes(l + 1);
        for (size_t a = nl; a < nu; a++) {
            const double *b = q->check[l] + (a - nl) * nl;
            double x = 0.0;
            for (size_t j = 0; j < nl; j++) {
                x += b[j] * tot[l][j];
            }
            tot[l][a] = x;
        }
        for (size_t j = 0; j < nu; j++) {
            tot[l + 1][j] += tot[l][j];
        }
    }
    size_t nt = vci_dga_quad_nodes(top), len = q->len;
    double *restrict row = w->row;
    memset(row, 0, len * sizeof *row);
    for (size_t j = 0; j < nt; j++) {
        const double *restrict bj = q->basist[top] + j * len;
        double tj = tot[top][j];
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            row[i] += bj[i] * tj;
        }
    }
    double *restrict pp = post + i0;
#pragma omp simd
    for (size_t i = 0; i < len; i++) {
        /* an interpolant of positive weights: never below 0 */
        pp[i] += row[i] > 0.0 ? row[i] : 0.0;
    }
}

/* Block b of phase (3): its bounds again, the rows of the factors of the
 * graphs that reach the cut there, and their weights added to post (the
 * result's) and to bs[0..ngraphs) (sums) and bs[ngraphs..2 ngraphs)
 * (sums times N), which the caller zeroed.  On a full block far enough
 * from n0 = 0, the graphs whose interpolation is accepted are summed from
 * it (avg_quad_block), the others point by point. */
static void avg_sum_block(const avg_pass *p, size_t b, pass_work *pw,
                          block_work *w, double *post, double *bs)
{
    const vci_dga_grid *g = p->g;
    size_t J = g->J, ngraphs = p->ngraphs;
    block_bounds(g, p->gt, ngraphs, b, pw->pb, pw->ub, pw->sm);
    block_rows_begin(g, b, &pw->br);
    block_refine(g, p->gt, ngraphs, p->log_gw, p->cut1, &pw->br, pw->ub,
                 pw->sm);
    const double *ub = pw->ub;
    if (p->quad != NULL && pw->br.len == p->quad->len
        && g->n0_lo + pw->br.i0 >= QUAD_MIN_N0) {
        avg_quad_block(p, pw, w, post, bs);
        ub = w->ubx;
    }
    /* the factors of the graphs that reach the cut here, and the rows of
     * those factors */
    memset(w->need, 0, p->nused);
    int any = 0;
    for (size_t k = 0; k < ngraphs; k++) {
        double lw = p->log_gw ? p->log_gw[k] : 0.0;
        if (ub[k] + lw >= p->cut) {
            any = 1;
            for (size_t q = 0; q < p->gt[k].nfactor; q++) {
                w->need[p->gt[k].slot[q]] = 1;
            }
        }
    }
    if (!any) {
        return;
    }
    size_t nsubs = 0;
    uint32_t pmask = (uint32_t)g->nsub - 1;
    for (size_t q = 0; q < p->nused; q++) {
        if (w->need[q]) {
            uint32_t v = p->ufac[q] >> J, pa = p->ufac[q] & pmask;
            w->subs[nsubs++] = 1u << v | pa;
            w->subs[nsubs++] = pa; /* 0: the base */
        }
    }
    block_rows_need(g, &pw->br, w->subs, nsubs);
    size_t i0 = pw->br.i0;
    block_sum(g, pw->br.row, p->gt, ngraphs, p->ufac, p->nused, p->log_gw,
              ub, pw->br.len, p->M, p->cut,
              (double)g->n + (double)(g->n0_lo + i0), w, post + i0, bs,
              bs + ngraphs);
}

/* (3) One pass by blocks of the grid, in rounds of chunk blocks: each
 * block sums its graphs in graph order and writes only its own slots,
 * and a round's sums per graph are added in block order, so the result
 * does not depend on the number of threads.  Errors: VC_ENOMEM. */
static int avg_sum(avg_pass *p, double *post, vc_error *err)
{
    size_t nblock = p->nblock, chunk = p->chunk, ngraphs = p->ngraphs;
    int alloc_failed = 0;
#pragma omp parallel if (p->team)
    {
        pass_work pw;
        pass_work_alloc(p->g, ngraphs, &pw);
        block_work w;
        int ok = block_work_alloc(p, &w) && pw.ok;
        if (!ok) {
#pragma omp atomic write
            alloc_failed = 1;
        }
        for (size_t c0 = p->b_start; c0 < nblock; c0 += chunk) {
            size_t c1 = c0 + chunk < nblock ? c0 + chunk : nblock;
#pragma omp for schedule(dynamic, 1)
            for (size_t b = c0; b < c1; b++) {
                p->cvis[b - c0] = 0;
                if (!ok || p->bub[b] < p->cut) {
                    /* no graph reaches the cut here */
                    continue;
                }
                double *bs = p->csum + 2 * (b - c0) * ngraphs;
                memset(bs, 0, 2 * ngraphs * sizeof *bs);
                avg_sum_block(p, b, &pw, &w, post, bs);
                p->cvis[b - c0] = 1;
            }
            /* (the for's barrier: the round is summed) */
#pragma omp single
            for (size_t b = c0; b < c1; b++) {
                if (p->snap != NULL && b == p->snap_at) {
                    memcpy(p->snap, p->gsum, 2 * ngraphs * sizeof *p->snap);
                }
                if (!p->cvis[b - c0]) {
                    continue;
                }
                const double *bs = p->csum + 2 * (b - c0) * ngraphs;
                for (size_t k = 0; k < ngraphs; k++) {
                    p->gsum[k] += bs[k];
                    p->gnsum[k] += bs[ngraphs + k];
                }
            }
        }
        block_work_free(&w);
        pass_work_free(&pw);
    }
    if (alloc_failed) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate graph factors");
    }
    if (p->snap != NULL && p->snap_at >= nblock) {
        memcpy(p->snap, p->gsum, 2 * ngraphs * sizeof *p->snap);
    }
    return VC_OK;
}

/* The ntop graphs of highest posterior gpost first (ties in graph
 * order), as indices into idx[ngraphs] (filled): a stable selection sort
 * is plenty for 822 graphs. */
static void avg_top(const double *gpost, size_t ngraphs, size_t ntop,
                    size_t *idx)
{
    for (size_t k = 0; k < ngraphs; k++) {
        idx[k] = k;
    }
    for (size_t a = 0; a < ntop; a++) {
        size_t best = a;
        for (size_t k = a + 1; k < ngraphs; k++) {
            if (gpost[idx[k]] > gpost[idx[best]]) {
                best = k;
            }
        }
        size_t tmp = idx[a];
        idx[a] = idx[best];
        idx[best] = tmp;
    }
}

/* (4) Serial reductions in fixed order: the posterior of N normalised
 * and its moments, each graph's posterior and mean of N, the edges'
 * posteriors, the top graphs, into r.  Errors: VC_ENOMEM. */
static int avg_reduce(avg_pass *p, const vc_dga_opts *o,
                      const uint32_t *edges, vc_dga_result *r, vc_error *err)
{
    const vci_dga_grid *g = p->g;
    size_t J = g->J, ngraphs = p->ngraphs;
    uint64_t lo = g->n0_lo;
    double n = (double)g->n;
    double Z = 0.0, mean = 0.0, sq = 0.0;
    for (size_t i = 0; i < g->ngrid; i++) {
        Z += r->post[i];
    }
    for (size_t i = 0; i < g->ngrid; i++) {
        r->post[i] /= Z;
        double N = n + (double)(lo + i);
        mean += r->post[i] * N;
    }
    for (size_t i = 0; i < g->ngrid; i++) {
        double d = n + (double)(lo + i) - mean;
        sq += r->post[i] * d * d;
    }
    double *gpost = p->gpost;
    double *gmean = malloc(ngraphs * sizeof *gmean);
    size_t *idx = malloc(ngraphs * sizeof *idx);
    if (gmean == NULL || idx == NULL) {
        free(gmean);
        free(idx);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the posterior");
    }
    for (size_t k = 0; k < ngraphs; k++) {
        double s = p->gsum[k], sn = p->gnsum[k];
        gpost[k] = s / Z;
        gmean[k] = s > 0.0 ? sn / s : NAN;
        for (size_t bb = 1; bb < J; bb++) {
            for (size_t a = 0; a < bb; a++) {
                if (edges[k] >> vc_dga_edge_index(a, bb) & 1u) {
                    r->edge_post[a * J + bb] += gpost[k];
                    r->edge_post[bb * J + a] += gpost[k];
                }
            }
        }
    }
    size_t ntop = o->top ? o->top : DEFAULT_TOP;
    ntop = ntop < ngraphs ? ntop : ngraphs;
    avg_top(gpost, ngraphs, ntop, idx);
    r->top = calloc(ntop ? ntop : 1, sizeof *r->top);
    if (r->top == NULL) {
        free(gmean);
        free(idx);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the posterior");
    }
    for (size_t a = 0; a < ntop; a++) {
        vc_dga_graph *tg = &r->top[a];
        tg->edges = edges[idx[a]];
        tg->posterior = gpost[idx[a]];
        tg->renormalised = gpost[idx[a]];
        tg->mean_N = gmean[idx[a]];
        vci_dga_cliques(J, tg->edges, g->t->names, tg->cliques,
                        sizeof tg->cliques);
    }
    free(gmean);
    free(idx);
    r->all_edges = malloc(ngraphs * sizeof *r->all_edges);
    r->all_post = malloc(ngraphs * sizeof *r->all_post);
    if (r->all_edges == NULL || r->all_post == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the posterior");
    }
    memcpy(r->all_edges, edges, ngraphs * sizeof *r->all_edges);
    memcpy(r->all_post, gpost, ngraphs * sizeof *r->all_post);
    r->nall = ngraphs;

    r->ntop = ntop;
    r->J = J;
    r->ngraphs = ngraphs;
    r->n = g->n;
    r->n0_lo = lo;
    r->ngrid = g->ngrid;
    r->delta = g->delta;
    r->mean = mean;
    r->sd = sqrt(sq);
    r->median = vc_dga_quantile(r, 0.5);
    size_t imode = 0;
    for (size_t i = 1; i < g->ngrid; i++) {
        if (r->post[i] > r->post[imode]) {
            imode = i;
        }
    }
    r->mode = n + (double)(lo + imode);
    return VC_OK;
}

/* 1 when the reference level M lies in the grid's top TAIL_FRACTION:
 * only then is avg_tail_heavy worth its cost, since a grid whose peak
 * lies lower is, if widened, carried into the wider grid's sum
 * (avg_carry) and not lost. */
static int peak_in_top(const avg_pass *p)
{
    size_t b = 0;
    while (b + 1 < p->nblock && p->bsm[b] != p->M) {
        b++;
    }
    size_t tail0 = p->g->ngrid
                   - (size_t)ceil(TAIL_FRACTION * (double)p->g->ngrid);
    return (b + 1) * AVG_BLOCK > tail0;
}

/* Before (3): start it where carry's fit ends, when that fit is
 * valid here (avg_carry); and have (3) keep what the next grid can use.
 * Errors: VC_ENOMEM. */
static int carry_in(avg_pass *p, avg_carry *carry, vc_dga_result *r,
                    vc_error *err)
{
    size_t ngraphs = p->ngraphs;
    if (carry->gsum == NULL) {
        carry->gsum = malloc(2 * ngraphs * sizeof *carry->gsum);
        if (carry->gsum == NULL) {
            return vc_error_set(err, VC_ENOMEM, "cannot allocate the "
                                "posterior");
        }
    }
    if (carry->valid && carry->M1 == p->M1 && carry->M == p->M
        && carry->nfull <= p->nblock) {
        /* the last fit's weights become this one's: its buffer grown,
         * past its full blocks zeroed (no copy, no fresh pages for the
         * part already written) */
        size_t keep = carry->nfull * AVG_BLOCK, ngrid = p->g->ngrid;
        double *post = realloc(carry->post, ngrid * sizeof *post);
        if (post == NULL) {
            return vc_error_set(err, VC_ENOMEM, "cannot allocate the "
                                "posterior");
        }
        memset(post + keep, 0, (ngrid - keep) * sizeof *post);
        free(r->post);
        r->post = post;
        carry->post = NULL;
        carry->valid = 0;
        p->b_start = carry->nfull;
        memcpy(p->gsum, carry->gsum, 2 * ngraphs * sizeof *p->gsum);
    }
    p->snap = carry->gsum;
    p->snap_at = p->g->ngrid / AVG_BLOCK;
    return VC_OK;
}

/* After (3): whether the grid will be widened (carry->valid), with what
 * the next grid needs to start from this fit (its weights themselves are
 * handed over by average()). */
static void carry_out(const avg_pass *p, avg_carry *carry,
                      const double *post)
{
    /* the share of the grid's top that vci_dga_finish will find, the same
     * operations as (4) and it: at most TAIL_TOL, the grid is the last
     * and nothing need be kept */
    size_t ngrid = p->g->ngrid;
    double Z = 0.0, tail = 0.0;
    for (size_t i = 0; i < ngrid; i++) {
        Z += post[i];
    }
    for (size_t i = ngrid - (size_t)ceil(TAIL_FRACTION * (double)ngrid);
         i < ngrid; i++) {
        tail += post[i] / Z;
    }
    carry->valid = tail > TAIL_TOL;
    carry->nfull = p->snap_at;
    carry->M1 = p->M1;
    carry->M = p->M;
}

/* vci_dga_average; with heavy non-NULL, *heavy = 1 and no result (NULL,
 * no error) when the grid's top holds more than TAIL_TOL: certainly, by
 * avg_tail_heavy's bounds before the sum, or by the sum itself when carry
 * is non-NULL; with carry non-NULL, the pass starts from carry's fit
 * where it can and leaves its own there (avg_carry). */
static vc_dga_result *average(const vci_dga_grid *g, const vc_dga_opts *o,
                              const uint32_t *edges, const double *log_gw,
                              size_t ngraphs, int *heavy, avg_carry *carry,
                              vc_error *err)
{
    vc_dga_result *r = calloc(1, sizeof *r);
    avg_pass p;
    int status = avg_pass_alloc(g, edges, log_gw, ngraphs, &p, r, err);
    if (status == VC_OK) {
        status = avg_probe(&p, carry, err);
    }
    if (status == VC_OK) {
        status = avg_bound(&p, err);
    }
    if (status == VC_OK && heavy != NULL && peak_in_top(&p)) {
        status = avg_tail_heavy(&p, heavy, err);
        if (status == VC_OK && *heavy) {
            avg_pass_free(&p);
            vc_dga_result_free(r);
            return NULL;
        }
    }
    if (status == VC_OK) {
        status = avg_factors(&p, err);
    }
    if (status == VC_OK && g->lazy && g->ngrid >= QUAD_MIN_N0 + AVG_BLOCK) {
        p.quad = vci_dga_quad_block();
        if (p.quad == NULL) {
            status = vc_error_set(err, VC_ENOMEM, "cannot allocate the "
                                  "posterior");
        }
    }
    if (status == VC_OK && carry != NULL) {
        status = carry_in(&p, carry, r, err);
    }
    if (status == VC_OK) {
        status = avg_sum(&p, r->post, err);
    }
    if (status == VC_OK && carry != NULL) {
        carry_out(&p, carry, r->post);
        if (carry->valid && heavy != NULL) {
            /* its top holds more than TAIL_TOL (as vci_dga_finish would
             * find): widened, this fit's unnormalised weights handed to
             * the next grid rather than copied */
            free(carry->post);
            carry->post = r->post;
            r->post = NULL;
            *heavy = 1;
            avg_pass_free(&p);
            vc_dga_result_free(r);
            return NULL;
        }
        carry->valid = 0;
    }
    if (status == VC_OK) {
        status = avg_reduce(&p, o, edges, r, err);
    }
    avg_pass_free(&p);
    if (status != VC_OK) {
        vc_dga_result_free(r);
        return NULL;
    }
    return r;
}

vc_dga_result *vci_dga_average(const vci_dga_grid *g, const vc_dga_opts *o,
                               const uint32_t *edges, const double *log_gw,
                               size_t ngraphs, vc_error *err)
{
    return average(g, o, edges, log_gw, ngraphs, NULL, NULL, err);
}

/* Running sums kept for the draws of n0: at most this many doubles, so
 * 8 MB whatever the grid. */
#define N0_CUM_DOUBLES (1u << 20)

/* Graph gr's log posterior on br's block into v[0..len): the base, then
 * each term times its coefficient, in term order (the order of whole
 * rows). */
VC_HOT_CLONES
static void graph_values(const block_rows *br, const vci_dga_terms *gr,
                         double *restrict v)
{
    const double *restrict b0 = br->row[0];
    size_t len = br->len;
    memcpy(v, b0, len * sizeof *v);
    for (size_t k = 0; k < gr->nterm; k++) {
        const double *restrict d = br->row[gr->subset[k]];
        double c = gr->coef[k];
#pragma omp simd
        for (size_t i = 0; i < len; i++) {
            v[i] += c * d[i];
        }
    }
}

/* The work of vci_dga_n0: one block's rows and values, and the
 * interpolation of full blocks far enough from n0 = 0. */
typedef struct {
    block_rows br;
    double *v;      /* AVG_BLOCK */
    probe *pb;      /* nsub */
    double *ub, *sm; /* ngraphs each */
    const vci_dga_quad *q; /* NULL: no interpolation */
    node_rows nr;
} n0_work;

/*
 * Graph k's weights exp(v - top) on block b (vci_dga_n0): 0 when the
 * probes' bound lies LOG_NEGLIGIBLE below top (at most 2e-22 of the
 * graph's largest weight a point); else the level of their interpolation
 * (dga_quad.c) with the node weights in wv, when accepted; else -1 and
 * the block's rows ready in w->br for the point-by-point sum.  w->ub
 * must hold the graph's bound there (block_bounds).  The same block and
 * graph give the same answer whatever was computed before.
 */
static int n0_block(const vci_dga_n0 *s, n0_work *w, size_t k, size_t b,
                    double *wv)
{
    const vci_dga_grid *g = s->g;
    if (w->ub[k] < s->top[k] - LOG_NEGLIGIBLE) {
        return 0;
    }
    size_t i0, i1;
    block_span(g, b, &i0, &i1);
    if (w->q != NULL && i1 - i0 == w->q->len
        && g->n0_lo + i0 >= QUAD_MIN_N0) {
        if (w->nr.i0 != i0) {
            node_rows_begin(&w->nr, i0, g->nsub);
        }
        int l = graph_quad(g, w->q, &w->nr, &s->gt[k], s->top[k], wv);
        if (l > 0) {
            return l;
        }
    }
    if (w->br.i0 != i0 || w->br.len != i1 - i0) {
        block_rows_begin(g, b, &w->br);
    }
    graph_rows_need(g, &w->br, &s->gt[k]);
    graph_values(&w->br, &s->gt[k], w->v);
    return -1;
}

int vci_dga_n0_init(vci_dga_n0 *s, const vci_dga_grid *g,
                    const uint32_t *edges, size_t ngraphs, vc_error *err)
{
    memset(s, 0, sizeof *s);
    s->g = g;
    s->ngraphs = ngraphs;
    s->nblock = (g->ngrid + AVG_BLOCK - 1) / AVG_BLOCK;
    size_t per = N0_CUM_DOUBLES / (ngraphs ? ngraphs : 1);
    per = per ? per : 1;
    s->cs = (s->nblock + per - 1) / per;
    s->cs = s->cs ? s->cs : 1;
    s->nck = (s->nblock + s->cs - 1) / s->cs;
    n0_work *w = calloc(1, sizeof *w);
    s->work = w;
    s->gt = malloc((ngraphs ? ngraphs : 1) * sizeof *s->gt);
    s->top = malloc((ngraphs ? ngraphs : 1) * sizeof *s->top);
    size_t ncum = ngraphs * s->nck;
    s->cum = malloc((ncum > 0 ? ncum : 1) * sizeof *s->cum);
    if (w == NULL || s->gt == NULL || s->top == NULL || s->cum == NULL
        || !g->lazy || !block_rows_alloc(g, &w->br)
        || (w->v = malloc(AVG_BLOCK * sizeof *w->v)) == NULL
        || (w->pb = malloc(g->nsub * sizeof *w->pb)) == NULL
        || (w->ub = malloc(2 * (ngraphs ? ngraphs : 1) * sizeof *w->ub))
               == NULL
        || (g->ngrid >= QUAD_MIN_N0 + AVG_BLOCK
            && (w->q = vci_dga_quad_block()) == NULL)) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the draws of "
                            "n0");
    }
    w->sm = w->ub + ngraphs;
    w->br.i0 = w->nr.i0 = SIZE_MAX;
    for (size_t k = 0; k < ngraphs; k++) {
        vci_dga_terms_build(g->J, edges[k], &s->gt[k]);
        s->top[k] = -INFINITY;
    }
    /* (1) each graph's reference level top: the largest of its probes'
     * sampled values, within the slack of the rows' rounding of its
     * largest value; where a block's bound lies more than EXP_RANGE above
     * it (strong curvature), the largest value itself from the rows of
     * the blocks whose bound reaches top */
    double *hi = malloc((ngraphs ? ngraphs : 1) * sizeof *hi);
    if (hi == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the draws of "
                            "n0");
    }
    for (size_t k = 0; k < ngraphs; k++) {
        hi[k] = -INFINITY;
    }
    for (size_t b = 0; b < s->nblock; b++) {
        block_bounds(g, s->gt, ngraphs, b, w->pb, w->ub, w->sm);
        for (size_t k = 0; k < ngraphs; k++) {
            double lo = w->sm[k] - 1e-3;
            s->top[k] = lo > s->top[k] ? lo : s->top[k];
            hi[k] = w->ub[k] > hi[k] ? w->ub[k] : hi[k];
        }
    }
    /* hi[k] becomes the exact largest value of a steep graph, -inf for
     * the others */
    int steep = 0;
    for (size_t k = 0; k < ngraphs; k++) {
        int st = hi[k] - s->top[k] > EXP_RANGE;
        steep |= st;
        hi[k] = st ? -DBL_MAX : -INFINITY;
    }
    for (size_t b = 0; steep && b < s->nblock; b++) {
        block_bounds(g, s->gt, ngraphs, b, w->pb, w->ub, w->sm);
        block_rows_begin(g, b, &w->br);
        for (size_t k = 0; k < ngraphs; k++) {
            if (hi[k] == -INFINITY || w->ub[k] < s->top[k]) {
                continue;
            }
            graph_rows_need(g, &w->br, &s->gt[k]);
            graph_values(&w->br, &s->gt[k], w->v);
            for (size_t i = 0; i < w->br.len; i++) {
                hi[k] = w->v[i] > hi[k] ? w->v[i] : hi[k];
            }
        }
    }
    for (size_t k = 0; steep && k < ngraphs; k++) {
        s->top[k] = hi[k] > s->top[k] ? hi[k] : s->top[k];
    }
    w->br.i0 = SIZE_MAX;
    free(hi);
    /* (2) the running sums, block by block in grid order */
    double *sum = calloc(ngraphs ? ngraphs : 1, sizeof *sum);
    if (sum == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the draws of "
                            "n0");
    }
    for (size_t b = 0; b < s->nblock; b++) {
        block_bounds(g, s->gt, ngraphs, b, w->pb, w->ub, w->sm);
        for (size_t k = 0; k < ngraphs; k++) {
            double wv[VCI_QN];
            int l = n0_block(s, w, k, b, wv);
            double a = sum[k];
            if (l > 0) {
                double bs, bsd;
                vci_dga_quad_sums(w->q, l, wv, &bs, &bsd);
                a += bs;
            } else if (l < 0) {
                double top = s->top[k];
                for (size_t i = 0; i < w->br.len; i++) {
                    a += exp(w->v[i] - top);
                }
            }
            sum[k] = a;
            if ((b + 1) % s->cs == 0 || b + 1 == s->nblock) {
                s->cum[k * s->nck + b / s->cs] = a;
            }
        }
    }
    free(sum);
    return VC_OK;
}

double vci_dga_n0_total(const vci_dga_n0 *s, size_t k)
{
    return s->cum[k * s->nck + s->nck - 1];
}

size_t vci_dga_n0_find(vci_dga_n0 *s, size_t k, double u)
{
    const vci_dga_grid *g = s->g;
    n0_work *w = s->work;
    const double *cum = s->cum + k * s->nck;
    /* the first span whose running sum at its end exceeds u */
    size_t a = 0, b = s->nck;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (cum[mid] > u) {
            b = mid;
        } else {
            a = mid + 1;
        }
    }
    if (a == s->nck) {
        return g->ngrid - 1;
    }
    double acc = a > 0 ? cum[a - 1] : 0.0, top = s->top[k];
    size_t b1 = (a + 1) * s->cs < s->nblock ? (a + 1) * s->cs : s->nblock;
    size_t last = g->ngrid - 1;
    for (size_t blk = a * s->cs; blk < b1; blk++) {
        size_t i0, i1;
        block_span(g, blk, &i0, &i1);
        last = i1 - 1;
        block_bounds(g, &s->gt[k], 1, blk, w->pb, w->ub + k, w->sm + k);
        double wv[VCI_QN];
        int l = n0_block(s, w, k, blk, wv);
        if (l > 0) {
            /* the interpolant's running sums over the block: the first
             * point where they pass u (the block's total is their last
             * value, as in (2)) */
            size_t n = vci_dga_quad_nodes(l);
            const double *cb = w->q->cbasis[l];
            double endv = 0.0;
            for (size_t j = 0; j < n; j++) {
                endv += cb[(w->q->len - 1) * n + j] * wv[j];
            }
            if (!(acc + endv > u)) {
                acc += endv;
                continue;
            }
            size_t lo = 0, hi = w->q->len - 1;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                double c = 0.0;
                for (size_t j = 0; j < n; j++) {
                    c += cb[mid * n + j] * wv[j];
                }
                if (acc + c > u) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return i0 + lo;
        }
        if (l < 0) {
            for (size_t i = 0; i < w->br.len; i++) {
                acc += exp(w->v[i] - top);
                if (acc > u) {
                    return w->br.i0 + i;
                }
            }
        }
    }
    return last;
}

void vci_dga_n0_free(vci_dga_n0 *s)
{
    n0_work *w = s->work;
    if (w != NULL) {
        block_rows_free(&w->br);
        free(w->v);
        free(w->pb);
        free(w->ub);
        free(w);
    }
    free(s->gt);
    free(s->top);
    free(s->cum);
    memset(s, 0, sizeof *s);
}

int vci_dga_setup(const vc_table *t, const vc_dga_opts *opts, size_t maxJ,
                  vc_dga_opts *o, double *delta, uint64_t *lo, uint64_t *hi,
                  vc_error *err)
{
    memset(o, 0, sizeof *o);
    if (opts != NULL) {
        *o = *opts;
    }
    if (t->J < 2 || t->J > maxJ) {
        return vc_error_set(err, VC_EINVAL,
                            "graph averaging %s handles 2 to %zu lists, not "
                            "%zu (merge or omit lists)",
                            maxJ == VC_DGA_MAX_EXACT_LISTS
                                ? "by exact enumeration" : "by MCMC",
                            maxJ, t->J);
    }
    *delta = o->delta > 0.0 ? o->delta : ldexp(1.0, -(int)t->J);
    if (!isfinite(*delta)) {
        return vc_error_set(err, VC_EINVAL, "delta must be a positive number");
    }
    if (o->prior == VC_DGA_PRIOR_NEGBIN
        && !(o->nb_a > 0.0 && o->nb_b > 0.0 && isfinite(o->nb_a)
             && isfinite(o->nb_b))) {
        return vc_error_set(err, VC_EINVAL,
                            "the negative binomial prior needs a > 0 and "
                            "b > 0");
    }
    int automatic = (o->n0_hi == 0);
    *lo = o->n0_lo;
    *hi = automatic ? *lo + AUTO_GRID_FACTOR * (t->n > 40 ? t->n : 40)
                    : o->n0_hi;
    if (*hi < *lo || (!automatic && *hi - *lo > 100000000u)) {
        return vc_error_set(err, VC_EINVAL,
                            "the n0 grid %llu:%llu is empty or too large",
                            (unsigned long long)*lo,
                            (unsigned long long)*hi);
    }
    if (*lo == 0 && t->n == 0) {
        return vc_error_set(err, VC_EINVAL, "no one was observed");
    }
    return VC_OK;
}

void vci_dga_finish(const vc_table *t, vc_dga_result *r)
{
    size_t tail0 = r->ngrid - (size_t)ceil(TAIL_FRACTION * (double)r->ngrid);
    r->tail_mass = 0.0;
    for (size_t i = tail0; i < r->ngrid; i++) {
        r->tail_mass += r->post[i];
    }
    if (r->tail_mass > TAIL_TOL) {
        r->flags |= VC_FLAG_UPPER_OPEN;
    }
    for (size_t a = 0; a < t->J; a++) {
        for (size_t b = a + 1; b < t->J; b++) {
            if (vc_table_overlap(t, a, b) == 0) {
                r->flags |= VC_FLAG_SPARSE;
            }
        }
    }
}

/* The exact pass on the grid [lo, hi] over the given graphs; heavy and
 * carry as in average(). */
static vc_dga_result *fit_grid(const vc_table *t, const vc_dga_opts *o,
                               double delta, uint64_t lo, uint64_t hi,
                               const uint32_t *edges, size_t ngraphs,
                               int *heavy, avg_carry *carry, vc_error *err)
{
    vci_dga_grid g;
    vc_dga_result *r = NULL;
    if (vci_dga_grid_init(t, o, delta, lo, hi, 1, &g, err) == VC_OK) {
        r = average(&g, o, edges, NULL, ngraphs, heavy, carry, err);
    }
    vci_dga_grid_free(&g);
    return r;
}

vc_dga_result *vc_dga_fit(const vc_table *t, const vc_dga_opts *opts,
                          vc_error *err)
{
    vc_dga_opts o;
    double delta;
    uint64_t lo, hi;
    if (vci_dga_setup(t, opts, VC_DGA_MAX_EXACT_LISTS, &o, &delta, &lo, &hi,
                      err) != VC_OK) {
        return NULL;
    }
    int automatic = (o.n0_hi == 0);
    uint32_t *edges = NULL;
    size_t ngraphs = vc_dga_decomposable_graphs(t->J, &edges, err);
    if (ngraphs == 0) {
        return NULL;
    }
    vc_dga_result *r = NULL;
    /* a grid that will be widened anyway is left before its sum; a wider
     * grid starts its sum where the last one ended, when it can */
    avg_carry carry = {0, 0, 0.0, 0.0, NULL, NULL, 0, NULL};
    for (int widen = 0;; widen++) {
        int heavy = 0;
        int may_widen = automatic && widen < VCI_DGA_MAX_WIDEN;
        r = fit_grid(t, &o, delta, lo, hi, edges, ngraphs,
                     may_widen ? &heavy : NULL,
                     automatic ? &carry : NULL, err);
        if (heavy) {
            hi = lo + 2 * (hi - lo);
            continue;
        }
        if (r != NULL) {
            vci_dga_finish(t, r);
        }
        if (r == NULL || !automatic || !(r->flags & VC_FLAG_UPPER_OPEN)
            || widen == VCI_DGA_MAX_WIDEN) {
            break;
        }
        vc_dga_result_free(r);
        hi = lo + 2 * (hi - lo);
    }
    free(carry.post);
    free(carry.gsum);
    free(carry.pmax);
    free(edges);
    return r;
}

double vc_dga_quantile(const vc_dga_result *r, double p)
{
    double cum = 0.0;
    for (size_t i = 0; i < r->ngrid; i++) {
        cum += r->post[i];
        if (cum >= p) {
            return (double)r->n + (double)(r->n0_lo + i);
        }
    }
    return (double)r->n + (double)(r->n0_lo + r->ngrid - 1);
}

void vc_dga_estimate(const vc_dga_result *r, double level, vc_estimate *e)
{
    vc_estimate_init(e, "dga", r->n);
    e->estimate = r->median;
    e->se = r->sd;
    e->has_se = 1;
    e->level = level;
    e->lower = vc_dga_quantile(r, (1.0 - level) / 2.0);
    e->upper = vc_dga_quantile(r, 1.0 - (1.0 - level) / 2.0);
    e->interval = "equal-tailed posterior";
    e->flags = r->flags;
}
