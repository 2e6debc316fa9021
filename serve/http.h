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

#include "serve/impl.h"

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

/* web.c: the pages, for every path outside /api/ and /healthz. */
enum MHD_Result vcsi_web(vcs_server *srv, struct MHD_Connection *c,
                         const char *url, const char *method,
                         const char *body, size_t len, const char *client);

#endif /* VC_SERVE_HTTP_H */
