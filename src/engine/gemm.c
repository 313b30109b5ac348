/* gemm.c: see gemm.h. BLIS-style loops: NC columns of B packed into NR-wide panels (k-major),
 * KC-deep slices, MC rows of A packed into MR-tall panels, a 12x32 register-blocked micro-kernel
 * (24 zmm accumulators, A broadcast from the packed panel). Edges are zero-padded in the
 * packed panels and written back with masked loads / stores (the same arithmetic as a full
 * tile). Untransposed B is read in place when small M gives it little reuse (b_direct).
 * Packing uses 16x16 register transposes (A untransposed, B transposed). kernel_ref is the
 * scalar twin of kernel_12x32 (bitwise equal); kernel_12x32_avx2 runs the same tile on CPUs
 * with AVX2 + FMA but not AVX-512 (bitwise equal too; packing then scalar). Measured single thread on Zen 5 (FMA peak
 * ~226 GFLOP/s): see tests/bench_gemm.c. */
#include "gemm.h"

#include "linalg.h"
#include "pool.h"
#include "simd.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(GEMM_NO_SIMD) /* -DGEMM_NO_SIMD: test the fallback */
#include <immintrin.h>
#define GEMM_HAVE_X86 1
#endif

static int use_avx512(void)
{
#ifdef GEMM_HAVE_X86
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

/* AVX2 + FMA without AVX-512 (Zen 2/3, Haswell to Comet Lake): kernel_12x32_avx2, same sums */
static int use_avx2(void)
{
#ifdef GEMM_HAVE_X86
    return !use_avx512() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* The blocked path (own packing and micro-kernel: results independent of the split) or OpenBLAS. */
static int use_blocked(void) { return use_avx512() || use_avx2(); }

const char *gemm_kernel_name(void)
{
    return use_avx512() ? "avx512-12x32" : use_avx2() ? "avx2-12x32" : "openblas";
}

#ifdef GEMM_HAVE_X86
/* the transposes must live in registers: full unrolling (-O2 keeps these loops, through the
 * stack, otherwise) */
#define GEMM_UNROLL _Pragma("GCC unroll 16")

/* In-register transpose of 16 vectors: afterwards r[i][j] = (old r[j])[i]. unpack / shuffle /
 * shuffle_f32x4 network (64 shuffles). */
__attribute__((target("avx512f"), always_inline)) static inline void transpose_16x16(__m512 r[16])
{
    __m512 t[16];
    GEMM_UNROLL
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    GEMM_UNROLL
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    GEMM_UNROLL
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0x88);
        t[4 + i] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0xdd);
        t[8 + i] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0x88);
        t[12 + i] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0xdd);
    }
    GEMM_UNROLL
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
        r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xdd);
    }
}

/* One MR-tall panel of untransposed A: dst[k*MR + i] = src[i*ld + k] for i < rows (<= MR),
 * 0 for rows <= i < MR, k in [0, kn) with kn a multiple of 16. 16x16 register transposes
 * (rows beyond `rows` are zero registers), 12 lanes stored per k. */
__attribute__((target("avx512f"))) static void pack_a_panel_avx512(const float *src, int ld,
                                                                     int rows, int kn, float *dst)
{
    for (int k = 0; k < kn; k += 16) {
        __m512 r[16];
        GEMM_UNROLL
        for (int i = 0; i < 16; i++)
            r[i] = i < rows ? _mm512_loadu_ps(src + (size_t)i * ld + k) : _mm512_setzero_ps();
        transpose_16x16(r);
        GEMM_UNROLL
        for (int i = 0; i < 16; i++)
            _mm512_mask_storeu_ps(dst + (size_t)(k + i) * GEMM_MR, (__mmask16)0x0fff, r[i]);
    }
}

/* For 16 source rows src + j*ld (j < 16) and k in [0, kn) (kn a multiple of 16):
 * dst[k*GEMM_NR + j] = src[j*ld + k]. */
