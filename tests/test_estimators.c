/*
 * test_estimators.c: the classical estimators against published and
 * reference figures, plus property tests.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "estimators/vc_estimators.h"
#include "tests/test_util.h"

/* Closed forms: 1e-12 relative would do, but the references are printed to
 * 10 significant digits. */
#define REF_REL 1e-9

/* The example of the foundation issue: n1 = 1000, n2 = 800, m = 600 gives
 * Chapman (1001 x 801) / 601 - 1 = 1,333.11148... */
static void test_chapman_known(void)
{
    vc_estimate e;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(vc_chapman_from_counts(1000, 800, 600, 0.95,
                                                 VC_INTERVAL_LOGNORMAL, &e,
                                                 &err), VC_OK);
    VC_ASSERT_REL(e.estimate, 1001.0 * 801.0 / 601.0 - 1.0, 1e-14);
    VC_ASSERT_REL(e.estimate, 1333.11148, 1e-8);
    CU_ASSERT_EQUAL(e.observed, 1200);
    CU_ASSERT(e.lower >= 1200.0 && e.lower < e.estimate);
    CU_ASSERT(e.upper > e.estimate);
    CU_ASSERT_STRING_EQUAL(e.method, "chapman");
}

/* Every row of fits/two_list_reference.csv (R 4.2.2; Lincoln-Petersen,
 * Chapman and Seber's Chapman SE on the first two lists of each table). */
static void test_two_list_reference(void)
{
    FILE *f = fopen(vc_test_refpath("fits/two_list_reference.csv"), "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[1024];
    int rows = 0;
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f) != NULL) {
        char ds[64], l1[32], l2[32];
        unsigned long long n1, n2, m;
        double lp, ch, se;
        if (sscanf(line, "%63[^,],%31[^,],%31[^,],%llu,%llu,%llu,%lf,%lf,%lf",
                   ds, l1, l2, &n1, &n2, &m, &lp, &ch, &se) != 9) {
            continue;
        }
        vc_estimate e;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_petersen_from_counts(n1, n2, m, 0.95,
                                                VC_INTERVAL_WALD, &e, &err),
                        VC_OK);
        VC_ASSERT_REL(e.estimate, lp, REF_REL);
        CU_ASSERT_EQUAL(vc_chapman_from_counts(n1, n2, m, 0.95,
                                               VC_INTERVAL_WALD, &e, &err),
                        VC_OK);
        VC_ASSERT_REL(e.estimate, ch, REF_REL);
        VC_ASSERT_REL(e.se, se, REF_REL);
        /* Wald interval: estimate +/- 1.959964 se, lower end >= n. */
        double w = 1.959963984540054 * se;
        VC_ASSERT_REL(e.upper, ch + w, 1e-9);
        VC_ASSERT_REL(e.lower, fmax(ch - w, (double)(n1 + n2 - m)), 1e-9);

        /* The same through a table, where one can be loaded. */
        char name[80];
        snprintf(name, sizeof name, "%s.csv", ds);
        FILE *probe = fopen(vc_test_refpath(name), "r");
        if (probe != NULL) {
            fclose(probe);
            vc_table *t = vc_test_load_ref(name);
            CU_ASSERT_PTR_NOT_NULL_FATAL(t);
            CU_ASSERT_STRING_EQUAL(t->names[0], l1);
            CU_ASSERT_STRING_EQUAL(t->names[1], l2);
            CU_ASSERT_EQUAL(vc_chapman_estimate(t, 0, 1, 0.95,
                                                VC_INTERVAL_WALD, &e, &err),
                            VC_OK);
            VC_ASSERT_REL(e.estimate, ch, REF_REL);
            vc_table_free(t);
        }
        rows++;
    }
    fclose(f);
    CU_ASSERT(rows >= 12);
}

/* fits/glm_reference.csv: R's glm(count ~ ., family = poisson) on the
 * independence model, N-hat = n + exp(intercept), 10 significant digits. */
