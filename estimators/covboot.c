/*
 * covboot.c: parametric bootstrap of a log-linear model with covariates.
 *
 * Buckland & Garthwaite (1991, Biometrics 47:255, sec. 2) for capture-
 * recapture models, as Cruyff's mse package and the covariate studies use
 * it (van der Heijden et al. 2012, Ann. Appl. Stat. 6:831; Cruyff et al.
 * 2017, CHANCE 30(3):41): with mu-hat the fit of the model m, replicate
 * b draws every observed cell y*_{c,x} ~ Poisson(mu-hat_{c,x}), refits
 * m to y*, and takes N*_G = n*_G + n0*_G for every group G (total,
 * levels, pairs of levels).  The percentile interval of the N*_G is the
 * interval of N_G.  The model is held fixed, as in the anchors' default;
 * a replicate whose MLE does not exist is left out and counted.
 *
 * With missing covariate values the EM is repeated in every replicate
 * (Zwane & van der Heijden 2007): the replicate draws complete cells from
 * the EM's fitted means, then hides covariates as the data do, missing at
 * random given the capture pattern: a person of pattern x loses the
 * covariates of missingness type t with probability pi_{x,t}, the share
 * of the people of pattern x who have that type in the data (a
 * multinomial split of each cell, drawn as successive binomials); the
 * replicate is then fitted by EM like the data.
 *
 * Replicate b draws from the Philox stream (seed, stratum, b, 0) and
 * writes only its own row, so any number of threads gives the same bytes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "estimators/covloglin_impl.h"

int vc_covloglin_bootstrap(const vc_covtable *ct, const vc_covloglin_model *m,
                           size_t ngroups, const unsigned char *groups,
                           size_t B, uint64_t seed, uint64_t stratum,
                           double level, double *lower, double *upper,
                           double *reps, size_t *nfailed, vc_error *err)
{
    if (B < 2) {
        return vc_error_set(err, VC_EINVAL, "bootstrap: expected at least 2 "
                            "replicates, got %zu", B);
    }
    if (!(level > 0.0 && level < 1.0)) {
        return vc_error_set(err, VC_EINVAL, "level %g is not in (0, 1)",
                            level);
    }
    size_t ncell = ct->ncell;
    uint32_t lists = (1u << ct->J) - 1;
    double *mu = malloc(ncell * sizeof *mu);
    vc_covloglin_workspace *w0 = vc_covloglin_workspace_alloc(ct, err);
    if (mu == NULL || w0 == NULL) {
        free(mu);
        vc_covloglin_workspace_free(w0);
        return vc_error_set(err, VC_ENOMEM, "bootstrap: out of memory");
    }
    vc_covloglin_result r0;
    int status = vc_covloglin_fit(ct, NULL, m, &r0, mu, w0, err);
    vc_covloglin_workspace_free(w0);
    if (status != VC_OK) {
        free(mu);
        return status;
    }
    /* pi[x * ntypes + t]: the share of pattern x with missingness t */
    size_t nt = ct->ntypes, J = ct->J;
    double *pi = calloc(((size_t)lists + 1) * (nt ? nt : 1), sizeof *pi);
    if (pi == NULL) {
        free(mu);
        return vc_error_set(err, VC_ENOMEM, "bootstrap: out of memory");
    }
    for (size_t x = 1; x <= lists; x++) {
        double nx = 0.0;
        for (size_t c = 0; c < ct->ncomb; c++) {
            nx += ct->y[(c << J) | x];
        }
        for (size_t t = 0; t < nt; t++) {
            for (size_t k = 0; k < ct->type_ncomb[t]; k++) {
                pi[x * nt + t] += ct->ymiss[t][(k << J) | x];
            }
            nx += pi[x * nt + t];
        }
        for (size_t t = 0; t < nt && nx > 0.0; t++) {
            pi[x * nt + t] /= nx;
        }
    }
    int alloc_failed = 0;
