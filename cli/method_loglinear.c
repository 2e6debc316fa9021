/*
 * method_loglinear.c: the loglinear method of estimate and batch: a model
 * given (--model, --heterogeneity), chosen stepwise or by AIC/BIC over all
 * pairwise models; its interval (profile, bootstrap through the
 * selection, Wald); what was fitted in JSON and text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "cli/cli.h"
#include "estimators/vc_loglin.h"
#include "report/vc_report.h"

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
    cli_mask_names(t, r->model.term[p - 1 - t->J], ":", buf, size);
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
    json_t *x = cli_result_extra(res);
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
    cli_add_detail(res, "model %s%s%s%s, selected by %s; deviance %.4g on "
                   "%.0f df, AIC %.2f, BIC %.2f", name,
                   brackets[0] ? " (" : "", brackets,
                   brackets[0] ? ")" : "", how, r->deviance, r->df, r->aic,
                   r->bic);
    if (r->nneginf > 0) {
        cli_add_detail(res, "%zu interaction%s between lists that never meet "
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
    json_t *x = cli_result_extra(res);
    cli_json_set_real(x, "pearson_chi2", r->pearson_chi2);
    cli_json_set_real(x, "pearson_max_abs", r->pearson_max);
    cli_add_detail(res, "Pearson X^2 %.4g on %.0f df; largest |residual| %.2f",
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

/* The checks of issue 17 for the chosen model: its deviance and
 * Pearson goodness-of-fit p-values (vc_loglin_gof), the verdict on
 * them (vc_check_verdict, on the deviance p-value), and near (taken;
 * may be NULL: stepwise or a given model) the same for the models within
 * 2 of the best AIC or BIC.  JSON: checks {"statistic": "deviance",
 * "p_value", "pearson_p_value", "df", "pass", "reason", "models"}. */
static void describe_gof(const vc_loglin_result *r, json_t *near,
                         cli_result *res)
{
    double pd, pp;
    vc_loglin_gof(r, &pd, &pp, NULL);
    char reason[256];
    int pass = vc_check_verdict(VC_OK, 0, pd, "deviance goodness-of-fit",
                                reason, sizeof reason);
    json_t *c = json_object();
    cli_json_set_str(c, "statistic", "deviance");
    cli_json_set_real(c, "p_value", pd);
    cli_json_set_real(c, "pearson_p_value", pp);
    cli_json_set_real(c, "df", r->df);
    cli_json_set_bool(c, "pass", pass);
    cli_json_set_str(c, "reason", reason);
    if (near != NULL) {
        json_object_set_new(c, "models", near);
    }
    json_object_set_new(cli_result_extra(res), "checks", c);
    if (isnan(pd)) {
        cli_add_detail(res, "model check: %s (no residual degrees of "
                       "freedom: the model reproduces the table)",
                       reason);
    } else {
        cli_add_detail(res, "model check: %s: goodness of fit p = %.3g "
                       "(deviance), %.3g (Pearson), chi-square on %.0f df "
                       "(rough when many cells are small)",
                       pass ? "passes" : "FAILS", pd, pp, r->df);
    }
    for (size_t i = 0; near != NULL && i < json_array_size(near); i++) {
        const json_t *m = json_array_get(near, i);
        const json_t *pv = json_object_get(m, "p_value");
        cli_add_detail(res, "  within 2 of the best: %s (delta %.2f): "
                       "deviance p = %.3g, Pearson p = %.3g",
                       json_string_value(json_object_get(m, "model")),
                       json_number_value(json_object_get(m, "delta")),
                       json_is_number(pv) ? json_number_value(pv) : NAN,
                       json_is_number(json_object_get(m, "pearson_p_value"))
                           ? json_number_value(json_object_get(
                                 m, "pearson_p_value"))
                           : NAN);
    }
}

/* The five best models by AIC or BIC over all pairwise models: the best
 * fitted into fit, the ranking in the JSON and (ahead of the model's own
 * lines) in the details. */
/* Models ranked for the checks: those within 2 of the best criterion
 * (Burnham & Anderson 2002, sec. 2.6: "substantial support") among the
 * best CLI_GOF_RANKED. */
#define CLI_GOF_RANKED 32
#define CLI_TOP_MODELS 5

