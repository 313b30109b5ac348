/* maskeval.h: shared evaluation helpers of the frequency analyses (DFM, shortcut TPR/FPR,
 * learning curves, heat maps): normalise a Dataset, filter it with a centred (H, W) mask, run a
 * Classifier over it in batches and collect confusion matrices, margins and cross-entropies.
 *
 * Order (PAPER.md 2): [0,1] pixels -> (x - mean_c) / std_c -> mask filter -> logits.
 * Cross-entropies are double-precision log-sum-exps of the float logits.
 * Ownership: callers own every buffer. Threads: one Classifier per thread; the functions keep
 * no state. Errors: FsStatus with fs_last_error naming the cause (a failing classifier call,
 * non-finite logits, a label outside [0, K)). */
#ifndef FS_MASKEVAL_H
#define FS_MASKEVAL_H

#include "classifier.h"
#include "dataset.h"
#include "spectral.h"
#include "util.h"

#include <stdint.h>

/* Check that d matches the classifier's input shape and class count (labels < clf->k).
 * `what` names the set in the error message. */
FsStatus maskeval_check(const Classifier *clf, const Dataset *d, const char *what);

/* xn (n, c, h, w) = (x - mean[c]) / std[c]. Dies on std <= 0 (a malformed Dataset). */
void maskeval_normalise(const Dataset *d, float *xn);

/* y (c, h, w) = x filtered with mask in double precision (PAPER.md 2): x -> double,
 * spectral_filter_double, -> float. tmp: c*h*w doubles of scratch. y may equal x. */
void maskeval_filter(SpectralPlan *sp, const float *mask, const float *x, float *y, double *tmp);

/* Cross-entropy of one logit row against label y, double log-sum-exp. */
double maskeval_ce(const float *z, int k, int y);

/* Run clf over n normalised images xn (n, c, h, w), each filtered with `mask` ((H, W) centred,
 * NULL = unfiltered; sp must then be a plan for (c, h, w), else may be NULL). Accumulates:
 *   conf   (K, K) += counts of (true y, predicted argmax)   (may be NULL)
 *   logits (n, K) = the raw logits                           (may be NULL)
 * Ties in argmax go to the lowest class index. */
FsStatus maskeval_run(const Classifier *clf, const float *xn, const int32_t *y, int n,
                      SpectralPlan *sp, const float *mask, int64_t *conf, float *logits);

/* Per-class counts of labels: counts (K). */
void maskeval_class_counts(const int32_t *y, int n, int k, int64_t *counts);

/* One-vs-rest AUC of the margin m_c = z_c - max_{j != c} z_j for class c over n images
 * (Mann-Whitney, ties count 1/2). NaN when class c or its complement is empty. */
double maskeval_auc_margin(const float *logits, const int32_t *y, int n, int k, int c,
                           double *scratch /* 2n */);

#endif
