/*
 * bench_link_err.c: the linkage-error estimates of `link --report` against
 * the truth, on simulated lists (tests/link_sim.h's people and recording
 * errors, three lists, field-scored encodings).  Per pair of lists: the
 * true false and missed matches (from who is who) beside those of the
 * Fellegi-Sunter model (link/linkerr.c, what the report uses for format
 * 2) and of the Beta mixture of scores (what it used before); then the
 * multiple-list estimate uncorrected, corrected from the model's rates,
 * and corrected from the true rates; then the missed true pairs by score
 * and by each field's agreement level (why matches are missed).  The
 * study behind bench/RESULTS.md ("Linkage error").
 *
 * Usage: build/bench/bench_link_err [people (3000)] [threshold (0.875)]
 *        [seed (1)] [heavy (0: the errors of bench_link_fm; 1: those of
 *        the known-truth tests)]
 */
#include <math.h>
#include <stdio.h>

#include "link/link_impl.h"
#include "tests/link_sim.h"

static const uint8_t secret[] = "a shared secret of 32 bytes, ok";

/* Field g's level in the pair (x, y), as the model sees it. */
static unsigned level(const vc_link_set *s, const uint64_t *x,
                      const uint64_t *y, size_t g)
{
    return vci_agreement_pattern(x, y, s->nseg, s->seg_words) >> (2 * g) & 3u;
}

