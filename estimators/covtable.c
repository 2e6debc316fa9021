/*
 * covtable.c: the 2^J x L_1 x ... x L_V table of capture patterns by
 * covariate levels (vc_covloglin.h), from the per-combination tables of a
 * dataset read with covariates, or from counts.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/vc_covloglin.h"

void vc_covtable_free(vc_covtable *ct)
{
    if (ct == NULL) {
        return;
    }
    for (size_t j = 0; ct->lists != NULL && j < ct->J; j++) {
        free(ct->lists[j]);
    }
    free(ct->lists);
    for (size_t v = 0; v < ct->V; v++) {
        if (ct->cov != NULL) {
            free(ct->cov[v]);
        }
        for (size_t l = 0; ct->levels[v] != NULL && l < ct->nlevels[v]; l++) {
            free(ct->levels[v][l]);
        }
        free(ct->levels[v]);
    }
    free(ct->cov);
    free(ct->y);
    for (size_t t = 0; t < ct->ntypes; t++) {
        free(ct->ymiss[t]);
    }
    free(ct);
}

size_t vc_covtable_reduce(const vc_covtable *ct, size_t t, size_t c)
{
    size_t idx = 0;
    for (size_t v = 0; v < ct->V; v++) {
        if (!(ct->type[t] >> v & 1u)) {
            idx = idx * ct->nlevels[v] + vc_covtable_level(ct, c, v);
        }
    }
    return idx;
}

int vc_covtable_add_missing(vc_covtable *ct, uint32_t missing, size_t c,
                            uint32_t x, double count, vc_error *err)
{
    if (missing == 0 || missing >> ct->V != 0 || x == 0 || x >> ct->J != 0
        || c >= ct->ncomb || !(count >= 0.0)) {
        return vc_error_set(err, VC_EINVAL, "missing values: bad cell");
    }
    size_t t = 0;
    while (t < ct->ntypes && ct->type[t] != missing) {
        t++;
    }
    if (t == ct->ntypes) {
        if (t == VC_COV_MAX_MISSING_TYPES) {
            return vc_error_set(err, VC_EINVAL,
                                "more than %d kinds of missing covariate "
                                "values", VC_COV_MAX_MISSING_TYPES);
        }
        size_t nk = 1;
        for (size_t v = 0; v < ct->V; v++) {
            nk *= (missing >> v & 1u) ? 1 : ct->nlevels[v];
        }
        ct->ymiss[t] = calloc(nk << ct->J, sizeof *ct->ymiss[t]);
        if (ct->ymiss[t] == NULL) {
            return vc_error_set(err, VC_ENOMEM, "cannot allocate missing "
                                "values");
        }
        ct->type[t] = missing;
        ct->type_ncomb[t] = nk;
        ct->ntypes++;
    }
    ct->ymiss[t][(vc_covtable_reduce(ct, t, c) << ct->J) | x] += count;
    ct->nmissing += (uint64_t)count;
    ct->n += (uint64_t)count;
    return VC_OK;
}

/* An empty cell or NA is a missing value, never a level (R's read.csv
 * reads both as NA). */
static int is_missing(const char *s)
{
    return s[0] == '\0' || strcmp(s, "NA") == 0;
}

