/*
 * methods.c: the methods of `victimcount estimate` and `batch`: their
 * table (the end of this file), cli_run_method (any method on one table,
 * shared by both commands), the classical methods (one library call
 * each) and the driver of a model-based method's jobs.  The model-based
 * methods live in method_loglinear.c, method_lcm.c and method_dga.c.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "cli/cli.h"

void cli_result_clear(cli_result *res)
{
    json_decref(res->extra);
    json_decref(res->figures);
    json_decref(res->synth);
    free(res->details);
    res->extra = NULL;
    res->figures = NULL;
    res->synth = NULL;
    res->details = NULL;
}

/* Append a formatted line to res->details. */
void cli_add_detail(cli_result *res, const char *fmt, ...)
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

json_t *cli_result_extra(cli_result *res)
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
    void *run = calloc(1, j->size);
    if (run == NULL) {
        return failed(res, vc_error_set(&err, VC_ENOMEM, "out of memory"),
                      &err);
    }
    int status = j->fit(run, t, o, &err);
    if (status == VC_OK) {
        j->estimate(run, o, &res->est);
        res->extra = j->to_json(run, o);
        j->to_text(run, o, res);
        if (o->figures) {
            res->figures = j->figures(run);
        }
        if (j->synth != NULL && cli_synthesis_wanted(o)) {
            res->synth = j->synth(run, o);
        }
        if (draws != NULL && j->draws != NULL) {
            j->draws(run, draws);
        }
    }
    j->clear(run);
    free(run);
    return status == VC_OK ? 1 : failed(res, status, &err);
}

/* ---------------------------------------------------------------------
 * The table of methods: a new method is one entry here and its functions
 * above
 * ------------------------------------------------------------------- */




/* Colours of the report's forest plot (Okabe-Ito); grey for the rest. */
#define GREY 0x666666

static const cli_method methods[] = {
    {"chapman", "Chapman (1951) two-list estimator, Seber's variance", 1, 0,
     GREY, run_classical, chapman, NULL, NULL},
    {"petersen", "Lincoln-Petersen two-list estimator (undefined with no "
                 "overlap)", 1, 0, GREY, run_classical, petersen,
     NULL, NULL},
    {"pairwise", "Chapman for every pair of lists (descriptive)", 0, 1,
     GREY, run_pairwise, NULL, NULL, NULL},
    {"chao", "Chao's (1987) lower bound under heterogeneous capture", 0, 0,
     0xE69F00, run_classical, chao, NULL, NULL},
    {"independence", "independence log-linear model over all lists", 0, 0,
     0x56B4E9, run_classical, independence, NULL, NULL},
    {"loglinear", "log-linear models with interactions between lists: "
                  "stepwise selection (SparseMSE), or --select aic|bic, or "
                  "--model M", 0, 0, 0x0072B2, cli_run_loglinear, NULL,
     NULL, cli_loglinear_settings},
    {"lcm", "Bayesian latent-class model (Manrique-Vallier 2016, as R's "
            "LCMCR): MCMC, allows heterogeneity", 0, 0, 0xD55E00,
     run_model, NULL, &cli_lcm_jobs, cli_lcm_settings},
    {"dga", "Bayesian averaging over decomposable graphs (Madigan & York "
            "1997, as R's dga): exact up to 5 lists, MCMC over graphs for 6 "
            "to 8", 0, 0, 0x009E73, run_model, NULL, &cli_dga_jobs,
     cli_dga_settings},
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
    if (o->threads > 0) {
        /* --threads: every OpenMP region a method opens without a thread
         * count of its own (loglinear's enumeration and bootstrap, dga's
         * enumeration and check) runs on this many threads; no result
         * depends on it */
        omp_set_num_threads(o->threads);
    }
    size_t written = m->run(m, t, o, res, draws);
    for (size_t i = 0; i < written; i++) {
        res[i].ppp = cli_result_ppp_of(&res[i]);
    }
    return written;
}
