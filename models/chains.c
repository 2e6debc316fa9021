/*
 * chains.c: several chains of the latent-class sampler, in parallel with
 * OpenMP, in rounds.
 *
 * Reproducibility (style guide, section 5): chain c draws only from the
 * Philox stream (seed, stratum, c, 0), selected by the chain index and
 * never by the thread number; it reads the shared table and writes only
 * its own workspace, generator and trace.  There are no reductions and no
 * critical sections; anything combined across chains (the summary) is
 * combined after the parallel region, in chain order.  The draws are
 * therefore bit-identical whatever the number of threads, and whatever
 * the split of a run into rounds, since a chain is one sequential stream.
 *
 * Trace storage grows before each parallel region, to the exact number
 * of draws the round will keep, so no thread allocates.
 */
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "models/impl.h"

struct vc_lcm_chains {
    const vc_table *t;        /* borrowed */
    vc_lcm_opts o;
    size_t nchains;
    vc_lcm_workspace **w;     /* nchains */
    gsl_rng **r;              /* nchains */
    vc_lcm_trace *trace;      /* nchains */
    size_t cap;               /* capacity of each trace */
    uint64_t sweeps;          /* sweeps per chain after burn-in */
    int burned;               /* burn-in done */
    int failed;               /* a chain failed: no further rounds */
    int *status;              /* nchains, per round */
    vc_error *errs;           /* nchains, per round */
};

void vc_lcm_chains_free(vc_lcm_chains *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->nchains; i++) {
        if (c->w != NULL) {
            vc_lcm_free(c->w[i]);
        }
        if (c->r != NULL && c->r[i] != NULL) {
            gsl_rng_free(c->r[i]);
        }
        if (c->trace != NULL) {
            free(c->trace[i].N);
            free(c->trace[i].alpha);
            free(c->trace[i].occupied);
        }
    }
    free(c->w);
    free(c->r);
    free(c->trace);
    free(c->status);
    free(c->errs);
    free(c);
}

vc_lcm_chains *vc_lcm_chains_alloc(const vc_table *t, const vc_lcm_opts *o,
                                   vc_error *err)
{
    if (t == NULL) {
        vc_error_set(err, VC_EINVAL, "no table given");
        return NULL;
    }
    if (vc_lcm_opts_check(o, t, err) != VC_OK) {
        return NULL;
    }
    vc_lcm_chains *c = calloc(1, sizeof *c);
    if (c == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate LCM chains");
        return NULL;
    }
    c->t = t;
    c->o = *o;
    c->nchains = o->chains;
    c->w = calloc(c->nchains, sizeof *c->w);
    c->r = calloc(c->nchains, sizeof *c->r);
    c->trace = calloc(c->nchains, sizeof *c->trace);
    c->status = calloc(c->nchains, sizeof *c->status);
    c->errs = calloc(c->nchains, sizeof *c->errs);
    if (c->w == NULL || c->r == NULL || c->trace == NULL
        || c->status == NULL || c->errs == NULL) {
        vc_lcm_chains_free(c);
        vc_error_set(err, VC_ENOMEM, "cannot allocate LCM chains");
        return NULL;
    }
    for (size_t i = 0; i < c->nchains; i++) {
        c->w[i] = vc_lcm_alloc(t, o, err);
        if (c->w[i] == NULL) {
            vc_lcm_chains_free(c);
            return NULL;
        }
        c->r[i] = vc_rng_stream_alloc(o->seed, o->stratum, (uint32_t)i, 0,
                                      err);
        if (c->r[i] == NULL) {
            vc_lcm_chains_free(c);
            return NULL;
        }
        /* Initialisation is cheap; done serially, in chain order. */
        if (vc_lcm_init(c->w[i], c->r[i], err) != VC_OK) {
            vc_lcm_chains_free(c);
            return NULL;
        }
    }
    return c;
}

/* Make room for `need` draws in every trace.  All or nothing: on failure
 * the traces keep their contents (realloc leaves the old block). */
