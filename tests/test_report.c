/*
 * test_report.c: numbers and headlines for people.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "report/vc_report.h"
#include "report/vc_synthesis.h"
#include "tests/test_util.h"

static void test_format_count(void)
{
    char buf[64];
    vc_format_count(3412.4, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "3,412");
    vc_format_count(999.5, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "1,000");
    vc_format_count(12, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "12");
    vc_format_count(1234567890123.0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "1,234,567,890,123");
    vc_format_count(0.2, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "0");
    CU_ASSERT_EQUAL(vc_format_count(123456.0, buf, 4), 7);
    CU_ASSERT_STRING_EQUAL(buf, "123");
}

/* The rule of the foundation issue: one significant figure when that
 * widens the interval by at most half, else two; always outwards. */
static void test_about_range(void)
{
    double lo, hi;
    vc_about_range(3050.0, 3950.0, 0, &lo, &hi);
    CU_ASSERT_EQUAL(lo, 3000.0);
    CU_ASSERT_EQUAL(hi, 4000.0);
    vc_about_range(2980.0, 4115.0, 0, &lo, &hi);
    CU_ASSERT_EQUAL(lo, 2900.0);
    CU_ASSERT_EQUAL(hi, 4200.0);
    vc_about_range(2980.0, 4115.0, 3, &lo, &hi);
    CU_ASSERT_EQUAL(lo, 2980.0);
    CU_ASSERT_EQUAL(hi, 4120.0);
    vc_about_range(950.2, 1210.0, 0, &lo, &hi);
    CU_ASSERT_EQUAL(lo, 950.0);
    CU_ASSERT_EQUAL(hi, 1300.0);
    vc_about_range(4000.0, 5000.0, 1, &lo, &hi);
    CU_ASSERT_EQUAL(lo, 4000.0);
    CU_ASSERT_EQUAL(hi, 5000.0);
    /* The range always contains the interval, over many intervals. */
    int contains = 1;
    for (double a = 7.3; a < 2e6; a *= 1.37) {
        for (double wf = 0.01; wf < 3.0; wf *= 1.9) {
            double b = a * (1.0 + wf);
            vc_about_range(a, b, 0, &lo, &hi);
            contains &= lo <= a && hi >= b;
        }
    }
    CU_ASSERT(contains);
}

static void test_headline(void)
{
    vc_estimate e;
    memset(&e, 0, sizeof e);
    e.estimate = 3412.2;
    e.lower = 3050.0;
    e.upper = 3950.4;
    e.level = 0.95;
    char buf[256];
    vc_headline("Kyrgyzstan 2005", &e, 0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "Kyrgyzstan 2005: 3,412 (95% CI "
                                "3,050\xE2\x80\x93" "3,950), about "
                                "3,000\xE2\x80\x93" "4,000");
    e.level = 0.9;
    vc_headline(NULL, &e, 2, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "3,412 (90% CI 3,050\xE2\x80\x93" "3,950), "
                                "about 3,000\xE2\x80\x93" "4,000");
}

static int is_png(const unsigned char *p, size_t len)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                         0x1A, '\n'};
    return p != NULL && len > 8 && memcmp(p, sig, 8) == 0;
}

/* Each figure is a PNG, equal inputs give equal bytes, and bad input is
 * refused with VC_EINVAL. */
