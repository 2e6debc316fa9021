/*
 * plot.c: the report's figures, drawn with cairo (https://cairographics.org)
 * on an image surface and encoded as PNG in memory, or on cairo's SVG
 * surface as a vector image (the pages of a large batch's report, where
 * a figure of a few kilobytes matters more than sharp raster text).
 *
 * Why cairo: a maintained 2-D library (Debian's libcairo2) that
 * antialiases lines and text and writes PNG itself, so the report embeds
 * real images rather than hand-assembled SVG strings.  Text uses cairo's
 * simple text API with the "DejaVu Sans" face (fontconfig picks a
 * substitute when it is missing).
 *
 * Axis ticks are "nice" numbers 1, 2, 5 x 10^k (Heckbert 1990, "Nice
 * numbers for graph labels", Graphics Gems I), on a linear axis or, for
 * the forest plot, on a logarithmic one.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-svg.h>
#include <cairo.h>

#include "report/vc_report.h"

/* Size of every figure in pixels at scale 1; drawn at PLOT_SCALE for
 * sharper text on high-density screens (the HTML shows them at 1x). */
#define PLOT_WIDTH 860
#define PLOT_SCALE 1.5
#define PLOT_FONT "DejaVu Sans"
#define PLOT_TAU 6.283185307179586 /* 2 pi: a full circle */

/* PNG bytes collected from cairo's stream writer. */
typedef struct {
    unsigned char *buf;
    size_t len, cap;
    int failed;
} png_sink;

static cairo_status_t sink_write(void *closure, const unsigned char *data,
                                 unsigned int length)
{
    png_sink *s = closure;
    if (s->len + length > s->cap) {
        size_t cap = 2 * s->cap + length + 4096;
        unsigned char *g = realloc(s->buf, cap);
        if (g == NULL) {
            s->failed = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        s->buf = g;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, length);
    s->len += length;
    return CAIRO_STATUS_SUCCESS;
}

/* A canvas: surface and context, white background.  A PNG is drawn at
 * PLOT_SCALE on an image surface; an SVG at scale 1 on cairo's SVG
 * surface, which streams its document into `svg` as it is finished. */
typedef struct {
    cairo_surface_t *surface;
    cairo_t *cr;
    double w, h;
    vc_plot_format fmt;
    png_sink svg;
} canvas;

/* Pixels per unit of a PNG. */
static double canvas_scale(vc_plot_format fmt)
{
    return fmt == VC_PLOT_PNG_1X ? 1.0 : PLOT_SCALE;
}

static int canvas_open_as(canvas *c, vc_plot_format fmt, double w, double h,
                          vc_error *err)
{
    c->w = w;
    c->h = h;
    c->fmt = fmt;
    c->svg = (png_sink){NULL, 0, 0, 0};
    if (fmt == VC_PLOT_SVG) {
        c->surface = cairo_svg_surface_create_for_stream(sink_write, &c->svg,
                                                         w, h);
        cairo_svg_surface_restrict_to_version(c->surface,
                                              CAIRO_SVG_VERSION_1_1);
    } else {
        c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
                                                (int)(w * canvas_scale(fmt)),
                                                (int)(h * canvas_scale(fmt)));
    }
    c->cr = cairo_create(c->surface);
    cairo_status_t st = cairo_status(c->cr);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(c->cr);
        cairo_surface_destroy(c->surface);
        free(c->svg.buf);
        return vc_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? VC_ENOMEM
                                                              : VC_ENUMERIC,
                            "cairo: %s", cairo_status_to_string(st));
    }
    if (fmt != VC_PLOT_SVG) {
        cairo_scale(c->cr, canvas_scale(fmt), canvas_scale(fmt));
    }
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    cairo_select_font_face(c->cr, PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(c->cr, 12);
    cairo_set_line_width(c->cr, 1);
    return VC_OK;
}

/* A plot: its canvas (PLOT_WIDTH by h) and the area inside the margins
 * where the data go, x0..x1 left to right and y0..y1 top to bottom. */
