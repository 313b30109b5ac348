/* test_pool.c: the engine's thread pool (every item exactly once, tids within the width, nested
 * loops inline, resizing) and the determinism rule it serves: convolutions and whole models give
 * bitwise the same outputs and gradients with 1, 2 and 3 threads (more threads than this
 * machine's cores on purpose). */
#include "harness.h"
#include "engine/layers.h"
#include "engine/model_impl.h"
#include "pool.h"
#include "rng.h"

#include <stdatomic.h>

typedef struct {
    atomic_int *hits; /* xcalloc'd */
    atomic_int bad_tid, nested_ok;
    int width;
} CountJob;

static void count_item(void *ctx, int item, int tid)
{
    CountJob *j = ctx;
    atomic_fetch_add(&j->hits[item], 1);
    if (tid < 0 || tid >= j->width || !pool_in_task()) atomic_fetch_add(&j->bad_tid, 1);
}

static void test_items_once(void)
{
    static const int sizes[] = {0, 1, 2, 7, 1000};
    for (int threads = 1; threads <= 5; threads += 2) {
        EXPECT_EQ_INT(pool_set_threads(threads), threads);
        EXPECT_EQ_INT(pool_threads(), threads);
        for (size_t s = 0; s < FS_ARRAY_LEN(sizes); s++)
            for (int width = 0; width <= 2; width++) {
                int n = sizes[s];
                CountJob j = {xcalloc((size_t)n + 1, sizeof(atomic_int)), 0, 0,
                              width == 0 || width > threads ? threads : width};
                for (int rep = 0; rep < 3; rep++) pool_for(n, width, count_item, &j);
                int wrong = 0;
                for (int i = 0; i < n; i++) wrong += atomic_load(&j.hits[i]) != 3;
                EXPECT_MSG(wrong == 0 && atomic_load(&j.bad_tid) == 0,
                           "threads %d width %d n %d: %d items not run 3 times, %d bad tids", threads,
                           width, n, wrong, atomic_load(&j.bad_tid));
                free(j.hits);
            }
        EXPECT(!pool_in_task());
    }
    pool_set_threads(1);
}

/* A pool_for inside an item runs inline: tid 0, on the same thread, in order. */
static void inner_item(void *ctx, int item, int tid)
{
    int *seq = ctx;
    if (tid == 0 && seq[0] == item) seq[0]++;
}
static void outer_item(void *ctx, int item, int tid)
{
    (void)tid;
    CountJob *j = ctx;
    int seq[1] = {0};
    pool_for(5, 0, inner_item, seq);
    if (seq[0] == 5 && pool_width(8) == 1) atomic_fetch_add(&j->nested_ok, 1);
    atomic_fetch_add(&j->hits[item], 1);
}
static void test_nested(void)
{
    pool_set_threads(3);
    EXPECT_EQ_INT(pool_width(8), 3);
    EXPECT_EQ_INT(pool_width(2), 2);
    CountJob j = {xcalloc(16, sizeof(atomic_int)), 0, 0, 3};
    pool_for(16, 0, outer_item, &j);
    EXPECT_EQ_INT(atomic_load(&j.nested_ok), 16);
    free(j.hits);
    pool_set_threads(1);
}

/* Block ranges tile [0, n) exactly; groups give >= threads groups when n allows. */
static void test_blocks_and_groups(void)
{
    static const size_t ns[] = {1, 15, 16, 17, 1000};
    for (size_t i = 0; i < FS_ARRAY_LEN(ns); i++) {
        size_t next = 0;
        int nb = pool_blocks(ns[i], 16);
        for (int b = 0; b < nb; b++) {
            size_t lo, hi;
            pool_block_range(ns[i], 16, b, &lo, &hi);
            EXPECT(lo == next && hi > lo && hi - lo <= 16);
            next = hi;
        }
        EXPECT(next == ns[i]);
    }
    EXPECT_EQ_INT(pool_blocks(0, 16), 0);
    EXPECT_EQ_INT(pool_group(64, 128, 2), 32); /* one chunk of 128 would leave a thread idle */
    EXPECT_EQ_INT(pool_group(64, 2, 2), 2);    /* 32 chunks already */
    EXPECT_EQ_INT(pool_group(9, 8, 3), 3);
    EXPECT_EQ_INT(pool_group(1, 8, 3), 1);
}

static void fill(float *p, size_t n, Rng *r)
{
    for (size_t i = 0; i < n; i++) p[i] = (float)rng_normal(r);
}

/* conv forward / backward (Winograd and im2col shapes, odd batches) with 1, 2, 3 threads:
 * bitwise equal */
