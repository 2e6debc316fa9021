/*
 * simulate.c: `victimcount simulate`: draw closed populations of known
 * size with the sim module and write them in the input format, with a
 * truth file giving each stratum's N.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "models/vc_models.h"
#include "sim/vc_sim.h"

void cli_simulate_help(FILE *f)
{
    fputs(
        "Usage: victimcount simulate [OPTIONS]\n"
        "\n"
        "Draw closed populations of known size N and write what the lists\n"
        "saw as a CSV in the input format of `estimate` and `batch`, plus a\n"
        "truth file with each stratum's N.  Person i is caught by list j\n"
        "with probability logistic(logit(p_j) + c_k + eta_i): p_j the list's\n"
        "capture probability, c_k the log-odds shift of the person's latent\n"
        "class, eta_i ~ N(0, sd^2) a personal propensity; then referrals\n"
        "put some people of one list on another.  The same seed gives the\n"
        "same file; each stratum draws from its own stream, keyed by its\n"
        "label, so adding strata never changes the others.\n"
        "\n"
        "Options:\n", f);
    cli_optable t;
    cli_simulate_table(&t);
    cli_opt_help(f, &t, NULL, NULL);
    fputs(
        "\n"
        "Example:\n"
        "  victimcount simulate --lists IOM,NGO,Police --capture\n"
        "      0.08,0.06,0.05 --strata country,year --stratum Tajikistan,2005:\n"
        "      1500 --referral NGO>Police:0.3 -o sim.csv --truth truth.csv\n",
        f);
}

typedef struct {
    char *keys;   /* "Kazakhstan,2003" as given */
    uint64_t N;
    double odds;
} sim_stratum;

/* Parse "a,b,c" doubles into v (at most max); returns the count or -1. */
static int parse_doubles(const char *s, double *v, size_t max)
{
    size_t n = 0;
    const char *p = s;
    for (;;) {
        char *end = NULL;
        errno = 0;
        double x = strtod(p, &end);
        if (errno != 0 || end == p || n >= max || !isfinite(x)) {
            return -1;
        }
        v[n++] = x;
        if (*end == '\0') {
            return (int)n;
        }
        if (*end != ',') {
            return -1;
        }
        p = end + 1;
    }
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (*s == '-' || *s == '\0') {
        return -1;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || (*end != '\0' && *end != ':') || v > (1ull << 40)) {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

static long find_list(const cli_strings *lists, const char *name, size_t len)
{
    for (size_t j = 0; j < lists->n; j++) {
        if (strlen(lists->v[j]) == len
            && strncmp(lists->v[j], name, len) == 0) {
            return (long)j;
        }
    }
    return -1;
}

/* RFC 4180 field. */
static void put_field(FILE *f, const char *s, size_t len)
{
    int quote = 0;
    for (size_t i = 0; i < len; i++) {
        if (strchr(",\"\r\n", s[i]) != NULL) {
            quote = 1;
        }
    }
    if (quote) {
        fputc('"', f);
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            fputc('"', f);
        }
        fputc(s[i], f);
    }
    if (quote) {
        fputc('"', f);
    }
}

/* Write the stratum keys "a,b" as CSV fields followed by a comma. */
static void put_keys(FILE *f, const char *keys)
{
    if (keys == NULL) {
        return;
    }
    const char *p = keys;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        put_field(f, p, len);
        fputc(',', f);
        if (comma == NULL) {
            return;
        }
        p = comma + 1;
    }
}

/* The stratum label as vc_table_set_stratum forms it: keys joined by
 * spaces, so a stratum's stream id is the same here and in `batch`. */
static void stratum_label(const char *keys, char *buf, size_t size)
{
    snprintf(buf, size, "%s", keys ? keys : "");
    for (char *p = buf; *p; p++) {
        if (*p == ',') {
            *p = ' ';
        }
    }
}

/* --people: the person-level lists being written, one memory stream per
 * list and one for the truth. */
typedef struct {
    size_t J;
    FILE *f[VC_SIM_MAX_LISTS + 1];      /* the lists, then the truth */
    char *buf[VC_SIM_MAX_LISTS + 1];
    size_t len[VC_SIM_MAX_LISTS + 1];
    uint64_t rows[VC_SIM_MAX_LISTS];    /* rows written per list */
    uint64_t next_person;               /* person ids across strata */
    vc_sim_list_style style[VC_SIM_MAX_LISTS];
} people_out;

