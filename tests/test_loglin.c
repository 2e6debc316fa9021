/*
 * test_loglin.c: the loglin suite: log-linear models, existence checks,
 * model selection and intervals (estimators/vc_loglin.h).
 *
 * Reference figures come from data/reference (SOURCES.md there):
 * R 4.2.2 glm() fits in fits/glm_reference.csv, SparseMSE 2.0.1 and
 * Rcapture results as listed in SOURCES.md; each test names its source.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <omp.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "estimators/loglin_impl.h"
#include "estimators/vc_estimators.h"
#include "estimators/vc_loglin.h"
#include "tests/test_util.h"

/* A reference table of data/reference by name, read by tests/test_util.c
 * independently of the library's CSV reader. */
static vc_table *load_table(const char *name)
{
    char file[256];
    if (snprintf(file, sizeof file, "%s.csv", name) >= (int)sizeof file) {
        return NULL;
    }
    return vc_test_load_ref(file);
}

/* ---------------------------------------------------------------------
 * Models: parsing and printing
 * ------------------------------------------------------------------- */

static void test_model_strings(void)
{
    const char *names[] = { "IOM", "NGO", "Police" };
    vc_loglin_model m, m2;
    vc_error err;
    char buf[256];
    vc_error_clear(&err);

    CU_ASSERT_EQUAL(vc_loglin_model_parse("[12,3]", 3, names, &m, &err),
                    VC_OK);
    CU_ASSERT_EQUAL(m.nterms, 1);
    CU_ASSERT_EQUAL(m.term[0], 0x3u);
    CU_ASSERT_EQUAL(vc_loglin_model_format(&m, NULL, buf, sizeof buf, &err),
                    VC_OK);
    CU_ASSERT_STRING_EQUAL(buf, "[12,3]");
    CU_ASSERT_EQUAL(vc_loglin_model_format(&m, names, buf, sizeof buf, &err),
                    VC_OK);
    CU_ASSERT_STRING_EQUAL(buf, "IOM*NGO + Police");
    CU_ASSERT_EQUAL(vc_loglin_model_parse(buf, 3, names, &m2, &err), VC_OK);
    CU_ASSERT_EQUAL(memcmp(&m, &m2, sizeof m), 0);

    CU_ASSERT_EQUAL(vc_loglin_model_parse("IOM:NGO+Police", 3, names, &m2,
                                          &err), VC_OK);
    CU_ASSERT_EQUAL(memcmp(&m, &m2, sizeof m), 0);

    /* Keywords and their bracket forms. */
    CU_ASSERT_EQUAL(vc_loglin_model_parse(" All-Two-Way ", 3, names, &m,
                                          &err), VC_OK);
    CU_ASSERT_EQUAL(m.nterms, 3);
    vc_loglin_model_format(&m, NULL, buf, sizeof buf, &err);
    CU_ASSERT_STRING_EQUAL(buf, "[12,13,23]");
    CU_ASSERT_EQUAL(vc_loglin_model_parse("[12,23,13]", 3, NULL, &m2, &err),
                    VC_OK);
    CU_ASSERT_EQUAL(memcmp(&m, &m2, sizeof m), 0);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("independence", 3, NULL, &m, &err),
                    VC_OK);
    vc_loglin_model_format(&m, NULL, buf, sizeof buf, &err);
    CU_ASSERT_STRING_EQUAL(buf, "[1,2,3]");
    vc_loglin_model_format(&m, names, buf, sizeof buf, &err);
    CU_ASSERT_STRING_EQUAL(buf, "IOM + NGO + Police");

    /* A three-way term brings its pairs (hierarchy). */
    CU_ASSERT_EQUAL(vc_loglin_model_parse("IOM:NGO:Police", 3, names, &m,
                                          &err), VC_OK);
    CU_ASSERT_EQUAL(m.nterms, 4);
    CU_ASSERT_EQUAL(m.term[3], 0x7u);
    vc_loglin_model_format(&m, NULL, buf, sizeof buf, &err);
    CU_ASSERT_STRING_EQUAL(buf, "[123]");
    vc_loglin_model_format(&m, names, buf, sizeof buf, &err);
    CU_ASSERT_STRING_EQUAL(buf, "IOM*NGO*Police");

    /* Five lists: generators in SparseMSE's order. */
    CU_ASSERT_EQUAL(vc_loglin_model_parse("[34,12,25,13,23]", 5, NULL, &m,
                                          &err), VC_OK);
    vc_loglin_model_format(&m, NULL, buf, sizeof buf, &err);
    CU_ASSERT_STRING_EQUAL(buf, "[12,13,23,25,34]");

    /* Errors name the culprit. */
    const char *bad[] = { "", "[12,4]", "[11]", "[12", "[12]x", "[,1]",
                          "IOM*Nobody", "IOM*IOM", "IOM + ", "[a]" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_loglin_model_parse(bad[i], 3, names, &m, &err),
                        VC_EINVAL);
        CU_ASSERT(err.msg[0] != '\0');
    }
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("IOM*NGO", 3, NULL, &m, &err),
                    VC_EINVAL);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("[12]", 0, NULL, &m, NULL),
                    VC_EINVAL);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("[12]", 21, NULL, &m, NULL),
                    VC_EINVAL);
    /* A buffer too small is an error, with a terminated string. */
    vc_loglin_model_parse("[12,3]", 3, NULL, &m, NULL);
    CU_ASSERT_EQUAL(vc_loglin_model_format(&m, names, buf, 5, NULL),
                    VC_EINVAL);
    CU_ASSERT_EQUAL(strlen(buf), 4);
}

/* ---------------------------------------------------------------------
 * Fits against R's glm (fits/glm_reference.csv)
 * ------------------------------------------------------------------- */

typedef struct {
    char dataset[32];
    char model[32];
    double N_hat, n0_hat, deviance, df, max_abs_coef;
} glm_row;

static size_t load_glm(glm_row *rows, size_t cap)
{
    FILE *f = fopen(vc_test_refpath("fits/glm_reference.csv"), "r");
    if (f == NULL) {
        return 0;
    }
    char line[1024];
    size_t n = 0;
    if (fgets(line, sizeof line, f) == NULL) {
        fclose(f);
        return 0;
    }
    while (n < cap && fgets(line, sizeof line, f) != NULL) {
        /* dataset,J,n,model,n_params,aliased,intercept,n0_hat,N_hat,
         * deviance,df,converged,max_abs_coef,N_hat_rel_spread_tol */
        char *field[16];
        size_t nf = 0;
        for (char *tok = strtok(line, ",\r\n"); tok != NULL && nf < 16;
             tok = strtok(NULL, ",\r\n")) {
            field[nf++] = tok;
        }
        if (nf < 13) {
            continue;
        }
        glm_row *r = &rows[n++];
        snprintf(r->dataset, sizeof r->dataset, "%s", field[0]);
        snprintf(r->model, sizeof r->model, "%s", field[3]);
        r->n0_hat = atof(field[7]);
        r->N_hat = atof(field[8]);
        r->deviance = atof(field[9]);
        r->df = atof(field[10]);
        r->max_abs_coef = atof(field[12]);
    }
    fclose(f);
    return n;
}

static void test_glm_reference(void)
{
    glm_row rows[64];
    size_t nrows = load_glm(rows, 64);
    CU_ASSERT(nrows >= 21);
    for (size_t i = 0; i < nrows; i++) {
        glm_row *r = &rows[i];
        vc_table *t = load_table(r->dataset);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        vc_loglin_model m;
        vc_error err;
        vc_error_clear(&err);
        int two_way = strcmp(r->model, "all_two_way") == 0;
        if (two_way) {
            vc_loglin_model_all_two_way(t->J, &m, &err);
        } else {
            vc_loglin_model_independence(t->J, &m, &err);
        }
        vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w);
        vc_loglin_result res;
        int status = vc_loglin_fit(t, &m, NULL, NULL, &res, NULL, w, &err);
        if (r->N_hat > 1e15) {
            /* glm "converges" to N ~ 1e17-1e19: no MLE (Korea and
             * Artificial_3 all-two-way). */
            if (status != VC_ENOMLE) {
                fprintf(stderr, "\n  %s %s: status %d, expected VC_ENOMLE",
                        r->dataset, r->model, status);
            }
            CU_ASSERT_EQUAL(status, VC_ENOMLE);
            /* Korea: code 1; Artificial_3: code 2 (see the test of
             * Table 2 of Chan, Silverman & Vincent below). */
            CU_ASSERT(res.existence != VC_LOGLIN_EXISTS);
        } else {
            if (status != VC_OK) {
                fprintf(stderr, "\n  %s %s: %s", r->dataset, r->model,
                        err.msg);
            }
            CU_ASSERT_EQUAL_FATAL(status, VC_OK);
            /* A coefficient beyond 20 in glm is one running off to minus
             * infinity: there the extended MLE is compared to 1e-4. */
            double tol = r->max_abs_coef > 20.0 ? 1e-4 : 1e-6;
            if (r->max_abs_coef > 20.0) {
                CU_ASSERT(res.nneginf > 0);
            } else {
                CU_ASSERT_EQUAL(res.nneginf, 0);
            }
            VC_ASSERT_REL(res.N, r->N_hat, tol);
            VC_ASSERT_REL(res.n0, r->n0_hat, tol);
            if (r->df > 0) {
                VC_ASSERT_REL(res.deviance, r->deviance, tol);
            } else {
                CU_ASSERT(fabs(res.deviance) < 1e-8); /* saturated */
            }
            CU_ASSERT_EQUAL(res.df, r->df);
            CU_ASSERT_EQUAL(res.existence, VC_LOGLIN_EXISTS);
        }
        vc_loglin_workspace_free(w);
        vc_table_free(t);
    }
}

/* ---------------------------------------------------------------------
 * Existence and identifiability
 * ------------------------------------------------------------------- */

static void test_existence_artificial(void)
{
    /* Chan, Silverman & Vincent (2021), Table 2: Artificial_3 (A only 40,
     * B only 30, C only 20, AB 6). */
    vc_table *t = load_table("Artificial_3");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    struct {
        const char *model;
        int code;
        int status;
    } cases[] = {
        /* AC and BC never meet: no finite MLE, and N is not identifiable
         * from the cells left, so the fit refuses with VC_ENOMLE. */
        { "[12,13,23]", VC_LOGLIN_NOT_IDENT, VC_ENOMLE },
        { "[12,3]", VC_LOGLIN_NO_MLE, VC_ENOMLE },
        { "[13,23]", VC_LOGLIN_EXISTS, VC_OK },
    };
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(3, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vc_loglin_model m;
        int code = -1;
        CU_ASSERT_EQUAL(vc_loglin_model_parse(cases[i].model, 3, NULL, &m,
                                              NULL), VC_OK);
        CU_ASSERT_EQUAL(vc_loglin_exist(t, &m, &code, NULL), VC_OK);
        if (code != cases[i].code) {
            fprintf(stderr, "\n  %s: code %d, expected %d", cases[i].model,
                    code, cases[i].code);
        }
        CU_ASSERT_EQUAL(code, cases[i].code);
        vc_loglin_result res;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_loglin_fit(t, &m, NULL, NULL, &res, NULL, w, &err),
                        cases[i].status);
        CU_ASSERT_EQUAL(res.existence, cases[i].code);
        if (cases[i].status == VC_OK) {
            /* [13,23]: AC and BC never meet, the four cells left are
             * saturated: n0 = 40 * 30 / 6 = 200. */
            VC_ASSERT_REL(res.n0, 200.0, 1e-9);
            CU_ASSERT_EQUAL(res.nneginf, 2);
            CU_ASSERT_EQUAL(res.nfixed, 3);
        }
    }
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

