/*
 * encfile.c: the file `encode` writes and `link` reads.  A few header
 * lines, then a CSV of opaque record keys and encodings:
 *
 *   # victimcount encodings 1
 *   # list: IOM
 *   # schema: <SHA-256 of the canonical schema, hex>
 *   # key-check: <HMAC of a fixed label under a key from the secret>
 *   # bits: 1024
 *   id[,stratum columns...],clk
 *   3f0c...,Kazakhstan,<base64 of bits/8 bytes>
 *
 * The field-scored layout (schema "layout": "fields") writes format 2:
 * the first line "# victimcount encodings 2" and, after "# bits", a line
 *
 *   # fields: 256:4.55,256:4.55,256:9.79,128:0.64,128:1.15
 *
 * with each field's segment (bits, in field order, summing to the bits)
 * and its agreement weight (fieldscore.c).  A reader of format 1 refuses
 * format 2 at its first line; format 1 is still read, and scored by one
 * Dice as before.
 *
 * Bit i of an encoding is bit i % 8 of byte i / 8.  Stratum values are
 * written in clear only when the office asks (`--strata-field`); they may
 * not hold commas, quotes or line breaks, so the rows need no quoting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "link/link_impl.h"

/* Bound on one file: lines longer than this are refused, not read. */
#define ENC_MAX_LINE 65536
#define ENC_MAX_RECORDS 100000000ull

size_t vc_link_base64_len(size_t bits)
{
    return BASE64_ENCODE_RAW_LENGTH(bits / 8);
}

void vc_link_base64_put(const uint64_t *filter, size_t words, char *out)
{
    uint8_t bytes[VC_LINK_MAX_BITS / 8];
    for (size_t i = 0; i < 8 * words; i++) {
        bytes[i] = (uint8_t)(filter[i / 8] >> (8 * (i % 8)));
    }
    base64_encode_raw(out, 8 * words, bytes);
    out[BASE64_ENCODE_RAW_LENGTH(8 * words)] = '\0';
}

static int base64_get(const char *s, size_t len, uint64_t *filter, size_t words)
{
    uint8_t bytes[VC_LINK_MAX_BITS / 8 + 4];
    struct base64_decode_ctx ctx;
    size_t n = sizeof bytes;
    if (len != BASE64_ENCODE_RAW_LENGTH(8 * words)) {
        return -1;
    }
    base64_decode_init(&ctx);
    if (!base64_decode_update(&ctx, &n, bytes, len, s)
        || !base64_decode_final(&ctx) || n != 8 * words) {
        return -1;
    }
    memset(filter, 0, words * sizeof *filter);
    for (size_t i = 0; i < n; i++) {
        filter[i / 8] |= (uint64_t)bytes[i] << (8 * (i % 8));
    }
    return 0;
}

static int plain(const char *s)
{
    return *s != '\0' && strpbrk(s, ",\"\r\n\x1f") == NULL;
}

/* VC_OK when the list name and the stratum columns can stand in a
 * header (plain text; a stratum column is neither id nor clk), else
 * VC_EINVAL naming the first that cannot.  Checked before anything is
 * written. */
static int check_names(const char *list, const char *const *strata_cols,
                       size_t nstrata, vc_error *err)
{
    if (!plain(list)) {
        return vc_error_set(err, VC_EINVAL,
                            "list name \"%s\": empty, or holds a comma, "
                            "quote or line break",
                            list);
    }
    for (size_t k = 0; k < nstrata; k++) {
        if (!plain(strata_cols[k]) || strcmp(strata_cols[k], "id") == 0
            || strcmp(strata_cols[k], "clk") == 0) {
            return vc_error_set(err, VC_EINVAL,
                                "stratum column \"%s\": empty, id, clk, or "
                                "holds a comma, quote or line break",
                                strata_cols[k]);
        }
    }
    return VC_OK;
}

int vc_link_write_header(FILE *f, const char *list, const char *schema_hash,
                         const char *key_check, size_t bits,
                         const char *const *strata_cols, size_t nstrata,
                         vc_error *err)
{
    int rc = check_names(list, strata_cols, nstrata, err);
    if (rc != VC_OK) {
        return rc;
    }
    fprintf(f,
            "# victimcount encodings 1\n# list: %s\n# schema: %s\n"
            "# key-check: %s\n# bits: %zu\nid",
            list, schema_hash, key_check, bits);
    for (size_t k = 0; k < nstrata; k++) {
        fprintf(f, ",%s", strata_cols[k]);
    }
    fputs(",clk\n", f);
    return VC_OK;
}

