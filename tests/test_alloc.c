/*
 * test_alloc.c: every allocation failure of representative calls, as
 * SQLite's and curl's test suites do it.  The test binary is linked with
 * -Wl,--wrap for every allocator the library and the CLI call (Makefile:
 * ALLOC_WRAP), so each of their allocations passes through the hooks
 * below.  For a call under test the k-th allocation fails, for k = 1, 2,
 * ... until the call runs without reaching the k-th; each time the call
 * must
 *   - return VC_ENOMEM (the CLI: exit status CLI_EXIT_INTERNAL) with a
 *     message, or, where a failure is recovered from, the same result as
 *     without it (never another answer);
 *   - leave nothing allocated (every pointer a hook handed out while armed
 *     is tracked until freed);
 *   - leave no file half-written and no temporary behind.
 *
 * What the hooks see: malloc, calloc, realloc, free, strdup, strndup,
 * aligned_alloc and posix_memalign called from our objects; the GSL
 * objects we allocate (gsl_rng, gsl_matrix, root solver, fixed
 * quadrature) as one allocation each; libcsv's buffer (its realloc
 * function is set to the hook in csv_init); jansson's allocations, which
 * the CLI routes through malloc (cli_json_alloc_init); open_memstream.
 * What they cannot see, because it happens inside another shared library
 * that calls its own malloc: GSL's allocations inside those objects and
 * inside gsl_* routines, libgomp's thread pool and team structures
 * (libgomp aborts on a failed allocation: gomp_malloc), cairo's and
 * fontconfig's internals (cairo reports a failure as
 * CAIRO_STATUS_NO_MEMORY, which report/plot.c maps to VC_ENOMEM), stdio's
 * buffers (fopen, the growth of an open_memstream: its fclose then
 * fails, which the callers check), GLPK's (the existence LP of
 * estimators/exist.c: GLPK ends the process when its allocator fails, so
 * no status could come back), nettle (allocates nothing).
 *
 * The full loop over every k runs under VC_SLOW=1 (make test-slow); `make
 * test` tries every k up to STRIDE_FROM and then every stride-th, the
 * stride chosen so that a case tries at most about MAX_TRIES values.
 */
#define _GNU_SOURCE /* strndup's prototype for the wrapper */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <csv.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_roots.h>

#include "cli/cli.h"
#include "data/vc_data.h"
#include "estimators/vc_estimators.h"
#include "estimators/vc_loglin.h"
#include "link/vc_link.h"
#include "models/vc_dga.h"
#include "models/vc_models.h"
#include "models/vc_umbrella.h"
#include "report/vc_report.h"
#include "tests/test_util.h"

/* ---------------------------------------------------------------------
 * The hooks
 * ------------------------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
int __real_posix_memalign(void **p, size_t a, size_t n);
FILE *__real_open_memstream(char **buf, size_t *len);
gsl_rng *__real_gsl_rng_alloc(const gsl_rng_type *t);
void __real_gsl_rng_free(gsl_rng *r);
gsl_matrix *__real_gsl_matrix_alloc(size_t n1, size_t n2);
void __real_gsl_matrix_free(gsl_matrix *m);
gsl_root_fsolver *__real_gsl_root_fsolver_alloc(const gsl_root_fsolver_type
                                                *t);
void __real_gsl_root_fsolver_free(gsl_root_fsolver *s);
gsl_integration_fixed_workspace *
__real_gsl_integration_fixed_alloc(const gsl_integration_fixed_type *t,
                                   size_t n, double a, double b,
                                   double alpha, double beta);
void __real_gsl_integration_fixed_free(gsl_integration_fixed_workspace *w);
int __real_csv_init(struct csv_parser *p, unsigned char options);

/* The wrappers, declared for -Wmissing-prototypes. */
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t m, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
FILE *__wrap_open_memstream(char **buf, size_t *len);
gsl_rng *__wrap_gsl_rng_alloc(const gsl_rng_type *t);
void __wrap_gsl_rng_free(gsl_rng *r);
gsl_matrix *__wrap_gsl_matrix_alloc(size_t n1, size_t n2);
void __wrap_gsl_matrix_free(gsl_matrix *m);
gsl_root_fsolver *__wrap_gsl_root_fsolver_alloc(const gsl_root_fsolver_type
                                                *t);
void __wrap_gsl_root_fsolver_free(gsl_root_fsolver *s);
gsl_integration_fixed_workspace *
__wrap_gsl_integration_fixed_alloc(const gsl_integration_fixed_type *t,
                                   size_t n, double a, double b,
                                   double alpha, double beta);
void __wrap_gsl_integration_fixed_free(gsl_integration_fixed_workspace *w);
int __wrap_csv_init(struct csv_parser *p, unsigned char options);

/* Armed: allocations are counted, the fail_at-th fails (once: later ones
 * succeed again, so recovery paths run too) and every pointer handed out
 * is tracked until freed. */
static atomic_int armed;
static atomic_long ncalls;   /* allocations counted since arming */
static atomic_long fail_at;  /* 0: none fails */
static atomic_int injected;  /* the failure happened */
static long trap_at;         /* VC_ALLOC_TRAP: print this one's stack */
static int trap_fd = 2;      /* where: standard error, even captured */

/* Live pointers handed out while armed: open addressing with linear
 * probing and backward-shift deletion (Knuth, TAOCP vol. 3, 6.4,
 * algorithm R), so deletions leave no tombstones.  seq is the allocation's
 * number, to name a leak. */
#define LIVE_BITS 20
#define LIVE_SIZE ((size_t)1 << LIVE_BITS)
static struct {
    void *p;
    long seq;
} live[LIVE_SIZE];
static atomic_size_t nlive; /* read unlocked: 0 lets free skip the lock
                                while disarmed (the other suites) */
/* Distinct call sites (return addresses) of the counted allocations. */
#define SITES_SIZE 4096
static void *sites[SITES_SIZE];
static size_t nsites;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t live_slot(const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> (64 - LIVE_BITS));
}

