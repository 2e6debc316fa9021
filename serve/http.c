/*
 * http.c: the HTTP side of the service, on libmicrohttpd.
 *
 * The daemon polls with epoll on an internal thread pool; each connection
 * gets a fixed memory pool (64 KiB by default: request line and headers
 * must fit, so oversized headers are answered 431 and cut off by the
 * library), an idle timeout (slow clients are dropped), and a cap on
 * connections per client address.  libmicrohttpd's POST processor only
 * knows form encodings, so request bodies (CSV, JSON, forms) are buffered
 * here, with a hard cap: a declared Content-Length over the cap is refused
 * before a byte is read, and a chunked body that passes it is discarded
 * and answered 413.
 *
 * Every /api/v1 call carries "Authorization: Bearer TOKEN"; the token's
 * keyed hash is looked up and compared in constant time (store.c).  What
 * another office owns answers exactly as what does not exist: every query
 * that fetches by id carries the caller's office in its WHERE clause, so
 * both cases take the same path and give the same status and body.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "models/vc_models.h"
#include "serve/http.h"

/* A request's state between the library's calls. */
typedef struct {
    char *body;
    size_t len, cap;
    int too_big;         /* the body passed the cap: answered 413 */
    size_t discarded;
    size_t received;     /* body bytes so far */
    int answered;        /* a response was queued before the body */
    struct timespec t0;
} request;

void vcsi_log(vcs_server *srv, const char *fmt, ...)
{
    if (srv->cfg.log == NULL) {
        return;
    }
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    srv->cfg.log(srv->cfg.log_ctx, line);
}

void vcsi_client_addr(struct MHD_Connection *c, char *out, size_t size)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL) {
        return;
    }
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)
                               ->sin_addr, out, (socklen_t)size);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)
                                ->sin6_addr, out, (socklen_t)size);
    }
}

/* Queue body (owned, malloc'ed) with status and content type. */
enum MHD_Result vcsi_reply(struct MHD_Connection *c, unsigned status,
                           const char *type, char *body, size_t len,
                           const char *extra_name, const char *extra_value)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (extra_name != NULL) {
        MHD_add_response_header(r, extra_name, extra_value);
    }
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

enum MHD_Result vcsi_reply_json(struct MHD_Connection *c, unsigned status,
                                json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL) {
        text = strdup("{\"error\": \"out of memory\"}");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        if (text == NULL) {
            return MHD_NO;
        }
    }
    size_t len = strlen(text);
    /* a final newline, for people reading with curl */
    char *nl = realloc(text, len + 2);
    if (nl != NULL) {
        text = nl;
        text[len++] = '\n';
        text[len] = '\0';
    }
    return vcsi_reply(c, status, "application/json", text, len,
                      status == MHD_HTTP_UNAUTHORIZED ? "WWW-Authenticate"
                                                      : NULL,
                      "Bearer realm=\"victimcount\"");
}

enum MHD_Result vcsi_error(struct MHD_Connection *c, unsigned status,
                           const char *error, const char *message)
{
    json_t *doc = json_pack("{s:s}", "error", error);
    if (doc != NULL && message != NULL) {
        json_object_set_new(doc, "message", json_string(message));
    }
    return vcsi_reply_json(c, status, doc);
}

void vcsi_ascii_if_needed(char *s)
{
    json_t *probe = json_string(s);
    if (probe == NULL) {
        for (; *s; s++) {
            if ((unsigned char)*s >= 0x80) {
                *s = '?';
            }
        }
    }
    json_decref(probe);
}

/* The charset parameter of a Content-Type value t (may be NULL), lower
 * case ("" when absent or UTF-8, which is the default anyway).  Parameter
 * names are case-insensitive (RFC 9110, 5.6.6: "Charset=" is the same
 * parameter), and only a whole parameter name counts ("x-charset=" is
 * another parameter). */
void vcsi_charset_of(const char *t, char *out, size_t size)
{
    out[0] = '\0';
    const char *p = t ? strchr(t, ';') : NULL;
    while (p != NULL) {
        p++;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (strncasecmp(p, "charset=", 8) == 0) {
            break;
        }
        p = strchr(p, ';');
    }
    if (p == NULL) {
        return;
    }
    p += 8;
    if (*p == '"') {
        p++;
    }
    size_t n = 0;
    while (p[n] && p[n] != '"' && p[n] != ';' && p[n] != ' ' && n + 1 < size) {
        out[n] = (char)(p[n] >= 'A' && p[n] <= 'Z' ? p[n] + 32 : p[n]);
        n++;
    }
    out[n] = '\0';
    if (strcmp(out, "utf-8") == 0 || strcmp(out, "utf8") == 0) {
        out[0] = '\0';
    }
}

