/*
 * normalise.c: names and dates to the canonical forms that the CLK
 * encoding hashes (Schnell, Bachteler & Reiher 2009 hash q-grams of
 * "standardised" fields; the standardisation is ours, for Central Asian
 * lists).
 *
 * A name goes through four steps:
 *   1. Unicode NFKC with case folding (ICU's NFKC_Casefold, UAX #15 and
 *      Unicode's CaseFolding.txt), so full-width letters, ligatures and
 *      capitals meet their plain lower-case forms;
 *   2. one Latin spelling per letter: Cyrillic letters of Russian, Kazakh,
 *      Kyrgyz, Tajik, Uzbek (and Ukrainian) through the table below,
 *      Latin letters stripped of diacritics (canonical decomposition,
 *      base letter kept: "ä" -> "a", "ş" -> "s"), and a few letters that
 *      do not decompose ("ı", "ə", "ø", "ł") by hand; digits, punctuation,
 *      apostrophes (Uzbek "o'", "g'") and marks are dropped, spaces and
 *      hyphens end a word;
 *   3. folding of the romanisation conventions in use (BGN/PCGN, the
 *      passport systems of the five countries, Uzbek and Kazakh Latin,
 *      English and French spellings), so that "Zhumabekova",
 *      "Jumabekova" and "Жумабекова" give one string: zh, dzh, dj -> j;
 *      kh, x (before a consonant or at the start of a word) -> h;
 *      x elsewhere -> ks; gh -> g; q -> k; oo, ou -> u; ye -> e;
 *      shch, sch -> sh; ph -> f; w -> v; ck -> k; then y -> i and any
 *      doubled letter -> one ("Dmitriy", "Dmitry", "Dmitrii" -> dmitri);
 *   4. the words joined without separators ("Abdu-Rahman" and
 *      "Abdurahman" agree).
 * The folding loses distinctions (Russian "Юсупов" and German-style
 * "Jusupov" differ, j being zh here), which costs some recall on rare
 * conventions and nothing else: the encoding compares, it never decodes.
 *
 * A date is read as yyyy-mm-dd, dd.mm.yyyy, dd/mm/yyyy or dd-mm-yyyy, or
 * a year alone; month and day are checked against the calendar.
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "link/link_impl.h"

/* The Cyrillic letters after case folding, U+0430 .. U+04FF, as the
 * Latin spelling they fold to before step 3.  Letters not listed are
 * refused by nothing: they simply drop out (no name uses them). */
typedef struct {
    uint32_t cp;
    const char *latin;
} translit;

static const translit cyrillic[] = {
    {0x0430, "a"},   {0x0431, "b"},    {0x0432, "v"},  {0x0433, "g"},
    {0x0434, "d"},   {0x0435, "e"},    {0x0436, "zh"}, {0x0437, "z"},
    {0x0438, "i"},   {0x0439, "y"},    {0x043a, "k"},  {0x043b, "l"},
    {0x043c, "m"},   {0x043d, "n"},    {0x043e, "o"},  {0x043f, "p"},
    {0x0440, "r"},   {0x0441, "s"},    {0x0442, "t"},  {0x0443, "u"},
    {0x0444, "f"},   {0x0445, "kh"},   {0x0446, "ts"}, {0x0447, "ch"},
    {0x0448, "sh"},  {0x0449, "shch"}, {0x044a, ""},   {0x044b, "y"},
    {0x044c, ""},    {0x044d, "e"},    {0x044e, "yu"}, {0x044f, "ya"},
    {0x0450, "e"},   {0x0451, "yo"},                   /* ѐ ё */
    {0x0454, "ye"},  {0x0456, "i"},    {0x0457, "yi"}, /* є і ї */
    {0x045e, "o"},                                     /* ў: Uzbek o' */
    {0x0491, "g"},                                     /* ґ */
    {0x0493, "g"},   /* ғ: Kazakh, Uzbek g' */
    {0x049b, "q"},   /* қ */
    {0x04a3, "ng"},  /* ң */
    {0x04af, "u"},   /* ү */
    {0x04b1, "u"},   /* ұ */
    {0x04b3, "kh"},  /* ҳ: Tajik, Uzbek */
    {0x04b7, "dzh"}, /* ҷ: Tajik */
    {0x04bb, "h"},   /* һ */
    {0x04d9, "a"},   /* ә */
    {0x04e3, "i"},   /* ӣ: Tajik */
    {0x04e9, "o"},   /* ө */
    {0x04ef, "u"},   /* ӯ: Tajik */
};

