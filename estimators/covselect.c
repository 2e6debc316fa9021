/*
 * covselect.c: model search for log-linear models with covariates.
 *
 * The space is the one the covariate studies search (van der Heijden et
 * al. 2012, Ann. Appl. Stat. 6:831; Cruyff, van Dijk & van der Heijden
 * 2017, CHANCE 30(3):41; Cruyff's R package mse, which offers forward,
 * backward and exhaustive searches): from independence with covariates
 * (every main effect) up to every two-way term, lists x lists, lists x
 * covariates and covariates x covariates, ranked by AIC, AICc or BIC
 * (Burnham & Anderson 2002, ch. 2; Hurvich & Tsai 1989 for AICc).
 * With K candidate terms there are 2^K models: every one is fitted when
 * K <= VC_COV_EXHAUSTIVE_MAX; beyond that a forward-backward stepwise
 * search (each step the addition or removal of one term that lowers the
 * criterion most, until none does).  Every fit runs the existence check
 * of covfit.c; a model whose MLE does not exist is skipped.
 *
 * Determinism: models of one step are fitted in parallel, each into its
 * own slot; the choice is made serially in model order, ties to the
 * earlier model, so the thread count never changes the answer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "estimators/vc_covloglin.h"

/* Candidate two-way terms of a table, in canonical order. */
static size_t candidates(const vc_covtable *ct, uint32_t *cand)
{
    size_t nv = ct->J + ct->V, k = 0;
    uint32_t lists = (1u << ct->J) - 1;
    /* by mask order within order 2: iterate b (higher bit) then a */
    for (size_t b = 1; b < nv; b++) {
        for (size_t a = 0; a < b; a++) {
            uint32_t t = (1u << a) | (1u << b);
            if ((t & lists) != lists) {
                cand[k++] = t;
            }
        }
    }
    return k;
}

/* The model of independence plus the candidates k with on[k] set. */
static int model_of(const vc_covtable *ct, const uint32_t *cand, size_t K,
                    const unsigned char *on, vc_covloglin_model *m)
{
    if (vc_covloglin_model_independence(ct->J, ct->V, m, NULL) != VC_OK) {
        return VC_EINVAL;
    }
    for (size_t i = 0; i < K; i++) {
        if (on[i] && vc_covloglin_model_add(m, cand[i], NULL) != VC_OK) {
            return VC_EINVAL;
        }
    }
    return VC_OK;
}

/* Fit nm models given by on-vectors (nm x K) in parallel; crit[i] gets
 * the criterion, HUGE_VAL when the model did not fit.  A failure other
 * than no MLE / not converged / numeric is returned. */
static int fit_all(const vc_covtable *ct, vc_cov_criterion crit,
                   const uint32_t *cand, size_t K, size_t nm,
                   const unsigned char *on, double *value,
                   vc_cov_search_summary *summary, vc_error *err)
{
    int status = VC_OK;
    uint64_t nfit = 0, nref = 0;
#pragma omp parallel reduction(+ : nfit, nref)
    {
        vc_error local;
        vc_error_clear(&local);
        vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, &local);
        if (w == NULL) {
#pragma omp critical(vc_covselect)
            status = VC_ENOMEM;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < nm; i++) {
            value[i] = HUGE_VAL;
            if (w == NULL) {
                continue;
            }
            vc_covloglin_model m;
            vc_covloglin_result r;
            if (model_of(ct, cand, K, on + i * K, &m) != VC_OK) {
                nref++;
                continue;
            }
            vc_error e;
            vc_error_clear(&e);
            int st = vc_covloglin_fit(ct, NULL, &m, &r, NULL, w, &e);
            if (st == VC_OK && isfinite(vc_covloglin_criterion(&r, crit))) {
                value[i] = vc_covloglin_criterion(&r, crit);
                nfit++;
            } else {
                nref++;
                if (st == VC_ENOMEM) {
#pragma omp critical(vc_covselect)
                    status = VC_ENOMEM;
                }
            }
        }
        vc_covloglin_workspace_free(w);
    }
    summary->nfitted += nfit;
    summary->nrefused += nref;
    if (status != VC_OK) {
        return vc_error_set(err, status, "model search: out of memory");
    }
    return VC_OK;
}

