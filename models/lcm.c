/*
 * lcm.c: the Bayesian non-parametric latent class model for multiple-
 * systems estimation, and its Gibbs sampler on sufficient statistics.
 *
 * References
 *   [MV16] D. Manrique-Vallier (2016), "Bayesian population size estimation
 *          using Dirichlet process mixtures", Biometrics 72(4):1246-1254:
 *          section 2 (the model), section 3 (priors, truncation, the
 *          sampler; details in its Web Appendix).
 *   [IJ01] H. Ishwaran & L. F. James (2001), "Gibbs sampling methods for
 *          stick-breaking priors", JASA 96:161-173, section 5.2 (the blocked
 *          Gibbs sampler for the truncated stick-breaking prior: the
 *          conditionals of V and alpha below).
 *   [RC04] C. P. Robert & G. Casella (2004), Monte Carlo Statistical
 *          Methods, 2nd ed., p. 45 (small-shape gamma draws, random.c).
 * (Equation numbers of [MV16] are not quoted here because we could not
 * check them against the printed paper; the formulas below are derived in
 * full so that they can be checked on their own.)
 *
 * Legend
 *   J lists, j = 1..J;  K latent classes (the truncation K*), k = 1..K;
 *   x in {0,1}^J a capture pattern (bit j: seen by list j); c_x the number
 *   of observed people with pattern x; n = sum_x c_x observed people;
 *   n0 people no list saw; N = n + n0.
 *   lambda_jk = P(list j catches a member of class k);
 *   pi_k class weights, V_k stick-breaking fractions, alpha concentration;
 *   q_k = prod_j (1 - lambda_jk) = P(missed by every list | class k);
 *   pi0 = sum_k pi_k q_k = P(missed by every list).
 *   Sufficient statistics of a sweep: n_k people in class k (observed and
 *   unobserved), s_jk observed people in class k seen by list j (an
 *   unobserved person is by definition seen by no list).
 *
 * Model [MV16, section 2]
 *   x_i | z_i = k  ~  prod_j Bernoulli(lambda_jk)          i = 1..N
 *   z_i            ~  Discrete(pi_1, ..., pi_K)
 *   pi_k = V_k prod_{l<k} (1 - V_l),  V_k ~ Beta(1, alpha) for k < K,
 *   V_K = 1 (truncated stick-breaking)
 *   lambda_jk ~ Beta(1, 1),  alpha ~ Gamma(a, b) (shape, rate; a = b = 1/4),
 *   p(N) ~ 1/N  on N >= n (optionally N <= n_max).
 *   Only people with x != 0 are observed.  The assumptions: a closed
 *   population; lists independent within a class, so dependence between
 *   lists and heterogeneous catchability are carried by the class mixture.
 *
 * Full conditionals (the Gibbs sweep, in the order vci_lcm_sweep runs
 * them; the samplers' other moves, schedule.c, come between (a) and (b))
 *   (a) Observed allocation.  The people with pattern x are exchangeable,
 *       so only their class counts matter:
 *         (m_x1, ..., m_xK) ~ Multinomial(c_x; w_x1, ..., w_xK),
 *         w_xk ~ pi_k prod_j lambda_jk^x_j (1 - lambda_jk)^(1 - x_j).
 *       log w_xk = [log pi_k + sum_j log(1 - lambda_jk)]
 *                  + sum_{j: x_j = 1} [log lambda_jk - log(1 - lambda_jk)],
 *       normalised by its maximum before exponentiating; or, when every
 *       partial product is a normal double (vci_lcm_sample_observed),
 *       as w_xk = exp(base_k - max_l base_l) prod_{j: x_j = 1}
 *       exp(diff_jk) from J + 1 exps a class a sweep.  Drawn by
 *       conditional binomials, the class of largest w_xk first, then
 *       the others by index (the order is a function of the
 *       conditioning state, so the draw stays exact; multinomial_add),
 *       the last few people by categorical draws.
 *   (a') Hybrid sampler only (schedule.c): Metropolis-Hastings moves
 *       of one class's unseen count with lambda and V integrated out
 *       (vci_lcm_move_unseen, below), after the label swaps and the flip
 *       of splitmerge.c.
 *   (b) lambda_jk ~ Beta(1 + s_jk, 1 + n_k - s_jk), drawn as G1 / (G1 + G2)
 *       with G1, G2 gamma; both shapes are >= 1, so neither draw can
 *       underflow, and log lambda = log(G1 / (G1 + G2)), log(1 -
 *       lambda) = log(G2 / (G1 + G2)) (no subtraction from 1).  When
 *       one shape is 1 (s_jk = 0 or s_jk = n_k, empty classes included)
 *       by inversion from one uniform instead (random.c, Beta(1, b)).
 *   (c) V_k ~ Beta(1 + n_k, alpha + sum_{l>k} n_l) for k < K [IJ01, 5.2],
 *       for an empty class (n_k = 0) by inversion from one uniform on
 *       the log scale (random.c, Beta(1, b)); otherwise log V_k and
 *       log(1 - V_k) as for lambda when both shapes are >= 1, else from
 *       two log-gamma draws, so neither underflows when alpha is small;
 *       log pi_k = log V_k + sum_{l<k} log(1 - V_l).
 *   (d) alpha ~ Gamma(a + K - 1, b - sum_{k<K} log(1 - V_k)) [IJ01, 5.2].
 *   (e) The unobserved.  With the prior 1/N, the complete-data likelihood
 *       N! / (n0! prod_x c_x!) pi0^n0 prod_x P(x)^c_x gives
 *         p(n0 | rest) ~ (N - 1)! / n0! pi0^n0
 *                      ~ C(n + n0 - 1, n0) pi0^n0 (1 - pi0)^n,
 *       i.e. n0 ~ NegBin(n, 1 - pi0), mean n pi0 / (1 - pi0), and given
 *       n0 the unobserved classes are Multinomial(n0; pi_k q_k / pi0).
 *       We draw both at once from the Poisson-gamma form of the negative
 *       binomial and the splitting property of the Poisson:
 *         G ~ Gamma(n, 1) / (1 - pi0),  n0_k ~ Poisson(G pi_k q_k)
 *       independently, n0 = sum_k n0_k.  1 - pi0 is computed as
 *       sum_k pi_k (1 - q_k) with 1 - q_k = -expm1(sum_j log(1 -
 *       lambda_jk)): positive terms, no cancellation even when pi0 is
 *       within 1e-12 of 1.  With a bound n_max, the draw is repeated while
 *       N > n_max (exact: rejection of a truncated target), and after
 *       VCI_BOUND_TRIES rejections n0 is drawn by inversion of the
 *       truncated negative binomial distribution function and split by a
 *       multinomial.
 *
 * Tempering (parallel tempering, models/chains.c; Geyer 1991)
 *   With p(N) ~ 1/N, summing the complete-data posterior over n0 and the
 *   unobserved classes leaves
 *     p(theta | c) ~ p(theta) prod_x [P(x) / (1 - pi0)]^c_x,
 *   P(x) = sum_k pi_k f_k(x), f_k(x) = prod_j lambda_jk^x_j (1 -
 *   lambda_jk)^(1 - x_j): the likelihood of the observed patterns given
 *   that they were observed.  A replica at "temperature" beta targets the
 *   same posterior given a thinned table, counts c^beta_x = round(beta
 *   c_x) (data tempering: approximately the power posterior p(theta)
 *   L(theta)^beta, exactly a posterior of this model, so the Gibbs sweep
 *   above samples it unchanged, on its own table).  Exchanges between two
 *   replicas a, b use the marginal of theta, with allocations and (n0, z0)
 *   summed out:
 *     log A = sum_x (c^a_x - c^b_x) (log P_b(x) - log P_a(x))
 *             - (n^a - n^b) (log(1 - pi0_b) - log(1 - pi0_a))
 *   (P_a: P(x) at replica a's theta), plus, with a bound n0 <= n_max - n,
 *   the log of the truncated negative binomial mass P(NegBin(n^r, 1 -
 *   pi0) <= n_max - n) of each replica r (vci_lcm_log_marginal).  After an
 *   accepted exchange, (n0, z0) of both replicas is redrawn from its
 *   conditional given the new theta, so the move is a Metropolis step on
 *   the marginal of theta followed by a Gibbs step; the class counts of
 *   the observed people are redrawn by the next sweep.
 *   An earlier version tempered the complete-data likelihood of the
 *   observed people, (pi_k f_k(x))^beta.  That family is not close to a
 *   power posterior: for beta near 1, log sum_k (pi_k f_k(x))^beta ~ beta
 *   log P(x) + (1 - beta) H_x, H_x the entropy of the class allocation of
 *   pattern x, and sum_x c_x H_x is of order n (thousands of nats on UK)
 *   and varies strongly with theta (two near-identical classes double
 *   it), so replicas at beta = 1 and 0.95 exchanged 1-2% of the time.
 *   Data tempering has no such term: its energy is the observed-data log
 *   likelihood, whose posterior spread grows with the number of
 *   parameters, not with n (bench/HISTORY.md, "What changed in the
 *   tempering, and why").
 *
 * Umbrella sampling (models/umbrella.c)
 *   With a bias b(log N, log alpha) set on the workspace the target is the
 *   posterior times exp(b): the draws of (e) and (d) from their
 *   conditionals become independence proposals accepted with probability
 *   min(1, exp(b' - b)) (the conditional's density cancels), and the
 *   moves (a') and the flip (splitmerge.c) add b' - b to their log
 *   ratios; steps (a)-(c) and the label swaps leave N and alpha alone.
 *   Without a bias nothing changes, not even the random numbers used.
 *
 * Cost of a sweep: O(npat K J) for (a) plus O(J K) gamma draws; it does
 * not depend on n, and it allocates nothing.
 *
 * Edge cases: a list that saw nobody is allowed (its lambda_jk go to 0);
 * n >= 1 is required (with n = 0 the conditional of n0 is improper).  No
 * cap on N: a draw of N beyond 2^62 is an error (VC_ENUMERIC), never
 * clipped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <omp.h>

#include "core/fastmath.h"
#include "models/lcm_impl.h"
#include "models/mcmc_impl.h"

/* Once at most this many people of a pattern are left to allocate, they
 * are placed person by person (one uniform and a short linear search each)
 * rather than by further conditional binomials; on Kosovo any value from 4
 * to 24 gives the same speed within noise (bench/HISTORY.md, "Branch
 * lcm2").  Changes the random numbers used, never the distribution. */
