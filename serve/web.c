/*
 * web.c: the pages for people: plain HTML forms, no JavaScript, one
 * narrow column that reads on a phone.
 *
 * Signing in: the office pastes its token once; the server answers with a
 * session cookie (HttpOnly: no script can read it; SameSite=Strict: no
 * other site can make the browser send it; Secure under TLS) that expires
 * after --session hours (12 by default).  Only the session's keyed hash is
 * stored.  Every form that changes something carries a CSRF token,
 * HMAC(key, session), checked in constant time: a second line of defence
 * behind SameSite for browsers that ignore it.
 *
 * Forms arrive urlencoded or multipart; libmicrohttpd's POST processor
 * parses the body this server has already buffered under its cap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/memops.h>

#include "serve/http.h"

#define COOKIE "vc_session"

/* What a page is built in. */
typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} page;

/* Text with &, <, >, " and ' escaped. */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static int page_open(page *p, const char *title, const vcs_office *o,
                     const char *csrf)
{
    p->buf = NULL;
    p->len = 0;
    p->f = open_memstream(&p->buf, &p->len);
    if (p->f == NULL) {
        return -1;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\"><title>", p->f);
    esc(p->f, title);
    fputs(" - victimcount</title><style>"
          "body{font-family:sans-serif;max-width:42rem;margin:0 auto;"
          "padding:.8rem;line-height:1.45;color:#222}"
          "header{border-bottom:1px solid #ccc;padding-bottom:.4rem;"
          "margin-bottom:1rem;display:flex;flex-wrap:wrap;gap:.5rem;"
          "justify-content:space-between;align-items:center}"
          "h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem}"
          "input,button{font-size:1rem;padding:.45rem;max-width:100%}"
          "label{display:block;margin:.7rem 0 .2rem}"
          ".ok{background:#e8f5e9;border-left:4px solid #2e7d32;"
          "padding:.6rem}"
          ".bad{background:#fdecea;border-left:4px solid #c62828;"
          "padding:.6rem}"
          "table{border-collapse:collapse;width:100%;font-size:.92rem}"
          "td,th{border-bottom:1px solid #ddd;padding:.3rem;"
          "text-align:left;vertical-align:top}"
          ".small{color:#555;font-size:.9rem}"
          "</style></head><body>\n<header><strong>victimcount intake"
          "</strong>", p->f);
    if (o != NULL) {
        fputs("<span>", p->f);
        esc(p->f, o->name);
        fputs(" (", p->f);
        esc(p->f, o->analyst ? "analyst" : o->country);
        fputs(")</span><form method=\"post\" action=\"/signout\">"
              "<input type=\"hidden\" name=\"csrf\" value=\"", p->f);
        esc(p->f, csrf);
        fputs("\"><button>Sign out</button></form>", p->f);
    }
    fputs("</header>\n<main>\n", p->f);
    return 0;
}

/* Close the page and queue it with status (and a cookie header). */
static enum MHD_Result page_send(page *p, struct MHD_Connection *c,
                                 unsigned status, const char *cookie)
{
    fputs("</main></body></html>\n", p->f);
    if (fclose(p->f) != 0) {
        free(p->buf);
        return MHD_NO;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        p->len, p->buf, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(p->buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/html; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; "
                            "img-src data:; form-action 'self'; "
                            "frame-ancestors 'none'");
    if (cookie != NULL) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    }
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* 303 See Other to where, with a cookie header or none. */
static enum MHD_Result redirect(struct MHD_Connection *c, const char *where,
                                const char *cookie)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, where);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (cookie != NULL) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    }
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
    MHD_destroy_response(r);
    return ok;
}

/* The CSRF token of a session. */
void vcsi_csrf_of(const uint8_t *key, const char *session, char out[64])
{
    uint8_t h[VCS_HASH_SIZE];
    vcsi_hmac(key, "csrf", session, strlen(session), h);
    vcsi_b64url(h, sizeof h, out);
}

