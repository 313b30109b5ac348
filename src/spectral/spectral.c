/* spectral.c: see spectral.h. The only file that includes fftw3.h.
 *
 * Half-spectrum bookkeeping: an r2c transform of an H x W channel yields H x (W/2+1) bins in
 * the natural (unshifted) order; bin k = ky*(W/2+1) + kx holds frequency (ky, kx) whose
 * centred index is ia[k] = ((ky + H/2) % H, (kx + W/2) % W), and whose conjugate partner -f
 * sits at centred index ib[k]. Filtering multiplies bin k by M_h = (M[ia[k]] + M[ib[k]]) / 2,
 * which makes the product Hermitian so that c2r returns exactly Re(IFFT2(F .* M)). */
#include "spectral.h"

#include "util.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct SpectralPlan {
    int c, h, w, wh;        /* wh = W/2 + 1 */
    SpectralFlags flags;
    float *fin;             /* (C, H, W) single-precision real buffer */
    fftwf_complex *fout;    /* (C, H, wh) single-precision half spectra */
    fftwf_plan f_fwd, f_inv;
    double *din;            /* (C, H, W) double buffer */
    fftw_complex *dout;     /* (C, H, wh) double half spectra */
    fftw_plan d_fwd, d_inv;
    int32_t *ia, *ib;       /* (H * wh): centred index of f and of -f */
    float *mh;              /* (H * wh): scaled M_h of the current call */
    double *mhd;            /* (H * wh): the same in double */
    float *last_mask;       /* (H, W): the mask mh was made from (cache) */
    int mh_valid;
};

const char *spectral_library_version(void) { return fftwf_version; }

const char *spectral_plan_flags_str(SpectralFlags f)
{
    return f == SPECTRAL_MEASURE ? "FFTW_MEASURE" : "FFTW_ESTIMATE";
}

char *spectral_export_wisdom(void) { return fftwf_export_wisdom_to_string(); }

int spectral_import_wisdom(const char *w) { return w && fftwf_import_wisdom_from_string(w) == 1; }

FsStatus spectral_wisdom_plan(const int (*shapes)[3], int n, SpectralFlags flags)
{
    FsStatus st = FS_OK;
    for (int i = 0; i < n && !st; i++) {
        SpectralPlan *sp = spectral_plan_create(shapes[i][0], shapes[i][1], shapes[i][2], flags);
        if (!sp) st = FS_ERR_CONFIG;
        spectral_plan_destroy(sp);
    }
    return st;
}

void spectral_plan_destroy(SpectralPlan *sp)
{
    if (!sp) return;
    if (sp->f_fwd) fftwf_destroy_plan(sp->f_fwd);
    if (sp->f_inv) fftwf_destroy_plan(sp->f_inv);
    if (sp->d_fwd) fftw_destroy_plan(sp->d_fwd);
    if (sp->d_inv) fftw_destroy_plan(sp->d_inv);
    fftwf_free(sp->fin);
    fftwf_free(sp->fout);
    fftw_free(sp->din);
    fftw_free(sp->dout);
    free(sp->ia);
    free(sp->ib);
    free(sp->mh);
    free(sp->mhd);
    free(sp->last_mask);
    free(sp);
}