int main(int argc, char **argv)
{
    size_t N = argc > 1 ? strtoul(argv[1], NULL, 10) : 3000;
    double t = argc > 2 ? atof(argv[2]) : VC_LINK_DEFAULT_THRESHOLD;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    int heavy = argc > 4 && atoi(argv[4]) != 0;
    vc_sim_errors errors = {0.05, 0.20, 0.05, 0.03, 0.05};
    if (heavy) {
        vc_sim_errors h = {0.15, 0.30, 0.10, 0.05, 0.10};
        errors = h;
    }
    vc_link_schema s;
    vc_link_schema_default(&s);
    vc_link_encoder *e = vc_link_encoder_alloc(&s, secret, 31, NULL);
    double p[3] = {0.3, 0.25, 0.2};
    link_sim ls;
    if (e == NULL || link_sim_make(&ls, 3, p, N, seed, &errors, &s, e) != 0) {
        fprintf(stderr, "bench_link_err: simulation failed\n");
        return 1;
    }
    const vc_link_set *sets[3] = {ls.sets[0], ls.sets[1], ls.sets[2]};
    const char *names[3] = {"A", "B", "C"};
    size_t records[3] = {ls.sets[0]->n, ls.sets[1]->n, ls.sets[2]->n};
    vc_link_opts o = {t, 0.0, 1, 0, 1, NULL, 0, VC_LINK_FS_FLOOR};
    vc_link_result *r = NULL;
    if (vc_link_run(sets, 3, names, &o, &r, NULL) != VC_OK) {
        fprintf(stderr, "bench_link_err: link failed\n");
        return 1;
    }
    size_t words = ls.sets[0]->words;
    vc_link_dct oracle, model;
    memset(&oracle, 0, sizeof oracle);
    memset(&model, 0, sizeof model);
    long by_score[20] = {0};
    long by_level[VC_LINK_MAX_FIELDS][VC_LINK_LEVELS];
    memset(by_level, 0, sizeof by_level);
    double precision, recall;
    link_sim_quality(&ls, r, &precision, &recall);
    printf("N %zu, threshold %.3f, seed %llu, %s errors: pairwise precision "
           "%.4f, recall %.4f\n",
           N, t, (unsigned long long)seed, heavy ? "heavy" : "default",
           precision, recall);
    for (size_t a = 0; a < 3; a++) {
        for (size_t b = a + 1; b < 3; b++) {
            /* the truth: person -> record of b, cluster -> record of b */
            long *rec_b = malloc((N + 1) * sizeof *rec_b);
            long *clu_b = malloc((r->offset[3] + 1) * sizeof *clu_b);
            for (size_t k = 0; k <= N; k++) {
                rec_b[k] = -1;
            }
            for (size_t k = 0; k <= r->offset[3]; k++) {
                clu_b[k] = -1;
            }
            for (size_t i = 0; i < ls.sets[b]->n; i++) {
                rec_b[ls.person[b][i]] = (long)i;
                clu_b[r->cluster[r->offset[b] + i]] = (long)i;
            }
            long M = 0, linked = 0, fp = 0, missed = 0;
            for (size_t i = 0; i < ls.sets[a]->n; i++) {
                long want = rec_b[ls.person[a][i]];
                long got = clu_b[r->cluster[r->offset[a] + i]];
                linked += got >= 0;
                fp += got >= 0 && got != want;
                if (want < 0) {
                    continue;
                }
                M++;
                if (got == want) {
                    continue;
                }
                missed++;
                const uint64_t *x = ls.sets[a]->filters + i * words;
                const uint64_t *y = ls.sets[b]->filters + (size_t)want * words;
                int bin = (int)(vc_link_score(ls.sets[a], x, y) * 20);
                by_score[bin > 19 ? 19 : bin]++;
                for (size_t g = 0; g < ls.sets[a]->nseg; g++) {
                    by_level[g][level(ls.sets[a], x, y, g)]++;
                }
            }
            free(rec_b);
            free(clu_b);
            double n2 = (double)records[b];
            oracle.alpha[a * 3 + b] = 1.0 - (double)missed / (double)M;
            oracle.beta[a * 3 + b] = (double)fp / (n2 - (double)M);
            printf("lists %s-%s: %ld true matches, %ld linked; false %ld, "
                   "missed %ld\n",
                   names[a], names[b], M, linked, fp, missed);
            vc_link_fs fs;
            vc_link_errors le;
            vc_error err;
            vc_error_clear(&err);
            if (vc_link_fs_fit(r, a, b, &fs, &err) == VC_OK) {
                vc_link_fs_errors(&fs, r, a, b, &le);
                vc_link_error_probs(&le, n2, &model.alpha[a * 3 + b],
                                    &model.beta[a * 3 + b]);
                printf("  Fellegi-Sunter model: false %.1f, missed %.1f "
                       "(%d iterations)\n",
                       le.false_matches, le.missed_matches, fs.iterations);
            } else {
                printf("  Fellegi-Sunter model: %s\n", err.msg);
            }
            const uint64_t *h = r->hist + (a * 3 + b) * VC_LINK_HIST;
            vc_link_mixture mix;
            if (vc_link_mixture_fit(h, VC_LINK_HIST, VC_LINK_ERR_FLOOR, &mix,
                                    &err)
                == VC_OK) {
                vc_link_mixture_errors(&mix, h, VC_LINK_HIST, t,
                                       r->pair_candidates[a * 3 + b],
                                       r->pair_matches[a * 3 + b], &le);
                printf("  Beta mixture of scores: false %.1f, missed %.1f\n",
                       le.false_matches, le.missed_matches);
            } else {
                printf("  Beta mixture of scores: %s\n", err.msg);
            }
        }
    }
    if (vc_link_dct_fit(r, &model, NULL) == VC_OK
        && vc_link_dct_fit(r, &oracle, NULL) == VC_OK) {
        printf("independence estimate of N = %zu: uncorrected %.0f "
               "(%.0f-%.0f); corrected from the model's rates %.0f "
               "(%.0f-%.0f); from the true rates %.0f (%.0f-%.0f)\n",
               N, model.uncorrected.N, model.uncorrected.lo,
               model.uncorrected.hi, model.corrected.N, model.corrected.lo,
               model.corrected.hi, oracle.corrected.N, oracle.corrected.lo,
               oracle.corrected.hi);
    }
    printf("missed true pairs by score (bins of 0.05):");
    for (int k = 0; k < 20; k++) {
        if (by_score[k] > 0) {
            printf(" %.2f: %ld", k * 0.05, by_score[k]);
        }
    }
    printf("\nmissed true pairs by field (exact / close / far / missing):\n");
    for (size_t g = 0; g < s.nfields; g++) {
        printf("  %-14s %ld / %ld / %ld / %ld\n", s.fields[g].name,
               by_level[g][0], by_level[g][1], by_level[g][2],
               by_level[g][3]);
    }
    vc_link_result_free(r);
    link_sim_free(&ls);
    vc_link_encoder_free(e);
    vc_link_schema_clear(&s);
    return 0;
}
