/*
 * batch_plan.c: the plan of `victimcount batch`: its options, its data,
 * and its units with their cache keys, in output order; nothing is
 * written here.
 *
 * The unit of work is (stratum, method, variant): variant is "all lists"
 * or, with --sensitivity, the stratum's table changed in one way: one list
 * left out (omit-each), or two or more lists merged into one (merge-pairs,
 * merge:A+B).  Each variant estimates under other assumptions about the
 * lists (a list left out cannot bias the others through its dependence on
 * them; merged lists may depend on each other in any way), so the spread
 * of a method's estimates over the variants of one kind, reported next to
 * its main estimate, shows how much the estimate leans on each list and on
 * the lists being independent of each other.  A merged list keeps the
 * place of its first member and is named by its members in file order, so
 * merge:NGO+IOM and merge-pairs give the same unit (and share its cache
 * file).  Each unit is
 * independent of every other: its random streams are keyed by the seed and
 * the stratum's label (the lcm and loglinear runners use
 * vc_hash_string(label) as the stream's stratum id), never by its position
 * in the file or the thread that runs it.
 *
 * A unit's cache key is the SHA-256 of a canonical text of everything its
 * result depends on: the engine version, the method and its settings, the
 * seed, the stratum label and the table itself (list names, patterns,
 * counts); a changed setting or table gives another key (batch_cache.c
 * stores and finds the units by it).
 */
#include <stdlib.h>
#include <string.h>

#include "batch/vc_batch.h"
#include "cli/batch_impl.h"

/* Bump when the layout of a unit file changes, so that old files are
 * never read as new ones (it is part of every unit's hash). */
#define BATCH_UNIT_FORMAT 1

/* The settings of m that can change its result, as canonical text: the
 * level, the interval and its family's options (cli_method.settings). */
static void method_settings(const cli_method *m, const cli_options *o,
                            FILE *f)
{
    fprintf(f, "level %.17g\ninterval %d\n", o->level, (int)o->interval);
    if (m->settings != NULL) {
        m->settings(o, f);
    }
}

/* Index of the list called name (len bytes) in t, or -1. */
static long table_list(const vc_table *t, const char *name, size_t len)
{
    for (size_t j = 0; j < t->J; j++) {
        if (strlen(t->names[j]) == len && strncmp(t->names[j], name, len)
                                              == 0) {
            return (long)j;
        }
    }
    return -1;
}


/* Every name in each --sensitivity merge:A+B must be a list of the file,
 * and none twice; CLI_EXIT_OK or CLI_EXIT_USAGE after saying why. */
static int check_merges(const vc_dataset *d, const cli_options *o)
{
    for (size_t i = 0; i < o->batch.sens_merge.n; i++) {
        const char *spec = o->batch.sens_merge.v[i];
        uint64_t seen = 0;
        for (const char *p = spec;;) {
            const char *plus = strchr(p, '+');
            size_t len = plus ? (size_t)(plus - p) : strlen(p);
            long j = -1;
            for (size_t k = 0; k < d->J && j < 0; k++) {
                if (strlen(d->names[k]) == len
                    && strncmp(d->names[k], p, len) == 0) {
                    j = (long)k;
                }
            }
            if (j < 0) {
                cli_error("batch: --sensitivity merge:%s: \"%.*s\" is not "
                          "one of the lists of %s", spec, (int)len, p,
                          d->source);
                return CLI_EXIT_USAGE;
            }
            if (seen >> j & 1u) {
                cli_error("batch: --sensitivity merge:%s names \"%.*s\" "
                          "twice", spec, (int)len, p);
                return CLI_EXIT_USAGE;
            }
            seen |= UINT64_C(1) << j;
            if (plus == NULL) {
                break;
            }
            p = plus + 1;
        }
    }
    return CLI_EXIT_OK;
}

/* Room for the variants of a table of J lists. */
static size_t variants_cap(size_t J, const cli_options *o)
{
    return J + J * (J - 1) / 2 + o->batch.sens_merge.n;
}

/* Append a merge variant of the lists in mask to v unless one with the
 * same mask is there already; returns the new count. */
