/* layers.c: forward and backward of every layer kind, and the LayerOps table. See layers.h.
 * Conventions: x = input tensor values, y = output values, dx/dy their gradients; backward
 * accumulates into dx and into the parameter gradients (only when ctx->param_grad). */
#include "layers.h"
#include "gemm.h"
#include "pool.h"

#include <math.h>
#include <string.h>

#define IN0(l, t) (&(t)[(l)->in0])
#define OUT(l, t) (&(t)[(l)->out])
/* gemm packing area: the last GEMM_WS_FLOATS floats of the shared workspace */
#define GWS(c) ((c)->ws + (c)->ws_len - GEMM_WS_FLOATS)

static FsStatus same_shape(Layer *l, const Tensor *a, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(l);
    FS_UNUSED(b);
    *c = a->c;
    *h = a->h;
    *w = a->w;
    return FS_OK;
}
static size_t no_bytes(const Layer *l, const Tensor *t, int n)
{
    FS_UNUSED(l);
    FS_UNUSED(t);
    FS_UNUSED(n);
    return 0;
}

/* ---------------------------------------------------------------- conv */
static void conv_args_of(const Layer *l, const Tensor *in, ConvArgs *a)
{
    conv_args_init(a, in->c, in->h, in->w, l->cout, l->k, l->stride, l->pad);
}
static FsStatus conv_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(b);
    if (in->h + 2 * l->pad < l->k || in->w + 2 * l->pad < l->k)
        return fs_errorf(FS_ERR_CONFIG, "conv: input %dx%d smaller than kernel %d (pad %d)", in->h,
                         in->w, l->k, l->pad);
    ConvArgs a;
    conv_args_of(l, in, &a);
    *c = a.cout;
    *h = a.hout;
    *w = a.wout;
    return FS_OK;
}
static size_t conv_ws(const Layer *l, const Tensor *t, int n)
{
    ConvArgs a;
    conv_args_of(l, IN0(l, t), &a);
    return conv_ws_floats(&a, n);
}
static void conv_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    ConvArgs a;
    conv_args_of(l, IN0(l, t), &a);
    a.threads = c->threads;
    conv2d_forward(&a, c->n, IN0(l, t)->v, l->w[0], l->bias ? l->w[1] : NULL, OUT(l, t)->v, c->ws);
}
static void conv_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    ConvArgs a;
    conv_args_of(l, IN0(l, t), &a);
    a.threads = c->threads;
    float *dx = l->in0 == 0 && !c->input_grad ? NULL : IN0(l, t)->g;
    conv2d_backward(&a, c->n, IN0(l, t)->v, l->w[0], OUT(l, t)->g, dx,
                    c->param_grad ? l->dw[0] : NULL, c->param_grad && l->bias ? l->dw[1] : NULL,
                    c->ws);
}

/* ---------------------------------------------------------------- vector helpers (BN)
 * Sums accumulate in double (8 lanes under AVX-512, checked at run time). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LAYERS_X86 1
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

static int have_avx512(void)
{
#ifdef LAYERS_X86
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

static void vdots(const float *x, const float *dy, size_t n, double mu, double *sdy, double *sdyx)
{
#ifdef LAYERS_X86
    if (have_avx512()) {
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
    if (have_avx512()) {
        lin3_avx512(dx, dy, x, n, c1, c2, mu, c0);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) dx[i] += c1 * dy[i] + c2 * (x[i] - mu) + c0;
}

/* sum x (sq = 0) or sum (x - mu)^2 (sq = 1), in double */
static double vsum(const float *x, size_t n, double mu, int sq)
{
#ifdef LAYERS_X86
    if (have_avx512()) return sum_avx512(x, n, mu, sq);
#endif
    double s = 0;
    for (size_t i = 0; i < n; i++) s += sq ? ((double)x[i] - mu) * ((double)x[i] - mu) : (double)x[i];
    return s;
}

static void vaffine(const float *x, float *y, size_t n, float sc, float sh, int relu)
{
#ifdef LAYERS_X86
    if (have_avx512()) {
        affine_avx512(x, y, n, sc, sh, relu);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++) {
        float v = x[i] * sc + sh;
        y[i] = relu ? (v > 0 ? v : 0) : v;
    }
}