/* Latin letters that have no canonical decomposition to a base letter. */
static const translit latin_extra[] = {
    {0x00e6, "ae"}, {0x00f0, "d"}, {0x00f8, "o"}, {0x00fe, "th"},
    {0x0111, "d"},  {0x0131, "i"}, {0x0142, "l"}, {0x014b, "ng"},
    {0x0153, "oe"}, {0x0259, "a"}, /* ə: Azerbaijani, Kazakh Latin */
};

static const char *table_find(const translit *t, size_t n, uint32_t cp)
{
    size_t lo = 0;
    size_t hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].cp == cp) {
            return t[mid].latin;
        }
        if (t[mid].cp < cp) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

/* A growable ASCII buffer bounded by the caller's size. */
typedef struct {
    char *s;
    size_t len, size;
    int overflow;
} abuf;

static void abuf_puts(abuf *b, const char *s)
{
    for (; *s; s++) {
        if (b->len + 1 >= b->size) {
            b->overflow = 1;
            return;
        }
        b->s[b->len++] = *s;
    }
    b->s[b->len] = '\0';
}

static void abuf_putc(abuf *b, char c)
{
    char s[2] = {c, '\0'};
    abuf_puts(b, s);
}

/* Step 2 for one code point of the folded string. */
static void latin_of(const UNormalizer2 *nfd, UChar32 c, abuf *b)
{
    if (c < 0x80) {
        if (c >= 'a' && c <= 'z') {
            abuf_putc(b, (char)c);
        } else if (c >= 'A' && c <= 'Z') {
            abuf_putc(b, (char)(c - 'A' + 'a'));
        } else if (c == ' ' || c == '-' || c == '_' || c == '\t') {
            abuf_putc(b, ' ');
        }
        return;
    }
    const char *t = NULL;
    if (c >= 0x0400 && c <= 0x04ff) {
        t = table_find(cyrillic, sizeof cyrillic / sizeof cyrillic[0],
                       (uint32_t)c);
    } else {
        t = table_find(latin_extra, sizeof latin_extra / sizeof latin_extra[0],
                       (uint32_t)c);
    }
    if (t != NULL) {
        abuf_puts(b, t);
        return;
    }
    if (u_isUWhiteSpace(c)) {
        abuf_putc(b, ' ');
        return;
    }
    if (!u_isalpha(c)) {
        return;
    }
    /* a Latin letter with marks: keep the base letter of its canonical
     * decomposition when that is ASCII */
    UErrorCode st = U_ZERO_ERROR;
    UChar d[8];
    int32_t n = unorm2_getDecomposition(nfd, c, d, 8, &st);
    if (U_SUCCESS(st) && n > 0 && d[0] < 0x80) {
        latin_of(nfd, d[0], b);
    }
}

