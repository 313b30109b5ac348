/* conv_winograd.c: 3x3 stride-1 pad-1 convolution by Winograd's F(2x2, 3x3) (Lavin & Gray 2016):
 * 4x4 input tiles V = B^T d B, weights U = G g G^T, 16 matrix products M_xi = U_xi V_xi over the
 * channels, outputs Y = A^T M A (2x2 per tile). 16 multiplies per 4 outputs instead of 36, so the
 * products shrink 2.25x. Used for the forward pass and, with the kernel flipped and transposed,
 * for the input gradient (itself a 3x3 stride-1 pad-1 convolution of dy). Float rounding differs
 * from im2col by a few ulps (the transforms add and subtract); tests and bench compare with
 * conv2d_forward_ref. */
#include "conv.h"
#include "simd.h"
#include "gemm.h"
#include "pool.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define WINO_X86 1
#endif

/* AVX2 twins of the hottest scalar loops (binop, out_tiles, the output scatter) for CPUs without
 * AVX-512: the same operations in the same order, 8 lanes at a time, so bitwise the same. */
static int wino_avx2(void)
{
#if defined(WINO_X86) && !defined(WINO_NO_AVX2) /* -DWINO_NO_AVX2: the scalar loops, to compare */
    return simd_avx2();
#else
    return 0;
#endif
}

/* Floats from one transformed plane V_xi (C, T) or M_xi (K, T) to the next: C T plus 16 (64
 * bytes). C T alone is often a multiple of 4 KiB (8 channels x 512 tiles = 16 KiB), so the
 * transforms' 16 streams, one per plane at the same offset, all fell into one set of the 8-way
 * L1 cache and evicted each other; the skew puts them in 16 different sets. Layout only: every
 * value and every sum is the same. */
#define XI_PAD 16
static size_t xi_stride(int C, int T) { return (size_t)C * (size_t)T + XI_PAD; }

/* Scratch of the scalar input transform per tile row: padded rows d (4, 2tw+2), B^T d rows
 * (4, 2tw+2), their even / odd columns E, O (4, tw+1), output rows o (4, tw). */
static size_t scratch_floats(int W)
{
    size_t tw = (size_t)(W + 1) / 2, pw = 2 * tw + 2;
    return 8 * pw + 8 * (tw + 1) + 4 * tw + 64;
}

/* The AVX-512 input transform's zero-padded plane: H + 4 rows of pad_stride(W) floats (row q,
 * column p hold x[q - 1][p - 1]); a 16-tile block starting at tile j0 reads columns
 * [2 j0, 2 j0 + 34). */
static size_t pad_stride(int W) { return 32 * (size_t)(((W + 1) / 2 + 15) / 16) + 16; }
static size_t pad_floats(int H, int W) { return (size_t)(H + 4) * pad_stride(W) + 16; }

/* Tile rows per vector of the packed AVX-512 input transform (even H and W with W / 2 in
 * {2, 4, 8}: 16 / tw tile rows share one 16-lane vector), 1 where it does not apply. */
static int pack_rows(int H, int W)
{
    if (H % 2 || W % 2) return 1;
    int tw = W / 2;
    return tw == 2 || tw == 4 || tw == 8 ? 16 / tw : 1;
}

/* The packed transform's plane stack: nb zero-padded planes of H + 2 rows of pad_stride(W). */
static size_t pack_floats(int nb, int H, int W) { return (size_t)nb * (H + 2) * pad_stride(W) + 32; }

int conv_wino_ok(const ConvArgs *a)
{
    return a->kh == 3 && a->kw == 3 && a->stride == 1 && a->pad == 1 && a->cin >= 8 && a->cout >= 8;
}

/* Images per chunk: at least ~512 tiles per product. */
static int wino_chunk(const ConvArgs *a, int n)
{
    int tiles = ((a->h + 1) / 2) * ((a->w + 1) / 2);
    int nb = (512 + tiles - 1) / tiles;
    if (nb > n) nb = n;
    return nb < 1 ? 1 : nb;
}

static size_t pad_floats_max(const ConvArgs *a, int n)
{
    size_t p = pad_floats(a->h, a->w), q = pack_floats(wino_chunk(a, n), a->h, a->w);
    return p > q ? p : q;
}

/* Workspace: U (or dU) (16, cout, cin), shared, then one slice per worker thread
 * (conv_threads(a)): V (16, cmax, tmax) + M (16, cmax, tmax) + gemm panels + transform scratch.
 * The transposed problem (dx) swaps cin and cout, so both sides are sized by the larger. */
static size_t slice_floats(const ConvArgs *a, int n)
{
    size_t t = (size_t)wino_chunk(a, n) * (size_t)(((a->h + 1) / 2) * ((a->w + 1) / 2));
    size_t cmax = (size_t)(a->cin > a->cout ? a->cin : a->cout);
    return 2 * 16 * (cmax * t + XI_PAD) + GEMM_WS_THREAD + scratch_floats(a->w) + pad_floats_max(a, n) + 12 * t;
}

/* U_xi (K, C) packed for the products (gemm_pack_a_full), for either orientation */
static size_t packed_u_floats(const ConvArgs *a)
{
    size_t p = gemm_packed_a_floats(a->cout, a->cin), q = gemm_packed_a_floats(a->cin, a->cout);
    return p > q ? p : q;
}

/* The shared region: U (16, cout, cin), then the 16 packed U_xi (64-byte aligned: the arena is,
 * and 16 floats are 64 bytes). */
static size_t shared_floats(const ConvArgs *a)
{
    return 16 * (size_t)a->cin * a->cout + 16 * packed_u_floats(a);
}

size_t conv_wino_ws_floats(const ConvArgs *a, int n)
{
    return shared_floats(a) + (size_t)conv_threads(a) * slice_floats(a, n);
}

/* A worker's slice: V, M (16 cmax tmax each), its gemm panels and its transform scratch. */
typedef struct {
    float *V, *M, *gws, *scr;
} Slice;

static Slice slice_of(const ConvArgs *a, int n, float *ws, int tid)
{
    const size_t tmax = (size_t)wino_chunk(a, n) * (size_t)(((a->h + 1) / 2) * ((a->w + 1) / 2));
    const size_t cmax = (size_t)(a->cin > a->cout ? a->cin : a->cout);
    Slice s;
    s.V = ws + shared_floats(a) + (size_t)tid * slice_floats(a, n);
    s.M = s.V + 16 * (cmax * tmax + XI_PAD);
    s.gws = s.M + 16 * (cmax * tmax + XI_PAD);
    s.scr = s.gws + GEMM_WS_THREAD;
    return s;
}

/* U[xi][o][i] = (G g G^T)[xi] for g = w[o][i] (or the flipped w[i][o] when flip). */
#ifdef WINO_X86
/* transform_weights with AVX-512: 16 input channels i of one output channel o per step, the
 * nine taps gathered (stride 9, or 9 co_n when flipped); the scalar version's operations. */
__attribute__((target("avx512f"))) static void transform_weights_avx512(const float *w, int co_n,
                                                                          int ci_n, int flip, float *U,
                                                                          int o0, int o1)
{
    const size_t plane = (size_t)co_n * ci_n;
    const int step = flip ? 9 * co_n : 9;
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i vidx = _mm512_mullo_epi32(lane, _mm512_set1_epi32(step));
    const __m512 half = _mm512_set1_ps(0.5f);
    for (int o = o0; o < o1; o++)
        for (int i0 = 0; i0 < ci_n; i0 += 16) {
            __mmask16 mk = ci_n - i0 >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (ci_n - i0)) - 1);
            const float *src = flip ? w + ((size_t)i0 * co_n + o) * 9 : w + ((size_t)o * ci_n + i0) * 9;
            __m512 g[3][3];
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 3; c++) {
                    int tap = flip ? (2 - r) * 3 + (2 - c) : r * 3 + c;
                    g[r][c] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mk, vidx, src + tap, 4);
                }
            __m512 t[4][3];
            for (int c = 0; c < 3; c++) {
                t[0][c] = g[0][c];
                t[1][c] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(g[0][c], g[1][c]), g[2][c]));
                t[2][c] = _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(g[0][c], g[1][c]), g[2][c]));
                t[3][c] = g[2][c];
            }
            float *dst = U + (size_t)o * ci_n + i0;
            for (int r = 0; r < 4; r++) {
                __m512 u1 = _mm512_mul_ps(half, _mm512_add_ps(_mm512_add_ps(t[r][0], t[r][1]), t[r][2]));
                __m512 u2 = _mm512_mul_ps(half, _mm512_add_ps(_mm512_sub_ps(t[r][0], t[r][1]), t[r][2]));
                _mm512_mask_storeu_ps(dst + (size_t)(r * 4 + 0) * plane, mk, t[r][0]);
                _mm512_mask_storeu_ps(dst + (size_t)(r * 4 + 1) * plane, mk, u1);
                _mm512_mask_storeu_ps(dst + (size_t)(r * 4 + 2) * plane, mk, u2);
                _mm512_mask_storeu_ps(dst + (size_t)(r * 4 + 3) * plane, mk, t[r][2]);
            }
        }
}
#endif

