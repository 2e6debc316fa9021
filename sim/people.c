/*
 * people.c: synthetic people with names and birth dates, and the records
 * that lists keep of them, with the recording errors of real lists, for
 * testing record linkage against a known truth.
 *
 * A person: a nationality (Kazakh, Kyrgyz, Tajik, Uzbek, Russian, equal
 * shares), a sex, a given name and a family name from that nationality's
 * pools (family names in their male form, made female by the Slavic
 * ending -a where the name takes one), a birth date uniform over
 * 1960-2008.  Names are held in Cyrillic, the way the civil registries of
 * the five countries write them.
 *
 * A record of a person on a list: the list's script (Cyrillic, or Latin
 * under one of four romanisation conventions: passport/BGN-like, English
 * simple, French, Uzbek-Kazakh Latin), then, independently with the
 * probabilities in vc_sim_errors: another convention than the list's, a
 * typing error in a name (one letter substituted, dropped, doubled or two
 * letters swapped), the married surname of a woman, day and month
 * swapped, a missing date.  The list's date format is its own.
 *
 * The draws of a person and of a record come from the caller's stream in
 * a fixed order, so a seed gives the same people and records.
 */
#include <stdio.h>
#include <string.h>

#include "sim/vc_sim.h"

typedef struct {
    const char *const *male, *const *female, *const *family;
    const char *const *pre, *const *msuf, *const *fsuf; /* NULL: none */
    const char *country_lat, *country_cyr;
} nat_pool;

static const char *const kz_m[] = {
    "Нурлан", "Ерлан", "Қанат", "Асхат", "Бауыржан", "Ғалымжан", "Дәурен",
    "Ержан", "Серік", "Айбек", "Нұрсұлтан", "Жандос", "Арман", "Талғат",
    "Мұрат", "Ерболат", "Бекзат", "Даулет", "Ильяс", "Алмас", NULL};
static const char *const kz_f[] = {
    "Айгүл", "Әлия", "Жанар", "Гүлнара", "Динара", "Салтанат", "Айжан",
    "Мадина", "Ақмарал", "Назерке", "Жансая", "Әйгерім", "Гүлмира",
    "Аружан", "Ботагөз", "Индира", "Сәуле", "Жұлдыз", NULL};
static const char *const kz_s[] = {
    "Жумабеков", "Нұрланов", "Сейітов", "Қасымов", "Әбдірахманов",
    "Оспанов", "Тоқтаров", "Байжанов", "Серікбаев", "Жақсылықов", "Омаров",
    "Ермеков", "Сұлтанов", "Ахметов", "Исабеков", "Құдайбергенов",
    "Тәжібаев", "Мұқанов", "Бекмұхамбетов", "Нысанбаев", "Сағындықов",
    "Әлімжанов", "Дүйсенов", "Есенов", NULL};
static const char *const kg_m[] = {
    "Өмүрбек", "Азамат", "Бакыт", "Нурбек", "Улан", "Эрмек", "Таалай",
    "Жыргалбек", "Кубанычбек", "Мирлан", "Адилет", "Байыш", "Нурсултан",
    "Эламан", "Төлөгөн", "Чыңгыз", "Медер", "Бекболот", NULL};
static const char *const kg_f[] = {
    "Айгүл", "Жаңыл", "Чолпон", "Гүлзат", "Айпери", "Нургүл", "Бүбүсара",
    "Мээрим", "Айзада", "Бегимай", "Назира", "Элнура", "Жылдыз", "Айнура",
    "Гүлнур", "Каныкей", NULL};
static const char *const kg_s[] = {
    "Токтогулов", "Асанов", "Үсөнов", "Жээнбеков", "Абдылдаев", "Мамбетов",
    "Осмонов", "Сыдыков", "Бөкөнбаев", "Кадыров", "Турдуев", "Эсенгулов",
    "Сатыбалдиев", "Жумагулов", "Кененбаев", "Орозбеков", "Ысмайылов",
    "Төрөбеков", "Шарипов", "Каримбаев", NULL};
static const char *const tj_m[] = {
    "Ҷамшед", "Фарход", "Рустам", "Шоҳрух", "Далер", "Фирӯз", "Сӯҳроб",
    "Бахтовар", "Зафар", "Умед", "Парвиз", "Комрон", "Ҳусейн", "Сиёвуш",
    "Ориф", "Наврӯз", "Бахтиёр", "Ҷонибек", NULL};
