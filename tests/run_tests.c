/*
 * run_tests.c: the CUnit runner.  Returns non-zero when any assertion
 * failed: the count is read before CU_cleanup_registry(), because
 * CU_basic_run_tests() alone reports only framework errors.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>
#include <gsl/gsl_errno.h>

#include "tests/test_util.h"

const char *vc_test_refdata(void)
{
    const char *dir = getenv("VC_REFDATA");
    return (dir != NULL && *dir) ? dir : "data/reference";
}

const char *vc_test_refpath(const char *name)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", vc_test_refdata(), name);
    return path;
}

const char *vc_test_cli(void)
{
    const char *cli = getenv("VC_CLI");
    return (cli != NULL && *cli) ? cli : "build/victimcount";
}

const char *vc_test_mpi_cli(void)
{
    const char *cli = getenv("VC_MPI_CLI");
    return (cli != NULL && *cli) ? cli : "build/victimcount-mpi";
}

int vc_test_slow(void)
{
    const char *slow = getenv("VC_SLOW");
    return slow != NULL && slow[0] == '1';
}

/* run_tests [SUITE [TEST]]: all suites, only the one named (e.g. models),
 * or one test of it by its name (e.g. models "sweep invariants"). */
int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "cannot initialise CUnit: %s\n", CU_get_error_msg());
        return 2;
    }
    int (*const suites[])(void) = {
        vc_register_core_suite,   vc_register_table_suite,
        vc_register_data_suite,   vc_register_report_suite,
        vc_register_estimators_suite, vc_register_loglin_suite,
        vc_register_covloglin_suite,
        vc_register_models_suite, vc_register_umbrella_suite,
        vc_register_dga_suite,    vc_register_ppc_suite,
        vc_register_sim_suite,    vc_register_cli_suite,
        vc_register_batch_suite,  vc_register_serve_suite,
        vc_register_link_suite,
        vc_register_alloc_suite,
    };
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        if (suites[i]() != CUE_SUCCESS) {
            fprintf(stderr, "cannot register suite %zu: %s\n", i,
                    CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (argc > 1) {
        CU_pSuite only = CU_get_suite(argv[1]);
        if (only == NULL) {
            fprintf(stderr, "no suite named %s\n", argv[1]);
            CU_cleanup_registry();
            return 2;
        }
        if (argc > 2) {
            /* one test of the suite, by its name */
            CU_pTest test = CU_get_test(only, argv[2]);
            if (test == NULL) {
                fprintf(stderr, "no test named \"%s\" in suite %s\n",
                        argv[2], argv[1]);
                CU_cleanup_registry();
                return 2;
            }
            CU_basic_run_test(only, test);
        } else {
            CU_basic_run_suite(only);
        }
    } else {
        CU_basic_run_tests();
    }
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned failures = CU_get_number_of_failures();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    printf("\n%u passed, %u failed\n", run - failed, failed);
    if (failed > 0 || failures > 0) {
        return 1;
    }
    return CU_get_error() == CUE_SUCCESS ? 0 : 1;
}