static int people_open(people_out *po, const cli_strings *lists,
                       const cli_strings *scripts, const cli_strings *strata)
{
    po->J = lists->n;
    for (size_t j = 0; j <= po->J && j <= VC_SIM_MAX_LISTS; j++) {
        po->f[j] = open_memstream(&po->buf[j], &po->len[j]);
        if (po->f[j] == NULL) {
            return CLI_EXIT_INTERNAL;
        }
    }
    for (size_t j = 0; j < po->J; j++) {
        /* lists 1, 3, ... Latin, each with its own romanisation and ISO
         * or dd/mm/yyyy dates; lists 2, 4, ... Cyrillic with dd.mm.yyyy */
        int cyr = scripts->n ? strcmp(scripts->v[j], "cyrillic") == 0
                             : (int)(j % 2);
        po->style[j].script = cyr ? VC_SIM_CYRILLIC : VC_SIM_LATIN;
        po->style[j].convention = (int)((j / 2) % VC_SIM_CONVENTIONS);
        po->style[j].date_format = cyr ? VC_SIM_DATE_DOTS
                                   : (j / 2) % 2 ? VC_SIM_DATE_SLASHES
                                                 : VC_SIM_DATE_ISO;
        fputs("given_name,family_name,date_of_birth,sex,nationality",
              po->f[j]);
        for (size_t k = 0; k < strata->n; k++) {
            fputc(',', po->f[j]);
            put_field(po->f[j], strata->v[k], strlen(strata->v[k]));
        }
        fputc('\n', po->f[j]);
    }
    fputs("list,row,person\n", po->f[po->J]);
    return CLI_EXIT_OK;
}

/* The people of one stratum whose capture patterns count[] holds: each
 * observed person drawn from the stream (seed, stratum, chain 1), in an
 * order shuffled from the same stream (so a row's place says nothing of
 * its pattern), and each list's record of them. */
static int people_stratum(people_out *po, uint64_t seed, const char *label,
                          const char *keys, const uint64_t *count,
                          size_t npat, vc_error *err)
{
    static const vc_sim_errors errors = {0.05, 0.20, 0.05, 0.03, 0.05};
    uint64_t n = 0;
    for (size_t x = 1; x < npat; x++) {
        n += count[x];
    }
    uint32_t *pat = malloc((n + 1) * sizeof *pat);
    gsl_rng *r = vc_rng_stream_alloc(seed, vc_hash_string(label), 1, 0, err);
    if (pat == NULL || r == NULL) {
        free(pat);
        gsl_rng_free(r);
        return r == NULL ? err->code : VC_ENOMEM;
    }
    uint64_t k = 0;
    for (size_t x = 1; x < npat; x++) {
        for (uint64_t i = 0; i < count[x]; i++) {
            pat[k++] = (uint32_t)x;
        }
    }
    for (uint64_t i = n; i > 1; i--) {
        uint64_t j = gsl_rng_uniform_int(r, (unsigned long)i);
        uint32_t t = pat[i - 1];
        pat[i - 1] = pat[j];
        pat[j] = t;
    }
    for (uint64_t i = 0; i < n; i++) {
        vc_sim_person p;
        vc_sim_person_draw(r, &p);
        uint64_t id = ++po->next_person;
        for (size_t j = 0; j < po->J; j++) {
            if (!(pat[i] >> j & 1u)) {
                continue;
            }
            vc_sim_record rec;
            vc_sim_record_write(r, &p, &po->style[j], &errors, &rec);
            FILE *f = po->f[j];
            put_field(f, rec.given, strlen(rec.given));
            fputc(',', f);
            put_field(f, rec.family, strlen(rec.family));
            fprintf(f, ",%s,%s,%s", rec.dob, rec.sex, rec.nationality);
            if (keys != NULL) {
                fputc(',', f);
                char kb[1024];
                snprintf(kb, sizeof kb, "%s", keys);
                /* put_keys ends with a comma: the keys' fields here */
                for (char *q = kb;;) {
                    char *c = strchr(q, ',');
                    put_field(f, q, c ? (size_t)(c - q) : strlen(q));
                    if (c == NULL) {
                        break;
                    }
                    fputc(',', f);
                    q = c + 1;
                }
            }
            fputc('\n', f);
            po->rows[j]++;
            fprintf(po->f[po->J], "%zu,%llu,%llu\n", j + 1,
                    (unsigned long long)po->rows[j],
                    (unsigned long long)id);
        }
    }
    free(pat);
    gsl_rng_free(r);
    return VC_OK;
}

/* Close the streams and, when dir is not NULL, write the files. */
static int people_close(people_out *po, const char *dir,
                        const cli_strings *lists)
{
    int rc = CLI_EXIT_OK;
    for (size_t j = 0; j <= po->J && j <= VC_SIM_MAX_LISTS; j++) {
        if (po->f[j] != NULL && fclose(po->f[j]) != 0) {
            rc = CLI_EXIT_INTERNAL;
        }
    }
    if (dir != NULL && rc == CLI_EXIT_OK) {
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            cli_error("simulate: --people %s: %s", dir, strerror(errno));
            rc = CLI_EXIT_OUTPUT;
        }
        for (size_t j = 0; j <= po->J && rc == CLI_EXIT_OK; j++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.csv", dir,
                     j < po->J ? lists->v[j] : "people-truth");
            rc = cli_emit(path, po->buf[j], po->len[j]);
        }
    }
    for (size_t j = 0; j <= po->J && j <= VC_SIM_MAX_LISTS; j++) {
        free(po->buf[j]);
    }
    return rc;
}

