/*
 * bench_link.c: record linkage (link/): encodings per second, Dice
 * comparisons per second per core (AVX2 and portable kernels), linkage
 * quality against the known truth of simulated lists, and the time of
 * 3 lists x 100,000 records linked all against all.
 *
 * Usage: bench_link [records per list (default 100000)] [threads]
 *                   [people in the quality study (5000)] [its seed (11)]
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "bench/bench_common.h"
#include "link/link_impl.h"
#include "tests/link_sim.h"

/* CPU seconds of this thread or process: the machine is shared, so
 * rates per core are measured against CPU time, not wall time. */
static double cpu_now(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const uint8_t secret[] = "benchmark secret, 32 bytes long";
static const vc_sim_errors errors = {0.05, 0.20, 0.05, 0.03, 0.05};

/* Raw kernel speed: 64 encodings each against n others (in groups of
 * VCI_PROBES, as `link` calls the kernel, over the blocked layout),
 * repeated for about a second; returns comparisons per second. */
static double kernel_rate(const uint64_t *f, size_t n, size_t words, int kernel)
{
    uint32_t *pop = calloc(vci_block_words(n, 1) + 1, sizeof *pop);
    uint64_t *bt = malloc(vci_block_words(n, words) * sizeof *bt);
    vci_hit *hit = malloc(VCI_PROBES * n * sizeof *hit);
    for (size_t j = 0; j < n; j++) {
        pop[j] = (uint32_t)vci_popcount(f + j * words, words);
    }
    vci_block(f, n, words, bt);
    double t0 = cpu_now(CLOCK_THREAD_CPUTIME_ID);
    size_t reps = 0;
    size_t sink = 0;
    do {
        for (size_t i = 0; i < 64; i += VCI_PROBES) {
            vci_probe p[VCI_PROBES];
            for (size_t q = 0; q < VCI_PROBES; q++) {
                p[q].a = f + (i + q) * words;
                p[q].pa = pop[i + q];
                p[q].x = 0;
                p[q].y = n;
            }
            sink += vci_scan(kernel, p, VCI_PROBES, bt, pop, words, 0.8, hit);
        }
        reps++;
    } while (cpu_now(CLOCK_THREAD_CPUTIME_ID) - t0 < 1.0);
    double dt = cpu_now(CLOCK_THREAD_CPUTIME_ID) - t0;
    if (sink == 0) {
        puts("(no hits)");
    }
    free(pop);
    free(bt);
    free(hit);
    return (double)reps * 64.0 * (double)n / dt;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    size_t per_list = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    int threads = argc > 2 ? atoi(argv[2]) : omp_get_max_threads();
    size_t qpeople = argc > 3 ? strtoul(argv[3], NULL, 10) : 5000;
    uint64_t qseed = argc > 4 ? strtoull(argv[4], NULL, 10) : 11;
    vc_link_schema s;
    vc_link_schema_default(&s);
    vc_link_encoder *e = vc_link_encoder_alloc(&s, secret, 31, NULL);
    if (e == NULL) {
        return 1;
    }
    /* quality: 3 lists from qpeople people, capture 0.5, 0.4, 0.3 */
    {
        link_sim ls;
        double p[3] = {0.5, 0.4, 0.3};
        if (link_sim_make(&ls, 3, p, qpeople, qseed, &errors, &s, e) != 0) {
            return 1;
        }
        printf("quality: 3 lists (%zu, %zu, %zu records) from %zu "
               "people (seed %llu), errors typo %.2f other romanisation %.2f "
               "married "
               "%.2f swap %.2f missing date %.2f\n",
               ls.sets[0]->n, ls.sets[1]->n, ls.sets[2]->n, qpeople,
               (unsigned long long)qseed, errors.typo, errors.other_convention,
               errors.married, errors.swap_day_month, errors.missing_date);
        printf("  threshold  precision  recall\n");
        for (double t = 0.70; t < 0.951; t += 0.025) {
            vc_link_opts o = {t, 0.0, threads, 0, 1, NULL, 0, 0.0};
            vc_link_result *r = NULL;
            const vc_link_set *sets[3] = {ls.sets[0], ls.sets[1], ls.sets[2]};
            const char *names[3] = {"L1", "L2", "L3"};
            if (vc_link_run(sets, 3, names, &o, &r, NULL) != VC_OK) {
                return 1;
            }
            double prec, rec;
            link_sim_quality(&ls, r, &prec, &rec);
            printf("  %.3f      %.4f     %.4f\n", t, prec, rec);
            vc_link_result_free(r);
        }
        link_sim_free(&ls);
    }
    /* encodings per second and the big linkage: 3 lists of about
     * per_list records (capture 0.5 of 2 x per_list people) */
    link_sim ls;
    double p[3] = {0.5, 0.5, 0.5};
    double t0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
    if (link_sim_make(&ls, 3, p, 2 * per_list, 12, &errors, &s, e) != 0) {
        return 1;
    }
    double dt = cpu_now(CLOCK_PROCESS_CPUTIME_ID) - t0;
    printf("encode: %zu records in %.2f CPU s (drawing them included): "
           "%.0f records/s on 1 core\n",
           ls.encoded, dt, (double)ls.encoded / dt);
    size_t words = ls.sets[0]->words;
    size_t nk = ls.sets[0]->n < 20000 ? ls.sets[0]->n : 20000;
    for (int k = vci_scan_best(); k >= 0; k--) {
        printf("kernel %s, 1 core, %zu-bit: %.3g comparisons/s\n",
               vci_scan_name(k), 64 * words,
               kernel_rate(ls.sets[0]->filters, nk, words, k));
    }
    for (int th = 1; th <= threads; th *= 2) {
        vc_link_opts o = {0.875, 0.01, th, 0, 0, NULL, 0, 0.0};
        vc_link_result *r = NULL;
        const vc_link_set *sets[3] = {ls.sets[0], ls.sets[1], ls.sets[2]};
        const char *names[3] = {"L1", "L2", "L3"};
        t0 = bench_now();
        double c0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
        if (vc_link_run(sets, 3, names, &o, &r, NULL) != VC_OK) {
            return 1;
        }
        dt = bench_now() - t0;
        double cpu = cpu_now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        printf("link 3 x (%zu, %zu, %zu), all against all, %d thread%s: "
               "%.2f s wall, %.2f CPU s (%.3g/CPU s), %llu comparisons (%llu "
               "pruned), %.3g/s, "
               "%llu candidate pairs, %llu people, kernel %s\n",
               ls.sets[0]->n, ls.sets[1]->n, ls.sets[2]->n, th,
               th == 1 ? "" : "s", dt, cpu, (double)r->comparisons / cpu,
               (unsigned long long)r->comparisons,
               (unsigned long long)r->pruned, (double)r->comparisons / dt,
               (unsigned long long)r->candidates, (unsigned long long)r->people,
               r->popcount);
        vc_link_result_free(r);
        if (th == threads) {
            break;
        }
        if (th * 2 > threads) {
            th = threads / 2;
        }
    }
    link_sim_free(&ls);
    vc_link_encoder_free(e);
    vc_link_schema_clear(&s);
    return 0;
}
