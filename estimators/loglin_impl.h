/*
 * loglin_impl.h: declarations shared by the log-linear files of the
 * estimators module (loglin_model.c, loglin.c, exist.c, select.c,
 * profile.c, bootstrap.c) and their white-box tests.  Not part of the
 * public API.
 *
 * The fit works on a dense count vector y[x], x = 0 .. 2^J - 1 indexed by
 * capture pattern, so that bootstrap replicates and the complete tables of
 * the profile likelihood need no vc_table.
 */
#ifndef VC_LOGLIN_IMPL_H
#define VC_LOGLIN_IMPL_H

#include "estimators/vc_estimators.h"
#include "estimators/vc_loglin.h"

struct vc_loglin_workspace {
    size_t J;
    size_t ncell_all;  /* 2^J */
    size_t maxp;       /* most parameters a model on J lists can have */
    double *y;         /* 2^J counts, filled from a table by vc_loglin_fit */
    double *eta;       /* 2^J linear predictors log mu_x */
    double *eta_new;   /* 2^J trial predictors */
    double *mu;        /* 2^J fitted means */
    double *fitted;    /* 2^J: fitted means of the last model, for callers
                          inside the module (stepwise) */
    uint32_t *cell;    /* the cells S that take part in the fit */
    size_t ncell;      /* |S| */
    /* Parameters of the model being fitted, indexed as in
     * vc_loglin_result.coef. */
    size_t np;                              /* 1 + J + nterms + nhet */
    uint32_t pmask[VC_LOGLIN_MAX_PARAMS];   /* 0 for the intercept, the
                                               heterogeneity columns and
                                               the common main effect */
    int common;        /* the model is M0: parameter 1 has column k_x and
                          parameters 2..J are TIED to it */
    size_t het0;       /* index of the first heterogeneity parameter (np
                          when the model has none) */
    double *hcol;      /* J * (J + 1): value of heterogeneity column i at a
                          cell seen by k lists, hcol[i * (J + 1) + k] */
    unsigned char state[VC_LOGLIN_MAX_PARAMS];
    size_t kept[VC_LOGLIN_MAX_PARAMS];      /* FREE parameters, in order */
    size_t nkept;
    int identifiable;  /* the intercept is estimable from S */
    /* The design on S in compressed rows: cell s (position in cell[]) has
     * the kept parameters aidx[arow[s] .. arow[s+1]) with design values
     * aval[...].  Built once a fit by vci_loglin_setup so that the IRLS
     * steps never test masks; use_csr is 0 when it would not fit in acap
     * entries (very wide tables), and the steps then test masks. */
    size_t *arow;      /* 2^J + 1 */
    uint32_t *aidx;    /* acap */
    double *aval;      /* acap */
    size_t acap;
    int use_csr;
    /* 2^J scratch each for the lattice transforms of wide tables (loglin.c,
     * "Wide tables") and the factored fits (loglin_factor.c), for every J. */
    double *zt;
    double *zt2;
    int wide;          /* the compressed design cannot fit: J 2^J * maxp
                          above CSR_MAX_ENTRIES (12 lists and more) */
    /* Factored fits (loglin_factor.c).  factor_mode: 0 on wide tables
     * only (the default), 1 on every table, -1 never (the tests compare
     * the two paths).  The model's lists fall into components that no
     * term joins; component c holds comp_k[c] lists, its 2^comp_k[c]
     * local cells start at comp_off[c] in the local arrays; list j is bit
     * lbit[j] of component comp_of[j].  Kept parameter i lives in
     * component kcomp[i] with local mask kmask[i]. */
    int factor_mode;
    unsigned char *alive;  /* 2^J: local cells free of NEGINF terms */
    uint32_t *obs;         /* 2^J: the cells with y > 0 */
    size_t nobs;
    const double *obs_y;   /* not NULL: obs lists the cells x != 0 with
                              y > 0 of these counts, which a caller (the
                              stepwise search) keeps unchanged: setup need
                              not scan the 2^J cells */
    size_t ncomp;
    size_t comp_k[VC_LOGLIN_MAX_LISTS];
    size_t comp_off[VC_LOGLIN_MAX_LISTS];
    uint32_t comp_mask[VC_LOGLIN_MAX_LISTS];
    size_t comp_of[VC_LOGLIN_MAX_LISTS];
    size_t lbit[VC_LOGLIN_MAX_LISTS];
    size_t kcomp[VC_LOGLIN_MAX_PARAMS];
    uint32_t kmask[VC_LOGLIN_MAX_PARAMS];
    double ysum[VC_LOGLIN_MAX_PARAMS];  /* X'y: y over the cells of S
                                           containing kept parameter i */
    /* 1: fits leave se[] and se_log_n0 at 0 and skip inverting the
     * information matrix (enumeration, bootstrap replicates, which never
     * read them).  0 after vc_loglin_workspace_alloc. */
    int no_se;
    double *H;         /* maxp^2: weighted Gram matrix, then its Cholesky */
    double *b;         /* maxp: right-hand side */
    double *beta;      /* maxp: coefficients of the kept parameters */
    double *beta_new;  /* maxp */
};

