/*
 * batch.c: `victimcount batch`: every stratum with every method, in
 * parallel, durable and resumable, with results.csv, results.json and
 * report.html in one directory.
 *
 * The unit of work is (stratum, method, variant): variant is "all lists"
 * or, with --sensitivity, the stratum's table changed in one way: one list
 * left out (omit-each), or two or more lists merged into one (merge-pairs,
 * merge:A+B).  Each variant estimates under other assumptions about the
 * lists (a list left out cannot bias the others through its dependence on
 * them; merged lists may depend on each other in any way), so the spread
 * of a method's estimates over the variants of one kind, reported next to
 * its main estimate, shows how much the estimate leans on each list and on
 * the lists being independent of each other.  A merged list keeps the
 * place of its first member and is named by its members in file order, so
 * merge:NGO+IOM and merge-pairs give the same unit (and share its cache
 * file).  Each unit is
 * independent of every other: its random streams are keyed by the seed and
 * the stratum's label (the lcm and loglinear runners use
 * vc_hash_string(label) as the stream's stratum id), never by its position
 * in the file or the thread that runs it.
 *
 * A finished unit is written atomically (temporary file, fsync, rename,
 * fsync of the directory) to DIR/cache/<sha256>.json, where the hash is
 * over a canonical text of everything the unit's result depends on: the
 * engine version, the method and its settings, the seed, the stratum
 * label and the table itself (list names, patterns, counts).  A later run
 * finds the file by the same hash and does not recompute it; a changed
 * setting or table gives another hash, so a stale result is never reused.
 * The outputs are always assembled from the cached files, in file order,
 * so a run killed at any moment and run again ends with the same bytes as
 * a run never interrupted.
 *
 * Results carry no run times: a result depends on its inputs alone.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nettle/sha2.h>
#include <omp.h>

#include "cli/cli.h"
#include "report/vc_report.h"

/* Bump when the layout of a unit file changes, so that old files are
 * never read as new ones (it is part of every unit's hash). */
#define BATCH_UNIT_FORMAT 1

void cli_batch_help(FILE *f)
{
    fputs(
        "Usage: victimcount batch FILE --out DIR [OPTIONS]\n"
        "\n"
        "Estimate every stratum of FILE with every method, in parallel,\n"
        "and write DIR/results.csv, DIR/results.json and DIR/report.html\n"
        "(one self-contained page with headlines, tables and figures).\n"
        "\n"
        "Options (and every option of `victimcount estimate`, applied to\n"
        "each method):\n"
        "      --out DIR          where results and the cache go (required)\n"
        "      --strata COLS      estimate separately for each value of these\n"
        "                         columns, e.g. --strata country,year\n"
        "      --count COL        the count column, when it is not named\n"
        "                         count, freq, n or Freq\n"
        "      --encoding NAME    the file's encoding when it is not UTF-8\n"
        "                         (cp1251, koi8-r, latin1, utf-16, ...)\n"
        "  -m, --methods LIST     methods, default chapman,loglinear,lcm,dga\n"
        "                         (chapman on more than two lists gives\n"
        "                         Chapman for each pair)\n"
        "      --seed S           every stratum's random streams derive from\n"
        "                         S and the stratum's name, so results do not\n"
        "                         depend on order, threads or the other\n"
        "                         strata in the file\n"
        "      --sensitivity KINDS  rerun each method on variants of each\n"
        "                         stratum's table and report, next to its\n"
        "                         main estimate, the range of its estimates\n"
        "                         over the variants of each kind; KINDS is\n"
        "                         one or more of, separated by commas:\n"
        "                           omit-each    each list left out in turn\n"
        "                           merge-pairs  each pair of lists merged\n"
        "                                        into one list\n"
        "                           merge:A+B    lists A and B (or more:\n"
        "                                        A+B+C) merged into one\n"
        "                         (repeatable).  Variants need 3 or more\n"
        "                         lists; a variant left with 2 lists gets\n"
        "                         only chapman.  The spreads are columns\n"
        "                         omit_lower/omit_upper and merge_lower/\n"
        "                         merge_upper of results.csv, \"sensitivity\"\n"
        "                         in results.json, and columns of the report\n"
        "      --resume           skip finished units (re-running does so\n"
        "                         anyway: finished units are cached in\n"
        "                         DIR/cache, keyed by table, method settings,\n"
        "                         seed and engine version)\n"
        "      --threads N        strata run in parallel on N threads\n"
        "  -q, --quiet            no progress on standard error\n"
        "\n"
        "Standard output gets one headline per stratum and the report's\n"
        "path; standard error shows progress when it is a terminal.\n"
        "\n"
        "Across ranks of an MPI job (build/victimcount-mpi, the same\n"
        "options): mpirun --bind-to none -np W+1 victimcount-mpi batch ...\n"
        "Rank 0 schedules units and writes the cache and the outputs; W\n"
        "workers compute one unit at a time with their OpenMP threads\n"
        "(set OMP_NUM_THREADS or --threads so W x threads fits the cores);\n"
        "FILE must be readable at the same path on every machine.  The\n"
        "outputs are the bytes of a single-process batch.\n"
        "\n"
        "Exit status: 0 when every unit ran and the outputs were written\n"
        "(a unit without an estimate has a row saying why), 2 usage, 3\n"
        "invalid input, 5 outputs not written, 1 internal error.\n"
        "\n"
        "Example:\n"
        "  victimcount batch data/examples/central-asia.csv --strata\n"
        "      country,year --methods chapman,loglinear,lcm --out results\n"
        "  victimcount batch data/examples/central-asia.csv --strata\n"
        "      country,year --methods loglinear --sensitivity\n"
        "      omit-each,merge:NGO+Police --out results\n",
        f);
}

