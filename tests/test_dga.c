/*
 * test_dga.c: Bayesian model averaging over decomposable graphs against
 * R's dga 2.0.2 (exact enumeration, prior on N proportional to 1/N), as
 * computed for the graph-averaging issue; and properties of the graph
 * enumeration.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <omp.h>

#include "models/dga_impl.h"
#include "models/vc_dga.h"
#include "models/vc_models.h"
#include "tests/test_util.h"

/* Chordal graphs on J labelled vertices: OEIS A058862 (1, 2, 8, 61, 822). */
static void test_graph_counts(void)
{
    static const size_t want[] = {0, 0, 2, 8, 61, 822};
    for (size_t J = 2; J <= 5; J++) {
        uint32_t *edges = NULL;
        vc_error err;
        vc_error_clear(&err);
        size_t n = vc_dga_decomposable_graphs(J, &edges, &err);
        CU_ASSERT_EQUAL(n, want[J]);
        if (J == 4) {
            /* the three 4-cycles are the only non-chordal graphs on 4 */
            uint32_t c4 = (1u << vc_dga_edge_index(0, 1))
                          | (1u << vc_dga_edge_index(1, 2))
                          | (1u << vc_dga_edge_index(2, 3))
                          | (1u << vc_dga_edge_index(0, 3));
            int found = 0;
            for (size_t k = 0; k < n; k++) {
                found |= edges[k] == c4;
            }
            CU_ASSERT(!found);
        }
        free(edges);
    }
}

typedef struct {
    const char *file;
    double delta;
    uint64_t lo, hi;
    double mean;      /* posterior mean of N */
    int mean_digits;  /* decimals printed in the reference */
    double median, lower, upper, mode, top;
} dga_ref;

/* The figures of the issue: each quantile exactly (grid points), the mean
 * and the top graph's probability to the digits printed.  NAN = not given. */
static const dga_ref refs[] = {
    {"MY1997_5.csv", 0.5, 1, 300, 617.82, 2, NAN, NAN, NAN, 614, 0.2171},
    {"MY1997_5.csv", 1.0 / 32, 0, 13425, 618.91, 2, 618, 590, 656, NAN,
     0.4414},
    {"Kosovo.csv", 1.0 / 16, 0, 110000, 12749.3, 1, 12595, 9827, 16544, NAN,
     0.9855},
    {"UKdat_5.csv", 1.0 / 32, 0, 68600, 21282, 0, 22990, 10387, 33510, NAN,
     NAN},
    {"Korea.csv", 1.0 / 8, 0, 3075, 198.80, 2, 159, 123, 432, NAN, NAN},
};

