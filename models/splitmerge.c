/*
 * splitmerge.c: split-merge Metropolis-Hastings moves on the latent
 * classes of the latent class model (models/lcm.c), with the number of
 * unseen people, label swaps and the flip: the moves the samplers'
 * schedules (schedule.c) add to the Gibbs sweep.
 *
 * References
 *   [JN04] S. Jain & R. M. Neal (2004), "A split-merge Markov chain Monte
 *          Carlo procedure for the Dirichlet process mixture model",
 *          Journal of Computational and Graphical Statistics 13:158-182:
 *          section 3 (split-merge Metropolis-Hastings with the class
 *          parameters integrated out; the acceptance probability
 *          min(1, [q(c | c*) / q(c* | c)] [P(c*) / P(c)] [L(c*) / L(c)]),
 *          with the proposal density the product of the probabilities
 *          of the allocation steps that produced c*).
 *   [D03]  D. B. Dahl (2003), "An improved merge-split sampler for
 *          conjugate Dirichlet process mixture models", technical
 *          report, Department of Statistics, University of Wisconsin:
 *          sequential allocation of the items of the two classes, each
 *          given the items placed before it (instead of [JN04]'s launch
 *          state and restricted Gibbs scan).
 *   [PR08] O. Papaspiliopoulos & G. O. Roberts (2008), "Retrospective
 *          Markov chain Monte Carlo methods for Dirichlet process
 *          hierarchical models", Biometrika 95:169-186 (label-switching
 *          moves for the stick-breaking representation).
 *   [MV16] D. Manrique-Vallier (2016), Biometrics 72:1246-1254 (the
 *          model; legend and notation as models/lcm.c).
 *   [IJ01] H. Ishwaran & L. F. James (2001), JASA 96:161-173, section 5.2
 *          (the truncated stick-breaking prior).
 * (Sections, not equation numbers, are cited: we could not check the
 * numbering against the printed papers, so every formula below is
 * derived in full.)
 *
 * Why: on the UK 6-list table Gibbs chains sit for hundreds of thousands
 * of sweeps in configurations that differ in which classes exist and
 * whom they hold (a class of people only list GP sees, with some 1,500
 * unseen members, in one chain and not in another), and N moves with the
 * configuration (bench/RESULTS.md).  A Gibbs sweep moves people between
 * classes one conditional draw at a time given lambda and pi; a split or
 * merge creates or removes a class in one step, with lambda and V
 * integrated out so that the new class needs no proposed parameters, and
 * redraws the unseen people of the classes involved, so N moves with it
 * (a first version with N fixed accepted 2 of 38,183 splits and none of
 * 9,817 merges on UK: the new configuration needs a different N).  As
 * measured, the proposals are still accepted only about once in 3,000 on
 * UK (15-30% of the time on the tiny test table), and what mixes the
 * chains that sat near N = 19,300 and 23,000 is the label swaps below:
 * those configurations differ mainly in the order of the classes.
 *
 * The state the move acts on.  After step (a) of a sweep the chain holds
 * the class counts m_xk of every observed pattern x, the classes m_0k of
 * the n0 people no list saw (drawn by step (e) of the previous sweep;
 * "row 0" below, the unseen as one more row of the table), lambda, V and
 * alpha.  Steps (b) and (c) then draw lambda and V afresh from their full
 * conditionals given the counts, and (e) draws n0 afresh given theta.  A
 * move that leaves p(m, N | alpha, c) invariant (lambda and V integrated
 * out, N = n + sum_k m_0k), placed between (a) and (b), therefore leaves
 * the joint posterior invariant: it ignores the old lambda and V, which
 * (b) and (c) replace by a draw from their conditional given the new
 * counts.  alpha stays fixed during the move.
 *
 * Target.  With p(N) ~ 1/N, the multinomial law of the N people over the
 * cells (x, k), cell probabilities pi_k f_k(x), and lambda_jk ~ Beta(1,
 * 1), V_k ~ Beta(1, alpha) integrated out, the counts have
 *   p(m, N | alpha, c) ~ (N - 1)! / prod_{x,k} m_xk!
 *                        prod_k prod_j B(1 + s_jk, 1 + n_k - s_jk)
 *                        prod_{k<K} B(1 + n_k, alpha + T_{k+1})        (1)
 * on the counts with row sums c_x for the observed x (and N <= n_max with
 * a bound), n_k people in class k, s_jk of them seen by list j, T_k =
 * sum_{l>=k} n_l, B the beta function: E[V^a (1 - V)^b] = B(1 + a, alpha
 * + b) / B(1, alpha) for each stick [IJ01]; (1/N) N! / (n0! prod_x c_x!)
 * times the multinomial coefficients of the rows gives the first line up
 * to constants.  The observed people are treated as labelled: given the
 * counts every labelling is equally likely, so a labelled allocation z of
 * the observed has p(z, m_0., N) = (1) prod_{x,k} m_xk! / prod_x c_x!,
 * i.e. (1) without the observed cells' factorials; the unseen stay
 * counts.  Adding one person of pattern x to class k multiplies the last
 * two lines of (1) by the predictive
 *   w_k(x) = E[pi_k | n] prod_j ((1 + s_jk) / (2 + n_k))^x_j
 *                              ((1 + n_k - s_jk) / (2 + n_k))^(1 - x_j), (2)
 *   E[pi_k | n] = (1 + n_k) / (1 + alpha + T_k)
 *                 prod_{l<k} (alpha + T_{l+1}) / (1 + alpha + T_l)
 * (for the last class k = K the first factor is 1), from B(a + 1, b) /
 * B(a, b) = a / (a + b) and B(a, b + 1) / B(a, b) = b / (a + b).
 *
 * The move.
 *   1. Seeds [JN04, D03]: an ordered pair of distinct observed people (i,
 *      j), uniformly (probability 1 / (n (n - 1)) in both directions);
 *      A = z_i.  If z_j = A, propose a split of A: B uniform among the E
 *      empty classes (E = 0: nothing happens), probability 1/E.  Else
 *      propose to merge B = z_j into A.  S: the people of A and B.
 *   2. Split by sequential allocation [D03]: i in A, j in B, the other
 *      observed people of S out; then these, one at a time in a uniformly
 *      random order (the same law both ways), each to A with probability
 *      p = w_A(x) / (w_A(x) + w_B(x)) from (2) at the counts placed so
 *      far; then the unseen of A, u_A, and of B, u_B (given u_A), each as
 *      a block from its exact conditional under (1) with N = N_rest + u
 *      (N_rest: everyone but the unseen of A and B), the factor (N - 1)!
 *      included:
 *        P(u + 1) / P(u) = (N_rest + u) / (u + 1) w_k(0)             (3)
 *      (unseen_step), restricted to a window around its mode where log P
 *      is within VCI_SM_WINDOW of the maximum, and to N <= n_max.  The
 *      window is a deterministic function of the counts, used alike in
 *      both directions, so the truncation costs acceptance, never
 *      exactness (an outcome outside it has q = 0).
 *      q(split) = (1/E) prod_people p or 1 - p  P(u_A) P(u_B).
 *   3. Merge: every observed person of S into A, and the unseen of the
 *      merged class from (3) with B empty: q(merge) = P(u).  The merge is
 *      not deterministic, since N changes with it.
 *   4. Accept a split with
 *        log a = log p(split) - log p(merged) + log q(merge) - log q(split)
 *      [JN04, section 3; Metropolis-Hastings on the extended space of
 *      the state and the seeds], q(merge) the density of the merge from
 *      the proposed split back to the current state (its unseen count),
 *      with E of the current state; a merge with the same ratio the other
 *      way, q(split) the density of the sequential allocation reaching
 *      the current split, with E + 1 empty classes after the merge.  For
 *      that density the current split must be given as a labelling: each
 *      labelling is equally likely given the counts, so it is drawn as
 *      the allocation goes, person by person (is the next person of row x
 *      one of the row's current members of A? with probability the number
 *      of them left over the people of the row left).
 *   Observed people one at a time cost O(|S| (J + K)); an earlier version
 *   placed whole rows from their exact conditionals (O(log |S|) each)
 *   but, started from two seeds, it put nearly every row entirely in one
 *   class, while the posterior's classes share patterns: the merges'
 *   reverse densities were e^-300 to e^-1000 (one at a time: e^-40 to
 *   e^-120) on UK.
 *
 * Label swaps [PR08]: the prior (1) is not symmetric in the labels (the
 * stick-breaking weights favour large classes at small labels), so a
 * state and its relabelling can have very different weights, and Gibbs
 * changes the order of the classes only slowly.  Every sweep of the
 * sampler proposes, after step (a), to exchange the contents of each
 * pair of adjacent classes in turn (label_swaps), a symmetric proposal
 * accepted with min(1, p(z') / p(z)), where only two stick terms of (1)
 * change.  On UK these swaps, not the split-merge proposals, are what
 * mixes the configurations near N = 19,300 and 23,000 that hold Gibbs
 * chains for a million sweeps: with the split-merge proposals switched
 * off, the swaps alone gave R-hat 1.0012 and bulk ESS 1,580 in 100,000
 * sweeps where Gibbs gave 1.036 and 92 (bench/RESULTS.md).
 *
 * The flip (hybrid sampler only; vci_sm_flip_alpha).  On UK a chain can
 * start, and stay for a million sweeps, in a configuration where one
 * class holds some 90% of N at the last label K, V_K = 1, behind eight or
 * nine classes of a few people each, with alpha near 20-30 (N near 5,000
 * to 15,000; the "region near 5,400" of issue 4).  Label swaps cannot
 * move that class forward: with alpha = 30 the ratio of the last pair is
 * Gamma(1 + n_K) Gamma(alpha + n_{K-1}) / (Gamma(1 + n_{K-1}) Gamma(alpha
 * + n_K)), about e^-200; and alpha stays large because every stick in
 * front of the big class is tiny.  The flip exchanges the contents of
 * classes 1 and K and moves log alpha by a uniform step in [-4, 4] in one
 * Metropolis-Hastings step under (1) with V integrated out, including
 * alpha's Gamma(a, b) prior:
 *   log p = (a - 1) log alpha - b alpha
 *           + sum_{k<K} [log alpha + log B(1 + n_k, alpha + T_{k+1})]
 * (B(1, alpha) = 1 / alpha), and the Jacobian alpha' / alpha of the step
 * on log alpha; the proposal is its own inverse up to the symmetric step,
 * so log a = log p' - log p + log(alpha' / alpha).  Step (c) then draws V
 * given the new alpha and counts, and (d) alpha given V.  On UK seed 6 it
 * took the chain out of that region in its first 20,000 sweeps (one flip
 * accepted); elsewhere it is rarely accepted and costs about 2K
 * log-gamma functions a sweep.
 *
 * Edge cases: rows above 2^32 - 1 observed people are not possible (the
 * table's counts are checked); with fewer than two classes, fewer than
 * two or more than 2^32 - 1 observed people, no split-merge is
 * proposed.
 * The move allocates nothing; its scratch is set up with the chain.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_gamma.h>

#include "models/impl.h"

/* The unseen of a class are drawn from their whole conditional when
 * their range (with a bound n_max) has at most this many values, else
 * from a window around the mode at most this wide (the cost of a move is
 * mostly these windows: one evaluation of (3) per value). */