/* The goodness-of-fit of the models within 2 of the best AIC or BIC
 * (top[0 .. ntop - 1], best first), each refitted for its Pearson X^2:
 * a JSON array for checks.models.  A refit that fails leaves that model
 * out. */
static json_t *near_models_json(const vc_table *t, vc_loglin_criterion crit,
                                const vc_loglin_ranked *top, size_t ntop,
                                vc_loglin_workspace *w)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ntop; i++) {
        double delta = top[i].criterion - top[0].criterion;
        if (delta > 2.0) {
            break;
        }
        vc_loglin_result f;
        vc_error e2;
        vc_error_clear(&e2);
        double pd, pp;
        if (vc_loglin_fit(t, &top[i].model, NULL, NULL, &f, NULL, w, &e2)
            != VC_OK) {
            continue;
        }
        vc_loglin_gof(&f, &pd, &pp, NULL);
        char name[1024];
        vc_error_clear(&e2);
        vc_loglin_model_format(&top[i].model, (const char *const *)t->names,
                               name, sizeof name, &e2);
        json_t *m = json_object();
        cli_json_set_str(m, "model", name);
        cli_json_set_real(m, crit == VC_LOGLIN_AIC ? "aic" : "bic",
                          top[i].criterion);
        cli_json_set_real(m, "delta", delta);
        cli_json_set_real(m, "estimate", top[i].N);
        cli_json_set_real(m, "deviance", f.deviance);
        cli_json_set_real(m, "df", f.df);
        cli_json_set_real(m, "p_value", pd);
        cli_json_set_real(m, "pearson_chi2", f.pearson_chi2);
        cli_json_set_real(m, "pearson_p_value", pp);
        json_array_append_new(arr, m);
    }
    return arr;
}

static int loglinear_ranked(const vc_table *t, vc_loglin_criterion crit,
                            vc_loglin_result *fit, vc_loglin_workspace *w,
                            cli_result *res, json_t **near, vc_error *err)
{
    vc_loglin_ranked top[CLI_GOF_RANKED];
    vc_loglin_enum_summary sum;
    int status = vc_loglin_enumerate(t, crit, CLI_GOF_RANKED, top, &sum,
                                     err);
    if (status == VC_OK) {
        status = vc_loglin_fit(t, &top[0].model, NULL, NULL, fit, NULL, w,
                               err);
    }
    if (status != VC_OK) {
        return status;
    }
    const char *cname = crit == VC_LOGLIN_AIC ? "AIC" : "BIC";
    json_t *arr = json_array();
    for (size_t i = 0; i < sum.ntop && i < CLI_TOP_MODELS; i++) {
        char name[1024];
        vc_error e2;
        vc_error_clear(&e2);
        vc_loglin_model_format(&top[i].model, (const char *const *)t->names,
                               name, sizeof name, &e2);
        json_t *m = json_object();
        cli_json_set_str(m, "model", name);
        cli_json_set_real(m, "estimate", top[i].N);
        cli_json_set_real(m, crit == VC_LOGLIN_AIC ? "aic" : "bic",
                          top[i].criterion);
        cli_json_set_real(m, "weight", top[i].weight);
        json_array_append_new(arr, m);
        char est[48];
        vc_format_count(top[i].N, est, sizeof est);
        cli_add_detail(res, "  %zu. %-40s N %s, %s %.2f, weight %.3f", i + 1,
                       name, est, cname, top[i].criterion, top[i].weight);
    }
    json_t *x = cli_result_extra(res);
    json_object_set_new(x, "top_models", arr);
    cli_json_set_int(x, "models_fitted", sum.nfitted);
    cli_json_set_int(x, "models_refused", sum.nrefused);
    *near = near_models_json(t, crit, top, sum.ntop, w);
    /* the chosen model's fit again: the refits used the workspace */
    return vc_loglin_fit(t, &top[0].model, NULL, NULL, fit, NULL, w, err);
}

/* The model: the one asked for (--model, --heterogeneity; also into
 * *asked, which the profile refits at every N so that Chao etas are fixed
 * at 0 afresh at each N, as Rcapture does), stepwise selection, or the
 * best by AIC or BIC.  *how says which. */
