/*
 * json.c: the small layer every JSON object of the CLI is built with.
 * A number that is not finite is written as null (never NaN or Inf), an
 * integer of any width through json_int_t, and a struct of counters or
 * figures from a table of its fields, so that a new field is one line of
 * a table rather than one more json_object_set_new sequence.
 */
#include <math.h>
#include <string.h>

#include "cli/cli.h"

json_t *cli_json_real(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

void cli_json_set_real(json_t *o, const char *key, double x)
{
    json_object_set_new(o, key, cli_json_real(x));
}

void cli_json_set_real_if(json_t *o, const char *key, double x, int defined)
{
    json_object_set_new(o, key, defined ? cli_json_real(x) : json_null());
}

void cli_json_set_int(json_t *o, const char *key, long long n)
{
    json_object_set_new(o, key, json_integer((json_int_t)n));
}

void cli_json_set_str(json_t *o, const char *key, const char *s)
{
    json_object_set_new(o, key, json_string(s));
}

void cli_json_set_bool(json_t *o, const char *key, int b)
{
    json_object_set_new(o, key, json_boolean(b));
}

void cli_json_set_fields(json_t *o, const void *base,
                         const cli_json_field *f, size_t n)
{
    const char *p = base;
    for (size_t i = 0; i < n; i++) {
        const void *at = p + f[i].offset;
        switch (f[i].kind) {
        case CLI_JSON_REAL: {
            double x;
            memcpy(&x, at, sizeof x);
            cli_json_set_real(o, f[i].key, x);
            break;
        }
        case CLI_JSON_U64: {
            uint64_t u;
            memcpy(&u, at, sizeof u);
            cli_json_set_int(o, f[i].key, (long long)u);
            break;
        }
        case CLI_JSON_SIZE: {
            size_t z;
            memcpy(&z, at, sizeof z);
            cli_json_set_int(o, f[i].key, (long long)z);
            break;
        }
        }
    }
}

json_t *cli_json_strings(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(v[i]));
    }
    return a;
}

json_t *cli_json_pair(json_t *a, json_t *b)
{
    json_t *arr = json_array();
    json_array_append_new(arr, a);
    json_array_append_new(arr, b);
    return arr;
}
