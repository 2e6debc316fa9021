/*
 * vc_covloglin.h: log-linear multiple-systems estimation with categorical
 * covariates (part of the estimators module, beside vc_loglin.h).
 *
 * The table is the incomplete 2^J x L_1 x ... x L_V contingency table of
 * capture patterns by covariate levels (Bishop, Fienberg & Holland 1975,
 * ch. 6; van der Heijden, Whittaker, Cruyff, Bakker & van der Vliet 2012,
 * "People born in the Middle East but residing in the Netherlands",
 * Ann. Appl. Stat. 6:831; Cruyff, van Dijk & van der Heijden
 * 2017, "The challenge of counting victims of human trafficking", CHANCE
 * 30(3):41): every combination c of covariate levels has its own 2^J
 * table, and one Poisson log-linear model is fitted over all of them,
 *
 *   log E[y_{c,x}] = sum_{t in T} lambda_t(c, x),
 *
 * T a hierarchical set of terms over the lists and the covariates.  The
 * cell x = 0 of every c (nobody saw these people) is not observed; the
 * model predicts it: n0_c = exp(eta_{c,0}), N_c = n_c + n0_c, and N for
 * a level of one covariate is the sum over the other covariates.  As
 * without covariates, the prediction assumes no term holds every list.
 *
 * Layout:
 *   covtable.c   the table from a dataset's per-combination tables
 *   covmodel.c   terms, R formulas (+ : * ( ) ^k) and their printing
 *   covfit.c     design, Newton (IRLS) fit, existence LP, estimates by
 *                level with Wald intervals
 *   covselect.c  model search over two-way terms by AIC, AICc or BIC
 *   covboot.c    parametric bootstrap
 *
 * Legend: J lists, V covariates, L_v levels of covariate v, c a
 * combination of levels (index, covariate 0 varying slowest), x a capture
 * pattern (bit j = seen by list j), y_{c,x} count, mu fitted mean,
 * n observed, n0 unseen, N = n + n0.  Log-scale quantities start log_.
 */
#ifndef VC_COVLOGLIN_H
#define VC_COVLOGLIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"
#include "data/vc_data.h"

/* Lists and covariates together: a term is a mask over both (bit j < J a
 * list, bit J + v covariate v). */
#define VC_COV_MAX_LISTS 12
#define VC_COV_MAX_COVARIATES 8
/* Levels of one covariate. */
#define VC_COV_MAX_LEVELS 64
/* Terms of a model, main effects included (the intercept is not a term). */
#define VC_COV_MAX_TERMS 256
/* Kinds of missingness (sets of covariates missing together) a table
 * holds. */
#define VC_COV_MAX_MISSING_TYPES 32
/* Cells of a table (combinations x 2^J): beyond this a table is refused
 * rather than filling memory (the design keeps up to 257 column indices
 * per cell: 67 MB at this limit). */
#define VC_COV_MAX_CELLS ((size_t)1 << 16)
/* Parameters of a model (columns of its design): the Newton step holds a
 * square matrix of this side (32 MB at the limit). */
#define VC_COV_MAX_PARAMS 2048

/* ---------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------- */

typedef struct {
    size_t J;            /* lists */
    char **lists;        /* J names (owned) */
    size_t V;            /* covariates */
    char **cov;          /* V names (owned) */
    size_t nlevels[VC_COV_MAX_COVARIATES];
    char **levels[VC_COV_MAX_COVARIATES]; /* nlevels[v] names each (owned),
                            sorted by byte value, as R orders a factor's
                            levels in the C locale */
    size_t ncomb;        /* prod nlevels */
    size_t ncell;        /* ncomb * 2^J */
    double *y;           /* ncell counts, index c * 2^J + x; y[c*2^J] = 0 */
    uint64_t n;          /* people observed, with missing values or not */
    /* People with some covariate value missing (empty or NA), by kind of
     * missingness: type[t] has bit v set when covariate v is missing;
     * ymiss[t] holds their counts by combination of the covariates they
     * have (index vc_covtable_reduce(ct, t, c) * 2^J + x). */
    size_t ntypes;
    uint32_t type[VC_COV_MAX_MISSING_TYPES];
    size_t type_ncomb[VC_COV_MAX_MISSING_TYPES];
    double *ymiss[VC_COV_MAX_MISSING_TYPES];
    uint64_t nmissing;   /* people in ymiss */
} vc_covtable;

