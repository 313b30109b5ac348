/* conv.h: the engine's 2-D convolution kernels on float32 NCHW batches: im2col + sgemm (conv.c),
 * Winograd F(2x2,3x3) for 3x3 stride-1 pad-1 layers (conv_winograd.c), the weight gradient of
 * narrow 3x3 layers without im2col (conv_wgrad.c), and a direct reference in
 * double (the tests' oracle). Used by the conv layer (layer_conv.c), the BN-folded inference path
 * (model.c) and the engine's tests and benches; they see no Layer or Tensor, only ConvArgs.
 * Memory: callers own x, w, b, y and the workspace (conv_ws_floats floats); nothing allocates.
 * Gradients accumulate (+=) into dx, dw, db. Threads: a call splits its work over the engine's
 * pool (pool.h) into items whose results do not depend on the thread count; call from one
 * thread at a time per workspace. Errors: none (shapes are checked by the layer). */
#ifndef FS_CONV_H
#define FS_CONV_H

#include <stddef.h>

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
static inline int conv_threads(const ConvArgs *a) { return a->threads > 1 ? a->threads : 1; }
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
/* Weight gradient of one image chunk (images i0 .. i0 + nb - 1, the chunk conv2d_backward's
 * im2col path would use) straight from x and dy: dw += dy * x, bitwise the im2col + gemm path's
 * result (conv_wgrad.c says why). conv_wgrad_direct_ok: 3x3, pad 1, stride 1 or 2, cin % 8 == 0,
 * cout % 4 == 0, an AVX2 + FMA CPU whose gemm kernel is the engine's (not OpenBLAS), and
 * nb (h + 2) (w + 2) cin <= buf_floats (buf: the channels-last copy of the chunk). */
int conv_wgrad_direct_ok(const ConvArgs *a, int nb, size_t buf_floats);
void conv_wgrad_direct(const ConvArgs *a, int i0, int nb, const float *x, const float *dy, float *dw,
                       float *buf);
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
