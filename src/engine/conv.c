/* conv.c: 2-D convolution by im2col + sgemm, and the direct reference (_ref). See conv.h.
 * Small spatial maps are batched: conv_chunk images are unrolled side by side so that one
 * sgemm has at least ~1024 columns (a 4x4 map alone would give a 16-column product). */
#include "conv.h"
#include "gemm.h"
#include "pool.h"
#include "simd.h"

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
    a->threads = pool_threads();
}

int conv_chunk(const ConvArgs *a, int n_max)
{
    int hw = a->hout * a->wout;
    int nb = (1024 + hw - 1) / hw;
    if (nb > n_max) nb = n_max;
    return nb < 1 ? 1 : nb;
}

/* im2col workspace: one slice per thread (conv_threads) of cols (rows, nb*hw) + the gathered
 * output or output gradient (cout, nb*hw) when nb > 1, then gemm panels for
 * max(threads, GEMM_MAX_THREADS) threads (a top-level gemm uses the first GEMM_WS_FLOATS). */
static size_t im2col_slice_floats(const ConvArgs *a, int n)
{
    size_t nb = (size_t)conv_chunk(a, n), hw = (size_t)a->hout * a->wout;
    size_t rows = (size_t)a->cin * a->kh * a->kw;
    return rows * nb * hw + (nb > 1 ? (size_t)a->cout * nb * hw : 0);
}

static int gemm_slices(const ConvArgs *a)
{
    return conv_threads(a) > GEMM_MAX_THREADS ? conv_threads(a) : GEMM_MAX_THREADS;
}

static size_t im2col_ws_floats(const ConvArgs *a, int n)
{
    return (size_t)conv_threads(a) * im2col_slice_floats(a, n) + (size_t)gemm_slices(a) * GEMM_WS_THREAD;
}

size_t conv_ws_floats(const ConvArgs *a, int n_max)
{
    size_t im2col = im2col_ws_floats(a, n_max);
    if (conv_wino_ok(a)) {
        size_t wn = conv_wino_ws_floats(a, n_max);
        if (wn > im2col) return wn;
    }
    return im2col;
}

/* Thread tid's slice: cols (rows, ld) then the gathered (cout, ld) block. */
static float *im2col_slice(const ConvArgs *a, int n, float *ws, int tid)
{
    return ws + (size_t)tid * im2col_slice_floats(a, n);
}

/* The gemm panels: thread tid's GEMM_WS_THREAD floats (tid 0: GEMM_WS_FLOATS for a top-level
 * gemm). */
static float *gemm_ws(const ConvArgs *a, int n, float *ws, int tid)
{
    return ws + (size_t)conv_threads(a) * im2col_slice_floats(a, n) + (size_t)tid * GEMM_WS_THREAD;
}

static int is_pointwise(const ConvArgs *a)
{
    return a->kh == 1 && a->kw == 1 && a->stride == 1 && a->pad == 0;
}

#ifdef CONV_X86
/* r[ox] = xr[2 ox + off] for ox in [lo, hi) (all in range): even lanes of 32-float loads. */
__attribute__((target("avx512f"))) static void stride2_row_avx512(const float *xr, int off, int lo,
                                                                    int hi, float *r)
{
    const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    int ox = lo;
    for (; ox + 16 <= hi; ox += 16) {
        const float *s = xr + 2 * ox + off; /* 31 floats needed: s[0..30] */
        __m512 v0 = _mm512_loadu_ps(s), v1 = _mm512_maskz_loadu_ps((__mmask16)0x7fff, s + 16);
        _mm512_storeu_ps(r + ox, _mm512_permutex2var_ps(v0, ev, v1));
    }
    for (; ox < hi; ox++) r[ox] = xr[2 * ox + off];
}

/* stride2_row_avx512's copy with AVX2, 8 outputs from two 8-float loads (simd_even_avx2) while
 * the second load stays inside the row (w floats), then one at a time. */
__attribute__((target("avx2"))) static void stride2_row_avx2(const float *xr, int w, int off, int lo,
                                                              int hi, float *r)
{
    int ox = lo;
    for (; ox + 8 <= hi && 2 * ox + off + 16 <= w; ox += 8) {
        const float *s = xr + 2 * ox + off;
        __m256 v0 = _mm256_loadu_ps(s), v1 = _mm256_loadu_ps(s + 8);
        _mm256_storeu_ps(r + ox, simd_even_avx2(v0, v1));
    }
    for (; ox < hi; ox++) r[ox] = xr[2 * ox + off];
}

