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
        "Options:\n"
        "  -m, --method LIST    methods to run (see above)\n"
        "  -f, --format FMT     text (default), json or csv\n"
        "  -o, --output FILE    write there instead of standard output; the\n"
        "                       file appears only when complete\n"
        "      --level L        interval level, default 0.95\n"
        "      --interval KIND  lognormal (Chao 1987, never below the people\n"
        "                       seen; default of the classical methods),\n"
        "                       wald, profile (profile likelihood; default\n"
        "                       of loglinear with --model or --select\n"
        "                       aic|bic) or bootstrap (loglinear stepwise\n"
        "                       default: selection repeated per replicate)\n"
        "      --round N        quote the 'about' range at N significant\n"
        "                       figures (default: 1, or 2 when 1 would widen\n"
        "                       the interval by more than half)\n"
        "      --label TEXT     name of the population in headlines\n"
        "                       (default: the stratum, or the file name)\n"
        "      --strata COLS    estimate separately for each value of these\n"
        "                       columns, e.g. --strata country,year\n"
        , f);
    fputs(
        "      --covariates COLS  categorical columns (sex,age,form) that\n"
        "                       enter the log-linear model beside the lists:\n"
        "                       one model over all levels, N in total and\n"
        "                       for every level (JSON \"by\"); an empty or NA\n"
        "                       cell is a missing value, filled in by EM\n"
        "                       (repeated in the bootstrap).  Other methods\n"
        "                       run on each\n"
        "                       level's table separately.  --model takes R's\n"
        "                       formula operators over list and covariate\n"
        "                       names: \"(IOM+NGO+Police)*sex + age\",\n"
        "                       \"(IOM+NGO+Police+sex+age)^2\" (every main\n"
        "                       effect is always in); without --model the\n"
        "                       two-way terms are searched (--select\n"
        "                       stepwise by AIC, or aic, aicc, bic over all\n"
        "                       models when there are at most 12 terms);\n"
        "                       intervals by parametric bootstrap\n"
        "                       (--bootstrap B, default 1000) or --interval\n"
        "                       wald\n"
        "      --by-pairs       with --covariates: also every pair of levels\n"
        "                       of two covariates (\"sex:age\" = \"female:minor\")\n"
        "      --population F   with --covariates: a CSV of population sizes\n"
        "                       (a population column and stratum or\n"
        "                       covariate columns, one row per combination)\n"
        "                       for victims per 100,000 with intervals\n"
        "                       (JSON rate, rate_lower, rate_upper)\n"
        "      --lists COLS     use only these list columns, in this order\n"
        "                       (the others are still checked as lists;\n"
        "                       people only they saw become unseen)\n"
        "      --merge A+B      treat lists A and B as one (repeatable)\n"
        "      --omit COLS      leave these lists out; people only they saw\n"
        "                       become unseen\n"
        "      --count COL      the count column (how many people share each\n"
        "                       row's pattern), when it is not named count,\n"
        "                       freq, n or Freq, e.g. --count cases\n"
        "      --encoding NAME  the file's encoding when it is not UTF-8:\n"
        "                       cp1251 (Excel's Russian on Windows),\n"
        "                       koi8-r, latin1, utf-16, or any name iconv -l\n"
        "                       lists\n"
        "      --seed S         seed of every random draw (bootstrap, MCMC);\n"
        "                       the same seed gives the same output\n"
        "      --threads N      OpenMP threads (never changes results;\n"
        "                       default: all cores).  lcm runs its chains\n"
        "                       in parallel; one chain of a table with\n"
        "                       2,048 or more patterns splits its work\n"
        "                       into blocks only when N is given\n"
        "\n", f);
    fputs(
        "loglinear:\n"
        "      --model M        fit this model: \"IOM*NGO + Police\", \"[12,3]\"\n"
        "                       (lists numbered from 1), all-two-way,\n"
        "                       independence, or M0 (every list has the same\n"
        "                       capture probability: Rcapture's M0); a\n"
        "                       summand \"+ h=H\" adds heterogeneity between\n"
        "                       people (Rcapture's Mth models, or Mh on M0):\n"
        "                       \"[12,3] + h=Chao\", \"M0 + h=Poisson\"\n"
        "                       A list name holding + * or : (a merged\n"
        "                       list) goes in double quotes:\n"
        "                       --model '\"IOM+NGO\"*Police'\n"
        "      --heterogeneity H  the same as \"+ h=H\" in --model (needs\n"
        "                       --model; \"--model independence\" is Mth,\n"
        "                       \"--model M0\" is Mh):\n"
        "                       chao (or lb: Chao's lower bound, negative\n"
        "                       etas set to 0), poisson (column 2^k - 1),\n"
        "                       poisson(a) (a^k - 1), darroch (k^2 / 2),\n"
        "                       gamma (-log(3.5 + k) + log 3.5), gamma(a);\n"
        "                       k = number of lists that saw a person\n"
        "      --select HOW     stepwise (default; p-value threshold\n"
        "                       --pthresh, default 0.02), aic or bic (all\n"
        "                       models with pairwise interactions); aicc\n"
        "                       too with --covariates\n"
        "      --bootstrap B    bootstrap replicates, default 1000\n"
        "\n", f);
    fputs(
        "lcm:\n"
        "      --classes K      latent classes K*, default 10\n"
        "      --sampler S      hybrid (default), gibbs, tempering or\n"
        "                       tempering-splitmerge (models/schedule.c\n"
        "                       lists what each does, step by step).\n"
        "                       hybrid: Gibbs sweeps, each with three moves\n"
        "                       of the unseen people of a class (lambda and\n"
        "                       the weights integrated out, so N moves by\n"
        "                       hundreds at a time) and label swaps of\n"
        "                       adjacent classes; every 10th with a flip of\n"
        "                       the first and last classes with alpha, and\n"
        "                       every 10,000th with a split-merge proposal.\n"
        "                       On Kosovo 2-3x the ESS of N a sweep of\n"
        "                       gibbs; on UK it converges where Gibbs\n"
        "                       chains stall (bench/RESULTS.md; JSON:\n"
        "                       unseen_moves, flips, splitmerge counts).\n"
        "                       gibbs: the plain Gibbs sweep of LCMCR, to\n"
        "                       compare with it.\n"
        "                       tempering: parallel tempering, a check by\n"
        "                       another route between regions of N (JSON:\n"
        "                       replicas); each chain runs R replicas,\n"
        "                       replica r on the table thinned to a\n"
        "                       fraction beta_r, and only the full-table\n"
        "                       replica is kept.  It costs R sweeps a sweep\n"
        "                       and on UK its chains disagree with the\n"
        "                       hybrid's about the low-N region, for a\n"
        "                       reason not yet known (issue 21).\n"
        "                       tempering-splitmerge: tempering whose\n"
        "                       replicas add label swaps and split-merge\n"
        "                       proposals (JSON: splitmerge counts).\n"
        "                       (splitmerge is retired: the hybrid makes\n"
        "                       its moves and more.)\n"
        "      --temperatures R  replicas per chain (tempering), default 8;\n"
        "                       each costs one sweep\n"
        "      --beta-min B     fraction of the table the hottest replica\n"
        "                       sees, default 0.25\n"
        "      --fixed-ladder   keep the geometric ladder 1..B; by default\n"
        "                       it is adapted in the first half of the\n"
        "                       burn-in to even out exchange rates, then\n"
        "                       frozen (JSON: ladder, exchange_rates)\n"
        "      --chains C       chains run in parallel, default 4\n"
        "      --iterations I   sweeps per chain after burn-in, default\n"
        "                       100000\n"
        "      --burnin B       sweeps discarded first, default 10000\n"
        "      --thin T         keep every T-th sweep, default 10\n"
        "      --until-converged  keep sampling in rounds of I sweeps until\n"
        "                       R-hat < 1.01, bulk ESS >= 400 and the\n"
        "                       chains agree on the share of their draws\n"
        "                       beyond each end of the interval (JSON:\n"
        "                       diagnostics.tails), up to --max-iterations\n"
        "                       (default 10 I)\n"
        "      --draws FILE     write every kept draw (stratum, chain, draw,\n"
        "                       N, alpha, occupied classes) as CSV\n"
        "\n", f);
    /* a second literal: ISO C guarantees strings of 4095 bytes only */
    fputs(
        "dga:\n"
        "      --delta D        prior weight per cell, default 2^-J\n"
        "      --n0-grid LO:HI  grid of the number unseen (default 0:25n,\n"
        "                       widened while its top holds posterior mass)\n"
        "      --prior-n P      1/N (default) or negbin:A,B\n"
        "      --dga-mcmc       MCMC over graphs (Giudici & Green 1999) even\n"
        "                       with 5 lists or fewer, where every graph is\n"
        "                       otherwise enumerated; with 6 to 8 lists MCMC\n"
        "                       is the only way.  It takes --chains,\n"
        "                       --iterations, --burnin, --thin and --seed as\n"
        "                       lcm (a sweep is one proposal per pair of\n"
        "                       lists) and reports R-hat and bulk ESS of\n"
        "                       E(N | graph) and of the number of edges\n"
        "\n"
        "  -q, --quiet          no notes or progress on standard error\n"
        "  -h, --help           this help\n"
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
    }
    for (size_t r = 0; r < nres; r++) {
        cli_result_clear(&res[r]);
    }
    free(res);
    vc_dataset_free(d);
    cli_options_free(&o);
    return rc;
}
