/*
 * test_batch.c: `victimcount simulate` and `victimcount batch` end to end:
 * simulated files that read back as drawn, batches whose results do not
 * depend on order, threads or interruption, and the report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <cairo.h>
#include <jansson.h>

#include "batch/vc_batch.h"
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

/* Non-zero when the two files exist and hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = vc_test_slurp(a, &la);
    char *y = vc_test_slurp(b, &lb);
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
        vc_test_sh("%s simulate " SIM_ARGS " --stratum Tajikistan,2004:1500 "
           "--stratum Kazakhstan,2004:5000:0.8 -o %s/agg.csv --truth "
           "%s/truth.csv", vc_test_cli(), tmpdir, tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(
        vc_test_sh("%s simulate " SIM_ARGS " --stratum Tajikistan,2004:1500 "
           "--stratum Kazakhstan,2004:5000:0.8 --records -o %s/rec.csv",
           vc_test_cli(), tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(
        vc_test_sh("%s simulate " SIM_ARGS " --stratum Kazakhstan,2004:5000:0.8 "
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
    char *truth = vc_test_slurp(pt, NULL);
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
    CU_ASSERT_EQUAL(vc_test_sh("%s simulate --lists A,B --capture 0.5 --N 10 "
                       ">/dev/null 2>&1", vc_test_cli()), 2);
    CU_ASSERT_EQUAL(vc_test_sh("%s simulate --lists A,B --capture 0.5,1.5 --N 10 "
                       ">/dev/null 2>&1", vc_test_cli()), 2);
    CU_ASSERT_EQUAL(vc_test_sh("%s simulate --lists A,B --capture 0.5,0.5 "
                       ">/dev/null 2>&1", vc_test_cli()), 2);
    CU_ASSERT_EQUAL(vc_test_sh("%s simulate --lists A,B --capture 0.5,0.5 --N 9 "
                       "--referral 'A>C:0.5' >/dev/null 2>&1",
                       vc_test_cli()), 2);
    CU_ASSERT_EQUAL(vc_test_sh("%s simulate --lists A,B --capture 0.5,0.5 --strata "
                       "x,y --stratum a:10 >/dev/null 2>&1",
                       vc_test_cli()), 2);
}


/* data/examples/central-asia.csv is what the command in its sidecar .md
 * writes: the command is read from the .md, pointed at the temporary
 * directory, run, and the bytes compared. */
static void test_example_reproducible(void)
{
    char *md = vc_test_slurp("data/examples/central-asia.md", NULL);
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
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s%s", vc_test_cli(), rest), 0);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/ca.csv", tmpdir);
    CU_ASSERT(same_bytes(a, "data/examples/central-asia.csv"));
    snprintf(b, sizeof b, "%s/ca-truth.csv", tmpdir);
    CU_ASSERT(same_bytes(b, "data/examples/central-asia-truth.csv"));
}

/* Options that make a batch of the Central Asia example take a few
 * seconds: short chains and bootstrap, every method. */
#define BATCH_FAST                                                           \
    "--strata country,year --iterations 1000 --burnin 200 --bootstrap 50 "  \
    "-q"

static int batch(const char *dir, const char *extra)
{
    return vc_test_sh("%s batch data/examples/central-asia.csv " BATCH_FAST
              " %s --out %s/%s >%s/%s.out 2>%s/%s.err", vc_test_cli(), extra,
              tmpdir, dir, tmpdir, dir, tmpdir, dir);
}

static int same_output(const char *a, const char *b)
{
    static const char *const files[] = {"results.csv", "results.json",
                                        "report.html"};
    int same = 1;
    for (size_t i = 0; i < 3; i++) {
        char pa[600], pb[600];
        snprintf(pa, sizeof pa, "%s/%s/%s", tmpdir, a, files[i]);
        snprintf(pb, sizeof pb, "%s/%s/%s", tmpdir, b, files[i]);
        same &= same_bytes(pa, pb);
    }
    return same;
}

/* A full batch: every stratum and method in results.json with its keys,
 * a report with figures, headlines on standard output; then the same with
 * one thread gives the same bytes, and a re-run computes nothing and
 * changes nothing. */
static void test_batch_outputs(void)
{
    CU_ASSERT_EQUAL_FATAL(batch("full", "--methods chapman,loglinear,lcm,dga "
                                        "--sensitivity omit-each"), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/full/results.json", tmpdir);
    json_t *root = json_load_file(path, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    json_t *res = json_object_get(root, "results");
    /* 9 strata x (3 chapman pairs + 3 methods) main rows, and for each of
     * the 3 variants: 1 chapman row (2 lists) + 3 methods */
    CU_ASSERT_EQUAL(json_array_size(res), 9 * (6 + 3 * 4));
    size_t ok = 0, sens = 0;
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *r = json_array_get(res, i);
        CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(r,
                                                               "stratum_keys"),
                                               "country"));
        CU_ASSERT_PTR_NOT_NULL(json_object_get(r, "variant"));
        ok += json_is_number(json_object_get(r, "estimate"));
        sens += json_object_get(r, "sensitivity") != NULL;
        /* a row without an estimate says why */
        if (!json_is_number(json_object_get(r, "estimate"))) {
            const char *e = json_string_value(json_object_get(r, "error"));
            CU_ASSERT(e != NULL && strlen(e) > 10);
        }
    }
    CU_ASSERT(ok >= 9 * 6);
    CU_ASSERT(sens >= 9 * 3);
    json_decref(root);
    snprintf(path, sizeof path, "%s/full/report.html", tmpdir);
    char *html = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(html);
    size_t imgs = 0;
    for (const char *p = html; (p = strstr(p, "<img")) != NULL; p++) {
        imgs++;
    }
    /* forest + per stratum the lcm and dga posteriors and a trace */
    CU_ASSERT_EQUAL(imgs, 1 + 9 * 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "data:image/png;base64,iVBORw0KG"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "Tajikistan 2005: about "));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<details>"));
    CU_ASSERT_PTR_NULL(strstr(html, "<script"));
    free(html);
    snprintf(path, sizeof path, "%s/full.out", tmpdir);
    char *out = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Kyrgyz Republic 2004: about "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "report: "));
    free(out);

    /* one thread, a fresh directory: the same bytes */
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("OMP_NUM_THREADS=1 %s batch "
                             "data/examples/central-asia.csv " BATCH_FAST
                             " --methods chapman,loglinear,lcm,dga "
                             "--sensitivity omit-each --out %s/one "
                             ">/dev/null 2>&1", vc_test_cli(), tmpdir), 0);
    CU_ASSERT(same_output("full", "one"));
    /* a re-run finds every unit cached: same bytes, no new unit files */
    CU_ASSERT_EQUAL(vc_test_sh("ls %s/full/cache | wc -l > %s/n1", tmpdir, tmpdir),
                    0);
    CU_ASSERT_EQUAL_FATAL(batch("full", "--methods chapman,loglinear,lcm,"
                                        "dga --sensitivity omit-each "
                                        "--resume"), 0);
    CU_ASSERT_EQUAL(vc_test_sh("ls %s/full/cache | wc -l > %s/n2", tmpdir, tmpdir),
                    0);
    char n1[600], n2[600];
    snprintf(n1, sizeof n1, "%s/n1", tmpdir);
    snprintf(n2, sizeof n2, "%s/n2", tmpdir);
    CU_ASSERT(same_bytes(n1, n2));
    CU_ASSERT(same_output("full", "one"));
}

