/*
 * gen_countries.c: writes link/countries.inc, the table of country names
 * and codes that `encode` uses to bring a nationality to its ISO 3166-1
 * alpha-3 code (country.c).  Run by `make countries`; its output is
 * committed, so that the build and the encodings never depend on the
 * version of ICU installed (a new ICU may rename a country; a new table
 * is then a new schema hash: see country.c).
 *
 * Sources (facts, not code): the ISO 3166-1 code list and the countries'
 * names in English, Russian, Kazakh, Kyrgyz, Tajik, Uzbek (Latin and
 * Cyrillic), Ukrainian, Belarusian, Turkish, Azerbaijani and Mongolian from
 * the Unicode CLDR, as ICU carries it (uloc_getISOCountries,
 * uloc_getISO3Country, uloc_getDisplayCountry); and a short list of the
 * other forms offices write, below, by hand.  Languages in other scripts
 * (Chinese, Persian, Georgian, Armenian, Korean) are left out: the name
 * normaliser keeps Latin and Cyrillic letters only.
 *
 * Every name goes through vc_link_normalise_name, as the field's values
 * will; a key that two countries share after normalisation is dropped
 * (listed in the output), since it could not say which is meant.
 *
 * Usage: gen_countries > link/countries.inc
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include "link/vc_link.h"

/* Forms that CLDR's display names miss: official long names, older
 * names, abbreviations, and names in the region's languages that CLDR
 * spells otherwise.  Demonyms ("Kyrgyz", "русский") are left out on
 * purpose: they name an ethnicity as often as a citizenship (an ethnic
 * Russian citizen of Kazakhstan), and a wrong code is worse than none. */
