/*
 * estimates.c: the estimate worker.
 *
 * An estimate request names a country and, optionally, a period and the
 * submissions to use.  Each submission is an overlap table of its own,
 * for one stratum or several; the chosen submissions' strata become the
 * strata of one batch, estimated as `victimcount batch` would (the
 * command supplies the runner, which drives cli/batch.c).  A stratum is
 * named by its stratum values ("Kyrgyz Republic 2005"), or, in a
 * submission without stratum columns, by the office's country.  When two
 * submissions cover the same stratum, the newer is used and the older is
 * listed as superseded.  Tables of different submissions are never added
 * together: joining different offices' lists into one table needs record
 * linkage, not arithmetic.
 *
 * Durability: the batch input (input.csv) and the choice of submissions
 * (summary.json) are written once, atomically, into the estimate's
 * directory before the batch starts, and the batch's unit cache lives in
 * that directory too.  A server killed mid-estimate finds the estimate
 * "running" at its next start, queues it again, reuses the same input
 * (later submissions do not change a started estimate) and the finished
 * units, and so ends with the bytes an uninterrupted run gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/vc_data.h"
#include "serve/serve_impl.h"

struct vcs_worker {
    const vcs_config *cfg;
    vcs_store *store;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop, busy, wake;
};

/* A stratum chosen for the batch. */
typedef struct {
    char *label;
    vc_dataset *d;      /* owner of t (shared by a submission's strata) */
    const vc_table *t;
    const char *sub;    /* borrowed from the submissions array */
} chosen;

/* Keep table t (stratum label; d owns it, or NULL) of submission sub
 * unless a table kept before covers the same stratum: that one is newer,
 * and t is listed under superseded.  A kept label goes to mine.
 * VC_ENOMEM when the array cannot grow. */
static int choose(chosen **ch, size_t *n, size_t *cap, const char *label,
                  vc_dataset *d, const vc_table *t, const char *sub,
                  json_t *superseded, json_t *mine, vc_error *err)
{
    for (size_t m = 0; m < *n; m++) {
        if (strcmp((*ch)[m].label, label) == 0) {
            json_array_append_new(superseded,
                                  json_pack("{s:s, s:s, s:s}", "submission",
                                            sub, "stratum", label,
                                            "superseded_by", (*ch)[m].sub));
            return VC_OK;
        }
    }
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        chosen *c2 = realloc(*ch, c * sizeof **ch);
        if (c2 == NULL) {
            return vc_error_set(err, VC_ENOMEM, "out of memory");
        }
        *ch = c2;
        *cap = c;
    }
    (*ch)[*n] = (chosen){strdup(label), d, t, sub};
    (*n)++;
    json_array_append_new(mine, json_string(label));
    return VC_OK;
}

static int cmp_chosen(const void *a, const void *b)
{
    return strcmp(((const chosen *)a)->label, ((const chosen *)b)->label);
}

