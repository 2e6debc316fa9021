/*
 * covariates.c: `victimcount estimate --covariates COLS`: one log-linear
 * model over the lists and the covariates together per stratum
 * (estimators/vc_covloglin.h), with N in total and by covariate level,
 * and the other methods run on each level's own table.
 *
 * The file is read with the covariates as extra keys (vc_read_opts), so
 * the dataset holds one table per stratum and combination of covariate
 * values; here they are put back together: per stratum, the table of
 * patterns by levels for the model, and the stratum's whole table
 * (summed over the covariates) for the rows the output writes.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "estimators/vc_covloglin.h"
#include "report/vc_report.h"

/* One group of combinations that gets an estimate: the total, a level,
 * or a pair of levels. */
typedef struct {
    char covariate[256];
    char level[512];
    size_t nv;           /* covariates that define it (0: the total) */
    size_t v[2], l[2];   /* which, at which levels */
} group_name;

/* What a stratum's run needs besides the table. */
typedef struct {
    const vc_population *pop;   /* --population, or NULL */
    size_t ns;                  /* stratum columns */
    char *const *strata_cols;   /* their names */
} run_context;

/* The population of group g of stratum `whole` (keys: its stratum
 * values), or 0 when the table has none for it. */
static double group_population(const run_context *rc, const vc_table *whole,
                               const vc_covtable *ct, const group_name *g)
{
    const char *names[64], *values[64];
    size_t n = 0;
    if (rc->pop == NULL || rc->ns > 60) {
        return 0.0;
    }
    for (size_t s = 0; s < rc->ns; s++) {
        names[n] = rc->strata_cols[s];
        values[n++] = whole->keys[s];
    }
    for (size_t i = 0; i < g->nv; i++) {
        names[n] = ct->cov[g->v[i]];
        values[n++] = ct->levels[g->v[i]][g->l[i]];
    }
    double sum = 0.0;
    return vc_population_sum(rc->pop, n, names, values, &sum) == VC_OK
               ? sum
               : 0.0;
}

/* rate, rate_lower, rate_upper per 100,000 into j (nothing without a
 * population). */
static void set_rates(json_t *j, double pop, double N, double lo, double hi)
{
    if (pop > 0.0) {
        cli_json_set_real(j, "population", pop);
        cli_json_set_real(j, "rate", 1e5 * N / pop);
        cli_json_set_real(j, "rate_lower", 1e5 * lo / pop);
        cli_json_set_real(j, "rate_upper", 1e5 * hi / pop);
    }
}

/* The groups of ct: total first, then every level of every covariate,
 * then (pairs) every pair of levels of every pair of covariates.  flags:
 * ngroups x ncomb.  Returned count; 0 when out of memory. */
