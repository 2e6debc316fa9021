/*
 * schema.c: what `encode` puts in a filter, and the schema hash that lets
 * `link` refuse encodings made under different schemas.
 *
 * Defaults (names 200 bits each, date of birth 200, others 100, 1024-bit
 * filters) follow the record-level CLK of Schnell, Bachteler & Reiher
 * (2009) and the per-field budgets of Data61's clkhash linkage schema v3
 * ("numBits" strategy: a field sets about b bits whatever its length, so
 * a long name does not outweigh a date).
 *
 * The hash is SHA-256 of a canonical JSON text (sorted keys, no spaces)
 * of everything that changes an encoding; column names are left out,
 * because each office names its columns its own way.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nettle/sha2.h>

#include "link/link_impl.h"

static const char *const kind_names[] = {"name", "date", "sex", "exact",
                                         "country"};

/* Default agreement weights ln(m / u) of the field-scored layout
 * (Fellegi & Sunter 1969, JASA 64:1183, eq. for the log-likelihood ratio
 * of agreement), with m = 0.95 the chance that a true match agrees on the
 * field despite recording errors, and u the chance that two unrelated
 * people agree: a name u = 0.01 (the commonest given names and surnames
 * of the region each hold a few per cent of people), a date of birth u =
 * 1 / (365 x 49) (births spread over about 49 years), sex u = 0.5, an
 * exact field such as nationality u = 0.3 (a handful of values). */
static double default_weight(vc_link_field_kind kind)
{
    switch (kind) {
    case VC_LINK_FIELD_NAME:
        return 4.55; /* ln(0.95 / 0.01) */
    case VC_LINK_FIELD_DATE:
        return 9.79; /* ln(0.95 x 365 x 49) */
    case VC_LINK_FIELD_SEX:
        return 0.64; /* ln(0.95 / 0.5) */
    case VC_LINK_FIELD_EXACT:
    case VC_LINK_FIELD_COUNTRY:
        break;
    }
    return 1.15; /* ln(0.95 / 0.3) */
}

static int field_set(vc_link_field *f, const char *name, const char *column,
                     vc_link_field_kind kind, unsigned bits)
{
    f->name = strdup(name);
    f->column = strdup(column);
    f->kind = kind;
    f->bits = bits;
    f->weight = default_weight(kind);
    return (f->name == NULL || f->column == NULL) ? -1 : 0;
}

static void schema_hash(vc_link_schema *s)
{
    json_t *fields = json_array();
    for (size_t i = 0; i < s->nfields; i++) {
        json_t *f = json_pack("{s:s, s:s, s:I}", "name", s->fields[i].name,
                              "type", kind_names[s->fields[i].kind], "bits",
                              (json_int_t)s->fields[i].bits);
        if (s->fields[i].kind == VC_LINK_FIELD_COUNTRY && f != NULL) {
            /* the country table decides the tokens: a new table (a newer
             * CLDR, another alias) is a new hash, so `link` refuses to
             * mix encodings made with different tables */
            char t[17];
            vci_country_table_digest(t);
            json_object_set_new(f, "table", json_string(t));
        }
        if (s->field_scored && f != NULL) {
            /* the weight as written in the encoding file's header */
            char w[32];
            snprintf(w, sizeof w, "%.6g", s->fields[i].weight);
            json_object_set_new(f, "weight", json_string(w));
        }
        json_array_append_new(fields, f);
    }
    /* the one-CLK layout's text is that of 0.4.0, so its hashes stay */
    json_t *o =
        json_pack("{s:s, s:I, s:o, s:b, s:b, s:s?}", "format",
                  s->field_scored ? "victimcount-clk-2" : "victimcount-clk-1",
                  "bits", (json_int_t)s->m, "fields", fields, "balance",
                  s->balance, "xor_fold", s->xor_fold, "salt",
                  s->salt >= 0 ? s->fields[s->salt].name : NULL);
    char *text = o ? json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    uint8_t d[SHA256_DIGEST_SIZE];
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    if (text != NULL) {
        sha256_update(&ctx, strlen(text), (const uint8_t *)text);
    }
    sha256_digest(&ctx, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++) {
        snprintf(s->hash + 2 * i, 3, "%02x", d[i]);
    }
    free(text);
    json_decref(o);
}

