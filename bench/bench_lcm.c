/*
 * bench_lcm.c: speed and mixing of the latent-class sampler on Kosovo
 * (Ball et al. 2002; counts as in data/reference/Kosovo.csv),
 * K* = 10, in the setting of the LCMCR figures of issue 4 (burn-in 10,000,
 * then 20,000 traced sweeps, 5 seeds):
 *
 *   1. sweeps/s of one chain on one thread;
 *   2. bulk ESS of N per 20,000 unthinned sweeps and ESS/s (time of the
 *      traced sweeps, burn-in excluded, as for LCMCR), one chain on one
 *      thread, 5 seeds as LCMCR's figures, and the median over 20;
 *   3. all chains in parallel (4 chains, OpenMP's default thread count):
 *      total sweeps/s and ESS/s of the pooled bulk ESS, 5 seeds.
 *   Parts 2 and 3 run for the plain Gibbs sweep and for the hybrid
 *   sampler (the default: three moves of the unseen, label swaps, the flip,
 *   split-merge every 10,000th sweep); part 1b times the hybrid sweep.
 *
 *   0. the floor: the random variates one Kosovo sweep draws, timed alone
 *      by the same generator and variate functions (white-box, through
 *      models/lcm_impl.h).  Counted per sweep on Kosovo (temporary counters,
 *      200,000 sweeps, version 0.2.1): 49.8 binomials (28.0 by inversion,
 *      mean n 21.9, mean n p 4.05; 21.9 by BTRD, mean n 232, mean n p
 *      51), 65.7 gammas (lambda and V; shapes mostly 1 + a count), 6.2
 *      Beta(1, b) draws by inversion, 10 Poissons (n0 by class: 2.9 by
 *      PTRS, means in the hundreds, the rest by inversion, means below
 *      10), 30.9 categorical draws and 11.0 Beta(1, 1) lambdas of empty
 *      classes (one uniform each).  The floor loop draws that mix at
 *      representative parameters: 28 x Binomial(22, 0.184), 22 x
 *      Binomial(232, 0.22), 66 x Gamma(87.3), 6 x Beta(1, 87.3), 3 x
 *      Poisson(600), 7 x Poisson(1), 42 uniforms.  (Version 0.3.0 draws
 *      the class of largest weight first and the others by index instead
 *      of in decreasing weight: 40.6 binomials by inversion, mostly with
 *      tiny n p, and 19.7 by BTRD a sweep; the floor keeps 0.2.1's mix.)
 *      Reported: sweep time /
 *      floor, in wall and in CPU time of the thread (the development
 *      machine is shared: CPU time is the steadier of the two).
 *
 * Usage: bench_lcm [sweeps [speed]]   (sweeps for parts 0-1b, default
 * 200000; a second argument "speed" stops after part 1b)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <omp.h>

#include "core/vc_core.h"
#include "data/vc_data.h"
#include "models/lcm_impl.h"
#include "models/mcmc_impl.h"
#include "models/vc_models.h"

static const uint32_t kosovo_pattern[] = {1, 2, 4, 8, 3, 5, 9, 6,
                                          10, 12, 7, 11, 13, 14, 15};
static const uint64_t kosovo_count[] = {1131, 845, 936, 306, 177,
                                        228,  106, 217, 31,  123,
                                        181,  18,  42,  32,  27};

static vc_table *kosovo(void)
{
    static const char *const names[] = {"EXH", "ABA", "OSCE", "HRW"};
    return vc_table_from_counts(4, names, 15, kosovo_pattern, kosovo_count,
                                NULL);
}

/* CPU seconds of the calling thread. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Part 0: wall seconds (and CPU seconds in *cpu) for `sweeps` sweeps'
 * worth of variates. */
static double floor_seconds(const gsl_rng *r, uint64_t sweeps, double *cpu)
{
    double sink = 0.0;
    double t0 = omp_get_wtime(), c0 = cpu_seconds();
    for (uint64_t i = 0; i < sweeps; i++) {
        for (int b = 0; b < 28; b++) {
            sink += (double)vci_ran_binomial(r, 0.184, 22);
        }
        for (int b = 0; b < 22; b++) {
            sink += (double)vci_ran_binomial(r, 0.22, 232);
        }
        for (int g = 0; g < 66; g++) {
            sink += vci_ran_gamma(r, 87.3);
        }
        for (int g = 0; g < 6; g++) {
            double lv, l1;
            vci_ran_log_beta1(r, 87.3, &lv, &l1);
            sink += lv + l1;
        }
        for (int p = 0; p < 10; p++) {
            uint64_t k;
            vci_ran_poisson64(r, p < 3 ? 600.0 : 1.0, &k);
            sink += (double)k;
        }
        for (int u = 0; u < 42; u++) {
            sink += vci_ran_uniform(r);
        }
    }
    double dt = omp_get_wtime() - t0;
    *cpu = cpu_seconds() - c0;
    /* keep the draws alive */
    return sink != 0.0 ? dt : -dt;
}

