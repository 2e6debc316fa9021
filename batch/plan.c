/*
 * plan.c: the units of a batch (vc_batch.h): every stratum with every
 * method, the method that runs on each table, and its random stream.
 *
 * Two rules live here and nowhere else:
 *  - chapman asked for on a table of more than two lists runs as
 *    pairwise (Chapman for each pair of lists), so one --methods list
 *    fits strata with two lists and strata with more;
 *  - a unit's random streams are keyed by (seed, vc_hash_string(label)),
 *    the key of vc_rng_key, so a stratum's result does not depend on its
 *    position in the file, on the other strata, or on the thread or rank
 *    that computes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch/vc_batch.h"

static const char *const known[] = {"chapman", "petersen", "pairwise",
                                    "chao", "independence", "loglinear",
                                    "lcm", "dga"};
#define NKNOWN (sizeof known / sizeof known[0])

static const char *const defaults[] = {"chapman", "loglinear", "lcm", "dga"};
#define NDEFAULTS (sizeof defaults / sizeof defaults[0])

int vc_batch_method_known(const char *name)
{
    for (size_t i = 0; name != NULL && i < NKNOWN; i++) {
        if (strcmp(name, known[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int vc_batch_unit_init(const vc_table *t, const char *method, uint64_t seed,
                       vc_batch_unit *u)
{
    u->asked = method;
    u->run = method;
    if (strcmp(method, "chapman") == 0 && t->J > 2) {
        u->run = "pairwise";
    }
    u->seed = seed;
    u->stream = vc_hash_string(t->label);
    u->status = VC_OK;
    u->why[0] = '\0';
    if (t->J < 2) {
        u->status = VC_EUNDEFINED;
        snprintf(u->why, sizeof u->why,
                 "only %zu list saw anyone here; at least 2 are needed (3 "
                 "for loglinear, lcm and dga)", t->J);
    }
    return u->status;
}

vc_batch_unit *vc_batch_plan(const vc_dataset *d,
                             const char *const *methods, size_t nmethods,
                             uint64_t seed, size_t *nunits, vc_error *err)
{
    *nunits = 0;
    if (methods == NULL && nmethods == 0) {
        methods = defaults;
        nmethods = NDEFAULTS;
    }
    if (methods == NULL || nmethods == 0) {
        vc_error_set(err, VC_EINVAL, "batch: no methods named");
        return NULL;
    }
    for (size_t i = 0; i < nmethods; i++) {
        if (!vc_batch_method_known(methods[i])) {
            vc_error_set(err, VC_EINVAL, "batch: unknown method \"%s\" "
                         "(chapman, petersen, pairwise, chao, independence, "
                         "loglinear, lcm or dga)",
                         methods[i] ? methods[i] : "(null)");
            return NULL;
        }
    }
    size_t n = d->ntables * nmethods;
    vc_batch_unit *u = calloc(n ? n : 1, sizeof *u);
    if (u == NULL) {
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    size_t k = 0;
    for (size_t s = 0; s < d->ntables; s++) {
        for (size_t i = 0; i < nmethods; i++, k++) {
            vc_batch_unit_init(d->tables[s], methods[i], seed, &u[k]);
            u[k].stratum = s;
            u[k].method = i;
        }
    }
    *nunits = n;
    return u;
}
