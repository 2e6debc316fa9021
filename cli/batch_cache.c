/*
 * batch_cache.c: the cache of `victimcount batch`: one file per unit,
 * DIR/cache/<key>.json, its key made by the plan (batch_plan.c).
 *
 * A finished unit is written atomically (temporary file, fsync, rename,
 * fsync of the directory) to DIR/cache/<sha256>.json, where the hash is
 * over a canonical text of everything the unit's result depends on.  A
 * later run finds the file by the same hash and does not recompute it; a
 * changed setting or table gives another hash, so a stale result is never
 * reused.  A file is taken as finished only when it holds the unit's key
 * and its rows; temporaries a killed run left are removed on opening.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/batch_impl.h"

static double real_of(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

/* A result row as JSON for the unit file: every field, doubles exact. */
json_t *batch_row_to_json(const cli_result *r)
{
    const vc_estimate *e = &r->est;
    json_t *j = json_object();
    cli_json_set_int(j, "status", r->status);
    cli_json_set_str(j, "error", r->error);
    cli_json_set_bool(j, "two_list", r->two_list);
    json_t *x = json_object();
    cli_json_set_str(x, "method", e->method ? e->method : "");
    cli_json_set_real(x, "estimate", e->estimate);
    cli_json_set_real(x, "se", e->se);
    cli_json_set_bool(x, "has_se", e->has_se);
    cli_json_set_real(x, "level", e->level);
    cli_json_set_real(x, "lower", e->lower);
    cli_json_set_real(x, "upper", e->upper);
    cli_json_set_str(x, "interval", e->interval ? e->interval : "");
    cli_json_set_int(x, "observed", e->observed);
    cli_json_set_int(x, "list_a", e->list_a);
    cli_json_set_int(x, "list_b", e->list_b);
    cli_json_set_int(x, "flags", e->flags);
    json_object_set_new(j, "est", x);
    json_object_set(j, "extra", r->extra ? r->extra : json_null());
    json_object_set_new(j, "details", r->details ? json_string(r->details)
                                                 : json_null());
    json_object_set(j, "figures", r->figures ? r->figures : json_null());
    json_object_set(j, "synth", r->synth ? r->synth : json_null());
    return j;
}

/* The row back from JSON.  Strings and objects are borrowed from j, which
 * must outlive the row; the row must not be cli_result_clear'ed. */
void batch_row_from_json(const json_t *j, const vc_table *t,
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
    r->ppp = cli_result_ppp_of(r);
    json_t *synth = json_object_get(j, "synth");
    r->synth = json_is_object(synth) ? synth : NULL;
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
json_t *batch_load_unit(const batch_unit *u)
{
    return unit_check(json_load_file(u->path, 0, NULL), u->key);
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

/* qsort order of the units to do: the costliest first (Graham's
 * longest-processing-time rule, batch_unit_cost), equal costs in unit
 * order, so the order is the same on every run. */
typedef struct {
    double cost;
    size_t i;
} unit_order;

static int costlier_first(const void *a, const void *b)
{
    const unit_order *x = a, *y = b;
    if (x->cost != y->cost) {
        return x->cost > y->cost ? -1 : 1;
    }
    return (x->i > y->i) - (x->i < y->i);
}

/* p->todo in the order of costlier_first; 0, or -1 when out of memory */
static int order_todo(cli_batch_plan *p)
{
    unit_order *u = malloc((p->ntodo ? p->ntodo : 1) * sizeof *u);
    if (u == NULL) {
        return -1;
    }
    p->cost_todo = 0.0;
    for (size_t k = 0; k < p->ntodo; k++) {
        u[k].i = p->todo[k];
        u[k].cost = p->units[u[k].i].cost;
        p->cost_todo += u[k].cost;
    }
    qsort(u, p->ntodo, sizeof *u, costlier_first);
    for (size_t k = 0; k < p->ntodo; k++) {
        p->todo[k] = u[k].i;
    }
    free(u);
    return 0;
}

int cli_batch_open_cache(cli_batch_plan *p, cli_progress progress)
{
    if (make_dir(p->o.batch.out_dir) != 0 || make_dir(p->cache) != 0) {
        cli_error("batch: cannot create %s: %s", p->cache, strerror(errno));
        return CLI_EXIT_OUTPUT;
    }
    remove_stale_temporaries(p->cache);
    p->todo = calloc(p->nunits ? p->nunits : 1, sizeof *p->todo);
    size_t nstrata = p->sd->ntables;
    p->left = calloc(nstrata ? nstrata : 1, sizeof *p->left);
    if (p->todo == NULL || p->left == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < p->nunits; i++) {
        json_t *j = batch_load_unit(&p->units[i]);
        if (j == NULL) {
            p->todo[p->ntodo++] = i;
            p->left[p->units[i].stratum]++;
        }
        json_decref(j);
    }
    for (size_t s = 0; s < p->sd->ntables; s++) {
        p->sdone += p->left[s] == 0;
    }
    /* Which unit runs when never changes a result (each unit's streams
     * are its own) nor an output (assembled from the cache in unit
     * order); it decides whether the cores idle at the end. */
    if (order_todo(p) != 0) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    batch_progress_start(p, progress);
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
