/* engine_id.h: which engine computed a store's numbers (README "Engine id"). The id is the
 * build's fingerprint FS_ENGINE_ID (the Makefile's SHA-256 of the numerics sources, the
 * compiler's version and the code-generating flags), a slash, and the matrix-product class this
 * CPU runs: "fma" for the AVX-512 and AVX2 + FMA kernels (bitwise the same by design) or
 * "openblas" for the fallback on CPUs without FMA, which is not. FSWEEP_NO_AVX2 does not change
 * it (its scalar loops train bitwise the same). Rank and thread counts are not in it: results do
 * not depend on them. */
#ifndef FS_ENGINE_ID_H
#define FS_ENGINE_ID_H

#define ENGINE_ID_MAX 40 /* bytes of an engine id with its NUL, e.g. "7ec42a4e89cdc514/openblas" */

const char *engine_id(void);          /* "7ec42a4e89cdc514/fma" */
const char *engine_kernel_name(void); /* the matrix product's kernel: "avx2-12x32", "openblas", ... */

#endif
