/*
 * jsonmem.c: allocation failures the CLI recovers from locally, counted;
 * jansson's allocations among them.
 *
 * jansson reports a failed allocation only by a NULL or -1 from the call
 * that needed it, and json_object_set_new(obj, key, NULL) quietly sets
 * nothing, so an object built by a chain of such calls can come out with
 * fields missing.  Rather than test each of the hundreds of calls that
 * build results, the CLI routes jansson's allocations through malloc here
 * and counts the failures, as cli_add_detail (methods.c) counts a detail line
 * it could not add; code that builds results to keep (a batch unit file)
 * compares the count before and after and treats any change as out of
 * memory (cli_batch_unit_compute).  The count is process-wide, so a
 * failure in one thread also fails the units other threads are building
 * at that moment: more is refused, never a unit with a field missing.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "cli/cli.h"

static atomic_ulong failures;

static void *json_malloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        cli_oom_note();
    }
    return p;
}

static void json_free(void *p)
{
    free(p);
}

void cli_json_alloc_init(void)
{
    json_set_alloc_funcs(json_malloc, json_free);
}

void cli_oom_note(void)
{
    atomic_fetch_add(&failures, 1);
}

unsigned long cli_oom_count(void)
{
    return atomic_load(&failures);
}
