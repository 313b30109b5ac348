/* augment.h: seeded training-time augmentations, selectable by name (PAPER.md 4, 10, 12).
 *
 * A pipeline is a comma-joined list of steps; a step is NAME or NAME:key=value[:key=value...].
 *   Pixel-space steps ([0, 1] images; run by augment_pixels, in the order given):
 *     pad:P (pad4 = pad:4, zero fill; grows the working image), crop (random crop back to
 *     H x W), flip (horizontal, p = 0.5), rrc (RandomResizedCrop to H x W: smin=0.08, smax=1,
 *     rmin=0.75, rmax=1.3333, bilinear with antialiasing), autoaugment (policy=cifar10 |
 *     imagenet; default cifar10 when H <= 64 else imagenet; nearest interpolation, fill 0),
 *     augmix (severity=3, width=3, depth=-1, alpha=1; all ops as torchvision), fourier
 *     (Fourier-basis noise: eps=4 L2 norm, p=0.5; random bin, random sign per channel, clip).
 *   Normalised-space steps (run by augment_normalized, after the engine's normalisation):
 *     lowpass:r=R (keep rho < R), highpass:r=R (keep rho >= R, DC kept), bandpass:r1=A:r2=B
 *     (keep A <= rho < B plus DC), bandstop:r1=A:r2=B (remove A <= rho < B, DC kept); each
 *     with p=1 (probability per image); dfmx:p=0.3 (DFM-X: needs augment_set_dfms).
 *   Aliases: paper = pad:4,flip,rrc (PAPER.md 4);  cifar = pad:4,crop,flip;  none / normalize
 *     = no step (normalisation itself is the engine's job, between the two hooks).
 * The pixel steps must bring the working image back to H x W (pad needs a later crop or rrc).
 * Augmentation never changes the stored dataset: hooks work on the engine's batch copies.
 *
 * Determinism: every draw comes from the Rng passed to the hooks, image by image in batch
 * order, so a (seed, batch) pair always yields the same output.
 * Ownership: augment_create allocates the Augmenter (augment_free). Threads: create/free on
 * the main thread (FFTW planning); the hooks use the augmenter's own buffers and plan, so one
 * augmenter must not be used by two threads at once. Errors: augment_create and
 * augment_set_dfms return FS_ERR_CONFIG with a one-line fs_last_error. */
#ifndef FS_AUGMENT_H
#define FS_AUGMENT_H

#include "rng.h"
#include "util.h"

#include <stdint.h>

typedef struct Augmenter Augmenter;

FsStatus augment_create(const char *pipeline, int c, int h, int w, Augmenter **out);
void augment_free(Augmenter *a);
/* DFM-X masks: dfm (K, H, W) centred, 1 = keep (copied; DC forced to 1); p overrides the
 * dfmx step's probability when >= 0. */
FsStatus augment_set_dfms(Augmenter *a, const float *dfm, int k, double p);
/* Hooks (TrainHooks signatures): x (n, c, h, w) in place; y (n) labels. */
void augment_pixels(void *augmenter, float *x, const int32_t *y, int n, int c, int h, int w, Rng *rng);
void augment_normalized(void *augmenter, float *x, const int32_t *y, int n, int c, int h, int w,
                        Rng *rng);
/* 1 when the pipeline has pixel / normalised steps (the engine may skip a hook). */
int augment_has_pixel_steps(const Augmenter *a);
int augment_has_normalized_steps(const Augmenter *a);
/* The pipeline in canonical form (aliases expanded, defaults shown), for the results record. */
const char *augment_describe(const Augmenter *a);
const char *augment_help(void);

/* Building blocks, exposed for tests and other modules. img (c, h, w) in [0, 1]. */
void augment_hflip(float *img, int c, int h, int w);
/* AutoAugment operation by torchvision name ("ShearX", "Equalize", ...) with a signed
 * magnitude in the op's own unit; returns 0 for an unknown name. */
int augment_op_apply(const char *op, double magnitude, float *img, int c, int h, int w);
/* AugMix of one image: img <- m img + (1 - m) sum_i ws[i] chain_i(img), m ~ Beta(alpha, alpha),
 * ws ~ Dirichlet(alpha). work: 2 c h w floats; on return work + c h w holds the mix.
 * weights (optional, width + 1 values): m, then ws. */
void augment_augmix_one(float *img, int c, int h, int w, int severity, int width, int depth,
                        double alpha, Rng *rng, float *work, double *weights);

#endif
