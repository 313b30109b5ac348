/* conv.c: 2-D convolution by im2col + sgemm, and the direct reference (_ref). See layers.h.
 * Small spatial maps are batched: conv_chunk images are unrolled side by side so that one
 * sgemm has at least ~1024 columns (a 4x4 map alone would give a 16-column product). */
#include "layers.h"
#include "gemm.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CONV_X86 1
#endif

void conv_args_init(ConvArgs *a, int cin, int h, int w, int cout, int k, int stride, int pad)
{
    a->cin = cin;
    a->h = h;
    a->w = w;
    a->cout = cout;
    a->kh = k;
    a->kw = k;
    a->stride = stride;
    a->pad = pad;
    a->hout = (h + 2 * pad - k) / stride + 1;
    a->wout = (w + 2 * pad - k) / stride + 1;
}

int conv_chunk(const ConvArgs *a, int n_max)
{
    int hw = a->hout * a->wout;
    int nb = (1024 + hw - 1) / hw;
    if (nb > n_max) nb = n_max;
    return nb < 1 ? 1 : nb;
}

size_t conv_ws_floats(const ConvArgs *a, int n_max)
{
    size_t nb = (size_t)conv_chunk(a, n_max), hw = (size_t)a->hout * a->wout;
    size_t rows = (size_t)a->cin * a->kh * a->kw;
    /* cols (rows, nb*hw) + gathered output (cout, nb*hw) when nb > 1 + packed gemm panels */
    size_t im2col = rows * nb * hw + (nb > 1 ? (size_t)a->cout * nb * hw : 0) + GEMM_WS_FLOATS;
    if (conv_wino_ok(a)) {
        size_t wn = conv_wino_ws_floats(a, n_max);
        if (wn > im2col) return wn;
    }
    return im2col;
}

static size_t im2col_ws_floats(const ConvArgs *a, int n)
{
    size_t nb = (size_t)conv_chunk(a, n), hw = (size_t)a->hout * a->wout;
    size_t rows = (size_t)a->cin * a->kh * a->kw;
    return rows * nb * hw + (nb > 1 ? (size_t)a->cout * nb * hw : 0) + GEMM_WS_FLOATS;
}

/* The gemm's packing area at the end of a conv workspace. */
static float *gemm_ws(const ConvArgs *a, int n, float *ws)
{
    return ws + im2col_ws_floats(a, n) - GEMM_WS_FLOATS;
}

static int is_pointwise(const ConvArgs *a)
{
    return a->kh == 1 && a->kw == 1 && a->stride == 1 && a->pad == 0;
}

void conv_im2col(const ConvArgs *a, const float *x, float *cols, int ld)
{
    const int ho = a->hout, wo = a->wout, s = a->stride, p = a->pad;
    for (int c = 0; c < a->cin; c++)
        for (int ki = 0; ki < a->kh; ki++)
            for (int kj = 0; kj < a->kw; kj++) {
                float *row = cols + ((size_t)(c * a->kh + ki) * a->kw + kj) * (size_t)ld;
                const float *xc = x + (size_t)c * a->h * a->w;
                for (int oy = 0; oy < ho; oy++) {
                    int iy = oy * s - p + ki;
                    float *r = row + (size_t)oy * wo;
                    if (iy < 0 || iy >= a->h) {
                        memset(r, 0, sizeof(float) * (size_t)wo);
                        continue;
                    }
                    const float *xr = xc + (size_t)iy * a->w;
                    if (s == 1) {
                        /* valid ox range: 0 <= ox - p + kj < w */
                        int lo = p - kj, hi = a->w + p - kj; /* ox in [lo, hi) */
                        if (lo < 0) lo = 0;
                        if (hi > wo) hi = wo;
                        if (lo > wo) lo = wo;
                        for (int ox = 0; ox < lo; ox++) r[ox] = 0;
                        if (hi > lo) memcpy(r + lo, xr + lo - p + kj, sizeof(float) * (size_t)(hi - lo));
                        for (int ox = hi > lo ? hi : lo; ox < wo; ox++) r[ox] = 0;
                    } else {
                        for (int ox = 0; ox < wo; ox++) {
                            int ix = ox * s - p + kj;
                            r[ox] = (ix >= 0 && ix < a->w) ? xr[ix] : 0.0f;
                        }
                    }
                }
            }
}

void conv_col2im_add(const ConvArgs *a, const float *cols, int ld, float *dx)
{
    const int ho = a->hout, wo = a->wout, s = a->stride, p = a->pad;
    for (int c = 0; c < a->cin; c++)
        for (int ki = 0; ki < a->kh; ki++)
            for (int kj = 0; kj < a->kw; kj++) {
                const float *row = cols + ((size_t)(c * a->kh + ki) * a->kw + kj) * (size_t)ld;
                float *xc = dx + (size_t)c * a->h * a->w;
                for (int oy = 0; oy < ho; oy++) {
                    int iy = oy * s - p + ki;
                    if (iy < 0 || iy >= a->h) continue;
                    const float *r = row + (size_t)oy * wo;
                    float *xr = xc + (size_t)iy * a->w;
                    if (s == 1) { /* contiguous: ox in [lo, hi) maps to ix = ox - p + kj */
                        int lo = p - kj, hi = a->w + p - kj;
                        if (lo < 0) lo = 0;
                        if (hi > wo) hi = wo;
                        float *xo = xr - p + kj;
                        for (int ox = lo; ox < hi; ox++) xo[ox] += r[ox];
                        continue;
                    }
                    for (int ox = 0; ox < wo; ox++) {
                        int ix = ox * s - p + kj;
                        if (ix >= 0 && ix < a->w) xr[ix] += r[ox];
                    }
                }
            }
}

