/*
 * vc_link.h: privacy-preserving record linkage.  Each office turns its
 * list of people into keyed Bloom-filter encodings on its own machine
 * (the cryptographic long-term key, CLK: Schnell, Bachteler & Reiher
 * 2009, "Privacy-preserving record linkage using Bloom filters", BMC
 * Medical Informatics and Decision Making 9:41); a hub links the
 * encodings of several lists by their Dice similarity into the overlap
 * table (vc_table) that every estimator reads.  No name or date leaves
 * an office; the hub never needs the secret.
 *
 * Legend: m bits per filter; for a field, t its tokens (q-grams of a
 * name, features of a date) and k = ceil(b / |t|) hash positions per
 * token, b the field's bit budget; Dice(A, B) = 2 |A & B| / (|A| + |B|)
 * with |.| the number of set bits; J lists.
 *
 * The module depends on core and data (layout: core <- data <- link) and
 * on ICU (normalisation) and nettle (HKDF, HMAC-SHA256, base64).
 */
#ifndef VC_LINK_H
#define VC_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/vc_core.h"
#include "data/vc_data.h"

/* Longest name (bytes of UTF-8) a field may hold. */
#define VC_LINK_NAME_MAX 256
/* Filter sizes a schema may ask for: a multiple of 64 bits, at most
 * 8192 (clkhash's schemas use 1024 to 4096). */
#define VC_LINK_MAX_BITS 8192
#define VC_LINK_MAX_FIELDS 16

/* ---------------------------------------------------------------------
 * Normalisation (normalise.c)
 * ------------------------------------------------------------------- */

/*
 * The canonical Latin form of a name in[0 .. len - 1] (UTF-8, any script
 * the lists use): NFKC with case folding, Cyrillic transliterated, marks
 * and punctuation dropped, romanisation variants folded, words joined;
 * see normalise.c.  out (filled, size bytes) receives [a-z]* and a NUL;
 * an empty name gives "".  Errors: VC_EDATA (not UTF-8, longer than
 * VC_LINK_NAME_MAX, too long for out), VC_EINVAL.
 */
int vc_link_normalise_name(const char *in, size_t len, char *out, size_t size,
                           vc_error *err);

/*
 * A nationality in[0 .. len - 1] as a country's ISO 3166-1 alpha-3 code
 * ("Россия", "Russian Federation", "ru", "RUS" -> "RUS") when it is a
 * code (alpha-2 or alpha-3, any case) or a name of a country in English,
 * Russian or the region's languages (country.c); otherwise its
 * normalised name (lower case, so never a code).  Errors as
 * vc_link_normalise_name; size at least 4.
 */
int vc_link_normalise_country(const char *in, size_t len, char *out,
                              size_t size, vc_error *err);

/* A date of birth; 0 in a part means missing (a year alone has month and
 * day 0; a missing date is all 0). */
typedef struct {
    int year, month, day;
} vc_link_date;

/* Read "yyyy-mm-dd", "dd.mm.yyyy", "dd/mm/yyyy", "dd-mm-yyyy", "yyyy" or
 * "" (missing) into *d (filled).  VC_EDATA for anything else, or a day
 * that is not in the calendar. */
int vc_link_parse_date(const char *s, vc_link_date *d, vc_error *err);

/* Dice coefficient of the sets of padded bigrams of two normalised
 * names (the quantity their Bloom filters approximate); 0 when both are
 * empty. */
double vc_link_bigram_dice(const char *a, const char *b);

/* ---------------------------------------------------------------------
 * Schema (schema.c): which fields, how they are encoded, the hardening
 * ------------------------------------------------------------------- */

typedef enum {
    VC_LINK_FIELD_NAME = 0, /* normalised name, padded bigrams */
    VC_LINK_FIELD_DATE = 1, /* date of birth, swap-tolerant features */
    VC_LINK_FIELD_SEX = 2,  /* f/m in Latin or Cyrillic, one token */
    VC_LINK_FIELD_EXACT = 3, /* normalised whole value, one token */
    VC_LINK_FIELD_COUNTRY = 4 /* a country: its ISO 3166-1 alpha-3 code
                                 when known, else as EXACT (country.c) */
} vc_link_field_kind;

