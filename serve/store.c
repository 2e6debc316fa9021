/*
 * store.c: the service's durable store, one SQLite database.
 *
 * Durability: the database runs in WAL mode with synchronous=FULL on the
 * writer, so a transaction that has committed (and so a submission that
 * was answered 201) is on disk and survives a kill or a power cut;
 * nothing half-written is ever visible, because every change is one
 * transaction.  All writes go through one connection under one mutex: the
 * single writer queue, so writers never meet SQLITE_BUSY from each other,
 * and busy_timeout covers the rare wait on a checkpoint or on another
 * process (admin commands while the server runs).  Readers use their own
 * connections and never block the writer (WAL).
 *
 * Checkpoints: SQLite's automatic checkpoints are PASSIVE and give up
 * while readers hold old snapshots, so under steady reads the WAL could
 * grow without bound (checkpoint starvation).  The server therefore runs
 * wal_checkpoint(RESTART) on a schedule from the writer's side (it waits
 * for readers to move to the newest snapshot, then restarts the log), and
 * journal_size_limit truncates the WAL file back after a checkpoint.
 *
 * Schema: PRAGMA user_version is the schema version; each migration moves
 * it up by one inside its own transaction, and a database from a newer
 * version of the program is refused rather than misread.
 *
 * The key of the tokens' keyed hash lives beside the database in
 * FILE.key (mode 0600), not inside it: copies of the database (backups,
 * a file handed over to debug a problem, the audit log exported) then
 * carry no means to test tokens or to forge session cookies, and the key
 * can be kept on other storage than the data.  Losing the key invalidates
 * every token and session (offices get new tokens from admin add-office
 * after a revoke); it never exposes data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nettle/memops.h>

#include "serve/serve_impl.h"

#define SCHEMA_VERSION 1

/* Each migration takes the schema from version i to i + 1. */
static const char *const migrations[SCHEMA_VERSION] = {
    /* 1: the first schema */
    "CREATE TABLE offices ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " country TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('office', 'analyst')),"
    " token_hash BLOB NOT NULL UNIQUE,"
    " revoked INTEGER NOT NULL DEFAULT 0,"
    " created TEXT NOT NULL);"
    "CREATE TABLE submissions ("
    " seq INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " office TEXT NOT NULL,"
    " idem TEXT,"
    " body BLOB NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " strata TEXT,"
    " encoding TEXT,"
    " summary TEXT NOT NULL,"
    " created TEXT NOT NULL,"
    " UNIQUE (office, idem));"
    "CREATE TABLE estimates ("
    " seq INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " analyst TEXT NOT NULL,"
    " country TEXT NOT NULL,"
    " request TEXT NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done',"
    " 'failed')),"
    " error TEXT,"
    " summary TEXT,"
    " result TEXT,"
    " report TEXT,"
    " headlines TEXT,"
    " published INTEGER NOT NULL DEFAULT 0,"
    " created TEXT NOT NULL,"
    " updated TEXT NOT NULL);"
    "CREATE TABLE audit ("
    " seq INTEGER PRIMARY KEY,"
    " time TEXT NOT NULL,"
    " office TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " object TEXT NOT NULL,"
    " client TEXT NOT NULL);"
    "CREATE INDEX audit_time ON audit (time);"
    /* append-only: the database itself refuses to change history */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TABLE sessions ("
    " hash BLOB PRIMARY KEY,"
    " office INTEGER NOT NULL REFERENCES offices (id),"
    " created TEXT NOT NULL,"
    " expires INTEGER NOT NULL);"};

int vcsi_db_error(sqlite3 *db, const char *what, vc_error *err)
{
    return vc_error_set(err, VC_EIO, "store: %s: %s", what,
                        db ? sqlite3_errmsg(db) : "out of memory");
}

/* Run sql (no rows wanted). */
static int exec(sqlite3 *db, const char *sql, vc_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = vc_error_set(err, VC_EIO, "store: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return rc;
    }
    return VC_OK;
}

