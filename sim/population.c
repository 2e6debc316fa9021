/*
 * population.c: draw closed populations of known size N and compute the
 * exact law of their capture patterns (model in vc_sim.h).
 *
 * Legend: J lists, N people, K latent classes with weights w_k and
 * log-odds shifts c_k, eta ~ N(0, sigma^2) the continuous propensity,
 * referrals (a -> b, r) applied in order after capture.
 *
 * Capture given (k, eta) is independent across lists, so the pattern law
 * of one class at one eta is the product of J Bernoulli laws.  Mixing over
 * classes and eta gives the heterogeneous model M_h (Otis et al. 1978,
 * Wildlife Monographs 62, section 2.4), of which the latent-class model
 * (Manrique-Vallier 2016, Biometrics 72:1246, eq. 1) is the discrete
 * case.  A referral acts on a pattern alone, not on (k, eta), so it is a
 * linear map on the mixed law: mass of each pattern with bit a set and
 * bit b clear moves, in share r, to the pattern with bit b set.  That is
 * what makes two lists positively dependent even within a class.
 *
 * The propensity is integrated out by Gauss-Hermite quadrature (GSL's
 * fixed-node rules): E g(eta) = pi^-1/2 sum_i w_i g(sqrt(2) sigma x_i) for
 * the nodes x_i and weights w_i of the weight exp(-x^2).
 *
 * Edge cases: N = 0 gives an empty population; a class of weight 0 is
 * never drawn; sigma = 0 draws no Gaussian, so adding a propensity changes
 * every later draw of a population (documented in vc_sim_draw).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>

#include "sim/vc_sim.h"

static double logit(double p)
{
    return log(p) - log1p(-p);
}

static double logistic(double x)
{
    return x >= 0.0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

int vc_sim_model_check(const vc_sim_model *m, vc_error *err)
{
    if (m == NULL) {
        return vc_error_set(err, VC_EINVAL, "simulation model is NULL");
    }
    if (m->J < 1 || m->J > VC_SIM_MAX_LISTS) {
        return vc_error_set(err, VC_EINVAL,
                            "simulation: %zu lists; between 1 and %d "
                            "are supported", m->J, VC_SIM_MAX_LISTS);
    }
    for (size_t j = 0; j < m->J; j++) {
        if (!(m->p[j] > 0.0 && m->p[j] < 1.0)) {
            return vc_error_set(err, VC_EINVAL,
                                "simulation: capture probability of list "
                                "%zu is %g; it must lie strictly between 0 "
                                "and 1", j + 1, m->p[j]);
        }
    }
    if (m->K > VC_SIM_MAX_CLASSES) {
        return vc_error_set(err, VC_EINVAL,
                            "simulation: %zu latent classes; at most %d",
                            m->K, VC_SIM_MAX_CLASSES);
    }
    double total = 0.0;
    for (size_t k = 0; k < m->K; k++) {
        if (!(m->class_weight[k] >= 0.0) || !isfinite(m->class_weight[k])
            || !isfinite(m->class_shift[k])) {
            return vc_error_set(err, VC_EINVAL,
                                "simulation: class %zu needs a finite "
                                "weight >= 0 and a finite log-odds shift",
                                k + 1);
        }
        total += m->class_weight[k];
    }
    if (m->K > 0 && !(total > 0.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "simulation: the class weights sum to 0");
    }
    if (!(m->sigma >= 0.0) || !isfinite(m->sigma)) {
        return vc_error_set(err, VC_EINVAL,
                            "simulation: propensity sd %g must be finite "
                            "and >= 0", m->sigma);
    }
    if (m->nref > VC_SIM_MAX_REFERRALS) {
        return vc_error_set(err, VC_EINVAL,
                            "simulation: %zu referrals; at most %d", m->nref,
                            VC_SIM_MAX_REFERRALS);
    }
    for (size_t i = 0; i < m->nref; i++) {
        const vc_sim_referral *f = &m->ref[i];
        if (f->from >= m->J || f->to >= m->J || f->from == f->to) {
            return vc_error_set(err, VC_EINVAL,
                                "simulation: referral %zu joins lists %zu "
                                "and %zu; they must be two different lists "
                                "of the %zu", i + 1, f->from + 1, f->to + 1,
                                m->J);
        }
        if (!(f->prob >= 0.0 && f->prob <= 1.0)) {
            return vc_error_set(err, VC_EINVAL,
                                "simulation: referral %zu has probability "
                                "%g; it must lie in [0, 1]", i + 1, f->prob);
        }
    }
    return VC_OK;
}

int vc_sim_model_scale(vc_sim_model *m, double odds, vc_error *err)
{
    if (!(odds > 0.0) || !isfinite(odds)) {
        return vc_error_set(err, VC_EINVAL,
                            "simulation: capture odds multiplier %g must be "
                            "positive and finite", odds);
    }
    for (size_t j = 0; j < m->J && j < VC_SIM_MAX_LISTS; j++) {
        m->p[j] = logistic(logit(m->p[j]) + log(odds));
    }
    return VC_OK;
}

/* The classes as (weight, shift) pairs; K = 0 becomes one class. */
static size_t classes(const vc_sim_model *m, double *w, double *c)
{
    if (m->K == 0) {
        w[0] = 1.0;
        c[0] = 0.0;
        return 1;
    }
    double total = 0.0;
    for (size_t k = 0; k < m->K; k++) {
        total += m->class_weight[k];
    }
    for (size_t k = 0; k < m->K; k++) {
        w[k] = m->class_weight[k] / total;
        c[k] = m->class_shift[k];
    }
    return m->K;
}

