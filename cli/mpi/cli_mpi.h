/*
 * cli_mpi.h: the MPI build of the victimcount command (victimcount-mpi).
 * Only the files in cli/mpi/ include mpi.h; the library, its tests and
 * build/victimcount never need MPI.
 */
#ifndef VC_CLI_MPI_H
#define VC_CLI_MPI_H

/* `victimcount-mpi batch ...` on every rank of MPI_COMM_WORLD, after
 * MPI_Init_thread: argv[0] is "batch".  Returns this rank's exit status
 * (workers return CLI_EXIT_OK unless they could not start; the master
 * returns the batch's status). */
int cli_mpi_batch(int argc, char **argv);

#endif /* VC_CLI_MPI_H */
