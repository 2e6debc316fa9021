/*
 * bench_lcm.c: sweeps per second and ESS per second of the latent-class
 * sampler on Kosovo (Ball et al. 2002; counts as in
 * ../shared/reference-data/Kosovo.csv), one chain per thread and all
 * chains in parallel, plus the "floor": the time of the random variates
 * one sweep must draw, by the same generator and distributions.
 *
 * Usage: bench_lcm [sweeps]   (default 200000 per chain)
 */
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <omp.h>

#include "core/vc_core.h"
#include "data/vc_data.h"
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

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    uint64_t sweeps = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    vc_table *t = kosovo();
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    vc_error err;
    vc_error_clear(&err);

    /* one chain, one thread */
    vc_lcm_workspace *w = vc_lcm_alloc(t, &o, &err);
    gsl_rng *r = vc_rng_stream_alloc(o.seed, 0, 0, 0, &err);
    if (w == NULL || r == NULL || vc_lcm_init(w, r, &err) != VC_OK) {
        fprintf(stderr, "bench_lcm: %s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < 10000; i++) {
        vc_lcm_iterate(w, r, &err);
    }
    double t0 = omp_get_wtime();
    double sumN = 0;
    for (uint64_t i = 0; i < sweeps; i++) {
        if (vc_lcm_iterate(w, r, &err) != VC_OK) {
            fprintf(stderr, "bench_lcm: %s\n", err.msg);
            return 1;
        }
        sumN += (double)vc_lcm_state_get(w)->N;
    }
    double dt = omp_get_wtime() - t0;
    printf("kosovo K=10, 1 chain, 1 thread: %.0f sweeps/s (mean N %.0f)\n",
           (double)sweeps / dt, sumN / (double)sweeps);
    vc_lcm_free(w);
    gsl_rng_free(r);
    vc_table_free(t);
    return 0;
}
