/*
 * methods.c: the methods of `victimcount estimate` and `batch`: the table
 * of methods, cli_run_method (any method on one table, shared by both
 * commands), and the model-based methods (log-linear, latent-class MCMC,
 * graph averaging): run one on one table, fill the result row, and
 * describe what was fitted in JSON and text (and, for the batch's report,
 * what its figures draw).
 */
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "estimators/vc_loglin.h"
#include "models/vc_dga.h"
#include "models/vc_models.h"
#include "report/vc_report.h"

void cli_result_clear(cli_result *res)
{
    json_decref(res->extra);
    json_decref(res->figures);
    free(res->details);
    res->extra = NULL;
    res->figures = NULL;
    res->details = NULL;
}

/* Append a formatted line to res->details. */
static void add_detail(cli_result *res, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t old = res->details ? strlen(res->details) : 0;
    char *grown = realloc(res->details, old + strlen(line) + 2);
    if (grown == NULL) {
        /* the estimate stands, but a batch must not keep a unit with a
         * line missing: counted (cli_batch_unit_compute) */
        cli_oom_note();
        return;
    }
    memcpy(grown + old, line, strlen(line));
    grown[old + strlen(line)] = '\n';
    grown[old + strlen(line) + 1] = '\0';
    res->details = grown;
}

static json_t *extra(cli_result *res)
{
    if (res->extra == NULL) {
        res->extra = json_object();
    }
    return res->extra;
}

/* ---------------------------------------------------------------------
 * The classical methods: one library call each
 * ------------------------------------------------------------------- */

static vc_interval_kind classical_interval(const cli_options *o)
{
    return o->interval == CLI_INTERVAL_WALD ? VC_INTERVAL_WALD
                                            : VC_INTERVAL_LOGNORMAL;
}

/* Chapman and Petersen: exactly the two lists that saw someone here. */
static int two_lists(const cli_method *m, const vc_table *t, vc_error *err)
{
    if (t->J != 2) {
        return vc_error_set(err, VC_EUNDEFINED,
                            "%s needs exactly 2 lists, and %zu of them saw "
                            "someone here",
                            m->name, t->J);
    }
    return VC_OK;
}

static int chapman(const cli_method *m, const vc_table *t,
                   const cli_options *o, vc_estimate *e, vc_error *err)
{
    int status = two_lists(m, t, err);
    return status != VC_OK ? status
                           : vc_chapman_estimate(t, 0, 1, o->level,
                                                 classical_interval(o), e,
                                                 err);
}

static int petersen(const cli_method *m, const vc_table *t,
                    const cli_options *o, vc_estimate *e, vc_error *err)
{
    int status = two_lists(m, t, err);
    if (status != VC_OK) {
        return status;
    }
    status = vc_petersen_estimate(t, 0, 1, o->level, classical_interval(o),
                                  e, err);
    if (status == VC_EUNDEFINED) {
        /* no one on both lists: the library names the estimator that is
         * defined, this tool how to ask for it */
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len,
                 " (--method chapman)");
    }
    return status;
}

static int chao(const cli_method *m, const vc_table *t, const cli_options *o,
                vc_estimate *e, vc_error *err)
{
    (void)m;
    return vc_chao_estimate(t, o->level, e, err);
}

static int independence(const cli_method *m, const vc_table *t,
                        const cli_options *o, vc_estimate *e, vc_error *err)
{
    (void)m;
    return vc_independence_estimate(t, o->level, classical_interval(o), e,
                                    err);
}

/* A failed method is reported as one row. */
static size_t failed(cli_result *res, int status, const vc_error *err)
{
    res[0].status = status;
    snprintf(res[0].error, sizeof res[0].error, "%s", err->msg);
    return 1;
}

static size_t run_classical(const cli_method *m, const vc_table *t,
                            const cli_options *o, cli_result *res,
                            FILE *draws)
{
    (void)draws;
    vc_error err;
    vc_error_clear(&err);
    int status = m->classical(m, t, o, &res[0].est, &err);
    return status == VC_OK ? 1 : failed(res, status, &err);
}

/* Chapman for every pair of lists: one row each. */
static size_t run_pairwise(const cli_method *m, const vc_table *t,
                           const cli_options *o, cli_result *res,
                           FILE *draws)
{
    (void)m;
    (void)draws;
    vc_error err;
    vc_error_clear(&err);
    if (t->J < 2) {
        return failed(res, vc_error_set(&err, VC_EUNDEFINED,
                                        "pairwise needs at least 2 lists, "
                                        "and only %zu saw someone here",
                                        t->J),
                      &err);
    }
    size_t nrows = t->J * (t->J - 1) / 2;
    vc_estimate *tmp = calloc(nrows, sizeof *tmp);
    if (tmp == NULL) {
        return failed(res, vc_error_set(&err, VC_ENOMEM, "out of memory"),
                      &err);
    }
    int status = vc_pairwise_chapman(t, o->level, classical_interval(o), tmp,
                                     &err);
    for (size_t i = 0; i < nrows && status == VC_OK; i++) {
        res[i].est = tmp[i];
    }
    free(tmp);
    return status == VC_OK ? nrows : failed(res, status, &err);
}

/* A model-based method through its jobs: fit, then the estimate, the
 * JSON, the text, the figures and the draws from the typed summary. */
static size_t run_model(const cli_method *m, const vc_table *t,
                        const cli_options *o, cli_result *res, FILE *draws)
{
    const cli_model_jobs *j = m->model;
    vc_error err;
    vc_error_clear(&err);
    void *run = j->fit(t, o, &err);
    if (run == NULL) {
        return failed(res, err.code, &err);
    }
    j->estimate(run, o, &res->est);
    res->extra = j->to_json(run, o);
    j->to_text(run, o, res);
    if (o->figures) {
        res->figures = j->figures(run);
    }
    if (draws != NULL && j->draws != NULL) {
        j->draws(run, draws);
    }
    j->free(run);
    return 1;
}

/* ---------------------------------------------------------------------
 * Log-linear models
 * ------------------------------------------------------------------- */

/* Name of parameter p of a fit: "(Intercept)", a list, "A:B", or for M0
 * the common main effect, whose column is k, the number of lists. */
static void param_name(const vc_table *t, const vc_loglin_result *r, size_t p,
                       char *buf, size_t size)
{
    if (p == 0) {
        snprintf(buf, size, "(Intercept)");
        return;
    }
    if (p == 1 && r->model.common) {
        snprintf(buf, size, "k (all lists, M0)");
        return;
    }
    if (p <= t->J) {
        snprintf(buf, size, "%s", t->names[p - 1]);
        return;
    }
    size_t het0 = 1 + t->J + r->model.nterms;
    if (p >= het0) {
        switch (r->model.het) {
        case VC_LOGLIN_HET_CHAO:
            /* the column (k - j)_+ of eta_j */
            snprintf(buf, size, "eta%zu", p - het0 + 2);
            break;
        case VC_LOGLIN_HET_POISSON:
            snprintf(buf, size, "h=Poisson(%g)", r->model.theta);
            break;
        case VC_LOGLIN_HET_DARROCH:
            snprintf(buf, size, "h=Darroch");
            break;
        default:
            snprintf(buf, size, "h=Gamma(%g)", r->model.theta);
            break;
        }
        return;
    }
    uint32_t term = r->model.term[p - 1 - t->J];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < t->J && used < size; j++) {
        if (term >> j & 1u) {
            used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                     used ? ":" : "", t->names[j]);
        }
    }
}

