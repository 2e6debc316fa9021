/*
 * bench_link_fm.c: what the false matches of the linker are, on simulated
 * lists with known truth (tests/link_sim.h's lists and errors, kept here
 * record by record): each wrongly joined pair is classed by its
 * normalised names and dates (namesakes, a missing date, the same year),
 * with the pairwise precision and recall at the threshold.  The study
 * behind bench/RESULTS.md ("Why precision falls at 20,000 people").
 *
 * Usage: build/bench/bench_link_fm [people (20000)] [threshold (0.875)]
 *        [seed (13)]; M=bits per filter and DB=date budget in the
 *        environment try other schemas (the defaults: 1024 and 200).
 */
#include <stdio.h>
#include <math.h>
#include "tests/link_sim.h"
static const uint8_t secret[] = "a shared secret of 32 bytes, ok";
typedef struct { char g[64], f[64], dob[16]; int married; uint32_t person; } rec;
/* For each cluster of res, list b's record in it (-1 when none): the
 * partner of list a's record i is then map[res->cluster[offset[a] + i]].
 * Free with free(). */
static long *partners(const vc_link_result *res, const link_sim *ls, int b)
{
    size_t NN = res->offset[3];
    long *cb = malloc((NN + 1) * sizeof *cb);
    for (size_t k = 0; k < NN; k++) cb[k] = -1;
    for (size_t i = 0; i < ls->sets[b]->n; i++) cb[res->cluster[res->offset[b] + i]] = (long)i;
    return cb;
}
int main(int argc, char **argv)
{
    size_t N = argc > 1 ? strtoul(argv[1], 0, 10) : 20000;
    double t = argc > 2 ? atof(argv[2]) : 0.875;
    uint64_t seed = argc > 3 ? strtoull(argv[3], 0, 10) : 13;
    static const vc_sim_errors errors = {0.05, 0.20, 0.05, 0.03, 0.05};
    vc_link_schema s; vc_link_schema_default(&s); if (getenv("M")) s.m = strtoul(getenv("M"),0,10); if (getenv("DB")) s.fields[2].bits = strtoul(getenv("DB"),0,10); if (getenv("CLK")) s.field_scored = 0;
    vc_link_encoder *e = vc_link_encoder_alloc(&s, secret, 31, NULL);
    double p[3] = {0.5, 0.4, 0.3};
    size_t words = vc_link_encoder_words(e);
    char check[33]; vc_link_key_check(e, check);
    link_sim ls; memset(&ls, 0, sizeof ls); ls.J = 3;
    rec *R[3];
    gsl_rng *r = vc_rng_stream_alloc(seed, 0, 0, 0, NULL);
    for (size_t j = 0; j < 3; j++) {
        char name[16]; snprintf(name, sizeof name, "L%zu", j + 1);
        ls.sets[j] = link_sim_set(name, N, words);
        ls.person[j] = malloc((N + 1) * sizeof *ls.person[j]);
        R[j] = calloc(N + 1, sizeof *R[j]);
        memcpy(ls.sets[j]->schema, s.hash, 65); memcpy(ls.sets[j]->key_check, check, 33);
        vc_link_set_layout(ls.sets[j], &s);
    }
    for (size_t i = 0; i < N; i++) {
        vc_sim_person per; vc_sim_person_draw(r, &per);
        for (size_t j = 0; j < 3; j++) {
            if (gsl_rng_uniform(r) >= p[j]) continue;
            vc_sim_list_style st = {(int)(j % 2) ? VC_SIM_CYRILLIC : VC_SIM_LATIN, (int)((j / 2) % VC_SIM_CONVENTIONS), (int)(j % 3)};
            vc_sim_record rc; vc_sim_record_write(r, &per, &st, &errors, &rc);
            const char *v[5] = {rc.given, rc.family, rc.dob, rc.sex, rc.nationality};
            vc_link_set *S = ls.sets[j];
            vc_link_encode(e, v, S->filters + S->n * words, NULL);
            S->ids[S->n] = NULL;
            rec *x = &R[j][S->n];
            vc_link_normalise_name(rc.given, strlen(rc.given), x->g, sizeof x->g, NULL);
            vc_link_normalise_name(rc.family, strlen(rc.family), x->f, sizeof x->f, NULL);
            vc_link_date d; vc_link_parse_date(rc.dob, &d, NULL);
            snprintf(x->dob, sizeof x->dob, "%04d%02d%02d", d.year, d.month, d.day);
            x->married = rc.married; x->person = (uint32_t)i;
            ls.person[j][S->n] = (uint32_t)i; S->n++;
        }
    }
    const vc_link_set *sets[3] = {ls.sets[0], ls.sets[1], ls.sets[2]};
    const char *names[3] = {"A","B","C"};
    vc_link_opts o = {t, 0.0, 2, 0, 1, NULL, 0, 0};
    vc_link_result *res; vc_link_run(sets, 3, names, &o, &res, NULL);
    double prec, recall; link_sim_quality(&ls, res, &prec, &recall);
    printf("N %zu t %.3f precision %.4f recall %.4f\n", N, t, prec, recall);
    long fp = 0, missdob = 0, samename = 0, samedob = 0, sameyear = 0, samegiven = 0, samefam = 0, married = 0;
    double dsum = 0;
    for (int a = 0; a < 3; a++) for (int b = a + 1; b < 3; b++) {
        long *cb = partners(res, &ls, b);
        for (size_t i = 0; i < ls.sets[a]->n; i++) {
            long k = cb[res->cluster[res->offset[a] + i]];
            if (k < 0) continue;
            rec *x = &R[a][i], *y = &R[b][k];
            if (x->person == y->person) continue;
            fp++;
            int md = strcmp(x->dob, "00000000") == 0 || strcmp(y->dob, "00000000") == 0;
            missdob += md;
            samename += strcmp(x->g, y->g) == 0 && strcmp(x->f, y->f) == 0;
            samegiven += strcmp(x->g, y->g) == 0;
            samefam += strcmp(x->f, y->f) == 0;
            samedob += !md && strcmp(x->dob, y->dob) == 0;
            sameyear += !md && strncmp(x->dob, y->dob, 4) == 0;
            married += x->married || y->married;
            double dice = vc_link_score(ls.sets[a], ls.sets[a]->filters + i * words, ls.sets[b]->filters + (size_t)k * words);
            dsum += dice;
            if (fp <= 5) printf("  %s %s %s | %s %s %s  dice %.3f\n", x->g, x->f, x->dob, y->g, y->f, y->dob, dice);
        }
        free(cb);
    }
    if (getenv("FREQ")) {
        /* how common are the names of linked pairs with a date missing? */
        size_t tot = 0; for (int j = 0; j < 3; j++) tot += ls.sets[j]->n;
        long hf[8] = {0}, ht[8] = {0};
        for (int a = 0; a < 3; a++) for (int b = a + 1; b < 3; b++) {
            long *cb = partners(res, &ls, b);
            for (size_t i = 0; i < ls.sets[a]->n; i++) {
                long k = cb[res->cluster[res->offset[a] + i]];
                if (k < 0) continue;
                rec *x = &R[a][i], *y = &R[b][k];
                int md = strcmp(x->dob, "00000000") == 0 || strcmp(y->dob, "00000000") == 0;
                if (!md) continue;
                long c = 0;
                for (int j = 0; j < 3; j++) for (size_t q = 0; q < ls.sets[j]->n; q++)
                    c += strcmp(R[j][q].g, x->g) == 0 && strcmp(R[j][q].f, x->f) == 0;
                int bin = c <= 1 ? 0 : c == 2 ? 1 : c == 3 ? 2 : c <= 5 ? 3 : c <= 8 ? 4 : c <= 12 ? 5 : c <= 20 ? 6 : 7;
                if (x->person == y->person) ht[bin]++; else hf[bin]++;
            }
            free(cb);
        }
        printf("records %zu; missing-date links by count of the name pair (<=1,2,3,4-5,6-8,9-12,13-20,>20):\n true ", tot);
        for (int q = 0; q < 8; q++) printf(" %ld", ht[q]);
        printf("\n false");
        for (int q = 0; q < 8; q++) printf(" %ld", hf[q]);
        printf("\n");
    }
    printf("false pairs %ld: one date missing %ld, same given+family %ld, same given %ld, same family %ld, same date %ld, same year %ld, married %ld, mean dice %.3f\n",
           fp, missdob, samename, samegiven, samefam, samedob, sameyear, married, fp ? dsum / (double)fp : 0.0);
    (void)link_sim_make; /* the lists are drawn here, record by record */
    vc_link_result_free(res);
    link_sim_free(&ls);
    for (size_t j = 0; j < 3; j++) {
        free(R[j]);
    }
    gsl_rng_free(r);
    vc_link_encoder_free(e);
    vc_link_schema_clear(&s);
    return 0;
}
