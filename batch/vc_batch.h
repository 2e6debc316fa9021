/*
 * vc_batch.h: the plan of a batch, every stratum of a dataset with every
 * method, as units of work: which method runs on each stratum's table,
 * the random stream it draws from, and the units that cannot run there
 * and why.  `victimcount batch` (cli/batch*.c) and the R and Python
 * bindings plan from here, so a unit gets the same method, seed and
 * stream whoever runs it, and its result the same bytes.
 *
 * The plan runs nothing: the methods themselves are the library's
 * estimators and models, called by whoever holds the plan.  Each unit is
 * independent of every other: its stream is keyed by the seed and the
 * stratum's label (vc_hash_string), never by its position in the file or
 * the thread that runs it, so units may run in any order and on any
 * number of threads.
 */
#ifndef VC_BATCH_H
#define VC_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"
#include "data/vc_data.h"

/* The methods a batch runs when none are named, comma-separated. */
#define VC_BATCH_DEFAULT_METHODS "chapman,loglinear,lcm,dga"

/* One unit of a batch: one method on one stratum's table. */
typedef struct {
    size_t stratum;       /* index into the dataset's tables */
    size_t method;        /* index into the methods asked for */
    const char *asked;    /* the method asked for (borrowed from the
                             caller's methods); results carry this name */
    const char *run;      /* the method that runs on the table: asked, or
                             "pairwise" for chapman on more than 2 lists
                             (static) */
    uint64_t seed;        /* the batch's seed */
    uint64_t stream;      /* the stratum id of the unit's random streams:
                             vc_hash_string of the table's label */
    int status;           /* VC_OK: run it; VC_EUNDEFINED: it cannot run
                             on this table, and why says so (its result is
                             a row with this status and message) */
    char why[VC_ERROR_SIZE];
} vc_batch_unit;

/*
 * Whether name is a method the engine has (chapman, petersen, pairwise,
 * chao, independence, loglinear, lcm, dga): 1 or 0.
 */
int vc_batch_method_known(const char *name);

/*
 * Fill u for running method (borrowed) on table t with seed: the method
 * that runs, the stream, and whether it can run (a table on which fewer
 * than two lists saw anyone cannot).  stratum and method are left to the
 * caller.  Returns u->status.
 */
int vc_batch_unit_init(const vc_table *t, const char *method, uint64_t seed,
                       vc_batch_unit *u);

/*
 * The units of d's strata with each of methods[0 .. nmethods - 1] (NULL
 * and 0: VC_BATCH_DEFAULT_METHODS), in output order: stratum by stratum,
 * the methods in the order given.  Returned (free() it) with *nunits set;
 * NULL with err set on VC_EINVAL (an unknown method, none named) or
 * VC_ENOMEM.  The unit's asked points into methods (or static text), so
 * they must outlive the plan.
 */
vc_batch_unit *vc_batch_plan(const vc_dataset *d,
                             const char *const *methods, size_t nmethods,
                             uint64_t seed, size_t *nunits, vc_error *err);

#endif /* VC_BATCH_H */
