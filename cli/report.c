/*
 * report.c: the batch's report, one self-contained HTML file for people
 * who will quote the figures: per stratum a headline in words, the methods
 * side by side with intervals and warnings, a forest plot across strata
 * and methods, the posterior of N for the Bayesian methods and, behind a
 * fold, their convergence diagnostics and trace plots.  Figures are drawn
 * by report/plot.c (cairo) and embedded as PNG data URIs (base64 from
 * nettle), so the file needs nothing else to open, and holds no script.
 *
 * A large batch gets pages instead (issue 20: 200 strata made a 57 MB
 * file): report.html becomes an index (the headlines as a table, a
 * forest plot of each stratum's headline estimate by the first stratum
 * column) and each stratum has a page of its own in report/, numbered
 * (never named after user text), with its figures as SVG.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <nettle/base64.h>
#include <omp.h>

#include "cli/cli.h"
#include "models/vc_models.h"
#include "report/vc_report.h"

const cli_result *cli_stratum_best(const vc_table *t, const cli_result *res,
                                   size_t nres)
{
    for (size_t r = 0; r < nres; r++) {
        if (res[r].table == t && res[r].variant == NULL
            && res[r].status == VC_OK && !res[r].two_list) {
            return &res[r];
        }
    }
    return NULL;
}

static const char *first_error(const vc_table *t, const cli_result *res,
                               size_t nres)
{
    for (size_t r = 0; r < nres; r++) {
        if (res[r].table == t && res[r].variant == NULL
            && res[r].status != VC_OK) {
            return res[r].error;
        }
    }
    return "no method gave an estimate";
}

void cli_stratum_headline(const cli_options *o, const vc_dataset *d,
                          const vc_table *t, const cli_result *best,
                          const cli_synth_stratum *sy, char *buf,
                          size_t size)
{
    char lab[256], seen[48];
    const char *label = cli_population_label(o, d, t, lab, sizeof lab);
    vc_format_count((double)t->n, seen, sizeof seen);
    if (sy != NULL) {
        /* the synthesis's quote, naming the methods behind it (issue 17) */
        char names[256], lo[48], hi[48];
        size_t used = 0;
        names[0] = '\0';
        for (size_t i = 0; i < sy->nmethods && used < sizeof names; i++) {
            used += (size_t)snprintf(names + used, sizeof names - used,
                                     "%s%s", i ? ", " : "", sy->methods[i]);
        }
        vc_format_count(sy->s.quote_lower, lo, sizeof lo);
        vc_format_count(sy->s.quote_upper, hi, sizeof hi);
        snprintf(buf, size, "%s: %s victims (envelope %s\xE2\x80\x93%s; "
                 "the methods %s), %zu lists, %s people seen [%s]", label,
                 sy->s.about, lo, hi, sy->s.agree ? "agree" : "disagree",
                 t->J, seen, names);
        return;
    }
    if (best == NULL) {
        snprintf(buf, size, "%s: no estimate, %zu list%s, %s people seen",
                 label, t->J, t->J == 1 ? "" : "s", seen);
        return;
    }
    const vc_estimate *e = &best->est;
    double alo, ahi;
    vc_about_range(e->lower, e->upper, o->round_figures, &alo, &ahi);
    char a[48], b[48], lo[48], hi[48];
    vc_format_count(alo, a, sizeof a);
    vc_format_count(ahi, b, sizeof b);
    vc_format_count(e->lower, lo, sizeof lo);
    vc_format_count(e->upper, hi, sizeof hi);
    snprintf(buf, size, "%s: about %s\xE2\x80\x93%s victims (%.10g%% "
             "interval %s\xE2\x80\x93%s), %zu lists, %s people seen "
             "[%s]", label, a, b, 100.0 * o->level, lo, hi, t->J, seen,
             best->method);
}

