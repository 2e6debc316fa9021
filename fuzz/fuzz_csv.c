/*
 * fuzz_csv.c: libFuzzer harness for the CSV intake (vc_dataset_parse,
 * data/csv*.c), aggregated and record-level files, with strata, list
 * selection, merging, omission and a named count column.
 *
 * Input: CSV bytes, optionally followed by the two bytes "\0\0" and option
 * lines, one per line, each a letter, '=' and a comma-separated value:
 *   l=A,B      --lists        s=country,year  --strata
 *   m=A+B      --merge        o=C             --omit
 *   c=cases    --count        e=cp1251        --encoding (iconv's names)
 * (the same line may repeat; unknown letters are ignored, so that later
 * intake options can be added without breaking the corpus).  A file from
 * tests/fixtures/ is a valid input as it is: the defaults.  Values reach the
 * library raw, without the CLI's trimming, so empty and odd names are tried
 * too.
 *
 * Properties checked besides the sanitizers: a failure has a status and
 * a one-line message that starts with the source name; a dataset has 2 to
 * VC_MAX_LISTS lists with distinct, non-empty names, and tables whose patterns
 * are non-zero, inside J bits, strictly increasing, with positive counts that
 * add up to the table's n; the tables' n add up to the dataset's n; every
 * list of a table saw somebody in it; notes are one line.  And a file
 * without quotes gives the same answer, message or tables, with CRLF line
 * ends (what Windows spreadsheets write).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/vc_data.h"
#include "fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SOURCE "fuzz.csv"
/* Most values per option: enough for every list a file may have. */
#define MAX_VALUES 40

typedef struct {
    char *v[MAX_VALUES];
    size_t n;
} values;

/* Append the comma-separated values of p[0..n) to vs. */
static void split_values(const unsigned char *p, size_t n, values *vs)
{
    size_t start = 0;
    for (size_t i = 0; i <= n && vs->n < MAX_VALUES; i++) {
        if (i == n || p[i] == ',') {
            vs->v[vs->n++] = fuzz_strndup(p + start, i - start);
            start = i + 1;
        }
    }
}

static void values_free(values *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i]);
    }
}

/* Where the options start (size when there are none). */
static size_t find_options(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 1 < size; i++) {
        if (data[i] == 0 && data[i + 1] == 0) {
            return i;
        }
    }
    return size;
}

static void check_table(const vc_table *t, const vc_dataset *d)
{
    FUZZ_CHECK(t != NULL);
    FUZZ_CHECK(t->J >= 1 && t->J <= d->J);
    FUZZ_CHECK(t->npat >= 1);
    FUZZ_CHECK((d->nstrata_cols > 0) == (t->label != NULL));
    FUZZ_CHECK(t->nkeys == d->nstrata_cols);
    uint64_t sum = 0;
    uint32_t seen = 0;
    for (size_t i = 0; i < t->npat; i++) {
        uint32_t x = t->pattern[i];
        FUZZ_CHECK(x != 0);
        FUZZ_CHECK(t->J == 32 || (x >> t->J) == 0);
        FUZZ_CHECK(i == 0 || t->pattern[i - 1] < x);
        FUZZ_CHECK(t->count[i] > 0);
        FUZZ_CHECK(sum + t->count[i] > sum);
        sum += t->count[i];
        seen |= x;
    }
    FUZZ_CHECK(sum == t->n);
    /* Lists that saw nobody in a stratum are left out of its table. */
    FUZZ_CHECK(seen == (t->J == 32 ? UINT32_MAX : (1u << t->J) - 1));
    /* Its lists are the dataset's, in the dataset's order. */
    size_t k = 0;
    for (size_t j = 0; j < t->J; j++) {
        while (k < d->J && strcmp(d->names[k], t->names[j]) != 0) {
            k++;
        }
        FUZZ_CHECK(k < d->J);
        k++;
    }
    for (size_t s = 0; s < t->nkeys; s++) {
        FUZZ_CHECK(t->keys[s] != NULL);
    }
}

static void check_dataset(const vc_dataset *d)
{
    FUZZ_CHECK(d->J >= 2 && d->J <= VC_MAX_LISTS);
    FUZZ_CHECK(d->aggregated == 0 || d->aggregated == 1);
    for (size_t j = 0; j < d->J; j++) {
        FUZZ_CHECK(d->names[j] != NULL && d->names[j][0] != '\0');
        for (size_t i = 0; i < j; i++) {
            FUZZ_CHECK(strcmp(d->names[i], d->names[j]) != 0);
        }
    }
    FUZZ_CHECK(d->ntables >= 1);
    uint64_t n = 0;
    for (size_t i = 0; i < d->ntables; i++) {
        check_table(d->tables[i], d);
        FUZZ_CHECK(n + d->tables[i]->n > n);
        n += d->tables[i]->n;
    }
    FUZZ_CHECK(n == d->n && n > 0);
    for (size_t i = 0; i < d->nnotes; i++) {
        FUZZ_CHECK(fuzz_one_line(d->notes[i]));
    }
}

