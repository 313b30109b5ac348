/* fgsm.h: the fast gradient sign method (Goodfellow et al. 2015) as an OOD set of one model
 * (issue 13). Name "fgsm:EPS", EPS a finite number > 0 in NORMALISED units (the model's input
 * space, PAPER.md 2). For each image x (pixels in [0, 1], NCHW) with label y:
 *   z     = (x - mean_c) / std_c                           (the set's constants)
 *   z_adv = z + EPS * sign(d CE(logits(z), y) / d z)       (sign(0) = 0: |z_adv - z| = EPS or 0)
 *   x_adv = clip(z_adv * std_c + mean_c, 0, 1)             (back to pixels, clipped)
 * The set is a pixel set like any other: evaluating it normalises x_adv back to exactly z_adv
 * (up to float rounding) wherever no clipping happened; where the step would leave [0, 1] it is
 * shortened to the edge. CE = cross-entropy of the classifier's logits in eval mode (BN running
 * statistics), via Classifier.input_grad, in batches of clf->max_batch; no randomness, so a set
 * depends only on the model, the images and EPS.
 * Ownership: fgsm_make allocates out (dataset_free). Threads: one Classifier per thread.
 * Errors: FS_ERR_CONFIG with one line for a bad name or a classifier without input gradients;
 * classifier errors pass through. */
#ifndef FS_FGSM_H
#define FS_FGSM_H

#include "classifier.h"
#include "dataset.h"
#include "util.h"

#include <stdint.h>

/* 1 when name is "fgsm" or starts with "fgsm:" (then fgsm_parse decides whether it is valid). */
int fgsm_is_name(const char *name);
/* "fgsm:EPS" -> *eps; FS_ERR_CONFIG naming the value unless EPS is a finite number > 0. */
FsStatus fgsm_parse(const char *name, double *eps);
/* z (n, c, h, w) normalised images, labels y (n): z += eps * sign(grad) in place; n any size. */
FsStatus fgsm_perturb(const Classifier *clf, float *z, const int32_t *y, int n, double eps);
/* out = the FGSM copy of d (pixels, clipped; labels, constants and class names kept). */
FsStatus fgsm_make(const Classifier *clf, const Dataset *d, double eps, Dataset *out);

#endif