static int pragma_int(sqlite3 *db, const char *sql, long *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return -1;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = (long)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int open_conn(const char *path, sqlite3 **db, vc_error *err)
{
    int rc = sqlite3_open_v2(path, db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                 | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        int r = vc_error_set(err, VC_EIO, "cannot open %s: %s", path,
                             *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return r;
    }
    sqlite3_busy_timeout(*db, 10000);
    sqlite3_extended_result_codes(*db, 1);
    return VC_OK;
}

/* Bring the schema up to date. */
static int migrate(sqlite3 *db, const char *path, vc_error *err)
{
    long version = 0;
    if (pragma_int(db, "PRAGMA user_version", &version) != 0) {
        return vcsi_db_error(db, path, err);
    }
    if (version > SCHEMA_VERSION) {
        return vc_error_set(err, VC_EIO, "%s has schema version %ld, newer "
                            "than this program's %d: use a newer "
                            "victimcount", path, version, SCHEMA_VERSION);
    }
    if (version == 0) {
        long tables = 0;
        if (pragma_int(db, "SELECT count(*) FROM sqlite_schema", &tables)
            != 0) {
            return vc_error_set(err, VC_EIO, "%s is not an SQLite "
                                "database", path);
        }
        if (tables > 0) {
            return vc_error_set(err, VC_EIO, "%s is an SQLite database but "
                                "not a victimcount store (it has tables "
                                "and no schema version)", path);
        }
    }
    for (long v = version; v < SCHEMA_VERSION; v++) {
        char set[64];
        snprintf(set, sizeof set, "PRAGMA user_version = %ld", v + 1);
        int rc = exec(db, "BEGIN IMMEDIATE", err);
        if (rc == VC_OK) {
            rc = exec(db, migrations[v], err);
        }
        if (rc == VC_OK) {
            rc = exec(db, set, err);
        }
        if (rc == VC_OK) {
            rc = exec(db, "COMMIT", err);
        }
        if (rc != VC_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
    }
    return VC_OK;
}

/* Read FILE.key, or create it (written to a temporary, then linked into
 * place, so two processes starting at once agree on one key). */
static int load_key(const char *path, uint8_t key[VCS_HASH_SIZE],
                    vc_error *err)
{
    size_t plen = strlen(path);
    char *kpath = malloc(plen + 32);
    char *tmp = malloc(plen + 32);
    if (kpath == NULL || tmp == NULL) {
        free(kpath);
        free(tmp);
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    snprintf(kpath, plen + 32, "%s.key", path);
    snprintf(tmp, plen + 32, "%s.key.XXXXXX", path);
    int rc = VC_OK;
    int fd = open(kpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        uint8_t fresh[VCS_HASH_SIZE];
        rc = vcsi_random(fresh, sizeof fresh, err);
        int t = rc == VC_OK ? mkstemp(tmp) : -1;
        if (rc == VC_OK && t < 0) {
            rc = vc_error_set(err, VC_EIO, "cannot create %s: %s", kpath,
                              strerror(errno));
        }
        if (t >= 0) {
            /* mkstemp creates the file 0600 */
            if (write(t, fresh, sizeof fresh) != (ssize_t)sizeof fresh
                || fsync(t) != 0) {
                rc = vc_error_set(err, VC_EIO, "cannot write %s: %s", tmp,
                                  strerror(errno));
            }
            close(t);
            if (rc == VC_OK && link(tmp, kpath) != 0 && errno != EEXIST) {
                rc = vc_error_set(err, VC_EIO, "cannot create %s: %s",
                                  kpath, strerror(errno));
            }
            unlink(tmp);
        }
        if (rc == VC_OK) {
            fd = open(kpath, O_RDONLY | O_CLOEXEC);
        }
    }
    if (rc == VC_OK && fd < 0) {
        rc = vc_error_set(err, VC_EIO, "cannot read %s: %s", kpath,
                          strerror(errno));
    }
    if (rc == VC_OK) {
        ssize_t got = read(fd, key, VCS_HASH_SIZE);
        uint8_t extra;
        if (got != VCS_HASH_SIZE || read(fd, &extra, 1) != 0) {
            rc = vc_error_set(err, VC_EIO, "%s is not a victimcount key "
                              "file (32 bytes)", kpath);
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    free(kpath);
    free(tmp);
    return rc;
}

int vcs_store_open(const char *path, vcs_store **store, vc_error *err)
{
    *store = NULL;
    vcs_store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&s->wlock, NULL);
    pthread_mutex_init(&s->group_lock, NULL);
    pthread_cond_init(&s->group_cond, NULL);
    for (unsigned i = 0; i < VCS_NREADERS; i++) {
        pthread_mutex_init(&s->rlock[i], NULL);
    }
    int rc = open_conn(path, &s->w, err);
    if (rc == VC_OK) {
        /* journal_size_limit: after a checkpoint the WAL file is cut back
         * to 4 MiB, so one burst does not leave a large file behind */
        vc_error why;
        vc_error_clear(&why);
        if (exec(s->w, "PRAGMA journal_mode = WAL;"
                       "PRAGMA synchronous = FULL;"
                       "PRAGMA foreign_keys = ON;"
                       "PRAGMA journal_size_limit = 4194304;", &why)
            != VC_OK) {
            rc = vc_error_set(err, VC_EIO, "cannot use %s as a victimcount "
                              "store: %s", path, why.msg);
        }
    }
    if (rc == VC_OK) {
        rc = migrate(s->w, path, err);
    }
    if (rc == VC_OK) {
        rc = load_key(path, s->key, err);
    }
    for (unsigned i = 0; rc == VC_OK && i < VCS_NREADERS; i++) {
        rc = open_conn(path, &s->r[i], err);
        if (rc == VC_OK) {
            rc = exec(s->r[i], "PRAGMA query_only = ON", err);
        }
    }
    if (rc != VC_OK) {
        vcs_store_close(s);
        return rc;
    }
    *store = s;
    return VC_OK;
}

void vcs_store_close(vcs_store *s)
{
    if (s == NULL) {
        return;
    }
    for (unsigned i = 0; i < VCS_NREADERS; i++) {
        sqlite3_close_v2(s->r[i]);
        pthread_mutex_destroy(&s->rlock[i]);
    }
    sqlite3_close_v2(s->w);
    pthread_mutex_destroy(&s->wlock);
    pthread_mutex_destroy(&s->group_lock);
    pthread_cond_destroy(&s->group_cond);
    memset(s->key, 0, sizeof s->key);
    free(s->path);
    free(s);
}

sqlite3 *vcsi_writer_lock(vcs_store *s)
{
    pthread_mutex_lock(&s->wlock);
    return s->w;
}

void vcsi_writer_unlock(vcs_store *s)
{
    pthread_mutex_unlock(&s->wlock);
}

sqlite3 *vcsi_reader_lock(vcs_store *s, unsigned *slot)
{
    unsigned start = __atomic_fetch_add(&s->rnext, 1, __ATOMIC_RELAXED);
    for (unsigned k = 0; k < VCS_NREADERS; k++) {
        unsigned i = (start + k) % VCS_NREADERS;
        if (pthread_mutex_trylock(&s->rlock[i]) == 0) {
            *slot = i;
            return s->r[i];
        }
    }
    unsigned i = start % VCS_NREADERS;
    pthread_mutex_lock(&s->rlock[i]);
    *slot = i;
    return s->r[i];
}

void vcsi_reader_unlock(vcs_store *s, unsigned slot)
{
    pthread_mutex_unlock(&s->rlock[slot]);
}

void vcsi_checkpoint(vcs_store *s)
{
    sqlite3 *w = vcsi_writer_lock(s);
    sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_RESTART, NULL,
                              NULL);
    vcsi_writer_unlock(s);
}

/* Bind text (NULL binds NULL). */
static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v == NULL) {
        sqlite3_bind_null(st, i);
    } else {
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    }
}

/* Bind st's parameters ?1, ?2, ... from ap, one letter of types each:
 * 's' a string (NULL binds NULL), 'i' an int, 'I' an sqlite3_int64, 'b'
 * a blob (its pointer, then its int size). */
static void bind_args(sqlite3_stmt *st, const char *types, va_list ap)
{
    for (int i = 1; types[i - 1] != '\0'; i++) {
        switch (types[i - 1]) {
        case 's':
            bind_text(st, i, va_arg(ap, const char *));
            break;
        case 'i':
            sqlite3_bind_int(st, i, va_arg(ap, int));
            break;
        case 'I':
            sqlite3_bind_int64(st, i, va_arg(ap, sqlite3_int64));
            break;
        default: { /* 'b' */
            const void *blob = va_arg(ap, const void *);
            sqlite3_bind_blob(st, i, blob, va_arg(ap, int),
                              SQLITE_TRANSIENT);
        }
        }
    }
}

/* One statement of a write, in the caller's transaction on w: sql
 * prepared, bound from the arguments after types (bind_args), stepped
 * once, finalized.  VC_OK when it ran, else VC_EIO with err worded
 * "store: WHAT: ..." (err may be NULL). */
static int write_step(sqlite3 *w, const char *what, vc_error *err,
                      const char *sql, const char *types, ...)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(w, sql, -1, &st, NULL) != SQLITE_OK) {
        return vcsi_db_error(w, what, err);
    }
    va_list ap;
    va_start(ap, types);
    bind_args(st, types, ap);
    va_end(ap);
    int rc = sqlite3_step(st) == SQLITE_DONE ? VC_OK
                                             : vcsi_db_error(w, what, err);
    sqlite3_finalize(st);
    return rc;
}