/* One unit of work. */
typedef struct {
    size_t stratum;          /* index into d->tables */
    const cli_method *m;
    int kind;                /* -1: all lists; else the CLI_SENS_* kind of
                                the variant */
    uint32_t mask;           /* omit: the list left out; merge: the lists
                                merged (bits of the stratum's table) */
    vc_table *own;           /* the variant's table (owned) */
    const vc_table *t;       /* the table the unit estimates */
    char variant[1024];      /* "", "without IOM" or "IOM+NGO merged" */
    char why[VC_ERROR_SIZE]; /* not "": the variant cannot be formed in
                                this stratum, and this says why */
    char key[2 * SHA256_DIGEST_SIZE + 1];
    char path[4096 + 80];    /* DIR/cache/<key>.json */
    char name[1400];         /* "Kazakhstan 2004, lcm, without IOM" */
    json_t *loaded;          /* the unit file's contents */
} batch_unit;

/* A variant of one stratum's table, before it is paired with methods. */
typedef struct {
    int kind;                /* CLI_SENS_* */
    uint32_t mask;
    char variant[1024];
    char why[VC_ERROR_SIZE];
} batch_variant;

/* A batch: its options, its data and its units in output order (stratum,
 * method, variant), and on the rank that writes, what is left to do. */
struct cli_batch_plan {
    cli_options o;           /* as parsed */
    cli_options mo;          /* what each method runner gets */
    vc_dataset *d;
    batch_unit *units;
    size_t nunits;
    char cache[4096];        /* DIR/cache */
    size_t *todo;            /* units not in the cache, in unit order */
    size_t ntodo;
    size_t *left;            /* per stratum, its units not yet done */
    size_t done, sdone;      /* units and strata finished */
    cli_progress progress;
    double t0;
    FILE *headlines;         /* where assemble writes the headlines; NULL:
                                standard output */
};

void cli_batch_set_headlines(cli_batch_plan *p, FILE *f)
{
    p->headlines = f;
}

/* The settings of m that can change its result, as canonical text. */
static void method_settings(const cli_method *m, const cli_options *o,
                            FILE *f)
{
    fprintf(f, "level %.17g\ninterval %d\n", o->level, (int)o->interval);
    if (strcmp(m->name, "loglinear") == 0) {
        const cli_opts_loglinear *ll = &o->loglinear;
        fprintf(f, "model %s\nselect %d\npthresh %.17g\nbootstrap %zu\n",
                ll->model ? ll->model : "", (int)ll->select, ll->pthresh,
                ll->bootstrap);
    } else if (strcmp(m->name, "lcm") == 0) {
        const cli_opts_lcm *lc = &o->lcm;
        fprintf(f, "classes %zu\nchains %zu\niterations %llu\nburnin %llu\n"
                "thin %llu\nmax_iterations %llu\nuntil_converged %d\n",
                lc->classes, lc->chains, (unsigned long long)lc->iterations,
                (unsigned long long)lc->burnin, (unsigned long long)lc->thin,
                (unsigned long long)lc->max_iterations, lc->until_converged);
    } else if (strcmp(m->name, "dga") == 0) {
        const cli_opts_dga *dg = &o->dga;
        fprintf(f, "delta %.17g\nn0 %llu %llu\nprior %d %.17g %.17g\n",
                dg->delta, (unsigned long long)dg->n0_lo,
                (unsigned long long)dg->n0_hi, dg->prior_negbin, dg->nb_a,
                dg->nb_b);
    }
}

/* Index of the list called name (len bytes) in t, or -1. */
static long table_list(const vc_table *t, const char *name, size_t len)
{
    for (size_t j = 0; j < t->J; j++) {
        if (strlen(t->names[j]) == len && strncmp(t->names[j], name, len)
                                              == 0) {
            return (long)j;
        }
    }
    return -1;
}

/* The names of the lists in mask, in t's order, joined by "+". */
static void merged_name(const vc_table *t, uint32_t mask, char *buf,
                        size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < t->J && used < size; j++) {
        if (mask >> j & 1u) {
            used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                     used ? "+" : "", t->names[j]);
        }
    }
}

/* Every name in each --sensitivity merge:A+B must be a list of the file,
 * and none twice; CLI_EXIT_OK or CLI_EXIT_USAGE after saying why. */
static int check_merges(const vc_dataset *d, const cli_options *o)
{
    for (size_t i = 0; i < o->batch.sens_merge.n; i++) {
        const char *spec = o->batch.sens_merge.v[i];
        uint64_t seen = 0;
        for (const char *p = spec;;) {
            const char *plus = strchr(p, '+');
            size_t len = plus ? (size_t)(plus - p) : strlen(p);
            long j = -1;
            for (size_t k = 0; k < d->J && j < 0; k++) {
                if (strlen(d->names[k]) == len
                    && strncmp(d->names[k], p, len) == 0) {
                    j = (long)k;
                }
            }
            if (j < 0) {
                cli_error("batch: --sensitivity merge:%s: \"%.*s\" is not "
                          "one of the lists of %s", spec, (int)len, p,
                          d->source);
                return CLI_EXIT_USAGE;
            }
            if (seen >> j & 1u) {
                cli_error("batch: --sensitivity merge:%s names \"%.*s\" "
                          "twice", spec, (int)len, p);
                return CLI_EXIT_USAGE;
            }
            seen |= UINT64_C(1) << j;
            if (plus == NULL) {
                break;
            }
            p = plus + 1;
        }
    }
    return CLI_EXIT_OK;
}

