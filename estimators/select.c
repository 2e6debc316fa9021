/*
 * select.c: model selection for log-linear multiple-systems estimation.
 *
 * Stepwise (Chan, Silverman & Vincent 2021, JASA 116:1297, sec. 3.2, as
 * documented for SparseMSE's stepwisefit): start from the independence
 * model.  For each two-list interaction (a, b) not yet in the model, the
 * overlap o_ab = sum of y_x over cells x containing a and b is, when
 * u_ab = 0, Poisson with mean m_ab = sum of the fitted mu_x over the same
 * cells; its one-sided p-value is taken in the direction of the data,
 * P(X >= o_ab) when o_ab >= m_ab and P(X <= o_ab) otherwise, with
 * X ~ Poisson(m_ab).  Add the pair with the smallest p-value below pthresh
 * (default 0.02) whose model has an (extended) MLE with N identifiable;
 * stop when none is left.  A pair that never meets is a candidate like any
 * other (p = exp(-m_ab)); if chosen, its u_ab is fixed at minus infinity.
 * Ties (p-values that underflow to 0) go to the first pair in the order
 * (0,1), (0,2), ...  This reproduces SparseMSE 2.0.1 on Korea, Kosovo, UK
 * (6 and 5 lists) and Madigan & York's 3- and 5-list data (tests).
 * The p-values need no fit per candidate: they are score-type tests of
 * each pair from the current fit alone (the score of u_ab at 0 is
 * o_ab - m_ab, the overlap less its fitted mean; Rao 1948, Proc. Camb.
 * Phil. Soc. 44:50; Agresti 2013, Categorical Data Analysis, 3rd ed.,
 * sec. 1.3), so a step costs one
 * fit, plus one per candidate refused for want of an MLE.  On wide tables
 * (loglin_factor.c) the fits and the expected overlaps go through the
 * model's factors; the test "factored fits: same models on every table"
 * checks that the search chooses the same models both ways.
 *
 * Enumeration (as Rcapture's closedpMS.t with maxorder 2; Baillargeon &
 * Rivest 2007, J. Stat. Softw. 19(5)): every model of main effects plus a
 * subset of the J(J-1)/2 two-list interactions, ranked by
 *   AIC = -2 loglik + 2 k,   BIC = -2 loglik + k log(n),
 * with the Poisson log-likelihood including -log(y!) (R's glm) and n the
 * number of people observed (Rcapture's convention, checked on Korea:
 * [12,23] has BIC 57.14081).  Consecutive fits are warm-started along a
 * Gray code (vc_loglin_enumerate).  Weights are exp(-delta/2) normalised over
 * every model fitted (Burnham & Anderson 2002, sec. 2.9).  Models are
 * fitted in parallel; each writes its own slot and everything after is
 * serial in model order, so the result is the same for any thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "estimators/loglin_impl.h"

/* Margin of pair (a, b): people seen by both. */
static double pair_margin(const double *y, size_t J, uint32_t pair)
{
    double margin = 0.0;
    size_t ncell = (size_t)1 << J;
    for (size_t x = pair; x < ncell; x = (x + 1) | pair) {
        margin += y[x];
    }
    return margin;
}

/* One-sided Poisson p-value of an overlap obs against its mean under the
 * current model, in the direction of the observation: P(X >= obs) when the
 * lists overlap more than expected, P(X <= obs) when less. */
static double overlap_pvalue(double obs, double mean)
{
    if (!(mean > 0.0)) {
        return obs > 0.0 ? 0.0 : 1.0;
    }
    if (obs >= mean) {
        return obs > 0.0 ? gsl_cdf_poisson_Q((unsigned)(obs - 1.0), mean)
                         : 1.0;
    }
    return gsl_cdf_poisson_P((unsigned)obs, mean);
}

/* A value to sort by (a p-value, a criterion), ties broken by the order
 * of enumeration, so that every machine sorts alike. */
typedef struct {
    double crit;
    uint64_t idx;
} rank_entry;