static void describe_loglin(const vc_table *t, const vc_loglin_result *r,
                            const char *how, cli_result *res)
{
    char name[1024], brackets[512];
    vc_error err;
    vc_error_clear(&err);
    vc_loglin_model_format(&r->model, (const char *const *)t->names, name,
                           sizeof name, &err);
    vc_error_clear(&err);
    if (vc_loglin_model_format(&r->model, NULL, brackets, sizeof brackets,
                               &err) != VC_OK
        || strcmp(brackets, name) == 0) {
        brackets[0] = '\0'; /* none, or nothing new (M0) */
    }
    json_t *x = extra(res);
    cli_json_set_str(x, "model", name);
    if (brackets[0]) {
        cli_json_set_str(x, "model_brackets", brackets);
    }
    cli_json_set_str(x, "selection", how);
    json_t *terms = json_array();
    json_t *coef = json_object();
    for (size_t p = 0; p < r->nparams; p++) {
        char pn[512];
        if (r->coef_state[p] == VC_LOGLIN_COEF_TIED) {
            continue; /* M0: the common main effect stands for them */
        }
        param_name(t, r, p, pn, sizeof pn);
        if (p > t->J && p < 1 + t->J + r->model.nterms) {
            json_array_append_new(terms, json_string(pn));
        }
        json_t *c = json_object();
        const char *state = "estimated";
        if (r->coef_state[p] == VC_LOGLIN_COEF_NEGINF) {
            state = "minus infinity (lists never meet)";
        } else if (r->coef_state[p] == VC_LOGLIN_COEF_ALIASED) {
            state = "not estimable";
        } else if (r->coef_state[p] == VC_LOGLIN_COEF_ZERO) {
            state = "fixed at 0 (negative Chao eta)";
        }
        int free_coef = r->coef_state[p] == VC_LOGLIN_COEF_FREE;
        cli_json_set_real_if(c, "value", r->coef[p], free_coef);
        cli_json_set_real_if(c, "se", r->se[p], free_coef);
        cli_json_set_str(c, "state", state);
        json_object_set_new(coef, pn, c);
    }
    json_object_set_new(x, "terms", terms);
    static const char *const het_names[] = {"none", "Chao", "Poisson",
                                            "Darroch", "Gamma"};
    if (r->model.het != VC_LOGLIN_HET_NONE) {
        json_t *h = json_object();
        cli_json_set_str(h, "form", het_names[r->model.het]);
        if (r->model.het == VC_LOGLIN_HET_POISSON
            || r->model.het == VC_LOGLIN_HET_GAMMA) {
            json_object_set_new(h, "theta", json_real(r->model.theta));
        }
        if (r->model.het == VC_LOGLIN_HET_CHAO) {
            cli_json_set_int(h, "etas_fixed_at_zero", r->nzero);
        }
        json_object_set_new(x, "heterogeneity", h);
    }
    json_object_set_new(x, "coefficients", coef);
    cli_json_set_int(x, "existence", r->existence);
    cli_json_set_real(x, "deviance", r->deviance);
    cli_json_set_real(x, "df", r->df);
    cli_json_set_real(x, "aic", r->aic);
    cli_json_set_real(x, "bic", r->bic);
    add_detail(res, "model %s%s%s%s, selected by %s; deviance %.4g on %.0f "
               "df, AIC %.2f, BIC %.2f", name, brackets[0] ? " (" : "",
               brackets, brackets[0] ? ")" : "", how, r->deviance, r->df,
               r->aic, r->bic);
    if (r->nneginf > 0) {
        add_detail(res, "%zu interaction%s between lists that never meet "
                   "fixed at minus infinity (extended MLE)", r->nneginf,
                   r->nneginf == 1 ? "" : "s");
    }
}

/* Most lists for which the JSON lists every cell's Pearson residual
 * (1,023 cells); wider tables get only X^2 and the largest residual. */
#define CLI_RESIDUAL_MAX_LISTS 10

/* Pearson residuals of fit r (refitted to get its means) in the JSON, and
 * X^2 with the largest residual in the details.  A courtesy: failures
 * leave the estimate alone. */
static void describe_residuals(const vc_table *t, const vc_loglin_result *r,
                               vc_loglin_workspace *w, cli_result *res)
{
    json_t *x = extra(res);
    cli_json_set_real(x, "pearson_chi2", r->pearson_chi2);
    cli_json_set_real(x, "pearson_max_abs", r->pearson_max);
    add_detail(res, "Pearson X^2 %.4g on %.0f df; largest |residual| %.2f",
               r->pearson_chi2, r->df, r->pearson_max);
    if (t->J > CLI_RESIDUAL_MAX_LISTS) {
        return;
    }
    size_t ncell = (size_t)1 << t->J;
    double *fitted = malloc(ncell * sizeof *fitted);
    double *resid = malloc(ncell * sizeof *resid);
    double *obs = calloc(ncell, sizeof *obs);
    vc_loglin_result *again = malloc(sizeof *again);
    vc_error err;
    vc_error_clear(&err);
    if (fitted != NULL && resid != NULL && obs != NULL && again != NULL
        && vc_loglin_fit(t, &r->model, r, NULL, again, fitted, w, &err)
               == VC_OK
        && vc_loglin_pearson(t, fitted, resid, &err) == VC_OK) {
        for (size_t i = 0; i < t->npat; i++) {
            obs[t->pattern[i]] = (double)t->count[i];
        }
        json_t *cells = json_array();
        for (size_t c = 1; c < ncell; c++) {
            char pat[CLI_RESIDUAL_MAX_LISTS + 1];
            for (size_t j = 0; j < t->J; j++) {
                pat[j] = (c >> j & 1u) ? '1' : '0';
            }
            pat[t->J] = '\0';
            json_t *cell = json_object();
            cli_json_set_str(cell, "pattern", pat);
            json_object_set_new(cell, "observed", json_real(obs[c]));
            cli_json_set_real(cell, "fitted", fitted[c]);
            cli_json_set_real(cell, "residual", resid[c]);
            json_array_append_new(cells, cell);
        }
        json_object_set_new(x, "pearson_residuals", cells);
    } else if (fitted == NULL || resid == NULL || obs == NULL
               || again == NULL || err.code == VC_ENOMEM) {
        /* the residuals are left out: a batch must not keep the unit
         * (cli_batch_unit_compute) */
        cli_oom_note();
    }
    free(again);
    free(obs);
    free(resid);
    free(fitted);
}