#define VCI_CATEGORICAL_MAX 4

/* With a bound n_max, redraw n0 at most this many times before switching
 * to inversion of the truncated distribution function (exact either way;
 * rejection is cheaper while the bound rarely binds). */
#define VCI_BOUND_TRIES 64

static double log_add_exp(double a, double b)
{
    double hi = a > b ? a : b;
    double lo = a > b ? b : a;
    return hi + log1p(exp(lo - hi));
}

void vc_lcm_opts_default(vc_lcm_opts *o)
{
    memset(o, 0, sizeof *o);
    o->K = VC_LCM_DEFAULT_K;
    o->alpha_shape = VC_LCM_DEFAULT_ALPHA_SHAPE;
    o->alpha_rate = VC_LCM_DEFAULT_ALPHA_RATE;
    o->n_max = 0;
    o->sampler = VC_LCM_DEFAULT_SAMPLER;
    o->temperatures = VC_LCM_DEFAULT_TEMPERATURES;
    o->beta_min = VC_LCM_DEFAULT_BETA_MIN;
    o->adapt_ladder = 1;
    o->chains = VC_LCM_DEFAULT_CHAINS;
    o->burnin = VC_LCM_DEFAULT_BURNIN;
    o->iterations = VC_LCM_DEFAULT_ITERATIONS;
    o->thin = VC_LCM_DEFAULT_THIN;
    o->seed = VC_LCM_DEFAULT_SEED;
    o->stratum = 0;
    o->threads = 0;
    o->level = VC_LCM_DEFAULT_LEVEL;
    o->rhat_max = VC_LCM_DEFAULT_RHAT_MAX;
    o->ess_min = VC_LCM_DEFAULT_ESS_MIN;
}

int vci_lcm_opts_check(const vc_lcm_opts *o, const vc_table *t,
                       int retired_ok, vc_error *err)
{
    if (o == NULL) {
        return vc_error_set(err, VC_EINVAL, "no LCM options given");
    }
    if (o->K < 1 || o->K > 10000) {
        return vc_error_set(err, VC_EINVAL,
                            "classes K = %zu: expected 1 to 10000", o->K);
    }
    if (!(o->alpha_shape > 0.0) || !isfinite(o->alpha_shape)
        || !(o->alpha_rate > 0.0) || !isfinite(o->alpha_rate)) {
        return vc_error_set(err, VC_EINVAL,
                            "alpha prior Gamma(%g, %g): shape and rate "
                            "must be positive and finite",
                            o->alpha_shape, o->alpha_rate);
    }
    if (o->chains < 1 || o->chains > UINT32_MAX) {
        return vc_error_set(err, VC_EINVAL, "chains = %zu: expected >= 1",
                            o->chains);
    }
    vci_lcm_schedule sched;
    if (vci_lcm_schedule_of(o, retired_ok, &sched, err) != VC_OK) {
        return VC_EINVAL;
    }
    if (o->thin < 1) {
        return vc_error_set(err, VC_EINVAL, "thin = 0: expected >= 1");
    }
    if (o->threads < 0) {
        return vc_error_set(err, VC_EINVAL, "threads = %d: expected >= 0",
                            o->threads);
    }
    if (vc_level_check(o->level, err) != VC_OK) {
        return VC_EINVAL;
    }
    if (!(o->rhat_max > 1.0) || !(o->ess_min >= 0.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "convergence targets R-hat < %g, ESS >= %g: "
                            "expected R-hat > 1 and ESS >= 0",
                            o->rhat_max, o->ess_min);
    }
    if (t != NULL && o->n_max != 0) {
        if (o->n_max <= t->n || o->n_max - t->n > UINT32_MAX) {
            return vc_error_set(err, VC_EINVAL,
                                "bound on N = %llu: expected above n = "
                                "%llu and at most n + 2^32 - 1",
                                (unsigned long long)o->n_max,
                                (unsigned long long)t->n);
        }
    }
    return VC_OK;
}

int vc_lcm_opts_check(const vc_lcm_opts *o, const vc_table *t, vc_error *err)
{
    return vci_lcm_opts_check(o, t, 0, err);
}

void vc_lcm_free(vc_lcm_workspace *w)
{
    if (w == NULL) {
        return;
    }
    vci_sm_free(w->sm);
    free(w->state.log_lambda);
    free(w->state.log_1m_lambda);
    free(w->state.log_pi);
    free(w->state.n0_class);
    free(w->n0_prev);
    free(w->base);
    free(w->diff);
    free(w->ebase);
    free(w->ediff);
    free(w->lin);
    free(w->prob);
    free(w->suffix);
    free(w->nobs_class);
    free(w->seen);
    for (size_t b = 0; b < w->nblocks; b++) {
        if (w->block_r[b] != NULL) {
            gsl_rng_free(w->block_r[b]);
        }
    }
    free(w->block_r);
    free(w->block_prob);
    free(w->block_suffix);
    free(w->block_nobs);
    free(w->block_seen);
    free(w->block_status);
    free(w);
}