static void test_independence_glm_reference(void)
{
    FILE *f = fopen(vc_test_refpath("fits/glm_reference.csv"), "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[1024];
    int rows = 0;
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f) != NULL) {
        char ds[64], model[32];
        unsigned J, np, aliased;
        unsigned long long n;
        double icpt, n0, N;
        if (sscanf(line, "%63[^,],%u,%llu,%31[^,],%u,%u,%lf,%lf,%lf", ds, &J,
                   &n, model, &np, &aliased, &icpt, &n0, &N) != 9
            || strcmp(model, "independence") != 0) {
            continue;
        }
        char name[80];
        snprintf(name, sizeof name, "%s.csv", ds);
        vc_table *t = vc_test_load_ref(name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_EQUAL(t->J, J);
        CU_ASSERT_EQUAL(t->n, n);
        vc_estimate e;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_independence_estimate(t, 0.95,
                                                 VC_INTERVAL_LOGNORMAL, &e,
                                                 &err), VC_OK);
        VC_ASSERT_REL(e.estimate, N, 1e-8);
        VC_ASSERT_REL(e.estimate - (double)n, n0, 1e-8);
        CU_ASSERT(e.lower >= (double)n && e.lower < e.estimate
                  && e.upper > e.estimate);
        vc_table_free(t);
        rows++;
    }
    fclose(f);
    CU_ASSERT(rows >= 11);
}

/* With two lists the independence model is Lincoln-Petersen, estimate and
 * standard error alike (see independence.c). */
static void test_independence_two_lists(void)
{
    static const char *const names[] = {"IOM", "NGO"};
    const uint32_t pat[] = {1, 2, 3};
    const uint64_t cnt[] = {412, 239, 57};
    vc_error err;
    vc_error_clear(&err);
    vc_table *t = vc_table_from_counts(2, names, 3, pat, cnt, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_estimate a, b;
    CU_ASSERT_EQUAL(vc_independence_estimate(t, 0.9, VC_INTERVAL_WALD, &a,
                                             &err), VC_OK);
    CU_ASSERT_EQUAL(vc_petersen_estimate(t, 0, 1, 0.9, VC_INTERVAL_WALD, &b,
                                         &err), VC_OK);
    VC_ASSERT_REL(a.estimate, 469.0 * 296.0 / 57.0, 1e-12);
    VC_ASSERT_REL(a.estimate, b.estimate, 1e-12);
    VC_ASSERT_REL(a.se, b.se, 1e-9);
    vc_table_free(t);
}

/* Chao (1987) by hand on the Korea table (Ball, Shin & Yang 2018): f1 = 51,
 * f2 = 60, n = 123, J = 3 lists so A = 2/3: N = 123 + A 51^2 / 120 =
 * 137.45 and var = 60 (A^2 r^4/4 + A^2 r^3 + A r^2/2), r = 0.85. */
static void test_chao_korea(void)
{
    vc_table *t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_estimate e;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_chao_estimate(t, 0.95, &e, &err), VC_OK);
    double A = 2.0 / 3.0, r = 0.85;
    VC_ASSERT_REL(e.estimate, 137.45, 1e-12);
    VC_ASSERT_REL(e.se, sqrt(60.0 * (A * A * pow(r, 4) / 4
                                     + A * A * pow(r, 3) + A * r * r / 2)),
                  1e-12);
    /* log-normal interval: n + f0 / C, n + f0 C */
    double f0 = 14.45, z = 1.959963984540054;
    double C = exp(z * sqrt(log(1.0 + e.se * e.se / (f0 * f0))));
    VC_ASSERT_REL(e.lower, 123.0 + f0 / C, 1e-12);
    VC_ASSERT_REL(e.upper, 123.0 + f0 * C, 1e-12);
    CU_ASSERT_EQUAL(e.flags & VC_FLAG_BIAS_CORRECTED, 0);
    vc_table_free(t);
}

/* f2 = 0: the bias-corrected form n + A f1 (f1 - 1) / 2 (Chao 2005),
 * A = (J - 1)/J = 2/3 for these three lists. */
