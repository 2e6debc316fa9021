/*
 * test_data.c: the data suite: CSV intake (data/csv*.c) into vc_table.
 *
 * Known values come from the published tables in data/reference
 * (see SOURCES.md there); every documented malformed input has a fixture
 * in tests/fixtures/ and a test that checks its status code and that the
 * message names the line and the column.  Paths are relative to the
 * repository root, where `make test` runs.
 *
 * The small fixtures agg_*.csv and record.csv all hold one made-up table
 * over lists A, B, C with unrelated counts (BASE_* below), written in
 * different ways.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "data/vc_data.h"
#include "tests/test_util.h"

#define FIX "tests/fixtures/"

/* The table of the agg_*.csv fixtures: pattern bit 0 = A, 1 = B, 2 = C. */
static const uint32_t BASE_PAT[] = {1, 2, 3, 4, 5, 6, 7};
static const uint64_t BASE_CNT[] = {23, 17, 5, 31, 7, 3, 2};
#define BASE_NPAT 7
#define BASE_N 88

static vc_read_opts no_opts(void)
{
    vc_read_opts o;
    memset(&o, 0, sizeof o);
    return o;
}

/* The message must contain want; print it when it does not. */
static void assert_msg(const vc_error *err, const char *want)
{
    int ok = strstr(err->msg, want) != NULL;
    if (!ok) {
        fprintf(stderr, "\n  message \"%s\" lacks \"%s\"", err->msg, want);
    }
    CU_ASSERT(ok);
}

/* Read path, which must fail with code and a message containing each of
 * the NULL-terminated strings in want. */
static void expect_read_error(const char *path, const vc_read_opts *o,
                              int code, const char *const *want)
{
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_read(path, o, &err);
    CU_ASSERT_PTR_NULL(d);
    vc_dataset_free(d);
    if (err.code != code) {
        fprintf(stderr, "\n  %s: code %d, expected %d (%s)", path, err.code,
                code, err.msg);
    }
    CU_ASSERT_EQUAL(err.code, code);
    CU_ASSERT(strchr(err.msg, '\n') == NULL);
    for (size_t i = 0; want[i] != NULL; i++) {
        assert_msg(&err, want[i]);
    }
}

/* Parse text, which must fail with code and contain want. */
static void expect_parse_error(const char *text, const vc_read_opts *o,
                               int code, const char *want)
{
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_parse(text, strlen(text), "mem.csv", o, &err);
    CU_ASSERT_PTR_NULL(d);
    vc_dataset_free(d);
    if (err.code != code) {
        fprintf(stderr, "\n  \"%.60s\": code %d, expected %d (%s)", text,
                err.code, code, err.msg);
    }
    CU_ASSERT_EQUAL(err.code, code);
    assert_msg(&err, want);
}

static vc_dataset *read_ok(const char *path, const vc_read_opts *o)
{
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_read(path, o, &err);
    if (d == NULL) {
        fprintf(stderr, "\n  %s: %s", path, err.msg);
    }
    return d;
}

static vc_dataset *parse_ok(const char *text, const vc_read_opts *o)
{
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_parse(text, strlen(text), "mem.csv", o, &err);
    if (d == NULL) {
        fprintf(stderr, "\n  \"%.60s\": %s", text, err.msg);
    }
    return d;
}

/* t holds exactly the npat (pattern, count) pairs, in canonical order. */
static int table_is(const vc_table *t, size_t npat, const uint32_t *pat,
                    const uint64_t *cnt)
{
    if (t->npat != npat) {
        return 0;
    }
    uint64_t n = 0;
    for (size_t i = 0; i < npat; i++) {
        if (t->pattern[i] != pat[i] || t->count[i] != cnt[i]) {
            return 0;
        }
        n += cnt[i];
    }
    return t->n == n;
}

static int names_are(char *const *names, size_t J, const char *const *want)
{
    for (size_t j = 0; j < J; j++) {
        if (strcmp(names[j], want[j]) != 0) {
            return 0;
        }
    }
    return 1;
}

static int has_note(const vc_dataset *d, const char *want)
{
    for (size_t i = 0; i < d->nnotes; i++) {
        if (strstr(d->notes[i], want) != NULL) {
            return 1;
        }
    }
    fprintf(stderr, "\n  no note contains \"%s\"", want);
    return 0;
}