void vc_link_schema_default(vc_link_schema *s)
{
    memset(s, 0, sizeof *s);
    s->m = 1024;
    s->salt = -1;
    s->field_scored = 1;
    static const struct {
        const char *name;
        vc_link_field_kind kind;
        unsigned bits;
    } d[] = {
        {"given_name", VC_LINK_FIELD_NAME, 200},
        {"family_name", VC_LINK_FIELD_NAME, 200},
        {"date_of_birth", VC_LINK_FIELD_DATE, 200},
        {"sex", VC_LINK_FIELD_SEX, 100},
        {"nationality", VC_LINK_FIELD_COUNTRY, 100},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        if (field_set(&s->fields[i], d[i].name, d[i].name, d[i].kind, d[i].bits)
            != 0) {
            break; /* out of memory: the caller's encoder will refuse */
        }
        s->nfields++;
    }
    schema_hash(s);
}

void vc_link_schema_clear(vc_link_schema *s)
{
    for (size_t i = 0; i < s->nfields; i++) {
        free(s->fields[i].name);
        free(s->fields[i].column);
    }
    s->nfields = 0;
}

size_t vc_link_schema_bits(const vc_link_schema *s)
{
    size_t m = s->m;
    if (s->xor_fold) {
        m /= 2;
    }
    if (s->balance) {
        m *= 2;
    }
    return m;
}

int vc_link_schema_segments(const vc_link_schema *s, size_t *seg)
{
    /* units of 64 bits as written (128 before folding); each field gets
     * one, the rest go by largest remainder of units x budget share */
    size_t units = vc_link_schema_bits(s) / 64;
    if (!s->field_scored || s->balance || s->nfields == 0 || s->nfields > units) {
        return -1;
    }
    double total = 0.0;
    for (size_t f = 0; f < s->nfields; f++) {
        total += s->fields[f].bits;
    }
    size_t used = 0;
    double want[VC_LINK_MAX_FIELDS];
    for (size_t f = 0; f < s->nfields; f++) {
        want[f] = (double)units * s->fields[f].bits / total;
        seg[f] = want[f] < 1.0 ? 1 : (size_t)want[f];
        used += seg[f];
    }
    while (used != units) {
        /* one unit to the field furthest below its share, or from the
         * one furthest above it (never below one unit) */
        size_t best = s->nfields;
        double gap = 0.0;
        for (size_t f = 0; f < s->nfields; f++) {
            double g = used < units ? want[f] - (double)seg[f]
                                    : (double)seg[f] - want[f];
            if ((used < units || seg[f] > 1) && (best == s->nfields || g > gap)) {
                best = f;
                gap = g;
            }
        }
        if (used < units) {
            seg[best]++;
            used++;
        } else {
            seg[best]--;
            used--;
        }
    }
    for (size_t f = 0; f < s->nfields; f++) {
        seg[f] *= 64;
    }
    return 0;
}

static int only_keys(const json_t *o, const char *const *keys, const char *what,
                     const char *source, vc_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        int ok = 0;
        for (size_t i = 0; keys[i] != NULL; i++) {
            ok |= strcmp(k, keys[i]) == 0;
        }
        if (!ok) {
            return vc_error_set(err, VC_EDATA, "%s: %s: unknown key \"%s\"",
                                source, what, k);
        }
    }
    return VC_OK;
}

