/*
 * method_lcm.c: the latent-class MCMC method of estimate and batch (its
 * entry in methods.c): run the chains until asked or until converged,
 * then describe the typed summary in JSON, text, figures and draws.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "models/vc_models.h"
#include "report/vc_report.h"

/* ---------------------------------------------------------------------
 * Latent-class MCMC
 * ------------------------------------------------------------------- */

static void lcm_progress(const vc_table *t, uint64_t done, uint64_t total,
                         size_t chains, double elapsed, double rhat)
{
    double rate = elapsed > 0.0 ? (double)(done * chains) / elapsed : 0.0;
    double eta = (done > 0 && total > done)
                     ? elapsed * (double)(total - done) / (double)done : 0.0;
    fprintf(stderr, "\r\033[Klcm%s%s: %llu/%llu sweeps per chain, "
            "%.0f sweeps/s, ETA %.0f s", t->label ? " " : "",
            t->label ? t->label : "", (unsigned long long)done,
            (unsigned long long)total, rate, eta);
    if (rhat > 0.0) {
        fprintf(stderr, ", R-hat %.3f", rhat);
    }
    fflush(stderr);
}

/* The draws of N per chain for the report's posterior and trace plots,
 * every k-th draw so that a chain keeps at most CLI_FIGURE_DRAWS. */
static json_t *lcm_figures(const vc_lcm_chains *c)
{
    json_t *fig = json_object();
    json_t *chains = json_array();
    size_t step = 1;
    for (size_t ch = 0; ch < vc_lcm_chains_count(c); ch++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(c, ch);
        size_t k = (tr->ndraws + CLI_FIGURE_DRAWS - 1) / CLI_FIGURE_DRAWS;
        step = k > step ? k : step;
    }
    for (size_t ch = 0; ch < vc_lcm_chains_count(c); ch++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(c, ch);
        json_t *a = json_array();
        for (size_t i = 0; i < tr->ndraws; i += step) {
            json_array_append_new(a, json_integer((json_int_t)tr->N[i]));
        }
        json_array_append_new(chains, a);
    }
    cli_json_set_str(fig, "kind", "draws");
    cli_json_set_int(fig, "every", step);
    json_object_set_new(fig, "chains", chains);
    return fig;
}

/* One run of the latent-class model on one table: its typed summary,
 * which the method's jobs below describe. */
typedef struct {
    const vc_table *t;
    vc_lcm_opts lo;
    vc_lcm_chains *c;
    vc_lcm_summary s;
    vc_ppc ppc;            /* the posterior predictive check */
    cli_prior_row prior[CLI_PRIOR_ROWS]; /* --prior-sensitivity */
    size_t nprior;
    double seconds;
} lcm_run;

/* --prior-sensitivity: the truncation K* and the prior on alpha (K 0:
 * the run's own K*).  The default alpha ~ Gamma(0.25, 0.25) is LCMCR's
 * (mean 1, sd 2); Gamma(1, 1) (mean 1, sd 1) keeps alpha away from its
 * extremes, Gamma(2, 0.5) (mean 4) favours more occupied classes. */
static const struct {
    size_t K;
    double shape, rate;
} lcm_priors[] = {{5, 0.25, 0.25}, {10, 0.25, 0.25}, {20, 0.25, 0.25},
                  {0, 1.0, 1.0}, {0, 2.0, 0.5}};

/* Each prior of lcm_priors: a fresh run of the same length (--iterations
 * after --burnin, never extended: --until-converged applies to the main
 * run only) with the same seed and stratum, or the main run itself when
 * the prior is its own; then the main run's draws bounded at 21 n. */
