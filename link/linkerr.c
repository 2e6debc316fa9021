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
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>

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

/*
 * The linkage-error model of the field-scored layout.
 *
 * On field scores the Beta mixture above fails (bench/RESULTS.md): the
 * non-matches in the window are namesakes born on other days or with a
 * date missing, a bump near 0.8 rather than a Beta's tail, and the
 * matches the linker misses are mostly those with a date missing on one
 * side and a name off by a typo or a romanisation, or a nationality
 * written in another language, which score just there too.  The score
 * cannot tell them apart; the fields can.  So each candidate pair in the
 * window is described by its agreement pattern gamma (a level per field:
 * exact, close, far, missing; vci_agreement_pattern), and the matches'
 * patterns follow the Fellegi-Sunter model with the fields independent
 * given a match (Fellegi & Sunter 1969, JASA 64:1183, section 3; the m
 * probabilities fitted by EM as in Winkler 1988, "Using the EM algorithm
 * for weight computation in the Fellegi-Sunter model of record linkage",
 * Proc. Section on Survey Research Methods, ASA, 667-671, and Jaro 1989,
 * JASA 84:414):
 *
 *     m(gamma) = prod_f m_f(gamma_f).
 *
 * The non-matches are not modelled: the usual two-class EM with their u
 * probabilities independent too was tried and fails here, because the
 * window selects pairs by score, which makes the non-matches' fields
 * strongly dependent (a pair in it whose date differs has equal names);
 * the u class then splits the non-matches and the "match" class takes one
 * part (measured: 5,388 missed matches estimated where 39 were).
 * Instead the pairs at or above the threshold are taken as matches (the
 * precision there is 0.98-0.999) and EM completes the matches below it:
 *
 *   E-step: a pattern gamma seen only below the threshold, with B_gamma
 *     pairs, holds x_gamma = min(B_gamma, M m(gamma)) matches, M the
 *     matches in all (the pairs above plus sum x);
 *   M-step: m_f(l) = (matches showing level l of field f + c) / (M + 4 c),
 *     c = VC_FS_PRIOR (a Dirichlet prior), over the pairs above and the x.
 *
 * The cap B_gamma keeps the model from putting more matches in a pattern
 * than it holds pairs.  A level that no pair above the threshold shows
 * keeps the prior's mass alone (left to the pairs below, the far dates of
 * namesakes made "matches" of themselves, m_date(far) growing at each
 * step).  Missed matches: sum x_gamma.  False matches: the pairs above
 * the threshold beyond the matches expected of their pattern, sum
 * (A_gamma - M m(gamma))+, less the excess a Poisson count of mean
 * M m(gamma) shows by chance, M m(gamma) P(X = floor(M m(gamma))) (half
 * the Poisson's mean absolute deviation): zero when the model fits.  A
 * non-match with a match's pattern (a namesake whose date is missing) is
 * not seen by it, so false matches are underestimated where such
 * namesakes are common (20,000 people: about 0-30 estimated of 24-38 per
 * pair); the pairs below the window (the field screen, 0.75) are not
 * seen either (measured: at most one missed match per population there).
 */
#define VC_FS_MAX_ITER 2000
#define VC_FS_TOL 1e-10
#define VC_FS_PRIOR 0.1

/* The keys of lists a, b in r: [*first, *last). */
static void fs_range(const vc_link_result *r, size_t a, size_t b,
                     size_t *first, size_t *last)
{
    uint64_t pair = (uint64_t)(a * r->J + b);
    size_t i = 0;
    while (i < r->nagree && r->agree_key[i] >> 34 < pair) {
        i++;
    }
    *first = i;
    while (i < r->nagree && r->agree_key[i] >> 34 == pair) {
        i++;
    }
    *last = i;
}

static unsigned fs_level(uint64_t key, size_t f)
{
    return (unsigned)(key >> (2 * f) & 3u);
}

/* m(gamma) = prod_f m_f(gamma_f). */
static double fs_m(const vc_link_fs *fs, uint64_t key)
{
    double x = 1.0;
    for (size_t f = 0; f < fs->nfields; f++) {
        x *= fs->m[f][fs_level(key, f)];
    }
    return x;
}

