/*
 * test_core.c: status codes, the error buffer, and the Philox streams.
 */
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_randist.h>

#include "core/philox_impl.h"
#include "core/vc_core.h"
#include "core/fastmath.h"
#include "tests/test_util.h"

/* Known-answer vectors of Philox4x32-10: Salmon et al. (2011), as
 * published with Random123 (kat_vectors, "philox4x32 10" lines). */
static void test_philox_kat(void)
{
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0},
         {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        uint32_t out[4];
        vc_philox4x32_10(kat[i].ctr, kat[i].key, out);
        for (int w = 0; w < 4; w++) {
            CU_ASSERT_EQUAL(out[w], kat[i].out[w]);
        }
    }
}

static void test_error_first_wins(void)
{
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(err.code, VC_OK);
    int code = vc_error_set(&err, VC_EDATA, "file.csv:%d: bad", 14);
    CU_ASSERT_EQUAL(code, VC_EDATA);
    CU_ASSERT_STRING_EQUAL(err.msg, "file.csv:14: bad");
    code = vc_error_set(&err, VC_ENOMEM, "later");
    CU_ASSERT_EQUAL(code, VC_ENOMEM);
    CU_ASSERT_EQUAL(err.code, VC_EDATA);
    CU_ASSERT_STRING_EQUAL(err.msg, "file.csv:14: bad");
    CU_ASSERT_EQUAL(vc_error_set(NULL, VC_EIO, "ignored"), VC_EIO);
    /* One line whatever a quoted argument holds (fuzz_model found model
     * strings with line breaks echoed into two-line messages). */
    vc_error_clear(&err);
    vc_error_set(&err, VC_EINVAL, "model \"%s\": bad", "A\nB\r\tC\x7f\x01");
    CU_ASSERT_STRING_EQUAL(err.msg, "model \"A?B??C??\": bad");
    for (int c = VC_OK; c <= VC_ENOTCONV; c++) {
        CU_ASSERT_STRING_NOT_EQUAL(vc_strerror(c), "unknown status");
    }
    CU_ASSERT_STRING_EQUAL(vc_strerror(9999), "unknown status");
    CU_ASSERT_STRING_EQUAL(vc_version(), VC_VERSION);
}

/* Streams are reproducible, distinct per (seed, stratum, chain, block),
 * and the first words of stream (0,0,0,0) are the KAT block. */
static void test_streams(void)
{
    vc_error err;
    vc_error_clear(&err);
    gsl_rng *a = vc_rng_stream_alloc(2385, 7, 3, 0, &err);
    gsl_rng *b = vc_rng_stream_alloc(2385, 7, 3, 0, &err);
    gsl_rng *c = vc_rng_stream_alloc(2385, 7, 4, 0, &err);
    gsl_rng *d = vc_rng_stream_alloc(2385, 8, 3, 0, &err);
    gsl_rng *e = vc_rng_stream_alloc(2385, 7, 3, 1, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_STRING_EQUAL(gsl_rng_name(a), "philox4x32-10");
    int same_ab = 1, same_ac = 1, same_ad = 1, same_ae = 1;
    for (int i = 0; i < 1000; i++) {
        unsigned long x = gsl_rng_get(a);
        same_ab &= (x == gsl_rng_get(b));
        same_ac &= (x == gsl_rng_get(c));
        same_ad &= (x == gsl_rng_get(d));
        same_ae &= (x == gsl_rng_get(e));
    }
    CU_ASSERT(same_ab);
    CU_ASSERT(!same_ac);
    CU_ASSERT(!same_ad);
    CU_ASSERT(!same_ae);

    /* Re-pointing a generator restarts the stream. */
    CU_ASSERT_EQUAL(vc_rng_set_stream(b, 2385, 7, 3, 0, &err), VC_OK);
    CU_ASSERT_EQUAL(vc_rng_set_stream(a, 2385, 7, 3, 0, &err), VC_OK);
    for (int i = 0; i < 10; i++) {
        CU_ASSERT_EQUAL(gsl_rng_get(a), gsl_rng_get(b));
    }
    /* A generator of another type is refused. */
    gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_rng_set_stream(mt, 1, 0, 0, 0, &err), VC_EINVAL);
    gsl_rng_free(mt);
    gsl_rng_free(a);
    gsl_rng_free(b);
    gsl_rng_free(c);
    gsl_rng_free(d);
    gsl_rng_free(e);
}

/* The generator encrypts several blocks at a time (philox.c); its words
 * are still those of vc_philox4x32_10 on consecutive counters (position
 * in words 0 and 1, chain in word 2, block in word 3), in order. */