SpectralPlan *spectral_plan_create(int c, int h, int w, SpectralFlags flags)
{
    if (c < 1 || c > 64 || h < 2 || w < 2 || h > 8192 || w > 8192 || (h % 2) || (w % 2)) {
        fs_errorf(FS_ERR_CONFIG,
                  "spectral plan: shape (%d, %d, %d) unsupported: expected 1..64 channels and even "
                  "H, W in 2..8192",
                  c, h, w);
        return NULL;
    }
    SpectralPlan *sp = xcalloc(1, sizeof *sp);
    sp->c = c;
    sp->h = h;
    sp->w = w;
    sp->wh = w / 2 + 1;
    sp->flags = flags;
    size_t nr = (size_t)c * (size_t)h * (size_t)w, nc = (size_t)c * (size_t)h * (size_t)sp->wh;
    size_t nh = (size_t)h * (size_t)sp->wh;
    sp->fin = fftwf_malloc(nr * sizeof *sp->fin);
    sp->fout = fftwf_malloc(nc * sizeof *sp->fout);
    sp->din = fftw_malloc(nr * sizeof *sp->din);
    sp->dout = fftw_malloc(nc * sizeof *sp->dout);
    if (!sp->fin || !sp->fout || !sp->din || !sp->dout) {
        spectral_plan_destroy(sp);
        fs_errorf(FS_ERR_NOMEM, "spectral plan (%d, %d, %d): fftw_malloc failed", c, h, w);
        return NULL;
    }
    memset(sp->fin, 0, nr * sizeof *sp->fin);
    memset(sp->din, 0, nr * sizeof *sp->din);
    sp->ia = xmalloc(nh * sizeof *sp->ia);
    sp->ib = xmalloc(nh * sizeof *sp->ib);
    sp->mh = xmalloc(nh * sizeof *sp->mh);
    sp->mhd = xmalloc(nh * sizeof *sp->mhd);
    sp->last_mask = xmalloc((size_t)h * (size_t)w * sizeof *sp->last_mask);
    for (int ky = 0; ky < h; ky++)
        for (int kx = 0; kx < sp->wh; kx++) {
            int i = (ky + h / 2) % h, j = (kx + w / 2) % w, pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            sp->ia[ky * sp->wh + kx] = i * w + j;
            sp->ib[ky * sp->wh + kx] = pi * w + pj;
        }
    int n[2] = {h, w};
    unsigned ff = flags == SPECTRAL_MEASURE ? FFTW_MEASURE : FFTW_ESTIMATE;
    sp->f_fwd = fftwf_plan_many_dft_r2c(2, n, c, sp->fin, NULL, 1, h * w, sp->fout, NULL, 1,
                                        h * sp->wh, ff);
    sp->f_inv = fftwf_plan_many_dft_c2r(2, n, c, sp->fout, NULL, 1, h * sp->wh, sp->fin, NULL, 1,
                                        h * w, ff);
    /* Double plans: always FFTW_ESTIMATE, so they never depend on timing or wisdom. */
    sp->d_fwd = fftw_plan_many_dft_r2c(2, n, c, sp->din, NULL, 1, h * w, sp->dout, NULL, 1,
                                       h * sp->wh, FFTW_ESTIMATE);
    sp->d_inv = fftw_plan_many_dft_c2r(2, n, c, sp->dout, NULL, 1, h * sp->wh, sp->din, NULL, 1,
                                       h * w, FFTW_ESTIMATE);
    if (!sp->f_fwd || !sp->f_inv || !sp->d_fwd || !sp->d_inv) {
        spectral_plan_destroy(sp);
        fs_errorf(FS_ERR_LIB, "spectral plan (%d, %d, %d): FFTW planner returned NULL", c, h, w);
        return NULL;
    }
    /* FFTW_MEASURE scribbles over the buffers while planning. */
    memset(sp->fin, 0, nr * sizeof *sp->fin);
    return sp;
}

void spectral_plan_shape(const SpectralPlan *sp, int *c, int *h, int *w)
{
    if (c) *c = sp->c;
    if (h) *h = sp->h;
    if (w) *w = sp->w;
}

/* mh[k] = (M[ia[k]] + M[ib[k]]) / 2 / (H W): the symmetrised mask with the 1/N^2 folded in,
 * float (mh) and double (mhd). Cached: recomputed only when the mask's contents change (masks
 * are typically reused for many images; the comparison costs less than the rebuild). */
static void plan_half_mask(SpectralPlan *sp, const float *mask)
{
    size_t hw = (size_t)sp->h * (size_t)sp->w;
    if (sp->mh_valid && !memcmp(sp->last_mask, mask, hw * sizeof *mask)) return;
    int nh = sp->h * sp->wh;
    double s = 0.5 / ((double)sp->h * (double)sp->w);
    for (int k = 0; k < nh; k++) {
        double v = ((double)mask[sp->ia[k]] + (double)mask[sp->ib[k]]) * s;
        sp->mhd[k] = v;
        sp->mh[k] = (float)v;
    }
    memcpy(sp->last_mask, mask, hw * sizeof *mask);
    sp->mh_valid = 1;
}

