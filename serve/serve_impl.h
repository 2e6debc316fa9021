/*
 * serve_impl.h: declarations shared by the files of serve/ (not a public
 * header).
 */
#ifndef VC_SERVE_IMPL_H
#define VC_SERVE_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <nettle/sha2.h>
#include <sqlite3.h>

#include "link/vc_link.h"
#include "serve/serve.h"

#define VCS_HASH_SIZE SHA256_DIGEST_SIZE
#define VCS_NREADERS 8

typedef struct sub_job sub_job;

struct vcs_store {
    char *path;
    sqlite3 *w;                       /* the single writer */
    pthread_mutex_t wlock;
    sqlite3 *r[VCS_NREADERS];         /* readers, one mutex each */
    pthread_mutex_t rlock[VCS_NREADERS];
    unsigned rnext;                   /* round robin start (racy: a hint) */
    uint8_t key[VCS_HASH_SIZE];       /* the keyed hash's key */
    pthread_mutex_t group_lock;       /* the group commit of submissions */
    pthread_cond_t group_cond;
    sub_job *group_head;              /* waiting for the next commit */
    int group_leading;                /* a commit is under way */
};

/* An authenticated caller. */
typedef struct {
    int64_t id;
    char name[128];
    char country[128];
    int analyst;
} vcs_office;

/* token.c */
/* n random bytes from getrandom(2); VC_EIO if the kernel refuses. */
int vcsi_random(uint8_t *buf, size_t n, vc_error *err);
/* Unpadded URL-safe base64 of n bytes into out (room for 4n/3 + 2). */
void vcsi_b64url(const uint8_t *buf, size_t n, char *out);
/* HMAC-SHA256(key, tag || text) into out. */
void vcsi_hmac(const uint8_t *key, const char *tag, const char *text,
               size_t len, uint8_t out[VCS_HASH_SIZE]);
/* A fresh token's text. */
int vcsi_new_token(char out[VCS_TOKEN_TEXT], vc_error *err);
/* SHA-256 of bytes as 64 hex digits and a NUL. */
void vcsi_sha256_hex(const char *buf, size_t len, char out[65]);
/* A random version-4 UUID as text (37 bytes with the NUL). */
int vcsi_uuid(char out[37], vc_error *err);
/* The current UTC time as 2026-12-04T16:40:00.123Z (25 bytes). */
void vcsi_now(char out[32]);

/* store.c: the writer and the readers.  Each takes the lock it needs. */
sqlite3 *vcsi_writer_lock(vcs_store *s);
void vcsi_writer_unlock(vcs_store *s);
sqlite3 *vcsi_reader_lock(vcs_store *s, unsigned *slot);
void vcsi_reader_unlock(vcs_store *s, unsigned slot);
/* Report sqlite's error on db as VC_EIO with what was being done. */
int vcsi_db_error(sqlite3 *db, const char *what, vc_error *err);
/* Append an audit record through the writer connection w (lock held). */
int vcsi_audit(sqlite3 *w, const char *office, const char *action,
               const char *object, const char *client, vc_error *err);
/* Checkpoint the WAL in RESTART mode (takes the writer lock). */
void vcsi_checkpoint(vcs_store *s);

/* The office whose token hash is h and is not revoked: 1 found, 0 not,
 * <0 error. */
int vcsi_office_by_token(vcs_store *s, const char *token, vcs_office *o);
/* Sessions: create one for office o (token text out), find the office of
 * a session token, end one. */
int vcsi_session_create(vcs_store *s, const vcs_office *o, unsigned hours,
                        const char *client, char out[VCS_TOKEN_TEXT],
                        vc_error *err);
int vcsi_session_office(vcs_store *s, const char *token, vcs_office *o);
void vcsi_session_delete(vcs_store *s, const char *token);

/* Submissions. */
typedef enum {
    VCS_SUB_CREATED,   /* 201 */
    VCS_SUB_SAME,      /* 200: the same key and body as before */
    VCS_SUB_CONFLICT   /* 409: the same key, another body */
} vcs_sub_outcome;

/* Store a validated submission (summary: its validation summary, a JSON
 * object) under a new id, or find the earlier one with the same
 * idempotency key (idem may be NULL).  *id receives the id (37 bytes).
 * The audit record goes in the same transaction. */
int vcsi_submission_put(vcs_store *s, const vcs_office *o, const char *idem,
                        const char *body, size_t len, const char *strata,
                        const char *encoding, const char *summary, const char *client,
                        char id[40], vcs_sub_outcome *outcome,
                        vc_error *err);
