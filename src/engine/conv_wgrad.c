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

/* xt image q = x image i0 + q, channels last, with a zero border of 1 */
static void xt_item(void *ctx, int q, int tid)
{
    (void)tid;
    const WgradJob *j = ctx;
    const ConvArgs *a = j->a;
    const int C = a->cin, Wp = a->w + 2;
    float *d = j->xt + (size_t)q * xt_image_floats(a);
    const float *s = j->x + (size_t)(j->i0 + q) * C * a->h * a->w;
    memset(d, 0, sizeof(float) * xt_image_floats(a));
    for (int c = 0; c < C; c++)
        for (int y = 0; y < a->h; y++) {
            const float *r = s + ((size_t)c * a->h + y) * a->w;
            float *o = d + ((size_t)(y + 1) * Wp + 1) * C + c;
            for (int x = 0; x < a->w; x++) o[(size_t)x * C] = r[x];
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
        int q = t0 / hw, p = t0 % hw, oy = p / a->wout, ox = p % a->wout;
        for (int t = t0; t < t1; t++) {
            const float *xr = j->xt + (size_t)q * img + ((size_t)(oy * s + ki) * Wp + (size_t)ox * s) * C + 8 * g8;
            const __m256 b0 = _mm256_loadu_ps(xr), b1 = _mm256_loadu_ps(xr + C), b2 = _mm256_loadu_ps(xr + 2 * C);
            const float *d = j->dy + (size_t)(j->i0 + q) * dys + (size_t)co0 * hw + p;
#define ROW(r)                                                                                     \
    do {                                                                                           \
        const __m256 g = _mm256_broadcast_ss(d + (size_t)(r) * hw);                                \
        c##r##0 = _mm256_fmadd_ps(g, b0, c##r##0);                                                 \
        c##r##1 = _mm256_fmadd_ps(g, b1, c##r##1);                                                 \
        c##r##2 = _mm256_fmadd_ps(g, b2, c##r##2);                                                 \
    } while (0)
            ROW(0); ROW(1); ROW(2); ROW(3);
#undef ROW
            if (++p == hw) { /* next pixel in the gemm's column order */
                p = oy = ox = 0;
                q++;
            } else if (++ox == a->wout) {
                ox = 0;
                oy++;
            }
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