static size_t make_groups(const vc_covtable *ct, int pairs,
                          unsigned char **flags, group_name **names)
{
    size_t n = 1;
    for (size_t v = 0; v < ct->V; v++) {
        n += ct->nlevels[v];
        for (size_t u = v + 1; pairs && u < ct->V; u++) {
            n += ct->nlevels[v] * ct->nlevels[u];
        }
    }
    *flags = calloc(n * ct->ncomb, 1);
    *names = calloc(n, sizeof **names);
    if (*flags == NULL || *names == NULL) {
        free(*flags);
        free(*names);
        return 0;
    }
    size_t g = 0;
    memset(*flags, 1, ct->ncomb);
    g++;
    for (size_t v = 0; v < ct->V; v++) {
        for (size_t l = 0; l < ct->nlevels[v]; l++, g++) {
            (*names)[g].nv = 1;
            (*names)[g].v[0] = v;
            (*names)[g].l[0] = l;
            snprintf((*names)[g].covariate, sizeof (*names)[g].covariate,
                     "%s", ct->cov[v]);
            snprintf((*names)[g].level, sizeof (*names)[g].level, "%s",
                     ct->levels[v][l]);
            for (size_t c = 0; c < ct->ncomb; c++) {
                (*flags)[g * ct->ncomb + c] = vc_covtable_level(ct, c, v) == l;
            }
        }
    }
    for (size_t v = 0; pairs && v < ct->V; v++) {
        for (size_t u = v + 1; u < ct->V; u++) {
            for (size_t l = 0; l < ct->nlevels[v]; l++) {
                for (size_t k = 0; k < ct->nlevels[u]; k++, g++) {
                    (*names)[g].nv = 2;
                    (*names)[g].v[0] = v;
                    (*names)[g].l[0] = l;
                    (*names)[g].v[1] = u;
                    (*names)[g].l[1] = k;
                    snprintf((*names)[g].covariate,
                             sizeof (*names)[g].covariate, "%s:%s",
                             ct->cov[v], ct->cov[u]);
                    snprintf((*names)[g].level, sizeof (*names)[g].level,
                             "%s:%s", ct->levels[v][l], ct->levels[u][k]);
                    for (size_t c = 0; c < ct->ncomb; c++) {
                        (*flags)[g * ct->ncomb + c] =
                            vc_covtable_level(ct, c, v) == l
                            && vc_covtable_level(ct, c, u) == k;
                    }
                }
            }
        }
    }
    return n;
}

static const char *criterion_name(vc_cov_criterion c)
{
    return c == VC_COV_BIC ? "BIC" : c == VC_COV_AICC ? "AICc" : "AIC";
}

/* The estimates of every group of a stratum (make_groups' order). */
typedef struct {
    size_t ng;
    const group_name *names;
    const double *N, *obs, *lo, *hi;
} by_figures;

/* JSON "by": every group but the total. */
static json_t *by_json(const by_figures *f, const run_context *rc,
                       const vc_table *whole, const vc_covtable *ct)
{
    json_t *by = json_array();
    for (size_t g = 1; g < f->ng; g++) {
        json_t *j = json_object();
        cli_json_set_str(j, "covariate", f->names[g].covariate);
        cli_json_set_str(j, "level", f->names[g].level);
        cli_json_set_real(j, "estimate", f->N[g]);
        cli_json_set_real(j, "lower", f->lo[g]);
        cli_json_set_real(j, "upper", f->hi[g]);
        if (f->obs[g] == floor(f->obs[g])) {
            cli_json_set_int(j, "observed", (long long)f->obs[g]);
        } else {
            /* with missing values: as the EM allocates them */
            cli_json_set_real(j, "observed", f->obs[g]);
        }
        set_rates(j, group_population(rc, whole, ct, &f->names[g]), f->N[g], f->lo[g],
                  f->hi[g]);
        json_array_append_new(by, j);
    }
    return by;
}

/* The text table: every group (the total too when rates are shown). */
static void by_text(const by_figures *f, const run_context *rc,
                    const vc_table *whole, const vc_covtable *ct,
                    double level, cli_result *res)
{
    char lvl[48];
    snprintf(lvl, sizeof lvl, "%.10g%% interval", 100.0 * level);
    int rates = rc->pop != NULL;
    cli_add_detail(res, "%-28s %10s   %-21s %10s%s", "by covariate",
                   "estimate", lvl, "observed",
                   rates ? "   per 100,000 (interval)" : "");
    for (size_t g = rates ? 0 : 1; g < f->ng; g++) {
        char name[600], est[48], a[48], b[48], range[112], ob[48];
        char rate[160] = "";
        double pg = rates ? group_population(rc, whole, ct, &f->names[g]) : 0.0;
        if (pg > 0.0) {
            snprintf(rate, sizeof rate, "   %.1f (%.1f \xE2\x80\x93 %.1f)",
                     1e5 * f->N[g] / pg, 1e5 * f->lo[g] / pg, 1e5 * f->hi[g] / pg);
        } else if (rates) {
            snprintf(rate, sizeof rate, "   - (no population)");
        }
        if (g == 0) {
            snprintf(name, sizeof name, "total");
        } else {
            snprintf(name, sizeof name, "%s = %s", f->names[g].covariate,
                     f->names[g].level);
        }
        vc_format_count(f->N[g], est, sizeof est);
        vc_format_count(f->lo[g], a, sizeof a);
        vc_format_count(f->hi[g], b, sizeof b);
        vc_format_count(f->obs[g], ob, sizeof ob);
        snprintf(range, sizeof range, "%s \xE2\x80\x93 %s", a, b);
        cli_add_detail(res, "%-28s %10s   %-23s %10s%s", name, est, range, ob,
                       rate);
    }
}

