/*
 * ppc.c: posterior predictive checks on the observed pattern counts
 * (Gelman, Meng & Stern 1996, Statistica Sinica 6:733, "GMS" below) for
 * the latent-class model and graph averaging, and the verdict on a
 * method's result (vc_ppc.h says what each computes).
 *
 * A replicate needs the 2^J cell probabilities p(theta) of a posterior
 * draw and its N: the complete table of N people is Multinomial(N, p)
 * under both models, and the observed table is that table without its
 * all-zero cell, so y_rep is drawn over all 2^J cells and its all-zero
 * cell dropped.  Dropping it matters: conditioning the replicate on n
 * instead would hide a misfit of the observed total.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "core/vc_estimate.h"
#include "models/dga_impl.h"
#include "models/lcm_impl.h"
#include "models/ppc_impl.h"

/* ---------------------------------------------------------------------
 * The accumulator
 * ------------------------------------------------------------------- */

int vci_ppc_acc_init(vci_ppc_acc *a, const vc_table *t, vc_error *err)
{
    memset(a, 0, sizeof *a);
    if (t->J < 1 || t->J > VC_PPC_MAX_LISTS) {
        return vc_error_set(err, VC_EINVAL, "a posterior predictive check "
                            "covers 1 to %d lists, not %zu",
                            VC_PPC_MAX_LISTS, t->J);
    }
    a->J = t->J;
    a->ncell = (size_t)1 << t->J;
    a->obs = calloc(a->ncell, sizeof *a->obs);
    a->p = calloc(a->ncell, sizeof *a->p);
    a->sum_E = calloc(a->ncell, sizeof *a->sum_E);
    a->sum_rep = calloc(a->ncell, sizeof *a->sum_rep);
    a->sum_d = calloc(a->ncell, sizeof *a->sum_d);
    if (a->obs == NULL || a->p == NULL || a->sum_E == NULL
        || a->sum_rep == NULL || a->sum_d == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate a posterior "
                            "predictive check");
    }
    for (size_t i = 0; i < t->npat; i++) {
        a->obs[t->pattern[i]] = (double)t->count[i];
    }
    return VC_OK;
}

void vci_ppc_acc_free(vci_ppc_acc *a)
{
    free(a->obs);
    free(a->p);
    free(a->sum_E);
    free(a->sum_rep);
    free(a->sum_d);
    memset(a, 0, sizeof *a);
}

void vci_ppc_acc_draw(vci_ppc_acc *a, double N, const gsl_rng *r)
{
    if (!(N >= 0.0 && N <= 4294967295.0)) {
        a->skipped++; /* gsl_ran_binomial takes 32-bit trials */
        return;
    }
    /* y_rep ~ Multinomial(N, p) as a chain of binomials, cell by cell
     * in increasing pattern order; the rest of the probability is
     * recomputed from the cells left, so rounding never drifts */
    unsigned left = (unsigned)N;
    double rest = 0.0;
    for (size_t x = 0; x < a->ncell; x++) {
        rest += a->p[x];
    }
    double tobs = 0.0, trep = 0.0;
    for (size_t x = 0; x < a->ncell; x++) {
        unsigned y = 0;
        if (x + 1 == a->ncell) {
            y = left;
        } else if (left > 0 && rest > 0.0) {
            double q = a->p[x] / rest;
            q = q < 0.0 ? 0.0 : q > 1.0 ? 1.0 : q;
            y = gsl_ran_binomial(r, q, left);
        }
        left -= y;
        rest -= a->p[x];
        if (x == 0) {
            continue; /* the unseen: not part of the observed table */
        }
        double E = N * a->p[x];
        double se = sqrt(E);
        double dobs = sqrt(a->obs[x]) - se;
        double drep = sqrt((double)y) - se;
        tobs += dobs * dobs;
        trep += drep * drep;
        a->sum_E[x] += E;
        a->sum_rep[x] += (double)y;
        a->sum_d[x] += dobs * dobs;
    }
    a->draws++;
    a->exceed += trep >= tobs;
    a->sum_tobs += tobs;
    a->sum_trep += trep;
}

void vci_ppc_acc_add(vci_ppc_acc *a, const vci_ppc_acc *b)
{
    for (size_t x = 0; x < a->ncell; x++) {
        a->sum_E[x] += b->sum_E[x];
        a->sum_rep[x] += b->sum_rep[x];
        a->sum_d[x] += b->sum_d[x];
    }
    a->draws += b->draws;
    a->exceed += b->exceed;
    a->skipped += b->skipped;
    a->sum_tobs += b->sum_tobs;
    a->sum_trep += b->sum_trep;
}