void vcsi_charset(struct MHD_Connection *c, char *out, size_t size)
{
    vcsi_charset_of(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_CONTENT_TYPE),
                    out, size);
}

const char *vcsi_bearer(const char *h)
{
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    h += 7;
    while (*h == ' ') {
        h++;
    }
    return h;
}

/* The office behind "Authorization: Bearer TOKEN": 1, or 0. */
static int authenticate(vcs_server *srv, struct MHD_Connection *c,
                        vcs_office *o)
{
    const char *h = vcsi_bearer(MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
    return h != NULL && vcsi_office_by_token(srv->store, h, o) == 1;
}

/* The media type of the request without parameters, lower case. */
void vcsi_media_type(struct MHD_Connection *c, char *out, size_t size)
{
    vcsi_media_type_of(MHD_lookup_connection_value(
                           c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
                       out, size);
}

void vcsi_media_type_of(const char *t, char *out, size_t size)
{
    size_t n = 0;
    if (t != NULL) {
        while (*t == ' ') {
            t++;
        }
        while (t[n] && t[n] != ';' && t[n] != ' ' && n + 1 < size) {
            out[n] = (char)(t[n] >= 'A' && t[n] <= 'Z' ? t[n] + 32 : t[n]);
            n++;
        }
    }
    out[n] = '\0';
}

int vcsi_submission_id_ok(const char *idem)
{
    return idem == NULL || (strlen(idem) > 0 && strlen(idem) <= 100);
}

/* POST /api/v1/submissions */
static enum MHD_Result post_submission(vcs_server *srv,
                                       struct MHD_Connection *c,
                                       const vcs_office *o,
                                       const request *rq, const char *client)
{
    const char *idem = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   "X-Submission-Id");
    if (!vcsi_submission_id_ok(idem)) {
        return vcsi_error(c, MHD_HTTP_BAD_REQUEST, "bad request",
                          "X-Submission-Id: 1 to 100 characters (a UUID "
                          "chosen by the client)");
    }
    const char *strata = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     "X-Strata");
    char charset[64];
    vcsi_charset(c, charset, sizeof charset);
    const char *encoding = charset[0] ? charset : NULL;
    vcs_check chk;
    vcsi_check_upload(rq->body ? rq->body : "", rq->len, strata, encoding,
                      srv->cfg.word_read_error, &chk);
    if (!chk.ok) {
        /* the message quotes the file, which may not be UTF-8: such
         * bytes are shown as '?' rather than lose the answer */
        vcsi_ascii_if_needed(chk.message);
        vcsi_ascii_if_needed(chk.hint);
        vcsi_ascii_if_needed(chk.column);
        json_t *doc = json_pack("{s:s, s:s}", "error", "invalid input",
                                "message", chk.message);
        if (doc != NULL) {
            json_object_set_new(doc, "line", chk.line > 0
                                                 ? json_integer(chk.line)
                                                 : json_null());
            json_object_set_new(doc, "column",
                                chk.column[0] ? json_string(chk.column)
                                              : json_null());
            if (chk.hint[0]) {
                json_object_set_new(doc, "hint", json_string(chk.hint));
            }
        }
        /* the rejection is audited, the file is not kept */
        sqlite3 *w = vcsi_writer_lock(srv->store);
        vcsi_audit(w, o->name, "submission.reject", idem ? idem : "",
                   client, NULL);
        vcsi_writer_unlock(srv->store);
        return vcsi_reply_json(c, MHD_HTTP_UNPROCESSABLE_CONTENT, doc);
    }
    char *summary = json_dumps(chk.summary, JSON_COMPACT | JSON_SORT_KEYS);
    char id[40];
    vcs_sub_outcome outcome = VCS_SUB_CREATED;
    vc_error err;
    vc_error_clear(&err);
    int rc = summary ? vcsi_submission_put(srv->store, o, idem, rq->body
                                                                 ? rq->body
                                                                 : "",
                                           rq->len, strata, encoding,
                                           summary, client,
                                           id, &outcome, &err)
                     : VC_ENOMEM;
    free(summary);
    vcsi_check_free(&chk);
    if (rc != VC_OK) {
        vcsi_log(srv, "error: %s", err.msg);
        return vcsi_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store failed",
                          "the submission was not stored; send it again");
    }
    if (outcome == VCS_SUB_CONFLICT) {
        return vcsi_error(c, MHD_HTTP_CONFLICT, "conflict",
                          "this X-Submission-Id was used before with "
                          "another file");
    }
    json_t *doc = vcsi_submission_get(srv->store, o, id, 0);
    return vcsi_reply_json(c, outcome == VCS_SUB_CREATED ? MHD_HTTP_CREATED
                                                         : MHD_HTTP_OK,
                           vcsi_submission_public(doc));
}

