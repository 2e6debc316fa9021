/*
 * test_sbc.c: the models suite's simulation-based calibration of every
 * sampler (make test-slow).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <omp.h>

#include "models/lcm_impl.h"
#include "models/mcmc_impl.h"
#include "models/vc_models.h"
#include "tests/test_models.h"
#include "tests/test_util.h"

/* make test-slow: simulation-based calibration (Talts, Betancourt,
 * Simpson, Vehtari & Gelman 2018, "Validating Bayesian inference
 * algorithms with simulation-based calibration", arXiv:1804.06788) and
 * interval coverage, for each sampler.
 *
 * SBC needs a proper prior, and p(N) ~ 1/N is not one.  With the bound
 * option it becomes one: N ~ 1/N on 1..SBC_NMAX, and the sampler's
 * posterior under n_max = SBC_NMAX (1/N on n..SBC_NMAX, the likelihood
 * being 0 below n) is exactly the posterior under that prior.  Each
 * replicate draws alpha, the stick-breaking weights and lambda from their
 * priors (K = SBC_K classes, J = SBC_J lists), N from its prior, the 2^J
 * pattern counts from the multinomial, and runs one chain.  Replicates in
 * which nobody (or everybody, where the bound leaves no room) was seen are
 * redrawn: conditioning the joint on an event of the data leaves the
 * posterior of every kept data set unchanged, so SBC still holds.
 *
 * N up to 20,000 rather than a few hundred: with small tables, thinned
 * replicas barely differ from the full one, and a tempering exchange with
 * its sign reversed passed SBC at N <= 400 (1,000 replicates).
 *
 * Checks, over SBC_REPS replicates: the rank of the true N (and alpha)
 * among SBC_L thinned posterior draws (ties broken at random, as Talts et
 * al. advise for discrete parameters) is uniform on 0..SBC_L, by a
 * chi-square test on 10 bins at the 0.1% level; and the 95% equal-tailed
 * interval of N (from all kept draws) covers the true N, judged by the
 * randomised PIT, in a number of replicates inside the 3-sigma binomial
 * band around 0.95 SBC_REPS (with the truth drawn from the prior, Bayesian
 * intervals cover exactly at their level on average), and the reported
 * interval itself at least that often. */

enum { SBC_J = 4, SBC_K = 3, SBC_NMAX = 20000, SBC_REPS = 500, SBC_L = 99,
       SBC_DRAWS = 990, SBC_BINS = 10, SBC_BURNIN = 2000, SBC_THIN = 20 };

typedef struct {
    int rank_N, rank_alpha;
    int covered;       /* the reported 95% interval holds the true N */
    int covered_pit;   /* the randomised PIT is in (0.025, 0.975) */
    int status;
} sbc_result;

