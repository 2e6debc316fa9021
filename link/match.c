/*
 * match.c: link the encodings of J lists into one overlap table per
 * stratum.
 *
 * Comparison.  Two encodings A, B are scored by the Dice coefficient
 * D = 2 |A & B| / (|A| + |B|) (Schnell, Bachteler & Reiher 2009, eq. 1).
 * Since |A & B| <= min(|A|, |B|), D >= t needs
 *   t |A| / (2 - t) <= |B| <= (2 - t) |A| / t,
 * so each list's records are sorted by bit count within their stratum and
 * a record of list a is compared only with the records of list b whose
 * counts lie in that window (the length filter of Schnell's PPRL
 * toolbox; anonlink prunes the same way).  Strata are blocks: records of
 * different strata are never compared.
 *
 * Field-scored sets (format 2) are screened so by the whole-filter Dice
 * at min(t, VC_LINK_FIELD_SCREEN), and the pairs that pass are scored by
 * fields (fieldscore.c).  A missing field counts VC_LINK_MISSING_CREDIT,
 * unless more records of all the lists than there are lists share the
 * pair's other segments bit for bit (ambiguity_build): at least two people
 * then hold those values, and the field counts VC_LINK_AMBIGUOUS_CREDIT.
 *
 * Clustering.  Candidate pairs (D at or above the lowest threshold asked)
 * are sorted by D, highest first (ties by list, then record: the order is
 * total, so the result never depends on threads).  Greedy: each pair
 * joins the clusters of its two records unless the joined cluster would
 * hold two records of one list; a person appears at most once per list.
 * A cluster's lists are its capture pattern.  This is the greedy solver
 * of anonlink (Data61) for many parties; for two lists it is the greedy
 * approximation of the optimal one-to-one assignment, which differs from
 * it only when a record has two close candidates.  Chains are possible
 * (A-B and B-C join A with C whatever D(A, C)).
 *
 * Memory.  Only the pairs at or above the lowest clustering threshold
 * (the band's lowest, the threshold, the sweep's) are kept, 24 bytes
 * each; the pairs between a --report score floor and it, which grow with
 * the square of the records per stratum, are counted into the histogram
 * and agreement tallies as they are found (counted, below).  The rest is
 * linear in the records: the filters read (bits/8 bytes a record), their
 * sorted copy (lists 1..J-1) and the blocked copy (lists 2..J), and with
 * fields the ambiguity counts (4 bytes a record per union of empty-field
 * masks).
 *
 * Legend: J lists, t threshold, n_j records of list j.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "link/link_impl.h"

typedef struct {
    double score;
    uint32_t la, ia, lb, ib; /* list and record (original index) */
} cand;

/* One list's records in comparison order. */
typedef struct {
    size_t n, words;
    uint32_t *stratum; /* stratum id per sorted record */
    uint32_t *pop;     /* bit count per sorted record */
    uint32_t *orig;    /* original index per sorted record */
    uint64_t *f;       /* filters in sorted order */
    uint64_t *fb;      /* the same, blocked for the screen (vci_block) */
    uint32_t *emask;   /* empty segments per sorted record (field-scored) */
    size_t *start;     /* nstrata + 1: first sorted record of stratum s */
} sorted_set;

/* The field-scored layout's ambiguity of comparisons with a field
 * missing: for each union M of two records' empty segments, how many
 * records of all the lists share record x's segments outside M. */
#define AMB_MAX_MASKS 64
typedef struct {
    size_t N, J;
    size_t nmask;
    uint32_t mask[AMB_MAX_MASKS];
    uint32_t *count; /* nmask * N */
    uint32_t *emask; /* N: each record's empty segments */
} ambiguity;

static int cand_cmp(const void *x, const void *y)
{
    const cand *a = x;
    const cand *b = y;
    if (a->score != b->score) {
        return a->score > b->score ? -1 : 1;
    }
    if (a->la != b->la) {
        return a->la < b->la ? -1 : 1;
    }
    if (a->ia != b->ia) {
        return a->ia < b->ia ? -1 : 1;
    }
    if (a->lb != b->lb) {
        return a->lb < b->lb ? -1 : 1;
    }
    return a->ib < b->ib ? -1 : a->ib > b->ib;
}

/* qsort has no context argument: the keys are packed into one 64-bit
 * value per record instead (stratum, count, index). */
static int u64_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x;
    uint64_t b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

typedef struct {
    uint64_t h;
    uint32_t x;
} hashed;

static int hashed_cmp(const void *p, const void *q)
{
    const hashed *a = p;
    const hashed *b = q;
    if (a->h != b->h) {
        return a->h < b->h ? -1 : 1;
    }
    return a->x < b->x ? -1 : a->x > b->x;
}

/* Agreement-pattern keys counted without keeping the pairs: sorted,
 * distinct keys with their counts.  Keys arrive in a buffer of TALLY_BUF
 * and are folded in by sort and merge, so a tally holds at most TALLY_BUF
 * keys plus its distinct ones (list pairs x 4 x the field patterns: a few
 * thousand), whatever the number of pairs counted. */
enum { TALLY_BUF = 4096 };
typedef struct {
    size_t n;
    uint64_t *key;
    uint64_t *count;
    size_t nbuf;
    uint64_t *buf; /* TALLY_BUF keys not yet folded in */
} tally;

static void tally_free(tally *y)
{
    free(y->key);
    free(y->count);
    free(y->buf);
    memset(y, 0, sizeof *y);
}