typedef struct {
    char *name;   /* the field's name, shared by all offices (owned) */
    char *column; /* this office's column header (owned) */
    vc_link_field_kind kind;
    unsigned bits; /* the field's budget b: about this many bits set */
    double weight; /* field-scored layout: the Fellegi-Sunter agreement
                      weight ln(m / u) of the field (schema.c) */
} vc_link_field;

typedef struct {
    size_t m; /* bits per filter before hardening */
    size_t nfields;
    vc_link_field fields[VC_LINK_MAX_FIELDS];
    int balance;   /* append the complement and permute (2m) */
    int xor_fold;  /* fold the two halves by XOR (m/2) */
    int salt;      /* index of the salting field, or -1 */
    int field_scored; /* 1: the field-scored layout (each field's bits in a
                      segment of its own, scored per field by `link`);
                      0: one CLK over all fields (the layout of 0.4.0) */
    char hash[65]; /* SHA-256 (hex) of the canonical schema:
                      everything but the column names */
} vc_link_schema;

/* The default schema: given_name, family_name (names, 200 bits each),
 * date_of_birth (200), sex and nationality (100 each), m = 1024, no
 * balancing, folding or salting (README argues these defaults). */
void vc_link_schema_default(vc_link_schema *s);

/*
 * Read a schema from JSON text buf[0 .. len - 1] (borrowed); source
 * names it in messages.  See README ("Schema") for the format.  Fields
 * not named keep nothing from the default: a schema lists all its
 * fields.  Errors: VC_EDATA (malformed, unknown key or type, bits out of
 * range), VC_ENOMEM.  *s filled; free with vc_link_schema_clear.
 */
int vc_link_schema_parse(const char *buf, size_t len, const char *source,
                         vc_link_schema *s, vc_error *err);
void vc_link_schema_clear(vc_link_schema *s);

/* Bits per encoding after hardening. */
size_t vc_link_schema_bits(const vc_link_schema *s);

/* The field-scored layout's segments: seg[f] (filled, nfields entries)
 * the bits of field f in the encoding as written (after folding), a
 * multiple of 64, in field order, summing to vc_link_schema_bits; about
 * proportional to the fields' budgets, at least 64 each.  -1 when the
 * schema has no such layout or more fields than 64-bit words. */
int vc_link_schema_segments(const vc_link_schema *s, size_t *seg);

/* ---------------------------------------------------------------------
 * Encoding (clk.c)
 * ------------------------------------------------------------------- */

typedef struct vc_link_encoder vc_link_encoder;

/*
 * An encoder for schema s (borrowed; must outlive the encoder) and the
 * shared secret secret[0 .. len - 1] (copied into derived keys only; at
 * least 16 bytes).  Per-field keys are derived with HKDF-SHA256 (RFC
 * 5869).  Returned; NULL with VC_EINVAL or VC_ENOMEM.  Not thread-safe.
 */
vc_link_encoder *vc_link_encoder_alloc(const vc_link_schema *s,
                                       const uint8_t *secret, size_t len,
                                       vc_error *err);
void vc_link_encoder_free(vc_link_encoder *e);

/* Words of 64 bits in one encoding (vc_link_schema_bits / 64). */
size_t vc_link_encoder_words(const vc_link_encoder *e);

/*
 * Encode one person: values[f] is field f's raw text (UTF-8; "" or NULL
 * missing).  filter (filled, vc_link_encoder_words words) receives the
 * encoding; bit i is bit i % 64 of word i / 64.  Errors: VC_EDATA (a
 * value that cannot be read, message naming the field; every field
 * empty).
 */
int vc_link_encode(vc_link_encoder *e, const char *const *values,
                   uint64_t *filter, vc_error *err);

/* The key check value: HMAC-SHA256 under a key derived from the secret,
 * of a fixed label, 16 bytes as 32 hex digits.  Offices with the same
 * secret agree on it; it reveals nothing else about the secret. */
void vc_link_key_check(const vc_link_encoder *e, char hex[33]);