static int rank_cmp(const void *pa, const void *pb)
{
    const rank_entry *a = pa;
    const rank_entry *b = pb;
    if (a->crit != b->crit) {
        return a->crit < b->crit ? -1 : 1;
    }
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* A pair stepwise selection may add: its p-value and its position in
 * (0,1), (0,2), ... (rank, first, so that rank_cmp sorts candidates). */
typedef struct {
    rank_entry rank;
    uint32_t pair;
} candidate;

int vci_loglin_stepwise_dense(const double *y, double n, size_t J,
                              double pthresh, vc_loglin_result *result,
                              vc_loglin_workspace *w, vc_error *err)
{
    if (!(pthresh > 0.0 && pthresh < 1.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "the stepwise threshold must be in (0, 1), "
                            "not %g", pthresh);
    }
    vc_loglin_model m;
    int status = vc_loglin_model_independence(J, &m, err);
    if (status != VC_OK) {
        return status;
    }
    vc_loglin_result cur, cand;
    /* Tables fitted through their factors (loglin_factor.c): the pairs'
     * expected overlaps come from the factors too, and no fit spells out
     * its 2^J means. */
    int factored = vci_loglin_factored_applies(w, &m);
    double *fitted = factored ? NULL : w->fitted;
    status = vci_loglin_fit_dense(y, n, 0, &m, NULL, NULL, &cur, fitted,
                                  w, err);
    if (status != VC_OK) {
        return status;
    }
    candidate cands[VC_LOGLIN_MAX_LISTS * (VC_LOGLIN_MAX_LISTS - 1) / 2];
    /* The counts' pair margins do not change: once.  (Whole counts, so
     * their sums are exact in any order.) */
    double obs_pair[VC_LOGLIN_MAX_LISTS * (VC_LOGLIN_MAX_LISTS - 1) / 2];
    if (factored) {
        /* From the cells with counts, listed once for every fit of the
         * search (w->obs_y; the sums are of whole counts: exact). */
        w->nobs = 0;
        for (size_t x = 1; x < w->ncell_all; x++) {
            if (y[x] > 0.0) {
                w->obs[w->nobs++] = (uint32_t)x;
            }
        }
        w->obs_y = y;
        memset(obs_pair, 0, sizeof obs_pair);
        for (size_t s = 0; s < w->nobs; s++) {
            uint32_t x = w->obs[s];
            for (size_t a = 0, order = 0; a < J; a++) {
                for (size_t b = a + 1; b < J; b++, order++) {
                    if (x >> a & x >> b & 1u) {
                        obs_pair[order] += y[x];
                    }
                }
            }
        }
    }
    for (size_t a = 0, order = 0; a < J && !factored; a++) {
        for (size_t b = a + 1; b < J; b++, order++) {
            obs_pair[order] = pair_margin(y, J, (1u << a) | (1u << b));
        }
    }
    /* Wide tables: every pair's margin of the fitted means from one
     * superset-sum transform a step (the fits of a step use the same
     * scratch) instead of a pass over the cells per pair. */
    double pair_mean[VC_LOGLIN_MAX_LISTS * (VC_LOGLIN_MAX_LISTS - 1) / 2];
    int wide = w->wide && !factored;
    for (;;) {
        if (factored) {
            vci_loglin_factored_pair_means(&cur, w, pair_mean);
        } else if (wide) {
            memcpy(w->zt, w->fitted, w->ncell_all * sizeof *w->zt);
            vci_loglin_zeta_supersets(w->zt, J);
        }
        /* p-values of every pair not in the model, from the fitted means of
         * the current model (no refit: SparseMSE's score-like test). */
        size_t ncand = 0;
        size_t order = 0;
        for (size_t a = 0; a < J; a++) {
            for (size_t b = a + 1; b < J; b++, order++) {
                uint32_t pair = (1u << a) | (1u << b);
                if (vc_loglin_model_has(&cur.model, pair)) {
                    continue;
                }
                double obs = obs_pair[order];
                double mean = factored ? pair_mean[order]
                              : wide ? w->zt[pair]
                                     : pair_margin(w->fitted, J, pair);
                double pv = overlap_pvalue(obs, mean);
                if (pv < pthresh) {
                    cands[ncand].rank.crit = pv;
                    cands[ncand].rank.idx = order;
                    cands[ncand].pair = pair;
                    ncand++;
                }
            }
        }
        qsort(cands, ncand, sizeof *cands, rank_cmp);
        /* The best candidate whose model has an MLE with N identifiable. */
        int added = 0;
        for (size_t i = 0; i < ncand && !added; i++) {
            vc_loglin_model next = cur.model;
            if (vc_loglin_model_add(&next, cands[i].pair, NULL) != VC_OK) {
                continue;
            }
            /* A candidate that cannot be fitted is passed over; its error
             * must not reach the caller's buffer. */
            vc_error cand_err;
            vc_error_clear(&cand_err);
            int cs = vci_loglin_fit_dense(y, n, 0, &next, &cur, NULL, &cand,
                                          fitted, w, &cand_err);
            if (cs == VC_ENOMEM) {
                w->obs_y = NULL;
                return vc_error_set(err, cs, "%s", cand_err.msg);
            }
            if (cs == VC_OK) {
                cur = cand;
                added = 1;
            }
        }
        if (!added) {
            break;
        }
    }
    w->obs_y = NULL;
    /* w->fitted may hold a refused candidate's means: refit is not needed
     * for the result, which is complete. */
    *result = cur;
    return VC_OK;
}

int vc_loglin_stepwise(const vc_table *t, double pthresh,
                       vc_loglin_result *result, vc_loglin_workspace *w,
                       vc_error *err)
{
    if (t->J != w->J) {
        return vc_error_set(err, VC_EINVAL,
                            "table has %zu lists, workspace %zu", t->J, w->J);
    }
    double n = vci_loglin_dense_counts(t, w);
    /* The search fits into w, which holds the counts: copy them out. */
    double *y = malloc(w->ncell_all * sizeof *y);
    if (y == NULL) {
        return vc_error_set(err, VC_ENOMEM, "cannot allocate counts");
    }
    memcpy(y, w->y, w->ncell_all * sizeof *y);
    int status = vci_loglin_stepwise_dense(y, n, t->J, pthresh, result, w,
                                           err);
    free(y);
    return status;
}

/* Models per block of the enumeration (see vc_loglin_enumerate): long
 * enough that the cold start of each block costs little (1/256 of the
 * fits), short enough that 32,768 models make 128 blocks to share among
 * threads. */
#define ENUM_BLOCK 256

/* The model of enumeration index idx: bit i = i-th pair. */
static void model_of_index(size_t J, uint64_t idx, vc_loglin_model *m)
{
    vc_loglin_model_independence(J, m, NULL);
    size_t i = 0;
    for (size_t a = 0; a < J; a++) {
        for (size_t b = a + 1; b < J; b++) {
            if (idx >> i & 1u) {
                /* Pairs only: m->nterms stays far below the limit. */
                m->term[m->nterms++] = (1u << a) | (1u << b);
            }
            i++;
        }
    }
    /* Pairs in (a, b) order are not in mask order: sort them (canonical
     * order of vc_loglin_model). */
    for (size_t k = 1; k < m->nterms; k++) {
        uint32_t v = m->term[k];
        size_t j = k;
        while (j > 0 && m->term[j - 1] > v) {
            m->term[j] = m->term[j - 1];
            j--;
        }
        m->term[j] = v;
    }
}

/* Free each of the n blocks. */
static void free_each(void *const *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i]);
    }
}

