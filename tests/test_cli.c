/*
 * test_cli.c: the victimcount binary end to end: exit statuses, JSON that
 * parses, CSV rows, headlines, and no partial output file on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <jansson.h>

#include "cli/cli.h"
#include "core/vc_core.h"
#include "tests/test_util.h"

static char tmpdir[256];
static char out_path[512], err_path[512];

static int setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vc_cli_XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        return -1;
    }
    snprintf(out_path, sizeof out_path, "%s/stdout", tmpdir);
    snprintf(err_path, sizeof err_path, "%s/stderr", tmpdir);
    return 0;
}

static int teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run the CLI with args (a shell fragment); return its exit status.
 * stdout and stderr go to out_path and err_path. */
static int run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s >'%s' 2>'%s'", vc_test_cli(), args,
             out_path, err_path);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) {
        return -1;
    }
    return WEXITSTATUS(st);
}

/* The whole of a file, NUL-terminated; static buffer. */
static const char *slurp(const char *path)
{
    static char buf[1 << 18];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        buf[0] = '\0';
        return buf;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Write text to the file `name` in the temporary directory; its path
 * into path. */
static void tmp_file(const char *name, const char *text, char *path,
                     size_t size)
{
    snprintf(path, size, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_version_help(void)
{
    CU_ASSERT_EQUAL(run("--version"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "victimcount 0."));
    CU_ASSERT_EQUAL(run("--help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "estimate"));
    CU_ASSERT_EQUAL(run("estimate --help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "Exit status"));
    CU_ASSERT_EQUAL(run("validate --help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "in common"));
}

/* Every option a command's --help names is one its option table parses
 * (cli/optable.c): given alone, it is refused for a missing value or
 * input, never as unknown.  The few names that belong to another program
 * or command (mpirun's --bind-to; estimate's and encode's columns in
 * link's example; link's --report and --thresholds in batch's
 * --linkage-report, and that in link's example) are listed here. */
static void test_help_options_parsed(void)
{
    static const char *const cmds[] = {
        "estimate", "validate", "batch", "simulate", "encode", "link",
        "serve", "admin add-office", "admin revoke", "admin audit"};
    static const char *const elsewhere[] = {
        "batch --bind-to",        "link --strata",
        "link --strata-field",    "link --linkage-report",
        "batch --report",         "batch --thresholds"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "%s --help", cmds[c]);
        CU_ASSERT_EQUAL_FATAL(run(cmd), 0);
        static char help[1 << 16];
        snprintf(help, sizeof help, "%s", slurp(out_path));
        size_t checked = 0;
        for (const char *p = strstr(help, "--"); p != NULL;
             p = strstr(p + 2, "--")) {
            size_t n = 2;
            while (p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z')
                   || (p[n] >= 'A' && p[n] <= 'Z')
                   || (p[n] >= '0' && p[n] <= '9')) {
                n++;
            }
            if (n == 2 || p[2] == '-') {
                continue;
            }
            char opt[64], both[320];
            snprintf(opt, sizeof opt, "%.*s", (int)n, p);
            snprintf(both, sizeof both, "%s %s", cmds[c], opt);
            int skip = 0;
            for (size_t k = 0; k < sizeof elsewhere / sizeof elsewhere[0];
                 k++) {
                skip |= strcmp(both, elsewhere[k]) == 0;
            }
            if (skip) {
                continue;
            }
            /* serve never starts: every option of it takes a value */
            snprintf(cmd, sizeof cmd, "%s </dev/null", both);
            run(cmd);
            if (strstr(slurp(err_path), "unknown option") != NULL) {
                fprintf(stderr, "\n  %s: %s", both, slurp(err_path));
                CU_FAIL("an option --help names is unknown");
            }
            checked++;
        }
        CU_ASSERT(checked > 0);
    }
}

/* The other way round: every option a command's table accepts has a
 * line of its own in that command's --help ("  -m, --method" or
 * "      --lists" at the start of a line) with words saying what it does,
 * and an alias is named beside it.  A new option without --help words,
 * or a section heading the help forgets to print, fails here. */
static void test_help_lists_every_option(void)
{
    static const char *const cmds[] = {
        "estimate", "validate", "batch", "simulate", "encode", "link",
        "serve", "admin add-office", "admin revoke", "admin audit"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        cli_optable t;
        CU_ASSERT_EQUAL_FATAL(cli_command_optable(cmds[c], &t), 0);
        CU_ASSERT(t.n > 0);
        char cmd[400];
        snprintf(cmd, sizeof cmd, "%s --help", cmds[c]);
        CU_ASSERT_EQUAL_FATAL(run(cmd), 0);
        static char help[1 << 16];
        snprintf(help, sizeof help, "%s", slurp(out_path));
        for (size_t i = 0; i < t.n; i++) {
            const cli_opt *e = &t.opts[i];
            if (e->commands != 0 && (e->commands & t.command) == 0) {
                continue;
            }
            char head[128], alias[96];
            snprintf(head, sizeof head, "\n  %s%c%s--%s",
                     e->short_name ? "-" : " ",
                     e->short_name ? e->short_name : ' ',
                     e->short_name ? ", " : "  ", e->name);
            const char *at = strstr(help, head);
            size_t n = strlen(head);
            int listed = at != NULL && (at[n] == ' ' || at[n] == '\n');
            int said = e->help != NULL && strlen(e->help) >= 8;
            snprintf(alias, sizeof alias, "(or --%s)",
                     e->alias ? e->alias : "");
            int alias_named = e->alias == NULL || strstr(help, alias);
            if (!listed || !said || !alias_named) {
                fprintf(stderr, "\n  %s --help: --%s %s", cmds[c], e->name,
                        !listed ? "has no line" : !said ? "has no words"
                                                        : "hides its alias");
                CU_FAIL("an option of the table is not in --help");
            }
        }
    }
}

static void test_usage_errors(void)
{
    CU_ASSERT_EQUAL(run(""), 2);
    CU_ASSERT_EQUAL(run("frobnicate x.csv"), 2);
    CU_ASSERT_EQUAL(run("estimate"), 2);
    CU_ASSERT_EQUAL(run("estimate --bogus data/examples/kosovo.csv"), 2);
    CU_ASSERT_EQUAL(run("estimate --level 1.5 data/examples/kosovo.csv"), 2);
    CU_ASSERT_EQUAL(run("estimate --method magic data/examples/kosovo.csv"),
                    2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "magic"));
    CU_ASSERT_EQUAL(run("estimate --format xml data/examples/kosovo.csv"), 2);
    /* The option at fault, even inside a group of short options (it was
     * "unknown option estimate" for -zq), or one given a value it does
     * not take. */
    CU_ASSERT_EQUAL(run("estimate -zq data/examples/kosovo.csv"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "unknown option -z "));
    CU_ASSERT_EQUAL(run("estimate --quiet=yes data/examples/kosovo.csv"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path),
                                  "option --quiet=yes takes no value"));
    /* Chapman needs two lists: say how to pick them. */
    CU_ASSERT_EQUAL(run("estimate --method chapman "
                        "data/examples/kosovo.csv"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "--lists"));
    /* Petersen without recaptures: the library says Chapman is defined,
     * the tool how to ask for it. */
    char path[512], cmd[600];
    tmp_file("apart.csv", "A,B,count\n1,0,5\n0,1,4\n", path, sizeof path);
    snprintf(cmd, sizeof cmd, "estimate -m petersen '%s'", path);
    CU_ASSERT_EQUAL(run(cmd), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "Chapman's estimator "
                                  "is defined (--method chapman)\n"));
    /* An option naming a column that does not exist. */
    CU_ASSERT_EQUAL(run("estimate --lists EXH,NOPE data/examples/kosovo.csv"),
                    2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "NOPE"));
    /* An unknown sampler: the message lists the ones there are. */
    CU_ASSERT_EQUAL(run("estimate -m lcm --sampler metropolis "
                        "data/examples/kosovo.csv"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "hybrid"));
}

static void test_data_errors(void)
{
    CU_ASSERT_EQUAL(run("estimate tests/fixtures/does_not_exist.csv"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "does_not_exist.csv"));
    CU_ASSERT_EQUAL(run("estimate tests/fixtures/cli_bad_cell.csv"), 3);
    const char *e = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "cli_bad_cell.csv:5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "yes please"));
    CU_ASSERT_EQUAL(run("validate tests/fixtures/cli_bad_cell.csv"), 3);
}

/* Kosovo (Ball et al. 2002): the independence model matches R's glm,
 * N-hat 7,394.586663 (fits/glm_reference.csv). */
static void test_json(void)
{
    CU_ASSERT_EQUAL_FATAL(run("estimate --method independence,chao,pairwise "
                              "--format json data/examples/kosovo.csv"), 0);
    json_error_t jerr;
    json_t *root = json_load_file(out_path, 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root,
                                                             "version")),
                           VC_VERSION);
    json_t *in = json_object_get(root, "input");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(in, "observed")),
                    4400);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(in, "lists")), 4);
    json_t *res = json_object_get(root, "results");
    CU_ASSERT_EQUAL_FATAL(json_array_size(res), 1 + 1 + 6);
    json_t *ind = json_array_get(res, 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(ind, "method")),
                           "independence");
    VC_ASSERT_REL(json_real_value(json_object_get(ind, "estimate")),
                  7394.586663, 1e-9);
    static const char *const fields[] = {
        "method", "stratum", "estimate", "se", "lower", "upper", "level",
        "interval", "observed", "warnings", "headline"};
    for (size_t i = 0; i < json_array_size(res); i++) {
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
            CU_ASSERT_PTR_NOT_NULL(json_object_get(json_array_get(res, i),
                                                   fields[k]));
        }
    }
    CU_ASSERT(json_is_null(json_object_get(ind, "stratum")));
    CU_ASSERT_EQUAL(json_real_value(json_object_get(ind, "level")), 0.95);
    const char *head = json_string_value(json_object_get(ind, "headline"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(head);
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "kosovo: 7,395 (95% CI "));
    CU_ASSERT_PTR_NOT_NULL(strstr(head, "about "));
    json_t *pair = json_object_get(json_array_get(res, 2), "lists");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(pair, 0)), "EXH");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(pair, 1)), "ABA");
    json_decref(root);
}