static void test_stream_blocks(void)
{
    vc_error err;
    gsl_rng *r = vc_rng_stream_alloc(2385, 7, 3, 5, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    uint64_t key = vc_rng_key(2385, 7);
    uint32_t k[2] = {(uint32_t)key, (uint32_t)(key >> 32)};
    int same = 1;
    for (uint32_t pos = 0; pos < 37; pos++) {
        uint32_t ctr[4] = {pos, 0, 3, 5}, out[4];
        vc_philox4x32_10(ctr, k, out);
        for (int i = 0; i < 4; i++) {
            same &= (gsl_rng_get(r) == out[i]);
        }
    }
    CU_ASSERT(same);
    gsl_rng_free(r);
}

/* The same across the carry of the position from word 0 into word 1,
 * which the batched refill (philox.c: SSE2 or AVX2) computes in 64-bit
 * lanes: a stream started just below 2^32 blocks. */
static void test_stream_carry(void)
{
    vc_error err;
    gsl_rng *r = vc_rng_stream_alloc(99, 1, 2, 4, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    vci_philox_state *st = r->state;
    st->ctr[0] = 0xfffffffdu; /* the next refill starts here */
    uint64_t key = vc_rng_key(99, 1);
    uint32_t k[2] = {(uint32_t)key, (uint32_t)(key >> 32)};
    int same = 1;
    for (uint64_t pos = 0xfffffffdu; pos < 0x100000000ull + 9; pos++) {
        uint32_t ctr[4] = {(uint32_t)pos, (uint32_t)(pos >> 32), 2, 4};
        uint32_t out[4];
        vc_philox4x32_10(ctr, k, out);
        for (int i = 0; i < 4; i++) {
            same &= (gsl_rng_get(r) == out[i]);
        }
    }
    CU_ASSERT(same);
    gsl_rng_free(r);
}

/* Uniform doubles lie in [0, 1) with mean 1/2 and variance 1/12 within
 * 4 standard errors (GSL randist/test.c's moment check). */
static void test_uniform_moments(void)
{
    vc_error err;
    gsl_rng *r = vc_rng_stream_alloc(11, 0, 0, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    const int n = 200000;
    double sum = 0.0, sumsq = 0.0;
    int in_range = 1;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(r);
        in_range &= (u >= 0.0 && u < 1.0);
        sum += u;
        sumsq += u * u;
    }
    CU_ASSERT(in_range);
    double mean = sum / n;
    double var = sumsq / n - mean * mean;
    CU_ASSERT(fabs(mean - 0.5) < 4.0 * sqrt(1.0 / 12.0 / n));
    CU_ASSERT(fabs(var - 1.0 / 12.0) < 4.0 * sqrt(1.0 / 180.0 / n));
    /* A draw from a GSL distribution works through the type. */
    double g = gsl_ran_gamma(r, 2.385, 1.0);
    CU_ASSERT(g > 0.0 && isfinite(g));
    gsl_rng_free(r);
}

static void test_hash(void)
{
    CU_ASSERT_EQUAL(vc_hash_string(NULL), 0);
    CU_ASSERT_NOT_EQUAL(vc_hash_string("Kyrgyzstan|2005"),
                        vc_hash_string("Kyrgyzstan|2004"));
    CU_ASSERT_EQUAL(vc_hash_string("Tajikistan"),
                    vc_hash_string("Tajikistan"));
    CU_ASSERT_NOT_EQUAL(vc_rng_key(1, 2), vc_rng_key(2, 1));
}

/* vci_exp and vci_log (core/fastmath.h) agree with the C library to a
 * few units in the last place over their documented ranges. */
static void test_fastmath(void)
{
    double worst_exp = 0.0, worst_log = 0.0;
    for (double x = -708.0; x < 709.0; x += 0.0137) {
        double want = exp(x);
        double rel = fabs(vci_exp(x) - want) / want;
        worst_exp = rel > worst_exp ? rel : worst_exp;
    }
    for (double x = 1e-300; x < 1e300; x *= 1.0173) {
        double want = log(x);
        double err = fabs(vci_log(x) - want);
        /* relative, except near log(1) = 0 where absolute is what counts */
        double rel = err / (fabs(want) > 1.0 ? fabs(want) : 1.0);
        worst_log = rel > worst_log ? rel : worst_log;
    }
    CU_ASSERT(worst_exp < 1e-15);
    CU_ASSERT(worst_log < 1e-15);
    CU_ASSERT_EQUAL(vci_log(1.0), 0.0);
    CU_ASSERT_EQUAL(vci_exp(0.0), 1.0);
    if (worst_exp >= 1e-15 || worst_log >= 1e-15) {
        fprintf(stderr, "\n  fastmath: worst relative error exp %.3g, "
                "log %.3g", worst_exp, worst_log);
    }
}

/* gsl_rng_set on a Philox generator starts the stream (seed, 0, 0, 0), as
 * vc_rng_stream_alloc does: GSL code that reseeds a generator gets our
 * streams, not another sequence. */
static void test_gsl_set(void)
{
    vc_error err;
    vc_error_clear(&err);
    gsl_rng *a = vc_rng_stream_alloc(99, 5, 2, 0, &err);
    gsl_rng *b = vc_rng_stream_alloc(2385, 0, 0, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    gsl_rng_set(a, 2385);
    int same = 1;
    for (int i = 0; i < 100; i++) {
        same &= gsl_rng_get(a) == gsl_rng_get(b);
    }
    CU_ASSERT(same);
    gsl_rng_free(a);
    gsl_rng_free(b);
}

int vc_register_core_suite(void)
{
    CU_pSuite s = CU_add_suite("core", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "philox known answers", test_philox_kat) == NULL
        || CU_add_test(s, "philox stream = consecutive blocks",
                       test_stream_blocks) == NULL
        || CU_add_test(s, "Philox stream across the position carry",
                       test_stream_carry) == NULL
        || CU_add_test(s, "error buffer", test_error_first_wins) == NULL
        || CU_add_test(s, "streams", test_streams) == NULL
        || CU_add_test(s, "uniform moments", test_uniform_moments) == NULL
        || CU_add_test(s, "string hash", test_hash) == NULL
        || CU_add_test(s, "fast exp and log", test_fastmath) == NULL
        || CU_add_test(s, "gsl_rng_set", test_gsl_set) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
