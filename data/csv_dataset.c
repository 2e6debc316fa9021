/*
 * csv_dataset.c: the data rows of a CSV file into one vc_table per
 * stratum: each row's cells checked and its pattern counted in its
 * stratum's hash map, then the tables built, collapsed by merging and
 * omission, and the dataset with its notes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv_impl.h"

/* ---------------------------------------------------------------------
 * Pattern map and strata
 * ------------------------------------------------------------------- */

/* Fibonacci hashing: the top bits of mask times 2^64 / phi. */
static size_t pm_hash(uint32_t mask, unsigned bits)
{
    return (size_t)(((uint64_t)mask * UINT64_C(0x9E3779B97F4A7C15))
                    >> (64 - bits));
}

static int pm_grow(vci_csv_pattern_map *pm)
{
    unsigned bits = pm->cap ? pm->bits + 1 : 4;
    size_t cap = (size_t)1 << bits;
    uint32_t *mask = calloc(cap, sizeof *mask);
    uint64_t *count = malloc(cap * sizeof *count);
    if (mask == NULL || count == NULL) {
        free(mask);
        free(count);
        return -1;
    }
    for (size_t i = 0; i < pm->cap; i++) {
        if (pm->mask[i] != 0) {
            size_t h = pm_hash(pm->mask[i], bits);
            while (mask[h] != 0) {
                h = (h + 1) & (cap - 1);
            }
            mask[h] = pm->mask[i];
            count[h] = pm->count[i];
        }
    }
    free(pm->mask);
    free(pm->count);
    pm->mask = mask;
    pm->count = count;
    pm->cap = cap;
    pm->bits = bits;
    return 0;
}

/* Add c people with pattern mask (non-zero).  *existed: it was there. */
static int pm_add(vci_csv_pattern_map *pm, uint32_t mask, uint64_t c,
                  int *existed)
{
    if ((pm->size + 1) * 2 > pm->cap && pm_grow(pm) != 0) {
        return -1;
    }
    size_t h = pm_hash(mask, pm->bits);
    while (pm->mask[h] != 0 && pm->mask[h] != mask) {
        h = (h + 1) & (pm->cap - 1);
    }
    *existed = (pm->mask[h] == mask);
    if (*existed) {
        pm->count[h] += c;
    } else {
        pm->mask[h] = mask;
        pm->count[h] = c;
        pm->size++;
    }
    return 0;
}

void vci_csv_stratum_free(vci_csv_stratum *st, size_t nkeys)
{
    if (st == NULL) {
        return;
    }
    vci_data_free_strings(st->keys, nkeys);
    free(st->key);
    free(st->pm.mask);
    free(st->pm.count);
    free(st);
}

/* 64-bit FNV-1a. */
static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static int slots_insert(vci_csv_reader *r, size_t idx)
{
    if ((r->nstrata + 1) * 2 > r->slot_cap) {
        size_t cap = r->slot_cap ? r->slot_cap * 2 : 64;
        size_t *slot = calloc(cap, sizeof *slot);
        if (slot == NULL) {
            return -1;
        }
        for (size_t i = 0; i < r->slot_cap; i++) {
            if (r->slot[i] != 0) {
                size_t h = (size_t)r->strata[r->slot[i] - 1]->hash
                           & (cap - 1);
                while (slot[h] != 0) {
                    h = (h + 1) & (cap - 1);
                }
                slot[h] = r->slot[i];
            }
        }
        free(r->slot);
        r->slot = slot;
        r->slot_cap = cap;
    }
    size_t h = (size_t)r->strata[idx]->hash & (r->slot_cap - 1);
    while (r->slot[h] != 0) {
        h = (h + 1) & (r->slot_cap - 1);
    }
    r->slot[h] = idx + 1;
    return 0;
}

