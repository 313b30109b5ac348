/* controls.h: null controls and shortcut injection for the DFM shortcut evaluation (issue 12,
 * PAPER.md 8). For each class c and its binary DFM_c ((H, W), centred layout of spectral.h):
 *
 *  - Radius-matched random masks. Ring of bin (i, j): round(rho), rho its distance from DC
 *    (control_ring). Bins are grouped into conjugate units: {b, b*} (2 bins) or a self-partnered
 *    bin (1 bin: (0,0), (0,W/2), (H/2,0); DC is handled apart). Per ring, DFM_c keeps f full
 *    pairs, h half pairs (one bin of a pair) and s self-partnered bins; the control keeps f
 *    random full pairs, h other random half pairs (which bin: a fair coin) and s random
 *    self-partnered bins of the same ring, and DC exactly when DFM_c keeps DC. So the control
 *    keeps as many bins as DFM_c on every ring, with the same Hermitian weights (an exactly
 *    symmetric DFM gives exactly symmetric controls). Draw r of class c uses its own stream
 *    seeded from (seed, "control", c, r): any split of the draws gives the same masks.
 *  - Low-pass disc of the same size: DC as in DFM_c, then the other bins in order of rho^2,
 *    ties on a ring broken by orientation psi = atan2(f_y, f_x) folded into [0, 180) deg, then by
 *    the row-major index of the unit's first bin; conjugate pairs are taken whole, and when one
 *    bin is left for a pair the pair's bin with the smaller row-major index is kept alone.
 *    Same bin count as DFM_c.
 *  - Injection: for class c every test image j of another class is paired with a class-c test
 *    image pi_c(j) (uniform, with replacement; the stream seeded from (seed, "inject", c), drawn
 *    in image order) and gets F' = F_j (1 - M) + F_pi M, i.e. by linearity
 *    x' = x_j - filt(x_j, M) + filt(x_pi, M) with filt the PAPER.md 2 filter (double precision,
 *    stored as float). The injection rate is the fraction of those images predicted c.
 *
 * Work items: per class c, q = 0 is DFM_c itself, q = 1 the disc, q = 2 .. R+1 the random
 * draws; item index c * (R + 2) + q. Each item filters every test image once with its mask and
 * scores it (one forward pass per image), then scores the injected images of the other classes
 * (one forward pass each), in batches of clf->max_batch like maskeval_run. An item depends only
 * on (model, data, DFM_c, seed, c, q), so any split of the items (FsSpread) gives bitwise the
 * same counts.
 *
 * Ownership: ControlResult arrays are allocated by controls_eval, released by
 * control_result_free. Threads: one Classifier per thread; FFTW plans made on the calling thread.
 * Errors: FsStatus with fs_last_error (shape or label mismatch, classifier failure). */
#ifndef FS_CONTROLS_H
#define FS_CONTROLS_H

#include "classifier.h"
#include "dataset.h"
#include "split.h"
#include "util.h"

#include <stdint.h>

#define CONTROL_ITEM_WIDTH 3 /* doubles per item: true positives, false positives, injected hits */

typedef struct {
    int n_controls;  /* R >= 0 random radius-matched masks per class */
    uint64_t seed;   /* control masks and injection pairing */
    int inject;      /* 1: injection rates too (0: the injected counts are NaN) */
    FsSpread spread; /* how to spread the items; NULL: all on this process */
    int class_first, class_count; /* only classes [first, first + count) (a per-class sweep
                                     task; 0, 0 = all); the others' results are NaN */
} ControlOptions;

void control_options_default(ControlOptions *o); /* R = 50, seed 0, inject on, no spread */

typedef struct {
    int k, r;            /* classes, random draws per class */
    int64_t *pos, *neg;  /* (K) P_c and N_tot - P_c (the injection denominator too) */
    /* counts and rates per (class, item q), q as above: (K, R + 2) */
    double *tp, *fp, *inj;       /* counts (inj NaN without injection) */
    double *tpr, *fpr, *inj_rate;
    /* summaries over the R random draws (NaN when R = 0 or the rate is undefined): (K) */
    double *tpr_ctl_mean, *tpr_ctl_p95, *fpr_ctl_mean, *fpr_ctl_p95;
    double *inj_ctl_mean, *inj_ctl_p95;
    double *p_tpr, *p_inj;       /* empirical p-values of DFM_c against the draws */
} ControlResult;

/* Ring index round(rho(i, j)). */
int control_ring(int i, int j, int h, int w);
/* Random radius-matched control (see above): dfm, out (H, W) binary, centred. */
void control_random_mask(const uint8_t *dfm, int h, int w, uint64_t seed, int c, int draw,
                         uint8_t *out);
/* Low-pass disc with as many bins as dfm (see above): out (H, W) binary. */
void control_disc_mask(const uint8_t *dfm, int h, int w, uint8_t *out);
/* partner (n): the class-c image paired with image j (an index into y), -1 where y[j] == c or
 * class c has no image. */
void control_pairing(const int32_t *y, int n, int c, uint64_t seed, int *partner);

static inline int control_num_items(int k, int r) { return k * (r + 2); }

/* The items of all classes over d with dfms (K, H, W); fills *res (see above). */
FsStatus controls_eval(const Classifier *clf, const Dataset *d, const uint8_t *dfms,
                       const ControlOptions *o, ControlResult *res);
/* Items [first, first + count) alone: out (count, CONTROL_ITEM_WIDTH) counts; for tests and
 * spreads. */
FsStatus controls_score_items(const Classifier *clf, const Dataset *d, const uint8_t *dfms,
                              const ControlOptions *o, int first, int count, double *out);
void control_result_free(ControlResult *res);

#endif
