/*
 * format.c: how estimates are written for people.
 *
 * A ministry quotes a rounded range ("about 3,000-4,000 victims"), so the
 * headline carries one next to the exact interval.  The rounding goes
 * outwards (lower end down, upper end up) so the quoted range can never
 * claim more precision than the interval has; one significant figure is
 * used when that widens the interval by at most half its width, otherwise
 * two.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/vc_report.h"

/* Rounding one figure may widen the interval by at most this fraction of
 * its width before two figures are used instead. */
#define ABOUT_MAX_WIDENING 0.5

size_t vc_format_count(double x, char *buf, size_t size)
{
    char digits[64];
    double r = floor(fabs(x) + 0.5);
    int len = snprintf(digits, sizeof digits, "%.0f", r);
    char out[96];
    size_t k = 0;
    if (x < 0.0 && r > 0.0) {
        out[k++] = '-';
    }
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            out[k++] = ',';
        }
        out[k++] = digits[i];
    }
    out[k] = '\0';
    if (size > 0) {
        snprintf(buf, size, "%s", out);
    }
    return k;
}

/* Round x to `figures` significant figures, downwards or upwards. */
static double round_sig(double x, int figures, int up)
{
    if (!(x > 0.0)) {
        return 0.0;
    }
    double mag = floor(log10(x));
    double unit = pow(10.0, mag - figures + 1);
    if (unit < 1.0) {
        unit = 1.0; /* people come whole */
    }
    double q = x / unit;
    /* Guard against x / unit landing a hair off an integer. */
    double rq = nearbyint(q);
    if (fabs(q - rq) < 1e-9 * fmax(1.0, q)) {
        q = rq;
    }
    return (up ? ceil(q) : floor(q)) * unit;
}

void vc_about_range(double lower, double upper, int figures, double *lo,
                    double *hi)
{
    if (figures > 0) {
        *lo = round_sig(lower, figures, 0);
        *hi = round_sig(upper, figures, 1);
        return;
    }
    double width = upper - lower;
    double lo1 = round_sig(lower, 1, 0);
    double hi1 = round_sig(upper, 1, 1);
    if ((hi1 - lo1) - width <= ABOUT_MAX_WIDENING * width) {
        *lo = lo1;
        *hi = hi1;
    } else {
        *lo = round_sig(lower, 2, 0);
        *hi = round_sig(upper, 2, 1);
    }
}

size_t vc_headline(const char *label, const vc_estimate *e, int figures,
                   char *buf, size_t size)
{
    char est[48], lower[48], upper[48], alo[48], ahi[48];
    double lo, hi;
    vc_format_count(e->estimate, est, sizeof est);
    vc_format_count(e->lower, lower, sizeof lower);
    vc_format_count(e->upper, upper, sizeof upper);
    vc_about_range(e->lower, e->upper, figures, &lo, &hi);
    vc_format_count(lo, alo, sizeof alo);
    vc_format_count(hi, ahi, sizeof ahi);
    char level[32];
    snprintf(level, sizeof level, "%.10g%%", 100.0 * e->level);
    const char *sep = (label != NULL && *label) ? ": " : "";
    int len = snprintf(buf, size,
                       "%s%s%s (%s CI %s\xE2\x80\x93%s), about "
                       "%s\xE2\x80\x93%s",
                       label ? label : "", sep, est, level, lower, upper, alo,
                       ahi);
    return len < 0 ? 0 : (size_t)len;
}