vc_lcm_workspace *vc_lcm_alloc(const vc_table *t, const vc_lcm_opts *o,
                               vc_error *err)
{
    vci_lcm_schedule s;
    if (o != NULL && vci_lcm_schedule_of(o, 0, &s, err) != VC_OK) {
        return NULL;
    }
    if (o != NULL && s.replicas > 1) {
        vc_error_set(err, VC_EINVAL, "%s runs %zu replicas a chain, "
                     "exchanging states between them: vc_lcm_chains_alloc "
                     "runs it, one workspace cannot", s.name, s.replicas);
        return NULL;
    }
    return vci_lcm_alloc(t, o, &s, err);
}

int vci_lcm_set_schedule(vc_lcm_workspace *w, const vci_lcm_schedule *s,
                         vc_error *err)
{
    if ((s->label_swaps || s->sm_every != 0) && w->sm == NULL) {
        w->sm = vci_sm_alloc(w, w->n);
        if (w->sm == NULL) {
            return vc_error_set(err, VC_ENOMEM, "cannot allocate "
                                "split-merge scratch");
        }
    }
    w->sched = *s;
    return VC_OK;
}

vc_lcm_workspace *vci_lcm_alloc(const vc_table *t, const vc_lcm_opts *o,
                                const vci_lcm_schedule *s, vc_error *err)
{
    if (t == NULL) {
        vc_error_set(err, VC_EINVAL, "no table given");
        return NULL;
    }
    if (vci_lcm_opts_check(o, t, 1, err) != VC_OK) {
        return NULL;
    }
    if (t->n == 0 || t->npat == 0) {
        vc_error_set(err, VC_EINVAL,
                     "the table has no one observed: the latent class "
                     "model needs n >= 1");
        return NULL;
    }
    for (size_t i = 0; i < t->npat; i++) {
        if (t->count[i] > UINT32_MAX) {
            vc_error_set(err, VC_EINVAL,
                         "pattern %zu has count %llu: counts above 2^32 - 1 "
                         "are not supported",
                         i, (unsigned long long)t->count[i]);
            return NULL;
        }
    }
    vc_lcm_workspace *w = vci_calloc_lines(1, sizeof *w);
    if (w == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate an LCM workspace");
        return NULL;
    }
    size_t J = t->J, K = o->K;
    w->J = J;
    w->K = K;
    w->npat = t->npat;
    w->pattern = t->pattern;
    w->count = t->count;
    w->n = t->n;
    w->alpha_shape = o->alpha_shape;
    w->alpha_rate = o->alpha_rate;
    w->n_max = o->n_max;
    w->state.J = J;
    w->state.K = K;
    w->state.log_lambda = vci_calloc_lines(J * K, sizeof(double));
    w->state.log_1m_lambda = vci_calloc_lines(J * K, sizeof(double));
    w->state.log_pi = vci_calloc_lines(K, sizeof(double));
    w->state.n0_class = vci_calloc_lines(K, sizeof(uint64_t));
    w->n0_prev = vci_calloc_lines(K, sizeof(uint64_t));
    w->base = vci_calloc_lines(K, sizeof(double));
    w->diff = vci_calloc_lines(J * K, sizeof(double));
    w->ebase = vci_calloc_lines(K, sizeof(double));
    w->ediff = vci_calloc_lines(J * K, sizeof(double));
    w->lin = vci_calloc_lines(2 * J * K, sizeof(double));
    w->prob = vci_calloc_lines(K, sizeof(double));
    w->suffix = vci_calloc_lines(K + 1, sizeof(double));
    w->nobs_class = vci_calloc_lines(K, sizeof(uint64_t));
    w->seen = vci_calloc_lines(J * K, sizeof(uint64_t));
    if (w->state.log_lambda == NULL || w->state.log_1m_lambda == NULL
        || w->state.log_pi == NULL || w->state.n0_class == NULL
        || w->n0_prev == NULL
        || w->base == NULL || w->diff == NULL || w->ebase == NULL
        || w->ediff == NULL || w->lin == NULL || w->prob == NULL
        || w->suffix == NULL || w->nobs_class == NULL
        || w->seen == NULL) {
        vc_lcm_free(w);
        vc_error_set(err, VC_ENOMEM, "cannot allocate an LCM workspace");
        return NULL;
    }
    if (vci_lcm_set_schedule(w, s, err) != VC_OK) {
        vc_lcm_free(w);
        return NULL;
    }
    return w;
}

const vc_lcm_state *vc_lcm_state_get(const vc_lcm_workspace *w)
{
    return &w->state;
}

/* Scratch of one allocation pass: the weights, their suffix sums, and
 * the counts it adds to (the workspace's own, or a block's). */
typedef struct {
    double *prob;      /* K */
    double *suffix;    /* K + 1 */
    uint64_t *out;     /* K: people per class */
    uint64_t *seen;    /* J*K: of them, seen by list j (may be unused) */
} alloc_scratch;

/* Count m people into class k (and, for every list j in mask, into
 * seen[j * K + k]). */
static inline void allocate(const vc_lcm_workspace *w, alloc_scratch *a,
                            size_t k, uint64_t m, uint32_t mask)
{
    const size_t K = w->K;
    a->out[k] += m;
    /* the lists in mask, lowest first, one per set bit */
    for (uint32_t b = mask; b != 0; b &= b - 1) {
        a->seen[(size_t)__builtin_ctz(b) * K + k] += m;
    }
}

/* The i-th class multinomial_add visits: `first`, then the others by
 * increasing index. */
static inline size_t visit(size_t i, size_t first)
{
    return i == 0 ? first : i - 1 < first ? i - 1 : i;
}

/*
 * Add a Multinomial(c; prob[0..K-1]) draw to a->out (out[k] += m_k) and,
 * when mask is non-zero, to a->seen[j * K + k] for every list j in mask.
 * a->prob holds unnormalised non-negative weights with a positive sum.
 *
 * Conditional binomials, the classes in the order of visit(., first):
 * m_(i) ~ Binomial(rem, prob_(i) / sum_{l >= i} prob_(l)).  Once at most
 * VCI_CATEGORICAL_MAX people are left, they are placed one by one by
 * categorical draws over the classes not yet visited: given the earlier
 * counts the rest is Multinomial(rem; the remaining weights), so either
 * way of drawing it is exact.  With first the class of largest weight
 * (largest_class), the first binomial takes most of the people; a full
 * sort by weight saved few binomials and cost more than it saved, since
 * the weights of the empty classes change order every sweep (Kosovo,
 * whole runs of the CLI: 7% less CPU time; bench/HISTORY.md, "Version
 * 0.3.0").  The order is a function of the conditioning state, so the
 * draw stays exact.
 */
static void multinomial_add(const gsl_rng *r, uint64_t c,
                            const vc_lcm_workspace *w, alloc_scratch *a,
                            size_t first, uint32_t mask)
{
    const size_t K = w->K;
    const double *prob = a->prob;
    double *suffix = a->suffix;
    suffix[K] = 0.0;
    for (size_t i = K; i-- > 0;) {
        suffix[i] = suffix[i + 1] + prob[visit(i, first)];
    }
    uint64_t rem = c;
    size_t i = 0;
    for (; i < K && rem > VCI_CATEGORICAL_MAX; i++) {
        size_t k = visit(i, first);
        uint64_t m;
        double p = suffix[i] > 0.0 ? prob[k] / suffix[i] : 1.0;
        if (i + 1 == K || suffix[i + 1] <= 0.0 || p >= 1.0) {
            m = rem;
        } else {
            m = vci_ran_binomial(r, p, rem);
        }
        rem -= m;
        if (m > 0) {
            allocate(w, a, k, m, mask);
        }
    }
    /* the last few people, one categorical draw each over classes i.. */
    for (; rem > 0; rem--) {
        double u = vci_ran_uniform(r) * suffix[i];
        size_t l = i;
        double acc = prob[visit(l, first)];
        while (u >= acc && l + 1 < K && suffix[l + 1] > 0.0) {
            l++;
            acc += prob[visit(l, first)];
        }
        allocate(w, a, visit(l, first), 1, mask);
    }
}

