/* layer_norm.c: normalisation layers. Batch norm (PyTorch's BatchNorm2d: batch statistics and
 * running ones in training, running ones at inference, optional fused ReLU) runs 4 channels per
 * pool item where it can; layer norm normalises each row of length dim (ViT tokens).
 * Conventions as in layers.h. */
#include "layers.h"
#include "simd.h"
#include "pool.h"

#include <math.h>

/* ---------------------------------------------------------------- vector helpers (BN)
 * One order of operations on every CPU, the scalar loops' (no FMA; sums in double, each
 * channel's summed element by element in index order), so a model trains to the same bits with
 * or without AVX2 and AVX-512 (simd.h; tests/engine/test_wino_avx2.sh, test_train_cli.sh). The
 * AVX2 twins keep that order: the sums run 4 channels at once, one double lane per channel
 * (a lane's additions are the scalar loop's), which also breaks the scalar loop's chain of
 * dependent additions (4 cycles per element). */
/* Channels per batch-norm pool item when C allows: the 4 double lanes of an AVX2 register. */
#define BN_GROUP 4
#ifdef LAYERS_X86
#include <immintrin.h>
/* AVX2 twins of vaffine's and vlin3's scalar loops (the same operations, so bitwise the same;
 * no FMA), on the first n / 8 * 8 elements; each returns how many it did. */
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
/* Four planes x + l * hw (l < 4), element q of each in one double lane: rows r[k] hold elements
 * q + k of the four planes (a 4 x 4 transpose of one load per plane). */
__attribute__((target("avx2"))) static inline void rows4_avx2(const float *x, size_t hw, size_t q,
                                                               __m256d r[4])
{
    __m128 a = _mm_loadu_ps(x + q), b = _mm_loadu_ps(x + hw + q), c = _mm_loadu_ps(x + 2 * hw + q),
           d = _mm_loadu_ps(x + 3 * hw + q);
    _MM_TRANSPOSE4_PS(a, b, c, d);
    r[0] = _mm256_cvtps_pd(a);
    r[1] = _mm256_cvtps_pd(b);
    r[2] = _mm256_cvtps_pd(c);
    r[3] = _mm256_cvtps_pd(d);
}
/* vsum of 4 planes x + l * hw at once: s[l] = the scalar loop's sum of plane l (mu[l] when sq) */
__attribute__((target("avx2"))) static void sum4_avx2(const float *x, size_t hw, const double mu[4],
                                                       int sq, double s[4])
{
    const __m256d m = _mm256_loadu_pd(mu);
    __m256d acc = _mm256_setzero_pd(), r[4];
    size_t q = 0;
    for (; q + 4 <= hw; q += 4) {
        rows4_avx2(x, hw, q, r);
        for (int k = 0; k < 4; k++) {
            __m256d v = r[k];
            if (sq) {
                v = _mm256_sub_pd(v, m);
                v = _mm256_mul_pd(v, v);
            }
            acc = _mm256_add_pd(acc, v);
        }
    }
    _mm256_storeu_pd(s, acc);
    for (; q < hw; q++)
        for (int l = 0; l < 4; l++) {
            double v = (double)x[(size_t)l * hw + q];
            s[l] += sq ? (v - mu[l]) * (v - mu[l]) : v;
        }
}
/* vdots of 4 planes at once (x, dy + l * hw; mu[l]): s1[l] = sum dy, s2[l] = sum dy (x - mu) */
__attribute__((target("avx2"))) static void dots4_avx2(const float *x, const float *dy, size_t hw,
                                                        const double mu[4], double s1[4], double s2[4])
{
    const __m256d m = _mm256_loadu_pd(mu);
    __m256d a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd(), rx[4], rg[4];
    size_t q = 0;
    for (; q + 4 <= hw; q += 4) {
        rows4_avx2(x, hw, q, rx);
        rows4_avx2(dy, hw, q, rg);
        for (int k = 0; k < 4; k++) {
            a1 = _mm256_add_pd(a1, rg[k]);
            a2 = _mm256_add_pd(a2, _mm256_mul_pd(rg[k], _mm256_sub_pd(rx[k], m)));
        }
    }
    _mm256_storeu_pd(s1, a1);
    _mm256_storeu_pd(s2, a2);
    for (; q < hw; q++)
        for (int l = 0; l < 4; l++) {
            double g = (double)dy[(size_t)l * hw + q];
            s1[l] += g;
            s2[l] += g * ((double)x[(size_t)l * hw + q] - mu[l]);
        }
}
#endif

