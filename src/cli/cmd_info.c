/* cmd_info.c: `fsweep info`: the engine id, the linked libraries, the BLAS core and the CPU this
 * binary runs on. */
#include "cli_args.h"
#include "commands.h"
#include "engine_id.h"
#include "linalg.h"
#include "pool.h"
#include "par.h"
#include "spectral.h"
#include "store.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"

/* The CPU's vector extensions, as the compiler's runtime detects them. */
static void cpu_features(char *buf, size_t n)
{
    buf[0] = 0;
    __builtin_cpu_init();
    struct {
        const char *name;
        int on;
    } f[] = {
        {"sse4.2", __builtin_cpu_supports("sse4.2")},   {"avx", __builtin_cpu_supports("avx")},
        {"avx2", __builtin_cpu_supports("avx2")},       {"fma", __builtin_cpu_supports("fma")},
        {"avx512f", __builtin_cpu_supports("avx512f")}, {"avx512bw", __builtin_cpu_supports("avx512bw")},
        {"avx512vl", __builtin_cpu_supports("avx512vl")},
        {"avx512vnni", __builtin_cpu_supports("avx512vnni")},
    };
    size_t used = 0;
    for (size_t i = 0; i < FS_ARRAY_LEN(f); i++)
        if (f[i].on && used + strlen(f[i].name) + 2 < n)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? " " : "", f[i].name);
}

int cmd_info(int argc, char **argv)
{
    if (argc > 1 && cli_is_help(argv[1])) {
        printf("usage: fsweep info\n  Print the engine id and matrix-product kernel, the versions of the "
               "libraries actually linked, the OpenBLAS core type and thread count, and the CPU's vector "
               "extensions.\n");
        return FS_EXIT_OK;
    }
    char feats[256];
    cpu_features(feats, sizeof feats);
    const char *ct = getenv("OPENBLAS_CORETYPE");
    printf("fsweep      %s (git %s)\n", FS_VERSION, FS_GIT_HASH);
    printf("engine      %s (README \"Engine id\"; kernel %s)\n", engine_id(), engine_kernel_name());
    printf("compiler    %s\n", FS_CC);
    printf("cflags      %s\n", FS_CFLAGS);
    printf("mpi         %s\n", par_library_version());
    printf("fftw        %s\n", spectral_library_version());
    printf("hdf5        %s\n", store_library_version());
    printf("openblas    %s\n", linalg_config());
    printf("blas core   %s (OPENBLAS_CORETYPE=%s)\n", linalg_corename(), ct ? ct : "unset");
    printf("threads     %d engine (FSWEEP_THREADS / OPENBLAS_NUM_THREADS / --threads), OpenBLAS %d\n", pool_threads(),
           linalg_threads());
    printf("cpu         %s\n", feats);
    printf("host        %s\n", par_host());
    return FS_EXIT_OK;
}
