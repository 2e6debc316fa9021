/*
 * encode.c: `victimcount encode`: an office turns its list of people into
 * keyed Bloom-filter encodings (link/), to hand over instead of names.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "link/vc_link.h"

void cli_encode_help(FILE *f)
{
    fputs(
        "Usage: victimcount encode --secret-file KEY [OPTIONS] FILE\n"
        "\n"
        "Turn a list of people (FILE: a CSV, one row per person) into keyed\n"
        "encodings that can be linked with other lists' encodings without\n"
        "anyone seeing a name or a date (`victimcount link`).  Each person\n"
        "becomes a 1024-bit Bloom filter (a CLK: Schnell, Bachteler & Reiher\n"
        "2009) of the bigrams of their names and features of their birth\n"
        "date, hashed with keys derived from a secret that the offices share\n"
        "and the hub never sees.  Names are normalised first: Unicode NFKC,\n"
        "case folding, Cyrillic (Russian, Kazakh, Kyrgyz, Tajik, Uzbek) to\n"
        "one Latin form, romanisations folded (Zhumabekova = Jumabekova =\n"
        "its Cyrillic spelling; Nurlan = Noorlan).\n"
        "\n"
        "Default columns: given_name, family_name (names), date_of_birth\n"
        "(yyyy-mm-dd, dd.mm.yyyy, dd/mm/yyyy or yyyy; empty if unknown), sex\n"
        "(F/M, female/male, or the Cyrillic initials) and nationality (a\n"
        "country's name in English, Russian or a language of the region, or\n"
        "its ISO 3166-1 code: all encoded as the alpha-3 code, so Russia,\n"
        "its Cyrillic name and RU agree; other values as normalised text).\n"
        "Other headers, other fields, filter size and hardening: --schema\n"
        "(see README, \"Record linkage\").  Columns the schema does not\n"
        "name are not encoded.\n"
        "\n"
        "Options:\n", f);
    cli_optable t;
    cli_encode_table(&t);
    cli_opt_help(f, &t, NULL, NULL);
    fputs(
        "\n"
        "Output: a header naming the list, the schema's hash and a key check\n"
        "value (so that link refuses encodings made under another schema or\n"
        "secret), then `id[,strata],clk` rows: an opaque record key and the\n"
        "encoding in base64.  No input field appears in it, except the\n"
        "stratum columns you name.\n"
        "\n"
        "Example:\n"
        "  head -c 32 /dev/urandom > shared.key   # once, shared by offices\n"
        "  victimcount encode --secret-file shared.key --list IOM \\\n"
        "      iom-people.csv -o iom.enc\n"
        "\n"
        "Exit status: 0 ok, 2 usage, 3 invalid data, 5 output not written,\n"
        "1 internal error.\n",
        f);
}

/* What encode was asked to do. */
typedef struct {
    const char *secret_path, *schema_path, *list, *output;
    cli_strings strata;
} encode_options;

#define F(member) offsetof(encode_options, member)
static const cli_opt encode_table[] = {
    {.name = "secret-file", .kind = CLI_OPT_STRING, .field = F(secret_path),
     .arg = "KEY",
     .help = "the shared secret (at least 16 bytes; one trailing newline is "
             "ignored).  Every office of one linkage uses the same file; "
             "keep it away from the hub"},
    {.name = "schema", .kind = CLI_OPT_STRING, .field = F(schema_path),
     .arg = "FILE", .help = "JSON schema; every office must use the same "
                            "schema", .dflt = "the built-in one"},
    {.name = "list", .kind = CLI_OPT_STRING, .field = F(list),
     .arg = "NAME", .help = "the list's name in the output",
     .dflt = "the file name without directory and extension"},
    {.name = "strata-field", .kind = CLI_OPT_LIST, .field = F(strata),
     .arg = "COLS",
     .help = "stratum columns to keep IN CLEAR beside each encoding (e.g. "
             "country,year), so that link writes one table per stratum"},
    {.name = "output", .short_name = 'o', .kind = CLI_OPT_STRING,
     .field = F(output), .arg = "FILE", .help = "the encodings",
     .dflt = "standard output"},
    {.name = "help", .short_name = 'h', .kind = CLI_OPT_HELP,
     .help = "this help"},
};

