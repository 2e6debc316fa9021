/*
 * batch.c (MPI): `victimcount-mpi batch` under mpirun: the units of a
 * batch (cli/batch.c) spread over the ranks of an MPI job by dynamic
 * master-worker scheduling.
 *
 * Rank 0 is the master.  It reads the file, enumerates the units exactly
 * as `victimcount batch` does and skips those already in DIR/cache.  It
 * hands out one unit at a time, the costliest first (cli_batch_todo), to
 * whichever worker is free: units differ in cost by orders of magnitude
 * (Chapman on three lists takes microseconds, a latent-class model
 * minutes), so a static split would leave ranks idle, and the cheap units
 * last fill the ranks while the last expensive ones finish.  A worker computes its unit with
 * cli_batch_unit_compute, the code `victimcount batch` runs, with its own
 * OpenMP threads inside the unit, and sends the serialised unit file back
 * as soon as it is done (MPI_Send of the bytes).  The master checks it,
 * writes it into the cache atomically and shows progress before it gives
 * that worker its next unit.  The cache is therefore current at every
 * moment: a worker that dies or a job that is killed loses only the units
 * in flight, and running the same command again resumes.  The outputs are
 * assembled from the cache by cli_batch_assemble, so results.csv and
 * results.json are the bytes `victimcount batch` writes with the same
 * seed, for any number of ranks: a unit's random streams are keyed by the
 * seed and the stratum's label, never by a rank.
 *
 * With one rank the master computes the units itself, on its OpenMP
 * threads, with cli_batch_run_local, exactly as `victimcount batch`.  With more, the master computes
 * nothing: it polls with MPI_Iprobe and sleeps between polls (Open MPI's
 * blocking receive spins a core), so start one rank more than the
 * workers you want; it costs almost no CPU.
 *
 * Every rank reads FILE itself, at the same path (a shared file system
 * across machines); only the master writes.  The master sends each
 * unit's cache key with its index, and a worker refuses a unit whose key
 * differs from its own: a file or options that differ between machines
 * are an error, never a wrong result.
 *
 * Failures.  A worker that cannot compute or serialise its unit reports
 * the error; the master prints it with the unit's name and rank, hands
 * out nothing more, waits for the units in flight and exits with status
 * 1.  A rank stopped by a signal it can catch writes, from the signal
 * handler and with write(2) alone, which unit it was computing (a worker)
 * or which unit each worker had and how many units are safe in the cache
 * (the master): SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (a crash),
 * SIGTERM, SIGINT and SIGHUP (mpirun sends SIGTERM to the other ranks
 * when one dies).  SIGKILL cannot be caught: mpirun then names the rank
 * that died, and the master's message names that rank's unit.
 *
 * Messages, tagged: master to worker UNIT ("INDEX KEY") or STOP; worker
 * to master RESULT (the unit file's bytes) or FAILED (a one-line
 * message).  Each RESULT or FAILED also says the worker is free.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <mpi.h>

#include "cli/cli.h"
#include "cli/mpi/cli_mpi.h"

enum { TAG_UNIT = 1, TAG_STOP, TAG_RESULT, TAG_FAILED };

/* How long the master sleeps between polls for a worker's message: far
 * below any unit's run time, far above the cost of a poll. */
#define POLL_SLEEP_NS 1000000L

/* What the signal handler reports.  Set before the handler is installed
 * or as sig_atomic_t; the plan's unit names never change once built. */
static const cli_batch_plan *sig_plan;
static int sig_rank;
static volatile sig_atomic_t sig_unit = -1;   /* a worker's unit */
static volatile sig_atomic_t *sig_busy;       /* master: each rank's unit */
static int sig_size;
static volatile sig_atomic_t sig_done;        /* master: units cached */
static const char *sig_cache;

/* GCOVR_EXCL_START: the signal handler and its helpers run in
 * test_batch.c's "mpi: worker killed, resume" (the master's message is
 * checked there), but the handler ends its process by the signal, before
 * gcov writes the counters: no coverage can be recorded for them. */

/* Async-signal-safe formatting: append s, or the decimal x, to buf. */
static size_t put_str(char *buf, size_t n, size_t size, const char *s)
{
    while (*s != '\0' && n + 1 < size) {
        buf[n++] = *s++;
    }
    buf[n] = '\0';
    return n;
}

