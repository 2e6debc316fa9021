/*
 * method_dga.c: the graph-averaging method of estimate and batch (its
 * entry in methods.c): every decomposable graph up to 5 lists, MCMC over
 * graphs beyond or when asked; the typed summary in JSON, text and
 * figures.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "models/vc_dga.h"
#include "report/vc_report.h"

/* ---------------------------------------------------------------------
 * Graph averaging
 * ------------------------------------------------------------------- */

/* The posterior of N on the grid for the report, trimmed to where it
 * holds all but 1e-6 of its mass at each end, in at most
 * CLI_FIGURE_DRAWS bins of equal width. */
static json_t *dga_figures(const vc_dga_result *r)
{
    size_t lo = 0, hi = r->ngrid;
    double acc = 0.0;
    while (lo + 1 < r->ngrid && acc + r->post[lo] < 1e-6) {
        acc += r->post[lo++];
    }
    acc = 0.0;
    while (hi > lo + 1 && acc + r->post[hi - 1] < 1e-6) {
        acc += r->post[--hi];
    }
    size_t width = (hi - lo + CLI_FIGURE_DRAWS - 1) / CLI_FIGURE_DRAWS;
    json_t *fig = json_object();
    json_t *mass = json_array();
    for (size_t i = lo; i < hi; i += width) {
        double m = 0.0;
        for (size_t k = i; k < i + width && k < hi; k++) {
            m += r->post[k];
        }
        json_array_append_new(mass, json_real(m));
    }
    cli_json_set_str(fig, "kind", "grid");
    cli_json_set_int(fig, "first", r->n + r->n0_lo + lo);
    cli_json_set_int(fig, "width", width);
    json_object_set_new(fig, "mass", mass);
    return fig;
}

/* The most probable graphs shown in text and JSON. */
#define DGA_SHOWN 5

/* One run of graph averaging on one table: its typed summary. */
typedef struct {
    const vc_table *t;
    vc_dga_mcmc_opts m;
    vc_dga_opts d;         /* the options fitted with (the regimes
                              refit with them) */
    int mcmc;              /* MCMC over graphs rather than all of them */
    uint64_t cap;          /* until converged: the most sweeps a chain */
    vc_dga_result *r;
    vc_ppc ppc;            /* the posterior predictive check */
    cli_prior_row prior[CLI_PRIOR_ROWS]; /* --prior-sensitivity */
    size_t nprior;
    double seconds;
} dga_run;

/* --prior-sensitivity: delta (0: 2^-J, dga's default) and the prior on
 * N (negbin: shape 1 and mean 10 n, a geometric law that falls off like
 * 1/N's at first but has an exponential tail beyond 10 n; vc_dga.h
 * defines the law, Madigan & York 1997, sec. 2, use such priors). */
static const struct {
    double delta;
    int negbin;
    const char *name;
} dga_priors[] = {{0.0, 0, "delta = 2^-J, p(N) ~ 1/N"},
                  {0.5, 0, "delta = 1/2, p(N) ~ 1/N"},
                  {1.0, 0, "delta = 1, p(N) ~ 1/N"},
                  {0.0, 1, "delta = 2^-J, N ~ NegBin(1, mean 10 n)"}};

/* Each prior of dga_priors: a fresh fit (exact, or MCMC of the main
 * run's length, seed and stratum), or the main fit itself when the prior
 * is its own; then the main posterior bounded at 21 n. */