/* ---------------------------------------------------------------- batch norm */
/* cache: mean (C), invstd (C) of the last training batch */
static size_t bn_cache(const Layer *l, const Tensor *t, int n)
{
    FS_UNUSED(n);
    return 2 * sizeof(float) * (size_t)IN0(l, t)->c;
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
    const Tensor *in = IN0(l, j->t);
    Tensor *out = OUT(l, j->t);
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
    pool_for(IN0(l, t)->c, 0, bn_fwd_item, &j);
    if (c->train) (*l->nbt)++;
}
#ifdef LAYERS_X86
/* dy[q] = 0 where !(y[q] > 0) (NaN included); then, with da, db: da += dy, db += dy. */
__attribute__((target("avx512f"))) static void relu_mask_avx512(const float *y, float *dy, size_t len,
                                                                  float *da, float *db)
{
    for (size_t q = 0; q < len; q += 16) {
        __mmask16 m = len - q >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (len - q)) - 1);
        __m512 g = _mm512_maskz_loadu_ps(m, dy + q);
        if (y) {
            __mmask16 pos = _mm512_mask_cmp_ps_mask(m, _mm512_maskz_loadu_ps(m, y + q),
                                                    _mm512_setzero_ps(), _CMP_GT_OQ);
            g = _mm512_maskz_mov_ps(pos, g);
            _mm512_mask_storeu_ps(dy + q, m, g);
        }
        if (da) _mm512_mask_storeu_ps(da + q, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, da + q), g));
        if (db) _mm512_mask_storeu_ps(db + q, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, db + q), g));
    }
}

/* y = a + b, then max(y, 0) (NaN -> 0) when relu */
__attribute__((target("avx512f"))) static void add_avx512(const float *a, const float *b, float *y,
                                                            size_t len, int relu)
{
    for (size_t q = 0; q < len; q += 16) {
        __mmask16 m = len - q >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (len - q)) - 1);
        __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + q), _mm512_maskz_loadu_ps(m, b + q));
        if (relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
        _mm512_mask_storeu_ps(y + q, m, v);
    }
}
#endif

static void relu_mask(const float *y, float *dy, size_t len)
{
#ifdef LAYERS_X86
    if (have_avx512()) {
        relu_mask_avx512(y, dy, len, NULL, NULL);
        return;
    }
#endif
    for (size_t q = 0; q < len; q++)
        if (!(y[q] > 0)) dy[q] = 0;
}
static void bn_bwd_item(void *ctx, int ch, int tid)
{
    FS_UNUSED(tid);
    const BnJob *j = ctx;
    Layer *l = j->l;
    const LayerCtx *c = j->c;
    const Tensor *in = IN0(l, j->t);
    Tensor *out = OUT(l, j->t);
    const int C = in->c, n = c->n;
    const size_t hw = (size_t)in->h * in->w, cs = (size_t)C * hw;
    const double cnt = (double)n * (double)hw;
    const float *mean = l->cache, *invstd = mean + C;
    const float *gamma = l->w[0];
    if (l->relu)
        for (int i = 0; i < n; i++) relu_mask(out->v + i * cs + ch * hw, out->g + i * cs + ch * hw, hw);
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
    pool_for(IN0(l, t)->c, 0, bn_bwd_item, &j);
}

/* ---------------------------------------------------------------- relu, gelu */
/* Elementwise passes (ReLU, residual add) split into blocks of EW_BLOCK floats over the pool. */
#define EW_BLOCK 16384
typedef enum { EW_RELU_FWD, EW_RELU_BWD, EW_ADD_FWD, EW_ADD_BWD } EwOp;
typedef struct {
    EwOp op;
    int relu;
    size_t len;
    const float *a, *b; /* inputs (x; or the add's two inputs) */
    float *y, *dy;      /* output values / gradient */
    float *da, *db;     /* input gradients */
} EwJob;

