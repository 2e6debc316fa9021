/*
 * dispatch.c: the victimcount command's subcommands, --help and
 * --version.  The work is in the library; this file only routes.  main()
 * is in main.c (and, for the MPI build, in mpi/main.c), so both binaries
 * share the routing.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
    fputs(
        "victimcount: how many people are there in all, seen and unseen,\n"
        "estimated from overlapping lists (multiple-systems estimation).\n"
        "\n"
        "Usage: victimcount COMMAND [OPTIONS] FILE\n"
        "\n"
        "Commands:\n"
        "  estimate   estimate the population size (victimcount estimate "
        "--help)\n"
        "  validate   check and describe an input file, estimate nothing\n"
        "  batch      every stratum with every method, results and an\n"
        "             HTML report in a directory (victimcount batch --help)\n"
        "  simulate   draw populations of known size, write them as input\n"
        "             (victimcount simulate --help)\n"
        "  encode     turn a list of people into keyed encodings that can\n"
        "             be linked without sharing names (victimcount encode\n"
        "             --help)\n"
        "  link       link several lists' encodings into an overlap table\n"
        "             (victimcount link --help)\n"
        "  serve      the intake service: offices submit files over HTTP\n"
        "             (victimcount serve --help)\n"
        "  admin      offices, tokens and the audit log of the service\n"
        "             (victimcount admin --help)\n"
        "\n"
        "  victimcount --version   print the version\n"
        "  victimcount --help      this help\n"
        "\n"
        "Input: a CSV file with one column per list (0/1, yes/no, x/empty)\n"
        "and either a count column (count, freq, n or Freq: how many people\n"
        "share that row's pattern) or one row per person.  Example:\n"
        "\n"
        "  IOM,NGO,Police,count\n"
        "  1,0,0,412\n"
        "  0,1,0,239\n"
        "  1,1,0,57\n"
        "  ...\n"
        "\n"
        "Exit status: 0 ok, 2 usage, 3 invalid data, 4 estimate does not\n"
        "exist, 5 output not written, 1 internal error.\n", f);
}

/* The commands: a new command is a line here, a cli_NAME function of its
 * own file, its option table (cli_opt, cli.h: its --help lines come from
 * it), a line in cli_command_optable and a line in usage(). */
static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"estimate", cli_estimate}, {"validate", cli_validate},
    {"batch", cli_batch},       {"simulate", cli_simulate},
    {"encode", cli_encode},     {"link", cli_link},
    {"serve", cli_serve},       {"admin", cli_admin},
};

int cli_command_optable(const char *cmd, cli_optable *t)
{
    if (strcmp(cmd, "estimate") == 0 || strcmp(cmd, "validate") == 0
        || strcmp(cmd, "batch") == 0) {
        cli_options_table(cmd, t);
    } else if (strcmp(cmd, "simulate") == 0) {
        cli_simulate_table(t);
    } else if (strcmp(cmd, "encode") == 0) {
        cli_encode_table(t);
    } else if (strcmp(cmd, "link") == 0) {
        cli_link_table(t);
    } else if (strcmp(cmd, "serve") == 0) {
        cli_serve_table(t);
    } else if (strncmp(cmd, "admin ", 6) == 0) {
        cli_admin_table(cmd + 6, t);
        return t->command != 0 ? 0 : -1;
    } else {
        return -1;
    }
    return 0;
}

int cli_main(int argc, char **argv)
{
    cli_json_alloc_init();
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0
        || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("victimcount %s\n", vc_version());
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    cli_error("unknown command \"%s\" (see victimcount --help)", cmd);
    return CLI_EXIT_USAGE;
}
