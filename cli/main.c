/*
 * main.c: the victimcount command; the routing is in dispatch.c.
 */
#include <gsl/gsl_errno.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks every status. */
    gsl_set_error_handler_off();
    return cli_main(argc, argv);
}
