/* bench_engine.c: `make bench` for the NN engine. Verifies the fast kernels against the _ref
 * ones first, then prints single-thread sgemm GFLOP/s (the peak we compare with) and, for
 * ResNet-18 at 32x32x3 with 1 and 2 BLAS threads: training images/s (batch 64), inference
 * images/s (batch 100), achieved GFLOP/s, fraction of sgemm peak, peak resident memory.
 * Training FLOPs are counted as 3 x forward (forward, input gradient, weight gradient).
 * Each rate is given by wall clock and per CPU-second of this process (CLOCK_PROCESS_CPUTIME_ID):
 * on a machine shared with other jobs the wall numbers drop, the CPU-time ones much less (with
 * 2 threads, images per CPU-second x 2 is the rate the two cores would reach if idle).
 * Nothing here is asserted except kernel agreement. */
#include "gemm.h"
#include "layers.h"
#include "linalg.h"
#include "model_impl.h"
#include "rng.h"
#include "train.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best of 5 GFLOP/s of a layer3-like product (512x1024x1152), by wall clock and per
 * CPU-second; own = 1: the engine's gemm_f32, else OpenBLAS. */
static void sgemm_gflops(int threads, int own, double *wall, double *cpu)
{
    linalg_set_threads(threads);
    const int M = 512, N = 1024, K = 1152;
    float *a = xmalloc((size_t)M * K * 4), *b = xmalloc((size_t)K * N * 4), *c = xmalloc((size_t)M * N * 4);
    float *ws = xmalloc(GEMM_WS_FLOATS * sizeof(float));
    Rng r = rng_derive(1, 0, RNG_STREAM_TEST);
    for (size_t i = 0; i < (size_t)M * K; i++) a[i] = (float)rng_uniform(&r);
    for (size_t i = 0; i < (size_t)K * N; i++) b[i] = (float)rng_uniform(&r);
    *wall = *cpu = 0;
    for (int rep = 0; rep < 6; rep++) {
        double t = fs_now(), tc = cpu_now();
        for (int i = 0; i < 4; i++) {
            if (own) gemm_f32(0, 0, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N, ws);
            else linalg_sgemm(0, 0, M, N, K, 1.0f, a, K, b, N, 0.0f, c, N);
        }
        double f = 4 * 2.0 * M * N * K / 1e9, gw = f / (fs_now() - t), gc = f / (cpu_now() - tc);
        if (rep > 0 && gw > *wall) *wall = gw;
        if (rep > 0 && gc > *cpu) *cpu = gc;
    }
    free(a);
    free(b);
    free(c);
    free(ws);
}

static double rel_err(const float *a, const float *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += ((double)a[i] - (double)b[i]) * ((double)a[i] - (double)b[i]);
        den += (double)b[i] * (double)b[i];
    }
    return sqrt(num / (den + 1e-30));
}

/* The fast convolution (whatever conv2d_forward dispatches to) against the direct reference. */
static int verify_conv(void)
{
    static const int cases[][7] = {
        /* n cin h cout k s p */
        {3, 16, 32, 16, 3, 1, 1}, {2, 64, 8, 32, 3, 1, 1}, {2, 32, 9, 48, 3, 2, 1},
        {3, 24, 7, 20, 1, 2, 0},  {2, 3, 32, 64, 3, 1, 1}, {65, 8, 4, 16, 3, 1, 1},
    };
    int ok = 1;
    for (size_t t = 0; t < FS_ARRAY_LEN(cases); t++) {
        const int *c = cases[t];
        ConvArgs a;
        conv_args_init(&a, c[1], c[2], c[2], c[3], c[4], c[5], c[6]);
        size_t xs = (size_t)c[0] * c[1] * c[2] * c[2], ws = (size_t)c[3] * c[1] * c[4] * c[4],
               ys = (size_t)c[0] * c[3] * a.hout * a.wout;
        float *x = xmalloc(xs * 4), *w = xmalloc(ws * 4), *y = xmalloc(ys * 4), *yr = xmalloc(ys * 4);
        float *dy = xmalloc(ys * 4), *dx = xcalloc(xs, 4), *dxr = xcalloc(xs, 4), *dw = xcalloc(ws, 4),
              *dwr = xcalloc(ws, 4), *work = xmalloc(conv_ws_floats(&a, c[0]) * 4 + 4);
        Rng r = rng_derive(2, t, RNG_STREAM_TEST);
        for (size_t i = 0; i < xs; i++) x[i] = (float)rng_normal(&r);
        for (size_t i = 0; i < ws; i++) w[i] = (float)rng_normal(&r);
        for (size_t i = 0; i < ys; i++) dy[i] = (float)rng_normal(&r);
        conv2d_forward(&a, c[0], x, w, NULL, y, work);
        conv2d_forward_ref(&a, c[0], x, w, NULL, yr);
        conv2d_backward(&a, c[0], x, w, dy, dx, dw, NULL, work);
        conv2d_backward_ref(&a, c[0], x, w, dy, dxr, dwr, NULL);
        double e1 = rel_err(y, yr, ys), e2 = rel_err(dx, dxr, xs), e3 = rel_err(dw, dwr, ws);
        if (!(e1 < 1e-5 && e2 < 1e-5 && e3 < 1e-5)) {
            printf("  MISMATCH conv case %zu: fwd %.2g dx %.2g dw %.2g\n", t, e1, e2, e3);
            ok = 0;
        }
        free(x); free(w); free(y); free(yr); free(dy); free(dx); free(dxr); free(dw); free(dwr);
        free(work);
    }
    printf("  conv kernels vs _ref (fwd, dx, dw; 6 shapes): %s\n", ok ? "agree to 1e-5" : "DIFFER");
    return ok;
}

