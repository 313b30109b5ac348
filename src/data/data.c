/* data.c: the dataset helpers of data.h (allocation, class names and counts, subsets,
 * normalisation, padding, stratified picks) that the spec parser, the loaders and the OOD sets
 * share; apart from data_spec.c so that the loaders it dispatches to never call back into it. */
#include "data.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


void dataset_alloc(Dataset *d, int n, int c, int h, int w, int k)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->c = c;
    d->h = h;
    d->w = w;
    d->k = k;
    size_t np = fs_mul_size(fs_mul_size((size_t)n, (size_t)c * (size_t)h * (size_t)w, "dataset"),
                            sizeof(float), "dataset bytes");
    d->x = xcalloc(np ? np : 1, 1);
    d->y = xcalloc(n ? (size_t)n : 1, sizeof *d->y);
    for (int i = 0; i < DATASET_MAX_CH; i++) d->std[i] = 1.0f;
}

char **dataset_copy_names(const char *const *names, int k)
{
    if (!names) return NULL;
    char **o = xcalloc((size_t)k, sizeof *o);
    for (int i = 0; i < k; i++) o[i] = xstrdup(names[i] ? names[i] : "");
    return o;
}

int *dataset_class_counts(const Dataset *d)
{
    int *cnt = xcalloc((size_t)(d->k > 0 ? d->k : 1), sizeof *cnt);
    for (int i = 0; i < d->n; i++)
        if (d->y[i] >= 0 && d->y[i] < d->k) cnt[d->y[i]]++;
    return cnt;
}

FsStatus dataset_subset(const Dataset *d, const int *idx, int n, Dataset *out)
{
    size_t per = (size_t)d->c * (size_t)d->h * (size_t)d->w;
    for (int i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= d->n)
            return fs_errorf(FS_ERR_CONFIG, "%s: subset index %d (entry %d) out of range [0, %d)",
                             d->name, idx[i], i, d->n);
    dataset_alloc(out, n, d->c, d->h, d->w, d->k);
    for (int i = 0; i < n; i++) {
        memcpy(out->x + (size_t)i * per, d->x + (size_t)idx[i] * per, per * sizeof *out->x);
        out->y[i] = d->y[idx[i]];
    }
    memcpy(out->mean, d->mean, sizeof out->mean);
    memcpy(out->std, d->std, sizeof out->std);
    memcpy(out->name, d->name, sizeof out->name);
    out->class_names = dataset_copy_names((const char *const *)d->class_names, d->k);
    return FS_OK;
}

void dataset_normalize(const Dataset *d, const float *x, float *out, int n)
{
    size_t hw = (size_t)d->h * (size_t)d->w;
    for (int i = 0; i < n; i++)
        for (int c = 0; c < d->c; c++) {
            float m = d->mean[c], s = 1.0f / d->std[c];
            size_t o = ((size_t)i * (size_t)d->c + (size_t)c) * hw;
            for (size_t p = 0; p < hw; p++) out[o + p] = (x[o + p] - m) * s;
        }
}

void dataset_compute_norm(Dataset *d)
{
    size_t hw = (size_t)d->h * (size_t)d->w;
    for (int c = 0; c < d->c; c++) {
        double s = 0, s2 = 0;
        for (int i = 0; i < d->n; i++) {
            const float *p = d->x + ((size_t)i * (size_t)d->c + (size_t)c) * hw;
            for (size_t q = 0; q < hw; q++) {
                s += (double)p[q];
                s2 += (double)p[q] * (double)p[q];
            }
        }
        double cnt = (double)d->n * (double)hw, m = cnt > 0 ? s / cnt : 0;
        double v = cnt > 0 ? s2 / cnt - m * m : 1;
        d->mean[c] = (float)m;
        d->std[c] = (float)(v > 1e-12 ? sqrt(v) : 1.0);
    }
}

void dataset_pad(Dataset *d, int pad)
{
    if (pad <= 0) return;
    int h2 = d->h + 2 * pad, w2 = d->w + 2 * pad;
    size_t per2 = (size_t)d->c * (size_t)h2 * (size_t)w2;
    float *x2 = xcalloc(fs_mul_size((size_t)d->n, per2, "padded dataset"), sizeof *x2);
    for (int i = 0; i < d->n; i++)
        for (int c = 0; c < d->c; c++)
            for (int y = 0; y < d->h; y++)
                memcpy(x2 + (size_t)i * per2 + ((size_t)c * h2 + (size_t)(y + pad)) * w2 + pad,
                       d->x + (((size_t)i * d->c + c) * d->h + y) * d->w, (size_t)d->w * sizeof *x2);
    free(d->x);
    d->x = x2;
    d->h = h2;
    d->w = w2;
}

FsStatus dataset_class_half(const Dataset *d, int half, Dataset *out)
{
    if (half != 0 && half != 1)
        return fs_errorf(FS_ERR_CONFIG, "%s: half %d: expected 0 or 1", d->name, half);
    int *seen = xcalloc(d->k > 0 ? (size_t)d->k : 1, sizeof *seen);
    int *idx = xmalloc((d->n > 0 ? (size_t)d->n : 1) * sizeof *idx), n = 0;
    for (int i = 0; i < d->n; i++)
        if (seen[d->y[i]]++ % 2 == half) idx[n++] = i;
    FsStatus st = n > 0 ? dataset_subset(d, idx, n, out)
                        : fs_errorf(FS_ERR_CONFIG, "%s: half %d of %d images is empty", d->name,
                                    half, d->n);
    free(idx);
    free(seen);
    return st;
}

FsStatus dataset_stratified_indices(const Dataset *d, const int *take, uint64_t seed, int **idx,
                                    int *n)
{
    int *cnt = dataset_class_counts(d);
    int total = 0;
    for (int c = 0; c < d->k; c++) {
        if (take[c] < 0 || take[c] > cnt[c]) {
            FsStatus st = fs_errorf(FS_ERR_CONFIG, "%s: class %d has %d images, cannot take %d",
                                    d->name, c, cnt[c], take[c]);
            free(cnt);
            return st;
        }
        total += take[c];
    }
    char *pick = xcalloc(d->n > 0 ? (size_t)d->n : 1, 1);
    if (seed == 0) {
        int *got = xcalloc((size_t)d->k, sizeof *got);
        for (int i = 0; i < d->n; i++) {
            int c = d->y[i];
            if (got[c] < take[c]) {
                pick[i] = 1;
                got[c]++;
            }
        }
        free(got);
    } else {
        Rng r = rng_derive(seed, 0, RNG_STREAM_DATA);
        int *members = xmalloc((d->n > 0 ? (size_t)d->n : 1) * sizeof *members);
        for (int c = 0; c < d->k; c++) {
            int m = 0;
            for (int i = 0; i < d->n; i++)
                if (d->y[i] == c) members[m++] = i;
            for (int i = 0; i < take[c]; i++) { /* partial Fisher-Yates */
                int j = i + (int)rng_below(&r, (uint64_t)(m - i));
                int t = members[i];
                members[i] = members[j];
                members[j] = t;
                pick[members[i]] = 1;
            }
        }
        free(members);
    }
    *idx = xmalloc((total > 0 ? (size_t)total : 1) * sizeof **idx);
    *n = 0;
    for (int i = 0; i < d->n; i++)
        if (pick[i]) (*idx)[(*n)++] = i;
    free(pick);
    free(cnt);
    return FS_OK;
}
