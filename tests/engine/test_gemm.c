/* test_gemm.c: the engine's matrix product (src/engine/gemm.c). gemm_f32 and the packed-operand
 * variants (gemm_f32_pa, gemm_f32_pp, gemm_f32_pp_ref) against linalg_sgemm_ref (relative
 * error < 1e-5) on odd shapes (M, N, K not multiples of MR / NR / MC / KC, K > KC, N > NC),
 * both trans flags, beta 0 / 1 / other; the variants BITWISE equal to gemm_f32 (AVX-512 CPUs:
 * same KC slices and kernel); gemm_f32 independent of how columns / rows are split into calls
 * and of the thread count; the packed-B index function against gemm_pack_b_full. */
#include "engine/gemm.h"
#include "harness.h"
#include "linalg.h"
#include "rng.h"
#include "util.h"

typedef struct {
    int M, N, K;
} Dims;

/* M, N, K straddling MR = 12, NR = 32, MC, KC, NC (K > KC, N > NC); edge tiles 1..31 wide.
 * alpha 0.3 / -0.7 (not powers of two) so that a fused and an unfused update differ. */
static const Dims dims[] = {{1, 1, 1},     {12, 32, 16},  {13, 45, 7},  {37, 90, 333},
                            {25, 1600, 20}, {130, 33, 650}, {7, 1570, 341}, {24, 64, 640},
                            {8, 8, 700}, /* a weight gradient of 8 x 8 channels (half_12x8) */
                            /* panels of 4 or 7-8 rows (4-row blocks) and of 5-6 (a 6-row quarter):
                             * whole, through the tile, after a 12-row panel */
                            {16, 64, 24}, {8, 96, 9}, {20, 48, 33}, {6, 40, 5}, {17, 64, 10},
                            {5, 64, 12}};
static const float betas[] = {0.0f, 1.0f, -0.75f};

static int simd(void) { return strcmp(gemm_kernel_name(), "openblas") != 0; }

static float *rand_buf(size_t n, int seed)
{
    float *v = xmalloc((n ? n : 1) * sizeof(float));
    Rng r = rng_derive(11, seed, RNG_STREAM_TEST);
    for (size_t i = 0; i < n; i++) v[i] = 2.0f * (float)rng_uniform(&r) - 1.0f;
    return v;
}

/* max |c - ref| / max(|ref|, 1); NaN where exactly one of the two is NaN (both NaN: the
 * untouched padding of a beta = 0 case) */
static double rel_err(const float *c, const float *ref, size_t n)
{
    double num = 0, den = 1;
    for (size_t i = 0; i < n; i++) {
        if (isnan(c[i]) && isnan(ref[i])) continue;
        double d = fabs((double)c[i] - (double)ref[i]), r = fabs((double)ref[i]);
        if (isnan(d)) return NAN;
        if (d > num) num = d;
        if (r > den) den = r;
    }
    return num / den;
}

/* One (shape, flags, alpha, beta) case: every variant against the oracle, and bitwise against
 * gemm_f32 where the AVX-512 kernel runs. ldc > N and lda / ldb > the row length. */
static void check_case(int ta, int tb, int M, int N, int K, float alpha, float beta, int seed)
{
    int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
    size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb, nc = (size_t)M * ldc;
    float *A = rand_buf(na, seed), *B = rand_buf(nb, seed + 1), *C0 = rand_buf(nc, seed + 2);
    float *ref = xmalloc(nc * sizeof(float)), *c = xmalloc(nc * sizeof(float));
    float *got = xmalloc(nc * sizeof(float));
    float *ws = xmalloc(GEMM_WS_FLOATS * sizeof(float));
    size_t npa = gemm_packed_a_floats(M, K), npb = gemm_packed_b_floats(K, N);
    float *pa = xmalloc((npa ? npa : 1) * sizeof(float)), *pb = xmalloc((npb ? npb : 1) * sizeof(float));
    if (beta == 0.0f) /* beta = 0 must never read C */
        for (size_t i = 0; i < nc; i++) C0[i] = NAN;
    memcpy(ref, C0, nc * sizeof(float));
    linalg_sgemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, ref, ldc);
    memcpy(c, C0, nc * sizeof(float));
    gemm_f32(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, c, ldc, ws);
    double e = rel_err(c, ref, nc);
    EXPECT_MSG(e < 1e-5, "gemm_f32 ta %d tb %d %dx%dx%d beta %g: rel err %.3g", ta, tb, M, N, K,
               (double)beta, e);

    gemm_pack_a_full(ta, M, K, A, lda, pa);
    gemm_pack_b_full(tb, K, N, B, ldb, pb);
    for (int v = 0; v < 3; v++) {
        memcpy(got, C0, nc * sizeof(float));
        const char *name = v == 0 ? "gemm_f32_pa" : v == 1 ? "gemm_f32_pp" : "gemm_f32_pp_ref";
        if (v == 0) gemm_f32_pa(tb, M, N, K, alpha, pa, B, ldb, beta, got, ldc, ws);
        else if (v == 1) gemm_f32_pp(M, N, K, alpha, pa, pb, beta, got, ldc);
        else gemm_f32_pp_ref(M, N, K, alpha, pa, pb, beta, got, ldc);
        e = rel_err(got, ref, nc);
        EXPECT_MSG(e < 1e-5, "%s ta %d tb %d %dx%dx%d beta %g: rel err %.3g", name, ta, tb, M, N,
                   K, (double)beta, e);
        if (simd())
            EXPECT_MSG(memcmp(got, c, nc * sizeof(float)) == 0,
                       "%s ta %d tb %d %dx%dx%d beta %g: not bitwise gemm_f32", name, ta, tb, M,
                       N, K, (double)beta);
    }
    free(A);
    free(B);
    free(C0);
    free(ref);
    free(c);
    free(got);
    free(ws);
    free(pa);
    free(pb);
}