/* Count one allocation from site; nonzero when it is the one to fail. */
static int hook_fail(void *site, long *seq)
{
    if (!atomic_load(&armed)) {
        return 0;
    }
    long n = atomic_fetch_add(&ncalls, 1) + 1;
    *seq = n;
    pthread_mutex_lock(&live_lock);
    size_t h = ((uintptr_t)site * 0x9E3779B97F4A7C15ULL) >> 52;
    while (sites[h] != NULL && sites[h] != site) {
        h = (h + 1) % SITES_SIZE;
    }
    if (sites[h] == NULL && nsites < SITES_SIZE / 2) {
        sites[h] = site;
        nsites++;
    }
    pthread_mutex_unlock(&live_lock);
    if (n == trap_at) {
        /* VC_ALLOC_TRAP=N: where the N-th allocation of each armed run
         * comes from, to find the owner of a leak the test names */
        void *frames[32];
        int nf = backtrace(frames, 32);
        dprintf(trap_fd, "\n  allocation #%ld:\n", n);
        backtrace_symbols_fd(frames, nf, trap_fd);
    }
    if (n == atomic_load(&fail_at)) {
        atomic_store(&injected, 1);
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

static void track(void *p, long seq)
{
    if (p == NULL || seq == 0) {
        return;
    }
    pthread_mutex_lock(&live_lock);
    if (nlive >= LIVE_SIZE / 2) {
        pthread_mutex_unlock(&live_lock);
        fputs("test_alloc: too many live allocations to track\n", stderr);
        abort();
    }
    size_t i = live_slot(p);
    while (live[i].p != NULL) {
        i = (i + 1) & (LIVE_SIZE - 1);
    }
    live[i].p = p;
    live[i].seq = seq;
    nlive++;
    pthread_mutex_unlock(&live_lock);
}

static void untrack(void *p)
{
    if (p == NULL
        || atomic_load_explicit(&nlive, memory_order_relaxed) == 0) {
        return;
    }
    pthread_mutex_lock(&live_lock);
    if (nlive == 0) {
        pthread_mutex_unlock(&live_lock);
        return;
    }
    size_t i = live_slot(p);
    while (live[i].p != NULL && live[i].p != p) {
        i = (i + 1) & (LIVE_SIZE - 1);
    }
    if (live[i].p == p) {
        /* algorithm R: move later entries of the run back into the hole
         * when their home slot does not lie cyclically in (hole, j] */
        live[i].p = NULL;
        nlive--;
        size_t j = i;
        for (;;) {
            j = (j + 1) & (LIVE_SIZE - 1);
            if (live[j].p == NULL) {
                break;
            }
            size_t home = live_slot(live[j].p);
            int stays = i <= j ? (i < home && home <= j)
                               : (i < home || home <= j);
            if (!stays) {
                live[i] = live[j];
                live[j].p = NULL;
                i = j;
            }
        }
    }
    pthread_mutex_unlock(&live_lock);
}

#define SITE __builtin_return_address(0)

void *__wrap_malloc(size_t n)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    void *p = __real_malloc(n);
    track(p, seq);
    return p;
}

void *__wrap_calloc(size_t m, size_t n)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    void *p = __real_calloc(m, n);
    track(p, seq);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL; /* p is left as it was, as realloc does */
    }
    void *q = __real_realloc(p, n);
    if (q != NULL || n == 0) {
        untrack(p);
        /* a pointer from before arming that moves is tracked from now
         * on, as if newly allocated */
        track(q, seq);
    }
    return q;
}

void __wrap_free(void *p)
{
    untrack(p);
    __real_free(p);
}

char *__wrap_strdup(const char *s)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    char *p = __real_strdup(s);
    track(p, seq);
    return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    char *p = __real_strndup(s, n);
    track(p, seq);
    return p;
}

void *__wrap_aligned_alloc(size_t a, size_t n)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    void *p = __real_aligned_alloc(a, n);
    track(p, seq);
    return p;
}

int __wrap_posix_memalign(void **p, size_t a, size_t n)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return ENOMEM;
    }
    int rc = __real_posix_memalign(p, a, n);
    if (rc == 0) {
        track(*p, seq);
    }
    return rc;
}

/* The stream's buffer is libc's own allocation (not tracked: the caller
 * frees it through the hook, which ignores pointers it does not know). */
FILE *__wrap_open_memstream(char **buf, size_t *len)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    return __real_open_memstream(buf, len);
}

gsl_rng *__wrap_gsl_rng_alloc(const gsl_rng_type *t)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    gsl_rng *r = __real_gsl_rng_alloc(t);
    track(r, seq);
    return r;
}

/* vc_rng_stream_alloc builds its generators with aligned_alloc, and
 * gsl_rng_free frees them inside GSL, past the hooks. */
void __wrap_gsl_rng_free(gsl_rng *r)
{
    if (r != NULL) {
        untrack(r->state);
    }
    untrack(r);
    __real_gsl_rng_free(r);
}

gsl_matrix *__wrap_gsl_matrix_alloc(size_t n1, size_t n2)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    gsl_matrix *m = __real_gsl_matrix_alloc(n1, n2);
    track(m, seq);
    return m;
}

void __wrap_gsl_matrix_free(gsl_matrix *m)
{
    untrack(m);
    __real_gsl_matrix_free(m);
}

gsl_root_fsolver *__wrap_gsl_root_fsolver_alloc(const gsl_root_fsolver_type
                                                *t)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    gsl_root_fsolver *s = __real_gsl_root_fsolver_alloc(t);
    track(s, seq);
    return s;
}

void __wrap_gsl_root_fsolver_free(gsl_root_fsolver *s)
{
    untrack(s);
    __real_gsl_root_fsolver_free(s);
}

gsl_integration_fixed_workspace *
__wrap_gsl_integration_fixed_alloc(const gsl_integration_fixed_type *t,
                                   size_t n, double a, double b,
                                   double alpha, double beta)
{
    long seq = 0;
    if (hook_fail(SITE, &seq)) {
        return NULL;
    }
    gsl_integration_fixed_workspace *w =
        __real_gsl_integration_fixed_alloc(t, n, a, b, alpha, beta);
    track(w, seq);
    return w;
}

void __wrap_gsl_integration_fixed_free(gsl_integration_fixed_workspace *w)
{
    untrack(w);
    __real_gsl_integration_fixed_free(w);
}

/* libcsv allocates its field buffer with the parser's realloc function:
 * point it at the hook. */
int __wrap_csv_init(struct csv_parser *p, unsigned char options)
{
    int rc = __real_csv_init(p, options);
    if (rc == 0) {
        csv_set_realloc_func(p, __wrap_realloc);
        csv_set_free_func(p, __wrap_free);
    }
    return rc;
}

static void arm(long k)
{
    pthread_mutex_lock(&live_lock);
    if (nlive > 0) { /* deletion leaves no tombstones: empty when 0 */
        memset(live, 0, sizeof live);
        nlive = 0;
    }
    pthread_mutex_unlock(&live_lock);
    atomic_store(&ncalls, 0);
    atomic_store(&injected, 0);
    atomic_store(&fail_at, k);
    atomic_store(&armed, 1);
}

/* Disarm (a call under test may disarm itself before it checks what it
 * did); returns the allocations counted. */
static long disarm(void)
{
    atomic_store(&armed, 0);
    atomic_store(&fail_at, 0);
    return atomic_load(&ncalls);
}

/* Report the leaked allocations (by number) and forget them. */
static size_t leaks(const char *what, long k)
{
    pthread_mutex_lock(&live_lock);
    size_t n = nlive;
    if (n > 0) {
        fprintf(stderr, "\n  %s, allocation %ld failed: %zu leaked:", what,
                k, n);
        size_t shown = 0;
        for (size_t i = 0; i < LIVE_SIZE && shown < 8; i++) {
            if (live[i].p != NULL) {
                fprintf(stderr, " #%ld", live[i].seq);
                shown++;
            }
        }
    }
    if (n > 0) {
        memset(live, 0, sizeof live);
        nlive = 0;
    }
    pthread_mutex_unlock(&live_lock);
    return n;
}

