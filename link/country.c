/*
 * country.c: a nationality to its ISO 3166-1 alpha-3 code, so that
 * offices that write "Россия", "Russia", "Russian Federation", "RU" or
 * "RUS" agree on the field (`encode`'s schema type "country", the
 * default for nationality).
 *
 * A value of 2 or 3 ASCII letters (spaces and dots aside: "U.K.") is
 * first read as a code, in any case: ISO 3166-1 alpha-2 or alpha-3, or
 * one of the few abbreviations below that are not ISO codes.  Otherwise
 * the value is normalised as a name (normalise.c: NFKC, case folding,
 * transliteration, folding of romanisations) and looked up among the
 * names of countries in English, Russian and the region's languages
 * (countries.inc, generated from CLDR by link/gen/gen_countries.c and
 * committed; data/reference/SOURCES.md).  Codes are tried before names
 * because the name folding would merge codes ("KHM" and "HM" both fold
 * to "hm").  A value that is neither stays its normalised text (lower
 * case, so it never equals a code, which is upper case): unknown values
 * are encoded as before, not refused.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/link_impl.h"

typedef struct {
    char a2[3], a3[4];
} country_code;

typedef struct {
    const char *key; /* the normalised name */
    char a3[4];
    const char *name; /* a written form that gives key (for tests) */
} country_name;

#include "link/countries.inc"

/* Abbreviations in use that ISO 3166-1 does not assign (or assigns to
 * nobody: "UK" is reserved for the United Kingdom). */
static const struct {
    char text[4], a3[4];
} code_aliases[] = {{"UK", "GBR"}, {"UAE", "ARE"}, {"RF", "RUS"}};

/* in as an upper-case code of 2 or 3 ASCII letters in c (size 4), or 0. */
static int code_text(const char *in, size_t len, char *c)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch == ' ' || ch == '\t' || ch == '.') {
            continue;
        }
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')) || n == 3) {
            return 0;
        }
        c[n++] = (char)toupper(ch);
    }
    c[n] = '\0';
    return n >= 2;
}

/* bsearch comparators: a code against country_codes (sorted by alpha-2),
 * a normalised name against country_names (sorted by key). */
static int cmp_a2(const void *c, const void *e)
{
    return strcmp(c, ((const country_code *)e)->a2);
}

static int cmp_key(const void *k, const void *e)
{
    return strcmp(k, ((const country_name *)e)->key);
}

static const char *code_find(const char *c)
{
    size_t nc = sizeof country_codes / sizeof country_codes[0];
    for (size_t i = 0; i < sizeof code_aliases / sizeof code_aliases[0]; i++) {
        if (strcmp(c, code_aliases[i].text) == 0) {
            return code_aliases[i].a3;
        }
    }
    if (strlen(c) == 2) {
        const country_code *k =
            bsearch(c, country_codes, nc, sizeof *country_codes, cmp_a2);
        return k != NULL ? k->a3 : NULL;
    }
    for (size_t i = 0; i < nc; i++) {
        if (strcmp(country_codes[i].a3, c) == 0) {
            return country_codes[i].a3;
        }
    }
    return NULL;
}

const char *vci_country_by_key(const char *key)
{
    const country_name *k =
        bsearch(key, country_names,
                sizeof country_names / sizeof country_names[0],
                sizeof *country_names, cmp_key);
    return k != NULL ? k->a3 : NULL;
}

size_t vci_country_names(size_t i, const char **key, const char **a3,
                         const char **name)
{
    size_t n = sizeof country_names / sizeof country_names[0];
    if (i < n) {
        *key = country_names[i].key;
        *a3 = country_names[i].a3;
        *name = country_names[i].name;
    }
    return n;
}

int vc_link_normalise_country(const char *in, size_t len, char *out,
                              size_t size, vc_error *err)
{
    char c[4];
    const char *a3 = NULL;
    if (size < 4) {
        return vc_error_set(err, VC_EINVAL, "normalise: no room for output");
    }
    if (code_text(in, len, c)) {
        a3 = code_find(c);
    }
    if (a3 == NULL) {
        int rc = vc_link_normalise_name(in, len, out, size, err);
        if (rc != VC_OK || out[0] == '\0') {
            return rc;
        }
        a3 = vci_country_by_key(out);
    }
    if (a3 != NULL) {
        memcpy(out, a3, 4);
    }
    return VC_OK;
}

void vci_country_table_digest(char out[17])
{
    /* FNV-1a (64-bit) over every entry of both tables, in order: enough
     * to tell tables apart, which is all the schema hash asks of it */
    uint64_t h = 0xcbf29ce484222325u;
    const char *parts[3];
    size_t nc = sizeof country_codes / sizeof country_codes[0];
    size_t nn = sizeof country_names / sizeof country_names[0];
    size_t na = sizeof code_aliases / sizeof code_aliases[0];
    for (size_t i = 0; i < nc + nn + na; i++) {
        if (i < nc) {
            parts[0] = country_codes[i].a2;
            parts[1] = country_codes[i].a3;
        } else if (i < nc + nn) {
            parts[0] = country_names[i - nc].key;
            parts[1] = country_names[i - nc].a3;
        } else {
            parts[0] = code_aliases[i - nc - nn].text;
            parts[1] = code_aliases[i - nc - nn].a3;
        }
        parts[2] = "\n";
        for (size_t k = 0; k < 3; k++) {
            for (const char *p = parts[k];; p++) {
                h ^= (unsigned char)*p;
                h *= 0x100000001b3u;
                if (*p == '\0') {
                    break;
                }
            }
        }
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