/* The count of pattern mask in t, 0 when it is absent. */
static uint64_t count_of(const vc_table *t, uint32_t mask)
{
    for (size_t i = 0; i < t->npat; i++) {
        if (t->pattern[i] == mask) {
            return t->count[i];
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * Known values from the reference tables
 * ------------------------------------------------------------------- */

/* Kosovo killings, 20 March - 22 June 1999: Ball, Betts, Scheuren,
 * Dudukovich & Asher (2002), report to the ICTY; the example of
 * Manrique-Vallier (2016), Biometrics 72(4):1246-1254.  Four lists, 4,400
 * people, all 15 observable patterns present. */
static void test_kosovo(void)
{
    static const char *const names[] = {"EXH", "ABA", "OSCE", "HRW"};
    vc_read_opts o = no_opts();
    vc_dataset *d = read_ok(vc_test_refpath("Kosovo.csv"), &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(d->source, vc_test_refpath("Kosovo.csv"));
    CU_ASSERT_EQUAL(d->aggregated, 1);
    CU_ASSERT_EQUAL(d->J, 4);
    CU_ASSERT(names_are(d->names, d->J, names));
    CU_ASSERT_EQUAL(d->n, 4400);
    CU_ASSERT_EQUAL(d->dropped, 0);
    CU_ASSERT_EQUAL(d->nstrata_cols, 0);
    CU_ASSERT_EQUAL(d->nnotes, 0);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 1);
    const vc_table *t = d->tables[0];
    CU_ASSERT_EQUAL(t->J, 4);
    CU_ASSERT(names_are(t->names, t->J, names));
    CU_ASSERT_EQUAL(t->npat, 15);
    CU_ASSERT_EQUAL(t->n, 4400);
    CU_ASSERT_PTR_NULL(t->label);
    CU_ASSERT_EQUAL(t->nkeys, 0);
    CU_ASSERT_EQUAL(count_of(t, 0x1), 1131); /* EXH only */
    CU_ASSERT_EQUAL(count_of(t, 0x8), 306);  /* HRW only */
    CU_ASSERT_EQUAL(count_of(t, 0x6), 217);  /* ABA and OSCE */
    CU_ASSERT_EQUAL(count_of(t, 0xf), 27);   /* all four */
    for (size_t i = 1; i < t->npat; i++) {
        CU_ASSERT(t->pattern[i - 1] < t->pattern[i]);
    }
    vc_dataset_free(d);
}

/* UK potential victims of modern slavery, 2013: Silverman (2014), UK Home
 * Office; Bales, Hesketh & Silverman (2015), Significance.  Six lists,
 * 2,744 people. */
static void test_uk(void)
{
    static const char *const names[] = {"LA", "NG", "PF", "GO", "GP", "NCA"};
    vc_dataset *d = read_ok(vc_test_refpath("UKdat.csv"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->J, 6);
    CU_ASSERT(names_are(d->names, d->J, names));
    CU_ASSERT_EQUAL(d->n, 2744);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 1);
    CU_ASSERT_EQUAL(d->tables[0]->npat, 25);
    CU_ASSERT_EQUAL(count_of(d->tables[0], 0x04), 907); /* PF only */
    CU_ASSERT_EQUAL(count_of(d->tables[0], 0x20), 57);  /* NCA only */
    vc_dataset_free(d);
}

/*
 * Merging PF and NCA reproduces the published 5-list table UKdat_5.csv
 * (Silverman, Chan & Vincent 2024, Statistics and Computing 34:44), whose
 * merged column is called PFNCA.  The tables are compared after mapping
 * UKdat_5's lists onto the merged dataset's list order by name.
 */
static void test_uk_merge(void)
{
    static const char *const names[] = {"LA", "NG", "PF+NCA", "GO", "GP"};
    static const char *const merge[] = {"PF+NCA"};
    vc_read_opts o = no_opts();
    o.merge = merge;
    o.nmerge = 1;
    vc_dataset *m = read_ok(vc_test_refpath("UKdat.csv"), &o);
    vc_dataset *u5 = read_ok(vc_test_refpath("UKdat_5.csv"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u5);
    CU_ASSERT_EQUAL(m->J, 5);
    CU_ASSERT(names_are(m->names, m->J, names));
    CU_ASSERT_EQUAL(m->n, 2744);
    CU_ASSERT_EQUAL(m->dropped, 0);
    const vc_table *a = m->tables[0];
    const vc_table *b = u5->tables[0];
    CU_ASSERT_EQUAL_FATAL(b->J, 5);
    size_t map[5];
    for (size_t j = 0; j < 5; j++) {
        const char *want = strcmp(b->names[j], "PFNCA") == 0 ? "PF+NCA"
                                                             : b->names[j];
        map[j] = 5;
        for (size_t k = 0; k < 5; k++) {
            if (strcmp(a->names[k], want) == 0) {
                map[j] = k;
            }
        }
        CU_ASSERT_FATAL(map[j] < 5);
    }
    uint32_t pat[64];
    CU_ASSERT_FATAL(b->npat <= 64);
    for (size_t i = 0; i < b->npat; i++) {
        pat[i] = 0;
        for (size_t j = 0; j < 5; j++) {
            pat[i] |= (b->pattern[i] >> j & 1u) << map[j];
        }
    }
    vc_error err;
    vc_error_clear(&err);
    vc_table *bm = vc_table_from_counts(5, (const char *const *)a->names,
                                        b->npat, pat, b->count, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bm);
    CU_ASSERT(table_is(a, bm->npat, bm->pattern, bm->count));
    CU_ASSERT_EQUAL(a->npat, 18);
    vc_table_free(bm);
    vc_dataset_free(m);
    vc_dataset_free(u5);
}

/* Omitting NCA from UKdat.csv drops the 57 people only NCA saw (the
 * 0,0,0,0,0,1 row of the table); the people NCA shared with another list
 * stay, as seen by that list. */
static void test_uk_omit(void)
{
    static const char *const omit[] = {"NCA"};
    static const char *const names[] = {"LA", "NG", "PF", "GO", "GP"};
    vc_read_opts o = no_opts();
    o.omit = omit;
    o.nomit = 1;
    vc_dataset *d = read_ok(vc_test_refpath("UKdat.csv"), &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->J, 5);
    CU_ASSERT(names_are(d->names, d->J, names));
    CU_ASSERT_EQUAL(d->dropped, 57);
    CU_ASSERT_EQUAL(d->tables[0]->dropped, 57);
    CU_ASSERT_EQUAL(d->n, 2744 - 57);
    CU_ASSERT_EQUAL(d->tables[0]->n, 2744 - 57);
    /* PF only gains PF+NCA (31): 907 + 31. */
    CU_ASSERT_EQUAL(count_of(d->tables[0], 0x04), 938);
    CU_ASSERT(has_note(d, "57 people seen only by lists left out"));
    vc_dataset_free(d);
}

/* Selecting LA, NG, PF is the same as omitting GO, GP and NCA: the same
 * table and the same 1,083 people dropped (2,744 - 1,661). */
static void test_uk_select_equals_omit(void)
{
    static const char *const lists[] = {"LA", "NG", "PF"};
    static const char *const omit[] = {"GO", "GP", "NCA"};
    vc_read_opts s = no_opts();
    s.lists = lists;
    s.nlists = 3;
    vc_read_opts o = no_opts();
    o.omit = omit;
    o.nomit = 3;
    vc_dataset *a = read_ok(vc_test_refpath("UKdat.csv"), &s);
    vc_dataset *b = read_ok(vc_test_refpath("UKdat.csv"), &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(a->J, 3);
    CU_ASSERT(names_are(a->names, 3, lists));
    CU_ASSERT_EQUAL(a->n, 1661);
    CU_ASSERT_EQUAL(a->dropped, 1083);
    CU_ASSERT_EQUAL(b->dropped, 1083);
    CU_ASSERT(table_is(b->tables[0], a->tables[0]->npat,
                       a->tables[0]->pattern, a->tables[0]->count));
    CU_ASSERT(has_note(a, "1083 people"));
    vc_dataset_free(a);
    vc_dataset_free(b);
}

/* The widest reference table: meadow voles, 30 occasions (Williams,
 * Nichols & Conroy 2002), 171 animals; J = VC_MAX_LISTS is accepted. */
static void test_wide(void)
{
    vc_dataset *d = read_ok(vc_test_refpath("mvole.csv"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->J, VC_MAX_LISTS);
    CU_ASSERT_EQUAL(d->n, 171);
    vc_dataset_free(d);
}

/* ---------------------------------------------------------------------
 * One table, many spellings
 * ------------------------------------------------------------------- */

static void check_base(const char *path, int aggregated)
{
    static const char *const names[] = {"A", "B", "C"};
    vc_dataset *d = read_ok(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->aggregated, aggregated);
    CU_ASSERT_EQUAL(d->J, 3);
    CU_ASSERT(names_are(d->names, 3, names));
    CU_ASSERT_EQUAL(d->n, BASE_N);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 1);
    int same = table_is(d->tables[0], BASE_NPAT, BASE_PAT, BASE_CNT);
    if (!same) {
        fprintf(stderr, "\n  %s: not the base table", path);
    }
    CU_ASSERT(same);
    CU_ASSERT(names_are(d->tables[0]->names, 3, names));
    vc_dataset_free(d);
}

/* Comma, semicolon, TAB, CRLF, byte-order mark, quoted fields without a
 * final newline: all give the base table. */
static void test_spellings(void)
{
    check_base(FIX "agg_basic.csv", 1);
    check_base(FIX "agg_semicolon.csv", 1);
    check_base(FIX "agg_tab.tsv", 1);
    check_base(FIX "agg_crlf.csv", 1);
    check_base(FIX "agg_bom.csv", 1);
    check_base(FIX "agg_quoted.csv", 1);
}

/* Blank lines before, inside and after, spaces around fields, the count
 * column first and called Freq, yes/no/x/true/false/empty cells, a
 * duplicate pattern (summed, with a note) and a zero-count row. */
static void test_messy(void)
{
    check_base(FIX "agg_messy.csv", 1);
    vc_dataset *d = read_ok(FIX "agg_messy.csv", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->nnotes, 1);
    CU_ASSERT(has_note(d, "1 duplicate pattern was summed (first at line 6)"));
    vc_dataset_free(d);
}

/* One row per person (88 rows, CRLF, mixed cell words) gives the same
 * table as its aggregated counterpart. */
static void test_record_level(void)
{
    check_base(FIX "record.csv", 0);
}

/* Record level with a fourth list D: selecting A, B, C leaves D out, and
 * the 11 people only D saw are dropped; keeping D and omitting it gives
 * the same table.  An id column is refused with or without a selection:
 * it is neither a list, the count nor a stratum. */
static void test_record_selection(void)
{
    static const char *const abc[] = {"A", "B", "C"};
    static const char *const abcd[] = {"A", "B", "C", "D"};
    static const char *const omit[] = {"D"};
    vc_read_opts s = no_opts();
    s.lists = abc;
    s.nlists = 3;
    vc_dataset *a = read_ok(FIX "record_4lists_noid.csv", &s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(a->aggregated, 0);
    CU_ASSERT(table_is(a->tables[0], BASE_NPAT, BASE_PAT, BASE_CNT));
    CU_ASSERT_EQUAL(a->dropped, 11);
    CU_ASSERT(has_note(a, "11 people"));
    vc_dataset_free(a);

    vc_read_opts o = no_opts();
    o.lists = abcd;
    o.nlists = 4;
    o.omit = omit;
    o.nomit = 1;
    vc_dataset *b = read_ok(FIX "record_4lists_noid.csv", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(b->J, 3);
    CU_ASSERT(table_is(b->tables[0], BASE_NPAT, BASE_PAT, BASE_CNT));
    CU_ASSERT_EQUAL(b->dropped, 11);
    vc_dataset_free(b);

    /* The id column is taken for a list: id 1 reads as a cell word, id 2
     * does not; the advice names the column, which may be the count. */
    static const char *const want[] = {":3:", "column \"id\"", "got \"2\"",
                                       NULL};
    vc_read_advice adv;
    o = no_opts();
    o.advice = &adv;
    expect_read_error(FIX "record_4lists.csv", &o, VC_EDATA, want);
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_COLUMN);
    CU_ASSERT_STRING_EQUAL(adv.column, "id");
    CU_ASSERT_EQUAL(adv.may_be_count, 1);
    s.advice = &adv;
    expect_read_error(FIX "record_4lists.csv", &s, VC_EDATA, want);
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_COLUMN);
    CU_ASSERT_STRING_EQUAL(adv.column, "id");
}

/* Strata in order of first appearance, labelled by their keys; list B saw
 * nobody in Kyrgyzstan 2006 (its only B row has count 0), so that table
 * has lists A and C, while the dataset keeps all three. */
static void test_strata(void)
{
    static const char *const strata[] = {"country", "year"};
    static const char *const abc[] = {"A", "B", "C"};
    static const char *const ac[] = {"A", "C"};
    vc_read_opts o = no_opts();
    o.strata = strata;
    o.nstrata = 2;
    vc_dataset *d = read_ok(FIX "strata.csv", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->J, 3);
    CU_ASSERT(names_are(d->names, 3, abc));
    CU_ASSERT_EQUAL_FATAL(d->nstrata_cols, 2);
    CU_ASSERT(names_are(d->strata_cols, 2, strata));
    CU_ASSERT_EQUAL(d->n, 56);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 3);
    CU_ASSERT_STRING_EQUAL(d->tables[0]->label, "Kyrgyzstan 2005");
    CU_ASSERT_STRING_EQUAL(d->tables[1]->label, "Tajikistan 2005");
    CU_ASSERT_STRING_EQUAL(d->tables[2]->label, "Kyrgyzstan 2006");
    CU_ASSERT_EQUAL_FATAL(d->tables[1]->nkeys, 2);
    CU_ASSERT_STRING_EQUAL(d->tables[1]->keys[0], "Tajikistan");
    CU_ASSERT_STRING_EQUAL(d->tables[1]->keys[1], "2005");
    static const uint32_t p0[] = {1, 2, 4, 7};
    static const uint64_t c0[] = {12, 9, 8, 2};
    static const uint32_t p1[] = {1, 4, 6};
    static const uint64_t c1[] = {7, 6, 5};
    static const uint32_t p2[] = {1, 2};
    static const uint64_t c2[] = {4, 3};
    CU_ASSERT(table_is(d->tables[0], 4, p0, c0));
    CU_ASSERT(table_is(d->tables[1], 3, p1, c1));
    CU_ASSERT(table_is(d->tables[2], 2, p2, c2));
    CU_ASSERT_EQUAL(d->tables[0]->J, 3);
    CU_ASSERT_EQUAL_FATAL(d->tables[2]->J, 2);
    CU_ASSERT(names_are(d->tables[2]->names, 2, ac));
    CU_ASSERT(has_note(d, "stratum \"Kyrgyzstan 2006\": list \"B\""));
    vc_dataset_free(d);

    /* One stratum column: year is not dropped silently, even when the
     * lists are selected; the file has a count column, so the advice is
     * a stratum or nothing. */
    static const char *const country[] = {"country"};
    static const char *const want[] = {
        FIX "strata.csv:2:", "column \"year\"", "got \"2005\"", NULL};
    vc_read_advice adv;
    o.strata = country;
    o.nstrata = 1;
    o.advice = &adv;
    expect_read_error(FIX "strata.csv", &o, VC_EDATA, want);
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_COLUMN);
    CU_ASSERT_STRING_EQUAL(adv.column, "year");
    CU_ASSERT_EQUAL(adv.may_be_count, 0);
    o.lists = abc;
    o.nlists = 3;
    expect_read_error(FIX "strata.csv", &o, VC_EDATA, want);
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_COLUMN);
}

/* ---------------------------------------------------------------------
 * Small cases from memory
 * ------------------------------------------------------------------- */

/* Every accepted cell word, in several cases. */
static void test_cell_words(void)
{
    const char *text = "A,B,count\n"
                       "1,0,3\n"
                       "YES,no,4\n"
                       "y,N,5\n"
                       "True,FALSE,6\n"
                       "x,,7\n"
                       "\"X\",\"\",8\n"
                       "0,1,2.00\n";
    vc_dataset *d = parse_ok(text, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    static const uint32_t pat[] = {1, 2};
    static const uint64_t cnt[] = {33, 2};
    CU_ASSERT(table_is(d->tables[0], 2, pat, cnt));
    CU_ASSERT_STRING_EQUAL(d->source, "mem.csv");
    CU_ASSERT_EQUAL(d->nnotes, 1); /* five duplicates of pattern A */
    CU_ASSERT(has_note(d, "5 duplicate patterns were summed (first at "
                          "line 3)"));
    vc_dataset_free(d);
    expect_parse_error("A,B,count\n1,0,3\nt,0,3\n", NULL, VC_EDATA,
                       "mem.csv:3: column \"A\": expected 0 or 1");
    expect_parse_error("A,B,count\n1,0,3\n2,0,3\n", NULL, VC_EDATA,
                       "got \"2\"");
    /* Quoted fields keep their spaces, so " 1" is not a cell word. */
    expect_parse_error("A,B\n1,0\n\" 1\",0\n", NULL, VC_EDATA,
                       "got \" 1\"");
}

/* The count column: count, freq, n or Freq in any case, or named. */
static void test_count_column(void)
{
    static const uint32_t pat[] = {1, 2, 3};
    static const uint64_t cnt[] = {4, 9, 2};
    const char *heads[] = {"A,B,N", "A,B,FREQ", "A,B,Count", "A,B,freq"};
    for (size_t i = 0; i < 4; i++) {
        char text[128];
        snprintf(text, sizeof text, "%s\n1,0,4\n0,1,9\n1,1,2\n", heads[i]);
        vc_dataset *d = parse_ok(text, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT_EQUAL(d->aggregated, 1);
        CU_ASSERT_EQUAL(d->J, 2);
        CU_ASSERT(table_is(d->tables[0], 3, pat, cnt));
        vc_dataset_free(d);
    }
    vc_read_opts o = no_opts();
    o.count_column = "w";
    vc_dataset *d = parse_ok("w,A,B\n4,1,0\n9,0,1\n2,1,1\n", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(table_is(d->tables[0], 3, pat, cnt));
    vc_dataset_free(d);
    /* Unnamed, w is a list and 4 is not a cell word. */
    expect_parse_error("w,A,B\n4,1,0\n", NULL, VC_EDATA, "column \"w\"");
    /* Zero-count rows, the all-zero one included, are ignored. */
    d = parse_ok("A,B,count\n0,0,0\n1,0,4\n0,1,0\n1,1,2\n0,1,9\n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(table_is(d->tables[0], 3, pat, cnt));
    CU_ASSERT_EQUAL(d->nnotes, 0);
    vc_dataset_free(d);
    /* The largest count is accepted. */
    d = parse_ok("A,B,count\n1,0,18446744073709551614\n0,1,1\n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n, UINT64_MAX);
    vc_dataset_free(d);
}

/* A merged list takes the place of its first-named member; merge names
 * are the members joined by '+', spaces around them dropped. */
static void test_merge_order(void)
{
    static const char *const merge[] = {"C + A"};
    static const char *const names[] = {"B", "C+A", "D"};
    vc_read_opts o = no_opts();
    o.merge = merge;
    o.nmerge = 1;
    vc_dataset *d = parse_ok("A,B,C,D\nx,,,\n,x,,\n,,x,\n,,,x\nx,x,x,\n", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->J, 3);
    CU_ASSERT(names_are(d->names, 3, names));
    static const uint32_t pat[] = {1, 2, 3, 4};
    static const uint64_t cnt[] = {1, 2, 1, 1};
    CU_ASSERT(table_is(d->tables[0], 4, pat, cnt));
    vc_dataset_free(d);
}

/* A row that is 0 on every selected list: with columns left out by the
 * selection it is a person those columns saw (dropped, with a note);
 * when the selection leaves nothing out it is an unobserved person. */
static void test_zero_rows_and_selection(void)
{
    static const char *const ab[] = {"A", "B"};
    static const char *const ba[] = {"B", "A"};
    const char *text = "A,B,C,count\n1,0,0,4\n0,1,0,9\n0,0,1,6\n1,1,1,2\n";
    vc_read_opts o = no_opts();
    o.lists = ab;
    o.nlists = 2;
    vc_dataset *d = parse_ok(text, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->dropped, 6);
    CU_ASSERT_EQUAL(d->n, 15);
    CU_ASSERT(has_note(d, "6 people"));
    CU_ASSERT_EQUAL(d->nnotes, 1); /* no duplicate note for a marginal */
    vc_dataset_free(d);
    /* Order follows the selection. */
    o.lists = ba;
    d = parse_ok(text, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(names_are(d->names, 2, ba));
    CU_ASSERT_EQUAL(count_of(d->tables[0], 1), 9); /* B only */
    vc_dataset_free(d);
    /* Selecting every list leaves nothing out: a zero row is an error. */
    o.lists = ab;
    expect_parse_error("A,B,count\n1,0,4\n0,0,1\n", &o, VC_EDATA,
                       "mem.csv:3: columns \"A\", \"B\"");
    /* A column the selection leaves out is still a list of the file:
     * anything else in it is refused, never ignored. */
    vc_read_advice adv;
    o.advice = &adv;
    expect_parse_error("A,note,B\nx,\"anything, at all\",\nx,17,x\n", &o,
                       VC_EDATA, "mem.csv:2: column \"note\": expected 0 or 1");
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_COLUMN);
    CU_ASSERT_STRING_EQUAL(adv.column, "note");
    CU_ASSERT_EQUAL(adv.may_be_count, 0);
    /* A list named by the selection gets no advice on its role. */
    expect_parse_error("A,B\nx,\nx,17\n", &o, VC_EDATA,
                       "mem.csv:3: column \"B\"");
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_NONE);
    /* A zero row is refused whatever the selection: 0 on A and B and on
     * C, which the selection leaves out. */
    expect_parse_error("A,B,C,count\n1,0,0,4\n0,0,0,2\n", &o, VC_EDATA,
                       "mem.csv:3: columns \"A\", \"B\", \"C\": expected at "
                       "least one 1");
}

/* A stratum where everybody was seen only by an omitted list has no
 * table, with a note; its people still count as dropped. */
static void test_stratum_without_people(void)
{
    static const char *const strata[] = {"s"};
    static const char *const omit[] = {"C"};
    vc_read_opts o = no_opts();
    o.strata = strata;
    o.nstrata = 1;
    o.omit = omit;
    o.nomit = 1;
    vc_dataset *d = parse_ok("s,A,B,C,n\nu,1,0,0,3\nv,0,0,1,5\nu,0,1,1,2\n",
                             &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 1);
    CU_ASSERT_STRING_EQUAL(d->tables[0]->label, "u");
    CU_ASSERT_EQUAL(d->n, 5);
    CU_ASSERT_EQUAL(d->dropped, 5);
    CU_ASSERT(has_note(d, "stratum \"v\": nobody observed"));
    vc_dataset_free(d);
}

/* Notes stay one line when a stratum value holds a line break; the
 * table's own label keeps the value as it was. */
static void test_notes_one_line(void)
{
    static const char *const strata[] = {"s"};
    vc_read_opts o = no_opts();
    o.strata = strata;
    o.nstrata = 1;
    vc_dataset *d = parse_ok("s,A,B,n\n\"u\nv\",1,0,3\nw,1,1,2\n", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 2);
    CU_ASSERT_STRING_EQUAL(d->tables[0]->label, "u\nv");
    CU_ASSERT_EQUAL(d->tables[0]->J, 1);
    CU_ASSERT_EQUAL_FATAL(d->nnotes, 1);
    CU_ASSERT_STRING_EQUAL(d->notes[0], "stratum \"u?v\": list \"B\" saw "
                                        "nobody there and is left out of "
                                        "its table");
    vc_dataset_free(d);
}

/* The delimiter is the most frequent of , ; TAB outside quotes. */
static void test_delimiter_detection(void)
{
    static const char *const names[] = {"a,b", "c,d"};
    vc_dataset *d = parse_ok("\"a,b\";\"c,d\";count\n1;0;4\n0;1;9\n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(names_are(d->names, 2, names));
    CU_ASSERT_EQUAL(d->n, 13);
    vc_dataset_free(d);
    /* With TAB as delimiter, spaces are trimmed and TABs are not. */
    d = parse_ok("A\tB\tcount\n 1 \t\t4\n\t 1\t 9 \n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n, 13);
    CU_ASSERT_EQUAL(count_of(d->tables[0], 1), 4);
    vc_dataset_free(d);
    /* An empty row of delimiters (as spreadsheets export) is skipped. */
    d = parse_ok("A,B,count\n1,0,4\n,,\n0,1,9\n,,\n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n, 13);
    CU_ASSERT(has_note(d, "2 rows with every field empty skipped (first at "
                          "line 3)"));
    vc_dataset_free(d);
}

/* Line numbers are physical lines: CRLF, blank lines and quoted fields
 * spanning lines do not shift them. */
static void test_line_numbers(void)
{
    static const char *const strata[] = {"country"};
    vc_read_opts o = no_opts();
    o.strata = strata;
    o.nstrata = 1;
    static const char *const want[] = {FIX "bad_cell_lines.csv:8:",
                                       "column \"B\"", "got \"maybe\"",
                                       NULL};
    expect_read_error(FIX "bad_cell_lines.csv", &o, VC_EDATA, want);
    expect_parse_error("country,A,B,count\r\n\r\n\"x\r\ny\",1,0,4\r\n\r\n"
                       "\"p\nq\",1,0,abc\r\n",
                       &o, VC_EDATA, "mem.csv:7: column \"count\"");
    expect_parse_error("country,A,B,count\n\n\n\"x\ny\",1,0\n", &o, VC_EDATA,
                       "mem.csv:4: expected 4 fields");
    expect_parse_error("country,A,B,count\n\nu,1,0,\"4\"x\n", &o, VC_EDATA,
                       "mem.csv:3: column \"count\": malformed quoting");
}

/* ---------------------------------------------------------------------
 * Documented errors, one fixture each
 * ------------------------------------------------------------------- */

static void test_error_fixtures(void)
{
    static const struct {
        const char *file;
        int code;
        const char *want[4];
    } cases[] = {
        {"bad_cell.csv", VC_EDATA,
         {":3:", "column \"B\"",
          "expected 0 or 1 (or yes/no, true/false, x/empty), got \"maybe\""}},
        {"bad_count_negative.csv", VC_EDATA,
         {":3:", "column \"count\"", "got \"-3\""}},
        {"bad_count_fraction.csv", VC_EDATA,
         {":3:", "column \"count\"", "got \"2.5\""}},
        {"bad_count_text.csv", VC_EDATA,
         {":3:", "column \"count\"", "got \"abc\""}},
        {"bad_count_empty.csv", VC_EDATA,
         {":3:", "column \"count\"", "got \"\""}},
        {"bad_count_overflow.csv", VC_EDATA,
         {":3:", "column \"count\"", "got \"99999999999999999999\""}},
        {"bad_count_sum.csv", VC_EDATA,
         {":3:", "column \"count\"", "add up to at most"}},
        {"bad_fields_short.csv", VC_EDATA,
         {":3:", "expected 4 fields", "got 3 (the row ends after column "
                                      "\"C\")"}},
        {"bad_fields_long.csv", VC_EDATA,
         {":3:", "expected 4 fields", "got 5 (extra fields after column "
                                      "\"count\")"}},
        {"empty.csv", VC_EDATA, {":1:", "empty file"}},
        {"blank_only.csv", VC_EDATA, {":1:", "no header"}},
        {"no_header.csv", VC_EDATA, {":1:", "no header", "column 1"}},
        {"header_only.csv", VC_EDATA, {":1:", "no data rows"}},
        {"bad_dup_column.csv", VC_EDATA,
         {":1:", "column \"A\"", "columns 1 and 3"}},
        {"bad_empty_name.csv", VC_EDATA,
         {":1:", "column 1", "row.names = FALSE"}},
        {"bad_two_counts.csv", VC_EDATA, {":1:", "\"n\" and \"count\""}},
        {"bad_one_list.csv", VC_EDATA,
         {":1:", "1 list (\"A\")", "at least 2"}},
        {"bad_empty_list.csv", VC_EDATA, {"list \"C\" catches nobody"}},
        {"bad_zero_pattern.csv", VC_EDATA,
         {":3:", "columns \"A\", \"B\"",
          "unobserved people cannot be in the data"}},
        {"bad_zero_record.csv", VC_EDATA,
         {":4:", "columns \"A\", \"B\"",
          "unobserved people cannot be in the data"}},
        {"bad_31_lists.csv", VC_EDATA, {":1:", "31 list columns", "30"}},
        {"bad_quote.csv", VC_EDATA,
         {":3:", "column \"B\"", "malformed quoting"}},
        {"bad_quote_unterminated.csv", VC_EDATA,
         {":3:", "column \"B\"", "closing quote"}},
        {"bad_zero_row_selected.csv", VC_EDATA,
         {":6:", "columns \"IOM\", \"NGO\", \"Police\"",
          "expected at least one 1"}},
        {"bad_cell_decimal.csv", VC_EDATA,
         {":3:", "column \"NGO\"", "got \"0.9999999\""}},
        {"bad_count_decimal.csv", VC_EDATA,
         {":3:", "column \"count\"", "got \"310.5\""}},
        {"bad_count_exponent.csv", VC_EDATA,
         {":3:", "column \"count\"", "got \"1.5E+06\" (exponent"}},
        {"bad_utf16_nobom.csv", VC_EDATA, {":1:", "NUL byte", "UTF-16"}},
        /* A NUL byte would cut names and values short ("B\0X" a list
         * named "B"): in a header name, and inside a quoted value over two
         * lines (fuzz_csv's property: names are non-empty C strings). */
        {"bad_nul_name.csv", VC_EDATA,
         {":1:", "byte 4 of the line", "got a NUL byte"}},
        {"bad_nul_value.csv", VC_EDATA,
         {":3:", "byte 4 of the line", "got a NUL byte"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s", cases[i].file);
        const char *want[5] = {path, NULL, NULL, NULL, NULL};
        for (size_t k = 0; k < 4 && cases[i].want[k] != NULL; k++) {
            want[k + 1] = cases[i].want[k];
        }
        expect_read_error(path, NULL, cases[i].code, want);
    }
}

/* Options naming columns the header lacks, or misusing them: VC_EINVAL,
 * with the culprit and the columns there are. */
static void test_option_errors(void)
{
    static const char *const bad[] = {"A", "Q"};
    static const char *const strata_q[] = {"Q"};
    static const char *const strata_count[] = {"count"};
    static const char *const merge_q[] = {"A+Q"};
    static const char *const merge_one[] = {"A"};
    static const char *const merge_twice[] = {"A+B", "B+C"};
    static const char *const merge_count[] = {"A+count"};
    static const char *const omit_q[] = {"Q"};
    static const char *const omit_member[] = {"A"};
    static const char *const merge_ab[] = {"A+B"};
    static const char *const list_twice[] = {"A", "A"};
    static const char *const want_cols[] = {
        "\"Q\"", "the columns are \"A\", \"B\", \"C\", \"count\"", NULL};
    const char *path = FIX "agg_basic.csv";

    vc_read_opts o = no_opts();
    o.lists = bad;
    o.nlists = 2;
    expect_read_error(path, &o, VC_EINVAL, want_cols);
    o = no_opts();
    o.strata = strata_q;
    o.nstrata = 1;
    expect_read_error(path, &o, VC_EINVAL, want_cols);
    o = no_opts();
    o.merge = merge_q;
    o.nmerge = 1;
    expect_read_error(path, &o, VC_EINVAL, want_cols);
    o = no_opts();
    o.omit = omit_q;
    o.nomit = 1;
    expect_read_error(path, &o, VC_EINVAL, want_cols);
    o = no_opts();
    o.count_column = "Q";
    expect_read_error(path, &o, VC_EINVAL, want_cols);

    static const char *const want_named[] = {"\"A\"", "named twice", NULL};
    o = no_opts();
    o.lists = list_twice;
    o.nlists = 2;
    expect_read_error(path, &o, VC_EINVAL, want_named);
    static const char *const want_count[] = {"\"count\"", "count column",
                                             NULL};
    o = no_opts();
    o.strata = strata_count;
    o.nstrata = 1;
    o.count_column = "count";
    expect_read_error(path, &o, VC_EINVAL, want_count);
    o = no_opts();
    o.merge = merge_count;
    o.nmerge = 1;
    expect_read_error(path, &o, VC_EINVAL, want_count);
    static const char *const want_one[] = {"\"A\"", "two or more", NULL};
    o = no_opts();
    o.merge = merge_one;
    o.nmerge = 1;
    expect_read_error(path, &o, VC_EINVAL, want_one);
    static const char *const want_twice[] = {"\"B\"", "merged twice", NULL};
    o = no_opts();
    o.merge = merge_twice;
    o.nmerge = 2;
    expect_read_error(path, &o, VC_EINVAL, want_twice);
    static const char *const want_member[] = {"\"A\"", "merged into \"A+B\"",
                                              NULL};
    o = no_opts();
    o.merge = merge_ab;
    o.nmerge = 1;
    o.omit = omit_member;
    o.nomit = 1;
    expect_read_error(path, &o, VC_EINVAL, want_member);
    /* Merging and omitting down to one list is a data error. */
    static const char *const omit_c[] = {"C"};
    static const char *const want_few[] = {"1 list (\"A+B\")", NULL};
    o.omit = omit_c;
    expect_read_error(path, &o, VC_EDATA, want_few);

    /* A merge named like a column: two lists "A+B" were accepted, and
     * everything that finds a list by name found the first (fuzz_csv;
     * tests/fixtures/fuzz/csv/merged-name-collision). */
    static const char *const want_clash[] = {
        "merged list \"A+B\"", "name of another list", NULL};
    o = no_opts();
    o.merge = merge_ab;
    o.nmerge = 1;
    expect_read_error(FIX "merge_name_collision.csv", &o, VC_EINVAL,
                      want_clash);
    static const char *const merge_ba[] = {"B+A"};
    o.merge = merge_ba;
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_read(FIX "merge_name_collision.csv", &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->J, 3);
    CU_ASSERT_STRING_EQUAL(d->names[0], "B+A");
    CU_ASSERT_STRING_EQUAL(d->names[1], "A+B");
    CU_ASSERT_EQUAL(vc_table_list_total(d->tables[0], 0), 9);
    CU_ASSERT_EQUAL(vc_table_list_total(d->tables[0], 1), 5);
    vc_dataset_free(d);
}

/* A file that cannot be opened: VC_EIO with the name and the reason. */
static void test_cannot_open(void)
{
    static const char *const want[] = {FIX "no_such_file.csv",
                                       "cannot open", "No such file",
                                       NULL};
    expect_read_error(FIX "no_such_file.csv", NULL, VC_EIO, want);
}

/* NULL options and a NULL error buffer are allowed; free(NULL) is a
 * no-op; the first error in the buffer is kept. */
static void test_nulls(void)
{
    vc_dataset_free(NULL);
    const char *text = "A,B\nx,\n,x\n";
    vc_dataset *d = vc_dataset_parse(text, strlen(text), NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_STRING_EQUAL(d->source, "<input>");
    CU_ASSERT_EQUAL(d->n, 2);
    vc_dataset_free(d);
    CU_ASSERT_PTR_NULL(vc_dataset_parse("", 0, "e.csv", NULL, NULL));
    CU_ASSERT_PTR_NULL(vc_dataset_read(FIX "bad_cell.csv", NULL, NULL));
    vc_error err;
    vc_error_clear(&err);
    vc_error_set(&err, VC_EINVAL, "earlier");
    CU_ASSERT_PTR_NULL(vc_dataset_parse("", 0, "e.csv", NULL, &err));
    CU_ASSERT_STRING_EQUAL(err.msg, "earlier");
}

/* ---------------------------------------------------------------------
 * A large record-level file, read in chunks
 * ------------------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len, cap;
    size_t lines; /* newlines written */
} text_buf;

static void put(text_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1 << 16;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n + 1);
    b->len += n;
    for (size_t i = 0; i < n; i++) {
        b->lines += (s[i] == '\n');
    }
}

static int write_file(const char *path, const text_buf *b)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    size_t w = fwrite(b->p, 1, b->len, f);
    return (fclose(f) == 0 && w == b->len) ? 0 : -1;
}

/*
 * 200,000 people over 4 lists in 3 regions, with CRLF and LF lines, blank
 * lines, and a second stratum column, comment, whose quoted values
 * sometimes span two lines: far more than one read chunk.  The file read
 * in chunks, the same bytes parsed from memory and the counts kept while
 * writing must agree, and an error appended at the end must carry its
 * physical line.
 */
static void test_large_file(void)
{
    static const char *const regions[] = {"north", "south", "east"};
    static const char *const lists[] = {"A", "B", "C", "D"};
    static const char *const strata[] = {"region", "comment"};
    const size_t rows = 200000;
    uint64_t want[3][2][16] = {{{0}}};
    text_buf b = {0};
    uint64_t x = 2385;
    put(&b, "region,A,B,C,D,comment\r\n");
    for (size_t i = 0; i < rows; i++) {
        x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        unsigned pat = (unsigned)(x >> 33) % 15 + 1;
        unsigned reg = (unsigned)(x >> 50) % 3;
        unsigned quoted = (x >> 20) % 7 == 0;
        char row[128];
        snprintf(row, sizeof row, "%s,%s,%s,%s,%s,%s%s", regions[reg],
                 pat & 1 ? "x" : "", pat & 2 ? "1" : "0",
                 pat & 4 ? "yes" : "no", pat & 8 ? "TRUE" : "",
                 quoted ? "\"two\nlines, \"\"quoted\"\"\"" : "plain",
                 (x >> 24) % 2 ? "\r\n" : "\n");
        put(&b, row);
        if (i % 997 == 0) {
            put(&b, "\r\n");
        }
        want[reg][quoted][pat]++;
    }
    char path[] = "/tmp/vc_test_data_XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    CU_ASSERT_FATAL(write_file(path, &b) == 0);
    CU_ASSERT(b.len > 4 * 65536);

    vc_read_opts o = no_opts();
    o.lists = lists;
    o.nlists = 4;
    o.strata = strata;
    o.nstrata = 2;
    vc_dataset *d = read_ok(path, &o);
    vc_dataset *m = parse_ok(b.p, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(d->n, rows);
    CU_ASSERT_EQUAL(d->aggregated, 0);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 6);
    CU_ASSERT_EQUAL_FATAL(m->ntables, 6);
    for (size_t t = 0; t < 6; t++) {
        const vc_table *tt = d->tables[t];
        size_t reg = 0;
        while (reg < 3 && strcmp(tt->keys[0], regions[reg]) != 0) {
            reg++;
        }
        CU_ASSERT_FATAL(reg < 3);
        size_t quoted = strcmp(tt->keys[1], "plain") != 0;
        CU_ASSERT_EQUAL(tt->npat, 15);
        int same = 1;
        for (size_t i = 0; i < tt->npat; i++) {
            same &= tt->count[i] == want[reg][quoted][tt->pattern[i]];
        }
        CU_ASSERT(same);
        CU_ASSERT(table_is(m->tables[t], tt->npat, tt->pattern, tt->count));
    }
    vc_dataset_free(d);
    vc_dataset_free(m);

    /* A bad cell on the last line. */
    size_t line = b.lines + 1;
    put(&b, "east,x,maybe,,,plain\n");
    CU_ASSERT_FATAL(write_file(path, &b) == 0);
    char where[64];
    snprintf(where, sizeof where, ":%zu: column \"B\"", line);
    const char *want_err[] = {path, where, NULL};
    expect_read_error(path, &o, VC_EDATA, want_err);
    expect_parse_error(b.p, &o, VC_EDATA, where);
    remove(path);
    free(b.p);
}


/* ---------------------------------------------------------------------
 * The file as written, whatever the options select (issue 13)
 * ------------------------------------------------------------------- */

/* The example: the 7 people of the last row are seen by no list.
 * Refused with or without a selection, merge or omission. */
static void test_zero_row_any_selection(void)
{
    static const char *const iom_ngo[] = {"IOM", "NGO"};
    static const char *const police[] = {"Police"};
    static const char *const merge[] = {"IOM+NGO"};
    const char *path = FIX "bad_zero_row_selected.csv";
    static const char *const want[] = {
        FIX "bad_zero_row_selected.csv:6:",
        "columns \"IOM\", \"NGO\", \"Police\": expected at least one 1", NULL};
    vc_read_opts o = no_opts();
    expect_read_error(path, &o, VC_EDATA, want);
    o.lists = iom_ngo;
    o.nlists = 2;
    expect_read_error(path, &o, VC_EDATA, want);
    o = no_opts();
    o.omit = police;
    o.nomit = 1;
    expect_read_error(path, &o, VC_EDATA, want);
    o = no_opts();
    o.merge = merge;
    o.nmerge = 1;
    expect_read_error(path, &o, VC_EDATA, want);
    /* Without the bad row, the selection drops Police's 4 people. */
    o = no_opts();
    o.lists = iom_ngo;
    o.nlists = 2;
    vc_dataset *d = parse_ok("IOM,NGO,Police,count\n1,0,0,10\n0,1,0,5\n"
                             "0,0,1,4\n1,1,0,3\n",
                             &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n, 18);
    CU_ASSERT_EQUAL(d->dropped, 4);
    vc_dataset_free(d);
}

/*
 * Every rule on the file as written (csv.c's E, H, Q, R and T rules), one
 * in-memory file each over lists A, B, C: the same error, at the same line
 * and column, with no options, with the lists A and B selected, with C
 * omitted and with A and B merged.
 */
static void test_rules_as_written(void)
{
    static const struct {
        const char *rule;
        const char *text;
        int code;
        const char *want;
    } cases[] = {
        {"H1", "", VC_EDATA, "mem.csv:1: empty file"},
        {"H1", "\n  \n", VC_EDATA, "mem.csv:1: no header"},
        {"H2", "1,0,1,4\n0,1,1,3\n", VC_EDATA, "mem.csv:1: no header"},
        {"H3", "A,B,C,count,\n1,0,0,4,\n", VC_EDATA,
         "mem.csv:1: column 5: expected a column name"},
        {"H4", "A,B,C,count,A\n1,0,0,4,1\n", VC_EDATA,
         "mem.csv:1: column \"A\": the name appears twice"},
        {"E3", "A,B,C,count\n1,0,0,4\n0,1,\xff,3\n", VC_EDATA,
         "mem.csv:3: column \"C\", byte 5 of the line: expected UTF-8"},
        {"E3", "A,B,C,count\n1,0,0,4\n0,1,0,3\xd0", VC_EDATA,
         "mem.csv:3: column \"count\", byte 8 of the line: expected UTF-8, "
         "got the byte 0xD0 cut short"},
        {"Q", "A,B,C,count\n1,0,0,4\n0,1,1\",3\n", VC_EDATA,
         "mem.csv:3: column \"C\": malformed quoting"},
        {"R1", "A,B,C,count\n1,0,0,4\n0,1,3\n", VC_EDATA,
         "mem.csv:3: expected 4 fields as in the header, got 3"},
        {"R2", "A,B,C,count\n1,0,0,4\n0,1,maybe,3\n", VC_EDATA,
         "mem.csv:3: column \"C\": expected 0 or 1"},
        {"R2", "A,B,C,count\n1,0,0,4\n0,1,0.5,3\n", VC_EDATA,
         "mem.csv:3: column \"C\": expected 0 or 1"},
        {"R3", "A,B,C,count\n1,0,0,4\n0,1,0,abc\n", VC_EDATA,
         "mem.csv:3: column \"count\": expected a count"},
        {"R4", "A,B,C,count\n1,0,0,18446744073709551615\n0,0,1,1\n",
         VC_EDATA, "mem.csv:3: column \"count\": expected the counts to add "
                   "up"},
        {"R5", "A,B,C,count\n1,0,0,4\n0,0,0,3\n", VC_EDATA,
         "mem.csv:3: columns \"A\", \"B\", \"C\": expected at least one 1"},
        {"T1", "A,B,C,count\n", VC_EDATA, "mem.csv:1: no data rows"},
        {"T2", "A,B,C,count\n1,0,0,0\n0,1,1,0\n", VC_EDATA,
         "mem.csv: nobody is observed: every count is 0"},
    };
    static const char *const ab[] = {"A", "B"};
    static const char *const omit_c[] = {"C"};
    static const char *const merge_ab[] = {"A+B"};
    vc_read_opts opts[4];
    for (size_t k = 0; k < 4; k++) {
        opts[k] = no_opts();
    }
    opts[1].lists = ab;
    opts[1].nlists = 2;
    opts[2].omit = omit_c;
    opts[2].nomit = 1;
    opts[3].merge = merge_ab;
    opts[3].nmerge = 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t k = 0; k < 4; k++) {
            vc_error err;
            vc_error_clear(&err);
            vc_dataset *d = vc_dataset_parse(cases[i].text,
                                             strlen(cases[i].text),
                                             "mem.csv", &opts[k], &err);
            int ok = d == NULL && err.code == cases[i].code
                     && strstr(err.msg, cases[i].want) == err.msg;
            if (!ok) {
                fprintf(stderr, "\n  rule %s, options %zu: \"%s\"",
                        cases[i].rule, k, err.msg);
            }
            CU_ASSERT(ok);
            vc_dataset_free(d);
        }
    }
}

/* The rules on what is used (S and U) depend on the selection by design:
 * each refuses one way of reading a file and accepts another. */
static void test_rules_on_selection(void)
{
    static const char *const ab[] = {"A", "B"};
    static const char *const bc[] = {"B", "C"};
    static const char *const omit_bc[] = {"B", "C"};
    static const char *const omit_c[] = {"C"};
    vc_read_opts o = no_opts();
    /* S2: fewer than 2 lists left. */
    o.omit = omit_bc;
    o.nomit = 2;
    expect_parse_error("A,B,C,count\n1,0,0,4\n0,1,1,3\n", &o, VC_EDATA,
                       "mem.csv:1: 1 list (\"A\")");
    /* U1: everybody seen only by C, which is left out. */
    o = no_opts();
    o.lists = ab;
    o.nlists = 2;
    expect_parse_error("A,B,C,count\n0,0,1,4\n", &o, VC_EDATA,
                       "every person was seen only by lists left out");
    /* U2: C catches nobody: refused while it is used, fine left out. */
    const char *empty_c = "A,B,C,count\n1,0,0,4\n1,1,0,3\n0,1,0,2\n";
    expect_parse_error(empty_c, NULL, VC_EDATA, "list \"C\" catches nobody");
    o = no_opts();
    o.omit = omit_c;
    o.nomit = 1;
    vc_dataset *d = parse_ok(empty_c, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n, 9);
    vc_dataset_free(d);
    o = no_opts();
    o.lists = ab;
    o.nlists = 2;
    d = parse_ok(empty_c, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->dropped, 0);
    vc_dataset_free(d);
    /* S1: 31 lists are too many, 2 of them are fine (the other 29 are
     * still checked: a bad cell in L31 is refused). */
    char text[400];
    size_t k = 0;
    for (int j = 1; j <= 31; j++) {
        k += (size_t)snprintf(text + k, sizeof text - k, "L%d,", j);
    }
    k += (size_t)snprintf(text + k, sizeof text - k, "count\n");
    for (int row = 0; row < 2; row++) {
        for (int j = 1; j <= 31; j++) {
            k += (size_t)snprintf(text + k, sizeof text - k, "%d,",
                                  j == row + 1);
        }
        k += (size_t)snprintf(text + k, sizeof text - k, "%d\n", 5 - row);
    }
    expect_parse_error(text, NULL, VC_EDATA, "31 list columns");
    o.lists = bc;
    static const char *const l1_l2[] = {"L1", "L2"};
    o.lists = l1_l2;
    d = parse_ok(text, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->J, 2);
    CU_ASSERT_EQUAL(d->n, 9);
    vc_dataset_free(d);
    text[k - 4] = '7'; /* L31 of the last row */
    expect_parse_error(text, &o, VC_EDATA,
                       "mem.csv:3: column \"L31\": expected 0 or 1");
}

/* ---------------------------------------------------------------------
 * The count column by name (--count), and its advice
 * ------------------------------------------------------------------- */

/* Issue 13: IOM,NGO,Police,cases, and the same in Russian with
 * semicolons.  Without naming the count column the file is refused,
 * selection or not, with advice that it may be the count; named, it holds
 * 882 people. */
static void test_count_named(void)
{
    static const struct {
        const char *file;
        const char *count;
        const char *lists[3];
    } cases[] = {
        {"cases.csv", "cases", {"IOM", "NGO", "Police"}},
        {"cases_ru.csv", "Количество", {"МОМ", "НПО", "Полиция"}},
    };
    static const uint32_t pat[] = {1, 2, 3, 4, 5, 6, 7};
    static const uint64_t cnt[] = {310, 205, 72, 160, 58, 47, 30};
    for (size_t i = 0; i < 2; i++) {
        char path[256], where[600];
        snprintf(path, sizeof path, FIX "%s", cases[i].file);
        snprintf(where, sizeof where, "%s:2: column \"%s\"", path,
                 cases[i].count);
        const char *want[] = {where, "expected 0 or 1", "got \"310\"", NULL};
        vc_read_advice adv;
        vc_read_opts o = no_opts();
        o.advice = &adv;
        expect_read_error(path, &o, VC_EDATA, want);
        CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_COLUMN);
        CU_ASSERT_STRING_EQUAL(adv.column, cases[i].count);
        CU_ASSERT_EQUAL(adv.may_be_count, 1);
        /* The message is the library's: no option of any front end. */
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_PTR_NULL(vc_dataset_read(path, &o, &err));
        CU_ASSERT_PTR_NULL(strstr(err.msg, "--"));
        o.lists = cases[i].lists;
        o.nlists = 3;
        expect_read_error(path, &o, VC_EDATA, want);
        CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_COLUMN);
        CU_ASSERT_EQUAL(adv.may_be_count, 1);
        o.count_column = cases[i].count;
        vc_dataset *d = read_ok(path, &o);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_NONE);
        CU_ASSERT_EQUAL(d->aggregated, 1);
        CU_ASSERT_EQUAL(d->n, 882);
        CU_ASSERT(names_are(d->names, 3, cases[i].lists));
        CU_ASSERT(table_is(d->tables[0], 7, pat, cnt));
        vc_dataset_free(d);
        o.lists = NULL;
        o.nlists = 0;
        d = read_ok(path, &o);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT(table_is(d->tables[0], 7, pat, cnt));
        vc_dataset_free(d);
    }
    /* A text value is no count: the advice is a stratum or nothing; and
     * a file with a count column gets no count advice either. */
    vc_read_advice adv;
    vc_read_opts o = no_opts();
    o.advice = &adv;
    expect_parse_error("A,B,region\n1,0,north\n", &o, VC_EDATA,
                       "column \"region\"");
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_COLUMN);
    CU_ASSERT_EQUAL(adv.may_be_count, 0);
    expect_parse_error("A,B,count,cases\n1,0,4,4\n", &o, VC_EDATA,
                       "column \"cases\"");
    CU_ASSERT_EQUAL(adv.may_be_count, 0);
    /* Other errors give no advice. */
    expect_parse_error("A,B,count\n1,0,x\n", &o, VC_EDATA, "column \"count\"");
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_NONE);
}

/* ---------------------------------------------------------------------
 * Encodings
 * ------------------------------------------------------------------- */

/* The Russian file in each encoding reads as the UTF-8 one: headers and
 * counts. */
static void test_encodings(void)
{
    static const struct {
        const char *file;
        const char *encoding;
    } cases[] = {
        {"cases_ru.csv", NULL},
        {"cases_ru.csv", "UTF-8"},
        {"cases_ru_cp1251.csv", "cp1251"},
        {"cases_ru_cp1251.csv", "CP1251"},
        {"cases_ru_cp1251.csv", "WINDOWS-1251"},
        {"cases_ru_koi8r.csv", "koi8-r"},
        {"cases_ru_utf16le.csv", NULL},
        {"cases_ru_utf16be.csv", NULL},
        {"cases_ru_utf16le.csv", "utf-16"},
        {"cases_ru_utf16be.csv", "UTF-16"},
    };
    static const char *const ru[] = {"МОМ", "НПО", "Полиция"};
    static const uint32_t pat[] = {1, 2, 3, 4, 5, 6, 7};
    static const uint64_t cnt[] = {310, 205, 72, 160, 58, 47, 30};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s", cases[i].file);
        vc_read_opts o = no_opts();
        o.count_column = "Количество";
        o.encoding = cases[i].encoding;
        vc_dataset *d = read_ok(path, &o);
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        CU_ASSERT(names_are(d->names, 3, ru));
        CU_ASSERT_EQUAL(d->n, 882);
        CU_ASSERT(table_is(d->tables[0], 7, pat, cnt));
        vc_dataset_free(d);
    }
    static const char *const es[] = {"OIM", "Médicos", "Policía"};
    vc_read_opts o = no_opts();
    o.count_column = "cantidad";
    o.encoding = "latin1";
    vc_dataset *d = read_ok(FIX "cases_latin1.csv", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(names_are(d->names, 3, es));
    CU_ASSERT(table_is(d->tables[0], 7, pat, cnt));
    vc_dataset_free(d);
    o.encoding = "ISO-8859-1";
    d = read_ok(FIX "cases_latin1.csv", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(names_are(d->names, 3, es));
    vc_dataset_free(d);
}

/* Bytes that are not what they should be: the line, the column when the
 * header is known, the byte, and advice to name the encoding. */
static void test_encoding_errors(void)
{
    vc_read_advice adv;
    vc_read_opts o = no_opts();
    o.advice = &adv;
    /* CP1251 read as UTF-8: the first byte of the header. */
    static const char *const want_cp[] = {
        FIX "cases_ru_cp1251.csv:1: byte 1 of the line: expected UTF-8, got "
            "the byte 0xCC",
        "cp1251", NULL};
    expect_read_error(FIX "cases_ru_cp1251.csv", &o, VC_EDATA, want_cp);
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_ENCODING);
    /* A latin1 byte in a stratum value on line 4. */
    static const char *const strata[] = {"country"};
    o.strata = strata;
    o.nstrata = 1;
    static const char *const want_u8[] = {
        FIX "bad_utf8.csv:4: column \"country\", byte 2 of the line: "
            "expected UTF-8, got the byte 0xE0",
        NULL};
    expect_read_error(FIX "bad_utf8.csv", &o, VC_EDATA, want_u8);
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_ENCODING);
    /* UTF-16 without a byte-order mark: NUL bytes; named, it reads. */
    o = no_opts();
    o.advice = &adv;
    static const char *const want_nul[] = {
        FIX "bad_utf16_nobom.csv:1: byte 2 of the line: expected text, got "
            "a NUL byte",
        NULL};
    expect_read_error(FIX "bad_utf16_nobom.csv", &o, VC_EDATA, want_nul);
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_ENCODING);
    o.encoding = "utf-16le";
    o.count_column = "cases";
    vc_dataset *d = read_ok(FIX "bad_utf16_nobom.csv", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n, 882);
    vc_dataset_free(d);
    /* A byte CP1251 does not define, in the count column of line 3. */
    o = no_opts();
    o.advice = &adv;
    o.encoding = "cp1251";
    o.count_column = "Количество";
    static const char *const want_conv[] = {
        FIX "bad_cp1251.csv:3: column \"Количество\": expected text in "
            "cp1251, got the byte 0x98",
        NULL};
    expect_read_error(FIX "bad_cp1251.csv", &o, VC_EDATA, want_conv);
    CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_NONE);
    /* A UTF-8 file named as another encoding. */
    static const char *const want_bom[] = {
        ":1: expected text in cp1251, got a UTF-8 byte-order mark", NULL};
    o.count_column = NULL;
    expect_read_error(FIX "agg_bom.csv", &o, VC_EDATA, want_bom);
    /* UTF-16 cut short: an odd number of bytes. */
    o = no_opts();
    {
        const char text[] = "\xff\xfe" "A\0,\0B\0\n\0001\0,\0000\0\n\0001";
        vc_error err;
        vc_error_clear(&err);
        CU_ASSERT_PTR_NULL(vc_dataset_parse(text, sizeof text - 1, "mem.csv",
                                            &o, &err));
        assert_msg(&err, "mem.csv:3: column \"A\": expected text in UTF-16LE, "
                         "got a character cut short by the end of the file");
        /* A lone low surrogate (0xDC00) cannot be read. */
        const char bad[] = "\xff\xfe" "A\0,\0B\0\n\0\x00\xdc,\0000\0\n\0";
        vc_error_clear(&err);
        CU_ASSERT_PTR_NULL(vc_dataset_parse(bad, sizeof bad - 1, "mem.csv",
                                            &o, &err));
        assert_msg(&err, "mem.csv:2: column \"A\": expected text in UTF-16LE, "
                         "got the byte 0x00");
    }
    /* Overlong forms, surrogates and code points above U+10FFFF. */
    static const char *const bad_utf8[] = {"\xc0\xaf", "\xe0\x80\xaf",
                                           "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                           "\xf5\x80\x80\x80", "\x80"};
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "A,B\n1,0\nx%s,1\n", bad_utf8[i]);
        expect_parse_error(text, NULL, VC_EDATA,
                           "mem.csv:3: column \"A\", byte 2 of the line: "
                           "expected UTF-8");
    }
    /* The largest and smallest of each length are fine (in a stratum). */
    static const char *const strata_s[] = {"s"};
    o = no_opts();
    o.strata = strata_s;
    o.nstrata = 1;
    d = parse_ok("s,A,B\n\xc2\x80\xdf\xbf,1,0\n\xe0\xa0\x80\xef\xbf\xbf,0,1\n"
                 "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf,1,1\n\xed\x9f\xbf,1,0\n",
                 &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->ntables, 4);
    vc_dataset_free(d);
    /* Unknown names are the caller's error, before the file is opened. */
    static const char *const names[] = {"nonesuch", "", "cp-1251-x"};
    for (size_t i = 0; i < 3; i++) {
        o = no_opts();
        o.advice = &adv;
        o.encoding = names[i];
        static const char *const want_name[] = {"unknown encoding", NULL};
        expect_read_error(FIX "no_such_file.csv", &o, VC_EINVAL, want_name);
        CU_ASSERT_EQUAL(adv.kind, VC_ADVICE_ENCODING_NAME);
    }
}

