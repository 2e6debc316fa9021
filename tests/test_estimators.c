/*
 * test_estimators.c: the estimators suite (filled below).
 */
#include <CUnit/CUnit.h>

#include "tests/test_util.h"

int vc_register_estimators_suite(void)
{
    CU_pSuite s = CU_add_suite("estimators", NULL, NULL);
    return s == NULL ? CU_get_error() : CUE_SUCCESS;
}