static void test_chao_bias_corrected(void)
{
    static const char *const names[] = {"A", "B", "C"};
    const uint32_t pat[] = {1, 2, 4, 7};
    const uint64_t cnt[] = {13, 7, 5, 3};
    vc_error err;
    vc_error_clear(&err);
    vc_table *t = vc_table_from_counts(3, names, 4, pat, cnt, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_estimate e;
    CU_ASSERT_EQUAL(vc_chao_estimate(t, 0.95, &e, &err), VC_OK);
    double A = 2.0 / 3.0;
    VC_ASSERT_REL(e.estimate, 28.0 + A * 25.0 * 24.0 / 2.0, 1e-12);
    CU_ASSERT(e.flags & VC_FLAG_BIAS_CORRECTED);
    double N = e.estimate;
    double v = A * 25.0 * 24.0 / 2.0 + A * A * 25.0 * 49.0 * 49.0 / 4.0
               - A * A * pow(25.0, 4) / (4.0 * N);
    VC_ASSERT_REL(e.se, sqrt(v), 1e-12);
    vc_table_free(t);
}

/* Documented errors: Lincoln-Petersen with no recaptures, bad levels,
 * impossible counts, the independence model without overlap. */
static void test_estimator_errors(void)
{
    vc_estimate e;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_petersen_from_counts(120, 85, 0, 0.95,
                                            VC_INTERVAL_WALD, &e, &err),
                    VC_EUNDEFINED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "Chapman"));
    /* the library names no option of the command line */
    CU_ASSERT_PTR_NULL(strstr(err.msg, "--"));
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_chapman_from_counts(120, 85, 0, 0.95,
                                           VC_INTERVAL_WALD, &e, &err), VC_OK);
    VC_ASSERT_REL(e.estimate, 121.0 * 86.0 - 1.0, 1e-12);
    CU_ASSERT(e.flags & VC_FLAG_FEW_RECAPTURES);
    CU_ASSERT_EQUAL(vc_chapman_from_counts(10, 8, 9, 0.95, VC_INTERVAL_WALD,
                                           &e, &err), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_chapman_from_counts(10, 8, 3, 1.0, VC_INTERVAL_WALD,
                                           &e, &err), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_chapman_from_counts(10, 8, 3, 0.0, VC_INTERVAL_WALD,
                                           &e, &err), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_chapman_from_counts(0, 8, 0, 0.9, VC_INTERVAL_WALD,
                                           &e, &err), VC_EUNDEFINED);

    static const char *const names[] = {"A", "B", "C"};
    const uint32_t pat[] = {1, 2, 4};
    const uint64_t cnt[] = {13, 7, 5};
    vc_table *t = vc_table_from_counts(3, names, 3, pat, cnt, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_independence_estimate(t, 0.95, VC_INTERVAL_LOGNORMAL,
                                             &e, &err), VC_ENOMLE);
    CU_ASSERT(strlen(err.msg) > 0);
    CU_ASSERT_EQUAL(vc_chao_estimate(t, 1.5, &e, &err), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_petersen_estimate(t, 0, 0, 0.95, VC_INTERVAL_WALD, &e,
                                         &err), VC_EINVAL);
    vc_table_free(t);

    /* A list that saw everybody: nobody unseen, N = n. */
    const uint32_t pat2[] = {1, 3, 5};
    const uint64_t cnt2[] = {13, 7, 5};
    t = vc_table_from_counts(3, names, 3, pat2, cnt2, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(vc_independence_estimate(t, 0.95, VC_INTERVAL_LOGNORMAL,
                                             &e, &err), VC_OK);
    CU_ASSERT_EQUAL(e.estimate, 25.0);
    CU_ASSERT(e.flags & VC_FLAG_NO_UNSEEN);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_independence_estimate(t, 1.0, VC_INTERVAL_LOGNORMAL,
                                             &e, &err), VC_EINVAL);
    vc_table_free(t);

    /* a list that saw nobody: no MLE, and the list is named */
    const uint32_t pat3[] = {1, 2, 3};
    t = vc_table_from_counts(3, names, 3, pat3, cnt2, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_independence_estimate(t, 0.95, VC_INTERVAL_LOGNORMAL,
                                             &e, &err), VC_ENOMLE);
    CU_ASSERT_STRING_EQUAL(err.msg, "list \"C\" saw nobody: the "
                                    "independence model has no MLE");
    vc_table_free(t);
}

