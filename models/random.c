/*
 * random.c: the two random variates the latent-class sampler needs beyond
 * what GSL offers.
 *
 * 0. Uniforms from one 32-bit output, (u + 1/2) 2^-32 in (0, 1), where
 *    32 bits of resolution suffice (every acceptance test and inversion
 *    below): half the generator work of gsl_rng_uniform's 53-bit doubles.
 *
 * 1. Gamma(a) draws by Marsaglia & Tsang (2000, "A simple method for
 *    generating gamma variables", ACM TOMS 26:363-372, section 2): for
 *    a >= 1, with d = a - 1/3 and c = 1/sqrt(9 d), draw x ~ N(0, 1) and
 *    v = (1 + c x)^3 until v > 0 and U < 1 - 0.0331 x^4 (the squeeze) or
 *    log U < x^2/2 + d - d v + d log v; return d v.
 *
 *    log Gamma(a) draws for any shape a > 0.  A stick-breaking weight
 *    V ~ Beta(1, alpha) with a small alpha, or a Gamma(alpha) part of it,
 *    underflows to exactly 0 or 1 on the linear scale, and the log of
 *    1 - V then becomes -Inf.  For a < 1 we use the identity
 *        if X ~ Gamma(a + 1) and U ~ Uniform(0, 1) independently,
 *        then X U^(1/a) ~ Gamma(a)
 *    (Robert & Casella 2004, Monte Carlo Statistical Methods, 2nd ed.,
 *    p. 45, exercise 2.19; also Marsaglia & Tsang 2000, ACM TOMS 26:363,
 *    section 6) and return log X + log(U) / a, which never underflows.
 *
 *    Beta(1, b) draws on the log scale, any b > 0, by inversion of the
 *    distribution function F(v) = 1 - (1 - v)^b (Devroye 1986, section
 *    IX.4.4, the "Beta(1, b)" case of the power family): 1 - V = U^(1/b),
 *    so log(1 - V) = log(U) / b and log V = log(-expm1(log(U) / b)); one
 *    uniform where two gamma draws were taken, and exact on the log
 *    scale however small b (alpha) or large (a class of thousands).
 *    A list that saw no one of an occupied class, a stick-breaking
 *    weight of an empty class: Beta(1 + 0, ...) is the common case.
 *
 * 2. Binomial(n, p) draws, exact, for n up to 2^53 (the class allocation
 *    of a sweep draws some 60 of them).  With p' = min(p, 1 - p) (drawing
 *    n - X for p > 1/2): when n p' < 10, inversion by sequential search
 *    from 0 with the ratio f(k)/f(k-1) = ((n + 1) r / k - r), r = p'/(1 -
 *    p') (Devroye 1986, Non-Uniform Random Variate Generation, section
 *    X.4.3, "inversion"); expected cost n p' + 1 steps and one uniform.
 *    Otherwise BTRD, the transformed rejection method with decomposition of
 *    Hormann (1993, "The generation of binomial random variates", Journal
 *    of Statistical Computation and Simulation 46:101-110, algorithm BTRD,
 *    valid for n p' >= 10), whose constants (a, b, c, alpha, v_r) and steps
 *    1-3.4 are named as in the paper below.
 *
 * Scalar exp and log here (and in the draws of lcm.c) are libm's:
 * table-driven, they take a third to a half of the latency of vci_exp and
 * vci_log of core/fastmath.h (exp 10 ns, log 14 ns, both vci_ 28 ns on
 * the development VM, a chain of dependent calls), which are meant for
 * vectorised loops.
 *
 * 3. Poisson draws whose mean may exceed the range of gsl_ran_poisson's
 *    unsigned int result.  The number of people no list saw has no upper
 *    bound under p(N) ~ 1/N, so a chain can visit n0 > 2^32.  For means
 *    below VCI_POISSON_PTRS_MIN we use inversion by sequential search
 *    (Devroye 1986, section X.3.3; one uniform, mean + 1 steps); above, the
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

#include "models/mcmc_impl.h"

double vci_ran_gamma(const gsl_rng *r, double a)
{
    if (a < 1.0) {
        /* Robert & Casella (2004), p. 45; may underflow to 0 for tiny a,
         * which is why the sampler uses vci_ran_log_gamma there. */
        return vci_ran_gamma(r, a + 1.0)
               * pow(vci_ran_uniform(r), 1.0 / a);
    }
    /* Marsaglia & Tsang (2000), section 2. */
    double d = a - 1.0 / 3.0;
    double c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = gsl_ran_gaussian_ziggurat(r, 1.0);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = vci_ran_uniform(r);
        double x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2) {
            return d * v;
        }
        /* the rare full test: libm's log, which also covers subnormal v */
        if (log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) {
            return d * v;
        }
    }
}

double vci_ran_log_gamma(const gsl_rng *r, double a)
{
    if (a >= 1.0) {
        return log(vci_ran_gamma(r, a));
    }
    /* Robert & Casella (2004), p. 45: Gamma(a) = Gamma(a + 1) U^(1/a). */
    double x = vci_ran_gamma(r, a + 1.0);
    double u = vci_ran_uniform(r);
    return log(x) + log(u) / a;
}

