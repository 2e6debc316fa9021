/*
 * csv_columns.c: the header of a CSV file and what each column is for:
 * the count column, the strata, the lists of the file, the selection
 * (opts->lists), merging (opts->merge) and omission (opts->omit), checked
 * against the header as written (csv.c lists the rules in order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv_impl.h"

/* ---------------------------------------------------------------------
 * The header: names, roles, selection, merging and omission
 * ------------------------------------------------------------------- */

static size_t find_column(const vci_csv_reader *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++) {
        if (strcmp(r->colnames[i], name) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* An option names a column the header does not have. */
static int unknown_column(vci_csv_reader *r, const char *what, const char *name)
{
    char avail[VCI_CSV_NAMES_MAX];
    vci_csv_join_names(avail, sizeof avail, (const char *const *)r->colnames,
                       r->ncols);
    return vci_csv_fail(
        r, VC_EINVAL,
        "%s: %s \"%s\" is not a column of the header; the columns "
        "are %s",
        r->source, what, name, avail);
}

/* Why a column that exists cannot be used as a list. */
static const char *role_name(const vci_csv_reader *r, size_t c)
{
    switch (r->role[c]) {
    case VCI_ROLE_COUNT:
        return "it is the count column";
    case VCI_ROLE_STRATUM:
        return "it is a stratum column";
    case VCI_ROLE_IGNORE:
    case VCI_ROLE_UNSELECTED:
        return "it is not among the selected lists";
    default:
        return "it is already a list";
    }
}

/* Index among the selected lists of the list named name, or SIZE_MAX. */
static size_t find_selected(const vci_csv_reader *r, const char *name)
{
    for (size_t k = 0; k < r->Jsel; k++) {
        if (strcmp(r->colnames[r->sel_col[k]], name) == 0) {
            return k;
        }
    }
    return SIZE_MAX;
}

/* The names of the lists of the file, for messages (cut by join_names
 * long before the last of VC_MAX_LISTS could matter). */
void vci_csv_file_list_names(const vci_csv_reader *r, char *out, size_t size)
{
    const char *v[VC_MAX_LISTS];
    size_t n = r->nfile < VC_MAX_LISTS ? r->nfile : VC_MAX_LISTS;
    for (size_t f = 0; f < n; f++) {
        v[f] = r->colnames[r->file_col[f]];
    }
    vci_csv_join_names(out, size, v, n);
}

/* The roles the caller named: the count column, the strata, the selected
 * lists (opts->lists), each checked against the header. */
static int named_roles(vci_csv_reader *r)
{
    const vc_read_opts *o = r->opts;
    r->count_col = SIZE_MAX;
    if (o->count_column != NULL) {
        r->count_col = find_column(r, o->count_column);
        if (r->count_col == SIZE_MAX) {
            return unknown_column(r, "count column", o->count_column);
        }
        r->role[r->count_col] = VCI_ROLE_COUNT;
    }
    size_t nstrata = (o->strata != NULL) ? o->nstrata : 0;
    for (size_t s = 0; s < nstrata; s++) {
        size_t c = find_column(r, o->strata[s]);
        if (c == SIZE_MAX) {
            return unknown_column(r, "stratum column", o->strata[s]);
        }
        if (r->role[c] != VCI_ROLE_IGNORE) {
            return vci_csv_fail(
                r, VC_EINVAL, "%s: stratum column \"%s\" cannot be used: %s",
                r->source, o->strata[s],
                r->role[c] == VCI_ROLE_COUNT ? "it is the count column"
                                             : "it is named twice");
        }
        r->role[c] = VCI_ROLE_STRATUM;
        r->str_col[s] = c;
    }
    size_t ncov = (o->covariates != NULL) ? o->ncovariates : 0;
    for (size_t v = 0; v < ncov; v++) {
        size_t c = find_column(r, o->covariates[v]);
        if (c == SIZE_MAX) {
            return unknown_column(r, "covariate column", o->covariates[v]);
        }
        if (r->role[c] != VCI_ROLE_IGNORE) {
            return vci_csv_fail(
                r, VC_EINVAL, "%s: covariate column \"%s\" cannot be used: %s",
                r->source, o->covariates[v],
                r->role[c] == VCI_ROLE_COUNT ? "it is the count column"
                : r->role[c] == VCI_ROLE_STRATUM
                    ? "it is a stratum column or named twice"
                    : "it is named twice");
        }
        r->role[c] = VCI_ROLE_STRATUM;
        r->str_col[nstrata + v] = c;
    }
    r->nstr = nstrata + ncov;
    r->ncov = ncov;
    int selected = (o->lists != NULL && o->nlists > 0);
    for (size_t k = 0; selected && k < o->nlists; k++) {
        size_t c = find_column(r, o->lists[k]);
        if (c == SIZE_MAX) {
            return unknown_column(r, "list", o->lists[k]);
        }
        if (r->role[c] != VCI_ROLE_IGNORE) {
            return vci_csv_fail(
                r, VC_EINVAL, "%s: list \"%s\" cannot be used: %s", r->source,
                o->lists[k],
                r->role[c] == VCI_ROLE_LIST ? "it is named twice"
                                            : role_name(r, c));
        }
        r->role[c] = VCI_ROLE_LIST;
        r->sel_col[r->Jsel++] = c;
    }
    return VC_OK;
}

/* When the caller named no count column: a column named like a count is
 * the count column, unless the caller made it a list or a stratum. */
static int guess_count(vci_csv_reader *r)
{
    for (size_t c = 0; c < r->ncols; c++) {
        if (r->role[c] != VCI_ROLE_IGNORE
            || !vci_csv_is_count_name(r->colnames[c])) {
            continue;
        }
        if (r->count_col != SIZE_MAX) {
            return vci_csv_fail(
                r, VC_EDATA,
                "%s:%zu: columns \"%s\" and \"%s\" both look "
                "like the count column; name the one to use",
                r->source, r->header_line, r->colnames[r->count_col],
                r->colnames[c]);
        }
        r->count_col = c;
    }
    if (r->count_col != SIZE_MAX) {
        r->role[r->count_col] = VCI_ROLE_COUNT;
    }
    return VC_OK;
}

/* Every other column is a list of the file; those the selection leaves
 * out are checked all the same.  Then S1 on the selected lists. */
static int file_lists(vci_csv_reader *r)
{
    const vc_read_opts *o = r->opts;
    int selected = (o->lists != NULL && o->nlists > 0);
    for (size_t c = 0; c < r->ncols; c++) {
        if (r->role[c] != VCI_ROLE_IGNORE) {
            continue;
        }
        if (selected) {
            r->role[c] = VCI_ROLE_UNSELECTED;
            r->selection_drops = 1;
        } else {
            r->role[c] = VCI_ROLE_LIST;
            r->sel_col[r->Jsel++] = c;
        }
    }
    for (size_t c = 0; c < r->ncols; c++) {
        r->sel_of[c] = SIZE_MAX;
        if (r->role[c] == VCI_ROLE_LIST || r->role[c] == VCI_ROLE_UNSELECTED) {
            r->file_col[r->nfile++] = c;
        }
    }
    for (size_t k = 0; k < r->Jsel; k++) {
        r->sel_of[r->sel_col[k]] = k;
    }
    if (r->Jsel > VC_MAX_LISTS) {
        return vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: %zu list columns; at most %d are supported "
            "(select some)",
            r->source, r->header_line, r->Jsel, VC_MAX_LISTS);
    }
    return VC_OK;
}

/* The role of every column: named by the caller, the count column by its
 * name, or a list of the file. */
static int assign_roles(vci_csv_reader *r)
{
    const vc_read_opts *o = r->opts;
    r->role = calloc(r->ncols, sizeof *r->role);
    size_t nkeys = o->nstrata + (o->covariates != NULL ? o->ncovariates : 0);
    r->str_col = calloc(nkeys ? nkeys : 1, sizeof *r->str_col);
    r->sel_col = calloc(r->ncols, sizeof *r->sel_col);
    r->sel_of = calloc(r->ncols, sizeof *r->sel_of);
    r->file_col = calloc(r->ncols, sizeof *r->file_col);
    if (r->role == NULL || r->str_col == NULL || r->sel_col == NULL
        || r->sel_of == NULL || r->file_col == NULL) {
        return vci_csv_fail_nomem(r);
    }
    int status = named_roles(r);
    if (status == VC_OK && o->count_column == NULL) {
        status = guess_count(r);
    }
    if (status != VC_OK) {
        return status;
    }
    r->aggregated = (r->count_col != SIZE_MAX);
    return file_lists(r);
}

/*
 * Parse the merge entries into groups over the selected lists.  mgroup[m]
 * is the mask of entry m, mfirst[m] its first-named member, mname[m] its
 * name (members joined by '+', without spaces).
 */
static int parse_merges(vci_csv_reader *r, uint32_t *mgroup, size_t *mfirst,
                        char **mname)
{
    const vc_read_opts *o = r->opts;
    uint32_t used = 0;
    for (size_t m = 0; m < o->nmerge; m++) {
        const char *entry = o->merge[m];
        size_t elen = strlen(entry);
        char *name = malloc(elen + 1);
        char *tok = malloc(elen + 1);
        if (name == NULL || tok == NULL) {
            free(name);
            free(tok);
            return vci_csv_fail_nomem(r);
        }
        mname[m] = name;
        name[0] = '\0';
        size_t members = 0;
        size_t nlen = 0;
        const char *p = entry;
        for (;;) {
            const char *end = strchr(p, '+');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            while (n > 0 && (*p == ' ' || *p == '\t')) {
                p++;
                n--;
            }
            while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) {
                n--;
            }
            memcpy(tok, p, n);
            tok[n] = '\0';
            if (n == 0) {
                free(tok);
                return vci_csv_fail(r, VC_EINVAL,
                                    "%s: merge \"%s\": empty list name",
                                    r->source, entry);
            }
            size_t k = find_selected(r, tok);
            if (k == SIZE_MAX) {
                size_t c = find_column(r, tok);
                int code =
                    (c == SIZE_MAX)
                        ? unknown_column(r, "merged list", tok)
                        : vci_csv_fail(r, VC_EINVAL,
                                       "%s: merge \"%s\": \"%s\" is not a "
                                       "list (%s)",
                                       r->source, entry, tok, role_name(r, c));
                free(tok);
                return code;
            }
            if (((used | mgroup[m]) >> k & 1u) != 0) {
                free(tok);
                return vci_csv_fail(
                    r, VC_EINVAL,
                    "%s: merge \"%s\": list \"%s\" is merged twice", r->source,
                    entry, r->colnames[r->sel_col[k]]);
            }
            /* The name is no longer than the entry: tokens lose their
             * spaces and keep their '+' separators. */
            if (members == 0) {
                mfirst[m] = k;
            } else {
                name[nlen++] = '+';
            }
            memcpy(name + nlen, tok, n + 1);
            nlen += n;
            mgroup[m] |= 1u << k;
            members++;
            if (end == NULL) {
                break;
            }
            p = end + 1;
        }
        free(tok);
        if (members < 2) {
            return vci_csv_fail(
                r, VC_EINVAL,
                "%s: merge \"%s\": a merge needs two or more lists "
                "joined by '+'",
                r->source, entry);
        }
        used |= mgroup[m];
    }
    return VC_OK;
}

