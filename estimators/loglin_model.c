/*
 * loglin_model.c: the terms of hierarchical log-linear models and their
 * syntax.  A model (vc_loglin_model) is the set T of interaction terms,
 * closed under subsets, with M0's common main effect and the optional
 * heterogeneity columns; loglin.c sets up and fits it.
 *
 * Terms are kept in canonical order (by order, then by mask), so that two
 * models with the same terms are equal and print alike.  Adding a term adds
 * every subset of two or more lists, which keeps the model hierarchical.
 * Model strings are read in the forms users of R's Rcapture and SparseMSE
 * write (keywords, SparseMSE's "[12,3]", list names joined by '*' or ':',
 * one "h=Chao"-type heterogeneity summand: vc_loglin.h lists them) and
 * written back by their generators, in a form that parses to the same
 * model.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/loglin_impl.h"

/* ---------------------------------------------------------------------
 * Models
 * ------------------------------------------------------------------- */

int vci_loglin_check_J(size_t J, vc_error *err)
{
    if (J < 1 || J > VC_LOGLIN_MAX_LISTS) {
        return vc_error_set(err, VC_EINVAL,
                            "log-linear models take 1 to %d lists, not %zu",
                            VC_LOGLIN_MAX_LISTS, J);
    }
    return VC_OK;
}

int vc_loglin_model_independence(size_t J, vc_loglin_model *m, vc_error *err)
{
    int status = vci_loglin_check_J(J, err);
    if (status != VC_OK) {
        return status;
    }
    memset(m, 0, sizeof *m);
    m->J = J;
    return VC_OK;
}

int vc_loglin_model_m0(size_t J, vc_loglin_model *m, vc_error *err)
{
    int status = vc_loglin_model_independence(J, m, err);
    if (status == VC_OK) {
        m->common = 1;
    }
    return status;
}

int vc_loglin_model_all_two_way(size_t J, vc_loglin_model *m, vc_error *err)
{
    int status = vc_loglin_model_independence(J, m, err);
    for (size_t a = 0; status == VC_OK && a < J; a++) {
        for (size_t b = a + 1; status == VC_OK && b < J; b++) {
            status = vc_loglin_model_add(m, (1u << a) | (1u << b), err);
        }
    }
    return status;
}

/* Canonical order of terms: by order (number of lists), then by mask. */
/* The canonical order of terms: by order, then by mask. */
static int term_less(uint32_t a, uint32_t b)
{
    int pa = __builtin_popcount(a);
    int pb = __builtin_popcount(b);
    return pa != pb ? pa < pb : a < b;
}

void vci_terms_insert(uint32_t *term, size_t *n, uint32_t t)
{
    size_t i = *n;
    while (i > 0 && term_less(t, term[i - 1])) {
        term[i] = term[i - 1];
        i--;
    }
    term[i] = t;
    (*n)++;
}

int vc_loglin_model_has(const vc_loglin_model *m, uint32_t term)
{
    if (__builtin_popcount(term) <= 1) {
        return 1;
    }
    for (size_t i = 0; i < m->nterms; i++) {
        if (m->term[i] == term) {
            return 1;
        }
    }
    return 0;
}

/* Insert one term (no closure) keeping the order.  The caller checked room
 * and absence. */
static void insert_term(vc_loglin_model *m, uint32_t term)
{
    vci_terms_insert(m->term, &m->nterms, term);
}

int vc_loglin_model_add(vc_loglin_model *m, uint32_t term, vc_error *err)
{
    uint32_t valid = (uint32_t)((1u << m->J) - 1u);
    if (m->common) {
        return vc_error_set(err, VC_EINVAL,
                            "M0 (one main effect for all lists) takes no "
                            "interaction terms");
    }
    if (__builtin_popcount(term) < 2 || (term & ~valid) != 0) {
        return vc_error_set(err, VC_EINVAL,
                            "interaction term 0x%x needs two or more of the "
                            "%zu lists", (unsigned)term, m->J);
    }
    /* Every subset of term with two or more bits, by the standard
     * submask walk s = (s - 1) & term. */
    vc_loglin_model next = *m;
    for (uint32_t s = term;; s = (s - 1) & term) {
        if (__builtin_popcount(s) >= 2 && !vc_loglin_model_has(&next, s)) {
            if (next.nterms == VC_LOGLIN_MAX_TERMS) {
                return vc_error_set(err, VC_EINVAL,
                                    "a model may have at most %d "
                                    "interaction terms",
                                    VC_LOGLIN_MAX_TERMS);
            }
            insert_term(&next, s);
        }
        if (s == 0) {
            break;
        }
    }
    *m = next;
    return VC_OK;
}

