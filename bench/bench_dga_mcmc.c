/*
 * bench_dga_mcmc.c: time of MCMC over decomposable graphs
 * (models/dga_mcmc.c) with the default run (4 chains, 10,000 burn-in and
 * 100,000 sweeps per chain, thin 10), on 1 thread and on all threads, and
 * the figures it gives.  Medians of REPEATS runs.
 *
 * Usage: bench_dga_mcmc [repeats]   (default 5)
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_common.h"
#include "models/vc_dga.h"

typedef struct {
    const char *file;
    double delta;  /* 0: 2^-J */
    uint64_t hi;   /* 0: automatic grid */
} mcmc_case;

static const mcmc_case cases[] = {
    {"UKdat.csv", 0, 0},
    {"UKdat_5.csv", 1.0 / 32, 68600},
    {"Kosovo.csv", 1.0 / 16, 110000},
    {"MY1997_5.csv", 1.0 / 32, 13425},
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    if (repeats < 1) {
        repeats = 1;
    }
    int maxthreads = omp_get_max_threads();
    printf("| table | lists | n0 grid | median N | 95%% interval | mean N | "
           "R-hat E(N|G) | bulk ESS | graphs visited / evaluated | "
           "acceptance | 1 thread (s) | %d threads (s) |\n", maxthreads);
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    double *sec = malloc((size_t)repeats * sizeof *sec);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        vc_table *t = bench_table(cases[c].file);
        if (t == NULL || sec == NULL) {
            return 1;
        }
        vc_dga_opts o;
        memset(&o, 0, sizeof o);
        o.delta = cases[c].delta;
        o.n0_hi = cases[c].hi;
        vc_dga_mcmc_opts m;
        vc_dga_mcmc_opts_default(&m);
        double med[2];
        vc_dga_result *keep = NULL;
        for (int pass = 0; pass < 2; pass++) {
            m.threads = pass == 0 ? 1 : maxthreads;
            for (int r = 0; r < repeats; r++) {
                vc_error err;
                vc_error_clear(&err);
                double t0 = bench_now();
                vc_dga_result *res = vc_dga_mcmc_fit(t, &o, &m, &err);
                sec[r] = bench_now() - t0;
                if (res == NULL) {
                    fprintf(stderr, "bench_dga_mcmc: %s\n", err.msg);
                    return 1;
                }
                vc_dga_result_free(keep);
                keep = res;
            }
            med[pass] = bench_median(sec, (size_t)repeats);
        }
        printf("| %s | %zu | %llu:%llu | %.0f | %.0f-%.0f | %.1f | %.4f | "
               "%.0f | %zu / %zu | %.3f | %.2f | %.2f |\n", cases[c].file,
               t->J, (unsigned long long)keep->n0_lo,
               (unsigned long long)(keep->n0_lo + keep->ngrid - 1),
               keep->median, vc_dga_quantile(keep, 0.025),
               vc_dga_quantile(keep, 0.975), keep->mean, keep->mc.rhat_N,
               keep->mc.ess_N, keep->mc.visited, keep->mc.evaluated,
               keep->mc.acceptance, med[0], med[1]);
        vc_dga_result_free(keep);
        vc_table_free(t);
    }
    free(sec);
    return 0;
}