/* *sdy += sum dy, *sdyx += sum dy (x - mu), in double */
static void vdots(const float *x, const float *dy, size_t n, double mu, double *sdy, double *sdyx)
{
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        s1 += (double)dy[i];
        s2 += (double)dy[i] * ((double)x[i] - mu);
    }
    *sdy += s1;
    *sdyx += s2;
}

/* dx += c1 dy + c2 (x - mu) + c0 */
static void vlin3(float *dx, const float *dy, const float *x, size_t n, float c1, float c2,
                  float mu, float c0)
{
#ifdef LAYERS_X86
    size_t i0 = simd_avx2() ? lin3_avx2(dx, dy, x, n, c1, c2, mu, c0) : 0;
#else
    size_t i0 = 0;
#endif
    for (size_t i = i0; i < n; i++) dx[i] += c1 * dy[i] + c2 * (x[i] - mu) + c0;
}

/* sum x (sq = 0) or sum (x - mu)^2 (sq = 1), in double */
static double vsum(const float *x, size_t n, double mu, int sq)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += sq ? ((double)x[i] - mu) * ((double)x[i] - mu) : (double)x[i];
    return s;
}

/* y = x * sc + sh (then max(0, .) when relu) */
static void vaffine(const float *x, float *y, size_t n, float sc, float sh, int relu)
{
#ifdef LAYERS_X86
    size_t i0 = simd_avx2() ? affine_avx2(x, y, n, sc, sh, relu) : 0;
#else
    size_t i0 = 0;
#endif
    for (size_t i = i0; i < n; i++) {
        float v = x[i] * sc + sh;
        y[i] = relu ? (v > 0 ? v : 0) : v;
    }
}

/* Over the n images (stride cs) of the g channels from ch (planes of hw), in image order:
 * s[l] += vsum of channel ch + l's plane (mu[l] when sq); 4 channels at once under AVX2. */
static void bn_sums(const float *x, int n, size_t cs, size_t hw, int ch, int g, const double *mu,
                    int sq, double *s)
{
    for (int i = 0; i < n; i++) {
        const float *p = x + (size_t)i * cs + (size_t)ch * hw;
#ifdef LAYERS_X86
        if (g == BN_GROUP && simd_avx2()) {
            static const double zero[4] = {0};
            double t[4];
            sum4_avx2(p, hw, sq ? mu : zero, sq, t);
            for (int l = 0; l < 4; l++) s[l] += t[l];
            continue;
        }
#endif
        for (int l = 0; l < g; l++) s[l] += vsum(p + (size_t)l * hw, hw, sq ? mu[l] : 0, sq);
    }
}

/* bn_sums' twin for vdots: sdy[l] += sum dy, sdyx[l] += sum dy (x - mu[l]) */
static void bn_dots(const float *x, const float *dy, int n, size_t cs, size_t hw, int ch, int g,
                    const double *mu, double *sdy, double *sdyx)
{
    for (int i = 0; i < n; i++) {
        const size_t o = (size_t)i * cs + (size_t)ch * hw;
#ifdef LAYERS_X86
        if (g == BN_GROUP && simd_avx2()) {
            double t1[4], t2[4];
            dots4_avx2(x + o, dy + o, hw, mu, t1, t2);
            for (int l = 0; l < 4; l++) {
                sdy[l] += t1[l];
                sdyx[l] += t2[l];
            }
            continue;
        }
#endif
        for (int l = 0; l < g; l++) vdots(x + o + (size_t)l * hw, dy + o + (size_t)l * hw, hw, mu[l], &sdy[l], &sdyx[l]);
    }
}