/* An opaque record key for row `row` of list `list`: 96 bits of an HMAC
 * under a derived key, as 24 hex digits; only the holder of the secret
 * and the list can map it back to the row. */
void vc_link_record_key(const vc_link_encoder *e, const char *list,
                        uint64_t row, char hex[25]);

/* ---------------------------------------------------------------------
 * An office's list of people (records.c)
 * ------------------------------------------------------------------- */

/* A CSV of one row per person, as strings. */
typedef struct {
    char *source; /* file name in messages (owned) */
    size_t ncols;
    char **header; /* ncols column names (owned) */
    size_t nrows;
    char **cells; /* nrows * ncols fields (owned) */
    size_t *line; /* line of each row in the file */
} vc_link_records;

/* Read a CSV file (comma, semicolon or tab; quotes; CRLF; BOM).  Errors
 * name file and line: VC_EIO, VC_EDATA (malformed, a row with another
 * number of fields than the header, a field over 4096 bytes), VC_ENOMEM.
 * Returned; vc_link_records_free. */
vc_link_records *vc_link_records_read(const char *path, vc_error *err);
vc_link_records *vc_link_records_parse(const char *buf, size_t len,
                                       const char *source, vc_error *err);
void vc_link_records_free(vc_link_records *r);

/* ---------------------------------------------------------------------
 * Encoding files (encfile.c)
 * ------------------------------------------------------------------- */

/* One list's encodings, as read from an `encode` file. */
typedef struct {
    char *source;    /* file name in messages (owned) */
    char *list;      /* the list's name (owned) */
    char schema[65]; /* schema hash */
    char key_check[33];
    size_t bits, words; /* bits per encoding; words of 64 */
    size_t nseg;        /* field-scored layout (encodings 2): segments,
                           one per field; 0: one CLK (encodings 1) */
    size_t seg_words[VC_LINK_MAX_FIELDS]; /* 64-bit words of each */
    double seg_weight[VC_LINK_MAX_FIELDS]; /* its agreement weight */
    size_t nstrata;     /* stratum columns kept in clear */
    char **strata_cols; /* their names (owned) */
    size_t n;           /* records */
    char **ids;         /* n record keys (owned) */
    char **strata;      /* n * nstrata values (owned) */
    uint64_t *filters;  /* n * words (owned) */
} vc_link_set;

/* Bytes of the base64 text of one encoding of `bits` bits. */
size_t vc_link_base64_len(size_t bits);
/* Write filter (words words) as base64 into out (filled,
 * vc_link_base64_len + 1 bytes, NUL-terminated). */
void vc_link_base64_put(const uint64_t *filter, size_t words, char *out);

/* Write the header of an encoding file (six lines, the column header
 * last) for list `list`, with nstrata stratum columns kept in clear.
 * VC_EINVAL when a name holds a comma, quote or line break. */
int vc_link_write_header(FILE *f, const char *list, const char *schema_hash,
                         const char *key_check, size_t bits,
                         const char *const *strata_cols, size_t nstrata,
                         vc_error *err);

/* The header of an encoding file made under schema s: the six lines of
 * vc_link_write_header (bits from s), and for the field-scored layout
 * (format 2) the segments and weights before the column header.  Errors
 * as vc_link_write_header. */
int vc_link_write_header_schema(FILE *f, const char *list,
                                const vc_link_schema *s, const char *key_check,
                                const char *const *strata_cols, size_t nstrata,
                                vc_error *err);

/* Set s's layout (nseg, seg_words, seg_weight) to that of schema sc, as
 * reading a file encoded under sc would (for callers that build sets in
 * memory: tests, benchmarks). */
void vc_link_set_layout(vc_link_set *s, const vc_link_schema *sc);

/* Read an encoding file (format in README, "Encoding files").  Errors
 * name file and line: VC_EIO, VC_EDATA, VC_ENOMEM.  Returned; free with
 * vc_link_set_free. */
vc_link_set *vc_link_set_read(const char *path, vc_error *err);
vc_link_set *vc_link_set_parse(const char *buf, size_t len, const char *source,
                               vc_error *err);
