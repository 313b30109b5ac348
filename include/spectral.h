/* spectral.h: Fourier-domain tools for (C, H, W) float images; the only FFTW user.
 *
 * Conventions (PAPER.md 2): FFT2 is the unnormalised DFT; the inverse carries 1/(H*W).
 * Masks, loss maps, ADCS maps and DFMs are full (H, W) arrays in the *centred* (fftshift)
 * layout: index (i, j) holds frequency (i - H/2, j - W/2), DC at (H/2, W/2); the conjugate
 * partner of (i, j) is ((H - i) % H, (W - j) % W). Filtering is
 *     y_c = Re(IFFT2(FFT2(x_c) .* M))        (same M on every channel),
 * which equals filtering with the Hermitian-symmetrised mask M_h(f) = (M(f) + M(-f)) / 2.
 * H and W must be even (spectral_plan_create refuses odd sizes).
 *
 * Implementation: batched real-to-complex / complex-to-real FFTW plans over the C channels
 * (fftw[f]_plan_many_dft_r2c), made once per image size. spectral_filter runs in single
 * precision (fftwf) with the half spectrum multiplied by M_h; its error against the double
 * precision path (spectral_filter_double) and the O(N^4) DFT reference (spectral_filter_ref)
 * is bounded by tests/test_spectral.c (about 1e-6 of the image's scale). Spectra, amplitudes
 * and inverse transforms (ADCS, synthetic data, Fourier-basis noise) run in double precision
 * with FFTW_ESTIMATE plans, so they are identical on every rank without wisdom.
 *
 * Ownership: SpectralPlan owns its FFTW plans and aligned buffers; create is slow (plans once
 * per image size), apply is cheap. Threads: FFTW's planner is NOT thread-safe, so
 * spectral_plan_create, spectral_plan_destroy and the wisdom functions must be called from one
 * thread at a time (in fsweep: the main thread); apply functions use only their plan's own
 * buffers and are safe on distinct plans, never concurrently on the same plan.
 * Errors: create returns NULL (fs_last_error says why). */
#ifndef FS_SPECTRAL_H
#define FS_SPECTRAL_H

#include "util.h"

#include <stdint.h>

typedef struct SpectralPlan SpectralPlan;

typedef enum {
    SPECTRAL_ESTIMATE = 0, /* FFTW_ESTIMATE: deterministic, no timing */
    SPECTRAL_MEASURE = 1,  /* FFTW_MEASURE: faster plans, chosen by timing (use with wisdom) */
} SpectralFlags;

SpectralPlan *spectral_plan_create(int c, int h, int w, SpectralFlags flags);
void spectral_plan_destroy(SpectralPlan *sp);
/* The plan's shape. */
void spectral_plan_shape(const SpectralPlan *sp, int *c, int *h, int *w);

/* y = Re(IFFT2(FFT2(x) .* mask)) per channel. x, y: (C, H, W); mask: (H, W) centred layout,
 * real. y may equal x. Single precision. */
void spectral_filter(SpectralPlan *sp, const float *mask, const float *x, float *y);
/* The same in double precision (x, y: (C, H, W) doubles; y may equal x). */
void spectral_filter_double(SpectralPlan *sp, const float *mask, const double *x, double *y);
/* Double precision with a double mask (e.g. the 1/f amplitude of the synthetic generator). */
void spectral_filter_dmask(SpectralPlan *sp, const double *mask, const double *x, double *y);
/* Filter n images (n, C, H, W) in place-or-not with one mask. */
void spectral_filter_batch(SpectralPlan *sp, const float *mask, const float *x, float *y, int n);
/* Full complex spectrum of each channel in the centred layout, double precision:
 * re, im: (C, H, W). */
void spectral_spectrum(SpectralPlan *sp, const float *x, double *re, double *im);
/* |FFT2(x_c)| in the centred layout: amp (C, H, W). */
void spectral_amplitude(SpectralPlan *sp, const float *x, double *amp);
/* Inverse: x_c = Re(IFFT2(F_c)) for a full centred spectrum F = re + i im (C, H, W), double
 * precision; x: (C, H, W) doubles. The spectrum need not be Hermitian (the real part is kept). */
void spectral_inverse(SpectralPlan *sp, const double *re, const double *im, double *x);

/* Slow references (O(H^2 W^2) per channel, double precision, no FFTW): brute-force complex
 * DFT with the *full* (unsymmetrised) mask. For tests; any size (even). */
void spectral_spectrum_ref(int c, int h, int w, const float *x, double *re, double *im);
void spectral_filter_ref(int c, int h, int w, const float *mask, const float *x, double *y);

/* Mask helpers; all masks are (H, W) centred, 1 = keep. */
void spectral_mask_fill(float *m, int h, int w, float v);
double spectral_radius(int i, int j, int h, int w);        /* distance of bin (i,j) from DC */
void spectral_partner(int i, int j, int h, int w, int *pi, int *pj);
/* Set m to `v` on the annulus r1 <= rho < r2 (r2 < 0 means infinity). */
void spectral_mask_band(float *m, int h, int w, double r1, double r2, float v);
/* Make a mask exactly symmetric: M <- max(M, M*) (keep) — used by HFSS. */
void spectral_mask_symmetrize_max(float *m, int h, int w);
/* mh = (M + M*) / 2, the Hermitian-symmetrised mask; m and mh must be distinct arrays. */
void spectral_mask_hermitian(const float *m, float *mh, int h, int w);
/* Set m to `v` on the rectangle P = rows [i0, i0+ph) x cols [j0, j0+pw) (clipped to the
 * array); with_partner != 0 also sets the conjugate partners P* of every bin of P. */
void spectral_mask_patch(float *m, int h, int w, int i0, int j0, int ph, int pw, float v,
                         int with_partner);
/* Radial band edges of PAPER.md 3.2 for `nbands` even bands: edge[b] = b*N/(2*nbands) for
 * b < nbands, edge[nbands] = -1 (infinity, corners included); N = min(h, w). edges: nbands+1. */
void spectral_band_edges(int h, int w, int nbands, double *edges);
/* Band index (0-based) of bin (i, j) under edges (nbands+1 values), or -1 when none. */
int spectral_band_of(int i, int j, int h, int w, const double *edges, int nbands);

/* Seconds per image of the bare single-precision r2c + c2r pair (no copies, no mask), the
 * floor under spectral_filter; for benchmarks. */
double spectral_time_roundtrip(SpectralPlan *sp, int reps);

const char *spectral_library_version(void); /* fftwf_version */
const char *spectral_plan_flags_str(SpectralFlags f);
/* Wisdom as a string (export/import), for recording and for the MPI broadcast. */
char *spectral_export_wisdom(void);          /* free() the result */
int spectral_import_wisdom(const char *w);   /* 1 on success */
/* Plan every shape (C, H, W) of `shapes` with `flags` (plans are destroyed, their wisdom
 * stays). MPI runs share rank 0's wisdom afterwards with par_share_wisdom, so plans created
 * later on any rank with the same flags are the same plans. Returns FS_OK or FS_ERR_CONFIG. */
FsStatus spectral_wisdom_plan(const int (*shapes)[3], int n, SpectralFlags flags);

#endif