/* Add weight * (the product law of independent lists with log-odds
 * base[j] + shift) to prob. */
static void add_product_law(const double *base, size_t J, double shift,
                            double weight, double *prob)
{
    double q[VC_SIM_MAX_LISTS];
    for (size_t j = 0; j < J; j++) {
        q[j] = logistic(base[j] + shift);
    }
    size_t npat = (size_t)1 << J;
    for (size_t x = 0; x < npat; x++) {
        double pr = weight;
        for (size_t j = 0; j < J; j++) {
            pr *= (x >> j & 1u) ? q[j] : 1.0 - q[j];
        }
        prob[x] += pr;
    }
}

/* What both the probabilities and a draw start from: m checked, each
 * list's base capture on the logit scale, the classes' weights w and
 * shifts c (K of them), J lists and their npat patterns. */
typedef struct {
    double base[VC_SIM_MAX_LISTS];
    double w[VC_SIM_MAX_CLASSES], c[VC_SIM_MAX_CLASSES];
    size_t K, J, npat;
} model_law;

static int model_start(const vc_sim_model *m, model_law *s, vc_error *err)
{
    int status = vc_sim_model_check(m, err);
    if (status != VC_OK) {
        return status;
    }
    for (size_t j = 0; j < m->J; j++) {
        s->base[j] = logit(m->p[j]);
    }
    s->K = classes(m, s->w, s->c);
    s->J = m->J;
    s->npat = (size_t)1 << m->J;
    return VC_OK;
}

