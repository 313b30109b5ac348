/* gemm.c: see gemm.h. BLIS-style loops: NC columns of B packed into NR-wide panels (k-major),
 * KC-deep slices, MC rows of A packed into MR-tall panels, a 12x32 register-blocked micro-kernel
 * (24 zmm accumulators, A broadcast from the packed panel). Edges are zero-padded in the
 * packed panels and written back through a small tile. */
#include "gemm.h"

#include "linalg.h"
#include "pool.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
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

const char *gemm_kernel_name(void) { return use_avx512() ? "avx512-12x32" : "openblas"; }

/* pa[(p*kc + k)*MR + i] = op(A)(i0 + p*MR + i, k0 + k), zero beyond row mc. */
static void pack_a(int ta, const float *A, int lda, int i0, int mc, int k0, int kc, float *pa)
{
    for (int p = 0; p < mc; p += GEMM_MR) {
        int rows = mc - p < GEMM_MR ? mc - p : GEMM_MR;
        float *dst = pa + (size_t)p * kc;
        if (!ta) {
            for (int i = 0; i < rows; i++) {
                const float *src = A + (size_t)(i0 + p + i) * lda + k0;
                for (int k = 0; k < kc; k++) dst[(size_t)k * GEMM_MR + i] = src[k];
            }
            for (int i = rows; i < GEMM_MR; i++)
                for (int k = 0; k < kc; k++) dst[(size_t)k * GEMM_MR + i] = 0;
        } else {
            for (int k = 0; k < kc; k++) {
                const float *src = A + (size_t)(k0 + k) * lda + i0 + p;
                float *d = dst + (size_t)k * GEMM_MR;
                int i = 0;
                for (; i < rows; i++) d[i] = src[i];
                for (; i < GEMM_MR; i++) d[i] = 0;
            }
        }
    }
}

#ifdef GEMM_HAVE_X86
/* For 16 source rows src + j*ld (j < 16) and k in [0, kn) (kn a multiple of 16):
 * dst[k*GEMM_NR + j] = src[j*ld + k]. unpack / shuffle / shuffle_f32x4 transpose network. */
__attribute__((target("avx512f"))) static void transpose_16x16_blocks(const float *src, int ld,
                                                                        int kn, float *dst)
{
    for (int k = 0; k < kn; k += 16) {
        __m512 r[16], t[16];
        for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps(src + (size_t)j * ld + k);
        for (int i = 0; i < 8; i++) {
            t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
            t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
        }
        for (int i = 0; i < 4; i++) {
            r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
            r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
            r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
            r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
        }
        for (int i = 0; i < 4; i++) {
            t[i] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0x88);
            t[4 + i] = _mm512_shuffle_f32x4(r[i], r[4 + i], 0xdd);
            t[8 + i] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0x88);
            t[12 + i] = _mm512_shuffle_f32x4(r[8 + i], r[12 + i], 0xdd);
        }
        for (int i = 0; i < 8; i++) {
            r[i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0x88);
            r[8 + i] = _mm512_shuffle_f32x4(t[i], t[8 + i], 0xdd);
        }
        for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + (size_t)(k + i) * GEMM_NR, r[i]);
    }
}
#endif

/* pb[(q*kc + k)*NR + j] = op(B)(k0 + k, j0 + q*NR + j), zero beyond column nc. Untransposed B
 * is walked row by row (sequential reads for the prefetcher), scattering into the panels. */
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
    const int simd = use_avx512();
    for (int q = 0; q < nc; q += GEMM_NR) {
        int cols = nc - q < GEMM_NR ? nc - q : GEMM_NR;
        float *dst = pb + (size_t)q * kc;
        int k_done = 0;
#ifdef GEMM_HAVE_X86
        if (simd && cols == GEMM_NR) { /* 16x16 blocks transposed in registers */
            k_done = kc / 16 * 16;
            for (int h = 0; h < GEMM_NR; h += 16)
                transpose_16x16_blocks(B + (size_t)(j0 + q + h) * ldb + k0, ldb, k_done, dst + h);
        }
#endif
        for (int j = 0; j < cols; j++) {
            const float *src = B + (size_t)(j0 + q + j) * ldb + k0;
            for (int k = k_done; k < kc; k++) dst[(size_t)k * GEMM_NR + j] = src[k];
        }
        for (int j = cols; j < GEMM_NR; j++)
            for (int k = 0; k < kc; k++) dst[(size_t)k * GEMM_NR + j] = 0;
    }
    (void)simd;
}

#ifdef GEMM_HAVE_X86
/* C[0..mr, 0..nr) += alpha * pa(12 x kc) pb(kc x 32), or = when overwrite (C not read) */
__attribute__((target("avx512f"))) static void kernel_12x32(int kc, const float *pa,
                                                              const float *pb, float *C, int ldc,
                                                              float alpha, int mr, int nr,
                                                              int overwrite)
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
        pb += GEMM_NR;
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
    float tile[GEMM_MR * GEMM_NR];
#define SV(i)                                                                                      \
    do {                                                                                           \
        _mm512_storeu_ps(tile + (i) * GEMM_NR, c##i##a);                                           \
        _mm512_storeu_ps(tile + (i) * GEMM_NR + 16, c##i##b);                                      \
    } while (0)
    SV(0); SV(1); SV(2); SV(3); SV(4); SV(5);
    SV(6); SV(7); SV(8); SV(9); SV(10); SV(11);
#undef SV
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) {
            float v = alpha * tile[i * GEMM_NR + j];
            C[(size_t)i * ldc + j] = overwrite ? v : C[(size_t)i * ldc + j] + v;
        }
}
#endif

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
    float *pa = j->ws, *pb = j->ws + GEMM_MC * GEMM_KC;
    for (int j0 = 0; j0 < j->N; j0 += GEMM_NC) {
        int nc = j->N - j0 < GEMM_NC ? j->N - j0 : GEMM_NC;
        for (int k0 = 0; k0 < j->K; k0 += GEMM_KC) {
            int kc = j->K - k0 < GEMM_KC ? j->K - k0 : GEMM_KC;
            pack_b(j->tb, j->B, j->ldb, k0, kc, j0, nc, pb);
            for (int i0 = 0; i0 < j->M; i0 += GEMM_MC) {
                int mc = j->M - i0 < GEMM_MC ? j->M - i0 : GEMM_MC;
                pack_a(j->ta, j->A, j->lda, i0, mc, k0, kc, pa);
                for (int q = 0; q < nc; q += GEMM_NR)
                    for (int p = 0; p < mc; p += GEMM_MR)
                        kernel_12x32(kc, pa + (size_t)p * kc, pb + (size_t)q * kc,
                                     j->C + (size_t)(i0 + p) * j->ldc + j0 + q, j->ldc, j->alpha,
                                     mc - p < GEMM_MR ? mc - p : GEMM_MR,
                                     nc - q < GEMM_NR ? nc - q : GEMM_NR, j->overwrite && k0 == 0);
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
    if (use_avx512()) {
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
    const int simd = use_avx512();
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
