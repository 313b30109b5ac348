/* engine_id.c: the engine id (engine_id.h): the build's fingerprint and the matrix-product class. */
#include "engine_id.h"

#include "gemm.h"

#include <stdio.h>
#include <string.h>

#include "build_info.h"

const char *engine_id(void)
{
    static char id[ENGINE_ID_MAX];
    if (!id[0]) {
        const char *cls = strcmp(gemm_kernel_name(), "openblas") != 0 ? "fma" : "openblas";
        snprintf(id, sizeof id, "%.16s/%s", FS_ENGINE_ID, cls);
    }
    return id;
}

const char *engine_kernel_name(void) { return gemm_kernel_name(); }