/* The model with covariates on one stratum into res (table, method set). */
static int run_model(const vc_covtable *ct, const vc_table *whole,
                     const run_context *rc, const cli_options *o,
                     cli_result *res, vc_error *err)
{
    vc_covloglin_result fit;
    vc_cov_search_summary sum;
    vc_cov_criterion crit = o->loglinear.select == CLI_SELECT_BIC ? VC_COV_BIC
                            : o->loglinear.select == CLI_SELECT_AICC
                                ? VC_COV_AICC
                                : VC_COV_AIC;
    int searched = o->loglinear.model == NULL;
    int status;
    if (o->loglinear.heterogeneity != NULL) {
        return vc_error_set(err, VC_EINVAL,
                            "--heterogeneity is not taken with "
                            "--covariates (the covariates model the "
                            "heterogeneity they explain)");
    }
    if (o->interval == CLI_INTERVAL_PROFILE
        || o->interval == CLI_INTERVAL_LOGNORMAL) {
        return vc_error_set(err, VC_EINVAL,
                            "with --covariates the interval is bootstrap "
                            "(default) or wald");
    }
    if (searched) {
        status = vc_covloglin_search(
            ct, crit, o->loglinear.select != CLI_SELECT_STEPWISE, &fit, &sum,
            err);
    } else {
        vc_covloglin_model m;
        status = vc_covloglin_model_parse(o->loglinear.model, ct, &m, err);
        vc_covloglin_workspace *w =
            status == VC_OK ? vc_covloglin_workspace_alloc(ct, err) : NULL;
        if (status == VC_OK && w == NULL) {
            status = VC_ENOMEM;
        }
        if (status == VC_OK) {
            status = vc_covloglin_fit(ct, NULL, &m, &fit, NULL, w, err);
        }
        vc_covloglin_workspace_free(w);
    }
    if (status != VC_OK) {
        return status;
    }
    unsigned char *flags = NULL;
    group_name *names = NULL;
    size_t ng = make_groups(ct, o->by_pairs, &flags, &names);
    if (ng == 0) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    double *N = calloc(ng, sizeof *N), *obs = calloc(ng, sizeof *obs);
    double *lo = calloc(ng, sizeof *lo), *hi = calloc(ng, sizeof *hi);
    double *reps = NULL;
    size_t nfailed = 0;
    int boot = o->interval != CLI_INTERVAL_WALD;
    double se_total = 0.0;
    vc_covloglin_workspace *w = vc_covloglin_workspace_alloc(ct, err);
    if (N == NULL || obs == NULL || lo == NULL || hi == NULL || w == NULL) {
        status = vc_error_set(err, VC_ENOMEM, "out of memory");
        goto done;
    }
    /* the point estimates and Wald intervals of every group */
    vc_covloglin_model chosen = fit.model;
    status = vc_covloglin_fit(ct, NULL, &chosen, &fit, NULL, w, err);
    for (size_t g = 0; status == VC_OK && g < ng; g++) {
        vc_cov_group cg;
        status = vc_covloglin_group(w, flags + g * ct->ncomb, o->level, &cg,
                                    err);
        N[g] = cg.N;
        obs[g] = cg.observed;
        lo[g] = cg.lower;
        hi[g] = cg.upper;
        if (g == 0) {
            se_total = cg.n0 * cg.se_log_n0;
        }
    }
    if (status == VC_OK && boot) {
        reps = malloc(o->loglinear.bootstrap * ng * sizeof *reps);
        status = reps == NULL
                     ? vc_error_set(err, VC_ENOMEM, "out of memory")
                     : vc_covloglin_bootstrap(
                           ct, &chosen, ng, flags, o->loglinear.bootstrap,
                           o->seed, vc_hash_string(whole->label), o->level,
                           lo, hi, reps, &nfailed, err);
    }
    if (status != VC_OK) {
        goto done;
    }
    const by_figures fig = {ng, names, N, obs, lo, hi};
    vc_estimate *e = &res->est;
    vc_estimate_init(e, "loglinear", whole->n);
    e->estimate = N[0];
    e->has_se = !boot;
    e->se = boot ? 0.0 : se_total;
    e->level = o->level;
    e->lower = lo[0];
    e->upper = hi[0];
    e->interval = boot ? "parametric bootstrap percentile (model fixed)"
                       : "Wald on log n0 (delta method)";
    char model[1024];
    vc_covloglin_model_format(&fit.model, ct, model, sizeof model, NULL);
    json_t *x = cli_result_extra(res);
    json_object_set_new(x, "model", json_string(model));
    json_object_set_new(x, "covariates",
                        cli_json_strings(ct->cov, ct->V));
    if (searched) {
        json_t *s = json_object();
        cli_json_set_str(s, "criterion", criterion_name(crit));
        cli_json_set_str(s, "search",
                         sum.exhaustive ? "exhaustive" : "stepwise");
        cli_json_set_int(s, "candidates", (long long)sum.ncandidates);
        cli_json_set_int(s, "models_fitted", (long long)sum.nfitted);
        cli_json_set_int(s, "models_refused", (long long)sum.nrefused);
        json_object_set_new(x, "selection", s);
    }
    double pop0 = group_population(rc, whole, ct, &names[0]);
    set_rates(x, pop0, N[0], lo[0], hi[0]);
    cli_json_set_int(x, "parameters", (long long)fit.k);
    cli_json_set_real(x, "deviance", fit.deviance);
    cli_json_set_real(x, "df", fit.df);
    cli_json_set_real(x, "aic", fit.aic);
    cli_json_set_real_if(x, "aicc", fit.aicc, fit.aicc < HUGE_VAL);
    cli_json_set_real(x, "bic", fit.bic);
    if (boot) {
        json_t *b = json_object();
        cli_json_set_int(b, "replicates", (long long)o->loglinear.bootstrap);
        cli_json_set_int(b, "failed", (long long)nfailed);
        cli_json_set_int(b, "seed", (long long)o->seed);
        json_object_set_new(x, "bootstrap", b);
    }
    if (ct->nmissing > 0) {
        json_t *mv = json_object();
        cli_json_set_int(mv, "people", (long long)ct->nmissing);
        cli_json_set_int(mv, "em_iterations", (long long)fit.em_iterations);
        json_object_set_new(x, "missing_covariates", mv);
    }
    json_object_set_new(x, "by", by_json(&fig, rc, whole, ct));

    if (searched) {
        cli_add_detail(res, "model: %s (chosen by %s, %s search over %zu "
                       "two-way terms, %llu models fitted)", model,
                       criterion_name(crit),
                       sum.exhaustive ? "exhaustive" : "stepwise",
                       sum.ncandidates, (unsigned long long)sum.nfitted);
    } else {
        cli_add_detail(res, "model: %s", model);
    }
    cli_add_detail(res, "deviance %.2f on %.0f df, AIC %.2f, %zu parameters",
                   fit.deviance, fit.df, fit.aic, fit.k);
    if (ct->nmissing > 0) {
        cli_add_detail(res, "%llu people with a missing covariate value: "
                       "filled in by EM (%zu steps; missing at random given "
                       "the lists that saw them), repeated in every "
                       "bootstrap replicate; their share of a level counts "
                       "in its observed",
                       (unsigned long long)ct->nmissing, fit.em_iterations);
    }
    if (boot) {
        cli_add_detail(res, "intervals: parametric bootstrap, %zu replicates "
                       "(seed %llu)%s", o->loglinear.bootstrap,
                       (unsigned long long)o->seed,
                       nfailed ? ", some replicates had no fit" : "");
    }
    by_text(&fig, rc, whole, ct, o->level, res);
done:
    vc_covloglin_workspace_free(w);
    free(flags);
    free(names);
    free(N);
    free(obs);
    free(lo);
    free(hi);
    free(reps);
    return status;
}