/* Every read of the service: on a reader connection (its lock held
 * throughout), prepare sql, bind its parameters from the arguments after
 * types (bind_args), then hand each row to row(st, ctx) until it returns
 * nonzero.  Returns SQLITE_DONE when every row was read, SQLITE_ROW when
 * row stopped early, else SQLite's error code; on an error with err
 * given, err says what (worded "store: WHAT: ..."). */
static int read_rows(vcs_store *s, const char *what, vc_error *err,
                     const char *sql,
                     int (*row)(sqlite3_stmt *st, void *ctx), void *ctx,
                     const char *types, ...)
{
    unsigned slot;
    sqlite3 *r = vcsi_reader_lock(s, &slot);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        va_list ap;
        va_start(ap, types);
        bind_args(st, types, ap);
        va_end(ap);
        do {
            rc = sqlite3_step(st);
        } while (rc == SQLITE_ROW && row(st, ctx) == 0);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && err != NULL) {
        vcsi_db_error(r, what, err);
    }
    vcsi_reader_unlock(s, slot);
    return rc;
}

/* Rows as JSON documents, for read_rows: doc(st, arg) of the first row
 * into out (first_row), or of every row appended to the array out
 * (each_row). */
typedef struct {
    json_t *(*doc)(sqlite3_stmt *st, int arg);
    int arg;
    json_t *out;
} row_docs;

static int first_row(sqlite3_stmt *st, void *ctx)
{
    row_docs *d = ctx;
    d->out = d->doc(st, d->arg);
    return 1;
}

static int each_row(sqlite3_stmt *st, void *ctx)
{
    row_docs *d = ctx;
    json_array_append_new(d->out, d->doc(st, d->arg));
    return 0;
}

int vcsi_audit(sqlite3 *w, const char *office, const char *action,
               const char *object, const char *client, vc_error *err)
{
    char now[32];
    vcsi_now(now);
    return write_step(w, "audit", err,
                      "INSERT INTO audit (time, office, action, object, "
                      "client) VALUES (?, ?, ?, ?, ?)",
                      "sssss", now, office, action, object ? object : "",
                      client ? client : "");
}

/* BEGIN IMMEDIATE on the writer (lock held): the write lock is taken at
 * once, so the transaction cannot fail later on a lock upgrade. */
static int begin(sqlite3 *w, vc_error *err)
{
    return exec(w, "BEGIN IMMEDIATE", err);
}

