/*
 * serve.c: `victimcount serve` and `victimcount admin`, the command-line
 * ends of the intake service in serve/ (which never prints: this file owns
 * the terminal, the signals and the exit status).  Estimates requested
 * over HTTP run here, through the batch code of batch.c.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>

#include "cli/cli.h"
#include "serve/serve.h"

void cli_serve_help(FILE *f)
{
    fputs(
        "Usage: victimcount serve [OPTIONS]\n"
        "\n"
        "Run the intake service: field offices submit their lists' overlap\n"
        "tables over HTTP (a browser or a script), see at once whether the\n"
        "file is right, and read the published estimates of their country;\n"
        "analysts start estimates over what was submitted.  Everything is\n"
        "kept in one SQLite database.  Stop it with Ctrl-C (or SIGTERM).\n"
        "\n"
        "Options:\n"
        "      --db FILE          the database (default var/victimcount.db;\n"
        "                         created with its folder; the token key is\n"
        "                         FILE.key, estimates go to FILE.estimates/)\n"
        "      --listen ADDR:PORT where to listen (default 127.0.0.1:8480;\n"
        "                         [::1]:8480 for IPv6; port 0 picks a free\n"
        "                         one, printed at start)\n"
        "      --workers N        HTTP threads (default 16: they mostly wait\n"
        "                         for the disk, and the more wait together\n"
        "                         the more one commit stores)\n"
        "      --max-upload BYTES largest accepted request body (default\n"
        "                         10000000); larger ones get 413\n"
        "      --timeout S        drop a connection idle for S seconds\n"
        "                         (default 30)\n"
        "      --tls-cert FILE --tls-key FILE\n"
        "                         serve HTTPS with this PEM certificate and\n"
        "                         key (needed beyond this machine: without\n"
        "                         TLS, tokens cross the network readable)\n"
        "  -h, --help             this help\n"
        "\n"
        "Offices and analysts get their tokens from `victimcount admin\n"
        "add-office`.  The API is under /api/v1 (see README: \"Running the\n"
        "intake service\"); GET /healthz answers without a token.\n"
        "\n"
        "Exit status: 0 after a clean stop, 2 usage, 3 the database cannot\n"
        "be opened, 5 the address cannot be used, 1 internal error.\n",
        f);
}

void cli_admin_help(FILE *f)
{
    fputs(
        "Usage: victimcount admin COMMAND --db FILE [OPTIONS]\n"
        "\n"
        "Manage who may use the intake service (victimcount serve).\n"
        "\n"
        "Commands:\n"
        "  add-office --db FILE --office NAME --country COUNTRY\n"
        "             [--role office|analyst]\n"
        "             create an office (default) or an analyst and print its\n"
        "             token once on standard output: give it to the office\n"
        "             by a safe channel; it cannot be shown again (only a\n"
        "             keyed hash is stored).  An office submits files and\n"
        "             reads its country's published estimates; an analyst\n"
        "             reads every submission and runs and publishes\n"
        "             estimates.\n"
        "  revoke --db FILE --office NAME\n"
        "             the office's token stops working at once, and its web\n"
        "             sessions end\n"
        "  audit --db FILE [--since T]\n"
        "             print the audit log (time, who, action, object,\n"
        "             client address), from time T on (UTC, e.g. 2026-12-04\n"
        "             or 2026-12-04T16:00)\n"
        "\n"
        "--db defaults to var/victimcount.db, as for serve.\n"
        "\n"
        "Exit status: 0 ok, 2 usage (or no such office, or the name is\n"
        "taken), 3 the database cannot be opened, 1 internal error.\n",
        f);
}

#define DEFAULT_DB "var/victimcount.db"

/* Create the folder that will hold path, if any and missing. */
static int make_parent(const char *path)
{
    char *dup = strdup(path);
    if (dup == NULL) {
        return -1;
    }
    char *slash = strrchr(dup, '/');
    int rc = 0;
    if (slash != NULL && slash != dup) {
        *slash = '\0';
        if (mkdir(dup, 0700) != 0 && errno != EEXIST) {
            rc = -1;
        }
    }
    free(dup);
    return rc;
}