size_t vc_covtable_level(const vc_covtable *ct, size_t c, size_t v)
{
    for (size_t u = ct->V; u-- > v + 1;) {
        c /= ct->nlevels[u];
    }
    return c % ct->nlevels[v];
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The shell: names copied, sizes checked, y allocated (zeroed). */
static vc_covtable *shell(size_t J, const char *const *lists, size_t V,
                          const char *const *cov, const size_t *nlevels,
                          vc_error *err)
{
    if (J < 2 || J > VC_COV_MAX_LISTS) {
        vc_error_set(err, VC_EINVAL,
                     "a model with covariates takes 2 to %d lists, not %zu",
                     VC_COV_MAX_LISTS, J);
        return NULL;
    }
    if (V < 1 || V > VC_COV_MAX_COVARIATES) {
        vc_error_set(err, VC_EINVAL, "expected 1 to %d covariates, got %zu",
                     VC_COV_MAX_COVARIATES, V);
        return NULL;
    }
    size_t ncomb = 1;
    for (size_t v = 0; v < V; v++) {
        if (nlevels[v] < 1 || nlevels[v] > VC_COV_MAX_LEVELS) {
            vc_error_set(err, VC_EINVAL,
                         "covariate \"%s\" has %zu levels; at most %d are "
                         "taken", cov[v], nlevels[v], VC_COV_MAX_LEVELS);
            return NULL;
        }
        ncomb *= nlevels[v];
        if (ncomb > (VC_COV_MAX_CELLS >> J)) {
            vc_error_set(err, VC_EINVAL,
                         "%zu lists and these covariates make more than %zu "
                         "cells; use fewer levels or covariates",
                         J, (size_t)VC_COV_MAX_CELLS);
            return NULL;
        }
    }
    vc_covtable *ct = calloc(1, sizeof *ct);
    if (ct == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate a covariate table");
        return NULL;
    }
    ct->J = J;
    ct->V = V;
    ct->ncomb = ncomb;
    ct->ncell = ncomb << J;
    ct->lists = calloc(J, sizeof *ct->lists);
    ct->cov = calloc(V, sizeof *ct->cov);
    ct->y = calloc(ct->ncell, sizeof *ct->y);
    int ok = ct->lists != NULL && ct->cov != NULL && ct->y != NULL;
    for (size_t j = 0; ok && j < J; j++) {
        ok = (ct->lists[j] = dup_str(lists[j])) != NULL;
    }
    for (size_t v = 0; ok && v < V; v++) {
        ok = (ct->cov[v] = dup_str(cov[v])) != NULL;
        ct->nlevels[v] = nlevels[v];
        ok = ok && (ct->levels[v] = calloc(nlevels[v], sizeof(char *)));
    }
    if (!ok) {
        vc_covtable_free(ct);
        vc_error_set(err, VC_ENOMEM, "cannot allocate a covariate table");
        return NULL;
    }
    return ct;
}

vc_covtable *vc_covtable_from_counts(size_t J, const char *const *lists,
                                     size_t V, const char *const *cov,
                                     const size_t *nlevels,
                                     const char *const *const *levels,
                                     const double *y, vc_error *err)
{
    vc_covtable *ct = shell(J, lists, V, cov, nlevels, err);
    if (ct == NULL) {
        return NULL;
    }
    for (size_t v = 0; v < V; v++) {
        for (size_t l = 0; l < nlevels[v]; l++) {
            if ((ct->levels[v][l] = dup_str(levels[v][l])) == NULL) {
                vc_covtable_free(ct);
                vc_error_set(err, VC_ENOMEM, "cannot allocate a covariate "
                                             "table");
                return NULL;
            }
        }
    }
    double n = 0.0;
    for (size_t i = 0; i < ct->ncell; i++) {
        if ((i & (((size_t)1 << J) - 1)) == 0) {
            continue;
        }
        if (!(y[i] >= 0.0) || y[i] != floor(y[i]) || y[i] > 9e15) {
            vc_covtable_free(ct);
            vc_error_set(err, VC_EDATA, "cell %zu: expected a count, got %g",
                         i, y[i]);
            return NULL;
        }
        ct->y[i] = y[i];
        n += y[i];
    }
    ct->n = (uint64_t)n;
    return ct;
}

/* Index of name among v[0 .. n), or n. */
static size_t find(char *const *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i], name) == 0) {
            return i;
        }
    }
    return n;
}

