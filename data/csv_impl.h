/*
 * csv_impl.h: declarations shared by the CSV reader's files and nothing
 * else; not part of the public API.
 *   csv.c          the rules and their order, the reader's life, the
 *                  public calls, messages and cell values
 *   csv_read.c     bytes to records: encodings, delimiter, libcsv
 *   csv_columns.c  the header: roles, selection, merging, omission
 *   csv_dataset.c  rows into pattern counts per stratum, then tables
 */
#ifndef VC_CSV_IMPL_H
#define VC_CSV_IMPL_H

#include <iconv.h>
#include <stddef.h>
#include <stdint.h>

#include <csv.h>

#include "data/data_impl.h"
#include "data/vc_data.h"

/* Longest cell value quoted back in an error message, in bytes. */
#define VCI_CSV_ECHO_MAX 40

/* Room for a list of column names inside an error message or note. */
#define VCI_CSV_NAMES_MAX 300

/* The longest incomplete character held back between two chunks of
 * converted input (iconv's encodings need at most 6 bytes; more is
 * refused as undecodable). */
#define VCI_CSV_CONV_CARRY 16

/* What a column is used for.  VCI_ROLE_UNSELECTED: a list of the file that
 * the selection leaves out (its cells are checked all the same). */
enum {
    VCI_ROLE_IGNORE = 0,
    VCI_ROLE_LIST,
    VCI_ROLE_COUNT,
    VCI_ROLE_STRATUM,
    VCI_ROLE_UNSELECTED
};

/*
 * Open-addressing hash map from capture pattern to count.  The all-zero
 * pattern is never stored (it is an error or a dropped person), so mask 0
 * marks an empty slot.
 */
typedef struct {
    uint32_t *mask;
    uint64_t *count;
    size_t cap;    /* power of two, or 0 before the first insertion */
    unsigned bits; /* log2(cap) */
    size_t size;
} vci_csv_pattern_map;

typedef struct {
    char **keys;        /* its values of the stratum columns (owned) */
    unsigned char *key; /* the values encoded as one hash key (owned) */
    size_t keylen;
    uint64_t hash;
    vci_csv_pattern_map pm;
    uint64_t dropped;   /* people 0 on every selected list */
} vci_csv_stratum;

typedef struct {
    const char *source;
    const vc_read_opts *opts;
    vc_error *err;
    int status;

    /* Decoding: the first bytes held back until the encoding is decided,
     * then iconv (conv set) or UTF-8 as it is. */
    unsigned char lead[3];
    size_t nlead;
    int decided;
    int conv;
    iconv_t cd;
    const char *enc_name; /* for messages */
    unsigned char *cout;  /* CONV_OUT bytes of converted output */
    unsigned char carry[VCI_CSV_CONV_CARRY]; /* an incomplete character */
    size_t ncarry;

    /* UTF-8 check: continuation bytes still expected and their range, and
     * where the bytes are (physical line from 1, byte of the line from 0,
     * the byte where the current character began and its first byte). */
    unsigned u8_need;
    unsigned char u8_lo, u8_hi;
    size_t u8_line, u8_col, u8_start;
    unsigned char u8_lead;

    /* Before the parser starts: the bytes up to the end of the header line,
     * scanned incrementally to choose the delimiter. */
    unsigned char *head;
    size_t head_len, head_cap;
    size_t scan_pos;
    int scan_quoted;
    int scan_nonblank;
    size_t scan_count[3]; /* , ; TAB */
    int started;
    size_t nbytes;        /* bytes pushed so far */
    int bom;              /* the input starts with a byte-order mark */

    struct csv_parser parser;
    int parser_ready;
    unsigned char delim;
    size_t line;          /* physical line being fed to libcsv, from 1 */
    int at_boundary;      /* no field of the next record seen yet */
    size_t record_line;   /* first non-blank line after the last record */
    size_t last_field_line;

    /* The fields of the current record, each NUL-terminated in buf. */
    char *buf;
    size_t buf_len, buf_cap;
    size_t *off, *len, *fline;
    unsigned char *null; /* 1: empty and unquoted */
    size_t nfld, fld_cap;

    /* The header and what each column is. */
    int have_header;
    size_t header_line;
    size_t ncols;
    char **colnames;
    int *role;
    int aggregated;
    size_t count_col;
    size_t nstr;
    size_t *str_col;      /* the strata, then the covariates */
    size_t ncov;          /* the last ncov of str_col are covariates */
    size_t Jsel;          /* selected lists, the bits of the row patterns */
    size_t *sel_col;
    int selection_drops;  /* the selection left some column out */
    size_t nfile;         /* lists of the file, selected or not */
    size_t *file_col;     /* their columns, in file order */
    size_t *sel_of;       /* per column: its index among the selected
                             lists, or SIZE_MAX */
    size_t J;             /* lists after merging and omission */
    uint32_t *group;      /* J masks over the selected lists */
    char **names;         /* J names */
    int collapse;         /* merging or omission is needed */

    /* Strata in order of first appearance, with a hash index. */
    vci_csv_stratum **strata;
    size_t nstrata, strata_cap;
    size_t *slot;         /* index + 1, 0 = empty */
    size_t slot_cap;
    unsigned char *keybuf;
    size_t keybuf_cap;

    size_t nrows;
    uint64_t total;       /* all positive counts so far: bounds every sum */
    uint64_t ndup;
    size_t first_dup_line;
    size_t nempty;
    size_t first_empty_line;

    char **notes;
    size_t nnotes, notes_cap;
} vci_csv_reader;

