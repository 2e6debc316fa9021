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
 */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "data/vc_data.h"

/* Bytes read per fread: large enough that per-call costs vanish, small
 * enough that a file of millions of rows is never held in memory. */
#define CHUNK_SIZE ((size_t)1 << 16)

/* Growth step of libcsv's field buffer (its default, 128 bytes, makes a
 * long quoted field cost quadratic copying). */
#define CSV_BLOCK 4096

/* Longest cell value quoted back in an error message, in bytes. */
#define ECHO_MAX 40

/* Room for a list of column names inside an error message or note. */
#define NAMES_MAX 300

/* Bytes of UTF-8 produced per iconv call: bounds the memory a conversion
 * takes, whatever the size of the input. */
#define CONV_OUT ((size_t)1 << 16)

/* The longest incomplete character held back between two chunks of
 * converted input (iconv's encodings need at most 6 bytes; more is
 * refused as undecodable). */
#define CONV_CARRY 16

/* The UTF-8 byte-order mark some editors put first. */
static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

/* What a column is used for.  ROLE_UNSELECTED: a list of the file that the
 * selection leaves out (its cells are checked all the same). */
enum { ROLE_IGNORE = 0, ROLE_LIST, ROLE_COUNT, ROLE_STRATUM, ROLE_UNSELECTED };

/*
 * Open-addressing hash map from capture pattern to count.  The all-zero
 * pattern is never stored (it is an error or a dropped person), so mask 0
 * marks an empty slot.
 */
typedef struct {
    uint32_t *mask;
    uint64_t *count;
    size_t cap;    /* power of two, or 0 before the first insertion */
    unsigned bits; /* log2(cap) */
    size_t size;
} pattern_map;

typedef struct {
    char **keys;        /* its values of the stratum columns (owned) */
    unsigned char *key; /* the values encoded as one hash key (owned) */
    size_t keylen;
    uint64_t hash;
    pattern_map pm;
    uint64_t dropped;   /* people 0 on every selected list */
} stratum;

typedef struct {
    const char *source;
    const vc_read_opts *opts;
    vc_error *err;
    int status;

    /* Decoding: the first bytes held back until the encoding is decided,
     * then iconv (conv set) or UTF-8 as it is. */
    unsigned char lead[3];
    size_t nlead;
    int decided;
    int conv;
    iconv_t cd;
    const char *enc_name; /* for messages */
    unsigned char *cout;  /* CONV_OUT bytes of converted output */
    unsigned char carry[CONV_CARRY]; /* an incomplete character */
    size_t ncarry;

    /* UTF-8 check: continuation bytes still expected and their range, and
     * where the bytes are (physical line from 1, byte of the line from 0,
     * the byte where the current character began and its first byte). */
    unsigned u8_need;
    unsigned char u8_lo, u8_hi;
    size_t u8_line, u8_col, u8_start;
    unsigned char u8_lead;

    /* Before the parser starts: the bytes up to the end of the header line,
     * scanned incrementally to choose the delimiter. */
    unsigned char *head;
    size_t head_len, head_cap;
    size_t scan_pos;
    int scan_quoted;
    int scan_nonblank;
    size_t scan_count[3]; /* , ; TAB */
    int started;
    size_t nbytes;        /* bytes pushed so far */
    int bom;              /* the input starts with a byte-order mark */

    struct csv_parser parser;
    int parser_ready;
    unsigned char delim;
    size_t line;          /* physical line being fed to libcsv, from 1 */
    int at_boundary;      /* no field of the next record seen yet */
    size_t record_line;   /* first non-blank line after the last record */
    size_t last_field_line;

    /* The fields of the current record, each NUL-terminated in buf. */
    char *buf;
    size_t buf_len, buf_cap;
    size_t *off, *len, *fline;
    unsigned char *null; /* 1: empty and unquoted */
    size_t nfld, fld_cap;

    /* The header and what each column is. */
    int have_header;
    size_t header_line;
    size_t ncols;
    char **colnames;
    int *role;
    int aggregated;
    size_t count_col;
    size_t nstr;
    size_t *str_col;
    size_t Jsel;          /* selected lists, the bits of the row patterns */
    size_t *sel_col;
    int selection_drops;  /* the selection left some column out */
    size_t nfile;         /* lists of the file, selected or not */
    size_t *file_col;     /* their columns, in file order */
    size_t *sel_of;       /* per column: its index among the selected
                             lists, or SIZE_MAX */
    size_t J;             /* lists after merging and omission */
    uint32_t *group;      /* J masks over the selected lists */
    char **names;         /* J names */
    int collapse;         /* merging or omission is needed */

    /* Strata in order of first appearance, with a hash index. */
    stratum **strata;
    size_t nstrata, strata_cap;
    size_t *slot;         /* index + 1, 0 = empty */
    size_t slot_cap;
    unsigned char *keybuf;
    size_t keybuf_cap;

    size_t nrows;
    uint64_t total;       /* all positive counts so far: bounds every sum */
    uint64_t ndup;
    size_t first_dup_line;
    size_t nempty;
    size_t first_empty_line;

    char **notes;
    size_t nnotes, notes_cap;
} reader;

/* ---------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------- */

static char *dup_mem(const char *s, size_t n)
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

static char *dup_str(const char *s)
{
    return dup_mem(s, strlen(s));
}

static void free_strings(char **v, size_t n)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static int ascii_lower(int c)
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
        if (ascii_lower((unsigned char)s[i]) != w[i]) {
            return 0;
        }
    }
    return 1;
}

/* Grow *p (elements of size elem) so that it holds at least need. */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
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

/*
 * Record an error through vc_error_set and remember that reading failed.
 * Only the first error counts, as in vc_error itself.
 */
