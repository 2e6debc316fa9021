/*
 * test_covloglin.c: log-linear models with covariates
 * (estimators/vc_covloglin.h): formulas, fits against R's glm, existence,
 * search and bootstrap.
 *
 * The reference figures come from tests/fixtures/covloglin/reference.R
 * (R 4.2.2, stats::glm with family = poisson, the unobserved cells
 * predicted with predict(type = "response")); the counts are the tables
 * it simulated, in cell order (covariate 0 slowest, then the capture
 * pattern as a bitmask with list A as bit 0).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <omp.h>

#include "estimators/vc_covloglin.h"
#include "tests/test_util.h"

static const double counts1[48] = {
    0, 14, 4, 2, 9, 3, 3, 2, 0, 6, 16, 6, 9, 4, 3, 2,
    0, 14, 14, 18, 19, 6, 5, 1, 0, 29, 27, 23, 14, 14, 8, 8,
    0, 37, 23, 30, 23, 18, 8, 10, 0, 55, 22, 40, 32, 17, 13, 12,
};

static const double counts2[384] = {
    0, 14, 10, 2, 9, 5, 5, 1, 11, 3, 9, 1, 3, 3, 1, 3,
    0, 10, 6, 10, 12, 1, 4, 3, 14, 4, 2, 3, 2, 1, 2, 1,
    0, 10, 11, 8, 22, 7, 6, 6, 16, 4, 14, 3, 4, 1, 0, 3,
    0, 20, 19, 16, 16, 9, 9, 6, 21, 9, 6, 4, 7, 2, 3, 0,
    0, 13, 12, 6, 13, 5, 3, 2, 18, 6, 3, 2, 6, 2, 2, 1,
    0, 13, 11, 8, 17, 7, 6, 7, 18, 6, 8, 4, 8, 3, 2, 0,
    0, 23, 18, 15, 24, 8, 8, 7, 18, 7, 8, 5, 10, 1, 3, 0,
    0, 26, 27, 27, 31, 6, 5, 12, 18, 3, 7, 3, 9, 2, 2, 3,
    0, 13, 12, 6, 12, 9, 5, 10, 11, 3, 9, 4, 4, 1, 3, 2,
    0, 19, 20, 15, 14, 8, 6, 8, 17, 5, 6, 4, 9, 3, 5, 1,
    0, 29, 28, 21, 29, 7, 15, 5, 38, 13, 12, 7, 14, 8, 2, 2,
    0, 41, 35, 39, 41, 9, 15, 12, 37, 21, 12, 9, 11, 5, 3, 5,
    0, 32, 19, 22, 15, 8, 10, 2, 23, 14, 8, 5, 7, 5, 5, 0,
    0, 37, 22, 43, 21, 18, 11, 11, 31, 12, 11, 12, 11, 11, 4, 7,
    0, 51, 29, 34, 37, 17, 20, 23, 25, 26, 15, 17, 12, 7, 6, 5,
    0, 68, 39, 40, 46, 24, 14, 16, 40, 21, 28, 23, 17, 10, 9, 5,
    0, 34, 28, 31, 27, 11, 7, 12, 26, 9, 6, 9, 5, 5, 3, 5,
    0, 38, 25, 40, 27, 25, 12, 9, 23, 20, 10, 16, 11, 8, 3, 9,
    0, 65, 40, 55, 43, 22, 19, 14, 37, 29, 10, 23, 27, 13, 8, 5,
    0, 77, 60, 57, 64, 32, 23, 21, 67, 38, 27, 27, 19, 15, 10, 16,
    0, 58, 26, 31, 29, 24, 14, 18, 32, 16, 12, 20, 12, 5, 4, 6,
    0, 61, 42, 43, 41, 35, 15, 24, 44, 31, 18, 20, 18, 12, 7, 5,
    0, 90, 58, 66, 52, 27, 24, 29, 56, 32, 14, 27, 20, 13, 13, 12,
    0, 115, 54, 71, 56, 65, 27, 44, 87, 47, 25, 41, 28, 20, 12, 11,
};

static const char *const lists3[] = {"A", "B", "C"};
static const char *const lists4[] = {"A", "B", "C", "D"};
static const char *const sex1[] = {"female", "male"};
static const char *const age1[] = {"adult", "child", "elder"};
static const char *const sex2[] = {"f", "m"};
static const char *const age2[] = {"a", "b", "c"};
static const char *const form2[] = {"p", "q", "r", "s"};

static vc_covtable *table1(void)
{
    const char *const cov[] = {"sex", "age"};
    const size_t nl[] = {2, 3};
    const char *const *lev[] = {sex1, age1};
    vc_error err;
    vc_covtable *ct =
        vc_covtable_from_counts(3, lists3, 2, cov, nl, lev, counts1, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    return ct;
}

static vc_covtable *table2(void)
{
    const char *const cov[] = {"sex", "age", "form"};
    const size_t nl[] = {2, 3, 4};
    const char *const *lev[] = {sex2, age2, form2};
    vc_error err;
    vc_covtable *ct =
        vc_covtable_from_counts(4, lists4, 3, cov, nl, lev, counts2, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    return ct;
}

/* N of every level of every covariate, in level order, covariate after
 * covariate, from the fit in w. */