/* ---------------------------------------------------------------------
 * The loop over k
 * ------------------------------------------------------------------- */

/* Every k up to STRIDE_FROM, then about MAX_TRIES in all (make test;
 * VC_ALLOC_TRIES sets it, as make valgrind does). */
#define STRIDE_FROM 30
#define MAX_TRIES 60

/* A call under test: returns its status with err filled; on VC_OK it has
 * compared its result with the reference the first (unarmed) call kept,
 * and returns VC_EDATA when they differ.  Everything it allocated is freed
 * before it returns. */
typedef int (*alloc_call)(void *ctx, vc_error *err);

typedef struct {
    long total;   /* allocations of a run that fails none */
    size_t sites; /* distinct call sites among them */
    long tried;   /* values of k tried */
} alloc_stats;

static long next_k(long k, long stride, long from)
{
    return k < from ? k + 1 : k + stride;
}

static void run_alloc_case(const char *name, alloc_call call, void *ctx,
                           alloc_stats *st)
{
    memset(st, 0, sizeof *st);
    /* the reference, and any lazily built static state, unarmed */
    vc_error err;
    vc_error_clear(&err);
    int rc = call(ctx, &err);
    if (rc != VC_OK) {
        fprintf(stderr, "\n  %s: the reference run failed: %s", name,
                err.msg);
    }
    CU_ASSERT_EQUAL_FATAL(rc, VC_OK);
    /* one armed run that fails nothing counts the allocations */
    pthread_mutex_lock(&live_lock);
    memset(sites, 0, sizeof sites);
    nsites = 0;
    pthread_mutex_unlock(&live_lock);
    arm(0);
    rc = call(ctx, &err);
    st->total = disarm();
    st->sites = nsites;
    CU_ASSERT_EQUAL(leaks(name, 0), 0);
    if (rc != VC_OK) {
        fprintf(stderr, "\n  %s: the run that fails nothing failed: %s",
                name, err.msg);
    }
    CU_ASSERT_EQUAL_FATAL(rc, VC_OK);
    long stride = 1;
    const char *tries_env = getenv("VC_ALLOC_TRIES");
    long tries = tries_env != NULL ? atol(tries_env) : MAX_TRIES;
    long from = tries < STRIDE_FROM ? tries / 2 : STRIDE_FROM;
    if (!vc_test_slow() && tries > 0 && st->total > from) {
        stride = (st->total - from) / (tries - from > 0 ? tries - from : 1)
                 + 1;
    }
    size_t bad = 0;
    /* VC_ALLOC_TRAP=N tries k = N alone */
    for (long k = trap_at > 0 ? trap_at : 1; bad < 5;
         k = trap_at > 0 ? k : next_k(k, stride, from)) {
        vc_error_clear(&err);
        arm(k);
        rc = call(ctx, &err);
        disarm();
        int hit = atomic_load(&injected);
        size_t nleak = leaks(name, k);
        if (!hit || trap_at > 0) {
            CU_ASSERT(rc == VC_OK || hit);
            break;
        }
        st->tried++;
        int ok = nleak == 0
                 && (rc == VC_OK
                     || (rc == VC_ENOMEM && err.code == VC_ENOMEM
                         && err.msg[0] != '\0'));
        if (!ok) {
            fprintf(stderr, "\n  %s, allocation %ld failed: status %d, "
                    "error %d \"%s\", %zu leaked", name, k, rc, err.code,
                    err.msg, nleak);
            bad++;
        }
        CU_ASSERT(ok);
    }
    fprintf(stderr, "\n    %s: %ld allocations from %zu sites, %ld failed "
            "in turn%s", name, st->total, st->sites, st->tried,
            stride > 1 ? " (a stride; all under VC_SLOW=1)" : "");
}

/* ---------------------------------------------------------------------
 * The calls under test
 * ------------------------------------------------------------------- */

static char tmpdir[256];

static int setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vc_alloc_XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        return -1;
    }
    cli_json_alloc_init();
    const char *trap = getenv("VC_ALLOC_TRAP");
    trap_at = trap != NULL ? atol(trap) : 0;
    if (trap_at > 0) {
        trap_fd = dup(2);
    }
    return 0;
}

static int teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A dataset's figures as one string, to compare runs. */
static void dataset_digest(const vc_dataset *d, char *buf, size_t size)
{
    size_t off = 0;
    off += (size_t)snprintf(buf + off, size - off, "%d %zu %zu %llu %llu",
                            d->aggregated, d->J, d->ntables,
                            (unsigned long long)d->n,
                            (unsigned long long)d->dropped);
    for (size_t s = 0; s < d->ntables && off < size; s++) {
        const vc_table *t = d->tables[s];
        off += (size_t)snprintf(buf + off, size - off, " [%s %zu",
                                t->label ? t->label : "", t->J);
        for (size_t i = 0; i < t->npat && off < size; i++) {
            off += (size_t)snprintf(buf + off, size - off, " %lx:%llu",
                                    (unsigned long)t->pattern[i],
                                    (unsigned long long)t->count[i]);
        }
    }
    for (size_t i = 0; i < d->nnotes && off < size; i++) {
        off += (size_t)snprintf(buf + off, size - off, " %s", d->notes[i]);
    }
}

typedef struct {
    const char *path;
    vc_read_opts opts;
    int have_ref;
    char ref[8192];
} read_ctx;

static int call_read(void *ctx, vc_error *err)
{
    read_ctx *c = ctx;
    vc_dataset *d = vc_dataset_read(c->path, &c->opts, err);
    if (d == NULL) {
        return err->code;
    }
    char got[8192];
    dataset_digest(d, got, sizeof got);
    vc_dataset_free(d);
    if (!c->have_ref) {
        memcpy(c->ref, got, sizeof got);
        c->have_ref = 1;
    }
    return strcmp(got, c->ref) == 0 ? VC_OK : VC_EDATA;
}

static void test_read_aggregated(void)
{
    static const char *const strata[] = {"country", "year"};
    read_ctx c;
    memset(&c, 0, sizeof c);
    c.path = "tests/fixtures/strata.csv";
    c.opts.strata = strata;
    c.opts.nstrata = 2;
    alloc_stats st;
    run_alloc_case("read, aggregated, 2 strata", call_read, &c, &st);
    CU_ASSERT(st.total > 10);
}