int vc_link_schema_parse(const char *buf, size_t len, const char *source,
                         vc_link_schema *s, vc_error *err)
{
    memset(s, 0, sizeof *s);
    s->salt = -1;
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        return vc_error_set(err, VC_EDATA, "%s:%d:%d: %s", source, je.line,
                            je.column, je.text);
    }
    int rc = VC_OK;
    static const char *const top_keys[] = {"bits", "fields", "hardening",
                                           "layout", NULL};
    static const char *const field_keys[] = {"name", "column", "type", "bits",
                                             "weight", NULL};
    static const char *const hard_keys[] = {"balance", "xor_fold", "salt",
                                            NULL};
    json_t *bits = json_object_get(root, "bits");
    json_t *fields = json_object_get(root, "fields");
    json_t *hard = json_object_get(root, "hardening");
    if (!json_is_object(root)) {
        rc = vc_error_set(err, VC_EDATA, "%s: expected a JSON object", source);
        goto done;
    }
    rc = only_keys(root, top_keys, "schema", source, err);
    if (rc != VC_OK) {
        goto done;
    }
    s->m = 1024;
    if (bits != NULL) {
        json_int_t b = json_is_integer(bits) ? json_integer_value(bits) : 0;
        if (b < 64 || b > VC_LINK_MAX_BITS || b % 128 != 0) {
            rc = vc_error_set(err, VC_EDATA,
                              "%s: \"bits\": expected a multiple of 128 from "
                              "128 to %d",
                              source, VC_LINK_MAX_BITS);
            goto done;
        }
        s->m = (size_t)b;
    }
    if (!json_is_array(fields) || json_array_size(fields) == 0
        || json_array_size(fields) > VC_LINK_MAX_FIELDS) {
        rc = vc_error_set(err, VC_EDATA,
                          "%s: \"fields\": expected an array of 1 to %d "
                          "fields",
                          source, VC_LINK_MAX_FIELDS);
        goto done;
    }
    size_t i;
    json_t *f;
    int weighted = 0;
    json_array_foreach(fields, i, f)
    {
        char what[32];
        snprintf(what, sizeof what, "field %zu", i + 1);
        if (!json_is_object(f)) {
            rc = vc_error_set(err, VC_EDATA, "%s: %s: expected an object",
                              source, what);
            goto done;
        }
        rc = only_keys(f, field_keys, what, source, err);
        if (rc != VC_OK) {
            goto done;
        }
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *col = json_string_value(json_object_get(f, "column"));
        const char *type = json_string_value(json_object_get(f, "type"));
        json_t *fb = json_object_get(f, "bits");
        if (name == NULL || *name == '\0' || type == NULL) {
            rc = vc_error_set(err, VC_EDATA,
                              "%s: %s: \"name\" and \"type\" are required",
                              source, what);
            goto done;
        }
        int kind = -1;
        for (int k = 0; k < 5; k++) {
            if (strcmp(type, kind_names[k]) == 0) {
                kind = k;
            }
        }
        if (kind < 0) {
            rc = vc_error_set(err, VC_EDATA,
                              "%s: %s: type \"%s\": expected name, date, sex, "
                              "exact or country",
                              source, what, type);
            goto done;
        }
        for (size_t j = 0; j < s->nfields; j++) {
            if (strcmp(s->fields[j].name, name) == 0) {
                rc = vc_error_set(err, VC_EDATA, "%s: field \"%s\" twice",
                                  source, name);
                goto done;
            }
        }
        json_int_t b = kind == VC_LINK_FIELD_NAME || kind == VC_LINK_FIELD_DATE
                           ? 200
                           : 100;
        if (fb != NULL) {
            b = json_is_integer(fb) ? json_integer_value(fb) : 0;
            if (b < 1 || (size_t)b > s->m) {
                rc = vc_error_set(err, VC_EDATA,
                                  "%s: %s: \"bits\": expected 1 to %zu", source,
                                  what, s->m);
                goto done;
            }
        }
        json_t *fw = json_object_get(f, "weight");
        double w = 0.0;
        if (fw != NULL) {
            w = json_is_number(fw) ? json_number_value(fw) : 0.0;
            if (!(w > 0.0 && w <= 100.0)) {
                rc = vc_error_set(err, VC_EDATA,
                                  "%s: %s: \"weight\": expected a number "
                                  "above 0, at most 100",
                                  source, what);
                goto done;
            }
        }
        if (field_set(&s->fields[s->nfields], name, col ? col : name,
                      (vc_link_field_kind)kind, (unsigned)b)
            != 0) {
            s->nfields++;
            rc = vc_error_set(err, VC_ENOMEM, "out of memory");
            goto done;
        }
        if (fw != NULL) {
            s->fields[s->nfields].weight = w;
            weighted = 1;
        }
        s->nfields++;
    }
    if (hard != NULL) {
        if (!json_is_object(hard)) {
            rc = vc_error_set(err, VC_EDATA,
                              "%s: \"hardening\": expected an object", source);
            goto done;
        }
        rc = only_keys(hard, hard_keys, "hardening", source, err);
        if (rc != VC_OK) {
            goto done;
        }
        json_t *bal = json_object_get(hard, "balance");
        json_t *fold = json_object_get(hard, "xor_fold");
        json_t *salt = json_object_get(hard, "salt");
        if ((bal && !json_is_boolean(bal)) || (fold && !json_is_boolean(fold))
            || (salt && !json_is_string(salt) && !json_is_null(salt))) {
            rc = vc_error_set(err, VC_EDATA,
                              "%s: \"hardening\": balance and xor_fold are "
                              "true or false, salt a field name",
                              source);
            goto done;
        }
        s->balance = bal && json_is_true(bal);
        s->xor_fold = fold && json_is_true(fold);
        const char *sf = salt ? json_string_value(salt) : NULL;
        if (sf != NULL) {
            for (size_t j = 0; j < s->nfields; j++) {
                if (strcmp(s->fields[j].name, sf) == 0) {
                    s->salt = (int)j;
                }
            }
            if (s->salt < 0) {
                rc = vc_error_set(err, VC_EDATA,
                                  "%s: \"salt\": no field named \"%s\"", source,
                                  sf);
                goto done;
            }
        }
    }
    /* the layout: field-scored unless balanced (a balanced filter has
     * every segment half full, so a missing field cannot be told) */
    json_t *layout = json_object_get(root, "layout");
    const char *lv = layout ? json_string_value(layout) : NULL;
    if (layout != NULL && (lv == NULL
                           || (strcmp(lv, "fields") != 0
                               && strcmp(lv, "clk") != 0))) {
        rc = vc_error_set(err, VC_EDATA,
                          "%s: \"layout\": expected \"fields\" or \"clk\"",
                          source);
        goto done;
    }
    s->field_scored = lv ? strcmp(lv, "fields") == 0 : !s->balance;
    if (s->field_scored && s->balance) {
        rc = vc_error_set(err, VC_EDATA,
                          "%s: \"layout\": \"fields\" cannot be balanced "
                          "(a balanced segment is never empty, so a missing "
                          "field could not be told): use \"clk\" or drop "
                          "\"balance\"",
                          source);
        goto done;
    }
    if (weighted && !s->field_scored) {
        rc = vc_error_set(err, VC_EDATA,
                          "%s: a field's \"weight\" is for the \"fields\" "
                          "layout; one CLK has no per-field weights",
                          source);
        goto done;
    }
    size_t seg[VC_LINK_MAX_FIELDS];
    if (s->field_scored && vc_link_schema_segments(s, seg) != 0) {
        rc = vc_error_set(err, VC_EDATA,
                          "%s: \"layout\": \"fields\" needs a segment of "
                          "64 bits per field: %zu fields in %zu bits",
                          source, s->nfields, vc_link_schema_bits(s));
        goto done;
    }
    schema_hash(s);
done:
    json_decref(root);
    if (rc != VC_OK) {
        vc_link_schema_clear(s);
    }
    return rc;
}
