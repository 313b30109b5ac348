/* test_spectral.c: property tests of the spectral module against its O(N^4) DFT reference,
 * Parseval, linearity and the mask conventions of PAPER.md 2 / 3.2. */
#include "harness.h"
#include "rng.h"
#include "spectral.h"
#include "util.h"

#include <stdlib.h>

static void fill_random(float *x, size_t n, uint64_t seed)
{
    Rng r = rng_derive(seed, 0, RNG_STREAM_TEST);
    for (size_t i = 0; i < n; i++) x[i] = (float)rng_uniform(&r);
}

static double max_abs_diff_fd(const float *a, const double *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > m) m = d;
    }
    return m;
}

static void test_all_ones_identity(void)
{
    int shapes[][3] = {{1, 28, 28}, {3, 32, 32}, {3, 8, 6}, {2, 224, 224}};
    for (size_t s = 0; s < FS_ARRAY_LEN(shapes); s++) {
        int c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
        size_t n = (size_t)c * h * w;
        SpectralPlan *sp = spectral_plan_create(c, h, w, SPECTRAL_ESTIMATE);
        EXPECT(sp != NULL);
        if (!sp) continue;
        float *x = xmalloc(n * sizeof *x), *y = xmalloc(n * sizeof *y), *m = xmalloc((size_t)h * w * sizeof *m);
        double *xd = xmalloc(n * sizeof *xd), *yd = xmalloc(n * sizeof *yd);
        fill_random(x, n, 1 + s);
        for (size_t i = 0; i < n; i++) xd[i] = (double)x[i];
        spectral_mask_fill(m, h, w, 1.0f);
        spectral_filter(sp, m, x, y);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs((double)(x[i] - y[i])));
        EXPECT_MSG(e < 2e-6, "shape %d,%d,%d err %g", c, h, w, e);
        spectral_filter_double(sp, m, xd, yd);
        e = max_abs_diff_fd(x, yd, n);
        EXPECT_MSG(e < 1e-12, "double shape %d,%d,%d err %g", c, h, w, e);
        /* in place */
        memcpy(y, x, n * sizeof *y);
        spectral_filter(sp, m, y, y);
        e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs((double)(x[i] - y[i])));
        EXPECT(e < 2e-6);
        free(x), free(y), free(m), free(xd), free(yd);
        spectral_plan_destroy(sp);
    }
}

/* The r2c path with M_h equals the brute-force complex DFT with the raw mask. */
static void test_filter_matches_ref(void)
{
    int shapes[][3] = {{3, 8, 8}, {1, 8, 6}, {2, 6, 10}};
    for (size_t s = 0; s < FS_ARRAY_LEN(shapes); s++) {
        int c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
        size_t n = (size_t)c * h * w, hw = (size_t)h * w;
        SpectralPlan *sp = spectral_plan_create(c, h, w, SPECTRAL_ESTIMATE);
        EXPECT(sp != NULL);
        if (!sp) continue;
        float *x = xmalloc(n * sizeof *x), *y = xmalloc(n * sizeof *y), *m = xmalloc(hw * sizeof *m);
        double *yr = xmalloc(n * sizeof *yr), *yd = xmalloc(n * sizeof *yd), *xd = xmalloc(n * sizeof *xd);
        fill_random(x, n, 10 + s);
        for (size_t i = 0; i < n; i++) xd[i] = (double)x[i];
        Rng r = rng_derive(20 + s, 0, RNG_STREAM_TEST);
        int asym = 0;
        for (size_t i = 0; i < hw; i++) m[i] = rng_uniform(&r) < 0.5 ? 0.0f : (float)rng_uniform(&r);
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                int pi, pj;
                spectral_partner(i, j, h, w, &pi, &pj);
                if (m[i * w + j] != m[pi * w + pj]) asym++;
            }
        EXPECT(asym > 0); /* the mask really is non-symmetric */
        spectral_filter_ref(c, h, w, m, x, yr);
        spectral_filter(sp, m, x, y);
        spectral_filter_double(sp, m, xd, yd);
        EXPECT_MSG(max_abs_diff_fd(y, yr, n) < 2e-6, "float vs ref %g", max_abs_diff_fd(y, yr, n));
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(yd[i] - yr[i]));
        EXPECT_MSG(e < 1e-12, "double vs ref %g", e);
        /* and the filter with M_h (symmetric) gives the same result as with M */
        float *mh = xmalloc(hw * sizeof *mh);
        spectral_mask_hermitian(m, mh, h, w);
        spectral_filter_ref(c, h, w, mh, x, yd);
        e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs(yd[i] - yr[i]));
        EXPECT_MSG(e < 1e-7, "ref(M_h) vs ref(M) %g", e); /* M_h is rounded to float */
        free(mh);
        free(x), free(y), free(m), free(yr), free(yd), free(xd);
        spectral_plan_destroy(sp);
    }
}

