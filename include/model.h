/* model.h: neural-network classifiers built by architecture name, trained and run on the CPU
 * without any NN library (PAPER.md 4). A Model owns its parameters, gradients, BN running
 * statistics (each ONE allocation, with named views in PyTorch state_dict order) and its
 * activation arena (one allocation per (model, largest batch), reused by every pass).
 * Errors: construction and I/O return FsStatus with fs_last_error set; forward/backward cannot
 * fail (a team that grew since model_reserve resizes the arena once; out of memory there
 * is fatal). Threads: a Model and its Classifier are driven from the main thread; each pass
 * spreads its work over the engine's pool (pool.h, pool_set_threads / --threads /
 * FSWEEP_THREADS), bitwise identically for any team size. */
#ifndef FS_MODEL_H
#define FS_MODEL_H

#include "classifier.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

typedef struct Model Model;

typedef struct {
    double width;   /* channel multiplier (CNNs) or ViT width multiplier; 1 = paper's size */
    int vit_depth;  /* transformer blocks */
    int vit_dim;    /* token width (divisible by vit_heads after the width multiplier) */
    int vit_heads;
    int vit_patch;  /* patch side in pixels; 0 = auto (4 up to 64 px, 16 above) */
    int vit_mlp;    /* MLP hidden width; 0 = 4 * dim */
    double dropout; /* < 0: the architecture's default (alexnet 0.5, vit 0) */
} ModelOptions;

void model_options_default(ModelOptions *opt);
/* Set one option from text ("width", "vit_depth", "vit_dim", "vit_heads", "vit_patch", "vit_mlp",
 * "dropout"). FS_ERR_CONFIG naming the key and the expected value on failure. */
FsStatus model_options_set(ModelOptions *opt, const char *key, const char *value);
/* Comma-separated list of the architecture names model_create accepts. */
const char *model_arch_names(void);

/* Build `arch` for c-channel h x w images and k classes, weights initialised PyTorch-style from
 * rng_derive(seed, 0, RNG_STREAM_INIT). Unknown arch -> FS_ERR_CONFIG listing valid names. */
FsStatus model_create(const char *arch, const ModelOptions *opt, int c, int h, int w, int k,
                      uint64_t seed, Model **out);
void model_free(Model *m);
size_t model_num_params(const Model *m);     /* trainable parameters (PyTorch's count) */
const char *model_arch(const Model *m);
const ModelOptions *model_options(const Model *m);
void model_input_shape(const Model *m, int *c, int *h, int *w, int *k);
uint64_t model_seed(const Model *m);
/* Multiply-accumulates of one forward pass for one image (convs, linears, attention). */
double model_macs(const Model *m);

/* Flat views, same offsets: params and grads (model_num_params floats each). */
float *model_params(Model *m);
float *model_grads(Model *m);
void model_zero_grad(Model *m);

/* ---------------------------------------------------------------- state (the weights)
 * A model's state is its PyTorch state_dict(): named tensors in state_dict() order, each a
 * parameter (float32, trained), a buffer (float32 BN running_mean / running_var) or a counter
 * (one int64, BN num_batches_tracked). Outside the engine, weights travel only through these
 * calls (model files, sweep result blobs).
 * Flat float state: model_state_floats(m) floats, all parameters in state_dict order (the
 * layout of model_params) followed by all buffers in state_dict order; counters are not in it.
 * Entry i's values sit at [off, off + len) of that block (of the counters for a counter). */
#define MODEL_NAME_MAX 96 /* bytes of a state_dict name, NUL included */

typedef enum { MODEL_STATE_PARAM, MODEL_STATE_BUFFER, MODEL_STATE_COUNTER } ModelStateKind;

typedef struct {
    const char *name;    /* state_dict key, e.g. "layer1.0.bn1.running_var"; valid while m lives */
    ModelStateKind kind; /* PARAM / BUFFER: float32 values; COUNTER: one int64 */
    int rank;            /* 0 (counters) to 4 */
    int64_t dims[4];     /* PyTorch shape, dims[0 .. rank) */
    size_t len;          /* values: product of dims (1 for rank 0) */
    size_t off;          /* PARAM / BUFFER: offset in the flat float state; COUNTER: index in the
                          * counters */
} ModelStateEntry;

/* Entries in state_dict order: i in [0, model_state_count(m)); an i outside is fatal. */
int model_state_count(const Model *m);
void model_state_entry(const Model *m, int i, ModelStateEntry *out);
/* Floats of the flat float state (model_num_params + buffers) and int64 counters. */
size_t model_state_floats(const Model *m);
int model_state_counters(const Model *m);
/* Copy the flat float state out to dst (model_state_floats(m) floats) and, when counters is
 * non-NULL, the counters (model_state_counters(m) int64). Cannot fail. */
void model_state_export(const Model *m, float *dst, int64_t *counters);
/* Copy them in: n must equal model_state_floats(m), else FS_ERR_FORMAT naming both counts and
 * the model is unchanged; counters may be NULL (kept as they are). Gradients, optimiser state
 * and activations are untouched; inference afterwards uses the new values (BN folds included). */
FsStatus model_state_import(Model *m, const float *src, size_t n, const int64_t *counters);

/* Size the activation arena for batches up to n (grows only; no-op when large enough).
 * Returns FS_ERR_NOMEM if the arena cannot be allocated. */
FsStatus model_reserve(Model *m, int n);
size_t model_arena_bytes(const Model *m);
/* Forward pass over normalised x (n, c, h, w) with n <= reserved size; returns the logits
 * (n, k), a view valid until the next pass. train = 1 uses batch statistics (and updates the
 * running ones) and dropout. */
const float *model_forward(Model *m, const float *x, int n, int train);
/* Backward pass for the last forward: dlogits (n, k) is dLoss/dlogits. Accumulates parameter
 * gradients when param_grad; returns dLoss/dx (n, c, h, w) (a view) when input_grad, else NULL. */
const float *model_backward(Model *m, const float *dlogits, int param_grad, int input_grad);

/* The model as a Classifier (eval mode; logits and input_grad). The Classifier borrows m. */
FsStatus model_classifier(Model *m, int max_batch, Classifier *out);
void model_classifier_free(Classifier *c);

#endif
