/* fixtures_freq.h: test fixtures for the frequency analyses (DFM, shortcut, HFSS, curves, heat
 * maps): hand-built Classifiers with a PLANTED frequency cue, a random linear classifier,
 * small synthetic datasets, and a private double-precision DFT used only as a _ref oracle.
 * Header-only (static functions); include from one test file each. */
#ifndef FS_FIXTURES_FREQ_H
#define FS_FIXTURES_FREQ_H

#include "classifier.h"
#include "dataset.h"
#include "rng.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- planted classifier: z_cue = alpha * E_f0(x) + beta, every other logit 0, where E_f0 is
 * the energy |F(f0)|^2 + |F(-f0)|^2 (per channel, summed) / (H W) at frequency f0 = (fu, fv)
 * (and, when nf = 2, also at a second frequency f1). */
typedef struct {
    int c, h, w, k, cue;
    int nf, fu[2], fv[2];
    double alpha, beta;
    long calls, images;
} PlantCtx;

static inline double plant_energy(const PlantCtx *p, const float *x, double *gr /* (nf,c,2) or NULL */)
{
    double e = 0.0;
    for (int q = 0; q < p->nf; q++)
        for (int c = 0; c < p->c; c++) {
            const float *xc = x + (size_t)c * p->h * p->w;
            double re = 0.0, im = 0.0;
            for (int y = 0; y < p->h; y++)
                for (int xx = 0; xx < p->w; xx++) {
                    double th = 2.0 * M_PI * ((double)p->fu[q] * y / p->h + (double)p->fv[q] * xx / p->w);
                    re += (double)xc[y * p->w + xx] * cos(th);
                    im -= (double)xc[y * p->w + xx] * sin(th);
                }
            e += 2.0 * (re * re + im * im) / (double)(p->h * p->w);
            if (gr) {
                gr[(q * p->c + c) * 2] = re;
                gr[(q * p->c + c) * 2 + 1] = im;
            }
        }
    return e;
}

static inline FsStatus plant_logits(void *ctx, const float *x, int n, float *out)
{
    PlantCtx *p = ctx;
    p->calls++;
    p->images += n;
    size_t img = (size_t)p->c * p->h * p->w;
    for (int i = 0; i < n; i++) {
        double e = plant_energy(p, x + i * img, NULL);
        for (int j = 0; j < p->k; j++) out[i * p->k + j] = 0.0f;
        out[i * p->k + p->cue] = (float)(p->alpha * e + p->beta);
    }
    return FS_OK;
}

static inline FsStatus plant_grad(void *ctx, const float *x, const int32_t *y, int n, float *dx,
                           double *loss)
{
    PlantCtx *p = ctx;
    size_t img = (size_t)p->c * p->h * p->w;
    float *z = malloc((size_t)p->k * sizeof *z);
    double gr[2 * 2 * 3];
    *loss = 0.0;
    for (int i = 0; i < n; i++) {
        double e = plant_energy(p, x + i * img, gr);
        double zc = p->alpha * e + p->beta, mx = zc > 0 ? zc : 0;
        double s = exp(zc - mx) + (p->k - 1) * exp(-mx);
        double pc = exp(zc - mx) / s;
        *loss += mx + log(s) - (y[i] == p->cue ? zc : 0.0);
        double dz = pc - (y[i] == p->cue ? 1.0 : 0.0);
        for (int c = 0; c < p->c; c++)
            for (int yy = 0; yy < p->h; yy++)
                for (int xx = 0; xx < p->w; xx++) {
                    double g = 0.0;
                    for (int q = 0; q < p->nf; q++) {
                        double th = 2.0 * M_PI * ((double)p->fu[q] * yy / p->h +
                                                  (double)p->fv[q] * xx / p->w);
                        double re = gr[(q * p->c + c) * 2], im = gr[(q * p->c + c) * 2 + 1];
                        g += 4.0 * (re * cos(th) - im * sin(th)) / (double)(p->h * p->w);
                    }
                    dx[i * img + (size_t)c * p->h * p->w + yy * p->w + xx] =
                        (float)(dz * p->alpha * g);
                }
    }
    free(z);
    return FS_OK;
}

static inline Classifier plant_classifier(PlantCtx *p, int max_batch)
{
    Classifier c = {p, p->c, p->h, p->w, p->k, max_batch, plant_logits, plant_grad};
    return c;
}

/* ---- linear classifier z = W x + b with random weights (batch-independent, smooth) */
typedef struct {
    int c, h, w, k;
    float *wt, *b;
} LinCtx;

