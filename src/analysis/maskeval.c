/* maskeval.c: see maskeval.h. */
#include "maskeval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

FsStatus maskeval_check(const Classifier *clf, const Dataset *d, const char *what)
{
    if (d->c != clf->c || d->h != clf->h || d->w != clf->w)
        return fs_errorf(FS_ERR_CONFIG, "%s '%s': images are %dx%dx%d, the model expects %dx%dx%d",
                         what, d->name, d->c, d->h, d->w, clf->c, clf->h, clf->w);
    if (d->n <= 0) return fs_errorf(FS_ERR_CONFIG, "%s '%s': no images", what, d->name);
    for (int i = 0; i < d->n; i++)
        if (d->y[i] < 0 || d->y[i] >= clf->k)
            return fs_errorf(FS_ERR_FORMAT, "%s '%s': label %d of image %d is outside [0, %d)",
                             what, d->name, (int)d->y[i], i, clf->k);
    return FS_OK;
}

void maskeval_normalise(const Dataset *d, float *xn)
{
    size_t hw = (size_t)d->h * (size_t)d->w;
    for (int c = 0; c < d->c; c++)
        FS_CHECK(d->std[c] > 0.0f, "dataset '%s': std[%d] = %g, expected > 0", d->name, c,
                 (double)d->std[c]);
    for (int i = 0; i < d->n; i++)
        for (int c = 0; c < d->c; c++) {
            size_t off = ((size_t)i * (size_t)d->c + (size_t)c) * hw;
            double m = (double)d->mean[c], s = (double)d->std[c];
            for (size_t p = 0; p < hw; p++) xn[off + p] = (float)(((double)d->x[off + p] - m) / s);
        }
}

void maskeval_filter(SpectralPlan *sp, const float *mask, const float *x, float *y, double *tmp)
{
    int c, h, w;
    spectral_plan_shape(sp, &c, &h, &w);
    size_t n = (size_t)c * h * w;
    for (size_t i = 0; i < n; i++) tmp[i] = (double)x[i];
    spectral_filter_double(sp, mask, tmp, tmp);
    for (size_t i = 0; i < n; i++) y[i] = (float)tmp[i];
}

double maskeval_ce(const float *z, int k, int y)
{
    if (k <= 0) return (double)NAN;
    int jm = 0;
    for (int j = 1; j < k; j++)
        if (z[j] > z[jm]) jm = j;
    double mx = (double)z[jm], s = 1.0; /* exp(z_jm - mx) = 1 */
    for (int j = 0; j < k; j++)
        if (j != jm) s += exp((double)z[j] - mx);
    return mx + log(s) - (double)z[y];
}

static int argmax_f(const float *z, int k)
{
    int b = 0;
    for (int j = 1; j < k; j++)
        if (z[j] > z[b]) b = j;
    return b;
}

FsStatus maskeval_run(const Classifier *clf, const float *xn, const int32_t *y, int n,
                      SpectralPlan *sp, const float *mask, int64_t *conf, float *logits)
{
    size_t img = (size_t)clf->c * (size_t)clf->h * (size_t)clf->w;
    int k = clf->k, mb = clf->max_batch > 0 ? clf->max_batch : 1;
    float *buf = mask ? xmalloc(fs_mul_size((size_t)mb, img * sizeof(float), "batch")) : NULL;
    float *z = xmalloc((size_t)mb * (size_t)k * sizeof(float));
    double *tmp = mask ? xmalloc(img * sizeof(double)) : NULL;
    FsStatus st = FS_OK;
    for (int b0 = 0; b0 < n && st == FS_OK; b0 += mb) {
        int nb = n - b0 < mb ? n - b0 : mb;
        const float *in = xn + (size_t)b0 * img;
        if (mask) {
            for (int i = 0; i < nb; i++) maskeval_filter(sp, mask, in + i * img, buf + i * img, tmp);
            in = buf;
        }
        st = clf->logits(clf->ctx, in, nb, z);
        if (st != FS_OK) break;
        for (int i = 0; i < nb; i++) {
            const float *zi = z + (size_t)i * k;
            for (int j = 0; j < k; j++)
                if (!isfinite(zi[j])) {
                    st = fs_errorf(FS_ERR_DIVERGED, "non-finite logit %g (image %d, class %d)",
                                   (double)zi[j], b0 + i, j);
                    break;
                }
            if (st != FS_OK) break;
            if (conf) conf[(size_t)y[b0 + i] * k + argmax_f(zi, k)]++;
        }
        if (logits && st == FS_OK) memcpy(logits + (size_t)b0 * k, z, (size_t)nb * k * sizeof(float));
    }
    free(buf);
    free(z);
    free(tmp);
    return st;
}

void maskeval_class_counts(const int32_t *y, int n, int k, int64_t *counts)
{
    memset(counts, 0, (size_t)k * sizeof *counts);
    for (int i = 0; i < n; i++)
        if (y[i] >= 0 && y[i] < k) counts[y[i]]++;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double maskeval_auc_margin(const float *logits, const int32_t *y, int n, int k, int c,
                           double *scratch)
{
    double *pos = scratch, *neg = scratch + n;
    int np = 0, nn = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        double mo = -(double)INFINITY;
        for (int j = 0; j < k; j++)
            if (j != c && (double)z[j] > mo) mo = z[j];
        double m = (double)z[c] - mo;
        if (y[i] == c) pos[np++] = m;
        else neg[nn++] = m;
    }
    if (np == 0 || nn == 0) return (double)NAN;
    qsort(pos, (size_t)np, sizeof *pos, cmp_double);
    qsort(neg, (size_t)nn, sizeof *neg, cmp_double);
    /* For each positive: negatives strictly below + half of the equal ones. */
    double u = 0.0;
    int lo = 0, hi = 0;
    for (int i = 0; i < np; i++) {
        while (lo < nn && neg[lo] < pos[i]) lo++;
        if (hi < lo) hi = lo;
        while (hi < nn && neg[hi] <= pos[i]) hi++;
        u += lo + 0.5 * (hi - lo);
    }
    return u / ((double)np * (double)nn);
}