static void ppc_undefined(vc_ppc *out)
{
    memset(out, 0, sizeof *out);
    out->statistic = "freeman-tukey";
    out->ppp = NAN;
    out->observed_mean = NAN;
    out->replicated_mean = NAN;
}

void vci_ppc_acc_finish(const vci_ppc_acc *a, vc_ppc *out)
{
    ppc_undefined(out);
    if (a->draws == 0) {
        return;
    }
    double S = (double)a->draws;
    out->defined = 1;
    out->draws = a->draws;
    out->ppp = (double)a->exceed / S;
    out->observed_mean = a->sum_tobs / S;
    out->replicated_mean = a->sum_trep / S;
    /* the largest mean contributions, ties to the lower pattern */
    for (size_t x = 1; x < a->ncell; x++) {
        double d = a->sum_d[x] / S;
        size_t k = out->nworst;
        while (k > 0 && out->worst[k - 1].discrepancy < d) {
            k--;
        }
        if (k >= VC_PPC_WORST) {
            continue;
        }
        size_t last = out->nworst < VC_PPC_WORST ? out->nworst
                                                 : VC_PPC_WORST - 1;
        memmove(&out->worst[k + 1], &out->worst[k],
                (last - k) * sizeof out->worst[0]);
        out->worst[k].pattern = (uint32_t)x;
        out->worst[k].observed = a->obs[x];
        out->worst[k].expected = a->sum_E[x] / S;
        out->worst[k].replicated = a->sum_rep[x] / S;
        out->worst[k].discrepancy = d;
        if (out->nworst < VC_PPC_WORST) {
            out->nworst++;
        }
    }
}

/* ---------------------------------------------------------------------
 * The latent-class model
 * ------------------------------------------------------------------- */

void vci_ppc_lcm_cells(const vc_lcm_state *s, double *p)
{
    size_t J = s->J, ncell = (size_t)1 << J;
    for (size_t x = 0; x < ncell; x++) {
        p[x] = 0.0;
    }
    double q[1u << VC_PPC_MAX_LISTS];
    for (size_t k = 0; k < s->K; k++) {
        /* the class's pattern probabilities, built list by list: after
         * list j, q[x] for the x < 2^(j+1) */
        q[0] = exp(s->log_pi[k]);
        for (size_t j = 0; j < J; j++) {
            double l1 = exp(s->log_lambda[j * s->K + k]);
            double l0 = exp(s->log_1m_lambda[j * s->K + k]);
            size_t half = (size_t)1 << j;
            for (size_t x = 0; x < half; x++) {
                q[x | half] = q[x] * l1;
                q[x] *= l0;
            }
        }
        for (size_t x = 0; x < ncell; x++) {
            p[x] += q[x];
        }
    }
}

int vc_lcm_chains_ppc(const vc_lcm_chains *c, vc_ppc *out, vc_error *err)
{
    ppc_undefined(out);
    if (c == NULL) {
        return vc_error_set(err, VC_EINVAL, "no chains given");
    }
    if (c->ppc == NULL) {
        return VC_OK; /* more lists than a check covers */
    }
    vci_ppc_acc all;
    int status = vci_ppc_acc_init(&all, c->t, err);
    if (status == VC_OK) {
        /* in chain order: the sums do not depend on the threads */
        for (size_t i = 0; i < c->nchains; i++) {
            vci_ppc_acc_add(&all, &c->ppc[i]);
        }
        vci_ppc_acc_finish(&all, out);
    }
    vci_ppc_acc_free(&all);
    return status;
}

/* ---------------------------------------------------------------------
 * Graph averaging
 * ------------------------------------------------------------------- */

/* A Beta(a, b) draw as X / (X + Y) with X, Y Gamma; when both underflow
 * (a and b far below 1, as delta 2^-J makes them for cells no one is
 * in), the draw is 0 or 1 with the Beta's mean as the chance of 1, the
 * limit of the law as its parameters shrink. */
static double beta_draw(const gsl_rng *r, double a, double b)
{
    double x = gsl_ran_gamma(r, a, 1.0);
    double y = gsl_ran_gamma(r, b, 1.0);
    if (x + y > 0.0) {
        return x / (x + y);
    }
    return gsl_rng_uniform(r) < a / (a + b) ? 1.0 : 0.0;
}

/* Scratch of the graph-averaging check. */
typedef struct {
    size_t J, ncell;
    double *m;      /* ncell: the completed table */
    double *marg;   /* ncell: a marginal table, indexed by the cell's
                       bits on the subset */
    double *theta;  /* J * ncell: P(list v_i = 1 | its earlier
                       neighbours' bits) of vertex i in MCS order */
} dga_scratch;