__attribute__((target("avx512f"))) static void transpose_16x16_blocks(const float *src, int ld,
                                                                        int kn, float *dst)
{
    for (int k = 0; k < kn; k += 16) {
        __m512 r[16];
        GEMM_UNROLL
        for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps(src + (size_t)j * ld + k);
        transpose_16x16(r);
        GEMM_UNROLL
        for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + (size_t)(k + i) * GEMM_NR, r[i]);
    }
}
/* pack_a_panel_avx512 with AVX2 (CPUs without AVX-512): rows 0-7 in 8 x 8 transposes, rows 8-11
 * in 8 x 8 transposes of which the first 4 lanes are stored; kn a multiple of 8. A copy, so the
 * panel is the scalar loop's. */
__attribute__((target("avx2"))) static void pack_a_panel_avx2(const float *src, int ld, int rows,
                                                               int kn, float *dst)
{
    for (int k = 0; k < kn; k += 8) {
        __m256 r[8];
        for (int i = 0; i < 8; i++)
            r[i] = i < rows ? _mm256_loadu_ps(src + (size_t)i * ld + k) : _mm256_setzero_ps();
        simd_transpose8_avx2(r);
        for (int i = 0; i < 8; i++) _mm256_storeu_ps(dst + (size_t)(k + i) * GEMM_MR, r[i]);
        for (int i = 0; i < 4; i++)
            r[i] = 8 + i < rows ? _mm256_loadu_ps(src + (size_t)(8 + i) * ld + k) : _mm256_setzero_ps();
        for (int i = 4; i < 8; i++) r[i] = _mm256_setzero_ps();
        simd_transpose8_avx2(r);
        for (int i = 0; i < 8; i++) _mm_storeu_ps(dst + (size_t)(k + i) * GEMM_MR + 8, _mm256_castps256_ps128(r[i]));
    }
}

#endif

/* pa[(p*kc + k)*MR + i] = op(A)(i0 + p*MR + i, k0 + k), zero beyond row mc (panel p at
 * offset p*MR*kc). With kc = K, i0 = k0 = 0 this is the full packed layout of gemm.h. */
static void pack_a(int ta, const float *A, int lda, int i0, int mc, int k0, int kc, float *pa)
{
    const int simd = use_avx512(), avx2 = use_avx2();
    for (int p = 0; p < mc; p += GEMM_MR) {
        int rows = mc - p < GEMM_MR ? mc - p : GEMM_MR;
        float *dst = pa + (size_t)p * kc;
        if (!ta) {
            const float *src = A + (size_t)(i0 + p) * lda + k0;
            int k_done = 0;
#ifdef GEMM_HAVE_X86
            if (simd) {
                k_done = kc / 16 * 16;
                pack_a_panel_avx512(src, lda, rows, k_done, dst);
            } else if (avx2) {
                k_done = kc / 8 * 8;
                pack_a_panel_avx2(src, lda, rows, k_done, dst);
            }
#endif
            for (int i = 0; i < rows; i++)
                for (int k = k_done; k < kc; k++)
                    dst[(size_t)k * GEMM_MR + i] = src[(size_t)i * lda + k];
            for (int i = rows; i < GEMM_MR; i++)
                for (int k = k_done; k < kc; k++) dst[(size_t)k * GEMM_MR + i] = 0;
        } else {
            for (int k = 0; k < kc; k++) {
                const float *src = A + (size_t)(k0 + k) * lda + i0 + p;
                float *d = dst + (size_t)k * GEMM_MR;
                memcpy(d, src, sizeof(float) * (size_t)rows);
                for (int i = rows; i < GEMM_MR; i++) d[i] = 0;
            }
        }
    }
    (void)simd;
    (void)avx2;
}

#ifdef GEMM_HAVE_X86
/* transpose_16x16_blocks with AVX2, 8 x 8 blocks: for 8 source rows src + j*ld (j < 8) and k in
 * [0, kn) (kn a multiple of 8): dst[k*GEMM_NR + j] = src[j*ld + k]. A copy, so the packed panel
 * is the scalar loop's. */
__attribute__((target("avx2"))) static void transpose_8x8_blocks(const float *src, int ld, int kn,
                                                                  float *dst)
{
    for (int k = 0; k < kn; k += 8) {
        __m256 r[8];
        for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(src + (size_t)j * ld + k);
        simd_transpose8_avx2(r);
        for (int j = 0; j < 8; j++) _mm256_storeu_ps(dst + (size_t)(k + j) * GEMM_NR, r[j]);
    }
}
#endif