void vc_link_set_free(vc_link_set *s);

/* ---------------------------------------------------------------------
 * Linking (match.c)
 * ------------------------------------------------------------------- */

/* Thresholds of the report's band. */
#define VC_LINK_BAND 9
/* Bins of the histogram of candidate pairs' Dice over [0, 1]. */
#define VC_LINK_HIST 200

typedef struct {
    double threshold;    /* a pair matches when Dice >= threshold */
    double band_step;    /* the band: threshold + (i - 4) * band_step,
                            i = 0 .. VC_LINK_BAND - 1 (0: no band) */
    int threads;         /* OpenMP threads; 0: OpenMP's default */
    int portable;        /* 1: the portable popcount even where AVX2 is
                            there (for the tests: same results) */
    int keep_clusters;   /* 1: fill vc_link_result.cluster (for tests and
                            benchmarks against a known truth; never
                            written by the CLI) */
    const double *sweep; /* nsweep more thresholds (borrowed), each in
                            (0, 1]: the tables at each go to
                            vc_link_result.sweep_tables */
    size_t nsweep;
    double score_floor;  /* > 0: also keep pairs with Dice >= score_floor
                            for the histogram of the linkage-error model
                            (vc_link_result.hist); 0: the band's lowest */
} vc_link_opts;

/* Counts only: never a score or a record. */
typedef struct {
    size_t J;
    uint64_t comparisons;      /* filter pairs whose Dice was computed */
    uint64_t pruned;           /* pairs skipped by the popcount bound */
    uint64_t candidates;       /* pairs at or above the band's lowest
                                  threshold */
    uint64_t *pair_candidates; /* J * J: [a * J + b], a < b, at the
                                  threshold */
    uint64_t *pair_matches;    /* J * J: pairs joined in clusters */
    double band[VC_LINK_BAND]; /* thresholds of the band */
    uint64_t band_matches[VC_LINK_BAND]; /* matched pairs in clusters */
    uint64_t band_people[VC_LINK_BAND];  /* clusters (people) */
    uint64_t people;                     /* clusters at the threshold */
    const char *popcount;                /* the kernel: "avx512", "avx2",
                                            "popcnt" or "portable" (static) */
    size_t offset[VC_MAX_LISTS + 1];     /* record i of list j is number
                                        offset[j] + i below */
    uint32_t *cluster;                   /* with keep_clusters: each record's
                                            cluster (its lowest record number),
                                            else NULL */
    size_t ntables;                      /* one table per stratum */
    vc_table **tables;                   /* the overlap tables (owned) */
    size_t nsweep;                       /* opts.nsweep */
    size_t *sweep_ntables;               /* tables at each sweep threshold */
    vc_table ***sweep_tables;            /* [w][i]: stratum i's table at
                                            threshold opts.sweep[w] (owned) */
    double hist_floor;                   /* lowest Dice in hist */
    uint64_t *hist;                      /* J * J * VC_LINK_HIST: [(a * J +
                                            b) * VC_LINK_HIST + k], a < b:
                                            candidate pairs with Dice in
                                            bin k = [k, k + 1) / VC_LINK_HIST
                                            (1.0 in the last), for Dice >=
                                            hist_floor (counts only) */
    /* field-scored layout (format 2) only, else 0 and NULL: the per-field
     * agreement patterns of the candidate pairs with score >= hist_floor,
     * counted (counts only, never a pair).  agree_key[i] = (a * J + b) <<
     * 34 | anchor << 33 | above << 32 | pattern, a < b the lists, anchor 1
     * when the score reaches VC_LINK_FS_ANCHOR, above 1 when it reaches
     * the threshold, pattern 2 bits per field (field f in bits 2f, 2f + 1:
     * a VC_LINK_LEVEL_*); sorted, distinct; agree_count[i] the pairs of
     * that key */
    size_t agree_fields;                 /* fields (segments) */
    size_t nagree;                       /* keys */
    uint64_t *agree_key;
    uint64_t *agree_count;
    double *agree_missing; /* J * agree_fields: [j * agree_fields + f] the
                              share of list j's records with field f
                              empty (missing) */
} vc_link_result;

