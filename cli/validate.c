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
        "Options (as for estimate):\n"
        "      --strata COLS    describe each stratum separately\n"
        "      --lists COLS     use only these list columns\n"
        "      --merge A+B      treat lists A and B as one (repeatable)\n"
        "      --omit COLS      leave these lists out\n"
        "      --count COL      the count column, when it is not named\n"
        "                       count, freq, n or Freq\n"
        "      --encoding NAME  the file's encoding when it is not UTF-8\n"
        "                       (cp1251, koi8-r, latin1, utf-16, ...)\n"
        "  -o, --output FILE    write the description there\n"
        "  -h, --help           this help\n"
        "\n"
        "Exit status: 0 the file is usable (problems listed are warnings),\n"
        "2 usage error, 3 the file is missing or invalid (the message names\n"
        "file, line and column), 5 the output could not be written.\n", f);
}

/* Describe one table; returns the number of problems found. */
static size_t describe(const vc_table *t, FILE *f)
{
    char num[48];
    size_t problems = 0;
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
    for (size_t a = 0; a < t->J; a++) {
        for (size_t b = a + 1; b < t->J; b++) {
            if (vc_table_overlap(t, a, b) == 0) {
                fprintf(f, "  problem: no one is on both %s and %s "
                        "(sparse pair: models with their interaction have "
                        "no finite estimate)\n", t->names[a], t->names[b]);
                problems++;
            }
        }
    }
    size_t nonempty = vc_table_nonempty_lists(t);
    if (nonempty < 3) {
        fprintf(f, "  problem: only %zu lists saw anyone%s: two lists "
                "cannot reveal dependence between lists, and most methods "
                "need 3 or more\n", nonempty, t->label ? " in this stratum"
                                                     : "");
        problems++;
    }
    return problems;
}

int cli_validate(int argc, char **argv)
{
    cli_options o;
    int done = 0;
    int rc = cli_start(argc, argv, "validate", cli_validate_help, &o, &done);
    if (done) {
        return rc;
    }
    vc_dataset *d = cli_read_dataset(&o, &rc);
    if (d == NULL) {
        cli_options_free(&o);
        return rc;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        vc_dataset_free(d);
        cli_options_free(&o);
        return CLI_EXIT_INTERNAL;
    }
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
        uint64_t total = 0;
        for (size_t s = 0; s < d->ntables; s++) {
            const vc_table *t = d->tables[s];
            for (size_t k = 0; k < t->J; k++) {
                if (strcmp(t->names[k], d->names[j]) == 0) {
                    total += vc_table_list_total(t, k);
                }
            }
        }
        vc_format_count((double)total, num, sizeof num);
        fprintf(f, " %s %s%s", d->names[j], num, j + 1 < d->J ? "," : "");
    }
    fputs("\n", f);
    for (size_t i = 0; i < d->nnotes; i++) {
        fprintf(f, "note: %s\n", d->notes[i]);
    }
    size_t problems = 0;
    for (size_t s = 0; s < d->ntables; s++) {
        fputc('\n', f);
        if (d->tables[s]->label != NULL) {
            fprintf(f, "stratum %s\n", d->tables[s]->label);
        }
        problems += describe(d->tables[s], f);
    }
    fprintf(f, "\n%s: %zu problem%s found; the file can be estimated%s\n",
            d->source, problems, problems == 1 ? "" : "s",
            problems ? ", but read the problems above first" : "");
    fclose(f);
    rc = cli_emit(o.output, buf, len);
    free(buf);
    vc_dataset_free(d);
    cli_options_free(&o);
    return rc;
}
