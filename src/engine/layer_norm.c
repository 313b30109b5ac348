/* layer_norm.c: normalisation layers. Batch norm (PyTorch's BatchNorm2d: batch statistics and
 * running ones in training, running ones at inference, optional fused ReLU) runs one channel per
 * pool item; layer norm normalises each row of length dim (ViT tokens). Conventions as in
 * layers.h. */
#include "layers.h"
#include "simd.h"
#include "pool.h"

#include <math.h>

/* ---------------------------------------------------------------- vector helpers (BN)
 * Sums accumulate in double (8 lanes under AVX-512, checked at run time). */
#ifdef LAYERS_X86
#include <immintrin.h>
__attribute__((target("avx512f"))) static double sum_avx512(const float *x, size_t n, double mu,
                                                             int sq)
{
    __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
    const __m512d m = _mm512_set1_pd(mu);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512d lo = _mm512_cvtps_pd(_mm256_loadu_ps(x + i)), hi = _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8));
        if (sq) {
            lo = _mm512_sub_pd(lo, m);
            hi = _mm512_sub_pd(hi, m);
            a0 = _mm512_fmadd_pd(lo, lo, a0);
            a1 = _mm512_fmadd_pd(hi, hi, a1);
        } else {
            a0 = _mm512_add_pd(a0, lo);
            a1 = _mm512_add_pd(a1, hi);
        }
    }
    double s = _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
    for (; i < n; i++) s += sq ? ((double)x[i] - mu) * ((double)x[i] - mu) : (double)x[i];
    return s;
}
/* y = x * sc + sh (then max(0, .) when relu) */
__attribute__((target("avx512f"))) static void affine_avx512(const float *x, float *y, size_t n,
                                                              float sc, float sh, int relu)
{
    const __m512 a = _mm512_set1_ps(sc), b = _mm512_set1_ps(sh), z = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), a, b);
        _mm512_storeu_ps(y + i, relu ? _mm512_max_ps(v, z) : v);
    }
    for (; i < n; i++) {
        float v = x[i] * sc + sh;
        y[i] = relu ? (v > 0 ? v : 0) : v;
    }
}
/* AVX2 twins of vaffine's and vlin3's scalar loops (simd.h: the same operations, so bitwise the
 * same; no FMA), on the first n / 8 * 8 elements; each returns how many it did. */
__attribute__((target("avx2"))) static size_t affine_avx2(const float *x, float *y, size_t n, float sc,
                                                           float sh, int relu)
{
    const __m256 a = _mm256_set1_ps(sc), b = _mm256_set1_ps(sh), z = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), a), b);
        _mm256_storeu_ps(y + i, relu ? _mm256_max_ps(v, z) : v); /* NaN, -0 -> +0 */
    }
    return i;
}
__attribute__((target("avx2"))) static size_t lin3_avx2(float *dx, const float *dy, const float *x,
                                                         size_t n, float c1, float c2, float mu, float c0)
{
    const __m256 a = _mm256_set1_ps(c1), b = _mm256_set1_ps(c2), c = _mm256_set1_ps(c0),
                 m = _mm256_set1_ps(mu);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_add_ps(_mm256_mul_ps(a, _mm256_loadu_ps(dy + i)),
                                 _mm256_mul_ps(b, _mm256_sub_ps(_mm256_loadu_ps(x + i), m)));
        _mm256_storeu_ps(dx + i, _mm256_add_ps(_mm256_loadu_ps(dx + i), _mm256_add_ps(v, c)));
    }
    return i;
}
/* *sdy += sum dy, *sdyx += sum dy (x - mu), in double */
__attribute__((target("avx512f"))) static void dots_avx512(const float *x, const float *dy, size_t n,
                                                            double mu, double *sdy, double *sdyx)
{
    __m512d a = _mm512_setzero_pd(), b = _mm512_setzero_pd();
    const __m512d m = _mm512_set1_pd(mu);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d g = _mm512_cvtps_pd(_mm256_loadu_ps(dy + i));
        __m512d v = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), m);
        a = _mm512_add_pd(a, g);
        b = _mm512_fmadd_pd(g, v, b);
    }
    double s1 = _mm512_reduce_add_pd(a), s2 = _mm512_reduce_add_pd(b);
    for (; i < n; i++) {
        s1 += (double)dy[i];
        s2 += (double)dy[i] * ((double)x[i] - mu);
    }
    *sdy += s1;
    *sdyx += s2;
}
/* dx += c1 dy + c2 (x - mu) + c0 */
__attribute__((target("avx512f"))) static void lin3_avx512(float *dx, const float *dy,
                                                            const float *x, size_t n, float c1,
                                                            float c2, float mu, float c0)
{
    const __m512 a = _mm512_set1_ps(c1), b = _mm512_set1_ps(c2), c = _mm512_set1_ps(c0),
                 m = _mm512_set1_ps(mu);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_fmadd_ps(_mm512_loadu_ps(dy + i), a, c);
        v = _mm512_fmadd_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), m), b, v);
        _mm512_storeu_ps(dx + i, _mm512_add_ps(_mm512_loadu_ps(dx + i), v));
    }
    for (; i < n; i++) dx[i] += c1 * dy[i] + c2 * (x[i] - mu) + c0;
}
#endif

