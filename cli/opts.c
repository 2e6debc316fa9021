/*
 * opts.c: option parsing shared by the subcommands, and the mapping from
 * library status codes to exit statuses.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "models/vc_models.h"

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
                cli_error("out of memory");
                return -1;
            }
            s->v = v;
            s->v[s->n] = malloc(len + 1);
            if (s->v[s->n] == NULL) {
                cli_error("out of memory");
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
    o->interval = CLI_INTERVAL_DEFAULT;
    o->seed = VC_LCM_DEFAULT_SEED;
    o->loglinear.select = CLI_SELECT_STEPWISE;
    o->loglinear.pthresh = 0.02;
    o->loglinear.bootstrap = 1000;
    o->lcm.classes = VC_LCM_DEFAULT_K;
    o->lcm.sampler = VC_LCM_DEFAULT_SAMPLER;
    o->lcm.temperatures = VC_LCM_DEFAULT_TEMPERATURES;
    o->lcm.beta_min = VC_LCM_DEFAULT_BETA_MIN;
    o->lcm.chains = VC_LCM_DEFAULT_CHAINS;
    o->lcm.iterations = VC_LCM_DEFAULT_ITERATIONS;
    o->lcm.burnin = VC_LCM_DEFAULT_BURNIN;
    o->lcm.thin = VC_LCM_DEFAULT_THIN;
}

void cli_options_free(cli_options *o)
{
    cli_strings_free(&o->methods);
    cli_strings_free(&o->lists);
    cli_strings_free(&o->strata);
    cli_strings_free(&o->merge);
    cli_strings_free(&o->omit);
    cli_strings_free(&o->batch.sens_merge);
}

/* One or more comma-separated --sensitivity kinds into o; returns
 * CLI_EXIT_OK or CLI_EXIT_USAGE after printing why. */
static int parse_sensitivity(const char *cmd, const char *arg,
                             cli_options *o)
{
    cli_strings kinds = {NULL, 0};
    if (cli_strings_add_csv(&kinds, arg) != 0) {
        cli_strings_free(&kinds);
        return CLI_EXIT_INTERNAL;
    }
    int rc = kinds.n > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    for (size_t i = 0; i < kinds.n && rc == CLI_EXIT_OK; i++) {
        const char *k = kinds.v[i];
        if (strcmp(k, "omit-each") == 0) {
            o->batch.sensitivity |= CLI_SENS_OMIT_EACH;
        } else if (strcmp(k, "merge-pairs") == 0) {
            o->batch.sensitivity |= CLI_SENS_MERGE_PAIRS;
        } else if (strncmp(k, "merge:", 6) == 0 && strchr(k + 6, '+') != NULL
                   && k[6] != '+' && k[strlen(k) - 1] != '+'
                   && strstr(k, "++") == NULL) {
            if (cli_strings_add_csv(&o->batch.sens_merge, k + 6) != 0) {
                rc = CLI_EXIT_INTERNAL;
            }
        } else {
            rc = CLI_EXIT_USAGE;
        }
    }
    if (rc == CLI_EXIT_USAGE) {
        cli_error("%s: --sensitivity takes omit-each, merge-pairs or "
                  "merge:A+B (two or more list names joined by +), "
                  "separated by commas, not \"%s\"", cmd, arg);
    }
    cli_strings_free(&kinds);
    return rc;
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
    OPT_ENCODING,
    OPT_LABEL,
    OPT_SEED,
    OPT_THREADS,
    OPT_MODEL,
    OPT_HETEROGENEITY,
    OPT_SELECT,
    OPT_PTHRESH,
    OPT_BOOTSTRAP,
    OPT_CLASSES,
    OPT_SAMPLER,
    OPT_TEMPERATURES,
    OPT_BETA_MIN,
    OPT_FIXED_LADDER,
    OPT_CHAINS,
    OPT_ITERATIONS,
    OPT_BURNIN,
    OPT_THIN,
    OPT_MAX_ITERATIONS,
    OPT_UNTIL_CONVERGED,
    OPT_DRAWS,
    OPT_DELTA,
    OPT_N0_GRID,
    OPT_PRIOR_N,
    OPT_DGA_MCMC,
    OPT_OUT,
    OPT_SENSITIVITY,
    OPT_RESUME
};