typedef struct {
    canvas c;
    double x0, x1, y0, y1;
} frame;

static int frame_open(frame *f, vc_plot_format fmt, double h, double left,
                      double right, double top, double bottom,
                      vc_error *err)
{
    f->x0 = left;
    f->x1 = PLOT_WIDTH - right;
    f->y0 = top;
    f->y1 = h - bottom;
    return canvas_open_as(&f->c, fmt, PLOT_WIDTH, h, err);
}

/* Shorten every number of an SVG document that has more than
 * SVG_DECIMALS decimals to that many (rounded, trailing zeros dropped),
 * in place; returns the new length.  cairo writes coordinates with six
 * decimals, which doubles a figure's size for precision no screen shows
 * (a hundredth of a pixel).  Numbers with fewer decimals (the XML
 * declaration's "1.0", ids) are left as they are. */
#define SVG_DECIMALS 1
static size_t svg_compact(char *s, size_t n)
{
    size_t r = 0, w = 0;
    while (r < n) {
        size_t start = r;
        int word = start > 0 && (isalnum((unsigned char)s[start - 1])
                                 || s[start - 1] == '_');
        while (r < n && isdigit((unsigned char)s[r])) {
            r++;
        }
        size_t dec = 0;
        if (r > start && !word && r + 1 < n && s[r] == '.'
            && isdigit((unsigned char)s[r + 1])) {
            size_t d = r + 1;
            while (d < n && isdigit((unsigned char)s[d])) {
                d++;
            }
            dec = d - r - 1;
            if (dec > SVG_DECIMALS && r - start < 40) {
                /* rounded half up on the digits as written (they are
                 * cairo's rounding already): no strtod and printf for
                 * every coordinate */
                char num[48];
                size_t len = r - start + 1 + SVG_DECIMALS;
                memcpy(num + 1, s + start, len);
                int carry = s[r + 1 + SVG_DECIMALS] >= '5';
                for (size_t i = len; carry && i-- > 0;) {
                    char *c = &num[1 + i];
                    if (*c == '9') {
                        *c = '0';
                    } else if (*c != '.') {
                        (*c)++;
                        carry = 0;
                    }
                }
                char *out = num + 1;
                if (carry) {
                    *--out = '1';
                    len++;
                }
                while (out[len - 1] == '0') {
                    len--; /* stops at the point */
                }
                if (out[len - 1] == '.') {
                    len--;
                }
                memcpy(s + w, out, len);
                w += len;
                r = d;
                continue;
            }
        }
        if (r == start) {
            r++;
        }
        memmove(s + w, s + start, r - start);
        w += r - start;
    }
    return w;
}

/* cairo numbers the SVG's surfaces ("surface6") by a counter of the
 * whole process, so the same figure drawn twice would differ.  Renumber
 * them 1, 2, ... in order of first appearance (at most 64, so a new
 * number has at most 2 digits and "surfaceN" grows by at most a byte:
 * the copy's quarter more is ample); returns the new document (the old
 * one freed) and its length in *n, or NULL when out of memory. */
static char *svg_renumber(char *s, size_t *n)
{
    static const char word[] = "surface";
    const size_t wl = sizeof word - 1;
    unsigned long seen[64];
    size_t nseen = 0;
    char *out = malloc(*n + *n / 4 + 64);
    if (out == NULL) {
        free(s);
        return NULL;
    }
    size_t r = 0, w = 0;
    while (r < *n) {
        if (r + wl < *n && memcmp(s + r, word, wl) == 0
            && isdigit((unsigned char)s[r + wl])) {
            char *end;
            unsigned long id = strtoul(s + r + wl, &end, 10);
            size_t k = 0;
            while (k < nseen && seen[k] != id) {
                k++;
            }
            if (k == nseen && nseen < sizeof seen / sizeof seen[0]) {
                seen[nseen++] = id;
            }
            if (k < nseen) {
                w += (size_t)sprintf(out + w, "%s%zu", word, k + 1);
                r = (size_t)(end - s);
                continue;
            }
        }
        out[w++] = s[r++];
    }
    free(s);
    *n = w;
    return out;
}