/* A stratum's rows do not depend on which other strata are in the file. */
static void test_batch_subset(void)
{
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("(head -1 data/examples/central-asia.csv; "
                             "grep '^Tajikistan,2005' "
                             "data/examples/central-asia.csv) > %s/taj.csv",
                             tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch %s/taj.csv " BATCH_FAST
                             " --methods loglinear,lcm --out %s/taj "
                             ">/dev/null 2>&1", vc_test_cli(), tmpdir,
                             tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(batch("all2", "--methods loglinear,lcm"), 0);
    char pa[600], pb[600];
    snprintf(pa, sizeof pa, "%s/taj/results.json", tmpdir);
    snprintf(pb, sizeof pb, "%s/all2/results.json", tmpdir);
    json_t *a = json_load_file(pa, 0, NULL);
    json_t *b = json_load_file(pb, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    json_t *ra = json_object_get(a, "results");
    json_t *rb = json_object_get(b, "results");
    CU_ASSERT_EQUAL_FATAL(json_array_size(ra), 2);
    size_t matched = 0;
    for (size_t i = 0; i < json_array_size(rb); i++) {
        json_t *r = json_array_get(rb, i);
        const char *st = json_string_value(json_object_get(r, "stratum"));
        if (st != NULL && strcmp(st, "Tajikistan 2005") == 0) {
            CU_ASSERT(json_equal(r, json_array_get(ra, matched)));
            matched++;
        }
    }
    CU_ASSERT_EQUAL(matched, 2);
    json_decref(a);
    json_decref(b);
}

/* Killed with SIGKILL after random delays, again and again, then run to
 * the end: the same bytes as a run never interrupted.  The delays are
 * fractions 0.1-0.9 of the uninterrupted run's wall time (so that kills
 * land inside the run however fast the machine or the code), drawn from a
 * fixed linear congruential sequence. */
static void test_batch_kill_resume(void)
{
    const char *methods = "--methods chapman,loglinear,lcm";
    CU_ASSERT_EQUAL_FATAL(batch("ref", methods), 0);
    /* Each attempt is killed once a given number of new unit files has
     * appeared in the cache (plus a pseudo-random pause of 0-40 ms, so
     * the kill also lands inside a unit), not after a time measured on
     * another run: the test then kills whatever the machine's load. */
    uint64_t x = 2385;
    int kills = 0, rc = -1;
    for (int attempt = 0; attempt < 40 && rc != 0; attempt++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        unsigned more = 1 + (unsigned)(x >> 62);
        unsigned pause_ms = (unsigned)((x >> 32) % 41);
        rc = vc_test_sh("d=%s/killed; n0=$(ls $d/cache 2>/dev/null | grep -vc "
                "'\\.tmp\\.'); %s batch data/examples/central-asia.csv "
                BATCH_FAST " %s --out $d >/dev/null 2>&1 & p=$!; "
                "while kill -0 $p 2>/dev/null; do "
                "n=$(ls $d/cache 2>/dev/null | grep -vc '\\.tmp\\.'); "
                "if [ $n -ge $((n0 + %u)) ] && [ %d -lt 39 ]; then "
                "sleep 0.%03u; kill -KILL $p 2>/dev/null; break; fi; "
                "sleep 0.005; done; wait $p",
                tmpdir, vc_test_cli(), methods, more, attempt, pause_ms);
        kills += rc == 137;
        CU_ASSERT(rc == 0 || rc == 137);
    }
    CU_ASSERT_EQUAL(rc, 0);
    fprintf(stderr, "\n    killed %d times", kills);
    CU_ASSERT(kills >= 1);
    CU_ASSERT(same_output("ref", "killed"));
}

/* Options of the merge tests: four simulated lists in three strata, so
 * that a table with two lists merged still has three, and every method
 * has variants to spread over. */
#define MERGE_METHODS                                                        \
    "--strata region --methods independence,loglinear,lcm --iterations "    \
    "1000 --burnin 200 --bootstrap 50 -q"

static int merge_batch(const char *dir, const char *sens, const char *env)
{
    return vc_test_sh("%s %s batch %s/m4.csv " MERGE_METHODS " --sensitivity %s "
              "--out %s/%s >/dev/null 2>%s/%s.err", env, vc_test_cli(),
              tmpdir, sens, tmpdir, dir, tmpdir, dir);
}

/* --sensitivity merge-pairs and merge:A+B: every pair of lists merged
 * into one and rerun, the spread next to each main estimate in
 * results.csv, results.json and the report; a user-given merge is the
 * same unit as the pair (names in file order), so its cache file is
 * reused, not recomputed; one thread gives the same bytes. */
static void test_batch_merge(void)
{
    CU_ASSERT_EQUAL_FATAL(
        vc_test_sh("%s simulate --lists IOM,NGO,Police,Shelter --capture "
           "0.2,0.15,0.1,0.12 --referral 'NGO>Police:0.3' --strata region "
           "--stratum North:1500 --stratum South:800 --stratum East:600 "
           "--seed 2385 -o %s/m4.csv", vc_test_cli(), tmpdir), 0);
    /* one user-given merge, named out of file order */
    CU_ASSERT_EQUAL_FATAL(merge_batch("mg", "merge:NGO+IOM", ""), 0);
    CU_ASSERT_EQUAL(vc_test_sh("ls -i %s/mg/cache | sort > %s/mg.i1", tmpdir,
                       tmpdir), 0);
    /* 3 strata x 3 methods x (all lists + 1 merge) */
    CU_ASSERT_EQUAL(vc_test_sh("test $(wc -l < %s/mg.i1) -eq 18", tmpdir), 0);
    /* every kind at once: the 18 units are reused, not rewritten (same
     * inodes: a rewrite renames a new file into place), and the
     * NGO+IOM merge is the IOM+NGO pair: 3 x 3 x (1 + 4 + 6) units */
    const char *all = "omit-each,merge-pairs --sensitivity merge:NGO+IOM";
    CU_ASSERT_EQUAL_FATAL(merge_batch("mg", all, ""), 0);
    CU_ASSERT_EQUAL(vc_test_sh("ls -i %s/mg/cache | sort > %s/mg.i2", tmpdir,
                       tmpdir), 0);
    CU_ASSERT_EQUAL(vc_test_sh("test $(wc -l < %s/mg.i2) -eq 99", tmpdir), 0);
    CU_ASSERT_EQUAL(vc_test_sh("test -z \"$(comm -23 %s/mg.i1 %s/mg.i2)\"", tmpdir,
                       tmpdir), 0);
    /* one thread, a fresh directory: the same bytes */
    CU_ASSERT_EQUAL_FATAL(merge_batch("mg1", all, "OMP_NUM_THREADS=1"), 0);
    CU_ASSERT(same_output("mg", "mg1"));

    char path[600];
    snprintf(path, sizeof path, "%s/mg/results.json", tmpdir);
    json_t *root = json_load_file(path, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    json_t *res = json_object_get(root, "results");
    CU_ASSERT_EQUAL(json_array_size(res), 99);
    size_t spread = 0, merged = 0;
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *r = json_array_get(res, i);
        const char *v = json_string_value(json_object_get(r, "variant"));
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        merged += strstr(v, " merged") != NULL;
        json_t *sp = json_object_get(r, "sensitivity");
        if (sp == NULL) {
            continue;
        }
        CU_ASSERT_STRING_EQUAL(v, "all lists");
        json_t *m = json_object_get(sp, "merge");
        json_t *o = json_object_get(sp, "omit");
        CU_ASSERT_PTR_NOT_NULL_FATAL(m);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(m, "variants")),
                        6);
        CU_ASSERT_EQUAL(json_integer_value(json_object_get(o, "variants")),
                        4);
        double lo = json_number_value(json_object_get(m, "lower"));
        double hi = json_number_value(json_object_get(m, "upper"));
        CU_ASSERT(lo > 0.0 && lo <= hi);
        spread++;
    }
    /* every stratum and method has a spread; 6 merge variants each */
    CU_ASSERT_EQUAL(spread, 9);
    CU_ASSERT_EQUAL(merged, 9 * 6);
    json_decref(root);
    snprintf(path, sizeof path, "%s/mg/results.csv", tmpdir);
    char *csv = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    /* then the synthesis's columns: two of its methods ran (issue 17) */
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",variant,omit_lower,omit_upper,"
                                       "merge_lower,merge_upper,agree,"
                                       "quote_lower,quote_upper\n"));
    /* the merged list named in file order, in its first member's place */
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "IOM+NGO;Police;Shelter,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "IOM;NGO+Police;Shelter,"));
    free(csv);
    snprintf(path, sizeof path, "%s/mg/report.html", tmpdir);
    char *html = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(html);
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<th>without one list</th><th>"
                                        "lists merged</th>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td>NGO+Shelter merged</td>"));
    free(html);

    /* a list that saw nobody in a stratum: that stratum's rows say so;
     * merging every list leaves one: the rows say so */
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch tests/fixtures/batch_strata.csv "
                             "--strata region --methods chapman -q "
                             "--sensitivity merge:NGO+Police,merge:IOM+NGO"
                             "+Police --out %s/mgbad >/dev/null 2>&1",
                             vc_test_cli(), tmpdir), 0);
    snprintf(path, sizeof path, "%s/mgbad/results.csv", tmpdir);
    csv = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "cannot merge NGO+Police here: NGO "
                                       "saw nobody in this stratum"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "merging IOM+NGO+Police leaves one "
                                       "list"));
    free(csv);
    /* usage: unknown list, one list, a list twice, an unknown kind */
    static const char *const bad[] = {"merge:IOM+Nope", "merge:IOM",
                                      "merge:IOM+IOM", "merge:+IOM",
                                      "merge-each"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(vc_test_sh("%s batch tests/fixtures/batch_strata.csv "
                           "--strata region --sensitivity %s --out %s/u "
                           ">/dev/null 2>&1", vc_test_cli(), bad[i], tmpdir),
                        2);
    }
}