#define VCI_SM_FULL 4096

/* The window of a proposal: log P down by this much from the mode, a
 * mass ratio e^-40 ~ 4e-18 at each end. */
#define VCI_SM_WINDOW 40.0

struct vci_sm {
    size_t J, K, rows;   /* rows = npat + 1: the patterns, then the unseen */
    uint32_t *pat;       /* rows: capture pattern of each row (unseen: 0) */
    uint64_t *cells;     /* rows * K: people of row x in class k */
    uint64_t *ntot;      /* K: n_k (A and B: as placed so far) */
    double *tail;        /* K + 1: T_k */
    uint64_t *r_row;     /* rows: people of A and B in row x */
    uint64_t *a_orig;    /* rows: of them in A now */
    uint64_t *a_new;     /* rows: in A in the proposal (B: the rest,
                            except the unseen row: b_new) */
    uint64_t b_new;      /* unseen in B in the proposal */
    uint64_t *sA, *sB;   /* J: people of A, B seen by list j */
    double *lw;          /* VCI_SM_FULL + 2: log weights of a window */
    uint32_t *seq;       /* n: rows of the free observed people, in the
                            order they are placed */
    uint64_t nseq;
    uint64_t *left, *left_a; /* rows: people of the row still to place,
                            and (merge) of them in A now */
    uint64_t counts[7];  /* vci_sm_counts */
};