/* Every flag has its sentence for the reports; the last flag is the
 * highest bit, VC_FLAG_COUNT counts them, and no other bit has one. */
static void test_flag_texts(void)
{
    size_t count = 0;
    for (unsigned f = 1; f <= VC_FLAG_LAST; f <<= 1) {
        const char *s = vc_estimate_flag_text(f);
        CU_ASSERT_PTR_NOT_NULL(s);
        CU_ASSERT(s != NULL && strlen(s) > 20);
        count++;
    }
    CU_ASSERT_EQUAL(count, VC_FLAG_COUNT);
    CU_ASSERT_PTR_NULL(vc_estimate_flag_text(VC_FLAG_LAST << 1));
    CU_ASSERT_PTR_NULL(vc_estimate_flag_text(0));
    CU_ASSERT_PTR_NOT_NULL(strstr(vc_estimate_flag_text(VC_FLAG_NO_UNSEEN),
                                  "no width"));
    CU_ASSERT_PTR_NOT_NULL(strstr(vc_estimate_flag_text(
                                      VC_FLAG_BIAS_CORRECTED), "f2 = 0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(vc_estimate_flag_text(
                                      VC_FLAG_WALD_CLIPPED), "raised"));
}

/* The one formatter of warnings: set flags in the order of their bits,
 * bits that are not flags skipped, at most max of them. */
static void test_warnings(void)
{
    const char *w[VC_FLAG_COUNT];
    unsigned all = (VC_FLAG_LAST << 1) - 1u;
    CU_ASSERT_EQUAL(vc_estimate_warnings(all, w, VC_FLAG_COUNT),
                    VC_FLAG_COUNT);
    CU_ASSERT_EQUAL(vc_estimate_warnings(0xFFFFFFFFu, w, VC_FLAG_COUNT),
                    VC_FLAG_COUNT);
    CU_ASSERT_EQUAL(vc_estimate_warnings(0, w, VC_FLAG_COUNT), 0);
    CU_ASSERT_EQUAL(vc_estimate_warnings(VC_FLAG_LAST << 1, w,
                                         VC_FLAG_COUNT), 0);
    unsigned f = VC_FLAG_NOT_CONVERGED | VC_FLAG_SPARSE | VC_FLAG_UPPER_OPEN;
    CU_ASSERT_EQUAL(vc_estimate_warnings(f, w, VC_FLAG_COUNT), 3);
    CU_ASSERT_PTR_EQUAL(w[0], vc_estimate_flag_text(VC_FLAG_SPARSE));
    CU_ASSERT_PTR_EQUAL(w[1], vc_estimate_flag_text(VC_FLAG_UPPER_OPEN));
    CU_ASSERT_PTR_EQUAL(w[2], vc_estimate_flag_text(VC_FLAG_NOT_CONVERGED));
    CU_ASSERT_EQUAL(vc_estimate_warnings(f, w, 1), 1);
    CU_ASSERT_PTR_EQUAL(w[0], vc_estimate_flag_text(VC_FLAG_SPARSE));
    /* a fresh estimate keeps nothing of what was there */
    vc_estimate e;
    memset(&e, 0xAB, sizeof e);
    vc_estimate_init(&e, "chao", 7);
    CU_ASSERT_STRING_EQUAL(e.method, "chao");
    CU_ASSERT_EQUAL(e.observed, 7);
    CU_ASSERT_EQUAL(e.flags, 0);
    CU_ASSERT_EQUAL(e.has_se, 0);
    CU_ASSERT_EQUAL(e.estimate, 0.0);
    CU_ASSERT_PTR_NULL(e.interval);
}