/*
 * Link J sets (borrowed, 2 <= J <= VC_MAX_LISTS), named names[j]
 * (borrowed): compare every pair of records of different lists in the
 * same stratum, keep pairs with Dice >= the band's lowest threshold, and
 * cluster them one-to-one (at most one record per list in a cluster) by
 * greedy merging in descending order of Dice (match.c).  Errors: VC_EINVAL
 * (sets whose schemas, key checks, sizes or stratum columns differ),
 * VC_ENOMEM.  *out returned; vc_link_result_free.  The result does not
 * depend on the number of threads.
 */
/* The refusals of vc_link_run alone, for a caller that must refuse a
 * request before linking (the intake service): VC_EINVAL (J outside 2 ..
 * VC_MAX_LISTS), VC_EDATA (schemas, key checks, sizes or stratum columns
 * differ; a message naming both sets and what differs). */
int vc_link_check_sets(const vc_link_set *const *sets, size_t J,
                       vc_error *err);

/* The threshold `link` uses when none is given, and the intake service
 * always: on simulated lists with the recording errors of `simulate
 * --records` it gives the precision and recall of bench/RESULTS.md. */
#define VC_LINK_DEFAULT_THRESHOLD 0.875

int vc_link_run(const vc_link_set *const *sets, size_t J,
                const char *const *names, const vc_link_opts *opts,
                vc_link_result **out, vc_error *err);
void vc_link_result_free(vc_link_result *r);

/* Dice of two encodings of `words` words (reference code for tests and
 * the pairwise report; the linker uses its own kernels). */
double vc_link_dice(const uint64_t *a, const uint64_t *b, size_t words);

/*
 * The score `link` gives two encodings of set s (fieldscore.c): their
 * Dice for one CLK (s->nseg 0); for the field-scored layout the mean of
 * the fields' Dice weighted by their agreement weights, a field empty on
 * either side (missing) counting VC_LINK_MISSING_CREDIT.  In [0, 1].
 */
double vc_link_score(const vc_link_set *s, const uint64_t *a,
                     const uint64_t *b);

/* A missing field's share in the field score: about halfway between the
 * Dice of agreeing values (1) and of unrelated ones (about 0.55 in a
 * segment filled as the default budgets fill it), so that a missing value
 * counts for neither (Fellegi & Sunter 1969: weight 0). */
#define VC_LINK_MISSING_CREDIT 0.775

/* The missing field's share when the pair's other fields are shared, bit
 * for bit, by more records of all the lists than there are lists: then at
 * least two people carry them, and without the missing field the
 * comparison cannot tell which (match.c); the Dice of unrelated values. */
#define VC_LINK_AMBIGUOUS_CREDIT 0.55

/* A field's agreement level for the Fellegi-Sunter model of linkerr.c,
 * from its Dice D in a pair: exact (D = 1: the same tokens), close
 * (VC_LINK_LEVEL_CLOSE_DICE <= D < 1: a typo, another romanisation, a
 * day-month swap), far (below), missing (empty on either side). */
enum {
    VC_LINK_LEVEL_EXACT = 0,
    VC_LINK_LEVEL_CLOSE = 1,
    VC_LINK_LEVEL_FAR = 2,
    VC_LINK_LEVEL_MISSING = 3,
    VC_LINK_LEVELS = 4
};
#define VC_LINK_LEVEL_CLOSE_DICE 0.7

/* The field-scored layout is screened by the whole-filter Dice first:
 * pairs below min(the lowest threshold asked, this) are not scored. */
#define VC_LINK_FIELD_SCREEN 0.75

/* ---------------------------------------------------------------------
 * Linkage error (linkerr.c)
 * ------------------------------------------------------------------- */

