/*
 * output.c: results as text for people, JSON (jansson) and CSV for
 * scripts, and the atomic write that keeps partial files from existing.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "report/vc_report.h"

const char *cli_population_label(const cli_options *o, const vc_dataset *d,
                                 const vc_table *t, char *buf, size_t size)
{
    if (t->label != NULL) {
        if (o->label != NULL) {
            snprintf(buf, size, "%s, %s", o->label, t->label);
            return buf;
        }
        return t->label;
    }
    if (o->label != NULL) {
        return o->label;
    }
    /* the file's base name without its extension */
    const char *base = strrchr(d->source, '/');
    base = base ? base + 1 : d->source;
    snprintf(buf, size, "%s", base);
    char *dot = strrchr(buf, '.');
    if (dot != NULL && dot != buf) {
        *dot = '\0';
    }
    return buf;
}

void cli_mask_names(const vc_table *t, uint32_t mask, const char *sep,
                    char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < t->J && used < size; j++) {
        if (mask >> j & 1u) {
            used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                     used ? sep : "", t->names[j]);
        }
    }
}

void cli_row_name(const cli_result *r, char *buf, size_t size)
{
    if (r->two_list && r->status == VC_OK) {
        snprintf(buf, size, "%s %s\xC3\x97%s", r->method,
                 r->table->names[r->est.list_a],
                 r->table->names[r->est.list_b]);
    } else {
        snprintf(buf, size, "%s", r->method);
    }
}

double cli_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Print s left-aligned in width columns, counting UTF-8 characters, not
 * bytes, so names with "×" or accents line up. */
static void put_padded(FILE *f, const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        cols += (*p & 0xC0) != 0x80;
    }
    fputs(s, f);
    for (; cols < width; cols++) {
        fputc(' ', f);
    }
}

static void write_list_names(const vc_table *t, FILE *f)
{
    for (size_t j = 0; j < t->J; j++) {
        fprintf(f, "%s%s", j ? ", " : "", t->names[j]);
    }
}

static int write_text(const cli_options *o, const vc_dataset *d,
                      const cli_result *res, size_t nres,
                      const cli_synth_stratum *syn, size_t nsyn, FILE *f)
{
    char num[48], lab[256];
    size_t r = 0;
    while (r < nres) {
        const vc_table *t = res[r].table;
        const char *label = cli_population_label(o, d, t, lab, sizeof lab);
        vc_format_count((double)t->n, num, sizeof num);
        fprintf(f, "%s: %zu lists (", label, t->J);
        write_list_names(t, f);
        fprintf(f, "), %s people seen", num);
        if (t->dropped > 0) {
            vc_format_count((double)t->dropped, num, sizeof num);
            fprintf(f, " (%s more seen only by lists left out)", num);
        }
        fputs("\n\n", f);
        const cli_synth_stratum *sy = cli_synth_find(syn, nsyn, t);
        if (sy != NULL) {
            cli_synth_text(sy, f);
        }
        char lvl[48];
        snprintf(lvl, sizeof lvl, "%.10g%%", 100.0 * o->level);
        fprintf(f, "  %-26s %10s %10s   %-21s %s\n", "method", "estimate",
                "std.err.", strcat(lvl, " interval"), "interval kind");
        size_t first = r;
        for (; r < nres && res[r].table == t; r++) {
            char name[128];
            cli_row_name(&res[r], name, sizeof name);
            fputs("  ", f);
            put_padded(f, name, 26);
            if (res[r].status != VC_OK) {
                fprintf(f, " no estimate: %s\n", res[r].error);
                continue;
            }
            const vc_estimate *e = &res[r].est;
            char est[48], se[48], lo[48], hi[48], range[112];
            vc_format_count(e->estimate, est, sizeof est);
            if (e->has_se) {
                snprintf(se, sizeof se, "%.1f", e->se);
            } else {
                snprintf(se, sizeof se, "-");
            }
            vc_format_count(e->lower, lo, sizeof lo);
            vc_format_count(e->upper, hi, sizeof hi);
            snprintf(range, sizeof range, "%s \xE2\x80\x93 %s", lo, hi);
            fprintf(f, " %10s %10s   ", est, se);
            put_padded(f, range, 21);
            fprintf(f, " %s\n", e->interval);
        }
        fputc('\n', f);
        /* Headlines and warnings for the rows of this stratum. */
        int said_plain = 0;
        for (size_t k = first; k < r; k++) {
            if (res[k].status != VC_OK) {
                continue;
            }
            char name[128], head[512];
            cli_row_name(&res[k], name, sizeof name);
            vc_headline(label, &res[k].est, o->round_figures, head,
                        sizeof head);
            fprintf(f, "%s   [%s]\n", head, name);
            const cli_method *mk = cli_method_find(res[k].method);
            if (!said_plain && !(mk != NULL && mk->pairwise)) {
                /* One sentence in plain words, for the first method that
                 * estimates the whole population. */
                double alo, ahi;
                const vc_estimate *e = &res[k].est;
                vc_about_range(e->lower, e->upper, o->round_figures, &alo,
                               &ahi);
                char a[48], b[48], seen[48], unseen[48];
                vc_format_count(alo, a, sizeof a);
                vc_format_count(ahi, b, sizeof b);
                vc_format_count((double)t->n, seen, sizeof seen);
                vc_format_count(e->estimate - (double)t->n, unseen,
                                sizeof unseen);
                fprintf(f, "  In plain words: about %s to %s people in all "
                        "(%s method): %s were seen by at least one of the "
                        "%zu lists, and about %s more were seen by none.\n",
                        a, b, e->method, seen, t->J, unseen);
                said_plain = 1;
            }
            const char *w[VC_FLAG_COUNT];
            size_t nw = vc_estimate_warnings(res[k].est.flags, w,
                                             VC_FLAG_COUNT);
            for (size_t i = 0; i < nw; i++) {
                fprintf(f, "  warning (%s): %s\n", name, w[i]);
            }
            if (res[k].details != NULL) {
                /* indent each line by two spaces */
                for (const char *p = res[k].details; *p;) {
                    const char *nl = strchr(p, '\n');
                    size_t len = nl ? (size_t)(nl - p) : strlen(p);
                    fprintf(f, "  %.*s\n", (int)len, p);
                    p += len + (nl != NULL);
                }
            }
        }
        if (r < nres) {
            fputs("\n", f);
        }
    }
    return CLI_EXIT_OK;
}

