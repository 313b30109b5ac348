/* shortcut.h: shortcut evaluation with DFMs (PAPER.md 8). For each class c, DFM_c (a binary
 * (H, W) centred map) is applied to *every* test image ("keep only DFM_c"), and its complement
 * 1 - DFM_c with DC forced to 1 ("remove DFM_c"); with the confusion matrices Mat
 *   TPR_c = Mat[c,c] / P_c,   FPR_c = (sum_i Mat[i,c] - Mat[c,c]) / (N_tot - P_c).
 * Verdicts: shortcut when TPR_c^DFM > t, strong when TPR_c^DFM >= 0.6. OOD sets and DFMs of
 * another model (cross-architecture transfer) use the same call. Rates with an empty
 * denominator are NaN.
 * Ownership: shortcut_eval fills a ShortcutResult whose arrays it allocates;
 * shortcut_result_free releases them. Threads: one Classifier per thread. Errors: FsStatus with
 * fs_last_error (shape or label mismatch, classifier failure). */
#ifndef FS_SHORTCUT_H
#define FS_SHORTCUT_H

#include "classifier.h"
#include "dataset.h"
#include "util.h"

#include <stdint.h>

#define SHORTCUT_STRONG_TPR 0.6

typedef struct {
    int k;
    double t;
    int64_t n_total;
    int64_t *pos;                        /* (K) P_c */
    int64_t *conf_org;                   /* (K, K) true x predicted, unfiltered */
    int64_t *conf_dfm;                   /* (K, K, K) [c]: DFM_c kept */
    int64_t *conf_cmp;                   /* (K, K, K) [c]: DFM_c removed, DC kept */
    double *tpr_org, *fpr_org;           /* (K) */
    double *tpr_dfm, *fpr_dfm;           /* (K) */
    double *tpr_cmp, *fpr_cmp;           /* (K) */
    uint8_t *shortcut, *strong;          /* (K) */
} ShortcutResult;

/* Rates of class c from a (K, K) confusion matrix. */
void shortcut_rates(const int64_t *conf, int k, int c, double *tpr, double *fpr);

/* TPR of every class under every class's DFM (a null control of issue 12: TPR_c with DFM_j
 * kept, j != c): out (K dfm j, K class c) = conf_dfm[j][c][c] / P_c; the diagonal is tpr_dfm. */
void shortcut_cross_tpr(const ShortcutResult *r, double *out);

/* dfms (K, H, W) binary maps; t in [0, 1]. */
FsStatus shortcut_eval(const Classifier *clf, const Dataset *d, const uint8_t *dfms, double t,
                       ShortcutResult *r);
/* The same for the DFMs of classes [c0, c1) only (a per-class sweep task): conf_dfm/conf_cmp
 * of the other classes stay zero and their DFM rates NaN, verdicts 0; conf_org and the
 * unfiltered rates cover every class. Class c's numbers equal shortcut_eval's bitwise. */
FsStatus shortcut_eval_classes(const Classifier *clf, const Dataset *d, const uint8_t *dfms,
                               double t, int c0, int c1, ShortcutResult *r);
void shortcut_result_free(ShortcutResult *r);

/* HFSS reporting (PAPER.md 9) at threshold t: S_t = {c : TPR_c^DFM > t}. Means over S_t and over
 * its complement (NaN when empty); TPR^DFM is never averaged over all classes. */
typedef struct {
    double t;
    int n_sct;                 /* |S_t| */
    double avg_tpr_sct;        /* mean TPR_org over S_t */
    double avg_tpr_dfm_sct;    /* mean TPR^DFM over S_t */
    double avg_tpr_nonsct;     /* mean TPR_org over the other classes */
    double avg_tpr_dfm_nonsct; /* mean TPR^DFM over the other classes */
} ShortcutSummary;

void shortcut_summary(const ShortcutResult *r, double t, ShortcutSummary *s);

#endif
