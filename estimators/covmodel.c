/*
 * covmodel.c: terms of log-linear models with covariates, and the R
 * formulas that name them.
 *
 * A term is a set of variables (a mask: bit j < J list j, bit J + v
 * covariate v).  A model is a set of terms closed under non-empty subsets
 * (hierarchical), always holding every main effect, sorted by order then
 * mask so that equal models compare equal.
 *
 * Formulas follow R's algebra of terms (Chambers & Hastie 1992,
 * "Statistical Models in S", sec. 2.3.1; Wilkinson & Rogers 1973), where
 * every operand is a set of terms:
 *   A + B   union
 *   A : B   { a u b : a in A, b in B }
 *   A * B   A + B + A:B
 *   A ^ k   A * A * ... * A (k times): every interaction of up to k
 *           terms of A (a:a = a)
 * with R's precedence, tightest first: ^, :, *, +.  Parentheses group.
 * Grammar (recursive descent):
 *   formula := ['~'] sum
 *   sum     := prod ('+' prod)*
 *   prod    := inter ('*' inter)*
 *   inter   := power (':' power)*
 *   power   := primary ['^' digits]
 *   primary := name | '"' quoted '"' | '`' quoted '`' | '(' sum ')'
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "estimators/loglin_impl.h"
#include "estimators/vc_covloglin.h"

/* Most terms an operand of the formula may hold on the way (before the
 * model is closed under subsets). */
#define SET_MAX VC_COV_MAX_TERMS


int vc_covloglin_model_has(const vc_covloglin_model *m, uint32_t term)
{
    for (size_t i = 0; i < m->nterms; i++) {
        if (m->term[i] == term) {
            return 1;
        }
    }
    return 0;
}

/* Insert one term (not present) in canonical order. */
static void insert_term(vc_covloglin_model *m, uint32_t term)
{
    vci_terms_insert(m->term, &m->nterms, term);
}

int vc_covloglin_model_add(vc_covloglin_model *m, uint32_t term,
                           vc_error *err)
{
    uint32_t all = (uint32_t)((1ull << (m->J + m->V)) - 1);
    uint32_t lists = (1u << m->J) - 1;
    if (term == 0 || (term & ~all) != 0) {
        return vc_error_set(err, VC_EINVAL, "term 0x%x is not a term of "
                            "%zu lists and %zu covariates", term, m->J, m->V);
    }
    if ((term & lists) == lists) {
        return vc_error_set(err, VC_ENOTIDENT,
                            "a term holds every list: the number nobody saw "
                            "would not be identifiable");
    }
    /* Every non-empty subset of term (Gosper-free: walk sub = (sub - 1) &
     * term from term down). */
    for (uint32_t sub = term;; sub = (sub - 1) & term) {
        if (sub != 0 && !vc_covloglin_model_has(m, sub)) {
            if (m->nterms >= VC_COV_MAX_TERMS) {
                return vc_error_set(err, VC_EINVAL,
                                    "a model holds at most %d terms",
                                    VC_COV_MAX_TERMS);
            }
            insert_term(m, sub);
        }
        if (sub == 0) {
            break;
        }
    }
    return VC_OK;
}

int vc_covloglin_model_independence(size_t J, size_t V,
                                    vc_covloglin_model *m, vc_error *err)
{
    if (J < 2 || J > VC_COV_MAX_LISTS || V > VC_COV_MAX_COVARIATES) {
        return vc_error_set(err, VC_EINVAL,
                            "expected 2 to %d lists and at most %d "
                            "covariates, got %zu and %zu", VC_COV_MAX_LISTS,
                            VC_COV_MAX_COVARIATES, J, V);
    }
    memset(m, 0, sizeof *m);
    m->J = J;
    m->V = V;
    for (size_t i = 0; i < J + V; i++) {
        m->term[m->nterms++] = 1u << i;
    }
    return VC_OK;
}

/* ---------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------- */

typedef struct {
    uint32_t t[SET_MAX];
    size_t n;
} term_set;

typedef struct {
    const char *spec;
    const char *p;
    const vc_covtable *ct;
    vc_error *err;
    int status;
} parser;

