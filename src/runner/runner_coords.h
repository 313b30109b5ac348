/* runner_coords.h: the coordinates both runners attach to their blobs, so every dimension of a
 * store array is labelled where a label exists (issue 13 point 4). By dimension name:
 *   class, pred, dfm_class  class names (sweep_class_name), or "0".."K-1" for a dataset whose
 *                           table has no names (tiny, imagenet10)
 *   fy, fx                  frequency in cycles per image in the centred layout of spectral.h:
 *                           index i of a side of n holds i - n/2 (-n/2 .. n/2 - 1), integers
 *   pa, pb                  patch row and column indices 0 .. n-1 (dfm.h geometry), integers
 *   epoch                   1 .. E (1-based), integers
 *   bound                   "lo", "hi"
 *   half                    "hi", "lo" (model_seed: the seed's 32-bit halves, high first)
 * Left as they are: dims that already carry coordinates (T, and ckpt = the step, set by the real
 * runner), test_band and ood (the store writes the axis values) and pure indices (param).
 * Not thread-safe on one TaskResult. */
#ifndef FS_RUNNER_COORDS_H
#define FS_RUNNER_COORDS_H

#include "task.h"

/* Attach the coordinates above to every extra dim of out's blobs that has none; dataset is the
 * index of the task's dataset on cfg's axis. */
void runner_label_blobs(const SweepConfig *cfg, int dataset, TaskResult *out);

#endif
