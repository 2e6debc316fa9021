/*
 * validate.c: `victimcount validate`: read a file, say what is in it and
 * what might be a problem, estimate nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "report/vc_report.h"

void cli_validate_help(FILE *f)
{
    fputs(
        "Usage: victimcount validate [OPTIONS] FILE\n"
        "\n"
        "Check an input file and describe it: the lists, how many people\n"
        "were seen, how many each list saw, how many each pair of lists\n"
        "saw in common, and possible problems (pairs of lists with no one\n"
        "in common, strata with fewer than 3 lists that saw anyone).\n"
        "Nothing is estimated.\n"
        "\n"
        "Options (as for estimate; validate refuses estimate's others):\n",
        f);
    /* validate describes where estimate estimates */
    static const cli_opt_words own[] = {
        {"strata", "describe each stratum separately, e.g. --strata "
                   "country,year", NULL},
        {"covariates", "describe each combination of the levels of these "
                       "covariate columns (an empty or NA cell is a "
                       "missing value, shown as such)", NULL},
        {"format", "text or json: the same description as one JSON object "
                   "(input, seen_by_list, tables with their overlaps and "
                   "problems)", "text"},
        {"output", "write the description there instead of standard "
                   "output; the file appears only when complete", NULL},
        {NULL, NULL, NULL}};
    cli_options_help(f, "validate", NULL, own);
    fputs(
        "\n"
        "Exit status: 0 the file is usable (problems listed are warnings),\n"
        "2 usage error, 3 the file is missing or invalid (the message names\n"
        "file, line and column), 5 the output could not be written.\n", f);
}

/* The problems of one table, each a sentence, appended to arr. */
static void table_problems(const vc_table *t, json_t *arr)
{
    char line[1024];
    for (size_t a = 0; a < t->J; a++) {
        for (size_t b = a + 1; b < t->J; b++) {
            if (vc_table_overlap(t, a, b) == 0) {
                snprintf(line, sizeof line, "no one is on both %s and %s "
                         "(sparse pair: models with their interaction have "
                         "no finite estimate)", t->names[a], t->names[b]);
                json_array_append_new(arr, json_string(line));
            }
        }
    }
    size_t nonempty = vc_table_nonempty_lists(t);
    if (nonempty < 3) {
        snprintf(line, sizeof line, "only %zu lists saw anyone%s: two lists "
                 "cannot reveal dependence between lists, and most methods "
                 "need 3 or more", nonempty, t->label ? " in this stratum"
                                                      : "");
        json_array_append_new(arr, json_string(line));
    }
}

/* Describe one table with its problems (found by table_problems). */
static void describe(const vc_table *t, const json_t *problems, FILE *f)
{
    char num[48];
    vc_format_count((double)t->n, num, sizeof num);
    fprintf(f, "people seen: %s in %zu of the %.0f possible capture "
            "patterns", num, t->npat, ldexp(1.0, (int)t->J) - 1.0);
    if (t->dropped > 0) {
        char dropped[48];
        vc_format_count((double)t->dropped, dropped, sizeof dropped);
        fprintf(f, " (%s more seen only by lists left out)", dropped);
    }
    fputc('\n', f);
    size_t w = 6;
    for (size_t j = 0; j < t->J; j++) {
        size_t len = strlen(t->names[j]);
        w = len > w ? len : w;
    }
    fputs("lists and overlaps (diagonal: seen by the list; off-diagonal: "
          "seen by both):\n", f);
    fprintf(f, "  %-*s", (int)w, "");
    for (size_t j = 0; j < t->J; j++) {
        fprintf(f, " %*s", (int)(w > 9 ? w : 9), t->names[j]);
    }
    fputc('\n', f);
    for (size_t a = 0; a < t->J; a++) {
        fprintf(f, "  %-*s", (int)w, t->names[a]);
        for (size_t b = 0; b < t->J; b++) {
            vc_format_count((double)vc_table_overlap(t, a, b), num,
                            sizeof num);
            fprintf(f, " %*s", (int)(w > 9 ? w : 9), num);
        }
        fputc('\n', f);
    }
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p) {
        fprintf(f, "  problem: %s\n", json_string_value(p));
    }
}

/* One table as JSON: its stratum, people seen, patterns, lists, the
 * overlaps (row a, column b: seen by both; the diagonal: by the list) and
 * its problems (stolen). */
static json_t *table_json(const vc_table *t, json_t *problems)
{
    json_t *j = json_object();
    json_object_set_new(j, "stratum",
                        t->label ? json_string(t->label) : json_null());
    cli_json_set_int(j, "observed", t->n);
    cli_json_set_int(j, "dropped", t->dropped);
    cli_json_set_int(j, "patterns", t->npat);
    cli_json_set_int(j, "possible_patterns", ((long long)1 << t->J) - 1);
    json_object_set_new(j, "lists", cli_json_strings(t->names, t->J));
    json_t *rows = json_array();
    for (size_t a = 0; a < t->J; a++) {
        json_t *row = json_array();
        for (size_t b = 0; b < t->J; b++) {
            json_array_append_new(
                row, json_integer((json_int_t)vc_table_overlap(t, a, b)));
        }
        json_array_append_new(rows, row);
    }
    json_object_set_new(j, "overlaps", rows);
    json_object_set_new(j, "problems", problems);
    return j;
}