/*
 * Cell probabilities of graph `edges` drawn from their hyper-Dirichlet
 * posterior given the completed table m (Dawid & Lauritzen 1993, sec.
 * 7.2; the prior as in dga.c: Dirichlet weight delta on every cell of the
 * full table): in a maximum-cardinality-search order v_1..v_J, with pa_i
 * the earlier neighbours of v_i (a complete set), the laws of P(x_v_i |
 * x_pa_i) for the configurations of pa_i are independent Betas with
 * weights alpha_S + counts, alpha_S = delta 2^(J - |S|), S = pa_i + v_i,
 * and p(x) = prod_i P(x_v_i | x_pa_i) (Lauritzen 1996, Graphical Models,
 * eq. (3.17)).  Into a->p.
 */
static void dga_cells(const vc_dga_result *res, uint32_t edges,
                      dga_scratch *w, double *p, const gsl_rng *r)
{
    size_t J = w->J, ncell = w->ncell;
    uint32_t adj[32], pa[32];
    size_t order[32];
    vci_dga_adjacency(J, edges, adj);
    vci_dga_mcs(J, adj, order, pa);
    for (size_t i = 0; i < J; i++) {
        uint32_t v = 1u << order[i], s = pa[i] | v;
        memset(w->marg, 0, ncell * sizeof *w->marg);
        for (size_t x = 0; x < ncell; x++) {
            w->marg[x & s] += w->m[x];
        }
        double alpha = res->delta
                       * ldexp(1.0, (int)J - __builtin_popcount(s));
        double *th = w->theta + i * ncell;
        /* each configuration c of pa_i: a submask of pa_i */
        uint32_t c = 0;
        do {
            th[c] = beta_draw(r, alpha + w->marg[c | v], alpha + w->marg[c]);
            c = (c - pa[i]) & pa[i];
        } while (c != 0);
    }
    for (size_t x = 0; x < ncell; x++) {
        double q = 1.0;
        for (size_t i = 0; i < J; i++) {
            double t1 = w->theta[i * ncell + (x & pa[i])];
            q *= (x >> order[i] & 1u) ? t1 : 1.0 - t1;
        }
        p[x] = q;
    }
}

/* The rows of r's grid that hold its posterior but 1e-12 at each end:
 * any graph's own posterior of n0 lies there but for 1e-12 over its
 * posterior weight. */
static void dga_support(const vc_dga_result *r, size_t *lo, size_t *hi)
{
    double acc = 0.0;
    size_t a = 0, b = r->ngrid;
    while (a + 1 < r->ngrid && acc + r->post[a] < 1e-12) {
        acc += r->post[a++];
    }
    acc = 0.0;
    while (b > a + 1 && acc + r->post[b - 1] < 1e-12) {
        acc += r->post[--b];
    }
    *lo = a;
    *hi = b - 1;
}

/* The replicates of the sampler's graph k (edges; cnt of them), appended
 * to acc: n0 from p(n0 | G, y) on the grid (dga.c), then the cells. */
static void dga_graph_replicates(vci_dga_n0 *n0s, size_t k,
                                 const vc_dga_result *res, uint32_t edges,
                                 uint64_t cnt, dga_scratch *w,
                                 vci_ppc_acc *acc, const gsl_rng *r)
{
    double sum = vci_dga_n0_total(n0s, k);
    for (uint64_t s = 0; s < cnt; s++) {
        double u = gsl_rng_uniform(r) * sum;
        size_t a = vci_dga_n0_find(n0s, k, u);
        double n0 = (double)(n0s->g->n0_lo + a);
        memcpy(w->m, acc->obs, w->ncell * sizeof *w->m);
        w->m[0] = n0;
        dga_cells(res, edges, w, acc->p, r);
        vci_ppc_acc_draw(acc, (double)n0s->g->n + n0, r);
    }
}

