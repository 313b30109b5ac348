/* layers.h: the NN engine's layers, implemented by layers.c (the LayerOps table) and one
 * layer_*.c file per family: layer_conv.c (convolution), layer_norm.c (batch and layer norm),
 * layer_act.c (ReLU, GELU, dropout, residual add), layer_pool.c (max, average, global average),
 * layer_dense.c (linear, flatten), layer_attn.c (ViT tokens, self-attention, class token) and
 * layer_loss.c (softmax cross-entropy). Holds tensors, the Layer base with its LayerOps table,
 * and the helpers the families share (static inline here). Used by model.c, model_build.c and
 * the engine's tests; analyses use model.h / classifier.h instead. The convolution kernels have
 * their own header, conv.h.
 *
 * Layout: float32, NCHW. A Tensor is (n, c, h, w) with n <= n_max; token tensors of a ViT are
 * (n, T, D, 1), so "rows" of a row-wise layer (linear, layer norm) are the n*c*h*w/dim vectors
 * of length dim that are contiguous in memory.
 * Conventions: x = input tensor values, y = output values, dx/dy their gradients.
 * Ownership: tensors' v/g, layers' caches and the workspace are views into allocations owned by
 * the Model (one arena per (model, n_max)); parameter views point into the Model's single
 * params / grads blocks. Layers never allocate in forward/backward.
 * Gradients: backward *accumulates* (+=) into input gradients and parameter gradients (the
 * latter only when ctx->param_grad); the model zeroes activation gradients before a backward
 * pass and parameter gradients in model_zero_grad. Threads: passes run on the calling (main)
 * thread and split their work over the engine's pool (pool.h) into items whose results do not
 * depend on the thread count; not re-entrant (one pass at a time per process). */
#ifndef FS_LAYERS_H
#define FS_LAYERS_H

#include "conv.h"
#include "rng.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int c, h, w;  /* per-sample shape */
    float *v;     /* (n_max, c, h, w) values; arena view */
    float *g;     /* (n_max, c, h, w) gradients of the loss w.r.t. v; arena view */
    int alias_of; /* -1, or the tensor whose v and g this one shares (flatten) */
} Tensor;

static inline size_t tensor_size(const Tensor *t) { return (size_t)t->c * t->h * t->w; }

/* Per-pass context handed to every layer. */
typedef struct {
    int n;               /* samples in this pass, <= n_max */
    int train;           /* 1: batch statistics and dropout; 0: running statistics, no dropout */
    int param_grad;      /* 0: backward may skip parameter gradients (input gradients only) */
    int input_grad;      /* 0: layers reading the model input (tensor 0) may skip its gradient */
    Rng *rng;            /* dropout masks */
    float *ws;           /* workspace shared by all layers, ws_len floats */
    size_t ws_len;
    int threads;         /* worker slices the workspace was sized for (ws_floats ran with
                          * pool_threads() == threads); layers use at most this many */
} LayerCtx;

typedef enum {
    LAYER_CONV, LAYER_BN, LAYER_RELU, LAYER_GELU, LAYER_MAXPOOL, LAYER_AVGPOOL, LAYER_GAP,
    LAYER_LINEAR, LAYER_DROPOUT, LAYER_ADD, LAYER_FLATTEN, LAYER_LN, LAYER_TOKENS, LAYER_MHSA,
    LAYER_CLS, LAYER_KIND_COUNT
} LayerKind;

#define LAYER_MAX_PARAMS 4

typedef struct Layer Layer;

typedef struct {
    LayerKind kind;
    const char *name;
    /* Output shape from the input shape(s); returns FS_ERR_CONFIG with a message if invalid. */
    FsStatus (*shape)(Layer *l, const Tensor *in0, const Tensor *in1, int *c, int *h, int *w);
    /* Bytes of per-layer cache kept from forward to backward, and floats of shared workspace,
     * for batches of up to n_max samples. */
    size_t (*cache_bytes)(const Layer *l, const Tensor *t, int n_max);
    size_t (*ws_floats)(const Layer *l, const Tensor *t, int n_max);
    void (*forward)(Layer *l, Tensor *t, const LayerCtx *c);
    void (*backward)(Layer *l, Tensor *t, const LayerCtx *c);
} LayerOps;