static void dga_prior_sensitivity(dga_run *g, const vc_dga_opts *d,
                                  const cli_options *o)
{
    const vc_table *t = g->t;
    size_t n = 0;
    double def_delta = ldexp(1.0, -(int)t->J);
    for (size_t v = 0; v < sizeof dga_priors / sizeof *dga_priors; v++) {
        cli_prior_row *row = &g->prior[n++];
        snprintf(row->setting, sizeof row->setting, "%s", dga_priors[v].name);
        vc_dga_opts dv = *d;
        dv.delta = dga_priors[v].delta;
        dv.prior = dga_priors[v].negbin ? VC_DGA_PRIOR_NEGBIN
                                        : VC_DGA_PRIOR_INV_N;
        dv.nb_a = 1.0;
        dv.nb_b = 10.0 * (double)t->n;
        double want = dv.delta > 0.0 ? dv.delta : def_delta;
        const vc_dga_result *r = NULL;
        vc_dga_result *own = NULL;
        if (want == g->r->delta && dv.prior == d->prior
            && (d->prior == VC_DGA_PRIOR_INV_N
                || (d->nb_a == dv.nb_a && d->nb_b == dv.nb_b))) {
            r = g->r;
        } else {
            vc_error err;
            vc_error_clear(&err);
            own = g->mcmc ? vc_dga_mcmc_fit(t, &dv, &g->m, &err)
                          : vc_dga_fit(t, &dv, &err);
            row->status = own ? VC_OK : err.code;
            r = own;
        }
        if (r != NULL) {
            vc_estimate e;
            vc_dga_estimate(r, o->level, &e);
            row->estimate = e.estimate;
            row->lower = e.lower;
            row->upper = e.upper;
            row->converged = g->mcmc ? r->mc.converged : -1;
        }
        vc_dga_result_free(own);
    }
    cli_prior_row *row = &g->prior[n++];
    double bound = VC_LCMCR_BOUND_FACTOR * (double)t->n;
    char bs[48];
    vc_format_count(bound, bs, sizeof bs);
    snprintf(row->setting, sizeof row->setting, "N <= 21 n = %s (LCMCR's "
             "bound)", bs);
    row->bound = 1;
    row->converged = g->mcmc ? g->r->mc.converged : -1;
    row->status = vc_dga_bounded(g->r, bound, o->level, &row->estimate,
                                 &row->lower, &row->upper, NULL, NULL);
    g->nprior = n;
}

static void dga_clear(void *run)
{
    vc_dga_result_free(((dga_run *)run)->r);
}

static int dga_fit(void *run, const vc_table *t, const cli_options *o,
                   vc_error *err)
{
    dga_run *g = run;
    g->t = t;
    vc_dga_opts d;
    memset(&d, 0, sizeof d);
    d.delta = o->dga.delta;
    d.n0_lo = o->dga.n0_lo;
    d.n0_hi = o->dga.n0_hi;
    d.prior = o->dga.prior_negbin ? VC_DGA_PRIOR_NEGBIN : VC_DGA_PRIOR_INV_N;
    d.nb_a = o->dga.nb_a;
    d.nb_b = o->dga.nb_b;
    /* the text and JSON show the 5 most probable graphs; the synthesis's
     * regimes look at more */
    d.top = cli_synthesis_wanted(o) ? VC_DGA_REGIME_GRAPHS : DGA_SHOWN;
    g->d = d;
    /* Every graph is enumerated up to 5 lists; beyond, or when asked,
     * MCMC over graphs with the lcm method's run options. */
    g->mcmc = o->dga.mcmc || t->J > VC_DGA_MAX_EXACT_LISTS;
    vc_dga_mcmc_opts_default(&g->m);
    g->m.chains = o->lcm.chains;
    g->m.burnin = o->lcm.burnin;
    g->m.iterations = o->lcm.iterations;
    g->m.thin = o->lcm.thin;
    g->m.seed = o->seed;
    g->m.stratum = vc_hash_string(t->label);
    g->m.threads = o->threads;
    double t0 = cli_seconds();
    g->r = g->mcmc ? vc_dga_mcmc_fit(t, &d, &g->m, err)
                   : vc_dga_fit(t, &d, err);
    /* Until converged (the default without --iterations, issue 17): run
     * again twice as long while not converged, up to the cap that lcm
     * takes (--max-iterations, or 10 of its rounds).  A fresh run rather
     * than more rounds of the same chains, because vc_dga_mcmc_fit also
     * widens the grid of n0 as it needs; each run is a pure function of
     * its length and seed, so the result does not depend on the runs
     * before it. */
    uint64_t cap = o->lcm.max_iterations ? o->lcm.max_iterations
                                         : 10 * o->lcm.iterations;
    while (g->mcmc && g->r != NULL && o->lcm.until_converged
           && !g->r->mc.converged && g->m.iterations < cap) {
        g->m.iterations = 2 * g->m.iterations < cap ? 2 * g->m.iterations
                                                    : cap;
        vc_dga_result_free(g->r);
        g->r = vc_dga_mcmc_fit(t, &d, &g->m, err);
    }
    g->cap = cap;
    g->seconds = cli_seconds() - t0;
    if (g->r == NULL) {
        return err->code;
    }
    /* the check draws from its own stream: the fit is unchanged */
    int status = vc_dga_ppc(t, &d, g->r, o->seed, g->m.stratum, 0, &g->ppc,
                            err);
    if (status == VC_OK && o->prior_sensitivity) {
        dga_prior_sensitivity(g, &d, o);
    }
    return status;
}

