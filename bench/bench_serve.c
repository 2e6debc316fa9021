/*
 * bench_serve.c: load on `victimcount serve` (issue 15's targets: >= 500
 * accepted uploads/s with synchronous=FULL, p99 < 50 ms, >= 5,000 status
 * requests/s while a batch estimate runs).
 *
 * Starts the server on an ephemeral loopback port with a temporary
 * database, creates an office and an analyst, then:
 *   1. uploads: C client threads, each on one keep-alive connection, POST
 *      the typical table (3 lists, 9 strata: data/examples/central-asia.csv
 *      with X-Strata: country,year) for a fixed number of requests;
 *   2. status: an lcm estimate over those strata is started, and while it
 *      runs the threads GET /api/v1/estimates/{id} for a fixed time.
 * Prints requests/s and the p50/p99 latency of each phase.
 *
 *   build/bench/bench_serve [CLIENTS [UPLOADS [STATUS_SECONDS [WORKERS]]]]
 *
 * WORKERS is the server's --workers (default 16, its default).
 *
 * $VC_CLI names the binary (default build/victimcount).  Loopback only;
 * every loop is bounded in count or time.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned port;
static char token[64], analyst[64];
static char *body;
static size_t body_len;
static char status_path[128];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void nap(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Send a request on fd and read one response (Content-Length framed);
 * returns the status or -1. */
static int roundtrip(int fd, const char *head, size_t hl, const char *b,
                     size_t bl)
{
    if (send(fd, head, hl, MSG_NOSIGNAL) != (ssize_t)hl
        || (bl && send(fd, b, bl, MSG_NOSIGNAL) != (ssize_t)bl)) {
        return -1;
    }
    char buf[65536];
    size_t len = 0;
    char *end = NULL;
    while (end == NULL) {
        ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0) {
            return -1;
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL && len >= sizeof buf - 1) {
            return -1;
        }
    }
    int status = -1;
    sscanf(buf, "HTTP/1.1 %d", &status);
    const char *cl = strstr(buf, "Content-Length: ");
    size_t want = cl ? strtoul(cl + 16, NULL, 10) : 0;
    size_t have = len - (size_t)(end + 4 - buf);
    while (have < want) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            return -1;
        }
        have += (size_t)n;
    }
    return status;
}

typedef struct {
    int upload;        /* 1: uploads, 0: status requests */
    long count;        /* uploads: how many */
    double until;      /* status: until this time */
    double *lat;       /* latencies, seconds */
    long n, ok;
} job;

