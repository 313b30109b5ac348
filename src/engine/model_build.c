/* model_build.c: the graph builder: an empty Model, the mb_* calls that append layers and their
 * state_dict entries, and model_finalize (parameter blocks, PyTorch-style initialisation, the
 * conv+BN pairs folded at inference). The zoo (model_zoo.c) builds its architectures with it.
 * See model_build.h. */
#include "model_build.h"

#include <math.h>
#include <string.h>

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

FsStatus model_finalize(Model *m, int out_tensor)
{
    if (m->build_status != FS_OK) return m->build_status;
    if (out_tensor < 0 || out_tensor >= m->n_tensors) return fs_errorf(FS_ERR_INTERNAL, "bad output tensor");
    m->out = out_tensor;
    const Tensor *o = &m->tensors[out_tensor];
    m->k = (int)tensor_size(o);
    size_t np = m->n_params ? m->n_params : 1;
    m->params = xaligned_alloc(MODEL_ALIGN_BYTES, fs_mul_size(np, sizeof(float), "parameters"));
    m->grads = xaligned_alloc(MODEL_ALIGN_BYTES, fs_mul_size(np, sizeof(float), "gradients"));
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
