/*
 * profile.c: profile-likelihood interval for the population size N under a
 * log-linear model (Cormack 1992, "Interval estimation for mark-recapture
 * studies of closed populations", Biometrics 48:567-576; the method of
 * Rcapture's closedpCI.t, Baillargeon & Rivest 2007, J. Stat. Softw. 19(5),
 * sec. 4).
 *
 * For a trial N >= n, put n0 = N - n into the unobserved cell x = 0 and fit
 * the model to the complete 2^J table by Poisson IRLS (the intercept makes
 * the fitted means sum to N).  The fitted probabilities p_x = mu_x / N
 * maximise the multinomial likelihood with N fixed, so the profile
 * log-likelihood of N is (Cormack 1992, eq. (2.1))
 *
 *   l(N) = log N! - log n0! + sum_x y_x log(mu_x / N),
 *
 * the sum over all cells including x = 0 with y_0 = n0, and without the
 * constant - sum_{x != 0} log y_x!.  Factorials are lgamma, so N runs over
 * the reals as in Rcapture.  The interval at level 1 - alpha is
 * {N : 2 (max l - l(N)) <= chi-square_1(1 - alpha)}.
 *
 * At every N the model is model m as given: for Chao's lower bound the
 * negative etas of that complete-table fit are fixed at 0 one at a time
 * (vci_loglin_fit_dense), as Rcapture's closedpCI does inside its profile
 * function (Chao.neg at every trial N), so the etas fixed may differ from
 * those of the fit to the incomplete table.  M0 and Mh models (one main
 * effect for all lists) are profiled like any other: only the design
 * differs.
 *
 * Search: the maximum by golden-section search around the MLE of the
 * incomplete table (they differ only by the multinomial terms); each end by
 * Brent's method (GSL) on a bracket found by doubling n0 upward.  The upper
 * end may not exist within reach (the profile can stay flat for ever on
 * sparse tables): the search stops at N_max and then reports N_max with the
 * flag VC_FLAG_UPPER_OPEN, never an invented bound.  The lower end cannot
 * go below n: when l(n) is still above the cut the lower end is n.
 *
 * Legend: n observed, n0 = N - n unseen, y_x counts, mu_x fitted means.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_gamma.h>

#include "estimators/loglin_impl.h"

/* Relative tolerance on the ends of the interval: far below the digits
 * Rcapture prints (two decimals on N of a few hundred). */
#define PROFILE_EPSREL 1e-10

/* Golden-section steps for the maximum: each shrinks the bracket by 0.618,
 * so 80 steps take any bracket to its 1e-16 part. */
#define PROFILE_GOLDEN_STEPS 80

typedef struct {
    double *y;                 /* complete table, y[0] = n0 (owned) */
    double n;
    const vc_loglin_model *m;
    vc_loglin_workspace *w;
    vc_loglin_result *res;     /* last fit, also the warm start */
    int have_start;
    double target;             /* l value of the interval's ends */
    int status;                /* first failure of a fit */
    vc_error *err;
} profile_ctx;

/* l(N) at n0 = N - n; NaN after a failed fit (status kept in ctx). */
static double profile_loglik(double n0, profile_ctx *c)
{
    if (c->status != VC_OK) {
        return NAN;
    }
    c->y[0] = n0;
    vc_loglin_result *start = c->have_start ? c->res : NULL;
    vc_loglin_result prev = *c->res;
    int status = vci_loglin_fit_dense(c->y, c->n, 1, c->m,
                                      start != NULL ? &prev : NULL, NULL,
                                      c->res, c->w->fitted, c->w, c->err);
    if (status != VC_OK) {
        c->status = status;
        return NAN;
    }
    c->have_start = 1;
    double N = c->n + n0;
    double l = gsl_sf_lngamma(N + 1.0) - gsl_sf_lngamma(n0 + 1.0);
    double log_N = log(N);
    for (size_t x = 0; x < c->w->ncell_all; x++) {
        if (c->y[x] > 0.0) {
            l += c->y[x] * (log(c->w->fitted[x]) - log_N);
        }
    }
    return l;
}

static double root_fn(double n0, void *params)
{
    profile_ctx *c = params;
    return profile_loglik(n0, c) - c->target;
}

