/*
 * test_report.c: numbers and headlines for people.
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <CUnit/CUnit.h>
#include <ctype.h>
#include <unistd.h>

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

/* The figures as SVG: an SVG 1.1 document, equal inputs give equal
 * bytes, no coordinate with more than one decimal (svg_compact) while
 * the glyph ids and the XML declaration stay intact, and a trace of 4
 * chains of 2,000 draws stays small. */
static void test_plots_svg(void)
{
    vc_plot_interval rows[2] = {
        {"Tajikistan 2005", "loglinear", 1062.4, 858.2, 1264.1, 0, 0x0072B2, 0},
        {"Tajikistan 2005", "lcm", 1051.0, 709.0, 1644.2, 0, 0xD55E00, 0},
    };
    unsigned char *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    CU_ASSERT_EQUAL_FATAL(vc_plot_forest_as(VC_PLOT_SVG, rows, 2, "N", &a,
                                            &la, NULL), VC_OK);
    CU_ASSERT_EQUAL_FATAL(vc_plot_forest_as(VC_PLOT_SVG, rows, 2, "N", &b,
                                            &lb, NULL), VC_OK);
    CU_ASSERT(la == lb && memcmp(a, b, la) == 0);
    char *t = malloc(la + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    memcpy(t, a, la);
    t[la] = '\0';
    CU_ASSERT(strncmp(t, "<?xml version=\"1.0\"", 19) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "<svg "));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "</svg>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "id=\"glyph0-1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "xlink:href=\"#glyph0-1\""));
    int long_decimals = 0;
    for (size_t i = 0; i + 2 < la; i++) {
        long_decimals += t[i] == '.' && isdigit((unsigned char)t[i + 1])
                         && isdigit((unsigned char)t[i + 2]);
    }
    CU_ASSERT_EQUAL(long_decimals, 0);
    free(t);
    free(a);
    free(b);
    /* the PNG of the same rows is not what SVG gives */
    CU_ASSERT_EQUAL(vc_plot_forest_as(VC_PLOT_PNG, rows, 2, "N", &a, &la,
                                      NULL), VC_OK);
    CU_ASSERT(is_png(a, la));
    free(a);
    double mass[5] = {0.1, 0.3, 0.385, 0.2, 0.015};
    CU_ASSERT_EQUAL(vc_plot_posterior_as(VC_PLOT_SVG, 900.5, 25.0, mass, 5,
                                         930, 1010, 961, "N", &a, &la,
                                         NULL), VC_OK);
    CU_ASSERT(la > 100 && memcmp(a, "<?xml", 5) == 0);
    CU_ASSERT(la < 40000);
    free(a);
    double *y = malloc(4 * 2000 * sizeof *y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    for (size_t i = 0; i < 4 * 2000; i++) {
        y[i] = 3000.0 + 400.0 * sin(0.37 * (double)i) * cos(0.011 * (double)i);
    }
    CU_ASSERT_EQUAL(vc_plot_traces_as(VC_PLOT_SVG, y, 4, 2000, "N", &a, &la,
                                      NULL), VC_OK);
    CU_ASSERT(la > 1000 && la < 160000);
    free(a);
    free(y);
    /* bad input is refused as for PNG */
    rows[0].upper = NAN;
    CU_ASSERT_EQUAL(vc_plot_forest_as(VC_PLOT_SVG, rows, 2, "N", &a, &la,
                                      NULL), VC_EINVAL);
}

/* The entries of dir whose names start with prefix. */
static size_t count_entries(const char *dir, const char *prefix)
{
    DIR *dp = opendir(dir);
    if (dp == NULL) {
        return 0;
    }
    size_t n = 0;
    const struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    }
    closedir(dp);
    return n;
}

/* The strata of the pages test: 3 countries x 10 years, one country
 * named with markup. */
#define PAGES_STRATA 30
static const char hostile[] = "<script>alert(\"x\")</script>&amp;";

/* batch on dir/sim.csv into dir/OUT with the fast methods; the exit
 * status. */
static int pages_batch(const char *dir, const char *out, const char *extra)
{
    return vc_test_sh("%s batch -q %s/sim.csv --strata country,year --methods "
              "chapman,loglinear %s --out %s/%s >%s/%s.out 2>%s/%s.err",
              vc_test_cli(), dir, extra, dir, out, dir, out, dir, out);
}

/* A batch of more than 20 strata gets the report as pages: an index
 * whose links all resolve to the numbered stratum pages, every stratum
 * present, a stratum value with markup escaped everywhere and never in
 * a file name, each page well under the size limits (index 5 MB, page
 * 500 KB), nothing temporary left; --report-form single still writes
 * one file; a report in the way or an unwritable index leaves no
 * partial report, and an earlier one whole. */
