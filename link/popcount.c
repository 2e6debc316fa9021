/*
 * popcount.c: the linker's inner loop: up to VCI_PROBES encodings of one
 * list, each against a window of another list's records, keeping the
 * pairs whose Dice coefficient reaches t.
 *
 * The other list is blocked (vci_block): word w of 8 consecutive records
 * side by side, so that one vector load holds it for 8 records and the 8
 * pairs' counts build up lane by lane, with no horizontal sum per pair
 * (the cost that dominated when one pair's 16 words were summed across a
 * register); the probes share each load, which divides the memory
 * traffic by their number.
 *
 * Kernels with the same results (integer bit counts, then one formula
 * for the Dice coefficient): a portable one (__builtin_popcountll, which
 * without a target is a bit-twiddling routine), a POPCNT one, and AVX2
 * and AVX-512 ones for CPUs that have them, chosen at run time with
 * __builtin_cpu_supports.  The AVX2 kernel counts the bits of each byte
 * by looking up its two nibbles in a 16-entry table with vpshufb and
 * sums the bytes with vpsadbw (Mula, Kurz & Lemire 2018, "Faster
 * population counts using AVX2 instructions", Computer Journal 61:111).
 * Where the CPU has AVX-512 VPOPCNTDQ, the counts come from vpopcntq
 * itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link/link_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VC_HAVE_X86 1
#endif

/* The field score counts the bits of each segment of every screened pair
 * with these two: built twice, the second time for POPCNT, and the
 * loader picks the one this CPU runs (GCC's target_clones, an ifunc), so
 * that __builtin_popcountll is one instruction instead of a call to
 * libgcc's bit-twiddling routine.  The counts are the same either way. */
#if defined(VC_HAVE_X86) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define VC_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef VC_POPCNT_CLONES
#define VC_POPCNT_CLONES
#endif

VC_POPCNT_CLONES uint64_t vci_popcount(const uint64_t *a, size_t words)
{
    uint64_t c = 0;
    for (size_t i = 0; i < words; i++) {
        c += (uint64_t)__builtin_popcountll(a[i]);
    }
    return c;
}

VC_POPCNT_CLONES uint64_t vci_popcount_and(const uint64_t *a, const uint64_t *b,
                                           size_t words)
{
    uint64_t c = 0;
    for (size_t i = 0; i < words; i++) {
        c += (uint64_t)__builtin_popcountll(a[i] & b[i]);
    }
    return c;
}

/* The test every kernel applies to a count c: Dice >= t, written so that
 * the division is done only near the threshold and always the same way. */
#define KEEP(c, den, t, d)                                                     \
    ((den) != 0 && 2.0 * (double)(c) >= (t) * (double)(den) * (1.0 - 1e-12)    \
     && ((d) = 2.0 * (double)(c) / (double)(den)) >= (t))

size_t vci_block_words(size_t n, size_t words)
{
    return (n + VCI_LANES - 1) / VCI_LANES * VCI_LANES * words;
}

void vci_block(const uint64_t *rows, size_t n, size_t words, uint64_t *Bt)
{
    memset(Bt, 0, vci_block_words(n, words) * sizeof *Bt);
    for (size_t j = 0; j < n; j++) {
        uint64_t *blk = Bt + j / VCI_LANES * VCI_LANES * words + j % VCI_LANES;
        for (size_t w = 0; w < words; w++) {
            blk[w * VCI_LANES] = rows[j * words + w];
        }
    }
}

/* The lanes of block k (records k * VCI_LANES ...) inside [x, y), as bits. */
static unsigned lanes_in(size_t k, size_t x, size_t y)
{
    size_t j0 = k * VCI_LANES;
    size_t lo = x > j0 ? x - j0 : 0;
    size_t hi = y > j0 ? y - j0 : 0;
    lo = lo > VCI_LANES ? VCI_LANES : lo;
    hi = hi > VCI_LANES ? VCI_LANES : hi;
    return hi > lo ? ((1u << hi) - 1u) & ~((1u << lo) - 1u) : 0u;
}