/* Solve l(n0) = target on [a, b] where the sign changes. */
static int solve(profile_ctx *c, double a, double b, double *root)
{
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (s == NULL) {
        return vc_error_set(c->err, VC_ENOMEM,
                            "profile interval: cannot allocate a solver");
    }
    gsl_function F;
    F.function = root_fn;
    F.params = c;
    int gs = gsl_root_fsolver_set(s, &F, a, b);
    for (int iter = 0; gs == GSL_SUCCESS && iter < 200; iter++) {
        gs = gsl_root_fsolver_iterate(s);
        if (gs != GSL_SUCCESS) {
            break;
        }
        double lo = gsl_root_fsolver_x_lower(s);
        double hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 0.0, PROFILE_EPSREL)
            == GSL_SUCCESS) {
            break;
        }
    }
    *root = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    if (c->status != VC_OK) {
        return c->status;
    }
    if (gs != GSL_SUCCESS) {
        return vc_error_set(c->err, VC_ENUMERIC, "profile interval: %s",
                            gsl_strerror(gs));
    }
    return VC_OK;
}

int vc_loglin_profile_ci(const vc_table *t, const vc_loglin_model *m,
                         double level, double N_max, double *lower,
                         double *upper, unsigned *flags,
                         vc_loglin_workspace *w, vc_error *err)
{
    if (vc_level_check(level, err) != VC_OK) {
        return VC_EINVAL;
    }
    vc_loglin_result *res = malloc(sizeof *res);
    double *y = malloc(w->ncell_all * sizeof *y);
    if (res == NULL || y == NULL) {
        free(res);
        free(y);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate a profile");
    }
    int status = vc_loglin_fit(t, m, NULL, NULL, res, NULL, w, err);
    if (status != VC_OK) {
        free(res);
        free(y);
        return status;
    }
    double n = (double)t->n;
    double n0_hat = res->n0;
    if (N_max <= 0.0) {
        N_max = VC_LOGLIN_PROFILE_NMAX_FACTOR * res->N;
    }
    if (!(N_max > res->N)) {
        double N_hat = res->N;
        free(res);
        free(y);
        return vc_error_set(err, VC_EINVAL,
                            "profile interval: the search limit %g is not "
                            "above the estimate %g", N_max, N_hat);
    }
    memcpy(y, w->y, w->ncell_all * sizeof *y);
    profile_ctx c = { y, n, m, w, res, 1, 0.0, VC_OK, err };
    *flags = 0;

    /* Maximum of l: golden section on [0, 2 n0_hat + 1], which holds the
     * incomplete-table MLE n0_hat well inside. */
    const double g = 0.5 * (sqrt(5.0) - 1.0);
    double a = 0.0;
    double b = 2.0 * n0_hat + 1.0;
    double x1 = b - g * (b - a);
    double x2 = a + g * (b - a);
    double f1 = profile_loglik(x1, &c);
    double f2 = profile_loglik(x2, &c);
    for (int i = 0; i < PROFILE_GOLDEN_STEPS && c.status == VC_OK; i++) {
        if (f1 > f2) {
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = profile_loglik(x1, &c);
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = profile_loglik(x2, &c);
        }
    }
    double n0_max = f1 > f2 ? x1 : x2;
    double l_max = f1 > f2 ? f1 : f2;
    c.target = l_max - 0.5 * gsl_cdf_chisq_Pinv(level, 1.0);

    /* Lower end. */
    if (c.status == VC_OK) {
        double l0 = profile_loglik(0.0, &c);
        if (c.status == VC_OK && l0 >= c.target) {
            *lower = n;
        } else if (c.status == VC_OK) {
            double root;
            status = solve(&c, 0.0, n0_max, &root);
            *lower = n + root;
        }
    }
    /* Upper end: double n0 until l falls below the cut or N_max is
     * reached. */
    if (c.status == VC_OK && status == VC_OK) {
        double lo = n0_max;
        double hi = n0_max;
        int found = 0;
        while (c.status == VC_OK) {
            hi = 2.0 * hi + 1.0;
            if (n + hi >= N_max) {
                hi = N_max - n;
            }
            double l = profile_loglik(hi, &c);
            if (c.status != VC_OK) {
                break;
            }
            if (l < c.target) {
                found = 1;
                break;
            }
            if (n + hi >= N_max) {
                break;
            }
            lo = hi;
        }
        if (c.status == VC_OK && found) {
            double root;
            status = solve(&c, lo, hi, &root);
            *upper = n + root;
        } else if (c.status == VC_OK) {
            *upper = N_max;
            *flags |= VC_FLAG_UPPER_OPEN;
        }
    }
    if (status == VC_OK) {
        status = c.status;
    }
    free(res);
    free(y);
    return status;
}
