/* layers.h: the NN engine's internals: tensors, the Layer base with its LayerOps table, and the
 * convolution kernels. Used by model.c, model_zoo.c and the engine's tests; analyses use
 * model.h / classifier.h instead.
 *
 * Layout: float32, NCHW. A Tensor is (n, c, h, w) with n <= n_max; token tensors of a ViT are
 * (n, T, D, 1), so "rows" of a row-wise layer (linear, layer norm) are the n*c*h*w/dim vectors
 * of length dim that are contiguous in memory.
 * Ownership: tensors' v/g, layers' caches and the workspace are views into allocations owned by
 * the Model (one arena per (model, n_max)); parameter views point into the Model's single
 * params / grads blocks. Layers never allocate in forward/backward.
 * Gradients: backward *accumulates* (+=) into input gradients and parameter gradients; the
 * model zeroes activation gradients before a backward pass and parameter gradients in
 * model_zero_grad. Threads: passes run on the calling (main) thread and split their work over
 * the engine's pool (pool.h) into items whose results do not depend on the thread count; not
 * re-entrant (one pass at a time per process). */
#ifndef FS_LAYERS_H
#define FS_LAYERS_H

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

/* Softmax cross-entropy of logits (n, k) against labels y. Returns the summed loss (double);
 * when dlogits is non-NULL writes scale * (softmax - onehot). correct (nullable) gets the
 * number of argmax hits. */
double softmax_xent(const float *logits, const int32_t *y, int n, int k, float scale,
                    float *dlogits, int *correct);
/* GELU (erf form, PyTorch's default) and its derivative. */
float gelu_f(float x);
float gelu_grad_f(float x);

/* ---------------------------------------------------------------- convolution kernels */
typedef struct {
    int cin, h, w;      /* input per sample */
    int cout, kh, kw;
    int stride, pad;
    int hout, wout;     /* (h + 2 pad - kh) / stride + 1 */
    int threads;        /* worker slices in the workspace (pool_threads() at conv_args_init) */
} ConvArgs;

void conv_args_init(ConvArgs *a, int cin, int h, int w, int cout, int k, int stride, int pad);
/* Threads a convolution may use: a->threads, at least 1. Workspaces from conv_ws_floats hold a
 * slice per thread; the kernels split image chunks (forward, input gradient) or channels and
 * products (weight gradient) over the pool, so results do not depend on the thread count. */
int conv_threads(const ConvArgs *a);
/* Images processed per sgemm (batching small spatial maps), and workspace floats needed. */
int conv_chunk(const ConvArgs *a, int n_max);
size_t conv_ws_floats(const ConvArgs *a, int n_max);
/* im2col of one image x (cin, h, w) into cols (cin*kh*kw rows, ld columns), starting at
 * column 0; zero padding. col2im_add is its adjoint: dx += col2im(cols). */
void conv_im2col(const ConvArgs *a, const float *x, float *cols, int ld);
void conv_col2im_add(const ConvArgs *a, const float *cols, int ld, float *dx);
/* y (n, cout, hout, wout) = conv(x (n, cin, h, w), w (cout, cin, kh, kw)) + b (cout or NULL).
 * ws has conv_ws_floats(a, n) floats. */
void conv2d_forward(const ConvArgs *a, int n, const float *x, const float *w, const float *b,
                    float *y, float *ws);
/* The same with the epilogue fused: y = act(conv(x) + b (+ res)), res (n, cout, hout, wout) or
 * NULL (may not alias y), act = ReLU when relu else identity. Identical in value to
 * conv2d_forward followed by the separate add / ReLU passes. */
void conv2d_forward_fused(const ConvArgs *a, int n, const float *x, const float *w, const float *b,
                          const float *res, int relu, float *y, float *ws);
/* dx += conv^T(dy) (dx may be NULL), dw += dy * x, db += sum dy (dw/db may be NULL). */
void conv2d_backward(const ConvArgs *a, int n, const float *x, const float *w, const float *dy,
                     float *dx, float *dw, float *db, float *ws);
/* Winograd F(2x2,3x3) for 3x3 stride-1 pad-1 convolutions with >= 8 channels each side
 * (conv_wino_ok); conv2d_forward/backward dispatch to it. ws: conv_wino_ws_floats(a, n). */
int conv_wino_ok(const ConvArgs *a);
size_t conv_wino_ws_floats(const ConvArgs *a, int n);
void conv2d_forward_wino(const ConvArgs *a, int n, const float *x, const float *w, const float *b,
                         float *y, float *ws);
void conv2d_forward_wino_fused(const ConvArgs *a, int n, const float *x, const float *w,
                               const float *b, const float *res, int relu, float *y, float *ws);
/* dw += dLoss/dw (Winograd F(2x2,3x3) of the weight gradient) */
void conv2d_backward_weights_wino(const ConvArgs *a, int n, const float *x, const float *dy,
                                  float *dw, float *ws);
/* dx += conv^T(dy) */
void conv2d_backward_data_wino(const ConvArgs *a, int n, const float *w, const float *dy, float *dx,
                               float *ws);
/* Direct seven-loop convolution and its adjoints, in double. Never optimised: tests' oracle. */
void conv2d_forward_ref(const ConvArgs *a, int n, const float *x, const float *w, const float *b,
                        float *y);
void conv2d_backward_ref(const ConvArgs *a, int n, const float *x, const float *w,
                         const float *dy, float *dx, float *dw, float *db);

#endif