/* A stratum that cannot be estimated gets rows that say why; the batch
 * still succeeds. */
static void test_batch_bad_stratum(void)
{
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch tests/fixtures/batch_strata.csv "
                             "--strata region --methods chapman,loglinear "
                             "-q --out %s/bad > %s/bad.out 2>&1",
                             vc_test_cli(), tmpdir, tmpdir), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/bad/results.csv", tmpdir);
    char *csv = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    /* South: only IOM saw anyone */
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "South,South,chapman"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "only 1 list saw anyone here"));
    /* East: three lists that never meet: no log-linear MLE */
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "East,East,loglinear"));
    free(csv);
    snprintf(path, sizeof path, "%s/bad.out", tmpdir);
    char *out = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "South: no estimate") ? out
                                                                   : NULL);
    free(out);
    /* without -q, a note says how many rows have no estimate */
    CU_ASSERT_EQUAL(vc_test_sh("%s batch tests/fixtures/batch_strata.csv --strata "
                       "region --methods chapman,loglinear --resume --out "
                       "%s/bad >/dev/null 2>%s/bad.err", vc_test_cli(),
                       tmpdir, tmpdir), 0);
    snprintf(path, sizeof path, "%s/bad.err", tmpdir);
    out = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "results have no estimate; "
                                              "their rows say why")
                               ? out : NULL);
    free(out);
    /* usage */
    CU_ASSERT_EQUAL(vc_test_sh("%s batch tests/fixtures/batch_strata.csv >/dev/null "
                       "2>&1", vc_test_cli()), 2);
    CU_ASSERT_EQUAL(vc_test_sh("%s estimate --out x tests/fixtures/batch_strata.csv "
                       ">/dev/null 2>&1", vc_test_cli()), 2);
    CU_ASSERT_EQUAL(vc_test_sh("%s batch --sensitivity sideways --out %s/u "
                       "tests/fixtures/batch_strata.csv >/dev/null 2>&1",
                       vc_test_cli(), tmpdir), 2);
}

/* simulate's refusals, each with its message; --help; one population
 * (--N) with its truth; stratum keys that need CSV quoting. */
static void test_simulate_options(void)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"--lists A,B --capture 0.5,x --N 10",
         "--capture takes up to 16 probabilities separated by commas, not "
         "\"0.5,x\""},
        {"--lists A,B --capture 0.5,0.5 --N 1:2",
         "--N takes a whole number, not \"1:2\""},
        {"--lists A,B --capture 0.5,0.5 --strata s --stratum x",
         "--stratum takes KEYS:N[:ODDS], e.g. Kazakhstan,2003:5000, not "
         "\"x\""},
        {"--lists A,B --capture 0.5,0.5 --strata s --stratum x:10:0",
         "the odds multiplier in --stratum \"x:10:0\" must be a positive "
         "number"},
        {"--lists A,B --capture 0.5,0.5 --N 10 --classes 0.5",
         "--classes takes WEIGHT:SHIFT pairs separated by commas (at most "
         "16), not \"0.5\""},
        {"--lists A,B --capture 0.5,0.5 --N 10 --propensity-sd x",
         "--propensity-sd takes a number, not \"x\""},
        {"--lists A,B --capture 0.5,0.5 --N 10 --propensity-sd -1",
         "simulate: simulation: propensity sd -1 must be finite and >= 0"},
        {"--lists A,B --capture 0.5,0.5 --N 10 --seed -1",
         "--seed takes a whole number >= 0, not \"-1\""},
        {"--lists A,B --capture 0.5,0.5 --N",
         "option --N needs a value (see victimcount simulate --help)"},
        {"--lists A,B --capture 0.5,0.5 --N 10 --frob",
         "unknown option --frob (see victimcount simulate --help)"},
        {"--lists A,B --capture 0.5,0.5 --N 10 out.csv",
         "takes no FILE argument (use -o FILE)"},
        {"--capture 0.5,0.5 --N 10",
         "--lists is required, e.g. --lists IOM,NGO,Police"},
    };
    char path[600];
    snprintf(path, sizeof path, "%s/sim_err", tmpdir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CU_ASSERT_EQUAL(vc_test_sh("%s simulate %s >/dev/null 2>'%s'", vc_test_cli(),
                           cases[i].args, path), 2);
        char *e = vc_test_slurp(path, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        if (strstr(e, cases[i].msg) == NULL) {
            fprintf(stderr, "\n  %s: %s", cases[i].args, e);
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(e, cases[i].msg));
        free(e);
    }
    CU_ASSERT_EQUAL(vc_test_sh("%s simulate --help >'%s'", vc_test_cli(), path), 0);
    char *help = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(help && strstr(help, "Usage: victimcount simulate")
                               ? help : NULL);
    free(help);

    /* one population: independent lists at 0.5 leave 1/4 unseen; the
     * truth file says so, and its observed count is the table's */
    char out[600], truth[600];
    snprintf(out, sizeof out, "%s/sim_one.csv", tmpdir);
    snprintf(truth, sizeof truth, "%s/sim_one_truth.csv", tmpdir);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s simulate --lists A,B --capture 0.5,0.5 "
                             "--N 1000 --seed 7 -o '%s' --truth '%s'",
                             vc_test_cli(), out, truth), 0);
    vc_error err;
    vc_read_opts ro;
    memset(&ro, 0, sizeof ro);
    vc_dataset *d = vc_dataset_read(out, &ro, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->ntables, 1);
    char want[128];
    snprintf(want, sizeof want, "N,observed,unseen,expected_share_unseen,"
             "seed\n1000,%llu,%llu,0.250000,7\n",
             (unsigned long long)d->tables[0]->n,
             (unsigned long long)(1000 - d->tables[0]->n));
    char *t = vc_test_slurp(truth, NULL);
    CU_ASSERT_PTR_NOT_NULL(t);
    CU_ASSERT_STRING_EQUAL(t ? t : "", want);
    free(t);
    vc_dataset_free(d);

    /* a key holding a double quote is quoted and read back whole; odds 2
     * raise each capture probability to 2/3, so 1/9 stay unseen */
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s simulate --lists A,B --capture 0.5,0.5 "
                             "--strata site --stratum 'Say \"hi\":100' "
                             "--stratum b:50:2 --seed 7 -o '%s' "
                             "--truth '%s'", vc_test_cli(), out, truth), 0);
    t = vc_test_slurp(truth, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\n\"Say \"\"hi\"\"\",100,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ",0.111111,7\n"));
    free(t);
    const char *strata[] = {"site"};
    ro.strata = strata;
    ro.nstrata = 1;
    d = vc_dataset_read(out, &ro, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 2);
    CU_ASSERT_STRING_EQUAL(d->tables[0]->label, "Say \"hi\"");
    vc_dataset_free(d);
}

