/* heatmap.h: evaluators besides the paper (PAPER.md 12).
 *
 * Fourier heat map (Yin et al. 2019): for each frequency f, U_f is the real basis image of the
 * pair {f, -f} (cos(2 pi (u y / H + v x / W)), u = i - H/2, v = j - W/2) scaled to L2 norm eps per
 * channel; every test image gets x + s_c eps U_f with an independent random sign s_c per channel,
 * is clipped to [0, 1], normalised, and classified; err (H, W) centred holds the error rate. The
 * map is point-symmetric: one bin of each pair is evaluated and mirrored. `window` (odd, 0 = all)
 * restricts the evaluation to |u|, |v| <= window/2 (63 for ImageNet); other bins are NaN.
 * Signs come from rng_seed_words({seed, RNG_STREAM_OOD, bin index}), so they do not depend on the
 * order of evaluation.
 *
 * Radius curves: accuracy when keeping rho < r (low-pass) or rho >= r plus DC (high-pass; DC
 * optional), r = 0 .. ceil(max(H, W) / sqrt 2), overall and per class.
 * Ownership: callers own buffers. Threads: one Classifier per thread. Errors: FsStatus. */
#ifndef FS_HEATMAP_H
#define FS_HEATMAP_H

#include "classifier.h"
#include "dataset.h"
#include "util.h"

#include <stdint.h>

typedef struct {
    double eps;    /* L2 norm of the perturbation per channel; 4 for CIFAR, 15.7 for ImageNet */
    int window;    /* odd window size, 0 = the whole spectrum */
    uint64_t seed;
} HeatmapOptions;

void heatmap_options_default(HeatmapOptions *o); /* eps 4, window 0, seed 0 */
FsStatus heatmap_fourier(const Classifier *clf, const Dataset *d, const HeatmapOptions *o,
                         double *err);

int heatmap_num_radii(int h, int w); /* ceil(max(H, W) / sqrt 2) + 1 */
/* acc_low, acc_high: (R, K + 1); column K is the overall accuracy; per-class NaN when empty. */
FsStatus heatmap_radius(const Classifier *clf, const Dataset *d, int keep_dc, double *acc_low,
                        double *acc_high);

#endif
