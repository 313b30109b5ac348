/* gelu.c: GELU(x) = x Phi(x), the erf form of torch.nn.GELU(), and its derivative
 * Phi(x) + x phi(x), in float, with an AVX2 twin that gives the same bits (simd.h).
 *
 * How (one exp and one division per element, no libm):
 *   a = min(|x|, GELU_CLAMP), z = a / sqrt(2), e = exp(-a^2 / 2) = exp(-z^2),
 *   h = Phi(-a) = erfc(z) / 2 = e R(t) / 2, with t = 1 / (1 + GELU_P z),
 *   Phi(x) = 1 - h for x >= 0, h for x < 0;  phi(x) = e / sqrt(2 pi).
 * R(t) is a degree-9 polynomial fitted to erfc(z) exp(z^2) on z in [0, 9.5] for the least
 * largest relative error (Lawson's iteration, 7e-9 in double; tests/engine/gelu_fit.py makes the
 * coefficients). a^2 / 2 is passed to the exp as an exact high part (a with 12 significant bits,
 * squared) and a small low part, so that its rounding is not magnified by the exponent for
 * large |x|; the exp is vexp.h's.
 * Accuracy against the double reference (gelu_ref, tests/engine/test_layers.c gelu_accuracy):
 * at most 7 ulp of GELU(x) over [-14, 14] (mean 0.7 ulp on |x| < 3) and 2.2e-7 absolute on the
 * derivative; beyond |x| = GELU_CLAMP, Phi is taken as exactly 0 or 1. For comparison, the
 * common 5-term Abramowitz-Stegun erf (abs. error 1.5e-7 in erf) is 49 ulp off at |x| < 2.
 *
 * Every step is a separate IEEE multiply, add, divide or bit operation (no FMA, no libm), done
 * in the same order by gelu_phi (scalar) and gelu_phi_avx2, so both give the same bits on every
 * x86 CPU; the layer passes (layer_act.c) take the AVX2 twin where simd_avx2(). */
#include "layers.h"
#include "simd.h"
#include "vexp.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define GELU_CLAMP 12.5f /* Phi(-12.5) = 4e-36: beyond it Phi is 0 or 1 (e = 0) */
#define GELU_P 0.47f
#define GELU_SQRT1_2 0.70710678118654752f
#define GELU_INV_SQRT_2PI 0.39894228040143268f
#define GELU_HI_MASK 0xFFFFF000u /* keeps 12 significant bits: their square is exact */

/* R(t) = sum_k GELU_R[k] t^k ~ erfc(z) exp(z^2), t = 1 / (1 + GELU_P z) */
static const float GELU_R[10] = {1.2907554264529608e-05f, 0.26482340693473816f,  0.2691962420940399f,
                                 0.20906102657318115f,    0.2900238335132599f,   -0.21108323335647583f,
                                 0.5781030654907227f,     -0.65296471118927f,    0.30758482217788696f,
                                 -0.054757360368967056f};

static float bits_and(float a, uint32_t mask)
{
    uint32_t u;
    memcpy(&u, &a, sizeof u);
    u &= mask;
    memcpy(&a, &u, sizeof a);
    return a;
}

/* Phi(x); *e_out = exp(-x^2 / 2) (0 beyond the clamp) */
static float gelu_phi(float x, float *e_out)
{
    float ax = fabsf(x);
    float a = ax < GELU_CLAMP ? ax : GELU_CLAMP; /* NaN -> the clamp, as _mm256_min_ps */
    float ah = bits_and(a, GELU_HI_MASK), al = a - ah;
    float wh = (ah * ah) * 0.5f, wl = (al * (ah + ah) + al * al) * 0.5f; /* a^2/2 = wh + wl */
    float e = vexp_neg(-wh, -wl);
    if (ax > GELU_CLAMP) e = 0.0f;
    /* h = erfc(z) / 2 */
    float t = 1.0f / (1.0f + GELU_P * (a * GELU_SQRT1_2));
    float p = GELU_R[9];
    for (int k = 8; k >= 0; k--) p = p * t + GELU_R[k];
    float h = 0.5f * (e * p);
    *e_out = e;
    return x >= 0.0f ? 1.0f - h : h;
}

