/* toy_data.h: a built-in synthetic dataset for quick runs and tests of the NN engine.
 * Spec "toy:K[:n=N][:size=S][:c=C][:seed=X]" (defaults n=64*K, size=16, c=3, seed=1): K classes,
 * class j = a sinusoidal grating of 3 cycles per image at angle pi*j/K with a random phase,
 * amplitude 0.2 around 0.5, plus uniform noise of amplitude 0.15; labels cycle 0..K-1.
 * Pixels in [0, 1]; mean/std measured per channel. Deterministic in the spec.
 * Errors: FS_ERR_CONFIG naming the field. *out is owned by the caller (dataset_free). */
#ifndef FS_TOY_DATA_H
#define FS_TOY_DATA_H

#include "dataset.h"
#include "util.h"

int toy_spec_matches(const char *spec); /* 1 if spec starts with "toy:" */
FsStatus toy_dataset_make(const char *spec, Dataset *out);

#endif