static void test_text_and_csv(void)
{
    CU_ASSERT_EQUAL(run("estimate --label 'Test area' "
                        "tests/fixtures/cli_two_lists.csv"), 0);
    const char *t = slurp(out_path);
    /* Chapman: n1 = 469, n2 = 296, m = 57: (470 x 297) / 58 - 1 */
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "Test area: 2,406 (95% CI"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "In plain words: about "));
    CU_ASSERT_EQUAL(run("estimate --format csv --method chapman,petersen "
                        "tests/fixtures/cli_two_lists.csv"), 0);
    t = slurp(out_path);
    CU_ASSERT_EQUAL(strncmp(t, "stratum,method,lists,estimate,", 30), 0);
    int lines = 0;
    for (const char *p = t; *p; p++) {
        lines += *p == '\n';
    }
    CU_ASSERT_EQUAL(lines, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ",chapman,IOM;NGO,2405.724138"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ",petersen,IOM;NGO,2435.508772"));
}

static void test_strata(void)
{
    CU_ASSERT_EQUAL_FATAL(run("estimate --strata country,year -f json "
                              "-m independence "
                              "tests/fixtures/cli_strata.csv"), 0);
    json_error_t jerr;
    json_t *root = json_load_file(out_path, 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    json_t *res = json_object_get(root, "results");
    CU_ASSERT_EQUAL_FATAL(json_array_size(res), 2);
    json_t *r0 = json_array_get(res, 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r0, "stratum")),
                           "Kyrgyzstan 2005");
    json_t *keys = json_object_get(r0, "stratum_keys");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(keys,
                                                             "country")),
                           "Kyrgyzstan");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(r0, "observed")), 836);
    const char *head = json_string_value(json_object_get(r0, "headline"));
    CU_ASSERT_PTR_NOT_NULL(head && strstr(head, "Kyrgyzstan 2005: ")
                               ? head : NULL);
    json_decref(root);
}

/* No partial or stale output: a run that fails on its input leaves no
 * file, and one that succeeds replaces the file whole. */
static void test_atomic_output(void)
{
    char target[600], args[1400];
    snprintf(target, sizeof target, "%s/result.json", tmpdir);
    snprintf(args, sizeof args, "estimate -f json -o '%s' "
             "tests/fixtures/cli_bad_cell.csv", target);
    CU_ASSERT_EQUAL(run(args), 3);
    CU_ASSERT(!exists(target));
    snprintf(args, sizeof args, "estimate -f json -o '%s' "
             "data/examples/kosovo.csv", target);
    CU_ASSERT_EQUAL(run(args), 0);
    CU_ASSERT(exists(target));
    CU_ASSERT_EQUAL(slurp(out_path)[0], '\0');
    json_error_t jerr;
    json_t *root = json_load_file(target, 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL(root);
    json_decref(root);
    /* Unwritable destination: exit 5, nothing left behind. */
    snprintf(args, sizeof args, "estimate -o '%s/no/such/dir/x.json' "
             "data/examples/kosovo.csv", tmpdir);
    CU_ASSERT_EQUAL(run(args), 5);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c tmp >/dev/null", tmpdir);
    CU_ASSERT_NOT_EQUAL(system(cmd), 0); /* no temporary files remain */
}

/* An estimate that does not exist: exit 4, the reason in the output and
 * on stderr, and never a number. */
static void test_no_estimate(void)
{
    CU_ASSERT_EQUAL(run("estimate -f json -m petersen,chapman "
                        "tests/fixtures/cli_no_overlap.csv"), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "Chapman"));
    json_error_t jerr;
    json_t *root = json_load_file(out_path, 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    json_t *res = json_object_get(root, "results");
    json_t *p = json_array_get(res, 0);
    CU_ASSERT(json_is_null(json_object_get(p, "estimate")));
    CU_ASSERT(json_is_string(json_object_get(p, "error")));
    json_t *c = json_array_get(res, 1);
    VC_ASSERT_REL(json_real_value(json_object_get(c, "estimate")),
                  413.0 * 240.0 - 1.0, 1e-12);
    json_decref(root);
    CU_ASSERT_EQUAL(run("estimate -m independence "
                        "tests/fixtures/cli_no_overlap.csv"), 4);
    CU_ASSERT_PTR_NULL(strstr(slurp(out_path), "nan"));
}

static void test_validate(void)
{
    CU_ASSERT_EQUAL(run("validate data/examples/kosovo.csv"), 0);
    const char *t = slurp(out_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "4,400"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "EXH 1,910"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "0 problems"));
    CU_ASSERT_EQUAL(run("validate tests/fixtures/cli_no_overlap.csv"), 0);
    t = slurp(out_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "no one is on both IOM and NGO"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "only 2 lists"));
    /* -f json: the same description as JSON, the same problems */
    CU_ASSERT_EQUAL(run("validate -f json tests/fixtures/cli_no_overlap.csv"),
                    0);
    json_error_t jerr;
    json_t *root = json_loads(slurp(out_path), 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                               json_object_get(root, "input"), "file")),
                           "tests/fixtures/cli_no_overlap.csv");
    json_t *t0 = json_array_get(json_object_get(root, "tables"), 0);
    json_t *problems = json_object_get(t0, "problems");
    CU_ASSERT_EQUAL(json_array_size(problems), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_array_get(problems,
                                                                   0)),
                                  "no one is on both IOM and NGO"));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(root, "problems")), 2);
    /* the overlaps: the diagonal is what each list saw */
    json_t *ov = json_object_get(t0, "overlaps");
    CU_ASSERT_EQUAL(json_array_size(ov), json_array_size(json_object_get(
                                              t0, "lists")));
    CU_ASSERT_EQUAL(json_integer_value(json_array_get(json_array_get(ov, 0),
                                                      1)), 0);
    json_decref(root);
    /* what validate does not use is refused, not ignored */
    static const char *const refused[] = {
        "--method lcm", "--seed 3", "--iterations 10", "--level 0.9",
        "-q", "--label x", "--out dir", "--dga-mcmc"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "validate %s data/examples/kosovo.csv",
                 refused[i]);
        CU_ASSERT_EQUAL(run(cmd), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "is an option of "
                                                       "victimcount"));
        CU_ASSERT_EQUAL(slurp(out_path)[0], '\0');
    }
    CU_ASSERT_EQUAL(run("validate -f csv data/examples/kosovo.csv"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "text or json"));
}

/* Run the CLI on a reference table: args before the file name. */
static int run_ref(const char *args, const char *table)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s '%s'", args, vc_test_refpath(table));
    return run(cmd);
}

static json_t *first_result(void)
{
    json_error_t jerr;
    json_t *root = json_load_file(out_path, 0, &jerr);
    if (root == NULL) {
        return NULL;
    }
    json_t *r = json_incref(json_array_get(json_object_get(root, "results"),
                                           0));
    json_decref(root);
    return r;
}

/* The model checks and --prior-sensitivity of issue 17 on Korea: each
 * method's checks in the JSON (a p-value in [0, 1], worst patterns as
 * 0/1 strings of 3 characters, a verdict), the prior rows of lcm and dga
 * (the row of the run's own prior is the run itself), and a sparse table
 * whose upper end LCMCR's bound of 21 n would cut. */
static void test_checks_and_priors(void)
{
    CU_ASSERT_EQUAL(run_ref("estimate -q -m loglinear,lcm,dga --select bic "
                            "--prior-sensitivity --iterations 1000 --burnin "
                            "200 -f json", "Korea.csv"), 0);
    json_error_t jerr;
    json_t *root = json_load_file(out_path, 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    json_t *res = json_object_get(root, "results");
    CU_ASSERT_EQUAL_FATAL(json_array_size(res), 3);
    size_t rows[3] = {0, 6, 5};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_array_get(res, i);
        json_t *c = json_object_get(r, "checks");
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        json_t *p = json_object_get(c, i == 0 ? "p_value" : "ppp");
        CU_ASSERT(json_is_number(p) && json_number_value(p) >= 0.0
                  && json_number_value(p) <= 1.0);
        CU_ASSERT(json_is_boolean(json_object_get(c, "pass")));
        CU_ASSERT(json_is_string(json_object_get(c, "reason")));
        json_t *ps = json_object_get(r, "prior_sensitivity");
        CU_ASSERT_EQUAL(json_array_size(ps), rows[i]);
        if (i == 0) {
            CU_ASSERT(json_is_array(json_object_get(c, "models")));
            continue;
        }
        json_t *w = json_array_get(json_object_get(c, "worst_patterns"), 0);
        CU_ASSERT_EQUAL(strlen(json_string_value(
                            json_object_get(w, "pattern"))), 3);
        /* lcm: row 1 is K* = 10 with LCMCR's prior; dga: row 0 */
        json_t *own = json_array_get(ps, i == 1 ? 1 : 0);
        CU_ASSERT(json_equal(json_object_get(own, "estimate"),
                             json_object_get(r, "estimate")));
        CU_ASSERT(json_equal(json_object_get(own, "upper"),
                             json_object_get(r, "upper")));
        CU_ASSERT(json_is_boolean(json_object_get(r, "bound_cuts_upper")));
    }
    json_decref(root);
    char path[600];
    tmp_file("sparse.csv", "A,B,C,count\n1,0,0,200\n0,1,0,200\n0,0,1,200\n"
             "1,1,0,2\n1,0,1,1\n0,1,1,2\n", path, sizeof path);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "estimate -q -m dga --prior-sensitivity '%s'",
             path);
    CU_ASSERT_EQUAL(run(cmd), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "an upper bound on N "
                                  "of LCMCR's size"));
}

