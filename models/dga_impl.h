/*
 * dga_impl.h: declarations shared between the graph-averaging files of
 * models/ (dga.c: exact enumeration and the posterior pass; dga_mcmc.c:
 * MCMC over decomposable graphs) and their white-box tests.  Not part of
 * the public API.
 *
 * Legend as in dga.c: J lists, subsets S of lists as bit masks, n0 on the
 * grid n0_lo + i, i < ngrid; log D(S) the Dirichlet-multinomial marginal
 * likelihood of the marginal table of S.
 */
#ifndef VC_DGA_IMPL_H
#define VC_DGA_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "models/vc_dga.h"

/*
 * Everything the posterior pass reads: per subset S of lists, log D(S) on
 * the grid, and the part of the log posterior that no graph changes.
 * Whole-row grids (the MCMC) hold rows over the whole grid, filled on
 * demand: a graph reads only its cliques and separators, and with 8 lists
 * most of the 256 subsets are never used.  Lazy grids (exact enumeration)
 * hold only each subset's constants: vci_dga_average computes the rows of
 * one block of the grid at a time, where it needs them, so a fit's memory
 * does not grow with the grid (beyond the posterior itself).
 */
typedef struct {
    size_t J, nsub, ngrid;
    uint64_t n, n0_lo;
    double delta;
    double A;           /* delta 2^J, the total prior weight */
    const vc_table *t;  /* borrowed: the marginal tables come from it */
    double **logD;      /* whole rows: nsub rows of ngrid, NULL until
                           filled; lazy grids: all NULL */
    double **rowmem;    /* nsub: the allocation holding each row */
    double *base;       /* whole rows: ngrid: log p(N) + log N! - log n0!;
                           lazy grids: NULL */
    const vc_dga_opts *o; /* borrowed: the prior on N */
    double *zs;         /* nsub: z_S, observed people seen by no list of S */
    double *cst;        /* nsub: log D(S) less its zero cell's varying part */
    unsigned char *cdone; /* nsub: zs[S] and cst[S] are set */
    int lazy;           /* rows computed block by block by vci_dga_average
                           (every subset's constants set at init) */
} vci_dga_grid;

/* A graph as the subsets whose log D enters with coefficient +1 or -1,
 * and as J factors (see dga.c, block_factors). */
typedef struct {
    uint32_t edges;
    size_t nterm;
    uint32_t subset[2 * VC_DGA_MAX_LISTS];
    double coef[2 * VC_DGA_MAX_LISTS];
    size_t nfactor;                    /* J: one per vertex in MCS order */
    uint32_t factor[VC_DGA_MAX_LISTS]; /* v_i * 2^J + pa_i code */
    uint32_t slot[VC_DGA_MAX_LISTS];   /* compact row of each factor in a
                                          pass's factor table */
} vci_dga_terms;

/* Adjacency masks adj[v] of the graph with edge mask edges. */
void vci_dga_adjacency(size_t J, uint32_t edges, uint32_t *adj);

/* Maximum cardinality search (Tarjan & Yannakakis 1984): 1 when the graph
 * is chordal; order and pa as in dga.c. */
int vci_dga_mcs(size_t J, const uint32_t *adj, size_t *order, uint32_t *pa);

/* The terms of a chordal graph. */
void vci_dga_terms_build(size_t J, uint32_t edges, vci_dga_terms *g);

/* The maximal cliques of a chordal graph as "[A,B][B,C][D]". */
void vci_dga_cliques(size_t J, uint32_t edges, char *const *names,
                     char *buf, size_t size);

/*
 * Set up the grid [lo, hi] for table t and prior o (both borrowed) with no
 * rows filled.  lazy = 0: rows are filled whole by vci_dga_grid_row (the
 * MCMC, which meets subsets one graph at a time); lazy = 1: every subset's
 * constants are set now and vci_dga_average computes the rows block by
 * block, only on the blocks of the grid where some graph has weight, into
 * memory of its own that it reuses (exact enumeration).
 * Errors: VC_ENOMEM.  On failure g is safe to vci_dga_grid_free.
 */
int vci_dga_grid_init(const vc_table *t, const vc_dga_opts *o, double delta,
                      uint64_t lo, uint64_t hi, int lazy, vci_dga_grid *g,
                      vc_error *err);