int vc_covloglin_search(const vc_covtable *ct, vc_cov_criterion crit,
                        int exhaustive, vc_covloglin_result *best,
                        vc_cov_search_summary *summary, vc_error *err)
{
    uint32_t cand[VC_COV_MAX_TERMS];
    size_t nv = ct->J + ct->V;
    if (nv * (nv - 1) / 2 > VC_COV_MAX_TERMS) {
        return vc_error_set(err, VC_EINVAL, "too many variables to search");
    }
    size_t K = candidates(ct, cand);
    memset(summary, 0, sizeof *summary);
    summary->ncandidates = K;
    summary->exhaustive = exhaustive && K <= VC_COV_EXHAUSTIVE_MAX;
    unsigned char cur[VC_COV_MAX_TERMS] = {0};
    int status = VC_OK;
    if (summary->exhaustive) {
        size_t nm = (size_t)1 << K;
        unsigned char *on = malloc(nm * (K ? K : 1));
        double *value = malloc(nm * sizeof *value);
        if (on == NULL || value == NULL) {
            free(on);
            free(value);
            return vc_error_set(err, VC_ENOMEM, "model search: out of "
                                "memory");
        }
        for (size_t i = 0; i < nm; i++) {
            for (size_t k = 0; k < K; k++) {
                on[i * K + k] = (unsigned char)(i >> k & 1u);
            }
        }
        status = fit_all(ct, crit, cand, K, nm, on, value, summary, err);
        size_t arg = nm;
        for (size_t i = 0; status == VC_OK && i < nm; i++) {
            if (value[i] < HUGE_VAL && (arg == nm || value[i] < value[arg])) {
                arg = i;
            }
        }
        if (arg < nm) {
            memcpy(cur, on + arg * K, K);
        } else if (status == VC_OK) {
            status = vc_error_set(err, VC_ENOMLE,
                                  "model search: no model has a "
                                  "maximum-likelihood estimate");
        }
        free(on);
        free(value);
    } else {
        /* Forward-backward from independence. */
        unsigned char *on = malloc(K * (K ? K : 1) + 1);
        double *value = malloc((K + 1) * sizeof *value);
        if (on == NULL || value == NULL) {
            free(on);
            free(value);
            return vc_error_set(err, VC_ENOMEM, "model search: out of "
                                "memory");
        }
        double curval;
        status = fit_all(ct, crit, cand, K, 1, cur, &curval, summary, err);
        if (status == VC_OK && !(curval < HUGE_VAL)) {
            status = vc_error_set(err, VC_ENOMLE,
                                  "model search: the independence model "
                                  "has no maximum-likelihood estimate");
        }
        while (status == VC_OK) {
            /* every neighbour: candidate k toggled */
            for (size_t k = 0; k < K; k++) {
                memcpy(on + k * K, cur, K);
                on[k * K + k] ^= 1u;
            }
            status = fit_all(ct, crit, cand, K, K, on, value, summary, err);
            size_t arg = K;
            for (size_t k = 0; status == VC_OK && k < K; k++) {
                if (value[k] < curval
                    && (arg == K || value[k] < value[arg])) {
                    arg = k;
                }
            }
            if (status != VC_OK || arg == K) {
                break;
            }
            cur[arg] ^= 1u;
            curval = value[arg];
        }
        free(on);
        free(value);
    }
    if (status != VC_OK) {
        return status;
    }
    vc_covloglin_model m;
    model_of(ct, cand, K, cur, &m);
    vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, err);
    if (w == NULL) {
        return VC_ENOMEM;
    }
    status = vc_covloglin_fit(ct, NULL, &m, best, NULL, w, err);
    vc_covloglin_workspace_free(w);
    return status;
}
