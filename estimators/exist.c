/*
 * exist.c: does the MLE of a log-linear model exist, and is N identifiable?
 *
 * Existence (Haberman 1974, Theorem 2.2; Fienberg & Rinaldo 2012, Ann.
 * Stat. 40:996, Theorem 3 and sec. 4.1): for a Poisson log-linear model
 * with design X on cells S and sufficient statistics t = X' y, the MLE
 * exists if and only if t lies in the relative interior of the marginal
 * cone {X' z : z >= 0}, that is, if and only if some z with every entry
 * strictly positive has X' z = t.  Only cells with y_x = 0 can fail, and
 * a convex mixture of y and such a z shows that it is enough to ask
 *
 *   maximise s  subject to  X' z = X' y,  z >= 0,  z_x >= s for y_x = 0,
 *                           0 <= s <= 1,
 *
 * an LP whose optimum is positive exactly when the MLE exists.  Chan,
 * Silverman & Vincent (2021, JASA 116:1297, sec. 2.3 and Table 2) first
 * fix at minus infinity every interaction whose lists never meet (a zero
 * margin) and drop the cells it covers, then ask the question on the cells
 * left; we do the same (loglin.c, vci_loglin_setup), so the LP runs on S
 * and on the parameters that are not NEGINF (nor Chao etas fixed at 0, nor
 * the main effects an M0 model ties to its common one).  Heterogeneity
 * columns and M0's column k_x enter X with their values, not as 0/1.
 *
 * Identifiability (CSV 2021, sec. 2.3): N depends on the intercept alone,
 * which the cells S can estimate unless the intercept column of X_S lies in
 * the span of the other columns (then a null vector of X_S moves u); the
 * greedy Cholesky of vci_loglin_setup, intercept last, decides it.
 *
 * Codes: 0 exists, 1 MLE does not exist, 2 N not identifiable, 3 both.
 * Check (CSV 2021, Table 2; the Artificial_3 table, A only 40, B only 30,
 * C only 20, AB 6): [12,13,23] gives 2, [12,3] gives 1, [13,23] gives 0.
 *
 * The LP is solved with GLPK's simplex (msg_lev GLP_MSG_OFF per call, so
 * nothing is printed; the global glp_term_out is left alone).  Counts are
 * scaled by their maximum so that s is on the scale of the data, and an
 * optimum s below EXIST_TOL counts as zero: vertices of this LP are
 * solutions of 0/1 systems, so a true positive optimum is far above
 * rounding error.
 */
#include <stdlib.h>

#include <glpk.h>

#include "estimators/loglin_impl.h"

/* Optimum of s (on counts scaled to a maximum of 1) below which the MLE is
 * taken not to exist.  Rounding in the simplex leaves about 1e-15. */
#define EXIST_TOL 1e-9

int vci_lp_solve_exists(struct glp_prob *lp, int *exists, vc_error *err)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    int rc = glp_simplex(lp, &parm);
    int st = glp_get_status(lp);
    double opt = glp_get_obj_val(lp);
    glp_delete_prob(lp);
    if (rc != 0 || st != GLP_OPT) {
        return vc_error_set(err, VC_ENUMERIC,
                            "existence check: GLPK simplex failed (return "
                            "%d, status %d)", rc, st);
    }
    *exists = opt > EXIST_TOL;
    return VC_OK;
}