/* iconv a whole buffer; returned (free), *outlen set; NULL on failure. */
static char *iconv_all(const char *to, const char *in, size_t len,
                       size_t *outlen)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    if (cd == (iconv_t)-1) {
        return NULL;
    }
    size_t cap = 4 * len + 16;
    char *out = malloc(cap);
    char *ip = (char *)in, *op = out;
    size_t il = len, ol = cap;
    if (out == NULL || iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
        free(out);
        out = NULL;
    }
    iconv_close(cd);
    *outlen = cap - ol;
    return out;
}

static int write_bytes(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return -1;
    }
    size_t w = fwrite(p, 1, n, f);
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

/*
 * A stratified file far larger than one read chunk, with Cyrillic stratum
 * values (and characters outside the BMP, surrogate pairs in UTF-16): read
 * from UTF-8, CP1251, UTF-16LE and UTF-16BE files it gives the tables of
 * the UTF-8 text parsed from memory.  A UTF-8 character is split between
 * two chunks; conversions overflow one output buffer.
 */
static void test_encodings_in_chunks(void)
{
    static const char *const regions[] = {"Кыргызстан", "Таджикистан",
                                          "Казахстан"};
    static const char *const strata[] = {"регион"};
    text_buf b = {0};
    put(&b, "регион;A;B;C;count\n");
    /* Shift the text so that a two-byte character straddles the first
     * chunk boundary (65536 bytes). */
    uint64_t x = 77;
    while (b.len < 2 * 65536 + 64) {
        x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
        unsigned pat = (unsigned)(x >> 33) % 7 + 1;
        char row[128];
        snprintf(row, sizeof row, "%s;%u;%u;%u;%u,0\n",
                 regions[(x >> 50) % 3], pat & 1, pat >> 1 & 1, pat >> 2 & 1,
                 (unsigned)(x >> 40) % 50);
        put(&b, row);
    }
    /* Blank lines after the header shift the text a byte each. */
    size_t head = (size_t)(strchr(b.p, '\n') - b.p) + 1;
    size_t shifts = 0;
    while (((unsigned char)b.p[65536] & 0xC0) != 0x80 && shifts < 64) {
        put(&b, "\n"); /* room for one more byte */
        memmove(b.p + head + 1, b.p + head, b.len - head - 1);
        b.p[head] = '\n';
        shifts++;
    }
    CU_ASSERT_FATAL(shifts < 64);
    vc_read_opts o = no_opts();
    o.strata = strata;
    o.nstrata = 1;
    vc_dataset *want = parse_ok(b.p, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    CU_ASSERT_EQUAL_FATAL(want->ntables, 3);

    static const struct {
        const char *iconv_name;
        const char *bom;
        size_t bomlen;
        const char *encoding;
    } forms[] = {
        {NULL, "", 0, NULL},
        {"CP1251", "", 0, "cp1251"},
        {"UTF-16LE", "\xff\xfe", 2, NULL},
        {"UTF-16BE", "\xfe\xff", 2, NULL},
    };
    char path[] = "/tmp/vc_test_enc_XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        size_t n = b.len;
        char *bytes = forms[f].iconv_name
                          ? iconv_all(forms[f].iconv_name, b.p, b.len, &n)
                          : b.p;
        CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
        char *file = malloc(n + forms[f].bomlen);
        CU_ASSERT_PTR_NOT_NULL_FATAL(file);
        memcpy(file, forms[f].bom, forms[f].bomlen);
        memcpy(file + forms[f].bomlen, bytes, n);
        CU_ASSERT_FATAL(write_bytes(path, file, n + forms[f].bomlen) == 0);
        CU_ASSERT(n + forms[f].bomlen > 65536);
        vc_read_opts of = o;
        of.encoding = forms[f].encoding;
        vc_dataset *d = read_ok(path, &of);
        CU_ASSERT_PTR_NOT_NULL(d);
        if (d != NULL && d->ntables == want->ntables) {
            for (size_t t = 0; t < d->ntables; t++) {
                const vc_table *w = want->tables[t];
                CU_ASSERT_STRING_EQUAL(d->tables[t]->label, w->label);
                CU_ASSERT(table_is(d->tables[t], w->npat, w->pattern,
                                   w->count));
            }
        } else {
            CU_FAIL("tables differ");
        }
        vc_dataset_free(d);
        free(file);
        if (bytes != b.p) {
            free(bytes);
        }
    }
    remove(path);
    vc_dataset_free(want);
    free(b.p);
}

