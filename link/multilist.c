/*
 * multilist.c: the log-linear estimate from J >= 2 linked lists,
 * corrected for linkage error in the manner of Di Consiglio & Tuoto
 * (2018), "Population size estimation and linkage errors: the multiple
 * lists case", Journal of Official Statistics 34(4):889-908.
 *
 * Their idea, generalising Ding & Fienberg (1994) from two lists to many:
 * under homogeneous linkage-error probabilities the observed table of
 * capture patterns is, in expectation, a linear map of the true one,
 *     E[x~] = B y,                                             (DCT 2018)
 * with b(w', w) the expected number of observed units of pattern w' that
 * one person of true pattern w gives, and the log-linear model is fitted
 * to x~ with means B mu(theta) instead of mu(theta): a composite link
 * model (Thompson & Baker 1981, Applied Statistics 30:125), fitted here
 * by Fisher scoring on the Poisson likelihood.  Only the abstract of the
 * 2018 paper could be read while this was written; the matrix B below is
 * derived here for the linker of match.c (pairwise Dice links, clusters
 * joined transitively, one record per list), under the paper's stated
 * hypothesis of homogeneous error probabilities.  The derivation:
 *
 * Legend: J lists; masks S, C, D over {0 .. J-1} (capture patterns);
 * alpha[a][b] the probability that the link between the records of one
 * person on lists a and b is found (1 - missed-match rate); beta[a][b],
 * a < b, the probability that a record of list b whose person is not on
 * list a is falsely linked to a record of list a (Ding & Fienberg's
 * beta, so that their two-list E[m] = alpha M + beta (n2 - M) is the
 * case J = 2); x~ observed counts, y true counts, mu their means.
 *
 * (1) Missed links.  A person of pattern S has one record on each list
 * of S; each of the |S|(|S| - 1)/2 links between them is found
 * independently with probability alpha, and the clustering joins found
 * links transitively, so the person is observed as the connected
 * components of a random graph on S.  C (a subset of S) is one component
 * exactly when C is connected and no link from C to S \ C was found:
 *     P(C is a component | S) = conn(C) cut(C, S \ C),             (1a)
 *     cut(U, W) = prod_{u in U, w in W} (1 - alpha[u][w]),
 *     conn(T) = 1 - sum_{U < T, r in U} conn(U) cut(U, T \ U),      (1b)
 * r the lowest list of T (U runs over the proper subsets holding r: the
 * component of r is U), conn of a single list 1.  So b(C, S) = (1a).
 *
 * (2) False links, to first order in beta (false links rare enough that
 * two never meet one cluster).  For lists a < b, each record of list b
 * whose person is not on list a is falsely linked with probability
 * beta[a][b], which gives E[false links] = beta[a][b] sum_{S: b in S,
 * a not in S} y_S, Ding & Fienberg's term.  The record sits in
 * component C of its person (b in C, with probability (1a)); its partner
 * is a cluster D holding list a and not list b, disjoint from C (one
 * record per list), drawn in proportion to the observed counts x~_D
 * (a plug-in: the partner's pattern is what the table shows).  The false
 * link replaces C and D by C | D:
 *     b(C, S) -= beta P(C|S);  b(D, S) -= beta P(C|S) q(D|C);
 *     b(C | D, S) += beta P(C|S) q(D|C),   q(D|C) = x~_D / sum x~_D'.
 *
 * Unseen people stay unseen (B has no column for the empty pattern); N =
 * sum over all patterns, the empty one included, of mu.  With alpha = 1
 * and beta = 0, B is the identity and the fit is the ordinary Poisson
 * log-linear estimate, which is also returned for comparison.
 *
 * Model: independence of the lists (main effects only).  The variance is
 * Var(N^) = g' I^-1 g - N^ (the Poisson model's variance less the
 * Poisson variance of N itself, which gives the multinomial variance of
 * the conditional estimate; Cormack & Jupp 1991, Biometrika 78:145),
 * g = dN/dtheta, I the Fisher information of the composite link model;
 * alpha and beta are taken as known, so the interval of the corrected
 * estimate is too narrow by their uncertainty.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "link/link_impl.h"

#define MSE_MAX_ITER 200
#define MSE_TOL 1e-10

/* cut(U, W) of (1a): no link found between U and W. */
static double cut(const double *alpha, size_t J, uint32_t U, uint32_t W)
{
    double p = 1.0;
    for (size_t u = 0; u < J; u++) {
        if (!(U >> u & 1u)) {
            continue;
        }
        for (size_t w = 0; w < J; w++) {
            if (W >> w & 1u) {
                p *= 1.0 - alpha[u < w ? u * J + w : w * J + u];
            }
        }
    }
    return p;
}