static const char *skip_space(const char *p)
{
    while (*p != '\0' && isspace((unsigned char)*p)) {
        p++;
    }
    return p;
}

/* Case-insensitive comparison of s (trimmed) with a keyword. */
static int is_keyword(const char *s, const char *keyword)
{
    s = skip_space(s);
    size_t k = strlen(keyword);
    for (size_t i = 0; i < k; i++) {
        if (tolower((unsigned char)s[i]) != keyword[i]) {
            return 0;
        }
    }
    return *skip_space(s + k) == '\0';
}

/* Add a term given as a mask with any number of bits: one bit is a main
 * effect, already in. */
static int add_group(vc_loglin_model *m, uint32_t mask, vc_error *err)
{
    if (__builtin_popcount(mask) < 2) {
        return VC_OK;
    }
    return vc_loglin_model_add(m, mask, err);
}

/* "[12,3]": groups of 1-based list digits. */
static int parse_bracket(const char *spec, const char *p, vc_loglin_model *m,
                         vc_error *err)
{
    size_t J = m->J;
    if (J > 9) {
        return vc_error_set(err, VC_EINVAL,
                            "model \"%s\": the bracket form numbers lists "
                            "with one digit, so it needs J <= 9 (here %zu); "
                            "use list names", spec, J);
    }
    p = skip_space(p + 1);
    for (;;) {
        uint32_t mask = 0;
        size_t ndigit = 0;
        while (isdigit((unsigned char)*p)) {
            int d = *p - '0';
            if (d < 1 || (size_t)d > J) {
                return vc_error_set(err, VC_EINVAL,
                                    "model \"%s\": list %d does not exist "
                                    "(lists are 1 to %zu)", spec, d, J);
            }
            if (mask >> (d - 1) & 1u) {
                return vc_error_set(err, VC_EINVAL,
                                    "model \"%s\": list %d repeated in a "
                                    "term", spec, d);
            }
            mask |= 1u << (d - 1);
            ndigit++;
            p++;
        }
        if (ndigit == 0) {
            return vc_error_set(err, VC_EINVAL,
                                "model \"%s\": expected list numbers at "
                                "\"%s\"", spec, p);
        }
        int status = add_group(m, mask, err);
        if (status != VC_OK) {
            return status;
        }
        p = skip_space(p);
        if (*p == ',') {
            p = skip_space(p + 1);
            continue;
        }
        if (*p == ']') {
            break;
        }
        return vc_error_set(err, VC_EINVAL,
                            "model \"%s\": expected \",\" or \"]\" at \"%s\"",
                            spec, p);
    }
    p = skip_space(p + 1);
    if (*p != '\0') {
        return vc_error_set(err, VC_EINVAL,
                            "model \"%s\": unexpected \"%s\" after \"]\"",
                            spec, p);
    }
    return VC_OK;
}

/* Index of the list whose name is the len bytes at s, or -1. */
static int find_name(const char *s, size_t len, size_t J,
                     const char *const *names)
{
    for (size_t j = 0; j < J; j++) {
        if (strlen(names[j]) == len && memcmp(names[j], s, len) == 0) {
            return (int)j;
        }
    }
    return -1;
}

/* The next '+' of a model string outside double quotes and parentheses,
 * or NULL.  A name in quotes may hold '+' (a merged list "IOM+NGO"); a
 * doubled quote inside quotes toggles twice, so it needs no case of its
 * own.  A theta in parentheses may hold one too: "h=Gamma(1e+20)", as
 * vc_loglin_model_format prints a large theta. */
static const char *next_plus(const char *s)
{
    int quoted = 0;
    size_t depth = 0;
    for (; *s != '\0'; s++) {
        if (*s == '"') {
            quoted = !quoted;
        } else if (quoted) {
            continue;
        } else if (*s == '(') {
            depth++;
        } else if (*s == ')' && depth > 0) {
            depth--;
        } else if (*s == '+' && depth == 0) {
            return s;
        }
    }
    return NULL;
}

