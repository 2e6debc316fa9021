/*
 * loglin_factor.c: the Poisson fit of a log-linear model through its
 * factors, for tables of many lists (issue 20).
 *
 * A hierarchical model without heterogeneity columns makes the mean of
 * cell x a product over the components of the lists that its terms join
 * (lists i and j are in one component when a term contains both, or
 * through a chain of such terms):
 *
 *   mu_x = exp(u) prod_c f_c(x_c),  f_c(x_c) = exp(eta_c(x_c)) [x_c alive],
 *
 * eta_c the sum of the coefficients of the terms of component c contained
 * in x_c (x restricted to c's lists), and x_c alive when it contains no
 * term fixed at minus infinity (such a term lies in one component too).
 * This is the factorisation of a log-linear model over the connected
 * components of its interaction graph (Darroch, Lauritzen & Speed 1980,
 * Ann. Stat. 8:522, sec. 2; Whittaker 1990, Graphical Models in Applied
 * Multivariate Statistics, ch. 7): the lists of different components are
 * independent.  Every quantity of a Newton step is then a product of
 * sums within components:
 *
 *   sum of mu_x over the cells x containing a set t
 *     = exp(u) prod_c F_c(t_c),   F_c(s) = sum of f_c over s' contains s,
 *
 * F_c the superset-sum transform (loglin.c, "Wide tables") of f_c on the
 * 2^(lists of c) cells of the component alone.  So the information matrix
 * X'WX, the score X'(y - mu) and the sum of the means (deviance, log-
 * likelihood) cost sum_c 2^|c| instead of 2^J per step; the linear
 * predictor is needed only where y > 0.  Stepwise selection on rbvole (18
 * lists, 2^18 cells) ends with components of 6, 3 and 9 lists: 2^9 cells
 * at most instead of 2^18.  The largest and smallest linear predictor over
 * the cells (for the convergence test and the overflow guard) are sums of
 * per-component extremes, and the largest mean of an unobserved cell (for
 * Pearson's largest residual) is found by a branch-and-bound over the
 * components.
 *
 * It is the same IRLS as fit_once in loglin.c (same start, step halving,
 * convergence test), written as the Newton step
 * beta + (X'WX)^{-1} X'(y - mu), which equals the IRLS update for the
 * canonical link (McCullagh & Nelder 1989, sec. 2.5).  The sums run in
 * another order, so results agree with the cell-by-cell path to rounding
 * (tests: every reference table both ways).  What only the cell-by-cell
 * path does (N not identifiable, the existence linear program, a singular
 * step, no convergence after lp_after steps) is declined: fit_once then
 * runs that path from scratch, with its errors and refusals.
 *
 * Used for wide tables (w->wide: 12 lists and more, those of the lattice
 * transforms), where the cell-by-cell fit took about 80 ms on rbvole and
 * this one about 0.2 ms; narrower tables keep the cell-by-cell path,
 * so their output does not change (the tests run this one on them too).
 *
 * Legend: J lists, x a cell, x_c its restriction to component c, L the
 * local cells of all components (sum_c 2^|c| <= 2^J), eu = exp(u).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_sf_gamma.h>

#include "estimators/loglin_impl.h"

/* As loglin.c: linear predictors above this would overflow exp(). */
#define LOG_MEAN_MAX 700.0

int vci_loglin_factored_applies(const vc_loglin_workspace *w,
                                const vc_loglin_model *m)
{
    if (w->factor_mode < 0 || m->het != VC_LOGLIN_HET_NONE || m->common) {
        return 0;
    }
    return w->factor_mode > 0 || w->wide;
}

/* Mask of parameter k of model m (0 for the intercept). */
static uint32_t param_mask(const vc_loglin_model *m, size_t k)
{
    if (k == 0) {
        return 0;
    }
    return k <= m->J ? 1u << (k - 1) : m->term[k - 1 - m->J];
}

/* The components of m's lists (terms join them), numbered by their lowest
 * list, with their local layout. */