static void test_spectrum_matches_ref(void)
{
    int c = 2, h = 8, w = 10;
    size_t n = (size_t)c * h * w;
    SpectralPlan *sp = spectral_plan_create(c, h, w, SPECTRAL_ESTIMATE);
    EXPECT(sp != NULL);
    if (!sp) return;
    float *x = xmalloc(n * sizeof *x);
    double *re = xmalloc(n * sizeof *re), *im = xmalloc(n * sizeof *im);
    double *rr = xmalloc(n * sizeof *rr), *ri = xmalloc(n * sizeof *ri), *amp = xmalloc(n * sizeof *amp);
    fill_random(x, n, 3);
    spectral_spectrum(sp, x, re, im);
    spectral_spectrum_ref(c, h, w, x, rr, ri);
    double e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fmax(fabs(re[i] - rr[i]), fabs(im[i] - ri[i])));
    EXPECT_MSG(e < 1e-11, "spectrum vs ref %g", e);
    /* DC (centred at (H/2, W/2)) is the channel sum */
    double sum0 = 0;
    for (int i = 0; i < h * w; i++) sum0 += (double)x[i];
    EXPECT_NEAR(re[(h / 2) * w + w / 2], sum0, 1e-10);
    EXPECT_NEAR(im[(h / 2) * w + w / 2], 0, 1e-12);
    spectral_amplitude(sp, x, amp);
    e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(amp[i] - hypot(rr[i], ri[i])));
    EXPECT(e < 1e-11);
    /* inverse of the spectrum is the image */
    double *xb = xmalloc(n * sizeof *xb);
    spectral_inverse(sp, re, im, xb);
    EXPECT(max_abs_diff_fd(x, xb, n) < 1e-12);
    /* inverse of a non-Hermitian spectrum keeps the real part: equals the filter with a mask */
    float *m = xmalloc((size_t)h * w * sizeof *m);
    Rng r = rng_derive(5, 0, RNG_STREAM_TEST);
    for (int i = 0; i < h * w; i++) m[i] = (float)rng_uniform(&r);
    for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < h * w; i++) {
            re[ch * h * w + i] *= (double)m[i];
            im[ch * h * w + i] *= (double)m[i];
        }
    spectral_inverse(sp, re, im, xb);
    spectral_filter_ref(c, h, w, m, x, rr);
    e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs(xb[i] - rr[i]));
    EXPECT_MSG(e < 1e-12, "inverse(F.M) vs filter_ref %g", e);
    free(m), free(xb), free(x), free(re), free(im), free(rr), free(ri), free(amp);
    spectral_plan_destroy(sp);
}