static void test_read_record(void)
{
    /* record level, one row per person, with a stratum, a merge and an
     * omission */
    char path[512];
    snprintf(path, sizeof path, "%s/record_strata.csv", tmpdir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("region,A,B,C,D\n", f);
    for (int i = 0; i < 60; i++) {
        int bits = 1 + i % 15;
        fprintf(f, "%s,%d,%d,%d,%d\n", i % 3 ? "North" : "South", bits & 1,
                bits >> 1 & 1, bits >> 2 & 1, bits >> 3 & 1);
    }
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
    static const char *const strata[] = {"region"};
    static const char *const merge[] = {"A+B"};
    static const char *const omit[] = {"D"};
    read_ctx c;
    memset(&c, 0, sizeof c);
    c.path = path;
    c.opts.strata = strata;
    c.opts.nstrata = 1;
    c.opts.merge = merge;
    c.opts.nmerge = 1;
    c.opts.omit = omit;
    c.opts.nomit = 1;
    alloc_stats st;
    run_alloc_case("read, record level, stratum, merge, omit", call_read,
                   &c, &st);
    CU_ASSERT(st.total > 10);
}

/* Bit-for-bit equality of doubles (NaN equal to NaN). */
static int same_doubles(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

#define BOOT_B 16

typedef struct {
    vc_table *t;
    int have_ref;
    double ref[BOOT_B + 7];
} boot_ctx;

static int call_bootstrap(void *ctx, vc_error *err)
{
    boot_ctx *c = ctx;
    vc_loglin_boot_opts o;
    vc_loglin_boot_opts_default(&o);
    o.B = BOOT_B;
    o.seed = 7;
    vc_loglin_boot_result r;
    double got[BOOT_B + 7];
    int rc = vc_loglin_bootstrap(c->t, &o, &r, got, err);
    if (rc != VC_OK) {
        return rc;
    }
    double *x = got + BOOT_B;
    x[0] = r.N;
    x[1] = r.pct_lower;
    x[2] = r.pct_upper;
    x[3] = r.bca_lower;
    x[4] = r.bca_upper;
    x[5] = r.acceleration;
    x[6] = (double)r.nfailed;
    if (!c->have_ref) {
        memcpy(c->ref, got, sizeof got);
        c->have_ref = 1;
    }
    return same_doubles(got, c->ref, BOOT_B + 7) ? VC_OK : VC_EDATA;
}

static void test_bootstrap(void)
{
    boot_ctx c;
    memset(&c, 0, sizeof c);
    c.t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.t);
    alloc_stats st;
    run_alloc_case("log-linear bootstrap, 16 replicates", call_bootstrap,
                   &c, &st);
    vc_table_free(c.t);
}

typedef struct {
    vc_table *t;
    vc_lcm_opts o;
    int have_ref;
    vc_lcm_summary ref;
} lcm_ctx;

static int call_lcm(void *ctx, vc_error *err)
{
    lcm_ctx *c = ctx;
    vc_lcm_summary s;
    int rc = vc_lcm_run(c->t, &c->o, &s, err);
    if (rc != VC_OK) {
        return rc;
    }
    if (!c->have_ref) {
        c->ref = s;
        c->have_ref = 1;
    }
    return s.N.median == c->ref.N.median && s.N.lower == c->ref.N.lower
                   && s.N.upper == c->ref.N.upper
                   && s.N.rhat == c->ref.N.rhat
               ? VC_OK : VC_EDATA;
}

static void test_lcm(int sampler, const char *name)
{
    lcm_ctx c;
    memset(&c, 0, sizeof c);
    c.t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.t);
    vc_lcm_opts_default(&c.o);
    c.o.K = 4;
    c.o.sampler = sampler;
    c.o.chains = 2;
    c.o.threads = 2;
    c.o.burnin = 20;
    c.o.iterations = 40;
    c.o.seed = 3;
    alloc_stats st;
    run_alloc_case(name, call_lcm, &c, &st);
    vc_table_free(c.t);
}

static void test_lcm_gibbs(void)
{
    test_lcm(VC_LCM_SAMPLER_GIBBS, "lcm, 2 chains on 2 threads");
}

static void test_lcm_tempered(void)
{
    test_lcm(VC_LCM_SAMPLER_TEMPERING, "lcm tempered, 2 chains on 2 threads");
}

typedef struct {
    vc_table *t;
    int mcmc;
    int have_ref;
    double ref[6];
} dga_ctx;

static int call_dga(void *ctx, vc_error *err)
{
    dga_ctx *c = ctx;
    vc_dga_opts o;
    memset(&o, 0, sizeof o);
    vc_dga_result *r;
    if (c->mcmc) {
        vc_dga_mcmc_opts m;
        vc_dga_mcmc_opts_default(&m);
        m.chains = 2;
        m.threads = 2;
        m.burnin = 20;
        m.iterations = 60;
        m.seed = 11;
        o.n0_hi = 400; /* a fixed grid: the exact fit widens its own */
        r = vc_dga_mcmc_fit(c->t, &o, &m, err);
    } else {
        r = vc_dga_fit(c->t, &o, err);
    }
    if (r == NULL) {
        return err->code;
    }
    double got[6] = {r->mean, r->sd, r->median, r->mode, r->tail_mass,
                     (double)r->ngrid};
    vc_dga_result_free(r);
    if (!c->have_ref) {
        memcpy(c->ref, got, sizeof got);
        c->have_ref = 1;
    }
    return same_doubles(got, c->ref, 6) ? VC_OK : VC_EDATA;
}

static void test_dga_exact(void)
{
    dga_ctx c;
    memset(&c, 0, sizeof c);
    c.t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.t);
    alloc_stats st;
    run_alloc_case("dga, exact", call_dga, &c, &st);
    vc_table_free(c.t);
}

static void test_dga_mcmc(void)
{
    dga_ctx c;
    memset(&c, 0, sizeof c);
    c.t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.t);
    c.mcmc = 1;
    alloc_stats st;
    run_alloc_case("dga, MCMC over graphs, 2 chains", call_dga, &c, &st);
    vc_table_free(c.t);
}

typedef struct {
    int have_ref;
    size_t len;
    unsigned char ref[65536];
    vc_plot_format fmt;
} plot_ctx;

static int call_plot(void *ctx, vc_error *err)
{
    plot_ctx *c = ctx;
    vc_plot_interval rows[2] = {
        {"North", "loglinear", 1062.4, 858.2, 1264.1, 0, 0x0072B2, 0},
        {"North", "lcm", 1051.0, 709.0, 1644.2, 0, 0xD55E00, 0},
    };
    unsigned char *png = NULL;
    size_t len = 0;
    int rc = vc_plot_forest_as(c->fmt, rows, 2, "N", &png, &len, err);
    if (rc != VC_OK) {
        return rc;
    }
    if (!c->have_ref && len <= sizeof c->ref) {
        memcpy(c->ref, png, len);
        c->len = len;
        c->have_ref = 1;
    }
    int same = len == c->len && memcmp(png, c->ref, len) == 0;
    free(png);
    return same ? VC_OK : VC_EDATA;
}

