/*
 * covfit.c: the Poisson fit of a log-linear model with covariates
 * (vc_covloglin.h), the existence check, and estimates by level.
 *
 * Design (Bishop, Fienberg & Holland 1975, ch. 6; van der Heijden et al.
 * 2012, Ann. Appl. Stat. 6:831): one column for the intercept and, for each
 * term t, prod_{v in t} (L_v - 1) columns with treatment contrasts (the
 * first level of a covariate is the reference, as R's default
 * contr.treatment): cell (c, x) has a 1 in the column of t whose levels
 * are c's exactly when every list of t is in x and no covariate of t is
 * at its first level.  Any full-rank coding of a hierarchical model gives
 * the same fitted means, so these agree with glm's whatever the coding.
 * Each row has at most one non-zero per term, so the design is stored as
 * the column indices of its ones.
 *
 * Fit: Newton's method, which for the Poisson log link is IRLS (McCullagh
 * & Nelder 1989, sec. 2.5): with W = diag(mu) on the observed cells
 * (x != 0),
 *   beta_new = (X' W X)^{-1} X' (W eta + y - mu),
 * started as glm starts (mu = y + 0.1), solved by Cholesky (GSL), until no
 * linear predictor moves by more than EPS.  The unobserved cells (x = 0)
 * are not fitted; eta_{c,0} = x_{c,0}' beta predicts them.
 *
 * Existence (Haberman 1974, Thm 2.2; Fienberg & Rinaldo 2012, Ann. Stat.
 * 40:996): the MLE exists iff X' y lies in the relative interior of the
 * cone {X' z : z >= 0}, decided as exist.c does by the LP
 *   max s  s.t.  X' z = X' y, z >= 0, z_i >= s where y_i = 0, 0 <= s <= 1
 * (GLPK); when no observed cell is 0, y itself is the interior point and
 * the LP is not needed.  A model whose MLE does not exist is refused
 * (VC_ENOMLE), never fitted to a drifting coefficient.
 *
 * Intervals by group G of combinations (delta method, e.g. Agresti 2013,
 * sec. 16.1): n0_G = sum_{c in G} exp(eta_{c,0}) has gradient
 * g = sum_{c in G} n0_c x_{c,0}, so var(n0_G) = g' I^{-1} g with I = X' W X
 * at the MLE, and the interval is n_G + n0_G exp(+-z se(log n0_G)), as
 * loglin.c's for the total without covariates.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_sf_gamma.h>

#include "estimators/covloglin_impl.h"
#include "estimators/loglin_impl.h"

/* Converged when no linear predictor moves more than this in one Newton
 * step; the next step then moves by about its square. */
#define EPS 1e-10
#define MAXITER 100
/* exp() overflows beyond about 709.8. */
#define LOG_MEAN_MAX 700.0

struct vc_covloglin_workspace {
    const vc_covtable *ct;
    size_t ncell;
    size_t rowcap;     /* non-zeros per row allowed: 1 + VC_COV_MAX_TERMS */
    size_t *nnz;       /* ncell: non-zeros of each row */
    uint32_t *col;     /* ncell * rowcap: their columns, ascending */
    double *eta, *eta_new, *mu;
    size_t p, pcap;
    double *H, *b, *beta, *beta_new, *cov;
    const double *y;   /* counts of the last fit (borrowed, or ycomp) */
    int fitted;        /* the last fit succeeded */
    double *ycomp;     /* ncell: the table EM completed */
    double *yprev;     /* ncell: the same one step earlier */
    double *denom;     /* ncell: sums of means over missing values */
};

void vc_covloglin_workspace_free(vc_covloglin_workspace *w)
{
    if (w == NULL) {
        return;
    }
    free(w->nnz);
    free(w->col);
    free(w->eta);
    free(w->eta_new);
    free(w->mu);
    free(w->H);
    free(w->b);
    free(w->beta);
    free(w->beta_new);
    free(w->cov);
    free(w->ycomp);
    free(w->yprev);
    free(w->denom);
    free(w);
}

