/*
 * vc_estimators.h: classical (frequentist) population-size estimators on a
 * capture-history table.
 *
 * Every estimator fills a vc_estimate (core/vc_estimate.h, with the
 * flags and their words): a point estimate of the population size N
 * (people seen plus people no list saw), a standard error where one is
 * defined, and an interval at the requested level whose kind is named.
 * Statistics that are undefined for the data are errors (VC_EUNDEFINED,
 * VC_ENOMLE), never NaN or Inf.  The log-linear models have a header of
 * their own, estimators/vc_loglin.h.
 */
#ifndef VC_ESTIMATORS_H
#define VC_ESTIMATORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"
#include "core/vc_estimate.h"
#include "data/vc_data.h"

/* Which confidence interval to build around an estimate. */
typedef enum {
    /* Log-normal interval of Chao (1987, Biometrics 43:783):
     * the number unseen f0 = N - n is taken as log-normal, so the interval
     * never goes below n observed.  The default. */
    VC_INTERVAL_LOGNORMAL = 0,
    /* Wald: N +/- z se, with the lower end raised to n observed. */
    VC_INTERVAL_WALD = 1
} vc_interval_kind;

/*
 * Two-list estimators from the counts n1 (seen by list 1), n2 (by list 2)
 * and m (by both).  Errors: VC_EINVAL (m > min(n1, n2), level outside
 * (0, 1)), VC_EUNDEFINED (Lincoln-Petersen with m = 0).
 *
 * Lincoln-Petersen: N = n1 n2 / m, variance n1 n2 (n1 - m)(n2 - m) / m^3.
 * Chapman (1951): N = (n1 + 1)(n2 + 1)/(m + 1) - 1, variance of Seber
 * (1982, section 3.1.1): (n1+1)(n2+1)(n1-m)(n2-m) / ((m+1)^2 (m+2)).
 */
int vc_petersen_from_counts(uint64_t n1, uint64_t n2, uint64_t m, double level,
                            vc_interval_kind kind, vc_estimate *out,
                            vc_error *err);
int vc_chapman_from_counts(uint64_t n1, uint64_t n2, uint64_t m, double level,
                           vc_interval_kind kind, vc_estimate *out,
                           vc_error *err);

/* The same on lists a and b of a table (people seen by neither are not
 * counted in n observed).  out is filled. */
int vc_petersen_estimate(const vc_table *t, size_t a, size_t b, double level,
                         vc_interval_kind kind, vc_estimate *out,
                         vc_error *err);
int vc_chapman_estimate(const vc_table *t, size_t a, size_t b, double level,
                        vc_interval_kind kind, vc_estimate *out,
                        vc_error *err);

/*
 * Chapman for every pair of lists: out (filled, J(J-1)/2 entries) in the
 * order (0,1), (0,2), ..., (1,2), ...  A descriptive table: each pair
 * ignores the other lists.
 */
int vc_pairwise_chapman(const vc_table *t, double level, vc_interval_kind kind,
                        vc_estimate *out, vc_error *err);

/*
 * Chao's (1987) lower bound under heterogeneous capture probabilities:
 * N = n + A f1^2 / (2 f2), with f_k people seen by exactly k of the J
 * lists and A = (J - 1) / J; when f2 = 0 the bias-corrected form
 * n + A f1 (f1 - 1) / 2 (Chao 2005).  See chao.c.  Always a
 * log-normal interval.  Errors: VC_EINVAL (level).
 */
int vc_chao_estimate(const vc_table *t, double level, vc_estimate *out,
                     vc_error *err);

/*
 * The independence log-linear model over all J lists (Fienberg 1972):
 * log E[y_x] = u + sum_j u_j x_j on the observed cells, N = n + exp(u).
 * Fitted through its one-dimensional likelihood equation for N (see
 * independence.c), so any J up to VC_MAX_LISTS works.  A list that saw
 * everybody gives N = n (flag VC_FLAG_NO_UNSEEN).  Errors: VC_EINVAL
 * (level), VC_ENOMLE (a list saw nobody, or no one is on two lists),
 * VC_ENUMERIC.
 */
int vc_independence_estimate(const vc_table *t, double level,
                             vc_interval_kind kind, vc_estimate *out,
                             vc_error *err);

/*
 * Interval helper shared by the estimators: fill out->lower/upper for an
 * estimate N with standard error se, n observed, at level, of the given
 * kind.  Sets VC_FLAG_NO_UNSEEN or VC_FLAG_WALD_CLIPPED as needed.
 */
void vc_interval_fill(double N, double se, uint64_t n, double level,
                      vc_interval_kind kind, vc_estimate *out);

#endif /* VC_ESTIMATORS_H */