/* A quoted name at p (on the opening quote) into name (room for strlen(p)
 * bytes), each doubled quote read as one; returns the byte after the
 * closing quote, or NULL when there is none. */
static const char *read_quoted(const char *p, char *name, size_t *len)
{
    size_t n = 0;
    for (p++; *p != '\0'; p++) {
        if (*p == '"') {
            if (p[1] != '"') {
                name[n] = '\0';
                *len = n;
                return p + 1;
            }
            p++;
        }
        name[n++] = *p;
    }
    return NULL;
}

/* "IOM*NGO + Police": summands split by '+', lists joined by '*' or ':',
 * a name in double quotes when it holds one of those ("IOM+NGO"*Police). */
static int parse_names(const char *spec, const char *const *names,
                       vc_loglin_model *m, vc_error *err)
{
    size_t J = m->J;
    if (names == NULL) {
        return vc_error_set(err, VC_EINVAL,
                            "model \"%s\": list names are unknown here; use "
                            "the bracket form such as [12,3]", spec);
    }
    char *quoted = malloc(strlen(spec) + 1);
    if (quoted == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot copy the model string");
    }
    int status = VC_OK;
    const char *p = skip_space(spec);
    while (status == VC_OK) {
        uint32_t mask = 0;
        for (;;) {
            p = skip_space(p);
            const char *start = p;
            const char *name = p;
            size_t nlen;
            if (*p == '"') {
                p = read_quoted(p, quoted, &nlen);
                if (p == NULL) {
                    status = vc_error_set(err, VC_EINVAL,
                                          "model \"%s\": a quoted list name "
                                          "has no closing quote at \"%s\"",
                                          spec, start);
                    break;
                }
                name = quoted;
                p = skip_space(p);
                if (*p != '\0' && *p != '+' && *p != '*' && *p != ':') {
                    status = vc_error_set(err, VC_EINVAL,
                                          "model \"%s\": expected \"*\", "
                                          "\":\" or \"+\" after a quoted "
                                          "name at \"%s\"", spec, p);
                    break;
                }
            } else {
                while (*p != '\0' && *p != '+' && *p != '*' && *p != ':') {
                    p++;
                }
                const char *end = p;
                while (end > start && isspace((unsigned char)end[-1])) {
                    end--;
                }
                if (end == start) {
                    status = vc_error_set(err, VC_EINVAL,
                                          "model \"%s\": a list name is "
                                          "missing at \"%s\"", spec, start);
                    break;
                }
                nlen = (size_t)(end - start);
            }
            int j = find_name(name, nlen, J, names);
            if (j < 0) {
                status = vc_error_set(err, VC_EINVAL,
                                      "model \"%s\": no list is named "
                                      "\"%.*s\"", spec, (int)nlen, name);
                break;
            }
            if (mask >> j & 1u) {
                status = vc_error_set(err, VC_EINVAL,
                                      "model \"%s\": list \"%s\" repeated "
                                      "in a term", spec, names[j]);
                break;
            }
            mask |= 1u << j;
            if (*p == '*' || *p == ':') {
                p++;
                continue;
            }
            break;
        }
        if (status == VC_OK) {
            status = add_group(m, mask, err);
        }
        if (status != VC_OK || *p != '+') {
            break; /* *p == '\0' when all went well */
        }
        p++;
    }
    free(quoted);
    return status;
}

int vc_loglin_model_set_het(vc_loglin_model *m, int het, double theta,
                            vc_error *err)
{
    if (het == VC_LOGLIN_HET_NONE) {
        m->het = het;
        m->theta = 0.0;
        m->eta_zero = 0;
        return VC_OK;
    }
    if (het < VC_LOGLIN_HET_CHAO || het > VC_LOGLIN_HET_GAMMA) {
        return vc_error_set(err, VC_EINVAL, "unknown heterogeneity form %d",
                            het);
    }
    if (m->J < 3) {
        return vc_error_set(err, VC_EINVAL,
                            "heterogeneity models need 3 or more lists "
                            "(here %zu)", m->J);
    }
    if (het == VC_LOGLIN_HET_POISSON) {
        theta = theta > 0.0 ? theta : VC_LOGLIN_POISSON_THETA;
        if (!(theta > 1.0) || !isfinite(theta)) {
            return vc_error_set(err, VC_EINVAL,
                                "the Poisson heterogeneity theta^k - 1 needs "
                                "theta > 1, not %g", theta);
        }
    } else if (het == VC_LOGLIN_HET_GAMMA) {
        theta = theta > 0.0 ? theta : VC_LOGLIN_GAMMA_THETA;
        if (!isfinite(theta)) {
            return vc_error_set(err, VC_EINVAL,
                                "the Gamma heterogeneity needs a finite "
                                "theta > 0");
        }
    } else {
        theta = 0.0;
    }
    m->het = het;
    m->theta = theta;
    m->eta_zero = 0;
    return VC_OK;
}