/* batch's own refusals and messages; --help; a table without strata
 * (the stratum is null); notes on stderr. */
static void test_batch_options(void)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"--out %s/o1 --draws x.csv", "batch: --draws and --output belong "
                                       "to estimate; batch writes "
                                       "everything into --out DIR"},
        {"--out %s/o1 -o x.json", "--draws and --output belong to "
                                  "estimate"},
        {"--out %s/o1 --methods chapman,magic", "batch: unknown method "
                                                "\"magic\" (see victimcount "
                                                "estimate --help)"},
        {"--strata country,year --out %s/notadir/sub",
         "batch: cannot create "},
    };
    char path[600], args[700];
    snprintf(path, sizeof path, "%s/notadir", tmpdir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/batch_err", tmpdir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, cases[i].args, tmpdir);
        int rc = vc_test_sh("%s batch tests/fixtures/cli_strata.csv %s >/dev/null "
                    "2>'%s'", vc_test_cli(), args, path);
        CU_ASSERT_EQUAL(rc, i == 3 ? 5 : 2);
        char *e = vc_test_slurp(path, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        if (strstr(e, cases[i].msg) == NULL) {
            fprintf(stderr, "\n  %s: %s", args, e);
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(e, cases[i].msg));
        free(e);
    }
    char longdir[4200];
    memset(longdir, 'd', 4100);
    longdir[4100] = '\0';
    CU_ASSERT_EQUAL(vc_test_sh("%s batch --out %s tests/fixtures/cli_strata.csv "
                       ">/dev/null 2>'%s'", vc_test_cli(), longdir, path), 2);
    char *e = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(e && strstr(e, "batch: --out DIR is too long")
                               ? e : NULL);
    free(e);
    CU_ASSERT_EQUAL(vc_test_sh("%s batch --out %s/o2 %s/missing.csv >/dev/null "
                       "2>'%s'", vc_test_cli(), tmpdir, tmpdir, path), 3);
    e = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(e && strstr(e, "missing.csv") ? e : NULL);
    free(e);
    CU_ASSERT_EQUAL(vc_test_sh("%s batch --help >'%s'", vc_test_cli(), path), 0);
    e = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(e && strstr(e, "Usage: victimcount batch") ? e
                                                                     : NULL);
    free(e);

    /* no strata: one unnamed population; Kosovo's independence model is
     * R's glm figure, 7,394.586663 (test_cli.c), and the rows left out by
     * --lists are a note on stderr */
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch --methods independence --lists "
                             "EXH,ABA,OSCE --out %s/nostrata "
                             "data/examples/kosovo.csv >/dev/null 2>'%s'",
                             vc_test_cli(), tmpdir, path), 0);
    e = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(e && strstr(e, "note: ") ? e : NULL);
    free(e);
    snprintf(path, sizeof path, "%s/nostrata/results.json", tmpdir);
    json_t *root = json_load_file(path, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    json_t *r = json_array_get(json_object_get(root, "results"), 0);
    CU_ASSERT(json_is_null(json_object_get(r, "stratum")));
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "method")),
                           "independence");
    json_decref(root);
}

/* A cache that holds a stale temporary and a unit file that is not a
 * finished unit (another key, no rows): --resume removes the one and
 * recomputes the other, and the outputs are those of the first run. */
static void test_batch_cache_repair(void)
{
    const char *args = "--strata country,year --methods chapman,independence"
                       " -q";
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch tests/fixtures/cli_strata.csv %s "
                             "--lists IOM,NGO --out %s/rep0 >/dev/null",
                             vc_test_cli(), args, tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("cp -r %s/rep0 %s/rep1", tmpdir, tmpdir), 0);
    /* one unit file emptied of its rows, one stray temporary */
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("f=$(ls %s/rep1/cache/*.json | head -1) && "
                             "printf '{\"key\": \"x\", \"rows\": []}' >$f "
                             "&& : > %s/rep1/cache/u.json.tmp.AbC123",
                             tmpdir, tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch tests/fixtures/cli_strata.csv %s "
                             "--lists IOM,NGO --resume --out %s/rep1 "
                             ">/dev/null",
                             vc_test_cli(), args, tmpdir), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/rep1/cache/u.json.tmp.AbC123", tmpdir);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
    CU_ASSERT(same_output("rep0", "rep1"));
}

/* Every option of a method's family is part of its units' cache key: a
 * re-run into the same --out with one of them changed computes that
 * method's unit again (one new unit file) rather than serving the result
 * of the other setting. */
static void test_batch_cache_keys(void)
{
    const char *base = "--methods loglinear,lcm,dga --model independence "
                       "--iterations 300 --burnin 100 -q";
    static const char *const changed[] = {"--heterogeneity 2",
                                          "--sampler gibbs", "--dga-mcmc"};
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch data/reference/Kosovo.csv %s --out "
                             "%s/keys >/dev/null", vc_test_cli(), base,
                             tmpdir), 0);
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++) {
        CU_ASSERT_EQUAL(vc_test_sh("%s batch data/reference/Kosovo.csv %s %s --out "
                           "%s/keys >/dev/null", vc_test_cli(), base,
                           changed[i], tmpdir), 0);
        CU_ASSERT_EQUAL(vc_test_sh("test $(ls %s/keys/cache | wc -l) -eq %zu",
                           tmpdir, 3 + i + 1), 0);
    }
    /* dga's MCMC over graphs runs with lcm's run options: a change of one
     * computes both methods' units again */
    CU_ASSERT_EQUAL(vc_test_sh("%s batch data/reference/Kosovo.csv %s --dga-mcmc "
                       "--thin 2 --out %s/keys >/dev/null", vc_test_cli(),
                       base, tmpdir), 0);
    CU_ASSERT_EQUAL(vc_test_sh("test $(ls %s/keys/cache | wc -l) -eq 8", tmpdir), 0);
}

/* A stratum key with HTML's special characters is escaped in the report
 * (and quoted in results.csv); an lcm run of three draws has no R-hat,
 * which the report says rather than printing a number. */
static void test_batch_report_escapes(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/html.csv", tmpdir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static const char *const rows[] = {"1,0,0,30", "0,1,0,25", "0,0,1,20",
                                       "1,1,0,8",  "0,1,1,6",  "1,0,1,5"};
    fputs("site,A,B,C,count\n", f);
    for (size_t i = 0; i < 6; i++) {
        fprintf(f, "\"Say \"\"hi\"\" & <b>\",%s\n", rows[i]);
    }
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch --strata site --methods chapman,lcm "
                             "--iterations 3 --burnin 0 --thin 1 --chains 1 "
                             "-q --out %s/html '%s' >/dev/null",
                             vc_test_cli(), tmpdir, path), 0);
    snprintf(path, sizeof path, "%s/html/report.html", tmpdir);
    char *html = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(html);
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "Say &quot;hi&quot; &amp; "
                                        "&lt;b&gt;"));
    CU_ASSERT_PTR_NULL(strstr(html, "& <b>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td>undefined</td>"));
    free(html);
    snprintf(path, sizeof path, "%s/html/results.csv", tmpdir);
    char *csv = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\n\"Say \"\"hi\"\" & <b>\",\"Say "
                                       "\"\"hi\"\" & <b>\",chapman,A;B,"));
    free(csv);
}

