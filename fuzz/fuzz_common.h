/*
 * fuzz_common.h: what the libFuzzer harnesses of fuzz/ share.
 *
 * A harness checks more than "no crash": every property a caller relies
 * on (one-line messages, sorted tables, models that parse back) is checked
 * with FUZZ_CHECK, which aborts, so that libFuzzer keeps the input as a
 * crash like any sanitizer report.
 */
#ifndef VC_FUZZ_COMMON_H
#define VC_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/common_interface_defs.h>

/* The report goes where the sanitizers write theirs, which stays open when
 * libFuzzer closes stderr (-close_fd_mask=2). */
#define FUZZ_STR2(x) #x
#define FUZZ_STR(x) FUZZ_STR2(x)
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            __sanitizer_report_error_summary(                                  \
                __FILE__ ":" FUZZ_STR(__LINE__) ": property failed: " #cond);  \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Say more about a failure about to be reported, where FUZZ_CHECK does. */
static inline void fuzz_note(const char *what, const char *detail)
{
    char line[1024];
    snprintf(line, sizeof line, "%s: %s", what, detail);
    __sanitizer_report_error_summary(line);
}

/* A library message: non-empty and one line of printable text (the
 * library's promise: messages are one line and quote input safely). */
static inline int fuzz_one_line(const char *msg)
{
    if (msg[0] == '\0') {
        return 0;
    }
    for (const char *p = msg; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* The n bytes at p as a NUL-terminated string in its own allocation, so
 * that AddressSanitizer sees any read past its end. */
static inline char *fuzz_strndup(const unsigned char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL) {
        abort();
    }
    if (n > 0) {
        memcpy(s, p, n);
    }
    s[n] = '\0';
    return s;
}

#endif /* VC_FUZZ_COMMON_H */