json_t *vcsi_submission_public(json_t *doc)
{
    if (doc == NULL) {
        return NULL;
    }
    /* the 201 document: id, status, office, then the validation summary */
    json_t *v = json_object_get(doc, "validation");
    json_t *out = json_pack("{s:O, s:s, s:O, s:O, s:O, s:O, s:O}", "id",
                            json_object_get(doc, "id"), "status",
                            "accepted", "office",
                            json_object_get(doc, "office"), "lists",
                            json_object_get(v, "lists"), "strata",
                            json_object_get(v, "strata"), "people_seen",
                            json_object_get(v, "people_seen"), "warnings",
                            json_object_get(v, "warnings"));
    json_decref(doc);
    return out;
}

/* A name (or text) from a request, fit to quote in a one-line message that JSON
 * can carry: control bytes become '?', and a name longer than size - 1
 * bytes is cut at a character boundary (jansson has checked it is UTF-8;
 * a cut inside a character would make the message unencodable and the
 * 400 document would lose it). */
static void quote_name(const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    if (n > size - 1) {
        n = size - 1;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[n] = '\0';
}

/* Validate the body of POST /api/v1/estimates: NULL and *out (the
 * request, taken by the caller) when it is valid, else why not (msg or a
 * constant) and *out NULL. */
const char *vcsi_estimate_request(const char *body, size_t len,
                                  int (*method_known)(const char *),
                                  json_t **out, char *msg, size_t size)
{
    json_error_t jerr;
    json_t *req = json_loadb(body, len,
                             JSON_REJECT_DUPLICATES, &jerr);
    const char *why = NULL;
    if (req == NULL) {
        /* jansson's text quotes the bytes near the error as they are */
        char near[sizeof jerr.text];
        quote_name(jerr.text, near, sizeof near);
        snprintf(msg, size, "the body is not JSON: %s (line %d, "
                 "column %d)", near, jerr.line, jerr.column);
        vcsi_ascii_if_needed(msg);
        why = msg;
    } else if (!json_is_object(req)) {
        why = "the body must be a JSON object";
    }
    const char *key;
    json_t *val;
    json_object_foreach(req, key, val)
    {
        /* what is not understood is refused, not ignored */
        if (why == NULL && strcmp(key, "country") != 0
            && strcmp(key, "period") != 0 && strcmp(key, "submissions") != 0
            && strcmp(key, "methods") != 0 && strcmp(key, "seed") != 0) {
            char shown[101];
            quote_name(key, shown, sizeof shown);
            snprintf(msg, size, "unknown field \"%s\" (the fields "
                     "are country, period, submissions, methods, seed)",
                     shown);
            why = msg;
        }
    }
    json_t *country = json_object_get(req, "country");
    json_t *period = json_object_get(req, "period");
    json_t *subs = json_object_get(req, "submissions");
    json_t *methods = json_object_get(req, "methods");
    json_t *seed = json_object_get(req, "seed");
    if (why == NULL && !json_is_string(country)) {
        why = "\"country\" (a string) is required";
    }
    if (why == NULL && period != NULL && !json_is_string(period)
        && !json_is_integer(period)) {
        why = "\"period\" must be a string or a whole number";
    }
    if (why == NULL && subs != NULL && !json_is_array(subs)) {
        why = "\"submissions\" must be an array of submission ids";
    }
    if (why == NULL && (!json_is_array(methods)
                        || json_array_size(methods) == 0)) {
        why = "\"methods\" (an array of method names, e.g. [\"chapman\", "
              "\"loglinear\"]) is required";
    }
    size_t i;
    json_t *v;
    json_array_foreach(methods, i, v)
    {
        if (why == NULL
            && (!json_is_string(v)
                || (method_known != NULL
                    && !method_known(json_string_value(v))))) {
            why = "\"methods\" names a method victimcount does not know "
                  "(see victimcount estimate --help)";
        }
    }
    json_array_foreach(subs, i, v)
    {
        if (why == NULL && !json_is_string(v)) {
            why = "\"submissions\" must be an array of submission ids";
        }
    }
    if (why == NULL && seed != NULL
        && (!json_is_integer(seed) || json_integer_value(seed) < 0)) {
        why = "\"seed\" must be a whole number >= 0";
    }
    if (why != NULL) {
        json_decref(req);
        req = NULL;
    }
    *out = req;
    return why;
}

/* VC_OK when the encoding submissions an estimate of country would use
 * (those in ids, or all) can be linked together: the same schema,
 * secret, size and stratum columns (vc_link_check_sets); else the
 * refusal, naming the submissions. */
static int encodings_linkable(vcs_store *s, const char *country,
                              const json_t *ids, vc_error *err)
{
    json_t *subs = vcsi_submissions_of_country(s, country, ids);
    if (subs == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    vc_link_set *sets[VC_MAX_LISTS];
    const char *eids[VC_MAX_LISTS];
    size_t n = 0;
    int rc = vcsi_encodings_of(subs, sets, eids, &n, NULL, err);
    if (rc == VC_OK && n >= 2) {
        rc = vc_link_check_sets((const vc_link_set *const *)sets, n, err);
    }
    for (size_t k = 0; k < n; k++) {
        vc_link_set_free(sets[k]);
    }
    json_decref(subs);
    return rc;
}

/* POST /api/v1/estimates */
static enum MHD_Result post_estimate(vcs_server *srv,
                                     struct MHD_Connection *c,
                                     const vcs_office *o, const request *rq,
                                     const char *client)
{
    char msg[300];
    json_t *req = NULL;
    const char *why = vcsi_estimate_request(rq->body ? rq->body : "", rq->len,
                                            srv->cfg.method_known, &req, msg,
                                            sizeof msg);
    if (why != NULL) {
        return vcsi_error(c, MHD_HTTP_BAD_REQUEST, "bad request", why);
    }
    json_t *country = json_object_get(req, "country");
    json_t *period = json_object_get(req, "period");
    json_t *seed = json_object_get(req, "seed");
    /* encodings made with other schemas or secrets cannot be linked:
     * refused now, as `victimcount link` refuses them, not hours later */
    vc_error lerr;
    vc_error_clear(&lerr);
    if (encodings_linkable(srv->store, json_string_value(country),
                           json_object_get(req, "submissions"), &lerr)
        != VC_OK) {
        json_decref(req);
        vcsi_ascii_if_needed(lerr.msg);
        return vcsi_reply_json(c, MHD_HTTP_UNPROCESSABLE_CONTENT,
                               json_pack("{s:s, s:s}", "error",
                                         "invalid input", "message",
                                         lerr.msg));
    }

    if (seed == NULL) {
        /* stored with the request, so a resumed run uses the same seed */
        json_object_set_new(req, "seed",
                            json_integer((json_int_t)VC_LCM_DEFAULT_SEED));
    }
    if (period != NULL && json_is_integer(period)) {
        char p[32];
        snprintf(p, sizeof p, "%lld", (long long)json_integer_value(period));
        json_object_set_new(req, "period", json_string(p));
    }
    char *text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    char id[40];
    vc_error err;
    vc_error_clear(&err);
    int rc = text ? vcsi_estimate_put(srv->store, o,
                                      json_string_value(country), text,
                                      client, id, &err)
                  : VC_ENOMEM;
    free(text);
    json_decref(req);
    if (rc != VC_OK) {
        vcsi_log(srv, "error: %s", err.msg);
        return vcsi_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store failed",
                          NULL);
    }
    vcsi_worker_wake(srv->worker);
    return vcsi_reply_json(c, MHD_HTTP_ACCEPTED,
                           json_pack("{s:s, s:s}", "id", id, "status",
                                     "queued"));
}

/* Does path start with prefix and then hold one path segment (an id)?
 * The id goes to id (at most 100 characters); rest gets what follows. */
int vcsi_split_id(const char *path, const char *prefix, char *id,
                    const char **rest)
{
    size_t pl = strlen(prefix);
    if (strncmp(path, prefix, pl) != 0) {
        return 0;
    }
    const char *p = path + pl;
    size_t n = strcspn(p, "/");
    if (n == 0 || n > 100) {
        return 0;
    }
    memcpy(id, p, n);
    id[n] = '\0';
    *rest = p + n;
    return 1;
}

static enum MHD_Result not_found(struct MHD_Connection *c)
{
    return vcsi_error(c, MHD_HTTP_NOT_FOUND, "not found", NULL);
}

static enum MHD_Result api(vcs_server *srv, struct MHD_Connection *c,
                           const char *url, const char *method,
                           const request *rq, const char *client)
{
    vcs_office o;
    if (!authenticate(srv, c, &o)) {
        return vcsi_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                          "send Authorization: Bearer TOKEN with the token "
                          "your administrator gave you");
    }
    int get = strcmp(method, "GET") == 0;
    int post = strcmp(method, "POST") == 0;
    char id[128];
    const char *rest;
    if (strcmp(url, "/api/v1/submissions") == 0) {
        if (get) {
            return vcsi_reply_json(c, MHD_HTTP_OK,
                                   json_pack("{s:o}", "submissions",
                                             vcsi_submission_list(srv->store,
                                                                  &o)));
        }
        if (post) {
            return post_submission(srv, c, &o, rq, client);
        }
        return vcsi_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "method not allowed", NULL);
    }
    if (vcsi_split_id(url, "/api/v1/submissions/", id, &rest)
        && (*rest == '\0' || strcmp(rest, "/csv") == 0)) {
        if (!get) {
            return vcsi_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "method not allowed", NULL);
        }
        json_t *doc = vcsi_submission_get(srv->store, &o, id, *rest != '\0');
        if (doc == NULL || *rest == '\0') {
            return doc ? vcsi_reply_json(c, MHD_HTTP_OK, doc) : not_found(c);
        }
        /* /csv: the file as it was received, byte for byte */
        json_t *b = json_object_get(doc, "body");
        size_t n = json_string_length(b);
        char *csv = malloc(n + 1);
        if (csv != NULL) {
            memcpy(csv, json_string_value(b), n);
        }
        json_decref(doc);
        return csv ? vcsi_reply(c, MHD_HTTP_OK, "text/csv; charset=utf-8",
                                csv, n, NULL, NULL)
                   : MHD_NO;
    }
    if (strcmp(url, "/api/v1/estimates") == 0) {
        if (get) {
            return vcsi_reply_json(c, MHD_HTTP_OK,
                                   json_pack("{s:o}", "estimates",
                                             vcsi_estimate_list(srv->store,
                                                                &o)));
        }
        if (!post) {
            return vcsi_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "method not allowed", NULL);
        }
        if (!o.analyst) {
            return vcsi_error(c, MHD_HTTP_FORBIDDEN, "forbidden",
                              "only analysts start estimates");
        }
        return post_estimate(srv, c, &o, rq, client);
    }
    if (vcsi_split_id(url, "/api/v1/estimates/", id, &rest)) {
        if (strcmp(rest, "/publish") == 0) {
            if (!post) {
                return vcsi_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                                  "method not allowed", NULL);
            }
            if (!o.analyst) {
                return vcsi_error(c, MHD_HTTP_FORBIDDEN, "forbidden",
                                  "only analysts publish estimates");
            }
            json_t *doc = vcsi_estimate_get(srv->store, &o, id, 0);
            if (doc == NULL) {
                return not_found(c);
            }
            json_decref(doc);
            vc_error err;
            vc_error_clear(&err);
            if (vcsi_estimate_publish(srv->store, &o, id, client, &err)
                != VC_OK) {
                return vcsi_error(c, MHD_HTTP_CONFLICT, "not done",
                                  "only a finished estimate can be "
                                  "published");
            }
            return vcsi_reply_json(c, MHD_HTTP_OK,
                                   vcsi_estimate_get(srv->store, &o, id, 0));
        }
        if (!get) {
            return vcsi_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "method not allowed", NULL);
        }
        if (*rest == '\0') {
            json_t *doc = vcsi_estimate_get(srv->store, &o, id, 0);
            return doc ? vcsi_reply_json(c, MHD_HTTP_OK, doc) : not_found(c);
        }
        if (strcmp(rest, "/report") == 0) {
            json_t *doc = vcsi_estimate_get(srv->store, &o, id, 1);
            if (doc == NULL) {
                return not_found(c);
            }
            if (!json_is_string(doc)) {
                json_decref(doc);
                return vcsi_error(c, MHD_HTTP_CONFLICT, "not done",
                                  "the estimate has no report yet");
            }
            char *html = strdup(json_string_value(doc));
            json_decref(doc);
            return html ? vcsi_reply(c, MHD_HTTP_OK,
                                     "text/html; charset=utf-8", html,
                                     strlen(html), NULL, NULL)
                        : MHD_NO;
        }
    }
    return not_found(c);
}