static int commit(sqlite3 *w, int rc, vc_error *err)
{
    if (rc == VC_OK) {
        rc = exec(w, "COMMIT", err);
    }
    if (rc != VC_OK) {
        sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

/* Printable and short: office names and countries appear in pages, in
 * headlines and in the audit log. */
static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '<'
            || c == '>' || c == '&') {
            return 0;
        }
    }
    return 1;
}

int vcs_office_add(vcs_store *s, const char *name, const char *country,
                   const char *role, char *token, vc_error *err)
{
    if (!valid_name(name)) {
        return vc_error_set(err, VC_EINVAL, "office name \"%s\": 1 to 100 "
                            "printable characters, without quotes, "
                            "backslashes, <, > or &", name);
    }
    if (!valid_name(country)) {
        return vc_error_set(err, VC_EINVAL, "country \"%s\": 1 to 100 "
                            "printable characters, without quotes, "
                            "backslashes, <, > or &", country);
    }
    if (strcmp(role, "office") != 0 && strcmp(role, "analyst") != 0) {
        return vc_error_set(err, VC_EINVAL, "role must be office or "
                            "analyst, not \"%s\"", role);
    }
    int rc = vcsi_new_token(token, err);
    if (rc != VC_OK) {
        return rc;
    }
    uint8_t h[VCS_HASH_SIZE];
    vcsi_hmac(s->key, "token", token, strlen(token), h);
    char now[32];
    vcsi_now(now);
    sqlite3 *w = vcsi_writer_lock(s);
    rc = begin(w, err);
    sqlite3_stmt *st = NULL;
    if (rc == VC_OK
        && sqlite3_prepare_v2(w, "INSERT INTO offices (name, country, role, "
                                 "token_hash, created) VALUES (?, ?, ?, ?, "
                                 "?)", -1, &st, NULL) != SQLITE_OK) {
        rc = vcsi_db_error(w, "add office", err);
    }
    if (rc == VC_OK) {
        bind_text(st, 1, name);
        bind_text(st, 2, country);
        bind_text(st, 3, role);
        sqlite3_bind_blob(st, 4, h, sizeof h, SQLITE_TRANSIENT);
        bind_text(st, 5, now);
        int s3 = sqlite3_step(st);
        if (s3 == SQLITE_CONSTRAINT_UNIQUE) {
            rc = vc_error_set(err, VC_EINVAL, "there is already an office "
                              "called \"%s\" (revoke it, or choose another "
                              "name)", name);
        } else if (s3 != SQLITE_DONE) {
            rc = vcsi_db_error(w, "add office", err);
        }
    }
    sqlite3_finalize(st);
    if (rc == VC_OK) {
        rc = vcsi_audit(w, "admin", "office.create", name, "", err);
    }
    rc = commit(w, rc, err);
    vcsi_writer_unlock(s);
    if (rc != VC_OK) {
        memset(token, 0, VCS_TOKEN_TEXT);
    }
    return rc;
}

int vcs_office_revoke(vcs_store *s, const char *name, vc_error *err)
{
    sqlite3 *w = vcsi_writer_lock(s);
    int rc = begin(w, err);
    if (rc == VC_OK) {
        rc = write_step(w, "revoke", err,
                        "UPDATE offices SET revoked = 1 WHERE name = ?", "s",
                        name);
    }
    if (rc == VC_OK && sqlite3_changes(w) == 0) {
        rc = vc_error_set(err, VC_EINVAL, "there is no office called "
                          "\"%s\"", name);
    }
    if (rc == VC_OK) {
        rc = write_step(w, "revoke", err,
                        "DELETE FROM sessions WHERE office = (SELECT id "
                        "FROM offices WHERE name = ?)", "s", name);
    }
    if (rc == VC_OK) {
        rc = vcsi_audit(w, "admin", "office.revoke", name, "", err);
    }
    rc = commit(w, rc, err);
    vcsi_writer_unlock(s);
    return rc;
}

/* vcs_audit_each's caller's function and its context. */
typedef struct {
    int (*each)(const vcs_audit_record *r, void *ctx);
    void *ctx;
} audit_reader;

static int audit_row(sqlite3_stmt *st, void *ctx)
{
    const audit_reader *a = ctx;
    vcs_audit_record rec = {sqlite3_column_int64(st, 0),
                            (const char *)sqlite3_column_text(st, 1),
                            (const char *)sqlite3_column_text(st, 2),
                            (const char *)sqlite3_column_text(st, 3),
                            (const char *)sqlite3_column_text(st, 4),
                            (const char *)sqlite3_column_text(st, 5)};
    return a->each(&rec, a->ctx);
}

int vcs_audit_each(vcs_store *s, const char *since,
                   int (*each)(const vcs_audit_record *r, void *ctx),
                   void *ctx, vc_error *err)
{
    audit_reader a = {each, ctx};
    int rc = read_rows(s, "audit", err,
                       "SELECT seq, time, office, action, object, client "
                       "FROM audit WHERE time >= ? ORDER BY seq",
                       audit_row, &a, "s", since ? since : "");
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? VC_OK : VC_EIO;
}

/* Fill o from a row (id, name, country, role). */
static void office_from_row(sqlite3_stmt *st, vcs_office *o)
{
    o->id = sqlite3_column_int64(st, 0);
    snprintf(o->name, sizeof o->name, "%s", sqlite3_column_text(st, 1));
    snprintf(o->country, sizeof o->country, "%s",
             sqlite3_column_text(st, 2));
    o->analyst = strcmp((const char *)sqlite3_column_text(st, 3), "analyst")
                 == 0;
}

