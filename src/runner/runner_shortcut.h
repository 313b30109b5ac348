/* runner_shortcut.h: the store arrays of the SHORTCUT task, shared by the real and the fake
 * runner so both fill the same names and dims (issue 12). Every array is double, per model,
 * NaN-filled until set; rates are fractions, verdicts 0/1 (NaN: not computed).
 *   (T, class):        tpr, fpr (DFM_c kept), tpr_cmp, fpr_cmp (DFM_c removed, DC kept),
 *                      tpr_disc, fpr_disc (same-size low-pass disc), ctl_tpr_mean, ctl_tpr_p95,
 *                      ctl_fpr_mean, ctl_fpr_p95 (over the R random radius-matched masks), p_tpr,
 *                      inj (injection rate with DFM_c), ctl_inj_mean, ctl_inj_p95, p_inj,
 *                      shortcut, strong (paper's verdict), specific (fsweep's verdict)
 *   (T, class, bound): tpr_ci, fpr_ci, inj_ci (Wilson 95 %, bound `lo`, `hi`)
 *   (T, dfm_class, class): tpr_cross (TPR of class under the DFM of dfm_class)
 *   (class):           tpr_org, fpr_org (unfiltered test set)
 * With [analyses] shortcut_ood = true the SHORTCUT task adds the same arrays measured on each
 * OOD set (the set's copy of the measuring images, the DFMs at the first T, controls of the same
 * seed), named ood_tpr, ood_fpr, ..., with dimension ood (the [axes] ood values) in place of T,
 * and ood_tpr_org, ood_fpr_org (ood, class): the transfer of the shortcut to corrupted data.
 * With shortcut_xfer = true each XFER task (model m, source arch a2) adds the same arrays named
 * xfer_tpr, ... with dimension src_arch in place of T: a2's DFMs (same dataset, aug, band and
 * seed; first T) measured on m, written at row a2 (row m's own arch stays NaN: its own maps are
 * the tpr, ... arrays); xfer_tpr_org, xfer_fpr_org (class) are m's unfiltered rates.
 * A per-class SHORTCUT task (TaskSpec.cls = c) writes the class-c slices (runner_keep_class).
 * Not thread-safe (appends to one TaskResult). */
#ifndef FS_RUNNER_SHORTCUT_H
#define FS_RUNNER_SHORTCUT_H

#include "task.h"

#include <stdint.h>

typedef enum {
    SCB_TPR, SCB_FPR, SCB_TPR_CMP, SCB_FPR_CMP, SCB_TPR_DISC, SCB_FPR_DISC,
    SCB_CTL_TPR_MEAN, SCB_CTL_TPR_P95, SCB_CTL_FPR_MEAN, SCB_CTL_FPR_P95, SCB_P_TPR,
    SCB_INJ, SCB_CTL_INJ_MEAN, SCB_CTL_INJ_P95, SCB_P_INJ,
    SCB_SHORTCUT, SCB_STRONG, SCB_SPECIFIC,  /* (T, class) up to here */
    SCB_TPR_CI, SCB_FPR_CI, SCB_INJ_CI,      /* (T, class, bound) */
    SCB_TPR_CROSS,                           /* (T, dfm, class) */
    SCB_TPR_ORG, SCB_FPR_ORG,                /* (class) */
    SCB_COUNT
} ShortcutBlob;

/* Add every array to out for nT thresholds and K classes; data[i] = the array of blob i. */
void runner_shortcut_blobs(TaskResult *out, int64_t nT, int64_t K, double **data);
/* The same arrays named PREFIX + name with first dimension `first` (n of it) instead of T: the
 * HFSS task's hfss_tpr, ... (map, class), map = hfss, removal (runner_real.c run_model_eval). */
void runner_shortcut_blobs_as(TaskResult *out, const char *prefix, const char *first, int64_t n,
                              int64_t K, double **data);

/* The shortcut_ood arrays: prefix ood_, first dimension ood (n_ood), and tpr_org, fpr_org
 * per OOD set (ood, class) since each set has its own unfiltered rates. */
void runner_shortcut_blobs_ood(TaskResult *out, int64_t n_ood, int64_t K, double **data);

/* Keep row i of dimension dim of every blob that has one (the XFER task's row src_arch of the
 * xfer_* arrays); blobs without it stay whole. */
void runner_keep_row(TaskResult *out, const char *dim, int64_t i);

/* A per-class task (spec->cls = c >= 0) keeps its slice of every blob of out: dim "dfm_class"
 * where the blob has one (tpr_cross: the row of DFM_c, which only class c's task computes),
 * else dim "class" (dfm_score, dfm, tpr, ..., tpr_org); blobs without a class dim stay whole.
 * The slices of a model's per-class tasks together cover each array exactly once. */
void runner_keep_class(TaskResult *out, int c);

#endif