/* ---------------------------------------------------------------- batch norm */
/* cache: mean (C), invstd (C) of the last training batch */
static size_t bn_cache(const Layer *l, const Tensor *t, int n)
{
    FS_UNUSED(n);
    return 2 * sizeof(float) * (size_t)LAYER_IN0(l, t)->c;
}
/* Batch norm runs BN_GROUP channels per pool item (bn_group: BN_GROUP when C is a multiple of
 * it, for the AVX2 sums, else 1); a channel's sums, running statistics and outputs depend on that
 * channel only, so results depend neither on the thread count nor on the grouping. */
typedef struct {
    Layer *l;
    Tensor *t;
    const LayerCtx *c;
    int g; /* channels per item */
} BnJob;

static int bn_group(int C) { return C % BN_GROUP == 0 ? BN_GROUP : 1; }

static void bn_fwd_item(void *ctx, int item, int tid)
{
    FS_UNUSED(tid);
    const BnJob *j = ctx;
    Layer *l = j->l;
    const LayerCtx *c = j->c;
    const Tensor *in = LAYER_IN0(l, j->t);
    Tensor *out = LAYER_OUT(l, j->t);
    const int C = in->c, n = c->n, g = j->g, ch0 = item * g;
    const size_t hw = (size_t)in->h * in->w, cs = (size_t)C * hw;
    const double cnt = (double)n * (double)hw;
    float *mean = l->cache, *invstd = mean + C;
    const float *gamma = l->w[0], *beta = l->w[1];
    double mu[BN_GROUP] = {0}, var[BN_GROUP] = {0};
    if (c->train) {
        double s[BN_GROUP] = {0}, ss[BN_GROUP] = {0};
        bn_sums(in->v, n, cs, hw, ch0, g, NULL, 0, s);
        for (int k = 0; k < g; k++) mu[k] = s[k] / cnt;
        bn_sums(in->v, n, cs, hw, ch0, g, mu, 1, ss);
        const double m = (double)l->momentum;
        for (int k = 0; k < g; k++) {
            const int ch = ch0 + k;
            var[k] = ss[k] / cnt;
            l->buf[0][ch] = (float)((1 - m) * (double)l->buf[0][ch] + m * mu[k]);
            double unb = cnt > 1 ? var[k] * cnt / (cnt - 1) : var[k];
            l->buf[1][ch] = (float)((1 - m) * (double)l->buf[1][ch] + m * unb);
        }
    } else {
        for (int k = 0; k < g; k++) {
            mu[k] = (double)l->buf[0][ch0 + k];
            var[k] = (double)l->buf[1][ch0 + k];
        }
    }
    for (int k = 0; k < g; k++) {
        const int ch = ch0 + k;
        float is = (float)(1.0 / sqrt(var[k] + (double)l->eps));
        mean[ch] = (float)mu[k];
        invstd[ch] = is;
        float sc = gamma[ch] * is, sh = beta[ch] - (float)mu[k] * sc;
        for (int i = 0; i < n; i++)
            vaffine(in->v + i * cs + ch * hw, out->v + i * cs + ch * hw, hw, sc, sh, l->relu);
    }
}
static void bn_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const int C = LAYER_IN0(l, t)->c;
    BnJob j = {l, t, c, bn_group(C)};
    pool_for(C / j.g, 0, bn_fwd_item, &j);
    if (c->train) (*l->nbt)++;
}