static void test_gemm_variants_match_ref_and_bitwise(void)
{
    int seed = 0;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int t = 0; t < 4; t++)
            for (int b = 0; b < 3; b++, seed += 3)
                check_case(t & 1, t >> 1, dims[d].M, dims[d].N, dims[d].K,
                           b == 0 ? 1.0f : b == 1 ? 0.3f : -0.7f, betas[b], seed);
}

/* K = 0 or alpha = 0: C = beta C (beta = 0 clears NaN) for every variant */
static void test_gemm_degenerate(void)
{
    check_case(0, 0, 5, 40, 0, 1.0f, 0.5f, 100);
    check_case(0, 1, 5, 40, 0, 1.0f, 0.0f, 103);
    check_case(1, 0, 13, 33, 17, 0.0f, -2.0f, 106);
    check_case(0, 0, 13, 33, 17, 0.0f, 0.0f, 109);
}

/* bitwise equal with the AVX-512 kernel; within 1e-5 on the OpenBLAS fallback, which makes no
 * such promise (nor does the scalar packed path match OpenBLAS bit for bit) */
static int same(const float *a, const float *b, size_t n)
{
    return simd() ? memcmp(a, b, n * sizeof(float)) == 0 : rel_err(a, b, n) < 1e-5;
}

/* gemm_f32 on column ranges [c0, c1) (any split, not only whole NR panels) and on row ranges
 * gives the bytes of one call: the engine's thread-count determinism rests on this. The same
 * for gemm_f32_pp on NR-aligned column parts of one packed B (pointer offsets) and for
 * gemm_f32_pa on any column parts. */