static json_t *json_number_or_null(double x, int valid)
{
    return valid ? cli_json_real(x) : json_null();
}

json_t *cli_json_input(const vc_dataset *d)
{
    json_t *in = json_object();
    cli_json_set_str(in, "file", d->source);
    cli_json_set_str(in, "format", d->aggregated ? "aggregated" : "records");
    json_object_set_new(in, "lists", cli_json_strings(d->names, d->J));
    cli_json_set_int(in, "observed", d->n);
    cli_json_set_int(in, "dropped", d->dropped);
    json_t *strata = json_object();
    json_object_set_new(strata, "columns",
                        cli_json_strings(d->strata_cols, d->nstrata_cols));
    cli_json_set_int(strata, "count", d->nstrata_cols ? d->ntables : 0);
    json_object_set_new(in, "strata", strata);
    json_object_set_new(in, "notes", cli_json_strings(d->notes, d->nnotes));
    return in;
}

static int write_json(const cli_options *o, const vc_dataset *d,
                      const cli_result *res, size_t nres,
                      const cli_synth_stratum *syn, size_t nsyn, FILE *f)
{
    json_t *root = json_object();
    json_object_set_new(root, "version", json_string(vc_version()));
    json_object_set_new(root, "input", cli_json_input(d));
    json_t *set = json_object();
    json_object_set_new(set, "level", json_real(o->level));
    json_object_set_new(set, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(set, "rng", json_string("philox4x32-10"));
    json_object_set_new(set, "methods",
                        cli_json_strings(o->methods.v, o->methods.n));
    json_object_set_new(root, "settings", set);

    json_t *results = json_array();
    char lab[256], head[512];
    for (size_t r = 0; r < nres; r++) {
        const cli_result *x = &res[r];
        const vc_table *t = x->table;
        const vc_estimate *e = &x->est;
        int ok = x->status == VC_OK;
        json_t *j = json_object();
        json_object_set_new(j, "method", json_string(x->method));
        json_object_set_new(j, "stratum",
                            t->label ? json_string(t->label) : json_null());
        if (d->nstrata_cols > 0) {
            json_t *keys = json_object();
            for (size_t k = 0; k < t->nkeys && k < d->nstrata_cols; k++) {
                json_object_set_new(keys, d->strata_cols[k],
                                    json_string(t->keys[k]));
            }
            json_object_set_new(j, "stratum_keys", keys);
        }
        if (x->two_list && ok) {
            json_t *pair = json_array();
            json_array_append_new(pair, json_string(t->names[e->list_a]));
            json_array_append_new(pair, json_string(t->names[e->list_b]));
            json_object_set_new(j, "lists", pair);
        } else {
            json_object_set_new(j, "lists",
                                cli_json_strings(t->names, t->J));
        }
        json_object_set_new(j, "estimate", json_number_or_null(e->estimate,
                                                               ok));
        json_object_set_new(j, "se", json_number_or_null(e->se,
                                                         ok && e->has_se));
        json_object_set_new(j, "lower", json_number_or_null(e->lower, ok));
        json_object_set_new(j, "upper", json_number_or_null(e->upper, ok));
        json_object_set_new(j, "level", json_real(o->level));
        json_object_set_new(j, "interval",
                            ok ? json_string(e->interval) : json_null());
        json_object_set_new(j, "observed",
                            json_integer((json_int_t)(ok && x->two_list
                                                          ? e->observed
                                                          : t->n)));
        json_t *warn = json_array();
        const char *w[VC_FLAG_COUNT];
        size_t nw = ok ? vc_estimate_warnings(e->flags, w, VC_FLAG_COUNT)
                       : 0;
        for (size_t i = 0; i < nw; i++) {
            json_array_append_new(warn, json_string(w[i]));
        }
        json_object_set_new(j, "warnings", warn);
        if (ok) {
            vc_headline(cli_population_label(o, d, t, lab, sizeof lab), e,
                        o->round_figures, head, sizeof head);
            json_object_set_new(j, "headline", json_string(head));
        } else {
            json_object_set_new(j, "headline", json_null());
            json_object_set_new(j, "error", json_string(x->error));
        }
        if (o->batch.out_dir != NULL) {
            json_object_set_new(j, "variant",
                                json_string(x->variant ? x->variant
                                                       : "all lists"));
        }
        /* one object per kind of variant that gave estimates */
        static const char *const kinds[CLI_SENS_KINDS] = {"omit", "merge"};
        json_t *sens = NULL;
        for (size_t k = 0; ok && k < CLI_SENS_KINDS; k++) {
            const cli_spread *sp = &x->sens[k];
            if (!sp->has) {
                continue;
            }
            if (sens == NULL) {
                sens = json_object();
            }
            json_t *s = json_object();
            json_object_set_new(s, "lower", json_real(sp->lo));
            json_object_set_new(s, "upper", json_real(sp->hi));
            json_object_set_new(s, "variants", json_integer((json_int_t)sp->n));
            json_object_set_new(sens, kinds[k], s);
        }
        if (sens != NULL) {
            json_object_set_new(j, "sensitivity", sens);
        }
        if (ok && x->extra != NULL) {
            json_object_update(j, x->extra);
        }
        json_array_append_new(results, j);
    }
    json_object_set_new(root, "results", results);
    if (nsyn > 0) {
        json_object_set_new(root, "synthesis", cli_synth_json(syn, nsyn));
    }
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(12)
                                     | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(root);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
}

/* RFC 4180 field: quoted when it holds a delimiter, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
    if (s == NULL) {
        return;
    }
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The level columns of a batch with --covariates (empty on the
 * stratum's own rows): covariate, level, and with --population the
 * stratum's rate per 100,000 and its interval. */
static void csv_level_columns(const cli_options *o, const json_t *g,
                              FILE *f)
{
    const char *cov = json_string_value(json_object_get(g, "covariate"));
    const char *lev = json_string_value(json_object_get(g, "level"));
    fputc(',', f);
    csv_field(f, cov ? cov : "");
    fputc(',', f);
    csv_field(f, lev ? lev : "");
    if (o->population == NULL) {
        return;
    }
    static const char *const rate[] = {"rate", "rate_lower", "rate_upper"};
    for (size_t i = 0; i < 3; i++) {
        const json_t *v = json_object_get(g, rate[i]);
        if (json_is_number(v)) {
            fprintf(f, ",%.10g", json_number_value(v));
        } else {
            fputc(',', f);
        }
    }
}

/* After a batch row with "by" (--covariates): one row per level, its
 * estimate, interval and observed from "by" (the other columns as the
 * stratum's row, no headline, warnings or spreads). */
static void csv_by_rows(const cli_options *o, const vc_dataset *d,
                        const cli_result *x, const char *lists, int synth,
                        FILE *f)
{
    const json_t *by = x->extra ? json_object_get(x->extra, "by") : NULL;
    const vc_table *t = x->table;
    for (size_t i = 0; i < json_array_size(by); i++) {
        const json_t *g = json_array_get(by, i);
        for (size_t k = 0; k < d->nstrata_cols; k++) {
            csv_field(f, k < t->nkeys ? t->keys[k] : "");
            fputc(',', f);
        }
        csv_field(f, t->label);
        fputc(',', f);
        csv_field(f, x->method);
        fputc(',', f);
        csv_field(f, lists);
        fprintf(f, ",%.10g,,%.10g,%.10g,%.10g,",
                json_number_value(json_object_get(g, "estimate")),
                json_number_value(json_object_get(g, "lower")),
                json_number_value(json_object_get(g, "upper")), o->level);
        csv_field(f, x->est.interval);
        fprintf(f, ",%.10g,,,,all lists,,,,",
                json_number_value(json_object_get(g, "observed")));
        csv_level_columns(o, g, f);
        fputs(synth ? ",,,\n" : "\n", f);
    }
}

static int write_csv(const cli_options *o, const vc_dataset *d,
                     const cli_result *res, size_t nres,
                     const cli_synth_stratum *syn, size_t nsyn, FILE *f)
{
    /* The batch puts the stratum keys first and the variant and the
     * sensitivity spreads (list left out; lists merged) last; estimate
     * keeps its columns. */
    int batch = o->batch.out_dir != NULL;
    if (batch) {
        for (size_t k = 0; k < d->nstrata_cols; k++) {
            csv_field(f, d->strata_cols[k]);
            fputc(',', f);
        }
    }
    fputs("stratum,method,lists,estimate,se,lower,upper,level,interval,"
          "observed,warnings,headline,error", f);
    fputs(batch ? ",variant,omit_lower,omit_upper,merge_lower,merge_upper"
                : "", f);
    /* batch with --covariates: a row per level after the model's row */
    int levels = batch && o->covariates.n > 0;
    if (levels) {
        fputs(o->population
                  ? ",covariate,covariate_level,rate,rate_lower,rate_upper"
                  : ",covariate,covariate_level", f);
    }
    /* the synthesis of the row's stratum (issue 17), when there is one */
    fputs(nsyn > 0 ? ",agree,quote_lower,quote_upper\n" : "\n", f);
    char lab[256], head[512], lists[1024];
    for (size_t r = 0; r < nres; r++) {
        const cli_result *x = &res[r];
        const vc_table *t = x->table;
        const vc_estimate *e = &x->est;
        int ok = x->status == VC_OK;
        for (size_t k = 0; batch && k < d->nstrata_cols; k++) {
            csv_field(f, k < t->nkeys ? t->keys[k] : "");
            fputc(',', f);
        }
        csv_field(f, t->label);
        fputc(',', f);
        csv_field(f, x->method);
        fputc(',', f);
        lists[0] = '\0';
        if (x->two_list && ok) {
            snprintf(lists, sizeof lists, "%s;%s", t->names[e->list_a],
                     t->names[e->list_b]);
        } else {
            size_t used = 0;
            for (size_t j = 0; j < t->J && used < sizeof lists; j++) {
                used += (size_t)snprintf(lists + used, sizeof lists - used,
                                         "%s%s", j ? ";" : "", t->names[j]);
            }
        }
        csv_field(f, lists);
        if (ok) {
            fprintf(f, ",%.10g,", e->estimate);
            if (e->has_se) {
                fprintf(f, "%.10g", e->se);
            }
            fprintf(f, ",%.10g,%.10g,", e->lower, e->upper);
        } else {
            fputs(",,,,", f);
        }
        fprintf(f, "%.10g,", o->level);
        csv_field(f, ok ? e->interval : "");
        fprintf(f, ",%llu,", (unsigned long long)(ok && x->two_list
                                                      ? e->observed : t->n));
        const char *w[VC_FLAG_COUNT];
        size_t nw = ok ? vc_estimate_warnings(e->flags, w, VC_FLAG_COUNT)
                       : 0;
        char warn[2048];
        size_t used = 0;
        warn[0] = '\0';
        for (size_t i = 0; i < nw && used < sizeof warn; i++) {
            used += (size_t)snprintf(warn + used, sizeof warn - used, "%s%s",
                                     i ? "; " : "", w[i]);
        }
        csv_field(f, warn);
        fputc(',', f);
        if (ok) {
            vc_headline(cli_population_label(o, d, t, lab, sizeof lab), e,
                        o->round_figures, head, sizeof head);
            csv_field(f, head);
        }
        fputc(',', f);
        csv_field(f, ok ? "" : x->error);
        if (batch) {
            fputc(',', f);
            csv_field(f, x->variant ? x->variant : "all lists");
            for (size_t k = 0; k < CLI_SENS_KINDS; k++) {
                if (ok && x->sens[k].has) {
                    fprintf(f, ",%.10g,%.10g", x->sens[k].lo, x->sens[k].hi);
                } else {
                    fputs(",,", f);
                }
            }
        }
        if (levels) {
            /* the stratum's own rate, when it has one */
            const json_t *own = ok && x->extra ? x->extra : NULL;
            csv_level_columns(o, own, f);
        }
        if (nsyn > 0) {
            cli_synth_csv(cli_synth_find(syn, nsyn, x->base ? x->base : t),
                          f);
        }
        fputc('\n', f);
        if (levels && ok) {
            csv_by_rows(o, d, x, lists, nsyn > 0, f);
        }
    }
    return CLI_EXIT_OK;
}

int cli_write_results(const cli_options *o, const vc_dataset *d,
                      const cli_result *res, size_t nres, FILE *f)
{
    /* jansson fails quietly (a field left out): see jsonmem.c */
    unsigned long oom_before = cli_oom_count();
    int rc;
    cli_synth_stratum *syn = NULL;
    size_t nsyn = cli_synthesize(o, res, nres, &syn);
    switch (o->format) {
    case CLI_JSON:
        rc = write_json(o, d, res, nres, syn, nsyn, f);
        break;
    case CLI_CSV:
        rc = write_csv(o, d, res, nres, syn, nsyn, f);
        break;
    default:
        rc = write_text(o, d, res, nres, syn, nsyn, f);
        break;
    }
    cli_synth_free(syn, nsyn);
    if (cli_oom_count() != oom_before) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
    }
    return rc;
}