/* The submission's document ({"id", "office", "created", ..., and its
 * summary}); NULL when there is none that o may see. */
json_t *vcsi_submission_get(vcs_store *s, const vcs_office *o,
                            const char *id, int with_body);
/* The submissions o may see, newest first (a JSON array). */
json_t *vcsi_submission_list(vcs_store *s, const vcs_office *o);

/* Estimates. */
int vcsi_estimate_put(vcs_store *s, const vcs_office *o,
                      const char *country, const char *request,
                      const char *client, char id[40], vc_error *err);
/* The estimate document (status, and results when done) or NULL when
 * there is none that o may see; report: its HTML instead (as a JSON
 * string). */
json_t *vcsi_estimate_get(vcs_store *s, const vcs_office *o,
                          const char *id, int report);
json_t *vcsi_estimate_list(vcs_store *s, const vcs_office *o);
int vcsi_estimate_publish(vcs_store *s, const vcs_office *o, const char *id,
                          const char *client, vc_error *err);
/* The worker's side: the oldest queued or running estimate (id and
 * request), marked running; 0 when none. */
int vcsi_estimate_next(vcs_store *s, char id[40], char **request);
int vcsi_estimate_finish(vcs_store *s, const char *id, const char *status,
                         const char *error, const char *summary,
                         const char *results, const char *report,
                         const char *headlines);
/* At start: estimates a killed server left running are queued again
 * (their batch cache keeps what they had finished). */
int vcsi_estimates_requeue(vcs_store *s);
/* The submissions an estimate may use: of offices of country, newest
 * first, as (id, office, strata, encoding, body). */
json_t *vcsi_submissions_of_country(vcs_store *s, const char *country,
                                    const json_t *ids);

/* estimates.c */
/* Write buf to path atomically (temporary file, fsync, rename). */
int vcsi_write_atomic(const char *path, const char *buf, size_t len,
                      vc_error *err);
typedef struct vcs_worker vcs_worker;
int vcsi_worker_start(const vcs_config *c, vcs_store *s, vcs_worker **w,
                      vc_error *err);
void vcsi_worker_wake(vcs_worker *w);
/* Returns 1 when the worker was busy and was left running. */
int vcsi_worker_stop(vcs_worker *w);

/* intake.c: validate an upload as `victimcount validate` reads files. */
#define VCS_MESSAGE_SIZE (4 * VC_ERROR_SIZE + 256)
typedef struct {
    int ok;
    char message[VCS_MESSAGE_SIZE]; /* when !ok: as validate words it */
    char plain[VC_ERROR_SIZE];    /* when !ok: the reader's message alone */
    char hint[VCS_MESSAGE_SIZE];  /* when !ok: what to do, in the API's
                                     terms (or "") */
    char web_hint[VCS_MESSAGE_SIZE]; /* the same in the upload form's */
    long line;                    /* 0: none */
    char column[256];             /* "": none */
    json_t *summary;              /* when ok: lists, strata, people_seen,
                                     warnings */
} vcs_check;
/* strata: comma-separated stratum columns, or NULL; encoding: the
 * file's character set (any name iconv knows), or NULL for UTF-8; word:
 * the command's wording of a refusal, or NULL. */
void vcsi_check_upload(const char *body, size_t len, const char *strata,
                       const char *encoding,
                       void (*word)(const vc_error *, const vc_read_advice *,
                                    char *, size_t),
                       vcs_check *c);
void vcsi_check_free(vcs_check *c);
/* 1 when an upload is an encoding file of `victimcount encode` (by its
 * first line), stored as a submission of kind "encodings" and linked
 * with the country's other encodings at estimate time. */
int vcsi_is_encodings(const char *body, size_t len);
/* The encoding submissions among subs (vcsi_submissions_of_country's
 * array), newest first, one per list name (a newer one supersedes an
 * older of the same list: *superseded, when not NULL, gets {submission,
 * list, superseded_by} for each).  sets[] (room for VC_MAX_LISTS)
 * returned, ids[] their submission ids (borrowed from subs); *n how many.
 * VC_EDATA (a stored file unreadable, more than VC_MAX_LISTS lists),
 * VC_ENOMEM. */
int vcsi_encodings_of(const json_t *subs, vc_link_set **sets,
                      const char **ids, size_t *n, json_t *superseded,
                      vc_error *err);
/* The source name uploads have in messages. */
#define VCS_UPLOAD_SOURCE "upload.csv"

#endif /* VC_SERVE_IMPL_H */