size_t vc_loglin_model_nhet(const vc_loglin_model *m)
{
    if (m->het == VC_LOGLIN_HET_NONE) {
        return 0;
    }
    return m->het == VC_LOGLIN_HET_CHAO ? m->J - 2 : 1;
}

/* Case-insensitive: does s[0..len) equal word? */
static int word_is(const char *s, size_t len, const char *word)
{
    if (strlen(word) != len) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (tolower((unsigned char)s[i]) != word[i]) {
            return 0;
        }
    }
    return 1;
}

/* A heterogeneity summand "h=Name" or "h=Name(theta)" in s[0..len), the
 * "h" already trimmed at the front; its form is set in m. */
static int parse_het(const char *spec, const char *s, size_t len,
                     vc_loglin_model *m, vc_error *err)
{
    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    const char *p = skip_space(s + 1);  /* past "h" */
    p = skip_space(p + 1);              /* past "=" */
    const char *end = s + len;
    const char *name = p;
    while (p < end && isalnum((unsigned char)*p)) {
        p++;
    }
    size_t nlen = (size_t)(p - name);
    double theta = 0.0;
    while (p < end && isspace((unsigned char)*p)) {
        p++;
    }
    if (p < end && *p == '(') {
        char *stop;
        theta = strtod(p + 1, &stop);
        const char *q = skip_space(stop);
        if (stop == p + 1 || q >= end || *q != ')' || !(theta > 0.0)) {
            return vc_error_set(err, VC_EINVAL,
                                "model \"%s\": expected a positive number "
                                "in parentheses after \"%.*s\"", spec,
                                (int)nlen, name);
        }
        p = q + 1;
        while (p < end && isspace((unsigned char)*p)) {
            p++;
        }
    }
    if (p != end) {
        return vc_error_set(err, VC_EINVAL,
                            "model \"%s\": unexpected \"%.*s\" in the "
                            "heterogeneity term", spec, (int)(end - p), p);
    }
    int het;
    if (word_is(name, nlen, "chao") || word_is(name, nlen, "lb")) {
        het = VC_LOGLIN_HET_CHAO;
    } else if (word_is(name, nlen, "poisson")) {
        het = VC_LOGLIN_HET_POISSON;
    } else if (word_is(name, nlen, "darroch")) {
        het = VC_LOGLIN_HET_DARROCH;
    } else if (word_is(name, nlen, "gamma")) {
        het = VC_LOGLIN_HET_GAMMA;
    } else {
        return vc_error_set(err, VC_EINVAL,
                            "model \"%s\": heterogeneity \"%.*s\" is not "
                            "Chao, LB, Poisson, Darroch or Gamma", spec,
                            (int)nlen, name);
    }
    if (theta > 0.0 && (het == VC_LOGLIN_HET_CHAO
                        || het == VC_LOGLIN_HET_DARROCH)) {
        return vc_error_set(err, VC_EINVAL,
                            "model \"%s\": %.*s heterogeneity takes no "
                            "parameter", spec, (int)nlen, name);
    }
    return vc_loglin_model_set_het(m, het, theta, err);
}

/* Is the summand starting at s (spaces skipped) a heterogeneity term
 * "h = ..."? */
static int is_het_summand(const char *s)
{
    s = skip_space(s);
    return (*s == 'h' || *s == 'H') && *skip_space(s + 1) == '=';
}

