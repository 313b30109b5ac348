/* layer_attn.c: the Vision Transformer's layers (torchvision's VisionTransformer): patch
 * tokens with the class token and learned positions, multi-head self-attention
 * (nn.MultiheadAttention) and the class-token select before the head. Token tensors are
 * (T, D, 1). Conventions as in layers.h. */
#include "layers.h"
#include "gemm.h"

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
    for (size_t r = 0; r < (size_t)n * T; r++)
        for (int j = 0; j < 3 * D; j++) qkv[r * 3 * D + j] += l->w[1][j];
    for (int i = 0; i < n; i++)
        for (int hh = 0; hh < H; hh++) {
            const float *q = qkv + (size_t)i * T * 3 * D + hh * dh, *k = q + D, *v = q + 2 * D;
            float *p = P + ((size_t)i * H + hh) * T * T;
            gemm_f32(0, 1, T, T, dh, scale, q, 3 * D, k, 3 * D, 0.0f, p, T, LAYER_GWS(c));
            for (int r = 0; r < T; r++) {
                float *pr = p + (size_t)r * T, mx = pr[0];
                for (int j = 1; j < T; j++) mx = pr[j] > mx ? pr[j] : mx;
                double s = 0;
                for (int j = 0; j < T; j++) {
                    pr[j] = expf(pr[j] - mx);
                    s += (double)pr[j];
                }
                float inv = (float)(1.0 / s);
                for (int j = 0; j < T; j++) pr[j] *= inv;
            }
            gemm_f32(0, 0, T, dh, T, 1.0f, p, T, v, 3 * D, 0.0f, O + (size_t)i * T * D + hh * dh, D, LAYER_GWS(c));
        }
    float *y = LAYER_OUT(l, t)->v;
    gemm_f32(0, 1, n * T, D, D, 1.0f, O, D, l->w[2], D, 0.0f, y, D, LAYER_GWS(c));
    for (size_t r = 0; r < (size_t)n * T; r++)
        for (int j = 0; j < D; j++) y[r * D + j] += l->w[3][j];
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
        for (size_t r = 0; r < (size_t)n * T; r++)
            for (int j = 0; j < D; j++) l->dw[3][j] += dy[r * D + j];
    }
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
                const float *pr = p + (size_t)r * T;
                float *gr = dP + (size_t)r * T;
                double s = 0;
                for (int j = 0; j < T; j++) s += (double)pr[j] * (double)gr[j];
                for (int j = 0; j < T; j++) gr[j] = pr[j] * (gr[j] - (float)s) * scale;
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
        for (size_t r = 0; r < (size_t)n * T; r++)
            for (int j = 0; j < 3 * D; j++) l->dw[1][j] += dqkv[r * 3 * D + j];
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
