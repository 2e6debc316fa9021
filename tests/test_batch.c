/*
 * test_batch.c: `victimcount simulate` and `victimcount batch` end to end:
 * simulated files that read back as drawn, batches whose results do not
 * depend on order, threads or interruption, and the report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <jansson.h>

#include "data/vc_data.h"
#include "tests/test_util.h"

static char tmpdir[256];

static int setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vc_batch_XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run a shell command line with %s-style arguments; return its exit
 * status, or -1 when it did not exit normally. */
static int sh(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) {
        return -1;
    }
    return WEXITSTATUS(st);
}

/* The whole of a file, or NULL.  Returned; free(). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = 2 * cap + 8192;
            char *g = realloc(buf, cap);
            if (g == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = g;
        }
        size_t k = fread(buf + n, 1, 4096, f);
        n += k;
        if (k == 0) {
            break;
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL) {
        *len = n;
    }
    return buf;
}

/* Non-zero when the two files exist and hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = slurp(a, &la);
    char *y = slurp(b, &lb);
    int same = x != NULL && y != NULL && la == lb && memcmp(x, y, la) == 0;
    if (!same) {
        fprintf(stderr, "\n  %s and %s differ", a, b);
    }
    free(x);
    free(y);
    return same;
}

#define SIM_ARGS                                                             \
    "--lists IOM,NGO,Police --capture 0.09,0.07,0.06 --classes "           \
    "0.7:-0.4,0.3:0.9 --referral 'NGO>Police:0.3' --strata country,year "  \
    "--seed 2385"

/* Aggregated and record-level output read back into the same tables, the
 * truth file's observed counts match, and a stratum's draws do not depend
 * on which other strata were simulated with it. */