static void components(const vc_loglin_model *m, vc_loglin_workspace *w)
{
    uint32_t cm[VC_LOGLIN_MAX_LISTS];
    size_t nc = m->J;
    for (size_t j = 0; j < m->J; j++) {
        cm[j] = 1u << j;
    }
    for (size_t i = 0; i < m->nterms; i++) {
        uint32_t merged = 0;
        size_t out = 0;
        for (size_t c = 0; c < nc; c++) {
            if (cm[c] & m->term[i]) {
                merged |= cm[c];
            } else {
                cm[out++] = cm[c];
            }
        }
        cm[out++] = merged;
        nc = out;
    }
    /* By lowest list (insertion sort: at most 20). */
    for (size_t a = 1; a < nc; a++) {
        uint32_t v = cm[a];
        size_t b = a;
        while (b > 0 && __builtin_ctz(cm[b - 1]) > __builtin_ctz(v)) {
            cm[b] = cm[b - 1];
            b--;
        }
        cm[b] = v;
    }
    size_t off = 0;
    w->ncomp = nc;
    for (size_t c = 0; c < nc; c++) {
        w->comp_mask[c] = cm[c];
        w->comp_k[c] = (size_t)__builtin_popcount(cm[c]);
        w->comp_off[c] = off;
        off += (size_t)1 << w->comp_k[c];
        size_t bit = 0;
        for (uint32_t r = cm[c]; r != 0; r &= r - 1) {
            size_t j = (size_t)__builtin_ctz(r);
            w->comp_of[j] = c;
            w->lbit[j] = bit++;
        }
    }
}

/* Total number of local cells. */
static size_t nlocal(const vc_loglin_workspace *w)
{
    size_t c = w->ncomp - 1;
    return w->comp_off[c] + ((size_t)1 << w->comp_k[c]);
}

/* The local mask of t, a set of lists within one component. */
static uint32_t local_mask(const vc_loglin_workspace *w, uint32_t t)
{
    uint32_t l = 0;
    for (; t != 0; t &= t - 1) {
        l |= 1u << w->lbit[__builtin_ctz(t)];
    }
    return l;
}

/* The local mask of cell (or set) x in every component, lm[c]. */
static void split(const vc_loglin_workspace *w, uint32_t x, uint32_t *lm)
{
    memset(lm, 0, w->ncomp * sizeof *lm);
    for (; x != 0; x &= x - 1) {
        size_t j = (size_t)__builtin_ctz(x);
        lm[w->comp_of[j]] |= 1u << w->lbit[j];
    }
}

/* prod_c F[t_c]: the product of per-component transforms at set t. */
static double margin(const vc_loglin_workspace *w, const double *F,
                     uint32_t t)
{
    uint32_t lm[VC_LOGLIN_MAX_LISTS];
    split(w, t, lm);
    double v = 1.0;
    for (size_t c = 0; c < w->ncomp; c++) {
        v *= F[w->comp_off[c] + lm[c]];
    }
    return v;
}

/* w->alive from the NEGINF masks dead[0..ndead): a local cell is alive
 * when it contains none (subset transform of the marks, by OR). */
static void mark_alive(const uint32_t *dead, size_t ndead,
                       vc_loglin_workspace *w)
{
    unsigned char *a = w->alive;
    memset(a, 0, nlocal(w));
    for (size_t d = 0; d < ndead; d++) {
        size_t c = w->comp_of[__builtin_ctz(dead[d])];
        a[w->comp_off[c] + local_mask(w, dead[d])] = 1;
    }
    for (size_t c = 0; c < w->ncomp; c++) {
        unsigned char *ac = a + w->comp_off[c];
        size_t nc = (size_t)1 << w->comp_k[c];
        for (size_t bit = 1; bit < nc; bit <<= 1) {
            for (size_t base = 0; base < nc; base += 2 * bit) {
                for (size_t k = 0; k < bit; k++) {
                    ac[base + bit + k] |= ac[base + k];
                }
            }
        }
        for (size_t k = 0; k < nc; k++) {
            ac[k] = !ac[k];
        }
    }
}

/* Superset-sum transform of each component's block of F. */
static void supersets(const vc_loglin_workspace *w, double *F)
{
    for (size_t c = 0; c < w->ncomp; c++) {
        vci_loglin_zeta_supersets(F + w->comp_off[c], w->comp_k[c]);
    }
}

