/* gemm.h: the engine's single-precision matrix product. On CPUs with AVX-512F (checked at run
 * time with __builtin_cpu_supports) a packed, cache-blocked 12x32 AVX-512 kernel runs; elsewhere
 * it forwards to OpenBLAS (linalg_sgemm). Same contract as linalg_sgemm (row-major,
 * C = alpha op(A) op(B) + beta C; beta == 0 never reads C), plus a caller-owned workspace of
 * GEMM_WS_FLOATS floats (the packed panels), so no call allocates.
 * Threads: called outside a pool item, large products are split by whole NR-column panels into
 * pool_width() parts (at most GEMM_MAX_THREADS), part t packing into ws slice t
 * (GEMM_WS_THREAD floats each); every element of C is computed by one thread in the same order,
 * so results do not depend on the thread count. Inside a pool item it runs on the calling thread
 * and uses only the first slice. Safe to call concurrently with distinct workspaces. Without
 * AVX-512 the parts go to single-threaded OpenBLAS.
 * linalg_sgemm_ref is the oracle (tests/test_layers.c, bench_engine). */
#ifndef FS_GEMM_H
#define FS_GEMM_H

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

#endif
