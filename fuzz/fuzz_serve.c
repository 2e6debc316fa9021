/*
 * fuzz_serve.c: libFuzzer harness for the intake service's parsers of
 * untrusted input (serve/), called directly: no socket, no request.
 *
 * Input: one byte choosing the parser (its value modulo 6), then the
 * parser's fields separated by NUL bytes, each in an allocation of its own
 * size so that a read past its end is caught:
 *   0 upload:    Content-Type \0 X-Submission-Id \0 X-Strata \0 CSV body
 *                (media type, charset, the id's check, the CSV through
 *                vcsi_check_upload into its summary or its 422 document;
 *                an empty id or strata field stands for no header)
 *   1 estimate:  the JSON body of POST /api/v1/estimates
 *                (vcsi_estimate_request; every other byte of the selector
 *                chooses whether methods are checked by name)
 *   2 auth:      Authorization \0 session cookie (vcsi_bearer, the token
 *                and session lookups in a temporary store)
 *   3 csrf:      session \0 the form's csrf field (vcsi_csrf_of, _ok)
 *   4 form:      records of one key byte, one length byte and the bytes,
 *                handed to vcsi_form_field in pieces as libmicrohttpd's
 *                post processor does (the url-encoded decoding itself is
 *                libmicrohttpd's and needs a connection)
 *   5 paths:     a URL (vcsi_split_id on /api/v1/submissions/ and
 *                /api/v1/estimates/, vcsi_estimate_path on /estimates/)
 *
 * The store is a temporary SQLite database (/tmp/fuzz_serve.XXXXXX,
 * removed at exit; a crash leaves it) opened once, holding one office and
 * one session; only lookups touch it.
 *
 * Properties checked besides the sanitizers: a refused upload has a
 * one-line reader message and a 422 document that JSON can hold; an
 * accepted one has a summary with lists, strata, people_seen, warnings; a
 * request is either refused with a one-line UTF-8 message (the 400
 * document must hold it) or accepted with a string
 * country and a non-empty array of method names and no other fields; a
 * wrong token or cookie finds no office and the right one finds it; the
 * CSRF check accepts exactly the session's token; form fields stay
 * NUL-terminated within their buffers or the form is marked overflowed;
 * a path split gives back prefix + id + rest with an id of 1 to 100
 * characters and no '/'.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/fuzz_common.h"
#include "serve/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 4

static vcs_store *store;
static char office_token[VCS_TOKEN_TEXT];
static char session_token[VCS_TOKEN_TEXT];
static char dir[] = "/tmp/fuzz_serve.XXXXXX";
static char db[64];

static void cleanup(void)
{
    char key[80];
    vcs_store_close(store);
    snprintf(key, sizeof key, "%s.key", db);
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[80];
        snprintf(p, sizeof p, "%s%s", db, ext[i]);
        unlink(p);
    }
    unlink(key);
    rmdir(dir);
}

static void open_store(void)
{
    vc_error err;
    vc_error_clear(&err);
    if (mkdtemp(dir) == NULL) {
        abort();
    }
    snprintf(db, sizeof db, "%s/store.db", dir);
    if (vcs_store_open(db, &store, &err) != VC_OK
        || vcs_office_add(store, "fuzz", "Peru", "analyst", office_token,
                          &err) != VC_OK) {
        fuzz_note("store", err.msg);
        abort();
    }
    vcs_office o;
    FUZZ_CHECK(vcsi_office_by_token(store, office_token, &o) == 1);
    if (vcsi_session_create(store, &o, 12, "fuzz", session_token, &err)
        != VC_OK) {
        abort();
    }
    atexit(cleanup);
}

static int method_known(const char *name)
{
    return strcmp(name, "chapman") == 0 || strcmp(name, "loglinear") == 0;
}

static void fuzz_upload(char **f, size_t body_len)
{
    char media[64], charset[64];
    vcsi_media_type_of(f[0], media, sizeof media);
    vcsi_charset_of(f[0], charset, sizeof charset);
    FUZZ_CHECK(strlen(media) < sizeof media && strlen(charset) < 64);
    const char *idem = f[1][0] ? f[1] : NULL;
    int id_ok = vcsi_submission_id_ok(idem);
    FUZZ_CHECK(id_ok == (idem == NULL || strlen(idem) <= 100));
    const char *strata = f[2][0] ? f[2] : NULL;
    vcs_check chk;
    vcsi_check_upload(f[3], body_len, strata, charset[0] ? charset : NULL,
                      NULL, &chk);
    if (chk.ok) {
        FUZZ_CHECK(json_is_object(chk.summary));
        FUZZ_CHECK(json_object_get(chk.summary, "lists") != NULL);
        FUZZ_CHECK(json_object_get(chk.summary, "strata") != NULL);
        FUZZ_CHECK(json_object_get(chk.summary, "people_seen") != NULL);
        FUZZ_CHECK(json_object_get(chk.summary, "warnings") != NULL);
        char *s = json_dumps(chk.summary, JSON_COMPACT | JSON_SORT_KEYS);
        FUZZ_CHECK(s != NULL);
        free(s);
    } else {
        if (!fuzz_one_line(chk.plain)) {
            fuzz_note("message", chk.plain);
        }
        FUZZ_CHECK(fuzz_one_line(chk.plain));
        FUZZ_CHECK(chk.line >= 0);
        /* the 422 document, as post_submission builds it */
        vcsi_ascii_if_needed(chk.message);
        vcsi_ascii_if_needed(chk.hint);
        vcsi_ascii_if_needed(chk.column);
        json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:s}", "error",
                                "invalid input", "message", chk.message,
                                "line", json_integer(chk.line), "column",
                                json_string(chk.column), "hint", chk.hint);
        FUZZ_CHECK(doc != NULL);
        json_decref(doc);
    }
    vcsi_check_free(&chk);
}