vc_covloglin_workspace *vc_covloglin_workspace_alloc(const vc_covtable *ct,
                                                     vc_error *err)
{
    vc_covloglin_workspace *w = calloc(1, sizeof *w);
    if (w == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate a workspace");
        return NULL;
    }
    w->ct = ct;
    w->ncell = ct->ncell;
    /* A row meets the intercept and at most one column per term, and a
     * cell (c, x) lies in at most 2^(J + V) terms. */
    size_t nsub = (size_t)1 << (ct->J + ct->V);
    w->rowcap = nsub < VC_COV_MAX_TERMS + 1 ? nsub : VC_COV_MAX_TERMS + 1;
    w->nnz = malloc(w->ncell * sizeof *w->nnz);
    w->col = malloc(w->ncell * w->rowcap * sizeof *w->col);
    w->eta = malloc(w->ncell * sizeof *w->eta);
    w->eta_new = malloc(w->ncell * sizeof *w->eta_new);
    w->mu = malloc(w->ncell * sizeof *w->mu);
    w->ycomp = malloc(w->ncell * sizeof *w->ycomp);
    w->yprev = malloc(w->ncell * sizeof *w->yprev);
    w->denom = malloc(w->ncell * sizeof *w->denom);
    if (w->nnz == NULL || w->col == NULL || w->eta == NULL
        || w->eta_new == NULL || w->mu == NULL || w->ycomp == NULL
        || w->yprev == NULL || w->denom == NULL) {
        vc_covloglin_workspace_free(w);
        vc_error_set(err, VC_ENOMEM, "cannot allocate a workspace");
        return NULL;
    }
    return w;
}

/* Room for p parameters. */
static int reserve(vc_covloglin_workspace *w, size_t p, vc_error *err)
{
    if (p <= w->pcap) {
        return VC_OK;
    }
    free(w->H);
    free(w->b);
    free(w->beta);
    free(w->beta_new);
    free(w->cov);
    w->H = malloc(p * p * sizeof *w->H);
    w->cov = malloc(p * p * sizeof *w->cov);
    w->b = malloc(p * sizeof *w->b);
    w->beta = malloc(p * sizeof *w->beta);
    w->beta_new = malloc(p * sizeof *w->beta_new);
    if (w->H == NULL || w->cov == NULL || w->b == NULL || w->beta == NULL
        || w->beta_new == NULL) {
        w->pcap = 0;
        return vc_error_set(err, VC_ENOMEM, "cannot allocate %zu parameters",
                            p);
    }
    w->pcap = p;
    return VC_OK;
}

/* Build the design of m on every cell; w->p is set. */
static int build_design(const vc_covloglin_model *m,
                        vc_covloglin_workspace *w, vc_error *err)
{
    const vc_covtable *ct = w->ct;
    size_t J = ct->J, V = ct->V;
    uint32_t lists = (1u << J) - 1;
    size_t off[VC_COV_MAX_TERMS];
    size_t p = 1;
    for (size_t i = 0; i < m->nterms; i++) {
        off[i] = p;
        size_t ncol = 1;
        for (size_t v = 0; v < V; v++) {
            if (m->term[i] >> (J + v) & 1u) {
                ncol *= ct->nlevels[v] - 1;
            }
        }
        p += ncol;
        if (p > VC_COV_MAX_PARAMS) {
            return vc_error_set(err, VC_EINVAL,
                                "the model has more than %d parameters",
                                VC_COV_MAX_PARAMS);
        }
    }
    if (reserve(w, p, err) != VC_OK) {
        return VC_ENOMEM;
    }
    w->p = p;
    size_t lev[VC_COV_MAX_COVARIATES];
    for (size_t c = 0; c < ct->ncomb; c++) {
        for (size_t v = 0; v < V; v++) {
            lev[v] = vc_covtable_level(ct, c, v);
        }
        for (uint32_t x = 0; x <= lists; x++) {
            size_t r = (c << J) | x;
            uint32_t *cols = w->col + r * w->rowcap;
            size_t k = 0;
            cols[k++] = 0;
            for (size_t i = 0; i < m->nterms; i++) {
                uint32_t t = m->term[i];
                if ((t & lists & x) != (t & lists)) {
                    continue;
                }
                size_t idx = 0;
                int on = 1;
                for (size_t v = 0; v < V && on; v++) {
                    if (t >> (J + v) & 1u) {
                        on = lev[v] > 0;
                        idx = idx * (ct->nlevels[v] - 1) + (lev[v] - 1);
                    }
                }
                if (on) {
                    cols[k++] = (uint32_t)(off[i] + idx);
                }
            }
            w->nnz[r] = k;
        }
    }
    return VC_OK;
}