static void test_gemm_split_independent(void)
{
    const int M = 29, N = 1601, K = 700, ld = N;
    float *A = rand_buf((size_t)M * K, 200), *B = rand_buf((size_t)K * N, 201);
    float *full = xmalloc((size_t)M * N * sizeof(float)), *part = xmalloc((size_t)M * N * sizeof(float));
    float *ws = xmalloc(GEMM_WS_FLOATS * sizeof(float));
    float *Bt = xmalloc((size_t)K * N * sizeof(float)); /* B^T (N x K) for the transb path */
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++) Bt[(size_t)j * K + k] = B[(size_t)k * N + j];
    const int cuts[][4] = {{0, 1, 600, N}, {0, 32, 1536, N}, {0, 17, 18, N}, {0, 800, 801, N}};
    for (int tb = 0; tb < 2; tb++) {
        const float *Bx = tb ? Bt : B;
        int ldb = tb ? K : N;
        gemm_f32(0, tb, M, N, K, 1.0f, A, K, Bx, ldb, 0.0f, full, ld, ws);
        for (int s = 0; s < 4; s++) {
            memset(part, 0, (size_t)M * N * sizeof(float));
            for (int p = 0; p < 3; p++) {
                int c0 = cuts[s][p], c1 = cuts[s][p + 1];
                gemm_f32(0, tb, M, c1 - c0, K, 1.0f, A, K, tb ? Bx + (size_t)c0 * K : Bx + c0,
                         ldb, 0.0f, part + c0, ld, ws);
            }
            EXPECT_MSG(same(full, part, (size_t)M * N), "tb %d column cuts %d %d: differs from one call",
                       tb, cuts[s][1], cuts[s][2]);
        }
        /* rows: [0, 5) [5, 29) */
        memset(part, 0, (size_t)M * N * sizeof(float));
        gemm_f32(0, tb, 5, N, K, 1.0f, A, K, Bx, ldb, 0.0f, part, ld, ws);
        gemm_f32(0, tb, M - 5, N, K, 1.0f, A + (size_t)5 * K, K, Bx, ldb, 0.0f,
                 part + (size_t)5 * ld, ld, ws);
        EXPECT_MSG(same(full, part, (size_t)M * N), "tb %d row split", tb);
    }
    /* threads: 2 column parts in gemm_f32's dispatch */
    linalg_set_threads(2);
    gemm_f32(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, part, ld, ws);
    linalg_set_threads(1);
    gemm_f32(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, full, ld, ws);
    EXPECT(same(full, part, (size_t)M * N));
    /* packed: columns [0, 64) [64, 1600) [1600, N) from one packed B, rows [0, 12) [12, M) */
    float *pa = xmalloc(gemm_packed_a_floats(M, K) * sizeof(float));
    float *pb = xmalloc(gemm_packed_b_floats(K, N) * sizeof(float));
    gemm_pack_a_full(0, M, K, A, K, pa);
    gemm_pack_b_full(0, K, N, B, N, pb);
    memset(part, 0, (size_t)M * N * sizeof(float));
    const int pc[] = {0, 64, 1600, N};
    for (int p = 0; p < 3; p++) {
        float *pbc = pb + gemm_packed_b_index(K, N, 0, pc[p]);
        gemm_f32_pp(12, pc[p + 1] - pc[p], K, 1.0f, pa, pbc, 0.0f, part + pc[p], ld);
        gemm_f32_pp(M - 12, pc[p + 1] - pc[p], K, 1.0f, pa + (size_t)12 * K, pbc, 0.0f,
                    part + (size_t)12 * ld + pc[p], ld);
    }
    EXPECT(same(full, part, (size_t)M * N));
    /* gemm_f32_pa on column parts [0, 17) [17, N) of B (in place and transposed) */
    for (int tb = 0; tb < 2; tb++) {
        memset(part, 0, (size_t)M * N * sizeof(float));
        gemm_f32_pa(tb, M, 17, K, 1.0f, pa, tb ? Bt : B, tb ? K : N, 0.0f, part, ld, ws);
        gemm_f32_pa(tb, M, N - 17, K, 1.0f, pa, tb ? Bt + (size_t)17 * K : B + 17, tb ? K : N,
                    0.0f, part + 17, ld, ws);
        EXPECT_MSG(same(full, part, (size_t)M * N), "gemm_f32_pa tb %d column parts", tb);
    }
    free(A);
    free(B);
    free(Bt);
    free(full);
    free(part);
    free(ws);
    free(pa);
    free(pb);
}

/* gemm_pack_b_full puts B(k, j) at gemm_packed_b_index and zeros in the padding columns; a
 * producer writing through the index (16 columns at a time) feeds gemm_f32_pp the same bytes. */
static void test_gemm_packed_b_index(void)
{
    const int K = 341, N = 70; /* 3 panels, the last one 6 wide */
    float *B = rand_buf((size_t)K * N, 300);
    size_t n = gemm_packed_b_floats(K, N);
    EXPECT_EQ_INT(n, (size_t)96 * K);
    EXPECT_EQ_INT(gemm_packed_a_floats(13, 5), 24 * 5);
    EXPECT_EQ_INT(gemm_packed_b_floats(0, 5), 0);
    float *pb = xmalloc(n * sizeof(float)), *mine = xcalloc(n, sizeof(float));
    gemm_pack_b_full(0, K, N, B, N, pb);
    int bad = 0, badpad = 0;
    for (int k = 0; k < K; k++) {
        for (int j = 0; j < N; j++) bad += pb[gemm_packed_b_index(K, N, k, j)] != B[(size_t)k * N + j];
        for (int j = N; j < 96; j++) badpad += pb[gemm_packed_b_index(K, N, k, j)] != 0.0f;
        for (int j = 0; j < N; j += 16) { /* producer: 16 consecutive floats per (k, j) */
            float *dst = mine + gemm_packed_b_index(K, N, k, j);
            for (int t = 0; t < 16; t++) dst[t] = j + t < N ? B[(size_t)k * N + j + t] : 0.0f;
        }
    }
    EXPECT_EQ_INT(bad, 0);
    EXPECT_EQ_INT(badpad, 0);
    EXPECT(memcmp(pb, mine, n * sizeof(float)) == 0);
    free(B);
    free(pb);
    free(mine);
}

TEST_MAIN({"gemm_variants_match_ref_and_bitwise", test_gemm_variants_match_ref_and_bitwise},
          {"gemm_degenerate", test_gemm_degenerate},
          {"gemm_split_independent", test_gemm_split_independent},
          {"gemm_packed_b_index", test_gemm_packed_b_index})