void vci_sm_free(vci_sm *sm)
{
    if (sm == NULL) {
        return;
    }
    free(sm->pat);
    free(sm->cells);
    free(sm->ntot);
    free(sm->tail);
    free(sm->r_row);
    free(sm->a_orig);
    free(sm->a_new);
    free(sm->sA);
    free(sm->sB);
    free(sm->lw);
    free(sm->seq);
    free(sm->left);
    free(sm->left_a);
    free(sm);
}

vci_sm *vci_sm_alloc(const vc_lcm_workspace *w, uint64_t n_obs)
{
    vci_sm *sm = vci_calloc_lines(1, sizeof *sm);
    if (sm == NULL) {
        return NULL;
    }
    size_t rows = w->npat + 1, K = w->K, J = w->J;
    sm->J = J;
    sm->K = K;
    sm->rows = rows;
    sm->pat = vci_calloc_lines(rows, sizeof *sm->pat);
    sm->cells = vci_calloc_lines(rows * K, sizeof *sm->cells);
    sm->ntot = vci_calloc_lines(K, sizeof *sm->ntot);
    sm->tail = vci_calloc_lines(K + 1, sizeof *sm->tail);
    sm->r_row = vci_calloc_lines(rows, sizeof *sm->r_row);
    sm->a_orig = vci_calloc_lines(rows, sizeof *sm->a_orig);
    sm->a_new = vci_calloc_lines(rows, sizeof *sm->a_new);
    sm->sA = vci_calloc_lines(J, sizeof *sm->sA);
    sm->sB = vci_calloc_lines(J, sizeof *sm->sB);
    sm->lw = vci_calloc_lines(VCI_SM_FULL + 2, sizeof *sm->lw);
    sm->seq = vci_calloc_lines(n_obs > 0 ? n_obs : 1, sizeof *sm->seq);
    sm->left = vci_calloc_lines(rows, sizeof *sm->left);
    sm->left_a = vci_calloc_lines(rows, sizeof *sm->left_a);
    if (sm->pat == NULL || sm->cells == NULL || sm->ntot == NULL
        || sm->tail == NULL || sm->r_row == NULL || sm->a_orig == NULL
        || sm->a_new == NULL || sm->sA == NULL || sm->sB == NULL
        || sm->lw == NULL || sm->seq == NULL || sm->left == NULL
        || sm->left_a == NULL) {
        vci_sm_free(sm);
        return NULL;
    }
    for (size_t x = 0; x < w->npat; x++) {
        sm->pat[x] = w->pattern[x];
    }
    sm->pat[w->npat] = 0u;
    return sm;
}

void vci_sm_counts(const vci_sm *sm, uint64_t out[7])
{
    memcpy(out, sm->counts, sizeof sm->counts);
}

uint64_t *vci_sm_tally(vci_sm *sm)
{
    return sm->counts;
}

/* Uniform on 0..n-1, n >= 1, exactly: 64 random bits from four 16-bit
 * draws (any generator), rejected below 2^64 mod n (Lemire's bound), so
 * every residue has the same number of preimages. */
static uint64_t uniform_index(const gsl_rng *r, uint64_t n)
{
    uint64_t floor = (0 - n) % n; /* 2^64 mod n */
    for (;;) {
        uint64_t v = 0;
        for (int q = 0; q < 4; q++) {
            v = v << 16 | (uint64_t)gsl_rng_uniform_int(r, 65536);
        }
        if (v >= floor) {
            return v % n;
        }
    }
}

/* T_k = sum_{l>=k} n_l into sm->tail, from sm->ntot. */
static void tails(vci_sm *sm)
{
    const size_t K = sm->K;
    sm->tail[K] = 0.0;
    for (size_t k = K; k-- > 0;) {
        sm->tail[k] = sm->tail[k + 1] + (double)sm->ntot[k];
    }
}

/* Put m people of row x into class k, with k's list counts s (sm->sA or
 * sm->sB).  Every caller fills classes that it has just emptied (load,
 * allocate_split), so people are only ever added. */
static void add_people(vci_sm *sm, size_t x, size_t k, uint64_t *s,
                       uint64_t m)
{
    uint32_t pat = sm->pat[x];
    sm->ntot[k] += m;
    for (size_t j = 0; j < sm->J; j++) {
        if (pat >> j & 1u) {
            s[j] += m;
        }
    }
}

