/*
 * synthesis.c: which number to quote (issue 17).  The methods side by
 * side say different things; this file names the ones whose checks pass,
 * says whether their intervals overlap, groups what they allow into
 * regimes of N, and words the range a careful analyst would quote.
 *
 * Nothing here is a new estimator: the regimes are the methods' own
 * (dga's graph posterior, the log-linear models within reach of the
 * best, the modes of lcm's draws), grouped across methods at the
 * valleys of their weight on log N (vc_log_mass_groups), and the quote is the envelope of the passing
 * methods' intervals (their common range, the overlap, is reported
 * beside it when they agree).  Its limits
 * (README, "Which method to trust"): methods that share an assumption
 * can agree and all be wrong; the envelope is not an interval with a
 * known coverage.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/vc_report.h"
#include "report/vc_synthesis.h"

/* ---------------------------------------------------------------------
 * Structures in words
 * ------------------------------------------------------------------- */

typedef struct {
    size_t J;
    const uint32_t *nbr;
    uint32_t cliques[64];
    size_t n;
} clique_search;

/* Bron & Kerbosch (1973), algorithm 457 without pivoting: every maximal
 * clique of the graph, R grown from candidates P with X excluded. */
static void bron_kerbosch(clique_search *c, uint32_t R, uint32_t P,
                          uint32_t X)
{
    if (P == 0 && X == 0) {
        if (c->n < sizeof c->cliques / sizeof c->cliques[0]) {
            c->cliques[c->n++] = R;
        }
        return;
    }
    for (size_t v = 0; v < c->J; v++) {
        uint32_t b = UINT32_C(1) << v;
        if (!(P & b)) {
            continue;
        }
        bron_kerbosch(c, R | b, P & c->nbr[v], X & c->nbr[v]);
        P &= ~b;
        X |= b;
    }
}

/* Append "A, B and C" (the lists of mask) to buf at *used. */
static void put_names(size_t J, const char *const *names, uint32_t mask,
                      char *buf, size_t size, size_t *used)
{
    size_t total = 0, k = 0;
    for (size_t j = 0; j < J; j++) {
        total += mask >> j & 1u;
    }
    for (size_t j = 0; j < J; j++) {
        if (!(mask >> j & 1u)) {
            continue;
        }
        const char *sep = k == 0 ? "" : (k + 1 == total ? " and " : ", ");
        int w = snprintf(buf + (*used < size ? *used : size),
                         *used < size ? size - *used : 0, "%s%s", sep,
                         names[j]);
        *used += w > 0 ? (size_t)w : 0;
        k++;
    }
}

static void put_text(const char *s, char *buf, size_t size, size_t *used)
{
    int w = snprintf(buf + (*used < size ? *used : size),
                     *used < size ? size - *used : 0, "%s", s);
    *used += w > 0 ? (size_t)w : 0;
}

size_t vc_synth_structure_words(size_t J, const char *const *names,
                                const uint32_t *nbr, char *buf,
                                size_t size)
{
    size_t used = 0;
    if (size > 0) {
        buf[0] = '\0';
    }
    clique_search c;
    c.J = J > 32 ? 32 : J;
    c.nbr = nbr;
    c.n = 0;
    uint32_t all = c.J == 32 ? UINT32_MAX : (UINT32_C(1) << c.J) - 1;
    bron_kerbosch(&c, 0, all, 0);
    uint32_t alone = 0;
    size_t clauses = 0;
    for (size_t k = 0; k < c.n; k++) {
        uint32_t q = c.cliques[k];
        if ((q & (q - 1)) == 0) {
            alone |= q;
            continue;
        }
        put_text(clauses ? "; " : "", buf, size, &used);
        put_names(c.J, names, q, buf, size, &used);
        put_text(" depend on each other", buf, size, &used);
        clauses++;
    }
    if (clauses == 0) {
        put_text("the lists are independent", buf, size, &used);
        return used;
    }
    if (alone != 0) {
        put_text("; ", buf, size, &used);
        put_names(c.J, names, alone, buf, size, &used);
        put_text((alone & (alone - 1)) ? " are each independent of the "
                                         "others"
                                       : " is independent of the others",
                 buf, size, &used);
    }
    return used;
}