static void lcm_prior_sensitivity(lcm_run *r, const cli_options *o)
{
    vc_lcm_opts lo = r->lo;
    size_t n = 0;
    for (size_t v = 0; v < sizeof lcm_priors / sizeof *lcm_priors; v++) {
        cli_prior_row *row = &r->prior[n++];
        lo.K = lcm_priors[v].K ? lcm_priors[v].K : r->lo.K;
        lo.alpha_shape = lcm_priors[v].shape;
        lo.alpha_rate = lcm_priors[v].rate;
        snprintf(row->setting, sizeof row->setting,
                 "K* = %zu, alpha ~ Gamma(%g, %g)", lo.K, lo.alpha_shape,
                 lo.alpha_rate);
        vc_estimate e;
        if (lo.K == r->lo.K && lo.alpha_shape == r->lo.alpha_shape
            && lo.alpha_rate == r->lo.alpha_rate) {
            vc_lcm_summary_estimate(&r->s, &e);
            row->converged = r->s.converged;
        } else {
            vc_error err;
            vc_error_clear(&err);
            vc_lcm_summary s;
            vc_lcm_chains *c = vc_lcm_chains_alloc(r->t, &lo, &err);
            row->status = c ? VC_OK : err.code;
            if (row->status == VC_OK) {
                row->status = vc_lcm_chains_round(c, o->lcm.iterations,
                                                  &err);
            }
            if (row->status == VC_OK) {
                row->status = vc_lcm_chains_summary(c, &s, &err);
            }
            vc_lcm_chains_free(c);
            if (row->status != VC_OK) {
                continue;
            }
            vc_lcm_summary_estimate(&s, &e);
            row->converged = s.converged;
        }
        row->estimate = e.estimate;
        row->lower = e.lower;
        row->upper = e.upper;
    }
    cli_prior_row *row = &r->prior[n++];
    double bound = VC_LCMCR_BOUND_FACTOR * (double)r->t->n;
    char bs[48];
    vc_format_count(bound, bs, sizeof bs);
    snprintf(row->setting, sizeof row->setting, "N <= 21 n = %s (LCMCR's "
             "bound)", bs);
    row->bound = 1;
    row->converged = r->s.converged;
    row->status = vc_lcm_chains_bounded(r->c, bound, o->level,
                                        &row->estimate, &row->lower,
                                        &row->upper, NULL, NULL);
    r->nprior = n;
}

/* The library's options from the command line's. */
static void lcm_options(const vc_table *t, const cli_options *o,
                        vc_lcm_opts *lo)
{
    vc_lcm_opts_default(lo);
    lo->K = o->lcm.classes;
    lo->sampler = o->lcm.sampler;
    lo->temperatures = o->lcm.temperatures;
    lo->beta_min = o->lcm.beta_min;
    lo->adapt_ladder = !o->lcm.fixed_ladder;
    lo->chains = o->lcm.chains;
    lo->burnin = o->lcm.burnin;
    lo->iterations = o->lcm.iterations;
    lo->thin = o->lcm.thin;
    lo->seed = o->seed;
    lo->stratum = vc_hash_string(t->label);
    lo->threads = o->threads;
    lo->level = o->level;
}

/* Run r's chains the asked number of sweeps, and with --until-converged
 * again by the same length until they converge or reach the cap; the
 * summary goes to r->s.  On a terminal, a progress line after each
 * round. */
static int lcm_until_converged(lcm_run *r, const cli_options *o,
                               vc_error *err)
{
    int show = !o->quiet && isatty(STDERR_FILENO);
    uint64_t max_total = o->lcm.max_iterations ? o->lcm.max_iterations
                                               : 10 * o->lcm.iterations;
    uint64_t target = o->lcm.iterations;
    /* With progress shown, rounds of a tenth of the run (at least one
     * thin step); without, one round: each round ends at a barrier that
     * waits for the slowest chain, and on a 16-core machine whose cores
     * ran at unequal speeds ten barriers cost 20% of the wall time.
     * Rounds never change the draws. */
    uint64_t round = !show                       ? UINT64_MAX
                     : target / 10 > o->lcm.thin ? target / 10
                                                 : o->lcm.thin;
    double t0 = cli_seconds();
    double rhat = 0.0;
    int status = VC_OK;
    while (status == VC_OK) {
        uint64_t done = vc_lcm_chains_sweeps(r->c);
        if (done >= target) {
            status = vc_lcm_chains_summary(r->c, &r->s, err);
            if (status != VC_OK || r->s.converged || !o->lcm.until_converged
                || done >= max_total) {
                break;
            }
            /* not converged yet: extend by the same length again */
            target = done + o->lcm.iterations < max_total
                         ? done + o->lcm.iterations : max_total;
            rhat = r->s.N.rhat;
            continue;
        }
        uint64_t step = target - done < round ? target - done : round;
        status = vc_lcm_chains_round(r->c, step, err);
        if (show && status == VC_OK) {
            /* the current R-hat of N; none (0) until it is defined */
            if (vc_lcm_chains_rhat(r->c, &rhat, NULL) != VC_OK) {
                rhat = 0.0;
            }
            lcm_progress(r->t, vc_lcm_chains_sweeps(r->c), target,
                         o->lcm.chains, cli_seconds() - t0, rhat);
        }
    }
    r->seconds = cli_seconds() - t0;
    if (show) {
        fputs("\r\033[K", stderr);
    }
    return status;
}