/* Append a stratum with the values of the current record. */
static vci_csv_stratum *new_stratum(vci_csv_reader *r, size_t keylen,
                                    uint64_t hash)
{
    vci_csv_stratum *st = calloc(1, sizeof *st);
    if (st == NULL) {
        return NULL;
    }
    st->keys = calloc(r->nstr ? r->nstr : 1, sizeof *st->keys);
    st->key = malloc(keylen ? keylen : 1);
    int ok = (st->keys != NULL && st->key != NULL);
    for (size_t s = 0; ok && s < r->nstr; s++) {
        size_t c = r->str_col[s];
        st->keys[s] = vci_csv_dup_mem(r->buf + r->off[c], r->len[c]);
        ok = (st->keys[s] != NULL);
    }
    if (ok) {
        ok = vci_csv_grow((void **)&r->strata, &r->strata_cap, r->nstrata + 1,
                          sizeof *r->strata)
             == 0;
    }
    if (!ok) {
        vci_csv_stratum_free(st, st->keys ? r->nstr : 0);
        return NULL;
    }
    if (keylen > 0) {
        memcpy(st->key, r->keybuf, keylen);
    }
    st->keylen = keylen;
    st->hash = hash;
    r->strata[r->nstrata] = st;
    if (slots_insert(r, r->nstrata) != 0) {
        vci_csv_stratum_free(st, r->nstr);
        return NULL;
    }
    r->nstrata++;
    return st;
}

/* The stratum of the current record, created on first appearance. */
static vci_csv_stratum *find_stratum(vci_csv_reader *r)
{
    if (r->nstr == 0 && r->nstrata == 1) {
        return r->strata[0];
    }
    /* Key: each value's length, then its bytes, so no separator byte can
     * make two different value combinations collide. */
    size_t keylen = 0;
    for (size_t s = 0; s < r->nstr; s++) {
        keylen += sizeof(size_t) + r->len[r->str_col[s]];
    }
    if (vci_csv_grow((void **)&r->keybuf, &r->keybuf_cap, keylen ? keylen : 1,
                     1)
        != 0) {
        return NULL;
    }
    unsigned char *p = r->keybuf;
    for (size_t s = 0; s < r->nstr; s++) {
        size_t c = r->str_col[s];
        memcpy(p, &r->len[c], sizeof(size_t));
        p += sizeof(size_t);
        if (r->len[c] > 0) {
            memcpy(p, r->buf + r->off[c], r->len[c]);
        }
        p += r->len[c];
    }
    uint64_t hash = hash_bytes(r->keybuf, keylen);
    if (r->slot_cap > 0) {
        size_t h = (size_t)hash & (r->slot_cap - 1);
        while (r->slot[h] != 0) {
            vci_csv_stratum *st = r->strata[r->slot[h] - 1];
            if (st->hash == hash && st->keylen == keylen
                && (keylen == 0 || memcmp(st->key, r->keybuf, keylen) == 0)) {
                return st;
            }
            h = (h + 1) & (r->slot_cap - 1);
        }
    }
    return new_stratum(r, keylen, hash);
}

/* ---------------------------------------------------------------------
 * Data rows
 * ------------------------------------------------------------------- */

/* R2: the cells of every list of the file, selected or not, in file
 * order.  *mask: the row's pattern on the selected lists; *seen: 1 when
 * it is 1 on some list of the file. */
static int row_lists(vci_csv_reader *r, int comma, uint32_t *mask, int *seen)
{
    char got[VCI_CSV_ECHO_MAX + 8];
    for (size_t f = 0; f < r->nfile; f++) {
        size_t c = r->file_col[f];
        const char *s = r->null[c] ? NULL : r->buf + r->off[c];
        int v = vci_csv_parse_cell(s, r->len[c], comma);
        if (v < 0) {
            vci_csv_echo(got, sizeof got, s, r->len[c]);
            /* A column the caller did not name as a list is one only
             * because it is neither the count nor a stratum: it may be
             * either, or not belong in the file. */
            int named = r->opts->lists != NULL && r->opts->nlists > 0
                        && r->role[c] == VCI_ROLE_LIST;
            uint64_t ignored;
            vci_csv_fail(r, VC_EDATA,
                         "%s:%zu: column \"%s\": expected 0 or 1 (or yes/no, "
                         "true/false, x/empty), got \"%s\"",
                         r->source, r->fline[c], r->colnames[c], got);
            if (!named) {
                vci_csv_advise(
                    r, VC_ADVICE_COLUMN, r->colnames[c],
                    !r->aggregated
                        && vci_csv_parse_count(s, r->len[c], comma, &ignored)
                               == 0);
            }
            return r->status;
        }
        *seen |= v;
        if (r->sel_of[c] != SIZE_MAX) {
            *mask |= (uint32_t)v << r->sel_of[c];
        }
    }
    return VC_OK;
}

