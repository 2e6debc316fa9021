/*
 * priorsens.c: --prior-sensitivity as the CLI shows it (issue 17): the
 * estimate and interval of lcm or dga under each alternative prior, in
 * JSON (prior_sensitivity: [{"setting", "estimate", "lower", "upper",
 * "converged"}]) and as a small table in the text, with a sentence when
 * an upper bound on N of LCMCR's size (21 n) would move the upper end
 * down by more than 5%.  The reruns themselves are in method_lcm.c and
 * method_dga.c; the bounded posterior in models/prior.c.
 */
#include "cli/cli.h"
#include "report/vc_report.h"

/* The bound's row moves the upper end down by more than 5%. */
static int bound_cuts(const cli_prior_row *r, const vc_estimate *e)
{
    return r->bound && r->status == VC_OK && e->upper > 0.0
           && (e->upper - r->upper) / e->upper > VC_BOUND_UPPER_CHANGE;
}

void cli_prior_json(json_t *x, const cli_prior_row *rows, size_t n,
                    const vc_estimate *e)
{
    json_t *a = json_array();
    int cuts = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *one = json_object();
        cli_json_set_str(one, "setting", rows[i].setting);
        int ok = rows[i].status == VC_OK;
        cli_json_set_real_if(one, "estimate", rows[i].estimate, ok);
        cli_json_set_real_if(one, "lower", rows[i].lower, ok);
        cli_json_set_real_if(one, "upper", rows[i].upper, ok);
        if (rows[i].converged >= 0) {
            cli_json_set_bool(one, "converged", rows[i].converged);
        } else {
            json_object_set_new(one, "converged", json_null());
        }
        json_array_append_new(a, one);
        cuts = cuts || bound_cuts(&rows[i], e);
    }
    json_object_set_new(x, "prior_sensitivity", a);
    cli_json_set_bool(x, "bound_cuts_upper", cuts);
}

void cli_prior_text(const cli_prior_row *rows, size_t n,
                    const vc_estimate *e, cli_result *res)
{
    cli_add_detail(res, "prior sensitivity (%.10g%% interval under each "
                   "prior):", 100.0 * e->level);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].status != VC_OK) {
            cli_add_detail(res, "  %-40s failed: %s", rows[i].setting,
                           vc_strerror(rows[i].status));
            continue;
        }
        char est[48], lo[48], hi[48];
        vc_format_count(rows[i].estimate, est, sizeof est);
        vc_format_count(rows[i].lower, lo, sizeof lo);
        vc_format_count(rows[i].upper, hi, sizeof hi);
        cli_add_detail(res, "  %-40s %10s  %s\xE2\x80\x93%s%s",
                       rows[i].setting, est, lo, hi,
                       rows[i].converged == 0 ? "  (not converged)" : "");
    }
    for (size_t i = 0; i < n; i++) {
        if (bound_cuts(&rows[i], e)) {
            char a[48], b[48];
            vc_format_count(e->upper, a, sizeof a);
            vc_format_count(rows[i].upper, b, sizeof b);
            cli_add_detail(res, "  an upper bound on N of LCMCR's size "
                           "(21 times the people seen) would cut the "
                           "upper end by %.0f%%, from %s to %s: the upper "
                           "tail rests on the prior's allowing large N",
                           100.0 * (e->upper - rows[i].upper) / e->upper, a,
                           b);
        }
    }
}