/* What simulate was asked to do. */
typedef struct {
    cli_strings lists, strata, refs, scripts;
    sim_stratum *st;
    size_t nst;
    vc_sim_model m;
    double capture[VC_SIM_MAX_LISTS];
    int ncapture;
    uint64_t N, seed;
    int have_N, records;
    const char *output, *truth, *people;
    cli_strings covs, missing;  /* --covariate, --missing as given */
    vc_sim_covariates cv;       /* parsed from them by sim_model */
    char *cov_name[VC_SIM_MAX_COVARIATES];
    char *level_name[VC_SIM_MAX_COVARIATES][VC_SIM_MAX_LEVELS];
} sim_options;

/* A repeatable option kept whole, into the cli_strings at field. */
static int parse_keep(const char *arg, void *field, const char **takes)
{
    cli_strings *v = field;
    (void)takes;
    char *copy = strdup(arg);
    char **grown = realloc(v->v, (v->n + 1) * sizeof *grown);
    if (grown != NULL) {
        v->v = grown;
    }
    if (copy == NULL || grown == NULL) {
        free(copy);
        return CLI_EXIT_INTERNAL;
    }
    v->v[v->n++] = copy;
    return CLI_EXIT_OK;
}

/* --covariate NAME=LEVEL:SHARE[:SHIFT],... into so->cv.  CLI_EXIT_*. */
static int parse_covariate_spec(sim_options *so, const char *spec)
{
    vc_sim_covariates *cv = &so->cv;
    const char *eq = strchr(spec, '=');
    if (eq == NULL || eq == spec || cv->V >= VC_SIM_MAX_COVARIATES) {
        goto bad;
    }
    size_t v = cv->V;
    so->cov_name[v] = strndup(spec, (size_t)(eq - spec));
    if (so->cov_name[v] == NULL) {
        return CLI_EXIT_INTERNAL;
    }
    cv->V++;
    const char *p = eq + 1;
    for (;;) {
        const char *colon = strchr(p, ':');
        if (colon == NULL || colon == p
            || cv->nlevels[v] >= VC_SIM_MAX_LEVELS) {
            goto bad;
        }
        size_t l = cv->nlevels[v];
        so->level_name[v][l] = strndup(p, (size_t)(colon - p));
        if (so->level_name[v][l] == NULL) {
            return CLI_EXIT_INTERNAL;
        }
        cv->nlevels[v]++;
        char *end = NULL;
        errno = 0;
        cv->share[v][l] = strtod(colon + 1, &end);
        if (errno != 0 || end == colon + 1) {
            goto bad;
        }
        if (*end == ':') {
            const char *q = end + 1;
            cv->shift[v][l] = strtod(q, &end);
            if (errno != 0 || end == q) {
                goto bad;
            }
        }
        if (*end == '\0') {
            return CLI_EXIT_OK;
        }
        if (*end != ',') {
            goto bad;
        }
        p = end + 1;
    }
bad:
    cli_error("simulate: --covariate takes NAME=LEVEL:SHARE[:SHIFT],... "
              "(at most %d covariates of %d levels), e.g. "
              "sex=female:0.4:-0.5,male:0.6, not \"%s\"",
              VC_SIM_MAX_COVARIATES, VC_SIM_MAX_LEVELS, spec);
    return CLI_EXIT_USAGE;
}

/* --missing NAME:RATE into so->cv.  CLI_EXIT_*. */
static int parse_missing_spec(sim_options *so, const char *spec)
{
    const char *colon = strrchr(spec, ':');
    for (size_t v = 0; colon != NULL && v < so->cv.V; v++) {
        if (strlen(so->cov_name[v]) == (size_t)(colon - spec)
            && strncmp(so->cov_name[v], spec, (size_t)(colon - spec)) == 0) {
            char *end = NULL;
            errno = 0;
            so->cv.missing[v] = strtod(colon + 1, &end);
            if (errno == 0 && end != colon + 1 && *end == '\0') {
                return CLI_EXIT_OK;
            }
        }
    }
    cli_error("simulate: --missing takes NAME:RATE with a --covariate "
              "name, e.g. age:0.2, not \"%s\"", spec);
    return CLI_EXIT_USAGE;
}

