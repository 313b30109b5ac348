/* layer_conv.c: the convolution layer over the kernels of conv.h: output shape, workspace,
 * forward and backward. Parameters: w[0] weight (cout, cin, k, k), w[1] bias (cout) when
 * l->bias. Conventions as in layers.h. */
#include "layers.h"

static void conv_args_of(const Layer *l, const Tensor *in, ConvArgs *a)
{
    conv_args_init(a, in->c, in->h, in->w, l->cout, l->k, l->stride, l->pad);
}
static FsStatus conv_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(b);
    if (in->h + 2 * l->pad < l->k || in->w + 2 * l->pad < l->k)
        return fs_errorf(FS_ERR_CONFIG, "conv: input %dx%d smaller than kernel %d (pad %d)", in->h,
                         in->w, l->k, l->pad);
    ConvArgs a;
    conv_args_of(l, in, &a);
    *c = a.cout;
    *h = a.hout;
    *w = a.wout;
    return FS_OK;
}
static size_t conv_ws(const Layer *l, const Tensor *t, int n)
{
    ConvArgs a;
    conv_args_of(l, LAYER_IN0(l, t), &a);
    return conv_ws_floats(&a, n);
}
static void conv_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    ConvArgs a;
    conv_args_of(l, LAYER_IN0(l, t), &a);
    a.threads = c->threads;
    conv2d_forward(&a, c->n, LAYER_IN0(l, t)->v, l->w[0], l->bias ? l->w[1] : NULL, LAYER_OUT(l, t)->v, c->ws);
}
static void conv_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    ConvArgs a;
    conv_args_of(l, LAYER_IN0(l, t), &a);
    a.threads = c->threads;
    float *dx = l->in0 == 0 && !c->input_grad ? NULL : LAYER_IN0(l, t)->g;
    conv2d_backward(&a, c->n, LAYER_IN0(l, t)->v, l->w[0], LAYER_OUT(l, t)->g, dx,
                    c->param_grad ? l->dw[0] : NULL, c->param_grad && l->bias ? l->dw[1] : NULL,
                    c->ws);
}

const LayerOps layer_ops_conv = {LAYER_CONV, "conv", conv_shape, layer_no_bytes, conv_ws, conv_fwd,
                                 conv_bwd};