static void lcm_clear(void *run)
{
    vc_lcm_chains_free(((lcm_run *)run)->c);
}

static int lcm_fit(void *run, const vc_table *t, const cli_options *o,
                   vc_error *err)
{
    lcm_run *r = run;
    r->t = t;
    lcm_options(t, o, &r->lo);
    int status = vc_lcm_opts_check(&r->lo, t, err);
    if (status == VC_OK) {
        r->c = vc_lcm_chains_alloc(t, &r->lo, err);
        status = r->c ? VC_OK : err->code;
    }
    if (status == VC_OK) {
        status = lcm_until_converged(r, o, err);
    }
    if (status == VC_OK) {
        /* the check's replicates were drawn with the kept draws */
        status = vc_lcm_chains_ppc(r->c, &r->ppc, err);
    }
    if (status == VC_OK && o->prior_sensitivity) {
        lcm_prior_sensitivity(r, o);
    }
    return status;
}

static void lcm_estimate(const void *run, const cli_options *o,
                         vc_estimate *e)
{
    const lcm_run *r = run;
    vc_lcm_summary_estimate(&r->s, e);
    e->level = o->level;
    e->interval = "equal-tailed posterior";
}

/* The chains' agreement on the tails (issue 21). */
static json_t *lcm_tails_json(const vc_lcm_summary *s)
{
    static const cli_json_field f[] = {
        {"below_lower_min", offsetof(vc_lcm_summary, low_share_min),
         CLI_JSON_REAL},
        {"below_lower_max", offsetof(vc_lcm_summary, low_share_max),
         CLI_JSON_REAL},
        {"above_upper_min", offsetof(vc_lcm_summary, high_share_min),
         CLI_JSON_REAL},
        {"above_upper_max", offsetof(vc_lcm_summary, high_share_max),
         CLI_JSON_REAL},
        {"p_value", offsetof(vc_lcm_summary, tail_p), CLI_JSON_REAL}};
    json_t *jt = json_object();
    cli_json_set_fields(jt, s, f, sizeof f / sizeof *f);
    cli_json_set_bool(jt, "agree", !(s->flags & VC_FLAG_TAILS));
    return jt;
}

/* Separate modes of the pooled draws of N (issue 21; the latent-class
 * part of issue 17's regimes). */
static json_t *lcm_modes_json(const vc_lcm_summary *s)
{
    json_t *jm = json_array();
    for (size_t k = 0; k < s->modes; k++) {
        json_t *one = json_object();
        cli_json_set_real(one, "peak", s->mode_centre[k]);
        cli_json_set_real(one, "lower", s->mode_lo[k]);
        cli_json_set_real(one, "upper", s->mode_hi[k]);
        cli_json_set_real(one, "weight", s->mode_weight[k]);
        json_array_append_new(jm, one);
    }
    return jm;
}

/* Tempering: the ladder as run (adapted during the burn-in), the
 * exchange rates of its pairs after the burn-in, and the replica whose
 * draws, reweighted to the posterior, put the most weight on N outside
 * the cold chains' range (issue 21). */
