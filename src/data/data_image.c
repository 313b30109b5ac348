/* data_image.c: antialiased bilinear resampling (see data.h). Separable: for every output
 * coordinate, a normalised triangle filter over the source pixels, with support scaled by the
 * downscale factor (as PIL's BILINEAR and torchvision's antialias=True). */
#include "data.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    int lo, n;     /* first source index and count */
    double *wt;    /* n weights, summing to 1 */
} ResampleTap;

/* Taps for dn outputs from the source span [o0, o0 + len) of a length-sn axis. */
static ResampleTap *resample_taps(int sn, double o0, double len, int dn)
{
    ResampleTap *t = xcalloc((size_t)dn, sizeof *t);
    double scale = len / dn, ss = scale > 1.0 ? scale : 1.0, support = ss;
    for (int d = 0; d < dn; d++) {
        double center = o0 + (d + 0.5) * scale;
        int lo = (int)floor(center - support + 0.5), hi = (int)floor(center + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > sn) hi = sn;
        if (hi <= lo) { /* crop outside the image: take the nearest edge pixel */
            lo = center < 0 ? 0 : sn - 1;
            hi = lo + 1;
        }
        t[d].lo = lo;
        t[d].n = hi - lo;
        t[d].wt = xmalloc((size_t)t[d].n * sizeof *t[d].wt);
        double sum = 0;
        for (int i = 0; i < t[d].n; i++) {
            double u = fabs((lo + i + 0.5 - center) / ss);
            double v = u < 1.0 ? 1.0 - u : 0.0;
            t[d].wt[i] = v;
            sum += v;
        }
        if (sum <= 0) { /* degenerate: nearest pixel */
            for (int i = 0; i < t[d].n; i++) t[d].wt[i] = 0;
            t[d].wt[0] = 1;
            sum = 1;
        }
        for (int i = 0; i < t[d].n; i++) t[d].wt[i] /= sum;
    }
    return t;
}

static void resample_taps_free(ResampleTap *t, int n)
{
    for (int i = 0; i < n; i++) free(t[i].wt);
    free(t);
}

void image_resize_crop(const float *src, int c, int sh, int sw, double y0, double x0, double ch,
                       double cw, float *dst, int dh, int dw)
{
    ResampleTap *tx = resample_taps(sw, x0, cw, dw), *ty = resample_taps(sh, y0, ch, dh);
    double *tmp = xmalloc((size_t)sh * (size_t)dw * sizeof *tmp); /* (sh, dw) one channel */
    for (int k = 0; k < c; k++) {
        const float *s = src + (size_t)k * sh * sw;
        for (int y = 0; y < sh; y++)
            for (int d = 0; d < dw; d++) {
                double a = 0;
                for (int i = 0; i < tx[d].n; i++) a += tx[d].wt[i] * (double)s[y * sw + tx[d].lo + i];
                tmp[(size_t)y * dw + d] = a;
            }
        float *o = dst + (size_t)k * dh * dw;
        for (int d = 0; d < dh; d++)
            for (int x = 0; x < dw; x++) {
                double a = 0;
                for (int i = 0; i < ty[d].n; i++) a += ty[d].wt[i] * tmp[(size_t)(ty[d].lo + i) * dw + x];
                o[(size_t)d * dw + x] = (float)a;
            }
    }
    free(tmp);
    resample_taps_free(tx, dw);
    resample_taps_free(ty, dh);
}

void image_resize(const float *src, int c, int sh, int sw, float *dst, int dh, int dw)
{
    image_resize_crop(src, c, sh, sw, 0, 0, sh, sw, dst, dh, dw);
}