/* The class of largest weight, the lowest index among equals. */
static size_t largest_class(size_t K, const double *prob)
{
    size_t best = 0;
    for (size_t k = 1; k < K; k++) {
        best = prob[k] > prob[best] ? k : best;
    }
    return best;
}

/* Step (a) for the observed patterns first .. end - 1, from w->base and
 * w->diff (or, when w->linear, w->ebase and w->ediff), into a's counts. */
static int allocate_patterns(vc_lcm_workspace *w, const gsl_rng *r,
                             size_t first, size_t end, alloc_scratch *a)
{
    const size_t J = w->J, K = w->K;
    double *prob = a->prob;
    for (size_t i = first; i < end; i++) {
        uint32_t x = w->pattern[i];
        if (w->count[i] == 0) {
            continue; /* a tempered replica's empty cell */
        }
        if (w->linear) {
            /* weights as products of the sweep's factors: no exp here */
            memcpy(prob, w->ebase, K * sizeof *prob);
            for (size_t j = 0; j < J; j++) {
                if (x >> j & 1u) {
                    const double *d = w->ediff + j * K;
#pragma omp simd
                    for (size_t k = 0; k < K; k++) {
                        prob[k] *= d[k];
                    }
                }
            }
        } else {
            /* log weights, list by list so the loops over k vectorise */
            memcpy(prob, w->base, K * sizeof *prob);
            for (size_t j = 0; j < J; j++) {
                if (x >> j & 1u) {
                    const double *d = w->diff + j * K;
#pragma omp simd
                    for (size_t k = 0; k < K; k++) {
                        prob[k] += d[k];
                    }
                }
            }
            double max = prob[largest_class(K, prob)];
            if (!isfinite(max)) {
                return VC_ENUMERIC;
            }
            /* vci_exp wants its argument in [-708, 709]; a class
             * exp(-708) times less likely than the best is as good as
             * impossible, and is drawn with weight 2^-1022 (about
             * exp(-708)).  Branch-free, as in dga.c, so that the loop
             * vectorises (a comparison of a computed difference made GCC
             * branch). */
            double cut = max - 708.0;
#pragma omp simd
            for (size_t k = 0; k < K; k++) {
                double keep = (double)(prob[k] > cut);
                prob[k] = vci_exp((prob[k] - max) * keep) * keep
                          + (1.0 - keep) * 0x1p-1022;
            }
        }
        multinomial_add(r, w->count[i], w, a, largest_class(K, prob), x);
    }
    return VC_OK;
}

/* The class weights of step (a) from the current state: base and diff,
 * and on the linear scale ebase and ediff when that is safe (w->linear).
 * Every allocation of the observed people starts here. */
static void prepare_weights(vc_lcm_workspace *w)
{
    const size_t J = w->J, K = w->K;
    const vc_lcm_state *s = &w->state;
    for (size_t k = 0; k < K; k++) {
        double log_q0 = 0.0;
        for (size_t j = 0; j < J; j++) {
            log_q0 += s->log_1m_lambda[j * K + k];
            w->diff[j * K + k] =
                s->log_lambda[j * K + k] - s->log_1m_lambda[j * K + k];
        }
        w->base[k] = s->log_pi[k] + log_q0;
    }
    /* The linear scale, when it is safe: with M = max_k base_k, the
     * weights of pattern x are w_xk = exp(base_k - M) prod_{j: x_j = 1}
     * exp(diff_jk), J + 1 exps a class a sweep instead of one a class a
     * pattern.  Safe when every factor exp(base_k - M) >= e^-600 and
     * D = sum_j max_k |diff_jk| <= 100: then every partial product lies
     * in [e^-700, e^100], a normal double, so each weight is exact to a
     * few roundings (the log scale below clamps classes e^-708 below the
     * best instead).  Otherwise (extreme lambda or tiny pi_k) the sweep
     * uses the log scale.  Either way the weights are the same numbers up
     * to rounding; Kosovo never leaves the linear scale. */
    double M = -HUGE_VAL, lo = HUGE_VAL, D = 0.0;
    for (size_t k = 0; k < K; k++) {
        M = w->base[k] > M ? w->base[k] : M;
        lo = w->base[k] < lo ? w->base[k] : lo;
    }
    for (size_t j = 0; j < J; j++) {
        double dmax = 0.0;
        for (size_t k = 0; k < K; k++) {
            double d = fabs(w->diff[j * K + k]);
            dmax = d > dmax ? d : dmax;
        }
        D += dmax;
    }
    w->linear = isfinite(M) && lo - M >= -600.0 && D <= 100.0;
    if (w->linear) {
#pragma omp simd
        for (size_t k = 0; k < K; k++) {
            w->ebase[k] = vci_exp(w->base[k] - M);
        }
#pragma omp simd
        for (size_t jk = 0; jk < J * K; jk++) {
            w->ediff[jk] = vci_exp(w->diff[jk]);
        }
    }
}

/* Step (a): class counts of the observed people, pattern by pattern; in
 * fixed blocks of patterns with their own streams when the workspace has
 * them (vci_lcm_use_blocks). */
int vci_lcm_sample_observed(vc_lcm_workspace *w, const gsl_rng *r)
{
    const size_t J = w->J, K = w->K;
    prepare_weights(w);
    memset(w->nobs_class, 0, K * sizeof *w->nobs_class);
    memset(w->seen, 0, J * K * sizeof *w->seen);
    if (w->nblocks == 0) {
        alloc_scratch a = {w->prob, w->suffix, w->nobs_class, w->seen};
        return allocate_patterns(w, r, 0, w->npat, &a);
    }
    /* Each block draws from its own stream and counts into its own
     * arrays; the partial counts are added afterwards in block order
     * (integers: exact in any order).  Which thread runs a block never
     * changes what it draws, so blocks go to threads as they free up
     * (their work varies with the patterns' counts; on the 4,432-pattern
     * table of bench/scaling.sh, 2 threads: 1.26-1.30 s against 1.33-1.38
     * s with a static split).  Inside a parallel region of chains this
     * nested region runs on one thread unless nesting is enabled. */
    const size_t nb = w->nblocks, B = w->block_size;
    /* each block's part of the scratch arrays, on lines of its own */
    const size_t sK = vci_lines(K), sK1 = vci_lines(K + 1),
                 sJK = vci_lines(J * K);
    int threads = w->block_threads > 0 ? w->block_threads : 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (nb > 1)
    for (size_t b = 0; b < nb; b++) {
        alloc_scratch a = {w->block_prob + b * sK, w->block_suffix + b * sK1,
                           w->block_nobs + b * sK, w->block_seen + b * sJK};
        memset(a.out, 0, K * sizeof *a.out);
        memset(a.seen, 0, J * K * sizeof *a.seen);
        size_t end = (b + 1) * B < w->npat ? (b + 1) * B : w->npat;
        w->block_status[b] = allocate_patterns(w, w->block_r[b], b * B,
                                               end, &a);
    }
    for (size_t b = 0; b < nb; b++) {
        if (w->block_status[b] != VC_OK) {
            return w->block_status[b];
        }
        for (size_t k = 0; k < K; k++) {
            w->nobs_class[k] += w->block_nobs[b * sK + k];
        }
        for (size_t jk = 0; jk < J * K; jk++) {
            w->seen[jk] += w->block_seen[b * sJK + jk];
        }
    }
    return VC_OK;
}

