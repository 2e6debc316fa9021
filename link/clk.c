/*
 * clk.c: the cryptographic long-term key (CLK) of Schnell, Bachteler &
 * Reiher (2009, BMC Med Inform Decis Mak 9:41): one Bloom filter of m bits
 * per person, into which every field's tokens are hashed.
 *
 * Keys.  PRK = HKDF-Extract(salt = "victimcount CLK v1", secret) and, per
 * purpose, K = HKDF-Expand(PRK, info, 32) (Krawczyk & Eronen 2010, RFC
 * 5869, with HMAC-SHA256): info "field:<name>:<schema hash>" for each
 * field, so one field's tokens land independently of another's and of
 * other schemas; "key-check", "record-key" and "balance:<hash>" for the
 * rest.  The secret itself is not kept.
 *
 * Tokens.  A name gives the distinct padded bigrams of its normalised
 * form ("nurlan" -> _n nu ur rl la an n_).  A date gives up to six
 * features: the year, its third and fourth digits with their positions
 * (the first two are the same for nearly everyone born 1900-2099, so
 * they would only add bits that every pair shares), the day, the month,
 * and the unordered pair {day, month}: a day/month swap keeps four of
 * six, a wrong last digit of the year four of six.  Sex gives "f" or "m";
 * an exact field its whole normalised value.
 *
 * Positions.  Field f's budget b_f: each of its t tokens is given
 * k = ceil(b_f / t) positions, so the field sets about b_f bits whatever
 * its length (clkhash's "numBits" strategy).  The positions of a token
 * are a keyed pseudo-random sequence, not the double hashing h1 + i h2 of
 * the original paper, whose structure the attack of Niedermeyer,
 * Steinmetzer, Kroll & Schnell (2014, J Priv Confid 6:2) exploits: the
 * token's HMAC-SHA256 under K_f (with the salt, when there is one) keys a
 * Philox4x32-10 stream (core/philox.c) whose 32-bit outputs, reduced
 * modulo m, are the positions.  A token's positions are thus unknowable
 * without the secret, and different tokens' positions are independent.
 *
 * Layout.  One CLK (schema "layout": "clk", format 1): every field's
 * positions range over the whole filter.  Field-scored (the default,
 * format 2): field f's positions range over a segment of its own,
 * [o_f, o_f + s_f) (vc_link_schema_segments: about proportional to the
 * budgets, 64-bit aligned), so `link` can score each field
 * (fieldscore.c).
 *
 * Hardening (schema "hardening"; README argues the defaults):
 *   salt: the salting field's value (the year, for a date) enters every
 *     token's HMAC, so equal bigrams of people born in different years
 *     set different bits: frequency attacks must work year by year
 *     (Niedermeyer et al. 2014); people whose year is missing or wrong on
 *     one list can no longer match.
 *   xor_fold: the two halves of the filter XORed into one of m/2 bits
 *     (Schnell, Borgs & Encarnacao 2016, "XOR-folding for Bloom filter-
 *     based encryptions for privacy-preserving record linkage").
 *   balance: the filter followed by its complement, permuted under a
 *     secret permutation (Schnell & Borgs 2016, "Randomized response and
 *     balanced Bloom filters for privacy preserving record linkage",
 *     ICDMW): every encoding has exactly half its bits set, so bit counts
 *     reveal nothing about name length.
 */
#include <stdlib.h>
#include <string.h>

#include <nettle/hkdf.h>
#include <nettle/hmac.h>

#include "link/link_impl.h"

#define CLK_MAX_TOKENS (VC_LINK_NAME_MAX + 2)

/* The positions of a token depend only on (field, salt, token): a cache
 * of them, an open-addressing table, spares the HMAC and the Philox
 * blocks for the bigrams and date features that recur in every list
 * (a name field has at most 27^2 bigrams).  Entries hold the first
 * `bits` positions of the field (the most any record can need); the
 * cache never changes an encoding, only its cost.  It stops growing at
 * CLK_CACHE_MAX entries. */
