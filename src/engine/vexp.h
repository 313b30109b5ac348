/* vexp.h: no vexp.c: inline functions, e^x for x <= 0 in float, a scalar form and an AVX2 twin
 * that give the same bits (every step a separate IEEE multiply, add or bit operation, in the same
 * order; simd.h). Used by GELU (gelu.c) and the attention softmax (layer_attn.c) instead of
 * libm, whose expf is neither vectorised nor the same function on every system.
 *
 * vexp_neg(hi, lo) = e^(hi + lo), hi <= 0 and |lo| much smaller (an argument's low part; 0 if
 * none): 2^n e^r with n = round(hi / ln 2), r = ((hi - n ln2_hi) + lo) - n ln2_lo (ln 2 in two
 * parts: n * VEXP_LN2_HI is exact) and e^r by its degree-7 Taylor polynomial on |r| <= ln 2 / 2:
 * relative error under 1e-7 (9.3e-8 measured on [-87, 0]). hi < VEXP_MIN (where e^x would be
 * subnormal) gives 0; a NaN gives NaN. */
#ifndef FSWEEP_ENGINE_VEXP_H
#define FSWEEP_ENGINE_VEXP_H

#include <stdint.h>
#include <string.h>

#define VEXP_MIN -87.0f
#define VEXP_LOG2E 1.44269504088896341f
#define VEXP_LN2_HI 0.693359375f    /* ln 2 in 10 bits */
#define VEXP_LN2_LO -2.12194440e-4f /* ln 2 - VEXP_LN2_HI */
#define VEXP_ROUND 12582912.0f      /* 1.5 * 2^23: (v + it) - it rounds v to an integer */

/* 1 / k!, k = 0..7 */
#define VEXP_C0 1.0f
#define VEXP_C1 1.0f
#define VEXP_C2 (1.0f / 2)
#define VEXP_C3 (1.0f / 6)
#define VEXP_C4 (1.0f / 24)
#define VEXP_C5 (1.0f / 120)
#define VEXP_C6 (1.0f / 720)
#define VEXP_C7 (1.0f / 5040)

static inline float vexp_neg(float hi, float lo)
{
    float x = hi > VEXP_MIN ? hi : VEXP_MIN; /* NaN -> VEXP_MIN, as _mm256_max_ps(hi, min) */
    float n = (x * VEXP_LOG2E + VEXP_ROUND) - VEXP_ROUND;
    float r = ((x - n * VEXP_LN2_HI) + lo) - n * VEXP_LN2_LO;
    float q = ((((((VEXP_C7 * r + VEXP_C6) * r + VEXP_C5) * r + VEXP_C4) * r + VEXP_C3) * r + VEXP_C2) * r +
               VEXP_C1) * r + VEXP_C0;
    uint32_t sb = (uint32_t)((int32_t)n + 127) << 23;
    float s;
    memcpy(&s, &sb, sizeof s);
    float e = q * s;
    if (hi < VEXP_MIN) e = 0.0f;
    return hi != hi ? hi : e;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* vexp_neg on 8 lanes, step for step */
__attribute__((target("avx2"))) static inline __m256 vexp_neg_avx2(__m256 hi, __m256 lo)
{
    const __m256 mn = _mm256_set1_ps(VEXP_MIN), rnd = _mm256_set1_ps(VEXP_ROUND);
    __m256 x = _mm256_max_ps(hi, mn);
    __m256 n = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(VEXP_LOG2E)), rnd), rnd);
    __m256 r = _mm256_add_ps(_mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(VEXP_LN2_HI))), lo);
    r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(VEXP_LN2_LO)));
#define VEXP_STEP(q, c) _mm256_add_ps(_mm256_mul_ps((q), r), _mm256_set1_ps(c))
    __m256 q = VEXP_STEP(_mm256_set1_ps(VEXP_C7), VEXP_C6);
    q = VEXP_STEP(q, VEXP_C5);
    q = VEXP_STEP(q, VEXP_C4);
    q = VEXP_STEP(q, VEXP_C3);
    q = VEXP_STEP(q, VEXP_C2);
    q = VEXP_STEP(q, VEXP_C1);
    q = VEXP_STEP(q, VEXP_C0);
#undef VEXP_STEP
    __m256i sb = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 e = _mm256_mul_ps(q, _mm256_castsi256_ps(sb));
    e = _mm256_andnot_ps(_mm256_cmp_ps(hi, mn, _CMP_LT_OQ), e);
    return _mm256_blendv_ps(e, hi, _mm256_cmp_ps(hi, hi, _CMP_UNORD_Q));
}
#endif

#endif
