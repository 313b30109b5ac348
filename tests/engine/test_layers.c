/* test_layers.c: every layer's backward against central finite differences, and the fast
 * convolution against the direct reference (_ref) for odd shapes, strides and paddings. */
#include "engine/gemm.h"
#include "harness.h"
#include "engine/layers.h"
#include "linalg.h"
#include "pool.h"
#include "engine/model_build.h"
#include "engine/simd.h"
#include "rng.h"

#include <float.h>

static void fill(float *x, size_t n, Rng *r, double a)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)rng_uniform_range(r, -a, a);
}

/* ---------------------------------------------------------------- conv vs _ref */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += ((double)a[i] - (double)b[i]) * ((double)a[i] - (double)b[i]);
        den += (double)b[i] * (double)b[i];
    }
    return sqrt(num / (den + 1e-30));
}

static void check_conv_case(int n, int cin, int h, int w, int cout, int k, int s, int p, int bias)
{
    ConvArgs a;
    conv_args_init(&a, cin, h, w, cout, k, s, p);
    Rng r = rng_derive(7, (uint64_t)(cin * 1000 + h * 10 + k), RNG_STREAM_TEST);
    size_t xs = (size_t)n * cin * h * w, ws = (size_t)cout * cin * k * k,
           ys = (size_t)n * cout * a.hout * a.wout;
    float *x = xmalloc(xs * 4), *wt = xmalloc(ws * 4), *b = xmalloc((size_t)cout * 4);
    float *y = xmalloc(ys * 4), *yr = xmalloc(ys * 4), *dy = xmalloc(ys * 4);
    float *dx = xcalloc(xs, 4), *dxr = xcalloc(xs, 4), *dw = xcalloc(ws, 4), *dwr = xcalloc(ws, 4);
    float *db = xcalloc((size_t)cout, 4), *dbr = xcalloc((size_t)cout, 4);
    float *work = xmalloc(conv_ws_floats(&a, n) * 4 + 4);
    fill(x, xs, &r, 1);
    fill(wt, ws, &r, 1);
    fill(b, (size_t)cout, &r, 1);
    fill(dy, ys, &r, 1);
    conv2d_forward(&a, n, x, wt, bias ? b : NULL, y, work);
    conv2d_forward_ref(&a, n, x, wt, bias ? b : NULL, yr);
    double e1 = rel_diff(y, yr, ys);
    conv2d_backward(&a, n, x, wt, dy, dx, dw, bias ? db : NULL, work);
    conv2d_backward_ref(&a, n, x, wt, dy, dxr, dwr, bias ? dbr : NULL);
    double e2 = rel_diff(dx, dxr, xs), e3 = rel_diff(dw, dwr, ws),
           e4 = bias ? rel_diff(db, dbr, (size_t)cout) : 0;
    EXPECT_MSG(e1 < 1e-5 && e2 < 1e-5 && e3 < 1e-5 && e4 < 1e-5,
               "n%d cin%d %dx%d cout%d k%d s%d p%d: fwd %.2g dx %.2g dw %.2g db %.2g", n, cin, h, w,
               cout, k, s, p, e1, e2, e3, e4);
    free(x); free(wt); free(b); free(y); free(yr); free(dy); free(dx); free(dxr); free(dw);
    free(db); free(dbr); free(work);
}

static void test_conv_vs_ref(void)
{
    check_conv_case(2, 3, 7, 5, 4, 3, 1, 1, 1);
    check_conv_case(3, 2, 9, 9, 5, 3, 2, 1, 0);
    check_conv_case(2, 5, 8, 11, 3, 1, 1, 0, 1);  /* pointwise */
    check_conv_case(2, 4, 9, 7, 6, 1, 2, 0, 0);   /* projection shortcut */
    check_conv_case(3, 3, 12, 12, 7, 4, 4, 0, 1); /* patch embedding */
    check_conv_case(2, 2, 6, 6, 3, 5, 1, 2, 1);
    check_conv_case(1, 3, 5, 6, 2, 3, 3, 2, 0);
    check_conv_case(5, 16, 4, 4, 8, 3, 1, 1, 0);  /* batched small maps */
    check_conv_case(70, 2, 2, 2, 3, 3, 1, 1, 1);  /* chunk with remainder */
    check_conv_case(2, 3, 40, 33, 4, 3, 1, 1, 1); /* > 1024 columns per image */
    /* stride 2 on wide rows (the vectorised im2col row path: >= 16 outputs, both parities) */
    check_conv_case(2, 3, 9, 40, 4, 3, 2, 1, 1);
    check_conv_case(2, 4, 5, 65, 5, 1, 2, 0, 0);
    check_conv_case(2, 2, 7, 70, 3, 3, 2, 0, 1);
    /* Winograd F(2x2,3x3): odd sizes (partial tiles), bias, chunk remainders */
    check_conv_case(3, 9, 7, 5, 10, 3, 1, 1, 1);
    check_conv_case(10, 8, 16, 16, 8, 3, 1, 1, 0);
    check_conv_case(2, 12, 1, 1, 16, 3, 1, 1, 0);
    check_conv_case(4, 20, 3, 6, 8, 3, 1, 1, 1);
    check_conv_case(3, 128, 5, 3, 130, 3, 1, 1, 1); /* Winograd weight gradient too */
    check_conv_case(2, 128, 4, 36, 128, 3, 1, 1, 0); /* ... with even sizes, > 16 tiles a row */
    check_conv_case(3, 64, 8, 8, 64, 3, 1, 1, 1);    /* ... at the 64-channel threshold */
    check_conv_case(2, 72, 6, 6, 66, 3, 1, 1, 0);    /* ... channels not a multiple of 16 */
    /* packed input transform (W / 2 in {2, 4, 8}: 16 / tw tile rows a vector, across images) */
    check_conv_case(130, 8, 4, 4, 8, 3, 1, 1, 1); /* chunk remainder, partial last group */
    check_conv_case(3, 9, 6, 8, 10, 3, 1, 1, 0);  /* th = 3: groups straddle images */
    check_conv_case(3, 8, 2, 16, 9, 3, 1, 1, 1);  /* tw = 8, th = 1 */
    check_conv_case(3, 64, 4, 4, 64, 3, 1, 1, 1);  /* packed dy transform (Winograd dw), tw = 2 */
    check_conv_case(3, 64, 6, 16, 64, 3, 1, 1, 0); /* ... tw = 8, th = 3 */
}