/* A batch with fewer units than threads runs an lcm unit's chains on the
 * threads that have no unit (tasks of the batch's team,
 * cli_batch_run_local): the cache files and outputs are the bytes of one
 * thread, and of the same units among many strata on two threads,
 * whatever thread and order they ran in. */
static void test_batch_granted_threads(void)
{
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("(head -1 data/examples/central-asia.csv; "
                             "grep -E '^(Tajikistan,2005|Kazakhstan,2003),' "
                             "data/examples/central-asia.csv) > %s/two.csv",
                             tmpdir), 0);
    static const char *const runs[] = {"g1", "g3", "g8"};
    static const int threads[] = {1, 3, 8};
    for (size_t r = 0; r < 3; r++) {
        CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch %s/two.csv " BATCH_FAST
                                 " --methods chapman,loglinear,lcm,dga "
                                 "--threads %d --out %s/%s >%s/%s.out "
                                 "2>&1", vc_test_cli(), tmpdir, threads[r],
                                 tmpdir, runs[r], tmpdir, runs[r]), 0);
    }
    CU_ASSERT(same_output("g1", "g3"));
    CU_ASSERT(same_output("g1", "g8"));
    CU_ASSERT_EQUAL(vc_test_sh("diff -r %s/g1/cache %s/g3/cache && diff -r "
                       "%s/g1/cache %s/g8/cache", tmpdir, tmpdir, tmpdir,
                       tmpdir), 0);
    /* the same units inside the nine-stratum batch on two threads */
    CU_ASSERT_EQUAL_FATAL(batch("g9", "--methods chapman,loglinear,lcm,dga "
                                      "--threads 2"), 0);
    CU_ASSERT_EQUAL(vc_test_sh("for f in %s/g1/cache/*.json; do cmp -s \"$f\" "
                       "%s/g9/cache/$(basename \"$f\") || exit 1; done",
                       tmpdir, tmpdir), 0);
}

/* On a terminal, batch shows units and strata done, units per second
 * and the time left; -q silences it (and changes no output file). */
static void test_batch_progress(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/bprog.out", tmpdir);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("script -qec \"%s batch --strata country,year "
                             "--methods chapman,independence --lists "
                             "IOM,NGO --out %s/bprog "
                             "tests/fixtures/cli_strata.csv\" /dev/null "
                             ">'%s' 2>&1", vc_test_cli(), tmpdir, path), 0);
    char *t = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\r\033[Kbatch: 0/4 units, 0/2 strata "
                                     "done"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\r\033[Kbatch: 4/4 units, 2/2 strata "
                                     "done"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ", ETA "));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, " units/s"));
    /* the rate is a positive number */
    const char *rate = strstr(t, " units/s");
    if (rate != NULL) {
        const char *num = rate;
        while (num > t && num[-1] != ' ') {
            num--;
        }
        CU_ASSERT(strtod(num, NULL) > 0.0);
    }
    free(t);
    snprintf(path, sizeof path, "%s/bprogq.out", tmpdir);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("script -qec \"%s batch -q --strata "
                             "country,year --methods chapman,independence "
                             "--lists IOM,NGO --out %s/bprogq "
                             "tests/fixtures/cli_strata.csv\" /dev/null "
                             ">'%s' 2>&1", vc_test_cli(), tmpdir, path), 0);
    t = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_NULL(strstr(t, "batch: "));
    CU_ASSERT_PTR_NULL(strstr(t, "units/s"));
    free(t);
    /* the outputs are the same bytes with or without the display */
    for (int k = 0; k < 2; k++) {
        const char *name = k == 0 ? "results.csv" : "results.json";
        char a[700], b[700];
        snprintf(a, sizeof a, "%s/bprog/%s", tmpdir, name);
        snprintf(b, sizeof b, "%s/bprogq/%s", tmpdir, name);
        char *x = vc_test_slurp(a, NULL), *y = vc_test_slurp(b, NULL);
        CU_ASSERT(x != NULL && y != NULL && strcmp(x, y) == 0);
        free(x);
        free(y);
    }
}

/* The MPI batch (build/victimcount-mpi under mpirun) on localhost: no
 * ssh (plm isolated), shared memory only, as root in a container, more
 * ranks than cores, and each rank free to use every core for OpenMP
 * (--bind-to none; Open MPI binds a rank to one core by default).  For
 * `make sanitize`: Open MPI's components stay loaded and ASan unwinds
 * malloc stacks in full, so that Open MPI's own allocations, never freed
 * at exit, are recognised by tests/lsan.supp (Open MPI is built without
 * frame pointers: with the fast unwinder its stacks end after one
 * frame).  Both settings are ignored without a sanitizer. */
#define MPIRUN                                                               \
    "mpirun --allow-run-as-root --oversubscribe --bind-to none --mca plm "  \
    "isolated --mca btl self,vader --mca "                                  \
    "mca_base_component_disable_dlclose 1 -x "                              \
    "ASAN_OPTIONS=fast_unwind_on_malloc=0"

/* Options of every MPI test's batch (of four strata of the example). */
#define MPI_ARGS "--strata country,year --bootstrap 50 --seed 2385 -q"

/* Every method but dga, and the sensitivity variants: 48 units, from
 * microseconds (Chapman) to a short lcm. */
#define MPI_QUICK                                                            \
    "--methods chapman,loglinear,lcm --iterations 1000 --burnin 200 "       \
    "--sensitivity omit-each"

/* The merge variants too, on the cheap methods: each list left out, each
 * pair merged, and a user-given merge that is one of the pairs (the same
 * unit, so the same cache file). */
#define MPI_MERGE                                                            \
    "--methods chapman,loglinear --sensitivity omit-each,merge-pairs "      \
    "--sensitivity merge:Police+NGO"

/* Non-zero when mpirun is on the PATH; else says why the MPI tests do
 * nothing (make deps installs it, so in CI they run). */
static int have_mpirun(void)
{
    if (vc_test_sh("command -v mpirun >/dev/null 2>&1") == 0) {
        return 1;
    }
    fprintf(stderr, "\n  mpirun not found: MPI batch tests skipped (make "
            "deps installs openmpi-bin) ");
    return 0;
}

static int make_small_input(void)
{
    return vc_test_sh("(head -1 data/examples/central-asia.csv; grep -E "
              "'^(Kazakhstan|Tajikistan,2005)' "
              "data/examples/central-asia.csv) > %s/small.csv", tmpdir);
}

static int mpi_batch(int np, const char *dir, const char *extra)
{
    return vc_test_sh(MPIRUN " -np %d %s batch %s/small.csv " MPI_ARGS " %s --out "
              "%s/%s >%s/%s.out 2>%s/%s.err", np, vc_test_mpi_cli(), tmpdir,
              extra, tmpdir, dir, tmpdir, dir, tmpdir, dir);
}

/* batch --covariates under MPI: the bytes of the single-process batch,
 * and the note about the other methods said once (by rank 0). */