void cli_encode_table(cli_optable *t)
{
    static const char *const cmds[] = {"encode", NULL};
    *t = (cli_optable){encode_table,
                       sizeof encode_table / sizeof encode_table[0],
                       "encode", "encode", 1u, cmds};
}
#undef F

/* The whole of a small file (the secret, the schema) into *buf. */
static int slurp(const char *path, const char *what, char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cli_error("encode: %s %s: %s", what, path, strerror(errno));
        return CLI_EXIT_DATA;
    }
    size_t cap = 1 << 20;
    *buf = malloc(cap + 1);
    if (*buf == NULL) {
        fclose(f);
        return CLI_EXIT_INTERNAL;
    }
    *len = fread(*buf, 1, cap + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || *len > cap) {
        cli_error("encode: %s %s: %s", what, path,
                  bad ? "read error" : "larger than 1 MiB");
        free(*buf);
        *buf = NULL;
        return CLI_EXIT_DATA;
    }
    (*buf)[*len] = '\0';
    return CLI_EXIT_OK;
}

static long column_of(const vc_link_records *r, const char *name)
{
    for (size_t k = 0; k < r->ncols; k++) {
        if (strcmp(r->header[k], name) == 0) {
            return (long)k;
        }
    }
    return -1;
}

/* The list's default name: FILE without directory and extension. */
static char *list_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *s = strdup(b);
    char *dot = s ? strrchr(s, '.') : NULL;
    if (dot != NULL && dot != s) {
        *dot = '\0';
    }
    return s;
}

static int encode_rows(const vc_link_records *r, const vc_link_schema *sc,
                       vc_link_encoder *e, const char *list, const long *col,
                       const long *scol, size_t nstrata, FILE *out)
{
    size_t words = vc_link_encoder_words(e);
    uint64_t filter[VC_LINK_MAX_BITS / 64];
    char *b64 = malloc(vc_link_base64_len(64 * words) + 1);
    if (b64 == NULL) {
        return CLI_EXIT_INTERNAL;
    }
    const char *values[VC_LINK_MAX_FIELDS];
    for (size_t i = 0; i < r->nrows; i++) {
        const char *const *row = (const char *const *)r->cells + i * r->ncols;
        for (size_t f = 0; f < sc->nfields; f++) {
            values[f] = row[col[f]];
        }
        vc_error err;
        vc_error_clear(&err);
        if (vc_link_encode(e, values, filter, &err) != VC_OK) {
            cli_error("encode: %s:%zu: %s", r->source, r->line[i], err.msg);
            free(b64);
            return cli_exit_for_status(err.code);
        }
        char id[25];
        vc_link_record_key(e, list, (uint64_t)i, id);
        vc_link_base64_put(filter, words, b64);
        fputs(id, out);
        for (size_t k = 0; k < nstrata; k++) {
            const char *v = row[scol[k]];
            if (*v == '\0' || strpbrk(v, ",\"\r\n\x1f") != NULL) {
                cli_error("encode: %s:%zu: column \"%s\": a stratum value "
                          "must be non-empty, without commas, quotes or "
                          "line breaks",
                          r->source, r->line[i], r->header[scol[k]]);
                free(b64);
                return CLI_EXIT_DATA;
            }
            fprintf(out, ",%s", v);
        }
        fprintf(out, ",%s\n", b64);
    }
    free(b64);
    return CLI_EXIT_OK;
}