/* The blocks that hold the probes' windows: [*k0, *k1). */
static void block_span(const vci_probe *p, size_t np, size_t *k0, size_t *k1)
{
    size_t x = SIZE_MAX;
    size_t y = 0;
    for (size_t q = 0; q < np; q++) {
        if (p[q].y > p[q].x) {
            x = p[q].x < x ? p[q].x : x;
            y = p[q].y > y ? p[q].y : y;
        }
    }
    *k0 = y > 0 ? x / VCI_LANES : 0;
    *k1 = y > 0 ? (y + VCI_LANES - 1) / VCI_LANES : 0;
}

/* Keep the lanes `keep` of block k for probe q, whose counts are c[]:
 * the exact test, appended to out; returns the new number of hits. */
static size_t keep_lanes(const vci_probe *p, size_t q, size_t k, unsigned keep,
                         const uint64_t *c, const uint32_t *pb, double t,
                         vci_hit *out, size_t nh)
{
    while (keep != 0) {
        unsigned lane = (unsigned)__builtin_ctz(keep);
        keep &= keep - 1u;
        size_t j = k * VCI_LANES + lane;
        uint32_t den = p[q].pa + pb[j];
        double d;
        if (KEEP(c[lane], den, t, d)) {
            out[nh].probe = (uint32_t)q;
            out[nh].j = (uint32_t)j;
            out[nh].score = d;
            nh++;
        }
    }
    return nh;
}

/* The scalar kernels: word by word, the 8 lanes' counts in 8 registers
 * (independent chains), then the exact test on each lane of the probe's
 * window.  POP is the bit count of one word; WORDS the number of words
 * (a constant where it can be). */
#define SCAN_LANES(POP, WORDS)                                                 \
    for (size_t k = k0; k < k1; k++) {                                         \
        const uint64_t *bt = Bt + k * VCI_LANES * (WORDS);                     \
        for (size_t q = 0; q < np; q++) {                                      \
            unsigned in = lanes_in(k, p[q].x, p[q].y);                         \
            if (in == 0) {                                                     \
                continue;                                                      \
            }                                                                  \
            const uint64_t *a = p[q].a;                                        \
            uint64_t c[VCI_LANES] = {0};                                       \
            for (size_t w = 0; w < (WORDS); w++) {                             \
                uint64_t aw = a[w];                                            \
                const uint64_t *row = bt + w * VCI_LANES;                      \
                _Pragma("GCC unroll 8") for (size_t l = 0; l < VCI_LANES; l++) \
                {                                                              \
                    c[l] += (uint64_t)POP(aw & row[l]);                        \
                }                                                              \
            }                                                                  \
            nh = keep_lanes(p, q, k, in, c, pb, t, out, nh);                   \
        }                                                                      \
    }

#define SCAN_BLOCKS(POP)                                                       \
    size_t k0, k1, nh = 0;                                                     \
    block_span(p, np, &k0, &k1);                                               \
    if (words == 16) {                                                         \
        SCAN_LANES(POP, 16)                                                    \
    } else {                                                                   \
        SCAN_LANES(POP, words)                                                 \
    }                                                                          \
    return nh;

size_t vci_scan_portable(const vci_probe *p, size_t np, const uint64_t *Bt,
                         const uint32_t *pb, size_t words, double t,
                         vci_hit *out)
{
    SCAN_BLOCKS(__builtin_popcountll)
}

#ifdef VC_HAVE_X86
/* vci_scan_portable's body again, alike on purpose: under
 * target("popcnt") the same __builtin_popcountll compiles to one POPCNT
 * instruction, and GCC does not inline a function built for another
 * target, so calling the portable kernel from here would lose exactly
 * that.  The loop itself is shared (SCAN_BLOCKS). */
