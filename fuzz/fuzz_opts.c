/*
 * fuzz_opts.c: libFuzzer harness for the option parser of estimate,
 * validate and batch (cli_parse in cli/opts.c, through the option table
 * machinery of cli/optable.c that every command uses).
 *
 * Input: one byte choosing the subcommand (its value modulo 3: estimate,
 * validate, batch), then the arguments separated by NUL bytes, e.g.
 * "\0--lists\0A,B\0--model\0[12,3]\0file.csv".  Each argument lives in an
 * allocation of its own size, so that a read past its end is caught; the
 * parser runs many times in one process, so state left from one parse
 * (getopt's) must not leak into the next.
 *
 * cli_parse never exits; it prints why it refuses an option on standard
 * error, which `make fuzz` closes (-close_fd_mask=2).
 *
 * Properties checked besides the sanitizers: the status is OK, USAGE or
 * INTERNAL (never INTERNAL here: memory does not run out); after OK the
 * input is one of the arguments and every value lies in its documented
 * range; cli_options_free releases everything (LeakSanitizer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void check_options(const cli_options *o, char **argv, int argc)
{
    int found = 0;
    for (int i = 1; i < argc; i++) {
        found |= (o->input == argv[i]);
    }
    FUZZ_CHECK(found);
    FUZZ_CHECK(o->level > 0.0 && o->level < 1.0);
    FUZZ_CHECK(o->threads >= 0 && o->threads <= 4096);
    FUZZ_CHECK(o->round_figures >= 0 && o->round_figures <= 15);
    FUZZ_CHECK(o->loglinear.pthresh > 0.0 && o->loglinear.pthresh < 1.0);
    FUZZ_CHECK(o->loglinear.bootstrap >= 2
               && o->loglinear.bootstrap <= 10000000);
    FUZZ_CHECK(o->lcm.classes >= 1 && o->lcm.classes <= 1000);
    FUZZ_CHECK(o->lcm.chains >= 1 && o->lcm.chains <= 1000);
    FUZZ_CHECK(o->lcm.temperatures >= 2 && o->lcm.temperatures <= 64);
    FUZZ_CHECK(o->lcm.beta_min > 0.0 && o->lcm.beta_min < 1.0);
    FUZZ_CHECK(o->dga.n0_hi == 0 || o->dga.n0_lo < o->dga.n0_hi);
    FUZZ_CHECK(!o->dga.prior_negbin
               || (o->dga.nb_a > 0.0 && o->dga.nb_b > 0.0));
    const cli_strings *all[] = {&o->methods, &o->lists, &o->strata,
                                &o->merge,   &o->omit,  &o->batch.sens_merge};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        for (size_t i = 0; i < all[k]->n; i++) {
            /* Split values are trimmed and never empty. */
            const char *s = all[k]->v[i];
            FUZZ_CHECK(s[0] != '\0' && s[0] != ' ');
            FUZZ_CHECK(s[strlen(s) - 1] != ' ');
            FUZZ_CHECK(strchr(s, ',') == NULL);
        }
    }
    vc_read_opts r;
    cli_read_opts(o, &r);
    FUZZ_CHECK(r.nlists == o->lists.n && r.nstrata == o->strata.n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const cmds[] = {"estimate", "validate", "batch"};
    if (size == 0) {
        return 0;
    }
    const char *cmd = cmds[data[0] % 3];
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = fuzz_strndup((const unsigned char *)cmd, strlen(cmd));
    size_t start = 1;
    for (size_t i = 1; i <= size && argc < MAX_ARGS; i++) {
        if (i == size || data[i] == 0) {
            argv[argc++] = fuzz_strndup(data + start, i - start);
            start = i + 1;
        }
    }
    argv[argc] = NULL;
    /* getopt_long permutes argv: keep the pointers to free them. */
    char *owned[MAX_ARGS];
    memcpy(owned, argv, (size_t)argc * sizeof *argv);

    cli_options o;
    cli_options_init(&o);
    int help = 0;
    int rc = cli_parse(argc, argv, cmd, &o, &help);
    FUZZ_CHECK(rc == CLI_EXIT_OK || rc == CLI_EXIT_USAGE);
    if (rc == CLI_EXIT_OK && !help) {
        check_options(&o, argv, argc);
    }
    cli_options_free(&o);
    for (int i = 0; i < argc; i++) {
        free(owned[i]);
    }
    return 0;
}
