/*
 * loglin.c: hierarchical log-linear models for multiple-systems estimation:
 * the set-up of a model on a table and its Poisson fit by IRLS (the model
 * terms and model strings are in loglin_model.c).
 *
 * Model (Fienberg 1972, Biometrika 59:591, eq. (2.1) for three lists; the
 * general form is Bishop, Fienberg & Holland 1975, ch. 6): on the incomplete
 * 2^J table, each observable cell x != 0 has y_x ~ Poisson(mu_x) with
 *
 *   log mu_x = u + sum_j u_j x_j + sum_{t in T} u_t [t subset of x],
 *
 * T a set of interaction terms closed under subsets (hierarchical).  The
 * unobserved cell x = 0 has mean exp(u), so n0 = exp(u) and N = n + n0:
 * the model is extrapolated to the cell nobody can see, which assumes the
 * highest-order interaction (all J lists) is absent.
 *
 * Fit: iteratively reweighted least squares (McCullagh & Nelder 1989,
 * sec. 2.5), which for the canonical log link is Newton's method:
 *   z_x = eta_x + (y_x - mu_x) / mu_x,  W = diag(mu),
 *   beta_new = (X' W X)^{-1} X' W z,
 * solved by Cholesky (written out, see chol_solve; GSL inverts the
 * information matrix for the standard errors).  We accumulate X' W z as
 * sum_x (mu_x eta_x + y_x - mu_x) x_x so that a cell whose mean underflows
 * to 0 never divides by 0.  The design matrix is never stored: cell x
 * carries parameter t exactly when the mask of t is a subset of x.
 *
 * Sparse tables (Chan, Silverman & Vincent 2021, JASA 116:1297, sec. 2;
 * Fienberg & Rinaldo 2012, Ann. Stat. 40:996): a term whose margin
 * sum_{x superset of t} y_x is 0 has MLE minus infinity.  We fix it there
 * (state NEGINF) and leave out every cell that contains it, whose mean is
 * then 0, rather than letting IRLS walk a coefficient off to -30 as glm
 * does.  On the cells left (S), the parameters that S cannot estimate are
 * aliased (greedy Cholesky of X_S' X_S, intercept last), and N is
 * identifiable exactly when the intercept is not aliased: otherwise a
 * vector in the null space of X_S moves u.  Whether the MLE exists on S is
 * a linear program (exist.c); we run it only when IRLS fails to converge,
 * because a converged Newton iteration with positive means is itself proof
 * that the MLE exists.
 *
 * Heterogeneity (Rcapture's Mth models; Baillargeon & Rivest 2007, J. Stat.
 * Softw. 19(5); Rivest & Baillargeon 2007, Biometrics 63:999): extra
 * columns h(k_x) that depend on a cell only through k_x, the number of
 * lists in x (vc_loglin.h lists the forms).  They are 0 at k = 0, so u is
 * still log n0, and they enter IRLS, the aliasing check and the existence
 * LP with their values instead of 0/1.  Chao's lower bound has one column
 * (k - j)_+ per knot j = 2 .. J-1: log mu is then free to bend at every
 * k >= 2, which leaves f_3 .. f_J fitted exactly and extrapolates to k = 0
 * from k = 1 and 2 alone, the log-linear form of Chao's (1987) moment
 * estimator.  Its eta_j is the change of slope at j, which any mixture of
 * capture probabilities makes >= 0 (log E[p^k (1-p)^(J-k)]-type moments
 * are log-convex in k); this parameterisation is ours, derived so, and is
 * checked against Rcapture only on fits where no eta is negative.
 * vc_loglin_fit fixes negative etas at 0 and refits, as Rcapture's
 * neg = TRUE does.  Checked: Rcapture's closedp.t Mt and Mth rows (N,
 * stderr, deviance, df, AIC) for the hare and meadow-vole examples.
 *
 * Equal capture probabilities (Rcapture's M0 and, with the columns above,
 * its Mh models; Otis, Burnham, White & Anderson 1978, Wildl. Monogr. 62;
 * Baillargeon & Rivest 2007, sec. 2, "Models fitting"): a person is seen
 * by each list with the same probability p, so
 * mu_x = N (1 - p)^J (p / (1 - p))^k_x and
 *   log mu_x = u + beta k_x,   beta = log(p / (1 - p)),  u = log n0,
 * one column k_x = |x| in place of the J main effects (the JSS paper's
 * design for M0: a column of ones and a column of sum_j omega_j).  We keep
 * the parameter layout of the other models so that code indexing terms
 * and heterogeneity columns needs no second case: parameter 1 carries the
 * column k_x and parameters 2..J are TIED to it.  Rcapture's Mh Chao puts
 * the same J - 2 eta columns (k - j)_+, j = 2 .. J-1, on top of k_x
 * (Rivest & Baillargeon 2007, Biometrics 63:999): log mu is then free at
 * every k >= 1, so the totals f_k of the people seen k times are fitted
 * exactly, and log mu_0 = 2 log mu_1 - log mu_2 (mu_k the mean of one cell
 * seen k times, f_k / C(J, k)) gives n0 = (J - 1) f_1^2 / (2 J f_2),
 * Chao's (1987) moment estimator, as long as no eta is negative.
 * Checked: the closedp.t rows M0 and Mh (N, stderr, deviance, df, AIC)
 * for the hare and meadow-vole examples.
 *
 * Counting (to agree with R's glm, which is what Rcapture reports): the
 * deviance and log-likelihood sum over all 2^J - 1 cells (a left-out cell
 * has y = mu = 0 and adds nothing), and k counts the NEGINF parameters too,
 * since glm's fit converges to the extended MLE with them in the model.
 *
 * Legend: J lists, x a cell (capture pattern), y_x count, mu_x mean,
 * eta_x = log mu_x, u intercept (log n0), n observed, n0 unseen, N = n + n0.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_sf_gamma.h>

#include "estimators/loglin_impl.h"

/* Linear predictors above this would overflow exp(): log(DBL_MAX) ~ 709.8. */
#define LOG_MEAN_MAX 700.0

/* Most entries of the compressed design kept in a workspace: 2^20 (12 MB).
 * All pairwise models of 6 lists need at most 64 x 22; a table of 16 lists
 * with all pairs would need 2^16 x 137 and falls back to mask tests. */
#define CSR_MAX_ENTRIES ((size_t)1 << 20)

/* Relative size of a diagonal pivot, against the column's own squared norm,
 * below which a column of X_S counts as dependent on the earlier ones.
 * X_S holds 0s and 1s, so true pivots are not small: 1e-9 leaves a wide
 * margin on both sides. */