static int fail(reader *r, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(reader *r, int code, const char *fmt, ...)
{
    if (r->status != VC_OK) {
        return r->status;
    }
    char msg[VC_ERROR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    one_line(msg);
    r->status = code;
    vc_error_set(r->err, code, "%s", msg);
    return code;
}

/* Tell the caller what it may change (opts->advice), for the error just
 * recorded.  A column name too long for the advice gives none. */
static void advise(reader *r, vc_advice_kind kind, const char *column,
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

static int fail_nomem(reader *r)
{
    return fail(r, VC_ENOMEM, "%s: out of memory while reading", r->source);
}

/* A cell value made safe to quote in a one-line message: control bytes
 * become '?', and long values are cut with "...". */
static void echo(char *out, size_t size, const char *s, size_t n)
{
    size_t k = 0;
    if (s == NULL) {
        n = 0;
    }
    for (size_t i = 0; i < n && k + 4 < size; i++) {
        if (i == ECHO_MAX) {
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
static void join_names(char *out, size_t size, const char *const *v,
                       size_t n)
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

static int add_note(reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int add_note(reader *r, const char *fmt, ...)
{
    char msg[VC_ERROR_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    one_line(msg);
    char *copy = dup_str(msg);
    if (copy == NULL || grow((void **)&r->notes, &r->notes_cap,
                             r->nnotes + 1, sizeof *r->notes) != 0) {
        free(copy);
        return fail_nomem(r);
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
static int parse_cell(const char *s, size_t n, int comma)
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
static int parse_count(const char *s, size_t n, int comma, uint64_t *out)
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
static int is_exponent_form(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    for (; i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'
                     || s[i] == ','); i++) {
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

static int is_count_name(const char *s)
{
    size_t n = strlen(s);
    return word_eq(s, n, "count") || word_eq(s, n, "freq")
           || word_eq(s, n, "n");
}

static int is_number(const char *s)
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
 * Pattern map and strata
 * ------------------------------------------------------------------- */

/* Fibonacci hashing: the top bits of mask times 2^64 / phi. */
static size_t pm_hash(uint32_t mask, unsigned bits)
{
    return (size_t)(((uint64_t)mask * UINT64_C(0x9E3779B97F4A7C15))
                    >> (64 - bits));
}

static int pm_grow(pattern_map *pm)
{
    unsigned bits = pm->cap ? pm->bits + 1 : 4;
    size_t cap = (size_t)1 << bits;
    uint32_t *mask = calloc(cap, sizeof *mask);
    uint64_t *count = malloc(cap * sizeof *count);
    if (mask == NULL || count == NULL) {
        free(mask);
        free(count);
        return -1;
    }
    for (size_t i = 0; i < pm->cap; i++) {
        if (pm->mask[i] != 0) {
            size_t h = pm_hash(pm->mask[i], bits);
            while (mask[h] != 0) {
                h = (h + 1) & (cap - 1);
            }
            mask[h] = pm->mask[i];
            count[h] = pm->count[i];
        }
    }
    free(pm->mask);
    free(pm->count);
    pm->mask = mask;
    pm->count = count;
    pm->cap = cap;
    pm->bits = bits;
    return 0;
}

/* Add c people with pattern mask (non-zero).  *existed: it was there. */
static int pm_add(pattern_map *pm, uint32_t mask, uint64_t c, int *existed)
{
    if ((pm->size + 1) * 2 > pm->cap && pm_grow(pm) != 0) {
        return -1;
    }
    size_t h = pm_hash(mask, pm->bits);
    while (pm->mask[h] != 0 && pm->mask[h] != mask) {
        h = (h + 1) & (pm->cap - 1);
    }
    *existed = (pm->mask[h] == mask);
    if (*existed) {
        pm->count[h] += c;
    } else {
        pm->mask[h] = mask;
        pm->count[h] = c;
        pm->size++;
    }
    return 0;
}

static void stratum_free(stratum *st, size_t nkeys)
{
    if (st == NULL) {
        return;
    }
    free_strings(st->keys, nkeys);
    free(st->key);
    free(st->pm.mask);
    free(st->pm.count);
    free(st);
}

/* 64-bit FNV-1a. */
static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static int slots_insert(reader *r, size_t idx)
{
    if ((r->nstrata + 1) * 2 > r->slot_cap) {
        size_t cap = r->slot_cap ? r->slot_cap * 2 : 64;
        size_t *slot = calloc(cap, sizeof *slot);
        if (slot == NULL) {
            return -1;
        }
        for (size_t i = 0; i < r->slot_cap; i++) {
            if (r->slot[i] != 0) {
                size_t h = (size_t)r->strata[r->slot[i] - 1]->hash
                           & (cap - 1);
                while (slot[h] != 0) {
                    h = (h + 1) & (cap - 1);
                }
                slot[h] = r->slot[i];
            }
        }
        free(r->slot);
        r->slot = slot;
        r->slot_cap = cap;
    }
    size_t h = (size_t)r->strata[idx]->hash & (r->slot_cap - 1);
    while (r->slot[h] != 0) {
        h = (h + 1) & (r->slot_cap - 1);
    }
    r->slot[h] = idx + 1;
    return 0;
}

/* Append a stratum with the values of the current record. */
static stratum *new_stratum(reader *r, size_t keylen, uint64_t hash)
{
    stratum *st = calloc(1, sizeof *st);
    if (st == NULL) {
        return NULL;
    }
    st->keys = calloc(r->nstr ? r->nstr : 1, sizeof *st->keys);
    st->key = malloc(keylen ? keylen : 1);
    int ok = (st->keys != NULL && st->key != NULL);
    for (size_t s = 0; ok && s < r->nstr; s++) {
        size_t c = r->str_col[s];
        st->keys[s] = dup_mem(r->buf + r->off[c], r->len[c]);
        ok = (st->keys[s] != NULL);
    }
    if (ok) {
        ok = grow((void **)&r->strata, &r->strata_cap, r->nstrata + 1,
                  sizeof *r->strata) == 0;
    }
    if (!ok) {
        stratum_free(st, st->keys ? r->nstr : 0);
        return NULL;
    }
    if (keylen > 0) {
        memcpy(st->key, r->keybuf, keylen);
    }
    st->keylen = keylen;
    st->hash = hash;
    r->strata[r->nstrata] = st;
    if (slots_insert(r, r->nstrata) != 0) {
        stratum_free(st, r->nstr);
        return NULL;
    }
    r->nstrata++;
    return st;
}

/* The stratum of the current record, created on first appearance. */
static stratum *find_stratum(reader *r)
{
    if (r->nstr == 0 && r->nstrata == 1) {
        return r->strata[0];
    }
    /* Key: each value's length, then its bytes, so no separator byte can
     * make two different value combinations collide. */
    size_t keylen = 0;
    for (size_t s = 0; s < r->nstr; s++) {
        keylen += sizeof(size_t) + r->len[r->str_col[s]];
    }
    if (grow((void **)&r->keybuf, &r->keybuf_cap, keylen ? keylen : 1, 1)
        != 0) {
        return NULL;
    }
    unsigned char *p = r->keybuf;
    for (size_t s = 0; s < r->nstr; s++) {
        size_t c = r->str_col[s];
        memcpy(p, &r->len[c], sizeof(size_t));
        p += sizeof(size_t);
        if (r->len[c] > 0) {
            memcpy(p, r->buf + r->off[c], r->len[c]);
        }
        p += r->len[c];
    }
    uint64_t hash = hash_bytes(r->keybuf, keylen);
    if (r->slot_cap > 0) {
        size_t h = (size_t)hash & (r->slot_cap - 1);
        while (r->slot[h] != 0) {
            stratum *st = r->strata[r->slot[h] - 1];
            if (st->hash == hash && st->keylen == keylen
                && (keylen == 0 || memcmp(st->key, r->keybuf, keylen) == 0)) {
                return st;
            }
            h = (h + 1) & (r->slot_cap - 1);
        }
    }
    return new_stratum(r, keylen, hash);
}

/* ---------------------------------------------------------------------
 * The header: names, roles, selection, merging and omission
 * ------------------------------------------------------------------- */

static size_t find_column(const reader *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++) {
        if (strcmp(r->colnames[i], name) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* An option names a column the header does not have. */
static int unknown_column(reader *r, const char *what, const char *name)
{
    char avail[NAMES_MAX];
    join_names(avail, sizeof avail, (const char *const *)r->colnames,
               r->ncols);
    return fail(r, VC_EINVAL,
                "%s: %s \"%s\" is not a column of the header; the columns "
                "are %s",
                r->source, what, name, avail);
}

/* Why a column that exists cannot be used as a list. */
static const char *role_name(const reader *r, size_t c)
{
    switch (r->role[c]) {
    case ROLE_COUNT:
        return "it is the count column";
    case ROLE_STRATUM:
        return "it is a stratum column";
    case ROLE_IGNORE:
    case ROLE_UNSELECTED:
        return "it is not among the selected lists";
    default:
        return "it is already a list";
    }
}

/* Index among the selected lists of the list named name, or SIZE_MAX. */
static size_t find_selected(const reader *r, const char *name)
{
    for (size_t k = 0; k < r->Jsel; k++) {
        if (strcmp(r->colnames[r->sel_col[k]], name) == 0) {
            return k;
        }
    }
    return SIZE_MAX;
}

/* The names of the lists of the file, for messages (cut by join_names
 * long before the last of VC_MAX_LISTS could matter). */
static void file_list_names(const reader *r, char *out, size_t size)
{
    const char *v[VC_MAX_LISTS];
    size_t n = r->nfile < VC_MAX_LISTS ? r->nfile : VC_MAX_LISTS;
    for (size_t f = 0; f < n; f++) {
        v[f] = r->colnames[r->file_col[f]];
    }
    join_names(out, size, v, n);
}

/* Count column, stratum columns and the selected lists. */
static int assign_roles(reader *r)
{
    const vc_read_opts *o = r->opts;
    r->role = calloc(r->ncols, sizeof *r->role);
    r->str_col = calloc(o->nstrata ? o->nstrata : 1, sizeof *r->str_col);
    r->sel_col = calloc(r->ncols, sizeof *r->sel_col);
    r->sel_of = calloc(r->ncols, sizeof *r->sel_of);
    r->file_col = calloc(r->ncols, sizeof *r->file_col);
    if (r->role == NULL || r->str_col == NULL || r->sel_col == NULL
        || r->sel_of == NULL || r->file_col == NULL) {
        return fail_nomem(r);
    }
    r->count_col = SIZE_MAX;
    if (o->count_column != NULL) {
        r->count_col = find_column(r, o->count_column);
        if (r->count_col == SIZE_MAX) {
            return unknown_column(r, "count column", o->count_column);
        }
        r->role[r->count_col] = ROLE_COUNT;
    }
    size_t nstrata = (o->strata != NULL) ? o->nstrata : 0;
    for (size_t s = 0; s < nstrata; s++) {
        size_t c = find_column(r, o->strata[s]);
        if (c == SIZE_MAX) {
            return unknown_column(r, "stratum column", o->strata[s]);
        }
        if (r->role[c] != ROLE_IGNORE) {
            return fail(r, VC_EINVAL,
                        "%s: stratum column \"%s\" cannot be used: %s",
                        r->source, o->strata[s],
                        r->role[c] == ROLE_COUNT
                            ? "it is the count column"
                            : "it is named twice");
        }
        r->role[c] = ROLE_STRATUM;
        r->str_col[s] = c;
    }
    r->nstr = nstrata;
    int selected = (o->lists != NULL && o->nlists > 0);
    for (size_t k = 0; selected && k < o->nlists; k++) {
        size_t c = find_column(r, o->lists[k]);
        if (c == SIZE_MAX) {
            return unknown_column(r, "list", o->lists[k]);
        }
        if (r->role[c] != ROLE_IGNORE) {
            return fail(r, VC_EINVAL,
                        "%s: list \"%s\" cannot be used: %s", r->source,
                        o->lists[k],
                        r->role[c] == ROLE_LIST ? "it is named twice"
                                                : role_name(r, c));
        }
        r->role[c] = ROLE_LIST;
        r->sel_col[r->Jsel++] = c;
    }
    if (o->count_column == NULL) {
        /* A column named like a count is the count column, unless the
         * caller made it a list or a stratum. */
        for (size_t c = 0; c < r->ncols; c++) {
            if (r->role[c] != ROLE_IGNORE || !is_count_name(r->colnames[c])) {
                continue;
            }
            if (r->count_col != SIZE_MAX) {
                return fail(r, VC_EDATA,
                            "%s:%zu: columns \"%s\" and \"%s\" both look "
                            "like the count column; name the one to use",
                            r->source, r->header_line,
                            r->colnames[r->count_col], r->colnames[c]);
            }
            r->count_col = c;
        }
        if (r->count_col != SIZE_MAX) {
            r->role[r->count_col] = ROLE_COUNT;
        }
    }
    r->aggregated = (r->count_col != SIZE_MAX);
    /* Every other column is a list of the file; those the selection
     * leaves out are checked all the same. */
    for (size_t c = 0; c < r->ncols; c++) {
        if (r->role[c] != ROLE_IGNORE) {
            continue;
        }
        if (selected) {
            r->role[c] = ROLE_UNSELECTED;
            r->selection_drops = 1;
        } else {
            r->role[c] = ROLE_LIST;
            r->sel_col[r->Jsel++] = c;
        }
    }
    for (size_t c = 0; c < r->ncols; c++) {
        r->sel_of[c] = SIZE_MAX;
        if (r->role[c] == ROLE_LIST || r->role[c] == ROLE_UNSELECTED) {
            r->file_col[r->nfile++] = c;
        }
    }
    for (size_t k = 0; k < r->Jsel; k++) {
        r->sel_of[r->sel_col[k]] = k;
    }
    if (r->Jsel > VC_MAX_LISTS) {
        return fail(r, VC_EDATA,
                    "%s:%zu: %zu list columns; at most %d are supported "
                    "(select some)",
                    r->source, r->header_line, r->Jsel, VC_MAX_LISTS);
    }
    return VC_OK;
}

/*
 * Parse the merge entries into groups over the selected lists.  mgroup[m]
 * is the mask of entry m, mfirst[m] its first-named member, mname[m] its
 * name (members joined by '+', without spaces).
 */
static int parse_merges(reader *r, uint32_t *mgroup, size_t *mfirst,
                        char **mname)
{
    const vc_read_opts *o = r->opts;
    uint32_t used = 0;
    for (size_t m = 0; m < o->nmerge; m++) {
        const char *entry = o->merge[m];
        size_t elen = strlen(entry);
        char *name = malloc(elen + 1);
        char *tok = malloc(elen + 1);
        if (name == NULL || tok == NULL) {
            free(name);
            free(tok);
            return fail_nomem(r);
        }
        mname[m] = name;
        name[0] = '\0';
        size_t members = 0;
        size_t nlen = 0;
        const char *p = entry;
        for (;;) {
            const char *end = strchr(p, '+');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            while (n > 0 && (*p == ' ' || *p == '\t')) {
                p++;
                n--;
            }
            while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
                n--;
            }
            memcpy(tok, p, n);
            tok[n] = '\0';
            if (n == 0) {
                free(tok);
                return fail(r, VC_EINVAL, "%s: merge \"%s\": empty list name",
                            r->source, entry);
            }
            size_t k = find_selected(r, tok);
            if (k == SIZE_MAX) {
                size_t c = find_column(r, tok);
                int code = (c == SIZE_MAX)
                               ? unknown_column(r, "merged list", tok)
                               : fail(r, VC_EINVAL,
                                      "%s: merge \"%s\": \"%s\" is not a "
                                      "list (%s)",
                                      r->source, entry, tok, role_name(r, c));
                free(tok);
                return code;
            }
            if (((used | mgroup[m]) >> k & 1u) != 0) {
                free(tok);
                return fail(r, VC_EINVAL,
                            "%s: merge \"%s\": list \"%s\" is merged twice",
                            r->source, entry, r->colnames[r->sel_col[k]]);
            }
            /* The name is no longer than the entry: tokens lose their
             * spaces and keep their '+' separators. */
            if (members == 0) {
                mfirst[m] = k;
            } else {
                name[nlen++] = '+';
            }
            memcpy(name + nlen, tok, n + 1);
            nlen += n;
            mgroup[m] |= 1u << k;
            members++;
            if (end == NULL) {
                break;
            }
            p = end + 1;
        }
        free(tok);
        if (members < 2) {
            return fail(r, VC_EINVAL,
                        "%s: merge \"%s\": a merge needs two or more lists "
                        "joined by '+'",
                        r->source, entry);
        }
        used |= mgroup[m];
    }
    return VC_OK;
}

/* Merging and omission: the final lists as groups of selected lists. */
static int final_lists(reader *r)
{
    const vc_read_opts *o = r->opts;
    size_t nm = (o->merge != NULL) ? o->nmerge : 0;
    size_t no = (o->omit != NULL) ? o->nomit : 0;
    uint32_t *mgroup = calloc(nm ? nm : 1, sizeof *mgroup);
    size_t *mfirst = calloc(nm ? nm : 1, sizeof *mfirst);
    char **mname = calloc(nm ? nm : 1, sizeof *mname);
    uint32_t group[VC_MAX_LISTS];
    const char *name[VC_MAX_LISTS];
    int omitted[VC_MAX_LISTS] = {0};
    size_t J0 = 0;
    int status = VC_OK;
    if (mgroup == NULL || mfirst == NULL || mname == NULL) {
        status = fail_nomem(r);
        goto done;
    }
    status = (nm > 0) ? parse_merges(r, mgroup, mfirst, mname) : VC_OK;
    if (status != VC_OK) {
        goto done;
    }
    /* A merged list takes the place of its first-named member. */
    for (size_t k = 0; k < r->Jsel; k++) {
        size_t m = 0;
        while (m < nm && (mgroup[m] >> k & 1u) == 0) {
            m++;
        }
        if (m == nm) {
            group[J0] = 1u << k;
            name[J0++] = r->colnames[r->sel_col[k]];
        } else if (mfirst[m] == k) {
            group[J0] = mgroup[m];
            name[J0++] = mname[m];
        }
    }
    /* A merged list is named by its members joined with '+', which a
     * column may already be called; two lists of one name could not be
     * told apart (by --omit, --model, or in any output). */
    for (size_t a = 0; a < J0; a++) {
        for (size_t b = 0; b < a; b++) {
            if (strcmp(name[a], name[b]) == 0) {
                status = fail(r, VC_EINVAL,
                              "%s: the merged list \"%s\" would have the "
                              "name of another list; rename that column, "
                              "or name the merged lists in another order",
                              r->source, name[a]);
                goto done;
            }
        }
    }
    for (size_t i = 0; i < no; i++) {
        size_t j = 0;
        while (j < J0 && strcmp(name[j], o->omit[i]) != 0) {
            j++;
        }
        if (j < J0) {
            omitted[j] = 1;
            continue;
        }
        size_t k = find_selected(r, o->omit[i]);
        size_t c = find_column(r, o->omit[i]);
        if (k != SIZE_MAX) {
            size_t m = 0;
            while (m < nm && (mgroup[m] >> k & 1u) == 0) {
                m++;
            }
            status = fail(r, VC_EINVAL,
                          "%s: omitted list \"%s\" was merged into \"%s\"; "
                          "omit the merged list or leave it out of the "
                          "merge",
                          r->source, o->omit[i], m < nm ? mname[m] : "?");
        } else if (c != SIZE_MAX) {
            status = fail(r, VC_EINVAL,
                          "%s: omitted list \"%s\" is not a list (%s)",
                          r->source, o->omit[i], role_name(r, c));
        } else {
            status = unknown_column(r, "omitted list", o->omit[i]);
        }
        goto done;
    }
    r->J = 0;
    r->group = calloc(J0 ? J0 : 1, sizeof *r->group);
    r->names = calloc(J0 ? J0 : 1, sizeof *r->names);
    if (r->group == NULL || r->names == NULL) {
        status = fail_nomem(r);
        goto done;
    }
    for (size_t j = 0; j < J0; j++) {
        if (omitted[j]) {
            continue;
        }
        r->names[r->J] = dup_str(name[j]);
        if (r->names[r->J] == NULL) {
            status = fail_nomem(r);
            goto done;
        }
        r->group[r->J++] = group[j];
    }
    r->collapse = (nm > 0 || r->J < J0);
    if (r->J < 2) {
        char have[NAMES_MAX];
        join_names(have, sizeof have, (const char *const *)r->names, r->J);
        status = fail(r, VC_EDATA,
                      "%s:%zu: %zu list%s (%s) after selection, merging and "
                      "omission; at least 2 lists are needed",
                      r->source, r->header_line, r->J, r->J == 1 ? "" : "s",
                      r->J > 0 ? have : "none");
    }
done:
    free_strings(mname, mname ? nm : 0);
    free(mgroup);
    free(mfirst);
    return status;
}

static int process_header(reader *r)
{
    r->have_header = 1;
    r->header_line = r->fline[0];
    r->ncols = r->nfld;
    r->colnames = calloc(r->ncols, sizeof *r->colnames);
    if (r->colnames == NULL) {
        return fail_nomem(r);
    }
    int numeric = 1;
    for (size_t c = 0; c < r->ncols; c++) {
        r->colnames[c] = dup_mem(r->buf + r->off[c], r->len[c]);
        if (r->colnames[c] == NULL) {
            return fail_nomem(r);
        }
        numeric = numeric && is_number(r->colnames[c]);
    }
    if (numeric) {
        return fail(r, VC_EDATA,
                    "%s:%zu: no header: column 1 is \"%s\", a number; the "
                    "first line must name the columns",
                    r->source, r->header_line, r->colnames[0]);
    }
    for (size_t c = 0; c < r->ncols; c++) {
        if (r->len[c] == 0) {
            return fail(r, VC_EDATA,
                        "%s:%zu: column %zu: expected a column name in the "
                        "header, got an empty field%s",
                        r->source, r->header_line, c + 1,
                        c == 0 ? " (row names? R's write.csv needs "
                                 "row.names = FALSE)"
                               : "");
        }
        for (size_t d = 0; d < c; d++) {
            if (strcmp(r->colnames[c], r->colnames[d]) == 0) {
                return fail(r, VC_EDATA,
                            "%s:%zu: column \"%s\": the name appears twice in "
                            "the header (columns %zu and %zu)",
                            r->source, r->header_line, r->colnames[c], d + 1,
                            c + 1);
            }
        }
    }
    if (assign_roles(r) != VC_OK) {
        return r->status;
    }
    return final_lists(r);
}

/* ---------------------------------------------------------------------
 * Data rows
 * ------------------------------------------------------------------- */

static int process_row(reader *r)
{
    size_t line = r->fline[0];
    char got[ECHO_MAX + 8];
    r->nrows++;
    if (r->nfld != r->ncols) {
        size_t last = (r->nfld < r->ncols) ? r->nfld : r->ncols;
        return fail(r, VC_EDATA,
                    "%s:%zu: expected %zu fields as in the header, got %zu "
                    "(%s column \"%s\")",
                    r->source, line, r->ncols, r->nfld,
                    r->nfld < r->ncols ? "the row ends after"
                                       : "extra fields after",
                    r->colnames[last - 1]);
    }
    /* Every list of the file, selected or not, in file order. */
    int comma = (r->delim != ',');
    uint32_t mask = 0;
    int seen = 0; /* 1 on some list of the file */
    for (size_t f = 0; f < r->nfile; f++) {
        size_t c = r->file_col[f];
        const char *s = r->null[c] ? NULL : r->buf + r->off[c];
        int v = parse_cell(s, r->len[c], comma);
        if (v < 0) {
            echo(got, sizeof got, s, r->len[c]);
            /* A column the caller did not name as a list is one only
             * because it is neither the count nor a stratum: it may be
             * either, or not belong in the file. */
            int named = r->opts->lists != NULL && r->opts->nlists > 0
                        && r->role[c] == ROLE_LIST;
            uint64_t ignored;
            fail(r, VC_EDATA,
                 "%s:%zu: column \"%s\": expected 0 or 1 (or yes/no, "
                 "true/false, x/empty), got \"%s\"",
                 r->source, r->fline[c], r->colnames[c], got);
            if (!named) {
                advise(r, VC_ADVICE_COLUMN, r->colnames[c],
                       !r->aggregated
                           && parse_count(s, r->len[c], comma, &ignored)
                                  == 0);
            }
            return r->status;
        }
        seen |= v;
        if (r->sel_of[c] != SIZE_MAX) {
            mask |= (uint32_t)v << r->sel_of[c];
        }
    }
    uint64_t count = 1;
    if (r->aggregated) {
        size_t c = r->count_col;
        const char *s = r->null[c] ? NULL : r->buf + r->off[c];
        int status = parse_count(s, r->len[c], comma, &count);
        if (status != 0) {
            echo(got, sizeof got, s, r->len[c]);
            if (status == -2) {
                return fail(r, VC_EDATA,
                            "%s:%zu: column \"%s\": expected a count of at "
                            "most %llu, got \"%s\"",
                            r->source, r->fline[c], r->colnames[c],
                            (unsigned long long)UINT64_MAX, got);
            }
            return fail(r, VC_EDATA,
                        "%s:%zu: column \"%s\": expected a count (a whole "
                        "number >= 0), got \"%s\"%s",
                        r->source, r->fline[c], r->colnames[c], got,
                        is_exponent_form(s, r->len[c])
                            ? " (exponent notation, which a spreadsheet "
                              "writes for a value it has rounded: format "
                              "the column as whole numbers)"
                            : "");
        }
    }
    stratum *st = find_stratum(r);
    if (st == NULL) {
        return fail_nomem(r);
    }
    if (count == 0) {
        return VC_OK;
    }
    if (UINT64_MAX - r->total < count) {
        /* Only a count column can get here: 2^64 rows cannot be read. */
        return fail(r, VC_EDATA,
                    "%s:%zu: column \"%s\": expected the counts to add up "
                    "to at most %llu, got more",
                    r->source, line, r->colnames[r->count_col],
                    (unsigned long long)UINT64_MAX);
    }
    r->total += count;
    if (!seen) {
        char cols[NAMES_MAX];
        file_list_names(r, cols, sizeof cols);
        return fail(r, VC_EDATA,
                    "%s:%zu: columns %s: expected at least one 1, got all 0 "
                    "or empty%s: unobserved people cannot be in the data",
                    r->source, line, cols,
                    r->aggregated ? " with a positive count" : "");
    }
    if (mask == 0) {
        /* Seen, but only by lists the selection left out. */
        st->dropped += count;
        return VC_OK;
    }
    int existed;
    if (pm_add(&st->pm, mask, count, &existed) != 0) {
        return fail_nomem(r);
    }
    /* Rows that agree on the selected lists but differ on columns left out
     * are summed by design; only a full-width repeat is a duplicate. */
    if (existed && r->aggregated && !r->selection_drops) {
        if (r->ndup == 0) {
            r->first_dup_line = line;
        }
        r->ndup++;
    }
    return VC_OK;
}

/* ---------------------------------------------------------------------
 * libcsv callbacks and feeding
 * ------------------------------------------------------------------- */

static size_t count_newlines(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        k += (s[i] == '\n');
    }
    return k;
}

static void on_field(void *s, size_t n, void *data)
{
    reader *r = data;
    if (r->status != VC_OK) {
        return;
    }
    if (grow((void **)&r->buf, &r->buf_cap, r->buf_len + n + 1, 1) != 0) {
        fail_nomem(r);
        return;
    }
    size_t need = r->nfld + 1;
    size_t cap = r->fld_cap;
    if (need > cap) {
        size_t c1 = cap, c2 = cap, c3 = cap, c4 = cap;
        if (grow((void **)&r->off, &c1, need, sizeof *r->off) != 0
            || grow((void **)&r->len, &c2, need, sizeof *r->len) != 0
            || grow((void **)&r->fline, &c3, need, sizeof *r->fline) != 0
            || grow((void **)&r->null, &c4, need, sizeof *r->null) != 0) {
            fail_nomem(r);
            return;
        }
        r->fld_cap = c1;
    }
    if (n > 0) {
        memcpy(r->buf + r->buf_len, s, n);
    }
    r->buf[r->buf_len + n] = '\0';
    r->off[r->nfld] = r->buf_len;
    r->len[r->nfld] = n;
    r->null[r->nfld] = (s == NULL);
    r->fline[r->nfld] = r->line - count_newlines(s ? s : "", n);
    r->buf_len += n + 1;
    r->nfld++;
    r->last_field_line = r->line;
}

static void on_record(int c, void *data)
{
    reader *r = data;
    (void)c;
    if (r->status == VC_OK) {
        int empty = 1;
        for (size_t i = 0; i < r->nfld && empty; i++) {
            empty = r->null[i];
        }
        if (empty) {
            if (r->nempty == 0) {
                r->first_empty_line = r->fline[0];
            }
            r->nempty++;
        } else if (!r->have_header) {
            process_header(r);
        } else {
            process_row(r);
        }
    }
    r->nfld = 0;
    r->buf_len = 0;
    r->at_boundary = 1;
}

/* Where the field libcsv is in the middle of began, for messages. */
static size_t open_field_line(const reader *r)
{
    return (r->nfld > 0) ? r->last_field_line : r->record_line;
}

static void column_desc(const reader *r, size_t c, char *out, size_t size)
{
    if (r->have_header && c < r->ncols) {
        snprintf(out, size, "column \"%s\"", r->colnames[c]);
    } else {
        snprintf(out, size, "column %zu", c + 1);
    }
}

static int csv_failure(reader *r, int code, size_t line)
{
    char col[NAMES_MAX];
    column_desc(r, r->nfld, col, sizeof col);
    if (code == CSV_ENOMEM) {
        return fail_nomem(r);
    }
    return fail(r, VC_EDATA,
                "%s:%zu: %s: malformed quoting: expected a field with a "
                "quote to be enclosed in quotes, with each inner quote "
                "doubled (libcsv: %s)",
                r->source, line, col, csv_strerror(code));
}

static int is_blank(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
            return 0;
        }
    }
    return 1;
}

/* Feed bytes to libcsv one physical line at a time. */
static void feed(reader *r, const unsigned char *p, size_t n)
{
    while (n > 0 && r->status == VC_OK) {
        const unsigned char *nl = memchr(p, '\n', n);
        size_t seg = nl ? (size_t)(nl - p) + 1 : n;
        if (r->at_boundary && !is_blank(p, seg)) {
            r->at_boundary = 0;
            r->record_line = r->line;
        }
        size_t done = csv_parse(&r->parser, p, seg, on_field, on_record, r);
        if (r->status != VC_OK) {
            return;
        }
        if (done < seg) {
            csv_failure(r, csv_error(&r->parser), r->line);
            return;
        }
        if (nl != NULL) {
            r->line++;
        }
        p += seg;
        n -= seg;
    }
}

static int space_or_tab(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static int space_only(unsigned char c)
{
    return c == ' ';
}

/* Choose the delimiter, start libcsv and feed it what was held back. */
static void start_parser(reader *r)
{
    static const unsigned char delims[3] = {',', ';', '\t'};
    size_t best = 0;
    for (size_t i = 1; i < 3; i++) {
        if (r->scan_count[i] > r->scan_count[best]) {
            best = i;
        }
    }
    r->delim = delims[best];
    r->started = 1;
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL)
        != 0) {
        fail_nomem(r);
        return;
    }
    r->parser_ready = 1;
    csv_set_delim(&r->parser, r->delim);
    csv_set_space_func(&r->parser,
                       r->delim == '\t' ? space_only : space_or_tab);
    csv_set_blk_size(&r->parser, CSV_BLOCK);
    r->bom = (r->head_len >= 3 && memcmp(r->head, utf8_bom, 3) == 0);
    size_t skip = r->bom ? 3 : 0;
    if (r->head_len > skip) {
        feed(r, r->head + skip, r->head_len - skip);
    }
    free(r->head);
    r->head = NULL;
    r->head_len = r->head_cap = 0;
}

/*
 * Scan the held-back bytes for the end of the header line (the first '\n'
 * outside quotes that ends a non-blank line), counting candidate delimiters
 * on that line.  Returns 1 when the header line is complete.
 */
static int scan_header(reader *r)
{
    if (r->scan_pos == 0) {
        size_t k = r->head_len < 3 ? r->head_len : 3;
        if (memcmp(r->head, utf8_bom, k) == 0) {
            if (k < 3) {
                return 0; /* perhaps the start of a byte-order mark */
            }
            r->scan_pos = 3;
        }
    }
    for (; r->scan_pos < r->head_len; r->scan_pos++) {
        unsigned char c = r->head[r->scan_pos];
        if (c == '"') {
            r->scan_quoted = !r->scan_quoted;
            r->scan_nonblank = 1;
        } else if (r->scan_quoted) {
            continue;
        } else if (c == '\n') {
            if (r->scan_nonblank) {
                return 1;
            }
            memset(r->scan_count, 0, sizeof r->scan_count);
        } else if (c == ',' || c == ';') {
            r->scan_count[c == ';']++;
            r->scan_nonblank = 1;
        } else if (c == '\t') {
            r->scan_count[2]++;
        } else if (c != ' ' && c != '\r') {
            r->scan_nonblank = 1;
        }
    }
    return 0;
}

/* UTF-8 text, checked: hold back the header line, then feed libcsv. */
static void push_text(reader *r, const unsigned char *p, size_t n)
{
    if (r->status != VC_OK || n == 0) {
        return;
    }
    r->nbytes += n;
    if (r->started) {
        feed(r, p, n);
        return;
    }
    if (grow((void **)&r->head, &r->head_cap, r->head_len + n, 1) != 0) {
        fail_nomem(r);
        return;
    }
    memcpy(r->head + r->head_len, p, n);
    r->head_len += n;
    if (scan_header(r)) {
        start_parser(r);
    }
}

/* ---------------------------------------------------------------------
 * Encodings: the bytes as read, to checked UTF-8 text
 * ------------------------------------------------------------------- */

/* "column \"X\"" and sep, for a message about the byte being read, when
 * the header is known; "" before. */
static void where_in_row(const reader *r, const char *sep, char *out,
                         size_t size)
{
    if (r->started && r->have_header) {
        char col[NAMES_MAX];
        column_desc(r, r->nfld, col, sizeof col);
        snprintf(out, size, "%s%s", col, sep);
    } else {
        out[0] = '\0';
    }
}

/*
 * Check the UTF-8 of p[0..n), continuing from the bytes before: the
 * well-formed byte sequences of the Unicode Standard 15.0, section 3.9,
 * table 3-7 (no overlong forms, surrogates or code points above U+10FFFF).
 * NUL is refused too: no text file holds one, and UTF-16 without a
 * byte-order mark is full of them.  Returns the index of the first byte
 * refused, or n.
 */
static size_t utf8_check(reader *r, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (r->u8_need > 0) {
            if (c < r->u8_lo || c > r->u8_hi) {
                return i;
            }
            r->u8_lo = 0x80;
            r->u8_hi = 0xBF;
            r->u8_need--;
            r->u8_col++;
            continue;
        }
        if (c != 0 && c < 0x80) {
            if (c == '\n') {
                r->u8_line++;
                r->u8_col = 0;
            } else {
                r->u8_col++;
            }
            continue;
        }
        r->u8_start = r->u8_col;
        r->u8_lead = c;
        r->u8_lo = 0x80;
        r->u8_hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            r->u8_need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            r->u8_need = 2;
            r->u8_lo = (c == 0xE0) ? 0xA0 : 0x80;
            r->u8_hi = (c == 0xED) ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            r->u8_need = 3;
            r->u8_lo = (c == 0xF0) ? 0x90 : 0x80;
            r->u8_hi = (c == 0xF4) ? 0x8F : 0xBF;
        } else {
            return i; /* NUL, a continuation byte, 0xC0, 0xC1, 0xF5-0xFF */
        }
        r->u8_col++;
    }
    return n;
}

/* The byte c (or the character begun before it) is not UTF-8. */
static void utf8_failure(reader *r, unsigned char c, int at_end)
{
    char where[NAMES_MAX + 4];
    where_in_row(r, ", ", where, sizeof where);
    int begun = (r->u8_need > 0);
    unsigned char b = begun ? r->u8_lead : c;
    size_t col = (begun ? r->u8_start : r->u8_col) + 1;
    if (b == 0) {
        fail(r, VC_EDATA,
             "%s:%zu: %sbyte %zu of the line: expected text, got a NUL "
             "byte: the file may be UTF-16 without a byte-order mark",
             r->source, r->u8_line, where, col);
    } else {
        fail(r, VC_EDATA,
             "%s:%zu: %sbyte %zu of the line: expected UTF-8, got the byte "
             "0x%02X%s: the file is %sin another encoding (such as "
             "cp1251, which Excel writes for Russian on Windows, koi8-r or "
             "latin1)",
             r->source, r->u8_line, where, col, b,
             at_end ? " cut short by the end of the file" : "",
             at_end ? "cut short or " : "");
    }
    if (!r->conv) {
        advise(r, VC_ADVICE_ENCODING, NULL, 0);
    }
}

/* UTF-8 text as it comes (converted or not): checked, then parsed.  The
 * bytes before a bad one are parsed first, so that an error earlier in
 * the file is reported first and the column of the bad byte is known. */
static void push_utf8(reader *r, const unsigned char *p, size_t n)
{
    if (r->status != VC_OK || n == 0) {
        return;
    }
    size_t ok = utf8_check(r, p, n);
    push_text(r, p, ok);
    if (ok < n && r->status == VC_OK) {
        utf8_failure(r, p[ok], 0);
    }
}

/* Bytes of the named encoding that iconv cannot read. */
static void conv_failure(reader *r, unsigned char c, int at_end)
{
    char where[NAMES_MAX + 4];
    where_in_row(r, ": ", where, sizeof where);
    if (at_end) {
        fail(r, VC_EDATA,
             "%s:%zu: %sexpected text in %s, got a character cut short by "
             "the end of the file",
             r->source, r->u8_line, where, r->enc_name);
    } else {
        fail(r, VC_EDATA,
             "%s:%zu: %sexpected text in %s, got the byte 0x%02X, which "
             "does not begin a character of %s: is the file in that "
             "encoding?",
             r->source, r->u8_line, where, r->enc_name, c, r->enc_name);
    }
}

/* Convert in[0..len) and pass the UTF-8 on, CONV_OUT bytes at a time.
 * *used: the bytes converted.  Returns 0 when all were, else iconv's
 * errno (EILSEQ: an invalid sequence at in + *used; EINVAL: an incomplete
 * one at the end). */
static int convert(reader *r, const unsigned char *in, size_t len,
                   size_t *used)
{
    char *ip = (char *)in;
    size_t il = len;
    int e = 0;
    while (il > 0 && r->status == VC_OK) {
        char *op = (char *)r->cout;
        size_t ol = CONV_OUT;
        e = (iconv(r->cd, &ip, &il, &op, &ol) == (size_t)-1) ? errno : 0;
        push_utf8(r, r->cout, CONV_OUT - ol);
        if (e != E2BIG) {
            break;
        }
        e = 0;
    }
    *used = len - il;
    return e;
}

/* Bytes in the named encoding.  A character split between two reads is
 * held in r->carry until its end comes. */
static void decode(reader *r, const unsigned char *p, size_t n)
{
    if (!r->conv) {
        push_utf8(r, p, n);
        return;
    }
    while (n > 0 && r->status == VC_OK) {
        size_t used = 0;
        if (r->ncarry > 0) {
            size_t old = r->ncarry;
            size_t take = (n < CONV_CARRY - old) ? n : CONV_CARRY - old;
            memcpy(r->carry + old, p, take);
            int e = convert(r, r->carry, old + take, &used);
            if (r->status != VC_OK) {
                return;
            }
            if (used > old) { /* the held character is complete */
                r->ncarry = 0;
                p += used - old;
                n -= used - old;
                continue;
            }
            if (e == EINVAL && take == n && old + take < CONV_CARRY) {
                r->ncarry = old + take;
                return;
            }
            conv_failure(r, r->carry[0], 0);
            return;
        }
        int e = convert(r, p, n, &used);
        if (r->status != VC_OK || e == 0) {
            return;
        }
        p += used;
        n -= used;
        if (e == EINVAL && n < CONV_CARRY) {
            memcpy(r->carry, p, n);
            r->ncarry = n;
            return;
        }
        conv_failure(r, *p, 0);
        return;
    }
}

/* 1 when name is UTF-8 however spelt (utf8, UTF_8, ...). */
static int names_utf8(const char *name)
{
    char k[5];
    size_t m = 0;
    for (; *name != '\0'; name++) {
        if (*name == '-' || *name == '_') {
            continue;
        }
        if (m == 4) {
            return 0;
        }
        k[m++] = (char)ascii_lower((unsigned char)*name);
    }
    return m == 4 && memcmp(k, "utf8", 4) == 0;
}

/* Start converting from the encoding name (enc_name keeps it for
 * messages).  Returns VC_OK or the status. */
static int open_iconv(reader *r, const char *name)
{
    r->cd = iconv_open("UTF-8", name);
    if (r->cd == (iconv_t)-1) {
        int e = errno;
        if (e == EINVAL) {
            advise(r, VC_ADVICE_ENCODING_NAME, NULL, 0);
            return fail(r, VC_EINVAL,
                        "%s: unknown encoding \"%s\" (iconv knows names such "
                        "as cp1251, koi8-r, latin1, utf-16, utf-16le)",
                        r->source, name);
        }
        return fail_nomem(r);
    }
    r->conv = 1;
    r->enc_name = name;
    r->cout = malloc(CONV_OUT);
    return r->cout == NULL ? fail_nomem(r) : VC_OK;
}

/* Before any byte is read: the encoding the caller named, if any. */
static int open_decoder(reader *r)
{
    const char *name = r->opts->encoding;
    if (name == NULL || names_utf8(name)) {
        return VC_OK;
    }
    if (name[0] == '\0') {
        /* iconv reads "" as the locale's encoding: not a name. */
        advise(r, VC_ADVICE_ENCODING_NAME, NULL, 0);
        return fail(r, VC_EINVAL, "%s: unknown encoding \"\"", r->source);
    }
    return open_iconv(r, name);
}

/* The first bytes have come (or all there are): a UTF-16 byte-order mark
 * decides the encoding when none was named; a UTF-8 one contradicts a
 * name.  Then the bytes held back go on. */
static void decide(reader *r)
{
    size_t skip = 0;
    r->decided = 1;
    if (r->conv) {
        if (r->nlead == 3 && memcmp(r->lead, utf8_bom, 3) == 0) {
            fail(r, VC_EDATA,
                 "%s:1: expected text in %s, got a UTF-8 byte-order mark: "
                 "the file is UTF-8",
                 r->source, r->enc_name);
            return;
        }
    } else if (r->nlead >= 2 && ((r->lead[0] == 0xFF && r->lead[1] == 0xFE)
                                 || (r->lead[0] == 0xFE
                                     && r->lead[1] == 0xFF))) {
        if (open_iconv(r, r->lead[0] == 0xFF ? "UTF-16LE" : "UTF-16BE")
            != VC_OK) {
            return;
        }
        skip = 2;
    }
    decode(r, r->lead + skip, r->nlead - skip);
}

/* The bytes as read. */
static void push(reader *r, const unsigned char *p, size_t n)
{
    if (r->status != VC_OK || n == 0) {
        return;
    }
    if (!r->decided) {
        while (n > 0 && r->nlead < sizeof r->lead) {
            r->lead[r->nlead++] = *p++;
            n--;
        }
        if (r->nlead < sizeof r->lead) {
            return;
        }
        decide(r);
    }
    if (n > 0 && r->status == VC_OK) {
        decode(r, p, n);
    }
}

/* The end of the bytes: what was held back, a character cut short. */
static void end_of_input(reader *r)
{
    if (r->status == VC_OK && !r->decided) {
        decide(r);
    }
    if (r->status == VC_OK && r->conv) {
        if (r->ncarry > 0) {
            conv_failure(r, r->carry[0], 1);
        } else {
            /* Return a stateful encoding to its initial state. */
            char *op = (char *)r->cout;
            size_t ol = CONV_OUT;
            if (iconv(r->cd, NULL, NULL, &op, &ol) != (size_t)-1) {
                push_utf8(r, r->cout, CONV_OUT - ol);
            }
        }
    }
    if (r->status == VC_OK && r->u8_need > 0) {
        utf8_failure(r, r->u8_lead, 1);
    }
}

/* ---------------------------------------------------------------------
 * Building the dataset
 * ------------------------------------------------------------------- */

/* One table over the final lists from a stratum's pattern map. */
static vc_table *stratum_table(reader *r, const stratum *st,
                               const char *const *selnames)
{
    vc_error local;
    vc_error_clear(&local);
    size_t npat = st->pm.size;
    uint32_t *pat = malloc((npat ? npat : 1) * sizeof *pat);
    uint64_t *cnt = malloc((npat ? npat : 1) * sizeof *cnt);
    vc_table *t = NULL;
    if (pat == NULL || cnt == NULL) {
        fail_nomem(r);
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < st->pm.cap; i++) {
        if (st->pm.mask[i] != 0) {
            pat[k] = st->pm.mask[i];
            cnt[k++] = st->pm.count[i];
        }
    }
    t = vc_table_from_counts(r->Jsel, selnames, npat, pat, cnt, &local);
    if (t != NULL) {
        t->dropped = st->dropped;
    }
    if (t != NULL && r->collapse) {
        vc_table *c = vc_table_collapse(t, r->J, r->group,
                                        (const char *const *)r->names,
                                        &local);
        vc_table_free(t);
        t = c;
    }
    if (t != NULL && r->nstr > 0
        && vc_table_set_stratum(t, r->nstr, (const char *const *)st->keys,
                                &local) != VC_OK) {
        vc_table_free(t);
        t = NULL;
    }
    if (t == NULL) {
        fail(r, local.code, "%s: %s", r->source, local.msg);
    }
done:
    free(pat);
    free(cnt);
    return t;
}

/* Leave out of t the lists that saw nobody in its stratum, with a note. */
static vc_table *drop_empty_lists(reader *r, vc_table *t)
{
    uint32_t seen = 0;
    for (size_t i = 0; i < t->npat; i++) {
        seen |= t->pattern[i];
    }
    uint32_t group[VC_MAX_LISTS];
    const char *keep[VC_MAX_LISTS];
    const char *gone[VC_MAX_LISTS];
    size_t nkeep = 0, ngone = 0;
    for (size_t j = 0; j < t->J; j++) {
        if (seen >> j & 1u) {
            group[nkeep] = 1u << j;
            keep[nkeep++] = t->names[j];
        } else {
            gone[ngone++] = t->names[j];
        }
    }
    if (ngone == 0) {
        return t;
    }
    char list[NAMES_MAX];
    join_names(list, sizeof list, gone, ngone);
    if (add_note(r,
                 "stratum \"%s\": list%s %s saw nobody there and %s left out "
                 "of its table",
                 t->label ? t->label : "", ngone > 1 ? "s" : "", list,
                 ngone > 1 ? "are" : "is") != VC_OK) {
        vc_table_free(t);
        return NULL;
    }
    vc_error local;
    vc_error_clear(&local);
    vc_table *c = vc_table_collapse(t, nkeep, group, keep, &local);
    vc_table_free(t);
    if (c == NULL) {
        fail(r, local.code, "%s: %s", r->source, local.msg);
    }
    return c;
}

static vc_dataset *build_dataset(reader *r)
{
    vc_dataset *d = calloc(1, sizeof *d);
    vc_table **all = calloc(r->nstrata ? r->nstrata : 1, sizeof *all);
    uint64_t total[VC_MAX_LISTS] = {0};
    const char *selnames[VC_MAX_LISTS];
    if (d == NULL || all == NULL) {
        fail_nomem(r);
        goto fail;
    }
    d->source = dup_str(r->source);
    d->aggregated = r->aggregated;
    d->names = calloc(r->J, sizeof *d->names);
    d->strata_cols = calloc(r->nstr ? r->nstr : 1, sizeof *d->strata_cols);
    d->tables = calloc(r->nstrata ? r->nstrata : 1, sizeof *d->tables);
    if (d->source == NULL || d->names == NULL || d->strata_cols == NULL
        || d->tables == NULL) {
        fail_nomem(r);
        goto fail;
    }
    for (; d->J < r->J; d->J++) {
        d->names[d->J] = dup_str(r->names[d->J]);
        if (d->names[d->J] == NULL) {
            fail_nomem(r);
            goto fail;
        }
    }
    for (; d->nstrata_cols < r->nstr; d->nstrata_cols++) {
        d->strata_cols[d->nstrata_cols] =
            dup_str(r->colnames[r->str_col[d->nstrata_cols]]);
        if (d->strata_cols[d->nstrata_cols] == NULL) {
            fail_nomem(r);
            goto fail;
        }
    }
    for (size_t k = 0; k < r->Jsel; k++) {
        selnames[k] = r->colnames[r->sel_col[k]];
    }
    uint64_t n = 0;
    for (size_t i = 0; i < r->nstrata; i++) {
        all[i] = stratum_table(r, r->strata[i], selnames);
        if (all[i] == NULL) {
            goto fail;
        }
        for (size_t j = 0; j < r->J; j++) {
            total[j] += vc_table_list_total(all[i], j);
        }
        n += all[i]->n;
        d->dropped += all[i]->dropped;
    }
    if (n == 0) {
        if (r->total == 0) {
            fail(r, VC_EDATA, "%s: nobody is observed: every count is 0",
                 r->source);
        } else {
            fail(r, VC_EDATA,
                 "%s: nobody is observed on the lists used: every person "
                 "was seen only by lists left out",
                 r->source);
        }
        goto fail;
    }
    const char *nobody[VC_MAX_LISTS];
    size_t nnobody = 0;
    for (size_t j = 0; j < r->J; j++) {
        if (total[j] == 0) {
            nobody[nnobody++] = r->names[j];
        }
    }
    if (nnobody > 0) {
        char list[NAMES_MAX];
        join_names(list, sizeof list, nobody, nnobody);
        fail(r, VC_EDATA,
             "%s: list%s %s %s nobody in the whole file; leave %s out",
             r->source, nnobody > 1 ? "s" : "", list,
             nnobody > 1 ? "catch" : "catches", nnobody > 1 ? "them" : "it");
        goto fail;
    }
    if (r->ndup > 0
        && add_note(r,
                    "%llu duplicate pattern%s summed (first at line %zu)",
                    (unsigned long long)r->ndup,
                    r->ndup > 1 ? "s were" : " was",
                    r->first_dup_line) != VC_OK) {
        goto fail;
    }
    if (r->nempty > 0
        && add_note(r, "%zu row%s with every field empty skipped (first at "
                       "line %zu)",
                    r->nempty, r->nempty > 1 ? "s" : "",
                    r->first_empty_line) != VC_OK) {
        goto fail;
    }
    if (d->dropped > 0
        && add_note(r,
                    "%llu %s seen only by lists left out %s dropped",
                    (unsigned long long)d->dropped,
                    d->dropped > 1 ? "people" : "person",
                    d->dropped > 1 ? "were" : "was") != VC_OK) {
        goto fail;
    }
    for (size_t i = 0; i < r->nstrata; i++) {
        vc_table *t = all[i];
        all[i] = NULL;
        if (t->n == 0) {
            int status = add_note(r,
                                  "stratum \"%s\": nobody observed on the "
                                  "lists used; no table",
                                  t->label ? t->label : "");
            vc_table_free(t);
            if (status != VC_OK) {
                goto fail;
            }
            continue;
        }
        t = drop_empty_lists(r, t);
        if (t == NULL) {
            goto fail;
        }
        d->tables[d->ntables++] = t;
        d->n += t->n;
    }
    d->notes = r->notes;
    d->nnotes = r->nnotes;
    r->notes = NULL;
    r->nnotes = 0;
    free(all);
    return d;
fail:
    if (all != NULL) {
        for (size_t i = 0; i < r->nstrata; i++) {
            vc_table_free(all[i]);
        }
    }
    free(all);
    vc_dataset_free(d);
    return NULL;
}

/* ---------------------------------------------------------------------
 * Public interface
 * ------------------------------------------------------------------- */

static void reader_init(reader *r, const char *source,
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

static void reader_free(reader *r)
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
    free_strings(r->colnames, r->ncols);
    free(r->role);
    free(r->str_col);
    free(r->sel_col);
    free(r->sel_of);
    free(r->file_col);
    free(r->group);
    free_strings(r->names, r->J);
    for (size_t i = 0; i < r->nstrata; i++) {
        stratum_free(r->strata[i], r->nstr);
    }
    free(r->strata);
    free(r->slot);
    free(r->keybuf);
    free_strings(r->notes, r->nnotes);
}

/* The end of the input: flush libcsv, check what was read, build. */
static vc_dataset *finish(reader *r)
{
    end_of_input(r);
    if (r->status == VC_OK && !r->started) {
        /* The header line was never ended by a newline: detect on what
         * there is. */
        start_parser(r);
    }
    if (r->status == VC_OK) {
        if (csv_fini(&r->parser, on_field, on_record, r) != 0
            && r->status == VC_OK) {
            char col[NAMES_MAX];
            column_desc(r, r->nfld, col, sizeof col);
            fail(r, VC_EDATA,
                 "%s:%zu: %s: malformed quoting: expected a closing quote "
                 "before the end of the file",
                 r->source, open_field_line(r), col);
        }
    }
    if (r->status != VC_OK) {
        return NULL;
    }
    if (!r->have_header) {
        if (r->nbytes == (r->bom ? 3u : 0u)) {
            fail(r, VC_EDATA,
                 "%s:1: empty file: expected a header line naming the "
                 "columns",
                 r->source);
        } else {
            fail(r, VC_EDATA,
                 "%s:1: no header: expected a line naming the columns, got "
                 "only blank lines",
                 r->source);
        }
        return NULL;
    }
    if (r->nrows == 0) {
        fail(r, VC_EDATA,
             "%s:%zu: no data rows: expected rows after the header line",
             r->source, r->header_line);
        return NULL;
    }
    return build_dataset(r);
}

vc_dataset *vc_dataset_parse(const char *buf, size_t len, const char *source,
                             const vc_read_opts *opts, vc_error *err)
{
    reader r;
    reader_init(&r, source ? source : "<input>", opts, err);
    vc_dataset *d = NULL;
    if (open_decoder(&r) == VC_OK) {
        push(&r, (const unsigned char *)buf, len);
        d = finish(&r);
    }
    reader_free(&r);
    return d;
}

vc_dataset *vc_dataset_read(const char *path, const vc_read_opts *opts,
                            vc_error *err)
{
    reader r;
    reader_init(&r, path, opts, err);
    if (open_decoder(&r) != VC_OK) {
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
        fail(&r, VC_EIO, "%s: cannot open: %s", path, why);
        reader_free(&r);
        return NULL;
    }
    unsigned char *chunk = malloc(CHUNK_SIZE);
    if (chunk == NULL) {
        fail_nomem(&r);
    }
    while (chunk != NULL && r.status == VC_OK) {
        size_t got = fread(chunk, 1, CHUNK_SIZE, f);
        push(&r, chunk, got);
        if (got < CHUNK_SIZE) {
            if (ferror(f)) {
                int e = errno;
                char why[128];
                if (strerror_r(e, why, sizeof why) != 0) {
                    snprintf(why, sizeof why, "error %d", e);
                }
                fail(&r, VC_EIO, "%s: cannot read: %s", path, why);
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
    free_strings(d->names, d->J);
    free_strings(d->strata_cols, d->nstrata_cols);
    if (d->tables != NULL) {
        for (size_t i = 0; i < d->ntables; i++) {
            vc_table_free(d->tables[i]);
        }
    }
    free(d->tables);
    free_strings(d->notes, d->nnotes);
    free(d);
}