/* Merging and omission: the final lists as groups of selected lists. */
static int final_lists(vci_csv_reader *r)
{
    const vc_read_opts *o = r->opts;
    size_t nm = (o->merge != NULL) ? o->nmerge : 0;
    size_t no = (o->omit != NULL) ? o->nomit : 0;
    uint32_t *mgroup = calloc(nm ? nm : 1, sizeof *mgroup);
    size_t *mfirst = calloc(nm ? nm : 1, sizeof *mfirst);
    char **mname = calloc(nm ? nm : 1, sizeof *mname);
    uint32_t group[VC_MAX_LISTS];
    const char *name[VC_MAX_LISTS];
    int omitted[VC_MAX_LISTS] = {0};
    size_t J0 = 0;
    int status = VC_OK;
    if (mgroup == NULL || mfirst == NULL || mname == NULL) {
        status = vci_csv_fail_nomem(r);
        goto done;
    }
    status = (nm > 0) ? parse_merges(r, mgroup, mfirst, mname) : VC_OK;
    if (status != VC_OK) {
        goto done;
    }
    /* A merged list takes the place of its first-named member. */
    for (size_t k = 0; k < r->Jsel; k++) {
        size_t m = 0;
        while (m < nm && (mgroup[m] >> k & 1u) == 0) {
            m++;
        }
        if (m == nm) {
            group[J0] = 1u << k;
            name[J0++] = r->colnames[r->sel_col[k]];
        } else if (mfirst[m] == k) {
            group[J0] = mgroup[m];
            name[J0++] = mname[m];
        }
    }
    /* A merged list is named by its members joined with '+', which a
     * column may already be called; two lists of one name could not be
     * told apart (by --omit, --model, or in any output). */
    for (size_t a = 0; a < J0; a++) {
        for (size_t b = 0; b < a; b++) {
            if (strcmp(name[a], name[b]) == 0) {
                status =
                    vci_csv_fail(r, VC_EINVAL,
                                 "%s: the merged list \"%s\" would have the "
                                 "name of another list; rename that column, "
                                 "or name the merged lists in another order",
                                 r->source, name[a]);
                goto done;
            }
        }
    }
    for (size_t i = 0; i < no; i++) {
        size_t j = 0;
        while (j < J0 && strcmp(name[j], o->omit[i]) != 0) {
            j++;
        }
        if (j < J0) {
            omitted[j] = 1;
            continue;
        }
        size_t k = find_selected(r, o->omit[i]);
        size_t c = find_column(r, o->omit[i]);
        if (k != SIZE_MAX) {
            size_t m = 0;
            while (m < nm && (mgroup[m] >> k & 1u) == 0) {
                m++;
            }
            status =
                vci_csv_fail(r, VC_EINVAL,
                             "%s: omitted list \"%s\" was merged into \"%s\"; "
                             "omit the merged list or leave it out of the "
                             "merge",
                             r->source, o->omit[i], m < nm ? mname[m] : "?");
        } else if (c != SIZE_MAX) {
            status = vci_csv_fail(r, VC_EINVAL,
                                  "%s: omitted list \"%s\" is not a list (%s)",
                                  r->source, o->omit[i], role_name(r, c));
        } else {
            status = unknown_column(r, "omitted list", o->omit[i]);
        }
        goto done;
    }
    r->J = 0;
    r->group = calloc(J0 ? J0 : 1, sizeof *r->group);
    r->names = calloc(J0 ? J0 : 1, sizeof *r->names);
    if (r->group == NULL || r->names == NULL) {
        status = vci_csv_fail_nomem(r);
        goto done;
    }
    for (size_t j = 0; j < J0; j++) {
        if (omitted[j]) {
            continue;
        }
        r->names[r->J] = vci_csv_dup_str(name[j]);
        if (r->names[r->J] == NULL) {
            status = vci_csv_fail_nomem(r);
            goto done;
        }
        r->group[r->J++] = group[j];
    }
    r->collapse = (nm > 0 || r->J < J0);
    if (r->J < 2) {
        char have[VCI_CSV_NAMES_MAX];
        vci_csv_join_names(have, sizeof have, (const char *const *)r->names,
                           r->J);
        status =
            vci_csv_fail(r, VC_EDATA,
                         "%s:%zu: %zu list%s (%s) after selection, merging and "
                         "omission; at least 2 lists are needed",
                         r->source, r->header_line, r->J, r->J == 1 ? "" : "s",
                         r->J > 0 ? have : "none");
    }
done:
    vci_data_free_strings(mname, mname ? nm : 0);
    free(mgroup);
    free(mfirst);
    return status;
}