/* The digest tests below write their hash to $FSWEEP_DIGEST when it is set
 * (tests/engine/test_wino_avx2.sh compares two runs' digests). */
static void digest_write(uint64_t h)
{
    const char *path = getenv("FSWEEP_DIGEST");
    if (!path) return;
    FILE *f = fopen(path, "w");
    EXPECT_MSG(f != NULL, "cannot write %s", path);
    if (f) {
        EXPECT(fprintf(f, "%016llx\n", (unsigned long long)h) == 17);
        EXPECT(fclose(f) == 0);
    }
}

/* The Winograd outputs (forward, dx, dw, db) of shapes with partial tiles and tile rows of
 * every length, hashed: tests/engine/test_wino_avx2.sh runs this with and without
 * FSWEEP_NO_AVX2=1 and expects the same digest (the AVX2 loops do the scalar loops' additions in
 * the same order). Written to $FSWEEP_DIGEST when set; checks only that the shapes run. */
static void test_wino_digest(void)
{
    static const int cases[][5] = {/* n, cin, h, w, cout */
                                   {3, 9, 7, 5, 10},  {2, 8, 16, 16, 8},  {4, 20, 3, 6, 8},
                                   {2, 8, 9, 33, 12}, {3, 16, 5, 17, 8},  {2, 8, 1, 1, 16}, {3, 8, 8, 8, 8},
                                   {5, 8, 4, 4, 8},   {2, 12, 11, 23, 9}, {2, 8, 32, 32, 8}, {2, 8, 6, 12, 8}};
    uint64_t h = 0;
    for (size_t i = 0; i < FS_ARRAY_LEN(cases); i++) {
        const int n = cases[i][0], cin = cases[i][1], H = cases[i][2], W = cases[i][3], cout = cases[i][4];
        ConvArgs a;
        conv_args_init(&a, cin, H, W, cout, 3, 1, 1);
        EXPECT_MSG(conv_wino_ok(&a), "case %zu is a Winograd layer", i);
        Rng r = rng_derive(11, (uint64_t)i, RNG_STREAM_TEST);
        size_t xs = (size_t)n * cin * H * W, ws = (size_t)cout * cin * 9, ys = (size_t)n * cout * H * W;
        float *x = xmalloc(xs * 4), *wt = xmalloc(ws * 4), *b = xmalloc((size_t)cout * 4);
        float *y = xmalloc(ys * 4), *dy = xmalloc(ys * 4), *dx = xcalloc(xs, 4), *dw = xcalloc(ws, 4);
        float *db = xcalloc((size_t)cout, 4), *work = xmalloc(conv_ws_floats(&a, n) * 4 + 4);
        fill(x, xs, &r, 1);
        fill(wt, ws, &r, 1);
        fill(b, (size_t)cout, &r, 1);
        fill(dy, ys, &r, 1);
        conv2d_forward(&a, n, x, wt, b, y, work);
        conv2d_backward(&a, n, x, wt, dy, dx, dw, db, work);
        uint64_t p[5] = {h, fs_hash64(y, ys * 4), fs_hash64(dx, xs * 4), fs_hash64(dw, ws * 4),
                         fs_hash64(db, (size_t)cout * 4)};
        h = fs_hash64(p, sizeof p);
        free(x); free(wt); free(b); free(y); free(dy); free(dx); free(dw); free(db); free(work);
    }
    digest_write(h);
}