#pragma omp parallel
    {
        vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, NULL);
        double *ystar = calloc(ncell, sizeof *ystar);
        double *ymiss[VC_COV_MAX_MISSING_TYPES] = {0};
        int have_miss = 1;
        for (size_t t = 0; t < nt; t++) {
            ymiss[t] = malloc((ct->type_ncomb[t] << J) * sizeof *ymiss[t]);
            have_miss = have_miss && ymiss[t] != NULL;
        }
        gsl_rng *r = vc_rng_stream_alloc(seed, stratum, 0, 0, NULL);
        int ready = w != NULL && ystar != NULL && r != NULL && have_miss;
        if (!ready) {
#pragma omp atomic write
            alloc_failed = 1;
        }
#pragma omp for schedule(dynamic, 4)
        for (size_t b = 0; b < B; b++) {
            double *row = reps + b * ngroups;
            for (size_t g = 0; g < ngroups; g++) {
                row[g] = NAN;
            }
            if (!ready) {
                continue;
            }
            /* The stream of replicate b, never of the thread. */
            vc_rng_set_stream(r, seed, stratum, (uint32_t)b, 0, NULL);
            for (size_t i = 0; i < ncell; i++) {
                ystar[i] = (i & lists)
                               ? (double)gsl_ran_poisson(r, mu[i])
                               : 0.0;
            }
            for (size_t t = 0; t < nt; t++) {
                memset(ymiss[t], 0,
                       (ct->type_ncomb[t] << J) * sizeof *ymiss[t]);
            }
            for (size_t i = 0; nt > 0 && i < ncell; i++) {
                size_t x = i & lists;
                unsigned left = (unsigned)ystar[i];
                double rest = 1.0;
                for (size_t t = 0; x != 0 && t < nt && left > 0; t++) {
                    double p = rest > 0.0 ? pi[x * nt + t] / rest : 0.0;
                    unsigned k = gsl_ran_binomial(r, p > 1.0 ? 1.0 : p, left);
                    ymiss[t][(vc_covtable_reduce(ct, t, i >> J) << J) | x] +=
                        k;
                    left -= k;
                    rest -= pi[x * nt + t];
                }
                ystar[i] = left;
            }
            vc_covloglin_result rb;
            int st = nt > 0 ? vci_cov_fit_em(ct, ystar, ymiss, m, &rb, NULL,
                                             w, NULL)
                            : vc_covloglin_fit(ct, ystar, m, &rb, NULL, w,
                                               NULL);
            if (st != VC_OK) {
                continue;
            }
            for (size_t g = 0; g < ngroups; g++) {
                vc_cov_group out;
                if (vc_covloglin_group(w, groups + g * ct->ncomb, level,
                                       &out, NULL)
                    == VC_OK) {
                    row[g] = out.N;
                }
            }
        }
        gsl_rng_free(r);
        free(ystar);
        for (size_t t = 0; t < nt; t++) {
            free(ymiss[t]);
        }
        vc_covloglin_workspace_free(w);
    }
    free(mu);
    free(pi);
    if (alloc_failed) {
        return vc_error_set(err, VC_ENOMEM, "bootstrap: out of memory");
    }
    size_t failed = 0;
    for (size_t b = 0; b < B; b++) {
        failed += isnan(reps[b * ngroups]);
    }
    *nfailed = failed;
    if (B - failed < 2) {
        return vc_error_set(err, VC_EUNDEFINED,
                            "bootstrap: only %zu of %zu replicates could be "
                            "fitted", B - failed, B);
    }
    double *v = malloc(B * sizeof *v);
    if (v == NULL) {
        return vc_error_set(err, VC_ENOMEM, "bootstrap: out of memory");
    }
    double a = (1.0 - level) / 2.0;
    for (size_t g = 0; g < ngroups; g++) {
        size_t k = 0;
        for (size_t b = 0; b < B; b++) {
            if (!isnan(reps[b * ngroups + g])) {
                v[k++] = reps[b * ngroups + g];
            }
        }
        gsl_sort(v, 1, k);
        lower[g] = gsl_stats_quantile_from_sorted_data(v, 1, k, a);
        upper[g] = gsl_stats_quantile_from_sorted_data(v, 1, k, 1.0 - a);
    }
    free(v);
    return VC_OK;
}