/* Korea (Ball, Shin & Yang 2018): Rcapture's BIC model [12,23] gives
 * N-hat 157.1667 with profile interval 128.95-226.40 (SOURCES.md); the
 * JSON names the model, its terms and the existence code. */
static void test_loglinear(void)
{
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m loglinear "
                                  "--model '[12,23]'", "Korea.csv"), 0);
    json_t *r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    VC_ASSERT_REL(json_real_value(json_object_get(r, "estimate")), 157.1667,
                  1e-6);
    VC_ASSERT_REL(json_real_value(json_object_get(r, "lower")), 128.95, 1e-3);
    VC_ASSERT_REL(json_real_value(json_object_get(r, "upper")), 226.40, 1e-3);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "model")),
                           "b*c + c*d");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "existence")), 0);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "terms")), 2);
    /* Pearson residuals: one per observable cell, X^2 their squares */
    json_t *cells = json_object_get(r, "pearson_residuals");
    CU_ASSERT_EQUAL(json_array_size(cells), 7);
    double x2 = 0.0;
    for (size_t i = 0; i < json_array_size(cells); i++) {
        double e = json_real_value(json_object_get(json_array_get(cells, i),
                                                   "residual"));
        x2 += e * e;
    }
    VC_ASSERT_REL(x2, json_real_value(json_object_get(r, "pearson_chi2")),
                  1e-9);
    json_decref(r);

    /* heterogeneity: Rcapture's Mth Poisson2 on the hare data, 81.1 */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m loglinear "
                                  "--model independence --heterogeneity "
                                  "poisson --interval wald", "hare.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(r, "estimate")),
                           81.1, 0.05);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "model")),
                           "c1 + c2 + c3 + c4 + c5 + c6 + h=Poisson(2)");
    json_decref(r);
    CU_ASSERT_EQUAL(run_ref("estimate -f json -m loglinear --heterogeneity "
                            "chao", "hare.csv"), 2);

    /* M0 with heterogeneity: Rcapture's Mh Poisson2 on the hare data, 81.5
     * (closedp.t example output); one coefficient for all lists; the
     * profile interval of M0 starts at 69 as Rcapture's own test asks
     * (test_loglin.c, test_m0_profile). */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m loglinear "
                                  "--model M0 --heterogeneity poisson "
                                  "--interval wald", "hare.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(r, "estimate")),
                           81.5, 0.05);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "model")),
                           "M0 + h=Poisson(2)");
    json_t *coef = json_object_get(r, "coefficients");
    CU_ASSERT_EQUAL(json_object_size(coef), 3);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(coef, "k (all lists, M0)"));
    CU_ASSERT_PTR_NULL(json_object_get(coef, "c2"));
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(r, "df")), 60.0,
                           0.0);
    json_decref(r);
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m loglinear "
                                  "--model m0", "hare.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(r, "estimate")),
                           75.4, 0.05);
    CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(r, "lower")), 69.0,
                           0.5);
    json_decref(r);
    CU_ASSERT_EQUAL(run_ref("estimate -m loglinear --model 'M0 + [12]'",
                            "hare.csv"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "M0"));

    /* stepwise + bootstrap: same bytes with 1 and 2 threads */
    char first[1 << 14];
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m loglinear "
                                  "--bootstrap 200 --seed 7 --threads 1",
                                  "Korea.csv"), 0);
    snprintf(first, sizeof first, "%s", slurp(out_path));
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m loglinear "
                                  "--bootstrap 200 --seed 7 --threads 2",
                                  "Korea.csv"), 0);
    CU_ASSERT_STRING_EQUAL(first, slurp(out_path));
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    VC_ASSERT_REL(json_real_value(json_object_get(r, "estimate")), 268.7778,
                  1e-6);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(r, "bootstrap"));
    json_decref(r);

    /* an impossible model is refused with the reason, never a number */
    CU_ASSERT_EQUAL(run_ref("estimate -f json -m loglinear "
                            "--model all-two-way", "Korea.csv"), 4);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(json_is_null(json_object_get(r, "estimate")));
    CU_ASSERT(json_is_string(json_object_get(r, "error")));
    json_decref(r);
    CU_ASSERT_EQUAL(run_ref("estimate -m loglinear --model 'b*zz'",
                            "Korea.csv"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "zz"));
}

/* dga 2.0.2 on Korea, delta 2^-3, n0 in 0..3075: median 159, 95% 123-432. */
static void test_dga_cli(void)
{
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m dga --delta 0.125 "
                                  "--n0-grid 0:3075", "Korea.csv"), 0);
    json_t *r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(json_real_value(json_object_get(r, "estimate")), 159.0);
    CU_ASSERT_EQUAL(json_real_value(json_object_get(r, "lower")), 123.0);
    CU_ASSERT_EQUAL(json_real_value(json_object_get(r, "upper")), 432.0);
    VC_ASSERT_REL(json_real_value(json_object_get(r, "mean")), 198.80, 5e-5);
    json_t *g = json_array_get(json_object_get(r, "graphs"), 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(g, "cliques")),
                           "[b,c][c,d]");
    json_decref(r);
    CU_ASSERT_EQUAL(run_ref("estimate -m dga --n0-grid 9:3", "Korea.csv"), 2);
    CU_ASSERT_EQUAL(run_ref("estimate -m dga", "rbvole.csv"), 2);
}

/* UK 2013, 6 lists: beyond exact enumeration, so MCMC over graphs, with a
 * short run.  The JSON carries the graphs, edge posteriors and the
 * diagnostics; the figures do not depend on the thread count.  (The
 * Home Office put the number at 10,000-13,000.) */
static void test_dga_mcmc_cli(void)
{
    const char *args = "estimate -f json -m dga --iterations 2000 "
                       "--burnin 200 --thin 1 --chains 4 --seed 5";
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s --threads 1", args);
    CU_ASSERT_EQUAL_FATAL(run_ref(cmd, "UKdat.csv"), 0);
    json_t *r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    double est = json_real_value(json_object_get(r, "estimate"));
    double mean = json_real_value(json_object_get(r, "mean"));
    CU_ASSERT(est > 10000.0 && est < 16000.0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "search")),
                           "mcmc");
    json_t *d = json_object_get(r, "diagnostics");
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "chains")), 4);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "sweeps")), 2000);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "draws")), 2000);
    CU_ASSERT(json_is_boolean(json_object_get(d, "converged")));
    CU_ASSERT(json_is_real(json_object_get(d, "rhat")));
    CU_ASSERT(json_is_real(json_object_get(d, "ess_bulk")));
    double rhat = json_real_value(json_object_get(d, "rhat"));
    json_t *g = json_array_get(json_object_get(r, "graphs"), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT(json_is_real(json_object_get(g, "renormalised")));
    CU_ASSERT(json_real_value(json_object_get(g, "posterior")) > 0.0);
    CU_ASSERT_EQUAL(json_object_size(json_object_get(r, "edge_posterior")),
                    15);
    json_decref(r);
    snprintf(cmd, sizeof cmd, "%s --threads 2", args);
    CU_ASSERT_EQUAL_FATAL(run_ref(cmd, "UKdat.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(json_real_value(json_object_get(r, "estimate")) == est);
    CU_ASSERT(json_real_value(json_object_get(r, "mean")) == mean);
    d = json_object_get(r, "diagnostics");
    CU_ASSERT(json_real_value(json_object_get(d, "rhat")) == rhat);
    json_decref(r);

    /* --dga-mcmc forces MCMC on 3 lists; Korea's exact median is 159 */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m dga --dga-mcmc "
                                  "--delta 0.125 --n0-grid 0:3075 "
                                  "--iterations 3000 --burnin 300 --thin 1",
                                  "Korea.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "search")),
                           "mcmc");
    VC_ASSERT_REL(json_real_value(json_object_get(r, "estimate")), 159.0,
                  0.05);
    json_decref(r);
}

/* A short latent-class run: the JSON carries the diagnostics, --draws
 * writes every kept draw, and the draws are the same bytes whatever the
 * number of threads. */
static void test_lcm_cli(void)
{
    char draws[600], args[1400], first[1 << 16];
    snprintf(draws, sizeof draws, "%s/draws.csv", tmpdir);
    snprintf(args, sizeof args, "estimate -f json -m lcm --chains 3 "
             "--iterations 3000 --burnin 500 --thin 5 --seed 11 --threads 1 "
             "--draws '%s'", draws);
    CU_ASSERT_EQUAL_FATAL(run_ref(args, "Korea.csv"), 0);
    snprintf(first, sizeof first, "%s", slurp(draws));
    json_t *r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    json_t *d = json_object_get(r, "diagnostics");
    static const char *const fields[] = {
        "rhat",    "ess_bulk", "ess_tail",  "mcse_median", "mcse_lower",
        "mcse_upper", "chains", "sweeps", "seconds",     "converged"};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        CU_ASSERT_PTR_NOT_NULL(json_object_get(d, fields[k]));
    }
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "chains")), 3);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "sweeps")), 3000);
    /* the chains' agreement on the tails (issue 21) */
    json_t *tails = json_object_get(d, "tails");
    static const char *const tail_fields[] = {
        "below_lower_min", "below_lower_max", "above_upper_min",
        "above_upper_max", "p_value"};
    for (size_t k = 0; k < sizeof tail_fields / sizeof *tail_fields; k++) {
        json_t *v = json_object_get(tails, tail_fields[k]);
        CU_ASSERT(json_is_number(v) && json_number_value(v) >= 0.0
                  && json_number_value(v) <= 1.0);
    }
    CU_ASSERT(json_number_value(json_object_get(tails, "below_lower_min"))
              <= json_number_value(json_object_get(tails,
                                                   "below_lower_max")));
    CU_ASSERT(json_is_boolean(json_object_get(tails, "agree")));
    /* the default sampler and its moves, burn-in included: three moves
     * of the unseen a sweep (VCI_UNSEEN_MOVES), a flip every 10th */
    CU_ASSERT_STRING_EQUAL(
        json_string_value(json_object_get(d, "sampler")), "hybrid");
    json_t *um = json_object_get(d, "unseen_moves");
    json_t *fl = json_object_get(d, "flips");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(um, "proposed")),
                    3 * 3500 * 3);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(fl, "proposed")),
                    3 * 350);
    CU_ASSERT(json_integer_value(json_object_get(um, "accepted")) > 0);
    CU_ASSERT(json_integer_value(json_object_get(um, "accepted"))
              <= 3 * 3500 * 3);
    static const char *const est[] = {"estimate", "mean", "sd", "lower",
                                      "upper", "hpd_lower", "hpd_upper"};
    for (size_t k = 0; k < sizeof est / sizeof est[0]; k++) {
        CU_ASSERT(json_is_real(json_object_get(r, est[k])));
    }
    double median = json_real_value(json_object_get(r, "estimate"));
    CU_ASSERT(median >= 123.0 && median < 400.0);
    json_decref(r);
    int lines = 0;
    for (const char *p = first; *p; p++) {
        lines += *p == '\n';
    }
    CU_ASSERT_EQUAL(lines, 1 + 3 * 600);
    CU_ASSERT_EQUAL(strncmp(first, "stratum,chain,draw,N,alpha,occupied\n",
                            36), 0);
    snprintf(args, sizeof args, "estimate -f json -m lcm --chains 3 "
             "--iterations 3000 --burnin 500 --thin 5 --seed 11 --threads 3 "
             "--draws '%s'", draws);
    CU_ASSERT_EQUAL_FATAL(run_ref(args, "Korea.csv"), 0);
    CU_ASSERT_STRING_EQUAL(first, slurp(draws));
    /* LCMCR's plain sweep on request: no moves of its own to report */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m lcm --sampler gibbs "
                                  "--chains 2 --iterations 1000 --burnin "
                                  "200 --seed 11",
                                  "Korea.csv"),
                          0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    d = json_object_get(r, "diagnostics");
    CU_ASSERT_STRING_EQUAL(
        json_string_value(json_object_get(d, "sampler")), "gibbs");
    CU_ASSERT_PTR_NULL(json_object_get(d, "unseen_moves"));
    CU_ASSERT_PTR_NULL(json_object_get(d, "flips"));
    CU_ASSERT_PTR_NULL(json_object_get(d, "replicas"));
    json_decref(r);
    /* tempering: the replica test's fields (issue 21) */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m lcm --sampler "
                                  "tempering --temperatures 3 --chains 2 "
                                  "--iterations 2000 --burnin 400 --seed 3 "
                                  "--threads 1", "Korea.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    json_t *jq = json_object_get(json_object_get(r, "diagnostics"),
                                 "replicas");
    static const char *const rep_fields[] = {
        "beta", "cold_lower", "cold_upper", "share_below", "share_above",
        "ess"};
    for (size_t k = 0; k < sizeof rep_fields / sizeof *rep_fields; k++) {
        CU_ASSERT(json_is_number(json_object_get(jq, rep_fields[k])));
    }
    CU_ASSERT(json_is_integer(json_object_get(jq, "replica")));
    CU_ASSERT(json_is_integer(json_object_get(jq, "draws_outside")));
    CU_ASSERT(json_is_boolean(json_object_get(jq, "agree")));
    CU_ASSERT(json_number_value(json_object_get(jq, "cold_lower"))
              <= json_number_value(json_object_get(jq, "cold_upper")));
    json_decref(r);
}