static int traces_reserve(vc_lcm_chains *c, size_t need, vc_error *err)
{
    if (need <= c->cap) {
        return VC_OK;
    }
    size_t cap = c->cap ? c->cap : 1024;
    while (cap < need) {
        cap *= 2;
    }
    for (size_t i = 0; i < c->nchains; i++) {
        vc_lcm_trace *tr = &c->trace[i];
        uint64_t *N = realloc(tr->N, cap * sizeof *N);
        if (N != NULL) {
            tr->N = N;
        }
        double *alpha = realloc(tr->alpha, cap * sizeof *alpha);
        if (alpha != NULL) {
            tr->alpha = alpha;
        }
        uint32_t *occ = realloc(tr->occupied, cap * sizeof *occ);
        if (occ != NULL) {
            tr->occupied = occ;
        }
        if (N == NULL || alpha == NULL || occ == NULL) {
            /* Blocks that did grow are merely larger than c->cap says. */
            return vc_error_set(err, VC_ENOMEM,
                                "cannot store %zu draws per chain", need);
        }
    }
    c->cap = cap;
    return VC_OK;
}

/* Run chain i: burn-in if due, then `sweeps` sweeps, recording every
 * thin-th.  Touches only chain i's objects. */
static void run_chain(vc_lcm_chains *c, size_t i, uint64_t sweeps)
{
    vc_lcm_workspace *w = c->w[i];
    const gsl_rng *r = c->r[i];
    vc_error *err = &c->errs[i];
    vc_lcm_trace *tr = &c->trace[i];
    const vc_lcm_state *s = vc_lcm_state_get(w);
    c->status[i] = VC_OK;
    if (!c->burned) {
        for (uint64_t b = 0; b < c->o.burnin; b++) {
            int status = vc_lcm_iterate(w, r, err);
            if (status != VC_OK) {
                c->status[i] = status;
                return;
            }
        }
    }
    for (uint64_t k = 1; k <= sweeps; k++) {
        int status = vc_lcm_iterate(w, r, err);
        if (status != VC_OK) {
            c->status[i] = status;
            return;
        }
        if ((c->sweeps + k) % c->o.thin == 0) {
            tr->N[tr->ndraws] = s->N;
            tr->alpha[tr->ndraws] = s->alpha;
            tr->occupied[tr->ndraws] = (uint32_t)s->occupied;
            tr->ndraws++;
        }
    }
}

