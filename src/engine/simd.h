/* simd.h: which vector paths the engine's loops take (checked at run time).
 *
 * simd_avx2(): 1 on a CPU with AVX2 unless FSWEEP_NO_AVX2 is set (to anything but "" or "0"),
 * read once. The AVX2 loops it guards (Winograd transforms, conv epilogue, elementwise and
 * batch-norm passes) do the scalar loops' operations in the same order, so they give bitwise the
 * same results: FSWEEP_NO_AVX2=1 runs the scalar loops so that tests can compare the two
 * (tests/cli/test_train_cli.sh, tests/engine/test_wino_avx2.sh). AVX-512 paths are chosen
 * before it where a CPU has them. simd_even_avx2 / simd_odd_avx2: the de-interleave that the
 * stride-2 loops share; simd_transpose8_avx2: the 8 x 8 transpose of the packing and
 * channels-last copies; simd_rows_add / simd_rows_sum: a bias added to every row, and every
 * row added into a bias gradient (elementwise, each element's additions in row order, so the
 * same bits as the scalar loop); simd_lanes8_total(_avx2): the one order in which the row sums
 * of layer norm and the attention softmax add their 8 double partial sums (lane i takes the
 * columns j = i mod 8 of the first n / 8 * 8; the scalar loops keep 8 partials too). */
#ifndef FSWEEP_ENGINE_SIMD_H
#define FSWEEP_ENGINE_SIMD_H

#include <stddef.h>

int simd_avx2(void);

/* ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)) */
static inline double simd_lanes8_total(const double l[8])
{
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

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

/* simd_lanes8_total of lo = (l0..l3), hi = (l4..l7), in the same order */
static inline __attribute__((target("avx2"))) double simd_lanes8_total_avx2(__m256d lo, __m256d hi)
{
    __m256d t = _mm256_add_pd(lo, hi); /* l0+l4 l1+l5 l2+l6 l3+l7 */
    __m128d w = _mm_add_pd(_mm256_castpd256_pd128(t), _mm256_extractf128_pd(t, 1));
    return _mm_cvtsd_f64(w) + _mm_cvtsd_f64(_mm_unpackhi_pd(w, w));
}
/* lo, hi += the 8 floats of v as doubles (lanes 0-3, 4-7) */
static inline __attribute__((target("avx2"))) void simd_acc8_avx2(__m256d *lo, __m256d *hi, __m256 v)
{
    *lo = _mm256_add_pd(*lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    *hi = _mm256_add_pd(*hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}
/* lo, hi += a * b, the 8 products in double (exact for floats) */
static inline __attribute__((target("avx2"))) void simd_dot8_avx2(__m256d *lo, __m256d *hi, __m256 a, __m256 b)
{
    *lo = _mm256_add_pd(*lo, _mm256_mul_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(a)),
                                           _mm256_cvtps_pd(_mm256_castps256_ps128(b))));
    *hi = _mm256_add_pd(*hi, _mm256_mul_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)),
                                           _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1))));
}

/* y[r][j] += x[r][j] for rows r, columns j < cols8 (a multiple of 8); row strides ys / xs (xs 0:
 * the same row x added to every row) */
static inline __attribute__((target("avx2"))) void simd_rows_add_avx2(float *y, size_t ys, const float *x,
                                                                        size_t xs, size_t rows, size_t cols8)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols8; j += 8)
            _mm256_storeu_ps(y + r * ys + j, _mm256_add_ps(_mm256_loadu_ps(y + r * ys + j),
                                                           _mm256_loadu_ps(x + r * xs + j)));
}
#endif

/* y (rows, cols) += b (cols) on every row */
static inline void simd_rows_add(float *y, const float *b, size_t rows, size_t cols)
{
    size_t j0 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (simd_avx2()) simd_rows_add_avx2(y, cols, b, 0, rows, j0 = cols / 8 * 8);
#endif
    for (size_t r = 0; r < rows; r++)
        for (size_t j = j0; j < cols; j++) y[r * cols + j] += b[j];
}
/* acc (cols) += x[r] (cols) for r = 0, 1, .., rows - 1 in that order */
static inline void simd_rows_sum(float *acc, const float *x, size_t rows, size_t cols)
{
    size_t j0 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (simd_avx2())
        for (size_t r = 0; r < rows; r++) simd_rows_add_avx2(acc, 0, x + r * cols, 0, 1, j0 = cols / 8 * 8);
#endif
    for (size_t r = 0; r < rows; r++)
        for (size_t j = j0; j < cols; j++) acc[j] += x[r * cols + j];
}

#endif