int cli_encode(int argc, char **argv)
{
    cli_optable t;
    cli_encode_table(&t);
    encode_options eo = {NULL, NULL, NULL, NULL, {NULL, 0}};
    int help = 0;
    int rc = cli_opt_parse(argc, argv, &t, &eo, &help);
    if (rc == CLI_EXIT_OK && help) {
        cli_encode_help(stdout);
        cli_strings_free(&eo.strata);
        return CLI_EXIT_OK;
    }
    if (rc == CLI_EXIT_OK && (optind != argc - 1 || eo.secret_path == NULL)) {
        cli_error("encode: expected --secret-file KEY and one input FILE "
                  "(see victimcount encode --help)");
        rc = CLI_EXIT_USAGE;
    }
    if (rc != CLI_EXIT_OK) {
        cli_strings_free(&eo.strata);
        return rc;
    }
    const char *secret_path = eo.secret_path, *schema_path = eo.schema_path;
    const char *list = eo.list, *output = eo.output;
    cli_strings strata = eo.strata;
    const char *input = argv[optind];
    char *secret = NULL, *schema_text = NULL, *name = NULL, *buf = NULL;
    size_t secret_len = 0, schema_len = 0, blen = 0;
    vc_link_schema sc;
    int have_schema = 0;
    vc_link_records *r = NULL;
    vc_link_encoder *e = NULL;
    FILE *out = NULL;
    long col[VC_LINK_MAX_FIELDS];
    long *scol = NULL;
    vc_error err;
    vc_error_clear(&err);
    rc = slurp(secret_path, "secret file", &secret, &secret_len);
    if (rc != CLI_EXIT_OK) {
        goto done;
    }
    /* a secret written with an editor ends in a newline: not part of it */
    if (secret_len > 0 && secret[secret_len - 1] == '\n') {
        secret_len--;
        if (secret_len > 0 && secret[secret_len - 1] == '\r') {
            secret_len--;
        }
    }
    if (schema_path != NULL) {
        rc = slurp(schema_path, "schema", &schema_text, &schema_len);
        if (rc != CLI_EXIT_OK) {
            goto done;
        }
        if (vc_link_schema_parse(schema_text, schema_len, schema_path, &sc,
                                 &err)
            != VC_OK) {
            cli_error("encode: %s", err.msg);
            rc = CLI_EXIT_DATA;
            goto done;
        }
    } else {
        vc_link_schema_default(&sc);
    }
    have_schema = 1;
    e = vc_link_encoder_alloc(&sc, (const uint8_t *)secret, secret_len, &err);
    if (e == NULL) {
        cli_error("encode: %s: %s", secret_path, err.msg);
        rc = err.code == VC_EINVAL ? CLI_EXIT_DATA : CLI_EXIT_INTERNAL;
        goto done;
    }
    r = vc_link_records_read(input, &err);
    if (r == NULL) {
        cli_error("encode: %s", err.msg);
        rc = cli_exit_for_status(err.code);
        goto done;
    }
    for (size_t f = 0; f < sc.nfields; f++) {
        col[f] = column_of(r, sc.fields[f].column);
        if (col[f] < 0) {
            cli_error("encode: %s: no column \"%s\" (field %s); name the "
                      "columns with --schema",
                      input, sc.fields[f].column, sc.fields[f].name);
            rc = CLI_EXIT_DATA;
            goto done;
        }
    }
    scol = calloc(strata.n + 1, sizeof *scol);
    if (scol == NULL) {
        rc = CLI_EXIT_INTERNAL;
        goto done;
    }
    for (size_t k = 0; k < strata.n; k++) {
        scol[k] = column_of(r, strata.v[k]);
        if (scol[k] < 0) {
            cli_error("encode: %s: --strata-field: no column \"%s\"", input,
                      strata.v[k]);
            rc = CLI_EXIT_USAGE;
            goto done;
        }
    }
    name = list ? strdup(list) : list_name(input);
    out = open_memstream(&buf, &blen);
    if (name == NULL || out == NULL) {
        rc = CLI_EXIT_INTERNAL;
        goto done;
    }
    char check[33];
    vc_link_key_check(e, check);
    if (vc_link_write_header_schema(out, name, &sc, check,
                                    (const char *const *)strata.v, strata.n,
                                    &err)
        != VC_OK) {
        cli_error("encode: %s", err.msg);
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    rc = encode_rows(r, &sc, e, name, col, scol, strata.n, out);
    if (rc != CLI_EXIT_OK) {
        goto done;
    }
    if (fclose(out) != 0) {
        out = NULL;
        rc = CLI_EXIT_INTERNAL;
        goto done;
    }
    out = NULL;
    rc = cli_emit(output, buf, blen);
done:
    if (out != NULL) {
        fclose(out);
    }
    free(buf);
    free(name);
    free(scol);
    vc_link_records_free(r);
    vc_link_encoder_free(e);
    if (have_schema) {
        vc_link_schema_clear(&sc);
    }
    if (secret != NULL) {
        memset(secret, 0, secret_len);
    }
    free(secret);
    free(schema_text);
    cli_strings_free(&strata);
    return rc;
}