void spectral_filter(SpectralPlan *sp, const float *mask, const float *x, float *y)
{
    size_t nr = (size_t)sp->c * (size_t)sp->h * (size_t)sp->w;
    int nh = sp->h * sp->wh;
    memcpy(sp->fin, x, nr * sizeof *x);
    fftwf_execute(sp->f_fwd);
    plan_half_mask(sp, mask);
    for (int ch = 0; ch < sp->c; ch++) {
        fftwf_complex *F = sp->fout + (size_t)ch * (size_t)nh;
        for (int k = 0; k < nh; k++) {
            F[k][0] *= sp->mh[k];
            F[k][1] *= sp->mh[k];
        }
    }
    fftwf_execute(sp->f_inv);
    memcpy(y, sp->fin, nr * sizeof *y);
}

void spectral_filter_batch(SpectralPlan *sp, const float *mask, const float *x, float *y, int n)
{
    size_t per = (size_t)sp->c * (size_t)sp->h * (size_t)sp->w;
    for (int i = 0; i < n; i++) spectral_filter(sp, mask, x + (size_t)i * per, y + (size_t)i * per);
}

void spectral_filter_double(SpectralPlan *sp, const float *mask, const double *x, double *y)
{
    size_t nr = (size_t)sp->c * (size_t)sp->h * (size_t)sp->w;
    int nh = sp->h * sp->wh;
    memcpy(sp->din, x, nr * sizeof *x);
    fftw_execute(sp->d_fwd);
    plan_half_mask(sp, mask);
    for (int ch = 0; ch < sp->c; ch++) {
        fftw_complex *F = sp->dout + (size_t)ch * (size_t)nh;
        for (int k = 0; k < nh; k++) {
            F[k][0] *= sp->mhd[k];
            F[k][1] *= sp->mhd[k];
        }
    }
    fftw_execute(sp->d_inv);
    memcpy(y, sp->din, nr * sizeof *y);
}

void spectral_filter_dmask(SpectralPlan *sp, const double *mask, const double *x, double *y)
{
    size_t nr = (size_t)sp->c * (size_t)sp->h * (size_t)sp->w;
    int nh = sp->h * sp->wh;
    double s = 0.5 / ((double)sp->h * (double)sp->w);
    memcpy(sp->din, x, nr * sizeof *x);
    fftw_execute(sp->d_fwd);
    sp->mh_valid = 0; /* mhd is reused below */
    for (int k = 0; k < nh; k++) sp->mhd[k] = (mask[sp->ia[k]] + mask[sp->ib[k]]) * s;
    for (int ch = 0; ch < sp->c; ch++) {
        fftw_complex *F = sp->dout + (size_t)ch * (size_t)nh;
        for (int k = 0; k < nh; k++) {
            F[k][0] *= sp->mhd[k];
            F[k][1] *= sp->mhd[k];
        }
    }
    fftw_execute(sp->d_inv);
    memcpy(y, sp->din, nr * sizeof *y);
}

double spectral_time_roundtrip(SpectralPlan *sp, int reps)
{
    memset(sp->fin, 0, (size_t)sp->c * sp->h * sp->w * sizeof *sp->fin);
    double t0 = fs_now();
    for (int i = 0; i < reps; i++) {
        fftwf_execute(sp->f_fwd);
        fftwf_execute(sp->f_inv);
    }
    return reps > 0 ? (fs_now() - t0) / reps : 0.0;
}

/* Forward double transform of x into sp->dout. */
static void plan_forward_double(SpectralPlan *sp, const float *x)
{
    size_t nr = (size_t)sp->c * (size_t)sp->h * (size_t)sp->w;
    for (size_t i = 0; i < nr; i++) sp->din[i] = (double)x[i];
    fftw_execute(sp->d_fwd);
}

/* Value of the full spectrum of channel ch at centred (i, j), from the half spectrum. */
static void plan_bin(const SpectralPlan *sp, int ch, int i, int j, double *re, double *im)
{
    int h = sp->h, w = sp->w;
    int ky = (i + h / 2) % h, kx = (j + w / 2) % w;
    fftw_complex *F = sp->dout + (size_t)ch * (size_t)h * (size_t)sp->wh;
    if (kx < sp->wh) {
        *re = F[ky * sp->wh + kx][0];
        *im = F[ky * sp->wh + kx][1];
    } else {
        int k = ((h - ky) % h) * sp->wh + (w - kx);
        *re = F[k][0];
        *im = -F[k][1];
    }
}

