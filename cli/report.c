/*
 * report.c: the batch's report, one self-contained HTML file for people
 * who will quote the figures: per stratum a headline in words, the methods
 * side by side with intervals and warnings, a forest plot across strata
 * and methods, the posterior of N for the Bayesian methods and, behind a
 * fold, their convergence diagnostics and trace plots.  Figures are drawn
 * by report/plot.c (cairo) and embedded as PNG data URIs (base64 from
 * nettle), so the file needs nothing else to open, and holds no script.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nettle/base64.h>

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
                          char *buf, size_t size)
{
    char lab[256], seen[48];
    const char *label = cli_population_label(o, d, t, lab, sizeof lab);
    vc_format_count((double)t->n, seen, sizeof seen);
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

/* An <img> holding png as a data URI; frees png. */
static void put_png(FILE *f, unsigned char *png, size_t len, const char *alt)
{
    char *b64 = malloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
    if (b64 != NULL) {
        base64_encode_raw(b64, len, png);
        b64[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
        fputs("<img class=\"fig\" alt=\"", f);
        put_html(f, alt);
        fprintf(f, "\" src=\"data:image/png;base64,%s\">\n", b64);
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

static void forest(FILE *f, const cli_options *o, const vc_dataset *d,
                   const cli_result *res, size_t nres)
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
        if (res[r].variant != NULL) {
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
    if (vc_plot_forest(rows, n, xlabel, &png, &len, &err) == VC_OK) {
        put_png(f, png, len, "forest plot of the estimates and intervals of "
                             "every stratum and method");
    } else {
        put_plot_error(f, &err);
    }
    free(rows);
    free(labels);
    free(groups);
}

/* The posterior of N of an lcm (draws) or dga (grid) row. */
static void posterior(FILE *f, const cli_result *r)
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
        status = vc_plot_posterior(x0 - 0.5, w, m, n, r->est.lower,
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
        status = vc_plot_posterior(lo - 0.5, w, m, nb, r->est.lower,
                                   r->est.upper, r->est.estimate, xlabel,
                                   &png, &len, &err);
        free(m);
    }
    if (status == VC_OK) {
        put_png(f, png, len, xlabel);
    } else if (err.code != VC_OK) {
        put_plot_error(f, &err);
    }
}

/* R-hat, ESS and trace plot of an lcm row, behind a fold. */
static void diagnostics(FILE *f, const cli_result *r)
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
            if (vc_plot_traces(y, m, n, "N", &png, &len, &err) == VC_OK) {
                put_png(f, png, len, "trace plot of N, one line per chain");
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

static void stratum_section(FILE *f, const cli_options *o,
                            const vc_dataset *d, const vc_table *t,
                            const cli_result *res, size_t nres)
{
    char lab[256], head[1024], num[48];
    const char *label = cli_population_label(o, d, t, lab, sizeof lab);
    const cli_result *best = cli_stratum_best(t, res, nres);
    cli_stratum_headline(o, d, t, best, head, sizeof head);
    fputs("<section>\n<h2>", f);
    put_html(f, label);
    fputs("</h2>\n<p class=\"headline\">", f);
    put_html(f, head);
    fputs("</p>\n", f);
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
            posterior(f, &res[r]);
        }
    }
    for (size_t r = 0; r < nres; r++) {
        if (res[r].table == t && res[r].variant == NULL
            && res[r].status == VC_OK) {
            diagnostics(f, &res[r]);
        }
    }
    fputs("</section>\n", f);
}

int cli_write_report(const cli_options *o, const vc_dataset *d,
                     const cli_result *res, size_t nres, FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\""
          "utf-8\">\n<meta name=\"viewport\" content=\"width=device-width"
          "\">\n<title>victimcount report: ", f);
    put_html(f, d->source);
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
    fputs("<h2>Summary</h2>\n<ul>\n", f);
    for (size_t s = 0; s < d->ntables; s++) {
        char head[1024];
        cli_stratum_headline(o, d, d->tables[s],
                             cli_stratum_best(d->tables[s], res, nres), head,
                             sizeof head);
        fputs("<li>", f);
        put_html(f, head);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n<p>Each headline quotes the first method in the list "
          "above that used every list and gave an estimate; the sections "
          "below show all of them.</p>\n<h2>All strata and methods</h2>\n",
          f);
    forest(f, o, d, res, nres);
    for (size_t s = 0; s < d->ntables; s++) {
        stratum_section(f, o, d, d->tables[s], res, nres);
    }
    fputs("</body>\n</html>\n", f);
    return CLI_EXIT_OK;
}
