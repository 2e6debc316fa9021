/*
 * vc_data.h: capture-history tables and CSV intake.
 *
 * The data model is the incomplete 2^J contingency table of Fienberg (1972,
 * Biometrika 59:591): for J lists, each person seen by at least one list
 * has a capture pattern x in {0,1}^J \ {0}, and the table holds the number
 * of people with each observed pattern.  Parsers produce vc_table; every
 * estimator and model consumes it; individual records never reach an
 * estimator.
 *
 * Legend: J lists, n people observed, pattern bit j set = seen by list j.
 */
#ifndef VC_DATA_H
#define VC_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/vc_core.h"

/* More lists than this are refused: patterns are 32-bit masks, and a 2^J
 * table beyond 30 lists is not something any method here can estimate. */
#define VC_MAX_LISTS 30

/*
 * A capture-history table for one stratum.  Patterns are distinct, each
 * with a positive count, sorted by increasing mask (the canonical order, so
 * two equal tables compare equal byte for byte).
 */
typedef struct {
    size_t J;           /* number of lists */
    char **names;       /* J list names (owned) */
    size_t npat;        /* number of distinct observed patterns */
    uint32_t *pattern;  /* npat masks; bit j set = seen by list j */
    uint64_t *count;    /* npat counts, each > 0 */
    uint64_t n;         /* people observed: sum of count */
    char *label;        /* stratum label such as "Kyrgyzstan 2005" (owned),
                           NULL when the data are not stratified */
    size_t nkeys;       /* number of stratum values (0 when unstratified) */
    char **keys;        /* nkeys stratum values, in --strata order (owned) */
    uint64_t dropped;   /* people who fell out because only lists that were
                           left out (or omitted) saw them */
} vc_table;

/*
 * Build a table from J list names and npat (pattern, count) pairs.
 * Duplicate patterns are summed, zero counts are dropped, and the result
 * is sorted.  names are copied.  Errors: VC_EINVAL (J < 1 or J >
 * VC_MAX_LISTS, a pattern with bits beyond J), VC_EDATA (the all-zero
 * pattern with a positive count: unobserved people cannot be in the data;
 * counts whose sum overflows 64 bits), VC_ENOMEM.  Returned; free with
 * vc_table_free.
 */
vc_table *vc_table_from_counts(size_t J, const char *const *names, size_t npat,
                               const uint32_t *pattern, const uint64_t *count,
                               vc_error *err);

/* Deep copy.  Returned; NULL with VC_ENOMEM. */
vc_table *vc_table_copy(const vc_table *t, vc_error *err);

/* Free a table; NULL is a no-op. */
void vc_table_free(vc_table *t);

/* Set the stratum label and keys of t (copied).  VC_ENOMEM on failure. */
int vc_table_set_stratum(vc_table *t, size_t nkeys, const char *const *keys,
                         vc_error *err);

/* Number of people seen by list j. */
uint64_t vc_table_list_total(const vc_table *t, size_t j);

/* Number of people seen by both list a and list b (a may equal b). */
uint64_t vc_table_overlap(const vc_table *t, size_t a, size_t b);

/* f[k] = number of people seen by exactly k lists, k = 0..J (f[0] = 0).
 * f is filled, of length J + 1. */
void vc_table_capture_frequencies(const vc_table *t, uint64_t *f);

/* Number of lists that saw at least one person. */
size_t vc_table_nonempty_lists(const vc_table *t);

/*
 * Collapse the lists of t into Jnew new lists: new list i is the union of
 * the old lists in the mask group[i] (a list in no group is left out).
 * People seen only by left-out lists become unseen: their patterns drop
 * out and are added to ->dropped.  names gives the Jnew new names (copied).
 * Stratum label and keys are kept.  This is list selection, merging
 * (PF+NCA) and omission in one operation.  Errors: VC_EINVAL (Jnew out of
 * range, a group with bits beyond J or overlapping another group),
 * VC_ENOMEM.  Returned.
 */
vc_table *vc_table_collapse(const vc_table *t, size_t Jnew,
                            const uint32_t *group, const char *const *names,
                            vc_error *err);

/* ---------------------------------------------------------------------
 * CSV intake
 * ------------------------------------------------------------------- */

/*
 * Why a file was refused, in a form a front end can word in its own terms
 * (the command line names its options; the library's messages never do).
 */
typedef enum {
    VC_ADVICE_NONE = 0,
    VC_ADVICE_COLUMN,       /* `column` was taken for a list (as every
                               column is that is not the count or a
                               stratum, named or not) and holds a value
                               that is not a list cell: it may be the
                               count column (may_be_count), a stratum, or
                               a column to remove from the file */
    VC_ADVICE_ENCODING,     /* the bytes are not UTF-8: the caller should
                               name the file's encoding */
    VC_ADVICE_ENCODING_NAME /* the encoding named is not one iconv knows */
} vc_advice_kind;

typedef struct {
    vc_advice_kind kind;
    int may_be_count;           /* VC_ADVICE_COLUMN: the value is a whole
                                   number and the file has no count column */
    char column[VC_ERROR_SIZE]; /* VC_ADVICE_COLUMN: the column's name */
} vc_read_advice;