/* Issue 13: a row that no list saw is refused whatever --lists, --omit or
 * --merge select (it used to be counted as seen only by lists left out). */
static void test_zero_row_selected(void)
{
    static const char *const args[] = {
        "estimate --method chapman --lists IOM,NGO",
        "estimate --method chapman",
        "validate --omit Police",
        "validate --merge IOM+NGO",
    };
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd,
                 "%s tests/fixtures/bad_zero_row_selected.csv", args[i]);
        CU_ASSERT_EQUAL(run(cmd), 3);
        const char *e = slurp(err_path);
        CU_ASSERT_PTR_NOT_NULL(strstr(e, "bad_zero_row_selected.csv:6:"));
        CU_ASSERT_PTR_NOT_NULL(strstr(e, "expected at least one 1"));
        CU_ASSERT_EQUAL(slurp(out_path)[0], '\0');
    }
}

/* Issue 13: a count column with another name.  Refused with or without
 * --lists, with advice that leads to --count; following it gives 882
 * people seen, in English and in Russian with semicolons. */
static void test_count_option(void)
{
    CU_ASSERT_EQUAL(run("estimate --lists IOM,NGO,Police "
                        "tests/fixtures/cases.csv"), 3);
    const char *e = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "cases.csv:2: column \"cases\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "name it with --count cases"));
    CU_ASSERT_PTR_NULL(strstr(e, "--lists"));
    CU_ASSERT_EQUAL(run("estimate tests/fixtures/cases.csv"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "--count cases"));
    CU_ASSERT_EQUAL(run("estimate --lists IOM,NGO,Police --count cases -f "
                        "json tests/fixtures/cases.csv"), 0);
    json_error_t jerr;
    json_t *root = json_load_file(out_path, 0, &jerr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    json_t *in = json_object_get(root, "input");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(in, "observed")),
                    882);
    json_decref(root);
    CU_ASSERT_EQUAL(run("validate --lists МОМ,НПО,Полиция "
                        "tests/fixtures/cases_ru.csv"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path),
                                  "name it with --count Количество"));
    CU_ASSERT_EQUAL(run("validate --lists МОМ,НПО,Полиция --count "
                        "Количество tests/fixtures/cases_ru.csv"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "people seen: 882"));
    /* A text column: a stratum or nothing; a name with a space is quoted
     * so that the advice can be pasted. */
    char path[600], cmd[700];
    tmp_file("spaced.csv", "IOM,NGO,number of cases\n1,0,4\n0,1,5\n1,1,2\n",
             path, sizeof path);
    snprintf(cmd, sizeof cmd, "validate %s", path);
    CU_ASSERT_EQUAL(run(cmd), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path),
                                  "--count 'number of cases'"));
    snprintf(cmd, sizeof cmd, "validate --count 'number of cases' %s", path);
    CU_ASSERT_EQUAL(run(cmd), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "people seen: 11"));
    CU_ASSERT_EQUAL(run("validate --strata country --lists A,B,C "
                        "tests/fixtures/strata.csv"), 3);
    e = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "column \"year\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "--strata year"));
    CU_ASSERT_PTR_NULL(strstr(e, "--count"));
}

/* Issue 13: files in the encodings field offices write; validate shows the
 * Russian headers and 882 people. */
static void test_encoding_option(void)
{
    static const char *const ok[] = {
        "--encoding cp1251 tests/fixtures/cases_ru_cp1251.csv",
        "--encoding koi8-r tests/fixtures/cases_ru_koi8r.csv",
        "tests/fixtures/cases_ru_utf16le.csv",
        "tests/fixtures/cases_ru_utf16be.csv",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "validate --count Количество %s", ok[i]);
        CU_ASSERT_EQUAL(run(cmd), 0);
        const char *o = slurp(out_path);
        CU_ASSERT_PTR_NOT_NULL(strstr(o, "3 lists: МОМ, НПО, Полиция"));
        CU_ASSERT_PTR_NOT_NULL(strstr(o, "people seen: 882"));
    }
    CU_ASSERT_EQUAL(run("validate --encoding latin1 --count cantidad "
                        "tests/fixtures/cases_latin1.csv"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "OIM, Médicos, Policía"));
    /* Not UTF-8: the line and byte, and the option to use. */
    CU_ASSERT_EQUAL(run("validate tests/fixtures/cases_ru_cp1251.csv"), 3);
    const char *e = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "cases_ru_cp1251.csv:1: byte 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "--encoding"));
    CU_ASSERT_EQUAL(run("estimate --encoding cp1251 --count Количество "
                        "tests/fixtures/bad_cp1251.csv"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "bad_cp1251.csv:3:"));
    /* An unknown name is a usage error listing names. */
    CU_ASSERT_EQUAL(run("estimate --encoding klingon "
                        "tests/fixtures/cases.csv"), 2);
    e = slurp(err_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "klingon"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "cp1251"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e, "iconv -l"));
    /* Decimals as spreadsheets write them. */
    CU_ASSERT_EQUAL(run("validate tests/fixtures/agg_decimals.csv"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "people seen: 882"));
    CU_ASSERT_EQUAL(run("validate tests/fixtures/bad_count_decimal.csv"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path),
                                  "bad_count_decimal.csv:3: column \"count\""));
    /* The help says so. */
    static const char *const cmds[] = {"estimate", "validate", "batch"};
    for (size_t i = 0; i < 3; i++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "%s --help", cmds[i]);
        CU_ASSERT_EQUAL(run(cmd), 0);
        const char *h = slurp(out_path);
        CU_ASSERT_PTR_NOT_NULL(strstr(h, "--encoding NAME"));
        CU_ASSERT_PTR_NOT_NULL(strstr(h, "--count COL"));
    }
}

/* Each option's refusal: exit 2 and a message that names the option by
 * its long name (also when its value is a word of its own) and the value
 * refused. */
