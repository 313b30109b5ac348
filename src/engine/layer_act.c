/* layer_act.c: activations and the other elementwise layers: ReLU, GELU (erf form; its
 * function in gelu.c), dropout and the residual add (with its fused ReLU). ReLU, GELU and the
 * add split into blocks over the engine's pool; layer_relu_mask (ReLU's gradient mask) also
 * serves batch norm's fused ReLU. Conventions as in layers.h. */
#include "layers.h"
#include "pool.h"
#include "simd.h"

#include <math.h>
#include <string.h>

#ifdef LAYERS_X86
#include <immintrin.h>

/* dy[q] = 0 where !(y[q] > 0) (NaN included); then, with da, db: da += dy, db += dy. */
__attribute__((target("avx512f"))) static void relu_mask_avx512(const float *y, float *dy, size_t len,
                                                                  float *da, float *db)
{
    for (size_t q = 0; q < len; q += 16) {
        __mmask16 m = len - q >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (len - q)) - 1);
        __m512 g = _mm512_maskz_loadu_ps(m, dy + q);
        if (y) {
            __mmask16 pos = _mm512_mask_cmp_ps_mask(m, _mm512_maskz_loadu_ps(m, y + q),
                                                    _mm512_setzero_ps(), _CMP_GT_OQ);
            g = _mm512_maskz_mov_ps(pos, g);
            _mm512_mask_storeu_ps(dy + q, m, g);
        }
        if (da) _mm512_mask_storeu_ps(da + q, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, da + q), g));
        if (db) _mm512_mask_storeu_ps(db + q, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, db + q), g));
    }
}

/* y = a + b, then max(y, 0) (NaN -> 0) when relu */
__attribute__((target("avx512f"))) static void add_avx512(const float *a, const float *b, float *y,
                                                            size_t len, int relu)
{
    for (size_t q = 0; q < len; q += 16) {
        __mmask16 m = len - q >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (len - q)) - 1);
        __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, a + q), _mm512_maskz_loadu_ps(m, b + q));
        if (relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
        _mm512_mask_storeu_ps(y + q, m, v);
    }
}

/* AVX2 twins of the scalar loops below (simd.h: the same operations, so bitwise the same), on
 * the first len / 8 * 8 elements; each returns how many it did. */
/* relu_mask_avx512's work: dy zeroed where !(y > 0); da += dy, db += dy */
__attribute__((target("avx2"))) static size_t relu_mask_avx2(const float *y, float *dy, size_t len,
                                                              float *da, float *db)
{
    size_t q = 0;
    for (; q + 8 <= len; q += 8) {
        __m256 g = _mm256_loadu_ps(dy + q);
        if (y) {
            g = _mm256_and_ps(g, _mm256_cmp_ps(_mm256_loadu_ps(y + q), _mm256_setzero_ps(), _CMP_GT_OQ));
            _mm256_storeu_ps(dy + q, g);
        }
        if (da) _mm256_storeu_ps(da + q, _mm256_add_ps(_mm256_loadu_ps(da + q), g));
        if (db) _mm256_storeu_ps(db + q, _mm256_add_ps(_mm256_loadu_ps(db + q), g));
    }
    return q;
}
/* y = a + b (b NULL: y = a), then max(y, 0) when relu (NaN and -0 -> +0, as v > 0 ? v : 0) */
__attribute__((target("avx2"))) static size_t add_avx2(const float *a, const float *b, float *y,
                                                        size_t len, int relu)
{
    size_t q = 0;
    for (; q + 8 <= len; q += 8) {
        __m256 v = _mm256_loadu_ps(a + q);
        if (b) v = _mm256_add_ps(v, _mm256_loadu_ps(b + q));
        if (relu) v = _mm256_max_ps(v, _mm256_setzero_ps());
        _mm256_storeu_ps(y + q, v);
    }
    return q;
}
/* da += dy where a > 0 (elsewhere da untouched, -0 kept) */
__attribute__((target("avx2"))) static size_t relu_bwd_avx2(const float *a, const float *dy, float *da,
                                                             size_t len)
{
    size_t q = 0;
    for (; q + 8 <= len; q += 8) {
        __m256 d = _mm256_loadu_ps(da + q);
        __m256 pos = _mm256_cmp_ps(_mm256_loadu_ps(a + q), _mm256_setzero_ps(), _CMP_GT_OQ);
        _mm256_storeu_ps(da + q, _mm256_blendv_ps(d, _mm256_add_ps(d, _mm256_loadu_ps(dy + q)), pos));
    }
    return q;
}
#endif

