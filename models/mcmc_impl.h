/*
 * mcmc_impl.h: the pieces every sampler of models/ shares, whatever its
 * model: random variates beyond GSL's (random.c), the summary of several
 * chains' draws with threaded FFTs (diag.c; the diagnostics themselves are
 * public, vc_diag_* in vc_models.h), memory aligned to cache lines for
 * what each chain's thread writes, and a log-gamma that writes no global.
 * Included by the latent-class files (lcm.c, chains.c, ...; their own
 * insides are in lcm_impl.h), by the graph-averaging files (dga.c) and by
 * their white-box tests.  Not part of the public API.
 *
 * The vectorisable exp and log (core/fastmath.h) stay in core: they are a
 * header of their own, used beyond the samplers.
 */
#ifndef VC_MCMC_IMPL_H
#define VC_MCMC_IMPL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "core/philox_impl.h"
#include "models/vc_models.h"

/*
 * Random variates (random.c).
 */

/* Below this mean gsl_ran_poisson is used; at and above it, PTRS
 * (Hormann 1993), whose validity starts at mean 10. */
#define VCI_POISSON_PTRS_MIN 10.0
/* Above this mean (2^62) a Poisson draw could overflow uint64_t. */
#define VCI_POISSON_MAX 4.611686018427387904e18

/*
 * A uniform in (0, 1) from one 32-bit output, (x + 1/2) 2^-32, for
 * generators whose outputs span [0, 2^32 - 1] (Philox, mt19937); any
 * other generator falls back to gsl_rng_uniform_pos.  Philox's word is
 * taken inline (core/philox_impl.h), any other through the type's
 * function pointer: no call into libgsl either way, the same words.
 */
static inline double vci_ran_uniform(const gsl_rng *r)
{
    if (r->type == &vci_philox_type) {
        return ((double)vci_philox_next(r->state) + 0.5) * 0x1p-32;
    }
    if (r->type->min == 0 && r->type->max == 0xffffffffUL) {
        return ((double)r->type->get(r->state) + 0.5) * 0x1p-32;
    }
    return gsl_rng_uniform_pos(r);
}

/*
 * Standard normal draws by the ziggurat method (Marsaglia & Tsang 2000,
 * "The ziggurat method for generating random variables", Journal of
 * Statistical Software 5(8); random.c holds the tables and the rare
 * steps).  128 layers of equal area; one 32-bit word a try: bits 0-6 the
 * layer i, bit 7 the sign, bits 8-31 j, the position x = j w_i across the
 * layer, on bits of their own (Doornik 2005, "An improved ziggurat method
 * to generate normal random samples": MT's rnor took the layer from bits
 * that also made x).  When j < k_i the point lies under the curve and is
 * returned at once (97.2% of tries); otherwise vci_ran_normal_rest
 * decides with the wedge or the tail.  Inline on Philox's words: GSL's
 * gsl_ran_gaussian_ziggurat cost a call into the library and one through
 * the generator's function pointer a normal (2.5-4% of a Kosovo run;
 * bench/HISTORY.md, "Issue 20: the latent-class core faster, new draws").
 */
#define VCI_ZIG_LAYERS 128
extern const uint32_t vci_zig_k[VCI_ZIG_LAYERS];
extern const double vci_zig_w[VCI_ZIG_LAYERS];
/* exp(-x_i^2 / 2) at the layers' edges, 0..VCI_ZIG_LAYERS (random.c) */
extern const double vci_zig_f[VCI_ZIG_LAYERS + 1];

/* The try that vci_ran_normal could not accept at once, from its word
 * (random.c). */
double vci_ran_normal_rest(const gsl_rng *r, uint32_t word);

/* A 32-bit word uniform on [0, 2^32 - 1] from a generator of that range
 * (Philox inline; mt19937 and others through the type's pointer). */
static inline uint32_t vci_ran_word32(const gsl_rng *r)
{
    if (r->type == &vci_philox_type) {
        return vci_philox_next(r->state);
    }
    return (uint32_t)r->type->get(r->state);
}

/* N(0, 1) draw.  Generators whose outputs do not span 32 bits take GSL's
 * ziggurat (its own bit handling for narrower ranges). */