static int open_store(const char *db, vcs_store **s)
{
    /* the database, its key and the estimates are for this user alone */
    umask(077);
    if (make_parent(db) != 0) {
        cli_error("cannot create the folder of %s: %s", db, strerror(errno));
        return CLI_EXIT_DATA;
    }
    vc_error err;
    vc_error_clear(&err);
    if (vcs_store_open(db, s, &err) != VC_OK) {
        cli_error("%s", err.msg);
        return err.code == VC_ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

static int print_audit(const vcs_audit_record *r, void *ctx)
{
    (void)ctx;
    printf("%s\t%s\t%s\t%s\t%s\n", r->time, r->office, r->action,
           r->object[0] ? r->object : "-", r->client[0] ? r->client : "-");
    return 0;
}

int cli_admin(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "-h") == 0) {
        cli_admin_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    const char *cmd = argv[1];
    int add = strcmp(cmd, "add-office") == 0;
    int revoke = strcmp(cmd, "revoke") == 0;
    int audit = strcmp(cmd, "audit") == 0;
    if (!add && !revoke && !audit) {
        cli_error("admin: unknown command \"%s\" (add-office, revoke or "
                  "audit; see victimcount admin --help)", cmd);
        return CLI_EXIT_USAGE;
    }
    const char *db = DEFAULT_DB, *office = NULL, *country = NULL;
    const char *role = "office", *since = NULL;
    static const struct option longs[] = {
        {"db", required_argument, NULL, 'd'},
        {"office", required_argument, NULL, 'o'},
        {"country", required_argument, NULL, 'c'},
        {"role", required_argument, NULL, 'r'},
        {"since", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    optind = 0; /* as cli_parse: getopt forgets any earlier parse */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, ":h", longs, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': office = optarg; break;
        case 'c': country = optarg; break;
        case 'r': role = optarg; break;
        case 's': since = optarg; break;
        case 'h': cli_admin_help(stdout); return CLI_EXIT_OK;
        case ':':
            cli_error("admin %s: %s needs a value", cmd, argv[optind]);
            return CLI_EXIT_USAGE;
        default:
            cli_error("admin %s: unknown option %s (see victimcount admin "
                      "--help)", cmd, argv[optind]);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind + 1 < argc) {
        cli_error("admin %s: unexpected argument \"%s\"", cmd,
                  argv[optind + 1]);
        return CLI_EXIT_USAGE;
    }
    if ((add || revoke) && office == NULL) {
        cli_error("admin %s: --office NAME is required", cmd);
        return CLI_EXIT_USAGE;
    }
    if (add && country == NULL) {
        cli_error("admin add-office: --country COUNTRY is required (offices "
                  "read the published estimates of their country)");
        return CLI_EXIT_USAGE;
    }
    if ((!add && (country != NULL || strcmp(role, "office") != 0))
        || (!audit && since != NULL) || (audit && office != NULL)) {
        cli_error("admin %s: an option given belongs to another admin "
                  "command (see victimcount admin --help)", cmd);
        return CLI_EXIT_USAGE;
    }
    vcs_store *s;
    int rc = open_store(db, &s);
    if (rc != CLI_EXIT_OK) {
        return rc;
    }
    vc_error err;
    vc_error_clear(&err);
    int st = VC_OK;
    if (add) {
        char token[VCS_TOKEN_TEXT];
        st = vcs_office_add(s, office, country, role, token, &err);
        if (st == VC_OK) {
            printf("%s\n", token);
            fflush(stdout);
            memset(token, 0, sizeof token);
        }
    } else if (revoke) {
        st = vcs_office_revoke(s, office, &err);
    } else {
        st = vcs_audit_each(s, since, print_audit, NULL, &err);
    }
    if (st != VC_OK) {
        cli_error("admin %s: %s", cmd, err.msg);
        rc = st == VC_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_INTERNAL;
    }
    vcs_store_close(s);
    return rc;
}

/* Read a whole (small) file; NULL after saying why. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cli_error("cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while (m != NULL && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        fwrite(chunk, 1, n, m);
    }
    fclose(f);
    if (m == NULL || fclose(m) != 0) {
        free(buf);
        cli_error("out of memory");
        return NULL;
    }
    return buf;
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* The server's log: one line on standard error with the UTC time. */
static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s %s\n", when, line);
    pthread_mutex_unlock(&log_lock);
}

static int method_known(const char *name)
{
    return cli_method_find(name) != NULL;
}

/* Read path into *out (returned) or set err. */
static int read_output(const char *path, char **out, vc_error *err)
{
    *out = read_text(path);
    return *out ? VC_OK
                : vc_error_set(err, VC_EIO, "cannot read back %s", path);
}

/* The estimate runner: `victimcount batch INPUT --strata stratum --count
 * count --methods M --seed S --out DIR --quiet`, in steps, on this
 * process's threads. */
static int run_estimate(void *ctx, const char *input, const char *dir,
                        const char *methods, uint64_t seed,
                        char **results_json, char **report_html,
                        char **headlines, vc_error *err)
{
    (void)ctx;
    char seedtxt[32];
    snprintf(seedtxt, sizeof seedtxt, "%llu", (unsigned long long)seed);
    char *argv[] = {"batch", (char *)input, "--strata", "stratum",
                    "--count", "count", "--methods", (char *)methods,
                    "--seed", seedtxt, "--out", (char *)dir, "--quiet",
                    NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
    cli_batch_plan *p;
    optind = 0; /* as cli_parse: getopt forgets any earlier parse */
    int rc = cli_batch_plan_alloc(argc, argv, 1, &p);
    if (p == NULL) {
        return vc_error_set(err, VC_EDATA, "the batch refused its input "
                            "(exit status %d; the server's log says why)",
                            rc);
    }
    char *heads = NULL;
    size_t hlen = 0;
    FILE *hf = open_memstream(&heads, &hlen);
    if (hf == NULL) {
        cli_batch_plan_free(p);
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    cli_batch_set_headlines(p, hf);
    rc = cli_batch_open_cache(p, CLI_PROGRESS_NONE);
    if (rc == CLI_EXIT_OK) {
        rc = cli_batch_run_local(p);
    }
    if (rc == CLI_EXIT_OK) {
        rc = cli_batch_assemble(p);
    }
    cli_batch_plan_free(p);
    fclose(hf);
    /* the last line names the report's file: not a headline */
    char *last = hlen > 1 ? strstr(heads, "report: ") : NULL;
    while (last != NULL && last != heads && last[-1] != '\n') {
        last = strstr(last + 1, "report: ");
    }
    if (last != NULL) {
        *last = '\0';
    }
    *headlines = heads;
    if (rc != CLI_EXIT_OK) {
        free(heads);
        *headlines = NULL;
        return vc_error_set(err, VC_EIO, "the batch failed (exit status "
                            "%d; the server's log says why)", rc);
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/results.json", dir);
    int st = read_output(path, results_json, err);
    if (st == VC_OK) {
        snprintf(path, sizeof path, "%s/report.html", dir);
        st = read_output(path, report_html, err);
    }
    return st;
}

/* "ADDR:PORT", "[V6]:PORT"; 0 or -1 after saying why. */
static int parse_listen(const char *arg, char *addr, size_t size,
                        unsigned *port)
{
    const char *colon = strrchr(arg, ':');
    const char *a = arg;
    size_t alen = colon ? (size_t)(colon - arg) : 0;
    if (alen >= 2 && a[0] == '[' && a[alen - 1] == ']') {
        a++;
        alen -= 2;
    }
    char *end;
    unsigned long p = colon ? strtoul(colon + 1, &end, 10) : 0;
    if (colon == NULL || alen == 0 || alen >= size || colon[1] == '\0'
        || *end != '\0' || p > 65535) {
        cli_error("serve: --listen takes ADDR:PORT, e.g. 127.0.0.1:8480 or "
                  "[::1]:8480, not \"%s\"", arg);
        return -1;
    }
    memcpy(addr, a, alen);
    addr[alen] = '\0';
    *port = (unsigned)p;
    return 0;
}

static int parse_count(const char *opt, const char *arg, unsigned long max,
                       unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v == 0 || v > max
        || arg[0] == '-') {
        cli_error("serve: %s takes a whole number from 1 to %lu, not "
                  "\"%s\"", opt, max, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0
           || strcmp(addr, "localhost") == 0;
}

int cli_serve(int argc, char **argv)
{
    vcs_config cfg;
    vcs_config_init(&cfg);
    const char *db = DEFAULT_DB, *cert = NULL, *key = NULL;
    char addr[256] = "127.0.0.1";
    static const struct option longs[] = {
        {"db", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},
        {"workers", required_argument, NULL, 'w'},
        {"max-upload", required_argument, NULL, 'm'},
        {"timeout", required_argument, NULL, 't'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    optind = 0; /* as cli_parse: getopt forgets any earlier parse */
    opterr = 0;
    int c;
    unsigned long v;
    while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l':
            if (parse_listen(optarg, addr, sizeof addr, &cfg.port) != 0) {
                return CLI_EXIT_USAGE;
            }
            break;
        case 'w':
            if (parse_count("--workers", optarg, 256, &v) != 0) {
                return CLI_EXIT_USAGE;
            }
            cfg.workers = (unsigned)v;
            break;
        case 'm':
            if (parse_count("--max-upload", optarg, 1ul << 30, &v) != 0) {
                return CLI_EXIT_USAGE;
            }
            cfg.max_upload = v;
            break;
        case 't':
            if (parse_count("--timeout", optarg, 3600, &v) != 0) {
                return CLI_EXIT_USAGE;
            }
            cfg.timeout_s = (unsigned)v;
            break;
        case 'c': cert = optarg; break;
        case 'k': key = optarg; break;
        case 'h': cli_serve_help(stdout); return CLI_EXIT_OK;
        case ':':
            cli_error("serve: %s needs a value", argv[optind - 1]);
            return CLI_EXIT_USAGE;
        default:
            cli_error("serve: unknown option %s (see victimcount serve "
                      "--help)", argv[optind - 1]);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("serve: unexpected argument \"%s\"", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if ((cert == NULL) != (key == NULL)) {
        cli_error("serve: --tls-cert and --tls-key go together");
        return CLI_EXIT_USAGE;
    }
    cfg.listen_addr = addr;
    char *cert_pem = NULL, *key_pem = NULL;
    if (cert != NULL) {
        cert_pem = read_text(cert);
        key_pem = cert_pem ? read_text(key) : NULL;
        if (key_pem == NULL) {
            free(cert_pem);
            return CLI_EXIT_DATA;
        }
        cfg.tls_cert_pem = cert_pem;
        cfg.tls_key_pem = key_pem;
    }
    if (cert == NULL && !loopback(addr)) {
        fprintf(stderr, "victimcount: warning: listening on %s without TLS: "
                "tokens and data cross the network readable by anyone on "
                "the way; use --tls-cert and --tls-key\n", addr);
    }
    char estdir[4200];
    snprintf(estdir, sizeof estdir, "%s.estimates", db);
    cfg.estimates_dir = estdir;
    cfg.run_estimate = run_estimate;
    cfg.method_known = method_known;
    cfg.word_read_error = cli_word_read_error;
    cfg.log = log_line;
    vcs_store *s;
    int rc = open_store(db, &s);
    if (rc != CLI_EXIT_OK) {
        free(cert_pem);
        free(key_pem);
        return rc;
    }
    /* Signals are taken by sigwait below, so every thread started from
     * here on has them blocked. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    vc_error err;
    vc_error_clear(&err);
    vcs_server *srv;
    if (vcs_server_start(&cfg, s, &srv, &err) != VC_OK) {
        cli_error("serve: %s", err.msg);
        vcs_store_close(s);
        free(cert_pem);
        free(key_pem);
        return err.code == VC_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_OUTPUT;
    }
    int v6 = strchr(addr, ':') != NULL;
    printf("victimcount serve: listening on %s://%s%s%s:%u (database %s)\n",
           cert ? "https" : "http", v6 ? "[" : "", addr, v6 ? "]" : "",
           vcs_server_port(srv), db);
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    fprintf(stderr, "victimcount serve: stopping (%s)\n",
            sig == SIGINT ? "interrupt" : "terminate");
    int busy = vcs_server_stop(srv);
    if (!busy) {
        vcs_store_close(s);
    } else {
        fprintf(stderr, "victimcount serve: an estimate was under way; it "
                "resumes at the next start\n");
    }
    free(cert_pem);
    free(key_pem);
    return CLI_EXIT_OK;
}
