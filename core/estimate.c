/*
 * estimate.c: a fresh estimate, the words of every flag (one table for
 * all methods), the one formatter of warnings, and the check of an
 * interval level.
 */
#include <string.h>

#include "core/vc_estimate.h"

void vc_estimate_init(vc_estimate *e, const char *method, uint64_t observed)
{
    memset(e, 0, sizeof *e);
    e->method = method;
    e->observed = observed;
}

const char *vc_estimate_flag_text(unsigned flag)
{
    switch (flag) {
    case VC_FLAG_FEW_RECAPTURES:
        return "fewer than 7 people are on both lists: the estimate is "
               "biased and its interval approximate";
    case VC_FLAG_NO_UNSEEN:
        return "the estimate equals the number of people seen: the "
               "interval has no width";
    case VC_FLAG_BIAS_CORRECTED:
        return "nobody is on exactly two lists (f2 = 0): the "
               "bias-corrected form of Chao's bound is used";
    case VC_FLAG_WALD_CLIPPED:
        return "the Wald interval fell below the people seen and was "
               "raised to that number";
    case VC_FLAG_SPARSE:
        return "some pair of lists has no one in common";
    case VC_FLAG_UPPER_OPEN:
        return "the upper end of the interval ran off the search range: "
               "the data do not bound the population from above, and the "
               "upper figure is the search limit, not a bound";
    case VC_FLAG_NOT_CONVERGED:
        return "not converged: R-hat or bulk ESS of N misses its target; "
               "sample longer";
    case VC_FLAG_BOUND:
        return "the bound on N was reached by some draws: the posterior "
               "is truncated there";
    case VC_FLAG_TAILS:
        return "not converged: the chains disagree on the share of their "
               "draws beyond the interval's ends (a region of N some "
               "chains visit and others do not); sample longer or with "
               "more chains";
    case VC_FLAG_REPLICA:
        return "not converged: a replica of tempering, reweighted to the "
               "posterior, puts weight on N that the cold chains never "
               "visit; sample longer, with more chains or temperatures";
    default:
        return NULL;
    }
}

size_t vc_estimate_warnings(unsigned flags, const char **out, size_t max)
{
    size_t k = 0;
    for (unsigned bit = 1; bit != 0 && bit <= VC_FLAG_LAST && k < max;
         bit <<= 1) {
        const char *txt = (flags & bit) ? vc_estimate_flag_text(bit) : NULL;
        if (txt != NULL) {
            out[k++] = txt;
        }
    }
    return k;
}

int vc_level_check(double level, vc_error *err)
{
    if (!(level > 0.0 && level < 1.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "interval level must lie strictly between 0 "
                            "and 1, got %g", level);
    }
    return VC_OK;
}
