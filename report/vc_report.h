/*
 * vc_report.h: numbers, sentences and figures for people: thousands
 * separators, the rounded "about" range, the one-line headline of an
 * estimate, and plots drawn with cairo as PNG in memory.  Writes into
 * caller buffers or returned memory; never prints.
 */
#ifndef VC_REPORT_H
#define VC_REPORT_H

#include <stddef.h>

#include "core/vc_estimate.h"

/*
 * Write x rounded to the nearest whole number with thousands separators
 * ("3,412") into buf (filled, size bytes).  Returns the length that the full
 * text needs, as snprintf does.
 */
size_t vc_format_count(double x, char *buf, size_t size);

/*
 * The rounded range quoted in words ("about 3,000-4,000").  lower is
 * rounded down and upper up, so the range always contains [lower, upper].
 * figures > 0 forces that many significant figures; figures == 0 picks one
 * figure when that widens the interval by at most half, else two
 * (2,980-4,115 becomes 2,900-4,200).  lo and hi are filled.
 */
void vc_about_range(double lower, double upper, int figures, double *lo,
                    double *hi);

/*
 * The headline of an estimate, e.g.
 *   "Kyrgyzstan 2005: 3,412 (95% CI 3,050-3,950), about 3,000-4,000"
 * (with en dashes).  label names the population (a stratum label or the
 * input's name; NULL for none); figures as in vc_about_range.  Returns the
 * length the full text needs.
 */
size_t vc_headline(const char *label, const vc_estimate *e, int figures,
                   char *buf, size_t size);

/* ---------------------------------------------------------------------
 * Figures (report/plot.c), drawn with cairo into PNG images in memory, for
 * a report to embed.  Each returns VC_OK and sets *png (returned: free()
 * it) and *len, or an error: VC_EINVAL (nothing to draw, non-finite
 * values), VC_ENOMEM, VC_ENUMERIC (cairo failed; its message attached).
 * Equal inputs give equal bytes.
 * ------------------------------------------------------------------- */

/* What a figure function writes: a PNG (1.5 pixels a unit, sharp on
 * dense screens), an SVG document (cairo's SVG surface, SVG 1.1, text as
 * glyph outlines so no font is needed), or a PNG of one pixel a unit
 * (half the bytes; for many figures on one page, where a browser draws
 * a large SVG's thousands of glyphs slowly). */
typedef enum {
    VC_PLOT_PNG = 0,
    VC_PLOT_SVG = 1,
    VC_PLOT_PNG_1X = 2
} vc_plot_format;

/* One row of a forest plot: an estimate and its interval. */
typedef struct {
    const char *group;   /* heading of a block of rows (a stratum); a new
                            heading starts when it changes; borrowed */
    const char *label;   /* the row's name (a method); borrowed */
    double estimate, lower, upper;
    int missing;         /* no estimate: the label alone, marked */
    unsigned color;      /* 0xRRGGBB */
    double observed;     /* > 0: the people seen, marked by a tick (the
                            by-level figures of a model with covariates);
                            0: no mark */
} vc_plot_interval;

/*
 * Intervals as horizontal bars with a dot at the estimate, rows grouped
 * under headings, on a logarithmic axis (estimates of strata of very
 * different sizes stay legible side by side).  A row with observed > 0
 * also has a black tick there (how many of the estimate were seen).
 * xlabel names the axis.
 */
int vc_plot_forest(const vc_plot_interval *rows, size_t n, const char *xlabel,
                   unsigned char **png, size_t *len, vc_error *err);

/*
 * A posterior as bars: bar i spans [x0 + i width, x0 + (i + 1) width) with
 * height mass[i] (any scale).  The interval [lo, hi] is shaded and mark
 * (e.g. the median) drawn as a line; NAN leaves either out.
 */
int vc_plot_posterior(double x0, double width, const double *mass, size_t n,
                      double lo, double hi, double mark, const char *xlabel,
                      unsigned char **png, size_t *len, vc_error *err);

/*
 * Trace plot of m chains of n draws each, chain-major (y[c * n + i]), one
 * colour per chain.
 */
int vc_plot_traces(const double *y, size_t m, size_t n, const char *ylabel,
                   unsigned char **png, size_t *len, vc_error *err);

/*
 * The estimate against the linkage threshold: n points at thresholds
 * t[0] < t[1] < ... (each est[i] inside [lo[i], hi[i]]), the estimates as
 * a line with dots, their intervals as a band, and the threshold chosen
 * for the linkage marked by a vertical line (NAN: none).  ylabel names
 * the vertical axis.
 */
int vc_plot_threshold(const double *t, const double *est, const double *lo,
                      const double *hi, size_t n, double chosen,
                      const char *ylabel, unsigned char **png, size_t *len,
                      vc_error *err);

/* The same figures as PNG or SVG (fmt); the functions above are these
 * with VC_PLOT_PNG.  An SVG is drawn at 1 unit per pixel of the PNG at
 * scale 1. */
int vc_plot_forest_as(vc_plot_format fmt, const vc_plot_interval *rows,
                      size_t n, const char *xlabel, unsigned char **out,
                      size_t *len, vc_error *err);
int vc_plot_posterior_as(vc_plot_format fmt, double x0, double width,
                         const double *mass, size_t n, double lo, double hi,
                         double mark, const char *xlabel,
                         unsigned char **out, size_t *len, vc_error *err);
int vc_plot_traces_as(vc_plot_format fmt, const double *y, size_t m,
                      size_t n, const char *ylabel, unsigned char **out,
                      size_t *len, vc_error *err);
int vc_plot_threshold_as(vc_plot_format fmt, const double *t,
                         const double *est, const double *lo,
                         const double *hi, size_t n, double chosen,
                         const char *ylabel, unsigned char **out,
                         size_t *len, vc_error *err);

#endif /* VC_REPORT_H */
