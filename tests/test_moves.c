/*
 * test_moves.c: the models suite's tests of the moves on the classes
 * (models/splitmerge.c): the flip and the label swaps against the
 * stick-breaking prior's probabilities of each ordering, and split-merge
 * against Gibbs with K = 4 classes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_gamma.h>

#include "models/lcm_impl.h"
#include "models/vc_models.h"
#include "tests/test_models.h"
#include "tests/test_util.h"

/* The flip of the hybrid sampler (vci_sm_flip_alpha) alone on K = 3
 * classes of fixed sizes, near-empty ones included (issue 21: the tiny
 * exact test has K = 2, where classes 1 and K are neighbours): it toggles
 * between the orderings (n_1, n_2, n_3) and (n_3, n_2, n_1) while moving
 * log alpha, so the share of sweeps in the first ordering must be
 *   P_A / (P_A + P_B),  P_o = int Gamma(alpha; a, b) alpha^(K-1)
 *                            prod_{k<K} B(1 + n_k, alpha + T_{k+1}) d alpha
 * (models/splitmerge.c, "The flip"), by quadrature. */
static double flip_integrand(double alpha, void *p)
{
    const double *n = p; /* 3 sizes */
    if (alpha <= 0.0) {
        return 0.0;
    }
    double t = (0.25 - 1.0) * log(alpha) - 0.25 * alpha + 2.0 * log(alpha)
               + gsl_sf_lnbeta(1.0 + n[0], alpha + n[1] + n[2])
               + gsl_sf_lnbeta(1.0 + n[1], alpha + n[2]);
    return exp(t + 20.0);
}

static void flip_case(const double sizes[3])
{
    double fwd[3] = {sizes[0], sizes[1], sizes[2]};
    double rev[3] = {sizes[2], sizes[1], sizes[0]};
    gsl_integration_workspace *iw = gsl_integration_workspace_alloc(1000);
    double pa, pb, e1, e2;
    gsl_function fa = {flip_integrand, fwd}, fb = {flip_integrand, rev};
    CU_ASSERT_EQUAL_FATAL(gsl_integration_qagiu(&fa, 0.0, 0.0, 1e-10, 1000,
                                                iw, &pa, &e1), 0);
    CU_ASSERT_EQUAL_FATAL(gsl_integration_qagiu(&fb, 0.0, 0.0, 1e-10, 1000,
                                                iw, &pb, &e2), 0);
    gsl_integration_workspace_free(iw);
    double exact = pa / (pa + pb);
    vc_table *t = kosovo_table();
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.K = 3;
    vc_lcm_workspace *w = vc_lcm_alloc(t, &o, NULL);
    gsl_rng *r = vc_rng_stream_alloc(77, 0, 0, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL_FATAL(vc_lcm_init(w, r, NULL), VC_OK);
    vc_lcm_state *st = (vc_lcm_state *)vc_lcm_state_get(w);
    for (size_t k = 0; k < 3; k++) {
        w->nobs_class[k] = (uint64_t)sizes[k];
        st->n0_class[k] = 0;
    }
    st->n0 = 0;
    st->alpha = 1.0;
    enum { FLIPS = 400000 };
    double *ind = malloc(FLIPS * sizeof *ind), in_a = 0.0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(ind);
    uint64_t cnt[2] = {0, 0};
    for (int i = 0; i < FLIPS; i++) {
        vci_sm_flip_alpha(w, r, cnt);
        ind[i] = w->nobs_class[0] == (uint64_t)sizes[0]
                 && w->nobs_class[2] == (uint64_t)sizes[2];
        in_a += ind[i];
    }
    double ess = 0.0;
    CU_ASSERT_EQUAL(vc_diag_ess_basic(ind, 1, FLIPS, &ess, NULL), VC_OK);
    double got = in_a / FLIPS;
    fprintf(stderr, "\n    sizes %g %g %g: P(first order) %.4f (exact "
            "%.4f, ESS %.0f), flips %llu/%llu", sizes[0], sizes[1],
            sizes[2], got, exact, ess, (unsigned long long)cnt[1],
            (unsigned long long)cnt[0]);
    ASSERT_WITHIN_SE(got, exact, sqrt(exact * (1.0 - exact) / ess), 4.0);
    CU_ASSERT(cnt[1] > FLIPS / 100);
    free(ind);
    gsl_rng_free(r);
    vc_lcm_free(w);
    vc_table_free(t);
}

void test_flip_orderings(void)
{
    static const double cases[][3] = {{0, 2, 15}, {1, 0, 8}, {3, 1, 40}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        flip_case(cases[c]);
    }
}

/* Label swaps alone on K = 3 classes of fixed sizes: the orderings of the
 * sizes must come out with the stick-breaking prior's probabilities,
 * prod_{k<K-1} B(1 + n_k, alpha + T_{k+1}) (models/splitmerge.c, (1)).
 * Three sizes make the second pair's ratio depend on T_3 after the first
 * pair's decision: with the size of the class before the swap kept in T
 * (the bug fixed in version 0.3.0) two orderings came out at 0.029 and
 * 0.035 against the exact 0.048 and 0.072; now within 0.0005. */
void test_label_swaps_orderings(void)
{
    vc_table *t = kosovo_table();
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.K = 3;
    vc_lcm_workspace *w = vc_lcm_alloc(t, &o, NULL);
    gsl_rng *r = vc_rng_stream_alloc(77, 0, 0, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    static const uint64_t size[3] = {1, 5, 20};
    const double alpha = 0.7;
    w->state.alpha = alpha;
    for (size_t k = 0; k < 3; k++) {
        w->nobs_class[k] = size[k];
        w->state.n0_class[k] = 0;
    }
    memset(w->seen, 0, t->J * 3 * sizeof *w->seen);
    /* exact probabilities of the 6 orderings, indexed by the size at
     * positions 0 and 1 */
    double p[3][3] = {{0}}, norm = 0.0;
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
            if (a == b) {
                continue;
            }
            int c = 3 - a - b;
            double n0 = (double)size[a], n1 = (double)size[b];
            double n2 = (double)size[c];
            p[a][b] = exp(gsl_sf_lnbeta(1.0 + n0, alpha + n1 + n2)
                          + gsl_sf_lnbeta(1.0 + n1, alpha + n2));
            norm += p[a][b];
        }
    }
    enum { ROUNDS = 400000 };
    double freq[3][3] = {{0}};
    uint64_t counts[7] = {0};
    for (int i = 0; i < ROUNDS; i++) {
        vci_sm_label_swaps(w, r, counts);
        int a = -1, b = -1;
        for (int q = 0; q < 3; q++) {
            a = w->nobs_class[0] == size[q] ? q : a;
            b = w->nobs_class[1] == size[q] ? q : b;
        }
        CU_ASSERT_FATAL(a >= 0 && b >= 0 && a != b);
        freq[a][b] += 1.0 / ROUNDS;
    }
    fprintf(stderr, "\n    orderings (exact / swaps):");
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
            if (a != b) {
                fprintf(stderr, " %.4f/%.4f", p[a][b] / norm, freq[a][b]);
                CU_ASSERT(fabs(freq[a][b] - p[a][b] / norm) < 0.006);
            }
        }
    }
    gsl_rng_free(r);
    vc_lcm_free(w);
    vc_table_free(t);
}