static void fuzz_estimate(const char *body, size_t len, int by_name)
{
    char msg[300];
    json_t *req = (json_t *)1;
    const char *why = vcsi_estimate_request(
        body, len, by_name ? method_known : NULL, &req, msg, sizeof msg);
    FUZZ_CHECK((why == NULL) != (req == NULL));
    if (why != NULL) {
        /* the 400 document carries it: JSON text (UTF-8), one line */
        json_t *m = json_string(why);
        if (m == NULL || !fuzz_one_line(why)) {
            fuzz_note("message", why);
        }
        FUZZ_CHECK(m != NULL && fuzz_one_line(why));
        json_decref(m);
        return;
    }
    FUZZ_CHECK(json_is_string(json_object_get(req, "country")));
    json_t *m = json_object_get(req, "methods");
    FUZZ_CHECK(json_is_array(m) && json_array_size(m) > 0);
    size_t i;
    json_t *v;
    json_array_foreach(m, i, v)
    {
        FUZZ_CHECK(json_is_string(v));
        FUZZ_CHECK(!by_name || method_known(json_string_value(v)));
    }
    json_t *seed = json_object_get(req, "seed");
    FUZZ_CHECK(seed == NULL
               || (json_is_integer(seed) && json_integer_value(seed) >= 0));
    FUZZ_CHECK(json_object_size(req) <= 5);
    json_decref(req);
}

static void fuzz_auth(char **f)
{
    vcs_office o;
    const char *t = vcsi_bearer(f[0]);
    if (t != NULL) {
        FUZZ_CHECK(t >= f[0] + 7 && t <= f[0] + strlen(f[0]));
        int want = strcmp(t, office_token) == 0;
        FUZZ_CHECK(vcsi_office_by_token(store, t, &o) == want);
    }
    int want = strcmp(f[1], session_token) == 0;
    FUZZ_CHECK(vcsi_session_office(store, f[1], &o) == want);
}

static void fuzz_csrf(char **f)
{
    char csrf[64];
    vcsi_csrf_of(store->key, f[0], csrf);
    FUZZ_CHECK(strlen(csrf) == 43);
    vcs_form form;
    memset(&form, 0, sizeof form);
    FUZZ_CHECK(strlen(csrf) < sizeof form.csrf);
    memcpy(form.csrf, csrf, strlen(csrf) + 1);
    FUZZ_CHECK(vcsi_csrf_ok(&form, csrf));
    snprintf(form.csrf, sizeof form.csrf, "%s", f[1]);
    FUZZ_CHECK(vcsi_csrf_ok(&form, csrf) == (strcmp(form.csrf, csrf) == 0));
}