static void test_fit_errors(void)
{
    vc_error err;
    vc_error_clear(&err);
    /* 30 lists (mvole) are beyond the log-linear limit. */
    vc_table *t = load_table("mvole");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(t->J, 30);
    CU_ASSERT_PTR_NULL(vc_loglin_workspace_alloc(t->J, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_loglin_model m;
    CU_ASSERT_EQUAL(vc_loglin_model_independence(t->J, &m, NULL), VC_EINVAL);
    int code;
    CU_ASSERT_EQUAL(vc_loglin_exist(t, &m, &code, NULL), VC_EINVAL);
    vc_table_free(t);

    /* Model and table of different widths. */
    t = load_table("Korea");
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(3, NULL);
    vc_loglin_model_independence(4, &m, NULL);
    vc_loglin_result res;
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &m, NULL, NULL, &res, NULL, w, NULL),
                    VC_EINVAL);
    /* The three-way term on three lists: N is not identifiable whatever
     * the data (8 parameters, 7 cells); MY1997_3 has no empty cell, so
     * the code is 2 alone.  On Korea (cell 011 empty) it is 3. */
    vc_table *full = load_table("MY1997_3");
    vc_loglin_model_parse("[123]", 3, NULL, &m, NULL);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_fit(full, &m, NULL, NULL, &res, NULL, w, &err),
                    VC_ENOTIDENT);
    CU_ASSERT_EQUAL(res.existence, VC_LOGLIN_NOT_IDENT);
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &m, NULL, NULL, &res, NULL, w, NULL),
                    VC_ENOMLE);
    CU_ASSERT_EQUAL(res.existence, VC_LOGLIN_NO_MLE_NOT_IDENT);
    vc_table_free(full);
    vc_estimate est;
    CU_ASSERT_EQUAL(vc_loglin_estimate(&res, 1.5, &est, NULL), VC_EINVAL);
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

/* ---------------------------------------------------------------------
 * Model selection
 * ------------------------------------------------------------------- */

/* Stepwise p = 0.02 against SparseMSE 2.0.1 (SOURCES.md: "SparseMSE
 * 2.0.1, stepwise p = 0.02"; the UK and Kosovo models as listed in issue 3,
 * measured with SparseMSE 2.0.1). */
static void test_stepwise_sparsemse(void)
{
    struct {
        const char *table;
        const char *model;  /* bracket form of the chosen model */
        double N;
    } cases[] = {
        { "Korea", "[12,3]", 268.7778 },
        /* EXH:ABA, EXH:OSCE, EXH:HRW, ABA:OSCE, OSCE:HRW */
        { "Kosovo", "[12,13,14,23,34]", 14341.66 },
        /* PF:NCA, LA:NG, NG:GP, LA:PF, PF:GP, GO:GP, NG:GO */
        { "UKdat", "[12,13,24,25,35,36,45]", 11417.99 },
        { "UKdat_5", NULL, 11312.99 },
        { "MY1997_5", NULL, 609.894 },
        { "MY1997_3", NULL, 730.9286 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vc_table *t = load_table(cases[i].table);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, NULL);
        vc_loglin_result res;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_loglin_stepwise(t, VC_LOGLIN_PTHRESH, &res, w,
                                           &err), VC_OK);
        if (cases[i].model != NULL) {
            char buf[128];
            vc_loglin_model_format(&res.model, NULL, buf, sizeof buf, NULL);
            if (strcmp(buf, cases[i].model) != 0) {
                fprintf(stderr, "\n  %s: stepwise chose %s, expected %s",
                        cases[i].table, buf, cases[i].model);
            }
            CU_ASSERT_STRING_EQUAL(buf, cases[i].model);
        }
        /* The published figures have 7 significant digits. */
        VC_ASSERT_REL(res.N, cases[i].N, 5e-7);
        if (strcmp(cases[i].table, "Korea") == 0) {
            /* Issue 3: deviance 8.566946 on 2 df. */
            VC_ASSERT_REL(res.deviance, 8.566946, 1e-7);
            CU_ASSERT_EQUAL(res.df, 2.0);
        }
        vc_loglin_workspace_free(w);
        vc_table_free(t);
    }
    /* Errors: threshold outside (0, 1). */
    vc_table *t = load_table("Korea");
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(3, NULL);
    vc_loglin_result res;
    CU_ASSERT_EQUAL(vc_loglin_stepwise(t, 0.0, &res, w, NULL), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_loglin_stepwise(t, 1.0, &res, w, NULL), VC_EINVAL);
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

/* A wide table: rbvole's 18 lists (2^18 cells) fit through the model's
 * factors (estimators/loglin_factor.c; tables of 12 lists and more; the
 * cell-by-cell lattice transforms of loglin.c, "Wide tables", give the
 * same, test_factored_same_models).  The model stepwise chooses, refitted
 * by R 4.2.2's glm (Poisson,
 * the 2^18 - 1 observable cells, epsilon 1e-12):
 *   n0 3152.875865, deviance 284.3000658, AIC 583.6470767,
 *   se of the intercept 0.1708262924.
 * (SparseMSE could not be run here: the model is our stepwise's choice.) */
static void test_wide_table_glm(void)
{
    static const char *const chosen =
        "c11*c12 + c11*c13 + c12*c13 + c12*c21 + c21*c22 + c21*c23 + "
        "c22*c23 + c31*c32 + c31*c33 + c32*c33 + c41*c43 + c42*c43 + "
        "c42*c51 + c51*c52 + c51*c53 + c52*c53 + c53*c62 + c61*c62 + "
        "c61*c63 + c62*c63";
    vc_table *t = load_table("rbvole");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL_FATAL(t->J, 18);
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    vc_loglin_result res;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_stepwise(t, VC_LOGLIN_PTHRESH, &res, w,
                                             &err), VC_OK);
    char buf[1024];
    vc_loglin_model_format(&res.model, (const char *const *)t->names, buf,
                           sizeof buf, NULL);
    if (strcmp(buf, chosen) != 0) {
        fprintf(stderr, "\n  rbvole: stepwise chose %s", buf);
    }
    CU_ASSERT_STRING_EQUAL(buf, chosen);
    /* The chosen model refitted with standard errors, against glm. */
    vc_loglin_model m;
    CU_ASSERT_EQUAL_FATAL(vc_loglin_model_parse(chosen, t->J,
                                                (const char *const *)t->names,
                                                &m, &err), VC_OK);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &res, NULL, w, &err),
                          VC_OK);
    VC_ASSERT_REL(res.n0, 3152.875865, 1e-8);
    VC_ASSERT_REL(res.N, 3712.875865, 1e-8);
    VC_ASSERT_REL(res.deviance, 284.3000658, 1e-8);
    VC_ASSERT_REL(res.aic, 583.6470767, 1e-8);
    VC_ASSERT_REL(res.se_log_n0, 0.1708262924, 1e-6);
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

/* ---------------------------------------------------------------------
 * Factored fits (estimators/loglin_factor.c, issue 20) against the
 * cell-by-cell fits, on every reference table
 * ------------------------------------------------------------------- */

/* The same fit both ways: same status, and when it succeeds the same
 * counts of parameters and cells and the same statistics to rounding. */
static void check_same_fit(const char *what, const vc_loglin_result *a,
                           int sa, const double *fa,
                           const vc_loglin_result *b, int sb,
                           const double *fb, size_t ncell)
{
    if (sa != sb) {
        fprintf(stderr, "\n  %s: factored status %d, cell by cell %d", what,
                sa, sb);
    }
    CU_ASSERT_EQUAL(sa, sb);
    if (sa != VC_OK || sb != VC_OK) {
        return;
    }
    CU_ASSERT_EQUAL(a->k, b->k);
    CU_ASSERT_EQUAL(a->df, b->df);
    CU_ASSERT_EQUAL(a->nfixed, b->nfixed);
    CU_ASSERT_EQUAL(a->nneginf, b->nneginf);
    CU_ASSERT_EQUAL(a->naliased, b->naliased);
    CU_ASSERT_EQUAL(memcmp(a->coef_state, b->coef_state, a->nparams), 0);
    VC_ASSERT_REL(a->N, b->N, 1e-9);
    VC_ASSERT_REL(a->n0, b->n0, 1e-9);
    CU_ASSERT(fabs(a->deviance - b->deviance)
              <= 1e-8 * (1.0 + fabs(b->deviance)));
    CU_ASSERT(fabs(a->aic - b->aic) <= 1e-8 * (1.0 + fabs(b->aic)));
    CU_ASSERT(fabs(a->pearson_chi2 - b->pearson_chi2)
              <= 1e-8 * (1.0 + b->pearson_chi2));
    CU_ASSERT(fabs(a->pearson_max - b->pearson_max)
              <= 1e-8 * (1.0 + b->pearson_max));
    CU_ASSERT(fabs(a->se_log_n0 - b->se_log_n0)
              <= 1e-7 * (1e-12 + b->se_log_n0));
    if (fa != NULL && fb != NULL) {
        double worst = 0.0;
        for (size_t x = 0; x < ncell; x++) {
            double d = fabs(fa[x] - fb[x]) / (1e-300 + fabs(fb[x]));
            worst = d > worst && fb[x] != 0.0 ? d : worst;
            CU_ASSERT_FATAL((fa[x] == 0.0) == (fb[x] == 0.0));
        }
        CU_ASSERT(worst < 1e-8);
    }
}

/* Stepwise selection must choose the same model through the factors as
 * cell by cell: on every reference table (those of at most
 * VC_LOGLIN_MAX_LISTS lists), on Poisson resamples of them as the
 * bootstrap draws them, and the fits of fixed models agree. */