static void by_levels(const vc_covtable *ct, const vc_covloglin_workspace *w,
                      double *N)
{
    unsigned char in[VC_COV_MAX_CELLS >> 2];
    size_t k = 0;
    for (size_t v = 0; v < ct->V; v++) {
        for (size_t l = 0; l < ct->nlevels[v]; l++) {
            for (size_t c = 0; c < ct->ncomb; c++) {
                in[c] = vc_covtable_level(ct, c, v) == l;
            }
            vc_cov_group g;
            CU_ASSERT_EQUAL(vc_covloglin_group(w, in, 0.95, &g, NULL), VC_OK);
            N[k++] = g.N;
        }
    }
}

typedef struct {
    const char *model;
    size_t k;
    double deviance, aic, total;
    double by[9];
} glm_case;

static void check_case(const vc_covtable *ct, const glm_case *gc)
{
    vc_error err;
    vc_covloglin_model m;
    int st = vc_covloglin_model_parse(gc->model, ct, &m, &err);
    CU_ASSERT_EQUAL_FATAL(st, VC_OK);
    vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    vc_covloglin_result r;
    st = vc_covloglin_fit(ct, NULL, &m, &r, NULL, w, &err);
    CU_ASSERT_EQUAL_FATAL(st, VC_OK);
    CU_ASSERT_EQUAL(r.k, gc->k);
    VC_ASSERT_REL(r.deviance, gc->deviance, 1e-6);
    VC_ASSERT_REL(r.aic, gc->aic, 1e-6);
    VC_ASSERT_REL(r.N, gc->total, 1e-6);
    double N[16];
    by_levels(ct, w, N);
    size_t nby = 0;
    for (size_t v = 0; v < ct->V; v++) {
        nby += ct->nlevels[v];
    }
    for (size_t i = 0; i < nby; i++) {
        VC_ASSERT_REL(N[i], gc->by[i], 1e-6);
    }
    vc_covloglin_workspace_free(w);
}

static void test_glm_table1(void)
{
    /* reference.R, "t1 m1", "t1 m2", "t1 m3" (R's "(A+B+C+sex+age)^2 -
     * A:B:C" is our "(A+B+C+sex+age)^2", which never holds every list) */
    static const glm_case cases[] = {
        {"A + B + C + sex + age", 7, 58.830550875164974, 249.0896933322008,
         830.94357598130853,
         {213.40444969022371, 617.53912629108481, 213.40444969022371,
          260.08667305996016, 357.45245323112471}},
        {"A*B + (A+B+C)*sex + age", 11, 34.148323922603623,
         232.4074663796394, 921.96130255173887,
         {270.09174641371089, 651.86955613802797, 236.77978877733261,
          288.57536757237409, 396.60614620203216}},
        {"~ (A+B+C+sex+age)^2", 21, 28.875538135246302, 247.13468059228211,
         829.95556005509252,
         {237.05376643361171, 592.90179362148069, 215.55931729780494,
          257.82919443963317, 356.56704831765433}},
    };
    vc_covtable *ct = table1();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_case(ct, &cases[i]);
    }
    vc_covtable_free(ct);
}