__attribute__((target("popcnt"))) static size_t
scan_popcnt(const vci_probe *p, size_t np, const uint64_t *Bt,
            const uint32_t *pb, size_t words, double t, vci_hit *out)
{
    SCAN_BLOCKS(__builtin_popcountll)
}

/* The vector kernels count a block for several probes at once and test
 * the counts with one comparison of doubles per probe,
 * 2c >= t (1 - 1e-9) (pa + pb): a looser test than KEEP's first one
 * (whose margin is 1e-12, and both are exact to about 1e-16), so every
 * lane KEEP would keep passes it; the few that do are then put to KEEP
 * itself.  The hits are therefore those of the portable kernel. */
#define LOOSE(t) ((t) * (1.0 - 1e-9))

/* AVX2: a block is two 256-bit halves of 4 records.  Each half's bits are
 * counted by looking up the two nibbles of every byte in a 16-entry table
 * with vpshufb, the bytes summed over up to 31 words (at most 8 each)
 * and then by vpsadbw into the 4 records' counts (Mula, Kurz & Lemire
 * 2018, "Faster population counts using AVX2 instructions", Computer
 * Journal 61:111); the layout puts word w of the 4 records side by side,
 * so no horizontal sum is needed.  The nibbles of a & b are those of a
 * and of b ANDed, so b's are split once per load and each probe's once
 * per call, and 4 probes share each load. */
__attribute__((target("avx2,popcnt"), always_inline)) static inline void
avx2_half(const uint64_t *const *alo, const uint64_t *const *ahi,
          const uint64_t *bt, size_t words, __m256i *sum, const size_t NQ)
{
    const __m256i lut =
        _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
                         1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    __m256i acc[4];
#pragma GCC unroll 4
    for (size_t q = 0; q < NQ; q++) {
        sum[q] = zero;
        acc[q] = zero;
    }
    for (size_t w = 0; w < words; w++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(bt + w * VCI_LANES));
        __m256i blo = _mm256_and_si256(v, low);
        __m256i bhi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
#pragma GCC unroll 4
        for (size_t q = 0; q < NQ; q++) {
            __m256i lo =
                _mm256_and_si256(blo, _mm256_set1_epi64x((long long)alo[q][w]));
            __m256i hi =
                _mm256_and_si256(bhi, _mm256_set1_epi64x((long long)ahi[q][w]));
            acc[q] = _mm256_add_epi8(
                acc[q], _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo),
                                        _mm256_shuffle_epi8(lut, hi)));
        }
        if (w % 31 == 30 || w + 1 == words) {
#pragma GCC unroll 4
            for (size_t q = 0; q < NQ; q++) {
                sum[q] =
                    _mm256_add_epi64(sum[q], _mm256_sad_epu8(acc[q], zero));
                acc[q] = zero;
            }
        }
    }
}

