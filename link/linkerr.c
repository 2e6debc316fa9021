/*
 * linkerr.c: linkage error estimated from the distribution of Dice
 * scores, and the two-list estimate corrected for it.
 *
 * The scores of candidate pairs are a mixture of true matches (Dice near
 * 1) and non-matches (lower); Belin & Rubin (1995, JASA 90:694) fit such
 * a two-component mixture to record-linkage weights to estimate the
 * false-match rate at a cut-off.  We fit Beta components, each truncated
 * to the window [floor, 1] that the linker keeps (pairs below the floor
 * are never scored), by EM on a histogram of counts: the histogram is
 * all we keep, so no score leaves the library.  Ding & Fienberg (1994)
 * then correct the Petersen estimate for the estimated errors.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multimin.h>

#include "link/link_impl.h"

#define MIX_MAX_ITER 500
#define MIX_TOL 1e-9

/* Beta parameters with the given mean and variance (method of moments),
 * the variance kept below mean (1 - mean) and above a tenth of a bin. */
static void beta_moments(double mean, double var, double binw, double *a,
                         double *b)
{
    double mmax = mean * (1.0 - mean);
    double vmin = binw * binw / 12.0;
    var = var < vmin ? vmin : var;
    var = var > 0.99 * mmax ? 0.99 * mmax : var;
    double c = mmax / var - 1.0;
    *a = mean * c;
    *b = (1.0 - mean) * c;
}

/* P(lo <= X < hi) for X ~ Beta(a, b). */
static double beta_mass(double a, double b, double lo, double hi)
{
    double p = gsl_cdf_beta_P(hi, a, b) - gsl_cdf_beta_P(lo, a, b);
    return p > 0.0 ? p : 0.0;
}

/* Each component's probability of each bin k0 .. kend-1 (of nbins over
 * [0, 1]), normalised over them: the truncated, discretised density. */
static void bin_probs(double a, double b, size_t k0, size_t kend,
                      size_t nbins, double *p)
{
    double tot = 0.0;
    for (size_t k = k0; k < kend; k++) {
        p[k] = beta_mass(a, b, (double)k / nbins, (double)(k + 1) / nbins);
        tot += p[k];
    }
    for (size_t k = k0; k < kend; k++) {
        p[k] = tot > 0.0 ? p[k] / tot : 1.0 / (double)(kend - k0);
    }
}

/* The M-step of one component: weights w[k] on the window's bins k0 ..
 * nbins-1; maximise sum_k w[k] log p_k(a, b), p the truncated,
 * discretised Beta, over (log a, log b) by Nelder-Mead from the moment
 * estimate in *a, *b (the moments of truncated data are biased; this
 * is the maximum-likelihood step the truncation needs). */
typedef struct {
    const double *w;
    size_t k0, kend, nbins;
    double *p;
} mstep_data;

static double mstep_f(const gsl_vector *x, void *params)
{
    const mstep_data *d = params;
    double a = exp(gsl_vector_get(x, 0)), b = exp(gsl_vector_get(x, 1));
    if (!(a > 1e-3 && a < 1e5 && b > 1e-3 && b < 1e5)) {
        return HUGE_VAL;
    }
    bin_probs(a, b, d->k0, d->kend, d->nbins, d->p);
    double ll = 0.0;
    for (size_t k = d->k0; k < d->kend; k++) {
        if (d->w[k] > 0.0) {
            ll += d->w[k] * log(d->p[k] > 1e-300 ? d->p[k] : 1e-300);
        }
    }
    return -ll;
}

