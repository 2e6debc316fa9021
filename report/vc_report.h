/*
 * vc_report.h: numbers and sentences for people: thousands separators, the
 * rounded "about" range, and the one-line headline of an estimate.  Writes
 * into caller buffers; never prints.
 */
#ifndef VC_REPORT_H
#define VC_REPORT_H

#include <stddef.h>

#include "estimators/vc_estimators.h"

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

#endif /* VC_REPORT_H */
