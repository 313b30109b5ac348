/* heatmap.c: see heatmap.h. */
#include "heatmap.h"

#include "maskeval.h"
#include "rng.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void heatmap_options_default(HeatmapOptions *o)
{
    o->eps = 4.0;
    o->window = 0;
    o->seed = 0;
}

FsStatus heatmap_fourier(const Classifier *clf, const Dataset *d, const HeatmapOptions *o,
                         double *err)
{
    FsStatus st = maskeval_check(clf, d, "heat-map set");
    if (st != FS_OK) return st;
    if (o->window < 0 || (o->window && o->window % 2 == 0))
        return fs_errorf(FS_ERR_CONFIG, "heat map: window %d, expected 0 or an odd size",
                         o->window);
    if (!(o->eps >= 0.0)) return fs_errorf(FS_ERR_CONFIG, "heat map: eps %g < 0", o->eps);
    int h = d->h, w = d->w, c = d->c, n = d->n, k = clf->k;
    size_t hw = (size_t)h * w, img = (size_t)c * hw;
    float *xp = xmalloc(fs_mul_size((size_t)n, img * sizeof(float), "heat-map images"));
    double *u = xmalloc(hw * sizeof *u);
    int64_t *conf = xmalloc((size_t)k * k * sizeof *conf);
    Dataset view = *d;
    view.x = xp;
    for (size_t b = 0; b < hw; b++) err[b] = (double)NAN;
    for (int i = 0; i < h && st == FS_OK; i++)
        for (int j = 0; j < w && st == FS_OK; j++) {
            int pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            if (pi * w + pj < i * w + j) continue; /* mirrored below */
            int fu = i - h / 2, fv = j - w / 2;
            if (o->window && (abs(fu) > o->window / 2 || abs(fv) > o->window / 2)) continue;
            double nrm = 0.0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    long t = ((long)fu * y * w + (long)fv * x * h) % ((long)h * w);
                    double v = cos(2.0 * M_PI * (double)t / ((double)h * w));
                    u[y * w + x] = v;
                    nrm += v * v;
                }
            double sc = o->eps / sqrt(nrm);
            uint64_t words[3] = {o->seed, RNG_STREAM_OOD, (uint64_t)(i * w + j)};
            Rng r;
            rng_seed_words(&r, words, 3);
            for (int q = 0; q < n; q++)
                for (int ch = 0; ch < c; ch++) {
                    double s = rng_uniform(&r) < 0.5 ? -sc : sc;
                    size_t off = (size_t)q * img + (size_t)ch * hw;
                    for (size_t p = 0; p < hw; p++) {
                        double v = (double)d->x[off + p] + s * u[p];
                        xp[off + p] = (float)(v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
                    }
                }
            maskeval_normalise(&view, xp);
            memset(conf, 0, (size_t)k * k * sizeof *conf);
            st = maskeval_run(clf, xp, d->y, n, NULL, NULL, conf, NULL);
            int64_t ok = 0;
            for (int q = 0; q < k; q++) ok += conf[(size_t)q * k + q];
            err[i * w + j] = err[pi * w + pj] = 1.0 - (double)ok / (double)n;
        }
    free(xp);
    free(u);
    free(conf);
    return st;
}

int heatmap_num_radii(int h, int w)
{
    int n = h > w ? h : w;
    return (int)ceil((double)n / sqrt(2.0)) + 1;
}

static void acc_row(const int64_t *conf, int k, double *row)
{
    int64_t ok = 0, tot = 0;
    for (int c = 0; c < k; c++) {
        int64_t rc = 0;
        for (int j = 0; j < k; j++) rc += conf[(size_t)c * k + j];
        row[c] = rc ? (double)conf[(size_t)c * k + c] / (double)rc : (double)NAN;
        ok += conf[(size_t)c * k + c];
        tot += rc;
    }
    row[k] = tot ? (double)ok / (double)tot : (double)NAN;
}

FsStatus heatmap_radius(const Classifier *clf, const Dataset *d, int keep_dc, double *acc_low,
                        double *acc_high)
{
    FsStatus st = maskeval_check(clf, d, "radius set");
    if (st != FS_OK) return st;
    int h = d->h, w = d->w, k = clf->k, nr = heatmap_num_radii(h, w);
    size_t hw = (size_t)h * w, img = (size_t)d->c * hw;
    float *xn = xmalloc(fs_mul_size((size_t)d->n, img * sizeof(float), "radius images"));
    float *m = xmalloc(hw * sizeof *m);
    int64_t *conf = xmalloc((size_t)k * k * sizeof *conf);
    maskeval_normalise(d, xn);
    SpectralPlan *sp = spectral_plan_create(d->c, h, w, SPECTRAL_ESTIMATE);
    if (!sp) st = FS_ERR_LIB;
    for (int r = 0; r < nr && st == FS_OK; r++) {
        for (int pass = 0; pass < 2 && st == FS_OK; pass++) {
            spectral_mask_fill(m, h, w, 0.0f);
            if (pass == 0) {
                spectral_mask_band(m, h, w, 0.0, (double)r, 1.0f);
            } else {
                spectral_mask_band(m, h, w, (double)r, -1.0, 1.0f);
                if (keep_dc) m[(size_t)(h / 2) * w + w / 2] = 1.0f;
            }
            memset(conf, 0, (size_t)k * k * sizeof *conf);
            st = maskeval_run(clf, xn, d->y, d->n, sp, m, conf, NULL);
            acc_row(conf, k, (pass == 0 ? acc_low : acc_high) + (size_t)r * (k + 1));
        }
    }
    spectral_plan_destroy(sp);
    free(xn);
    free(m);
    free(conf);
    return st;
}