/* Fill row s (1 <= s < nsub) if it is not filled yet (not lazy grids).
 * Not thread-safe: the caller serialises calls on one grid.  Errors:
 * VC_ENOMEM. */
int vci_dga_grid_row(vci_dga_grid *g, uint32_t s, vc_error *err);

void vci_dga_grid_free(vci_dga_grid *g);

/*
 * The marginal posterior of one graph with n0 summed out on the grid:
 * *log_Z = log sum_i exp(log p(G, n0_i | data)) (unnormalised, on the
 * common scale of every graph on this grid, so differences are log Bayes
 * factors) and *mean_N = E(N | G, data).  Points more than e^-50 below the
 * graph's largest are skipped by blocks, as in the exact pass.  Needs the
 * graph's rows; reads the grid only (thread-safe).  scratch: at least
 * vci_dga_eval_scratch(g) doubles.
 */
void vci_dga_graph_eval(const vci_dga_grid *g, const vci_dga_terms *gr,
                        double *scratch, double *log_Z, double *mean_N);

/* Doubles of scratch vci_dga_graph_eval needs on grid g. */
size_t vci_dga_eval_scratch(const vci_dga_grid *g);

/*
 * The posterior over (graph, n0) restricted to the ngraphs graphs edges[]
 * with prior weights exp(log_gw[k]) (NULL: uniform), into a result with
 * the grid, moments, top graphs and edge posteriors filled (not the
 * flags for sparse overlap).  Every row of every graph must be filled, or
 * the grid lazy.  Parallel over blocks of the grid, each block summing its
 * graphs in the given order, the sums over blocks taken in block order:
 * the result does not depend on the thread count.  Memory beyond the
 * result: per thread, one block's rows and factors and a few doubles per
 * graph; per block of the grid, three doubles.  Errors:
 * VC_ENOMEM, VC_ENUMERIC.  Returned.
 */
vc_dga_result *vci_dga_average(const vci_dga_grid *g, const vc_dga_opts *o,
                               const uint32_t *edges, const double *log_gw,
                               size_t ngraphs, vc_error *err);

/*
 * Draws of n0 from each graph's own posterior p(n0 | G, data) on a lazy
 * grid (the posterior predictive check, ppc.c), by inversion of its
 * running sum over the grid, cdf(i) = sum_{j <= i} exp(v_j - top) with v
 * the graph's log posterior and top a reference level (its largest probe
 * value), without keeping rows or cdf over the grid: the running sums are
 * kept at every cs-th block's end, and a draw recomputes the cs blocks it
 * falls in.  A block's sum is that of its interpolant (dga_quad.c) where
 * a level is accepted, else point by point; a draw in an interpolated
 * block bisects the interpolant's running sums.  Each block's values and
 * sums come out the same at init and at a draw.
 */
typedef struct {
    const vci_dga_grid *g;
    size_t ngraphs, nblock, cs, nck;
    vci_dga_terms *gt;  /* ngraphs */
    double *top;        /* ngraphs: each graph's reference level */
    double *cum;        /* ngraphs x nck: running sums at span ends */
    void *work;         /* the block rows */
} vci_dga_n0;

/* The graphs edges[0..ngraphs) on lazy grid g (borrowed): their largest
 * values and running sums, two passes over the grid.  Errors: VC_ENOMEM;
 * s is then safe to vci_dga_n0_free. */
int vci_dga_n0_init(vci_dga_n0 *s, const vci_dga_grid *g,
                    const uint32_t *edges, size_t ngraphs, vc_error *err);

/* Graph k's total, sum_i exp(v_i - top). */
double vci_dga_n0_total(const vci_dga_n0 *s, size_t k);

/* The first grid index whose running sum for graph k exceeds u (the last
 * index when none does). */
size_t vci_dga_n0_find(vci_dga_n0 *s, size_t k, double u);

void vci_dga_n0_free(vci_dga_n0 *s);

