/*
 * synthesis.c: which number to quote (issue 17), on the command line's
 * side: which methods take part, each method's result as the library's
 * input (vc_synth_method), and the synthesis in JSON, text and CSV.  The
 * statistics are the library's (report/synthesis.c, the regimes in
 * models/dga_regimes.c and estimators/loglin_regimes.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "estimators/vc_loglin.h"
#include "report/vc_report.h"

/* The methods a synthesis takes, in this order within a stratum's rows. */
static const char *const synth_methods[] = {"loglinear", "lcm", "dga",
                                            "independence"};
#define NSYNTH (sizeof synth_methods / sizeof synth_methods[0])

static int is_synth_method(const char *name)
{
    for (size_t i = 0; i < NSYNTH; i++) {
        if (strcmp(name, synth_methods[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int cli_synthesis_wanted(const cli_options *o)
{
    if (o->no_synthesis) {
        return 0;
    }
    size_t k = 0;
    for (size_t i = 0; i < NSYNTH; i++) {
        for (size_t j = 0; j < o->methods.n; j++) {
            if (strcmp(o->methods.v[j], synth_methods[i]) == 0) {
                k++;
                break;
            }
        }
    }
    return k >= 2;
}

void cli_synth_regime_add(json_t *regimes, double estimate, double lower,
                          double upper, double weight,
                          const char *structure)
{
    json_t *r = json_object();
    cli_json_set_real(r, "estimate", estimate);
    cli_json_set_real(r, "lower", lower);
    cli_json_set_real(r, "upper", upper);
    cli_json_set_real(r, "weight", weight);
    cli_json_set_str(r, "structure", structure);
    json_array_append_new(regimes, r);
}

static double real_or_nan(const json_t *j)
{
    return json_is_number(j) ? json_number_value(j) : NAN;
}

/* Independence has no check of its own in its result: it is the
 * log-linear model with main effects only, so its check is that model's
 * deviance goodness of fit (as loglinear's, cli/checks.c).  Without it a
 * table whose lists clearly depend on each other (Kosovo: the chosen
 * log-linear model's own fit fails) would keep independence as "an
 * explanation that fits".  Left NaN (no check) when the fit fails. */
static void independence_check(const cli_result *r, vc_synth_method *m)
{
    if (r->status != VC_OK || r->table == NULL
        || r->table->J > VC_LOGLIN_MAX_LISTS) {
        return;
    }
    vc_loglin_model model;
    if (vc_loglin_model_independence(r->table->J, &model, NULL) != VC_OK) {
        return;
    }
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(r->table->J, NULL);
    if (w == NULL) {
        return;
    }
    vc_loglin_result fit;
    double p_dev, p_pearson;
    if (vc_loglin_fit(r->table, &model, NULL, NULL, &fit, NULL, w, NULL)
            == VC_OK
        && vc_loglin_gof(&fit, &p_dev, &p_pearson, NULL) == VC_OK) {
        m->ppp = p_dev;
        m->check = "goodness-of-fit test";
    }
    vc_loglin_workspace_free(w);
}

/* A result row as the library's input. */
static void synth_input(const cli_result *r, vc_synth_method *m)
{
    memset(m, 0, sizeof *m);
    m->method = r->method;
    m->has_estimate = r->status == VC_OK;
    m->error = r->status == VC_OK ? NULL : r->error;
    m->estimate = r->est.estimate;
    m->lower = r->est.lower;
    m->upper = r->est.upper;
    m->flags = r->est.flags;
    /* The model check (issue 17, "Model checks"; cli/checks.c): the
     * posterior predictive p-value of lcm and dga (checks.ppp), or the
     * chosen log-linear model's deviance goodness-of-fit p-value
     * (checks.p_value).  A method without one (independence, lcm beyond
     * 10 lists) has ppp NaN: no check, which passes. */
    m->ppp = NAN;
    const json_t *checks = r->extra ? json_object_get(r->extra, "checks")
                                    : NULL;
    if (json_is_object(checks)) {
        int loglinear = strcmp(r->method, "loglinear") == 0;
        m->ppp = real_or_nan(json_object_get(checks,
                                             loglinear ? "p_value" : "ppp"));
        m->check = loglinear ? "goodness-of-fit test"
                             : "posterior predictive check";
    }
    if (strcmp(r->method, "independence") == 0) {
        snprintf(m->structure, sizeof m->structure,
                 "the lists are independent");
        independence_check(r, m);
    }
    const char *s = json_string_value(json_object_get(r->synth, "structure"));
    if (s != NULL) {
        snprintf(m->structure, sizeof m->structure, "%s", s);
    }
    const json_t *regimes = json_object_get(r->synth, "regimes");
    size_t k;
    const json_t *x;
    json_array_foreach(regimes, k, x) {
        if (m->nregimes == VC_SYNTH_MAX_REGIMES) {
            break;
        }
        vc_synth_regime *g = &m->regime[m->nregimes++];
        g->estimate = real_or_nan(json_object_get(x, "estimate"));
        g->lower = real_or_nan(json_object_get(x, "lower"));
        g->upper = real_or_nan(json_object_get(x, "upper"));
        g->weight = real_or_nan(json_object_get(x, "weight"));
        const char *w = json_string_value(json_object_get(x, "structure"));
        snprintf(g->structure, sizeof g->structure, "%s", w ? w : "");
    }
}

/* Which list's removal moves a passing method's estimate most: the
 * omit-each variants (rows first .. end - 1 of the stratum) against the
 * method's own estimate, by |log(variant / own)|. */
static void omit_sensitivity(const cli_result *res, size_t first,
                             size_t end, cli_synth_stratum *x)
{
    double best = -1.0;
    for (size_t r = first; r < end; r++) {
        const cli_result *v = &res[r];
        if (v->variant == NULL || v->variant_kind != CLI_SENS_OMIT
            || v->status != VC_OK || !(v->est.estimate > 0.0)) {
            continue;
        }
        for (size_t i = 0; i < x->nmethods; i++) {
            const cli_result *own = &res[x->row[i]];
            if (!(x->s.passing >> i & 1u)
                || strcmp(own->method, v->method) != 0
                || !(own->est.estimate > 0.0)) {
                continue;
            }
            double d = fabs(log(v->est.estimate / own->est.estimate));
            if (d > best) {
                best = d;
                x->has_sens = 1;
                x->sens_variant = v->variant;
                x->sens_method = own->method;
                x->sens_from = own->est.estimate;
                x->sens_to = v->est.estimate;
            }
        }
    }
}

size_t cli_synthesize(const cli_options *o, const cli_result *res,
                      size_t nres, cli_synth_stratum **out)
{
    *out = NULL;
    if (!cli_synthesis_wanted(o)) {
        return 0;
    }
    size_t n = 0, cap = 0;
    cli_synth_stratum *all = NULL;
    for (size_t r = 0; r < nres;) {
        const vc_table *t = res[r].table;
        cli_synth_stratum one;
        memset(&one, 0, sizeof one);
        one.table = t;
        one.first = r;
        vc_synth_method in[VC_SYNTH_MAX_METHODS];
        /* the stratum's rows: its table, or a variant derived from it */
        for (; r < nres && (res[r].table == t || res[r].base == t); r++) {
            if (res[r].variant != NULL || !is_synth_method(res[r].method)
                || one.nmethods == VC_SYNTH_MAX_METHODS) {
                continue;
            }
            synth_input(&res[r], &in[one.nmethods]);
            one.methods[one.nmethods] = res[r].method;
            one.row[one.nmethods] = r;
            one.nmethods++;
        }
        if (one.nmethods < 2) {
            continue;
        }
        vc_error err;
        vc_error_clear(&err);
        if (vc_synthesize(in, one.nmethods, o->round_figures, &one.s, &err)
            != VC_OK) {
            continue; /* no method gave an estimate: nothing to quote */
        }
        omit_sensitivity(res, one.first, r, &one);
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            cli_synth_stratum *grown = realloc(all, cap * sizeof *grown);
            if (grown == NULL) {
                cli_oom_note();
                free(all);
                return 0;
            }
            all = grown;
        }
        all[n++] = one;
    }
    *out = all;
    return n;
}

void cli_synth_free(cli_synth_stratum *s, size_t n)
{
    (void)n;
    free(s);
}

const cli_synth_stratum *cli_synth_find(const cli_synth_stratum *s,
                                        size_t n, const vc_table *t)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].table == t) {
            return &s[i];
        }
    }
    return NULL;
}