#define ALIAS_TOL 1e-9

/* ---------------------------------------------------------------------
 * Workspace
 * ------------------------------------------------------------------- */

void vc_loglin_workspace_free(vc_loglin_workspace *w)
{
    if (w == NULL) {
        return;
    }
    free(w->y);
    free(w->eta);
    free(w->eta_new);
    free(w->mu);
    free(w->fitted);
    free(w->cell);
    free(w->H);
    free(w->b);
    free(w->beta);
    free(w->beta_new);
    free(w->zt);
    free(w->zt2);
    free(w->alive);
    free(w->obs);
    free(w->hcol);
    free(w->arow);
    free(w->aidx);
    free(w->aval);
    free(w);
}

vc_loglin_workspace *vc_loglin_workspace_alloc(size_t J, vc_error *err)
{
    if (vci_loglin_check_J(J, err) != VC_OK) {
        return NULL;
    }
    vc_loglin_workspace *w = calloc(1, sizeof *w);
    if (w == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate a log-linear workspace");
        return NULL;
    }
    size_t ncell = (size_t)1 << J;
    /* Interactions possible on J lists: 2^J - 1 - J, capped by the model
     * limit. */
    size_t maxterms = ncell - 1 - J;
    if (maxterms > VC_LOGLIN_MAX_TERMS) {
        maxterms = VC_LOGLIN_MAX_TERMS;
    }
    w->J = J;
    w->ncell_all = ncell;
    w->maxp = 1 + J + maxterms + J;
    w->y = calloc(ncell, sizeof *w->y);
    w->eta = malloc(ncell * sizeof *w->eta);
    w->eta_new = malloc(ncell * sizeof *w->eta_new);
    w->mu = malloc(ncell * sizeof *w->mu);
    w->fitted = malloc(ncell * sizeof *w->fitted);
    w->cell = malloc(ncell * sizeof *w->cell);
    w->H = malloc(w->maxp * w->maxp * sizeof *w->H);
    w->b = malloc(w->maxp * sizeof *w->b);
    w->beta = malloc(w->maxp * sizeof *w->beta);
    w->beta_new = malloc(w->maxp * sizeof *w->beta_new);
    w->hcol = calloc(J * (J + 1), sizeof *w->hcol);
    /* Room for the compressed design: every cell with every parameter of
     * the largest model, capped at CSR_MAX_ENTRIES (beyond it the fit
     * tests masks instead, slower but in constant memory). */
    w->acap = ncell * w->maxp;
    if (w->acap > CSR_MAX_ENTRIES) {
        w->acap = CSR_MAX_ENTRIES;
    }
    /* Wide tables, whose compressed design does not fit, fit through the
     * lattice transforms below, which need two scratch vectors. */
    /* They are also the scratch of the factored fits (loglin_factor.c),
     * which the tests run on narrow tables too: allocated for every J. */
    w->wide = ncell * w->maxp > CSR_MAX_ENTRIES;
    {
        w->zt = malloc(ncell * sizeof *w->zt);
        w->zt2 = malloc(ncell * sizeof *w->zt2);
        w->alive = malloc(ncell);
        w->obs = malloc(ncell * sizeof *w->obs);
        if (w->zt == NULL || w->zt2 == NULL || w->alive == NULL
            || w->obs == NULL) {
            vc_loglin_workspace_free(w);
            vc_error_set(err, VC_ENOMEM,
                         "cannot allocate a log-linear workspace");
            return NULL;
        }
    }
    w->arow = malloc((ncell + 1) * sizeof *w->arow);
    w->aidx = malloc(w->acap * sizeof *w->aidx);
    w->aval = malloc(w->acap * sizeof *w->aval);
    if (w->arow == NULL || w->aidx == NULL || w->aval == NULL
        || w->hcol == NULL || w->y == NULL || w->eta == NULL
        || w->eta_new == NULL || w->mu == NULL
        || w->fitted == NULL || w->cell == NULL || w->H == NULL
        || w->b == NULL || w->beta == NULL || w->beta_new == NULL) {
        vc_loglin_workspace_free(w);
        vc_error_set(err, VC_ENOMEM, "cannot allocate a log-linear workspace");
        return NULL;
    }
    return w;
}

double vci_loglin_dense_counts(const vc_table *t, vc_loglin_workspace *w)
{
    memset(w->y, 0, w->ncell_all * sizeof *w->y);
    for (size_t i = 0; i < t->npat; i++) {
        w->y[t->pattern[i]] = (double)t->count[i];
    }
    return (double)t->n;
}

void vc_loglin_control_default(vc_loglin_control *c)
{
    c->epsabs = 1e-9;
    c->maxiter = 100;
    c->lp_after = 15;
    c->chao_nonneg = 1;
}

/* ---------------------------------------------------------------------
 * Set-up: NEGINF terms, cells, aliasing, identifiability
 * ------------------------------------------------------------------- */

/* The parameters of model m in fit order (intercept, J main effects, the
 * interaction terms, the heterogeneity columns) with the masks of their
 * columns, and the values of the heterogeneity columns. */
void vci_loglin_setup_columns(const vc_loglin_model *m, vc_loglin_result *res,
                              vc_loglin_workspace *w)
{
    size_t J = m->J;
    size_t nhet = vc_loglin_model_nhet(m);
    size_t p = 1 + J + m->nterms + nhet;
    res->model = *m;
    res->nparams = p;
    w->np = p;
    w->het0 = 1 + J + m->nterms;
    w->common = m->common;
    w->pmask[0] = 0;
    for (size_t j = 0; j < J; j++) {
        w->pmask[1 + j] = 1u << j;
    }
    if (m->common) {
        /* M0: the column of the common main effect is k_x
         * (vci_loglin_colval), not an indicator. */
        w->pmask[1] = 0;
    }
    for (size_t i = 0; i < m->nterms; i++) {
        w->pmask[1 + J + i] = m->term[i];
    }
    /* Heterogeneity columns as functions of k, the number of lists that saw
     * a cell (vc_loglin.h gives the forms and their sources). */
    for (size_t i = 0; i < nhet; i++) {
        w->pmask[w->het0 + i] = 0;
        for (size_t k = 0; k <= J; k++) {
            double v = 0.0;
            double dk = (double)k;
            switch (m->het) {
            case VC_LOGLIN_HET_CHAO:
                /* column of eta_j, j = i + 2: (k - j)_+ */
                v = k > i + 2 ? dk - (double)(i + 2) : 0.0;
                break;
            case VC_LOGLIN_HET_POISSON:
                v = expm1(dk * log(m->theta));
                break;
            case VC_LOGLIN_HET_DARROCH:
                v = 0.5 * dk * dk;
                break;
            default:
                v = -log1p(dk / m->theta);
                break;
            }
            w->hcol[i * (J + 1) + k] = v;
        }
    }
}

