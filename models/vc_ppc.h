/*
 * vc_ppc.h: posterior predictive checks of the Bayesian models (lcm and
 * dga) on the observed pattern counts, and the verdict on any method's
 * result that issue 17's synthesis reads.
 *
 * The check (Gelman, Meng & Stern 1996, Statistica Sinica 6:733-807,
 * eq. (2.8) and sec. 2.3): for each retained posterior draw theta_s of
 * the parameters and N, a replicated complete table y_rep ~
 * Multinomial(N_s, p(theta_s)) over the 2^J capture patterns (the
 * likelihood of the complete table that both models use: Manrique-
 * Vallier 2016, eq. (1); Madigan & York 1997, sec. 2), whose all-zero
 * cell is dropped as the observed table drops it.  The discrepancy is
 * the Freeman-Tukey statistic over the 2^J - 1 observable patterns
 * (Freeman & Tukey 1950, Ann. Math. Statist. 21:607; the discrepancy of
 * Brooks, Catchpole & Morgan 2000, Statist. Sci. 15:357, sec. 4, for
 * capture-recapture):
 *     T(y, theta) = sum_{x != 0} (sqrt(y_x) - sqrt(E_x))^2,
 *     E_x = N p_x(theta),
 * a realised discrepancy that depends on the draw; the posterior
 * predictive p-value is the share of draws with T(y_rep, theta_s) >=
 * T(y, theta_s) (GMS eq. (2.8)).  A p-value near 0 says the model does
 * not reproduce the observed table; the patterns whose mean contribution
 * to T is largest say where.
 *
 * The replicates draw from their own Philox streams (seed, stratum,
 * chain, VC_PPC_STREAM): they never touch the model's draws, and the
 * result is the same for any number of threads.
 */
#ifndef VC_PPC_H
#define VC_PPC_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"
#include "data/vc_data.h"
#include "models/vc_dga.h"
#include "models/vc_models.h"

/* Most lists a check covers: the 2^J cells of each replicate are
 * enumerated (1,023 cells at 10 lists, as the log-linear residuals). */
#define VC_PPC_MAX_LISTS 10
/* Patterns reported as fitting worst. */
#define VC_PPC_WORST 5
/* A check fails below this posterior predictive (or goodness-of-fit)
 * p-value (issue 17). */
#define VC_PPC_P_MIN 0.01
/* Block word of the replicates' streams: above every replica's block
 * (< 64), apart from the umbrella (0x10000000), the blocks of patterns
 * (bit 30) and the exchanges (bit 31). */
#define VC_PPC_STREAM 0x20000000u
/* Replicates of graph averaging's check (vc_dga_ppc): the posterior
 * predictive p-value to within about 0.016 (its sd at p = 0.5 is
 * sqrt(0.25 / 1000)), enough to tell 0.01 from 0.05. */
#define VC_PPC_DGA_DRAWS 1000

/* One pattern of the table. */
typedef struct {
    uint32_t pattern;     /* bit j set: seen by list j */
    double observed;      /* y_x */
    double expected;      /* posterior mean of E_x = N p_x(theta) */
    double replicated;    /* posterior predictive mean of y_rep,x */
    double discrepancy;   /* posterior mean of (sqrt(y_x) - sqrt(E_x))^2,
                             its share of T(y, theta) */
} vc_ppc_cell;

/* A check's outcome. */
typedef struct {
    int defined;           /* 0: no check (more than VC_PPC_MAX_LISTS
                              lists, no draws, N beyond 2^32 - 1); ppp is
                              then NaN */
    const char *statistic; /* "freeman-tukey" (static) */
    double ppp;            /* posterior predictive p-value */
    double observed_mean;  /* posterior mean of T(y, theta) */
    double replicated_mean;/* posterior mean of T(y_rep, theta) */
    uint64_t draws;        /* replicates drawn */
    size_t nworst;
    vc_ppc_cell worst[VC_PPC_WORST]; /* largest discrepancy first */
} vc_ppc;

