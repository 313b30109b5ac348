/* test_dfm.c: DFM by patch removal (PAPER.md 7): geometry, thresholds, the FFT path against a
 * private double-DFT oracle, the fast path against the FFT path, rank splits, a planted cue. */
#include "dfm.h"
#include "harness.h"
#include "par.h"
#include "analysis/maskeval.h"
#include "fixtures_freq.h"

#include "analysis/dfm_internal.h"
#include "analysis/dfm_rank.h"

static void test_geometry_counts(void)
{
    EXPECT_EQ_INT(dfm_num_masks(32, 32, 1), 544);
    EXPECT_EQ_INT(dfm_num_masks(224, 224, 1), 25312);
    EXPECT_EQ_INT(dfm_num_masks(224, 224, 2), 6384);
    EXPECT(dfm_check_geometry(28, 28, 7) == FS_OK);
    EXPECT(dfm_check_geometry(28, 28, 4) == FS_ERR_CONFIG);
    EXPECT(dfm_check_geometry(27, 28, 1) == FS_ERR_CONFIG);
}

static int count_zero(const float *m, int n)
{
    int z = 0;
    for (int i = 0; i < n; i++) z += m[i] == 0.0f;
    return z;
}

static void test_geometry_masks(void)
{
    int n = 16, nb = n / 2 + 1;
    float m[256];
    DfmOptions o;
    dfm_options_default(&o);
    /* a, b >= 1, p = 1: exactly the conjugate pair */
    int a = 5, b = 3;
    dfm_mask_build(a * nb + b, n, n, &o, m);
    EXPECT_EQ_INT(count_zero(m, 256), 2);
    EXPECT(m[5 * n + 3] == 0.0f && m[11 * n + 13] == 0.0f);
    /* a = 0: only P */
    dfm_mask_build(0 * nb + 4, n, n, &o, m);
    EXPECT_EQ_INT(count_zero(m, 256), 1);
    /* every mask zeroes at most 2 bins and the owner map leaves row 0 right of centre unscored */
    int owner[256], unscored = 0;
    dfm_owner_map(n, n, &o, owner);
    for (int i = 0; i < 256; i++) unscored += owner[i] < 0;
    EXPECT_EQ_INT(unscored, n / 2 - 1);
    for (int j = n / 2 + 1; j < n; j++) EXPECT(owner[j] < 0);
    /* p = 2 reference counterpart sits p-1 bins off the true conjugate block */
    o.patch = 2;
    int nb2 = n / 4 + 1;
    dfm_mask_build(1 * nb2 + 1, n, n, &o, m); /* P = [2,4)x[2,4), P' = [14,16)x[14,16) */
    EXPECT_EQ_INT(count_zero(m, 256), 8);
    EXPECT(m[14 * n + 14] == 0.0f && m[15 * n + 15] == 0.0f && m[12 * n + 12] == 1.0f);
    /* exact: P u P* is exactly symmetric */
    o.exact = 1;
    for (int idx = 0; idx < dfm_num_masks(n, n, 2); idx++) {
        dfm_mask_build(idx, n, n, &o, m);
        int sym = 1;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) sym &= m[i * n + j] == m[((n - i) % n) * n + (n - j) % n];
        EXPECT(sym);
    }
    /* legacy: also the top rows right of centre */
    o.exact = 0;
    o.patch = 1;
    o.legacy_row0 = 1;
    dfm_mask_build(5 * nb + 3, n, n, &o, m);
    EXPECT_EQ_INT(count_zero(m, 256), 2 + (n - n / 2 - 1));
}