static int loglinear_fit(const vc_table *t, const cli_options *o,
                         cli_result *res)
{
    vc_error err;
    vc_error_clear(&err);
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, &err);
    if (w == NULL) {
        snprintf(res->error, sizeof res->error, "%s", err.msg);
        return res->status = err.code;
    }
    vc_loglin_result fit;
    /* The model the profile refits at every N: the one asked for, so that
     * Chao etas are fixed at 0 afresh at each N, as Rcapture does. */
    vc_loglin_model asked;
    int have_asked = 0;
    const char *how = "the user (--model)";
    int status = VC_OK;
    if (o->loglinear.heterogeneity != NULL && o->loglinear.model == NULL) {
        status = vc_error_set(&err, VC_EINVAL,
                              "--heterogeneity adds to a model: give "
                              "--model too (--model independence for "
                              "Rcapture's Mth, --model M0 for Mh)");
    } else if (o->loglinear.model != NULL) {
        vc_loglin_model m;
        char spec[2048];
        if (o->loglinear.heterogeneity != NULL) {
            snprintf(spec, sizeof spec, "%s + h=%s", o->loglinear.model,
                     o->loglinear.heterogeneity);
        } else {
            snprintf(spec, sizeof spec, "%s", o->loglinear.model);
        }
        status = vc_loglin_model_parse(spec, t->J,
                                       (const char *const *)t->names, &m,
                                       &err);
        if (status == VC_OK) {
            asked = m;
            have_asked = 1;
            status = vc_loglin_fit(t, &m, NULL, NULL, &fit, NULL, w, &err);
        }
    } else if (o->loglinear.select == CLI_SELECT_STEPWISE) {
        how = "stepwise (SparseMSE)";
        status = vc_loglin_stepwise(t, o->loglinear.pthresh, &fit, w, &err);
    } else {
        vc_loglin_ranked top[5];
        vc_loglin_enum_summary sum;
        vc_loglin_criterion crit = o->loglinear.select == CLI_SELECT_AIC
                                       ? VC_LOGLIN_AIC : VC_LOGLIN_BIC;
        how = crit == VC_LOGLIN_AIC ? "AIC over all pairwise models"
                                    : "BIC over all pairwise models";
        status = vc_loglin_enumerate(t, crit, 5, top, &sum, &err);
        if (status == VC_OK) {
            status = vc_loglin_fit(t, &top[0].model, NULL, NULL, &fit, NULL,
                                   w, &err);
        }
        if (status == VC_OK) {
            json_t *arr = json_array();
            for (size_t i = 0; i < sum.ntop; i++) {
                char name[1024];
                vc_error e2;
                vc_error_clear(&e2);
                vc_loglin_model_format(&top[i].model,
                                       (const char *const *)t->names, name,
                                       sizeof name, &e2);
                json_t *m = json_object();
                cli_json_set_str(m, "model", name);
                cli_json_set_real(m, "estimate", top[i].N);
                cli_json_set_real(m, crit == VC_LOGLIN_AIC ? "aic" : "bic",
                                  top[i].criterion);
                cli_json_set_real(m, "weight", top[i].weight);
                json_array_append_new(arr, m);
                char est[48];
                vc_format_count(top[i].N, est, sizeof est);
                add_detail(res, "  %zu. %-40s N %s, %s %.2f, weight %.3f",
                           i + 1, name, est,
                           crit == VC_LOGLIN_AIC ? "AIC" : "BIC",
                           top[i].criterion, top[i].weight);
            }
            json_object_set_new(extra(res), "top_models", arr);
            cli_json_set_int(extra(res), "models_fitted", sum.nfitted);
            cli_json_set_int(extra(res), "models_refused", sum.nrefused);
        }
    }
    if (status == VC_OK) {
        status = vc_loglin_estimate(&fit, o->level, &res->est, &err);
    }
    if (status == VC_OK) {
        char *top_lines = res->details; /* the ranking goes after the model */
        res->details = NULL;
        describe_loglin(t, &fit, how, res);
        describe_residuals(t, &fit, w, res);
        if (top_lines != NULL) {
            add_detail(res, "best models:");
            add_detail(res, "%.*s", (int)strlen(top_lines) - 1, top_lines);
            free(top_lines);
        }
        res->est.interval = "Wald on log n0";
        cli_interval kind = o->interval;
        if (kind == CLI_INTERVAL_DEFAULT) {
            kind = (o->loglinear.model == NULL
                    && o->loglinear.select == CLI_SELECT_STEPWISE)
                       ? CLI_INTERVAL_BOOTSTRAP : CLI_INTERVAL_PROFILE;
        }
        if (kind == CLI_INTERVAL_PROFILE) {
            double lo, hi;
            unsigned flags = 0;
            status = vc_loglin_profile_ci(t, have_asked ? &asked : &fit.model,
                                          o->level, 0.0, &lo, &hi, &flags, w,
                                          &err);
            if (status == VC_OK) {
                res->est.lower = lo;
                res->est.upper = hi;
                res->est.flags |= flags;
                res->est.interval = "profile likelihood (Cormack 1992)";
            }
        } else if (kind == CLI_INTERVAL_BOOTSTRAP) {
            if (o->loglinear.model != NULL
                || o->loglinear.select != CLI_SELECT_STEPWISE) {
                status = vc_error_set(&err, VC_EINVAL,
                                      "the bootstrap interval repeats "
                                      "stepwise selection in every "
                                      "replicate: use it with --select "
                                      "stepwise and no --model");
            } else {
                vc_loglin_boot_opts bo;
                vc_loglin_boot_opts_default(&bo);
                bo.B = o->loglinear.bootstrap;
                bo.seed = o->seed;
                bo.stratum = vc_hash_string(t->label);
                bo.pthresh = o->loglinear.pthresh;
                bo.level = o->level;
                vc_loglin_boot_result br;
                status = vc_loglin_bootstrap(t, &bo, &br, NULL, &err);
                if (status == VC_OK) {
                    res->est.lower = br.bca_lower;
                    res->est.upper = br.bca_upper;
                    res->est.interval = "bootstrap BCa through stepwise "
                                        "selection";
                    json_t *b = json_object();
                    cli_json_set_int(b, "replicates", br.B);
                    cli_json_set_int(b, "failed", br.nfailed);
                    cli_json_set_int(b, "seed", o->seed);
                    json_t *pct = json_array();
                    json_array_append_new(pct, cli_json_real(br.pct_lower));
                    json_array_append_new(pct, cli_json_real(br.pct_upper));
                    json_object_set_new(b, "percentile", pct);
                    json_t *bca = json_array();
                    json_array_append_new(bca, cli_json_real(br.bca_lower));
                    json_array_append_new(bca, cli_json_real(br.bca_upper));
                    json_object_set_new(b, "bca", bca);
                    json_object_set_new(extra(res), "bootstrap", b);
                    char a[48], c[48];
                    vc_format_count(br.pct_lower, a, sizeof a);
                    vc_format_count(br.pct_upper, c, sizeof c);
                    add_detail(res, "bootstrap: %zu replicates (seed %llu), "
                               "percentile interval %s\xE2\x80\x93%s%s",
                               br.B, (unsigned long long)o->seed, a, c,
                               br.nfailed ? ", some replicates failed" : "");
                }
            }
        }
    }
    vc_loglin_workspace_free(w);
    if (status != VC_OK) {
        snprintf(res->error, sizeof res->error, "%s", err.msg);
        cli_result_clear(res);
    }
    return res->status = status;
}