/* The existence LP on the observed cells (see the opening comment). */
static int lp_exists(const double *y, const vc_covloglin_workspace *w,
                     int *exists, vc_error *err)
{
    size_t J = w->ct->J;
    uint32_t lists = (1u << J) - 1;
    size_t nzero = 0;
    double ymax = 0.0;
    for (size_t r = 0; r < w->ncell; r++) {
        if ((r & lists) == 0) {
            continue;
        }
        nzero += y[r] == 0.0;
        ymax = y[r] > ymax ? y[r] : ymax;
    }
    if (nzero == 0) {
        *exists = 1;
        return VC_OK;
    }
    if (!(ymax > 0.0)) {
        *exists = 0;
        return VC_OK;
    }
    size_t nfit = w->ct->ncomb * (size_t)lists;
    size_t ncol = nfit + 1;
    size_t nrow = w->p + nzero;
    size_t cap = 1;
    for (size_t r = 0; r < w->ncell; r++) {
        cap += (r & lists) ? w->nnz[r] : 0;
    }
    cap += 2 * nzero;
    int *ia = malloc(cap * sizeof *ia);
    int *ja = malloc(cap * sizeof *ja);
    double *ar = malloc(cap * sizeof *ar);
    double *margin = calloc(w->p, sizeof *margin);
    glp_prob *lp = (ia && ja && ar && margin) ? glp_create_prob() : NULL;
    if (lp == NULL) {
        free(ia);
        free(ja);
        free(ar);
        free(margin);
        return vc_error_set(err, VC_ENOMEM,
                            "existence check: cannot allocate the LP");
    }
    glp_set_obj_dir(lp, GLP_MAX);
    glp_add_rows(lp, (int)nrow);
    glp_add_cols(lp, (int)ncol);
    glp_set_col_bnds(lp, (int)ncol, GLP_DB, 0.0, 1.0);
    glp_set_obj_coef(lp, (int)ncol, 1.0);
    size_t ne = 0, s = 0, zr = w->p;
    for (size_t r = 0; r < w->ncell; r++) {
        if ((r & lists) == 0) {
            continue;
        }
        s++;
        glp_set_col_bnds(lp, (int)s, GLP_LO, 0.0, 0.0);
        const uint32_t *cols = w->col + r * w->rowcap;
        for (size_t k = 0; k < w->nnz[r]; k++) {
            margin[cols[k]] += y[r] / ymax;
            ne++;
            ia[ne] = (int)cols[k] + 1;
            ja[ne] = (int)s;
            ar[ne] = 1.0;
        }
        if (y[r] == 0.0) {
            zr++;
            glp_set_row_bnds(lp, (int)zr, GLP_LO, 0.0, 0.0);
            ne++;
            ia[ne] = (int)zr;
            ja[ne] = (int)s;
            ar[ne] = 1.0;
            ne++;
            ia[ne] = (int)zr;
            ja[ne] = (int)ncol;
            ar[ne] = -1.0;
        }
    }
    for (size_t k = 0; k < w->p; k++) {
        glp_set_row_bnds(lp, (int)k + 1, GLP_FX, margin[k], margin[k]);
    }
    glp_load_matrix(lp, (int)ne, ia, ja, ar);
    free(ia);
    free(ja);
    free(ar);
    free(margin);
    return vci_lp_solve_exists(lp, exists, err);
}

/* H = X' W X and b = X' (W eta + y - mu) over the observed cells (upper
 * triangle of H filled, then mirrored). */
