/*
 * victimcount.c: R's .Call interface to libvictimcount.  Reads a table
 * into a vc_dataset (an external pointer freed by its finalizer) and runs
 * the methods as `victimcount estimate` does (cli/methods.c), with the
 * CLI's defaults, so the same options and seed give the CLI's figures.
 * Each result comes back as a named list; R/ makes the data frame.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#define R_NO_REMAP
#include <R.h>
#include <Rinternals.h>
#include <R_ext/Rdynload.h>
#include <R_ext/Utils.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "batch/vc_batch.h"
#include "estimators/vc_estimators.h"
#include "estimators/vc_loglin.h"
#include "models/vc_dga.h"
#include "models/vc_models.h"
#include "report/vc_report.h"

/* ------------------------------------------------------------ helpers */

static void ds_finalize(SEXP p)
{
    vc_dataset *d = R_ExternalPtrAddr(p);
    vc_dataset_free(d);
    R_ClearExternalPtr(p);
}

static vc_dataset *ds_get(SEXP p)
{
    vc_dataset *d = R_ExternalPtrAddr(p);
    if (d == NULL) {
        Rf_error("victimcount: the table has been freed");
    }
    return d;
}

/* Element `name` of list l, or R_NilValue. */
static SEXP get(SEXP l, const char *name)
{
    SEXP names = Rf_getAttrib(l, R_NamesSymbol);
    for (R_xlen_t i = 0; i < Rf_xlength(l); i++) {
        if (strcmp(CHAR(STRING_ELT(names, i)), name) == 0) {
            return VECTOR_ELT(l, i);
        }
    }
    return R_NilValue;
}

static double num(SEXP l, const char *name, double dflt)
{
    SEXP v = get(l, name);
    return Rf_isNull(v) ? dflt : Rf_asReal(v);
}

static const char *str(SEXP l, const char *name)
{
    SEXP v = get(l, name);
    return Rf_isNull(v) ? NULL : CHAR(STRING_ELT(v, 0));
}

/* A character vector as a C array (R's memory, valid during the call). */
static const char **strs(SEXP v, size_t *n)
{
    *n = Rf_isNull(v) ? 0 : (size_t)Rf_xlength(v);
    if (*n == 0) {
        return NULL;
    }
    const char **a = (const char **)R_alloc(*n, sizeof *a);
    for (size_t i = 0; i < *n; i++) {
        a[i] = CHAR(STRING_ELT(v, (R_xlen_t)i));
    }
    return a;
}

static SEXP mkstr(const char *s)
{
    return s ? Rf_mkString(s) : Rf_ScalarString(NA_STRING);
}

static SEXP real_or_na(double x)
{
    return Rf_ScalarReal(isfinite(x) ? x : NA_REAL);
}

/* A named list built up one field at a time. */
typedef struct {
    SEXP v, n;
    int k, cap;
} rlist;

static void rl_init(rlist *l, int cap)
{
    l->v = PROTECT(Rf_allocVector(VECSXP, cap));
    l->n = PROTECT(Rf_allocVector(STRSXP, cap));
    l->k = 0;
    l->cap = cap;
}

static void rl_add(rlist *l, const char *name, SEXP x)
{
    if (l->k < l->cap) {
        SET_VECTOR_ELT(l->v, l->k, x);
        SET_STRING_ELT(l->n, l->k, Rf_mkChar(name));
        l->k++;
    }
}

/* Ends the list (unprotects its two vectors). */
static SEXP rl_done(rlist *l)
{
    SEXP v = PROTECT(Rf_lengthgets(l->v, l->k));
    SEXP n = PROTECT(Rf_lengthgets(l->n, l->k));
    Rf_setAttrib(v, R_NamesSymbol, n);
    UNPROTECT(4);
    return v;
}

static SEXP names_vec(char *const *v, size_t n)
{
    SEXP s = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)n));
    for (size_t i = 0; i < n; i++) {
        SET_STRING_ELT(s, (R_xlen_t)i, Rf_mkCharCE(v[i], CE_UTF8));
    }
    UNPROTECT(1);
    return s;
}

/* ------------------------------------------------------------ reading */

