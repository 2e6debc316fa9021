/*
 * test_util.h: helpers shared by the CUnit suites.
 */
#ifndef VC_TEST_UTIL_H
#define VC_TEST_UTIL_H

#include <math.h>
#include <stdio.h>

#include <CUnit/CUnit.h>

#include "data/vc_data.h"

/*
 * Relative comparison that prints observed against expected on failure, as
 * GSL's gsl_test_rel does.  NaN and Inf never pass unless expected is the
 * same non-finite value.  want == 0 falls back to an absolute check.
 */
#define VC_ASSERT_REL(got, want, rel)                                         \
    do {                                                                      \
        double vc_g_ = (double)(got);                                         \
        double vc_w_ = (double)(want);                                        \
        int vc_ok_;                                                           \
        if (!isfinite(vc_g_) || !isfinite(vc_w_)) {                           \
            vc_ok_ = (isnan(vc_g_) && isnan(vc_w_))                           \
                     || (isinf(vc_g_) && vc_g_ == vc_w_);                     \
        } else if (vc_w_ == 0.0) {                                            \
            vc_ok_ = fabs(vc_g_) <= (rel);                                    \
        } else {                                                              \
            vc_ok_ = fabs(vc_g_ - vc_w_) <= (rel) * fabs(vc_w_);              \
        }                                                                     \
        if (!vc_ok_) {                                                        \
            fprintf(stderr, "\n  %s:%d: %s = %.12g, expected %.12g (rel %g)", \
                    __FILE__, __LINE__, #got, vc_g_, vc_w_, (double)(rel));   \
        }                                                                     \
        CU_ASSERT(vc_ok_);                                                    \
    } while (0)

/* Directory of the reference tables (data/reference from
 * the repository root, or $VC_REFDATA). */
const char *vc_test_refdata(void);

/* Path of a file in the reference directory; static buffer. */
const char *vc_test_refpath(const char *name);

/* Path of the victimcount binary under test ($VC_CLI, default
 * build/victimcount). */
const char *vc_test_cli(void);

/* Path of the MPI build under test ($VC_MPI_CLI, default
 * build/victimcount-mpi), run under mpirun. */
const char *vc_test_mpi_cli(void);

/* Load a reference table NAME.csv of the shared directory (0/1 list
 * columns then count); NULL on failure.  Returned. */
vc_table *vc_test_load_ref(const char *name);

/* The whole of a file, NUL-terminated, or NULL when it cannot be read;
 * *len (may be NULL) its size.  Returned; free(). */
char *vc_test_slurp(const char *path, size_t *len);

/* Run a shell command line built with printf-style arguments; its exit
 * status, or -1 when it did not exit normally. */
int vc_test_sh(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Non-zero when slow tests were asked for (VC_SLOW=1). */
int vc_test_slow(void);

/* Suite registration, one per module; each returns a CUnit error code. */
int vc_register_core_suite(void);
int vc_register_data_suite(void);
int vc_register_estimators_suite(void);
int vc_register_loglin_suite(void);
int vc_register_covloglin_suite(void);
int vc_register_models_suite(void);
int vc_register_umbrella_suite(void);
int vc_register_cli_suite(void);
int vc_register_table_suite(void);
int vc_register_report_suite(void);
int vc_register_dga_suite(void);
int vc_register_ppc_suite(void);
int vc_register_sim_suite(void);
int vc_register_batch_suite(void);
int vc_register_link_suite(void);
int vc_register_serve_suite(void);
int vc_register_alloc_suite(void);

#endif /* VC_TEST_UTIL_H */