static void test_threshold(void)
{
    /* N = 32: n_T = 10/51/102/204 with distinct values */
    double L[1024];
    uint8_t d[1024];
    for (int i = 0; i < 1024; i++) L[i] = (double)((i * 37) % 1024);
    EXPECT_EQ_INT(dfm_threshold(L, 32, 32, 0.01, d), 10);
    EXPECT_EQ_INT(dfm_threshold(L, 32, 32, 0.05, d), 51);
    EXPECT_EQ_INT(dfm_threshold(L, 32, 32, 0.10, d), 102);
    EXPECT_EQ_INT(dfm_threshold(L, 32, 32, 0.20, d), 204);
    for (int i = 0; i < 1024; i++) EXPECT(d[i] == (L[i] >= 1024 - 204));
    /* ties add bins; -inf never selected even when tau is -inf */
    for (int i = 0; i < 1024; i++) L[i] = i < 20 ? 5.0 : i < 1000 ? 1.0 : -(double)INFINITY;
    EXPECT_EQ_INT(dfm_threshold(L, 32, 32, 0.01, d), 20);
    EXPECT_EQ_INT(dfm_threshold(L, 32, 32, 0.10, d), 1000);
    for (int i = 0; i < 1024; i++) L[i] = -INFINITY;
    EXPECT_EQ_INT(dfm_threshold(L, 32, 32, 0.2, d), 0);
}

static void test_iou_spearman(void)
{
    uint8_t a[6] = {1, 1, 0, 0, 1, 0}, b[6] = {1, 0, 0, 1, 1, 0};
    EXPECT_NEAR(dfm_iou(a, b, 6), 2.0 / 4.0, 1e-12);
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {10, 20, 30, 40, 50}, z[5] = {5, 4, 3, 2, 1};
    EXPECT_NEAR(dfm_spearman(x, y, 5), 1.0, 1e-12);
    EXPECT_NEAR(dfm_spearman(x, z, 5), -1.0, 1e-12);
    double u[5] = {1, 2, -INFINITY, 4, 5};
    EXPECT_NEAR(dfm_spearman(u, y, 5), 1.0, 1e-12);
}

/* FFT path scores vs an independent double-precision DFT oracle. */
static void test_fft_path_vs_ref(void)
{
    Dataset d;
    synth_make(&d, 12, 2, 8, 8, 3, 0, 1, 2, 0.2, 0.2, 7);
    LinCtx l = {2, 8, 8, 3, NULL, NULL};
    Classifier clf = lin_classifier(&l, 3, 0.05, 7);
    DfmOptions o;
    dfm_options_default(&o);
    o.path = DFM_PATH_FFT;
    int nm = dfm_num_masks(8, 8, 1);
    double *sc = malloc((size_t)nm * 3 * sizeof *sc);
    EXPECT(dfm_score_range(&clf, &d, &o, 0, nm, sc) == FS_OK);
    float *xn = malloc((size_t)12 * 128 * sizeof *xn), mask[64], xf[128], z[3];
    double out[64], ref[3];
    maskeval_normalise(&d, xn);
    double maxerr = 0.0;
    for (int idx = 0; idx < nm; idx += 3) {
        dfm_mask_build(idx, 8, 8, &o, mask);
        ref[0] = ref[1] = ref[2] = 0.0;
        for (int i = 0; i < 12; i++) {
            for (int c = 0; c < 2; c++) {
                ref_filter(xn + i * 128 + c * 64, mask, 8, 8, out);
                for (int p = 0; p < 64; p++) xf[c * 64 + p] = (float)out[p];
            }
            lin_logits(&l, xf, 1, z);
            ref[d.y[i]] += maskeval_ce(z, 3, d.y[i]) / 4.0;
        }
        for (int c = 0; c < 3; c++) maxerr = fmax(maxerr, fabs(ref[c] - sc[idx * 3 + c]));
    }
    EXPECT_MSG(maxerr < 1e-5, "max |score - ref| = %g", maxerr);
    free(xn);
    free(sc);
    lin_free(&l);
    synth_free(&d);
}

