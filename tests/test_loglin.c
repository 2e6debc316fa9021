/*
 * test_loglin.c: the loglin suite (to be filled).
 */
#include <CUnit/CUnit.h>

#include "tests/test_util.h"

int vc_register_loglin_suite(void)
{
    CU_pSuite s = CU_add_suite("loglin", NULL, NULL);
    return s == NULL ? CU_get_error() : CUE_SUCCESS;
}
