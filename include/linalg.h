/* linalg.h: dense kernels over row-major float matrices; the only user of OpenBLAS (cblas.h).
 * linalg_sgemm is the fast path; linalg_sgemm_ref is the slow, obvious oracle for tests.
 * Threads: linalg_init pins OpenBLAS to one thread and sizes the engine's thread pool (pool.h)
 * from FSWEEP_THREADS, else OPENBLAS_NUM_THREADS, else 1 — ranks bring the parallelism unless a
 * run asks otherwise. linalg_set_threads changes OpenBLAS's own threads only (the bench's
 * OpenBLAS figure). */
#ifndef FS_LINALG_H
#define FS_LINALG_H

#include "util.h"

/* C(M,N) = alpha * op(A) op(B) + beta * C; row-major; op = transpose when trans* != 0.
 * lda/ldb/ldc are row strides of the stored matrices. */
void linalg_sgemm(int transa, int transb, int M, int N, int K, float alpha, const float *A,
                  int lda, const float *B, int ldb, float beta, float *C, int ldc);
void linalg_sgemm_ref(int transa, int transb, int M, int N, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc);
/* Apply the thread policy above. A malformed thread variable is FS_ERR_CONFIG (fs_last_error
 * names it and the value); the team then has one thread. */
FsStatus linalg_init(void);
void linalg_set_threads(int n);
int linalg_threads(void);
const char *linalg_corename(void);  /* OpenBLAS core type in use, e.g. "Haswell" */
const char *linalg_config(void);    /* openblas_get_config() */

#endif