int vc_sim_pattern_probs(const vc_sim_model *m, double *prob, vc_error *err)
{
    model_law s;
    int status = model_start(m, &s, err);
    if (status != VC_OK) {
        return status;
    }
    memset(prob, 0, s.npat * sizeof *prob);
    if (m->sigma == 0.0) {
        for (size_t k = 0; k < s.K; k++) {
            add_product_law(s.base, s.J, s.c[k], s.w[k], prob);
        }
    } else {
        gsl_integration_fixed_workspace *q = gsl_integration_fixed_alloc(
            gsl_integration_fixed_hermite, VC_SIM_HERMITE_NODES, 0.0, 1.0,
            0.0, 0.0);
        if (q == NULL) {
            return vc_error_set(err, VC_ENOMEM,
                                "cannot allocate the Gauss-Hermite rule");
        }
        const double *x = gsl_integration_fixed_nodes(q);
        const double *wx = gsl_integration_fixed_weights(q);
        double norm = 1.0 / sqrt(M_PI);
        for (size_t i = 0; i < VC_SIM_HERMITE_NODES; i++) {
            double eta = M_SQRT2 * m->sigma * x[i];
            for (size_t k = 0; k < s.K; k++) {
                add_product_law(s.base, s.J, s.c[k] + eta,
                                s.w[k] * wx[i] * norm, prob);
            }
        }
        gsl_integration_fixed_free(q);
    }
    /* Referrals, in order, as linear maps on the pattern law. */
    for (size_t i = 0; i < m->nref; i++) {
        uint32_t a = 1u << m->ref[i].from;
        uint32_t b = 1u << m->ref[i].to;
        double r = m->ref[i].prob;
        for (size_t x = 0; x < s.npat; x++) {
            if ((x & a) && !(x & b)) {
                double moved = r * prob[x];
                prob[x] -= moved;
                prob[x | b] += moved;
            }
        }
    }
    double total = 0.0;
    for (size_t x = 0; x < s.npat; x++) {
        if (!isfinite(prob[x]) || prob[x] < 0.0) {
            return vc_error_set(err, VC_ENUMERIC,
                                "simulation: pattern probability %zu is %g",
                                x, prob[x]);
        }
        total += prob[x];
    }
    if (fabs(total - 1.0) > 1e-9) {
        return vc_error_set(err, VC_ENUMERIC,
                            "simulation: pattern probabilities sum to %.12g",
                            total);
    }
    return VC_OK;
}

int vc_sim_draw(const vc_sim_model *m, uint64_t N, const gsl_rng *r,
                uint64_t *count, vc_error *err)
{
    model_law s;
    int status = model_start(m, &s, err);
    if (status != VC_OK) {
        return status;
    }
    /* cumulative class weights; the last is 1 by construction */
    double cum[VC_SIM_MAX_CLASSES];
    double acc = 0.0;
    for (size_t k = 0; k < s.K; k++) {
        acc += s.w[k];
        cum[k] = acc;
    }
    cum[s.K - 1] = 1.0;
    /* With one class and no propensity every person has the same law, so
     * the per-list probabilities are computed once. */
    double q[VC_SIM_MAX_CLASSES][VC_SIM_MAX_LISTS];
    for (size_t k = 0; k < s.K; k++) {
        for (size_t j = 0; j < s.J; j++) {
            q[k][j] = logistic(s.base[j] + s.c[k]);
        }
    }
    memset(count, 0, s.npat * sizeof *count);
    for (uint64_t i = 0; i < N; i++) {
        size_t k = 0;
        if (s.K > 1) {
            double u = gsl_rng_uniform(r);
            while (k + 1 < s.K && u >= cum[k]) {
                k++;
            }
        }
        uint32_t x = 0;
        if (m->sigma > 0.0) {
            double eta = gsl_ran_gaussian(r, m->sigma);
            for (size_t j = 0; j < s.J; j++) {
                double p = logistic(s.base[j] + s.c[k] + eta);
                if (gsl_rng_uniform(r) < p) {
                    x |= 1u << j;
                }
            }
        } else {
            for (size_t j = 0; j < s.J; j++) {
                if (gsl_rng_uniform(r) < q[k][j]) {
                    x |= 1u << j;
                }
            }
        }
        for (size_t f = 0; f < m->nref; f++) {
            uint32_t a = 1u << m->ref[f].from;
            uint32_t b = 1u << m->ref[f].to;
            if ((x & a) && !(x & b) && gsl_rng_uniform(r) < m->ref[f].prob) {
                x |= b;
            }
        }
        count[x]++;
    }
    return VC_OK;
}