static size_t run_loglinear(const cli_method *m, const vc_table *t,
                            const cli_options *o, cli_result *res,
                            FILE *draws)
{
    (void)m;
    (void)draws;
    loglinear_fit(t, o, res);
    return 1;
}

/* ---------------------------------------------------------------------
 * Latent-class MCMC
 * ------------------------------------------------------------------- */

static void lcm_progress(const vc_table *t, uint64_t done, uint64_t total,
                         size_t chains, double elapsed, double rhat)
{
    double rate = elapsed > 0.0 ? (double)(done * chains) / elapsed : 0.0;
    double eta = (done > 0 && total > done)
                     ? elapsed * (double)(total - done) / (double)done : 0.0;
    fprintf(stderr, "\r\033[Klcm%s%s: %llu/%llu sweeps per chain, "
            "%.0f sweeps/s, ETA %.0f s", t->label ? " " : "",
            t->label ? t->label : "", (unsigned long long)done,
            (unsigned long long)total, rate, eta);
    if (rhat > 0.0) {
        fprintf(stderr, ", R-hat %.3f", rhat);
    }
    fflush(stderr);
}

/* The draws of N per chain for the report's posterior and trace plots,
 * every k-th draw so that a chain keeps at most CLI_FIGURE_DRAWS: enough
 * for a histogram and a trace, small enough for the batch cache. */
#define CLI_FIGURE_DRAWS 2000

static json_t *lcm_figures(const vc_lcm_chains *c)
{
    json_t *fig = json_object();
    json_t *chains = json_array();
    size_t step = 1;
    for (size_t ch = 0; ch < vc_lcm_chains_count(c); ch++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(c, ch);
        size_t k = (tr->ndraws + CLI_FIGURE_DRAWS - 1) / CLI_FIGURE_DRAWS;
        step = k > step ? k : step;
    }
    for (size_t ch = 0; ch < vc_lcm_chains_count(c); ch++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(c, ch);
        json_t *a = json_array();
        for (size_t i = 0; i < tr->ndraws; i += step) {
            json_array_append_new(a, json_integer((json_int_t)tr->N[i]));
        }
        json_array_append_new(chains, a);
    }
    cli_json_set_str(fig, "kind", "draws");
    cli_json_set_int(fig, "every", step);
    json_object_set_new(fig, "chains", chains);
    return fig;
}

/* One run of the latent-class model on one table: its typed summary,
 * which the method's jobs below describe. */
typedef struct {
    const vc_table *t;
    vc_lcm_opts lo;
    vc_lcm_chains *c;
    vc_lcm_summary s;
    double seconds;
} lcm_run;

/* The library's options from the command line's. */
static void lcm_options(const vc_table *t, const cli_options *o,
                        vc_lcm_opts *lo)
{
    vc_lcm_opts_default(lo);
    lo->K = o->lcm.classes;
    lo->sampler = o->lcm.sampler;
    lo->temperatures = o->lcm.temperatures;
    lo->beta_min = o->lcm.beta_min;
    lo->adapt_ladder = !o->lcm.fixed_ladder;
    lo->chains = o->lcm.chains;
    lo->burnin = o->lcm.burnin;
    lo->iterations = o->lcm.iterations;
    lo->thin = o->lcm.thin;
    lo->seed = o->seed;
    lo->stratum = vc_hash_string(t->label);
    lo->threads = o->threads;
    lo->level = o->level;
}

/* Run r's chains the asked number of sweeps, and with --until-converged
 * again by the same length until they converge or reach the cap; the
 * summary goes to r->s.  On a terminal, a progress line after each
 * round. */
static int lcm_until_converged(lcm_run *r, const cli_options *o,
                               vc_error *err)
{
    int show = !o->quiet && isatty(STDERR_FILENO);
    uint64_t max_total = o->lcm.max_iterations ? o->lcm.max_iterations
                                               : 10 * o->lcm.iterations;
    uint64_t target = o->lcm.iterations;
    /* With progress shown, rounds of a tenth of the run (at least one
     * thin step); without, one round: each round ends at a barrier that
     * waits for the slowest chain, and on a 16-core machine whose cores
     * ran at unequal speeds ten barriers cost 20% of the wall time.
     * Rounds never change the draws. */
    uint64_t round = !show                       ? UINT64_MAX
                     : target / 10 > o->lcm.thin ? target / 10
                                                 : o->lcm.thin;
    double t0 = cli_seconds();
    double rhat = 0.0;
    int status = VC_OK;
    while (status == VC_OK) {
        uint64_t done = vc_lcm_chains_sweeps(r->c);
        if (done >= target) {
            status = vc_lcm_chains_summary(r->c, &r->s, err);
            if (status != VC_OK || r->s.converged || !o->lcm.until_converged
                || done >= max_total) {
                break;
            }
            /* not converged yet: extend by the same length again */
            target = done + o->lcm.iterations < max_total
                         ? done + o->lcm.iterations : max_total;
            rhat = r->s.N.rhat;
            continue;
        }
        uint64_t step = target - done < round ? target - done : round;
        status = vc_lcm_chains_round(r->c, step, err);
        if (show && status == VC_OK) {
            /* the current R-hat of N; none (0) until it is defined */
            if (vc_lcm_chains_rhat(r->c, &rhat, NULL) != VC_OK) {
                rhat = 0.0;
            }
            lcm_progress(r->t, vc_lcm_chains_sweeps(r->c), target,
                         o->lcm.chains, cli_seconds() - t0, rhat);
        }
    }
    r->seconds = cli_seconds() - t0;
    if (show) {
        fputs("\r\033[K", stderr);
    }
    return status;
}

static void lcm_free(void *run)
{
    lcm_run *r = run;
    if (r != NULL) {
        vc_lcm_chains_free(r->c);
        free(r);
    }
}