/* y[q] = act(src[q] + b (+ res[q])) for q < len; act = ReLU when relu (max(v, 0), NaN -> 0). */
#ifdef CONV_X86
__attribute__((target("avx512f"))) static void epilogue_avx512(const float *src, size_t len, float b,
                                                                 const float *res, int relu, float *y)
{
    const __m512 bv = _mm512_set1_ps(b), zero = _mm512_setzero_ps();
    for (size_t q = 0; q < len; q += 16) {
        __mmask16 m = len - q >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (len - q)) - 1);
        __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, src + q), bv);
        if (res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, res + q));
        if (relu) v = _mm512_max_ps(v, zero);
        _mm512_mask_storeu_ps(y + q, m, v);
    }
}
#endif

static void epilogue(int simd, const float *src, size_t len, float b, const float *res, int relu,
                     float *y)
{
#ifdef CONV_X86
    if (simd) {
        epilogue_avx512(src, len, b, res, relu, y);
        return;
    }
#endif
    (void)simd;
    for (size_t q = 0; q < len; q++) {
        float v = src[q] + b;
        if (res) v = v + res[q];
        y[q] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
}

void conv2d_forward(const ConvArgs *a, int n, const float *x, const float *w, const float *b,
                    float *y, float *ws)
{
    conv2d_forward_fused(a, n, x, w, b, NULL, 0, y, ws);
}

void conv2d_forward_fused(const ConvArgs *a, int n, const float *x, const float *w, const float *b,
                          const float *res, int relu, float *y, float *ws)
{
    if (conv_wino_ok(a)) {
        conv2d_forward_wino_fused(a, n, x, w, b, res, relu, y, ws);
        return;
    }
#ifdef CONV_X86
    const int simd = __builtin_cpu_supports("avx512f");
#else
    const int simd = 0;
#endif
    const int hw = a->hout * a->wout, rows = a->cin * a->kh * a->kw;
    const size_t xs = (size_t)a->cin * a->h * a->w, ys = (size_t)a->cout * hw;
    const int nb_max = conv_chunk(a, n);
    const int plain = !b && !res && !relu; /* the gemm's output is final */
    float *gws = gemm_ws(a, n, ws);
    for (int i0 = 0; i0 < n; i0 += nb_max) {
        int nb = n - i0 < nb_max ? n - i0 : nb_max;
        int ld = nb * hw;
        const float *cols;
        if (is_pointwise(a) && nb == 1) {
            cols = x + (size_t)i0 * xs;
        } else {
            for (int j = 0; j < nb; j++)
                conv_im2col(a, x + (size_t)(i0 + j) * xs, ws + (size_t)j * hw, ld);
            cols = ws;
        }
        if (nb == 1) {
            float *yi = y + (size_t)i0 * ys;
            gemm_f32(0, 0, a->cout, hw, rows, 1.0f, w, rows, cols, ld, 0.0f, yi, hw, gws);
            if (!plain)
                for (int co = 0; co < a->cout; co++)
                    epilogue(simd, yi + (size_t)co * hw, (size_t)hw, b ? b[co] : 0.0f,
                             res ? res + (size_t)i0 * ys + (size_t)co * hw : NULL, relu,
                             yi + (size_t)co * hw);
        } else {
            float *tmp = ws + (size_t)rows * ld; /* (cout, nb*hw) */
            gemm_f32(0, 0, a->cout, ld, rows, 1.0f, w, rows, cols, ld, 0.0f, tmp, ld, gws);
            for (int j = 0; j < nb; j++)
                for (int co = 0; co < a->cout; co++) {
                    size_t yo = (size_t)(i0 + j) * ys + (size_t)co * hw;
                    const float *src = tmp + (size_t)co * ld + (size_t)j * hw;
                    if (plain) memcpy(y + yo, src, sizeof(float) * (size_t)hw);
                    else epilogue(simd, src, (size_t)hw, b ? b[co] : 0.0f, res ? res + yo : NULL, relu, y + yo);
                }
        }
    }
}

void conv2d_backward(const ConvArgs *a, int n, const float *x, const float *w, const float *dy,
                     float *dx, float *dw, float *db, float *ws)
{
    if (conv_wino_ok(a)) {
        if (dx) conv2d_backward_data_wino(a, n, w, dy, dx, ws);
        /* the 16 weight-gradient products are (cout, cin) each: below ~64 channels their
         * packing costs more than the 2.25x fewer multiplies save, so im2col does dw */
        if (dw && a->cin >= 64 && a->cout >= 64) {
            conv2d_backward_weights_wino(a, n, x, dy, dw, ws);
            dw = NULL;
        }
        dx = NULL; /* the code below does db (and dw for narrow layers) */
        if (!db && !dw) return;
    }
    const int hw = a->hout * a->wout, rows = a->cin * a->kh * a->kw;
    const size_t xs = (size_t)a->cin * a->h * a->w, ys = (size_t)a->cout * hw;
    const int nb_max = conv_chunk(a, n);
    float *gws = gemm_ws(a, n, ws);
    if (db)
        for (int i = 0; i < n; i++)
            for (int co = 0; co < a->cout; co++) {
                const float *d = dy + (size_t)i * ys + (size_t)co * hw;
                float s = 0;
                for (int q = 0; q < hw; q++) s += d[q];
                db[co] += s;
            }
    if (!dx && !dw) return;
    for (int i0 = 0; i0 < n; i0 += nb_max) {
        int nb = n - i0 < nb_max ? n - i0 : nb_max;
        int ld = nb * hw;
        const float *g; /* (cout, ld) */
        float *tmp = ws + (size_t)rows * ld;
        if (nb == 1) {
            g = dy + (size_t)i0 * ys;
        } else {
            for (int j = 0; j < nb; j++)
                for (int co = 0; co < a->cout; co++)
                    memcpy(tmp + (size_t)co * ld + (size_t)j * hw,
                           dy + (size_t)(i0 + j) * ys + (size_t)co * hw, sizeof(float) * (size_t)hw);
            g = tmp;
        }
        int direct = is_pointwise(a) && nb == 1;
        if (dw) {
            const float *cols;
            if (direct) {
                cols = x + (size_t)i0 * xs;
            } else {
                for (int j = 0; j < nb; j++)
                    conv_im2col(a, x + (size_t)(i0 + j) * xs, ws + (size_t)j * hw, ld);
                cols = ws;
            }
            /* dw (cout, rows) += g (cout, ld) cols^T (ld, rows) */
            gemm_f32(0, 1, a->cout, rows, ld, 1.0f, g, ld, cols, ld, 1.0f, dw, rows, gws);
        }
        if (dx) {
            if (direct) {
                gemm_f32(1, 0, rows, hw, a->cout, 1.0f, w, rows, g, ld, 1.0f,
                             dx + (size_t)i0 * xs, hw, gws);
            } else {
                /* dcols (rows, ld) = w^T (rows, cout) g (cout, ld) */
                gemm_f32(1, 0, rows, ld, a->cout, 1.0f, w, rows, g, ld, 0.0f, ws, ld, gws);
                for (int j = 0; j < nb; j++)
                    conv_col2im_add(a, ws + (size_t)j * hw, ld, dx + (size_t)(i0 + j) * xs);
            }
        }
    }
}

void conv2d_forward_ref(const ConvArgs *a, int n, const float *x, const float *w, const float *b,
                        float *y)
{
    for (int i = 0; i < n; i++)
        for (int co = 0; co < a->cout; co++)
            for (int oy = 0; oy < a->hout; oy++)
                for (int ox = 0; ox < a->wout; ox++) {
                    double s = b ? (double)b[co] : 0.0;
                    for (int ci = 0; ci < a->cin; ci++)
                        for (int ki = 0; ki < a->kh; ki++)
                            for (int kj = 0; kj < a->kw; kj++) {
                                int iy = oy * a->stride - a->pad + ki;
                                int ix = ox * a->stride - a->pad + kj;
                                if (iy < 0 || iy >= a->h || ix < 0 || ix >= a->w) continue;
                                s += (double)x[(((size_t)i * a->cin + ci) * a->h + iy) * a->w + ix] *
                                     (double)w[(((size_t)co * a->cin + ci) * a->kh + ki) * a->kw + kj];
                            }
                    y[(((size_t)i * a->cout + co) * a->hout + oy) * a->wout + ox] = (float)s;
                }
}

void conv2d_backward_ref(const ConvArgs *a, int n, const float *x, const float *w,
                         const float *dy, float *dx, float *dw, float *db)
{
    for (int i = 0; i < n; i++)
        for (int co = 0; co < a->cout; co++)
            for (int oy = 0; oy < a->hout; oy++)
                for (int ox = 0; ox < a->wout; ox++) {
                    float g = dy[(((size_t)i * a->cout + co) * a->hout + oy) * a->wout + ox];
                    if (db) db[co] += g;
                    for (int ci = 0; ci < a->cin; ci++)
                        for (int ki = 0; ki < a->kh; ki++)
                            for (int kj = 0; kj < a->kw; kj++) {
                                int iy = oy * a->stride - a->pad + ki;
                                int ix = ox * a->stride - a->pad + kj;
                                if (iy < 0 || iy >= a->h || ix < 0 || ix >= a->w) continue;
                                size_t xi = (((size_t)i * a->cin + ci) * a->h + iy) * a->w + ix;
                                size_t wi = (((size_t)co * a->cin + ci) * a->kh + ki) * a->kw + kj;
                                if (dx) dx[xi] += g * w[wi];
                                if (dw) dw[wi] += g * x[xi];
                            }
                }
}