/* The office of the row where sql's one parameter (a hash) matches; the
 * stored hash is compared again in constant time. */
/* What office_by_hash looks for and finds. */
typedef struct {
    const uint8_t *h;
    vcs_office *o;
    int found;
} office_search;

static int office_row(sqlite3_stmt *st, void *ctx)
{
    office_search *q = ctx;
    const void *stored = sqlite3_column_blob(st, 4);
    if (sqlite3_column_bytes(st, 4) == VCS_HASH_SIZE
        && memeql_sec(stored, q->h, VCS_HASH_SIZE)) {
        office_from_row(st, q->o);
        q->found = 1;
    }
    return 1; /* the first row only */
}

static int office_by_hash(vcs_store *s, const char *sql,
                          const uint8_t h[VCS_HASH_SIZE], vcs_office *o)
{
    office_search q = {h, o, 0};
    int rc = read_rows(s, "office", NULL, sql, office_row, &q, "bI",
                       (const void *)h, (int)VCS_HASH_SIZE,
                       (sqlite3_int64)time(NULL));
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? q.found : -1;
}

/* The office that holds secret (a token or a session, by purpose): its
 * keyed hash looked up by sql (?1 the hash, ?2 the time now).  The index
 * lookup is on a keyed hash the caller cannot steer, so its timing says
 * nothing about stored secrets. */
static int office_by_secret(vcs_store *s, const char *purpose,
                            const char *secret, const char *sql,
                            vcs_office *o)
{
    size_t n = strlen(secret);
    if (n == 0 || n > 128) {
        return 0;
    }
    uint8_t h[VCS_HASH_SIZE];
    vcsi_hmac(s->key, purpose, secret, n, h);
    return office_by_hash(s, sql, h, o);
}

int vcsi_office_by_token(vcs_store *s, const char *token, vcs_office *o)
{
    /* ?2 is unused here */
    return office_by_secret(s, "token", token,
                            "SELECT id, name, country, role, token_hash "
                            "FROM offices WHERE token_hash = ?1 AND "
                            "revoked = 0 AND ?2 IS NOT NULL", o);
}

int vcsi_session_create(vcs_store *s, const vcs_office *o, unsigned hours,
                        const char *client, char out[VCS_TOKEN_TEXT],
                        vc_error *err)
{
    int rc = vcsi_new_token(out, err);
    if (rc != VC_OK) {
        return rc;
    }
    uint8_t h[VCS_HASH_SIZE];
    vcsi_hmac(s->key, "session", out, strlen(out), h);
    char now[32];
    vcsi_now(now);
    sqlite3 *w = vcsi_writer_lock(s);
    rc = begin(w, err);
    if (rc == VC_OK) {
        /* expired sessions go as new ones come */
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM sessions WHERE expires < "
                 "%lld", (long long)time(NULL));
        rc = exec(w, sql, err);
    }
    if (rc == VC_OK) {
        rc = write_step(w, "session", err,
                        "INSERT INTO sessions (hash, office, created, "
                        "expires) VALUES (?, ?, ?, ?)", "bIsI",
                        (const void *)h, (int)sizeof h,
                        (sqlite3_int64)o->id, now,
                        (sqlite3_int64)time(NULL)
                            + (sqlite3_int64)hours * 3600);
    }
    if (rc == VC_OK) {
        rc = vcsi_audit(w, o->name, "session.create", "", client, err);
    }
    rc = commit(w, rc, err);
    vcsi_writer_unlock(s);
    return rc;
}

int vcsi_session_office(vcs_store *s, const char *token, vcs_office *o)
{
    return office_by_secret(s, "session", token,
                            "SELECT o.id, o.name, o.country, o.role, "
                            "s.hash FROM sessions s JOIN offices o ON "
                            "o.id = s.office WHERE s.hash = ?1 AND "
                            "s.expires > ?2 AND o.revoked = 0", o);
}

void vcsi_session_delete(vcs_store *s, const char *token)
{
    uint8_t h[VCS_HASH_SIZE];
    vcsi_hmac(s->key, "session", token, strlen(token), h);
    sqlite3 *w = vcsi_writer_lock(s);
    /* a sign-out that fails leaves a session that expires anyway */
    write_step(w, "session", NULL, "DELETE FROM sessions WHERE hash = ?",
               "b", (const void *)h, (int)sizeof h);
    vcsi_writer_unlock(s);
}

/* One submission waiting for the group commit. */
struct sub_job {
    const vcs_office *o;
    const char *idem, *body, *strata, *encoding, *summary, *client;
    size_t len;
    char sha[65], fresh[37], now[32];
    char *id;
    vcs_sub_outcome *outcome;
    int rc;
    int done;
    struct sub_job *next;
};

/* Store one job inside the open transaction (its own savepoint, so a
 * failure undoes this job alone). */
