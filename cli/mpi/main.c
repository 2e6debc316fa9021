/*
 * main.c (MPI): victimcount-mpi, the victimcount command built with Open
 * MPI.  `victimcount-mpi batch ...` under mpirun spreads a batch over the
 * ranks of the job (batch.c beside this file); every other command runs
 * as in victimcount, and only in a job of one rank, since it has nothing
 * to share out.
 */
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <mpi.h>

#include "cli/cli.h"
#include "cli/mpi/cli_mpi.h"

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks every status. */
    gsl_set_error_handler_off();
    /* FUNNELED: each rank runs OpenMP threads inside a unit, but only
     * the main thread calls MPI. */
    int provided = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided)
        != MPI_SUCCESS) {
        cli_error("victimcount-mpi: MPI could not start");
        return CLI_EXIT_INTERNAL;
    }
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int rc;
    if (provided < MPI_THREAD_FUNNELED) {
        if (rank == 0) {
            cli_error("victimcount-mpi: this MPI library does not allow "
                      "threads (MPI_THREAD_FUNNELED)");
        }
        rc = CLI_EXIT_INTERNAL;
    } else if (argc >= 2 && strcmp(argv[1], "batch") == 0) {
        rc = cli_mpi_batch(argc - 1, argv + 1);
    } else if (size == 1) {
        rc = cli_main(argc, argv);
    } else {
        if (rank == 0) {
            cli_error("victimcount-mpi: only `batch` runs on several ranks; "
                      "run %s with one rank, or with victimcount",
                      argc >= 2 ? argv[1] : "it");
        }
        rc = CLI_EXIT_USAGE;
    }
    MPI_Finalize();
    return rc;
}
