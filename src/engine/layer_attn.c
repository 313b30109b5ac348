/* layer_attn.c: the Vision Transformer's layers (torchvision's VisionTransformer): patch
 * tokens with the class token and learned positions, multi-head self-attention
 * (nn.MultiheadAttention) and the class-token select before the head. Token tensors are
 * (T, D, 1). Conventions as in layers.h. */
#include "layers.h"
#include "gemm.h"
#include "simd.h"
#include "vexp.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- ViT tokens */
/* in: patch-embedding conv output (D, Hp, Wp); out: (1 + Hp*Wp, D, 1) tokens with the class
 * token first and learned positions added. w[0] = class_token (D), w[1] = pos (1+P, D). */
static FsStatus tokens_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(b);
    *c = 1 + in->h * in->w;
    *h = in->c;
    *w = 1;
    l->dim = in->c;
    return FS_OK;
}
static void tokens_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const Tensor *in = LAYER_IN0(l, t);
    const int D = in->c, P = in->h * in->w;
    for (int i = 0; i < c->n; i++) {
        float *y = LAYER_OUT(l, t)->v + (size_t)i * (P + 1) * D;
        const float *x = in->v + (size_t)i * P * D;
        for (int d = 0; d < D; d++) y[d] = l->w[0][d] + l->w[1][d];
        for (int p = 0; p < P; p++)
            for (int d = 0; d < D; d++)
                y[(size_t)(1 + p) * D + d] = x[(size_t)d * P + p] + l->w[1][(size_t)(1 + p) * D + d];
    }
}
static void tokens_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    Tensor *in = LAYER_IN0(l, t);
    const int D = in->c, P = in->h * in->w;
    for (int i = 0; i < c->n; i++) {
        const float *dy = LAYER_OUT(l, t)->g + (size_t)i * (P + 1) * D;
        float *dx = in->g + (size_t)i * P * D;
        for (int p = 0; p < P; p++)
            for (int d = 0; d < D; d++) dx[(size_t)d * P + p] += dy[(size_t)(1 + p) * D + d];
        if (c->param_grad) {
            for (int d = 0; d < D; d++) l->dw[0][d] += dy[d];
            for (size_t q = 0; q < (size_t)(P + 1) * D; q++) l->dw[1][q] += dy[q];
        }
    }
}

/* ---------------------------------------------------------------- softmax rows */
/* p (T) = softmax(p) and its backward g (T) = p * (g - sum(p * g)) * scale, each in a scalar
 * form and an AVX2 twin with the same bits for finite inputs (simd.h). The exp is vexp.h's; the
 * sums are in double, in 8 partial sums (simd_lanes8_total), then the last T % 8 columns in
 * order. The max is exact in any order. */
static void softmax_row(float *p, int T)
{
    const int T8 = T / 8 * 8;
    float mx = p[0];
    for (int j = 1; j < T; j++) mx = p[j] > mx ? p[j] : mx;
    double l[8] = {0};
    for (int j = 0; j < T; j++) p[j] = vexp_neg(p[j] - mx, 0.0f);
    for (int j = 0; j < T8; j++) l[j % 8] += (double)p[j];
    double s = simd_lanes8_total(l);
    for (int j = T8; j < T; j++) s += (double)p[j];
    const float inv = (float)(1.0 / s);
    for (int j = 0; j < T; j++) p[j] *= inv;
}
static void softmax_row_bwd(const float *p, float *g, int T, float scale)
{
    const int T8 = T / 8 * 8;
    double l[8] = {0};
    for (int j = 0; j < T8; j++) l[j % 8] += (double)p[j] * (double)g[j];
    double s = simd_lanes8_total(l);
    for (int j = T8; j < T; j++) s += (double)p[j] * (double)g[j];
    for (int j = 0; j < T; j++) g[j] = p[j] * (g[j] - (float)s) * scale;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static void softmax_row_avx2(float *p, int T)
{
    const int T8 = T / 8 * 8;
    float mx = p[0];
    if (T8) {
        __m256 m = _mm256_loadu_ps(p);
        for (int j = 8; j < T8; j += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(p + j));
        float mm[8];
        _mm256_storeu_ps(mm, m);
        for (int i = 0; i < 8; i++) mx = mm[i] > mx ? mm[i] : mx;
    }
    for (int j = T8; j < T; j++) mx = p[j] > mx ? p[j] : mx;
    const __m256 mv = _mm256_set1_ps(mx), zero = _mm256_setzero_ps();
    __m256d lo = _mm256_setzero_pd(), hi = lo;
    for (int j = 0; j < T8; j += 8) {
        __m256 e = vexp_neg_avx2(_mm256_sub_ps(_mm256_loadu_ps(p + j), mv), zero);
        _mm256_storeu_ps(p + j, e);
        simd_acc8_avx2(&lo, &hi, e);
    }
    double s = simd_lanes8_total_avx2(lo, hi);
    for (int j = T8; j < T; j++) {
        p[j] = vexp_neg(p[j] - mx, 0.0f);
        s += (double)p[j];
    }
    const float inv = (float)(1.0 / s);
    const __m256 iv = _mm256_set1_ps(inv);
    for (int j = 0; j < T8; j += 8) _mm256_storeu_ps(p + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), iv));
    for (int j = T8; j < T; j++) p[j] *= inv;
}
__attribute__((target("avx2"))) static void softmax_row_bwd_avx2(const float *p, float *g, int T, float scale)
{
    const int T8 = T / 8 * 8;
    __m256d lo = _mm256_setzero_pd(), hi = lo;
    for (int j = 0; j < T8; j += 8) simd_dot8_avx2(&lo, &hi, _mm256_loadu_ps(p + j), _mm256_loadu_ps(g + j));
    double s = simd_lanes8_total_avx2(lo, hi);
    for (int j = T8; j < T; j++) s += (double)p[j] * (double)g[j];
    const float sf = (float)s;
    const __m256 sv = _mm256_set1_ps(sf), cv = _mm256_set1_ps(scale);
    for (int j = 0; j < T8; j += 8)
        _mm256_storeu_ps(g + j, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(p + j),
                                                            _mm256_sub_ps(_mm256_loadu_ps(g + j), sv)), cv));
    for (int j = T8; j < T; j++) g[j] = p[j] * (g[j] - sf) * scale;
}
#endif