static void normal_equations(const double *y, vc_covloglin_workspace *w)
{
    size_t p = w->p;
    uint32_t lists = (1u << w->ct->J) - 1;
    memset(w->H, 0, p * p * sizeof *w->H);
    memset(w->b, 0, p * sizeof *w->b);
    for (size_t r = 0; r < w->ncell; r++) {
        if ((r & lists) == 0) {
            continue;
        }
        double mu = w->mu[r];
        double wz = mu * w->eta[r] + y[r] - mu;
        const uint32_t *cols = w->col + r * w->rowcap;
        size_t nz = w->nnz[r];
        for (size_t a = 0; a < nz; a++) {
            w->b[cols[a]] += wz;
            double *row = w->H + (size_t)cols[a] * p;
            for (size_t k = a; k < nz; k++) {
                row[cols[k]] += mu;
            }
        }
    }
    for (size_t a = 0; a < p; a++) {
        for (size_t k = a + 1; k < p; k++) {
            w->H[k * p + a] = w->H[a * p + k];
        }
    }
}

static double row_eta(const vc_covloglin_workspace *w, const double *beta,
                      size_t r)
{
    const uint32_t *cols = w->col + r * w->rowcap;
    double e = 0.0;
    for (size_t k = 0; k < w->nnz[r]; k++) {
        e += beta[cols[k]];
    }
    return e;
}

double vc_covloglin_criterion(const vc_covloglin_result *r,
                              vc_cov_criterion crit)
{
    switch (crit) {
    case VC_COV_AICC:
        return r->aicc;
    case VC_COV_BIC:
        return r->bic;
    default:
        return r->aic;
    }
}

