/*
 * serve.c: `victimcount serve` and `victimcount admin`, the command-line
 * ends of the intake service in serve/ (which never prints: this file owns
 * the terminal, the signals and the exit status).  Estimates requested
 * over HTTP run here, through the batch code of batch.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
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
        "Options:\n", f);
    cli_optable t;
    cli_serve_table(&t);
    cli_opt_help(f, &t, NULL, NULL);
    fputs(
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
        "Options:\n", f);
    cli_optable t;
    cli_admin_table(NULL, &t);
    cli_opt_help(f, &t, NULL, NULL);
    fputs(
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

/* What admin was asked to do. */
typedef struct {
    const char *db, *office, *country, *role, *since;
} admin_options;

/* The admin commands, as bits of cli_opt.commands. */
enum { ADMIN_ADD = 1u, ADMIN_REVOKE = 2u, ADMIN_AUDIT = 4u };
static const char *const admin_commands[] = {
    "admin add-office", "admin revoke", "admin audit", NULL};

#define F(member) offsetof(admin_options, member)
static const cli_opt admin_table[] = {
    {.name = "db", .kind = CLI_OPT_STRING, .field = F(db), .arg = "FILE",
     .help = "the service's database, as for serve", .dflt = DEFAULT_DB},
    {.name = "office", .kind = CLI_OPT_STRING, .field = F(office),
     .commands = ADMIN_ADD | ADMIN_REVOKE, .arg = "NAME",
     .help = "the office or analyst (add-office, revoke)"},
    {.name = "country", .kind = CLI_OPT_STRING, .field = F(country),
     .commands = ADMIN_ADD, .arg = "COUNTRY",
     .help = "whose published estimates the office reads (add-office)"},
    {.name = "role", .kind = CLI_OPT_STRING, .field = F(role),
     .commands = ADMIN_ADD, .arg = "ROLE",
     .help = "office or analyst (add-office)", .dflt = "office"},
    {.name = "since", .kind = CLI_OPT_STRING, .field = F(since),
     .commands = ADMIN_AUDIT, .arg = "T",
     .help = "audit from time T on (UTC, e.g. 2026-12-04 or "
             "2026-12-04T16:00)"},
    {.name = "help", .short_name = 'h', .kind = CLI_OPT_HELP,
     .help = "this help"},
};
#undef F

void cli_admin_table(const char *cmd, cli_optable *t)
{
    *t = (cli_optable){admin_table,
                       sizeof admin_table / sizeof admin_table[0], "admin",
                       "admin", 0, admin_commands};
    for (unsigned b = 0; admin_commands[b] != NULL; b++) {
        if (cmd == NULL || strcmp(cmd, admin_commands[b] + 6) == 0) {
            t->command |= 1u << b;
        }
    }
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
    char prefix[64];
    snprintf(prefix, sizeof prefix, "admin %s", cmd);
    cli_optable t;
    cli_admin_table(cmd, &t);
    t.cmd = prefix;
    admin_options ao = {DEFAULT_DB, NULL, NULL, "office", NULL};
    int help = 0;
    int prc = cli_opt_parse(argc - 1, argv + 1, &t, &ao, &help);
    if (prc != CLI_EXIT_OK || help) {
        if (help) {
            cli_admin_help(stdout);
        }
        return prc;
    }
    const char *db = ao.db, *office = ao.office, *country = ao.country;
    const char *role = ao.role, *since = ao.since;
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
 * count --methods M --seed S --out DIR --quiet --report-form single`, in
 * steps, on this process's threads. */
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
                    /* the service serves report.html alone */
                    "--report-form", "single", NULL};
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

/* "ADDR:PORT", "[V6]:PORT"; 0, or -1 when arg is not that. */
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
        return -1;
    }
    memcpy(addr, a, alen);
    addr[alen] = '\0';
    *port = (unsigned)p;
    return 0;
}

/* What serve was asked to do. */
typedef struct {
    vcs_config cfg;
    const char *db, *cert, *key;
    char addr[256];
} serve_options;

/* --listen ADDR:PORT into serve_options. */
static int parse_listen_option(const char *arg, void *field,
                               const char **takes)
{
    serve_options *so = field;
    (void)takes; /* the table's words */
    return parse_listen(arg, so->addr, sizeof so->addr, &so->cfg.port) == 0
               ? CLI_EXIT_OK
               : CLI_EXIT_USAGE;
}

#define F(member) offsetof(serve_options, member)
static const cli_opt serve_table[] = {
    {.name = "db", .kind = CLI_OPT_STRING, .field = F(db), .arg = "FILE",
     .help = "the database (created with its folder; the token key is "
             "FILE.key, estimates go to FILE.estimates/)",
     .dflt = DEFAULT_DB},
    {.name = "listen", .kind = CLI_OPT_CUSTOM, .field = 0,
     .parse = parse_listen_option,
     .takes = "takes ADDR:PORT, e.g. 127.0.0.1:8480 or [::1]:8480",
     .arg = "ADDR:PORT",
     .help = "where to listen ([::1]:8480 for IPv6; port 0 picks a free "
             "one, printed at start)", .dflt = "127.0.0.1:8480"},
    {.name = "workers", .kind = CLI_OPT_UNSIGNED, .field = F(cfg.workers),
     .whole = {1, 256}, .arg = "N",
     .help = "HTTP threads (they mostly wait for the disk, and the more "
             "wait together the more one commit stores)", .dflt = "16"},
    {.name = "max-upload", .kind = CLI_OPT_SIZE, .field = F(cfg.max_upload),
     .whole = {1, 1ul << 30}, .arg = "BYTES",
     .help = "largest accepted request body; larger ones get 413",
     .dflt = "10000000"},
    {.name = "timeout", .kind = CLI_OPT_UNSIGNED, .field = F(cfg.timeout_s),
     .whole = {1, 3600}, .arg = "S",
     .help = "drop a connection idle for S seconds", .dflt = "30"},
    {.name = "tls-cert", .kind = CLI_OPT_STRING, .field = F(cert),
     .arg = "FILE",
     .help = "serve HTTPS with this PEM certificate (and --tls-key; needed "
             "beyond this machine: without TLS, tokens cross the network "
             "readable)"},
    {.name = "tls-key", .kind = CLI_OPT_STRING, .field = F(key),
     .arg = "FILE", .help = "the certificate's PEM key (with --tls-cert)"},
    {.name = "help", .short_name = 'h', .kind = CLI_OPT_HELP,
     .help = "this help"},
};

void cli_serve_table(cli_optable *t)
{
    static const char *const cmds[] = {"serve", NULL};
    *t = (cli_optable){serve_table,
                       sizeof serve_table / sizeof serve_table[0], "serve",
                       "serve", 1u, cmds};
}
#undef F

static int loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0
           || strcmp(addr, "localhost") == 0;
}

int cli_serve(int argc, char **argv)
{
    cli_optable t;
    cli_serve_table(&t);
    serve_options so = {.db = DEFAULT_DB, .addr = "127.0.0.1"};
    vcs_config_init(&so.cfg);
    int help = 0;
    int rc = cli_opt_parse(argc, argv, &t, &so, &help);
    if (rc != CLI_EXIT_OK || help) {
        if (help) {
            cli_serve_help(stdout);
        }
        return rc;
    }
    vcs_config cfg = so.cfg;
    const char *db = so.db, *cert = so.cert, *key = so.key;
    const char *addr = so.addr;
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
    rc = open_store(db, &s);
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
