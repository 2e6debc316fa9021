/*
 * test_cli.c: the cli suite (to be filled).
 */
#include <CUnit/CUnit.h>

#include "tests/test_util.h"

int vc_register_cli_suite(void)
{
    CU_pSuite s = CU_add_suite("cli", NULL, NULL);
    return s == NULL ? CU_get_error() : CUE_SUCCESS;
}
