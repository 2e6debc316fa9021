/*
 * test_util.c: a minimal reader for the reference tables of
 * data/reference (0/1 list columns, then count), independent of
 * the library's CSV reader so that estimator tests do not depend on it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>

#include "tests/test_util.h"

vc_table *vc_test_load_ref(const char *name)
{
    FILE *f = fopen(vc_test_refpath(name), "r");
    if (f == NULL) {
        fprintf(stderr, "\n  cannot open %s\n", vc_test_refpath(name));
        return NULL;
    }
    char line[4096];
    char *names[VC_MAX_LISTS + 1];
    size_t ncol = 0;
    if (fgets(line, sizeof line, f) == NULL) {
        fclose(f);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    for (char *tok = strtok(line, ","); tok && ncol <= VC_MAX_LISTS;
         tok = strtok(NULL, ",")) {
        names[ncol++] = strdup(tok);
    }
    size_t J = ncol - 1;
    size_t cap = 64, npat = 0;
    uint32_t *pat = malloc(cap * sizeof *pat);
    uint64_t *cnt = malloc(cap * sizeof *cnt);
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '\n' || line[0] == '\0') {
            continue;
        }
        if (npat == cap) {
            cap *= 2;
            pat = realloc(pat, cap * sizeof *pat);
            cnt = realloc(cnt, cap * sizeof *cnt);
        }
        uint32_t x = 0;
        char *save = NULL;
        char *tok = strtok_r(line, ",", &save);
        for (size_t j = 0; j < J && tok; j++, tok = strtok_r(NULL, ",", &save)) {
            if (tok[0] == '1') {
                x |= 1u << j;
            }
        }
        pat[npat] = x;
        cnt[npat] = tok ? strtoull(tok, NULL, 10) : 0;
        npat++;
    }
    fclose(f);
    vc_error err;
    vc_error_clear(&err);
    vc_table *t = vc_table_from_counts(J, (const char *const *)names, npat, pat,
                                       cnt, &err);
    for (size_t i = 0; i < ncol; i++) {
        free(names[i]);
    }
    free(pat);
    free(cnt);
    return t;
}

/* The whole of a file, or NULL.  Returned; free(). */
char *vc_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = 2 * cap + 8192;
            char *g = realloc(buf, cap);
            if (g == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = g;
        }
        size_t k = fread(buf + n, 1, 4096, f);
        n += k;
        if (k == 0) {
            break;
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL) {
        *len = n;
    }
    return buf;
}

int vc_test_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}