/* One replicate of SBC for `sampler`, from stream (seed, rep). */
static sbc_result sbc_replicate(int sampler, uint32_t rep)
{
    sbc_result out = {0, 0, 0, 0, VC_OK};
    gsl_rng *r = vc_rng_stream_alloc(20180406, (uint64_t)sampler, rep, 0,
                                     NULL);
    static const char *const names[SBC_J] = {"A", "B", "C", "D"};
    /* the prior CDF of N ~ 1/N on 1..SBC_NMAX */
    double cdf[SBC_NMAX + 1], h = 0.0;
    cdf[0] = 0.0;
    for (int N = 1; N <= SBC_NMAX; N++) {
        h += 1.0 / N;
        cdf[N] = h;
    }
    for (;;) {
        double log_alpha = vci_ran_log_gamma(r, VC_LCM_DEFAULT_ALPHA_SHAPE)
                           - log(VC_LCM_DEFAULT_ALPHA_RATE);
        double pi[SBC_K], rest = 1.0, lambda[SBC_J][SBC_K];
        for (int k = 0; k < SBC_K; k++) {
            /* V ~ Beta(1, alpha), by inversion: 1 - U^(1/alpha), which
             * is 1 to double precision when alpha is tiny */
            double v = k + 1 < SBC_K
                           ? -expm1(log(vci_ran_uniform(r)) / exp(log_alpha))
                           : 1.0;
            pi[k] = rest * v;
            rest *= 1.0 - v;
        }
        for (int j = 0; j < SBC_J; j++) {
            for (int k = 0; k < SBC_K; k++) {
                lambda[j][k] = vci_ran_uniform(r);
            }
        }
        double u = vci_ran_uniform(r) * h;
        int N = 1;
        while (cdf[N] < u) {
            N++;
        }
        double p[1 << SBC_J];
        for (uint32_t x = 0; x < (1u << SBC_J); x++) {
            p[x] = 0.0;
            for (int k = 0; k < SBC_K; k++) {
                double f = pi[k];
                for (int j = 0; j < SBC_J; j++) {
                    f *= (x >> j & 1u) ? lambda[j][k] : 1.0 - lambda[j][k];
                }
                p[x] += f;
            }
        }
        unsigned int cnt[1 << SBC_J];
        gsl_ran_multinomial(r, 1 << SBC_J, (unsigned)N, p, cnt);
        uint32_t pat[1 << SBC_J];
        uint64_t c64[1 << SBC_J];
        uint64_t n = 0;
        size_t npat = 0;
        for (uint32_t x = 1; x < (1u << SBC_J); x++) {
            if (cnt[x] > 0) {
                pat[npat] = x;
                c64[npat++] = cnt[x];
                n += cnt[x];
            }
        }
        if (n == 0 || n >= SBC_NMAX) {
            continue; /* redraw (see above) */
        }
        vc_table *t = vc_table_from_counts(SBC_J, names, npat, pat, c64,
                                           NULL);
        vc_lcm_opts o;
        vc_lcm_opts_default(&o);
        o.sampler = sampler;
        o.K = SBC_K;
        o.temperatures = 3; /* the least with an adapted ladder */
        o.n_max = SBC_NMAX;
        o.chains = 1;
        o.threads = 1;
        /* long enough for alpha: with 500 burn-in sweeps and thin 4, the
         * ranks of alpha were far from uniform (chi2 83 on 9 df), with
         * 5,000 and thin 40 uniform (chi2 5.8); N was uniform either way
         * (bench/HISTORY.md, "Simulation-based calibration and
         * coverage") */
        o.burnin = SBC_BURNIN;
        o.thin = SBC_THIN;
        o.seed = 1000 + rep;
        vc_lcm_chains *c = t ? vci_lcm_chains_alloc(t, &o, 1, NULL) : NULL;
        if (c == NULL || vc_lcm_chains_round(c, SBC_THIN * SBC_DRAWS, NULL) != VC_OK
            || vc_lcm_chains_trace(c, 0)->ndraws != SBC_DRAWS) {
            out.status = VC_ENUMERIC;
        } else {
            const vc_lcm_trace *tr = vc_lcm_chains_trace(c, 0);
            double alpha = exp(log_alpha);
            int lessN = 0, tieN = 0, lessA = 0;
            for (int l = 0; l < SBC_L; l++) {
                size_t d = (size_t)(l + 1) * (SBC_DRAWS / SBC_L) - 1;
                lessN += tr->N[d] < (uint64_t)N;
                tieN += tr->N[d] == (uint64_t)N;
                lessA += tr->alpha[d] < alpha;
            }
            /* ties: a uniform position among the tied draws */
            out.rank_N = lessN
                         + (int)floor(vci_ran_uniform(r) * (tieN + 1));
            out.rank_alpha = lessA;
            /* the randomised probability integral transform of the true
             * N over all kept draws: exactly uniform for a correct
             * sampler even though N is discrete, unlike the coverage of
             * the reported interval, which includes its end points and
             * so covers more often when the posterior sits on few
             * values (small N) */
            int less = 0, tie = 0;
            for (size_t d = 0; d < SBC_DRAWS; d++) {
                less += tr->N[d] < (uint64_t)N;
                tie += tr->N[d] == (uint64_t)N;
            }
            double pit = (less + vci_ran_uniform(r) * (tie + 1))
                         / (SBC_DRAWS + 1.0);
            out.covered_pit = pit > 0.025 && pit < 0.975;
            double *x = malloc(SBC_DRAWS * sizeof *x);
            if (x != NULL) {
                for (size_t d = 0; d < SBC_DRAWS; d++) {
                    x[d] = (double)tr->N[d];
                }
                vc_diag_summary sm;
                if (vc_diag_summarise(x, 1, SBC_DRAWS, 0.95, &sm, NULL)
                    == VC_OK) {
                    out.covered = sm.lower <= N && N <= sm.upper;
                }
                free(x);
            }
        }
        vc_lcm_chains_free(c);
        vc_table_free(t);
        break;
    }
    gsl_rng_free(r);
    return out;
}