static void test_dga_reference(void)
{
    for (size_t c = 0; c < sizeof refs / sizeof refs[0]; c++) {
        const dga_ref *x = &refs[c];
        vc_table *t = vc_test_load_ref(x->file);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        vc_dga_opts o;
        memset(&o, 0, sizeof o);
        o.delta = x->delta;
        o.n0_lo = x->lo;
        o.n0_hi = x->hi;
        vc_error err;
        vc_error_clear(&err);
        vc_dga_result *r = vc_dga_fit(t, &o, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        double scale = pow(10.0, x->mean_digits);
        CU_ASSERT_EQUAL(round(r->mean * scale) / scale, x->mean);
        if (round(r->mean * scale) / scale != x->mean) {
            fprintf(stderr, "\n  %s: mean %.6f, expected %g", x->file,
                    r->mean, x->mean);
        }
        if (!isnan(x->median)) {
            CU_ASSERT_EQUAL(r->median, x->median);
            CU_ASSERT_EQUAL(vc_dga_quantile(r, 0.025), x->lower);
            CU_ASSERT_EQUAL(vc_dga_quantile(r, 0.975), x->upper);
            vc_estimate e;
            vc_dga_estimate(r, 0.95, &e);
            CU_ASSERT_EQUAL(e.estimate, x->median);
            CU_ASSERT_EQUAL(e.lower, x->lower);
            CU_ASSERT_EQUAL(e.upper, x->upper);
            CU_ASSERT_STRING_EQUAL(e.method, "dga");
        }
        if (!isnan(x->mode)) {
            CU_ASSERT_EQUAL(r->mode, x->mode);
        }
        if (!isnan(x->top)) {
            CU_ASSERT_EQUAL(round(r->top[0].posterior * 1e4) / 1e4, x->top);
        }
        /* probabilities add up, edges are consistent */
        double sum = 0.0;
        for (size_t i = 0; i < r->ngrid; i++) {
            sum += r->post[i];
        }
        VC_ASSERT_REL(sum, 1.0, 1e-12);
        CU_ASSERT(r->top[0].posterior >= r->top[1].posterior);
        vc_dga_result_free(r);
        vc_table_free(t);
    }
}

/* Kosovo's top graph (Ball et al. 2002 data): the cliques as text. */
static void test_dga_cliques_and_auto_grid(void)
{
    vc_table *t = vc_test_load_ref("Kosovo.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_dga_opts o;
    memset(&o, 0, sizeof o); /* delta 2^-4, automatic grid (25 n) */
    vc_error err;
    vc_error_clear(&err);
    vc_dga_result *r = vc_dga_fit(t, &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->top[0].cliques, "[EXH,ABA,OSCE][EXH,OSCE,HRW]");
    CU_ASSERT_EQUAL(r->ngrid, 110001);
    CU_ASSERT_EQUAL(r->median, 12595);
    CU_ASSERT_EQUAL(r->flags & VC_FLAG_UPPER_OPEN, 0);
    /* ABA-HRW is the one pair missing from the top graph */
    CU_ASSERT(r->edge_post[1 * 4 + 3] < 0.05);
    CU_ASSERT(r->edge_post[0 * 4 + 1] > 0.95);
    VC_ASSERT_REL(r->edge_post[1 * 4 + 0], r->edge_post[0 * 4 + 1], 1e-15);
    vc_dga_result_free(r);

    /* Permuting the lists changes no figure. */
    const uint32_t group[] = {1u << 2, 1u << 0, 1u << 3, 1u << 1};
    const char *names[] = {"OSCE", "EXH", "HRW", "ABA"};
    vc_table *p = vc_table_collapse(t, 4, group, names, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    r = vc_dga_fit(p, &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->median, 12595);
    CU_ASSERT_EQUAL(vc_dga_quantile(r, 0.975), 16544);
    vc_dga_result_free(r);
    vc_table_free(p);
    vc_table_free(t);
}

/*
 * The exact pass streams the grid in blocks, and its sum in rounds of
 * blocks whose per-graph sums are added in block order: the result is the
 * same to the last bit on any number of threads.  UK 5 lists on 0:68600
 * has 134 blocks, several rounds.
 */
static void test_dga_threads_identical(void)
{
    vc_table *t = vc_test_load_ref("UKdat_5.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_dga_opts o;
    memset(&o, 0, sizeof o);
    o.n0_hi = 68600;
    vc_error err;
    vc_error_clear(&err);
    int saved = omp_get_max_threads();
    vc_dga_result *r[3];
    for (int k = 0; k < 3; k++) {
        omp_set_num_threads(k + 1);
        r[k] = vc_dga_fit(t, &o, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r[k]);
    }
    omp_set_num_threads(saved);
    CU_ASSERT_EQUAL(r[0]->median, 22990);
    VC_ASSERT_REL(r[0]->mean, 21282.17297, 1e-9);
    for (int k = 1; k < 3; k++) {
        CU_ASSERT_EQUAL_FATAL(r[k]->ngrid, r[0]->ngrid);
        CU_ASSERT_EQUAL(memcmp(r[k]->post, r[0]->post,
                               r[0]->ngrid * sizeof *r[0]->post), 0);
        CU_ASSERT_EQUAL(memcmp(r[k]->edge_post, r[0]->edge_post,
                               25 * sizeof *r[0]->edge_post), 0);
        CU_ASSERT_EQUAL(memcmp(&r[k]->mean, &r[0]->mean, sizeof r[0]->mean),
                        0);
        for (size_t a = 0; a < r[0]->ntop; a++) {
            CU_ASSERT_EQUAL(memcmp(&r[k]->top[a].posterior,
                                   &r[0]->top[a].posterior,
                                   sizeof r[0]->top[a].posterior), 0);
            CU_ASSERT_EQUAL(memcmp(&r[k]->top[a].mean_N,
                                   &r[0]->top[a].mean_N,
                                   sizeof r[0]->top[a].mean_N), 0);
        }
    }
    for (int k = 0; k < 3; k++) {
        vc_dga_result_free(r[k]);
    }
    vc_table_free(t);
}

static void test_dga_errors(void)
{
    vc_table *t = vc_test_load_ref("UKdat.csv"); /* 6 lists */
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_dga_opts o;
    memset(&o, 0, sizeof o);
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_fit(t, &o, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_table_free(t);
    t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    o.n0_lo = 50;
    o.n0_hi = 10;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_fit(t, &o, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    o.n0_lo = 0;
    o.n0_hi = 0;
    o.prior = VC_DGA_PRIOR_NEGBIN;
    o.nb_a = -1.0;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_fit(t, &o, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    /* A grid too short for the posterior is flagged, not silently used. */
    memset(&o, 0, sizeof o);
    o.n0_hi = 40;
    vc_dga_result *r = vc_dga_fit(t, &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT(r->flags & VC_FLAG_UPPER_OPEN);
    /* a quantile beyond the posterior's mass is the top of the grid */
    CU_ASSERT_EQUAL(vc_dga_quantile(r, 2.0), (double)t->n + 40.0);
    vc_dga_result_free(r);
    memset(&o, 0, sizeof o);
    o.delta = INFINITY;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_fit(t, &o, &err));
    CU_ASSERT_STRING_EQUAL(err.msg, "delta must be a positive number");
    vc_table_free(t);
    /* nobody observed and a grid from 0: nothing to average over */
    static const char *const names[] = {"A", "B", "C"};
    static const uint32_t pat[] = {1};
    static const uint64_t cnt[] = {1};
    vc_table *t0 = vc_table_from_counts(3, names, 0, pat, cnt, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t0);
    memset(&o, 0, sizeof o);
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_fit(t0, &o, &err));
    CU_ASSERT_STRING_EQUAL(err.msg, "no one was observed");
    vc_table_free(t0);
    /* the graphs: 2 to 7 lists; an edge is the same either way round */
    uint32_t *edges = NULL;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_dga_decomposable_graphs(8, &edges, &err), 0);
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    CU_ASSERT_PTR_NULL(edges);
    CU_ASSERT_EQUAL(vc_dga_edge_index(3, 1), vc_dga_edge_index(1, 3));
}

/* Madigan & York's 3-list example with a negative binomial prior
 * (delta = 1, a = 13.14, b = 55.17: prior mean a b = 725, sd 202): a proper
 * prior, so the posterior has no heavy tail and sits above the 626 people
 * seen.  No published figure is at hand: this checks coherence only. */
static void test_dga_negbin(void)
{
    vc_table *t = vc_test_load_ref("MY1997_3.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_dga_opts o;
    memset(&o, 0, sizeof o);
    o.delta = 1.0;
    o.prior = VC_DGA_PRIOR_NEGBIN;
    o.nb_a = 13.14;
    o.nb_b = 55.17;
    vc_error err;
    vc_error_clear(&err);
    vc_dga_result *r = vc_dga_fit(t, &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(r->ngraphs, 8);
    CU_ASSERT(r->median > 626.0 && r->mean > 626.0 && isfinite(r->sd));
    CU_ASSERT_EQUAL(r->flags & VC_FLAG_UPPER_OPEN, 0);
    vc_dga_result_free(r);
    vc_table_free(t);
}

/*
 * The exact pass against the posterior written out the plainest way: for
 * every graph and every grid point, log p(G, n0 | data) from log-gamma
 * functions of the marginal tables (dga.c's header, [1, eq. (3)]), the
 * weights relative to the largest and summed in long double.  The pass
 * skips blocks and points it bounds below e^-50 of the largest weight and
 * multiplies factor exps: its grid posterior, mean, sd and graph
 * posteriors must agree to 1e-9.  Cases: strong curvature at small n0
 * (grids from 0 and 1 on small tables), a sparse table whose graphs have
 * long upper tails, the negative binomial prior, a grid not starting at 0.
 */
static double oracle_logD(const vc_table *t, uint32_t s, double delta,
                          double n0)
{
    size_t J = t->J;
    double cnt[1u << VC_DGA_MAX_LISTS] = {0};
    for (size_t p = 0; p < t->npat; p++) {
        cnt[t->pattern[p] & s] += (double)t->count[p];
    }
    cnt[0] += n0;
    double A = delta * ldexp(1.0, (int)J);
    double alpha = delta * ldexp(1.0, (int)J - __builtin_popcount(s));
    double v = lgamma(A) - lgamma(A + (double)t->n + n0);
    for (uint32_t c = s;; c = (c - 1) & s) {
        v += lgamma(alpha + cnt[c]) - lgamma(alpha);
        if (c == 0) {
            break;
        }
    }
    return v;
}

static void oracle_check(const vc_table *t, const vc_dga_opts *o)
{
    vc_error err;
    vc_error_clear(&err);
    vc_dga_result *r = vc_dga_fit(t, o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    size_t J = t->J, ngrid = r->ngrid;
    uint32_t *edges = NULL;
    size_t ng = vc_dga_decomposable_graphs(J, &edges, &err);
    CU_ASSERT_EQUAL_FATAL(ng, r->ngraphs);
    double *L = malloc(ng * ngrid * sizeof *L);
    long double *post = calloc(ngrid, sizeof *post);
    long double *gw = calloc(ng, sizeof *gw);
    double *lD = malloc(((size_t)1 << J) * ngrid * sizeof *lD);
    CU_ASSERT_FATAL(L && post && gw && lD);
    double n = (double)t->n;
    for (uint32_t s = 1; s < (1u << J); s++) {
        for (size_t i = 0; i < ngrid; i++) {
            lD[s * ngrid + i] = oracle_logD(t, s, r->delta,
                                            (double)(r->n0_lo + i));
        }
    }
    double Lmax = -INFINITY;
    for (size_t k = 0; k < ng; k++) {
        vci_dga_terms gt;
        vci_dga_terms_build(J, edges[k], &gt);
        for (size_t i = 0; i < ngrid; i++) {
            double n0 = (double)(r->n0_lo + i), N = n + n0;
            double v = lgamma(N + 1.0) - lgamma(n0 + 1.0);
            if (o->prior == VC_DGA_PRIOR_NEGBIN) {
                v += lgamma(N + o->nb_a) - lgamma(N + 1.0)
                     - N * log1p(1.0 / o->nb_b);
            } else {
                v -= log(N);
            }
            for (size_t q = 0; q < gt.nterm; q++) {
                v += gt.coef[q] * lD[gt.subset[q] * ngrid + i];
            }
            L[k * ngrid + i] = v;
            Lmax = v > Lmax ? v : Lmax;
        }
    }
    long double Z = 0.0L;
    for (size_t k = 0; k < ng; k++) {
        for (size_t i = 0; i < ngrid; i++) {
            long double w = expl((long double)(L[k * ngrid + i] - Lmax));
            post[i] += w;
            gw[k] += w;
            Z += w;
        }
    }
    long double mean = 0.0L, pmax = 0.0L;
    for (size_t i = 0; i < ngrid; i++) {
        post[i] /= Z;
        mean += post[i] * (long double)(n + (double)(r->n0_lo + i));
        pmax = post[i] > pmax ? post[i] : pmax;
    }
    VC_ASSERT_REL(r->mean, (double)mean, 1e-9);
    int bad = 0;
    for (size_t i = 0; i < ngrid; i++) {
        bad += fabs(r->post[i] - (double)post[i]) > 1e-9 * (double)pmax;
    }
    CU_ASSERT_EQUAL(bad, 0);
    for (size_t a = 0; a < r->ntop; a++) {
        for (size_t k = 0; k < ng; k++) {
            if (edges[k] == r->top[a].edges) {
                CU_ASSERT(fabs(r->top[a].posterior - (double)(gw[k] / Z))
                          <= 1e-9);
            }
        }
    }
    free(L);
    free(post);
    free(gw);
    free(lD);
    free(edges);
    vc_dga_result_free(r);
}

static void test_dga_oracle(void)
{
    vc_dga_opts o;
    memset(&o, 0, sizeof o);
    vc_table *t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    o.delta = 1.0 / 8;
    o.n0_hi = 3075;
    oracle_check(t, &o);
    vc_table_free(t);

    t = vc_test_load_ref("MY1997_5.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    o.delta = 0.5;
    o.n0_lo = 1;
    o.n0_hi = 300;
    oracle_check(t, &o);
    vc_table_free(t);

    t = vc_test_load_ref("MY1997_3.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    memset(&o, 0, sizeof o);
    o.delta = 1.0;
    o.prior = VC_DGA_PRIOR_NEGBIN;
    o.nb_a = 13.14;
    o.nb_b = 55.17;
    o.n0_lo = 40;
    o.n0_hi = 2500;
    oracle_check(t, &o);
    vc_table_free(t);

    /* sparse: 4 lists, 31 people, two pairs that never overlap */
    static const char *const names[] = {"A", "B", "C", "D"};
    static const uint32_t pat[] = {1, 2, 4, 8, 3, 12, 5, 1 | 4 | 8};
    static const uint64_t cnt[] = {9, 7, 5, 4, 2, 2, 1, 1};
    vc_error err;
    vc_error_clear(&err);
    t = vc_table_from_counts(4, names, 8, pat, cnt, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    memset(&o, 0, sizeof o);
    o.n0_hi = 6000;
    oracle_check(t, &o);
    vc_table_free(t);
}

/* ---------------------------------------------------------------------
 * MCMC over graphs (models/dga_mcmc.c)
 * ------------------------------------------------------------------- */

/* The bit-operation conditions for a legal move (common neighbours
 * complete for a removal, separating for an addition) against maximum
 * cardinality search on the toggled graph, for every chordal graph on 3
 * to 6 lists; and 18,154 chordal graphs on 6 (OEIS A058862). */
static void test_legal_moves(void)
{
    for (size_t J = 3; J <= 6; J++) {
        uint32_t *edges = NULL;
        vc_error err;
        vc_error_clear(&err);
        size_t n = vc_dga_decomposable_graphs(J, &edges, &err);
        if (J == 6) {
            CU_ASSERT_EQUAL(n, 18154);
        }
        size_t npairs = J * (J - 1) / 2, bad = 0;
        for (size_t k = 0; k < n; k++) {
            uint8_t moves[28];
            size_t m = vci_dga_legal_moves(J, edges[k], moves);
            size_t want = 0;
            for (size_t e = 0; e < npairs; e++) {
                uint32_t adj[8], pa[8];
                size_t order[8];
                vci_dga_adjacency(J, edges[k] ^ (1u << e), adj);
                int chordal = vci_dga_mcs(J, adj, order, pa);
                int listed = 0;
                for (size_t q = 0; q < m; q++) {
                    listed |= moves[q] == e;
                }
                bad += chordal != listed;
                want += (size_t)chordal;
            }
            bad += m != want;
        }
        CU_ASSERT_EQUAL(bad, 0);
        free(edges);
    }
}

/* With a flat target the Hastings ratio m(G) / m(G') alone must make the
 * uniform-over-legal-moves walk uniform over the 61 chordal graphs on 4
 * lists (without it, graphs with many legal moves are over-visited).
 * 610,000 steps: each graph expects 10,000 visits; a chi-square on 60 df
 * has mean 60 and sd 11, and the walk's autocorrelation (a few steps)
 * inflates it a little: 200 is far beyond chance. */
static void test_flat_target_uniform(void)
{
    uint32_t *edges = NULL;
    vc_error err;
    vc_error_clear(&err);
    size_t n = vc_dga_decomposable_graphs(4, &edges, &err);
    CU_ASSERT_EQUAL_FATAL(n, 61);
    gsl_rng *r = vc_rng_stream_alloc(2385, 7, 0, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    size_t counts[64] = {0}, steps = 610000;
    uint32_t g = 0;
    uint8_t moves[6], next_moves[6];
    size_t m = vci_dga_legal_moves(4, g, moves);
    for (size_t s = 0; s < steps; s++) {
        uint32_t prop = g ^ (1u << moves[gsl_rng_uniform_int(r, m)]);
        size_t m2 = vci_dga_legal_moves(4, prop, next_moves);
        if (gsl_rng_uniform(r) < (double)m / (double)m2) {
            g = prop;
            m = m2;
            memcpy(moves, next_moves, sizeof moves);
        }
        for (size_t k = 0; k < n; k++) {
            if (edges[k] == g) {
                counts[k]++;
                break;
            }
        }
    }
    double chi2 = 0.0, want = (double)steps / (double)n;
    for (size_t k = 0; k < n; k++) {
        chi2 += ((double)counts[k] - want) * ((double)counts[k] - want)
                / want;
    }
    if (!(chi2 < 200.0)) {
        fprintf(stderr, "\n  flat target: chi-square %.1f on 60 df", chi2);
    }
    CU_ASSERT(chi2 < 200.0);
    gsl_rng_free(r);
    free(edges);
}

static vc_dga_chains *run_chains(const vc_table *t, const vc_dga_opts *o,
                                 int threads, uint64_t sweeps)
{
    vc_dga_mcmc_opts m;
    vc_dga_mcmc_opts_default(&m);
    m.burnin = 500;
    m.thin = 1;
    m.threads = threads;
    m.seed = 2385;
    vc_error err;
    vc_error_clear(&err);
    vc_dga_chains *c = vc_dga_chains_alloc(t, o, &m, &err);
    CU_ASSERT_PTR_NOT_NULL(c);
    if (c != NULL) {
        CU_ASSERT_EQUAL(vc_dga_chains_round(c, sweeps, &err), VC_OK);
    }
    return c;
}

/* Basic ESS of the 0/1 trace "the draw is on graph e". */
static double indicator_ess(const vc_dga_chains *c, uint32_t e, double *p)
{
    const uint32_t *ed;
    const double *mn;
    size_t n = vc_dga_chains_trace(c, 0, &ed, &mn);
    double *x = malloc(4 * n * sizeof *x);
    double s = 0.0;
    for (size_t k = 0; k < 4; k++) {
        vc_dga_chains_trace(c, k, &ed, &mn);
        for (size_t i = 0; i < n; i++) {
            x[k * n + i] = ed[i] == e;
            s += x[k * n + i];
        }
    }
    *p = s / (double)(4 * n);
    double ess = 0.0;
    vc_error err;
    vc_error_clear(&err);
    if (vc_diag_ess_basic(x, 4, n, &ess, &err) != VC_OK) {
        ess = 0.0;
    }
    free(x);
    return ess;
}

/* MCMC against exact enumeration (the dga 2.0.2 reference settings of
 * test_dga_reference): each graph's share of the draws within 5 Monte
 * Carlo standard errors (binomial sd over the indicator's ESS, floored at
 * 50 effective draws) of its exact posterior, and the model-averaged
 * mean of N within 5 MCSE of E(N | G) draws. */
static void test_mcmc_matches_exact(void)
{
    static const struct {
        const char *file;
        double delta;
        uint64_t hi, sweeps;
    } cases[] = {
        {"Kosovo.csv", 1.0 / 16, 110000, 3000},
        {"MY1997_5.csv", 1.0 / 32, 13425, 3000},
    };
    for (size_t q = 0; q < 2; q++) {
        vc_table *t = vc_test_load_ref(cases[q].file);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        vc_dga_opts o;
        memset(&o, 0, sizeof o);
        o.delta = cases[q].delta;
        o.n0_hi = cases[q].hi;
        o.top = 10;
        vc_error err;
        vc_error_clear(&err);
        vc_dga_result *ex = vc_dga_fit(t, &o, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
        vc_dga_chains *c = run_chains(t, &o, 0, cases[q].sweeps);
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        vc_dga_result *mc = vc_dga_chains_result(c, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(mc);
        CU_ASSERT(mc->mcmc && mc->mc.converged);
        CU_ASSERT_EQUAL(mc->mc.chains, 4);
        CU_ASSERT_EQUAL(mc->mc.draws, cases[q].sweeps);
        for (size_t k = 0; k < ex->ntop; k++) {
            double p;
            double ess = indicator_ess(c, ex->top[k].edges, &p);
            ess = ess > 50.0 ? ess : 50.0;
            double pe = ex->top[k].posterior;
            double tol = 5.0 * sqrt(pe * (1.0 - pe) / ess) + 1e-3;
            if (fabs(p - pe) > tol) {
                fprintf(stderr, "\n  %s %s: MCMC %.4f, exact %.4f (tol %.4f)",
                        cases[q].file, ex->top[k].cliques, p, pe, tol);
            }
            CU_ASSERT(fabs(p - pe) <= tol);
        }
        /* E(N | G) of the draws: its mean is the model-averaged mean */
        const uint32_t *ed;
        const double *mn;
        size_t n = vc_dga_chains_trace(c, 0, &ed, &mn);
        double *x = malloc(4 * n * sizeof *x);
        double s = 0.0, ss = 0.0;
        for (size_t k = 0; k < 4; k++) {
            vc_dga_chains_trace(c, k, &ed, &mn);
            memcpy(x + k * n, mn, n * sizeof *x);
        }
        for (size_t i = 0; i < 4 * n; i++) {
            s += x[i];
        }
        double mean = s / (double)(4 * n);
        for (size_t i = 0; i < 4 * n; i++) {
            ss += (x[i] - mean) * (x[i] - mean);
        }
        double ess = 0.0;
        CU_ASSERT_EQUAL(vc_diag_ess_basic(x, 4, n, &ess, &err), VC_OK);
        double mcse = sqrt(ss / (double)(4 * n) / (ess > 50.0 ? ess : 50.0));
        VC_ASSERT_REL(mc->mean, mean, 1e-9);
        if (fabs(mc->mean - ex->mean) > 5.0 * mcse + 1e-9 * ex->mean) {
            fprintf(stderr, "\n  %s: MCMC mean %.3f, exact %.3f (MCSE %.3f)",
                    cases[q].file, mc->mean, ex->mean, mcse);
        }
        CU_ASSERT(fabs(mc->mean - ex->mean) <= 5.0 * mcse + 1e-9 * ex->mean);
        /* the renormalised weights of well-visited graphs are exact up to
         * the mass of the graphs never visited */
        VC_ASSERT_REL(mc->top[0].renormalised, ex->top[0].posterior, 0.01);
        free(x);
        vc_dga_chains_free(c);
        vc_dga_result_free(mc);
        vc_dga_result_free(ex);
        vc_table_free(t);
    }
}

/* The same job on 1 and 4 threads, and in two rounds instead of one,
 * gives the same bytes (UK, 6 lists: beyond exact enumeration). */
static void test_mcmc_reproducible(void)
{
    vc_table *t = vc_test_load_ref("UKdat.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_dga_opts o;
    memset(&o, 0, sizeof o);
    vc_dga_chains *c1 = run_chains(t, &o, 1, 1000);
    vc_dga_chains *c4 = run_chains(t, &o, 4, 600);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c4);
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_EQUAL(vc_dga_chains_round(c4, 400, &err), VC_OK);
    for (size_t k = 0; k < 4; k++) {
        const uint32_t *e1, *e4;
        const double *m1, *m4;
        size_t n1 = vc_dga_chains_trace(c1, k, &e1, &m1);
        size_t n4 = vc_dga_chains_trace(c4, k, &e4, &m4);
        CU_ASSERT_EQUAL_FATAL(n1, 1000);
        CU_ASSERT_EQUAL_FATAL(n4, 1000);
        CU_ASSERT(memcmp(e1, e4, n1 * sizeof *e1) == 0);
        CU_ASSERT(memcmp(m1, m4, n1 * sizeof *m1) == 0);
    }
    /* chains start apart: not all on one graph */
    const uint32_t *ea, *eb;
    const double *ma, *mb;
    vc_dga_chains_trace(c1, 0, &ea, &ma);
    vc_dga_chains_trace(c1, 1, &eb, &mb);
    CU_ASSERT(memcmp(ea, eb, 1000 * sizeof *ea) != 0);
    vc_dga_result *r1 = vc_dga_chains_result(c1, &err);
    vc_dga_result *r4 = vc_dga_chains_result(c4, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r4);
    CU_ASSERT_EQUAL(r1->ngrid, r4->ngrid);
    CU_ASSERT(memcmp(r1->post, r4->post, r1->ngrid * sizeof *r1->post)
              == 0);
    CU_ASSERT(r1->mean == r4->mean && r1->mc.rhat_N == r4->mc.rhat_N);
    CU_ASSERT_STRING_EQUAL(r1->top[0].cliques, r4->top[0].cliques);
    CU_ASSERT_EQUAL(r1->J, 6);
    CU_ASSERT(r1->mc.visited >= 10 && r1->mc.evaluated >= r1->mc.visited);
    CU_ASSERT(r1->mc.acceptance > 0.01 && r1->mc.acceptance < 0.9);
    /* UK 2013: the Home Office put it at 10,000-13,000 */
    CU_ASSERT(r1->median > 10000.0 && r1->median < 16000.0);
    double sum = 0.0;
    for (size_t a = 0; a < 6; a++) {
        for (size_t b = a + 1; b < 6; b++) {
            CU_ASSERT(r1->edge_post[a * 6 + b] >= 0.0
                      && r1->edge_post[a * 6 + b] <= 1.0 + 1e-12);
            sum += r1->edge_post[a * 6 + b];
        }
    }
    CU_ASSERT(sum > 0.0);
    vc_dga_result_free(r1);
    vc_dga_result_free(r4);
    vc_dga_chains_free(c1);
    vc_dga_chains_free(c4);
    vc_table_free(t);
}

static void test_mcmc_errors(void)
{
    vc_table *t = vc_test_load_ref("rbvole.csv"); /* 18 occasions */
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_error err;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_mcmc_fit(t, NULL, NULL, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_table_free(t);
    t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    vc_dga_mcmc_opts m;
    vc_dga_mcmc_opts_default(&m);
    m.chains = 0;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_chains_alloc(t, NULL, &m, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    m.chains = 2;
    m.thin = 0;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_chains_alloc(t, NULL, &m, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    m.thin = 1;
    m.rhat_max = 1.0;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_chains_alloc(t, NULL, &m, &err));
    CU_ASSERT_STRING_EQUAL(err.msg, "rhat_max must exceed 1 and ess_min be "
                                    ">= 0");
    m.rhat_max = 1.01;
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_dga_chains_alloc(NULL, NULL, &m, &err));
    CU_ASSERT_STRING_EQUAL(err.msg, "no table given");
    /* no MCMC options: the defaults (four chains) */
    vc_error_clear(&err);
    vc_dga_chains *cd = vc_dga_chains_alloc(t, NULL, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cd);
    const uint32_t *ed = NULL;
    const double *mn = NULL;
    CU_ASSERT_EQUAL(vc_dga_chains_trace(cd, 3, &ed, &mn), 0);
    CU_ASSERT_EQUAL(vc_dga_chains_trace(cd, 4, &ed, &mn), 0);
    CU_ASSERT_PTR_NULL(ed);
    CU_ASSERT_PTR_NULL(mn);
    vc_dga_chains_free(cd);
    vc_error_clear(&err);
    vc_dga_chains *c = vc_dga_chains_alloc(t, NULL, &m, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NULL(vc_dga_chains_result(c, &err)); /* no draws yet */
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_dga_chains_free(c);
    vc_dga_chains_free(NULL);
    vc_table_free(t);
}

int vc_register_dga_suite(void)
{
    CU_pSuite s = CU_add_suite("dga", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "graph counts", test_graph_counts) == NULL
        || CU_add_test(s, "dga 2.0.2 reference", test_dga_reference) == NULL
        || CU_add_test(s, "cliques, auto grid, permutation",
                       test_dga_cliques_and_auto_grid) == NULL
        || CU_add_test(s, "exact pass: same bits on 1, 2, 3 threads",
                       test_dga_threads_identical) == NULL
        || CU_add_test(s, "errors and grid tail", test_dga_errors) == NULL
        || CU_add_test(s, "negative binomial prior", test_dga_negbin) == NULL
        || CU_add_test(s, "exact pass against the plain sum",
                       test_dga_oracle) == NULL
        || CU_add_test(s, "legal moves against MCS", test_legal_moves)
               == NULL
        || CU_add_test(s, "MH walk uniform on a flat target",
                       test_flat_target_uniform) == NULL
        || CU_add_test(s, "MCMC matches exact enumeration",
                       test_mcmc_matches_exact) == NULL
        || CU_add_test(s, "MCMC reproducible, 6 lists",
                       test_mcmc_reproducible) == NULL
        || CU_add_test(s, "MCMC errors", test_mcmc_errors) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