/* Set-up as vci_loglin_setup, through the factors: the cells with y > 0,
 * the NEGINF terms from them, the components, the aliasing from the
 * products of per-component cell counts (the same integers as the Gram
 * matrix of the cell-by-cell path), the kept parameters' local masks and
 * X'y. */
static void setup(const double *y, int include0, const vc_loglin_model *m,
                  vc_loglin_result *res, vc_loglin_workspace *w)
{
    vci_loglin_setup_columns(m, res, w);
    size_t p = w->np;
    if (w->obs_y != y || include0) {
        w->nobs = 0;
        for (size_t x = include0 ? 0 : 1; x < w->ncell_all; x++) {
            if (y[x] > 0.0) {
                w->obs[w->nobs++] = (uint32_t)x;
            }
        }
    }
    components(m, w);
    /* A margin of whole counts is positive exactly when a cell with
     * y > 0 contains the term (mark_neginf in loglin.c). */
    uint32_t dead[VC_LOGLIN_MAX_PARAMS];
    size_t ndead = 0;
    res->nneginf = 0;
    res->nzero = 0;
    w->state[0] = VC_LOGLIN_COEF_FREE;
    for (size_t k = 1; k < p; k++) {
        uint32_t t = w->pmask[k];
        int seen = 0;
        for (size_t s = 0; s < w->nobs && !seen; s++) {
            seen = (w->obs[s] & t) == t;
        }
        w->state[k] = seen ? VC_LOGLIN_COEF_FREE : VC_LOGLIN_COEF_NEGINF;
        if (!seen) {
            res->nneginf++;
            dead[ndead++] = t;
        }
    }
    mark_alive(dead, ndead, w);
    /* Cells of S per local superset. */
    double *cnt = w->zt;
    size_t L = nlocal(w);
    for (size_t i = 0; i < L; i++) {
        cnt[i] = w->alive[i];
    }
    supersets(w, cnt);
    double ncell_S = margin(w, cnt, 0) - (include0 ? 0.0 : 1.0);
    res->nfixed = (w->ncell_all - 1 + (include0 ? 1 : 0))
                  - (size_t)llround(ncell_S);
    /* The list of the cells of S is the cell-by-cell path's: none here. */
    w->ncell = 0;
    size_t order[VC_LOGLIN_MAX_PARAMS];
    size_t q = vci_loglin_free_order(w, p, order);
    double *G = w->H;
    for (size_t a = 0; a < q; a++) {
        for (size_t b = 0; b <= a; b++) {
            uint32_t t = w->pmask[order[a]] | w->pmask[order[b]];
            G[a * q + b] = t == 0 ? ncell_S : margin(w, cnt, t);
        }
    }
    w->use_csr = 0;
    vci_loglin_mark_aliased(order, q, G, res, w);
    memcpy(res->coef_state, w->state, p);
    res->ncells = w->ncell_all - 1 + (include0 ? 1 : 0);
    res->k = p - res->naliased - res->nzero;
    res->df = (double)res->ncells - (double)res->k;
    for (size_t i = 0; i < w->nkept; i++) {
        uint32_t t = w->pmask[w->kept[i]];
        w->kcomp[i] = t == 0 ? SIZE_MAX : w->comp_of[__builtin_ctz(t)];
        w->kmask[i] = local_mask(w, t);
        double ys = 0.0;
        for (size_t s = 0; s < w->nobs; s++) {
            if ((w->obs[s] & t) == t) {
                ys += y[w->obs[s]];
            }
        }
        w->ysum[i] = ys;
    }
}

/* E <- the local linear predictors of beta (intercept left out). */
static void local_eta(const vc_loglin_workspace *w, const double *beta,
                      double *E)
{
    memset(E, 0, nlocal(w) * sizeof *E);
    for (size_t i = 0; i < w->nkept; i++) {
        if (w->kcomp[i] != SIZE_MAX) {
            E[w->comp_off[w->kcomp[i]] + w->kmask[i]] += beta[i];
        }
    }
    for (size_t c = 0; c < w->ncomp; c++) {
        vci_loglin_zeta_subsets(E + w->comp_off[c], w->comp_k[c]);
    }
}