static void test_glm_table2(void)
{
    /* reference.R, "t2 m1": 4 lists, covariates of 2, 3 and 4 levels,
     * every two-way term (52 parameters) */
    static const glm_case c = {
        "all-two-way", 52, 319.05359108687071, 1950.5576244645472,
        7989.3542928152383,
        {2324.2077296876714, 5665.146563127566, 2008.1117498619597,
         2558.9119865771554, 3422.3305563761223, 1265.6511402434742,
         1594.9463903616031, 2241.5078547430894, 2887.2489074670711}};
    vc_covtable *ct = table2();
    check_case(ct, &c);
    /* the same model written with R's operators */
    glm_case c2 = c;
    c2.model = "(A+B+C+D+sex+age+form)^2";
    check_case(ct, &c2);
    vc_covtable_free(ct);
}

static void test_formulas(void)
{
    vc_covtable *ct = table1();
    vc_covloglin_model m, m2;
    vc_error err;
    char buf[512];
    /* A*B*sex is every subset of {A, B, sex} */
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A*B*sex", ct, &m, &err), VC_OK);
    CU_ASSERT_EQUAL(m.nterms, 5 + 4);
    CU_ASSERT(vc_covloglin_model_has(&m, 1u | 2u | 8u));
    /* ":" binds tighter than "*": A*B:sex = A + B:sex + A:B:sex */
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A*B:sex", ct, &m2, &err),
                    VC_OK);
    CU_ASSERT_EQUAL(m.nterms, m2.nterms);
    /* (A+B)^2 adds only A:B */
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("(A+B)^2", ct, &m, &err), VC_OK);
    CU_ASSERT_EQUAL(m.nterms, 6);
    CU_ASSERT(vc_covloglin_model_has(&m, 3u));
    /* printing parses back */
    CU_ASSERT_EQUAL(
        vc_covloglin_model_parse("A*sex + B:C + age*sex", ct, &m, &err),
        VC_OK);
    CU_ASSERT_EQUAL(vc_covloglin_model_format(&m, ct, buf, sizeof buf, &err),
                    VC_OK);
    CU_ASSERT_STRING_EQUAL(buf, "B*C + A*sex + sex*age");
    CU_ASSERT_EQUAL(vc_covloglin_model_parse(buf, ct, &m2, &err), VC_OK);
    CU_ASSERT_EQUAL(memcmp(&m, &m2, sizeof m), 0);
    /* errors name the position (the first error of a vc_error wins, so
     * each parse starts from a clear one) */
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A*+B", ct, &m, &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "at character 3"));
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A + region", ct, &m, &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "at character 5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "covariate (sex, age)"));
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("(A+B", ct, &m, &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "\")\""));
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("(A+B)^0", ct, &m, &err),
                    VC_EINVAL);
    /* a term with every list leaves the unseen cells unidentified */
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("(A+B+C)^3", ct, &m, &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "A:B:C holds every list"));
    vc_covtable_free(ct);
}

/* Random formulas over the names and operators: every one is parsed or
 * refused with a one-line VC_EINVAL message, and a parsed model prints to
 * a string that parses back to it. */