static void test_option_errors(void)
{
    static const struct {
        const char *args, *msg;
    } cases[] = {
        {"--seed -1", "--seed takes a whole number >= 0, not \"-1\""},
        {"--threads 0", "--threads takes a number from 1 to 4096, not \"0\""},
        {"--select best", "--select must be stepwise, aic, aicc or bic, not "
                          "\"best\""},
        {"--pthresh 1", "--pthresh must lie between 0 and 1, not \"1\""},
        {"--temperatures 1", "--temperatures takes a whole number from 2 "
                             "to 64, not \"1\""},
        {"--beta-min 0", "--beta-min must lie strictly between 0 and 1, "
                         "not \"0\""},
        {"--bootstrap 1", "--bootstrap takes a whole number from 2 to "
                          "10000000, not \"1\""},
        {"--classes=0", "--classes takes a whole number from 1 to 1000, "
                        "not \"0\""},
        {"--chains 1001", "--chains takes a whole number from 1 to 1000, "
                          "not \"1001\""},
        {"--iterations 0", "--iterations takes a whole number >= 1, not "
                           "\"0\""},
        {"--burnin x", "--burnin takes a whole number >= 0, not \"x\""},
        {"--thin 2.5", "--thin takes a whole number >= 1, not \"2.5\""},
        {"--delta -1", "--delta must be a positive number, not \"-1\""},
        {"--n0-grid 5", "--n0-grid takes LO:HI, e.g. 0:110000, not \"5\""},
        {"--n0-grid 9:3", "--n0-grid takes LO:HI with 0 <= LO < HI"},
        {"--prior-n negbin:2", "--prior-n takes 1/N or negbin:A,B with A, "
                               "B > 0 (gamma shape A, scale B), not "
                               "\"negbin:2\""},
        {"--prior-n negbin:2,0", "not \"negbin:2,0\""},
        {"--prior-n flat", "not \"flat\""},
        {"--round 16", "--round takes a number of significant figures from "
                       "1 to 15, not \"16\""},
        {"--round x", "not \"x\""},
        {"--interval exact", "--interval must be lognormal, wald, profile "
                             "or bootstrap, not \"exact\""},
        {"--level 0", "--level must be a number between 0 and 1"},
        {"--format xml", "--format must be text, json or csv, not \"xml\""},
        {"--sampler gibbs2", "--sampler takes hybrid, gibbs, tempering "
                             "or tempering-splitmerge"},
        {"--sampler splitmerge", "--sampler splitmerge: the splitmerge "
                                 "sampler is retired: the hybrid sampler "
                                 "(the default) makes the same label swaps"},
        {"--out d", "estimate: --out is an option of victimcount batch"},
        {"--resume", "--resume is an option of victimcount batch"},
        {"--sensitivity=omit-each", "--sensitivity is an option of "
                                    "victimcount batch"},
        {"-x", "unknown option -x (see victimcount estimate --help)"},
        {"--bogus", "unknown option --bogus"},
        {"--iterations 5 data/examples/kosovo.csv",
         "expected exactly one input FILE, got 2"},
    };
    char cmd[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, "estimate %s data/examples/kosovo.csv",
                 cases[i].args);
        CU_ASSERT_EQUAL(run(cmd), 2);
        const char *e = slurp(err_path);
        if (strstr(e, cases[i].msg) == NULL) {
            fprintf(stderr, "\n  %s: %s", cases[i].args, e);
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(e, cases[i].msg));
    }
    /* an option at the end that lacks its value */
    CU_ASSERT_EQUAL(run("estimate data/examples/kosovo.csv --iterations"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "option --iterations "
                                                   "needs a value"));
    CU_ASSERT_EQUAL(run("validate --lists EXH data/examples/kosovo.csv -o"),
                    2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "validate: option -o "
                                                   "needs a value"));
    /* every command parses through the same option table and words its
     * refusals alike (cli/optable.c) */
    static const struct {
        const char *cmd, *msg;
    } others[] = {
        {"encode --secret-file", "encode: option --secret-file needs a "
                                 "value (see victimcount encode --help)"},
        {"link --threshold 1.5 a b", "link: --threshold takes a number in "
                                     "(0, 1], not \"1.5\""},
        {"link --threads 0 a b", "link: --threads takes a number from 1 to "
                                 "1024, not \"0\""},
        {"serve --workers 257", "serve: --workers takes a whole number from "
                                "1 to 256, not \"257\""},
        {"serve --db", "serve: option --db needs a value (see victimcount "
                       "serve --help)"},
        {"admin audit --office x", "admin audit: --office is an option of "
                                   "victimcount admin add-office or admin "
                                   "revoke"},
        {"admin revoke --since 2020", "admin revoke: --since is an option "
                                      "of victimcount admin audit"},
        {"admin revoke --bogus", "admin revoke: unknown option --bogus (see "
                                 "victimcount admin --help)"},
        {"simulate --seed -1", "simulate: --seed takes a whole number >= 0, "
                               "not \"-1\""},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        CU_ASSERT_EQUAL(run(others[i].cmd), 2);
        const char *e = slurp(err_path);
        if (strstr(e, others[i].msg) == NULL) {
            fprintf(stderr, "\n  %s: %s", others[i].cmd, e);
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(e, others[i].msg));
    }
    /* the bootstrap interval repeats the stepwise search: not with a
     * model given */
    CU_ASSERT_EQUAL(run("estimate -m loglinear --interval bootstrap "
                        "--model '[12]' data/examples/kosovo.csv"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "use it with --select "
                                                   "stepwise and no --model"));
}

/* The options that change the figures, each against the run without it
 * (Kosovo, Ball et al. 2002; Korea, Ball, Shin & Yang 2018). */
static void test_option_effects(void)
{
    /* --round 1: the plain-words range to one significant figure */
    CU_ASSERT_EQUAL(run("estimate -m chapman --lists EXH,ABA "
                        "data/examples/kosovo.csv"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "about 6,700–7,900"));
    /* the rows seen only by lists left out: a note, and said in the
     * summary line */
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "3,035 people seen "
                                                   "(1,365 more seen only "
                                                   "by lists left out)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "note: 1365 people seen "
                                                   "only by lists left out "
                                                   "were dropped"));
    /* spaces around list names are trimmed; text and stepwise named */
    char first[4096];
    snprintf(first, sizeof first, "%s", slurp(out_path));
    CU_ASSERT_EQUAL(run("estimate -f text --select stepwise -m chapman "
                        "--lists ' EXH , ABA ' data/examples/kosovo.csv"), 0);
    CU_ASSERT_STRING_EQUAL(slurp(out_path), first);
    CU_ASSERT_EQUAL(run("estimate -m chapman --lists EXH,ABA --round 1 "
                        "--interval log-normal data/examples/kosovo.csv"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "about 6,000–8,000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "log-normal (Chao 1987)"));

    /* --select aic: the same model as stepwise on Kosovo (EXH*ABA +
     * EXH*OSCE + EXH*HRW + ABA*OSCE + OSCE*HRW, N-hat 14,342), with the
     * five best of the 64 pairwise models and their Akaike weights */
    CU_ASSERT_EQUAL_FATAL(run("estimate -f json -m loglinear --select aic "
                              "--interval profile "
                              "data/examples/kosovo.csv"), 0);
    json_t *r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    VC_ASSERT_REL(json_real_value(json_object_get(r, "estimate")),
                  14341.6638004, 1e-9);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "interval")),
                           "profile likelihood (Cormack 1992)");
    json_t *top = json_object_get(r, "top_models");
    CU_ASSERT_EQUAL(json_array_size(top), 5);
    json_t *best = json_array_get(top, 0);
    VC_ASSERT_REL(json_real_value(json_object_get(best, "aic")),
                  161.317648273, 1e-9);
    VC_ASSERT_REL(json_real_value(json_object_get(best, "weight")),
                  0.72495934861, 1e-9);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "models_fitted")),
                    64);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(r, "models_refused")),
                    0);
    json_decref(r);
    CU_ASSERT_EQUAL(run("estimate -m loglinear --select bic "
                        "data/examples/kosovo.csv"), 0);
    const char *t = slurp(out_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "selected by BIC over all pairwise "
                                     "models"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "best models:\n    1. "));

    /* dga's prior on N: 1/N (the default) or a negative binomial, which
     * here moves the median from 159 to 197 (test_dga_cli) */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m dga --delta 0.125 "
                                  "--n0-grid 0:3075 --prior-n inverse",
                                  "Korea.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(json_real_value(json_object_get(r, "estimate")), 159.0);
    json_decref(r);
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m dga "
                                  "--prior-n negbin:2,500", "Korea.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(json_real_value(json_object_get(r, "estimate")), 197.0);
    json_decref(r);

    /* tempering with a fixed ladder of 3: beta 1, 0.5^(1/2), 0.5, and an
     * exchange rate for each neighbouring pair */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m lcm --sampler "
                                  "tempering --temperatures 3 --beta-min 0.5 "
                                  "--fixed-ladder --classes 4 --iterations "
                                  "300 --burnin 50 --chains 2",
                                  "Korea.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    json_t *d = json_object_get(r, "diagnostics");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(d, "sampler")),
                           "tempering");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "classes")), 4);
    json_t *ladder = json_object_get(d, "ladder");
    CU_ASSERT_EQUAL_FATAL(json_array_size(ladder), 3);
    CU_ASSERT_EQUAL(json_real_value(json_array_get(ladder, 0)), 1.0);
    VC_ASSERT_REL(json_real_value(json_array_get(ladder, 1)), sqrt(0.5),
                  1e-12);
    CU_ASSERT_EQUAL(json_real_value(json_array_get(ladder, 2)), 0.5);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(d, "exchange_rates")), 2);
    json_decref(r);
    static const char *const samplers[] = {"tempering-splitmerge",
                                           "hybrid"};
    for (size_t i = 0; i < 2; i++) {
        char args[256];
        snprintf(args, sizeof args, "estimate -f json -m lcm --sampler %s "
                 "--iterations 200 --burnin 20 --chains 1", samplers[i]);
        CU_ASSERT_EQUAL_FATAL(run_ref(args, "Korea.csv"), 0);
        r = first_result();
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        d = json_object_get(r, "diagnostics");
        CU_ASSERT_STRING_EQUAL(
            json_string_value(json_object_get(d, "sampler")), samplers[i]);
        json_decref(r);
    }
    /* --until-converged extends a run that has not converged by its
     * length again, up to --max-iterations */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m lcm --until-converged "
                                  "--iterations 300 --burnin 50 "
                                  "--max-iterations 600 --chains 2",
                                  "Korea.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    d = json_object_get(r, "diagnostics");
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "sweeps")), 600);
    CU_ASSERT(json_is_false(json_object_get(d, "converged")));
    json_decref(r);
    /* three draws of one chain: no R-hat or ESS, null rather than a
     * number, for lcm and for dga's MCMC */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m lcm --chains 1 "
                                  "--iterations 3 --burnin 0 --thin 1",
                                  "Korea.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    d = json_object_get(r, "diagnostics");
    CU_ASSERT(json_is_null(json_object_get(d, "rhat")));
    CU_ASSERT(json_is_null(json_object_get(d, "ess_bulk")));
    CU_ASSERT(json_is_null(json_object_get(d, "ess_tail")));
    CU_ASSERT(json_is_real(json_object_get(r, "estimate")));
    json_decref(r);
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m dga --dga-mcmc "
                                  "--chains 1 --iterations 3 --burnin 0 "
                                  "--thin 1", "Korea.csv"), 0);
    r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    d = json_object_get(r, "diagnostics");
    CU_ASSERT(json_is_null(json_object_get(d, "rhat")));
    CU_ASSERT(json_is_null(json_object_get(d, "rhat_edges")));
    CU_ASSERT(json_is_null(json_object_get(d, "ess_bulk_edges")));
    CU_ASSERT(json_is_false(json_object_get(d, "converged")));
    json_decref(r);
}

