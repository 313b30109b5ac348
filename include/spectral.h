/* spectral.h: Fourier-domain tools for (C, H, W) float images; the only FFTW user.
 *
 * Conventions (PAPER.md 2): FFT2 is the unnormalised DFT; the inverse carries 1/(H*W).
 * Masks, loss maps, ADCS maps and DFMs are full (H, W) arrays in the *centred* (fftshift)
 * layout: index (i, j) holds frequency (i - H/2, j - W/2), DC at (H/2, W/2); the conjugate
 * partner of (i, j) is ((H - i) % H, (W - j) % W). Filtering is
 *     y_c = Re(IFFT2(FFT2(x_c) .* M))        (same M on every channel),
 * which equals filtering with the Hermitian-symmetrised mask M_h(f) = (M(f) + M(-f)) / 2.
 *
 * Ownership: SpectralPlan owns its FFTW plans and aligned buffers; create is slow (plans once
 * per image size), apply is cheap. Threads: create/destroy from one thread; apply functions
 * are safe on distinct plans. Errors: create returns NULL (fs_last_error says why). */
#ifndef FS_SPECTRAL_H
#define FS_SPECTRAL_H

#include <stdint.h>

typedef struct SpectralPlan SpectralPlan;

typedef enum {
    SPECTRAL_ESTIMATE = 0, /* FFTW_ESTIMATE: deterministic, no timing */
    SPECTRAL_MEASURE = 1,  /* FFTW_MEASURE: faster plans, chosen by timing (use with wisdom) */
} SpectralFlags;

SpectralPlan *spectral_plan_create(int c, int h, int w, SpectralFlags flags);
void spectral_plan_destroy(SpectralPlan *sp);

/* y = Re(IFFT2(FFT2(x) .* mask)) per channel. x, y: (C, H, W); mask: (H, W) centred layout,
 * real. y may equal x. */
void spectral_filter(SpectralPlan *sp, const float *mask, const float *x, float *y);
/* Full complex spectrum of each channel in the centred layout, double precision:
 * re, im: (C, H, W). */
void spectral_spectrum(SpectralPlan *sp, const float *x, double *re, double *im);
/* |FFT2(x_c)| in the centred layout: amp (C, H, W). */
void spectral_amplitude(SpectralPlan *sp, const float *x, double *amp);

/* Mask helpers; all masks are (H, W) centred, 1 = keep. */
void spectral_mask_fill(float *m, int h, int w, float v);
double spectral_radius(int i, int j, int h, int w);        /* distance of bin (i,j) from DC */
void spectral_partner(int i, int j, int h, int w, int *pi, int *pj);
/* Set m to `v` on the annulus r1 <= rho < r2 (r2 < 0 means infinity). */
void spectral_mask_band(float *m, int h, int w, double r1, double r2, float v);
/* Make a mask exactly symmetric: M <- max(M, M*) (keep) — used by HFSS. */
void spectral_mask_symmetrize_max(float *m, int h, int w);

const char *spectral_library_version(void); /* fftwf_version */
const char *spectral_plan_flags_str(SpectralFlags f);
/* Wisdom as a string (export/import), for recording and for the MPI broadcast. */
char *spectral_export_wisdom(void);          /* free() the result */
int spectral_import_wisdom(const char *w);   /* 1 on success */

#endif