static int fail(parser *ps, const char *p, const char *what)
{
    if (ps->status != VC_OK) {
        return ps->status;
    }
    char got[24];
    if (*p == '\0') {
        snprintf(got, sizeof got, "the end");
    } else {
        snprintf(got, sizeof got, "\"%.*s\"", (int)strcspn(p, " +*:^()"),
                 p);
        if (strcspn(p, " +*:^()") == 0) {
            snprintf(got, sizeof got, "\"%c\"", *p);
        }
    }
    ps->status = vc_error_set(ps->err, VC_EINVAL,
                              "model \"%s\": at character %zu: expected %s, "
                              "got %s", ps->spec, (size_t)(p - ps->spec) + 1,
                              what, got);
    return ps->status;
}

static void skip(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t') {
        ps->p++;
    }
}

static int set_add(parser *ps, term_set *s, uint32_t t, const char *at)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->t[i] == t) {
            return VC_OK;
        }
    }
    if (s->n >= SET_MAX) {
        return fail(ps, at, "fewer terms (too many)");
    }
    s->t[s->n++] = t;
    return VC_OK;
}

/* a := a:b */
static int set_interact(parser *ps, term_set *a, const term_set *b,
                        const char *at)
{
    term_set r;
    r.n = 0;
    for (size_t i = 0; i < a->n; i++) {
        for (size_t k = 0; k < b->n; k++) {
            if (set_add(ps, &r, a->t[i] | b->t[k], at) != VC_OK) {
                return ps->status;
            }
        }
    }
    *a = r;
    return VC_OK;
}

/* a := a*b = a + b + a:b */
static int set_cross(parser *ps, term_set *a, const term_set *b,
                     const char *at)
{
    term_set r = *a;
    for (size_t k = 0; k < b->n; k++) {
        if (set_add(ps, &r, b->t[k], at) != VC_OK) {
            return ps->status;
        }
    }
    term_set ab = *a;
    if (set_interact(ps, &ab, b, at) != VC_OK) {
        return ps->status;
    }
    for (size_t k = 0; k < ab.n; k++) {
        if (set_add(ps, &r, ab.t[k], at) != VC_OK) {
            return ps->status;
        }
    }
    *a = r;
    return VC_OK;
}

static int parse_sum(parser *ps, term_set *out);

/* A variable's index among lists then covariates, or SIZE_MAX. */
static size_t find_var(const vc_covtable *ct, const char *s, size_t len)
{
    for (size_t j = 0; j < ct->J; j++) {
        if (strlen(ct->lists[j]) == len && memcmp(ct->lists[j], s, len) == 0) {
            return j;
        }
    }
    for (size_t v = 0; v < ct->V; v++) {
        if (strlen(ct->cov[v]) == len && memcmp(ct->cov[v], s, len) == 0) {
            return ct->J + v;
        }
    }
    return SIZE_MAX;
}

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.'
           || (unsigned char)c >= 0x80;
}