/* Merge the sorted distinct (key, count) of n entries into y. */
static int tally_merge(tally *y, const uint64_t *key, const uint64_t *count,
                       size_t n)
{
    size_t cap = y->n + n;
    uint64_t *k2 = malloc((cap + 1) * sizeof *k2);
    uint64_t *c2 = malloc((cap + 1) * sizeof *c2);
    if (k2 == NULL || c2 == NULL) {
        free(k2);
        free(c2);
        return VC_ENOMEM;
    }
    size_t a = 0, b = 0, m = 0;
    while (a < y->n || b < n) {
        if (b == n || (a < y->n && y->key[a] < key[b])) {
            k2[m] = y->key[a];
            c2[m++] = y->count[a++];
        } else if (a == y->n || key[b] < y->key[a]) {
            k2[m] = key[b];
            c2[m++] = count[b++];
        } else {
            k2[m] = key[b];
            c2[m++] = y->count[a++] + count[b++];
        }
    }
    free(y->key);
    free(y->count);
    y->key = k2;
    y->count = c2;
    y->n = m;
    return VC_OK;
}

/* Fold keys[0 .. n-1] (any order; sorted in place) into y. */
static int tally_fold(tally *y, uint64_t *keys, size_t n)
{
    if (n == 0) {
        return VC_OK;
    }
    qsort(keys, n, sizeof *keys, u64_cmp);
    /* distinct keys with counts, in place: the counts go to a copy */
    uint64_t *cnt = malloc(n * sizeof *cnt);
    if (cnt == NULL) {
        return VC_ENOMEM;
    }
    size_t d = 0;
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || keys[k] != keys[d - 1]) {
            keys[d] = keys[k];
            cnt[d++] = 0;
        }
        cnt[d - 1]++;
    }
    int rc = tally_merge(y, keys, cnt, d);
    free(cnt);
    return rc;
}

/* Count one key into y. */
static int tally_add(tally *y, uint64_t key)
{
    if (y->buf == NULL) {
        y->buf = malloc(TALLY_BUF * sizeof *y->buf);
        if (y->buf == NULL) {
            return VC_ENOMEM;
        }
    }
    y->buf[y->nbuf++] = key;
    if (y->nbuf == TALLY_BUF) {
        y->nbuf = 0;
        return tally_fold(y, y->buf, TALLY_BUF);
    }
    return VC_OK;
}

/* The agreement key of a pair of lists la < lb scored sc (agreement_count). */
static uint64_t agree_key_of(size_t J, uint32_t la, uint32_t lb, double sc,
                             double t, const uint64_t *x, const uint64_t *y,
                             const vc_link_set *L)
{
    return (uint64_t)(la * J + lb) << 34
           | (uint64_t)(sc >= VC_LINK_FS_ANCHOR) << 33
           | (uint64_t)(sc >= t) << 32
           | vci_agreement_pattern(x, y, L->nseg, L->seg_words);
}

static void ambiguity_free(ambiguity *am)
{
    free(am->count);
    free(am->emask);
}

/* Fill am for the J sets (field-scored), records numbered by offset. */
static int ambiguity_build(const vc_link_set *const *sets, size_t J,
                           const size_t *offset, ambiguity *am)
{
    const vc_link_set *L = sets[0];
    size_t N = offset[J];
    memset(am, 0, sizeof *am);
    am->N = N;
    am->J = J;
    am->emask = malloc((N + 1) * sizeof *am->emask);
    hashed *hs = malloc((N + 1) * sizeof *hs);
    if (am->emask == NULL || hs == NULL) {
        free(hs);
        return VC_ENOMEM;
    }
    /* the distinct empty masks, then their pairwise unions */
    uint32_t seen[AMB_MAX_MASKS];
    size_t nseen = 0;
    for (size_t j = 0; j < J; j++) {
        for (size_t i = 0; i < sets[j]->n; i++) {
            uint32_t m = vci_empty_mask(sets[j]->filters + i * L->words,
                                        L->nseg, L->seg_words);
            am->emask[offset[j] + i] = m;
            size_t k = 0;
            while (k < nseen && seen[k] != m) {
                k++;
            }
            if (k == nseen && nseen < AMB_MAX_MASKS) {
                seen[nseen++] = m;
            }
        }
    }
    for (size_t a = 0; a < nseen; a++) {
        for (size_t b = a; b < nseen; b++) {
            uint32_t m = seen[a] | seen[b];
            size_t k = 0;
            while (k < am->nmask && am->mask[k] != m) {
                k++;
            }
            if (m != 0 && k == am->nmask && am->nmask < AMB_MAX_MASKS) {
                am->mask[am->nmask++] = m;
            }
        }
    }
    am->count = malloc((am->nmask * N + 1) * sizeof *am->count);
    if (am->count == NULL) {
        free(hs);
        return VC_ENOMEM;
    }
    for (size_t k = 0; k < am->nmask; k++) {
        for (size_t j = 0; j < J; j++) {
            for (size_t i = 0; i < sets[j]->n; i++) {
                size_t x = offset[j] + i;
                hs[x].h = vci_segments_hash(sets[j]->filters + i * L->words,
                                            L->nseg, L->seg_words,
                                            am->mask[k]);
                hs[x].x = (uint32_t)x;
            }
        }
        qsort(hs, N, sizeof *hs, hashed_cmp);
        for (size_t a = 0; a < N;) {
            size_t b = a;
            while (b < N && hs[b].h == hs[a].h) {
                b++;
            }
            for (size_t c = a; c < b; c++) {
                am->count[k * N + hs[c].x] = (uint32_t)(b - a);
            }
            a = b;
        }
    }
    free(hs);
    return VC_OK;
}

