/*
 * loglin_regimes.c: the regimes among the log-linear models within reach
 * of the best (issue 17).  Selection picks one model; the models with
 * nearly as much support (within VC_LOGLIN_REGIME_DELTA of the best AIC
 * or BIC; Burnham & Anderson 2002, sec. 2.6) may imply very different N.
 * They are grouped by N on the log scale as dga's regimes are (their
 * weights split at the valleys of their mass, vc_log_mass_groups), each group weighted by the Akaike weights
 * of its models (Burnham & Anderson 2002, eq. 2.14, renormalised over the
 * models within reach) and summarised by its best model's N and profile
 * interval (Cormack 1992).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/vc_loglin.h"

/* How many of the best models the enumeration keeps: more than ever fall
 * within 2 of the best on the tables seen (UK 5 lists: 9). */
#define REGIME_TOP 64

int vc_loglin_regimes(const vc_table *t, vc_loglin_criterion crit,
                      double level, vc_loglin_regime *out, size_t max,
                      size_t *nout, vc_error *err)
{
    *nout = 0;
    int status = vc_level_check(level, err);
    if (status != VC_OK) {
        return status;
    }
    if (max == 0 || t->J < 2 || t->J > VC_LOGLIN_REGIME_MAX_LISTS) {
        return vc_error_set(err, VC_EINVAL,
                            "regimes of the log-linear models need 2 to %d "
                            "lists and room for one",
                            VC_LOGLIN_REGIME_MAX_LISTS);
    }
    vc_loglin_ranked *top = malloc(REGIME_TOP * sizeof *top);
    double *N = malloc(2 * REGIME_TOP * sizeof *N);
    size_t *group = malloc(REGIME_TOP * sizeof *group);
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(t->J, err);
    if (top == NULL || N == NULL || group == NULL || w == NULL) {
        free(top);
        free(N);
        free(group);
        vc_loglin_workspace_free(w);
        return w == NULL ? err->code
                         : vc_error_set(err, VC_ENOMEM,
                                        "cannot allocate the regimes");
    }
    vc_loglin_enum_summary sum;
    status = vc_loglin_enumerate(t, crit, REGIME_TOP, top, &sum, err);
    size_t m = 0;
    double total = 0.0;
    if (status == VC_OK) {
        /* best first: those within reach are a prefix */
        while (m < sum.ntop
               && top[m].criterion - top[0].criterion
                      <= VC_LOGLIN_REGIME_DELTA) {
            N[m] = top[m].N;
            N[REGIME_TOP + m] = top[m].weight;
            total += top[m].weight;
            m++;
        }
    }
    size_t ng = status == VC_OK
                    ? vc_log_mass_groups(N, N + REGIME_TOP, m,
                                         VC_LOGLIN_REGIME_BANDWIDTH, group)
                    : 0;
    for (size_t g = 0; g < ng && status == VC_OK && *nout < max; g++) {
        vc_loglin_regime *r = &out[*nout];
        memset(r, 0, sizeof *r);
        size_t best = m;
        for (size_t k = 0; k < m; k++) {
            if (group[k] != g) {
                continue;
            }
            best = best == m ? k : best;
            r->weight += top[k].weight;
            r->nmodels++;
        }
        if (best == m) {
            continue;
        }
        r->weight = total > 0.0 ? r->weight / total : 0.0;
        r->model = top[best].model;
        r->estimate = top[best].N;
        status = vc_loglin_profile_ci(t, &top[best].model, level, 0.0,
                                      &r->lower, &r->upper, &r->flags, w,
                                      err);
        if (status == VC_OK) {
            (*nout)++;
        }
    }
    vc_loglin_workspace_free(w);
    free(group);
    free(N);
    free(top);
    return status;
}
