/* test_augment.c: augmentation pipelines: determinism per seed, geometry (flip, pad+crop,
 * rrc), exact band removal by the filters, AugMix convexity, AutoAugment ops, DFM-X. */
#include "augment.h"
#include "harness.h"
#include "rng.h"
#include "spectral.h"
#include "util.h"

#include <stdlib.h>

enum { C = 3, H = 32, W = 32, PER = C * H * W };

static float *random_batch(int n, uint64_t seed)
{
    float *x = xmalloc((size_t)n * PER * sizeof *x);
    Rng r = rng_derive(seed, 0, RNG_STREAM_TEST);
    for (size_t i = 0; i < (size_t)n * PER; i++) x[i] = (float)rng_uniform(&r);
    return x;
}

static void run_pipeline(const char *pipe, float *x, const int32_t *y, int n, uint64_t seed)
{
    Augmenter *a = NULL;
    EXPECT_MSG(augment_create(pipe, C, H, W, &a) == FS_OK, "%s: %s", pipe, fs_last_error());
    if (!a) return;
    Rng r = rng_derive(seed, 1, RNG_STREAM_AUGMENT);
    augment_pixels(a, x, y, n, C, H, W, &r);
    augment_normalized(a, x, y, n, C, H, W, &r);
    augment_free(a);
}

static void test_determinism(void)
{
    const char *pipes[] = {"paper", "cifar", "autoaugment", "autoaugment:policy=imagenet", "augmix",
                           "fourier:p=1", "flip,lowpass:r=8:p=0.5", "rrc:smin=0.5"};
    int32_t y[8] = {0, 1, 2, 3, 0, 1, 2, 3};
    float *x0 = random_batch(8, 1);
    for (size_t p = 0; p < FS_ARRAY_LEN(pipes); p++) {
        float *a = xmalloc(8 * PER * sizeof *a), *b = xmalloc(8 * PER * sizeof *b), *c = xmalloc(8 * PER * sizeof *c);
        memcpy(a, x0, 8 * PER * sizeof *a);
        memcpy(b, x0, 8 * PER * sizeof *b);
        memcpy(c, x0, 8 * PER * sizeof *c);
        run_pipeline(pipes[p], a, y, 8, 5);
        run_pipeline(pipes[p], b, y, 8, 5);
        run_pipeline(pipes[p], c, y, 8, 6);
        EXPECT_MSG(!memcmp(a, b, 8 * PER * sizeof *a), "%s: not deterministic", pipes[p]);
        EXPECT_MSG(memcmp(a, c, 8 * PER * sizeof *a) != 0, "%s: seed has no effect", pipes[p]);
        EXPECT_MSG(memcmp(a, x0, 8 * PER * sizeof *a) != 0, "%s: changed nothing", pipes[p]);
        int in01 = 1;
        for (size_t i = 0; i < 8 * PER; i++) in01 &= a[i] >= 0 && a[i] <= 1;
        if (strstr(pipes[p], "lowpass") == NULL) EXPECT_MSG(in01, "%s: left [0,1]", pipes[p]);
        free(a), free(b), free(c);
    }
    free(x0);
}