/* Removing the pair {f, -f} removes exactly that frequency; energy drops by its Parseval share. */
static void test_remove_pair_parseval(void)
{
    int c = 3, h = 16, w = 16;
    size_t n = (size_t)c * h * w, hw = (size_t)h * w;
    SpectralPlan *sp = spectral_plan_create(c, h, w, SPECTRAL_ESTIMATE);
    EXPECT(sp != NULL);
    if (!sp) return;
    float *x = xmalloc(n * sizeof *x), *m = xmalloc(hw * sizeof *m);
    double *xd = xmalloc(n * sizeof *xd), *yd = xmalloc(n * sizeof *yd);
    double *re = xmalloc(n * sizeof *re), *im = xmalloc(n * sizeof *im);
    double *re2 = xmalloc(n * sizeof *re2), *im2 = xmalloc(n * sizeof *im2);
    fill_random(x, n, 7);
    for (size_t i = 0; i < n; i++) xd[i] = (double)x[i];
    spectral_spectrum(sp, x, re, im);
    int bins[][2] = {{8, 11}, {3, 5}, {0, 4}, {0, 0}, {8, 0}};
    for (size_t b = 0; b < FS_ARRAY_LEN(bins); b++) {
        int i0 = bins[b][0], j0 = bins[b][1], pi, pj;
        spectral_partner(i0, j0, h, w, &pi, &pj);
        spectral_mask_fill(m, h, w, 1.0f);
        spectral_mask_patch(m, h, w, i0, j0, 1, 1, 0.0f, 1);
        EXPECT(m[pi * w + pj] == 0.0f);
        spectral_filter_double(sp, m, xd, yd);
        float *yf = xmalloc(n * sizeof *yf);
        for (size_t i = 0; i < n; i++) yf[i] = (float)yd[i];
        spectral_spectrum(sp, yf, re2, im2); /* float rounding of y: ~1e-7 per pixel */
        double e_removed = 0, e_kept = 0, ex = 0, ey = 0, lost = 0;
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    size_t o = (size_t)ch * hw + (size_t)i * w + j;
                    int rem = (i == i0 && j == j0) || (i == pi && j == pj);
                    double d = hypot(re2[o] - (rem ? 0 : re[o]), im2[o] - (rem ? 0 : im[o]));
                    if (rem) {
                        e_removed = fmax(e_removed, d);
                        lost += re[o] * re[o] + im[o] * im[o];
                    } else {
                        e_kept = fmax(e_kept, d);
                    }
                }
        for (size_t i = 0; i < n; i++) {
            ex += xd[i] * xd[i];
            ey += yd[i] * yd[i];
        }
        EXPECT_MSG(e_removed < 1e-4, "bin (%d,%d) left %g", i0, j0, e_removed);
        EXPECT_MSG(e_kept < 1e-4, "bin (%d,%d) others changed %g", i0, j0, e_kept);
        /* Parseval: sum x^2 = sum |F|^2 / (H W) */
        EXPECT_NEAR(ex - ey, lost / (double)hw, 1e-9 * ex);
        free(yf);
    }
    free(x), free(m), free(xd), free(yd), free(re), free(im), free(re2), free(im2);
    spectral_plan_destroy(sp);
}