static void test_formula_property(void)
{
    /* names and operators alternate, with noise from any atom */
    static const char *const names[] = {"A", "B", "C", "sex", "age",
                                        "\"sex\"", "`age`", "(A+B)",
                                        "(sex+C)^2", "(A*age)", "x"};
    static const char *const ops[] = {"+", "*", ":", " + ", "^2", "(",
                                      ")", "~", "^", "1", "-", "^3"};
    vc_covtable *ct = table1();
    uint64_t state = 18;
    size_t parsed = 0;
    for (int i = 0; i < 20000; i++) {
        char spec[160];
        size_t len = 0;
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        int n = 1 + (int)((state >> 33) % 9);
        for (int k = 0; k < n; k++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            uint64_t u = state >> 33;
            int noise = u % 10 == 0;
            const char *a = (k % 2 == 0) != noise
                                ? names[(u / 10) % (sizeof names
                                                    / sizeof names[0])]
                                : ops[(u / 10) % (sizeof ops / sizeof ops[0])];
            size_t al = strlen(a);
            if (len + al + 1 < sizeof spec) {
                memcpy(spec + len, a, al);
                len += al;
            }
        }
        spec[len] = '\0';
        vc_covloglin_model m, m2;
        vc_error err;
        vc_error_clear(&err);
        int st = vc_covloglin_model_parse(spec, ct, &m, &err);
        if (st != VC_OK) {
            CU_ASSERT_EQUAL(st, VC_EINVAL);
            CU_ASSERT_PTR_NULL(strchr(err.msg, '\n'));
            CU_ASSERT(err.msg[0] != '\0');
            continue;
        }
        parsed++;
        char buf[1024];
        CU_ASSERT_EQUAL(vc_covloglin_model_format(&m, ct, buf, sizeof buf,
                                                  &err), VC_OK);
        CU_ASSERT_EQUAL(vc_covloglin_model_parse(buf, ct, &m2, &err), VC_OK);
        CU_ASSERT_EQUAL(memcmp(&m, &m2, sizeof m), 0);
        for (size_t t = 0; t < m.nterms; t++) {
            for (uint32_t s = (m.term[t] - 1) & m.term[t]; s != 0;
                 s = (s - 1) & m.term[t]) {
                CU_ASSERT(vc_covloglin_model_has(&m, s));
            }
        }
    }
    CU_ASSERT(parsed > 2000);
    vc_covtable_free(ct);
}

static void test_existence(void)
{
    /* list A never sees a male: the term A:sex has a zero margin, so the
     * MLE of any model holding it does not exist; independence fits */
    double y[48];
    memcpy(y, counts1, sizeof y);
    for (size_t c = 3; c < 6; c++) {
        for (size_t x = 1; x < 8; x++) {
            if (x & 1u) {
                y[c * 8 + x] = 0;
            }
        }
    }
    const char *const cov[] = {"sex", "age"};
    const size_t nl[] = {2, 3};
    const char *const *lev[] = {sex1, age1};
    vc_error err;
    vc_covtable *ct =
        vc_covtable_from_counts(3, lists3, 2, cov, nl, lev, y, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, &err);
    vc_covloglin_model m;
    vc_covloglin_result r;
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A*sex", ct, &m, &err), VC_OK);
    CU_ASSERT_EQUAL(vc_covloglin_fit(ct, NULL, &m, &r, NULL, w, &err),
                    VC_ENOMLE);
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A*B + sex", ct, &m, &err),
                    VC_OK);
    CU_ASSERT_EQUAL(vc_covloglin_fit(ct, NULL, &m, &r, NULL, w, &err), VC_OK);
    CU_ASSERT(r.N > (double)ct->n);
    vc_covloglin_workspace_free(w);
    vc_covtable_free(ct);
}

/* A file with covariate columns: read as slices, built into one table;
 * a missing covariate value is kept apart for the EM. */