/* F <- superset sums of the local factors exp(E) on alive cells; returns
 * prod_c F_c(empty) - 1, the sum of the factors' products over the cells
 * other than 0, formed without cancellation. */
static double local_means(const vc_loglin_workspace *w, const double *E,
                          double *F)
{
    double zm1 = 0.0;
    for (size_t c = 0; c < w->ncomp; c++) {
        size_t off = w->comp_off[c];
        size_t nc = (size_t)1 << w->comp_k[c];
        double r = 0.0;
        F[off] = 1.0;
        for (size_t k = 1; k < nc; k++) {
            F[off + k] = w->alive[off + k] ? exp(E[off + k]) : 0.0;
            r += F[off + k];
        }
        vci_loglin_zeta_supersets(F + off, w->comp_k[c]);
        zm1 += r + zm1 * r;
    }
    return zm1;
}

/* The largest of sgn (base + sum_c D_c(x_c)) over the cells of S:
 * per-component extremes over alive local cells; without include0 the
 * all-zero cell is left out by moving the component that loses least to
 * its best non-zero cell.  -HUGE_VAL when S is empty. */
static double range_max(const vc_loglin_workspace *w, const double *D,
                        double base, double sgn, int include0)
{
    double sum = sgn * base;
    double loss = HUGE_VAL;
    for (size_t c = 0; c < w->ncomp; c++) {
        size_t off = w->comp_off[c];
        size_t nc = (size_t)1 << w->comp_k[c];
        double mx = 0.0; /* local cell 0: alive, D = 0 */
        double mxnz = -HUGE_VAL;
        for (size_t k = 1; k < nc; k++) {
            if (w->alive[off + k]) {
                double v = sgn * D[off + k];
                mxnz = v > mxnz ? v : mxnz;
            }
        }
        mx = mxnz > mx ? mxnz : mx;
        sum += mx;
        double l = mx - mxnz;
        loss = l < loss ? l : loss;
    }
    if (include0) {
        return sum;
    }
    return loss < HUGE_VAL ? sum - loss : -HUGE_VAL;
}

/* Linear predictor of cell x. */
static double eta_at(const vc_loglin_workspace *w, const double *E, double u,
                     uint32_t x)
{
    uint32_t lm[VC_LOGLIN_MAX_LISTS];
    split(w, x, lm);
    double eta = u;
    for (size_t c = 0; c < w->ncomp; c++) {
        eta += E[w->comp_off[c] + lm[c]];
    }
    return eta;
}

/* Sum of mu over the cells of S (include0: cell 0 too). */
static double total_mean(double eu, double zm1, int include0)
{
    return include0 ? eu * (1.0 + zm1) : eu * zm1;
}

/* Poisson deviance over S: cells with y > 0 one by one, the others
 * through the sum of all means (the legend of loglin.c's deviance). */
static double deviance(const double *y, const vc_loglin_workspace *w,
                       const double *E, double u, double total)
{
    double dev = 0.0;
    for (size_t s = 0; s < w->nobs; s++) {
        uint32_t x = w->obs[s];
        dev += 2.0 * (y[x] * (log(y[x]) - eta_at(w, E, u, x)) - y[x]);
    }
    return dev + 2.0 * total;
}

/* A trial point: its local predictors En (from beta), means Fn, and
 * deviance; HUGE_VAL when a predictor would overflow (loglin.c's predict
 * guard). */
static double trial(const double *y, int include0, const double *beta,
                    double *En, double *Fn, double *zm1n,
                    const vc_loglin_workspace *w)
{
    local_eta(w, beta, En);
    double top = range_max(w, En, beta[0], 1.0, include0);
    if (!(top < LOG_MEAN_MAX)) {
        return HUGE_VAL;
    }
    *zm1n = local_means(w, En, Fn);
    double dev = deviance(y, w, En, beta[0],
                          total_mean(exp(beta[0]), *zm1n, include0));
    return isfinite(dev) ? dev : HUGE_VAL;
}

