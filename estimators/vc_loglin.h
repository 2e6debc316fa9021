/*
 * vc_loglin.h: log-linear multiple-systems estimation (part of the
 * estimators module, beside vc_estimators.h).
 *
 * Hierarchical Poisson log-linear models on the incomplete 2^J table
 * (Fienberg 1972, Biometrika 59:591): for every capture pattern x != 0,
 *
 *   log E[y_x] = u + sum_j u_j x_j + sum_{t in T} u_t prod_{j in t} x_j,
 *
 * where T is a set of interaction terms (subsets of two or more lists)
 * closed under taking subsets.  The number nobody saw is n0 = exp(u) and
 * N = n + n0.  Sparse tables are handled as Chan, Silverman & Vincent (2021,
 * JASA 116:1297) do: an interaction whose lists never meet is fixed at minus
 * infinity (the extended MLE), and a linear program decides whether the MLE
 * exists and N is identifiable (Fienberg & Rinaldo 2012).
 *
 * Layout of this part of the module:
 *   loglin.c     model terms, parsing and printing model strings, IRLS fit
 *   exist.c      existence and identifiability (GLPK linear program)
 *   select.c     stepwise selection and AIC/BIC enumeration
 *   profile.c    profile-likelihood interval for N
 *   bootstrap.c  bootstrap through stepwise selection, percentile and BCa
 *
 * Legend: J lists, cell = capture pattern as a bitmask (bit j = seen by list
 * j), y_x observed count of cell x, mu_x fitted mean, n observed, n0 unseen,
 * N = n + n0.  Log-scale quantities start with log_.
 */
#ifndef VC_LOGLIN_H
#define VC_LOGLIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"
#include "core/vc_estimate.h"
#include "data/vc_data.h"

/* More lists than this are refused by the log-linear code (VC_EINVAL): the
 * fit works on all 2^J - 1 observable cells, 2^20 of them at this limit
 * (about 40 MB of workspace).  Wide animal tables such as the 18-occasion
 * rbvole data still fit the independence model. */
#define VC_LOGLIN_MAX_LISTS 20

/* Most interaction terms a model may hold.  All two- and three-way terms of
 * 8 lists (28 + 56) fit, and so do all pairs of 20 lists (190); a model
 * beyond this is refused with VC_EINVAL. */
#define VC_LOGLIN_MAX_TERMS 256

/* Parameters of a model: intercept, J main effects, interaction terms,
 * and at most J - 2 heterogeneity columns (Chao's lower bound). */
#define VC_LOGLIN_MAX_PARAMS \
    (1 + VC_LOGLIN_MAX_LISTS + VC_LOGLIN_MAX_TERMS + VC_LOGLIN_MAX_LISTS)

/*
 * Heterogeneity of capture probabilities between people, as Rcapture's
 * closedp.t / closedpCI.t model it for Mth, and for Mh on an M0 model
 * (vc_loglin_model.common) (Baillargeon & Rivest 2007,
 * J. Stat. Softw. 19(5), sec. 2; Rivest & Baillargeon 2007, Biometrics
 * 63:999; Rivest 2011): extra columns of the design that depend on a cell
 * only through k, the number of lists that saw it.  With theta the form's
 * parameter:
 *   CHAO     Chao's lower bound ("LB"): J - 2 columns (k - j)_+ for
 *            j = 2 .. J-1, one eta per column; eta_j is the jump in slope of
 *            log mu at k = j, which a mixture of capture probabilities makes
 *            >= 0, so negative etas are fixed at 0 (Rcapture's neg = TRUE)
 *   POISSON  theta^k - 1           (Rcapture "Poisson2": theta = 2)
 *   DARROCH  k^2 / 2               (Darroch et al. 1993)
 *   GAMMA    -log(theta + k) + log(theta)   (Rcapture "Gamma3.5")
 * Every column is 0 at k = 0, so the intercept stays log n0.
 */
typedef enum {
    VC_LOGLIN_HET_NONE = 0,
    VC_LOGLIN_HET_CHAO = 1,
    VC_LOGLIN_HET_POISSON = 2,
    VC_LOGLIN_HET_DARROCH = 3,
    VC_LOGLIN_HET_GAMMA = 4
} vc_loglin_het;

/* Default theta of the Poisson and Gamma forms (Rcapture's). */
#define VC_LOGLIN_POISSON_THETA 2.0
#define VC_LOGLIN_GAMMA_THETA 3.5

