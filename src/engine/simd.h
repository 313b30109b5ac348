/* simd.h: which vector paths the engine's loops take (checked at run time).
 *
 * simd_avx2(): 1 on a CPU with AVX2 unless FSWEEP_NO_AVX2 is set (to anything but "" or "0"),
 * read once. The AVX2 loops it guards (Winograd transforms, conv epilogue, elementwise and
 * batch-norm passes) do the scalar loops' operations in the same order, so they give bitwise the
 * same results: FSWEEP_NO_AVX2=1 runs the scalar loops so that tests can compare the two
 * (tests/cli/test_train_cli.sh, tests/engine/test_wino_avx2.sh). AVX-512 paths are chosen
 * before it where a CPU has them. simd_even_avx2 / simd_odd_avx2: the de-interleave that the
 * stride-2 loops share; simd_transpose8_avx2: the 8 x 8 transpose of the packing and
 * channels-last copies. */
#ifndef FSWEEP_ENGINE_SIMD_H
#define FSWEEP_ENGINE_SIMD_H

int simd_avx2(void);

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The even floats of the 16 in a = x[0..7], b = x[8..15], in order: x0 x2 .. x14. The shuffle
 * gives [x0 x2 x8 x10 | x4 x6 x12 x14]; the 64-bit permute puts the pairs in order. */
static inline __attribute__((target("avx2"))) __m256 simd_even_avx2(__m256 a, __m256 b)
{
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
}

/* The odd floats x1 x3 .. x15 of a = x[0..7], b = x[8..15], in order (as simd_even_avx2). */
static inline __attribute__((target("avx2"))) __m256 simd_odd_avx2(__m256 a, __m256 b)
{
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}

/* In-register 8 x 8 transpose: row j of r becomes column j (r[k][j] = the old r[j][k]). */
static inline __attribute__((target("avx2"))) void simd_transpose8_avx2(__m256 r[8])
{
    __m256 t[8], u[8];
    for (int j = 0; j < 8; j += 2) {
        t[j] = _mm256_unpacklo_ps(r[j], r[j + 1]);
        t[j + 1] = _mm256_unpackhi_ps(r[j], r[j + 1]);
    }
    for (int j = 0; j < 8; j += 4) {
        u[j] = _mm256_shuffle_ps(t[j], t[j + 2], 0x44);
        u[j + 1] = _mm256_shuffle_ps(t[j], t[j + 2], 0xEE);
        u[j + 2] = _mm256_shuffle_ps(t[j + 1], t[j + 3], 0x44);
        u[j + 3] = _mm256_shuffle_ps(t[j + 1], t[j + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2f128_ps(u[j], u[j + 4], 0x20);
        r[j + 4] = _mm256_permute2f128_ps(u[j], u[j + 4], 0x31);
    }
}
#endif

#endif
