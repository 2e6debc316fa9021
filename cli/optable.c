/*
 * optable.c: a command's options as a table (cli_opt, cli.h), parsed by
 * one loop over getopt_long.  Each entry says the option's names, the
 * kind of value it takes and its range, the field it sets (an offset into
 * the command's own options struct) and which commands accept it; so the
 * checks, and the words of a refusal, are written once for every
 * command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The long rows getopt_long gets: an entry and its alias. */
#define CLI_OPT_MAX_ROWS 96

/* A whole number in [lo, hi]; returns 0 on success.  Refuses a sign,
 * which strtoull would wrap round. */
int cli_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (*s == '-' || *s == '\0') {
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* A number in (lo, hi), or (lo, hi] when hi_closed; returns 0 on
 * success.  NaN lies in no range. */
static int parse_real(const char *s, double lo, double hi, int hi_closed,
                      double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > lo)
        || !(hi_closed ? v <= hi : v < hi)) {
        return -1;
    }
    *out = v;
    return 0;
}

static int has_value(const cli_opt *e)
{
    return e->kind != CLI_OPT_FLAG && e->kind != CLI_OPT_HELP;
}

/* "takes a whole number from LO to HI" (or ">= LO" when HI is no real
 * limit), into buf. */
static const char *whole_words(const cli_opt *e, char *buf, size_t size)
{
    if (e->whole.hi >= CLI_OPT_NO_LIMIT) {
        snprintf(buf, size, "takes a whole number >= %llu",
                 (unsigned long long)e->whole.lo);
    } else {
        snprintf(buf, size, "takes a whole number from %llu to %llu",
                 (unsigned long long)e->whole.lo,
                 (unsigned long long)e->whole.hi);
    }
    return buf;
}

/* "must be a, b or c": e->takes and the names of the choices, an alias
 * (a name whose value an earlier name has) left out. */
static const char *choice_words(const cli_opt *e, char *buf, size_t size)
{
    const char *names[32];
    size_t n = 0;
    for (const cli_choice *c = e->choices; c->name != NULL && n < 32; c++) {
        int alias = 0;
        for (const cli_choice *d = e->choices; d != c; d++) {
            alias |= d->value == c->value;
        }
        if (!alias) {
            names[n++] = c->name;
        }
    }
    size_t k = (size_t)snprintf(buf, size, "%s", e->takes);
    for (size_t i = 0; i < n && k < size; i++) {
        const char *sep = i == 0 ? " " : i + 1 == n ? " or " : ", ";
        k += (size_t)snprintf(buf + k, size - k, "%s%s", sep, names[i]);
    }
    return buf;
}

/* "victimcount batch" or "victimcount estimate or batch": the commands
 * that accept e, into buf. */
static const char *accepting(const cli_opt *e, const cli_optable *t,
                             char *buf, size_t size)
{
    size_t k = (size_t)snprintf(buf, size, "victimcount");
    size_t n = 0, total = 0;
    for (unsigned b = 0; t->command_names[b] != NULL; b++) {
        total += (e->commands >> b) & 1u;
    }
    for (unsigned b = 0; t->command_names[b] != NULL && k < size; b++) {
        if ((e->commands >> b) & 1u) {
            const char *sep = n == 0 ? " " : n + 1 == total ? " or " : ", ";
            k += (size_t)snprintf(buf + k, size - k, "%s%s", sep,
                                  t->command_names[b]);
            n++;
        }
    }
    return buf;
}

