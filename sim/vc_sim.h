/*
 * vc_sim.h: closed populations of known size, drawn so that estimators can
 * be checked against the truth.
 *
 * A population of N people; J lists; person i is caught by list j with
 * probability
 *
 *   p_ij = logistic(logit(p_j) + c_k(i) + eta_i)
 *
 * where p_j is list j's base capture probability, k(i) the person's latent
 * class (weight w_k, log-odds shift c_k: heterogeneity of the kind the
 * latent-class model of Manrique-Vallier 2016 allows), and eta_i ~ N(0,
 * sigma^2) a continuous propensity (the Rasch model M_h of Otis, Burnham,
 * White & Anderson 1978).  Given (k, eta) the lists catch independently.
 * Then referrals make lists depend on each other, in the order given: a
 * person on list a but not on list b is put on b with probability r (an
 * NGO that refers its clients to the police).  Pattern bit j set = caught
 * by list j; pattern 0 = seen by nobody.
 *
 * The module depends on core only (layout: core <- data <- sim); the
 * drawn counts become a vc_table through vc_table_from_counts.
 */
#ifndef VC_SIM_H
#define VC_SIM_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "core/vc_core.h"

/* Lists in a simulated population: the 2^J pattern counts are held in
 * full, and no method here estimates from more lists than this. */
#define VC_SIM_MAX_LISTS 16
#define VC_SIM_MAX_CLASSES 16
#define VC_SIM_MAX_REFERRALS 32

/* Gauss-Hermite nodes used to integrate the continuous propensity out of
 * the pattern probabilities: with 64 nodes the rule is exact for
 * polynomials of degree 127, and the logistic integrands here are smooth,
 * so the probabilities agree with a brute-force integral to about 1e-12
 * for sigma up to 3. */
#define VC_SIM_HERMITE_NODES 64

/* A referral from list `from` onto list `to`. */
typedef struct {
    size_t from, to;  /* list indices, from != to */
    double prob;      /* P(put on `to` | on `from`, not on `to`), [0, 1] */
} vc_sim_referral;

/* The model.  Zero-initialise, then set J and p; the rest is optional. */
typedef struct {
    size_t J;                                 /* 1..VC_SIM_MAX_LISTS */
    double p[VC_SIM_MAX_LISTS];               /* base capture
                                                 probabilities, (0, 1) */
    size_t K;                                 /* latent classes; 0 = one
                                                 class with no shift */
    double class_weight[VC_SIM_MAX_CLASSES];  /* K weights >= 0, not all 0;
                                                 normalised when used */
    double class_shift[VC_SIM_MAX_CLASSES];   /* K log-odds shifts c_k */
    double sigma;                             /* sd of eta, >= 0 */
    size_t nref;
    vc_sim_referral ref[VC_SIM_MAX_REFERRALS];
} vc_sim_model;

/* Check every field of m.  VC_EINVAL names the field. */
int vc_sim_model_check(const vc_sim_model *m, vc_error *err);

/*
 * Add log(odds) to every base probability's log-odds: a stratum whose
 * lists work harder (odds > 1) or less (< 1) than the base.  Errors:
 * VC_EINVAL (odds not positive and finite).  m is modified in place.
 */
int vc_sim_model_scale(vc_sim_model *m, double odds, vc_error *err);

/*
 * Exact probabilities of the 2^J patterns (prob filled, 2^J entries,
 * prob[0] = P(seen by nobody)) under m: the classes summed, the propensity
 * integrated by Gauss-Hermite quadrature, the referrals applied.  Errors:
 * those of vc_sim_model_check, VC_ENOMEM, VC_ENUMERIC.
 */
int vc_sim_pattern_probs(const vc_sim_model *m, double *prob, vc_error *err);

/*
 * Draw a population of N people under m from r: count (filled, 2^J
 * entries) receives how many people have each pattern; count[0] is the
 * number nobody saw, and the counts sum to N.  For each person, in order:
 * the class (one uniform), eta (one Gaussian, only when sigma > 0), one
 * uniform per list, one uniform per referral that applies.  The same r
 * stream therefore always gives the same population.  Errors: those of
 * vc_sim_model_check.
 */
int vc_sim_draw(const vc_sim_model *m, uint64_t N, const gsl_rng *r,
                uint64_t *count, vc_error *err);

#endif /* VC_SIM_H */