/*
 * Build the table from ntables tables (borrowed) that are the slices of
 * one dataset: table i holds the people whose covariates have the values
 * t[i]->keys[key0 .. key0 + V) (vc_dataset with vc_read_opts.covariates;
 * key0 = the number of stratum columns).  A value "" or "NA" is
 * missing: those people go to ymiss.  Lists are matched by name;
 * every table must have the lists of t[0] (or a subset of them).  Levels
 * are those that occur, sorted; combinations that never occur have
 * zero counts.  Errors: VC_EINVAL (V or J out of range, too many levels
 * or cells, a table without keys, a list unknown to t[0]), VC_ENOMEM.
 * Returned; free with vc_covtable_free.
 */
vc_covtable *vc_covtable_from_tables(size_t ntables,
                                     const vc_table *const *t, size_t key0,
                                     size_t V, const char *const *cov_names,
                                     vc_error *err);

/* Build directly from counts y (ncomb * 2^J, copied; entries x = 0 are
 * ignored) with the given names and levels (copied).  Errors as above and
 * VC_EDATA (a negative or non-integral count).  For tests and
 * simulations. */
vc_covtable *vc_covtable_from_counts(size_t J, const char *const *lists,
                                     size_t V, const char *const *cov,
                                     const size_t *nlevels,
                                     const char *const *const *levels,
                                     const double *y, vc_error *err);

void vc_covtable_free(vc_covtable *ct);

/* Level of covariate v in combination c. */
size_t vc_covtable_level(const vc_covtable *ct, size_t c, size_t v);

/* Index among the combinations of the covariates that missingness type t
 * leaves known of full combination c. */
size_t vc_covtable_reduce(const vc_covtable *ct, size_t t, size_t c);

/* Add count people of pattern x (1 .. 2^J - 1) whose covariates in the
 * mask missing (non-zero) are missing and whose others have the levels
 * of full combination c (its missing ones ignored).  Errors: VC_EINVAL
 * (bad x or mask, too many types), VC_ENOMEM.  For tests and
 * simulations; vc_covtable_from_tables does this for missing values. */
int vc_covtable_add_missing(vc_covtable *ct, uint32_t missing, size_t c,
                            uint32_t x, double count, vc_error *err);

/* ---------------------------------------------------------------------
 * Models
 * ------------------------------------------------------------------- */

/*
 * A hierarchical model: term[] holds every term (masks over lists and
 * covariates, at least one bit), closed under taking non-empty subsets,
 * sorted by order and then by mask; the main effects of every list and
 * every covariate are always in (a covariate without its main effect
 * would force its levels to the same size).  A plain value.
 */
typedef struct {
    size_t J, V;
    size_t nterms;
    uint32_t term[VC_COV_MAX_TERMS];
} vc_covloglin_model;

/* Main effects of the J lists and V covariates only ("independence with
 * covariates").  VC_EINVAL when J or V is out of range. */
int vc_covloglin_model_independence(size_t J, size_t V,
                                    vc_covloglin_model *m, vc_error *err);

/* Add term (a mask over J + V variables) and every subset of it.
 * VC_EINVAL: empty, bits beyond J + V, too many terms, or every list in
 * it (the unseen cell would not be identifiable). */
int vc_covloglin_model_add(vc_covloglin_model *m, uint32_t term,
                           vc_error *err);

/* 1 when m holds term. */
int vc_covloglin_model_has(const vc_covloglin_model *m, uint32_t term);

