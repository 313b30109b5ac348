/* model_impl.h: the Model's insides, shared by the engine's own files (model.c, model_zoo.c,
 * model_file.c, train.c, optim.c) and its tests. Everything else uses model.h.
 * Builders (mb_*) append a layer reading tensor(s) and return the new output tensor index, or
 * -1 after an error (the first error is kept in m->build_status / fs_last_error; later builder
 * calls given -1 pass it on), so a zoo function checks once at the end. */
#ifndef FS_MODEL_IMPL_H
#define FS_MODEL_IMPL_H

#include "layers.h"
#include "model.h"
#include "rng.h"

typedef enum { ENTRY_PARAM, ENTRY_BUFFER, ENTRY_COUNTER } EntryKind;
typedef enum { INIT_UNIFORM_FANIN, INIT_XAVIER, INIT_ONES, INIT_ZEROS, INIT_NORMAL002 } EntryInit;

#define MODEL_NAME_MAX 96
/* Eval-mode batches of at least this many images run conv+BN pairs folded into one conv
 * (recomputing the folded weights costs about one image's worth of work). */
#define MODEL_FOLD_MIN 16

/* One state_dict tensor. off indexes params (PARAM), buffers (BUFFER) or counters (COUNTER). */
typedef struct {
    char name[MODEL_NAME_MAX];
    EntryKind kind;
    EntryInit init;
    int fan_in, fan_out;
    int rank;
    int64_t dims[4];
    size_t off, len;
} ModelEntry;

struct Model {
    char arch[32];
    ModelOptions opt;
    int c, h, w, k;
    uint64_t seed;
    Layer *layers;
    int n_layers, cap_layers;
    Tensor *tensors;          /* tensors[0] = input, tensors[out] = logits */
    int n_tensors, cap_tensors;
    ModelEntry *entries;
    int n_entries, cap_entries;
    size_t n_params, n_buffers;
    int n_counters;
    float *params, *grads;    /* (n_params) each: one allocation each */
    float *buffers;           /* (n_buffers) BN running statistics */
    int64_t *counters;        /* (n_counters) BN num_batches_tracked */
    float *folded;            /* conv weights and biases with the next BN folded in (inference
                               * batches >= MODEL_FOLD_MIN); one allocation, NULL if none */
    size_t n_folded;
    int out;                  /* logits tensor */
    FsStatus build_status;
    double macs;              /* per image, forward */
    /* activation plan */
    int n_max;                /* batch the arena is sized for (0 = none) */
    float *arena;             /* one allocation: tensors, caches, workspace */
    size_t arena_bytes;
    float *ws;
    size_t ws_len;
    int ws_threads;           /* pool_threads() when the arena was sized */
    int last_n, last_train;   /* the last forward pass */
    int last_folded;          /* it ran BN-folded */
    Rng drop_rng;
};

/* An empty model for c x h x w inputs (tensor 0); layers are added with mb_*, then
 * model_finalize allocates and initialises parameters from rng_derive(seed, 0, INIT). */
Model *model_new_empty(const char *arch, int c, int h, int w, uint64_t seed);
FsStatus model_finalize(Model *m, int out_tensor);

int mb_conv(Model *m, const char *name, int x, int cout, int k, int stride, int pad, int bias);
int mb_bn(Model *m, const char *name, int x, int relu);
int mb_relu(Model *m, int x);
int mb_gelu(Model *m, int x);
int mb_maxpool(Model *m, int x, int k, int stride, int pad);
int mb_avgpool(Model *m, int x, int k, int stride);
int mb_gap(Model *m, int x);
int mb_linear(Model *m, const char *name, int x, int dim, int out_dim, int bias);
int mb_dropout(Model *m, int x, double p);
int mb_add(Model *m, int a, int b, int relu);
int mb_flatten(Model *m, int x);
int mb_layernorm(Model *m, const char *name, int x, int dim, double eps);
/* class_token (1,1,D) and pos_embedding (1,T,D) named by the two names */
int mb_vit_tokens(Model *m, const char *cls_name, const char *pos_name, int x);
int mb_attention(Model *m, const char *name, int x, int dim, int heads);
int mb_class_token(Model *m, int x);

/* The zoo: builds arch into an empty model; FS_ERR_CONFIG for unknown names/bad shapes. */
FsStatus model_zoo_build(Model *m, const char *arch, const ModelOptions *opt, int k);

/* The state_dict entry of that name, or NULL. */
const ModelEntry *model_entry(const Model *m, const char *name);

#endif