/* People seen by list j of d, over all its strata. */
static uint64_t list_total(const vc_dataset *d, size_t j)
{
    uint64_t total = 0;
    for (size_t s = 0; s < d->ntables; s++) {
        const vc_table *t = d->tables[s];
        for (size_t k = 0; k < t->J; k++) {
            if (strcmp(t->names[k], d->names[j]) == 0) {
                total += vc_table_list_total(t, k);
            }
        }
    }
    return total;
}

static void write_text(const vc_dataset *d, json_t *const *problems,
                       size_t nproblems, FILE *f)
{
    char num[48];
    fprintf(f, "%s: %s input, %zu lists: ", d->source,
            d->aggregated ? "aggregated (one row per pattern)"
                          : "record-level (one row per person)", d->J);
    for (size_t j = 0; j < d->J; j++) {
        fprintf(f, "%s%s", j ? ", " : "", d->names[j]);
    }
    vc_format_count((double)d->n, num, sizeof num);
    fprintf(f, "\npeople seen: %s", num);
    if (d->nstrata_cols > 0) {
        fprintf(f, " in %zu strata (", d->ntables);
        for (size_t k = 0; k < d->nstrata_cols; k++) {
            fprintf(f, "%s%s", k ? ", " : "", d->strata_cols[k]);
        }
        fputc(')', f);
    }
    fputs("\nseen by each list:", f);
    for (size_t j = 0; j < d->J; j++) {
        vc_format_count((double)list_total(d, j), num, sizeof num);
        fprintf(f, " %s %s%s", d->names[j], num, j + 1 < d->J ? "," : "");
    }
    fputs("\n", f);
    for (size_t i = 0; i < d->nnotes; i++) {
        fprintf(f, "note: %s\n", d->notes[i]);
    }
    for (size_t s = 0; s < d->ntables; s++) {
        fputc('\n', f);
        if (d->tables[s]->label != NULL) {
            fprintf(f, "stratum %s\n", d->tables[s]->label);
        }
        describe(d->tables[s], problems[s], f);
    }
    fprintf(f, "\n%s: %zu problem%s found; the file can be estimated%s\n",
            d->source, nproblems, nproblems == 1 ? "" : "s",
            nproblems ? ", but read the problems above first" : "");
}

/* The same description as one JSON object. */
static int write_json(const vc_dataset *d, json_t *const *problems,
                      size_t nproblems, FILE *f)
{
    json_t *root = json_object();
    cli_json_set_str(root, "version", vc_version());
    json_object_set_new(root, "input", cli_json_input(d));
    json_t *seen = json_object();
    for (size_t j = 0; j < d->J; j++) {
        cli_json_set_int(seen, d->names[j], (long long)list_total(d, j));
    }
    json_object_set_new(root, "seen_by_list", seen);
    json_t *tables = json_array();
    for (size_t s = 0; s < d->ntables; s++) {
        json_array_append_new(tables, table_json(d->tables[s],
                                                 json_incref(problems[s])));
    }
    json_object_set_new(root, "tables", tables);
    cli_json_set_int(root, "problems", (long long)nproblems);
    cli_json_set_bool(root, "usable", 1);
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(root);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
}

int cli_validate(int argc, char **argv)
{
    cli_options o;
    int done = 0;
    int rc = cli_start(argc, argv, "validate", cli_validate_help, &o, &done);
    if (done) {
        return rc;
    }
    if (o.format == CLI_CSV) {
        cli_error("validate: -f csv: validate describes a file as text or "
                  "json (see victimcount validate --help)");
        cli_options_free(&o);
        return CLI_EXIT_USAGE;
    }
    vc_dataset *d = cli_read_dataset(&o, &rc);
    if (d == NULL) {
        cli_options_free(&o);
        return rc;
    }
    json_t **problems = calloc(d->ntables ? d->ntables : 1,
                               sizeof *problems);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = problems ? open_memstream(&buf, &len) : NULL;
    size_t nproblems = 0;
    for (size_t s = 0; f != NULL && s < d->ntables; s++) {
        problems[s] = json_array();
        table_problems(d->tables[s], problems[s]);
        nproblems += json_array_size(problems[s]);
    }
    if (f == NULL || cli_oom_count() != 0) {
        /* a description with a problem missing is not written */
        cli_error("validate: out of memory");
        rc = CLI_EXIT_INTERNAL;
    } else if (o.format == CLI_JSON) {
        rc = write_json(d, problems, nproblems, f);
    } else {
        write_text(d, problems, nproblems, f);
    }
    if (f != NULL) {
        fclose(f);
    }
    if (rc == CLI_EXIT_OK) {
        rc = cli_emit(o.output, buf, len);
    }
    free(buf);
    for (size_t s = 0; problems != NULL && s < d->ntables; s++) {
        json_decref(problems[s]);
    }
    free(problems);
    vc_dataset_free(d);
    cli_options_free(&o);
    return rc;
}