static void test_report_pages(void)
{
    char dir[] = "/tmp/vc_pages_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char args[4096];
    size_t used = 0;
    for (int i = 0; i < PAGES_STRATA; i++) {
        const char *country = i < 10 ? "Kazakhstan" : i < 20 ? hostile
                                                              : "Tajikistan";
        used += (size_t)snprintf(args + used, sizeof args - used,
                                 " --stratum '%s,%d:%d'", country, 2001 + i,
                                 900 + 40 * i);
    }
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s simulate --lists A,B,C --capture "
                             "0.3,0.2,0.25 --strata country,year%s -o "
                             "%s/sim.csv", vc_test_cli(), args, dir), 0);
    CU_ASSERT_EQUAL_FATAL(pages_batch(dir, "out", ""), 0);
    char path[600];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/out/report.html", dir);
    char *index = vc_test_slurp(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(index);
    CU_ASSERT(len < 5u << 20);
    /* every link to a page resolves, one per stratum, in order */
    size_t links = 0;
    for (const char *p = index; (p = strstr(p, "href=\"report/")) != NULL;
         p++) {
        char want[64];
        snprintf(want, sizeof want, "href=\"report/s%05zu.html\"",
                 links + 1);
        CU_ASSERT(strncmp(p, want, strlen(want)) == 0);
        struct stat st;
        snprintf(path, sizeof path, "%s/out/report/s%05zu.html", dir,
                 links + 1);
        CU_ASSERT(stat(path, &st) == 0 && S_ISREG(st.st_mode));
        links++;
    }
    CU_ASSERT_EQUAL(links, PAGES_STRATA);
    snprintf(path, sizeof path, "%s/out/report", dir);
    CU_ASSERT_EQUAL(count_entries(path, "s"), PAGES_STRATA);
    CU_ASSERT_EQUAL(count_entries(path, ""), PAGES_STRATA + 2); /* . .. */
    CU_ASSERT_PTR_NOT_NULL(strstr(index, ">Kazakhstan 2001</a>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(index, ">Tajikistan 2030</a>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(index, ">&lt;script&gt;alert(&quot;x"
                                         "&quot;)&lt;/script&gt;&amp;amp; "
                                         "2015</a>"));
    CU_ASSERT_PTR_NULL(strstr(index, "<script"));
    CU_ASSERT_PTR_NOT_NULL(strstr(index, "<h3>country Kazakhstan to "
                                         "Tajikistan</h3>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(index, "data:image/png;base64,"));
    free(index);
    /* each page: its stratum, escaped, links back, small */
    for (int i = 0; i < PAGES_STRATA; i++) {
        snprintf(path, sizeof path, "%s/out/report/s%05d.html", dir, i + 1);
        char *page = vc_test_slurp(path, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(page);
        CU_ASSERT(len < 500u << 10);
        char want[128];
        snprintf(want, sizeof want, " %d</h2>", 2001 + i);
        CU_ASSERT_PTR_NOT_NULL(strstr(page, want));
        CU_ASSERT_PTR_NOT_NULL(strstr(page, "<a href=\"../report.html\">"));
        CU_ASSERT_PTR_NULL(strstr(page, "<script"));
        CU_ASSERT_PTR_NULL(strstr(page, "data:image/png"));
        CU_ASSERT_PTR_NOT_NULL(strstr(page, "data:image/svg+xml;base64,"));
        if (i == 10) {
            CU_ASSERT_PTR_NOT_NULL(strstr(page, "<h2>&lt;script&gt;"));
        }
        free(page);
    }
    snprintf(path, sizeof path, "%s/out", dir);
    CU_ASSERT_EQUAL(count_entries(path, ".report"), 0);
    /* a re-run replaces the pages and leaves nothing aside */
    CU_ASSERT_EQUAL(pages_batch(dir, "out", ""), 0);
    CU_ASSERT_EQUAL(count_entries(path, ".report"), 0);
    snprintf(path, sizeof path, "%s/out/report", dir);
    CU_ASSERT_EQUAL(count_entries(path, "s"), PAGES_STRATA);

    /* one file when asked for */
    CU_ASSERT_EQUAL(pages_batch(dir, "one", "--report-form single"), 0);
    snprintf(path, sizeof path, "%s/one/report", dir);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/one/report.html", dir);
    index = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(index);
    CU_ASSERT_PTR_NOT_NULL(strstr(index, "data:image/png;base64,"));
    CU_ASSERT_PTR_NULL(strstr(index, "href=\"report/"));
    free(index);
    CU_ASSERT_NOT_EQUAL(pages_batch(dir, "one", "--report-form many"), 0);
    /* the pages of an earlier run go when the report becomes one file */
    CU_ASSERT_EQUAL(pages_batch(dir, "one", "--report-form pages"), 0);
    snprintf(path, sizeof path, "%s/one/report", dir);
    CU_ASSERT_EQUAL(count_entries(path, "s"), PAGES_STRATA);
    CU_ASSERT_EQUAL(pages_batch(dir, "one", "--report-form single"), 0);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);

    /* something in the way of the pages: refused, nothing written */
    CU_ASSERT_EQUAL(vc_test_sh("mkdir -p %s/way && echo mine > %s/way/report", dir,
                       dir), 0);
    CU_ASSERT_NOT_EQUAL(pages_batch(dir, "way", ""), 0);
    snprintf(path, sizeof path, "%s/way.err", dir);
    char *err = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/way/report is in the way"));
    free(err);
    snprintf(path, sizeof path, "%s/way/report.html", dir);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/way", dir);
    CU_ASSERT_EQUAL(count_entries(path, ".report"), 0);

    /* the index cannot be written (a folder in its place): the earlier
     * report's pages stay as they were, nothing temporary is left */
    CU_ASSERT_EQUAL(vc_test_sh("cp %s/out/report/s00001.html %s/s1.html && "
                       "mv %s/out/report.html %s/index.html && "
                       "mkdir %s/out/report.html", dir, dir, dir, dir, dir),
                    0);
    CU_ASSERT_NOT_EQUAL(pages_batch(dir, "out", ""), 0);
    CU_ASSERT_EQUAL(vc_test_sh("cmp -s %s/s1.html %s/out/report/s00001.html", dir,
                       dir), 0);
    snprintf(path, sizeof path, "%s/out/report", dir);
    CU_ASSERT_EQUAL(count_entries(path, "s"), PAGES_STRATA);
    snprintf(path, sizeof path, "%s/out", dir);
    CU_ASSERT_EQUAL(count_entries(path, ".report"), 0);
    CU_ASSERT_EQUAL(vc_test_sh("rm -rf '%s'", dir), 0);
}

/* The stratum pages are drawn on the batch's threads (issue 20): the
 * report of a batch with figures of every kind (lcm and dga: posterior,
 * traces, forest) is the same bytes, every file of it, on 1 thread, on
 * 2, and re-assembled from the cache on 3; a failure names the first
 * page that failed and leaves the earlier report whole. */
static void test_report_pages_threads(void)
{
    char dir[] = "/tmp/vc_pthreads_XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s simulate --lists A,B,C --capture "
                             "0.3,0.2,0.25 --strata country,year --stratum "
                             "K,2001:900 --stratum K,2002:1000 --stratum "
                             "K,2003:1300 --stratum T,2001:1100 --stratum "
                             "T,2002:700 --stratum T,2003:800 -o %s/sim.csv",
                             vc_test_cli(), dir), 0);
    static const char *const runs[][2] = {
        {"t1", "--threads 1"}, {"t2", "--threads 2"}, {"t2", "--threads 3"}};
    for (size_t k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch -q %s/sim.csv --strata "
                                 "country,year --methods chapman,lcm,dga "
                                 "--iterations 300 --burnin 100 "
                                 "--report-form pages %s --out %s/%s "
                                 ">/dev/null", vc_test_cli(), dir,
                                 runs[k][1], dir, runs[k][0]), 0);
        if (k > 0) {
            CU_ASSERT_EQUAL(vc_test_sh("diff -r %s/t1/report %s/t2/report >/dev/null "
                               "&& cmp -s %s/t1/report.html "
                               "%s/t2/report.html", dir, dir, dir, dir), 0);
        }
    }
    /* every page too large to write (a file size limit, its signal
     * ignored so that write fails with EFBIG): the first page is the
     * one named whatever the threads' timing, and the earlier report
     * stays whole with nothing temporary left */
    CU_ASSERT_NOT_EQUAL(vc_test_sh("trap '' XFSZ; ulimit -f 200; %s batch -q "
                           "%s/sim.csv --strata country,year --methods "
                           "chapman,lcm,dga --iterations 300 --burnin 100 "
                           "--report-form pages --threads 2 --out %s/t2 "
                           ">/dev/null 2>%s/err", vc_test_cli(), dir, dir,
                           dir), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/err", dir);
    char *err = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/s00001.html: "));
    CU_ASSERT_PTR_NULL(strstr(err, "/s00002.html"));
    free(err);
    CU_ASSERT_EQUAL(vc_test_sh("diff -r %s/t1/report %s/t2/report >/dev/null && "
                       "cmp -s %s/t1/report.html %s/t2/report.html", dir,
                       dir, dir, dir), 0);
    snprintf(path, sizeof path, "%s/t2", dir);
    CU_ASSERT_EQUAL(count_entries(path, ".report"), 0);
    snprintf(path, sizeof path, "%s/t2/report", dir);
    CU_ASSERT_EQUAL(count_entries(path, "s"), 6);
    snprintf(path, sizeof path, "%s/t2/report/s00006.html", dir);
    char *page = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    CU_ASSERT_PTR_NOT_NULL(strstr(page, "data:image/svg+xml;base64,"));
    free(page);
    CU_ASSERT_EQUAL(vc_test_sh("rm -rf '%s'", dir), 0);
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
        || CU_add_test(s, "figures as SVG", test_plots_svg) == NULL
        || CU_add_test(s, "report in pages (batch)", test_report_pages)
               == NULL
        || CU_add_test(s, "report pages on threads",
                       test_report_pages_threads) == NULL
        || CU_add_test(s, "edge cases", test_report_edges) == NULL
        || CU_add_test(s, "mass groups", test_mass_groups) == NULL
        || CU_add_test(s, "structure words", test_structure_words) == NULL
        || CU_add_test(s, "synthesis", test_synthesis) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