static void mstep(const double *w, size_t k0, size_t nbins, double *scratch,
                  double *a, double *b)
{
    mstep_data d = {w, k0, nbins - 1, nbins, scratch};
    gsl_multimin_function f = {mstep_f, 2, &d};
    gsl_vector *x = gsl_vector_alloc(2);
    gsl_vector *step = gsl_vector_alloc(2);
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, 2);
    if (x == NULL || step == NULL || s == NULL) {
        goto done; /* keep the moment estimate */
    }
    gsl_vector_set(x, 0, log(*a));
    gsl_vector_set(x, 1, log(*b));
    gsl_vector_set_all(step, 0.3);
    if (gsl_multimin_fminimizer_set(s, &f, x, step) != GSL_SUCCESS) {
        goto done;
    }
    for (int it = 0; it < 300; it++) {
        if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS
            || gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-5)
                   == GSL_SUCCESS) {
            break;
        }
    }
    if (isfinite(s->fval)) {
        *a = exp(gsl_vector_get(s->x, 0));
        *b = exp(gsl_vector_get(s->x, 1));
    }
done:
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(x);
    gsl_vector_free(step);
}

/* The first bin wholly at or above x. */
static size_t bin_at(double x, size_t nbins)
{
    double k = ceil(x * (double)nbins - 1e-9);
    return k < 0.0 ? 0 : k > (double)nbins ? nbins : (size_t)k;
}

/* EM from one start: the pairs above lo + frac (1 - lo) taken as
 * matches. */
