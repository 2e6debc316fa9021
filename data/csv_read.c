/*
 * csv_read.c: the bytes of a CSV file to records: the encoding (iconv, or
 * UTF-8 as it is, checked), the choice of the delimiter from the header
 * line, and the feeding of libcsv one physical line at a time so that
 * every field knows its line (csv.c explains why).  Each record goes to
 * the header (csv_columns.c) or to the rows (csv_dataset.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv_impl.h"

/* Growth step of libcsv's field buffer (its default, 128 bytes, makes a
 * long quoted field cost quadratic copying). */
#define CSV_BLOCK 4096

/* Bytes of UTF-8 produced per iconv call: bounds the memory a conversion
 * takes, whatever the size of the input. */
#define CONV_OUT ((size_t)1 << 16)

/* The UTF-8 byte-order mark some editors put first. */
static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

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
    vci_csv_reader *r = data;
    if (r->status != VC_OK) {
        return;
    }
    if (vci_csv_grow((void **)&r->buf, &r->buf_cap, r->buf_len + n + 1, 1)
        != 0) {
        vci_csv_fail_nomem(r);
        return;
    }
    size_t need = r->nfld + 1;
    size_t cap = r->fld_cap;
    if (need > cap) {
        size_t c1 = cap, c2 = cap, c3 = cap, c4 = cap;
        if (vci_csv_grow((void **)&r->off, &c1, need, sizeof *r->off) != 0
            || vci_csv_grow((void **)&r->len, &c2, need, sizeof *r->len) != 0
            || vci_csv_grow((void **)&r->fline, &c3, need, sizeof *r->fline)
                   != 0
            || vci_csv_grow((void **)&r->null, &c4, need, sizeof *r->null)
                   != 0) {
            vci_csv_fail_nomem(r);
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
    vci_csv_reader *r = data;
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
            vci_csv_process_header(r);
        } else {
            vci_csv_process_row(r);
        }
    }
    r->nfld = 0;
    r->buf_len = 0;
    r->at_boundary = 1;
}

/* Where the field libcsv is in the middle of began, for messages. */
static size_t open_field_line(const vci_csv_reader *r)
{
    return (r->nfld > 0) ? r->last_field_line : r->record_line;
}

static void column_desc(const vci_csv_reader *r, size_t c, char *out,
                        size_t size)
{
    if (r->have_header && c < r->ncols) {
        snprintf(out, size, "column \"%s\"", r->colnames[c]);
    } else {
        snprintf(out, size, "column %zu", c + 1);
    }
}