/*
 * Parse an R model formula over the list and covariate names of ct:
 * "+" joins terms, ":" interacts them, "a*b" is a + b + a:b, "(...)"
 * groups and "(...)^k" is every interaction of up to k of the terms
 * inside (R's meaning, Chambers & Hastie 1992, sec. 2.3.1); a leading
 * "~" is allowed; names in double quotes or backquotes may hold any
 * character; "independence" and "all-two-way" are keywords.  The model
 * is made hierarchical and holds every main effect.  Errors (VC_EINVAL)
 * name the position (from 1) and what was expected there.
 */
int vc_covloglin_model_parse(const char *spec, const vc_covtable *ct,
                             vc_covloglin_model *m, vc_error *err);

/* Write m by its generators ("IOM*sex + NGO:Police + age"), names from
 * ct; parses back to m.  VC_EINVAL when buf is too small. */
int vc_covloglin_model_format(const vc_covloglin_model *m,
                              const vc_covtable *ct, char *buf, size_t size,
                              vc_error *err);

/* ---------------------------------------------------------------------
 * Fitting
 * ------------------------------------------------------------------- */

/* Information criteria. */
typedef enum {
    VC_COV_AIC = 0,   /* -2 loglik + 2 k */
    VC_COV_AICC = 1,  /* AIC + 2 k (k + 1) / (n - k - 1), n the people
                         observed (Hurvich & Tsai 1989); +inf when
                         n <= k + 1 */
    VC_COV_BIC = 2    /* -2 loglik + k log n */
} vc_cov_criterion;

/* An estimate for a group of combinations (the total, a level, a pair). */
typedef struct {
    double observed;      /* n of the group */
    double n0;            /* predicted unseen */
    double N;             /* observed + n0 */
    double se_log_n0;     /* delta method on log n0 */
    double lower, upper;  /* Wald on the log scale of n0 (never below
                             observed); the bootstrap replaces them */
} vc_cov_group;

/* One fit. */
typedef struct {
    vc_covloglin_model model;
    size_t k;             /* parameters */
    double deviance;      /* 2 sum y log(y/mu) - (y - mu), observed cells */
    double loglik;        /* sum y log mu - mu - lgamma(y + 1) */
    double aic, aicc, bic;
    double df;            /* observed cells - k */
    size_t iterations;
    double N, n0;         /* totals */
    double se_log_n0;
    size_t em_iterations; /* EM steps over missing covariate values (0
                             when none are missing) */
} vc_covloglin_result;

/* Scratch for fits on one table; not shared between threads. */
typedef struct vc_covloglin_workspace vc_covloglin_workspace;

/* Returned; VC_EINVAL (table beyond the limits), VC_ENOMEM. */
vc_covloglin_workspace *vc_covloglin_workspace_alloc(const vc_covtable *ct,
                                                     vc_error *err);
void vc_covloglin_workspace_free(vc_covloglin_workspace *w);

/*
 * Fit m to the counts of ct (y: NULL for ct->y, or ncell counts of a
 * replicate, fully classified) by Newton's method (IRLS for the canonical log link,
 * McCullagh & Nelder 1989, sec. 2.5), first checking by linear program
 * that the MLE exists (Haberman 1974, Thm 2.2; Fienberg & Rinaldo 2012)
 * when some observed cell is 0.  With y NULL and people with missing
 * covariate values in ct, the fit is the EM algorithm over the missing
 * values (covem.c; Zwane & van der Heijden 2007), and the groups count
 * those people as the EM allocates them.  fitted (may be NULL) receives ncell
 * means, the unobserved cells x = 0 predicted.  Errors: VC_EINVAL
 * (model for other J or V, more than VC_COV_MAX_PARAMS parameters),
 * VC_ENOMLE (the MLE does not exist), VC_ENOTIDENT
 * (a term holds every list), VC_ENOTCONV, VC_ENUMERIC, VC_ENOMEM.
 */