static size_t put_num(char *buf, size_t n, size_t size, long x)
{
    char d[24];
    size_t k = 0;
    unsigned long u = x < 0 ? 0ul - (unsigned long)x : (unsigned long)x;
    do {
        d[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0 && k < sizeof d);
    if (x < 0 && n + 1 < size) {
        buf[n++] = '-';
    }
    while (k > 0 && n + 1 < size) {
        buf[n++] = d[--k];
    }
    buf[n] = '\0';
    return n;
}

static void put_line(char *buf, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(STDERR_FILENO, buf + off, n - off);
        if (w <= 0) {
            return;
        }
        off += (size_t)w;
    }
}

/* " unit U (NAME), not finished" after the n bytes of buf, then the
 * line written (async-signal-safe). */
static void put_unfinished(char *buf, size_t n, size_t size, long u)
{
    n = put_str(buf, n, size, " unit ");
    n = put_num(buf, n, size, u);
    n = put_str(buf, n, size, " (");
    n = put_str(buf, n, size, cli_batch_unit_name(sig_plan, (size_t)u));
    n = put_str(buf, n, size, "), not finished\n");
    put_line(buf, n);
}

static void on_signal(int sig)
{
    char buf[1024];
    size_t n = 0;
    n = put_str(buf, n, sizeof buf, "victimcount-mpi: rank ");
    n = put_num(buf, n, sizeof buf, sig_rank);
    n = put_str(buf, n, sizeof buf, " stopped by signal ");
    n = put_num(buf, n, sizeof buf, sig);
    if (sig_busy != NULL) {
        n = put_str(buf, n, sizeof buf, "; ");
        n = put_num(buf, n, sizeof buf, sig_done);
        n = put_str(buf, n, sizeof buf, " of ");
        n = put_num(buf, n, sizeof buf, (long)cli_batch_nunits(sig_plan));
        n = put_str(buf, n, sizeof buf, " units are finished in ");
        n = put_str(buf, n, sizeof buf, sig_cache);
        n = put_str(buf, n, sizeof buf,
                    "; run the same command again to resume\n");
        put_line(buf, n);
        for (int r = 1; r < sig_size; r++) {
            long u = sig_busy[r];
            if (u < 0) {
                continue;
            }
            n = put_str(buf, 0, sizeof buf, "victimcount-mpi: rank ");
            n = put_num(buf, n, sizeof buf, r);
            n = put_str(buf, n, sizeof buf, " was computing");
            put_unfinished(buf, n, sizeof buf, u);
        }
    } else if (sig_unit >= 0) {
        n = put_str(buf, n, sizeof buf, " while computing");
        put_unfinished(buf, n, sizeof buf, sig_unit);
    } else {
        n = put_str(buf, n, sizeof buf, " between units\n");
        put_line(buf, n);
    }
    /* die of the same signal, so mpirun reports it */
    signal(sig, SIG_DFL);
    raise(sig);
}
/* GCOVR_EXCL_STOP */

/* Install on_signal for the signals a rank can catch.  After MPI_Init,
 * so it replaces Open MPI's own crash handler, which cannot name the
 * unit. */
static void catch_signals(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT,
                               SIGTERM, SIGINT, SIGHUP};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        sigaction(sigs[i], &sa, NULL);
    }
}

/* Receive the next message from src (MPI_ANY_SOURCE: any), of any tag,
 * into a NUL-terminated buffer (returned; free).  wait: sleep between
 * polls instead of spinning in MPI_Recv.  NULL when out of memory. */