/* conn[T] of (1b) for every mask T of J lists. */
static void connected(const double *alpha, size_t J, double *conn)
{
    size_t ncell = (size_t)1 << J;
    conn[0] = 0.0;
    for (uint32_t T = 1; T < ncell; T++) {
        uint32_t r = T & (~T + 1u); /* lowest list of T */
        if (T == r) {
            conn[T] = 1.0;
            continue;
        }
        double s = 0.0;
        /* proper submasks U of T holding r: r | submasks of T \ r */
        uint32_t rest = T & ~r;
        for (uint32_t V = (rest - 1u) & rest;; V = (V - 1u) & rest) {
            uint32_t U = r | V;
            s += conn[U] * cut(alpha, J, U, T & ~U);
            if (V == 0) {
                break;
            }
        }
        conn[T] = 1.0 - s;
    }
}

int vc_link_dct_matrix(size_t J, const double *x, const double *alpha,
                       const double *beta, double *B, vc_error *err)
{
    if (J < 2 || J > VC_LINK_DCT_MAX_LISTS || x == NULL || alpha == NULL
        || beta == NULL || B == NULL) {
        return vc_error_set(err, VC_EINVAL,
                            "the linkage-error correction takes 2 to %d "
                            "lists",
                            VC_LINK_DCT_MAX_LISTS);
    }
    for (size_t a = 0; a < J; a++) {
        for (size_t b = a + 1; b < J; b++) {
            double al = alpha[a * J + b], be = beta[a * J + b];
            if (!(al > 0.0 && al <= 1.0 && be >= 0.0 && be < 1.0)) {
                return vc_error_set(err, VC_EDATA,
                                    "linkage-error correction: lists %zu and "
                                    "%zu have alpha %.4g and beta %.4g; it "
                                    "needs 0 < alpha <= 1 and 0 <= beta < 1",
                                    a + 1, b + 1, al, be);
            }
        }
    }
    size_t ncell = (size_t)1 << J, m = ncell - 1;
    double *conn = malloc(ncell * sizeof *conn);
    if (conn == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    connected(alpha, J, conn);
    memset(B, 0, m * m * sizeof *B);
    /* B[(C - 1) * m + (S - 1)] = b(C, S) */
    for (uint32_t S = 1; S < ncell; S++) {
        /* (1): the components of S */
        for (uint32_t C = S;; C = (C - 1u) & S) {
            if (C == 0) {
                break;
            }
            B[(C - 1) * m + (S - 1)] += conn[C] * cut(alpha, J, C, S & ~C);
        }
        /* (2): false links of list b's record to a cluster holding a */
        for (size_t a = 0; a < J; a++) {
            for (size_t b = a + 1; b < J; b++) {
                double be = beta[a * J + b];
                if (be == 0.0 || !(S >> b & 1u) || (S >> a & 1u)) {
                    continue;
                }
                for (uint32_t C = S; C != 0; C = (C - 1u) & S) {
                    if (!(C >> b & 1u)) {
                        continue;
                    }
                    double pc = conn[C] * cut(alpha, J, C, S & ~C);
                    /* partners: D holding a, not b, disjoint from C */
                    uint32_t room = (uint32_t)(m & ~C) & ~(1u << b);
                    double w = 0.0;
                    for (uint32_t D = room; D != 0; D = (D - 1u) & room) {
                        if (D >> a & 1u) {
                            w += x[D];
                        }
                    }
                    if (w <= 0.0) {
                        continue;
                    }
                    double rate = be * pc;
                    B[(C - 1) * m + (S - 1)] -= rate;
                    for (uint32_t D = room; D != 0; D = (D - 1u) & room) {
                        if (!(D >> a & 1u) || x[D] <= 0.0) {
                            continue;
                        }
                        double q = x[D] / w;
                        B[(D - 1) * m + (S - 1)] -= rate * q;
                        B[((C | D) - 1) * m + (S - 1)] += rate * q;
                    }
                }
            }
        }
    }
    free(conn);
    return VC_OK;
}

/* The means mu (all ncell patterns, the empty one first) of theta under
 * independence: log mu_S = theta_0 + sum_{j in S} theta_j. */
static void means(const double *theta, size_t J, double *mu)
{
    size_t ncell = (size_t)1 << J;
    for (size_t S = 0; S < ncell; S++) {
        double eta = theta[0];
        for (size_t j = 0; j < J; j++) {
            eta += (S >> j & 1u) ? theta[1 + j] : 0.0;
        }
        mu[S] = exp(eta);
    }
}

/* lambda = B mu over the observed patterns (B NULL: the identity);
 * returns the Poisson log-likelihood sum x log lambda - lambda, or -inf
 * when a lambda is not positive. */
static double expected(const double *B, const double *x, const double *mu,
                       size_t m, double *lambda)
{
    double ll = 0.0;
    for (size_t c = 0; c < m; c++) {
        double l = 0.0;
        if (B == NULL) {
            l = mu[c + 1];
        } else {
            for (size_t s = 0; s < m; s++) {
                l += B[c * m + s] * mu[s + 1];
            }
        }
        lambda[c] = l;
        if (!(l > 0.0) || !isfinite(l)) {
            return -INFINITY;
        }
        ll += (x[c + 1] > 0.0 ? x[c + 1] * log(l) : 0.0) - l;
    }
    return ll;
}

/* The Fisher information I (p x p) and the score U at mu, lambda. */
static void information(const double *B, const double *x, const double *mu,
                        const double *lambda, size_t J, double *I, double *U,
                        double *d)
{
    size_t m = ((size_t)1 << J) - 1, p = J + 1;
    memset(I, 0, p * p * sizeof *I);
    memset(U, 0, p * sizeof *U);
    for (size_t c = 0; c < m; c++) {
        /* d = dlambda_c / dtheta = sum_S b(c, S) mu_S X_S */
        memset(d, 0, p * sizeof *d);
        for (size_t s = 0; s < m; s++) {
            double w = B == NULL ? (s == c ? mu[s + 1] : 0.0)
                                 : B[c * m + s] * mu[s + 1];
            if (w == 0.0) {
                continue;
            }
            d[0] += w;
            for (size_t j = 0; j < J; j++) {
                d[1 + j] += ((s + 1) >> j & 1u) ? w : 0.0;
            }
        }
        double r = x[c + 1] / lambda[c] - 1.0;
        for (size_t u = 0; u < p; u++) {
            U[u] += d[u] * r;
            for (size_t v = 0; v < p; v++) {
                I[u * p + v] += d[u] * d[v] / lambda[c];
            }
        }
    }
}

int vc_link_mse_fit(size_t J, const double *x, const double *B,
                    vc_link_mse *out, vc_error *err)
{
    memset(out, 0, sizeof *out);
    out->N = NAN;
    if (J < 2 || J > VC_LINK_DCT_MAX_LISTS || x == NULL) {
        return vc_error_set(err, VC_EINVAL,
                            "the log-linear fit takes 2 to %d lists",
                            VC_LINK_DCT_MAX_LISTS);
    }
    size_t ncell = (size_t)1 << J, m = ncell - 1, p = J + 1;
    double n = 0.0;
    for (size_t S = 1; S < ncell; S++) {
        if (!(x[S] >= 0.0)) {
            return vc_error_set(err, VC_EINVAL, "a negative count");
        }
        n += x[S];
    }
    for (size_t j = 0; j < J; j++) {
        double nj = 0.0, rest = 0.0;
        for (size_t S = 1; S < ncell; S++) {
            nj += (S >> j & 1u) ? x[S] : 0.0;
            rest += (S >> j & 1u) ? 0.0 : x[S];
        }
        if (nj <= 0.0 || rest <= 0.0) {
            return vc_error_set(err, VC_EDATA,
                                "list %zu: %s; the independence model has no "
                                "finite estimate",
                                j + 1,
                                nj <= 0.0 ? "no one on it"
                                          : "everyone observed is on it");
        }
    }
    size_t work = 2 * ncell + m + 2 * p * p + 4 * p;
    double *buf = malloc(work * sizeof *buf);
    if (buf == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    double *mu = buf, *mu_try = mu + ncell, *lambda = mu_try + ncell;
    double *I = lambda + m, *Icopy = I + p * p, *U = Icopy + p * p;
    double *theta = U + p, *step = theta + p, *d = step + p;
    /* start: each list catches its share of the observed, the unseen as
     * many as one list's singletons would suggest */
    memset(theta, 0, p * sizeof *theta);
    theta[0] = log(n / (double)m);
    int rc = VC_OK;
    means(theta, J, mu);
    double ll = expected(B, x, mu, m, lambda);
    if (!isfinite(ll)) {
        free(buf);
        return vc_error_set(err, VC_EDATA,
                            "linkage-error correction: expected counts not "
                            "positive (false-match rates too high for it)");
    }
    int it = 0, converged = 0;
    for (; it < MSE_MAX_ITER && !converged; it++) {
        information(B, x, mu, lambda, J, I, U, d);
        memcpy(Icopy, I, p * p * sizeof *I);
        gsl_matrix_view Iv = gsl_matrix_view_array(Icopy, p, p);
        gsl_vector_view Uv = gsl_vector_view_array(U, p);
        gsl_vector_view sv = gsl_vector_view_array(step, p);
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        int gs = gsl_linalg_cholesky_decomp1(&Iv.matrix);
        if (gs == 0) {
            gs = gsl_linalg_cholesky_solve(&Iv.matrix, &Uv.vector, &sv.vector);
        }
        gsl_set_error_handler(old);
        if (gs != 0) {
            rc = vc_error_set(err, VC_EDATA,
                              "log-linear fit: singular information matrix");
            break;
        }
        /* step halving on the likelihood: Fisher scoring need not climb
         * far from the maximum */
        double h = 1.0, ll_try = -INFINITY;
        double *theta_try = d; /* d is free until the next information() */
        for (int k = 0; k < 40; k++, h *= 0.5) {
            for (size_t u = 0; u < p; u++) {
                theta_try[u] = theta[u] + h * step[u];
            }
            means(theta_try, J, mu_try);
            ll_try = expected(B, x, mu_try, m, lambda);
            if (isfinite(ll_try) && ll_try >= ll - 1e-12 * fabs(ll)) {
                break;
            }
        }
        if (!isfinite(ll_try)) {
            rc = vc_error_set(err, VC_EDATA,
                              "linkage-error correction: expected counts not "
                              "positive along the fit");
            break;
        }
        double dmax = 0.0;
        for (size_t u = 0; u < p; u++) {
            dmax = fmax(dmax, fabs(h * step[u]));
            theta[u] = theta_try[u];
        }
        memcpy(mu, mu_try, ncell * sizeof *mu);
        converged = dmax < 1e-9 || fabs(ll_try - ll) < MSE_TOL * (1 + fabs(ll));
        ll = ll_try;
    }
    if (rc == VC_OK && !converged) {
        rc = vc_error_set(err, VC_EDATA,
                          "log-linear fit: no convergence in %d iterations",
                          MSE_MAX_ITER);
    }
    if (rc == VC_OK) {
        /* the information at the maximum, inverted, for the variance */
        (void)expected(B, x, mu, m, lambda);
        information(B, x, mu, lambda, J, I, U, d);
        double N = 0.0;
        memset(step, 0, p * sizeof *step); /* g = dN/dtheta */
        for (size_t S = 0; S < ncell; S++) {
            N += mu[S];
            step[0] += mu[S];
            for (size_t j = 0; j < J; j++) {
                step[1 + j] += (S >> j & 1u) ? mu[S] : 0.0;
            }
        }
        gsl_matrix_view Iv = gsl_matrix_view_array(I, p, p);
        gsl_vector_view gv = gsl_vector_view_array(step, p);
        gsl_vector_view sv = gsl_vector_view_array(U, p);
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        int gs = gsl_linalg_cholesky_decomp1(&Iv.matrix);
        if (gs == 0) {
            gs = gsl_linalg_cholesky_solve(&Iv.matrix, &gv.vector, &sv.vector);
        }
        gsl_set_error_handler(old);
        double var = 0.0;
        for (size_t u = 0; u < p && gs == 0; u++) {
            var += step[u] * U[u];
        }
        var -= N;
        if (gs != 0 || !isfinite(N) || !(var >= 0.0)) {
            rc = vc_error_set(err, VC_EDATA,
                              "log-linear fit: no finite variance");
        } else {
            out->N = N;
            out->unseen = mu[0];
            out->se = sqrt(var);
            out->lo = N - 1.959963984540054 * out->se;
            out->hi = N + 1.959963984540054 * out->se;
            out->iterations = it;
            out->loglik = ll;
        }
    }
    free(buf);
    return rc;
}

int vc_link_dct_fit(const vc_link_result *r, vc_link_dct *d, vc_error *err)
{
    d->uncorrected.N = d->corrected.N = NAN;
    size_t J = r->J;
    if (J < 2 || J > VC_LINK_DCT_MAX_LISTS) {
        return vc_error_set(err, VC_EINVAL,
                            "the linkage-error correction takes 2 to %d "
                            "lists, not %zu",
                            VC_LINK_DCT_MAX_LISTS, J);
    }
    d->J = J;
    size_t ncell = (size_t)1 << J, m = ncell - 1;
    double *x = calloc(ncell, sizeof *x);
    double *B = malloc(m * m * sizeof *B);
    if (x == NULL || B == NULL) {
        free(x);
        free(B);
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    /* the strata's tables added: the correction is for all together */
    for (size_t i = 0; i < r->ntables; i++) {
        const vc_table *t = r->tables[i];
        for (size_t p = 0; p < t->npat; p++) {
            x[t->pattern[p]] += (double)t->count[p];
        }
    }
    int rc = vc_link_mse_fit(J, x, NULL, &d->uncorrected, err);
    if (rc == VC_OK) {
        rc = vc_link_dct_matrix(J, x, d->alpha, d->beta, B, err);
    }
    if (rc == VC_OK) {
        rc = vc_link_mse_fit(J, x, B, &d->corrected, err);
    }
    free(x);
    free(B);
    return rc;
}

int vc_link_dct_estimate(const vc_link_result *r, const size_t *records,
                         double threshold, vc_link_dct *out, vc_error *err)
{
    memset(out, 0, sizeof *out);
    out->uncorrected.N = out->corrected.N = NAN;
    size_t J = r->J;
    if (J < 2 || J > VC_LINK_DCT_MAX_LISTS || r->hist == NULL) {
        return vc_error_set(err, VC_EINVAL,
                            "the linkage-error correction takes 2 to %d "
                            "lists and the score histogram",
                            VC_LINK_DCT_MAX_LISTS);
    }
    double floor = r->hist_floor > VC_LINK_ERR_FLOOR ? r->hist_floor
                                                     : VC_LINK_ERR_FLOOR;
    for (size_t a = 0; a < J; a++) {
        for (size_t b = a + 1; b < J; b++) {
            vc_link_errors le;
            vc_error e;
            vc_error_clear(&e);
            if (r->agree_fields > 0) {
                /* field-scored: the Fellegi-Sunter model (linkerr.c) */
                vc_link_fs fs;
                if (vc_link_fs_fit(r, a, b, &fs, &e) != VC_OK) {
                    return vc_error_set(err, VC_EDATA,
                                        "lists %zu and %zu: the "
                                        "Fellegi-Sunter model: %s",
                                        a + 1, b + 1, e.msg);
                }
                vc_link_fs_errors(&fs, r, a, b, &le);
            } else {
                const uint64_t *h = r->hist + (a * J + b) * VC_LINK_HIST;
                vc_link_mixture mix;
                if (vc_link_mixture_fit(h, VC_LINK_HIST, floor, &mix, &e)
                    != VC_OK) {
                    return vc_error_set(err, VC_EDATA,
                                        "lists %zu and %zu: the similarity "
                                        "mixture: %s",
                                        a + 1, b + 1, e.msg);
                }
                vc_link_mixture_errors(&mix, h, VC_LINK_HIST, threshold,
                                       r->pair_candidates[a * J + b],
                                       r->pair_matches[a * J + b], &le);
            }
            if (vc_link_errors_check(&le, (double)records[a],
                                     (double)records[b], &e) != VC_OK) {
                return vc_error_set(err, VC_EDATA, "lists %zu and %zu: %s",
                                    a + 1, b + 1, e.msg);
            }
            vc_link_error_probs(&le, (double)records[b],
                                &out->alpha[a * J + b], &out->beta[a * J + b]);
        }
    }
    return vc_link_dct_fit(r, out, err);
}
