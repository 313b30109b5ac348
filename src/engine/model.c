/* model.c: the Model: graph building, parameter blocks, the activation arena, forward and
 * backward passes, and the Classifier adapter. See model.h and model_impl.h. */
#include "model_impl.h"
#include "pool.h"

#include "log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN_BYTES 64

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

/* ---------------------------------------------------------------- building */
Model *model_new_empty(const char *arch, int c, int h, int w, uint64_t seed)
{
    Model *m = xcalloc(1, sizeof *m);
    fs_snprintf(m->arch, sizeof m->arch, "%s", arch);
    model_options_default(&m->opt);
    m->c = c;
    m->h = h;
    m->w = w;
    m->seed = seed;
    m->cap_tensors = 64;
    m->tensors = xcalloc((size_t)m->cap_tensors, sizeof *m->tensors);
    m->tensors[0] = (Tensor){c, h, w, NULL, NULL, -1};
    m->n_tensors = 1;
    m->drop_rng = rng_derive(seed, 0, RNG_STREAM_DROPOUT);
    return m;
}

static size_t add_entry(Model *m, const char *name, EntryKind kind, EntryInit init, int fan_in,
                        int fan_out, int rank, const int64_t *dims)
{
    if (m->n_entries == m->cap_entries) {
        m->cap_entries = m->cap_entries ? 2 * m->cap_entries : 64;
        m->entries = xrealloc(m->entries, (size_t)m->cap_entries * sizeof *m->entries);
    }
    ModelEntry *e = &m->entries[m->n_entries++];
    memset(e, 0, sizeof *e);
    fs_snprintf(e->name, sizeof e->name, "%s", name);
    e->kind = kind;
    e->init = init;
    e->fan_in = fan_in;
    e->fan_out = fan_out;
    e->rank = rank;
    e->len = 1;
    for (int i = 0; i < rank; i++) {
        e->dims[i] = dims[i];
        e->len *= (size_t)dims[i];
    }
    if (kind == ENTRY_PARAM) {
        e->off = m->n_params;
        m->n_params += e->len;
    } else if (kind == ENTRY_BUFFER) {
        e->off = m->n_buffers;
        m->n_buffers += e->len;
    } else {
        e->off = (size_t)m->n_counters;
        m->n_counters++;
    }
    return e->off;
}

static size_t add_param(Model *m, const char *prefix, const char *leaf, EntryInit init, int fan_in,
                        int fan_out, int rank, const int64_t *dims)
{
    char name[MODEL_NAME_MAX];
    if (prefix && *prefix)
        fs_snprintf(name, sizeof name, "%s.%s", prefix, leaf);
    else
        fs_snprintf(name, sizeof name, "%s", leaf);
    return add_entry(m, name, ENTRY_PARAM, init, fan_in, fan_out, rank, dims);
}

/* Append a layer of kind reading x (and x2); computes the output shape. */
static Layer *push_layer(Model *m, LayerKind kind, int x, int x2, Layer proto, int *out)
{
    *out = -1;
    if (x < 0 || (kind == LAYER_ADD && x2 < 0) || m->build_status != FS_OK) {
        if (m->build_status == FS_OK) m->build_status = FS_ERR_INTERNAL;
        return NULL;
    }
    proto.ops = layer_ops_table[kind];
    proto.in0 = x;
    proto.in1 = kind == LAYER_ADD ? x2 : -1;
    int c, h, w;
    FsStatus st = proto.ops->shape(&proto, &m->tensors[x], x2 >= 0 ? &m->tensors[x2] : NULL, &c, &h, &w);
    if (st != FS_OK) {
        m->build_status = st;
        return NULL;
    }
    if (c < 1 || h < 1 || w < 1) {
        m->build_status = fs_errorf(FS_ERR_CONFIG, "%s: input (%d,%d,%d) too small for %s", m->arch,
                                    m->tensors[x].c, m->tensors[x].h, m->tensors[x].w, proto.ops->name);
        return NULL;
    }
    if (m->n_tensors == m->cap_tensors) {
        m->cap_tensors *= 2;
        m->tensors = xrealloc(m->tensors, (size_t)m->cap_tensors * sizeof *m->tensors);
    }
    m->tensors[m->n_tensors] = (Tensor){c, h, w, NULL, NULL, kind == LAYER_FLATTEN ? x : -1};
    proto.out = m->n_tensors++;
    if (m->n_layers == m->cap_layers) {
        m->cap_layers = m->cap_layers ? 2 * m->cap_layers : 64;
        m->layers = xrealloc(m->layers, (size_t)m->cap_layers * sizeof *m->layers);
    }
    m->layers[m->n_layers] = proto;
    *out = proto.out;
    return &m->layers[m->n_layers++];
}

