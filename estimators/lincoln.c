/*
 * lincoln.c: two-list estimators, Lincoln-Petersen and Chapman.
 *
 * Legend: n1, n2 people seen by list 1 and list 2, m by both, n = n1 + n2 - m
 * seen by either.  Assumes a closed population, lists independent, and
 * equal catchability within each list.
 *
 * Lincoln-Petersen: N = n1 n2 / m, the MLE under independence, with
 * variance n1 n2 (n1 - m)(n2 - m) / m^3 (Seber 1982, The Estimation of
 * Animal Abundance, 2nd ed., section 3.1.1).  Undefined when m = 0.
 * Chapman (1951, Univ. Calif. Publ. Stat. 1:131): N = (n1 + 1)(n2 + 1) /
 * (m + 1) - 1, nearly unbiased when n1 + n2 >= N, defined for m = 0, with
 * Seber's variance (n1 + 1)(n2 + 1)(n1 - m)(n2 - m) /
 * ((m + 1)^2 (m + 2)) (Seber 1982, section 3.1.1).
 * With fewer than 7 recaptures the estimates are noticeably biased (Seber
 * 1982, p. 60): flagged, not refused.
 */
#include <math.h>

#include "estimators/vc_estimators.h"

/* Recaptures below this make Chapman's bias noticeable (Seber 1982, p. 60). */
#define FEW_RECAPTURES 7

static int check_counts(uint64_t n1, uint64_t n2, uint64_t m, double level,
                        vc_error *err)
{
    if (vc_level_check(level, err) != VC_OK) {
        return VC_EINVAL;
    }
    if (m > n1 || m > n2) {
        return vc_error_set(err, VC_EINVAL,
                            "%llu people on both lists, more than on one of "
                            "them (%llu and %llu)", (unsigned long long)m,
                            (unsigned long long)n1, (unsigned long long)n2);
    }
    if (n1 == 0 || n2 == 0) {
        return vc_error_set(err, VC_EUNDEFINED,
                            "a list saw nobody: two-list estimates need "
                            "people on both lists");
    }
    return VC_OK;
}

static void init_estimate(vc_estimate *out, const char *method, uint64_t n,
                          uint64_t m)
{
    vc_estimate_init(out, method, n);
    out->flags = (m < FEW_RECAPTURES) ? VC_FLAG_FEW_RECAPTURES : 0u;
    out->has_se = 1;
    out->list_b = 1;
}

int vc_petersen_from_counts(uint64_t n1, uint64_t n2, uint64_t m, double level,
                            vc_interval_kind kind, vc_estimate *out,
                            vc_error *err)
{
    int status = check_counts(n1, n2, m, level, err);
    if (status != VC_OK) {
        return status;
    }
    if (m == 0) {
        return vc_error_set(err, VC_EUNDEFINED,
                            "Lincoln-Petersen is undefined when no one is on "
                            "both lists; Chapman's estimator is defined");
    }
    double a = (double)n1, b = (double)n2, c = (double)m;
    init_estimate(out, "petersen", n1 + n2 - m, m);
    out->estimate = a * b / c;
    out->se = sqrt(a * b * (a - c) * (b - c) / (c * c * c));
    vc_interval_fill(out->estimate, out->se, out->observed, level, kind, out);
    return VC_OK;
}

int vc_chapman_from_counts(uint64_t n1, uint64_t n2, uint64_t m, double level,
                           vc_interval_kind kind, vc_estimate *out,
                           vc_error *err)
{
    int status = check_counts(n1, n2, m, level, err);
    if (status != VC_OK) {
        return status;
    }
    double a = (double)n1, b = (double)n2, c = (double)m;
    init_estimate(out, "chapman", n1 + n2 - m, m);
    out->estimate = (a + 1.0) * (b + 1.0) / (c + 1.0) - 1.0;
    out->se = sqrt((a + 1.0) * (b + 1.0) * (a - c) * (b - c)
                   / ((c + 1.0) * (c + 1.0) * (c + 2.0)));
    vc_interval_fill(out->estimate, out->se, out->observed, level, kind, out);
    return VC_OK;
}

static int check_pair(const vc_table *t, size_t a, size_t b, vc_error *err)
{
    if (a >= t->J || b >= t->J || a == b) {
        return vc_error_set(err, VC_EINVAL,
                            "lists %zu and %zu are not two distinct lists of "
                            "%zu", a, b, t->J);
    }
    return VC_OK;
}

/* A two-list estimator from its counts (vc_petersen_from_counts,
 * vc_chapman_from_counts). */
typedef int (*from_counts)(uint64_t n1, uint64_t n2, uint64_t m,
                           double level, vc_interval_kind kind,
                           vc_estimate *out, vc_error *err);

/* Estimator f on lists a and b of t. */
static int pair_estimate(from_counts f, const vc_table *t, size_t a,
                         size_t b, double level, vc_interval_kind kind,
                         vc_estimate *out, vc_error *err)
{
    int status = check_pair(t, a, b, err);
    if (status == VC_OK) {
        status = f(vc_table_list_total(t, a), vc_table_list_total(t, b),
                   vc_table_overlap(t, a, b), level, kind, out, err);
    }
    if (status == VC_OK) {
        out->list_a = a;
        out->list_b = b;
    }
    return status;
}

int vc_petersen_estimate(const vc_table *t, size_t a, size_t b, double level,
                         vc_interval_kind kind, vc_estimate *out,
                         vc_error *err)
{
    return pair_estimate(vc_petersen_from_counts, t, a, b, level, kind, out,
                         err);
}

int vc_chapman_estimate(const vc_table *t, size_t a, size_t b, double level,
                        vc_interval_kind kind, vc_estimate *out,
                        vc_error *err)
{
    return pair_estimate(vc_chapman_from_counts, t, a, b, level, kind, out,
                         err);
}

int vc_pairwise_chapman(const vc_table *t, double level, vc_interval_kind kind,
                        vc_estimate *out, vc_error *err)
{
    size_t k = 0;
    for (size_t a = 0; a < t->J; a++) {
        for (size_t b = a + 1; b < t->J; b++) {
            int status = vc_chapman_estimate(t, a, b, level, kind, &out[k],
                                             err);
            if (status != VC_OK) {
                return status;
            }
            k++;
        }
    }
    return VC_OK;
}