static void bn_bwd_item(void *ctx, int item, int tid)
{
    FS_UNUSED(tid);
    const BnJob *j = ctx;
    Layer *l = j->l;
    const LayerCtx *c = j->c;
    const Tensor *in = LAYER_IN0(l, j->t);
    Tensor *out = LAYER_OUT(l, j->t);
    const int C = in->c, n = c->n, g = j->g, ch0 = item * g;
    const size_t hw = (size_t)in->h * in->w, cs = (size_t)C * hw;
    const double cnt = (double)n * (double)hw;
    const float *mean = l->cache, *invstd = mean + C;
    const float *gamma = l->w[0];
    if (l->relu)
        for (int k = 0; k < g; k++)
            for (int i = 0; i < n; i++) {
                const size_t o = i * cs + (size_t)(ch0 + k) * hw;
                layer_relu_mask(out->v + o, out->g + o, hw);
            }
    double sdy[BN_GROUP] = {0}, sdyx[BN_GROUP] = {0}, mu[BN_GROUP];
    for (int k = 0; k < g; k++) mu[k] = (double)mean[ch0 + k];
    /* eval mode without parameter gradients needs neither sum (and must not read the
     * input, which a BN-folded forward pass leaves unset) */
    if (c->train || c->param_grad) {
        bn_dots(in->v, out->g, n, cs, hw, ch0, g, mu, sdy, sdyx);
        for (int k = 0; k < g; k++) sdyx[k] *= (double)invstd[ch0 + k]; /* sum dy * xhat */
    }
    for (int k = 0; k < g; k++) {
        const int ch = ch0 + k;
        const float is = invstd[ch];
        if (c->param_grad) {
            l->dw[0][ch] += (float)sdyx[k];
            l->dw[1][ch] += (float)sdy[k];
        }
        if (!in->g) continue;
        const float kk = gamma[ch] * is;
        if (c->train) {
            /* dx += kk (dy - a - xhat b), xhat = (x - mu) is */
            float a = (float)(sdy[k] / cnt), b = (float)(sdyx[k] / cnt);
            for (int i = 0; i < n; i++)
                vlin3(in->g + i * cs + ch * hw, out->g + i * cs + ch * hw, in->v + i * cs + ch * hw, hw,
                      kk, -kk * is * b, mean[ch], -kk * a);
        } else {
            for (int i = 0; i < n; i++) {
                const float *dy = out->g + i * cs + ch * hw;
                float *dx = in->g + i * cs + ch * hw;
                for (size_t q = 0; q < hw; q++) dx[q] += kk * dy[q];
            }
        }
    }
}
static void bn_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const int C = LAYER_IN0(l, t)->c;
    BnJob j = {l, t, c, bn_group(C)};
    pool_for(C / j.g, 0, bn_bwd_item, &j);
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
/* One row: mean and 1 / std (sums in double, 8 partial sums: simd_lanes8_total), then
 * y = (x - mean) rstd w + b. ln_row_fwd_avx2 is its twin (the same bits; simd.h). */
static void ln_row_fwd(const float *x, float *y, size_t D, const float *w, const float *b, double eps,
                       float *st)
{
    const size_t D8 = D / 8 * 8;
    double l[8] = {0}, m[8] = {0};
    for (size_t d = 0; d < D8; d++) l[d % 8] += (double)x[d];
    double s = simd_lanes8_total(l);
    for (size_t d = D8; d < D; d++) s += (double)x[d];
    const double mu = s / (double)D;
    for (size_t d = 0; d < D8; d++) m[d % 8] += ((double)x[d] - mu) * ((double)x[d] - mu);
    double ss = simd_lanes8_total(m);
    for (size_t d = D8; d < D; d++) ss += ((double)x[d] - mu) * ((double)x[d] - mu);
    const float rs = (float)(1.0 / sqrt(ss / (double)D + eps)), muf = (float)mu;
    st[0] = muf;
    st[1] = rs;
    for (size_t d = 0; d < D; d++) y[d] = (x[d] - muf) * rs * w[d] + b[d];
}
/* One row's backward from the cached mean and rstd: dx += rs (dy w - mean(dy w) - xhat
 * mean(dy w xhat)); with dw, db: dw += dy xhat, db += dy. */
