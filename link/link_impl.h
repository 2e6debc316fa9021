/*
 * link_impl.h: declarations shared by the files of link/ and its white-box
 * tests only.
 */
#ifndef VC_LINK_IMPL_H
#define VC_LINK_IMPL_H

#include "link/vc_link.h"

/* Popcount kernels (popcount.c): the number of bits set in a & b, and
 * in a, over `words` 64-bit words (portable code). */
uint64_t vci_popcount_and(const uint64_t *a, const uint64_t *b, size_t words);
uint64_t vci_popcount(const uint64_t *a, size_t words);

enum {
    VCI_KERNEL_PORTABLE = 0,
    VCI_KERNEL_POPCNT = 1,
    VCI_KERNEL_AVX2 = 2,
    VCI_KERNEL_AVX512 = 3
};

/* The screen's layout of a sorted list: blocks of VCI_LANES records, word
 * w of the block's records side by side (record j's word w at
 * Bt[(j / VCI_LANES * words + w) * VCI_LANES + j % VCI_LANES]), the last
 * block padded with zeros, so that a vector of one word of several
 * records is one load.  vci_block_words(n, words) words; vci_block fills
 * it from n records of `words` words each. */
enum { VCI_LANES = 8, VCI_PROBES = 8 };
size_t vci_block_words(size_t n, size_t words);
void vci_block(const uint64_t *rows, size_t n, size_t words, uint64_t *Bt);

/* One encoding a (pa bits set) to compare with the records [x, y) of a
 * blocked list; x == y for none. */
typedef struct {
    const uint64_t *a;
    uint32_t pa;
    size_t x, y;
} vci_probe;

/* A pair that passed: probe index, record of the list, Dice. */
typedef struct {
    uint32_t probe, j;
    double score;
} vci_hit;

/* Compare each of the np (<= VCI_PROBES) probes p[] with the records of
 * its window in the blocked list Bt (pb[j] bits set in record j; pb has
 * an entry for every record of the blocks touched, padding included):
 * write to out[] (room for the sum of the windows' sizes) the pairs whose
 * Dice reaches t, in no set order, and return how many.  Every kernel
 * gives the same set of hits and the same scores. */
size_t vci_scan(int kernel, const vci_probe *p, size_t np, const uint64_t *Bt,
                const uint32_t *pb, size_t words, double t, vci_hit *out);
size_t vci_scan_portable(const vci_probe *p, size_t np, const uint64_t *Bt,
                         const uint32_t *pb, size_t words, double t,
                         vci_hit *out);
/* The fastest kernel this CPU runs, and a kernel's name. */
int vci_scan_best(void);
const char *vci_scan_name(int kernel);

/* The field score of two encodings of nseg segments of seg_words[g]
 * words weighted by weight[g] (fieldscore.c). */
double vci_field_score(const uint64_t *a, const uint64_t *b, size_t nseg,
                       const size_t *seg_words, const double *weight,
                       double credit);
/* Bit g set when segment g of a is empty (a missing field). */
uint32_t vci_empty_mask(const uint64_t *a, size_t nseg,
                        const size_t *seg_words);
/* A 64-bit hash of a's segments outside the mask skip. */
uint64_t vci_segments_hash(const uint64_t *a, size_t nseg,
                           const size_t *seg_words, uint32_t skip);

/* The agreement pattern of two encodings (vc_link_result.agree_key's
 * pattern): 2 bits per segment, its VC_LINK_LEVEL_* (nseg <= 16). */
uint32_t vci_agreement_pattern(const uint64_t *a, const uint64_t *b,
                               size_t nseg, const size_t *seg_words);

/* The country table (country.c): the alpha-3 code of a normalised name,
 * or NULL; entry i of the names table (key, code, a written form that
 * normalises to key) and the number of entries; a digest (16 hex
 * digits and a NUL) of the whole table, part of the schema hash. */
const char *vci_country_by_key(const char *key);
size_t vci_country_names(size_t i, const char **key, const char **a3,
                         const char **name);
void vci_country_table_digest(char out[17]);

/* The whole file at path (records.c); NULL with VC_EIO or VC_ENOMEM. */
char *vci_link_read_file(const char *path, size_t *len, vc_error *err);

#endif /* VC_LINK_IMPL_H */