/* Decide, from the headers alone, whether a request with a body can be
 * refused at once: over the cap (413), wrong media type (415) or no token
 * (401).  Returns 1 when a response was queued. */
static int refuse_early(vcs_server *srv, struct MHD_Connection *c,
                        const char *url, const char *method)
{
    if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0) {
        return 0;
    }
    const char *cl = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno != 0 || end == cl || n > srv->cfg.max_upload) {
            vcsi_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too large",
                       "the body is over the server's --max-upload");
            return 1;
        }
    }
    if (strncmp(url, "/api/", 5) == 0) {
        vcs_office o;
        if (!authenticate(srv, c, &o)) {
            vcsi_error(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                       "send Authorization: Bearer TOKEN with the token "
                       "your administrator gave you");
            return 1;
        }
        char type[64];
        vcsi_media_type(c, type, sizeof type);
        int csv = strcmp(url, "/api/v1/submissions") == 0;
        const char *want = csv ? "text/csv" : "application/json";
        /* a POST without a body (publish) needs no media type */
        const char *te = MHD_lookup_connection_value(
            c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
        int has_body = te != NULL || (cl != NULL && strtoull(cl, NULL, 10) > 0);
        if ((csv || has_body) && strcmp(type, want) != 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "send Content-Type: %s", want);
            vcsi_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                       "unsupported media type", msg);
            return 1;
        }
    }
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    vcs_server *srv = cls;
    request *rq = *con_cls;
    if (rq == NULL) {
        rq = calloc(1, sizeof *rq);
        if (rq == NULL) {
            return MHD_NO;
        }
        clock_gettime(CLOCK_MONOTONIC, &rq->t0);
        *con_cls = rq;
        if (refuse_early(srv, c, url, method)) {
            rq->answered = 1;
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        rq->received += n;
        /* The idle timeout does not stop a client that trickles a byte
         * now and then (slowloris): past the timeout, a body must have
         * come at 1 KiB/s on average, or the connection is cut. */
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        double elapsed = (double)(t.tv_sec - rq->t0.tv_sec)
                         + 1e-9 * (double)(t.tv_nsec - rq->t0.tv_nsec);
        if (elapsed > srv->cfg.timeout_s
            && (double)rq->received < 1024.0 * elapsed) {
            vcsi_log(srv, "cut off a client sending its body at %.0f "
                     "bytes/s", (double)rq->received / elapsed);
            return MHD_NO;
        }
        if (rq->answered) {
            return MHD_YES;
        }
        if (rq->too_big || rq->len + n > srv->cfg.max_upload) {
            rq->too_big = 1;
            rq->discarded += n;
            /* a client that keeps sending far past the cap is cut off */
            return rq->discarded > srv->cfg.max_upload ? MHD_NO : MHD_YES;
        }
        if (rq->len + n + 1 > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 16384;
            while (cap < rq->len + n + 1) {
                cap *= 2;
            }
            cap = cap > srv->cfg.max_upload + 1 ? srv->cfg.max_upload + 1
                                                 : cap;
            char *b = realloc(rq->body, cap);
            if (b == NULL) {
                return MHD_NO;
            }
            rq->body = b;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload_data, n);
        rq->len += n;
        rq->body[rq->len] = '\0';
        return MHD_YES;
    }
    if (rq->answered) {
        return MHD_YES;
    }
    rq->answered = 1;
    if (rq->too_big) {
        return vcsi_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "too large",
                          "the body is over the server's --max-upload");
    }
    char client[INET6_ADDRSTRLEN];
    vcsi_client_addr(c, client, sizeof client);
    if (strcmp(url, "/healthz") == 0) {
        return vcsi_reply_json(c, MHD_HTTP_OK,
                               json_pack("{s:s}", "status", "ok"));
    }
    if (strncmp(url, "/api/", 5) == 0) {
        return api(srv, c, url, method, rq, client);
    }
    return vcsi_web(srv, c, url, method, rq->body, rq->len, client);
}

