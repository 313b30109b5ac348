/* test_heatmap.c: Fourier heat map and radius curves on a planted cue. */
#include "harness.h"
#include "heatmap.h"
#include "fixtures_freq.h"

static void test_fourier(void)
{
    Dataset d;
    synth_make(&d, 12, 1, 16, 16, 3, 0, 3, 5, 0.15, 0.1, 9);
    PlantCtx p = {1, 16, 16, 3, 0, 1, {3, 0}, {5, 0}, 0.5, -1.0, 0, 0};
    Classifier clf = plant_classifier(&p, 16);
    HeatmapOptions o;
    heatmap_options_default(&o);
    o.eps = 2.0;
    double err[256], err2[256];
    EXPECT(heatmap_fourier(&clf, &d, &o, err) == FS_OK);
    int best = 0, sym = 1;
    for (int i = 0; i < 256; i++) {
        if (err[i] > err[best]) best = i;
        sym &= err[i] == err[((16 - i / 16) % 16) * 16 + (16 - i % 16) % 16];
    }
    EXPECT(sym);
    EXPECT(best == 11 * 16 + 13 || best == 5 * 16 + 3);
    EXPECT(err[11 * 16 + 13] >= 0.6);
    EXPECT(err[2 * 16 + 2] <= 0.34); /* only the default misclassification of class 2 */
    EXPECT(heatmap_fourier(&clf, &d, &o, err2) == FS_OK);
    EXPECT(memcmp(err, err2, sizeof err) == 0);
    /* window 5: only |u|,|v| <= 2 evaluated */
    o.window = 5;
    EXPECT(heatmap_fourier(&clf, &d, &o, err2) == FS_OK);
    EXPECT(isnan(err2[11 * 16 + 13]) && !isnan(err2[9 * 16 + 10]));
    o.window = 4;
    EXPECT(heatmap_fourier(&clf, &d, &o, err2) == FS_ERR_CONFIG);
    synth_free(&d);
}

static void test_radius(void)
{
    Dataset d;
    synth_make(&d, 12, 1, 16, 16, 3, 0, 3, 5, 0.15, 0.1, 10);
    PlantCtx p = {1, 16, 16, 3, 0, 1, {3, 0}, {5, 0}, 0.5, -1.0, 0, 0};
    Classifier clf = plant_classifier(&p, 16);
    int nr = heatmap_num_radii(16, 16);
    EXPECT_EQ_INT(nr, 13);
    double *lo = malloc((size_t)nr * 4 * sizeof *lo), *hi = malloc((size_t)nr * 4 * sizeof *hi);
    EXPECT(heatmap_radius(&clf, &d, 1, lo, hi) == FS_OK);
    double rho = sqrt(34.0); /* 5.83 */
    for (int r = 0; r < nr; r++) {
        EXPECT_NEAR(lo[r * 4 + 0], r > rho ? 1.0 : 0.0, 1e-12);
        EXPECT_NEAR(hi[r * 4 + 0], r <= rho ? 1.0 : 0.0, 1e-12);
    }
    free(lo);
    free(hi);
    synth_free(&d);
}

TEST_MAIN({"fourier", test_fourier}, {"radius", test_radius})