/* ---------------------------------------------------------------------
 * The synthesis
 * ------------------------------------------------------------------- */

#define NOT_CONVERGED (VC_FLAG_NOT_CONVERGED | VC_FLAG_TAILS | VC_FLAG_REPLICA)

/* Why method m does not pass, into reason ("" when it passes). */
static void check_method(const vc_synth_method *m, char *reason,
                         size_t size)
{
    reason[0] = '\0';
    if (!m->has_estimate) {
        snprintf(reason, size, "no estimate%s%s", m->error ? ": " : "",
                 m->error ? m->error : "");
    } else if (m->flags & NOT_CONVERGED) {
        snprintf(reason, size, "not converged");
    } else if (!isnan(m->ppp) && m->ppp < VC_SYNTH_CHECK_P) {
        snprintf(reason, size, "its %s fails (p = %.2g)",
                 m->check ? m->check : "model check", m->ppp);
    }
}

/* "A, B and C" of the methods in mask. */
static void method_names(const vc_synth_method *m, size_t n, unsigned mask,
                         char *buf, size_t size)
{
    const char *names[VC_SYNTH_MAX_METHODS] = {NULL};
    for (size_t i = 0; i < n; i++) {
        names[i] = m[i].method;
    }
    size_t used = 0;
    buf[0] = '\0';
    put_names(n, names, mask, buf, size, &used);
}

static void about_text(double lo, double hi, char *buf, size_t size)
{
    char a[48], b[48];
    if (!(lo <= hi)) {
        /* never a range that reads backwards */
        double t = lo;
        lo = hi;
        hi = t;
    }
    vc_format_count(lo, a, sizeof a);
    vc_format_count(hi, b, sizeof b);
    snprintf(buf, size, "about %s\xE2\x80\x93%s", a, b);
}

/* The passing methods' regimes grouped across methods. */
static void group_regimes(const vc_synth_method *m, size_t n, unsigned use,
                          vc_synthesis *s)
{
    /* every member: (method, its regime or its interval) */
    double est[VC_SYNTH_MAX_METHODS * VC_SYNTH_MAX_REGIMES];
    double share[VC_SYNTH_MAX_METHODS * VC_SYNTH_MAX_REGIMES];
    size_t from[VC_SYNTH_MAX_METHODS * VC_SYNTH_MAX_REGIMES];
    const vc_synth_regime *reg[VC_SYNTH_MAX_METHODS * VC_SYNTH_MAX_REGIMES];
    size_t group[VC_SYNTH_MAX_METHODS * VC_SYNTH_MAX_REGIMES];
    vc_synth_regime own[VC_SYNTH_MAX_METHODS];
    size_t nm = 0, users = 0;
    for (size_t i = 0; i < n; i++) {
        users += use >> i & 1u;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(use >> i & 1u)) {
            continue;
        }
        const vc_synth_regime *r = m[i].regime;
        size_t k = m[i].nregimes;
        if (k == 0) {
            own[i].estimate = m[i].estimate;
            own[i].lower = m[i].lower;
            own[i].upper = m[i].upper;
            own[i].weight = 1.0;
            memcpy(own[i].structure, m[i].structure, sizeof own[i].structure);
            r = &own[i];
            k = 1;
        }
        double wsum = 0.0;
        for (size_t a = 0; a < k; a++) {
            wsum += r[a].weight;
        }
        for (size_t a = 0; a < k; a++) {
            est[nm] = r[a].estimate;
            share[nm] = (wsum > 0.0 ? r[a].weight / wsum : 1.0 / (double)k)
                        / (double)users;
            from[nm] = i;
            reg[nm] = &r[a];
            nm++;
        }
    }
    size_t ng = vc_log_mass_groups(est, share, nm, VC_SYNTH_REGIME_BANDWIDTH,
                                   group);
    s->nregimes = 0;
    for (size_t g = 0; g < ng && s->nregimes < VC_SYNTH_MAX_REGIMES; g++) {
        vc_synth_group *out = &s->regime[s->nregimes];
        memset(out, 0, sizeof *out);
        double logsum = 0.0, heaviest = -1.0;
        out->lower = HUGE_VAL;
        out->upper = -HUGE_VAL;
        for (size_t k = 0; k < nm; k++) {
            if (group[k] != g) {
                continue;
            }
            out->weight += share[k];
            logsum += share[k] * log(est[k]);
            out->methods |= 1u << from[k];
            out->lower = reg[k]->lower < out->lower ? reg[k]->lower
                                                    : out->lower;
            out->upper = reg[k]->upper > out->upper ? reg[k]->upper
                                                    : out->upper;
            /* named by its heaviest member, preferring a dependence
             * structure of the method's own regimes (dga's graph, a
             * log-linear model) to a method's one generic description
             * (lcm's latent classes) */
            double rank = share[k] + (m[from[k]].nregimes > 0 ? 1.0 : 0.0);
            if (rank > heaviest) {
                heaviest = rank;
                memcpy(out->structure, reg[k]->structure,
                       sizeof out->structure);
            }
        }
        /* a regime with almost no weight (dga's saturated graph, say) is
         * clutter, not an explanation */
        if (out->methods == 0 || out->weight < VC_SYNTH_REGIME_MIN_LISTED) {
            continue;
        }
        out->estimate = out->weight > 0.0 ? exp(logsum / out->weight)
                                          : NAN;
        s->nregimes++;
    }
}