static void ew_item(void *ctx, int item, int tid)
{
    FS_UNUSED(tid);
    const EwJob *j = ctx;
    size_t lo, hi;
    pool_block_range(j->len, EW_BLOCK, item, &lo, &hi);
    const size_t len = hi - lo;
    switch (j->op) {
    case EW_RELU_FWD:
        for (size_t q = lo; q < lo + len; q++) j->y[q] = j->a[q] > 0 ? j->a[q] : 0;
        break;
    case EW_RELU_BWD:
        for (size_t q = lo; q < lo + len; q++)
            if (j->a[q] > 0) j->da[q] += j->dy[q];
        break;
    case EW_ADD_FWD:
#ifdef LAYERS_X86
        if (have_avx512()) {
            add_avx512(j->a + lo, j->b + lo, j->y + lo, len, j->relu);
            break;
        }
#endif
        for (size_t q = lo; q < lo + len; q++) {
            float v = j->a[q] + j->b[q];
            j->y[q] = j->relu ? (v > 0 ? v : 0) : v;
        }
        break;
    case EW_ADD_BWD:
#ifdef LAYERS_X86
        if (have_avx512()) {
            relu_mask_avx512(j->relu ? j->y + lo : NULL, j->dy + lo, len, j->da + lo, j->db + lo);
            break;
        }
#endif
        if (j->relu) relu_mask(j->y + lo, j->dy + lo, len);
        for (size_t q = lo; q < lo + len; q++) {
            j->da[q] += j->dy[q];
            j->db[q] += j->dy[q];
        }
        break;
    }
}

static void ew_run(EwJob *j) { pool_for(pool_blocks(j->len, EW_BLOCK), 0, ew_item, j); }

static void relu_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_RELU_FWD, .len = (size_t)c->n * tensor_size(IN0(l, t)), .a = IN0(l, t)->v,
               .y = OUT(l, t)->v};
    ew_run(&j);
}
static void relu_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_RELU_BWD, .len = (size_t)c->n * tensor_size(IN0(l, t)), .a = IN0(l, t)->v,
               .dy = OUT(l, t)->g, .da = IN0(l, t)->g};
    ew_run(&j);
}
float gelu_f(float x)
{
    return (float)(0.5 * (double)x * (1.0 + erf((double)x * 0.70710678118654752)));
}
float gelu_grad_f(float x)
{
    double xd = (double)x;
    double cdf = 0.5 * (1.0 + erf(xd * 0.70710678118654752));
    double pdf = exp(-0.5 * xd * xd) * 0.39894228040143268;
    return (float)(cdf + xd * pdf);
}
static void gelu_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    size_t len = (size_t)c->n * tensor_size(IN0(l, t));
    const float *x = IN0(l, t)->v;
    float *y = OUT(l, t)->v;
    for (size_t q = 0; q < len; q++) y[q] = gelu_f(x[q]);
}
static void gelu_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    size_t len = (size_t)c->n * tensor_size(IN0(l, t));
    const float *x = IN0(l, t)->v, *dy = OUT(l, t)->g;
    float *dx = IN0(l, t)->g;
    for (size_t q = 0; q < len; q++) dx[q] += dy[q] * gelu_grad_f(x[q]);
}