static const struct {
    const char *name, *a3;
} aliases[] = {
    {"Russia", "RUS"},
    {"Russian Federation", "RUS"},
    {"Россия", "RUS"},
    {"Российская Федерация", "RUS"},
    {"РФ", "RUS"},
    {"Ресей", "RUS"},
    {"Орусия", "RUS"},
    {"Россия Федерациясы", "RUS"},
    {"Русия", "RUS"},
    {"Rossiya", "RUS"},
    {"Kyrgyzstan", "KGZ"},
    {"Kyrgyz Republic", "KGZ"},
    {"Kirghizia", "KGZ"},
    {"Kirgizia", "KGZ"},
    {"Kirgizstan", "KGZ"},
    {"Киргизия", "KGZ"},
    {"Кыргызстан", "KGZ"},
    {"Киргизская Республика", "KGZ"},
    {"Кыргызская Республика", "KGZ"},
    {"Кыргыз Республикасы", "KGZ"},
    {"Қырғызстан", "KGZ"},
    {"Қирғизистон", "KGZ"},
    {"Kazakhstan", "KAZ"},
    {"Republic of Kazakhstan", "KAZ"},
    {"Kazakstan", "KAZ"},
    {"Qazaqstan", "KAZ"},
    {"Казахстан", "KAZ"},
    {"Республика Казахстан", "KAZ"},
    {"Қазақстан", "KAZ"},
    {"Қазақстан Республикасы", "KAZ"},
    {"Казакстан", "KAZ"},
    {"Қазоқистон", "KAZ"},
    {"Qozog'iston", "KAZ"},
    {"Tajikistan", "TJK"},
    {"Tadjikistan", "TJK"},
    {"Republic of Tajikistan", "TJK"},
    {"Таджикистан", "TJK"},
    {"Республика Таджикистан", "TJK"},
    {"Тоҷикистон", "TJK"},
    {"Ҷумҳурии Тоҷикистон", "TJK"},
    {"Tojikiston", "TJK"},
    {"Тәжікстан", "TJK"},
    {"Тажикстан", "TJK"},
    {"Тожикистон", "TJK"},
    {"Uzbekistan", "UZB"},
    {"Republic of Uzbekistan", "UZB"},
    {"Узбекистан", "UZB"},
    {"Республика Узбекистан", "UZB"},
    {"O'zbekiston", "UZB"},
    {"Oʻzbekiston", "UZB"},
    {"Ўзбекистон", "UZB"},
    {"Ўзбекистон Республикаси", "UZB"},
    {"Өзбекстан", "UZB"},
    {"Ӯзбекистон", "UZB"},
    {"Turkmenistan", "TKM"},
    {"Туркменистан", "TKM"},
    {"Түрікменстан", "TKM"},
    {"Түркмөнстан", "TKM"},
    {"Туркманистон", "TKM"},
    {"Turkmaniston", "TKM"},
    {"Ukraine", "UKR"},
    {"Украина", "UKR"},
    {"Україна", "UKR"},
    {"Belarus", "BLR"},
    {"Byelorussia", "BLR"},
    {"Belorussia", "BLR"},
    {"Белоруссия", "BLR"},
    {"Беларусь", "BLR"},
    {"Республика Беларусь", "BLR"},
    {"Turkey", "TUR"},
    {"Türkiye", "TUR"},
    {"Турция", "TUR"},
    {"Түркия", "TUR"},
    {"Туркия", "TUR"},
    {"Turkiya", "TUR"},
    {"China", "CHN"},
    {"People's Republic of China", "CHN"},
    {"PRC", "CHN"},
    {"Китай", "CHN"},
    {"КНР", "CHN"},
    {"Қытай", "CHN"},
    {"Кытай", "CHN"},
    {"Хитой", "CHN"},
    {"Xitoy", "CHN"},
    {"Чин", "CHN"},
    {"Afghanistan", "AFG"},
    {"Афганистан", "AFG"},
    {"Ауғанстан", "AFG"},
    {"Ооганстан", "AFG"},
    {"Афғонистон", "AFG"},
    {"Afg'oniston", "AFG"},
    {"Iran", "IRN"},
    {"Islamic Republic of Iran", "IRN"},
    {"Persia", "IRN"},
    {"Иран", "IRN"},
    {"Эрон", "IRN"},
    {"Eron", "IRN"},
    {"Azerbaijan", "AZE"},
    {"Азербайджан", "AZE"},
    {"Әзірбайжан", "AZE"},
    {"Азербайжан", "AZE"},
    {"Озарбойҷон", "AZE"},
    {"Ozarbayjon", "AZE"},
    {"Azərbaycan", "AZE"},
    {"Armenia", "ARM"},
    {"Армения", "ARM"},
    {"Арманистон", "ARM"},
    {"Hayastan", "ARM"},
    {"Georgia", "GEO"},
    {"Грузия", "GEO"},
    {"Гурҷистон", "GEO"},
    {"Gruziya", "GEO"},
    {"Sakartvelo", "GEO"},
    {"Mongolia", "MNG"},
    {"Монголия", "MNG"},
    {"Монгол Улс", "MNG"},
    {"Моңғолия", "MNG"},
    {"Муғулистон", "MNG"},
    {"United Arab Emirates", "ARE"},
    {"Emirates", "ARE"},
    {"ОАЭ", "ARE"},
    {"Объединённые Арабские Эмираты", "ARE"},
    {"Объединенные Арабские Эмираты", "ARE"},
    {"БАӘ", "ARE"},
    {"South Korea", "KOR"},
    {"Republic of Korea", "KOR"},
    {"Южная Корея", "KOR"},
    {"Республика Корея", "KOR"},
    {"Оңтүстік Корея", "KOR"},
    {"Түштүк Корея", "KOR"},
    {"Janubiy Koreya", "KOR"},
    {"North Korea", "PRK"},
    {"DPRK", "PRK"},
    {"КНДР", "PRK"},
    {"Северная Корея", "PRK"},
    {"United Kingdom", "GBR"},
    {"Great Britain", "GBR"},
    {"Britain", "GBR"},
    {"Великобритания", "GBR"},
    {"Соединённое Королевство", "GBR"},
    {"United States", "USA"},
    {"United States of America", "USA"},
    {"США", "USA"},
    {"Соединённые Штаты Америки", "USA"},
    {"Соединенные Штаты Америки", "USA"},
    {"Moldova", "MDA"},
    {"Молдавия", "MDA"},
    {"Молдова", "MDA"},
    {"India", "IND"},
    {"Индия", "IND"},
    {"Pakistan", "PAK"},
    {"Пакистан", "PAK"},
};

/* Latin and Cyrillic locales whose CLDR country names are taken. */
static const char *const locales[] = {"en",      "ru", "kk", "ky", "tg", "uz",
                                      "uz_Cyrl", "uk", "be", "tr", "az", "mn"};

typedef struct {
    char key[128];
    char a3[4];
    char name[192]; /* one raw form, kept so a test can re-check the key */
    int drop;
} entry;

static entry *tab;
static size_t ntab, captab;

