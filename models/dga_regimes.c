/*
 * dga_regimes.c: the regimes of the graph posterior (issue 17).  Graph
 * averaging (Madigan & York 1997) mixes the conditional posteriors of N
 * of many graphs; when the probable graphs disagree about N the mixture
 * is a blend of distinct explanations of the data, each a dependence
 * structure between lists with the N it implies.  The graphs are grouped
 * by E(N | G, data) on the log scale, weighted by their posterior
 * probabilities, at the valleys of that mass (vc_log_mass_groups with
 * bandwidth VC_DGA_REGIME_BANDWIDTH), and each regime is summarised by the posterior
 * of N averaged over its graphs alone: p(N | data, G in regime) is
 * proportional to sum over G in the regime of p(G) p(N, data | G), the
 * same average as the whole posterior (Madigan & York 1997, eq. 4)
 * restricted to the regime.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/dga_impl.h"

/* The posterior of N averaged over the graphs edges[0 .. k-1] on the
 * grid of r, as its median and equal-tailed interval. */
static int regime_posterior(const vc_table *t, const vc_dga_opts *o,
                            const vc_dga_result *r, const uint32_t *edges,
                            size_t k, double level, vc_dga_regime *out,
                            vc_error *err)
{
    vc_dga_opts ro;
    double delta;
    uint64_t lo, hi;
    int status = vci_dga_setup(t, o, VC_DGA_MAX_LISTS, &ro, &delta, &lo,
                               &hi, err);
    if (status != VC_OK) {
        return status;
    }
    /* the grid of the whole posterior: the regime's mass lies inside it */
    lo = r->n0_lo;
    hi = r->n0_lo + r->ngrid - 1;
    ro.top = 1;
    vci_dga_grid g;
    vc_dga_result *sub = NULL;
    status = vci_dga_grid_init(t, &ro, r->delta, lo, hi, 1, &g, err);
    if (status == VC_OK) {
        sub = vci_dga_average(&g, &ro, edges, NULL, k, err);
        status = sub != NULL ? VC_OK : err->code;
    }
    vci_dga_grid_free(&g);
    if (status == VC_OK) {
        out->estimate = sub->median;
        out->lower = vc_dga_quantile(sub, (1.0 - level) / 2.0);
        out->upper = vc_dga_quantile(sub, 1.0 - (1.0 - level) / 2.0);
    }
    vc_dga_result_free(sub);
    return status;
}

int vc_dga_regimes(const vc_table *t, const vc_dga_opts *o,
                   const vc_dga_result *r, double level, vc_dga_regime *out,
                   size_t max, size_t *nout, vc_error *err)
{
    *nout = 0;
    int status = vc_level_check(level, err);
    if (status != VC_OK) {
        return status;
    }
    if (max == 0 || r->ntop == 0) {
        return vc_error_set(err, VC_EINVAL,
                            "regimes need graphs and room for one");
    }
    size_t n = r->ntop;
    double *mean = malloc(n * sizeof *mean);
    size_t *group = malloc(n * sizeof *group);
    uint32_t *edges = malloc(n * sizeof *edges);
    if (mean == NULL || group == NULL || edges == NULL) {
        free(mean);
        free(group);
        free(edges);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the regimes");
    }
    double total = 0.0;
    double *post = malloc(n * sizeof *post);
    if (post == NULL) {
        free(mean);
        free(group);
        free(edges);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the regimes");
    }
    for (size_t k = 0; k < n; k++) {
        mean[k] = r->top[k].mean_N;
        post[k] = r->top[k].posterior;
        total += r->top[k].posterior;
    }
    size_t ng = vc_log_mass_groups(mean, post, n, VC_DGA_REGIME_BANDWIDTH,
                                   group);
    free(post);
    /* every group's weight, then the heaviest max of them in increasing
     * N (group numbers already are) */
    double *w = calloc(ng ? ng : 1, sizeof *w);
    if (w == NULL) {
        free(mean);
        free(group);
        free(edges);
        return vc_error_set(err, VC_ENOMEM, "cannot allocate the regimes");
    }
    for (size_t k = 0; k < n; k++) {
        if (group[k] != (size_t)-1) {
            w[group[k]] += r->top[k].posterior;
        }
    }
    double cut = -1.0;
    if (ng > max) {
        /* the max-th largest weight: groups below it are left out */
        double *s = malloc(ng * sizeof *s);
        if (s != NULL) {
            memcpy(s, w, ng * sizeof *s);
            for (size_t a = 0; a < max; a++) {
                for (size_t b = a + 1; b < ng; b++) {
                    if (s[b] > s[a]) {
                        double tmp = s[a];
                        s[a] = s[b];
                        s[b] = tmp;
                    }
                }
            }
            cut = s[max - 1];
            free(s);
        }
    }
    for (size_t gi = 0; gi < ng && status == VC_OK && *nout < max; gi++) {
        if (w[gi] < cut) {
            continue;
        }
        /* its graphs, most probable first (r->top's order) */
        size_t k = 0;
        vc_dga_regime *g = &out[*nout];
        memset(g, 0, sizeof *g);
        for (size_t a = 0; a < n; a++) {
            if (group[a] == gi) {
                if (k == 0) {
                    g->edges = r->top[a].edges;
                }
                edges[k++] = r->top[a].edges;
            }
        }
        g->ngraphs = k;
        g->weight = total > 0.0 ? w[gi] / total : 0.0;
        status = regime_posterior(t, o, r, edges, k, level, g, err);
        if (status == VC_OK) {
            (*nout)++;
        }
    }
    free(w);
    free(mean);
    free(group);
    free(edges);
    return status;
}