__attribute__((target("avx2,popcnt"))) static size_t
scan_avx2(const vci_probe *p, size_t np, const uint64_t *Bt, const uint32_t *pb,
          size_t words, double t, vci_hit *out)
{
    const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m256d loose = _mm256_set1_pd(LOOSE(t));
    /* each probe's low and high nibbles, word by word */
    uint64_t *nib = malloc(2 * VCI_PROBES * words * sizeof *nib + 1);
    if (nib == NULL) {
        return scan_popcnt(p, np, Bt, pb, words, t, out);
    }
    const uint64_t *alo[VCI_PROBES];
    const uint64_t *ahi[VCI_PROBES];
    for (size_t q = 0; q < VCI_PROBES; q++) {
        /* missing probes count with probe 0's words, and are not kept */
        const uint64_t *a = p[q < np ? q : 0].a;
        uint64_t *lo = nib + 2 * q * words;
        uint64_t *hi = lo + words;
        for (size_t w = 0; w < words; w++) {
            lo[w] = a[w] & 0x0f0f0f0f0f0f0f0full;
            hi[w] = a[w] >> 4 & 0x0f0f0f0f0f0f0f0full;
        }
        alo[q] = lo;
        ahi[q] = hi;
    }
    size_t k0, k1, nh = 0;
    block_span(p, np, &k0, &k1);
    for (size_t k = k0; k < k1; k++) {
        const uint64_t *bt = Bt + k * VCI_LANES * words;
        unsigned in[VCI_PROBES];
        for (size_t q = 0; q < VCI_PROBES; q++) {
            in[q] = q < np ? lanes_in(k, p[q].x, p[q].y) : 0u;
        }
        for (size_t q0 = 0; q0 < np; q0 += 4) {
            if ((in[q0] | in[q0 + 1] | in[q0 + 2] | in[q0 + 3]) == 0) {
                continue;
            }
            for (size_t h = 0; h < 2; h++) {
                unsigned any = 0;
                for (size_t q = q0; q < q0 + 4; q++) {
                    any |= in[q] >> (4 * h) & 0xfu;
                }
                if (any == 0) {
                    continue;
                }
                __m256i sum[4];
                avx2_half(alo + q0, ahi + q0, bt + 4 * h, words, sum, 4);
                __m256d den = _mm256_cvtepi32_pd(_mm_loadu_si128(
                    (const __m128i *)(pb + k * VCI_LANES + 4 * h)));
                for (size_t q = 0; q < 4; q++) {
                    unsigned lanes = in[q0 + q] >> (4 * h) & 0xfu;
                    if (lanes == 0) {
                        continue;
                    }
                    /* the low halves of the 4 counts (<= VC_LINK_MAX_BITS), as
                     * doubles */
                    __m256d cd = _mm256_cvtepi32_pd(_mm256_castsi256_si128(
                        _mm256_permutevar8x32_epi32(sum[q], even)));
                    __m256d dd = _mm256_add_pd(
                        den, _mm256_set1_pd((double)p[q0 + q].pa));
                    unsigned pass = (unsigned)_mm256_movemask_pd(
                        _mm256_cmp_pd(_mm256_add_pd(cd, cd),
                                      _mm256_mul_pd(loose, dd), _CMP_GE_OQ));
                    pass &= lanes;
                    if (pass != 0) {
                        uint64_t c[VCI_LANES];
                        _mm256_storeu_si256((__m256i *)(c + 4 * h), sum[q]);
                        nh = keep_lanes(p, q0 + q, k, pass << (4 * h), c, pb, t,
                                        out, nh);
                    }
                }
            }
        }
    }
    free(nib);
    return nh;
}

/* AVX-512 with VPOPCNTDQ (Ice Lake, Zen 4 and later): a block is one
 * register of 8 records' word w, counted by vpopcntq and summed lane by
 * lane, so the 8 counts come out without a horizontal sum; np probes
 * share each load (NP a constant, so the accumulators stay in
 * registers). */
__attribute__((target("avx512f,avx512vpopcntdq"),
               always_inline)) static inline size_t
