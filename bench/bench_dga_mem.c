/*
 * bench_dga_mem.c: time and peak resident memory of one exact graph
 * averaging fit (vc_dga_fit, automatic grid with its widening, default
 * prior) on a table given by path, as issue 20 measures them, and of the
 * posterior predictive check that `estimate -m dga` runs after it
 * (vc_dga_ppc, its default draws).  Medians of REPEATS fits and checks on
 * all threads; the peak is the process's (getrusage), so it includes
 * reading the table.
 *
 * Usage: bench_dga_mem [FILE [repeats]]   (default bench/dga_wide5.csv,
 * the wide 5-list table of bench/RESULTS.md, and 3 repeats)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_common.h"
#include "models/vc_dga.h"
#include "models/vc_ppc.h"

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const char *file = argc > 1 ? argv[1] : "bench/dga_wide5.csv";
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    repeats = repeats < 1 ? 1 : repeats;
    vc_read_opts ro = {0};
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_read(file, &ro, &err);
    double *ms = malloc(2 * (size_t)repeats * sizeof *ms);
    double *cms = ms ? ms + repeats : NULL;
    if (d == NULL || ms == NULL) {
        fprintf(stderr, "bench_dga_mem: %s\n", d ? "out of memory" : err.msg);
        return 1;
    }
    size_t ngrid = 0;
    double median_N = 0.0;
    for (int r = 0; r < repeats; r++) {
        double t0 = bench_now();
        vc_dga_result *res = vc_dga_fit(d->tables[0], NULL, &err);
        ms[r] = 1e3 * (bench_now() - t0);
        if (res == NULL) {
            fprintf(stderr, "bench_dga_mem: %s\n", err.msg);
            return 1;
        }
        ngrid = res->ngrid;
        median_N = res->median;
        vc_ppc check;
        t0 = bench_now();
        int status = vc_dga_ppc(d->tables[0], NULL, res, 1, 0, 0, &check,
                                &err);
        cms[r] = 1e3 * (bench_now() - t0);
        vc_dga_result_free(res);
        if (status != VC_OK) {
            fprintf(stderr, "bench_dga_mem: %s\n", err.msg);
            return 1;
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("| %s | n = %llu | n0 grid 0:%zu | median N %.0f | fit %.0f ms "
           "(median of %d) | check %.0f ms | peak RSS %.1f MB | minor faults "
           "%ld |\n",
           file, (unsigned long long)d->tables[0]->n, ngrid - 1, median_N,
           bench_median(ms, (size_t)repeats), repeats,
           bench_median(cms, (size_t)repeats),
           (double)ru.ru_maxrss / 1024.0, ru.ru_minflt);
    free(ms);
    vc_dataset_free(d);
    return 0;
}