static int sub_job_run(sqlite3 *w, sub_job *j, vc_error *err)
{
    int rc = exec(w, "SAVEPOINT job", err);
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (rc == VC_OK && j->idem != NULL) {
        /* the idempotency key is the office's own: another office's use
         * of the same key is another submission, so it reveals nothing */
        if (sqlite3_prepare_v2(w, "SELECT id, sha256 FROM submissions "
                                  "WHERE office = ? AND idem = ?", -1, &st,
                               NULL) != SQLITE_OK) {
            rc = vcsi_db_error(w, "submission", err);
        } else {
            bind_text(st, 1, j->o->name);
            bind_text(st, 2, j->idem);
            int s3 = sqlite3_step(st);
            if (s3 == SQLITE_ROW) {
                found = 1;
                snprintf(j->id, 40, "%s", sqlite3_column_text(st, 0));
                *j->outcome = strcmp((const char *)sqlite3_column_text(st,
                                                                       1),
                                     j->sha) == 0
                                  ? VCS_SUB_SAME
                                  : VCS_SUB_CONFLICT;
            } else if (s3 != SQLITE_DONE) {
                rc = vcsi_db_error(w, "submission", err);
            }
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == VC_OK && !found) {
        if (sqlite3_prepare_v2(w, "INSERT INTO submissions (id, office, "
                                  "idem, body, sha256, strata, summary, "
                                  "created, encoding) VALUES (?, ?, ?, ?, ?, "
                                  "?, ?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = vcsi_db_error(w, "submission", err);
        } else {
            bind_text(st, 1, j->fresh);
            bind_text(st, 2, j->o->name);
            bind_text(st, 3, j->idem);
            sqlite3_bind_blob(st, 4, j->body, (int)j->len, SQLITE_STATIC);
            bind_text(st, 5, j->sha);
            bind_text(st, 6, j->strata);
            bind_text(st, 7, j->summary);
            bind_text(st, 8, j->now);
            bind_text(st, 9, j->encoding);
            if (sqlite3_step(st) != SQLITE_DONE) {
                rc = vcsi_db_error(w, "submission", err);
            }
        }
        sqlite3_finalize(st);
        if (rc == VC_OK) {
            snprintf(j->id, 40, "%s", j->fresh);
            *j->outcome = VCS_SUB_CREATED;
            rc = vcsi_audit(w, j->o->name, "submission.create", j->fresh,
                            j->client, err);
        }
    }
    if (rc == VC_OK) {
        rc = exec(w, "RELEASE job", err);
    } else {
        sqlite3_exec(w, "ROLLBACK TO job; RELEASE job", NULL, NULL, NULL);
    }
    return rc;
}

/* Group commit: with synchronous=FULL every COMMIT waits for the disk,
 * so submissions that arrive while one commit is under way are gathered
 * and stored by the next in one transaction, one sync for all of them.
 * The caller that finds no commit under way leads: it takes every job
 * waiting, commits them under the writer lock, and wakes their callers;
 * no extra thread is needed, and no caller is answered before its own
 * row is on disk. */
static void group_commit(vcs_store *s, sub_job *batch)
{
    sqlite3 *w = vcsi_writer_lock(s);
    int rc = begin(w, NULL);
    for (sub_job *j = batch; j != NULL; j = j->next) {
        j->rc = rc == VC_OK ? sub_job_run(w, j, NULL) : rc;
    }
    if (rc == VC_OK) {
        rc = exec(w, "COMMIT", NULL);
        if (rc != VC_OK) {
            sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
            for (sub_job *j = batch; j != NULL; j = j->next) {
                j->rc = rc;
            }
        }
    }
    vcsi_writer_unlock(s);
}

int vcsi_submission_put(vcs_store *s, const vcs_office *o, const char *idem,
                        const char *body, size_t len, const char *strata,
                        const char *encoding, const char *summary,
                        const char *client, char id[40],
                        vcs_sub_outcome *outcome, vc_error *err)
{
    sub_job job;
    memset(&job, 0, sizeof job);
    job.o = o;
    job.idem = idem;
    job.body = body;
    job.len = len;
    job.strata = strata;
    job.encoding = encoding;
    job.summary = summary;
    job.client = client;
    job.id = id;
    job.outcome = outcome;
    vcsi_sha256_hex(body, len, job.sha);
    int rc = vcsi_uuid(job.fresh, err);
    if (rc != VC_OK) {
        return rc;
    }
    vcsi_now(job.now);
    pthread_mutex_lock(&s->group_lock);
    job.next = s->group_head;
    s->group_head = &job;
    while (!job.done) {
        if (s->group_leading) {
            pthread_cond_wait(&s->group_cond, &s->group_lock);
            continue;
        }
        s->group_leading = 1;
        sub_job *batch = s->group_head;
        s->group_head = NULL;
        pthread_mutex_unlock(&s->group_lock);
        group_commit(s, batch);
        pthread_mutex_lock(&s->group_lock);
        for (sub_job *j = batch; j != NULL;) {
            sub_job *next = j->next;
            j->done = 1; /* j may be gone once its caller wakes */
            j = next;
        }
        s->group_leading = 0;
        pthread_cond_broadcast(&s->group_cond);
    }
    pthread_mutex_unlock(&s->group_lock);
    if (job.rc != VC_OK) {
        return vc_error_set(err, job.rc, "store: the submission could not "
                            "be stored");
    }
    return VC_OK;
}

/* The row's document: seq-less columns (id, office, created, bytes,
 * sha256, strata, summary[, body]). */
static json_t *submission_doc(sqlite3_stmt *st, int with_body)
{
    json_t *summary = json_loads((const char *)sqlite3_column_text(st, 6),
                                 0, NULL);
    const char *strata = (const char *)sqlite3_column_text(st, 5);
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:o}", "id",
        (const char *)sqlite3_column_text(st, 0), "status", "accepted",
        "office", (const char *)sqlite3_column_text(st, 1), "created",
        (const char *)sqlite3_column_text(st, 2), "bytes",
        (json_int_t)sqlite3_column_int64(st, 3), "sha256",
        (const char *)sqlite3_column_text(st, 4), "strata_columns",
        strata ? json_string(strata) : json_null(), "validation",
        summary ? summary : json_object());
    if (doc != NULL && with_body) {
        /* the bytes as received, whatever their encoding: never dumped
         * as JSON, only handed back as they are */
        json_object_set_new(doc, "body",
                            json_stringn_nocheck(
                                (const char *)sqlite3_column_blob(st, 7),
                                (size_t)sqlite3_column_bytes(st, 7)));
    }
    return doc;
}