/* Text with &, <, >, " escaped. */
static void put_html(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

/* Two table cells: the estimate, and the interval as "lower–upper". */
static void put_estimate_cells(FILE *f, const vc_estimate *e)
{
    char est[48], lo[48], hi[48];
    vc_format_count(e->estimate, est, sizeof est);
    vc_format_count(e->lower, lo, sizeof lo);
    vc_format_count(e->upper, hi, sizeof hi);
    fprintf(f, "<td class=\"num\">%s</td><td class=\"num\">%s\xE2\x80"
            "\x93%s</td>", est, lo, hi);
}

/* An <img> holding a figure (PNG or SVG, fmt) as a data URI; frees
 * png.  An SVG goes in an <img> rather than inline: cairo names its
 * glyphs glyph0-1, ... in every figure, and ids must be unique within an
 * HTML page. */
static void put_png(FILE *f, vc_plot_format fmt, unsigned char *png,
                    size_t len, const char *alt)
{
    char *b64 = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
    if (b64 != NULL) {
        base64_encode_raw(b64, len, png);
        b64[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
        fputs("<img class=\"fig\" alt=\"", f);
        put_html(f, alt);
        fprintf(f, "\" src=\"data:image/%s;base64,%s\">\n",
                fmt == VC_PLOT_SVG ? "svg+xml" : "png", b64);
    } else {
        cli_oom_note(); /* the figure is left out: see jsonmem.c */
    }
    free(b64);
    free(png);
}

static void put_plot_error(FILE *f, const vc_error *err)
{
    if (err->code == VC_ENOMEM) {
        cli_oom_note(); /* a report short of memory is not kept */
    }
    fputs("<p class=\"warn\">figure not drawn: ", f);
    put_html(f, err->msg);
    fputs("</p>\n", f);
}

/* The method's colour in the forest plot (its entry in methods.c). */
static unsigned method_color(const char *name)
{
    const cli_method *m = cli_method_find(name);
    return m != NULL ? m->color : 0x666666;
}

/* The forest plot of every row of res that is not a variant (of table
 * `only` alone when it is not NULL), grouped by stratum. */
static void forest(FILE *f, vc_plot_format fmt, const cli_options *o,
                   const vc_dataset *d, const cli_result *res, size_t nres,
                   const vc_table *only)
{
    vc_plot_interval *rows = calloc(nres ? nres : 1, sizeof *rows);
    char (*labels)[128] = calloc(nres ? nres : 1, sizeof *labels);
    char (*groups)[256] = calloc(nres ? nres : 1, sizeof *groups);
    if (rows == NULL || labels == NULL || groups == NULL) {
        free(rows);
        free(labels);
        free(groups);
        cli_oom_note(); /* the figure is left out: see jsonmem.c */
        return;
    }
    size_t n = 0;
    for (size_t r = 0; r < nres; r++) {
        if (res[r].variant != NULL
            || (only != NULL && res[r].table != only)) {
            continue;
        }
        const char *g = cli_population_label(o, d, res[r].table, groups[n],
                                             sizeof groups[n]);
        if (g != groups[n]) {
            snprintf(groups[n], sizeof groups[n], "%s", g);
        }
        cli_row_name(&res[r], labels[n], sizeof labels[n]);
        rows[n].group = groups[n];
        rows[n].label = labels[n];
        rows[n].missing = res[r].status != VC_OK;
        rows[n].estimate = res[r].est.estimate;
        rows[n].lower = fmax(res[r].est.lower, 1.0);
        rows[n].upper = res[r].est.upper;
        rows[n].color = method_color(res[r].method);
        n++;
    }
    unsigned char *png = NULL;
    size_t len = 0;
    vc_error err;
    vc_error_clear(&err);
    char xlabel[128];
    snprintf(xlabel, sizeof xlabel, "people in all, seen and unseen (dot: "
             "estimate; bar: %.10g%% interval; log scale)", 100.0 * o->level);
    if (vc_plot_forest_as(fmt, rows, n, xlabel, &png, &len, &err) == VC_OK) {
        put_png(f, fmt, png, len, "forest plot of the estimates and "
                                  "intervals of every stratum and method");
    } else {
        put_plot_error(f, &err);
    }
    free(rows);
    free(labels);
    free(groups);
}

/* The posterior of N of an lcm (draws) or dga (grid) row. */
static void posterior(FILE *f, vc_plot_format fmt, const cli_result *r)
{
    const json_t *fig = r->figures;
    const char *kind = json_string_value(json_object_get(fig, "kind"));
    unsigned char *png = NULL;
    size_t len = 0;
    vc_error err;
    vc_error_clear(&err);
    int status = VC_EINVAL;
    char xlabel[256];
    snprintf(xlabel, sizeof xlabel, "%s: posterior of N (shaded: %.10g%% "
             "interval; red line: median)", r->method, 100.0 * r->est.level);
    if (kind != NULL && strcmp(kind, "grid") == 0) {
        const json_t *mass = json_object_get(fig, "mass");
        size_t n = json_array_size(mass);
        double *m = malloc((n ? n : 1) * sizeof *m);
        if (m == NULL) {
            cli_oom_note();
            return;
        }
        for (size_t i = 0; i < n; i++) {
            m[i] = json_number_value(json_array_get(mass, i));
        }
        double x0 = (double)json_integer_value(json_object_get(fig,
                                                               "first"));
        double w = (double)json_integer_value(json_object_get(fig,
                                                              "width"));
        status = vc_plot_posterior_as(fmt, x0 - 0.5, w, m, n, r->est.lower,
                                      r->est.upper, r->est.estimate, xlabel,
                                      &png, &len, &err);
        free(m);
    } else if (kind != NULL && strcmp(kind, "draws") == 0) {
        const json_t *chains = json_object_get(fig, "chains");
        double lo = INFINITY, hi = -INFINITY;
        size_t total = 0;
        for (size_t c = 0; c < json_array_size(chains); c++) {
            const json_t *a = json_array_get(chains, c);
            for (size_t i = 0; i < json_array_size(a); i++) {
                double v = (double)json_integer_value(json_array_get(a, i));
                lo = fmin(lo, v);
                hi = fmax(hi, v);
                total++;
            }
        }
        if (total == 0) {
            return;
        }
        /* about 60 bars of whole numbers of people */
        double w = fmax(1.0, ceil((hi - lo + 1.0) / 60.0));
        size_t nb = (size_t)((hi - lo) / w) + 1;
        double *m = calloc(nb, sizeof *m);
        if (m == NULL) {
            cli_oom_note();
            return;
        }
        for (size_t c = 0; c < json_array_size(chains); c++) {
            const json_t *a = json_array_get(chains, c);
            for (size_t i = 0; i < json_array_size(a); i++) {
                double v = (double)json_integer_value(json_array_get(a, i));
                m[(size_t)((v - lo) / w)] += 1.0;
            }
        }
        status = vc_plot_posterior_as(fmt, lo - 0.5, w, m, nb, r->est.lower,
                                      r->est.upper, r->est.estimate, xlabel,
                                      &png, &len, &err);
        free(m);
    }
    if (status == VC_OK) {
        put_png(f, fmt, png, len, xlabel);
    } else if (err.code != VC_OK) {
        put_plot_error(f, &err);
    }
}

/* R-hat, ESS and trace plot of an lcm row, behind a fold. */
static void diagnostics(FILE *f, vc_plot_format fmt, const cli_result *r)
{
    const json_t *dg = json_object_get(r->extra, "diagnostics");
    int is_lcm = dg != NULL;
    if (!is_lcm && r->details == NULL) {
        return;
    }
    fprintf(f, "<details><summary>%s: %s</summary>\n", r->method,
            is_lcm ? "convergence diagnostics and trace plot"
                   : "what was fitted");
    if (is_lcm) {
        const json_t *rh = json_object_get(dg, "rhat");
        const json_t *eb = json_object_get(dg, "ess_bulk");
        const json_t *et = json_object_get(dg, "ess_tail");
        int conv = json_is_true(json_object_get(dg, "converged"));
        fputs("<table class=\"diag\"><tr><th>R-hat</th><th>bulk ESS</th>"
              "<th>tail ESS</th><th>chains</th><th>sweeps per chain</th>"
              "<th>converged</th></tr>\n<tr>", f);
        if (json_is_number(rh)) {
            fprintf(f, "<td>%.4f</td>", json_number_value(rh));
        } else {
            fputs("<td>undefined</td>", f);
        }
        fprintf(f, "<td>%.0f</td><td>%.0f</td><td>%lld</td><td>%lld</td>"
                "<td>%s</td></tr></table>\n",
                json_is_number(eb) ? json_number_value(eb) : 0.0,
                json_is_number(et) ? json_number_value(et) : 0.0,
                (long long)json_integer_value(json_object_get(dg, "chains")),
                (long long)json_integer_value(json_object_get(dg, "sweeps")),
                conv ? "yes (R-hat &lt; 1.01, bulk ESS &ge; 400)"
                     : "<b>no</b>: run longer before quoting");
        const json_t *chains = json_object_get(r->figures, "chains");
        size_t m = json_array_size(chains), n = SIZE_MAX;
        for (size_t c = 0; c < m; c++) {
            size_t k = json_array_size(json_array_get(chains, c));
            n = k < n ? k : n;
        }
        double *y = (m > 0 && n != SIZE_MAX && n >= 2)
                        ? malloc(m * n * sizeof *y) : NULL;
        if (y != NULL) {
            for (size_t c = 0; c < m; c++) {
                const json_t *a = json_array_get(chains, c);
                for (size_t i = 0; i < n; i++) {
                    y[c * n + i] =
                        (double)json_integer_value(json_array_get(a, i));
                }
            }
            unsigned char *png = NULL;
            size_t len = 0;
            vc_error err;
            vc_error_clear(&err);
            if (vc_plot_traces_as(fmt, y, m, n, "N", &png, &len, &err)
                == VC_OK) {
                put_png(f, fmt, png, len,
                        "trace plot of N, one line per chain");
            } else {
                put_plot_error(f, &err);
            }
            free(y);
        } else if (m > 0 && n != SIZE_MAX && n >= 2) {
            cli_oom_note(); /* the figure is left out: see jsonmem.c */
        }
    }
    if (r->details != NULL) {
        fputs("<pre>", f);
        put_html(f, r->details);
        fputs("</pre>\n", f);
    }
    fputs("</details>\n", f);
}

/* The model checks of stratum t's methods (issue 17; checks.c): one
 * line each for the methods that have one, passing or failing with the
 * reason, and the worst-fitting pattern of a posterior predictive
 * check. */
static void put_checks(FILE *f, const vc_table *t, const cli_result *res,
                       size_t nres)
{
    int any = 0;
    for (size_t r = 0; r < nres; r++) {
        const cli_result *x = &res[r];
        if (x->table != t || x->variant != NULL || x->status != VC_OK
            || json_object_get(x->extra, "checks") == NULL) {
            continue;
        }
        if (!any) {
            fputs("<p class=\"note\"><em>Model checks</em> (a method "
                  "fails when it did not converge, or when the data are "
                  "unlikely under it: p below 0.01):</p>\n<ul>\n", f);
            any = 1;
        }
        char reason[256];
        int pass = cli_result_check(x, reason, sizeof reason);
        fputs("<li>", f);
        put_html(f, x->method);
        fputs(pass ? ": passes: " : ": <b>fails</b>: ", f);
        put_html(f, reason);
        const json_t *w = json_object_get(json_object_get(x->extra, "checks"),
                                          "worst_patterns");
        const json_t *w0 = json_array_get(w, 0);
        if (w0 != NULL) {
            fprintf(f, "; worst-fitting pattern %s: %.0f seen, %.1f "
                    "expected",
                    json_string_value(json_object_get(w0, "pattern")),
                    json_number_value(json_object_get(w0, "observed")),
                    json_number_value(json_object_get(w0, "expected")));
        }
        fputs("</li>\n", f);
    }
    if (any) {
        fputs("</ul>\n", f);
    }
}

/* The estimates of every --sensitivity variant of stratum t, behind a
 * fold: which list, left out or merged, moves which method. */
static void variant_table(FILE *f, const vc_table *t, const cli_result *res,
                          size_t nres)
{
    int any = 0;
    for (size_t r = 0; r < nres; r++) {
        const cli_result *x = &res[r];
        if (x->variant == NULL || x->base != t) {
            continue;
        }
        if (!any) {
            fputs("<details><summary>Estimates with lists left out or "
                  "merged</summary>\n<table><tr><th>lists</th><th>method"
                  "</th><th>estimate</th><th>interval</th></tr>\n", f);
            any = 1;
        }
        char name[128];
        cli_row_name(x, name, sizeof name);
        fputs("<tr><td>", f);
        put_html(f, x->variant);
        fputs("</td><td>", f);
        put_html(f, name);
        fputs("</td>", f);
        if (x->status != VC_OK) {
            fputs("<td colspan=\"2\" class=\"warn\">", f);
            put_html(f, x->error);
            fputs("</td></tr>\n", f);
            continue;
        }
        put_estimate_cells(f, &x->est);
        fputs("</tr>\n", f);
    }
    if (any) {
        fputs("</table>\n</details>\n", f);
    }
}

/* The synthesis of a stratum (issue 17): its statement and regimes. */
static void synthesis_section(FILE *f, const cli_synth_stratum *sy)
{
    fputs("<div class=\"synthesis\"><p><b>Which number to quote.</b> ", f);
    put_html(f, sy->s.statement);
    fputs("</p>\n", f);
    if (sy->s.nregimes > 0) {
        fputs("<table><tr><th>regime</th><th>estimate</th><th>range</th>"
              "<th>weight</th><th>methods</th><th>structure</th></tr>\n", f);
    }
    for (size_t g = 0; g < sy->s.nregimes; g++) {
        const vc_synth_group *r = &sy->s.regime[g];
        char a[48], b[48], c[48];
        vc_format_count(r->estimate, a, sizeof a);
        vc_format_count(r->lower, b, sizeof b);
        vc_format_count(r->upper, c, sizeof c);
        fprintf(f, "<tr><td>%zu</td><td class=\"num\">%s</td><td class=\""
                "num\">%s\xE2\x80\x93%s</td><td class=\"num\">%.2f</td><td>",
                g + 1, a, b, c, r->weight);
        for (size_t i = 0, k = 0; i < sy->nmethods; i++) {
            if (r->methods >> i & 1u) {
                fputs(k++ ? ", " : "", f);
                put_html(f, sy->methods[i]);
            }
        }
        fputs("</td><td>", f);
        put_html(f, r->structure);
        fputs("</td></tr>\n", f);
    }
    if (sy->s.nregimes > 0) {
        fputs("</table>\n", f);
    }
    if (sy->has_sens) {
        char a[48], b[48];
        vc_format_count(sy->sens_from, a, sizeof a);
        vc_format_count(sy->sens_to, b, sizeof b);
        fputs("<p class=\"note\">One list left out: ", f);
        put_html(f, sy->sens_variant);
        fputs(" moves ", f);
        put_html(f, sy->sens_method);
        fprintf(f, " most, from %s to %s.</p>\n", a, b);
    }
    fputs("</div>\n", f);
}

/* A number of a "by" entry, or NAN when it has none. */
static double by_real(const json_t *g, const char *key)
{
    const json_t *v = json_object_get(g, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* One forest plot of the entries of `by` from `from` on whose covariate
 * is that of by[from]: their estimates (with a tick at the people seen),
 * or with rate set their rates per 100,000. */
static void by_plot(FILE *f, vc_plot_format fmt, const cli_options *o,
                    const json_t *by, size_t from, size_t to, int rate,
                    unsigned color)
{
    size_t n = to - from;
    vc_plot_interval *rows = calloc(n ? n : 1, sizeof *rows);
    if (rows == NULL) {
        cli_oom_note(); /* the figure is left out: see jsonmem.c */
        return;
    }
    const char *cov = json_string_value(json_object_get(
        json_array_get(by, from), "covariate"));
    for (size_t i = 0; i < n; i++) {
        const json_t *g = json_array_get(by, from + i);
        const char *lev = json_string_value(json_object_get(g, "level"));
        rows[i].group = cov ? cov : "";
        rows[i].label = lev ? lev : "";
        rows[i].color = color;
        rows[i].estimate = by_real(g, rate ? "rate" : "estimate");
        double lo = by_real(g, rate ? "rate_lower" : "lower");
        rows[i].upper = by_real(g, rate ? "rate_upper" : "upper");
        /* a log axis: a lower end at 0 is drawn at the axis's start */
        rows[i].lower = lo > 0.0 ? lo : fmin(rows[i].estimate,
                                              rows[i].upper) / 10.0;
        rows[i].missing = !isfinite(rows[i].estimate);
        rows[i].observed = rate ? 0.0 : by_real(g, "observed");
    }
    unsigned char *png = NULL;
    size_t len = 0;
    vc_error err;
    vc_error_clear(&err);
    char xlabel[160], alt[400];
    if (rate) {
        snprintf(xlabel, sizeof xlabel, "victims per 100,000 (dot: "
                 "estimate; bar: %.10g%% interval; log scale)",
                 100.0 * o->level);
    } else {
        snprintf(xlabel, sizeof xlabel, "people, seen and unseen (dot: "
                 "estimate; bar: %.10g%% interval; tick: seen; log scale)",
                 100.0 * o->level);
    }
    snprintf(alt, sizeof alt, "%s by %.300s", rate ? "rates per 100,000"
                                                   : "estimates",
             cov ? cov : "");
    if (vc_plot_forest_as(fmt, rows, n, xlabel, &png, &len, &err) == VC_OK) {
        put_png(f, fmt, png, len, alt);
    } else {
        put_plot_error(f, &err);
    }
    free(rows);
}

/* With --covariates: the loglinear row's figures by covariate level
 * ("by"), as a table and a figure per covariate (and per covariate the
 * rates when --population gave them). */
static void covariate_section(FILE *f, vc_plot_format fmt,
                              const cli_options *o, const cli_result *x)
{
    const json_t *by = json_object_get(x->extra, "by");
    if (json_array_size(by) == 0) {
        return;
    }
    int rates = 0;
    for (size_t i = 0; i < json_array_size(by); i++) {
        rates |= json_is_number(json_object_get(json_array_get(by, i),
                                                "rate"));
    }
    fputs("<h3>By covariate (", f);
    put_html(f, x->method);
    fputs(", one model over the lists and the covariates)</h3>\n", f);
    fprintf(f, "<table><tr><th>covariate</th><th>level</th><th>estimate"
            "</th><th>%.10g%% interval</th><th>observed</th>%s</tr>\n",
            100.0 * o->level,
            rates ? "<th>per 100,000</th><th>interval</th>" : "");
    char num[48];
    for (size_t i = 0; i < json_array_size(by); i++) {
        const json_t *g = json_array_get(by, i);
        fputs("<tr><td>", f);
        put_html(f, json_string_value(json_object_get(g, "covariate")));
        fputs("</td><td>", f);
        put_html(f, json_string_value(json_object_get(g, "level")));
        fputs("</td>", f);
        vc_estimate e;
        memset(&e, 0, sizeof e);
        e.estimate = by_real(g, "estimate");
        e.lower = by_real(g, "lower");
        e.upper = by_real(g, "upper");
        put_estimate_cells(f, &e);
        vc_format_count(by_real(g, "observed"), num, sizeof num);
        fprintf(f, "<td class=\"num\">%s</td>", num);
        if (rates && json_is_number(json_object_get(g, "rate"))) {
            fprintf(f, "<td class=\"num\">%.1f</td><td class=\"num\">"
                    "%.1f\xE2\x80\x93%.1f</td>", by_real(g, "rate"),
                    by_real(g, "rate_lower"), by_real(g, "rate_upper"));
        } else if (rates) {
            fputs("<td colspan=\"2\">no population</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    /* a figure per covariate (entries of one covariate are adjacent) */
    unsigned color = method_color(x->method);
    for (size_t a = 0, b; a < json_array_size(by); a = b) {
        const char *cov = json_string_value(json_object_get(
            json_array_get(by, a), "covariate"));
        int has_rate = 1;
        for (b = a; b < json_array_size(by); b++) {
            const json_t *g = json_array_get(by, b);
            const char *c = json_string_value(json_object_get(g,
                                                              "covariate"));
            if (c == NULL || cov == NULL || strcmp(c, cov) != 0) {
                break;
            }
            has_rate &= json_is_number(json_object_get(g, "rate"));
        }
        if (b == a) {
            b = a + 1;
            continue;
        }
        by_plot(f, fmt, o, by, a, b, 0, color);
        if (rates && has_rate) {
            by_plot(f, fmt, o, by, a, b, 1, color);
        }
    }
}

static void stratum_section(FILE *f, vc_plot_format fmt,
                            const cli_options *o, const vc_dataset *d,
                            const vc_table *t, const cli_result *res,
                            size_t nres, const cli_synth_stratum *sy)
{
    char lab[256], head[1024], num[48];
    const char *label = cli_population_label(o, d, t, lab, sizeof lab);
    const cli_result *best = cli_stratum_best(t, res, nres);
    cli_stratum_headline(o, d, t, best, sy, head, sizeof head);
    fputs("<section>\n<h2>", f);
    put_html(f, label);
    fputs("</h2>\n<p class=\"headline\">", f);
    put_html(f, head);
    fputs("</p>\n", f);
    if (sy != NULL) {
        synthesis_section(f, sy);
    }
    if (best == NULL) {
        fputs("<p class=\"warn\">No method gave an estimate: ", f);
        put_html(f, first_error(t, res, nres));
        fputs("</p>\n", f);
    } else {
        char unseen[48];
        vc_format_count(best->est.estimate - (double)t->n, unseen,
                        sizeof unseen);
        fputs("<p>In plain words: ", f);
        vc_format_count((double)t->n, num, sizeof num);
        fprintf(f, "%s people were seen by at least one of the %zu lists, "
                "and about %s more were seen by none (%s method).</p>\n",
                num, t->J, unseen, best->method);
    }
    fputs("<p>Lists: ", f);
    for (size_t j = 0; j < t->J; j++) {
        vc_format_count((double)vc_table_list_total(t, j), num, sizeof num);
        fputs(j ? ", " : "", f);
        put_html(f, t->names[j]);
        fprintf(f, " %s", num);
    }
    fputs(" people.</p>\n", f);
    /* a spread column for each kind of --sensitivity variant asked for */
    int show[CLI_SENS_KINDS];
    show[CLI_SENS_OMIT] = (o->batch.sensitivity & CLI_SENS_OMIT_EACH) != 0;
    show[CLI_SENS_MERGE] = (o->batch.sensitivity & CLI_SENS_MERGE_PAIRS) != 0
                           || o->batch.sens_merge.n > 0;
    fprintf(f, "<table><tr><th>method</th><th>estimate</th><th>%.10g%% "
            "interval</th><th>kind of interval</th>%s%s<th>warnings</th>"
            "</tr>\n", 100.0 * o->level,
            show[CLI_SENS_OMIT] ? "<th>without one list</th>" : "",
            show[CLI_SENS_MERGE] ? "<th>lists merged</th>" : "");
    for (size_t r = 0; r < nres; r++) {
        const cli_result *x = &res[r];
        if (x->table != t || x->variant != NULL) {
            continue;
        }
        char name[128];
        cli_row_name(x, name, sizeof name);
        fputs("<tr><td>", f);
        put_html(f, name);
        fputs("</td>", f);
        if (x->status != VC_OK) {
            fprintf(f, "<td colspan=\"%d\">no estimate</td><td "
                    "class=\"warn\">", 3 + show[0] + show[1]);
            put_html(f, x->error);
            fputs("</td></tr>\n", f);
            continue;
        }
        put_estimate_cells(f, &x->est);
        fputs("<td>", f);
        put_html(f, x->est.interval);
        fputs("</td>", f);
        for (size_t k = 0; k < CLI_SENS_KINDS; k++) {
            if (!show[k]) {
                continue;
            }
            fputs("<td class=\"num\">", f);
            if (x->sens[k].has) {
                char lo[48], hi[48];
                vc_format_count(x->sens[k].lo, lo, sizeof lo);
                vc_format_count(x->sens[k].hi, hi, sizeof hi);
                fprintf(f, "%s\xE2\x80\x93%s", lo, hi);
            } else {
                fputs("&ndash;", f);
            }
            fputs("</td>", f);
        }
        fputs("<td class=\"warn\">", f);
        const char *w[VC_FLAG_COUNT];
        size_t nw = vc_estimate_warnings(x->est.flags, w, VC_FLAG_COUNT);
        for (size_t i = 0; i < nw; i++) {
            fputs(i ? "; " : "", f);
            put_html(f, w[i]);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    for (size_t r = 0; r < nres; r++) {
        if (res[r].table == t && res[r].variant == NULL
            && res[r].status == VC_OK && res[r].extra != NULL) {
            covariate_section(f, fmt, o, &res[r]);
        }
    }
    put_checks(f, t, res, nres);
    if (show[CLI_SENS_OMIT] || show[CLI_SENS_MERGE]) {
        fputs("<p class=\"note\">", f);
        if (show[CLI_SENS_OMIT]) {
            fputs("<em>Without one list</em>: the lowest and highest "
                  "estimate of the same method with each list left out in "
                  "turn. ", f);
        }
        if (show[CLI_SENS_MERGE]) {
            fputs("<em>Lists merged</em>: the same with lists merged into "
                  "one, which allows any dependence between them. ", f);
        }
        fputs("A wide range means the estimate leans on one list, or on "
              "assumptions about how the lists depend on each other.</p>\n",
              f);
        variant_table(f, t, res, nres);
    }
    for (size_t r = 0; r < nres; r++) {
        if (res[r].table == t && res[r].variant == NULL
            && res[r].status == VC_OK && res[r].figures != NULL) {
            posterior(f, fmt, &res[r]);
        }
    }
    for (size_t r = 0; r < nres; r++) {
        if (res[r].table == t && res[r].variant == NULL
            && res[r].status == VC_OK) {
            diagnostics(f, fmt, &res[r]);
        }
    }
    fputs("</section>\n", f);
}

/* The result of method m for table t with every list, when it gave an
 * estimate, else NULL. */
static const cli_result *method_result(const vc_table *t, const char *m,
                                       const cli_result *res, size_t nres)
{
    for (size_t r = 0; r < nres; r++) {
        if (res[r].table == t && res[r].variant == NULL && !res[r].two_list
            && res[r].status == VC_OK && strcmp(res[r].method, m) == 0) {
            return &res[r];
        }
    }
    return NULL;
}

/* 1 when tables a and b have the same stratum values but in column tc. */
static int same_but(const vc_table *a, const vc_table *b, size_t tc)
{
    for (size_t k = 0; k < a->nkeys; k++) {
        if (k != tc && strcmp(a->keys[k], b->keys[k]) != 0) {
            return 0;
        }
    }
    return 1;
}

typedef struct {
    double t;
    const vc_table *table;
} thr_point;

static int thr_cmp(const void *a, const void *b)
{
    double x = ((const thr_point *)a)->t, y = ((const thr_point *)b)->t;
    return (x > y) - (x < y);
}

/* One group of strata that differ only in the threshold: the points in
 * pts (sorted here), the plot of the first method in --methods order that
 * has an estimate at every threshold, and its numbers as a table. */
static void threshold_group(FILE *f, vc_plot_format fmt,
                            const cli_options *o, thr_point *pts, size_t n,
                            double chosen, const cli_result *res,
                            size_t nres)
{
    qsort(pts, n, sizeof *pts, thr_cmp);
    const char *method = NULL;
    for (size_t i = 0; i < o->methods.n && method == NULL; i++) {
        size_t have = 0;
        while (have < n
               && method_result(pts[have].table, o->methods.v[i], res, nres)
                      != NULL) {
            have++;
        }
        method = have == n ? o->methods.v[i] : NULL;
    }
    if (method == NULL) {
        fputs("<p class=\"warn\">figure not drawn: no method gave an "
              "estimate at every threshold</p>\n", f);
        return;
    }
    double *buf = malloc(4 * n * sizeof *buf);
    if (buf == NULL) {
        cli_oom_note(); /* the figure is left out: see jsonmem.c */
        return;
    }
    double *t = buf, *est = t + n, *lo = est + n, *hi = lo + n;
    for (size_t i = 0; i < n; i++) {
        const vc_estimate *e =
            &method_result(pts[i].table, method, res, nres)->est;
        t[i] = pts[i].t;
        est[i] = e->estimate;
        lo[i] = e->lower;
        hi[i] = e->upper;
    }
    unsigned char *png = NULL;
    size_t len = 0;
    vc_error err;
    vc_error_clear(&err);
    char ylabel[160];
    snprintf(ylabel, sizeof ylabel,
             "people in all (%s; line: estimate; band: %.10g%% interval)",
             method, 100.0 * o->level);
    if (vc_plot_threshold_as(fmt, t, est, lo, hi, n, chosen, ylabel, &png,
                             &len, &err)
        == VC_OK) {
        put_png(f, fmt, png, len, "the estimate and its interval against the "
                             "linkage threshold, the chosen threshold "
                             "marked");
    } else {
        put_plot_error(f, &err);
    }
    fprintf(f, "<table>\n<tr><th>threshold</th><th class=\"num\">%s"
            "</th><th class=\"num\">%.10g%% interval</th></tr>\n",
            method, 100.0 * o->level);
    for (size_t i = 0; i < n; i++) {
        int mark = isfinite(chosen) && fabs(t[i] - chosen) < 1e-9;
        fprintf(f, "<tr><td>%.10g%s</td>", t[i], mark ? " (chosen)" : "");
        put_estimate_cells(f, &method_result(pts[i].table, method, res,
                                             nres)->est);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    free(buf);
}

/* When the input has a stratum column `threshold` (the overlap tables
 * of `link --thresholds`): per group of the other stratum columns, the
 * estimate against the threshold, the one link used (from
 * --linkage-report) marked. */
static void threshold_section(FILE *f, vc_plot_format fmt,
                              const cli_options *o, const vc_dataset *d,
                              const cli_result *res, size_t nres)
{
    size_t tc = d->nstrata_cols;
    for (size_t k = 0; k < d->nstrata_cols; k++) {
        if (strcmp(d->strata_cols[k], "threshold") == 0) {
            tc = k;
        }
    }
    if (tc == d->nstrata_cols || d->ntables < 2) {
        return;
    }
    const json_t *lr = o->batch.linkage;
    double chosen = lr != NULL
                        ? json_number_value(json_object_get(lr, "threshold"))
                        : NAN;
    fputs("<h2>Record linkage: the estimate against the threshold</h2>\n"
          "<p>The overlaps were counted by linking the lists' encodings at "
          "each Dice threshold of the stratum column <code>threshold</code> "
          "(<code>victimcount link --thresholds</code>). Too low a "
          "threshold joins different people (false matches: overlaps too "
          "large, the estimate too low); too high a threshold leaves the "
          "same person apart (missed matches: the estimate too high). An "
          "estimate that moves little near the chosen threshold does not "
          "hang on it.", f);
    if (lr == NULL) {
        fputs(" No threshold is marked: give batch <code>--linkage-report"
              "</code> with the report of the linkage used.", f);
    }
    fputs("</p>\n", f);
    thr_point *pts = malloc(d->ntables * sizeof *pts);
    unsigned char *done = calloc(d->ntables, 1);
    if (pts == NULL || done == NULL) {
        free(pts);
        free(done);
        cli_oom_note(); /* the figure is left out: see jsonmem.c */
        return;
    }
    for (size_t s = 0; s < d->ntables; s++) {
        if (done[s]) {
            continue;
        }
        size_t n = 0;
        int bad = 0;
        for (size_t u = s; u < d->ntables; u++) {
            const vc_table *t = d->tables[u];
            if (done[u] || !same_but(d->tables[s], t, tc)) {
                continue;
            }
            done[u] = 1;
            char *end = NULL;
            pts[n].t = strtod(t->keys[tc], &end);
            bad |= end == t->keys[tc] || *end != '\0' || !isfinite(pts[n].t);
            pts[n++].table = t;
        }
        if (d->nstrata_cols > 1) {
            fputs("<h3>", f);
            for (size_t k = 0, first = 1; k < d->nstrata_cols; k++) {
                if (k == tc) {
                    continue;
                }
                fputs(first ? "" : ", ", f);
                put_html(f, d->strata_cols[k]);
                fputs(" ", f);
                put_html(f, d->tables[s]->keys[k]);
                first = 0;
            }
            fputs("</h3>\n", f);
        }
        if (bad || n < 2) {
            fputs(bad ? "<p class=\"warn\">figure not drawn: a threshold "
                        "that is not a number</p>\n"
                      : "<p class=\"warn\">figure not drawn: one threshold "
                        "only</p>\n",
                  f);
            continue;
        }
        threshold_group(f, fmt, o, pts, n, chosen, res, nres);
    }
    free(pts);
    free(done);
}

/* A number of the linkage report as text: a count with separators, or
 * a rate with 4 decimals; "-" when absent. */
static void put_link_number(FILE *f, const json_t *v, int rate)
{
    char num[48];
    if (!json_is_number(v)) {
        fputs("-", f);
    } else if (rate) {
        fprintf(f, "%.4f", json_number_value(v));
    } else {
        vc_format_count(json_number_value(v), num, sizeof num);
        fputs(num, f);
    }
}

/* The linkage report (link --report, counts only) given to batch with
 * --linkage-report. */
static void linkage_section(FILE *f, const json_t *lr)
{
    char num[48];
    fputs("<h2>Record linkage</h2>\n<p>The overlaps come from linking the "
          "lists' keyed encodings (<code>victimcount link</code>); no name "
          "left the offices and no similarity score is shown.", f);
    fprintf(f, " Dice threshold %.10g; ",
            json_number_value(json_object_get(lr, "threshold")));
    vc_format_count(json_number_value(json_object_get(lr, "comparisons")),
                    num, sizeof num);
    fprintf(f, "%s comparisons; ", num);
    vc_format_count(json_number_value(json_object_get(lr, "people")), num,
                    sizeof num);
    fprintf(f, "%s people after linking.</p>\n", num);
    fputs("<table>\n<tr><th>list</th><th class=\"num\">records</th></tr>\n",
          f);
    const json_t *v;
    size_t i;
    json_array_foreach(json_object_get(lr, "lists"), i, v)
    {
        fputs("<tr><td>", f);
        put_html(f, json_string_value(json_object_get(v, "name")));
        fputs("</td><td class=\"num\">", f);
        put_link_number(f, json_object_get(v, "records"), 0);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<table>\n<tr><th>lists</th><th class=\"num\">candidate "
          "pairs</th><th class=\"num\">matches</th><th class=\"num\">"
          "false-match rate</th><th class=\"num\">missed-match rate</th>"
          "<th class=\"num\">Ding &amp; Fienberg N</th></tr>\n",
          f);
    const json_t *errs = json_object_get(json_object_get(lr, "linkage_error"),
                                         "pairs");
    json_array_foreach(json_object_get(lr, "pairs"), i, v)
    {
        const json_t *e = json_array_get(errs, i);
        fputs("<tr><td>", f);
        put_html(f, json_string_value(json_object_get(v, "a")));
        fputs(" &amp; ", f);
        put_html(f, json_string_value(json_object_get(v, "b")));
        fputs("</td><td class=\"num\">", f);
        put_link_number(f, json_object_get(v, "candidate_pairs"), 0);
        fputs("</td><td class=\"num\">", f);
        put_link_number(f, json_object_get(v, "matches"), 0);
        fputs("</td><td class=\"num\">", f);
        put_link_number(f, json_object_get(e, "false_match_rate"), 1);
        fputs("</td><td class=\"num\">", f);
        put_link_number(f, json_object_get(e, "missed_match_rate"), 1);
        fputs("</td><td class=\"num\">", f);
        put_link_number(f, json_object_get(e, "ding_fienberg"), 0);
        fputs("</td></tr>\n", f);
    }
    const json_t *model = json_object_get(json_object_get(lr,
                                                          "linkage_error"),
                                          "model");
    fputs("</table>\n", f);
    if (json_is_string(model)) {
        /* how the rates were estimated, as the link report says */
        fputs("<p class=\"note\">Error rates: ", f);
        put_html(f, json_string_value(model));
        fputs("</p>\n", f);
    }
    fputs("<p>Matches at thresholds around the one used (the "
          "band):</p>\n<table>\n<tr><th>threshold</th><th class=\"num\">"
          "matched pairs</th><th class=\"num\">people</th></tr>\n",
          f);
    json_array_foreach(json_object_get(lr, "band"), i, v)
    {
        fprintf(f, "<tr><td>%.10g</td><td class=\"num\">",
                json_number_value(json_object_get(v, "threshold")));
        put_link_number(f, json_object_get(v, "matched_pairs"), 0);
        fputs("</td><td class=\"num\">", f);
        put_link_number(f, json_object_get(v, "people"), 0);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    const json_t *ml = json_object_get(json_object_get(lr, "linkage_error"),
                                       "multiple_lists");
    if (json_is_object(ml)) {
        fputs("<p>Independence log-linear estimate of the linked table, "
              "and corrected for the estimated linkage errors (Di Consiglio "
              "&amp; Tuoto 2018):</p>\n<table>\n<tr><th></th><th class=\""
              "num\">N</th><th class=\"num\">95% interval</th></tr>\n",
              f);
        static const char *const which[] = {"uncorrected", "corrected"};
        for (size_t k = 0; k < 2; k++) {
            const json_t *e = json_object_get(ml, which[k]);
            fprintf(f, "<tr><td>%s</td>", which[k]);
            if (json_is_object(e)) {
                fputs("<td class=\"num\">", f);
                put_link_number(f, json_object_get(e, "N"), 0);
                fputs("</td><td class=\"num\">", f);
                put_link_number(f, json_object_get(e, "lower"), 0);
                fputs("\xE2\x80\x93", f);
                put_link_number(f, json_object_get(e, "upper"), 0);
                fputs("</td></tr>\n", f);
            } else {
                fputs("<td colspan=\"2\" class=\"warn\">", f);
                put_html(f, json_string_value(e));
                fputs("</td></tr>\n", f);
            }
        }
        fputs("</table>\n<p class=\"note\">Assumptions: ", f);
        put_html(f, json_string_value(json_object_get(ml, "assumptions")));
        fputs("</p>\n", f);
    }
}

/* The page's head, titled "victimcount report: " and the input's name
 * (then ": " and sub when sub is not NULL), and the opening of its
 * body. */
static void put_head(FILE *f, const vc_dataset *d, const char *sub)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\""
          "utf-8\">\n<meta name=\"viewport\" content=\"width=device-width"
          "\">\n<title>victimcount report: ", f);
    put_html(f, d->source);
    if (sub != NULL) {
        fputs(": ", f);
        put_html(f, sub);
    }
    fputs("</title>\n<style>\n"
          "body{font-family:\"DejaVu Sans\",Arial,sans-serif;max-width:"
          "900px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
          "\nh1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;"
          "border-bottom:1px solid #ccc}\n"
          ".headline{font-size:1.1em;font-weight:bold}\n"
          "table{border-collapse:collapse;margin:.5em 0}td,th{padding:"
          "2px 8px;border-bottom:1px solid #e4e4e4;text-align:left;"
          "vertical-align:top}\n.num{text-align:right;white-space:nowrap}"
          ".warn{color:#8a3b00;font-size:.9em}\n"
          "img.fig{width:100%;max-width:860px;height:auto;display:block;"
          "margin:.5em 0}\npre{white-space:pre-wrap;font-size:.85em}\n"
          "summary{cursor:pointer;color:#0b5394}\n"
          ".note{font-size:.9em;color:#444}\n"
          "</style>\n</head>\n<body>\n", f);
}

/* The title, what was run, and what the methods assume. */
static void put_intro(FILE *f, const cli_options *o, const vc_dataset *d)
{
    fputs("<h1>How many people in all? Estimates from overlapping lists"
          "</h1>\n<p>Input <code>", f);
    put_html(f, d->source);
    fprintf(f, "</code>; victimcount %s; seed %llu; interval level "
            "%.10g%%; methods: ", vc_version(), (unsigned long long)o->seed,
            100.0 * o->level);
    for (size_t i = 0; i < o->methods.n; i++) {
        fputs(i ? ", " : "", f);
        put_html(f, o->methods.v[i]);
    }
    fputs(".</p>\n<p>No list sees everyone. How much the lists overlap "
          "tells how many people none of them saw (multiple-systems "
          "estimation). Every method assumes the population did not change "
          "while the lists were kept and that people are matched across "
          "lists; they differ in how they let the lists depend on each "
          "other, so they can disagree. The interval says how sure the "
          "estimate is; quote the range, not the single number.</p>\n", f);
}

int cli_write_report(const cli_options *o, const vc_dataset *d,
                     const cli_result *res, size_t nres, FILE *f)
{
    put_head(f, d, NULL);
    put_intro(f, o, d);
    fputs("<h2>Summary</h2>\n<ul>\n", f);
    cli_synth_stratum *syn = NULL;
    size_t nsyn = cli_synthesize(o, res, nres, &syn);
    for (size_t s = 0; s < d->ntables; s++) {
        char head[1024];
        cli_stratum_headline(o, d, d->tables[s],
                             cli_stratum_best(d->tables[s], res, nres),
                             cli_synth_find(syn, nsyn, d->tables[s]), head,
                             sizeof head);
        fputs("<li>", f);
        put_html(f, head);
        fputs("</li>\n", f);
    }
    fputs(nsyn > 0 ? "</ul>\n<p>Each headline quotes the synthesis of the "
                     "methods named in brackets (see \"Which number to "
                     "quote\" in each section); the sections below show "
                     "every method.</p>\n<h2>All strata and methods</h2>\n"
                   : "</ul>\n<p>Each headline quotes the first method in the "
                     "list above that used every list and gave an estimate; "
                     "the sections below show all of them.</p>\n<h2>All "
                     "strata and methods</h2>\n",
          f);
    forest(f, VC_PLOT_PNG, o, d, res, nres, NULL);
    if (o->batch.linkage != NULL) {
        linkage_section(f, o->batch.linkage);
    }
    threshold_section(f, VC_PLOT_PNG, o, d, res, nres);
    for (size_t s = 0; s < d->ntables; s++) {
        stratum_section(f, VC_PLOT_PNG, o, d, d->tables[s], res, nres,
                        cli_synth_find(syn, nsyn, d->tables[s]));
    }
    cli_synth_free(syn, nsyn);
    fputs("</body>\n</html>\n", f);
    return CLI_EXIT_OK;
}

/* ---------------------------------------------------------------------
 * The report in pages (issue 20).
 * ------------------------------------------------------------------- */

/* auto: pages above this many strata (a single file of 20 strata with
 * lcm and dga is about 6 MB) */
#define REPORT_AUTO_STRATA 20
/* the most strata in one forest plot of the index */
#define REPORT_FOREST_STRATA 100
/* the index's forest plots: a PNG of one pixel a unit (ten SVG plots of
 * 100 strata took Chromium 3-5 s to draw, as many PNGs under 1 s) */
#define INDEX_FIGURES VC_PLOT_PNG_1X
/* the folder of the stratum pages, next to report.html */
#define REPORT_PAGES "report"

int cli_report_paged(const cli_options *o, const vc_dataset *d)
{
    return o->batch.report_form == CLI_REPORT_PAGES
           || (o->batch.report_form == CLI_REPORT_AUTO
               && d->ntables > REPORT_AUTO_STRATA);
}

/* The file name of stratum s's page: its number, never its values. */
static void page_name(size_t s, char *buf, size_t size)
{
    snprintf(buf, size, "s%05zu.html", s + 1);
}

/* 1 when name is one that page_name writes. */
static int is_page_name(const char *name)
{
    if (name[0] != 's' || !isdigit((unsigned char)name[1])) {
        return 0;
    }
    size_t k = 1;
    while (isdigit((unsigned char)name[k])) {
        k++;
    }
    return strcmp(name + k, ".html") == 0;
}

/* Stratum t's page: links to the index and its neighbours, its section
 * as in the single file (figures as SVG), and its methods side by side
 * in a forest plot. */
static void stratum_page(FILE *f, const cli_options *o, const vc_dataset *d,
                         size_t s, const cli_result *res, size_t nres,
                         const cli_synth_stratum *sy)
{
    const vc_table *t = d->tables[s];
    char lab[256], name[48];
    const char *label = cli_population_label(o, d, t, lab, sizeof lab);
    put_head(f, d, label);
    fputs("<p><a href=\"../report.html\">All strata</a>", f);
    if (s > 0) {
        page_name(s - 1, name, sizeof name);
        fprintf(f, " &middot; <a href=\"%s\">previous</a>", name);
    }
    if (s + 1 < d->ntables) {
        page_name(s + 1, name, sizeof name);
        fprintf(f, " &middot; <a href=\"%s\">next</a>", name);
    }
    fprintf(f, " &middot; stratum %zu of %zu</p>\n", s + 1, d->ntables);
    stratum_section(f, VC_PLOT_SVG, o, d, t, res, nres, sy);
    fputs("<h2>The methods side by side</h2>\n", f);
    forest(f, VC_PLOT_SVG, o, d, res, nres, t);
    fputs("</body>\n</html>\n", f);
}

/* The row of stratum t in an index forest plot: the estimate of its
 * headline's method (cli_stratum_best), labelled by its stratum values
 * after the first (that column heads the plot) and the method. */
static void index_row(const cli_options *o, const vc_dataset *d,
                      const vc_table *t, const cli_result *res, size_t nres,
                      int by_first, char *label, size_t size,
                      vc_plot_interval *row)
{
    const cli_result *best = cli_stratum_best(t, res, nres);
    size_t used = 0;
    label[0] = '\0';
    if (by_first) {
        for (size_t k = 1; k < t->nkeys && used < size; k++) {
            used += (size_t)snprintf(label + used, size - used, "%s%s",
                                     k > 1 ? ", " : "", t->keys[k]);
        }
    } else {
        char lab[256];
        const char *l = cli_population_label(o, d, t, lab, sizeof lab);
        used = (size_t)snprintf(label, size, "%s", l);
    }
    if (used < size && best != NULL) {
        snprintf(label + used, size - used, " (%s)", best->method);
    }
    row->label = label;
    row->missing = best == NULL;
    row->observed = 0.0;
    if (best != NULL) {
        row->estimate = best->est.estimate;
        row->lower = fmax(best->est.lower, 1.0);
        row->upper = best->est.upper;
        row->color = method_color(best->method);
    }
}

/* The forest plots of the index, one row per stratum: the strata
 * grouped by the value of the first stratum column (groups in order of
 * first appearance, each under its heading), whole groups packed into
 * plots of at most REPORT_FOREST_STRATA rows (a larger group is split),
 * so that many small groups do not each pay for a figure of their own.
 * With one stratum column, runs of strata in order. */
static void index_forests(FILE *f, const cli_options *o, const vc_dataset *d,
                          const cli_result *res, size_t nres)
{
    size_t n = d->ntables;
    int by_first = d->nstrata_cols >= 2;
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    unsigned char *done = calloc(n ? n : 1, 1);
    vc_plot_interval *rows = calloc(REPORT_FOREST_STRATA, sizeof *rows);
    char(*labels)[256] = calloc(REPORT_FOREST_STRATA, sizeof *labels);
    char(*groups)[256] = calloc(REPORT_FOREST_STRATA, sizeof *groups);
    if (order == NULL || done == NULL || rows == NULL || labels == NULL
        || groups == NULL) {
        free(order);
        free(done);
        free(rows);
        free(labels);
        free(groups);
        cli_oom_note(); /* the figures are left out: see jsonmem.c */
        return;
    }
    size_t m = 0;
    for (size_t s = 0; s < n; s++) {
        for (size_t u = s; u < n && !done[s]; u++) {
            if (!done[u] && (!by_first
                             || strcmp(d->tables[u]->keys[0],
                                       d->tables[s]->keys[0]) == 0)) {
                done[u] = 1;
                order[m++] = u;
                if (!by_first) {
                    break;
                }
            }
        }
    }
#define KEY0(i) (d->tables[order[i]]->keys[0])
    char xlabel[200];
    snprintf(xlabel, sizeof xlabel, "people in all (dot: estimate; bar: "
             "%.10g%% interval; log scale)", 100.0 * o->level);
    for (size_t a = 0, b; a < m; a = b) {
        /* whole groups while they fit, else as much of one as fits */
        b = a + 1;
        while (b < m && b - a < REPORT_FOREST_STRATA) {
            size_t e = b;
            while (by_first && e < m && strcmp(KEY0(e), KEY0(b)) == 0) {
                e++;
            }
            if (!by_first || strcmp(KEY0(b), KEY0(b - 1)) == 0) {
                b++; /* the group under way, or one column: row by row */
            } else if (e - a <= REPORT_FOREST_STRATA) {
                b = e;
            } else {
                break;
            }
        }
        for (size_t i = a; i < b; i++) {
            if (by_first) {
                snprintf(groups[i - a], sizeof groups[i - a], "%s", KEY0(i));
            } else {
                snprintf(groups[i - a], sizeof groups[i - a],
                         "strata %zu\xE2\x80\x93%zu", a + 1, b);
            }
            rows[i - a].group = groups[i - a];
            index_row(o, d, d->tables[order[i]], res, nres, by_first,
                      labels[i - a], sizeof labels[i - a], &rows[i - a]);
        }
        fputs("<h3>", f);
        if (by_first) {
            put_html(f, d->strata_cols[0]);
            fputs(" ", f);
            put_html(f, KEY0(a));
            if (strcmp(KEY0(a), KEY0(b - 1)) != 0) {
                fputs(" to ", f);
                put_html(f, KEY0(b - 1));
            }
        } else {
            put_html(f, groups[0]);
        }
        fputs("</h3>\n", f);
        unsigned char *fig = NULL;
        size_t len = 0;
        vc_error err;
        vc_error_clear(&err);
        if (vc_plot_forest_as(INDEX_FIGURES, rows, b - a, xlabel, &fig,
                              &len, &err)
            == VC_OK) {
            put_png(f, INDEX_FIGURES, fig, len, "forest plot of the "
                                                "headline estimates of "
                                                "these strata");
        } else {
            put_plot_error(f, &err);
        }
    }
#undef KEY0
    free(order);
    free(done);
    free(rows);
    free(labels);
    free(groups);
}

/* The index page: what was run, a table of the strata (each linked to
 * its page) with their headlines, and the forest plots. */
static void index_page(FILE *f, const cli_options *o, const vc_dataset *d,
                       const cli_result *res, size_t nres,
                       const cli_synth_stratum *syn, size_t nsyn)
{
    put_head(f, d, NULL);
    put_intro(f, o, d);
    fprintf(f, "<p>%zu strata: this page has their headlines and "
            "a forest plot of them; each stratum's name leads to its own "
            "page, with every method, its figures and diagnostics.</p>\n",
            d->ntables);
    fputs("<h2>Summary</h2>\n<table>\n<tr><th>stratum</th><th>headline"
          "</th></tr>\n", f);
    for (size_t s = 0; s < d->ntables; s++) {
        const vc_table *t = d->tables[s];
        char lab[256], head[1024], name[48];
        const char *label = cli_population_label(o, d, t, lab, sizeof lab);
        cli_stratum_headline(o, d, t, cli_stratum_best(t, res, nres),
                             cli_synth_find(syn, nsyn, t), head,
                             sizeof head);
        /* the headline starts with the label, already in the first
         * column */
        size_t k = strlen(label);
        const char *rest = strncmp(head, label, k) == 0
                                   && strncmp(head + k, ": ", 2) == 0
                               ? head + k + 2
                               : head;
        page_name(s, name, sizeof name);
        fprintf(f, "<tr><td><a href=\"" REPORT_PAGES "/%s\">", name);
        put_html(f, label);
        fputs("</a></td><td>", f);
        put_html(f, rest);
        fputs("</td></tr>\n", f);
    }
    fputs(nsyn > 0 ? "</table>\n<p>Each headline quotes the synthesis of "
                     "the methods named in brackets; the stratum's page "
                     "shows every method.</p>\n"
                   : "</table>\n<p>Each headline quotes the first method "
                     "in the list above that used every list and gave an "
                     "estimate; the stratum's page shows all of them.</p>"
                     "\n",
          f);
    fputs("<h2>All strata</h2>\n<p class=\"note\">One row per stratum: "
          "the estimate and interval of the method its headline would "
          "quote alone (named in brackets).</p>\n", f);
    index_forests(f, o, d, res, nres);
    if (o->batch.linkage != NULL) {
        linkage_section(f, o->batch.linkage);
    }
    threshold_section(f, VC_PLOT_SVG, o, d, res, nres);
    fputs("</body>\n</html>\n", f);
}

/* Remove the pages page_name writes from dir, then dir itself (which
 * fails, leaving it, when something else is there).  0 when dir is
 * gone. */
static int remove_pages(const char *dir)
{
    DIR *dp = opendir(dir);
    if (dp == NULL) {
        return errno == ENOENT ? 0 : -1;
    }
    const struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (is_page_name(e->d_name)) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(dp);
    return rmdir(dir);
}

void cli_report_pages_remove(const char *dir)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/" REPORT_PAGES, dir);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)
        && remove_pages(path) != 0) {
        fprintf(stderr, "note: %s holds files the report did not write; "
                "it was left there\n", path);
    }
}

/* Write stratum page s into the folder tmp.  0, or -1 with why in msg
 * (nothing printed: the pages are written by several threads). */
static int write_page(const char *tmp, const cli_options *o,
                      const vc_dataset *d, size_t s, const cli_result *res,
                      size_t nres, const cli_synth_stratum *syn, size_t nsyn,
                      char *msg, size_t size)
{
    char name[48], path[4200], why[256];
    page_name(s, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        stratum_page(f, o, d, s, res, nres,
                     cli_synth_find(syn, nsyn, d->tables[s]));
        int bad = ferror(f);
        if (fclose(f) == 0 && !bad) {
            return 0;
        }
    }
    /* strerror_r, not strerror: its buffer is this thread's own */
    if (strerror_r(errno, why, sizeof why) != 0) {
        snprintf(why, sizeof why, "error %d", errno);
    }
    snprintf(msg, size, "report: cannot write %s: %s", path, why);
    return -1;
}

/* Write every stratum page into the folder tmp, on the batch's threads
 * (issue 20: drawn one after another, the pages of 1,000 strata were the
 * serial tail that kept a batch on many cores below 90% use).  Each page
 * is its own file drawn from read-only results, and the figures owe
 * nothing to the thread that draws them (plot.c renumbers cairo's
 * process-wide surface ids per figure), so the bytes do not depend on
 * the number of threads.  The failure reported is the first in page
 * order, whatever the threads' timing: a page after one that failed is
 * skipped, one before it is still tried.  The index is drawn after the
 * pages, never beside them: drawn first, beside the pages, its PNG
 * forest plots came out with other bytes (tried), likely because cairo
 * shares a font's glyph cache among every figure drawn with it.
 * CLI_EXIT_* after printing why. */
static int write_pages(const char *tmp, const cli_options *o,
                       const vc_dataset *d, const cli_result *res,
                       size_t nres, const cli_synth_stratum *syn,
                       size_t nsyn)
{
    size_t n = d->ntables, first = n; /* the first page that failed */
    char msg[4500] = "";
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    if ((size_t)threads > n) {
        threads = n > 0 ? (int)n : 1;
    }
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (size_t s = 0; s < n; s++) {
        size_t stop;
#pragma omp atomic read
        stop = first;
        if (s > stop) {
            continue;
        }
        char why[4500];
        if (write_page(tmp, o, d, s, res, nres, syn, nsyn, why, sizeof why)
            != 0) {
#pragma omp critical(report_page_error)
            if (s < first) {
                memcpy(msg, why, sizeof msg);
#pragma omp atomic write
                first = s;
            }
        }
    }
    if (first < n) {
        cli_error("%s", msg);
        return CLI_EXIT_OUTPUT;
    }
    return CLI_EXIT_OK;
}

int cli_write_report_pages(const cli_options *o, const vc_dataset *d,
                           const cli_result *res, size_t nres,
                           const char *dir)
{
    char tmp[4096], final[4096], old[4096], index[4096];
    if (strlen(dir) > 4000) {
        cli_error("report: the folder name %.60s... is too long", dir);
        return CLI_EXIT_OUTPUT;
    }
    snprintf(tmp, sizeof tmp, "%s/.report-XXXXXX", dir);
    snprintf(final, sizeof final, "%s/" REPORT_PAGES, dir);
    snprintf(old, sizeof old, "%s/.report-old-XXXXXX", dir);
    snprintf(index, sizeof index, "%s/report.html", dir);
    /* something in the way that the report did not write is not
     * replaced */
    struct stat st;
    int had_old = lstat(final, &st) == 0;
    if (had_old && !S_ISDIR(st.st_mode)) {
        cli_error("report: %s is in the way (not a folder of report "
                  "pages): move it, or give another --out", final);
        return CLI_EXIT_OUTPUT;
    }
    /* the pages go into a fresh folder next to the report's, renamed
     * into place only when all are written */
    if (mkdtemp(tmp) == NULL) {
        cli_error("report: cannot create a folder in %s: %s", dir,
                  strerror(errno));
        return CLI_EXIT_OUTPUT;
    }
    /* mkdtemp makes it private; the pages are as readable as any file
     * written here (the umask decides) */
    mode_t mask = umask(0);
    umask(mask);
    chmod(tmp, 0777 & ~mask);
    cli_synth_stratum *syn = NULL;
    size_t nsyn = cli_synthesize(o, res, nres, &syn);
    unsigned long oom_before = cli_oom_count();
    int rc = write_pages(tmp, o, d, res, nres, syn, nsyn);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = rc == CLI_EXIT_OK ? open_memstream(&buf, &len) : NULL;
    if (rc == CLI_EXIT_OK && f == NULL) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
    }
    if (f != NULL) {
        index_page(f, o, d, res, nres, syn, nsyn);
        /* the index grows in memory: a failed fclose is out of memory */
        if (fclose(f) != 0) {
            cli_oom_note();
        }
    }
    cli_synth_free(syn, nsyn);
    if (rc == CLI_EXIT_OK && cli_oom_count() != oom_before) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
    }
    /* the old pages aside, the new ones in, then the index */
    if (rc == CLI_EXIT_OK && had_old
        && (mkdtemp(old) == NULL || rename(final, old) != 0)) {
        cli_error("report: cannot move the old pages %s aside: %s", final,
                  strerror(errno));
        rmdir(old);
        rc = CLI_EXIT_OUTPUT;
    }
    if (rc == CLI_EXIT_OK && rename(tmp, final) != 0) {
        cli_error("report: cannot rename %s to %s: %s", tmp, final,
                  strerror(errno));
        if (had_old) {
            rename(old, final);
        }
        rc = CLI_EXIT_OUTPUT;
    }
    if (rc != CLI_EXIT_OK) {
        remove_pages(tmp);
        free(buf);
        return rc;
    }
    rc = cli_emit(index, buf, len);
    free(buf);
    if (rc != CLI_EXIT_OK) {
        /* the old report stays whole: its pages back in place */
        remove_pages(final);
        if (had_old) {
            rename(old, final);
        }
        return rc;
    }
    if (had_old && remove_pages(old) != 0) {
        fprintf(stderr, "note: %s holds files the report did not write; "
                "it was left there\n", old);
    }
    return CLI_EXIT_OK;
}