/* The weight gradients of 3x3 layers that conv_wgrad_direct takes (cin % 8 == 0, cout % 4 == 0,
 * stride 1 or 2; chunks of one image or many, KC slices that end inside an image, a chunk too
 * small for its channels-last copy, and one 64-channel Winograd layer that takes neither path),
 * against the double reference and hashed: tests/engine/test_wino_avx2.sh compares the digest
 * with FSWEEP_NO_AVX2=1, where the im2col + gemm path computes every dw. Written to
 * $FSWEEP_DIGEST when set. */
static void test_wgrad_digest(void)
{
    static const int cases[][6] = {/* n, cin, h, w, cout, stride */
                                   {3, 8, 7, 5, 8, 1},  {2, 16, 9, 9, 12, 2}, {5, 8, 4, 4, 4, 1},
                                   {2, 8, 32, 32, 8, 1}, {40, 8, 4, 4, 16, 2}, {3, 24, 6, 6, 8, 2},
                                   {33, 8, 5, 5, 4, 1}, {70, 8, 3, 3, 8, 2}, {4, 8, 2, 2, 8, 2},
                                   {2, 64, 4, 4, 64, 1}};
    uint64_t h = 0;
    for (size_t i = 0; i < FS_ARRAY_LEN(cases); i++) {
        const int n = cases[i][0], cin = cases[i][1], H = cases[i][2], W = cases[i][3], cout = cases[i][4];
        ConvArgs a;
        conv_args_init(&a, cin, H, W, cout, 3, cases[i][5], 1);
        Rng r = rng_derive(17, (uint64_t)i, RNG_STREAM_TEST);
        size_t xs = (size_t)n * cin * H * W, ws = (size_t)cout * cin * 9, ys = (size_t)n * cout * a.hout * a.wout;
        float *x = xmalloc(xs * 4), *wt = xmalloc(ws * 4), *dy = xmalloc(ys * 4), *dw = xmalloc(ws * 4);
        float *dwf = xcalloc(ws, 4), *work = xmalloc(conv_ws_floats(&a, n) * 4 + 4);
        fill(x, xs, &r, 1);
        fill(wt, ws, &r, 1);
        fill(dy, ys, &r, 1);
        fill(dw, ws, &r, 1); /* dw accumulates */
        memcpy(dwf, dw, ws * 4);
        conv2d_backward(&a, n, x, wt, dy, NULL, dw, NULL, work);
        conv2d_backward_ref(&a, n, x, wt, dy, NULL, dwf, NULL);
        const double e = rel_diff(dw, dwf, ws);
        EXPECT_MSG(e < 1e-5, "wgrad case %zu: rel diff %.3g", i, e);
        uint64_t p[2] = {h, fs_hash64(dw, ws * 4)};
        h = fs_hash64(p, sizeof p);
        free(x); free(wt); free(dy); free(dw); free(dwf); free(work);
    }
    digest_write(h);
}

/* Batch norm in training (forward with the batch statistics, running statistics, backward with
 * dx, dgamma, dbeta) and in eval mode, hashed over shapes whose channel counts take the 4-channel
 * AVX2 sums (C % 4 == 0) or not, and whose planes leave 0 to 3 elements past the 4-wide loop:
 * tests/engine/test_wino_avx2.sh runs it with and without FSWEEP_NO_AVX2=1 and expects the same
 * digest. Written to $FSWEEP_DIGEST when set. */
static void test_bn_digest(void)
{
    static const int cases[][5] = {/* n, C, h, w, relu */
                                   {3, 4, 7, 7, 0}, {2, 8, 5, 3, 1}, {2, 12, 4, 4, 0}, {3, 6, 3, 3, 1},
                                   {2, 4, 1, 1, 1}, {4, 16, 32, 32, 1}, {2, 5, 6, 2, 0}, {5, 8, 7, 1, 0}};
    uint64_t h = 0;
    for (size_t i = 0; i < FS_ARRAY_LEN(cases); i++) {
        const int n = cases[i][0], C = cases[i][1], H = cases[i][2], W = cases[i][3];
        Model *m = model_new_empty("bn", C, H, W, 1);
        EXPECT(model_finalize(m, mb_bn(m, "bn", 0, cases[i][4])) == FS_OK);
        EXPECT(model_reserve(m, n) == FS_OK);
        Rng r = rng_derive(13, (uint64_t)i, RNG_STREAM_TEST);
        fill(m->params, m->n_params, &r, 1);
        const size_t xs = (size_t)n * C * H * W;
        float *x = xmalloc(xs * 4), *dy = xmalloc(xs * 4);
        fill(x, xs, &r, 1);
        for (size_t q = 0; q < xs; q++) x[q] = 3.0f * x[q] + 0.5f; /* a mean away from 0 */
        fill(dy, xs, &r, 1);
        uint64_t p[6] = {h};
        for (int train = 1; train >= 0; train--) {
            p[1 + 2 * (1 - train)] = fs_hash64(model_forward(m, x, n, train), xs * 4);
            model_zero_grad(m);
            p[2 + 2 * (1 - train)] = fs_hash64(model_backward(m, dy, 1, 1), xs * 4);
        }
        p[5] = fs_hash64(m->grads, m->n_params * 4) ^ fs_hash64(m->buffers, 2 * (size_t)C * 4);
        h = fs_hash64(p, sizeof p);
        free(x);
        free(dy);
        model_free(m);
    }
    digest_write(h);
}

