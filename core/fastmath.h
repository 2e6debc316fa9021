/*
 * fastmath.h: exp and log written so that a compiler can vectorise
 * loops over them (no branches, no errno), for the inner loops that
 * evaluate a posterior on a grid of tens of thousands of points per model.
 * Internal to the library (vci_ names): not installed, and no public
 * vc_*.h header may include it.
 *
 * Accuracy: within a few units in the last place of the C library's
 * results over the ranges documented below (checked in tests/test_core.c);
 * results are identical on every run and thread count, but may differ
 * from libm in the last bits, so they are used only where a last-bit
 * difference cannot show in any reported figure.
 *
 * Method: the classic argument reductions (Cody & Waite 1980, Software
 * Manual for the Elementary Functions, chapters 5 and 6; Muller 2016,
 * Elementary Functions, 3rd ed., section 11.3):
 *   exp(x) = 2^k exp(r),  k = round(x / ln 2),  r = x - k ln 2 (two-part
 *            ln 2), |r| <= ln 2 / 2, exp(r) by its Taylor series to r^13;
 *   log(x) = e ln 2 + log(f),  x = 2^e f, f in [sqrt(1/2), sqrt(2)),
 *            log(f) = 2 atanh(s), s = (f - 1)/(f + 1), |s| <= 0.1716,
 *            by the odd series of atanh to s^21.
 */
#ifndef VCI_FASTMATH_H
#define VCI_FASTMATH_H

#include <stdint.h>
#include <string.h>

#define VCI_LN2_HI 6.93147180369123816490e-01 /* high bits of ln 2 */
#define VCI_LN2_LO 1.90821492927058770002e-10 /* ln 2 - VCI_LN2_HI */
#define VCI_INV_LN2 1.44269504088896338700e+00
/* 1.5 * 2^52: adding it rounds a double of magnitude below 2^51 to an
 * integer held in the low bits of the sum (round to nearest even), with
 * only SSE2 arithmetic, so loops vectorise without SSE4.1's round or
 * AVX-512's integer conversions. */
#define VCI_SHIFTER 6755399441055744.0
#define VCI_SHIFTER_BITS 0x4338000000000000ull

/* exp(x) for finite x in [-708, 709]; the caller keeps x in that range
 * (a clamp here would be a branch that stops vectorisation). */
static inline double vci_exp(double x)
{
    double shifted = x * VCI_INV_LN2 + VCI_SHIFTER;
    double kd = shifted - VCI_SHIFTER;
    double r = (x - kd * VCI_LN2_HI) - kd * VCI_LN2_LO;
    /* Taylor series of exp(r), Horner form, to r^13 / 13! */
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t kbits;
    memcpy(&kbits, &shifted, sizeof kbits);
    /* k = kbits - VCI_SHIFTER_BITS; the scale 2^k has exponent k + 1023 */
    uint64_t bits = (kbits - VCI_SHIFTER_BITS + 1023u) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* log(x) for positive normal x (not 0, subnormal, inf or NaN). */
static inline double vci_log(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    /* shift the mantissa into [sqrt(1/2), sqrt(2)) by biasing the bits by
     * those of sqrt(1/2) before splitting exponent and mantissa */
    uint64_t t = bits - 0x3FE6A09E667F3BCDull;
    int64_t e = (int64_t)t >> 52;
    uint64_t mbits = bits - ((uint64_t)e << 52);
    double f;
    memcpy(&f, &mbits, sizeof f);
    double s = (f - 1.0) / (f + 1.0);
    double s2 = s * s;
    double p = 1.0 / 21.0;
    p = p * s2 + 1.0 / 19.0;
    p = p * s2 + 1.0 / 17.0;
    p = p * s2 + 1.0 / 15.0;
    p = p * s2 + 1.0 / 13.0;
    p = p * s2 + 1.0 / 11.0;
    p = p * s2 + 1.0 / 9.0;
    p = p * s2 + 1.0 / 7.0;
    p = p * s2 + 1.0 / 5.0;
    p = p * s2 + 1.0 / 3.0;
    double logf = 2.0 * s + 2.0 * s * s2 * p;
    /* e as a double through the shifter rather than a conversion */
    uint64_t ebits = (uint64_t)e + VCI_SHIFTER_BITS;
    double ed;
    memcpy(&ed, &ebits, sizeof ed);
    ed -= VCI_SHIFTER;
    return (ed * VCI_LN2_HI + logf) + ed * VCI_LN2_LO;
}

#endif /* VCI_FASTMATH_H */