static void test_factored_same_models(void)
{
    static const char *const tables[] = {
        "Artificial_3", "Korea", "Kosovo", "MY1997_3", "MY1997_5", "UKdat",
        "UKdat_5", "duck", "hare", "bunting", "rbvole", "mvole",
    };
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    gsl_rng_set(r, 20);
    size_t ntested = 0;
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        vc_table *t = load_table(tables[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        if (t->J > VC_LOGLIN_MAX_LISTS) {
            vc_table_free(t); /* mvole: 30 lists, refused by both */
            continue;
        }
        ntested++;
        vc_loglin_workspace *wf = vc_loglin_workspace_alloc(t->J, NULL);
        vc_loglin_workspace *wd = vc_loglin_workspace_alloc(t->J, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(wf);
        CU_ASSERT_PTR_NOT_NULL_FATAL(wd);
        /* rbvole is wide: factored by default; the others only when
         * asked. */
        wf->factor_mode = wf->wide ? 0 : 1;
        wd->factor_mode = -1;
        size_t ncell = wf->ncell_all;
        double *y = calloc(ncell, sizeof *y);
        double *fa = malloc(ncell * sizeof *fa);
        double *fb = malloc(ncell * sizeof *fb);
        vc_loglin_result *a = malloc(sizeof *a);
        vc_loglin_result *b = malloc(sizeof *b);
        CU_ASSERT_FATAL(y != NULL && fa != NULL && fb != NULL && a != NULL
                        && b != NULL);
        /* Replicate 0 is the data; then Poisson resamples (fewer on the
         * wide table, whose cell-by-cell search takes about a second). */
        size_t nrep = t->J > 10 ? 3 : 25;
        for (size_t rep = 0; rep < nrep; rep++) {
            memset(y, 0, ncell * sizeof *y);
            double n = 0.0;
            for (size_t k = 0; k < t->npat; k++) {
                double v = (double)t->count[k];
                if (rep > 0) {
                    v = (double)gsl_ran_poisson(r, v);
                }
                y[t->pattern[k]] = v;
                n += v;
            }
            if (!(n > 0.0)) {
                continue;
            }
            int sa = vci_loglin_stepwise_dense(y, n, t->J, VC_LOGLIN_PTHRESH,
                                               a, wf, NULL);
            int sb = vci_loglin_stepwise_dense(y, n, t->J, VC_LOGLIN_PTHRESH,
                                               b, wd, NULL);
            char ba[1024] = "";
            char bb[1024] = "";
            if (sa == VC_OK) {
                vc_loglin_model_format(&a->model, NULL, ba, sizeof ba, NULL);
            }
            if (sb == VC_OK) {
                vc_loglin_model_format(&b->model, NULL, bb, sizeof bb, NULL);
            }
            if (strcmp(ba, bb) != 0) {
                fprintf(stderr, "\n  %s replicate %zu: factored %s, cell by "
                        "cell %s", tables[i], rep, ba, bb);
            }
            CU_ASSERT_STRING_EQUAL(ba, bb);
            char what[64];
            snprintf(what, sizeof what, "%s stepwise %zu", tables[i], rep);
            check_same_fit(what, a, sa, NULL, b, sb, NULL, ncell);
            /* The chosen model refitted with standard errors and means,
             * then independence and (up to 8 lists) all two-way. */
            vc_loglin_model models[3];
            size_t nm = 0;
            if (sb == VC_OK) {
                models[nm++] = b->model;
            }
            vc_loglin_model_independence(t->J, &models[nm++], NULL);
            if (t->J <= 8) {
                vc_loglin_model_all_two_way(t->J, &models[nm++], NULL);
            }
            wf->no_se = 0;
            for (size_t k = 0; k < nm; k++) {
                vc_error ea;
                vc_error eb;
                vc_error_clear(&ea);
                vc_error_clear(&eb);
                sa = vci_loglin_fit_dense(y, n, 0, &models[k], NULL, NULL, a,
                                          fa, wf, &ea);
                sb = vci_loglin_fit_dense(y, n, 0, &models[k], NULL, NULL, b,
                                          fb, wd, &eb);
                snprintf(what, sizeof what, "%s fit %zu of %zu", tables[i],
                         k, rep);
                check_same_fit(what, a, sa, fa, b, sb, fb, ncell);
                if (sa != VC_OK && sb != VC_OK) {
                    CU_ASSERT_STRING_EQUAL(ea.msg, eb.msg);
                }
                /* The complete table of the profile likelihood: cell 0
                 * given, warm-started from the fit above. */
                if (sa == VC_OK && sb == VC_OK) {
                    y[0] = 2.0 * b->n0;
                    vc_loglin_result sa0 = *a;
                    vc_loglin_result sb0 = *b;
                    sa = vci_loglin_fit_dense(y, n, 1, &models[k], &sa0, NULL,
                                              a, fa, wf, &ea);
                    sb = vci_loglin_fit_dense(y, n, 1, &models[k], &sb0, NULL,
                                              b, fb, wd, &eb);
                    check_same_fit(what, a, sa, fa, b, sb, fb, ncell);
                    y[0] = 0.0;
                }
            }
        }
        free(y);
        free(fa);
        free(fb);
        free(a);
        free(b);
        vc_loglin_workspace_free(wf);
        vc_loglin_workspace_free(wd);
        vc_table_free(t);
    }
    CU_ASSERT_EQUAL(ntested, 11);
    gsl_rng_free(r);
}

/* Enumeration by BIC against Rcapture (SOURCES.md: "Rcapture BIC choice
 * (pairwise terms)"). */
static void test_enumerate_rcapture(void)
{
    struct {
        const char *table;
        const char *model;
        double N;
        double bic;  /* 0 where the source gives none */
        double rel;  /* half a unit in the last digit printed */
    } cases[] = {
        { "Korea", "[12,23]", 157.1667, 57.14081, 5e-7 },
        { "Kosovo", "[12,13,14,23,34]", 14341.66, 0.0, 5e-7 },
        { "MY1997_5", "[12,13,45]", 620.47, 0.0, 1e-5 },
        { "UKdat_5", "[12,13,23,25,34]", 22991.33, 0.0, 5e-7 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vc_table *t = load_table(cases[i].table);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        vc_loglin_ranked top[3];
        vc_loglin_enum_summary sum;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(vc_loglin_enumerate(t, VC_LOGLIN_BIC, 3, top,
                                                  &sum, &err), VC_OK);
        CU_ASSERT_EQUAL(sum.nmodels,
                        (uint64_t)1 << (t->J * (t->J - 1) / 2));
        CU_ASSERT_EQUAL(sum.ntop, 3);
        char buf[128];
        vc_loglin_model_format(&top[0].model, NULL, buf, sizeof buf, NULL);
        if (strcmp(buf, cases[i].model) != 0) {
            fprintf(stderr, "\n  %s: BIC chose %s, expected %s",
                    cases[i].table, buf, cases[i].model);
        }
        CU_ASSERT_STRING_EQUAL(buf, cases[i].model);
        VC_ASSERT_REL(top[0].N, cases[i].N, cases[i].rel);
        if (cases[i].bic != 0.0) {
            VC_ASSERT_REL(top[0].criterion, cases[i].bic, 5e-7);
        }
        CU_ASSERT(top[0].criterion <= top[1].criterion);
        CU_ASSERT(top[1].criterion <= top[2].criterion);
        CU_ASSERT(top[0].weight >= top[1].weight);
        CU_ASSERT(top[0].weight > 0.0 && top[0].weight <= 1.0);
        vc_table_free(t);
    }
}

/* The 32,768 pairwise models of the UK table: the same bytes with 1 and 4
 * threads (STYLE.md sec. 5), and Korea's AIC order. */
static void test_enumerate_threads(void)
{
    vc_table *t = load_table("UKdat");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_loglin_ranked top1[5], top4[5];
    vc_loglin_enum_summary s1, s4;
    memset(top1, 0, sizeof top1);
    memset(top4, 0, sizeof top4);
    memset(&s1, 0, sizeof s1);
    memset(&s4, 0, sizeof s4);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL(vc_loglin_enumerate(t, VC_LOGLIN_AIC, 5, top1, &s1, NULL),
                    VC_OK);
    omp_set_num_threads(4);
    CU_ASSERT_EQUAL(vc_loglin_enumerate(t, VC_LOGLIN_AIC, 5, top4, &s4, NULL),
                    VC_OK);
    omp_set_num_threads(saved);
    CU_ASSERT_EQUAL(memcmp(top1, top4, sizeof top1), 0);
    CU_ASSERT_EQUAL(memcmp(&s1, &s4, sizeof s1), 0);
    CU_ASSERT_EQUAL(s1.nmodels, 32768);
    CU_ASSERT_EQUAL(s1.nfitted + s1.nrefused, 32768);
    vc_table_free(t);

    /* Too many lists for enumeration. */
    t = load_table("bunting");
    CU_ASSERT_EQUAL(vc_loglin_enumerate(t, VC_LOGLIN_BIC, 5, top1, &s1, NULL),
                    VC_EINVAL);
    vc_table_free(t);
}

/* ---------------------------------------------------------------------
 * Profile-likelihood interval
 * ------------------------------------------------------------------- */

static void test_profile_ci(void)
{
    vc_table *t = load_table("Korea");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(3, NULL);
    vc_loglin_model m;
    vc_loglin_model_parse("[12,23]", 3, NULL, &m, NULL);
    double lo = 0.0, hi = 0.0;
    unsigned flags = 99;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_profile_ci(t, &m, 0.95, 0.0, &lo, &hi, &flags,
                                         w, &err), VC_OK);
    /* Rcapture closedpCI.t (SOURCES.md): Korea [12,23] 128.95-226.40.  We
     * solve the multinomial profile of Cormack (1992) to 1e-10 and get
     * 128.987 and 226.467: 3e-4 from Rcapture's printed ends, whose own
     * search is coarser; the tolerance says so. */
    VC_ASSERT_REL(lo, 128.95, 5e-4);
    VC_ASSERT_REL(hi, 226.40, 5e-4);
    CU_ASSERT_EQUAL(flags, 0);
    CU_ASSERT(lo < 157.1667 && hi > 157.1667);

    /* A search range that ends below the upper limit is flagged, and the
     * limit reported is the end of the range, not a bound. */
    CU_ASSERT_EQUAL(vc_loglin_profile_ci(t, &m, 0.95, 200.0, &lo, &hi,
                                         &flags, w, NULL), VC_OK);
    CU_ASSERT_EQUAL(flags, VC_FLAG_UPPER_OPEN);
    CU_ASSERT_EQUAL(hi, 200.0);
    VC_ASSERT_REL(lo, 128.95, 5e-4);

    /* Errors. */
    CU_ASSERT_EQUAL(vc_loglin_profile_ci(t, &m, 0.0, 0.0, &lo, &hi, &flags,
                                         w, NULL), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_loglin_profile_ci(t, &m, 0.95, 150.0, &lo, &hi,
                                         &flags, w, NULL), VC_EINVAL);
    vc_loglin_model_all_two_way(3, &m, NULL);
    CU_ASSERT_EQUAL(vc_loglin_profile_ci(t, &m, 0.95, 0.0, &lo, &hi, &flags,
                                         w, NULL), VC_ENOMLE);
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

/* ---------------------------------------------------------------------
 * Bootstrap through stepwise selection
 * ------------------------------------------------------------------- */

/*
 * BCa 95% ends against SparseMSE 2.0.1 with 1,000 replicates (SOURCES.md;
 * issue 3).  We run 400 replicates (seed 1234) to keep the suite fast.
 * Monte Carlo error: over 20 seeds at B = 400 our BCa ends had standard
 * deviations Korea 0.1 / 29.6, Kosovo 141 / 192, UK 245 / 470, MY1997_5
 * 1.5 / 4.2 (lower / upper), and means Korea 123.3 / 430.9, Kosovo 12,523 /
 * 16,537, UK 9,293 / 14,308, MY1997_5 588.1 / 638.6.  A difference between
 * a B = 400 end and a B = 1,000 end has a standard deviation of about 1.2
 * of ours, so the tolerances below are 5 of ours (4 standard deviations of
 * the difference), as relative errors.  Korea's lower end sits just above
 * n = 123 because the replicates resample the dark figure only.
 */
static void test_bootstrap_sparsemse(void)
{
    struct {
        const char *table;
        double lower, upper;      /* SparseMSE BCa 95% */
        double rel_lo, rel_hi;
    } cases[] = {
        { "Korea", 123.3, 431.6, 5 * 0.1 / 123.3, 5 * 29.6 / 431.6 },
        { "Kosovo", 12596, 16527, 5 * 140.8 / 12596, 5 * 191.9 / 16527 },
        { "UKdat", 9267, 14307, 5 * 245.2 / 9267, 5 * 469.9 / 14307 },
        { "MY1997_5", 588.7, 634.8, 5 * 1.5 / 588.7, 5 * 4.2 / 634.8 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vc_table *t = load_table(cases[i].table);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        vc_loglin_boot_opts o;
        vc_loglin_boot_opts_default(&o);
        o.B = 400;
        vc_loglin_boot_result r;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(vc_loglin_bootstrap(t, &o, &r, NULL, &err),
                              VC_OK);
        VC_ASSERT_REL(r.bca_lower, cases[i].lower, cases[i].rel_lo);
        VC_ASSERT_REL(r.bca_upper, cases[i].upper, cases[i].rel_hi);
        CU_ASSERT(r.bca_lower < r.N && r.N < r.bca_upper);
        CU_ASSERT(r.pct_lower < r.pct_upper);
        CU_ASSERT(r.bca_lower >= (double)t->n);
        CU_ASSERT_EQUAL(r.nfailed, 0);
        CU_ASSERT_EQUAL(r.B, 400);
        vc_table_free(t);
    }
}

/* Same seed, 1 and 4 threads: identical replicates and intervals; another
 * seed: different replicates. */
/* What the progress callback saw. */
typedef struct {
    size_t calls;
    size_t first_done, first_total;
    size_t last_done, last_total;
    int monotone;
} progress_seen;

static void progress_record(void *ctx, size_t done, size_t total)
{
    progress_seen *p = ctx;
    if (p->calls == 0) {
        p->first_done = done;
        p->first_total = total;
    } else if (done < p->last_done || total != p->last_total) {
        p->monotone = 0;
    }
    p->calls++;
    p->last_done = done;
    p->last_total = total;
}

/* vc_loglin_bootstrap_progress: 0 of B + patterns first, all of them
 * last, never backwards, from 2 threads; the result is the same as
 * without progress. */
/* vc_loglin_boot_flags: a bias correction of |z0| > 1, or a BCa end
 * beyond all the replicates but less than one, flags the interval; the
 * reference tables' corrections (UK 5 lists z0 = -0.42, a = -0.012: the
 * lower end the 0.21% quantile, 2 of 1,000 replicates beyond it) do not;
 * rbvole's (z0 = -1.31) does. */
static void test_bootstrap_flags(void)
{
    vc_loglin_boot_result r;
    memset(&r, 0, sizeof r);
    r.B = 1000;
    r.z0 = -0.415194;
    r.acceleration = -0.0121811;
    CU_ASSERT_EQUAL(vc_loglin_boot_flags(&r, 0.95), 0u);
    r.z0 = -1.31058;
    r.acceleration = -0.00358711;
    CU_ASSERT_EQUAL(vc_loglin_boot_flags(&r, 0.95), VC_FLAG_BCA_TAIL);
    r.z0 = 1.2;
    r.acceleration = 0.0;
    CU_ASSERT_EQUAL(vc_loglin_boot_flags(&r, 0.95), VC_FLAG_BCA_TAIL);
    /* z0 = -0.9 alone passes at B = 1,000, but its lower level
     * Phi(-0.9 + (-0.9 - 1.96)) = 8.7e-5 has no replicate beyond it */
    r.z0 = -0.9;
    CU_ASSERT_EQUAL(vc_loglin_boot_flags(&r, 0.95), VC_FLAG_BCA_TAIL);
    r.B = 100000; /* ... while 100,000 replicates put 8.7 beyond it */
    CU_ASSERT_EQUAL(vc_loglin_boot_flags(&r, 0.95), 0u);
    r.nfailed = 99500; /* only the successful ones count */
    CU_ASSERT_EQUAL(vc_loglin_boot_flags(&r, 0.95), VC_FLAG_BCA_TAIL);
    r.nfailed = 0;
    r.z0 = NAN; /* every replicate on one side */
    CU_ASSERT_EQUAL(vc_loglin_boot_flags(&r, 0.95), VC_FLAG_BCA_TAIL);
    CU_ASSERT_STRING_EQUAL(vc_estimate_flag_text(VC_FLAG_BCA_TAIL) != NULL
                               ? "ok" : "none", "ok");
}

static void test_bootstrap_progress(void)
{
    vc_table *t = load_table("Kosovo");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_loglin_boot_opts o;
    vc_loglin_boot_opts_default(&o);
    o.B = 48;
    o.seed = 20;
    vc_loglin_boot_result a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    progress_seen seen = {0, 0, 0, 0, 0, 1};
    int saved = omp_get_max_threads();
    omp_set_num_threads(2);
    CU_ASSERT_EQUAL(vc_loglin_bootstrap_progress(t, &o, progress_record,
                                                 &seen, &a, NULL, NULL),
                    VC_OK);
    omp_set_num_threads(saved);
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(t, &o, &b, NULL, NULL), VC_OK);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
    size_t total = o.B + t->npat;
    CU_ASSERT(seen.calls >= 2);
    CU_ASSERT_EQUAL(seen.first_done, 0);
    CU_ASSERT_EQUAL(seen.first_total, total);
    CU_ASSERT_EQUAL(seen.last_done, total);
    CU_ASSERT_EQUAL(seen.last_total, total);
    CU_ASSERT(seen.monotone);
    vc_table_free(t);
}

static void test_bootstrap_threads(void)
{
    vc_table *t = load_table("Kosovo");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_loglin_boot_opts o;
    vc_loglin_boot_opts_default(&o);
    o.B = 64;
    o.seed = 20251;
    double reps1[64], reps4[64], reps_other[64];
    vc_loglin_boot_result r1, r4, r_other;
    memset(&r1, 0, sizeof r1);
    memset(&r4, 0, sizeof r4);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(t, &o, &r1, reps1, NULL), VC_OK);
    omp_set_num_threads(4);
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(t, &o, &r4, reps4, NULL), VC_OK);
    omp_set_num_threads(saved);
    CU_ASSERT_EQUAL(memcmp(reps1, reps4, sizeof reps1), 0);
    CU_ASSERT_EQUAL(memcmp(&r1, &r4, sizeof r1), 0);
    o.seed = 20252;
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(t, &o, &r_other, reps_other, NULL),
                    VC_OK);
    CU_ASSERT_NOT_EQUAL(memcmp(reps1, reps_other, sizeof reps1), 0);

    /* Errors. */
    o.B = 1;
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(t, &o, &r1, NULL, NULL), VC_EINVAL);
    o.B = 10;
    o.level = 1.0;
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(t, &o, &r1, NULL, NULL), VC_EINVAL);
    o.level = 0.95;
    o.pthresh = 0.0;
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(t, &o, &r1, NULL, NULL), VC_EINVAL);
    vc_table_free(t);
}