/* Median of the first n values of x (sorted in place). */
static double median_of(double *x, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double v = x[i];
        size_t j = i;
        for (; j > 0 && x[j - 1] > v; j--) {
            x[j] = x[j - 1];
        }
        x[j] = v;
    }
    return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

static int fail(const vc_error *err)
{
    fprintf(stderr, "bench_lcm: %s\n", err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    uint64_t sweeps = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    vc_table *t = kosovo();
    vc_lcm_opts o, o0;
    vc_lcm_opts_default(&o);
    o0 = o;
    vc_error err;
    vc_error_clear(&err);

    /* 0. the floor */
    gsl_rng *rf = vc_rng_stream_alloc(o.seed, 0, 99, 0, &err);
    if (rf == NULL) {
        return fail(&err);
    }
    double floor_cpu;
    double floor_dt = floor_seconds(rf, sweeps, &floor_cpu);
    gsl_rng_free(rf);
    printf("floor (variates of one Kosovo sweep): %.2f us/sweep "
           "(CPU %.2f)\n", 1e6 * floor_dt / (double)sweeps,
           1e6 * floor_cpu / (double)sweeps);

    /* 1. one chain, one thread: the plain Gibbs sweep (vc_lcm_iterate
     * runs the workspace's sampler, by default the hybrid) */
    vc_lcm_opts og = o;
    og.sampler = VC_LCM_SAMPLER_GIBBS;
    vc_lcm_workspace *w = vc_lcm_alloc(t, &og, &err);
    gsl_rng *r = vc_rng_stream_alloc(o.seed, 0, 0, 0, &err);
    if (w == NULL || r == NULL || vc_lcm_init(w, r, &err) != VC_OK) {
        return fail(&err);
    }
    for (int i = 0; i < 10000; i++) {
        if (vc_lcm_iterate(w, r, &err) != VC_OK) {
            return fail(&err);
        }
    }
    double t0 = omp_get_wtime(), c0 = cpu_seconds();
    for (uint64_t i = 0; i < sweeps; i++) {
        if (vc_lcm_iterate(w, r, &err) != VC_OK) {
            return fail(&err);
        }
    }
    double dt = omp_get_wtime() - t0, dc = cpu_seconds() - c0;
    printf("Kosovo, K=10, 1 chain, 1 thread: %.0f sweeps/s "
           "(%.2f us/sweep; %.2f x the floor; %.2f x LCMCR's 58,000)\n",
           (double)sweeps / dt, 1e6 * dt / (double)sweeps, dt / floor_dt,
           (double)sweeps / dt / 58000.0);
    printf("  CPU time: %.0f sweeps/s (%.2f us/sweep; %.2f x the floor; "
           "%.2f x LCMCR's 58,000)\n", (double)sweeps / dc,
           1e6 * dc / (double)sweeps, dc / floor_cpu,
           (double)sweeps / dc / 58000.0);
    vc_lcm_free(w);
    gsl_rng_free(r);

    /* 1b. the hybrid sweep: the same with moves of the unseen
     * and label swaps (the flip every 10th, split-merge every 10,000th),
     * through the driver */
    {
        vc_lcm_opts oh = o;
        oh.sampler = VC_LCM_SAMPLER_HYBRID;
        oh.chains = 1;
        oh.threads = 1;
        oh.burnin = 10000;
        oh.thin = 1000;
        vc_lcm_chains *ch = vc_lcm_chains_alloc(t, &oh, &err);
        if (ch == NULL || vc_lcm_chains_round(ch, 0, &err) != VC_OK) {
            return fail(&err);
        }
        /* one chain on one thread: the calling thread runs it (OpenMP's
         * master), so its CPU clock times the sweeps */
        t0 = omp_get_wtime();
        c0 = cpu_seconds();
        if (vc_lcm_chains_round(ch, sweeps, &err) != VC_OK) {
            return fail(&err);
        }
        dt = omp_get_wtime() - t0;
        dc = cpu_seconds() - c0;
        printf("Kosovo, K=10, 1 chain, 1 thread, hybrid: %.0f sweeps/s "
               "(%.2f us/sweep; %.2f x the floor)\n",
               (double)sweeps / dt, 1e6 * dt / (double)sweeps,
               dt / floor_dt);
        printf("  CPU time: %.0f sweeps/s (%.2f us/sweep; %.2f x the "
               "floor)\n",
               (double)sweeps / dc, 1e6 * dc / (double)sweeps,
               dc / floor_cpu);
        vc_lcm_chains_free(ch);
    }
    if (argc > 2) {
        vc_table_free(t);
        return 0;
    }

    static const int samplers[] = {VC_LCM_SAMPLER_GIBBS,
                                   VC_LCM_SAMPLER_HYBRID};
    for (size_t si = 0; si < 2; si++) {
    const char *name = si == 0 ? "gibbs" : "hybrid";
    o = o0;
    o.sampler = samplers[si];
    /* 2. ESS of N per 20,000 sweeps, one chain on one thread: seeds 1-5
     * as LCMCR's figures, then 6-20 for a steadier median (an ESS from
     * 20,000 sweeps varies some tenfold between seeds) */
    o.chains = 1;
    o.thin = 1;
    o.threads = 1;
    double ess_rate[20];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        o.seed = seed;
        vc_lcm_chains *c = vc_lcm_chains_alloc(t, &o, &err);
        if (c == NULL) {
            return fail(&err);
        }
        /* a round of 0 sweeps runs the burn-in only: the timing below
         * covers the 20,000 traced sweeps, as LCMCR's figures do */
        if (vc_lcm_chains_round(c, 0, &err) != VC_OK) {
            return fail(&err);
        }
        t0 = omp_get_wtime();
        if (vc_lcm_chains_round(c, 20000, &err) != VC_OK) {
            return fail(&err);
        }
        dt = omp_get_wtime() - t0;
        vc_lcm_summary s;
        if (vc_lcm_chains_summary(c, &s, &err) != VC_OK) {
            return fail(&err);
        }
        ess_rate[seed - 1] = s.N.ess_bulk / dt;
        if (seed <= 5) {
            printf("%s, seed %llu: 20,000 sweeps in %.3f s; bulk ESS of N "
                   "%.0f per 20,000 draws, %.0f ESS/s (median %.0f)\n",
                   name, (unsigned long long)seed, dt, s.N.ess_bulk,
                   s.N.ess_bulk / dt, s.N.median);
        }
        vc_lcm_chains_free(c);
    }
    double m5 = median_of(ess_rate, 5); /* seeds 1-5: sorted first */
    double m20 = median_of(ess_rate, 20);
    printf("%s: median ESS/s over seeds 1-5 %.0f, over seeds 1-20 %.0f "
           "(%.2f x and %.2f x LCMCR's 198)\n", name, m5, m20, m5 / 198.0,
           m20 / 198.0);

    /* 3. four chains in parallel, seeds 1-5 */
    o.chains = 4;
    o.threads = 0;
    o.thin = 10;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        o.seed = seed;
        vc_lcm_chains *c = vc_lcm_chains_alloc(t, &o, &err);
        if (c == NULL) {
            return fail(&err);
        }
        uint64_t per_chain = 100000;
        if (vc_lcm_chains_round(c, 0, &err) != VC_OK) {
            return fail(&err);
        }
        t0 = omp_get_wtime();
        if (vc_lcm_chains_round(c, per_chain, &err) != VC_OK) {
            return fail(&err);
        }
        dt = omp_get_wtime() - t0;
        vc_lcm_summary s;
        if (vc_lcm_chains_summary(c, &s, &err) != VC_OK) {
            return fail(&err);
        }
        printf("%s, seed %llu, 4 chains x %llu sweeps (after burn-in) on "
               "%d threads: %.2f s, %.0f sweeps/s in all; bulk ESS %.0f, "
               "%.0f ESS/s; R-hat %.4f; median %.0f, 95%% %.0f-%.0f\n",
               name, (unsigned long long)seed,
               (unsigned long long)per_chain, omp_get_max_threads(), dt,
               4.0 * (double)per_chain / dt, s.N.ess_bulk,
               s.N.ess_bulk / dt, s.N.rhat, s.N.median, s.N.lower,
               s.N.upper);
        vc_lcm_chains_free(c);
    }
    }
    vc_table_free(t);
    return 0;
}