static void dga_estimate(const void *run, const cli_options *o,
                         vc_estimate *e)
{
    vc_dga_estimate(((const dga_run *)run)->r, o->level, e);
}

/* MCMC over graphs: convergence of E(N | graph) and of the number of
 * edges, and the run's counts. */
static json_t *dga_diagnostics_json(const dga_run *g, const cli_options *o)
{
    const vc_dga_mcmc_info *mc = &g->r->mc;
    json_t *dg = json_object();
    cli_json_set_real_if(dg, "rhat", mc->rhat_N, mc->diag_defined);
    cli_json_set_real_if(dg, "ess_bulk", mc->ess_N, mc->diag_defined);
    cli_json_set_real_if(dg, "rhat_edges", mc->rhat_edges, mc->diag_defined);
    cli_json_set_real_if(dg, "ess_bulk_edges", mc->ess_edges,
                         mc->diag_defined);
    static const cli_json_field f[] = {
        {"chains", offsetof(vc_dga_mcmc_info, chains), CLI_JSON_SIZE},
        {"sweeps", offsetof(vc_dga_mcmc_info, sweeps), CLI_JSON_U64},
        {"burnin", offsetof(vc_dga_mcmc_info, burnin), CLI_JSON_U64},
        {"thin", offsetof(vc_dga_mcmc_info, thin), CLI_JSON_U64},
        {"draws", offsetof(vc_dga_mcmc_info, draws), CLI_JSON_SIZE},
        {"acceptance", offsetof(vc_dga_mcmc_info, acceptance), CLI_JSON_REAL},
        {"graphs_visited", offsetof(vc_dga_mcmc_info, visited),
         CLI_JSON_SIZE},
        {"graphs_evaluated", offsetof(vc_dga_mcmc_info, evaluated),
         CLI_JSON_SIZE}};
    cli_json_set_fields(dg, mc, f, sizeof f / sizeof *f);
    json_object_set_new(dg, "seconds", json_real(g->seconds));
    cli_json_set_bool(dg, "converged", mc->converged);
    if (o->lcm.until_converged) {
        json_t *u = json_object();
        cli_json_set_int(u, "first", o->lcm.iterations);
        cli_json_set_int(u, "max_sweeps", g->cap);
        json_object_set_new(dg, "until_converged", u);
    }
    cli_json_set_int(dg, "seed", mc->seed);
    cli_json_set_str(dg, "rng", mc->rng);
    return dg;
}