int vc_link_write_header_schema(FILE *f, const char *list,
                                const vc_link_schema *s, const char *key_check,
                                const char *const *strata_cols, size_t nstrata,
                                vc_error *err)
{
    size_t seg[VC_LINK_MAX_FIELDS];
    if (!s->field_scored) {
        return vc_link_write_header(f, list, s->hash, key_check,
                                    vc_link_schema_bits(s), strata_cols,
                                    nstrata, err);
    }
    if (vc_link_schema_segments(s, seg) != 0) {
        return vc_error_set(err, VC_EINVAL, "schema: fields do not fit");
    }
    int rc = check_names(list, strata_cols, nstrata, err);
    if (rc != VC_OK) {
        return rc;
    }
    fprintf(f,
            "# victimcount encodings 2\n# list: %s\n# schema: %s\n"
            "# key-check: %s\n# bits: %zu\n# fields: ",
            list, s->hash, key_check, vc_link_schema_bits(s));
    for (size_t g = 0; g < s->nfields; g++) {
        fprintf(f, "%s%zu:%.6g", g ? "," : "", seg[g], s->fields[g].weight);
    }
    fputs("\nid", f);
    for (size_t k = 0; k < nstrata; k++) {
        fprintf(f, ",%s", strata_cols[k]);
    }
    fputs(",clk\n", f);
    return VC_OK;
}

void vc_link_set_layout(vc_link_set *s, const vc_link_schema *sc)
{
    size_t seg[VC_LINK_MAX_FIELDS];
    s->nseg = 0;
    if (vc_link_schema_segments(sc, seg) != 0) {
        return;
    }
    for (size_t g = 0; g < sc->nfields; g++) {
        s->seg_words[g] = seg[g] / 64;
        /* the weight as the header writes it, so that files and memory
         * agree to the bit */
        char w[32];
        snprintf(w, sizeof w, "%.6g", sc->fields[g].weight);
        s->seg_weight[g] = strtod(w, NULL);
    }
    s->nseg = sc->nfields;
}

/* The "# fields: " value v of a format-2 header into s (bits known). */
static int parse_fields(const char *v, vc_link_set *s)
{
    size_t total = 0;
    s->nseg = 0;
    for (;;) {
        char *end = NULL;
        errno = 0;
        unsigned long b = strtoul(v, &end, 10);
        if (errno != 0 || end == v || *end != ':' || b == 0 || b % 64 != 0
            || b > VC_LINK_MAX_BITS || s->nseg == VC_LINK_MAX_FIELDS) {
            return -1;
        }
        v = end + 1;
        double w = strtod(v, &end);
        if (end == v || !(w > 0.0 && w <= 100.0)) {
            return -1;
        }
        s->seg_words[s->nseg] = b / 64;
        s->seg_weight[s->nseg] = w;
        s->nseg++;
        total += b;
        if (*end == '\0') {
            break;
        }
        if (*end != ',') {
            return -1;
        }
        v = end + 1;
    }
    return total == s->bits ? 0 : -1;
}

void vc_link_set_free(vc_link_set *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        free(s->ids[i]);
        for (size_t k = 0; k < s->nstrata; k++) {
            free(s->strata[i * s->nstrata + k]);
        }
    }
    /* strata_cols is NULL when its allocation failed */
    for (size_t k = 0; s->strata_cols != NULL && k < s->nstrata; k++) {
        free(s->strata_cols[k]);
    }
    free(s->strata_cols);
    free(s->ids);
    free(s->strata);
    free(s->filters);
    free(s->list);
    free(s->source);
    free(s);
}

/* Split line[0 .. len-1] at commas into at most max fields (pointers into
 * the line, which is modified).  Returns the number, or max + 1 when
 * there are more. */
static size_t split(char *line, char **field, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == max) {
            return max + 1;
        }
        field[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL) {
            return n;
        }
        *c = '\0';
        p = c + 1;
    }
}