static size_t add_merge(const vc_table *t, uint32_t mask, batch_variant *v,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind == CLI_SENS_MERGE && v[i].mask == mask
            && v[i].why[0] == '\0') {
            return n;
        }
    }
    batch_variant *x = &v[n];
    memset(x, 0, sizeof *x);
    x->kind = CLI_SENS_MERGE;
    x->mask = mask;
    char name[sizeof x->variant - 8];
    cli_mask_names(t, mask, "+", name, sizeof name);
    snprintf(x->variant, sizeof x->variant, "%s merged", name);
    size_t merged = 0;
    for (size_t j = 0; j < t->J; j++) {
        merged += mask >> j & 1u;
    }
    if (t->J - merged + 1 < 2) {
        snprintf(x->why, sizeof x->why, "merging %.400s leaves one list; at "
                 "least 2 are needed", name);
    }
    return n + 1;
}

/* The variants of table t that o asks for, in output order and without
 * repeats: each list left out (omit-each), each pair of lists merged
 * (merge-pairs), then each merge:A+B as given.  v has room for
 * variants_cap(t->J, o); returns how many were written. */
static size_t stratum_variants(const vc_table *t, const cli_options *o,
                               batch_variant *v)
{
    size_t n = 0;
    size_t J = t->J;
    /* Leaving out one of three or more lists keeps two or more; with two
     * lists a variant would have one. */
    if ((o->batch.sensitivity & CLI_SENS_OMIT_EACH) && J >= 3) {
        for (size_t j = 0; j < J; j++) {
            memset(&v[n], 0, sizeof v[n]);
            v[n].kind = CLI_SENS_OMIT;
            v[n].mask = 1u << j;
            snprintf(v[n].variant, sizeof v[n].variant, "without %s",
                     t->names[j]);
            n++;
        }
    }
    if ((o->batch.sensitivity & CLI_SENS_MERGE_PAIRS) && J >= 3) {
        for (size_t a = 0; a < J; a++) {
            for (size_t b = a + 1; b < J; b++) {
                n = add_merge(t, (1u << a) | (1u << b), v, n);
            }
        }
    }
    for (size_t i = 0; i < o->batch.sens_merge.n; i++) {
        const char *spec = o->batch.sens_merge.v[i];
        uint32_t mask = 0;
        const char *absent = NULL;
        size_t absent_len = 0;
        for (const char *p = spec;;) {
            const char *plus = strchr(p, '+');
            size_t len = plus ? (size_t)(plus - p) : strlen(p);
            long j = table_list(t, p, len);
            if (j < 0 && absent == NULL) {
                absent = p;
                absent_len = len;
            } else if (j >= 0) {
                mask |= 1u << j;
            }
            if (plus == NULL) {
                break;
            }
            p = plus + 1;
        }
        if (absent == NULL) {
            n = add_merge(t, mask, v, n);
            continue;
        }
        /* check_merges made sure the list is in the file: here it saw
         * nobody, so this stratum has no such variant, and its row says
         * so */
        memset(&v[n], 0, sizeof v[n]);
        v[n].kind = CLI_SENS_MERGE;
        v[n].mask = mask;
        snprintf(v[n].variant, sizeof v[n].variant, "%s merged", spec);
        snprintf(v[n].why, sizeof v[n].why, "cannot merge %.300s here: %.*s "
                 "saw nobody in this stratum", spec, (int)absent_len,
                 absent);
        n++;
    }
    return n;
}

/* The table of variant v of t: returned (vc_table_free), or NULL with
 * err set. */
static vc_table *variant_table(const vc_table *t, const batch_variant *v,
                               vc_error *err)
{
    uint32_t group[VC_MAX_LISTS];
    const char *names[VC_MAX_LISTS];
    char merged[sizeof v->variant];
    cli_mask_names(t, v->mask, "+", merged, sizeof merged);
    uint32_t first = v->mask & (~v->mask + 1u);
    size_t k = 0;
    for (size_t j = 0; j < t->J; j++) {
        uint32_t bit = 1u << j;
        if ((v->mask & bit) == 0) {
            group[k] = bit;
            names[k++] = t->names[j];
        } else if (v->kind == CLI_SENS_MERGE && bit == first) {
            /* the merged list takes the place of its first member */
            group[k] = v->mask;
            names[k++] = merged;
        }
    }
    return vc_table_collapse(t, k, group, names, err);
}