json_t *vcsi_submission_get(vcs_store *s, const vcs_office *o,
                            const char *id, int with_body)
{
    row_docs d = {submission_doc, with_body, NULL};
    /* one query for "missing" and "someone else's": both find no row */
    read_rows(s, "submission", NULL,
              "SELECT id, office, created, length(body), sha256, strata, "
              "summary, body FROM submissions WHERE id = ?1 AND (?2 OR "
              "office = ?3)",
              first_row, &d, "sis", id, o->analyst, o->name);
    return d.out;
}

json_t *vcsi_submission_list(vcs_store *s, const vcs_office *o)
{
    row_docs d = {submission_doc, 0, json_array()};
    if (d.out != NULL) {
        read_rows(s, "submissions", NULL,
                  "SELECT id, office, created, length(body), sha256, "
                  "strata, summary FROM submissions WHERE ?1 OR office = "
                  "?2 ORDER BY seq DESC",
                  each_row, &d, "is", o->analyst, o->name);
    }
    return d.out;
}

/* The rows vcsi_submissions_of_country keeps (ids: NULL for all) and
 * the array they go to. */
typedef struct {
    const json_t *ids;
    json_t *a;
} country_rows;

static int country_row(sqlite3_stmt *st, void *ctx)
{
    const country_rows *c = ctx;
    const char *id = (const char *)sqlite3_column_text(st, 0);
    if (c->ids != NULL) {
        int named = 0;
        size_t i;
        json_t *v;
        json_array_foreach(c->ids, i, v)
        {
            named |= json_is_string(v)
                     && strcmp(json_string_value(v), id) == 0;
        }
        if (!named) {
            return 0;
        }
    }
    const char *strata = (const char *)sqlite3_column_text(st, 2);
    const char *enc = (const char *)sqlite3_column_text(st, 5);
    json_array_append_new(
        c->a, json_pack("{s:s, s:o, s:s, s:o, s:o, s:s}", "id", id,
                        "encoding", enc ? json_string(enc) : json_null(),
                        "office", (const char *)sqlite3_column_text(st, 1),
                        "strata", strata ? json_string(strata) : json_null(),
                        "body",
                        json_stringn_nocheck(
                            (const char *)sqlite3_column_blob(st, 3),
                            (size_t)sqlite3_column_bytes(st, 3)),
                        "created", (const char *)sqlite3_column_text(st, 4)));
    return 0;
}

json_t *vcsi_submissions_of_country(vcs_store *s, const char *country,
                                    const json_t *ids)
{
    country_rows c = {ids, json_array()};
    if (c.a != NULL) {
        read_rows(s, "submissions", NULL,
                  "SELECT s.id, s.office, s.strata, s.body, s.created, "
                  "s.encoding FROM submissions s JOIN offices o ON o.name "
                  "= s.office WHERE o.country = ? ORDER BY s.seq DESC",
                  country_row, &c, "s", country);
    }
    return c.a;
}

int vcsi_estimate_put(vcs_store *s, const vcs_office *o,
                      const char *country, const char *request,
                      const char *client, char id[40], vc_error *err)
{
    char fresh[37];
    int rc = vcsi_uuid(fresh, err);
    if (rc != VC_OK) {
        return rc;
    }
    char now[32];
    vcsi_now(now);
    sqlite3 *w = vcsi_writer_lock(s);
    rc = begin(w, err);
    if (rc == VC_OK) {
        rc = write_step(w, "estimate", err,
                        "INSERT INTO estimates (id, analyst, country, "
                        "request, status, created, updated) VALUES (?, ?, "
                        "?, ?, 'queued', ?, ?)", "ssssss", fresh, o->name,
                        country, request, now, now);
    }
    if (rc == VC_OK) {
        rc = vcsi_audit(w, o->name, "estimate.create", fresh, client, err);
    }
    rc = commit(w, rc, err);
    vcsi_writer_unlock(s);
    if (rc == VC_OK) {
        snprintf(id, 40, "%s", fresh);
    }
    return rc;
}

