/* simd.h: which vector paths the engine's loops take (checked at run time).
 *
 * simd_avx2(): 1 on a CPU with AVX2 unless FSWEEP_NO_AVX2 is set (to anything but "" or "0"),
 * read once. The AVX2 loops it guards (Winograd transforms, conv epilogue, elementwise and
 * batch-norm passes) do the scalar loops' operations in the same order, so they give bitwise the
 * same results: FSWEEP_NO_AVX2=1 runs the scalar loops so that tests can compare the two
 * (tests/cli/test_train_cli.sh, tests/engine/test_wino_avx2.sh). AVX-512 paths are chosen
 * before it where a CPU has them. */
#ifndef FSWEEP_ENGINE_SIMD_H
#define FSWEEP_ENGINE_SIMD_H

int simd_avx2(void);

#endif
