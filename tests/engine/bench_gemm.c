/* bench_gemm.c: `make bench` for the engine's matrix product (src/engine/gemm.c), single thread.
 * For each shape (the Winograd F(2x2,3x3) products of ResNet-18 and the 512x1024x1152 peak
 * shape) it first checks gemm_f32 (and the packed-operand variants) against linalg_sgemm_ref,
 * then prints GFLOP/s of gemm_f32, gemm_f32_pa (A packed once), gemm_f32_pp (A and B packed
 * once) and OpenBLAS linalg_sgemm: median, min and max over TRIALS trials, each trial timing
 * enough calls for ~40 ms. Optional argument: number of trials (default 7).
 * Shapes: fwd M=K_out, N=T, K=C_in (U V); wgrad M=K_out, N=C_in, K=T, transb (Z V^T).
 * Nothing is asserted except the agreement; exit status 1 when a check fails. */
#include "engine/gemm.h"
#include "linalg.h"
#include "rng.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int tb, M, N, K;
} Shape;

static const Shape shapes[] = {
    {"fwd  64", 0, 64, 512, 64},        {"fwd 128", 0, 128, 512, 128},
    {"fwd 256", 0, 256, 512, 256},      {"fwd 512", 0, 512, 512, 512},
    {"wgr  64", 1, 64, 64, 512},        {"wgr 128", 1, 128, 128, 512},
    {"wgr 256", 1, 256, 256, 512},      {"wgr 512", 1, 512, 512, 512},
    {"big", 0, 512, 1024, 1152},
};

enum { IMPL_OWN, IMPL_PA, IMPL_PP, IMPL_BLAS, IMPL_N };
static const char *impl_names[IMPL_N] = {"gemm_f32", "f32_pa", "f32_pp", "openblas"};

typedef struct {
    const Shape *s;
    const float *a, *b;
    float *c, *ws, *pa, *pb;
} Ctx;

static void run_impl(const Ctx *x, int impl)
{
    const Shape *s = x->s;
    int ldb = s->tb ? s->K : s->N;
    switch (impl) {
    case IMPL_OWN:
        gemm_f32(0, s->tb, s->M, s->N, s->K, 1.0f, x->a, s->K, x->b, ldb, 0.0f, x->c, s->N, x->ws);
        break;
    case IMPL_PA:
        gemm_f32_pa(s->tb, s->M, s->N, s->K, 1.0f, x->pa, x->b, ldb, 0.0f, x->c, s->N, x->ws);
        break;
    case IMPL_PP:
        gemm_f32_pp(s->M, s->N, s->K, 1.0f, x->pa, x->pb, 0.0f, x->c, s->N);
        break;
    default:
        linalg_sgemm(0, s->tb, s->M, s->N, s->K, 1.0f, x->a, s->K, x->b, ldb, 0.0f, x->c, s->N);
        break;
    }
}

static int cmp_double(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

/* max |c - ref| / max |ref| */
static double rel_err(const float *c, const float *ref, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)c[i] - (double)ref[i]), r = fabs((double)ref[i]);
        if (d > num) num = d;
        if (r > den) den = r;
    }
    return den > 0 ? num / den : num;
}

int main(int argc, char **argv)
{
    int trials = argc > 1 ? atoi(argv[1]) : 7;
    if (trials < 1) trials = 1;
    linalg_init();
    linalg_set_threads(1);
    printf("gemm kernel %s, MR x NR = %d x %d, MC %d KC %d NC %d; OpenBLAS core %s; 1 thread\n",
           gemm_kernel_name(), GEMM_MR, GEMM_NR, GEMM_MC, GEMM_KC, GEMM_NC, linalg_corename());
    printf("%-8s %5s %5s %5s |", "shape", "M", "N", "K");
    for (int i = 0; i < IMPL_N; i++) printf(" %-22s|", impl_names[i]);
    printf("\n%27s|", "");
    for (int i = 0; i < IMPL_N; i++) printf(" %-22s|", "GFLOP/s med [min,max]");
    printf("\n");
    int bad = 0;
    float *ws = xaligned_alloc(64, GEMM_WS_FLOATS * sizeof(float));
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        const Shape *s = &shapes[si];
        size_t na = (size_t)s->M * s->K, nb = (size_t)s->K * s->N, nc = (size_t)s->M * s->N;
        float *a = xaligned_alloc(64, na * sizeof(float)), *b = xaligned_alloc(64, nb * sizeof(float));
        float *c = xaligned_alloc(64, nc * sizeof(float)), *ref = xmalloc(nc * sizeof(float));
        float *pa = xaligned_alloc(64, gemm_packed_a_floats(s->M, s->K) * sizeof(float));
        float *pb = xaligned_alloc(64, gemm_packed_b_floats(s->K, s->N) * sizeof(float));
        Rng r = rng_derive(7, (int)si, RNG_STREAM_TEST);
        for (size_t i = 0; i < na; i++) a[i] = (float)rng_uniform(&r) - 0.5f;
        for (size_t i = 0; i < nb; i++) b[i] = (float)rng_uniform(&r) - 0.5f;
        int ldb = s->tb ? s->K : s->N;
        gemm_pack_a_full(0, s->M, s->K, a, s->K, pa);
        gemm_pack_b_full(s->tb, s->K, s->N, b, ldb, pb);
        linalg_sgemm_ref(0, s->tb, s->M, s->N, s->K, 1.0f, a, s->K, b, ldb, 0.0f, ref, s->N);
        Ctx x = {s, a, b, c, ws, pa, pb};
        double med[IMPL_N], lo[IMPL_N], hi[IMPL_N];
        for (int impl = 0; impl < IMPL_N; impl++) {
            memset(c, 0xff, nc * sizeof(float));
            run_impl(&x, impl);
            double e = rel_err(c, ref, nc);
            if (!(e < 1e-5)) {
                printf("!! %s %s: relative error %.3g against linalg_sgemm_ref\n", s->name,
                       impl_names[impl], e);
                bad = 1;
            }
        }
        double flop = 2.0 * s->M * s->N * s->K;
        int calls = (int)(0.04 / (flop / 100e9)) + 1; /* ~40 ms at 100 GFLOP/s */
        double *g = xmalloc((size_t)trials * IMPL_N * sizeof(double));
        for (int t = 0; t < trials; t++)
            for (int impl = 0; impl < IMPL_N; impl++) { /* interleaved: load changes hit all */
                double t0 = fs_now();
                for (int i = 0; i < calls; i++) run_impl(&x, impl);
                g[impl * trials + t] = calls * flop / 1e9 / (fs_now() - t0);
            }
        for (int impl = 0; impl < IMPL_N; impl++) {
            double *v = g + impl * trials;
            qsort(v, (size_t)trials, sizeof(double), cmp_double);
            med[impl] = v[trials / 2];
            lo[impl] = v[0];
            hi[impl] = v[trials - 1];
        }
        printf("%-8s %5d %5d %5d |", s->name, s->M, s->N, s->K);
        for (int impl = 0; impl < IMPL_N; impl++)
            printf(" %6.1f [%6.1f,%6.1f] |", med[impl], lo[impl], hi[impl]);
        printf("\n");
        fflush(stdout);
        free(g);
        free(a);
        free(b);
        free(c);
        free(ref);
        free(pa);
        free(pb);
    }
    free(ws);
    return bad;
}
