/*
 * test_table.c: the capture-history table and its operations.
 */
#include <string.h>

#include <CUnit/CUnit.h>

#include "data/vc_data.h"
#include "tests/test_util.h"

static const char *const abc[] = {"IOM", "NGO", "Police"};

static void test_from_counts(void)
{
    const uint32_t pat[] = {3, 1, 4, 1, 6, 2};
    const uint64_t cnt[] = {57, 412, 75, 13, 0, 239};
    vc_error err;
    vc_error_clear(&err);
    vc_table *t = vc_table_from_counts(3, abc, 6, pat, cnt, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(t->npat, 4); /* duplicate summed, zero dropped */
    CU_ASSERT_EQUAL(t->pattern[0], 1);
    CU_ASSERT_EQUAL(t->count[0], 425);
    CU_ASSERT_EQUAL(t->pattern[3], 4);
    CU_ASSERT_EQUAL(t->n, 425 + 239 + 57 + 75);
    CU_ASSERT_EQUAL(vc_table_list_total(t, 0), 425 + 57);
    CU_ASSERT_EQUAL(vc_table_overlap(t, 0, 1), 57);
    CU_ASSERT_EQUAL(vc_table_overlap(t, 1, 2), 0);
    CU_ASSERT_EQUAL(vc_table_overlap(t, 2, 2), 75);
    uint64_t f[4];
    vc_table_capture_frequencies(t, f);
    CU_ASSERT_EQUAL(f[0], 0);
    CU_ASSERT_EQUAL(f[1], 425 + 239 + 75);
    CU_ASSERT_EQUAL(f[2], 57);
    CU_ASSERT_EQUAL(f[3], 0);
    CU_ASSERT_EQUAL(vc_table_nonempty_lists(t), 3);
    CU_ASSERT_PTR_NULL(t->label);

    const char *keys[] = {"Kyrgyzstan", "2005"};
    CU_ASSERT_EQUAL(vc_table_set_stratum(t, 2, keys, &err), VC_OK);
    CU_ASSERT_STRING_EQUAL(t->label, "Kyrgyzstan 2005");
    vc_table *c = vc_table_copy(t, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->label, "Kyrgyzstan 2005");
    CU_ASSERT_STRING_EQUAL(c->keys[1], "2005");
    CU_ASSERT_EQUAL(c->n, t->n);
    CU_ASSERT_EQUAL(memcmp(c->count, t->count, t->npat * sizeof *t->count),
                    0);
    vc_table_free(c);
    vc_table_free(t);
    vc_table_free(NULL);
}

static void test_from_counts_errors(void)
{
    vc_error err;
    vc_error_clear(&err);
    const uint32_t zero[] = {0, 1};
    const uint64_t cnt[] = {5, 3};
    CU_ASSERT_PTR_NULL(vc_table_from_counts(3, abc, 2, zero, cnt, &err));
    CU_ASSERT_EQUAL(err.code, VC_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unobserved") != NULL
                               ? strstr(err.msg, "unobserved")
                               : strstr(err.msg, "no list saw"));
    vc_error_clear(&err);
    const uint32_t wide[] = {8};
    CU_ASSERT_PTR_NULL(vc_table_from_counts(3, abc, 1, wide, cnt, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_table_from_counts(31, abc, 0, wide, cnt, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_error_clear(&err);
    const uint32_t two[] = {1, 2};
    const uint64_t big[] = {UINT64_MAX, 1};
    CU_ASSERT_PTR_NULL(vc_table_from_counts(3, abc, 2, two, big, &err));
    CU_ASSERT_EQUAL(err.code, VC_EDATA);
    /* collapsing to no list, or to more than a table holds */
    vc_table *t = vc_table_from_counts(3, abc, 2, two, cnt, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const uint32_t group[] = {1};
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_table_collapse(t, 0, group, abc, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "a table needs 1 to 30 lists, "
                                           "not 0"));
    vc_error_clear(&err);
    CU_ASSERT_PTR_NULL(vc_table_collapse(t, VC_MAX_LISTS + 1, group, abc,
                                         &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_table_free(t);
}

/* Merging PF and NCA in the UK 2013 table (Silverman 2014) gives the
 * 5-list table of Silverman, Chan & Vincent (2024), UKdat_5.csv. */
static void test_collapse_merge_uk(void)
{
    vc_table *uk = vc_test_load_ref("UKdat.csv");
    vc_table *uk5 = vc_test_load_ref("UKdat_5.csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(uk);
    CU_ASSERT_PTR_NOT_NULL_FATAL(uk5);
    /* UKdat: LA NG PF GO GP NCA; UKdat_5: LA NG PFNCA GO GP */
    const uint32_t group[] = {1u << 0, 1u << 1, (1u << 2) | (1u << 5),
                              1u << 3, 1u << 4};
    const char *names[] = {"LA", "NG", "PF+NCA", "GO", "GP"};
    vc_error err;
    vc_error_clear(&err);
    vc_table *m = vc_table_collapse(uk, 5, group, names, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->n, 2744);
    CU_ASSERT_EQUAL(m->dropped, 0);
    CU_ASSERT_EQUAL(m->npat, uk5->npat);
    CU_ASSERT_EQUAL(memcmp(m->pattern, uk5->pattern,
                           uk5->npat * sizeof *m->pattern), 0);
    CU_ASSERT_EQUAL(memcmp(m->count, uk5->count,
                           uk5->npat * sizeof *m->count), 0);
    CU_ASSERT_STRING_EQUAL(m->names[2], "PF+NCA");
    vc_table_free(m);

    /* Omitting GP: the 316 + ... people seen only by GP drop out. */
    const uint32_t keep[] = {1u << 0, 1u << 1, 1u << 2, 1u << 3, 1u << 5};
    const char *kn[] = {"LA", "NG", "PF", "GO", "NCA"};
    m = vc_table_collapse(uk, 5, keep, kn, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(m->dropped, 316);
    CU_ASSERT_EQUAL(m->n + m->dropped, 2744);
    vc_table_free(m);

    /* Overlapping groups are refused. */
    const uint32_t bad[] = {3u, 2u};
    CU_ASSERT_PTR_NULL(vc_table_collapse(uk, 2, bad, names, &err));
    CU_ASSERT_EQUAL(err.code, VC_EINVAL);
    vc_table_free(uk);
    vc_table_free(uk5);
}

int vc_register_table_suite(void)
{
    CU_pSuite s = CU_add_suite("table", NULL, NULL);
    if (s == NULL) {
        return CU_get_error();
    }
    if (CU_add_test(s, "from counts", test_from_counts) == NULL
        || CU_add_test(s, "from counts errors", test_from_counts_errors)
               == NULL
        || CU_add_test(s, "collapse: merge and omit", test_collapse_merge_uk)
               == NULL) {
        return CU_get_error();
    }
    return CUE_SUCCESS;
}