/* X'WX at the point of F (lower triangle of H) and, when g is not NULL,
 * the score X'(y - mu).  Each kept parameter lies in one component, so
 * an entry is P F_c(t_i | t_j) / Z_c within a component and
 * P (F_ci(t_i) / Z_ci) (F_cj(t_j) / Z_cj) across two, P = eu prod_c Z_c,
 * Z_c = F_c(empty) >= 1. */
static void information(const vc_loglin_workspace *w, const double *F,
                        double eu, double zm1, int include0, double *H,
                        double *g)
{
    size_t p = w->nkept;
    double P = eu;
    for (size_t c = 0; c < w->ncomp; c++) {
        P *= F[w->comp_off[c]];
    }
    double ratio[VC_LOGLIN_MAX_PARAMS];
    for (size_t i = 0; i < p; i++) {
        size_t c = w->kcomp[i];
        ratio[i] = c == SIZE_MAX ? 1.0
                                 : F[w->comp_off[c] + w->kmask[i]]
                                       / F[w->comp_off[c]];
    }
    for (size_t i = 0; i < p; i++) {
        size_t ci = w->kcomp[i];
        for (size_t j = 0; j <= i; j++) {
            size_t cj = w->kcomp[j];
            double h;
            if (ci == SIZE_MAX && cj == SIZE_MAX) {
                h = total_mean(eu, zm1, include0);
            } else if (ci == cj) {
                size_t off = w->comp_off[ci];
                h = P * (F[off + (w->kmask[i] | w->kmask[j])] / F[off]);
            } else {
                h = P * ratio[i] * ratio[j];
            }
            H[i * p + j] = h;
        }
        if (g != NULL) {
            /* Column 0 is the intercept's: H[i][0] = X_i' mu. */
            g[i] = w->ysum[i] - H[i * p];
        }
    }
}

/* The first step from glm's start mu = y + 0.1 on S (loglin.c's
 * start_values): beta = (X'WX)^{-1} X'Wz with W = diag(mu) and
 * Wz = mu log mu + y - mu, where mu is 0.1 on the cells of S without
 * counts (so each sum is 0.1 times a count of cells, a product over
 * components) plus the cells with counts.  Returns the Cholesky status. */
static int cold_step(const double *y, int include0, vc_loglin_workspace *w)
{
    size_t p = w->nkept;
    double *cnt = w->zt2;
    size_t L = nlocal(w);
    for (size_t i = 0; i < L; i++) {
        cnt[i] = w->alive[i];
    }
    supersets(w, cnt);
    double c0 = 0.1 * log(0.1) - 0.1;
    for (size_t i = 0; i < p; i++) {
        uint32_t ti = w->pmask[w->kept[i]];
        for (size_t j = 0; j <= i; j++) {
            uint32_t t = ti | w->pmask[w->kept[j]];
            double ncell = margin(w, cnt, t)
                           - (t == 0 && !include0 ? 1.0 : 0.0);
            double h = 0.1 * ncell;
            for (size_t s = 0; s < w->nobs; s++) {
                if ((w->obs[s] & t) == t) {
                    h += y[w->obs[s]];
                }
            }
            w->H[i * p + j] = h;
        }
        double ncell = margin(w, cnt, ti) - (ti == 0 && !include0 ? 1.0
                                                                  : 0.0);
        double b = c0 * ncell;
        for (size_t s = 0; s < w->nobs; s++) {
            if ((w->obs[s] & ti) == ti) {
                double mu = y[w->obs[s]] + 0.1;
                b += mu * log(mu) - 0.1 - c0;
            }
        }
        w->b[i] = b;
    }
    return vci_loglin_chol_solve(w->H, w->b, w->beta_new, p);
}

/* The largest mean of a cell of S without counts (Pearson's largest
 * residual there is its square root): branch and bound over the
 * components, each one's alive cells by decreasing predictor.  0 when
 * there is none. */
typedef struct {
    double v;
    uint32_t cell;
} local_entry;

typedef struct {
    const vc_loglin_workspace *w;
    const local_entry *const *list;  /* per component, sorted */
    const size_t *nlist;
    const double *rest;              /* sum of the later components' max */
    int include0;
    double best;
} bnb_ctx;

