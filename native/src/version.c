/* version.c — the ABI version of librnnk; the Java loader checks it against its bindings. */
#include "rnnk.h"

int32_t rnnk_abi_version(void) { return 14; }