static void transform_weights(const float *w, int co_n, int ci_n, int flip, float *U, int o0,
                              int o1, int simd)
{
#ifdef WINO_X86
    if (simd) {
        transform_weights_avx512(w, co_n, ci_n, flip, U, o0, o1);
        return;
    }
#endif
    (void)simd;
    const size_t plane = (size_t)co_n * ci_n;
    for (int o = o0; o < o1; o++)
        for (int i = 0; i < ci_n; i++) {
            float g[3][3];
            for (int r = 0; r < 3; r++)
                for (int s = 0; s < 3; s++)
                    g[r][s] = flip ? w[(((size_t)i * co_n + o) * 3 + (2 - r)) * 3 + (2 - s)]
                                   : w[(((size_t)o * ci_n + i) * 3 + r) * 3 + s];
            float t[4][3]; /* G g */
            for (int s = 0; s < 3; s++) {
                t[0][s] = g[0][s];
                t[1][s] = 0.5f * (g[0][s] + g[1][s] + g[2][s]);
                t[2][s] = 0.5f * (g[0][s] - g[1][s] + g[2][s]);
                t[3][s] = g[2][s];
            }
            for (int r = 0; r < 4; r++) { /* (G g) G^T */
                float u0 = t[r][0], u1 = 0.5f * (t[r][0] + t[r][1] + t[r][2]),
                      u2 = 0.5f * (t[r][0] - t[r][1] + t[r][2]), u3 = t[r][2];
                size_t base = (size_t)o * ci_n + i;
                U[(size_t)(r * 4 + 0) * plane + base] = u0;
                U[(size_t)(r * 4 + 1) * plane + base] = u1;
                U[(size_t)(r * 4 + 2) * plane + base] = u2;
                U[(size_t)(r * 4 + 3) * plane + base] = u3;
            }
        }
}

/* dst[i] = op(a[i], b[i]) elementwise over n, vectorised where the CPU has AVX-512. */
typedef enum { OP_SUB, OP_ADD } BinOp;
#ifdef WINO_X86
__attribute__((target("avx512f"))) static void binop_avx512(BinOp op, const float *a,
                                                              const float *b, float *dst, int n)
{
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(a + i), y = _mm512_loadu_ps(b + i);
        _mm512_storeu_ps(dst + i, op == OP_SUB ? _mm512_sub_ps(x, y) : _mm512_add_ps(x, y));
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 x = _mm512_maskz_loadu_ps(m, a + i), y = _mm512_maskz_loadu_ps(m, b + i);
        _mm512_mask_storeu_ps(dst + i, m, op == OP_SUB ? _mm512_sub_ps(x, y) : _mm512_add_ps(x, y));
    }
}
/* the first n / 8 * 8 elements; returns how many */
__attribute__((target("avx2"))) static int binop_avx2(BinOp op, const float *a, const float *b,
                                                      float *dst, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(a + i), y = _mm256_loadu_ps(b + i);
        _mm256_storeu_ps(dst + i, op == OP_SUB ? _mm256_sub_ps(x, y) : _mm256_add_ps(x, y));
    }
    return i;
}
#endif
static void binop(int simd, BinOp op, const float *a, const float *b, float *dst, int n)
{
#ifdef WINO_X86
    if (simd) {
        binop_avx512(op, a, b, dst, n);
        return;
    }
#endif
    (void)simd;
    int i = 0;
#ifdef WINO_X86
    if (wino_avx2()) i = binop_avx2(op, a, b, dst, n);
#endif
    if (op == OP_SUB)
        for (; i < n; i++) dst[i] = a[i] - b[i];
    else
        for (; i < n; i++) dst[i] = a[i] + b[i];
}

#ifdef WINO_X86
/* transform_input for AVX-512: each plane is copied once into a zero-padded scratch plane P,
 * then 16 tiles of a tile row at a time: B^T d on the four rows in registers, the even / odd
 * column split by permutes, B along columns, 16 masked stores. The same additions as the
 * scalar version, so bitwise the same V. */
__attribute__((target("avx512f"))) static void transform_input_avx512(const float *x, int nb, int C,
                                                                        int c0, int c1, int H, int W,
                                                                        int T, float *V, float *P)
{
    const int th = (H + 1) / 2, tw = (W + 1) / 2;
    const size_t plane = xi_stride(C, T), S = pad_stride(W);
    const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    memset(P, 0, sizeof(float) * pad_floats(H, W));
    for (int im = 0; im < nb; im++)
        for (int c = c0; c < c1; c++) {
            const float *xc = x + ((size_t)im * C + c) * H * W;
            for (int yy = 0; yy < H; yy++) {
                const float *src = xc + (size_t)yy * W;
                float *dst = P + (size_t)(yy + 1) * S + 1;
                for (int q = 0; q < W; q += 16) {
                    __mmask16 m = W - q >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (W - q)) - 1);
                    _mm512_mask_storeu_ps(dst + q, m, _mm512_maskz_loadu_ps(m, src + q));
                }
            }
            for (int ty = 0; ty < th; ty++) {
                const float *d0 = P + (size_t)(2 * ty) * S, *d1 = d0 + S, *d2 = d1 + S, *d3 = d2 + S;
                size_t off = (size_t)c * T + (size_t)im * th * tw + (size_t)ty * tw;
                for (int j0 = 0; j0 < tw; j0 += 16) {
                    __mmask16 mk = tw - j0 >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (tw - j0)) - 1);
                    __m512 e[4], o[4], e1[4], o1[4];
                    for (int h = 0; h < 2; h++) { /* h = 1: the columns two further on */
                        size_t p = 2 * (size_t)j0 + 2 * (size_t)h;
                        __m512 a0 = _mm512_loadu_ps(d0 + p), a1 = _mm512_loadu_ps(d1 + p);
                        __m512 a2 = _mm512_loadu_ps(d2 + p), a3 = _mm512_loadu_ps(d3 + p);
                        __m512 b0 = _mm512_loadu_ps(d0 + p + 16), b1 = _mm512_loadu_ps(d1 + p + 16);
                        __m512 b2 = _mm512_loadu_ps(d2 + p + 16), b3 = _mm512_loadu_ps(d3 + p + 16);
                        __m512 lo[4] = {_mm512_sub_ps(a0, a2), _mm512_add_ps(a1, a2), _mm512_sub_ps(a2, a1),
                                        _mm512_sub_ps(a1, a3)};
                        __m512 hi[4] = {_mm512_sub_ps(b0, b2), _mm512_add_ps(b1, b2), _mm512_sub_ps(b2, b1),
                                        _mm512_sub_ps(b1, b3)};
                        for (int r = 0; r < 4; r++) {
                            __m512 ve = _mm512_permutex2var_ps(lo[r], ev, hi[r]);
                            __m512 vo = _mm512_permutex2var_ps(lo[r], od, hi[r]);
                            if (h) {
                                e1[r] = ve;
                                o1[r] = vo;
                            } else {
                                e[r] = ve;
                                o[r] = vo;
                            }
                        }
                    }
                    float *vt = V + off + j0;
                    for (int r = 0; r < 4; r++) {
                        _mm512_mask_storeu_ps(vt + (size_t)(r * 4 + 0) * plane, mk, _mm512_sub_ps(e[r], e1[r]));
                        _mm512_mask_storeu_ps(vt + (size_t)(r * 4 + 1) * plane, mk, _mm512_add_ps(o[r], e1[r]));
                        _mm512_mask_storeu_ps(vt + (size_t)(r * 4 + 2) * plane, mk, _mm512_sub_ps(e1[r], o[r]));
                        _mm512_mask_storeu_ps(vt + (size_t)(r * 4 + 3) * plane, mk, _mm512_sub_ps(o[r], o1[r]));
                    }
                }
            }
        }
}