int vci_lcm_use_blocks(vc_lcm_workspace *w, size_t block_size,
                       uint64_t seed, uint64_t stratum, uint32_t chain,
                       uint32_t replica, int threads, vc_error *err)
{
    const size_t J = w->J, K = w->K;
    if (block_size == 0 || replica >= 64) {
        return vc_error_set(err, VC_EINVAL, "blocks of %zu patterns for "
                            "replica %u: expected >= 1 and < 64",
                            block_size, (unsigned)replica);
    }
    size_t nb = (w->npat + block_size - 1) / block_size;
    if (nb > VCI_BLOCK_MAX) {
        return vc_error_set(err, VC_EINVAL, "%zu blocks of patterns: at "
                            "most %u", nb, (unsigned)VCI_BLOCK_MAX);
    }
    /* each block's scratch on lines of its own (vci_lines) */
    w->block_r = calloc(nb, sizeof *w->block_r);
    w->block_prob = vci_calloc_lines(nb * vci_lines(K), sizeof(double));
    w->block_suffix = vci_calloc_lines(nb * vci_lines(K + 1),
                                       sizeof(double));
    w->block_nobs = vci_calloc_lines(nb * vci_lines(K), sizeof(uint64_t));
    w->block_seen = vci_calloc_lines(nb * vci_lines(J * K),
                                     sizeof(uint64_t));
    w->block_status = calloc(nb, sizeof *w->block_status);
    if (w->block_r == NULL || w->block_prob == NULL
        || w->block_suffix == NULL || w->block_nobs == NULL
        || w->block_seen == NULL || w->block_status == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate %zu blocks "
                            "of patterns", nb);
    }
    w->nblocks = nb; /* from here on vc_lcm_free frees the streams */
    for (size_t b = 0; b < nb; b++) {
        w->block_r[b] = vc_rng_stream_alloc(seed, stratum, chain,
                                            VCI_BLOCK_STREAM(replica, b),
                                            err);
        if (w->block_r[b] == NULL) {
            return VC_ENOMEM;
        }
    }
    w->block_size = block_size;
    size_t most = nb / VCI_BLOCKS_PER_THREAD > 0 ? nb / VCI_BLOCKS_PER_THREAD
                                                 : 1;
    w->block_threads = threads > 0 && (size_t)threads > most ? (int)most
                                                             : threads;
    return VC_OK;
}

/* Step (b): lambda_jk ~ Beta(1 + s_jk, 1 + n_k - s_jk).
 *
 * The draws of the linear scale (uniforms, gamma ratios) are logged
 * after all the J x K draws of the sweep, in one loop of vci_log
 * (core/fastmath.h) that the compiler vectorises: libm's scalar logs of
 * the ratios were 5% of a Kosovo run's time (bench/HISTORY.md, "Issue
 * 20: the latent-class core faster, new draws").  vci_log is within a
 * few units in the last place of libm's, which the draws that follow
 * cannot resolve; the draws of the log scale (vci_ran_log_beta1) keep
 * their own logs, and enter the loop as log 1 = 0 added to their value. */
int vci_lcm_sample_lambda(vc_lcm_workspace *w, const gsl_rng *r)
{
    const size_t J = w->J, K = w->K, JK = J * K;
    vc_lcm_state *s = &w->state;
    double *la = s->log_lambda, *lb = s->log_1m_lambda;
    double *xa = w->lin, *xb = w->lin + JK;
    for (size_t k = 0; k < K; k++) {
        uint64_t nk = w->nobs_class[k] + s->n0_class[k];
        for (size_t j = 0; j < J; j++) {
            size_t jk = j * K + k;
            uint64_t sjk = w->seen[jk];
            if (nk == 0) {
                /* Beta(1, 1): one uniform does. */
                /* 1 - u is exact for a 32-bit uniform */
                double u = vci_ran_uniform(r);
                xa[jk] = u;
                xb[jk] = 1.0 - u;
                la[jk] = lb[jk] = 0.0;
            } else if (sjk == 0) {
                /* Beta(1, 1 + n_k): one uniform, by inversion */
                vci_ran_log_beta1(r, 1.0 + (double)nk, &la[jk], &lb[jk]);
                xa[jk] = xb[jk] = 1.0;
            } else if (sjk == nk) {
                /* Beta(1 + n_k, 1), the same with the roles swapped */
                vci_ran_log_beta1(r, 1.0 + (double)nk, &lb[jk], &la[jk]);
                xa[jk] = xb[jk] = 1.0;
            } else {
                /* both shapes >= 1: the gamma draws cannot underflow, so
                 * G1 / (G1 + G2) on the linear scale, logged (no log of
                 * 1 - lambda by subtraction): the logs of the ratios
                 * rather than of G1, G2 and their sum */
                double ga = vci_ran_gamma(r, 1.0 + (double)sjk);
                double gb = vci_ran_gamma(r, 1.0 + (double)(nk - sjk));
                double inv = 1.0 / (ga + gb);
                xa[jk] = ga * inv;
                xb[jk] = gb * inv;
                la[jk] = lb[jk] = 0.0;
            }
            /* vci_log wants a positive normal number: a ratio below
             * DBL_MIN (never seen; shapes of thousands would be needed)
             * or a failed draw (NaN, 0) takes libm's log here */
            if (!(xa[jk] >= 0x1p-1022) || !(xb[jk] >= 0x1p-1022)) {
                la[jk] += log(xa[jk]);
                lb[jk] += log(xb[jk]);
                xa[jk] = xb[jk] = 1.0;
            }
        }
    }
#pragma omp simd
    for (size_t jk = 0; jk < JK; jk++) {
        la[jk] += vci_log(xa[jk]);
    }
#pragma omp simd
    for (size_t jk = 0; jk < JK; jk++) {
        lb[jk] += vci_log(xb[jk]);
    }
    for (size_t jk = 0; jk < JK; jk++) {
        if (!isfinite(la[jk]) || !isfinite(lb[jk])) {
            return VC_ENUMERIC;
        }
    }
    return VC_OK;
}

/* Step (c): stick-breaking weights [IJ01, section 5.2]. */
int vci_lcm_sample_weights(vc_lcm_workspace *w, const gsl_rng *r)
{
    const size_t K = w->K;
    vc_lcm_state *s = &w->state;
    /* class sizes n_k = nobs_k + n0_k and their suffix
     * sums, summed from the end so that no subtraction leaves a rounding
     * residue where the tail is empty */
    double *tail = w->suffix; /* tail[k] = sum_{l>=k} n_l */
    tail[K] = 0.0;
    for (size_t k = K; k-- > 0;) {
        tail[k] = tail[k + 1]
                  + (double)(w->nobs_class[k] + s->n0_class[k]);
    }
    double cum = 0.0; /* sum_{l<k} log(1 - V_l) */
    for (size_t k = 0; k + 1 < K; k++) {
        double nk = (double)(w->nobs_class[k] + s->n0_class[k]);
        double shape_b = s->alpha + tail[k + 1];
        double log_v, log_1m_v;
        if (nk == 0.0) {
            /* Beta(1, shape_b), any shape_b > 0: one uniform, by
             * inversion on the log scale */
            vci_ran_log_beta1(r, shape_b, &log_v, &log_1m_v);
        } else if (shape_b >= 1.0) {
            /* no underflow possible: the linear scale, as for lambda */
            double ga = vci_ran_gamma(r, 1.0 + nk);
            double gb = vci_ran_gamma(r, shape_b);
            double inv = 1.0 / (ga + gb);
            log_v = log(ga * inv);
            log_1m_v = log(gb * inv);
        } else {
            double ga = vci_ran_log_gamma(r, 1.0 + nk);
            double gb = vci_ran_log_gamma(r, shape_b);
            double lsum = log_add_exp(ga, gb);
            log_v = ga - lsum;
            log_1m_v = gb - lsum;
        }
        if (!isfinite(log_v) || !isfinite(log_1m_v)) {
            return VC_ENUMERIC;
        }
        s->log_pi[k] = log_v + cum;
        cum += log_1m_v;
    }
    s->log_pi[K - 1] = cum;
    w->sum_log_1m_V = cum;
    return VC_OK;
}