SEXP vcr_read(SEXP path, SEXP text, SEXP source, SEXP opts);
SEXP vcr_read(SEXP path, SEXP text, SEXP source, SEXP opts)
{
    vc_read_opts o;
    memset(&o, 0, sizeof o);
    vc_read_advice adv;
    memset(&adv, 0, sizeof adv);
    o.advice = &adv;
    o.count_column = str(opts, "count");
    o.encoding = str(opts, "encoding");
    o.lists = strs(get(opts, "lists"), &o.nlists);
    o.strata = strs(get(opts, "strata"), &o.nstrata);
    o.merge = strs(get(opts, "merge"), &o.nmerge);
    o.omit = strs(get(opts, "omit"), &o.nomit);
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d;
    if (!Rf_isNull(path)) {
        d = vc_dataset_read(CHAR(STRING_ELT(path, 0)), &o, &err);
    } else {
        d = vc_dataset_parse((const char *)RAW(text),
                             (size_t)Rf_xlength(text),
                             CHAR(STRING_ELT(source, 0)), &o, &err);
    }
    if (d == NULL) {
        Rf_error("%s [status %d]", err.msg, err.code);
    }
    SEXP p = PROTECT(R_MakeExternalPtr(d, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(p, ds_finalize, TRUE);
    UNPROTECT(1);
    return p;
}

SEXP vcr_info(SEXP p);
SEXP vcr_info(SEXP p)
{
    vc_dataset *d = ds_get(p);
    rlist l;
    rl_init(&l, 10);
    rl_add(&l, "source", mkstr(d->source));
    rl_add(&l, "aggregated", Rf_ScalarLogical(d->aggregated));
    rl_add(&l, "lists", names_vec(d->names, d->J));
    rl_add(&l, "strata_columns", names_vec(d->strata_cols, d->nstrata_cols));
    rl_add(&l, "observed", Rf_ScalarReal((double)d->n));
    rl_add(&l, "dropped", Rf_ScalarReal((double)d->dropped));
    rl_add(&l, "notes", names_vec(d->notes, d->nnotes));
    SEXP tabs = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)d->ntables));
    for (size_t s = 0; s < d->ntables; s++) {
        const vc_table *t = d->tables[s];
        rlist tl;
        rl_init(&tl, 8);
        rl_add(&tl, "stratum", mkstr(t->label));
        rl_add(&tl, "keys", names_vec(t->keys, t->nkeys));
        rl_add(&tl, "lists", names_vec(t->names, t->J));
        SEXP pat = PROTECT(Rf_allocMatrix(INTSXP, (int)t->npat, (int)t->J));
        SEXP cnt = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)t->npat));
        for (size_t i = 0; i < t->npat; i++) {
            for (size_t j = 0; j < t->J; j++) {
                INTEGER(pat)[i + j * t->npat] = (int)(t->pattern[i] >> j & 1u);
            }
            REAL(cnt)[i] = (double)t->count[i];
        }
        rl_add(&tl, "patterns", pat);
        rl_add(&tl, "counts", cnt);
        rl_add(&tl, "observed", Rf_ScalarReal((double)t->n));
        rl_add(&tl, "dropped", Rf_ScalarReal((double)t->dropped));
        UNPROTECT(2);
        SET_VECTOR_ELT(tabs, (R_xlen_t)s, rl_done(&tl));
    }
    rl_add(&l, "tables", tabs);
    UNPROTECT(1);
    return rl_done(&l);
}

/* ------------------------------------------------------------ methods */

/* What one method gave on one table. */
typedef struct {
    int status;
    char error[VC_ERROR_SIZE];
    vc_estimate est;
    SEXP details; /* protected by the caller's list, or R_NilValue */
} vcr_out;

static int fail(vcr_out *r, const vc_error *err)
{
    r->status = err->code ? err->code : VC_EINVAL;
    snprintf(r->error, sizeof r->error, "%s", err->msg);
    return r->status;
}