/* R3: the row's count, from the count column of an aggregated file. */
static int row_count(vci_csv_reader *r, int comma, uint64_t *count)
{
    char got[VCI_CSV_ECHO_MAX + 8];
    size_t c = r->count_col;
    const char *s = r->null[c] ? NULL : r->buf + r->off[c];
    int status = vci_csv_parse_count(s, r->len[c], comma, count);
    if (status == 0) {
        return VC_OK;
    }
    vci_csv_echo(got, sizeof got, s, r->len[c]);
    if (status == -2) {
        return vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: column \"%s\": expected a count of at "
            "most %llu, got \"%s\"",
            r->source, r->fline[c], r->colnames[c],
            (unsigned long long)UINT64_MAX, got);
    }
    return vci_csv_fail(
        r, VC_EDATA,
        "%s:%zu: column \"%s\": expected a count (a whole "
        "number >= 0), got \"%s\"%s",
        r->source, r->fline[c], r->colnames[c], got,
        vci_csv_is_exponent_form(s, r->len[c])
            ? " (exponent notation, which a spreadsheet "
              "writes for a value it has rounded: format "
              "the column as whole numbers)"
            : "");
}

int vci_csv_process_row(vci_csv_reader *r)
{
    size_t line = r->fline[0];
    r->nrows++;
    if (r->nfld != r->ncols) {
        size_t last = (r->nfld < r->ncols) ? r->nfld : r->ncols;
        return vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: expected %zu fields as in the header, got %zu "
            "(%s column \"%s\")",
            r->source, line, r->ncols, r->nfld,
            r->nfld < r->ncols ? "the row ends after" : "extra fields after",
            r->colnames[last - 1]);
    }
    int comma = (r->delim != ',');
    uint32_t mask = 0;
    int seen = 0; /* 1 on some list of the file */
    if (row_lists(r, comma, &mask, &seen) != VC_OK) {
        return r->status;
    }
    uint64_t count = 1;
    if (r->aggregated && row_count(r, comma, &count) != VC_OK) {
        return r->status;
    }
    vci_csv_stratum *st = find_stratum(r);
    if (st == NULL) {
        return vci_csv_fail_nomem(r);
    }
    if (count == 0) {
        return VC_OK;
    }
    if (UINT64_MAX - r->total < count) {
        /* Only a count column can get here: 2^64 rows cannot be read. */
        return vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: column \"%s\": expected the counts to add up "
            "to at most %llu, got more",
            r->source, line, r->colnames[r->count_col],
            (unsigned long long)UINT64_MAX);
    }
    r->total += count;
    if (!seen) {
        char cols[VCI_CSV_NAMES_MAX];
        vci_csv_file_list_names(r, cols, sizeof cols);
        return vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: columns %s: expected at least one 1, got all 0 "
            "or empty%s: unobserved people cannot be in the data",
            r->source, line, cols,
            r->aggregated ? " with a positive count" : "");
    }
    if (mask == 0) {
        /* Seen, but only by lists the selection left out. */
        st->dropped += count;
        return VC_OK;
    }
    int existed;
    if (pm_add(&st->pm, mask, count, &existed) != 0) {
        return vci_csv_fail_nomem(r);
    }
    /* Rows that agree on the selected lists but differ on columns left out
     * are summed by design; only a full-width repeat is a duplicate. */
    if (existed && r->aggregated && !r->selection_drops) {
        if (r->ndup == 0) {
            r->first_dup_line = line;
        }
        r->ndup++;
    }
    return VC_OK;
}

/* ---------------------------------------------------------------------
 * Building the dataset
 * ------------------------------------------------------------------- */

/* One table over the final lists from a stratum's pattern map. */
static vc_table *stratum_table(vci_csv_reader *r, const vci_csv_stratum *st,
                               const char *const *selnames)
{
    vc_error local;
    vc_error_clear(&local);
    size_t npat = st->pm.size;
    uint32_t *pat = malloc((npat ? npat : 1) * sizeof *pat);
    uint64_t *cnt = malloc((npat ? npat : 1) * sizeof *cnt);
    vc_table *t = NULL;
    if (pat == NULL || cnt == NULL) {
        vci_csv_fail_nomem(r);
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < st->pm.cap; i++) {
        if (st->pm.mask[i] != 0) {
            pat[k] = st->pm.mask[i];
            cnt[k++] = st->pm.count[i];
        }
    }
    t = vc_table_from_counts(r->Jsel, selnames, npat, pat, cnt, &local);
    if (t != NULL) {
        t->dropped = st->dropped;
    }
    if (t != NULL && r->collapse) {
        vc_table *c = vc_table_collapse(t, r->J, r->group,
                                        (const char *const *)r->names,
                                        &local);
        vc_table_free(t);
        t = c;
    }
    if (t != NULL && r->nstr > 0
        && vc_table_set_stratum(t, r->nstr, (const char *const *)st->keys,
                                &local) != VC_OK) {
        vc_table_free(t);
        t = NULL;
    }
    if (t == NULL) {
        vci_csv_fail(r, local.code, "%s: %s", r->source, local.msg);
    }
done:
    free(pat);
    free(cnt);
    return t;
}