int mb_conv(Model *m, const char *name, int x, int cout, int k, int stride, int pad, int bias)
{
    int out;
    Layer *l = push_layer(m, LAYER_CONV, x, -1,
                          (Layer){.cout = cout, .k = k, .stride = stride, .pad = pad, .bias = bias}, &out);
    if (!l) return -1;
    int cin = m->tensors[x].c, fan_in = cin * k * k;
    int64_t wd[4] = {cout, cin, k, k}, bd[1] = {cout};
    l->poff[0] = add_param(m, name, "weight", INIT_UNIFORM_FANIN, fan_in, 0, 4, wd);
    if (bias) l->poff[1] = add_param(m, name, "bias", INIT_UNIFORM_FANIN, fan_in, 0, 1, bd);
    const Tensor *o = &m->tensors[out];
    m->macs += (double)cout * o->h * o->w * fan_in;
    return out;
}

int mb_bn(Model *m, const char *name, int x, int relu)
{
    int out;
    Layer *l = push_layer(m, LAYER_BN, x, -1,
                          (Layer){.relu = relu, .eps = 1e-5f, .momentum = 0.1f}, &out);
    if (!l) return -1;
    int64_t d[1] = {m->tensors[x].c};
    char nm[MODEL_NAME_MAX];
    l->poff[0] = add_param(m, name, "weight", INIT_ONES, 0, 0, 1, d);
    l->poff[1] = add_param(m, name, "bias", INIT_ZEROS, 0, 0, 1, d);
    fs_snprintf(nm, sizeof nm, "%s.running_mean", name);
    l->boff[0] = add_entry(m, nm, ENTRY_BUFFER, INIT_ZEROS, 0, 0, 1, d);
    fs_snprintf(nm, sizeof nm, "%s.running_var", name);
    l->boff[1] = add_entry(m, nm, ENTRY_BUFFER, INIT_ONES, 0, 0, 1, d);
    fs_snprintf(nm, sizeof nm, "%s.num_batches_tracked", name);
    l->counter = (int)add_entry(m, nm, ENTRY_COUNTER, INIT_ZEROS, 0, 0, 0, d);
    return out;
}

int mb_relu(Model *m, int x)
{
    int out;
    return push_layer(m, LAYER_RELU, x, -1, (Layer){0}, &out) ? out : -1;
}
int mb_gelu(Model *m, int x)
{
    int out;
    return push_layer(m, LAYER_GELU, x, -1, (Layer){0}, &out) ? out : -1;
}
int mb_maxpool(Model *m, int x, int k, int stride, int pad)
{
    int out;
    return push_layer(m, LAYER_MAXPOOL, x, -1, (Layer){.k = k, .stride = stride, .pad = pad}, &out)
               ? out
               : -1;
}
int mb_avgpool(Model *m, int x, int k, int stride)
{
    int out;
    return push_layer(m, LAYER_AVGPOOL, x, -1, (Layer){.k = k, .stride = stride}, &out) ? out : -1;
}
int mb_gap(Model *m, int x)
{
    int out;
    return push_layer(m, LAYER_GAP, x, -1, (Layer){0}, &out) ? out : -1;
}
int mb_linear(Model *m, const char *name, int x, int dim, int out_dim, int bias)
{
    int out;
    Layer *l = push_layer(m, LAYER_LINEAR, x, -1, (Layer){.dim = dim, .out_dim = out_dim, .bias = bias},
                          &out);
    if (!l) return -1;
    int64_t wd[2] = {out_dim, dim}, bd[1] = {out_dim};
    l->poff[0] = add_param(m, name, "weight", INIT_UNIFORM_FANIN, dim, out_dim, 2, wd);
    if (bias) l->poff[1] = add_param(m, name, "bias", INIT_UNIFORM_FANIN, dim, 0, 1, bd);
    m->macs += (double)tensor_size(&m->tensors[x]) / dim * out_dim * dim;
    return out;
}
int mb_dropout(Model *m, int x, double p)
{
    int out;
    return push_layer(m, LAYER_DROPOUT, x, -1, (Layer){.p = (float)p}, &out) ? out : -1;
}
int mb_add(Model *m, int a, int b, int relu)
{
    int out;
    return push_layer(m, LAYER_ADD, a, b, (Layer){.relu = relu}, &out) ? out : -1;
}
int mb_flatten(Model *m, int x)
{
    int out;
    return push_layer(m, LAYER_FLATTEN, x, -1, (Layer){0}, &out) ? out : -1;
}
int mb_layernorm(Model *m, const char *name, int x, int dim, double eps)
{
    int out;
    Layer *l = push_layer(m, LAYER_LN, x, -1, (Layer){.dim = dim, .eps = (float)eps}, &out);
    if (!l) return -1;
    int64_t d[1] = {dim};
    l->poff[0] = add_param(m, name, "weight", INIT_ONES, 0, 0, 1, d);
    l->poff[1] = add_param(m, name, "bias", INIT_ZEROS, 0, 0, 1, d);
    return out;
}
int mb_vit_tokens(Model *m, const char *cls_name, const char *pos_name, int x)
{
    int out;
    Layer *l = push_layer(m, LAYER_TOKENS, x, -1, (Layer){0}, &out);
    if (!l) return -1;
    int64_t cd[3] = {1, 1, l->dim}, pd[3] = {1, m->tensors[out].c, l->dim};
    l->poff[0] = add_param(m, NULL, cls_name, INIT_ZEROS, 0, 0, 3, cd);
    l->poff[1] = add_param(m, NULL, pos_name, INIT_NORMAL002, 0, 0, 3, pd);
    return out;
}
int mb_attention(Model *m, const char *name, int x, int dim, int heads)
{
    int out;
    Layer *l = push_layer(m, LAYER_MHSA, x, -1, (Layer){.dim = dim, .heads = heads}, &out);
    if (!l) return -1;
    int64_t iw[2] = {3 * dim, dim}, ib[1] = {3 * dim}, ow[2] = {dim, dim}, ob[1] = {dim};
    l->poff[0] = add_param(m, name, "in_proj_weight", INIT_XAVIER, dim, 3 * dim, 2, iw);
    l->poff[1] = add_param(m, name, "in_proj_bias", INIT_ZEROS, 0, 0, 1, ib);
    char nm[MODEL_NAME_MAX];
    fs_snprintf(nm, sizeof nm, "%s.out_proj", name);
    l->poff[2] = add_param(m, nm, "weight", INIT_UNIFORM_FANIN, dim, dim, 2, ow);
    l->poff[3] = add_param(m, nm, "bias", INIT_ZEROS, 0, 0, 1, ob);
    double T = m->tensors[x].c;
    m->macs += T * 4.0 * dim * dim + 2.0 * T * T * dim;
    return out;
}
int mb_class_token(Model *m, int x)
{
    int out;
    return push_layer(m, LAYER_CLS, x, -1, (Layer){0}, &out) ? out : -1;
}

