/* model.c: the built Model: options, the activation arena, forward (with conv+BN pairs folded
 * at inference) and backward passes, accessors, and the Classifier adapter. Models are built by
 * model_zoo.c over model_build.c. See model.h and model_impl.h. */
#include "model_impl.h"
#include "pool.h"

#include "log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- options */
void model_options_default(ModelOptions *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->width = 1.0;
    opt->vit_depth = 6;
    opt->vit_dim = 192;
    opt->vit_heads = 3;
    opt->vit_patch = 0;
    opt->vit_mlp = 0;
    opt->dropout = -1.0;
}

FsStatus model_options_set(ModelOptions *opt, const char *key, const char *value)
{
    if (!strcmp(key, "width")) return fs_parse_double(value, 1e-3, 64, "width", &opt->width);
    if (!strcmp(key, "vit_depth")) return fs_parse_int(value, 1, 64, "vit_depth", &opt->vit_depth);
    if (!strcmp(key, "vit_dim")) return fs_parse_int(value, 1, 8192, "vit_dim", &opt->vit_dim);
    if (!strcmp(key, "vit_heads")) return fs_parse_int(value, 1, 256, "vit_heads", &opt->vit_heads);
    if (!strcmp(key, "vit_patch")) return fs_parse_int(value, 0, 224, "vit_patch", &opt->vit_patch);
    if (!strcmp(key, "vit_mlp")) return fs_parse_int(value, 0, 65536, "vit_mlp", &opt->vit_mlp);
    if (!strcmp(key, "dropout")) return fs_parse_double(value, -1, 0.99, "dropout", &opt->dropout);
    return fs_errorf(FS_ERR_CONFIG,
                     "model option '%s' is unknown; expected width, vit_depth, vit_dim, vit_heads, "
                     "vit_patch, vit_mlp or dropout",
                     key);
}

/* Eval-mode conv + BN (+ ReLU) as one conv with weights w * s and bias (b - mean) * s + beta,
 * s = gamma / sqrt(running_var + eps); also fills the BN's cache for its eval backward. With
 * add (the residual add reading the BN's output, or NULL) the add (+ its ReLU) is fused too and
 * the BN's own output is left unset (its eval backward does not read it). */
typedef struct {
    const Layer *cv, *bn;
    size_t per; /* weights per output channel */
    float *wf, *bf;
} FoldJob;

/* output channel o of the folded weights and bias (and the BN cache entries) */
static void fold_item(void *ctx, int o, int tid)
{
    FS_UNUSED(tid);
    const FoldJob *j = ctx;
    const Layer *cv = j->cv, *bn = j->bn;
    float *mean = bn->cache, *invstd = mean + cv->cout;
    float is = (float)(1.0 / sqrt((double)bn->buf[1][o] + (double)bn->eps));
    float sc = bn->w[0][o] * is;
    mean[o] = bn->buf[0][o];
    invstd[o] = is;
    for (size_t q = 0; q < j->per; q++) j->wf[(size_t)o * j->per + q] = cv->w[0][(size_t)o * j->per + q] * sc;
    j->bf[o] = ((cv->bias ? cv->w[1][o] : 0.0f) - bn->buf[0][o]) * sc + bn->w[1][o];
}

static void forward_folded(Model *m, Layer *cv, Layer *bn, const Layer *add, LayerCtx *c)
{
    const Tensor *in = &m->tensors[cv->in0];
    Tensor *out = &m->tensors[add ? add->out : bn->out];
    const float *res = add ? m->tensors[add->in0 == bn->out ? add->in1 : add->in0].v : NULL;
    const int co = cv->cout;
    const size_t per = (size_t)in->c * cv->k * cv->k;
    float *wf = m->folded + cv->foff, *bf = wf + (size_t)co * per;
    FoldJob fj = {cv, bn, per, wf, bf};
    pool_for(co, 0, fold_item, &fj);
    ConvArgs a;
    conv_args_init(&a, in->c, in->h, in->w, co, cv->k, cv->stride, cv->pad);
    a.threads = c->threads;
    conv2d_forward_fused(&a, c->n, in->v, wf, bf, res, add ? add->relu : bn->relu, out->v, c->ws);
}

void model_free(Model *m)
{
    if (!m) return;
    free(m->layers);
    free(m->tensors);
    free(m->entries);
    free(m->params);
    free(m->grads);
    free(m->buffers);
    free(m->counters);
    free(m->folded);
    free(m->arena);
    free(m);
}

