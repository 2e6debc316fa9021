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

/* ---------------------------------------------------------------------
 * People with names (people.c): person-level lists for testing record
 * linkage against a known truth.
 * ------------------------------------------------------------------- */

#define VC_SIM_NATIONALITIES 5  /* Kazakh, Kyrgyz, Tajik, Uzbek, Russian */
#define VC_SIM_CONVENTIONS 4    /* romanisations: passport/BGN, English
                                   simple, French, Uzbek-Kazakh Latin */
#define VC_SIM_NAME_MAX 128     /* bytes of a name, with its NUL */

/* A person as the civil registry writes them (names in Cyrillic). */
typedef struct {
    int nationality;               /* 0 .. VC_SIM_NATIONALITIES - 1 */
    int female;
    char given[VC_SIM_NAME_MAX];   /* UTF-8, Cyrillic */
    char family[VC_SIM_NAME_MAX];
    int year, month, day;
} vc_sim_person;

enum { VC_SIM_CYRILLIC = 0, VC_SIM_LATIN = 1 };
enum { VC_SIM_DATE_ISO = 0, VC_SIM_DATE_DOTS = 1, VC_SIM_DATE_SLASHES = 2 };

/* How one list writes its records. */
typedef struct {
    int script;       /* VC_SIM_CYRILLIC or VC_SIM_LATIN */
    int convention;   /* its usual romanisation (Latin lists) */
    int date_format;  /* VC_SIM_DATE_* */
} vc_sim_list_style;

/* Probabilities of each recording error, per record (per name for the
 * typo). */
typedef struct {
    double typo;              /* one letter wrong, missing, doubled or
                                 swapped */
    double other_convention;  /* another romanisation than the list's */
    double married;           /* a woman recorded under another surname */
    double swap_day_month;    /* day and month swapped (when both <= 12) */
    double missing_date;      /* no date of birth */
} vc_sim_errors;

/* What a list holds of a person (UTF-8 strings). */
typedef struct {
    char given[VC_SIM_NAME_MAX], family[VC_SIM_NAME_MAX];
    char dob[16];        /* in the list's format, "" when missing */
    char sex[8];         /* F/M or Ж/М */
    char nationality[32];
    int married;         /* the surname is a married one */
} vc_sim_record;

/* Draw a person from r: twelve uniforms, always. */
void vc_sim_person_draw(const gsl_rng *r, vc_sim_person *p);

/* A family name in its female form when female (Slavic -ov, -ev, -in
 * take -a, -skiy becomes -skaya; -enko, -zoda do not); out filled, size
 * bytes. */
void vc_sim_family_name(const char *male, int female, char *out,
                        size_t size);

/* The record that a list in style ls keeps of person p, with errors
 * drawn from r under e (a fixed number of draws, plus those of the
 * typos that happen); out filled. */
void vc_sim_record_write(const gsl_rng *r, const vc_sim_person *p,
                         const vc_sim_list_style *ls, const vc_sim_errors *e,
                         vc_sim_record *out);

/* ---------------------------------------------------------------------
 * Covariates (covariates.c): populations split by categorical covariates
 * whose levels change every list's capture odds, with covariate values
 * missing at random among the people seen (issue 18).
 * ------------------------------------------------------------------- */

#define VC_SIM_MAX_COVARIATES 4
#define VC_SIM_MAX_LEVELS 8

/* Covariates of a simulated population.  Zero-initialise, then fill. */
typedef struct {
    size_t V;                                       /* 1..MAX_COVARIATES */
    size_t nlevels[VC_SIM_MAX_COVARIATES];          /* 1..MAX_LEVELS */
    double share[VC_SIM_MAX_COVARIATES][VC_SIM_MAX_LEVELS]; /* population
                                    shares, >= 0, not all 0 (normalised) */
    double shift[VC_SIM_MAX_COVARIATES][VC_SIM_MAX_LEVELS]; /* log-odds
                                    shift of every list's capture */
    double missing[VC_SIM_MAX_COVARIATES];          /* probability that a
                                    person seen has this value missing,
                                    [0, 1) */
} vc_sim_covariates;

/* Combinations of full levels (prod nlevels) and of levels-or-missing
 * (prod (nlevels + 1); level nlevels[v] = missing).  0 when cv is
 * invalid. */
size_t vc_sim_covariates_ncomb(const vc_sim_covariates *cv, int with_missing);

/*
 * Draw a population of N people under m and cv: N is split among the
 * combinations of levels (independent covariates, multinomial with the
 * product of the shares), combination c is drawn as vc_sim_draw under m
 * with every capture odds times exp(sum of its levels' shifts), and every
 * person seen loses each covariate value v with probability missing[v],
 * independently.  count (filled, ncomb(with_missing) * 2^J, index
 * c' * 2^J + x where c' runs over levels-or-missing, covariate 0
 * slowest) holds the people by what the data will show; truth (filled,
 * ncomb(full) * 2^J) by their true levels, x = 0 the unseen.  Streams:
 * (seed, stratum, 0, 0) splits N; combination c draws from
 * (seed, stratum, c + 1, 0) and hides values from (seed, stratum, c + 1,
 * 1), so the same seed gives the same population.  Errors: VC_EINVAL
 * (cv or m invalid), VC_ENOMEM.
 */
int vc_sim_draw_covariates(const vc_sim_model *m, const vc_sim_covariates *cv,
                           uint64_t N, uint64_t seed, uint64_t stratum,
                           uint64_t *count, uint64_t *truth, vc_error *err);

#endif /* VC_SIM_H */
