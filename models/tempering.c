/*
 * tempering.c: the ladder of temperatures and the exchanges between
 * replicas of parallel tempering, and the summary's check of the
 * replicas against the cold chains.
 *
 * Parallel tempering (the samplers tempering and tempering-splitmerge,
 * schedule.c; Geyer 1991, "Markov chain Monte Carlo maximum likelihood",
 * Computing Science and Statistics 23:156-163): chain c holds R =
 * o->temperatures replicas at "temperatures" beta_r = beta_min^(r / (R - 1)), r = 0..R-1.  Replica r
 * samples the posterior given the thinned table round(beta_r c_x) (data
 * tempering, models/lcm.c, "Tempering"); replica 0 has the table itself
 * and gives the draws.  Replica r draws from stream (seed, stratum, c, r);
 * the exchanges from stream (seed, stratum, c, VCI_SWAP_BLOCK).  Each step
 * of a chain first proposes exchanges between the pairs (r, r+1) with r
 * even (at even-numbered steps) or odd (at odd ones), accepted with
 * probability min(1, A),
 *   log A = l_r(theta_s) + l_s(theta_r) - l_r(theta_r) - l_s(theta_s),
 * s = r + 1, l_r the log marginal likelihood of theta on replica r's
 * table (vci_lcm_log_marginal), after which (n0, z0) of both replicas is
 * redrawn given their new theta; then it runs one sweep of every
 * replica (chains.c).  Each exchange is a Metropolis move on the product
 * of the replicas' targets, so each replica keeps its own, and replica 0 the
 * posterior; the kept draws are taken after the sweeps, so every recorded
 * state is a complete Gibbs state.  The deterministic even/odd schedule
 * (Okabe et al. 2001; Syed et al. 2022, JRSS B 84:321) moves states along
 * the ladder faster than random pairs.  Everything a chain does stays
 * inside its own replicas and streams.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/impl.h"

/* Adaptations of the tempering ladder during the burn-in
 * (vci_tempering_burn_in, called by chains.c's burn_in), in
 * rounds of doubling length.  On UK, 3 and 5 rounds both leave 15-20%
 * exchanges across the table thinned to ~0.5, where the posterior changes
 * abruptly and no spacing helps (bench/HISTORY.md); elsewhere 5 rounds
 * bring the pairs to 35-70%.  Each round costs one serial pass over the
 * chains. */
#define VCI_LADDER_ROUNDS 5

/* Replica q's table: counts round(beta_q c_x) (replica 0: the table
 * itself).  A table thinned to nobody keeps one person in its largest
 * cell, since the model needs n >= 1. */
void vci_tempering_set_tables(vc_lcm_chains *c)
{
    const size_t npat = c->t->npat;
    for (size_t q = 0; q < c->R; q++) {
        uint64_t *cnt = c->counts + q * npat;
        uint64_t n = 0;
        size_t big = 0;
        for (size_t x = 0; x < npat; x++) {
            cnt[x] = q == 0 ? c->t->count[x]
                            : (uint64_t)floor(c->beta[q]
                                              * (double)c->t->count[x]
                                              + 0.5);
            n += cnt[x];
            big = c->t->count[x] > c->t->count[big] ? x : big;
        }
        if (n == 0) {
            cnt[big] = 1;
        }
    }
}

/* Point workspace w at replica q's table.  With a bound, every replica
 * keeps the same bound on n0 (n_max - n), so the bound's limit stays in
 * range whatever the thinning. */
void vci_tempering_use_table(vc_lcm_chains *c, vc_lcm_workspace *w, size_t q)
{
    const size_t npat = c->t->npat;
    const uint64_t *cnt = c->counts + q * npat;
    uint64_t n = 0;
    for (size_t x = 0; x < npat; x++) {
        n += cnt[x];
    }
    w->count = cnt;
    if (c->o.n_max != 0) {
        w->n_max = c->o.n_max - c->t->n + n;
    }
    w->n = n;
}

void vci_tempering_ladder(vc_lcm_chains *c)
{
    /* the geometric ladder; beta[0] = 1 exactly */
    for (size_t q = 0; q < c->R; q++) {
        c->beta[q] = q == 0 ? 1.0
                            : pow(c->o.beta_min,
                                  (double)q / (double)(c->R - 1));
    }
    vci_tempering_set_tables(c);
}