/* Margins: sum of y over the cells containing each non-intercept
 * parameter.  Zero margin: the term goes to minus infinity (Chan,
 * Silverman & Vincent 2021, sec. 2.2).  Marks the state of every
 * parameter but aliasing; returns the number of NEGINF terms, whose masks
 * go to dead[]. */
static size_t mark_neginf(const double *y, const vc_loglin_model *m,
                          vc_loglin_result *res, vc_loglin_workspace *w,
                          uint32_t *dead)
{
    size_t J = m->J;
    size_t p = w->np;
    size_t ndead = 0;
    res->nneginf = 0;
    w->state[0] = VC_LOGLIN_COEF_FREE;
    res->nzero = 0;
    for (size_t k = 1; k < p; k++) {
        if (k >= w->het0) {
            /* Heterogeneity columns have no margin of their own; a Chao eta
             * may have been fixed at 0 by the caller. */
            int zero = m->het == VC_LOGLIN_HET_CHAO
                       && (m->eta_zero >> (k - w->het0 + 2) & 1u);
            w->state[k] = zero ? VC_LOGLIN_COEF_ZERO : VC_LOGLIN_COEF_FREE;
            res->nzero += (size_t)zero;
            continue;
        }
        if (m->common && k <= J) {
            /* M0: one main effect, whose margin sum_x k_x y_x is positive
             * whenever anyone was seen; the others are tied to it. */
            w->state[k] = k == 1 ? VC_LOGLIN_COEF_FREE : VC_LOGLIN_COEF_TIED;
            continue;
        }
        uint32_t t = w->pmask[k];
        double margin = 0.0;
        for (size_t x = t; x < w->ncell_all; x = (x + 1) | t) {
            margin += y[x];
        }
        if (margin > 0.0) {
            w->state[k] = VC_LOGLIN_COEF_FREE;
        } else {
            w->state[k] = VC_LOGLIN_COEF_NEGINF;
            res->nneginf++;
            dead[ndead++] = t;
        }
    }
    return ndead;
}

/* The cells S: every observable cell not containing a NEGINF term (the
 * masks dead[0..ndead)). */
static void select_cells(int include0, const uint32_t *dead, size_t ndead,
                         vc_loglin_result *res, vc_loglin_workspace *w)
{
    w->ncell = 0;
    res->nfixed = 0;
    for (size_t x = include0 ? 0 : 1; x < w->ncell_all; x++) {
        int alive = 1;
        for (size_t d = 0; d < ndead; d++) {
            if ((x & dead[d]) == dead[d]) {
                alive = 0;
                break;
            }
        }
        if (alive) {
            w->cell[w->ncell++] = (uint32_t)x;
        } else {
            res->nfixed++;
        }
    }
}

/* The compressed design over the q candidates cand[] on the cells S;
 * w->use_csr is cleared when it would not fit in w->acap entries. */
static void build_design(const size_t *cand, size_t q,
                         vc_loglin_workspace *w)
{
    size_t nnz = 0;
    w->use_csr = 1;
    for (size_t s = 0; s < w->ncell && w->use_csr; s++) {
        uint32_t x = w->cell[s];
        w->arow[s] = nnz;
        if (nnz + q > w->acap) {
            w->use_csr = 0;
            break;
        }
        for (size_t c = 0; c < q; c++) {
            double v = vci_loglin_colval(w, cand[c], x);
            if (v != 0.0) {
                w->aidx[nnz] = (uint32_t)c;
                w->aval[nnz] = v;
                nnz++;
            }
        }
    }
    w->arow[w->ncell] = nnz;
}

/* ---------------------------------------------------------------------
 * Wide tables: the fit through transforms on the lattice of patterns
 *
 * With every design column the indicator of a set of lists (no
 * heterogeneity column, not M0), the quantities of a Newton step are sums
 * over the patterns that contain a set:
 *   eta_x  = sum of beta_t over the terms t contained in x,
 *   H_ab   = sum of mu_x over the cells x of S containing t_a | t_b,
 *   b_a    = sum of w_x z_x over the cells x of S containing t_a,
 * i.e. the subset-sum and superset-sum (zeta) transforms of the Boolean
 * lattice (Rota 1964; the fast form in J 2^(J-1) additions, Yates 1937 /
 * Kennes 1992), one transform each instead of a pass over the 2^J cells
 * per pair of parameters.  Used when the compressed design does not fit
 * (tables of about 14 lists and more): the cost of a step falls from
 * O(2^J p^2) to O(J 2^J + p^2).  Same IRLS, other summation order.
 * Models without heterogeneity columns on such tables are first fitted
 * through their factors (loglin_factor.c: the same sums per component of
 * the lists the terms join, about 0.2 ms a fit on rbvole instead of 80);
 * what it declines comes here.
 * ------------------------------------------------------------------- */

/* a[x] <- sum of a[s] over s contained in x. */
void vci_loglin_zeta_subsets(double *a, size_t J)
{
    size_t n = (size_t)1 << J;
    for (size_t bit = 1; bit < n; bit <<= 1) {
        for (size_t base = 0; base < n; base += 2 * bit) {
            double *lo = a + base;
            double *hi = a + base + bit;
            for (size_t k = 0; k < bit; k++) {
                hi[k] += lo[k];
            }
        }
    }
}

void vci_loglin_zeta_supersets(double *a, size_t J)
{
    size_t n = (size_t)1 << J;
    for (size_t bit = 1; bit < n; bit <<= 1) {
        for (size_t base = 0; base < n; base += 2 * bit) {
            double *lo = a + base;
            const double *hi = a + base + bit;
            for (size_t k = 0; k < bit; k++) {
                lo[k] += hi[k];
            }
        }
    }
}

/* 1 when the set-up fit takes the transforms: they are allocated (the
 * compressed design cannot fit) and every parameter is an indicator. */
static int use_zeta(const vc_loglin_workspace *w)
{
    return w->wide && w->het0 == w->np && !w->common;
}

