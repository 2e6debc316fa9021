/*
 * batch_impl.h: what the files of `victimcount batch` share and nothing
 * else reads: the units of a batch and the plan that holds them.
 *   batch_plan.c   units, variants and their cache keys (the plan)
 *   batch_cache.c  unit files: their JSON, checks, the atomic store
 *   batch.c        computing units, progress, assembling the outputs
 * The API in steps, for cli_batch and the MPI driver, is in cli.h.
 */
#ifndef VC_CLI_BATCH_IMPL_H
#define VC_CLI_BATCH_IMPL_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <nettle/sha2.h>

#include "cli/cli.h"

/* One unit of work. */
typedef struct {
    size_t stratum;          /* index into d->tables */
    const cli_method *m;
    int kind;                /* -1: all lists; else the CLI_SENS_* kind of
                                the variant */
    uint32_t mask;           /* omit: the list left out; merge: the lists
                                merged (bits of the stratum's table) */
    vc_table *own;           /* the variant's table (owned) */
    const vc_table *t;       /* the table the unit estimates */
    char variant[1024];      /* "", "without IOM" or "IOM+NGO merged" */
    char why[VC_ERROR_SIZE]; /* not "": the variant cannot be formed in
                                this stratum, and this says why */
    char key[2 * SHA256_DIGEST_SIZE + 1];
    char path[4096 + 80];    /* DIR/cache/<key>.json */
    char name[1400];         /* "Kazakhstan 2004, lcm, without IOM" */
    json_t *loaded;          /* the unit file's contents */
    const cli_cov_stratum *cs; /* with --covariates, the loglinear unit of
                                a stratum: its model with covariates */
    double cost;             /* its estimated run time on one core, in
                                seconds (batch_unit_cost): the order the
                                units are computed in and the time left */
} batch_unit;

/* A variant of one stratum's table, before it is paired with methods. */
typedef struct {
    int kind;                /* CLI_SENS_* */
    uint32_t mask;
    char variant[1024];
    char why[VC_ERROR_SIZE];
} batch_variant;

/* A batch: its options, its data and its units in output order (stratum,
 * method, variant), and on the rank that writes, what is left to do. */
struct cli_batch_plan {
    cli_options o;           /* as parsed */
    cli_options mo;          /* what each method runner gets */
    vc_dataset *d;           /* as read (with --covariates: a table per
                                stratum and combination of levels) */
    const vc_dataset *sd;    /* its strata: d, or with --covariates view */
    vc_dataset view;         /* d with the covariates summed over */
    cli_cov_stratum *cov;    /* with --covariates: per stratum of view */
    size_t ncov;
    vc_table **wholes;       /* view's tables (cov[s].whole) */
    vc_population *pop;      /* --population, or NULL */
    batch_unit *units;
    size_t nunits;
    char cache[4096];        /* DIR/cache */
    size_t *todo;            /* units not in the cache, the costliest
                                first (batch_cache.c) */
    size_t ntodo;
    double cost_todo;        /* their estimated cost, in all */
    double cost_done;        /* of those finished in this run */
    size_t *left;            /* per stratum, its units not yet done */
    size_t done, sdone;      /* units and strata finished */
    cli_progress progress;
    double t0;
    FILE *headlines;         /* where assemble writes the headlines; NULL:
                                standard output */
};

/* batch_cache.c: a result row as JSON for the unit file (every field,
 * doubles exact), and back: strings and objects of the row are borrowed
 * from j, which must outlive it; the row must not be cli_result_clear'ed.
 * batch_load_unit: u's file when it exists and is a finished unit with
 * u's key, else NULL (returned; json_decref). */
json_t *batch_row_to_json(const cli_result *r);
void batch_row_from_json(const json_t *j, const vc_table *t,
                         const char *method, cli_result *r);
json_t *batch_load_unit(const batch_unit *u);

/* batch_plan.c: u's estimated run time on one core in seconds
 * (u->cost). */
void batch_unit_cost(batch_unit *u, const cli_options *o);

/* batch.c: start the progress display (NONE under --quiet). */
void batch_progress_start(cli_batch_plan *p, cli_progress progress);

#endif /* VC_CLI_BATCH_IMPL_H */
