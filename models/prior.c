/*
 * prior.c: the effect of an upper bound on N on the posterior of the
 * Bayesian models (issue 17's prior sensitivity; vc_ppc.h says why the
 * bounded posterior is the unbounded one truncated).
 */
#include <math.h>
#include <stdlib.h>

#include "core/vc_estimate.h"
#include "models/vc_ppc.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int vc_lcm_chains_bounded(const vc_lcm_chains *c, double N_max, double level,
                          double *median, double *lower, double *upper,
                          double *share, vc_error *err)
{
    int status = vc_level_check(level, err);
    if (status != VC_OK) {
        return status;
    }
    size_t total = 0;
    for (size_t ch = 0; ch < vc_lcm_chains_count(c); ch++) {
        total += vc_lcm_chains_trace(c, ch)->ndraws;
    }
    double *x = malloc((total ? total : 1) * sizeof *x);
    if (x == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the draws");
    }
    size_t k = 0;
    for (size_t ch = 0; ch < vc_lcm_chains_count(c); ch++) {
        const vc_lcm_trace *tr = vc_lcm_chains_trace(c, ch);
        for (size_t i = 0; i < tr->ndraws; i++) {
            if ((double)tr->N[i] <= N_max) {
                x[k++] = (double)tr->N[i];
            }
        }
    }
    if (k == 0) {
        free(x);
        return vc_error_set(err, VC_EINVAL, "no draw of N at or below %.0f",
                            N_max);
    }
    qsort(x, k, sizeof *x, cmp_double);
    *median = vc_diag_quantile_sorted(x, k, 0.5);
    *lower = vc_diag_quantile_sorted(x, k, (1.0 - level) / 2.0);
    *upper = vc_diag_quantile_sorted(x, k, (1.0 + level) / 2.0);
    if (share != NULL) {
        *share = (double)(total - k) / (double)total;
    }
    free(x);
    return VC_OK;
}

int vc_dga_bounded(const vc_dga_result *r, double N_max, double level,
                   double *median, double *lower, double *upper,
                   double *share, vc_error *err)
{
    int status = vc_level_check(level, err);
    if (status != VC_OK) {
        return status;
    }
    double n = (double)r->n + (double)r->n0_lo;
    double kept = 0.0, all = 0.0;
    size_t last = 0;
    for (size_t i = 0; i < r->ngrid; i++) {
        all += r->post[i];
        if (n + (double)i <= N_max) {
            kept += r->post[i];
            last = i + 1;
        }
    }
    if (!(kept > 0.0)) {
        return vc_error_set(err, VC_EINVAL, "no posterior mass at or below "
                            "N = %.0f", N_max);
    }
    double p[3] = {(1.0 - level) / 2.0, 0.5, (1.0 + level) / 2.0};
    double q[3] = {n, n, n};
    for (size_t k = 0; k < 3; k++) {
        double acc = 0.0;
        for (size_t i = 0; i < last; i++) {
            acc += r->post[i];
            q[k] = n + (double)i;
            if (acc >= p[k] * kept) {
                break;
            }
        }
    }
    *lower = q[0];
    *median = q[1];
    *upper = q[2];
    if (share != NULL) {
        *share = all > 0.0 ? (all - kept) / all : 0.0;
    }
    return VC_OK;
}