static void test_flip_and_crop(void)
{
    float *x = random_batch(1, 2), *z = xmalloc(PER * sizeof *z);
    memcpy(z, x, PER * sizeof *z);
    augment_hflip(z, C, H, W);
    EXPECT(memcmp(z, x, PER * sizeof *z) != 0);
    EXPECT(z[5 * W + 0] == x[5 * W + W - 1]);
    augment_hflip(z, C, H, W);
    EXPECT(!memcmp(z, x, PER * sizeof *z));
    /* pad4 + crop: every output is a window of the zero-padded input */
    int32_t y[16] = {0};
    float *b = xmalloc(16 * PER * sizeof *b);
    for (int i = 0; i < 16; i++) memcpy(b + (size_t)i * PER, x, PER * sizeof *b);
    run_pipeline("pad:4,crop", b, y, 16, 3);
    int distinct = 0;
    for (int i = 0; i < 16; i++) {
        const float *o = b + (size_t)i * PER;
        int found = 0;
        for (int di = -4; di <= 4 && !found; di++)
            for (int dj = -4; dj <= 4 && !found; dj++) {
                int ok = 1;
                for (int c = 0; c < C && ok; c++)
                    for (int yy = 0; yy < H && ok; yy++)
                        for (int xx = 0; xx < W && ok; xx++) {
                            int sy = yy + di, sx = xx + dj;
                            float want = (sy >= 0 && sy < H && sx >= 0 && sx < W) ? x[(c * H + sy) * W + sx] : 0.0f;
                            ok = o[(c * H + yy) * W + xx] == want;
                        }
                if (ok) {
                    found = 1;
                    distinct += di != 0 || dj != 0;
                }
            }
        EXPECT_MSG(found, "image %d is no window of the padded input", i);
    }
    EXPECT(distinct >= 10);
    /* rrc keeps a constant image constant and the shape */
    for (size_t i = 0; i < 16 * PER; i++) b[i] = 0.25f;
    run_pipeline("rrc", b, y, 16, 4);
    double e = 0;
    for (size_t i = 0; i < 16 * PER; i++) e = fmax(e, fabs((double)b[i] - 0.25));
    EXPECT(e < 1e-6);
    free(x), free(z), free(b);
}

/* lowpass / bandstop remove exactly their bins and leave every other bin unchanged. */
static void test_filters_exact(void)
{
    const struct {
        const char *pipe;
        double r1, r2; /* removed band [r1, r2) (r2 < 0: infinity), DC always kept */
    } cases[] = {{"lowpass:r=8", 8, -1}, {"bandstop:r1=4:r2=8", 4, 8}, {"highpass:r=6", 0, 6}, {"bandpass:r1=4:r2=12", -2, -2}};
    SpectralPlan *sp = spectral_plan_create(C, H, W, SPECTRAL_ESTIMATE);
    double *re0 = xmalloc(PER * sizeof *re0), *im0 = xmalloc(PER * sizeof *im0);
    double *re1 = xmalloc(PER * sizeof *re1), *im1 = xmalloc(PER * sizeof *im1);
    int32_t y[1] = {0};
    for (size_t k = 0; k < FS_ARRAY_LEN(cases); k++) {
        float *x = random_batch(1, 10 + k), *z = xmalloc(PER * sizeof *z);
        memcpy(z, x, PER * sizeof *z);
        run_pipeline(cases[k].pipe, z, y, 1, 1);
        spectral_spectrum(sp, x, re0, im0);
        spectral_spectrum(sp, z, re1, im1);
        double e_rm = 0, e_keep = 0;
        for (int c = 0; c < C; c++)
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++) {
                    double r = spectral_radius(i, j, H, W);
                    int removed;
                    if (cases[k].r1 == -2) removed = !(r >= 4 && r < 12);
                    else removed = r >= cases[k].r1 && (cases[k].r2 < 0 || r < cases[k].r2);
                    if (r == 0) removed = 0;
                    size_t o = (size_t)c * H * W + (size_t)i * W + j;
                    if (removed) e_rm = fmax(e_rm, hypot(re1[o], im1[o]));
                    else e_keep = fmax(e_keep, hypot(re1[o] - re0[o], im1[o] - im0[o]));
                }
        EXPECT_MSG(e_rm < 1e-4, "%s: removed bins left %g", cases[k].pipe, e_rm);
        EXPECT_MSG(e_keep < 1e-4, "%s: kept bins changed %g", cases[k].pipe, e_keep);
        free(x), free(z);
    }
    free(re0), free(im0), free(re1), free(im1);
    spectral_plan_destroy(sp);
}