static void *lcm_fit(const vc_table *t, const cli_options *o, vc_error *err)
{
    lcm_run *r = calloc(1, sizeof *r);
    if (r == NULL) {
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    r->t = t;
    lcm_options(t, o, &r->lo);
    int status = vc_lcm_opts_check(&r->lo, t, err);
    if (status == VC_OK) {
        r->c = vc_lcm_chains_alloc(t, &r->lo, err);
        status = r->c ? VC_OK : err->code;
    }
    if (status == VC_OK) {
        status = lcm_until_converged(r, o, err);
    }
    if (status != VC_OK) {
        lcm_free(r);
        return NULL;
    }
    return r;
}

static void lcm_estimate(const void *run, const cli_options *o,
                         vc_estimate *e)
{
    const lcm_run *r = run;
    vc_lcm_summary_estimate(&r->s, e);
    e->level = o->level;
    e->interval = "equal-tailed posterior";
}

/* The chains' agreement on the tails (issue 21). */
static json_t *lcm_tails_json(const vc_lcm_summary *s)
{
    static const cli_json_field f[] = {
        {"below_lower_min", offsetof(vc_lcm_summary, low_share_min),
         CLI_JSON_REAL},
        {"below_lower_max", offsetof(vc_lcm_summary, low_share_max),
         CLI_JSON_REAL},
        {"above_upper_min", offsetof(vc_lcm_summary, high_share_min),
         CLI_JSON_REAL},
        {"above_upper_max", offsetof(vc_lcm_summary, high_share_max),
         CLI_JSON_REAL},
        {"p_value", offsetof(vc_lcm_summary, tail_p), CLI_JSON_REAL}};
    json_t *jt = json_object();
    cli_json_set_fields(jt, s, f, sizeof f / sizeof *f);
    cli_json_set_bool(jt, "agree", !(s->flags & VC_FLAG_TAILS));
    return jt;
}

/* Separate modes of the pooled draws of N (issue 21; the latent-class
 * part of issue 17's regimes). */
static json_t *lcm_modes_json(const vc_lcm_summary *s)
{
    json_t *jm = json_array();
    for (size_t k = 0; k < s->modes; k++) {
        json_t *one = json_object();
        cli_json_set_real(one, "peak", s->mode_centre[k]);
        cli_json_set_real(one, "lower", s->mode_lo[k]);
        cli_json_set_real(one, "upper", s->mode_hi[k]);
        cli_json_set_real(one, "weight", s->mode_weight[k]);
        json_array_append_new(jm, one);
    }
    return jm;
}

/* Tempering: the ladder as run (adapted during the burn-in), the
 * exchange rates of its pairs after the burn-in, and the replica whose
 * draws, reweighted to the posterior, put the most weight on N outside
 * the cold chains' range (issue 21). */
static void lcm_ladder_json(const lcm_run *r, json_t *d)
{
    double beta[64], rate[64];
    size_t nb = vc_lcm_chains_ladder(r->c, beta, 64);
    size_t nr = vc_lcm_chains_swap_rates(r->c, rate, 64);
    json_t *jb = json_array(), *jr = json_array();
    for (size_t q = 0; q < nb && q < 64; q++) {
        json_array_append_new(jb, json_real(beta[q]));
    }
    for (size_t q = 0; q < nr && q < 64; q++) {
        json_array_append_new(jr, json_real(rate[q]));
    }
    json_object_set_new(d, "ladder", jb);
    json_object_set_new(d, "exchange_rates", jr);
    static const cli_json_field f[] = {
        {"replica", offsetof(vc_lcm_summary, replica), CLI_JSON_SIZE},
        {"beta", offsetof(vc_lcm_summary, replica_beta), CLI_JSON_REAL},
        {"cold_lower", offsetof(vc_lcm_summary, cold_lo), CLI_JSON_REAL},
        {"cold_upper", offsetof(vc_lcm_summary, cold_hi), CLI_JSON_REAL},
        {"share_below", offsetof(vc_lcm_summary, replica_below),
         CLI_JSON_REAL},
        {"share_above", offsetof(vc_lcm_summary, replica_above),
         CLI_JSON_REAL},
        {"ess", offsetof(vc_lcm_summary, replica_ess), CLI_JSON_REAL},
        {"draws_outside", offsetof(vc_lcm_summary, replica_outside),
         CLI_JSON_SIZE}};
    json_t *jq = json_object();
    cli_json_set_fields(jq, &r->s, f, sizeof f / sizeof *f);
    cli_json_set_bool(jq, "agree", !(r->s.flags & VC_FLAG_REPLICA));
    json_object_set_new(d, "replicas", jq);
}

/* The moves' counters, burn-in included: the full-table replica's label
 * swaps and split-merge proposals, and the hybrid's moves. */
static void lcm_counts_json(const lcm_run *r, json_t *d)
{
#define SM(key, field) {key, offsetof(vc_lcm_splitmerge_counts, field), \
                        CLI_JSON_U64}
    static const cli_json_field sm[] = {
        SM("splits_proposed", splits_proposed),
        SM("splits_accepted", splits_accepted),
        SM("merges_proposed", merges_proposed),
        SM("merges_accepted", merges_accepted),
        SM("splits_no_empty_class", splits_no_empty_class),
        SM("label_swaps_proposed", label_swaps_proposed),
        SM("label_swaps_accepted", label_swaps_accepted)};
#undef SM
    static const cli_json_field hm[][2] = {
        {{"proposed", offsetof(vc_lcm_hybrid_counts, unseen_moves_proposed),
          CLI_JSON_U64},
         {"accepted", offsetof(vc_lcm_hybrid_counts, unseen_moves_accepted),
          CLI_JSON_U64}},
        {{"proposed", offsetof(vc_lcm_hybrid_counts, flips_proposed),
          CLI_JSON_U64},
         {"accepted", offsetof(vc_lcm_hybrid_counts, flips_accepted),
          CLI_JSON_U64}}};
    static const char *const hm_keys[] = {"unseen_moves", "flips"};
    vc_lcm_splitmerge_counts smc;
    if (vc_lcm_chains_splitmerge_counts(r->c, 0, &smc)) {
        json_t *js = json_object();
        cli_json_set_fields(js, &smc, sm, sizeof sm / sizeof *sm);
        json_object_set_new(d, "splitmerge", js);
    }
    vc_lcm_hybrid_counts hc;
    if (vc_lcm_chains_hybrid_counts(r->c, &hc)) {
        for (size_t q = 0; q < 2; q++) {
            json_t *ju = json_object();
            cli_json_set_fields(ju, &hc, hm[q], 2);
            json_object_set_new(d, hm_keys[q], ju);
        }
    }
}

static json_t *lcm_diagnostics_json(const lcm_run *r, const cli_options *o)
{
    const vc_lcm_summary *s = &r->s;
    json_t *d = json_object();
    cli_json_set_real_if(d, "rhat", s->N.rhat, s->N.diag_defined);
    cli_json_set_real_if(d, "ess_bulk", s->N.ess_bulk, s->N.diag_defined);
    cli_json_set_real_if(d, "ess_tail", s->N.ess_tail, s->N.diag_defined);
    cli_json_set_real(d, "mcse_median", s->N.mcse_median);
    /* MCSE of the interval's ends (V21 sec. 4.4), as of the median */
    cli_json_set_real(d, "mcse_lower", s->N.mcse_lower);
    cli_json_set_real(d, "mcse_upper", s->N.mcse_upper);
    cli_json_set_int(d, "chains", s->chains);
    cli_json_set_int(d, "sweeps", s->sweeps);
    cli_json_set_int(d, "burnin", s->burnin);
    cli_json_set_int(d, "thin", s->thin);
    cli_json_set_int(d, "draws", s->draws);
    if (!o->no_timing) {
        json_object_set_new(d, "seconds", json_real(r->seconds));
    }
    cli_json_set_bool(d, "converged", s->converged);
    json_object_set_new(d, "tails", lcm_tails_json(s));
    if (s->modes > 1) {
        json_object_set_new(d, "modes", lcm_modes_json(s));
    }
    cli_json_set_int(d, "seed", s->seed);
    cli_json_set_str(d, "rng", s->rng);
    cli_json_set_str(d, "sampler", s->sampler);
    cli_json_set_int(d, "temperatures", s->temperatures);
    if (s->temperatures > 1) {
        lcm_ladder_json(r, d);
    }
    lcm_counts_json(r, d);
    cli_json_set_int(d, "classes", s->K);
    return d;
}