static void test_linearity_and_real(void)
{
    int c = 3, h = 32, w = 32;
    size_t n = (size_t)c * h * w, hw = (size_t)h * w;
    SpectralPlan *sp = spectral_plan_create(c, h, w, SPECTRAL_ESTIMATE);
    EXPECT(sp != NULL);
    if (!sp) return;
    float *a = xmalloc(n * sizeof *a), *b = xmalloc(n * sizeof *b), *ab = xmalloc(n * sizeof *ab);
    float *fa = xmalloc(n * sizeof *fa), *fb = xmalloc(n * sizeof *fb), *fab = xmalloc(n * sizeof *fab);
    float *m = xmalloc(hw * sizeof *m);
    fill_random(a, n, 11);
    fill_random(b, n, 12);
    Rng r = rng_derive(13, 0, RNG_STREAM_TEST);
    for (size_t i = 0; i < hw; i++) m[i] = rng_uniform(&r) < 0.3 ? 1.0f : 0.0f;
    for (size_t i = 0; i < n; i++) ab[i] = 2.0f * a[i] - 0.5f * b[i];
    spectral_filter(sp, m, a, fa);
    spectral_filter(sp, m, b, fb);
    spectral_filter(sp, m, ab, fab);
    double e = 0;
    for (size_t i = 0; i < n; i++) e = fmax(e, fabs((double)(fab[i] - (2.0f * fa[i] - 0.5f * fb[i]))));
    EXPECT_MSG(e < 1e-5, "linearity %g", e);
    /* The product F.M_h is Hermitian, so the inverse is real: the spectrum of the double-precision
     * filtered image equals F.M_h (with M_h at the partner too) at every bin. */
    double *re = xmalloc(n * sizeof *re), *im = xmalloc(n * sizeof *im);
    double *re2 = xmalloc(n * sizeof *re2), *im2 = xmalloc(n * sizeof *im2);
    double *ad = xmalloc(n * sizeof *ad), *yd = xmalloc(n * sizeof *yd);
    float *mh = xmalloc(hw * sizeof *mh), *yf = xmalloc(n * sizeof *yf);
    for (size_t i = 0; i < n; i++) ad[i] = (double)a[i];
    spectral_filter_double(sp, m, ad, yd);
    for (size_t i = 0; i < n; i++) yf[i] = (float)yd[i];
    spectral_mask_hermitian(m, mh, h, w);
    spectral_spectrum(sp, a, re, im);
    spectral_spectrum(sp, yf, re2, im2);
    e = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = i % hw;
        e = fmax(e, hypot(re2[i] - re[i] * (double)mh[k], im2[i] - im[i] * (double)mh[k]));
    }
    EXPECT_MSG(e < 1e-4, "spectrum of filtered = F.M_h: %g", e);
    free(a), free(b), free(ab), free(fa), free(fb), free(fab), free(m);
    free(re), free(im), free(re2), free(im2), free(ad), free(yd), free(mh), free(yf);
    spectral_plan_destroy(sp);
}

/* Single precision stays within a small bound of double precision at 32 and 224. */
static void test_float_error_bound(void)
{
    int shapes[][3] = {{3, 32, 32}, {3, 224, 224}};
    for (size_t s = 0; s < FS_ARRAY_LEN(shapes); s++) {
        int c = shapes[s][0], h = shapes[s][1], w = shapes[s][2];
        size_t n = (size_t)c * h * w, hw = (size_t)h * w;
        SpectralPlan *sp = spectral_plan_create(c, h, w, SPECTRAL_ESTIMATE);
        EXPECT(sp != NULL);
        if (!sp) continue;
        float *x = xmalloc(n * sizeof *x), *y = xmalloc(n * sizeof *y), *m = xmalloc(hw * sizeof *m);
        double *xd = xmalloc(n * sizeof *xd), *yd = xmalloc(n * sizeof *yd);
        fill_random(x, n, 30 + s);
        for (size_t i = 0; i < n; i++) { /* normalised-like values: (x - 0.5) / 0.25 */
            x[i] = (x[i] - 0.5f) * 4.0f;
            xd[i] = (double)x[i];
        }
        Rng r = rng_derive(40 + s, 0, RNG_STREAM_TEST);
        for (size_t i = 0; i < hw; i++) m[i] = rng_uniform(&r) < 0.5 ? 1.0f : 0.0f;
        spectral_filter(sp, m, x, y);
        spectral_filter_double(sp, m, xd, yd);
        double e = max_abs_diff_fd(y, yd, n);
        EXPECT_MSG(e < 1e-5, "float vs double at %dx%d: %g", h, w, e);
        free(x), free(y), free(m), free(xd), free(yd);
        spectral_plan_destroy(sp);
    }
}