/* ---------------------------------------------------------------- pools */
static FsStatus pool_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(b);
    if (in->h + 2 * l->pad < l->k || in->w + 2 * l->pad < l->k)
        return fs_errorf(FS_ERR_CONFIG, "pool: input %dx%d smaller than window %d", in->h, in->w,
                         l->k);
    if (2 * l->pad > l->k)
        return fs_errorf(FS_ERR_CONFIG, "pool: padding %d exceeds half the window %d", l->pad, l->k);
    *c = in->c;
    *h = (in->h + 2 * l->pad - l->k) / l->stride + 1;
    *w = (in->w + 2 * l->pad - l->k) / l->stride + 1;
    return FS_OK;
}
/* cache: int32 argmax (n_max, c, hout, wout), index into the input plane */
static size_t maxpool_cache(const Layer *l, const Tensor *t, int n)
{
    return sizeof(int32_t) * (size_t)n * tensor_size(OUT(l, t));
}
static void maxpool_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const Tensor *in = IN0(l, t);
    Tensor *out = OUT(l, t);
    int32_t *arg = l->cache;
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w,
                 op = (size_t)out->h * out->w;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *x = in->v + pl * ip;
        float *y = out->v + pl * op;
        int32_t *a = arg + pl * op;
        for (int oy = 0; oy < out->h; oy++)
            for (int ox = 0; ox < out->w; ox++) {
                float best = -INFINITY;
                int32_t bi = -1;
                for (int ki = 0; ki < l->k; ki++) {
                    int iy = oy * l->stride - l->pad + ki;
                    if (iy < 0 || iy >= in->h) continue;
                    for (int kj = 0; kj < l->k; kj++) {
                        int ix = ox * l->stride - l->pad + kj;
                        if (ix < 0 || ix >= in->w) continue;
                        float v = x[iy * in->w + ix];
                        if (bi < 0 || v > best || v != v) {
                            best = v;
                            bi = iy * in->w + ix;
                        }
                    }
                }
                y[oy * out->w + ox] = best;
                a[oy * out->w + ox] = bi;
            }
    }
}
static void maxpool_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    Tensor *in = IN0(l, t);
    const Tensor *out = OUT(l, t);
    const int32_t *arg = l->cache;
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w,
                 op = (size_t)out->h * out->w;
    for (size_t pl = 0; pl < planes; pl++)
        for (size_t q = 0; q < op; q++) in->g[pl * ip + (size_t)arg[pl * op + q]] += out->g[pl * op + q];
}
static void avgpool_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const Tensor *in = IN0(l, t);
    Tensor *out = OUT(l, t);
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w,
                 op = (size_t)out->h * out->w;
    const float inv = 1.0f / (float)(l->k * l->k);
    for (size_t pl = 0; pl < planes; pl++)
        for (int oy = 0; oy < out->h; oy++)
            for (int ox = 0; ox < out->w; ox++) {
                float s = 0;
                for (int ki = 0; ki < l->k; ki++)
                    for (int kj = 0; kj < l->k; kj++)
                        s += in->v[pl * ip + (size_t)(oy * l->stride + ki) * in->w + ox * l->stride + kj];
                out->v[pl * op + (size_t)oy * out->w + ox] = s * inv;
            }
}
static void avgpool_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    Tensor *in = IN0(l, t);
    const Tensor *out = OUT(l, t);
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w,
                 op = (size_t)out->h * out->w;
    const float inv = 1.0f / (float)(l->k * l->k);
    for (size_t pl = 0; pl < planes; pl++)
        for (int oy = 0; oy < out->h; oy++)
            for (int ox = 0; ox < out->w; ox++) {
                float g = out->g[pl * op + (size_t)oy * out->w + ox] * inv;
                for (int ki = 0; ki < l->k; ki++)
                    for (int kj = 0; kj < l->k; kj++)
                        in->g[pl * ip + (size_t)(oy * l->stride + ki) * in->w + ox * l->stride + kj] += g;
            }
}
static FsStatus gap_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(l);
    FS_UNUSED(b);
    *c = in->c;
    *h = 1;
    *w = 1;
    return FS_OK;
}
static void gap_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const Tensor *in = IN0(l, t);
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *x = in->v + pl * ip;
        float s = 0;
        for (size_t q = 0; q < ip; q++) s += x[q];
        OUT(l, t)->v[pl] = s / (float)ip;
    }
}
static void gap_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    Tensor *in = IN0(l, t);
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w;
    for (size_t pl = 0; pl < planes; pl++) {
        float g = OUT(l, t)->g[pl] / (float)ip;
        float *dx = in->g + pl * ip;
        for (size_t q = 0; q < ip; q++) dx[q] += g;
    }
}