/* The fast path equals the FFT path: filtered images and scores, every geometry. */
static void test_fast_equals_fft(void)
{
    Dataset d;
    synth_make(&d, 10, 3, 16, 16, 4, 1, 3, 5, 0.2, 0.2, 11);
    LinCtx l = {3, 16, 16, 4, NULL, NULL};
    Classifier clf = lin_classifier(&l, 5, 0.03, 25);
    for (int geo = 0; geo < 4; geo++) {
        DfmOptions o;
        dfm_options_default(&o);
        o.patch = geo == 2 ? 2 : 1;
        o.exact = geo == 1 || geo == 2;
        o.legacy_row0 = geo == 3;
        /* images */
        o.path = DFM_PATH_FAST;
        DfmScorer *s = dfm_scorer_create(&clf, &d, &o);
        EXPECT(s != NULL);
        if (!s) continue;
        int nm = dfm_num_masks(16, 16, o.patch);
        float mask[256], a[768], b[768];
        double maxd = 0.0;
        for (int idx = 0; idx < nm; idx += 7) {
            dfm_mask_build(idx, 16, 16, &o, mask);
            dfm_fast_prepare(&s->fast, s, mask);
            for (int i = 0; i < d.n; i += 3) {
                dfm_fast_apply(&s->fast, s, i, s->xn + i * 768, a);
                maskeval_filter(s->sp, mask, s->xn + i * 768, b, s->tmp);
                for (int p = 0; p < 768; p++) maxd = fmax(maxd, fabs((double)a[p] - (double)b[p]));
            }
        }
        EXPECT_MSG(maxd < 1e-5, "geometry %d: max |fast - fft| pixel = %g", geo, maxd);
        dfm_scorer_destroy(s);
        /* scores */
        double *sf = malloc((size_t)nm * 4 * sizeof *sf), *sg = malloc((size_t)nm * 4 * sizeof *sg);
        EXPECT(dfm_score_range(&clf, &d, &o, 0, nm, sf) == FS_OK);
        o.path = DFM_PATH_FFT;
        EXPECT(dfm_score_range(&clf, &d, &o, 0, nm, sg) == FS_OK);
        double md = 0.0;
        for (int q = 0; q < nm * 4; q++) md = fmax(md, fabs(sf[q] - sg[q]) / fmax(1.0, fabs(sg[q])));
        EXPECT_MSG(md < 1e-5, "geometry %d: max rel |fast - fft| score = %g", geo, md);
        free(sf);
        free(sg);
    }
    lin_free(&l);
    synth_free(&d);
}

/* Ranges cut on group boundaries reproduce the whole list bitwise, for 1..4 "ranks". */
static void test_split_bitwise(void)
{
    Dataset d;
    synth_make(&d, 9, 1, 16, 16, 3, 0, 3, 5, 0.2, 0.2, 5);
    LinCtx l = {1, 16, 16, 3, NULL, NULL};
    Classifier clf = lin_classifier(&l, 9, 0.05, 40);
    DfmOptions o;
    dfm_options_default(&o);
    int nm = dfm_num_masks(16, 16, 1), g = dfm_group_size(d.n, clf.max_batch);
    EXPECT_EQ_INT(g, 4);
    double *all = malloc((size_t)nm * 3 * sizeof *all), *part = malloc((size_t)nm * 3 * sizeof *part);
    EXPECT(dfm_score_range(&clf, &d, &o, 0, nm, all) == FS_OK);
    for (int size = 1; size <= 4; size++) {
        int covered = 0;
        for (int r = 0; r < size; r++) {
            int f, c;
            split_range(nm, g, r, size, &f, &c);
            EXPECT_EQ_INT(f, covered);
            EXPECT(f % g == 0);
            if (c) EXPECT(dfm_score_range(&clf, &d, &o, f, c, part + (size_t)f * 3) == FS_OK);
            covered += c;
        }
        EXPECT_EQ_INT(covered, nm);
        EXPECT(memcmp(all, part, (size_t)nm * 3 * sizeof *all) == 0);
    }
    /* dfm_score_all without a spread, and spread by par in a serial build: one rank */
    EXPECT(dfm_score_all(&clf, &d, &o, part) == FS_OK);
    EXPECT(memcmp(all, part, (size_t)nm * 3 * sizeof *all) == 0);
    memset(part, 0, (size_t)nm * 3 * sizeof *part);
    o.spread = par_split_score_gather;
    EXPECT(dfm_score_all(&clf, &d, &o, part) == FS_OK);
    EXPECT(memcmp(all, part, (size_t)nm * 3 * sizeof *all) == 0);
    free(all);
    free(part);
    lin_free(&l);
    synth_free(&d);
}