/* ---------------------------------------------------------------------
 * Whole numbers as spreadsheets write them
 * ------------------------------------------------------------------- */

static void test_decimals(void)
{
    static const uint32_t pat[] = {1, 2, 3, 4, 5, 6, 7};
    static const uint64_t cnt[] = {310, 205, 72, 160, 58, 47, 30};
    vc_dataset *d = read_ok(FIX "agg_decimals.csv", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(table_is(d->tables[0], 7, pat, cnt));
    vc_dataset_free(d);
    /* With ; as the delimiter, a comma may be the decimal separator. */
    vc_read_opts o = no_opts();
    o.count_column = "Количество";
    d = read_ok(FIX "cases_ru_decimal_comma.csv", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT(table_is(d->tables[0], 7, pat, cnt));
    vc_dataset_free(d);
    d = parse_ok("A\tB\tcount\n1,0\t0,0\t4,00\n0\t1\t9\n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n, 13);
    vc_dataset_free(d);
    /* Record level: 1. and 0.000 are cells too. */
    d = parse_ok("A,B\n1.,0.000\n0.0,1.0\n1.00,1\n", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(d->n, 3);
    CU_ASSERT_EQUAL(count_of(d->tables[0], 3), 1);
    vc_dataset_free(d);
    /* With a comma delimiter, a quoted "1,0" is no number. */
    expect_parse_error("A,B,count\n\"1,0\",0,4\n", NULL, VC_EDATA,
                       "mem.csv:2: column \"A\": expected 0 or 1");
    expect_parse_error("A,B,count\n1,0,\"4,0\"\n", NULL, VC_EDATA,
                       "mem.csv:2: column \"count\": expected a count");
    /* Anything not exactly whole is refused. */
    static const char *const cells[] = {"2.0", "1.5", "0.9999999", "1.01",
                                        ".0", "1e0", "-0", "01.0"};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        char text[64], want[64];
        snprintf(text, sizeof text, "A,B,count\n1,0,4\n%s,1,3\n", cells[i]);
        snprintf(want, sizeof want, "column \"A\": expected 0 or 1");
        expect_parse_error(text, NULL, VC_EDATA, want);
    }
    static const char *const counts[] = {"310.5", "0.9999999", "1e2",
                                         "1.5E+06", ".0", "3.0.0", "+3"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, "A,B,count\n1,0,4\n0,1,%s\n", counts[i]);
        expect_parse_error(text, NULL, VC_EDATA,
                           "mem.csv:3: column \"count\": expected a count");
    }
    expect_parse_error("A,B,count\n1,0,1e2\n", NULL, VC_EDATA,
                       "exponent notation");
}

/* The refusals of selection, merging and omission the other tests do not
 * reach, each naming the column and why it cannot serve; a selection
 * that leaves nobody observed; a header too long to list in full; a path
 * that is a directory. */
static void test_selection_refusals(void)
{
    const char *text = "A,B,C,site,count\n1,0,0,x,5\n0,1,0,x,4\n"
                       "1,1,0,x,3\n0,0,1,x,2\n1,0,1,x,2\n";
    static const char *const ab[] = {"A", "B"};
    static const char *const ab_site[] = {"A", "B", "site"};
    static const char *const site[] = {"site"};
    static const char *const merge_ac[] = {"A+C"};
    static const char *const merge_site[] = {"A+site"};
    static const char *const merge_empty[] = {"+A"};
    static const char *const omit_count[] = {"count"};
    static const char *const omit_c[] = {"C"};

    vc_read_opts o = no_opts();
    o.lists = ab_site;
    o.nlists = 3;
    o.strata = site;
    o.nstrata = 1;
    expect_parse_error(text, &o, VC_EINVAL,
                       "list \"site\" cannot be used: it is a stratum "
                       "column");
    o = no_opts();
    o.lists = ab;
    o.nlists = 2;
    o.merge = merge_ac;
    o.nmerge = 1;
    expect_parse_error(text, &o, VC_EINVAL,
                       "merge \"A+C\": \"C\" is not a list (it is not among "
                       "the selected lists)");
    o = no_opts();
    o.strata = site;
    o.nstrata = 1;
    o.merge = merge_site;
    o.nmerge = 1;
    expect_parse_error(text, &o, VC_EINVAL,
                       "\"site\" is not a list (it is a stratum column)");
    o = no_opts();
    o.merge = merge_empty;
    o.nmerge = 1;
    expect_parse_error(text, &o, VC_EINVAL,
                       "merge \"+A\": empty list name");
    o = no_opts();
    o.strata = site;
    o.nstrata = 1;
    o.omit = omit_count;
    o.nomit = 1;
    expect_parse_error(text, &o, VC_EINVAL,
                       "omitted list \"count\" is not a list (it is the "
                       "count column)");
    o = no_opts();
    o.lists = ab;
    o.nlists = 2;
    o.strata = site;
    o.nstrata = 1;
    o.omit = omit_c;
    o.nomit = 1;
    expect_parse_error(text, &o, VC_EINVAL,
                       "omitted list \"C\" is not a list (it is not among "
                       "the selected lists)");
    /* everyone seen only by a list left out */
    o = no_opts();
    o.lists = ab;
    o.nlists = 2;
    expect_parse_error("A,B,C,count\n0,0,1,5\n", &o, VC_EDATA,
                       "mem.csv: nobody is observed on the lists used");

    /* thirty long column names: the list of columns is cut with "..." */
    char head[2048] = "";
    for (int j = 0; j < 30; j++) {
        char col[64];
        snprintf(col, sizeof col, "%slist_with_a_long_name_%02d",
                 j ? "," : "", j);
        strcat(head, col);
    }
    strcat(head, ",count\n");
    char text2[4096];
    snprintf(text2, sizeof text2, "%s", head);
    for (int j = 0; j < 30; j++) {
        strcat(text2, j ? ",0" : "1");
    }
    strcat(text2, ",3\n");
    static const char *const nope[] = {"NOPE"};
    o = no_opts();
    o.lists = nope;
    o.nlists = 1;
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_parse(text2, strlen(text2), "mem.csv", &o,
                                     &err);
    CU_ASSERT_PTR_NULL(d);
    assert_msg(&err, "\"NOPE\" is not a column of the header; the columns "
                     "are \"list_with_a_long_name_00\", ");
    size_t len = strlen(err.msg);
    CU_ASSERT(len > 3 && strcmp(err.msg + len - 3, "...") == 0);

    /* an omitted list merged into the second of two merges */
    static const char *const merge_two[] = {"A+B", "C+site"};
    static const char *const omit_site[] = {"site"};
    o = no_opts();
    o.merge = merge_two;
    o.nmerge = 2;
    o.omit = omit_site;
    o.nomit = 1;
    expect_parse_error("A,B,C,site,count\n1,0,0,1,5\n0,1,1,0,4\n", &o,
                       VC_EINVAL,
                       "omitted list \"site\" was merged into \"C+site\"");
    /* a long cell is echoed cut at 40 characters */
    expect_parse_error("A,B,count\n1,0,abcdefghijklmnopqrstuvwxyz"
                       "0123456789ABCDEFGHIJ\n", NULL, VC_EDATA,
                       "got \"abcdefghijklmnopqrstuvwxyz0123456789ABCD...\"");
    /* a directory opens but cannot be read */
    static const char *const want_dir[] = {"tests/fixtures", "cannot read",
                                           "Is a directory", NULL};
    expect_read_error("tests/fixtures", NULL, VC_EIO, want_dir);
}

/* Two hundred strata, each appearing twice, interleaved: every row finds
 * its stratum again after the table of strata has grown several times,
 * and the tables keep the order of first appearance. */
static void test_many_strata(void)
{
    size_t cap = 200 * 2 * 32 + 64, len = 0;
    char *text = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    len += (size_t)snprintf(text + len, cap - len, "site,A,B,count\n");
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 200; i++) {
            len += (size_t)snprintf(text + len, cap - len, "s%03d,%s,%d\n",
                                    i, pass ? "0,1" : "1,1", i + 1);
        }
    }
    static const char *const site[] = {"site"};
    vc_read_opts o = no_opts();
    o.strata = site;
    o.nstrata = 1;
    vc_dataset *d = parse_ok(text, &o);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL_FATAL(d->ntables, 200);
    int ok = 1;
    for (size_t i = 0; i < 200; i++) {
        char want[16];
        snprintf(want, sizeof want, "s%03zu", i);
        const vc_table *t = d->tables[i];
        ok &= t->label != NULL && strcmp(t->label, want) == 0;
        ok &= t->n == 2 * (i + 1);
        ok &= vc_table_list_total(t, 0) == i + 1;
        ok &= vc_table_list_total(t, 1) == 2 * (i + 1);
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(d->n, 200 * 201);
    vc_dataset_free(d);
}

int vc_register_data_suite(void)
{
    CU_pSuite s = CU_add_suite("data", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    static const struct {
        const char *name;
        CU_TestFunc fn;
    } tests[] = {
        {"Kosovo reference table", test_kosovo},
        {"UK 2013 reference table", test_uk},
        {"UK merge PF+NCA equals UKdat_5", test_uk_merge},
        {"UK omit NCA drops its only-seen", test_uk_omit},
        {"UK selection equals omission", test_uk_select_equals_omit},
        {"30 lists accepted", test_wide},
        {"delimiters, CRLF, BOM, quotes", test_spellings},
        {"blank lines, words, duplicates", test_messy},
        {"record level equals aggregated", test_record_level},
        {"record level selection", test_record_selection},
        {"strata tables and labels", test_strata},
        {"cell words", test_cell_words},
        {"count column", test_count_column},
        {"merge order and names", test_merge_order},
        {"zero rows and selection", test_zero_rows_and_selection},
        {"stratum without people", test_stratum_without_people},
        {"notes are one line", test_notes_one_line},
        {"delimiter detection", test_delimiter_detection},
        {"physical line numbers", test_line_numbers},
        {"malformed input fixtures", test_error_fixtures},
        {"option errors", test_option_errors},
        {"selection refusals", test_selection_refusals},
        {"many strata", test_many_strata},
        {"cannot open", test_cannot_open},
        {"NULL arguments", test_nulls},
        {"large file in chunks", test_large_file},
        {"zero row refused with any selection", test_zero_row_any_selection},
        {"rules on the file as written", test_rules_as_written},
        {"rules on the selection", test_rules_on_selection},
        {"count column by name, with advice", test_count_named},
        {"encodings", test_encodings},
        {"encoding errors", test_encoding_errors},
        {"encodings across chunks", test_encodings_in_chunks},
        {"whole numbers as decimals", test_decimals},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL) {
            return CU_get_error();
        }
    }
    return CUE_SUCCESS;
}