static void test_conv_threads(void)
{
    static const int cases[][7] = {
        /* n cin h cout k s p */
        {9, 16, 16, 24, 3, 1, 1}, {5, 64, 8, 64, 3, 1, 1}, {7, 8, 9, 16, 3, 2, 1},
        {6, 16, 8, 32, 1, 2, 0},  {3, 3, 12, 8, 3, 1, 1},  {9, 16, 6, 16, 1, 1, 0},
    };
    for (size_t t = 0; t < FS_ARRAY_LEN(cases); t++) {
        const int *c = cases[t];
        float *out[3][3] = {{NULL}};
        size_t len[3] = {0};
        for (int threads = 1; threads <= 3; threads++) {
            pool_set_threads(threads);
            ConvArgs a;
            conv_args_init(&a, c[1], c[2], c[2], c[3], c[4], c[5], c[6]);
            EXPECT_EQ_INT(conv_threads(&a), threads);
            size_t xs = (size_t)c[0] * c[1] * c[2] * c[2], wsz = (size_t)c[3] * c[1] * c[4] * c[4],
                   ys = (size_t)c[0] * c[3] * a.hout * a.wout;
            float *x = xmalloc(xs * 4), *w = xmalloc(wsz * 4), *dy = xmalloc(ys * 4);
            float *work = xmalloc(conv_ws_floats(&a, c[0]) * 4);
            Rng r = rng_derive(11, t, RNG_STREAM_TEST);
            fill(x, xs, &r);
            fill(w, wsz, &r);
            fill(dy, ys, &r);
            out[0][threads - 1] = xmalloc(ys * 4);
            out[1][threads - 1] = xcalloc(xs, 4);
            out[2][threads - 1] = xcalloc(wsz, 4);
            conv2d_forward(&a, c[0], x, w, NULL, out[0][threads - 1], work);
            conv2d_backward(&a, c[0], x, w, dy, out[1][threads - 1], out[2][threads - 1], NULL, work);
            len[0] = ys;
            len[1] = xs;
            len[2] = wsz;
            free(x); free(w); free(dy); free(work);
        }
        for (int k = 0; k < 3; k++)
            for (int th = 1; th < 3; th++)
                EXPECT_MSG(memcmp(out[k][0], out[k][th], len[k] * 4) == 0,
                           "case %zu: %s differs between 1 and %d threads", t,
                           k == 0 ? "y" : k == 1 ? "dx" : "dw", th + 1);
        for (int k = 0; k < 3; k++)
            for (int th = 0; th < 3; th++) free(out[k][th]);
    }
    pool_set_threads(1);
}

/* One training step (forward in train mode, backward to parameters and input) and one
 * BN-folded eval pass per architecture with 1, 2, 3 threads: bitwise equal. */
static void test_model_threads(void)
{
    const char *archs[] = {"resnet18", "resnet50", "vgg11", "cnn", "vit_tiny"};
    const int n = MODEL_FOLD_MIN + 3, H = 16, K = 5;
    for (size_t ai = 0; ai < FS_ARRAY_LEN(archs); ai++) {
        ModelOptions o;
        model_options_default(&o);
        o.width = 1.0 / 8;
        float *ref[3] = {NULL};
        size_t len[3] = {0};
        for (int threads = 1; threads <= 3; threads++) {
            pool_set_threads(threads);
            Model *m = NULL;
            EXPECT(model_create(archs[ai], &o, 3, H, H, K, 7, &m) == FS_OK);
            if (!m) break;
            EXPECT(model_reserve(m, n) == FS_OK);
            const size_t s = 3 * (size_t)H * H;
            float *x = xmalloc(n * s * 4), *dl = xmalloc((size_t)n * K * 4);
            Rng r = rng_derive(12, ai, RNG_STREAM_TEST);
            fill(x, n * s, &r);
            fill(dl, (size_t)n * K, &r);
            /* logits (train), input gradient, parameter gradients, eval logits (folded) */
            size_t total = (size_t)n * K + n * s + m->n_params + (size_t)n * K;
            float *all = xmalloc(total * 4), *p = all;
            memcpy(p, model_forward(m, x, n, 1), (size_t)n * K * 4);
            p += (size_t)n * K;
            model_zero_grad(m);
            memcpy(p, model_backward(m, dl, 1, 1), n * s * 4);
            p += n * s;
            memcpy(p, m->grads, m->n_params * 4);
            p += m->n_params;
            memcpy(p, model_forward(m, x, n, 0), (size_t)n * K * 4);
            if (threads == 1) {
                ref[0] = all;
                len[0] = total;
            } else {
                EXPECT_MSG(memcmp(ref[0], all, total * 4) == 0, "%s: %d threads differ from 1",
                           archs[ai], threads);
                free(all);
            }
            free(x);
            free(dl);
            model_free(m);
        }
        free(ref[0]);
        (void)len;
    }
    pool_set_threads(1);
}

/* A model reserved with 1 thread keeps working (and resizes its workspace) when the team grows. */
static void test_model_grows(void)
{
    pool_set_threads(1);
    ModelOptions o;
    model_options_default(&o);
    o.width = 1.0 / 8;
    Model *m = NULL;
    EXPECT(model_create("resnet18", &o, 3, 16, 16, 4, 3, &m) == FS_OK);
    if (!m) return;
    EXPECT(model_reserve(m, 6) == FS_OK);
    float *x = xcalloc(6 * 3 * 16 * 16, 4), z1[24];
    Rng r = rng_derive(13, 0, RNG_STREAM_TEST);
    fill(x, 6 * 3 * 16 * 16, &r);
    memcpy(z1, model_forward(m, x, 6, 0), sizeof z1);
    pool_set_threads(3);
    const float *z3 = model_forward(m, x, 6, 0);
    EXPECT_EQ_INT(m->ws_threads, 3);
    EXPECT_EQ_INT(m->n_max, 6);
    EXPECT(memcmp(z1, z3, sizeof z1) == 0);
    free(x);
    model_free(m);
    pool_set_threads(1);
}

TEST_MAIN({"items_once", test_items_once}, {"nested", test_nested}, {"blocks_and_groups", test_blocks_and_groups},
          {"conv_threads", test_conv_threads}, {"model_threads", test_model_threads},
          {"model_grows", test_model_grows})