/* Load class A with inA[x] and class B with inB[x] people of each row x
 * (inB == NULL: B empty), and their list counts. */
static void load(vci_sm *sm, size_t A, size_t B, const uint64_t *inA,
                 const uint64_t *inB)
{
    sm->ntot[A] = 0;
    sm->ntot[B] = 0;
    memset(sm->sA, 0, sm->J * sizeof *sm->sA);
    memset(sm->sB, 0, sm->J * sizeof *sm->sB);
    for (size_t x = 0; x < sm->rows; x++) {
        add_people(sm, x, A, sm->sA, inA[x]);
        if (inB != NULL) {
            add_people(sm, x, B, sm->sB, inB[x]);
        }
    }
}

/* log (1) up to terms that do not depend on the contents of A and B or
 * on their unseen: (N - 1)!, the cells of A and B, their list terms and
 * all the stick terms, at sm->ntot, sm->sA, sm->sB (load) and the cell
 * counts inA, inB (inB NULL: B empty). */
static double log_target(vci_sm *sm, double alpha, size_t A, size_t B,
                         const uint64_t *inA, const uint64_t *inB)
{
    const size_t J = sm->J, K = sm->K;
    double nA = (double)sm->ntot[A], nB = (double)sm->ntot[B];
    double t = 0.0;
    for (size_t j = 0; j < J; j++) {
        double a = (double)sm->sA[j], b = (double)sm->sB[j];
        t += gsl_sf_lnbeta(1.0 + a, 1.0 + nA - a)
             + gsl_sf_lnbeta(1.0 + b, 1.0 + nB - b);
    }
    /* observed people are labelled (each labelling of the counts
     * equally likely), the unseen are counted: 1 / m_0k! */
    size_t P = sm->rows - 1;
    t -= lgamma((double)inA[P] + 1.0);
    if (inB != NULL) {
        t -= lgamma((double)inB[P] + 1.0);
    }
    tails(sm);
    t += lgamma(sm->tail[0]); /* (N - 1)!, N = T_0 >= n >= 1 */
    for (size_t k = 0; k + 1 < K; k++) {
        t += gsl_sf_lnbeta(1.0 + (double)sm->ntot[k],
                           alpha + sm->tail[k + 1]);
    }
    return t;
}

/* E[pi_A | n] and E[pi_B | n] of (2), with A and B at nA, nB people and
 * the other classes at sm->ntot. */
static void stick_pred(const vci_sm *sm, double alpha, size_t A, size_t B,
                       double nA, double nB, double *eA, double *eB)
{
    const size_t K = sm->K;
    double total = 0.0;
    for (size_t k = 0; k < K; k++) {
        total += k == A ? nA : k == B ? nB : (double)sm->ntot[k];
    }
    double acc = 1.0, Tk = total;
    *eA = 0.0;
    *eB = 0.0;
    for (size_t k = 0; k < K; k++) {
        double nk = k == A ? nA : k == B ? nB : (double)sm->ntot[k];
        double Tk1 = Tk - nk > 0.0 ? Tk - nk : 0.0; /* T_{k+1} */
        double here = k + 1 < K ? (1.0 + nk) / (1.0 + alpha + Tk) : 1.0;
        if (k == A) {
            *eA = acc * here;
        }
        if (k == B) {
            *eB = acc * here;
        }
        if (k + 1 < K) {
            acc *= (alpha + Tk1) / (1.0 + alpha + Tk);
        }
        Tk = Tk1;
    }
}

/* log w_A(x) - log w_B(x) of (2) for one more person of pattern x, at
 * the counts placed so far (sm->ntot, sA, sB).  On the linear scale
 * with one log; on the log scale when that over- or underflows. */
static double log_odds(const vci_sm *sm, double alpha, size_t A, size_t B,
                       uint32_t x)
{
    const size_t J = sm->J;
    double nA = (double)sm->ntot[A], nB = (double)sm->ntot[B];
    double eA, eB;
    stick_pred(sm, alpha, A, B, nA, nB, &eA, &eB);
    double ratio = eA / eB;
    for (size_t j = 0; j < J; j++) {
        int in = x >> j & 1u;
        double sa = (double)sm->sA[j], sb = (double)sm->sB[j];
        double ua = in ? 1.0 + sa : 1.0 + nA - sa;
        double ub = in ? 1.0 + sb : 1.0 + nB - sb;
        ratio *= (ua * (2.0 + nB)) / (ub * (2.0 + nA));
    }
    if (ratio > 0.0 && ratio < HUGE_VAL) {
        return log(ratio);
    }
    double l = log(eA) - log(eB);
    for (size_t j = 0; j < J; j++) {
        int in = x >> j & 1u;
        double sa = (double)sm->sA[j], sb = (double)sm->sB[j];
        l += log(in ? 1.0 + sa : 1.0 + nA - sa)
             - log(in ? 1.0 + sb : 1.0 + nB - sb) + log(2.0 + nB)
             - log(2.0 + nA);
    }
    return l;
}

/* log P(u + 1) - log P(u) of (3): u unseen people in class k (A, whose
 * list counts are s) on top of sm->ntot, N_rest + u people in all. */
static double unseen_step(const vci_sm *sm, double alpha, size_t A,
                          size_t B, int in_b, const uint64_t *s,
                          double n_rest, uint64_t u)
{
    const size_t J = sm->J;
    double nk = (double)(sm->ntot[in_b ? B : A] + u);
    double eA, eB;
    stick_pred(sm, alpha, A, B,
               in_b ? (double)sm->ntot[A] : nk,
               in_b ? nk : (double)sm->ntot[B], &eA, &eB);
    double e = in_b ? eB : eA;
    double l = log((n_rest + (double)u) / ((double)u + 1.0)) + log(e);
    double prod = 1.0;
    for (size_t j = 0; j < J; j++) {
        prod *= (1.0 + nk - (double)s[j]) / (2.0 + nk); /* in (0, 1) */
    }
    if (prod > 0.0) {
        return l + log(prod);
    }
    for (size_t j = 0; j < J; j++) {
        l += log(1.0 + nk - (double)s[j]) - log(2.0 + nk);
    }
    return l;
}

