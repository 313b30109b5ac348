/* ood.h: out-of-distribution test sets built offline from any test set (PAPER.md 3.3, 12).
 *
 * Names: "CORRUPTION:SEVERITY" with SEVERITY 1..5, for the CIFAR-10-C-style corruptions
 *   gaussian_noise, shot_noise, impulse_noise, speckle_noise, defocus_blur, motion_blur,
 *   contrast, brightness, fog, jpeg_compression, pixelate;
 * and spectral copies (4 radial bands of PAPER.md 3.2, DC always kept):
 *   "bandstop:K,L"       bands K and L (1..4) removed,
 *   "bandpass:K"         only band K (plus DC) kept,
 *   "bandstop_clip:K,L"  compatibility mode: filtered in pixel space, clipped, quantised to 8 bit.
 * Corruptions work in [0, 1] pixel space and clip to [0, 1]; bandstop/bandpass are NOT clipped:
 * with DC kept, filtering commutes with normalisation, so the stored pixels normalise to exactly
 * the filtered normalised tensors of PAPER.md 3.3. Noise draws come from
 * rng (seed, name, image index), so a set is identical for a seed whatever the thread or rank.
 * Ownership: ood_make allocates out (dataset_free). Threads: creates FFTW plans for the
 * spectral copies and fog: main thread only (spectral.h). Errors: FS_ERR_CONFIG for a bad name
 * with a one-line fs_last_error. */
#ifndef FS_OOD_H
#define FS_OOD_H

#include "dataset.h"
#include "util.h"

#include <stdint.h>

FsStatus ood_make(const Dataset *test, const char *name, uint64_t seed, Dataset *out);
/* The corruption names (without severity); *n is their count. Static storage. */
const char *const *ood_names(int *n);
/* The severity constant(s) of a corruption at severity 1..5 (for the record); 0 if unknown. */
double ood_severity_value(const char *corruption, int severity);

#endif
