/*
 * bench_loglin.c: time of the log-linear work of issue 3, on 1 thread and
 * on all threads, medians of REPEATS runs:
 *   - stepwise selection plus a 1,000-replicate BCa bootstrap through the
 *     selection (vc_loglin_bootstrap: the search on the data, 1,000 searches
 *     on replicates and the grouped jackknife) on the UK 6-list and Kosovo
 *     tables;
 *   - the enumeration of every pairwise model by AIC: 32,768 for UK, and
 *     the 1,024 of the 5-list UK table (Rcapture's closedpMS.t case).
 * The reference times are those measured for the issue with R's SparseMSE
 * 2.0.1 and Rcapture (issue 3).
 *
 * Usage: bench_loglin [repeats]   (default 5)
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_common.h"
#include "estimators/vc_estimators.h"
#include "estimators/vc_loglin.h"

typedef struct {
    const char *what;
    const char *file;
    int enumerate;        /* 0: stepwise + bootstrap; 1: AIC enumeration */
    double ref_seconds;   /* R reference from issue 3; 0 = none */
    const char *ref_name;
    double target_seconds;
} loglin_case;

static const loglin_case cases[] = {
    {"stepwise + 1,000 BCa", "UKdat.csv", 0, 274.0, "SparseMSE 2.0.1", 2.7},
    {"stepwise + 1,000 BCa", "Kosovo.csv", 0, 45.7, "SparseMSE 2.0.1", 0},
    {"all 32,768 pairwise models", "UKdat.csv", 1, 0, "-", 1.0},
    {"all 1,024 pairwise models", "UKdat_5.csv", 1, 4.3,
     "Rcapture closedpMS.t", 0},
};

/* One timed run; *N receives the estimate (to show the work was done). */
static int run_case(const loglin_case *c, const vc_table *t, double *N,
                    double *seconds)
{
    vc_error err;
    vc_error_clear(&err);
    double t0 = bench_now();
    int status;
    if (c->enumerate) {
        vc_loglin_ranked top[1];
        vc_loglin_enum_summary s;
        status = vc_loglin_enumerate(t, VC_LOGLIN_AIC, 1, top, &s, &err);
        *N = status == VC_OK ? top[0].N : 0.0;
    } else {
        vc_loglin_boot_opts o;
        vc_loglin_boot_opts_default(&o);
        o.B = 1000;
        vc_loglin_boot_result r;
        status = vc_loglin_bootstrap(t, &o, &r, NULL, &err);
        *N = status == VC_OK ? r.N : 0.0;
    }
    *seconds = bench_now() - t0;
    if (status != VC_OK) {
        fprintf(stderr, "bench_loglin: %s: %s\n", c->file, err.msg);
    }
    return status;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    if (repeats < 1) {
        repeats = 1;
    }
    int maxthreads = omp_get_max_threads();
    printf("| work | table | N-hat | 1 thread (s) | %d threads (s) | "
           "reference (s) | ratio, %d threads |\n", maxthreads, maxthreads);
    printf("|---|---|---|---|---|---|---|\n");
    double *sec = malloc((size_t)repeats * sizeof *sec);
    if (sec == NULL) {
        return 1;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const loglin_case *c = &cases[i];
        vc_table *t = bench_table(c->file);
        if (t == NULL) {
            return 1;
        }
        double med[2];
        double N = 0.0;
        for (int pass = 0; pass < 2; pass++) {
            omp_set_num_threads(pass == 0 ? 1 : maxthreads);
            for (int r = 0; r < repeats; r++) {
                if (run_case(c, t, &N, &sec[r]) != VC_OK) {
                    return 1;
                }
            }
            med[pass] = bench_median(sec, (size_t)repeats);
        }
        char ref[64] = "-", ratio[32] = "-";
        if (c->ref_seconds > 0) {
            snprintf(ref, sizeof ref, "%g (%s)", c->ref_seconds, c->ref_name);
            snprintf(ratio, sizeof ratio, "%.0fx", c->ref_seconds / med[1]);
        } else if (c->target_seconds > 0) {
            snprintf(ref, sizeof ref, "target %g", c->target_seconds);
        }
        printf("| %s | %s | %.2f | %.3f | %.3f | %s | %s |\n", c->what,
               c->file, N, med[0], med[1], ref, ratio);
        fflush(stdout);
        vc_table_free(t);
    }
    free(sec);
    return 0;
}