/* Planted cue: class 0's logit grows with the energy at (3,5); its top-1 % DFM is that pair. */
static void test_planted_cue(void)
{
    Dataset d;
    synth_make(&d, 24, 1, 16, 16, 3, 0, 3, 5, 0.15, 0.1, 3);
    PlantCtx p = {1, 16, 16, 3, 0, 1, {3, 0}, {5, 0}, 0.5, -1.0, 0, 0};
    Classifier clf = plant_classifier(&p, 64);
    DfmOptions o;
    dfm_options_default(&o);
    int nm = dfm_num_masks(16, 16, 1);
    double *sc = malloc((size_t)nm * 3 * sizeof *sc), *maps = malloc(3 * 256 * sizeof *maps),
           base[3];
    EXPECT(dfm_score_range(&clf, &d, &o, 0, nm, sc) == FS_OK);
    EXPECT(dfm_score_clean(&clf, &d, base) == FS_OK);
    dfm_assemble(sc, 3, 16, 16, &o, maps);
    uint8_t dfm[256];
    EXPECT_EQ_INT(dfm_threshold(maps, 16, 16, 0.01, dfm), 2);
    EXPECT(dfm[(8 + 3) * 16 + 8 + 5] == 1 && dfm[(8 - 3) * 16 + 8 - 5] == 1);
    /* removing the cue raises class 0's loss above the clean loss; other bins leave it */
    EXPECT(maps[(8 + 3) * 16 + 13] > base[0] + 0.1);
    EXPECT_NEAR(maps[2 * 16 + 2], base[0], 0.05);
    /* one pass per mask scores all classes: forward images = masks * n */
    EXPECT_EQ_INT(p.images, (long)nm * d.n + d.n);
    free(sc);
    free(maps);
    synth_free(&d);
}

/* The one score order: NaN last, ties (and NaNs) by lower index, both directions, strided. */
static void test_rank_order(void)
{
    const double nan = (double)NAN;
    /* column 1 of a (7, 2) array holds the scores */
    const double v[14] = {9, 2.0, 9, nan, 9, -1.0, 9, 2.0, 9, nan, 9, 5.0, 9, -0.0};
    static const int asc[7] = {2, 6, 0, 3, 5, 1, 4}, desc[7] = {5, 0, 3, 6, 2, 1, 4};
    int ord[7];
    dfm_rank_order(v + 1, 7, 2, DFM_RANK_ASC, ord);
    for (int i = 0; i < 7; i++) EXPECT_EQ_INT(ord[i], asc[i]);
    dfm_rank_order(v + 1, 7, 2, DFM_RANK_DESC, ord);
    for (int i = 0; i < 7; i++) EXPECT_EQ_INT(ord[i], desc[i]);
    const double z[2] = {0.0, -0.0}; /* equal: by index */
    dfm_rank_order(z, 2, 1, DFM_RANK_ASC, ord);
    EXPECT(ord[0] == 0 && ord[1] == 1);
}

TEST_MAIN({"geometry_counts", test_geometry_counts}, {"rank_order", test_rank_order}, {"geometry_masks", test_geometry_masks},
          {"threshold", test_threshold}, {"iou_spearman", test_iou_spearman},
          {"fft_path_vs_ref", test_fft_path_vs_ref}, {"fast_equals_fft", test_fast_equals_fft},
          {"split_bitwise", test_split_bitwise}, {"planted_cue", test_planted_cue})
