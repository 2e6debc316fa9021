/*
 * independence.c: the independence log-linear model over all J lists.
 *
 * Model (Fienberg 1972, Biometrika 59:591-603): the expected count of
 * capture pattern x in {0,1}^J is
 *     mu_x = exp(u + sum_j u_j x_j),
 * fitted by Poisson maximum likelihood to the 2^J - 1 observable cells; the
 * unseen cell is mu_0 = exp(u) and N = n + exp(u).  Lists are independent
 * and everybody on a list has the same chance of being on it.
 *
 * The likelihood equations fix the fitted total to n and each list's
 * fitted total to its observed total n_j.  Writing p_j = e^{u_j} /
 * (1 + e^{u_j}) for list j's capture probability and N = exp(u) prod (1 +
 * e^{u_j}), they become n_j = N p_j and n = N (1 - prod_j (1 - p_j)): the
 * MLE of N solves
 *     g(N) = N (1 - prod_j (1 - n_j / N)) - n = 0        (Darroch 1958,
 * Biometrika 45:343, for the multinomial form), a single equation
 * that costs O(J) per evaluation, so no 2^J table is ever built.  g rises
 * from g(n) <= 0 towards sum_j n_j - n as N grows: a finite root exists if
 * and only if someone is on two lists (sum_j n_j > n).  For J = 2 the root
 * is Lincoln-Petersen's n1 n2 / m.
 *
 * Standard error: Fisher information of the Poisson model in (u, u_1..u_J)
 * has closed-form entries, I_00 = n, I_0j = I_jj = n_j, I_jk = N p_j p_k
 * (j != k), so var(u) = [I^-1]_00 and
 *     var(N-hat) = mu_0^2 var(u) + mu_0,
 * the delta-method variance of exp(u) plus the Poisson variance of the unseen
 * count itself (Cormack 1989, Biometrics 45:395; for J = 2 this is exactly
 * the Lincoln-Petersen variance).
 */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "estimators/vc_estimators.h"

/* Relative tolerance on N for the root of g: far below any figure printed,
 * and well within what doubles resolve for N up to 10^12. */
#define ROOT_EPSREL 1e-14
#define ROOT_MAX_ITER 500

static double g_of(double N, const double *nj, size_t J, double n)
{
    /* 1 - prod(1 - n_j/N) by summing logs, accurate when N >> n_j. */
    double log_miss = 0.0;
    for (size_t j = 0; j < J; j++) {
        log_miss += log1p(-nj[j] / N);
    }
    return -N * expm1(log_miss) - n;
}

int vc_independence_estimate(const vc_table *t, double level,
                             vc_interval_kind kind, vc_estimate *out,
                             vc_error *err)
{
    if (vc_level_check(level, err) != VC_OK) {
        return VC_EINVAL;
    }
    size_t J = t->J;
    double n = (double)t->n;
    double *nj = malloc(J * sizeof *nj);
    if (nj == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate list totals");
    }
    double sum = 0.0;
    int status = VC_OK;
    for (size_t j = 0; j < J && status == VC_OK; j++) {
        nj[j] = (double)vc_table_list_total(t, j);
        sum += nj[j];
        if (nj[j] == 0.0) {
            status = vc_error_set(err, VC_ENOMLE,
                                  "list \"%s\" saw nobody: the independence "
                                  "model has no MLE", t->names[j]);
        }
    }
    if (status == VC_OK && !(sum > n)) {
        status = vc_error_set(err, VC_ENOMLE,
                              "no one is on more than one list: the lists do "
                              "not overlap, so the independence model has no "
                              "finite estimate");
    }
    if (status != VC_OK) {
        free(nj);
        return status;
    }

    vc_estimate_init(out, "independence", t->n);
    out->has_se = 1;

    /* A list that saw everybody leaves nobody unseen: N = n exactly. */
    double nmax = 0.0;
    for (size_t j = 0; j < J; j++) {
        nmax = nj[j] > nmax ? nj[j] : nmax;
    }
    if (nmax >= n) {
        free(nj);
        out->estimate = n;
        out->se = 0.0;
        vc_interval_fill(n, 0.0, t->n, level, kind, out);
        return VC_OK;
    }

    /* Bracket the root: g(n) < 0; double N until g > 0.  g's limit is
     * sum - n > 0, so this ends, at worst when N overflows. */
    double lo = n, hi = 2.0 * n;
    while (g_of(hi, nj, J, n) <= 0.0) {
        lo = hi;
        hi *= 2.0;
        if (!isfinite(hi) || hi > 1e300) {
            free(nj);
            return vc_error_set(err, VC_ENOMLE,
                                "the lists barely overlap: the independence "
                                "estimate is unbounded");
        }
    }
    /* Bisection on a monotone function: slow but certain, and J is small. */
    double N = hi;
    for (int it = 0; it < ROOT_MAX_ITER; it++) {
        N = 0.5 * (lo + hi);
        if (g_of(N, nj, J, n) > 0.0) {
            hi = N;
        } else {
            lo = N;
        }
        if (hi - lo <= ROOT_EPSREL * hi) {
            break;
        }
    }
    N = 0.5 * (lo + hi);
    double mu0 = N;
    for (size_t j = 0; j < J; j++) {
        mu0 *= 1.0 - nj[j] / N;
    }

    /* Fisher information in (u, u_1, ..., u_J), inverted by Cholesky. */
    size_t P = J + 1;
    gsl_matrix *I = gsl_matrix_alloc(P, P);
    if (I == NULL) {
        free(nj);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate information");
    }
    gsl_matrix_set(I, 0, 0, n);
    for (size_t j = 0; j < J; j++) {
        gsl_matrix_set(I, 0, j + 1, nj[j]);
        gsl_matrix_set(I, j + 1, 0, nj[j]);
        for (size_t k = 0; k < J; k++) {
            double v = (j == k) ? nj[j] : nj[j] * nj[k] / N;
            gsl_matrix_set(I, j + 1, k + 1, v);
        }
    }
    int gs = gsl_linalg_cholesky_decomp1(I);
    if (gs == GSL_SUCCESS) {
        gs = gsl_linalg_cholesky_invert(I);
    }
    double var_u = (gs == GSL_SUCCESS) ? gsl_matrix_get(I, 0, 0) : NAN;
    gsl_matrix_free(I);
    free(nj);
    if (gs != GSL_SUCCESS || !(var_u >= 0.0)) {
        return vc_error_set(err, VC_ENUMERIC,
                            "independence model: information matrix not "
                            "invertible (%s)", gsl_strerror(gs));
    }
    out->estimate = N;
    out->se = sqrt(mu0 * mu0 * var_u + mu0);
    vc_interval_fill(N, out->se, t->n, level, kind, out);
    return VC_OK;
}
