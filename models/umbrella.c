/*
 * umbrella.c: umbrella sampling on log N for the latent class model
 * (models/lcm.c), the estimate of issue 21 of how much posterior mass a
 * region of N holds, independent of whether a sampler crosses between
 * regions by itself.
 *
 * References
 *   [TV77] G. M. Torrie & J. P. Valleau (1977), "Nonphysical sampling
 *          distributions in Monte Carlo free-energy estimation: umbrella
 *          sampling", J. Comput. Phys. 23:187-199 (a biased target,
 *          draws reweighted by the inverse of the bias).
 *   [WL01] F. Wang & D. P. Landau (2001), "Efficient, multiple-range
 *          random walk algorithm to calculate the density of states",
 *          Phys. Rev. Lett. 86:2050-2053 (the bias fitted on the fly by
 *          lowering the weight of the bin visited, the step shrinking by
 *          stages).
 *   [MV16] D. Manrique-Vallier (2016), Biometrics 72:1246-1254 (the
 *          model; notation of models/lcm.c).
 *
 * The biased target.  With b a function of log N, piecewise constant on
 * `bins` bins of log N (the end bins extended outwards), each chain
 * targets
 *   pi_b(state) ~ p(state | c) exp(b(log N)).
 * b depends on N only, so every step of the sweep that leaves N alone
 * (step (a), (b), (c), (d), the label swaps, the flip) is unchanged, and
 * the two that move N are corrected (models/lcm.c):
 *   (e)  the draw of (n0, z0) from its conditional is an independence
 *        proposal, accepted with probability min(1, exp(b(N') - b(N)));
 *   (a') the move of the unseen adds b(N') - b(N) to its log ratio.
 * The split-merge proposal also moves N and is not used here (it
 * refuses a bias); the chain runs the hybrid sweep's other moves.
 *
 * Estimates.  For any f, E[f(N) | c] = E_b[f(N) e^-b] / E_b[e^-b], so
 * a chain's kept draws N_t with weights w_t = exp(-b(log N_t)) give the
 * self-normalised estimates
 *   P(N < x) = sum_t w_t 1{N_t < x} / sum_t w_t,
 *   q_p = the least N_t with sum_{N_s <= N_t} w_s >= p sum_t w_t.
 * The chains are independent (own streams, own bias, own start), so the
 * mean of their estimates has Monte Carlo error sd / sqrt(chains), with
 * no autocorrelation estimate; a chain that never crossed between two
 * regions shows as an outlier among the chains and in its round trips.
 *
 * Fitting b [WL01].  In stage s = 0 .. stages - 1, after each sweep the
 * bin of the current log N, if within the range, has its bias lowered by
 * 2^-s; the stage ends when the stage's histogram of visits is flat
 * (every bin at least `flat` times the mean; checked every stage_sweeps
 * sweeps), and the whole phase after adapt_max sweeps at most.  A bin the chain has not visited keeps the
 * highest bias, so the chain is pushed towards it; once every bin is
 * visited about equally often, b ~ -log p(log N | c) + const on the
 * range.  b is then fixed (the adaptive phase is not a Markov chain with
 * the right invariant law; only the draws with b fixed are kept).
 *
 * Why on log N: the posterior of N on UK spans 5,000 to 40,000 with a
 * spread proportional to N; bins of equal width in log N have comparable
 * numbers of draws once flattened.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "models/impl.h"
#include "models/vc_umbrella.h"

struct vc_lcm_umbrella {
    size_t chains, bins, bins_a, cells; /* cells = bins * bins_a */
    double lo, width, lo_a, width_a;
    double *bias;        /* chains * cells: fitted (the adaptive part),
                            cell i * bins_a + j for bin i of log N and j
                            of log alpha */
    size_t *ndraws;      /* chains */
    uint64_t **N;        /* chains: kept draws */
    double **alpha;
    double **log_w;
    double (*acc)[2];    /* chains: acceptance of (e), (a') */
    double (*adapt)[2];  /* chains: adaptive sweeps, flat stages */
};

void vc_lcm_umbrella_opts_default(vc_lcm_umbrella_opts *u)
{
    memset(u, 0, sizeof *u);
    u->chains = 8;
    u->bins = 60;
    u->stages = 10;
    u->stage_sweeps = 5000;
    u->adapt_max = 2000000;
    u->flat = 0.3;
    u->alpha_bins = 1;
    u->alpha_lo = 0.01;
    u->alpha_hi = 100.0;
    u->sweeps = 200000;
    u->thin = 10;
}