/* A CSV field, quoted ("" for a quote inside). */
static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Does table t belong to period p (one of its stratum values)? */
static int in_period(const vc_table *t, const char *p)
{
    for (size_t k = 0; k < t->nkeys; k++) {
        if (strcmp(t->keys[k], p) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Write the batch input for request req to path, and the choice made to
 * *summary (returned).  VC_OK, or VC_EDATA with why. */
static int build_input(vcs_store *s, const json_t *req, const char *path,
                       json_t **summary, vc_error *err)
{
    const char *country = json_string_value(json_object_get(req, "country"));
    const char *period = json_string_value(json_object_get(req, "period"));
    const json_t *ids = json_object_get(req, "submissions");
    json_t *subs = vcsi_submissions_of_country(s, country, ids);
    if (subs == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    size_t nsubs = json_array_size(subs);
    size_t cap = 0, n = 0;
    chosen *ch = NULL;
    vc_dataset **sets = calloc(nsubs ? nsubs : 1, sizeof *sets);
    json_t *used = json_array(), *superseded = json_array();
    char **names = NULL;
    size_t nnames = 0;
    int rc = sets && used && superseded ? VC_OK
                                        : vc_error_set(err, VC_ENOMEM,
                                                       "out of memory");
    /* newest first: the first submission to claim a stratum keeps it */
    for (size_t i = 0; rc == VC_OK && i < nsubs; i++) {
        const json_t *sub = json_array_get(subs, i);
        const char *id = json_string_value(json_object_get(sub, "id"));
        const char *body = json_string_value(json_object_get(sub, "body"));
        size_t blen = json_string_length(json_object_get(sub, "body"));
        if (vcsi_is_encodings(body, blen)) {
            continue; /* linked below, with the country's other lists */
        }
        const char *strata = json_string_value(json_object_get(sub,
                                                               "strata"));
        char *copy = strata ? strdup(strata) : NULL;
        const char *cols[16];
        size_t ncols = 0;
        for (char *p = copy ? strtok(copy, ",") : NULL; p && ncols < 16;
             p = strtok(NULL, ",")) {
            while (*p == ' ') {
                p++;
            }
            size_t l = strlen(p);
            while (l > 0 && p[l - 1] == ' ') {
                p[--l] = '\0';
            }
            if (l > 0) {
                cols[ncols++] = p;
            }
        }
        vc_read_opts ro;
        memset(&ro, 0, sizeof ro);
        ro.strata = cols;
        ro.nstrata = ncols;
        ro.encoding = json_string_value(json_object_get(sub, "encoding"));
        sets[i] = vc_dataset_parse(body, blen, id, &ro, err);
        free(copy);
        if (sets[i] == NULL) {
            rc = err ? err->code : VC_EDATA;
            break;
        }
        json_t *mine = json_array();
        for (size_t k = 0; rc == VC_OK && k < sets[i]->ntables; k++) {
            const vc_table *t = sets[i]->tables[k];
            const char *label = t->label ? t->label : country;
            if (period != NULL && !in_period(t, period)) {
                continue;
            }
            rc = choose(&ch, &n, &cap, label, sets[i], t, id, superseded,
                        mine, err);
        }
        if (json_array_size(mine) > 0) {
            json_array_append_new(used, json_pack("{s:s, s:s, s:o}",
                                                  "submission", id, "office",
                                                  json_string_value(
                                                      json_object_get(
                                                          sub, "office")),
                                                  "strata", mine));
        } else {
            json_decref(mine);
        }
    }
    /* the encoding submissions, linked into one overlap table (one per
     * stratum kept in clear) as `victimcount link` links them at its
     * default threshold; a stratum an overlap table already covers keeps
     * that table */
    vc_link_set *es[VC_MAX_LISTS];
    const char *eids[VC_MAX_LISTS];
    size_t ne = 0;
    vc_link_result *lr = NULL;
    if (rc == VC_OK) {
        rc = vcsi_encodings_of(subs, es, eids, &ne, superseded, err);
    }
    if (rc == VC_OK && ne >= 2) {
        const char *nm[VC_MAX_LISTS];
        for (size_t k = 0; k < ne; k++) {
            nm[k] = es[k]->list;
        }
        vc_link_opts lo = {VC_LINK_DEFAULT_THRESHOLD, 0.0, 0, 0, 0, NULL, 0,
                           0.0};
        rc = vc_link_run((const vc_link_set *const *)es, ne, nm, &lo, &lr,
                         err);
        json_t *mine = json_array(), *from = json_array();
        for (size_t k = 0; k < ne; k++) {
            json_array_append_new(from, json_string(eids[k]));
        }
        for (size_t i = 0; rc == VC_OK && i < lr->ntables; i++) {
            const vc_table *t = lr->tables[i];
            const char *label = t->label ? t->label : country;
            if (period != NULL && !in_period(t, period)) {
                continue;
            }
            rc = choose(&ch, &n, &cap, label, NULL, t, "linked encodings",
                        superseded, mine, err);
        }
        if (rc == VC_OK) {
            json_array_append_new(
                used, json_pack("{s:o, s:{s:f, s:I, s:I}, s:o}",
                                "linked_encodings", from, "linkage",
                                "threshold", VC_LINK_DEFAULT_THRESHOLD,
                                "comparisons", (json_int_t)lr->comparisons,
                                "people", (json_int_t)lr->people, "strata",
                                mine));
        } else {
            json_decref(mine);
            json_decref(from);
        }
    }
    if (rc == VC_OK && n == 0 && ne == 1) {
        rc = vc_error_set(err, VC_EDATA, "%s has the encodings of one list "
                          "only (%s, submission %s): linking needs the "
                          "encodings of two lists or more", country,
                          es[0]->list, eids[0]);
    }
    if (rc == VC_OK && n == 0) {
        rc = vc_error_set(err, VC_EDATA, "no submission of %s%s%s%s has a "
                          "stratum to estimate", country,
                          period ? " for period \"" : "",
                          period ? period : "", period ? "\"" : "");
    }
    /* the lists of every chosen stratum, in order of first appearance
     * once the strata are sorted by name */
    if (rc == VC_OK) {
        qsort(ch, n, sizeof *ch, cmp_chosen);
        names = calloc(VC_MAX_LISTS * 4, sizeof *names);
        for (size_t m = 0; rc == VC_OK && m < n; m++) {
            for (size_t j = 0; j < ch[m].t->J; j++) {
                size_t q = 0;
                while (q < nnames && strcmp(names[q], ch[m].t->names[j])) {
                    q++;
                }
                if (q < nnames) {
                    continue;
                }
                if (nnames == VC_MAX_LISTS) {
                    rc = vc_error_set(err, VC_EDATA, "the chosen "
                                      "submissions have more than %d "
                                      "lists between them",
                                      VC_MAX_LISTS);
                    break;
                }
                const char *nm = ch[m].t->names[j];
                if (strcasecmp(nm, "stratum") == 0
                    || strcasecmp(nm, "count") == 0) {
                    rc = vc_error_set(err, VC_EDATA, "a list is called "
                                      "\"%s\", a name the batch input "
                                      "needs for itself", nm);
                    break;
                }
                names[nnames++] = ch[m].t->names[j];
            }
        }
    }
    if (rc == VC_OK) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL) {
            rc = vc_error_set(err, VC_ENOMEM, "out of memory");
        } else {
            fputs("stratum", f);
            for (size_t q = 0; q < nnames; q++) {
                fputc(',', f);
                csv_field(f, names[q]);
            }
            fputs(",count\n", f);
            for (size_t m = 0; m < n; m++) {
                const vc_table *t = ch[m].t;
                size_t map[VC_MAX_LISTS];
                for (size_t j = 0; j < t->J; j++) {
                    for (size_t q = 0; q < nnames; q++) {
                        if (strcmp(names[q], t->names[j]) == 0) {
                            map[j] = q;
                        }
                    }
                }
                for (size_t p = 0; p < t->npat; p++) {
                    csv_field(f, ch[m].label);
                    for (size_t q = 0; q < nnames; q++) {
                        int bit = 0;
                        for (size_t j = 0; j < t->J; j++) {
                            bit |= map[j] == q
                                   && (t->pattern[p] >> j & 1u);
                        }
                        fprintf(f, ",%d", bit);
                    }
                    fprintf(f, ",%llu\n", (unsigned long long)t->count[p]);
                }
            }
            fclose(f);
            rc = vcsi_write_atomic(path, buf, len, err);
            free(buf);
        }
    }
    for (size_t m = 0; m < n; m++) {
        free(ch[m].label);
    }
    free(ch);
    free(names);
    for (size_t i = 0; sets && i < nsubs; i++) {
        vc_dataset_free(sets[i]);
    }
    free(sets);
    vc_link_result_free(lr);
    for (size_t k = 0; k < ne; k++) {
        vc_link_set_free(es[k]);
    }
    json_decref(subs);
    if (rc == VC_OK) {
        *summary = json_pack("{s:o, s:o}", "used", used, "superseded",
                             superseded);
        if (*summary != NULL && ne == 1) {
            /* a lone list's encodings wait for another list's */
            json_object_set_new(
                *summary, "waiting",
                json_pack("[{s:s, s:s, s:s}]", "submission", eids[0], "list",
                          es[0]->list, "why",
                          "linking needs the encodings of two lists or "
                          "more"));
        }
    } else {
        json_decref(used);
        json_decref(superseded);
    }
    return rc;
}

int vcsi_write_atomic(const char *path, const char *buf, size_t len,
                      vc_error *err)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (tmp == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    int rc = VC_OK;
    if (fd < 0) {
        rc = vc_error_set(err, VC_EIO, "cannot write %s: %s", path,
                          strerror(errno));
    } else {
        size_t off = 0;
        while (rc == VC_OK && off < len) {
            ssize_t w = write(fd, buf + off, len - off);
            if (w < 0 && errno != EINTR) {
                rc = vc_error_set(err, VC_EIO, "cannot write %s: %s", path,
                                  strerror(errno));
            }
            off += w > 0 ? (size_t)w : 0;
        }
        if (rc == VC_OK && fsync(fd) != 0) {
            rc = vc_error_set(err, VC_EIO, "cannot write %s: %s", path,
                              strerror(errno));
        }
        close(fd);
        if (rc == VC_OK && rename(tmp, path) != 0) {
            rc = vc_error_set(err, VC_EIO, "cannot write %s: %s", path,
                              strerror(errno));
        }
        if (rc != VC_OK) {
            unlink(tmp);
        }
    }
    free(tmp);
    return rc;
}

/* Read a whole small file (returned, NUL-terminated), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4097 > cap) {
            cap = cap ? 2 * cap : 65536;
            char *b = realloc(buf, cap);
            if (b == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t r = fread(buf + len, 1, 4096, f);
        len += r;
        if (r == 0) {
            break;
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Run estimate id with request text. */
static void run_one(vcs_worker *w, const char *id, const char *text)
{
    vc_error err;
    vc_error_clear(&err);
    json_t *req = json_loads(text, 0, NULL);
    const vcs_config *c = w->cfg;
    char dir[4096], input[4200], sumpath[4200];
    snprintf(dir, sizeof dir, "%s/%s", c->estimates_dir, id);
    snprintf(input, sizeof input, "%s/input.csv", dir);
    snprintf(sumpath, sizeof sumpath, "%s/summary.json", dir);
    int rc = req ? VC_OK : vc_error_set(&err, VC_EDATA, "bad request");
    if (rc == VC_OK && (mkdir(c->estimates_dir, 0700) != 0 && errno != EEXIST)) {
        rc = vc_error_set(&err, VC_EIO, "cannot create %s: %s",
                          c->estimates_dir, strerror(errno));
    }
    if (rc == VC_OK && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        rc = vc_error_set(&err, VC_EIO, "cannot create %s: %s", dir,
                          strerror(errno));
    }
    char *summary = NULL;
    if (rc == VC_OK) {
        summary = slurp(sumpath);
        struct stat st;
        if (summary == NULL || stat(input, &st) != 0) {
            /* first run: choose the strata and write the input, then
             * the summary, which marks the input complete */
            free(summary);
            summary = NULL;
            json_t *sj = NULL;
            rc = build_input(w->store, req, input, &sj, &err);
            if (rc == VC_OK) {
                summary = json_dumps(sj, JSON_COMPACT | JSON_SORT_KEYS);
                json_decref(sj);
                rc = summary ? vcsi_write_atomic(sumpath, summary,
                                                 strlen(summary), &err)
                             : VC_ENOMEM;
            }
        }
    }
    char *results = NULL, *report = NULL, *headlines = NULL;
    if (rc == VC_OK) {
        char methods[1024] = "";
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(req, "methods"), i, v)
        {
            size_t l = strlen(methods);
            snprintf(methods + l, sizeof methods - l, "%s%s", l ? "," : "",
                     json_string_value(v));
        }
        uint64_t seed = (uint64_t)json_integer_value(json_object_get(req,
                                                                     "seed"));
        rc = c->run_estimate(c->run_ctx, input, dir, methods, seed,
                             &results, &report, &headlines, &err);
    }
    vcsi_estimate_finish(w->store, id, rc == VC_OK ? "done" : "failed",
                         rc == VC_OK ? NULL : err.msg, summary, results,
                         report, headlines);
    if (c->log != NULL) {
        char line[VC_ERROR_SIZE + 100];
        snprintf(line, sizeof line, "estimate %s: %s%s", id,
                 rc == VC_OK ? "done" : "failed: ",
                 rc == VC_OK ? "" : err.msg);
        c->log(c->log_ctx, line);
    }
    free(summary);
    free(results);
    free(report);
    free(headlines);
    json_decref(req);
}

static void *worker_main(void *arg)
{
    vcs_worker *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->stop && !w->wake) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5; /* and look anyway now and then */
            if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) != 0) {
                break;
            }
        }
        w->wake = 0;
        int stop = w->stop;
        pthread_mutex_unlock(&w->lock);
        if (stop) {
            return NULL;
        }
        char id[40];
        char *req;
        while (vcsi_estimate_next(w->store, id, &req)) {
            pthread_mutex_lock(&w->lock);
            if (w->stop) {
                /* left "running": queued again at the next start */
                pthread_mutex_unlock(&w->lock);
                free(req);
                return NULL;
            }
            w->busy = 1;
            pthread_mutex_unlock(&w->lock);
            run_one(w, id, req);
            free(req);
            pthread_mutex_lock(&w->lock);
            w->busy = 0;
            pthread_cond_broadcast(&w->cond);
            stop = w->stop;
            pthread_mutex_unlock(&w->lock);
            if (stop) {
                return NULL;
            }
        }
    }
}

int vcsi_worker_start(const vcs_config *c, vcs_store *s, vcs_worker **out,
                      vc_error *err)
{
    *out = NULL;
    if (c->run_estimate == NULL || c->estimates_dir == NULL) {
        return VC_OK; /* estimates stay queued */
    }
    vcs_worker *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    w->cfg = c;
    w->store = s;
    w->wake = 1; /* take up what an earlier run left */
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        free(w);
        return vc_error_set(err, VC_ENOMEM, "cannot start a thread");
    }
    *out = w;
    return VC_OK;
}

void vcsi_worker_wake(vcs_worker *w)
{
    if (w == NULL) {
        return;
    }
    pthread_mutex_lock(&w->lock);
    w->wake = 1;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int vcsi_worker_stop(vcs_worker *w)
{
    if (w == NULL) {
        return 0;
    }
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_cond_broadcast(&w->cond);
    int busy = w->busy;
    pthread_mutex_unlock(&w->lock);
    if (busy) {
        /* a batch cannot be interrupted; it resumes at the next start */
        pthread_detach(w->thread);
        return 1;
    }
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
    return 0;
}