static int canvas_close(canvas *c, unsigned char **out, size_t *len,
                        vc_error *err)
{
    png_sink s = {NULL, 0, 0, 0};
    cairo_status_t st = cairo_status(c->cr);
    if (st == CAIRO_STATUS_SUCCESS && c->fmt == VC_PLOT_SVG) {
        /* finishing the surface writes the whole document to c->svg */
        cairo_surface_finish(c->surface);
        st = cairo_surface_status(c->surface);
    } else if (st == CAIRO_STATUS_SUCCESS) {
        cairo_surface_flush(c->surface);
        st = cairo_surface_write_to_png_stream(c->surface, sink_write, &s);
    }
    cairo_destroy(c->cr);
    cairo_surface_destroy(c->surface);
    if (c->fmt == VC_PLOT_SVG) {
        /* taken only now: an SVG surface destroyed unfinished (after an
         * error) still writes into c->svg */
        s = c->svg;
    }
    if (st != CAIRO_STATUS_SUCCESS || s.failed) {
        free(s.buf);
        return vc_error_set(err, s.failed || st == CAIRO_STATUS_NO_MEMORY
                                     ? VC_ENOMEM : VC_ENUMERIC,
                            "cairo: %s", cairo_status_to_string(st));
    }
    if (c->fmt == VC_PLOT_SVG) {
        s.len = svg_compact((char *)s.buf, s.len);
        s.buf = (unsigned char *)svg_renumber((char *)s.buf, &s.len);
        if (s.buf == NULL) {
            return vc_error_set(err, VC_ENOMEM, "out of memory");
        }
    }
    *out = s.buf;
    *len = s.len;
    return VC_OK;
}

static void set_rgb(cairo_t *cr, unsigned rgb)
{
    cairo_set_source_rgb(cr, (double)(rgb >> 16 & 0xFF) / 255.0,
                         (double)(rgb >> 8 & 0xFF) / 255.0,
                         (double)(rgb & 0xFF) / 255.0);
}

/* Text with its left (align 0), centre (0.5) or right (1) end at x and
 * its baseline at y. */
static void text_at(cairo_t *cr, double x, double y, double align,
                    const char *s)
{
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - align * e.x_advance, y);
    cairo_show_text(cr, s);
}

/* The nice number nearest x from above (1, 2, 5 x 10^k). */
static double nice_step(double range, int ticks)
{
    double raw = range / ticks;
    double p = pow(10.0, floor(log10(raw)));
    double f = raw / p;
    double nice = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
    return nice * p;
}

static int finite3(double a, double b, double c)
{
    return isfinite(a) && isfinite(b) && isfinite(c);
}

int vc_plot_forest(const vc_plot_interval *rows, size_t n, const char *xlabel,
                   unsigned char **png, size_t *len, vc_error *err)
{
    return vc_plot_forest_as(VC_PLOT_PNG, rows, n, xlabel, png, len, err);
}