/* One check, one wording, for every level a function takes. */
static void test_level_check(void)
{
    vc_error err;
    CU_ASSERT_EQUAL(vc_level_check(0.95, NULL), VC_OK);
    CU_ASSERT_EQUAL(vc_level_check(1e-9, NULL), VC_OK);
    CU_ASSERT_EQUAL(vc_level_check(0.0, NULL), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_level_check(1.0, NULL), VC_EINVAL);
    CU_ASSERT_EQUAL(vc_level_check(NAN, NULL), VC_EINVAL);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_level_check(95.0, &err), VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "interval level must lie strictly "
                                    "between 0 and 1, got 95");
    /* the estimators say the same (models: test_models.c) */
    vc_estimate e;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_chapman_from_counts(10, 10, 5, 1.5,
                                           VC_INTERVAL_LOGNORMAL, &e, &err),
                    VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "interval level must lie strictly "
                                    "between 0 and 1, got 1.5");
}

/* Build a copy of t with its lists in the order perm (new list i = old
 * list perm[i]). */
static vc_table *permuted(const vc_table *t, const size_t *perm)
{
    uint32_t group[VC_MAX_LISTS];
    const char *names[VC_MAX_LISTS];
    for (size_t i = 0; i < t->J; i++) {
        group[i] = 1u << perm[i];
        names[i] = t->names[perm[i]];
    }
    vc_error err;
    vc_error_clear(&err);
    return vc_table_collapse(t, t->J, group, names, &err);
}

/* Multiply every count by k. */
static vc_table *scaled(const vc_table *t, uint64_t k)
{
    uint64_t *cnt = malloc(t->npat * sizeof *cnt);
    for (size_t i = 0; i < t->npat; i++) {
        cnt[i] = k * t->count[i];
    }
    vc_error err;
    vc_error_clear(&err);
    vc_table *s = vc_table_from_counts(t->J, (const char *const *)t->names,
                                       t->npat, t->pattern, cnt, &err);
    free(cnt);
    return s;
}

/* Properties: permuting lists changes nothing; N-hat >= n; doubling every
 * count doubles Lincoln-Petersen and the independence estimate exactly but
 * not Chapman. */