static void test_read(void)
{
    static const char csv[] = "IOM,NGO,Police,sex,age,count\n"
                              "1,0,0,female,adult,10\n"
                              "0,1,0,female,adult,7\n"
                              "1,1,0,male,minor,3\n"
                              "0,0,1,male,adult,5\n"
                              "1,0,1,female,minor,2\n";
    const char *const cov[] = {"sex", "age"};
    vc_read_opts o;
    memset(&o, 0, sizeof o);
    o.covariates = cov;
    o.ncovariates = 2;
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_parse(csv, sizeof csv - 1, "t.csv", &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->ncovariates, 2);
    CU_ASSERT_EQUAL(d->J, 3);
    CU_ASSERT_EQUAL(d->ntables, 4);
    CU_ASSERT_EQUAL(d->nnotes, 0);
    vc_covtable *ct = vc_covtable_from_tables(
        d->ntables, (const vc_table *const *)d->tables, 0, 2, cov, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    CU_ASSERT_EQUAL(ct->J, 3);
    CU_ASSERT_EQUAL(ct->ncomb, 4);
    CU_ASSERT_STRING_EQUAL(ct->levels[1][0], "adult");
    CU_ASSERT_STRING_EQUAL(ct->levels[1][1], "minor");
    CU_ASSERT_EQUAL(ct->n, 27);
    /* male, minor (combination 3): IOM and NGO (pattern 3) */
    CU_ASSERT_EQUAL(ct->y[3 * 8 + 3], 3.0);
    /* female, minor (1): IOM and Police (5) */
    CU_ASSERT_EQUAL(ct->y[1 * 8 + 5], 2.0);
    vc_covtable_free(ct);
    vc_dataset_free(d);

    static const char bad[] = "IOM,NGO,sex,count\n"
                              "1,0,female,10\n"
                              "0,1,NA,7\n";
    vc_error_clear(&err);
    d = vc_dataset_parse(bad, sizeof bad - 1, "t.csv", &o, &err);
    CU_ASSERT_PTR_NULL(d);
    /* a missing value (NA or empty) is kept apart, never a level */
    o.ncovariates = 1;
    vc_error_clear(&err);
    d = vc_dataset_parse(bad, sizeof bad - 1, "t.csv", &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    ct = vc_covtable_from_tables(d->ntables,
                                 (const vc_table *const *)d->tables, 0, 1,
                                 cov, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    CU_ASSERT_EQUAL(ct->nlevels[0], 1);
    CU_ASSERT_EQUAL(ct->nmissing, 7);
    CU_ASSERT_EQUAL(ct->n, 17);
    CU_ASSERT_EQUAL(ct->ntypes, 1);
    CU_ASSERT_EQUAL(ct->ymiss[0][2], 7.0);
    vc_covtable_free(ct);
    vc_dataset_free(d);
    static const char empty[] = "IOM,NGO,sex\n1,0,female\n0,1,\n0,1,male\n";
    vc_error_clear(&err);
    d = vc_dataset_parse(empty, sizeof empty - 1, "r.csv", &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    ct = vc_covtable_from_tables(d->ntables,
                                 (const vc_table *const *)d->tables, 0, 1,
                                 cov, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    CU_ASSERT_EQUAL(ct->nlevels[0], 2);
    CU_ASSERT_EQUAL(ct->nmissing, 1);
    vc_covtable_free(ct);
    vc_dataset_free(d);
}

/* reference.R's exhaustive search over table 1's 10 two-way terms: the
 * best model by AIC and by BIC is A:B + A:sex (AIC 229.37950518092077,
 * BIC 269.29042385000787). */
static void test_search(void)
{
    vc_covtable *ct = table1();
    vc_error err;
    vc_error_clear(&err);
    vc_covloglin_result r;
    vc_cov_search_summary sum;
    vc_covloglin_model want;
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A*B + A*sex + age", ct, &want,
                                             &err), VC_OK);
    CU_ASSERT_EQUAL_FATAL(
        vc_covloglin_search(ct, VC_COV_AIC, 1, &r, &sum, &err), VC_OK);
    CU_ASSERT_EQUAL(sum.ncandidates, 10);
    CU_ASSERT(sum.exhaustive);
    CU_ASSERT_EQUAL(sum.nfitted, 1024);
    CU_ASSERT_EQUAL(memcmp(&r.model, &want, sizeof want), 0);
    VC_ASSERT_REL(r.aic, 229.37950518092077, 1e-9);
    CU_ASSERT_EQUAL_FATAL(
        vc_covloglin_search(ct, VC_COV_BIC, 1, &r, &sum, &err), VC_OK);
    CU_ASSERT_EQUAL(memcmp(&r.model, &want, sizeof want), 0);
    VC_ASSERT_REL(r.bic, 269.29042385000787, 1e-9);
    /* stepwise finds it too here, and with any thread count */
    for (int threads = 1; threads <= 3; threads += 2) {
        omp_set_num_threads(threads);
        CU_ASSERT_EQUAL_FATAL(
            vc_covloglin_search(ct, VC_COV_AIC, 0, &r, &sum, &err), VC_OK);
        CU_ASSERT(!sum.exhaustive);
        CU_ASSERT(sum.nfitted < 1024);
        CU_ASSERT_EQUAL(memcmp(&r.model, &want, sizeof want), 0);
    }
    omp_set_num_threads(omp_get_num_procs());
    /* AICc is AIC plus its correction */
    CU_ASSERT_EQUAL_FATAL(
        vc_covloglin_search(ct, VC_COV_AICC, 1, &r, &sum, &err), VC_OK);
    double k = (double)r.k, n = (double)ct->n;
    VC_ASSERT_REL(r.aicc, r.aic + 2 * k * (k + 1) / (n - k - 1), 1e-12);
    vc_covtable_free(ct);
}

/* The bootstrap: the same bytes for any thread count, intervals around
 * the estimate, and each replicate a different table. */
static void test_bootstrap(void)
{
    vc_covtable *ct = table1();
    vc_error err;
    vc_error_clear(&err);
    vc_covloglin_model m;
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A*B + A*sex + age", ct, &m,
                                             &err), VC_OK);
    /* groups: total, female, male */
    unsigned char groups[3 * 6];
    for (size_t c = 0; c < 6; c++) {
        groups[c] = 1;
        groups[6 + c] = vc_covtable_level(ct, c, 0) == 0;
        groups[12 + c] = vc_covtable_level(ct, c, 0) == 1;
    }
    enum { B = 200 };
    double lo1[3], hi1[3], lo2[3], hi2[3];
    double *reps1 = malloc(B * 3 * sizeof *reps1);
    double *reps2 = malloc(B * 3 * sizeof *reps2);
    size_t nf1, nf2;
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL_FATAL(vc_covloglin_bootstrap(ct, &m, 3, groups, B, 7, 0,
                                                 0.95, lo1, hi1, reps1, &nf1,
                                                 &err), VC_OK);
    omp_set_num_threads(3);
    CU_ASSERT_EQUAL_FATAL(vc_covloglin_bootstrap(ct, &m, 3, groups, B, 7, 0,
                                                 0.95, lo2, hi2, reps2, &nf2,
                                                 &err), VC_OK);
    omp_set_num_threads(omp_get_num_procs());
    CU_ASSERT_EQUAL(memcmp(reps1, reps2, B * 3 * sizeof *reps1), 0);
    CU_ASSERT_EQUAL(memcmp(lo1, lo2, sizeof lo1), 0);
    CU_ASSERT_EQUAL(nf1, 0);
    vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, &err);
    vc_covloglin_result r;
    CU_ASSERT_EQUAL(vc_covloglin_fit(ct, NULL, &m, &r, NULL, w, &err), VC_OK);
    for (size_t g = 0; g < 3; g++) {
        vc_cov_group est;
        CU_ASSERT_EQUAL(vc_covloglin_group(w, groups + 6 * g, 0.95, &est,
                                           &err), VC_OK);
        CU_ASSERT(lo1[g] < est.N && est.N < hi1[g]);
        /* the percentile interval and the Wald one roughly agree */
        CU_ASSERT(fabs(log(hi1[g] / lo1[g]) / log(est.upper / est.lower) - 1)
                  < 0.5);
    }
    /* female + male = total in every replicate */
    for (size_t b = 0; b < B; b++) {
        VC_ASSERT_REL(reps1[3 * b + 1] + reps1[3 * b + 2], reps1[3 * b],
                      1e-9);
    }
    CU_ASSERT(reps1[0] != reps1[3]);
    /* another seed, other replicates */
    CU_ASSERT_EQUAL(vc_covloglin_bootstrap(ct, &m, 3, groups, B, 8, 0, 0.95,
                                           lo2, hi2, reps2, &nf2, &err),
                    VC_OK);
    CU_ASSERT(memcmp(reps1, reps2, B * 3 * sizeof *reps1) != 0);
    free(reps1);
    free(reps2);
    vc_covloglin_workspace_free(w);
    vc_covtable_free(ct);
}