/* The missing-field credit of records x and y (numbered by offset). */
static double ambiguity_credit(const ambiguity *am, size_t x, size_t y)
{
    uint32_t m = am->emask[x] | am->emask[y];
    if (m == 0) {
        return VC_LINK_MISSING_CREDIT;
    }
    for (size_t k = 0; k < am->nmask; k++) {
        if (am->mask[k] == m) {
            size_t c = am->count[k * am->N + x];
            size_t d = am->count[k * am->N + y];
            return (c > am->J || d > am->J) ? VC_LINK_AMBIGUOUS_CREDIT
                                            : VC_LINK_MISSING_CREDIT;
        }
    }
    return VC_LINK_MISSING_CREDIT;
}

static const char *stratum_key(const vc_link_set *s, size_t i, char *buf,
                               size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < s->nstrata; k++) {
        int w = snprintf(buf + len, size - len, "%s%s", k ? "\x1f" : "",
                         s->strata[i * s->nstrata + k]);
        if (w < 0 || (size_t)w >= size - len) {
            break;
        }
        len += (size_t)w;
    }
    return buf;
}

static int str_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Union-find with the lists of each cluster as a mask at its root. */
static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* Cluster the candidates cs[0 .. nc-1] (sorted, all >= t) into parent
 * (filled, N entries) and mask; returns the pairs that joined clusters;
 * pair_matches unused here. */
static uint64_t cluster(const cand *cs, size_t nc, const size_t *offset,
                        size_t N, size_t *parent, uint32_t *mask,
                        const uint32_t *list_of)
{
    for (size_t x = 0; x < N; x++) {
        parent[x] = x;
        mask[x] = 1u << list_of[x];
    }
    uint64_t joined = 0;
    for (size_t i = 0; i < nc; i++) {
        size_t x = uf_find(parent, offset[cs[i].la] + cs[i].ia);
        size_t y = uf_find(parent, offset[cs[i].lb] + cs[i].ib);
        if (x == y || (mask[x] & mask[y]) != 0) {
            continue;
        }
        /* the smaller index becomes the root: deterministic */
        if (y < x) {
            size_t t = x;
            x = y;
            y = t;
        }
        parent[y] = x;
        mask[x] |= mask[y];
        joined++;
    }
    return joined;
}

void vc_link_result_free(vc_link_result *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->ntables; i++) {
        vc_table_free(r->tables[i]);
    }
    free(r->tables);
    for (size_t w = 0; w < r->nsweep; w++) {
        for (size_t i = 0; r->sweep_tables[w] && i < r->sweep_ntables[w]; i++) {
            vc_table_free(r->sweep_tables[w][i]);
        }
        free(r->sweep_tables[w]);
    }
    free(r->sweep_tables);
    free(r->sweep_ntables);
    free(r->pair_candidates);
    free(r->hist);
    free(r->agree_key);
    free(r->agree_count);
    free(r->agree_missing);
    free(r->pair_matches);
    free(r->cluster);
    free(r);
}

double vc_link_dice(const uint64_t *a, const uint64_t *b, size_t words)
{
    uint64_t pa = vci_popcount(a, words);
    uint64_t pb = vci_popcount(b, words);
    if (pa + pb == 0) {
        return 0.0;
    }
    return 2.0 * (double)vci_popcount_and(a, b, words) / (double)(pa + pb);
}

int vc_link_check_sets(const vc_link_set *const *sets, size_t J,
                       vc_error *err)
{
    if (J < 2 || J > VC_MAX_LISTS) {
        return vc_error_set(err, VC_EINVAL,
                            "link: %zu encoding files; 2 to %d are needed", J,
                            VC_MAX_LISTS);
    }
    const vc_link_set *a = sets[0];
    for (size_t j = 1; j < J; j++) {
        const vc_link_set *b = sets[j];
        if (strcmp(a->schema, b->schema) != 0) {
            return vc_error_set(err, VC_EDATA,
                                "%s and %s were encoded with different "
                                "schemas (schema %.12s... and %.12s...): "
                                "encode both with the same schema file and "
                                "the same version of victimcount (versions "
                                "that encoded nationality as text, not as "
                                "its ISO 3166-1 code, made encodings that "
                                "must be made again)",
                                a->source, b->source, a->schema, b->schema);
        }
        if (strcmp(a->key_check, b->key_check) != 0) {
            return vc_error_set(err, VC_EDATA,
                                "%s and %s were encoded with different "
                                "secrets (key checks %s and %s): their "
                                "encodings cannot be compared",
                                a->source, b->source, a->key_check,
                                b->key_check);
        }
        if (a->bits != b->bits) {
            return vc_error_set(err, VC_EDATA, "%s and %s: %zu and %zu bits",
                                a->source, b->source, a->bits, b->bits);
        }
        int same_seg = a->nseg == b->nseg;
        for (size_t g = 0; same_seg && g < a->nseg; g++) {
            same_seg = a->seg_words[g] == b->seg_words[g]
                       && a->seg_weight[g] == b->seg_weight[g];
        }
        if (!same_seg) {
            return vc_error_set(err, VC_EDATA,
                                "%s and %s: different field segments or "
                                "weights (formats %d and %d)",
                                a->source, b->source, a->nseg ? 2 : 1,
                                b->nseg ? 2 : 1);
        }
        int same = a->nstrata == b->nstrata;
        for (size_t k = 0; same && k < a->nstrata; k++) {
            same = strcmp(a->strata_cols[k], b->strata_cols[k]) == 0;
        }
        if (!same) {
            return vc_error_set(err, VC_EDATA,
                                "%s and %s keep different stratum columns "
                                "in clear",
                                a->source, b->source);
        }
        if (b->n > UINT32_MAX) {
            return vc_error_set(err, VC_EDATA, "%s: too many records",
                                b->source);
        }
    }
    return VC_OK;
}

/* The window of list B's records (sorted by stratum, then bit count)
 * whose bit counts can reach Dice `screen` with record i of A: [*x, *y). */