static double sbc_chisq(const int *rank)
{
    double bins[SBC_BINS] = {0};
    for (int i = 0; i < SBC_REPS; i++) {
        bins[rank[i] * SBC_BINS / (SBC_L + 1)] += 1.0;
    }
    double e = (double)SBC_REPS / SBC_BINS, chi = 0.0;
    for (int b = 0; b < SBC_BINS; b++) {
        chi += (bins[b] - e) * (bins[b] - e) / e;
    }
    return chi;
}

void test_sbc(void)
{
    if (!vc_test_slow()) {
        return;
    }
    /* every sampler; its name as the summary gives it */
    static const int samplers[] = {
        VC_LCM_SAMPLER_GIBBS, VC_LCM_SAMPLER_TEMPERING,
        VC_LCM_SAMPLER_SPLITMERGE, VC_LCM_SAMPLER_TEMPERING_SPLITMERGE,
        VC_LCM_SAMPLER_HYBRID};
    static const char *const sampler_name[] = {
        "gibbs", "tempering", "splitmerge", "tempering-splitmerge",
        "hybrid"};
    for (size_t si = 0; si < sizeof samplers / sizeof *samplers; si++) {
        int sampler = samplers[si];
        static sbc_result res[SBC_REPS];
        double t0 = omp_get_wtime();
        /* replicates in parallel; each writes its own slot */
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < SBC_REPS; i++) {
            res[i] = sbc_replicate(sampler, (uint32_t)i);
        }
        int rankN[SBC_REPS], rankA[SBC_REPS], covered = 0, bad = 0;
        int covered_pit = 0;
        for (int i = 0; i < SBC_REPS; i++) {
            rankN[i] = res[i].rank_N;
            rankA[i] = res[i].rank_alpha;
            covered += res[i].covered;
            covered_pit += res[i].covered_pit;
            bad += res[i].status != VC_OK;
        }
        CU_ASSERT_EQUAL(bad, 0);
        double chiN = sbc_chisq(rankN), chiA = sbc_chisq(rankA);
        double pN = gsl_cdf_chisq_Q(chiN, SBC_BINS - 1);
        double pA = gsl_cdf_chisq_Q(chiA, SBC_BINS - 1);
        double mean = 0.95 * SBC_REPS;
        double sd = sqrt(SBC_REPS * 0.95 * 0.05);
        fprintf(stderr, "\n    SBC %s, %d replicates in %.1f s: rank of N "
                "chi2 %.1f (p %.3f), of alpha chi2 %.1f (p %.3f); 95%% "
                "intervals cover N in %d, by randomised PIT in %d (band "
                "%.0f-%.0f)",
                sampler_name[si], SBC_REPS, omp_get_wtime() - t0, chiN,
                pN, chiA, pA, covered, covered_pit, ceil(mean - 3 * sd),
                floor(mean + 3 * sd));
        CU_ASSERT(pN > 0.001);
        CU_ASSERT(pA > 0.001);
        CU_ASSERT(covered_pit >= mean - 3 * sd
                  && covered_pit <= mean + 3 * sd);
        /* the reported interval: at least its level (discreteness) */
        CU_ASSERT(covered >= mean - 3 * sd);
    }
}