int vc_plot_forest_as(vc_plot_format fmt, const vc_plot_interval *rows,
                      size_t n, const char *xlabel, unsigned char **png,
                      size_t *len, vc_error *err)
{
    double lo = INFINITY, hi = 0.0;
    size_t ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(rows[i].group, rows[i - 1].group) != 0) {
            ngroups++;
        }
        if (rows[i].missing) {
            continue;
        }
        if (!finite3(rows[i].estimate, rows[i].lower, rows[i].upper)
            || !(rows[i].lower > 0.0)) {
            return vc_error_set(err, VC_EINVAL,
                                "forest plot: row %zu has a non-finite or "
                                "non-positive interval", i + 1);
        }
        lo = fmin(lo, rows[i].lower);
        hi = fmax(hi, rows[i].upper);
        if (rows[i].observed > 0.0) {
            if (!isfinite(rows[i].observed)) {
                return vc_error_set(err, VC_EINVAL, "forest plot: row %zu "
                                    "has a non-finite observed", i + 1);
            }
            lo = fmin(lo, rows[i].observed);
            hi = fmax(hi, rows[i].observed);
        }
    }
    if (n == 0 || !(hi > 0.0)) {
        return vc_error_set(err, VC_EINVAL, "forest plot: nothing to draw");
    }
    /* The axis spans whole 1-2-5 steps around the data, in log10. */
    static const double steps[] = {1, 2, 5};
    /* the axis runs from the 1-2-5 value below lo to the one above hi */
    double a = floor(log10(lo)), b = ceil(log10(hi));
    for (size_t k = 3; k-- > 0;) {
        if (steps[k] * pow(10.0, a) <= lo) {
            a = log10(steps[k] * pow(10.0, a));
            break;
        }
    }
    for (size_t k = 0; k < 3; k++) {
        if (steps[k] * pow(10.0, b - 1.0) >= hi) {
            b = log10(steps[k] * pow(10.0, b - 1.0));
            break;
        }
    }
    if (b - a < 0.3) {
        b = a + 1.0;
    }
    const double row_h = 18, head_h = 24, top = 16, bottom = 48;
    double h = top + bottom + (double)n * row_h + (double)ngroups * head_h;
    frame f;
    int status = frame_open(&f, fmt, h, 250, 24, top, bottom, err);
    if (status != VC_OK) {
        return status;
    }
    cairo_t *cr = f.c.cr;
    double x0 = f.x0, x1 = f.x1, plot_bottom = f.y1;
#define XPOS(v) (x0 + (log10(v) - a) / (b - a) * (x1 - x0))
    /* grid and tick labels */
    char num[48];
    for (double e = floor(a + 1e-9); e <= b; e += 1.0) {
        for (size_t k = 0; k < 3; k++) {
            double v = steps[k] * pow(10.0, e);
            if (log10(v) > b + 1e-9) {
                break;
            }
            if (log10(v) < a - 1e-9) {
                continue;
            }
            double x = XPOS(v);
            cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
            cairo_move_to(cr, x, top);
            cairo_line_to(cr, x, plot_bottom);
            cairo_stroke(cr);
            cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
            vc_format_count(v, num, sizeof num);
            text_at(cr, x, plot_bottom + 16, 0.5, num);
        }
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, (x0 + x1) / 2, h - 12, 0.5, xlabel ? xlabel : "");
    /* rows */
    double y = top;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(rows[i].group, rows[i - 1].group) != 0) {
            y += head_h;
            cairo_select_font_face(cr, PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                                   CAIRO_FONT_WEIGHT_BOLD);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            text_at(cr, 8, y - 6, 0.0, rows[i].group);
            cairo_select_font_face(cr, PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                                   CAIRO_FONT_WEIGHT_NORMAL);
        }
        double yc = y + row_h / 2;
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        text_at(cr, 20, yc + 4, 0.0, rows[i].label);
        if (rows[i].missing) {
            cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
            text_at(cr, x0 + 4, yc + 4, 0.0, "no estimate");
        } else {
            set_rgb(cr, rows[i].color);
            cairo_set_line_width(cr, 2.5);
            cairo_move_to(cr, XPOS(rows[i].lower), yc);
            cairo_line_to(cr, XPOS(rows[i].upper), yc);
            cairo_stroke(cr);
            cairo_arc(cr, XPOS(rows[i].estimate), yc, 4.5, 0, PLOT_TAU);
            cairo_fill(cr);
            if (rows[i].observed > 0.0) {
                cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
                cairo_set_line_width(cr, 2.0);
                cairo_move_to(cr, XPOS(rows[i].observed), yc - 6);
                cairo_line_to(cr, XPOS(rows[i].observed), yc + 6);
                cairo_stroke(cr);
            }
            cairo_set_line_width(cr, 1);
        }
        y += row_h;
    }
