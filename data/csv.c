/*
 * csv.c: CSV intake.  Reads capture histories into one vc_table per stratum.
 *
 * Two shapes of input are accepted, the ones users of R's Rcapture,
 * SparseMSE and LCMCR already have:
 *   aggregated    one column per list and a count column (count, freq, n,
 *                 in any case, or the column the caller names); one row per
 *                 capture pattern.  Duplicate patterns are summed (with a
 *                 note) and rows with count 0 are ignored.
 *   record level  one row per person and no count column.
 * A list cell is 0/1, yes/no, y/n, true/false or x/empty, in any case.
 * Stratum columns split the rows into one table per distinct combination of
 * their values, in order of first appearance.
 *
 * A list cell is also 0 or 1 written as an exactly whole decimal ("1.0",
 * "0.00"), and a count may be one too ("310.0"), as spreadsheets export
 * them; with a semicolon or TAB delimiter the decimal separator may be a
 * comma ("310,0", the Russian and most European locales).  Any other
 * fraction is refused, and so is exponent notation ("1E+12"): a spreadsheet
 * writes it for a value it has rounded for display.
 *
 * Every column that is neither the count nor a stratum is a list of the
 * file, whatever opts->lists selects: a column whose cells are not list
 * cells is refused, never ignored (the advice says it may be the count, a
 * stratum, or a column to remove).
 *
 * Lists are selected (opts->lists), then merged (opts->merge: "PF+NCA" is
 * the union of PF and NCA, placed where its first-named member was), then
 * omitted (opts->omit).  Rows are accumulated on the selected lists; merging
 * and omission are one vc_table_collapse per stratum.  People seen only by
 * lists left out become unseen: they are counted in ->dropped.
 *
 * The rules, in the order they are checked.  The file is checked as
 * written: no row is accepted or refused differently because of what the
 * options select.
 *   On the bytes, as they stream past (first failure in file order):
 *     E1  the encoding named is unknown to iconv (VC_EINVAL, before
 *         anything is read);
 *     E2  bytes that cannot be converted from the encoding named, or a
 *         character cut short by the end of the file;
 *     E3  bytes that are not UTF-8 (after any conversion), or a NUL byte.
 *   The header, as written:
 *     H1  an empty file, or only blank lines;
 *     H2  a header of numbers only (no header line);
 *     H3  an empty column name;  H4  a name twice.
 *   The options against the header (names the header lacks, a column given
 *   two roles, merge and omit entries: VC_EINVAL), then two columns that
 *   both look like the count (VC_EDATA).  Then what the options select:
 *     S1  more than VC_MAX_LISTS lists selected;
 *     S2  fewer than 2 lists after selection, merging and omission.
 *   Each data row, as written, in file order:
 *     Q   malformed quoting (from libcsv, wherever it occurs);
 *     R1  a number of fields other than the header's;
 *     R2  a list cell that is not a list cell, in any list column of the
 *         file, selected or not (with the advice for that column);
 *     R3  a count that is not a whole number >= 0, or exceeds 2^64 - 1;
 *     R4  counts adding up to more than 2^64 - 1;
 *     R5  a positive count on a row that is 0 on every list of the file.
 *   At the end, as written:
 *     T1  no data rows;  T2  every count 0.
 *   At the end, on what is used:
 *     U1  everybody seen only by lists left out;
 *     U2  a list used that catches nobody in the whole file ("leave it
 *         out": a rule on the selection, which the selection can mend).
 *
 * Parsing.  libcsv (strict mode) splits the fields but keeps no line
 * numbers, so the input is handed to it one physical line at a time (up to
 * and including each '\n').  The current line is then known during every
 * callback, and a field's first line is the current line minus the newlines
 * inside it (only a quoted field can hold one).  Fields are buffered until
 * libcsv reports the end of the record, then the record is checked as a
 * whole, so that a short row is reported as short rather than by its first
 * odd cell.  The delimiter is chosen before libcsv starts, from the header
 * line: the most frequent of comma, semicolon and TAB outside quotes (ties
 * in that order).  Spaces around unquoted fields are trimmed, and TABs too
 * unless TAB is the delimiter.  A UTF-8 byte-order mark is skipped.  Blank
 * lines, and rows whose fields are all empty and unquoted (spreadsheets
 * export these), are skipped.
 *
 * Size.  Files are read in CHUNK_SIZE blocks and each stratum keeps a hash
 * map from pattern mask to count, so reading costs O(rows) time and
 * O(patterns) memory however many rows a record-level file has.
 *
 * Files.  This file holds the reader's life (vc_dataset_read and
 * vc_dataset_parse, with H1 and T1 at the end of the input), the messages
 * and notes, and the reading of one cell value; csv_read.c the bytes up to
 * each record (E1-E3, Q); csv_columns.c the header and the options (H2-H4,
 * S1, S2); csv_dataset.c the rows (R1-R5), the strata and the tables (T2,
 * U1, U2).  They share the reader through csv_impl.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv_impl.h"

/* Bytes read per fread: large enough that per-call costs vanish, small
 * enough that a file of millions of rows is never held in memory. */