/* Parse a JSON column, or null. */
static json_t *json_column(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    json_t *j = t ? json_loads(t, 0, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *estimate_doc(sqlite3_stmt *st, int full)
{
    const char *status = (const char *)sqlite3_column_text(st, 3);
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "id",
        (const char *)sqlite3_column_text(st, 0), "analyst",
        (const char *)sqlite3_column_text(st, 1), "country",
        (const char *)sqlite3_column_text(st, 2), "status", status,
        "published", sqlite3_column_int(st, 4), "created",
        (const char *)sqlite3_column_text(st, 5), "updated",
        (const char *)sqlite3_column_text(st, 6));
    if (doc == NULL || !full) {
        return doc;
    }
    json_object_set_new(doc, "request", json_column(st, 7));
    json_object_set_new(doc, "submissions", json_column(st, 8));
    if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
        json_object_set_new(doc, "error",
                            json_string((const char *)sqlite3_column_text(
                                st, 9)));
    }
    if (strcmp(status, "done") == 0) {
        /* the headlines in words, one per stratum, then the batch's
         * results.json document */
        json_t *h = json_array();
        const char *t = (const char *)sqlite3_column_text(st, 12);
        while (h != NULL && t != NULL && *t) {
            size_t n = strcspn(t, "\n");
            json_array_append_new(h, json_stringn(t, n));
            t += n + (t[n] == '\n');
        }
        json_object_set_new(doc, "headlines", h);
        json_object_set_new(doc, "results", json_column(st, 10));
    }
    return doc;
}

/* Analysts see every estimate; an office sees the published ones of its
 * own country.  One query, so a hidden estimate and a missing one look
 * the same. */
#define ESTIMATE_VISIBLE "(?2 OR (published = 1 AND country = ?3))"

/* The report column alone: a string, or null while there is none. */
static json_t *report_doc(sqlite3_stmt *st, int unused)
{
    (void)unused;
    return sqlite3_column_type(st, 11) != SQLITE_NULL
               ? json_string((const char *)sqlite3_column_text(st, 11))
               : json_null();
}

json_t *vcsi_estimate_get(vcs_store *s, const vcs_office *o,
                          const char *id, int report)
{
    row_docs d = {report ? report_doc : estimate_doc, 1, NULL};
    read_rows(s, "estimate", NULL,
              "SELECT id, analyst, country, status, published, created, "
              "updated, request, summary, error, result, report, headlines "
              "FROM estimates WHERE id = ?1 AND " ESTIMATE_VISIBLE,
              first_row, &d, "sis", id, o->analyst, o->country);
    return d.out;
}

json_t *vcsi_estimate_list(vcs_store *s, const vcs_office *o)
{
    row_docs d = {estimate_doc, 0, json_array()};
    if (d.out != NULL) {
        read_rows(s, "estimates", NULL,
                  "SELECT id, analyst, country, status, published, created, "
                  "updated FROM estimates WHERE ?1 IS NOT NULL AND "
                  ESTIMATE_VISIBLE " ORDER BY seq DESC",
                  each_row, &d, "iis", 1, o->analyst, o->country);
    }
    return d.out;
}

int vcsi_estimate_publish(vcs_store *s, const vcs_office *o, const char *id,
                          const char *client, vc_error *err)
{
    sqlite3 *w = vcsi_writer_lock(s);
    int rc = begin(w, err);
    if (rc == VC_OK) {
        rc = write_step(w, "publish", err,
                        "UPDATE estimates SET published = 1 WHERE id = ? "
                        "AND status = 'done'", "s", id);
    }
    if (rc == VC_OK && sqlite3_changes(w) == 0) {
        rc = vc_error_set(err, VC_EINVAL, "estimate %s is not done", id);
    }
    if (rc == VC_OK) {
        rc = vcsi_audit(w, o->name, "estimate.publish", id, client, err);
    }
    rc = commit(w, rc, err);
    vcsi_writer_unlock(s);
    return rc;
}

int vcsi_estimate_next(vcs_store *s, char id[40], char **request)
{
    sqlite3 *w = vcsi_writer_lock(s);
    int found = 0;
    *request = NULL;
    if (begin(w, NULL) == VC_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(w, "SELECT id, request FROM estimates WHERE "
                                  "status = 'queued' ORDER BY seq LIMIT 1",
                               -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW) {
                snprintf(id, 40, "%s", sqlite3_column_text(st, 0));
                *request = strdup((const char *)sqlite3_column_text(st, 1));
                found = *request != NULL;
            }
            sqlite3_finalize(st);
        }
        if (found
            && sqlite3_prepare_v2(w, "UPDATE estimates SET status = "
                                     "'running' WHERE id = ?", -1, &st,
                                  NULL) == SQLITE_OK) {
            bind_text(st, 1, id);
            found = sqlite3_step(st) == SQLITE_DONE;
            sqlite3_finalize(st);
        }
        commit(w, found ? VC_OK : VC_EIO, NULL);
    }
    vcsi_writer_unlock(s);
    if (!found) {
        free(*request);
        *request = NULL;
    }
    return found;
}

int vcsi_estimate_finish(vcs_store *s, const char *id, const char *status,
                         const char *error, const char *summary,
                         const char *results, const char *report,
                         const char *headlines)
{
    char now[32];
    vcsi_now(now);
    sqlite3 *w = vcsi_writer_lock(s);
    int rc = begin(w, NULL);
    if (rc == VC_OK) {
        rc = write_step(w, "estimate", NULL,
                        "UPDATE estimates SET status = ?, error = ?, "
                        "summary = ?, result = ?, report = ?, headlines = "
                        "?, updated = ? WHERE id = ?", "ssssssss", status,
                        error, summary, results, report, headlines, now, id);
    }
    rc = commit(w, rc, NULL);
    vcsi_writer_unlock(s);
    return rc;
}

int vcsi_estimates_requeue(vcs_store *s)
{
    sqlite3 *w = vcsi_writer_lock(s);
    int rc = exec(w, "UPDATE estimates SET status = 'queued' WHERE status "
                     "= 'running'", NULL);
    vcsi_writer_unlock(s);
    return rc;
}
