/*
 * covariates.c: simulated populations with categorical covariates
 * (vc_sim.h): the truth that the log-linear models with covariates
 * (estimators/vc_covloglin.h) are checked against, level by level, and
 * covariate values missing completely at random among the people seen,
 * for the EM over missing values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/vc_sim.h"

size_t vc_sim_covariates_ncomb(const vc_sim_covariates *cv, int with_missing)
{
    if (cv->V < 1 || cv->V > VC_SIM_MAX_COVARIATES) {
        return 0;
    }
    size_t n = 1;
    for (size_t v = 0; v < cv->V; v++) {
        if (cv->nlevels[v] < 1 || cv->nlevels[v] > VC_SIM_MAX_LEVELS) {
            return 0;
        }
        n *= cv->nlevels[v] + (with_missing ? 1 : 0);
    }
    return n;
}

static int check(const vc_sim_covariates *cv, vc_error *err)
{
    if (vc_sim_covariates_ncomb(cv, 0) == 0) {
        return vc_error_set(err, VC_EINVAL,
                            "expected 1 to %d covariates of 1 to %d levels",
                            VC_SIM_MAX_COVARIATES, VC_SIM_MAX_LEVELS);
    }
    for (size_t v = 0; v < cv->V; v++) {
        double total = 0.0;
        for (size_t l = 0; l < cv->nlevels[v]; l++) {
            if (!(cv->share[v][l] >= 0.0) || !isfinite(cv->share[v][l])
                || !isfinite(cv->shift[v][l])) {
                return vc_error_set(err, VC_EINVAL,
                                    "covariate %zu level %zu: a share >= 0 "
                                    "and a finite shift are expected",
                                    v + 1, l + 1);
            }
            total += cv->share[v][l];
        }
        if (!(total > 0.0)) {
            return vc_error_set(err, VC_EINVAL,
                                "covariate %zu: the shares are all 0",
                                v + 1);
        }
        if (!(cv->missing[v] >= 0.0 && cv->missing[v] < 1.0)) {
            return vc_error_set(err, VC_EINVAL,
                                "covariate %zu: the missing rate must lie "
                                "in [0, 1)", v + 1);
        }
    }
    return VC_OK;
}

int vc_sim_draw_covariates(const vc_sim_model *m, const vc_sim_covariates *cv,
                           uint64_t N, uint64_t seed, uint64_t stratum,
                           uint64_t *count, uint64_t *truth, vc_error *err)
{
    if (check(cv, err) != VC_OK || vc_sim_model_check(m, err) != VC_OK) {
        return VC_EINVAL;
    }
    size_t ncomb = vc_sim_covariates_ncomb(cv, 0);
    size_t ncombx = vc_sim_covariates_ncomb(cv, 1);
    size_t nx = (size_t)1 << m->J;
    size_t V = cv->V;
    double *p = malloc(ncomb * sizeof *p);
    unsigned int *n = malloc(ncomb * sizeof *n);
    uint64_t *cell = malloc(nx * sizeof *cell);
    gsl_rng *r = vc_rng_stream_alloc(seed, stratum, 0, 0, err);
    int status = VC_OK;
    if (p == NULL || n == NULL || cell == NULL || r == NULL) {
        status = r == NULL ? VC_ENOMEM
                           : vc_error_set(err, VC_ENOMEM, "out of memory");
        goto done;
    }
    if (N > UINT32_MAX) {
        status = vc_error_set(err, VC_EINVAL, "N above %u", UINT32_MAX);
        goto done;
    }
    memset(count, 0, ncombx * nx * sizeof *count);
    memset(truth, 0, ncomb * nx * sizeof *truth);
    double tot[VC_SIM_MAX_COVARIATES] = {0};
    for (size_t v = 0; v < V; v++) {
        for (size_t l = 0; l < cv->nlevels[v]; l++) {
            tot[v] += cv->share[v][l];
        }
    }
    size_t lev[VC_SIM_MAX_COVARIATES];
    for (size_t c = 0; c < ncomb; c++) {
        size_t rest = c;
        p[c] = 1.0;
        for (size_t v = V; v-- > 0;) {
            lev[v] = rest % cv->nlevels[v];
            rest /= cv->nlevels[v];
            p[c] *= cv->share[v][lev[v]] / tot[v];
        }
    }
    gsl_ran_multinomial(r, ncomb, (unsigned int)N, p, n);
    for (size_t c = 0; c < ncomb && status == VC_OK; c++) {
        size_t rest = c;
        double shift = 0.0;
        for (size_t v = V; v-- > 0;) {
            lev[v] = rest % cv->nlevels[v];
            rest /= cv->nlevels[v];
            shift += cv->shift[v][lev[v]];
        }
        vc_sim_model mc = *m;
        status = vc_sim_model_scale(&mc, exp(shift), err);
        if (status == VC_OK) {
            status = vc_rng_set_stream(r, seed, stratum, (uint32_t)c + 1, 0,
                                       err);
        }
        if (status == VC_OK) {
            status = vc_sim_draw(&mc, n[c], r, cell, err);
        }
        if (status != VC_OK) {
            break;
        }
        memcpy(truth + c * nx, cell, nx * sizeof *cell);
        /* hide values: each seen person, each covariate independently */
        status = vc_rng_set_stream(r, seed, stratum, (uint32_t)c + 1, 1, err);
        for (size_t x = 1; x < nx && status == VC_OK; x++) {
            /* the people of cell x by the set of values they lose: one
             * binomial split per covariate, subset by subset */
            uint64_t by[1u << VC_SIM_MAX_COVARIATES] = {0};
            by[0] = cell[x];
            for (size_t v = 0; v < V; v++) {
                for (size_t s = 0; s < ((size_t)1 << v); s++) {
                    unsigned k = by[s] > 0 && cv->missing[v] > 0.0
                                     ? gsl_ran_binomial(r, cv->missing[v],
                                                        (unsigned)by[s])
                                     : 0;
                    by[s] -= k;
                    by[s | ((size_t)1 << v)] += k;
                }
            }
            for (size_t s = 0; s < ((size_t)1 << V); s++) {
                if (by[s] == 0) {
                    continue;
                }
                size_t cx = 0;
                for (size_t v = 0; v < V; v++) {
                    cx = cx * (cv->nlevels[v] + 1)
                         + ((s >> v & 1u) ? cv->nlevels[v] : lev[v]);
                }
                count[cx * nx + x] += by[s];
            }
        }
    }
done:
    gsl_rng_free(r);
    free(p);
    free(n);
    free(cell);
    return status;
}