/* The fit on a fully classified table y. */
static int fit_complete(const vc_covtable *ct, const double *y,
                        const vc_covloglin_model *m,
                        vc_covloglin_result *res, double *fitted,
                        vc_covloglin_workspace *w, vc_error *err)
{
    w->fitted = 0;
    uint32_t lists = (1u << ct->J) - 1;
    for (size_t i = 0; i < m->nterms; i++) {
        if ((m->term[i] & lists) == lists) {
            return vc_error_set(err, VC_ENOTIDENT,
                                "a term holds every list: the number nobody "
                                "saw is not identifiable");
        }
    }
    int built = build_design(m, w, err);
    if (built != VC_OK) {
        return built;
    }
    size_t p = w->p;
    size_t nfit = ct->ncomb * (size_t)lists;
    if (p > nfit) {
        return vc_error_set(err, VC_ENOTIDENT,
                            "the model has %zu parameters for %zu observed "
                            "cells", p, nfit);
    }
    int exists = 1;
    if (lp_exists(y, w, &exists, err) != VC_OK) {
        return err ? err->code : VC_ENUMERIC;
    }
    if (!exists) {
        return vc_error_set(err, VC_ENOMLE,
                            "the maximum-likelihood estimate of this model "
                            "does not exist for these data (some margin it "
                            "fits is 0)");
    }
    for (size_t r = 0; r < w->ncell; r++) {
        w->mu[r] = (r & lists) ? y[r] + 0.1 : 0.0;
        w->eta[r] = (r & lists) ? log(w->mu[r]) : 0.0;
    }
    gsl_matrix_view Hv = gsl_matrix_view_array(w->H, p, p);
    gsl_vector_view bv = gsl_vector_view_array(w->b, p);
    gsl_vector_view xv = gsl_vector_view_array(w->beta_new, p);
    size_t it;
    int converged = 0;
    for (it = 1; it <= MAXITER && !converged; it++) {
        normal_equations(y, w);
        int st = gsl_linalg_cholesky_decomp1(&Hv.matrix);
        if (st == GSL_SUCCESS) {
            st = gsl_linalg_cholesky_solve(&Hv.matrix, &bv.vector,
                                           &xv.vector);
        }
        if (st != GSL_SUCCESS) {
            return vc_error_set(err, VC_ENUMERIC,
                                "Newton step %zu: %s", it, gsl_strerror(st));
        }
        double move = 0.0;
        for (size_t r = 0; r < w->ncell; r++) {
            double e = row_eta(w, w->beta_new, r);
            if ((r & lists) && e > LOG_MEAN_MAX) {
                return vc_error_set(err, VC_ENUMERIC,
                                    "Newton step %zu: a fitted mean beyond "
                                    "the range of a double", it);
            }
            if (r & lists) {
                double d = fabs(e - w->eta[r]);
                move = d > move ? d : move;
            }
            w->eta[r] = e;
            w->mu[r] = exp(e);
        }
        memcpy(w->beta, w->beta_new, p * sizeof *w->beta);
        converged = it > 1 && move < EPS;
    }
    if (!converged) {
        return vc_error_set(err, VC_ENOTCONV,
                            "the fit did not converge in %d Newton steps",
                            MAXITER);
    }
    /* The inverse information at the MLE, for the intervals. */
    normal_equations(y, w);
    int st = gsl_linalg_cholesky_decomp1(&Hv.matrix);
    if (st == GSL_SUCCESS) {
        st = gsl_linalg_cholesky_invert(&Hv.matrix);
    }
    if (st != GSL_SUCCESS) {
        return vc_error_set(err, VC_ENUMERIC, "information matrix: %s",
                            gsl_strerror(st));
    }
    memcpy(w->cov, w->H, p * p * sizeof *w->cov);

    memset(res, 0, sizeof *res);
    res->model = *m;
    res->k = p;
    res->iterations = it - 1;
    double n = 0.0, n0 = 0.0, dev = 0.0, ll = 0.0;
    for (size_t r = 0; r < w->ncell; r++) {
        double mu = w->mu[r];
        if ((r & lists) == 0) {
            if (!(mu < HUGE_VAL)) {
                return vc_error_set(err, VC_ENOMLE,
                                    "the unseen count is beyond the range of "
                                    "a double");
            }
            n0 += mu;
            continue;
        }
        n += y[r];
        if (y[r] > 0.0) {
            dev += y[r] * log(y[r] / mu);
            ll += y[r] * log(mu) - gsl_sf_lngamma(y[r] + 1.0);
        }
        dev -= y[r] - mu;
        ll -= mu;
    }
    res->deviance = 2.0 * dev;
    res->loglik = ll;
    res->df = (double)nfit - (double)p;
    double k = (double)p;
    res->aic = -2.0 * ll + 2.0 * k;
    res->aicc = n > k + 1.0 ? res->aic + 2.0 * k * (k + 1.0) / (n - k - 1.0)
                            : HUGE_VAL;
    res->bic = -2.0 * ll + k * log(n);
    res->n0 = n0;
    res->N = n + n0;
    w->y = y;
    w->fitted = 1;
    unsigned char *all = malloc(ct->ncomb);
    if (all == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate a group");
    }
    memset(all, 1, ct->ncomb);
    vc_cov_group g;
    int gs = vc_covloglin_group(w, all, 0.95, &g, err);
    free(all);
    if (gs != VC_OK) {
        return gs;
    }
    res->se_log_n0 = g.se_log_n0;
    if (fitted != NULL) {
        memcpy(fitted, w->mu, w->ncell * sizeof *fitted);
    }
    return VC_OK;
}

/* EM steps before giving up, and the largest change of a completed count
 * (relative to 1 + the count) that counts as converged. */
#define EM_MAXITER 2000
#define EM_TOL 1e-9