static int csv_failure(vci_csv_reader *r, int code, size_t line)
{
    char col[VCI_CSV_NAMES_MAX];
    column_desc(r, r->nfld, col, sizeof col);
    if (code == CSV_ENOMEM) {
        return vci_csv_fail_nomem(r);
    }
    return vci_csv_fail(
        r, VC_EDATA,
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
static void feed(vci_csv_reader *r, const unsigned char *p, size_t n)
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
static void start_parser(vci_csv_reader *r)
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
        vci_csv_fail_nomem(r);
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
static int scan_header(vci_csv_reader *r)
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
static void push_text(vci_csv_reader *r, const unsigned char *p, size_t n)
{
    if (r->status != VC_OK || n == 0) {
        return;
    }
    r->nbytes += n;
    if (r->started) {
        feed(r, p, n);
        return;
    }
    if (vci_csv_grow((void **)&r->head, &r->head_cap, r->head_len + n, 1)
        != 0) {
        vci_csv_fail_nomem(r);
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
static void where_in_row(const vci_csv_reader *r, const char *sep, char *out,
                         size_t size)
{
    if (r->started && r->have_header) {
        char col[VCI_CSV_NAMES_MAX];
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
static size_t utf8_check(vci_csv_reader *r, const unsigned char *p, size_t n)
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
static void utf8_failure(vci_csv_reader *r, unsigned char c, int at_end)
{
    char where[VCI_CSV_NAMES_MAX + 4];
    where_in_row(r, ", ", where, sizeof where);
    int begun = (r->u8_need > 0);
    unsigned char b = begun ? r->u8_lead : c;
    size_t col = (begun ? r->u8_start : r->u8_col) + 1;
    if (b == 0) {
        vci_csv_fail(r, VC_EDATA,
                     "%s:%zu: %sbyte %zu of the line: expected text, got a NUL "
                     "byte: the file may be UTF-16 without a byte-order mark",
                     r->source, r->u8_line, where, col);
    } else {
        vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: %sbyte %zu of the line: expected UTF-8, got the byte "
            "0x%02X%s: the file is %sin another encoding (such as "
            "cp1251, which Excel writes for Russian on Windows, koi8-r or "
            "latin1)",
            r->source, r->u8_line, where, col, b,
            at_end ? " cut short by the end of the file" : "",
            at_end ? "cut short or " : "");
    }
    if (!r->conv) {
        vci_csv_advise(r, VC_ADVICE_ENCODING, NULL, 0);
    }
}

/* UTF-8 text as it comes (converted or not): checked, then parsed.  The
 * bytes before a bad one are parsed first, so that an error earlier in
 * the file is reported first and the column of the bad byte is known. */
static void push_utf8(vci_csv_reader *r, const unsigned char *p, size_t n)
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
static void conv_failure(vci_csv_reader *r, unsigned char c, int at_end)
{
    char where[VCI_CSV_NAMES_MAX + 4];
    where_in_row(r, ": ", where, sizeof where);
    if (at_end) {
        vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: %sexpected text in %s, got a character cut short by "
            "the end of the file",
            r->source, r->u8_line, where, r->enc_name);
    } else {
        vci_csv_fail(
            r, VC_EDATA,
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
static int convert(vci_csv_reader *r, const unsigned char *in, size_t len,
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
static void decode(vci_csv_reader *r, const unsigned char *p, size_t n)
{
    if (!r->conv) {
        push_utf8(r, p, n);
        return;
    }
    while (n > 0 && r->status == VC_OK) {
        size_t used = 0;
        if (r->ncarry > 0) {
            size_t old = r->ncarry;
            size_t take =
                (n < VCI_CSV_CONV_CARRY - old) ? n : VCI_CSV_CONV_CARRY - old;
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
            if (e == EINVAL && take == n && old + take < VCI_CSV_CONV_CARRY) {
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
        if (e == EINVAL && n < VCI_CSV_CONV_CARRY) {
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
        k[m++] = (char)vci_csv_ascii_lower((unsigned char)*name);
    }
    return m == 4 && memcmp(k, "utf8", 4) == 0;
}

/* Start converting from the encoding name (enc_name keeps it for
 * messages).  Returns VC_OK or the status. */
static int open_iconv(vci_csv_reader *r, const char *name)
{
    r->cd = iconv_open("UTF-8", name);
    if (r->cd == (iconv_t)-1) {
        int e = errno;
        if (e == EINVAL) {
            vci_csv_advise(r, VC_ADVICE_ENCODING_NAME, NULL, 0);
            return vci_csv_fail(
                r, VC_EINVAL,
                "%s: unknown encoding \"%s\" (iconv knows names such "
                "as cp1251, koi8-r, latin1, utf-16, utf-16le)",
                r->source, name);
        }
        return vci_csv_fail_nomem(r);
    }
    r->conv = 1;
    r->enc_name = name;
    r->cout = malloc(CONV_OUT);
    return r->cout == NULL ? vci_csv_fail_nomem(r) : VC_OK;
}

/* Before any byte is read: the encoding the caller named, if any. */
int vci_csv_open_decoder(vci_csv_reader *r)
{
    const char *name = r->opts->encoding;
    if (name == NULL || names_utf8(name)) {
        return VC_OK;
    }
    if (name[0] == '\0') {
        /* iconv reads "" as the locale's encoding: not a name. */
        vci_csv_advise(r, VC_ADVICE_ENCODING_NAME, NULL, 0);
        return vci_csv_fail(r, VC_EINVAL, "%s: unknown encoding \"\"",
                            r->source);
    }
    return open_iconv(r, name);
}

/* The first bytes have come (or all there are): a UTF-16 byte-order mark
 * decides the encoding when none was named; a UTF-8 one contradicts a
 * name.  Then the bytes held back go on. */
static void decide(vci_csv_reader *r)
{
    size_t skip = 0;
    r->decided = 1;
    if (r->conv) {
        if (r->nlead == 3 && memcmp(r->lead, utf8_bom, 3) == 0) {
            vci_csv_fail(
                r, VC_EDATA,
                "%s:1: expected text in %s, got a UTF-8 byte-order mark: "
                "the file is UTF-8",
                r->source, r->enc_name);
            return;
        }
    } else if (r->nlead >= 2
               && ((r->lead[0] == 0xFF && r->lead[1] == 0xFE)
                   || (r->lead[0] == 0xFE && r->lead[1] == 0xFF))) {
        if (open_iconv(r, r->lead[0] == 0xFF ? "UTF-16LE" : "UTF-16BE")
            != VC_OK) {
            return;
        }
        skip = 2;
    }
    decode(r, r->lead + skip, r->nlead - skip);
}

/* The bytes as read. */
void vci_csv_push(vci_csv_reader *r, const unsigned char *p, size_t n)
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
static void end_of_input(vci_csv_reader *r)
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

/* The end of the input: the bytes held back, then libcsv's last record
 * (a quoted field still open is refused). */
void vci_csv_end(vci_csv_reader *r)
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
            char col[VCI_CSV_NAMES_MAX];
            column_desc(r, r->nfld, col, sizeof col);
            vci_csv_fail(
                r, VC_EDATA,
                "%s:%zu: %s: malformed quoting: expected a closing quote "
                "before the end of the file",
                r->source, open_field_line(r), col);
        }
    }
}
