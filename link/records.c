/*
 * records.c: an office's list of people, one row per person, read as a
 * table of strings for `encode` (libcsv does the quoting rules of RFC
 * 4180).  Comma, semicolon or tab separated (the one the header holds
 * most of), a UTF-8 byte-order mark skipped, CRLF accepted, blank lines
 * skipped.  Rows must have as many fields as the header.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "link/link_impl.h"

/* Bounds: a field longer than this is not a name; a file with more rows
 * than this is not one office's list. */
#define REC_MAX_FIELD 4096
#define REC_MAX_COLS 256
#define REC_MAX_ROWS 50000000u

typedef struct {
    vc_link_records *r;
    char **row; /* fields of the row being read */
    size_t nf;
    size_t cap;            /* of r->cells, in rows */
    size_t line;           /* current line */
    size_t row_line;       /* line where the current row started */
    size_t field_end_line; /* line where the row's last field ended */
    size_t open_line;      /* first non-blank line of the row being read */
    int row_done;          /* no row begun since the last one ended */
    int rc;
    vc_error *err;
} rec_reader;

void vc_link_records_free(vc_link_records *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->nrows * r->ncols; i++) {
        free(r->cells[i]);
    }
    for (size_t k = 0; k < r->ncols; k++) {
        free(r->header[k]);
    }
    free(r->cells);
    free(r->header);
    free(r->line);
    free(r->source);
    free(r);
}

static void on_field(void *s, size_t len, void *data)
{
    rec_reader *rr = data;
    if (rr->rc != VC_OK) {
        return;
    }
    if (rr->nf == 0) {
        rr->row_line = rr->line;
    }
    if (rr->nf >= REC_MAX_COLS) {
        rr->rc = vc_error_set(rr->err, VC_EDATA, "%s:%zu: more than %d fields",
                              rr->r->source, rr->line, REC_MAX_COLS);
        return;
    }
    if (len > REC_MAX_FIELD) {
        rr->rc =
            vc_error_set(rr->err, VC_EDATA,
                         "%s:%zu: column %zu: field longer than %d "
                         "bytes",
                         rr->r->source, rr->line, rr->nf + 1, REC_MAX_FIELD);
        return;
    }
    char *f = malloc(len + 1);
    if (f == NULL) {
        rr->rc = vc_error_set(rr->err, VC_ENOMEM, "out of memory");
        return;
    }
    if (len > 0) {
        memcpy(f, s, len);
    }
    f[len] = '\0';
    rr->row[rr->nf++] = f;
    rr->field_end_line = rr->line;
}

static void row_clear(rec_reader *rr)
{
    for (size_t k = 0; k < rr->nf; k++) {
        free(rr->row[k]);
    }
    rr->nf = 0;
}

static void on_record(int c, void *data)
{
    (void)c;
    rec_reader *rr = data;
    vc_link_records *r = rr->r;
    rr->row_done = 1;
    if (rr->rc != VC_OK) {
        row_clear(rr);
        return;
    }
    /* a blank line is one empty field */
    if (rr->nf == 1 && rr->row[0][0] == '\0') {
        row_clear(rr);
        return;
    }
    if (r->header == NULL) {
        r->header = malloc((rr->nf + 1) * sizeof *r->header);
        if (r->header == NULL) {
            rr->rc = vc_error_set(rr->err, VC_ENOMEM, "out of memory");
            row_clear(rr);
            return;
        }
        memcpy(r->header, rr->row, rr->nf * sizeof *rr->row);
        r->ncols = rr->nf;
        rr->nf = 0;
        return;
    }
    if (rr->nf != r->ncols) {
        rr->rc = vc_error_set(rr->err, VC_EDATA,
                              "%s:%zu: %zu fields, the header has %zu",
                              r->source, rr->row_line, rr->nf, r->ncols);
        row_clear(rr);
        return;
    }
    if (r->nrows == rr->cap) {
        size_t nc = rr->cap ? 2 * rr->cap : 1024;
        if (nc > REC_MAX_ROWS) {
            rr->rc = vc_error_set(rr->err, VC_EDATA, "%s: more than %u rows",
                                  r->source, REC_MAX_ROWS);
            row_clear(rr);
            return;
        }
        char **cells = realloc(r->cells, nc * r->ncols * sizeof *cells);
        if (cells != NULL) {
            r->cells = cells;
        }
        size_t *line = realloc(r->line, nc * sizeof *line);
        if (line != NULL) {
            r->line = line;
        }
        if (cells == NULL || line == NULL) {
            rr->rc = vc_error_set(rr->err, VC_ENOMEM, "out of memory");
            row_clear(rr);
            return;
        }
        rr->cap = nc;
    }
    memcpy(r->cells + r->nrows * r->ncols, rr->row, r->ncols * sizeof *rr->row);
    r->line[r->nrows] = rr->row_line;
    r->nrows++;
    rr->nf = 0;
}