static void test_batch_covariates_mpi(void)
{
    if (!have_mpirun()) {
        return;
    }
    const char *opts = "--covariates sex --strata age -m loglinear,chapman "
                       "--bootstrap 100 --seed 5 --population "
                       "tests/fixtures/covloglin/t1pop.csv "
                       "tests/fixtures/covloglin/t1.csv";
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch -q %s --out %s/cov1 >/dev/null",
                             vc_test_cli(), opts, tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh(MPIRUN " -np 3 %s batch %s --out %s/cov2 "
                             ">/dev/null 2>%s/cov2.err",
                             vc_test_mpi_cli(), opts, tmpdir, tmpdir), 0);
    static const char *const files[] = {"results.csv", "results.json",
                                        "report.html"};
    char a[600], b[600];
    for (size_t i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "%s/cov1/%s", tmpdir, files[i]);
        snprintf(b, sizeof b, "%s/cov2/%s", tmpdir, files[i]);
        CU_ASSERT(same_bytes(a, b));
    }
    snprintf(a, sizeof a, "%s/cov2.err", tmpdir);
    char *err = vc_test_slurp(a, NULL);
    const char *note = err ? strstr(err, "only loglinear takes") : NULL;
    CU_ASSERT_PTR_NOT_NULL(note);
    CU_ASSERT_PTR_NULL(note ? strstr(note + 1, "only loglinear takes")
                            : NULL);
    free(err);
}

/* --count and --encoding in batch and in the MPI batch: the CP1251 file
 * gives the results.csv of its UTF-8 twin (of the same name), and the MPI
 * batch the bytes of the single-process one; a count column not named is
 * refused with the advice. */
static void test_batch_count_encoding(void)
{
    const char *opts = "--count Количество --methods chapman,loglinear "
                       "--bootstrap 50 -q";
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("cp tests/fixtures/cases_ru.csv %s/ru.csv && "
                             "mkdir %s/cp && cp "
                             "tests/fixtures/cases_ru_cp1251.csv "
                             "%s/cp/ru.csv", tmpdir, tmpdir, tmpdir), 0);
    CU_ASSERT_EQUAL(vc_test_sh("%s batch %s/ru.csv %s --out %s/ru8 >/dev/null",
                       vc_test_cli(), tmpdir, opts, tmpdir), 0);
    CU_ASSERT_EQUAL(vc_test_sh("%s batch %s/cp/ru.csv --encoding cp1251 %s --out "
                       "%s/ru1251 >/dev/null",
                       vc_test_cli(), tmpdir, opts, tmpdir), 0);
    static const char *const files[] = {"results.csv", "results.json"};
    /* results.json names the input's path; the rows are in results.csv */
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/ru8/results.csv", tmpdir);
    snprintf(b, sizeof b, "%s/ru1251/results.csv", tmpdir);
    CU_ASSERT(same_bytes(a, b));
    char path[600];
    snprintf(path, sizeof path, "%s/ru8/results.csv", tmpdir);
    char *csv = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(csv && strstr(csv, "МОМ;НПО;Полиция") ? csv
                                                                  : NULL);
    free(csv);
    CU_ASSERT_EQUAL(vc_test_sh("%s batch tests/fixtures/cases.csv --out %s/nocount "
                       "> %s/nocount.err 2>&1",
                       vc_test_cli(), tmpdir, tmpdir), 3);
    snprintf(path, sizeof path, "%s/nocount.err", tmpdir);
    char *err = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "--count cases") ? err : NULL);
    free(err);
    if (!have_mpirun()) {
        return;
    }
    CU_ASSERT_EQUAL(vc_test_sh(MPIRUN " -np 2 %s batch %s/cp/ru.csv --encoding "
                       "cp1251 %s --out %s/rumpi >/dev/null",
                       vc_test_mpi_cli(), tmpdir, opts, tmpdir), 0);
    for (size_t i = 0; i < 2; i++) {
        snprintf(a, sizeof a, "%s/ru1251/%s", tmpdir, files[i]);
        snprintf(b, sizeof b, "%s/rumpi/%s", tmpdir, files[i]);
        CU_ASSERT(same_bytes(a, b));
    }
}

/* The same bytes in results.csv, results.json and report.html as the
 * single-process batch with the same seed, for 1, 2 and 3 ranks, with
 * omit-each variants and with merge variants; a re-run finds every unit
 * cached and changes nothing. */
static void test_mpi_identical(void)
{
    if (!have_mpirun()) {
        return;
    }
    CU_ASSERT_EQUAL_FATAL(make_small_input(), 0);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch %s/small.csv " MPI_ARGS " " MPI_QUICK
                             " --out %s/mref >/dev/null 2>&1", vc_test_cli(),
                             tmpdir, tmpdir), 0);
    static const char *const dirs[] = {"mnp1", "mnp2", "mnp3"};
    for (int np = 1; np <= 3; np++) {
        CU_ASSERT_EQUAL(mpi_batch(np, dirs[np - 1], MPI_QUICK), 0);
        CU_ASSERT(same_output("mref", dirs[np - 1]));
    }
    /* the headlines on the master's standard output, once */
    char path[600];
    snprintf(path, sizeof path, "%s/mnp3.out", tmpdir);
    char *out = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    const char *first = strstr(out, "Tajikistan 2005: about ");
    CU_ASSERT(first != NULL && strstr(first + 1, "Tajikistan 2005:") == NULL);
    free(out);
    CU_ASSERT_EQUAL(mpi_batch(2, "mnp3", MPI_QUICK " --resume"), 0);
    CU_ASSERT(same_output("mref", "mnp3"));
    /* merged lists: the variants travel to the workers as unit indices,
     * so the workers must enumerate them as the master does */
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch %s/small.csv " MPI_ARGS " " MPI_MERGE
                             " --out %s/mmref >/dev/null 2>&1",
                             vc_test_cli(), tmpdir, tmpdir), 0);
    CU_ASSERT_EQUAL(mpi_batch(3, "mmnp3", MPI_MERGE), 0);
    CU_ASSERT(same_output("mmref", "mmnp3"));
    snprintf(path, sizeof path, "%s/mmnp3/results.csv", tmpdir);
    out = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "NGO+Police merged"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "without IOM"));
    free(out);
}

/* The pid of the child of parent that is MPI rank `rank`, or -1: Open
 * MPI puts OMPI_COMM_WORLD_RANK in each rank's environment. */
static pid_t rank_pid(pid_t parent, int rank)
{
    DIR *dp = opendir("/proc");
    if (dp == NULL) {
        return -1;
    }
    char want[64];
    int wlen = snprintf(want, sizeof want, "OMPI_COMM_WORLD_RANK=%d", rank);
    pid_t found = -1;
    struct dirent *e;
    while (found < 0 && (e = readdir(dp)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) {
            continue;
        }
        char path[300];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        char *stat = vc_test_slurp(path, NULL);
        /* pid (comm) state ppid ...; comm may hold spaces, so from the
         * last ')' */
        const char *rp = stat ? strrchr(stat, ')') : NULL;
        long ppid = -1;
        if (rp != NULL) {
            sscanf(rp + 1, " %*c %ld", &ppid);
        }
        free(stat);
        if (ppid != (long)parent) {
            continue;
        }
        snprintf(path, sizeof path, "/proc/%ld/environ", pid);
        size_t len = 0;
        char *env = vc_test_slurp(path, &len);
        for (size_t off = 0; env != NULL && off < len;
             off += strlen(env + off) + 1) {
            if (strncmp(env + off, want, (size_t)wlen) == 0
                && env[off + (size_t)wlen] == '\0') {
                found = (pid_t)pid;
                break;
            }
        }
        free(env);
    }
    closedir(dp);
    return found;
}

static int count_units(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s/cache", tmpdir, dir);
    DIR *dp = opendir(path);
    if (dp == NULL) {
        return 0;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        size_t l = strlen(e->d_name);
        n += l > 5 && strcmp(e->d_name + l - 5, ".json") == 0;
    }
    closedir(dp);
    return n;
}

