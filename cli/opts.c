/*
 * opts.c: option parsing shared by the subcommands, and the mapping from
 * library status codes to exit statuses.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("victimcount: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_strings_add_csv(cli_strings *s, const char *csv)
{
    const char *p = csv;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        /* trim spaces so "--lists IOM, NGO" works */
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ') {
            len--;
        }
        if (len > 0) {
            char **v = realloc(s->v, (s->n + 1) * sizeof *v);
            if (v == NULL) {
                return -1;
            }
            s->v = v;
            s->v[s->n] = malloc(len + 1);
            if (s->v[s->n] == NULL) {
                return -1;
            }
            memcpy(s->v[s->n], p, len);
            s->v[s->n][len] = '\0';
            s->n++;
        }
        if (end == NULL) {
            return 0;
        }
        p = end + 1;
    }
}

void cli_strings_free(cli_strings *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

void cli_options_init(cli_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = CLI_TEXT;
    o->level = 0.95;
    o->interval = VC_INTERVAL_LOGNORMAL;
}

void cli_options_free(cli_options *o)
{
    cli_strings_free(&o->methods);
    cli_strings_free(&o->lists);
    cli_strings_free(&o->strata);
    cli_strings_free(&o->merge);
    cli_strings_free(&o->omit);
}

enum {
    OPT_LEVEL = 256,
    OPT_INTERVAL,
    OPT_ROUND,
    OPT_STRATA,
    OPT_LISTS,
    OPT_MERGE,
    OPT_OMIT,
    OPT_COUNT,
    OPT_LABEL
};

int cli_parse(int argc, char **argv, const char *cmd, cli_options *o,
              int *help)
{
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"level", required_argument, NULL, OPT_LEVEL},
        {"interval", required_argument, NULL, OPT_INTERVAL},
        {"round", required_argument, NULL, OPT_ROUND},
        {"strata", required_argument, NULL, OPT_STRATA},
        {"lists", required_argument, NULL, OPT_LISTS},
        {"merge", required_argument, NULL, OPT_MERGE},
        {"omit", required_argument, NULL, OPT_OMIT},
        {"count", required_argument, NULL, OPT_COUNT},
        {"label", required_argument, NULL, OPT_LABEL},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *help = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":m:f:o:qh", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'm':
            if (cli_strings_add_csv(&o->methods, optarg) != 0) {
                return CLI_EXIT_INTERNAL;
            }
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                o->format = CLI_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                o->format = CLI_JSON;
            } else if (strcmp(optarg, "csv") == 0) {
                o->format = CLI_CSV;
            } else {
                cli_error("%s: --format must be text, json or csv, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'o':
            o->output = optarg;
            break;
        case OPT_LEVEL:
            errno = 0;
            o->level = strtod(optarg, &end);
            if (errno != 0 || end == optarg || *end != '\0'
                || !(o->level > 0.0 && o->level < 1.0)) {
                cli_error("%s: --level must be a number between 0 and 1 "
                          "(e.g. 0.95), not \"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_INTERVAL:
            if (strcmp(optarg, "lognormal") == 0
                || strcmp(optarg, "log-normal") == 0) {
                o->interval = VC_INTERVAL_LOGNORMAL;
            } else if (strcmp(optarg, "wald") == 0) {
                o->interval = VC_INTERVAL_WALD;
            } else {
                cli_error("%s: --interval must be lognormal or wald, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_ROUND: {
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || v < 1
                || v > 15) {
                cli_error("%s: --round takes a number of significant "
                          "figures from 1 to 15, not \"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            o->round_figures = (int)v;
            break;
        }
        case OPT_STRATA:
        case OPT_LISTS:
        case OPT_MERGE:
        case OPT_OMIT: {
            cli_strings *s = (c == OPT_STRATA) ? &o->strata
                             : (c == OPT_LISTS) ? &o->lists
                             : (c == OPT_MERGE) ? &o->merge
                                                : &o->omit;
            if (cli_strings_add_csv(s, optarg) != 0) {
                return CLI_EXIT_INTERNAL;
            }
            break;
        }
        case OPT_COUNT:
            o->count_column = optarg;
            break;
        case OPT_LABEL:
            o->label = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            *help = 1;
            return CLI_EXIT_OK;
        case ':':
            cli_error("%s: option %s needs a value (see victimcount %s "
                      "--help)", cmd, argv[optind - 1], cmd);
            return CLI_EXIT_USAGE;
        default:
            cli_error("%s: unknown option %s (see victimcount %s --help)",
                      cmd, argv[optind - 1], cmd);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        cli_error("%s: expected exactly one input FILE, got %d (see "
                  "victimcount %s --help)", cmd, argc - optind, cmd);
        return CLI_EXIT_USAGE;
    }
    o->input = argv[optind];
    return CLI_EXIT_OK;
}

void cli_read_opts(const cli_options *o, vc_read_opts *r)
{
    memset(r, 0, sizeof *r);
    r->count_column = o->count_column;
    r->lists = (const char *const *)o->lists.v;
    r->nlists = o->lists.n;
    r->strata = (const char *const *)o->strata.v;
    r->nstrata = o->strata.n;
    r->merge = (const char *const *)o->merge.v;
    r->nmerge = o->merge.n;
    r->omit = (const char *const *)o->omit.v;
    r->nomit = o->omit.n;
}

int cli_exit_for_status(int status)
{
    switch (status) {
    case VC_OK:
        return CLI_EXIT_OK;
    case VC_EINVAL:
        return CLI_EXIT_USAGE;
    case VC_EIO:
    case VC_EDATA:
        return CLI_EXIT_DATA;
    case VC_EUNDEFINED:
    case VC_ENOMLE:
    case VC_ENOTIDENT:
    case VC_ENOTCONV:
        return CLI_EXIT_NOEST;
    default:
        return CLI_EXIT_INTERNAL;
    }
}