/* True when c is a vowel of the Latin alphabet (y excluded). */
static int vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* Step 3 on one word w[0 .. n-1] (ASCII, lower case), appended to out. */
static void fold_word(const char *w, size_t n, abuf *out)
{
    char tmp[VC_LINK_NAME_MAX * 2];
    size_t m = 0;
    for (size_t i = 0; i < n && m + 4 < sizeof tmp;) {
        const char *p = w + i;
        size_t rest = n - i;
#define STARTS(lit)                                                            \
    (rest >= sizeof(lit) - 1 && memcmp(p, lit, sizeof(lit) - 1) == 0)
        if (STARTS("shch")) {
            tmp[m++] = 's';
            tmp[m++] = 'h';
            i += 4;
        } else if (STARTS("sch")) {
            tmp[m++] = 's';
            tmp[m++] = 'h';
            i += 3;
        } else if (STARTS("dzh")) {
            tmp[m++] = 'j';
            i += 3;
        } else if (STARTS("dj") || STARTS("zh")) {
            tmp[m++] = 'j';
            i += 2;
        } else if (STARTS("kh")) {
            tmp[m++] = 'h';
            i += 2;
        } else if (STARTS("gh")) {
            tmp[m++] = 'g';
            i += 2;
        } else if (STARTS("ph")) {
            tmp[m++] = 'f';
            i += 2;
        } else if (STARTS("ck")) {
            tmp[m++] = 'k';
            i += 2;
        } else if (STARTS("oo") || STARTS("ou")) {
            tmp[m++] = 'u';
            i += 2;
        } else if (STARTS("ye")) {
            tmp[m++] = 'e';
            i += 2;
        } else if (*p == 'x') {
            /* Uzbek Latin x is Cyrillic х; English x is ks */
            if (i == 0 || rest == 1 || !vowel(p[1])) {
                tmp[m++] = 'h';
            } else {
                tmp[m++] = 'k';
                tmp[m++] = 's';
            }
            i++;
        } else if (*p == 'q') {
            tmp[m++] = 'k';
            i++;
        } else if (*p == 'w') {
            tmp[m++] = 'v';
            i++;
        } else if (*p == 'y') {
            tmp[m++] = 'i';
            i++;
        } else {
            tmp[m++] = *p;
            i++;
        }
#undef STARTS
    }
    /* doubled letters to one */
    char last = '\0';
    for (size_t i = 0; i < m; i++) {
        if (tmp[i] != last) {
            abuf_putc(out, tmp[i]);
        }
        last = tmp[i];
    }
}

int vc_link_normalise_name(const char *in, size_t len, char *out, size_t size,
                           vc_error *err)
{
    if (size == 0) {
        return vc_error_set(err, VC_EINVAL, "normalise: no room for output");
    }
    out[0] = '\0';
    if (len == 0) {
        return VC_OK;
    }
    if (len > VC_LINK_NAME_MAX) {
        return vc_error_set(err, VC_EDATA, "name longer than %d bytes",
                            VC_LINK_NAME_MAX);
    }
    UErrorCode st = U_ZERO_ERROR;
    UChar u[VC_LINK_NAME_MAX + 1];
    UChar f[VC_LINK_NAME_MAX * 4];
    int32_t ulen = 0;
    u_strFromUTF8(u, VC_LINK_NAME_MAX + 1, &ulen, in, (int32_t)len, &st);
    if (U_FAILURE(st)) {
        return vc_error_set(err, VC_EDATA, "name is not valid UTF-8");
    }
    const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&st);
    const UNormalizer2 *nfd = unorm2_getNFDInstance(&st);
    if (U_FAILURE(st)) {
        return vc_error_set(err, VC_EINVAL, "ICU normaliser: %s",
                            u_errorName(st));
    }
    int32_t flen = unorm2_normalize(nfkc, u, ulen, f,
                                    (int32_t)(sizeof f / sizeof f[0]), &st);
    if (U_FAILURE(st)) {
        return vc_error_set(err, VC_EDATA, "name cannot be normalised: %s",
                            u_errorName(st));
    }
    char lat[VC_LINK_NAME_MAX * 4];
    abuf b = {lat, 0, sizeof lat, 0};
    lat[0] = '\0';
    for (int32_t i = 0; i < flen;) {
        UChar32 c;
        U16_NEXT(f, i, flen, c);
        latin_of(nfd, c, &b);
    }
    abuf o = {out, 0, size, 0};
    for (size_t i = 0; i < b.len;) {
        while (i < b.len && lat[i] == ' ') {
            i++;
        }
        size_t j = i;
        while (j < b.len && lat[j] != ' ') {
            j++;
        }
        if (j > i) {
            fold_word(lat + i, j - i, &o);
        }
        i = j;
    }
    if (b.overflow || o.overflow) {
        out[0] = '\0';
        return vc_error_set(err, VC_EDATA, "name too long once romanised");
    }
    return VC_OK;
}

