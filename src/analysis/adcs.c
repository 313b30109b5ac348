/* adcs.c: see adcs.h. */
#include "adcs.h"

#include "log.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *adcs_variant_str(AdcsVariant v) { return v == ADCS_REFERENCE ? "reference" : "paper"; }

FsStatus adcs_compute(const Dataset *d, int first, int count, double *class_amp_sum,
                      int64_t *class_count)
{
    return adcs_compute_ex(d, first, count, 0, class_amp_sum, class_count);
}

FsStatus adcs_compute_ex(const Dataset *d, int first, int count, int raw, double *class_amp_sum,
                         int64_t *class_count)
{
    if (first < 0 || count < 0 || first + count > d->n)
        return fs_errorf(FS_ERR_CONFIG, "adcs: images [%d, %d) outside %s (%d images)", first,
                         first + count, d->name, d->n);
    if (count == 0) return FS_OK;
    SpectralPlan *sp = spectral_plan_create(d->c, d->h, d->w, SPECTRAL_ESTIMATE);
    if (!sp) return fs_errorf(FS_ERR_CONFIG, "adcs: %s: %s", d->name, fs_last_error());
    size_t per = (size_t)d->c * d->h * d->w, hw = (size_t)d->h * d->w;
    float *x = xmalloc(per * sizeof *x);
    double *amp = xmalloc(per * sizeof *amp);
    FsStatus st = FS_OK;
    for (int i = first; i < first + count; i++) {
        int y = d->y[i];
        if (y < 0 || y >= d->k) {
            st = fs_errorf(FS_ERR_FORMAT, "adcs: %s: image %d has label %d outside [0, %d)", d->name, i, y, d->k);
            break;
        }
        const float *src = d->x + (size_t)i * per;
        for (int c = 0; c < d->c; c++) {
            float m = raw ? 0.0f : d->mean[c], s = raw ? 1.0f : 1.0f / d->std[c];
            for (size_t q = 0; q < hw; q++) x[(size_t)c * hw + q] = (src[(size_t)c * hw + q] - m) * s;
        }
        spectral_amplitude(sp, x, amp);
        double *dst = class_amp_sum + (size_t)y * per;
        for (size_t q = 0; q < per; q++) dst[q] += amp[q];
        class_count[y]++;
    }
    free(x);
    free(amp);
    spectral_plan_destroy(sp);
    return st;
}

static int sgn0(double v) { return (v > 0) - (v < 0); }

int adcs_finish(const double *class_amp_sum, const int64_t *class_count, int k, int c, int h,
                int w, AdcsVariant variant, double *E, double *adcs)
{
    size_t hw = (size_t)h * w, per = (size_t)c * hw;
    double *mean = xmalloc((size_t)k * per * sizeof *mean);
    int absent = 0;
    for (int i = 0; i < k; i++) {
        absent += class_count[i] <= 0;
        for (size_t q = 0; q < per; q++)
            mean[(size_t)i * per + q] = class_count[i] > 0 ? class_amp_sum[(size_t)i * per + q] / (double)class_count[i] : (double)NAN;
    }
    if (E) memcpy(E, mean, (size_t)k * per * sizeof *E);
    static const double lum[3] = {0.2989, 0.5870, 0.1140};
    for (int i = 0; i < k; i++)
        for (size_t q = 0; q < hw; q++) {
            double acc = 0;
            if (class_count[i] <= 0) {
                acc = NAN; /* no spectrum to compare */
            } else if (variant == ADCS_PAPER) {
                for (int ch = 0; ch < c; ch++) {
                    int s = 0;
                    for (int j = 0; j < k; j++)
                        if (j != i && class_count[j] > 0)
                            s += sgn0(mean[(size_t)i * per + ch * hw + q] - mean[(size_t)j * per + ch * hw + q]);
                    acc += s;
                }
                acc /= c;
            } else {
                for (int j = 0; j < k; j++) {
                    if (class_count[j] <= 0) continue;
                    double dd = 0;
                    for (int ch = 0; ch < c; ch++) {
                        double diff = class_amp_sum[(size_t)i * per + ch * hw + q] - class_amp_sum[(size_t)j * per + ch * hw + q];
                        dd += (c == 3 ? lum[ch] : 1.0 / c) * diff;
                    }
                    acc += dd > 0 ? 1 : -1;
                }
            }
            adcs[(size_t)i * hw + q] = acc;
        }
    free(mean);
    return absent;
}

int adcs_warn_absent(const int64_t *class_count, int k, char *const *names, const char *set)
{
    int absent = 0;
    for (int i = 0; i < k; i++)
        if (class_count[i] <= 0) {
            absent++;
            LOG_WARN("ADCS of %s: class %d (%s) has no images: left out of every comparison, its "
                     "own map and spectrum are NaN", set, i, names && names[i] ? names[i] : "-");
        }
    return absent;
}
