/* layer_pool.c: pooling layers: max pooling (argmax cached for backward; NaN wins), average
 * pooling without padding, and global average pooling to (c, 1, 1). Conventions as in layers.h. */
#include "layers.h"

#include <math.h>

static FsStatus pool_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(b);
    if (in->h + 2 * l->pad < l->k || in->w + 2 * l->pad < l->k)
        return fs_errorf(FS_ERR_CONFIG, "pool: input %dx%d smaller than window %d", in->h, in->w,
                         l->k);
    if (2 * l->pad > l->k)
        return fs_errorf(FS_ERR_CONFIG, "pool: padding %d exceeds half the window %d", l->pad, l->k);
    *c = in->c;
    *h = (in->h + 2 * l->pad - l->k) / l->stride + 1;
    *w = (in->w + 2 * l->pad - l->k) / l->stride + 1;
    return FS_OK;
}
/* cache: int32 argmax (n_max, c, hout, wout), index into the input plane */
static size_t maxpool_cache(const Layer *l, const Tensor *t, int n)
{
    return sizeof(int32_t) * (size_t)n * tensor_size(LAYER_OUT(l, t));
}
static void maxpool_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const Tensor *in = LAYER_IN0(l, t);
    Tensor *out = LAYER_OUT(l, t);
    int32_t *arg = l->cache;
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w,
                 op = (size_t)out->h * out->w;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *x = in->v + pl * ip;
        float *y = out->v + pl * op;
        int32_t *a = arg + pl * op;
        for (int oy = 0; oy < out->h; oy++)
            for (int ox = 0; ox < out->w; ox++) {
                float best = -INFINITY;
                int32_t bi = -1;
                for (int ki = 0; ki < l->k; ki++) {
                    int iy = oy * l->stride - l->pad + ki;
                    if (iy < 0 || iy >= in->h) continue;
                    for (int kj = 0; kj < l->k; kj++) {
                        int ix = ox * l->stride - l->pad + kj;
                        if (ix < 0 || ix >= in->w) continue;
                        float v = x[iy * in->w + ix];
                        if (bi < 0 || v > best || v != v) {
                            best = v;
                            bi = iy * in->w + ix;
                        }
                    }
                }
                y[oy * out->w + ox] = best;
                a[oy * out->w + ox] = bi;
            }
    }
}
static void maxpool_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    Tensor *in = LAYER_IN0(l, t);
    const Tensor *out = LAYER_OUT(l, t);
    const int32_t *arg = l->cache;
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w,
                 op = (size_t)out->h * out->w;
    for (size_t pl = 0; pl < planes; pl++)
        for (size_t q = 0; q < op; q++) in->g[pl * ip + (size_t)arg[pl * op + q]] += out->g[pl * op + q];
}
static void avgpool_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const Tensor *in = LAYER_IN0(l, t);
    Tensor *out = LAYER_OUT(l, t);
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w,
                 op = (size_t)out->h * out->w;
    const float inv = 1.0f / (float)(l->k * l->k);
    for (size_t pl = 0; pl < planes; pl++)
        for (int oy = 0; oy < out->h; oy++)
            for (int ox = 0; ox < out->w; ox++) {
                float s = 0;
                for (int ki = 0; ki < l->k; ki++)
                    for (int kj = 0; kj < l->k; kj++)
                        s += in->v[pl * ip + (size_t)(oy * l->stride + ki) * in->w + ox * l->stride + kj];
                out->v[pl * op + (size_t)oy * out->w + ox] = s * inv;
            }
}
static void avgpool_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    Tensor *in = LAYER_IN0(l, t);
    const Tensor *out = LAYER_OUT(l, t);
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w,
                 op = (size_t)out->h * out->w;
    const float inv = 1.0f / (float)(l->k * l->k);
    for (size_t pl = 0; pl < planes; pl++)
        for (int oy = 0; oy < out->h; oy++)
            for (int ox = 0; ox < out->w; ox++) {
                float g = out->g[pl * op + (size_t)oy * out->w + ox] * inv;
                for (int ki = 0; ki < l->k; ki++)
                    for (int kj = 0; kj < l->k; kj++)
                        in->g[pl * ip + (size_t)(oy * l->stride + ki) * in->w + ox * l->stride + kj] += g;
            }
}
static FsStatus gap_shape(Layer *l, const Tensor *in, const Tensor *b, int *c, int *h, int *w)
{
    FS_UNUSED(l);
    FS_UNUSED(b);
    *c = in->c;
    *h = 1;
    *w = 1;
    return FS_OK;
}
static void gap_fwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    const Tensor *in = LAYER_IN0(l, t);
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w;
    for (size_t pl = 0; pl < planes; pl++) {
        const float *x = in->v + pl * ip;
        float s = 0;
        for (size_t q = 0; q < ip; q++) s += x[q];
        LAYER_OUT(l, t)->v[pl] = s / (float)ip;
    }
}
static void gap_bwd(Layer *l, Tensor *t, const LayerCtx *c)
{
    Tensor *in = LAYER_IN0(l, t);
    const size_t planes = (size_t)c->n * in->c, ip = (size_t)in->h * in->w;
    for (size_t pl = 0; pl < planes; pl++) {
        float g = LAYER_OUT(l, t)->g[pl] / (float)ip;
        float *dx = in->g + pl * ip;
        for (size_t q = 0; q < ip; q++) dx[q] += g;
    }
}

const LayerOps layer_ops_maxpool = {LAYER_MAXPOOL, "maxpool", pool_shape, maxpool_cache,
                                    layer_no_bytes, maxpool_fwd, maxpool_bwd};
const LayerOps layer_ops_avgpool = {LAYER_AVGPOOL, "avgpool", pool_shape, layer_no_bytes,
                                    layer_no_bytes, avgpool_fwd, avgpool_bwd};
const LayerOps layer_ops_gap = {LAYER_GAP, "global_avgpool", gap_shape, layer_no_bytes,
                                layer_no_bytes, gap_fwd, gap_bwd};