/* The unseen of class A (in_b = 0) or B (in_b = 1), with N_rest
 * people besides them: the arguments of unseen_step. */
typedef struct {
    size_t A, B;
    int in_b;
    double n_rest;
} unseen_fn;

static double step_at(const vci_sm *sm, double alpha, const unseen_fn *g,
                      uint64_t u)
{
    return unseen_step(sm, alpha, g->A, g->B, g->in_b,
                       g->in_b ? sm->sB : sm->sA, g->n_rest, u);
}

/*
 * Draw a from the distribution on 0..amax with log P(a + 1) - log P(a) =
 * step_at(a), or (want != UINT64_MAX) take a = want; add log P(a) to
 * *logq.  With amax <= VCI_SM_FULL the whole range; otherwise the mode
 * a* (the first a whose step is negative, by doubling then bisection:
 * exact for a unimodal P, and a deterministic choice otherwise, which
 * keeps the proposal valid) and a window around it where log P stays
 * within VCI_SM_WINDOW of log P(a*), at most VCI_SM_FULL / 2 each side.
 * Returns a, or UINT64_MAX when `want` lies outside the window (q = 0).
 */
static uint64_t draw_count(vci_sm *sm, const gsl_rng *r, double alpha,
                           const unseen_fn *g, uint64_t amax, uint64_t want,
                           double *logq)
{
    uint64_t lo = 0, hi = amax;
    if (amax > VCI_SM_FULL) {
        uint64_t l = 0, h = 1;
        while (h < amax && step_at(sm, alpha, g, h - 1) >= 0.0) {
            l = h;
            h = h > amax / 2 ? amax : 2 * h;
        }
        while (l < h) { /* first a in [l, h] with a negative step */
            uint64_t mid = l + (h - l) / 2;
            if (step_at(sm, alpha, g, mid) < 0.0) {
                h = mid;
            } else {
                l = mid + 1;
            }
        }
        double drop = 0.0;
        lo = l;
        while (lo > 0 && drop > -VCI_SM_WINDOW && l - lo < VCI_SM_FULL / 2) {
            drop -= step_at(sm, alpha, g, lo - 1);
            lo--;
        }
        drop = 0.0;
        hi = l;
        while (hi < amax && drop > -VCI_SM_WINDOW
               && hi - l < VCI_SM_FULL / 2) {
            drop += step_at(sm, alpha, g, hi);
            hi++;
        }
    }
    double *lw = sm->lw;
    lw[0] = 0.0;
    double max = 0.0;
    for (uint64_t a = lo; a < hi; a++) {
        lw[a - lo + 1] = lw[a - lo] + step_at(sm, alpha, g, a);
        max = lw[a - lo + 1] > max ? lw[a - lo + 1] : max;
    }
    double sum = 0.0;
    for (uint64_t a = lo; a <= hi; a++) {
        sum += exp(lw[a - lo] - max);
    }
    uint64_t a;
    if (want != UINT64_MAX) {
        if (want < lo || want > hi) {
            return UINT64_MAX;
        }
        a = want;
    } else {
        double u = vci_ran_uniform(r) * sum, acc = 0.0;
        for (a = lo; a < hi; a++) {
            acc += exp(lw[a - lo] - max);
            if (u < acc) {
                break;
            }
        }
    }
    *logq += lw[a - lo] - max - log(sum);
    return a;
}

/*
 * Step 2 above: the sequential allocation of the people of A and B (row
 * totals sm->r_row) into A and B: seed i (row xi) in A, seed j (row xj)
 * in B, then the other observed people row by row in the order sm->perm,
 * then the unseen of A, then of B, at most umax unseen in all.  force ==
 * 0: draws, A's cells left in sm->a_new, B's unseen in sm->b_new (B's
 * observed cells are r_row - a_new); force == 1: follows the current
 * split (sm->cells).  Adds log q to *logq.  Returns 0 when a forced
 * count lies outside its window, else 1.
 */