/* --capture P1,P2,...: one probability per list. */
static int parse_capture(const char *arg, void *field, const char **takes)
{
    sim_options *so = field;
    (void)takes; /* the table's words */
    so->ncapture = parse_doubles(arg, so->capture, VC_SIM_MAX_LISTS);
    return so->ncapture < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

/* --N: one population's size. */
static int parse_N(const char *arg, void *field, const char **takes)
{
    sim_options *so = field;
    (void)takes; /* the table's words */
    so->have_N = 1;
    return parse_count(arg, &so->N) != 0 || strchr(arg, ':')
               ? CLI_EXIT_USAGE
               : CLI_EXIT_OK;
}

/* --stratum KEYS:N[:ODDS], appended to the strata. */
static int parse_stratum(const char *arg, void *field, const char **takes)
{
    sim_options *so = field;
    const char *colon = strchr(arg, ':');
    sim_stratum s = {NULL, 0, 1.0};
    if (colon == NULL || colon == arg || parse_count(colon + 1, &s.N) != 0) {
        return CLI_EXIT_USAGE; /* the table's words */
    }
    const char *odds = strchr(colon + 1, ':');
    if (odds != NULL) {
        char *end = NULL;
        errno = 0;
        s.odds = strtod(odds + 1, &end);
        if (errno != 0 || end == odds + 1 || *end != '\0'
            || !(s.odds > 0.0) || !isfinite(s.odds)) {
            cli_error("simulate: the odds multiplier in --stratum \"%s\" "
                      "must be a positive number", arg);
            *takes = NULL;
            return CLI_EXIT_USAGE;
        }
    }
    s.keys = strndup(arg, (size_t)(colon - arg));
    sim_stratum *grown = realloc(so->st, (so->nst + 1) * sizeof *so->st);
    if (grown != NULL) {
        so->st = grown; /* the old block may be gone even if keys failed */
    }
    if (s.keys == NULL || grown == NULL) {
        free(s.keys);
        return CLI_EXIT_INTERNAL;
    }
    so->st[so->nst++] = s;
    return CLI_EXIT_OK;
}

/* --classes WEIGHT:SHIFT,...: the latent classes of capture. */
static int parse_classes(const char *arg, void *field, const char **takes)
{
    vc_sim_model *m = &((sim_options *)field)->m;
    const char *p = arg;
    (void)takes; /* the table's words */
    m->K = 0;
    for (;;) {
        char *end = NULL;
        errno = 0;
        double w = strtod(p, &end);
        double shift = 0.0;
        int ok = errno == 0 && end != p && *end == ':'
                 && m->K < VC_SIM_MAX_CLASSES;
        if (ok) {
            const char *q = end + 1;
            shift = strtod(q, &end);
            ok = errno == 0 && end != q && (*end == ',' || *end == '\0');
        }
        if (!ok) {
            return CLI_EXIT_USAGE;
        }
        m->class_weight[m->K] = w;
        m->class_shift[m->K] = shift;
        m->K++;
        if (*end == '\0') {
            return CLI_EXIT_OK;
        }
        p = end + 1;
    }
}

/* --propensity-sd: any number; the library checks its range. */
static int parse_sd(const char *arg, void *field, const char **takes)
{
    sim_options *so = field;
    char *end = NULL;
    (void)takes; /* the table's words */
    errno = 0;
    so->m.sigma = strtod(arg, &end);
    return errno != 0 || end == arg || *end != '\0' ? CLI_EXIT_USAGE
                                                     : CLI_EXIT_OK;
}

/* --referral FROM>TO:PROB, kept whole (checked once --lists is known). */
static int parse_referral(const char *arg, void *field, const char **takes)
{
    sim_options *so = field;
    (void)takes;
    char *copy = strdup(arg);
    char **grown = realloc(so->refs.v, (so->refs.n + 1) * sizeof *grown);
    if (grown != NULL) {
        so->refs.v = grown; /* the old block may be gone even if copy
                               failed */
    }
    if (copy == NULL || grown == NULL) {
        free(copy);
        return CLI_EXIT_INTERNAL;
    }
    so->refs.v[so->refs.n++] = copy;
    return CLI_EXIT_OK;
}

#define SIM_STR(x) #x
#define SIM_XSTR(x) SIM_STR(x)
#define F(member) offsetof(sim_options, member)
static const cli_opt sim_table[] = {
    {.name = "lists", .kind = CLI_OPT_LIST, .field = F(lists),
     .arg = "A,B,C", .help = "list names (required)"},
    {.name = "capture", .kind = CLI_OPT_CUSTOM, .parse = parse_capture,
     .takes = "takes up to " SIM_XSTR(VC_SIM_MAX_LISTS)
              " probabilities separated by commas",
     .arg = "P,P,P", .help = "each list's capture probability (required)"},
    {.name = "N", .kind = CLI_OPT_CUSTOM, .parse = parse_N,
     .takes = "takes a whole number", .arg = "N",
     .help = "population size (one unstratified population)"},
    {.name = "strata", .kind = CLI_OPT_LIST, .field = F(strata),
     .arg = "COLS", .help = "stratum column names, e.g. country,year"},
    {.name = "stratum", .kind = CLI_OPT_CUSTOM, .parse = parse_stratum,
     .takes = "takes KEYS:N[:ODDS], e.g. Kazakhstan,2003:5000",
     .arg = "K,K:N[:ODDS]",
     .help = "one stratum: its keys (one per --strata column), its size N "
             "and optionally a multiplier of every list's capture odds "
             "there; repeatable"},
    {.name = "classes", .kind = CLI_OPT_CUSTOM, .parse = parse_classes,
     .takes = "takes WEIGHT:SHIFT pairs separated by commas (at most "
              SIM_XSTR(VC_SIM_MAX_CLASSES) ")",
     .arg = "W:C,W:C", .help = "latent classes: weight W and log-odds shift "
                               "C of each (e.g. 0.7:-0.5,0.3:1.2)"},
    {.name = "propensity-sd", .kind = CLI_OPT_CUSTOM, .parse = parse_sd,
     .takes = "takes a number", .arg = "S",
     .help = "sd of the personal log-odds propensity"},
    {.name = "referral", .kind = CLI_OPT_CUSTOM, .parse = parse_referral,
     .arg = "A>B:R",
     .help = "a person on list A but not on B is put on B with probability "
             "R; repeatable, applied in order"},
    {.name = "seed", .kind = CLI_OPT_U64, .field = F(seed),
     .whole = {0, UINT64_MAX}, .arg = "S", .help = "seed of the draws",
     .dflt = "20160906"},
    {.name = "records", .kind = CLI_OPT_FLAG, .field = F(records),
     .help = "one row per person instead of one row per capture pattern "
             "with a count"},
    {.name = "output", .short_name = 'o', .kind = CLI_OPT_STRING,
     .field = F(output), .arg = "FILE", .help = "the data",
     .dflt = "standard output"},
    {.name = "truth", .kind = CLI_OPT_STRING, .field = F(truth),
     .arg = "FILE", .help = "write the truth: strata, N, observed, unseen, "
                            "expected share unseen"},
    {.name = "people", .kind = CLI_OPT_STRING, .field = F(people),
     .arg = "DIR",
     .help = "also write person-level lists with names and birth dates, "
             "for `encode` and `link`: DIR/<list>.csv (given_name, "
             "family_name, date_of_birth, sex, nationality, strata) and "
             "DIR/people-truth.csv (list, row, person).  Kazakh, Kyrgyz, "
             "Tajik, Uzbek and Russian names; lists 1, 3, ... in Latin "
             "(each its own romanisation), lists 2, 4, ... in Cyrillic (see "
             "--scripts); each record with recording errors: a typo in a "
             "name (5%), another romanisation (20%), a married surname (5% "
             "of women), day and month swapped (3%), no date (5%).  The "
             "other outputs do not change"},
    {.name = "scripts", .kind = CLI_OPT_LIST, .field = F(scripts),
     .arg = "S,S,...", .help = "latin or cyrillic, one per list"},
    {.name = "covariate", .kind = CLI_OPT_CUSTOM, .field = F(covs),
     .parse = parse_keep, .arg = "NAME=LEVEL:SHARE[:SHIFT],...",
     .help = "a categorical covariate: each level's share of the "
             "population and the shift it adds to every list's capture "
             "log-odds (default 0); repeatable.  The data gain a column per "
             "covariate, the truth one row per level (covariate, level, N, "
             "observed, unseen, seed)"},
    {.name = "missing", .kind = CLI_OPT_CUSTOM, .field = F(missing),
     .parse = parse_keep, .arg = "NAME:RATE",
     .help = "each person seen has this covariate missing (NA) with "
             "probability RATE"},
    {.name = "help", .short_name = 'h', .kind = CLI_OPT_HELP,
     .help = "this help"},
};

void cli_simulate_table(cli_optable *t)
{
    static const char *const cmds[] = {"simulate", NULL};
    *t = (cli_optable){sim_table, sizeof sim_table / sizeof sim_table[0],
                       "simulate", "simulate", 1u, cmds};
}
#undef F

static void sim_options_free(sim_options *so)
{
    for (size_t s = 0; s < so->nst; s++) {
        free(so->st[s].keys);
    }
    free(so->st);
    cli_strings_free(&so->scripts);
    cli_strings_free(&so->lists);
    cli_strings_free(&so->strata);
    cli_strings_free(&so->refs);
    cli_strings_free(&so->covs);
    cli_strings_free(&so->missing);
    for (size_t v = 0; v < VC_SIM_MAX_COVARIATES; v++) {
        free(so->cov_name[v]);
        for (size_t l = 0; l < VC_SIM_MAX_LEVELS; l++) {
            free(so->level_name[v][l]);
        }
    }
}

/* The options together: what the table cannot check one option at a
 * time.  CLI_EXIT_*, after printing why not. */
static int sim_check(const sim_options *so, int nargs)
{
    if (nargs != 0) {
        cli_error("simulate: takes no FILE argument (use -o FILE)");
        return CLI_EXIT_USAGE;
    }
    if (so->lists.n == 0) {
        cli_error("simulate: --lists is required, e.g. --lists IOM,NGO,"
                  "Police");
        return CLI_EXIT_USAGE;
    }
    if ((size_t)so->ncapture != so->lists.n) {
        cli_error("simulate: --capture needs one probability per list (%zu "
                  "lists, %d probabilities)", so->lists.n, so->ncapture);
        return CLI_EXIT_USAGE;
    }
    if (so->scripts.n != 0 && so->scripts.n != so->lists.n) {
        cli_error("simulate: --scripts needs one script per list (%zu "
                  "lists, %zu scripts)", so->lists.n, so->scripts.n);
        return CLI_EXIT_USAGE;
    }
    for (size_t j = 0; j < so->scripts.n; j++) {
        if (strcmp(so->scripts.v[j], "latin") != 0
            && strcmp(so->scripts.v[j], "cyrillic") != 0) {
            cli_error("simulate: --scripts takes latin or cyrillic, not "
                      "\"%s\"", so->scripts.v[j]);
            return CLI_EXIT_USAGE;
        }
    }
    if (so->have_N == (so->nst > 0)) {
        cli_error("simulate: give either --N (one population) or one "
                  "--stratum per stratum, not both or neither");
        return CLI_EXIT_USAGE;
    }
    for (size_t s = 0; s < so->nst; s++) {
        size_t nkeys = 1;
        for (const char *p = so->st[s].keys; *p; p++) {
            nkeys += *p == ',';
        }
        if (nkeys != so->strata.n) {
            cli_error("simulate: --stratum %s has %zu key%s and --strata "
                      "names %zu column%s", so->st[s].keys, nkeys,
                      nkeys == 1 ? "" : "s", so->strata.n,
                      so->strata.n == 1 ? "" : "s");
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* The model from the options: the lists' capture probabilities and the
 * referrals (FROM>TO:PROB, now that the lists are known), checked by the
 * library; with --N, the one stratum.  CLI_EXIT_*. */
static int sim_model(sim_options *so)
{
    vc_sim_model *m = &so->m;
    m->J = so->lists.n;
    for (size_t j = 0; j < so->lists.n && j < VC_SIM_MAX_LISTS; j++) {
        m->p[j] = so->capture[j];
    }
    for (size_t i = 0; i < so->refs.n; i++) {
        const char *s = so->refs.v[i];
        const char *gt = strchr(s, '>');
        const char *colon = gt ? strchr(gt, ':') : NULL;
        long a = gt ? find_list(&so->lists, s, (size_t)(gt - s)) : -1;
        long b = colon ? find_list(&so->lists, gt + 1,
                                   (size_t)(colon - gt - 1)) : -1;
        char *end = NULL;
        double r = colon ? strtod(colon + 1, &end) : -1.0;
        if (a < 0 || b < 0 || end == colon + 1 || *end != '\0'
            || m->nref >= VC_SIM_MAX_REFERRALS) {
            cli_error("simulate: --referral takes FROM>TO:PROB with two of "
                      "the --lists names, e.g. NGO>Police:0.3, not \"%s\"",
                      s);
            return CLI_EXIT_USAGE;
        }
        m->ref[m->nref].from = (size_t)a;
        m->ref[m->nref].to = (size_t)b;
        m->ref[m->nref].prob = r;
        m->nref++;
    }
    vc_error err;
    vc_error_clear(&err);
    if (vc_sim_model_check(m, &err) != VC_OK) {
        cli_error("simulate: %s", err.msg);
        return CLI_EXIT_USAGE;
    }
    for (size_t i = 0; i < so->covs.n; i++) {
        int rc = parse_covariate_spec(so, so->covs.v[i]);
        if (rc != CLI_EXIT_OK) {
            return rc;
        }
    }
    for (size_t i = 0; i < so->missing.n; i++) {
        int rc = parse_missing_spec(so, so->missing.v[i]);
        if (rc != CLI_EXIT_OK) {
            return rc;
        }
    }
    if (so->cv.V > 0 && so->people != NULL) {
        cli_error("simulate: --people does not take --covariate yet");
        return CLI_EXIT_USAGE;
    }
    if (so->nst == 0) {
        so->st = calloc(1, sizeof *so->st);
        if (so->st == NULL) {
            return CLI_EXIT_INTERNAL;
        }
        so->st[0].N = so->N;
        so->st[0].odds = 1.0;
        so->nst = 1;
    }
    return CLI_EXIT_OK;
}

/* The header rows of the table (out) and of the truth (tout). */
static void sim_headers(const sim_options *so, FILE *out, FILE *tout)
{
    for (size_t k = 0; k < so->strata.n; k++) {
        put_field(out, so->strata.v[k], strlen(so->strata.v[k]));
        fputc(',', out);
        put_field(tout, so->strata.v[k], strlen(so->strata.v[k]));
        fputc(',', tout);
    }
    for (size_t j = 0; j < so->m.J; j++) {
        put_field(out, so->lists.v[j], strlen(so->lists.v[j]));
        fputs(j + 1 < so->m.J || !so->records || so->cv.V > 0 ? "," : "\n",
              out);
    }
    for (size_t v = 0; v < so->cv.V; v++) {
        put_field(out, so->cov_name[v], strlen(so->cov_name[v]));
        fputs(v + 1 < so->cv.V || !so->records ? "," : "\n", out);
    }
    if (!so->records) {
        fputs("count\n", out);
    }
    fputs(so->cv.V > 0 ? "covariate,level,N,observed,unseen,seed\n"
                       : "N,observed,unseen,expected_share_unseen,seed\n",
          tout);
}

/* Stratum s with covariates: drawn and written (data and truth by
 * level).  A status, err set. */
static int sim_covariates(const sim_options *so, size_t s, FILE *out,
                          FILE *tout, vc_error *err)
{
    const sim_stratum *st = &so->st[s];
    const vc_sim_covariates *cv = &so->cv;
    vc_sim_model ms = so->m;
    char label[1024];
    stratum_label(st->keys, label, sizeof label);
    size_t J = ms.J, nx = (size_t)1 << J;
    size_t ncomb = vc_sim_covariates_ncomb(cv, 0);
    size_t ncombx = vc_sim_covariates_ncomb(cv, 1);
    uint64_t *count = malloc(ncombx * nx * sizeof *count);
    uint64_t *truth = malloc(ncomb * nx * sizeof *truth);
    int status = count && truth ? vc_sim_model_scale(&ms, st->odds, err)
                                : vc_error_set(err, VC_ENOMEM,
                                               "out of memory");
    if (status == VC_OK) {
        status = vc_sim_draw_covariates(
            &ms, cv, st->N, so->seed,
            vc_hash_string(st->keys ? label : NULL), count, truth, err);
    }
    for (size_t cx = 0; status == VC_OK && cx < ncombx; cx++) {
        size_t lev[VC_SIM_MAX_COVARIATES], rest = cx;
        for (size_t v = cv->V; v-- > 0;) {
            lev[v] = rest % (cv->nlevels[v] + 1);
            rest /= cv->nlevels[v] + 1;
        }
        for (size_t x = 1; x < nx; x++) {
            uint64_t n = count[cx * nx + x];
            uint64_t reps = so->records ? n : (n > 0);
            for (uint64_t i = 0; i < reps; i++) {
                put_keys(out, st->keys);
                for (size_t j = 0; j < J; j++) {
                    fprintf(out, "%u,", (unsigned)(x >> j & 1u));
                }
                for (size_t v = 0; v < cv->V; v++) {
                    const char *name = lev[v] == cv->nlevels[v]
                                           ? "NA"
                                           : so->level_name[v][lev[v]];
                    put_field(out, name, strlen(name));
                    fputs(v + 1 < cv->V || !so->records ? "," : "\n", out);
                }
                if (!so->records) {
                    fprintf(out, "%llu\n", (unsigned long long)n);
                }
            }
        }
    }
    /* the truth: total, then every level */
    for (size_t g = 0; status == VC_OK; g++) {
        size_t v = 0, l = 0, k = g;
        if (g > 0) {
            k = g - 1;
            while (v < cv->V && k >= cv->nlevels[v]) {
                k -= cv->nlevels[v];
                v++;
            }
            if (v == cv->V) {
                break;
            }
            l = k;
        }
        uint64_t N = 0, unseen = 0;
        for (size_t c = 0; c < ncomb; c++) {
            size_t rest = c, lv = 0;
            for (size_t u = cv->V; u-- > 0;) {
                if (u == v) {
                    lv = rest % cv->nlevels[u];
                }
                rest /= cv->nlevels[u];
            }
            if (g > 0 && lv != l) {
                continue;
            }
            for (size_t x = 0; x < nx; x++) {
                N += truth[c * nx + x];
            }
            unseen += truth[c * nx];
        }
        put_keys(tout, st->keys);
        if (g == 0) {
            fputs(",,", tout);
        } else {
            put_field(tout, so->cov_name[v], strlen(so->cov_name[v]));
            fputc(',', tout);
            put_field(tout, so->level_name[v][l],
                      strlen(so->level_name[v][l]));
            fputc(',', tout);
        }
        fprintf(tout, "%llu,%llu,%llu,%llu\n", (unsigned long long)N,
                (unsigned long long)(N - unseen),
                (unsigned long long)unseen, (unsigned long long)so->seed);
    }
    free(count);
    free(truth);
    return status;
}

/* Draw stratum s: its pattern probabilities into prob and counts into
 * count (npat each), from the stream (seed, stratum, chain 0); with
 * --people, its people.  A status, err set. */
static int sim_draw(const sim_options *so, size_t s, people_out *po,
                    double *prob, uint64_t *count, size_t npat,
                    vc_error *err)
{
    const sim_stratum *st = &so->st[s];
    vc_sim_model ms = so->m;
    char label[1024];
    stratum_label(st->keys, label, sizeof label);
    gsl_rng *r = NULL;
    int status = vc_sim_model_scale(&ms, st->odds, err);
    if (status == VC_OK) {
        status = vc_sim_pattern_probs(&ms, prob, err);
    }
    if (status == VC_OK) {
        r = vc_rng_stream_alloc(so->seed,
                                vc_hash_string(st->keys ? label : NULL), 0,
                                0, err);
        status = r ? VC_OK : err->code;
    }
    if (status == VC_OK) {
        status = vc_sim_draw(&ms, st->N, r, count, err);
    }
    gsl_rng_free(r);
    if (status == VC_OK && so->people != NULL) {
        status = people_stratum(po, so->seed, st->keys ? label : NULL,
                                st->keys, count, npat, err);
    }
    return status;
}

/* Stratum s's rows: its patterns (or, with --records, one row per
 * person) to out, its truth to tout. */
static void sim_write(const sim_options *so, size_t s, const double *prob,
                      const uint64_t *count, size_t npat, FILE *out,
                      FILE *tout)
{
    const sim_stratum *st = &so->st[s];
    size_t J = so->m.J;
    for (size_t x = 1; x < npat; x++) {
        uint64_t reps = so->records ? count[x] : (count[x] > 0);
        for (uint64_t i = 0; i < reps; i++) {
            put_keys(out, st->keys);
            for (size_t j = 0; j < J; j++) {
                fprintf(out, "%u%s", (unsigned)(x >> j & 1u),
                        j + 1 < J || !so->records ? "," : "\n");
            }
            if (!so->records) {
                fprintf(out, "%llu\n", (unsigned long long)count[x]);
            }
        }
    }
    put_keys(tout, st->keys);
    fprintf(tout, "%llu,%llu,%llu,%.6f,%llu\n", (unsigned long long)st->N,
            (unsigned long long)(st->N - count[0]),
            (unsigned long long)count[0], prob[0],
            (unsigned long long)so->seed);
}

/* Draw every stratum and write the table, the truth and the people, each
 * file whole or not at all.  CLI_EXIT_*. */
static int sim_run(const sim_options *so)
{
    int rc = CLI_EXIT_OK;
    people_out po;
    memset(&po, 0, sizeof po);
    if (so->people != NULL) {
        rc = people_open(&po, &so->lists, &so->scripts, &so->strata);
    }
    char *buf = NULL, *tbuf = NULL;
    size_t len = 0, tlen = 0;
    FILE *out = NULL, *tout = NULL;
    size_t npat = (size_t)1 << (so->m.J < VC_SIM_MAX_LISTS ? so->m.J : 0);
    uint64_t *count = NULL;
    double *prob = NULL;
    if (rc == CLI_EXIT_OK) {
        out = open_memstream(&buf, &len);
        tout = open_memstream(&tbuf, &tlen);
        count = malloc(npat * sizeof *count);
        prob = malloc(npat * sizeof *prob);
        if (out == NULL || tout == NULL || count == NULL || prob == NULL) {
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
        }
    }
    if (rc == CLI_EXIT_OK) {
        sim_headers(so, out, tout);
    }
    for (size_t s = 0; s < so->nst && rc == CLI_EXIT_OK; s++) {
        vc_error err;
        vc_error_clear(&err);
        if (so->cv.V > 0) {
            int status = sim_covariates(so, s, out, tout, &err);
            if (status != VC_OK) {
                cli_error("simulate: %s", err.msg);
                rc = cli_exit_for_status(status);
            }
            continue;
        }
        int status = sim_draw(so, s, &po, prob, count, npat, &err);
        if (status != VC_OK) {
            cli_error("simulate: %s", err.msg);
            rc = cli_exit_for_status(status);
            break;
        }
        sim_write(so, s, prob, count, npat, out, tout);
    }
    int closed = 0;
    if (out != NULL) {
        closed |= fclose(out);
    }
    if (tout != NULL) {
        closed |= fclose(tout);
    }
    if (rc == CLI_EXIT_OK && closed != 0) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
    }
    if (rc == CLI_EXIT_OK) {
        rc = cli_emit(so->output, buf, len);
    }
    if (rc == CLI_EXIT_OK && so->truth != NULL) {
        rc = cli_emit(so->truth, tbuf, tlen);
    }
    if (so->people != NULL) {
        int prc = people_close(&po, rc == CLI_EXIT_OK ? so->people : NULL,
                               &so->lists);
        rc = rc == CLI_EXIT_OK ? prc : rc;
    }
    free(buf);
    free(tbuf);
    free(count);
    free(prob);
    return rc;
}

int cli_simulate(int argc, char **argv)
{
    cli_optable t;
    cli_simulate_table(&t);
    sim_options so;
    memset(&so, 0, sizeof so);
    so.seed = VC_LCM_DEFAULT_SEED;
    int help = 0;
    int rc = cli_opt_parse(argc, argv, &t, &so, &help);
    if (rc == CLI_EXIT_OK && help) {
        cli_simulate_help(stdout);
    } else if (rc == CLI_EXIT_OK) {
        rc = sim_check(&so, argc - optind);
        if (rc == CLI_EXIT_OK) {
            rc = sim_model(&so);
        }
        if (rc == CLI_EXIT_OK) {
            rc = sim_run(&so);
        }
    }
    sim_options_free(&so);
    return rc;
}