/*
 * What to read.  All string arrays are borrowed for the duration of the
 * call.  Zero-initialise for the defaults.
 */
typedef struct {
    const char *count_column;    /* name of the count column; NULL: detect
                                    a column named count, freq, n or Freq
                                    (any case); none found = record level */
    const char *const *lists;    /* list columns to use, in this order;
                                    NULL: every column that is not a count
                                    or stratum column.  The columns left
                                    out are still lists of the file: their
                                    cells are checked, and the people only
                                    they saw are counted in ->dropped */
    size_t nlists;
    const char *const *strata;   /* stratum columns (one table per value
                                    combination) */
    size_t nstrata;
    const char *const *merge;    /* each "A+B[+C...]": merge into one list
                                    named "A+B", placed where A was */
    size_t nmerge;
    const char *const *omit;     /* lists to leave out */
    size_t nomit;
    const char *encoding;        /* the file's encoding, any name iconv
                                    knows (cp1251, koi8-r, latin1,
                                    utf-16, ...); NULL: UTF-8, or UTF-16
                                    when the file starts with its
                                    byte-order mark */
    vc_read_advice *advice;      /* NULL, or filled when reading fails
                                    (kind VC_ADVICE_NONE when there is no
                                    advice to give) */
    const char *const *covariates; /* categorical covariate columns: read
                                    as stratum columns after the strata
                                    (one table per combination of stratum
                                    and covariate values, with every list
                                    kept), for a model that takes them in
                                    (estimators/vc_covloglin.h).  An empty
                                    or NA cell is a missing value, kept as
                                    it is in the keys ("" or "NA"): the
                                    model fills it in by EM */
    size_t ncovariates;
} vc_read_opts;

/*
 * A whole input file: the lists that survived selection, merging and
 * omission, and one table per stratum (one table when unstratified), in
 * order of first appearance in the file.
 */
typedef struct {
    char *source;        /* file name used in messages (owned) */
    int aggregated;      /* 1: one row per pattern with a count column;
                            0: one row per person */
    size_t J;            /* lists after selection, merging and omission */
    char **names;        /* J list names (owned) */
    size_t nstrata_cols; /* stratum columns (0 when unstratified) */
    char **strata_cols;  /* their names (owned) */
    size_t ntables;      /* number of strata (1 when unstratified) */
    vc_table **tables;   /* ntables tables (owned).  A list that saw nobody
                            in one stratum is left out of that stratum's
                            table, with a note. */
    uint64_t n;          /* people observed over all strata */
    uint64_t dropped;    /* people seen only by lists left out */
    size_t nnotes;       /* informational notes, one line each (owned):
                            duplicate patterns summed, rows dropped, ... */
    char **notes;
    size_t ncovariates;  /* the last ncovariates of strata_cols (and of
                            each table's keys) are the covariates of
                            vc_read_opts.covariates; 0 without */
} vc_dataset;

/*
 * Read a CSV file (comma, semicolon or tab separated, detected from the
 * header; quoted fields; CRLF; a UTF-8 byte-order mark; blank lines; UTF-8,
 * UTF-16 with a byte-order mark, or opts->encoding) into a dataset.  The
 * file is checked as written, whatever the options select (see csv.c for
 * the rules and their order).  Errors name file, line and column and what
 * was expected: VC_EIO (cannot open or read), VC_EDATA (malformed input,
 * see README), VC_EINVAL (an option names a column that does not exist,
 * or is inconsistent; an unknown encoding), VC_ENOMEM.  Returned; free
 * with vc_dataset_free.
 */
vc_dataset *vc_dataset_read(const char *path, const vc_read_opts *opts,
                            vc_error *err);

/*
 * The same from a buffer of len bytes (borrowed).  source names the input in
 * messages.
 */
vc_dataset *vc_dataset_parse(const char *buf, size_t len, const char *source,
                             const vc_read_opts *opts, vc_error *err);

/* Free a dataset; NULL is a no-op. */
void vc_dataset_free(vc_dataset *d);

/* ---------------------------------------------------------------------
 * Population sizes (denominators of rates per 100,000)
 * ------------------------------------------------------------------- */

/* A table of population sizes: key columns (strata, covariates) and one
 * population per row (population.c). */
typedef struct {
    size_t ncols;        /* key columns */
    char **cols;         /* their names (owned) */
    size_t nrows;
    char **cells;        /* nrows * ncols key values (owned) */
    double *population;  /* nrows, each > 0 */
} vc_population;

/* Read a CSV with a header naming a population column (any case) and key
 * columns.  Errors (with file and record): VC_EIO, VC_EDATA (no
 * population column, a row of the wrong width, a population that is not
 * a number above 0, no rows), VC_ENOMEM.  Returned; free with
 * vc_population_free. */
vc_population *vc_population_read(const char *path, vc_error *err);
void vc_population_free(vc_population *p);

/* The population of the rows whose key columns names[i] hold values[i],
 * i < n (n = 0: every row), into *sum.  VC_EUNDEFINED (no message) when a
 * column named is not in the table or no row matches. */
int vc_population_sum(const vc_population *p, size_t n,
                      const char *const *names, const char *const *values,
                      double *sum);

#endif /* VC_DATA_H */