/* ---------------------------------------------------------------- linear (row-wise) */
static FsStatus linear_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(b);
    size_t sz = tensor_size(in);
    if (sz == (size_t)l->dim) {
        *c = l->out_dim;
        *h = 1;
        *w = 1;
    } else if (in->w == 1 && in->h == l->dim) {
        *c = in->c;
        *h = l->out_dim;
        *w = 1;
    } else {
        return fs_errorf(FS_ERR_CONFIG, "linear: input (%d,%d,%d) has no rows of length %d", in->c,
                         in->h, in->w, l->dim);
    }
    return FS_OK;
}
static void linear_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    int rows = (int)((size_t)c->n * tensor_size(IN0(l, t)) / (size_t)l->dim);
    float *y = OUT(l, t)->v;
    gemm_f32(0, 1, rows, l->out_dim, l->dim, 1.0f, IN0(l, t)->v, l->dim, l->w[0], l->dim, 0.0f,
                 y, l->out_dim, GWS(c));
    if (l->bias)
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < l->out_dim; o++) y[(size_t)r * l->out_dim + o] += l->w[1][o];
}
static void linear_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    int rows = (int)((size_t)c->n * tensor_size(IN0(l, t)) / (size_t)l->dim);
    const float *dy = OUT(l, t)->g;
    if (IN0(l, t)->g)
        gemm_f32(0, 0, rows, l->dim, l->out_dim, 1.0f, dy, l->out_dim, l->w[0], l->dim, 1.0f,
                     IN0(l, t)->g, l->dim, GWS(c));
    if (!c->param_grad) return;
    gemm_f32(1, 0, l->out_dim, l->dim, rows, 1.0f, dy, l->out_dim, IN0(l, t)->v, l->dim, 1.0f,
                 l->dw[0], l->dim, GWS(c));
    if (l->bias)
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < l->out_dim; o++) l->dw[1][o] += dy[(size_t)r * l->out_dim + o];
}

/* ---------------------------------------------------------------- dropout */
static size_t dropout_cache(const Layer *l, const Tensor *t, int n)
{
    return (size_t)n * tensor_size(IN0(l, t));
}
static void dropout_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    size_t len = (size_t)c->n * tensor_size(IN0(l, t));
    const float *x = IN0(l, t)->v;
    float *y = OUT(l, t)->v;
    if (!c->train || l->p <= 0) {
        memcpy(y, x, sizeof(float) * len);
        return;
    }
    const float keep = 1.0f / (1.0f - l->p);
    unsigned char *mask = l->cache;
    for (size_t q = 0; q < len; q++) {
        mask[q] = rng_uniform(c->rng) >= (double)l->p;
        y[q] = mask[q] ? x[q] * keep : 0.0f;
    }
}
static void dropout_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    size_t len = (size_t)c->n * tensor_size(IN0(l, t));
    const float *dy = OUT(l, t)->g;
    float *dx = IN0(l, t)->g;
    if (!c->train || l->p <= 0) {
        for (size_t q = 0; q < len; q++) dx[q] += dy[q];
        return;
    }
    const float keep = 1.0f / (1.0f - l->p);
    const unsigned char *mask = l->cache;
    for (size_t q = 0; q < len; q++)
        if (mask[q]) dx[q] += dy[q] * keep;
}

/* ---------------------------------------------------------------- residual add, flatten */
static FsStatus add_shape(Layer *l, const Tensor *a, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(l);
    if (a->c != b->c || a->h != b->h || a->w != b->w)
        return fs_errorf(FS_ERR_CONFIG, "add: shapes (%d,%d,%d) and (%d,%d,%d) differ", a->c, a->h,
                         a->w, b->c, b->h, b->w);
    *c = a->c;
    *h = a->h;
    *w = a->w;
    return FS_OK;
}
static void add_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_ADD_FWD, .relu = l->relu, .len = (size_t)c->n * tensor_size(IN0(l, t)),
               .a = IN0(l, t)->v, .b = t[l->in1].v, .y = OUT(l, t)->v};
    ew_run(&j);
}
static void add_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_ADD_BWD, .relu = l->relu, .len = (size_t)c->n * tensor_size(IN0(l, t)),
               .y = OUT(l, t)->v, .dy = OUT(l, t)->g, .da = IN0(l, t)->g, .db = t[l->in1].g};
    ew_run(&j);
}
static FsStatus flatten_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(l);
    FS_UNUSED(b);
    *c = (int)tensor_size(in);
    *h = 1;
    *w = 1;
    return FS_OK;
}
static void nop_pass(Layer *l, Tensor *t, const LayerCtx *c)
{
    FS_UNUSED(l);
    FS_UNUSED(t);
    FS_UNUSED(c); /* flatten aliases its input: nothing to move */
}

