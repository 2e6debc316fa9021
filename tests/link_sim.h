/*
 * link_sim.h: lists of simulated people with recording errors (sim/),
 * encoded (link/) with the truth kept, for the known-truth linkage test
 * and the linkage benchmark.  Header-only (static functions) so that
 * tests/ and bench/ share it without a library of their own.
 */
#ifndef VC_LINK_SIM_H
#define VC_LINK_SIM_H

#include <stdlib.h>
#include <string.h>

#include "link/vc_link.h"
#include "sim/vc_sim.h"

/* J lists drawn from N people; list j catches each person with
 * probability p[j].  sets[j] (returned, vc_link_set_free) hold the
 * encodings; person[j][i] (returned, free) the person of record i. */
typedef struct {
    size_t J;
    vc_link_set *sets[VC_MAX_LISTS];
    uint32_t *person[VC_MAX_LISTS];
    double encode_seconds; /* filled by the caller if it times */
    size_t encoded;
} link_sim;

static void link_sim_free(link_sim *ls)
{
    for (size_t j = 0; j < ls->J; j++) {
        vc_link_set_free(ls->sets[j]);
        free(ls->person[j]);
    }
}

static vc_link_set *link_sim_set(const char *name, size_t cap, size_t words)
{
    vc_link_set *s = calloc(1, sizeof *s);
    s->source = strdup(name);
    s->list = strdup(name);
    s->bits = 64 * words;
    s->words = words;
    s->ids = calloc(cap + 1, sizeof *s->ids);
    s->strata = calloc(1, sizeof *s->strata);
    s->filters = malloc((cap + 1) * words * sizeof *s->filters);
    return s;
}

/* Returns 0, or -1 when an allocation or an encoding failed. */
static int link_sim_make(link_sim *ls, size_t J, const double *p, size_t N,
                         uint64_t seed, const vc_sim_errors *errors,
                         const vc_link_schema *schema, vc_link_encoder *e)
{
    memset(ls, 0, sizeof *ls);
    ls->J = J;
    size_t words = vc_link_encoder_words(e);
    char check[33];
    vc_link_key_check(e, check);
    gsl_rng *r = vc_rng_stream_alloc(seed, 0, 0, 0, NULL);
    if (r == NULL) {
        return -1;
    }
    for (size_t j = 0; j < J; j++) {
        char name[16];
        snprintf(name, sizeof name, "L%zu", j + 1);
        ls->sets[j] = link_sim_set(name, N, words);
        ls->person[j] = malloc((N + 1) * sizeof *ls->person[j]);
        memcpy(ls->sets[j]->schema, schema->hash, 65);
        vc_link_set_layout(ls->sets[j], schema);
        memcpy(ls->sets[j]->key_check, check, 33);
    }
    int rc = 0;
    for (size_t i = 0; i < N && rc == 0; i++) {
        vc_sim_person per;
        vc_sim_person_draw(r, &per);
        for (size_t j = 0; j < J && rc == 0; j++) {
            if (gsl_rng_uniform(r) >= p[j]) {
                continue;
            }
            vc_sim_list_style st = {
                (int)(j % 2) ? VC_SIM_CYRILLIC : VC_SIM_LATIN,
                (int)((j / 2) % VC_SIM_CONVENTIONS), (int)(j % 3)};
            vc_sim_record rec;
            vc_sim_record_write(r, &per, &st, errors, &rec);
            const char *v[5] = {rec.given, rec.family, rec.dob, rec.sex,
                                rec.nationality};
            vc_link_set *s = ls->sets[j];
            if (vc_link_encode(e, v, s->filters + s->n * words, NULL)
                != VC_OK) {
                rc = -1;
                break;
            }
            s->ids[s->n] = NULL;
            ls->person[j][s->n] = (uint32_t)i;
            s->n++;
            ls->encoded++;
        }
    }
    gsl_rng_free(r);
    return rc;
}

/* Pairwise precision and recall of the clusters of r (made with
 * keep_clusters) against the truth: pairs of records of different lists
 * in one cluster, against pairs of records of one person. */
static void link_sim_quality(const link_sim *ls, const vc_link_result *r,
                             double *precision, double *recall)
{
    uint64_t tp = 0;
    uint64_t fp = 0;
    uint64_t fn = 0;
    for (size_t a = 0; a < ls->J; a++) {
        for (size_t b = a + 1; b < ls->J; b++) {
            /* the truth's pairs: person -> record of b */
            size_t maxp = 0;
            for (size_t i = 0; i < ls->sets[b]->n; i++) {
                if (ls->person[b][i] + 1 > maxp) {
                    maxp = ls->person[b][i] + 1;
                }
            }
            for (size_t i = 0; i < ls->sets[a]->n; i++) {
                if (ls->person[a][i] + 1 > maxp) {
                    maxp = ls->person[a][i] + 1;
                }
            }
            long *rec_b = malloc((maxp + 1) * sizeof *rec_b);
            for (size_t k = 0; k <= maxp; k++) {
                rec_b[k] = -1;
            }
            for (size_t i = 0; i < ls->sets[b]->n; i++) {
                rec_b[ls->person[b][i]] = (long)i;
            }
            /* the clusters' pairs: cluster -> record of b */
            size_t N = r->offset[ls->J];
            long *clu_b = malloc((N + 1) * sizeof *clu_b);
            for (size_t k = 0; k <= N; k++) {
                clu_b[k] = -1;
            }
            for (size_t i = 0; i < ls->sets[b]->n; i++) {
                clu_b[r->cluster[r->offset[b] + i]] = (long)i;
            }
            for (size_t i = 0; i < ls->sets[a]->n; i++) {
                long tb = rec_b[ls->person[a][i]];
                long cb = clu_b[r->cluster[r->offset[a] + i]];
                if (cb >= 0 && cb == tb) {
                    tp++;
                } else {
                    fp += cb >= 0;
                    fn += tb >= 0;
                }
            }
            free(rec_b);
            free(clu_b);
        }
    }
    *precision = tp + fp ? (double)tp / (double)(tp + fp) : 1.0;
    *recall = tp + fn ? (double)tp / (double)(tp + fn) : 1.0;
}

#endif /* VC_LINK_SIM_H */