static char *receive(int src, int wait, MPI_Status *st, size_t *len)
{
    if (wait) {
        int flag = 0;
        MPI_Iprobe(src, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, st);
        while (!flag) {
            struct timespec ts = {0, POLL_SLEEP_NS};
            nanosleep(&ts, NULL);
            MPI_Iprobe(src, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, st);
        }
    } else {
        MPI_Probe(src, MPI_ANY_TAG, MPI_COMM_WORLD, st);
    }
    int count = 0;
    MPI_Get_count(st, MPI_CHAR, &count);
    char *buf = malloc((size_t)count + 1);
    MPI_Recv(buf ? buf : (char[1]){0}, buf ? count : 0, MPI_CHAR,
             st->MPI_SOURCE, st->MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (buf != NULL) {
        buf[count] = '\0';
    }
    *len = (size_t)count;
    return buf;
}

static void send_text(const char *text, size_t len, int dest, int tag)
{
    MPI_Send(text, (int)len, MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

/* Give rank r unit todo[*next], or STOP when there is none or stop is
 * set; returns 1 when r got a unit. */
static int assign(const cli_batch_plan *p, const size_t *todo, size_t ntodo,
                  size_t *next, int stop, int r)
{
    if (stop || *next >= ntodo) {
        send_text("", 0, r, TAG_STOP);
        sig_busy[r] = -1;
        return 0;
    }
    size_t i = todo[(*next)++];
    char msg[128];
    int n = snprintf(msg, sizeof msg, "%zu %s", i, cli_batch_unit_key(p, i));
    sig_busy[r] = (sig_atomic_t)i;
    send_text(msg, (size_t)n, r, TAG_UNIT);
    return 1;
}

/* The master's loop with workers 1 .. size - 1. */
static int master(cli_batch_plan *p, int size)
{
    const size_t *todo;
    size_t ntodo = cli_batch_todo(p, &todo);
    size_t next = 0;
    int rc = CLI_EXIT_OK;
    int busy = 0;
    for (int r = 1; r < size; r++) {
        busy += assign(p, todo, ntodo, &next, 0, r);
    }
    while (busy > 0) {
        MPI_Status st;
        size_t len = 0;
        char *msg = receive(MPI_ANY_SOURCE, 1, &st, &len);
        int r = st.MPI_SOURCE;
        long u = sig_busy[r];
        int ok = msg != NULL && u >= 0 && st.MPI_TAG == TAG_RESULT;
        /* the worker's next unit first, so that it computes while the
         * master writes (the fsyncs of an atomic write take milliseconds,
         * as long as a small unit) */
        sig_busy[r] = -1;
        busy -= !assign(p, todo, ntodo, &next,
                        !ok || rc != CLI_EXIT_OK, r);
        if (msg == NULL) {
            cli_error("batch: out of memory receiving unit %s from rank %d",
                      u >= 0 ? cli_batch_unit_name(p, (size_t)u) : "?", r);
            rc = CLI_EXIT_INTERNAL;
        } else if (u < 0) {
            cli_error("batch: unexpected message from rank %d", r);
            rc = CLI_EXIT_INTERNAL;
        } else if (st.MPI_TAG == TAG_RESULT) {
            int src = cli_batch_unit_store(p, (size_t)u, msg, len);
            if (src != CLI_EXIT_OK) {
                rc = rc == CLI_EXIT_OK ? src : rc;
            } else {
                char by[32];
                snprintf(by, sizeof by, "rank %d", r);
                cli_batch_unit_done(p, (size_t)u, by);
                sig_done = (sig_atomic_t)cli_batch_ndone(p);
            }
        } else {
            cli_error("batch: rank %d failed on unit %ld (%s): %s", r, u,
                      cli_batch_unit_name(p, (size_t)u), msg);
            rc = CLI_EXIT_INTERNAL;
        }
        free(msg);
    }
    cli_batch_progress_end(p);
    if (rc != CLI_EXIT_OK) {
        cli_error("batch: stopped; %zu of %zu units are finished in %s/cache"
                  "; run the same command again to resume",
                  cli_batch_ndone(p), cli_batch_nunits(p),
                  cli_batch_options(p)->batch.out_dir);
    }
    return rc;
}

/* Tell the master why this rank could not do its unit. */
static void fail(int rank, const char *why)
{
    char msg[VC_ERROR_SIZE + 64];
    snprintf(msg, sizeof msg, "on rank %d: %s", rank, why);
    send_text(msg, strlen(msg), 0, TAG_FAILED);
}

/* A worker's loop: compute what the master sends until STOP. */
static void worker(const cli_batch_plan *p, int rank)
{
    int threads = cli_batch_options(p)->threads;
    size_t nunits = cli_batch_nunits(p);
    for (;;) {
        MPI_Status st;
        size_t len = 0;
        char *msg = receive(0, 0, &st, &len);
        if (st.MPI_TAG == TAG_STOP) {
            free(msg);
            return;
        }
        if (msg == NULL) {
            fail(rank, "out of memory");
            continue;
        }
        char *end = NULL;
        errno = 0;
        unsigned long long i = strtoull(msg, &end, 10);
        const char *key = end != NULL && *end == ' ' ? end + 1 : "";
        if (errno != 0 || end == msg || i >= nunits) {
            fail(rank, "a unit that this rank does not have: is FILE "
                          "the same on every machine?");
        } else if (strcmp(key, cli_batch_unit_key(p, (size_t)i)) != 0) {
            char why[512];
            snprintf(why, sizeof why, "its unit %llu has key %.16s..., "
                     "the master's %.16s...: FILE or the options differ "
                     "between machines", i,
                     cli_batch_unit_key(p, (size_t)i), key);
            fail(rank, why);
        } else {
            sig_unit = (sig_atomic_t)i;
            json_t *unit = cli_batch_unit_compute(p, (size_t)i, threads);
            char *text = unit ? cli_batch_unit_serialise(unit) : NULL;
            json_decref(unit);
            size_t tlen = text ? strlen(text) : 0;
            if (text == NULL) {
                fail(rank, "out of memory");
            } else if (tlen > INT_MAX) {
                fail(rank, "the unit's file is over 2 GB, more "
                                      "than one MPI message holds");
            } else {
                send_text(text, tlen, 0, TAG_RESULT);
            }
            free(text);
            sig_unit = -1;
        }
        free(msg);
    }
}

int cli_mpi_batch(int argc, char **argv)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    sig_rank = rank;
    sig_size = size;

    /* The master reads and checks first, so a bad command line or file
     * is reported once; code -1 means --help was printed. */
    cli_batch_plan *p = NULL;
    long code[2] = {0, 0};   /* status, units */
    if (rank == 0) {
        int rc = cli_batch_plan_alloc(argc, argv, 0, &p);
        if (p != NULL) {
            rc = cli_batch_open_cache(p, isatty(STDERR_FILENO)
                                             ? CLI_PROGRESS_TTY
                                             : CLI_PROGRESS_LINES);
            code[1] = (long)cli_batch_nunits(p);
        }
        code[0] = p == NULL && rc == CLI_EXIT_OK ? -1 : rc;
    }
    MPI_Bcast(code, 2, MPI_LONG, 0, MPI_COMM_WORLD);
    if (code[0] != 0) {
        cli_batch_plan_free(p);
        return rank == 0 && code[0] > 0 ? (int)code[0] : CLI_EXIT_OK;
    }
    int mine = CLI_EXIT_OK;
    if (rank != 0) {
        mine = cli_batch_plan_alloc(argc, argv, 1, &p);
        if (p != NULL && (long)cli_batch_nunits(p) != code[1]) {
            cli_error("batch: rank %d finds %zu units in %s, the master "
                      "%ld: is FILE the same on every machine?", rank,
                      cli_batch_nunits(p), cli_batch_options(p)->input,
                      code[1]);
            mine = CLI_EXIT_DATA;
        } else if (p == NULL && mine == CLI_EXIT_OK) {
            mine = CLI_EXIT_INTERNAL;
        }
    }
    int worst = CLI_EXIT_OK;
    MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst != CLI_EXIT_OK) {
        if (rank == 0) {
            cli_error("batch: a worker could not set up the batch (its "
                      "message is above)");
        }
        cli_batch_plan_free(p);
        return rank == 0 ? worst : CLI_EXIT_OK;
    }

    sig_plan = p;
    char cache[4200];
    snprintf(cache, sizeof cache, "%s/cache",
             cli_batch_options(p)->batch.out_dir);
    sig_cache = cache;
    int rc = CLI_EXIT_OK;
    if (rank == 0) {
        sig_busy = calloc((size_t)size, sizeof *sig_busy);
        if (sig_busy == NULL) {
            cli_error("out of memory");
            MPI_Abort(MPI_COMM_WORLD, CLI_EXIT_INTERNAL);
        }
        for (int r = 0; r < size; r++) {
            sig_busy[r] = -1;
        }
        sig_done = (sig_atomic_t)cli_batch_ndone(p);
        /* alone, rank 0 runs the units as `victimcount batch` does, and
         * like it leaves signals alone (its threads keep no per-unit
         * record for a handler to read) */
        if (size > 1) {
            catch_signals();
        }
        rc = size == 1 ? cli_batch_run_local(p) : master(p, size);
        if (rc == CLI_EXIT_OK) {
            rc = cli_batch_assemble(p);
        }
    } else {
        catch_signals();
        worker(p, rank);
    }
    /* from here on a signal has nothing to report */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    volatile sig_atomic_t *busy = sig_busy;
    sig_busy = NULL;
    sig_plan = NULL;
    free((void *)busy);
    cli_batch_plan_free(p);
    return rc;
}
