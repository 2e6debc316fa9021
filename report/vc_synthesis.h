/*
 * vc_synthesis.h: which number to quote (issue 17).  Given what each of
 * several methods said about one population (its interval, whether it
 * converged, its model check, and the regimes of N its posterior or its
 * near-best models allow), say whether the methods agree, which regimes
 * the data allow, and the range a careful analyst would quote, with one
 * or two plain sentences.  Writes into caller structs; never prints.
 */
#ifndef VC_SYNTHESIS_H
#define VC_SYNTHESIS_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_estimate.h"

#define VC_SYNTH_MAX_METHODS 8  /* methods in one synthesis */
#define VC_SYNTH_MAX_REGIMES 8  /* regimes of one method, and in all */
#define VC_SYNTH_WORDS 384      /* bytes of a structure in words */
#define VC_SYNTH_CHECK_P 0.01   /* a model check fails below this p */
/* The methods' regimes are grouped by estimate as dga's graphs are: their
 * shares of weight split at the valleys of their mass on log N
 * (vc_log_mass_groups), with a narrower kernel than within one method
 * (VC_DGA_REGIME_BANDWIDTH, 0.15): each method here is one point, not a
 * cloud of graphs, and on Kosovo independence's 7,400 must stand apart
 * from lcm's 10,400 (a factor of 1.4). */
#define VC_SYNTH_REGIME_BANDWIDTH 0.1
/* A regime of at least this weight counts as an explanation the data
 * allow in the statement (the lighter ones stay in the list). */
#define VC_SYNTH_REGIME_MIN_WEIGHT 0.1
/* Regimes lighter than this are not listed (their weight is then
 * missing from the sum of the listed ones). */
#define VC_SYNTH_REGIME_MIN_LISTED 0.01

/* One regime a method allows: N summary, its weight within the method
 * (posterior probability, criterion weight, share of draws) and the
 * dependence structure that produces it, in words. */
typedef struct {
    double estimate, lower, upper;
    double weight;
    char structure[VC_SYNTH_WORDS];
} vc_synth_regime;

/* What one method said about the population. */
typedef struct {
    const char *method;    /* "loglinear", "lcm", "dga", "independence"
                              (borrowed) */
    int has_estimate;      /* 0: it failed (no MLE, no estimate) */
    const char *error;     /* why it failed (borrowed; may be NULL) */
    double estimate, lower, upper;
    unsigned flags;        /* VC_FLAG_* of its estimate */
    /* Its model check (issue 17, "Model checks"): the posterior
     * predictive p-value of lcm and dga (Gelman, Meng & Stern 1996) or
     * the goodness-of-fit p-value of the log-linear model; NaN when no
     * check was computed, which counts as passing.  The checks come from
     * the model-check work of issue 17 and are plugged in by the caller
     * (cli/synthesis.c says where). */
    double ppp;
    const char *check;     /* the check's name for the reason, e.g.
                              "posterior predictive check" (borrowed; NULL:
                              "model check") */
    /* Regimes in increasing N, weights summing to about 1; none: its
     * interval is its one regime, with `structure` below. */
    size_t nregimes;
    vc_synth_regime regime[VC_SYNTH_MAX_REGIMES];
    char structure[VC_SYNTH_WORDS];
} vc_synth_method;

/* A regime of the synthesis: regimes of the passing methods whose
 * estimates lie together (above). */
typedef struct {
    double estimate;       /* weighted geometric mean of its members' */
    double lower, upper;   /* envelope of its members' intervals */
    double weight;         /* share of the passing methods' weight, each
                              method counted equally */
    unsigned methods;      /* bit i: method i has a member here */
    char structure[VC_SYNTH_WORDS]; /* its heaviest member's */
} vc_synth_group;

typedef struct {
    size_t nmethods;
    unsigned passing;      /* bit i: method i passes its checks */
    char reason[VC_SYNTH_MAX_METHODS][192]; /* why method i does not pass
                                              ("" when it does) */
    int agree;             /* the passing methods' intervals overlap
                              pairwise (and at least one passes) */
    size_t nregimes;
    vc_synth_group regime[VC_SYNTH_MAX_REGIMES]; /* in increasing N */
    double quote_lower, quote_upper; /* the range to quote: the envelope
                                        of the passing intervals */
    double common_lower, common_upper; /* when they agree, the range all
                                          the passing intervals share;
                                          else NaN */
    double about_lower, about_upper; /* it rounded outwards */
    char about[128];       /* "about 9,000–34,000" */
    char statement[2048];  /* one or two plain sentences, more when
                              methods fail */
} vc_synthesis;

/*
 * The synthesis of methods m[0 .. n-1] (n <= VC_SYNTH_MAX_METHODS) on one
 * population.  A method passes unless it has no estimate, is not
 * converged (VC_FLAG_NOT_CONVERGED, VC_FLAG_TAILS, VC_FLAG_REPLICA) or
 * its check's p is below VC_SYNTH_CHECK_P.  The methods agree when the
 * intervals of the passing ones overlap pairwise (their common range,
 * the largest lower end to the smallest upper end, is then filled).  The
 * quote is the envelope of the passing methods' intervals (of every
 * method with an estimate when none passes): it covers N at least as
 * often as the best of them, where the common range covers it less often
 * than the worst (bench/COVERAGE.md).  Regimes: the passing methods' regimes grouped by
 * estimate.  figures: as vc_about_range for the "about" range.  Errors:
 * VC_EINVAL (n 0 or too many, no method with an estimate).
 */
int vc_synthesize(const vc_synth_method *m, size_t n, int figures,
                  vc_synthesis *s, vc_error *err);

/*
 * A dependence structure in words: nbr[j] (bit k: list k depends
 * directly on list j) for J <= 32 lists named names[], as its maximal
 * cliques ("IOM, Police and NGO depend on each other; HRW is independent
 * of the others"), or "the lists are independent".  Returns the length
 * the full text needs, as snprintf.
 */
size_t vc_synth_structure_words(size_t J, const char *const *names,
                                const uint32_t *nbr, char *buf,
                                size_t size);

#endif /* VC_SYNTHESIS_H */