#define CLK_CACHE_SLOTS (1u << 16)
#define CLK_CACHE_MAX (CLK_CACHE_SLOTS / 2)
#define CLK_KEY_MAX 40

typedef struct {
    uint8_t len; /* 0: empty slot */
    uint8_t key[CLK_KEY_MAX];
    uint32_t off; /* into the position slab */
} clk_slot;

struct vc_link_encoder {
    const vc_link_schema *s;
    clk_slot *cache; /* CLK_CACHE_SLOTS slots */
    uint16_t *slab;  /* cached positions */
    size_t slab_len, slab_cap, cached;
    struct hmac_sha256_ctx field[VC_LINK_MAX_FIELDS];
    struct hmac_sha256_ctx check, id;
    size_t words;      /* of the output */
    size_t mwords;     /* of the filter before hardening */
    size_t nseg;       /* field-scored layout: one segment per field */
    size_t seg_off[VC_LINK_MAX_FIELDS]; /* its first bit before folding */
    size_t seg_len[VC_LINK_MAX_FIELDS]; /* its bits before folding */
    uint32_t *perm;    /* balance: 2 m' positions, or NULL */
    uint64_t *scratch; /* mwords + 2 * mwords */
};

static void expand(const uint8_t prk[32], const char *info, uint8_t out[32])
{
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, 32, prk);
    hkdf_expand(&ctx, (nettle_hash_update_func *)hmac_sha256_update,
                (nettle_hash_digest_func *)hmac_sha256_digest,
                SHA256_DIGEST_SIZE, strlen(info), (const uint8_t *)info, 32,
                out);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
           | (uint32_t)p[3] << 24;
}

vc_link_encoder *vc_link_encoder_alloc(const vc_link_schema *s,
                                       const uint8_t *secret, size_t len,
                                       vc_error *err)
{
    if (len < 16) {
        vc_error_set(err, VC_EINVAL,
                     "the secret is %zu bytes; at least 16 are needed", len);
        return NULL;
    }
    if (s->nfields == 0 || s->m % 128 != 0 || s->m > VC_LINK_MAX_BITS) {
        vc_error_set(err, VC_EINVAL, "schema: no fields or bad size");
        return NULL;
    }
    vc_link_encoder *e = calloc(1, sizeof *e);
    if (e == NULL) {
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    e->s = s;
    e->mwords = s->m / 64;
    e->words = vc_link_schema_bits(s) / 64;
    size_t seg[VC_LINK_MAX_FIELDS];
    if (s->field_scored) {
        if (vc_link_schema_segments(s, seg) != 0) {
            free(e);
            vc_error_set(err, VC_EINVAL, "schema: fields do not fit");
            return NULL;
        }
        e->nseg = s->nfields;
        size_t off = 0;
        for (size_t f = 0; f < s->nfields; f++) {
            e->seg_off[f] = off;
            e->seg_len[f] = s->xor_fold ? 2 * seg[f] : seg[f];
            off += e->seg_len[f];
        }
    }
    e->scratch = calloc(3 * e->mwords, sizeof *e->scratch);
    e->cache = calloc(CLK_CACHE_SLOTS, sizeof *e->cache);
    size_t nb = s->xor_fold ? s->m / 2 : s->m;
    if (s->balance) {
        e->perm = malloc(2 * nb * sizeof *e->perm);
    }
    if (e->scratch == NULL || e->cache == NULL
        || (s->balance && e->perm == NULL)) {
        vc_link_encoder_free(e);
        vc_error_set(err, VC_ENOMEM, "out of memory");
        return NULL;
    }
    static const char salt[] = "victimcount CLK v1";
    uint8_t prk[32];
    uint8_t k[32];
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, sizeof salt - 1, (const uint8_t *)salt);
    hkdf_extract(&ctx, (nettle_hash_update_func *)hmac_sha256_update,
                 (nettle_hash_digest_func *)hmac_sha256_digest,
                 SHA256_DIGEST_SIZE, len, secret, prk);
    char info[VC_LINK_NAME_MAX + 96];
    for (size_t f = 0; f < s->nfields; f++) {
        snprintf(info, sizeof info, "field:%s:%s", s->fields[f].name, s->hash);
        expand(prk, info, k);
        hmac_sha256_set_key(&e->field[f], 32, k);
    }
    expand(prk, "key-check", k);
    hmac_sha256_set_key(&e->check, 32, k);
    expand(prk, "record-key", k);
    hmac_sha256_set_key(&e->id, 32, k);
    if (s->balance) {
        /* a secret permutation of 2 nb positions: Fisher-Yates driven by
         * a Philox stream keyed from the secret */
        snprintf(info, sizeof info, "balance:%s", s->hash);
        expand(prk, info, k);
        size_t n = 2 * nb;
        for (size_t i = 0; i < n; i++) {
            e->perm[i] = (uint32_t)i;
        }
        uint32_t key[2] = {le32(k), le32(k + 4)};
        uint32_t ctr[4] = {0, le32(k + 8), le32(k + 12), le32(k + 16)};
        for (size_t i = n - 1; i > 0; i--) {
            uint32_t out[4];
            ctr[0] = (uint32_t)i;
            vc_philox4x32_10(ctr, key, out);
            uint64_t r = ((uint64_t)out[0] << 32 | out[1]) % (i + 1);
            uint32_t t = e->perm[i];
            e->perm[i] = e->perm[r];
            e->perm[r] = t;
        }
    }
    memset(prk, 0, sizeof prk);
    memset(k, 0, sizeof k);
    return e;
}