static int loglinear_choose(const vc_table *t, const cli_options *o,
                            vc_loglin_result *fit, vc_loglin_model *asked,
                            int *have_asked, const char **how,
                            vc_loglin_workspace *w, cli_result *res,
                            json_t **near, vc_error *err)
{
    const cli_opts_loglinear *ll = &o->loglinear;
    *how = "the user (--model)";
    if (ll->heterogeneity != NULL && ll->model == NULL) {
        return vc_error_set(err, VC_EINVAL,
                            "--heterogeneity adds to a model: give --model "
                            "too (--model independence for Rcapture's Mth, "
                            "--model M0 for Mh)");
    }
    if (ll->model != NULL) {
        char spec[2048];
        if (ll->heterogeneity != NULL) {
            snprintf(spec, sizeof spec, "%s + h=%s", ll->model,
                     ll->heterogeneity);
        } else {
            snprintf(spec, sizeof spec, "%s", ll->model);
        }
        int status = vc_loglin_model_parse(spec, t->J,
                                           (const char *const *)t->names,
                                           asked, err);
        if (status != VC_OK) {
            return status;
        }
        *have_asked = 1;
        return vc_loglin_fit(t, asked, NULL, NULL, fit, NULL, w, err);
    }
    if (ll->select == CLI_SELECT_STEPWISE) {
        *how = "stepwise (SparseMSE)";
        return vc_loglin_stepwise(t, ll->pthresh, fit, w, err);
    }
    vc_loglin_criterion crit = ll->select == CLI_SELECT_AIC ? VC_LOGLIN_AIC
                                                            : VC_LOGLIN_BIC;
    *how = crit == VC_LOGLIN_AIC ? "AIC over all pairwise models"
                                 : "BIC over all pairwise models";
    return loglinear_ranked(t, crit, fit, w, res, near, err);
}

/* A bootstrap expected to take at least this long (seconds of wall
 * time) is announced with its estimated cost: before any replicate when
 * the search on the data took at least BOOT_NOTE_SLOW seconds (then its
 * set-up costs are negligible), else after the first second. */
#define BOOT_NOTE_SECONDS 5.0
#define BOOT_NOTE_SLOW 1.0

/* The bootstrap's progress on standard error (never with -q; batch sets
 * it for its units).  The estimated cost: from the search on the data
 * (that search's time, times the searches, over the threads) when it
 * was slow, else from the rate of the first second of
 * replicates (the search on the data also pays the first touch of the
 * workspace's 2^J arrays: on rbvole it took twice a replicate's time).
 * On a terminal, a line rewritten in place with the searches done, their
 * rate and the time left, as lcm's chains. */
typedef struct {
    const vc_table *t;
    double t0;       /* start of the bootstrap */
    double t1;       /* end of the search on the data */
    double last;     /* last line shown */
    int noted;       /* the cost was stated (or need not be) */
    int tty;
    int threads;
} boot_progress;

static void boot_progress_fn(void *ctx, size_t done, size_t total)
{
    boot_progress *p = ctx;
    const char *label = p->t->label ? p->t->label : "";
    const char *sp = p->t->label ? " " : "";
    double now = cli_seconds();
    if (done == 0) {
        p->t1 = now;
        p->last = now;
        double one = now - p->t0;
        double est = one * (double)total / (double)p->threads;
        if (one >= BOOT_NOTE_SLOW && est >= BOOT_NOTE_SECONDS) {
            fprintf(stderr, "loglinear%s%s: the bootstrap repeats the "
                    "stepwise search %zu times (replicates and jackknife); "
                    "the search on the data took %.2f s: about %.0f s on "
                    "%d thread%s\n", sp, label, total, one, est, p->threads,
                    p->threads == 1 ? "" : "s");
            p->noted = 1;
        }
        return;
    }
    double elapsed = now - p->t1;
    if (!p->noted && done < total && elapsed >= 1.0) {
        double left = elapsed * (double)(total - done) / (double)done;
        if (left >= BOOT_NOTE_SECONDS) {
            fprintf(stderr, "%sloglinear%s%s: bootstrap: %zu stepwise "
                    "searches (replicates and jackknife), about %.0f s "
                    "left\n", p->tty ? "\r\033[K" : "", sp, label, total,
                    left);
        }
        p->noted = 1;
    }
    if (!p->tty || (done < total && now - p->last < 0.25)) {
        return;
    }
    p->last = now;
    if (done >= total) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        return;
    }
    double rate = elapsed > 0.0 ? (double)done / elapsed : 0.0;
    double eta = elapsed * (double)(total - done) / (double)done;
    fprintf(stderr, "\r\033[Kloglinear%s%s: %zu/%zu bootstrap searches, "
            "%.0f/s, ETA %.0f s", sp, label, done, total, rate, eta);
    fflush(stderr);
}