static void pop_window(const sorted_set *A, const sorted_set *B, size_t i,
                       double screen, size_t *x, size_t *y)
{
    uint32_t s = A->stratum[i];
    size_t b0 = B->start[s];
    size_t b1 = B->start[s + 1];
    double pa = A->pop[i];
    /* the window of bit counts that can reach t */
    double lo = ceil(pa * screen / (2.0 - screen) - 1e-9);
    double hi = floor(pa * (2.0 - screen) / screen + 1e-9);
    /* binary search: first with pop >= lo, first with pop > hi */
    size_t l = b0;
    size_t r = b1;
    while (l < r) {
        size_t mid = l + (r - l) / 2;
        if ((double)B->pop[mid] < lo) {
            l = mid + 1;
        } else {
            r = mid;
        }
    }
    *x = l;
    r = b1;
    while (l < r) {
        size_t mid = l + (r - l) / 2;
        if ((double)B->pop[mid] <= hi) {
            l = mid + 1;
        } else {
            r = mid;
        }
    }
    *y = l;
}

/* Tiles of A's records (consecutive in comparison order, so with nearly
 * the same windows) are compared with B one chunk of B at a time: a
 * chunk's blocked filters (CHUNK x 128 bytes at 1024 bits) stay in the
 * core's L2 cache while the tile's probes, VCI_PROBES to a kernel call,
 * pass over it, instead of each record of A streaming all of B from
 * memory. */
enum { TILE = 64, CHUNK = 2048 };

/* The pairs that no clustering reads (Dice below every threshold asked,
 * kept only for the linkage-error model's histogram and agreement
 * patterns under a score floor) are counted where they are found, not
 * kept: with --report they are most of the pairs, and their number grows
 * with the square of the records per stratum. */
typedef struct {
    double tkeep;   /* pairs at or above are kept as candidates */
    double t;       /* the threshold of the agreement keys */
    size_t J;
    uint64_t *hist; /* J * J * VC_LINK_HIST, as vc_link_result.hist */
    tally agree;    /* agreement keys (field-scored sets) */
} counted;

/* Compare sorted list a with sorted list b (a < b) at threshold t; append
 * candidates to *cs (realloc'd).  Parallel over tiles of a's records; the
 * candidates are sorted later, so their order here does not matter. */