#undef XPOS
    return canvas_close(&f.c, png, len, err);
}

/* A linear axis from lo to hi along [p0, p1] with nice ticks; labels
 * below (horizontal axis) or left (vertical), as whole counts with
 * thousands separators, or with `decimals` decimals when it is > 0 (a
 * threshold). */
static void linear_axis_fmt(cairo_t *cr, double lo, double hi, double p0,
                            double p1, double across0, double across1,
                            int horizontal, int decimals)
{
    double step = nice_step(hi - lo, 6);
    char num[48];
    for (double v = ceil(lo / step) * step; v <= hi + 1e-9 * step;
         v += step) {
        double p = p0 + (v - lo) / (hi - lo) * (p1 - p0);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        if (horizontal) {
            cairo_move_to(cr, p, across0);
            cairo_line_to(cr, p, across1);
        } else {
            cairo_move_to(cr, across0, p);
            cairo_line_to(cr, across1, p);
        }
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        if (decimals > 0) {
            snprintf(num, sizeof num, "%.*f", decimals, v);
        } else {
            vc_format_count(v, num, sizeof num);
        }
        if (horizontal) {
            text_at(cr, p, across1 + 16, 0.5, num);
        } else {
            text_at(cr, across0 - 6, p + 4, 1.0, num);
        }
    }
}

static void linear_axis(cairo_t *cr, double lo, double hi, double p0,
                        double p1, double across0, double across1,
                        int horizontal)
{
    linear_axis_fmt(cr, lo, hi, p0, p1, across0, across1, horizontal, 0);
}

int vc_plot_posterior(double x0, double width, const double *mass, size_t n,
                      double lo, double hi, double mark, const char *xlabel,
                      unsigned char **png, size_t *len, vc_error *err)
{
    return vc_plot_posterior_as(VC_PLOT_PNG, x0, width, mass, n, lo, hi,
                                mark, xlabel, png, len, err);
}

int vc_plot_posterior_as(vc_plot_format fmt, double x0, double width,
                         const double *mass, size_t n, double lo, double hi,
                         double mark, const char *xlabel,
                         unsigned char **png, size_t *len, vc_error *err)
{
    double top_mass = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(mass[i]) || mass[i] < 0.0) {
            return vc_error_set(err, VC_EINVAL,
                                "posterior plot: bar %zu is %g", i + 1,
                                mass[i]);
        }
        top_mass = fmax(top_mass, mass[i]);
    }
    if (n == 0 || !(width > 0.0) || !isfinite(x0) || !(top_mass > 0.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "posterior plot: nothing to draw");
    }
    const double h = 240;
    frame f;
    int status = frame_open(&f, fmt, h, 30, 24, 14, 48, err);
    if (status != VC_OK) {
        return status;
    }
    cairo_t *cr = f.c.cr;
    double px0 = f.x0, px1 = f.x1, py0 = f.y0, py1 = f.y1;
    double xlo = x0, xhi = x0 + width * (double)n;
#define XPOS(v) (px0 + ((v) - xlo) / (xhi - xlo) * (px1 - px0))
    linear_axis(cr, xlo, xhi, px0, px1, py0, py1, 1);
    if (isfinite(lo) && isfinite(hi) && hi > lo) {
        cairo_set_source_rgb(cr, 0.87, 0.92, 0.98);
        double a = XPOS(fmax(lo, xlo)), b = XPOS(fmin(hi, xhi));
        cairo_rectangle(cr, a, py0, b - a, py1 - py0);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.16, 0.38, 0.66);
    for (size_t i = 0; i < n; i++) {
        double a = XPOS(x0 + width * (double)i);
        double b = XPOS(x0 + width * (double)(i + 1));
        double bh = mass[i] / top_mass * (py1 - py0);
        cairo_rectangle(cr, a, py1 - bh, fmax(b - a, 0.6), bh);
    }
    cairo_fill(cr);
    if (isfinite(mark)) {
        cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, XPOS(mark), py0);
        cairo_line_to(cr, XPOS(mark), py1);
        cairo_stroke(cr);
        cairo_set_line_width(cr, 1);
    }