static void ln_row_bwd(const float *x, const float *dy, float *dx, size_t D, const float *w, float *dw,
                       float *db, const float *st)
{
    const size_t D8 = D / 8 * 8;
    const float mu = st[0], rs = st[1];
    double la[8] = {0}, lb[8] = {0};
    for (size_t d = 0; d < D8; d++) {
        float xh = (x[d] - mu) * rs, g = dy[d] * w[d];
        la[d % 8] += (double)g;
        lb[d % 8] += (double)g * (double)xh;
    }
    double a = simd_lanes8_total(la), b = simd_lanes8_total(lb);
    for (size_t d = D8; d < D; d++) {
        float xh = (x[d] - mu) * rs, g = dy[d] * w[d];
        a += (double)g;
        b += (double)g * (double)xh;
    }
    float ma = (float)(a / (double)D), mb = (float)(b / (double)D);
    for (size_t d = 0; d < D; d++) {
        float xh = (x[d] - mu) * rs;
        if (dw) {
            dw[d] += dy[d] * xh;
            db[d] += dy[d];
        }
        dx[d] += rs * (dy[d] * w[d] - ma - xh * mb);
    }
}
#ifdef LAYERS_X86
__attribute__((target("avx2"))) static void ln_row_fwd_avx2(const float *x, float *y, size_t D, const float *w,
                                                             const float *b, double eps, float *st)
{
    const size_t D8 = D / 8 * 8;
    __m256d lo = _mm256_setzero_pd(), hi = lo;
    for (size_t d = 0; d < D8; d += 8) simd_acc8_avx2(&lo, &hi, _mm256_loadu_ps(x + d));
    double s = simd_lanes8_total_avx2(lo, hi);
    for (size_t d = D8; d < D; d++) s += (double)x[d];
    const double mu = s / (double)D;
    const __m256d mv = _mm256_set1_pd(mu);
    lo = hi = _mm256_setzero_pd();
    for (size_t d = 0; d < D8; d += 8) {
        __m256 v = _mm256_loadu_ps(x + d);
        __m256d a = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), mv);
        __m256d c = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), mv);
        lo = _mm256_add_pd(lo, _mm256_mul_pd(a, a));
        hi = _mm256_add_pd(hi, _mm256_mul_pd(c, c));
    }
    double ss = simd_lanes8_total_avx2(lo, hi);
    for (size_t d = D8; d < D; d++) ss += ((double)x[d] - mu) * ((double)x[d] - mu);
    const float rs = (float)(1.0 / sqrt(ss / (double)D + eps)), muf = (float)mu;
    st[0] = muf;
    st[1] = rs;
    const __m256 mf = _mm256_set1_ps(muf), rv = _mm256_set1_ps(rs);
    for (size_t d = 0; d < D8; d += 8)
        _mm256_storeu_ps(y + d, _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + d), mf), rv),
                                                            _mm256_loadu_ps(w + d)),
                                              _mm256_loadu_ps(b + d)));
    for (size_t d = D8; d < D; d++) y[d] = (x[d] - muf) * rs * w[d] + b[d];
}
__attribute__((target("avx2"))) static void ln_row_bwd_avx2(const float *x, const float *dy, float *dx, size_t D,
                                                             const float *w, float *dw, float *db, const float *st)
{
    const size_t D8 = D / 8 * 8;
    const float mu = st[0], rs = st[1];
    const __m256 mf = _mm256_set1_ps(mu), rv = _mm256_set1_ps(rs);
    __m256d alo = _mm256_setzero_pd(), ahi = alo, blo = alo, bhi = alo;
    for (size_t d = 0; d < D8; d += 8) {
        __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + d), mf), rv);
        __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dy + d), _mm256_loadu_ps(w + d));
        simd_acc8_avx2(&alo, &ahi, g);
        simd_dot8_avx2(&blo, &bhi, g, xh);
    }
    double a = simd_lanes8_total_avx2(alo, ahi), b = simd_lanes8_total_avx2(blo, bhi);
    for (size_t d = D8; d < D; d++) {
        float xh = (x[d] - mu) * rs, g = dy[d] * w[d];
        a += (double)g;
        b += (double)g * (double)xh;
    }
    float ma = (float)(a / (double)D), mb = (float)(b / (double)D);
    const __m256 mav = _mm256_set1_ps(ma), mbv = _mm256_set1_ps(mb);
    for (size_t d = 0; d < D8; d += 8) {
        __m256 dyv = _mm256_loadu_ps(dy + d);
        __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + d), mf), rv);
        if (dw) {
            _mm256_storeu_ps(dw + d, _mm256_add_ps(_mm256_loadu_ps(dw + d), _mm256_mul_ps(dyv, xh)));
            _mm256_storeu_ps(db + d, _mm256_add_ps(_mm256_loadu_ps(db + d), dyv));
        }
        __m256 u = _mm256_sub_ps(_mm256_sub_ps(_mm256_mul_ps(dyv, _mm256_loadu_ps(w + d)), mav), _mm256_mul_ps(xh, mbv));
        _mm256_storeu_ps(dx + d, _mm256_add_ps(_mm256_loadu_ps(dx + d), _mm256_mul_ps(rv, u)));
    }
    for (size_t d = D8; d < D; d++) {
        float xh = (x[d] - mu) * rs;
        if (dw) {
            dw[d] += dy[d] * xh;
            db[d] += dy[d];
        }
        dx[d] += rs * (dy[d] * w[d] - ma - xh * mb);
    }
}
#endif
static void ln_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const size_t D = (size_t)l->dim, rows = (size_t)c->n * tensor_size(LAYER_IN0(l, t)) / D;
    float *st = l->cache;
