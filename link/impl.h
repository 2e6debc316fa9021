/*
 * impl.h: declarations shared by the files of link/ and its white-box
 * tests only.
 */
#ifndef VC_LINK_IMPL_H
#define VC_LINK_IMPL_H

#include "link/vc_link.h"

/* Popcount kernels (popcount.c): the number of bits set in a & b, and
 * in a, over `words` 64-bit words; the AVX2 versions give the same
 * counts.  vci_link_have_avx2: the CPU runs them. */
int vci_link_have_avx2(void);
uint64_t vci_popcount_and(const uint64_t *a, const uint64_t *b,
                          size_t words);
uint64_t vci_popcount_and_avx2(const uint64_t *a, const uint64_t *b,
                               size_t words);
uint64_t vci_popcount(const uint64_t *a, size_t words);

#endif /* VC_LINK_IMPL_H */