/* SHA-256 of the canonical description of unit u, as hex. */
static int unit_key(batch_unit *u, const cli_batch_plan *p)
{
    const cli_options *o = &p->o;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL) {
        return -1;
    }
    const vc_table *t = u->t;
    fprintf(f, "victimcount batch unit %d\nengine %s\nmethod %s\n"
            "variant %s\nseed %llu\n", BATCH_UNIT_FORMAT, vc_version(),
            u->m->name, u->variant, (unsigned long long)o->seed);
    method_settings(u->m, o, f);
    /* the label keys the random streams, so it is part of the input */
    fprintf(f, "label %zu %s\nlists %zu\n", t->label ? strlen(t->label) : 0,
            t->label ? t->label : "", t->J);
    for (size_t j = 0; j < t->J; j++) {
        fprintf(f, "%zu %s\n", strlen(t->names[j]), t->names[j]);
    }
    fprintf(f, "patterns %zu\n", t->npat);
    for (size_t i = 0; i < t->npat; i++) {
        fprintf(f, "%lx %llu\n", (unsigned long)t->pattern[i],
                (unsigned long long)t->count[i]);
    }
    fprintf(f, "dropped %llu\n", (unsigned long long)t->dropped);
    if (u->cs != NULL) {
        /* the model with covariates sees the table by level, not t */
        cli_cov_key(u->cs->ct, o, p->pop, f);
    }
    if (fclose(f) != 0) {
        free(buf);
        return -1;
    }
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)buf);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    free(buf);
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++) {
        snprintf(u->key + 2 * i, 3, "%02x", digest[i]);
    }
    return 0;
}

/* Decomposable graphs on J vertices (OEIS A058862), the models exact
 * graph averaging sums over; above 5 lists dga samples graphs instead. */
static double dga_graphs(size_t J)
{
    static const double g[] = {1, 1, 2, 8, 61, 822};
    return J < sizeof g / sizeof g[0] ? g[J] : 822.0;
}

/* The cost model orders the units (the costliest start first, so that
 * the last ones to start are short and every thread stays busy until the
 * end; Graham 1969, "Bounds on multiprocessing timing anomalies", SIAM
 * J. Appl. Math. 17(2), the longest-processing-time rule) and weighs the
 * time left in the progress line.  Only the ratios matter, and only
 * roughly: the figures are this 2-core VM's (bench/RESULTS.md, issue 20),
 *   lcm: 4.3 us a sweep a chain with 15 patterns and 10 classes
 *        (1.9 s for 4 x 110,000 sweeps, whatever N), linear in the
 *        patterns times the classes; tempering runs every replica;
 *   dga: about 1 ns per graph and point of the n0 grid (Kosovo 61 graphs
 *        x 110,000 points: 6 ms), the grid about 25 n wide by default;
 *   loglinear: the stepwise fits grow with the 2^J cells, about 10 ms
 *        on 4 lists, each bootstrap resample a fit of its own;
 *   the closed forms (chapman, pairwise, chao, ...): microseconds.
 * A unit with --until-converged may take more rounds than its first;
 * that cannot be known before it runs. */