/*
 * A two-component mixture for the Dice of candidate pairs, as in
 * Fellegi-Sunter practice with a mixture of match and non-match score
 * distributions (Belin & Rubin 1995, JASA 90:694): a share pi of the
 * pairs are true matches with Dice ~ Beta(a1, b1), the rest non-matches
 * with Dice ~ Beta(a0, b0), both truncated to the histogram's window
 * [floor, 1 - 1/nbins); the top bin (Dice 1, exact agreement, a point
 * mass no Beta has) is taken as matches.  Fitted by EM (Dempster, Laird & Rubin 1977) on the
 * binned counts: the E-step gives each bin's share of matches from the
 * truncated, discretised densities; the M-step maximises each
 * component's weighted binned log-likelihood over (log a, log b) by
 * Nelder-Mead, started at the weighted moments.  EM is started from four
 * splits of the window and the fit of highest likelihood kept.
 */
typedef struct {
    double pi;       /* share of true matches among the n pairs */
    double a1, b1;   /* matches: Beta(a1, b1) */
    double a0, b0;   /* non-matches: Beta(a0, b0) */
    double floor;    /* the window's lowest Dice */
    double n;        /* pairs in the window below the top bin */
    double top;      /* pairs in the top bin (Dice 1 and just below):
                        exact agreements, taken as matches outright */
    int iterations;  /* EM iterations run */
    double loglik;   /* binned log-likelihood below the top bin */
} vc_link_mixture;

/* Fit the mixture to hist (nbins counts over [0, 1], bin k = [k, k + 1)
 * / nbins) on the bins at or above floor.  VC_EDATA when fewer than 20
 * pairs or fewer than 3 occupied bins are in the window, or the fit
 * degenerates (a component with no weight); VC_EINVAL unless 10 <=
 * nbins <= 4 * VC_LINK_HIST. */
/* The window the CLI fits the mixture on: Dice >= 0.8.  Unrelated
 * people's 1024-bit encodings score about 0.5 to 0.7 (half their bits
 * set); their body below 0.8 is not a Beta's shape and, fitted, draws the
 * match component down into it.  Above 0.8 the two components are what
 * the model says (measured on simulate --people lists: bench/RESULTS.md). */
#define VC_LINK_ERR_FLOOR 0.8

int vc_link_mixture_fit(const uint64_t *hist, size_t nbins, double floor,
                        vc_link_mixture *m, vc_error *err);

/*
 * The linkage-error model of the field-scored layout (linkerr.c): the
 * candidate pairs of one list pair with score in the window
 * [VC_LINK_FS_FLOOR, 1], each described by its agreement pattern (a
 * VC_LINK_LEVEL_* per field).  The matches' patterns follow the
 * Fellegi-Sunter conditional-independence model, m(gamma) = prod_f
 * m_f(gamma_f) (Fellegi & Sunter 1969, JASA 64:1183; Winkler 1988; Jaro
 * 1989, JASA 84:414); the pairs at or above the threshold are taken as
 * matches, and the model, fitted by EM, says how many matches the
 * patterns seen only below the threshold hold (the missed matches) and
 * how many pairs above it exceed the matches expected of their pattern
 * (the false matches).  Non-matches are not modelled (their patterns in
 * the window are far from independent).
 */
typedef struct {
    size_t nfields;
    double m[VC_LINK_MAX_FIELDS][VC_LINK_LEVELS]; /* m_f(l) of matches */
    double n;             /* pairs in the window */
    double matches;       /* expected matches among them */
    double false_above;   /* expected non-matches at or above the
                             threshold (before the clustering) */
    double missed_below;  /* expected matches below it */
    int iterations;       /* EM iterations run */
} vc_link_fs;

/* The window of the Fellegi-Sunter model: the field screen's 0.75, so
 * that every pair the linker scores is in it (a match below it is never
 * seen: measured 0-1 of 23-132 missed true pairs, bench/RESULTS.md). */
#define VC_LINK_FS_FLOOR VC_LINK_FIELD_SCREEN

/* The pairs the model takes as matches to learn the matches' patterns
 * from: those scoring at least the default threshold, where the
 * precision measured on simulated lists is 0.98-0.999 (bench/RESULTS.md),
 * whatever the threshold asked. */
#define VC_LINK_FS_ANCHOR VC_LINK_DEFAULT_THRESHOLD