/* A table of the people of one group of combinations, summed over the
 * other covariates, keyed by the stratum keys and "name=level".  in NULL:
 * everyone, people with missing values too; else the group of the
 * covariates in mask, and of the people with a missing value those whose
 * covariates in mask are known. */
static vc_table *group_table(const vc_covtable *ct, const unsigned char *in,
                             uint32_t mask, const vc_table *whole,
                             const char *key, vc_error *err)
{
    size_t nx = (size_t)1 << ct->J;
    uint32_t *pat = malloc(nx * sizeof *pat);
    uint64_t *cnt = calloc(nx, sizeof *cnt);
    vc_table *t = NULL;
    if (pat != NULL && cnt != NULL) {
        for (size_t x = 0; x < nx; x++) {
            pat[x] = (uint32_t)x;
            for (size_t c = 0; c < ct->ncomb; c++) {
                if (in == NULL || in[c]) {
                    cnt[x] += (uint64_t)ct->y[(c << ct->J) | x];
                }
            }
        }
        for (size_t k = 0; k < ct->ntypes; k++) {
            if (in != NULL && (ct->type[k] & mask) != 0) {
                continue;
            }
            unsigned char *done = calloc(ct->type_ncomb[k], 1);
            if (done == NULL) {
                break;
            }
            for (size_t c = 0; c < ct->ncomb; c++) {
                size_t r = vc_covtable_reduce(ct, k, c);
                if ((in != NULL && !in[c]) || done[r]) {
                    continue;
                }
                done[r] = 1;
                for (size_t x = 1; x < nx; x++) {
                    cnt[x] += (uint64_t)ct->ymiss[k][(r << ct->J) | x];
                }
            }
            free(done);
        }
        cnt[0] = 0;
        t = vc_table_from_counts(ct->J, (const char *const *)ct->lists, nx,
                                 pat, cnt, err);
    } else {
        vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    free(pat);
    free(cnt);
    if (t == NULL) {
        return NULL;
    }
    size_t nk = whole != NULL ? whole->nkeys : 0;
    const char *keys[64];
    for (size_t k = 0; k < nk && k < 63; k++) {
        keys[k] = whole->keys[k];
    }
    if (key != NULL) {
        keys[nk++] = key;
    }
    if (nk > 0 && vc_table_set_stratum(t, nk, keys, err) != VC_OK) {
        vc_table_free(t);
        return NULL;
    }
    return t;
}

typedef cli_cov_stratum stratum_parts;

int cli_cov_run(const vc_covtable *ct, const vc_table *whole,
                const vc_population *pop, const vc_dataset *d,
                const cli_options *o, cli_result *res, vc_error *err)
{
    run_context rc = {pop, d->nstrata_cols - d->ncovariates,
                      d->strata_cols};
    return run_model(ct, whole, &rc, o, res, err);
}

vc_population *cli_cov_population(const cli_options *o, const vc_dataset *d,
                                  int *rc)
{
    *rc = CLI_EXIT_OK;
    if (o->population == NULL) {
        return NULL;
    }
    vc_error perr;
    vc_error_clear(&perr);
    vc_population *pop = vc_population_read(o->population, &perr);
    if (pop == NULL) {
        cli_error("%s", perr.msg);
        *rc = cli_exit_for_status(perr.code);
        return NULL;
    }
    /* every key column must be a stratum or a covariate: anything else
     * would be summed over without a word */
    for (size_t k = 0; k < pop->ncols; k++) {
        int known = 0;
        for (size_t s = 0; s < d->nstrata_cols; s++) {
            known |= strcmp(pop->cols[k], d->strata_cols[s]) == 0;
        }
        if (!known) {
            cli_error("%s: column \"%s\" is neither a stratum nor a "
                      "covariate of %s", o->population, pop->cols[k],
                      o->input);
            vc_population_free(pop);
            *rc = CLI_EXIT_DATA;
            return NULL;
        }
    }
    return pop;
}

cli_cov_stratum *cli_cov_strata(const vc_dataset *d, size_t *n,
                                vc_error *err)
{
    size_t ns = d->nstrata_cols - d->ncovariates;
    size_t V = d->ncovariates;
    const char *const *covn = (const char *const *)d->strata_cols + ns;
    size_t cap = d->ntables ? d->ntables : 1;
    /* Strata in order of first appearance: table i belongs to the first
     * table with the same stratum keys. */
    size_t *first = malloc(cap * sizeof *first);
    const vc_table **slice = malloc(cap * sizeof *slice);
    stratum_parts *parts = calloc(cap, sizeof *parts);
    *n = 0;
    if (first == NULL || slice == NULL || parts == NULL) {
        free(first);
        free(slice);
        free(parts);
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < d->ntables; i++) {
        first[i] = i;
        for (size_t k = 0; k < i; k++) {
            int same = first[k] == k;
            for (size_t s = 0; same && s < ns; s++) {
                same = strcmp(d->tables[k]->keys[s], d->tables[i]->keys[s])
                       == 0;
            }
            if (same) {
                first[i] = k;
                break;
            }
        }
    }
    for (size_t i = 0; i < d->ntables; i++) {
        if (first[i] != i) {
            continue;
        }
        size_t m = 0;
        for (size_t k = i; k < d->ntables; k++) {
            if (first[k] == i) {
                slice[m++] = d->tables[k];
            }
        }
        stratum_parts *p = &parts[*n];
        p->ct = vc_covtable_from_tables(m, slice, ns, V, covn, err);
        vc_table whole_keys = {0};
        whole_keys.nkeys = ns;
        whole_keys.keys = d->tables[i]->keys;
        p->whole = p->ct ? group_table(p->ct, NULL, 0,
                                       ns ? &whole_keys : NULL, NULL, err)
                         : NULL;
        if (p->whole == NULL) {
            vc_covtable_free(p->ct);
            p->ct = NULL;
            cli_cov_strata_free(parts, *n);
            free(first);
            free(slice);
            *n = 0;
            return NULL;
        }
        (*n)++;
    }
    free(first);
    free(slice);
    return parts;
}

int cli_cov_levels(cli_cov_stratum *p, vc_error *err)
{
    if (p->level != NULL) {
        return VC_OK;
    }
    size_t nlev = 0;
    for (size_t v = 0; v < p->ct->V; v++) {
        nlev += p->ct->nlevels[v];
    }
    p->level = calloc(nlev ? nlev : 1, sizeof *p->level);
    unsigned char *in = malloc(p->ct->ncomb);
    if (p->level == NULL || in == NULL) {
        free(in);
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    for (size_t v = 0; v < p->ct->V; v++) {
        for (size_t l = 0; l < p->ct->nlevels[v]; l++) {
            char key[600];
            snprintf(key, sizeof key, "%s=%s", p->ct->cov[v],
                     p->ct->levels[v][l]);
            for (size_t c = 0; c < p->ct->ncomb; c++) {
                in[c] = vc_covtable_level(p->ct, c, v) == l;
            }
            vc_table whole_keys = {0};
            whole_keys.nkeys = p->whole->nkeys;
            whole_keys.keys = p->whole->keys;
            vc_table *t = group_table(p->ct, in, 1u << v, &whole_keys, key,
                                      err);
            if (t == NULL) {
                free(in);
                return err->code;
            }
            p->level[p->nlevel++] = t;
        }
    }
    free(in);
    return VC_OK;
}

void cli_cov_strata_free(cli_cov_stratum *parts, size_t n)
{
    for (size_t s = 0; parts != NULL && s < n; s++) {
        vc_covtable_free(parts[s].ct);
        vc_table_free(parts[s].whole);
        for (size_t l = 0; l < parts[s].nlevel; l++) {
            vc_table_free(parts[s].level[l]);
        }
        free(parts[s].level);
    }
    free(parts);
}

void cli_cov_key(const vc_covtable *ct, const cli_options *o,
                 const vc_population *pop, FILE *f)
{
    fprintf(f, "covariates %zu by_pairs %d\n", ct->V, o->by_pairs);
    for (size_t v = 0; v < ct->V; v++) {
        fprintf(f, "%zu %s %zu\n", strlen(ct->cov[v]), ct->cov[v],
                ct->nlevels[v]);
        for (size_t l = 0; l < ct->nlevels[v]; l++) {
            fprintf(f, "%zu %s\n", strlen(ct->levels[v][l]),
                    ct->levels[v][l]);
        }
    }
    for (size_t i = 0; i < ct->ncell; i++) {
        if (ct->y[i] != 0.0) {
            fprintf(f, "y %zu %.17g\n", i, ct->y[i]);
        }
    }
    for (size_t k = 0; k < ct->ntypes; k++) {
        size_t nc = ct->type_ncomb[k] << ct->J;
        fprintf(f, "missing %lx %zu\n", (unsigned long)ct->type[k], nc);
        for (size_t i = 0; i < nc; i++) {
            if (ct->ymiss[k][i] != 0.0) {
                fprintf(f, "m %zu %.17g\n", i, ct->ymiss[k][i]);
            }
        }
    }
    /* the rates come from the population file's figures */
    if (pop != NULL) {
        fprintf(f, "population %zu %zu\n", pop->ncols, pop->nrows);
        for (size_t k = 0; k < pop->ncols; k++) {
            fprintf(f, "%zu %s\n", strlen(pop->cols[k]), pop->cols[k]);
        }
        for (size_t r = 0; r < pop->nrows; r++) {
            for (size_t k = 0; k < pop->ncols; k++) {
                const char *c = pop->cells[r * pop->ncols + k];
                fprintf(f, "%zu %s\n", strlen(c), c);
            }
            fprintf(f, "%.17g\n", pop->population[r]);
        }
    }
}

int cli_estimate_covariates(const cli_options *o, const vc_dataset *d)
{
    size_t ns = d->nstrata_cols - d->ncovariates;
    size_t V = d->ncovariates;
    stratum_parts *parts = NULL;
    vc_table **wholes = calloc(d->ntables ? d->ntables : 1, sizeof *wholes);
    size_t nparts = 0;
    int rc = CLI_EXIT_OK;
    run_context ctx = {NULL, ns, d->strata_cols};
    if (o->threads > 0) {
        /* the search and the bootstrap run their models on this many
         * threads (results never depend on it) */
        omp_set_num_threads(o->threads);
    }
    vc_population *pop = cli_cov_population(o, d, &rc);
    if (rc != CLI_EXIT_OK) {
        goto done;
    }
    ctx.pop = pop;
    if (wholes == NULL) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
        goto done;
    }
    vc_error err;
    vc_error_clear(&err);
    parts = cli_cov_strata(d, &nparts, &err);
    if (parts == NULL) {
        cli_error("%s: %s", o->input, err.msg);
        rc = cli_exit_for_status(err.code);
        goto done;
    }
    for (size_t s = 0; s < nparts; s++) {
        wholes[s] = parts[s].whole;
    }

    /* the rows: per stratum, loglinear on the model with covariates, the
     * other methods on every level's own table */
    size_t cap = 0;
    for (size_t s = 0; s < nparts; s++) {
        size_t nlev = 0;
        for (size_t v = 0; v < V; v++) {
            nlev += parts[s].ct->nlevels[v];
        }
        for (size_t i = 0; i < o->methods.n; i++) {
            const cli_method *m = cli_method_find(o->methods.v[i]);
            cap += strcmp(m->name, "loglinear") == 0
                       ? 1
                       : nlev * cli_method_rows(m, parts[s].ct->J);
        }
    }
    cli_result *res = calloc(cap ? cap : 1, sizeof *res);
    if (res == NULL) {
        cli_error("out of memory");
        rc = CLI_EXIT_INTERNAL;
        goto done;
    }
    size_t nres = 0;
    int failed = 0;
    unsigned long oom_before = cli_oom_count();
    int oom = 0;
    for (size_t i = 0; i < o->methods.n; i++) {
        const cli_method *m = cli_method_find(o->methods.v[i]);
        if (strcmp(m->name, "loglinear") != 0 && !o->quiet) {
            fprintf(stderr, "note: %s does not take covariates: it runs on "
                    "the table of each covariate level separately\n",
                    m->name);
        }
    }
    for (size_t s = 0; s < nparts && rc == CLI_EXIT_OK; s++) {
        stratum_parts *p = &parts[s];
        for (size_t i = 0; i < o->methods.n; i++) {
            const cli_method *m = cli_method_find(o->methods.v[i]);
            if (strcmp(m->name, "loglinear") == 0) {
                cli_result *r = &res[nres++];
                r->table = p->whole;
                r->method = m->name;
                vc_error_clear(&err);
                r->status = run_model(p->ct, p->whole, &ctx, o, r, &err);
                if (r->status != VC_OK) {
                    snprintf(r->error, sizeof r->error, "%s", err.msg);
                    failed = 1;
                    oom |= r->status == VC_ENOMEM;
                }
                continue;
            }
            /* per level */
            vc_error_clear(&err);
            if (cli_cov_levels(p, &err) != VC_OK) {
                cli_error("%s", err.msg);
                rc = cli_exit_for_status(err.code);
                break;
            }
            for (size_t l = 0; l < p->nlevel && rc == CLI_EXIT_OK; l++) {
                size_t k = cli_run_method(m, p->level[l], o, &res[nres],
                                          NULL);
                for (size_t r = 0; r < k; r++) {
                    failed |= res[nres + r].status != VC_OK;
                    oom |= res[nres + r].status == VC_ENOMEM;
                }
                nres += k;
            }
        }
    }
    if (rc == CLI_EXIT_OK) {
        /* the dataset as the output sees it: the strata, not the
         * covariates, as its strata */
        vc_dataset view = *d;
        view.nstrata_cols = ns;
        view.ntables = nparts;
        view.tables = wholes;
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        if (mem == NULL) {
            cli_error("out of memory");
            rc = CLI_EXIT_INTERNAL;
        } else {
            rc = cli_write_results(o, &view, res, nres, mem);
            if ((fclose(mem) != 0 || oom || cli_oom_count() != oom_before)
                && rc == CLI_EXIT_OK) {
                cli_error("out of memory");
                rc = CLI_EXIT_INTERNAL;
            }
            if (rc == CLI_EXIT_OK) {
                rc = cli_emit(o->output, buf, len);
            }
            free(buf);
        }
    }
    if (rc == CLI_EXIT_OK && failed) {
        rc = cli_report_failures(res, nres);
    }
    for (size_t r = 0; r < nres; r++) {
        cli_result_clear(&res[r]);
    }
    free(res);
done:
    cli_cov_strata_free(parts, nparts);
    vc_population_free(pop);
    free(wholes);
    return rc;
}