#undef XPOS
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_move_to(cr, px0, py1);
    cairo_line_to(cr, px1, py1);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, (px0 + px1) / 2, h - 12, 0.5, xlabel ? xlabel : "");
    return canvas_close(&f.c, png, len, err);
}

int vc_plot_traces(const double *y, size_t m, size_t n, const char *ylabel,
                   unsigned char **png, size_t *len, vc_error *err)
{
    return vc_plot_traces_as(VC_PLOT_PNG, y, m, n, ylabel, png, len, err);
}

int vc_plot_traces_as(vc_plot_format fmt, const double *y, size_t m,
                      size_t n, const char *ylabel, unsigned char **png,
                      size_t *len, vc_error *err)
{
    /* a qualitative palette (Okabe & Ito 2008), distinguishable by people
     * with colour-vision deficiencies */
    static const unsigned palette[] = {0x0072B2, 0xD55E00, 0x009E73,
                                       0xCC79A7, 0xE69F00, 0x56B4E9,
                                       0x000000, 0xF0E442};
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < m * n; i++) {
        if (!isfinite(y[i])) {
            return vc_error_set(err, VC_EINVAL,
                                "trace plot: draw %zu is not finite", i + 1);
        }
        lo = fmin(lo, y[i]);
        hi = fmax(hi, y[i]);
    }
    if (m == 0 || n < 2) {
        return vc_error_set(err, VC_EINVAL, "trace plot: nothing to draw");
    }
    if (!(hi > lo)) {
        hi = lo + 1.0;
    }
    const double h = 220;
    frame f;
    int status = frame_open(&f, fmt, h, 70, 24, 14, 40, err);
    if (status != VC_OK) {
        return status;
    }
    cairo_t *cr = f.c.cr;
    double px0 = f.x0, px1 = f.x1, py0 = f.y0, py1 = f.y1;
    linear_axis(cr, lo, hi, py1, py0, px0, px1, 0);
    cairo_set_line_width(cr, 0.8);
    for (size_t ch = 0; ch < m; ch++) {
        set_rgb(cr, palette[ch % (sizeof palette / sizeof palette[0])]);
        for (size_t i = 0; i < n; i++) {
            double x = px0 + (double)i / (double)(n - 1) * (px1 - px0);
            double v = py1 - (y[ch * n + i] - lo) / (hi - lo) * (py1 - py0);
            if (i == 0) {
                cairo_move_to(cr, x, v);
            } else {
                cairo_line_to(cr, x, v);
            }
        }
        cairo_stroke(cr);
    }
    cairo_set_line_width(cr, 1);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, (px0 + px1) / 2, h - 10, 0.5,
            "kept draw, in order (one colour per chain)");
    text_at(cr, 8, 12, 0.0, ylabel ? ylabel : "");
    return canvas_close(&f.c, png, len, err);
}

int vc_plot_threshold(const double *t, const double *est, const double *lo,
                      const double *hi, size_t n, double chosen,
                      const char *ylabel, unsigned char **png, size_t *len,
                      vc_error *err)
{
    return vc_plot_threshold_as(VC_PLOT_PNG, t, est, lo, hi, n, chosen,
                                ylabel, png, len, err);
}