/* transform_input_avx512 for small even planes (pack_rows(H, W) = G > 1): the nb planes of a
 * channel are stacked zero-padded in P (H + 2 rows each), and G consecutive tile rows (across
 * images) fill one 16-lane vector: their padded rows are concatenated by permutes into the same
 * 32-column lo / hi pair the full-width path loads, then the identical arithmetic, so bitwise
 * the same V as the scalar version. Tile row g = im th + ty starts at V offset c T + g tw. */
__attribute__((target("avx512f"))) static void transform_input_packed(const float *x, int nb, int C,
                                                                        int c0, int c1, int H, int W,
                                                                        int T, float *V, float *P)
{
    const int th = H / 2, tw = W / 2, G = 16 / tw, R = nb * th, PH = H + 2;
    const size_t plane = xi_stride(C, T), S = pad_stride(W);
    const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    /* G = 4: lanes 0-7 from a[2h..], 8-15 from b[2h..]; G = 8: lanes 0-3 a[2h..], 4-7 b[2h..],
     * then lanes 0-7 of two such halves */
    __m512i i4[2], i8[2];
    for (int h = 0; h < 2; h++) {
        int v4[16], v8[16];
        for (int l = 0; l < 16; l++) {
            v4[l] = l < 8 ? 2 * h + l : 16 + 2 * h + (l - 8);
            v8[l] = l < 4 ? 2 * h + l : l < 8 ? 16 + 2 * h + (l - 4) : 0;
        }
        i4[h] = _mm512_loadu_si512(v4);
        i8[h] = _mm512_loadu_si512(v8);
    }
    const __m512i cat = _mm512_set_epi32(23, 22, 21, 20, 19, 18, 17, 16, 7, 6, 5, 4, 3, 2, 1, 0);
    memset(P, 0, sizeof(float) * pack_floats(nb, H, W));
    for (int c = c0; c < c1; c++) {
        for (int im = 0; im < nb; im++) {
            const float *xc = x + ((size_t)im * C + c) * H * W;
            for (int yy = 0; yy < H; yy++) {
                const float *src = xc + (size_t)yy * W;
                float *dst = P + ((size_t)im * PH + yy + 1) * S + 1;
                __mmask16 m = (__mmask16)((1u << W) - 1);
                _mm512_mask_storeu_ps(dst, m, _mm512_maskz_loadu_ps(m, src));
            }
        }
        for (int g0 = 0; g0 < R; g0 += G) {
            const float *base[8];
            for (int k = 0; k < G; k++) {
                int g = g0 + k < R ? g0 + k : R - 1;
                base[k] = P + ((size_t)(g / th) * PH + 2 * (size_t)(g % th)) * S;
            }
            int nt = (R - g0 < G ? R - g0 : G) * tw;
            __mmask16 mk = nt >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nt) - 1);
            __m512 e[4], o[4], e1[4], o1[4];
            for (int h = 0; h < 2; h++) {
                __m512 lo[4], hi[4];
                for (int r = 0; r < 4; r++) {
                    if (G == 2) {
                        lo[r] = _mm512_loadu_ps(base[0] + r * S + 2 * h);
                        hi[r] = _mm512_loadu_ps(base[1] + r * S + 2 * h);
                    } else if (G == 4) {
                        lo[r] = _mm512_permutex2var_ps(_mm512_loadu_ps(base[0] + r * S), i4[h],
                                                       _mm512_loadu_ps(base[1] + r * S));
                        hi[r] = _mm512_permutex2var_ps(_mm512_loadu_ps(base[2] + r * S), i4[h],
                                                       _mm512_loadu_ps(base[3] + r * S));
                    } else {
                        __m512 q[4];
                        for (int k = 0; k < 4; k++)
                            q[k] = _mm512_permutex2var_ps(_mm512_loadu_ps(base[2 * k] + r * S), i8[h],
                                                          _mm512_loadu_ps(base[2 * k + 1] + r * S));
                        lo[r] = _mm512_permutex2var_ps(q[0], cat, q[1]);
                        hi[r] = _mm512_permutex2var_ps(q[2], cat, q[3]);
                    }
                }
                __m512 bl[4] = {_mm512_sub_ps(lo[0], lo[2]), _mm512_add_ps(lo[1], lo[2]),
                                _mm512_sub_ps(lo[2], lo[1]), _mm512_sub_ps(lo[1], lo[3])};
                __m512 bh[4] = {_mm512_sub_ps(hi[0], hi[2]), _mm512_add_ps(hi[1], hi[2]),
                                _mm512_sub_ps(hi[2], hi[1]), _mm512_sub_ps(hi[1], hi[3])};
                for (int r = 0; r < 4; r++) {
                    __m512 ve = _mm512_permutex2var_ps(bl[r], ev, bh[r]);
                    __m512 vo = _mm512_permutex2var_ps(bl[r], od, bh[r]);
                    if (h) {
                        e1[r] = ve;
                        o1[r] = vo;
                    } else {
                        e[r] = ve;
                        o[r] = vo;
                    }
                }
            }
            float *vt = V + (size_t)c * T + (size_t)g0 * tw;
            for (int r = 0; r < 4; r++) {
                _mm512_mask_storeu_ps(vt + (size_t)(r * 4 + 0) * plane, mk, _mm512_sub_ps(e[r], e1[r]));
                _mm512_mask_storeu_ps(vt + (size_t)(r * 4 + 1) * plane, mk, _mm512_add_ps(o[r], e1[r]));
                _mm512_mask_storeu_ps(vt + (size_t)(r * 4 + 2) * plane, mk, _mm512_sub_ps(e1[r], o[r]));
                _mm512_mask_storeu_ps(vt + (size_t)(r * 4 + 3) * plane, mk, _mm512_sub_ps(o[r], o1[r]));
            }
        }
    }
}
#endif

#ifdef WINO_X86
/* One row r of B^T d for 8 tiles (16 + 2 columns from p on; rows a, b of the padded plane, a + b
 * when add, else a - b), split into even / odd columns, then B along the columns: the four
 * planes r * 4 + u of V (out + u * os). The same operations as the scalar loops. */
static inline __attribute__((always_inline, target("avx2"))) void tin_row(const float *a,
                                                                          const float *b, int add,
                                                                          float *out, size_t os)
{
    __m256 lo = _mm256_loadu_ps(a), hi = _mm256_loadu_ps(a + 8);
    __m256 lo1 = _mm256_loadu_ps(a + 2), hi1 = _mm256_loadu_ps(a + 10); /* two columns on */
    if (add) {
        lo = _mm256_add_ps(lo, _mm256_loadu_ps(b));
        hi = _mm256_add_ps(hi, _mm256_loadu_ps(b + 8));
        lo1 = _mm256_add_ps(lo1, _mm256_loadu_ps(b + 2));
        hi1 = _mm256_add_ps(hi1, _mm256_loadu_ps(b + 10));
    } else {
        lo = _mm256_sub_ps(lo, _mm256_loadu_ps(b));
        hi = _mm256_sub_ps(hi, _mm256_loadu_ps(b + 8));
        lo1 = _mm256_sub_ps(lo1, _mm256_loadu_ps(b + 2));
        hi1 = _mm256_sub_ps(hi1, _mm256_loadu_ps(b + 10));
    }
    const __m256 e = simd_even_avx2(lo, hi), o = simd_odd_avx2(lo, hi);
    const __m256 e1 = simd_even_avx2(lo1, hi1), o1 = simd_odd_avx2(lo1, hi1);
    _mm256_storeu_ps(out, _mm256_sub_ps(e, e1));
    _mm256_storeu_ps(out + os, _mm256_add_ps(o, e1));
    _mm256_storeu_ps(out + 2 * os, _mm256_sub_ps(e1, o));
    _mm256_storeu_ps(out + 3 * os, _mm256_sub_ps(o, o1));
}

/* transform_input_avx512's method with AVX2, 8 tiles of a tile row per step: each plane copied
 * once into the zero-padded plane P, then per row of B^T d (tin_row) the two 8-column windows
 * p and p + 2, their even / odd columns split by a shuffle and a 64-bit permute, and B along
 * columns; a row at a time, so that every value stays in a register (the four rows at once
 * spilled to the stack). A tile row's last tiles (fewer than 8) go through a stack block. The
 * same additions as the scalar version, so bitwise the same V. */