static void test_plot(void)
{
    plot_ctx *c = calloc(1, sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    alloc_stats st;
    run_alloc_case("forest plot (PNG)", call_plot, c, &st);
    /* the SVG's stream, its coordinates shortened and its surfaces
     * renumbered (issue 20's report in pages) */
    memset(c, 0, sizeof *c);
    c->fmt = VC_PLOT_SVG;
    run_alloc_case("forest plot (SVG)", call_plot, c, &st);
    free(c);
}

/* ---------------------------------------------------------------------
 * The batch: units computed and stored into the cache, and the whole
 * command, with no file left half-written
 * ------------------------------------------------------------------- */

/* Run f(arg) with standard output and error going to a file; returns
 * f's value and leaves what was written in out[size] (truncated). */
static int captured(int (*f)(void *), void *arg, char *out, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/captured.txt", tmpdir);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved_out < 0 || saved_err < 0 || fd < 0) {
        abort();
    }
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    int rc = f(arg);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    out[0] = '\0';
    FILE *in = fopen(path, "r");
    if (in != NULL) {
        size_t got = fread(out, 1, size - 1, in);
        out[got] = '\0';
        fclose(in);
    }
    return rc;
}

/* The bytes of a file (returned; free), or NULL when it does not exist. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = __real_malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *grown = __real_realloc(buf, cap);
            if (grown == NULL) {
                __real_free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Names in dir containing ".tmp." (temporaries of cli_emit). */
static size_t temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, ".tmp.") != NULL) {
            fprintf(stderr, "\n  temporary left: %s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* An output file is either the reference's bytes or absent. */
static int whole_or_absent(const char *path, const char *ref, size_t reflen)
{
    size_t len = 0;
    char *got = slurp(path, &len);
    if (got == NULL) {
        return 1;
    }
    int same = len == reflen && memcmp(got, ref, len) == 0;
    if (!same) {
        fprintf(stderr, "\n  %s: not the reference's bytes", path);
        if (getenv("VC_ALLOC_KEEP") != NULL) {
            char cmd[2000];
            snprintf(cmd, sizeof cmd, "cp '%s' /tmp/vc_alloc_kept", path);
            if (system(cmd) != 0) {
                fputs(" (not kept)", stderr);
            }
        }
    }
    __real_free(got);
    return same;
}

#define BATCH_ARGS(out)                                                   \
    "batch", "tests/fixtures/batch_strata.csv", "--strata", "region",     \
        "--quiet", "--seed", "5", "--bootstrap", "12", "--classes", "3",  \
        "--chains", "2", "--threads", "2", "--iterations", "40",          \
        "--burnin", "10", "--thin", "1", "--out", (out)

typedef struct {
    cli_batch_plan *p;
    size_t i;            /* the unit */
    char path[4300];     /* its cache file */
    char cache[4200];
    char *ref;
    size_t reflen;
    vc_error *err;       /* of the call under way */
} unit_ctx;

/* What cli_batch_run_local does for one unit. */
static int unit_steps(void *arg)
{
    unit_ctx *c = arg;
    json_t *unit = cli_batch_unit_compute(c->p, c->i, 2);
    char *text = unit ? cli_batch_unit_serialise(unit) : NULL;
    json_decref(unit);
    int rc;
    if (text == NULL) {
        /* NULL means out of memory; cli_batch_run_local says so */
        fprintf(stderr, "batch: out of memory in unit %s\n",
                cli_batch_unit_name(c->p, c->i));
        rc = CLI_EXIT_INTERNAL;
    } else {
        rc = cli_batch_unit_store(c->p, c->i, text, strlen(text));
    }
    free(text);
    return rc;
}

/* The exit status and message of a CLI call as a vc_status: out of
 * memory is CLI_EXIT_INTERNAL with "out of memory" said (or the
 * library's "cannot allocate ..."). */
static int cli_status(int rc, const char *said, vc_error *err)
{
    if (rc == CLI_EXIT_OK) {
        return VC_OK;
    }
    if (rc == CLI_EXIT_INTERNAL && (strstr(said, "out of memory") != NULL
                                    || strstr(said, "cannot allocate")
                                           != NULL)) {
        return vc_error_set(err, VC_ENOMEM, "%s", said);
    }
    return vc_error_set(err, VC_EIO, "exit status %d: %s", rc, said);
}

static int call_unit(void *ctx, vc_error *err)
{
    unit_ctx *c = ctx;
    unlink(c->path);
    char said[2048];
    int rc = cli_status(captured(unit_steps, c, said, sizeof said), said,
                        err);
    disarm(); /* what follows checks; it is not under test */
    size_t len = 0;
    char *got = slurp(c->path, &len);
    if (rc != VC_OK && got != NULL) {
        __real_free(got);
        return vc_error_set(err, VC_EIO, "a failed unit left %s", c->path);
    }
    if (temporaries(c->cache) > 0) {
        __real_free(got);
        return vc_error_set(err, VC_EIO, "a temporary was left in %s",
                            c->cache);
    }
    if (rc != VC_OK) {
        return rc;
    }
    if (got == NULL) {
        return vc_error_set(err, VC_EIO, "no unit file %s", c->path);
    }
    if (c->ref == NULL) {
        c->ref = got;
        c->reflen = len;
        return VC_OK;
    }
    int same = len == c->reflen && memcmp(got, c->ref, len) == 0;
    __real_free(got);
    return same ? VC_OK : vc_error_set(err, VC_EDATA, "unit %s differs",
                                       c->path);
}

static int plan_open(void *arg)
{
    unit_ctx *c = arg;
    char *argv[] = {BATCH_ARGS(c->cache)};
    int rc = cli_batch_plan_alloc((int)(sizeof argv / sizeof argv[0]),
                                  argv, 1, &c->p);
    return rc == CLI_EXIT_OK
               ? cli_batch_open_cache(c->p, CLI_PROGRESS_NONE)
               : rc;
}

/* Every unit of a batch of every method on the North stratum (chapman
 * on 3 lists is pairwise; loglinear with a bootstrap; lcm and dga). */
static void test_batch_units(void)
{
    unit_ctx c;
    memset(&c, 0, sizeof c);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/units", tmpdir);
    snprintf(c.cache, sizeof c.cache, "%s", dir);
    char said[2048];
    int rc = captured(plan_open, &c, said, sizeof said);
    if (rc != CLI_EXIT_OK) {
        fprintf(stderr, "\n  batch plan: %s", said);
    }
    CU_ASSERT_EQUAL_FATAL(rc, CLI_EXIT_OK);
    snprintf(c.cache, sizeof c.cache, "%s/cache", dir);
    size_t nunits = cli_batch_nunits(c.p);
    CU_ASSERT_FATAL(nunits >= 4);
    for (size_t i = 0; i < nunits; i++) {
        const char *name = cli_batch_unit_name(c.p, i);
        if (strncmp(name, "North", 5) != 0) {
            continue;
        }
        c.i = i;
        snprintf(c.path, sizeof c.path, "%s/%s.json", c.cache,
                 cli_batch_unit_key(c.p, i));
        __real_free(c.ref);
        c.ref = NULL;
        char what[300];
        snprintf(what, sizeof what, "batch unit %s", name);
        alloc_stats st;
        run_alloc_case(what, call_unit, &c, &st);
    }
    __real_free(c.ref);
    cli_batch_plan_free(c.p);
}

/* The whole command, from an empty directory each time. */
typedef struct {
    char out[600];
    char *ref[3];
    size_t reflen[3];
    int have_ref;
} batch_ctx;

static const char *const batch_outputs[3] = {"results.csv", "results.json",
                                             "report.html"};

static int batch_command(void *arg)
{
    batch_ctx *c = arg;
    char *argv[] = {BATCH_ARGS(c->out), "--methods", "chapman,loglinear"};
    return cli_batch((int)(sizeof argv / sizeof argv[0]), argv);
}

static int call_batch(void *ctx, vc_error *err)
{
    batch_ctx *c = ctx;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->out);
    if (system(cmd) != 0) {
        return vc_error_set(err, VC_EIO, "cannot clear %s", c->out);
    }
    char said[4096];
    int rc = cli_status(captured(batch_command, c, said, sizeof said), said,
                        err);
    disarm(); /* what follows checks; it is not under test */
    char cache[700];
    snprintf(cache, sizeof cache, "%s/cache", c->out);
    if (temporaries(c->out) + temporaries(cache) > 0) {
        return vc_error_set(err, VC_EIO, "a temporary was left in %s",
                            c->out);
    }
    if (rc != VC_OK && !c->have_ref) {
        return rc;
    }
    for (size_t i = 0; i < 3; i++) {
        char path[800];
        snprintf(path, sizeof path, "%s/%s", c->out, batch_outputs[i]);
        if (!c->have_ref) {
            c->ref[i] = slurp(path, &c->reflen[i]);
            if (c->ref[i] == NULL) {
                return vc_error_set(err, VC_EIO, "no %s", path);
            }
        } else if (!whole_or_absent(path, c->ref[i], c->reflen[i])) {
            return vc_error_set(err, VC_EIO, "%s is not whole", path);
        } else if (rc == VC_OK && access(path, F_OK) != 0) {
            return vc_error_set(err, VC_EIO, "no %s", path);
        }
    }
    c->have_ref = 1;
    /* every unit file in the cache is a whole unit */
    DIR *d = opendir(cache);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[1000];
        snprintf(path, sizeof path, "%s/%s", cache, e->d_name);
        json_t *j = json_load_file(path, 0, NULL);
        if (!json_is_array(json_object_get(j, "rows"))) {
            rc = vc_error_set(err, VC_EIO, "%s is not a whole unit", path);
        }
        json_decref(j);
    }
    if (d != NULL) {
        closedir(d);
    }
    return rc;
}