/*
 * A hierarchical log-linear model.  Main effects of all J lists are always
 * in; term[] holds the interactions (masks with two or more bits), closed
 * under subsets and sorted by order and then by mask, so two equal models
 * compare equal field by field.  het adds heterogeneity columns (theta is
 * their parameter, 0 when the form has none); eta_zero has bit j set when
 * Chao's eta_j is fixed at 0 (vc_loglin_fit sets it; 0 otherwise).
 *
 * common = 1 gives every list the same main effect: Rcapture's M0 (one
 * capture probability p for every list and person, so log mu_x = u +
 * beta k_x with k_x the number of lists in x and beta = log(p / (1 - p));
 * Otis et al. 1978; Baillargeon & Rivest 2007, sec. 2), and with het its
 * Mh models (closedp.0 / closedp.t rows "Mh Chao (LB)", "Mh Poisson2",
 * ...).  The J main effects are then one parameter with design column k_x.
 * Such a model has no interaction terms (nterms = 0; vc_loglin_model_add
 * refuses them).  A plain value: copy it freely.
 */
typedef struct {
    size_t J;
    size_t nterms;
    uint32_t term[VC_LOGLIN_MAX_TERMS];
    int het;             /* vc_loglin_het */
    double theta;
    uint32_t eta_zero;
    int common;          /* 1: one main effect shared by all lists (M0) */
} vc_loglin_model;

/*
 * Give model m the heterogeneity form het with parameter theta (ignored by
 * CHAO and DARROCH; <= 0 picks the default of POISSON and GAMMA).
 * VC_EINVAL: unknown form, J < 3 (the columns would be confounded with the
 * main effects), POISSON theta not above 1, GAMMA theta not positive.
 */
int vc_loglin_model_set_het(vc_loglin_model *m, int het, double theta,
                            vc_error *err);

/* Number of heterogeneity parameters of model m: J - 2 for CHAO, 1 for the
 * other forms, 0 without. */
size_t vc_loglin_model_nhet(const vc_loglin_model *m);

/* The independence model (main effects only) on J lists.  VC_EINVAL when J
 * is 0 or above VC_LOGLIN_MAX_LISTS. */
int vc_loglin_model_independence(size_t J, vc_loglin_model *m, vc_error *err);

/* All two-list interactions on J lists.  VC_EINVAL as above. */
int vc_loglin_model_all_two_way(size_t J, vc_loglin_model *m, vc_error *err);

/* The model M0 on J lists (common = 1, no interactions): every list has
 * the same capture probability.  VC_EINVAL as above. */
int vc_loglin_model_m0(size_t J, vc_loglin_model *m, vc_error *err);

/*
 * Add the interaction term (a mask of two or more lists) and every subset
 * of it that the model lacks, keeping the model hierarchical and sorted.
 * Adding a present term is a no-op.  VC_EINVAL: fewer than two bits, bits
 * beyond J, more than VC_LOGLIN_MAX_TERMS terms, or an M0 model (common).
 */
int vc_loglin_model_add(vc_loglin_model *m, uint32_t term, vc_error *err);

/* 1 when the model holds the term (a main effect counts as held), else 0. */
int vc_loglin_model_has(const vc_loglin_model *m, uint32_t term);

/*
 * Parse a model string for a table with J lists named names[0..J-1]
 * (borrowed; may be NULL when only the bracket form and keywords are used).
 * Accepted forms:
 *   "independence", "all-two-way"         keywords (any case)
 *   "M0"                                  keyword (any case): one main
 *                                         effect shared by all lists
 *                                         (Rcapture's M0; no interactions)
 *   "[12,3]", "[12,13,23]"                SparseMSE's bracket form: each
 *                                         group lists 1-based list numbers
 *                                         (file order); J <= 9 only
 *   "IOM*NGO + Police", "A:B + C"         list names; "*" and ":" both join
 *                                         lists into one term
 *   "\"IOM+NGO\"*Police"                   a name in double quotes (a quote
 *                                         inside doubled) when it holds
 *                                         + * : or ", has spaces at either
 *                                         end, or would read as a keyword,
 *                                         "[..." or "h=...": a merged list
 *                                         such as IOM+NGO is named so
 * and any of these followed by one heterogeneity summand (Rcapture's h):
 *   "+ h=Chao" (or "h=LB"), "+ h=Poisson", "+ h=Poisson(3)", "+ h=Darroch",
 *   "+ h=Gamma", "+ h=Gamma(2.5)"        names in any case; theta in
 *                                         parentheses, defaults 2 and 3.5
 * e.g. "[13,2] + h=Chao", "independence + h=Darroch" (Rcapture's Mth
 * Darroch), "M0 + h=Poisson" (Rcapture's Mh Poisson2).  A keyword wins
 * over a list of the same name.
 * Every model is made hierarchical: a term brings all its subsets (so "A:B:C"
 * means "A*B*C").  Lists not named keep their main effects.  m is filled.
 * Errors (VC_EINVAL, with the culprit named): empty or malformed string,
 * unknown list name or number, a list repeated inside a term, too many
 * terms, J out of range, unknown or repeated heterogeneity, a bad theta.
 */