int main(void)
{
    linalg_init();
    printf("engine bench: BLAS core %s\n", linalg_corename());
    if (!verify_conv()) return 1;
    double pw[2], pc[2], ow[2], oc[2];
    for (int t = 0; t < 2; t++) {
        sgemm_gflops(t + 1, 0, &pw[t], &pc[t]);
        sgemm_gflops(t + 1, 1, &ow[t], &oc[t]);
    }
    printf("  OpenBLAS sgemm 512x1024x1152 [%s]: 1 thread %.1f GFLOP/s (%.1f per CPU-s), 2 threads "
           "%.1f GFLOP/s (%.1f per CPU-s)\n",
           linalg_corename(), pw[0], pc[0], pw[1], pc[1]);
    printf("  engine gemm [%s]: 1 thread %.1f GFLOP/s (%.1f per CPU-s), 2 threads %.1f GFLOP/s "
           "(%.1f per CPU-s)\n",
           gemm_kernel_name(), ow[0], oc[0], ow[1], oc[1]);
    const double peak1 = pc[0];

    Model *m = NULL;
    FS_CHECK(model_create("resnet18", NULL, 3, 32, 32, 10, 1, &m) == FS_OK, "%s", fs_last_error());
    const double macs = model_macs(m);
    const int B = 64, BI = 100;
    FS_CHECK(model_reserve(m, BI) == FS_OK, "%s", fs_last_error());
    float *x = xmalloc((size_t)BI * 3 * 32 * 32 * 4), *dl = xmalloc((size_t)BI * 10 * 4);
    int32_t *y = xmalloc((size_t)BI * 4);
    Rng r = rng_derive(3, 0, RNG_STREAM_TEST);
    for (size_t i = 0; i < (size_t)BI * 3 * 32 * 32; i++) x[i] = (float)rng_normal(&r);
    for (int i = 0; i < BI; i++) y[i] = (int32_t)rng_below(&r, 10);
    printf("  resnet18 32x32x3, 10 classes: %zu parameters, %.3f GMAC/image forward, arena %.0f MiB "
           "(batch %d)\n",
           model_num_params(m), macs / 1e9, (double)model_arena_bytes(m) / 1048576.0, BI);
    for (int threads = 1; threads <= 2; threads++) {
        linalg_set_threads(threads);
        /* training: forward + backward + SGD update, batch 64 */
        const int steps = 3;
        double t = 0, tc = 0;
        for (int s = -1; s < steps; s++) {
            double t0 = fs_now(), c0 = cpu_now();
            const float *z = model_forward(m, x, B, 1);
            softmax_xent(z, y, B, 10, 1.0f / B, dl, NULL);
            model_zero_grad(m);
            model_backward(m, dl, 1, 0);
            for (size_t i = 0; i < m->n_params; i++) m->params[i] -= 1e-4f * m->grads[i];
            if (s >= 0) {
                t += fs_now() - t0;
                tc += cpu_now() - c0;
            }
        }
        double tr_ips = steps * B / t, tr_cps = steps * B / tc, tr_gf = tr_cps * 3 * 2 * macs / 1e9;
        /* inference: eval-mode forward, batch 100 */
        const int reps = 3;
        t = tc = 0;
        for (int s = -1; s < reps; s++) {
            double t0 = fs_now(), c0 = cpu_now();
            model_forward(m, x, BI, 0);
            if (s >= 0) {
                t += fs_now() - t0;
                tc += cpu_now() - c0;
            }
        }
        double in_ips = reps * BI / t, in_cps = reps * BI / tc, in_gf = in_cps * 2 * macs / 1e9;
        /* GFLOP/s per CPU-second (direct-convolution FLOPs; Winograd does fewer) against the
         * single-thread OpenBLAS peak per CPU-second */
        printf("  %d thread(s): train %.1f images/s wall, %.1f per CPU-s (%.1f GFLOP/CPU-s, %.0f%% of "
               "sgemm peak); inference %.1f images/s wall, %.1f per CPU-s (%.1f GFLOP/CPU-s, %.0f%%)\n",
               threads, tr_ips, tr_cps, tr_gf, 100 * tr_gf / peak1, in_ips, in_cps, in_gf,
               100 * in_gf / peak1);
    }
    printf("  reference (PyTorch 1.13, one core): train ~53 images/s, inference ~148 images/s\n");
    printf("  peak resident memory %.0f MiB\n", (double)fs_peak_rss() / 1048576.0);
    free(x);
    free(dl);
    free(y);
    model_free(m);
    return 0;
}
