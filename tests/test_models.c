/*
 * test_models.c: the models suite (to be filled).
 */
#include <CUnit/CUnit.h>

#include "tests/test_util.h"

int vc_register_models_suite(void)
{
    CU_pSuite s = CU_add_suite("models", NULL, NULL);
    return s == NULL ? CU_get_error() : CUE_SUCCESS;
}