size_t model_num_params(const Model *m) { return m->n_params; }
const char *model_arch(const Model *m) { return m->arch; }
const ModelOptions *model_options(const Model *m) { return &m->opt; }
uint64_t model_seed(const Model *m) { return m->seed; }
double model_macs(const Model *m) { return m->macs; }
float *model_params(Model *m) { return m->params; }
float *model_grads(Model *m) { return m->grads; }
size_t model_arena_bytes(const Model *m) { return m->arena_bytes; }
void model_input_shape(const Model *m, int *c, int *h, int *w, int *k)
{
    *c = m->c;
    *h = m->h;
    *w = m->w;
    *k = m->k;
}
/* memset to zero in blocks over the pool */
#define ZERO_BLOCK ((size_t)1 << 16)
typedef struct {
    float *p;
    size_t len;
} ZeroJob;
static void zero_item(void *ctx, int item, int tid)
{
    FS_UNUSED(tid);
    const ZeroJob *z = ctx;
    size_t lo, hi;
    pool_block_range(z->len, ZERO_BLOCK, item, &lo, &hi);
    memset(z->p + lo, 0, (hi - lo) * sizeof(float));
}
static void zero_floats(float *p, size_t len)
{
    ZeroJob z = {p, len};
    pool_for(pool_blocks(len, ZERO_BLOCK), 0, zero_item, &z);
}

void model_zero_grad(Model *m) { zero_floats(m->grads, m->n_params); }

/* ---------------------------------------------------------------- activation arena */
static size_t round_up(size_t x) { return (x + MODEL_ALIGN_BYTES - 1) / MODEL_ALIGN_BYTES * MODEL_ALIGN_BYTES; }

FsStatus model_reserve(Model *m, int n)
{
    if (n <= m->n_max && pool_threads() <= m->ws_threads) return FS_OK;
    if (n < m->n_max) n = m->n_max; /* growing for more threads keeps the batch */
    size_t bytes = 0, ws = 0;
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].alias_of < 0)
            bytes += 2 * round_up(fs_mul_size((size_t)n * sizeof(float), tensor_size(&m->tensors[i]), "activations"));
    for (int i = 0; i < m->n_layers; i++) {
        const Layer *l = &m->layers[i];
        bytes += round_up(l->ops->cache_bytes(l, m->tensors, n));
        size_t f = l->ops->ws_floats(l, m->tensors, n);
        if (f > ws) ws = f;
    }
    bytes += round_up(ws * sizeof(float));
    float *a = aligned_alloc(MODEL_ALIGN_BYTES, bytes); /* bytes is a multiple of MODEL_ALIGN_BYTES */
    if (!a)
        return fs_errorf(FS_ERR_NOMEM, "%s: cannot allocate %.1f MiB of activations for batch %d",
                         m->arch, (double)bytes / 1048576.0, n);
    free(m->arena);
    m->arena = a;
    m->arena_bytes = bytes;
    m->n_max = n;
    size_t off = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        Tensor *t = &m->tensors[i];
        if (t->alias_of >= 0) continue;
        size_t len = round_up((size_t)n * sizeof(float) * tensor_size(t));
        t->v = a + off / sizeof(float);
        off += len;
        t->g = a + off / sizeof(float);
        off += len;
    }
    for (int i = 0; i < m->n_tensors; i++) {
        Tensor *t = &m->tensors[i];
        if (t->alias_of >= 0) {
            t->v = m->tensors[t->alias_of].v;
            t->g = m->tensors[t->alias_of].g;
        }
    }
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        l->cache = a + off / sizeof(float);
        off += round_up(l->ops->cache_bytes(l, m->tensors, n));
    }
    m->ws = a + off / sizeof(float);
    m->ws_len = ws;
    m->ws_threads = pool_threads();
    return FS_OK;
}

/* ---------------------------------------------------------------- passes */
/* min_fold: the smallest eval batch that runs conv + BN folded */
static const float *forward_impl(Model *m, const float *x, int n, int train, int min_fold)
{
    FS_CHECK(n >= 1 && n <= m->n_max, "model_forward: batch %d outside [1, %d] (model_reserve)", n, m->n_max);
    if (pool_threads() > m->ws_threads) /* the team grew since model_reserve: resize once */
        FS_CHECK(model_reserve(m, m->n_max) == FS_OK, "%s", fs_last_error());
    memcpy(m->tensors[0].v, x, (size_t)n * tensor_size(&m->tensors[0]) * sizeof(float));
    LayerCtx c = {n, train, 1, 1, &m->drop_rng, m->ws, m->ws_len, m->ws_threads};
    const int fold = !train && n >= min_fold && m->folded;
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        if (fold && l->fold_into) {
            if (!l->fold_add) forward_folded(m, l, &m->layers[l->fold_into - 1], NULL, &c);
            i = l->fold_into - 1; /* the BN ran inside (or runs at the add's place) */
            continue;
        }
        if (fold && l->fold_from) {
            Layer *cv = &m->layers[l->fold_from - 1];
            forward_folded(m, cv, &m->layers[cv->fold_into - 1], l, &c);
            continue;
        }
        l->ops->forward(l, m->tensors, &c);
    }
    m->last_n = n;
    m->last_train = train;
    m->last_folded = fold;
    return m->tensors[m->out].v;
}

