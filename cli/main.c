/*
 * main.c: the victimcount command; the routing is in dispatch.c.
 */
#include <gsl/gsl_errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli/cli.h"

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks every status. */
    gsl_set_error_handler_off();
#ifdef __GLIBC__
    /* Blocks below 4 MB (a fit's passes allocate and free a few hundred
     * kilobytes each, several times) from the heap, kept there once
     * freed: glibc would otherwise map each afresh, and every first touch
     * of a page is a fault (5 us on a VM): UK 5 lists' dga spent 13% of
     * its time there.  Larger ones (a wide grid's posterior) stay mapped,
     * so that growing them moves pages rather than copying. */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
    return cli_main(argc, argv);
}