static void test_plots(void)
{
    vc_plot_interval rows[3] = {
        {"Tajikistan 2005", "loglinear", 1062.4, 858.2, 1264.1, 0, 0x0072B2, 0},
        {"Tajikistan 2005", "lcm", 1051.0, 709.0, 1644.2, 0, 0xD55E00, 0},
        {"Kazakhstan 2005", "dga", 0, 0, 0, 1, 0x009E73, 0},
    };
    unsigned char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 3, "N", &a, &la, NULL), VC_OK);
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 3, "N", &b, &lb, NULL), VC_OK);
    CU_ASSERT(is_png(a, la));
    CU_ASSERT(la == lb && memcmp(a, b, la) == 0);
    free(b);
    /* the people seen as a tick: another figure; not finite: refused */
    rows[0].observed = 700.0;
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 3, "N", &b, &lb, NULL), VC_OK);
    CU_ASSERT(is_png(b, lb));
    CU_ASSERT(la != lb || memcmp(a, b, la) != 0);
    free(a);
    free(b);
    rows[0].observed = INFINITY;
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 3, "N", &a, &la, NULL), VC_EINVAL);
    rows[0].observed = 0.0;
    rows[0].upper = NAN;
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 3, "N", &a, &la, &err), VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "row 1"));
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 0, "N", &a, &la, NULL), VC_EINVAL);

    double mass[5] = {0.1, 0.3, 0.385, 0.2, 0.015};
    CU_ASSERT_EQUAL(vc_plot_posterior(900.5, 25.0, mass, 5, 930, 1010, 961,
                                      "N", &a, &la, NULL), VC_OK);
    CU_ASSERT(is_png(a, la));
    free(a);
    mass[2] = -1.0;
    CU_ASSERT_EQUAL(vc_plot_posterior(900.5, 25.0, mass, 5, NAN, NAN, NAN,
                                      "N", &a, &la, NULL), VC_EINVAL);
    double y[8] = {1010, 1022, 998, 1005, 1101, 1087, 1093, 1070};
    CU_ASSERT_EQUAL(vc_plot_traces(y, 2, 4, "N", &a, &la, NULL), VC_OK);
    CU_ASSERT(is_png(a, la));
    free(a);
    CU_ASSERT_EQUAL(vc_plot_traces(y, 2, 1, "N", &a, &la, NULL), VC_EINVAL);
}

/* Edge cases of the formats and figures: a negative count keeps its sign;
 * a forest whose intervals are one point still gets an axis a decade
 * wide; flat traces get a unit-high axis; what cannot be drawn is
 * refused with the reason. */
static void test_report_edges(void)
{
    char buf[64];
    vc_format_count(-1234.4, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "-1,234");
    vc_format_count(-0.2, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "0");
    vc_estimate e;
    memset(&e, 0, sizeof e);
    e.estimate = 120.0;
    e.lower = 100.0;
    e.upper = 150.0;
    e.level = 0.9;
    vc_headline(NULL, &e, 0, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "120 (90% CI 100\xE2\x80\x93" "150), about "
                                "100\xE2\x80\x93" "150");

    vc_plot_interval rows[2] = {
        {"A", "chapman", 1000.0, 1000.0, 1000.0, 0, 0x0072B2, 0},
        {"A", "lcm", 1000.0, 1000.0, 1000.0, 0, 0xD55E00, 0},
    };
    unsigned char *png = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 2, "N", &png, &len, NULL), VC_OK);
    CU_ASSERT(is_png(png, len));
    free(png);
    double flat[6] = {500, 500, 500, 500, 500, 500};
    CU_ASSERT_EQUAL(vc_plot_traces(flat, 2, 3, "N", &png, &len, NULL),
                    VC_OK);
    CU_ASSERT(is_png(png, len));
    free(png);
    vc_error err;
    vc_error_clear(&err);
    flat[4] = NAN;
    CU_ASSERT_EQUAL(vc_plot_traces(flat, 2, 3, "N", &png, &len, &err),
                    VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "trace plot: draw 5 is not finite");
    double mass[3] = {0.0, 0.0, 0.0};
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_plot_posterior(10.0, 1.0, mass, 3, NAN, NAN, NAN, "N",
                                      &png, &len, &err), VC_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "posterior plot: nothing to draw");
}

/* vc_log_mass_groups: light values between heavy ones join one of them
 * (no single-linkage bridge); equal weights far apart split; nothing
 * usable, no group. */