static int entry_desc(const void *pa, const void *pb)
{
    const local_entry *a = pa;
    const local_entry *b = pb;
    if (a->v != b->v) {
        return a->v > b->v ? -1 : 1;
    }
    return (a->cell > b->cell) - (a->cell < b->cell);
}

static int is_observed(const vc_loglin_workspace *w, uint32_t x)
{
    size_t lo = 0;
    size_t hi = w->nobs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->obs[mid] < x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < w->nobs && w->obs[lo] == x;
}

/* The global cell of local cell l of component c. */
static uint32_t global_cell(const vc_loglin_workspace *w, size_t c,
                            uint32_t l)
{
    uint32_t x = 0;
    uint32_t r = w->comp_mask[c];
    for (uint32_t bit = 1; r != 0; r &= r - 1, bit <<= 1) {
        if (l & bit) {
            x |= 1u << __builtin_ctz(r);
        }
    }
    return x;
}

static void bnb(bnb_ctx *b, size_t c, double acc, uint32_t x)
{
    const vc_loglin_workspace *w = b->w;
    if (c == w->ncomp) {
        if ((x != 0 || b->include0) && !is_observed(w, x) && acc > b->best) {
            b->best = acc;
        }
        return;
    }
    for (size_t i = 0; i < b->nlist[c]; i++) {
        double v = acc + b->list[c][i].v;
        if (!(v + b->rest[c + 1] > b->best)) {
            break;
        }
        bnb(b, c + 1, v, x | global_cell(w, c, b->list[c][i].cell));
    }
}

static double max_unobserved(const vc_loglin_workspace *w, const double *E,
                             double u, int include0, local_entry *buf)
{
    const local_entry *list[VC_LOGLIN_MAX_LISTS];
    size_t nl[VC_LOGLIN_MAX_LISTS];
    double rest[VC_LOGLIN_MAX_LISTS + 1];
    /* Only each component's best K = nobs + 2 cells can take part: were
     * the best cell's part in c ranked below K, the K cells better in c,
     * with the same parts elsewhere, would be K cells at least as large,
     * of which at most nobs have counts and one is the zero cell. */
    size_t K = w->nobs + 2;
    size_t used = 0;
    for (size_t c = 0; c < w->ncomp; c++) {
        size_t off = w->comp_off[c];
        size_t nc = (size_t)1 << w->comp_k[c];
        local_entry *e = buf + used;
        size_t k = 0;
        for (size_t l = 0; l < nc; l++) {
            if (!w->alive[off + l]) {
                continue;
            }
            local_entry v = {E[off + l], (uint32_t)l};
            if (k == K && entry_desc(&v, &e[K - 1]) >= 0) {
                continue;
            }
            /* Insert into the sorted best k (dropping the K+1-th). */
            size_t i = k < K ? k++ : K - 1;
            while (i > 0 && entry_desc(&v, &e[i - 1]) < 0) {
                e[i] = e[i - 1];
                i--;
            }
            e[i] = v;
        }
        list[c] = e;
        nl[c] = k;
        used += k;
    }
    rest[w->ncomp] = 0.0;
    for (size_t c = w->ncomp; c-- > 0;) {
        rest[c] = rest[c + 1] + list[c][0].v;
    }
    bnb_ctx b = {w, list, nl, rest, include0, -HUGE_VAL};
    bnb(&b, 0, 0.0, 0);
    return b.best > -HUGE_VAL ? exp(u + b.best) : 0.0;
}

/* fitted[x] = mu_x for every x (0 off S; without include0, fitted[0] =
 * n0 as loglin.c's finish): exp(u) times each component's factor. */