/* ---------------------------------------------------------------------
 * Properties
 * ------------------------------------------------------------------- */

/* Permuting the lists (with the model) leaves N-hat unchanged; doubling
 * every count doubles a fixed model's N-hat (to fit tolerance); N-hat is at
 * least n.  Kosovo with [12,13,14,23,34]. */
static void test_properties(void)
{
    vc_table *t = load_table("Kosovo");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(4, NULL);
    vc_loglin_model m;
    vc_loglin_model_parse("[12,13,14,23,34]", 4, NULL, &m, NULL);
    vc_loglin_result base, other;
    CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &base, NULL, w,
                                        NULL), VC_OK);
    CU_ASSERT(base.N >= (double)t->n);

    /* Reverse the lists: list j becomes list 3 - j. */
    uint32_t pat[16];
    uint64_t cnt[16];
    for (size_t i = 0; i < t->npat; i++) {
        uint32_t x = t->pattern[i];
        uint32_t r = 0;
        for (size_t j = 0; j < 4; j++) {
            r |= (x >> j & 1u) << (3 - j);
        }
        pat[i] = r;
        cnt[i] = t->count[i];
    }
    const char *rnames[] = { "HRW", "OSCE", "ABA", "EXH" };
    vc_table *tr = vc_table_from_counts(4, rnames, t->npat, pat, cnt, NULL);
    vc_loglin_model mr;
    /* [12,13,14,23,34] reversed: 4->1, 3->2, 2->3, 1->4. */
    vc_loglin_model_parse("[34,24,14,23,12]", 4, NULL, &mr, NULL);
    CU_ASSERT_EQUAL(vc_loglin_fit(tr, &mr, NULL, NULL, &other, NULL, w, NULL),
                    VC_OK);
    VC_ASSERT_REL(other.N, base.N, 1e-10);
    VC_ASSERT_REL(other.deviance, base.deviance, 1e-8);
    /* The name form names the same lists either way round. */
    vc_loglin_model byname;
    CU_ASSERT_EQUAL(vc_loglin_model_parse("EXH*ABA + EXH*OSCE + EXH*HRW + "
                                          "ABA*OSCE + OSCE*HRW", 4, rnames,
                                          &byname, NULL), VC_OK);
    CU_ASSERT_EQUAL(memcmp(&byname, &mr, sizeof mr), 0);
    vc_table_free(tr);

    /* Doubling the counts doubles N-hat; a warm start from the first fit
     * gives the same answer. */
    for (size_t i = 0; i < t->npat; i++) {
        cnt[i] = 2 * t->count[i];
    }
    vc_table *td = vc_table_from_counts(4, (const char *const *)t->names,
                                        t->npat, t->pattern, cnt, NULL);
    CU_ASSERT_EQUAL(vc_loglin_fit(td, &m, NULL, NULL, &other, NULL, w, NULL),
                    VC_OK);
    VC_ASSERT_REL(other.N, 2.0 * base.N, 1e-10);
    vc_loglin_result warm;
    CU_ASSERT_EQUAL(vc_loglin_fit(td, &m, &base, NULL, &warm, NULL, w, NULL),
                    VC_OK);
    VC_ASSERT_REL(warm.N, other.N, 1e-10);
    vc_table_free(td);

    /* Fitted values: they sum to n over the observed cells (the
     * likelihood equation of the intercept), and fitted[0] = n0. */
    double fitted[16];
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &m, NULL, NULL, &base, fitted, w, NULL),
                    VC_OK);
    double sum = 0.0;
    for (size_t x = 1; x < 16; x++) {
        sum += fitted[x];
    }
    VC_ASSERT_REL(sum, (double)t->n, 1e-10);
    VC_ASSERT_REL(fitted[0], base.n0, 1e-14);

    /* Pearson residuals: (y - mu) / sqrt(mu) cell by cell, 0 where
     * nobody can be seen, and their squares sum to X^2. */
    double resid[16];
    CU_ASSERT_EQUAL(vc_loglin_pearson(t, fitted, resid, NULL), VC_OK);
    double x2 = 0.0;
    for (size_t x = 1; x < 16; x++) {
        x2 += resid[x] * resid[x];
    }
    CU_ASSERT_EQUAL(resid[0], 0.0);
    VC_ASSERT_REL(x2, base.pearson_chi2, 1e-12);
    for (size_t i = 0; i < t->npat; i++) {
        uint32_t x = t->pattern[i];
        VC_ASSERT_REL(resid[x], ((double)t->count[i] - fitted[x])
                                    / sqrt(fitted[x]), 1e-14);
        CU_ASSERT(fabs(resid[x]) <= base.pearson_max * (1.0 + 1e-14));
    }
    double broken[16];
    memcpy(broken, fitted, sizeof broken);
    broken[t->pattern[0]] = 0.0;
    CU_ASSERT_EQUAL(vc_loglin_pearson(t, broken, resid, NULL), VC_EDATA);

    /* The estimate the CLI prints. */
    vc_estimate est;
    CU_ASSERT_EQUAL(vc_loglin_estimate(&base, 0.95, &est, NULL), VC_OK);
    CU_ASSERT_STRING_EQUAL(est.method, "loglinear");
    VC_ASSERT_REL(est.estimate, 14341.66, 5e-7);
    CU_ASSERT(est.lower > (double)t->n && est.lower < est.estimate);
    CU_ASSERT(est.upper > est.estimate);
    CU_ASSERT_EQUAL(est.observed, t->n);
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