/* Split-merge against Gibbs with K = 4 classes on the table of the exact
 * check (there is no exact reference for K > 2 here): with K = 2 a
 * split always has exactly one empty class to choose, so a wrong factor
 * 1/E in the acceptance cannot show there; with K = 4 it changes how many
 * classes are occupied (without it, P(at most one) was 0.547 against
 * Gibbs' 0.277, while the mean of N did not move).  Gibbs: 4 chains of
 * 50,000 sweeps; split-merge: one chain of 200,000 sweeps with three
 * proposals each.  Compared: the
 * probabilities of at most one and at most two occupied classes and the
 * mean of N, within 4.5 combined standard errors (ESS of each
 * indicator). */
static void sm_k4_stats(const double *occ, const double *N, size_t m,
                        size_t n, double out[3], double se[3])
{
    double *ind = malloc(m * n * sizeof *ind);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ind);
    for (int q = 0; q < 2; q++) {
        double sum = 0.0, ess = 0.0;
        for (size_t i = 0; i < m * n; i++) {
            ind[i] = occ[i] <= (double)(q + 1);
            sum += ind[i];
        }
        CU_ASSERT_EQUAL(vc_diag_ess_basic(ind, m, n, &ess, NULL), VC_OK);
        out[q] = sum / (double)(m * n);
        se[q] = sqrt(out[q] * (1.0 - out[q]) / ess);
    }
    vc_diag_summary d;
    CU_ASSERT_EQUAL(vc_diag_summarise(N, m, n, 0.95, &d, NULL), VC_OK);
    out[2] = d.mean;
    se[2] = d.mcse_mean;
    free(ind);
}

/* Four chains of the driver with options o on t, KEEP kept draws each
 * (occ and N: 4 * KEEP scratch), into sm_k4_stats' out and se; returns
 * the chains (the caller frees them). */