static void on_completed(void *cls, struct MHD_Connection *c,
                         void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)c;
    vcs_server *srv = cls;
    request *rq = *con_cls;
    if (rq == NULL) {
        return;
    }
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && srv->cfg.log) {
        vcsi_log(srv, "connection ended early (%s)",
                 toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                 : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT
                     ? "client went away"
                     : "error");
    }
    free(rq->body);
    free(rq);
    *con_cls = NULL;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    vcs_server *srv = cls;
    if (srv->cfg.log == NULL) {
        return;
    }
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n') {
        line[--n] = '\0';
    }
    srv->cfg.log(srv->cfg.log_ctx, line);
}

void vcs_config_init(vcs_config *c)
{
    memset(c, 0, sizeof *c);
    c->listen_addr = "127.0.0.1";
    c->port = 8480;
    c->workers = 16;
    c->max_upload = 10u * 1000u * 1000u;
    c->timeout_s = 30;
    c->per_ip = 32;
    c->conn_memory = 64 * 1024;
    c->session_hours = 12;
    c->checkpoint_s = 30;
}

static void *checkpointer(void *arg)
{
    vcs_server *srv = arg;
    pthread_mutex_lock(&srv->lock);
    while (!srv->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += srv->cfg.checkpoint_s;
        int rc = 0;
        while (!srv->stopping && rc == 0) {
            rc = pthread_cond_timedwait(&srv->cond, &srv->lock, &ts);
        }
        if (srv->stopping) {
            break;
        }
        pthread_mutex_unlock(&srv->lock);
        vcsi_checkpoint(srv->store);
        pthread_mutex_lock(&srv->lock);
    }
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

int vcs_server_start(const vcs_config *c, vcs_store *s, vcs_server **out,
                     vc_error *err)
{
    *out = NULL;
    vcs_server *srv = calloc(1, sizeof *srv);
    if (srv == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    srv->cfg = *c;
    srv->store = s;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->cond, NULL);
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL
                     | MHD_USE_ERROR_LOG;
    const struct sockaddr *sa;
    if (inet_pton(AF_INET, c->listen_addr, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)c->port);
        sa = (const struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, c->listen_addr, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)c->port);
        sa = (const struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        free(srv);
        return vc_error_set(err, VC_EINVAL, "--listen: \"%s\" is not an "
                            "IPv4 or IPv6 address", c->listen_addr);
    }
    if (c->tls_cert_pem != NULL) {
        flags |= MHD_USE_TLS;
    }
    int rc = vcsi_estimates_requeue(s);
    if (rc == VC_OK) {
        rc = vcsi_worker_start(&srv->cfg, s, &srv->worker, err);
    }
    if (rc != VC_OK) {
        free(srv);
        return rc;
    }
    struct MHD_OptionItem tls[3] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)c->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)c->tls_key_pem},
        {MHD_OPTION_END, 0, NULL}};
    if (c->tls_cert_pem == NULL) {
        tls[0].option = MHD_OPTION_END;
    }
    srv->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        /* first, so that every message of the library goes to our log */
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv, MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_THREAD_POOL_SIZE, c->workers,
        MHD_OPTION_CONNECTION_TIMEOUT, c->timeout_s,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->conn_memory,
        MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_STRICT_FOR_CLIENT, 1,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
    if (srv->d == NULL) {
        vcsi_worker_stop(srv->worker);
        free(srv);
        return vc_error_set(err, VC_EIO, "cannot listen on %s port %u (in "
                            "use, not an address of this machine, or the "
                            "TLS certificate and key were refused)",
                            c->listen_addr, c->port);
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : c->port;
    if (c->checkpoint_s > 0) {
        srv->has_checkpointer = pthread_create(&srv->ckpt, NULL,
                                               checkpointer, srv) == 0;
    }
    *out = srv;
    return VC_OK;
}

unsigned vcs_server_port(const vcs_server *srv)
{
    return srv->port;
}

int vcs_server_stop(vcs_server *srv)
{
    if (srv == NULL) {
        return 0;
    }
    MHD_stop_daemon(srv->d);
    pthread_mutex_lock(&srv->lock);
    srv->stopping = 1;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    if (srv->has_checkpointer) {
        pthread_join(srv->ckpt, NULL);
    }
    int busy = vcsi_worker_stop(srv->worker);
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->lock);
    free(srv);
    return busy;
}