/* GELU (gelu.c) against the double reference gelu_ref: at most 8 ulp (a float's spacing at the
 * rounded reference) on [-14, 14] where |GELU(x)| > 1e-30, the derivative within 4e-7; and, on
 * an AVX2 CPU, the AVX2 twins bitwise equal to the scalar functions on the same values plus
 * specials (+-0, +-inf, NaN, the clamp, subnormals), lengths that leave a scalar tail. */
static void test_gelu_accuracy(void)
{
    const size_t n = 2800001 + 64;
    float *x = xmalloc(n * 4), *y = xmalloc(n * 4), *dy = xmalloc(n * 4), *dx = xmalloc(n * 4);
    Rng r = rng_derive(11, 0, RNG_STREAM_TEST);
    for (size_t q = 0; q < 2800001; q++) x[q] = (float)(-14.0 + 1e-5 * (double)q);
    for (size_t q = 2800001; q < n; q++) x[q] = (float)rng_uniform_range(&r, -4, 4);
    const float sp[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 12.5f, -12.5f, 12.500001f, -12.500001f,
                        1e-40f, -1e-40f, FLT_MIN, -FLT_MAX, FLT_MAX, 3e-8f, -3e-8f};
    memcpy(x + 2800001, sp, sizeof sp);
    double worst_ulp = 0, worst_x = 0, worst_g = 0;
    for (size_t q = 0; q < 2800001; q++) {
        double ref = gelu_ref((double)x[q]), got = (double)gelu_f(x[q]);
        if (fabs(ref) > 1e-30) {
            float rf = (float)fabs(ref);
            double ulp = fabs(got - ref) / (double)(nextafterf(rf, INFINITY) - rf);
            if (ulp > worst_ulp) worst_ulp = ulp, worst_x = (double)x[q];
        }
        double eg = fabs((double)gelu_grad_f(x[q]) - gelu_grad_ref((double)x[q]));
        if (eg > worst_g) worst_g = eg;
    }
    EXPECT_MSG(worst_ulp <= 8 && worst_g <= 4e-7, "GELU: %.2f ulp at x = %.7g (at most 8), derivative %.3g (at most 4e-7)",
               worst_ulp, worst_x, worst_g);
    EXPECT(gelu_f(0.0f) == 0.0f && gelu_f(20.0f) == 20.0f && gelu_f(-20.0f) == 0.0f && isnan(gelu_f(NAN)));
#if defined(__x86_64__) && defined(__GNUC__)
    if (simd_avx2()) {
        const size_t lens[] = {n, 7, 13};
        for (int li = 0; li < 3; li++) {
            const size_t len = lens[li];
            const float *xs = x + n - len; /* the specials are in the last 64 */
            size_t done = gelu_fwd_avx2(xs, y, len), bad = 0;
            for (size_t q = done; q < len; q++) y[q] = gelu_f(xs[q]);
            for (size_t q = 0; q < len; q++) {
                float ys = gelu_f(xs[q]);
                bad += memcmp(&ys, &y[q], 4) != 0;
                dy[q] = (float)(q % 7) - 3.0f;
                dx[q] = 0.25f;
            }
            done = gelu_bwd_avx2(xs, dy, dx, len);
            for (size_t q = done; q < len; q++) dx[q] += dy[q] * gelu_grad_f(xs[q]);
            for (size_t q = 0; q < len; q++) {
                float ds = 0.25f + dy[q] * gelu_grad_f(xs[q]);
                bad += memcmp(&ds, &dx[q], 4) != 0;
            }
            EXPECT_MSG(bad == 0, "GELU AVX2 vs scalar, length %zu: %zu values differ in bits", len, bad);
        }
    } else {
        printf("note: no AVX2: the AVX2 GELU is not compared\n");
    }
#endif
    free(x); free(y); free(dy); free(dx);
}

/* conv2d_forward_fused (bias + residual + ReLU in the epilogue) against the reference followed
 * by the separate add and ReLU, and bitwise against conv2d_forward plus those passes. */