/* Two parses gave the same answer: the same tables, or the same message. */
static void check_same(const vc_dataset *a, const vc_error *ea,
                       const vc_dataset *b, const vc_error *eb)
{
    FUZZ_CHECK((a == NULL) == (b == NULL));
    if (a == NULL) {
        if (strcmp(ea->msg, eb->msg) != 0) {
            fuzz_note(ea->msg, eb->msg);
        }
        FUZZ_CHECK(ea->code == eb->code && strcmp(ea->msg, eb->msg) == 0);
        return;
    }
    FUZZ_CHECK(a->J == b->J && a->ntables == b->ntables && a->n == b->n
               && a->dropped == b->dropped && a->aggregated == b->aggregated
               && a->nnotes == b->nnotes);
    for (size_t j = 0; j < a->J; j++) {
        FUZZ_CHECK(strcmp(a->names[j], b->names[j]) == 0);
    }
    for (size_t i = 0; i < a->nnotes; i++) {
        FUZZ_CHECK(strcmp(a->notes[i], b->notes[i]) == 0);
    }
    for (size_t i = 0; i < a->ntables; i++) {
        const vc_table *s = a->tables[i], *t = b->tables[i];
        FUZZ_CHECK(s->J == t->J && s->npat == t->npat
                   && (s->label == NULL) == (t->label == NULL));
        FUZZ_CHECK(s->label == NULL || strcmp(s->label, t->label) == 0);
        FUZZ_CHECK(
            memcmp(s->pattern, t->pattern, s->npat * sizeof s->pattern[0])
            == 0);
        FUZZ_CHECK(memcmp(s->count, t->count, s->npat * sizeof s->count[0])
                   == 0);
    }
}

/* The same file with CRLF line ends, when that changes no field: no
 * quotes (a quoted field keeps its line breaks), no CR already, and
 * single bytes for characters (no NUL, no UTF-16 byte-order mark: a CR
 * byte would break UTF-16 apart). */
static char *crlf_copy(const char *buf, size_t len, size_t *out_len)
{
    size_t nl = 0;
    if (len >= 2
        && ((unsigned char)buf[0] == 0xff || (unsigned char)buf[0] == 0xfe)) {
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '"' || buf[i] == '\r' || buf[i] == '\0') {
            return NULL;
        }
        nl += buf[i] == '\n';
    }
    char *c = malloc(len + nl + 1);
    FUZZ_CHECK(c != NULL);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            c[k++] = '\r';
        }
        c[k++] = buf[i];
    }
    *out_len = k;
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t csv_len = find_options(data, size);
    values lists = {{NULL}, 0}, strata = {{NULL}, 0}, merge = {{NULL}, 0},
           omit = {{NULL}, 0};
    char *count = NULL, *encoding = NULL;
    size_t p = csv_len + 2;
    while (p < size) {
        const uint8_t *nl = memchr(data + p, '\n', size - p);
        size_t end = nl ? (size_t)(nl - data) : size;
        if (end - p >= 2 && data[p + 1] == '=') {
            const uint8_t *v = data + p + 2;
            size_t vn = end - p - 2;
            switch (data[p]) {
            case 'l':
                split_values(v, vn, &lists);
                break;
            case 's':
                split_values(v, vn, &strata);
                break;
            case 'm':
                split_values(v, vn, &merge);
                break;
            case 'o':
                split_values(v, vn, &omit);
                break;
            case 'c':
                free(count);
                count = fuzz_strndup(v, vn);
                break;
            case 'e':
                free(encoding);
                encoding = fuzz_strndup(v, vn);
                break;
            default:
                break;
            }
        }
        p = end + 1;
    }
    vc_read_opts o;
    memset(&o, 0, sizeof o);
    o.count_column = count;
    o.encoding = encoding;
    o.lists = (const char *const *)lists.v;
    o.nlists = lists.n;
    o.strata = (const char *const *)strata.v;
    o.nstrata = strata.n;
    o.merge = (const char *const *)merge.v;
    o.nmerge = merge.n;
    o.omit = (const char *const *)omit.v;
    o.nomit = omit.n;

    /* The CSV in an allocation of its own size, so that reading one byte
     * past it is caught. */
    char *buf = malloc(csv_len ? csv_len : 1);
    FUZZ_CHECK(buf != NULL);
    if (csv_len > 0) {
        memcpy(buf, data, csv_len);
    }
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_parse(buf, csv_len, SOURCE, &o, &err);
    if (d == NULL) {
        FUZZ_CHECK(err.code == VC_EDATA || err.code == VC_EINVAL);
        FUZZ_CHECK(fuzz_one_line(err.msg));
        FUZZ_CHECK(strncmp(err.msg, SOURCE, strlen(SOURCE)) == 0);
    } else {
        FUZZ_CHECK(err.code == VC_OK);
        check_dataset(d);
    }
    size_t crlf_len;
    char *crlf = encoding == NULL ? crlf_copy(buf, csv_len, &crlf_len) : NULL;
    if (crlf != NULL) {
        vc_error err2;
        vc_error_clear(&err2);
        vc_dataset *d2 = vc_dataset_parse(crlf, crlf_len, SOURCE, &o, &err2);
        check_same(d, &err, d2, &err2);
        vc_dataset_free(d2);
        free(crlf);
    }
    vc_dataset_free(d);
    free(buf);
    free(count);
    free(encoding);
    values_free(&lists);
    values_free(&strata);
    values_free(&merge);
    values_free(&omit);
    return 0;
}
