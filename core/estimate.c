/*
 * estimate.c: a fresh estimate, the words of every flag (one table for
 * all methods), the one formatter of warnings, and the check of an
 * interval level.
 */
#include <math.h>
#include <stdlib.h>
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
    case VC_FLAG_BCA_TAIL:
        return "the bootstrap interval is unsteady: most replicates' "
               "stepwise searches land on one side of the estimate, or an "
               "end lies at the most extreme replicate, so the BCa "
               "correction is not small; compare the percentile interval, "
               "or use --interval profile";
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

/* Points of the density's grid in vc_log_mass_groups. */
#define MASS_GRID 512

size_t vc_log_mass_groups(const double *x, const double *w, size_t n,
                          double bandwidth, size_t *group)
{
    double lo = HUGE_VAL, hi = -HUGE_VAL, total = 0.0;
    for (size_t i = 0; i < n; i++) {
        group[i] = (size_t)-1;
        if (x[i] > 0.0 && isfinite(x[i])) {
            double l = log(x[i]);
            lo = l < lo ? l : lo;
            hi = l > hi ? l : hi;
            double wi = w ? w[i] : 1.0;
            total += wi > 0.0 ? wi : 0.0;
        }
    }
    if (!(hi >= lo) || !(bandwidth > 0.0)) {
        return 0;
    }
    double a = lo - 3.0 * bandwidth, step = (hi - lo + 6.0 * bandwidth)
                                            / (MASS_GRID - 1);
    double dens[MASS_GRID];
    for (size_t g = 0; g < MASS_GRID; g++) {
        double at = a + step * (double)g, s = 0.0;
        for (size_t i = 0; i < n; i++) {
            double wi = w ? w[i] : 1.0;
            if (!(x[i] > 0.0 && isfinite(x[i]) && wi > 0.0)) {
                continue;
            }
            double z = (at - log(x[i])) / bandwidth;
            s += wi * exp(-0.5 * z * z);
        }
        dens[g] = s;
    }
    /* cut[k]: the grid point where group k + 1 starts */
    size_t cut[MASS_GRID];
    size_t ncut = 0;
    double peak = -1.0;       /* the current group's highest peak */
    size_t last = 0;          /* where it is */
    int seen = 0;
    for (size_t g = 0; g < MASS_GRID; g++) {
        int is_peak = (g == 0 || dens[g] > dens[g - 1])
                      && (g + 1 == MASS_GRID || dens[g] >= dens[g + 1])
                      && total > 0.0;
        if (!is_peak) {
            continue;
        }
        if (!seen) {
            seen = 1;
            peak = dens[g];
            last = g;
            continue;
        }
        size_t v = last;
        for (size_t k = last; k <= g; k++) {
            v = dens[k] < dens[v] ? k : v;
        }
        double lower = peak < dens[g] ? peak : dens[g];
        if (dens[v] <= VC_VALLEY_DEPTH * lower) {
            cut[ncut++] = v;
            peak = dens[g];
            last = g;
        } else if (dens[g] > peak) {
            peak = dens[g];
            last = g;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0.0 && isfinite(x[i]))) {
            continue;
        }
        double pos = (log(x[i]) - a) / step;
        size_t k = 0;
        while (k < ncut && pos >= (double)cut[k]) {
            k++;
        }
        group[i] = k;
    }
    /* renumber so that only groups holding a value count */
    size_t map[MASS_GRID + 1], used = 0;
    for (size_t k = 0; k <= ncut; k++) {
        map[k] = (size_t)-1;
    }
    for (size_t k = 0; k <= ncut; k++) {
        for (size_t i = 0; i < n; i++) {
            if (group[i] == k) {
                map[k] = used++;
                break;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (group[i] != (size_t)-1) {
            group[i] = map[group[i]];
        }
    }
    return used;
}