/* Exchange the states of two replicas (their sweep counters stay). */
static void swap_states(vc_lcm_workspace *a, vc_lcm_workspace *b)
{
    vc_lcm_state sa = a->state;
    uint64_t sweeps_a = a->state.sweeps, bound_a = a->state.bound_sweeps;
    uint64_t sweeps_b = b->state.sweeps, bound_b = b->state.bound_sweeps;
    a->state = b->state;
    b->state = sa;
    a->state.sweeps = sweeps_a;
    a->state.bound_sweeps = bound_a;
    b->state.sweeps = sweeps_b;
    b->state.bound_sweeps = bound_b;
    uint64_t *p = a->nobs_class;
    a->nobs_class = b->nobs_class;
    b->nobs_class = p;
    p = a->seen;
    a->seen = b->seen;
    b->seen = p;
}

/* Exchange counters of pair q of chain i: each chain's counters on
 * cache lines of their own (models/impl.h, vci_lines). */
static size_t swap_at(const vc_lcm_chains *c, size_t i, size_t q)
{
    return i * vci_lines(c->R) + q;
}

/* Restart the exchange counters of every chain. */
void vci_tempering_counts_clear(vc_lcm_chains *c)
{
    size_t len = c->nchains * vci_lines(c->R);
    memset(c->swap_tried, 0, len * sizeof *c->swap_tried);
    memset(c->swap_done, 0, len * sizeof *c->swap_done);
}

int vci_tempering_exchanges(vc_lcm_chains *c, size_t i, uint64_t step,
                            vc_error *err)
{
    const size_t R = c->R, npat = c->t->npat;
    vc_lcm_workspace **w = c->w + i * R;
    double *lp_a = c->log_p + i * vci_lines(2 * npat), *lp_b = lp_a + npat;
    for (size_t q = step % 2; R > 1 && q + 1 < R; q += 2) {
        vc_lcm_workspace *a = w[q], *b = w[q + 1];
        double ls_a = vci_lcm_log_pattern_probs(a, &a->state, lp_a);
        double ls_b = vci_lcm_log_pattern_probs(b, &b->state, lp_b);
        double log_acc = vci_lcm_log_marginal(a, lp_b, ls_b)
                         + vci_lcm_log_marginal(b, lp_a, ls_a)
                         - vci_lcm_log_marginal(a, lp_a, ls_a)
                         - vci_lcm_log_marginal(b, lp_b, ls_b);
        c->swap_tried[swap_at(c, i, q)]++;
        if (log_acc >= 0.0 || vci_ran_uniform(c->rs[i]) < exp(log_acc)) {
            swap_states(a, b);
            c->swap_done[swap_at(c, i, q)]++;
            /* (n0, z0) given the new theta, each on its own table */
            int status = vci_lcm_resample_unobserved(a, c->r[i * R + q]);
            if (status == VC_OK) {
                status = vci_lcm_resample_unobserved(b, c->r[i * R + q + 1]);
            }
            if (status != VC_OK) {
                return vc_error_set(err, status, "exchange of replicas "
                                    "%zu and %zu: n0 not finite", q, q + 1);
            }
        }
    }
    return VC_OK;
}

/* Under tempering, at kept draw d of chain i: each replica's implied N
 * for the full table and its log weight to the cold posterior (the
 * summary's replica test).  No random numbers: the draws are unchanged.
 * Touches only chain i's objects. */
void vci_tempering_record(vc_lcm_chains *c, size_t i, size_t d)
{
    const size_t R = c->R;
    vc_lcm_workspace **w = c->w + i * R;
    double *lp = c->log_p + i * vci_lines(2 * c->t->npat);
    for (size_t q = 0; q < R; q++) {
        double ls = vci_lcm_log_pattern_probs(w[q], &w[q]->state, lp);
        c->rep_E[i * R + q][d] = (double)c->t->n / exp(ls);
        c->rep_lw[i * R + q][d] = q == 0
                                      ? 0.0
                                      : vci_lcm_log_marginal(w[0], lp, ls)
                                            - vci_lcm_log_marginal(w[q], lp,
                                                                   ls);
    }
}