static int header_value(const char *line, const char *key, const char **v)
{
    size_t k = strlen(key);
    if (strncmp(line, "# ", 2) != 0 || strncmp(line + 2, key, k) != 0
        || strncmp(line + 2 + k, ": ", 2) != 0) {
        return -1;
    }
    *v = line + 4 + k;
    return 0;
}

static int is_hex(const char *s, size_t n)
{
    if (strlen(s) != n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

vc_link_set *vc_link_set_parse(const char *buf, size_t len, const char *source,
                               vc_error *err)
{
    vc_link_set *s = calloc(1, sizeof *s);
    char *line = malloc(ENC_MAX_LINE + 1);
    if (s == NULL || line == NULL || (s->source = strdup(source)) == NULL) {
        free(line);
        vc_link_set_free(s);
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    size_t cap = 0;
    size_t pos = 0;
    size_t lineno = 0;
    int rc = VC_OK;
    char *field[VC_MAX_LISTS + 3];
    size_t hdr = 6; /* the column header's line: 7 in format 2 */
    while (pos < len && rc == VC_OK) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        lineno++;
        if (l > ENC_MAX_LINE) {
            rc = vc_error_set(err, VC_EDATA, "%s:%zu: line too long", source,
                              lineno);
            break;
        }
        memcpy(line, buf + pos, l);
        line[l] = '\0';
        pos += l + (nl ? 1 : 0);
        if (l > 0 && line[l - 1] == '\r') {
            line[--l] = '\0';
        }
        if (memchr(line, '\0', l) != NULL) {
            rc =
                vc_error_set(err, VC_EDATA, "%s:%zu: NUL byte", source, lineno);
            break;
        }
        const char *v = NULL;
        if (lineno <= hdr) {
            /* the header, in its fixed order */
            static const char *const keys[] = {NULL, "list", "schema",
                                               "key-check", "bits"};
            if (lineno == 1) {
                if (strcmp(line, "# victimcount encodings 2") == 0) {
                    hdr = 7;
                } else if (strcmp(line, "# victimcount encodings 1") != 0) {
                    rc = vc_error_set(err, VC_EDATA,
                                      "%s:1: not a victimcount encoding file "
                                      "of a format this version reads "
                                      "(expected \"# victimcount encodings "
                                      "1\" or \"2\")",
                                      source);
                }
                continue;
            }
            if (lineno == 6 && hdr == 7) {
                if (header_value(line, "fields", &v) != 0
                    || parse_fields(v, s) != 0) {
                    rc = vc_error_set(err, VC_EDATA,
                                      "%s:6: expected \"# fields: "
                                      "bits:weight,...\" (segments of a "
                                      "multiple of 64 bits summing to %zu, "
                                      "weights in (0, 100])",
                                      source, s->bits);
                }
                continue;
            }
            if (lineno <= 5) {
                if (header_value(line, keys[lineno - 1], &v) != 0) {
                    rc = vc_error_set(err, VC_EDATA,
                                      "%s:%zu: expected \"# %s: ...\"", source,
                                      lineno, keys[lineno - 1]);
                    continue;
                }
                if (lineno == 2) {
                    if (*v == '\0') {
                        rc = vc_error_set(err, VC_EDATA,
                                          "%s:2: empty list name", source);
                    } else if ((s->list = strdup(v)) == NULL) {
                        rc = vc_error_set(err, VC_ENOMEM, "out of memory");
                    }
                } else if (lineno == 3 && is_hex(v, 64)) {
                    memcpy(s->schema, v, 65);
                } else if (lineno == 4 && is_hex(v, 32)) {
                    memcpy(s->key_check, v, 33);
                } else if (lineno == 5) {
                    char *end = NULL;
                    errno = 0;
                    unsigned long b = strtoul(v, &end, 10);
                    if (errno != 0 || *end != '\0' || b < 64
                        || b > VC_LINK_MAX_BITS || b % 64 != 0) {
                        rc = vc_error_set(err, VC_EDATA,
                                          "%s:5: bits: expected a multiple "
                                          "of 64 up to %d",
                                          source, VC_LINK_MAX_BITS);
                    }
                    s->bits = b;
                    s->words = b / 64;
                } else if (lineno != 2) {
                    rc = vc_error_set(err, VC_EDATA,
                                      "%s:%zu: %s: expected hex digits", source,
                                      lineno, keys[lineno - 1]);
                }
                continue;
            }
            /* line 6 (7): the column header */
            size_t nf = split(line, field, VC_MAX_LISTS + 2);
            if (nf < 2 || nf > VC_MAX_LISTS + 2 || strcmp(field[0], "id") != 0
                || strcmp(field[nf - 1], "clk") != 0) {
                rc = vc_error_set(err, VC_EDATA,
                                  "%s:%zu: expected the header "
                                  "\"id[,strata...],clk\"",
                                  source, hdr);
                continue;
            }
            s->nstrata = nf - 2;
            s->strata_cols = calloc(s->nstrata + 1, sizeof *s->strata_cols);
            for (size_t k = 0; s->strata_cols && k < s->nstrata; k++) {
                s->strata_cols[k] = strdup(field[k + 1]);
                if (s->strata_cols[k] == NULL) {
                    rc = vc_error_set(err, VC_ENOMEM, "out of memory");
                }
            }
            if (s->strata_cols == NULL) {
                rc = vc_error_set(err, VC_ENOMEM, "out of memory");
            }
            continue;
        }
        if (l == 0) {
            continue;
        }
        size_t nf = split(line, field, s->nstrata + 2);
        if (nf != s->nstrata + 2) {
            rc = vc_error_set(
                err, VC_EDATA, "%s:%zu: expected %zu fields, got %s%zu", source,
                lineno, s->nstrata + 2, nf > s->nstrata + 2 ? "more than " : "",
                nf > s->nstrata + 2 ? s->nstrata + 2 : nf);
            break;
        }
        if (s->n == cap) {
            size_t nc = cap ? 2 * cap : 1024;
            if (nc > ENC_MAX_RECORDS) {
                rc =
                    vc_error_set(err, VC_EDATA, "%s: too many records", source);
                break;
            }
            char **ids = realloc(s->ids, nc * sizeof *ids);
            s->ids = ids ? ids : s->ids;
            char **st = realloc(s->strata, (nc * s->nstrata + 1) * sizeof *st);
            s->strata = st ? st : s->strata;
            uint64_t *fl = realloc(s->filters, nc * s->words * sizeof *fl);
            s->filters = fl ? fl : s->filters;
            if (ids == NULL || st == NULL || fl == NULL) {
                rc = vc_error_set(err, VC_ENOMEM, "out of memory");
                break;
            }
            cap = nc;
        }
        const char *clk = field[nf - 1];
        if (base64_get(clk, strlen(clk), s->filters + s->n * s->words, s->words)
            != 0) {
            rc = vc_error_set(err, VC_EDATA,
                              "%s:%zu: column clk: expected %zu bits in "
                              "base64",
                              source, lineno, s->bits);
            break;
        }
        if (field[0][0] == '\0') {
            rc =
                vc_error_set(err, VC_EDATA, "%s:%zu: empty id", source, lineno);
            break;
        }
        s->ids[s->n] = strdup(field[0]);
        int oom = s->ids[s->n] == NULL;
        for (size_t k = 0; k < s->nstrata; k++) {
            s->strata[s->n * s->nstrata + k] = strdup(field[k + 1]);
            oom |= s->strata[s->n * s->nstrata + k] == NULL;
        }
        s->n++;
        if (oom) {
            rc = vc_error_set(err, VC_ENOMEM, "out of memory");
        }
    }
    if (rc == VC_OK && lineno < hdr) {
        rc = vc_error_set(err, VC_EDATA,
                          "%s: the header ends at line %zu (%zu lines "
                          "expected)",
                          source, lineno, hdr);
    }
    free(line);
    if (rc == VC_OK && s->n > 0 && s->n < cap) {
        /* the doubling leaves up to half the filters unused: give it back */
        uint64_t *fl = realloc(s->filters, s->n * s->words * sizeof *fl);
        s->filters = fl ? fl : s->filters;
    }
    if (rc != VC_OK) {
        vc_link_set_free(s);
        return NULL;
    }
    return s;
}

vc_link_set *vc_link_set_read(const char *path, vc_error *err)
{
    size_t len;
    char *buf = vci_link_read_file(path, &len, err);
    if (buf == NULL) {
        return NULL;
    }
    vc_link_set *s = vc_link_set_parse(buf, len, path, err);
    free(buf);
    return s;
}