int vci_cov_fit_em(const vc_covtable *ct, const double *y,
                   double *const *ymiss, const vc_covloglin_model *m,
                   vc_covloglin_result *res, double *fitted,
                   vc_covloglin_workspace *w, vc_error *err)
{
    size_t J = ct->J, ncell = ct->ncell;
    uint32_t lists = (1u << J) - 1;
    /* Start from equal means: the first E-step spreads the people with a
     * missing value evenly over the levels they may have. */
    for (size_t r = 0; r < ncell; r++) {
        w->mu[r] = 1.0;
    }
    memcpy(w->yprev, y, ncell * sizeof *y);
    size_t it;
    int status = VC_OK;
    for (it = 1; it <= EM_MAXITER; it++) {
        /* E-step: y_comp = y + the missing counts allocated in proportion
         * to the current means of the cells they may belong to. */
        memcpy(w->ycomp, y, ncell * sizeof *y);
        for (size_t t = 0; t < ct->ntypes; t++) {
            size_t nk = ct->type_ncomb[t] << J;
            memset(w->denom, 0, nk * sizeof *w->denom);
            for (size_t c = 0; c < ct->ncomb; c++) {
                size_t k = vc_covtable_reduce(ct, t, c) << J;
                for (size_t x = 1; x <= lists; x++) {
                    w->denom[k | x] += w->mu[(c << J) | x];
                }
            }
            for (size_t c = 0; c < ct->ncomb; c++) {
                size_t k = vc_covtable_reduce(ct, t, c) << J;
                for (size_t x = 1; x <= lists; x++) {
                    double d = w->denom[k | x];
                    if (d > 0.0 && ymiss[t][k | x] > 0.0) {
                        w->ycomp[(c << J) | x] +=
                            ymiss[t][k | x] * w->mu[(c << J) | x] / d;
                    }
                }
            }
        }
        /* M-step: the fit of the completed table. */
        status = fit_complete(ct, w->ycomp, m, res, fitted, w, err);
        if (status != VC_OK) {
            return status;
        }
        double move = 0.0;
        for (size_t r = 0; r < ncell; r++) {
            double d = fabs(w->ycomp[r] - w->yprev[r]) / (1.0 + w->ycomp[r]);
            move = d > move ? d : move;
        }
        memcpy(w->yprev, w->ycomp, ncell * sizeof *y);
        if (it > 1 && move < EM_TOL) {
            break;
        }
    }
    if (it > EM_MAXITER) {
        return vc_error_set(err, VC_ENOTCONV,
                            "EM over the missing covariate values did not "
                            "converge in %d steps", EM_MAXITER);
    }
    res->em_iterations = it;
    /* The observed-data log-likelihood.  Missing at random given the
     * pattern x: a person of cell (c, x) has missingness type t with
     * probability pi_{x,t} (estimated as the share of pattern x with type
     * t, the saturated MLE), so full cells are Poisson(mu (1 - pi_x)) and
     * a missing-value cell Poisson(pi_{x,t} sum mu) over the cells it may
     * belong to (Little & Rubin 2002, sec. 13.2).  The pi terms do not
     * involve mu, so they change no ranking; they keep the figure a true
     * log-likelihood.  AIC, AICc and BIC use it. */
    double *pi = calloc(((size_t)lists + 1) * ct->ntypes, sizeof *pi);
    double *pfull = calloc((size_t)lists + 1, sizeof *pfull);
    if (pi == NULL || pfull == NULL) {
        free(pi);
        free(pfull);
        return vc_error_set(err, VC_ENOMEM, "EM: out of memory");
    }
    for (size_t r = 0; r < ncell; r++) {
        pfull[r & lists] += (r & lists) ? y[r] : 0.0;
    }
    for (size_t t = 0; t < ct->ntypes; t++) {
        for (size_t i = 0; i < (ct->type_ncomb[t] << J); i++) {
            pi[(i & lists) * ct->ntypes + t] += (i & lists) ? ymiss[t][i]
                                                            : 0.0;
        }
    }
    for (size_t x = 1; x <= lists; x++) {
        double nx = pfull[x];
        for (size_t t = 0; t < ct->ntypes; t++) {
            nx += pi[x * ct->ntypes + t];
        }
        pfull[x] = nx > 0.0 ? pfull[x] / nx : 0.0;
        for (size_t t = 0; t < ct->ntypes; t++) {
            pi[x * ct->ntypes + t] = nx > 0.0 ? pi[x * ct->ntypes + t] / nx
                                              : 0.0;
        }
    }
    double ll = 0.0;
    for (size_t r = 0; r < ncell; r++) {
        if (r & lists) {
            if (y[r] > 0.0) {
                ll += y[r] * log(w->mu[r] * pfull[r & lists])
                      - lgamma(y[r] + 1.0);
            }
            ll -= w->mu[r];
        }
    }
    for (size_t t = 0; t < ct->ntypes; t++) {
        size_t nk = ct->type_ncomb[t] << J;
        memset(w->denom, 0, nk * sizeof *w->denom);
        for (size_t c = 0; c < ct->ncomb; c++) {
            size_t k = vc_covtable_reduce(ct, t, c) << J;
            for (size_t x = 1; x <= lists; x++) {
                w->denom[k | x] += w->mu[(c << J) | x];
            }
        }
        for (size_t i = 0; i < nk; i++) {
            if ((i & lists) && ymiss[t][i] > 0.0) {
                ll += ymiss[t][i]
                          * log(pi[(i & lists) * ct->ntypes + t]
                                * w->denom[i])
                      - lgamma(ymiss[t][i] + 1.0);
            }
        }
    }
    free(pi);
    free(pfull);
    double k = (double)res->k, n = 0.0;
    for (size_t r = 0; r < ncell; r++) {
        n += (r & lists) ? w->ycomp[r] : 0.0;
    }
    res->loglik = ll;
    res->aic = -2.0 * ll + 2.0 * k;
    res->aicc = n > k + 1.0 ? res->aic + 2.0 * k * (k + 1.0) / (n - k - 1.0)
                            : HUGE_VAL;
    res->bic = -2.0 * ll + k * log(n);
    return VC_OK;
}