int vci_loglin_lp_exists(const double *y, const vc_loglin_workspace *w,
                         int *exists, vc_error *err)
{
    size_t nzero = 0;
    double ymax = 0.0;
    for (size_t s = 0; s < w->ncell; s++) {
        double v = y[w->cell[s]];
        nzero += v == 0.0;
        if (v > ymax) {
            ymax = v;
        }
    }
    if (nzero == 0) {
        *exists = 1; /* y itself is a positive solution */
        return VC_OK;
    }
    if (!(ymax > 0.0)) {
        *exists = 0;
        return VC_OK;
    }
    size_t p = 0;
    size_t par[VC_LOGLIN_MAX_PARAMS];
    for (size_t k = 0; k < w->np; k++) {
        if (w->state[k] != VC_LOGLIN_COEF_NEGINF
            && w->state[k] != VC_LOGLIN_COEF_ZERO
            && w->state[k] != VC_LOGLIN_COEF_TIED) {
            par[p++] = k;
        }
    }
    size_t ncol = w->ncell + 1;
    size_t nrow = p + nzero;
    /* Non-zeros: each cell meets at most p parameter rows; each zero cell
     * two entries in its own row. */
    size_t cap = w->ncell * p + 2 * nzero + 1;
    int *ia = malloc(cap * sizeof *ia);
    int *ja = malloc(cap * sizeof *ja);
    double *ar = malloc(cap * sizeof *ar);
    glp_prob *lp = glp_create_prob();
    if (ia == NULL || ja == NULL || ar == NULL || lp == NULL) {
        free(ia);
        free(ja);
        free(ar);
        if (lp != NULL) {
            glp_delete_prob(lp);
        }
        return vc_error_set(err, VC_ENOMEM,
                            "existence check: cannot allocate the LP");
    }
    glp_set_obj_dir(lp, GLP_MAX);
    glp_add_rows(lp, (int)nrow);
    glp_add_cols(lp, (int)ncol);
    for (size_t s = 0; s < w->ncell; s++) {
        glp_set_col_bnds(lp, (int)s + 1, GLP_LO, 0.0, 0.0);
    }
    glp_set_col_bnds(lp, (int)ncol, GLP_DB, 0.0, 1.0);
    glp_set_obj_coef(lp, (int)ncol, 1.0);
    size_t ne = 0;
    for (size_t r = 0; r < p; r++) {
        double margin = 0.0;
        for (size_t s = 0; s < w->ncell; s++) {
            uint32_t x = w->cell[s];
            double v = vci_loglin_colval(w, par[r], x);
            if (v != 0.0) {
                margin += v * y[x] / ymax;
                ne++;
                ia[ne] = (int)r + 1;
                ja[ne] = (int)s + 1;
                ar[ne] = v;
            }
        }
        glp_set_row_bnds(lp, (int)r + 1, GLP_FX, margin, margin);
    }
    size_t r = p;
    for (size_t s = 0; s < w->ncell; s++) {
        if (y[w->cell[s]] != 0.0) {
            continue;
        }
        r++;
        glp_set_row_bnds(lp, (int)r, GLP_LO, 0.0, 0.0);
        ne++;
        ia[ne] = (int)r;
        ja[ne] = (int)s + 1;
        ar[ne] = 1.0;
        ne++;
        ia[ne] = (int)r;
        ja[ne] = (int)ncol;
        ar[ne] = -1.0;
    }
    glp_load_matrix(lp, (int)ne, ia, ja, ar);
    free(ia);
    free(ja);
    free(ar);

    return vci_lp_solve_exists(lp, exists, err);
}

int vc_loglin_exist(const vc_table *t, const vc_loglin_model *m, int *code,
                    vc_error *err)
{
    if (t->J != m->J) {
        return vc_error_set(err, VC_EINVAL,
                            "table has %zu lists, model %zu", t->J, m->J);
    }
    if (t->J < 1 || t->J > VC_LOGLIN_MAX_LISTS) {
        return vc_error_set(err, VC_EINVAL,
                            "log-linear models take 1 to %d lists, not %zu",
                            VC_LOGLIN_MAX_LISTS, t->J);
    }
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, err);
    if (w == NULL) {
        return VC_ENOMEM;
    }
    vci_loglin_dense_counts(t, w);
    vc_loglin_result *res = malloc(sizeof *res);
    if (res == NULL) {
        vc_loglin_workspace_free(w);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate a result");
    }
    vci_loglin_setup(w->y, 0, m, res, w);
    int exists = 0;
    int status = vci_loglin_lp_exists(w->y, w, &exists, err);
    if (status == VC_OK) {
        *code = (exists ? 0 : VC_LOGLIN_NO_MLE)
                + (w->identifiable ? 0 : VC_LOGLIN_NOT_IDENT);
    }
    free(res);
    vc_loglin_workspace_free(w);
    return status;
}