/* xr[2 ox + off] += r[ox] for ox in [lo, hi) (all in range): r spread to the even lanes, masked
 * adds (the odd lanes are not touched, so bitwise the scalar loop's result). */
__attribute__((target("avx512f"))) static void stride2_add_avx512(const float *r, int lo, int hi,
                                                                    float *xr, int off)
{
    const __m512i sl = _mm512_set_epi32(0, 7, 0, 6, 0, 5, 0, 4, 0, 3, 0, 2, 0, 1, 0, 0);
    const __m512i sh = _mm512_set_epi32(0, 15, 0, 14, 0, 13, 0, 12, 0, 11, 0, 10, 0, 9, 0, 8);
    int ox = lo;
    for (; ox + 16 <= hi; ox += 16) {
        float *d = xr + 2 * ox + off; /* d[0..30] */
        __m512 rv = _mm512_loadu_ps(r + ox);
        __m512 x0 = _mm512_loadu_ps(d), x1 = _mm512_maskz_loadu_ps((__mmask16)0x7fff, d + 16);
        _mm512_storeu_ps(d, _mm512_mask_add_ps(x0, (__mmask16)0x5555, x0, _mm512_permutexvar_ps(sl, rv)));
        _mm512_mask_storeu_ps(d + 16, (__mmask16)0x7fff,
                              _mm512_mask_add_ps(x1, (__mmask16)0x5555, x1, _mm512_permutexvar_ps(sh, rv)));
    }
    for (; ox < hi; ox++) xr[2 * ox + off] += r[ox];
}

/* valid outputs of a stride-2 row: ox in [*lo, *hi) with 0 <= 2 ox + off < w */
static void stride2_range(int off, int w, int wo, int *lo, int *hi)
{
    *lo = off < 0 ? (-off + 1) / 2 : 0;
    *hi = (w - off + 1) / 2;
    if (*hi > wo) *hi = wo;
    if (*lo > *hi) *lo = *hi;
}
#endif