static json_t *method_array(const cli_synth_stratum *x, unsigned mask)
{
    json_t *a = json_array();
    for (size_t i = 0; i < x->nmethods; i++) {
        if (mask >> i & 1u) {
            json_array_append_new(a, json_string(x->methods[i]));
        }
    }
    return a;
}

json_t *cli_synth_json(const cli_synth_stratum *s, size_t n)
{
    json_t *arr = json_array();
    for (size_t k = 0; k < n; k++) {
        const cli_synth_stratum *x = &s[k];
        const vc_synthesis *y = &x->s;
        json_t *j = json_object();
        json_object_set_new(j, "stratum", x->table->label
                                              ? json_string(x->table->label)
                                              : json_null());
        unsigned all = (1u << x->nmethods) - 1;
        json_object_set_new(j, "methods", method_array(x, all));
        json_object_set_new(j, "passing", method_array(x, y->passing));
        json_t *failing = json_array();
        for (size_t i = 0; i < x->nmethods; i++) {
            if (y->reason[i][0] != '\0') {
                json_t *f = json_object();
                cli_json_set_str(f, "method", x->methods[i]);
                cli_json_set_str(f, "reason", y->reason[i]);
                json_array_append_new(failing, f);
            }
        }
        json_object_set_new(j, "failing", failing);
        cli_json_set_bool(j, "agree", y->agree);
        json_t *regimes = json_array();
        for (size_t g = 0; g < y->nregimes; g++) {
            const vc_synth_group *r = &y->regime[g];
            json_t *o = json_object();
            cli_json_set_real(o, "estimate", r->estimate);
            cli_json_set_real(o, "lower", r->lower);
            cli_json_set_real(o, "upper", r->upper);
            cli_json_set_real(o, "weight", r->weight);
            json_object_set_new(o, "methods", method_array(x, r->methods));
            cli_json_set_str(o, "structure", r->structure);
            json_array_append_new(regimes, o);
        }
        json_object_set_new(j, "regimes", regimes);
        json_t *q = json_object();
        cli_json_set_real(q, "lower", y->quote_lower);
        cli_json_set_real(q, "upper", y->quote_upper);
        cli_json_set_str(q, "about", y->about);
        if (y->agree) {
            /* the range every passing interval shares (not quoted: it
             * covers N less often than any one of them) */
            json_object_set_new(q, "common",
                                cli_json_pair(cli_json_real(y->common_lower),
                                              cli_json_real(
                                                  y->common_upper)));
        }
        json_object_set_new(j, "quote", q);
        cli_json_set_str(j, "statement", y->statement);
        if (x->has_sens) {
            json_t *sv = json_object();
            cli_json_set_str(sv, "variant", x->sens_variant);
            cli_json_set_str(sv, "method", x->sens_method);
            cli_json_set_real(sv, "estimate", x->sens_from);
            cli_json_set_real(sv, "variant_estimate", x->sens_to);
            json_object_set_new(j, "omit_most", sv);
        }
        json_array_append_new(arr, j);
    }
    return arr;
}

