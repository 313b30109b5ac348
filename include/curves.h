/* curves.h: learning-order curves recorded during training (PAPER.md 5, 3.3). At scheduled
 * steps, a LearningCurves recorder evaluates the model on every registered evaluation set
 * (the original test set, band-stopped and band-pass copies given as masks) and appends
 *   acc       (T, S, K)    per-class accuracy,
 *   auc       (T, S, K)    one-vs-rest AUC of the logit margin z_c - max_{j!=c} z_j,
 *   confusion (T, S, K, K) true x predicted counts,
 *   steps (T), epochs (T).
 * Each set is normalised and filtered once, at creation (memory: S copies of the sets).
 * The engine's TrainHooks.on_step calls curves_due / curves_record.
 * Ownership: the recorder copies what it needs from the sets (they may be freed afterwards) and
 * owns its arrays; accessors return pointers valid until the next record or destroy.
 * Threads: one recorder per thread. Errors: create returns NULL with fs_last_error; record
 * returns FsStatus. */
#ifndef FS_CURVES_H
#define FS_CURVES_H

#include "classifier.h"
#include "dataset.h"
#include "util.h"

#include <stdint.h>

typedef struct {
    const char *name;    /* "original", "bs12", ... (copied) */
    const Dataset *data; /* pixels in [0,1] with mean/std */
    const float *mask;   /* (H, W) centred mask applied after normalisation, or NULL */
} CurvesSet;

typedef struct {
    long dense_every;  /* record every dense_every steps up to dense_until (inclusive) */
    long dense_until;
    long sparse_every; /* then every sparse_every steps (0: none) */
    int each_epoch;    /* and at every epoch end */
} CurvesSchedule;

typedef enum { CURVES_ACC = 0, CURVES_AUC = 1 } CurvesMetric;

typedef struct LearningCurves LearningCurves;

/* PAPER.md 5: every 10 steps to 100, then every 100, plus every epoch end. */
void curves_schedule_default(CurvesSchedule *s);
LearningCurves *curves_create(const CurvesSet *sets, int n_sets, int k, const CurvesSchedule *s);
void curves_destroy(LearningCurves *lc);

/* 1 when the schedule asks for a record at this step (epoch_end: the step closes an epoch). */
int curves_due(const LearningCurves *lc, long step, int epoch_end);
/* Evaluate and append (a second record at the same step is ignored). step 0 = before training. */
FsStatus curves_record(LearningCurves *lc, const Classifier *clf, long step, int epoch);

int curves_len(const LearningCurves *lc);  /* T */
int curves_num_sets(const LearningCurves *lc);
int curves_k(const LearningCurves *lc);
const char *curves_set_name(const LearningCurves *lc, int s);
const long *curves_steps(const LearningCurves *lc);
const int *curves_epochs(const LearningCurves *lc);
const double *curves_acc(const LearningCurves *lc);
const double *curves_auc(const LearningCurves *lc);
const int64_t *curves_confusion(const LearningCurves *lc);

/* PAPER.md 3.3: delta (K, K) = (Pred_s(i,j) - Pred_org(i,j)) / N_i * 100 at record t. */
void curves_confusion_change(const LearningCurves *lc, int t, int s, int s_org, double *delta);
/* First recorded step at which class c of set s reaches metric >= thr; -1 if never. */
long curves_first_learned(const LearningCurves *lc, int s, int c, CurvesMetric m, double thr);
/* The learned-first class: the one with the smallest first_learned step (ties: higher metric at
 * that step, then lower index); -1 when no class reaches thr. *step may be NULL. */
int curves_learned_first(const LearningCurves *lc, int s, CurvesMetric m, double thr, long *step);
/* PAPER.md 5.3 [X]: first epoch (records with epoch-end steps only: the last record of each
 * epoch) whose accuracy reaches frac of the class's final accuracy; -1 if none. */
int curves_epochs_to_fraction(const LearningCurves *lc, int s, int c, double frac);

#endif