__attribute__((target("avx2"))) static void transform_input_avx2(const float *x, int nb, int C,
                                                                    int c0, int c1, int H, int W,
                                                                    int T, float *V, float *P)
{
    const int th = (H + 1) / 2, tw = (W + 1) / 2;
    const size_t plane = xi_stride(C, T), S = pad_stride(W);
    memset(P, 0, sizeof(float) * pad_floats(H, W));
    float blk[16 * 8]; /* the 16 planes' values of a partial step, 8 apart */
    for (int im = 0; im < nb; im++)
        for (int c = c0; c < c1; c++) {
            const float *xc = x + ((size_t)im * C + c) * H * W;
            for (int yy = 0; yy < H; yy++) { /* row yy + 1, columns 1 .. W; the border stays 0 */
                float *dst = P + (size_t)(yy + 1) * S + 1;
                const float *src = xc + (size_t)yy * W;
                int q = 0;
                for (; q + 8 <= W; q += 8) _mm256_storeu_ps(dst + q, _mm256_loadu_ps(src + q));
                for (; q < W; q++) dst[q] = src[q];
            }
            for (int ty = 0; ty < th; ty++) {
                const float *d0 = P + (size_t)(2 * ty) * S, *d1 = d0 + S, *d2 = d1 + S, *d3 = d2 + S;
                float *vrow = V + (size_t)c * T + (size_t)im * th * tw + (size_t)ty * tw;
                for (int j0 = 0; j0 < tw; j0 += 8) {
                    const int rem = tw - j0 < 8 ? tw - j0 : 8;
                    const size_t p = 2 * (size_t)j0;
                    float *out = rem == 8 ? vrow + j0 : blk;
                    const size_t os = rem == 8 ? plane : 8;
                    tin_row(d0 + p, d2 + p, 0, out, os);              /* d0 - d2 */
                    tin_row(d1 + p, d2 + p, 1, out + 4 * os, os);     /* d1 + d2 */
                    tin_row(d2 + p, d1 + p, 0, out + 8 * os, os);     /* d2 - d1 */
                    tin_row(d1 + p, d3 + p, 0, out + 12 * os, os);    /* d1 - d3 */
                    if (rem < 8) /* no vmaskmovps: a microcoded store on some CPUs */
                        for (int u = 0; u < 16; u++)
                            for (int q = 0; q < rem; q++) vrow[(size_t)u * plane + j0 + q] = blk[u * 8 + q];
                }
            }
        }
}
#endif

/* V[xi][c][t] for the nb images starting at x, tiles row-major per image. Per tile row: B^T
 * along the four rows for every column at once, then B along columns via even/odd splits, so
 * every inner loop runs over contiguous tiles. */
static void transform_input(const float *x, int nb, int C, int c0, int c1, int H, int W, int T,
                            float *V, float *scr, int simd)
{
#ifdef WINO_X86
    if (simd && pack_rows(H, W) > 1) {
        transform_input_packed(x, nb, C, c0, c1, H, W, T, V, scr + scratch_floats(W));
        return;
    }
    if (simd) {
        transform_input_avx512(x, nb, C, c0, c1, H, W, T, V, scr + scratch_floats(W));
        return;
    }
    if (wino_avx2()) {
        transform_input_avx2(x, nb, C, c0, c1, H, W, T, V, scr + scratch_floats(W));
        return;
    }
#endif
    const int th = (H + 1) / 2, tw = (W + 1) / 2, pw = 2 * tw + 2;
    const size_t plane = xi_stride(C, T);
    float *d = scr, *bt = d + 4 * pw, *E = bt + 4 * pw, *O = E + 4 * (tw + 1);
    for (int im = 0; im < nb; im++)
        for (int c = c0; c < c1; c++) {
            const float *xc = x + ((size_t)im * C + c) * H * W;
            for (int ty = 0; ty < th; ty++) {
                for (int r = 0; r < 4; r++) { /* padded rows: column p holds x = p - 1 */
                    int yy = 2 * ty - 1 + r;
                    float *dr = d + r * pw;
                    memset(dr, 0, sizeof(float) * (size_t)pw);
                    if (yy >= 0 && yy < H) memcpy(dr + 1, xc + (size_t)yy * W, sizeof(float) * (size_t)W);
                }
                binop(simd, OP_SUB, d, d + 2 * pw, bt, pw);              /* d0 - d2 */
                binop(simd, OP_ADD, d + pw, d + 2 * pw, bt + pw, pw);     /* d1 + d2 */
                binop(simd, OP_SUB, d + 2 * pw, d + pw, bt + 2 * pw, pw); /* d2 - d1 */
                binop(simd, OP_SUB, d + pw, d + 3 * pw, bt + 3 * pw, pw); /* d1 - d3 */
                for (int r = 0; r < 4; r++) {
                    const float *b = bt + r * pw;
                    float *e = E + r * (tw + 1), *o = O + r * (tw + 1);
                    for (int j = 0; j <= tw; j++) {
                        e[j] = b[2 * j];
                        o[j] = b[2 * j + 1];
                    }
                }
                size_t off = (size_t)c * T + (size_t)im * th * tw + (size_t)ty * tw;
                for (int r = 0; r < 4; r++) {
                    const float *e = E + r * (tw + 1), *o = O + r * (tw + 1);
                    binop(simd, OP_SUB, e, e + 1, V + (size_t)(r * 4 + 0) * plane + off, tw);
                    binop(simd, OP_ADD, o, e + 1, V + (size_t)(r * 4 + 1) * plane + off, tw);
                    binop(simd, OP_SUB, e + 1, o, V + (size_t)(r * 4 + 2) * plane + off, tw);
                    binop(simd, OP_SUB, o, o + 1, V + (size_t)(r * 4 + 3) * plane + off, tw);
                }
            }
        }
}

/* o[j * Tz + t] = (A^T M_t A)_j + bk for the tile outputs j = (0,0), (0,1), (1,0), (1,1) of
 * every tile t < T; m[xi] points at M_xi of one output channel. One pass over the 16 planes
 * (the additions in a fixed order, the same with and without AVX-512). */
#ifdef WINO_X86
__attribute__((target("avx512f"))) static void out_tiles_avx512(const float *const m[16], int T,
                                                                  float bk, float *o, size_t Tz)
{
    const __m512 b = _mm512_set1_ps(bk);
    for (int t = 0; t < T; t += 16) {
        __mmask16 mk = T - t >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (T - t)) - 1);
        __m512 p0[4], p1[4];
        for (int s = 0; s < 4; s++) {
            __m512 v0 = _mm512_maskz_loadu_ps(mk, m[s] + t), v1 = _mm512_maskz_loadu_ps(mk, m[4 + s] + t);
            __m512 v2 = _mm512_maskz_loadu_ps(mk, m[8 + s] + t), v3 = _mm512_maskz_loadu_ps(mk, m[12 + s] + t);
            p0[s] = _mm512_add_ps(_mm512_add_ps(v0, v1), v2);
            p1[s] = _mm512_sub_ps(_mm512_sub_ps(v1, v2), v3);
        }
        _mm512_mask_storeu_ps(o + t, mk, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(p0[0], p0[1]), p0[2]), b));
        _mm512_mask_storeu_ps(o + Tz + t, mk, _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(p0[1], p0[2]), p0[3]), b));
        _mm512_mask_storeu_ps(o + 2 * Tz + t, mk, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(p1[0], p1[1]), p1[2]), b));
        _mm512_mask_storeu_ps(o + 3 * Tz + t, mk, _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(p1[1], p1[2]), p1[3]), b));
    }
}

/* One output row pair's worth of a tile row: y[2 tx + e] = f(oe[tx]) for e = 0, 1, tx < tw,
 * f(v) = (acc ? y : 0) + v (+ res), then max(., 0) when relu. */
__attribute__((target("avx512f"))) static void out_row_avx512(const float *o0, const float *o1,
                                                                int tw, const float *res, int relu,
                                                                int acc, float *y)
{
    const __m512i idx = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512 zero = _mm512_setzero_ps();
    for (int tx = 0; tx < tw; tx += 8) {
        int k = tw - tx >= 8 ? 8 : tw - tx;
        __mmask16 m8 = (__mmask16)((1u << k) - 1), m16 = (__mmask16)((1u << (2 * k)) - 1);
        __m512 v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(m8, o0 + tx), idx,
                                          _mm512_maskz_loadu_ps(m8, o1 + tx));
        if (acc) v = _mm512_add_ps(_mm512_maskz_loadu_ps(m16, y + 2 * tx), v);
        if (res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m16, res + 2 * tx));
        if (relu) v = _mm512_max_ps(v, zero);
        _mm512_mask_storeu_ps(y + 2 * tx, m16, v);
    }
}