static json_t *lcm_json(const void *run, const cli_options *o)
{
    const lcm_run *r = run;
    json_t *x = json_object();
    cli_json_set_real(x, "mean", r->s.N.mean);
    cli_json_set_real(x, "sd", r->s.N.sd);
    cli_json_set_real(x, "hpd_lower", r->s.N.hpd_lower);
    cli_json_set_real(x, "hpd_upper", r->s.N.hpd_upper);
    json_object_set_new(x, "diagnostics", lcm_diagnostics_json(r, o));
    return x;
}

/* The separate modes of the draws of N, as one detail line. */
static void lcm_modes_text(const vc_lcm_summary *s, cli_result *res)
{
    char line[512];
    int len = snprintf(line, sizeof line, "the draws of N have %zu "
                       "separate modes:", s->modes);
    for (size_t k = 0; k < s->modes && len > 0
                       && (size_t)len < sizeof line; k++) {
        char pk[48], a[48], b[48];
        vc_format_count(s->mode_centre[k], pk, sizeof pk);
        vc_format_count(s->mode_lo[k], a, sizeof a);
        vc_format_count(s->mode_hi[k], b, sizeof b);
        len += snprintf(line + len, sizeof line - (size_t)len,
                        "%s near %s (%s\xE2\x80\x93%s, %.1f%% of the "
                        "draws)", k ? ";" : "", pk, a, b,
                        100.0 * s->mode_weight[k]);
    }
    add_detail(res, "%s", line);
}

static void lcm_text(const void *run, const cli_options *o,
                     cli_result *res)
{
    const lcm_run *r = run;
    const vc_lcm_summary *s = &r->s;
    char mean[48], lo_s[48], hi_s[48];
    vc_format_count(s->N.mean, mean, sizeof mean);
    vc_format_count(s->N.hpd_lower, lo_s, sizeof lo_s);
    vc_format_count(s->N.hpd_upper, hi_s, sizeof hi_s);
    char took[48] = "";
    if (!o->no_timing) {
        snprintf(took, sizeof took, " in %.1f s", r->seconds);
    }
    add_detail(res, "posterior mean %s, sd %.1f, HPD %s\xE2\x80\x93%s; "
               "R-hat %.4f, bulk ESS %.0f, tail ESS %.0f; %zu chains x "
               "%llu sweeps (burn-in %llu, thin %llu, K* = %zu, seed "
               "%llu)%s", mean, s->N.sd, lo_s, hi_s, s->N.rhat,
               s->N.ess_bulk, s->N.ess_tail, s->chains,
               (unsigned long long)s->sweeps,
               (unsigned long long)s->burnin, (unsigned long long)s->thin,
               s->K, (unsigned long long)s->seed, took);
    if (s->flags & VC_FLAG_TAILS) {
        add_detail(res, "NOT CONVERGED: the chains disagree on the "
                   "tails: %.2f%%-%.2f%% of a chain's draws below the "
                   "lower end, %.2f%%-%.2f%% above the upper end "
                   "(chi-square p = %.2g): a region of N some chains "
                   "visit and others do not",
                   100.0 * s->low_share_min, 100.0 * s->low_share_max,
                   100.0 * s->high_share_min, 100.0 * s->high_share_max,
                   s->tail_p);
    }
    if (s->modes > 1) {
        lcm_modes_text(s, res);
    }
    if (s->flags & VC_FLAG_REPLICA) {
        char lo_c[48], hi_c[48];
        vc_format_count(s->cold_lo, lo_c, sizeof lo_c);
        vc_format_count(s->cold_hi, hi_c, sizeof hi_c);
        add_detail(res, "NOT CONVERGED: replica %zu of the tempering "
                   "ladder (beta %.3g) sees N the cold chains never "
                   "visit: reweighted to the posterior, %.1f%% of its "
                   "draws imply N below %s and %.1f%% above %s (%zu "
                   "draws, weights' ESS %.0f)",
                   s->replica, s->replica_beta, 100.0 * s->replica_below,
                   lo_c, 100.0 * s->replica_above, hi_c,
                   s->replica_outside, s->replica_ess);
    }
    if (!s->converged) {
        int gibbs = strcmp(s->sampler, "gibbs") == 0;
        add_detail(res, "NOT CONVERGED: R-hat must be below %.2f and "
                   "bulk ESS at least %.0f; run longer (--iterations, "
                   "--until-converged)%s", r->lo.rhat_max, r->lo.ess_min,
                   gibbs ? ", or use the default --sampler hybrid, "
                           "whose moves of the unseen, label swaps and "
                           "split-merge proposals let chains leave "
                           "modes where Gibbs chains stall"
                         : "");
    }
}

static json_t *lcm_run_figures(const void *run)
{
    return lcm_figures(((const lcm_run *)run)->c);
}

/* --draws: every kept draw of every chain as a CSV row. */
static void lcm_draws(const void *run, FILE *draws)
{
    const lcm_run *r = run;
    for (size_t ch = 0; ch < vc_lcm_chains_count(r->c); ch++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(r->c, ch);
        for (size_t i = 0; i < tr->ndraws; i++) {
            fprintf(draws, "%s,%zu,%zu,%llu,%.10g,%u\n",
                    r->t->label ? r->t->label : "", ch + 1, i + 1,
                    (unsigned long long)tr->N[i], tr->alpha[i],
                    (unsigned)tr->occupied[i]);
        }
    }
}

static const cli_model_jobs lcm_jobs = {lcm_fit, lcm_estimate, lcm_json,
                                        lcm_text, lcm_run_figures,
                                        lcm_draws, lcm_free};

/* ---------------------------------------------------------------------
 * Graph averaging
 * ------------------------------------------------------------------- */

/* The posterior of N on the grid for the report, trimmed to where it
 * holds all but 1e-6 of its mass at each end, in at most
 * CLI_FIGURE_DRAWS bins of equal width. */
static json_t *dga_figures(const vc_dga_result *r)
{
    size_t lo = 0, hi = r->ngrid;
    double acc = 0.0;
    while (lo + 1 < r->ngrid && acc + r->post[lo] < 1e-6) {
        acc += r->post[lo++];
    }
    acc = 0.0;
    while (hi > lo + 1 && acc + r->post[hi - 1] < 1e-6) {
        acc += r->post[--hi];
    }
    size_t width = (hi - lo + CLI_FIGURE_DRAWS - 1) / CLI_FIGURE_DRAWS;
    json_t *fig = json_object();
    json_t *mass = json_array();
    for (size_t i = lo; i < hi; i += width) {
        double m = 0.0;
        for (size_t k = i; k < i + width && k < hi; k++) {
            m += r->post[k];
        }
        json_array_append_new(mass, json_real(m));
    }
    cli_json_set_str(fig, "kind", "grid");
    cli_json_set_int(fig, "first", r->n + r->n0_lo + lo);
    cli_json_set_int(fig, "width", width);
    json_object_set_new(fig, "mass", mass);
    return fig;
}