/* The signed-in office: 1 with o and csrf filled, else 0. */
static int signed_in(vcs_server *srv, struct MHD_Connection *c,
                     vcs_office *o, char csrf[64], const char **session)
{
    const char *s = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
    if (s == NULL || vcsi_session_office(srv->store, s, o) != 1) {
        return 0;
    }
    vcsi_csrf_of(srv->store->key, s, csrf);
    *session = s;
    return 1;
}

static void field_append(char *dst, size_t size, const char *data,
                         uint64_t off, size_t n, int *overflow)
{
    if (off + n + 1 > size) {
        *overflow = 1;
        return;
    }
    memcpy(dst + off, data, n);
    dst[off + n] = '\0';
}

enum MHD_Result vcsi_form_field(void *cls, enum MHD_ValueKind kind,
                                const char *key, const char *filename,
                                const char *content_type,
                                const char *transfer_encoding,
                                const char *data, uint64_t off, size_t size)
{
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    vcs_form *f = cls;
    if (strcmp(key, "csrf") == 0) {
        field_append(f->csrf, sizeof f->csrf, data, off, size, &f->overflow);
    } else if (strcmp(key, "token") == 0) {
        field_append(f->token, sizeof f->token, data, off, size,
                     &f->overflow);
    } else if (strcmp(key, "strata") == 0) {
        field_append(f->strata, sizeof f->strata, data, off, size,
                     &f->overflow);
    } else if (strcmp(key, "submission_id") == 0) {
        field_append(f->sid, sizeof f->sid, data, off, size, &f->overflow);
    } else if (strcmp(key, "file") == 0) {
        f->file_given = 1;
        if (f->flen + size + 1 > f->fcap) {
            size_t cap = f->fcap ? f->fcap : 65536;
            while (cap < f->flen + size + 1) {
                cap *= 2;
            }
            char *b = realloc(f->file, cap);
            if (b == NULL) {
                return MHD_NO;
            }
            f->file = b;
            f->fcap = cap;
        }
        memcpy(f->file + f->flen, data, size);
        f->flen += size;
        f->file[f->flen] = '\0';
    }
    return MHD_YES;
}

/* Parse the buffered body as a form; 0 or -1 (not a form). */
static int parse_form(struct MHD_Connection *c, const char *body,
                      size_t len, vcs_form *f)
{
    memset(f, 0, sizeof *f);
    struct MHD_PostProcessor *pp =
        MHD_create_post_processor(c, 16384, vcsi_form_field, f);
    if (pp == NULL) {
        return -1;
    }
    enum MHD_Result ok = len ? MHD_post_process(pp, body, len) : MHD_YES;
    MHD_destroy_post_processor(pp);
    return ok == MHD_YES && !f->overflow ? 0 : -1;
}

int vcsi_csrf_ok(const vcs_form *f, const char *csrf)
{
    return strlen(f->csrf) == strlen(csrf)
           && memeql_sec(f->csrf, csrf, strlen(csrf));
}

static void signin_form(page *p, const char *problem)
{
    fputs("<h1>Sign in</h1>", p->f);
    if (problem != NULL) {
        fputs("<p class=\"bad\">", p->f);
        esc(p->f, problem);
        fputs("</p>", p->f);
    }
    fputs("<form method=\"post\" action=\"/signin\">"
          "<label for=\"token\">Your office's token (from your "
          "administrator)</label>"
          "<input id=\"token\" name=\"token\" type=\"password\" "
          "autocomplete=\"off\" required size=\"44\">"
          "<p><button>Sign in</button></p></form>"
          "<p class=\"small\">Keep the token secret: anyone who has it can "
          "submit files in your office's name.</p>", p->f);
}