static json_t *dga_json(const void *run, const cli_options *o)
{
    const dga_run *g = run;
    const vc_dga_result *r = g->r;
    const vc_table *t = g->t;
    json_t *x = json_object();
    cli_json_set_real(x, "mean", r->mean);
    cli_json_set_real(x, "sd", r->sd);
    cli_json_set_real(x, "mode", r->mode);
    cli_json_set_real(x, "delta", r->delta);
    json_object_set_new(x, "n0_grid",
                        cli_json_pair(json_integer((json_int_t)r->n0_lo),
                                      json_integer((json_int_t)(
                                          r->n0_lo + r->ngrid - 1))));
    cli_json_set_str(x, "search", g->mcmc ? "mcmc" : "exact");
    cli_json_set_int(x, "graphs_averaged", r->ngraphs);
    if (g->mcmc) {
        json_object_set_new(x, "diagnostics", dga_diagnostics_json(g, o));
    }
    json_t *graphs = json_array();
    for (size_t k = 0; k < r->ntop && k < DGA_SHOWN; k++) {
        json_t *gr = json_object();
        cli_json_set_str(gr, "cliques", r->top[k].cliques);
        cli_json_set_real(gr, "posterior", r->top[k].posterior);
        cli_json_set_real(gr, "mean", r->top[k].mean_N);
        if (g->mcmc) {
            cli_json_set_real(gr, "renormalised", r->top[k].renormalised);
        }
        json_array_append_new(graphs, gr);
    }
    json_object_set_new(x, "graphs", graphs);
    json_t *edges = json_object();
    for (size_t a = 0; a < t->J; a++) {
        for (size_t b = a + 1; b < t->J; b++) {
            char key[512];
            snprintf(key, sizeof key, "%s-%s", t->names[a], t->names[b]);
            cli_json_set_real(edges, key, r->edge_post[a * t->J + b]);
        }
    }
    json_object_set_new(x, "edge_posterior", edges);
    if (r->flags & VC_FLAG_UPPER_OPEN) {
        json_object_set_new(x, "grid_tail_mass", json_real(r->tail_mass));
    }
    json_object_set_new(x, "checks",
                        cli_ppc_json(&g->ppc, t, VC_OK, r->flags));
    if (g->nprior > 0) {
        vc_estimate e;
        vc_dga_estimate(r, o->level, &e);
        cli_prior_json(x, g->prior, g->nprior, &e);
    }
    return x;
}

static void dga_text(const void *run, const cli_options *o, cli_result *res)
{
    const dga_run *g = run;
    const vc_dga_result *r = g->r;
    char mean[48];
    vc_format_count(r->mean, mean, sizeof mean);
    cli_add_detail(res, "posterior mean %s, sd %.1f, mode %.0f; %zu "
                   "decomposable graphs%s, delta %g, n0 grid %llu:%llu", mean,
                   r->sd, r->mode, r->ngraphs, g->mcmc ? " visited" : "",
                   r->delta, (unsigned long long)r->n0_lo,
                   (unsigned long long)(r->n0_lo + r->ngrid - 1));
    if (g->mcmc) {
        const vc_dga_mcmc_info *mc = &r->mc;
        cli_add_detail(res, "MCMC over graphs: R-hat %.4f, bulk ESS %.0f of "
                       "E(N | graph); R-hat %.4f, bulk ESS %.0f of the "
                       "number of edges; %zu chains x %llu sweeps (burn-in "
                       "%llu, thin %llu, seed %llu), acceptance %.3f, %zu "
                       "graphs evaluated, in %.1f s", mc->rhat_N, mc->ess_N,
                       mc->rhat_edges, mc->ess_edges, mc->chains,
                       (unsigned long long)mc->sweeps,
                       (unsigned long long)mc->burnin,
                       (unsigned long long)mc->thin,
                       (unsigned long long)mc->seed, mc->acceptance,
                       mc->evaluated, g->seconds);
        if (o->lcm.until_converged) {
            cli_add_detail(res, "run again twice as long until converged, "
                           "at most %llu sweeps a chain (fixed length: "
                           "--iterations)", (unsigned long long)g->cap);
        }
        if (!mc->converged) {
            cli_add_detail(res, "NOT CONVERGED: R-hat must be below %.2f and "
                           "bulk ESS at least %.0f; run longer (--iterations)",
                           g->m.rhat_max, g->m.ess_min);
        }
    }
    cli_ppc_text(&g->ppc, g->t, VC_OK, r->flags, res);
    cli_add_detail(res, "most probable graphs (lists in a bracket may depend "
                   "on each other):");
    for (size_t k = 0; k < r->ntop && k < DGA_SHOWN; k++) {
        char gm[48];
        vc_format_count(r->top[k].mean_N, gm, sizeof gm);
        cli_add_detail(res, "  %.4f  %-40s mean N %s", r->top[k].posterior,
                       r->top[k].cliques, gm);
    }
    if (g->nprior > 0) {
        vc_estimate e;
        vc_dga_estimate(r, o->level, &e);
        cli_prior_text(g->prior, g->nprior, &e, res);
    }
    if (r->flags & VC_FLAG_UPPER_OPEN) {
        cli_add_detail(res, "WARNING: %.2g of the posterior lies in the "
                       "top 5%% of the n0 grid: the upper end is not pinned "
                       "down; widen --n0-grid or treat the upper figures as "
                       "lower bounds",
                       r->tail_mass);
    }
}