/* Room for the variants of a table of J lists. */
static size_t variants_cap(size_t J, const cli_options *o)
{
    return J + J * (J - 1) / 2 + o->batch.sens_merge.n;
}

/* Append a merge variant of the lists in mask to v unless one with the
 * same mask is there already; returns the new count. */
static size_t add_merge(const vc_table *t, uint32_t mask, batch_variant *v,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind == CLI_SENS_MERGE && v[i].mask == mask
            && v[i].why[0] == '\0') {
            return n;
        }
    }
    batch_variant *x = &v[n];
    memset(x, 0, sizeof *x);
    x->kind = CLI_SENS_MERGE;
    x->mask = mask;
    char name[sizeof x->variant - 8];
    merged_name(t, mask, name, sizeof name);
    snprintf(x->variant, sizeof x->variant, "%s merged", name);
    size_t merged = 0;
    for (size_t j = 0; j < t->J; j++) {
        merged += mask >> j & 1u;
    }
    if (t->J - merged + 1 < 2) {
        snprintf(x->why, sizeof x->why, "merging %.400s leaves one list; at "
                 "least 2 are needed", name);
    }
    return n + 1;
}

/* The variants of table t that o asks for, in output order and without
 * repeats: each list left out (omit-each), each pair of lists merged
 * (merge-pairs), then each merge:A+B as given.  v has room for
 * variants_cap(t->J, o); returns how many were written. */
static size_t stratum_variants(const vc_table *t, const cli_options *o,
                               batch_variant *v)
{
    size_t n = 0;
    size_t J = t->J;
    /* Leaving out one of three or more lists keeps two or more; with two
     * lists a variant would have one. */
    if ((o->batch.sensitivity & CLI_SENS_OMIT_EACH) && J >= 3) {
        for (size_t j = 0; j < J; j++) {
            memset(&v[n], 0, sizeof v[n]);
            v[n].kind = CLI_SENS_OMIT;
            v[n].mask = 1u << j;
            snprintf(v[n].variant, sizeof v[n].variant, "without %s",
                     t->names[j]);
            n++;
        }
    }
    if ((o->batch.sensitivity & CLI_SENS_MERGE_PAIRS) && J >= 3) {
        for (size_t a = 0; a < J; a++) {
            for (size_t b = a + 1; b < J; b++) {
                n = add_merge(t, (1u << a) | (1u << b), v, n);
            }
        }
    }
    for (size_t i = 0; i < o->batch.sens_merge.n; i++) {
        const char *spec = o->batch.sens_merge.v[i];
        uint32_t mask = 0;
        const char *absent = NULL;
        size_t absent_len = 0;
        for (const char *p = spec;;) {
            const char *plus = strchr(p, '+');
            size_t len = plus ? (size_t)(plus - p) : strlen(p);
            long j = table_list(t, p, len);
            if (j < 0 && absent == NULL) {
                absent = p;
                absent_len = len;
            } else if (j >= 0) {
                mask |= 1u << j;
            }
            if (plus == NULL) {
                break;
            }
            p = plus + 1;
        }
        if (absent == NULL) {
            n = add_merge(t, mask, v, n);
            continue;
        }
        /* check_merges made sure the list is in the file: here it saw
         * nobody, so this stratum has no such variant, and its row says
         * so */
        memset(&v[n], 0, sizeof v[n]);
        v[n].kind = CLI_SENS_MERGE;
        v[n].mask = mask;
        snprintf(v[n].variant, sizeof v[n].variant, "%s merged", spec);
        snprintf(v[n].why, sizeof v[n].why, "cannot merge %.300s here: %.*s "
                 "saw nobody in this stratum", spec, (int)absent_len,
                 absent);
        n++;
    }
    return n;
}

/* The table of variant v of t: returned (vc_table_free), or NULL with
 * err set. */
static vc_table *variant_table(const vc_table *t, const batch_variant *v,
                               vc_error *err)
{
    uint32_t group[VC_MAX_LISTS];
    const char *names[VC_MAX_LISTS];
    char merged[sizeof v->variant];
    merged_name(t, v->mask, merged, sizeof merged);
    uint32_t first = v->mask & (~v->mask + 1u);
    size_t k = 0;
    for (size_t j = 0; j < t->J; j++) {
        uint32_t bit = 1u << j;
        if ((v->mask & bit) == 0) {
            group[k] = bit;
            names[k++] = t->names[j];
        } else if (v->kind == CLI_SENS_MERGE && bit == first) {
            /* the merged list takes the place of its first member */
            group[k] = v->mask;
            names[k++] = merged;
        }
    }
    return vc_table_collapse(t, k, group, names, err);
}

