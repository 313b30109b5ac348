/* dfm_fast.c: the exact fast filtering path of the DFM (dfm.h). Removing a set R of bins from a
 * real image subtracts the real signal IFFT(F .* r_h), r_h(f) = (r(f) + r(-f)) / 2, r = 1 - M:
 *   x' = x - (1/HW) sum_f r_h(f) Re(F(f) e^{2 pi i (u y / H + v x / W)}),
 * f = (u, v) = (i - H/2, j - W/2). A conjugate pair {f, -f} (f != -f) contributes
 * 2 r_h(f) Re(F(f) e_f); a self-conjugate bin r_h(f) F(f) e_f (real). F comes from
 * spectral_spectrum in double precision, once per test image. */
#include "dfm_internal.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fast_init(DfmFast *f, const DfmScorer *s)
{
    size_t n = fs_mul_size((size_t)s->n, s->img, "DFM spectra");
    f->re = xmalloc(fs_mul_size(n, sizeof(double), "DFM spectra"));
    f->im = xmalloc(fs_mul_size(n, sizeof(double), "DFM spectra"));
    for (int i = 0; i < s->n; i++)
        spectral_spectrum(s->sp, s->xn + (size_t)i * s->img, f->re + (size_t)i * s->img,
                          f->im + (size_t)i * s->img);
    int h = s->h, w = s->w;
    f->cr = xmalloc((size_t)h * h * sizeof(double));
    f->sr = xmalloc((size_t)h * h * sizeof(double));
    f->cc = xmalloc((size_t)w * w * sizeof(double));
    f->sc = xmalloc((size_t)w * w * sizeof(double));
    for (int i = 0; i < h; i++)
        for (int y = 0; y < h; y++) {
            /* reduce (u*y) mod H exactly before the trig call */
            long t = ((long)(i - h / 2) * y) % h;
            if (t < 0) t += h;
            double ang = 2.0 * M_PI * (double)t / (double)h;
            f->cr[i * h + y] = cos(ang);
            f->sr[i * h + y] = sin(ang);
        }
    for (int j = 0; j < w; j++)
        for (int x = 0; x < w; x++) {
            long t = ((long)(j - w / 2) * x) % w;
            if (t < 0) t += w;
            double ang = 2.0 * M_PI * (double)t / (double)w;
            f->cc[j * w + x] = cos(ang);
            f->sc[j * w + x] = sin(ang);
        }
    f->acc = xmalloc(s->hw * sizeof(double));
    f->bin = xmalloc(s->hw * sizeof(int));
    f->wt = xmalloc(s->hw * sizeof(double));
}

void dfm_fast_free(DfmFast *f)
{
    free(f->re);
    free(f->im);
    free(f->cr);
    free(f->sr);
    free(f->cc);
    free(f->sc);
    free(f->acc);
    free(f->bin);
    free(f->wt);
    memset(f, 0, sizeof *f);
}

int dfm_fast_prepare(DfmFast *f, const DfmScorer *s, const float *m)
{
    if (!f->re) fast_init(f, s);
    int h = s->h, w = s->w, support = 0;
    f->nbins = 0;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            double rh = 0.5 * ((1.0 - (double)m[i * w + j]) + (1.0 - (double)m[pi * w + pj]));
            if (rh == 0.0) continue;
            support++;
            int b = i * w + j, pb = pi * w + pj;
            if (pb == b) {
                f->bin[f->nbins] = b;
                f->wt[f->nbins++] = rh;
            } else if (b < pb) {
                f->bin[f->nbins] = b;
                f->wt[f->nbins++] = 2.0 * rh;
            }
        }
    return support;
}

void dfm_fast_apply(DfmFast *f, const DfmScorer *s, int img, const float *src, float *dst)
{
    int h = s->h, w = s->w;
    double inv = 1.0 / (double)s->hw;
    for (int c = 0; c < s->c; c++) {
        size_t off = (size_t)img * s->img + (size_t)c * s->hw;
        memset(f->acc, 0, s->hw * sizeof(double));
        for (int q = 0; q < f->nbins; q++) {
            int b = f->bin[q], i = b / w, j = b % w;
            double fr = f->re[off + b] * f->wt[q], fi = f->im[off + b] * f->wt[q];
            const double *cr = f->cr + (size_t)i * h, *sr = f->sr + (size_t)i * h;
            const double *cc = f->cc + (size_t)j * w, *sc = f->sc + (size_t)j * w;
            for (int y = 0; y < h; y++) {
                double ar = fr * cr[y] - fi * sr[y], ai = fr * sr[y] + fi * cr[y];
                double *row = f->acc + (size_t)y * w;
                for (int x = 0; x < w; x++) row[x] += ar * cc[x] - ai * sc[x];
            }
        }
        const float *xs = src + (size_t)c * s->hw;
        float *xd = dst + (size_t)c * s->hw;
        for (size_t p = 0; p < s->hw; p++) xd[p] = (float)((double)xs[p] - f->acc[p] * inv);
    }
}
