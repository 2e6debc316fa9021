/*
 * batch.c: `victimcount batch`: every stratum with every method, in
 * parallel, durable and resumable, with results.csv, results.json and
 * report.html in one directory.  Its files:
 *   batch_plan.c   the units (stratum, method, variant) and their keys
 *   batch_cache.c  one file per finished unit, stored atomically
 *   batch.c        (this file) computing the units left, the progress
 *                  display, and assembling the outputs
 *
 * The outputs are always assembled from the cached files, in file order,
 * so a run killed at any moment and run again ends with the same bytes as
 * a run never interrupted.
 *
 * Results carry no run times: a result depends on its inputs alone.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "batch/vc_batch.h"
#include "cli/batch_impl.h"
#include "report/vc_report.h"

void cli_batch_help(FILE *f)
{
    fputs(
        "Usage: victimcount batch FILE --out DIR [OPTIONS]\n"
        "\n"
        "Estimate every stratum of FILE with every method, in parallel,\n"
        "and write DIR/results.csv, DIR/results.json and DIR/report.html\n"
        "(one self-contained page with headlines, tables and figures).\n"
        "\n"
        "Options:\n", f);
    cli_options_help(f, "batch", "batch", NULL);
    fputs(
        "\n"
        "  --sensitivity KINDS: one or more of, separated by commas:\n"
        "    omit-each    each list left out in turn\n"
        "    merge-pairs  each pair of lists merged into one list\n"
        "    merge:A+B    lists A and B (or more: A+B+C) merged into one\n"
        "  Variants need 3 or more lists; a variant left with 2 lists gets\n"
        "  only chapman.  The spreads are columns omit_lower/omit_upper and\n"
        "  merge_lower/merge_upper of results.csv, \"sensitivity\" in\n"
        "  results.json, and columns of the report.\n"
        "\n"
        "Options shared with `victimcount estimate` (each applied to every\n"
        "method; see its --help for what the methods' options do):\n", f);
    /* batch runs strata where estimate runs one table */
    static const cli_opt_words own[] = {
        {"method", "methods, separated by commas (chapman on more than two "
                   "lists gives Chapman for each pair)",
         "chapman,loglinear,lcm,dga"},
        {"seed", "every stratum's random streams derive from S and the "
                 "stratum's name, so results do not depend on order, "
                 "threads or the other strata in the file", NULL},
        {"threads", "the units (stratum x method x variant) share N "
                    "threads, the costliest first; a thread with no unit "
                    "left runs the chains of an lcm unit still running",
         "all cores"},
        {"quiet", "no progress on standard error", NULL},
        {"covariates",
         "categorical columns (e.g. sex,age,form) that enter the log-linear "
         "model beside the lists (see victimcount estimate --help): each "
         "stratum's loglinear unit fits one model over the lists and the "
         "covariates, with N in total and for every level; the other "
         "methods run on each level's table.  results.json keeps \"by\"; "
         "results.csv gains columns covariate and covariate_level (empty "
         "on a stratum's own rows) and, after each loglinear row, one row per "
         "level with its estimate, interval and observed (the level's "
         "share of people with a missing value included) and, with "
         "--population, rate, rate_lower and rate_upper per 100,000; the "
         "report a table and a figure per covariate.  Not with "
         "--sensitivity", NULL},
        {NULL, NULL, NULL}};
    cli_options_help(f, "batch", NULL, own);
    static const char *const methods[] = {"loglinear", "lcm", "dga"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        fprintf(f, "\n%s:\n", methods[i]);
        cli_options_help(f, "batch", methods[i], NULL);
    }
    fputs(
        "\n"
        "Standard output gets one headline per stratum and the report's\n"
        "path.  Standard error, when it is a terminal, shows progress:\n"
        "units and strata done, units computed per second and the time\n"
        "left, from the time each unit is expected to take (lcm's chains\n"
        "most, the closed forms least: they run in that order; -q:\n"
        "none).  The outputs never depend on it, nor on the order.\n"
        "When two or more of loglinear, lcm, dga and independence run, the\n"
        "headline quotes their synthesis (see victimcount estimate\n"
        "--help): results.csv gains agree, quote_lower and quote_upper,\n"
        "results.json a \"synthesis\" array, the report a section per\n"
        "stratum; with --sensitivity omit-each it names the list whose\n"
        "removal moves a method most.\n"
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

void cli_batch_set_headlines(cli_batch_plan *p, FILE *f)
{
    p->headlines = f;
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
    /* the synthesis takes the stratum's own rows only */
    mo.no_synthesis = u->kind >= 0;
    size_t J = u->t->J;
    /* the library's plan says which method runs on this table (chapman
     * on more than two lists: Chapman for each pair) and whether one can
     * run at all; the method runners key their streams as it says */
    vc_batch_unit bu;
    vc_batch_unit_init(u->t, u->m->name, mo.seed, &bu);
    const cli_method *m = cli_method_find(bu.run);
    /* an allocation that failed and was recovered from on the way
     * (jansson, a detail line) may have left a field out */
    unsigned long oom_before = cli_oom_count();
    size_t cap = cli_method_rows(m, J);
    cli_result *res = calloc(cap, sizeof *res);
    if (res == NULL) {
        return NULL;
    }
    size_t nrows;
    if (u->cs != NULL) {
        /* the stratum's model with covariates: one row, with "by" */
        nrows = 1;
        res[0].table = u->t;
        res[0].method = u->m->name;
        vc_error err;
        vc_error_clear(&err);
        res[0].status = cli_cov_run(u->cs->ct, u->cs->whole, p->pop, p->d,
                                    &mo, &res[0], &err);
        if (res[0].status != VC_OK) {
            snprintf(res[0].error, sizeof res[0].error, "%s", err.msg);
        }
    } else if (u->why[0] != '\0' || bu.status != VC_OK) {
        nrows = 1;
        res[0].table = u->t;
        res[0].method = u->m->name;
        res[0].status = VC_EUNDEFINED;
        snprintf(res[0].error, sizeof res[0].error, "%s",
                 u->why[0] != '\0' ? u->why : bu.why);
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
        json_array_append_new(rows, batch_row_to_json(&res[k]));
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

/* The progress display: on a terminal one line rewritten in place; as
 * lines (a log, or mpirun's forwarded standard error) one line per
 * finished unit, naming it and who computed it.  Both give the units
 * computed per second in this run (cached units cost nothing, so they
 * are left out of the rate) and the time left at that rate, as
 * estimate's progress line gives sweeps per second for chains. */
static void show_progress(const cli_batch_plan *p, size_t i, const char *by)
{
    size_t total = p->nunits;
    size_t done = p->nunits - p->ntodo + p->done;
    double elapsed = cli_seconds() - p->t0;
    if (p->progress == CLI_PROGRESS_TTY) {
        fprintf(stderr, "\r\033[Kbatch: %zu/%zu units, %zu/%zu strata done",
                done, total, p->sdone, p->sd->ntables);
    } else if (p->progress == CLI_PROGRESS_LINES && i < p->nunits) {
        fprintf(stderr, "batch: %zu/%zu units, %zu/%zu strata done "
                "(%s%s%s, %.1f s)", done, total, p->sdone, p->sd->ntables,
                p->units[i].name, by ? ", " : "", by ? by : "", elapsed);
    } else {
        return;
    }
    if (p->done > 0 && elapsed > 0.0) {
        fprintf(stderr, ", %.3g units/s", (double)p->done / elapsed);
    }
    if (p->done > 0 && p->done < p->ntodo) {
        /* the units run the costliest first, so the units left are
         * cheaper than those done: the time left is weighed by their
         * estimated costs (batch_unit_cost), not counted in units */
        double eta = p->cost_done > 0.0
                         ? elapsed * (p->cost_todo - p->cost_done)
                               / p->cost_done
                         : elapsed * (double)(p->ntodo - p->done)
                               / (double)p->done;
        fprintf(stderr, ", ETA %.0f s", eta > 0.0 ? eta : 0.0);
    }
    if (p->progress == CLI_PROGRESS_LINES) {
        fputc('\n', stderr);
    }
    fflush(stderr);
}

void batch_progress_start(cli_batch_plan *p, cli_progress progress)
{
    p->progress = p->o.quiet ? CLI_PROGRESS_NONE : progress;
    p->t0 = cli_seconds();
    if (p->progress == CLI_PROGRESS_TTY) {
        show_progress(p, p->nunits, NULL);
    }
}

void cli_batch_unit_done(cli_batch_plan *p, size_t i, const char *by)
{
    p->done++;
    p->cost_done += p->units[i].cost;
    if (--p->left[p->units[i].stratum] == 0) {
        p->sdone++;
    }
    show_progress(p, i, by);
}

size_t cli_batch_ndone(const cli_batch_plan *p)
{
    return p->nunits - p->ntodo + p->done;
}

/* Compute unit i on `threads` threads and store its file; CLI_EXIT_*. */
static int run_unit(cli_batch_plan *p, size_t i, int threads)
{
    json_t *unit = cli_batch_unit_compute(p, i, threads);
    char *text = unit ? cli_batch_unit_serialise(unit) : NULL;
    json_decref(unit);
    int wrc = CLI_EXIT_INTERNAL;
    if (text == NULL) {
        cli_error("batch: out of memory in unit %s", p->units[i].name);
    } else {
        wrc = cli_batch_unit_store(p, i, text, strlen(text));
    }
    free(text);
    return wrc;
}

int cli_batch_run_local(cli_batch_plan *p)
{
    /* The units (stratum x method x variant) are tasks of one team of up
     * to `threads` threads, created the costliest first, so that a thread
     * takes the next unit as soon as it is free.  Inside a unit, an lcm
     * unit's chains are tasks of the same team (models/chains.c): once no
     * unit waits, the free threads run the chains of the units still
     * running instead of idling at the end.  Other parallel regions
     * inside a unit run on its thread.  The results are the same on any
     * number of threads: every unit and chain draws from streams of its
     * own, and the outputs are assembled from the cache in unit order. */
    const cli_options *o = &p->o;
    size_t ntodo = p->ntodo;
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    int team = (size_t)threads < ntodo ? threads : (int)ntodo;
    int stop = CLI_EXIT_OK; /* a unit file could not be written */
    if (team <= 1) {
        /* one unit at a time, each with the batch's threads inside */
        for (size_t k = 0; k < ntodo && stop == CLI_EXIT_OK; k++) {
            stop = run_unit(p, p->todo[k], o->threads);
            cli_batch_unit_done(p, p->todo[k], NULL);
        }
        cli_batch_progress_end(p);
        return stop;
    }
    omp_set_max_active_levels(1);
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
#pragma omp parallel num_threads(team) shared(stop, mu)
#pragma omp single
    for (size_t k = 0; k < ntodo; k++) {
        size_t i = p->todo[k];
#pragma omp task firstprivate(i) shared(stop, mu)
        {
            pthread_mutex_lock(&mu);
            int stopped = stop != CLI_EXIT_OK;
            pthread_mutex_unlock(&mu);
            if (!stopped) {
                int wrc = run_unit(p, i, 1);
                pthread_mutex_lock(&mu);
                if (wrc != CLI_EXIT_OK && stop == CLI_EXIT_OK) {
                    stop = wrc;
                }
                cli_batch_unit_done(p, i, NULL);
                pthread_mutex_unlock(&mu);
            }
        }
    }
    pthread_mutex_destroy(&mu);
    cli_batch_progress_end(p);
    return stop;
}

void cli_batch_progress_end(const cli_batch_plan *p)
{
    if (p->progress == CLI_PROGRESS_TTY) {
        fputs("\r\033[K", stderr);
    }
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

/* Per stratum, the synthesis's quote when two or more of the methods it
 * takes ran (issue 17), else the headline of the first method (in
 * --methods order) that used every list and gave an estimate. */
static void print_headlines(const cli_options *o, const vc_dataset *d,
                            const cli_result *rows, size_t nrows, FILE *f)
{
    cli_synth_stratum *syn = NULL;
    size_t nsyn = cli_synthesize(o, rows, nrows, &syn);
    for (size_t s = 0; s < d->ntables; s++) {
        const vc_table *t = d->tables[s];
        char head[1024];
        const cli_result *best = cli_stratum_best(t, rows, nrows);
        cli_stratum_headline(o, d, t, best, cli_synth_find(syn, nsyn, t),
                             head, sizeof head);
        fprintf(f, "%s\n", head);
    }
    cli_synth_free(syn, nsyn);
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
        u->loaded = batch_load_unit(u);
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
            batch_row_from_json(json_array_get(a, k), u->t, u->m->name,
                          &rows[nrows]);
            rows[nrows].variant = u->kind >= 0 ? u->variant : NULL;
            rows[nrows].variant_kind = u->kind;
            /* with --covariates a method run on one level's table is
             * that level's row, not the stratum's: the synthesis compares
             * it with the level's other rows only (like with like) */
            rows[nrows].base = p->cov != NULL && u->cs == NULL
                                   ? u->t
                                   : p->sd->tables[u->stratum];
            row_unit[nrows++] = i;
        }
    }
    const vc_dataset *d = p->sd;
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
        if (cli_report_paged(o, d)) {
            rc = cli_write_report_pages(o, d, rows, nrows, o->batch.out_dir);
        } else {
            rc = write_output(o->batch.out_dir, "report.html", o, d, rows,
                              nrows, cli_write_report);
            if (rc == CLI_EXIT_OK) {
                cli_report_pages_remove(o->batch.out_dir);
            }
        }
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
