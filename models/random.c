/*
 * random.c: the two random variates the latent-class sampler needs beyond
 * what GSL offers.
 *
 * 1. log Gamma(a) draws for any shape a > 0.  A stick-breaking weight
 *    V ~ Beta(1, alpha) with a small alpha, or a Gamma(alpha) part of it,
 *    underflows to exactly 0 or 1 on the linear scale, and the log of
 *    1 - V then becomes -Inf.  For a < 1 we use the identity
 *        if X ~ Gamma(a + 1) and U ~ Uniform(0, 1) independently,
 *        then X U^(1/a) ~ Gamma(a)
 *    (Robert & Casella 2004, Monte Carlo Statistical Methods, 2nd ed.,
 *    p. 45, exercise 2.19; also Marsaglia & Tsang 2000, ACM TOMS 26:363,
 *    section 6) and return log X + log(U) / a, which never underflows.
 *
 * 2. Poisson draws whose mean may exceed the range of gsl_ran_poisson's
 *    unsigned int result.  The number of people no list saw has no upper
 *    bound under p(N) ~ 1/N, so a chain can visit n0 > 2^32.  For means
 *    below VCI_POISSON_PTRS_MIN we call gsl_ran_poisson (exact); above, the
 *    transformed rejection method PTRS of Hormann (1993, "The transformed
 *    rejection method for generating Poisson random variables", Insurance:
 *    Mathematics and Economics 12:39-45, algorithm PTRS, valid for mean
 *    >= 10), which is also some ten times faster than GSL's method at the
 *    means of a sweep (hundreds to thousands).  Its acceptance test needs
 *    log p(k) = -mu + k log mu - log k!, whose three terms are each ~ 1e12
 *    for large means and cancel; for k >= 16 we evaluate it instead as
 *        log p(k) = -bd0(k, mu) - log(2 pi k) / 2 - stirlerr(k)
 *    with bd0(k, mu) = k log(k / mu) + mu - k computed by the series of
 *    Loader (2000, "Fast and accurate computation of binomial
 *    probabilities", technical note, section 2) when k is near mu, and
 *    stirlerr(k) = log k! - [(k + 1/2) log k - k + log(2 pi) / 2] by
 *    Stirling's series.
 */
#include <math.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>

#include "models/impl.h"

double vci_ran_log_gamma(const gsl_rng *r, double a)
{
    if (a >= 1.0) {
        return log(gsl_ran_gamma(r, a, 1.0));
    }
    /* Robert & Casella (2004), p. 45: Gamma(a) = Gamma(a + 1) U^(1/a). */
    double x = gsl_ran_gamma(r, a + 1.0, 1.0);
    double u = gsl_rng_uniform_pos(r);
    return log(x) + log(u) / a;
}

/* Loader (2000), section 2: bd0(x, np) = x log(x / np) + np - x, without
 * cancellation when x is close to np. */
static double bd0(double x, double np)
{
    if (fabs(x - np) < 0.1 * (x + np)) {
        double v = (x - np) / (x + np);
        double s = (x - np) * v;
        double ej = 2.0 * x * v;
        double v2 = v * v;
        for (int j = 1; j < 1000; j++) {
            ej *= v2;
            double s1 = s + ej / (2 * j + 1);
            if (s1 == s) {
                return s1;
            }
            s = s1;
        }
        return s;
    }
    return x * log(x / np) + np - x;
}

/* log k! minus Stirling's approximation, for k >= 16 (the caller handles
 * smaller k): Stirling's series to the k^-5 term, whose error is below
 * 1/(1680 k^7) < 1e-11. */
static double stirlerr(double k)
{
    double k2 = k * k;
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * k2)) / k2) / k;
}

/* log of the Poisson(mu) probability of k >= 0, stable for large mu. */
static double log_poisson_pmf(double k, double mu)
{
    if (k < 16.0) {
        /* small terms: no cancellation to fear */
        return -mu + k * log(mu) - lgamma(k + 1.0);
    }
    return -bd0(k, mu) - 0.5 * log(2.0 * M_PI * k) - stirlerr(k);
}

int vci_ran_poisson64(const gsl_rng *r, double mu, uint64_t *k)
{
    if (!(mu >= 0.0) || !(mu <= VCI_POISSON_MAX)) {
        return VC_ENUMERIC;
    }
    if (mu < VCI_POISSON_PTRS_MIN) {
        *k = gsl_ran_poisson(r, mu);
        return VC_OK;
    }
    /* Hormann (1993), algorithm PTRS. */
    double smu = sqrt(mu);
    double b = 0.931 + 2.53 * smu;
    double a = -0.059 + 0.02483 * b;
    double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = gsl_rng_uniform(r) - 0.5;
        double v = gsl_rng_uniform_pos(r);
        double us = 0.5 - fabs(u);
        double kd = floor((2.0 * a / us + b) * u + mu + 0.43);
        if (us >= 0.07 && v <= vr) {
            *k = (uint64_t)kd;
            return VC_OK;
        }
        if (kd < 0.0 || (us < 0.013 && v > us)) {
            continue;
        }
        double lhs = log(v) + log(inv_alpha) - log(a / (us * us) + b);
        if (lhs <= log_poisson_pmf(kd, mu)) {
            *k = (uint64_t)kd;
            return VC_OK;
        }
    }
}