/* ---------------------------------------------------------------------
 * Heterogeneity models (Rcapture's Mth forms)
 * ------------------------------------------------------------------- */

/* Period 3 of the meadow vole data: columns 11-15 of mvole (Rcapture's
 * mvole[, 11:15]); people seen only outside them drop out. */
static vc_table *load_mvole3(void)
{
    vc_table *t = load_table("mvole");
    if (t == NULL) {
        return NULL;
    }
    uint64_t c[32] = { 0 };
    for (size_t i = 0; i < t->npat; i++) {
        c[t->pattern[i] >> 10 & 31u] += t->count[i];
    }
    uint32_t pat[31];
    uint64_t cnt[31];
    size_t np = 0;
    for (uint32_t x = 1; x < 32; x++) {
        if (c[x] > 0) {
            pat[np] = x;
            cnt[np] = c[x];
            np++;
        }
    }
    const char *names[] = { "c11", "c12", "c13", "c14", "c15" };
    vc_table_free(t);
    return vc_table_from_counts(5, names, np, pat, cnt, NULL);
}

/*
 * Rcapture's closedp.t tables for the snowshoe hare data and period 3 of
 * the meadow vole data, as printed in Rcapture's own example output
 * (cran/Rcapture, tests/Examples/Rcapture-Ex.Rout.save, the examples of
 * ?closedp; the same hare table is in the JSS paper, Baillargeon & Rivest
 * 2007, sec. 2.1): rows Mt and Mth Chao (LB), Mth Poisson2, Mth Darroch,
 * Mth Gamma3.5.  Rcapture prints abundance and stderr to 1 decimal,
 * deviance and AIC to 3, so the tolerances are half a printed unit.
 * Rcapture's stderr is the multinomial one, var_p(N-hat) - N (JSS paper,
 * sec. 2.1, after Sanathanan 1972); sqrt((n0 se(u))^2 + n0) reproduces
 * every printed value, so that is what we compare.  In none of these fits
 * is an eta negative (the df say so), so the Chao rows do not depend on
 * how the eta columns are parameterised.
 */
static void test_heterogeneity_rcapture(void)
{
    struct {
        int mvole;          /* 0 hare, 1 mvole period 3 */
        const char *model;
        double N, stderr_, dev, df, aic;
    } cases[] = {
        { 0, "independence", 75.1, 3.4, 58.314, 56, 154.505 },
        { 0, "independence + h=Chao", 79.6, 6.3, 47.115, 52, 151.305 },
        { 0, "independence + h=Poisson", 81.1, 5.6, 48.137, 55, 146.327 },
        { 0, "independence + h=Darroch", 90.5, 11.7, 50.706, 55, 148.896 },
        { 0, "independence + h=Gamma", 101.6, 22.4, 51.956, 55, 150.147 },
        { 1, "independence", 50.9, 1.6, 61.208, 25, 125.138 },
        { 1, "independence + h=LB", 71.0, 13.7, 26.120, 22, 96.051 },
        { 1, "independence + h=Poisson(2)", 60.5, 6.1, 30.652, 24, 96.582 },
        { 1, "independence + h=Darroch", 93.1, 26.6, 27.178, 24, 93.108 },
        { 1, "independence + h=Gamma(3.5)", 209.9, 124.3, 26.539, 24,
          92.470 },
    };
    vc_table *tab[2] = { load_table("hare"), load_mvole3() };
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab[1]);
    CU_ASSERT_EQUAL(tab[0]->n, 68);
    CU_ASSERT_EQUAL(tab[1]->n, 49);  /* Rcapture: 49 captured units */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vc_table *t = tab[cases[i].mvole];
        vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, NULL);
        vc_loglin_model m;
        vc_loglin_result r;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(vc_loglin_model_parse(cases[i].model, t->J,
                                                    NULL, &m, &err), VC_OK);
        CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &r, NULL, w,
                                            &err), VC_OK);
        double se = sqrt(r.n0 * r.se_log_n0 * r.n0 * r.se_log_n0 + r.n0);
        if (fabs(r.N - cases[i].N) > 0.05) {
            fprintf(stderr, "\n  %s %s: N %.3f", cases[i].mvole ? "mvole3"
                    : "hare", cases[i].model, r.N);
        }
        CU_ASSERT_DOUBLE_EQUAL(r.N, cases[i].N, 0.05);
        CU_ASSERT_DOUBLE_EQUAL(se, cases[i].stderr_, 0.05);
        CU_ASSERT_DOUBLE_EQUAL(r.deviance, cases[i].dev, 0.0005);
        CU_ASSERT_EQUAL(r.df, cases[i].df);
        CU_ASSERT_DOUBLE_EQUAL(r.aic, cases[i].aic, 0.0005);
        CU_ASSERT_EQUAL(r.nzero, 0);
        vc_loglin_workspace_free(w);
    }
    vc_table_free(tab[0]);
    vc_table_free(tab[1]);
}

/* Properties of the heterogeneity models: Chao's negative etas are fixed
 * at 0 (and only with chao_nonneg); all etas at 0 is Mt; model strings
 * round-trip; doubling the counts doubles N-hat; errors. */
static void test_heterogeneity_properties(void)
{
    /* Four lists; every cell seen by k lists holds c[k] people, with
     * log c[k] = 3.91, 2.48, 1.61, 0: convex at k = 2, concave at k = 3,
     * so eta_2 > 0 and eta_3 < 0. */
    const uint64_t by_k[5] = { 0, 50, 12, 5, 1 };
    uint32_t pat[15];
    uint64_t cnt[15];
    for (uint32_t x = 1; x < 16; x++) {
        pat[x - 1] = x;
        cnt[x - 1] = by_k[__builtin_popcount(x)] + (x == 3 ? 7 : 0);
    }
    const char *names[] = { "A", "B", "C", "D" };
    vc_table *t = vc_table_from_counts(4, names, 15, pat, cnt, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(4, NULL);
    vc_loglin_model m;
    CU_ASSERT_EQUAL(vc_loglin_model_parse("A + B + C + D + h=Chao", 4, names,
                                          &m, NULL), VC_OK);
    CU_ASSERT_EQUAL(vc_loglin_model_nhet(&m), 2);
    vc_loglin_control c;
    vc_loglin_control_default(&c);
    c.chao_nonneg = 0;
    vc_loglin_result free_fit, fit;
    CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, &c, &free_fit, NULL, w,
                                        NULL), VC_OK);
    size_t het0 = 1 + 4 + m.nterms;
    CU_ASSERT(free_fit.coef[het0] > 0.0);
    CU_ASSERT(free_fit.coef[het0 + 1] < 0.0);
    CU_ASSERT_EQUAL(free_fit.df, 15.0 - 7.0);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &fit, NULL, w,
                                        NULL), VC_OK);
    CU_ASSERT_EQUAL(fit.nzero, 1);
    CU_ASSERT_EQUAL(fit.model.eta_zero, 1u << 3);
    CU_ASSERT_EQUAL(fit.coef_state[het0 + 1], VC_LOGLIN_COEF_ZERO);
    CU_ASSERT_EQUAL(fit.coef[het0 + 1], 0.0);
    CU_ASSERT(fit.coef[het0] >= 0.0);
    CU_ASSERT_EQUAL(fit.df, 15.0 - 6.0);
    CU_ASSERT(fit.deviance >= free_fit.deviance);
    /* Refitting the constrained model gives the same fit. */
    vc_loglin_result again;
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &fit.model, NULL, NULL, &again, NULL, w,
                                  NULL), VC_OK);
    VC_ASSERT_REL(again.N, fit.N, 1e-10);

    /* Every eta at 0 is Mt, the independence model. */
    vc_loglin_model all0 = m;
    all0.eta_zero = (1u << 2) | (1u << 3);
    vc_loglin_model ind;
    vc_loglin_model_independence(4, &ind, NULL);
    vc_loglin_result r0, ri;
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &all0, NULL, NULL, &r0, NULL, w, NULL),
                    VC_OK);
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &ind, NULL, NULL, &ri, NULL, w, NULL),
                    VC_OK);
    VC_ASSERT_REL(r0.N, ri.N, 1e-10);
    VC_ASSERT_REL(r0.deviance, ri.deviance, 1e-8);
    CU_ASSERT_EQUAL(r0.df, ri.df);

    /* Doubling the counts doubles N-hat (Darroch, with an interaction). */
    vc_loglin_model md;
    CU_ASSERT_EQUAL(vc_loglin_model_parse("[12,3,4] + h=darroch", 4, NULL,
                                          &md, NULL), VC_OK);
    vc_loglin_result a, b;
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &md, NULL, NULL, &a, NULL, w, NULL),
                    VC_OK);
    for (size_t i = 0; i < 15; i++) {
        cnt[i] *= 2;
    }
    vc_table *t2 = vc_table_from_counts(4, names, 15, pat, cnt, NULL);
    CU_ASSERT_EQUAL(vc_loglin_fit(t2, &md, NULL, NULL, &b, NULL, w, NULL),
                    VC_OK);
    VC_ASSERT_REL(b.N, 2.0 * a.N, 1e-9);
    vc_table_free(t2);

    /* Round trips of the model strings. */
    const char *specs[] = { "[12,3,4] + h=Chao", "[1,2,3,4] + h=Poisson(2)",
                            "[1,2,34] + h=Gamma(2.5)", "[1,2,3,4] + h=Darroch" };
    for (size_t i = 0; i < 4; i++) {
        vc_loglin_model p1, p2;
        char buf[128];
        CU_ASSERT_EQUAL(vc_loglin_model_parse(specs[i], 4, NULL, &p1, NULL),
                        VC_OK);
        CU_ASSERT_EQUAL(vc_loglin_model_format(&p1, NULL, buf, sizeof buf,
                                               NULL), VC_OK);
        CU_ASSERT_STRING_EQUAL(buf, specs[i]);
        CU_ASSERT_EQUAL(vc_loglin_model_parse(buf, 4, NULL, &p2, NULL),
                        VC_OK);
        CU_ASSERT_EQUAL(memcmp(&p1, &p2, sizeof p1), 0);
    }
    vc_loglin_model p3, p4;
    vc_loglin_model_parse("h = poisson + A*B", 4, names, &p3, NULL);
    vc_loglin_model_parse("[12,3,4] + h=Poisson(2)", 4, NULL, &p4, NULL);
    CU_ASSERT_EQUAL(memcmp(&p3, &p4, sizeof p3), 0);

    /* Errors. */
    const char *bad[] = { "h=Chao", "[12] + h=Chao + h=Darroch",
                          "independence + h=Weibull", "[1,2,3,4] + h=Chao(2)",
                          "[1,2,3,4] + h=Poisson(1)", "[1,2,3,4] + h=Gamma(",
                          "[1,2,3,4] + h=Gamma(2) x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vc_loglin_model mm;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_loglin_model_parse(bad[i], 4, NULL, &mm, &err),
                        VC_EINVAL);
        CU_ASSERT(strstr(err.msg, bad[i]) != NULL || err.msg[0] != '\0');
    }
    vc_loglin_model two;
    CU_ASSERT_EQUAL(vc_loglin_model_parse("independence + h=Chao", 2, NULL,
                                          &two, NULL), VC_EINVAL);
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