static const char *count_word(size_t k)
{
    static const char *const w[] = {"No", "One", "Two", "Three", "Four",
                                    "Five", "Six", "Seven", "Eight"};
    return k < sizeof w / sizeof w[0] ? w[k] : "Several";
}

/* The sentences. */
static void word_statement(const vc_synth_method *m, size_t n,
                           int figures, vc_synthesis *s)
{
    char *b = s->statement;
    size_t size = sizeof s->statement, used = 0;
    char names[512], about[128], line[1024];
    b[0] = '\0';
    unsigned with_est = 0;
    for (size_t i = 0; i < n; i++) {
        with_est |= (unsigned)(m[i].has_estimate != 0) << i;
    }
    if (s->passing == 0) {
        put_text("No method passes its checks: quote none of these figures "
                 "without a closer look; their envelope is ",
                 b, size, &used);
        put_text(s->about, b, size, &used);
        put_text(".", b, size, &used);
    } else {
        size_t npass = 0, heavy = 0;
        for (size_t i = 0; i < n; i++) {
            npass += s->passing >> i & 1u;
        }
        for (size_t g = 0; g < s->nregimes; g++) {
            heavy += s->regime[g].weight >= VC_SYNTH_REGIME_MIN_WEIGHT;
        }
        method_names(m, n, s->passing, names, sizeof names);
        if (npass == 1) {
            snprintf(line, sizeof line, "Only %s passes its checks: there "
                     "is nothing to compare it with.", names);
        } else if (s->agree) {
            char common[128];
            double clo, chi;
            vc_about_range(s->common_lower, s->common_upper, figures, &clo,
                           &chi);
            about_text(clo, chi, common, sizeof common);
            snprintf(line, sizeof line, "The methods agree: the intervals "
                     "of %s overlap (all of them include %s).", names,
                     common);
        } else {
            snprintf(line, sizeof line, "The methods disagree: the "
                     "intervals of %s do not all overlap.", names);
        }
        put_text(line, b, size, &used);
        if (heavy >= 2) {
            /* the explanations, each with its range and its methods */
            double wmin = 1.0, wmax = 0.0;
            for (size_t g = 0; g < s->nregimes; g++) {
                double w = s->regime[g].weight;
                if (w >= VC_SYNTH_REGIME_MIN_WEIGHT) {
                    wmin = w < wmin ? w : wmin;
                    wmax = w > wmax ? w : wmax;
                }
            }
            snprintf(line, sizeof line, " %s explanations fit the data%s: ",
                     count_word(heavy),
                     wmax <= 2.0 * wmin ? " about equally well" : "");
            put_text(line, b, size, &used);
            size_t k = 0;
            for (size_t g = 0; g < s->nregimes; g++) {
                const vc_synth_group *r = &s->regime[g];
                if (r->weight < VC_SYNTH_REGIME_MIN_WEIGHT) {
                    continue;
                }
                double alo, ahi;
                vc_about_range(r->lower, r->upper, figures, &alo, &ahi);
                about_text(alo, ahi, about, sizeof about);
                method_names(m, n, r->methods, names, sizeof names);
                snprintf(line, sizeof line, "%s%s (%s; %s)",
                         k == 0 ? "" : (k + 1 == heavy ? " or " : ", "),
                         r->structure, about, names);
                put_text(line, b, size, &used);
                k++;
            }
            put_text(".", b, size, &used);
        }
        snprintf(line, sizeof line, " Quote %s%s.", s->about,
                 heavy >= 2 ? " unless other information rules one out"
                            : "");
        put_text(line, b, size, &used);
    }
    for (size_t i = 0; i < n; i++) {
        if (s->reason[i][0] != '\0') {
            snprintf(line, sizeof line, " %s is left out: %s.",
                     m[i].method, s->reason[i]);
            put_text(line, b, size, &used);
        }
    }
    (void)with_est;
}