static void test_batch_command(void)
{
    batch_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.out, sizeof c.out, "%s/batch", tmpdir);
    alloc_stats st;
    run_alloc_case("victimcount batch, 3 strata, chapman and loglinear",
                   call_batch, &c, &st);
    for (size_t i = 0; i < 3; i++) {
        __real_free(c.ref[i]);
    }
}

/* `victimcount estimate` with every method on three strata, JSON to a
 * file and the lcm draws to another. */
typedef struct {
    char dir[600], out[700], draws[700];
    char *ref[2];
    size_t reflen[2];
} estimate_ctx;

static int estimate_command(void *arg)
{
    estimate_ctx *c = arg;
    char *argv[] = {"estimate", "tests/fixtures/batch_strata.csv",
                    "--strata", "region", "--quiet", "--seed", "5",
                    "--bootstrap", "12", "--classes", "3", "--chains", "2",
                    "--threads", "2", "--iterations", "40", "--burnin",
                    "10", "--thin", "1", "--format", "json", "--methods",
                    "pairwise,loglinear,lcm,dga", "--interval", "bootstrap",
                    "--output", c->out, "--draws", c->draws};
    return cli_estimate((int)(sizeof argv / sizeof argv[0]), argv);
}

/* Drop the figures of "seconds" (run times, the one part of the output
 * that differs between runs) and of any "in N.N s" of a detail line, in
 * place; returns the new length. */
static size_t untime(char *text, size_t len)
{
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        size_t skip_from = 0;
        if (len - i >= 10 && memcmp(text + i, "\"seconds\":", 10) == 0) {
            skip_from = i + 10;
        } else if (len - i >= 4 && memcmp(text + i, " in ", 4) == 0
                   && i + 4 < len && isdigit((unsigned char)text[i + 4])) {
            skip_from = i + 4;
        }
        if (skip_from == 0) {
            text[out++] = text[i++];
            continue;
        }
        while (i < skip_from) {
            text[out++] = text[i++];
        }
        while (i < len && (isdigit((unsigned char)text[i]) || text[i] == '.'
                           || text[i] == ' ' || text[i] == 'e'
                           || text[i] == '-')) {
            i++;
        }
    }
    return out;
}

static int call_estimate(void *ctx, vc_error *err)
{
    estimate_ctx *c = ctx;
    unlink(c->out);
    unlink(c->draws);
    char said[4096];
    int xrc = captured(estimate_command, c, said, sizeof said);
    disarm(); /* what follows checks; it is not under test */
    /* strata without an estimate (South, East's loglinear) exit 4 with
     * their rows written */
    int rc = cli_status(xrc == CLI_EXIT_NOEST ? CLI_EXIT_OK : xrc, said,
                        err);
    if (temporaries(c->dir) > 0) {
        return vc_error_set(err, VC_EIO, "a temporary was left in %s",
                            c->dir);
    }
    const char *paths[2] = {c->out, c->draws};
    for (size_t i = 0; i < 2; i++) {
        size_t len = 0;
        char *got = slurp(paths[i], &len);
        if (got != NULL) {
            len = untime(got, len);
        }
        if (c->ref[i] == NULL) {
            c->ref[i] = got;
            c->reflen[i] = len;
            if (got == NULL) {
                return vc_error_set(err, VC_EIO, "no %s", paths[i]);
            }
            continue;
        }
        if (rc != VC_OK && got != NULL) {
            __real_free(got);
            return vc_error_set(err, VC_EIO, "a failed run left %s",
                                paths[i]);
        }
        int same = got != NULL && len == c->reflen[i]
                   && memcmp(got, c->ref[i], len) == 0;
        __real_free(got);
        if (rc == VC_OK && !same) {
            return vc_error_set(err, VC_EDATA, "%s differs", paths[i]);
        }
    }
    return rc;
}

static void test_estimate_command(void)
{
    estimate_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.dir, sizeof c.dir, "%s/estimate", tmpdir);
    CU_ASSERT_EQUAL_FATAL(mkdir(c.dir, 0700), 0);
    snprintf(c.out, sizeof c.out, "%s/results.json", c.dir);
    snprintf(c.draws, sizeof c.draws, "%s/draws.csv", c.dir);
    alloc_stats st;
    run_alloc_case("victimcount estimate, 3 strata, 4 methods, JSON",
                   call_estimate, &c, &st);
    __real_free(c.ref[0]);
    __real_free(c.ref[1]);
}

/* ---------------------------------------------------------------------
 * The log-linear calls the bootstrap does not make: the enumeration of
 * every model, the profile-likelihood interval, the existence check and
 * the independence estimate
 * ------------------------------------------------------------------- */

typedef struct {
    vc_table *t;
    int have_ref;
    double ref[12];
} loglin_ctx;

