/*
 * bench_dga.c: time of exact graph averaging (models/dga.c) on the cases
 * of the graph-averaging issue, with the grids of the dga 2.0.2 reference
 * runs, on 1 thread and on all threads.  Medians of REPEATS runs.
 *
 * Usage: bench_dga [repeats]   (default 9)
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_common.h"
#include "models/vc_dga.h"

typedef struct {
    const char *file;
    double delta;
    uint64_t lo, hi;
    double dga_seconds; /* R's dga 2.0.2, from the issue; 0 = not given */
} dga_case;

static const dga_case cases[] = {
    {"Kosovo.csv", 1.0 / 16, 0, 110000, 0.77},
    {"UKdat_5.csv", 1.0 / 32, 0, 68600, 7.7},
    {"MY1997_5.csv", 1.0 / 32, 0, 13425, 0},
    {"MY1997_5.csv", 0.5, 1, 300, 0},
    {"Korea.csv", 1.0 / 8, 0, 3075, 0},
};

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    int repeats = argc > 1 ? atoi(argv[1]) : 9;
    if (repeats < 1) {
        repeats = 1;
    }
    int maxthreads = omp_get_max_threads();
    printf("| table | delta | n0 grid | graphs | median N | 1 thread (ms) | "
           "%d threads (ms) | dga 2.0.2 (s) | speed-up, 1 thread |\n",
           maxthreads);
    printf("|---|---|---|---|---|---|---|---|---|\n");
    double *ms = malloc((size_t)repeats * sizeof *ms);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        vc_table *t = bench_table(cases[c].file);
        if (t == NULL || ms == NULL) {
            return 1;
        }
        vc_dga_opts o = {0};
        o.delta = cases[c].delta;
        o.n0_lo = cases[c].lo;
        o.n0_hi = cases[c].hi;
        double med[2];
        size_t ngraphs = 0;
        double median_N = 0.0;
        for (int pass = 0; pass < 2; pass++) {
            omp_set_num_threads(pass == 0 ? 1 : maxthreads);
            for (int r = 0; r < repeats; r++) {
                vc_error err;
                vc_error_clear(&err);
                double t0 = bench_now();
                vc_dga_result *res = vc_dga_fit(t, &o, &err);
                ms[r] = 1e3 * (bench_now() - t0);
                if (res == NULL) {
                    fprintf(stderr, "bench_dga: %s\n", err.msg);
                    return 1;
                }
                ngraphs = res->ngraphs;
                median_N = res->median;
                vc_dga_result_free(res);
            }
            med[pass] = bench_median(ms, (size_t)repeats);
        }
        char ratio[32] = "", dga_s[32] = "";
        snprintf(dga_s, sizeof dga_s, "%g", cases[c].dga_seconds);
        if (cases[c].dga_seconds > 0) {
            snprintf(ratio, sizeof ratio, "%.0fx",
                     1e3 * cases[c].dga_seconds / med[0]);
        }
        printf("| %s | %g | %llu:%llu | %zu | %.0f | %.1f | %.1f | %s | %s "
               "|\n", cases[c].file, cases[c].delta,
               (unsigned long long)cases[c].lo,
               (unsigned long long)cases[c].hi, ngraphs, median_N, med[0],
               med[1], cases[c].dga_seconds > 0 ? dga_s : "-", ratio);
        vc_table_free(t);
    }
    free(ms);
    return 0;
}
