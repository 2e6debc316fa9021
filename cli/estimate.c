/*
 * estimate.c: `victimcount estimate`: read a file, run each requested
 * method on each stratum, write the results.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "models/vc_models.h"

void cli_estimate_help(FILE *f)
{
    fputs(
        "Usage: victimcount estimate [OPTIONS] FILE\n"
        "\n"
        "Estimate how many people there are in all, seen and unseen, from\n"
        "lists that each saw some of them (multiple-systems estimation).\n"
        "FILE is a CSV with one 0/1 column per list and a count column\n"
        "(count, freq, n or Freq, or named by --count) giving how many\n"
        "people share each pattern, or one row per person without a count\n"
        "column (cells 0/1, yes/no, y/n, true/false, x/empty).  Whole\n"
        "numbers may be written as spreadsheets export them: 1.0, 310.0,\n"
        "and 310,0 when the delimiter is ; or TAB.  Every column that is\n"
        "neither the count nor a stratum is a list: any other column is\n"
        "refused, never ignored.  The file is UTF-8 (UTF-16 with a\n"
        "byte-order mark is detected), or see --encoding.\n"
        "\n"
        "Methods (--method, several separated by commas):\n", f);
    cli_methods_help(f);
    fputs(
        "  default: chapman with 2 lists, else loglinear,chao\n"
        "\n"
        "All methods assume a closed population (the same people could have\n"
        "been seen by every list).  Chapman and independence also assume\n"
        "the lists are independent; Chao gives a lower bound when some\n"
        "people are easier to see than others; loglinear and dga allow\n"
        "lists to depend on each other; lcm allows people to differ in how\n"
        "easily they are seen.\n"
        "\n"
        "Options:\n", f);
    cli_options_help(f, "estimate", NULL, NULL);
    fputs("\nloglinear:\n", f);
    cli_options_help(f, "estimate", "loglinear", NULL);
    fputs("\nlcm:\n", f);
    cli_options_help(f, "estimate", "lcm", NULL);
    fputs(
        "\n"
        "  The samplers of --sampler:\n"
        "    hybrid: Gibbs sweeps, each with three moves of the unseen\n"
        "    people of a class (lambda and the weights integrated out, so N\n"
        "    moves by hundreds at a time) and label swaps of adjacent\n"
        "    classes; every 10th with a flip of the first and last classes\n"
        "    with alpha, and every 10,000th with a split-merge proposal.  On\n"
        "    Kosovo 2-3x the ESS of N a sweep of gibbs; on UK it converges\n"
        "    where Gibbs chains stall (bench/RESULTS.md; JSON: unseen_moves,\n"
        "    flips, splitmerge counts).\n"
        "    gibbs: the plain Gibbs sweep of LCMCR, to compare with it.\n"
        "    tempering: parallel tempering, a check by another route between\n"
        "    regions of N (JSON: replicas); each chain runs R replicas\n"
        "    (--temperatures), replica r on the table thinned to a fraction\n"
        "    beta_r, and only the full-table replica is kept; every replica\n"
        "    also makes the hybrid's label swaps and flip (without them the\n"
        "    ladder kept UK's high-alpha configurations: issue 21).  It\n"
        "    costs R sweeps a sweep.\n"
        "    tempering-splitmerge: tempering whose replicas add label swaps\n"
        "    and split-merge proposals (JSON: splitmerge counts).\n"
        "    (splitmerge is retired: the hybrid makes its moves and more.)\n"
        "\n"
        "dga:\n", f);
    cli_options_help(f, "estimate", "dga", NULL);
    /* a second literal: ISO C guarantees strings of 4095 bytes only */
    fputs(
        "\n"
        "Which number to quote: when two or more of loglinear, lcm, dga and\n"
        "independence run, a section per stratum before the method table\n"
        "(JSON: the top-level array \"synthesis\") names the methods whose\n"
        "checks pass (converged, an estimate, model check p >= 0.01), says\n"
        "whether their intervals overlap (agree), the regimes of N the data\n"
        "allow (dga's graphs, the log-linear models within 2 AIC of the\n"
        "best, lcm's modes) and the range to quote: the envelope of the\n"
        "passing methods' intervals.\n"
        "\n"
        "Exit status:\n"
        "  0  all estimates computed\n"
        "  1  internal error\n"
        "  2  usage error (bad option, unknown column or method)\n"
        "  3  input file missing, unreadable or invalid (the message names\n"
        "     file, line and column)\n"
        "  4  an estimate does not exist for these data (e.g. Lincoln-\n"
        "     Petersen with no overlap); the other results are still\n"
        "     written, the failed ones marked with their reason\n"
        "  5  the output file could not be written\n"
        "\n"
        "Examples:\n"
        "  victimcount estimate data/examples/kosovo.csv\n"
        "  victimcount estimate --method chapman --lists IOM,NGO file.csv\n"
        "  victimcount estimate -m independence,chao --strata country,year \\\n"
        "      -f json -o results.json file.csv\n", f);
}

/* Name each failed result on standard error; the exit status: the
 * first failure's, or CLI_EXIT_INTERNAL when any failure is internal. */
