/*
 * interval.c: confidence intervals shared by the classical estimators.
 *
 * Log-normal interval (Chao 1987, Biometrics 43:783-791, section 3): the number
 * unseen f0 = N - n is taken as log-normally distributed, so with
 *     C = exp(z sqrt(log(1 + var(N) / f0^2)))
 * the interval is [n + f0 / C, n + f0 C].  It never falls below n, the
 * people actually seen, and is skewed to the right as the sampling
 * distribution of N-hat is.  Wald: N +/- z se, lower end raised to n.
 * z is the standard normal quantile at 1 - (1 - level) / 2.
 */
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "estimators/vc_estimators.h"

void vc_interval_fill(double N, double se, uint64_t n, double level,
                      vc_interval_kind kind, vc_estimate *out)
{
    double z = gsl_cdf_ugaussian_Pinv(0.5 + level / 2.0);
    double nd = (double)n;
    double f0 = N - nd;
    out->level = level;
    if (kind == VC_INTERVAL_WALD) {
        out->interval = "Wald";
        out->lower = N - z * se;
        out->upper = N + z * se;
        if (out->lower < nd) {
            out->lower = nd;
            out->flags |= VC_FLAG_WALD_CLIPPED;
        }
        return;
    }
    out->interval = "log-normal (Chao 1987)";
    if (f0 <= 0.0 || se <= 0.0) {
        /* Nobody is estimated unseen, or nothing varies: the log-normal
         * interval degenerates to the point. */
        out->lower = N;
        out->upper = N;
        out->flags |= VC_FLAG_NO_UNSEEN;
        return;
    }
    double C = exp(z * sqrt(log1p(se * se / (f0 * f0))));
    out->lower = nd + f0 / C;
    out->upper = nd + f0 * C;
}