/*
 * Adapt the ladder to the exchange rates seen since the last call
 * (Syed, Bouchard-Cote, Deligiannidis & Doucet 2022, JRSS B 84:321,
 * section 5.3): with r_q the pooled rejection rate of pair (q, q+1),
 * the cumulative barrier Lambda(beta_q) = sum_{p<q} r_p, interpolated
 * linearly in log beta, is split into R - 1 equal parts, which equalises
 * the rejection rates of the next ladder.  The ends (1 and beta_min) stay.
 * A rejection rate is estimated as (rejections + 1/2) / (tries + 1), so
 * a pair that always exchanged still spans a little barrier and no two
 * temperatures merge.  Then every replica's table follows its new
 * temperature and (n0, z0) is redrawn on it, and the counters restart.
 * Serial, in chain order: the result does not depend on the threads.
 */
static int adapt_ladder(vc_lcm_chains *c, vc_error *err)
{
    const size_t R = c->R;
    double lambda[64 + 1], next[64];
    lambda[0] = 0.0;
    for (size_t q = 0; q + 1 < R; q++) {
        uint64_t tried = 0, done = 0;
        for (size_t i = 0; i < c->nchains; i++) {
            tried += c->swap_tried[swap_at(c, i, q)];
            done += c->swap_done[swap_at(c, i, q)];
        }
        lambda[q + 1] = lambda[q]
                        + ((double)(tried - done) + 0.5) / ((double)tried + 1.0);
    }
    next[0] = 1.0;
    next[R - 1] = c->beta[R - 1];
    size_t seg = 0;
    for (size_t q = 1; q + 1 < R; q++) {
        double target = lambda[R - 1] * (double)q / (double)(R - 1);
        while (seg + 2 < R && lambda[seg + 1] < target) {
            seg++;
        }
        double f = (target - lambda[seg]) / (lambda[seg + 1] - lambda[seg]);
        next[q] = exp((1.0 - f) * log(c->beta[seg])
                      + f * log(c->beta[seg + 1]));
    }
    memcpy(c->beta, next, R * sizeof *next);
    vci_tempering_set_tables(c);
    for (size_t i = 0; i < c->nchains * R; i++) {
        vci_tempering_use_table(c, c->w[i], i % R);
        int status = vci_lcm_resample_unobserved(c->w[i], c->r[i]);
        if (status != VC_OK) {
            c->failed = 1;
            return vc_error_set(err, status, "chain %zu: adapting the "
                                "ladder: n0 not finite", i / R);
        }
    }
    vci_tempering_counts_clear(c);
    return VC_OK;
}

int vci_tempering_burn_in(vc_lcm_chains *c, uint64_t *done, vc_error *err)
{
    uint64_t b = c->o.burnin;
    *done = 0;
    if (c->R > 2 && c->o.adapt_ladder) {
        for (int phase = VCI_LADDER_ROUNDS; phase >= 1; phase--) {
            uint64_t until = b >> phase;
            int status = vci_chains_run(c, until - *done, 0, err);
            if (status == VC_OK && until > *done) {
                status = adapt_ladder(c, err);
            }
            if (status != VC_OK) {
                return status;
            }
            *done = until;
        }
    }
    return VC_OK;
}

size_t vc_lcm_chains_ladder(const vc_lcm_chains *c, double *beta,
                            size_t size)
{
    for (size_t q = 0; q < c->R && q < size; q++) {
        beta[q] = c->beta[q];
    }
    return c->R;
}

size_t vc_lcm_chains_swap_rates(const vc_lcm_chains *c, double *rate,
                                size_t size)
{
    size_t pairs = c->R - 1;
    for (size_t q = 0; q < pairs && q < size; q++) {
        uint64_t tried = 0, done = 0;
        for (size_t i = 0; i < c->nchains; i++) {
            tried += c->swap_tried[swap_at(c, i, q)];
            done += c->swap_done[swap_at(c, i, q)];
        }
        rate[q] = tried ? (double)done / (double)tried : 0.0;
    }
    return pairs;
}