vc_covtable *vc_covtable_from_tables(size_t ntables,
                                     const vc_table *const *t, size_t key0,
                                     size_t V, const char *const *cov_names,
                                     vc_error *err)
{
    if (ntables == 0) {
        vc_error_set(err, VC_EDATA, "nobody observed: no table to fit");
        return NULL;
    }
    if (V < 1 || V > VC_COV_MAX_COVARIATES) {
        vc_error_set(err, VC_EINVAL, "expected 1 to %d covariates, got %zu",
                     VC_COV_MAX_COVARIATES, V);
        return NULL;
    }
    /* The levels that occur, sorted and without repeats. */
    size_t nlevels[VC_COV_MAX_COVARIATES];
    const char **lev[VC_COV_MAX_COVARIATES] = {0};
    vc_covtable *ct = NULL;
    for (size_t v = 0; v < V; v++) {
        lev[v] = malloc(ntables * sizeof *lev[v]);
        if (lev[v] == NULL) {
            vc_error_set(err, VC_ENOMEM, "cannot allocate levels");
            goto done;
        }
        for (size_t i = 0; i < ntables; i++) {
            if (t[i]->keys == NULL || t[i]->nkeys < key0 + V) {
                vc_error_set(err, VC_EINVAL,
                             "table %zu has no covariate values", i);
                goto done;
            }
            lev[v][i] = t[i]->keys[key0 + v];
        }
        qsort(lev[v], ntables, sizeof *lev[v], cmp_str);
        size_t k = 0;
        for (size_t i = 0; i < ntables; i++) {
            if (is_missing(lev[v][i])) {
                continue;
            }
            if (k == 0 || strcmp(lev[v][k - 1], lev[v][i]) != 0) {
                lev[v][k++] = lev[v][i];
            }
        }
        nlevels[v] = k;
        if (k == 0) {
            vc_error_set(err, VC_EDATA, "covariate \"%s\": every value is "
                         "missing", cov_names[v]);
            goto done;
        }
    }
    ct = shell(t[0]->J, (const char *const *)t[0]->names, V, cov_names,
               nlevels, err);
    if (ct == NULL) {
        goto done;
    }
    for (size_t v = 0; v < V; v++) {
        for (size_t l = 0; l < nlevels[v]; l++) {
            if ((ct->levels[v][l] = dup_str(lev[v][l])) == NULL) {
                vc_error_set(err, VC_ENOMEM, "cannot allocate levels");
                goto fail;
            }
        }
    }
    for (size_t i = 0; i < ntables; i++) {
        size_t c = 0;
        uint32_t missing = 0;
        for (size_t v = 0; v < V; v++) {
            const char *key = t[i]->keys[key0 + v];
            size_t l = 0;
            if (is_missing(key)) {
                missing |= 1u << v;
            } else {
                l = find(ct->levels[v], nlevels[v], key);
            }
            c = c * nlevels[v] + l;
        }
        uint32_t map[VC_MAX_LISTS];
        for (size_t j = 0; j < t[i]->J; j++) {
            size_t k = find(ct->lists, ct->J, t[i]->names[j]);
            if (k == ct->J) {
                vc_error_set(err, VC_EINVAL,
                             "list \"%s\" of one table is not a list of the "
                             "first", t[i]->names[j]);
                goto fail;
            }
            map[j] = 1u << k;
        }
        for (size_t p = 0; p < t[i]->npat; p++) {
            uint32_t x = 0;
            for (size_t j = 0; j < t[i]->J; j++) {
                if (t[i]->pattern[p] >> j & 1u) {
                    x |= map[j];
                }
            }
            if (missing == 0) {
                ct->y[(c << ct->J) | x] += (double)t[i]->count[p];
            } else if (vc_covtable_add_missing(ct, missing, c, x,
                                               (double)t[i]->count[p], err)
                       != VC_OK) {
                goto fail;
            }
        }
        ct->n += missing == 0 ? t[i]->n : 0;
    }
    goto done;
fail:
    vc_covtable_free(ct);
    ct = NULL;
done:
    for (size_t v = 0; v < V; v++) {
        free(lev[v]);
    }
    return ct;
}
