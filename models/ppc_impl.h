/*
 * ppc_impl.h: the accumulator of a posterior predictive check
 * (models/ppc.c), shared by the latent-class chains (chains.c) and graph
 * averaging (ppc.c).  Not part of the public API.
 */
#ifndef VC_PPC_IMPL_H
#define VC_PPC_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "models/vc_ppc.h"

/* The sums of one stream of replicates over the 2^J cells. */
typedef struct vci_ppc_acc_s {
    size_t J, ncell;      /* ncell = 2^J */
    double *obs;          /* ncell: observed counts (obs[0] = 0) */
    double *p;            /* ncell: cell probabilities of the draw
                             (written by the caller) */
    double *sum_E;        /* ncell: sums of E_x */
    double *sum_rep;      /* ncell: sums of y_rep,x */
    double *sum_d;        /* ncell: sums of (sqrt(y_x) - sqrt(E_x))^2 */
    uint64_t draws, exceed; /* replicates; those with T_rep >= T_obs */
    uint64_t skipped;     /* draws with N beyond 2^32 - 1 (none drawn) */
    double sum_tobs, sum_trep;
} vci_ppc_acc;

/* Set up a for table t (J <= VC_PPC_MAX_LISTS).  Errors: VC_EINVAL,
 * VC_ENOMEM (a is then safe to free). */
int vci_ppc_acc_init(vci_ppc_acc *a, const vc_table *t, vc_error *err);
void vci_ppc_acc_free(vci_ppc_acc *a);

/* One replicate from the cell probabilities a->p (summing to 1, p[0] the
 * probability of being missed by every list) and N: y_rep ~
 * Multinomial(N, p) by conditional binomials, T for the data and the
 * replicate, the sums. */
void vci_ppc_acc_draw(vci_ppc_acc *a, double N, const gsl_rng *r);

/* Add b's sums to a (same table). */
void vci_ppc_acc_add(vci_ppc_acc *a, const vci_ppc_acc *b);

/* The check from a's sums (out filled). */
void vci_ppc_acc_finish(const vci_ppc_acc *a, vc_ppc *out);

/* The cell probabilities of the latent-class model at state s into
 * p[2^J]: p_x = sum_k pi_k prod_j lambda_jk^x_j (1 - lambda_jk)^(1 -
 * x_j) (Manrique-Vallier 2016, eq. (2)). */
void vci_ppc_lcm_cells(const vc_lcm_state *s, double *p);

#endif /* VC_PPC_IMPL_H */