int vc_loglin_model_parse(const char *spec, size_t J, const char *const *names,
                          vc_loglin_model *m, vc_error *err);

/*
 * Write the model into buf (size bytes, NUL-terminated) by its generators
 * (the terms contained in no other term, and lone main effects).  names NULL:
 * bracket form "[12,3]" (J <= 9); otherwise name form "IOM*NGO + Police",
 * with the names that need it in quotes ("\"IOM+NGO\"*Police").
 * Either form parses back to the same model.  VC_EINVAL when the bracket
 * form is asked for J > 9 or buf is too small (buf then holds a truncated,
 * NUL-terminated string).  An M0 model (common) is "M0" in both forms.
 * Heterogeneity is appended as " + h=Chao", " + h=Poisson(2)" etc.
 */
int vc_loglin_model_format(const vc_loglin_model *m, const char *const *names,
                           char *buf, size_t size, vc_error *err);

/* ---------------------------------------------------------------------
 * Fitting
 * ------------------------------------------------------------------- */

/* Existence and identifiability codes of Chan, Silverman & Vincent (2021). */
#define VC_LOGLIN_EXISTS 0       /* the (extended) MLE exists, N identifiable */
#define VC_LOGLIN_NO_MLE 1       /* the MLE does not exist */
#define VC_LOGLIN_NOT_IDENT 2    /* N is not identifiable */
#define VC_LOGLIN_NO_MLE_NOT_IDENT 3

/* State of one coefficient in a fit. */
#define VC_LOGLIN_COEF_FREE 0    /* estimated, finite */
#define VC_LOGLIN_COEF_NEGINF 1  /* fixed at minus infinity: its lists
                                    never meet (extended MLE) */
#define VC_LOGLIN_COEF_ALIASED 2 /* not estimable from the cells left (set
                                    to 0, as glm reports NA) */
#define VC_LOGLIN_COEF_ZERO 3    /* a Chao eta fixed at 0 because its
                                    estimate was negative (its column is
                                    left out, as Rcapture does) */