/* Step (d): alpha ~ Gamma(a + K - 1, b - sum_{k<K} log(1 - V_k)). */
int vci_lcm_sample_alpha(vc_lcm_workspace *w, const gsl_rng *r)
{
    double shape = w->alpha_shape + (double)(w->K - 1);
    double rate = w->alpha_rate - w->sum_log_1m_V;
    double alpha = vci_ran_gamma(r, shape) / rate;
    if (!(alpha > 0.0) || !isfinite(alpha)) {
        return VC_ENUMERIC;
    }
    if (w->bias != NULL) {
        /* umbrella sampling: the conditional draw as an independence
         * proposal for the biased conditional, as in step (e) */
        double N = (double)(w->n + w->state.n0);
        double log_a = vci_lcm_bias_at(w, N, alpha)
                       - vci_lcm_bias_at(w, N, w->state.alpha);
        if (!(log_a >= 0.0 || log(vci_ran_uniform(r)) < log_a)) {
            return VC_OK;
        }
    }
    w->state.alpha = alpha;
    return VC_OK;
}

double vci_lcm_prob_seen(const vc_lcm_workspace *w)
{
    const size_t J = w->J, K = w->K;
    const vc_lcm_state *s = &w->state;
    double seen = 0.0;
    for (size_t k = 0; k < K; k++) {
        double log_q0 = 0.0;
        for (size_t j = 0; j < J; j++) {
            log_q0 += s->log_1m_lambda[j * K + k];
        }
        seen += exp(s->log_pi[k]) * -expm1(log_q0);
    }
    return seen;
}

/* pi_k q_k / max_l (pi_l q_l) into w->prob (q_k = P(missed by all lists |
 * class k)), log pi0 into the state; returns log max_l (pi_l q_l).  One
 * exp per class, normalised by the maximum. */
static double unseen_weights(vc_lcm_workspace *w)
{
    const size_t J = w->J, K = w->K;
    vc_lcm_state *s = &w->state;
    double max = -HUGE_VAL;
    for (size_t k = 0; k < K; k++) {
        double lw = s->log_pi[k];
        for (size_t j = 0; j < J; j++) {
            lw += s->log_1m_lambda[j * K + k];
        }
        w->prob[k] = lw;
        max = lw > max ? lw : max;
    }
    double sum = 0.0;
    for (size_t k = 0; k < K; k++) {
        double d = w->prob[k] - max;
        w->prob[k] = vci_exp(d > -708.0 ? d : -708.0);
        sum += w->prob[k];
    }
    s->log_pi0 = max + log(sum);
    return max;
}

/*
 * n0 ~ NegBin(n, 1 - pi0) truncated to n0 <= limit, by inversion of the
 * distribution function: the smallest k with F(k) >= U F(limit).
 */