void batch_unit_cost(batch_unit *u, const cli_options *o)
{
    const vc_table *t = u->t;
    const char *m = u->m->name;
    double J = (double)t->J, cells = (double)t->npat;
    double n = 0.0;
    for (size_t i = 0; i < t->npat; i++) {
        n += (double)t->count[i];
    }
    if (u->why[0] != '\0' || t->J < 2) {
        u->cost = 0.0; /* a row saying why */
    } else if (strcmp(m, "lcm") == 0) {
        double sweeps = (double)o->lcm.chains
                        * (double)(o->lcm.burnin + o->lcm.iterations);
        double replicas = o->lcm.sampler == VC_LCM_SAMPLER_TEMPERING
                                  || o->lcm.sampler
                                         == VC_LCM_SAMPLER_TEMPERING_SPLITMERGE
                              ? (double)o->lcm.temperatures
                              : 1.0;
        double classes = o->lcm.classes ? (double)o->lcm.classes : 10.0;
        u->cost = sweeps * replicas
                  * (1.0 + 0.22 * cells * classes / 10.0) * 1e-6;
    } else if (strcmp(m, "dga") == 0) {
        double grid = o->dga.n0_hi > o->dga.n0_lo
                          ? (double)(o->dga.n0_hi - o->dga.n0_lo)
                          : 25.0 * n + 1000.0;
        u->cost = t->J > 5 || o->dga.mcmc ? 1.0
                                          : 1e-9 * dga_graphs(t->J) * grid;
    } else if (strcmp(m, "loglinear") == 0) {
        double fits = o->interval == CLI_INTERVAL_BOOTSTRAP
                          ? 1.0 + (double)o->loglinear.bootstrap : 1.0;
        u->cost = 1e-3 * (cells + 1.0) * J * J / 16.0 * fits;
        if (u->cs != NULL) {
            u->cost *= (double)(1 + u->cs->nlevel);
        }
    } else {
        u->cost = 1e-5;
    }
}

/* --linkage-report FILE: the JSON that `link --report` wrote, read now
 * (a wrong file is refused before any estimate is computed) into
 * o->batch.linkage for the report.  It must have the threshold link
 * used and its lists. */
static int load_linkage_report(cli_options *o)
{
    const char *path = o->batch.linkage_report;
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL) {
        cli_error("batch: --linkage-report %s:%d:%d: %s", path, je.line,
                  je.column, je.text);
        return CLI_EXIT_DATA;
    }
    double t = json_number_value(json_object_get(j, "threshold"));
    if (!json_is_object(j) || !json_is_number(json_object_get(j, "threshold"))
        || !(t > 0.0 && t <= 1.0)
        || !json_is_array(json_object_get(j, "lists"))
        || !json_is_array(json_object_get(j, "pairs"))) {
        json_decref(j);
        cli_error("batch: --linkage-report %s: not a report of victimcount "
                  "link (it needs \"threshold\" in (0, 1], \"lists\" and "
                  "\"pairs\")",
                  path);
        return CLI_EXIT_DATA;
    }
    o->batch.linkage = j;
    return CLI_EXIT_OK;
}