static inline FsStatus lin_logits(void *ctx, const float *x, int n, float *out)
{
    LinCtx *l = ctx;
    size_t d = (size_t)l->c * l->h * l->w;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < l->k; j++) {
            double s = (double)l->b[j];
            for (size_t q = 0; q < d; q++) s += (double)l->wt[j * d + q] * (double)x[i * d + q];
            out[i * l->k + j] = (float)s;
        }
    return FS_OK;
}

static inline FsStatus lin_grad(void *ctx, const float *x, const int32_t *y, int n, float *dx,
                         double *loss)
{
    LinCtx *l = ctx;
    size_t d = (size_t)l->c * l->h * l->w;
    float *z = malloc((size_t)l->k * sizeof *z);
    *loss = 0.0;
    for (int i = 0; i < n; i++) {
        lin_logits(ctx, x + i * d, 1, z);
        double mx = z[0];
        for (int j = 1; j < l->k; j++) mx = fmax(mx, (double)z[j]);
        double s = 0.0;
        for (int j = 0; j < l->k; j++) s += exp((double)z[j] - mx);
        *loss += mx + log(s) - (double)z[y[i]];
        for (size_t q = 0; q < d; q++) {
            double g = 0.0;
            for (int j = 0; j < l->k; j++)
                g += (exp((double)z[j] - mx) / s - (j == y[i])) * (double)l->wt[j * d + q];
            dx[i * d + q] = (float)g;
        }
    }
    free(z);
    return FS_OK;
}

static inline Classifier lin_classifier(LinCtx *l, uint64_t seed, double scale, int max_batch)
{
    Rng r = rng_derive(seed, 0, RNG_STREAM_TEST);
    size_t d = (size_t)l->c * l->h * l->w;
    l->wt = malloc(d * l->k * sizeof(float));
    l->b = malloc(l->k * sizeof(float));
    for (size_t q = 0; q < d * l->k; q++) l->wt[q] = (float)(scale * rng_normal(&r));
    for (int j = 0; j < l->k; j++) l->b[j] = (float)(0.1 * rng_normal(&r));
    Classifier c = {l, l->c, l->h, l->w, l->k, max_batch, lin_logits, lin_grad};
    return c;
}

static inline void lin_free(LinCtx *l)
{
    free(l->wt);
    free(l->b);
}

/* ---- synthetic set: n images, labels i % k; class `cue` carries cos at f0 (amplitude amp),
 * every image has uniform noise of amplitude noise around 0.5; clipped to [0, 1]. */
static inline void synth_make(Dataset *d, int n, int c, int h, int w, int k, int cue, int fu, int fv,
                       double amp, double noise, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "synthetic");
    d->n = n;
    d->c = c;
    d->h = h;
    d->w = w;
    d->k = k;
    d->x = malloc((size_t)n * c * h * w * sizeof(float));
    d->y = malloc((size_t)n * sizeof(int32_t));
    for (int q = 0; q < c; q++) {
        d->mean[q] = 0.5f;
        d->std[q] = 0.25f;
    }
    Rng r = rng_derive(seed, 1, RNG_STREAM_TEST);
    for (int i = 0; i < n; i++) {
        d->y[i] = i % k;
        double ph = 2.0 * M_PI * rng_uniform(&r);
        for (int q = 0; q < c; q++)
            for (int yy = 0; yy < h; yy++)
                for (int xx = 0; xx < w; xx++) {
                    double v = 0.5 + noise * (2.0 * rng_uniform(&r) - 1.0);
                    if (d->y[i] == cue)
                        v += amp * cos(2.0 * M_PI * ((double)fu * yy / h + (double)fv * xx / w) + ph);
                    v = v < 0 ? 0 : v > 1 ? 1 : v;
                    d->x[(((size_t)i * c + q) * h + yy) * w + xx] = (float)v;
                }
    }
}