#define VC_LOGLIN_COEF_TIED 4    /* main effect of lists 2..J of an M0
                                    model: equal to coef[1], the common
                                    main effect, and not a parameter of its
                                    own (coef and se hold coef[1]'s) */

/* Which information criterion ranks models. */
typedef enum {
    VC_LOGLIN_AIC = 0,  /* -2 loglik + 2 k */
    VC_LOGLIN_BIC = 1   /* -2 loglik + k log(n), n people observed */
} vc_loglin_criterion;

/* Controls of the IRLS fit; vc_loglin_control_default gives the defaults. */
typedef struct {
    /* Converged when no linear predictor log mu_x moves by more than this
     * in one step.  IRLS converges quadratically, so the step after one of
     * 1e-9 moves by about 1e-18: far below the 1e-6 relative agreement with
     * R's glm that the tests ask for.  Default 1e-9. */
    double epsabs;
    /* IRLS iterations before giving up with VC_ENOTCONV.  Default 100. */
    size_t maxiter;
    /* A fit still moving after this many iterations is checked with the
     * existence linear program: when the MLE does not exist, IRLS drifts
     * along a direction of recession for ever and this ends it early.  A
     * fit whose MLE exists converges in well under 15 steps from the
     * default start.  Default 15. */
    size_t lp_after;
    /* Chao's lower bound: fix the first negative eta at 0 and refit, until
     * none is negative (Rcapture's neg = TRUE).  Default 1. */
    int chao_nonneg;
} vc_loglin_control;

void vc_loglin_control_default(vc_loglin_control *c);

/*
 * One fitted model.  Coefficients are indexed as parameters: 0 intercept u
 * (log n0), 1..J main effects of lists 0..J-1, then J + 1 + i for
 * model.term[i], then J + 1 + nterms + i for heterogeneity column i (for
 * CHAO, column i is eta_{i+2}).  In an M0 model (model.common) parameter 1
 * is the common main effect beta, whose design column is k_x, and 2..J are
 * TIED to it.  A plain value: copy it freely.
 */
typedef struct {
    vc_loglin_model model;
    int existence;            /* VC_LOGLIN_EXISTS ... (set even on error) */
    size_t nparams;           /* 1 + J + nterms + heterogeneity columns */
    double coef[VC_LOGLIN_MAX_PARAMS]; /* -HUGE_VAL never: NEGINF ones hold
                                          0 and are marked in coef_state */
    double se[VC_LOGLIN_MAX_PARAMS];   /* from the inverse Fisher
                                          information; 0 unless FREE */
    unsigned char coef_state[VC_LOGLIN_MAX_PARAMS]; /* VC_LOGLIN_COEF_* */
    uint64_t n;               /* people observed */
    double n0;                /* exp(u): people no list saw */
    double N;                 /* n + n0 */
    double log_n0;            /* u */
    double se_log_n0;         /* standard error of u */
    size_t ncells;            /* 2^J - 1 observable cells */
    size_t nfixed;            /* cells fixed at 0 by NEGINF terms */
    size_t nneginf;           /* coefficients fixed at minus infinity */
    size_t naliased;          /* coefficients not estimable */
    size_t nzero;             /* Chao etas fixed at 0 */
    size_t k;                 /* parameters counted in AIC and BIC and df:
                                 nparams - naliased - nzero - (J - 1 TIED
                                 ones of M0), as R's glm counts them
                                 (NEGINF ones included: glm's fit tends to
                                 the extended MLE with them in) */
    double df;                /* ncells - k, residual degrees of freedom */
    double deviance;          /* 2 sum y log(y/mu) - (y - mu) */
    double loglik;            /* Poisson: sum y log mu - mu - lgamma(y+1) */
    double aic, bic;          /* as vc_loglin_criterion */
    double pearson_chi2;      /* X^2 = sum (y - mu)^2 / mu over the cells
                                 fitted (vc_loglin_pearson gives each) */
    double pearson_max;       /* largest |(y - mu) / sqrt(mu)| */
    size_t iterations;        /* IRLS steps taken */
} vc_loglin_result;

/* Scratch for fits on tables of J lists; reused across fits so a fit never
 * calls malloc.  Not shared between threads. */
typedef struct vc_loglin_workspace vc_loglin_workspace;

/* Returned; free with vc_loglin_workspace_free.  VC_EINVAL for J outside
 * 1..VC_LOGLIN_MAX_LISTS, VC_ENOMEM. */
vc_loglin_workspace *vc_loglin_workspace_alloc(size_t J, vc_error *err);
void vc_loglin_workspace_free(vc_loglin_workspace *w);

/*
 * Fit model m to table t (borrowed) by iteratively reweighted least squares
 * (Newton's method for the Poisson log-linear model) with Cholesky solves.
 * start (may be NULL) is an earlier result used as a warm start: its
 * coefficients are matched to m's parameters by term, missing ones start
 * at 0; NULL starts from mu = y + 0.1 as glm does.  control may be NULL
 * for the defaults.  result is filled.  fitted (may be NULL) is filled with
 * 2^J fitted means indexed by pattern; fitted[0] = n0.  For Chao's lower
 * bound (with control->chao_nonneg) the fit is repeated with the first
 * negative eta fixed at 0 until none is negative, as Rcapture does;
 * result->model.eta_zero says which were fixed.
 * Errors: VC_EINVAL (t->J != m->J or out of range, w made for another J),
 * VC_EDATA (empty table), VC_ENOMLE (codes 1 and 3; code 2 when lists that
 * never meet are what leaves N unidentifiable, since then the finite MLE
 * does not exist either; n0 beyond the range of a double), VC_ENOTIDENT
 * (code 2 from the model alone, e.g. the J-way term), VC_ENOTCONV,
 * VC_ENUMERIC.  result->existence holds the code even on error.
 */
int vc_loglin_fit(const vc_table *t, const vc_loglin_model *m,
                  const vc_loglin_result *start,
                  const vc_loglin_control *control, vc_loglin_result *result,
                  double *fitted, vc_loglin_workspace *w, vc_error *err);

/*
 * Pearson residuals of a fit, r_x = (y_x - mu_x) / sqrt(mu_x) (McCullagh &
 * Nelder 1989, sec. 2.4.2; what Rcapture's boxplot.closedp shows), for
 * every observable cell x = 1 .. 2^J - 1 of table t (borrowed), from the
 * fitted means that vc_loglin_fit wrote (fitted, 2^J entries).  resid
 * (filled, 2^J entries) gets r_x at index x; resid[0] = 0 (nobody is
 * observed there).  A cell fixed at 0 by an interaction at minus infinity
 * has y = mu = 0 and gets 0.  Errors: VC_EINVAL (J out of range), VC_EDATA
 * (a cell with mu = 0 but y > 0, which no fit of t produces).
 */
int vc_loglin_pearson(const vc_table *t, const double *fitted, double *resid,
                      vc_error *err);

/*
 * Goodness-of-fit p-values of fit r against the chi-square law on r->df
 * degrees of freedom (McCullagh & Nelder 1989, sec. 4.4.3): *p_deviance
 * = P(chi2_df >= deviance), *p_pearson = P(chi2_df >= X^2).  Both are
 * approximations that need most fitted means above about 5; in sparse
 * tables treat them as rough.  Errors: VC_EUNDEFINED when df <= 0 (a
 * saturated model reproduces the table: no test), both then NaN.
 */
int vc_loglin_gof(const vc_loglin_result *r, double *p_deviance,
                  double *p_pearson, vc_error *err);

/*
 * Existence and identifiability of model m on table t, by the linear
 * program of Fienberg & Rinaldo (2012) after fixing at minus infinity the
 * terms whose lists never meet (Chan, Silverman & Vincent 2021, sec. 2).
 * *code is filled with VC_LOGLIN_EXISTS ... VC_LOGLIN_NO_MLE_NOT_IDENT.
 * Errors: VC_EINVAL, VC_ENOMEM, VC_ENUMERIC (the LP solver failed).
 */
int vc_loglin_exist(const vc_table *t, const vc_loglin_model *m, int *code,
                    vc_error *err);

/*
 * Fill out (method "loglinear") from a fit: N, the standard error
 * n0 * se(u), and the Wald interval on the log scale of n0,
 * N = n + n0 exp(+-z se(u)), which never goes below n.  Errors: VC_EINVAL
 * (level outside (0, 1)).
 */
int vc_loglin_estimate(const vc_loglin_result *r, double level,
                       vc_estimate *out, vc_error *err);

/* ---------------------------------------------------------------------
 * Model selection
 * ------------------------------------------------------------------- */

/* Default p-value threshold of the stepwise search (SparseMSE's). */
#define VC_LOGLIN_PTHRESH 0.02

/*
 * SparseMSE's forward stepwise search (Chan, Silverman & Vincent 2021,
 * sec. 3.2): from independence, repeatedly add the two-list interaction
 * whose overlap has the smallest one-sided Poisson p-value under the
 * current fit (select.c gives the test), while that p-value is below
 * pthresh and the new model has an (extended) MLE with N identifiable.
 * w (made for t->J lists) is used and overwritten.  result (filled) is the
 * fit of the chosen model.  Errors as vc_loglin_fit for the independence
 * model; VC_EINVAL for pthresh outside (0, 1) or a workspace for another J.
 */
int vc_loglin_stepwise(const vc_table *t, double pthresh,
                       vc_loglin_result *result, vc_loglin_workspace *w,
                       vc_error *err);

/* One model of an enumeration. */
typedef struct {
    vc_loglin_model model;
    double N;
    double criterion;    /* AIC or BIC */
    double weight;       /* exp(-delta/2) / sum over all models fitted */
    double deviance;
    double df;
    uint64_t index;      /* bit i = pair i in the order (0,1), (0,2), ...,
                            (1,2), ... is in the model */
} vc_loglin_ranked;

/* What an enumeration found. */
typedef struct {
    uint64_t nmodels;    /* 2^(J(J-1)/2) */
    uint64_t nfitted;    /* models with an MLE and identifiable N */
    uint64_t nrefused;   /* models without (skipped) */
    double N_averaged;   /* weight-averaged N over the models fitted */
    size_t ntop;         /* entries filled in top[] */
} vc_loglin_enum_summary;

/* Most pairs of lists an enumeration accepts: 2^21 models (J = 7). */
#define VC_LOGLIN_ENUM_MAX_PAIRS 21

/*
 * Fit every model made of main effects plus any set of two-list
 * interactions (2^(J(J-1)/2) models) and rank them by the criterion,
 * as Rcapture's closedpMS.t with maxorder 2.  OpenMP parallel over models;
 * the result is the same whatever the number of threads (each model writes
 * its own slot; sums and ranking are serial, in model order; ties go to
 * the lower index).  top (filled, ntop entries) receives the best models,
 * best first; summary is filled.  Errors: VC_EINVAL (J < 2, more than
 * VC_LOGLIN_ENUM_MAX_PAIRS pairs), VC_ENOMEM, VC_ENOMLE (no model fits).
 */
int vc_loglin_enumerate(const vc_table *t, vc_loglin_criterion crit,
                        size_t ntop, vc_loglin_ranked *top,
                        vc_loglin_enum_summary *summary, vc_error *err);

/* ---------------------------------------------------------------------
 * Intervals
 * ------------------------------------------------------------------- */

/* Default end of the profile search for the upper limit, as a multiple of
 * N-hat: 3, Rcapture's default (closedpCI.t, fmaxSupCL = 3), so that an
 * interval flagged open here is one Rcapture also cannot close. */
#define VC_LOGLIN_PROFILE_NMAX_FACTOR 3.0

/*
 * Profile-likelihood interval for N under model m (Cormack 1992, Biometrics
 * 48:567), as Rcapture's closedpCI: the set of N whose multinomial profile
 * log-likelihood lies within chi-square(1, level)/2 of its maximum; the
 * complete 2^J table, with n0 = N - n in the unobserved cell, is refitted at
 * every N (profile.c; Chao etas that go negative there are fixed at 0 as
 * in vc_loglin_fit, starting from m at every N, as Rcapture does, so pass
 * the model asked for rather than a fit's result->model if Rcapture's
 * figures are wanted).  The upper end is searched up to N_max (<= 0: the
 * default VC_LOGLIN_PROFILE_NMAX_FACTOR * N-hat); when the profile is still
 * above the cut there, *upper = N_max and VC_FLAG_UPPER_OPEN is set in
 * *flags: never an invented bound.  The lower end is at least n.  w is a
 * workspace for t->J lists (overwritten).  lower, upper, flags are filled.
 * Errors: VC_EINVAL (level outside (0, 1), N_max not above N-hat), those of
 * vc_loglin_fit (for the model on t, or at a trial N), VC_ENOMEM,
 * VC_ENUMERIC.
 */
int vc_loglin_profile_ci(const vc_table *t, const vc_loglin_model *m,
                         double level, double N_max, double *lower,
                         double *upper, unsigned *flags,
                         vc_loglin_workspace *w, vc_error *err);

/* Options of the bootstrap. */
typedef struct {
    size_t B;            /* replicates; default 1000 */
    uint64_t seed;       /* master seed */
    uint64_t stratum;    /* stratum id for the streams (vc_hash_string) */
    double pthresh;      /* stepwise threshold; default 0.02 */
    double level;        /* interval level; default 0.95 */
} vc_loglin_boot_opts;

void vc_loglin_boot_opts_default(vc_loglin_boot_opts *o);

/* What a bootstrap found. */
typedef struct {
    double N;                 /* point estimate (stepwise on the data) */
    double pct_lower, pct_upper;  /* percentile interval */
    double bca_lower, bca_upper;  /* BCa interval */
    double z0;                /* bias correction */
    double acceleration;      /* a-hat, from the grouped jackknife */
    size_t B;                 /* replicates asked for */
    size_t nfailed;           /* replicates whose search found no model
                                 (left out of the quantiles) */
} vc_loglin_boot_result;

/*
 * Bootstrap through model selection (Chan, Silverman & Vincent 2021,
 * sec. 3.3): every replicate redraws each observed count as Poisson with
 * that count as mean and reruns the stepwise search; its estimate is
 * n + n0* (the observed n plus the replicate's dark figure, as SparseMSE);
 * the BCa acceleration comes from the jackknife that removes one person at
 * a time.  Replicate b
 * draws from the stream (seed, stratum, b, 0) and the replicates run in
 * parallel (OpenMP), so the result does not depend on the thread count.
 * result is filled; reps (may be NULL) is filled with the B replicate
 * estimates n + n0* (0 for a failed replicate).  Errors: VC_EINVAL (B < 2, level,
 * pthresh), VC_ENOMEM, VC_EUNDEFINED (fewer than 2 replicates succeeded),
 * those of vc_loglin_stepwise on the data.
 */
int vc_loglin_bootstrap(const vc_table *t, const vc_loglin_boot_opts *opts,
                        vc_loglin_boot_result *result, double *reps,
                        vc_error *err);

/*
 * VC_FLAG_BCA_TAIL when the BCa interval of r (at level) cannot be
 * trusted as it stands, else 0: |z0| > 1, more than 84% of the replicates
 * on one side of the estimate, where the BCa adjustment is no longer a
 * small correction (DiCiccio & Efron 1996, sec. 3; rbvole: z0 = -1.31,
 * BCa 2,940-4,058 against the percentile 3,419-6,374), or an end at a
 * quantile level with less than one of the successful replicates beyond
 * it: the most extreme replicate, whose Monte Carlo error no B makes
 * small at that level (Efron & Tibshirani 1993, sec. 19.3).  Ends on a
 * few replicates are common at B = 1,000 (UK 5 lists: the 2nd smallest)
 * and are not flagged.
 */
unsigned vc_loglin_boot_flags(const vc_loglin_boot_result *r, double level);

/* Progress of a long computation: done of total searches (each a stepwise
 * selection).  Called from one thread at a time. */
typedef void (*vc_loglin_progress_fn)(void *ctx, size_t done, size_t total);

/*
 * vc_loglin_bootstrap with progress: progress(ctx, 0, total) once the
 * search on the data is done (its time, times total, is the cost of what
 * follows: a caller can state it before the long part), then from the
 * first thread as replicates and jackknife tables finish, and
 * progress(ctx, total, total) at the end.  total = B + the patterns of t
 * (the grouped jackknife: one search per observed pattern).  progress may
 * be NULL.  The result does not depend on it.
 */
int vc_loglin_bootstrap_progress(const vc_table *t,
                                 const vc_loglin_boot_opts *opts,
                                 vc_loglin_progress_fn progress, void *ctx,
                                 vc_loglin_boot_result *result, double *reps,
                                 vc_error *err);

/* ---------------------------------------------------------------------
 * Regimes among the models within reach of the best (estimators/
 * loglin_regimes.c; issue 17)
 * ------------------------------------------------------------------- */

/* Models within this much of the best criterion are within reach
 * (Burnham & Anderson 2002, sec. 2.6: substantial support). */
#define VC_LOGLIN_REGIME_DELTA 2.0
/* Bandwidth on log N of the models' weights, split at the valleys
 * (vc_log_mass_groups), as dga's graphs (VC_DGA_REGIME_BANDWIDTH). */
#define VC_LOGLIN_REGIME_BANDWIDTH 0.15
/* The enumeration behind the regimes is offered up to this many lists
 * (2^15 models with 6 lists take seconds; 7 lists, 2^21, far longer). */
#define VC_LOGLIN_REGIME_MAX_LISTS 6

typedef struct {
    double estimate;     /* N of its best model */
    double lower, upper; /* profile-likelihood interval of that model, at
                            the level asked (vc_loglin_profile_ci) */
    unsigned flags;      /* of that interval (VC_FLAG_UPPER_OPEN) */
    double weight;       /* its models' criterion weights over those of
                            every model within reach */
    vc_loglin_model model; /* its best model */
    size_t nmodels;      /* models within reach in the regime */
} vc_loglin_regime;

/*
 * The models of all pairwise interactions (vc_loglin_enumerate) within
 * VC_LOGLIN_REGIME_DELTA of the best by crit, grouped by their N on the
 * log scale (criterion weights split at their valleys, above), each group summarised by its best model's
 * N and profile interval and weighted by the Akaike (or BIC) weights
 * exp(-delta / 2) of its models, renormalised over the models within
 * reach.  out[0 .. max-1] in increasing N, *nout their number.  Errors:
 * VC_EINVAL (level, max 0, more than VC_LOGLIN_REGIME_MAX_LISTS lists),
 * those of vc_loglin_enumerate and vc_loglin_profile_ci.
 */
int vc_loglin_regimes(const vc_table *t, vc_loglin_criterion crit,
                      double level, vc_loglin_regime *out, size_t max,
                      size_t *nout, vc_error *err);

#endif /* VC_LOGLIN_H */