/* The bootstrap interval: stepwise selection repeated in every
 * replicate, BCa (Efron 1987) as the interval, the percentile interval
 * beside it. */
static int loglinear_bootstrap(const vc_table *t, const cli_options *o,
                               cli_result *res, vc_error *err)
{
    if (o->loglinear.model != NULL
        || o->loglinear.select != CLI_SELECT_STEPWISE) {
        return vc_error_set(err, VC_EINVAL,
                            "the bootstrap interval repeats stepwise "
                            "selection in every replicate: use it with "
                            "--select stepwise and no --model");
    }
    vc_loglin_boot_opts bo;
    vc_loglin_boot_opts_default(&bo);
    bo.B = o->loglinear.bootstrap;
    bo.seed = o->seed;
    bo.stratum = vc_hash_string(t->label);
    bo.pthresh = o->loglinear.pthresh;
    bo.level = o->level;
    vc_loglin_boot_result br;
    boot_progress bp = {t, cli_seconds(), 0.0, 0.0, 0,
                        isatty(STDERR_FILENO),
                        omp_get_max_threads()};
    int status = vc_loglin_bootstrap_progress(t, &bo,
                                              o->quiet ? NULL
                                                       : boot_progress_fn,
                                              &bp, &br, NULL, err);
    if (status != VC_OK) {
        return status;
    }
    res->est.lower = br.bca_lower;
    res->est.upper = br.bca_upper;
    res->est.interval = "bootstrap BCa through stepwise selection";
    res->est.flags |= vc_loglin_boot_flags(&br, o->level);
    json_t *b = json_object();
    cli_json_set_int(b, "replicates", br.B);
    cli_json_set_int(b, "failed", br.nfailed);
    cli_json_set_int(b, "seed", o->seed);
    json_object_set_new(b, "percentile",
                        cli_json_pair(cli_json_real(br.pct_lower),
                                      cli_json_real(br.pct_upper)));
    json_object_set_new(b, "bca", cli_json_pair(cli_json_real(br.bca_lower),
                                                cli_json_real(br.bca_upper)));
    json_object_set_new(cli_result_extra(res), "bootstrap", b);
    char a[48], c[48];
    vc_format_count(br.pct_lower, a, sizeof a);
    vc_format_count(br.pct_upper, c, sizeof c);
    cli_add_detail(res, "bootstrap: %zu replicates (seed %llu), percentile "
                   "interval %s\xE2\x80\x93%s%s", br.B,
                   (unsigned long long)o->seed, a, c,
                   br.nfailed ? ", some replicates failed" : "");
    return VC_OK;
}

/* The interval asked for (by default the bootstrap after stepwise
 * selection, else the profile likelihood); Wald on log n0 stands when
 * none is. */
static int loglinear_interval(const vc_table *t, const cli_options *o,
                              const vc_loglin_model *refit,
                              vc_loglin_workspace *w, cli_result *res,
                              vc_error *err)
{
    res->est.interval = "Wald on log n0";
    cli_interval kind = o->interval;
    if (kind == CLI_INTERVAL_DEFAULT) {
        kind = (o->loglinear.model == NULL
                && o->loglinear.select == CLI_SELECT_STEPWISE)
                   ? CLI_INTERVAL_BOOTSTRAP : CLI_INTERVAL_PROFILE;
    }
    if (kind == CLI_INTERVAL_BOOTSTRAP) {
        return loglinear_bootstrap(t, o, res, err);
    }
    if (kind != CLI_INTERVAL_PROFILE) {
        return VC_OK;
    }
    double lo, hi;
    unsigned flags = 0;
    int status = vc_loglin_profile_ci(t, refit, o->level, 0.0, &lo, &hi,
                                      &flags, w, err);
    if (status == VC_OK) {
        res->est.lower = lo;
        res->est.upper = hi;
        res->est.flags |= flags;
        res->est.interval = "profile likelihood (Cormack 1992)";
    }
    return status;
}

/* A model's interactions as a dependence structure in words: lists that
 * share a term depend on each other. */