static int allocate_split(vci_sm *sm, const gsl_rng *r, double alpha,
                          size_t A, size_t B, size_t xi, size_t xj,
                          double n_rest, uint64_t umax, int force,
                          double *logq)
{
    const size_t K = sm->K, P = sm->rows - 1;
    sm->ntot[A] = 0;
    sm->ntot[B] = 0;
    memset(sm->sA, 0, sm->J * sizeof *sm->sA);
    memset(sm->sB, 0, sm->J * sizeof *sm->sB);
    add_people(sm, xi, A, sm->sA, 1);
    add_people(sm, xj, B, sm->sB, 1);
    /* the free observed people, one at a time in the order sm->seq */
    for (size_t x = 0; x < P; x++) {
        sm->a_new[x] = x == xi;
        sm->left[x] = sm->r_row[x] - (x == xi) - (x == xj);
        sm->left_a[x] = force ? sm->cells[x * K + A] - (x == xi) : 0;
    }
    for (uint64_t t = 0; t < sm->nseq; t++) {
        size_t x = sm->seq[t];
        double d = log_odds(sm, alpha, A, B, sm->pat[x]);
        double l1 = log1p(exp(-fabs(d)));
        double lp = d >= 0.0 ? -l1 : d - l1;       /* log p(A) */
        double lq = d >= 0.0 ? -d - l1 : -l1;      /* log p(B) */
        int to_a;
        if (force) {
            /* in a uniformly random labelling of the current split, is
             * this person one of the row's people in A? */
            to_a = vci_ran_uniform(r) * (double)sm->left[x]
                   < (double)sm->left_a[x];
            sm->left_a[x] -= (uint64_t)to_a;
        } else {
            to_a = vci_ran_uniform(r) < exp(lp);
        }
        sm->left[x]--;
        *logq += to_a ? lp : lq;
        sm->a_new[x] += (uint64_t)to_a;
        add_people(sm, x, to_a ? A : B, to_a ? sm->sA : sm->sB, 1);
    }
    unseen_fn g = {A, B, 0, n_rest};
    uint64_t uA = draw_count(sm, r, alpha, &g, umax,
                             force ? sm->cells[P * K + A] : UINT64_MAX, logq);
    if (uA == UINT64_MAX) {
        return 0;
    }
    sm->ntot[A] += uA;
    g.in_b = 1;
    g.n_rest = n_rest + (double)uA;
    uint64_t uB = draw_count(sm, r, alpha, &g, umax - uA,
                             force ? sm->cells[P * K + B] : UINT64_MAX, logq);
    if (uB == UINT64_MAX) {
        return 0;
    }
    sm->ntot[B] += uB;
    sm->a_new[P] = uA;
    sm->b_new = uB;
    return 1;
}

/* Step 3 above: all observed people of A and B in A (sm->r_row), B
 * empty, the unseen of A drawn (want == UINT64_MAX) or forced to `want`,
 * into *u.  Adds log q to *logq; 0 when `want` lies outside the
 * window. */
static int allocate_merge(vci_sm *sm, const gsl_rng *r, double alpha,
                          size_t A, size_t B, double n_rest, uint64_t umax,
                          uint64_t want, uint64_t *u_out, double *logq)
{
    const size_t P = sm->rows - 1;
    sm->ntot[A] = 0;
    sm->ntot[B] = 0;
    memset(sm->sA, 0, sm->J * sizeof *sm->sA);
    memset(sm->sB, 0, sm->J * sizeof *sm->sB);
    for (size_t x = 0; x < P; x++) {
        add_people(sm, x, A, sm->sA, sm->r_row[x]);
    }
    unseen_fn g = {A, B, 0, n_rest};
    uint64_t u = draw_count(sm, r, alpha, &g, umax, want, logq);
    if (u == UINT64_MAX) {
        return 0;
    }
    sm->ntot[A] += u;
    *u_out = u;
    return 1;
}

/* Cell of the observed person with index u (0-based, people ordered by
 * row then class; the unseen row is not counted), skipping one person of
 * cell `skip` (rows * K: none). */
static size_t find_person(const vci_sm *sm, uint64_t u, size_t skip)
{
    size_t ncell = (sm->rows - 1) * sm->K;
    for (size_t q = 0; q < ncell; q++) {
        uint64_t m = sm->cells[q] - (q == skip);
        if (u < m) {
            return q;
        }
        u -= m;
    }
    return ncell - 1; /* not reached: u < n */
}

/* One split-merge proposal on sm->cells (steps 1-4 above); unseen_max:
 * the most unseen people allowed in all (n_max - n, or 2^62). */