/* The batch's checks of its options, then the default methods. */
static int check_options(cli_options *o)
{
    if (o->batch.out_dir == NULL) {
        cli_error("batch: --out DIR is required (results, report and the "
                  "cache go there)");
        return CLI_EXIT_USAGE;
    }
    if (o->lcm.draws != NULL || o->output != NULL) {
        cli_error("batch: --draws and --output belong to estimate; batch "
                  "writes everything into --out DIR");
        return CLI_EXIT_USAGE;
    }
    if (strlen(o->batch.out_dir) > 4000) {
        cli_error("batch: --out DIR is too long");
        return CLI_EXIT_USAGE;
    }
    if (o->covariates.n > 0
        && (o->batch.sensitivity != 0 || o->batch.sens_merge.n > 0)) {
        cli_error("batch: --sensitivity is not taken with --covariates "
                  "(the variants would need a model with covariates of "
                  "their own)");
        return CLI_EXIT_USAGE;
    }
    if (o->batch.linkage_report != NULL) {
        int rc = load_linkage_report(o);
        if (rc != CLI_EXIT_OK) {
            return rc;
        }
    }
    if (o->methods.n == 0
        && cli_strings_add_csv(&o->methods, VC_BATCH_DEFAULT_METHODS)
               != 0) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < o->methods.n; i++) {
        if (cli_method_find(o->methods.v[i]) == NULL) {
            cli_error("batch: unknown method \"%s\" (see victimcount "
                      "estimate --help)", o->methods.v[i]);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* Enumerate p's units in output order: stratum, method, variant (the
 * variants of each stratum from stratum_variants, the same list for every
 * method). */
/* With --covariates: per stratum and method, loglinear's model with
 * covariates on the stratum, or the method on each level's table (as
 * estimate runs them). */
static int enumerate_cov_units(cli_batch_plan *p)
{
    const cli_options *o = &p->o;
    size_t cap = 0;
    for (size_t s = 0; s < p->ncov; s++) {
        cap += o->methods.n * (1 + p->cov[s].nlevel);
    }
    p->units = calloc(cap ? cap : 1, sizeof *p->units);
    if (p->units == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    for (size_t s = 0; s < p->ncov; s++) {
        const cli_cov_stratum *cs = &p->cov[s];
        for (size_t i = 0; i < o->methods.n; i++) {
            const cli_method *m = cli_method_find(o->methods.v[i]);
            int model = strcmp(m->name, "loglinear") == 0;
            for (size_t l = 0; l < (model ? 1 : cs->nlevel); l++) {
                batch_unit *u = &p->units[p->nunits++];
                u->stratum = s;
                u->m = m;
                u->kind = -1;
                u->t = model ? cs->whole : cs->level[l];
                u->cs = model ? cs : NULL;
                if (unit_key(u, p) != 0) {
                    cli_error("out of memory");
                    return CLI_EXIT_INTERNAL;
                }
                batch_unit_cost(u, o);
                snprintf(u->path, sizeof u->path, "%s/%s.json", p->cache,
                         u->key);
                char lab[256];
                snprintf(u->name, sizeof u->name, "%s, %s, all lists",
                         cli_population_label(o, p->sd, u->t, lab,
                                              sizeof lab),
                         u->m->name);
            }
        }
    }
    return CLI_EXIT_OK;
}

/* With --covariates: the strata of d with the covariates summed over
 * (p->view), their tables by level, and --population.  quiet: no note
 * (an MPI worker; rank 0 says it). */
static int covariate_strata(cli_batch_plan *p, int quiet)
{
    int rc = CLI_EXIT_OK;
    p->pop = cli_cov_population(&p->o, p->d, &rc);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    vc_error err;
    vc_error_clear(&err);
    p->cov = cli_cov_strata(p->d, &p->ncov, &err);
    if (p->cov == NULL) {
        cli_error("%s: %s", p->o.input, err.msg);
        return cli_exit_for_status(err.code);
    }
    int others = 0;
    for (size_t i = 0; i < p->o.methods.n; i++) {
        others |= strcmp(p->o.methods.v[i], "loglinear") != 0;
    }
    p->wholes = calloc(p->ncov ? p->ncov : 1, sizeof *p->wholes);
    if (p->wholes == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    for (size_t s = 0; s < p->ncov; s++) {
        p->wholes[s] = p->cov[s].whole;
        if (others && cli_cov_levels(&p->cov[s], &err) != VC_OK) {
            cli_error("%s", err.msg);
            return cli_exit_for_status(err.code);
        }
    }
    p->view = *p->d;
    p->view.nstrata_cols = p->d->nstrata_cols - p->d->ncovariates;
    p->view.ntables = p->ncov;
    p->view.tables = p->wholes;
    p->sd = &p->view;
    if (others && !p->o.quiet && !quiet) {
        fprintf(stderr, "note: only loglinear takes covariates: the other "
                "methods run on the table of each covariate level "
                "separately\n");
    }
    return CLI_EXIT_OK;
}

static int enumerate_units(cli_batch_plan *p)
{
    const cli_options *o = &p->o;
    const vc_dataset *d = p->d;
    if (p->cov != NULL) {
        return enumerate_cov_units(p);
    }
    size_t cap = 0, vcap = 1;
    for (size_t s = 0; s < d->ntables; s++) {
        size_t nv = variants_cap(d->tables[s]->J, o);
        cap += o->methods.n * (1 + nv);
        vcap = nv > vcap ? nv : vcap;
    }
    p->units = calloc(cap ? cap : 1, sizeof *p->units);
    batch_variant *var = calloc(vcap, sizeof *var);
    if (p->units == NULL || var == NULL) {
        free(var);
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    vc_error err;
    vc_error_clear(&err);
    for (size_t s = 0; s < d->ntables; s++) {
        const vc_table *t = d->tables[s];
        size_t nvar = stratum_variants(t, o, var);
        for (size_t i = 0; i < o->methods.n; i++) {
            for (long v = -1; v < (long)nvar; v++) {
                batch_unit *u = &p->units[p->nunits++];
                u->stratum = s;
                u->m = cli_method_find(o->methods.v[i]);
                u->kind = -1;
                u->t = t;
                if (v >= 0) {
                    const batch_variant *x = &var[v];
                    u->kind = x->kind;
                    u->mask = x->mask;
                    snprintf(u->variant, sizeof u->variant, "%s",
                             x->variant);
                    snprintf(u->why, sizeof u->why, "%s", x->why);
                    if (x->why[0] == '\0') {
                        u->own = variant_table(t, x, &err);
                        if (u->own == NULL) {
                            cli_error("%s", err.msg);
                            free(var);
                            return CLI_EXIT_INTERNAL;
                        }
                        u->t = u->own;
                    }
                }
                if (unit_key(u, p) != 0) {
                    cli_error("out of memory");
                    free(var);
                    return CLI_EXIT_INTERNAL;
                }
                batch_unit_cost(u, o);
                snprintf(u->path, sizeof u->path, "%s/%s.json", p->cache,
                         u->key);
                char lab[256];
                snprintf(u->name, sizeof u->name, "%s, %s, %s",
                         cli_population_label(o, d, t, lab, sizeof lab),
                         u->m->name, v >= 0 ? u->variant : "all lists");
            }
        }
    }
    free(var);
    return CLI_EXIT_OK;
}

int cli_batch_plan_alloc(int argc, char **argv, int quiet,
                         cli_batch_plan **plan)
{
    *plan = NULL;
    cli_json_alloc_init(); /* the MPI build does not pass cli_main */
    cli_batch_plan *p = calloc(1, sizeof *p);
    if (p == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    cli_options_init(&p->o);
    int help = 0;
    int rc = cli_parse(argc, argv, "batch", &p->o, &help);
    if (help) {
        cli_batch_help(stdout);
        cli_batch_plan_free(p);
        return CLI_EXIT_OK;
    }
    if (rc == CLI_EXIT_OK) {
        rc = check_options(&p->o);
    }
    if (rc != CLI_EXIT_OK) {
        cli_batch_plan_free(p);
        return rc;
    }
    p->d = cli_read_dataset(&p->o, &rc);
    if (p->d == NULL) {
        cli_batch_plan_free(p);
        return rc;
    }
    rc = check_merges(p->d, &p->o);
    if (rc != CLI_EXIT_OK) {
        cli_batch_plan_free(p);
        return rc;
    }
    if (!p->o.quiet && !quiet) {
        for (size_t i = 0; i < p->d->nnotes; i++) {
            fprintf(stderr, "note: %s\n", p->d->notes[i]);
        }
    }
    snprintf(p->cache, sizeof p->cache, "%s/cache", p->o.batch.out_dir);
    p->mo = p->o;
    p->mo.quiet = 1;        /* the batch shows its own progress */
    p->mo.figures = 1;
    p->mo.no_timing = 1;
    p->sd = p->d;
    if (p->o.covariates.n > 0) {
        rc = covariate_strata(p, quiet);
        if (rc != CLI_EXIT_OK) {
            cli_batch_plan_free(p);
            return rc;
        }
    }
    rc = enumerate_units(p);
    if (rc != CLI_EXIT_OK) {
        cli_batch_plan_free(p);
        return rc;
    }
    *plan = p;
    return CLI_EXIT_OK;
}

void cli_batch_plan_free(cli_batch_plan *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->nunits; i++) {
        vc_table_free(p->units[i].own);
        json_decref(p->units[i].loaded);
    }
    free(p->units);
    free(p->todo);
    free(p->left);
    cli_cov_strata_free(p->cov, p->ncov);
    free(p->wholes);
    vc_population_free(p->pop);
    vc_dataset_free(p->d);
    cli_options_free(&p->o);
    free(p);
}

const cli_options *cli_batch_options(const cli_batch_plan *p)
{
    return &p->o;
}

size_t cli_batch_nunits(const cli_batch_plan *p)
{
    return p->nunits;
}

const char *cli_batch_unit_key(const cli_batch_plan *p, size_t i)
{
    return p->units[i].key;
}

const char *cli_batch_unit_name(const cli_batch_plan *p, size_t i)
{
    return p->units[i].name;
}