/* G of gram() by transforms: the cells of S counted per set. */
static void gram_zeta(const size_t *order, size_t q, double *G,
                      vc_loglin_workspace *w)
{
    memset(w->zt, 0, w->ncell_all * sizeof *w->zt);
    for (size_t s = 0; s < w->ncell; s++) {
        w->zt[w->cell[s]] = 1.0;
    }
    vci_loglin_zeta_supersets(w->zt, w->J);
    for (size_t a = 0; a < q; a++) {
        for (size_t b = 0; b <= a; b++) {
            G[a * q + b] = w->zt[w->pmask[order[a]] | w->pmask[order[b]]];
        }
    }
}

/* G = X_S' X_S over the candidates in order[0..q) (lower triangle of a
 * q x q row-major matrix), from the compressed design when there is one,
 * else by testing masks. */
static void gram(const size_t *order, size_t q, double *G,
                 const vc_loglin_workspace *w)
{
    if (w->use_csr) {
        memset(G, 0, q * q * sizeof *G);
        for (size_t s = 0; s < w->ncell; s++) {
            for (size_t e = w->arow[s]; e < w->arow[s + 1]; e++) {
                size_t ca = w->aidx[e];
                size_t a = ca == 0 ? q - 1 : ca - 1;
                for (size_t f = w->arow[s]; f <= e; f++) {
                    size_t cb = w->aidx[f];
                    size_t b = cb == 0 ? q - 1 : cb - 1;
                    double v = w->aval[e] * w->aval[f];
                    if (a >= b) {
                        G[a * q + b] += v;
                    } else {
                        G[b * q + a] += v;
                    }
                }
            }
        }
    }
    for (size_t a = 0; a < q && !w->use_csr; a++) {
        for (size_t b = 0; b <= a; b++) {
            double count = 0.0;
            if (vci_loglin_valued(w, order[a])
                || vci_loglin_valued(w, order[b])) {
                for (size_t s = 0; s < w->ncell; s++) {
                    count += vci_loglin_colval(w, order[a], w->cell[s])
                             * vci_loglin_colval(w, order[b], w->cell[s]);
                }
            } else {
                uint32_t both = w->pmask[order[a]] | w->pmask[order[b]];
                for (size_t s = 0; s < w->ncell; s++) {
                    count += (w->cell[s] & both) == both;
                }
            }
            G[a * q + b] = count;
        }
    }
}

/* The greedy Cholesky of G (gram) in the order of order[]: a column whose
 * pivot is small against its own norm is ALIASED.  Sets identifiability
 * (the intercept, last, was kept) and the kept parameters. */
void vci_loglin_mark_aliased(const size_t *order, size_t q, double *G,
                             vc_loglin_result *res, vc_loglin_workspace *w)
{
    int kept_col[VC_LOGLIN_MAX_PARAMS];
    res->naliased = 0;
    for (size_t a = 0; a < q; a++) {
        double norm2 = G[a * q + a];
        /* Row a of the Cholesky factor against kept earlier columns. */
        for (size_t b = 0; b < a; b++) {
            if (!kept_col[b]) {
                G[a * q + b] = 0.0;
                continue;
            }
            double v = G[a * q + b];
            for (size_t c = 0; c < b; c++) {
                v -= G[a * q + c] * G[b * q + c];
            }
            G[a * q + b] = v / G[b * q + b];
        }
        double d = G[a * q + a];
        for (size_t c = 0; c < a; c++) {
            d -= G[a * q + c] * G[a * q + c];
        }
        if (norm2 > 0.0 && d > ALIAS_TOL * norm2) {
            kept_col[a] = 1;
            G[a * q + a] = sqrt(d);
        } else {
            kept_col[a] = 0;
            G[a * q + a] = 1.0;
            for (size_t c = 0; c < a; c++) {
                G[a * q + c] = 0.0;
            }
            w->state[order[a]] = VC_LOGLIN_COEF_ALIASED;
            res->naliased++;
        }
    }
    w->identifiable = kept_col[q - 1];
    w->nkept = 0;
    for (size_t k = 0; k < w->np; k++) {
        if (w->state[k] == VC_LOGLIN_COEF_FREE) {
            w->kept[w->nkept++] = k;
        }
    }
}

/* Drop the aliased candidates from the compressed design and renumber the
 * others as kept parameters. */
static void compact_design(const size_t *cand, size_t q,
                           vc_loglin_workspace *w)
{
    uint32_t newidx[VC_LOGLIN_MAX_PARAMS];
    uint32_t next = 0;
    for (size_t c = 0; c < q; c++) {
        newidx[c] = w->state[cand[c]] == VC_LOGLIN_COEF_FREE
                        ? next++ : UINT32_MAX;
    }
    size_t out = 0;
    for (size_t s = 0; s < w->ncell; s++) {
        size_t start = w->arow[s];
        w->arow[s] = out;
        for (size_t e = start; e < w->arow[s + 1]; e++) {
            if (newidx[w->aidx[e]] != UINT32_MAX) {
                w->aidx[out] = newidx[w->aidx[e]];
                w->aval[out] = w->aval[e];
                out++;
            }
        }
    }
    w->arow[w->ncell] = out;
}

void vci_loglin_setup(const double *y, int include0, const vc_loglin_model *m,
                      vc_loglin_result *res, vc_loglin_workspace *w)
{
    vci_loglin_setup_columns(m, res, w);
    size_t p = w->np;
    uint32_t dead[VC_LOGLIN_MAX_PARAMS];
    size_t ndead = mark_neginf(y, m, res, w, dead);
    select_cells(include0, dead, ndead, res, w);

    /* Aliasing: greedy Cholesky of G = X_S' X_S over the non-NEGINF
     * parameters, with the intercept last, so the intercept is dropped
     * exactly when N is not identifiable.  order[] lists them. */
    size_t order[VC_LOGLIN_MAX_PARAMS];
    size_t q = vci_loglin_free_order(w, p, order);
    /* The compressed design is over the candidates (FREE parameters in
     * parameter order: candidate c is order position c - 1, the intercept
     * c = 0 is position q - 1). */
    size_t cand[VC_LOGLIN_MAX_PARAMS];
    cand[0] = 0;
    for (size_t c = 1; c < q; c++) {
        cand[c] = order[c - 1];
    }
    double *G = w->H; /* q x q, row-major, scratch */
    if (use_zeta(w)) {
        w->use_csr = 0;
        gram_zeta(order, q, G, w);
    } else {
        build_design(cand, q, w);
        gram(order, q, G, w);
    }
    vci_loglin_mark_aliased(order, q, G, res, w);
    if (w->use_csr && res->naliased > 0) {
        compact_design(cand, q, w);
    }
    memcpy(res->coef_state, w->state, p);
    res->ncells = w->ncell_all - 1 + (include0 ? 1 : 0);
    res->k = p - res->naliased - res->nzero - (m->common ? m->J - 1 : 0);
    res->df = (double)res->ncells - (double)res->k;
}

