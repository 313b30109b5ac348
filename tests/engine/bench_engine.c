/* bench_engine.c: `make bench` for the NN engine. Verifies the fast kernels against the _ref
 * ones first, then prints the single-thread OpenBLAS sgemm GFLOP/s (the peak we compare with;
 * the core type beside it) and the engine's own gemm, and, for ResNet-18 at 32x32x3 with 1 and
 * 2 engine threads (pool.h): training images/s (batch 64, forward + backward + SGD step),
 * inference images/s (batch 100), achieved GFLOP/s and its fraction of threads x sgemm peak,
 * peak resident memory, and the ratio to PyTorch on the same machine and thread count when
 * tests/run_bench.sh measured it (FSWEEP_TORCH_REF); then the same for the size the
 * reproduction trains, ResNet-18 at width 1/8 on 32x32x1 (training batch 32, inference batch
 * 256; FSWEEP_TORCH_REF8), where small products leave the transforms, packing and batch norm a
 * larger share of the time; and ViT-tiny at width 1/4 as r2_bc_vit.ini trains it (FSWEEP_TORCH_REFVIT).
 * `--only resnet18|resnet18_8|vit` times one of the three. Training FLOPs are counted as 3 x forward
 * (forward, input gradient, weight gradient). Rates are the best of 5 repetitions, by wall
 * clock and per CPU-second of this process (on a shared machine the wall numbers drop, the
 * CPU-time ones much less). Nothing here is asserted except kernel agreement. */
#include "engine/gemm.h"
#include "engine/layers.h"
#include "linalg.h"
#include "engine/model_impl.h"
#include "engine/optim.h"
#include "pool.h"
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
    if (own) pool_set_threads(threads);
    else linalg_set_threads(threads);
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
    linalg_set_threads(1); /* the engine's policy: OpenBLAS single-threaded */
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

/* OpenBLAS's sgemm against linalg_sgemm_ref (all transposes, an odd shape) before its figure is
 * trusted: run_bench.sh also times it with the core type chosen by OpenBLAS itself. */
static int verify_sgemm(void)
{
    const int M = 37, N = 53, K = 71;
    float *a = xmalloc((size_t)M * K * 4), *b = xmalloc((size_t)K * N * 4), *c = xmalloc((size_t)M * N * 4),
          *cr = xmalloc((size_t)M * N * 4);
    Rng r = rng_derive(4, 0, RNG_STREAM_TEST);
    for (size_t i = 0; i < (size_t)M * K; i++) a[i] = (float)rng_normal(&r);
    for (size_t i = 0; i < (size_t)K * N; i++) b[i] = (float)rng_normal(&r);
    double worst = 0;
    for (int t = 0; t < 4; t++) {
        int ta = t & 1, tb = t >> 1;
        linalg_sgemm(ta, tb, M, N, K, 1.0f, a, ta ? M : K, b, tb ? K : N, 0.0f, c, N);
        linalg_sgemm_ref(ta, tb, M, N, K, 1.0f, a, ta ? M : K, b, tb ? K : N, 0.0f, cr, N);
        double e = rel_err(c, cr, (size_t)M * N);
        if (e > worst) worst = e;
    }
    free(a); free(b); free(c); free(cr);
    printf("  OpenBLAS sgemm [%s] vs linalg_sgemm_ref: %s (%.1g)\n", linalg_corename(),
           worst < 1e-5 ? "agree" : "DIFFER", worst);
    return worst < 1e-5;
}

/* Training (batch B: forward, cross-entropy, backward, SGD Nesterov step) and inference (batch
 * BI, eval mode) images/s of arch at width on 32 x 32 x ch, 10 classes, at 1 and 2 engine
 * threads, with the GFLOP/s against peak1 (the single-thread sgemm figure) and, when
 * tests/run_bench.sh measured PyTorch on the same size (env_ref = "THREADS:TRAIN:INFER,..."),
 * the ratios to it. */