void spectral_spectrum(SpectralPlan *sp, const float *x, double *re, double *im)
{
    plan_forward_double(sp, x);
    size_t hw = (size_t)sp->h * (size_t)sp->w;
    for (int ch = 0; ch < sp->c; ch++)
        for (int i = 0; i < sp->h; i++)
            for (int j = 0; j < sp->w; j++) {
                size_t o = (size_t)ch * hw + (size_t)i * (size_t)sp->w + (size_t)j;
                plan_bin(sp, ch, i, j, &re[o], &im[o]);
            }
}

void spectral_amplitude(SpectralPlan *sp, const float *x, double *amp)
{
    plan_forward_double(sp, x);
    size_t hw = (size_t)sp->h * (size_t)sp->w;
    for (int ch = 0; ch < sp->c; ch++)
        for (int i = 0; i < sp->h; i++)
            for (int j = 0; j < sp->w; j++) {
                double r, m;
                plan_bin(sp, ch, i, j, &r, &m);
                amp[(size_t)ch * hw + (size_t)i * (size_t)sp->w + (size_t)j] = hypot(r, m);
            }
}

void spectral_inverse(SpectralPlan *sp, const double *re, const double *im, double *x)
{
    int nh = sp->h * sp->wh;
    size_t hw = (size_t)sp->h * (size_t)sp->w;
    double s = 0.5 / (double)hw;
    for (int ch = 0; ch < sp->c; ch++) {
        const double *R = re + (size_t)ch * hw, *I = im + (size_t)ch * hw;
        fftw_complex *F = sp->dout + (size_t)ch * (size_t)nh;
        for (int k = 0; k < nh; k++) { /* Hermitian part (F(f) + conj F(-f)) / 2 */
            F[k][0] = (R[sp->ia[k]] + R[sp->ib[k]]) * s;
            F[k][1] = (I[sp->ia[k]] - I[sp->ib[k]]) * s;
        }
    }
    fftw_execute(sp->d_inv);
    memcpy(x, sp->din, (size_t)sp->c * hw * sizeof *x);
}

/* ---------------------------------------------------------------- references */

static void ref_tables(int n, double **cs, double **sn)
{
    *cs = xmalloc((size_t)n * sizeof **cs);
    *sn = xmalloc((size_t)n * sizeof **sn);
    for (int t = 0; t < n; t++) {
        (*cs)[t] = cos(2.0 * M_PI * t / n);
        (*sn)[t] = sin(2.0 * M_PI * t / n);
    }
}

void spectral_spectrum_ref(int c, int h, int w, const float *x, double *re, double *im)
{
    double *ch_, *sh, *cw, *sw;
    ref_tables(h, &ch_, &sh);
    ref_tables(w, &cw, &sw);
    size_t hw = (size_t)h * (size_t)w;
    for (int ch = 0; ch < c; ch++)
        for (int ky = 0; ky < h; ky++)
            for (int kx = 0; kx < w; kx++) {
                double sr = 0, si = 0;
                for (int yy = 0; yy < h; yy++)
                    for (int xx = 0; xx < w; xx++) {
                        int a = (int)(((long)ky * yy) % h), b = (int)(((long)kx * xx) % w);
                        double cth = ch_[a] * cw[b] - sh[a] * sw[b];
                        double sth = sh[a] * cw[b] + ch_[a] * sw[b];
                        double v = (double)x[(size_t)ch * hw + (size_t)yy * (size_t)w + (size_t)xx];
                        sr += v * cth; /* e^{-i theta} */
                        si -= v * sth;
                    }
                size_t o = (size_t)ch * hw + (size_t)((ky + h / 2) % h) * (size_t)w +
                           (size_t)((kx + w / 2) % w);
                re[o] = sr;
                im[o] = si;
            }
    free(ch_);
    free(sh);
    free(cw);
    free(sw);
}