static void *client(void *arg)
{
    job *j = arg;
    int fd = dial();
    char head[1024];
    size_t hl;
    if (j->upload) {
        hl = (size_t)snprintf(head, sizeof head,
                              "POST /api/v1/submissions HTTP/1.1\r\nHost: "
                              "127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                              "Content-Type: text/csv\r\nX-Strata: "
                              "country,year\r\nContent-Length: %zu\r\n\r\n",
                              token, body_len);
    } else {
        hl = (size_t)snprintf(head, sizeof head,
                              "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Authorization: Bearer %s\r\n\r\n",
                              status_path, analyst);
    }
    for (long i = 0; fd >= 0; i++) {
        if (j->upload ? i >= j->count : now() >= j->until) {
            break;
        }
        double t0 = now();
        int st = roundtrip(fd, head, hl, j->upload ? body : NULL,
                           j->upload ? body_len : 0);
        j->lat[j->n++] = now() - t0;
        j->ok += j->upload ? st == 201 : st == 200;
        if (st < 0) {
            close(fd);
            fd = dial();
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Run one phase on k threads; print its figures. */
static void phase(const char *name, int upload, int k, long per, double secs,
                  size_t cap)
{
    pthread_t th[64];
    job jobs[64];
    double t0 = now();
    for (int i = 0; i < k; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].upload = upload;
        jobs[i].count = per;
        jobs[i].until = t0 + secs;
        jobs[i].lat = malloc(cap * sizeof(double));
        pthread_create(&th[i], NULL, client, &jobs[i]);
    }
    long n = 0, ok = 0;
    for (int i = 0; i < k; i++) {
        pthread_join(th[i], NULL);
        n += jobs[i].n;
        ok += jobs[i].ok;
    }
    double wall = now() - t0;
    double *all = malloc((size_t)(n ? n : 1) * sizeof(double));
    long m = 0;
    for (int i = 0; i < k; i++) {
        memcpy(all + m, jobs[i].lat, (size_t)jobs[i].n * sizeof(double));
        m += jobs[i].n;
        free(jobs[i].lat);
    }
    qsort(all, (size_t)n, sizeof(double), cmp_double);
    printf("%s: %ld requests (%ld answered as expected) by %d clients in "
           "%.2f s: %.0f/s, p50 %.2f ms, p99 %.2f ms\n", name, n, ok, k,
           wall, (double)ok / wall, n ? 1e3 * all[n / 2] : 0.0,
           n ? 1e3 * all[(size_t)((double)n * 0.99)] : 0.0);
    free(all);
}

static int capture(const char *cmd, char *out, size_t size)
{
    FILE *p = popen(cmd, "r");
    if (p == NULL || fgets(out, (int)size, p) == NULL) {
        if (p) {
            pclose(p);
        }
        return -1;
    }
    out[strcspn(out, "\n")] = '\0';
    return pclose(p) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    int k = argc > 1 ? atoi(argv[1]) : 4;
    long uploads = argc > 2 ? atol(argv[2]) : 4000;
    double secs = argc > 3 ? atof(argv[3]) : 5.0;
    int workers = argc > 4 ? atoi(argv[4]) : 16;
    k = k < 1 ? 1 : k > 64 ? 64 : k;
    const char *cli = getenv("VC_CLI") ? getenv("VC_CLI")
                                       : "build/victimcount";
    FILE *f = fopen("data/examples/central-asia.csv", "rb");
    if (f == NULL) {
        fprintf(stderr, "run from the repository root\n");
        return 1;
    }
    body = malloc(1 << 20);
    body_len = fread(body, 1, 1 << 20, f);
    fclose(f);
    char dir[] = "/tmp/vc_bench_serve_XXXXXX";
    if (mkdtemp(dir) == NULL) {
        return 1;
    }
    char cmd[1024], line[512];
    snprintf(cmd, sizeof cmd, "%s admin add-office --db %s/db --office "
             "bench --country Kazakhstan", cli, dir);
    if (capture(cmd, token, sizeof token) != 0) {
        return 1;
    }
    snprintf(cmd, sizeof cmd, "%s admin add-office --db %s/db --office "
             "analyst --country Kazakhstan --role analyst", cli, dir);
    if (capture(cmd, analyst, sizeof analyst) != 0) {
        return 1;
    }
    char out[300];
    snprintf(out, sizeof out, "%s/server.out", dir);
    pid_t srv = fork();
    if (srv == 0) {
        snprintf(cmd, sizeof cmd, "exec %s serve --db %s/db --listen "
                 "127.0.0.1:0 --workers %d > %s 2> %s/server.err", cli, dir,
                 workers, out, dir);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && port == 0; i++) {
        nap(100);
        FILE *o = fopen(out, "r");
        if (o && fgets(line, sizeof line, o)) {
            const char *p = strstr(line, "127.0.0.1:");
            if (p) {
                sscanf(p + 10, "%u", &port);
            }
        }
        if (o) {
            fclose(o);
        }
    }
    if (port == 0) {
        fprintf(stderr, "the server did not start\n");
        kill(srv, SIGTERM);
        return 1;
    }
    printf("victimcount serve on 127.0.0.1:%u (--workers %d), %d client "
           "threads, body %zu bytes (3 lists, 9 strata), synchronous=FULL\n",
           port, workers, k, body_len);
    phase("uploads", 1, k, uploads / k, 0, (size_t)(uploads / k) + 1);
    /* an estimate that runs for a while: lcm over the 9 strata */
    snprintf(cmd, sizeof cmd, "curl -s -H 'Authorization: Bearer %s' -H "
             "'Content-Type: application/json' -d '{\"country\": "
             "\"Kazakhstan\", \"methods\": [\"lcm\"]}' "
             "http://127.0.0.1:%u/api/v1/estimates | sed 's/.*\"id\":\"\\([^\"]*\\)\".*/\\1/'",
             analyst, port);
    char id[64];
    if (capture(cmd, id, sizeof id) != 0) {
        fprintf(stderr, "cannot start the estimate\n");
    }
    snprintf(status_path, sizeof status_path, "/api/v1/estimates/%s", id);
    nap(300);
    phase("status while a batch runs", 0, k, 0, secs, 2000000);
    kill(srv, SIGKILL); /* the estimate is not needed */
    waitpid(srv, NULL, 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