/* pb[(q*kc + k)*NR + j] = op(B)(k0 + k, j0 + q*NR + j), zero beyond column nc (panel q at
 * offset q*NR*kc). Untransposed B is walked row by row (sequential reads for the prefetcher),
 * scattering into the panels. With kc = K, k0 = j0 = 0 this is the full layout of gemm.h. */
static void pack_b(int tb, const float *B, int ldb, int k0, int kc, int j0, int nc, float *pb)
{
    if (!tb) {
        const int full = nc / GEMM_NR * GEMM_NR;
        for (int k = 0; k < kc; k++) {
            const float *src = B + (size_t)(k0 + k) * ldb + j0;
            for (int q = 0; q < full; q += GEMM_NR)
                memcpy(pb + (size_t)q * kc + (size_t)k * GEMM_NR, src + q, sizeof(float) * GEMM_NR);
            if (full < nc) {
                float *d = pb + (size_t)full * kc + (size_t)k * GEMM_NR;
                int cols = nc - full, j = 0;
                for (; j < cols; j++) d[j] = src[full + j];
                for (; j < GEMM_NR; j++) d[j] = 0;
            }
        }
        return;
    }
    const int simd = use_avx512(), avx2 = use_avx2();
    for (int q = 0; q < nc; q += GEMM_NR) {
        int cols = nc - q < GEMM_NR ? nc - q : GEMM_NR;
        float *dst = pb + (size_t)q * kc;
        int k_done = 0;
#ifdef GEMM_HAVE_X86
        if (simd && cols == GEMM_NR) { /* 16x16 blocks transposed in registers */
            k_done = kc / 16 * 16;
            for (int h = 0; h < GEMM_NR; h += 16)
                transpose_16x16_blocks(B + (size_t)(j0 + q + h) * ldb + k0, ldb, k_done, dst + h);
        } else if (avx2 && cols % 8 == 0) { /* 8x8 blocks; also the 8, 16, 24-column panels
                                               * of small weight gradients (else scalar) */
            k_done = kc / 8 * 8;
            for (int h = 0; h < cols; h += 8)
                transpose_8x8_blocks(B + (size_t)(j0 + q + h) * ldb + k0, ldb, k_done, dst + h);
        }
#endif
        for (int j = 0; j < cols; j++) {
            const float *src = B + (size_t)(j0 + q + j) * ldb + k0;
            for (int k = k_done; k < kc; k++) dst[(size_t)k * GEMM_NR + j] = src[k];
        }
        if (cols < GEMM_NR) /* zero padding, a row segment per k */
            for (int k = 0; k < kc; k++)
                memset(dst + (size_t)k * GEMM_NR + cols, 0, sizeof(float) * (size_t)(GEMM_NR - cols));
    }
    (void)simd;
    (void)avx2;
}

/* The micro-kernel contract (both kernels): with acc = sum over k < kc of pa[k*MR + i] *
 * pb[k*NR + j], accumulated in k order by fused multiply-adds from +0,
 * C[i*ldc + j] = alpha * acc (overwrite) or fma(alpha, acc, C[i*ldc + j]), for i < mr, j < nr.
 * Padding rows / columns of the panels never reach C. Full and edge tiles do the same
 * arithmetic, so a C element does not depend on where tiles or column parts start. */

/* Scalar twin of kernel_12x32 (fmaf: correctly rounded, so bitwise the same results). */
static void kernel_ref(int kc, const float *pa, const float *pb, size_t ldpb, float *C, int ldc,
                       float alpha, int mr, int nr, int overwrite)
{
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) {
            float acc = 0.0f;
            for (int k = 0; k < kc; k++)
                acc = fmaf(pa[(size_t)k * GEMM_MR + i], pb[(size_t)k * ldpb + j], acc);
            float *c = C + (size_t)i * ldc + j;
            *c = overwrite ? alpha * acc : fmaf(alpha, acc, *c);
        }
}