/* ---------------------------------------------------------------------
 * Equal capture probabilities: M0 and the Mh forms
 * ------------------------------------------------------------------- */

/*
 * Rcapture's closedp.t rows M0, Mh Chao (LB), Mh Poisson2, Mh Darroch and
 * Mh Gamma3.5 for the hare and period 3 of the meadow vole data, from the
 * same tables as test_heterogeneity_rcapture (cran/Rcapture,
 * tests/Examples/Rcapture-Ex.Rout.save, examples of ?closedp; the hare
 * table also in Baillargeon & Rivest 2007, sec. 2.1), and the M0 row of
 * Seber's (1982, p. 107) two-sample example in the same file (closedp.t of
 * 11: 167, 10: 781, 01: 254).  Tolerances and the multinomial stderr as
 * there.  Rcapture's Mh Chao has J - 2 etas on top of the k column
 * (R/Xclosedp.r: columns pmax(k - j + 1, 0), j = 3..t): on the hare data
 * one of them is negative and fixed at 0 (neg = TRUE), so the df is 58,
 * not 57; nzero says how many we fixed.
 */
static void test_m0_rcapture(void)
{
    struct {
        int table;          /* 0 hare, 1 mvole period 3, 2 Seber p. 107 */
        const char *model;
        double N, stderr_, dev, df, aic;
        size_t nzero;
    } cases[] = {
        { 0, "M0", 75.4, 3.5, 68.516, 61, 154.707, 0 },
        { 0, "M0 + h=Chao", 79.8, 6.4, 58.023, 58, 150.214, 1 },
        { 0, "M0 + h=Poisson", 81.5, 5.7, 59.107, 60, 147.298, 0 },
        { 0, "M0 + h=Darroch", 90.4, 11.6, 61.600, 60, 149.791, 0 },
        { 0, "M0 + h=Gamma", 100.6, 21.7, 62.771, 60, 150.961, 0 },
        { 1, "m0", 51.1, 1.6, 66.964, 29, 122.895, 0 },
        { 1, "M0 + h=LB", 71.9, 14.2, 33.556, 26, 95.486, 0 },
        { 1, "M0 + h=Poisson(2)", 61.0, 6.3, 37.902, 28, 95.833, 0 },
        { 1, "M0 + h=Darroch", 93.2, 26.7, 34.611, 28, 92.541, 0 },
        { 1, "M0 + h=Gamma(3.5)", 203.2, 119.1, 33.984, 28, 91.915, 0 },
        { 2, "M0", 2805.6, 164.1, 281.334, 1, 308.166, 0 },
    };
    const uint32_t seber_pat[3] = { 3, 1, 2 };
    const uint64_t seber_cnt[3] = { 167, 781, 254 };
    const char *seber_names[] = { "A", "B" };
    vc_table *tab[3] = { load_table("hare"), load_mvole3(),
                         vc_table_from_counts(2, seber_names, 3, seber_pat,
                                              seber_cnt, NULL) };
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab[1]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab[2]);
    CU_ASSERT_EQUAL(tab[2]->n, 1202);  /* Rcapture: 1202 captured units */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vc_table *t = tab[cases[i].table];
        vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, NULL);
        vc_loglin_model m;
        vc_loglin_result r;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(vc_loglin_model_parse(cases[i].model, t->J,
                                                    NULL, &m, &err), VC_OK);
        CU_ASSERT_EQUAL(m.common, 1);
        CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &r, NULL, w,
                                            &err), VC_OK);
        double se = sqrt(r.n0 * r.se_log_n0 * r.n0 * r.se_log_n0 + r.n0);
        if (fabs(r.N - cases[i].N) > 0.05
            || fabs(r.deviance - cases[i].dev) > 0.0005) {
            fprintf(stderr, "\n  table %d %s: N %.3f se %.3f dev %.4f df %g "
                    "AIC %.4f", cases[i].table, cases[i].model, r.N, se,
                    r.deviance, r.df, r.aic);
        }
        CU_ASSERT_DOUBLE_EQUAL(r.N, cases[i].N, 0.05);
        CU_ASSERT_DOUBLE_EQUAL(se, cases[i].stderr_, 0.05);
        CU_ASSERT_DOUBLE_EQUAL(r.deviance, cases[i].dev, 0.0005);
        CU_ASSERT_EQUAL(r.df, cases[i].df);
        CU_ASSERT_DOUBLE_EQUAL(r.aic, cases[i].aic, 0.0005);
        CU_ASSERT_EQUAL(r.nzero, cases[i].nzero);
        /* Every list's main effect is the common one. */
        for (size_t j = 2; j <= t->J; j++) {
            CU_ASSERT_EQUAL(r.coef_state[j], VC_LOGLIN_COEF_TIED);
            CU_ASSERT_EQUAL(r.coef[j], r.coef[1]);
        }
        CU_ASSERT_EQUAL(r.coef_state[1], VC_LOGLIN_COEF_FREE);
        vc_loglin_workspace_free(w);
    }
    for (size_t i = 0; i < 3; i++) {
        vc_table_free(tab[i]);
    }
}

/* Properties of M0 and its Mh forms: model strings; the likelihood
 * equations; Chao's closed form; invariance to the order of the lists and
 * doubling; errors. */
static void test_m0_properties(void)
{
    const char *names[] = { "A", "B", "C", "D" };
    vc_loglin_model m, m2;
    char buf[128];
    vc_error err;
    vc_error_clear(&err);

    /* Strings: the keyword in any case, both forms print "M0", and the
     * printed string parses back to the same model. */
    const char *specs[] = { "M0", " m0 ", "M0 + h=Chao", "h=lb + M0",
                            "M0 + h=Poisson(3)", "M0 + h=Darroch",
                            "M0 + h=Gamma(2.5)" };
    const char *printed[] = { "M0", "M0", "M0 + h=Chao", "M0 + h=Chao",
                              "M0 + h=Poisson(3)", "M0 + h=Darroch",
                              "M0 + h=Gamma(2.5)" };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        CU_ASSERT_EQUAL_FATAL(vc_loglin_model_parse(specs[i], 4, names, &m,
                                                    &err), VC_OK);
        CU_ASSERT_EQUAL(m.common, 1);
        CU_ASSERT_EQUAL(m.nterms, 0);
        CU_ASSERT_EQUAL(vc_loglin_model_format(&m, NULL, buf, sizeof buf,
                                               &err), VC_OK);
        CU_ASSERT_STRING_EQUAL(buf, printed[i]);
        CU_ASSERT_EQUAL(vc_loglin_model_format(&m, names, buf, sizeof buf,
                                               &err), VC_OK);
        CU_ASSERT_STRING_EQUAL(buf, printed[i]);
        CU_ASSERT_EQUAL(vc_loglin_model_parse(buf, 4, NULL, &m2, &err),
                        VC_OK);
        CU_ASSERT_EQUAL(memcmp(&m, &m2, sizeof m), 0);
    }
    vc_loglin_model_m0(4, &m2, NULL);
    vc_loglin_model_parse("M0", 4, NULL, &m, NULL);
    CU_ASSERT_EQUAL(memcmp(&m, &m2, sizeof m), 0);
    /* Not the bracket form, so M0 prints for J > 9 without names too. */
    CU_ASSERT_EQUAL(vc_loglin_model_m0(12, &m, NULL), VC_OK);
    CU_ASSERT_EQUAL(vc_loglin_model_format(&m, NULL, buf, sizeof buf, NULL),
                    VC_OK);
    CU_ASSERT_STRING_EQUAL(buf, "M0");
    /* No interactions on M0; M0 is not a list name. */
    const char *bad[] = { "M0 + [12]", "M0 + A*B", "[12] + M0", "M0 M0",
                          "M0 + h=Chao(2)" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_loglin_model_parse(bad[i], 4, names, &m, &err),
                        VC_EINVAL);
        CU_ASSERT(err.msg[0] != '\0');
    }
    vc_loglin_model_m0(4, &m, NULL);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_add(&m, 0x3u, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "M0"));
    CU_ASSERT_EQUAL(m.nterms, 0);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("M0 + h=Chao", 2, NULL, &m, NULL),
                    VC_EINVAL);

    /* Fits on period 3 of the meadow vole data. */
    vc_table *t = load_mvole3();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    size_t J = t->J;
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(J, NULL);
    double *fitted = malloc(((size_t)1 << J) * sizeof *fitted);
    vc_loglin_result r;
    vc_loglin_model_m0(J, &m, NULL);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &r, fitted, w,
                                        NULL), VC_OK);
    /* The likelihood equations of a Poisson log-linear model: the fit
     * keeps the sufficient statistics, here n = sum y and the number of
     * captures sum k y (McCullagh & Nelder 1989, sec. 6.4). */
    double f[VC_LOGLIN_MAX_LISTS + 1] = { 0 };
    for (size_t i = 0; i < t->npat; i++) {
        f[__builtin_popcount(t->pattern[i])] += (double)t->count[i];
    }
    double T = 0.0, fit_n = 0.0, fit_T = 0.0;
    for (size_t k = 1; k <= J; k++) {
        T += (double)k * f[k];
    }
    for (uint32_t x = 1; x < (1u << J); x++) {
        fit_n += fitted[x];
        fit_T += __builtin_popcount(x) * fitted[x];
    }
    VC_ASSERT_REL(fit_n, (double)t->n, 1e-9);
    VC_ASSERT_REL(fit_T, T, 1e-9);
    /* M0's cells seen equally often have equal means. */
    VC_ASSERT_REL(fitted[0x3], fitted[0x18], 1e-12);
    CU_ASSERT_EQUAL(r.k, 2);
    CU_ASSERT_EQUAL(r.nparams, 1 + J);
    CU_ASSERT(r.se[1] > 0.0 && r.se[2] == r.se[1]);

    /* Mh Chao with no eta negative is Chao's (1987) moment estimator:
     * n + (J - 1) f_1^2 / (2 J f_2) (loglin.c gives the derivation). */
    vc_loglin_model_parse("M0 + h=Chao", J, NULL, &m, NULL);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &r, NULL, w,
                                        NULL), VC_OK);
    CU_ASSERT_EQUAL(r.nzero, 0);
    double chao = (double)t->n
                  + (double)(J - 1) * f[1] * f[1] / (2.0 * (double)J * f[2]);
    VC_ASSERT_REL(r.N, chao, 1e-9);

    /* The order of the lists does not matter, and doubling every count
     * doubles N-hat (Mh Darroch). */
    vc_loglin_model_parse("M0 + h=Darroch", J, NULL, &m, NULL);
    vc_loglin_result a, b, c;
    CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &a, NULL, w, NULL),
                          VC_OK);
    uint32_t pat[32];
    uint64_t cnt2[32], cnt[32];
    for (size_t i = 0; i < t->npat; i++) {
        uint32_t x = t->pattern[i];
        /* reverse the order of the lists */
        uint32_t rx = 0;
        for (size_t j = 0; j < J; j++) {
            rx |= (x >> j & 1u) << (J - 1 - j);
        }
        pat[i] = rx;
        cnt[i] = t->count[i];
        cnt2[i] = 2 * t->count[i];
    }
    const char *vnames[] = { "v1", "v2", "v3", "v4", "v5" };
    vc_table *tr = vc_table_from_counts(J, vnames, t->npat, pat, cnt, NULL);
    vc_table *t2 = vc_table_from_counts(J, vnames, t->npat, pat, cnt2, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t2);
    CU_ASSERT_EQUAL(vc_loglin_fit(tr, &m, NULL, NULL, &b, NULL, w, NULL),
                    VC_OK);
    CU_ASSERT_EQUAL(vc_loglin_fit(t2, &m, NULL, NULL, &c, NULL, w, NULL),
                    VC_OK);
    VC_ASSERT_REL(b.N, a.N, 1e-10);
    VC_ASSERT_REL(b.deviance, a.deviance, 1e-9);
    VC_ASSERT_REL(c.N, 2.0 * a.N, 1e-9);
    /* A warm start from Mt (not M0) is not used for the common effect, and
     * the fit is the same. */
    vc_loglin_model mt;
    vc_loglin_model_independence(J, &mt, NULL);
    vc_loglin_result rt;
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &mt, NULL, NULL, &rt, NULL, w, NULL),
                    VC_OK);
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &m, &rt, NULL, &b, NULL, w, NULL),
                    VC_OK);
    VC_ASSERT_REL(b.N, a.N, 1e-9);
    /* The existence check takes M0 too: the MLE exists here. */
    int code = -1;
    CU_ASSERT_EQUAL(vc_loglin_exist(t, &m, &code, NULL), VC_OK);
    CU_ASSERT_EQUAL(code, VC_LOGLIN_EXISTS);

    /* Errors: an M0 model given interactions behind the API's back, and
     * M0 on one list (the k column is the intercept's). */
    vc_loglin_model bad_m = m;
    bad_m.nterms = 1;
    bad_m.term[0] = 0x3u;
    CU_ASSERT_EQUAL(vc_loglin_fit(t, &bad_m, NULL, NULL, &b, NULL, w, NULL),
                    VC_EINVAL);
    const uint32_t one_pat[1] = { 1 };
    const uint64_t one_cnt[1] = { 7 };
    vc_table *t1 = vc_table_from_counts(1, names, 1, one_pat, one_cnt, NULL);
    vc_loglin_workspace *w1 = vc_loglin_workspace_alloc(1, NULL);
    vc_loglin_model_m0(1, &m, NULL);
    CU_ASSERT_EQUAL(vc_loglin_fit(t1, &m, NULL, NULL, &b, NULL, w1, NULL),
                    VC_ENOTIDENT);
    vc_loglin_workspace_free(w1);
    vc_table_free(t1);
    vc_table_free(tr);
    vc_table_free(t2);
    free(fitted);
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

