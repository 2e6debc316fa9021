/*
 * bench_common.h: small helpers shared by the benchmark programs.
 */
#ifndef VC_BENCH_COMMON_H
#define VC_BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "data/vc_data.h"

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of n values (sorts v). */
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* A reference table from data/reference (or $VC_REFDATA). */
static inline vc_table *bench_table(const char *name)
{
    const char *dir = getenv("VC_REFDATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s",
             dir && *dir ? dir : "data/reference", name);
    vc_read_opts o = {0};
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_read(path, &o, &err);
    if (d == NULL) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return NULL;
    }
    vc_table *t = vc_table_copy(d->tables[0], &err);
    vc_dataset_free(d);
    return t;
}

#endif /* VC_BENCH_COMMON_H */