static int parse_primary(parser *ps, term_set *out)
{
    skip(ps);
    const char *at = ps->p;
    out->n = 0;
    if (*ps->p == '(') {
        ps->p++;
        if (parse_sum(ps, out) != VC_OK) {
            return ps->status;
        }
        skip(ps);
        if (*ps->p != ')') {
            return fail(ps, ps->p, "\")\" or an operator (+ * : ^)");
        }
        ps->p++;
        return VC_OK;
    }
    char name[256];
    size_t len = 0;
    if (*ps->p == '"' || *ps->p == '`') {
        char q = *ps->p++;
        for (;;) {
            if (*ps->p == '\0') {
                return fail(ps, at, "a closing quote for this name");
            }
            if (*ps->p == q && ps->p[1] == q) {
                ps->p++;
            } else if (*ps->p == q) {
                ps->p++;
                break;
            }
            if (len + 1 >= sizeof name) {
                return fail(ps, at, "a shorter name");
            }
            name[len++] = *ps->p++;
        }
    } else {
        while (is_name_char(*ps->p) || (*ps->p == '-' && len > 0
                                        && is_name_char(ps->p[1]))) {
            if (len + 1 >= sizeof name) {
                return fail(ps, at, "a shorter name");
            }
            name[len++] = *ps->p++;
        }
        if (len == 0) {
            return fail(ps, at, "a list or covariate name or \"(\"");
        }
    }
    name[len] = '\0';
    size_t var = find_var(ps->ct, name, len);
    if (var == SIZE_MAX) {
        char what[512];
        size_t o = (size_t)snprintf(what, sizeof what, "a list (");
        for (size_t j = 0; j < ps->ct->J && o < sizeof what; j++) {
            o += (size_t)snprintf(what + o, sizeof what - o, "%s%s",
                                  j ? ", " : "", ps->ct->lists[j]);
        }
        for (size_t v = 0; v < ps->ct->V && o < sizeof what; v++) {
            o += (size_t)snprintf(what + o, sizeof what - o,
                                  "%s%s", v ? ", " : ") or a covariate (",
                                  ps->ct->cov[v]);
        }
        if (o < sizeof what) {
            snprintf(what + o, sizeof what - o, ")");
        }
        return fail(ps, at, what);
    }
    out->t[0] = 1u << var;
    out->n = 1;
    return VC_OK;
}

static int parse_power(parser *ps, term_set *out)
{
    if (parse_primary(ps, out) != VC_OK) {
        return ps->status;
    }
    skip(ps);
    if (*ps->p != '^') {
        return VC_OK;
    }
    ps->p++;
    skip(ps);
    const char *at = ps->p;
    unsigned long k = 0;
    while (isdigit((unsigned char)*ps->p) && k < 100) {
        k = k * 10 + (unsigned long)(*ps->p++ - '0');
    }
    if (ps->p == at || k < 1 || k > 32) {
        return fail(ps, at, "a whole number from 1 to 32 after \"^\"");
    }
    term_set base = *out;
    for (unsigned long i = 1; i < k; i++) {
        size_t before = out->n;
        if (set_cross(ps, out, &base, at) != VC_OK) {
            return ps->status;
        }
        if (out->n == before) {
            break; /* closed: higher powers add nothing */
        }
    }
    return VC_OK;
}

static int parse_inter(parser *ps, term_set *out)
{
    if (parse_power(ps, out) != VC_OK) {
        return ps->status;
    }
    for (;;) {
        skip(ps);
        if (*ps->p != ':') {
            return VC_OK;
        }
        const char *at = ps->p++;
        term_set b;
        if (parse_power(ps, &b) != VC_OK
            || set_interact(ps, out, &b, at) != VC_OK) {
            return ps->status;
        }
    }
}

static int parse_prod(parser *ps, term_set *out)
{
    if (parse_inter(ps, out) != VC_OK) {
        return ps->status;
    }
    for (;;) {
        skip(ps);
        if (*ps->p != '*') {
            return VC_OK;
        }
        const char *at = ps->p++;
        term_set b;
        if (parse_inter(ps, &b) != VC_OK
            || set_cross(ps, out, &b, at) != VC_OK) {
            return ps->status;
        }
    }
}

static int parse_sum(parser *ps, term_set *out)
{
    if (parse_prod(ps, out) != VC_OK) {
        return ps->status;
    }
    for (;;) {
        skip(ps);
        if (*ps->p != '+') {
            return VC_OK;
        }
        const char *at = ps->p++;
        term_set b;
        if (parse_prod(ps, &b) != VC_OK) {
            return ps->status;
        }
        for (size_t k = 0; k < b.n; k++) {
            if (set_add(ps, out, b.t[k], at) != VC_OK) {
                return ps->status;
            }
        }
    }
}

static int is_word(const char *s, const char *w)
{
    while (*s == ' ') {
        s++;
    }
    size_t n = strlen(w);
    if (strncasecmp(s, w, n) != 0) {
        return 0;
    }
    for (s += n; *s == ' '; s++) {
    }
    return *s == '\0';
}