static int fit_from(const uint64_t *hist, size_t nbins, double floor,
                    double frac, vc_link_mixture *m, vc_error *err)
{
    memset(m, 0, sizeof *m);
    size_t k0 = bin_at(floor, nbins);
    double n = 0.0;
    size_t occupied = 0;
    for (size_t k = k0; k + 1 < nbins; k++) {
        n += (double)hist[k];
        occupied += hist[k] > 0;
    }
    /* the top bin holds Dice 1, the exact agreements: a point mass of
     * matches no Beta density has, so its pairs are matches outright and
     * the Betas are fitted below it */
    double top = nbins > 0 ? (double)hist[nbins - 1] : 0.0;
    if (nbins < 10 || n < 20.0 || occupied < 3) {
        return vc_error_set(err, VC_EDATA,
                            "linkage-error model: %.0f pairs in %zu occupied "
                            "bins; at least 20 in 3 needed",
                            n, occupied);
    }
    double binw = 1.0 / (double)nbins;
    double *p1 = calloc(5 * nbins, sizeof *p1);
    if (p1 == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    double *p0 = p1 + nbins;
    double *wt1 = p0 + nbins, *wt0 = wt1 + nbins, *scratch = wt0 + nbins;
    /* start: the upper quarter of the occupied window are matches */
    double lo = (double)k0 * binw;
    double split = lo + frac * (1.0 - lo);
    double w1 = 0, s1 = 0, q1 = 0, w0 = 0, s0 = 0, q0 = 0;
    for (size_t k = k0; k + 1 < nbins; k++) {
        double x = ((double)k + 0.5) * binw;
        double c = (double)hist[k];
        if (x >= split) {
            w1 += c, s1 += c * x, q1 += c * x * x;
        } else {
            w0 += c, s0 += c * x, q0 += c * x * x;
        }
    }
    if (w1 == 0.0 || w0 == 0.0) {
        /* all on one side: split at the median bin instead */
        w1 = s1 = q1 = w0 = s0 = q0 = 0;
        double half = 0.0;
        for (size_t k = k0; k + 1 < nbins; k++) {
            double x = ((double)k + 0.5) * binw;
            double c = (double)hist[k];
            if (half < n / 2) {
                w0 += c, s0 += c * x, q0 += c * x * x;
            } else {
                w1 += c, s1 += c * x, q1 += c * x * x;
            }
            half += c;
        }
    }
    double pi = w1 / n;
    double mean1 = s1 / w1, mean0 = s0 / w0;
    beta_moments(mean1, q1 / w1 - mean1 * mean1, binw, &m->a1, &m->b1);
    beta_moments(mean0, q0 / w0 - mean0 * mean0, binw, &m->a0, &m->b0);
    double ll_old = -HUGE_VAL;
    int it;
    for (it = 1; it <= MIX_MAX_ITER; it++) {
        bin_probs(m->a1, m->b1, k0, nbins - 1, nbins, p1);
        bin_probs(m->a0, m->b0, k0, nbins - 1, nbins, p0);
        double ll = 0.0;
        w1 = s1 = q1 = w0 = s0 = q0 = 0;
        for (size_t k = k0; k + 1 < nbins; k++) {
            double c = (double)hist[k];
            double f1 = pi * p1[k], f0 = (1.0 - pi) * p0[k];
            double f = f1 + f0;
            if (c == 0.0) {
                wt1[k] = wt0[k] = 0.0;
                continue;
            }
            double r1 = f > 0.0 ? f1 / f : (k + 0.5) * binw >= split;
            ll += c * log(f > 1e-300 ? f : 1e-300);
            double x = ((double)k + 0.5) * binw;
            wt1[k] = c * r1;
            wt0[k] = c * (1 - r1);
            w1 += c * r1, s1 += c * r1 * x, q1 += c * r1 * x * x;
            w0 += c * (1 - r1), s0 += c * (1 - r1) * x;
            q0 += c * (1 - r1) * x * x;
        }
        if (w1 < 1e-6 * n || w0 < 1e-6 * n) {
            free(p1);
            return vc_error_set(err, VC_EDATA,
                                "linkage-error model: one component took "
                                "all the pairs; no mixture to fit");
        }
        pi = w1 / n;
        mean1 = s1 / w1, mean0 = s0 / w0;
        beta_moments(mean1, q1 / w1 - mean1 * mean1, binw, &m->a1, &m->b1);
        beta_moments(mean0, q0 / w0 - mean0 * mean0, binw, &m->a0, &m->b0);
        mstep(wt1, k0, nbins, scratch, &m->a1, &m->b1);
        mstep(wt0, k0, nbins, scratch, &m->a0, &m->b0);
        m->loglik = ll;
        if (fabs(ll - ll_old) < MIX_TOL * (fabs(ll) + 1.0)) {
            break;
        }
        ll_old = ll;
        m->loglik = ll;
    }
    free(p1);
    /* the match component is the one with the higher mean */
    if (m->a1 / (m->a1 + m->b1) < m->a0 / (m->a0 + m->b0)) {
        double ta = m->a1, tb = m->b1;
        m->a1 = m->a0, m->b1 = m->b0, m->a0 = ta, m->b0 = tb;
        pi = 1.0 - pi;
    }
    m->pi = pi;
    m->floor = lo;
    m->n = n;
    m->top = top;
    m->iterations = it > MIX_MAX_ITER ? MIX_MAX_ITER : it;
    if (!isfinite(m->a1) || !isfinite(m->a0) || !isfinite(pi)) {
        return vc_error_set(err, VC_EDATA,
                            "linkage-error model: the fit did not converge");
    }
    return VC_OK;
}

int vc_link_mixture_fit(const uint64_t *hist, size_t nbins, double floor,
                        vc_link_mixture *m, vc_error *err)
{
    /* EM finds local maxima: start from several splits of the window and
     * keep the fit of highest likelihood */
    if (nbins < 10 || nbins > 4 * VC_LINK_HIST) {
        memset(m, 0, sizeof *m);
        return vc_error_set(err, VC_EINVAL,
                            "linkage-error model: %zu bins; 10 to %d "
                            "expected",
                            nbins, 4 * VC_LINK_HIST);
    }
    static const double fracs[] = {0.75, 0.5, 0.25, 0.9};
    int best = VC_EDATA;
    for (size_t i = 0; i < sizeof fracs / sizeof fracs[0]; i++) {
        vc_link_mixture t;
        vc_error e;
        vc_error_clear(&e);
        int rc = fit_from(hist, nbins, floor, fracs[i], &t, &e);
        if (rc == VC_ENOMEM) {
            if (err != NULL) {
                *err = e;
            }
            return rc;
        }
        if (rc == VC_OK && (best != VC_OK || t.loglik > m->loglik)) {
            *m = t;
            best = VC_OK;
        } else if (rc != VC_OK && best != VC_OK && err != NULL) {
            *err = e;
        }
    }
    if (best != VC_OK) {
        memset(m, 0, sizeof *m);
    }
    return best;
}

void vc_link_mixture_errors(const vc_link_mixture *m, const uint64_t *hist,
                            size_t nbins, double t, uint64_t candidates,
                            uint64_t linked, vc_link_errors *out)
{
    memset(out, 0, sizeof *out);
    size_t k0 = bin_at(m->floor, nbins);
    size_t kt = bin_at(t, nbins);
    double p1[VC_LINK_HIST * 4], p0[VC_LINK_HIST * 4];
    if (nbins > sizeof p1 / sizeof p1[0]) {
        return;
    }
    bin_probs(m->a1, m->b1, k0, nbins - 1, nbins, p1);
    bin_probs(m->a0, m->b0, k0, nbins - 1, nbins, p0);
    double false_above = 0.0, match_below = 0.0, match_window = 0.0;
    for (size_t k = k0; k + 1 < nbins; k++) {
        double c = (double)hist[k];
        double f1 = m->pi * p1[k], f0 = (1.0 - m->pi) * p0[k];
        double r1 = f1 + f0 > 0.0 ? f1 / (f1 + f0) : 0.0;
        match_window += c * r1;
        if (k >= kt) {
            false_above += c * (1.0 - r1);
        } else {
            match_below += c * r1;
        }
    }
    /* matches below the window: the Beta's tail below the floor,
     * extrapolated from the matches seen in it */
    double in_window =
        beta_mass(m->a1, m->b1, m->floor, (double)(nbins - 1) / nbins);
    double below = beta_mass(m->a1, m->b1, 0.0, m->floor);
    double match_under = in_window > 0.0 ? match_window * below / in_window
                                         : 0.0;
    /* the clustering drops candidates - linked pairs: count them as
     * non-matches first */
    double dropped = (double)candidates - (double)linked;
    double fl = false_above - (dropped > 0.0 ? dropped : 0.0);
    fl = fl > 0.0 ? fl : 0.0;
    fl = fl < (double)linked ? fl : (double)linked;
    out->pairs = (double)candidates;
    out->linked = (double)linked;
    out->false_matches = fl;
    out->missed_matches = match_below + match_under;
    out->true_matches = (double)linked - fl + out->missed_matches;
    out->false_match_rate = linked > 0 ? fl / (double)linked : 0.0;
    out->missed_match_rate = out->true_matches > 0.0
                                 ? out->missed_matches / out->true_matches
                                 : 0.0;
}

int vc_link_errors_check(const vc_link_errors *e, double n1, double n2,
                         vc_error *err)
{
    double most = n1 < n2 ? n1 : n2;
    if (!(e->true_matches <= most) || !isfinite(e->missed_matches)) {
        return vc_error_set(err, VC_EDATA,
                            "the score mixture implies %.0f true matches "
                            "between lists of %.0f and %.0f records (at "
                            "most %.0f): it does not describe these "
                            "scores, so no correction is made",
                            e->true_matches, n1, n2, most);
    }
    return VC_OK;
}

void vc_link_error_probs(const vc_link_errors *e, double n2, double *alpha,
                         double *beta)
{
    *alpha = 1.0 - e->missed_match_rate;
    double unmatched = n2 - e->true_matches;
    *beta = unmatched > 0.0 ? e->false_matches / unmatched : 0.0;
}

int vc_link_ding_fienberg(double n1, double n2, double m, double alpha,
                          double beta, double *N, vc_error *err)
{
    *N = NAN;
    if (!(n1 > 0 && n2 > 0 && m >= 0 && alpha <= 1.0 && beta >= 0.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "Ding-Fienberg: needs n1, n2 > 0, m >= 0, "
                            "alpha <= 1, beta >= 0");
    }
    if (!(alpha > beta) || !(m - beta * n2 > 0.0)) {
        return vc_error_set(err, VC_EDATA,
                            "Ding-Fienberg: no correction when alpha (%.4g) "
                            "<= beta (%.4g) or links (%.0f) <= beta n2",
                            alpha, beta, m);
    }
    /* Ding & Fienberg (1994): E[m] = alpha M + beta (n2 - M) */
    *N = n1 * n2 * (alpha - beta) / (m - beta * n2);
    return VC_OK;
}