static inline double vci_ran_normal(const gsl_rng *r)
{
    if (r->type != &vci_philox_type
        && !(r->type->min == 0 && r->type->max == 0xffffffffUL)) {
        return gsl_ran_gaussian_ziggurat(r, 1.0);
    }
    uint32_t word = vci_ran_word32(r);
    uint32_t i = word & (VCI_ZIG_LAYERS - 1), j = word >> 8;
    if (__builtin_expect(j < vci_zig_k[i], 1)) {
        double x = (double)j * vci_zig_w[i];
        return word & 0x80u ? x : -x;
    }
    return vci_ran_normal_rest(r, word);
}

/* Gamma(a, 1) draw, a > 0 (random.c: Marsaglia & Tsang 2000). */
double vci_ran_gamma(const gsl_rng *r, double a);

/* log V and log(1 - V) of a Beta(1, b) draw, b > 0, into *log_v and
 * *log_1m_v (filled), by inversion: one uniform, never -Inf (random.c).
 * Swap the outputs for a Beta(b, 1) draw. */
void vci_ran_log_beta1(const gsl_rng *r, double b, double *log_v,
                       double *log_1m_v);

/* Binomial(n, p) draw, exact, for 0 <= p <= 1 and n < 2^53 (random.c:
 * inversion or BTRD, Hormann 1993). */
uint64_t vci_ran_binomial(const gsl_rng *r, double p, uint64_t n);

/* log of a Gamma(a, 1) draw, any a > 0, without underflow (random.c). */
double vci_ran_log_gamma(const gsl_rng *r, double a);

/* Poisson(mu) draw into *k for 0 <= mu <= VCI_POISSON_MAX; VC_ENUMERIC
 * otherwise (random.c). */
int vci_ran_poisson64(const gsl_rng *r, double mu, uint64_t *k);

/*
 * Summaries of several chains (diag.c).
 */

/* vc_diag_summarise with the chains' FFTs on `threads` threads (0:
 * OpenMP's default); the result does not depend on it (models/diag.c). */
int vci_diag_summarise(const double *x, size_t m, size_t n, double level,
                       int threads, vc_diag_summary *out, vc_error *err);

/*
 * Memory that one chain's thread writes (chains.c, lcm.c, splitmerge.c,
 * tempering.c).
 */

/*
 * Memory of one chain (or one block of patterns) that its thread writes
 * in every sweep: VCI_LINE-aligned and padded to whole lines, so that no
 * two chains run by different threads share a cache line (false sharing:
 * each write would take the line from the other core; on a 16-core
 * machine that more than doubled the time of 16 chains).  128 bytes: a
 * line and the neighbour that Intel's adjacent-line prefetcher pairs it
 * with.  vci_lines(n) rounds a count of 8-byte elements up to whole
 * lines, the stride between the blocks' or chains' parts of one array.
 * Zeroed, freed with free(); NULL when out of memory or n * size
 * overflows.
 */
#define VCI_LINE 128

static inline size_t vci_lines(size_t n)
{
    const size_t per = VCI_LINE / 8;
    return (n + per - 1) / per * per;
}

static inline void *vci_calloc_lines(size_t n, size_t size)
{
    if (size != 0 && n > (SIZE_MAX - VCI_LINE) / size) {
        return NULL;
    }
    size_t bytes = (n * size + VCI_LINE - 1) / VCI_LINE * VCI_LINE;
    if (bytes == 0) {
        bytes = VCI_LINE; /* never a zero-size allocation */
    }
    void *p = aligned_alloc(VCI_LINE, bytes);
    if (p != NULL) {
        memset(p, 0, bytes);
    }
    return p;
}

/*
 * log Gamma(x), x > 0: Stirling's series to x^-7 for x >= 16 (absolute
 * error below 1e-13; Abramowitz & Stegun 6.1.40), GSL below.  For the
 * bounds of dga.c's posterior pass and the acceptance ratios of (a'),
 * never for a reported value; unlike lgamma(3) it writes no global
 * (signgam), so chains may call it in parallel.
 */
static inline double vci_lgamma(double x)
{
    if (x < 16.0) {
        return gsl_sf_lngamma(x);
    }
    double r = 1.0 / x, r2 = r * r;
    double ser = r * (1.0 / 12.0
                      - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0
                                                  - r2 / 1680.0)));
    return (x - 0.5) * log(x) - x + 0.91893853320467274178 + ser;
}

#endif /* VC_MCMC_IMPL_H */
