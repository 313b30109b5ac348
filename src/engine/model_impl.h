/* model_impl.h: the Model's insides (no .c of its own: model.c runs it, model_build.c builds it,
 * model_state.c exposes its state_dict), shared by those engine files, train.c and the engine's
 * tests. Everything outside src/engine/ uses model.h (model_state_* for the weights). */
#ifndef FS_MODEL_IMPL_H
#define FS_MODEL_IMPL_H

#include "layers.h"
#include "model.h"
#include "rng.h"

typedef enum { ENTRY_PARAM, ENTRY_BUFFER, ENTRY_COUNTER } EntryKind;
typedef enum { INIT_UNIFORM_FANIN, INIT_XAVIER, INIT_ONES, INIT_ZEROS, INIT_NORMAL002 } EntryInit;

/* Alignment of the parameter blocks and the activation arena (bytes). */
#define MODEL_ALIGN_BYTES 64
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

/* The state_dict entry of that name, or NULL. */
const ModelEntry *model_entry(const Model *m, const char *name);

#endif