static const char *const tj_f[] = {
    "Нилуфар", "Мадина", "Зарина", "Ситора", "Парвина", "Гулнора",
    "Мунира", "Шаҳноза", "Дилафрӯз", "Тахмина", "Фотима", "Манижа",
    "Рухшона", "Мижгона", "Ҷамила", NULL};
static const char *const tj_s[] = {
    "Назаров", "Раҳимов", "Саидов", "Қурбонов", "Шарифов", "Ҳасанов",
    "Давлатов", "Мирзоев", "Собиров", "Каримов", "Раҳимзода", "Ҷалолзода",
    "Одинаев", "Ашуров", "Сафаров", "Нуриддинов", "Ҳамроев", "Ёқубов",
    "Исмоилзода", "Холов", NULL};
static const char *const uz_m[] = {
    "Бахтиёр", "Шерзод", "Хуршид", "Жасур", "Ўткир", "Улуғбек", "Сардор",
    "Дилшод", "Бобур", "Ғайрат", "Азиз", "Отабек", "Жамшид", "Санжар",
    "Шухрат", "Нодир", "Фаррух", "Ботир", NULL};
static const char *const uz_f[] = {
    "Дилноза", "Шахзода", "Гулнора", "Нигора", "Сайёра", "Феруза",
    "Зулфия", "Мохира", "Ўғилой", "Гулчеҳра", "Малика", "Нодира",
    "Севара", "Дилфуза", "Юлдуз", "Муниса", NULL};
static const char *const uz_s[] = {
    "Каримов", "Рахимов", "Юсупов", "Тошматов", "Эргашев", "Хўжаев",
    "Умаров", "Жўраев", "Исмоилов", "Қодиров", "Абдуллаев", "Мирзаев",
    "Турсунов", "Холматов", "Рустамов", "Норматов", "Ғуломов", "Аҳмедов",
    "Саидов", "Алимов", NULL};
static const char *const ru_m[] = {
    "Александр", "Дмитрий", "Сергей", "Алексей", "Евгений", "Андрей",
    "Юрий", "Фёдор", "Михаил", "Владимир", "Николай", "Игорь", "Павел",
    "Виктор", NULL};
static const char *const ru_f[] = {
    "Елена", "Наталья", "Ольга", "Татьяна", "Юлия", "Мария", "Ирина",
    "Светлана", "Анастасия", "Екатерина", "Ксения", "Людмила", NULL};
static const char *const ru_s[] = {
    "Иванов", "Коваленко", "Смирнов", "Кузнецов", "Попов", "Соколов",
    "Лебедев", "Новиков", "Морозов", "Волков", "Шевченко", "Федоров",
    "Захаров", "Щербаков", "Журавлёв", "Ковальчук", "Белов", "Егоров",
    NULL};

/* Parts from which given names are composed (Turkic names are often
 * compounds: Нур + лан, Ай + гүл), and roots of family names (Russian
 * surnames from a root and an ending). */
static const char *const kz_pre[] = {
    "Нұр", "Ер", "Ай", "Бек", "Жан", "Ал", "Сәт", "Бақ", "Дос", "Қай",
    "Ақ", "Әл", "Мұх", "Сер", "Тал", NULL};
static const char *const kz_msuf[] = {"лан", "бек", "жан", "болат", "ғали",
                                      "хан", "бай", "тай", "мұрат", NULL};
static const char *const kz_fsuf[] = {"гүл", "жан", "сұлу", "айым", "күл",
                                      "нұр", NULL};
static const char *const kg_pre[] = {
    "Нур", "Эр", "Ай", "Бек", "Жан", "Аз", "Чың", "Мир", "Тил", "Өмүр",
    "Кан", "Жыр", "Сүй", "Мээр", "Бак", NULL};
static const char *const kg_msuf[] = {"бек", "лан", "жан", "болот", "бай",
                                      "тай", "гази", "ат", NULL};
static const char *const kg_fsuf[] = {"гүл", "жан", "күл", "нур", "пери",
                                      "зат", NULL};
static const char *const tj_pre[] = {
    "Ҷам", "Фар", "Рус", "Шоҳ", "Дал", "Фир", "Сӯҳ", "Бах", "Зар", "Ум",
    "Пар", "Ком", "Сиё", "Меҳ", "Дил", NULL};