static int compare_pair(const sorted_set *A, const sorted_set *B, uint32_t la,
                        uint32_t lb, size_t nstrata, double t,
                        const vc_link_set *layout, const ambiguity *am,
                        const size_t *offset, int kernel, int threads,
                        cand **cs, size_t *nc, size_t *cap,
                        uint64_t *comparisons, uint64_t *pruned,
                        counted *below)
{
    size_t words = A->words;
    /* field-scored: screen by the whole Dice, then score by fields */
    double screen = t;
    if (layout->nseg > 0 && VC_LINK_FIELD_SCREEN < t) {
        screen = VC_LINK_FIELD_SCREEN;
    }
    uint64_t ncmp = 0;
    uint64_t nprune = 0;
    int oom = 0;
    size_t ntiles = (A->n + TILE - 1) / TILE;
    int nt = threads;
#ifdef _OPENMP
    if (nt <= 0) {
        nt = omp_get_max_threads();
    }
#else
    nt = 1;
#endif
#pragma omp parallel num_threads(nt) reduction(+ : ncmp, nprune)
    {
        cand *mine = NULL;
        size_t nm = 0;
        size_t mcap = 0;
        vci_hit *hits = malloc(VCI_PROBES * CHUNK * sizeof *hits);
        uint64_t *brow = malloc(words * sizeof *brow);
        size_t nhist = below->J * below->J * VC_LINK_HIST;
        uint64_t *hmine = calloc(nhist, sizeof *hmine);
        tally amine;
        memset(&amine, 0, sizeof amine);
        size_t wx[TILE], wy[TILE];
        if (hits == NULL || brow == NULL || hmine == NULL) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t g = 0; g < ntiles; g++) {
            size_t i0 = g * TILE;
            size_t i1 = i0 + TILE < A->n ? i0 + TILE : A->n;
            size_t lo = SIZE_MAX;
            size_t hi = 0;
            for (size_t i = i0; i < i1; i++) {
                wx[i - i0] = wy[i - i0] = 0;
                if (A->stratum[i] >= nstrata || hits == NULL || brow == NULL
                    || hmine == NULL) {
                    continue;
                }
                size_t x, y;
                pop_window(A, B, i, screen, &x, &y);
                uint32_t s = A->stratum[i];
                nprune += (B->start[s + 1] - B->start[s]) - (y - x);
                ncmp += y - x;
                if (y > x) {
                    wx[i - i0] = x;
                    wy[i - i0] = y;
                    lo = x < lo ? x : lo;
                    hi = y > hi ? y : hi;
                }
            }
            for (size_t c0 = lo; c0 < hi; c0 += CHUNK) {
                size_t c1 = c0 + CHUNK < hi ? c0 + CHUNK : hi;
                for (size_t q0 = i0; q0 < i1; q0 += VCI_PROBES) {
                    vci_probe pr[VCI_PROBES];
                    size_t np = i1 - q0 < VCI_PROBES ? i1 - q0 : VCI_PROBES;
                    int any = 0;
                    for (size_t q = 0; q < np; q++) {
                        size_t i = q0 + q;
                        size_t x = wx[i - i0] > c0 ? wx[i - i0] : c0;
                        size_t y = wy[i - i0] < c1 ? wy[i - i0] : c1;
                        pr[q].a = A->f + i * words;
                        pr[q].pa = A->pop[i];
                        pr[q].x = y > x ? x : 0;
                        pr[q].y = y > x ? y : 0;
                        any |= y > x;
                    }
                    if (!any) {
                        continue;
                    }
                    size_t nh = vci_scan(kernel, pr, np, B->fb, B->pop, words,
                                         screen, hits);
                    if (nm + nh > mcap) {
                        size_t ncap = mcap ? 2 * mcap : 256;
                        while (ncap < nm + nh) {
                            ncap *= 2;
                        }
                        cand *nmine = realloc(mine, ncap * sizeof *nmine);
                        if (nmine == NULL) {
#pragma omp atomic write
                            oom = 1;
                            continue;
                        }
                        mine = nmine;
                        mcap = ncap;
                    }
                    for (size_t h = 0; h < nh; h++) {
                        size_t i = q0 + hits[h].probe;
                        size_t j = hits[h].j;
                        double sc = hits[h].score;
                        if (layout->nseg > 0) {
                            /* no field missing on either side: no credit
                             * is used, and the lookups would miss cache */
                            double credit = (A->emask[i] | B->emask[j]) == 0
                                                ? VC_LINK_MISSING_CREDIT
                                                : ambiguity_credit(
                                                    am, offset[la] + A->orig[i],
                                                    offset[lb] + B->orig[j]);
                            /* B's record from the chunk just scanned */
                            const uint64_t *blk =
                                B->fb + j / VCI_LANES * VCI_LANES * words
                                + j % VCI_LANES;
                            for (size_t w = 0; w < words; w++) {
                                brow[w] = blk[w * VCI_LANES];
                            }
                            sc = vci_field_score(
                                A->f + i * words, brow, layout->nseg,
                                layout->seg_words, layout->seg_weight, credit);
                            if (sc < t) {
                                continue;
                            }
                        }
                        if (sc < below->tkeep) {
                            size_t bin = (size_t)(sc * VC_LINK_HIST);
                            bin = bin >= VC_LINK_HIST ? VC_LINK_HIST - 1 : bin;
                            hmine[(la * below->J + lb) * VC_LINK_HIST + bin]++;
                            if (layout->nseg > 0
                                && tally_add(&amine,
                                             agree_key_of(below->J, la, lb, sc,
                                                          below->t,
                                                          A->f + i * words,
                                                          brow, layout))
                                       != VC_OK) {
#pragma omp atomic write
                                oom = 1;
                            }
                            continue;
                        }
                        mine[nm].score = sc;
                        mine[nm].la = la;
                        mine[nm].ia = A->orig[i];
                        mine[nm].lb = lb;
                        mine[nm].ib = B->orig[j];
                        nm++;
                    }
                }
            }
        }
        free(hits);
        free(brow);
        if (tally_fold(&amine, amine.buf, amine.nbuf) != VC_OK) {
#pragma omp atomic write
            oom = 1;
        }
#pragma omp critical(vc_link_cands)
        {
            for (size_t k = 0; hmine != NULL && k < nhist; k++) {
                below->hist[k] += hmine[k];
            }
            if (tally_merge(&below->agree, amine.key, amine.count, amine.n)
                != VC_OK) {
                oom = 1;
            }
            /* grown to fit, not doubled: the per-thread vectors are
             * already the bulk of it */
            if (*nc + nm > *cap) {
                size_t ncap = *nc + nm;
                cand *n2 = realloc(*cs, ncap * sizeof *n2);
                if (n2 == NULL) {
                    oom = 1;
                } else {
                    *cs = n2;
                    *cap = ncap;
                }
            }
            if (*nc + nm <= *cap && nm > 0) {
                memcpy(*cs + *nc, mine, nm * sizeof *mine);
                *nc += nm;
            }
        }
        free(mine);
        free(hmine);
        tally_free(&amine);
    }
    *comparisons += ncmp;
    *pruned += nprune;
    return oom ? VC_ENOMEM : VC_OK;
}

/* The agreement patterns of the candidates cs[0 .. nc-1] of field-scored
 * sets and of the pairs counted below them (below->agree), by list pair,
 * side of the threshold t and pattern, into r->agree_* (the
 * Fellegi-Sunter model of linkerr.c reads them). */
static int agreement_count(const vc_link_set *const *sets, size_t J,
                           const cand *cs, size_t nc, double t,
                           counted *below, vc_link_result *r)
{
    const vc_link_set *L = sets[0];
    size_t words = L->words;
    uint64_t *key = malloc((nc + 1) * sizeof *key);
    if (key == NULL) {
        return VC_ENOMEM;
    }
    for (size_t k = 0; k < nc; k++) {
        const uint64_t *x = sets[cs[k].la]->filters + (size_t)cs[k].ia * words;
        const uint64_t *y = sets[cs[k].lb]->filters + (size_t)cs[k].ib * words;
        key[k] = agree_key_of(J, cs[k].la, cs[k].lb, cs[k].score, t, x, y, L);
    }
    int rc = tally_fold(&below->agree, key, nc);
    free(key);
    if (rc != VC_OK) {
        return rc;
    }
    size_t nk = below->agree.n;
    r->agree_fields = L->nseg;
    r->agree_key = malloc((nk + 1) * sizeof *r->agree_key);
    r->agree_count = malloc((nk + 1) * sizeof *r->agree_count);
    r->agree_missing = calloc(J * L->nseg + 1, sizeof *r->agree_missing);
    if (r->agree_key == NULL || r->agree_count == NULL
        || r->agree_missing == NULL) {
        return VC_ENOMEM;
    }
    for (size_t j = 0; j < J; j++) {
        for (size_t i = 0; i < sets[j]->n; i++) {
            uint32_t m = vci_empty_mask(sets[j]->filters + i * words, L->nseg,
                                        L->seg_words);
            for (size_t g = 0; g < L->nseg; g++) {
                r->agree_missing[j * L->nseg + g] += m >> g & 1u;
            }
        }
        for (size_t g = 0; g < L->nseg && sets[j]->n > 0; g++) {
            r->agree_missing[j * L->nseg + g] /= (double)sets[j]->n;
        }
    }
    if (nk > 0) {
        memcpy(r->agree_key, below->agree.key, nk * sizeof *r->agree_key);
        memcpy(r->agree_count, below->agree.count,
               nk * sizeof *r->agree_count);
    }
    r->nagree = nk;
    return VC_OK;
}

