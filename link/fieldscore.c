/*
 * fieldscore.c: the score of the field-scored layout (encodings 2).
 *
 * One CLK scores a pair by one Dice over all fields, so with names, sex
 * and nationality equal a different date of birth moves it only a little
 * (about 0.88 at the default budgets, over the default threshold): in
 * lists of 20,000 people most false links were namesakes born on
 * different days (bench/HISTORY.md, "Record linkage, 0.4.0").  In the
 * field-scored layout each field sets bits only in a segment of its own
 * (as in the field-level Bloom filters of Durham 2012, "A framework for
 * accurate, efficient private record linkage", PhD thesis, Vanderbilt,
 * ch. 4, kept as one encoding), so `link` sees each field's Dice D_f and
 * combines them with the fields' Fellegi-Sunter agreement weights w_f =
 * ln(m_f / u_f) (Fellegi & Sunter 1969, JASA 64:1183):
 *
 *     S = sum_f w_f x_f / sum_f w_f,   x_f = D_f, or VC_LINK_MISSING_CREDIT
 *                                      when field f is empty on either side.
 *
 * S is a weighted mean of similarities in [0, 1], read like a Dice: equal
 * names and a different date now score about 0.78, because the date
 * carries most of the weight (it is the rarest agreement), while a missing
 * date counts for neither a match nor a non-match.  A day-month swap
 * keeps four of six date features, so it costs less than a different
 * date.  The whole score is a continuous version of the Fellegi-Sunter
 * sum of weights (Winkler 1990's partial agreement by string similarity)
 * put on the scale of Dice so that thresholds, bands and the score mixture
 * of linkerr.c read it unchanged.
 */
#include "link/link_impl.h"

double vci_field_score(const uint64_t *a, const uint64_t *b, size_t nseg,
                       const size_t *seg_words, const double *weight,
                       double credit)
{
    double num = 0.0;
    double den = 0.0;
    size_t o = 0;
    for (size_t g = 0; g < nseg; g++) {
        size_t w = seg_words[g];
        uint64_t pa = vci_popcount(a + o, w);
        uint64_t pb = vci_popcount(b + o, w);
        double x = credit;
        if (pa > 0 && pb > 0) {
            x = 2.0 * (double)vci_popcount_and(a + o, b + o, w)
                / (double)(pa + pb);
        }
        num += weight[g] * x;
        den += weight[g];
        o += w;
    }
    return den > 0.0 ? num / den : 0.0;
}

double vc_link_score(const vc_link_set *s, const uint64_t *a,
                     const uint64_t *b)
{
    if (s->nseg == 0) {
        return vc_link_dice(a, b, s->words);
    }
    return vci_field_score(a, b, s->nseg, s->seg_words, s->seg_weight,
                           VC_LINK_MISSING_CREDIT);
}

uint32_t vci_empty_mask(const uint64_t *a, size_t nseg, const size_t *seg_words)
{
    uint32_t m = 0;
    size_t o = 0;
    for (size_t g = 0; g < nseg; g++) {
        if (vci_popcount(a + o, seg_words[g]) == 0) {
            m |= 1u << g;
        }
        o += seg_words[g];
    }
    return m;
}

uint64_t vci_segments_hash(const uint64_t *a, size_t nseg,
                           const size_t *seg_words, uint32_t skip)
{
    /* FNV-1a over the words, then a final mix (splitmix64) */
    uint64_t h = 1469598103934665603ull;
    size_t o = 0;
    for (size_t g = 0; g < nseg; g++) {
        if (!(skip >> g & 1)) {
            for (size_t i = 0; i < seg_words[g]; i++) {
                h = (h ^ a[o + i]) * 1099511628211ull;
            }
        }
        o += seg_words[g];
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ h >> 31;
}

uint32_t vci_agreement_pattern(const uint64_t *a, const uint64_t *b,
                               size_t nseg, const size_t *seg_words)
{
    uint32_t code = 0;
    size_t o = 0;
    for (size_t g = 0; g < nseg; g++) {
        size_t w = seg_words[g];
        uint64_t pa = vci_popcount(a + o, w);
        uint64_t pb = vci_popcount(b + o, w);
        uint32_t level = VC_LINK_LEVEL_MISSING;
        if (pa > 0 && pb > 0) {
            uint64_t c = vci_popcount_and(a + o, b + o, w);
            /* Dice 1 exactly: the same bits (2c = pa + pb) */
            double d = 2.0 * (double)c / (double)(pa + pb);
            level = 2 * c == pa + pb               ? VC_LINK_LEVEL_EXACT
                    : d >= VC_LINK_LEVEL_CLOSE_DICE ? VC_LINK_LEVEL_CLOSE
                                                    : VC_LINK_LEVEL_FAR;
        }
        code |= level << (2 * g);
        o += w;
    }
    return code;
}
