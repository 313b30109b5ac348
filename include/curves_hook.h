/* curves_hook.h: glue between the learning-curve recorder (curves.h) and the engine's training
 * loop (train.h TrainHooks), and the storage of the curves in the model file.
 * Usage:
 *     CurvesHook ch; curves_hook_init(&ch, lc, 256);
 *     curves_hook_record_now(&ch, model, 0, 0);            // step 0, before training
 *     hooks.user = &ch; hooks.on_step = curves_hook_on_step; hooks.on_epoch = curves_hook_on_epoch;
 *     train_run(...); check ch.status; curves_save(lc, "MODEL.h5");
 * on_step records when curves_due(step, 0); on_epoch records at the epoch's last step. A failing
 * evaluation stops training (on_step returns 1) and leaves its status in ch.status.
 * Ownership: the hook borrows the recorder. Threads: the training thread only. */
#ifndef FS_CURVES_HOOK_H
#define FS_CURVES_HOOK_H

#include "curves.h"
#include "model.h"

typedef struct {
    LearningCurves *lc;
    int max_batch;
    long last_step;
    FsStatus status;
} CurvesHook;

void curves_hook_init(CurvesHook *h, LearningCurves *lc, int max_batch);
/* The usual start: a recorder over sets with schedule sch (NULL: curves_schedule_default,
 * PAPER.md 5), attached to h, and a first record at step 0 (before training). On success the caller owns h->lc
 * (curves_destroy); on failure h->lc is NULL and fs_last_error says why. */
FsStatus curves_hook_start(CurvesHook *h, const CurvesSet *sets, int n_sets, int k, int max_batch,
                           const CurvesSchedule *sch, Model *m);
FsStatus curves_hook_record_now(CurvesHook *h, Model *m, long step, int epoch);
int curves_hook_on_step(void *user, Model *m, long step, int epoch);
void curves_hook_on_epoch(void *user, Model *m, int epoch, double train_loss, double train_acc,
                          double val_loss, double val_acc);

/* Store in an existing model file, under /curves: learning_steps (T), learning_epochs (T),
 * learning_acc (T, S, K), learning_auc (T, S, K), learning_confusion (T, S, K, K) (as doubles),
 * and the set names as the root attribute curves_sets ("original,bs12,..."). */
FsStatus curves_save(const LearningCurves *lc, const char *model_path);

#endif