/* EM over missing covariate values: reference.R's "EM" runs, a fifth of
 * every cell of table 1 (floor(0.2 y)) with its age missing, fitted by
 * EM with glm as the M-step; and the estimates by level stay close to
 * those of the complete table ("t1 m2", "t1 m4"). */
static void test_em(void)
{
    static const struct {
        const char *model;
        double em[6];       /* total, female, male, adult, child, elder */
        double complete[6];
    } cases[] = {
        {"A*B + (A+B+C)*sex + age",
         {921.96130255173853, 270.09174641371067, 651.86955613802797,
          243.36936117468301, 287.77982854220375, 390.8121128348518},
         {921.96130255173887, 270.09174641371089, 651.86955613802797,
          236.77978877733261, 288.57536757237409, 396.60614620203216}},
        {"A*B + (A+B+C)*sex + A*age",
         {921.96130255173898, 270.09174641371084, 651.86955613802809,
          243.42294132932852, 291.70993288606098, 386.82842833634948},
         {921.96130255173898, 270.09174641371095, 651.86955613802797,
          237.1130343883454, 292.28105876683571, 392.56720939655787}},
    };
    double y[48];
    for (size_t i = 0; i < 48; i++) {
        y[i] = counts1[i] - floor(0.2 * counts1[i]);
    }
    const char *const cov[] = {"sex", "age"};
    const size_t nl[] = {2, 3};
    const char *const *lev[] = {sex1, age1};
    vc_error err;
    vc_error_clear(&err);
    vc_covtable *ct =
        vc_covtable_from_counts(3, lists3, 2, cov, nl, lev, y, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    for (size_t c = 0; c < 6; c++) {
        for (uint32_t x = 1; x < 8; x++) {
            double m = floor(0.2 * counts1[c * 8 + x]);
            if (m > 0) {
                CU_ASSERT_EQUAL(vc_covtable_add_missing(ct, 2u, c, x, m,
                                                        &err), VC_OK);
            }
        }
    }
    CU_ASSERT_EQUAL(ct->ntypes, 1);
    CU_ASSERT_EQUAL(ct->type_ncomb[0], 2);
    CU_ASSERT(ct->nmissing > 100);
    vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, &err);
    for (size_t k = 0; k < 2; k++) {
        vc_covloglin_model m;
        vc_covloglin_result r;
        CU_ASSERT_EQUAL(vc_covloglin_model_parse(cases[k].model, ct, &m,
                                                 &err), VC_OK);
        CU_ASSERT_EQUAL_FATAL(vc_covloglin_fit(ct, NULL, &m, &r, NULL, w,
                                               &err), VC_OK);
        CU_ASSERT(r.em_iterations > 2);
        VC_ASSERT_REL(r.N, cases[k].em[0], 1e-6);
        double N[5];
        by_levels(ct, w, N);
        for (size_t i = 0; i < 5; i++) {
            VC_ASSERT_REL(N[i], cases[k].em[i + 1], 1e-6);
            /* within 3% of what the complete table gives */
            VC_ASSERT_REL(N[i], cases[k].complete[i + 1], 0.03);
        }
    }
    /* the bootstrap repeats the EM: intervals around the estimate, the
     * same bytes for any thread count */
    vc_covloglin_model m;
    CU_ASSERT_EQUAL(vc_covloglin_model_parse(cases[1].model, ct, &m, &err),
                    VC_OK);
    unsigned char groups[4 * 6];
    for (size_t c = 0; c < 6; c++) {
        groups[c] = 1;
        for (size_t l = 0; l < 3; l++) {
            groups[6 * (l + 1) + c] = vc_covtable_level(ct, c, 1) == l;
        }
    }
    enum { B = 100 };
    double lo[4], hi[4], lo2[4], hi2[4];
    double *reps = malloc(B * 4 * sizeof *reps);
    double *reps2 = malloc(B * 4 * sizeof *reps2);
    size_t nf;
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL_FATAL(vc_covloglin_bootstrap(ct, &m, 4, groups, B, 3, 0,
                                                 0.95, lo, hi, reps, &nf,
                                                 &err), VC_OK);
    omp_set_num_threads(2);
    CU_ASSERT_EQUAL_FATAL(vc_covloglin_bootstrap(ct, &m, 4, groups, B, 3, 0,
                                                 0.95, lo2, hi2, reps2, &nf,
                                                 &err), VC_OK);
    omp_set_num_threads(omp_get_num_procs());
    CU_ASSERT_EQUAL(memcmp(reps, reps2, B * 4 * sizeof *reps), 0);
    CU_ASSERT(lo[0] < cases[1].em[0] && cases[1].em[0] < hi[0]);
    for (size_t l = 0; l < 3; l++) {
        CU_ASSERT(lo[l + 1] < cases[1].em[3 + l]
                  && cases[1].em[3 + l] < hi[l + 1]);
    }
    free(reps);
    free(reps2);
    vc_covloglin_workspace_free(w);
    vc_covtable_free(ct);
}