static int classical(const char *m, const vc_table *t, SEXP o, vcr_out *r,
                     size_t pair_i)
{
    vc_error err;
    vc_error_clear(&err);
    const char *iv = str(o, "interval");
    vc_interval_kind kind = iv && strcmp(iv, "wald") == 0
                                ? VC_INTERVAL_WALD : VC_INTERVAL_LOGNORMAL;
    double level = num(o, "level", 0.95);
    int st;
    if (strcmp(m, "chapman") == 0 || strcmp(m, "petersen") == 0) {
        if (t->J != 2) {
            st = vc_error_set(&err, VC_EUNDEFINED, "%s needs exactly 2 "
                              "lists, and %zu of them saw someone here", m,
                              t->J);
        } else if (m[0] == 'c') {
            st = vc_chapman_estimate(t, 0, 1, level, kind, &r->est, &err);
        } else {
            st = vc_petersen_estimate(t, 0, 1, level, kind, &r->est, &err);
        }
    } else if (strcmp(m, "pairwise") == 0) {
        size_t np = t->J * (t->J - 1) / 2;
        vc_estimate *tmp = (vc_estimate *)R_alloc(np ? np : 1, sizeof *tmp);
        if (t->J < 2) {
            st = vc_error_set(&err, VC_EUNDEFINED, "pairwise needs at least "
                              "2 lists");
        } else {
            st = vc_pairwise_chapman(t, level, kind, tmp, &err);
            if (st == VC_OK) {
                r->est = tmp[pair_i];
            }
        }
    } else if (strcmp(m, "chao") == 0) {
        st = vc_chao_estimate(t, level, &r->est, &err);
    } else {
        st = vc_independence_estimate(t, level, kind, &r->est, &err);
    }
    return st == VC_OK ? VC_OK : fail(r, &err);
}

static int loglinear(const vc_table *t, SEXP o, uint64_t stream,
                     vcr_out *r)
{
    vc_error err;
    vc_error_clear(&err);
    const char *model = str(o, "model");
    const char *het = str(o, "heterogeneity");
    const char *sel = str(o, "select");
    const char *iv = str(o, "interval");
    int stepwise = sel == NULL || strcmp(sel, "stepwise") == 0;
    double level = num(o, "level", 0.95);
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, &err);
    if (w == NULL) {
        return fail(r, &err);
    }
    vc_loglin_result fit;
    vc_loglin_model asked;
    int have_asked = 0, st = VC_OK;
    const char *how = "the user (--model)";
    if (het != NULL && model == NULL) {
        st = vc_error_set(&err, VC_EINVAL, "heterogeneity adds to a model: "
                          "give model too");
    } else if (model != NULL) {
        char spec[2048];
        if (het != NULL) {
            snprintf(spec, sizeof spec, "%s + h=%s", model, het);
        } else {
            snprintf(spec, sizeof spec, "%s", model);
        }
        st = vc_loglin_model_parse(spec, t->J, (const char *const *)t->names,
                                   &asked, &err);
        have_asked = st == VC_OK;
        if (st == VC_OK) {
            st = vc_loglin_fit(t, &asked, NULL, NULL, &fit, NULL, w, &err);
        }
    } else if (stepwise) {
        how = "stepwise (SparseMSE)";
        st = vc_loglin_stepwise(t, num(o, "pthresh", 0.02), &fit, w, &err);
    } else {
        vc_loglin_ranked top[5];
        vc_loglin_enum_summary sum;
        int aic = strcmp(sel, "aic") == 0;
        how = aic ? "AIC over all pairwise models"
                  : "BIC over all pairwise models";
        st = vc_loglin_enumerate(t, aic ? VC_LOGLIN_AIC : VC_LOGLIN_BIC, 5,
                                 top, &sum, &err);
        if (st == VC_OK) {
            st = vc_loglin_fit(t, &top[0].model, NULL, NULL, &fit, NULL, w,
                               &err);
        }
    }
    if (st == VC_OK) {
        st = vc_loglin_estimate(&fit, level, &r->est, &err);
    }
    rlist d;
    rl_init(&d, 12);
    if (st == VC_OK) {
        char name[1024];
        vc_error e2;
        vc_error_clear(&e2);
        vc_loglin_model_format(&fit.model, (const char *const *)t->names,
                               name, sizeof name, &e2);
        rl_add(&d, "model", mkstr(name));
        rl_add(&d, "selection", mkstr(how));
        rl_add(&d, "existence", Rf_ScalarInteger(fit.existence));
        rl_add(&d, "deviance", real_or_na(fit.deviance));
        rl_add(&d, "df", real_or_na(fit.df));
        rl_add(&d, "aic", real_or_na(fit.aic));
        rl_add(&d, "bic", real_or_na(fit.bic));
        r->est.interval = "Wald on log n0";
        int boot = iv ? strcmp(iv, "bootstrap") == 0
                      : (model == NULL && stepwise);
        int prof = iv ? strcmp(iv, "profile") == 0 : !boot;
        if (prof) {
            double lo, hi;
            unsigned flags = 0;
            st = vc_loglin_profile_ci(t, have_asked ? &asked : &fit.model,
                                      level, 0.0, &lo, &hi, &flags, w, &err);
            if (st == VC_OK) {
                r->est.lower = lo;
                r->est.upper = hi;
                r->est.flags |= flags;
                r->est.interval = "profile likelihood (Cormack 1992)";
            }
        } else if (boot) {
            if (model != NULL || !stepwise) {
                st = vc_error_set(&err, VC_EINVAL, "the bootstrap interval "
                                  "repeats stepwise selection in every "
                                  "replicate: use it with stepwise "
                                  "selection and no model");
            } else {
                vc_loglin_boot_opts bo;
                vc_loglin_boot_opts_default(&bo);
                bo.B = (size_t)num(o, "bootstrap", 1000);
                bo.seed = (uint64_t)num(o, "seed", VC_LCM_DEFAULT_SEED);
                bo.stratum = stream;
                bo.pthresh = num(o, "pthresh", 0.02);
                bo.level = level;
                vc_loglin_boot_result br;
                st = vc_loglin_bootstrap(t, &bo, &br, NULL, &err);
                if (st == VC_OK) {
                    r->est.lower = br.bca_lower;
                    r->est.upper = br.bca_upper;
                    r->est.interval = "bootstrap BCa through stepwise "
                                      "selection";
                    r->est.flags |= vc_loglin_boot_flags(&br, level);
                    rl_add(&d, "bootstrap_replicates",
                           Rf_ScalarReal((double)br.B));
                    rl_add(&d, "bootstrap_failed",
                           Rf_ScalarReal((double)br.nfailed));
                    SEXP pct = PROTECT(Rf_allocVector(REALSXP, 2));
                    REAL(pct)[0] = br.pct_lower;
                    REAL(pct)[1] = br.pct_upper;
                    rl_add(&d, "bootstrap_percentile", pct);
                    UNPROTECT(1);
                }
            }
        }
    }
    r->details = rl_done(&d);
    vc_loglin_workspace_free(w);
    return st == VC_OK ? VC_OK : fail(r, &err);
}