scan_avx512_np(const vci_probe *p, const uint64_t *Bt, const uint32_t *pb,
               size_t words, double t, vci_hit *out, const size_t NP)
{
    const __m512d loose = _mm512_set1_pd(LOOSE(t));
    size_t k0, k1, nh = 0;
    block_span(p, NP, &k0, &k1);
    for (size_t k = k0; k < k1; k++) {
        const uint64_t *bt = Bt + k * VCI_LANES * words;
        unsigned in[VCI_PROBES];
        unsigned any = 0;
        for (size_t q = 0; q < NP; q++) {
            in[q] = lanes_in(k, p[q].x, p[q].y);
            any |= in[q];
        }
        if (any == 0) {
            continue;
        }
        __m512i acc[VCI_PROBES];
#pragma GCC unroll 8
        for (size_t q = 0; q < NP; q++) {
            acc[q] = _mm512_setzero_si512();
        }
        for (size_t w = 0; w < words; w++) {
            __m512i v = _mm512_loadu_si512((const void *)(bt + w * VCI_LANES));
#pragma GCC unroll 8
            for (size_t q = 0; q < NP; q++) {
                __m512i y = _mm512_and_si512(
                    v, _mm512_set1_epi64((long long)p[q].a[w]));
                acc[q] = _mm512_add_epi64(acc[q], _mm512_popcnt_epi64(y));
            }
        }
        __m512d den = _mm512_cvtepu32_pd(
            _mm256_loadu_si256((const __m256i *)(pb + k * VCI_LANES)));
#pragma GCC unroll 8
        for (size_t q = 0; q < NP; q++) {
            if (in[q] == 0) {
                continue;
            }
            /* counts <= VC_LINK_MAX_BITS: narrowed to 32 bits, then doubles */
            __m512d cd = _mm512_cvtepi32_pd(_mm512_cvtepi64_epi32(acc[q]));
            __m512d dd = _mm512_add_pd(den, _mm512_set1_pd((double)p[q].pa));
            unsigned pass = (unsigned)_mm512_cmp_pd_mask(
                _mm512_add_pd(cd, cd), _mm512_mul_pd(loose, dd), _CMP_GE_OQ);
            pass &= in[q];
            if (pass != 0) {
                uint64_t c[VCI_LANES];
                _mm512_storeu_si512((void *)c, acc[q]);
                nh = keep_lanes(p, q, k, pass, c, pb, t, out, nh);
            }
        }
    }
    return nh;
}

__attribute__((target("avx512f,avx512vpopcntdq"))) static size_t
scan_avx512(const vci_probe *p, size_t np, const uint64_t *Bt,
            const uint32_t *pb, size_t words, double t, vci_hit *out)
{
    switch (np) {
    case 8:
        return scan_avx512_np(p, Bt, pb, words, t, out, 8);
    case 4:
        return scan_avx512_np(p, Bt, pb, words, t, out, 4);
    default:
        break;
    }
    /* other numbers of probes (a list's last tile): one at a time */
    size_t nh = 0;
    for (size_t q = 0; q < np; q++) {
        size_t n1 = scan_avx512_np(p + q, Bt, pb, words, t, out + nh, 1);
        for (size_t h = 0; h < n1; h++) {
            out[nh + h].probe = (uint32_t)q;
        }
        nh += n1;
    }
    return nh;
}
#endif

size_t vci_scan(int kernel, const vci_probe *p, size_t np, const uint64_t *Bt,
                const uint32_t *pb, size_t words, double t, vci_hit *out)
{
#ifdef VC_HAVE_X86
    if (kernel == VCI_KERNEL_AVX512) {
        return scan_avx512(p, np, Bt, pb, words, t, out);
    }
    if (kernel >= VCI_KERNEL_AVX2) {
        return scan_avx2(p, np, Bt, pb, words, t, out);
    }
    if (kernel >= VCI_KERNEL_POPCNT) {
        return scan_popcnt(p, np, Bt, pb, words, t, out);
    }
#endif
    return vci_scan_portable(p, np, Bt, pb, words, t, out);
}

int vci_scan_best(void)
{
#ifdef VC_HAVE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")
        && __builtin_cpu_supports("avx512vpopcntdq")) {
        return VCI_KERNEL_AVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) {
        return VCI_KERNEL_AVX2;
    }
    if (__builtin_cpu_supports("popcnt")) {
        return VCI_KERNEL_POPCNT;
    }
#endif
    return VCI_KERNEL_PORTABLE;
}

const char *vci_scan_name(int kernel)
{
    return kernel == VCI_KERNEL_AVX512   ? "avx512"
           : kernel == VCI_KERNEL_AVX2   ? "avx2"
           : kernel == VCI_KERNEL_POPCNT ? "popcnt"
                                         : "portable";
}