static json_t *dga_run_figures(const void *run)
{
    return dga_figures(((const dga_run *)run)->r);
}

/* The graph's structure in words (vc_synth_structure_words). */
static void dga_words(const vc_table *t, uint32_t edges, char *buf,
                      size_t size)
{
    uint32_t nbr[VC_DGA_MAX_LISTS] = {0};
    for (size_t a = 0; a < t->J; a++) {
        for (size_t b = 0; b < t->J; b++) {
            if (a != b && (edges >> vc_dga_edge_index(a, b) & 1u)) {
                nbr[a] |= UINT32_C(1) << b;
            }
        }
    }
    vc_synth_structure_words(t->J, (const char *const *)t->names, nbr, buf,
                             size);
}

/* The synthesis's input: the regimes of the graph posterior
 * (vc_dga_regimes), each named by its most probable graph in words. */
static json_t *dga_synth(const void *run, const cli_options *o)
{
    const dga_run *g = run;
    json_t *x = json_object();
    vc_dga_regime reg[VC_SYNTH_MAX_REGIMES];
    size_t n = 0;
    vc_error err;
    vc_error_clear(&err);
    char words[VC_SYNTH_WORDS];
    if (g->r->ntop > 0) {
        dga_words(g->t, g->r->top[0].edges, words, sizeof words);
        cli_json_set_str(x, "structure", words);
    }
    if (vc_dga_regimes(g->t, &g->d, g->r, o->level, reg,
                       VC_SYNTH_MAX_REGIMES, &n, &err) != VC_OK) {
        /* the method's own interval stands as its one regime */
        if (err.code == VC_ENOMEM) {
            cli_oom_note();
        }
        return x;
    }
    json_t *regimes = json_array();
    for (size_t k = 0; k < n; k++) {
        dga_words(g->t, reg[k].edges, words, sizeof words);
        cli_synth_regime_add(regimes, reg[k].estimate, reg[k].lower,
                             reg[k].upper, reg[k].weight, words);
    }
    json_object_set_new(x, "regimes", regimes);
    return x;
}

const cli_model_jobs cli_dga_jobs = {sizeof(dga_run), dga_fit,
                                     dga_estimate, dga_json, dga_text,
                                     dga_run_figures, dga_synth, NULL,
                                     dga_clear};

void cli_dga_settings(const cli_options *o, FILE *f)
{
    /* the regimes the synthesis takes are part of the result */
    fprintf(f, "synthesis %d\n", cli_synthesis_wanted(o));
    const cli_opts_dga *dg = &o->dga;
    fprintf(f, "delta %.17g\nn0 %llu %llu\nprior %d %.17g %.17g\n",
            dg->delta, (unsigned long long)dg->n0_lo,
            (unsigned long long)dg->n0_hi, dg->prior_negbin, dg->nb_a,
            dg->nb_b);
    fprintf(f, "mcmc %d\n", dg->mcmc);
    if (o->prior_sensitivity) { /* absent otherwise: older keys hold */
        fputs("prior_sensitivity 1\n", f);
    }
    /* MCMC over graphs (asked for, or on more than 5 lists) runs with
     * lcm's run options */
    fprintf(f, "chains %zu\niterations %llu\nburnin %llu\nthin %llu\n",
            o->lcm.chains, (unsigned long long)o->lcm.iterations,
            (unsigned long long)o->lcm.burnin,
            (unsigned long long)o->lcm.thin);
    fprintf(f, "until_converged %d\nmax_iterations %llu\n",
            o->lcm.until_converged,
            (unsigned long long)o->lcm.max_iterations);
}
