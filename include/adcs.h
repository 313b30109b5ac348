/* adcs.h: class-wise average amplitude spectra E_c and ADCS maps (PAPER.md 6).
 *
 *   E_c(u,v) = (1/|X_c|) sum_{x in X_c} |FFT2(x)(u,v)|           per channel, centred layout
 *   paper (default):  ADCS_i = mean over channels of sum_{j != i} sign(E_i - E_j), sign(0) = 0;
 *                     range [1-K, K-1]
 *   reference:        d = 0.2989 dR + 0.5870 dG + 0.1140 dB of the class *sums* (grey: d = dL),
 *                     s(d) = +1 if d > 0 else -1, self term j = i included; range [-K, K-2]
 * Sums over j run over the classes with at least one image (K' of them; see adcs_finish).
 * Images are normalised with the dataset's mean/std before the FFT unless `raw` is set (which
 * only changes DC for the paper variant, and the channel weighting of the reference variant).
 *
 * Splitting: adcs_compute accumulates the images [first, first+count) into double sums, so a
 * data set can be split across ranks and the sums added (par_reduce_sum_double); the result
 * depends on the split only through double rounding (~1e-16 relative).
 * Threads: adcs_compute creates an FFTW plan, so call it from the main thread. Errors:
 * FS_ERR_CONFIG with a one-line fs_last_error (bad range, odd image size, label out of range). */
#ifndef FS_ADCS_H
#define FS_ADCS_H

#include "dataset.h"
#include "util.h"

#include <stdint.h>

typedef enum { ADCS_PAPER = 0, ADCS_REFERENCE = 1 } AdcsVariant;

/* class_amp_sum (K, C, H, W) += |FFT2| of the normalised images; class_count (K) += counts.
 * The caller zeroes both before the first call. */
FsStatus adcs_compute(const Dataset *d, int first, int count, double *class_amp_sum,
                      int64_t *class_count);
FsStatus adcs_compute_ex(const Dataset *d, int first, int count, int raw, double *class_amp_sum,
                         int64_t *class_count);
/* From the sums: E (K, C, H, W) class means (may be NULL) and adcs (K, H, W). Classes with no
 * image (class_count 0) have no mean spectrum: they are left out of every other class's sum
 * (so the range shrinks to that of the K' classes present) and their own E and ADCS are NaN.
 * Returns the number of such classes. */
int adcs_finish(const double *class_amp_sum, const int64_t *class_count, int k, int c, int h,
                int w, AdcsVariant variant, double *E, double *adcs);
/* One LOG_WARN per class with no image, naming it (names (K) may be NULL) and the set; returns
 * their number. */
int adcs_warn_absent(const int64_t *class_count, int k, char *const *names, const char *set);
const char *adcs_variant_str(AdcsVariant v);

#endif