/* Initialise one entry PyTorch-style: conv/linear weights and biases U(-1/sqrt(fan_in), ..)
 * (kaiming_uniform with a = sqrt(5)), xavier_uniform for the attention input projection. */
static void init_entry(const ModelEntry *e, float *p, Rng *r)
{
    for (size_t i = 0; i < e->len; i++) {
        double v = 0;
        switch (e->init) {
        case INIT_UNIFORM_FANIN: {
            double b = 1.0 / sqrt((double)e->fan_in);
            v = rng_uniform_range(r, -b, b);
            break;
        }
        case INIT_XAVIER: {
            double b = sqrt(6.0 / (double)(e->fan_in + e->fan_out));
            v = rng_uniform_range(r, -b, b);
            break;
        }
        case INIT_ONES: v = 1; break;
        case INIT_ZEROS: v = 0; break;
        case INIT_NORMAL002: v = 0.02 * rng_normal(r); break;
        }
        p[i] = (float)v;
    }
}

/* The conv at ci folds into the BN at ci + 1: when the BN (without ReLU) feeds only a residual
 * add, mark the pair to run at the add's place with the add fused in. */
static void find_fold_add(Model *m, int ci)
{
    Layer *cv = &m->layers[ci];
    const Layer *bn = &m->layers[ci + 1];
    cv->fold_add = 0;
    if (bn->relu || bn->out == m->out) return;
    int reader = -1, readers = 0;
    for (int j = 0; j < m->n_layers; j++) {
        int r = (m->layers[j].in0 == bn->out) + (m->layers[j].in1 == bn->out);
        if (r) reader = j;
        readers += r;
    }
    if (readers != 1 || reader <= ci + 1 || m->layers[reader].ops->kind != LAYER_ADD) return;
    if (m->layers[reader].fold_from) return; /* its other input is fused there already */
    cv->fold_add = reader + 1;
    m->layers[reader].fold_from = ci + 1;
}