static const char *const tj_msuf[] = {"шед", "ход", "там", "рух", "ер",
                                      "ӯз", "роб", "вар", "он", NULL};
static const char *const tj_fsuf[] = {"ноза", "гул", "бону", "нисо", "ара",
                                      "ина", NULL};
static const char *const uz_pre[] = {
    "Шер", "Ул", "Нур", "Дил", "Бах", "Жа", "Хур", "Сар", "Фар", "Ғай",
    "Ўт", "Азиз", "Муҳ", "Бобо", "Сан", NULL};
static const char *const uz_msuf[] = {"бек", "жон", "зод", "шод", "дор",
                                      "ёр", "хон", NULL};
static const char *const uz_fsuf[] = {"ноза", "гул", "бону", "хон", "ой",
                                      "нисо", NULL};
static const char *const ru_root[] = {
    "Иван", "Петр", "Сидор", "Козл", "Волк", "Медвед", "Собол", "Орл",
    "Лебед", "Гусев", "Голуб", "Ворон", "Сокол", "Журавл", "Кузнец",
    "Плотник", "Мельник", "Гончар", "Рыбак", "Пастух", "Поп", "Дьяк",
    "Белоус", "Черн", "Бел", "Сед", "Рыж", "Кудр", "Толст", "Мороз", NULL};
static const char *const ru_end[] = {"ов", "ин", "ский", "енко", "ев",
                                     NULL};

static const nat_pool pools[VC_SIM_NATIONALITIES] = {
    {kz_m, kz_f, kz_s, kz_pre, kz_msuf, kz_fsuf, "Kazakhstan",
     "Казахстан"},
    {kg_m, kg_f, kg_s, kg_pre, kg_msuf, kg_fsuf, "Kyrgyzstan",
     "Кыргызстан"},
    {tj_m, tj_f, tj_s, tj_pre, tj_msuf, tj_fsuf, "Tajikistan",
     "Таджикистан"},
    {uz_m, uz_f, uz_s, uz_pre, uz_msuf, uz_fsuf, "Uzbekistan",
     "Узбекистан"},
    {ru_m, ru_f, ru_s, NULL, NULL, NULL, "Russia", "Россия"},
};

static size_t count_of(const char *const *v)
{
    size_t n = 0;
    while (v[n] != NULL) {
        n++;
    }
    return n;
}

static size_t pick(const gsl_rng *r, size_t n)
{
    return (size_t)(gsl_rng_uniform(r) * (double)n) % n;
}

/* UTF-8 to code points and back (the pools are valid UTF-8). */
static size_t decode(const char *s, uint32_t *cp, size_t max)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n < max) {
        uint32_t c = *p++;
        if (c >= 0xe0) {
            c = (c & 0x0f) << 12 | (uint32_t)(p[0] & 0x3f) << 6
                | (p[1] & 0x3f);
            p += 2;
        } else if (c >= 0xc0) {
            c = (c & 0x1f) << 6 | (p[0] & 0x3f);
            p++;
        }
        cp[n++] = c;
    }
    return n;
}