/* The model part of a string, heterogeneity summands removed. */
static int parse_terms(const char *spec, const char *body, size_t J,
                       const char *const *names, vc_loglin_model *tmp,
                       vc_error *err)
{
    if (*skip_space(body) == '\0') {
        return vc_error_set(err, VC_EINVAL,
                            "model \"%s\": no terms besides the "
                            "heterogeneity (write \"independence + h=...\" "
                            "or \"M0 + h=...\")",
                            spec);
    }
    if (is_keyword(body, "independence")) {
        return VC_OK;
    }
    if (is_keyword(body, "all-two-way")) {
        return vc_loglin_model_all_two_way(J, tmp, err);
    }
    if (is_keyword(body, "m0")) {
        return vc_loglin_model_m0(J, tmp, err);
    }
    const char *p = skip_space(body);
    if (*p == '[') {
        return parse_bracket(spec, p, tmp, err);
    }
    /* The name parser quotes the string it reads: the terms alone. */
    return parse_names(body, names, tmp, err);
}

int vc_loglin_model_parse(const char *spec, size_t J, const char *const *names,
                          vc_loglin_model *m, vc_error *err)
{
    vc_loglin_model tmp;
    int status = vc_loglin_model_independence(J, &tmp, err);
    if (status != VC_OK) {
        return status;
    }
    if (spec == NULL || *skip_space(spec) == '\0') {
        return vc_error_set(err, VC_EINVAL, "the model string is empty");
    }
    /* Split the summands at '+': heterogeneity ones are parsed here, the
     * others are copied into body for the term parsers. */
    size_t len = strlen(spec);
    char *body = malloc(len + 1);
    if (body == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot copy the model string");
    }
    size_t blen = 0;
    int nhet = 0;
    size_t nbody = 0;
    int saw_m0 = 0;
    vc_loglin_model hetm = tmp;
    const char *s = spec;
    for (;;) {
        const char *end = next_plus(s);
        size_t slen = end != NULL ? (size_t)(end - s) : strlen(s);
        if (is_het_summand(s)) {
            if (nhet++ > 0) {
                status = vc_error_set(err, VC_EINVAL,
                                      "model \"%s\": more than one "
                                      "heterogeneity term", spec);
                break;
            }
            status = parse_het(spec, skip_space(s),
                               slen - (size_t)(skip_space(s) - s), &hetm,
                               err);
            if (status != VC_OK) {
                break;
            }
        } else {
            if (blen > 0) {
                body[blen++] = '+';
            }
            memcpy(body + blen, s, slen);
            blen += slen;
            nbody++;
            const char *w0 = skip_space(s);
            size_t wlen = slen - (size_t)(w0 - s);
            while (wlen > 0 && isspace((unsigned char)w0[wlen - 1])) {
                wlen--;
            }
            saw_m0 |= word_is(w0, wlen, "m0");
        }
        if (end == NULL) {
            break;
        }
        s = end + 1;
    }
    body[blen] = '\0';
    if (status == VC_OK && saw_m0 && nbody > 1) {
        status = vc_error_set(err, VC_EINVAL,
                              "model \"%s\": M0 (one main effect for all "
                              "lists) takes no interaction terms; write "
                              "\"M0\" or \"M0 + h=...\"", spec);
    }
    if (status == VC_OK) {
        status = parse_terms(spec, body, J, names, &tmp, err);
    }
    free(body);
    if (status == VC_OK && nhet > 0) {
        status = vc_loglin_model_set_het(&tmp, hetm.het, hetm.theta, err);
    }
    if (status == VC_OK) {
        *m = tmp;
    }
    return status;
}

/* Generators of a model: interaction terms in no larger term, and main
 * effects in no interaction.  Returns their number; g has room for
 * J + VC_LOGLIN_MAX_TERMS masks. */
static size_t generators(const vc_loglin_model *m, uint32_t *g)
{
    size_t ng = 0;
    uint32_t covered = 0;
    for (size_t i = 0; i < m->nterms; i++) {
        uint32_t t = m->term[i];
        int maximal = 1;
        for (size_t k = 0; k < m->nterms; k++) {
            if (m->term[k] != t && (m->term[k] & t) == t) {
                maximal = 0;
                break;
            }
        }
        covered |= t;
        if (maximal) {
            g[ng++] = t;
        }
    }
    for (size_t j = 0; j < m->J; j++) {
        if (!(covered >> j & 1u)) {
            g[ng++] = 1u << j;
        }
    }
    return ng;
}

/* Order generators by their lowest list, then the next, ...: "12" < "13" <
 * "23" < "3", the order SparseMSE prints. */
static int gen_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa;
    uint32_t b = *(const uint32_t *)pb;
    while (a != 0 && b != 0) {
        int la = __builtin_ctz(a);
        int lb = __builtin_ctz(b);
        if (la != lb) {
            return la < lb ? -1 : 1;
        }
        a &= a - 1;
        b &= b - 1;
    }
    return (a != 0) - (b != 0);
}