static void split_merge(vci_sm *sm, const gsl_rng *r, double alpha,
                        uint64_t unseen_max)
{
    const size_t K = sm->K, rows = sm->rows, P = rows - 1;
    if (K < 2) {
        return;
    }
    uint64_t n = 0, n0 = 0; /* observed, unseen */
    for (size_t k = 0; k < K; k++) {
        uint64_t nk = 0;
        for (size_t x = 0; x < rows; x++) {
            nk += sm->cells[x * K + k];
        }
        sm->ntot[k] = nk;
        n0 += sm->cells[P * K + k];
        n += nk - sm->cells[P * K + k];
    }
    if (n < 2 || n > UINT32_MAX) {
        return; /* the shuffle below draws indices below 2^32 */
    }
    /* step 1: the seeds, and the classes */
    size_t ci = find_person(sm, uniform_index(r, n), rows * K);
    size_t cj = find_person(sm, uniform_index(r, n - 1), ci);
    size_t xi = ci / K, A = ci % K, xj = cj / K, B = cj % K;
    int split = A == B;
    size_t empty = 0;
    for (size_t k = 0; k < K; k++) {
        empty += sm->ntot[k] == 0;
    }
    if (split) {
        if (empty == 0) {
            sm->counts[4]++;
            return;
        }
        uint64_t e = uniform_index(r, empty);
        for (size_t k = 0; k < K; k++) {
            if (sm->ntot[k] == 0 && e-- == 0) {
                B = k;
                break;
            }
        }
    }
    sm->counts[split ? 0 : 2]++;
    for (size_t x = 0; x < rows; x++) {
        sm->r_row[x] = sm->cells[x * K + A] + sm->cells[x * K + B];
        sm->a_orig[x] = sm->cells[x * K + A];
    }
    uint64_t u_now = sm->r_row[P];
    double N = 0.0;
    for (size_t k = 0; k < K; k++) {
        N += (double)sm->ntot[k];
    }
    double n_rest = N - (double)u_now; /* >= n >= 1 */
    uint64_t umax = unseen_max - (n0 - u_now);
    /* the current state's log target */
    double log_now;
    if (split) {
        load(sm, A, B, sm->a_orig, NULL);
        log_now = log_target(sm, alpha, A, B, sm->a_orig, NULL);
    } else {
        uint64_t *inB = sm->a_new; /* scratch: the current B */
        for (size_t x = 0; x < rows; x++) {
            inB[x] = sm->cells[x * K + B];
        }
        load(sm, A, B, sm->a_orig, inB);
        log_now = log_target(sm, alpha, A, B, sm->a_orig, inB);
    }
    /* the free observed people of A and B in a uniformly random order
     * (Fisher-Yates on their rows), the same law in both directions */
    uint64_t F = 0;
    for (size_t x = 0; x < P; x++) {
        uint64_t f = sm->r_row[x] - (x == xi) - (x == xj);
        for (uint64_t q = 0; q < f; q++) {
            sm->seq[F++] = x;
        }
    }
    for (uint64_t q = F; q-- > 1;) {
        uint64_t e = gsl_rng_uniform_int(r, (unsigned long)(q + 1));
        uint32_t t = sm->seq[q];
        sm->seq[q] = sm->seq[e];
        sm->seq[e] = t;
    }
    sm->nseq = F;
    /* log of the selection probability of the labels (step 1) times
     * n (n - 1), the seeds' (uniform on labelled people), now and in the
     * proposed state */
    double sel_now, sel_new;
    double log_q_split = 0.0, log_q_merge = 0.0, log_new;
    if (split) {
        allocate_split(sm, r, alpha, A, B, xi, xj, n_rest, umax, 0,
                       &log_q_split);
        /* A's cells in a_new, B's in a_orig (the current A's cells are
         * r_row, so a_orig is free) */
        for (size_t x = 0; x < P; x++) {
            sm->a_orig[x] = sm->r_row[x] - sm->a_new[x];
        }
        sm->a_orig[P] = sm->b_new;
        load(sm, A, B, sm->a_new, sm->a_orig);
        log_new = log_target(sm, alpha, A, B, sm->a_new, sm->a_orig);
        /* the reverse merge's density of the current unseen count */
        uint64_t u_back;
        if (!allocate_merge(sm, r, alpha, A, B, n_rest, umax, u_now,
                            &u_back, &log_q_merge)) {
            return;
        }
        sel_now = -log((double)empty);
        sel_new = 0.0;
        double log_acc = log_new - log_now + log_q_merge - log_q_split
                         + sel_new - sel_now;
        if (!(log_acc >= 0.0 || vci_ran_uniform(r) < exp(log_acc))) {
            return;
        }
        sm->counts[1]++;
        for (size_t x = 0; x < rows; x++) {
            sm->cells[x * K + A] = sm->a_new[x];
            sm->cells[x * K + B] = sm->a_orig[x];
        }
        return;
    }
    /* merge: the proposal first, then the reverse split's density */
    uint64_t u_new;
    if (!allocate_merge(sm, r, alpha, A, B, n_rest, umax, UINT64_MAX,
                        &u_new, &log_q_merge)) {
        return;
    }
    for (size_t x = 0; x < P; x++) {
        sm->a_new[x] = sm->r_row[x];
    }
    sm->a_new[P] = u_new;
    load(sm, A, B, sm->a_new, NULL);
    log_new = log_target(sm, alpha, A, B, sm->a_new, NULL);
    if (!allocate_split(sm, r, alpha, A, B, xi, xj, n_rest, umax, 1,
                        &log_q_split)) {
        return;
    }
    sel_now = 0.0;
    sel_new = -log((double)(empty + 1));
    double log_acc = log_new - log_now + log_q_split - log_q_merge
                     + sel_new - sel_now;
    if (!(log_acc >= 0.0 || vci_ran_uniform(r) < exp(log_acc))) {
        return;
    }
    sm->counts[3]++;
    for (size_t x = 0; x < P; x++) {
        sm->cells[x * K + A] = sm->r_row[x];
        sm->cells[x * K + B] = 0;
    }
    sm->cells[P * K + A] = u_new;
    sm->cells[P * K + B] = 0;
}

/* Exchange the contents of classes a and b: their observed and unseen
 * counts and list counts (the label swaps and the flip). */
static void swap_classes(vc_lcm_workspace *w, size_t a, size_t b)
{
    const size_t J = w->J, K = w->K;
    uint64_t t = w->nobs_class[a];
    w->nobs_class[a] = w->nobs_class[b];
    w->nobs_class[b] = t;
    t = w->state.n0_class[a];
    w->state.n0_class[a] = w->state.n0_class[b];
    w->state.n0_class[b] = t;
    for (size_t j = 0; j < J; j++) {
        t = w->seen[j * K + a];
        w->seen[j * K + a] = w->seen[j * K + b];
        w->seen[j * K + b] = t;
    }
}

/*
 * Label swaps [PR08] on the sufficient statistics of a sweep: for each
 * adjacent pair (l, l + 1), l = 0..K-2 in turn, propose to exchange the
 * two classes' contents (observed and unseen counts, list counts),
 * accepted with min(1, p(z') / p(z)) under (1).  Only the stick terms of
 * l and l + 1 change: with T = T_{l+2},
 *   before: B(1 + n_l, alpha + n_{l+1} + T) B(1 + n_{l+1}, alpha + T)
 *   after:  B(1 + n_{l+1}, alpha + n_l + T) B(1 + n_l, alpha + T)
 * (for l + 1 = K, the last class, only the first factor, T = 0).  Each
 * swap is a Metropolis step with a symmetric proposal, so the sequence
 * keeps (1); lambda and V are redrawn after it by steps (b), (c).
 */
