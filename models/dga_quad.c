/*
 * dga_quad.c: one graph's weights over a block of the n0 grid from their
 * values at a few nodes, for the exact pass (dga.c) and the draws of n0
 * of the posterior predictive check.
 *
 * On a block of L points (0..L-1) a graph's log posterior is a sum of
 * log-gamma differences in n0, analytic away from its poles, which lie at
 * least x_min (the smallest log-gamma argument at the block's first
 * point) before the block.  Its weight exp(.) is then approximated on the
 * block by its polynomial interpolant at the Chebyshev-Lobatto points
 * t_j = h (1 - cos(pi j / m)), h = (L - 1) / 2, whose error falls
 * geometrically with the number of nodes, at the rate of the largest
 * Bernstein ellipse free of poles (Trefethen 2019, Approximation Theory
 * and Approximation Practice, extended ed., SIAM, theorems 8.2 and 19.3
 * and chapter 19 on Clenshaw-Curtis quadrature).  The interpolant gives
 * the weights at every point (the posterior over the grid) and, summed
 * exactly over the points, the block's sums of the weights and of the
 * weights times N (sum_i l_j(i) and sum_i i l_j(i), once per block
 * length).
 *
 * Levels nest: 5, 9, 17 and 33 nodes (every 8th, 4th, 2nd, every node
 * of the finest).  A level is accepted when the coarser level's interpolant
 * matches the weights at the new nodes to QUAD_TOL of the largest weight
 * of the block; the finer level's own error is then about the square of
 * that (geometric convergence), far below any printed digit.  A graph
 * that passes neither test is summed point by point as before.
 *
 * The node values themselves (log-gamma differences at non-integer
 * points) are dga.c's (node_rows).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "models/dga_impl.h"

/* The nodes in slot order: level l's are the first vci_dga_quad_nodes(l)
 * slots (5: every 4th node, then 4 more: every 2nd, then 8 more: all),
 * so that each level reads a prefix of an array of node values. */
static const unsigned char slot_node[VCI_QN] = {
    0, 8, 16, 24, 32,                                      /* 5 */
    4, 12, 20, 28,                                         /* 9 */
    2, 6, 10, 14, 18, 22, 26, 30,                          /* 17 */
    1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31}; /* 33 */

/* Node j of the VCI_QN Chebyshev-Lobatto points on [0, 2h], mirrored so
 * that the set is symmetric to the bit. */
static double lobatto(size_t j, double h)
{
    if (2 * j > VCI_QN - 1) {
        return 2.0 * h - lobatto(VCI_QN - 1 - j, h);
    }
    return h - h * cos(3.14159265358979323846 * (double)j
                       / (double)(VCI_QN - 1));
}

/* The Lagrange basis of level l's nodes at x into b[0..n) (slot order),
 * by the barycentric formula with the Chebyshev-Lobatto weights:
 * (-1)^m for the node m-th from the left among n, halved at the ends
 * (Berrut & Trefethen 2004, SIAM Review 46(3):501-517, eq. (5.2)). */
static void lagrange(const vci_dga_quad *q, int l, double x, double *b)
{
    size_t n = vci_dga_quad_nodes(l), step = (VCI_QN - 1) / (n - 1);
    for (size_t k = 0; k < n; k++) {
        if (x == q->t[slot_node[k]]) {
            memset(b, 0, n * sizeof *b);
            b[k] = 1.0;
            return;
        }
    }
    double den = 0.0;
    for (size_t k = 0; k < n; k++) {
        size_t m = slot_node[k] / step;
        double w = (m % 2 ? -1.0 : 1.0) * (m == 0 || m + 1 == n ? 0.5 : 1.0);
        b[k] = w / (x - q->t[slot_node[k]]);
        den += b[k];
    }
    for (size_t k = 0; k < n; k++) {
        b[k] /= den;
    }
}

int vci_dga_quad_init(vci_dga_quad *q, size_t len)
{
    memset(q, 0, sizeof *q);
    q->len = len;
    double h = 0.5 * (double)(len - 1);
    for (size_t j = 0; j < VCI_QN; j++) {
        q->t[j] = lobatto(j, h);
    }
    for (size_t k = 0; k < VCI_QN; k++) {
        q->ts[k] = q->t[slot_node[k]];
    }
    for (int l = 0; l < VCI_QLEVELS; l++) {
        size_t n = vci_dga_quad_nodes(l);
        q->cbasis[l] = malloc(len * n * sizeof *q->cbasis[l]);
        q->basist[l] = malloc(len * n * sizeof *q->basist[l]);
        if (q->cbasis[l] == NULL || q->basist[l] == NULL) {
            vci_dga_quad_free(q);
            return 0;
        }
        double acc[VCI_QN] = {0};
        for (size_t i = 0; i < len; i++) {
            double b[VCI_QN];
            lagrange(q, l, (double)i, b);
            for (size_t k = 0; k < n; k++) {
                acc[k] += b[k];
                q->cbasis[l][i * n + k] = acc[k];
                q->basist[l][k * len + i] = b[k];
                q->d[l][k] += (double)i * b[k];
            }
        }
        memcpy(q->c[l], acc, n * sizeof *acc);
        if (l + 1 < VCI_QLEVELS) {
            /* this level's basis at the next level's new nodes */
            size_t n1 = vci_dga_quad_nodes(l + 1);
            for (size_t a = n; a < n1; a++) {
                lagrange(q, l, q->ts[a], q->check[l] + (a - n) * n);
                for (size_t k = 0; k < n; k++) {
                    q->checkt[l][k * (n1 - n) + a - n] =
                        q->check[l][(a - n) * n + k];
                }
            }
        }
    }
    return 1;
}

void vci_dga_quad_free(vci_dga_quad *q)
{
    for (int l = 0; l < VCI_QLEVELS; l++) {
        free(q->cbasis[l]);
        free(q->basist[l]);
    }
    memset(q, 0, sizeof *q);
}

/* The tables of a block of VCI_QUAD_LEN points, built once per process
 * (half a megabyte: building them per fit cost more than the fit on
 * small tables) and only read after; a failed allocation is tried again
 * at the next call. */
static vci_dga_quad shared_quad;
static int shared_ok;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;

const vci_dga_quad *vci_dga_quad_block(void)
{
    pthread_mutex_lock(&shared_lock);
    if (!shared_ok) {
        shared_ok = vci_dga_quad_init(&shared_quad, VCI_QUAD_LEN);
    }
    int ok = shared_ok;
    pthread_mutex_unlock(&shared_lock);
    return ok ? &shared_quad : NULL;
}