/* ---------------------------------------------------------------------
 * IRLS
 * ------------------------------------------------------------------- */

/* Kept parameters active in cell x, written to act[] with their design
 * values in val[] (1 for every parameter but the heterogeneity columns);
 * returns how many. */
static size_t active(const vc_loglin_workspace *w, uint32_t x, size_t *act,
                     double *val)
{
    size_t na = 0;
    for (size_t i = 0; i < w->nkept; i++) {
        size_t k = w->kept[i];
        if (vci_loglin_valued(w, k)) {
            double v = vci_loglin_colval(w, k, x);
            if (v != 0.0) {
                act[na] = i;
                val[na] = v;
                na++;
            }
            continue;
        }
        uint32_t t = w->pmask[k];
        if ((x & t) == t) {
            act[na] = i;
            val[na] = 1.0;
            na++;
        }
    }
    return na;
}

/* eta_out = X beta over S; returns the largest |eta_out - eta_ref|, or
 * HUGE_VAL when a predictor is too large to exponentiate. */
static double predict(const vc_loglin_workspace *w, const double *beta,
                      const double *eta_ref, double *eta_out)
{
    size_t act[VC_LOGLIN_MAX_PARAMS];
    double val[VC_LOGLIN_MAX_PARAMS];
    double maxdelta = 0.0;
    int zeta = use_zeta(w);
    if (zeta) {
        memset(w->zt, 0, w->ncell_all * sizeof *w->zt);
        for (size_t i = 0; i < w->nkept; i++) {
            w->zt[w->pmask[w->kept[i]]] += beta[i];
        }
        vci_loglin_zeta_subsets(w->zt, w->J);
    }
    for (size_t s = 0; s < w->ncell; s++) {
        uint32_t x = w->cell[s];
        double eta = 0.0;
        if (zeta) {
            eta = w->zt[x];
        } else if (w->use_csr) {
            for (size_t e = w->arow[s]; e < w->arow[s + 1]; e++) {
                eta += beta[w->aidx[e]] * w->aval[e];
            }
        } else {
            size_t na = active(w, x, act, val);
            for (size_t i = 0; i < na; i++) {
                eta += beta[act[i]] * val[i];
            }
        }
        if (!(eta < LOG_MEAN_MAX)) {
            return HUGE_VAL;
        }
        eta_out[x] = eta;
        double delta = fabs(eta - eta_ref[x]);
        if (delta > maxdelta) {
            maxdelta = delta;
        }
    }
    return maxdelta;
}

/* Poisson deviance over S for predictors eta. */
static double deviance(const double *y, const vc_loglin_workspace *w,
                       const double *eta)
{
    double dev = 0.0;
    for (size_t s = 0; s < w->ncell; s++) {
        uint32_t x = w->cell[s];
        double mu = exp(eta[x]);
        if (y[x] > 0.0) {
            dev += 2.0 * (y[x] * (log(y[x]) - eta[x]) - (y[x] - mu));
        } else {
            dev += 2.0 * mu;
        }
    }
    return dev;
}

/* H = X' W X (lower triangle) and b = X' W z with W = diag(mu) over S. */
static void accumulate(const double *y, vc_loglin_workspace *w)
{
    size_t p = w->nkept;
    size_t act[VC_LOGLIN_MAX_PARAMS];
    double val[VC_LOGLIN_MAX_PARAMS];
    memset(w->H, 0, p * p * sizeof *w->H);
    memset(w->b, 0, p * sizeof *w->b);
    if (use_zeta(w)) {
        memset(w->zt, 0, w->ncell_all * sizeof *w->zt);
        memset(w->zt2, 0, w->ncell_all * sizeof *w->zt2);
        for (size_t s = 0; s < w->ncell; s++) {
            uint32_t x = w->cell[s];
            double mu = w->mu[x];
            w->zt[x] = mu;
            w->zt2[x] = mu * w->eta[x] + (y[x] - mu);
        }
        vci_loglin_zeta_supersets(w->zt, w->J);
        vci_loglin_zeta_supersets(w->zt2, w->J);
        for (size_t i = 0; i < p; i++) {
            uint32_t ti = w->pmask[w->kept[i]];
            w->b[i] = w->zt2[ti];
            for (size_t j = 0; j <= i; j++) {
                w->H[i * p + j] = w->zt[ti | w->pmask[w->kept[j]]];
            }
        }
        return;
    }
    if (w->use_csr) {
        for (size_t s = 0; s < w->ncell; s++) {
            uint32_t x = w->cell[s];
            double mu = w->mu[x];
            double wz = mu * w->eta[x] + (y[x] - mu);
            const uint32_t *ai = w->aidx + w->arow[s];
            const double *av = w->aval + w->arow[s];
            size_t na = w->arow[s + 1] - w->arow[s];
            for (size_t i = 0; i < na; i++) {
                w->b[ai[i]] += wz * av[i];
                double *row = w->H + ai[i] * p;
                double mv = mu * av[i];
                for (size_t j = 0; j <= i; j++) {
                    row[ai[j]] += mv * av[j];
                }
            }
        }
        return;
    }
    for (size_t s = 0; s < w->ncell; s++) {
        uint32_t x = w->cell[s];
        double mu = w->mu[x];
        double wz = mu * w->eta[x] + (y[x] - mu);
        size_t na = active(w, x, act, val);
        for (size_t i = 0; i < na; i++) {
            size_t a = act[i];
            w->b[a] += wz * val[i];
            double *row = w->H + a * p;
            double mv = mu * val[i];
            for (size_t j = 0; j <= i; j++) {
                row[act[j]] += mv * val[j];
            }
        }
    }
}

/*
 * Solve H x = b for the p x p symmetric positive definite H held in the
 * lower triangle of a row-major array, by the Cholesky factorisation
 * H = L L' (Golub & Van Loan 2013, Algorithm 4.2.1, the row-oriented
 * form) and two triangular solves; H is overwritten by L.  Written out
 * because the systems here are small (p ~ 10-30) and solved tens of
 * thousands of times: GSL's blocked gsl_linalg_cholesky_decomp1 spends
 * more in BLAS calls than in flops at this size (a third of the time of
 * the UK enumeration).  Returns GSL_SUCCESS, or GSL_EDOM (as GSL would)
 * when a pivot is not positive.
 */