int cli_emit(const char *path, const char *buf, size_t len)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
            cli_error("cannot write to standard output: %s",
                      strerror(errno));
            return CLI_EXIT_OUTPUT;
        }
        return CLI_EXIT_OK;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (tmp == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    /* The temporary file sits beside the target so rename() is atomic. */
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return CLI_EXIT_OUTPUT;
    }
    size_t off = 0;
    int ok = 1;
    while (off < len) {
        ssize_t w = write(fd, buf + off, len - off);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            ok = 0;
            break;
        }
        off += (size_t)w;
    }
    int saved = errno;
    if (ok && fsync(fd) != 0) {
        ok = 0;
        saved = errno;
    }
    /* mkstemp makes the file 0600; output is ordinary data, so give it
     * the permissions a plain fopen would, under the user's umask. */
    mode_t mask;
    /* umask can only be read by setting it: one thread at a time (the
     * batch writes its units from several) */
#pragma omp critical(cli_umask)
    {
        mask = umask(0);
        umask(mask);
    }
    if (ok && fchmod(fd, 0666 & ~mask) != 0) {
        ok = 0;
        saved = errno;
    }
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        saved = errno;
    }
    if (ok) {
        /* The rename is durable only once the directory is on disk. */
        char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash != NULL) {
            *(slash == dir ? slash + 1 : slash) = '\0';
        }
        int dfd = dir ? open(slash ? dir : ".", O_RDONLY | O_DIRECTORY) : -1;
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    if (!ok) {
        unlink(tmp);
        cli_error("cannot write %s: %s", path, strerror(saved));
    }
    free(tmp);
    return ok ? CLI_EXIT_OK : CLI_EXIT_OUTPUT;
}