void cli_synth_text(const cli_synth_stratum *x, FILE *f)
{
    const vc_synthesis *y = &x->s;
    fprintf(f, "  Which number to quote: %s\n", y->statement);
    for (size_t g = 0; g < y->nregimes; g++) {
        const vc_synth_group *r = &y->regime[g];
        char a[48], b[48], c[48], names[256];
        size_t used = 0;
        names[0] = '\0';
        for (size_t i = 0; i < x->nmethods; i++) {
            if (r->methods >> i & 1u) {
                used += (size_t)snprintf(names + used, sizeof names - used,
                                         "%s%s", used ? ", " : "",
                                         x->methods[i]);
                used = used < sizeof names ? used : sizeof names - 1;
            }
        }
        vc_format_count(r->estimate, a, sizeof a);
        vc_format_count(r->lower, b, sizeof b);
        vc_format_count(r->upper, c, sizeof c);
        fprintf(f, "  regime %zu: %s (%s\xE2\x80\x93%s), weight %.2f, %s: "
                "%s\n", g + 1, a, b, c, r->weight, names, r->structure);
    }
    if (x->has_sens) {
        char a[48], b[48];
        vc_format_count(x->sens_from, a, sizeof a);
        vc_format_count(x->sens_to, b, sizeof b);
        fprintf(f, "  one list left out: %s moves %s most, from %s to %s\n",
                x->sens_variant, x->sens_method, a, b);
    }
    fputc('\n', f);
}

void cli_synth_csv(const cli_synth_stratum *x, FILE *f)
{
    if (x == NULL) {
        fputs(",,,", f);
        return;
    }
    fprintf(f, ",%s,%.10g,%.10g", x->s.agree ? "true" : "false",
            x->s.quote_lower, x->s.quote_upper);
}