int vc_covloglin_fit(const vc_covtable *ct, const double *y,
                     const vc_covloglin_model *m, vc_covloglin_result *res,
                     double *fitted, vc_covloglin_workspace *w,
                     vc_error *err);

/*
 * After a fit with w: the estimate for the combinations c with
 * in_group[c] != 0 (ncomb flags), with a Wald interval at level (delta
 * method on log n0_G, n0_G = sum_{c in G} exp(eta_{c,0}), with the
 * inverse Fisher information of the fit).  Errors: VC_EINVAL.
 */
int vc_covloglin_group(const vc_covloglin_workspace *w,
                       const unsigned char *in_group, double level,
                       vc_cov_group *out, vc_error *err);

/* The criterion's value of a result. */
double vc_covloglin_criterion(const vc_covloglin_result *r,
                              vc_cov_criterion crit);

/* ---------------------------------------------------------------------
 * Model search
 * ------------------------------------------------------------------- */

/* Exhaustive search over every subset of the candidate two-way terms up
 * to this many candidates (2^12 = 4096 models); beyond, stepwise. */
#define VC_COV_EXHAUSTIVE_MAX 12

typedef struct {
    size_t ncandidates;   /* two-way terms considered */
    int exhaustive;       /* 1: every subset fitted; 0: stepwise */
    uint64_t nfitted;     /* models fitted with an MLE */
    uint64_t nrefused;    /* models without an MLE, or that failed */
} vc_cov_search_summary;

/*
 * Search from independence with covariates over the two-way terms
 * (lists x lists, lists x covariates, covariates x covariates; with
 * J = 2 the list pair is left out, since it holds every list), ranked by
 * crit.  exhaustive: 1 fits every subset when there are at most
 * VC_COV_EXHAUSTIVE_MAX candidates (else stepwise), 0 always stepwise:
 * forward, adding the term that lowers crit most, then backward,
 * removing one that lowers it, until neither does (a forward-backward
 * search as Cruyff's mse package offers).  Every fit has its existence
 * check; models without an MLE are skipped.  OpenMP parallel over models
 * of a step; the result does not depend on the thread count (ties go to
 * the earlier model).  best receives the fit of the chosen model.
 * Errors: VC_ENOMLE (not even independence fits), those of the fit.
 */
int vc_covloglin_search(const vc_covtable *ct, vc_cov_criterion crit,
                        int exhaustive, vc_covloglin_result *best,
                        vc_cov_search_summary *summary, vc_error *err);

/* ---------------------------------------------------------------------
 * Bootstrap
 * ------------------------------------------------------------------- */

/*
 * Parametric bootstrap of model m (Buckland & Garthwaite 1991, Biometrics
 * 47:255; as Cruyff's mse does): replicate b draws every observed cell
 * y*_{c,x} ~ Poisson(mu_{c,x}) from the fit of m, refits m and records
 * N*_G = n*_G + n0*_G for each of the ngroups groups (groups: ngroups x
 * ncomb flags, as vc_covloglin_group).  Replicate b draws from the
 * stream (seed, stratum, b, 0); replicates run in parallel (OpenMP) and
 * the result does not depend on the thread count.  reps (filled, B x
 * ngroups, replicate-major) gets each replicate's estimates, NaN for a
 * replicate whose fit failed (no MLE); *nfailed counts them.  lower and
 * upper (ngroups each) receive the percentile interval at level over the
 * replicates that fitted.  Errors: VC_EINVAL (B < 2, level), VC_ENOMEM,
 * VC_EUNDEFINED (fewer than 2 replicates fitted), those of the fit of m.
 */
int vc_covloglin_bootstrap(const vc_covtable *ct, const vc_covloglin_model *m,
                           size_t ngroups, const unsigned char *groups,
                           size_t B, uint64_t seed, uint64_t stratum,
                           double level, double *lower, double *upper,
                           double *reps, size_t *nfailed, vc_error *err);

#endif /* VC_COVLOGLIN_H */