int vc_loglin_enumerate(const vc_table *t, vc_loglin_criterion crit,
                        size_t ntop, vc_loglin_ranked *top,
                        vc_loglin_enum_summary *summary, vc_error *err)
{
    size_t J = t->J;
    if (J < 2 || J > VC_LOGLIN_MAX_LISTS) {
        return vc_error_set(err, VC_EINVAL,
                            "enumeration needs 2 to %d lists, not %zu",
                            VC_LOGLIN_MAX_LISTS, J);
    }
    size_t npairs = J * (J - 1) / 2;
    if (npairs > VC_LOGLIN_ENUM_MAX_PAIRS) {
        return vc_error_set(err, VC_EINVAL,
                            "enumeration of 2^%zu pairwise models refused "
                            "(at most 2^%d: J <= 7); use stepwise",
                            npairs, VC_LOGLIN_ENUM_MAX_PAIRS);
    }
    if (crit != VC_LOGLIN_AIC && crit != VC_LOGLIN_BIC) {
        return vc_error_set(err, VC_EINVAL, "unknown criterion %d",
                            (int)crit);
    }
    uint64_t nmodels = (uint64_t)1 << npairs;
    double *cval = malloc(nmodels * sizeof *cval);
    double *Nval = malloc(nmodels * sizeof *Nval);
    double *dev = malloc(nmodels * sizeof *dev);
    double *df = malloc(nmodels * sizeof *df);
    unsigned char *ok = malloc(nmodels);
    rank_entry *order = malloc(nmodels * sizeof *order);
    double *y = malloc(((size_t)1 << J) * sizeof *y);
    void *const mem[] = {cval, Nval, dev, df, ok, order, y};
    if (cval == NULL || Nval == NULL || dev == NULL || df == NULL
        || ok == NULL || order == NULL || y == NULL) {
        free_each(mem, sizeof mem / sizeof *mem);
        return vc_error_set(err, VC_ENOMEM,
                            "cannot allocate an enumeration of %llu models",
                            (unsigned long long)nmodels);
    }
    memset(y, 0, ((size_t)1 << J) * sizeof *y);
    for (size_t i = 0; i < t->npat; i++) {
        y[t->pattern[i]] = (double)t->count[i];
    }
    double n = (double)t->n;
    int alloc_failed = 0;

    /* Models are visited in Gray-code order, idx = g ^ (g >> 1) for
     * g = 0, 1, ..., so that consecutive models differ by one pair, and
     * each fit starts from the previous one's coefficients (a warm start:
     * about half the IRLS steps of a cold start on UK).  The sequence is
     * cut into blocks of ENUM_BLOCK that always start cold, and threads
     * take whole blocks: a model's fit then depends only on its block, never
     * on the thread count. */
    uint64_t nblocks = (nmodels + ENUM_BLOCK - 1) / ENUM_BLOCK;
#pragma omp parallel
    {
        vc_loglin_workspace *w = vc_loglin_workspace_alloc(J, NULL);
        vc_loglin_result *res = malloc(2 * sizeof *res);
        if (w == NULL || res == NULL) {
#pragma omp atomic write
            alloc_failed = 1;
        } else {
            w->no_se = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (uint64_t blk = 0; blk < nblocks; blk++) {
            uint64_t g_end = (blk + 1) * ENUM_BLOCK;
            g_end = g_end < nmodels ? g_end : nmodels;
            int have_prev = 0;
            size_t cur = 0;
            for (uint64_t g = blk * ENUM_BLOCK; g < g_end; g++) {
                uint64_t idx = g ^ (g >> 1);
                ok[idx] = 0;
                if (w == NULL || res == NULL) {
                    continue;
                }
                vc_loglin_model m;
                model_of_index(J, idx, &m);
                const vc_loglin_result *start = have_prev ? &res[1 - cur]
                                                          : NULL;
                int status = vci_loglin_fit_dense(y, n, 0, &m, start, NULL,
                                                  &res[cur], NULL, w, NULL);
                if (status == VC_OK) {
                    ok[idx] = 1;
                    cval[idx] = crit == VC_LOGLIN_AIC ? res[cur].aic
                                                      : res[cur].bic;
                    Nval[idx] = res[cur].N;
                    dev[idx] = res[cur].deviance;
                    df[idx] = res[cur].df;
                    have_prev = 1;
                    cur = 1 - cur;
                }
            }
        }
        free(res);
        vc_loglin_workspace_free(w);
    }

    int status = VC_OK;
    if (alloc_failed) {
        status = vc_error_set(err, VC_ENOMEM,
                              "cannot allocate enumeration workspaces");
    }
    size_t nok = 0;
    for (uint64_t idx = 0; status == VC_OK && idx < nmodels; idx++) {
        if (ok[idx]) {
            order[nok].crit = cval[idx];
            order[nok].idx = idx;
            nok++;
        }
    }
    if (status == VC_OK && nok == 0) {
        status = vc_error_set(err, VC_ENOMLE,
                              "no pairwise log-linear model has an MLE "
                              "with N identifiable on these data");
    }
    if (status == VC_OK) {
        qsort(order, nok, sizeof *order, rank_cmp);
        double cmin = order[0].crit;
        double wsum = 0.0;
        double Nsum = 0.0;
        /* Serial, in model order: the same sums for any thread count. */
        for (uint64_t idx = 0; idx < nmodels; idx++) {
            if (ok[idx]) {
                double wt = exp(-0.5 * (cval[idx] - cmin));
                wsum += wt;
                Nsum += wt * Nval[idx];
            }
        }
        summary->nmodels = nmodels;
        summary->nfitted = nok;
        summary->nrefused = nmodels - nok;
        summary->N_averaged = Nsum / wsum;
        summary->ntop = ntop < nok ? ntop : nok;
        for (size_t r = 0; r < summary->ntop; r++) {
            uint64_t idx = order[r].idx;
            vc_loglin_ranked *e = &top[r];
            model_of_index(J, idx, &e->model);
            e->N = Nval[idx];
            e->criterion = cval[idx];
            e->weight = exp(-0.5 * (cval[idx] - cmin)) / wsum;
            e->deviance = dev[idx];
            e->df = df[idx];
            e->index = idx;
        }
    }
    free_each(mem, sizeof mem / sizeof *mem);
    return status;
}
