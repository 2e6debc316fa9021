/*
 * token.c: random tokens, their keyed hash, ids and times.
 *
 * A token is 256 bits from getrandom(2) shown as unpadded URL-safe base64
 * (RFC 4648 section 5), so it survives a shell, an HTTP header and a form
 * field unchanged.  The store keeps only HMAC-SHA256(key, tag || token)
 * (RFC 2104), the key kept beside the database (store.c says why).  With
 * 256 random bits a token cannot be guessed; the key makes a copy of the
 * database alone useless even for checking a token someone has seen.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "serve/serve_impl.h"

int vcsi_random(uint8_t *buf, size_t n, vc_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return vc_error_set(err, VC_EIO, "getrandom: %s",
                                strerror(errno));
        }
        got += (size_t)r;
    }
    return VC_OK;
}

void vcsi_b64url(const uint8_t *buf, size_t n, char *out)
{
    struct base64_encode_ctx ctx;
    base64url_encode_init(&ctx);
    size_t len = base64_encode_update(&ctx, out, n, buf);
    len += base64_encode_final(&ctx, out + len);
    /* the padding carries nothing: drop it */
    while (len > 0 && out[len - 1] == '=') {
        len--;
    }
    out[len] = '\0';
}

void vcsi_hmac(const uint8_t *key, const char *tag, const char *text,
               size_t len, uint8_t out[VCS_HASH_SIZE])
{
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, VCS_HASH_SIZE, key);
    hmac_sha256_update(&ctx, strlen(tag) + 1, (const uint8_t *)tag);
    hmac_sha256_update(&ctx, len, (const uint8_t *)text);
    hmac_sha256_digest(&ctx, VCS_HASH_SIZE, out);
}

int vcsi_new_token(char out[VCS_TOKEN_TEXT], vc_error *err)
{
    uint8_t raw[VCS_TOKEN_BYTES];
    int rc = vcsi_random(raw, sizeof raw, err);
    if (rc != VC_OK) {
        return rc;
    }
    vcsi_b64url(raw, sizeof raw, out);
    return VC_OK;
}

void vcsi_sha256_hex(const char *buf, size_t len, char out[65])
{
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, (const uint8_t *)buf);
    sha256_digest(&ctx, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
}

int vcsi_uuid(char out[37], vc_error *err)
{
    uint8_t b[16];
    int rc = vcsi_random(b, sizeof b, err);
    if (rc != VC_OK) {
        return rc;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 (RFC 4122) */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10 */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
             b[10], b[11], b[12], b[13], b[14], b[15]);
    return VC_OK;
}

void vcsi_now(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ts.tv_nsec / 1000000L % 1000));
}