void layer_relu_mask(const float *y, float *dy, size_t len)
{
#ifdef LAYERS_X86
    if (layer_have_avx512()) {
        relu_mask_avx512(y, dy, len, NULL, NULL);
        return;
    }
    size_t q0 = simd_avx2() ? relu_mask_avx2(y, dy, len, NULL, NULL) : 0;
#else
    size_t q0 = 0;
#endif
    for (size_t q = q0; q < len; q++)
        if (!(y[q] > 0)) dy[q] = 0;
}

/* ---------------------------------------------------------------- relu, gelu */
/* Elementwise passes (ReLU, GELU, residual add) split into blocks of EW_BLOCK floats over the pool. */
#define EW_BLOCK 16384
typedef enum { EW_RELU_FWD, EW_RELU_BWD, EW_GELU_FWD, EW_GELU_BWD, EW_ADD_FWD, EW_ADD_BWD } EwOp;
typedef struct {
    EwOp op;
    int relu;
    size_t len;
    const float *a, *b; /* inputs (x; or the add's two inputs) */
    float *y, *dy;      /* output values / gradient */
    float *da, *db;     /* input gradients */
} EwJob;

static void ew_item(void *ctx, int item, int tid)
{
    FS_UNUSED(tid);
    const EwJob *j = ctx;
    size_t lo, hi;
    pool_block_range(j->len, EW_BLOCK, item, &lo, &hi);
    const size_t len = hi - lo;
    size_t done = 0; /* elements the AVX2 twin did (the scalar loop does the rest) */
#ifdef LAYERS_X86
    const int avx2 = simd_avx2();
#endif
    switch (j->op) {
    case EW_RELU_FWD:
#ifdef LAYERS_X86
        if (avx2) done = add_avx2(j->a + lo, NULL, j->y + lo, len, 1);
#endif
        for (size_t q = lo + done; q < lo + len; q++) j->y[q] = j->a[q] > 0 ? j->a[q] : 0;
        break;
    case EW_RELU_BWD:
#ifdef LAYERS_X86
        if (avx2) done = relu_bwd_avx2(j->a + lo, j->dy + lo, j->da + lo, len);
#endif
        for (size_t q = lo + done; q < lo + len; q++)
            if (j->a[q] > 0) j->da[q] += j->dy[q];
        break;
    case EW_GELU_FWD:
#ifdef LAYERS_X86
        if (avx2) done = gelu_fwd_avx2(j->a + lo, j->y + lo, len);
#endif
        for (size_t q = lo + done; q < lo + len; q++) j->y[q] = gelu_f(j->a[q]);
        break;
    case EW_GELU_BWD:
#ifdef LAYERS_X86
        if (avx2) done = gelu_bwd_avx2(j->a + lo, j->dy + lo, j->da + lo, len);
#endif
        for (size_t q = lo + done; q < lo + len; q++) j->da[q] += j->dy[q] * gelu_grad_f(j->a[q]);
        break;
    case EW_ADD_FWD:
#ifdef LAYERS_X86
        if (layer_have_avx512()) {
            add_avx512(j->a + lo, j->b + lo, j->y + lo, len, j->relu);
            break;
        }
        if (avx2) done = add_avx2(j->a + lo, j->b + lo, j->y + lo, len, j->relu);
#endif
        for (size_t q = lo + done; q < lo + len; q++) {
            float v = j->a[q] + j->b[q];
            j->y[q] = j->relu ? (v > 0 ? v : 0) : v;
        }
        break;
    case EW_ADD_BWD:
#ifdef LAYERS_X86
        if (layer_have_avx512()) {
            relu_mask_avx512(j->relu ? j->y + lo : NULL, j->dy + lo, len, j->da + lo, j->db + lo);
            break;
        }
        if (avx2) done = relu_mask_avx2(j->relu ? j->y + lo : NULL, j->dy + lo, len, j->da + lo, j->db + lo);
#endif
        if (j->relu) layer_relu_mask(j->y + lo + done, j->dy + lo + done, len - done);
        for (size_t q = lo + done; q < lo + len; q++) {
            j->da[q] += j->dy[q];
            j->db[q] += j->dy[q];
        }
        break;
    }
}

static void ew_run(EwJob *j) { pool_for(pool_blocks(j->len, EW_BLOCK), 0, ew_item, j); }