int vci_csv_process_header(vci_csv_reader *r)
{
    r->have_header = 1;
    r->header_line = r->fline[0];
    r->ncols = r->nfld;
    r->colnames = calloc(r->ncols, sizeof *r->colnames);
    if (r->colnames == NULL) {
        return vci_csv_fail_nomem(r);
    }
    int numeric = 1;
    for (size_t c = 0; c < r->ncols; c++) {
        r->colnames[c] = vci_csv_dup_mem(r->buf + r->off[c], r->len[c]);
        if (r->colnames[c] == NULL) {
            return vci_csv_fail_nomem(r);
        }
        numeric = numeric && vci_csv_is_number(r->colnames[c]);
    }
    if (numeric) {
        return vci_csv_fail(
            r, VC_EDATA,
            "%s:%zu: no header: column 1 is \"%s\", a number; the "
            "first line must name the columns",
            r->source, r->header_line, r->colnames[0]);
    }
    for (size_t c = 0; c < r->ncols; c++) {
        if (r->len[c] == 0) {
            return vci_csv_fail(
                r, VC_EDATA,
                "%s:%zu: column %zu: expected a column name in the "
                "header, got an empty field%s",
                r->source, r->header_line, c + 1,
                c == 0 ? " (row names? R's write.csv needs "
                         "row.names = FALSE)"
                       : "");
        }
        for (size_t d = 0; d < c; d++) {
            if (strcmp(r->colnames[c], r->colnames[d]) == 0) {
                return vci_csv_fail(
                    r, VC_EDATA,
                    "%s:%zu: column \"%s\": the name appears twice in "
                    "the header (columns %zu and %zu)",
                    r->source, r->header_line, r->colnames[c], d + 1, c + 1);
            }
        }
    }
    if (assign_roles(r) != VC_OK) {
        return r->status;
    }
    return final_lists(r);
}
