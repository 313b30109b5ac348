/* augment_internal.h: no augment_internal.c: implemented by augment.c and autoaugment.c.
 * Private interface between augment.c and autoaugment.c. */
#ifndef FS_AUGMENT_INTERNAL_H
#define FS_AUGMENT_INTERNAL_H

#include "rng.h"

enum { AUG_POLICY_CIFAR10 = 0, AUG_POLICY_IMAGENET = 1 };

/* One AutoAugment draw (sub-policy, two probabilities, two signs) applied to img (c, h, w). */
void autoaugment_apply(int policy, float *img, int c, int h, int w, Rng *rng);

#endif