/* Strata with --label: the label and the stratum both in the headline;
 * validate lists the strata and each stratum's table. */
static void test_strata_label(void)
{
    CU_ASSERT_EQUAL(run("estimate --strata country,year -m independence "
                        "--label Survey tests/fixtures/cli_strata.csv"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path),
                                  "Survey, Kyrgyzstan 2005: "));
    CU_ASSERT_EQUAL(run("validate --strata country,year "
                        "tests/fixtures/cli_strata.csv"), 0);
    const char *t = slurp(out_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, " in 2 strata (country, year)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "stratum Kyrgyzstan 2005\n"));
    CU_ASSERT_EQUAL(run("validate --lists EXH,ABA data/examples/kosovo.csv"),
                    0);
    t = slurp(out_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "(1,365 more seen only by lists left "
                                     "out)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "note: 1365 people seen only by lists "
                                     "left out were dropped"));
}

/* On a terminal (a pseudo-terminal from script(1), util-linux) lcm shows
 * its progress on stderr, sweeps and R-hat, and clears the line at the
 * end; the figures are those of a run without it. */
static void test_progress_tty(void)
{
    char cmd[2048], json[600];
    snprintf(json, sizeof json, "%s/tty.json", tmpdir);
    snprintf(cmd, sizeof cmd, "script -qec \"%s estimate -f json -m lcm "
             "--iterations 4000 --burnin 500 --chains 2 --seed 3 -o '%s' "
             "'%s'\" /dev/null >'%s' 2>&1", vc_test_cli(), json,
             vc_test_refpath("Korea.csv"), out_path);
    int st = system(cmd);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    const char *t = slurp(out_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\r\033[Klcm: 400/4000 sweeps per "
                                     "chain, "));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, ", R-hat "));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "4000/4000 sweeps per chain"));
    size_t n = strlen(t);
    CU_ASSERT(n >= 4 && strcmp(t + n - 4, "\r\033[K") == 0);
    char first[1 << 14];
    snprintf(first, sizeof first, "%s", slurp(json));
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m lcm --iterations 4000 "
                                  "--burnin 500 --chains 2 --seed 3",
                                  "Korea.csv"), 0);
    json_t *a = json_loads(first, 0, NULL);
    json_t *b = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(json_real_value(json_object_get(
                        json_array_get(json_object_get(a, "results"), 0),
                        "estimate")),
                    json_real_value(json_object_get(b, "estimate")));
    json_decref(a);
    json_decref(b);
}

/* The heterogeneity forms by name in the model and the coefficients
 * (Rcapture's closedp.t on the hare data, as in test_loglin.c: Mth Chao
 * 79.6, Darroch 90.5, Gamma3.5 101.6), and an interaction between lists
 * that never meet fixed at minus infinity: with A*B gone, C is
 * independent of the rest, so the unseen are 20 x 55 / 14 and N-hat is
 * 89 + 78.571 = 167.571. */
static void test_loglinear_forms(void)
{
    static const struct {
        const char *h, *model, *last;
        double N;
    } cases[] = {
        {"chao", "c1 + c2 + c3 + c4 + c5 + c6 + h=Chao", "eta5", 79.6},
        {"darroch", "c1 + c2 + c3 + c4 + c5 + c6 + h=Darroch", "h=Darroch",
         90.5},
        {"gamma", "c1 + c2 + c3 + c4 + c5 + c6 + h=Gamma(3.5)",
         "h=Gamma(3.5)", 101.6},
    };
    for (size_t i = 0; i < 3; i++) {
        char args[256];
        snprintf(args, sizeof args, "estimate -f json -m loglinear --model "
                 "independence --heterogeneity %s", cases[i].h);
        CU_ASSERT_EQUAL_FATAL(run_ref(args, "hare.csv"), 0);
        json_t *r = first_result();
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(r,
                                                               "estimate")),
                               cases[i].N, 0.05);
        CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "model")),
                               cases[i].model);
        CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(r,
                                                               "coefficients"),
                                               cases[i].last));
        if (i == 0) {
            json_t *h = json_object_get(r, "heterogeneity");
            CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(h,
                                                                     "form")),
                                   "Chao");
            CU_ASSERT_EQUAL(json_integer_value(json_object_get(
                                h, "etas_fixed_at_zero")), 0);
        }
        json_decref(r);
    }
    char path[600], args[1024];
    tmp_file("never_meet.csv",
             "A,B,C,count\n1,0,0,30\n0,1,0,25\n0,0,1,20\n1,0,1,8\n0,1,1,6\n",
             path, sizeof path);
    snprintf(args, sizeof args, "estimate -m loglinear --model '[12,3]' "
             "'%s'", path);
    CU_ASSERT_EQUAL_FATAL(run(args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "1 interaction between "
                                                   "lists that never meet "
                                                   "fixed at minus infinity "
                                                   "(extended MLE)"));
    snprintf(args, sizeof args, "estimate -f json -m loglinear --model "
             "'[12,3]' '%s'", path);
    CU_ASSERT_EQUAL_FATAL(run(args), 0);
    json_t *r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    VC_ASSERT_REL(json_real_value(json_object_get(r, "estimate")),
                  89.0 + 20.0 * 55.0 / 14.0, 1e-6);
    json_t *ab = json_object_get(json_object_get(r, "coefficients"), "A:B");
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(ab, "state")),
                           "minus infinity (lists never meet)");
    json_decref(r);
}

/* Output that cannot be written: a full standard output, or -o naming a
 * directory; exit 5, the reason, and no temporary file left. */
static void test_output_errors(void)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s estimate data/examples/kosovo.csv "
             ">/dev/full 2>'%s'", vc_test_cli(), err_path);
    int st = system(cmd);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "cannot write to standard "
                                                   "output: No space left on "
                                                   "device"));
    char dir[600], args[1400];
    snprintf(dir, sizeof dir, "%s/outdir", tmpdir);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0777), 0);
    snprintf(args, sizeof args, "%s/x", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(args, 0777), 0);
    snprintf(args, sizeof args, "estimate -o '%s' data/examples/kosovo.csv",
             dir);
    CU_ASSERT_EQUAL(run(args), 5);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), ": Is a directory"));
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c tmp >/dev/null", tmpdir);
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);
}

/* cli_parse with its messages to /dev/null. */
static int parse_quietly(int argc, char **argv, const char *cmd,
                         cli_options *o, int *help)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *null = fopen("/dev/null", "w");
    if (null != NULL) {
        dup2(fileno(null), 2);
    }
    cli_options_init(o);
    int rc = cli_parse(argc, argv, cmd, o, help);
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
    }
    if (null != NULL) {
        fclose(null);
    }
    return rc;
}

/* Each parse starts afresh: getopt kept its place inside a group of short
 * options that a parse left unfinished ("-hq", or "-qq-m..." refused at
 * the '-'), and the next parse in the same process went on reading the
 * earlier argv (fuzz_opts: heap use after free;
 * tests/fixtures/fuzz/opts/getopt-unfinished-group holds its input: a
 * command byte, then NUL-separated arguments). */