#define CHUNK_SIZE ((size_t)1 << 16)

/* ---------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------- */

char *vci_csv_dup_mem(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (copy != NULL) {
        if (n > 0) {
            memcpy(copy, s, n);
        }
        copy[n] = '\0';
    }
    return copy;
}

char *vci_csv_dup_str(const char *s)
{
    return vci_csv_dup_mem(s, strlen(s));
}

int vci_csv_ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Case-insensitive (ASCII) comparison of s[0..n) with the word w. */
static int word_eq(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n != k) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (vci_csv_ascii_lower((unsigned char)s[i]) != w[i]) {
            return 0;
        }
    }
    return 1;
}

/* Grow *p (elements of size elem) so that it holds at least need. */
int vci_csv_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return 0;
    }
    size_t cap2 = *cap ? *cap : 16;
    while (cap2 < need) {
        if (cap2 > SIZE_MAX / 2 / elem) {
            return -1;
        }
        cap2 *= 2;
    }
    void *q = realloc(*p, cap2 * elem);
    if (q == NULL) {
        return -1;
    }
    *p = q;
    *cap = cap2;
    return 0;
}

/* Messages and notes are one line: names and stratum values taken from
 * quoted fields may hold line breaks or other control bytes. */
static void one_line(char *msg)
{
    for (; *msg != '\0'; msg++) {
        if ((unsigned char)*msg < 0x20 || *msg == 0x7f) {
            *msg = '?';
        }
    }
}

/* fmt's text with ap into msg, on one line. */
static void format_line(char msg[VC_ERROR_SIZE], const char *fmt,
                        va_list ap)
{
    vsnprintf(msg, VC_ERROR_SIZE, fmt, ap);
    one_line(msg);
}

/*
 * Record an error through vc_error_set and remember that reading failed.
 * Only the first error counts, as in vc_error itself.
 */