static void test_augmix_convex(void)
{
    float *x = random_batch(1, 20), *z = xmalloc(PER * sizeof *z), *work = xmalloc(2 * PER * sizeof *work);
    for (uint64_t s = 0; s < 20; s++) {
        memcpy(z, x, PER * sizeof *z);
        Rng r = rng_derive(s, 0, RNG_STREAM_AUGMENT);
        double wts[4];
        augment_augmix_one(z, C, H, W, 3, 3, -1, 1.0, &r, work, wts);
        EXPECT(wts[0] >= 0 && wts[0] <= 1);
        EXPECT_NEAR(wts[1] + wts[2] + wts[3], 1.0, 1e-12);
        EXPECT(wts[1] >= 0 && wts[2] >= 0 && wts[3] >= 0);
        double e = 0;
        int in01 = 1;
        for (int i = 0; i < PER; i++) {
            double mix = (double)work[PER + i];
            in01 &= mix >= -1e-6 && mix <= 1 + 1e-6 && z[i] >= 0 && z[i] <= 1;
            e = fmax(e, fabs((double)z[i] - (wts[0] * (double)x[i] + (1 - wts[0]) * mix)));
        }
        EXPECT(in01);
        EXPECT_MSG(e < 1e-5, "seed %d: output is not m x + (1-m) mix (%g)", (int)s, e);
    }
    free(x), free(z), free(work);
}

static void test_ops(void)
{
    float *x = random_batch(1, 30), *z = xmalloc(PER * sizeof *z);
    for (int i = 0; i < PER; i++) x[i] = floorf(x[i] * 255.0f + 0.5f) / 255.0f; /* uint8 grid */
    memcpy(z, x, PER * sizeof *z);
    EXPECT(augment_op_apply("Invert", 0, z, C, H, W));
    EXPECT(augment_op_apply("Invert", 0, z, C, H, W));
    double e = 0;
    for (int i = 0; i < PER; i++) e = fmax(e, fabs((double)(z[i] - x[i])));
    EXPECT(e < 1e-6);
    memcpy(z, x, PER * sizeof *z);
    augment_op_apply("Posterize", 8, z, C, H, W);
    augment_op_apply("Solarize", 256.0 / 255.0, z, C, H, W);
    augment_op_apply("Rotate", 0, z, C, H, W);
    augment_op_apply("ShearX", 0, z, C, H, W);
    augment_op_apply("Brightness", 0, z, C, H, W);
    e = 0;
    for (int i = 0; i < PER; i++) e = fmax(e, fabs((double)(z[i] - x[i])));
    EXPECT_MSG(e < 1e-6, "identity magnitudes changed the image: %g", e);
    memcpy(z, x, PER * sizeof *z);
    augment_op_apply("TranslateX", 3, z, C, H, W);
    EXPECT(z[5 * W + 10] == x[5 * W + 7]);
    EXPECT(z[5 * W + 1] == 0.0f);
    memcpy(z, x, PER * sizeof *z);
    augment_op_apply("Posterize", 4, z, C, H, W);
    for (int i = 0; i < PER; i++) EXPECT(((int)floorf(z[i] * 255.0f + 0.5f) & 15) == 0);
    memcpy(z, x, PER * sizeof *z);
    augment_op_apply("Equalize", 0, z, C, H, W); /* a uniform image's histogram is already flat-ish */
    double m = 0;
    for (int i = 0; i < PER; i++) m += (double)z[i];
    EXPECT_NEAR(m / PER, 0.5, 0.05);
    augment_op_apply("AutoContrast", 0, z, C, H, W);
    float lo = 1, hi = 0;
    for (int i = 0; i < H * W; i++) lo = fminf(lo, z[i]), hi = fmaxf(hi, z[i]);
    EXPECT(lo == 0.0f && hi == 1.0f);
    EXPECT(!augment_op_apply("Blur", 1, z, C, H, W));
    free(x), free(z);
}