static void test_parse_afresh(void)
{
    FILE *f = fopen("tests/fixtures/fuzz/opts/getopt-unfinished-group", "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char bytes[256];
    size_t len = fread(bytes, 1, sizeof bytes - 1, f);
    fclose(f);
    bytes[len] = '\0';
    char *argv1[8];
    int argc1 = 0;
    argv1[argc1++] = "estimate";
    for (size_t i = 1; i < len && argc1 < 7; i += strlen(bytes + i) + 1) {
        argv1[argc1++] = bytes + i;
    }
    argv1[argc1] = NULL;
    cli_options o;
    int help = 0;
    CU_ASSERT_EQUAL(parse_quietly(argc1, argv1, "estimate", &o, &help),
                    CLI_EXIT_USAGE);
    cli_options_free(&o);

    char *argv2[] = {"estimate", "f.csv", NULL};
    CU_ASSERT_EQUAL(parse_quietly(2, argv2, "estimate", &o, &help),
                    CLI_EXIT_OK);
    CU_ASSERT_EQUAL(o.methods.n, 0);
    CU_ASSERT_EQUAL(o.quiet, 0);
    CU_ASSERT_PTR_EQUAL(o.input, argv2[1]);
    cli_options_free(&o);

    char *argv3[] = {"estimate", "-hq", "f.csv", NULL};
    CU_ASSERT_EQUAL(parse_quietly(3, argv3, "estimate", &o, &help),
                    CLI_EXIT_OK);
    CU_ASSERT_EQUAL(help, 1);
    cli_options_free(&o);
    char *argv4[] = {"validate", "g.csv", NULL};
    CU_ASSERT_EQUAL(parse_quietly(2, argv4, "validate", &o, &help),
                    CLI_EXIT_OK);
    CU_ASSERT_EQUAL(help, 0);
    CU_ASSERT_EQUAL(o.quiet, 0);
    CU_ASSERT_PTR_EQUAL(o.input, argv4[1]);
    cli_options_free(&o);
}

/* The synthesis (issue 17) on the known cases.  UK 5 lists: the methods
 * disagree and the data allow two regimes, about 11,000-12,000
 * (log-linear models, dga's graphs with LA-GP and GO-GP dependence) and
 * about 23,000 (lcm, dga's most probable graphs); independence fails its
 * goodness-of-fit test; whether lcm's interval (lower end 15,645 at this
 * seed and length) clears loglinear's upper end (15,227) is what makes
 * agree false by the contract's pairwise-overlap rule.  Kosovo: the
 * chosen log-linear model and independence fail their goodness-of-fit
 * tests, lcm and dga agree. */
static json_t *synthesis_of(void)
{
    json_error_t jerr;
    json_t *root = json_load_file(out_path, 0, &jerr);
    json_t *s = json_incref(json_array_get(json_object_get(root,
                                                           "synthesis"), 0));
    json_decref(root);
    return s;
}

static void test_synthesis_cli(void)
{
    const char *args = "estimate -f json -m loglinear,lcm,dga,independence "
                       "--iterations 20000 --burnin 2000";
    CU_ASSERT_EQUAL_FATAL(run_ref(args, "UKdat_5.csv"), 0);
    json_t *s = synthesis_of();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(s, "methods")), 4);
    /* independence fails its check (the main-effects log-linear model's
     * deviance: p 4e-14) */
    CU_ASSERT_EQUAL(json_array_size(json_object_get(s, "passing")), 3);
    CU_ASSERT_TRUE(json_is_false(json_object_get(s, "agree")));
    json_t *reg = json_object_get(s, "regimes");
    CU_ASSERT_EQUAL_FATAL(json_array_size(reg), 2);
    double a = json_real_value(json_object_get(json_array_get(reg, 0),
                                               "estimate"));
    double b = json_real_value(json_object_get(json_array_get(reg, 1),
                                               "estimate"));
    CU_ASSERT(a > 10000 && a < 13000);
    CU_ASSERT(b > 20000 && b < 26000);
    json_t *q = json_object_get(s, "quote");
    CU_ASSERT(json_real_value(json_object_get(q, "lower")) < 10000);
    CU_ASSERT(json_real_value(json_object_get(q, "upper")) > 30000);
    CU_ASSERT_PTR_NOT_NULL(strstr(json_string_value(json_object_get(
                                      q, "about")), "about 9,000"));
    const char *st = json_string_value(json_object_get(s, "statement"));
    CU_ASSERT_PTR_NOT_NULL(strstr(st, "The methods disagree"));
    CU_ASSERT_PTR_NOT_NULL(strstr(st, "Two explanations"));
    json_decref(s);

    /* lcm must pass its convergence check here (bulk ESS >= 400): at
     * some 400 sweeps per ESS on Kosovo, 4 x 20,000 sweeps give ~200
     * and pass only on a lucky seed (the draws of 0.4.0 did: ESS 413;
     * those of the sampler's own ziggurat give 172), 4 x 60,000 ~600 */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m loglinear,lcm,dga,"
                                  "independence --iterations 60000 "
                                  "--burnin 2000", "Kosovo.csv"), 0);
    s = synthesis_of();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* loglinear (p 1.6e-07) and independence (p 3.9e-47) fail their
     * goodness-of-fit tests; lcm and dga pass and overlap: one regime */
    json_t *pass = json_object_get(s, "passing");
    CU_ASSERT_EQUAL(json_array_size(pass), 2);
    CU_ASSERT_TRUE(json_is_true(json_object_get(s, "agree")));
    reg = json_object_get(s, "regimes");
    CU_ASSERT_EQUAL(json_array_size(reg), 1);
    const char *kst = json_string_value(json_object_get(s, "statement"));
    CU_ASSERT_PTR_NOT_NULL(kst && strstr(kst, "independence is left out: "
                                              "its goodness-of-fit test "
                                              "fails"));
    json_decref(s);

    /* one method of the four: no synthesis; text: the section comes
     * before the method table */
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m loglinear,chao",
                                  "Kosovo.csv"), 0);
    CU_ASSERT_PTR_NULL(strstr(slurp(out_path), "\"synthesis\""));
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -m loglinear,independence",
                                  "Kosovo.csv"), 0);
    const char *txt = slurp(out_path);
    const char *sec = strstr(txt, "Which number to quote:");
    const char *tab = strstr(txt, "  method ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sec);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tab);
    CU_ASSERT(sec < tab);
}

/* Without --iterations lcm samples until converged and says so, with the
 * cap; an explicit --iterations is a run of that length. */
static void test_converge_default(void)
{
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m lcm --chains 2 "
                                  "--max-iterations 200000", "Kosovo.csv"),
                          0);
    json_t *r = first_result();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    json_t *d = json_object_get(r, "diagnostics");
    json_t *u = json_object_get(d, "until_converged");
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(u, "round")), 100000);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(u, "max_sweeps")),
                    200000);
    CU_ASSERT_TRUE(json_is_true(json_object_get(d, "converged")));
    json_decref(r);
    CU_ASSERT_EQUAL_FATAL(run_ref("estimate -f json -m lcm --chains 2 "
                                  "--iterations 500 --burnin 100",
                                  "Kosovo.csv"), 0);
    r = first_result();
    d = json_object_get(r, "diagnostics");
    CU_ASSERT_PTR_NULL(json_object_get(d, "until_converged"));
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(d, "sweeps")), 500);
    json_decref(r);
}

/* estimate --covariates: the by-level figures of R's glm
 * (tests/fixtures/covloglin/reference.R, "t1 m2"), the bootstrap the
 * same for any thread count, and the refusals. */
static void test_covariates(void)
{
    const char *t1 = "tests/fixtures/covloglin/t1.csv";
    char args[1024];
    snprintf(args, sizeof args,
             "estimate --covariates sex,age --model "
             "'IOM*NGO + (IOM+NGO+Police)*sex + age' --interval wald "
             "-f json %s", t1);
    CU_ASSERT_EQUAL(run(args), 0);
    const char *out = slurp(out_path);
    /* total 921.96130255173887, female 270.09174641371089, elder
     * 396.60614620203216: JSON has 12 significant figures */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"estimate\": 921.961302552"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"level\": \"female\",\n"
                                       "          \"estimate\": "
                                       "270.091746414"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"level\": \"elder\",\n"
                                       "          \"estimate\": "
                                       "396.606146202"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"by\": ["));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"observed\": 160"));
    /* the bootstrap: the same bytes with 1 and 2 threads, pairs too */
    static char one[1 << 16];
    snprintf(args, sizeof args,
             "estimate --covariates sex,age --select aic --by-pairs "
             "--bootstrap 200 --threads 1 -f json %s", t1);
    CU_ASSERT_EQUAL(run(args), 0);
    snprintf(one, sizeof one, "%s", slurp(out_path));
    CU_ASSERT_PTR_NOT_NULL(strstr(one, "\"covariate\": \"sex:age\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(one, "\"level\": \"male:elder\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(one, "\"search\": \"exhaustive\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(one, "\"replicates\": 200"));
    /* R's exhaustive AIC search picks A:B + A:sex, AIC 229.37950518 */
    CU_ASSERT_PTR_NOT_NULL(strstr(one, "\"aic\": 229.379505181"));
    snprintf(args, sizeof args,
             "estimate --covariates sex,age --select aic --by-pairs "
             "--bootstrap 200 --threads 2 -f json %s", t1);
    CU_ASSERT_EQUAL(run(args), 0);
    CU_ASSERT_STRING_EQUAL(slurp(out_path), one);
    /* text: a table by level */
    snprintf(args, sizeof args, "estimate --covariates sex,age "
             "--bootstrap 100 %s", t1);
    CU_ASSERT_EQUAL(run(args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "age = child"));
    /* other methods per level, with a note */
    snprintf(args, sizeof args, "estimate --covariates sex --strata age -m chao %s", t1);
    CU_ASSERT_EQUAL(run(args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "elder sex=male"));
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "runs on the table of "
                                                   "each covariate level"));
    /* missing ages (NA) filled in by EM: reference.R's first EM run,
     * age "adult" 243.36936117468301 */
    snprintf(args, sizeof args,
             "estimate --covariates sex,age --model "
             "'IOM*NGO + (IOM+NGO+Police)*sex + age' --interval wald "
             "-f json tests/fixtures/covloglin/t1miss.csv");
    CU_ASSERT_EQUAL(run(args), 0);
    out = slurp(out_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"people\": 104"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"level\": \"adult\",\n"
                                       "          \"estimate\": "
                                       "243.3693612"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"estimate\": 921.961302552"));
    /* rates per 100,000: female 270.09174641371089 of 1,000,000 */
    snprintf(args, sizeof args,
             "estimate --covariates sex,age --model "
             "'IOM*NGO + (IOM+NGO+Police)*sex + age' --interval wald "
             "--population tests/fixtures/covloglin/t1pop.csv -f json %s",
             t1);
    CU_ASSERT_EQUAL(run(args), 0);
    out = slurp(out_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"rate\": 27.0091746414"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"population\": 1980000.0"));
    /* simulate with covariates: a column per covariate, NA for missing
     * values, the truth by level, the same bytes for the same seed */
    static char sim1[1 << 16];
    snprintf(args, sizeof args,
             "simulate --lists A,B,C --capture 0.2,0.15,0.1 --N 3000 "
             "--covariate sex=female:0.4:0.5,male:0.6 --missing sex:0.2 "
             "--truth %s/truth.csv", tmpdir);
    CU_ASSERT_EQUAL(run(args), 0);
    snprintf(sim1, sizeof sim1, "%s", slurp(out_path));
    CU_ASSERT(strncmp(sim1, "A,B,C,sex,count\n", 16) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(sim1, ",NA,"));
    char tpath[600];
    snprintf(tpath, sizeof tpath, "%s/truth.csv", tmpdir);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(tpath), "\n,,3000,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(tpath), "\nsex,female,"));
    CU_ASSERT_EQUAL(run(args), 0);
    CU_ASSERT_STRING_EQUAL(slurp(out_path), sim1);
    /* and estimate reads it back, the missing sexes by EM */
    char spath[600];
    tmp_file("sim.csv", sim1, spath, sizeof spath);
    snprintf(args, sizeof args, "estimate --covariates sex --bootstrap 50 "
             "-f json %s", spath);
    CU_ASSERT_EQUAL(run(args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(out_path), "\"missing_covariates\""));
    /* refusals */
    char path[600];
    tmp_file("pop.csv", "region,population\nnorth,10\n", path, sizeof path);
    snprintf(args, sizeof args, "estimate --covariates sex,age "
             "--population %s %s", path, t1);
    CU_ASSERT_EQUAL(run(args), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "\"region\" is neither"));
    tmp_file("pop2.csv", "sex,population\nfemale,x\n", path, sizeof path);
    snprintf(args, sizeof args, "estimate --covariates sex,age "
             "--population %s %s", path, t1);
    CU_ASSERT_EQUAL(run(args), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "pop2.csv:2: column "
                                                   "\"population\""));
    snprintf(args, sizeof args, "estimate --population %s %s", path, t1);
    CU_ASSERT_EQUAL(run(args), 2);
    tmp_file("na.csv", "IOM,NGO,sex\nNA,0,f\n0,1,NA\n", path, sizeof path);
    snprintf(args, sizeof args, "estimate --covariates sex %s", path);
    CU_ASSERT_EQUAL(run(args), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "na.csv:2: column "
                                                   "\"IOM\""));
    snprintf(args, sizeof args, "estimate --select aicc %s", t1);
    CU_ASSERT_EQUAL(run(args), 2);
    snprintf(args, sizeof args, "estimate --covariates sex,age --model "
             "'IOM*+NGO' %s", t1);
    CU_ASSERT_EQUAL(run(args), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "at character 5"));
    snprintf(args, sizeof args, "batch --covariates sex --sensitivity "
             "omit-each --out %s/b %s", tmpdir, t1);
    CU_ASSERT_EQUAL(run(args), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(err_path), "not taken with "
                                                   "--covariates"));
}

