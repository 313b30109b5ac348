/* linalg.c: see linalg.h. The only file that includes cblas.h. */
#include "linalg.h"

#include "log.h"
#include "pool.h"
#include "util.h"

#include <cblas.h>
#include <stdlib.h>

void linalg_sgemm(int transa, int transb, int M, int N, int K, float alpha, const float *A,
                  int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans,
                transb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void linalg_sgemm_ref(int transa, int transb, int M, int N, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) {
                float a = transa ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = transb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s += (double)a * (double)b;
            }
            float *c = &C[(size_t)i * ldc + j];
            *c = (float)((double)alpha * s + (beta == 0.0f ? 0.0 : (double)beta * (double)*c));
        }
}

FsStatus linalg_init(void)
{
    const char *e = getenv("FSWEEP_THREADS"), *name = "FSWEEP_THREADS";
    if (!e || !*e) {
        e = getenv("OPENBLAS_NUM_THREADS");
        name = "OPENBLAS_NUM_THREADS";
    }
    int n = 1;
    openblas_set_num_threads(1); /* the engine's own pool brings the threads */
    if (e && *e && fs_parse_int(e, 1, 1 << 20, name, &n) != FS_OK) return FS_ERR_CONFIG;
    if (n > POOL_MAX_THREADS) {
        LOG_WARN("%s=%d: the engine uses at most %d threads per rank", name, n, POOL_MAX_THREADS);
        n = POOL_MAX_THREADS;
    }
    if (pool_set_threads(n) < n) LOG_WARN("%s=%d: only %d engine threads started", name, n, pool_threads());
    return FS_OK;
}
void linalg_set_threads(int n) { openblas_set_num_threads(n); }
int linalg_threads(void) { return openblas_get_num_threads(); }
const char *linalg_corename(void) { return openblas_get_corename(); }
const char *linalg_config(void) { return openblas_get_config(); }
