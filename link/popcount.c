/*
 * popcount.c: the linker's inner loop: one encoding a against a run of
 * encodings B, keeping those whose Dice coefficient reaches t.
 *
 * Kernels with the same results (integer bit counts, then one formula
 * for the Dice coefficient): a portable one (__builtin_popcountll, which
 * without a target is a bit-twiddling routine), a POPCNT one, and an
 * AVX2 one for CPUs that have them, chosen at run time with
 * __builtin_cpu_supports.  The AVX2 kernel counts the bits of each byte
 * by looking up its two nibbles in a 16-entry table with vpshufb and
 * sums the bytes with vpsadbw (Mula, Kurz & Lemire 2018, "Faster
 * population counts using AVX2 instructions", Computer Journal 61:111);
 * four encodings of B are counted at once so that the horizontal sums
 * are shared.  Where the CPU has AVX-512 VPOPCNTDQ, the counts come from
 * vpopcntq itself.  1024-bit encodings (16 words) get unrolled code.
 */
#include "link/link_impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VC_HAVE_X86 1
#endif

uint64_t vci_popcount(const uint64_t *a, size_t words)
{
    uint64_t c = 0;
    for (size_t i = 0; i < words; i++) {
        c += (uint64_t)__builtin_popcountll(a[i]);
    }
    return c;
}

uint64_t vci_popcount_and(const uint64_t *a, const uint64_t *b, size_t words)
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

#define SCAN_LOOP(WORDS, POP)                                                  \
    for (size_t j = 0; j < nb; j++) {                                          \
        const uint64_t *b = B + j * (WORDS);                                   \
        uint64_t c = 0;                                                        \
        for (size_t w = 0; w < (WORDS); w++) {                                 \
            c += (uint64_t)POP(a[w] & b[w]);                                   \
        }                                                                      \
        uint32_t den = pa + pb[j];                                             \
        double d;                                                              \
        if (KEEP(c, den, t, d)) {                                              \
            hit[nh] = (uint32_t)j;                                             \
            score[nh] = d;                                                     \
            nh++;                                                              \
        }                                                                      \
    }

size_t vci_scan_portable(const uint64_t *a, uint32_t pa, const uint64_t *B,
                         const uint32_t *pb, size_t nb, size_t words, double t,
                         uint32_t *hit, double *score)
{
    size_t nh = 0;
    if (words == 16) {
        SCAN_LOOP(16, __builtin_popcountll)
    } else {
        SCAN_LOOP(words, __builtin_popcountll)
    }
    return nh;
}

#ifdef VC_HAVE_X86
/* vci_scan_portable's body again, alike on purpose: under
 * target("popcnt") the same __builtin_popcountll compiles to one POPCNT
 * instruction, and GCC does not inline a function built for another
 * target, so calling the portable kernel from here would lose exactly
 * that.  The loop itself is shared (SCAN_LOOP); only the unrolled
 * 16-word case and the general one are spelled in each. */
__attribute__((target("popcnt"))) static size_t
scan_popcnt(const uint64_t *a, uint32_t pa, const uint64_t *B,
            const uint32_t *pb, size_t nb, size_t words, double t,
            uint32_t *hit, double *score)
{
    size_t nh = 0;
    if (words == 16) {
        SCAN_LOOP(16, __builtin_popcountll)
    } else {
        SCAN_LOOP(words, __builtin_popcountll)
    }
    return nh;
}

/* Byte counts of a & b over one 256-bit lane. */
__attribute__((target("avx2"))) static inline __m256i
bytes_and(__m256i x, const uint64_t *b, __m256i lut, __m256i low)
{
    __m256i y = _mm256_and_si256(x, _mm256_loadu_si256((const __m256i *)b));
    __m256i lo = _mm256_and_si256(y, low);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(y, 4), low);
    return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo),
                           _mm256_shuffle_epi8(lut, hi));
}