float gelu_f(float x)
{
    float e;
    return x * gelu_phi(x, &e);
}
float gelu_grad_f(float x)
{
    float e, phi = gelu_phi(x, &e);
    return phi + x * (e * GELU_INV_SQRT_2PI);
}

double gelu_ref(double x) { return 0.5 * x * erfc(-x * 0.70710678118654752); }
double gelu_grad_ref(double x)
{
    return 0.5 * erfc(-x * 0.70710678118654752) + x * exp(-0.5 * x * x) * 0.39894228040143268;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* gelu_phi on 8 lanes, step for step */
__attribute__((target("avx2"))) static inline __m256 gelu_phi_avx2(__m256 x, __m256 *e_out)
{
    const __m256 sign = _mm256_set1_ps(-0.0f), clamp = _mm256_set1_ps(GELU_CLAMP);
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    __m256 ax = _mm256_andnot_ps(sign, x);
    __m256 a = _mm256_min_ps(ax, clamp); /* NaN -> clamp (the second operand) */
    __m256 ah = _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32((int)GELU_HI_MASK)));
    __m256 al = _mm256_sub_ps(a, ah);
    __m256 wh = _mm256_mul_ps(_mm256_mul_ps(ah, ah), half);
    __m256 wl = _mm256_mul_ps(_mm256_add_ps(_mm256_mul_ps(al, _mm256_add_ps(ah, ah)), _mm256_mul_ps(al, al)), half);
    __m256 e = vexp_neg_avx2(_mm256_xor_ps(wh, sign), _mm256_xor_ps(wl, sign));
    e = _mm256_andnot_ps(_mm256_cmp_ps(ax, clamp, _CMP_GT_OQ), e);
    __m256 t = _mm256_div_ps(one, _mm256_add_ps(one, _mm256_mul_ps(_mm256_set1_ps(GELU_P),
                                                                   _mm256_mul_ps(a, _mm256_set1_ps(GELU_SQRT1_2)))));
    __m256 p = _mm256_set1_ps(GELU_R[9]);
    for (int k = 8; k >= 0; k--) p = _mm256_add_ps(_mm256_mul_ps(p, t), _mm256_set1_ps(GELU_R[k]));
    __m256 h = _mm256_mul_ps(half, _mm256_mul_ps(e, p));
    *e_out = e;
    return _mm256_blendv_ps(h, _mm256_sub_ps(one, h), _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
}

/* y = GELU(x) on the first len / 8 * 8 elements; returns how many it did */
__attribute__((target("avx2"))) size_t gelu_fwd_avx2(const float *x, float *y, size_t len)
{
    size_t q = 0;
    for (; q + 8 <= len; q += 8) {
        __m256 xv = _mm256_loadu_ps(x + q), e;
        _mm256_storeu_ps(y + q, _mm256_mul_ps(xv, gelu_phi_avx2(xv, &e)));
    }
    return q;
}
/* dx += dy * GELU'(x) on the first len / 8 * 8 elements; returns how many it did */
__attribute__((target("avx2"))) size_t gelu_bwd_avx2(const float *x, const float *dy, float *dx, size_t len)
{
    size_t q = 0;
    for (; q + 8 <= len; q += 8) {
        __m256 xv = _mm256_loadu_ps(x + q), e;
        __m256 phi = gelu_phi_avx2(xv, &e);
        __m256 g = _mm256_add_ps(phi, _mm256_mul_ps(xv, _mm256_mul_ps(e, _mm256_set1_ps(GELU_INV_SQRT_2PI))));
        _mm256_storeu_ps(dx + q, _mm256_add_ps(_mm256_loadu_ps(dx + q), _mm256_mul_ps(_mm256_loadu_ps(dy + q), g)));
    }
    return q;
}
#endif