int cli_report_failures(const cli_result *res, size_t nres)
{
    int rc = CLI_EXIT_OK;
    for (size_t r = 0; r < nres; r++) {
        if (res[r].status != VC_OK) {
            cli_error("%s%s%s: %s", res[r].table->label
                                        ? res[r].table->label : "",
                      res[r].table->label ? ": " : "", res[r].method,
                      res[r].error);
            int code = cli_exit_for_status(res[r].status);
            if (rc == CLI_EXIT_OK || code == CLI_EXIT_INTERNAL) {
                rc = code;
            }
        }
    }
    return rc;
}

int cli_estimate(int argc, char **argv)
{
    cli_options o;
    int done = 0;
    int rc = cli_start(argc, argv, "estimate", cli_estimate_help, &o, &done);
    if (done) {
        return rc;
    }
    for (size_t i = 0; i < o.methods.n; i++) {
        if (cli_method_find(o.methods.v[i]) == NULL) {
            cli_error("estimate: unknown method \"%s\" (see victimcount "
                      "estimate --help)", o.methods.v[i]);
            cli_options_free(&o);
            return CLI_EXIT_USAGE;
        }
    }

    vc_dataset *d = cli_read_dataset(&o, &rc);
    if (d == NULL) {
        cli_options_free(&o);
        return rc;
    }
    if (o.methods.n == 0) {
        const char *dflt = o.covariates.n > 0 ? "loglinear"
                           : (d->J == 2)      ? "chapman"
                                              : "loglinear,chao";
        if (cli_strings_add_csv(&o.methods, dflt) != 0) {
            vc_dataset_free(d);
            cli_options_free(&o);
            return CLI_EXIT_INTERNAL;
        }
    }
    for (size_t i = 0; i < o.methods.n; i++) {
        const cli_method *m = cli_method_find(o.methods.v[i]);
        if (m->two_list && d->J != 2) {
            cli_error("estimate: method %s needs exactly 2 lists and %s has "
                      "%zu; pick two with --lists A,B, or use --method "
                      "pairwise", m->name, o.input, d->J);
            vc_dataset_free(d);
            cli_options_free(&o);
            return CLI_EXIT_USAGE;
        }
    }
    if (!o.quiet) {
        for (size_t i = 0; i < d->nnotes; i++) {
            fprintf(stderr, "note: %s\n", d->notes[i]);
        }
    }
    if (o.covariates.n > 0) {
        rc = cli_estimate_covariates(&o, d);
        vc_dataset_free(d);
        cli_options_free(&o);
        return rc;
    }

    /* Count rows, run, and collect. */
    size_t cap = 0;
    for (size_t s = 0; s < d->ntables; s++) {
        for (size_t i = 0; i < o.methods.n; i++) {
            cap += cli_method_rows(cli_method_find(o.methods.v[i]),
                                   d->tables[s]->J);
        }
    }
    cli_result *res = calloc(cap ? cap : 1, sizeof *res);
    if (res == NULL) {
        cli_error("out of memory");
        vc_dataset_free(d);
        cli_options_free(&o);
        return CLI_EXIT_INTERNAL;
    }
    size_t nres = 0;
    int failed = 0;
    char *draws_buf = NULL;
    size_t draws_len = 0;
    FILE *draws = NULL;
    if (o.lcm.draws != NULL) {
        draws = open_memstream(&draws_buf, &draws_len);
        if (draws == NULL) {
            cli_error("out of memory");
            free(res);
            vc_dataset_free(d);
            cli_options_free(&o);
            return CLI_EXIT_INTERNAL;
        }
        fputs("stratum,chain,draw,N,alpha,occupied\n", draws);
    }
    /* a method's JSON or detail line that could not be allocated is
     * left out quietly (jsonmem.c): such output is not written */
    unsigned long oom_before = cli_oom_count();
    int oom = 0;
    for (size_t s = 0; s < d->ntables; s++) {
        for (size_t i = 0; i < o.methods.n; i++) {
            size_t k = cli_run_method(cli_method_find(o.methods.v[i]), d->tables[s],
                                  &o, &res[nres], draws);
            for (size_t r = 0; r < k; r++) {
                failed |= res[nres + r].status != VC_OK;
                /* out of memory is no result to write */
                oom |= res[nres + r].status == VC_ENOMEM;
            }
            nres += k;
        }
    }

    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
    } else {
        rc = cli_write_results(&o, d, res, nres, mem);
        if ((fclose(mem) != 0 || oom || cli_oom_count() != oom_before)
            && rc == CLI_EXIT_OK) {
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
        }
        if (rc == CLI_EXIT_OK) {
            rc = cli_emit(o.output, buf, len);
        }
        free(buf);
    }
    if (draws != NULL) {
        int closed = fclose(draws);
        if (rc == CLI_EXIT_OK || rc == CLI_EXIT_NOEST) {
            if (closed != 0) {
                cli_error("out of memory");
                rc = CLI_EXIT_INTERNAL;
            } else {
                int drc = cli_emit(o.lcm.draws, draws_buf, draws_len);
                rc = drc != CLI_EXIT_OK ? drc : rc;
            }
        }
        free(draws_buf);
    }
    if (rc == CLI_EXIT_OK && failed) {
        rc = cli_report_failures(res, nres);
    }
    for (size_t r = 0; r < nres; r++) {
        cli_result_clear(&res[r]);
    }
    free(res);
    vc_dataset_free(d);
    cli_options_free(&o);
    return rc;
}