void vci_sm_label_swaps(vc_lcm_workspace *w, const gsl_rng *r,
                        uint64_t counts[7])
{
    const size_t K = w->K;
    vc_lcm_state *s = &w->state;
    double alpha = s->alpha, T = 0.0; /* T_{l+2} */
    if (K < 2) {
        return;
    }
    /* from the end, so that T_{l+2} is known for each l */
    for (size_t l = K - 1; l-- > 0;) {
        double nl = (double)(w->nobs_class[l] + s->n0_class[l]);
        double nm = (double)(w->nobs_class[l + 1] + s->n0_class[l + 1]);
        if (nl == nm) {
            T += nm;
            continue;
        }
        /* With B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b), the Gamma
         * functions of 1 + n_l, 1 + n_{l+1} and of the sums cancel, and
         * Gamma(x + 1) / Gamma(x) = x leaves, for l + 2 < K,
         *   after / before = (alpha + T + n_{l+1}) / (alpha + T + n_l),
         * no log-gamma at all; for the last pair, T = 0,
         *   after / before = Gamma(1 + n_{l+1}) Gamma(alpha + n_l)
         *                    / (Gamma(1 + n_l) Gamma(alpha + n_{l+1})). */
        double ratio;
        if (l + 2 < K) {
            ratio = (alpha + T + nm) / (alpha + T + nl);
        } else {
            ratio = exp(vci_lgamma(1.0 + nm) + vci_lgamma(alpha + nl)
                        - vci_lgamma(1.0 + nl) - vci_lgamma(alpha + nm));
        }
        counts[5]++;
        /* the class now at l + 1: the old class l if swapped */
        double next = nm;
        if (ratio >= 1.0 || vci_ran_uniform(r) < ratio) {
            counts[6]++;
            swap_classes(w, l, l + 1);
            next = nl;
        }
        /* T_{l+1} = n_{l+1} + T_{l+2}, whichever class is there now.
         * (Until version 0.3.0 this added n_{l+1} of before the swap
         * also after an accepted swap, so the next pair's ratio used a
         * wrong T_{l+2}.) */
        T += next;
    }
}

/* The stick terms of (1) with alpha's Gamma(a, b) prior: sum over k <
 * K - 1 of log alpha + log B(1 + n_k, alpha + T_{k+1}) (B(1, alpha) =
 * 1 / alpha), plus (a - 1) log alpha - b alpha, for the class sizes n[]
 * in the order given. */
static double stick_log_target(const double *n, size_t K, double alpha,
                               double a, double b)
{
    double log_alpha = log(alpha);
    double T = 0.0, t = (a - 1.0) * log_alpha - b * alpha;
    for (size_t k = K; k-- > 0;) {
        if (k + 1 < K) {
            t += log_alpha + vci_lgamma(1.0 + n[k])
                 + vci_lgamma(alpha + T) - vci_lgamma(1.0 + n[k] + alpha + T);
        }
        T += n[k];
    }
    return t;
}

void vci_sm_flip_alpha(vc_lcm_workspace *w, const gsl_rng *r,
                       uint64_t counts[2])
{
    const size_t K = w->K;
    vc_lcm_state *s = &w->state;
    double n[VCI_LOGLIK_KMAX], nf[VCI_LOGLIK_KMAX];
    if (K < 2 || K > VCI_LOGLIK_KMAX) {
        return;
    }
    for (size_t k = 0; k < K; k++) {
        n[k] = nf[k] = (double)(w->nobs_class[k] + s->n0_class[k]);
    }
    nf[0] = n[K - 1];
    nf[K - 1] = n[0];
    double eps = VCI_FLIP_LOG_ALPHA * (2.0 * vci_ran_uniform(r) - 1.0);
    double u = vci_ran_uniform(r);
    double alpha = s->alpha, alpha1 = alpha * exp(eps);
    counts[0]++;
    if (!(alpha1 > 0.0) || !isfinite(alpha1)) {
        return;
    }
    double log_a = stick_log_target(nf, K, alpha1, w->alpha_shape,
                                    w->alpha_rate)
                   - stick_log_target(n, K, alpha, w->alpha_shape,
                                      w->alpha_rate)
                   + eps /* the Jacobian alpha' / alpha of log alpha */
                   + vci_lcm_bias_at(w, (double)(w->n + s->n0), alpha1)
                   - vci_lcm_bias_at(w, (double)(w->n + s->n0), alpha);
    if (!(log_a >= 0.0 || log(u) < log_a)) {
        return;
    }
    counts[1]++;
    s->alpha = alpha1;
    swap_classes(w, 0, K - 1);
}

int vci_sm_propose(vc_lcm_workspace *w, const gsl_rng *r)
{
    const size_t J = w->J, K = w->K, P = w->npat;
    vc_lcm_state *s = &w->state;
    vci_sm *sm = w->sm;
    int status = vci_lcm_sample_observed_cells(w, r, sm->cells);
    if (status != VC_OK) {
        return status;
    }
    memcpy(sm->cells + P * K, s->n0_class, K * sizeof *s->n0_class);
    uint64_t unseen_max = w->n_max != 0 ? w->n_max - w->n
                                        : (uint64_t)1 << 62;
    for (size_t m = 0; m < w->sched.sm_moves; m++) {
        split_merge(sm, r, s->alpha, unseen_max);
    }
    /* the counts back into the sweep's sufficient statistics */
    memset(w->seen, 0, J * K * sizeof *w->seen);
    uint64_t n0 = 0;
    for (size_t k = 0; k < K; k++) {
        uint64_t nk = 0;
        for (size_t x = 0; x < P; x++) {
            uint64_t m = sm->cells[x * K + k];
            nk += m;
            for (size_t j = 0; j < J; j++) {
                if (sm->pat[x] >> j & 1u) {
                    w->seen[j * K + k] += m;
                }
            }
        }
        w->nobs_class[k] = nk;
        s->n0_class[k] = sm->cells[P * K + k];
        n0 += s->n0_class[k];
    }
    s->n0 = n0;
    s->N = w->n + n0;
    return VC_OK;
}