static void vdots(const float *x, const float *dy, size_t n, double mu, double *sdy, double *sdyx)
{
#ifdef LAYERS_X86
    if (layer_have_avx512()) {
        dots_avx512(x, dy, n, mu, sdy, sdyx);
        return;
    }
#endif
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        s1 += (double)dy[i];
        s2 += (double)dy[i] * ((double)x[i] - mu);
    }
    *sdy += s1;
    *sdyx += s2;
}

static void vlin3(float *dx, const float *dy, const float *x, size_t n, float c1, float c2,
                  float mu, float c0)
{
#ifdef LAYERS_X86
    if (layer_have_avx512()) {
        lin3_avx512(dx, dy, x, n, c1, c2, mu, c0);
        return;
    }
    size_t i0 = simd_avx2() ? lin3_avx2(dx, dy, x, n, c1, c2, mu, c0) : 0;
#else
    size_t i0 = 0;
#endif
    for (size_t i = i0; i < n; i++) dx[i] += c1 * dy[i] + c2 * (x[i] - mu) + c0;
}

/* sum x (sq = 0) or sum (x - mu)^2 (sq = 1), in double */
static double vsum(const float *x, size_t n, double mu, int sq)
{
#ifdef LAYERS_X86
    if (layer_have_avx512()) return sum_avx512(x, n, mu, sq);
#endif
    double s = 0;
    for (size_t i = 0; i < n; i++) s += sq ? ((double)x[i] - mu) * ((double)x[i] - mu) : (double)x[i];
    return s;
}

static void vaffine(const float *x, float *y, size_t n, float sc, float sh, int relu)
{
#ifdef LAYERS_X86
    if (layer_have_avx512()) {
        affine_avx512(x, y, n, sc, sh, relu);
        return;
    }
    size_t i0 = simd_avx2() ? affine_avx2(x, y, n, sc, sh, relu) : 0;
#else
    size_t i0 = 0;
#endif
    for (size_t i = i0; i < n; i++) {
        float v = x[i] * sc + sh;
        y[i] = relu ? (v > 0 ? v : 0) : v;
    }
}

/* ---------------------------------------------------------------- batch norm */
/* cache: mean (C), invstd (C) of the last training batch */
static size_t bn_cache(const Layer *l, const Tensor *t, int n)
{
    FS_UNUSED(n);
    return 2 * sizeof(float) * (size_t)LAYER_IN0(l, t)->c;
}
/* Batch norm runs one channel per pool item (its sums, running statistics and outputs depend on
 * that channel only, so results do not depend on the thread count). */
typedef struct {
    Layer *l;
    Tensor *t;
    const LayerCtx *c;
} BnJob;

static void bn_fwd_item(void *ctx, int ch, int tid)
{
    FS_UNUSED(tid);
    const BnJob *j = ctx;
    Layer *l = j->l;
    const LayerCtx *c = j->c;
    const Tensor *in = LAYER_IN0(l, j->t);
    Tensor *out = LAYER_OUT(l, j->t);
    const int C = in->c, n = c->n;
    const size_t hw = (size_t)in->h * in->w, cs = (size_t)C * hw;
    const double cnt = (double)n * (double)hw;
    float *mean = l->cache, *invstd = mean + C;
    const float *gamma = l->w[0], *beta = l->w[1];
    double mu, var;
    if (c->train) {
        double s = 0;
        for (int i = 0; i < n; i++) s += vsum(in->v + i * cs + ch * hw, hw, 0, 0);
        mu = s / cnt;
        double ss = 0;
        for (int i = 0; i < n; i++) ss += vsum(in->v + i * cs + ch * hw, hw, mu, 1);
        var = ss / cnt;
        double m = (double)l->momentum;
        l->buf[0][ch] = (float)((1 - m) * (double)l->buf[0][ch] + m * mu);
        double unb = cnt > 1 ? var * cnt / (cnt - 1) : var;
        l->buf[1][ch] = (float)((1 - m) * (double)l->buf[1][ch] + m * unb);
    } else {
        mu = (double)l->buf[0][ch];
        var = (double)l->buf[1][ch];
    }
    float is = (float)(1.0 / sqrt(var + (double)l->eps));
    mean[ch] = (float)mu;
    invstd[ch] = is;
    float sc = gamma[ch] * is, sh = beta[ch] - (float)mu * sc;
    for (int i = 0; i < n; i++)
        vaffine(in->v + i * cs + ch * hw, out->v + i * cs + ch * hw, hw, sc, sh, l->relu);
}
static void bn_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    BnJob j = {l, t, c};
    pool_for(LAYER_IN0(l, t)->c, 0, bn_fwd_item, &j);
    if (c->train) (*l->nbt)++;
}