/*
 * Interpolation of a graph's weights on one block of the grid from their
 * values at Chebyshev-Lobatto nodes (dga_quad.c).  Level l (0 to 3) uses
 * vci_dga_quad_nodes(l) = 5, 9, 17, 33 of the VCI_QN nodes t[]: every
 * 8th, 4th, 2nd, every one.  Arrays over the nodes are in slot order (ts[]): level
 * l's nodes are the first vci_dga_quad_nodes(l) slots.
 */
#define VCI_QN 33
#define VCI_QLEVELS 4
/* A level is accepted when the coarser one matches the weights at its
 * new nodes to this fraction of the block's largest weight. */
#define VCI_QUAD_TOL 1e-10
/* ... or of this, whichever is larger: weights are taken relative to the
 * posterior's largest (the exact pass) or the graph's (the draws of n0),
 * and a graph's weights below e^-20 of it need only an error below
 * 2e-19 of it, even on 512 points of thousands of blocks. */
#define VCI_QUAD_FLOOR 2e-9

typedef struct {
    size_t len;                 /* points 0..len-1 of a block */
    double t[VCI_QN];           /* the nodes, in [0, len - 1], in order */
    double ts[VCI_QN];          /* the same in slot order */
    double *cbasis[VCI_QLEVELS]; /* len x n: the Lagrange basis' running
                                    sums over the points */
    double *basist[VCI_QLEVELS]; /* n x len: the Lagrange basis (slot
                                    order), node by node */
    double c[VCI_QLEVELS][VCI_QN]; /* sum_i l_j(i) */
    double d[VCI_QLEVELS][VCI_QN]; /* sum_i i l_j(i) */
    /* level l's basis at level l + 1's new nodes, slot by slot */
    double check[VCI_QLEVELS - 1][16 * 17];
    /* the same transposed: node k's basis function at the new nodes
     * (checkt[l][k * (n1 - n) + a - n]) */
    double checkt[VCI_QLEVELS - 1][16 * 17];
} vci_dga_quad;

static inline size_t vci_dga_quad_nodes(int l)
{
    return ((size_t)4 << l) + 1;
}

/* Points of the blocks of the exact pass (AVG_BLOCK in dga.c). */
#define VCI_QUAD_LEN 512

/* The tables for blocks of VCI_QUAD_LEN points, shared by every fit of
 * the process (built at the first call that can, thread-safe); NULL
 * when out of memory. */
const vci_dga_quad *vci_dga_quad_block(void);

/* The tables for blocks of len >= 2 points; 0 when out of memory (q is
 * then safe to free). */
int vci_dga_quad_init(vci_dga_quad *q, size_t len);
void vci_dga_quad_free(vci_dga_quad *q);

/* Four doubles side by side (GCC's and Clang's vector extension: each
 * lane the IEEE operation of its scalar code, in the same order, and
 * without contraction under -std=c11); loads and stores by memcpy, so
 * unaligned. */
typedef double vci_v4d __attribute__((vector_size(32)));
typedef long long vci_v4l __attribute__((vector_size(32)));

/* (macros, not functions: a 32-byte vector passed by value changes the
 * ABI where AVX is off) */
#define VCI_V4_LOAD(v, x) memcpy(&(v), (x), sizeof(v))

/* ok &= -1 in every lane where |p - w| <= tv (never for a NaN), else 0. */
#define VCI_V4_WITHIN(ok, p, w, tv)                                         \
    do {                                                                    \
        vci_v4d w_, d_;                                                     \
        VCI_V4_LOAD(w_, (w));                                               \
        d_ = (p) - w_;                                                      \
        vci_v4l m_ = (vci_v4l)d_ & (vci_v4l)neg0_;                          \
        d_ = (vci_v4d)((vci_v4l)d_ ^ m_); /* |d| */                         \
        (ok) &= d_ <= (tv);                                                 \
    } while (0)

/*
 * 1 when level l's interpolant of the weights w[] (slot order, level
 * l + 1's slots filled) matches them at level l + 1's new nodes to
 * VCI_QUAD_TOL of top, which must be the largest of w[0..n1) and
 * VCI_QUAD_FLOOR (l = 0, 1, 2; n1 = vci_dga_quad_nodes(l + 1)): level
 * l + 1 is accepted; a NaN or infinity fails.  One function per level,
 * its sizes constant: the interpolant at the 4, 8 or 16 new nodes is
 * computed four nodes to a vector (checkt), each lane the same products
 * added in the same order as one node at a time; the callers pass the
 * largest weight as they form the weights rather than reading them back.
 */