static void test_mass_groups(void)
{
    /* UK's graphs in miniature: mass at 12,000 and 25,000, a light graph
     * at 17,000 between them */
    double x[] = {12000, 12500, 17000, 25000, 26000};
    double w[] = {0.15, 0.10, 0.01, 0.44, 0.11};
    size_t g[5];
    CU_ASSERT_EQUAL(vc_log_mass_groups(x, w, 5, 0.15, g), 2);
    CU_ASSERT_EQUAL(g[0], 0);
    CU_ASSERT_EQUAL(g[1], 0);
    CU_ASSERT_EQUAL(g[3], 1);
    CU_ASSERT_EQUAL(g[4], 1);
    /* within 10%: one group */
    double y[] = {1000, 1080};
    CU_ASSERT_EQUAL(vc_log_mass_groups(y, NULL, 2, 0.15, g), 1);
    CU_ASSERT_EQUAL(g[0], g[1]);
    /* a factor of 1.4 apart at bandwidth 0.1: two (Kosovo's independence
     * and lcm) */
    double z[] = {7395, 10418, 12595, 14342};
    CU_ASSERT_EQUAL(vc_log_mass_groups(z, NULL, 4, 0.1, g), 2);
    CU_ASSERT_EQUAL(g[0], 0);
    CU_ASSERT_EQUAL(g[1], 1);
    CU_ASSERT_EQUAL(g[3], 1);
    double bad[] = {NAN, -1.0};
    CU_ASSERT_EQUAL(vc_log_mass_groups(bad, NULL, 2, 0.15, g), 0);
    CU_ASSERT_EQUAL(g[0], (size_t)-1);
    CU_ASSERT_EQUAL(vc_log_mass_groups(x, w, 0, 0.15, g), 0);
}

/* Structures in words: maximal cliques, lists alone, none. */
static void test_structure_words(void)
{
    const char *names[] = {"IOM", "Police", "NGO", "HRW"};
    /* IOM-Police-NGO a triangle, HRW alone */
    uint32_t nbr[4] = {0x6, 0x5, 0x3, 0x0};
    char buf[256];
    vc_synth_structure_words(4, names, nbr, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "IOM, Police and NGO depend on each other; "
                                "HRW is independent of the others");
    uint32_t none[4] = {0};
    vc_synth_structure_words(4, names, none, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "the lists are independent");
    /* a path IOM-Police-NGO: two pairs */
    uint32_t path[4] = {0x2, 0x5, 0x2, 0x0};
    vc_synth_structure_words(4, names, path, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "IOM and Police depend on each other; "
                                "Police and NGO depend on each other; "
                                "HRW is independent of the others");
    /* a short buffer is cut, not overrun; the length needed is returned */
    char small[8];
    size_t need = vc_synth_structure_words(4, names, nbr, small,
                                           sizeof small);
    CU_ASSERT(need > sizeof small);
    CU_ASSERT_EQUAL(strlen(small), sizeof small - 1);
}

static vc_synth_method method(const char *name, double est, double lo,
                              double hi)
{
    vc_synth_method m;
    memset(&m, 0, sizeof m);
    m.method = name;
    m.has_estimate = 1;
    m.estimate = est;
    m.lower = lo;
    m.upper = hi;
    m.ppp = NAN;
    snprintf(m.structure, sizeof m.structure, "%s's structure", name);
    return m;
}