static void sorted_set_free(sorted_set *s)
{
    free(s->stratum);
    free(s->pop);
    free(s->orig);
    free(s->f);
    free(s->fb);
    free(s->emask);
    free(s->start);
}

/* The overlap tables of the clusters in parent/mask: one per stratum, in
 * stratum order (*tables returned, *ntables of them); *people the number
 * of clusters; pair_matches (may be NULL) counts clusters holding both
 * lists of each pair. */
static int build_tables(const vc_link_set *const *sets, size_t J,
                        const char *const *names, uint32_t *const *sid,
                        char *const *keys, const size_t *offset, size_t *parent,
                        const uint32_t *mask, vc_table ***tables,
                        size_t *ntables, uint64_t *people,
                        uint64_t *pair_matches, vc_error *err)
{
    size_t N = offset[J];
    size_t nkeys = 0;
    int rc = VC_OK;
    uint64_t *byst = malloc((N + 1) * sizeof *byst);
    uint32_t *rows = malloc((N + 1) * sizeof *rows);
    uint64_t *counts = malloc((N + 1) * sizeof *counts);
    if (byst == NULL || rows == NULL || counts == NULL) {
        free(byst);
        free(rows);
        free(counts);
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    /* each cluster's (stratum, pattern), from its root */
    size_t nr = 0;
    for (size_t j = 0; j < J; j++) {
        for (size_t i = 0; i < sets[j]->n; i++) {
            size_t x = offset[j] + i;
            if (uf_find(parent, x) == x) {
                byst[nr++] = (uint64_t)sid[j][i] << 32 | mask[x];
            }
        }
    }
    *people = nr;
    qsort(byst, nr, sizeof *byst, u64_cmp);
    for (size_t x = 0; x < nr && pair_matches != NULL; x++) {
        uint32_t m = (uint32_t)byst[x];
        for (size_t a = 0; a < J; a++) {
            for (size_t b = a + 1; b < J; b++) {
                if ((m >> a & 1) && (m >> b & 1)) {
                    pair_matches[a * J + b]++;
                }
            }
        }
    }
    for (size_t x = 0; x < nr; x++) {
        if (x == 0 || byst[x] >> 32 != byst[x - 1] >> 32) {
            nkeys++;
        }
    }
    *ntables = 0;
    *tables = calloc(nkeys + 1, sizeof **tables);
    if (*tables == NULL) {
        rc = vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    size_t x = 0;
    while (x < nr && rc == VC_OK) {
        uint32_t s = (uint32_t)(byst[x] >> 32);
        size_t np = 0;
        while (x < nr && (uint32_t)(byst[x] >> 32) == s) {
            uint32_t m = (uint32_t)byst[x];
            if (np > 0 && rows[np - 1] == m) {
                counts[np - 1]++;
            } else {
                rows[np] = m;
                counts[np++] = 1;
            }
            x++;
        }
        vc_table *tb = vc_table_from_counts(J, names, np, rows, counts, err);
        if (tb == NULL) {
            rc = err ? err->code : VC_ENOMEM;
            break;
        }
        (*tables)[(*ntables)++] = tb;
        if (sets[0]->nstrata > 0) {
            /* the stratum's values, split back from its key */
            char *copy = strdup(keys[s]);
            const char *vals[VC_MAX_LISTS + 2];
            size_t nv = 0;
            if (copy == NULL) {
                rc = vc_error_set(err, VC_ENOMEM, "out of memory");
                break;
            }
            char *p = copy;
            for (;;) {
                vals[nv++] = p;
                char *sep = strchr(p, '\x1f');
                if (sep == NULL || nv == sets[0]->nstrata) {
                    break;
                }
                *sep = '\0';
                p = sep + 1;
            }
            rc = vc_table_set_stratum(tb, nv, vals, err);
            free(copy);
        }
    }
    free(byst);
    free(rows);
    free(counts);
    return rc;
}

int vc_link_run(const vc_link_set *const *sets, size_t J,
                const char *const *names, const vc_link_opts *opts,
                vc_link_result **out, vc_error *err)
{
    *out = NULL;
    int rc = vc_link_check_sets(sets, J, err);
    if (rc != VC_OK) {
        return rc;
    }
    double t = opts->threshold;
    if (!(t > 0.0 && t <= 1.0)) {
        return vc_error_set(err, VC_EINVAL,
                            "threshold %g: expected a number in (0, 1]", t);
    }
    vc_link_result *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return vc_error_set(err, VC_ENOMEM, "out of memory");
    }
    r->J = J;
    int kernel = opts->portable ? VCI_KERNEL_PORTABLE : vci_scan_best();
    r->popcount = vci_scan_name(kernel);
    for (size_t i = 0; i < VC_LINK_BAND; i++) {
        double b = t + ((double)i - (VC_LINK_BAND - 1) / 2) * opts->band_step;
        r->band[i] = b < 0.01 ? 0.01 : b > 1.0 ? 1.0 : b;
    }
    double tlow = r->band[0] < t ? r->band[0] : t;
    for (size_t w = 0; w < opts->nsweep; w++) {
        if (!(opts->sweep[w] > 0.0 && opts->sweep[w] <= 1.0)) {
            vc_link_result_free(r);
            return vc_error_set(err, VC_EINVAL,
                                "threshold %g: expected a number in (0, 1]",
                                opts->sweep[w]);
        }
        tlow = opts->sweep[w] < tlow ? opts->sweep[w] : tlow;
    }
    /* the band's lowest: `candidates` counts from here, whatever floor */
    double tband = tlow;
    if (opts->score_floor > 0.0 && opts->score_floor < tlow) {
        tlow = opts->score_floor;
    }
    r->hist_floor = tlow;
    size_t words = sets[0]->words;
    size_t nkeys = 0;
    size_t N = 0;
    size_t offset[VC_MAX_LISTS + 1];
    char **keys = NULL;
    uint32_t **sid = calloc(J, sizeof *sid);
    sorted_set *ss = calloc(J, sizeof *ss);
    cand *cs = NULL;
    size_t nc = 0;
    size_t cap = 0;
    size_t *parent = NULL;
    uint32_t *mask = NULL;
    uint32_t *list_of = NULL;
    ambiguity am;
    memset(&am, 0, sizeof am);
    counted below;
    memset(&below, 0, sizeof below);
    below.tkeep = tband;
    below.t = t;
    below.J = J;
    r->pair_candidates = calloc(J * J, sizeof *r->pair_candidates);
    r->pair_matches = calloc(J * J, sizeof *r->pair_matches);
    r->hist = calloc(J * J * VC_LINK_HIST, sizeof *r->hist);
    below.hist = r->hist;
    if (sid == NULL || ss == NULL || r->pair_candidates == NULL
        || r->pair_matches == NULL || r->hist == NULL) {
        rc = vc_error_set(err, VC_ENOMEM, "out of memory");
        goto done;
    }
    /* stratum ids: the distinct stratum keys of all lists, sorted */
    for (size_t j = 0; j < J; j++) {
        offset[j] = N;
        N += sets[j]->n;
    }
    offset[J] = N;
    keys = calloc(N + 1, sizeof *keys);
    if (keys == NULL) {
        rc = vc_error_set(err, VC_ENOMEM, "out of memory");
        goto done;
    }
    {
        char buf[4096];
        size_t nk = 0;
        for (size_t j = 0; j < J && rc == VC_OK; j++) {
            for (size_t i = 0; i < sets[j]->n; i++) {
                keys[nk] = strdup(stratum_key(sets[j], i, buf, sizeof buf));
                if (keys[nk++] == NULL) {
                    rc = vc_error_set(err, VC_ENOMEM, "out of memory");
                    break;
                }
            }
        }
        if (rc != VC_OK) {
            nkeys = nk;
            goto done;
        }
        qsort(keys, nk, sizeof *keys, str_cmp);
        size_t u = 0;
        for (size_t i = 0; i < nk; i++) {
            if (u > 0 && strcmp(keys[u - 1], keys[i]) == 0) {
                free(keys[i]);
            } else {
                keys[u++] = keys[i];
            }
        }
        nkeys = u;
        if (nkeys >= (1u << 16)) {
            rc = vc_error_set(err, VC_EINVAL, "link: more than 65535 strata");
            goto done;
        }
        for (size_t j = 0; j < J; j++) {
            sid[j] = malloc((sets[j]->n + 1) * sizeof **sid);
            if (sid[j] == NULL) {
                rc = vc_error_set(err, VC_ENOMEM, "out of memory");
                goto done;
            }
            for (size_t i = 0; i < sets[j]->n; i++) {
                const char *k = stratum_key(sets[j], i, buf, sizeof buf);
                char **hit = bsearch(&k, keys, nkeys, sizeof *keys, str_cmp);
                sid[j][i] = (uint32_t)(hit - keys);
            }
        }
    }
    /* each list in comparison order: (stratum, bit count, index) */
    for (size_t j = 0; j < J; j++) {
        const vc_link_set *s = sets[j];
        sorted_set *o = &ss[j];
        o->n = s->n;
        o->words = words;
        uint64_t *key = malloc((s->n + 1) * sizeof *key);
        o->stratum = malloc((s->n + 1) * sizeof *o->stratum);
        /* zeros up to the end of the last block: the kernels read them */
        o->pop = calloc(vci_block_words(s->n, 1) + 1, sizeof *o->pop);
        o->orig = malloc((s->n + 1) * sizeof *o->orig);
        o->f = malloc((s->n * words + 1) * sizeof *o->f);
        o->start = calloc(nkeys + 2, sizeof *o->start);
        if (key == NULL || o->stratum == NULL || o->pop == NULL
            || o->orig == NULL || o->f == NULL || o->start == NULL) {
            free(key);
            rc = vc_error_set(err, VC_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < s->n; i++) {
            uint64_t p = vci_popcount(s->filters + i * words, words);
            key[i] = (uint64_t)sid[j][i] << 48 | p << 32 | i;
        }
        qsort(key, s->n, sizeof *key, u64_cmp);
        for (size_t i = 0; i < s->n; i++) {
            size_t k = (size_t)(key[i] & 0xffffffffu);
            o->orig[i] = (uint32_t)k;
            o->stratum[i] = (uint32_t)(key[i] >> 48);
            o->pop[i] = (uint32_t)(key[i] >> 32 & 0xffff);
            memcpy(o->f + i * words, s->filters + k * words,
                   words * sizeof *o->f);
            o->start[o->stratum[i] + 1]++;
        }
        for (size_t k = 0; k < nkeys; k++) {
            o->start[k + 1] += o->start[k];
        }
        free(key);
        /* the first list is only ever compared as A, by rows */
        if (j > 0) {
            o->fb = malloc((vci_block_words(s->n, words) + 1) * sizeof *o->fb);
            if (o->fb == NULL) {
                rc = vc_error_set(err, VC_ENOMEM, "out of memory");
                goto done;
            }
            vci_block(o->f, s->n, words, o->fb);
        }
        /* the last list is only ever compared as B, by blocks */
        if (j == J - 1 && j > 0) {
            free(o->f);
            o->f = NULL;
        }
    }
    if (sets[0]->nseg > 0) {
        if (ambiguity_build(sets, J, offset, &am) != VC_OK) {
            rc = vc_error_set(err, VC_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t j = 0; j < J; j++) {
            ss[j].emask = malloc((ss[j].n + 1) * sizeof *ss[j].emask);
            if (ss[j].emask == NULL) {
                rc = vc_error_set(err, VC_ENOMEM, "out of memory");
                goto done;
            }
            for (size_t i = 0; i < ss[j].n; i++) {
                ss[j].emask[i] = am.emask[offset[j] + ss[j].orig[i]];
            }
        }
    }
    for (size_t a = 0; a < J && rc == VC_OK; a++) {
        for (size_t b = a + 1; b < J && rc == VC_OK; b++) {
            rc = compare_pair(&ss[a], &ss[b], (uint32_t)a, (uint32_t)b, nkeys,
                              tlow, sets[0], &am, offset, kernel,
                              opts->threads, &cs, &nc, &cap, &r->comparisons,
                              &r->pruned, &below);
            if (rc != VC_OK) {
                vc_error_set(err, rc, "out of memory");
            }
        }
    }
    if (rc != VC_OK) {
        goto done;
    }
    qsort(cs, nc, sizeof *cs, cand_cmp);
    /* r->hist holds the pairs below tband already (compare_pair) */
    r->candidates = 0;
    for (size_t k = 0; k < nc; k++) {
        size_t bin = (size_t)(cs[k].score * VC_LINK_HIST);
        bin = bin >= VC_LINK_HIST ? VC_LINK_HIST - 1 : bin;
        r->hist[(cs[k].la * J + cs[k].lb) * VC_LINK_HIST + bin]++;
        r->candidates += cs[k].score >= tband;
    }
    if (sets[0]->nseg > 0) {
        rc = agreement_count(sets, J, cs, nc, t, &below, r);
        if (rc != VC_OK) {
            vc_error_set(err, rc, "out of memory");
            goto done;
        }
    }
    parent = malloc((N + 1) * sizeof *parent);
    mask = malloc((N + 1) * sizeof *mask);
    list_of = malloc((N + 1) * sizeof *list_of);
    if (parent == NULL || mask == NULL || list_of == NULL) {
        rc = vc_error_set(err, VC_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < J; j++) {
        for (size_t i = offset[j]; i < offset[j + 1]; i++) {
            list_of[i] = (uint32_t)j;
        }
    }
    /* the band: clusters and joined pairs at each threshold */
    for (size_t bnd = 0; bnd < VC_LINK_BAND; bnd++) {
        size_t k = 0;
        while (k < nc && cs[k].score >= r->band[bnd]) {
            k++;
        }
        r->band_matches[bnd] = cluster(cs, k, offset, N, parent, mask, list_of);
        r->band_people[bnd] = N - r->band_matches[bnd];
    }
    size_t kt = 0;
    while (kt < nc && cs[kt].score >= t) {
        r->pair_candidates[cs[kt].la * J + cs[kt].lb]++;
        kt++;
    }
    cluster(cs, kt, offset, N, parent, mask, list_of);
    memcpy(r->offset, offset, (J + 1) * sizeof *offset);
    if (opts->keep_clusters) {
        r->cluster = malloc((N + 1) * sizeof *r->cluster);
        if (r->cluster == NULL) {
            rc = vc_error_set(err, VC_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t x = 0; x < N; x++) {
            r->cluster[x] = (uint32_t)uf_find(parent, x);
        }
    }
    rc =
        build_tables(sets, J, names, sid, keys, offset, parent, mask,
                     &r->tables, &r->ntables, &r->people, r->pair_matches, err);
    if (rc != VC_OK) {
        goto done;
    }
    /* the sweep: the tables at each threshold asked for */
    if (opts->nsweep > 0) {
        r->sweep_tables = calloc(opts->nsweep, sizeof *r->sweep_tables);
        r->sweep_ntables = calloc(opts->nsweep, sizeof *r->sweep_ntables);
        if (r->sweep_tables == NULL || r->sweep_ntables == NULL) {
            rc = vc_error_set(err, VC_ENOMEM, "out of memory");
            goto done;
        }
        r->nsweep = opts->nsweep;
        for (size_t w = 0; w < opts->nsweep && rc == VC_OK; w++) {
            size_t k = 0;
            while (k < nc && cs[k].score >= opts->sweep[w]) {
                k++;
            }
            uint64_t people = 0;
            cluster(cs, k, offset, N, parent, mask, list_of);
            rc = build_tables(sets, J, names, sid, keys, offset, parent, mask,
                              &r->sweep_tables[w], &r->sweep_ntables[w],
                              &people, NULL, err);
        }
    }
done:
    ambiguity_free(&am);
    tally_free(&below.agree);
    for (size_t i = 0; i < nkeys; i++) {
        free(keys[i]);
    }
    free(keys);
    for (size_t j = 0; ss != NULL && j < J; j++) {
        sorted_set_free(&ss[j]);
    }
    free(ss);
    for (size_t j = 0; sid != NULL && j < J; j++) {
        free(sid[j]);
    }
    free(sid);
    free(cs);
    free(parent);
    free(mask);
    free(list_of);
    if (rc != VC_OK) {
        vc_link_result_free(r);
        return rc;
    }
    *out = r;
    return VC_OK;
}