/* The chains live in an external pointer while they run, so that an
 * interrupt, which longjmps out of R_CheckUserInterrupt, leaves them to
 * this finalizer instead of leaking them. */
static void chains_finalize(SEXP p)
{
    vc_lcm_chains_free(R_ExternalPtrAddr(p));
    R_ClearExternalPtr(p);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The length of the next round: the sweeps that take about a second at
 * the pace of the last round, a whole number of thin steps, at least one,
 * and at most four times the last. */
static uint64_t next_round(uint64_t last, double secs, uint64_t thin)
{
    double want = secs > 0.0 ? (double)last / secs : 4.0 * (double)last;
    if (want > 4.0 * (double)last) {
        want = 4.0 * (double)last;
    }
    uint64_t k = (uint64_t)(want / (double)thin);
    return (k ? k : 1) * thin;
}

static int lcm(const vc_table *t, SEXP o, uint64_t stream, vcr_out *r)
{
    vc_error err;
    vc_error_clear(&err);
    vc_lcm_opts lo;
    vc_lcm_opts_default(&lo);
    lo.K = (size_t)num(o, "classes", VC_LCM_DEFAULT_K);
    lo.alpha_shape = num(o, "a_alpha", VC_LCM_DEFAULT_ALPHA_SHAPE);
    lo.alpha_rate = num(o, "b_alpha", VC_LCM_DEFAULT_ALPHA_RATE);
    const char *sampler = str(o, "sampler");
    /* the retired splitmerge is passed on for the library to refuse
     * with its reason; a name it does not know is refused here, never
     * replaced by the default */
    static const struct {
        const char *name;
        int value;
    } samplers[] = {{"hybrid", VC_LCM_SAMPLER_HYBRID},
                    {"gibbs", VC_LCM_SAMPLER_GIBBS},
                    {"tempering", VC_LCM_SAMPLER_TEMPERING},
                    {"tempering-splitmerge",
                     VC_LCM_SAMPLER_TEMPERING_SPLITMERGE},
                    {"splitmerge", VC_LCM_SAMPLER_SPLITMERGE}};
    if (sampler != NULL) {
        size_t s = 0, n = sizeof samplers / sizeof samplers[0];
        while (s < n && strcmp(sampler, samplers[s].name) != 0) {
            s++;
        }
        if (s == n) {
            vc_error_set(&err, VC_EINVAL,
                         "unknown sampler \"%s\": hybrid (the default), "
                         "gibbs, tempering or tempering-splitmerge",
                         sampler);
            return fail(r, &err);
        }
        lo.sampler = samplers[s].value;
    }
    lo.temperatures = (size_t)num(o, "temperatures",
                                  VC_LCM_DEFAULT_TEMPERATURES);
    lo.chains = (size_t)num(o, "chains", VC_LCM_DEFAULT_CHAINS);
    lo.burnin = (uint64_t)num(o, "burnin", VC_LCM_DEFAULT_BURNIN);
    lo.iterations = (uint64_t)num(o, "iterations",
                                  VC_LCM_DEFAULT_ITERATIONS);
    lo.thin = (uint64_t)num(o, "thin", VC_LCM_DEFAULT_THIN);
    lo.seed = (uint64_t)num(o, "seed", VC_LCM_DEFAULT_SEED);
    lo.stratum = stream;
    lo.threads = (int)num(o, "threads", 0);
    lo.level = num(o, "level", 0.95);
    int st = vc_lcm_opts_check(&lo, t, &err);
    vc_lcm_chains *c = st == VC_OK ? vc_lcm_chains_alloc(t, &lo, &err) : NULL;
    if (c == NULL) {
        return fail(r, &err);
    }
    SEXP holder = PROTECT(R_MakeExternalPtr(c, R_NilValue, R_NilValue));
    R_RegisterCFinalizerEx(holder, chains_finalize, TRUE);
    /* Rounds of about a second each (after the first, which also runs
     * the burn-in), to check for interrupts between them; rounds never
     * change the draws (vc_lcm_chains_round). */
    uint64_t step = lo.thin;
    while (st == VC_OK && vc_lcm_chains_sweeps(c) < lo.iterations) {
        uint64_t left = lo.iterations - vc_lcm_chains_sweeps(c);
        uint64_t ask = left < step ? left : step;
        double t0 = seconds_now();
        st = vc_lcm_chains_round(c, ask, &err);
        step = next_round(ask, seconds_now() - t0, lo.thin);
        R_CheckUserInterrupt();
    }
    vc_lcm_summary s;
    if (st == VC_OK) {
        st = vc_lcm_chains_summary(c, &s, &err);
    }
    if (st == VC_OK) {
        vc_lcm_summary_estimate(&s, &r->est);
        r->est.level = lo.level;
        r->est.interval = "equal-tailed posterior";
        size_t m = vc_lcm_chains_count(c);
        size_t n = vc_lcm_chains_trace(c, 0)->ndraws;
        SEXP dr = PROTECT(Rf_allocMatrix(REALSXP, (int)(m * n), 5));
        for (size_t ch = 0; ch < m; ch++) {
            const vc_lcm_trace *tr = vc_lcm_chains_trace(c, ch);
            for (size_t i = 0; i < n; i++) {
                size_t row = ch * n + i, nr = m * n;
                REAL(dr)[row] = (double)(ch + 1);
                REAL(dr)[row + nr] = (double)(i + 1);
                REAL(dr)[row + 2 * nr] = (double)tr->N[i];
                REAL(dr)[row + 3 * nr] = tr->alpha[i];
                REAL(dr)[row + 4 * nr] = (double)tr->occupied[i];
            }
        }
        rlist d;
        rl_init(&d, 16);
        rl_add(&d, "mean", real_or_na(s.N.mean));
        rl_add(&d, "sd", real_or_na(s.N.sd));
        rl_add(&d, "hpd_lower", real_or_na(s.N.hpd_lower));
        rl_add(&d, "hpd_upper", real_or_na(s.N.hpd_upper));
        rl_add(&d, "rhat", real_or_na(s.N.diag_defined ? s.N.rhat : NAN));
        rl_add(&d, "ess_bulk",
               real_or_na(s.N.diag_defined ? s.N.ess_bulk : NAN));
        rl_add(&d, "ess_tail",
               real_or_na(s.N.diag_defined ? s.N.ess_tail : NAN));
        rl_add(&d, "converged", Rf_ScalarLogical(s.converged));
        /* the chains' agreement on the tails (issue 21) */
        rl_add(&d, "tails_agree",
               Rf_ScalarLogical(!(s.flags & VC_FLAG_TAILS)));
        rl_add(&d, "tail_p", real_or_na(s.tail_p));
        rl_add(&d, "seed", Rf_ScalarReal((double)s.seed));
        rl_add(&d, "sampler", mkstr(s.sampler));
        rl_add(&d, "draws", dr);
        r->details = rl_done(&d);
        UNPROTECT(1);
    }
    chains_finalize(holder); /* free them now, not at the next GC */
    UNPROTECT(1);
    return st == VC_OK ? VC_OK : fail(r, &err);
}

static int dga(const vc_table *t, SEXP o, uint64_t stream, vcr_out *r)
{
    vc_error err;
    vc_error_clear(&err);
    vc_dga_opts d;
    memset(&d, 0, sizeof d);
    d.delta = num(o, "delta", 0.0);
    SEXP grid = get(o, "n0_grid");
    if (!Rf_isNull(grid)) {
        d.n0_lo = (uint64_t)REAL(grid)[0];
        d.n0_hi = (uint64_t)REAL(grid)[1];
    }
    d.top = 5;
    int mcmc = num(o, "dga_mcmc", 0) != 0 || t->J > VC_DGA_MAX_EXACT_LISTS;
    vc_dga_mcmc_opts m;
    vc_dga_mcmc_opts_default(&m);
    m.chains = (size_t)num(o, "chains", VC_LCM_DEFAULT_CHAINS);
    m.burnin = (uint64_t)num(o, "burnin", VC_LCM_DEFAULT_BURNIN);
    m.iterations = (uint64_t)num(o, "iterations", VC_LCM_DEFAULT_ITERATIONS);
    m.thin = (uint64_t)num(o, "thin", VC_LCM_DEFAULT_THIN);
    m.seed = (uint64_t)num(o, "seed", VC_LCM_DEFAULT_SEED);
    m.stratum = stream;
    m.threads = (int)num(o, "threads", 0);
    vc_dga_result *res = mcmc ? vc_dga_mcmc_fit(t, &d, &m, &err)
                              : vc_dga_fit(t, &d, &err);
    if (res == NULL) {
        return fail(r, &err);
    }
    vc_dga_estimate(res, num(o, "level", 0.95), &r->est);
    rlist l;
    rl_init(&l, 12);
    rl_add(&l, "mean", real_or_na(res->mean));
    rl_add(&l, "sd", real_or_na(res->sd));
    rl_add(&l, "mode", real_or_na(res->mode));
    rl_add(&l, "delta", real_or_na(res->delta));
    rl_add(&l, "search", mkstr(mcmc ? "mcmc" : "exact"));
    rl_add(&l, "graphs_averaged", Rf_ScalarReal((double)res->ngraphs));
    SEXP cl = PROTECT(Rf_allocVector(STRSXP, (R_xlen_t)res->ntop));
    SEXP gp = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)res->ntop));
    SEXP gm = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)res->ntop));
    for (size_t k = 0; k < res->ntop; k++) {
        SET_STRING_ELT(cl, (R_xlen_t)k, Rf_mkChar(res->top[k].cliques));
        REAL(gp)[k] = res->top[k].posterior;
        REAL(gm)[k] = res->top[k].mean_N;
    }
    rl_add(&l, "graphs", cl);
    rl_add(&l, "graph_posterior", gp);
    rl_add(&l, "graph_mean", gm);
    SEXP pn = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)res->ngrid));
    SEXP pp = PROTECT(Rf_allocVector(REALSXP, (R_xlen_t)res->ngrid));
    for (size_t i = 0; i < res->ngrid; i++) {
        REAL(pn)[i] = (double)(res->n + res->n0_lo + i);
        REAL(pp)[i] = res->post[i];
    }
    rl_add(&l, "posterior_N", pn);
    rl_add(&l, "posterior", pp);
    UNPROTECT(5);
    r->details = rl_done(&l);
    vc_dga_result_free(res);
    return VC_OK;
}