/* A worker killed with SIGKILL in the middle of a unit: the job stops
 * with a message naming the rank and its unit, the finished units stay
 * in the cache, and running the same command again ends with the bytes
 * of a run never interrupted. */
static void test_mpi_kill_resume(void)
{
    if (!have_mpirun()) {
        return;
    }
    /* long enough chains that rank 1 is inside an lcm unit when killed
     * (15,000 sweeps became too short once the sampler got faster: rank
     * 1 had finished its units before the kill) */
    const char *slow = "--iterations 60000 --burnin 1000 --chains 2 "
                       "--methods chapman,lcm";
    CU_ASSERT_EQUAL_FATAL(make_small_input(), 0);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec " MPIRUN " -np 3 %s batch %s/small.csv "
             MPI_ARGS " %s --out %s/mkill >%s/mkill.out 2>%s/mkill.err",
             vc_test_mpi_cli(), tmpdir, slow, tmpdir, tmpdir, tmpdir);
    pid_t m = fork();
    CU_ASSERT_FATAL(m >= 0);
    if (m == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    /* wait for the first finished unit, then kill rank 1 */
    pid_t victim = -1;
    for (int i = 0; i < 400 && victim < 0; i++) {
        struct timespec ts = {0, 25000000L};
        nanosleep(&ts, NULL);
        if (count_units("mkill") >= 1) {
            victim = rank_pid(m, 1);
        }
    }
    CU_ASSERT(victim > 0);
    if (victim > 0) {
        /* the master writes a finished unit's file before it sends that
         * rank its next unit: if the file was rank 1's, rank 1 is idle
         * for that moment (and the message under test is not due);
         * 150 ms later it is inside its next lcm unit, which runs for
         * most of a second (units go out costliest first) */
        struct timespec ts = {0, 150000000L};
        nanosleep(&ts, NULL);
        kill(victim, SIGKILL);
    }
    int st = 0;
    waitpid(m, &st, 0);
    CU_ASSERT(!WIFEXITED(st) || WEXITSTATUS(st) != 0);
    char path[600];
    snprintf(path, sizeof path, "%s/mkill.err", tmpdir);
    char *err = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "rank 1 was computing unit "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "run the same command again to "
                                       "resume"));
    if (strstr(err, "rank 1 was computing unit ") == NULL) {
        fprintf(stderr, "\n%s", err);
    }
    free(err);
    int kept = count_units("mkill");
    CU_ASSERT(kept >= 1 && kept < 8);
    /* resume; the reference is the single-process batch */
    CU_ASSERT_EQUAL(mpi_batch(3, "mkill", slow), 0);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s batch %s/small.csv " MPI_ARGS " %s --out "
                             "%s/mkref >/dev/null 2>&1", vc_test_cli(),
                             tmpdir, slow, tmpdir), 0);
    CU_ASSERT(same_output("mkref", "mkill"));
}

/* A worker that reads another file or gets other options than the
 * master (here another seed, through mpirun's per-rank command lines)
 * refuses its unit; the master names the rank and the unit and stops. */
static void test_mpi_worker_failure(void)
{
    if (!have_mpirun()) {
        return;
    }
    CU_ASSERT_EQUAL_FATAL(make_small_input(), 0);
    int rc = vc_test_sh(MPIRUN " -np 2 %s batch %s/small.csv " MPI_ARGS " " MPI_QUICK
                " --out %s/mfail : -np 1 %s batch %s/small.csv " MPI_ARGS
                " " MPI_QUICK " --seed 1 --out %s/mfail >/dev/null "
                "2>%s/mfail.err",
                vc_test_mpi_cli(), tmpdir, tmpdir, vc_test_mpi_cli(), tmpdir,
                tmpdir, tmpdir);
    CU_ASSERT(rc != 0);
    char path[600];
    snprintf(path, sizeof path, "%s/mfail.err", tmpdir);
    char *err = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "batch: rank 2 failed on unit "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "differ between machines"));
    free(err);
    /* no outputs from a failed batch */
    snprintf(path, sizeof path, "%s/mfail/results.csv", tmpdir);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
}

/* victimcount-mpi outside a batch: one rank runs any command as
 * victimcount does; several are refused.  A file the master cannot read,
 * or a worker that finds other units than the master, stops the job with
 * the reason.  Without -q and off a terminal the master writes a line per
 * finished unit naming the rank that computed it. */
static void test_mpi_setup_errors(void)
{
    if (!have_mpirun()) {
        return;
    }
    CU_ASSERT_EQUAL_FATAL(make_small_input(), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/mset.txt", tmpdir);
    CU_ASSERT_EQUAL(vc_test_sh(MPIRUN " -np 1 %s estimate -m chapman "
                       "tests/fixtures/cli_two_lists.csv >'%s' 2>/dev/null",
                       vc_test_mpi_cli(), path), 0);
    char *t = vc_test_slurp(path, NULL);
    /* (470 x 297) / 58 - 1, as test_cli.c's text test */
    CU_ASSERT_PTR_NOT_NULL(t && strstr(t, "cli_two_lists: 2,406 (95% CI")
                               ? t : NULL);
    free(t);
    CU_ASSERT_EQUAL(vc_test_sh(MPIRUN " -np 2 %s estimate -m chapman "
                       "tests/fixtures/cli_two_lists.csv >/dev/null 2>'%s'",
                       vc_test_mpi_cli(), path), 2);
    t = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(t && strstr(t, "only `batch` runs on several "
                                          "ranks; run estimate with one "
                                          "rank") ? t : NULL);
    free(t);
    CU_ASSERT_EQUAL(vc_test_sh(MPIRUN " -np 2 %s batch %s/missing.csv --out %s/mm "
                       ">/dev/null 2>'%s'", vc_test_mpi_cli(), tmpdir,
                       tmpdir, path), 3);
    t = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(t && strstr(t, "missing.csv: cannot open") ? t
                                                                      : NULL);
    free(t);
    CU_ASSERT_EQUAL(vc_test_sh(MPIRUN " -np 1 %s batch %s/small.csv --strata "
                       "country,year --methods chapman --out %s/mdiff : -np "
                       "1 %s batch tests/fixtures/cli_strata.csv --strata "
                       "country,year --methods chapman --out %s/mdiff "
                       ">/dev/null 2>'%s'", vc_test_mpi_cli(), tmpdir, tmpdir,
                       vc_test_mpi_cli(), tmpdir, path), 3);
    t = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(t && strstr(t, "batch: rank 1 finds 2 units in "
                                          "tests/fixtures/cli_strata.csv, "
                                          "the master 4: is FILE the same "
                                          "on every machine?") ? t : NULL);
    CU_ASSERT_PTR_NOT_NULL(t && strstr(t, "a worker could not set up the "
                                          "batch") ? t : NULL);
    free(t);
    CU_ASSERT_EQUAL(vc_test_sh(MPIRUN " -np 2 %s batch %s/small.csv --strata "
                       "country,year --methods chapman,independence --out "
                       "%s/mlines >/dev/null 2>'%s'", vc_test_mpi_cli(),
                       tmpdir, tmpdir, path), 0);
    t = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "batch: 1/8 units, 0/4 strata done "
                                     "(Kazakhstan 2003, chapman, all lists, "
                                     "rank 1, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "batch: 8/8 units, 4/4 strata done "
                                     "(Tajikistan 2005, independence, all "
                                     "lists, rank 1, "));
    free(t);
}

/* Slow: the report opened in headless Chromium (Debian's chromium; make
 * test-slow installs it).  The DOM after loading must hold every figure
 * as an image and the headlines; the console must show no error; and a
 * screenshot must show coloured pixels (the figures' intervals), not a
 * blank page. */
