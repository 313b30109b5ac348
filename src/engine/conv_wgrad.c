/* conv_wgrad.c: the weight gradient of narrow 3x3 convolutions straight from x and dy (no
 * im2col), bitwise the im2col + gemm path's. See conv.h (conv_wgrad_direct).
 *
 * The im2col path computes, per image chunk, dw (cout, rows) += g (cout, ld) cols^T (ld, rows)
 * with gemm_f32, whose kernel sums each element over KC-deep slices of k (here: the chunk's
 * pixels, image by image, row-major) by FMAs from +0 and then does dw = fma(1, sum, dw)
 * (gemm.h). With 8-64 channels the product is small next to its operands: im2col writes every
 * input value 9 times, the gemm packs both operands transposed, and a 12 x 32 tile does 8 useful
 * rows of 12 when cout = 8. Here the chunk's images are copied once into a zero-bordered
 * channels-last buffer (xt: (nb, h + 2, w + 2, cin)), so the 8 input channels of one kernel tap
 * at one pixel are one vector load, and each item keeps a 4 (output channels) x 3 (taps of one
 * kernel row) x 8 (input channels) block of sums in registers while it walks the pixels in the
 * gemm's order: the same FMAs on the same values (padding included: zeros, as im2col writes them),
 * from +0, in the same KC slices, then dw += sum, which is fma(1, sum, dw). So every dw element
 * is the one the gemm path computes. */
#include "conv.h"
#include "gemm.h"
#include "pool.h"
#include "simd.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define WGRAD_X86 1
#endif

/* Output channels per item (one broadcast each per pixel). */
#define WG_CO 4

static size_t xt_image_floats(const ConvArgs *a) { return (size_t)(a->h + 2) * (a->w + 2) * a->cin; }

int conv_wgrad_direct_ok(const ConvArgs *a, int nb, size_t buf_floats)
{
#ifdef WGRAD_X86
    /* the gemm kernel class whose sums this reproduces (AVX-512 or AVX2 + FMA, same bits) */
    const int fma_kernel = strcmp(gemm_kernel_name(), "openblas") != 0 && __builtin_cpu_supports("fma");
    return fma_kernel && simd_avx2() && a->kh == 3 && a->kw == 3 && a->pad == 1 &&
           (a->stride == 1 || a->stride == 2) && a->cin % 8 == 0 && a->cout % WG_CO == 0 &&
           (size_t)nb * xt_image_floats(a) <= buf_floats;
#else
    (void)a;
    (void)nb;
    (void)buf_floats;
    return 0;
#endif
}

typedef struct {
    const ConvArgs *a;
    int i0, nb;
    const float *x, *dy;
    float *dw, *xt;
} WgradJob;

#ifdef WGRAD_X86
/* o[x C + c] = rows[c][x] for 8 rows (channels, row stride rs) and x < 8 (output stride os) */
__attribute__((target("avx2"))) static void transpose8_store(const float *r0, size_t rs, float *o, size_t os)
{
    __m256 r[8];
    for (int c = 0; c < 8; c++) r[c] = _mm256_loadu_ps(r0 + (size_t)c * rs);
    simd_transpose8_avx2(r);
    for (int x = 0; x < 8; x++) _mm256_storeu_ps(o + (size_t)x * os, r[x]);
}
#endif

/* xt image q = x image i0 + q, channels last, with a zero border of 1 (a copy: 8 x 8 blocks of
 * (channel, column) transposed in registers, the rest element by element) */
static void xt_item(void *ctx, int q, int tid)
{
    (void)tid;
    const WgradJob *j = ctx;
    const ConvArgs *a = j->a;
    const int C = a->cin, Wp = a->w + 2;
    float *d = j->xt + (size_t)q * xt_image_floats(a);
    const float *s = j->x + (size_t)(j->i0 + q) * C * a->h * a->w;
    const size_t plane = (size_t)a->h * a->w;
    memset(d, 0, sizeof(float) * (size_t)Wp * C);                                /* top row */
    memset(d + (size_t)(a->h + 1) * Wp * C, 0, sizeof(float) * (size_t)Wp * C); /* bottom row */
    for (int y = 0; y < a->h; y++) {
        float *o = d + ((size_t)(y + 1) * Wp + 1) * C; /* column 0 of row y */
        memset(o - C, 0, sizeof(float) * (size_t)C);
        memset(o + (size_t)a->w * C, 0, sizeof(float) * (size_t)C);
        int x0 = 0;
#ifdef WGRAD_X86
        for (; x0 + 8 <= a->w; x0 += 8) /* C % 8 == 0 (conv_wgrad_direct_ok) */
            for (int c = 0; c < C; c += 8)
                transpose8_store(s + (size_t)c * plane + (size_t)y * a->w + x0, plane, o + (size_t)x0 * C + c, (size_t)C);
#endif
        for (int c = 0; c < C; c++)
            for (int x = x0; x < a->w; x++) o[(size_t)x * C + c] = s[(size_t)c * plane + (size_t)y * a->w + x];
    }
}