/* The headline's population name, as cli_population_label. */
static const char *population(const vc_dataset *d, const vc_table *t,
                              char *buf, size_t size)
{
    if (t->label != NULL) {
        return t->label;
    }
    const char *base = strrchr(d->source, '/');
    snprintf(buf, size, "%s", base ? base + 1 : d->source);
    char *dot = strrchr(buf, '.');
    if (dot != NULL && dot != buf) {
        *dot = '\0';
    }
    return buf;
}

/* One result row as a named list. */
static SEXP row(const char *m, const vc_dataset *d, const vc_table *t,
                const vcr_out *r, double level)
{
    int ok = r->status == VC_OK;
    int two = strcmp(m, "chapman") == 0 || strcmp(m, "petersen") == 0
              || strcmp(m, "pairwise") == 0;
    const vc_estimate *e = &r->est;
    rlist l;
    rl_init(&l, 16);
    rl_add(&l, "stratum", mkstr(t->label));
    rl_add(&l, "method", mkstr(m));
    char lists[2048] = "";
    if (two && ok) {
        snprintf(lists, sizeof lists, "%s,%s", t->names[e->list_a],
                 t->names[e->list_b]);
    } else {
        for (size_t j = 0; j < t->J; j++) {
            size_t u = strlen(lists);
            snprintf(lists + u, sizeof lists - u, "%s%s", j ? "," : "",
                     t->names[j]);
        }
    }
    rl_add(&l, "lists", mkstr(lists));
    rl_add(&l, "estimate", real_or_na(ok ? e->estimate : NAN));
    rl_add(&l, "se", real_or_na(ok && e->has_se ? e->se : NAN));
    rl_add(&l, "lower", real_or_na(ok ? e->lower : NAN));
    rl_add(&l, "upper", real_or_na(ok ? e->upper : NAN));
    rl_add(&l, "level", Rf_ScalarReal(level));
    rl_add(&l, "interval", mkstr(ok ? e->interval : NULL));
    rl_add(&l, "observed",
           Rf_ScalarReal((double)(ok && two ? e->observed : t->n)));
    char warn[2048] = "";
    const char *w[VC_FLAG_COUNT];
    size_t nw = ok ? vc_estimate_warnings(e->flags, w, VC_FLAG_COUNT) : 0;
    for (size_t i = 0; i < nw; i++) {
        size_t u = strlen(warn);
        snprintf(warn + u, sizeof warn - u, "%s%s", i ? "; " : "", w[i]);
    }
    rl_add(&l, "warnings", mkstr(warn));
    char head[512], lab[256];
    if (ok) {
        vc_headline(population(d, t, lab, sizeof lab), e, 0, head,
                    sizeof head);
    }
    rl_add(&l, "headline", mkstr(ok ? head : NULL));
    rl_add(&l, "error", mkstr(ok ? NULL : r->error));
    rl_add(&l, "status", Rf_ScalarInteger(r->status));
    rl_add(&l, "details", r->details);
    return rl_done(&l);
}