void vci_ran_log_beta1(const gsl_rng *r, double b, double *log_v,
                       double *log_1m_v)
{
    /* Devroye (1986), IX.4.4: 1 - V = U^(1/b).  log U is in [-22.2,
     * -1.2e-10] for a 32-bit uniform, so t < 0 and -expm1(t) > 0 */
    double t = log(vci_ran_uniform(r)) / b;
    *log_1m_v = t;
    *log_v = log(-expm1(t));
}

/* Hormann (1993): f_c(k) = log k! - [(k + 1/2) log(k + 1) - (k + 1) +
 * log(2 pi) / 2], the correction term of Stirling's formula; by lgamma
 * for k < 10, else by the series the paper gives. */
static double binom_fc(double k)
{
    if (k < 10.0) {
        return lgamma(k + 1.0) - (k + 0.5) * log(k + 1.0) + (k + 1.0)
               - 0.5 * log(2.0 * M_PI);
    }
    double k1 = k + 1.0;
    double k1sq = k1 * k1;
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * k1sq)) / k1sq) / k1;
}

/* 1/x for x < RECIP_MAX, exact to rounding (constant expressions). */
static const double recip[] = {
    0.0, 1.0 / 1, 1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5,
    1.0 / 6, 1.0 / 7, 1.0 / 8, 1.0 / 9, 1.0 / 10, 1.0 / 11,
    1.0 / 12, 1.0 / 13, 1.0 / 14, 1.0 / 15, 1.0 / 16, 1.0 / 17,
    1.0 / 18, 1.0 / 19, 1.0 / 20, 1.0 / 21, 1.0 / 22, 1.0 / 23,
    1.0 / 24, 1.0 / 25, 1.0 / 26, 1.0 / 27, 1.0 / 28, 1.0 / 29,
    1.0 / 30, 1.0 / 31};
#define RECIP_MAX 32.0

/* Binomial(n, p) for p <= 1/2, n p < 10, by inversion (sequential search
 * from 0).  A u left over by rounding beyond the total mass restarts.
 *
 * A squeeze for the outcome 0, which needs f0 = q^n only when it fails:
 * the search returns 0 exactly when u <= f0 (f0 as computed below), and
 * the computed f0 >= 1 - n p - n 2^-52 (below), so u <= L with L that
 * bound, less a margin for its own roundings, returns 0 with the same
 * uniform and the same result, without the chain of squarings.  Of the
 * draws of a Kosovo sweep, n p < 0.1 in one in eight (the classes that
 * hold almost no one).  The bound: q = fl(1 - p) >= (1 - p)(1 - 2^-53);
 * each product rounds down by at most a factor 1 - 2^-53, and f0 is q^n
 * through at most n such factors (sq_i = q^(2^i) through 2^i - 1 of
 * them), so f0 >= (1 - p)^n (1 - 2^-53)^(2n) >= (1 - n p)(1 - n 2^-52)
 * (Bernoulli's inequality) >= 1 - n p - n 2^-52.  L = 1 - (n p (1 +
 * 2^-50) + n 2^-50) in floating point stays below that: its slack n (2^-50
 * - 2^-52) = 6 n 2^-53 exceeds the roundings of L, at most (n p + 1 +
 * n 2^-50) 2^-53, since n p <= n / 2 and n < 2^53. */
static uint64_t binom_inversion(const gsl_rng *r, double n, double p)
{
    double u = vci_ran_uniform(r);
    if (u <= 1.0 - (n * p * (1.0 + 0x1p-50) + n * 0x1p-50)) {
        return 0;
    }
    double q = 1.0 - p;
    double s = p / q;
    double a = (n + 1.0) * s;
    /* q >= 1/2 is within 2^-52 relative of 1 - p, so f0 = q^n is accurate
     * to n 2^-52 relative: far below what any draw can resolve.  By
     * repeated squaring (Knuth, TAOCP vol. 2, section 4.6.3, algorithm A):
     * a few dependent multiplications instead of a log and an exp.  n p <
     * 10 and p <= 1/2 keep q^n >= exp(-n p / q) > e^-20, so it cannot
     * underflow. */
    double f0 = 1.0;
    double sq = q;
    for (uint64_t e = (uint64_t)n; e > 0; e >>= 1) {
        /* a select, not a branch on the bits of n (mispredicted) */
        const double pick[2] = {1.0, sq};
        f0 *= pick[e & 1u];
        sq *= sq;
    }
    for (;;) {
        double f = f0;
        double x = 0.0;
        while (u > f) {
            u -= f;
            x += 1.0;
            if (x > n) {
                break;
            }
            /* a reciprocal from the table spares a division (a chain of
             * them is most of the cost) for the usual short searches */
            f *= (x < RECIP_MAX ? a * recip[(size_t)x] : a / x) - s;
        }
        if (x <= n) {
            return (uint64_t)x;
        }
        u = vci_ran_uniform(r);
    }
}