void conv_im2col(const ConvArgs *a, const float *x, float *cols, int ld)
{
#ifdef CONV_X86
    const int simd = __builtin_cpu_supports("avx512f"), avx2 = simd_avx2();
#else
    const int simd = 0, avx2 = 0;
#endif
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
                    } else if (s == 2 && simd) {
#ifdef CONV_X86
                        int off = kj - p, lo, hi;
                        stride2_range(off, a->w, wo, &lo, &hi);
                        for (int ox = 0; ox < lo; ox++) r[ox] = 0;
                        stride2_row_avx512(xr, off, lo, hi, r);
                        for (int ox = hi; ox < wo; ox++) r[ox] = 0;
#endif
                    } else if (s == 2 && avx2) {
#ifdef CONV_X86
                        int off = kj - p, lo, hi;
                        stride2_range(off, a->w, wo, &lo, &hi);
                        for (int ox = 0; ox < lo; ox++) r[ox] = 0;
                        stride2_row_avx2(xr, a->w, off, lo, hi, r);
                        for (int ox = hi; ox < wo; ox++) r[ox] = 0;
#endif
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
#ifdef CONV_X86
    const int simd = __builtin_cpu_supports("avx512f");
#endif
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
#ifdef CONV_X86
                    if (s == 2 && simd) {
                        int lo, hi;
                        stride2_range(kj - p, a->w, wo, &lo, &hi);
                        stride2_add_avx512(r, lo, hi, xr, kj - p);
                        continue;
                    }
#endif
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

/* epilogue_avx512's operations with AVX2 on the first len / 8 * 8 elements; returns how many */
__attribute__((target("avx2"))) static size_t epilogue_avx2(const float *src, size_t len, float b,
                                                             const float *res, int relu, float *y)
{
    const __m256 bv = _mm256_set1_ps(b), zero = _mm256_setzero_ps();
    size_t q = 0;
    for (; q + 8 <= len; q += 8) {
        __m256 v = _mm256_add_ps(_mm256_loadu_ps(src + q), bv);
        if (res) v = _mm256_add_ps(v, _mm256_loadu_ps(res + q));
        if (relu) v = _mm256_max_ps(v, zero); /* NaN and -0 -> +0, as the scalar loop */
        _mm256_storeu_ps(y + q, v);
    }
    return q;
}
#endif

static void epilogue(int simd, const float *src, size_t len, float b, const float *res, int relu,
                     float *y)
{
    size_t q = 0;
#ifdef CONV_X86
    if (simd) {
        epilogue_avx512(src, len, b, res, relu, y);
        return;
    }
    if (simd_avx2()) q = epilogue_avx2(src, len, b, res, relu, y);
#endif
    (void)simd;
    for (; q < len; q++) {
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

/* Images per chunk for the forward pass and the input gradient: conv_chunk, but at least one
 * chunk per thread. Each output element's sum runs over rows (or cout) whatever the chunk, so
 * results do not depend on it. */
static int par_chunk(const ConvArgs *a, int n, int threads)
{
    return pool_group(n, conv_chunk(a, n), threads);
}

typedef struct {
    const ConvArgs *a;
    int n, nb, relu, simd;
    const float *x, *w, *b, *res, *dy;
    float *y, *dx, *db, *ws;
} Im2colJob;

/* forward of chunk `item`: y = act(conv(x) + b (+ res)) for its images */
static void fwd_chunk_item(void *ctx, int item, int tid)
{
    const Im2colJob *j = ctx;
    const ConvArgs *a = j->a;
    const int hw = a->hout * a->wout, rows = a->cin * a->kh * a->kw;
    const size_t xs = (size_t)a->cin * a->h * a->w, ys = (size_t)a->cout * hw;
    const int i0 = item * j->nb, nb = j->n - i0 < j->nb ? j->n - i0 : j->nb, ld = nb * hw;
    const int plain = !j->b && !j->res && !j->relu; /* the gemm's output is final */
    float *slice = im2col_slice(a, j->n, j->ws, tid), *gws = gemm_ws(a, j->n, j->ws, tid);
    const float *cols;
    if (is_pointwise(a) && nb == 1) {
        cols = j->x + (size_t)i0 * xs;
    } else {
        for (int q = 0; q < nb; q++) conv_im2col(a, j->x + (size_t)(i0 + q) * xs, slice + (size_t)q * hw, ld);
        cols = slice;
    }
    if (nb == 1) {
        float *yi = j->y + (size_t)i0 * ys;
        gemm_f32(0, 0, a->cout, hw, rows, 1.0f, j->w, rows, cols, ld, 0.0f, yi, hw, gws);
        if (!plain)
            for (int co = 0; co < a->cout; co++)
                epilogue(j->simd, yi + (size_t)co * hw, (size_t)hw, j->b ? j->b[co] : 0.0f,
                         j->res ? j->res + (size_t)i0 * ys + (size_t)co * hw : NULL, j->relu,
                         yi + (size_t)co * hw);
        return;
    }
    float *tmp = slice + (size_t)rows * ld; /* (cout, nb*hw) */
    gemm_f32(0, 0, a->cout, ld, rows, 1.0f, j->w, rows, cols, ld, 0.0f, tmp, ld, gws);
    for (int q = 0; q < nb; q++)
        for (int co = 0; co < a->cout; co++) {
            size_t yo = (size_t)(i0 + q) * ys + (size_t)co * hw;
            const float *src = tmp + (size_t)co * ld + (size_t)q * hw;
            if (plain) memcpy(j->y + yo, src, sizeof(float) * (size_t)hw);
            else epilogue(j->simd, src, (size_t)hw, j->b ? j->b[co] : 0.0f, j->res ? j->res + yo : NULL, j->relu, j->y + yo);
        }
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
    const int threads = pool_width(conv_threads(a)), nb = par_chunk(a, n, threads);
    Im2colJob j = {.a = a, .n = n, .nb = nb, .relu = relu, .simd = simd, .x = x, .w = w, .b = b,
                   .res = res, .y = y, .ws = ws};
    pool_for((n + nb - 1) / nb, threads, fwd_chunk_item, &j);
}

/* (cout, nb*hw) <- dy of nb images from i0, side by side */
static void gather_dy(const ConvArgs *a, const float *dy, int i0, int q, int ld, float *g)
{
    const int hw = a->hout * a->wout;
    const size_t ys = (size_t)a->cout * hw;
    for (int co = 0; co < a->cout; co++)
        memcpy(g + (size_t)co * ld + (size_t)q * hw, dy + (size_t)(i0 + q) * ys + (size_t)co * hw,
               sizeof(float) * (size_t)hw);
}

/* input gradient of chunk `item`: dx += col2im(w^T dy) for its images */
static void dx_chunk_item(void *ctx, int item, int tid)
{
    const Im2colJob *j = ctx;
    const ConvArgs *a = j->a;
    const int hw = a->hout * a->wout, rows = a->cin * a->kh * a->kw;
    const size_t xs = (size_t)a->cin * a->h * a->w, ys = (size_t)a->cout * hw;
    const int i0 = item * j->nb, nb = j->n - i0 < j->nb ? j->n - i0 : j->nb, ld = nb * hw;
    float *slice = im2col_slice(a, j->n, j->ws, tid), *gws = gemm_ws(a, j->n, j->ws, tid);
    float *tmp = slice + (size_t)rows * ld;
    const float *g = j->dy + (size_t)i0 * ys; /* (cout, ld) */
    if (nb > 1) {
        for (int q = 0; q < nb; q++) gather_dy(a, j->dy, i0, q, ld, tmp);
        g = tmp;
    }
    if (is_pointwise(a) && nb == 1) {
        gemm_f32(1, 0, rows, hw, a->cout, 1.0f, j->w, rows, g, ld, 1.0f, j->dx + (size_t)i0 * xs, hw, gws);
        return;
    }
    /* dcols (rows, ld) = w^T (rows, cout) g (cout, ld) */
    gemm_f32(1, 0, rows, ld, a->cout, 1.0f, j->w, rows, g, ld, 0.0f, slice, ld, gws);
    for (int q = 0; q < nb; q++) conv_col2im_add(a, slice + (size_t)q * hw, ld, j->dx + (size_t)(i0 + q) * xs);
}

/* weight-gradient chunk preparation, one image q per item: its im2col columns and its dy block */
typedef struct {
    const ConvArgs *a;
    int i0, ld, direct;
    const float *x, *dy;
    float *cols, *g;
} PrepJob;

static void dw_prep_item(void *ctx, int q, int tid)
{
    (void)tid;
    const PrepJob *p = ctx;
    const int hw = p->a->hout * p->a->wout;
    const size_t xs = (size_t)p->a->cin * p->a->h * p->a->w;
    if (!p->direct) conv_im2col(p->a, p->x + (size_t)(p->i0 + q) * xs, p->cols + (size_t)q * hw, p->ld);
    if (p->g) gather_dy(p->a, p->dy, p->i0, q, p->ld, p->g);
}

/* db[co] += sum over images and pixels of dy, output channels [16 item, 16 item + 16) */
static void db_item(void *ctx, int item, int tid)
{
    (void)tid;
    const Im2colJob *j = ctx;
    const int hw = j->a->hout * j->a->wout, co1 = 16 * item + 16 < j->a->cout ? 16 * item + 16 : j->a->cout;
    const size_t ys = (size_t)j->a->cout * hw;
    for (int co = 16 * item; co < co1; co++) {
        float s = 0;
        for (int i = 0; i < j->n; i++) {
            const float *d = j->dy + (size_t)i * ys + (size_t)co * hw;
            for (int q = 0; q < hw; q++) s += d[q];
        }
        j->db[co] += s;
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
    const size_t xs = (size_t)a->cin * a->h * a->w;
    const int threads = pool_width(conv_threads(a));
    if (db) {
        Im2colJob j = {.a = a, .n = n, .dy = dy, .db = db};
        pool_for((a->cout + 15) / 16, threads, db_item, &j);
    }
    if (dx) {
        const int nb = par_chunk(a, n, threads);
        Im2colJob j = {.a = a, .n = n, .nb = nb, .w = w, .dy = dy, .dx = dx, .ws = ws};
        pool_for((n + nb - 1) / nb, threads, dx_chunk_item, &j);
    }
    if (!dw) return;
    /* dw (cout, rows) += g (cout, ld) cols^T (ld, rows), chunk by chunk in a fixed order (the
     * sum runs over the chunks' columns, so the chunking never depends on the thread count);
     * the product itself splits over dw's columns */
    const int nb_max = conv_chunk(a, n);
    float *cols = im2col_slice(a, n, ws, 0);
    for (int i0 = 0; i0 < n; i0 += nb_max) {
        const int nb = n - i0 < nb_max ? n - i0 : nb_max, ld = nb * hw;
        if (conv_wgrad_direct_ok(a, nb, im2col_slice_floats(a, n))) { /* no im2col, same bits */
            conv_wgrad_direct(a, i0, nb, x, dy, dw, cols);
            continue;
        }
        const int direct = is_pointwise(a) && nb == 1;
        PrepJob p = {a, i0, ld, direct, x, dy, cols, nb > 1 ? cols + (size_t)rows * ld : NULL};
        if (!direct || nb > 1) pool_for(nb, threads, dw_prep_item, &p);
        const float *c = direct ? x + (size_t)i0 * xs : cols;
        const float *g = nb > 1 ? p.g : dy + (size_t)i0 * a->cout * hw;
        gemm_f32(0, 1, a->cout, rows, ld, 1.0f, g, ld, c, ld, 1.0f, dw, rows, gemm_ws(a, n, ws, 0));
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
