/*
 * fuzz_model.c: libFuzzer harness for the model syntax of --model
 * (vc_loglin_model_parse and vc_loglin_model_format,
 * estimators/loglin_model.c).
 *
 * Input: a first line naming the lists, comma-separated ("IOM,NGO,Police"),
 * or "#J" for J lists without names (the bracket form and keywords only);
 * the rest of the input is the model string, e.g. "[12,3] + h=Chao".
 *
 * Properties checked besides the sanitizers: a refusal is VC_EINVAL with
 * a one-line message; a parsed model has J lists, at most
 * VC_LOGLIN_MAX_TERMS interactions of two or more lists inside J bits,
 * sorted by order then mask, closed under subsets (hierarchical), no
 * interaction in an M0 model, and a heterogeneity form with a valid
 * theta; vc_loglin_model_format writes it in both forms (into a buffer of
 * any size, always NUL-terminated), and what it writes parses back to the
 * same model, as vc_loglin.h promises, whatever the list names hold (when
 * they are distinct).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/vc_loglin.h"
#include "fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A few more lists than the log-linear code takes, to try the refusal. */
#define MAX_NAMES (VC_LOGLIN_MAX_LISTS + 3)

static int model_equal(const vc_loglin_model *a, const vc_loglin_model *b)
{
    return a->J == b->J && a->nterms == b->nterms && a->het == b->het
           && a->theta == b->theta && a->common == b->common
           && a->eta_zero == b->eta_zero
           && memcmp(a->term, b->term, a->nterms * sizeof a->term[0]) == 0;
}

static int popcount(uint32_t x)
{
    return __builtin_popcount(x);
}

static void check_model(const vc_loglin_model *m, size_t J)
{
    FUZZ_CHECK(m->J == J);
    FUZZ_CHECK(m->nterms <= VC_LOGLIN_MAX_TERMS);
    FUZZ_CHECK(!m->common || m->nterms == 0);
    for (size_t i = 0; i < m->nterms; i++) {
        uint32_t t = m->term[i];
        FUZZ_CHECK(popcount(t) >= 2);
        FUZZ_CHECK((t >> J) == 0);
        if (i > 0) {
            uint32_t u = m->term[i - 1];
            FUZZ_CHECK(popcount(u) < popcount(t)
                       || (popcount(u) == popcount(t) && u < t));
        }
        /* Hierarchical: every subset with two or more lists is in. */
        for (uint32_t s = (t - 1) & t; s != 0; s = (s - 1) & t) {
            FUZZ_CHECK(vc_loglin_model_has(m, s));
        }
    }
    switch (m->het) {
    case VC_LOGLIN_HET_NONE:
    case VC_LOGLIN_HET_CHAO:
    case VC_LOGLIN_HET_DARROCH:
        FUZZ_CHECK(m->theta == 0.0);
        break;
    case VC_LOGLIN_HET_POISSON:
        FUZZ_CHECK(m->theta > 1.0 && isfinite(m->theta));
        break;
    case VC_LOGLIN_HET_GAMMA:
        FUZZ_CHECK(m->theta > 0.0 && isfinite(m->theta));
        break;
    default:
        FUZZ_CHECK(!"unknown heterogeneity form");
    }
    FUZZ_CHECK(m->het == VC_LOGLIN_HET_NONE || J >= 3);
}

/* Format m (names NULL: bracket form) and parse it back; pick chooses
 * the size of a buffer too small for it. */
static void check_round_trip(const vc_loglin_model *m, const char *const *names,
                             size_t pick)
{
    char buf[16384];
    vc_error err;
    vc_error_clear(&err);
    int status = vc_loglin_model_format(m, names, buf, sizeof buf, &err);
    if (names == NULL && m->J > 9 && !m->common) {
        FUZZ_CHECK(status == VC_EINVAL);
        return;
    }
    FUZZ_CHECK(status == VC_OK);
    vc_loglin_model back;
    vc_error_clear(&err);
    status = vc_loglin_model_parse(buf, m->J, names, &back, &err);
    if (status != VC_OK || !model_equal(m, &back)) {
        fuzz_note(buf, status != VC_OK ? err.msg : "parsed to another model");
    }
    FUZZ_CHECK(status == VC_OK);
    FUZZ_CHECK(model_equal(m, &back));
    /* A shorter buffer holds a NUL-terminated prefix.  One size per input
     * (chosen by pick), not all of them: the harness stays fast, and the
     * corpus tries every size over the run. */
    size_t len = strlen(buf);
    if (len > 0) {
        size_t size = 1 + pick % len;
        char *small = malloc(size);
        FUZZ_CHECK(small != NULL);
        vc_error_clear(&err);
        status = vc_loglin_model_format(m, names, small, size, &err);
        FUZZ_CHECK(status == VC_EINVAL);
        FUZZ_CHECK(strlen(small) < size);
        FUZZ_CHECK(strncmp(small, buf, strlen(small)) == 0);
        free(small);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl == NULL) {
        return 0;
    }
    size_t hlen = (size_t)(nl - data);
    char *names[MAX_NAMES];
    size_t J = 0;
    int named = !(hlen > 0 && data[0] == '#');
    if (named) {
        size_t start = 0;
        for (size_t i = 0; i <= hlen; i++) {
            if (i == hlen || data[i] == ',') {
                if (J == MAX_NAMES) {
                    break;
                }
                names[J++] = fuzz_strndup(data + start, i - start);
                start = i + 1;
            }
        }
    } else {
        for (size_t i = 1; i < hlen && i < 4; i++) {
            if (data[i] < '0' || data[i] > '9') {
                break;
            }
            J = J * 10 + (size_t)(data[i] - '0');
        }
    }
    char *spec = fuzz_strndup(nl + 1, size - hlen - 1);
    const char *const *nm = named ? (const char *const *)names : NULL;
    vc_loglin_model m;
    vc_error err;
    vc_error_clear(&err);
    int status = vc_loglin_model_parse(spec, J, nm, &m, &err);
    if (status != VC_OK) {
        FUZZ_CHECK(status == VC_EINVAL && err.code == VC_EINVAL);
        FUZZ_CHECK(fuzz_one_line(err.msg));
    } else {
        check_model(&m, J);
        check_round_trip(&m, NULL, size);
        /* Names can be told apart only when they differ (a table's always
         * do: the CSV intake refuses a repeated column name). */
        int distinct = 1;
        for (size_t j = 0; named && j < J; j++) {
            for (size_t i = 0; i < j; i++) {
                distinct &= strcmp(names[i], names[j]) != 0;
            }
        }
        if (named && distinct) {
            check_round_trip(&m, nm, size);
        }
    }
    free(spec);
    for (size_t j = 0; named && j < J; j++) {
        free(names[j]);
    }
    return 0;
}