/* The "by" of the loglinear row of stratum `label` in a results JSON
 * (returned; json_decref), or NULL. */
static json_t *by_of(const char *path, const char *label)
{
    json_t *root = json_load_file(path, 0, NULL);
    json_t *by = NULL;
    json_t *rows = json_object_get(root, "results");
    for (size_t i = 0; by == NULL && i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        const char *s = json_string_value(json_object_get(r, "stratum"));
        if (s != NULL && strcmp(s, label) == 0
            && strcmp(json_string_value(json_object_get(r, "method")),
                      "loglinear") == 0) {
            by = json_incref(json_object_get(r, "by"));
        }
    }
    json_decref(root);
    return by;
}

/* batch --covariates: strata x covariates on a small simulated file,
 * each stratum's by-level figures those of estimate on that stratum with
 * the same seed (the random streams are keyed by the stratum's label). */
static void test_batch_covariates(void)
{
    char args[2048], path[600], dir[600], res[700];
    /* two strata simulated apart, sex missing for 10 % of the people */
    static char sim[1 << 17];
    size_t used = 0;
    static const char *const regions[] = {"north", "south"};
    for (size_t k = 0; k < 2; k++) {
        snprintf(args, sizeof args,
                 "simulate --lists A,B,C --capture 0.3,0.25,0.2 --N %d "
                 "--covariate sex=female:0.4:0.5,male:0.6 --missing sex:0.1 "
                 "--seed %zu", k ? 900 : 1500, k + 3);
        CU_ASSERT_EQUAL_FATAL(run(args), 0);
        const char *out = slurp(out_path);
        const char *nl = strchr(out, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        if (k == 0) {
            used += (size_t)snprintf(sim, sizeof sim, "region,%.*s\n",
                                     (int)(nl - out), out);
        }
        for (const char *line = nl + 1; *line;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            used += (size_t)snprintf(sim + used, sizeof sim - used,
                                     "%s,%.*s\n", regions[k], (int)len,
                                     line);
            line += len + (end != NULL);
        }
    }
    tmp_file("bcov.csv", sim, path, sizeof path);
    snprintf(dir, sizeof dir, "%s/bcov", tmpdir);
    snprintf(args, sizeof args,
             "batch -q --covariates sex --strata region -m loglinear,chapman "
             "--bootstrap 200 --seed 11 --out %s %s", dir, path);
    CU_ASSERT_EQUAL_FATAL(run(args), 0);
    snprintf(res, sizeof res, "%s/results.csv", dir);
    const char *csv = slurp(res);
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",covariate,covariate_level\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, ",sex,female\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(csv, "south sex=male,chapman"));
    snprintf(res, sizeof res, "%s/report.html", dir);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(res), "By covariate"));
    snprintf(res, sizeof res, "%s/results.json", dir);
    for (size_t k = 0; k < 2; k++) {
        json_t *b = by_of(res, regions[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_EQUAL(json_array_size(b), 2);
        snprintf(args, sizeof args,
                 "estimate --covariates sex --strata region -m loglinear "
                 "--bootstrap 200 --seed 11 -f json %s", path);
        CU_ASSERT_EQUAL_FATAL(run(args), 0);
        json_t *e = by_of(out_path, regions[k]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_TRUE(json_equal(b, e));
        /* and not by chance: the strata differ */
        json_t *other = by_of(out_path, regions[1 - k]);
        CU_ASSERT_FALSE(json_equal(b, other));
        json_decref(other);
        json_decref(b);
        json_decref(e);
    }
    /* a rerun reads every unit back from the cache: the same bytes */
    static char first[1 << 17];
    snprintf(first, sizeof first, "%s", slurp(res));
    snprintf(args, sizeof args,
             "batch -q --covariates sex --strata region -m loglinear,chapman "
             "--bootstrap 200 --seed 11 --out %s %s", dir, path);
    CU_ASSERT_EQUAL(run(args), 0);
    CU_ASSERT_STRING_EQUAL(slurp(res), first);
    /* the population is part of the cache key: with one, the cached
     * units are not taken and the rates are there */
    char pop[600];
    tmp_file("bcovpop.csv", "region,sex,population\nnorth,female,1e6\n"
             "north,male,1e6\nsouth,female,5e5\nsouth,male,5e5\n", pop,
             sizeof pop);
    snprintf(args, sizeof args,
             "batch -q --covariates sex --strata region -m loglinear,chapman "
             "--bootstrap 200 --seed 11 --population %s --out %s %s", pop,
             dir, path);
    CU_ASSERT_EQUAL(run(args), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(res), "\"rate_upper\""));
    snprintf(res, sizeof res, "%s/results.csv", dir);
    CU_ASSERT_PTR_NOT_NULL(strstr(slurp(res), ",covariate,covariate_level,"
                                              "rate,rate_lower,rate_upper"));
    /* a population with a column that is neither a stratum nor a
     * covariate (age) is refused before anything is computed */
    snprintf(args, sizeof args,
             "batch -q --covariates sex --strata region -m loglinear "
             "--bootstrap 200 --seed 11 --population %s --out %s %s",
             "tests/fixtures/covloglin/t1pop.csv", dir, path);
    CU_ASSERT_EQUAL(run(args), 3);
}

int vc_register_cli_suite(void)
{
    CU_pSuite s = CU_add_suite("cli", setup, teardown);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "version and help", test_version_help) == NULL
        || CU_add_test(s, "option parser: each parse afresh",
                       test_parse_afresh) == NULL
        || CU_add_test(s, "usage errors", test_usage_errors) == NULL
        || CU_add_test(s, "every option --help names is parsed",
                       test_help_options_parsed) == NULL
        || CU_add_test(s, "every option of a table is in --help",
                       test_help_lists_every_option) == NULL
        || CU_add_test(s, "data errors", test_data_errors) == NULL
        || CU_add_test(s, "json", test_json) == NULL
        || CU_add_test(s, "text and csv", test_text_and_csv) == NULL
        || CU_add_test(s, "strata", test_strata) == NULL
        || CU_add_test(s, "atomic output", test_atomic_output) == NULL
        || CU_add_test(s, "no estimate", test_no_estimate) == NULL
        || CU_add_test(s, "validate", test_validate) == NULL
        || CU_add_test(s, "loglinear", test_loglinear) == NULL
        || CU_add_test(s, "model checks and prior sensitivity",
                       test_checks_and_priors) == NULL
        || CU_add_test(s, "dga", test_dga_cli) == NULL
        || CU_add_test(s, "dga MCMC", test_dga_mcmc_cli) == NULL
        || CU_add_test(s, "lcm", test_lcm_cli) == NULL
        || CU_add_test(s, "synthesis", test_synthesis_cli) == NULL
        || CU_add_test(s, "convergence by default", test_converge_default)
               == NULL
        || CU_add_test(s, "zero row with a selection",
                       test_zero_row_selected) == NULL
        || CU_add_test(s, "--count", test_count_option) == NULL
        || CU_add_test(s, "--encoding and decimals", test_encoding_option)
               == NULL
        || CU_add_test(s, "option errors", test_option_errors) == NULL
        || CU_add_test(s, "option effects", test_option_effects) == NULL
        || CU_add_test(s, "strata and label", test_strata_label) == NULL
        || CU_add_test(s, "progress on a terminal", test_progress_tty)
               == NULL
        || CU_add_test(s, "loglinear forms", test_loglinear_forms) == NULL
        || CU_add_test(s, "output errors", test_output_errors) == NULL
        || CU_add_test(s, "covariates", test_covariates) == NULL
        || CU_add_test(s, "batch with covariates", test_batch_covariates)
               == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