static void relu_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_RELU_FWD, .len = (size_t)c->n * tensor_size(LAYER_IN0(l, t)), .a = LAYER_IN0(l, t)->v,
               .y = LAYER_OUT(l, t)->v};
    ew_run(&j);
}
static void relu_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_RELU_BWD, .len = (size_t)c->n * tensor_size(LAYER_IN0(l, t)), .a = LAYER_IN0(l, t)->v,
               .dy = LAYER_OUT(l, t)->g, .da = LAYER_IN0(l, t)->g};
    ew_run(&j);
}
static void gelu_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_GELU_FWD, .len = (size_t)c->n * tensor_size(LAYER_IN0(l, t)), .a = LAYER_IN0(l, t)->v,
               .y = LAYER_OUT(l, t)->v};
    ew_run(&j);
}
static void gelu_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_GELU_BWD, .len = (size_t)c->n * tensor_size(LAYER_IN0(l, t)), .a = LAYER_IN0(l, t)->v,
               .dy = LAYER_OUT(l, t)->g, .da = LAYER_IN0(l, t)->g};
    ew_run(&j);
}
/* ---------------------------------------------------------------- dropout */
static size_t dropout_cache(const Layer *l, const Tensor *t, int n)
{
    return (size_t)n * tensor_size(LAYER_IN0(l, t));
}
static void dropout_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    size_t len = (size_t)c->n * tensor_size(LAYER_IN0(l, t));
    const float *x = LAYER_IN0(l, t)->v;
    float *y = LAYER_OUT(l, t)->v;
    if (!c->train || l->p <= 0) {
        memcpy(y, x, sizeof(float) * len);
        return;
    }
    const float keep = 1.0f / (1.0f - l->p);
    unsigned char *mask = l->cache;
    for (size_t q = 0; q < len; q++) {
        mask[q] = rng_uniform(c->rng) >= (double)l->p;
        y[q] = mask[q] ? x[q] * keep : 0.0f;
    }
}
static void dropout_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    size_t len = (size_t)c->n * tensor_size(LAYER_IN0(l, t));
    const float *dy = LAYER_OUT(l, t)->g;
    float *dx = LAYER_IN0(l, t)->g;
    if (!c->train || l->p <= 0) {
        for (size_t q = 0; q < len; q++) dx[q] += dy[q];
        return;
    }
    const float keep = 1.0f / (1.0f - l->p);
    const unsigned char *mask = l->cache;
    for (size_t q = 0; q < len; q++)
        if (mask[q]) dx[q] += dy[q] * keep;
}

/* ---------------------------------------------------------------- residual add */
static FsStatus add_shape(Layer *l, const Tensor *a, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(l);
    if (a->c != b->c || a->h != b->h || a->w != b->w)
        return fs_errorf(FS_ERR_CONFIG, "add: shapes (%d,%d,%d) and (%d,%d,%d) differ", a->c, a->h,
                         a->w, b->c, b->h, b->w);
    *c = a->c;
    *h = a->h;
    *w = a->w;
    return FS_OK;
}
static void add_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_ADD_FWD, .relu = l->relu, .len = (size_t)c->n * tensor_size(LAYER_IN0(l, t)),
               .a = LAYER_IN0(l, t)->v, .b = t[l->in1].v, .y = LAYER_OUT(l, t)->v};
    ew_run(&j);
}
static void add_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    EwJob j = {.op = EW_ADD_BWD, .relu = l->relu, .len = (size_t)c->n * tensor_size(LAYER_IN0(l, t)),
               .y = LAYER_OUT(l, t)->v, .dy = LAYER_OUT(l, t)->g, .da = LAYER_IN0(l, t)->g, .db = t[l->in1].g};
    ew_run(&j);
}

const LayerOps layer_ops_relu = {LAYER_RELU, "relu", layer_same_shape, layer_no_bytes,
                                 layer_no_bytes, relu_fwd, relu_bwd};
const LayerOps layer_ops_gelu = {LAYER_GELU, "gelu", layer_same_shape, layer_no_bytes,
                                 layer_no_bytes, gelu_fwd, gelu_bwd};
const LayerOps layer_ops_dropout = {LAYER_DROPOUT, "dropout", layer_same_shape, dropout_cache,
                                    layer_no_bytes, dropout_fwd, dropout_bwd};
const LayerOps layer_ops_add = {LAYER_ADD, "add", add_shape, layer_no_bytes, layer_no_bytes,
                                add_fwd, add_bwd};