static void lcm_ladder_json(const lcm_run *r, json_t *d)
{
    double beta[64], rate[64];
    size_t nb = vc_lcm_chains_ladder(r->c, beta, 64);
    size_t nr = vc_lcm_chains_swap_rates(r->c, rate, 64);
    json_t *jb = json_array(), *jr = json_array();
    for (size_t q = 0; q < nb && q < 64; q++) {
        json_array_append_new(jb, json_real(beta[q]));
    }
    for (size_t q = 0; q < nr && q < 64; q++) {
        json_array_append_new(jr, json_real(rate[q]));
    }
    json_object_set_new(d, "ladder", jb);
    json_object_set_new(d, "exchange_rates", jr);
    static const cli_json_field f[] = {
        {"replica", offsetof(vc_lcm_summary, replica), CLI_JSON_SIZE},
        {"beta", offsetof(vc_lcm_summary, replica_beta), CLI_JSON_REAL},
        {"cold_lower", offsetof(vc_lcm_summary, cold_lo), CLI_JSON_REAL},
        {"cold_upper", offsetof(vc_lcm_summary, cold_hi), CLI_JSON_REAL},
        {"share_below", offsetof(vc_lcm_summary, replica_below),
         CLI_JSON_REAL},
        {"share_above", offsetof(vc_lcm_summary, replica_above),
         CLI_JSON_REAL},
        {"ess", offsetof(vc_lcm_summary, replica_ess), CLI_JSON_REAL},
        {"draws_outside", offsetof(vc_lcm_summary, replica_outside),
         CLI_JSON_SIZE}};
    json_t *jq = json_object();
    cli_json_set_fields(jq, &r->s, f, sizeof f / sizeof *f);
    cli_json_set_bool(jq, "agree", !(r->s.flags & VC_FLAG_REPLICA));
    json_object_set_new(d, "replicas", jq);
}

/* The moves' counters, burn-in included: the full-table replica's label
 * swaps and split-merge proposals, and the hybrid's moves. */
static void lcm_counts_json(const lcm_run *r, json_t *d)
{
#define SM(key, field) {key, offsetof(vc_lcm_splitmerge_counts, field), \
                        CLI_JSON_U64}
    static const cli_json_field sm[] = {
        SM("splits_proposed", splits_proposed),
        SM("splits_accepted", splits_accepted),
        SM("merges_proposed", merges_proposed),
        SM("merges_accepted", merges_accepted),
        SM("splits_no_empty_class", splits_no_empty_class),
        SM("label_swaps_proposed", label_swaps_proposed),
        SM("label_swaps_accepted", label_swaps_accepted)};
#undef SM
    static const cli_json_field hm[][2] = {
        {{"proposed", offsetof(vc_lcm_hybrid_counts, unseen_moves_proposed),
          CLI_JSON_U64},
         {"accepted", offsetof(vc_lcm_hybrid_counts, unseen_moves_accepted),
          CLI_JSON_U64}},
        {{"proposed", offsetof(vc_lcm_hybrid_counts, flips_proposed),
          CLI_JSON_U64},
         {"accepted", offsetof(vc_lcm_hybrid_counts, flips_accepted),
          CLI_JSON_U64}}};
    static const char *const hm_keys[] = {"unseen_moves", "flips"};
    vc_lcm_splitmerge_counts smc;
    if (vc_lcm_chains_splitmerge_counts(r->c, 0, &smc)) {
        json_t *js = json_object();
        cli_json_set_fields(js, &smc, sm, sizeof sm / sizeof *sm);
        json_object_set_new(d, "splitmerge", js);
    }
    vc_lcm_hybrid_counts hc;
    if (vc_lcm_chains_hybrid_counts(r->c, &hc)) {
        for (size_t q = 0; q < 2; q++) {
            json_t *ju = json_object();
            cli_json_set_fields(ju, &hc, hm[q], 2);
            json_object_set_new(d, hm_keys[q], ju);
        }
    }
}