int vc_synthesize(const vc_synth_method *m, size_t n, int figures,
                  vc_synthesis *s, vc_error *err)
{
    memset(s, 0, sizeof *s);
    if (n == 0 || n > VC_SYNTH_MAX_METHODS) {
        return vc_error_set(err, VC_EINVAL,
                            "a synthesis takes 1 to %d methods, not %zu",
                            VC_SYNTH_MAX_METHODS, n);
    }
    s->nmethods = n;
    unsigned with_est = 0;
    for (size_t i = 0; i < n; i++) {
        check_method(&m[i], s->reason[i], sizeof s->reason[i]);
        if (s->reason[i][0] == '\0') {
            s->passing |= 1u << i;
        }
        if (m[i].has_estimate) {
            with_est |= 1u << i;
        }
    }
    if (with_est == 0) {
        return vc_error_set(err, VC_EINVAL,
                            "no method gave an estimate to synthesise");
    }
    /* agreement: every pair of passing intervals overlaps */
    s->agree = s->passing != 0;
    double lo_max = -HUGE_VAL, hi_min = HUGE_VAL;
    double lo_min = HUGE_VAL, hi_max = -HUGE_VAL;
    unsigned use = s->passing ? s->passing : with_est;
    for (size_t i = 0; i < n; i++) {
        if (!(use >> i & 1u)) {
            continue;
        }
        lo_max = m[i].lower > lo_max ? m[i].lower : lo_max;
        hi_min = m[i].upper < hi_min ? m[i].upper : hi_min;
        lo_min = m[i].lower < lo_min ? m[i].lower : lo_min;
        hi_max = m[i].upper > hi_max ? m[i].upper : hi_max;
    }
    /* in one dimension the intervals overlap pairwise exactly when the
     * largest lower end lies at or below the smallest upper end (Helly) */
    s->agree = s->agree && lo_max <= hi_min;
    /* The quote is the envelope whether or not they agree: the range
     * they cover together contains each passing interval, so it covers N
     * at least as often as the best of them (issue 17's check).  Their
     * intersection, the range all of them share, is narrower than every
     * one, so it covers N less often than the worst: on the coverage
     * study's independent populations 92.5% against each method's 95%
     * (bench/COVERAGE.md).  It is kept as `common` for the record. */
    s->quote_lower = lo_min;
    s->quote_upper = hi_max;
    s->common_lower = s->agree ? lo_max : NAN;
    s->common_upper = s->agree ? hi_min : NAN;
    vc_about_range(s->quote_lower, s->quote_upper, figures, &s->about_lower,
                   &s->about_upper);
    about_text(s->about_lower, s->about_upper, s->about, sizeof s->about);
    group_regimes(m, n, use, s);
    word_statement(m, n, figures, s);
    return VC_OK;
}
