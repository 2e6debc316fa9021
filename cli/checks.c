/*
 * checks.c: the model checks of issue 17 as the CLI shows them: the
 * posterior predictive check of lcm and dga (models/ppc.c) in JSON and
 * text, and the verdict on any result that the synthesis and the report
 * read (cli_result_check).
 *
 * JSON, in each lcm and dga result:
 *   "checks": {"statistic": "freeman-tukey", "ppp": p, "draws": S,
 *              "observed_mean": mean T(y, theta),
 *              "replicated_mean": mean T(y_rep, theta),
 *              "worst_patterns": [{"pattern": "10100", "observed": y,
 *                  "expected": mean N p_x, "replicated": mean y_rep,
 *                  "discrepancy": mean (sqrt(y) - sqrt(E))^2}, ...],
 *              "pass": bool, "reason": "..."}
 * worst_patterns: the VC_PPC_WORST patterns with the largest mean
 * contribution to T, largest first; a pattern is one 0/1 character per
 * list in the table's column order ('1': seen by that list), as in the
 * log-linear "pearson_residuals".  ppp is null where no check was made
 * (more than VC_PPC_MAX_LISTS lists).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "models/vc_ppc.h"

static void pattern_string(const vc_table *t, uint32_t x, char *buf,
                           size_t size)
{
    size_t j = 0;
    for (; j < t->J && j + 1 < size; j++) {
        buf[j] = (x >> j & 1u) ? '1' : '0';
    }
    buf[j] = '\0';
}

json_t *cli_ppc_json(const vc_ppc *p, const vc_table *t, int status,
                     unsigned flags)
{
    json_t *c = json_object();
    cli_json_set_str(c, "statistic", p->statistic);
    cli_json_set_real_if(c, "ppp", p->ppp, p->defined);
    cli_json_set_int(c, "draws", (long long)p->draws);
    cli_json_set_real_if(c, "observed_mean", p->observed_mean, p->defined);
    cli_json_set_real_if(c, "replicated_mean", p->replicated_mean,
                         p->defined);
    json_t *w = json_array();
    for (size_t k = 0; k < p->nworst; k++) {
        char pat[VC_MAX_LISTS + 1];
        pattern_string(t, p->worst[k].pattern, pat, sizeof pat);
        json_t *one = json_object();
        cli_json_set_str(one, "pattern", pat);
        cli_json_set_real(one, "observed", p->worst[k].observed);
        cli_json_set_real(one, "expected", p->worst[k].expected);
        cli_json_set_real(one, "replicated", p->worst[k].replicated);
        cli_json_set_real(one, "discrepancy", p->worst[k].discrepancy);
        json_array_append_new(w, one);
    }
    json_object_set_new(c, "worst_patterns", w);
    char reason[256];
    int pass = vc_check_verdict(status, flags,
                                p->defined ? p->ppp : NAN,
                                "posterior predictive", reason,
                                sizeof reason);
    cli_json_set_bool(c, "pass", pass);
    cli_json_set_str(c, "reason", reason);
    return c;
}

void cli_ppc_text(const vc_ppc *p, const vc_table *t, int status,
                  unsigned flags, cli_result *res)
{
    char reason[256];
    int pass = vc_check_verdict(status, flags, p->defined ? p->ppp : NAN,
                                "posterior predictive", reason,
                                sizeof reason);
    if (!p->defined) {
        cli_add_detail(res, "model check: %s: %s (no posterior predictive "
                       "check beyond %d lists)", pass ? "passes" : "FAILS",
                       reason, VC_PPC_MAX_LISTS);
        return;
    }
    /* the p-value once: in the reason, or after it */
    char ppp[64] = "";
    if (strstr(reason, "p = ") == NULL) {
        snprintf(ppp, sizeof ppp, "; posterior predictive p = %.2g",
                 p->ppp);
    }
    cli_add_detail(res, "model check: %s: %s%s (Freeman-Tukey, %llu "
                   "replicated tables; mean T %.1f observed, %.1f "
                   "replicated)", pass ? "passes" : "FAILS", reason, ppp,
                   (unsigned long long)p->draws, p->observed_mean,
                   p->replicated_mean);
    char line[1024];
    int len = snprintf(line, sizeof line, "  worst-fitting patterns "
                       "(observed / expected):");
    for (size_t k = 0; k < p->nworst && len > 0
                       && (size_t)len < sizeof line; k++) {
        char pat[VC_MAX_LISTS + 1];
        pattern_string(t, p->worst[k].pattern, pat, sizeof pat);
        len += snprintf(line + len, sizeof line - (size_t)len,
                        "%s %s %.0f / %.1f", k ? "," : "", pat,
                        p->worst[k].observed, p->worst[k].expected);
    }
    cli_add_detail(res, "%s", line);
}

/* A number inside r->extra.checks, NaN when absent or null. */
static double checks_number(const cli_result *r, const char *key)
{
    const json_t *c = r->extra ? json_object_get(r->extra, "checks") : NULL;
    const json_t *v = c ? json_object_get(c, key) : NULL;
    return json_is_number(v) ? json_number_value(v) : NAN;
}

double cli_result_ppp_of(const cli_result *r)
{
    return checks_number(r, "ppp");
}

int cli_result_check(const cli_result *r, char *reason, size_t size)
{
    double p = NAN;
    const char *test = "check";
    if (r->method != NULL && strcmp(r->method, "loglinear") == 0) {
        p = checks_number(r, "p_value");
        test = "deviance goodness-of-fit";
    } else {
        p = r->ppp;
        test = "posterior predictive";
    }
    return vc_check_verdict(r->status, r->status == VC_OK ? r->est.flags : 0,
                            p, test, reason, size);
}