static void loglinear_words(const vc_table *t, const vc_loglin_model *m,
                            char *buf, size_t size)
{
    uint32_t nbr[32] = {0};
    for (size_t k = 0; k < m->nterms; k++) {
        for (size_t a = 0; a < t->J && a < 32; a++) {
            if (m->term[k] >> a & 1u) {
                nbr[a] |= m->term[k] & ~(UINT32_C(1) << a);
            }
        }
    }
    vc_synth_structure_words(t->J, (const char *const *)t->names, nbr, buf,
                             size);
}

/* The synthesis's input: the regimes among the models within reach of
 * the best (vc_loglin_regimes, by BIC under --select bic, else AIC), and
 * the chosen model's structure.  Up to VC_LOGLIN_REGIME_MAX_LISTS lists;
 * beyond, the method's interval is its one regime. */
static void loglinear_synth(const vc_table *t, const cli_options *o,
                            const vc_loglin_model *chosen, cli_result *res)
{
    char words[VC_SYNTH_WORDS];
    json_t *x = json_object();
    loglinear_words(t, chosen, words, sizeof words);
    cli_json_set_str(x, "structure", words);
    res->synth = x;
    if (t->J > VC_LOGLIN_REGIME_MAX_LISTS) {
        return;
    }
    vc_loglin_regime reg[VC_SYNTH_MAX_REGIMES];
    size_t n = 0;
    vc_error err;
    vc_error_clear(&err);
    vc_loglin_criterion crit = o->loglinear.select == CLI_SELECT_BIC
                                   ? VC_LOGLIN_BIC : VC_LOGLIN_AIC;
    if (vc_loglin_regimes(t, crit, o->level, reg, VC_SYNTH_MAX_REGIMES, &n,
                          &err) != VC_OK) {
        if (err.code == VC_ENOMEM) {
            cli_oom_note();
        }
        return;
    }
    json_t *regimes = json_array();
    for (size_t k = 0; k < n; k++) {
        loglinear_words(t, &reg[k].model, words, sizeof words);
        cli_synth_regime_add(regimes, reg[k].estimate, reg[k].lower,
                             reg[k].upper, reg[k].weight, words);
    }
    json_object_set_new(x, "regimes", regimes);
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
    vc_loglin_model asked;
    int have_asked = 0;
    const char *how = NULL;
    json_t *near = NULL;
    int status = loglinear_choose(t, o, &fit, &asked, &have_asked, &how, w,
                                  res, &near, &err);
    if (status == VC_OK) {
        status = vc_loglin_estimate(&fit, o->level, &res->est, &err);
    }
    if (status == VC_OK) {
        char *top_lines = res->details; /* the ranking goes after the model */
        res->details = NULL;
        describe_loglin(t, &fit, how, res);
        describe_residuals(t, &fit, w, res);
        describe_gof(&fit, near, res);
        near = NULL;
        if (top_lines != NULL) {
            cli_add_detail(res, "best models:");
            cli_add_detail(res, "%.*s", (int)strlen(top_lines) - 1,
                           top_lines);
            free(top_lines);
        }
        status = loglinear_interval(t, o, have_asked ? &asked : &fit.model,
                                    w, res, &err);
    }
    json_decref(near);
    if (status == VC_OK && cli_synthesis_wanted(o)) {
        loglinear_synth(t, o, &fit.model, res);
    }
    vc_loglin_workspace_free(w);
    if (status != VC_OK) {
        snprintf(res->error, sizeof res->error, "%s", err.msg);
        cli_result_clear(res);
    }
    return res->status = status;
}

size_t cli_run_loglinear(const cli_method *m, const vc_table *t,
                         const cli_options *o, cli_result *res, FILE *draws)
{
    (void)m;
    (void)draws;
    loglinear_fit(t, o, res);
    return 1;
}

void cli_loglinear_settings(const cli_options *o, FILE *f)
{
    /* the regimes the synthesis takes are part of the result */
    fprintf(f, "synthesis %d\n", cli_synthesis_wanted(o));
    const cli_opts_loglinear *ll = &o->loglinear;
    fprintf(f, "model %s\nselect %d\npthresh %.17g\nbootstrap %zu\n",
            ll->model ? ll->model : "", (int)ll->select, ll->pthresh,
            ll->bootstrap);
    fprintf(f, "heterogeneity %s\n",
            ll->heterogeneity ? ll->heterogeneity : "");
}