int vc_plot_threshold_as(vc_plot_format fmt, const double *t,
                         const double *est, const double *lo,
                         const double *hi, size_t n, double chosen,
                         const char *ylabel, unsigned char **png,
                         size_t *len, vc_error *err)
{
    double tlo = INFINITY, thi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t[i]) || !finite3(est[i], lo[i], hi[i])
            || !(lo[i] <= est[i] && est[i] <= hi[i])) {
            return vc_error_set(err, VC_EINVAL,
                                "threshold plot: point %zu is not a "
                                "finite estimate inside its interval",
                                i + 1);
        }
        if (i > 0 && !(t[i] > t[i - 1])) {
            return vc_error_set(err, VC_EINVAL,
                                "threshold plot: thresholds not increasing "
                                "at point %zu",
                                i + 1);
        }
        tlo = fmin(tlo, t[i]);
        thi = fmax(thi, t[i]);
        ylo = fmin(ylo, lo[i]);
        yhi = fmax(yhi, hi[i]);
    }
    if (n < 2) {
        return vc_error_set(err, VC_EINVAL,
                            "threshold plot: needs two thresholds or more");
    }
    if (!(yhi > ylo)) {
        yhi = ylo + 1.0;
    }
    /* a margin of a twentieth around the values and the thresholds */
    double ypad = 0.05 * (yhi - ylo), tpad = 0.05 * (thi - tlo);
    ylo = fmax(ylo - ypad, 0.0);
    yhi += ypad;
    tlo -= tpad;
    thi += tpad;
    const double h = 300, left = 80, right = 24, top = 24, bottom = 48;
    canvas c;
    int status = canvas_open_as(&c, fmt, PLOT_WIDTH, h, err);
    if (status != VC_OK) {
        return status;
    }
    cairo_t *cr = c.cr;
    double px0 = left, px1 = PLOT_WIDTH - right;
    double py0 = top, py1 = h - bottom;
#define XPOS(v) (px0 + ((v) - tlo) / (thi - tlo) * (px1 - px0))
#define YPOS(v) (py1 - ((v) - ylo) / (yhi - ylo) * (py1 - py0))
    int decimals = (int)ceil(-log10(nice_step(thi - tlo, 6)) - 1e-9);
    linear_axis_fmt(cr, tlo, thi, px0, px1, py0, py1, 1,
                    decimals > 0 ? decimals : 1);
    linear_axis(cr, ylo, yhi, py1, py0, px0, px1, 0);
    /* the interval as a band, the estimate as a line with dots */
    cairo_set_source_rgb(cr, 0.87, 0.92, 0.98);
    for (size_t i = 0; i < n; i++) {
        if (i == 0) {
            cairo_move_to(cr, XPOS(t[i]), YPOS(hi[i]));
        } else {
            cairo_line_to(cr, XPOS(t[i]), YPOS(hi[i]));
        }
    }
    for (size_t i = n; i-- > 0;) {
        cairo_line_to(cr, XPOS(t[i]), YPOS(lo[i]));
    }
    cairo_close_path(cr);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.16, 0.38, 0.66);
    cairo_set_line_width(cr, 1.6);
    for (size_t i = 0; i < n; i++) {
        if (i == 0) {
            cairo_move_to(cr, XPOS(t[i]), YPOS(est[i]));
        } else {
            cairo_line_to(cr, XPOS(t[i]), YPOS(est[i]));
        }
    }
    cairo_stroke(cr);
    for (size_t i = 0; i < n; i++) {
        cairo_arc(cr, XPOS(t[i]), YPOS(est[i]), 3.0, 0, PLOT_TAU);
        cairo_fill(cr);
    }
    cairo_set_line_width(cr, 1);
    if (isfinite(chosen) && chosen >= tlo && chosen <= thi) {
        cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, XPOS(chosen), py0);
        cairo_line_to(cr, XPOS(chosen), py1);
        cairo_stroke(cr);
        cairo_set_line_width(cr, 1);
        char lab[64];
        snprintf(lab, sizeof lab, "chosen %.*f", decimals > 0 ? decimals + 1
                                                              : 2, chosen);
        text_at(cr, XPOS(chosen), py0 - 6, 0.5, lab);
    }
#undef XPOS
#undef YPOS
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_move_to(cr, px0, py1);
    cairo_line_to(cr, px1, py1);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, (px0 + px1) / 2, h - 12, 0.5,
            "Dice threshold of the linkage (low: false matches, N too low; "
            "high: missed matches, N too high)");
    text_at(cr, 8, 14, 0.0, ylabel ? ylabel : "");
    return canvas_close(&c, png, len, err);
}