int vci_csv_fail(vci_csv_reader *r, int code, const char *fmt, ...)
{
    if (r->status != VC_OK) {
        return r->status;
    }
    char msg[VC_ERROR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    format_line(msg, fmt, ap);
    va_end(ap);
    r->status = code;
    vc_error_set(r->err, code, "%s", msg);
    return code;
}

/* Tell the caller what it may change (opts->advice), for the error just
 * recorded.  A column name too long for the advice gives none. */
void vci_csv_advise(vci_csv_reader *r, vc_advice_kind kind, const char *column,
                    int may_be_count)
{
    vc_read_advice *a = r->opts->advice;
    if (a == NULL) {
        return;
    }
    if (column != NULL && strlen(column) >= sizeof a->column) {
        return;
    }
    a->kind = kind;
    a->may_be_count = may_be_count;
    snprintf(a->column, sizeof a->column, "%s", column ? column : "");
}

int vci_csv_fail_nomem(vci_csv_reader *r)
{
    return vci_csv_fail(r, VC_ENOMEM, "%s: out of memory while reading",
                        r->source);
}

/* A cell value made safe to quote in a one-line message: control bytes
 * become '?', and long values are cut with "...". */
void vci_csv_echo(char *out, size_t size, const char *s, size_t n)
{
    size_t k = 0;
    if (s == NULL) {
        n = 0;
    }
    for (size_t i = 0; i < n && k + 4 < size; i++) {
        if (i == VCI_CSV_ECHO_MAX) {
            memcpy(out + k, "...", 3);
            k += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        out[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[k] = '\0';
}

/* "A", "B", "C" for a message, cut with ", ..." when it does not fit. */
void vci_csv_join_names(char *out, size_t size, const char *const *v, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *sep = (i > 0) ? ", " : "";
        size_t need = strlen(sep) + strlen(v[i]) + 2;
        if (k + need + 5 >= size) {
            snprintf(out + k, size - k, "%s...", sep);
            return;
        }
        k += (size_t)snprintf(out + k, size - k, "%s\"%s\"", sep, v[i]);
    }
}

int vci_csv_add_note(vci_csv_reader *r, const char *fmt, ...)
{
    char msg[VC_ERROR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    format_line(msg, fmt, ap);
    va_end(ap);
    char *copy = vci_csv_dup_str(msg);
    if (copy == NULL
        || vci_csv_grow((void **)&r->notes, &r->notes_cap, r->nnotes + 1,
                        sizeof *r->notes)
               != 0) {
        free(copy);
        return vci_csv_fail_nomem(r);
    }
    r->notes[r->nnotes++] = copy;
    return VC_OK;
}

/* ---------------------------------------------------------------------
 * Cell values
 * ------------------------------------------------------------------- */

/*
 * The length of the whole part of s[0..n) when the rest is a decimal
 * separator followed by zeros only ("310.0", "310.", and "310,00" when
 * comma is 1), n when there is no separator, 0 when s is something else.
 * The whole part is left to the caller.
 */
static size_t integral_prefix(const char *s, size_t n, int comma)
{
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    if (i == 0 || i == n) {
        return i == n ? n : 0;
    }
    if (s[i] != '.' && !(comma && s[i] == ',')) {
        return 0;
    }
    for (size_t k = i + 1; k < n; k++) {
        if (s[k] != '0') {
            return 0;
        }
    }
    return i;
}

/* 1 or 0 for a list cell, -1 when it is not one of the accepted words.
 * comma: a comma may be the decimal separator ("1,0"). */
int vci_csv_parse_cell(const char *s, size_t n, int comma)
{
    static const char *const yes[] = {"1", "yes", "y", "true", "x"};
    static const char *const no[] = {"0", "no", "n", "false"};
    if (s == NULL || n == 0) {
        return 0;
    }
    /* "1.0" and "0.00": a spreadsheet's whole numbers. */
    if (n > 1 && integral_prefix(s, n, comma) == 1) {
        n = 1;
    }
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (word_eq(s, n, yes[i])) {
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        if (word_eq(s, n, no[i])) {
            return 0;
        }
    }
    return -1;
}

/*
 * A count: decimal digits, optionally followed by a decimal separator and
 * zeros (so "12.0", which spreadsheets write for whole numbers, is 12;
 * comma: "12,0" too).  Returns 0, -1 when it is not a whole number >= 0,
 * -2 when it exceeds UINT64_MAX.
 */
int vci_csv_parse_count(const char *s, size_t n, int comma, uint64_t *out)
{
    uint64_t v = 0;
    int overflow = 0;
    if (s == NULL) {
        return -1;
    }
    size_t whole = integral_prefix(s, n, comma);
    if (whole == 0) {
        return -1;
    }
    for (size_t i = 0; i < whole; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            overflow = 1;
        } else {
            v = v * 10 + d;
        }
    }
    if (overflow) {
        return -2;
    }
    *out = v;
    return 0;
}

/* A number in exponent notation ("1.5E+06", "1e2"): what a spreadsheet
 * writes for a value it has rounded, so it is refused with that reason. */
int vci_csv_is_exponent_form(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    for (;
         i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == ',');
         i++) {
        digits += (s[i] >= '0' && s[i] <= '9');
    }
    if (digits == 0 || i == n || (s[i] != 'e' && s[i] != 'E')) {
        return 0;
    }
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        i++;
    }
    if (i == n) {
        return 0;
    }
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

int vci_csv_is_count_name(const char *s)
{
    size_t n = strlen(s);
    return word_eq(s, n, "count") || word_eq(s, n, "freq")
           || word_eq(s, n, "n");
}

int vci_csv_is_number(const char *s)
{
    if (*s == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if ((*s < '0' || *s > '9') && *s != '.' && *s != '-') {
            return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------------
 * Public interface
 * ------------------------------------------------------------------- */

static void reader_init(vci_csv_reader *r, const char *source,
                        const vc_read_opts *opts, vc_error *err)
{
    static const vc_read_opts defaults;
    memset(r, 0, sizeof *r);
    r->source = source;
    r->opts = opts ? opts : &defaults;
    r->err = err;
    r->line = 1;
    r->at_boundary = 1;
    r->record_line = 1;
    r->u8_line = 1;
    r->cd = (iconv_t)-1;
    if (r->opts->advice != NULL) {
        memset(r->opts->advice, 0, sizeof *r->opts->advice);
    }
}

static void reader_free(vci_csv_reader *r)
{
    if (r->parser_ready) {
        csv_free(&r->parser);
    }
    if (r->cd != (iconv_t)-1) {
        iconv_close(r->cd);
    }
    free(r->cout);
    free(r->head);
    free(r->buf);
    free(r->off);
    free(r->len);
    free(r->fline);
    free(r->null);
    vci_data_free_strings(r->colnames, r->ncols);
    free(r->role);
    free(r->str_col);
    free(r->sel_col);
    free(r->sel_of);
    free(r->file_col);
    free(r->group);
    vci_data_free_strings(r->names, r->J);
    for (size_t i = 0; i < r->nstrata; i++) {
        vci_csv_stratum_free(r->strata[i], r->nstr);
    }
    free(r->strata);
    free(r->slot);
    free(r->keybuf);
    vci_data_free_strings(r->notes, r->nnotes);
}

/* The end of the input: flush libcsv, check what was read, build. */
static vc_dataset *finish(vci_csv_reader *r)
{
    vci_csv_end(r);
    if (r->status != VC_OK) {
        return NULL;
    }
    if (!r->have_header) {
        if (r->nbytes == (r->bom ? 3u : 0u)) {
            vci_csv_fail(r, VC_EDATA,
                         "%s:1: empty file: expected a header line naming the "
                         "columns",
                         r->source);
        } else {
            vci_csv_fail(
                r, VC_EDATA,
                "%s:1: no header: expected a line naming the columns, got "
                "only blank lines",
                r->source);
        }
        return NULL;
    }
    if (r->nrows == 0) {
        vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: no data rows: expected rows after the header line",
            r->source, r->header_line);
        return NULL;
    }
    return vci_csv_build_dataset(r);
}

vc_dataset *vc_dataset_parse(const char *buf, size_t len, const char *source,
                             const vc_read_opts *opts, vc_error *err)
{
    vci_csv_reader r;
    reader_init(&r, source ? source : "<input>", opts, err);
    vc_dataset *d = NULL;
    if (vci_csv_open_decoder(&r) == VC_OK) {
        vci_csv_push(&r, (const unsigned char *)buf, len);
        d = finish(&r);
    }
    reader_free(&r);
    return d;
}

vc_dataset *vc_dataset_read(const char *path, const vc_read_opts *opts,
                            vc_error *err)
{
    vci_csv_reader r;
    reader_init(&r, path, opts, err);
    if (vci_csv_open_decoder(&r) != VC_OK) {
        reader_free(&r);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        char why[128];
        if (strerror_r(e, why, sizeof why) != 0) {
            snprintf(why, sizeof why, "error %d", e);
        }
        vci_csv_fail(&r, VC_EIO, "%s: cannot open: %s", path, why);
        reader_free(&r);
        return NULL;
    }
    unsigned char *chunk = malloc(CHUNK_SIZE);
    if (chunk == NULL) {
        vci_csv_fail_nomem(&r);
    }
    while (chunk != NULL && r.status == VC_OK) {
        size_t got = fread(chunk, 1, CHUNK_SIZE, f);
        vci_csv_push(&r, chunk, got);
        if (got < CHUNK_SIZE) {
            if (ferror(f)) {
                int e = errno;
                char why[128];
                if (strerror_r(e, why, sizeof why) != 0) {
                    snprintf(why, sizeof why, "error %d", e);
                }
                vci_csv_fail(&r, VC_EIO, "%s: cannot read: %s", path, why);
            }
            break;
        }
    }
    free(chunk);
    fclose(f);
    vc_dataset *d = (r.status == VC_OK) ? finish(&r) : NULL;
    reader_free(&r);
    return d;
}

void vc_dataset_free(vc_dataset *d)
{
    if (d == NULL) {
        return;
    }
    free(d->source);
    vci_data_free_strings(d->names, d->J);
    vci_data_free_strings(d->strata_cols, d->nstrata_cols);
    if (d->tables != NULL) {
        for (size_t i = 0; i < d->ntables; i++) {
            vc_table_free(d->tables[i]);
        }
    }
    free(d->tables);
    vci_data_free_strings(d->notes, d->nnotes);
    free(d);
}