static vc_lcm_chains *k4_chains(const vc_table *t, const vc_lcm_opts *o,
                                size_t keep, double *occ, double *N,
                                double out[3], double se[3])
{
    vc_lcm_chains *c = vc_lcm_chains_alloc(t, o, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL_FATAL(vc_lcm_chains_round(c, keep * o->thin, NULL),
                          VC_OK);
    for (size_t i = 0; i < 4; i++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(c, i);
        for (size_t d = 0; d < keep; d++) {
            occ[i * keep + d] = tr->occupied[d];
            N[i * keep + d] = (double)tr->N[d];
        }
    }
    sm_k4_stats(occ, N, 4, keep, out, se);
    return c;
}

/* The three statistics of a sampler against Gibbs', within 4.5 combined
 * standard errors. */
static void k4_compare(const char *name, const double g[3],
                       const double g_se[3], const double m[3],
                       const double m_se[3])
{
    static const char *const what[3] = {"P(occupied <= 1)",
                                        "P(occupied <= 2)", "mean N"};
    for (int q = 0; q < 3; q++) {
        double se = sqrt(g_se[q] * g_se[q] + m_se[q] * m_se[q]);
        fprintf(stderr, "\n    K = 4, %s: gibbs %.4f, %s %.4f "
                "(4.5 se = %.4f)", what[q], g[q], name, m[q], 4.5 * se);
        CU_ASSERT(fabs(g[q] - m[q]) <= 4.5 * se);
    }
}

void test_splitmerge_vs_gibbs_k4(void)
{
    enum { J = 3, NPAT = 7, KEEP = 10000, THIN = 5 };
    static const uint32_t pattern[NPAT] = {1, 2, 4, 3, 5, 6, 7};
    static const uint64_t count[NPAT] = {3, 2, 4, 2, 1, 3, 2};
    static const char *const names[J] = {"A", "B", "C"};
    vc_table *t = vc_table_from_counts(J, names, NPAT, pattern, count, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.sampler = VC_LCM_SAMPLER_GIBBS;
    o.K = 4;
    o.n_max = 17 + 60;
    o.burnin = 2000;
    o.thin = THIN;
    o.seed = 4444;
    double *occ = malloc(4 * KEEP * sizeof *occ);
    double *N = malloc(4 * KEEP * sizeof *N);
    CU_ASSERT_PTR_NOT_NULL_FATAL(occ);
    CU_ASSERT_PTR_NOT_NULL_FATAL(N);
    double g[3], g_se[3];
    vc_lcm_chains_free(k4_chains(t, &o, KEEP, occ, N, g, g_se));
    vc_lcm_workspace *w = vc_lcm_alloc(t, &o, NULL);
    gsl_rng *r = vc_rng_stream_alloc(4445, 0, 0, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    /* three split-merge proposals and the label swaps every sweep */
    static const vci_lcm_schedule split3 = {"test", 1, 1, 3, 1, 0, 0};
    CU_ASSERT_EQUAL_FATAL(vci_lcm_set_schedule(w, &split3, NULL), VC_OK);
    vci_sm *sm = w->sm;
    CU_ASSERT_EQUAL_FATAL(vc_lcm_init(w, r, NULL), VC_OK);
    for (int i = 0; i < 2000 + 4 * KEEP * THIN; i++) {
        CU_ASSERT_EQUAL_FATAL(vc_lcm_iterate(w, r, NULL), VC_OK);
        if (i >= 2000 && (i - 2000) % THIN == 0) {
            const vc_lcm_state *st = vc_lcm_state_get(w);
            occ[(i - 2000) / THIN] = (double)st->occupied;
            N[(i - 2000) / THIN] = (double)st->N;
        }
    }
    double m[3], m_se[3];
    sm_k4_stats(occ, N, 1, 4 * KEEP, m, m_se);
    uint64_t cnt[7];
    vci_sm_counts(sm, cnt);
    k4_compare("split-merge", g, g_se, m, m_se);
    fprintf(stderr, "; splits %llu/%llu, merges %llu/%llu",
            (unsigned long long)cnt[1], (unsigned long long)cnt[0],
            (unsigned long long)cnt[3], (unsigned long long)cnt[2]);
    CU_ASSERT(cnt[1] > 1000 && cnt[3] > 1000);
    /* the hybrid sampler, 4 chains as Gibbs: with K = 4 its flip of
     * classes 1 and 4 with alpha changes which classes hold people */
    o.sampler = VC_LCM_SAMPLER_HYBRID;
    o.seed = 4446;
    vc_lcm_chains *c = k4_chains(t, &o, KEEP, occ, N, m, m_se);
    vc_lcm_hybrid_counts hc;
    CU_ASSERT_EQUAL(vc_lcm_chains_hybrid_counts(c, &hc), 1);
    k4_compare("hybrid", g, g_se, m, m_se);
    fprintf(stderr, "; flips %llu/%llu, unseen moves %llu/%llu",
            (unsigned long long)hc.flips_accepted,
            (unsigned long long)hc.flips_proposed,
            (unsigned long long)hc.unseen_moves_accepted,
            (unsigned long long)hc.unseen_moves_proposed);
    CU_ASSERT(hc.flips_accepted > 100);
    vc_lcm_chains_free(c);
    free(occ);
    free(N);
    gsl_rng_free(r);
    vc_lcm_free(w);
    vc_table_free(t);
}
