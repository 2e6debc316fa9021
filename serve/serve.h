/*
 * serve.h: the intake service behind `victimcount serve` and
 * `victimcount admin`: a durable store (SQLite), per-office tokens, and an
 * HTTP API (libmicrohttpd) through which field offices submit overlap
 * tables and analysts run estimates over them.
 *
 * The service is not part of libvictimcount's estimation API; it is linked
 * into the victimcount binary only, so this header is not a vc_*.h: it is
 * neither installed nor part of the umbrella header.  Like the library it never prints or
 * exits: errors come back as VC_* status codes with a one-line message in
 * a vc_error, and what the server has to say while it runs (one line per
 * request, estimate progress) goes through the log callback of its
 * configuration, which the command's entry point (cli/serve.c) owns.
 *
 * Threads: the HTTP daemon answers on a pool of threads (epoll); every
 * write to the store goes through one mutex-guarded connection (the single
 * writer), reads use a small pool of read connections; estimates run on
 * their own worker thread(s) through the run_estimate callback.
 */
#ifndef VC_SERVE_SERVE_H
#define VC_SERVE_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"
#include "data/vc_data.h"

/* Bytes of a token (256 random bits) and of its text form: unpadded
 * URL-safe base64 (RFC 4648, section 5) of 32 bytes is 43 characters. */
#define VCS_TOKEN_BYTES 32
#define VCS_TOKEN_TEXT 44

typedef struct vcs_store vcs_store;
typedef struct vcs_server vcs_server;

/* Open (creating if needed) the store at path and bring its schema up to
 * date (migrations by PRAGMA user_version).  The key for the tokens' keyed
 * hash lives beside it in path + ".key" (created, mode 0600, at first
 * open).  Returned in *store; VC_EIO when the file cannot be opened or is
 * not a victimcount store, VC_ENOMEM. */
int vcs_store_open(const char *path, vcs_store **store, vc_error *err);
void vcs_store_close(vcs_store *s);

/* admin add-office: create an office (role "office") or an analyst (role
 * "analyst") and write its token, NUL-terminated, into token (room for
 * VCS_TOKEN_TEXT bytes).  Only HMAC-SHA256(key, token) is stored.
 * VC_EINVAL: bad name, country or role, or the name is taken. */
int vcs_office_add(vcs_store *s, const char *name, const char *country,
                   const char *role, char *token, vc_error *err);
/* admin revoke: the office's token stops working and its sessions end.
 * VC_EINVAL when there is no such office. */
int vcs_office_revoke(vcs_store *s, const char *name, vc_error *err);

/* One audit record, as vcs_audit_each hands it over (strings borrowed for
 * the call). */
typedef struct {
    int64_t seq;
    const char *time;    /* UTC, 2026-12-04T16:40:00.123Z */
    const char *office;  /* who ("admin" for the command line) */
    const char *action;  /* session.create, submission.create, ... */
    const char *object;  /* the id acted on, or "" */
    const char *client;  /* client address, or "" */
} vcs_audit_record;

/* Every audit record at or after since (an ISO 8601 UTC prefix such as
 * 2026-12-04 or 2026-12-04T16:00; NULL: all), oldest first. */
int vcs_audit_each(vcs_store *s, const char *since,
                   int (*each)(const vcs_audit_record *r, void *ctx),
                   void *ctx, vc_error *err);

/* What the estimate worker asks of the command: run the batch of input
 * (an aggregated CSV: a "stratum" column, one column per list and a
 * "count" column) with these methods (comma
 * separated) and seed into dir (its cache lives in dir/cache, so a second
 * call after a restart resumes), then return dir/results.json's and
 * dir/report.html's bytes and the headlines in words, one line per
 * stratum (all malloc'ed, NUL-terminated).  VC_OK, or a
 * status with msg set. */
typedef int (*vcs_run_estimate)(void *ctx, const char *input,
                                const char *dir, const char *methods,
                                uint64_t seed, char **results_json,
                                char **report_html, char **headlines,
                                vc_error *err);

/* The server's configuration (vcs_config_init sets the defaults). */
typedef struct {
    const char *listen_addr;   /* "127.0.0.1", "::1", "0.0.0.0", ... */
    unsigned port;             /* 0: an ephemeral port (vcs_server_port) */
    unsigned workers;          /* HTTP threads */
    size_t max_upload;         /* request body cap in bytes */
    unsigned timeout_s;        /* idle connection timeout */
    unsigned per_ip;           /* connections per client address */
    size_t conn_memory;        /* libmicrohttpd's memory per connection */
    unsigned session_hours;    /* web sessions expire after this */
    unsigned checkpoint_s;     /* wal_checkpoint(RESTART) period */
    const char *tls_cert_pem;  /* both or neither (PEM text, borrowed) */
    const char *tls_key_pem;
    const char *estimates_dir; /* where estimate inputs and caches go */
    vcs_run_estimate run_estimate; /* NULL: estimates stay queued */
    void *run_ctx;
    int (*method_known)(const char *name); /* NULL: any name */
    /* words a refused file's message as `victimcount validate` does
     * (NULL: the library's message) */
    void (*word_read_error)(const vc_error *err, const vc_read_advice *a,
                            char *buf, size_t size);
    void (*log)(void *ctx, const char *line); /* may be NULL */
    void *log_ctx;
} vcs_config;

void vcs_config_init(vcs_config *c);

/* Start answering on c's address with store s (borrowed; must outlive the
 * server).  Queued and half-done estimates from an earlier run are taken
 * up again.  VC_EIO when the address cannot be bound or TLS material is
 * refused. */
int vcs_server_start(const vcs_config *c, vcs_store *s, vcs_server **srv,
                     vc_error *err);
unsigned vcs_server_port(const vcs_server *srv);
/* Stop accepting, finish the requests under way, stop the estimate
 * worker.  Returns 1 when an estimate was under way: it is left running
 * (and resumes at the next start), and since its thread still uses the
 * store, the caller must not close the store but end the process. */
int vcs_server_stop(vcs_server *srv);

#endif /* VC_SERVE_SERVE_H */