int vci_loglin_chol_solve(double *H, const double *b, double *x, size_t p)
{
    for (size_t i = 0; i < p; i++) {
        double *ri = H + i * p;
        for (size_t j = 0; j <= i; j++) {
            const double *rj = H + j * p;
            double v = ri[j];
            for (size_t k = 0; k < j; k++) {
                v -= ri[k] * rj[k];
            }
            if (j < i) {
                ri[j] = v / rj[j];
            } else if (v > 0.0) {
                ri[i] = sqrt(v);
            } else {
                return GSL_EDOM;
            }
        }
    }
    for (size_t i = 0; i < p; i++) {
        const double *ri = H + i * p;
        double v = b[i];
        for (size_t k = 0; k < i; k++) {
            v -= ri[k] * x[k];
        }
        x[i] = v / ri[i];
    }
    for (size_t i = p; i-- > 0;) {
        double v = x[i];
        for (size_t k = i + 1; k < p; k++) {
            v -= H[k * p + i] * x[k];
        }
        x[i] = v / H[i * p + i];
    }
    return GSL_SUCCESS;
}

void vci_loglin_start_beta(const vc_loglin_result *start,
                           const vc_loglin_model *m, vc_loglin_workspace *w)
{
    const vc_loglin_model *sm = &start->model;
    for (size_t i = 0; i < w->nkept; i++) {
        uint32_t t = w->pmask[w->kept[i]];
        double v = 0.0;
        size_t k = SIZE_MAX;
        if (w->kept[i] >= w->het0) {
            /* A heterogeneity column: the same column of the start when it
             * has the same form. */
            size_t off = w->kept[i] - w->het0;
            if (sm->het == m->het && sm->theta == m->theta
                && off < vc_loglin_model_nhet(sm)) {
                k = 1 + sm->J + sm->nterms + off;
            }
        } else if (w->common && w->kept[i] == 1) {
            /* M0's common main effect: only from another M0 fit. */
            k = sm->common ? 1 : SIZE_MAX;
        } else if (t == 0) {
            k = 0;
        } else if (__builtin_popcount(t) == 1) {
            k = 1 + (size_t)__builtin_ctz(t);
        } else {
            for (size_t j = 0; j < sm->nterms; j++) {
                if (sm->term[j] == t) {
                    k = 1 + sm->J + j;
                    break;
                }
            }
        }
        if (k < start->nparams && start->coef_state[k] == VC_LOGLIN_COEF_FREE
            && isfinite(start->coef[k])) {
            v = start->coef[k];
        }
        w->beta[i] = v;
    }
}

/* Starting values: a warm start matched by term, or glm's mu = y + 0.1. */
static int start_values(const double *y, const vc_loglin_result *start,
                        const vc_loglin_model *m, vc_loglin_workspace *w)
{
    if (start == NULL) {
        for (size_t s = 0; s < w->ncell; s++) {
            uint32_t x = w->cell[s];
            w->mu[x] = y[x] + 0.1;
            w->eta[x] = log(w->mu[x]);
        }
        return 0;
    }
    vci_loglin_start_beta(start, m, w);
    /* The change against a reference is irrelevant here: compare eta with
     * itself. */
    if (predict(w, w->beta, w->eta, w->eta) == HUGE_VAL) {
        return start_values(y, NULL, m, w);
    }
    for (size_t s = 0; s < w->ncell; s++) {
        uint32_t x = w->cell[s];
        w->mu[x] = exp(w->eta[x]);
    }
    return 1;
}

/* The free parameters of the p in w's state, in order, then the
 * intercept last (the aliasing's order: the intercept goes exactly when N
 * is not identifiable) into order[]; returns how many. */
size_t vci_loglin_free_order(const vc_loglin_workspace *w, size_t p,
                             size_t *order)
{
    size_t q = 0;
    for (size_t k = 1; k < p; k++) {
        if (w->state[k] == VC_LOGLIN_COEF_FREE) {
            order[q++] = k;
        }
    }
    order[q++] = 0;
    return q;
}

/* The figures of res that follow from its coefficients, k and the
 * log-likelihood of n people seen: AIC, BIC, log n0 and its SE, n0, N
 * (0 with include0).  0 when n0 or N is beyond a double, else 1.  Shared
 * by the cell-by-cell and the factored fits. */
int vci_loglin_summarise(vc_loglin_result *res, double loglik, double n,
                         int include0)
{
    res->aic = -2.0 * loglik + 2.0 * (double)res->k;
    res->bic = -2.0 * loglik + log(n) * (double)res->k;
    res->log_n0 = res->coef[0];
    res->se_log_n0 = res->se[0];
    res->n = (uint64_t)llround(n);
    res->n0 = exp(res->coef[0]);
    res->N = include0 ? 0.0 : n + res->n0;
    return isfinite(res->n0) && (include0 || isfinite(res->N));
}

/* Fill the statistics of a converged fit. */
static int finish(const double *y, double n, int include0,
                  vc_loglin_result *res, double *fitted,
                  vc_loglin_workspace *w, vc_error *err)
{
    size_t p = w->nkept;
    for (size_t k = 0; k < res->nparams; k++) {
        res->coef[k] = 0.0;
        res->se[k] = 0.0;
    }
    for (size_t i = 0; i < p; i++) {
        res->coef[w->kept[i]] = w->beta[i];
    }
    int tied = w->common && res->coef_state[1] == VC_LOGLIN_COEF_FREE;
    /* Standard errors from the inverse Fisher information at the fit;
     * callers that only rank or resample models skip them (w->no_se). */
    if (!w->no_se) {
        accumulate(y, w);
        gsl_matrix_view H = gsl_matrix_view_array(w->H, p, p);
        int gs = gsl_linalg_cholesky_decomp1(&H.matrix);
        if (gs == GSL_SUCCESS) {
            gs = gsl_linalg_cholesky_invert(&H.matrix);
        }
        if (gs != GSL_SUCCESS) {
            return vc_error_set(err, VC_ENUMERIC,
                                "log-linear fit: information matrix: %s",
                                gsl_strerror(gs));
        }
        for (size_t i = 0; i < p; i++) {
            res->se[w->kept[i]] = sqrt(w->H[i * p + i]);
        }
    }
    /* M0: every list's main effect is the common one. */
    for (size_t j = 2; tied && j <= w->J; j++) {
        res->coef[j] = res->coef[1];
        res->se[j] = res->se[1];
    }
    double dev = 0.0;
    double loglik = 0.0;
    for (size_t s = 0; s < w->ncell; s++) {
        uint32_t x = w->cell[s];
        double mu = w->mu[x];
        if (y[x] > 0.0) {
            dev += 2.0 * (y[x] * (log(y[x]) - w->eta[x]) - (y[x] - mu));
            loglik += y[x] * w->eta[x] - mu - gsl_sf_lngamma(y[x] + 1.0);
        } else {
            dev += 2.0 * mu;
            loglik -= mu;
        }
    }
    res->deviance = dev;
    res->loglik = loglik;
    /* Pearson's X^2 and the largest residual (McCullagh & Nelder 1989,
     * sec. 2.4.2), over the fitted cells: the others have y = mu = 0. */
    double x2 = 0.0;
    double rmax = 0.0;
    for (size_t s = 0; s < w->ncell; s++) {
        uint32_t x = w->cell[s];
        double mu = w->mu[x];
        double r = mu > 0.0 ? (y[x] - mu) / sqrt(mu) : 0.0;
        x2 += r * r;
        rmax = fabs(r) > rmax ? fabs(r) : rmax;
    }
    res->pearson_chi2 = x2;
    res->pearson_max = rmax;
    if (!vci_loglin_summarise(res, loglik, n, include0)) {
        return vc_error_set(err, VC_ENOMLE,
                            "log-linear fit: n0 = exp(%g) is beyond the "
                            "range of a double", res->coef[0]);
    }
    if (fitted != NULL) {
        memset(fitted, 0, w->ncell_all * sizeof *fitted);
        for (size_t s = 0; s < w->ncell; s++) {
            fitted[w->cell[s]] = w->mu[w->cell[s]];
        }
        if (!include0) {
            fitted[0] = res->n0;
        }
    }
    return VC_OK;
}