/* One line about a submission's contents. */
static void describe_summary(FILE *f, const json_t *v)
{
    const json_t *lists = json_object_get(v, "lists");
    const json_t *strata = json_object_get(v, "strata");
    fprintf(f, "%zu lists (", json_array_size(lists));
    size_t i;
    json_t *x;
    json_array_foreach(lists, i, x)
    {
        fputs(i ? ", " : "", f);
        esc(f, json_string_value(x));
    }
    fprintf(f, "), %lld people seen",
            (long long)json_integer_value(json_object_get(v,
                                                          "people_seen")));
    if (json_array_size(strata) > 0) {
        fprintf(f, ", %zu strata", json_array_size(strata));
    }
}

/* The strings of a (a JSON array) as an HTML list, escaped. */
static void string_list(FILE *f, const json_t *a)
{
    fputs("<ul>", f);
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        fputs("<li>", f);
        esc(f, json_string_value(x));
        fputs("</li>", f);
    }
    fputs("</ul>", f);
}

static void warnings_list(FILE *f, const json_t *w)
{
    if (json_array_size(w) == 0) {
        return;
    }
    fputs("<p>Read these before an estimate is made:</p>", f);
    string_list(f, w);
}

static void headlines_list(FILE *f, const json_t *doc)
{
    string_list(f, json_object_get(doc, "headlines"));
}

static enum MHD_Result home(vcs_server *srv, struct MHD_Connection *c,
                            const vcs_office *o, const char *csrf)
{
    page p;
    if (page_open(&p, "Home", o, csrf) != 0) {
        return MHD_NO;
    }
    char sid[37];
    if (vcsi_uuid(sid, NULL) != VC_OK) {
        sid[0] = '\0';
    }
    fputs("<h1>Submit a file</h1>"
          "<form method=\"post\" action=\"/upload\" "
          "enctype=\"multipart/form-data\">"
          "<input type=\"hidden\" name=\"csrf\" value=\"", p.f);
    esc(p.f, csrf);
    fputs("\"><input type=\"hidden\" name=\"submission_id\" value=\"", p.f);
    esc(p.f, sid);
    fputs("\"><label for=\"file\">CSV file: one column per list (0 or 1) "
          "and a count column, or one row per person</label>"
          "<input id=\"file\" name=\"file\" type=\"file\" "
          "accept=\".csv,text/csv\" required>"
          "<label for=\"strata\">Stratum columns, if the file has any "
          "(for example: country,year)</label>"
          "<input id=\"strata\" name=\"strata\" type=\"text\" size=\"30\">"
          "<p><button>Check and submit</button></p></form>", p.f);
    json_t *subs = vcsi_submission_list(srv->store, o);
    fprintf(p.f, "<h2>%s</h2>", o->analyst ? "All submissions"
                                           : "Your submissions");
    if (json_array_size(subs) == 0) {
        fputs("<p>None yet.</p>", p.f);
    } else {
        fputs("<table><tr><th>Received (UTC)</th>", p.f);
        if (o->analyst) {
            fputs("<th>Office</th>", p.f);
        }
        fputs("<th>Contents</th><th>Warnings</th></tr>", p.f);
        size_t i;
        json_t *s;
        json_array_foreach(subs, i, s)
        {
            if (i >= 200) {
                break;
            }
            const json_t *v = json_object_get(s, "validation");
            fputs("<tr><td>", p.f);
            esc(p.f, json_string_value(json_object_get(s, "created")));
            if (o->analyst) {
                fputs("</td><td>", p.f);
                esc(p.f, json_string_value(json_object_get(s, "office")));
            }
            fputs("</td><td>", p.f);
            describe_summary(p.f, v);
            fprintf(p.f, "</td><td>%zu</td></tr>",
                    json_array_size(json_object_get(v, "warnings")));
        }
        fputs("</table>", p.f);
    }
    json_decref(subs);
    json_t *ests = vcsi_estimate_list(srv->store, o);
    fputs("<h2>", p.f);
    if (o->analyst) {
        fputs("Estimates", p.f);
    } else {
        fputs("Published estimates for ", p.f);
        esc(p.f, o->country);
    }
    fputs("</h2>", p.f);
    if (json_array_size(ests) == 0) {
        fputs("<p>None yet.</p>", p.f);
    }
    size_t i;
    json_t *e;
    json_array_foreach(ests, i, e)
    {
        if (i >= 100) {
            break;
        }
        const char *id = json_string_value(json_object_get(e, "id"));
        json_t *full = vcsi_estimate_get(srv->store, o, id, 0);
        fputs("<p><a href=\"/estimates/", p.f);
        esc(p.f, id);
        fputs("\">", p.f);
        esc(p.f, json_string_value(json_object_get(e, "country")));
        fputs(", ", p.f);
        esc(p.f, json_string_value(json_object_get(e, "updated")));
        fputs("</a> (", p.f);
        esc(p.f, json_string_value(json_object_get(e, "status")));
        fputs(json_is_true(json_object_get(e, "published")) ? ", published"
                                                            : "",
              p.f);
        fputs(")</p>", p.f);
        headlines_list(p.f, full);
        json_decref(full);
    }
    json_decref(ests);
    return page_send(&p, c, MHD_HTTP_OK, NULL);
}