static void bench_model(const char *arch, double width, int ch, int B, int BI, const char *env_ref,
                        double peak1)
{
    Model *m = NULL;
    ModelOptions mo;
    model_options_default(&mo);
    mo.width = width;
    FS_CHECK(model_create(arch, &mo, ch, 32, 32, 10, 1, &m) == FS_OK, "%s", fs_last_error());
    const double macs = model_macs(m);
    FS_CHECK(model_reserve(m, BI) == FS_OK, "%s", fs_last_error());
    const size_t per = (size_t)ch * 32 * 32;
    float *x = xmalloc((size_t)BI * per * 4), *dl = xmalloc((size_t)BI * 10 * 4);
    int32_t *y = xmalloc((size_t)BI * 4);
    Rng r = rng_derive(3, 0, RNG_STREAM_TEST);
    for (size_t i = 0; i < (size_t)BI * per; i++) x[i] = (float)rng_normal(&r);
    for (int i = 0; i < BI; i++) y[i] = (int32_t)rng_below(&r, 10);
    printf("  %s width %g, 32x32x%d, 10 classes: %zu parameters, %.4f GMAC/image forward, arena %.0f "
           "MiB (batch %d); training batch %d, inference batch %d\n",
           arch, width, ch, model_num_params(m), macs / 1e9, (double)model_arena_bytes(m) / 1048576.0, BI,
           B, BI);
    /* the reference method's figures, measured just before by tests/run_bench.sh */
    double ref[3][2] = {{0}};
    const char *env = getenv(env_ref);
    for (const char *q = env; q && *q;) {
        int th;
        double tr, in;
        if (sscanf(q, "%d:%lf:%lf", &th, &tr, &in) == 3 && th >= 1 && th <= 2) {
            ref[th][0] = tr;
            ref[th][1] = in;
        }
        q = strchr(q, ',');
        if (q) q++;
    }
    Sgd opt;
    sgd_init(&opt, m->n_params, 0.9, 1e-4, 1);
    for (int threads = 1; threads <= 2; threads++) {
        FS_CHECK(pool_set_threads(threads) == threads, "cannot start %d threads", threads);
        FS_CHECK(model_reserve(m, BI) == FS_OK, "%s", fs_last_error()); /* workspace per thread */
        /* training: forward + backward + SGD Nesterov update, batch 64; inference: eval-mode
         * forward, batch 100. Best of 5 repetitions of 3 after a warm-up, by wall clock and per
         * CPU-second (the same protocol as tests/bench_torch_ref.py) */
        double tr_ips = 0, tr_cps = 0, in_ips = 0, in_cps = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int rep = -1; rep < 5; rep++) {
                double t0 = fs_now(), c0 = cpu_now();
                for (int s = 0; s < 3; s++) {
                    if (pass == 0) {
                        const float *z = model_forward(m, x, B, 1);
                        softmax_xent(z, y, B, 10, 1.0f / B, dl, NULL);
                        model_zero_grad(m);
                        model_backward(m, dl, 1, 0);
                        sgd_step(&opt, 1e-4, m->params, m->grads);
                    } else {
                        model_forward(m, x, BI, 0);
                    }
                }
                double imgs = 3.0 * (pass == 0 ? B : BI), w = imgs / (fs_now() - t0), c = imgs / (cpu_now() - c0);
                if (rep < 0) continue;
                double *bw = pass == 0 ? &tr_ips : &in_ips, *bc = pass == 0 ? &tr_cps : &in_cps;
                if (w > *bw) *bw = w;
                if (c > *bc) *bc = c;
            }
        /* training FLOPs = 3 x forward; direct-convolution FLOPs (Winograd does fewer) */
        double tr_gf = tr_ips * 3 * 2 * macs / 1e9, in_gf = in_ips * 2 * macs / 1e9;
        printf("  %d thread(s): train %.1f images/s (%.1f per CPU-s), %.1f GFLOP/s = %.0f%% of %d x "
               "sgemm peak; inference %.1f images/s (%.1f per CPU-s), %.1f GFLOP/s = %.0f%%\n",
               threads, tr_ips, tr_cps, tr_gf, 100 * tr_gf / (threads * peak1), threads, in_ips,
               in_cps, in_gf, 100 * in_gf / (threads * peak1));
        if (ref[threads][0] > 0)
            printf("      vs PyTorch %d thread(s) (%.1f / %.1f images/s): train x%.2f, inference x%.2f\n",
                   threads, ref[threads][0], ref[threads][1], tr_ips / ref[threads][0],
                   in_ips / ref[threads][1]);
    }
    sgd_free(&opt);
    if (!env)
        printf("      reference: run through `make bench` (tests/run_bench.sh) with python3-torch "
               "installed for PyTorch's figures on this machine\n");
    free(x);
    free(dl);
    free(y);
    model_free(m);
}

int main(int argc, char **argv)
{
    FS_CHECK(linalg_init() == FS_OK, "%s", fs_last_error());
    if (argc > 1 && !strcmp(argv[1], "--sgemm-only")) { /* OpenBLAS figure only */
        if (!verify_sgemm()) return 1;
        double w[2], c[2];
        for (int t = 0; t < 2; t++) sgemm_gflops(t + 1, 0, &w[t], &c[t]);
        printf("  OpenBLAS sgemm 512x1024x1152 [%s, OPENBLAS_CORETYPE=%s]: 1 thread %.1f GFLOP/s, 2 "
               "threads %.1f GFLOP/s\n",
               linalg_corename(), getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "unset",
               w[0], w[1]);
        return 0;
    }
    printf("engine bench: BLAS core %s\n", linalg_corename());
    if (!verify_sgemm()) return 1;
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

    /* the paper's ResNet-18 (the figures above are its peak), then the size the reproduction
     * trains (jobs/paper/r2_*.ini: width 1/8 on 32 x 32 x 1 Fashion-MNIST, training batch 32,
     * inference batch 256 as in the analyses) */
    /* `bench_engine --only resnet18|resnet18_8|vit`: one of the three (interleaved A/B runs) */
    const char *only = argc > 2 && !strcmp(argv[1], "--only") ? argv[2] : NULL;
    if (!only || !strcmp(only, "resnet18")) bench_model("resnet18", 1.0, 3, 64, 100, "FSWEEP_TORCH_REF", peak1);
    if (!only || !strcmp(only, "resnet18_8"))
        bench_model("resnet18", 0.125, 1, 32, 256, "FSWEEP_TORCH_REF8", peak1);
    if (!only || !strcmp(only, "vit")) bench_model("vit_tiny", 0.25, 1, 32, 256, "FSWEEP_TORCH_REFVIT", peak1);
    printf("  peak resident memory %.0f MiB\n", (double)fs_peak_rss() / 1048576.0);
    return 0;
}
