/*
 * test_data.c: the data suite (to be filled).
 */
#include <CUnit/CUnit.h>

#include "tests/test_util.h"

int vc_register_data_suite(void)
{
    CU_pSuite s = CU_add_suite("data", NULL, NULL);
    return s == NULL ? CU_get_error() : CUE_SUCCESS;
}