int vc_dga_ppc(const vc_table *t, const vc_dga_opts *o,
               const vc_dga_result *r, uint64_t seed, uint64_t stratum,
               size_t draws, vc_ppc *out, vc_error *err)
{
    ppc_undefined(out);
    if (t == NULL || r == NULL || r->J != t->J || r->n != t->n) {
        return vc_error_set(err, VC_EINVAL, "the fit does not belong to "
                            "the table");
    }
    if (t->J > VC_PPC_MAX_LISTS || r->nall == 0) {
        return VC_OK;
    }
    vc_dga_opts oo;
    double delta;
    uint64_t glo, ghi;
    int status = vci_dga_setup(t, o, VC_DGA_MAX_LISTS, &oo, &delta, &glo,
                               &ghi, err);
    if (status != VC_OK) {
        return status;
    }
    size_t ilo, ihi;
    dga_support(r, &ilo, &ihi);
    vci_dga_grid g;
    vci_dga_n0 n0s;
    vci_ppc_acc acc;
    dga_scratch w = {t->J, (size_t)1 << t->J, NULL, NULL, NULL};
    uint64_t *cnt = NULL;
    uint32_t *drawn = NULL;
    gsl_rng *rng = NULL;
    memset(&g, 0, sizeof g);
    memset(&n0s, 0, sizeof n0s);
    status = vci_ppc_acc_init(&acc, t, err);
    if (status == VC_OK) {
        status = vci_dga_grid_init(t, &oo, r->delta, r->n0_lo + ilo,
                                   r->n0_lo + ihi, 1, &g, err);
    }
    if (status == VC_OK) {
        w.m = malloc(w.ncell * sizeof *w.m);
        w.marg = malloc(w.ncell * sizeof *w.marg);
        w.theta = malloc(t->J * w.ncell * sizeof *w.theta);
        cnt = calloc(r->nall, sizeof *cnt);
        drawn = malloc(r->nall * sizeof *drawn);
        rng = vc_rng_stream_alloc(seed, stratum, 0, VC_PPC_STREAM, err);
        if (w.m == NULL || w.marg == NULL || w.theta == NULL || cnt == NULL
            || drawn == NULL || rng == NULL) {
            status = vc_error_set(err, VC_ENOMEM, "cannot allocate the "
                                  "posterior predictive check");
        }
    }
    if (status == VC_OK) {
        /* the graphs of the replicates, drawn first, then each graph's
         * replicates together (its posterior of n0 computed once) */
        size_t S = draws ? draws : VC_PPC_DGA_DRAWS;
        double total = 0.0;
        for (size_t k = 0; k < r->nall; k++) {
            total += r->all_post[k];
        }
        for (size_t s = 0; s < S; s++) {
            double u = gsl_rng_uniform(rng) * total, acc_p = 0.0;
            size_t k = 0;
            while (k + 1 < r->nall && acc_p + r->all_post[k] <= u) {
                acc_p += r->all_post[k++];
            }
            cnt[k]++;
        }
        size_t ndrawn = 0;
        for (size_t k = 0; k < r->nall; k++) {
            if (cnt[k] > 0) {
                drawn[ndrawn++] = r->all_edges[k];
            }
        }
        status = vci_dga_n0_init(&n0s, &g, drawn, ndrawn, err);
        for (size_t k = 0, d = 0; k < r->nall && status == VC_OK; k++) {
            if (cnt[k] > 0) {
                dga_graph_replicates(&n0s, d++, r, r->all_edges[k], cnt[k],
                                     &w, &acc, rng);
            }
        }
    }
    if (status == VC_OK) {
        vci_ppc_acc_finish(&acc, out);
    }
    if (rng != NULL) {
        gsl_rng_free(rng);
    }
    vci_dga_n0_free(&n0s);
    free(cnt);
    free(drawn);
    free(w.m);
    free(w.marg);
    free(w.theta);
    vci_dga_grid_free(&g);
    vci_ppc_acc_free(&acc);
    return status;
}

/* ---------------------------------------------------------------------
 * The verdict
 * ------------------------------------------------------------------- */

int vc_check_verdict(int status, unsigned flags, double p, const char *test,
                     char *reason, size_t size)
{
    char buf[256];
    int pass = 0;
    const unsigned unconverged = VC_FLAG_NOT_CONVERGED | VC_FLAG_TAILS
                                 | VC_FLAG_REPLICA;
    if (status == VC_ENOMLE) {
        snprintf(buf, sizeof buf, "no maximum-likelihood estimate exists "
                 "for these data");
    } else if (status != VC_OK) {
        snprintf(buf, sizeof buf, "the method failed: %s",
                 vc_strerror(status));
    } else if (flags & unconverged) {
        snprintf(buf, sizeof buf, "the sampler did not converge: its "
                 "interval cannot be trusted yet");
    } else if (isnan(p)) {
        pass = 1;
        snprintf(buf, sizeof buf, "no goodness-of-fit check for this "
                 "method");
    } else if (p < VC_PPC_P_MIN) {
        snprintf(buf, sizeof buf, "%s p = %.2g < %.2g: the model does not "
                 "reproduce the observed patterns", test ? test : "check",
                 p, VC_PPC_P_MIN);
    } else {
        pass = 1;
        snprintf(buf, sizeof buf, "%s p = %.2g", test ? test : "check", p);
    }
    if (reason != NULL && size > 0) {
        snprintf(reason, size, "%s", buf);
    }
    return pass;
}