static void test_dfmx(void)
{
    int n = 64, k = 2;
    float *dfm = xmalloc((size_t)k * H * W * sizeof *dfm);
    spectral_mask_fill(dfm, H, W, 1.0f);                    /* class 0: identity */
    spectral_mask_fill(dfm + H * W, H, W, 0.0f);            /* class 1: low-pass r < 6 */
    spectral_mask_band(dfm + H * W, H, W, 0, 6, 1.0f);
    dfm[H * W + 16 * W + 16] = 0.0f;                        /* DC must be forced back to 1 */
    int32_t *y = xmalloc((size_t)n * sizeof *y);
    for (int i = 0; i < n; i++) y[i] = i % 2;
    float *x = random_batch(n, 40), *z = xmalloc((size_t)n * PER * sizeof *z);
    memcpy(z, x, (size_t)n * PER * sizeof *z);
    Augmenter *a = NULL;
    EXPECT(augment_create("dfmx:p=1", C, H, W, &a) == FS_OK);
    if (!a) return;
    EXPECT(augment_set_dfms(a, dfm, k, -1) == FS_OK);
    Rng r = rng_derive(1, 0, RNG_STREAM_AUGMENT);
    augment_normalized(a, z, y, n, C, H, W, &r);
    int changed = 0;
    for (int i = 0; i < n; i++) {
        double e = 0, m0 = 0, m1 = 0;
        for (int q = 0; q < PER; q++) e = fmax(e, fabs((double)(z[(size_t)i * PER + q] - x[(size_t)i * PER + q])));
        for (int q = 0; q < H * W; q++) m0 += (double)x[(size_t)i * PER + q], m1 += (double)z[(size_t)i * PER + q];
        EXPECT_NEAR(m0, m1, 1e-3); /* DC kept */
        if (y[i] == 1) EXPECT_MSG(e < 1e-5, "image %d of class 1 changed by %g", i, e);
        else changed += e > 1e-3;
    }
    EXPECT_MSG(changed >= 8 && changed <= 24, "%d of 32 class-0 images filtered (expected ~16)", changed);
    /* p = 0 disables */
    memcpy(z, x, (size_t)n * PER * sizeof *z);
    EXPECT(augment_set_dfms(a, dfm, k, 0.0) == FS_OK);
    augment_normalized(a, z, y, n, C, H, W, &r);
    EXPECT(!memcmp(z, x, (size_t)n * PER * sizeof *z));
    augment_free(a);
    free(dfm), free(y), free(x), free(z);
}

static void test_errors(void)
{
    Augmenter *a = NULL;
    EXPECT(augment_create("blur", C, H, W, &a) == FS_ERR_CONFIG && !a);
    EXPECT(strstr(fs_last_error(), "unknown step") != NULL);
    EXPECT(augment_create("rrc:scale=3", C, H, W, &a) == FS_ERR_CONFIG);
    EXPECT(strstr(fs_last_error(), "unknown parameter 'scale'") != NULL);
    EXPECT(augment_create("pad:4,flip", C, H, W, &a) == FS_ERR_CONFIG);
    EXPECT(strstr(fs_last_error(), "pad needs") != NULL);
    EXPECT(augment_create("lowpass", C, H, W, &a) == FS_ERR_CONFIG);
    EXPECT(augment_create("autoaugment:svhn", C, H, W, &a) == FS_ERR_CONFIG);
    EXPECT(augment_create("paper,lowpass:r=8", C, H, W, &a) == FS_OK);
    if (a) {
        EXPECT(augment_has_pixel_steps(a) && augment_has_normalized_steps(a));
        EXPECT(strstr(augment_describe(a), "pad:p=4,flip:p=0.5,rrc:smin=0.08") != NULL);
        EXPECT(augment_set_dfms(a, NULL, 2, 0.3) == FS_ERR_CONFIG);
        augment_free(a);
    }
    EXPECT(augment_create("paper,autoaugment", 3, 31, 29, &a) == FS_OK); /* odd sizes: pixel steps fine */
    augment_free(a);
    EXPECT(augment_create("lowpass:r=4", 3, 31, 29, &a) == FS_ERR_CONFIG);
    EXPECT(strstr(fs_last_error(), "even") != NULL);
    EXPECT(augment_create("none", C, H, W, &a) == FS_OK);
    if (a) {
        EXPECT(!augment_has_pixel_steps(a) && !augment_has_normalized_steps(a));
        augment_free(a);
    }
}

TEST_MAIN({"determinism", test_determinism}, {"flip_and_crop", test_flip_and_crop},
          {"filters_exact", test_filters_exact}, {"augmix_convex", test_augmix_convex},
          {"ops", test_ops}, {"dfmx", test_dfmx}, {"errors", test_errors})