/* The MLE may not exist: ask the linear program and set the code. */
static int check_existence(const double *y, vc_loglin_result *res,
                           vc_loglin_workspace *w, int *exists, vc_error *err)
{
    int status = vci_loglin_lp_exists(y, w, exists, err);
    if (status != VC_OK) {
        return status;
    }
    res->existence = (*exists ? 0 : VC_LOGLIN_NO_MLE)
                     + (w->identifiable ? 0 : VC_LOGLIN_NOT_IDENT);
    return VC_OK;
}

/* check_existence where a missing MLE ends the fit: VC_OK when the MLE
 * exists, else VC_ENOMLE "log-linear fit: the MLE does not exist WHY"
 * (or the check's own error).  Asked before IRLS when N is not
 * identifiable, and during it (a singular Gram matrix, or lp_after
 * iterations without convergence). */
static int require_mle(const double *y, vc_loglin_result *res,
                       vc_loglin_workspace *w, const char *why,
                       vc_error *err)
{
    int exists;
    int status = check_existence(y, res, w, &exists, err);
    if (status != VC_OK) {
        return status;
    }
    if (!exists) {
        return vc_error_set(err, VC_ENOMLE,
                            "log-linear fit: the MLE does not exist %s",
                            why);
    }
    return VC_OK;
}

/* One IRLS fit of model m as it stands (no refits for Chao's etas). */
static int fit_once(const double *y, double n, int include0,
                    const vc_loglin_model *m, const vc_loglin_result *start,
                    const vc_loglin_control *control, vc_loglin_result *res,
                    double *fitted, vc_loglin_workspace *w, vc_error *err)
{
    if (m->J != w->J) {
        return vc_error_set(err, VC_EINVAL,
                            "model on %zu lists, workspace for %zu", m->J,
                            w->J);
    }
    if (!(n > 0.0)) {
        return vc_error_set(err, VC_EDATA, "the table is empty");
    }
    if (m->common && m->nterms > 0) {
        return vc_error_set(err, VC_EINVAL,
                            "M0 (one main effect for all lists) takes no "
                            "interaction terms");
    }
    res->existence = VC_LOGLIN_EXISTS;
    res->iterations = 0;
    if (vci_loglin_factored_applies(w, m)) {
        /* Wide tables: the model's factors, one list component at a time
         * (loglin_factor.c); anything unusual is left to the path below. */
        int declined = 0;
        int status = vci_loglin_fit_factored(y, n, include0, m, start,
                                             control, res, fitted, w,
                                             &declined);
        if (!declined) {
            return status;
        }
        res->existence = VC_LOGLIN_EXISTS;
        res->iterations = 0;
    }
    vci_loglin_setup(y, include0, m, res, w);
    if (!w->identifiable) {
        int status = require_mle(y, res, w,
                                 "and N is not identifiable (code 3)", err);
        if (status != VC_OK) {
            return status;
        }
        if (res->nneginf > 0) {
            /* The finite MLE does not exist (a margin is zero) and the
             * extended one leaves N free: a refusal for want of an MLE. */
            return vc_error_set(err, VC_ENOMLE,
                                "log-linear fit: the MLE does not exist "
                                "(some lists never meet) and on the cells "
                                "left N is not identifiable (code 2)");
        }
        return vc_error_set(err, VC_ENOTIDENT,
                            "log-linear fit: N is not identifiable under "
                            "this model: the cells cannot estimate the "
                            "intercept (code 2)");
    }

    size_t p = w->nkept;
    int have_beta = start_values(y, start, m, w);
    double dev = have_beta ? deviance(y, w, w->eta) : HUGE_VAL;
    int converged = 0;
    int lp_done = 0;
    for (size_t iter = 1; iter <= control->maxiter; iter++) {
        res->iterations = iter;
        accumulate(y, w);
        int gs = vci_loglin_chol_solve(w->H, w->b, w->beta_new, p);
        if (gs != GSL_SUCCESS) {
            /* A singular weighted Gram matrix with a full-rank design means
             * means have underflowed to 0: the signature of a missing MLE. */
            if (!lp_done) {
                int status = require_mle(y, res, w, "(code 1)", err);
                if (status != VC_OK) {
                    return status;
                }
            }
            return vc_error_set(err, VC_ENUMERIC,
                                "log-linear fit: Cholesky: %s",
                                gsl_strerror(gs));
        }
        double delta = predict(w, w->beta_new, w->eta, w->eta_new);
        double dev_new = delta < HUGE_VAL ? deviance(y, w, w->eta_new)
                                          : HUGE_VAL;
        /* Step halving (glm's guard), only once there is a beta to fall
         * back to: the first step from mu = y + 0.1 has none. */
        for (int h = 0; have_beta && h < 60
                        && !(dev_new <= dev * (1.0 + 1e-12) + 1e-12);
             h++) {
            for (size_t i = 0; i < p; i++) {
                w->beta_new[i] = 0.5 * (w->beta_new[i] + w->beta[i]);
            }
            delta = predict(w, w->beta_new, w->eta, w->eta_new);
            dev_new = delta < HUGE_VAL ? deviance(y, w, w->eta_new)
                                       : HUGE_VAL;
        }
        if (!(dev_new < HUGE_VAL)) {
            return vc_error_set(err, VC_ENUMERIC,
                                "log-linear fit: no step reduces the "
                                "deviance");
        }
        memcpy(w->beta, w->beta_new, p * sizeof *w->beta);
        for (size_t s = 0; s < w->ncell; s++) {
            uint32_t x = w->cell[s];
            w->eta[x] = w->eta_new[x];
            w->mu[x] = exp(w->eta[x]);
        }
        dev = dev_new;
        have_beta = 1;
        if (delta < control->epsabs) {
            converged = 1;
            break;
        }
        if (iter == control->lp_after && !lp_done) {
            int status = require_mle(y, res, w, "(code 1)", err);
            if (status != VC_OK) {
                return status;
            }
            lp_done = 1;
        }
    }
    if (!converged) {
        return vc_error_set(err, VC_ENOTCONV,
                            "log-linear fit: no convergence in %zu "
                            "iterations", control->maxiter);
    }
    return finish(y, n, include0, res, fitted, w, err);
}

