/*
 * http.h: what serve/http.c shares with serve/web.c (not a public
 * header).
 */
#ifndef VC_SERVE_HTTP_H
#define VC_SERVE_HTTP_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "serve/serve_impl.h"

struct vcs_server {
    vcs_config cfg;
    vcs_store *store;
    struct MHD_Daemon *d;
    unsigned port;
    vcs_worker *worker;
    pthread_t ckpt;
    int has_checkpointer;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping;
};

void vcsi_log(vcs_server *srv, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void vcsi_client_addr(struct MHD_Connection *c, char *out, size_t size);
void vcsi_media_type(struct MHD_Connection *c, char *out, size_t size);
void vcsi_charset(struct MHD_Connection *c, char *out, size_t size);
/* The parsers of untrusted input behind the handlers (fuzz/fuzz_serve.c
 * calls them directly). */
/* Content-Type value t (may be NULL): its charset, lower case, "" when
 * absent or UTF-8; its media type without parameters, lower case. */
void vcsi_charset_of(const char *t, char *out, size_t size);
void vcsi_media_type_of(const char *t, char *out, size_t size);
/* The token of an Authorization value "Bearer TOKEN", or NULL. */
const char *vcsi_bearer(const char *authorization);
/* An X-Submission-Id header (NULL: none) the service accepts? */
int vcsi_submission_id_ok(const char *idem);
/* The body of POST /api/v1/estimates: NULL with *out the request (taken)
 * when valid, else the 400 message (msg or a constant), *out NULL. */
const char *vcsi_estimate_request(const char *body, size_t len,
                                  int (*method_known)(const char *),
                                  json_t **out, char *msg, size_t size);
/* Does path start with prefix and then hold one segment (1 to 100
 * characters, into id: room for 101)?  rest gets what follows. */
int vcsi_split_id(const char *path, const char *prefix, char *id,
                  const char **rest);

/* Queue body (malloc'ed; taken) with status and content type, and one
 * extra header when extra_name is not NULL. */
enum MHD_Result vcsi_reply(struct MHD_Connection *c, unsigned status,
                           const char *type, char *body, size_t len,
                           const char *extra_name, const char *extra_value);
/* Queue doc (taken) as JSON. */
enum MHD_Result vcsi_reply_json(struct MHD_Connection *c, unsigned status,
                                json_t *doc);
enum MHD_Result vcsi_error(struct MHD_Connection *c, unsigned status,
                           const char *error, const char *message);
/* A stored submission's document (taken) as POST answers it: id, status,
 * office, lists, strata, people_seen, warnings. */
json_t *vcsi_submission_public(json_t *doc);

/* Replace bytes of s that are not valid UTF-8 text by '?' (all bytes
 * over 0x7f, when s is not valid UTF-8). */
void vcsi_ascii_if_needed(char *s);

/* web.c: the fields of a posted form (the pages' forms). */
typedef struct {
    char csrf[64];
    char token[128];
    char strata[256];
    char sid[64];
    char *file;
    size_t flen, fcap;
    int file_given;
    int overflow;
} vcs_form;
/* libmicrohttpd's post processor hands each decoded field (in pieces at
 * offset off) to this; cls is the vcs_form. */
enum MHD_Result vcsi_form_field(void *cls, enum MHD_ValueKind kind,
                                const char *key, const char *filename,
                                const char *content_type,
                                const char *transfer_encoding,
                                const char *data, uint64_t off, size_t size);
/* The CSRF token of a session under the store's key; does a form carry
 * it? */
void vcsi_csrf_of(const uint8_t *key, const char *session, char out[64]);
int vcsi_csrf_ok(const vcs_form *f, const char *csrf);
/* Is url "/estimates/ID" + rest?  The ID (shorter than size) into id. */
int vcsi_estimate_path(const char *url, const char *rest, char *id,
                       size_t size);

/* web.c: the pages, for every path outside /api/ and /healthz. */
enum MHD_Result vcsi_web(vcs_server *srv, struct MHD_Connection *c,
                         const char *url, const char *method,
                         const char *body, size_t len, const char *client);

#endif /* VC_SERVE_HTTP_H */