static void test_properties(void)
{
    static const char *const tables[] = {"Kosovo.csv", "UKdat.csv",
                                         "MY1997_5.csv", "duck.csv"};
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        vc_table *t = vc_test_load_ref(tables[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        size_t perm[VC_MAX_LISTS];
        for (size_t j = 0; j < t->J; j++) {
            perm[j] = (j * 5 + 3) % t->J; /* a fixed shuffle */
        }
        int is_perm = 1;
        for (size_t j = 0; j < t->J; j++) {
            for (size_t i = 0; i < j; i++) {
                is_perm &= perm[i] != perm[j];
            }
        }
        if (!is_perm) { /* J divisible by 5: reverse instead */
            for (size_t j = 0; j < t->J; j++) {
                perm[j] = t->J - 1 - j;
            }
        }
        vc_table *p = permuted(t, perm);
        vc_table *d = scaled(t, 2);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        vc_estimate a, b;
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_EQUAL(vc_independence_estimate(t, 0.95,
                                                 VC_INTERVAL_LOGNORMAL, &a,
                                                 &err), VC_OK);
        CU_ASSERT_EQUAL(vc_independence_estimate(p, 0.95,
                                                 VC_INTERVAL_LOGNORMAL, &b,
                                                 &err), VC_OK);
        VC_ASSERT_REL(a.estimate, b.estimate, 1e-12);
        VC_ASSERT_REL(a.upper, b.upper, 1e-9);
        CU_ASSERT(a.estimate >= (double)t->n);
        CU_ASSERT_EQUAL(vc_independence_estimate(d, 0.95,
                                                 VC_INTERVAL_LOGNORMAL, &b,
                                                 &err), VC_OK);
        VC_ASSERT_REL(b.estimate, 2.0 * a.estimate, 1e-12);

        CU_ASSERT_EQUAL(vc_chao_estimate(t, 0.95, &a, &err), VC_OK);
        CU_ASSERT_EQUAL(vc_chao_estimate(p, 0.95, &b, &err), VC_OK);
        CU_ASSERT_EQUAL(a.estimate, b.estimate);
        CU_ASSERT(a.estimate >= (double)t->n);

        /* Lincoln-Petersen doubles exactly, Chapman does not. */
        CU_ASSERT_EQUAL(vc_petersen_estimate(t, 0, 1, 0.95, VC_INTERVAL_WALD,
                                             &a, &err), VC_OK);
        CU_ASSERT_EQUAL(vc_petersen_estimate(d, 0, 1, 0.95, VC_INTERVAL_WALD,
                                             &b, &err), VC_OK);
        VC_ASSERT_REL(b.estimate, 2.0 * a.estimate, 1e-14);
        CU_ASSERT_EQUAL(vc_chapman_estimate(t, 0, 1, 0.95, VC_INTERVAL_WALD,
                                            &a, &err), VC_OK);
        CU_ASSERT_EQUAL(vc_chapman_estimate(d, 0, 1, 0.95, VC_INTERVAL_WALD,
                                            &b, &err), VC_OK);
        CU_ASSERT(fabs(b.estimate - 2.0 * a.estimate) > 1e-6 * a.estimate);

        /* Pairwise Chapman: pair (a, b) in a permuted table matches. */
        size_t npair = t->J * (t->J - 1) / 2;
        vc_estimate *pw = calloc(npair, sizeof *pw);
        CU_ASSERT_EQUAL(vc_pairwise_chapman(t, 0.95, VC_INTERVAL_LOGNORMAL,
                                            pw, &err), VC_OK);
        CU_ASSERT_EQUAL(pw[0].list_a, 0);
        CU_ASSERT_EQUAL(pw[0].list_b, 1);
        CU_ASSERT_EQUAL(pw[npair - 1].list_a, t->J - 2);
        CU_ASSERT_EQUAL(pw[npair - 1].list_b, t->J - 1);
        CU_ASSERT_EQUAL(vc_chapman_estimate(t, t->J - 2, t->J - 1, 0.95,
                                            VC_INTERVAL_LOGNORMAL, &a, &err),
                        VC_OK);
        CU_ASSERT_EQUAL(a.estimate, pw[npair - 1].estimate);
        free(pw);
        vc_table_free(t);
        vc_table_free(p);
        vc_table_free(d);
    }
}

/* Wide input: the independence model needs no 2^J table, so the 30-list
 * table (mvole, Williams, Nichols & Conroy 2002) is estimated quickly. */
static void test_independence_wide(void)
{
    vc_table *t = vc_test_load_ref("mvole.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(t->J, 30);
    vc_estimate e;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_independence_estimate(t, 0.95, VC_INTERVAL_LOGNORMAL,
                                             &e, &err), VC_OK);
    CU_ASSERT(e.estimate >= (double)t->n && isfinite(e.upper));
    vc_table_free(t);
}

int vc_register_estimators_suite(void)
{
    CU_pSuite s = CU_add_suite("estimators", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "chapman known value", test_chapman_known) == NULL
        || CU_add_test(s, "two-list reference", test_two_list_reference)
               == NULL
        || CU_add_test(s, "independence vs glm",
                       test_independence_glm_reference) == NULL
        || CU_add_test(s, "independence two lists",
                       test_independence_two_lists) == NULL
        || CU_add_test(s, "chao korea", test_chao_korea) == NULL
        || CU_add_test(s, "chao bias corrected", test_chao_bias_corrected)
               == NULL
        || CU_add_test(s, "errors", test_estimator_errors) == NULL
        || CU_add_test(s, "flag texts", test_flag_texts) == NULL
        || CU_add_test(s, "warnings", test_warnings) == NULL
        || CU_add_test(s, "level check", test_level_check) == NULL
        || CU_add_test(s, "properties", test_properties) == NULL
        || CU_add_test(s, "independence 30 lists", test_independence_wide)
               == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