int vci_loglin_fit_dense(const double *y, double n, int include0,
                         const vc_loglin_model *m,
                         const vc_loglin_result *start,
                         const vc_loglin_control *control,
                         vc_loglin_result *res, double *fitted,
                         vc_loglin_workspace *w, vc_error *err)
{
    vc_loglin_control defaults;
    if (control == NULL) {
        vc_loglin_control_default(&defaults);
        control = &defaults;
    }
    int status = fit_once(y, n, include0, m, start, control, res, fitted, w,
                          err);
    if (m->het != VC_LOGLIN_HET_CHAO || !control->chao_nonneg) {
        return status;
    }
    /* Chao's lower bound: an eta below 0 contradicts the mixture that
     * motivates the model (Rivest & Baillargeon 2007), so, as Rcapture's
     * neg = TRUE does (its Chao.neg), the column of the first negative eta
     * is removed and the model refitted, until no eta is negative: at most
     * J - 2 rounds.  Removing one at a time matters when several are
     * negative: the others may turn positive once the first is gone. */
    vc_loglin_model cur = *m;
    size_t het0 = 1 + m->J + m->nterms;
    size_t nhet = vc_loglin_model_nhet(m);
    for (size_t round = 0; status == VC_OK && round < nhet; round++) {
        uint32_t neg = 0;
        for (size_t i = 0; i < nhet && neg == 0; i++) {
            if (res->coef_state[het0 + i] == VC_LOGLIN_COEF_FREE
                && res->coef[het0 + i] < 0.0) {
                neg = 1u << (i + 2);
            }
        }
        if (neg == 0) {
            break;
        }
        cur.eta_zero |= neg;
        vc_loglin_result prev = *res;
        status = fit_once(y, n, include0, &cur, &prev, control, res, fitted,
                          w, err);
    }
    return status;
}

int vc_loglin_fit(const vc_table *t, const vc_loglin_model *m,
                  const vc_loglin_result *start,
                  const vc_loglin_control *control, vc_loglin_result *result,
                  double *fitted, vc_loglin_workspace *w, vc_error *err)
{
    int status = vci_loglin_check_J(t->J, err);
    if (status != VC_OK) {
        return status;
    }
    if (t->J != m->J || t->J != w->J) {
        return vc_error_set(err, VC_EINVAL,
                            "table has %zu lists, model %zu, workspace %zu",
                            t->J, m->J, w->J);
    }
    double n = vci_loglin_dense_counts(t, w);
    return vci_loglin_fit_dense(w->y, n, 0, m, start, control, result,
                                fitted, w, err);
}

int vc_loglin_pearson(const vc_table *t, const double *fitted, double *resid,
                      vc_error *err)
{
    int status = vci_loglin_check_J(t->J, err);
    if (status != VC_OK) {
        return status;
    }
    size_t ncell = (size_t)1 << t->J;
    memset(resid, 0, ncell * sizeof *resid);
    /* Cells absent from t have y = 0. */
    for (size_t x = 1; x < ncell; x++) {
        resid[x] = fitted[x] > 0.0 ? -sqrt(fitted[x]) : 0.0;
    }
    for (size_t i = 0; i < t->npat; i++) {
        uint32_t x = t->pattern[i];
        double y = (double)t->count[i];
        double mu = fitted[x];
        if (!(mu > 0.0)) {
            if (y > 0.0) {
                return vc_error_set(err, VC_EDATA,
                                    "Pearson residuals: cell 0x%x has %g "
                                    "people but a fitted mean of 0",
                                    (unsigned)x, y);
            }
            continue;
        }
        resid[x] = (y - mu) / sqrt(mu);
    }
    return VC_OK;
}

int vc_loglin_estimate(const vc_loglin_result *r, double level,
                       vc_estimate *out, vc_error *err)
{
    if (vc_level_check(level, err) != VC_OK) {
        return VC_EINVAL;
    }
    double z = gsl_cdf_ugaussian_Qinv(0.5 * (1.0 - level));
    memset(out, 0, sizeof *out);
    out->method = "loglinear";
    out->estimate = r->N;
    out->se = r->n0 * r->se_log_n0;
    out->has_se = 1;
    out->level = level;
    out->lower = (double)r->n + r->n0 * exp(-z * r->se_log_n0);
    out->upper = (double)r->n + r->n0 * exp(z * r->se_log_n0);
    out->interval = "Wald on log(n0)";
    out->observed = r->n;
    if (r->nneginf > 0) {
        out->flags |= VC_FLAG_SPARSE;
    }
    return VC_OK;
}

int vc_loglin_gof(const vc_loglin_result *r, double *p_deviance,
                  double *p_pearson, vc_error *err)
{
    *p_deviance = NAN;
    *p_pearson = NAN;
    if (!(r->df > 0.0)) {
        return vc_error_set(err, VC_EUNDEFINED, "the model has no residual "
                            "degrees of freedom: no goodness-of-fit test");
    }
    *p_deviance = gsl_cdf_chisq_Q(r->deviance > 0.0 ? r->deviance : 0.0,
                                  r->df);
    *p_pearson = gsl_cdf_chisq_Q(r->pearson_chi2 > 0.0 ? r->pearson_chi2
                                                       : 0.0, r->df);
    return VC_OK;
}