static void check_conv_fused(int n, int cin, int h, int w, int cout, int k, int s, int p)
{
    ConvArgs a;
    conv_args_init(&a, cin, h, w, cout, k, s, p);
    Rng r = rng_derive(8, (uint64_t)(cin * 1000 + h * 10 + w), RNG_STREAM_TEST);
    size_t xs = (size_t)n * cin * h * w, ws = (size_t)cout * cin * k * k,
           ys = (size_t)n * cout * a.hout * a.wout;
    float *x = xmalloc(xs * 4), *wt = xmalloc(ws * 4), *b = xmalloc((size_t)cout * 4);
    float *res = xmalloc(ys * 4), *y = xmalloc(ys * 4), *yp = xmalloc(ys * 4), *yr = xmalloc(ys * 4);
    float *work = xmalloc(conv_ws_floats(&a, n) * 4 + 4);
    fill(x, xs, &r, 1);
    fill(wt, ws, &r, 1);
    fill(b, (size_t)cout, &r, 1);
    fill(res, ys, &r, 3);
    for (int variant = 0; variant < 3; variant++) { /* relu only, residual only, both */
        const float *rv = variant ? res : NULL;
        int relu = variant != 1;
        conv2d_forward_fused(&a, n, x, wt, b, rv, relu, y, work);
        conv2d_forward(&a, n, x, wt, b, yp, work);
        conv2d_forward_ref(&a, n, x, wt, b, yr);
        int same = 1;
        for (size_t q = 0; q < ys; q++) {
            float v = rv ? yp[q] + rv[q] : yp[q], vr = rv ? yr[q] + rv[q] : yr[q];
            yp[q] = relu ? (v > 0.0f ? v : 0.0f) : v;
            yr[q] = relu ? (vr > 0.0f ? vr : 0.0f) : vr;
            same &= memcmp(&yp[q], &y[q], sizeof(float)) == 0;
        }
        double e = rel_diff(y, yr, ys);
        EXPECT_MSG(same && e < 1e-5, "fused n%d cin%d %dx%d cout%d k%d s%d variant %d: bitwise %d, vs ref %.2g",
                   n, cin, h, w, cout, k, s, variant, same, e);
    }
    free(x); free(wt); free(b); free(res); free(y); free(yp); free(yr); free(work);
}

static void test_conv_fused(void)
{
    check_conv_fused(3, 9, 8, 8, 10, 3, 1, 1);   /* Winograd, even map */
    check_conv_fused(2, 8, 7, 5, 12, 3, 1, 1);   /* Winograd, odd map (partial tiles) */
    check_conv_fused(3, 8, 4, 4, 9, 3, 1, 1);    /* Winograd, small-plane output scatter */
    check_conv_fused(2, 9, 6, 4, 8, 3, 1, 1);    /* ... W 4 with an odd tile-row count */
    check_conv_fused(3, 8, 36, 20, 9, 3, 1, 1);  /* Winograd, > 8 tiles per row */
    check_conv_fused(2, 4, 9, 7, 6, 1, 2, 0);    /* im2col, one image per product */
    check_conv_fused(5, 16, 4, 4, 8, 1, 1, 0);   /* pointwise, batched small maps */
    check_conv_fused(3, 3, 40, 33, 5, 3, 2, 1);  /* stride 2 */
}

/* The engine's gemm (AVX-512 kernel where available) against the double-precision reference:
 * odd shapes across the 12x32 tile and the KC/MC/NC blocking, every transpose, alpha/beta, and
 * beta = 0 must not read C (NaN there stays out). */
static void test_gemm_vs_ref(void)
{
    static const int shapes[][3] = {{1, 1, 1},   {13, 37, 29},  {12, 32, 320}, {25, 65, 321},
                                    {121, 7, 5}, {3, 1537, 40}, {130, 70, 700}};
    float *ws = xmalloc(GEMM_WS_FLOATS * sizeof(float));
    Rng r = rng_derive(2, 0, RNG_STREAM_TEST);
    for (size_t s = 0; s < FS_ARRAY_LEN(shapes); s++)
        for (int t = 0; t < 8; t++) {
            int ta = t & 1, tb = (t >> 1) & 1, b0 = t >> 2;
            int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
            int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
            size_t as = (size_t)(ta ? K : M) * lda, bs = (size_t)(tb ? N : K) * ldb, cs = (size_t)M * ldc;
            float *A = xmalloc(as * 4), *B = xmalloc(bs * 4), *C = xmalloc(cs * 4), *C2 = xmalloc(cs * 4);
            fill(A, as, &r, 1);
            fill(B, bs, &r, 1);
            fill(C, cs, &r, 1);
            if (b0) C[0] = NAN;
            memcpy(C2, C, cs * 4);
            float beta = b0 ? 0.0f : 0.5f;
            gemm_f32(ta, tb, M, N, K, 0.75f, A, lda, B, ldb, beta, C, ldc, ws);
            linalg_sgemm_ref(ta, tb, M, N, K, 0.75f, A, lda, B, ldb, beta, C2, ldc);
            double worst = 0;
            for (int i = 0; i < M; i++)
                for (int j = 0; j < N; j++) {
                    double e = fabs((double)C[(size_t)i * ldc + j] - (double)C2[(size_t)i * ldc + j]);
                    worst = isnan(e) ? (double)INFINITY : fmax(worst, e / sqrt((double)K));
                }
            int pad_ok = 1; /* columns beyond N untouched */
            for (int i = 0; i < M; i++)
                if (memcmp(&C[(size_t)i * ldc + N], &C2[(size_t)i * ldc + N], 8)) pad_ok = 0;
            EXPECT_MSG(worst < 1e-5 && pad_ok, "%s %dx%dx%d ta%d tb%d beta %g: err %.2g", gemm_kernel_name(),
                       M, N, K, ta, tb, (double)beta, worst);
            free(A); free(B); free(C); free(C2);
        }
    free(ws);
}