int vc_covloglin_model_parse(const char *spec, const vc_covtable *ct,
                             vc_covloglin_model *m, vc_error *err)
{
    if (vc_covloglin_model_independence(ct->J, ct->V, m, err) != VC_OK) {
        return VC_EINVAL;
    }
    if (is_word(spec, "independence")) {
        return VC_OK;
    }
    if (is_word(spec, "all-two-way")) {
        size_t nv = ct->J + ct->V;
        uint32_t lists = (1u << ct->J) - 1;
        for (size_t a = 0; a < nv; a++) {
            for (size_t b = a + 1; b < nv; b++) {
                uint32_t t = (1u << a) | (1u << b);
                if ((t & lists) != lists
                    && vc_covloglin_model_add(m, t, err) != VC_OK) {
                    return VC_EINVAL;
                }
            }
        }
        return VC_OK;
    }
    parser ps = {spec, spec, ct, err, VC_OK};
    skip(&ps);
    if (*ps.p == '~') {
        ps.p++;
    }
    term_set s;
    if (parse_sum(&ps, &s) != VC_OK) {
        return ps.status;
    }
    skip(&ps);
    if (*ps.p != '\0') {
        return fail(&ps, ps.p, "an operator (+ * : ^) or the end");
    }
    for (size_t i = 0; i < s.n; i++) {
        int st = vc_covloglin_model_add(m, s.t[i], NULL);
        if (st != VC_OK) {
            char buf[300];
            size_t o = 0;
            for (size_t v = 0; v < ct->J + ct->V && o < sizeof buf; v++) {
                if (s.t[i] >> v & 1u) {
                    o += (size_t)snprintf(
                        buf + o, sizeof buf - o, "%s%s", o ? ":" : "",
                        v < ct->J ? ct->lists[v] : ct->cov[v - ct->J]);
                }
            }
            return vc_error_set(
                err, VC_EINVAL, "model \"%s\": term %s %s", spec, buf,
                st == VC_ENOTIDENT
                    ? "holds every list: the number nobody saw would not "
                      "be identifiable"
                    : "makes the model too large");
        }
    }
    return VC_OK;
}

/* ---------------------------------------------------------------------
 * Printing
 * ------------------------------------------------------------------- */

static void append(char *buf, size_t size, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n < size) {
        memcpy(buf + *len, s, n + 1);
    }
    *len += n;
}

static void append_name(char *buf, size_t size, size_t *len, const char *s)
{
    int plain = *s != '\0' && !isdigit((unsigned char)*s);
    for (const char *p = s; plain && *p; p++) {
        plain = is_name_char(*p);
    }
    if (plain) {
        append(buf, size, len, s);
        return;
    }
    append(buf, size, len, "\"");
    for (const char *p = s; *p; p++) {
        char one[3] = {*p, *p == '"' ? '"' : '\0', '\0'};
        append(buf, size, len, one);
    }
    append(buf, size, len, "\"");
}

int vc_covloglin_model_format(const vc_covloglin_model *m,
                              const vc_covtable *ct, char *buf, size_t size,
                              vc_error *err)
{
    size_t len = 0;
    if (size > 0) {
        buf[0] = '\0';
    }
    /* Generators: terms in no larger term, in canonical order. */
    int first = 1;
    for (size_t i = 0; i < m->nterms; i++) {
        uint32_t t = m->term[i];
        int gen = 1;
        for (size_t k = 0; k < m->nterms && gen; k++) {
            gen = !(m->term[k] != t && (m->term[k] & t) == t);
        }
        if (!gen) {
            continue;
        }
        if (!first) {
            append(buf, size, &len, " + ");
        }
        first = 0;
        int f = 1;
        for (size_t v = 0; v < m->J + m->V; v++) {
            if (t >> v & 1u) {
                if (!f) {
                    append(buf, size, &len, "*");
                }
                f = 0;
                append_name(buf, size, &len,
                            v < ct->J ? ct->lists[v] : ct->cov[v - ct->J]);
            }
        }
    }
    if (len >= size) {
        if (size > 0) {
            buf[size - 1] = '\0';
        }
        return vc_error_set(err, VC_EINVAL, "model string longer than %zu "
                            "bytes", size);
    }
    return VC_OK;
}
