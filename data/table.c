/*
 * table.c: the capture-history table (vc_table) and operations on it.
 *
 * The table is the observed part of the 2^J contingency table of Fienberg
 * (1972): one entry per capture pattern seen at least once.  The cell of
 * the all-zero pattern (people no list saw) is what every estimator
 * predicts, so it can never be data.
 */
#include <stdlib.h>
#include <string.h>

#include "data/data_impl.h"
#include "data/vc_data.h"

static char *dup_string(const char *s)
{
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, s, len + 1);
    }
    return copy;
}

void vci_data_free_strings(char **v, size_t n)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/* Copy count strings into a new array; NULL on allocation failure. */
static char **dup_strings(const char *const *v, size_t count)
{
    char **copy = calloc(count ? count : 1, sizeof *copy);
    if (copy == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        copy[i] = dup_string(v[i]);
        if (copy[i] == NULL) {
            vci_data_free_strings(copy, i);
            return NULL;
        }
    }
    return copy;
}

void vc_table_free(vc_table *t)
{
    if (t == NULL) {
        return;
    }
    vci_data_free_strings(t->names, t->J);
    vci_data_free_strings(t->keys, t->nkeys);
    free(t->label);
    free(t->pattern);
    free(t->count);
    free(t);
}

/* An empty table with room for cap patterns and copies of the names. */
static vc_table *table_alloc(size_t J, const char *const *names, size_t cap,
                             vc_error *err)
{
    vc_table *t = calloc(1, sizeof *t);
    if (t == NULL) {
        vc_error_set(err, VC_ENOMEM, "cannot allocate a table");
        return NULL;
    }
    t->J = J;
    t->names = dup_strings(names, J);
    t->pattern = malloc((cap ? cap : 1) * sizeof *t->pattern);
    t->count = malloc((cap ? cap : 1) * sizeof *t->count);
    if (t->names == NULL || t->pattern == NULL || t->count == NULL) {
        if (t->names == NULL) {
            t->J = 0; /* nothing to free name by name */
        }
        vc_table_free(t);
        vc_error_set(err, VC_ENOMEM, "cannot allocate a table");
        return NULL;
    }
    return t;
}

typedef struct {
    uint32_t pattern;
    uint64_t count;
} cell;

static int cell_cmp(const void *a, const void *b)
{
    uint32_t x = ((const cell *)a)->pattern;
    uint32_t y = ((const cell *)b)->pattern;
    return (x > y) - (x < y);
}

/*
 * Sort cells by pattern, sum duplicates and drop zero counts, writing the
 * result into t.  Checks the sum of counts for overflow.
 */
static int table_fill(vc_table *t, cell *cells, size_t ncell, vc_error *err)
{
    qsort(cells, ncell, sizeof *cells, cell_cmp);
    size_t out = 0;
    uint64_t n = 0;
    for (size_t i = 0; i < ncell; i++) {
        if (cells[i].count == 0) {
            continue;
        }
        if (UINT64_MAX - n < cells[i].count) {
            return vc_error_set(err, VC_EDATA,
                                "the counts add up to more than %llu",
                                (unsigned long long)UINT64_MAX);
        }
        n += cells[i].count;
        if (out > 0 && t->pattern[out - 1] == cells[i].pattern) {
            t->count[out - 1] += cells[i].count;
        } else {
            t->pattern[out] = cells[i].pattern;
            t->count[out] = cells[i].count;
            out++;
        }
    }
    t->npat = out;
    t->n = n;
    return VC_OK;
}

vc_table *vc_table_from_counts(size_t J, const char *const *names, size_t npat,
                               const uint32_t *pattern, const uint64_t *count,
                               vc_error *err)
{
    if (J < 1 || J > VC_MAX_LISTS) {
        vc_error_set(err, VC_EINVAL, "a table needs 1 to %d lists, not %zu",
                     VC_MAX_LISTS, J);
        return NULL;
    }
    uint32_t valid = (J == 32) ? UINT32_MAX : ((1u << J) - 1u);
    for (size_t i = 0; i < npat; i++) {
        if ((pattern[i] & ~valid) != 0) {
            vc_error_set(err, VC_EINVAL,
                         "pattern %zu has bits beyond the %zu lists", i, J);
            return NULL;
        }
        if (pattern[i] == 0 && count[i] > 0) {
            vc_error_set(err, VC_EDATA,
                         "%llu people have the all-zero pattern; people no "
                         "list saw cannot be in the data",
                         (unsigned long long)count[i]);
            return NULL;
        }
    }
    cell *cells = malloc((npat ? npat : 1) * sizeof *cells);
    vc_table *t = table_alloc(J, names, npat, err);
    if (cells == NULL || t == NULL) {
        free(cells);
        vc_table_free(t);
        vc_error_set(err, VC_ENOMEM, "cannot allocate a table");
        return NULL;
    }
    for (size_t i = 0; i < npat; i++) {
        cells[i].pattern = pattern[i];
        cells[i].count = count[i];
    }
    int status = table_fill(t, cells, npat, err);
    free(cells);
    if (status != VC_OK) {
        vc_table_free(t);
        return NULL;
    }
    return t;
}