/* ---------------------------------------------------------------------
 * csv.c: strings, messages and notes, cell values
 * ------------------------------------------------------------------- */

char *vci_csv_dup_mem(const char *s, size_t n);
char *vci_csv_dup_str(const char *s);
int vci_csv_ascii_lower(int c);
int vci_csv_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Record an error through vc_error_set and remember that reading failed.
 * Only the first error counts, as in vc_error itself.  Returns code, or
 * the status of the earlier error. */
int vci_csv_fail(vci_csv_reader *r, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int vci_csv_fail_nomem(vci_csv_reader *r);
void vci_csv_advise(vci_csv_reader *r, vc_advice_kind kind,
                    const char *column, int may_be_count);
void vci_csv_echo(char *out, size_t size, const char *s, size_t n);
void vci_csv_join_names(char *out, size_t size, const char *const *v,
                        size_t n);
int vci_csv_add_note(vci_csv_reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

int vci_csv_parse_cell(const char *s, size_t n, int comma);
int vci_csv_parse_count(const char *s, size_t n, int comma, uint64_t *out);
int vci_csv_is_exponent_form(const char *s, size_t n);
int vci_csv_is_count_name(const char *s);
int vci_csv_is_number(const char *s);

/* ---------------------------------------------------------------------
 * csv_read.c: the bytes, to records
 * ------------------------------------------------------------------- */

/* Before any byte is read: the encoding the caller named, if any. */
int vci_csv_open_decoder(vci_csv_reader *r);
/* The next n bytes of the input, as read. */
void vci_csv_push(vci_csv_reader *r, const unsigned char *p, size_t n);
/* The end of the input: the last record, or the error that stops it. */
void vci_csv_end(vci_csv_reader *r);

/* ---------------------------------------------------------------------
 * csv_columns.c: the header
 * ------------------------------------------------------------------- */

/* The header record just completed: names, roles and the lists used. */
int vci_csv_process_header(vci_csv_reader *r);
void vci_csv_file_list_names(const vci_csv_reader *r, char *out,
                             size_t size);

/* ---------------------------------------------------------------------
 * csv_dataset.c: rows, strata, tables
 * ------------------------------------------------------------------- */

/* A data record just completed, checked and counted in its stratum. */
int vci_csv_process_row(vci_csv_reader *r);
void vci_csv_stratum_free(vci_csv_stratum *st, size_t nkeys);
/* The dataset of everything read (the end of the input was checked). */
vc_dataset *vci_csv_build_dataset(vci_csv_reader *r);

#endif /* VC_CSV_IMPL_H */
