/*
 * test_report.c: numbers and headlines for people.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "report/vc_report.h"
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
        {"Tajikistan 2005", "loglinear", 1062.4, 858.2, 1264.1, 0, 0x0072B2},
        {"Tajikistan 2005", "lcm", 1051.0, 709.0, 1644.2, 0, 0xD55E00},
        {"Kazakhstan 2005", "dga", 0, 0, 0, 1, 0x009E73},
    };
    unsigned char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 3, "N", &a, &la, NULL), VC_OK);
    CU_ASSERT_EQUAL(vc_plot_forest(rows, 3, "N", &b, &lb, NULL), VC_OK);
    CU_ASSERT(is_png(a, la));
    CU_ASSERT(la == lb && memcmp(a, b, la) == 0);
    free(a);
    free(b);
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
        {"A", "chapman", 1000.0, 1000.0, 1000.0, 0, 0x0072B2},
        {"A", "lcm", 1000.0, 1000.0, 1000.0, 0, 0xD55E00},
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
        || CU_add_test(s, "edge cases", test_report_edges) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