static int call_loglin_more(void *ctx, vc_error *err)
{
    loglin_ctx *c = ctx;
    double got[12];
    vc_loglin_ranked top[2];
    vc_loglin_enum_summary sum;
    int rc = vc_loglin_enumerate(c->t, VC_LOGLIN_AIC, 2, top, &sum, err);
    if (rc != VC_OK) {
        return rc;
    }
    got[0] = top[0].criterion;
    got[1] = top[1].criterion;
    got[2] = sum.N_averaged;
    got[3] = (double)sum.nfitted;
    vc_loglin_model m;
    rc = vc_loglin_model_parse("[12,3]", c->t->J, NULL, &m, err);
    if (rc != VC_OK) {
        return rc;
    }
    vc_loglin_workspace *w = vc_loglin_workspace_alloc(c->t->J, err);
    if (w == NULL) {
        return err->code;
    }
    unsigned flags = 0;
    rc = vc_loglin_profile_ci(c->t, &m, 0.95, 0.0, &got[4], &got[5], &flags,
                              w, err);
    vc_loglin_workspace_free(w);
    if (rc != VC_OK) {
        return rc;
    }
    got[6] = (double)flags;
    int code = -1;
    rc = vc_loglin_exist(c->t, &m, &code, err);
    if (rc != VC_OK) {
        return rc;
    }
    got[7] = (double)code;
    vc_estimate e;
    rc = vc_independence_estimate(c->t, 0.95, VC_INTERVAL_LOGNORMAL, &e, err);
    if (rc != VC_OK) {
        return rc;
    }
    got[8] = e.estimate;
    got[9] = e.se;
    got[10] = e.lower;
    got[11] = e.upper;
    if (!c->have_ref) {
        memcpy(c->ref, got, sizeof got);
        c->have_ref = 1;
    }
    return same_doubles(got, c->ref, 12) ? VC_OK : VC_EDATA;
}

static void test_loglin_more(void)
{
    /* a table with an empty cell, so the existence check solves its LP */
    static const char *const names[3] = {"A", "B", "C"};
    static const uint32_t pattern[6] = {1, 2, 4, 3, 5, 7};
    static const uint64_t count[6] = {40, 31, 22, 9, 6, 3};
    loglin_ctx c;
    memset(&c, 0, sizeof c);
    c.t = vc_table_from_counts(3, names, 6, pattern, count, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.t);
    alloc_stats st;
    run_alloc_case("log-linear: enumeration, profile interval, existence, "
                   "independence",
                   call_loglin_more, &c, &st);
    vc_table_free(c.t);
}

/* ---------------------------------------------------------------------
 * Record linkage (link/): the two files it reads and the linking itself
 * ------------------------------------------------------------------- */

/* A digest of anything, as text appended to buf. */
static void digest_add(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void digest_add(char *buf, size_t size, const char *fmt, ...)
{
    size_t off = strlen(buf);
    if (off + 1 >= size) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + off, size - off, fmt, ap);
    va_end(ap);
}

typedef struct {
    char path[512];
    int have_ref;
    char ref[4096];
} link_file_ctx;

/* An office's list over 64 KiB (the reader's buffer grows once). */
static int call_records_read(void *ctx, vc_error *err)
{
    link_file_ctx *c = ctx;
    vc_link_records *r = vc_link_records_read(c->path, err);
    if (r == NULL) {
        return err->code;
    }
    char got[4096] = "";
    digest_add(got, sizeof got, "%zu %zu", r->ncols, r->nrows);
    for (size_t k = 0; k < r->ncols; k++) {
        digest_add(got, sizeof got, " %s", r->header[k]);
    }
    for (size_t i = 0; i < r->nrows; i += 997) {
        digest_add(got, sizeof got, " %zu:%s/%s", r->line[i],
                   r->cells[i * r->ncols], r->cells[i * r->ncols + 2]);
    }
    vc_link_records_free(r);
    if (!c->have_ref) {
        memcpy(c->ref, got, sizeof got);
        c->have_ref = 1;
    }
    return strcmp(got, c->ref) == 0 ? VC_OK : VC_EDATA;
}

static void test_link_records(void)
{
    link_file_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.path, sizeof c.path, "%s/office.csv", tmpdir);
    FILE *f = fopen(c.path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("\xef\xbb\xbfgiven_name;family_name;date_of_birth\r\n", f);
    for (int i = 0; i < 2500; i++) {
        fprintf(f, "\"Name %d\";Family%d;1990-01-%02d\r\n", i, i,
                1 + i % 28);
    }
    CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
    alloc_stats st;
    run_alloc_case("link: an office's list, 2,500 rows", call_records_read,
                   &c, &st);
    CU_ASSERT(st.total > 7500);
}

/* Write an encoding file of n records (stratum columns region and year)
 * to path; record i's encoding is person i % people's bits. */