/* Binomial(n, p) for p <= 1/2, n p >= 10: Hormann (1993), BTRD. */
static uint64_t binom_btrd(const gsl_rng *r, double n, double p)
{
    /* setup (step 0) */
    double q = 1.0 - p;
    double npq = n * p * q;
    double spq = sqrt(npq);
    double b = 1.15 + 2.53 * spq;
    double inv_b = 1.0 / b;
    double a = -0.0873 + 0.0248 * b + 0.01 * p;
    double c = n * p + 0.5;
    double v_r = 0.92 - 4.2 * inv_b;
    double inv_v_r = 1.0 / v_r;
    double u_rv_r = 0.86 * v_r;
    for (;;) {
        /* step 1: the central region, accepted at once */
        double v = vci_ran_uniform(r);
        double u;
        if (v <= u_rv_r) {
            u = v * inv_v_r - 0.43;
            return (uint64_t)floor((2.0 * a / (0.5 - fabs(u)) + b) * u + c);
        }
        /* step 2: a point (u, v) under the hat */
        if (v >= v_r) {
            u = vci_ran_uniform(r) - 0.5;
        } else {
            u = v * inv_v_r - 0.93;
            u = (u < 0.0 ? -0.5 : 0.5) - u;
            v = vci_ran_uniform(r) * v_r;
        }
        /* step 3.0 (the constants needed from here on are set up only
         * now: most draws end in step 1) */
        double m = floor((n + 1.0) * p);
        double rr = p / q;
        double nr = (n + 1.0) * rr;
        double alpha = (2.83 + 5.1 * inv_b) * spq;
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + c);
        if (k < 0.0 || k > n) {
            continue;
        }
        v = v * alpha / (a / (us * us) + b);
        double km = fabs(k - m);
        if (km <= 15.0) {
            /* step 3.1: f(k)/f(m) by the recursion of the pmf, f(i) /
             * f(i - 1) = nr / i - rr = (nr - rr i) / i, as a ratio of two
             * products compared without a division (a division a factor
             * made this loop the slowest part of the sampler); at most 15
             * factors below 2^53 each cannot overflow */
            double num = 1.0, den = 1.0;
            if (m < k) {
                for (double i = m + 1.0; i <= k; i += 1.0) {
                    num *= nr - rr * i;
                    den *= i;
                }
                /* accept if v <= num / den */
                if (v * den <= num) {
                    return (uint64_t)k;
                }
            } else {
                for (double i = k + 1.0; i <= m; i += 1.0) {
                    num *= nr - rr * i;
                    den *= i;
                }
                /* accept if v num / den <= 1 (num = den = 1 when k = m) */
                if (v * num <= den) {
                    return (uint64_t)k;
                }
            }
            continue;
        }
        /* step 3.2: squeeze on the log scale */
        v = log(v);
        double rho =
            (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / npq + 0.5);
        double t = -km * km / (2.0 * npq);
        if (v < t - rho) {
            return (uint64_t)k;
        }
        if (v > t + rho) {
            continue;
        }
        /* steps 3.3-3.4: the exact log ratio f(k)/f(m) */
        double nm = n - m + 1.0;
        double h = (m + 0.5) * log((m + 1.0) / (rr * nm)) + binom_fc(m)
                   + binom_fc(n - m);
        double nk = n - k + 1.0;
        if (v <= h + (n + 1.0) * log(nm / nk)
                     + (k + 0.5) * log(nk * rr / (k + 1.0)) - binom_fc(k)
                     - binom_fc(n - k)) {
            return (uint64_t)k;
        }
    }
}

uint64_t vci_ran_binomial(const gsl_rng *r, double p, uint64_t n)
{
    if (n == 0 || !(p > 0.0)) {
        return 0;
    }
    if (p >= 1.0) {
        return n;
    }
    int flip = p > 0.5;
    double pp = flip ? 1.0 - p : p;
    double nd = (double)n;
    uint64_t x = nd * pp < 10.0 ? binom_inversion(r, nd, pp)
                                : binom_btrd(r, nd, pp);
    return flip ? n - x : x;
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
        /* inversion by sequential search; a u left over by rounding beyond
         * the total mass restarts (exact up to rounding) */
        double f0 = exp(-mu);
        for (;;) {
            double u = vci_ran_uniform(r);
            double f = f0;
            uint64_t x = 0;
            /* 1000 steps: beyond them the Poisson(mu < 10) mass is below
             * 1e-1000 and f has underflowed, so the loop must stop */
            while (u > f && x < 1000) {
                u -= f;
                x++;
                f *= mu / (double)x;
            }
            if (u <= f) {
                *k = x;
                return VC_OK;
            }
        }
    }
    /* Hormann (1993), algorithm PTRS. */
    double smu = sqrt(mu);
    double b = 0.931 + 2.53 * smu;
    double a = -0.059 + 0.02483 * b;
    double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = vci_ran_uniform(r) - 0.5;
        double v = vci_ran_uniform(r);
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