/* Column-split threads change nothing: bitwise the same product with 1 and 3 threads. */
static void test_gemm_threads(void)
{
    const int M = 70, N = 300, K = 400;
    float *ws = xmalloc(GEMM_WS_FLOATS * sizeof(float));
    float *A = xmalloc((size_t)M * K * 4), *B = xmalloc((size_t)K * N * 4);
    float *C1 = xmalloc((size_t)M * N * 4), *C3 = xmalloc((size_t)M * N * 4);
    Rng r = rng_derive(8, 0, RNG_STREAM_TEST);
    fill(A, (size_t)M * K, &r, 1);
    fill(B, (size_t)K * N, &r, 1);
    int t0 = pool_threads();
    for (int tb = 0; tb < 2; tb++) {
        pool_set_threads(1);
        gemm_f32(0, tb, M, N, K, 1.0f, A, K, B, tb ? K : N, 0.0f, C1, N, ws);
        EXPECT_EQ_INT(pool_set_threads(3), 3);
        gemm_f32(0, tb, M, N, K, 1.0f, A, K, B, tb ? K : N, 0.0f, C3, N, ws);
        EXPECT(memcmp(C1, C3, (size_t)M * N * 4) == 0);
    }
    pool_set_threads(t0);
    free(ws); free(A); free(B); free(C1); free(C3);
}

/* <im2col(x), c> == <x, col2im(c)>: the two are adjoint. */
static void test_im2col_adjoint(void)
{
    ConvArgs a;
    conv_args_init(&a, 3, 7, 6, 1, 3, 2, 1);
    Rng r = rng_derive(3, 0, RNG_STREAM_TEST);
    int rows = 27, ld = a.hout * a.wout;
    size_t xs = 3 * 7 * 6, cs = (size_t)rows * ld;
    float *x = xmalloc(xs * 4), *c = xmalloc(cs * 4), *cx = xmalloc(cs * 4), *xc = xcalloc(xs, 4);
    fill(x, xs, &r, 1);
    fill(c, cs, &r, 1);
    conv_im2col(&a, x, cx, ld);
    conv_col2im_add(&a, c, ld, xc);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < cs; i++) s1 += (double)cx[i] * (double)c[i];
    for (size_t i = 0; i < xs; i++) s2 += (double)x[i] * (double)xc[i];
    EXPECT_NEAR(s1, s2, 1e-5 * (fabs(s1) + 1));
    free(x); free(c); free(cx); free(xc);
}

/* ---------------------------------------------------------------- finite differences */
typedef int (*BuildFn)(Model *m);

/* L = sum_i r_i y_i over the output, in double. */
static double probe_loss(Model *m, const float *x, int n, int train, const float *r, Rng saved)
{
    m->drop_rng = saved;
    const float *y = model_forward(m, x, n, train);
    double s = 0;
    size_t len = (size_t)n * tensor_size(&m->tensors[m->out]);
    for (size_t i = 0; i < len; i++) s += (double)y[i] * (double)r[i];
    return s;
}

/* Compare analytic and central-difference derivatives of every input and parameter element.
 * A symmetric relative error with a small absolute floor (float forward passes); elements
 * where the step crosses a kink (ReLU, max) are detected by a disagreement of the estimates
 * at h and h/2 and skipped; at most 5 % may be skipped. */