/* libcsv's error code as a status and message: at the end of the file
 * (CSV_STRICT_FINI) a quoted field left open, begun at line; before it
 * (CSV_STRICT) a quote inside an unquoted field or after a closing one,
 * at line. */
static int parse_failed(rec_reader *rr, int code, size_t line, int at_end)
{
    if (code == CSV_ENOMEM) {
        return vc_error_set(rr->err, VC_ENOMEM, "out of memory");
    }
    return vc_error_set(rr->err, VC_EDATA, "%s:%zu: column %zu: %s",
                        rr->r->source, line, rr->nf + 1,
                        at_end ? "a quoted field not closed before the end "
                                 "of the file"
                               : "a quote inside an unquoted field, or "
                                 "after a closing quote (a quote in a "
                                 "field is written as two, in a field "
                                 "enclosed in quotes)");
}

static int is_space(unsigned char c)
{
    return c == ' ';
}

vc_link_records *vc_link_records_parse(const char *buf, size_t len,
                                       const char *source, vc_error *err)
{
    vc_link_records *r = calloc(1, sizeof *r);
    char **row = calloc(REC_MAX_COLS, sizeof *row);
    if (r == NULL || row == NULL || (r->source = strdup(source)) == NULL) {
        free(row);
        vc_link_records_free(r);
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    /* the delimiter: the one of , ; TAB the header line holds most of */
    const char *nl = memchr(buf, '\n', len);
    size_t hl = nl ? (size_t)(nl - buf) : len;
    size_t nc = 0, ns = 0, nt = 0;
    for (size_t i = 0; i < hl; i++) {
        nc += buf[i] == ',';
        ns += buf[i] == ';';
        nt += buf[i] == '\t';
    }
    unsigned char delim = ',';
    if (ns > nc && ns >= nt) {
        delim = ';';
    } else if (nt > nc && nt > ns) {
        delim = '\t';
    }
    struct csv_parser p;
    rec_reader rr = {.r = r,
                     .row = row,
                     .line = 1,
                     .row_line = 1,
                     .row_done = 1,
                     .rc = VC_OK,
                     .err = err};
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(row);
        vc_link_records_free(r);
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    csv_set_delim(&p, delim);
    csv_set_space_func(&p, is_space);
    size_t pos = 0;
    while (pos < len && rr.rc == VC_OK) {
        const char *e = memchr(buf + pos, '\n', len - pos);
        size_t seg = e ? (size_t)(e - (buf + pos)) + 1 : len - pos;
        /* libcsv skips a line of nothing but spaces and line ends before
         * a row begins; any other begins a row if none is open */
        int blank = 1;
        for (size_t i = 0; i < seg && blank; i++) {
            blank = buf[pos + i] == ' ' || buf[pos + i] == '\r'
                    || buf[pos + i] == '\n';
        }
        if (rr.row_done && !blank) {
            rr.open_line = rr.line;
            rr.row_done = 0;
        }
        if (csv_parse(&p, buf + pos, seg, on_field, on_record, &rr) != seg) {
            if (rr.rc == VC_OK) {
                rr.rc = parse_failed(&rr, csv_error(&p), rr.line, 0);
            }
            break;
        }
        pos += seg;
        rr.line++;
    }
    if (rr.rc == VC_OK && csv_fini(&p, on_field, on_record, &rr) != 0
        && rr.rc == VC_OK) {
        /* the field left open began where the row's last field ended,
         * or with the row */
        rr.rc = parse_failed(&rr, csv_error(&p),
                             rr.nf > 0 ? rr.field_end_line : rr.open_line, 1);
    }
    csv_free(&p);
    row_clear(&rr);
    free(row);
    if (rr.rc == VC_OK && r->header == NULL) {
        rr.rc = vc_error_set(err, VC_EDATA, "%s: empty file", source);
    }
    if (rr.rc != VC_OK) {
        vc_link_records_free(r);
        return NULL;
    }
    return r;
}

/* The whole file at path, in a buffer of its own (free it), its length in
 * *len; NULL with VC_EIO or VC_ENOMEM.  An office's list and an encoding
 * file are read whole: their parsers take bytes. */
char *vci_link_read_file(const char *path, size_t *len, vc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        vc_error_set(err, VC_EIO, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    *len = 0;
    while (buf != NULL) {
        *len += fread(buf + *len, 1, cap - *len, f);
        if (*len < cap) {
            break;
        }
        char *nb = realloc(buf, 2 * cap);
        if (nb == NULL) {
            free(buf);
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        vc_error_set(err, bad ? VC_EIO : VC_ENOMEM, "%s: %s", path,
                     bad ? "read error" : "out of memory");
        return NULL;
    }
    return buf;
}

vc_link_records *vc_link_records_read(const char *path, vc_error *err)
{
    size_t len;
    char *buf = vci_link_read_file(path, &len, err);
    if (buf == NULL) {
        return NULL;
    }
    vc_link_records *r = vc_link_records_parse(buf, len, path, err);
    free(buf);
    return r;
}
