/* layer_dense.c: the fully connected layer, applied to each row of length dim (a flattened
 * image, or each ViT token), and flatten, which turns (c, h, w) maps into one such row by
 * aliasing its input. Parameters: w[0] weight (out_dim, dim), w[1] bias (out_dim) when l->bias.
 * Conventions as in layers.h. */
#include "layers.h"
#include "gemm.h"
#include "simd.h"

/* ---------------------------------------------------------------- linear (row-wise) */
static FsStatus linear_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(b);
    size_t sz = tensor_size(in);
    if (sz == (size_t)l->dim) {
        *c = l->out_dim;
        *h = 1;
        *w = 1;
    } else if (in->w == 1 && in->h == l->dim) {
        *c = in->c;
        *h = l->out_dim;
        *w = 1;
    } else {
        return fs_errorf(FS_ERR_CONFIG, "linear: input (%d,%d,%d) has no rows of length %d", in->c,
                         in->h, in->w, l->dim);
    }
    return FS_OK;
}
static void linear_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    int rows = (int)((size_t)c->n * tensor_size(LAYER_IN0(l, t)) / (size_t)l->dim);
    float *y = LAYER_OUT(l, t)->v;
    gemm_f32(0, 1, rows, l->out_dim, l->dim, 1.0f, LAYER_IN0(l, t)->v, l->dim, l->w[0], l->dim, 0.0f,
                 y, l->out_dim, LAYER_GWS(c));
    if (l->bias) simd_rows_add(y, l->w[1], (size_t)rows, (size_t)l->out_dim);
}
static void linear_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    int rows = (int)((size_t)c->n * tensor_size(LAYER_IN0(l, t)) / (size_t)l->dim);
    const float *dy = LAYER_OUT(l, t)->g;
    if (LAYER_IN0(l, t)->g)
        gemm_f32(0, 0, rows, l->dim, l->out_dim, 1.0f, dy, l->out_dim, l->w[0], l->dim, 1.0f,
                     LAYER_IN0(l, t)->g, l->dim, LAYER_GWS(c));
    if (!c->param_grad) return;
    gemm_f32(1, 0, l->out_dim, l->dim, rows, 1.0f, dy, l->out_dim, LAYER_IN0(l, t)->v, l->dim, 1.0f,
                 l->dw[0], l->dim, LAYER_GWS(c));
    if (l->bias) simd_rows_sum(l->dw[1], dy, (size_t)rows, (size_t)l->out_dim);
}

static size_t gemm_only_ws(const Layer *l, const Tensor *t, int n)
{
    FS_UNUSED(l);
    FS_UNUSED(t);
    FS_UNUSED(n);
    return GEMM_WS_FLOATS;
}

/* ---------------------------------------------------------------- flatten */
static FsStatus flatten_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(l);
    FS_UNUSED(b);
    *c = (int)tensor_size(in);
    *h = 1;
    *w = 1;
    return FS_OK;
}
static void nop_pass(Layer *l, Tensor *t, const LayerCtx *c)
{
    FS_UNUSED(l);
    FS_UNUSED(t);
    FS_UNUSED(c); /* flatten aliases its input: nothing to move */
}
const LayerOps layer_ops_linear = {LAYER_LINEAR, "linear", linear_shape, layer_no_bytes,
                                   gemm_only_ws, linear_fwd, linear_bwd};
const LayerOps layer_ops_flatten = {LAYER_FLATTEN, "flatten", flatten_shape, layer_no_bytes,
                                    layer_no_bytes, nop_pass, nop_pass};
