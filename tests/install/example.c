/*
 * example.c: a program a user of the installed library would write,
 * built by tests/install/check.sh against a temporary installation with
 * `pkg-config --cflags --libs victimcount` (shared and static).
 *
 * example DIR: reads DIR/Kosovo.csv and DIR/Korea.csv (data/reference/)
 * and checks two published figures (data/reference/SOURCES.md):
 * Chapman on Kosovo's lists EXH and ABA, 7,231.472772 (SE 273.7525018,
 * fits/two_list_reference.csv), and dga 2.0.2's exact posterior median
 * 159, 95% 123-432, on Korea (delta 2^-3, n0 on 0..3,075).  Exit 0 when
 * all agree, 1 otherwise.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <victimcount.h>

static int check(const char *what, double got, double want, double rel)
{
    int ok = fabs(got - want) <= rel * fabs(want);
    printf("%s: %.10g (published %.10g)%s\n", what, got, want,
           ok ? "" : "  WRONG");
    return ok;
}

static vc_table *read_table(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    vc_read_opts opts;
    memset(&opts, 0, sizeof opts);
    vc_error err;
    vc_error_clear(&err);
    vc_dataset *d = vc_dataset_read(path, &opts, &err);
    if (d == NULL) {
        fprintf(stderr, "example: %s\n", err.msg);
        return NULL;
    }
    vc_table *t = vc_table_copy(d->tables[0], &err);
    vc_dataset_free(d);
    return t;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: example DIR\n");
        return 2;
    }
    printf("libvictimcount %s (headers %s)\n", vc_version(), VC_VERSION);
    int ok = strcmp(vc_version(), VC_VERSION) == 0;

    vc_table *kosovo = read_table(argv[1], "Kosovo.csv");
    vc_table *korea = read_table(argv[1], "Korea.csv");
    if (kosovo == NULL || korea == NULL) {
        vc_table_free(kosovo);
        vc_table_free(korea);
        return 1;
    }
    vc_error err;
    vc_error_clear(&err);
    vc_estimate e;
    if (vc_chapman_estimate(kosovo, 0, 1, 0.95, VC_INTERVAL_LOGNORMAL, &e,
                            &err) != VC_OK) {
        fprintf(stderr, "example: %s\n", err.msg);
        ok = 0;
    } else {
        ok &= check("Kosovo Chapman", e.estimate, 7231.472772, 1e-9);
        ok &= check("Kosovo Chapman SE", e.se, 273.7525018, 1e-9);
    }

    vc_dga_opts o;
    memset(&o, 0, sizeof o);
    o.delta = 0.125;
    o.n0_lo = 0;
    o.n0_hi = 3075;
    vc_dga_result *r = vc_dga_fit(korea, &o, &err);
    if (r == NULL) {
        fprintf(stderr, "example: %s\n", err.msg);
        ok = 0;
    } else {
        ok &= check("Korea dga median", r->median, 159, 0);
        ok &= check("Korea dga 2.5%", vc_dga_quantile(r, 0.025), 123, 0);
        ok &= check("Korea dga 97.5%", vc_dga_quantile(r, 0.975), 432, 0);
        vc_dga_result_free(r);
    }

    /* A Philox stream, freed with GSL's own gsl_rng_free: the public
     * headers hand out GSL types, so gsl is a public dependency. */
    gsl_rng *rng = vc_rng_stream_alloc(2016, 1, 0, 0, &err);
    if (rng == NULL) {
        fprintf(stderr, "example: %s\n", err.msg);
        ok = 0;
    } else {
        printf("philox stream: %s\n", gsl_rng_name(rng));
        gsl_rng_free(rng);
    }
    vc_table_free(kosovo);
    vc_table_free(korea);
    printf("%s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