/* ---------------------------------------------------------------- multi-head self-attention */
/* Input and output (T, D, 1). w[0] in_proj_weight (3D, D), w[1] in_proj_bias (3D),
 * w[2] out_proj.weight (D, D), w[3] out_proj.bias (D); PyTorch's nn.MultiheadAttention.
 * cache: qkv (n, T, 3D), probabilities P (n, H, T, T), context O (n, T, D). */
static FsStatus mhsa_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    if (in->w != 1 || in->h != l->dim)
        return fs_errorf(FS_ERR_CONFIG, "attention: input (%d,%d,%d) is not (T, %d, 1) tokens",
                         in->c, in->h, in->w, l->dim);
    if (l->heads < 1 || l->dim % l->heads)
        return fs_errorf(FS_ERR_CONFIG, "attention: width %d not divisible by %d heads", l->dim,
                         l->heads);
    return layer_same_shape(l, in, b, c, h, w);
}
static size_t mhsa_cache(const Layer *l, const Tensor *t, int n)
{
    size_t T = (size_t)LAYER_IN0(l, t)->c, D = (size_t)l->dim;
    return sizeof(float) * (size_t)n * (T * 3 * D + (size_t)l->heads * T * T + T * D);
}
static size_t mhsa_ws(const Layer *l, const Tensor *t, int n)
{
    size_t T = (size_t)LAYER_IN0(l, t)->c, D = (size_t)l->dim;
    return (size_t)n * T * D + (size_t)n * T * 3 * D + T * T + GEMM_WS_FLOATS;
}
static void mhsa_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const int T = LAYER_IN0(l, t)->c, D = l->dim, H = l->heads, dh = D / H, n = c->n;
    float *qkv = l->cache, *P = qkv + (size_t)n * T * 3 * D,
          *O = P + (size_t)n * H * T * T;
    const float scale = 1.0f / sqrtf((float)dh);
    gemm_f32(0, 1, n * T, 3 * D, D, 1.0f, LAYER_IN0(l, t)->v, D, l->w[0], D, 0.0f, qkv, 3 * D, LAYER_GWS(c));
    simd_rows_add(qkv, l->w[1], (size_t)n * T, (size_t)3 * D);
#if defined(__x86_64__) && defined(__GNUC__)
    const int avx2 = simd_avx2();
#endif
    for (int i = 0; i < n; i++)
        for (int hh = 0; hh < H; hh++) {
            const float *q = qkv + (size_t)i * T * 3 * D + hh * dh, *k = q + D, *v = q + 2 * D;
            float *p = P + ((size_t)i * H + hh) * T * T;
            gemm_f32(0, 1, T, T, dh, scale, q, 3 * D, k, 3 * D, 0.0f, p, T, LAYER_GWS(c));
            for (int r = 0; r < T; r++) {
#if defined(__x86_64__) && defined(__GNUC__)
                if (avx2) {
                    softmax_row_avx2(p + (size_t)r * T, T);
                    continue;
                }
#endif
                softmax_row(p + (size_t)r * T, T);
            }
            gemm_f32(0, 0, T, dh, T, 1.0f, p, T, v, 3 * D, 0.0f, O + (size_t)i * T * D + hh * dh, D, LAYER_GWS(c));
        }
    float *y = LAYER_OUT(l, t)->v;
    gemm_f32(0, 1, n * T, D, D, 1.0f, O, D, l->w[2], D, 0.0f, y, D, LAYER_GWS(c));
    simd_rows_add(y, l->w[3], (size_t)n * T, (size_t)D);
}
static void mhsa_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const int T = LAYER_IN0(l, t)->c, D = l->dim, H = l->heads, dh = D / H, n = c->n;
    const float *qkv = l->cache, *P = qkv + (size_t)n * T * 3 * D,
                *O = P + (size_t)n * H * T * T;
    const float scale = 1.0f / sqrtf((float)dh);
    const float *dy = LAYER_OUT(l, t)->g;
    float *dO = c->ws, *dqkv = dO + (size_t)n * T * D, *dP = dqkv + (size_t)n * T * 3 * D;
    /* out projection */
    gemm_f32(0, 0, n * T, D, D, 1.0f, dy, D, l->w[2], D, 0.0f, dO, D, LAYER_GWS(c));
    if (c->param_grad) {
        gemm_f32(1, 0, D, D, n * T, 1.0f, dy, D, O, D, 1.0f, l->dw[2], D, LAYER_GWS(c));
        simd_rows_sum(l->dw[3], dy, (size_t)n * T, (size_t)D);
    }