/* ---------------------------------------------------------------- layer norm (row-wise) */
static FsStatus ln_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    if (tensor_size(in) % (size_t)l->dim)
        return fs_errorf(FS_ERR_CONFIG, "layer norm: input size %zu not a multiple of %d",
                         tensor_size(in), l->dim);
    return same_shape(l, in, b, c, h, w);
}
/* cache: mean, rstd per row */
static size_t ln_cache(const Layer *l, const Tensor *t, int n)
{
    return 2 * sizeof(float) * ((size_t)n * tensor_size(IN0(l, t)) / (size_t)l->dim);
}
static void ln_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const size_t D = (size_t)l->dim, rows = (size_t)c->n * tensor_size(IN0(l, t)) / D;
    float *st = l->cache;
    for (size_t r = 0; r < rows; r++) {
        const float *x = IN0(l, t)->v + r * D;
        float *y = OUT(l, t)->v + r * D;
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
    const size_t D = (size_t)l->dim, rows = (size_t)c->n * tensor_size(IN0(l, t)) / D;
    const float *st = l->cache;
    for (size_t r = 0; r < rows; r++) {
        const float *x = IN0(l, t)->v + r * D, *dy = OUT(l, t)->g + r * D;
        float *dx = IN0(l, t)->g + r * D;
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
    const Tensor *in = IN0(l, t);
    const int D = in->c, P = in->h * in->w;
    for (int i = 0; i < c->n; i++) {
        float *y = OUT(l, t)->v + (size_t)i * (P + 1) * D;
        const float *x = in->v + (size_t)i * P * D;
        for (int d = 0; d < D; d++) y[d] = l->w[0][d] + l->w[1][d];
        for (int p = 0; p < P; p++)
            for (int d = 0; d < D; d++)
                y[(size_t)(1 + p) * D + d] = x[(size_t)d * P + p] + l->w[1][(size_t)(1 + p) * D + d];
    }
}
static void tokens_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    Tensor *in = IN0(l, t);
    const int D = in->c, P = in->h * in->w;
    for (int i = 0; i < c->n; i++) {
        const float *dy = OUT(l, t)->g + (size_t)i * (P + 1) * D;
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
    return same_shape(l, in, b, c, h, w);
}
static size_t mhsa_cache(const Layer *l, const Tensor *t, int n)
{
    size_t T = (size_t)IN0(l, t)->c, D = (size_t)l->dim;
    return sizeof(float) * (size_t)n * (T * 3 * D + (size_t)l->heads * T * T + T * D);
}
static size_t mhsa_ws(const Layer *l, const Tensor *t, int n)
{
    size_t T = (size_t)IN0(l, t)->c, D = (size_t)l->dim;
    return (size_t)n * T * D + (size_t)n * T * 3 * D + T * T + GEMM_WS_FLOATS;
}
static void mhsa_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const int T = IN0(l, t)->c, D = l->dim, H = l->heads, dh = D / H, n = c->n;
    float *qkv = l->cache, *P = qkv + (size_t)n * T * 3 * D,
          *O = P + (size_t)n * H * T * T;
    const float scale = 1.0f / sqrtf((float)dh);
    gemm_f32(0, 1, n * T, 3 * D, D, 1.0f, IN0(l, t)->v, D, l->w[0], D, 0.0f, qkv, 3 * D, GWS(c));
    for (size_t r = 0; r < (size_t)n * T; r++)
        for (int j = 0; j < 3 * D; j++) qkv[r * 3 * D + j] += l->w[1][j];
    for (int i = 0; i < n; i++)
        for (int hh = 0; hh < H; hh++) {
            const float *q = qkv + (size_t)i * T * 3 * D + hh * dh, *k = q + D, *v = q + 2 * D;
            float *p = P + ((size_t)i * H + hh) * T * T;
            gemm_f32(0, 1, T, T, dh, scale, q, 3 * D, k, 3 * D, 0.0f, p, T, GWS(c));
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
            gemm_f32(0, 0, T, dh, T, 1.0f, p, T, v, 3 * D, 0.0f, O + (size_t)i * T * D + hh * dh, D, GWS(c));
        }
    float *y = OUT(l, t)->v;
    gemm_f32(0, 1, n * T, D, D, 1.0f, O, D, l->w[2], D, 0.0f, y, D, GWS(c));
    for (size_t r = 0; r < (size_t)n * T; r++)
        for (int j = 0; j < D; j++) y[r * D + j] += l->w[3][j];
}
static void mhsa_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const int T = IN0(l, t)->c, D = l->dim, H = l->heads, dh = D / H, n = c->n;
    const float *qkv = l->cache, *P = qkv + (size_t)n * T * 3 * D,
                *O = P + (size_t)n * H * T * T;
    const float scale = 1.0f / sqrtf((float)dh);
    const float *dy = OUT(l, t)->g;
    float *dO = c->ws, *dqkv = dO + (size_t)n * T * D, *dP = dqkv + (size_t)n * T * 3 * D;
    /* out projection */
    gemm_f32(0, 0, n * T, D, D, 1.0f, dy, D, l->w[2], D, 0.0f, dO, D, GWS(c));
    if (c->param_grad) {
        gemm_f32(1, 0, D, D, n * T, 1.0f, dy, D, O, D, 1.0f, l->dw[2], D, GWS(c));
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
            gemm_f32(0, 1, T, T, dh, 1.0f, dOh, D, v, 3 * D, 0.0f, dP, T, GWS(c));
            gemm_f32(1, 0, T, dh, T, 1.0f, p, T, dOh, D, 0.0f, dv, 3 * D, GWS(c));
            /* softmax backward, then the 1/sqrt(dh) scale */
            for (int r = 0; r < T; r++) {
                const float *pr = p + (size_t)r * T;
                float *gr = dP + (size_t)r * T;
                double s = 0;
                for (int j = 0; j < T; j++) s += (double)pr[j] * (double)gr[j];
                for (int j = 0; j < T; j++) gr[j] = pr[j] * (gr[j] - (float)s) * scale;
            }
            /* dQ = dS K; dK = dS^T Q */
            gemm_f32(0, 0, T, dh, T, 1.0f, dP, T, k, 3 * D, 0.0f, dq, 3 * D, GWS(c));
            gemm_f32(1, 0, T, dh, T, 1.0f, dP, T, q, 3 * D, 0.0f, dk, 3 * D, GWS(c));
        }
    /* in projection */
    if (IN0(l, t)->g)
        gemm_f32(0, 0, n * T, D, 3 * D, 1.0f, dqkv, 3 * D, l->w[0], D, 1.0f, IN0(l, t)->g, D, GWS(c));
    if (c->param_grad) {
        gemm_f32(1, 0, 3 * D, D, n * T, 1.0f, dqkv, 3 * D, IN0(l, t)->v, D, 1.0f, l->dw[0], D, GWS(c));
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
    const size_t D = (size_t)IN0(l, t)->h, s = tensor_size(IN0(l, t));
    for (int i = 0; i < c->n; i++)
        memcpy(OUT(l, t)->v + (size_t)i * D, IN0(l, t)->v + (size_t)i * s, sizeof(float) * D);
}
static void cls_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const size_t D = (size_t)IN0(l, t)->h, s = tensor_size(IN0(l, t));
    for (int i = 0; i < c->n; i++)
        for (size_t d = 0; d < D; d++) IN0(l, t)->g[(size_t)i * s + d] += OUT(l, t)->g[(size_t)i * D + d];
}