static enum MHD_Result upload(vcs_server *srv, struct MHD_Connection *c,
                              const vcs_office *o, const char *csrf,
                              const vcs_form *f, const char *client)
{
    page p;
    if (page_open(&p, "Your file", o, csrf) != 0) {
        return MHD_NO;
    }
    unsigned status = MHD_HTTP_OK;
    vcs_check chk;
    const char *strata = f->strata[0] ? f->strata : NULL;
    vcsi_check_upload(f->file ? f->file : "", f->flen, strata, NULL, NULL,
                      &chk);
    if (!chk.ok) {
        status = MHD_HTTP_UNPROCESSABLE_CONTENT;
        sqlite3 *w = vcsi_writer_lock(srv->store);
        vcsi_audit(w, o->name, "submission.reject", f->sid, client, NULL);
        vcsi_writer_unlock(srv->store);
        fputs("<h1>The file was not accepted</h1><div class=\"bad\"><p>",
              p.f);
        if (chk.line > 0) {
            fprintf(p.f, "<strong>Line %ld", chk.line);
            if (chk.column[0]) {
                fputs(", column ", p.f);
                esc(p.f, chk.column);
            }
            fputs(":</strong> ", p.f);
        }
        esc(p.f, chk.plain);
        if (chk.web_hint[0]) {
            fputs("</p><p>", p.f);
            esc(p.f, chk.web_hint);
        }
        fputs("</p></div><p>Nothing was stored. Correct the file and "
              "submit it again.</p>", p.f);
    } else {
        char *summary = json_dumps(chk.summary,
                                   JSON_COMPACT | JSON_SORT_KEYS);
        char id[40];
        vcs_sub_outcome outcome = VCS_SUB_CREATED;
        vc_error err;
        vc_error_clear(&err);
        int rc = summary ? vcsi_submission_put(srv->store, o,
                                               f->sid[0] ? f->sid : NULL,
                                               f->file, f->flen, strata,
                                               NULL, summary, client, id,
                                               &outcome, &err)
                         : VC_ENOMEM;
        free(summary);
        if (rc != VC_OK) {
            status = MHD_HTTP_SERVICE_UNAVAILABLE;
            fputs("<h1>The file could not be stored</h1><p class=\"bad\">"
                  "Please submit it again in a moment.</p>", p.f);
        } else if (outcome == VCS_SUB_CONFLICT) {
            status = MHD_HTTP_CONFLICT;
            fputs("<h1>Already submitted</h1><p class=\"bad\">This form "
                  "was already used for another file. Go back to the home "
                  "page and submit from there.</p>", p.f);
        } else {
            status = outcome == VCS_SUB_CREATED ? MHD_HTTP_CREATED
                                                : MHD_HTTP_OK;
            fputs("<h1>File accepted</h1><div class=\"ok\"><p>", p.f);
            describe_summary(p.f, chk.summary);
            fputs(".</p></div>", p.f);
            warnings_list(p.f, json_object_get(chk.summary, "warnings"));
            fputs("<p class=\"small\">Reference: ", p.f);
            esc(p.f, id);
            fputs("</p>", p.f);
        }
    }
    vcsi_check_free(&chk);
    fputs("<p><a href=\"/\">Back to the home page</a></p>", p.f);
    return page_send(&p, c, status, NULL);
}