/*
 * Profile intervals under M0 and Mh.  The one published end we found:
 * Rcapture's own test suite (cran/Rcapture inst/tests/testPapersResults.R,
 * "Agresti (1994) results in Table 2") checks that closedpCI.t(hare), whose
 * default model is M0, has a lower end that rounds to 69 (68 + 1 in
 * Agresti 1994); its upper end, 84 in the paper, Rcapture itself does not
 * reproduce, so we check only that it lies above N-hat.  The nearest
 * published interval with a heterogeneity column is Mth Poisson2 on the
 * hare data, 71.8-93.8 (the closedpCI.t example in Rcapture-Ex.Rout.save;
 * the JSS paper, sec. 2.1, computes the same interval), the same column on
 * the Mt design: checked to the printed digit.  Otherwise: properties
 * (the interval holds N-hat and narrows with the level).
 */
static void test_m0_profile(void)
{
    vc_table *t = load_table("hare");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, NULL);
    const char *specs[] = { "M0", "M0 + h=Chao", "M0 + h=Poisson",
                            "M0 + h=Darroch", "M0 + h=Gamma" };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        vc_loglin_model m;
        vc_loglin_result r;
        vc_error err;
        vc_error_clear(&err);
        vc_loglin_model_parse(specs[i], t->J, NULL, &m, NULL);
        CU_ASSERT_EQUAL_FATAL(vc_loglin_fit(t, &m, NULL, NULL, &r, NULL, w,
                                            NULL), VC_OK);
        double lo = 0.0, hi = 0.0, lo90 = 0.0, hi90 = 0.0;
        unsigned flags = 99, flags90 = 99;
        CU_ASSERT_EQUAL(vc_loglin_profile_ci(t, &m, 0.95, 0.0, &lo, &hi,
                                             &flags, w, &err), VC_OK);
        CU_ASSERT_EQUAL(flags, 0);
        CU_ASSERT(lo > (double)t->n && lo < r.N && hi > r.N);
        CU_ASSERT_EQUAL(vc_loglin_profile_ci(t, &m, 0.90, 0.0, &lo90, &hi90,
                                             &flags90, w, NULL), VC_OK);
        CU_ASSERT(lo90 > lo && hi90 < hi);
        if (i == 0) {
            CU_ASSERT_EQUAL(lround(lo), 69);
        }
    }
    vc_loglin_model mth;
    vc_loglin_model_parse("independence + h=Poisson", t->J, NULL, &mth,
                          NULL);
    double lo = 0.0, hi = 0.0;
    unsigned flags = 99;
    CU_ASSERT_EQUAL(vc_loglin_profile_ci(t, &mth, 0.95, 0.0, &lo, &hi, &flags,
                                         w, NULL), VC_OK);
    CU_ASSERT_DOUBLE_EQUAL(lo, 71.8, 0.05);
    CU_ASSERT_DOUBLE_EQUAL(hi, 93.8, 0.05);
    CU_ASSERT_EQUAL(flags, 0);
    vc_loglin_workspace_free(w);
    vc_table_free(t);
}

/* The refusals of the model functions, fit, selection and bootstrap that
 * the other tests do not reach, each with its code and message, and the
 * profile interval whose lower end is n itself. */
static void test_api_refusals(void)
{
    vc_error err;
    vc_loglin_model m;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_model_independence(3, &m, &err), VC_OK);
    CU_ASSERT_EQUAL(vc_loglin_model_add(&m, 0x2u, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "needs two or more of the 3 "
                                           "lists"));
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_add(&m, 0x9u, &err), VC_EINVAL);
    /* twelve lists: 66 pairs and 220 triples pass the 256-term limit */
    vc_loglin_model big;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_model_independence(12, &big, &err),
                          VC_OK);
    int status = VC_OK;
    for (uint32_t t = 0; t < (1u << 12) && status == VC_OK; t++) {
        if (__builtin_popcount(t) == 3) {
            status = vc_loglin_model_add(&big, t, &err);
        }
    }
    CU_ASSERT_EQUAL(status, VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "at most 256 interaction terms"));
    CU_ASSERT(big.nterms <= 256);

    /* the bracket form numbers lists with one digit */
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("[12]", 10, NULL, &m, &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "needs J <= 9 (here 10)"));
    char buf[64];
    vc_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_model_all_two_way(10, &big, &err), VC_OK);
    CU_ASSERT_EQUAL(vc_loglin_model_format(&big, NULL, buf, sizeof buf,
                                           &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "the bracket form needs J <= 9"));
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_format(&m, NULL, buf, 0, &err),
                    VC_EINVAL);

    /* heterogeneity: a space before the parameter is allowed; NONE takes
     * it away again; an unknown form or an infinite theta is refused */
    vc_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_model_parse("[12,3] + h=Poisson (3)", 3,
                                                NULL, &m, &err), VC_OK);
    CU_ASSERT_EQUAL(m.het, VC_LOGLIN_HET_POISSON);
    CU_ASSERT_EQUAL(m.theta, 3.0);
    CU_ASSERT_EQUAL(vc_loglin_model_set_het(&m, VC_LOGLIN_HET_NONE, 7.0,
                                            &err), VC_OK);
    CU_ASSERT_EQUAL(m.het, VC_LOGLIN_HET_NONE);
    CU_ASSERT_EQUAL(m.theta, 0.0);
    CU_ASSERT_EQUAL(vc_loglin_model_nhet(&m), 0);
    CU_ASSERT_EQUAL(vc_loglin_model_set_het(&m, 9, 0.0, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown heterogeneity form 9"));
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_set_het(&m, VC_LOGLIN_HET_GAMMA,
                                            INFINITY, &err), VC_EINVAL);

    /* fitting: a workspace for another J, a table of nobody, and a fit
     * stopped after one IRLS step */
    vc_table *korea = load_table("Korea");
    CU_ASSERT_PTR_NOT_NULL_FATAL(korea);
    vc_loglin_workspace *w4 = vc_loglin_workspace_alloc(4, &err);
    vc_loglin_workspace *w3 = vc_loglin_workspace_alloc(3, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w3);
    vc_loglin_result res;
    CU_ASSERT_EQUAL_FATAL(vc_loglin_model_independence(3, &m, &err), VC_OK);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_fit(korea, &m, NULL, NULL, &res, NULL, w4,
                                  &err), VC_EINVAL);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_stepwise(korea, 0.02, &res, w4, &err),
                    VC_EINVAL);
    static const char *const abc[] = {"A", "B", "C"};
    const uint32_t pat0[] = {1};
    const uint64_t cnt0[] = {0};
    vc_table *empty = vc_table_from_counts(3, abc, 1, pat0, cnt0, &err);
    if (empty != NULL) {
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_loglin_fit(empty, &m, NULL, NULL, &res, NULL, w3,
                                      &err), VC_EDATA);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "the table is empty"));
        vc_table_free(empty);
    }
    vc_loglin_control ctl;
    vc_loglin_control_default(&ctl);
    ctl.maxiter = 1;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_fit(korea, &m, NULL, &ctl, &res, NULL, w3,
                                  &err), VC_ENOTCONV);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no convergence in 1 "
                                           "iterations"));

    /* enumeration: at least two lists, a known criterion, some model
     * that fits (two lists that never meet: neither model does) */
    static const char *const ab[] = {"A", "B"};
    const uint32_t pat1[] = {1};
    const uint64_t cnt1[] = {5};
    vc_table *one = vc_table_from_counts(1, ab, 1, pat1, cnt1, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(one);
    vc_loglin_ranked top[2];
    vc_loglin_enum_summary sum;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_enumerate(one, VC_LOGLIN_AIC, 2, top, &sum,
                                        &err), VC_EINVAL);
    vc_table_free(one);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_enumerate(korea, (vc_loglin_criterion)7, 2,
                                        top, &sum, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown criterion 7"));
    const uint32_t pat2[] = {1, 2};
    const uint64_t cnt2[] = {40, 30};
    vc_table *apart = vc_table_from_counts(2, ab, 2, pat2, cnt2, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(apart);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_enumerate(apart, VC_LOGLIN_BIC, 2, top, &sum,
                                        &err), VC_ENOMLE);
    vc_table_free(apart);

    /* no options: the defaults, 1,000 replicates around the stepwise
     * estimate of Korea, 268.7778 (test_cli.c) */
    vc_loglin_boot_result b0;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(korea, NULL, &b0, NULL, &err),
                    VC_OK);
    CU_ASSERT_EQUAL(b0.B, 1000);
    VC_ASSERT_REL(b0.N, 268.7778, 1e-6);
    CU_ASSERT(b0.bca_lower < b0.N && b0.N < b0.bca_upper);
    /* bootstrap: more replicates than the streams allow, one list */
    vc_loglin_boot_opts bo;
    vc_loglin_boot_opts_default(&bo);
    vc_loglin_boot_result br;
    bo.B = (size_t)UINT32_MAX + 1;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(korea, &bo, &br, NULL, &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "too many replicates"));
    /* more lists than a log-linear model takes */
    const char *wide_names[21];
    char wide_buf[21][4];
    for (int j = 0; j < 21; j++) {
        snprintf(wide_buf[j], sizeof wide_buf[j], "L%d", j);
        wide_names[j] = wide_buf[j];
    }
    const uint32_t wpat[] = {1, 3};
    const uint64_t wcnt[] = {4, 2};
    vc_table *wide = vc_table_from_counts(21, wide_names, 2, wpat, wcnt,
                                          &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(wide);
    vc_loglin_boot_opts_default(&bo);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_bootstrap(wide, &bo, &br, NULL, &err),
                    VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "log-linear models take 1 to 20 lists, "
                                    "not 21");
    int code = -1;
    vc_loglin_model m21;
    memset(&m21, 0, sizeof m21);
    m21.J = 21;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_exist(wide, &m21, &code, &err), VC_EINVAL);
    vc_table_free(wide);

    /* Profile interval reaching n: Chapman's data with 99 of 100 on both
     * lists leave n0-hat = 1 x 1 / 99, and N = n is inside the interval,
     * so the lower end is n = 101 exactly. */
    const uint32_t pat3[] = {1, 2, 3};
    const uint64_t cnt3[] = {1, 1, 99};
    vc_table *close = vc_table_from_counts(2, ab, 3, pat3, cnt3, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(close);
    vc_loglin_workspace *w2 = vc_loglin_workspace_alloc(2, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w2);
    CU_ASSERT_EQUAL_FATAL(vc_loglin_model_independence(2, &m, &err), VC_OK);
    double lo = 0.0, hi = 0.0;
    unsigned flags = 0;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_profile_ci(close, &m, 0.95, 0.0, &lo, &hi,
                                         &flags, w2, &err), VC_OK);
    CU_ASSERT_EQUAL(lo, 101.0);
    CU_ASSERT(hi > 101.0 + 1.0 / 99.0);
    vc_loglin_workspace_free(w2);
    vc_table_free(close);
    vc_loglin_workspace_free(w3);
    vc_loglin_workspace_free(w4);
    vc_table_free(korea);
}