/*
 * A region a replica sees and the cold chains do not (issue 21).  Replica
 * r samples the posterior given its thinned table, p_r(theta) ~ prior
 * L_r(theta); reweighting its draws by p_0 / p_r ~ L_0 / L_r = exp(l_0 -
 * l_r) turns them into a (self-normalised) importance sample of the
 * posterior itself (e.g. Robert & Casella 2004, Monte Carlo Statistical
 * Methods, sec. 3.3).  The share of that weight on implied N outside the
 * cold chains' range estimates the posterior mass there, which the cold
 * chains say is about nil; a replica that finds a few per cent there has
 * seen a region the cold chains missed, and the exchanges have not
 * carried it down.  Far replicas have degenerate weights (Kish ESS
 * (sum w)^2 / sum w^2 near 1), which the summary discounts.
 */
int vci_replica_test(const double *E, const double *lw, size_t n,
                      double lo, double hi, double *below, double *above,
                      double *ess, size_t *outside)
{
    double max = -HUGE_VAL;
    for (size_t d = 0; d < n; d++) {
        max = lw[d] > max ? lw[d] : max;
    }
    double sum = 0.0, sum2 = 0.0, b = 0.0, a = 0.0;
    size_t out = 0;
    for (size_t d = 0; d < n && isfinite(max); d++) {
        double wt = exp(lw[d] - max);
        sum += wt;
        sum2 += wt * wt;
        b += E[d] < lo ? wt : 0.0;
        a += E[d] > hi ? wt : 0.0;
        out += E[d] < lo || E[d] > hi;
    }
    *below = sum > 0.0 ? b / sum : 0.0;
    *above = sum > 0.0 ? a / sum : 0.0;
    *ess = sum2 > 0.0 ? sum * sum / sum2 : 0.0;
    *outside = out;
    return *below + *above >= VC_LCM_REPLICA_SHARE_MAX
           && *ess >= VC_LCM_REPLICA_ESS_MIN
           && out >= VC_LCM_REPLICA_DRAWS_MIN;
}

/* The replica test of the summary over every replica r >= 1, the chains
 * pooled (they share the ladder, so the weights' unknown constant Z_0 /
 * Z_r is common); fills s->replica* and s->cold_*.  Returns 1 when a
 * replica holds a region the cold chains miss, 0 when none does, -1 when
 * out of memory (err set). */
int vci_tempering_replicas(const vc_lcm_chains *c, size_t n,
                           vc_lcm_summary *s, vc_error *err)
{
    size_t m = c->nchains, R = c->R;
    s->cold_lo = HUGE_VAL;
    s->cold_hi = -HUGE_VAL;
    for (size_t i = 0; i < m; i++) {
        for (size_t d = 0; d < n; d++) {
            double e = c->rep_E[i * R][d];
            s->cold_lo = e < s->cold_lo ? e : s->cold_lo;
            s->cold_hi = e > s->cold_hi ? e : s->cold_hi;
        }
    }
    double *E = malloc(m * n * sizeof *E), *lw = malloc(m * n * sizeof *lw);
    if (E == NULL || lw == NULL) {
        free(E);
        free(lw);
        vc_error_set(err, VC_ENOMEM, "cannot summarise %zu draws", m * n);
        return -1;
    }
    int seen = 0;
    double worst = -1.0;
    for (size_t q = 1; q < R; q++) {
        for (size_t i = 0; i < m; i++) {
            memcpy(E + i * n, c->rep_E[i * R + q], n * sizeof *E);
            memcpy(lw + i * n, c->rep_lw[i * R + q], n * sizeof *lw);
        }
        double below, above, ess;
        size_t out;
        int flag = vci_replica_test(E, lw, m * n, s->cold_lo, s->cold_hi,
                                    &below, &above, &ess, &out);
        if (ess < VC_LCM_REPLICA_ESS_MIN || below + above <= worst) {
            continue;
        }
        worst = below + above;
        s->replica = q;
        s->replica_beta = c->beta[q];
        s->replica_below = below;
        s->replica_above = above;
        s->replica_ess = ess;
        s->replica_outside = out;
        seen = flag;
    }
    free(E);
    free(lw);
    return seen;
}