static uint64_t negbin_truncated(const gsl_rng *r, double p_seen, double n,
                                 uint64_t limit)
{
    double f_limit = gsl_cdf_negative_binomial_P((unsigned int)limit,
                                                 p_seen, n);
    double u = gsl_rng_uniform(r) * f_limit;
    uint64_t lo = 0, hi = limit; /* F(hi) >= u */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (gsl_cdf_negative_binomial_P((unsigned int)mid, p_seen, n) >= u) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* Step (e) without a bias: n0 and the classes of the unobserved from
 * their conditional. */
static int draw_unobserved(vc_lcm_workspace *w, const gsl_rng *r)
{
    const size_t K = w->K;
    vc_lcm_state *s = &w->state;
    double p_seen = vci_lcm_prob_seen(w);
    if (!(p_seen > 0.0) || !isfinite(p_seen)) {
        return VC_ENUMERIC;
    }
    double log_max = unseen_weights(w);
    double scale_max = exp(log_max);
    uint64_t limit = w->n_max ? w->n_max - w->n : UINT64_MAX;
    int bound_hit = 0;
    for (int attempt = 0; attempt < VCI_BOUND_TRIES; attempt++) {
        double g = vci_ran_gamma(r, (double)w->n) / p_seen;
        if (!(g * exp(s->log_pi0) <= VCI_POISSON_MAX)) {
            return VC_ENUMERIC;
        }
        double scale = g * scale_max;
        uint64_t n0 = 0;
        for (size_t k = 0; k < K; k++) {
            int status = vci_ran_poisson64(r, scale * w->prob[k],
                                           &s->n0_class[k]);
            if (status != VC_OK) {
                return status;
            }
            n0 += s->n0_class[k];
        }
        if (n0 <= limit && n0 <= (uint64_t)VCI_POISSON_MAX) {
            s->n0 = n0;
            s->bound_sweeps += (uint64_t)bound_hit;
            return VC_OK;
        }
        if (w->n_max == 0) {
            return VC_ENUMERIC; /* beyond 2^62 with no bound asked for */
        }
        bound_hit = 1;
    }
    /* The bound binds hard: invert the truncated distribution, then split
     * n0 over the classes by a multinomial with weights pi_k q_k (already
     * in w->prob, normalised by their maximum). */
    uint64_t n0 = negbin_truncated(r, p_seen, (double)w->n, limit);
    for (size_t k = 0; k < K; k++) {
        s->n0_class[k] = 0;
    }
    alloc_scratch a = {w->prob, w->suffix, s->n0_class, NULL};
    multinomial_add(r, n0, w, &a, largest_class(K, w->prob), 0u);
    s->n0 = n0;
    s->bound_sweeps++;
    return VC_OK;
}

/* Step (e): n0 and the classes of the unobserved.  Under a bias
 * (umbrella sampling, models/umbrella.c) the conditional draw is an
 * independence proposal for the biased conditional p(n0, z0 | theta)
 * exp(b(N)): accepted with probability min(1, exp(b(N') - b(N))), the
 * conditional's own density cancelling from the ratio. */
int vci_lcm_sample_unobserved(vc_lcm_workspace *w, const gsl_rng *r)
{
    if (w->bias == NULL) {
        return draw_unobserved(w, r);
    }
    vc_lcm_state *s = &w->state;
    uint64_t n0 = s->n0;
    memcpy(w->n0_prev, s->n0_class, w->K * sizeof *w->n0_prev);
    int status = draw_unobserved(w, r);
    if (status != VC_OK) {
        return status;
    }
    double log_a = vci_lcm_bias_at(w, (double)(w->n + s->n0), s->alpha)
                   - vci_lcm_bias_at(w, (double)(w->n + n0), s->alpha);
    w->bias_tried++;
    if (log_a >= 0.0 || log(vci_ran_uniform(r)) < log_a) {
        w->bias_done++;
        return VC_OK;
    }
    s->n0 = n0;
    memcpy(s->n0_class, w->n0_prev, w->K * sizeof *w->n0_prev);
    return VC_OK;
}

double vci_lcm_log_pattern_probs(const vc_lcm_workspace *w,
                                 const vc_lcm_state *s, double *log_p)
{
    const size_t J = w->J, K = w->K;
    for (size_t i = 0; i < w->npat; i++) {
        uint32_t x = w->pattern[i];
        double max = -HUGE_VAL;
        double lw[VCI_LOGLIK_KMAX];
        double total = -HUGE_VAL;
        /* classes in chunks, so any K works with a fixed stack array */
        for (size_t k0 = 0; k0 < K; k0 += VCI_LOGLIK_KMAX) {
            size_t kn = K - k0 < VCI_LOGLIK_KMAX ? K - k0 : VCI_LOGLIK_KMAX;
            max = -HUGE_VAL;
            for (size_t k = 0; k < kn; k++) {
                double l = s->log_pi[k0 + k];
                for (size_t j = 0; j < J; j++) {
                    l += (x >> j & 1u) ? s->log_lambda[j * K + k0 + k]
                                       : s->log_1m_lambda[j * K + k0 + k];
                }
                lw[k] = l;
                max = l > max ? l : max;
            }
            double sum = 0.0;
            for (size_t k = 0; k < kn; k++) {
                sum += exp(lw[k] - max);
            }
            total = log_add_exp(total, max + log(sum));
        }
        log_p[i] = total;
    }
    /* 1 - pi0 as a sum of positive terms (vci_lcm_prob_seen) */
    double seen = 0.0;
    for (size_t k = 0; k < K; k++) {
        double log_q0 = 0.0;
        for (size_t j = 0; j < J; j++) {
            log_q0 += s->log_1m_lambda[j * K + k];
        }
        seen += exp(s->log_pi[k]) * -expm1(log_q0);
    }
    return log(seen);
}

double vci_lcm_log_marginal(const vc_lcm_workspace *w, const double *log_p,
                            double log_seen)
{
    double total = 0.0;
    for (size_t i = 0; i < w->npat; i++) {
        if (w->count[i] > 0) {
            total += (double)w->count[i] * log_p[i];
        }
    }
    total -= (double)w->n * log_seen;
    if (w->n_max != 0) {
        /* sum_{n0 <= limit} C(n + n0 - 1, n0) pi0^n0 (1 - pi0)^n: the
         * mass the bound keeps (lcm.c, "Tempering") */
        total += log(gsl_cdf_negative_binomial_P(
            (unsigned int)(w->n_max - w->n), exp(log_seen), (double)w->n));
    }
    return total;
}

/*
 * (a') The unseen of one class, with lambda and V integrated out
 * (vci_lcm_move_unseen; the hybrid sampler, schedule.c).
 *
 * Why.  Given theta, n0 ~ NegBin(n, 1 - pi0) has a standard deviation of
 * about 120 on Kosovo, where the posterior of N has one of about 1,300:
 * N moves through E[N | theta] = n / (1 - pi0), and pi0 through the
 * lambda of the class that holds most of the unseen, which step (b) draws
 * given that class's unseen count.  This data-augmentation coupling
 * (n0 <-> lambda) is what makes a Gibbs draw of N cost some 500 sweeps.
 * With lambda and V integrated out, the counts have the law (1) of
 * models/splitmerge.c,
 *   p(m, N | alpha, c) ~ (N - 1)! / prod_{x,k} m_xk!
 *                        prod_k prod_j B(1 + s_jk, 1 + n_k - s_jk)
 *                        prod_{k<K} B(1 + n_k, alpha + T_{k+1}),
 * in which the unseen count m_0k of a class may move by hundreds at a
 * time.  A Metropolis-Hastings step on m_0k under (1), the observed
 * class counts of step (a) fixed, placed between (a) and (b), leaves the
 * posterior invariant: it ignores the current lambda and V, which (b) and
 * (c) then draw afresh from their conditional given the new counts (a
 * partially collapsed Gibbs step; van Dyk & Park 2008, JASA 103:790).
 * Measured on Kosovo, with the label swaps of the hybrid sampler, one
 * move a sweep cuts the sweeps per effective draw of N from about 800 to
 * 400-490, three (VCI_UNSEEN_MOVES) to 280-394; a move costs about
 * 0.1-0.15 us (bench/HISTORY.md, "Version 0.3.1").
 *
 * The proposal.  Class k with probability (m_0k + 1) / (n0 + K) (the
 * classes that hold the unseen are the ones worth moving), then m_0k' =
 * m_0k + d, d uniform on {-D_k, ..., D_k} \ {0}, D_k = ceil(VCI_UNSEEN_STEP
 * sqrt(m_0k + 1)).  The reverse move picks k with probability (m_0k' + 1)
 * / (n0' + K) and needs |d| <= D_k' (else q = 0: rejected), so
 *   log a = log (1)' - log (1) + log[(m_0k' + 1) / (m_0k + 1)]
 *           + log[(n0 + K) / (n0' + K)] + log(D_k / D_k').
 * m_0k' < 0 and N' > n_max (with a bound) have target 0: rejected; so
 * is any move from or to n0 beyond 2^52, where the counts would not be
 * exact in a double (both ways, so the move stays reversible; a
 * restriction of the move, not of the target: the Gibbs steps still reach
 * such n0).  Only the terms of (1) that contain m_0k change (N, the cell
 * m_0k, class k's J list terms, and the stick terms of the classes up to
 * k, through T_l = sum_{i>=l} n_i):
 *   (N - 1)!:       lgamma(N + d) - lgamma(N)
 *   1 / m_0k!:      lgamma(m_0k + 1) - lgamma(m_0k + d + 1)
 *   lists:          sum_j [lgamma(b_j + d) - lgamma(b_j)]
 *                   - J [lgamma(2 + n_k + d) - lgamma(2 + n_k)],
 *                   b_j = 1 + n_k - s_jk
 *   sticks, l < k:  lgamma(alpha + T_{l+1} + d) - lgamma(alpha + T_{l+1})
 *                   - lgamma(1 + alpha + T_l + d) + lgamma(1 + alpha + T_l)
 *   stick k (k < K - 1): lgamma(1 + n_k + d) - lgamma(1 + n_k)
 *                   - lgamma(1 + alpha + T_k + d) + lgamma(1 + alpha + T_k)
 * from B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b) and 1 + n_l + alpha +
 * T_{l+1} = 1 + alpha + T_l.
 */

/* lgamma(x + d) - lgamma(x), x > 0, x + d > 0. */
static double lgamma_diff(double x, double d)
{
    return vci_lgamma(x + d) - vci_lgamma(x);
}

/* log (1)' - log (1) for m_0k -> m_0k + d (the terms listed above). */
static double unseen_log_ratio(const vc_lcm_workspace *w, size_t k,
                               double d)
{
    const size_t J = w->J, K = w->K;
    const vc_lcm_state *s = &w->state;
    double m = (double)s->n0_class[k];
    double N = (double)(w->n + s->n0);
    double nk = (double)(w->nobs_class[k] + s->n0_class[k]);
    double t = lgamma_diff(N, d) - lgamma_diff(m + 1.0, d);
    for (size_t j = 0; j < J; j++) {
        t += lgamma_diff(1.0 + nk - (double)w->seen[j * K + k], d);
    }
    t -= (double)J * lgamma_diff(2.0 + nk, d);
    double alpha = s->alpha;
    double T = N; /* T_l, from T_0 = N */
    for (size_t l = 0; l < k; l++) {
        double T1 = T - (double)(w->nobs_class[l] + s->n0_class[l]);
        t += lgamma_diff(alpha + T1, d) - lgamma_diff(1.0 + alpha + T, d);
        T = T1;
    }
    if (k + 1 < K) {
        t += lgamma_diff(1.0 + nk, d) - lgamma_diff(1.0 + alpha + T, d);
    }
    return t;
}

int vci_lcm_move_unseen(vc_lcm_workspace *w, const gsl_rng *r)
{
    const size_t K = w->K;
    vc_lcm_state *s = &w->state;
    double n0 = (double)s->n0;
    /* the class: (m_0k + 1) / (n0 + K) */
    double u = vci_ran_uniform(r) * (n0 + (double)K);
    size_t k = 0;
    double acc = (double)s->n0_class[0] + 1.0;
    while (k + 1 < K && u >= acc) {
        k++;
        acc += (double)s->n0_class[k] + 1.0;
    }
    double m = (double)s->n0_class[k];
    double D = ceil(VCI_UNSEEN_STEP * sqrt(m + 1.0));
    double d = floor(vci_ran_uniform(r) * 2.0 * D) - D;
    d += d >= 0.0; /* uniform on {-D, ..., D} \ {0} */
    double u_acc = vci_ran_uniform(r);
    w->unseen_tried++;
    double m1 = m + d, n01 = n0 + d;
    /* beyond 2^52 unseen the counts would not be exact in a double: no
     * move from or to there (both ways, so the move stays reversible;
     * the Gibbs steps still run) */
    if (m1 < 0.0 || n0 > 0x1p52 || n01 > 0x1p52
        || (w->n_max != 0 && (double)w->n + n01 > (double)w->n_max)) {
        return VC_OK;
    }
    double D1 = ceil(VCI_UNSEEN_STEP * sqrt(m1 + 1.0));
    if (fabs(d) > D1) {
        return VC_OK;
    }
    double log_a = unseen_log_ratio(w, k, d) + log((m1 + 1.0) / (m + 1.0))
                   + log((n0 + (double)K) / (n01 + (double)K))
                   + log(D / D1)
                   + vci_lcm_bias_at(w, (double)w->n + n01, s->alpha)
                   - vci_lcm_bias_at(w, (double)w->n + n0, s->alpha);
    if (!isfinite(log_a)) {
        return VC_ENUMERIC;
    }
    if (log_a >= 0.0 || log(u_acc) < log_a) {
        s->n0_class[k] = (uint64_t)m1;
        s->n0 = (uint64_t)n01;
        w->unseen_done++;
    }
    return VC_OK;
}

static void update_tracked(vc_lcm_workspace *w);

int vci_lcm_resample_unobserved(vc_lcm_workspace *w, const gsl_rng *r)
{
    int status = vci_lcm_sample_unobserved(w, r);
    if (status == VC_OK) {
        update_tracked(w);
    }
    return status;
}

/* N, and the classes holding anyone, after a sweep. */
static void update_tracked(vc_lcm_workspace *w)
{
    vc_lcm_state *s = &w->state;
    size_t occupied = 0;
    for (size_t k = 0; k < w->K; k++) {
        occupied += (w->nobs_class[k] + s->n0_class[k]) > 0;
    }
    s->occupied = occupied;
    s->N = w->n + s->n0;
}

int vc_lcm_init(vc_lcm_workspace *w, const gsl_rng *r, vc_error *err)
{
    const size_t J = w->J, K = w->K;
    vc_lcm_state *s = &w->state;
    /* alpha from its prior, on the log scale: a Gamma(1/4) draw can be
     * far below the smallest double. */
    double log_alpha = vci_ran_log_gamma(r, w->alpha_shape)
                       - log(w->alpha_rate);
    s->alpha = exp(log_alpha);
    if (!(s->alpha > 0.0) || !isfinite(s->alpha)) {
        return vc_error_set(err, VC_ENUMERIC,
                            "LCM start: alpha = exp(%g) out of range",
                            log_alpha);
    }
    /* V_k ~ Beta(1, alpha): the prior of the weights (no one allocated). */
    memset(w->nobs_class, 0, K * sizeof *w->nobs_class);
    memset(w->seen, 0, J * K * sizeof *w->seen);
    memset(s->n0_class, 0, K * sizeof *s->n0_class);
    int status = vci_lcm_sample_weights(w, r);
    /* lambda_jk ~ Beta(1, 1) */
    if (status == VC_OK) {
        status = vci_lcm_sample_lambda(w, r);
    }
    if (status == VC_OK) {
        status = vci_lcm_sample_unobserved(w, r);
    }
    if (status != VC_OK) {
        return vc_error_set(err, status,
                            "LCM start: a draw from the prior is not finite");
    }
    s->sweeps = 0;
    s->bound_sweeps = 0;
    update_tracked(w);
    return VC_OK;
}

/* The error of a failed step of sweep w->state.sweeps + 1. */
static int sweep_error(const vc_lcm_workspace *w, int status,
                       const char *step, vc_error *err)
{
    return vc_error_set(err, status,
                        "LCM sweep %llu: %s: a non-finite value or N "
                        "beyond 2^62",
                        (unsigned long long)w->state.sweeps + 1, step);
}

/*
 * One sweep: every step of the sampler's schedule (schedule.c), in
 * order.  The periodic moves count the workspace's own sweeps, which in a
 * chain are its steps (a replica's counter stays with its workspace when
 * states are exchanged).
 */
int vci_lcm_sweep(vc_lcm_workspace *w, const gsl_rng *r, vc_error *err)
{
    const vci_lcm_schedule *s = &w->sched;
    const uint64_t t = w->state.sweeps;
    const int split = s->sm_every != 0 && t % s->sm_every == 0;
    if (split && w->bias != NULL) {
        /* its acceptance ratio has no bias term (umbrella.c) */
        return vc_error_set(err, VC_EINVAL, "split-merge moves with a "
                            "bias on N are not supported");
    }
    /* (a) the class allocation of the observed; on a split-merge sweep
     * keeping each pattern's class counts, then the proposals on them
     * (splitmerge.c) */
    int status = split ? vci_sm_propose(w, r) : vci_lcm_sample_observed(w, r);
    if (status != VC_OK) {
        return sweep_error(w, status, "class allocation of the observed",
                           err);
    }
    /* label swaps of adjacent classes, the flip of the first and last
     * with alpha (splitmerge.c) */
    if (s->label_swaps) {
        vci_sm_label_swaps(w, r, vci_sm_tally(w->sm));
    }
    if (s->flip_every != 0 && t % s->flip_every == 0) {
        vci_sm_flip_alpha(w, r, w->flip);
    }
    /* (a') moves of the unseen of a class */
    for (unsigned m = 0; m < s->unseen_moves; m++) {
        status = vci_lcm_move_unseen(w, r);
        if (status != VC_OK) {
            return sweep_error(w, status, "move of the unseen", err);
        }
    }
    /* (b)-(e) */
    static const char *const step[] = {
        "lambda", "stick-breaking weights", "alpha",
        "n0 (people no list saw)"};
    int (*const sample[])(vc_lcm_workspace *, const gsl_rng *) = {
        vci_lcm_sample_lambda, vci_lcm_sample_weights,
        vci_lcm_sample_alpha, vci_lcm_sample_unobserved};
    for (size_t i = 0; i < sizeof step / sizeof step[0]; i++) {
        status = sample[i](w, r);
        if (status != VC_OK) {
            return sweep_error(w, status, step[i], err);
        }
    }
    w->state.sweeps++;
    update_tracked(w);
    return VC_OK;
}

int vc_lcm_iterate(vc_lcm_workspace *w, const gsl_rng *r, vc_error *err)
{
    return vci_lcm_sweep(w, r, err);
}

/* Step (a) with the class counts of every observed pattern kept
 * (cells[i * K + k] = m_ik), for the split-merge move
 * (models/splitmerge.c).  The same conditional as
 * vci_lcm_sample_observed, always on the sweep's own generator (no
 * blocks): exact either way, only the random numbers differ. */
int vci_lcm_sample_observed_cells(vc_lcm_workspace *w, const gsl_rng *r,
                                  uint64_t *cells)
{
    const size_t J = w->J, K = w->K;
    prepare_weights(w);
    memset(w->seen, 0, J * K * sizeof *w->seen);
    memset(cells, 0, w->npat * K * sizeof *cells);
    for (size_t i = 0; i < w->npat; i++) {
        alloc_scratch a = {w->prob, w->suffix, cells + i * K, w->seen};
        int status = allocate_patterns(w, r, i, i + 1, &a);
        if (status != VC_OK) {
            return status;
        }
    }
    for (size_t k = 0; k < K; k++) {
        uint64_t nk = 0;
        for (size_t i = 0; i < w->npat; i++) {
            nk += cells[i * K + k];
        }
        w->nobs_class[k] = nk;
    }
    return VC_OK;
}