static void fuzz_form(const uint8_t *p, size_t n)
{
    static const char *const keys[] = {"csrf", "token", "strata",
                                       "submission_id", "file", "other"};
    vcs_form f;
    memset(&f, 0, sizeof f);
    uint64_t off[6] = {0};
    size_t i = 0;
    while (i + 2 <= n) {
        unsigned k = p[i] % 6;
        size_t len = p[i + 1];
        i += 2;
        if (len > n - i) {
            len = n - i;
        }
        char *piece = fuzz_strndup(p + i, len);
        enum MHD_Result r = vcsi_form_field(&f, MHD_POSTDATA_KIND, keys[k],
                                            NULL, NULL, NULL, piece, off[k],
                                            len);
        free(piece);
        FUZZ_CHECK(r == MHD_YES);
        off[k] += len;
        i += len;
    }
    const char *bufs[] = {f.csrf, f.token, f.strata, f.sid};
    const size_t sizes[] = {sizeof f.csrf, sizeof f.token, sizeof f.strata,
                            sizeof f.sid};
    int over = 0;
    for (size_t k = 0; k < 4; k++) {
        FUZZ_CHECK(memchr(bufs[k], '\0', sizes[k]) != NULL);
        over |= off[k] + 1 > sizes[k];
        FUZZ_CHECK(over || strlen(bufs[k]) <= off[k]);
    }
    FUZZ_CHECK(f.overflow == over);
    FUZZ_CHECK(f.flen == off[4]);
    FUZZ_CHECK(f.file == NULL || f.file[f.flen] == '\0');
    free(f.file);
}

static void check_split(const char *url, const char *prefix)
{
    char id[128];
    const char *rest = NULL;
    if (!vcsi_split_id(url, prefix, id, &rest)) {
        return;
    }
    size_t n = strlen(id);
    FUZZ_CHECK(n >= 1 && n <= 100 && strchr(id, '/') == NULL);
    FUZZ_CHECK(rest == url + strlen(prefix) + n);
    FUZZ_CHECK(strncmp(url + strlen(prefix), id, n) == 0);
}

static void fuzz_paths(const char *url)
{
    check_split(url, "/api/v1/submissions/");
    check_split(url, "/api/v1/estimates/");
    static const char *const rests[] = {"", "/report", "/publish"};
    for (size_t k = 0; k < 3; k++) {
        char id[128];
        if (vcsi_estimate_path(url, rests[k], id, sizeof id)) {
            size_t n = strlen(id);
            FUZZ_CHECK(n >= 1 && n < sizeof id && strchr(id, '/') == NULL);
            FUZZ_CHECK(strlen(url) == 11 + n + strlen(rests[k]));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    if (store == NULL) {
        open_store();
    }
    unsigned which = data[0] % 6;
    if (which == 1 || which == 4) {
        char *body = fuzz_strndup(data + 1, size - 1);
        if (which == 1) {
            fuzz_estimate(body, size - 1, (data[0] / 6) % 2);
        } else {
            fuzz_form(data + 1, size - 1);
        }
        free(body);
        return 0;
    }
    /* NUL-separated fields; the last takes the rest of the input */
    char *f[MAX_FIELDS];
    size_t nf = which == 0 ? 4 : which == 5 ? 1 : 2;
    size_t start = 1, last = 0;
    for (size_t k = 0; k < nf; k++) {
        size_t end = start;
        while (end < size && (k == nf - 1 || data[end] != 0)) {
            end++;
        }
        f[k] = fuzz_strndup(data + start, end - start);
        last = end - start;
        start = end < size ? end + 1 : size;
    }
    switch (which) {
    case 0:
        fuzz_upload(f, last);
        break;
    case 2:
        fuzz_auth(f);
        break;
    case 3:
        fuzz_csrf(f);
        break;
    default:
        fuzz_paths(f[0]);
        break;
    }
    for (size_t k = 0; k < nf; k++) {
        free(f[k]);
    }
    return 0;
}