static enum MHD_Result estimate_page(vcs_server *srv,
                                     struct MHD_Connection *c,
                                     const vcs_office *o, const char *csrf,
                                     const char *id)
{
    json_t *doc = vcsi_estimate_get(srv->store, o, id, 0);
    page p;
    if (page_open(&p, "Estimate", o, csrf) != 0) {
        json_decref(doc);
        return MHD_NO;
    }
    if (doc == NULL) {
        fputs("<h1>Not found</h1><p><a href=\"/\">Home</a></p>", p.f);
        return page_send(&p, c, MHD_HTTP_NOT_FOUND, NULL);
    }
    fputs("<h1>", p.f);
    esc(p.f, json_string_value(json_object_get(doc, "country")));
    fputs("</h1><p>Status: ", p.f);
    esc(p.f, json_string_value(json_object_get(doc, "status")));
    fputs(json_is_true(json_object_get(doc, "published")) ? ", published"
                                                          : "",
          p.f);
    fputs("</p>", p.f);
    headlines_list(p.f, doc);
    if (json_object_get(doc, "error") != NULL) {
        fputs("<p class=\"bad\">", p.f);
        esc(p.f, json_string_value(json_object_get(doc, "error")));
        fputs("</p>", p.f);
    }
    if (json_object_get(doc, "results") != NULL) {
        fputs("<p><a href=\"/estimates/", p.f);
        esc(p.f, id);
        fputs("/report\">The full report</a> (methods, intervals, "
              "figures)</p>", p.f);
    }
    if (o->analyst && json_object_get(doc, "results") != NULL
        && !json_is_true(json_object_get(doc, "published"))) {
        fputs("<form method=\"post\" action=\"/estimates/", p.f);
        esc(p.f, id);
        fputs("/publish\"><input type=\"hidden\" name=\"csrf\" value=\"",
              p.f);
        esc(p.f, csrf);
        fputs("\"><p><button>Publish: the offices of this country will "
              "see it</button></p></form>", p.f);
    }
    fputs("<p><a href=\"/\">Home</a></p>", p.f);
    json_decref(doc);
    return page_send(&p, c, MHD_HTTP_OK, NULL);
}

int vcsi_estimate_path(const char *url, const char *rest, char *id,
                         size_t size)
{
    const char *pre = "/estimates/";
    size_t pl = strlen(pre);
    if (strncmp(url, pre, pl) != 0) {
        return 0;
    }
    size_t n = strcspn(url + pl, "/");
    if (n == 0 || n >= size || strcmp(url + pl + n, rest) != 0) {
        return 0;
    }
    memcpy(id, url + pl, n);
    id[n] = '\0';
    return 1;
}

static enum MHD_Result not_found_page(struct MHD_Connection *c,
                                      const vcs_office *o, const char *csrf)
{
    page p;
    if (page_open(&p, "Not found", o, csrf) != 0) {
        return MHD_NO;
    }
    fputs("<h1>Not found</h1><p><a href=\"/\">Home</a></p>", p.f);
    return page_send(&p, c, MHD_HTTP_NOT_FOUND, NULL);
}