void vc_lcm_umbrella_free(vc_lcm_umbrella *u)
{
    if (u == NULL) {
        return;
    }
    for (size_t i = 0; i < u->chains; i++) {
        if (u->N != NULL) {
            free(u->N[i]);
        }
        if (u->alpha != NULL) {
            free(u->alpha[i]);
        }
        if (u->log_w != NULL) {
            free(u->log_w[i]);
        }
    }
    free(u->N);
    free(u->alpha);
    free(u->log_w);
    free(u->bias);
    free(u->ndraws);
    free(u->acc);
    free(u->adapt);
    free(u);
}

/* Every bin visited at least `flat` times the mean visits of a bin (the
 * flat-histogram criterion of [WL01], which uses 0.8; the bins at the
 * ends of a range that cuts through the tails fill slowly, hence a lower
 * default). */
static int histogram_flat(const uint64_t *hist, size_t B, double flat)
{
    uint64_t total = 0, least = UINT64_MAX;
    for (size_t k = 0; k < B; k++) {
        total += hist[k];
        least = hist[k] < least ? hist[k] : least;
    }
    return total > 0 && (double)least >= flat * (double)total / (double)B;
}

/* One chain: init, the Wang-Landau stages, then the kept sweeps with the
 * bias fixed.  tilt (bins, or NULL): a fixed log factor on the target by
 * bin, for tests (the chain then samples the posterior times exp(tilt),
 * and the weights undo only the fitted part). */
static int run_chain(vc_lcm_umbrella *u, size_t i, const vc_table *t,
                     const vc_lcm_opts *o, const vc_lcm_umbrella_opts *uo,
                     const double *tilt, vc_error *err)
{
    const size_t B = u->cells;
    double *b = u->bias + i * B;
    double *eff = calloc(B, sizeof *eff); /* tilt + b: the chain's bias */
    uint64_t *hist = calloc(B, sizeof *hist); /* visits in this stage */
    /* the hybrid's sweep without its split-merge proposals, which
     * refuse a bias (schedule.c) */
    vc_lcm_opts ho = *o;
    ho.sampler = VC_LCM_SAMPLER_HYBRID;
    vci_lcm_schedule sched;
    vc_lcm_workspace *w = NULL;
    if (vci_lcm_schedule_of(&ho, 0, &sched, err) == VC_OK) {
        sched.sm_every = 0;
        w = vci_lcm_alloc(t, o, &sched, err);
    }
    gsl_rng *r = vc_rng_stream_alloc(o->seed, o->stratum, (uint32_t)i,
                                     VC_UMBRELLA_STREAM, err);
    int status = VC_OK;
    if (eff == NULL || hist == NULL || w == NULL || r == NULL) {
        status = vc_error_set(err, VC_ENOMEM, "umbrella chain %zu: cannot "
                              "allocate", i);
        goto done;
    }
    status = vc_lcm_init(w, r, err);
    if (status != VC_OK) {
        goto done;
    }
    w->bias = eff;
    w->bias_bins = u->bins;
    w->bias_lo = u->lo;
    w->bias_width = u->width;
    w->bias_bins_a = u->bins_a;
    w->bias_lo_a = u->lo_a;
    w->bias_width_a = u->width_a;
    for (size_t k = 0; k < B; k++) {
        b[k] = uo->bias != NULL ? uo->bias[k] : 0.0;
        eff[k] = b[k] + (tilt != NULL ? tilt[k] : 0.0);
    }
    const double hi = u->lo + u->width * (double)u->bins;
    const double hi_a = u->lo_a + u->width_a * (double)u->bins_a;
    uint64_t spent = 0;
    unsigned s = 0;
    for (; s < uo->stages && spent < uo->adapt_max; s++) {
        double step = ldexp(1.0, -(int)s);
        memset(hist, 0, B * sizeof *hist);
        int flat = 0;
        while (!flat && spent < uo->adapt_max) {
            for (uint64_t sw = 0; sw < uo->stage_sweeps; sw++) {
                status = vci_lcm_sweep(w, r, err);
                if (status != VC_OK) {
                    goto done;
                }
                double x = log((double)w->state.N);
                double y = log(w->state.alpha);
                if ((u->bins < 2 || (x >= u->lo && x < hi))
                    && (u->bins_a < 2 || (y >= u->lo_a && y < hi_a))) {
                    size_t k = vci_lcm_bias_cell(w, (double)w->state.N,
                                                 w->state.alpha);
                    b[k] -= step;
                    eff[k] -= step;
                    hist[k]++;
                }
            }
            spent += uo->stage_sweeps;
            flat = histogram_flat(hist, B, uo->flat);
        }
        if (!flat) {
            break;
        }
    }
    u->adapt[i][0] = (double)spent;
    u->adapt[i][1] = (double)s; /* stages completed with a flat histogram */
    /* b up to a constant: its maximum 0 */
    double top = -HUGE_VAL;
    for (size_t k = 0; k < B; k++) {
        top = b[k] > top ? b[k] : top;
    }
    for (size_t k = 0; k < B; k++) {
        b[k] -= top;
        eff[k] = b[k] + (tilt != NULL ? tilt[k] : 0.0);
    }
    w->bias_tried = w->bias_done = 0;
    w->unseen_tried = w->unseen_done = 0;
    size_t keep = (size_t)(uo->sweeps / uo->thin);
    u->N[i] = malloc((keep ? keep : 1) * sizeof *u->N[i]);
    u->alpha[i] = malloc((keep ? keep : 1) * sizeof *u->alpha[i]);
    u->log_w[i] = malloc((keep ? keep : 1) * sizeof *u->log_w[i]);
    if (u->N[i] == NULL || u->alpha[i] == NULL || u->log_w[i] == NULL) {
        status = vc_error_set(err, VC_ENOMEM, "umbrella chain %zu: cannot "
                              "store %zu draws", i, keep);
        goto done;
    }
    size_t d = 0;
    for (uint64_t sw = 1; sw <= uo->sweeps; sw++) {
        status = vci_lcm_sweep(w, r, err);
        if (status != VC_OK) {
            goto done;
        }
        if (sw % uo->thin == 0 && d < keep) {
            double N = (double)w->state.N;
            u->N[i][d] = w->state.N;
            u->alpha[i][d] = w->state.alpha;
            u->log_w[i][d] = -b[vci_lcm_bias_cell(w, N, w->state.alpha)];
            d++;
        }
    }
    u->ndraws[i] = d;
    u->acc[i][0] = w->bias_tried ? (double)w->bias_done
                                       / (double)w->bias_tried
                                 : 0.0;
    u->acc[i][1] = w->unseen_tried ? (double)w->unseen_done
                                         / (double)w->unseen_tried
                                   : 0.0;
done:
    if (w != NULL) {
        w->bias = NULL;
    }
    if (r != NULL) {
        gsl_rng_free(r);
    }
    vc_lcm_free(w);
    free(eff);
    free(hist);
    return status;
}