__attribute__((target("avx2,popcnt"))) static size_t
scan_avx2_1024(const uint64_t *a, uint32_t pa, const uint64_t *B,
               const uint32_t *pb, size_t nb, double t, uint32_t *hit,
               double *score)
{
    const __m256i lut =
        _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1,
                         1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i a0 = _mm256_loadu_si256((const __m256i *)a);
    const __m256i a1 = _mm256_loadu_si256((const __m256i *)(a + 4));
    const __m256i a2 = _mm256_loadu_si256((const __m256i *)(a + 8));
    const __m256i a3 = _mm256_loadu_si256((const __m256i *)(a + 12));
    size_t nh = 0;
    size_t j = 0;
    for (; j + 4 <= nb; j += 4) {
        __m256i s[4];
        for (int q = 0; q < 4; q++) {
            const uint64_t *b = B + (j + (size_t)q) * 16;
            /* at most 4 x 8 = 32 per byte: no overflow */
            __m256i bytes = _mm256_add_epi8(
                _mm256_add_epi8(bytes_and(a0, b, lut, low),
                                bytes_and(a1, b + 4, lut, low)),
                _mm256_add_epi8(bytes_and(a2, b + 8, lut, low),
                                bytes_and(a3, b + 12, lut, low)));
            s[q] = _mm256_sad_epu8(bytes, zero); /* 4 x 64-bit sums */
        }
        /* the four totals: sum each s[q]'s four lanes */
        __m256i t01 = _mm256_add_epi64(_mm256_unpacklo_epi64(s[0], s[1]),
                                       _mm256_unpackhi_epi64(s[0], s[1]));
        __m256i t23 = _mm256_add_epi64(_mm256_unpacklo_epi64(s[2], s[3]),
                                       _mm256_unpackhi_epi64(s[2], s[3]));
        /* t01 = (s0 lanes 0+1, s1 lanes 0+1, s0 lanes 2+3, s1 lanes 2+3) */
        __m256i u = _mm256_add_epi64(_mm256_permute2x128_si256(t01, t23, 0x20),
                                     _mm256_permute2x128_si256(t01, t23, 0x31));
        uint64_t c[4];
        _mm256_storeu_si256((__m256i *)c, u);
        for (int q = 0; q < 4; q++) {
            uint32_t den = pa + pb[j + (size_t)q];
            double d;
            if (KEEP(c[q], den, t, d)) {
                hit[nh] = (uint32_t)(j + (size_t)q);
                score[nh] = d;
                nh++;
            }
        }
    }
    for (; j < nb; j++) {
        const uint64_t *b = B + j * 16;
        uint64_t c = 0;
        for (size_t w = 0; w < 16; w++) {
            c += (uint64_t)__builtin_popcountll(a[w] & b[w]);
        }
        uint32_t den = pa + pb[j];
        double d;
        if (KEEP(c, den, t, d)) {
            hit[nh] = (uint32_t)j;
            score[nh] = d;
            nh++;
        }
    }
    return nh;
}

/* AVX-512 with VPOPCNTDQ (Ice Lake, Zen 4 and later): a 1024-bit
 * encoding is two registers, counted by vpopcntq directly. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static size_t
scan_avx512_1024(const uint64_t *a, uint32_t pa, const uint64_t *B,
                 const uint32_t *pb, size_t nb, double t, uint32_t *hit,
                 double *score)
{
    const __m512i a0 = _mm512_loadu_si512((const void *)a);
    const __m512i a1 = _mm512_loadu_si512((const void *)(a + 8));
    size_t nh = 0;
    for (size_t j = 0; j < nb; j++) {
        const uint64_t *b = B + j * 16;
        __m512i c0 = _mm512_popcnt_epi64(
            _mm512_and_si512(a0, _mm512_loadu_si512((const void *)b)));
        __m512i c1 = _mm512_popcnt_epi64(
            _mm512_and_si512(a1, _mm512_loadu_si512((const void *)(b + 8))));
        uint64_t c =
            (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(c0, c1));
        uint32_t den = pa + pb[j];
        double d;
        if (KEEP(c, den, t, d)) {
            hit[nh] = (uint32_t)j;
            score[nh] = d;
            nh++;
        }
    }
    return nh;
}
#endif

size_t vci_scan(int kernel, const uint64_t *a, uint32_t pa, const uint64_t *B,
                const uint32_t *pb, size_t nb, size_t words, double t,
                uint32_t *hit, double *score)
{
#ifdef VC_HAVE_X86
    if (kernel == VCI_KERNEL_AVX512 && words == 16) {
        return scan_avx512_1024(a, pa, B, pb, nb, t, hit, score);
    }
    if (kernel >= VCI_KERNEL_AVX2 && words == 16) {
        return scan_avx2_1024(a, pa, B, pb, nb, t, hit, score);
    }
    if (kernel >= VCI_KERNEL_POPCNT) {
        return scan_popcnt(a, pa, B, pb, nb, words, t, hit, score);
    }
#endif
    return vci_scan_portable(a, pa, B, pb, nb, words, t, hit, score);
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