int vc_lcm_chains_round(vc_lcm_chains *c, uint64_t sweeps, vc_error *err)
{
    if (c == NULL) {
        return vc_error_set(err, VC_EINVAL, "no chains given");
    }
    if (c->failed) {
        return vc_error_set(err, VC_EINVAL,
                            "a chain failed in an earlier round; free the "
                            "chains");
    }
    uint64_t thin = c->o.thin;
    uint64_t keep = (c->sweeps + sweeps) / thin - c->sweeps / thin;
    size_t have = c->trace[0].ndraws;
    if (keep > SIZE_MAX / 16 - have) {
        return vc_error_set(err, VC_EINVAL,
                            "%llu sweeps at thinning %llu keep too many "
                            "draws to store",
                            (unsigned long long)sweeps,
                            (unsigned long long)thin);
    }
    int status = traces_reserve(c, have + (size_t)keep, err);
    if (status != VC_OK) {
        return status;
    }
    for (size_t i = 0; i < c->nchains; i++) {
        vc_error_clear(&c->errs[i]);
    }
    int nthreads = c->o.threads > 0 ? c->o.threads : omp_get_max_threads();
    if ((size_t)nthreads > c->nchains) {
        nthreads = (int)c->nchains;
    }
    /* One chain per iteration; the schedule decides only which thread
     * runs a chain, never what the chain draws. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (size_t i = 0; i < c->nchains; i++) {
        run_chain(c, i, sweeps);
    }
    c->burned = 1;
    c->sweeps += sweeps;
    for (size_t i = 0; i < c->nchains; i++) {
        if (c->status[i] != VC_OK) {
            c->failed = 1;
            return vc_error_set(err, c->status[i], "chain %zu: %s", i,
                                c->errs[i].msg);
        }
    }
    return VC_OK;
}

size_t vc_lcm_chains_count(const vc_lcm_chains *c)
{
    return c->nchains;
}

uint64_t vc_lcm_chains_sweeps(const vc_lcm_chains *c)
{
    return c->sweeps;
}

const vc_lcm_trace *vc_lcm_chains_trace(const vc_lcm_chains *c, size_t chain)
{
    return chain < c->nchains ? &c->trace[chain] : NULL;
}

const vc_lcm_state *vc_lcm_chains_state(const vc_lcm_chains *c, size_t chain)
{
    return chain < c->nchains ? vc_lcm_state_get(c->w[chain]) : NULL;
}

const char *vc_lcm_flag_text(unsigned flag)
{
    switch (flag) {
    case VC_LCM_FLAG_NOT_CONVERGED:
        return "not converged: R-hat or bulk ESS of N misses its target; "
               "sample longer";
    case VC_LCM_FLAG_BOUND:
        return "the bound on N was reached by some draws: the posterior "
               "is truncated there";
    default:
        return NULL;
    }
}

int vc_lcm_chains_summary(const vc_lcm_chains *c, vc_lcm_summary *s,
                          vc_error *err)
{
    size_t m = c->nchains, n = c->trace[0].ndraws;
    if (n == 0) {
        return vc_error_set(err, VC_EINVAL,
                            "no draws yet: run a round with at least thin "
                            "= %llu sweeps",
                            (unsigned long long)c->o.thin);
    }
    double *x = malloc(m * n * sizeof *x);
    if (x == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot summarise %zu draws",
                            m * n);
    }
    memset(s, 0, sizeof *s);
    int status = VC_OK;
    for (int q = 0; q < 3 && status == VC_OK; q++) {
        for (size_t i = 0; i < m; i++) {
            const vc_lcm_trace *tr = &c->trace[i];
            for (size_t d = 0; d < n; d++) {
                x[i * n + d] = q == 0   ? (double)tr->N[d]
                               : q == 1 ? tr->alpha[d]
                                        : (double)tr->occupied[d];
            }
        }
        vc_diag_summary *out = q == 0 ? &s->N : q == 1 ? &s->alpha
                                                       : &s->occupied;
        status = vc_diag_summarise(x, m, n, c->o.level, out, err);
    }
    free(x);
    if (status != VC_OK) {
        return status;
    }
    s->converged = s->N.diag_defined && s->N.rhat < c->o.rhat_max
                   && s->N.ess_bulk >= c->o.ess_min;
    for (size_t i = 0; i < m; i++) {
        s->bound_sweeps += vc_lcm_state_get(c->w[i])->bound_sweeps;
    }
    s->flags = (s->converged ? 0u : VC_LCM_FLAG_NOT_CONVERGED)
               | (s->bound_sweeps > 0 ? VC_LCM_FLAG_BOUND : 0u);
    s->observed = c->t->n;
    s->rng = gsl_rng_name(c->r[0]);
    s->version = vc_version();
    s->seed = c->o.seed;
    s->stratum = c->o.stratum;
    s->chains = m;
    s->K = c->o.K;
    s->burnin = c->o.burnin;
    s->sweeps = c->sweeps;
    s->thin = c->o.thin;
    s->draws = n;
    return VC_OK;
}

void vc_lcm_summary_estimate(const vc_lcm_summary *s, vc_estimate *out)
{
    memset(out, 0, sizeof *out);
    out->method = "lcm";
    out->estimate = s->N.median;
    out->se = s->N.sd;
    out->has_se = 1;
    out->level = s->N.level;
    out->lower = s->N.lower;
    out->upper = s->N.upper;
    out->interval = "equal-tailed posterior (latent class model, "
                    "Manrique-Vallier 2016)";
    out->observed = s->observed;
    out->flags = s->flags;
}

int vc_lcm_run(const vc_table *t, const vc_lcm_opts *o, vc_lcm_summary *s,
               vc_error *err)
{
    vc_lcm_opts defaults;
    if (o == NULL) {
        vc_lcm_opts_default(&defaults);
        o = &defaults;
    }
    vc_error local;
    vc_error_clear(&local);
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, o, &local);
    if (c == NULL) {
        return vc_error_set(err, local.code, "%s", local.msg);
    }
    int status = vc_lcm_chains_round(c, o->iterations, err);
    if (status == VC_OK) {
        status = vc_lcm_chains_summary(c, s, err);
    }
    vc_lcm_chains_free(c);
    return status;
}