/* A whole number in [lo, hi]; returns 0 on success. */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
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

/* A finite number in (lo, hi) exclusive; returns 0 on success. */
static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > lo && v < hi)) {
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse(int argc, char **argv, const char *cmd, cli_options *o,
              int *help)
{
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'm'},
        {"methods", required_argument, NULL, 'm'},
        {"out", required_argument, NULL, OPT_OUT},
        {"sensitivity", required_argument, NULL, OPT_SENSITIVITY},
        {"resume", no_argument, NULL, OPT_RESUME},
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
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"label", required_argument, NULL, OPT_LABEL},
        {"seed", required_argument, NULL, OPT_SEED},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"model", required_argument, NULL, OPT_MODEL},
        {"heterogeneity", required_argument, NULL, OPT_HETEROGENEITY},
        {"select", required_argument, NULL, OPT_SELECT},
        {"pthresh", required_argument, NULL, OPT_PTHRESH},
        {"bootstrap", required_argument, NULL, OPT_BOOTSTRAP},
        {"classes", required_argument, NULL, OPT_CLASSES},
        {"sampler", required_argument, NULL, OPT_SAMPLER},
        {"temperatures", required_argument, NULL, OPT_TEMPERATURES},
        {"beta-min", required_argument, NULL, OPT_BETA_MIN},
        {"fixed-ladder", no_argument, NULL, OPT_FIXED_LADDER},
        {"chains", required_argument, NULL, OPT_CHAINS},
        {"iterations", required_argument, NULL, OPT_ITERATIONS},
        {"burnin", required_argument, NULL, OPT_BURNIN},
        {"thin", required_argument, NULL, OPT_THIN},
        {"max-iterations", required_argument, NULL, OPT_MAX_ITERATIONS},
        {"until-converged", no_argument, NULL, OPT_UNTIL_CONVERGED},
        {"draws", required_argument, NULL, OPT_DRAWS},
        {"delta", required_argument, NULL, OPT_DELTA},
        {"n0-grid", required_argument, NULL, OPT_N0_GRID},
        {"prior-n", required_argument, NULL, OPT_PRIOR_N},
        {"dga-mcmc", no_argument, NULL, OPT_DGA_MCMC},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *help = 0;
    /* 0, not 1: glibc's getopt then forgets where it was inside a group
     * of short options ("-hq") that an earlier parse left unfinished; with
     * 1 it would go on reading that earlier argv. */
    optind = 0;
    opterr = 0;
    int c, li = -1;
    while ((c = getopt_long(argc, argv, ":m:f:o:qh", longopts, &li)) != -1) {
        char *end = NULL;
        /* The option by its long name: argv[optind - 1] is its value when
         * the value is a word of its own ("--bootstrap 1"). */
        char name[32];
        snprintf(name, sizeof name, "--%s", li >= 0 ? longopts[li].name : "");
        li = -1;
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
                o->interval = CLI_INTERVAL_LOGNORMAL;
            } else if (strcmp(optarg, "wald") == 0) {
                o->interval = CLI_INTERVAL_WALD;
            } else if (strcmp(optarg, "profile") == 0) {
                o->interval = CLI_INTERVAL_PROFILE;
            } else if (strcmp(optarg, "bootstrap") == 0) {
                o->interval = CLI_INTERVAL_BOOTSTRAP;
            } else {
                cli_error("%s: --interval must be lognormal, wald, profile "
                          "or bootstrap, not \"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_SEED:
            if (parse_u64(optarg, 0, UINT64_MAX, &o->seed) != 0) {
                cli_error("%s: --seed takes a whole number >= 0, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_THREADS: {
            uint64_t v;
            if (parse_u64(optarg, 1, 4096, &v) != 0) {
                cli_error("%s: --threads takes a number from 1 to 4096, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            o->threads = (int)v;
            break;
        }
        case OPT_MODEL:
            o->loglinear.model = optarg;
            break;
        case OPT_HETEROGENEITY:
            o->loglinear.heterogeneity = optarg;
            break;
        case OPT_SELECT:
            if (strcmp(optarg, "stepwise") == 0) {
                o->loglinear.select = CLI_SELECT_STEPWISE;
            } else if (strcmp(optarg, "aic") == 0) {
                o->loglinear.select = CLI_SELECT_AIC;
            } else if (strcmp(optarg, "bic") == 0) {
                o->loglinear.select = CLI_SELECT_BIC;
            } else {
                cli_error("%s: --select must be stepwise, aic or bic, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_PTHRESH:
            if (parse_double(optarg, 0.0, 1.0, &o->loglinear.pthresh) != 0) {
                cli_error("%s: --pthresh must lie between 0 and 1, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_SAMPLER:
            if (strcmp(optarg, "gibbs") == 0) {
                o->lcm.sampler = VC_LCM_SAMPLER_GIBBS;
            } else if (strcmp(optarg, "tempering") == 0) {
                o->lcm.sampler = VC_LCM_SAMPLER_TEMPERING;
            } else if (strcmp(optarg, "splitmerge") == 0) {
                /* retired: the library says why and what replaces it */
                vc_lcm_opts lo;
                vc_error e;
                vc_lcm_opts_default(&lo);
                lo.sampler = VC_LCM_SAMPLER_SPLITMERGE;
                vc_error_clear(&e);
                vc_lcm_opts_check(&lo, NULL, &e);
                cli_error("%s: --sampler splitmerge: %s; use --sampler "
                          "hybrid", cmd, e.msg);
                return CLI_EXIT_USAGE;
            } else if (strcmp(optarg, "tempering-splitmerge") == 0) {
                o->lcm.sampler = VC_LCM_SAMPLER_TEMPERING_SPLITMERGE;
            } else if (strcmp(optarg, "hybrid") == 0) {
                o->lcm.sampler = VC_LCM_SAMPLER_HYBRID;
            } else {
                cli_error("%s: --sampler takes hybrid, gibbs, tempering "
                          "or tempering-splitmerge, not \"%s\"", cmd,
                          optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_TEMPERATURES: {
            uint64_t v;
            if (parse_u64(optarg, 2, 64, &v) != 0) {
                cli_error("%s: --temperatures takes a whole number from 2 "
                          "to 64, not \"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            o->lcm.temperatures = (size_t)v;
            break;
        }
        case OPT_BETA_MIN:
            if (parse_double(optarg, 0.0, 1.0, &o->lcm.beta_min) != 0) {
                cli_error("%s: --beta-min must lie strictly between 0 and 1, "
                          "not \"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_FIXED_LADDER:
            o->lcm.fixed_ladder = 1;
            break;
        case OPT_BOOTSTRAP:
        case OPT_CLASSES:
        case OPT_CHAINS: {
            uint64_t v;
            uint64_t lo = (c == OPT_BOOTSTRAP) ? 2 : 1;
            uint64_t hi = (c == OPT_BOOTSTRAP) ? 10000000 : 1000;
            if (parse_u64(optarg, lo, hi, &v) != 0) {
                cli_error("%s: %s takes a whole number from %llu to %llu, "
                          "not \"%s\"", cmd, name,
                          (unsigned long long)lo, (unsigned long long)hi,
                          optarg);
                return CLI_EXIT_USAGE;
            }
            if (c == OPT_BOOTSTRAP) {
                o->loglinear.bootstrap = (size_t)v;
            } else if (c == OPT_CLASSES) {
                o->lcm.classes = (size_t)v;
            } else {
                o->lcm.chains = (size_t)v;
            }
            break;
        }
        case OPT_ITERATIONS:
        case OPT_BURNIN:
        case OPT_THIN:
        case OPT_MAX_ITERATIONS: {
            uint64_t v;
            uint64_t lo = (c == OPT_BURNIN) ? 0 : 1;
            if (parse_u64(optarg, lo, UINT64_C(1) << 40, &v) != 0) {
                cli_error("%s: %s takes a whole number >= %llu, not \"%s\"",
                          cmd, name, (unsigned long long)lo,
                          optarg);
                return CLI_EXIT_USAGE;
            }
            if (c == OPT_ITERATIONS) {
                o->lcm.iterations = v;
            } else if (c == OPT_BURNIN) {
                o->lcm.burnin = v;
            } else if (c == OPT_THIN) {
                o->lcm.thin = v;
            } else {
                o->lcm.max_iterations = v;
            }
            break;
        }
        case OPT_UNTIL_CONVERGED:
            o->lcm.until_converged = 1;
            break;
        case OPT_DGA_MCMC:
            o->dga.mcmc = 1;
            break;
        case OPT_DRAWS:
            o->lcm.draws = optarg;
            break;
        case OPT_DELTA:
            if (parse_double(optarg, 0.0, 1e6, &o->dga.delta) != 0) {
                cli_error("%s: --delta must be a positive number, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_N0_GRID: {
            char lo_s[32], hi_s[32];
            const char *colon = strchr(optarg, ':');
            size_t ll = colon ? (size_t)(colon - optarg) : 0;
            if (colon == NULL || ll == 0 || ll >= sizeof lo_s
                || strlen(colon + 1) >= sizeof hi_s) {
                cli_error("%s: --n0-grid takes LO:HI, e.g. 0:110000, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            memcpy(lo_s, optarg, ll);
            lo_s[ll] = '\0';
            strcpy(hi_s, colon + 1);
            if (parse_u64(lo_s, 0, UINT64_C(1) << 40, &o->dga.n0_lo) != 0
                || parse_u64(hi_s, 1, UINT64_C(1) << 40, &o->dga.n0_hi) != 0
                || o->dga.n0_hi <= o->dga.n0_lo) {
                cli_error("%s: --n0-grid takes LO:HI with 0 <= LO < HI, not "
                          "\"%s\"", cmd, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        }
        case OPT_PRIOR_N: {
            if (strcmp(optarg, "1/N") == 0 || strcmp(optarg, "inverse") == 0) {
                o->dga.prior_negbin = 0;
                break;
            }
            end = NULL;
            if (strncmp(optarg, "negbin:", 7) == 0) {
                errno = 0;
                o->dga.nb_a = strtod(optarg + 7, &end);
                if (errno == 0 && end != optarg + 7 && *end == ',') {
                    const char *b = end + 1;
                    o->dga.nb_b = strtod(b, &end);
                    if (errno == 0 && end != b && *end == '\0'
                        && o->dga.nb_a > 0.0 && o->dga.nb_b > 0.0
                        && isfinite(o->dga.nb_a) && isfinite(o->dga.nb_b)) {
                        o->dga.prior_negbin = 1;
                        break;
                    }
                }
            }
            cli_error("%s: --prior-n takes 1/N or negbin:A,B with A, B > 0 "
                      "(gamma shape A, scale B), not \"%s\"", cmd, optarg);
            return CLI_EXIT_USAGE;
        }
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
        case OPT_ENCODING:
            o->encoding = optarg;
            break;
        case OPT_OUT:
        case OPT_SENSITIVITY:
        case OPT_RESUME:
            if (strcmp(cmd, "batch") != 0) {
                cli_error("%s: %s is an option of victimcount batch", cmd,
                          name);
                return CLI_EXIT_USAGE;
            }
            if (c == OPT_OUT) {
                o->batch.out_dir = optarg;
            } else if (c == OPT_RESUME) {
                o->batch.resume = 1;
            } else {
                int src = parse_sensitivity(cmd, optarg, o);
                if (src != CLI_EXIT_OK) {
                    return src;
                }
            }
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
            /* optopt 0: an unknown long option, argv[optind - 1].  A known
             * option without a value ('q', 'h', OPT_*) given one with '=':
             * argv[optind - 1] too.  Any other optopt is an unknown short
             * option, maybe inside a group ("-zq"), where argv[optind - 1]
             * can be an earlier argument. */
            if (optopt == 0) {
                cli_error("%s: unknown option %s (see victimcount %s "
                          "--help)", cmd, argv[optind - 1], cmd);
            } else if (optopt == 'q' || optopt == 'h'
                       || optopt >= OPT_LEVEL) {
                cli_error("%s: option %s takes no value (see victimcount "
                          "%s --help)", cmd, argv[optind - 1], cmd);
            } else if (optopt > ' ' && optopt < 0x7f) {
                cli_error("%s: unknown option -%c (see victimcount %s "
                          "--help)", cmd, optopt, cmd);
            } else {
                cli_error("%s: unknown option: byte 0x%02x after '-' (see "
                          "victimcount %s --help)", cmd,
                          (unsigned)optopt & 0xffu, cmd);
            }
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
    r->encoding = o->encoding;
}

/* name as one shell word: as it is when it is plain, else in single
 * quotes (each ' written '\''). */
static void shell_word(const char *name, char *out, size_t size)
{
    int plain = name[0] != '\0';
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x80 && !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z')
            && !(*p >= '0' && *p <= '9') && strchr("_-.+/:@%", *p) == NULL) {
            plain = 0;
        }
    }
    if (plain) {
        snprintf(out, size, "%s", name);
        return;
    }
    size_t k = 0;
    out[k++] = '\'';
    for (const char *p = name; *p != '\0' && k + 6 < size; p++) {
        if (*p == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else {
            out[k++] = *p;
        }
    }
    out[k++] = '\'';
    out[k] = '\0';
}

/* The library's advice on a refused file, worded as this tool's options
 * (the library never names them), into buf. */
void cli_word_read_error(const vc_error *err, const vc_read_advice *a,
                         char *buf, size_t size)
{
    char word[2 * VC_ERROR_SIZE + 8];
    int typable = 1; /* a name with a line break cannot be an option */
    for (const unsigned char *p = (const unsigned char *)a->column; *p; p++) {
        typable = typable && *p >= 0x20 && *p != 0x7f;
    }
    switch (a->kind) {
    case VC_ADVICE_COLUMN:
        if (!typable) {
            snprintf(buf, size, "%s; name the column with --count or "
                     "--strata, or remove it from the file", err->msg);
            break;
        }
        shell_word(a->column, word, sizeof word);
        if (a->may_be_count) {
            snprintf(buf, size, "%s; if \"%s\" gives the number of people "
                     "with each row's pattern, name it with --count %s; if "
                     "it is a stratum, with --strata %s; else remove the "
                     "column from the file",
                     err->msg, a->column, word, word);
        } else {
            snprintf(buf, size, "%s; if \"%s\" is a stratum, name it with "
                     "--strata %s; else remove the column from the file",
                     err->msg, a->column, word);
        }
        break;
    case VC_ADVICE_ENCODING:
        snprintf(buf, size, "%s; name the encoding with --encoding NAME "
                 "(cp1251, koi8-r, latin1, utf-16le, ...: iconv -l lists "
                 "every name)", err->msg);
        break;
    case VC_ADVICE_ENCODING_NAME:
        snprintf(buf, size, "%s; iconv -l lists every name --encoding "
                 "takes", err->msg);
        break;
    default:
        snprintf(buf, size, "%s", err->msg);
        break;
    }
}

static void print_read_error(const vc_error *err, const vc_read_advice *a)
{
    char buf[4 * VC_ERROR_SIZE + 256];
    cli_word_read_error(err, a, buf, sizeof buf);
    cli_error("%s", buf);
}

vc_dataset *cli_read_dataset(const cli_options *o, int *rc)
{
    vc_read_opts ro;
    vc_read_advice advice;
    cli_read_opts(o, &ro);
    ro.advice = &advice;
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_read(o->input, &ro, &err);
    if (d == NULL) {
        print_read_error(&err, &advice);
        *rc = cli_exit_for_status(err.code);
        return NULL;
    }
    *rc = CLI_EXIT_OK;
    return d;
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

int cli_start(int argc, char **argv, const char *cmd, void (*help)(FILE *),
              cli_options *o, int *done)
{
    cli_options_init(o);
    int wants_help = 0;
    int rc = cli_parse(argc, argv, cmd, o, &wants_help);
    *done = wants_help || rc != CLI_EXIT_OK;
    if (wants_help) {
        help(stdout);
        rc = CLI_EXIT_OK;
    }
    if (*done) {
        cli_options_free(o);
    }
    return rc;
}
