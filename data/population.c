/*
 * population.c: a table of population sizes by stratum and covariate
 * level (vc_data.h, vc_population), the denominators of rates per
 * 100,000 (SDG indicator 16.2.2 counts victims per 100,000 population by
 * sex, age and form of exploitation).
 *
 * The file is a CSV (comma-separated, quoted fields, parsed by libcsv)
 * with a header: one column named population (any case) and key columns
 * (strata and covariates).  Each row gives the population of one
 * combination of key values; the population of a group is the sum over
 * the rows that agree with it on the key columns it names.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "data/data_impl.h"
#include "data/vc_data.h"

typedef struct {
    vc_population *p;
    const char *source;
    vc_error *err;
    int status;
    size_t row;          /* records so far, header included */
    size_t nfld;
    size_t popcol;
    size_t ncols_file;
    char **fields;       /* the current record */
    size_t fcap;
} reader;

static char *dup_mem(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->status != VC_OK) {
        return;
    }
    if (r->nfld == r->fcap) {
        size_t cap = r->fcap ? 2 * r->fcap : 16;
        char **f = realloc(r->fields, cap * sizeof *f);
        if (f == NULL) {
            r->status = vc_error_set(r->err, VC_ENOMEM, "out of memory");
            return;
        }
        r->fields = f;
        r->fcap = cap;
    }
    r->fields[r->nfld] = dup_mem(s ? s : "", s ? len : 0);
    if (r->fields[r->nfld] == NULL) {
        r->status = vc_error_set(r->err, VC_ENOMEM, "out of memory");
        return;
    }
    r->nfld++;
}

static void clear_fields(reader *r)
{
    for (size_t i = 0; i < r->nfld; i++) {
        free(r->fields[i]);
    }
    r->nfld = 0;
}

static void header(reader *r)
{
    vc_population *p = r->p;
    r->ncols_file = r->nfld;
    r->popcol = SIZE_MAX;
    for (size_t i = 0; i < r->nfld; i++) {
        if (strcasecmp(r->fields[i], "population") == 0) {
            r->popcol = i;
        }
    }
    if (r->popcol == SIZE_MAX) {
        r->status = vc_error_set(r->err, VC_EDATA,
                                 "%s:1: expected a column named population",
                                 r->source);
        return;
    }
    p->ncols = r->nfld - 1;
    p->cols = calloc(p->ncols ? p->ncols : 1, sizeof *p->cols);
    if (p->cols == NULL) {
        r->status = vc_error_set(r->err, VC_ENOMEM, "out of memory");
        return;
    }
    for (size_t i = 0, k = 0; i < r->nfld; i++) {
        if (i != r->popcol) {
            p->cols[k++] = r->fields[i];
            r->fields[i] = NULL;
        }
    }
}

static void on_record(int c, void *data)
{
    (void)c;
    reader *r = data;
    if (r->status != VC_OK) {
        return;
    }
    r->row++;
    if (r->nfld == 1 && r->fields[0][0] == '\0') {
        clear_fields(r); /* a blank line */
        return;
    }
    if (r->row == 1) {
        header(r);
        clear_fields(r);
        return;
    }
    vc_population *p = r->p;
    if (r->nfld != r->ncols_file) {
        r->status = vc_error_set(r->err, VC_EDATA,
                                 "%s:%zu: expected %zu fields as in the "
                                 "header, got %zu", r->source, r->row,
                                 r->ncols_file, r->nfld);
        clear_fields(r);
        return;
    }
    const char *v = r->fields[r->popcol];
    char *end = NULL;
    errno = 0;
    double pop = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || errno != 0 || !(pop > 0.0)
        || !isfinite(pop)) {
        r->status = vc_error_set(r->err, VC_EDATA,
                                 "%s:%zu: column \"population\": expected a "
                                 "number above 0, got \"%.40s\"", r->source,
                                 r->row, v);
        clear_fields(r);
        return;
    }
    char **cells = realloc(p->cells,
                           (p->nrows + 1) * (p->ncols ? p->ncols : 1)
                               * sizeof *cells);
    double *pv = realloc(p->population, (p->nrows + 1) * sizeof *pv);
    if (cells != NULL) {
        p->cells = cells;
    }
    if (pv != NULL) {
        p->population = pv;
    }
    if (cells == NULL || pv == NULL) {
        r->status = vc_error_set(r->err, VC_ENOMEM, "out of memory");
        clear_fields(r);
        return;
    }
    for (size_t i = 0, k = 0; i < r->nfld; i++) {
        if (i != r->popcol) {
            p->cells[p->nrows * p->ncols + k++] = r->fields[i];
            r->fields[i] = NULL;
        }
    }
    p->population[p->nrows++] = pop;
    clear_fields(r);
}

void vc_population_free(vc_population *p)
{
    if (p == NULL) {
        return;
    }
    vci_data_free_strings(p->cols, p->ncols);
    vci_data_free_strings(p->cells, p->nrows * p->ncols);
    free(p->population);
    free(p);
}

vc_population *vc_population_read(const char *path, vc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        vc_error_set(err, VC_EIO, "%s: cannot open: %s", path,
                     strerror(errno));
        return NULL;
    }
    vc_population *p = calloc(1, sizeof *p);
    reader r = {p, path, err, VC_OK, 0, 0, 0, 0, NULL, 0};
    struct csv_parser cp;
    if (p == NULL || csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        fclose(f);
        free(p);
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    char buf[4096];
    size_t n;
    while (r.status == VC_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&cp, buf, n, on_field, on_record, &r) != n
            && r.status == VC_OK) {
            r.status = vc_error_set(err, VC_EDATA, "%s:%zu: %s", path,
                                    r.row + 1,
                                    csv_strerror(csv_error(&cp)));
        }
    }
    if (r.status == VC_OK && csv_fini(&cp, on_field, on_record, &r) != 0) {
        r.status = vc_error_set(err, VC_EDATA, "%s:%zu: %s", path, r.row + 1,
                                csv_strerror(csv_error(&cp)));
    }
    csv_free(&cp);
    fclose(f);
    clear_fields(&r);
    free(r.fields);
    if (r.status == VC_OK && p->cols == NULL) {
        r.status = vc_error_set(err, VC_EDATA, "%s: no header", path);
    }
    if (r.status == VC_OK && p->nrows == 0) {
        r.status = vc_error_set(err, VC_EDATA, "%s: no rows", path);
    }
    if (r.status != VC_OK) {
        vc_population_free(p);
        return NULL;
    }
    return p;
}

int vc_population_sum(const vc_population *p, size_t n,
                      const char *const *names, const char *const *values,
                      double *sum)
{
    size_t col[64];
    if (n > 64) {
        return VC_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        col[i] = SIZE_MAX;
        for (size_t k = 0; k < p->ncols; k++) {
            if (strcmp(p->cols[k], names[i]) == 0) {
                col[i] = k;
            }
        }
        if (col[i] == SIZE_MAX) {
            return VC_EUNDEFINED;
        }
    }
    double s = 0.0;
    size_t hits = 0;
    for (size_t row = 0; row < p->nrows; row++) {
        int ok = 1;
        for (size_t i = 0; i < n && ok; i++) {
            ok = strcmp(p->cells[row * p->ncols + col[i]], values[i]) == 0;
        }
        if (ok) {
            s += p->population[row];
            hits++;
        }
    }
    if (hits == 0) {
        return VC_EUNDEFINED;
    }
    *sum = s;
    return VC_OK;
}
