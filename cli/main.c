#include <stdio.h>
#include "core/vc_core.h"
int main(void) { printf("victimcount %s\n", vc_version()); return 0; }