static void bn_bwd_item(void *ctx, int ch, int tid)
{
    FS_UNUSED(tid);
    const BnJob *j = ctx;
    Layer *l = j->l;
    const LayerCtx *c = j->c;
    const Tensor *in = LAYER_IN0(l, j->t);
    Tensor *out = LAYER_OUT(l, j->t);
    const int C = in->c, n = c->n;
    const size_t hw = (size_t)in->h * in->w, cs = (size_t)C * hw;
    const double cnt = (double)n * (double)hw;
    const float *mean = l->cache, *invstd = mean + C;
    const float *gamma = l->w[0];
    if (l->relu)
        for (int i = 0; i < n; i++) layer_relu_mask(out->v + i * cs + ch * hw, out->g + i * cs + ch * hw, hw);
    double sdy = 0, sdyx = 0;
    const float mu = mean[ch], is = invstd[ch];
    /* eval mode without parameter gradients needs neither sum (and must not read the
     * input, which a BN-folded forward pass leaves unset) */
    if (c->train || c->param_grad) {
        for (int i = 0; i < n; i++)
            vdots(in->v + i * cs + ch * hw, out->g + i * cs + ch * hw, hw, (double)mu, &sdy, &sdyx);
        sdyx *= (double)is; /* sum dy * xhat */
    }
    if (c->param_grad) {
        l->dw[0][ch] += (float)sdyx;
        l->dw[1][ch] += (float)sdy;
    }
    if (!in->g) return;
    if (c->train) {
        /* dx += k (dy - a - xhat b), xhat = (x - mu) is */
        float k = gamma[ch] * is;
        float a = (float)(sdy / cnt), b = (float)(sdyx / cnt);
        for (int i = 0; i < n; i++)
            vlin3(in->g + i * cs + ch * hw, out->g + i * cs + ch * hw, in->v + i * cs + ch * hw, hw, k,
                  -k * is * b, mu, -k * a);
    } else {
        float k = gamma[ch] * is;
        for (int i = 0; i < n; i++) {
            const float *dy = out->g + i * cs + ch * hw;
            float *dx = in->g + i * cs + ch * hw;
            for (size_t q = 0; q < hw; q++) dx[q] += k * dy[q];
        }
    }
}
static void bn_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    BnJob j = {l, t, c};
    pool_for(LAYER_IN0(l, t)->c, 0, bn_bwd_item, &j);
}

/* ---------------------------------------------------------------- layer norm (row-wise) */
static FsStatus ln_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    if (tensor_size(in) % (size_t)l->dim)
        return fs_errorf(FS_ERR_CONFIG, "layer norm: input size %zu not a multiple of %d",
                         tensor_size(in), l->dim);
    return layer_same_shape(l, in, b, c, h, w);
}
/* cache: mean, rstd per row */
static size_t ln_cache(const Layer *l, const Tensor *t, int n)
{
    return 2 * sizeof(float) * ((size_t)n * tensor_size(LAYER_IN0(l, t)) / (size_t)l->dim);
}
static void ln_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const size_t D = (size_t)l->dim, rows = (size_t)c->n * tensor_size(LAYER_IN0(l, t)) / D;
    float *st = l->cache;
    for (size_t r = 0; r < rows; r++) {
        const float *x = LAYER_IN0(l, t)->v + r * D;
        float *y = LAYER_OUT(l, t)->v + r * D;
        double s = 0, ss = 0;
        for (size_t d = 0; d < D; d++) s += (double)x[d];
        double mu = s / (double)D;
        for (size_t d = 0; d < D; d++) ss += ((double)x[d] - mu) * ((double)x[d] - mu);
        float rs = (float)(1.0 / sqrt(ss / (double)D + (double)l->eps));
        st[2 * r] = (float)mu;
        st[2 * r + 1] = rs;
        for (size_t d = 0; d < D; d++) y[d] = (x[d] - (float)mu) * rs * l->w[0][d] + l->w[1][d];
    }
}
static void ln_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const size_t D = (size_t)l->dim, rows = (size_t)c->n * tensor_size(LAYER_IN0(l, t)) / D;
    const float *st = l->cache;
    for (size_t r = 0; r < rows; r++) {
        const float *x = LAYER_IN0(l, t)->v + r * D, *dy = LAYER_OUT(l, t)->g + r * D;
        float *dx = LAYER_IN0(l, t)->g + r * D;
        const float mu = st[2 * r], rs = st[2 * r + 1];
        double a = 0, b = 0;
        for (size_t d = 0; d < D; d++) {
            float xh = (x[d] - mu) * rs, g = dy[d] * l->w[0][d];
            a += (double)g;
            b += (double)g * (double)xh;
            if (c->param_grad) {
                l->dw[0][d] += dy[d] * xh;
                l->dw[1][d] += dy[d];
            }
        }
        float ma = (float)(a / (double)D), mb = (float)(b / (double)D);
        for (size_t d = 0; d < D; d++) {
            float xh = (x[d] - mu) * rs;
            dx[d] += rs * (dy[d] * l->w[0][d] - ma - xh * mb);
        }
    }
}

const LayerOps layer_ops_bn = {LAYER_BN, "batchnorm", layer_same_shape, bn_cache, layer_no_bytes,
                               bn_fwd, bn_bwd};
const LayerOps layer_ops_ln = {LAYER_LN, "layernorm", ln_shape, ln_cache, layer_no_bytes, ln_fwd,
                               ln_bwd};
