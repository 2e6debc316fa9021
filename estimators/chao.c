/*
 * chao.c: Chao's lower bound for the population size under heterogeneous
 * catchability.
 *
 * Legend: n people seen, f_k people seen by exactly k of the J lists.
 * Chao (1987, Biometrics 43:783-791) shows that when capture probabilities
 * vary between people (model Mh), the expected number never seen is at
 * least f1^2 / (2 f2), giving
 *     N = n + f1^2 / (2 f2),
 *     var(N) = f2 [ (f1/f2)^4 / 4 + (f1/f2)^3 + (f1/f2)^2 / 2 ]
 * (Chao 1987, section 2).  When f2 = 0 the bias-corrected form
 *     N = n + f1 (f1 - 1) / 2,
 *     var(N) = f1 (f1 - 1) / 2 + f1 (2 f1 - 1)^2 / 4 - f1^4 / (4 N)
 * is used (Chao 2005, "Species estimation and applications", Encyclopedia
 * of Statistical Sciences, 2nd ed., 7907-7916).  The interval is the
 * log-normal one of Chao (1987).  It is a lower bound: with positive
 * dependence between lists the truth can be much larger.
 */
#include <math.h>
#include <stdlib.h>

#include "estimators/vc_estimators.h"

int vc_chao_estimate(const vc_table *t, double level, vc_estimate *out,
                     vc_error *err)
{
    if (!(level > 0.0 && level < 1.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "interval level must lie strictly between 0 "
                            "and 1, got %g", level);
    }
    uint64_t *f = calloc(t->J + 1 > 3 ? t->J + 1 : 3, sizeof *f);
    if (f == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate frequencies");
    }
    vc_table_capture_frequencies(t, f);
    double f1 = (double)f[1];
    double f2 = (t->J >= 2) ? (double)f[2] : 0.0;
    free(f);

    double n = (double)t->n;
    out->method = "chao";
    out->observed = t->n;
    out->flags = 0u;
    out->has_se = 1;
    out->list_a = 0;
    out->list_b = 0;
    if (f2 > 0.0) {
        double r = f1 / f2;
        out->estimate = n + f1 * f1 / (2.0 * f2);
        out->se = sqrt(f2 * (r * r * r * r / 4.0 + r * r * r + r * r / 2.0));
    } else {
        out->flags |= VC_FLAG_BIAS_CORRECTED;
        out->estimate = n + f1 * (f1 - 1.0) / 2.0;
        double v = f1 * (f1 - 1.0) / 2.0
                   + f1 * (2.0 * f1 - 1.0) * (2.0 * f1 - 1.0) / 4.0
                   - f1 * f1 * f1 * f1 / (4.0 * out->estimate);
        out->se = v > 0.0 ? sqrt(v) : 0.0;
    }
    vc_interval_fill(out->estimate, out->se, t->n, level,
                     VC_INTERVAL_LOGNORMAL, out);
    return VC_OK;
}