const float *model_forward(Model *m, const float *x, int n, int train)
{
    return forward_impl(m, x, n, train, MODEL_FOLD_MIN);
}

const float *model_backward(Model *m, const float *dlogits, int param_grad, int input_grad)
{
    const int n = m->last_n;
    FS_CHECK(n >= 1, "model_backward without a forward pass");
    FS_CHECK(!(m->last_folded && param_grad),
             "model_backward: parameter gradients after an eval-mode pass of %d >= %d images "
             "(BN folded); use smaller eval batches or training mode", n, MODEL_FOLD_MIN);
    for (int i = 0; i < m->n_tensors; i++) {
        Tensor *t = &m->tensors[i];
        if (t->alias_of >= 0 || i == m->out) continue;
        if (i == 0 && !input_grad) continue;
        zero_floats(t->g, (size_t)n * tensor_size(t));
    }
    memcpy(m->tensors[m->out].g, dlogits, (size_t)n * m->k * sizeof(float));
    LayerCtx c = {n, m->last_train, param_grad, input_grad, &m->drop_rng, m->ws, m->ws_len, m->ws_threads};
    for (int i = m->n_layers - 1; i >= 0; i--) m->layers[i].ops->backward(&m->layers[i], m->tensors, &c);
    return input_grad ? m->tensors[0].g : NULL;
}

/* ---------------------------------------------------------------- Classifier adapter */
typedef struct {
    Model *m;
    float *dl; /* (max_batch, k) */
} ClsCtx;

static FsStatus cls_logits(void *ctx, const float *x, int n, float *out)
{
    ClsCtx *c = ctx;
    if (n < 1 || n > c->m->n_max) return fs_errorf(FS_ERR_INTERNAL, "classifier: batch %d > %d", n, c->m->n_max);
    /* folded at every batch size: an image's logits then do not depend on its batch (the
     * analyses pack images and masks into batches differently, e.g. per-class DFM tasks) */
    const float *z = forward_impl(c->m, x, n, 0, 1);
    memcpy(out, z, (size_t)n * c->m->k * sizeof(float));
    return FS_OK;
}

static FsStatus cls_input_grad(void *ctx, const float *x, const int32_t *y, int n, float *dx, double *loss)
{
    ClsCtx *c = ctx;
    Model *m = c->m;
    if (n < 1 || n > m->n_max) return fs_errorf(FS_ERR_INTERNAL, "classifier: batch %d > %d", n, m->n_max);
    for (int i = 0; i < n; i++)
        if (y[i] < 0 || y[i] >= m->k)
            return fs_errorf(FS_ERR_FORMAT, "classifier: label %d outside [0, %d)", (int)y[i], m->k);
    const float *z = forward_impl(m, x, n, 0, 1); /* folded, as cls_logits */
    double l = softmax_xent(z, y, n, m->k, 1.0f, c->dl, NULL);
    if (loss) *loss = l;
    const float *g = model_backward(m, c->dl, 0, 1);
    memcpy(dx, g, (size_t)n * tensor_size(&m->tensors[0]) * sizeof(float));
    return FS_OK;
}

FsStatus model_classifier(Model *m, int max_batch, Classifier *out)
{
    memset(out, 0, sizeof *out);
    if (max_batch < 1) return fs_errorf(FS_ERR_CONFIG, "classifier: max_batch %d < 1", max_batch);
    FsStatus st = model_reserve(m, max_batch);
    if (st != FS_OK) return st;
    ClsCtx *c = xmalloc(sizeof *c);
    c->m = m;
    c->dl = xmalloc((size_t)max_batch * m->k * sizeof(float));
    out->ctx = c;
    out->c = m->c;
    out->h = m->h;
    out->w = m->w;
    out->k = m->k;
    out->max_batch = max_batch;
    out->logits = cls_logits;
    out->input_grad = cls_input_grad;
    return FS_OK;
}

void model_classifier_free(Classifier *c)
{
    if (!c || !c->ctx) return;
    ClsCtx *cc = c->ctx;
    free(cc->dl);
    free(cc);
    memset(c, 0, sizeof *c);
}

