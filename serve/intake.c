/*
 * intake.c: checking an uploaded CSV exactly as `victimcount validate`
 * reads a file: the library's reader (vc_dataset_parse) on the bytes, with
 * the stratum columns the office named.  A file the reader refuses is
 * refused with the reader's own message (which names line and column), so
 * the service and the command line never disagree about a file.  The
 * summary of an accepted file (lists, strata, people seen, and the
 * problems validate lists, as warnings) is kept with the submission.
 */
#include <stdlib.h>
#include <string.h>

#include "data/vc_data.h"
#include "link/vc_link.h"
#include "report/vc_report.h"
#include "serve/serve_impl.h"

/* Split "a, b,c" into trimmed names (at most cap); returns the count, or
 * cap + 1 when there are too many. */
static size_t split_names(char *s, char **v, size_t cap)
{
    size_t n = 0;
    for (char *p = s; p != NULL;) {
        char *comma = strchr(p, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        while (*p == ' ') {
            p++;
        }
        size_t len = strlen(p);
        while (len > 0 && p[len - 1] == ' ') {
            p[--len] = '\0';
        }
        if (len > 0) {
            if (n == cap) {
                return cap + 1;
            }
            v[n++] = p;
        }
        p = comma ? comma + 1 : NULL;
    }
    return n;
}

/* Line and column of a reader message "SOURCE:LINE: column C: ..." (C a
 * number or a quoted name); left 0 and "" when the message has none. */
static void locate(const char *msg, long *line, char *column, size_t size)
{
    *line = 0;
    column[0] = '\0';
    size_t sl = strlen(VCS_UPLOAD_SOURCE);
    if (strncmp(msg, VCS_UPLOAD_SOURCE ":", sl + 1) != 0) {
        return;
    }
    char *end;
    long l = strtol(msg + sl + 1, &end, 10);
    if (end == msg + sl + 1 || *end != ':') {
        return;
    }
    *line = l;
    const char *c = end + 1;
    if (strncmp(c, " column ", 8) != 0) {
        return;
    }
    c += 8;
    size_t n = 0;
    if (*c == '"') {
        const char *q = strchr(c + 1, '"');
        n = q ? (size_t)(q - c - 1) : 0;
        c++;
    } else {
        while (c[n] >= '0' && c[n] <= '9') {
            n++;
        }
    }
    if (n > 0 && n < size) {
        memcpy(column, c, n);
        column[n] = '\0';
    }
}

/* The problems validate lists for one table, as warnings. */
static void table_warnings(const vc_table *t, json_t *w)
{
    const char *in = t->label ? t->label : NULL;
    for (size_t a = 0; a < t->J; a++) {
        for (size_t b = a + 1; b < t->J; b++) {
            if (vc_table_overlap(t, a, b) == 0) {
                json_array_append_new(
                    w, json_sprintf("%s%sno one is on both %s and %s "
                                    "(sparse pair: models with their "
                                    "interaction have no finite estimate)",
                                    in ? in : "", in ? ": " : "",
                                    t->names[a], t->names[b]));
            }
        }
    }
    size_t nonempty = vc_table_nonempty_lists(t);
    if (nonempty < 3) {
        json_array_append_new(
            w, json_sprintf("%s%sonly %zu lists saw anyone: two lists "
                            "cannot reveal dependence between lists, and "
                            "most methods need 3 or more",
                            in ? in : "", in ? ": " : "", nonempty));
    }
}

/* What to do about a refused file, in the terms of the API (web 0) or
 * of the upload form (web 1). */
static void service_hint(const vc_read_advice *a, int web, char *buf,
                         size_t size)
{
    char strat[300];
    snprintf(strat, sizeof strat, web ? "enter %.200s under Stratum "
             "columns" : "X-Strata: %.200s", a->column);
    buf[0] = '\0';
    switch (a->kind) {
    case VC_ADVICE_COLUMN:
        if (a->may_be_count) {
            snprintf(buf, size, "if \"%s\" gives the number of people with "
                     "each row's pattern, call the column count; if it is "
                     "a stratum, name it as a stratum column (%s); else "
                     "remove the column from the file", a->column, strat);
        } else {
            snprintf(buf, size, "if \"%s\" is a stratum, name it as a "
                     "stratum column (%s); else remove the column from the "
                     "file", a->column, strat);
        }
        break;
    case VC_ADVICE_ENCODING:
        snprintf(buf, size, web ? "save the file as UTF-8 (in a spreadsheet: "
                                  "Save As, CSV UTF-8) and upload it again"
                                : "save the file as UTF-8, or name its "
                                  "encoding in the Content-Type (for example "
                                  "text/csv; charset=cp1251)");
        break;
    case VC_ADVICE_ENCODING_NAME:
        snprintf(buf, size, "the charset of the Content-Type is not one the "
                 "server knows (iconv -l lists them)");
        break;
    default:
        break;
    }
}

int vcsi_is_encodings(const char *body, size_t len)
{
    static const char magic[] = "# victimcount encodings";
    if (len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        body += 3; /* a byte-order mark */
        len -= 3;
    }
    return len >= sizeof magic - 1 && memcmp(body, magic, sizeof magic - 1)
                                          == 0;
}

/* An encoding file (`victimcount encode`): read as `link` reads it; the
 * summary names its kind, list, schema hash, key check, size and the
 * stratum columns it keeps in clear, never an encoding. */
static void check_encodings(const char *body, size_t len, vcs_check *c)
{
    vc_error err;
    vc_error_clear(&err);
    vc_link_set *s = vc_link_set_parse(body, len, VCS_UPLOAD_SOURCE, &err);
    if (s == NULL) {
        snprintf(c->plain, sizeof c->plain, "%s", err.msg);
        snprintf(c->message, sizeof c->message, "%s", err.msg);
        snprintf(c->hint, sizeof c->hint,
                 "send the file `victimcount encode` wrote, unchanged");
        snprintf(c->web_hint, sizeof c->web_hint, "%s", c->hint);
        locate(err.msg, &c->line, c->column, sizeof c->column);
        return;
    }
    json_t *cols = json_array();
    for (size_t k = 0; k < s->nstrata; k++) {
        json_array_append_new(cols, json_string(s->strata_cols[k]));
    }
    c->summary = json_pack(
        "{s:s, s:[s], s:[], s:I, s:[], s:b, s:{s:s, s:s, s:s, s:I, s:I, "
        "s:o}}",
        "kind", "encodings", "lists", s->list, "strata", "people_seen",
        (json_int_t)s->n, "warnings", "aggregated", 0, "encodings", "list",
        s->list, "schema", s->schema, "key_check", s->key_check, "bits",
        (json_int_t)s->bits, "records", (json_int_t)s->n, "strata_columns",
        cols);
    c->ok = c->summary != NULL;
    if (!c->ok) {
        snprintf(c->message, sizeof c->message, "out of memory");
        snprintf(c->plain, sizeof c->plain, "out of memory");
    }
    vc_link_set_free(s);
}

int vcsi_encodings_of(const json_t *subs, vc_link_set **sets,
                      const char **ids, size_t *n, json_t *superseded,
                      vc_error *err)
{
    *n = 0;
    size_t i;
    const json_t *sub;
    json_array_foreach(subs, i, sub)
    {
        const json_t *b = json_object_get(sub, "body");
        const char *body = json_string_value(b);
        size_t len = json_string_length(b);
        const char *id = json_string_value(json_object_get(sub, "id"));
        if (body == NULL || !vcsi_is_encodings(body, len)) {
            continue;
        }
        vc_link_set *s = vc_link_set_parse(body, len, id, err);
        if (s == NULL) {
            goto fail;
        }
        size_t k = 0;
        while (k < *n && strcmp(sets[k]->list, s->list) != 0) {
            k++;
        }
        if (k < *n) {
            /* newest first: the list already has a newer encoding */
            if (superseded != NULL) {
                json_array_append_new(superseded,
                                      json_pack("{s:s, s:s, s:s}",
                                                "submission", id, "list",
                                                s->list, "superseded_by",
                                                ids[k]));
            }
            vc_link_set_free(s);
            continue;
        }
        if (*n == VC_MAX_LISTS) {
            vc_link_set_free(s);
            vc_error_set(err, VC_EDATA,
                         "more than %d lists' encodings to link",
                         VC_MAX_LISTS);
            goto fail;
        }
        /* sources name the submission in link's messages */
        sets[*n] = s;
        ids[(*n)++] = id;
    }
    return VC_OK;
fail:
    for (size_t k = 0; k < *n; k++) {
        vc_link_set_free(sets[k]);
    }
    *n = 0;
    return err != NULL ? err->code : VC_EDATA;
}

void vcsi_check_upload(const char *body, size_t len, const char *strata,
                       const char *encoding,
                       void (*word)(const vc_error *, const vc_read_advice *,
                                    char *, size_t),
                       vcs_check *c)
{
    memset(c, 0, sizeof *c);
    if (vcsi_is_encodings(body, len)) {
        if (strata != NULL || encoding != NULL) {
            /* what is not understood is refused, not ignored */
            static const char why[] =
                "an encoding file takes neither X-Strata nor a charset: its "
                "stratum columns are in its header and it is ASCII";
            snprintf(c->message, sizeof c->message, "%s", why);
            snprintf(c->plain, sizeof c->plain, "%s", why);
            return;
        }
        check_encodings(body, len, c);
        return;
    }
    char *copy = strata ? strdup(strata) : NULL;
    char *cols[16];
    size_t ncols = 0;
    if (strata != NULL) {
        ncols = copy ? split_names(copy, cols, 16) : 17;
        if (ncols > 16) {
            snprintf(c->message, sizeof c->message, "X-Strata names more "
                     "than 16 stratum columns");
            snprintf(c->plain, sizeof c->plain, "X-Strata names more than "
                     "16 stratum columns");
            free(copy);
            return;
        }
    }
    vc_read_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.strata = (const char *const *)cols;
    ro.nstrata = ncols;
    ro.encoding = encoding;
    vc_read_advice advice;
    memset(&advice, 0, sizeof advice);
    ro.advice = &advice;
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_parse(body, len, VCS_UPLOAD_SOURCE, &ro, &err);
    free(copy);
    if (d == NULL) {
        snprintf(c->plain, sizeof c->plain, "%s", err.msg);
        if (word != NULL) {
            word(&err, &advice, c->message, sizeof c->message);
        } else {
            snprintf(c->message, sizeof c->message, "%s", err.msg);
        }
        service_hint(&advice, 0, c->hint, sizeof c->hint);
        service_hint(&advice, 1, c->web_hint, sizeof c->web_hint);
        locate(err.msg, &c->line, c->column, sizeof c->column);
        return;
    }
    json_t *lists = json_array();
    json_t *labels = json_array();
    json_t *warnings = json_array();
    for (size_t j = 0; j < d->J; j++) {
        json_array_append_new(lists, json_string(d->names[j]));
    }
    for (size_t i = 0; i < d->nnotes; i++) {
        json_array_append_new(warnings, json_string(d->notes[i]));
    }
    for (size_t s = 0; s < d->ntables; s++) {
        if (d->tables[s]->label != NULL) {
            json_array_append_new(labels,
                                  json_string(d->tables[s]->label));
        }
        table_warnings(d->tables[s], warnings);
    }
    c->summary = json_pack("{s:o, s:o, s:I, s:o, s:b}", "lists", lists,
                           "strata", labels, "people_seen",
                           (json_int_t)d->n, "warnings", warnings,
                           "aggregated", d->aggregated);
    c->ok = c->summary != NULL;
    if (!c->ok) {
        snprintf(c->message, sizeof c->message, "out of memory");
        snprintf(c->plain, sizeof c->plain, "out of memory");
    }
    vc_dataset_free(d);
}

void vcsi_check_free(vcs_check *c)
{
    json_decref(c->summary);
    c->summary = NULL;
}