#ifdef LAYERS_X86
    const int avx2 = simd_avx2();
#endif
    for (size_t r = 0; r < rows; r++) {
        const float *x = LAYER_IN0(l, t)->v + r * D;
        float *y = LAYER_OUT(l, t)->v + r * D;
#ifdef LAYERS_X86
        if (avx2) {
            ln_row_fwd_avx2(x, y, D, l->w[0], l->w[1], (double)l->eps, st + 2 * r);
            continue;
        }
#endif
        ln_row_fwd(x, y, D, l->w[0], l->w[1], (double)l->eps, st + 2 * r);
    }
}
static void ln_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const size_t D = (size_t)l->dim, rows = (size_t)c->n * tensor_size(LAYER_IN0(l, t)) / D;
    const float *st = l->cache;
    float *dw = c->param_grad ? l->dw[0] : NULL, *db = c->param_grad ? l->dw[1] : NULL;
#ifdef LAYERS_X86
    const int avx2 = simd_avx2();
#endif
    for (size_t r = 0; r < rows; r++) {
        const float *x = LAYER_IN0(l, t)->v + r * D, *dy = LAYER_OUT(l, t)->g + r * D;
        float *dx = LAYER_IN0(l, t)->g + r * D;
#ifdef LAYERS_X86
        if (avx2) {
            ln_row_bwd_avx2(x, dy, dx, D, l->w[0], dw, db, st + 2 * r);
            continue;
        }
#endif
        ln_row_bwd(x, dy, dx, D, l->w[0], dw, db, st + 2 * r);
    }
}

const LayerOps layer_ops_bn = {LAYER_BN, "batchnorm", layer_same_shape, bn_cache, layer_no_bytes,
                               bn_fwd, bn_bwd};
const LayerOps layer_ops_ln = {LAYER_LN, "layernorm", ln_shape, ln_cache, layer_no_bytes, ln_fwd,
                               ln_bwd};
