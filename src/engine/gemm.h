/* gemm.h: the engine's single-precision matrix product. A packed, cache-blocked 12x32 kernel
 * chosen at run time (__builtin_cpu_supports): AVX-512F, else AVX2 + FMA (bitwise the same
 * results); on CPUs with neither it forwards to OpenBLAS (linalg_sgemm). Same contract as linalg_sgemm (row-major,
 * C = alpha op(A) op(B) + beta C; beta == 0 never reads C), plus a caller-owned workspace of
 * GEMM_WS_FLOATS floats (the packed panels), so no call allocates.
 * Threads: called outside a pool item, large products are split by whole NR-column panels into
 * pool_width() parts (at most GEMM_MAX_THREADS), part t packing into ws slice t
 * (GEMM_WS_THREAD floats each). Inside a pool item it runs on the calling thread and uses only
 * the first slice. Safe to call concurrently with distinct workspaces. Without AVX-512 or AVX2 +
 * FMA the parts go to single-threaded OpenBLAS (then results depend on the split).
 * Summation: per element, KC-deep slices in k order, each summed by FMAs from 0 then added to C
 * (C = alpha s, or fma(alpha, s, C)); hence the same bytes for any row / column split, so
 * results do not depend on the thread count.
 * linalg_sgemm_ref is the oracle (tests/test_gemm.c, tests/test_layers.c, bench_engine). */
#ifndef FS_GEMM_H
#define FS_GEMM_H

#include <stddef.h>

#define GEMM_MR 12
#define GEMM_NR 32
#define GEMM_KC 320
#define GEMM_MC 120
#define GEMM_NC 1536
#define GEMM_MAX_THREADS 4
#define GEMM_WS_THREAD ((GEMM_MC * GEMM_KC) + (GEMM_KC * GEMM_NC) + 64)
#define GEMM_WS_FLOATS (GEMM_MAX_THREADS * GEMM_WS_THREAD)

void gemm_f32(int transa, int transb, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc, float *ws);
/* "avx512-12x32" or "openblas" */
const char *gemm_kernel_name(void);

/* ---- Packed operands: pack an operand once, multiply many times (Winograd's U_xi is reused by
 * every chunk of a layer; its input transform can write V_xi straight into packed form).
 * Layout (both operands): the matrix is cut into panels of GEMM_MR rows (A) / GEMM_NR columns
 * (B), the last one padded; each panel holds its full depth K k-major:
 *   packed A: element (i, k) of op(A) (M x K) at (i / MR) * MR * K + k * MR + i % MR
 *   packed B: element (k, j) of op(B) (K x N) at gemm_packed_b_index(K, N, k, j)
 * (the kernel reads a KC-deep slice of a panel as one contiguous run). Padding rows / columns
 * never reach C; the pack functions write zeros there and producers should too.
 * A row / column range starting at a multiple of MR / NR is a pointer offset: rows [r0, ..)
 * of a packed A start at pa + r0 * K, columns [c0, ..) of a packed B at pb + c0 * K, so column
 * parts (threads) can share one packed operand.
 * Results: on AVX-512 or AVX2 + FMA CPUs gemm_f32_pa / gemm_f32_pp give BITWISE the C of
 * gemm_f32 for the same inputs (same KC slices, same sums), whatever the column or row split.
 * Elsewhere they run the scalar kernel (gemm_f32_pp_ref: correct, slow, not bitwise equal to
 * OpenBLAS).
 * Threads: no state; safe concurrently on distinct C (and ws). No allocation, no errors. */

/* floats of a fully packed op(A) (M x K) / op(B) (K x N); 0 when a size is <= 0 */
size_t gemm_packed_a_floats(int M, int K);
size_t gemm_packed_b_floats(int K, int N);

/* Where element (k, j) of op(B) (K x N, 0 <= k < K, 0 <= j < round_up(N, NR)) lives in a fully
 * packed B. 16 consecutive columns j .. j + 15 of one row k with j % 16 == 0 are 16
 * consecutive floats (NR = 32), so a producer writing one zmm per (k, 16 columns) can fill the
 * packed form directly: pb[gemm_packed_b_index(K, N, k, j) + 0..15]. N is not needed by the
 * layout (panels hold the full depth); it is a parameter so callers state the shape. */
static inline size_t gemm_packed_b_index(int K, int N, int k, int j)
{
    (void)N;
    return (size_t)(j / GEMM_NR) * GEMM_NR * (size_t)K + (size_t)k * GEMM_NR +
           (size_t)(j % GEMM_NR);
}

/* pa (gemm_packed_a_floats(M, K) floats) = op(A) packed; A is M x K (lda) or, transa, K x M */
void gemm_pack_a_full(int transa, int M, int K, const float *A, int lda, float *pa);
/* pb (gemm_packed_b_floats(K, N) floats) = op(B) packed; B is K x N (ldb) or, transb, N x K */
void gemm_pack_b_full(int transb, int K, int N, const float *B, int ldb, float *pb);

/* gemm_f32 with op(A) given packed (pa from gemm_pack_a_full(., M, K, ...)); B as in gemm_f32;
 * ws: GEMM_WS_THREAD floats (B's panels). Single thread: split columns for threads. */
void gemm_f32_pa(int transb, int M, int N, int K, float alpha, const float *pa, const float *B,
                 int ldb, float beta, float *C, int ldc, float *ws);
/* gemm_f32 with both operands packed; no workspace. Single thread. */
void gemm_f32_pp(int M, int N, int K, float alpha, const float *pa, const float *pb, float beta,
                 float *C, int ldc);
/* gemm_f32_pp with the scalar kernel (fmaf): the oracle for the AVX-512 kernel (bitwise equal)
 * and the path used on CPUs without AVX-512. */
void gemm_f32_pp_ref(int M, int N, int K, float alpha, const float *pa, const float *pb,
                     float beta, float *C, int ldc);

#endif