/* SHA-256 of the canonical description of unit u, as hex. */
static int unit_key(batch_unit *u, const cli_options *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        return -1;
    }
    const vc_table *t = u->t;
    fprintf(f, "victimcount batch unit %d\nengine %s\nmethod %s\n"
            "variant %s\nseed %llu\n", BATCH_UNIT_FORMAT, vc_version(),
            u->m->name, u->variant, (unsigned long long)o->seed);
    method_settings(u->m, o, f);
    /* the label keys the random streams, so it is part of the input */
    fprintf(f, "label %zu %s\nlists %zu\n", t->label ? strlen(t->label) : 0,
            t->label ? t->label : "", t->J);
    for (size_t j = 0; j < t->J; j++) {
        fprintf(f, "%zu %s\n", strlen(t->names[j]), t->names[j]);
    }
    fprintf(f, "patterns %zu\n", t->npat);
    for (size_t i = 0; i < t->npat; i++) {
        fprintf(f, "%lx %llu\n", (unsigned long)t->pattern[i],
                (unsigned long long)t->count[i]);
    }
    fprintf(f, "dropped %llu\n", (unsigned long long)t->dropped);
    if (fclose(f) != 0) {
        free(buf);
        return -1;
    }
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)buf);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    free(buf);
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
        snprintf(u->key + 2 * i, 3, "%02x", digest[i]);
    }
    return 0;
}