/* Set e's field in dest from arg; CLI_EXIT_*, after printing why not. */
static int set_value(const cli_opt *e, const char *name, const char *arg,
                     const cli_optable *t, void *dest)
{
    void *field = (char *)dest + e->field;
    const char *takes = e->takes;
    char words[512];
    uint64_t v = 0;
    int ok = 1;
    switch (e->kind) {
    case CLI_OPT_FLAG:
        *(int *)field = 1;
        return CLI_EXIT_OK;
    case CLI_OPT_HELP:
        return CLI_EXIT_OK;
    case CLI_OPT_STRING:
        *(const char **)field = arg;
        return CLI_EXIT_OK;
    case CLI_OPT_LIST:
        return cli_strings_add_csv(field, arg) == 0 ? CLI_EXIT_OK
                                                    : CLI_EXIT_INTERNAL;
    case CLI_OPT_U64:
    case CLI_OPT_SIZE:
    case CLI_OPT_INT:
    case CLI_OPT_UNSIGNED:
        ok = cli_parse_u64(arg, e->whole.lo, e->whole.hi, &v) == 0;
        if (ok && e->kind == CLI_OPT_U64) {
            *(uint64_t *)field = v;
        } else if (ok && e->kind == CLI_OPT_SIZE) {
            *(size_t *)field = (size_t)v;
        } else if (ok && e->kind == CLI_OPT_INT) {
            *(int *)field = (int)v;
        } else if (ok) {
            *(unsigned *)field = (unsigned)v;
        }
        if (!ok && takes == NULL) {
            takes = whole_words(e, words, sizeof words);
        }
        break;
    case CLI_OPT_REAL:
        ok = parse_real(arg, e->real.lo, e->real.hi, e->real.hi_closed,
                        field) == 0;
        break;
    case CLI_OPT_CHOICE:
        ok = 0;
        for (const cli_choice *c = e->choices; c->name != NULL; c++) {
            if (strcmp(arg, c->name) == 0) {
                *(int *)field = c->value;
                ok = 1;
                break;
            }
        }
        if (!ok) {
            takes = choice_words(e, words, sizeof words);
        }
        break;
    case CLI_OPT_CUSTOM: {
        int rc = e->parse(arg, field, &takes);
        if (rc == CLI_EXIT_INTERNAL || (rc == CLI_EXIT_USAGE
                                        && takes == NULL)) {
            return rc; /* out of memory, or refused in words of its own */
        }
        ok = rc == CLI_EXIT_OK;
        break;
    }
    }
    if (!ok) {
        cli_error("%s: %s %s, not \"%s\"", t->cmd, name, takes, arg);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* Why getopt_long refused argv[optind - 1] (or a short option inside a
 * group); c is what it returned. */
static void refusal(int c, int argc, char **argv, const cli_optable *t)
{
    (void)argc;
    if (c == ':') {
        cli_error("%s: option %s needs a value (see victimcount %s --help)",
                  t->cmd, argv[optind - 1], t->help_cmd);
    } else if (optopt == 0) {
        /* an unknown (or ambiguous) long option, argv[optind - 1] */
        cli_error("%s: unknown option %s (see victimcount %s --help)",
                  t->cmd, argv[optind - 1], t->help_cmd);
    } else if (optopt >= 256) {
        /* a known long option without a value given one with '=' */
        cli_error("%s: option %s takes no value (see victimcount %s "
                  "--help)", t->cmd, argv[optind - 1], t->help_cmd);
    } else if (optopt > ' ' && optopt < 0x7f) {
        /* an unknown short option, maybe inside a group ("-zq"), where
         * argv[optind - 1] can be an earlier argument */
        cli_error("%s: unknown option -%c (see victimcount %s --help)",
                  t->cmd, optopt, t->help_cmd);
    } else {
        cli_error("%s: unknown option: byte 0x%02x after '-' (see "
                  "victimcount %s --help)", t->cmd,
                  (unsigned)optopt & 0xffu, t->help_cmd);
    }
}

int cli_opt_parse(int argc, char **argv, const cli_optable *t, void *dest,
                  int *help)
{
    struct option longs[CLI_OPT_MAX_ROWS + 1];
    char shorts[2 * CLI_OPT_MAX_ROWS + 2];
    size_t nl = 0, ns = 0;
    shorts[ns++] = ':';
    for (size_t i = 0; i < t->n; i++) {
        const cli_opt *e = &t->opts[i];
        const char *names[2] = {e->name, e->alias};
        for (size_t k = 0; k < 2 && names[k] != NULL; k++) {
            if (nl == CLI_OPT_MAX_ROWS) {
                cli_error("%s: internal error: too many options", t->cmd);
                return CLI_EXIT_INTERNAL;
            }
            /* An entry and its alias share a value, so that getopt_long
             * takes a prefix of both ("--meth") as the one option. */
            longs[nl].name = names[k];
            longs[nl].has_arg = has_value(e) ? required_argument
                                             : no_argument;
            longs[nl].flag = NULL;
            longs[nl].val = 256 + (int)i;
            nl++;
        }
        if (e->short_name != 0) {
            shorts[ns++] = e->short_name;
            if (has_value(e)) {
                shorts[ns++] = ':';
            }
        }
    }
    memset(&longs[nl], 0, sizeof longs[nl]);
    shorts[ns] = '\0';
    *help = 0;
    /* 0, not 1: glibc's getopt then forgets where it was inside a group
     * of short options ("-hq") that an earlier parse left unfinished; with
     * 1 it would go on reading that earlier argv. */
    optind = 0;
    opterr = 0;
    int c, li = -1;
    while ((c = getopt_long(argc, argv, shorts, longs, &li)) != -1) {
        const cli_opt *e = NULL;
        if (c >= 256) {
            e = &t->opts[c - 256];
        } else {
            for (size_t i = 0; i < t->n && c != '?' && c != ':'; i++) {
                if (t->opts[i].short_name == c) {
                    e = &t->opts[i];
                }
            }
        }
        if (e == NULL) {
            refusal(c, argc, argv, t);
            return CLI_EXIT_USAGE;
        }
        /* The option by the long name given (an alias is its own name),
         * whether it was given long or short. */
        char name[64];
        snprintf(name, sizeof name, "--%s",
                 c >= 256 && li >= 0 ? longs[li].name : e->name);
        li = -1;
        if (e->kind == CLI_OPT_HELP) {
            *help = 1;
            return CLI_EXIT_OK;
        }
        if (e->commands != 0 && (e->commands & t->command) == 0) {
            char who[256];
            cli_error("%s: %s is an option of %s", t->cmd, name,
                      accepting(e, t, who, sizeof who));
            return CLI_EXIT_USAGE;
        }
        const char *why = e->retired && optarg ? e->retired(optarg) : NULL;
        if (why != NULL) {
            cli_error("%s: %s %s: %s", t->cmd, name, optarg, why);
            return CLI_EXIT_USAGE;
        }
        int rc = set_value(e, name, optarg, t, dest);
        if (rc != CLI_EXIT_OK) {
            return rc;
        }
    }
    return CLI_EXIT_OK;
}

/* --help's layout: descriptions start in this column and wrap before
 * this width. */
#define HELP_COLUMN 25
#define HELP_WIDTH 78

/* Write text's words from column col (where the cursor stands), wrapped
 * at HELP_WIDTH, each further line indented to HELP_COLUMN. */
static void help_wrap(FILE *f, const char *text, size_t col)
{
    size_t start = col;
    for (const char *p = text; *p != '\0';) {
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t n = strcspn(p, " ");
        if (col > start && col + 1 + n > HELP_WIDTH) {
            fprintf(f, "\n%*s", HELP_COLUMN, "");
            col = start = HELP_COLUMN;
        } else if (col > start) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, n, f);
        col += n;
        p += n;
    }
    fputc('\n', f);
}

void cli_opt_help(FILE *f, const cli_optable *t, const char *section,
                  const cli_opt_words *own)
{
    for (size_t i = 0; i < t->n; i++) {
        const cli_opt *e = &t->opts[i];
        int here = section == NULL ? e->section == NULL
                                   : e->section != NULL
                                         && strcmp(section, e->section) == 0;
        if (!here || (e->commands != 0 && (e->commands & t->command) == 0)) {
            continue;
        }
        const char *help = e->help, *dflt = e->dflt;
        for (const cli_opt_words *w = own; w != NULL && w->name != NULL;
             w++) {
            if (strcmp(w->name, e->name) == 0) {
                help = w->help;
                dflt = w->dflt;
            }
        }
        char head[128], text[2048];
        int k = snprintf(head, sizeof head, "  %s%c%s--%s%s%s",
                         e->short_name ? "-" : " ",
                         e->short_name ? e->short_name : ' ',
                         e->short_name ? ", " : "  ", e->name,
                         e->arg ? " " : "", e->arg ? e->arg : "");
        size_t m = (size_t)snprintf(text, sizeof text, "%s",
                                    help ? help : "");
        if (e->alias != NULL && m < sizeof text) {
            m += (size_t)snprintf(text + m, sizeof text - m,
                                  " (or --%s)", e->alias);
        }
        if (dflt != NULL && m < sizeof text) {
            snprintf(text + m, sizeof text - m, " (default: %s)", dflt);
        }
        fputs(head, f);
        if (k + 1 > HELP_COLUMN) {
            fprintf(f, "\n%*s", HELP_COLUMN, "");
        } else {
            fprintf(f, "%*s", HELP_COLUMN - k, "");
        }
        help_wrap(f, text, HELP_COLUMN);
    }
}
