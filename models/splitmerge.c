/*
 * splitmerge.c: split-merge Metropolis-Hastings moves on the class
 * allocation of the latent class model (models/lcm.c), and label swaps,
 * for `--sampler splitmerge`.
 *
 * References
 *   [JN04] S. Jain & R. M. Neal (2004), "A split-merge Markov chain Monte
 *          Carlo procedure for the Dirichlet process mixture model",
 *          Journal of Computational and Graphical Statistics 13:158-182:
 *          section 3 (the restricted Gibbs sampling split-merge
 *          procedure), eq. (3.7) (acceptance of a split), eq. (3.8)
 *          (proposal density: product of restricted Gibbs transition
 *          probabilities from the launch state), and the merge
 *          acceptance that follows it in the same section.
 *   [PR08] O. Papaspiliopoulos & G. O. Roberts (2008), "Retrospective
 *          Markov chain Monte Carlo methods for Dirichlet process
 *          hierarchical models", Biometrika 95:169-186, section 3.4 (label
 *          switching moves for the stick-breaking representation).
 *   [MV16] D. Manrique-Vallier (2016), Biometrics 72:1246-1254 (the
 *          model; legend and notation as models/lcm.c).
 *   [IJ01] H. Ishwaran & L. F. James (2001), JASA 96:161-173, section 5.2
 *          (the truncated stick-breaking prior).
 *
 * Why: on the UK 6-list table Gibbs chains sit for hundreds of thousands
 * of sweeps in configurations of classes that differ in which classes
 * exist and which people they hold, not merely in N (bench/RESULTS.md,
 * "UK ... target not met").  A Gibbs sweep moves people between classes
 * one conditional draw at a time given lambda and pi; a split or merge
 * creates or removes a whole class at once, with lambda and V integrated
 * out so that the new class needs no proposed parameters.
 *
 * The state the move acts on.  After step (a) of a sweep the chain holds
 * the class counts m_xk of every observed pattern x, the classes n0_k of
 * the n0 people no list saw (drawn by step (e) of the previous sweep),
 * lambda, V and alpha.  Steps (b) and (c) then draw lambda and V afresh
 * from their full conditionals given the counts.  A move that leaves the
 * marginal p(m, n0_. | alpha, N, c) invariant (lambda and V summed out),
 * placed between (a) and (b), therefore leaves the joint posterior
 * invariant: it ignores the old lambda and V, which (b) and (c) replace
 * by a draw from their conditional given the new counts.  N, n0 and
 * alpha stay fixed during the move; the unseen are treated as one more
 * row of the table, pattern 0 with count n0 ("row P" below), so a split
 * can hand unseen people to a new class as well as seen ones.
 *
 * Target.  Think of the N people as labelled, person i with pattern x_i
 * and class z_i.  With lambda_jk ~ Beta(1, 1) and V_k ~ Beta(1, alpha)
 * integrated out,
 *   p(z | alpha, N, c) ~ prod_k prod_j B(1 + s_jk, 1 + n_k - s_jk)
 *                        prod_{k<K} B(1 + n_k, alpha + T_{k+1}),     (1)
 * n_k people in class k, s_jk of them seen by list j, T_k = sum_{l>=k}
 * n_l, B the beta function: E[V^a (1 - V)^b] = B(1 + a, alpha + b) /
 * B(1, alpha) for each stick, and pi_k^{n_k} = V_k^{n_k} prod_{l<k} (1 -
 * V_l)^{n_k} collects the exponent T_{k+1} on 1 - V_k [IJ01].  (1) does
 * not depend on which people of a pattern are in which class, only on the
 * counts; the factor N! / (n0! prod_x c_x!) of the complete-data
 * likelihood is constant given N.  Adding one person of pattern x to
 * class k multiplies (1) by the predictive
 *   w_k(x) = E[pi_k | n] prod_j ((1 + s_jk) / (2 + n_k))^x_j
 *                              ((1 + n_k - s_jk) / (2 + n_k))^(1 - x_j), (2)
 *   E[pi_k | n] = (1 + n_k) / (1 + alpha + T_k)
 *                 prod_{l<k} (alpha + T_{l+1}) / (1 + alpha + T_l)
 * (for the last class k = K the first factor is 1), from B(a + 1, b) /
 * B(a, b) = a / (a + b) and B(a, b + 1) / B(a, b) = b / (a + b).
 *
 * The move [JN04, section 3], on labelled people:
 *   1. Pick an ordered pair of distinct people (i, j) uniformly, 1 / (N
 *      (N - 1)) (an index uniform on 0..N-1 by exact rejection, then the
 *      cell holding it).
 *   2. If z_i = z_j = A: propose a split.  With E empty classes (E = 0:
 *      no split is possible, nothing happens), pick B uniformly among
 *      them, probability 1/E.  Else propose a merge of A = z_i and B =
 *      z_j into A.  S is the set of people in A and B.
 *   3. Launch state [JN04]: i in A, j in B, every other person of S in A
 *      or B with probability 1/2 each, then VCI_SM_SCANS restricted scans.
 *   4. A restricted scan reallocates the people of S, except i and j,
 *      between A and B, given everyone else, row by row (the observed
 *      patterns in table order, then the unseen).  The free people of a
 *      row are first all taken out of A and B, then put back in chunks
 *      of sizes 1, 1, 2, 4, 8, ... (each the number already put back): a
 *      chunk of c people goes to A person by person independently with
 *      p = w_A(x) / (w_A(x) + w_B(x)) from (2) at the counts of that
 *      moment, i.e. Binomial(c, p) of them.  Restricted Gibbs [JN04]
 *      updates one person at a time; a chunk is its block version, and
 *      the doubling keeps the cost at O(log c_x) per row while the first
 *      people of a row, whose placement decides the rest, still go one by
 *      one.  On the unseen row (some 17,000 people on UK) per-person
 *      updates would cost a thousand sweeps.  Any kernel whose transition
 *      probability can be computed serves [JN04, section 3: the launch
 *      state and the final scan only have to be constructible and their
 *      probability evaluable]; this one's is, on labelled people,
 *        q(L -> z') = prod_rows prod_chunks p^b (1 - p)^(c - b),      (3)
 *      b the chunk's people placed in A.
 *   5. Split: the proposal z' is one more scan from the launch state,
 *      with q(z' | z) = (1/E) q(L -> z') [JN04, eq. (3.8)]; the reverse
 *      merge is deterministic, so [JN04, eq. (3.7)]
 *        log a = log p(z') - log p(z) - log q(L -> z') + log E.
 *      Merge: z' puts all of S in A; the reverse split from z' would pick
 *      B among E' = E + 1 empty classes and would have to reach z from
 *      the same launch state (the launch depends only on S, i, j, A, B
 *      and the other classes, the same in both directions), so
 *        log a = log p(z') - log p(z) + log q(L -> z) - log E'.
 *      q(L -> z) is (3) evaluated at the current split z, scanned in the
 *      same chunks.
 * Counts instead of labels.  The sampler stores counts only.  Given the
 * counts, every labelled allocation with those counts is equally likely
 * under (1), so a uniformly random one may be drawn whenever labels are
 * needed (a Gibbs step in the labelled space); and the move's
 * probabilities depend on the labels only through which free people of a
 * row are in which chunk.  For q(L -> z) the chunk counts of z are
 * therefore drawn from the multivariate hypergeometric distribution
 * (chunk by chunk, each a hypergeometric draw).  The move commutes with
 * permutations of the people within a row, so its image on counts is a
 * Markov kernel that keeps the count posterior.
 *
 * Label swaps [PR08]: the prior (1) is not symmetric in the labels, so a
 * state and its relabelling can have very different weights, and Gibbs
 * changes the order of the classes only slowly.  Each move is followed by
 * a proposal to exchange the contents of two adjacent classes l, l + 1
 * (l uniform), a symmetric proposal accepted with min(1, p(z') / p(z)),
 * where only the stick terms of (1) change.
 *
 * Edge cases: rows with more than 2^32 - 1 people of S (hypergeometric
 * draws take unsigned int) make the move do nothing, as does N < 2.  The
 * move allocates nothing; its scratch is set up with the chain.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "core/vc_fastmath.h"
#include "models/impl.h"

/* Restricted scans from the random start to the launch state [JN04 use
 * a few; each costs about one Gibbs sweep on UK].  More scans give
 * better-placed splits at a higher price per move. */