/* Pair each conv with the BN right after it when that BN is the only reader of its output. */
static void find_folds(Model *m)
{
    m->n_folded = 0;
    for (int i = 0; i + 1 < m->n_layers; i++) {
        Layer *l = &m->layers[i], *b = &m->layers[i + 1];
        if (l->ops->kind != LAYER_CONV || b->ops->kind != LAYER_BN || b->in0 != l->out) continue;
        int readers = 0;
        for (int j = 0; j < m->n_layers; j++)
            readers += (m->layers[j].in0 == l->out) + (m->layers[j].in1 == l->out);
        if (readers != 1 || l->out == m->out) continue;
        l->fold_into = i + 2;
        l->foff = m->n_folded;
        find_fold_add(m, i);
        m->n_folded += (size_t)l->cout * m->tensors[l->in0].c * l->k * l->k + (size_t)l->cout;
    }
    m->folded = m->n_folded ? xaligned_alloc(64, (m->n_folded * sizeof(float) + 63) / 64 * 64) : NULL;
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

FsStatus model_finalize(Model *m, int out_tensor)
{
    if (m->build_status != FS_OK) return m->build_status;
    if (out_tensor < 0 || out_tensor >= m->n_tensors) return fs_errorf(FS_ERR_INTERNAL, "bad output tensor");
    m->out = out_tensor;
    const Tensor *o = &m->tensors[out_tensor];
    m->k = (int)tensor_size(o);
    size_t np = m->n_params ? m->n_params : 1;
    m->params = xaligned_alloc(ALIGN_BYTES, fs_mul_size(np, sizeof(float), "parameters"));
    m->grads = xaligned_alloc(ALIGN_BYTES, fs_mul_size(np, sizeof(float), "gradients"));
    m->buffers = xmalloc((m->n_buffers ? m->n_buffers : 1) * sizeof(float));
    m->counters = xcalloc((size_t)(m->n_counters ? m->n_counters : 1), sizeof(int64_t));
    memset(m->grads, 0, np * sizeof(float));
    Rng r = rng_derive(m->seed, 0, RNG_STREAM_INIT);
    for (int i = 0; i < m->n_entries; i++) {
        const ModelEntry *e = &m->entries[i];
        if (e->kind == ENTRY_PARAM) init_entry(e, m->params + e->off, &r);
        if (e->kind == ENTRY_BUFFER) init_entry(e, m->buffers + e->off, &r);
    }
    for (int i = 0; i < m->n_layers; i++) {
        Layer *l = &m->layers[i];
        int np_l = 0;
        switch (l->ops->kind) {
        case LAYER_CONV: case LAYER_LINEAR: np_l = l->bias ? 2 : 1; break;
        case LAYER_BN: case LAYER_LN: case LAYER_TOKENS: np_l = 2; break;
        case LAYER_MHSA: np_l = 4; break;
        default: break;
        }
        for (int j = 0; j < np_l; j++) {
            l->w[j] = m->params + l->poff[j];
            l->dw[j] = m->grads + l->poff[j];
        }
        if (l->ops->kind == LAYER_BN) {
            l->buf[0] = m->buffers + l->boff[0];
            l->buf[1] = m->buffers + l->boff[1];
            l->nbt = m->counters + l->counter;
        }
    }
    find_folds(m);
    return FS_OK;
}

const ModelEntry *model_entry(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_entries; i++)
        if (!strcmp(m->entries[i].name, name)) return &m->entries[i];
    return NULL;
}

FsStatus model_create(const char *arch, const ModelOptions *opt, int c, int h, int w, int k,
                      uint64_t seed, Model **out)
{
    *out = NULL;
    if (c != 1 && c != 3) return fs_errorf(FS_ERR_CONFIG, "model: %d input channels; expected 1 or 3", c);
    if (h < 8 || w < 8 || h > 1024 || w > 1024)
        return fs_errorf(FS_ERR_CONFIG, "model: image size %dx%d; expected 8 to 1024 pixels", h, w);
    if (k < 2) return fs_errorf(FS_ERR_CONFIG, "model: %d classes; expected at least 2", k);
    ModelOptions def;
    model_options_default(&def);
    Model *m = model_new_empty(arch, c, h, w, seed);
    m->opt = opt ? *opt : def;
    FsStatus st = model_zoo_build(m, arch, &m->opt, k);
    if (st == FS_OK && m->k != k) st = fs_errorf(FS_ERR_INTERNAL, "%s: built %d outputs, not %d", arch, m->k, k);
    if (st != FS_OK) {
        model_free(m);
        return st;
    }
    *out = m;
    return FS_OK;
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
static size_t round_up(size_t x) { return (x + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES; }

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
    float *a = aligned_alloc(ALIGN_BYTES, bytes); /* bytes is a multiple of ALIGN_BYTES */
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
const float *model_forward(Model *m, const float *x, int n, int train)
{
    FS_CHECK(n >= 1 && n <= m->n_max, "model_forward: batch %d outside [1, %d] (model_reserve)", n, m->n_max);
    if (pool_threads() > m->ws_threads) /* the team grew since model_reserve: resize once */
        FS_CHECK(model_reserve(m, m->n_max) == FS_OK, "%s", fs_last_error());
    memcpy(m->tensors[0].v, x, (size_t)n * tensor_size(&m->tensors[0]) * sizeof(float));
    LayerCtx c = {n, train, 1, 1, &m->drop_rng, m->ws, m->ws_len, m->ws_threads};
    const int fold = !train && n >= MODEL_FOLD_MIN && m->folded;
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
    const float *z = model_forward(c->m, x, n, 0);
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
    const float *z = model_forward(m, x, n, 0);
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