/* Fit the model to the patterns of lists a < b in r (made with a score
 * floor <= VC_LINK_FS_FLOOR on field-scored sets).  Errors: VC_EINVAL (r
 * has no patterns: one-CLK sets, or a, b out of range), VC_EDATA (fewer
 * than 20 pairs, 10 of them at or above the threshold, or 3 patterns in
 * the window; EM not settled in 2,000 iterations), VC_ENOMEM.  *fs
 * filled. */
int vc_link_fs_fit(const vc_link_result *r, size_t a, size_t b,
                   vc_link_fs *fs, vc_error *err);

/* Expected linkage errors at threshold t among one list pair's pairs. */
typedef struct {
    double pairs;           /* candidate pairs with Dice >= t */
    double linked;          /* pairs linked (one-to-one) */
    double false_matches;   /* expected non-matches among the linked */
    double missed_matches;  /* expected true matches not linked: Dice < t
                               (below the window by the Beta's tail) */
    double true_matches;    /* expected true matches in all */
    double false_match_rate;  /* false_matches / linked */
    double missed_match_rate; /* missed_matches / true_matches */
} vc_link_errors;

/* From a fitted mixture, the hist it was fitted to (nbins, at most
 * 4 * VC_LINK_HIST, as the fit requires), the
 * threshold t (on a bin edge or between), and `candidates` pairs at or
 * above t of which `linked` were kept by the one-to-one clustering: the
 * expected errors.  Assumes the pairs dropped by the clustering were
 * non-matches (one-to-one drops the weaker of two claims on a record). */
void vc_link_mixture_errors(const vc_link_mixture *m, const uint64_t *hist,
                            size_t nbins, double t, uint64_t candidates,
                            uint64_t linked, vc_link_errors *out);

/*
 * Ding & Fienberg (1994, Survey Methodology 20:41) two-list estimate
 * corrected for linkage error.  With n1, n2 records on the lists, m
 * linked pairs, alpha = P(a true match is linked) and beta = P(a record
 * of list 2 without a true match in list 1 is falsely linked), the
 * expected number of links is E[m] = alpha M + beta (n2 - M) for M true
 * matches, so M = (m - beta n2) / (alpha - beta) and the Petersen
 * estimate becomes
 *     N = n1 n2 (alpha - beta) / (m - beta n2).
 * Assumes the errors are independent of capture (homogeneous linkage
 * errors across records) and the lists independent.  VC_EDATA when
 * alpha <= beta or m <= beta n2.
 */
int vc_link_ding_fienberg(double n1, double n2, double m, double alpha,
                          double beta, double *N, vc_error *err);

/*
 * VC_OK when the estimated errors e of a pair of lists of n1 and n2
 * records are possible: a person is on a list at most once, so the true
 * matches (linked - false + missed) cannot exceed min(n1, n2).  Else
 * VC_EDATA with a message that gives both: the mixture does not describe
 * these scores (measured: field-scored encodings of three lists of
 * 100,000 gave 1.4 million "missed" matches), and no correction may be
 * computed from it.
 */
int vc_link_errors_check(const vc_link_errors *e, double n1, double n2,
                         vc_error *err);

/* The expected errors of lists a < b at r's threshold from a fitted
 * model: the non-matches among the pairs at or above the threshold, less
 * the pairs the clustering dropped (as vc_link_mixture_errors), and the
 * matches among the pairs in the window below it. */
void vc_link_fs_errors(const vc_link_fs *fs, const vc_link_result *r,
                       size_t a, size_t b, vc_link_errors *out);

/* alpha and beta of the correction from estimated errors of a list
 * pair whose second list has n2 records. */
void vc_link_error_probs(const vc_link_errors *e, double n2, double *alpha,
                         double *beta);

/* ---------------------------------------------------------------------
 * More than two lists (multilist.c): the log-linear estimate corrected
 * for linkage error (Di Consiglio & Tuoto 2018, J. Off. Stat. 34:889)
 * ------------------------------------------------------------------- */

/* The correction's table has 2^J cells, B (2^J - 1)^2 entries, and
 * building B's false-link part takes about J^2 4^J steps: 8 lists is
 * well under a second, 10 would take minutes. */