#define VCI_SM_SCANS 3

struct vci_sm {
    size_t J, K, rows;   /* rows = npat + 1: the patterns, then the unseen */
    uint32_t *pat;       /* rows: capture pattern of each row (unseen: 0) */
    uint64_t *cells;     /* rows * K: people of row x in class k */
    uint64_t *ntot;      /* K: n_k, kept equal to the column sums */
    double *tail;        /* K + 1: T_k */
    uint64_t *r_row;     /* rows: people of S in row x */
    uint64_t *f_row;     /* rows: of them free (neither i nor j) */
    uint64_t *a_row;     /* rows: free people in A, the scan's state */
    uint64_t *a_orig;    /* rows: free people in A in the current split */
    uint64_t *sA, *sB;   /* J: people of A, B seen by list j */
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
    free(sm->f_row);
    free(sm->a_row);
    free(sm->a_orig);
    free(sm->sA);
    free(sm->sB);
    free(sm);
}

vci_sm *vci_sm_alloc(const vc_lcm_workspace *w)
{
    vci_sm *sm = calloc(1, sizeof *sm);
    if (sm == NULL) {
        return NULL;
    }
    size_t rows = w->npat + 1, K = w->K, J = w->J;
    sm->J = J;
    sm->K = K;
    sm->rows = rows;
    sm->pat = calloc(rows, sizeof *sm->pat);
    sm->cells = calloc(rows * K, sizeof *sm->cells);
    sm->ntot = calloc(K, sizeof *sm->ntot);
    sm->tail = calloc(K + 1, sizeof *sm->tail);
    sm->r_row = calloc(rows, sizeof *sm->r_row);
    sm->f_row = calloc(rows, sizeof *sm->f_row);
    sm->a_row = calloc(rows, sizeof *sm->a_row);
    sm->a_orig = calloc(rows, sizeof *sm->a_orig);
    sm->sA = calloc(J, sizeof *sm->sA);
    sm->sB = calloc(J, sizeof *sm->sB);
    if (sm->pat == NULL || sm->cells == NULL || sm->ntot == NULL
        || sm->tail == NULL || sm->r_row == NULL || sm->f_row == NULL
        || sm->a_row == NULL || sm->a_orig == NULL || sm->sA == NULL
        || sm->sB == NULL) {
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

/* log E[pi_k | n] of (2), for classes A and B at once; tails() done.
 * Only the proposal uses it, in both directions alike, so the floor
 * that keeps vci_log's argument normal cannot bias the move. */
static void log_stick_pred(const vci_sm *sm, double alpha, size_t A,
                           size_t B, double *lA, double *lB)
{
    const size_t K = sm->K;
    const double *T = sm->tail;
    *lA = 0.0;
    *lB = 0.0;
    double cum = 0.0; /* sum_{l<k} log((alpha + T_{l+1}) / (1 + alpha + T_l)) */
    for (size_t k = 0; k < K; k++) {
        double here = k + 1 < K ? vci_log((1.0 + (double)sm->ntot[k])
                                          / (1.0 + alpha + T[k]))
                                : 0.0;
        if (k == A) {
            *lA = cum + here;
        }
        if (k == B) {
            *lB = cum + here;
        }
        if (k + 1 < K) {
            double ratio = (alpha + T[k + 1]) / (1.0 + alpha + T[k]);
            cum += vci_log(ratio > DBL_MIN ? ratio : DBL_MIN);
        }
    }
}

/* log of the list part of (2) for pattern x in a class of n people, s_j
 * of them seen by list j. */
static double log_profile(size_t J, uint32_t x, uint64_t n, const uint64_t *s)
{
    double nn = (double)n, t = 0.0;
    for (size_t j = 0; j < J; j++) {
        double sj = (double)s[j];
        t += vci_log((x >> j & 1u) ? 1.0 + sj : 1.0 + nn - sj);
    }
    return t - (double)J * vci_log(2.0 + nn);
}

/* Put m people of row x into class k (add = 1) or take them out (add =
 * 0), with k's list counts s (sm->sA or sm->sB). */
static void move_people(vci_sm *sm, size_t x, size_t k, uint64_t *s,
                        uint64_t m, int add)
{
    uint32_t pat = sm->pat[x];
    if (add) {
        sm->ntot[k] += m;
    } else {
        sm->ntot[k] -= m;
    }
    for (size_t j = 0; j < sm->J; j++) {
        if (pat >> j & 1u) {
            s[j] = add ? s[j] + m : s[j] - m;
        }
    }
}

/* log (1) up to terms that do not depend on how S is split between A and
 * B: the list terms of A and B and all the stick terms, at sm->ntot and
 * sm->sA, sm->sB. */
static double log_target(vci_sm *sm, double alpha, size_t A, size_t B)
{
    const size_t J = sm->J, K = sm->K;
    double t = 0.0;
    double nA = (double)sm->ntot[A], nB = (double)sm->ntot[B];
    for (size_t j = 0; j < J; j++) {
        double a = (double)sm->sA[j], b = (double)sm->sB[j];
        t += gsl_sf_lnbeta(1.0 + a, 1.0 + nA - a)
             + gsl_sf_lnbeta(1.0 + b, 1.0 + nB - b);
    }
    tails(sm);
    for (size_t k = 0; k + 1 < K; k++) {
        t += gsl_sf_lnbeta(1.0 + (double)sm->ntot[k],
                           alpha + sm->tail[k + 1]);
    }
    return t;
}

/* Class sizes and list counts of A and B from the per-row split: row x
 * holds a[x] + [x == xi] people in A and f[x] - a[x] + [x == xj] in B
 * (a == NULL: all of S in A). */
static void set_split(vci_sm *sm, size_t A, size_t B, const uint64_t *a,
                      size_t xi, size_t xj)
{
    sm->ntot[A] = 0;
    sm->ntot[B] = 0;
    memset(sm->sA, 0, sm->J * sizeof *sm->sA);
    memset(sm->sB, 0, sm->J * sizeof *sm->sB);
    for (size_t x = 0; x < sm->rows; x++) {
        uint64_t inA, inB;
        if (a == NULL) {
            inA = sm->r_row[x];
            inB = 0;
        } else {
            inA = a[x] + (x == xi);
            inB = sm->f_row[x] - a[x] + (x == xj);
        }
        move_people(sm, x, A, sm->sA, inA, 1);
        move_people(sm, x, B, sm->sB, inB, 1);
    }
}

/* Scan modes. */
enum { SCAN_DRAW, SCAN_PROPOSE, SCAN_FORCE };

/*
 * One restricted scan (step 4 above) from the split in sm->a_row (with
 * ntot, sA, sB matching it), leaving the new split there.  SCAN_PROPOSE
 * adds log q of the outcome, (3), to *logq; SCAN_FORCE makes the outcome
 * sm->a_orig (chunk counts drawn hypergeometrically) and adds its log q.
 */
static void restricted_scan(vci_sm *sm, const gsl_rng *r, double alpha,
                            size_t A, size_t B, int mode, double *logq)
{
    const size_t J = sm->J;
    for (size_t x = 0; x < sm->rows; x++) {
        uint64_t f = sm->f_row[x];
        if (f == 0) {
            continue;
        }
        uint64_t a = sm->a_row[x];
        move_people(sm, x, A, sm->sA, a, 0);
        move_people(sm, x, B, sm->sB, f - a, 0);
        uint64_t done = 0, inA = 0, want = mode == SCAN_FORCE ? sm->a_orig[x]
                                                              : 0;
        while (done < f) {
            uint64_t c = done == 0 ? 1 : done;
            c = c < f - done ? c : f - done;
            double lA, lB;
            tails(sm);
            log_stick_pred(sm, alpha, A, B, &lA, &lB);
            lA += log_profile(J, sm->pat[x], sm->ntot[A], sm->sA);
            lB += log_profile(J, sm->pat[x], sm->ntot[B], sm->sB);
            double hi = lA > lB ? lA : lB;
            double lse = hi + log1p(exp(-fabs(lA - lB)));
            double lp = lA - lse, lq = lB - lse; /* log p, log(1 - p) */
            uint64_t b;
            if (mode == SCAN_FORCE) {
                /* which of the `want` people of the current split still
                 * to place fall in this chunk: hypergeometric */
                uint64_t left = f - done;
                b = c == left ? want
                              : gsl_ran_hypergeometric(
                                    r, (unsigned)want,
                                    (unsigned)(left - want), (unsigned)c);
                want -= b;
            } else {
                b = vci_ran_binomial(r, exp(lp), c);
            }
            if (logq != NULL) {
                *logq += (b > 0 ? (double)b * lp : 0.0)
                         + (c - b > 0 ? (double)(c - b) * lq : 0.0);
            }
            move_people(sm, x, A, sm->sA, b, 1);
            move_people(sm, x, B, sm->sB, c - b, 1);
            inA += b;
            done += c;
        }
        sm->a_row[x] = inA;
    }
}

/* Cell of the person with index u (0-based, people ordered by row then
 * class), skipping one person of cell `skip` (rows * K: none). */
static size_t find_person(const vci_sm *sm, uint64_t u, size_t skip)
{
    size_t ncell = sm->rows * sm->K;
    for (size_t q = 0; q < ncell; q++) {
        uint64_t m = sm->cells[q] - (q == skip);
        if (u < m) {
            return q;
        }
        u -= m;
    }
    return ncell - 1; /* not reached: u < N */
}

/* One split-merge proposal on sm->cells (steps 1-5 above). */
static void split_merge(vci_sm *sm, const gsl_rng *r, double alpha)
{
    const size_t K = sm->K, rows = sm->rows;
    uint64_t N = 0;
    for (size_t k = 0; k < K; k++) {
        uint64_t nk = 0;
        for (size_t x = 0; x < rows; x++) {
            nk += sm->cells[x * K + k];
        }
        sm->ntot[k] = nk;
        N += nk;
    }
    if (N < 2) {
        return;
    }
    size_t ci = find_person(sm, uniform_index(r, N), rows * K);
    size_t cj = find_person(sm, uniform_index(r, N - 1), ci);
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
    for (size_t x = 0; x < rows; x++) {
        uint64_t rx = sm->cells[x * K + A] + (split ? 0 : sm->cells[x * K + B]);
        if (rx > UINT32_MAX) {
            return;
        }
        sm->r_row[x] = rx;
        sm->f_row[x] = rx - (x == xi) - (x == xj);
        sm->a_orig[x] = split ? 0 : sm->cells[x * K + A] - (x == xi);
    }
    sm->counts[split ? 0 : 2]++;
    /* the current state's log target */
    set_split(sm, A, B, split ? NULL : sm->a_orig, xi, xj);
    double log_now = log_target(sm, alpha, A, B);
    /* launch state: a random split, then restricted scans */
    for (size_t x = 0; x < rows; x++) {
        sm->a_row[x] = vci_ran_binomial(r, 0.5, sm->f_row[x]);
    }
    set_split(sm, A, B, sm->a_row, xi, xj);
    for (int s = 0; s < VCI_SM_SCANS; s++) {
        restricted_scan(sm, r, alpha, A, B, SCAN_DRAW, NULL);
    }
    double logq = 0.0, log_acc;
    if (split) {
        restricted_scan(sm, r, alpha, A, B, SCAN_PROPOSE, &logq);
        double log_new = log_target(sm, alpha, A, B);
        log_acc = log_new - log_now - logq + log((double)empty);
    } else {
        restricted_scan(sm, r, alpha, A, B, SCAN_FORCE, &logq);
        set_split(sm, A, B, NULL, xi, xj);
        double log_new = log_target(sm, alpha, A, B);
        log_acc = log_new - log_now + logq - log((double)(empty + 1));
    }
    if (!(log_acc >= 0.0 || vci_ran_uniform(r) < exp(log_acc))) {
        return;
    }
    sm->counts[split ? 1 : 3]++;
    for (size_t x = 0; x < rows; x++) {
        if (split) {
            sm->cells[x * K + A] = sm->a_row[x] + (x == xi);
            sm->cells[x * K + B] = sm->f_row[x] - sm->a_row[x] + (x == xj);
        } else {
            sm->cells[x * K + A] = sm->r_row[x];
            sm->cells[x * K + B] = 0;
        }
    }
}

/* Sum of the stick terms of (1) at sm->ntot. */
static double log_sticks(vci_sm *sm, double alpha)
{
    double t = 0.0;
    tails(sm);
    for (size_t k = 0; k + 1 < sm->K; k++) {
        t += gsl_sf_lnbeta(1.0 + (double)sm->ntot[k],
                           alpha + sm->tail[k + 1]);
    }
    return t;
}

/* Exchange the contents of classes l and l + 1 [PR08]; the list terms of
 * (1) are unchanged (the same classes, relabelled). */
static void label_swap(vci_sm *sm, const gsl_rng *r, double alpha)
{
    const size_t K = sm->K, rows = sm->rows;
    if (K < 2) {
        return;
    }
    size_t l = (size_t)uniform_index(r, K - 1);
    for (size_t k = 0; k < K; k++) {
        uint64_t nk = 0;
        for (size_t x = 0; x < rows; x++) {
            nk += sm->cells[x * K + k];
        }
        sm->ntot[k] = nk;
    }
    if (sm->ntot[l] == sm->ntot[l + 1]) {
        return; /* the same weight either way */
    }
    sm->counts[5]++;
    double before = log_sticks(sm, alpha);
    uint64_t t = sm->ntot[l];
    sm->ntot[l] = sm->ntot[l + 1];
    sm->ntot[l + 1] = t;
    double log_acc = log_sticks(sm, alpha) - before;
    if (!(log_acc >= 0.0 || vci_ran_uniform(r) < exp(log_acc))) {
        return;
    }
    sm->counts[6]++;
    for (size_t x = 0; x < rows; x++) {
        uint64_t *c = sm->cells + x * K;
        t = c[l];
        c[l] = c[l + 1];
        c[l + 1] = t;
    }
}

int vci_lcm_iterate_splitmerge(vc_lcm_workspace *w, const gsl_rng *r,
                               vci_sm *sm, size_t moves, vc_error *err)
{
    const size_t J = w->J, K = w->K, P = w->npat;
    vc_lcm_state *s = &w->state;
    int status = vci_lcm_sample_observed_cells(w, r, sm->cells);
    if (status != VC_OK) {
        return vc_error_set(err, status, "LCM sweep %llu: class allocation "
                            "of the observed: a non-finite value",
                            (unsigned long long)s->sweeps + 1);
    }
    memcpy(sm->cells + P * K, s->n0_class, K * sizeof *s->n0_class);
    for (size_t m = 0; m < moves; m++) {
        split_merge(sm, r, s->alpha);
        label_swap(sm, r, s->alpha);
    }
    /* the counts back into the sweep's sufficient statistics */
    memset(w->seen, 0, J * K * sizeof *w->seen);
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
    }
    static const char *const step[] = {"lambda", "stick-breaking weights",
                                       "alpha", "n0 (people no list saw)"};
    int (*const sample[])(vc_lcm_workspace *, const gsl_rng *) = {
        vci_lcm_sample_lambda, vci_lcm_sample_weights, vci_lcm_sample_alpha,
        vci_lcm_resample_unobserved};
    for (size_t i = 0; i < sizeof step / sizeof step[0]; i++) {
        status = sample[i](w, r);
        if (status != VC_OK) {
            return vc_error_set(err, status,
                                "LCM sweep %llu (split-merge): %s: a "
                                "non-finite value or N beyond 2^62",
                                (unsigned long long)s->sweeps + 1, step[i]);
        }
    }
    s->sweeps++;
    return VC_OK;
}