int vc_link_fs_fit(const vc_link_result *r, size_t a, size_t b,
                   vc_link_fs *fs, vc_error *err)
{
    memset(fs, 0, sizeof *fs);
    if (r->agree_fields == 0 || r->agree_key == NULL || a >= b
        || b >= r->J) {
        return vc_error_set(err, VC_EINVAL,
                            "the Fellegi-Sunter model needs field-scored "
                            "encodings (format 2) and lists a < b");
    }
    size_t first, last;
    fs_range(r, a, b, &first, &last);
    size_t K = last - first, F = r->agree_fields;
    const uint64_t *key = r->agree_key + first;
    const uint64_t *cnt = r->agree_count + first;
    /* the patterns: each one's pairs by side of the anchor and of the
     * threshold, c[q][anchor][above] (the side bits of the keys) */
    size_t P = 0;
    double n = 0.0, above = 0.0;
    uint64_t *pat = malloc((K + 1) * sizeof *pat);
    double *A = malloc((K + 1) * 7 * sizeof *A);
    if (pat == NULL || A == NULL) {
        free(pat);
        free(A);
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    double *Bl = A + K + 1, *xb = Bl + K + 1, *c4 = xb + K + 1;
    for (size_t k = 0; k < K; k++) {
        uint64_t g = key[k] & 0xffffffffu;
        size_t q = 0;
        while (q < P && pat[q] != g) {
            q++;
        }
        if (q == P) {
            pat[P] = g;
            A[P] = Bl[P] = 0.0;
            memset(c4 + 4 * P, 0, 4 * sizeof *c4);
            P++;
        }
        double c = (double)cnt[k];
        unsigned anchor = key[k] >> 33 & 1u, side = key[k] >> 32 & 1u;
        c4[4 * q + 2 * anchor + side] += c;
        if (anchor) {
            A[q] += c;
            above += c;
        } else {
            Bl[q] += c;
        }
        n += c;
    }
    fs->nfields = F;
    fs->n = n;
    if (n < 20.0 || P < 3 || above < 10.0) {
        free(pat);
        free(A);
        return vc_error_set(err, VC_EDATA,
                            "Fellegi-Sunter model: %.0f pairs (%.0f scoring "
                            "%g or more) in %zu agreement patterns; at "
                            "least 20 (10) in 3 needed",
                            n, above, VC_LINK_FS_ANCHOR, P);
    }
    /* T, the patterns with pairs at or above the anchor: those pairs are
     * taken as matches.  A level of a field that no pair of T shows
     * (supported 0) keeps the prior's mass alone: the pairs above the
     * anchor say nothing of how often a match shows it, and letting
     * the pairs below decide lets the non-matches there (namesakes born
     * on other days) pass for matches. */
    int supported[VC_LINK_MAX_FIELDS][VC_LINK_LEVELS];
    memset(supported, 0, sizeof supported);
    for (size_t q = 0; q < P; q++) {
        xb[q] = 0.0;
        for (size_t f = 0; f < F && A[q] > 0.0; f++) {
            supported[f][fs_level(pat[q], f)] = 1;
        }
    }
    double prev = -1.0, NM = above;
    int it;
    for (it = 1; it <= VC_FS_MAX_ITER; it++) {
        /* M-step: m_f(l) from the matches' counts, A at or above the
         * anchor and the expected xb below */
        double cm[VC_LINK_MAX_FIELDS][VC_LINK_LEVELS];
        memset(cm, 0, sizeof cm);
        NM = 0.0;
        for (size_t q = 0; q < P; q++) {
            double x = A[q] + xb[q];
            NM += x;
            for (size_t f = 0; f < F; f++) {
                cm[f][fs_level(pat[q], f)] += x;
            }
        }
        for (size_t f = 0; f < F; f++) {
            /* missing: known from the lists (qa, qb the shares of their
             * records without the field); the other levels share the
             * rest */
            double qa = r->agree_missing[a * F + f];
            double qb = r->agree_missing[b * F + f];
            double miss = 1.0 - (1.0 - qa) * (1.0 - qb);
            double tot = 0.0;
            for (unsigned l = 0; l < VC_LINK_LEVELS; l++) {
                double c = supported[f][l] ? cm[f][l] : 0.0;
                fs->m[f][l] = l == VC_LINK_LEVEL_MISSING ? 0.0
                                                         : c + VC_FS_PRIOR;
                tot += fs->m[f][l];
            }
            for (unsigned l = 0; l < VC_LINK_LEVELS; l++) {
                fs->m[f][l] = l == VC_LINK_LEVEL_MISSING
                                  ? miss
                                  : (1.0 - miss) * fs->m[f][l] / tot;
            }
        }
        /* E-step: a pattern seen only below the anchor holds NM
         * m(gamma) matches, at most its pairs */
        double tot = 0.0;
        for (size_t q = 0; q < P; q++) {
            if (A[q] <= 0.0) {
                double e = NM * fs_m(fs, pat[q]);
                xb[q] = Bl[q] < e ? Bl[q] : e;
            }
            tot += A[q] + xb[q];
        }
        if (fabs(tot - prev) < VC_FS_TOL * (tot + 1.0)) {
            break;
        }
        prev = tot;
    }
    if (it > VC_FS_MAX_ITER) {
        /* not settled: rates from an unfinished fit are not given */
        free(pat);
        free(A);
        fs->iterations = VC_FS_MAX_ITER;
        return vc_error_set(err, VC_EDATA,
                            "Fellegi-Sunter model: EM did not converge in "
                            "%d iterations",
                            VC_FS_MAX_ITER);
    }
    fs->iterations = it;
    /* each pattern's share of matches among its anchors, sA (1 less the
     * excess over the expected matches, less the Poisson excess), and
     * among its other pairs, sB = x / B; at the threshold, the non-matches
     * at or above it are false matches and the matches below it missed
     * (a pattern's pairs share its shares on both sides) */
    fs->matches = 0.0;
    for (size_t q = 0; q < P; q++) {
        double e = NM * fs_m(fs, pat[q]);
        double sA = 1.0, sB = Bl[q] > 0.0 ? xb[q] / Bl[q] : 0.0;
        if (A[q] > 0.0) {
            double chance = e * gsl_ran_poisson_pdf((unsigned)floor(e), e);
            double excess = (A[q] > e ? A[q] - e : 0.0) - chance;
            sA = excess > 0.0 ? 1.0 - excess / A[q] : 1.0;
        }
        const double *c = c4 + 4 * q; /* [anchor][above] */
        fs->matches += A[q] * sA + xb[q];
        fs->false_above += c[3] * (1.0 - sA) + c[1] * (1.0 - sB);
        fs->missed_below += c[2] * sA + c[0] * sB;
    }
    fs->false_above = fs->false_above > 0.0 ? fs->false_above : 0.0;
    free(pat);
    free(A);
    if (!isfinite(fs->matches)) {
        return vc_error_set(err, VC_EDATA,
                            "Fellegi-Sunter model: the fit did not converge");
    }
    return VC_OK;
}

void vc_link_fs_errors(const vc_link_fs *fs, const vc_link_result *r,
                       size_t a, size_t b, vc_link_errors *out)
{
    memset(out, 0, sizeof *out);
    double false_above = fs->false_above, match_below = fs->missed_below;
    double candidates = (double)r->pair_candidates[a * r->J + b];
    double linked = (double)r->pair_matches[a * r->J + b];
    /* the clustering's dropped pairs are non-matches first, as in
     * vc_link_mixture_errors */
    double dropped = candidates - linked;
    double fl = false_above - (dropped > 0.0 ? dropped : 0.0);
    fl = fl > 0.0 ? fl : 0.0;
    fl = fl < linked ? fl : linked;
    out->pairs = candidates;
    out->linked = linked;
    out->false_matches = fl;
    out->missed_matches = match_below;
    out->true_matches = linked - fl + match_below;
    out->false_match_rate = linked > 0.0 ? fl / linked : 0.0;
    out->missed_match_rate =
        out->true_matches > 0.0 ? match_below / out->true_matches : 0.0;
}