#ifdef GEMM_HAVE_X86
/* 12x32 AVX-512 micro-kernel: 24 zmm accumulators, per k two B vectors and 12 broadcasts of A. */
__attribute__((target("avx512f"))) static void kernel_12x32(int kc, const float *pa,
                                                              const float *pb, size_t ldpb,
                                                              float *C, int ldc, float alpha,
                                                              int mr, int nr, int overwrite)
{
#define ACC(i) __m512 c##i##a = _mm512_setzero_ps(), c##i##b = _mm512_setzero_ps()
    ACC(0); ACC(1); ACC(2); ACC(3); ACC(4); ACC(5);
    ACC(6); ACC(7); ACC(8); ACC(9); ACC(10); ACC(11);
#undef ACC
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_loadu_ps(pb), b1 = _mm512_loadu_ps(pb + 16);
#define FMA(i)                                                                                     \
    do {                                                                                           \
        __m512 a = _mm512_set1_ps(pa[i]);                                                          \
        c##i##a = _mm512_fmadd_ps(a, b0, c##i##a);                                                 \
        c##i##b = _mm512_fmadd_ps(a, b1, c##i##b);                                                 \
    } while (0)
        FMA(0); FMA(1); FMA(2); FMA(3); FMA(4); FMA(5);
        FMA(6); FMA(7); FMA(8); FMA(9); FMA(10); FMA(11);
#undef FMA
        pa += GEMM_MR;
        pb += ldpb;
    }
    const __m512 al = _mm512_set1_ps(alpha);
    if (mr == GEMM_MR && nr == GEMM_NR && overwrite) {
#define ST(i)                                                                                      \
    do {                                                                                           \
        float *r = C + (size_t)(i) * ldc;                                                          \
        _mm512_storeu_ps(r, _mm512_mul_ps(al, c##i##a));                                           \
        _mm512_storeu_ps(r + 16, _mm512_mul_ps(al, c##i##b));                                      \
    } while (0)
        ST(0); ST(1); ST(2); ST(3); ST(4); ST(5);
        ST(6); ST(7); ST(8); ST(9); ST(10); ST(11);
#undef ST
        return;
    }
    if (mr == GEMM_MR && nr == GEMM_NR) {
#define ST(i)                                                                                      \
    do {                                                                                           \
        float *r = C + (size_t)(i) * ldc;                                                          \
        _mm512_storeu_ps(r, _mm512_fmadd_ps(al, c##i##a, _mm512_loadu_ps(r)));                     \
        _mm512_storeu_ps(r + 16, _mm512_fmadd_ps(al, c##i##b, _mm512_loadu_ps(r + 16)));           \
    } while (0)
        ST(0); ST(1); ST(2); ST(3); ST(4); ST(5);
        ST(6); ST(7); ST(8); ST(9); ST(10); ST(11);
#undef ST
        return;
    }
    /* edge tile: the same operations through masked loads / stores */
    float tile[GEMM_MR * GEMM_NR];
#define SV(i)                                                                                      \
    do {                                                                                           \
        _mm512_storeu_ps(tile + (i) * GEMM_NR, c##i##a);                                           \
        _mm512_storeu_ps(tile + (i) * GEMM_NR + 16, c##i##b);                                      \
    } while (0)
    SV(0); SV(1); SV(2); SV(3); SV(4); SV(5);
    SV(6); SV(7); SV(8); SV(9); SV(10); SV(11);
#undef SV
    const __mmask16 m0 = (__mmask16)(nr >= 16 ? 0xffffu : (1u << nr) - 1u);
    const __mmask16 m1 = (__mmask16)(nr >= 32 ? 0xffffu : nr <= 16 ? 0u : (1u << (nr - 16)) - 1u);
    for (int i = 0; i < mr; i++) {
        float *r = C + (size_t)i * ldc;
        __m512 t0 = _mm512_loadu_ps(tile + i * GEMM_NR), t1 = _mm512_loadu_ps(tile + i * GEMM_NR + 16);
        if (overwrite) {
            _mm512_mask_storeu_ps(r, m0, _mm512_mul_ps(al, t0));
            _mm512_mask_storeu_ps(r + 16, m1, _mm512_mul_ps(al, t1));
        } else {
            _mm512_mask_storeu_ps(r, m0, _mm512_fmadd_ps(al, t0, _mm512_maskz_loadu_ps(m0, r)));
            _mm512_mask_storeu_ps(r + 16, m1,
                                  _mm512_fmadd_ps(al, t1, _mm512_maskz_loadu_ps(m1, r + 16)));
        }
    }
}
#endif

#ifdef GEMM_HAVE_X86
/* 12x32 AVX2 + FMA micro-kernel, the contract above with 16 ymm registers: the tile in four
 * 6x16 quarters (12 accumulators, 2 B vectors, 1 broadcast each), one pass over k per quarter;
 * a panel of at most 4, or of 7 or 8 rows (M = 8 or 16: the narrow layers' output channels) in
 * 4x16 blocks instead.
 * Per element the same fused multiply-adds in the same k order as kernel_12x32 and kernel_ref,
 * so bitwise the same C on every x86 CPU with FMA. A quarter inside the tile updates C from its
 * registers (Q_SET / Q_ADD); edge quarters store their sums in the tile buffer (Q_TILE) for the
 * masked update, a round trip that cost as much as the FMAs of a short product (K = 8 for a
 * Winograd product of 8 channels). */
enum { Q_TILE, Q_SET, Q_ADD };
/* R x 16 block of the tile (R = 6: a quarter; R = 4: the blocks of a panel of at most 4 or of 7-8
 * rows, so that M = 8 or 16, the narrow layers' output channels, compute no padding rows: 12
 * rows for 8 before). Inlined with R a constant at each call, so the loops over rows unroll
 * fully and the accumulators stay in registers. */
static inline __attribute__((always_inline, target("avx2,fma"))) void
block_rx16(const int R, int kc, const float *pa, const float *pb, size_t ldpb, float *dst, int ldd,
           float alpha, int mode)
{
    __m256 ca[6], cb[6];
#pragma GCC unroll 6
    for (int i = 0; i < R; i++) ca[i] = cb[i] = _mm256_setzero_ps();
    for (int k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_loadu_ps(pb), b1 = _mm256_loadu_ps(pb + 8);
#pragma GCC unroll 6
        for (int i = 0; i < R; i++) {
            const __m256 a = _mm256_broadcast_ss(pa + i);
            ca[i] = _mm256_fmadd_ps(a, b0, ca[i]);
            cb[i] = _mm256_fmadd_ps(a, b1, cb[i]);
        }
        pa += GEMM_MR;
        pb += ldpb;
    }
    const __m256 al = _mm256_set1_ps(alpha);
    /* Q_TILE: the sums; Q_SET: alpha times them; Q_ADD: fma(alpha, sum, C) */
#define OUT(v, p) (mode == Q_TILE ? (v) : mode == Q_SET ? _mm256_mul_ps(al, (v)) \
                                   : _mm256_fmadd_ps(al, (v), _mm256_loadu_ps(p)))
#pragma GCC unroll 6
    for (int i = 0; i < R; i++) {
        float *d = dst + (size_t)i * ldd;
        _mm256_storeu_ps(d, OUT(ca[i], d));
        _mm256_storeu_ps(d + 8, OUT(cb[i], d + 8));
    }
#undef OUT
}

/* the 6x16 quarters' sums for 12 rows and 8 columns at once: the tile of a product whose op(B) has
 * at most 8 columns (a weight gradient of 8 input channels, a 1x1 shortcut's), where two 6x16
 * quarters would compute 16 columns for 8. Same FMAs in the same k order. */
__attribute__((target("avx2,fma"))) static void half_12x8(int kc, const float *pa, const float *pb,
                                                          size_t ldpb, float *tile)
{
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    __m256 c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
    for (int k = 0; k < kc; k++) {
        const __m256 b = _mm256_loadu_ps(pb);
#define FMA(i) c##i = _mm256_fmadd_ps(_mm256_broadcast_ss(pa + (i)), b, c##i)
        FMA(0); FMA(1); FMA(2); FMA(3); FMA(4); FMA(5);
        FMA(6); FMA(7); FMA(8); FMA(9); FMA(10); FMA(11);
#undef FMA
        pa += GEMM_MR;
        pb += ldpb;
    }
#define SV(i) _mm256_storeu_ps(tile + (i) * GEMM_NR, c##i)
    SV(0); SV(1); SV(2); SV(3); SV(4); SV(5); SV(6); SV(7); SV(8); SV(9); SV(10); SV(11);
#undef SV
}

__attribute__((target("avx2,fma"))) static void kernel_12x32_avx2(int kc, const float *pa,
                                                                  const float *pb, size_t ldpb,
                                                                  float *C, int ldc, float alpha,
                                                                  int mr, int nr, int overwrite)
{
    float tile[GEMM_MR * GEMM_NR]; /* acc (MR x NR), row-major */
    /* rows [0, direct) in whole 6 x 16 quarters go straight to C; the rest through the tile */
    int direct = 0;
    if (nr <= 8 && mr > 6) {
        half_12x8(kc, pa, pb, ldpb, tile);
    } else {
        /* blocks of 6 rows, or of 4 where that computes fewer padding rows (mr <= 4: 4 rows,
         * not 6; mr = 7, 8: 8 rows, not 12) */
        const int rb = mr <= 4 || (mr > 6 && mr <= 8) ? 4 : 6;
        direct = nr % 16 == 0 ? mr / rb * rb : 0;
        for (int r = 0; r < GEMM_MR && r < mr; r += rb)
            for (int q = 0; q < GEMM_NR && q < nr; q += 16) {
                float *d = r < direct ? C + (size_t)r * ldc + q : tile + r * GEMM_NR + q;
                const int ld = r < direct ? ldc : GEMM_NR, mode = r < direct ? (overwrite ? Q_SET : Q_ADD) : Q_TILE;
                const float a = r < direct ? alpha : 1.0f;
                if (rb == 4)
                    block_rx16(4, kc, pa + r, pb + q, ldpb, d, ld, a, mode);
                else
                    block_rx16(6, kc, pa + r, pb + q, ldpb, d, ld, a, mode);
            }
    }
    const __m256 al = _mm256_set1_ps(alpha);
    for (int i = direct; i < mr; i++) {
        float *c = C + (size_t)i * ldc;
        const float *t = tile + i * GEMM_NR;
        int j = 0;
        for (; j + 8 <= nr; j += 8) {
            const __m256 v = _mm256_loadu_ps(t + j);
            _mm256_storeu_ps(c + j, overwrite ? _mm256_mul_ps(al, v)
                                              : _mm256_fmadd_ps(al, v, _mm256_loadu_ps(c + j)));
        }
        for (; j < nr; j++) c[j] = overwrite ? alpha * t[j] : fmaf(alpha, t[j], c[j]);
    }
}
#endif

/* C (mc x nc, row stride ldc) (+)= alpha * A block B block for one kc-deep slice: A panel p
 * (rows p*MR..) at pa + p*sa, B panel q (columns q*NR..) at pb + q*sb, each k-major with
 * strides MR / NR. ref = 1: the scalar kernel. */
static void gemm_macro(int mc, int nc, int kc, const float *pa, size_t sa, const float *pb,
                       size_t sb, size_t ldpb, float *C, int ldc, float alpha, int overwrite,
                       int ref)
{
    const int k512 = use_avx512(); /* the kernel, chosen once per block, not per tile */
    for (int q = 0; q < nc; q += GEMM_NR) {
        const float *b = pb + (size_t)(q / GEMM_NR) * sb;
        int nr = nc - q < GEMM_NR ? nc - q : GEMM_NR;
        for (int p = 0; p < mc; p += GEMM_MR) {
            const float *a = pa + (size_t)(p / GEMM_MR) * sa;
            int mr = mc - p < GEMM_MR ? mc - p : GEMM_MR;
            float *c = C + (size_t)p * ldc + q;
#ifdef GEMM_HAVE_X86
            if (!ref) {
                if (k512)
                    kernel_12x32(kc, a, b, ldpb, c, ldc, alpha, mr, nr, overwrite);
                else
                    kernel_12x32_avx2(kc, a, b, ldpb, c, ldc, alpha, mr, nr, overwrite);
                continue;
            }
#endif
            kernel_ref(kc, a, b, ldpb, c, ldc, alpha, mr, nr, overwrite);
        }
    }
    (void)ref;
    (void)k512;
}

/* p rounded up to 64 bytes (the packed panels start on cache lines: misaligned ones cost 2-7%);
 * GEMM_WS_THREAD has 64 floats of slack for this */
static float *align64(float *p)
{
    return p + (((uintptr_t)64 - ((uintptr_t)p & 63)) & 63) / sizeof(float);
}

/* Read an (NC x KC) block of untransposed B in place (kernel stride ldb) instead of packing
 * it: when it is whole NR panels and few MC blocks reuse it (M <= 2 MC). The kernel sees the
 * same numbers either way, so C is bitwise the same. 64x512x64: 180 -> 198 GFLOP/s; with
 * M = 512 the strided panels cost more than packing them. */
static int b_direct(int tb, int M, int nc) { return !tb && nc % GEMM_NR == 0 && M <= 2 * GEMM_MC; }

static void scale_c(int M, int N, float beta, float *C, int ldc)
{
    if (beta == 1.0f) return;
    for (int i = 0; i < M; i++) {
        float *r = C + (size_t)i * ldc;
        if (beta == 0.0f) memset(r, 0, sizeof(float) * (size_t)N);
        else
            for (int j = 0; j < N; j++) r[j] *= beta;
    }
}

typedef struct {
    const float *A, *B;
    float *C, *ws;
    int ta, tb, M, N, K;
    int overwrite; /* beta = 0: the first KC slice stores instead of accumulating */
    float alpha, beta;
    int lda, ldb, ldc;
} GemmJob;

#ifdef GEMM_HAVE_X86

/* C[:, 0..N) += alpha op(A) op(B) for the job's column range (B and C already offset). */
static void gemm_blocked(const GemmJob *j)
{
    float *pa = align64(j->ws), *pb = pa + GEMM_MC * GEMM_KC;
    for (int j0 = 0; j0 < j->N; j0 += GEMM_NC) {
        int nc = j->N - j0 < GEMM_NC ? j->N - j0 : GEMM_NC;
        for (int k0 = 0; k0 < j->K; k0 += GEMM_KC) {
            int kc = j->K - k0 < GEMM_KC ? j->K - k0 : GEMM_KC;
            const int direct = b_direct(j->tb, j->M, nc);
            const float *b = direct ? j->B + (size_t)k0 * j->ldb + j0 : pb;
            const size_t sb = direct ? GEMM_NR : (size_t)kc * GEMM_NR;
            const size_t ldpb = direct ? (size_t)j->ldb : GEMM_NR;
            if (!direct) pack_b(j->tb, j->B, j->ldb, k0, kc, j0, nc, pb);
            for (int i0 = 0; i0 < j->M; i0 += GEMM_MC) {
                int mc = j->M - i0 < GEMM_MC ? j->M - i0 : GEMM_MC;
                pack_a(j->ta, j->A, j->lda, i0, mc, k0, kc, pa);
                gemm_macro(mc, nc, kc, pa, (size_t)kc * GEMM_MR, b, sb, ldpb,
                           j->C + (size_t)i0 * j->ldc + j0, j->ldc, j->alpha,
                           j->overwrite && k0 == 0, 0);
            }
        }
    }
}

#endif

/* pool item: one column part (its own ws slice); OpenBLAS, single-threaded, without AVX-512 */
static void gemm_part(void *ctx, int item, int tid)
{
    (void)tid;
    const GemmJob *j = (const GemmJob *)ctx + item;
#ifdef GEMM_HAVE_X86
    if (use_blocked()) {
        gemm_blocked(j);
        return;
    }
#endif
    linalg_sgemm(j->ta, j->tb, j->M, j->N, j->K, j->alpha, j->A, j->lda, j->B, j->ldb, j->beta, j->C,
                 j->ldc);
}

void gemm_f32(int transa, int transb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc, float *ws)
{
    if (M <= 0 || N <= 0) return;
    const int simd = use_blocked();
    if (simd && (K <= 0 || alpha == 0.0f || beta != 0.0f)) scale_c(M, N, beta, C, ldc);
    if (simd && (K <= 0 || alpha == 0.0f)) return;
    /* column parts: whole NR panels each, one pool item (and ws slice) per part; every element
     * of C is computed the same way whatever the split */
    int panels = (N + GEMM_NR - 1) / GEMM_NR;
    int nt = (double)M * N * K < 1e6 ? 1 : pool_width(panels); /* small: not worth a hand-off */
    if (nt > GEMM_MAX_THREADS) nt = GEMM_MAX_THREADS;
    GemmJob jobs[GEMM_MAX_THREADS];
    for (int t = 0; t < nt; t++) {
        int c0 = panels * t / nt * GEMM_NR, c1 = panels * (t + 1) / nt * GEMM_NR;
        if (c1 > N) c1 = N;
        jobs[t] = (GemmJob){.ta = transa, .tb = transb, .M = M, .N = c1 - c0, .K = K,
                            .overwrite = beta == 0.0f, .alpha = alpha, .beta = beta, .A = A,
                            .B = transb ? B + (size_t)c0 * ldb : B + c0, .lda = lda, .ldb = ldb,
                            .ldc = ldc, .C = C + c0, .ws = ws + (size_t)t * GEMM_WS_THREAD};
    }
    pool_for(nt, 0, gemm_part, jobs);
}

/* ---------------------------------------------------------------- packed operands (gemm.h) */

size_t gemm_packed_a_floats(int M, int K)
{
    if (M <= 0 || K <= 0) return 0;
    return (size_t)((M + GEMM_MR - 1) / GEMM_MR) * GEMM_MR * (size_t)K;
}

size_t gemm_packed_b_floats(int K, int N)
{
    if (N <= 0 || K <= 0) return 0;
    return (size_t)((N + GEMM_NR - 1) / GEMM_NR) * GEMM_NR * (size_t)K;
}

void gemm_pack_a_full(int transa, int M, int K, const float *A, int lda, float *pa)
{
    if (M > 0 && K > 0) pack_a(transa, A, lda, 0, M, 0, K, pa);
}

void gemm_pack_b_full(int transb, int K, int N, const float *B, int ldb, float *pb)
{
    if (N > 0 && K > 0) pack_b(transb, B, ldb, 0, K, 0, N, pb);
}

/* gemm_blocked's loops (the same KC slices, so the same sums) over a fully packed A and either
 * B packed per (NC, KC) block into pbw (B != NULL) or a fully packed B (pb). ref: scalar kernel. */
static void gemm_packed_run(int tb, int M, int N, int K, float alpha, const float *pa,
                            const float *B, int ldb, const float *pb, float *pbw, float beta,
                            float *C, int ldc, int ref)
{
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f || beta != 0.0f) scale_c(M, N, beta, C, ldc);
    if (K <= 0 || alpha == 0.0f) return;
    const size_t sa = (size_t)K * GEMM_MR;
    for (int j0 = 0; j0 < N; j0 += GEMM_NC) {
        int nc = N - j0 < GEMM_NC ? N - j0 : GEMM_NC;
        for (int k0 = 0; k0 < K; k0 += GEMM_KC) {
            int kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
            const float *b = pb;
            size_t sb = (size_t)K * GEMM_NR, ldpb = GEMM_NR;
            if (B && b_direct(tb, M, nc)) {
                b = B + (size_t)k0 * ldb + j0;
                sb = GEMM_NR;
                ldpb = (size_t)ldb;
            } else if (B) {
                pack_b(tb, B, ldb, k0, kc, j0, nc, pbw);
                b = pbw;
                sb = (size_t)kc * GEMM_NR;
            } else {
                b += (size_t)j0 * K + (size_t)k0 * GEMM_NR;
            }
            for (int i0 = 0; i0 < M; i0 += GEMM_MC) {
                int mc = M - i0 < GEMM_MC ? M - i0 : GEMM_MC;
                gemm_macro(mc, nc, kc, pa + (size_t)i0 * K + (size_t)k0 * GEMM_MR, sa, b, sb,
                           ldpb, C + (size_t)i0 * ldc + j0, ldc, alpha, beta == 0.0f && k0 == 0,
                           ref);
            }
        }
    }
}

void gemm_f32_pa(int transb, int M, int N, int K, float alpha, const float *pa, const float *B,
                 int ldb, float beta, float *C, int ldc, float *ws)
{
    gemm_packed_run(transb, M, N, K, alpha, pa, B, ldb, NULL, align64(ws), beta, C, ldc,
                    !use_blocked());
}

void gemm_f32_pp(int M, int N, int K, float alpha, const float *pa, const float *pb, float beta,
                 float *C, int ldc)
{
    gemm_packed_run(0, M, N, K, alpha, pa, NULL, 0, pb, NULL, beta, C, ldc, !use_blocked());
}

void gemm_f32_pp_ref(int M, int N, int K, float alpha, const float *pa, const float *pb,
                     float beta, float *C, int ldc)
{
    gemm_packed_run(0, M, N, K, alpha, pa, NULL, 0, pb, NULL, beta, C, ldc, 1);
}