static int write_encodings(const char *path, const char *list, size_t n,
                           size_t people, unsigned shift)
{
    static const char hash[] =
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static const char check[] = "0123456789abcdef0123456789abcdef";
    static const char *const cols[] = {"region", "year"};
    FILE *f = fopen(path, "w");
    if (f == NULL
        || vc_link_write_header(f, list, hash, check, 128, cols, 2, NULL)
               != VC_OK) {
        if (f != NULL) {
            fclose(f);
        }
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t p = i % people;
        /* 40 bits in a position of person p's own, one moved by shift */
        uint64_t filter[2] = {0xffffffffffULL << (p % 24),
                              (uint64_t)(p / 24 + 1) << shift};
        char b64[64];
        vc_link_base64_put(filter, 2, b64);
        fprintf(f, "%s%zu,%s,%d,%s\n", list, i, p % 2 ? "North" : "South",
                2020 + (int)(p % 3 == 0), b64);
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int call_set_read(void *ctx, vc_error *err)
{
    link_file_ctx *c = ctx;
    vc_link_set *s = vc_link_set_read(c->path, err);
    if (s == NULL) {
        return err->code;
    }
    char got[4096] = "";
    digest_add(got, sizeof got, "%s %s %s %zu %zu %s %s", s->list,
               s->schema, s->key_check, s->bits, s->n, s->strata_cols[0],
               s->strata_cols[1]);
    for (size_t i = 0; i < s->n; i += 331) {
        digest_add(got, sizeof got, " %s:%s/%s:%llx.%llx", s->ids[i],
                   s->strata[2 * i], s->strata[2 * i + 1],
                   (unsigned long long)s->filters[2 * i],
                   (unsigned long long)s->filters[2 * i + 1]);
    }
    vc_link_set_free(s);
    if (!c->have_ref) {
        memcpy(c->ref, got, sizeof got);
        c->have_ref = 1;
    }
    return strcmp(got, c->ref) == 0 ? VC_OK : VC_EDATA;
}

static void test_link_encodings(void)
{
    link_file_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.path, sizeof c.path, "%s/iom.enc", tmpdir);
    /* about 50 bytes a record: over 64 KiB */
    CU_ASSERT_EQUAL_FATAL(write_encodings(c.path, "IOM", 2000, 2000, 0), 0);
    alloc_stats st;
    run_alloc_case("link: an encoding file, 2,000 records, 2 strata",
                   call_set_read, &c, &st);
    CU_ASSERT(st.total > 6000);
}

typedef struct {
    const vc_link_set *sets[3];
    int have_ref;
    char ref[8192];
} link_run_ctx;

static void tables_digest(char *buf, size_t size, vc_table *const *t,
                          size_t nt)
{
    for (size_t s = 0; s < nt; s++) {
        digest_add(buf, size, " [%s", t[s]->label ? t[s]->label : "");
        for (size_t i = 0; i < t[s]->npat; i++) {
            digest_add(buf, size, " %lx:%llu", (unsigned long)t[s]->pattern[i],
                       (unsigned long long)t[s]->count[i]);
        }
        digest_add(buf, size, "]");
    }
}

static int call_link_run(void *ctx, vc_error *err)
{
    link_run_ctx *c = ctx;
    static const char *const names[3] = {"IOM", "NGO", "Police"};
    static const double sweep[2] = {0.7, 0.95};
    vc_link_opts o = {0.85, 0.02, 1, 1, 1, sweep, 2, 0.5};
    vc_link_result *r = NULL;
    int rc = vc_link_run(c->sets, 3, names, &o, &r, err);
    if (rc != VC_OK) {
        vc_link_result_free(r);
        return rc;
    }
    char got[8192] = "";
    digest_add(got, sizeof got, "%llu %llu %llu %llu",
               (unsigned long long)r->comparisons,
               (unsigned long long)r->candidates,
               (unsigned long long)r->people,
               (unsigned long long)r->band_matches[0]);
    tables_digest(got, sizeof got, r->tables, r->ntables);
    for (size_t w = 0; w < r->nsweep; w++) {
        tables_digest(got, sizeof got, r->sweep_tables[w],
                      r->sweep_ntables[w]);
    }
    for (size_t x = 0; x < r->offset[3]; x += 7) {
        digest_add(got, sizeof got, " %u", (unsigned)r->cluster[x]);
    }
    vc_link_result_free(r);
    if (!c->have_ref) {
        memcpy(c->ref, got, sizeof got);
        c->have_ref = 1;
    }
    return strcmp(got, c->ref) == 0 ? VC_OK : VC_EDATA;
}

static void test_link_run(void)
{
    static const char *const list[3] = {"IOM", "NGO", "Police"};
    link_run_ctx c;
    memset(&c, 0, sizeof c);
    vc_link_set *sets[3];
    for (size_t j = 0; j < 3; j++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.enc", tmpdir, list[j]);
        /* list j holds people 0 .. 29 - 5 j, list 2 with a bit moved */
        CU_ASSERT_EQUAL_FATAL(
            write_encodings(path, list[j], 30 - 5 * j, 30 - 5 * j,
                            j == 2 ? 1 : 0),
            0);
        sets[j] = vc_link_set_read(path, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sets[j]);
        c.sets[j] = sets[j];
    }
    alloc_stats st;
    run_alloc_case("link: 3 lists, 2 stratum columns, a sweep", call_link_run,
                   &c, &st);
    CU_ASSERT(st.total > 20);
    for (size_t j = 0; j < 3; j++) {
        vc_link_set_free(sets[j]);
    }
}

/* ---------------------------------------------------------------------
 * Umbrella sampling (models/umbrella.c), and the estimates from it: an
 * allocation failure in vc_lcm_umbrella_share or _quantile gives NaN, as
 * their header says, never another number.
 * ------------------------------------------------------------------- */

typedef struct {
    vc_table *t;
    int have_ref;
    double ref[8];
} umbrella_ctx;

static int call_umbrella(void *ctx, vc_error *err)
{
    umbrella_ctx *c = ctx;
    vc_lcm_opts o;
    vc_lcm_opts_default(&o);
    o.K = 2;
    o.seed = 21;
    o.threads = 1;
    vc_lcm_umbrella_opts u;
    vc_lcm_umbrella_opts_default(&u);
    u.chains = 2;
    u.bins = 4;
    u.stages = 2;
    u.stage_sweeps = 5;
    u.adapt_max = 20;
    u.sweeps = 20;
    u.thin = 2;
    vc_lcm_umbrella *um = vc_lcm_umbrella_run(c->t, &o, &u, err);
    if (um == NULL) {
        return err->code;
    }
    double got[8];
    vc_lcm_umbrella_share(um, 2000.0, &got[0], &got[1], NULL);
    vc_lcm_umbrella_quantile(um, 0.5, &got[2], &got[3], NULL);
    const uint64_t *N;
    const double *alpha, *log_w;
    got[4] = (double)vc_lcm_umbrella_draws(um, 1, &N, &alpha, &log_w);
    got[5] = (double)N[9];
    got[6] = alpha[9];
    got[7] = log_w[9];
    vc_lcm_umbrella_free(um);
    if (isnan(got[0]) || isnan(got[2])) {
        return vc_error_set(err, VC_ENOMEM, "umbrella: an estimate is NaN "
                            "(out of memory)");
    }
    if (!c->have_ref) {
        memcpy(c->ref, got, sizeof got);
        c->have_ref = 1;
    }
    return same_doubles(got, c->ref, 8) ? VC_OK : VC_EDATA;
}

static void test_umbrella(void)
{
    umbrella_ctx c;
    memset(&c, 0, sizeof c);
    c.t = vc_test_load_ref("Korea.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c.t);
    alloc_stats st;
    run_alloc_case("umbrella sampling, 2 chains, share and quantile",
                   call_umbrella, &c, &st);
    vc_table_free(c.t);
}

int vc_register_alloc_suite(void)
{
    CU_pSuite s = CU_add_suite("alloc", setup, teardown);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "read aggregated", test_read_aggregated) == NULL
        || CU_add_test(s, "read record level", test_read_record) == NULL
        || CU_add_test(s, "loglinear bootstrap", test_bootstrap) == NULL
        || CU_add_test(s, "lcm", test_lcm_gibbs) == NULL
        || CU_add_test(s, "lcm tempered", test_lcm_tempered) == NULL
        || CU_add_test(s, "dga exact", test_dga_exact) == NULL
        || CU_add_test(s, "dga mcmc", test_dga_mcmc) == NULL
        || CU_add_test(s, "plot", test_plot) == NULL
        || CU_add_test(s, "batch units", test_batch_units) == NULL
        || CU_add_test(s, "batch command", test_batch_command) == NULL
        || CU_add_test(s, "estimate command", test_estimate_command)
               == NULL
        || CU_add_test(s, "log-linear, more", test_loglin_more) == NULL
        || CU_add_test(s, "link: office list", test_link_records) == NULL
        || CU_add_test(s, "link: encoding file", test_link_encodings)
               == NULL
        || CU_add_test(s, "link: linking", test_link_run) == NULL
        || CU_add_test(s, "umbrella sampling", test_umbrella) == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