/* out_tiles for the first T / 8 * 8 tiles with AVX2 (the scalar loop's additions, in order) */
__attribute__((target("avx2"))) static int out_tiles_avx2(const float *const m[16], int T,
                                                          float bk, float *o, size_t Tz)
{
    const __m256 b = _mm256_set1_ps(bk);
    int t = 0;
    for (; t + 8 <= T; t += 8) {
        __m256 p0[4], p1[4];
        for (int s = 0; s < 4; s++) {
            __m256 v0 = _mm256_loadu_ps(m[s] + t), v1 = _mm256_loadu_ps(m[4 + s] + t);
            __m256 v2 = _mm256_loadu_ps(m[8 + s] + t), v3 = _mm256_loadu_ps(m[12 + s] + t);
            p0[s] = _mm256_add_ps(_mm256_add_ps(v0, v1), v2);
            p1[s] = _mm256_sub_ps(_mm256_sub_ps(v1, v2), v3);
        }
        _mm256_storeu_ps(o + t, _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(p0[0], p0[1]), p0[2]), b));
        _mm256_storeu_ps(o + Tz + t, _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(p0[1], p0[2]), p0[3]), b));
        _mm256_storeu_ps(o + 2 * Tz + t, _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(p1[0], p1[1]), p1[2]), b));
        _mm256_storeu_ps(o + 3 * Tz + t, _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(p1[1], p1[2]), p1[3]), b));
    }
    return t;
}

/* out_row_avx512's work with AVX2: 8 tiles a step, then 4, then 2 (the rows of 8 x 8 and 4 x 4
 * maps); returns how many tiles it did */
__attribute__((target("avx2"))) static int out_row_avx2(const float *o0, const float *o1, int tw,
                                                        const float *res, int relu, int acc,
                                                        float *y)
{
    const __m256 zero = _mm256_setzero_ps();
    int tx = 0;
    for (; tx + 8 <= tw; tx += 8) {
        __m256 a = _mm256_loadu_ps(o0 + tx), b = _mm256_loadu_ps(o1 + tx);
        __m256 lo = _mm256_unpacklo_ps(a, b), hi = _mm256_unpackhi_ps(a, b);
        __m256 v[2] = {_mm256_permute2f128_ps(lo, hi, 0x20), _mm256_permute2f128_ps(lo, hi, 0x31)};
        for (int h = 0; h < 2; h++) {
            float *yy = y + 2 * tx + 8 * h;
            if (acc) v[h] = _mm256_add_ps(_mm256_loadu_ps(yy), v[h]);
            if (res) v[h] = _mm256_add_ps(v[h], _mm256_loadu_ps(res + 2 * tx + 8 * h));
            if (relu) v[h] = _mm256_max_ps(v[h], zero);
            _mm256_storeu_ps(yy, v[h]);
        }
    }
    for (; tx + 4 <= tw; tx += 4) { /* the rows of 8 x 8 maps: 4 tiles, 8 outputs */
        __m128 a = _mm_loadu_ps(o0 + tx), b = _mm_loadu_ps(o1 + tx);
        __m256 v = _mm256_set_m128(_mm_unpackhi_ps(a, b), _mm_unpacklo_ps(a, b));
        float *yy = y + 2 * tx;
        if (acc) v = _mm256_add_ps(_mm256_loadu_ps(yy), v);
        if (res) v = _mm256_add_ps(v, _mm256_loadu_ps(res + 2 * tx));
        if (relu) v = _mm256_max_ps(v, zero);
        _mm256_storeu_ps(yy, v);
    }
    for (; tx + 2 <= tw; tx += 2) { /* 4 x 4 maps: 2 tiles, 4 outputs */
        __m128 a = _mm_castpd_ps(_mm_load_sd((const double *)(const void *)(o0 + tx)));
        __m128 b = _mm_castpd_ps(_mm_load_sd((const double *)(const void *)(o1 + tx)));
        __m128 v = _mm_unpacklo_ps(a, b), z = _mm_setzero_ps();
        float *yy = y + 2 * tx;
        if (acc) v = _mm_add_ps(_mm_loadu_ps(yy), v);
        if (res) v = _mm_add_ps(v, _mm_loadu_ps(res + 2 * tx));
        if (relu) v = _mm_max_ps(v, z);
        _mm_storeu_ps(yy, v);
    }
    return tx;
}
#endif

static void out_tiles(const float *const m[16], int T, float bk, float *o, size_t Tz, int simd)
{
#ifdef WINO_X86
    if (simd) {
        out_tiles_avx512(m, T, bk, o, Tz);
        return;
    }
#endif
    (void)simd;
    int t = 0;
#ifdef WINO_X86
    if (wino_avx2()) t = out_tiles_avx2(m, T, bk, o, Tz);
#endif
    for (; t < T; t++) {
        float p0[4], p1[4];
        for (int s = 0; s < 4; s++) {
            p0[s] = (m[s][t] + m[4 + s][t]) + m[8 + s][t];
            p1[s] = (m[4 + s][t] - m[8 + s][t]) - m[12 + s][t];
        }
        o[t] = ((p0[0] + p0[1]) + p0[2]) + bk;
        o[Tz + t] = ((p0[1] - p0[2]) - p0[3]) + bk;
        o[2 * Tz + t] = ((p1[0] + p1[1]) + p1[2]) + bk;
        o[3 * Tz + t] = ((p1[1] - p1[2]) - p1[3]) + bk;
    }
}

#ifdef WINO_X86
/* transform_output's scatter for small even planes (W 4 or 8): 4 consecutive tiles of a plane
 * are 16 contiguous outputs (one tile row of W 8, two of W 4), built from o's four planes by
 * one permute, then f(v) as in out_row_avx512. tp tiles and hw outputs per plane. */
__attribute__((target("avx512f"))) static void out_plane_small_avx512(const float *o, size_t Tz,
                                                                       int nb, int tp, int hw, int W,
                                                                       float *y, const float *res,
                                                                       int relu, int acc, size_t k,
                                                                       size_t K)
{
    const __m512i idx = W == 8 ? _mm512_set_epi32(23, 19, 22, 18, 21, 17, 20, 16, 7, 3, 6, 2, 5, 1, 4, 0)
                               : _mm512_set_epi32(23, 19, 22, 18, 7, 3, 6, 2, 21, 17, 20, 16, 5, 1, 4, 0);
    const __m512 zero = _mm512_setzero_ps();
    for (int im = 0; im < nb; im++) {
        size_t yoff = ((size_t)im * K + k) * (size_t)hw;
        float *yk = y + yoff;
        const float *rk = res ? res + yoff : NULL;
        for (int t = 0; t < tp; t += 4) {
            int left = tp - t >= 4 ? 4 : tp - t;
            __mmask16 ml = (__mmask16)((1u << left) - 1);
            __mmask16 mo = left >= 4 ? (__mmask16)0xffff : (__mmask16)((1u << (4 * left)) - 1);
            const float *ot = o + (size_t)im * tp + t;
            __m512 a = _mm512_maskz_loadu_ps(ml, ot), b = _mm512_maskz_loadu_ps(ml, ot + 2 * Tz);
            a = _mm512_mask_expandloadu_ps(a, (__mmask16)(ml << 4), ot + Tz);
            b = _mm512_mask_expandloadu_ps(b, (__mmask16)(ml << 4), ot + 3 * Tz);
            __m512 v = _mm512_permutex2var_ps(a, idx, b);
            float *yt = yk + 4 * (size_t)t;
            if (acc) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mo, yt), v);
            if (rk) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mo, rk + 4 * (size_t)t));
            if (relu) v = _mm512_max_ps(v, zero);
            _mm512_mask_storeu_ps(yt, mo, v);
        }
    }
}
#endif

static float out_value(float y, float v, const float *res, int q, int relu, int acc)
{
    if (acc) v = y + v;
    if (res) v = v + res[q];
    return relu ? (v > 0.0f ? v : 0.0f) : v;
}