/* Parse exactly n digits at s into *v. */
static int digits(const char *s, size_t n, int *v)
{
    int x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return dm[m - 1];
}

int vc_link_parse_date(const char *s, vc_link_date *d, vc_error *err)
{
    d->year = d->month = d->day = 0;
    while (*s == ' ') {
        s++;
    }
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ') {
        n--;
    }
    if (n == 0) {
        return VC_OK;
    }
    int y = 0;
    int m = 0;
    int day = 0;
    int ok = -1;
    if (n == 4) {
        ok = digits(s, 4, &y);
    } else if (n == 10 && s[4] == '-' && s[7] == '-') {
        ok = digits(s, 4, &y) | digits(s + 5, 2, &m) | digits(s + 8, 2, &day);
    } else if (n == 10 && (s[2] == '.' || s[2] == '/' || s[2] == '-')
               && s[5] == s[2]) {
        ok = digits(s, 2, &day) | digits(s + 3, 2, &m) | digits(s + 6, 4, &y);
    }
    if (ok != 0) {
        return vc_error_set(err, VC_EDATA,
                            "date \"%.*s\": expected yyyy-mm-dd, dd.mm.yyyy, "
                            "dd/mm/yyyy or yyyy",
                            (int)(n > 40 ? 40 : n), s);
    }
    if (y < 1850 || y > 2199) {
        return vc_error_set(err, VC_EDATA, "date \"%.*s\": year out of range",
                            (int)n, s);
    }
    if (n != 4 && (m < 1 || m > 12 || day < 1 || day > days_in_month(y, m))) {
        return vc_error_set(err, VC_EDATA, "date \"%.*s\": no such day", (int)n,
                            s);
    }
    d->year = y;
    d->month = m;
    d->day = day;
    return VC_OK;
}

/* The padded bigrams of s, as 16-bit codes, sorted and distinct. */
static size_t bigram_set(const char *s, uint16_t *g, size_t max)
{
    size_t n = strlen(s);
    if (n == 0) {
        return 0;
    }
    size_t k = 0;
    for (size_t i = 0; i <= n && k < max; i++) {
        unsigned a = i == 0 ? '_' : (unsigned char)s[i - 1];
        unsigned b = i == n ? '_' : (unsigned char)s[i];
        g[k++] = (uint16_t)(a << 8 | b);
    }
    /* insertion sort: names are short */
    for (size_t i = 1; i < k; i++) {
        uint16_t v = g[i];
        size_t j = i;
        while (j > 0 && g[j - 1] > v) {
            g[j] = g[j - 1];
            j--;
        }
        g[j] = v;
    }
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m == 0 || g[m - 1] != g[i]) {
            g[m++] = g[i];
        }
    }
    return m;
}

double vc_link_bigram_dice(const char *a, const char *b)
{
    uint16_t ga[VC_LINK_NAME_MAX + 2];
    uint16_t gb[VC_LINK_NAME_MAX + 2];
    size_t na = bigram_set(a, ga, VC_LINK_NAME_MAX + 2);
    size_t nb = bigram_set(b, gb, VC_LINK_NAME_MAX + 2);
    if (na + nb == 0) {
        return 0.0;
    }
    size_t i = 0;
    size_t j = 0;
    size_t c = 0;
    while (i < na && j < nb) {
        if (ga[i] == gb[j]) {
            c++;
            i++;
            j++;
        } else if (ga[i] < gb[j]) {
            i++;
        } else {
            j++;
        }
    }
    return 2.0 * (double)c / (double)(na + nb);
}