/* One run of graph averaging on one table: its typed summary. */
typedef struct {
    const vc_table *t;
    vc_dga_mcmc_opts m;
    int mcmc;              /* MCMC over graphs rather than all of them */
    vc_dga_result *r;
    double seconds;
} dga_run;

static void dga_free(void *run)
{
    dga_run *g = run;
    if (g != NULL) {
        vc_dga_result_free(g->r);
        free(g);
    }
}

static void *dga_fit(const vc_table *t, const cli_options *o, vc_error *err)
{
    dga_run *g = calloc(1, sizeof *g);
    if (g == NULL) {
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    g->t = t;
    vc_dga_opts d;
    memset(&d, 0, sizeof d);
    d.delta = o->dga.delta;
    d.n0_lo = o->dga.n0_lo;
    d.n0_hi = o->dga.n0_hi;
    d.prior = o->dga.prior_negbin ? VC_DGA_PRIOR_NEGBIN : VC_DGA_PRIOR_INV_N;
    d.nb_a = o->dga.nb_a;
    d.nb_b = o->dga.nb_b;
    d.top = 5;
    /* Every graph is enumerated up to 5 lists; beyond, or when asked,
     * MCMC over graphs with the lcm method's run options. */
    g->mcmc = o->dga.mcmc || t->J > VC_DGA_MAX_EXACT_LISTS;
    vc_dga_mcmc_opts_default(&g->m);
    g->m.chains = o->lcm.chains;
    g->m.burnin = o->lcm.burnin;
    g->m.iterations = o->lcm.iterations;
    g->m.thin = o->lcm.thin;
    g->m.seed = o->seed;
    g->m.stratum = vc_hash_string(t->label);
    g->m.threads = o->threads;
    double t0 = cli_seconds();
    g->r = g->mcmc ? vc_dga_mcmc_fit(t, &d, &g->m, err)
                   : vc_dga_fit(t, &d, err);
    g->seconds = cli_seconds() - t0;
    if (g->r == NULL) {
        dga_free(g);
        return NULL;
    }
    return g;
}

static void dga_estimate(const void *run, const cli_options *o,
                         vc_estimate *e)
{
    vc_dga_estimate(((const dga_run *)run)->r, o->level, e);
}

/* MCMC over graphs: convergence of E(N | graph) and of the number of
 * edges, and the run's counts. */
static json_t *dga_diagnostics_json(const dga_run *g)
{
    const vc_dga_mcmc_info *mc = &g->r->mc;
    json_t *dg = json_object();
    cli_json_set_real_if(dg, "rhat", mc->rhat_N, mc->diag_defined);
    cli_json_set_real_if(dg, "ess_bulk", mc->ess_N, mc->diag_defined);
    cli_json_set_real_if(dg, "rhat_edges", mc->rhat_edges, mc->diag_defined);
    cli_json_set_real_if(dg, "ess_bulk_edges", mc->ess_edges,
                         mc->diag_defined);
    static const cli_json_field f[] = {
        {"chains", offsetof(vc_dga_mcmc_info, chains), CLI_JSON_SIZE},
        {"sweeps", offsetof(vc_dga_mcmc_info, sweeps), CLI_JSON_U64},
        {"burnin", offsetof(vc_dga_mcmc_info, burnin), CLI_JSON_U64},
        {"thin", offsetof(vc_dga_mcmc_info, thin), CLI_JSON_U64},
        {"draws", offsetof(vc_dga_mcmc_info, draws), CLI_JSON_SIZE},
        {"acceptance", offsetof(vc_dga_mcmc_info, acceptance), CLI_JSON_REAL},
        {"graphs_visited", offsetof(vc_dga_mcmc_info, visited),
         CLI_JSON_SIZE},
        {"graphs_evaluated", offsetof(vc_dga_mcmc_info, evaluated),
         CLI_JSON_SIZE}};
    cli_json_set_fields(dg, mc, f, sizeof f / sizeof *f);
    json_object_set_new(dg, "seconds", json_real(g->seconds));
    cli_json_set_bool(dg, "converged", mc->converged);
    cli_json_set_int(dg, "seed", mc->seed);
    cli_json_set_str(dg, "rng", mc->rng);
    return dg;
}

static json_t *dga_json(const void *run, const cli_options *o)
{
    (void)o;
    const dga_run *g = run;
    const vc_dga_result *r = g->r;
    const vc_table *t = g->t;
    json_t *x = json_object();
    cli_json_set_real(x, "mean", r->mean);
    cli_json_set_real(x, "sd", r->sd);
    cli_json_set_real(x, "mode", r->mode);
    cli_json_set_real(x, "delta", r->delta);
    json_object_set_new(x, "n0_grid",
                        cli_json_pair(json_integer((json_int_t)r->n0_lo),
                                      json_integer((json_int_t)(
                                          r->n0_lo + r->ngrid - 1))));
    cli_json_set_str(x, "search", g->mcmc ? "mcmc" : "exact");
    cli_json_set_int(x, "graphs_averaged", r->ngraphs);
    if (g->mcmc) {
        json_object_set_new(x, "diagnostics", dga_diagnostics_json(g));
    }
    json_t *graphs = json_array();
    for (size_t k = 0; k < r->ntop; k++) {
        json_t *gr = json_object();
        cli_json_set_str(gr, "cliques", r->top[k].cliques);
        cli_json_set_real(gr, "posterior", r->top[k].posterior);
        cli_json_set_real(gr, "mean", r->top[k].mean_N);
        if (g->mcmc) {
            cli_json_set_real(gr, "renormalised", r->top[k].renormalised);
        }
        json_array_append_new(graphs, gr);
    }
    json_object_set_new(x, "graphs", graphs);
    json_t *edges = json_object();
    for (size_t a = 0; a < t->J; a++) {
        for (size_t b = a + 1; b < t->J; b++) {
            char key[512];
            snprintf(key, sizeof key, "%s-%s", t->names[a], t->names[b]);
            cli_json_set_real(edges, key, r->edge_post[a * t->J + b]);
        }
    }
    json_object_set_new(x, "edge_posterior", edges);
    if (r->flags & VC_FLAG_UPPER_OPEN) {
        json_object_set_new(x, "grid_tail_mass", json_real(r->tail_mass));
    }
    return x;
}

static void dga_text(const void *run, const cli_options *o, cli_result *res)
{
    (void)o;
    const dga_run *g = run;
    const vc_dga_result *r = g->r;
    char mean[48];
    vc_format_count(r->mean, mean, sizeof mean);
    add_detail(res, "posterior mean %s, sd %.1f, mode %.0f; %zu "
               "decomposable graphs%s, delta %g, n0 grid %llu:%llu", mean,
               r->sd, r->mode, r->ngraphs, g->mcmc ? " visited" : "",
               r->delta, (unsigned long long)r->n0_lo,
               (unsigned long long)(r->n0_lo + r->ngrid - 1));
    if (g->mcmc) {
        const vc_dga_mcmc_info *mc = &r->mc;
        add_detail(res, "MCMC over graphs: R-hat %.4f, bulk ESS %.0f of "
                   "E(N | graph); R-hat %.4f, bulk ESS %.0f of the number "
                   "of edges; %zu chains x %llu sweeps (burn-in %llu, thin "
                   "%llu, seed %llu), acceptance %.3f, %zu graphs "
                   "evaluated, in %.1f s", mc->rhat_N, mc->ess_N,
                   mc->rhat_edges, mc->ess_edges, mc->chains,
                   (unsigned long long)mc->sweeps,
                   (unsigned long long)mc->burnin,
                   (unsigned long long)mc->thin,
                   (unsigned long long)mc->seed, mc->acceptance,
                   mc->evaluated, g->seconds);
        if (!mc->converged) {
            add_detail(res, "NOT CONVERGED: R-hat must be below %.2f and "
                       "bulk ESS at least %.0f; run longer (--iterations)",
                       g->m.rhat_max, g->m.ess_min);
        }
    }
    add_detail(res, "most probable graphs (lists in a bracket may depend "
               "on each other):");
    for (size_t k = 0; k < r->ntop; k++) {
        char gm[48];
        vc_format_count(r->top[k].mean_N, gm, sizeof gm);
        add_detail(res, "  %.4f  %-40s mean N %s", r->top[k].posterior,
                   r->top[k].cliques, gm);
    }
    if (r->flags & VC_FLAG_UPPER_OPEN) {
        add_detail(res, "WARNING: %.2g of the posterior lies in the top 5%% "
                   "of the n0 grid: the upper end is not pinned down; widen "
                   "--n0-grid or treat the upper figures as lower bounds",
                   r->tail_mass);
    }
}

static json_t *dga_run_figures(const void *run)
{
    return dga_figures(((const dga_run *)run)->r);
}

static const cli_model_jobs dga_jobs = {dga_fit, dga_estimate, dga_json,
                                        dga_text, dga_run_figures, NULL,
                                        dga_free};

/* ---------------------------------------------------------------------
 * The table of methods: a new method is one entry here and its functions
 * above
 * ------------------------------------------------------------------- */

/* The settings of a family that can change its result, as canonical text
 * for the batch's cache keys: every option of the family
 * (cli_opts_loglinear, _lcm, _dga) but lcm's --draws, which batch
 * refuses. */
static void loglinear_settings(const cli_options *o, FILE *f)
{
    const cli_opts_loglinear *ll = &o->loglinear;
    fprintf(f, "model %s\nselect %d\npthresh %.17g\nbootstrap %zu\n",
            ll->model ? ll->model : "", (int)ll->select, ll->pthresh,
            ll->bootstrap);
    fprintf(f, "heterogeneity %s\n",
            ll->heterogeneity ? ll->heterogeneity : "");
}

static void lcm_settings(const cli_options *o, FILE *f)
{
    const cli_opts_lcm *lc = &o->lcm;
    fprintf(f, "classes %zu\nchains %zu\niterations %llu\nburnin %llu\n"
            "thin %llu\nmax_iterations %llu\nuntil_converged %d\n",
            lc->classes, lc->chains, (unsigned long long)lc->iterations,
            (unsigned long long)lc->burnin, (unsigned long long)lc->thin,
            (unsigned long long)lc->max_iterations, lc->until_converged);
    fprintf(f, "sampler %d\ntemperatures %zu\nbeta_min %.17g\n"
            "fixed_ladder %d\n", lc->sampler, lc->temperatures,
            lc->beta_min, lc->fixed_ladder);
}

static void dga_settings(const cli_options *o, FILE *f)
{
    const cli_opts_dga *dg = &o->dga;
    fprintf(f, "delta %.17g\nn0 %llu %llu\nprior %d %.17g %.17g\n",
            dg->delta, (unsigned long long)dg->n0_lo,
            (unsigned long long)dg->n0_hi, dg->prior_negbin, dg->nb_a,
            dg->nb_b);
    fprintf(f, "mcmc %d\n", dg->mcmc);
}

/* Colours of the report's forest plot (Okabe-Ito); grey for the rest. */
#define GREY 0x666666

static const cli_method methods[] = {
    {"chapman", "Chapman (1951) two-list estimator, Seber's variance", 1, 0,
     GREY, "pairwise", run_classical, chapman, NULL, NULL},
    {"petersen", "Lincoln-Petersen two-list estimator (undefined with no "
                 "overlap)", 1, 0, GREY, NULL, run_classical, petersen,
     NULL, NULL},
    {"pairwise", "Chapman for every pair of lists (descriptive)", 0, 1,
     GREY, NULL, run_pairwise, NULL, NULL, NULL},
    {"chao", "Chao's (1987) lower bound under heterogeneous capture", 0, 0,
     0xE69F00, NULL, run_classical, chao, NULL, NULL},
    {"independence", "independence log-linear model over all lists", 0, 0,
     0x56B4E9, NULL, run_classical, independence, NULL, NULL},
    {"loglinear", "log-linear models with interactions between lists: "
                  "stepwise selection (SparseMSE), or --select aic|bic, or "
                  "--model M", 0, 0, 0x0072B2, NULL, run_loglinear, NULL,
     NULL, loglinear_settings},
    {"lcm", "Bayesian latent-class model (Manrique-Vallier 2016, as R's "
            "LCMCR): MCMC, allows heterogeneity", 0, 0, 0xD55E00, NULL,
     run_model, NULL, &lcm_jobs, lcm_settings},
    {"dga", "Bayesian averaging over decomposable graphs (Madigan & York "
            "1997, as R's dga): exact up to 5 lists, MCMC over graphs for 6 "
            "to 8", 0, 0, 0x009E73, NULL, run_model, NULL, &dga_jobs,
     dga_settings},
};
#define NMETHODS (sizeof methods / sizeof methods[0])

const cli_method *cli_method_find(const char *name)
{
    for (size_t i = 0; i < NMETHODS; i++) {
        if (strcmp(methods[i].name, name) == 0) {
            return &methods[i];
        }
    }
    return NULL;
}

void cli_methods_help(FILE *f)
{
    for (size_t i = 0; i < NMETHODS; i++) {
        fprintf(f, "  %-13s %s%s\n", methods[i].name, methods[i].summary,
                methods[i].two_list ? "; needs exactly 2 lists" : "");
    }
}

size_t cli_method_rows(const cli_method *m, size_t J)
{
    if (m->pairwise && J >= 3) {
        return J * (J - 1) / 2;
    }
    return 1;
}

size_t cli_run_method(const cli_method *m, const vc_table *t,
                      const cli_options *o, cli_result *res, FILE *draws)
{
    size_t nrows = 1;
    if (m->pairwise && t->J >= 2) {
        nrows = t->J * (t->J - 1) / 2;
    }
    for (size_t i = 0; i < nrows; i++) {
        memset(&res[i], 0, sizeof res[i]);
        res[i].table = t;
        res[i].method = m->name;
        res[i].two_list = m->two_list || m->pairwise;
    }
    return m->run(m, t, o, res, draws);
}