static void add(const char *name, const char *a3)
{
    char key[128];
    vc_error err;
    vc_error_clear(&err);
    if (vc_link_normalise_name(name, strlen(name), key, sizeof key, &err)
            != VC_OK
        || key[0] == '\0' || strlen(name) >= sizeof tab->name) {
        return;
    }
    for (size_t i = 0; i < ntab; i++) {
        if (strcmp(tab[i].key, key) == 0) {
            if (strcmp(tab[i].a3, a3) != 0) {
                fprintf(stderr,
                        "gen_countries: \"%s\" (%s) and \"%s\" (%s) "
                        "both normalise to \"%s\": dropped\n",
                        tab[i].name, tab[i].a3, name, a3, key);
                tab[i].drop = 1;
            }
            return;
        }
    }
    if (ntab == captab) {
        captab = captab ? 2 * captab : 1024;
        tab = realloc(tab, captab * sizeof *tab);
        if (tab == NULL) {
            exit(1);
        }
    }
    entry *e = &tab[ntab++];
    snprintf(e->key, sizeof e->key, "%s", key);
    snprintf(e->a3, sizeof e->a3, "%s", a3);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->drop = 0;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

typedef struct {
    char a2[3], a3[4];
} code;

static int by_a2(const void *a, const void *b)
{
    return strcmp(((const code *)a)->a2, ((const code *)b)->a2);
}

/* s as a C string literal (UTF-8 bytes above 0x7f as octal escapes). */
static void put_literal(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80 || *p == '"' || *p == '\\') {
            printf("\\%03o", *p);
        } else {
            putchar(*p);
        }
    }
    putchar('"');
}

int main(void)
{
    const char *const *iso = uloc_getISOCountries();
    code codes[400];
    size_t ncodes = 0;
    for (size_t i = 0; iso[i] != NULL && ncodes < 400; i++) {
        char loc[8];
        snprintf(loc, sizeof loc, "_%s", iso[i]);
        const char *a3 = uloc_getISO3Country(loc);
        if (a3 == NULL || strlen(a3) != 3 || strlen(iso[i]) != 2
            || strstr(" DG EA IC XK ", loc + 1) != NULL) {
            /* ICU lists codes ISO 3166-1 does not assign to a country:
             * Diego Garcia, Ceuta and Melilla, the Canary Islands (ISO's
             * exceptional reservations) and Kosovo (user-assigned) */
            continue;
        }
        snprintf(codes[ncodes].a2, 3, "%s", iso[i]);
        snprintf(codes[ncodes].a3, 4, "%s", a3);
        ncodes++;
    }
    qsort(codes, ncodes, sizeof codes[0], by_a2);
    /* hand forms first: where CLDR has the same key for another
     * country, the key is dropped either way */
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        add(aliases[i].name, aliases[i].a3);
    }
    for (size_t l = 0; l < sizeof locales / sizeof locales[0]; l++) {
        for (size_t i = 0; i < ncodes; i++) {
            char loc[8] = "_";
            memcpy(loc + 1, codes[i].a2, 3);
            UChar u[256];
            UErrorCode st = U_ZERO_ERROR;
            int32_t n = uloc_getDisplayCountry(loc, locales[l], u, 256, &st);
            if (U_FAILURE(st) || st == U_USING_DEFAULT_WARNING || n <= 0) {
                continue; /* no name in this language: not the code */
            }
            char name[512];
            int32_t blen = 0;
            u_strToUTF8(name, sizeof name, &blen, u, n, &st);
            if (U_FAILURE(st) || strcmp(name, codes[i].a2) == 0) {
                continue;
            }
            add(name, codes[i].a3);
        }
    }
    qsort(tab, ntab, sizeof *tab, by_key);
    printf("/* Generated by link/gen/gen_countries.c (`make countries`) from "
           "the CLDR\n * data of ICU %s: do not edit; see that file for the "
           "sources. */\n\n",
           U_ICU_VERSION);
    printf("/* ISO 3166-1: alpha-2, alpha-3, by alpha-2 (%zu countries) */\n",
           ncodes);
    printf("static const country_code country_codes[] = {\n");
    for (size_t i = 0; i < ncodes; i++) {
        printf("    {\"%s\", \"%s\"},\n", codes[i].a2, codes[i].a3);
    }
    printf("};\n\n");
    size_t kept = 0;
    for (size_t i = 0; i < ntab; i++) {
        kept += !tab[i].drop;
    }
    printf("/* Names: normalised key, alpha-3, one written form (%zu keys; "
           "keys that\n * two countries share are left out:",
           kept);
    for (size_t i = 0; i < ntab; i++) {
        if (tab[i].drop) {
            printf(" %s", tab[i].key);
        }
    }
    printf(") */\nstatic const country_name country_names[] = {\n");
    for (size_t i = 0; i < ntab; i++) {
        if (tab[i].drop) {
            continue;
        }
        printf("    {\"%s\", \"%s\", ", tab[i].key, tab[i].a3);
        put_literal(tab[i].name);
        printf("},\n");
    }
    printf("};\n");
    free(tab);
    return 0;
}
