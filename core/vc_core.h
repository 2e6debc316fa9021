/*
 * vc_core.h: status codes, the error buffer, version, and the counter-based
 * random number streams every sampler draws from.
 *
 * core depends on nothing else in the project; core/vc_estimate.h, the
 * vocabulary of estimates, lives here for that reason.  Layers (a module
 * includes only those to its left on its own line; nothing climbs back):
 *
 *   core <- data <- estimators <- models     the estimates
 *   core <- data <- link                     record linkage
 *   core <- sim                              simulated populations
 *   core <- report                           words and figures
 *   all of them <- cli, serve                the program and the service
 */
#ifndef VC_CORE_H
#define VC_CORE_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#define VC_VERSION "0.5.0"

/*
 * Status codes.  Append-only: never renumber or reuse a value, so that
 * programs written against one version keep their meaning (curl's rule for
 * CURLcode).  vc_strerror() gives a static description of each.
 */
typedef enum {
    VC_OK = 0,          /* success */
    VC_EINVAL = 1,      /* invalid argument or option from the caller */
    VC_ENOMEM = 2,      /* memory allocation failed */
    VC_EIO = 3,         /* a file could not be opened, read or written */
    VC_EDATA = 4,       /* input data are malformed or inconsistent */
    VC_EUNDEFINED = 5,  /* the statistic is undefined for these data */
    VC_ENOMLE = 6,      /* a maximum-likelihood estimate does not exist */
    VC_ENUMERIC = 7,    /* a numerical routine failed (GSL message attached) */
    VC_ECONTINUE = 8,   /* iteration not finished yet: indicative, not error */
    VC_ENOTIDENT = 9,   /* population size is not identifiable */
    VC_ENOTCONV = 10    /* an iterative fit did not converge */
} vc_status;

/* Size of the message buffer in vc_error, including the terminating NUL. */
#define VC_ERROR_SIZE 512

/*
 * Caller-owned error detail.  Every library function that can fail takes a
 * vc_error * as its last argument; it may be NULL.  The first error set
 * wins: later calls to vc_error_set do not overwrite it (curl's error
 * buffer), so the message names the root cause.
 */
typedef struct {
    int code;                 /* a vc_status value; VC_OK when clear */
    char msg[VC_ERROR_SIZE];  /* one line, no trailing newline */
} vc_error;

/* Reset err (may be NULL) to VC_OK with an empty message. */
void vc_error_clear(vc_error *err);

/*
 * Record an error and return code, so callers can write
 * `return vc_error_set(err, VC_EDATA, "...", ...);`.  All failures in the
 * library go through here: a breakpoint on it catches every error.  err may
 * be NULL; a set error is never overwritten.
 */
int vc_error_set(vc_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Static, human-readable description of a status code. */
const char *vc_strerror(int code);

/* The library version string (VC_VERSION at build time). */
const char *vc_version(void);

/* ---------------------------------------------------------------------
 * Random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11) as a gsl_rng_type,
 * so every gsl_ran_* distribution can draw from it.
 *
 * A stream is fixed by (seed, stratum, chain, block):
 *   key     = vc_rng_mix(seed, stratum)             (64 bits: k0, k1)
 *   counter = (position low, position high, chain, block)
 * so streams with different chain or block numbers never overlap, and any
 * stream costs nothing to create.  The position advances by one for every
 * four 32-bit outputs.
 * ------------------------------------------------------------------- */

/* The generator type: name "philox4x32-10", outputs in [0, 2^32 - 1].
 * gsl_rng_set(r, s) selects the stream (s, 0, 0, 0). */
extern const gsl_rng_type *vc_rng_philox4x32;

/*
 * One Philox4x32-10 block: encrypt counter ctr[4] under key[2] into out[4].
 * Exposed for the known-answer test.
 */
void vc_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                      uint32_t out[4]);

/* splitmix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mix. */
uint64_t vc_mix64(uint64_t x);

/* The stream key for (seed, stratum): mix64(mix64(seed) ^ stratum-mix). */
uint64_t vc_rng_key(uint64_t seed, uint64_t stratum);

/*
 * 64-bit FNV-1a hash of a string, then mixed: turns a stratum label such as
 * "Kyrgyzstan|2005" into a stratum id, so that a stratum's stream depends
 * on its key and not on its position in a file.  s may be NULL (gives 0).
 */
uint64_t vc_hash_string(const char *s);

/*
 * Point r (which must be of type vc_rng_philox4x32) at the start of stream
 * (seed, stratum, chain, block).  Returns VC_OK or VC_EINVAL when r is of
 * another type.
 */
int vc_rng_set_stream(gsl_rng *r, uint64_t seed, uint64_t stratum,
                      uint32_t chain, uint32_t block, vc_error *err);

/* Allocate a Philox generator positioned at the given stream.  Returned;
 * free with gsl_rng_free.  NULL (with VC_ENOMEM) on failure. */
gsl_rng *vc_rng_stream_alloc(uint64_t seed, uint64_t stratum, uint32_t chain,
                             uint32_t block, vc_error *err);

#endif /* VC_CORE_H */