static json_t *real_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static double real_of(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

/* A result row as JSON for the unit file: every field, doubles exact. */
static json_t *row_to_json(const cli_result *r)
{
    const vc_estimate *e = &r->est;
    json_t *j = json_object();
    json_object_set_new(j, "status", json_integer(r->status));
    json_object_set_new(j, "error", json_string(r->error));
    json_object_set_new(j, "two_list", json_boolean(r->two_list));
    json_t *x = json_object();
    json_object_set_new(x, "method", json_string(e->method ? e->method
                                                           : ""));
    json_object_set_new(x, "estimate", real_or_null(e->estimate));
    json_object_set_new(x, "se", real_or_null(e->se));
    json_object_set_new(x, "has_se", json_boolean(e->has_se));
    json_object_set_new(x, "level", real_or_null(e->level));
    json_object_set_new(x, "lower", real_or_null(e->lower));
    json_object_set_new(x, "upper", real_or_null(e->upper));
    json_object_set_new(x, "interval", json_string(e->interval ? e->interval
                                                               : ""));
    json_object_set_new(x, "observed", json_integer((json_int_t)e->observed));
    json_object_set_new(x, "list_a", json_integer((json_int_t)e->list_a));
    json_object_set_new(x, "list_b", json_integer((json_int_t)e->list_b));
    json_object_set_new(x, "flags", json_integer((json_int_t)e->flags));
    json_object_set_new(j, "est", x);
    json_object_set(j, "extra", r->extra ? r->extra : json_null());
    json_object_set_new(j, "details", r->details ? json_string(r->details)
                                                 : json_null());
    json_object_set(j, "figures", r->figures ? r->figures : json_null());
    return j;
}

/* The row back from JSON.  Strings and objects are borrowed from j, which
 * must outlive the row; the row must not be cli_result_clear'ed. */
static void row_from_json(const json_t *j, const vc_table *t,
                          const char *method, cli_result *r)
{
    memset(r, 0, sizeof *r);
    r->table = t;
    r->method = method;
    r->status = (int)json_integer_value(json_object_get(j, "status"));
    const char *err = json_string_value(json_object_get(j, "error"));
    snprintf(r->error, sizeof r->error, "%s", err ? err : "");
    r->two_list = json_is_true(json_object_get(j, "two_list"));
    const json_t *x = json_object_get(j, "est");
    vc_estimate *e = &r->est;
    e->method = json_string_value(json_object_get(x, "method"));
    e->estimate = real_of(json_object_get(x, "estimate"));
    e->se = real_of(json_object_get(x, "se"));
    e->has_se = json_is_true(json_object_get(x, "has_se"));
    e->level = real_of(json_object_get(x, "level"));
    e->lower = real_of(json_object_get(x, "lower"));
    e->upper = real_of(json_object_get(x, "upper"));
    e->interval = json_string_value(json_object_get(x, "interval"));
    e->observed = (uint64_t)json_integer_value(json_object_get(x,
                                                               "observed"));
    e->list_a = (size_t)json_integer_value(json_object_get(x, "list_a"));
    e->list_b = (size_t)json_integer_value(json_object_get(x, "list_b"));
    e->flags = (unsigned)json_integer_value(json_object_get(x, "flags"));
    json_t *extra = json_object_get(j, "extra");
    r->extra = json_is_object(extra) ? extra : NULL;
    json_t *fig = json_object_get(j, "figures");
    r->figures = json_is_object(fig) ? fig : NULL;
    r->details = (char *)json_string_value(json_object_get(j, "details"));
}

/* Compute unit i of p with `threads` OpenMP threads inside it (0:
 * OpenMP's default) and return its file's contents (returned;
 * json_decref), or NULL when out of memory.  The same function runs the
 * unit whether a thread of cli_batch or an MPI worker asks. */
json_t *cli_batch_unit_compute(const cli_batch_plan *p, size_t i,
                               int threads)
{
    const batch_unit *u = &p->units[i];
    cli_options mo = p->mo;
    mo.threads = threads;
    size_t J = u->t->J;
    const cli_method *m = u->m;
    /* Chapman on more than two lists: Chapman for each pair. */
    if (m->two_list && J > 2 && strcmp(m->name, "chapman") == 0) {
        m = cli_method_find("pairwise");
    }
    /* an allocation that failed and was recovered from on the way
     * (jansson, a detail line) may have left a field out */
    unsigned long oom_before = cli_oom_count();
    size_t cap = cli_method_rows(m, J);
    cli_result *res = calloc(cap, sizeof *res);
    if (res == NULL) {
        return NULL;
    }
    size_t nrows;
    if (u->why[0] != '\0') {
        nrows = 1;
        res[0].table = u->t;
        res[0].method = u->m->name;
        res[0].status = VC_EUNDEFINED;
        snprintf(res[0].error, sizeof res[0].error, "%s", u->why);
    } else if (J < 2) {
        nrows = 1;
        res[0].table = u->t;
        res[0].method = u->m->name;
        res[0].status = VC_EUNDEFINED;
        snprintf(res[0].error, sizeof res[0].error,
                 "only %zu list saw anyone here; at least 2 are needed (3 "
                 "for loglinear, lcm and dga)", J);
    } else {
        nrows = cli_run_method(m, u->t, &mo, res, NULL);
    }
    json_t *unit = json_object();
    json_object_set_new(unit, "key", json_string(u->key));
    json_object_set_new(unit, "engine", json_string(vc_version()));
    json_object_set_new(unit, "stratum", u->t->label
                                             ? json_string(u->t->label)
                                             : json_null());
    json_object_set_new(unit, "method", json_string(u->m->name));
    json_object_set_new(unit, "variant", json_string(u->variant));
    json_t *rows = json_array();
    /* out of memory is not a result: such a unit is not kept, so a rerun
     * computes it again */
    int oom = 0;
    for (size_t k = 0; k < nrows; k++) {
        oom |= res[k].status == VC_ENOMEM;
        json_array_append_new(rows, row_to_json(&res[k]));
        cli_result_clear(&res[k]);
    }
    json_object_set_new(unit, "rows", rows);
    free(res);
    if (oom || cli_oom_count() != oom_before) {
        json_decref(unit);
        return NULL;
    }
    return unit;
}

/* The bytes of a unit file: doubles with 17 digits, so they read back
 * exactly, and keys in insertion order, so the bytes depend on the
 * result alone. */
char *cli_batch_unit_serialise(const json_t *unit)
{
    /* jansson can leave a member out of the text when an allocation
     * fails on the way and still return it (jsonmem.c) */
    unsigned long oom_before = cli_oom_count();
    char *text = json_dumps(unit, JSON_INDENT(1) | JSON_PRESERVE_ORDER
                                      | JSON_REAL_PRECISION(17));
    if (text != NULL && cli_oom_count() != oom_before) {
        free(text);
        return NULL;
    }
    return text;
}

/* A unit file's contents when text is a finished unit with key; else
 * NULL.  Returned; json_decref. */
static json_t *unit_check(json_t *j, const char *key)
{
    if (j == NULL) {
        return NULL;
    }
    const char *k = json_string_value(json_object_get(j, "key"));
    if (k == NULL || strcmp(k, key) != 0
        || !json_is_array(json_object_get(j, "rows"))
        || json_array_size(json_object_get(j, "rows")) == 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Load u's file when it exists and is a finished unit with u's key. */
static json_t *load_unit(const batch_unit *u)
{
    return unit_check(json_load_file(u->path, 0, NULL), u->key);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The progress display: on a terminal one line rewritten in place; as
 * lines (a log, or mpirun's forwarded standard error) one line per
 * finished unit, naming it and who computed it. */
static void show_progress(const cli_batch_plan *p, size_t i, const char *by)
{
    size_t total = p->nunits;
    size_t done = p->nunits - p->ntodo + p->done;
    double elapsed = now_seconds() - p->t0;
    if (p->progress == CLI_PROGRESS_TTY) {
        fprintf(stderr, "\r\033[Kbatch: %zu/%zu units, %zu/%zu strata done",
                done, total, p->sdone, p->d->ntables);
    } else if (p->progress == CLI_PROGRESS_LINES && i < p->nunits) {
        fprintf(stderr, "batch: %zu/%zu units, %zu/%zu strata done "
                "(%s%s%s, %.1f s)", done, total, p->sdone, p->d->ntables,
                p->units[i].name, by ? ", " : "", by ? by : "", elapsed);
    } else {
        return;
    }
    if (p->done > 0 && p->done < p->ntodo) {
        double eta = elapsed * (double)(p->ntodo - p->done)
                     / (double)p->done;
        fprintf(stderr, ", ETA %.0f s", eta);
    }
    if (p->progress == CLI_PROGRESS_LINES) {
        fputc('\n', stderr);
    }
    fflush(stderr);
}

/* mkdir -p for one level; an existing directory is fine. */
static int make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            return 0;
        }
        errno = ENOTDIR;
    }
    return -1;
}

/* Remove temporary files a killed run left in the cache (cli_emit names
 * them NAME.tmp.XXXXXX); the finished units are never touched. */
static void remove_stale_temporaries(const char *dir)
{
    DIR *dp = opendir(dir);
    if (dp == NULL) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (strstr(e->d_name, ".json.tmp.") != NULL) {
            char p[4096 + 260];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    closedir(dp);
}

/* The sensitivity spreads of each main row: per kind of variant, min and
 * max of the estimates of the same method on the variants of that kind
 * of the same stratum.  Pairwise (two-list) rows have no spread: their
 * variants estimate other pairs. */
static void fill_sensitivity(cli_result *rows, const size_t *row_unit,
                             const batch_unit *units, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++) {
        const batch_unit *u = &units[row_unit[r]];
        if (u->kind >= 0 || rows[r].status != VC_OK || rows[r].two_list) {
            continue;
        }
        for (size_t k = 0; k < nrows; k++) {
            const batch_unit *v = &units[row_unit[k]];
            if (v->kind < 0 || v->stratum != u->stratum || v->m != u->m
                || rows[k].status != VC_OK || rows[k].two_list) {
                continue;
            }
            cli_spread *sp = &rows[r].sens[v->kind];
            double x = rows[k].est.estimate;
            if (!sp->has || x < sp->lo) {
                sp->lo = x;
            }
            if (!sp->has || x > sp->hi) {
                sp->hi = x;
            }
            sp->n++;
            sp->has = 1;
        }
    }
}

/* Write one output file of DIR through a writer; CLI_EXIT_* */
static int write_output(const char *dir, const char *name,
                        const cli_options *o, const vc_dataset *d,
                        const cli_result *rows, size_t nrows,
                        int (*writer)(const cli_options *,
                                      const vc_dataset *,
                                      const cli_result *, size_t, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    unsigned long oom_before = cli_oom_count();
    int rc = writer(o, d, rows, nrows, f);
    /* the stream grows in memory: a failed fclose is out of memory, as
     * is a JSON field jansson could not add (jsonmem.c) */
    if ((fclose(f) != 0 || cli_oom_count() != oom_before)
        && rc == CLI_EXIT_OK) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
    }
    if (rc == CLI_EXIT_OK) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        rc = cli_emit(path, buf, len);
    }
    free(buf);
    return rc;
}

static int write_csv_output(const cli_options *o, const vc_dataset *d,
                            const cli_result *rows, size_t nrows, FILE *f)
{
    cli_options c = *o;
    c.format = CLI_CSV;
    return cli_write_results(&c, d, rows, nrows, f);
}

static int write_json_output(const cli_options *o, const vc_dataset *d,
                             const cli_result *rows, size_t nrows, FILE *f)
{
    cli_options c = *o;
    c.format = CLI_JSON;
    return cli_write_results(&c, d, rows, nrows, f);
}

/* Per stratum, the headline of the first method (in --methods order)
 * that used every list and gave an estimate. */
static void print_headlines(const cli_options *o, const vc_dataset *d,
                            const cli_result *rows, size_t nrows, FILE *f)
{
    for (size_t s = 0; s < d->ntables; s++) {
        const vc_table *t = d->tables[s];
        char head[1024];
        const cli_result *best = cli_stratum_best(t, rows, nrows);
        cli_stratum_headline(o, d, t, best, head, sizeof head);
        fprintf(f, "%s\n", head);
    }
}

/* The batch's checks of its options, then the default methods. */
static int check_options(cli_options *o)
{
    if (o->batch.out_dir == NULL) {
        cli_error("batch: --out DIR is required (results, report and the "
                  "cache go there)");
        return CLI_EXIT_USAGE;
    }
    if (o->lcm.draws != NULL || o->output != NULL) {
        cli_error("batch: --draws and --output belong to estimate; batch "
                  "writes everything into --out DIR");
        return CLI_EXIT_USAGE;
    }
    if (strlen(o->batch.out_dir) > 4000) {
        cli_error("batch: --out DIR is too long");
        return CLI_EXIT_USAGE;
    }
    if (o->methods.n == 0
        && cli_strings_add_csv(&o->methods, "chapman,loglinear,lcm,dga")
               != 0) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < o->methods.n; i++) {
        if (cli_method_find(o->methods.v[i]) == NULL) {
            cli_error("batch: unknown method \"%s\" (see victimcount "
                      "estimate --help)", o->methods.v[i]);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* Enumerate p's units in output order: stratum, method, variant (the
 * variants of each stratum from stratum_variants, the same list for every
 * method). */
static int enumerate_units(cli_batch_plan *p)
{
    const cli_options *o = &p->o;
    const vc_dataset *d = p->d;
    size_t cap = 0, vcap = 1;
    for (size_t s = 0; s < d->ntables; s++) {
        size_t nv = variants_cap(d->tables[s]->J, o);
        cap += o->methods.n * (1 + nv);
        vcap = nv > vcap ? nv : vcap;
    }
    p->units = calloc(cap ? cap : 1, sizeof *p->units);
    batch_variant *var = calloc(vcap, sizeof *var);
    if (p->units == NULL || var == NULL) {
        free(var);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    vc_error err;
    vc_error_clear(&err);
    for (size_t s = 0; s < d->ntables; s++) {
        const vc_table *t = d->tables[s];
        size_t nvar = stratum_variants(t, o, var);
        for (size_t i = 0; i < o->methods.n; i++) {
            for (long v = -1; v < (long)nvar; v++) {
                batch_unit *u = &p->units[p->nunits++];
                u->stratum = s;
                u->m = cli_method_find(o->methods.v[i]);
                u->kind = -1;
                u->t = t;
                if (v >= 0) {
                    const batch_variant *x = &var[v];
                    u->kind = x->kind;
                    u->mask = x->mask;
                    snprintf(u->variant, sizeof u->variant, "%s",
                             x->variant);
                    snprintf(u->why, sizeof u->why, "%s", x->why);
                    if (x->why[0] == '\0') {
                        u->own = variant_table(t, x, &err);
                        if (u->own == NULL) {
                            cli_error("%s", err.msg);
                            free(var);
                            return CLI_EXIT_INTERNAL;
                        }
                        u->t = u->own;
                    }
                }
                if (unit_key(u, o) != 0) {
                    cli_error("out of memory");
                    free(var);
                    return CLI_EXIT_INTERNAL;
                }
                snprintf(u->path, sizeof u->path, "%s/%s.json", p->cache,
                         u->key);
                char lab[256];
                snprintf(u->name, sizeof u->name, "%s, %s, %s",
                         cli_population_label(o, d, t, lab, sizeof lab),
                         u->m->name, v >= 0 ? u->variant : "all lists");
            }
        }
    }
    free(var);
    return CLI_EXIT_OK;
}

int cli_batch_plan_alloc(int argc, char **argv, int quiet,
                         cli_batch_plan **plan)
{
    *plan = NULL;
    cli_json_alloc_init(); /* the MPI build does not pass cli_main */
    cli_batch_plan *p = calloc(1, sizeof *p);
    if (p == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    cli_options_init(&p->o);
    int help = 0;
    int rc = cli_parse(argc, argv, "batch", &p->o, &help);
    if (help) {
        cli_batch_help(stdout);
        cli_batch_plan_free(p);
        return CLI_EXIT_OK;
    }
    if (rc == CLI_EXIT_OK) {
        rc = check_options(&p->o);
    }
    if (rc != CLI_EXIT_OK) {
        cli_batch_plan_free(p);
        return rc;
    }
    p->d = cli_read_dataset(&p->o, &rc);
    if (p->d == NULL) {
        cli_batch_plan_free(p);
        return rc;
    }
    rc = check_merges(p->d, &p->o);
    if (rc != CLI_EXIT_OK) {
        cli_batch_plan_free(p);
        return rc;
    }
    if (!p->o.quiet && !quiet) {
        for (size_t i = 0; i < p->d->nnotes; i++) {
            fprintf(stderr, "note: %s\n", p->d->notes[i]);
        }
    }
    snprintf(p->cache, sizeof p->cache, "%s/cache", p->o.batch.out_dir);
    p->mo = p->o;
    p->mo.quiet = 1;        /* the batch shows its own progress */
    p->mo.figures = 1;
    p->mo.no_timing = 1;
    rc = enumerate_units(p);
    if (rc != CLI_EXIT_OK) {
        cli_batch_plan_free(p);
        return rc;
    }
    *plan = p;
    return CLI_EXIT_OK;
}

void cli_batch_plan_free(cli_batch_plan *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->nunits; i++) {
        vc_table_free(p->units[i].own);
        json_decref(p->units[i].loaded);
    }
    free(p->units);
    free(p->todo);
    free(p->left);
    vc_dataset_free(p->d);
    cli_options_free(&p->o);
    free(p);
}

const cli_options *cli_batch_options(const cli_batch_plan *p)
{
    return &p->o;
}

size_t cli_batch_nunits(const cli_batch_plan *p)
{
    return p->nunits;
}

const char *cli_batch_unit_key(const cli_batch_plan *p, size_t i)
{
    return p->units[i].key;
}

const char *cli_batch_unit_name(const cli_batch_plan *p, size_t i)
{
    return p->units[i].name;
}

int cli_batch_open_cache(cli_batch_plan *p, cli_progress progress)
{
    if (make_dir(p->o.batch.out_dir) != 0 || make_dir(p->cache) != 0) {
        cli_error("batch: cannot create %s: %s", p->cache, strerror(errno));
        return CLI_EXIT_OUTPUT;
    }
    remove_stale_temporaries(p->cache);
    p->todo = calloc(p->nunits ? p->nunits : 1, sizeof *p->todo);
    p->left = calloc(p->d->ntables ? p->d->ntables : 1, sizeof *p->left);
    if (p->todo == NULL || p->left == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < p->nunits; i++) {
        json_t *j = load_unit(&p->units[i]);
        if (j == NULL) {
            p->todo[p->ntodo++] = i;
            p->left[p->units[i].stratum]++;
        }
        json_decref(j);
    }
    for (size_t s = 0; s < p->d->ntables; s++) {
        p->sdone += p->left[s] == 0;
    }
    p->progress = p->o.quiet ? CLI_PROGRESS_NONE : progress;
    p->t0 = now_seconds();
    if (p->progress == CLI_PROGRESS_TTY) {
        show_progress(p, p->nunits, NULL);
    }
    return CLI_EXIT_OK;
}

size_t cli_batch_todo(const cli_batch_plan *p, const size_t **todo)
{
    *todo = p->todo;
    return p->ntodo;
}

int cli_batch_unit_store(const cli_batch_plan *p, size_t i, const char *text,
                         size_t len)
{
    const batch_unit *u = &p->units[i];
    unsigned long oom_before = cli_oom_count();
    json_t *j = unit_check(json_loadb(text, len, 0, NULL), u->key);
    if (cli_oom_count() != oom_before) {
        json_decref(j);
        cli_error("batch: out of memory in unit %s", u->name);
        return CLI_EXIT_INTERNAL;
    }
    if (j == NULL) {
        cli_error("batch: the result of unit %s is not a finished unit "
                  "with key %s", u->name, u->key);
        return CLI_EXIT_INTERNAL;
    }
    json_decref(j);
    /* cli_emit is safe to call from several threads at once; the fsyncs
     * then overlap */
    return cli_emit(u->path, text, len);
}

void cli_batch_unit_done(cli_batch_plan *p, size_t i, const char *by)
{
    p->done++;
    if (--p->left[p->units[i].stratum] == 0) {
        p->sdone++;
    }
    show_progress(p, i, by);
}

size_t cli_batch_ndone(const cli_batch_plan *p)
{
    return p->nunits - p->ntodo + p->done;
}

int cli_batch_run_local(cli_batch_plan *p)
{
    /* Strata in parallel, each unit's own methods serial inside (nested
     * parallelism would oversubscribe the cores; the results are the same
     * either way).  With fewer units than threads, the units run one after
     * the other and use the threads inside. */
    const cli_options *o = &p->o;
    size_t ntodo = p->ntodo;
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    int outer = (size_t)threads < ntodo ? threads : (int)ntodo;
    if (outer > 1) {
        omp_set_max_active_levels(1);
    }
    int inner = outer > 1 ? 1 : o->threads;
    int stop = 0; /* a unit file could not be written: run no more */
#pragma omp parallel for schedule(dynamic, 1) num_threads(outer > 1 ? outer : 1) if (outer > 1)
    for (size_t k = 0; k < ntodo; k++) {
        int stopped;
#pragma omp atomic read
        stopped = stop;
        if (stopped) {
            continue;
        }
        size_t i = p->todo[k];
        json_t *unit = cli_batch_unit_compute(p, i, inner);
        char *text = unit ? cli_batch_unit_serialise(unit) : NULL;
        json_decref(unit);
        int wrc = CLI_EXIT_INTERNAL;
        if (text == NULL) {
            cli_error("batch: out of memory in unit %s", p->units[i].name);
        } else {
            wrc = cli_batch_unit_store(p, i, text, strlen(text));
        }
        free(text);
#pragma omp critical(batch_progress)
        {
            if (wrc != CLI_EXIT_OK) {
#pragma omp atomic write
                stop = wrc;
            }
            cli_batch_unit_done(p, i, NULL);
        }
    }
    cli_batch_progress_end(p);
    return stop;
}

void cli_batch_progress_end(const cli_batch_plan *p)
{
    if (p->progress == CLI_PROGRESS_TTY) {
        fputs("\r\033[K", stderr);
    }
}

int cli_batch_assemble(cli_batch_plan *p)
{
    const cli_options *o = &p->o;
    /* Every output from the cache, in unit order. */
    int rc = CLI_EXIT_OK;
    size_t nrows = 0, rcap = 0;
    cli_result *rows = NULL;
    size_t *row_unit = NULL;
    for (size_t i = 0; i < p->nunits; i++) {
        batch_unit *u = &p->units[i];
        unsigned long oom_before = cli_oom_count();
        u->loaded = load_unit(u);
        /* jansson may return what it parsed with a member left out when
         * an allocation failed (jsonmem.c) */
        if (cli_oom_count() != oom_before) {
            json_decref(u->loaded);
            u->loaded = NULL;
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
            break;
        }
        if (u->loaded == NULL) {
            cli_error("batch: cannot read back %s (unit %s)", u->path,
                      u->name);
            rc = CLI_EXIT_OUTPUT;
            break;
        }
        rcap += json_array_size(json_object_get(u->loaded, "rows"));
    }
    if (rc == CLI_EXIT_OK) {
        rows = calloc(rcap ? rcap : 1, sizeof *rows);
        row_unit = calloc(rcap ? rcap : 1, sizeof *row_unit);
        if (rows == NULL || row_unit == NULL) {
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
        }
    }
    for (size_t i = 0; rc == CLI_EXIT_OK && i < p->nunits; i++) {
        const batch_unit *u = &p->units[i];
        const json_t *a = json_object_get(u->loaded, "rows");
        for (size_t k = 0; k < json_array_size(a); k++) {
            row_from_json(json_array_get(a, k), u->t, u->m->name,
                          &rows[nrows]);
            rows[nrows].variant = u->kind >= 0 ? u->variant : NULL;
            rows[nrows].variant_kind = u->kind;
            rows[nrows].base = p->d->tables[u->stratum];
            row_unit[nrows++] = i;
        }
    }
    const vc_dataset *d = p->d;
    if (rc == CLI_EXIT_OK) {
        fill_sensitivity(rows, row_unit, p->units, nrows);
        rc = write_output(o->batch.out_dir, "results.csv", o, d, rows, nrows,
                          write_csv_output);
    }
    if (rc == CLI_EXIT_OK) {
        rc = write_output(o->batch.out_dir, "results.json", o, d, rows, nrows,
                          write_json_output);
    }
    if (rc == CLI_EXIT_OK) {
        rc = write_output(o->batch.out_dir, "report.html", o, d, rows, nrows,
                          cli_write_report);
    }
    if (rc == CLI_EXIT_OK) {
        FILE *f = p->headlines ? p->headlines : stdout;
        print_headlines(o, d, rows, nrows, f);
        fprintf(f, "report: %s/report.html\n", o->batch.out_dir);
        size_t nofail = 0;
        for (size_t r = 0; r < nrows; r++) {
            nofail += rows[r].status != VC_OK;
        }
        if (nofail > 0 && !o->quiet) {
            fprintf(stderr, "note: %zu of %zu results have no estimate; "
                    "their rows say why\n", nofail, nrows);
        }
    }
    free(rows);
    free(row_unit);
    return rc;
}

int cli_batch(int argc, char **argv)
{
    cli_batch_plan *p;
    int rc = cli_batch_plan_alloc(argc, argv, 0, &p);
    if (p == NULL) {
        return rc;
    }
    rc = cli_batch_open_cache(p, isatty(STDERR_FILENO) ? CLI_PROGRESS_TTY
                                                        : CLI_PROGRESS_NONE);
    if (rc == CLI_EXIT_OK) {
        rc = cli_batch_run_local(p);
    }
    if (rc == CLI_EXIT_OK) {
        rc = cli_batch_assemble(p);
    }
    cli_batch_plan_free(p);
    return rc;
}