enum MHD_Result vcsi_web(vcs_server *srv, struct MHD_Connection *c,
                         const char *url, const char *method,
                         const char *body, size_t len, const char *client)
{
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    int post = strcmp(method, "POST") == 0;
    vcs_office o;
    char csrf[64];
    const char *session = NULL;
    int in = signed_in(srv, c, &o, csrf, &session);
    if (strcmp(url, "/") == 0 && get) {
        if (in) {
            return home(srv, c, &o, csrf);
        }
        page p;
        if (page_open(&p, "Sign in", NULL, NULL) != 0) {
            return MHD_NO;
        }
        signin_form(&p, NULL);
        return page_send(&p, c, MHD_HTTP_OK, NULL);
    }
    if (strcmp(url, "/signin") == 0 && post) {
        vcs_form f;
        vcs_office who;
        char sess[VCS_TOKEN_TEXT];
        char cookie[256];
        int ok = parse_form(c, body, len, &f) == 0
                 && vcsi_office_by_token(srv->store, f.token, &who) == 1;
        memset(f.token, 0, sizeof f.token);
        free(f.file);
        if (ok && vcsi_session_create(srv->store, &who,
                                      srv->cfg.session_hours, client, sess,
                                      NULL) == VC_OK) {
            snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; "
                     "SameSite=Strict; Max-Age=%u%s", sess,
                     srv->cfg.session_hours * 3600u,
                     srv->cfg.tls_cert_pem ? "; Secure" : "");
            return redirect(c, "/", cookie);
        }
        page p;
        if (page_open(&p, "Sign in", NULL, NULL) != 0) {
            return MHD_NO;
        }
        signin_form(&p, "That token is not valid (or was revoked). Check "
                        "it with your administrator.");
        return page_send(&p, c, MHD_HTTP_UNAUTHORIZED, NULL);
    }
    if (!in) {
        return redirect(c, "/", NULL);
    }
    char pub[128];
    int publish = post
                  && vcsi_estimate_path(url, "/publish", pub, sizeof pub);
    if (post && (strcmp(url, "/signout") == 0 || strcmp(url, "/upload") == 0
                 || publish)) {
        vcs_form f;
        if (parse_form(c, body, len, &f) != 0 || !vcsi_csrf_ok(&f, csrf)) {
            free(f.file);
            page p;
            if (page_open(&p, "Refused", &o, csrf) != 0) {
                return MHD_NO;
            }
            fputs("<h1>Refused</h1><p class=\"bad\">The form was stale or "
                  "did not come from this site. Go back to the <a "
                  "href=\"/\">home page</a> and try again.</p>", p.f);
            return page_send(&p, c, MHD_HTTP_FORBIDDEN, NULL);
        }
        enum MHD_Result r;
        if (strcmp(url, "/signout") == 0) {
            vcsi_session_delete(srv->store, session);
            r = redirect(c, "/", COOKIE "=; Path=/; HttpOnly; "
                                        "SameSite=Strict; Max-Age=0");
        } else if (publish) {
            /* analysts only; another's or a missing estimate: not found */
            json_t *doc = o.analyst ? vcsi_estimate_get(srv->store, &o, pub,
                                                        0)
                                    : NULL;
            int ok = doc != NULL
                     && vcsi_estimate_publish(srv->store, &o, pub, client,
                                              NULL) == VC_OK;
            json_decref(doc);
            char where[160];
            snprintf(where, sizeof where, "/estimates/%s", pub);
            r = ok ? redirect(c, where, NULL) : not_found_page(c, &o, csrf);
        } else {
            r = upload(srv, c, &o, csrf, &f, client);
        }
        free(f.file);
        return r;
    }
    char id[128];
    if (get && vcsi_estimate_path(url, "", id, sizeof id)) {
        return estimate_page(srv, c, &o, csrf, id);
    }
    if (get && vcsi_estimate_path(url, "/report", id, sizeof id)) {
        json_t *doc = vcsi_estimate_get(srv->store, &o, id, 1);
        if (json_is_string(doc)) {
            char *html = strdup(json_string_value(doc));
            json_decref(doc);
            return html ? vcsi_reply(c, MHD_HTTP_OK,
                                     "text/html; charset=utf-8", html,
                                     strlen(html), "Content-Security-Policy",
                                     "default-src 'none'; style-src "
                                     "'unsafe-inline'; img-src data:")
                        : MHD_NO;
        }
        json_decref(doc);
    }
    return not_found_page(c, &o, csrf);
}