int vc_covloglin_fit(const vc_covtable *ct, const double *y,
                     const vc_covloglin_model *m, vc_covloglin_result *res,
                     double *fitted, vc_covloglin_workspace *w,
                     vc_error *err)
{
    w->fitted = 0;
    if (m->J != ct->J || m->V != ct->V || w->ct != ct) {
        return vc_error_set(err, VC_EINVAL,
                            "model or workspace made for another table");
    }
    if (y == NULL && ct->ntypes > 0) {
        return vci_cov_fit_em(ct, ct->y, ct->ymiss, m, res, fitted, w, err);
    }
    return fit_complete(ct, y != NULL ? y : ct->y, m, res, fitted, w, err);
}

int vc_covloglin_group(const vc_covloglin_workspace *w,
                       const unsigned char *in_group, double level,
                       vc_cov_group *out, vc_error *err)
{
    if (!w->fitted) {
        return vc_error_set(err, VC_EINVAL, "no fit to take a group from");
    }
    if (!(level > 0.0 && level < 1.0)) {
        return vc_error_set(err, VC_EINVAL, "level %g is not in (0, 1)",
                            level);
    }
    const vc_covtable *ct = w->ct;
    size_t J = ct->J, p = w->p;
    size_t ncx = (size_t)1 << J;
    double *g = calloc(p, sizeof *g);
    if (g == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate a gradient");
    }
    double obs = 0.0, n0 = 0.0;
    for (size_t c = 0; c < ct->ncomb; c++) {
        if (!in_group[c]) {
            continue;
        }
        for (size_t x = 1; x < ncx; x++) {
            obs += w->y[(c << J) | x];
        }
        size_t r = c << J;
        double m0 = w->mu[r];
        n0 += m0;
        const uint32_t *cols = w->col + r * w->rowcap;
        for (size_t k = 0; k < w->nnz[r]; k++) {
            g[cols[k]] += m0;
        }
    }
    double var = 0.0;
    for (size_t a = 0; a < p; a++) {
        if (g[a] == 0.0) {
            continue;
        }
        const double *row = w->cov + a * p;
        for (size_t k = 0; k < p; k++) {
            var += g[a] * row[k] * g[k];
        }
    }
    free(g);
    out->observed = obs;
    out->n0 = n0;
    out->N = obs + n0;
    out->se_log_n0 = (n0 > 0.0 && var > 0.0) ? sqrt(var) / n0 : 0.0;
    double z = gsl_cdf_ugaussian_Pinv(0.5 + level / 2.0);
    out->lower = obs + n0 * exp(-z * out->se_log_n0);
    out->upper = obs + n0 * exp(z * out->se_log_n0);
    return VC_OK;
}