struct Layer {
    const LayerOps *ops;
    int in0, in1, out;        /* tensor indices; in1 = -1 unless LAYER_ADD */
    /* hyper-parameters (meaning per kind) */
    int cout, k, stride, pad; /* conv / pools: output channels, kernel, stride, padding */
    int bias;                 /* conv/linear: has a bias */
    int relu;                 /* bn/add: ReLU fused after the op */
    int dim, out_dim;         /* linear/ln/mhsa/tokens: feature dim in, out */
    int heads;                /* mhsa */
    float eps, momentum, p;   /* bn/ln eps, bn momentum, dropout probability */
    /* parameters: offsets (floats) into the model's params/grads, then views */
    size_t poff[LAYER_MAX_PARAMS];
    float *w[LAYER_MAX_PARAMS], *dw[LAYER_MAX_PARAMS];
    size_t boff[2];           /* bn running mean/var: offsets into the model's buffers */
    float *buf[2];
    int64_t *nbt;             /* bn num_batches_tracked */
    int counter;              /* index of nbt in the model's counters */
    int fold_into;            /* conv: 1 + index of the BN layer right after it that is its
                               * output's only reader (folded at inference), else 0 */
    size_t foff;              /* conv with fold_into: offset of its folded weights, bias */
    int fold_add;             /* conv with fold_into: 1 + index of the residual add that is the
                               * BN's only reader (BN without ReLU), else 0: at inference the
                               * folded conv runs at that add's place, the add and its ReLU in
                               * its epilogue */
    int fold_from;            /* that add: 1 + index of the conv, else 0 */
    void *cache;              /* cache_bytes(...) bytes, 64-byte aligned; arena view */
};

extern const LayerOps *const layer_ops_table[LAYER_KIND_COUNT];
/* The families' ops, gathered by layers.c into layer_ops_table. */
extern const LayerOps layer_ops_conv, layer_ops_bn, layer_ops_ln, layer_ops_relu, layer_ops_gelu,
    layer_ops_dropout, layer_ops_add, layer_ops_maxpool, layer_ops_avgpool, layer_ops_gap,
    layer_ops_linear, layer_ops_flatten, layer_ops_tokens, layer_ops_mhsa, layer_ops_cls;

/* ---------------------------------------------------------------- shared by the families */
/* The layer's input (tensor in0) and output (tensor out) in the model's tensor array t. */
#define LAYER_IN0(l, t) (&(t)[(l)->in0])
#define LAYER_OUT(l, t) (&(t)[(l)->out])
/* gemm packing area: the last GEMM_WS_FLOATS floats of the shared workspace (gemm.h) */
#define LAYER_GWS(c) ((c)->ws + (c)->ws_len - GEMM_WS_FLOATS)

#if defined(__x86_64__) && defined(__GNUC__)
#define LAYERS_X86 1 /* AVX-512 paths compiled in, chosen at run time */
#endif

/* 1 when the CPU has AVX-512F (checked at run time), else 0. */
static inline int layer_have_avx512(void)
{
#ifdef LAYERS_X86
    return __builtin_cpu_supports("avx512f");
#else
    return 0;
#endif
}

/* LayerOps.shape of layers whose output has their input's shape. */
static inline FsStatus layer_same_shape(Layer *l, const Tensor *a, const Tensor *b, int *c, int *h,
                                        int *w)
{
    FS_UNUSED(l);
    FS_UNUSED(b);
    *c = a->c;
    *h = a->h;
    *w = a->w;
    return FS_OK;
}
/* LayerOps.cache_bytes / ws_floats of layers that need none. */
static inline size_t layer_no_bytes(const Layer *l, const Tensor *t, int n)
{
    FS_UNUSED(l);
    FS_UNUSED(t);
    FS_UNUSED(n);
    return 0;
}

/* ReLU's gradient mask (layer_act.c): dy[q] = 0 where !(y[q] > 0), NaN included. Also used by
 * batch norm's fused ReLU. */
void layer_relu_mask(const float *y, float *dy, size_t len);

/* Softmax cross-entropy of logits (n, k) against labels y. Returns the summed loss (double);
 * when dlogits is non-NULL writes scale * (softmax - onehot). correct (nullable) gets the
 * number of argmax hits. */
double softmax_xent(const float *logits, const int32_t *y, int n, int k, float scale,
                    float *dlogits, int *correct);
/* GELU (erf form, PyTorch's default) and its derivative (gelu.c): float, at most 7 ulp from
 * the double reference gelu_ref / gelu_grad_ref. The AVX2 twins (x86 only) give the same bits
 * on the first len / 8 * 8 elements and return how many they did: y = GELU(x);
 * dx += dy * GELU'(x). */
float gelu_f(float x);
float gelu_grad_f(float x);
double gelu_ref(double x);
double gelu_grad_ref(double x);
#if defined(__x86_64__) && defined(__GNUC__)
size_t gelu_fwd_avx2(const float *x, float *y, size_t len);
size_t gelu_bwd_avx2(const float *x, const float *dy, float *dx, size_t len);
#endif

#endif