static void test_report_in_chromium(void)
{
    if (!vc_test_slow()) {
        return;
    }
    CU_ASSERT_EQUAL_FATAL(batch("chr", "--methods chapman,loglinear,lcm,dga"),
                          0);
    const char *chromium = getenv("VC_CHROMIUM");
    if (chromium == NULL || *chromium == '\0') {
        chromium = "chromium";
    }
    char flags[1200];
    snprintf(flags, sizeof flags,
             "--headless --no-sandbox --disable-gpu "
             "--disable-background-networking --disable-component-update "
             "--disable-sync --no-first-run --enable-logging=stderr "
             "--user-data-dir=%s/chromium-profile", tmpdir);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s %s --dump-dom file://%s/chr/report.html "
                             ">%s/dom.html 2>%s/chromium.err", chromium,
                             flags, tmpdir, tmpdir, tmpdir), 0);
    CU_ASSERT_EQUAL_FATAL(vc_test_sh("%s %s --window-size=1000,3000 "
                             "--screenshot=%s/shot.png "
                             "file://%s/chr/report.html >/dev/null "
                             "2>>%s/chromium.err", chromium, flags, tmpdir,
                             tmpdir, tmpdir), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/dom.html", tmpdir);
    char *dom = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dom);
    size_t imgs = 0;
    for (const char *p = dom; (p = strstr(p, "<img class=\"fig\"")) != NULL;
         p++) {
        imgs++;
    }
    CU_ASSERT_EQUAL(imgs, 1 + 9 * 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(dom, "Kazakhstan 2004: about "));
    free(dom);
    snprintf(path, sizeof path, "%s/chromium.err", tmpdir);
    char *log = vc_test_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    CU_ASSERT_PTR_NULL(strstr(log, "CONSOLE"));
    CU_ASSERT_PTR_NULL(strstr(log, "Uncaught"));
    CU_ASSERT_PTR_NULL(strstr(log, "Not allowed to load"));
    free(log);
    snprintf(path, sizeof path, "%s/shot.png", tmpdir);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    CU_ASSERT_EQUAL_FATAL(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(img);
    int h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *px = cairo_image_surface_get_data(img);
    size_t coloured = 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const unsigned char *q = px + (size_t)y * (size_t)stride
                                     + 4 * (size_t)x;
            int spread = abs(q[0] - q[1]) + abs(q[1] - q[2]);
            coloured += spread > 60;
        }
    }
    /* the forest plot's coloured bars and dots cover thousands of pixels */
    CU_ASSERT(w >= 800 && h >= 1000);
    CU_ASSERT(coloured > 2000);
    cairo_surface_destroy(img);
}

/* The library's plan (batch/vc_batch.h): units stratum by stratum in the
 * order of the methods, chapman run as pairwise on more than two lists,
 * the stream keyed by the label alone, a stratum with one list refused
 * with the CLI's message, unknown methods refused. */
static void test_batch_plan(void)
{
    const char *text = "s,A,B,C,count\nx,1,0,0,5\nx,0,1,0,4\nx,1,1,0,2\n"
                       "x,0,0,1,3\ny,1,0,0,7\ny,1,1,0,1\ny,0,1,0,2\n"
                       "z,1,0,0,9\n";
    const char *strata[] = {"s"};
    vc_read_opts o;
    memset(&o, 0, sizeof o);
    o.strata = strata;
    o.nstrata = 1;
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_parse(text, strlen(text), "mem.csv", &o,
                                     &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 3);
    const char *ms[] = {"chapman", "lcm"};
    size_t n = 0;
    vc_batch_unit *u = vc_batch_plan(d, ms, 2, 7, &n, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_EQUAL_FATAL(n, 6);
    CU_ASSERT_EQUAL(u[0].stratum, 0);
    CU_ASSERT_STRING_EQUAL(u[0].asked, "chapman");
    CU_ASSERT_STRING_EQUAL(u[0].run, "pairwise"); /* x: 3 lists */
    CU_ASSERT_STRING_EQUAL(u[1].run, "lcm");
    CU_ASSERT_EQUAL(u[1].method, 1);
    CU_ASSERT_STRING_EQUAL(u[2].run, "chapman"); /* y: 2 lists */
    CU_ASSERT_EQUAL(u[2].stratum, 1);
    CU_ASSERT_EQUAL(u[2].seed, 7);
    CU_ASSERT_EQUAL(u[2].stream, vc_hash_string(d->tables[1]->label));
    CU_ASSERT_NOT_EQUAL(u[0].stream, u[2].stream);
    CU_ASSERT_EQUAL(u[0].status, VC_OK);
    CU_ASSERT_EQUAL(u[4].status, VC_EUNDEFINED); /* z: 1 list */
    CU_ASSERT_STRING_EQUAL(u[4].why, "only 1 list saw anyone here; at "
                           "least 2 are needed (3 for loglinear, lcm and "
                           "dga)");
    free(u);
    u = vc_batch_plan(d, NULL, 0, 1, &n, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_EQUAL(n, 12);
    CU_ASSERT_STRING_EQUAL(u[3].asked, "dga");
    free(u);
    const char *bad[] = {"lcm", "lcmcr"};
    CU_ASSERT_PTR_NULL(vc_batch_plan(d, bad, 2, 1, &n, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "\"lcmcr\""));
    CU_ASSERT_EQUAL(n, 0);
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_batch_plan(d, bad, 0, 1, &n, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_dataset_free(d);
}

int vc_register_batch_suite(void)
{
    CU_pSuite s = CU_add_suite("batch", setup, teardown);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "batch: the library's plan", test_batch_plan)
            == NULL
        || CU_add_test(s, "simulate", test_simulate) == NULL
        || CU_add_test(s, "simulate: options and errors",
                       test_simulate_options) == NULL
        || CU_add_test(s, "batch: options and errors", test_batch_options)
               == NULL
        || CU_add_test(s, "batch: cache repaired on resume",
                       test_batch_cache_repair) == NULL
        || CU_add_test(s, "batch: every method option in the cache key",
                       test_batch_cache_keys) == NULL
        || CU_add_test(s, "batch: report escapes, undefined R-hat",
                       test_batch_report_escapes) == NULL
        || CU_add_test(s, "batch: chains on the threads units left free",
                       test_batch_granted_threads) == NULL
        || CU_add_test(s, "batch: progress on a terminal",
                       test_batch_progress) == NULL
        || CU_add_test(s, "central-asia example reproducible",
                       test_example_reproducible) == NULL
        || CU_add_test(s, "batch outputs, threads, re-run",
                       test_batch_outputs) == NULL
        || CU_add_test(s, "batch: strata independent of each other",
                       test_batch_subset) == NULL
        || CU_add_test(s, "batch: SIGKILL and resume",
                       test_batch_kill_resume) == NULL
        || CU_add_test(s, "batch: --sensitivity merge-pairs, merge:A+B",
                       test_batch_merge) == NULL
        || CU_add_test(s, "batch: strata that cannot be estimated",
                       test_batch_bad_stratum) == NULL
        || CU_add_test(s, "batch and mpi: --covariates",
                       test_batch_covariates_mpi) == NULL
        || CU_add_test(s, "batch and mpi: --count, --encoding",
                       test_batch_count_encoding) == NULL
        || CU_add_test(s, "mpi: same bytes with 1, 2 and 3 ranks",
                       test_mpi_identical) == NULL
        || CU_add_test(s, "mpi: worker killed, resume",
                       test_mpi_kill_resume) == NULL
        || CU_add_test(s, "mpi: set-up errors, one rank, progress lines",
                       test_mpi_setup_errors) == NULL
        || CU_add_test(s, "mpi: a worker's failure names its unit",
                       test_mpi_worker_failure) == NULL
        || CU_add_test(s, "report in headless Chromium (slow)",
                       test_report_in_chromium) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