/* Append to buf, tracking overflow in *full. */
static void append(char *buf, size_t size, size_t *len, const char *s,
                   int *full)
{
    size_t k = strlen(s);
    if (*len + k + 1 > size) {
        *full = 1;
        k = size > *len + 1 ? size - *len - 1 : 0;
    }
    memcpy(buf + *len, s, k);
    *len += k;
    if (size > 0) {
        buf[*len] = '\0';
    }
}

/* Does a list name need quotes to parse back as itself: empty, holding a
 * separator, a quote or a parenthesis (which would hide a '+' from the
 * split into summands), spaces at either end, or read as a keyword, a
 * bracket model or a heterogeneity summand when bare? */
static int needs_quotes(const char *name)
{
    size_t n = strlen(name);
    return n == 0 || strpbrk(name, "+*:\"()") != NULL
           || isspace((unsigned char)name[0])
           || isspace((unsigned char)name[n - 1]) || name[0] == '['
           || word_is(name, n, "independence")
           || word_is(name, n, "all-two-way") || word_is(name, n, "m0")
           || is_het_summand(name);
}

/* Append a list name, in double quotes (inner quotes doubled) when it
 * needs them. */
static void append_name(char *buf, size_t size, size_t *len, const char *name,
                        int *full)
{
    if (!needs_quotes(name)) {
        append(buf, size, len, name, full);
        return;
    }
    append(buf, size, len, "\"", full);
    for (const char *p = name; *p != '\0'; p++) {
        char c[3] = {*p, '\0', '\0'};
        if (*p == '"') {
            c[1] = '"';
        }
        append(buf, size, len, c, full);
    }
    append(buf, size, len, "\"", full);
}

int vc_loglin_model_format(const vc_loglin_model *m, const char *const *names,
                           char *buf, size_t size, vc_error *err)
{
    if (size == 0) {
        return vc_error_set(err, VC_EINVAL, "no room for the model string");
    }
    buf[0] = '\0';
    if (names == NULL && m->J > 9 && !m->common) {
        return vc_error_set(err, VC_EINVAL,
                            "the bracket form needs J <= 9 (here %zu)", m->J);
    }
    uint32_t g[VC_LOGLIN_MAX_LISTS + VC_LOGLIN_MAX_TERMS];
    /* M0 has no generators to list: its keyword stands for the model. */
    size_t ng = m->common ? 0 : generators(m, g);
    qsort(g, ng, sizeof *g, gen_cmp);
    size_t len = 0;
    int full = 0;
    if (m->common) {
        append(buf, size, &len, "M0", &full);
    } else if (names == NULL) {
        append(buf, size, &len, "[", &full);
    }
    for (size_t i = 0; i < ng; i++) {
        if (i > 0) {
            append(buf, size, &len, names == NULL ? "," : " + ", &full);
        }
        int first = 1;
        for (uint32_t t = g[i]; t != 0; t &= t - 1) {
            int j = __builtin_ctz(t);
            if (names == NULL) {
                char digit[2] = { (char)('1' + j), '\0' };
                append(buf, size, &len, digit, &full);
            } else {
                if (!first) {
                    append(buf, size, &len, "*", &full);
                }
                append_name(buf, size, &len, names[j], &full);
            }
            first = 0;
        }
    }
    if (names == NULL && !m->common) {
        append(buf, size, &len, "]", &full);
    }
    if (m->het != VC_LOGLIN_HET_NONE) {
        char h[64];
        switch (m->het) {
        case VC_LOGLIN_HET_CHAO:
            snprintf(h, sizeof h, " + h=Chao");
            break;
        case VC_LOGLIN_HET_POISSON:
            snprintf(h, sizeof h, " + h=Poisson(%.17g)", m->theta);
            break;
        case VC_LOGLIN_HET_DARROCH:
            snprintf(h, sizeof h, " + h=Darroch");
            break;
        default:
            snprintf(h, sizeof h, " + h=Gamma(%.17g)", m->theta);
            break;
        }
        append(buf, size, &len, h, &full);
    }
    if (full) {
        return vc_error_set(err, VC_EINVAL,
                            "the model string needs more than %zu bytes",
                            size);
    }
    return VC_OK;
}
