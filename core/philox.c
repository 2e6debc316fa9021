/*
 * philox.c: the Philox4x32-10 counter-based generator as a gsl_rng_type.
 *
 * Reference: J. K. Salmon, M. A. Moraes, R. O. Dror and D. E. Shaw (2011),
 * "Parallel random numbers: as easy as 1, 2, 3", Proceedings of SC'11,
 * section 3.3 (the Philox S-box, round function and key schedule) and the
 * known-answer vectors published with Random123 (counter 0, key 0 gives
 * 6627e8d5 e169c58d bc57ac4c 9b00dbd8).
 *
 * One round on counter (c0, c1, c2, c3) with key (k0, k1):
 *   (hi0, lo0) = M0 * c0,  (hi1, lo1) = M1 * c2      (32x32 -> 64 bit)
 *   c' = (hi1 ^ c1 ^ k0,  lo1,  hi0 ^ c3 ^ k1,  lo0)
 * and the key is bumped by the Weyl constants (W0, W1) between rounds.
 *
 * Stream layout (see vc_core.h): key = vc_rng_key(seed, stratum), counter
 * words 2 and 3 hold chain and block, words 0 and 1 the position.  A
 * generator therefore never needs to be cloned or jumped: every (seed,
 * stratum, chain, block) names its own disjoint sequence.
 */
#include <stdlib.h>
#include <string.h>

#include "core/philox_impl.h"
#include "core/vc_core.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
#define PHILOX_ROUNDS 10

/* Blocks encrypted at a time (VCI_PHILOX_BATCH, philox_impl.h): four
 * independent blocks, interleaved round by round, keep the multipliers
 * busy where one block's ten dependent rounds would leave them waiting
 * (one block took ~19 ns inside a latent-class sweep; bench/RESULTS.md).
 * The words come out in the same order as block by block, so the streams
 * do not change. */
#define PHILOX_BATCH VCI_PHILOX_BATCH

typedef vci_philox_state philox_state;

static inline void philox_round(uint32_t c[4], const uint32_t k[2])
{
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32);
    uint32_t lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32);
    uint32_t lo1 = (uint32_t)p1;
    c[0] = hi1 ^ c[1] ^ k[0];
    c[1] = lo1;
    c[2] = hi0 ^ c[3] ^ k[1];
    c[3] = lo0;
}

void vc_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                      uint32_t out[4])
{
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int round = 0; round < PHILOX_ROUNDS; round++) {
        if (round > 0) {
            k[0] += PHILOX_W0;
            k[1] += PHILOX_W1;
        }
        philox_round(c, k);
    }
    memcpy(out, c, sizeof c);
}

/* PHILOX_BATCH consecutive blocks from counter ctr (position in words 0
 * and 1, carried as one 64-bit number): the rounds of vc_philox4x32_10,
 * each applied to all the blocks before the next. */
static void philox_batch(const uint32_t ctr[4], const uint32_t key[2],
                         uint32_t out[4 * PHILOX_BATCH])
{
    uint32_t c0[PHILOX_BATCH], c1[PHILOX_BATCH], c2[PHILOX_BATCH],
        c3[PHILOX_BATCH];
    uint64_t pos = (uint64_t)ctr[0] | (uint64_t)ctr[1] << 32;
    for (int b = 0; b < PHILOX_BATCH; b++) {
        c0[b] = (uint32_t)(pos + (uint64_t)b);
        c1[b] = (uint32_t)((pos + (uint64_t)b) >> 32);
        c2[b] = ctr[2];
        c3[b] = ctr[3];
    }
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < PHILOX_ROUNDS; round++) {
        if (round > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        for (int b = 0; b < PHILOX_BATCH; b++) {
            uint64_t p0 = (uint64_t)PHILOX_M0 * c0[b];
            uint64_t p1 = (uint64_t)PHILOX_M1 * c2[b];
            c0[b] = (uint32_t)(p1 >> 32) ^ c1[b] ^ k0;
            c1[b] = (uint32_t)p1;
            c2[b] = (uint32_t)(p0 >> 32) ^ c3[b] ^ k1;
            c3[b] = (uint32_t)p0;
        }
    }
    for (int b = 0; b < PHILOX_BATCH; b++) {
        out[4 * b] = c0[b];
        out[4 * b + 1] = c1[b];
        out[4 * b + 2] = c2[b];
        out[4 * b + 3] = c3[b];
    }
}

uint64_t vc_mix64(uint64_t x)
{
    /* splitmix64's finaliser: Steele, Lea & Flood (2014), "Fast splittable
     * pseudorandom number generators", OOPSLA. */
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t vc_rng_key(uint64_t seed, uint64_t stratum)
{
    /* Mixing seed and stratum separately before combining keeps seed s,
     * stratum t from colliding with seed t, stratum s. */
    return vc_mix64(vc_mix64(seed) ^ vc_mix64(stratum ^ 0x5851F42D4C957F2Dull));
}

uint64_t vc_hash_string(const char *s)
{
    if (s == NULL) {
        return 0;
    }
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a offset basis */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull; /* FNV prime */
    }
    return vc_mix64(h);
}

static void philox_set_stream(philox_state *st, uint64_t seed,
                              uint64_t stratum, uint32_t chain, uint32_t block)
{
    uint64_t key = vc_rng_key(seed, stratum);
    st->key[0] = (uint32_t)key;
    st->key[1] = (uint32_t)(key >> 32);
    st->ctr[0] = 0;
    st->ctr[1] = 0;
    st->ctr[2] = chain;
    st->ctr[3] = block;
    st->idx = 4 * PHILOX_BATCH;
}

static void philox_set(void *vstate, unsigned long int s)
{
    philox_set_stream(vstate, (uint64_t)s, 0, 0, 0);
}