/* ---- _ref oracle: double DFT filter of one (h, w) channel with a centred mask */
static inline void ref_filter(const float *x, const float *mask, int h, int w, double *out)
{
    double *fr = calloc((size_t)h * w, sizeof(double)), *fi = calloc((size_t)h * w, sizeof(double));
    for (int u = 0; u < h; u++)
        for (int v = 0; v < w; v++) {
            double re = 0, im = 0;
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++) {
                    double th = 2.0 * M_PI * ((double)u * y / h + (double)v * xx / w);
                    re += (double)x[y * w + xx] * cos(th);
                    im -= (double)x[y * w + xx] * sin(th);
                }
            int ci = (u + h / 2) % h, cj = (v + w / 2) % w;
            fr[u * w + v] = re * (double)mask[ci * w + cj];
            fi[u * w + v] = im * (double)mask[ci * w + cj];
        }
    for (int y = 0; y < h; y++)
        for (int xx = 0; xx < w; xx++) {
            double re = 0;
            for (int u = 0; u < h; u++)
                for (int v = 0; v < w; v++) {
                    double th = 2.0 * M_PI * ((double)u * y / h + (double)v * xx / w);
                    re += fr[u * w + v] * cos(th) - fi[u * w + v] * sin(th);
                }
            out[y * w + xx] = re / (h * w);
        }
    free(fr);
    free(fi);
}

/* ---- multi-cue classifier: z_c = alpha * E_c(x) + beta for c < ncue (E_c: energy at class c's
 * own frequency), z_c = 0 otherwise. */
typedef struct {
    PlantCtx p[4];
    int ncue;
} MultiCtx;

static inline FsStatus multi_logits(void *ctx, const float *x, int n, float *out)
{
    MultiCtx *m = ctx;
    int k = m->p[0].k;
    size_t img = (size_t)m->p[0].c * m->p[0].h * m->p[0].w;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < k; c++)
            out[i * k + c] = c < m->ncue ? (float)(m->p[c].alpha * plant_energy(&m->p[c], x + i * img, NULL) + m->p[c].beta) : 0.0f;
    return FS_OK;
}

static inline FsStatus multi_grad(void *ctx, const float *x, const int32_t *y, int n, float *dx,
                                  double *loss)
{
    MultiCtx *m = ctx;
    const PlantCtx *p0 = &m->p[0];
    int k = p0->k, c0 = p0->c, h = p0->h, w = p0->w;
    size_t img = (size_t)c0 * h * w;
    float *z = malloc((size_t)k * sizeof *z);
    double gr[4][2 * 3];
    *loss = 0.0;
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < k; c++) {
            z[c] = 0.0f;
            if (c < m->ncue)
                z[c] = (float)(m->p[c].alpha * plant_energy(&m->p[c], x + i * img, gr[c]) + m->p[c].beta);
        }
        double mx = (double)z[0], s = 0.0;
        for (int c = 1; c < k; c++) mx = fmax(mx, (double)z[c]);
        for (int c = 0; c < k; c++) s += exp((double)z[c] - mx);
        *loss += mx + log(s) - (double)z[y[i]];
        for (int ch = 0; ch < c0; ch++)
            for (int yy = 0; yy < h; yy++)
                for (int xx = 0; xx < w; xx++) {
                    double g = 0.0;
                    for (int c = 0; c < m->ncue; c++) {
                        double dz = exp((double)z[c] - mx) / s - (y[i] == c ? 1.0 : 0.0);
                        const PlantCtx *p = &m->p[c];
                        double th = 2.0 * M_PI * ((double)p->fu[0] * yy / h + (double)p->fv[0] * xx / w);
                        double re = gr[c][ch * 2], im = gr[c][ch * 2 + 1];
                        g += dz * p->alpha * 4.0 * (re * cos(th) - im * sin(th)) / (double)(h * w);
                    }
                    dx[i * img + (size_t)ch * h * w + yy * w + xx] = (float)g;
                }
    }
    free(z);
    return FS_OK;
}

/* Classes c < ncue carry their cue at (fu[c], fv[c]); all get noise. */
static inline void synth_make_multi(Dataset *d, int n, int c, int h, int w, int k, int ncue,
                                    const int *fu, const int *fv, double amp, double noise,
                                    uint64_t seed)
{
    synth_make(d, n, c, h, w, k, -1, 0, 0, 0.0, noise, seed);
    Rng r = rng_derive(seed, 2, RNG_STREAM_TEST);
    for (int i = 0; i < n; i++) {
        int y = d->y[i];
        if (y >= ncue) continue;
        double ph = 2.0 * M_PI * rng_uniform(&r);
        for (int q = 0; q < c; q++)
            for (int yy = 0; yy < h; yy++)
                for (int xx = 0; xx < w; xx++) {
                    float *v = &d->x[(((size_t)i * c + q) * h + yy) * w + xx];
                    double t = (double)*v + amp * cos(2.0 * M_PI * ((double)fu[y] * yy / h + (double)fv[y] * xx / w) + ph);
                    *v = (float)(t < 0 ? 0 : t > 1 ? 1 : t);
                }
    }
}

static inline void synth_free(Dataset *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

#endif