/* ---------------------------------------------------------------- loss */
double softmax_xent(const float *logits, const int32_t *y, int n, int k, float scale,
                    float *dlogits, int *correct)
{
    if (k < 1) return (double)NAN;
    double total = 0;
    int hits = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        int am = 0;
        for (int j = 1; j < k; j++)
            if (z[j] > z[am]) am = j;
        hits += am == y[i];
        double mx = (double)z[am], s = 1; /* exp(z[am] - mx) */
        for (int j = 0; j < k; j++)
            if (j != am) s += exp((double)z[j] - mx);
        double lse = mx + log(s);
        total += lse - (double)z[y[i]];
        if (dlogits)
            for (int j = 0; j < k; j++) {
                double p = exp((double)z[j] - lse);
                dlogits[(size_t)i * k + j] = (float)((double)scale * (p - (j == y[i] ? 1.0 : 0.0)));
            }
    }
    if (correct) *correct = hits;
    return total;
}

/* ---------------------------------------------------------------- the table */
static const LayerOps ops_conv = {LAYER_CONV, "conv", conv_shape, no_bytes, conv_ws, conv_fwd, conv_bwd};
static const LayerOps ops_bn = {LAYER_BN, "batchnorm", same_shape, bn_cache, no_bytes, bn_fwd, bn_bwd};
static const LayerOps ops_relu = {LAYER_RELU, "relu", same_shape, no_bytes, no_bytes, relu_fwd, relu_bwd};
static const LayerOps ops_gelu = {LAYER_GELU, "gelu", same_shape, no_bytes, no_bytes, gelu_fwd, gelu_bwd};
static const LayerOps ops_maxpool = {LAYER_MAXPOOL, "maxpool", pool_shape, maxpool_cache, no_bytes,
                                     maxpool_fwd, maxpool_bwd};
