/*
 * error.c: the single entry point for errors (vc_error_set) and the table of
 * status descriptions.  Modelled on GSL's err/error.c (one function to break
 * on) and curl's error buffer (the first error wins).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/vc_core.h"

void vc_error_clear(vc_error *err)
{
    if (err == NULL) {
        return;
    }
    err->code = VC_OK;
    err->msg[0] = '\0';
}

int vc_error_set(vc_error *err, int code, const char *fmt, ...)
{
    if (err == NULL || err->code != VC_OK) {
        return code;
    }
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Messages are one line, but many quote what the caller gave (a model
     * string, a column name), which may hold line breaks or other control
     * bytes: those become '?'. */
    for (char *p = err->msg; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = '?';
        }
    }
    return code;
}

const char *vc_strerror(int code)
{
    switch (code) {
    case VC_OK:
        return "success";
    case VC_EINVAL:
        return "invalid argument";
    case VC_ENOMEM:
        return "out of memory";
    case VC_EIO:
        return "input/output error";
    case VC_EDATA:
        return "invalid input data";
    case VC_EUNDEFINED:
        return "statistic undefined for these data";
    case VC_ENOMLE:
        return "maximum-likelihood estimate does not exist";
    case VC_ENUMERIC:
        return "numerical failure";
    case VC_ECONTINUE:
        return "iteration not finished";
    case VC_ENOTIDENT:
        return "population size not identifiable";
    case VC_ENOTCONV:
        return "iteration did not converge";
    default:
        return "unknown status";
    }
}

const char *vc_version(void)
{
    return VC_VERSION;
}