/* Method m on t: its rows (one per pair for pairwise on 3 or more lists)
 * into out from *k on, named `name`; stream keys its random draws. */
static void run_method(const char *m, const char *name, const vc_dataset *d,
                       const vc_table *t, SEXP opts, uint64_t stream,
                       SEXP out, size_t *k)
{
    double level = num(opts, "level", 0.95);
    size_t rows = strcmp(m, "pairwise") == 0 && t->J >= 3
                      ? t->J * (t->J - 1) / 2 : 1;
    for (size_t q = 0; q < rows; q++) {
        vcr_out r;
        memset(&r, 0, sizeof r);
        r.details = R_NilValue;
        if (strcmp(m, "loglinear") == 0) {
            loglinear(t, opts, stream, &r);
        } else if (strcmp(m, "lcm") == 0) {
            lcm(t, opts, stream, &r);
        } else if (strcmp(m, "dga") == 0) {
            dga(t, opts, stream, &r);
        } else {
            classical(m, t, opts, &r, q);
        }
        PROTECT(r.details);
        SET_VECTOR_ELT(out, (R_xlen_t)(*k)++, row(name, d, t, &r, level));
        UNPROTECT(1);
    }
}

/* The rows method m gives on a table of J lists. */
static size_t method_rows(const char *m, size_t J)
{
    return strcmp(m, "pairwise") == 0 && J >= 3 ? J * (J - 1) / 2 : 1;
}