#define VCI_QUAD_TEST(NAME, L)                                              \
    static inline __attribute__((always_inline)) int                        \
    NAME(const vci_dga_quad *q, const double *w, double top)                \
    {                                                                       \
        enum { n_ = (4 << (L)) + 1, nn_ = 4 << (L) };                       \
        const double *bt = q->checkt[L];                                    \
        vci_v4d p0 = {0.0, 0.0, 0.0, 0.0}, p1 = p0, p2 = p0, p3 = p0;       \
        for (int k = 0; k < n_; k++) {                                      \
            vci_v4d wk = {w[k], w[k], w[k], w[k]}, b0, b1, b2, b3;          \
            const double *b = bt + k * nn_;                                 \
            VCI_V4_LOAD(b0, b);                                             \
            p0 += b0 * wk;                                                  \
            if (nn_ > 4) {                                                  \
                VCI_V4_LOAD(b1, b + 4);                                     \
                p1 += b1 * wk;                                              \
            }                                                               \
            if (nn_ > 8) {                                                  \
                VCI_V4_LOAD(b2, b + 8);                                     \
                VCI_V4_LOAD(b3, b + 12);                                    \
                p2 += b2 * wk;                                              \
                p3 += b3 * wk;                                              \
            }                                                               \
        }                                                                   \
        double tol = VCI_QUAD_TOL * top;                                    \
        vci_v4d tv = {tol, tol, tol, tol}, neg0_ = {-0.0, -0.0, -0.0, -0.0}; \
        vci_v4l ok = {-1, -1, -1, -1};                                      \
        VCI_V4_WITHIN(ok, p0, w + n_, tv);                                  \
        if (nn_ > 4) {                                                      \
            VCI_V4_WITHIN(ok, p1, w + n_ + 4, tv);                          \
        }                                                                   \
        if (nn_ > 8) {                                                      \
            VCI_V4_WITHIN(ok, p2, w + n_ + 8, tv);                          \
            VCI_V4_WITHIN(ok, p3, w + n_ + 12, tv);                         \
        }                                                                   \
        return (ok[0] & ok[1] & ok[2] & ok[3]) != 0 && tol < 1e300;         \
    }
VCI_QUAD_TEST(vci_dga_quad_ok0, 0)
VCI_QUAD_TEST(vci_dga_quad_ok1, 1)
VCI_QUAD_TEST(vci_dga_quad_ok2, 2)

/* Level l's sums over the block's points of the interpolant of w[] and
 * of i times it into *s and *sd. */
static inline void vci_dga_quad_sums(const vci_dga_quad *q, int l,
                                     const double *w, double *s, double *sd)
{
    size_t n = vci_dga_quad_nodes(l);
    double a = 0.0, b = 0.0;
    for (size_t k = 0; k < n; k++) {
        a += q->c[l][k] * w[k];
        b += q->d[l][k] * w[k];
    }
    *s = a;
    *sd = b;
}

/* The automatic grid is doubled at most this many times. */
#define VCI_DGA_MAX_WIDEN 5

/*
 * Check opts (may be NULL: defaults) against table t for a method that
 * handles up to maxJ lists; fill *o (a copy with defaults), *delta and the
 * first grid [*lo, *hi] (automatic or given).  Errors: VC_EINVAL.
 */
int vci_dga_setup(const vc_table *t, const vc_dga_opts *opts, size_t maxJ,
                  vc_dga_opts *o, double *delta, uint64_t *lo, uint64_t *hi,
                  vc_error *err);

/* Fill r's tail mass and the flags VC_FLAG_UPPER_OPEN and
 * VC_FLAG_SPARSE. */
void vci_dga_finish(const vc_table *t, vc_dga_result *r);

/*
 * The single-edge moves that keep a chordal graph chordal (see
 * dga_mcmc.c): fills moves[] (at least J(J-1)/2 slots) with the edge
 * indices whose toggling is legal, in increasing order; returns their
 * number.
 */
size_t vci_dga_legal_moves(size_t J, uint32_t edges, uint8_t *moves);

#endif /* VC_DGA_IMPL_H */