/* VC_OK when a log-linear model can have J lists (1 to
 * VC_LOGLIN_MAX_LISTS), else VC_EINVAL with the message set. */
int vci_loglin_check_J(size_t J, vc_error *err);

/*
 * Set up a fit of model m on counts y (2^J entries; y[0] is used only when
 * include0, for the complete table of the profile likelihood): mark the
 * terms whose margin is zero as NEGINF and leave out the cells they cover,
 * mark aliased parameters, decide identifiability.  Fills the workspace and
 * res->model, nparams, coef_state, ncells, nfixed, nneginf, naliased, k, df.
 */
void vci_loglin_setup(const double *y, int include0, const vc_loglin_model *m,
                      vc_loglin_result *res, vc_loglin_workspace *w);

/*
 * The fit of vc_loglin_fit on dense counts y with n = sum of y over x != 0,
 * refits for negative Chao etas included.  include0: y[0] is data too
 * (complete table); then n0 is the fitted mean of cell 0 and N = n + y[0]
 * is not computed (res->N = 0).
 */
int vci_loglin_fit_dense(const double *y, double n, int include0,
                         const vc_loglin_model *m,
                         const vc_loglin_result *start,
                         const vc_loglin_control *control,
                         vc_loglin_result *res, double *fitted,
                         vc_loglin_workspace *w, vc_error *err);

/*
 * The existence linear program on the set-up workspace: *exists is 1 when
 * the MLE exists on the cells S (after the NEGINF terms), else 0.
 * VC_ENOMEM or VC_ENUMERIC on solver failure.
 */
int vci_loglin_lp_exists(const double *y, const vc_loglin_workspace *w,
                         int *exists, vc_error *err);

/* Solve the existence linear program lp (GLPK, maximising the slack s on
 * counts scaled to a maximum of 1; exist.c), quietly, free it, and set
 * *exists to 1 when the optimum is clearly positive (above EXIST_TOL,
 * exist.c).  Shared by the log-linear fits with and without covariates.
 * VC_ENUMERIC when the simplex fails. */
struct glp_prob;
int vci_lp_solve_exists(struct glp_prob *lp, int *exists, vc_error *err);

/* 1 when parameter k (as set up in w) has a design column of general
 * values (heterogeneity, M0's k_x) rather than the 0/1 indicator of
 * pmask[k]. */
static inline int vci_loglin_valued(const vc_loglin_workspace *w, size_t k)
{
    return k >= w->het0 || (w->common && k == 1);
}