static void test_mask_conventions(void)
{
    int n = 32;
    /* the four self-conjugate bins */
    int selfc = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int pi, pj, qi, qj;
            spectral_partner(i, j, n, n, &pi, &pj);
            spectral_partner(pi, pj, n, n, &qi, &qj);
            EXPECT(qi == i && qj == j);
            if (pi == i && pj == j) selfc++;
        }
    EXPECT_EQ_INT(selfc, 4);
    EXPECT_NEAR(spectral_radius(16, 16, 32, 32), 0, 0);
    EXPECT_NEAR(spectral_radius(0, 0, 32, 32), 16 * sqrt(2.0), 1e-12);
    /* PAPER.md 3.2 pair counts per band for N = 32: 22, 74, 122, 292 */
    double edges[5];
    spectral_band_edges(n, n, 4, edges);
    EXPECT_NEAR(edges[1], 4, 0);
    EXPECT_NEAR(edges[3], 12, 0);
    EXPECT(edges[4] < 0);
    int bins[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int pi, pj;
            spectral_partner(i, j, n, n, &pi, &pj);
            if (pi == i && pj == j) continue; /* DC and Nyquist bins */
            int b = spectral_band_of(i, j, n, n, edges, 4);
            EXPECT(b >= 0);
            if (b >= 0) bins[b]++;
        }
    EXPECT_EQ_INT(bins[0] / 2, 22);
    EXPECT_EQ_INT(bins[1] / 2, 74);
    EXPECT_EQ_INT(bins[2] / 2, 122);
    EXPECT_EQ_INT(bins[3] / 2, 292);
    /* band masks: complementary bands cover everything exactly once */
    float *m = xmalloc((size_t)n * n * sizeof *m);
    spectral_mask_fill(m, n, n, 0.0f);
    for (int b = 0; b < 4; b++) spectral_mask_band(m, n, n, edges[b], edges[b + 1], (float)(b + 1));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            EXPECT_EQ_INT((int)m[i * n + j], spectral_band_of(i, j, n, n, edges, 4) + 1);
    /* band masks are exactly symmetric */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int pi, pj;
            spectral_partner(i, j, n, n, &pi, &pj);
            if (!(pi == 0 || pj == 0)) EXPECT(m[i * n + j] == m[pi * n + pj]);
        }
    /* symmetrize_max: symmetric, superset; M_h of a symmetric mask is itself */
    Rng r = rng_derive(50, 0, RNG_STREAM_TEST);
    float *a = xmalloc((size_t)n * n * sizeof *a), *mh = xmalloc((size_t)n * n * sizeof *mh);
    for (int i = 0; i < n * n; i++) m[i] = a[i] = rng_uniform(&r) < 0.2 ? 1.0f : 0.0f;
    spectral_mask_symmetrize_max(m, n, n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int pi, pj;
            spectral_partner(i, j, n, n, &pi, &pj);
            EXPECT(m[i * n + j] == m[pi * n + pj]);
            EXPECT(m[i * n + j] >= a[i * n + j]);
            EXPECT(m[i * n + j] == fmaxf(a[i * n + j], a[pi * n + pj]));
        }
    spectral_mask_hermitian(m, mh, n, n);
    for (int i = 0; i < n * n; i++) EXPECT(mh[i] == m[i]);
    spectral_mask_hermitian(a, mh, n, n);
    for (int i = 0; i < n * n; i++) EXPECT(mh[i] == 0.0f || mh[i] == 0.5f || mh[i] == 1.0f);
    /* patch with partner: a 2x2 patch and its conjugate set */
    spectral_mask_fill(m, n, n, 1.0f);
    spectral_mask_patch(m, n, n, 4, 6, 2, 2, 0.0f, 1);
    int zeros = 0;
    for (int i = 0; i < n * n; i++) zeros += m[i] == 0.0f;
    EXPECT_EQ_INT(zeros, 8);
    EXPECT(m[(32 - 4) * n + (32 - 6)] == 0.0f && m[(32 - 5) * n + (32 - 7)] == 0.0f);
    free(m), free(a), free(mh);
}