vc_lcm_umbrella *vci_lcm_umbrella_run(const vc_table *t, const vc_lcm_opts *o,
                                      const vc_lcm_umbrella_opts *uo,
                                      const double *tilt, vc_error *err)
{
    if (t == NULL || o == NULL || uo == NULL) {
        vc_error_set(err, VC_EINVAL, "umbrella sampling: no table or "
                     "options given");
        return NULL;
    }
    if (vc_lcm_opts_check(o, t, err) != VC_OK) {
        return NULL;
    }
    double n_lo = uo->n_lo > 0.0 ? uo->n_lo : (double)t->n;
    double n_hi = uo->n_hi > 0.0 ? uo->n_hi
                  : o->n_max != 0 ? (double)o->n_max + 1.0
                                  : 30.0 * (double)t->n;
    if (uo->chains < 2 || uo->chains > UINT32_MAX || uo->bins < 1
        || uo->bins > 100000 || uo->alpha_bins < 1
        || uo->alpha_bins > 100000 / uo->bins
        || !(uo->alpha_lo > 0.0 && uo->alpha_hi > uo->alpha_lo)
        || !isfinite(uo->alpha_hi) || uo->thin < 1 || uo->stages > 60
        || uo->stage_sweeps < 1 || !(uo->flat >= 0.0 && uo->flat < 1.0)
        || !(n_lo >= 1.0) || !(n_hi > n_lo) || !isfinite(n_hi)) {
        vc_error_set(err, VC_EINVAL, "umbrella sampling: %zu chains, %zu "
                     "x %zu bins, thin %llu, %u stages, N from %g to %g, "
                     "alpha from %g to %g: expected >= 2 chains, 1 to "
                     "100000 cells, thin >= 1, at most 60 stages, 1 <= N "
                     "low < N high, 0 < alpha low < alpha high",
                     uo->chains, uo->bins, uo->alpha_bins,
                     (unsigned long long)uo->thin, uo->stages, n_lo, n_hi,
                     uo->alpha_lo, uo->alpha_hi);
        return NULL;
    }
    if (uo->sweeps / uo->thin < 1) {
        vc_error_set(err, VC_EINVAL, "umbrella sampling: %llu sweeps "
                     "thinned by %llu keep no draw",
                     (unsigned long long)uo->sweeps,
                     (unsigned long long)uo->thin);
        return NULL;
    }
    for (size_t k = 0; uo->bias != NULL && k < uo->bins * uo->alpha_bins;
         k++) {
        if (!isfinite(uo->bias[k])) {
            vc_error_set(err, VC_EINVAL, "umbrella sampling: bias of cell "
                         "%zu is %g: expected finite", k, uo->bias[k]);
            return NULL;
        }
    }
    vc_lcm_umbrella *u = calloc(1, sizeof *u);
    if (u == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate umbrella sampling");
        return NULL;
    }
    const size_t m = uo->chains;
    u->chains = m;
    u->bins = uo->bins;
    u->lo = log(n_lo);
    u->width = (log(n_hi) - log(n_lo)) / (double)uo->bins;
    u->bins_a = uo->alpha_bins;
    u->lo_a = log(uo->alpha_lo);
    u->width_a = (log(uo->alpha_hi) - log(uo->alpha_lo))
                 / (double)uo->alpha_bins;
    u->cells = uo->bins * uo->alpha_bins;
    u->bias = calloc(m * u->cells, sizeof *u->bias);
    u->ndraws = calloc(m, sizeof *u->ndraws);
    u->N = calloc(m, sizeof *u->N);
    u->alpha = calloc(m, sizeof *u->alpha);
    u->log_w = calloc(m, sizeof *u->log_w);
    u->acc = calloc(m, sizeof *u->acc);
    u->adapt = calloc(m, sizeof *u->adapt);
    int *status = calloc(m, sizeof *status);
    vc_error *errs = calloc(m, sizeof *errs);
    if (u->bias == NULL || u->ndraws == NULL || u->N == NULL
        || u->alpha == NULL || u->log_w == NULL || u->acc == NULL
        || u->adapt == NULL
        || status == NULL || errs == NULL) {
        free(status);
        free(errs);
        vc_lcm_umbrella_free(u);
        vc_error_set(err, VC_ENOMEM, "cannot allocate umbrella sampling");
        return NULL;
    }
    int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t i = 0; i < m; i++) {
        status[i] = run_chain(u, i, t, o, uo, tilt, &errs[i]);
    }
    for (size_t i = 0; i < m; i++) {
        if (status[i] != VC_OK) {
            if (err != NULL) {
                *err = errs[i];
            }
            free(status);
            free(errs);
            vc_lcm_umbrella_free(u);
            return NULL;
        }
    }
    free(status);
    free(errs);
    return u;
}