int vc_table_set_stratum(vc_table *t, size_t nkeys, const char *const *keys,
                         vc_error *err)
{
    char **copy = dup_strings(keys, nkeys);
    size_t len = 1;
    for (size_t i = 0; i < nkeys; i++) {
        len += strlen(keys[i]) + 1;
    }
    char *label = (nkeys > 0) ? malloc(len) : NULL;
    if (copy == NULL || (nkeys > 0 && label == NULL)) {
        vci_data_free_strings(copy, copy ? nkeys : 0);
        free(label);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate stratum keys");
    }
    if (label != NULL) {
        /* The label joins the keys with spaces: "Kyrgyzstan 2005". */
        char *p = label;
        for (size_t i = 0; i < nkeys; i++) {
            size_t k = strlen(keys[i]);
            if (i > 0) {
                *p++ = ' ';
            }
            memcpy(p, keys[i], k);
            p += k;
        }
        *p = '\0';
    }
    vci_data_free_strings(t->keys, t->nkeys);
    free(t->label);
    t->keys = copy;
    t->nkeys = nkeys;
    t->label = label;
    return VC_OK;
}

vc_table *vc_table_copy(const vc_table *t, vc_error *err)
{
    vc_table *c = table_alloc(t->J, (const char *const *)t->names, t->npat,
                              err);
    if (c == NULL) {
        return NULL;
    }
    memcpy(c->pattern, t->pattern, t->npat * sizeof *t->pattern);
    memcpy(c->count, t->count, t->npat * sizeof *t->count);
    c->npat = t->npat;
    c->n = t->n;
    c->dropped = t->dropped;
    if (vc_table_set_stratum(c, t->nkeys, (const char *const *)t->keys, err)
        != VC_OK) {
        vc_table_free(c);
        return NULL;
    }
    return c;
}

uint64_t vc_table_list_total(const vc_table *t, size_t j)
{
    uint64_t total = 0;
    for (size_t i = 0; i < t->npat; i++) {
        if (t->pattern[i] >> j & 1u) {
            total += t->count[i];
        }
    }
    return total;
}

uint64_t vc_table_overlap(const vc_table *t, size_t a, size_t b)
{
    uint32_t both = (1u << a) | (1u << b);
    uint64_t total = 0;
    for (size_t i = 0; i < t->npat; i++) {
        if ((t->pattern[i] & both) == both) {
            total += t->count[i];
        }
    }
    return total;
}

void vc_table_capture_frequencies(const vc_table *t, uint64_t *f)
{
    memset(f, 0, (t->J + 1) * sizeof *f);
    for (size_t i = 0; i < t->npat; i++) {
        f[__builtin_popcount(t->pattern[i])] += t->count[i];
    }
}

size_t vc_table_nonempty_lists(const vc_table *t)
{
    uint32_t seen = 0;
    for (size_t i = 0; i < t->npat; i++) {
        seen |= t->pattern[i];
    }
    return (size_t)__builtin_popcount(seen);
}

vc_table *vc_table_collapse(const vc_table *t, size_t Jnew,
                            const uint32_t *group, const char *const *names,
                            vc_error *err)
{
    if (Jnew < 1 || Jnew > VC_MAX_LISTS) {
        vc_error_set(err, VC_EINVAL, "a table needs 1 to %d lists, not %zu",
                     VC_MAX_LISTS, Jnew);
        return NULL;
    }
    uint32_t valid = (t->J >= 32) ? UINT32_MAX : ((1u << t->J) - 1u);
    uint32_t used = 0;
    for (size_t i = 0; i < Jnew; i++) {
        if (group[i] == 0 || (group[i] & ~valid) != 0
            || (group[i] & used) != 0) {
            vc_error_set(err, VC_EINVAL,
                         "list group %zu is empty, out of range or overlaps "
                         "another group", i);
            return NULL;
        }
        used |= group[i];
    }
    cell *cells = malloc((t->npat ? t->npat : 1) * sizeof *cells);
    vc_table *c = table_alloc(Jnew, names, t->npat, err);
    if (cells == NULL || c == NULL) {
        free(cells);
        vc_table_free(c);
        vc_error_set(err, VC_ENOMEM, "cannot allocate a table");
        return NULL;
    }
    size_t ncell = 0;
    uint64_t dropped = 0;
    for (size_t p = 0; p < t->npat; p++) {
        uint32_t x = 0;
        for (size_t i = 0; i < Jnew; i++) {
            if ((t->pattern[p] & group[i]) != 0) {
                x |= 1u << i;
            }
        }
        if (x == 0) {
            dropped += t->count[p];
            continue;
        }
        cells[ncell].pattern = x;
        cells[ncell].count = t->count[p];
        ncell++;
    }
    int status = table_fill(c, cells, ncell, err);
    free(cells);
    if (status == VC_OK) {
        status = vc_table_set_stratum(c, t->nkeys,
                                      (const char *const *)t->keys, err);
    }
    if (status != VC_OK) {
        vc_table_free(c);
        return NULL;
    }
    c->dropped = t->dropped + dropped;
    return c;
}
