/*
 * popcount.c: |a & b| over 64-bit words, the inner loop of the linker.
 *
 * Two kernels with the same results (integer counts): a portable one
 * (__builtin_popcountll per word, which the compiler turns into the
 * popcnt instruction where it may, or a bit-twiddling routine), and an
 * AVX2 one for CPUs that have it, chosen at run time.  The AVX2 kernel
 * counts the bits of each byte by looking up its two nibbles in a
 * 16-entry table with vpshufb and sums the bytes with vpsadbw (the method
 * of Mula, Kurz & Lemire 2018, "Faster population counts using AVX2
 * instructions", Computer Journal 61:111).
 */
#include "link/impl.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VC_HAVE_X86 1
#endif

int vci_link_have_avx2(void)
{
#ifdef VC_HAVE_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

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

#ifdef VC_HAVE_X86
__attribute__((target("avx2"))) uint64_t
vci_popcount_and_avx2(const uint64_t *a, const uint64_t *b, size_t words)
{
    const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3,
                                         2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3,
                                         1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256i acc = _mm256_setzero_si256();
    size_t i = 0;
    /* at most 8 vectors of byte counts (8 x 8 = 64 < 256) before the
     * bytes are summed into 64-bit lanes */
    while (i + 4 <= words) {
        __m256i bytes = _mm256_setzero_si256();
        for (int v = 0; v < 8 && i + 4 <= words; v++, i += 4) {
            __m256i x = _mm256_and_si256(
                _mm256_loadu_si256((const __m256i *)(a + i)),
                _mm256_loadu_si256((const __m256i *)(b + i)));
            __m256i lo = _mm256_and_si256(x, low);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);
            bytes = _mm256_add_epi8(bytes,
                                    _mm256_add_epi8(
                                        _mm256_shuffle_epi8(lut, lo),
                                        _mm256_shuffle_epi8(lut, hi)));
        }
        acc = _mm256_add_epi64(acc,
                               _mm256_sad_epu8(bytes, _mm256_setzero_si256()));
    }
    uint64_t c = (uint64_t)_mm256_extract_epi64(acc, 0)
                 + (uint64_t)_mm256_extract_epi64(acc, 1)
                 + (uint64_t)_mm256_extract_epi64(acc, 2)
                 + (uint64_t)_mm256_extract_epi64(acc, 3);
    for (; i < words; i++) {
        c += (uint64_t)__builtin_popcountll(a[i] & b[i]);
    }
    return c;
}
#else
uint64_t vci_popcount_and_avx2(const uint64_t *a, const uint64_t *b,
                               size_t words)
{
    return vci_popcount_and(a, b, words);
}
#endif