/* Limits: a model beyond VC_COV_MAX_PARAMS parameters and a table beyond
 * VC_COV_MAX_CELLS cells are refused, not allocated. */
static void test_limits(void)
{
    static char names[2][64][8];
    const char *lev0[64], *lev1[64];
    for (int l = 0; l < 64; l++) {
        snprintf(names[0][l], 8, "a%02d", l);
        snprintf(names[1][l], 8, "b%02d", l);
        lev0[l] = names[0][l];
        lev1[l] = names[1][l];
    }
    const char *const *lev[] = {lev0, lev1};
    const char *const cov[] = {"u", "v"};
    const size_t nl[] = {64, 64};
    size_t ncell = (size_t)64 * 64 * 4;
    double *y = calloc(ncell, sizeof *y);
    for (size_t i = 0; i < ncell; i++) {
        y[i] = (i % 4) ? 3.0 : 0.0;
    }
    vc_error err;
    vc_error_clear(&err);
    vc_covtable *ct = vc_covtable_from_counts(2, lists3, 2, cov, nl, lev, y,
                                              &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
    vc_covloglin_model m;
    CU_ASSERT_EQUAL(vc_covloglin_model_parse("A + B + u*v", ct, &m, &err),
                    VC_OK);
    vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, &err);
    vc_covloglin_result r;
    CU_ASSERT_EQUAL(vc_covloglin_fit(ct, NULL, &m, &r, NULL, w, &err),
                    VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "parameters"));
    vc_covloglin_workspace_free(w);
    vc_covtable_free(ct);
    /* 5 lists x 64 x 64 levels: 131,072 cells */
    const char *const l5[] = {"A", "B", "C", "D", "E"};
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_covtable_from_counts(5, l5, 2, cov, nl, lev, y,
                                               &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    free(y);
}

int vc_register_covloglin_suite(void)
{
    CU_pSuite s = CU_add_suite("covloglin", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "formulas", test_formulas) == NULL
        || CU_add_test(s, "glm: 3 lists, 2 covariates", test_glm_table1)
               == NULL
        || CU_add_test(s, "glm: 4 lists, 3 covariates", test_glm_table2)
               == NULL
        || CU_add_test(s, "formulas: random strings", test_formula_property)
               == NULL
        || CU_add_test(s, "existence", test_existence) == NULL
        || CU_add_test(s, "reading covariates", test_read) == NULL
        || CU_add_test(s, "search: exhaustive and stepwise", test_search)
               == NULL
        || CU_add_test(s, "bootstrap", test_bootstrap) == NULL
        || CU_add_test(s, "EM over missing covariates", test_em) == NULL
        || CU_add_test(s, "limits", test_limits) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