/* y = act(A^T M A + bias (+ res)), or y += A^T M A when accumulate (res NULL, no relu): per
 * output channel, the transform runs over all T tiles of the chunk at once (contiguous in M),
 * then the 2x2 results are scattered into the images, the residual added and ReLU applied on
 * the way. res has y's layout (or is NULL). */
static void transform_output(const float *M, int nb, int K, int H, int W, int T, const float *bias,
                             const float *res, int relu, int accumulate, float *y, float *scr,
                             int simd)
{
    const int th = (H + 1) / 2, tw = (W + 1) / 2;
    const size_t plane = xi_stride(K, T), Tz = (size_t)T;
    float *o = scr; /* (4, T) */
    for (int k = 0; k < K; k++) {
        const float *m[16];
        for (int xi = 0; xi < 16; xi++) m[xi] = M + (size_t)xi * plane + (size_t)k * T;
        out_tiles(m, T, bias ? bias[k] : 0.0f, o, Tz, simd);
#ifdef WINO_X86
        if (simd && H % 2 == 0 && (W == 4 || W == 8)) {
            out_plane_small_avx512(o, Tz, nb, th * tw, H * W, W, y, res, relu, accumulate, (size_t)k, (size_t)K);
            continue;
        }
#endif
        for (int im = 0; im < nb; im++) {
            size_t yoff = ((size_t)im * K + k) * H * W;
            float *yk = y + yoff;
            const float *rk = res ? res + yoff : NULL;
            for (int ty = 0; ty < th; ty++)
                for (int r = 0; r < 2; r++) {
                    int yy = 2 * ty + r;
                    if (yy >= H) break;
                    float *yr = yk + (size_t)yy * W;
                    const float *rr = rk ? rk + (size_t)yy * W : NULL;
                    size_t t0 = (size_t)im * th * tw + (size_t)ty * tw;
                    const float *o0 = o + (size_t)(2 * r) * Tz + t0, *o1 = o0 + Tz;
#ifdef WINO_X86
                    if (simd && W % 2 == 0) {
                        out_row_avx512(o0, o1, tw, rr, relu, accumulate, yr);
                        continue;
                    }
#endif
                    int tx = 0;
#ifdef WINO_X86
                    if (W % 2 == 0 && wino_avx2()) tx = out_row_avx2(o0, o1, tw, rr, relu, accumulate, yr);
#endif
                    for (; tx < tw; tx++) {
                        yr[2 * tx] = out_value(yr[2 * tx], o0[tx], rr, 2 * tx, relu, accumulate);
                        if (2 * tx + 1 < W)
                            yr[2 * tx + 1] = out_value(yr[2 * tx + 1], o1[tx], rr, 2 * tx + 1, relu, accumulate);
                    }
                }
        }
    }
}

/* The weight transform as pool items: output channels [16 item, 16 item + 16) of U. */
typedef struct {
    const float *w;
    float *U;
    float *PU; /* packed U_xi at PU + xi * pstride */
    size_t pstride;
    int K, C, flip, simd;
} WeightJob;

static void weights_item(void *ctx, int item, int tid)
{
    (void)tid;
    const WeightJob *j = ctx;
    int o0 = 16 * item, o1 = o0 + 16 < j->K ? o0 + 16 : j->K;
    transform_weights(j->w, j->K, j->C, j->flip, j->U, o0, o1, j->simd);
}

static void pack_item(void *ctx, int xi, int tid)
{
    (void)tid;
    const WeightJob *j = ctx;
    gemm_pack_a_full(0, j->K, j->C, j->U + (size_t)xi * j->K * j->C, j->C, j->PU + (size_t)xi * j->pstride);
}

/* U (16, K, C) = transform of w, split over output channels; with AVX-512 also packed once for
 * the products of every chunk (gemm_f32_pa gives gemm_f32's bytes). */
static void weights_run(const ConvArgs *a, const float *w, int K, int C, int flip, float *ws, int simd)
{
    WeightJob j = {w, ws, ws + 16 * (size_t)a->cin * a->cout, gemm_packed_a_floats(K, C), K, C, flip, simd};
    pool_for((K + 15) / 16, conv_threads(a), weights_item, &j);
    if (simd) pool_for(16, conv_threads(a), pack_item, &j);
}

/* One chunk of images through input transform, 16 products and output transform, on the
 * calling worker's slice. Chunks write disjoint images, and each output depends only on its own
 * tiles (the products' sums run over channels), so chunk size and thread count leave results
 * bitwise unchanged. */
typedef struct {
    const ConvArgs *a;
    int n, nb, C, K, relu, accumulate, simd;
    const float *in, *U, *bias, *res;
    float *out, *ws;
} ChunkJob;

static void chunk_item(void *ctx, int item, int tid)
{
    const ChunkJob *j = ctx;
    const ConvArgs *a = j->a;
    const int H = a->h, W = a->w, C = j->C, K = j->K, tiles = ((H + 1) / 2) * ((W + 1) / 2);
    const int i0 = item * j->nb, nb = j->n - i0 < j->nb ? j->n - i0 : j->nb, T = nb * tiles;
    Slice s = slice_of(a, j->n, j->ws, tid);
    transform_input(j->in + (size_t)i0 * C * H * W, nb, C, 0, C, H, W, T, s.V, s.scr, j->simd);
    const float *PU = j->U + 16 * (size_t)a->cin * a->cout;
    const size_t pstride = gemm_packed_a_floats(K, C);
    for (int xi = 0; xi < 16; xi++) {
        float *V = s.V + (size_t)xi * xi_stride(C, T), *M = s.M + (size_t)xi * xi_stride(K, T);
        if (j->simd) gemm_f32_pa(0, K, T, C, 1.0f, PU + (size_t)xi * pstride, V, T, 0.0f, M, T, s.gws);
        else gemm_f32(0, 0, K, T, C, 1.0f, j->U + (size_t)xi * K * C, C, V, T, 0.0f, M, T, s.gws);
    }
    transform_output(s.M, nb, K, H, W, T, j->bias, j->res ? j->res + (size_t)i0 * K * H * W : NULL,
                     j->relu, j->accumulate, j->out + (size_t)i0 * K * H * W, s.scr, j->simd);
}

/* out (n, K, H, W) (+)= conv3x3(in (n, C, H, W)) with kernel w as stored for a: chunks of
 * images (>= ~512 tiles, but at least one chunk per worker) in parallel. */
static void wino_run(const ConvArgs *a, int n, const float *in, int C, int K, const float *w,
                     int flip, const float *bias, const float *res, int relu, int accumulate,
                     float *out, float *ws)
{
#ifdef WINO_X86
    const int simd = __builtin_cpu_supports("avx512f");
#else
    const int simd = 0;
#endif
    const int threads = pool_width(conv_threads(a));
    const int nb = pool_group(n, wino_chunk(a, n), threads);
    weights_run(a, w, K, C, flip, ws, simd);
    ChunkJob j = {a, n, nb, C, K, relu, accumulate, simd, in, ws, bias, res, out, ws};
    pool_for((n + nb - 1) / nb, threads, chunk_item, &j);
}

#ifdef WINO_X86
/* transform_dy for even H, W with AVX-512: 16 tiles per step, the even / odd columns of the two
 * rows split by permutes; the same operations as the scalar loop (bitwise the same Z). */