static json_t *lcm_diagnostics_json(const lcm_run *r, const cli_options *o)
{
    const vc_lcm_summary *s = &r->s;
    json_t *d = json_object();
    cli_json_set_real_if(d, "rhat", s->N.rhat, s->N.diag_defined);
    cli_json_set_real_if(d, "ess_bulk", s->N.ess_bulk, s->N.diag_defined);
    cli_json_set_real_if(d, "ess_tail", s->N.ess_tail, s->N.diag_defined);
    cli_json_set_real(d, "mcse_median", s->N.mcse_median);
    /* MCSE of the interval's ends (V21 sec. 4.4), as of the median */
    cli_json_set_real(d, "mcse_lower", s->N.mcse_lower);
    cli_json_set_real(d, "mcse_upper", s->N.mcse_upper);
    cli_json_set_int(d, "chains", s->chains);
    cli_json_set_int(d, "sweeps", s->sweeps);
    cli_json_set_int(d, "burnin", s->burnin);
    cli_json_set_int(d, "thin", s->thin);
    cli_json_set_int(d, "draws", s->draws);
    if (!o->no_timing) {
        json_object_set_new(d, "seconds", json_real(r->seconds));
    }
    cli_json_set_bool(d, "converged", s->converged);
    json_object_set_new(d, "tails", lcm_tails_json(s));
    if (s->modes > 1) {
        json_object_set_new(d, "modes", lcm_modes_json(s));
    }
    cli_json_set_int(d, "seed", s->seed);
    cli_json_set_str(d, "rng", s->rng);
    cli_json_set_str(d, "sampler", s->sampler);
    cli_json_set_int(d, "temperatures", s->temperatures);
    if (s->temperatures > 1) {
        lcm_ladder_json(r, d);
    }
    lcm_counts_json(r, d);
    cli_json_set_int(d, "classes", s->K);
    return d;
}

static json_t *lcm_json(const void *run, const cli_options *o)
{
    const lcm_run *r = run;
    json_t *x = json_object();
    cli_json_set_real(x, "mean", r->s.N.mean);
    cli_json_set_real(x, "sd", r->s.N.sd);
    cli_json_set_real(x, "hpd_lower", r->s.N.hpd_lower);
    cli_json_set_real(x, "hpd_upper", r->s.N.hpd_upper);
    json_object_set_new(x, "diagnostics", lcm_diagnostics_json(r, o));
    json_object_set_new(x, "checks",
                        cli_ppc_json(&r->ppc, r->t, VC_OK, r->s.flags));
    if (r->nprior > 0) {
        vc_estimate e;
        lcm_estimate(r, o, &e);
        cli_prior_json(x, r->prior, r->nprior, &e);
    }
    return x;
}

/* The separate modes of the draws of N, as one detail line. */
static void lcm_modes_text(const vc_lcm_summary *s, cli_result *res)
{
    char line[512];
    int len = snprintf(line, sizeof line, "the draws of N have %zu "
                       "separate modes:", s->modes);
    for (size_t k = 0; k < s->modes && len > 0
                       && (size_t)len < sizeof line; k++) {
        char pk[48], a[48], b[48];
        vc_format_count(s->mode_centre[k], pk, sizeof pk);
        vc_format_count(s->mode_lo[k], a, sizeof a);
        vc_format_count(s->mode_hi[k], b, sizeof b);
        len += snprintf(line + len, sizeof line - (size_t)len,
                        "%s near %s (%s\xE2\x80\x93%s, %.1f%% of the "
                        "draws)", k ? ";" : "", pk, a, b,
                        100.0 * s->mode_weight[k]);
    }
    cli_add_detail(res, "%s", line);
}

