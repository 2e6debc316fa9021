/*
 * philox_impl.h: the state of the Philox4x32-10 generator (philox.c) and
 * its next output as an inline function, for the samplers' uniforms
 * (models/mcmc_impl.h, vci_ran_uniform).  A sweep of the latent-class
 * sampler draws some 250 words; through gsl_rng's function pointer each
 * cost an indirect call (philox_get) on top of the word itself.  The
 * words are the same either way.  Not part of the public API.
 */
#ifndef VC_PHILOX_IMPL_H
#define VC_PHILOX_IMPL_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Blocks encrypted at a time (philox.c, philox_batch). */
#define VCI_PHILOX_BATCH 4

typedef struct {
    uint32_t ctr[4];  /* next counter to encrypt */
    uint32_t key[2];
    uint32_t out[4 * VCI_PHILOX_BATCH]; /* current output blocks, in
                                           order */
    unsigned idx;     /* next unused word of out; 4 * VCI_PHILOX_BATCH
                         means exhausted */
} vci_philox_state;

/* The generator type vc_rng_philox4x32 points to. */
extern const gsl_rng_type vci_philox_type;

/* Encrypt the next VCI_PHILOX_BATCH blocks into st->out and advance the
 * counter (philox.c). */
void vci_philox_refill(vci_philox_state *st);

/* The next 32-bit word of the stream. */
static inline uint32_t vci_philox_next(vci_philox_state *st)
{
    if (__builtin_expect(st->idx >= 4 * VCI_PHILOX_BATCH, 0)) {
        vci_philox_refill(st);
    }
    return st->out[st->idx++];
}

#endif /* VC_PHILOX_IMPL_H */