/* Value of the design column of parameter k (as set up in w) at cell x. */
static inline double vci_loglin_colval(const vc_loglin_workspace *w, size_t k,
                                       uint32_t x)
{
    if (k >= w->het0) {
        return w->hcol[(k - w->het0) * (w->J + 1)
                       + (size_t)__builtin_popcount(x)];
    }
    if (w->common && k == 1) {
        return (double)__builtin_popcount(x);
    }
    return (x & w->pmask[k]) == w->pmask[k] ? 1.0 : 0.0;
}

/* a[x] <- sum of a[s] over the 2^J patterns s containing x (the
 * superset-sum transform; loglin.c, "Wide tables"). */
void vci_loglin_zeta_supersets(double *a, size_t J);

/* Insert term t into term[0 .. *n) in the canonical order of terms (by
 * order, the number of lists or variables, then by mask) and count it;
 * the caller checked room and absence.  Shared by the models with and
 * without covariates (loglin_model.c). */
void vci_terms_insert(uint32_t *term, size_t *n, uint32_t t);

/* The free parameters, then the intercept, into order[] (loglin.c);
 * returns how many. */
size_t vci_loglin_free_order(const vc_loglin_workspace *w, size_t p,
                             size_t *order);

/* AIC, BIC, log n0 and its SE, n, n0 and N of a fitted res (loglin.c);
 * 0 when n0 or N is not finite. */
int vci_loglin_summarise(vc_loglin_result *res, double loglik, double n,
                         int include0);

/* Fill w->y from table t (which must have w->J lists); returns n. */
double vci_loglin_dense_counts(const vc_table *t, vc_loglin_workspace *w);

/* Pieces of loglin.c shared with loglin_factor.c. */
void vci_loglin_setup_columns(const vc_loglin_model *m, vc_loglin_result *res,
                              vc_loglin_workspace *w);
void vci_loglin_mark_aliased(const size_t *order, size_t q, double *G,
                             vc_loglin_result *res, vc_loglin_workspace *w);
int vci_loglin_chol_solve(double *H, const double *b, double *x, size_t p);
/* a[x] <- sum of a[s] over the patterns s contained in x. */
void vci_loglin_zeta_subsets(double *a, size_t J);
/* w->beta of the kept parameters (set up in w) from a warm start, matched
 * by term; 0 where the start has none. */
void vci_loglin_start_beta(const vc_loglin_result *start,
                           const vc_loglin_model *m, vc_loglin_workspace *w);

/* 1 when fit_once should try vci_loglin_fit_factored for model m. */
int vci_loglin_factored_applies(const vc_loglin_workspace *w,
                                const vc_loglin_model *m);

/*
 * The fit of fit_once (loglin.c) through the model's factors
 * (loglin_factor.c).  Sets *declined and returns VC_OK without a result
 * when the fit needs what only the cell-by-cell path does (N not
 * identifiable, the existence LP, a singular step): the caller then runs
 * that path from scratch, so errors and refusals are the same.
 */
int vci_loglin_fit_factored(const double *y, double n, int include0,
                            const vc_loglin_model *m,
                            const vc_loglin_result *start,
                            const vc_loglin_control *control,
                            vc_loglin_result *res, double *fitted,
                            vc_loglin_workspace *w, int *declined);

/*
 * Stepwise's expected overlaps: mean[o] = sum of the fitted means of r
 * (a fit of any path on J lists, no heterogeneity, not M0) over the cells
 * containing pair o, pairs in the order (0,1), (0,2), ..., from r's
 * coefficients through its factors.  Uses w's scratch.
 */
void vci_loglin_factored_pair_means(const vc_loglin_result *r,
                                    vc_loglin_workspace *w, double *mean);

/* Stepwise search on dense counts, as vc_loglin_stepwise. */
int vci_loglin_stepwise_dense(const double *y, double n, size_t J,
                              double pthresh, vc_loglin_result *result,
                              vc_loglin_workspace *w, vc_error *err);

#endif /* VC_LOGLIN_IMPL_H */