/* Agreement, the quote, passing and failing, regimes. */
static void test_synthesis(void)
{
    vc_synthesis s;
    vc_error err;
    vc_error_clear(&err);
    /* overlapping pairwise: agree; the envelope quoted, the common range
     * beside it */
    vc_synth_method m[4];
    m[0] = method("loglinear", 1000, 900, 1150);
    m[1] = method("lcm", 1050, 950, 1300);
    m[2] = method("dga", 1020, 920, 1200);
    CU_ASSERT_EQUAL_FATAL(vc_synthesize(m, 3, 0, &s, &err), VC_OK);
    CU_ASSERT_TRUE(s.agree);
    CU_ASSERT_EQUAL(s.passing, 0x7u);
    CU_ASSERT_DOUBLE_EQUAL(s.quote_lower, 900, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(s.quote_upper, 1300, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(s.common_lower, 950, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(s.common_upper, 1150, 1e-9);
    CU_ASSERT(s.about_lower <= 900 && s.about_upper >= 1300);
    CU_ASSERT_EQUAL(s.nregimes, 1);
    CU_ASSERT_DOUBLE_EQUAL(s.regime[0].weight, 1.0, 1e-12);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.statement, "The methods agree"));

    /* two that do not overlap: disagree, the envelope, two regimes each
     * named with its methods */
    m[1] = method("lcm", 2300, 1600, 3400);
    m[3] = method("independence", 1300, 1200, 1500);
    CU_ASSERT_EQUAL_FATAL(vc_synthesize(m, 4, 0, &s, &err), VC_OK);
    CU_ASSERT_FALSE(s.agree);
    CU_ASSERT_DOUBLE_EQUAL(s.quote_lower, 900, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(s.quote_upper, 3400, 1e-9);
    CU_ASSERT(isnan(s.common_lower));
    CU_ASSERT_EQUAL(s.nregimes, 2);
    CU_ASSERT_EQUAL(s.regime[1].methods, 0x2u);
    CU_ASSERT_DOUBLE_EQUAL(s.regime[0].weight + s.regime[1].weight, 1.0,
                           1e-12);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.statement, "The methods disagree"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s.statement, "Two explanations"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s.statement, "unless other information"));

    /* a method not converged, one whose check fails, one without an
     * estimate: named with the reason and left out of agree and quote */
    m[1].flags = VC_FLAG_TAILS;
    m[2].ppp = 0.002;
    m[2].check = "posterior predictive check";
    m[3].has_estimate = 0;
    m[3].error = "no MLE";
    CU_ASSERT_EQUAL_FATAL(vc_synthesize(m, 4, 0, &s, &err), VC_OK);
    CU_ASSERT_EQUAL(s.passing, 0x1u);
    CU_ASSERT_STRING_EQUAL(s.reason[1], "not converged");
    CU_ASSERT_PTR_NOT_NULL(strstr(s.reason[2], "posterior predictive check "
                                               "fails"));
    CU_ASSERT_STRING_EQUAL(s.reason[3], "no estimate: no MLE");
    CU_ASSERT_TRUE(s.agree);
    CU_ASSERT_DOUBLE_EQUAL(s.quote_lower, 900, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(s.quote_upper, 1150, 1e-9);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.statement, "Only loglinear passes"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s.statement, "lcm is left out: not "
                                               "converged"));

    /* none passes: the envelope of those with an estimate, said so */
    m[0].flags = VC_FLAG_NOT_CONVERGED;
    CU_ASSERT_EQUAL_FATAL(vc_synthesize(m, 4, 0, &s, &err), VC_OK);
    CU_ASSERT_EQUAL(s.passing, 0u);
    CU_ASSERT_FALSE(s.agree);
    CU_ASSERT_DOUBLE_EQUAL(s.quote_lower, 900, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(s.quote_upper, 3400, 1e-9);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.statement, "No method passes"));

    /* a method's regimes count with their weights */
    m[0] = method("loglinear", 1000, 900, 1150);
    m[1] = method("dga", 1500, 900, 3000);
    m[1].nregimes = 2;
    m[1].regime[0] = (vc_synth_regime){1000, 900, 1200, 0.4, "A"};
    m[1].regime[1] = (vc_synth_regime){2200, 1800, 3000, 0.6, "B"};
    CU_ASSERT_EQUAL_FATAL(vc_synthesize(m, 2, 0, &s, &err), VC_OK);
    CU_ASSERT_TRUE(s.agree);
    CU_ASSERT_EQUAL(s.nregimes, 2);
    CU_ASSERT_DOUBLE_EQUAL(s.regime[0].weight, 0.5 + 0.5 * 0.4, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s.regime[1].weight, 0.5 * 0.6, 1e-12);
    CU_ASSERT_STRING_EQUAL(s.regime[1].structure, "B");
    CU_ASSERT_PTR_NOT_NULL(strstr(s.statement, "Two explanations"));

    /* refused: nothing, or nothing with an estimate */
    CU_ASSERT_EQUAL(vc_synthesize(m, 0, 0, &s, &err), VC_EINVAL);
    m[0].has_estimate = m[1].has_estimate = 0;
    CU_ASSERT_EQUAL(vc_synthesize(m, 2, 0, &s, &err), VC_EINVAL);
}

int vc_register_report_suite(void)
{
    CU_pSuite s = CU_add_suite("report", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "format count", test_format_count) == NULL
        || CU_add_test(s, "about range", test_about_range) == NULL
        || CU_add_test(s, "headline", test_headline) == NULL
        || CU_add_test(s, "figures (cairo)", test_plots) == NULL
        || CU_add_test(s, "edge cases", test_report_edges) == NULL
        || CU_add_test(s, "mass groups", test_mass_groups) == NULL
        || CU_add_test(s, "structure words", test_structure_words) == NULL
        || CU_add_test(s, "synthesis", test_synthesis) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