#if defined(__x86_64__) && defined(__GNUC__)
    const int avx2 = simd_avx2();
#endif
    for (int i = 0; i < n; i++)
        for (int hh = 0; hh < H; hh++) {
            const size_t off = (size_t)i * T * 3 * D + (size_t)hh * dh;
            const float *q = qkv + off, *k = q + D, *v = q + 2 * D;
            float *dq = dqkv + off, *dk = dq + D, *dv = dq + 2 * D;
            const float *p = P + ((size_t)i * H + hh) * T * T;
            const float *dOh = dO + (size_t)i * T * D + hh * dh;
            /* dP = dO_h V^T (T, T); dV = P^T dO_h */
            gemm_f32(0, 1, T, T, dh, 1.0f, dOh, D, v, 3 * D, 0.0f, dP, T, LAYER_GWS(c));
            gemm_f32(1, 0, T, dh, T, 1.0f, p, T, dOh, D, 0.0f, dv, 3 * D, LAYER_GWS(c));
            /* softmax backward, then the 1/sqrt(dh) scale */
            for (int r = 0; r < T; r++) {
#if defined(__x86_64__) && defined(__GNUC__)
                if (avx2) {
                    softmax_row_bwd_avx2(p + (size_t)r * T, dP + (size_t)r * T, T, scale);
                    continue;
                }
#endif
                softmax_row_bwd(p + (size_t)r * T, dP + (size_t)r * T, T, scale);
            }
            /* dQ = dS K; dK = dS^T Q */
            gemm_f32(0, 0, T, dh, T, 1.0f, dP, T, k, 3 * D, 0.0f, dq, 3 * D, LAYER_GWS(c));
            gemm_f32(1, 0, T, dh, T, 1.0f, dP, T, q, 3 * D, 0.0f, dk, 3 * D, LAYER_GWS(c));
        }
    /* in projection */
    if (LAYER_IN0(l, t)->g)
        gemm_f32(0, 0, n * T, D, 3 * D, 1.0f, dqkv, 3 * D, l->w[0], D, 1.0f, LAYER_IN0(l, t)->g, D, LAYER_GWS(c));
    if (c->param_grad) {
        gemm_f32(1, 0, 3 * D, D, n * T, 1.0f, dqkv, 3 * D, LAYER_IN0(l, t)->v, D, 1.0f, l->dw[0], D, LAYER_GWS(c));
        simd_rows_sum(l->dw[1], dqkv, (size_t)n * T, (size_t)3 * D);
    }
}

/* ---------------------------------------------------------------- class-token select */
static FsStatus cls_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(l);
    FS_UNUSED(b);
    if (in->w != 1)
        return fs_errorf(FS_ERR_CONFIG, "class token: input (%d,%d,%d) is not tokens", in->c, in->h,
                         in->w);
    *c = in->h;
    *h = 1;
    *w = 1;
    return FS_OK;
}
static void cls_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const size_t D = (size_t)LAYER_IN0(l, t)->h, s = tensor_size(LAYER_IN0(l, t));
    for (int i = 0; i < c->n; i++)
        memcpy(LAYER_OUT(l, t)->v + (size_t)i * D, LAYER_IN0(l, t)->v + (size_t)i * s, sizeof(float) * D);
}
static void cls_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const size_t D = (size_t)LAYER_IN0(l, t)->h, s = tensor_size(LAYER_IN0(l, t));
    for (int i = 0; i < c->n; i++)
        for (size_t d = 0; d < D; d++) LAYER_IN0(l, t)->g[(size_t)i * s + d] += LAYER_OUT(l, t)->g[(size_t)i * D + d];
}

const LayerOps layer_ops_tokens = {LAYER_TOKENS, "vit_tokens", tokens_shape, layer_no_bytes,
                                   layer_no_bytes, tokens_fwd, tokens_bwd};
const LayerOps layer_ops_mhsa = {LAYER_MHSA, "attention", mhsa_shape, mhsa_cache, mhsa_ws, mhsa_fwd,
                                 mhsa_bwd};
const LayerOps layer_ops_cls = {LAYER_CLS, "class_token", cls_shape, layer_no_bytes, layer_no_bytes,
                                cls_fwd, cls_bwd};