__attribute__((target("avx512f"))) static void transform_dy_avx512(const float *dy, int nb, int K,
                                                                     int k0, int k1, int H, int W,
                                                                     int T, float *Z)
{
    const int th = H / 2, tw = W / 2;
    const size_t plane = xi_stride(K, T);
    const __m512i ev = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i od = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
#define NEG(v) _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), sign))
    if (tw == 2 || tw == 4 || tw == 8) {
        /* packed: G = 16 / tw consecutive tile rows g = im th + ty of channel k per vector;
         * their row pairs concatenated by permutes into the (a0, b0), (a1, b1) a full-width
         * tile row loads; the same arithmetic below */
        const int G = 16 / tw, R = nb * th;
        const __m512i c8lo = _mm512_set_epi32(23, 22, 21, 20, 19, 18, 17, 16, 7, 6, 5, 4, 3, 2, 1, 0);
        const __m512i c8hi = _mm512_set_epi32(31, 30, 29, 28, 27, 26, 25, 24, 15, 14, 13, 12, 11, 10, 9, 8);
        const __m512i c4 = _mm512_set_epi32(23, 22, 21, 20, 7, 6, 5, 4, 19, 18, 17, 16, 3, 2, 1, 0);
        const __mmask16 mw = (__mmask16)((1u << (2 * W > 16 ? 16 : 2 * W)) - 1);
        for (int k = k0; k < k1; k++)
            for (int g0 = 0; g0 < R; g0 += G) {
                const float *r0[8];
                for (int q = 0; q < G; q++) {
                    int g = g0 + q < R ? g0 + q : R - 1;
                    r0[q] = dy + ((size_t)(g / th) * K + k) * H * W + (size_t)(2 * (g % th)) * W;
                }
                int nt = (R - g0 < G ? R - g0 : G) * tw;
                __mmask16 mt = nt >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nt) - 1);
                __m512 a0, b0, a1, b1;
                if (G == 2) {
                    a0 = _mm512_loadu_ps(r0[0]);
                    b0 = _mm512_loadu_ps(r0[1]);
                    a1 = _mm512_loadu_ps(r0[0] + W);
                    b1 = _mm512_loadu_ps(r0[1] + W);
                } else if (G == 4) { /* each load: row 2 ty | row 2 ty + 1 */
                    __m512 l0 = _mm512_maskz_loadu_ps(mw, r0[0]), l1 = _mm512_maskz_loadu_ps(mw, r0[1]);
                    __m512 l2 = _mm512_maskz_loadu_ps(mw, r0[2]), l3 = _mm512_maskz_loadu_ps(mw, r0[3]);
                    a0 = _mm512_permutex2var_ps(l0, c8lo, l1);
                    a1 = _mm512_permutex2var_ps(l0, c8hi, l1);
                    b0 = _mm512_permutex2var_ps(l2, c8lo, l3);
                    b1 = _mm512_permutex2var_ps(l2, c8hi, l3);
                } else { /* pairs: [r0 of p, r0 of q, r1 of p, r1 of q], then halves joined */
                    __m512 pr[4];
                    for (int q = 0; q < 4; q++)
                        pr[q] = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(mw, r0[2 * q]), c4,
                                                       _mm512_maskz_loadu_ps(mw, r0[2 * q + 1]));
                    a0 = _mm512_permutex2var_ps(pr[0], c8lo, pr[1]);
                    a1 = _mm512_permutex2var_ps(pr[0], c8hi, pr[1]);
                    b0 = _mm512_permutex2var_ps(pr[2], c8lo, pr[3]);
                    b1 = _mm512_permutex2var_ps(pr[2], c8hi, pr[3]);
                }
                __m512 g00 = _mm512_permutex2var_ps(a0, ev, b0), g01 = _mm512_permutex2var_ps(a0, od, b0);
                __m512 g10 = _mm512_permutex2var_ps(a1, ev, b1), g11 = _mm512_permutex2var_ps(a1, od, b1);
                __m512 rp[4] = {g00, _mm512_add_ps(g00, g10), _mm512_sub_ps(g00, g10), NEG(g10)};
                __m512 rq[4] = {g01, _mm512_add_ps(g01, g11), _mm512_sub_ps(g01, g11), NEG(g11)};
                float *zt = Z + (size_t)k * T + (size_t)g0 * tw;
                for (int r = 0; r < 4; r++) {
                    _mm512_mask_storeu_ps(zt + (size_t)(r * 4 + 0) * plane, mt, rp[r]);
                    _mm512_mask_storeu_ps(zt + (size_t)(r * 4 + 1) * plane, mt, _mm512_add_ps(rp[r], rq[r]));
                    _mm512_mask_storeu_ps(zt + (size_t)(r * 4 + 2) * plane, mt, _mm512_sub_ps(rp[r], rq[r]));
                    _mm512_mask_storeu_ps(zt + (size_t)(r * 4 + 3) * plane, mt, NEG(rq[r]));
                }
            }
        return;
    }
    for (int im = 0; im < nb; im++)
        for (int k = k0; k < k1; k++) {
            const float *dk = dy + ((size_t)im * K + k) * H * W;
            for (int ty = 0; ty < th; ty++) {
                const float *r0 = dk + (size_t)(2 * ty) * W, *r1 = r0 + W;
                size_t base = (size_t)k * T + (size_t)im * th * tw + (size_t)ty * tw;
                for (int j0 = 0; j0 < tw; j0 += 16) {
                    int n = tw - j0 >= 16 ? 16 : tw - j0; /* tiles; 2n floats per row */
                    __mmask16 mt = (__mmask16)((1u << n) - 1);
                    __mmask16 ma = 2 * n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (2 * n)) - 1);
                    __mmask16 mb = 2 * n > 16 ? (__mmask16)((1u << (2 * n - 16)) - 1) : (__mmask16)0;
                    const float *p0 = r0 + 2 * j0, *p1 = r1 + 2 * j0;
                    __m512 a0 = _mm512_maskz_loadu_ps(ma, p0), b0 = _mm512_maskz_loadu_ps(mb, p0 + 16);
                    __m512 a1 = _mm512_maskz_loadu_ps(ma, p1), b1 = _mm512_maskz_loadu_ps(mb, p1 + 16);
                    __m512 g00 = _mm512_permutex2var_ps(a0, ev, b0), g01 = _mm512_permutex2var_ps(a0, od, b0);
                    __m512 g10 = _mm512_permutex2var_ps(a1, ev, b1), g11 = _mm512_permutex2var_ps(a1, od, b1);
                    __m512 rp[4] = {g00, _mm512_add_ps(g00, g10), _mm512_sub_ps(g00, g10), NEG(g10)};
                    __m512 rq[4] = {g01, _mm512_add_ps(g01, g11), _mm512_sub_ps(g01, g11), NEG(g11)};
                    float *zt = Z + base + j0;
                    for (int r = 0; r < 4; r++) {
                        _mm512_mask_storeu_ps(zt + (size_t)(r * 4 + 0) * plane, mt, rp[r]);
                        _mm512_mask_storeu_ps(zt + (size_t)(r * 4 + 1) * plane, mt, _mm512_add_ps(rp[r], rq[r]));
                        _mm512_mask_storeu_ps(zt + (size_t)(r * 4 + 2) * plane, mt, _mm512_sub_ps(rp[r], rq[r]));
                        _mm512_mask_storeu_ps(zt + (size_t)(r * 4 + 3) * plane, mt, NEG(rq[r]));
                    }
                }
            }
        }
#undef NEG
}
#endif

/* Z[xi][k][t] = (A dY A^T)[xi] of each 2x2 output-gradient tile (zero beyond the map), with
 * A = [[1,0],[1,1],[1,-1],[0,-1]]: a row pair (a, b) becomes (a, a+b, a-b, -b). */
static void transform_dy(const float *dy, int nb, int K, int k0, int k1, int H, int W, int T,
                         float *Z, int simd)
{
#ifdef WINO_X86
    if (simd && H % 2 == 0 && W % 2 == 0) {
        transform_dy_avx512(dy, nb, K, k0, k1, H, W, T, Z);
        return;
    }
#endif
    (void)simd;
    const int th = (H + 1) / 2, tw = (W + 1) / 2;
    const size_t plane = xi_stride(K, T);
    for (int im = 0; im < nb; im++)
        for (int k = k0; k < k1; k++) {
            const float *dk = dy + ((size_t)im * K + k) * H * W;
            for (int ty = 0; ty < th; ty++) {
                const float *r0 = dk + (size_t)(2 * ty) * W;
                const float *r1 = 2 * ty + 1 < H ? r0 + W : NULL;
                size_t base = (size_t)k * T + (size_t)im * th * tw + (size_t)ty * tw;
                for (int tx = 0; tx < tw; tx++) {
                    int x1 = 2 * tx + 1 < W;
                    float g00 = r0[2 * tx], g01 = x1 ? r0[2 * tx + 1] : 0.0f;
                    float g10 = r1 ? r1[2 * tx] : 0.0f, g11 = r1 && x1 ? r1[2 * tx + 1] : 0.0f;
                    float rows[4][2] = {{g00, g01}, {g00 + g10, g01 + g11}, {g00 - g10, g01 - g11},
                                        {-g10, -g11}};
                    for (int r = 0; r < 4; r++) {
                        float p = rows[r][0], q = rows[r][1];
                        Z[(size_t)(r * 4 + 0) * plane + base + tx] = p;
                        Z[(size_t)(r * 4 + 1) * plane + base + tx] = p + q;
                        Z[(size_t)(r * 4 + 2) * plane + base + tx] = p - q;
                        Z[(size_t)(r * 4 + 3) * plane + base + tx] = -q;
                    }
                }
            }
        }
}