#define VC_LINK_DCT_MAX_LISTS 8

/* A population estimate of the independence log-linear model. */
typedef struct {
    double N;        /* estimated population */
    double unseen;   /* of which never observed (the empty pattern) */
    double se;       /* standard error (conditional on alpha and beta) */
    double lo, hi;   /* N -/+ 1.96 se */
    int iterations;  /* Fisher-scoring iterations */
    double loglik;   /* Poisson log-likelihood at the maximum */
} vc_link_mse;

/*
 * The matrix B of E[x~] = B y (multilist.c, equations (1) and (2)): for
 * J lists, the observed counts x (2^J, indexed by mask; x[0] ignored),
 * alpha and beta (J * J, [a * J + b] for a < b: the probability that a
 * true link between lists a and b is found, and that a record of list b
 * whose person is not on list a is falsely linked to list a).  B (filled,
 * (2^J - 1)^2, row C - 1 and column S - 1 at [(C - 1) (2^J - 1) + S - 1]).
 * Errors: VC_EINVAL (J outside 2 .. VC_LINK_DCT_MAX_LISTS), VC_EDATA
 * (alpha outside (0, 1] or beta outside [0, 1)), VC_ENOMEM.
 */
int vc_link_dct_matrix(size_t J, const double *x, const double *alpha,
                       const double *beta, double *B, vc_error *err);

/*
 * Fit the independence log-linear model to the observed counts x (2^J,
 * x[0] ignored) with means B mu (B from vc_link_dct_matrix: the corrected
 * estimate) or mu (B NULL: the uncorrected one), by Fisher scoring.
 * *out filled.  Errors: VC_EINVAL, VC_EDATA (a list with no one or with
 * everyone; expected counts not positive; no convergence), VC_ENOMEM.
 */
int vc_link_mse_fit(size_t J, const double *x, const double *B,
                    vc_link_mse *out, vc_error *err);

/* The two estimates of vc_link_dct_estimate. */
typedef struct {
    size_t J;
    /* [a * J + b], a < b: each list pair's alpha and beta, from the
     * Fellegi-Sunter model (field-scored sets: vc_link_fs_fit,
     * vc_link_fs_errors) or the score mixture (one CLK:
     * vc_link_mixture_fit, vc_link_mixture_errors), by
     * vc_link_error_probs */
    double alpha[VC_LINK_DCT_MAX_LISTS * VC_LINK_DCT_MAX_LISTS];
    double beta[VC_LINK_DCT_MAX_LISTS * VC_LINK_DCT_MAX_LISTS];
    vc_link_mse uncorrected; /* the linked table as it is */
    vc_link_mse corrected;   /* Di Consiglio & Tuoto */
} vc_link_dct;

/*
 * From a link result r made with a score floor (vc_link_opts.score_floor
 * <= VC_LINK_FS_FLOOR for field-scored sets, <= VC_LINK_ERR_FLOOR for one
 * CLK) at threshold `threshold`, and the lists' record counts
 * records[j]: fit every list pair's error model (the Fellegi-Sunter model
 * of the agreement patterns for field-scored sets, the score mixture on
 * Dice >= VC_LINK_ERR_FLOOR for one CLK), take alpha and beta from it,
 * and fit the independence model to the table of all strata together,
 * uncorrected and corrected.  Errors: VC_EINVAL (J over
 * VC_LINK_DCT_MAX_LISTS), VC_EDATA (a pair's model cannot be fitted or
 * gives impossible errors (vc_link_errors_check), naming the pair; the
 * fits' errors), VC_ENOMEM.  *out filled.
 */
int vc_link_dct_estimate(const vc_link_result *r, const size_t *records,
                         double threshold, vc_link_dct *out, vc_error *err);

/* The two fits of vc_link_dct_estimate from alpha and beta already in *d
 * (for a caller that fitted the mixtures itself): fills d->J,
 * d->uncorrected and d->corrected.  Errors as vc_link_dct_estimate. */
int vc_link_dct_fit(const vc_link_result *r, vc_link_dct *d, vc_error *err);

#endif /* VC_LINK_H */