void vc_link_encoder_free(vc_link_encoder *e)
{
    if (e == NULL) {
        return;
    }
    free(e->perm);
    free(e->scratch);
    free(e->cache);
    free(e->slab);
    memset(e, 0, sizeof *e); /* the derived keys */
    free(e);
}

size_t vc_link_encoder_words(const vc_link_encoder *e)
{
    return e->words;
}

/* The first k positions of one token: the HMAC-SHA256 of
 * (salt length, salt, token) under the field's key keys a Philox4x32-10
 * stream whose 32-bit outputs modulo m are the positions. */
static void token_positions(struct hmac_sha256_ctx *ctx, const uint8_t *salt,
                            size_t saltlen, const uint8_t *tok, size_t toklen,
                            unsigned k, size_t off, size_t m, uint16_t *pos)
{
    uint8_t d[SHA256_DIGEST_SIZE];
    uint8_t sl = (uint8_t)saltlen;
    hmac_sha256_update(ctx, 1, &sl);
    hmac_sha256_update(ctx, saltlen, salt);
    hmac_sha256_update(ctx, toklen, tok);
    hmac_sha256_digest(ctx, sizeof d, d);
    uint32_t key[2] = {le32(d), le32(d + 4)};
    uint32_t ctr[4] = {0, le32(d + 8), le32(d + 12), le32(d + 16)};
    for (unsigned i = 0; i < k; i += 4) {
        uint32_t out[4];
        ctr[0] = i / 4;
        vc_philox4x32_10(ctr, key, out);
        for (unsigned j = 0; j < 4 && i + j < k; j++) {
            pos[i + j] = (uint16_t)(off + out[j] % m);
        }
    }
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

/* Set the k positions of token tok of field f in filter (m bits), from
 * the cache when it holds them. */
static void hash_token(vc_link_encoder *e, size_t f, const uint8_t *salt,
                       size_t saltlen, const uint8_t *tok, size_t toklen,
                       unsigned k, uint64_t *filter)
{
    size_t m = e->nseg ? e->seg_len[f] : e->s->m;
    size_t off = e->nseg ? e->seg_off[f] : 0;
    unsigned kmax = e->s->fields[f].bits;
    uint16_t local[VC_LINK_MAX_BITS];
    uint8_t key[CLK_KEY_MAX];
    size_t klen = 3 + saltlen + toklen;
    clk_slot *slot = NULL;
    if (klen <= CLK_KEY_MAX) {
        key[0] = (uint8_t)f;
        key[1] = (uint8_t)saltlen;
        key[2] = (uint8_t)toklen;
        memcpy(key + 3, salt, saltlen);
        memcpy(key + 3 + saltlen, tok, toklen);
        uint32_t h = fnv1a(key, klen) & (CLK_CACHE_SLOTS - 1);
        for (;;) {
            clk_slot *c = &e->cache[h];
            if (c->len == 0) {
                slot = c;
                break;
            }
            if (c->len == klen && memcmp(c->key, key, klen) == 0) {
                const uint16_t *pos = e->slab + c->off;
                for (unsigned i = 0; i < k; i++) {
                    filter[pos[i] / 64] |= (uint64_t)1 << (pos[i] % 64);
                }
                return;
            }
            h = (h + 1) & (CLK_CACHE_SLOTS - 1);
        }
    }
    uint16_t *pos = local;
    unsigned n = k;
    if (slot != NULL && e->cached < CLK_CACHE_MAX) {
        /* room for this entry's kmax positions in the slab */
        if (e->slab_len + kmax > e->slab_cap) {
            size_t cap = e->slab_cap ? 2 * e->slab_cap : 1u << 16;
            while (cap < e->slab_len + kmax) {
                cap *= 2;
            }
            uint16_t *ns = realloc(e->slab, cap * sizeof *ns);
            if (ns != NULL) {
                e->slab = ns;
                e->slab_cap = cap;
            }
        }
        if (e->slab_len + kmax <= e->slab_cap) {
            pos = e->slab + e->slab_len;
            n = kmax > k ? kmax : k;
            slot->len = (uint8_t)klen;
            memcpy(slot->key, key, klen);
            slot->off = (uint32_t)e->slab_len;
            e->slab_len += n;
            e->cached++;
        }
    }
    token_positions(&e->field[f], salt, saltlen, tok, toklen, n, off, m, pos);
    for (unsigned i = 0; i < k; i++) {
        filter[pos[i] / 64] |= (uint64_t)1 << (pos[i] % 64);
    }
}

typedef struct {
    uint8_t t[CLK_MAX_TOKENS][8];
    uint8_t len[CLK_MAX_TOKENS];
    size_t n;
} tokens;

static void tok_add(tokens *t, const char *s, size_t len)
{
    if (t->n < CLK_MAX_TOKENS && len <= 8) {
        memcpy(t->t[t->n], s, len);
        t->len[t->n] = (uint8_t)len;
        t->n++;
    }
}

static int name_tokens(const char *v, tokens *t, char *norm, size_t size,
                       vc_error *err)
{
    int rc = vc_link_normalise_name(v, strlen(v), norm, size, err);
    if (rc != VC_OK) {
        return rc;
    }
    size_t n = strlen(norm);
    if (n == 0) {
        return VC_OK;
    }
    /* distinct padded bigrams (a repeated bigram would only repeat its
     * positions, but it would lower k for the others) */
    for (size_t i = 0; i <= n; i++) {
        char g[2] = {i == 0 ? '_' : norm[i - 1], i == n ? '_' : norm[i]};
        int seen = 0;
        for (size_t j = 0; j < t->n && !seen; j++) {
            seen = t->len[j] == 2 && memcmp(t->t[j], g, 2) == 0;
        }
        if (!seen) {
            tok_add(t, g, 2);
        }
    }
    return VC_OK;
}

static int date_tokens(const char *v, tokens *t, vc_link_date *d, vc_error *err)
{
    int rc = vc_link_parse_date(v, d, err);
    if (rc != VC_OK || d->year == 0) {
        return rc;
    }
    char b[16];
    snprintf(b, sizeof b, "Y%04d", d->year);
    tok_add(t, b, 5);
    /* the decade and the last digit on their own: a wrong digit keeps
     * one; the century digits would be shared by nearly everyone */
    for (int i = 2; i < 4; i++) {
        b[0] = 'y';
        b[1] = (char)('0' + i);
        b[2] = (char)('0' + (d->year / (i == 2 ? 10 : 1)) % 10);
        tok_add(t, b, 3);
    }
    if (d->month > 0) {
        int lo = d->day < d->month ? d->day : d->month;
        int hi = d->day < d->month ? d->month : d->day;
        snprintf(b, sizeof b, "D%02d", d->day);
        tok_add(t, b, 3);
        snprintf(b, sizeof b, "M%02d", d->month);
        tok_add(t, b, 3);
        snprintf(b, sizeof b, "P%02d%02d", lo, hi);
        tok_add(t, b, 5);
    }
    return VC_OK;
}

static int sex_tokens(const char *v, tokens *t, const char *field,
                      vc_error *err)
{
    static const char *const female[] = {"f",   "female",  "w",    "woman", "j",
                                         "jen", "jenskii", "girl", NULL};
    static const char *const male[] = {"m",   "male", "man", "mujskoi",
                                       "muj", "boy",  NULL};
    char n[VC_LINK_NAME_MAX * 2];
    int rc = vc_link_normalise_name(v, strlen(v), n, sizeof n, err);
    if (rc != VC_OK || n[0] == '\0') {
        return rc;
    }
    for (size_t i = 0; female[i] != NULL; i++) {
        if (strcmp(n, female[i]) == 0) {
            tok_add(t, "f", 1);
            return VC_OK;
        }
    }
    for (size_t i = 0; male[i] != NULL; i++) {
        if (strcmp(n, male[i]) == 0) {
            tok_add(t, "m", 1);
            return VC_OK;
        }
    }
    return vc_error_set(err, VC_EDATA,
                        "%s: expected F, M, female, male, Ж or М (or "
                        "empty)",
                        field);
}

int vc_link_encode(vc_link_encoder *e, const char *const *values,
                   uint64_t *filter, vc_error *err)
{
    const vc_link_schema *s = e->s;
    uint64_t *f = e->scratch;
    memset(f, 0, e->mwords * sizeof *f);
    /* the salt: the salting field's normalised value, or its year */
    char salt[VC_LINK_NAME_MAX * 2] = "";
    if (s->salt >= 0) {
        const char *v = values[s->salt] ? values[s->salt] : "";
        vc_link_date d;
        vc_error e2;
        vc_error_clear(&e2);
        if (s->fields[s->salt].kind == VC_LINK_FIELD_DATE) {
            if (vc_link_parse_date(v, &d, &e2) == VC_OK && d.year > 0) {
                snprintf(salt, sizeof salt, "%04d", d.year);
            }
        } else if (s->fields[s->salt].kind == VC_LINK_FIELD_COUNTRY) {
            vc_link_normalise_country(v, strlen(v), salt, sizeof salt, &e2);
        } else {
            vc_link_normalise_name(v, strlen(v), salt, sizeof salt, &e2);
        }
    }
    size_t saltlen = strlen(salt);
    if (saltlen > 255) {
        saltlen = 255;
    }
    size_t ntok = 0;
    for (size_t i = 0; i < s->nfields; i++) {
        const char *v = values[i] ? values[i] : "";
        tokens t;
        t.n = 0;
        char norm[VC_LINK_NAME_MAX * 2];
        vc_link_date d;
        vc_error fe;
        vc_error_clear(&fe);
        int rc = VC_OK;
        switch (s->fields[i].kind) {
        case VC_LINK_FIELD_NAME:
            rc = name_tokens(v, &t, norm, sizeof norm, &fe);
            break;
        case VC_LINK_FIELD_DATE:
            rc = date_tokens(v, &t, &d, &fe);
            break;
        case VC_LINK_FIELD_SEX:
            rc = sex_tokens(v, &t, s->fields[i].name, &fe);
            break;
        case VC_LINK_FIELD_EXACT:
            /* one token, the whole normalised value (hashed below) */
            rc = vc_link_normalise_name(v, strlen(v), norm, sizeof norm, &fe);
            break;
        case VC_LINK_FIELD_COUNTRY:
            /* one token, the country's code or the normalised value */
            rc = vc_link_normalise_country(v, strlen(v), norm, sizeof norm,
                                           &fe);
            break;
        }
        if (rc != VC_OK) {
            return vc_error_set(err, rc, "column \"%s\": %s",
                                s->fields[i].column, fe.msg);
        }
        if (s->fields[i].kind == VC_LINK_FIELD_EXACT
            || s->fields[i].kind == VC_LINK_FIELD_COUNTRY) {
            if (norm[0] != '\0') {
                ntok++;
                hash_token(e, i, (const uint8_t *)salt, saltlen,
                           (const uint8_t *)norm, strlen(norm),
                           s->fields[i].bits, f);
            }
            continue;
        }
        if (t.n == 0) {
            continue;
        }
        ntok += t.n;
        unsigned k = (unsigned)((s->fields[i].bits + t.n - 1) / t.n);
        for (size_t j = 0; j < t.n; j++) {
            hash_token(e, i, (const uint8_t *)salt, saltlen, t.t[j], t.len[j],
                       k, f);
        }
    }
    if (ntok == 0) {
        /* an empty encoding matches nothing and would count as a person
         * of its own */
        return vc_error_set(err, VC_EDATA,
                            "every field is empty: nothing to encode");
    }
    size_t w = e->mwords;
    if (s->xor_fold && e->nseg > 0) {
        /* each segment folded on itself, so fields stay apart */
        size_t o = 0;
        for (size_t g = 0; g < e->nseg; g++) {
            size_t h = e->seg_len[g] / 128;
            size_t src = e->seg_off[g] / 64;
            for (size_t i = 0; i < h; i++) {
                f[o + i] = f[src + i] ^ f[src + h + i];
            }
            o += h;
        }
        w /= 2;
    } else if (s->xor_fold) {
        w /= 2;
        for (size_t i = 0; i < w; i++) {
            f[i] ^= f[w + i];
        }
    }
    if (!s->balance) {
        memcpy(filter, f, w * sizeof *f);
        return VC_OK;
    }
    /* balanced: bit i of (f, ~f) goes to position perm[i] */
    memset(filter, 0, 2 * w * sizeof *filter);
    size_t nb = 64 * w;
    for (size_t i = 0; i < 2 * nb; i++) {
        size_t src = i < nb ? i : i - nb;
        int bit = (int)(f[src / 64] >> (src % 64) & 1);
        if (i >= nb) {
            bit = !bit;
        }
        if (bit) {
            uint32_t p = e->perm[i];
            filter[p / 64] |= (uint64_t)1 << (p % 64);
        }
    }
    return VC_OK;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
}

void vc_link_key_check(const vc_link_encoder *e, char out[33])
{
    static const char label[] = "victimcount key check value";
    struct hmac_sha256_ctx ctx = e->check;
    uint8_t d[SHA256_DIGEST_SIZE];
    hmac_sha256_update(&ctx, sizeof label - 1, (const uint8_t *)label);
    hmac_sha256_digest(&ctx, sizeof d, d);
    hex(d, 16, out);
}

void vc_link_record_key(const vc_link_encoder *e, const char *list,
                        uint64_t row, char out[25])
{
    struct hmac_sha256_ctx ctx = e->id;
    uint8_t r[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (uint8_t)(row >> (56 - 8 * i));
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    hmac_sha256_update(&ctx, strlen(list) + 1, (const uint8_t *)list);
    hmac_sha256_update(&ctx, sizeof r, r);
    hmac_sha256_digest(&ctx, sizeof d, d);
    hex(d, 12, out);
}