#ifdef WGRAD_X86
/* Item (co block, kernel row ki, input-channel group of 8): over the chunk's pixels t, in KC
 * slices, acc[c][kj] += dy[co0 + c](t) * xt(t shifted by (ki, kj))[g8 .. g8 + 7], then
 * dw += acc. Shapes: dy (n, cout, hout, wout), dw (cout, cin, 3, 3). */
__attribute__((target("avx2,fma"))) static void wgrad_item(void *ctx, int item, int tid)
{
    (void)tid;
    const WgradJob *j = ctx;
    const ConvArgs *a = j->a;
    const int C = a->cin, groups = C / 8, g8 = item % groups, ki = item / groups % 3;
    const int co0 = item / groups / 3 * WG_CO, s = a->stride, Wp = a->w + 2;
    const int hw = a->hout * a->wout, ld = j->nb * hw, rows = C * 9;
    const size_t img = xt_image_floats(a), dys = (size_t)a->cout * hw;
    for (int t0 = 0; t0 < ld; t0 += GEMM_KC) {
        const int t1 = ld - t0 < GEMM_KC ? ld : t0 + GEMM_KC;
        __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        __m256 c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        /* the pixels t0 .. t1 - 1 in runs along one output row: x advances s C floats a pixel */
        for (int t = t0; t < t1;) {
            const int q = t / hw, p = t % hw, oy = p / a->wout, ox = p % a->wout;
            const int run = a->wout - ox < t1 - t ? a->wout - ox : t1 - t;
            const float *xr = j->xt + (size_t)q * img + ((size_t)(oy * s + ki) * Wp + (size_t)ox * s) * C + 8 * g8;
            const float *d = j->dy + (size_t)(j->i0 + q) * dys + (size_t)co0 * hw + p;
            for (int u = 0; u < run; u++, xr += (size_t)s * C, d++) {
                const __m256 b0 = _mm256_loadu_ps(xr), b1 = _mm256_loadu_ps(xr + C), b2 = _mm256_loadu_ps(xr + 2 * C);
#define ROW(r)                                                                                     \
    do {                                                                                           \
        const __m256 g = _mm256_broadcast_ss(d + (size_t)(r) * hw);                                \
        c##r##0 = _mm256_fmadd_ps(g, b0, c##r##0);                                                 \
        c##r##1 = _mm256_fmadd_ps(g, b1, c##r##1);                                                 \
        c##r##2 = _mm256_fmadd_ps(g, b2, c##r##2);                                                 \
    } while (0)
                ROW(0); ROW(1); ROW(2); ROW(3);
#undef ROW
            }
            t += run;
        }
        const __m256 acc[WG_CO][3] = {{c00, c01, c02}, {c10, c11, c12}, {c20, c21, c22}, {c30, c31, c32}};
        for (int c = 0; c < WG_CO; c++)
            for (int kj = 0; kj < 3; kj++) {
                float v[8];
                _mm256_storeu_ps(v, acc[c][kj]);
                float *o = j->dw + (size_t)(co0 + c) * rows + (size_t)(8 * g8) * 9 + ki * 3 + kj;
                for (int l = 0; l < 8; l++) o[(size_t)l * 9] += v[l]; /* = fma(1, sum, dw) */
            }
    }
}
#endif

void conv_wgrad_direct(const ConvArgs *a, int i0, int nb, const float *x, const float *dy, float *dw,
                       float *buf)
{
#ifdef WGRAD_X86
    const int threads = pool_width(conv_threads(a));
    WgradJob j = {a, i0, nb, x, dy, dw, buf};
    pool_for(nb, threads, xt_item, &j);
    pool_for(a->cout / WG_CO * 3 * (a->cin / 8), threads, wgrad_item, &j);
#else
    (void)a;
    (void)i0;
    (void)nb;
    (void)x;
    (void)dy;
    (void)dw;
    (void)buf;
#endif
}
