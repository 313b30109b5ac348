/* bench_data.c: throughput of the data path (load + augment + normalise a Fashion-MNIST epoch)
 * and of FFT filtering at 32x32 and 224x224. Verifies the fast filter against the double
 * precision path before timing. Timings are wall-clock on a possibly shared machine. */
#include "augment.h"
#include "data.h"
#include "rng.h"
#include "spectral.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bench_epoch(const char *spec, const char *pipeline)
{
    double t0 = fs_now();
    Dataset d;
    if (dataset_load(spec, &d)) {
        printf("  skip %s: %s\n", spec, fs_last_error());
        return 0;
    }
    double t_load = fs_now() - t0;
    Augmenter *a = NULL;
    if (augment_create(pipeline, d.c, d.h, d.w, &a)) {
        printf("  !! %s\n", fs_last_error());
        dataset_free(&d);
        return 1;
    }
    int bs = 64;
    size_t per = (size_t)d.c * d.h * d.w;
    float *batch = xmalloc((size_t)bs * per * sizeof *batch);
    Rng r = rng_derive(1, 0, RNG_STREAM_AUGMENT);
    double t1 = fs_now(), t_aug = 0, t_norm = 0;
    for (int i = 0; i < d.n; i += bs) {
        int n = d.n - i < bs ? d.n - i : bs;
        memcpy(batch, d.x + (size_t)i * per, (size_t)n * per * sizeof *batch);
        double ta = fs_now();
        augment_pixels(a, batch, d.y + i, n, d.c, d.h, d.w, &r);
        double tb = fs_now();
        dataset_normalize(&d, batch, batch, n);
        augment_normalized(a, batch, d.y + i, n, d.c, d.h, d.w, &r);
        t_aug += tb - ta;
        t_norm += fs_now() - tb;
    }
    double t_epoch = fs_now() - t1;
    printf("  %-40s %6d images %dx%dx%d  load %8.0f img/s   augment[%s] %8.0f img/s   normalise %9.0f img/s   "
           "epoch (load+aug+norm) %8.0f img/s\n",
           spec, d.n, d.c, d.h, d.w, d.n / t_load, augment_describe(a), d.n / t_aug, d.n / t_norm,
           d.n / (t_load + t_epoch));
    free(batch);
    augment_free(a);
    dataset_free(&d);
    return 0;
}

static int bench_filter(int c, int h, int w, SpectralFlags flags)
{
    double tp = fs_now();
    SpectralPlan *sp = spectral_plan_create(c, h, w, flags);
    tp = fs_now() - tp;
    if (!sp) {
        printf("  !! %s\n", fs_last_error());
        return 1;
    }
    size_t per = (size_t)c * h * w, hw = (size_t)h * w;
    float *x = xmalloc(per * sizeof *x), *y = xmalloc(per * sizeof *y), *m = xmalloc(hw * sizeof *m);
    double *xd = xmalloc(per * sizeof *xd), *yd = xmalloc(per * sizeof *yd);
    Rng r = rng_derive(2, 0, RNG_STREAM_TEST);
    for (size_t i = 0; i < per; i++) xd[i] = x[i] = (float)rng_uniform(&r);
    for (size_t i = 0; i < hw; i++) m[i] = rng_uniform(&r) < 0.5 ? 1.0f : 0.0f;
    spectral_filter(sp, m, x, y); /* verify before timing */
    spectral_filter_double(sp, m, xd, yd);
    double e = 0;
    for (size_t i = 0; i < per; i++) e = fmax(e, fabs((double)y[i] - yd[i]));
    if (e > 1e-5) {
        printf("  !! float filter differs from double by %g at %dx%d\n", e, h, w);
        return 1;
    }
    int reps = (int)(2e7 / (double)per);
    if (reps < 20) reps = 20;
    double t0 = fs_now();
    for (int i = 0; i < reps; i++) spectral_filter(sp, m, i % 2 ? y : x, y);
    double t = (fs_now() - t0) / reps;
    double t1 = fs_now();
    int reps_d = reps / 4 + 1;
    for (int i = 0; i < reps_d; i++) spectral_filter_double(sp, m, xd, yd);
    double td = (fs_now() - t1) / reps_d;
    double tr = spectral_time_roundtrip(sp, reps);
    printf("  filter %3dx%-3d c=%d %-13s plan %7.1f ms   float %9.2f us/img (%8.0f img/s, %.2f us/channel; bare "
           "r2c+c2r %.2f us/channel)   double %9.2f us/img   max |float-double| %.1e\n",
           h, w, c, spectral_plan_flags_str(flags), tp * 1e3, t * 1e6, 1.0 / t, t * 1e6 / c, tr * 1e6 / c, td * 1e6, e);
    free(x), free(y), free(m), free(xd), free(yd);
    spectral_plan_destroy(sp);
    return 0;
}

int main(void)
{
    int rc = 0;
    printf("  (wall-clock timings; the machine may be shared with other jobs)\n");
    rc |= bench_epoch("fashion-mnist:train", "paper");
    rc |= bench_epoch("fashion-mnist:train", "cifar");
    rc |= bench_epoch("fashion-mnist:train?n=6000", "autoaugment");
    rc |= bench_epoch("fashion-mnist:train?n=6000", "augmix");
    rc |= bench_epoch("syn:b1:train?n_per_class=500", "paper,lowpass:r=8");
    int sizes[][3] = {{1, 28, 28}, {3, 32, 32}, {3, 224, 224}};
    for (size_t s = 0; s < FS_ARRAY_LEN(sizes); s++) {
        rc |= bench_filter(sizes[s][0], sizes[s][1], sizes[s][2], SPECTRAL_ESTIMATE);
        rc |= bench_filter(sizes[s][0], sizes[s][1], sizes[s][2], SPECTRAL_MEASURE);
    }
    return rc;
}