SEXP vcr_estimate(SEXP p, SEXP methods, SEXP opts);
SEXP vcr_estimate(SEXP p, SEXP methods, SEXP opts)
{
    vc_dataset *d = ds_get(p);
    size_t nm;
    const char **ms = strs(methods, &nm);
    size_t cap = 0;
    for (size_t s = 0; s < d->ntables; s++) {
        for (size_t i = 0; i < nm; i++) {
            cap += method_rows(ms[i], d->tables[s]->J);
        }
    }
    SEXP out = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)cap));
    size_t k = 0;
    for (size_t s = 0; s < d->ntables; s++) {
        const vc_table *t = d->tables[s];
        /* a stratum's streams are keyed by its label (vc_batch.h) */
        uint64_t stream = vc_hash_string(t->label);
        for (size_t i = 0; i < nm; i++) {
            run_method(ms[i], ms[i], d, t, opts, stream, out, &k);
        }
    }
    UNPROTECT(1);
    return out;
}

/* `victimcount batch`'s units, from the library's plan (batch/vc_batch.h):
 * the method that runs on each stratum's table, its seed and stream, and
 * the units that cannot run, whose rows say why.  Interrupts are checked
 * between units and within lcm's rounds. */
SEXP vcr_batch(SEXP p, SEXP methods, SEXP opts);
SEXP vcr_batch(SEXP p, SEXP methods, SEXP opts)
{
    vc_dataset *d = ds_get(p);
    size_t nm;
    const char **ms = strs(methods, &nm);
    vc_error err;
    vc_error_clear(&err);
    size_t nu = 0;
    vc_batch_unit *plan = vc_batch_plan(d, ms, nm,
                                        (uint64_t)num(opts, "seed",
                                                      VC_LCM_DEFAULT_SEED),
                                        &nu, &err);
    if (plan == NULL) {
        Rf_error("%s [status %d]", err.msg, err.code);
    }
    /* in R's memory, so that an interrupt (a longjmp) leaks nothing */
    vc_batch_unit *u = (vc_batch_unit *)R_alloc(nu ? nu : 1, sizeof *u);
    memcpy(u, plan, nu * sizeof *u);
    free(plan);
    size_t cap = 0;
    for (size_t i = 0; i < nu; i++) {
        cap += u[i].status == VC_OK
                   ? method_rows(u[i].run, d->tables[u[i].stratum]->J) : 1;
    }
    SEXP out = PROTECT(Rf_allocVector(VECSXP, (R_xlen_t)cap));
    size_t k = 0;
    for (size_t i = 0; i < nu; i++) {
        R_CheckUserInterrupt();
        const vc_table *t = d->tables[u[i].stratum];
        if (u[i].status == VC_OK) {
            run_method(u[i].run, u[i].asked, d, t, opts, u[i].stream, out,
                       &k);
            continue;
        }
        vcr_out r;
        memset(&r, 0, sizeof r);
        r.details = R_NilValue;
        r.status = u[i].status;
        snprintf(r.error, sizeof r.error, "%s", u[i].why);
        SET_VECTOR_ELT(out, (R_xlen_t)k++,
                       row(u[i].asked, d, t, &r, num(opts, "level", 0.95)));
    }
    UNPROTECT(1);
    return out;
}

static const R_CallMethodDef calls[] = {
    {"vcr_read", (DL_FUNC)&vcr_read, 4},
    {"vcr_info", (DL_FUNC)&vcr_info, 1},
    {"vcr_estimate", (DL_FUNC)&vcr_estimate, 3},
    {"vcr_batch", (DL_FUNC)&vcr_batch, 3},
    {NULL, NULL, 0}};

void R_init_victimcount(DllInfo *dll);
void R_init_victimcount(DllInfo *dll)
{
    /* GSL's default handler aborts the process (R with it); the library
     * expects it off and reports every failure as a status, as the CLI
     * sets it (cli/main.c).  The setting holds for the whole process. */
    gsl_set_error_handler_off();
    R_registerRoutines(dll, NULL, calls, NULL, NULL);
    R_useDynamicSymbols(dll, FALSE);
}