vc_lcm_umbrella *vc_lcm_umbrella_run(const vc_table *t, const vc_lcm_opts *o,
                                     const vc_lcm_umbrella_opts *uo,
                                     vc_error *err)
{
    return vci_lcm_umbrella_run(t, o, uo, NULL, err);
}

size_t vc_lcm_umbrella_chains(const vc_lcm_umbrella *u)
{
    return u->chains;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..m-1] (v is reordered). */
static double median_of(double *v, size_t m)
{
    qsort(v, m, sizeof *v, cmp_double);
    return m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

/* The median of the chains' values and its standard error, 1.2533 (the
 * median's efficiency against the mean under normality) times the
 * chains' sd estimated as 1.4826 MAD, over sqrt(m).  The median, not
 * the mean: on UK one chain of eight sat for its whole kept run in a
 * low-N region after the adaptive phase (no round trip) and its
 * estimates were off by 100 times their spread among the others
 * (bench/RESULTS.md); one such chain moves the mean, not the median. */
static void median_se(const double *v, size_t m, double *est, double *se)
{
    double *a = malloc(m * sizeof *a);
    if (a == NULL) {
        *est = *se = NAN;
        return;
    }
    memcpy(a, v, m * sizeof *a);
    double med = median_of(a, m);
    for (size_t i = 0; i < m; i++) {
        a[i] = fabs(v[i] - med);
    }
    double mad = median_of(a, m);
    free(a);
    *est = med;
    *se = 1.2533 * 1.4826 * mad / sqrt((double)m);
}

/* The largest log weight of chain i (the weights are exponentiated
 * relative to it). */
static double max_log_w(const vc_lcm_umbrella *u, size_t i)
{
    double top = -HUGE_VAL;
    for (size_t d = 0; d < u->ndraws[i]; d++) {
        top = u->log_w[i][d] > top ? u->log_w[i][d] : top;
    }
    return top;
}

void vc_lcm_umbrella_share(const vc_lcm_umbrella *u, double x, double *est,
                           double *se, double *per_chain)
{
    double *v = per_chain != NULL ? per_chain
                                  : calloc(u->chains, sizeof *v);
    if (v == NULL) {
        *est = *se = NAN;
        return;
    }
    for (size_t i = 0; i < u->chains; i++) {
        double top = max_log_w(u, i), num = 0.0, den = 0.0;
        for (size_t d = 0; d < u->ndraws[i]; d++) {
            double wt = exp(u->log_w[i][d] - top);
            den += wt;
            num += (double)u->N[i][d] < x ? wt : 0.0;
        }
        v[i] = num / den;
    }
    median_se(v, u->chains, est, se);
    if (v != per_chain) {
        free(v);
    }
}

typedef struct {
    uint64_t N;
    double w;
} weighted;

static int cmp_weighted(const void *a, const void *b)
{
    uint64_t x = ((const weighted *)a)->N, y = ((const weighted *)b)->N;
    return (x > y) - (x < y);
}

void vc_lcm_umbrella_quantile(const vc_lcm_umbrella *u, double p,
                              double *est, double *se, double *per_chain)
{
    size_t most = 0;
    for (size_t i = 0; i < u->chains; i++) {
        most = u->ndraws[i] > most ? u->ndraws[i] : most;
    }
    double *v = per_chain != NULL ? per_chain
                                  : calloc(u->chains, sizeof *v);
    weighted *s = malloc((most ? most : 1) * sizeof *s);
    if (v == NULL || s == NULL) {
        if (v != per_chain) {
            free(v);
        }
        free(s);
        *est = *se = NAN;
        return;
    }
    for (size_t i = 0; i < u->chains; i++) {
        double top = max_log_w(u, i), total = 0.0;
        for (size_t d = 0; d < u->ndraws[i]; d++) {
            s[d].N = u->N[i][d];
            s[d].w = exp(u->log_w[i][d] - top);
            total += s[d].w;
        }
        qsort(s, u->ndraws[i], sizeof *s, cmp_weighted);
        double acc = 0.0;
        size_t d = 0;
        for (; d + 1 < u->ndraws[i]; d++) {
            acc += s[d].w;
            if (acc >= p * total) {
                break;
            }
        }
        v[i] = (double)s[d].N;
    }
    median_se(v, u->chains, est, se);
    if (v != per_chain) {
        free(v);
    }
    free(s);
}

uint64_t vc_lcm_umbrella_trips(const vc_lcm_umbrella *u, size_t chain,
                               double lo, double hi)
{
    int side = 0; /* -1 last seen below lo, +1 at or above hi */
    uint64_t crossings = 0;
    for (size_t d = 0; d < u->ndraws[chain]; d++) {
        double N = (double)u->N[chain][d];
        if (N < lo && side != -1) {
            crossings += side == 1;
            side = -1;
        } else if (N >= hi && side != 1) {
            crossings += side == -1;
            side = 1;
        }
    }
    return crossings / 2;
}

size_t vc_lcm_umbrella_draws(const vc_lcm_umbrella *u, size_t chain,
                             const uint64_t **N, const double **alpha,
                             const double **log_w)
{
    *N = u->N[chain];
    *alpha = u->alpha[chain];
    *log_w = u->log_w[chain];
    return u->ndraws[chain];
}

const double *vc_lcm_umbrella_bias(const vc_lcm_umbrella *u, size_t chain,
                                   size_t *bins, double *lo, double *width,
                                   size_t *bins_a, double *lo_a,
                                   double *width_a)
{
    *bins = u->bins;
    *lo = u->lo;
    *width = u->width;
    *bins_a = u->bins_a;
    *lo_a = u->lo_a;
    *width_a = u->width_a;
    return u->bias + chain * u->cells;
}

void vc_lcm_umbrella_adaptation(const vc_lcm_umbrella *u, size_t chain,
                                uint64_t *sweeps, unsigned *stages)
{
    *sweeps = (uint64_t)u->adapt[chain][0];
    *stages = (unsigned)u->adapt[chain][1];
}

void vc_lcm_umbrella_acceptance(const vc_lcm_umbrella *u, size_t chain,
                                double out[2])
{
    out[0] = u->acc[chain][0];
    out[1] = u->acc[chain][1];
}