#if defined(__x86_64__) && defined(__GNUC__) && PHILOX_BATCH == 4
#include <immintrin.h>
#define PHILOX_HAVE_AVX2 1

/* philox_batch with AVX2: the four blocks in the four 64-bit lanes of
 * each counter word (zero-extended 32-bit values), one vpmuludq per
 * multiplier and round where SSE2 needs two and the shuffles between
 * them.  Integer arithmetic: the same words as philox_batch.  The refill
 * was some 7% of a latent-class sweep (bench/RESULTS.md). */
__attribute__((target("avx2"))) static void
philox_batch_avx2(const uint32_t ctr[4], const uint32_t key[2],
                  uint32_t out[4 * PHILOX_BATCH])
{
    uint64_t pos = (uint64_t)ctr[0] | (uint64_t)ctr[1] << 32;
    const __m256i lo32 = _mm256_set1_epi64x(0xffffffffLL);
    const __m256i m0 = _mm256_set1_epi64x(PHILOX_M0);
    const __m256i m1 = _mm256_set1_epi64x(PHILOX_M1);
    __m256i p = _mm256_add_epi64(_mm256_set1_epi64x((long long)pos),
                                 _mm256_set_epi64x(3, 2, 1, 0));
    __m256i c0 = _mm256_and_si256(p, lo32);
    __m256i c1 = _mm256_srli_epi64(p, 32);
    __m256i c2 = _mm256_set1_epi64x(ctr[2]);
    __m256i c3 = _mm256_set1_epi64x(ctr[3]);
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < PHILOX_ROUNDS; round++) {
        if (round > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        __m256i p0 = _mm256_mul_epu32(c0, m0);
        __m256i p1 = _mm256_mul_epu32(c2, m1);
        c0 = _mm256_xor_si256(
            _mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1),
            _mm256_set1_epi64x(k0));
        c1 = _mm256_and_si256(p1, lo32);
        c2 = _mm256_xor_si256(
            _mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3),
            _mm256_set1_epi64x(k1));
        c3 = _mm256_and_si256(p0, lo32);
    }
    uint64_t w[4][PHILOX_BATCH];
    _mm256_storeu_si256((__m256i *)w[0], c0);
    _mm256_storeu_si256((__m256i *)w[1], c1);
    _mm256_storeu_si256((__m256i *)w[2], c2);
    _mm256_storeu_si256((__m256i *)w[3], c3);
    for (int b = 0; b < PHILOX_BATCH; b++) {
        for (int j = 0; j < 4; j++) {
            out[4 * b + j] = (uint32_t)w[j][b];
        }
    }
}
#endif

void vci_philox_refill(vci_philox_state *st)
{
#ifdef PHILOX_HAVE_AVX2
    if (__builtin_cpu_supports("avx2")) {
        philox_batch_avx2(st->ctr, st->key, st->out);
    } else {
        philox_batch(st->ctr, st->key, st->out);
    }
#else
    philox_batch(st->ctr, st->key, st->out);
#endif
    /* advance the 64-bit position held in words 0 and 1 */
    uint64_t pos = (uint64_t)st->ctr[0] | (uint64_t)st->ctr[1] << 32;
    pos += PHILOX_BATCH;
    st->ctr[0] = (uint32_t)pos;
    st->ctr[1] = (uint32_t)(pos >> 32);
    st->idx = 0;
}

static inline uint32_t philox_next(philox_state *st)
{
    return vci_philox_next(st);
}

static unsigned long int philox_get(void *vstate)
{
    return philox_next(vstate);
}

static double philox_get_double(void *vstate)
{
    /* 53 random bits from two outputs, so doubles have full resolution;
     * the result lies in [0, 1). */
    philox_state *st = vstate;
    uint64_t hi = philox_next(st);
    uint64_t lo = philox_next(st);
    uint64_t bits = ((hi << 32) | lo) >> 11;
    return (double)bits * 0x1.0p-53;
}

const gsl_rng_type vci_philox_type = {
    "philox4x32-10",
    0xffffffffUL,
    0,
    sizeof(philox_state),
    &philox_set,
    &philox_get,
    &philox_get_double,
};

const gsl_rng_type *vc_rng_philox4x32 = &vci_philox_type;

int vc_rng_set_stream(gsl_rng *r, uint64_t seed, uint64_t stratum,
                      uint32_t chain, uint32_t block, vc_error *err)
{
    if (r == NULL || r->type != vc_rng_philox4x32) {
        return vc_error_set(err, VC_EINVAL,
                            "vc_rng_set_stream needs a philox4x32-10 "
                            "generator");
    }
    philox_set_stream(r->state, seed, stratum, chain, block);
    return VC_OK;
}

gsl_rng *vc_rng_stream_alloc(uint64_t seed, uint64_t stratum, uint32_t chain,
                             uint32_t block, vc_error *err)
{
    /* As gsl_rng_alloc, but the generator and its state each on cache
     * lines of their own (RNG_LINE-aligned, padded): the state is written
     * at every draw, and the streams of chains that different threads run
     * must not share a line (false sharing).  gsl_rng_free frees both. */
    enum { RNG_LINE = 128 };
    size_t bytes = (sizeof(philox_state) + RNG_LINE - 1) / RNG_LINE * RNG_LINE;
    gsl_rng *r = aligned_alloc(RNG_LINE, RNG_LINE);
    void *state = aligned_alloc(RNG_LINE, bytes);
    if (r == NULL || state == NULL) {
        free(r);
        free(state);
        vc_error_set(err, VC_ENOMEM, "cannot allocate a random generator");
        return NULL;
    }
    memset(state, 0, bytes);
    r->type = vc_rng_philox4x32;
    r->state = state;
    philox_set_stream(r->state, seed, stratum, chain, block);
    return r;
}