/* Leave out of t the lists that saw nobody in its stratum, with a note. */
static vc_table *drop_empty_lists(vci_csv_reader *r, vc_table *t)
{
    uint32_t seen = 0;
    for (size_t i = 0; i < t->npat; i++) {
        seen |= t->pattern[i];
    }
    uint32_t group[VC_MAX_LISTS];
    const char *keep[VC_MAX_LISTS];
    const char *gone[VC_MAX_LISTS];
    size_t nkeep = 0, ngone = 0;
    for (size_t j = 0; j < t->J; j++) {
        if (seen >> j & 1u) {
            group[nkeep] = 1u << j;
            keep[nkeep++] = t->names[j];
        } else {
            gone[ngone++] = t->names[j];
        }
    }
    if (ngone == 0) {
        return t;
    }
    char list[VCI_CSV_NAMES_MAX];
    vci_csv_join_names(list, sizeof list, gone, ngone);
    if (vci_csv_add_note(
            r,
            "stratum \"%s\": list%s %s saw nobody there and %s left out "
            "of its table",
            t->label ? t->label : "", ngone > 1 ? "s" : "", list,
            ngone > 1 ? "are" : "is")
        != VC_OK) {
        vc_table_free(t);
        return NULL;
    }
    vc_error local;
    vc_error_clear(&local);
    vc_table *c = vc_table_collapse(t, nkeep, group, keep, &local);
    vc_table_free(t);
    if (c == NULL) {
        vci_csv_fail(r, local.code, "%s: %s", r->source, local.msg);
    }
    return c;
}

/* The dataset's own copies of the source and of the names of the lists
 * and of the strata columns. */
static int copy_names(vci_csv_reader *r, vc_dataset *d)
{
    d->source = vci_csv_dup_str(r->source);
    d->aggregated = r->aggregated;
    d->names = calloc(r->J, sizeof *d->names);
    d->strata_cols = calloc(r->nstr ? r->nstr : 1, sizeof *d->strata_cols);
    d->tables = calloc(r->nstrata ? r->nstrata : 1, sizeof *d->tables);
    if (d->source == NULL || d->names == NULL || d->strata_cols == NULL
        || d->tables == NULL) {
        return vci_csv_fail_nomem(r);
    }
    for (; d->J < r->J; d->J++) {
        d->names[d->J] = vci_csv_dup_str(r->names[d->J]);
        if (d->names[d->J] == NULL) {
            return vci_csv_fail_nomem(r);
        }
    }
    for (; d->nstrata_cols < r->nstr; d->nstrata_cols++) {
        d->strata_cols[d->nstrata_cols] =
            vci_csv_dup_str(r->colnames[r->str_col[d->nstrata_cols]]);
        if (d->strata_cols[d->nstrata_cols] == NULL) {
            return vci_csv_fail_nomem(r);
        }
    }
    return VC_OK;
}

/* At the end, on what is used: T2 and U1 (n people observed on the lists
 * used, in all strata), then U2 (total[j] people caught by list j). */
static int check_observed(vci_csv_reader *r, uint64_t n,
                          const uint64_t *total)
{
    if (n == 0) {
        if (r->total == 0) {
            return vci_csv_fail(r, VC_EDATA,
                                "%s: nobody is observed: every count is 0",
                                r->source);
        }
        return vci_csv_fail(
            r, VC_EDATA,
            "%s: nobody is observed on the lists used: every person "
            "was seen only by lists left out",
            r->source);
    }
    const char *nobody[VC_MAX_LISTS];
    size_t nnobody = 0;
    for (size_t j = 0; j < r->J; j++) {
        if (total[j] == 0) {
            nobody[nnobody++] = r->names[j];
        }
    }
    if (nnobody > 0) {
        char list[VCI_CSV_NAMES_MAX];
        vci_csv_join_names(list, sizeof list, nobody, nnobody);
        return vci_csv_fail(
            r, VC_EDATA,
            "%s: list%s %s %s nobody in the whole file; leave %s out",
            r->source, nnobody > 1 ? "s" : "", list,
            nnobody > 1 ? "catch" : "catches", nnobody > 1 ? "them" : "it");
    }
    return VC_OK;
}