static void grad_check(const char *what, BuildFn build, int c, int h, int w, int n, int train)
{
    Model *m = model_new_empty(what, c, h, w, 11);
    int out = build(m);
    EXPECT_MSG(model_finalize(m, out) == FS_OK, "%s: %s", what, fs_last_error());
    if (m->build_status != FS_OK) {
        model_free(m);
        return;
    }
    EXPECT(model_reserve(m, n) == FS_OK);
    Rng rr = rng_derive(5, 0, RNG_STREAM_TEST);
    fill(m->params, m->n_params, &rr, 1);
    for (int i = 0; i < m->n_entries; i++) /* BN running var must stay positive */
        if (m->entries[i].kind == ENTRY_BUFFER)
            for (size_t j = 0; j < m->entries[i].len; j++)
                m->buffers[m->entries[i].off + j] = (float)rng_uniform_range(&rr, 0.5, 1.5);
    size_t xs = (size_t)n * c * h * w, ys = (size_t)n * tensor_size(&m->tensors[m->out]);
    float *x = xmalloc(xs * 4), *r = xmalloc(ys * 4), *gx = xmalloc(xs * 4);
    fill(x, xs, &rr, 1);
    fill(r, ys, &rr, 1);
    Rng saved = m->drop_rng;
    m->drop_rng = saved;
    model_forward(m, x, n, train);
    model_zero_grad(m);
    memcpy(gx, model_backward(m, r, 1, 1), xs * 4);
    float *gp = xmalloc((m->n_params + 1) * 4);
    memcpy(gp, m->grads, m->n_params * 4);
    int checked = 0, skipped = 0, bad = 0;
    const double hstep = 1e-2;
    for (int pass = 0; pass < 2; pass++) {
        float *v = pass == 0 ? x : m->params;
        const float *g = pass == 0 ? gx : gp;
        size_t len = pass == 0 ? xs : m->n_params;
        for (size_t i = 0; i < len; i++) {
            float v0 = v[i];
            double f[2];
            for (int s = 0; s < 2; s++) {
                double hh = s == 0 ? hstep : hstep / 2;
                v[i] = (float)((double)v0 + hh);
                double lp = probe_loss(m, x, n, train, r, saved);
                v[i] = (float)((double)v0 - hh);
                double lm = probe_loss(m, x, n, train, r, saved);
                f[s] = (lp - lm) / (2 * hh);
            }
            v[i] = v0;
            double an = (double)g[i];
            if (fabs(f[0] - f[1]) > 0.05 * (fabs(f[0]) + fabs(f[1])) + 1e-3) {
                skipped++;
                continue;
            }
            checked++;
            double fd = f[1];
            if (fabs(an - fd) > 1e-2 * (fabs(an) + fabs(fd)) + 2e-3) {
                if (bad < 5)
                    printf("    %s: %s[%zu] analytic %.6g numeric %.6g\n", what,
                           pass ? "param" : "input", i, an, fd);
                bad++;
            }
        }
    }
    EXPECT_MSG(bad == 0, "%s: %d of %d derivatives off", what, bad, checked);
    EXPECT_MSG(skipped <= (checked + skipped) / 20 + 1, "%s: %d kinks skipped of %d", what, skipped,
               checked + skipped);
    free(x); free(r); free(gx); free(gp);
    model_free(m);
}

static int b_conv(Model *m) { return mb_conv(m, "c", 0, 3, 3, 2, 1, 1); }
static int b_conv_nobias(Model *m) { return mb_conv(m, "c", 0, 2, 3, 1, 1, 0); }
static int b_conv_1x1(Model *m) { return mb_conv(m, "c", 0, 3, 1, 2, 0, 0); }
static int b_bn(Model *m) { return mb_bn(m, "bn", 0, 0); }
static int b_bn_relu(Model *m) { return mb_bn(m, "bn", 0, 1); }
static int b_relu(Model *m) { return mb_relu(m, 0); }
static int b_gelu(Model *m) { return mb_gelu(m, 0); }
static int b_maxpool(Model *m) { return mb_maxpool(m, 0, 3, 2, 1); }
static int b_maxpool2(Model *m) { return mb_maxpool(m, 0, 2, 2, 0); }
static int b_avgpool(Model *m) { return mb_avgpool(m, 0, 2, 2); }
static int b_gap(Model *m) { return mb_gap(m, 0); }
static int b_linear(Model *m) { return mb_linear(m, "fc", mb_flatten(m, 0), 2 * 3 * 3, 4, 1); }
static int b_linear_tok(Model *m) { return mb_linear(m, "fc", 0, 3, 5, 1); }
static int b_dropout(Model *m) { return mb_dropout(m, 0, 0.3); }
static int b_add(Model *m) { return mb_add(m, 0, mb_gelu(m, 0), 1); }
static int b_ln(Model *m) { return mb_layernorm(m, "ln", 0, 6, 1e-6); }
static int b_tokens(Model *m) { return mb_vit_tokens(m, "cls", "pos", mb_conv(m, "p", 0, 4, 2, 2, 0, 1)); }
static int b_mhsa(Model *m) { return mb_attention(m, "att", 0, 6, 2); }
static int b_mhsa_wide(Model *m) { return mb_attention(m, "att", 0, 12, 2); }
static int b_ln_wide(Model *m) { return mb_layernorm(m, "ln", 0, 12, 1e-6); }
static int b_cls(Model *m) { return mb_class_token(m, 0); }