static const LayerOps ops_avgpool = {LAYER_AVGPOOL, "avgpool", pool_shape, no_bytes, no_bytes,
                                     avgpool_fwd, avgpool_bwd};
static const LayerOps ops_gap = {LAYER_GAP, "global_avgpool", gap_shape, no_bytes, no_bytes, gap_fwd, gap_bwd};
static size_t gemm_only_ws(const Layer *l, const Tensor *t, int n)
{
    FS_UNUSED(l);
    FS_UNUSED(t);
    FS_UNUSED(n);
    return GEMM_WS_FLOATS;
}
static const LayerOps ops_linear = {LAYER_LINEAR, "linear", linear_shape, no_bytes, gemm_only_ws,
                                    linear_fwd, linear_bwd};
static const LayerOps ops_dropout = {LAYER_DROPOUT, "dropout", same_shape, dropout_cache, no_bytes,
                                     dropout_fwd, dropout_bwd};
static const LayerOps ops_add = {LAYER_ADD, "add", add_shape, no_bytes, no_bytes, add_fwd, add_bwd};
static const LayerOps ops_flatten = {LAYER_FLATTEN, "flatten", flatten_shape, no_bytes, no_bytes,
                                     nop_pass, nop_pass};
static const LayerOps ops_ln = {LAYER_LN, "layernorm", ln_shape, ln_cache, no_bytes, ln_fwd, ln_bwd};
static const LayerOps ops_tokens = {LAYER_TOKENS, "vit_tokens", tokens_shape, no_bytes, no_bytes,
                                    tokens_fwd, tokens_bwd};
static const LayerOps ops_mhsa = {LAYER_MHSA, "attention", mhsa_shape, mhsa_cache, mhsa_ws, mhsa_fwd,
                                  mhsa_bwd};
static const LayerOps ops_cls = {LAYER_CLS, "class_token", cls_shape, no_bytes, no_bytes, cls_fwd, cls_bwd};

const LayerOps *const layer_ops_table[LAYER_KIND_COUNT] = {
    [LAYER_CONV] = &ops_conv,       [LAYER_BN] = &ops_bn,           [LAYER_RELU] = &ops_relu,
    [LAYER_GELU] = &ops_gelu,       [LAYER_MAXPOOL] = &ops_maxpool, [LAYER_AVGPOOL] = &ops_avgpool,
    [LAYER_GAP] = &ops_gap,         [LAYER_LINEAR] = &ops_linear,   [LAYER_DROPOUT] = &ops_dropout,
    [LAYER_ADD] = &ops_add,         [LAYER_FLATTEN] = &ops_flatten, [LAYER_LN] = &ops_ln,
    [LAYER_TOKENS] = &ops_tokens,   [LAYER_MHSA] = &ops_mhsa,       [LAYER_CLS] = &ops_cls,
};
