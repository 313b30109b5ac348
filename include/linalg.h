/* linalg.h: dense kernels over row-major float matrices; the only user of OpenBLAS (cblas.h).
 * linalg_sgemm is the fast path; linalg_sgemm_ref is the slow, obvious oracle for tests.
 * Threads: OpenBLAS is pinned to one thread per rank unless OPENBLAS_NUM_THREADS or
 * linalg_set_threads asks otherwise. */
#ifndef FS_LINALG_H
#define FS_LINALG_H

/* C(M,N) = alpha * op(A) op(B) + beta * C; row-major; op = transpose when trans* != 0.
 * lda/ldb/ldc are row strides of the stored matrices. */
void linalg_sgemm(int transa, int transb, int M, int N, int K, float alpha, const float *A,
                  int lda, const float *B, int ldb, float beta, float *C, int ldc);
void linalg_sgemm_ref(int transa, int transb, int M, int N, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc);
/* Apply the thread policy: OPENBLAS_NUM_THREADS when set, else 1. */
void linalg_init(void);
void linalg_set_threads(int n);
int linalg_threads(void);
const char *linalg_corename(void);  /* OpenBLAS core type in use, e.g. "Haswell" */
const char *linalg_config(void);    /* openblas_get_config() */

#endif