/* Weight gradient: chunks run in a fixed order (dU accumulates over them, so the chunking must
 * not depend on the thread count); within a chunk the transforms split over channels and the 16
 * products over xi, and the final G^T dU G over output channels. V and Z live in slice 0. */
typedef struct {
    const ConvArgs *a;
    int n, nb, T, i0, first, simd;
    const float *x, *dy;
    float *dU, *V, *Z, *dw, *ws;
} WgradJob;

#define WGRAD_CB 16 /* channels per transform item */

static void wgrad_transform_item(void *ctx, int item, int tid)
{
    const WgradJob *j = ctx;
    const ConvArgs *a = j->a;
    const int C = a->cin, K = a->cout, H = a->h, W = a->w, ci = (C + WGRAD_CB - 1) / WGRAD_CB;
    Slice s = slice_of(a, j->n, j->ws, tid);
    if (item < ci) {
        int c0 = item * WGRAD_CB, c1 = c0 + WGRAD_CB < C ? c0 + WGRAD_CB : C;
        transform_input(j->x + (size_t)j->i0 * C * H * W, j->nb, C, c0, c1, H, W, j->T, j->V, s.scr, j->simd);
    } else {
        int k0 = (item - ci) * WGRAD_CB, k1 = k0 + WGRAD_CB < K ? k0 + WGRAD_CB : K;
        transform_dy(j->dy + (size_t)j->i0 * K * H * W, j->nb, K, k0, k1, H, W, j->T, j->Z, j->simd);
    }
}

/* dU_xi (K, C) (+)= Z_xi (K, T) V_xi^T (T, C) */
static void wgrad_product_item(void *ctx, int xi, int tid)
{
    const WgradJob *j = ctx;
    const int C = j->a->cin, K = j->a->cout, T = j->T;
    Slice s = slice_of(j->a, j->n, j->ws, tid);
    gemm_f32(0, 1, K, C, T, 1.0f, j->Z + (size_t)xi * xi_stride(K, T), T, j->V + (size_t)xi * xi_stride(C, T), T,
             j->first ? 0.0f : 1.0f, j->dU + (size_t)xi * K * C, C, s.gws);
}

#ifdef WINO_X86
/* wgrad_output_item's arithmetic for 16 input channels c0.. of output channel k at once (the
 * same operations in the same order, so bitwise the scalar result); the 9 taps of each channel
 * are added to dw through a small transpose buffer. */
__attribute__((target("avx512f"))) static void wgrad_output16(const float *dU, size_t plane,
                                                                size_t base, int nc, float *g)
{
    const __mmask16 mk = nc >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << nc) - 1);
    const __m512 half = _mm512_set1_ps(0.5f);
    __m512 u[4][4], t[3][4];
    for (int xi = 0; xi < 16; xi++) u[xi / 4][xi % 4] = _mm512_maskz_loadu_ps(mk, dU + (size_t)xi * plane + base);
    for (int q = 0; q < 4; q++) {
        __m512 s12 = _mm512_add_ps(u[1][q], u[2][q]);
        t[0][q] = _mm512_add_ps(u[0][q], _mm512_mul_ps(half, s12));
        t[1][q] = _mm512_mul_ps(half, _mm512_sub_ps(u[1][q], u[2][q]));
        t[2][q] = _mm512_add_ps(_mm512_mul_ps(half, s12), u[3][q]);
    }
    float tap[9][16];
    for (int r = 0; r < 3; r++) {
        __m512 s12 = _mm512_add_ps(t[r][1], t[r][2]);
        _mm512_storeu_ps(tap[r * 3 + 0], _mm512_add_ps(t[r][0], _mm512_mul_ps(half, s12)));
        _mm512_storeu_ps(tap[r * 3 + 1], _mm512_mul_ps(half, _mm512_sub_ps(t[r][1], t[r][2])));
        _mm512_storeu_ps(tap[r * 3 + 2], _mm512_add_ps(_mm512_mul_ps(half, s12), t[r][3]));
    }
    for (int c = 0; c < nc; c++)
        for (int q = 0; q < 9; q++) g[(size_t)c * 9 + q] += tap[q][c];
}
#endif

/* dw += G^T dU G for output channels [16 item, 16 item + 16),
 * G^T = [[1, .5, .5, 0], [0, .5, -.5, 0], [0, .5, .5, 1]] */
static void wgrad_output_item(void *ctx, int item, int tid)
{
    (void)tid;
    const WgradJob *j = ctx;
    const int C = j->a->cin, K = j->a->cout, k0 = 16 * item, k1 = k0 + 16 < K ? k0 + 16 : K;
    const size_t plane = (size_t)K * C;
#ifdef WINO_X86
    if (j->simd) {
        for (int k = k0; k < k1; k++)
            for (int c = 0; c < C; c += 16)
                wgrad_output16(j->dU, plane, (size_t)k * C + c, C - c < 16 ? C - c : 16,
                               j->dw + ((size_t)k * C + c) * 9);
        return;
    }
#endif
    for (int k = k0; k < k1; k++)
        for (int c = 0; c < C; c++) {
            float u[4][4], t[3][4];
            size_t base = (size_t)k * C + c;
            for (int xi = 0; xi < 16; xi++) u[xi / 4][xi % 4] = j->dU[(size_t)xi * plane + base];
            for (int q = 0; q < 4; q++) {
                t[0][q] = u[0][q] + 0.5f * (u[1][q] + u[2][q]);
                t[1][q] = 0.5f * (u[1][q] - u[2][q]);
                t[2][q] = 0.5f * (u[1][q] + u[2][q]) + u[3][q];
            }
            float *g = j->dw + ((size_t)k * C + c) * 9;
            for (int r = 0; r < 3; r++) {
                g[r * 3 + 0] += t[r][0] + 0.5f * (t[r][1] + t[r][2]);
                g[r * 3 + 1] += 0.5f * (t[r][1] - t[r][2]);
                g[r * 3 + 2] += 0.5f * (t[r][1] + t[r][2]) + t[r][3];
            }
        }
}

void conv2d_backward_weights_wino(const ConvArgs *a, int n, const float *x, const float *dy,
                                  float *dw, float *ws)
{
    const int C = a->cin, K = a->cout, tiles = ((a->h + 1) / 2) * ((a->w + 1) / 2);
    const int nb_max = wino_chunk(a, n), threads = pool_width(conv_threads(a));
    Slice s0 = slice_of(a, n, ws, 0);
#ifdef WINO_X86
    const int simd = __builtin_cpu_supports("avx512f");
#else
    const int simd = 0;
#endif
    WgradJob j = {a, n, 0, 0, 0, 1, simd, x, dy, ws, s0.V, s0.M, dw, ws};
    const int items = (C + WGRAD_CB - 1) / WGRAD_CB + (K + WGRAD_CB - 1) / WGRAD_CB;
    for (int i0 = 0; i0 < n; i0 += nb_max) {
        j.i0 = i0;
        j.nb = n - i0 < nb_max ? n - i0 : nb_max;
        j.T = j.nb * tiles;
        j.first = i0 == 0;
        pool_for(items, threads, wgrad_transform_item, &j);
        pool_for(16, threads, wgrad_product_item, &j);
    }
    pool_for((K + 15) / 16, threads, wgrad_output_item, &j);
}

void conv2d_forward_wino(const ConvArgs *a, int n, const float *x, const float *w, const float *b,
                         float *y, float *ws)
{
    wino_run(a, n, x, a->cin, a->cout, w, 0, b, NULL, 0, 0, y, ws);
}

void conv2d_forward_wino_fused(const ConvArgs *a, int n, const float *x, const float *w,
                               const float *b, const float *res, int relu, float *y, float *ws)
{
    wino_run(a, n, x, a->cin, a->cout, w, 0, b, res, relu, 0, y, ws);
}

void conv2d_backward_data_wino(const ConvArgs *a, int n, const float *w, const float *dy, float *dx,
                               float *ws)
{
    wino_run(a, n, dy, a->cout, a->cin, w, 1, NULL, NULL, 0, 1, dx, ws);
}
