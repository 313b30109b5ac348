/* simd.c: see simd.h. */
#include "simd.h"

#include <stdlib.h>
#include <string.h>

int simd_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    static int on = -1; /* relaxed atomics: threads racing here all store the same value */
    int v = __atomic_load_n(&on, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *e = getenv("FSWEEP_NO_AVX2");
        v = __builtin_cpu_supports("avx2") && !(e && *e && strcmp(e, "0") != 0);
        __atomic_store_n(&on, v, __ATOMIC_RELAXED);
    }
    return v;
#else
    return 0;
#endif
}