/* ---------------------------------------------------------------------
 * Model strings: what fuzz/fuzz_model.c found
 * ------------------------------------------------------------------- */

/* A model string and its lists as fuzz_model reads them from a file of
 * tests/fixtures/fuzz/model: a first line of comma-separated names (each
 * cut at its first NUL byte, as a C string) or "#J", then the model. */
typedef struct {
    char *names[32];
    size_t J;
    int named;
    char *spec;
} model_fixture;

static int load_model_fixture(const char *name, model_fixture *mf)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/fuzz/model/%s", name);
    memset(mf, 0, sizeof *mf);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "\n  cannot open %s", path);
        return -1;
    }
    char buf[4096];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    char *nl = memchr(buf, '\n', len);
    if (nl == NULL) {
        return -1;
    }
    size_t hlen = (size_t)(nl - buf);
    mf->named = !(hlen > 0 && buf[0] == '#');
    if (mf->named) {
        size_t start = 0;
        for (size_t i = 0; i <= hlen && mf->J < 32; i++) {
            if (i == hlen || buf[i] == ',') {
                mf->names[mf->J++] = strndup(buf + start, i - start);
                start = i + 1;
            }
        }
    } else {
        mf->J = strtoul(buf + 1, NULL, 10);
    }
    mf->spec = strndup(nl + 1, len - hlen - 1);
    return 0;
}

static void free_model_fixture(model_fixture *mf)
{
    for (size_t j = 0; j < mf->J && mf->named; j++) {
        free(mf->names[j]);
    }
    free(mf->spec);
}

/* Every message is one line, whatever the model string holds. */
static void test_model_fuzz_message(void)
{
    model_fixture mf;
    CU_ASSERT_EQUAL_FATAL(load_model_fixture("control-byte-in-message", &mf),
                          0);
    vc_loglin_model m;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_parse(mf.spec, mf.J,
                                          (const char *const *)mf.names, &m,
                                          &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
    CU_ASSERT_PTR_NULL(strchr(err.msg, '\x0f'));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no list is named"));
    free_model_fixture(&mf);
}

/* Format, parse back, compare: the round trip vc_loglin.h promises. */
static void assert_round_trip(const char *spec, size_t J,
                              const char *const *names, const char *want)
{
    vc_loglin_model m, back;
    vc_error err;
    char buf[512];
    vc_error_clear(&err);
    int status = vc_loglin_model_parse(spec, J, names, &m, &err);
    if (status != VC_OK) {
        fprintf(stderr, "\n  \"%s\": %s", spec, err.msg);
    }
    CU_ASSERT_EQUAL_FATAL(status, VC_OK);
    CU_ASSERT_EQUAL(vc_loglin_model_format(&m, names, buf, sizeof buf, &err),
                    VC_OK);
    if (want != NULL) {
        CU_ASSERT_STRING_EQUAL(buf, want);
    }
    status = vc_loglin_model_parse(buf, J, names, &back, &err);
    if (status != VC_OK) {
        fprintf(stderr, "\n  printed as \"%s\": %s", buf, err.msg);
    }
    CU_ASSERT_EQUAL(status, VC_OK);
    CU_ASSERT_EQUAL(memcmp(&m, &back, sizeof m), 0);
}

/* Names that cannot be written bare, such as the "IOM+NGO" of a merge,
 * are printed in double quotes and read back so (fuzz_model found a
 * model printed as "A*B + " that no parse accepts). */
static void test_model_quoted_names(void)
{
    model_fixture mf;
    CU_ASSERT_EQUAL_FATAL(load_model_fixture("empty-name-round-trip", &mf),
                          0);
    CU_ASSERT_EQUAL(mf.J, 3);
    CU_ASSERT_STRING_EQUAL(mf.names[2], "");
    assert_round_trip(mf.spec, mf.J, (const char *const *)mf.names,
                      "A*B + \"\"");
    free_model_fixture(&mf);

    const char *merged[] = {"IOM+NGO", "Police", "Red Cross"};
    assert_round_trip("\"IOM+NGO\" * Police + \"Red Cross\"", 3, merged,
                      "\"IOM+NGO\"*Police + Red Cross");
    assert_round_trip("[13,2]", 3, merged, "\"IOM+NGO\"*Red Cross + Police");
    const char *odd[] = {"M0", "h=1", "a\"b", " pad", "[x", "all-two-way",
                         "Independence", "c:d", "e*f"};
    assert_round_trip("[12,34,56,789]", 9, odd,
                      "\"M0\"*\"h=1\" + \"a\"\"b\"*\" pad\" + "
                      "\"[x\"*\"all-two-way\" + "
                      "\"Independence\"*\"c:d\"*\"e*f\"");
    assert_round_trip("\"h=1\" + \"M0\" + h=Chao", 9, odd, NULL);

    /* A theta printed with an exponent ("1e+20") parses back: its '+' is
     * no summand (fuzz_model, tests/fixtures/fuzz/model/theta-exponent),
     * and a name with a parenthesis is quoted so as not to hide one. */
    model_fixture tf;
    CU_ASSERT_EQUAL_FATAL(load_model_fixture("theta-exponent", &tf), 0);
    assert_round_trip(tf.spec, tf.J, NULL,
                      "M0 + h=Gamma(6.6666666666666668e+124)");
    free_model_fixture(&tf);
    const char *paren[] = {"A(", "B)", "C"};
    assert_round_trip("A( * B) + C + h=Poisson(1e+20)", 3, paren,
                      "\"A(\"*\"B)\" + C + h=Poisson(1e+20)");

    /* Malformed quoting is refused with the place named. */
    vc_loglin_model m;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("\"IOM+NGO*Police", 3, merged, &m,
                                          &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no closing quote"));
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("\"IOM+NGO\"Police", 3, merged, &m,
                                          &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "after a quoted name"));
    /* Unquoted, the '+' of a merged name still separates summands. */
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_loglin_model_parse("IOM+NGO*Police", 3, merged, &m,
                                          &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no list is named \"IOM\""));
}

int vc_register_loglin_suite(void)
{
    CU_pSuite s = CU_add_suite("loglin", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "model strings", test_model_strings) == NULL
        || CU_add_test(s, "model strings: one-line messages",
                       test_model_fuzz_message) == NULL
        || CU_add_test(s, "model strings: quoted names",
                       test_model_quoted_names) == NULL
        || CU_add_test(s, "glm reference fits", test_glm_reference) == NULL
        || CU_add_test(s, "existence: Artificial_3",
                       test_existence_artificial) == NULL
        || CU_add_test(s, "fit errors", test_fit_errors) == NULL
        || CU_add_test(s, "wide table: rbvole against glm",
                       test_wide_table_glm) == NULL
        || CU_add_test(s, "stepwise: SparseMSE", test_stepwise_sparsemse)
               == NULL
        || CU_add_test(s, "factored fits: same models on every table",
                       test_factored_same_models) == NULL
        || CU_add_test(s, "enumeration: Rcapture BIC",
                       test_enumerate_rcapture) == NULL
        || CU_add_test(s, "enumeration: thread count",
                       test_enumerate_threads) == NULL
        || CU_add_test(s, "profile interval", test_profile_ci) == NULL
        || CU_add_test(s, "bootstrap: SparseMSE BCa",
                       test_bootstrap_sparsemse) == NULL
        || CU_add_test(s, "bootstrap: thread count", test_bootstrap_threads)
               == NULL
        || CU_add_test(s, "bootstrap: unsteady BCa flagged",
                       test_bootstrap_flags) == NULL
        || CU_add_test(s, "bootstrap: progress", test_bootstrap_progress)
               == NULL
        || CU_add_test(s, "properties", test_properties) == NULL
        || CU_add_test(s, "heterogeneity: Rcapture closedp.t",
                       test_heterogeneity_rcapture) == NULL
        || CU_add_test(s, "heterogeneity: properties",
                       test_heterogeneity_properties) == NULL
        || CU_add_test(s, "M0 and Mh: Rcapture closedp.t", test_m0_rcapture)
               == NULL
        || CU_add_test(s, "M0 and Mh: properties", test_m0_properties)
               == NULL
        || CU_add_test(s, "M0 and Mh: profile interval", test_m0_profile)
               == NULL
        || CU_add_test(s, "refusals", test_api_refusals) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