static void expand(const vc_loglin_workspace *w, const double *E, double eu,
                   double *fitted)
{
    uint32_t all = (uint32_t)(w->ncell_all - 1);
    for (size_t x = 0; x < w->ncell_all; x++) {
        fitted[x] = eu;
    }
    for (size_t c = 0; c < w->ncomp; c++) {
        uint32_t mc = w->comp_mask[c];
        uint32_t rest = all & ~mc;
        size_t off = w->comp_off[c];
        uint32_t sub = 0;
        size_t l = 0;
        /* Submasks of mc in increasing order: local cell l = 0, 1, ... */
        do {
            double f = w->alive[off + l] ? exp(E[off + l]) : 0.0;
            uint32_t r = 0;
            do {
                fitted[r | sub] *= f;
                r = (r - rest) & rest;
            } while (r != 0);
            l++;
            sub = (sub - mc) & mc;
        } while (sub != 0);
    }
}

/* The statistics of a converged fit, as loglin.c's finish; 0 when it
 * must be declined (information not invertible, n0 out of range). */
static int finish(const double *y, double n, int include0,
                  const double *E, const double *F, double zm1,
                  vc_loglin_result *res, double *fitted,
                  vc_loglin_workspace *w)
{
    size_t p = w->nkept;
    double u = w->beta[0];
    double eu = exp(u);
    for (size_t k = 0; k < res->nparams; k++) {
        res->coef[k] = 0.0;
        res->se[k] = 0.0;
    }
    for (size_t i = 0; i < p; i++) {
        res->coef[w->kept[i]] = w->beta[i];
    }
    if (!w->no_se) {
        information(w, F, eu, zm1, include0, w->H, NULL);
        gsl_matrix_view H = gsl_matrix_view_array(w->H, p, p);
        int gs = gsl_linalg_cholesky_decomp1(&H.matrix);
        if (gs == GSL_SUCCESS) {
            gs = gsl_linalg_cholesky_invert(&H.matrix);
        }
        if (gs != GSL_SUCCESS) {
            return 0;
        }
        for (size_t i = 0; i < p; i++) {
            res->se[w->kept[i]] = sqrt(w->H[i * p + i]);
        }
    }
    double total = total_mean(eu, zm1, include0);
    double dev = 2.0 * total;
    double loglik = -total;
    double x2 = total;
    double rmax = 0.0;
    for (size_t s = 0; s < w->nobs; s++) {
        uint32_t x = w->obs[s];
        double eta = eta_at(w, E, u, x);
        double mu = exp(eta);
        dev += 2.0 * (y[x] * (log(y[x]) - eta) - y[x]);
        loglik += y[x] * eta - gsl_sf_lngamma(y[x] + 1.0);
        double r = (y[x] - mu) / sqrt(mu);
        /* Cells without counts add mu each to X^2: all of S, less these. */
        x2 += r * r - mu;
        rmax = fabs(r) > rmax ? fabs(r) : rmax;
    }
    /* The sort needs 16 bytes a local cell: the compressed design's
     * values (unused here) hold them but for one component of 20 lists. */
    if (nlocal(w) * sizeof(local_entry) > w->acap * sizeof *w->aval) {
        return 0;
    }
    double mu0 = max_unobserved(w, E, u, include0, (local_entry *)w->aval);
    rmax = sqrt(mu0) > rmax ? sqrt(mu0) : rmax;
    res->deviance = dev;
    res->loglik = loglik;
    res->pearson_chi2 = x2;
    res->pearson_max = rmax;
    if (!vci_loglin_summarise(res, loglik, n, include0)) {
        return 0;
    }
    if (fitted != NULL) {
        expand(w, E, eu, fitted);
    }
    return 1;
}

