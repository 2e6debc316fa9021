/*
 * test_report.c: numbers and headlines for people.
 */
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

int vc_register_report_suite(void)
{
    CU_pSuite s = CU_add_suite("report", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "format count", test_format_count) == NULL
        || CU_add_test(s, "about range", test_about_range) == NULL
        || CU_add_test(s, "headline", test_headline) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