/* The notes on the whole file: duplicates summed, empty rows skipped,
 * people dropped (seen only by lists left out). */
static int file_notes(vci_csv_reader *r, uint64_t dropped)
{
    int status = VC_OK;
    if (r->ndup > 0) {
        status = vci_csv_add_note(
            r, "%llu duplicate pattern%s summed (first at line %zu)",
            (unsigned long long)r->ndup, r->ndup > 1 ? "s were" : " was",
            r->first_dup_line);
    }
    if (status == VC_OK && r->nempty > 0) {
        status = vci_csv_add_note(r,
                                  "%zu row%s with every field empty skipped "
                                  "(first at line %zu)",
                                  r->nempty, r->nempty > 1 ? "s" : "",
                                  r->first_empty_line);
    }
    if (status == VC_OK && dropped > 0) {
        status = vci_csv_add_note(
            r, "%llu %s seen only by lists left out %s dropped",
            (unsigned long long)dropped, dropped > 1 ? "people" : "person",
            dropped > 1 ? "were" : "was");
    }
    return status;
}

/* The tables of the strata, all[0..nstrata), into d: a stratum where
 * nobody was observed gives a note instead, and lists that saw nobody in
 * a stratum are left out of its table.  all[] is emptied as it goes.
 * Returns VC_OK or the status recorded in r. */
static int keep_tables(vci_csv_reader *r, vc_table **all, vc_dataset *d)
{
    for (size_t i = 0; i < r->nstrata; i++) {
        vc_table *t = all[i];
        all[i] = NULL;
        if (t->n == 0) {
            int status =
                vci_csv_add_note(r,
                                 "stratum \"%s\": nobody observed on the "
                                 "lists used; no table",
                                 t->label ? t->label : "");
            vc_table_free(t);
            if (status != VC_OK) {
                return status;
            }
            continue;
        }
        /* With covariates every table keeps every list: the tables are
         * the slices of one table that a model fits whole. */
        t = r->ncov > 0 ? t : drop_empty_lists(r, t);
        if (t == NULL) {
            return r->status;
        }
        d->tables[d->ntables++] = t;
        d->n += t->n;
    }
    return VC_OK;
}

vc_dataset *vci_csv_build_dataset(vci_csv_reader *r)
{
    vc_dataset *d = calloc(1, sizeof *d);
    vc_table **all = calloc(r->nstrata ? r->nstrata : 1, sizeof *all);
    uint64_t total[VC_MAX_LISTS] = {0};
    const char *selnames[VC_MAX_LISTS];
    if (d == NULL || all == NULL) {
        vci_csv_fail_nomem(r);
        goto fail;
    }
    if (copy_names(r, d) != VC_OK) {
        goto fail;
    }
    for (size_t k = 0; k < r->Jsel; k++) {
        selnames[k] = r->colnames[r->sel_col[k]];
    }
    uint64_t n = 0;
    for (size_t i = 0; i < r->nstrata; i++) {
        all[i] = stratum_table(r, r->strata[i], selnames);
        if (all[i] == NULL) {
            goto fail;
        }
        for (size_t j = 0; j < r->J; j++) {
            total[j] += vc_table_list_total(all[i], j);
        }
        n += all[i]->n;
        d->dropped += all[i]->dropped;
    }
    if (check_observed(r, n, total) != VC_OK
        || file_notes(r, d->dropped) != VC_OK
        || keep_tables(r, all, d) != VC_OK) {
        goto fail;
    }
    d->ncovariates = r->ncov;
    d->notes = r->notes;
    d->nnotes = r->nnotes;
    r->notes = NULL;
    r->nnotes = 0;
    free(all);
    return d;
fail:
    if (all != NULL) {
        for (size_t i = 0; i < r->nstrata; i++) {
            vc_table_free(all[i]);
        }
    }
    free(all);
    vc_dataset_free(d);
    return NULL;
}