int vci_loglin_fit_factored(const double *y, double n, int include0,
                            const vc_loglin_model *m,
                            const vc_loglin_result *start,
                            const vc_loglin_control *control,
                            vc_loglin_result *res, double *fitted,
                            vc_loglin_workspace *w, int *declined)
{
    *declined = 1;
    setup(y, include0, m, res, w);
    if (!w->identifiable) {
        return VC_OK;
    }
    size_t p = w->nkept;
    /* Local arrays (each at most 2^J): the predictors and means of the
     * current point and of the trial. */
    double *E = w->eta;
    double *En = w->eta_new;
    double *F = w->zt;
    double *Fn = w->mu;
    double zm1 = 0.0;
    double zm1n = 0.0;
    int have_beta = 0;
    double dev = HUGE_VAL;
    if (start != NULL) {
        vci_loglin_start_beta(start, m, w);
        dev = trial(y, include0, w->beta, E, F, &zm1, w);
        have_beta = dev < HUGE_VAL;
    }
    int converged = 0;
    for (size_t iter = 1; iter <= control->maxiter && !converged; iter++) {
        res->iterations = iter;
        int gs;
        if (have_beta) {
            information(w, F, exp(w->beta[0]), zm1, include0, w->H, w->b);
            gs = vci_loglin_chol_solve(w->H, w->b, w->beta_new, p);
            for (size_t i = 0; gs == GSL_SUCCESS && i < p; i++) {
                w->beta_new[i] += w->beta[i];
            }
        } else {
            gs = cold_step(y, include0, w);
        }
        if (gs != GSL_SUCCESS) {
            return VC_OK;
        }
        double dev_new = trial(y, include0, w->beta_new, En, Fn, &zm1n, w);
        for (int h = 0; have_beta && h < 60
                        && !(dev_new <= dev * (1.0 + 1e-12) + 1e-12);
             h++) {
            for (size_t i = 0; i < p; i++) {
                w->beta_new[i] = 0.5 * (w->beta_new[i] + w->beta[i]);
            }
            dev_new = trial(y, include0, w->beta_new, En, Fn, &zm1n, w);
        }
        if (!(dev_new < HUGE_VAL)) {
            return VC_OK;
        }
        /* The largest change of a linear predictor over S; the first step
         * from glm's start is never the last. */
        double delta = HUGE_VAL;
        if (have_beta) {
            double *D = w->zt2;
            size_t L = nlocal(w);
            for (size_t i = 0; i < L; i++) {
                D[i] = En[i] - E[i];
            }
            double du = w->beta_new[0] - w->beta[0];
            double up = range_max(w, D, du, 1.0, include0);
            double down = range_max(w, D, du, -1.0, include0);
            delta = up > down ? up : down;
        }
        memcpy(w->beta, w->beta_new, p * sizeof *w->beta);
        double *tmp = E;
        E = En;
        En = tmp;
        tmp = F;
        F = Fn;
        Fn = tmp;
        zm1 = zm1n;
        dev = dev_new;
        have_beta = 1;
        if (delta < control->epsabs) {
            converged = 1;
        } else if (iter >= control->lp_after) {
            /* The existence LP is the cell-by-cell path's. */
            return VC_OK;
        }
    }
    if (!converged) {
        return VC_OK;
    }
    if (!finish(y, n, include0, E, F, zm1, res, fitted, w)) {
        return VC_OK;
    }
    res->existence = VC_LOGLIN_EXISTS;
    *declined = 0;
    return VC_OK;
}

void vci_loglin_factored_pair_means(const vc_loglin_result *r,
                                    vc_loglin_workspace *w, double *mean)
{
    const vc_loglin_model *m = &r->model;
    components(m, w);
    uint32_t dead[VC_LOGLIN_MAX_PARAMS];
    size_t ndead = 0;
    for (size_t k = 1; k < r->nparams; k++) {
        if (r->coef_state[k] == VC_LOGLIN_COEF_NEGINF) {
            dead[ndead++] = param_mask(m, k);
        }
    }
    mark_alive(dead, ndead, w);
    double *E = w->eta;
    double *F = w->zt;
    memset(E, 0, nlocal(w) * sizeof *E);
    for (size_t k = 1; k < r->nparams; k++) {
        if (r->coef_state[k] == VC_LOGLIN_COEF_FREE) {
            uint32_t t = param_mask(m, k);
            E[w->comp_off[w->comp_of[__builtin_ctz(t)]] + local_mask(w, t)] +=
                r->coef[k];
        }
    }
    for (size_t c = 0; c < w->ncomp; c++) {
        vci_loglin_zeta_subsets(E + w->comp_off[c], w->comp_k[c]);
    }
    local_means(w, E, F);
    double eu = exp(r->coef[0]);
    size_t o = 0;
    for (size_t a = 0; a < m->J; a++) {
        for (size_t b = a + 1; b < m->J; b++) {
            mean[o++] = eu * margin(w, F, (1u << a) | (1u << b));
        }
    }
}