/*
 * The check of an lcm run over every draw kept so far (each kept draw
 * of every chain draws one replicate as it is kept: models/chains.c).
 * out is filled; out->defined 0 when the table has more than
 * VC_PPC_MAX_LISTS lists or no draws are kept yet.  Errors: VC_EINVAL
 * (no chains), VC_ENOMEM.
 */
int vc_lcm_chains_ppc(const vc_lcm_chains *c, vc_ppc *out, vc_error *err);

/*
 * The check of a graph-averaging fit r of table t under options o (the
 * prior on N and delta as fitted; may be NULL for the defaults):
 * `draws` replicates (0: VC_PPC_DGA_DRAWS), each a graph G drawn from
 * r's posterior over graphs, n0 from p(n0 | G, y) on r's grid, and cell
 * probabilities from their hyper-Dirichlet posterior given G and the
 * completed table (Dawid & Lauritzen 1993, Ann. Statist. 21:1272, sec. 7:
 * the conditional probabilities of each list given its earlier
 * neighbours in a perfect order are independent Beta laws, updated by
 * the counts).  Streams (seed, stratum, 0, VC_PPC_STREAM).  out is
 * filled (defined 0 beyond VC_PPC_MAX_LISTS lists).  Errors: VC_EINVAL,
 * VC_ENOMEM.
 */
int vc_dga_ppc(const vc_table *t, const vc_dga_opts *o,
               const vc_dga_result *r, uint64_t seed, uint64_t stratum,
               size_t draws, vc_ppc *out, vc_error *err);

/*
 * The verdict on one method's result, for issue 17's synthesis: 1 when
 * its checks pass, 0 when they fail.  It fails when status is not VC_OK
 * (VC_ENOMLE: no maximum-likelihood estimate), when flags say the chains
 * did not converge (VC_FLAG_NOT_CONVERGED, VC_FLAG_TAILS,
 * VC_FLAG_REPLICA), or when p (a posterior predictive p-value, or a
 * log-linear model's deviance goodness-of-fit p-value; NaN: none) is
 * below VC_PPC_P_MIN.  `test` names p in the reason ("posterior
 * predictive", "deviance goodness-of-fit").  reason (size bytes, may be
 * NULL) receives one plain sentence without a final full stop: why it
 * fails, or what passed.
 */
int vc_check_verdict(int status, unsigned flags, double p, const char *test,
                     char *reason, size_t size);

/* ---------------------------------------------------------------------
 * Prior sensitivity (issue 17): the effect of an upper bound on N.
 * A bound N <= N_max in the prior (LCMCR imposes N <= 21 n) truncates the
 * posterior at N_max and renormalises it, since the likelihood is
 * unchanged: the posterior under the bounded prior is the unbounded one
 * conditioned on N <= N_max.  So its median and equal-tailed interval
 * come from the unbounded run without a rerun (models/prior.c).
 * ------------------------------------------------------------------- */

/* LCMCR's bound on N, as a multiple of the people seen. */
#define VC_LCMCR_BOUND_FACTOR 21.0
/* A bound "changes the upper end" when it moves it down by more than
 * this fraction (issue 17). */
#define VC_BOUND_UPPER_CHANGE 0.05

/*
 * Median and equal-tailed interval at level of the pooled kept draws of
 * c with N <= N_max (type-7 quantiles, as vc_diag_summarise).  *share
 * (may be NULL) gets the share of draws above N_max.  Errors: VC_EINVAL
 * (bad level, no draw at or below N_max), VC_ENOMEM.
 */
int vc_lcm_chains_bounded(const vc_lcm_chains *c, double N_max, double level,
                          double *median, double *lower, double *upper,
                          double *share, vc_error *err);

/*
 * The same for a graph-averaging posterior r on its grid: median and
 * interval as vc_dga_quantile does (first grid point whose cumulative
 * mass reaches p) of the posterior restricted to N <= N_max.  Errors:
 * VC_EINVAL (bad level, no mass at or below N_max).
 */
int vc_dga_bounded(const vc_dga_result *r, double N_max, double level,
                   double *median, double *lower, double *upper,
                   double *share, vc_error *err);

#endif /* VC_PPC_H */
