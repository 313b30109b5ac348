/* data.h: no data.c alone: implemented by src/data/ (data.c, data_spec.c, data_syn.c, ...).
 * Loading datasets from specs, subsets, normalisation, image resampling and the
 * synthetic Syn_B1..B4 generator (PAPER.md 3.2).
 *
 * Spec syntax (full text: dataset_spec_help()):  SOURCE[?key=value&key=value...]
 *   fashion-mnist:train | fashion-mnist:test | fashion-mnist:DIR:train   (IDX, .gz or plain)
 *   mnist:DIR:train|test     idx:IMAGES:LABELS     cifar10:DIR:train|test
 *   cifar100:DIR:train|test  folder:DIR            syn:b1..b4:train|test
 *   npy:IMAGES.npy:LABELS.npy                      cifar10c:DIR:CORRUPTION:SEVERITY
 *   ood:CORRUPTION[:SEVERITY]:BASE-SPEC            (ood.h names; options go to BASE-SPEC)
 *   SPEC@N is short for SPEC?n=N.
 * Options: n, per_class, frac, subset_seed, stratified, pad, pad32, size, channels, mean, std,
 * classes, classes_file, labels (cifar100), syn parameters (seed, n_per_class, ...), ood_seed.
 *
 * Ownership: every function filling a Dataset allocates it; the caller calls dataset_free.
 * Threads: all functions are reentrant (no global state); the syn generator creates an FFTW
 * plan, so call it from the main thread (spectral.h). Errors: FsStatus with a one-line
 * fs_last_error naming the file, the offset or entry, and what was expected. */
#ifndef FS_DATA_H
#define FS_DATA_H

#include "dataset.h"
#include "util.h"

#include <stdint.h>

/* Default location of the Debian package dataset-fashion-mnist. */
#define DATA_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

FsStatus dataset_load(const char *spec, Dataset *out);
/* out = d restricted to images idx[0..n) (in that order); copies names and normalisation. */
FsStatus dataset_subset(const Dataset *d, const int *idx, int n, Dataset *out);
/* Pixels -> (x - mean[c]) / std[c] for n images of d's shape; out may equal x. */
void dataset_normalize(const Dataset *d, const float *x, float *out, int n);
const char *dataset_spec_help(void);

/* Class-stratified pick: per class c, `take[c]` images (first ones in stored order, or a
 * seeded random choice when seed != 0). Indices are returned ascending. *idx is xmalloc'd. */
FsStatus dataset_stratified_indices(const Dataset *d, const int *take, uint64_t seed, int **idx,
                                    int *n);
/* out = the images of d whose rank among their class's images (in stored order) is even
 * (half 0: the 1st, 3rd, ... of each class) or odd (half 1), in stored order: two disjoint halves
 * of every class, ceil(n_c / 2) and floor(n_c / 2) images. FS_ERR_CONFIG when half is not 0 or 1
 * or the half is empty. */
FsStatus dataset_class_half(const Dataset *d, int half, Dataset *out);
/* Per-class counts (k entries, xcalloc'd). */
int *dataset_class_counts(const Dataset *d);
/* Mean and std per channel over all pixels (double accumulation) into d->mean / d->std. */
void dataset_compute_norm(Dataset *d);
/* Zero-pad every image by `pad` pixels on each side (in place on d: reallocates x). */
void dataset_pad(Dataset *d, int pad);
/* Allocate an empty dataset of the given shape (x, y zeroed; mean 0, std 1). */
void dataset_alloc(Dataset *d, int n, int c, int h, int w, int k);
/* Copy of class names (k strings) or NULL. */
char **dataset_copy_names(const char *const *names, int k);

/* NumPy .npy output (format 1.0, C order): a raw array with dtype descr ("|u1", "<f4", "<i8"),
 * and a dataset's images as (N, H, W, C), uint8 (round(255 x), clipped) or float32. */
FsStatus data_write_npy(const char *path, const char *descr, int ndim, const int64_t *shape, const void *data,
                        size_t bytes);
FsStatus data_write_npy_images(const char *path, const Dataset *d, int as_uint8);

/* Antialiased bilinear resampling (PIL/torchvision 'bilinear' with antialias: a triangle filter
 * whose support grows with the downscale factor) of the crop rows [y0, y0+ch) x cols
 * [x0, x0+cw) of src (C, sh, sw) into dst (C, dh, dw). Crop coordinates may be fractional. */
void image_resize_crop(const float *src, int c, int sh, int sw, double y0, double x0, double ch,
                       double cw, float *dst, int dh, int dw);
void image_resize(const float *src, int c, int sh, int sw, float *dst, int dh, int dw);

/* ---------------------------------------------------------------- synthetic Syn_B1..B4 */
#define SYN_MAX_BANDS 8
typedef struct {
    int n;                     /* image side N (even) */
    int k;                     /* classes (4) */
    int nbands;                /* bands (4); edges b*N/(2*nbands), the last to infinity */
    double beta;               /* background amplitude ~ rho^-beta */
    double kappa[4];           /* in-band signal/background RMS per class */
    double kappa_echo;         /* C2 echo in the other bands */
    double wedge_lo, wedge_hi; /* C2 wedge, degrees, inclusive */
    double jitter;             /* amplitude factor U[1-j, 1+j] */
    double colour_lo;          /* colours U[colour_lo, 1] */
    double target_mean, target_std;
    int n_per_class;           /* images per class of the split */
    uint64_t seed;
} SynParams;

/* Defaults of PAPER.md 3.2; n_per_class is 2000 for train (split 0) and 400 for test (1). */
void syn_default_params(SynParams *p, int split);
/* Frequency pairs and signature sets of band b (1-based). A pair is stored as the centred
 * index (i*N + j) of its representative member (psi in [0, 180)); lists are in canonical
 * (rho, psi) order. Arrays are xmalloc'd; syn_sets_free releases them. */
typedef struct {
    int band;                    /* b */
    int n_pairs[SYN_MAX_BANDS];  /* |P_k| per band k (0-based) */
    int *pairs[SYN_MAX_BANDS];   /* P_k */
    int n_wedge[SYN_MAX_BANDS];  /* |W_k| */
    int *wedge[SYN_MAX_BANDS];   /* W_k */
    int n_s[4];                  /* |S_0|, |S_1|, |S_2|, |S_3| */
    int *s[4];
    double sigma[SYN_MAX_BANDS]; /* in-band background RMS sigma_k */
} SynSets;
FsStatus syn_make_sets(const SynParams *p, int band, SynSets *out);
void syn_sets_free(SynSets *s);
/* Generate Syn_B<band> split (0 train, 1 test) into out (class-major, uint8-quantised pixels
 * / 255, 3 channels, synthetic normalisation constants). */
FsStatus syn_generate(const SynParams *p, int band, int split, Dataset *out);

#endif