static void lcm_text(const void *run, const cli_options *o,
                     cli_result *res)
{
    const lcm_run *r = run;
    const vc_lcm_summary *s = &r->s;
    char mean[48], lo_s[48], hi_s[48];
    vc_format_count(s->N.mean, mean, sizeof mean);
    vc_format_count(s->N.hpd_lower, lo_s, sizeof lo_s);
    vc_format_count(s->N.hpd_upper, hi_s, sizeof hi_s);
    char took[48] = "";
    if (!o->no_timing) {
        snprintf(took, sizeof took, " in %.1f s", r->seconds);
    }
    cli_add_detail(res, "posterior mean %s, sd %.1f, HPD %s\xE2\x80\x93%s; "
                   "R-hat %.4f, bulk ESS %.0f, tail ESS %.0f; %zu chains x "
                   "%llu sweeps (burn-in %llu, thin %llu, K* = %zu, seed "
                   "%llu)%s", mean, s->N.sd, lo_s, hi_s, s->N.rhat,
                   s->N.ess_bulk, s->N.ess_tail, s->chains,
                   (unsigned long long)s->sweeps,
                   (unsigned long long)s->burnin, (unsigned long long)s->thin,
                   s->K, (unsigned long long)s->seed, took);
    cli_ppc_text(&r->ppc, r->t, VC_OK, s->flags, res);
    if (s->flags & VC_FLAG_TAILS) {
        cli_add_detail(res, "NOT CONVERGED: the chains disagree on the "
                       "tails: %.2f%%-%.2f%% of a chain's draws below the "
                       "lower end, %.2f%%-%.2f%% above the upper end "
                       "(chi-square p = %.2g): a region of N some chains "
                       "visit and others do not",
                       100.0 * s->low_share_min, 100.0 * s->low_share_max,
                       100.0 * s->high_share_min, 100.0 * s->high_share_max,
                       s->tail_p);
    }
    if (s->modes > 1) {
        lcm_modes_text(s, res);
    }
    if (s->flags & VC_FLAG_REPLICA) {
        char lo_c[48], hi_c[48];
        vc_format_count(s->cold_lo, lo_c, sizeof lo_c);
        vc_format_count(s->cold_hi, hi_c, sizeof hi_c);
        cli_add_detail(res, "NOT CONVERGED: replica %zu of the tempering "
                       "ladder (beta %.3g) sees N the cold chains never "
                       "visit: reweighted to the posterior, %.1f%% of its "
                       "draws imply N below %s and %.1f%% above %s (%zu "
                       "draws, weights' ESS %.0f)",
                       s->replica, s->replica_beta, 100.0 * s->replica_below,
                       lo_c, 100.0 * s->replica_above, hi_c,
                       s->replica_outside, s->replica_ess);
    }
    if (r->nprior > 0) {
        vc_estimate e;
        lcm_estimate(r, o, &e);
        cli_prior_text(r->prior, r->nprior, &e, res);
    }
    if (!s->converged) {
        int gibbs = strcmp(s->sampler, "gibbs") == 0;
        cli_add_detail(res, "NOT CONVERGED: R-hat must be below %.2f and "
                       "bulk ESS at least %.0f; run longer (--iterations, "
                       "--until-converged)%s", r->lo.rhat_max, r->lo.ess_min,
                       gibbs ? ", or use the default --sampler hybrid, "
                           "whose moves of the unseen, label swaps and "
                           "split-merge proposals let chains leave "
                           "modes where Gibbs chains stall"
                         : "");
    }
}

static json_t *lcm_run_figures(const void *run)
{
    return lcm_figures(((const lcm_run *)run)->c);
}

/* --draws: every kept draw of every chain as a CSV row. */
static void lcm_draws(const void *run, FILE *draws)
{
    const lcm_run *r = run;
    for (size_t ch = 0; ch < vc_lcm_chains_count(r->c); ch++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(r->c, ch);
        for (size_t i = 0; i < tr->ndraws; i++) {
            fprintf(draws, "%s,%zu,%zu,%llu,%.10g,%u\n",
                    r->t->label ? r->t->label : "", ch + 1, i + 1,
                    (unsigned long long)tr->N[i], tr->alpha[i],
                    (unsigned)tr->occupied[i]);
        }
    }
}

const cli_model_jobs cli_lcm_jobs = {sizeof(lcm_run), lcm_fit,
                                     lcm_estimate, lcm_json, lcm_text,
                                     lcm_run_figures, lcm_draws, lcm_clear};

void cli_lcm_settings(const cli_options *o, FILE *f)
{
    const cli_opts_lcm *lc = &o->lcm;
    fprintf(f, "classes %zu\nchains %zu\niterations %llu\nburnin %llu\n"
            "thin %llu\nmax_iterations %llu\nuntil_converged %d\n",
            lc->classes, lc->chains, (unsigned long long)lc->iterations,
            (unsigned long long)lc->burnin, (unsigned long long)lc->thin,
            (unsigned long long)lc->max_iterations, lc->until_converged);
    fprintf(f, "sampler %d\ntemperatures %zu\nbeta_min %.17g\n"
            "fixed_ladder %d\n", lc->sampler, lc->temperatures,
            lc->beta_min, lc->fixed_ladder);
    if (o->prior_sensitivity) { /* absent otherwise: older keys hold */
        fputs("prior_sensitivity 1\n", f);
    }
}
