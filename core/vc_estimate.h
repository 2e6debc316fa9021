/*
 * vc_estimate.h: the vocabulary every method speaks.  One estimate of a
 * population size (vc_estimate), the soft problems that can come with it
 * (VC_FLAG_*, one bit space for every method), their words for people,
 * and the check of an interval level that every method applies.
 *
 * It lives in core, which depends on nothing, because everything that
 * makes or reads estimates sits above it: the classical estimators, the
 * Bayesian models, the report and the front ends (CLI, service, Python
 * and R).  A flag that only a model sets is still named here, so that a
 * caller formats the warnings of any method with one function and no
 * method translates another's bits.
 */
#ifndef VC_ESTIMATE_H
#define VC_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"

/*
 * Soft problems: bits of vc_estimate.flags (and of vc_lcm_summary.flags
 * and vc_dga_result.flags), each with words from vc_estimate_flag_text.
 * Warnings are listed in the order of their bits.
 */
#define VC_FLAG_FEW_RECAPTURES 0x1u  /* m < 7: Chapman is biased, interval
                                        approximate (Seber 1982, p. 60) */
#define VC_FLAG_NO_UNSEEN      0x2u  /* estimate equals n observed: nobody
                                        unseen, interval degenerate */
#define VC_FLAG_BIAS_CORRECTED 0x4u  /* Chao: f2 = 0, bias-corrected form */
#define VC_FLAG_WALD_CLIPPED   0x8u  /* Wald lower end raised to n */
#define VC_FLAG_SPARSE         0x10u /* a pair of lists never overlaps
                                        (dga: graphs joining them rest on
                                        the prior alone) */
#define VC_FLAG_UPPER_OPEN     0x20u /* the interval's upper end ran off
                                        the search range (the profile's
                                        N_max, the top of dga's grid of
                                        n0, which holds posterior mass):
                                        the upper limit is that range's
                                        end, not a bound */
#define VC_FLAG_NOT_CONVERGED  0x40u /* MCMC: R-hat >= rhat_max, bulk ESS <
                                        ess_min, or undefined (lcm: of N;
                                        dga: of E(N | G) or the number of
                                        edges) */
#define VC_FLAG_BOUND          0x80u /* lcm: a draw of N was held back by
                                        the n_max bound */
#define VC_FLAG_TAILS          0x100u /* lcm: the chains disagree on the
                                         share of their draws beyond the
                                         interval's ends (a region some
                                         chains visit and others do not;
                                         issue 21): not converged either */
#define VC_FLAG_REPLICA        0x200u /* lcm: a replica of tempering,
                                         reweighted to the posterior, puts
                                         weight on N the cold chains never
                                         visit (issue 21): not converged
                                         either */
#define VC_FLAG_BCA_TAIL       0x400u /* loglinear bootstrap: more than
                                         84% of the replicates lie on one
                                         side of the estimate (|z0| > 1),
                                         or a BCa end lies beyond all the
                                         replicates but less than one */
#define VC_FLAG_LAST           0x400u /* the highest bit in use */
#define VC_FLAG_COUNT          11     /* bits in use: the most warnings an
                                         estimate can carry */

/* One estimate.  Strings are static. */
typedef struct {
    const char *method;   /* "petersen", "chapman", "chao", "independence",
                             "loglinear", "lcm", "dga" */
    double estimate;      /* N-hat, people in all (seen and unseen) */
    double se;            /* standard error of N-hat; valid when has_se */
    int has_se;
    double level;         /* interval level, e.g. 0.95 */
    double lower, upper;  /* interval for N */
    const char *interval; /* kind of interval, e.g. "log-normal (Chao 1987)" */
    uint64_t observed;    /* n: people seen by at least one list */
    size_t list_a, list_b;/* the two lists, for two-list methods */
    unsigned flags;       /* VC_FLAG_* */
} vc_estimate;

/* Start *e as an estimate of method (a static string) on `observed`
 * people seen: every other field zero, for the method to fill. */
void vc_estimate_init(vc_estimate *e, const char *method, uint64_t observed);

/* Plain-words description of one flag bit (static), or NULL for a bit
 * that is not a flag. */
const char *vc_estimate_flag_text(unsigned flag);

/*
 * The warnings of flags: the words of each flag set, lowest bit first,
 * into out[0 .. max-1] (filled; static strings).  Returns how many were
 * written (bits that are not flags are skipped).  With max >=
 * VC_FLAG_COUNT every warning fits.  Text, JSON, CSV, the report and the
 * bindings all word flags through this function.
 */
size_t vc_estimate_warnings(unsigned flags, const char **out, size_t max);

/*
 * VC_OK when level lies strictly between 0 and 1 (an interval level such
 * as 0.95); else VC_EINVAL with a message that quotes it.  Every function
 * that takes a level checks it with this.
 */
int vc_level_check(double level, vc_error *err);

/*
 * Group weighted positive numbers on the log scale by the valleys of
 * their mass (issue 17's regimes: graphs by E(N | G), models by N,
 * methods' regimes by estimate).  The weights w (NULL: equal) are
 * smoothed with a Gaussian kernel of sd `bandwidth` on log x (Silverman
 * 1986, sec. 2.4) on a grid of 512 points; scanning the density's peaks
 * in increasing x, a new group starts at the lowest point between the
 * current group's highest peak and the next peak when that point is at
 * most VC_VALLEY_DEPTH of the lower of the two; else the peaks merge.
 * A value with little weight between two heavy ones thus joins one of
 * them instead of bridging them (single linkage on the values would).
 * group[i] (filled) receives the group of x[i], numbered 0, 1, ... in
 * increasing x; returns their number.  Values that are not positive and
 * finite, or have weight <= 0 or NaN, still get the group they fall in
 * when positive and finite, else (size_t)-1.  n may be 0.
 */
#define VC_VALLEY_DEPTH 0.5
size_t vc_log_mass_groups(const double *x, const double *w, size_t n,
                          double bandwidth, size_t *group);

#endif /* VC_ESTIMATE_H */