static void encode_utf8(const uint32_t *cp, size_t n, char *out, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < size; i++) {
        uint32_t c = cp[i];
        if (c < 0x80) {
            out[k++] = (char)c;
        } else if (c < 0x800) {
            out[k++] = (char)(0xc0 | c >> 6);
            out[k++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[k++] = (char)(0xe0 | c >> 12);
            out[k++] = (char)(0x80 | (c >> 6 & 0x3f));
            out[k++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[k] = '\0';
}

static size_t pick_u(double u, size_t n)
{
    return (size_t)(u * (double)n) % n;
}

/* A given name: from the list, or composed (u: three uniforms). */
static void given_name(const nat_pool *np, int female, const double *u,
                       char *out, size_t size)
{
    const char *const *g = female ? np->female : np->male;
    const char *const *suf = female ? np->fsuf : np->msuf;
    if (np->pre == NULL || u[0] < 0.5) {
        snprintf(out, size, "%s", g[pick_u(u[1], count_of(g))]);
    } else {
        snprintf(out, size, "%s%s", np->pre[pick_u(u[1], count_of(np->pre))],
                 suf[pick_u(u[2], count_of(suf))]);
    }
}

/* A family name in its male form (u: five uniforms): from the list, or
 * made from a (male) given name as most Central Asian surnames are
 * (Нурланов, Раҳимзода), or for Russians from a root and an ending. */
static void family_male(const nat_pool *np, int ru, const double *u,
                        char *out, size_t size)
{
    if (u[0] < 0.35) {
        snprintf(out, size, "%s",
                 np->family[pick_u(u[1], count_of(np->family))]);
        return;
    }
    if (ru) {
        snprintf(out, size, "%s%s", ru_root[pick_u(u[1], count_of(ru_root))],
                 ru_end[pick_u(u[2], count_of(ru_end))]);
        return;
    }
    char root[VC_SIM_NAME_MAX / 2];
    given_name(np, 0, u + 1, root, sizeof root);
    size_t n = strlen(root);
    int tajik = np == &pools[2];
    if (tajik && u[4] < 0.3) {
        snprintf(out, size, "%sзода", root);
    } else if (n >= 2 && strcmp(root + n - 2, "й") == 0) {
        /* -ев after й (Сергей: Сергеев) */
        snprintf(out, size, "%.*sев", (int)(n - 2), root);
    } else {
        snprintf(out, size, "%sов", root);
    }
}

void vc_sim_person_draw(const gsl_rng *r, vc_sim_person *p)
{
    /* twelve uniforms, always, in this order */
    double u[12];
    for (size_t i = 0; i < 12; i++) {
        u[i] = gsl_rng_uniform(r);
    }
    p->nationality = (int)pick_u(u[0], VC_SIM_NATIONALITIES);
    p->female = u[1] < 0.5;
    const nat_pool *np = &pools[p->nationality];
    given_name(np, p->female, u + 2, p->given, sizeof p->given);
    char male[VC_SIM_NAME_MAX];
    family_male(np, p->nationality == 4, u + 5, male, sizeof male);
    vc_sim_family_name(male, p->female, p->family, sizeof p->family);
    p->year = 1960 + (int)pick_u(u[9], 49);
    p->month = 1 + (int)pick_u(u[10], 12);
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    p->day = 1 + (int)pick_u(u[11], (size_t)dm[p->month - 1]);
}

void vc_sim_family_name(const char *male, int female, char *out, size_t size)
{
    size_t n = strlen(male);
    int slavic = n >= 4
                 && (strcmp(male + n - 4, "ов") == 0
                     || strcmp(male + n - 4, "ев") == 0
                     || strcmp(male + n - 4, "ин") == 0
                     || strcmp(male + n - 4, "ёв") == 0);
    int sky = n >= 8 && strcmp(male + n - 8, "ский") == 0;
    if (female && sky) {
        snprintf(out, size, "%.*sская", (int)(n - 8), male);
        return;
    }
    snprintf(out, size, "%s%s", male, female && slavic ? "а" : "");
}

/* Romanisation conventions: the Latin spelling of each Cyrillic letter
 * (lower case; the first letter is capitalised after). */
typedef struct {
    uint32_t cp;
    const char *lat[VC_SIM_CONVENTIONS];
} roman;

/* passport/BGN, English simple, French, Uzbek-Kazakh Latin */
static const roman romans[] = {
    {0x0430, {"a", "a", "a", "a"}},       {0x0431, {"b", "b", "b", "b"}},
    {0x0432, {"v", "v", "v", "v"}},       {0x0433, {"g", "g", "g", "g"}},
    {0x0434, {"d", "d", "d", "d"}},       {0x0435, {"e", "e", "e", "e"}},
    {0x0436, {"zh", "j", "j", "j"}},      {0x0437, {"z", "z", "z", "z"}},
    {0x0438, {"i", "i", "i", "i"}},       {0x0439, {"y", "i", "i", "y"}},
    {0x043a, {"k", "k", "k", "k"}},       {0x043b, {"l", "l", "l", "l"}},
    {0x043c, {"m", "m", "m", "m"}},       {0x043d, {"n", "n", "n", "n"}},
    {0x043e, {"o", "o", "o", "o"}},       {0x043f, {"p", "p", "p", "p"}},
    {0x0440, {"r", "r", "r", "r"}},       {0x0441, {"s", "s", "s", "s"}},
    {0x0442, {"t", "t", "t", "t"}},       {0x0443, {"u", "u", "ou", "u"}},
    {0x0444, {"f", "f", "f", "f"}},       {0x0445, {"kh", "h", "kh", "x"}},
    {0x0446, {"ts", "ts", "ts", "ts"}},   {0x0447, {"ch", "ch", "tch", "ch"}},
    {0x0448, {"sh", "sh", "sh", "sh"}},
    {0x0449, {"shch", "sch", "sch", "sh"}},
    {0x044a, {"", "", "", ""}},           {0x044b, {"y", "i", "y", "y"}},
    {0x044c, {"", "", "", ""}},           {0x044d, {"e", "e", "e", "e"}},
    {0x044e, {"yu", "yu", "iou", "yu"}},  {0x044f, {"ya", "ya", "ia", "ya"}},
    {0x0451, {"yo", "yo", "io", "yo"}},   {0x0456, {"i", "i", "i", "i"}},
    {0x045e, {"o", "o", "o", "o\u2018"}},
    {0x0493, {"g", "gh", "gh", "g\u2018"}},
    {0x049b, {"k", "k", "k", "q"}},       {0x04a3, {"ng", "n", "ng", "ng"}},
    {0x04af, {"u", "u", "u", "\u00fc"}},  {0x04b1, {"u", "u", "ou", "u"}},
    {0x04b3, {"kh", "h", "kh", "h"}},     {0x04b7, {"dzh", "j", "dj", "j"}},
    {0x04bb, {"h", "h", "h", "h"}},       {0x04d9, {"a", "a", "a", "\u00e4"}},
    {0x04e3, {"i", "i", "i", "i"}},       {0x04e9, {"o", "o", "o", "\u00f6"}},
    {0x04ef, {"u", "u", "ou", "u"}},
};

static const char *roman_of(uint32_t c, int conv)
{
    for (size_t i = 0; i < sizeof romans / sizeof romans[0]; i++) {
        if (romans[i].cp == c) {
            return romans[i].lat[conv];
        }
    }
    return NULL;
}

/* Lower and upper case of the Cyrillic code points the pools use. */
static uint32_t cyr_lower(uint32_t c)
{
    if (c >= 0x0410 && c <= 0x042f) {
        return c + 0x20;
    }
    if (c >= 0x0400 && c <= 0x040f) {
        return c + 0x50;
    }
    if (c >= 0x0490 && c <= 0x04ff && (c & 1) == 0) {
        return c + 1;
    }
    return c;
}

static uint32_t cyr_upper(uint32_t c)
{
    if (c >= 0x0430 && c <= 0x044f) {
        return c - 0x20;
    }
    if (c >= 0x0450 && c <= 0x045f) {
        return c - 0x50;
    }
    if (c >= 0x0490 && c <= 0x04ff && (c & 1) == 1) {
        return c - 1;
    }
    if (c >= 'a' && c <= 'z') {
        return c - 32;
    }
    return c;
}

static int is_vowel(uint32_t c)
{
    static const uint32_t v[] = {0x0430, 0x0435, 0x0438, 0x043e, 0x0443,
                                 0x044b, 0x044d, 0x044e, 0x044f, 0x0451,
                                 0x04d9, 0x04e9, 0x04af, 0x04b1, 0x0456};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (v[i] == c) {
            return 1;
        }
    }
    return 0;
}

/* A name in Cyrillic (cp, n code points) romanised under conv into lat. */
static size_t romanise(const uint32_t *cp, size_t n, int conv, uint32_t *lat,
                       size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cyr_lower(cp[i]);
        const char *t = roman_of(c, conv);
        char buf[8];
        if (c == 0x0435 && conv != 3
            && (i == 0 || is_vowel(cyr_lower(cp[i - 1])))) {
            t = "ye";   /* е at the start or after a vowel */
        }
        if (t == NULL) {
            buf[0] = c < 0x80 ? (char)c : '\0';
            buf[1] = '\0';
            t = buf;
        }
        uint32_t tmp[8];
        size_t m = decode(t, tmp, 8);
        for (size_t j = 0; j < m && k < max; j++) {
            lat[k++] = tmp[j];
        }
    }
    if (k > 0) {
        lat[0] = lat[0] < 0x80 ? cyr_upper(lat[0])
                 : lat[0] == 0x00fc ? 0x00dc
                 : lat[0] == 0x00f6 ? 0x00d6
                 : lat[0] == 0x00e4 ? 0x00c4 : lat[0];
    }
    return k;
}

/* One typing error at a random place: substitute (by another letter of the
 * same name), drop, double, or swap with the next. */
static size_t typo(const gsl_rng *r, uint32_t *cp, size_t n, size_t max)
{
    if (n < 3) {
        return n;
    }
    size_t i = 1 + pick(r, n - 1);  /* the first letter is rarely wrong */
    switch (pick(r, 4)) {
    case 0:
        cp[i] = cyr_lower(cp[pick(r, n)]);
        if (cp[i] < 0x80 && cp[i] >= 'A' && cp[i] <= 'Z') {
            cp[i] += 32;
        }
        return n;
    case 1:
        memmove(cp + i, cp + i + 1, (n - i - 1) * sizeof *cp);
        return n - 1;
    case 2:
        if (n + 1 > max) {
            return n;
        }
        memmove(cp + i + 1, cp + i, (n - i) * sizeof *cp);
        return n + 1;
    default:
        if (i + 1 < n) {
            uint32_t t = cp[i];
            cp[i] = cp[i + 1];
            cp[i + 1] = t;
        }
        return n;
    }
}

static void write_name(const gsl_rng *r, const char *cyr, int script,
                       int conv, double ptypo, char *out, size_t size)
{
    uint32_t cp[VC_SIM_NAME_MAX];
    uint32_t lat[VC_SIM_NAME_MAX];
    size_t n = decode(cyr, cp, VC_SIM_NAME_MAX / 2);
    uint32_t *w = cp;
    if (script == VC_SIM_LATIN) {
        n = romanise(cp, n, conv, lat, VC_SIM_NAME_MAX / 2);
        w = lat;
    }
    if (gsl_rng_uniform(r) < ptypo) {
        n = typo(r, w, n, VC_SIM_NAME_MAX / 2);
    }
    encode_utf8(w, n, out, size);
}

void vc_sim_record_write(const gsl_rng *r, const vc_sim_person *p,
                         const vc_sim_list_style *ls, const vc_sim_errors *e,
                         vc_sim_record *out)
{
    const nat_pool *np = &pools[p->nationality];
    /* the draws, always all of them and in this order */
    double u_conv = gsl_rng_uniform(r);
    int other = (int)pick(r, VC_SIM_CONVENTIONS - 1);
    double u_married = gsl_rng_uniform(r);
    size_t married_pick = pick(r, count_of(np->family));
    double u_swap = gsl_rng_uniform(r);
    double u_missing = gsl_rng_uniform(r);
    int conv = ls->convention;
    if (u_conv < e->other_convention) {
        conv = other >= conv ? other + 1 : other;
    }
    char family[VC_SIM_NAME_MAX];
    snprintf(family, sizeof family, "%s", p->family);
    out->married = p->female && u_married < e->married;
    if (out->married) {
        vc_sim_family_name(np->family[married_pick], 1, family,
                           sizeof family);
    }
    write_name(r, p->given, ls->script, conv, e->typo, out->given,
               sizeof out->given);
    write_name(r, family, ls->script, conv, e->typo, out->family,
               sizeof out->family);
    int d = p->day;
    int m = p->month;
    if (u_swap < e->swap_day_month && d <= 12) {
        int t = d;
        d = m;
        m = t;
    }
    if (u_missing < e->missing_date) {
        out->dob[0] = '\0';
    } else if (ls->date_format == VC_SIM_DATE_ISO) {
        snprintf(out->dob, sizeof out->dob, "%04d-%02d-%02d", p->year, m, d);
    } else {
        snprintf(out->dob, sizeof out->dob, "%02d%c%02d%c%04d", d,
                 ls->date_format == VC_SIM_DATE_DOTS ? '.' : '/', m,
                 ls->date_format == VC_SIM_DATE_DOTS ? '.' : '/', p->year);
    }
    if (ls->script == VC_SIM_CYRILLIC) {
        snprintf(out->sex, sizeof out->sex, "%s", p->female ? "Ж" : "М");
        snprintf(out->nationality, sizeof out->nationality, "%s",
                 np->country_cyr);
    } else {
        snprintf(out->sex, sizeof out->sex, "%s", p->female ? "F" : "M");
        snprintf(out->nationality, sizeof out->nationality, "%s",
                 np->country_lat);
    }
}