static void test_plan_errors_and_wisdom(void)
{
    EXPECT(spectral_plan_create(3, 7, 8, SPECTRAL_ESTIMATE) == NULL);
    EXPECT(strstr(fs_last_error(), "even") != NULL);
    EXPECT(spectral_plan_create(0, 8, 8, SPECTRAL_ESTIMATE) == NULL);
    SpectralPlan *sp = spectral_plan_create(3, 32, 32, SPECTRAL_MEASURE);
    EXPECT(sp != NULL);
    char *wis = spectral_export_wisdom();
    EXPECT(wis != NULL && strlen(wis) > 10);
    EXPECT(spectral_import_wisdom(wis) == 1);
    EXPECT(spectral_import_wisdom("not wisdom") == 0);
    free(wis);
    EXPECT(!strcmp(spectral_plan_flags_str(SPECTRAL_MEASURE), "FFTW_MEASURE"));
    EXPECT(!strcmp(spectral_plan_flags_str(SPECTRAL_ESTIMATE), "FFTW_ESTIMATE"));
    /* MEASURE plans compute the same filter as ESTIMATE plans */
    SpectralPlan *se = spectral_plan_create(3, 32, 32, SPECTRAL_ESTIMATE);
    size_t n = 3 * 32 * 32;
    float *x = xmalloc(n * sizeof *x), *y1 = xmalloc(n * sizeof *y1), *y2 = xmalloc(n * sizeof *y2);
    float m[32 * 32];
    spectral_mask_fill(m, 32, 32, 1.0f);
    spectral_mask_band(m, 32, 32, 4, 8, 0.0f);
    fill_random(x, n, 60);
    if (sp && se) {
        spectral_filter(sp, m, x, y1);
        spectral_filter(se, m, x, y2);
        double e = 0;
        for (size_t i = 0; i < n; i++) e = fmax(e, fabs((double)(y1[i] - y2[i])));
        EXPECT(e < 2e-6);
        int c, h, w;
        spectral_plan_shape(sp, &c, &h, &w);
        EXPECT(c == 3 && h == 32 && w == 32);
    }
    free(x), free(y1), free(y2);
    spectral_plan_destroy(sp);
    spectral_plan_destroy(se);
}

/* The cached M_h must follow a mask edited in place between calls. */
static void test_mask_cache(void)
{
    int c = 2, h = 8, w = 8;
    size_t n = (size_t)c * h * w;
    SpectralPlan *sp = spectral_plan_create(c, h, w, SPECTRAL_ESTIMATE);
    EXPECT(sp != NULL);
    if (!sp) return;
    float *x = xmalloc(n * sizeof *x), *y = xmalloc(n * sizeof *y), m[64];
    double *yr = xmalloc(n * sizeof *yr);
    fill_random(x, n, 70);
    spectral_mask_fill(m, h, w, 1.0f);
    for (int round = 0; round < 3; round++) {
        if (round == 1) m[3 * 8 + 5] = 0.0f;
        if (round == 2) m[4 * 8 + 4] = 0.25f;
        spectral_filter(sp, m, x, y);
        spectral_filter_ref(c, h, w, m, x, yr);
        EXPECT_MSG(max_abs_diff_fd(y, yr, n) < 2e-6, "round %d: %g", round, max_abs_diff_fd(y, yr, n));
    }
    free(x), free(y), free(yr);
    spectral_plan_destroy(sp);
}

TEST_MAIN({"all_ones_identity", test_all_ones_identity}, {"mask_cache", test_mask_cache},
          {"filter_matches_ref", test_filter_matches_ref},
          {"spectrum_matches_ref", test_spectrum_matches_ref},
          {"remove_pair_parseval", test_remove_pair_parseval},
          {"linearity_and_real", test_linearity_and_real},
          {"float_error_bound", test_float_error_bound},
          {"mask_conventions", test_mask_conventions},
          {"plan_errors_and_wisdom", test_plan_errors_and_wisdom})