static void test_grad_conv(void)
{
    grad_check("conv s2 p1 bias", b_conv, 2, 5, 6, 2, 1);
    grad_check("conv s1 p1", b_conv_nobias, 3, 4, 4, 2, 1);
    grad_check("conv 1x1 s2", b_conv_1x1, 2, 5, 5, 2, 1);
}
static void test_grad_bn(void)
{
    grad_check("bn train", b_bn, 3, 3, 4, 3, 1);
    grad_check("bn+relu train", b_bn_relu, 2, 4, 3, 3, 1);
    grad_check("bn eval", b_bn, 3, 3, 3, 2, 0);
    grad_check("bn train 6x5 (vector path)", b_bn, 2, 6, 5, 2, 1);
    grad_check("bn eval 5x6", b_bn, 2, 5, 6, 2, 0);
}
static void test_grad_activations(void)
{
    grad_check("relu", b_relu, 2, 3, 3, 2, 1);
    grad_check("gelu", b_gelu, 2, 3, 3, 2, 1);
    grad_check("dropout", b_dropout, 2, 3, 3, 2, 1);
    grad_check("add+relu", b_add, 2, 3, 3, 2, 1);
}
static void test_grad_pools(void)
{
    grad_check("maxpool k3 s2 p1", b_maxpool, 2, 5, 6, 2, 1);
    grad_check("maxpool k2", b_maxpool2, 2, 4, 4, 2, 1);
    grad_check("avgpool", b_avgpool, 2, 4, 6, 2, 1);
    grad_check("global avgpool", b_gap, 3, 3, 4, 2, 1);
}
static void test_grad_linear(void)
{
    grad_check("flatten+linear", b_linear, 2, 3, 3, 3, 1);
    grad_check("linear on tokens", b_linear_tok, 4, 3, 1, 2, 1);
}
static void test_grad_vit_parts(void)
{
    grad_check("layernorm", b_ln, 3, 6, 1, 2, 1);
    grad_check("patch embedding", b_tokens, 3, 4, 4, 2, 1);
    grad_check("attention", b_mhsa, 5, 6, 1, 2, 1);
    /* rows of 8 + 3 tokens and 8 + 4 features: the AVX2 softmax and layer norm with their tails */
    grad_check("attention 11 tokens", b_mhsa_wide, 11, 12, 1, 2, 1);
    grad_check("layernorm 12", b_ln_wide, 3, 12, 1, 2, 1);
    grad_check("class token", b_cls, 4, 3, 1, 2, 1);
}

/* Softmax cross-entropy: gradient w.r.t. logits by central differences in double. */
static void test_grad_xent(void)
{
    Rng r = rng_derive(1, 0, RNG_STREAM_TEST);
    const int n = 3, k = 5;
    float z[15], g[15];
    int32_t y[3] = {0, 4, 2};
    fill(z, 15, &r, 3);
    int correct = -1;
    double l0 = softmax_xent(z, y, n, k, 1.0f, g, &correct);
    EXPECT(isfinite(l0) && l0 > 0);
    EXPECT(correct >= 0 && correct <= n);
    for (int i = 0; i < n * k; i++) {
        float v = z[i];
        z[i] = v + 1e-2f;
        double lp = softmax_xent(z, y, n, k, 1.0f, NULL, NULL);
        z[i] = v - 1e-2f;
        double lm = softmax_xent(z, y, n, k, 1.0f, NULL, NULL);
        z[i] = v;
        double fd = (lp - lm) / (double)(2e-2f);
        EXPECT_NEAR(g[i], fd, 1e-3 * (fabs(fd) + fabs((double)g[i])) + 1e-5);
    }
    /* a huge logit stays finite */
    z[0] = 1e30f;
    EXPECT(isfinite(softmax_xent(z, y, n, k, 1.0f, g, NULL)));
}

/* BN running statistics follow PyTorch: momentum 0.1, unbiased running variance. */
static void test_bn_running_stats(void)
{
    Model *m = model_new_empty("bn", 1, 2, 1, 1);
    EXPECT(model_finalize(m, mb_bn(m, "bn", 0, 0)) == FS_OK);
    EXPECT(model_reserve(m, 2) == FS_OK);
    float x[4] = {1, 2, 3, 6}; /* mean 3, biased var 3.5, unbiased 14/3 */
    const float *y = model_forward(m, x, 2, 1);
    EXPECT_NEAR(m->buffers[0], 0.1 * 3, 1e-6);
    EXPECT_NEAR(m->buffers[1], 0.9 + 0.1 * 14.0 / 3.0, 1e-6);
    EXPECT_EQ_INT(m->counters[0], 1);
    EXPECT_NEAR(y[0], (1 - 3) / sqrt(3.5 + 1e-5), 1e-5);
    y = model_forward(m, x, 2, 0); /* eval: running statistics */
    EXPECT_NEAR(y[3], (6 - 0.3) / sqrt(0.9 + 0.1 * 14.0 / 3.0 + 1e-5), 1e-5);
    EXPECT_EQ_INT(m->counters[0], 1);
    model_free(m);
}

TEST_MAIN({"gelu_accuracy", test_gelu_accuracy}, {"wino_digest", test_wino_digest}, {"bn_digest", test_bn_digest}, {"wgrad_digest", test_wgrad_digest}, {"gemm_vs_ref", test_gemm_vs_ref}, {"gemm_threads", test_gemm_threads}, {"conv_vs_ref", test_conv_vs_ref},
          {"conv_fused", test_conv_fused}, {"im2col_adjoint", test_im2col_adjoint},
          {"grad_conv", test_grad_conv}, {"grad_bn", test_grad_bn},
          {"grad_activations", test_grad_activations}, {"grad_pools", test_grad_pools},
          {"grad_linear", test_grad_linear}, {"grad_vit_parts", test_grad_vit_parts},
          {"grad_xent", test_grad_xent}, {"bn_running_stats", test_bn_running_stats})
