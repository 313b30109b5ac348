/* train.h: training and evaluation loops over a Dataset (PAPER.md 4: SGD, Nesterov 0.9, weight
 * decay 1e-4, lr 0.01, ReduceLROnPlateau on validation loss, batch 64, 90/10 split; or AdamW,
 * as ViTs are usually trained).
 * train_run splits the set with rng_derive(seed, 0, RNG_STREAM_SHUFFLE), normalises with the
 * set's mean/std, calls the hooks, and is deterministic for a given seed (and BLAS thread
 * count). All buffers are allocated once before the first step; none per step.
 * Errors: FS_ERR_CONFIG (shape mismatch, bad config), FS_ERR_DIVERGED (non-finite loss; the
 * model holds the weights of the step that diverged), FS_ERR_NOMEM; fs_last_error says which.
 * Not thread-safe: one run per model. */
#ifndef FS_TRAIN_H
#define FS_TRAIN_H

#include "dataset.h"
#include "model.h"
#include "rng.h"
#include "util.h"

typedef struct {
    int epochs;
    int batch;
    double lr, momentum, weight_decay; /* weight_decay: SGD's L2 term, AdamW's p *= 1 - lr wd */
    int nesterov;                      /* momentum, nesterov: SGD only */
    char optimizer[8];                 /* sgd | adamw */
    double beta1, beta2, eps;          /* AdamW only (torch's defaults 0.9, 0.999, 1e-8) */
    char schedule[16];      /* plateau | cosine | cosine_step (per step, to 0) | step | const */
    double plateau_factor;
    int plateau_patience;
    double plateau_threshold; /* relative */
    int step_size;
    double step_gamma;
    double val_frac;        /* fraction of the set held out for validation, [0, 0.9] */
    int max_steps;          /* stop after this many steps in all (0 = no limit) */
    uint64_t seed;
    int log_every;          /* log a progress line every N steps (0 = per epoch only) */
} TrainConfig;

void train_config_default(TrainConfig *cfg);
/* --set key=value: errors name the key and the expected value. */
FsStatus train_config_set(TrainConfig *cfg, const char *key, const char *value);
/* One line "key=value ..." of the whole config (for logs and model files); into buf. */
void train_config_format(const TrainConfig *cfg, char *buf, size_t n);

typedef struct {
    void *user;
    /* pixel-space augmentation of a batch (n,c,h,w) in [0,1], in place */
    void (*augment_pixels)(void *user, float *x, const int32_t *y, int n, int c, int h, int w,
                           Rng *rng);
    /* after normalisation (e.g. DFM-X) */
    void (*augment_normalized)(void *user, float *x, const int32_t *y, int n, int c, int h, int w,
                               Rng *rng);
    /* called every step after the update; return non-zero to stop */
    int (*on_step)(void *user, Model *m, long step, int epoch);
    void (*on_epoch)(void *user, Model *m, int epoch, double train_loss, double train_acc,
                     double val_loss, double val_acc);
} TrainHooks;

typedef struct {
    int epochs_done;
    long steps;
    double train_loss, train_acc, val_loss, val_acc, images_per_s, wall_s;
    double lr;              /* learning rate at the end */
} TrainStats;

FsStatus train_run(const TrainConfig *cfg, const Dataset *train, const TrainHooks *hooks, Model *m,
                   TrainStats *out);

/* Evaluate in eval mode with the set's normalisation. logits_out (n, k) and confusion (k, k),
 * rows = true class, may be NULL. *acc in [0, 1]. */
FsStatus eval_run(Model *m, const Dataset *d, int batch, float *logits_out, int *confusion,
                  double *acc);

/* x (n, c, hw) -> (x - mean[c]) / std[c], in place. */
void train_normalize(float *x, int n, int c, int hw, const float *mean, const float *std);

#endif