static void test_simulate(void)
{
    CU_ASSERT_EQUAL_FATAL(
        sh("%s simulate " SIM_ARGS " --stratum Tajikistan,2004:1500 "
           "--stratum Kazakhstan,2004:5000:0.8 -o %s/agg.csv --truth "
           "%s/truth.csv", vc_test_cli(), tmpdir, tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(
        sh("%s simulate " SIM_ARGS " --stratum Tajikistan,2004:1500 "
           "--stratum Kazakhstan,2004:5000:0.8 --records -o %s/rec.csv",
           vc_test_cli(), tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(
        sh("%s simulate " SIM_ARGS " --stratum Kazakhstan,2004:5000:0.8 "
           "-o %s/one.csv", vc_test_cli(), tmpdir), 0);
    char p1[512], p2[512], p3[512], pt[512];
    snprintf(p1, sizeof p1, "%s/agg.csv", tmpdir);
    snprintf(p2, sizeof p2, "%s/rec.csv", tmpdir);
    snprintf(p3, sizeof p3, "%s/one.csv", tmpdir);
    snprintf(pt, sizeof pt, "%s/truth.csv", tmpdir);
    const char *strata[] = {"country", "year"};
    vc_read_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.strata = strata;
    ro.nstrata = 2;
    vc_dataset *a = vc_dataset_read(p1, &ro, NULL);
    vc_dataset *b = vc_dataset_read(p2, &ro, NULL);
    vc_dataset *c = vc_dataset_read(p3, &ro, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_TRUE(a->aggregated);
    CU_ASSERT_FALSE(b->aggregated);
    CU_ASSERT_EQUAL_FATAL(a->ntables, 2);
    CU_ASSERT_EQUAL_FATAL(b->ntables, 2);
    for (size_t s = 0; s < 2; s++) {
        const vc_table *x = a->tables[s], *y = b->tables[s];
        CU_ASSERT_EQUAL(x->n, y->n);
        CU_ASSERT_EQUAL_FATAL(x->npat, y->npat);
        CU_ASSERT_EQUAL(memcmp(x->pattern, y->pattern,
                               x->npat * sizeof *x->pattern), 0);
        CU_ASSERT_EQUAL(memcmp(x->count, y->count,
                               x->npat * sizeof *x->count), 0);
    }
    /* Kazakhstan alone draws what it drew next to Tajikistan */
    CU_ASSERT_EQUAL_FATAL(c->ntables, 1);
    CU_ASSERT_STRING_EQUAL(c->tables[0]->label, "Kazakhstan 2004");
    CU_ASSERT_EQUAL(c->tables[0]->n, a->tables[1]->n);
    CU_ASSERT_EQUAL(memcmp(c->tables[0]->count, a->tables[1]->count,
                           c->tables[0]->npat * sizeof(uint64_t)), 0);
    char *truth = slurp(pt, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(truth);
    char want[256];
    snprintf(want, sizeof want, "Kazakhstan,2004,5000,%llu,%llu,",
             (unsigned long long)a->tables[1]->n,
             (unsigned long long)(5000 - a->tables[1]->n));
    CU_ASSERT_PTR_NOT_NULL(strstr(truth, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(truth, "country,year,N,observed,unseen"));
    free(truth);
    vc_dataset_free(a);
    vc_dataset_free(b);
    vc_dataset_free(c);
    /* usage errors */
    CU_ASSERT_EQUAL(sh("%s simulate --lists A,B --capture 0.5 --N 10 "
                       ">/dev/null 2>&1", vc_test_cli()), 2);
    CU_ASSERT_EQUAL(sh("%s simulate --lists A,B --capture 0.5,1.5 --N 10 "
                       ">/dev/null 2>&1", vc_test_cli()), 2);
    CU_ASSERT_EQUAL(sh("%s simulate --lists A,B --capture 0.5,0.5 "
                       ">/dev/null 2>&1", vc_test_cli()), 2);
    CU_ASSERT_EQUAL(sh("%s simulate --lists A,B --capture 0.5,0.5 --N 9 "
                       "--referral 'A>C:0.5' >/dev/null 2>&1",
                       vc_test_cli()), 2);
    CU_ASSERT_EQUAL(sh("%s simulate --lists A,B --capture 0.5,0.5 --strata "
                       "x,y --stratum a:10 >/dev/null 2>&1",
                       vc_test_cli()), 2);
}


/* data/examples/central-asia.csv is what the command in its sidecar .md
 * writes: the command is read from the .md, pointed at the temporary
 * directory, run, and the bytes compared. */
static void test_example_reproducible(void)
{
    char *md = slurp("data/examples/central-asia.md", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    const char *start = strstr(md, "build/victimcount simulate");
    CU_ASSERT_PTR_NOT_NULL_FATAL(start);
    /* the command runs to the first line not ending in a backslash */
    char cmd[4096];
    size_t k = 0;
    const char *prefix = "build/";
    for (const char *p = start; *p && k + 64 < sizeof cmd; p++) {
        if (*p == '\n' && p > start && p[-1] != '\\') {
            break;
        }
        if (strncmp(p, "data/examples/central-asia", 26) == 0) {
            k += (size_t)snprintf(cmd + k, sizeof cmd - k, "%s/ca", tmpdir);
            p += 25;
            continue;
        }
        cmd[k++] = *p;
    }
    cmd[k] = '\0';
    free(md);
    /* run the binary under test rather than build/victimcount */
    const char *rest = cmd + strlen(prefix) + strlen("victimcount");
    CU_ASSERT_EQUAL_FATAL(sh("%s%s", vc_test_cli(), rest), 0);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/ca.csv", tmpdir);
    CU_ASSERT(same_bytes(a, "data/examples/central-asia.csv"));
    snprintf(b, sizeof b, "%s/ca-truth.csv", tmpdir);
    CU_ASSERT(same_bytes(b, "data/examples/central-asia-truth.csv"));
}

int vc_register_batch_suite(void)
{
    CU_pSuite s = CU_add_suite("batch", setup, teardown);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "simulate", test_simulate) == NULL
        || CU_add_test(s, "central-asia example reproducible",
                       test_example_reproducible) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