void spectral_filter_ref(int c, int h, int w, const float *mask, const float *x, double *y)
{
    size_t hw = (size_t)h * (size_t)w;
    double *re = xmalloc((size_t)c * hw * sizeof *re), *im = xmalloc((size_t)c * hw * sizeof *im);
    spectral_spectrum_ref(c, h, w, x, re, im);
    double *ch_, *sh, *cw, *sw;
    ref_tables(h, &ch_, &sh);
    ref_tables(w, &cw, &sw);
    for (int ch = 0; ch < c; ch++)
        for (int yy = 0; yy < h; yy++)
            for (int xx = 0; xx < w; xx++) {
                double s = 0;
                for (int ky = 0; ky < h; ky++)
                    for (int kx = 0; kx < w; kx++) {
                        size_t ci = (size_t)((ky + h / 2) % h) * (size_t)w + (size_t)((kx + w / 2) % w);
                        double m = (double)mask[ci];
                        if (m == 0) continue;
                        int a = (int)(((long)ky * yy) % h), b = (int)(((long)kx * xx) % w);
                        double cth = ch_[a] * cw[b] - sh[a] * sw[b];
                        double sth = sh[a] * cw[b] + ch_[a] * sw[b];
                        /* Re((Fr + i Fi) m e^{+i theta}) */
                        s += m * (re[(size_t)ch * hw + ci] * cth - im[(size_t)ch * hw + ci] * sth);
                    }
                y[(size_t)ch * hw + (size_t)yy * (size_t)w + (size_t)xx] = s / (double)hw;
            }
    free(ch_);
    free(sh);
    free(cw);
    free(sw);
    free(re);
    free(im);
}

/* ---------------------------------------------------------------- masks */

void spectral_mask_fill(float *m, int h, int w, float v)
{
    for (size_t i = 0; i < (size_t)h * (size_t)w; i++) m[i] = v;
}

double spectral_radius(int i, int j, int h, int w)
{
    const int di = i - h / 2, dj = j - w / 2; /* H, W even: DC at (H/2, W/2) exactly */
    double dy = (double)di, dx = (double)dj;
    return sqrt(dy * dy + dx * dx);
}

void spectral_partner(int i, int j, int h, int w, int *pi, int *pj)
{
    *pi = (h - i) % h;
    *pj = (w - j) % w;
}

void spectral_mask_band(float *m, int h, int w, double r1, double r2, float v)
{
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            double r = spectral_radius(i, j, h, w);
            if (r >= r1 && (r2 < 0 || r < r2)) m[i * w + j] = v;
        }
}

void spectral_mask_symmetrize_max(float *m, int h, int w)
{
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            float a = m[i * w + j], b = m[pi * w + pj];
            float mx = a > b ? a : b;
            m[i * w + j] = mx;
            m[pi * w + pj] = mx;
        }
}

void spectral_mask_hermitian(const float *m, float *mh, int h, int w)
{
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            mh[i * w + j] = 0.5f * (m[i * w + j] + m[pi * w + pj]);
        }
}

void spectral_mask_patch(float *m, int h, int w, int i0, int j0, int ph, int pw, float v,
                         int with_partner)
{
    for (int i = i0 < 0 ? 0 : i0; i < i0 + ph && i < h; i++)
        for (int j = j0 < 0 ? 0 : j0; j < j0 + pw && j < w; j++) {
            m[i * w + j] = v;
            if (with_partner) {
                int pi, pj;
                spectral_partner(i, j, h, w, &pi, &pj);
                m[pi * w + pj] = v;
            }
        }
}

void spectral_band_edges(int h, int w, int nbands, double *edges)
{
    int n = h < w ? h : w;
    for (int b = 0; b < nbands; b++) edges[b] = (double)b * n / (2.0 * nbands);
    edges[nbands] = -1;
}

int spectral_band_of(int i, int j, int h, int w, const double *edges, int nbands)
{
    double r = spectral_radius(i, j, h, w);
    for (int b = 0; b < nbands; b++)
        if (r >= edges[b] && (edges[b + 1] < 0 || r < edges[b + 1])) return b;
    return -1;
}
