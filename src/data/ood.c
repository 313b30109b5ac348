/* ood.c: CIFAR-10-C-style corruptions and spectral band copies (see ood.h). Severity
 * constants: PAPER.md 12 where it gives them (gaussian, shot, impulse, contrast), else the
 * published CIFAR-10-C generator's values. Every corruption is a pure function of (image,
 * severity, rng stream of the image), so sets are reproducible per seed. */
#include "ood.h"

#include "data.h"
#include "rng.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    OOD_GAUSSIAN,
    OOD_SHOT,
    OOD_IMPULSE,
    OOD_SPECKLE,
    OOD_DEFOCUS,
    OOD_MOTION,
    OOD_CONTRAST,
    OOD_BRIGHTNESS,
    OOD_FOG,
    OOD_JPEG,
    OOD_PIXELATE,
    OOD_BANDSTOP,
    OOD_BANDPASS,
    OOD_BANDSTOP_CLIP,
    OOD_COUNT
} OodKind;

static const char *const ood_name_list[OOD_COUNT] = {
    "gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise", "defocus_blur",
    "motion_blur",    "contrast",   "brightness",    "fog",           "jpeg_compression",
    "pixelate",       "bandstop",   "bandpass",      "bandstop_clip"};

/* Severity constants 1..5 (second value where a corruption has two). */
static const double sev_a[OOD_PIXELATE + 1][5] = {
    [OOD_GAUSSIAN] = {0.04, 0.06, 0.08, 0.09, 0.10},   [OOD_SHOT] = {500, 250, 100, 75, 50},
    [OOD_IMPULSE] = {0.01, 0.02, 0.03, 0.05, 0.07},    [OOD_SPECKLE] = {0.06, 0.10, 0.12, 0.16, 0.20},
    [OOD_DEFOCUS] = {0.3, 0.4, 0.5, 1.0, 1.5},          [OOD_MOTION] = {10, 10, 10, 10, 12},
    [OOD_CONTRAST] = {0.75, 0.5, 0.4, 0.3, 0.15},      [OOD_BRIGHTNESS] = {0.05, 0.1, 0.15, 0.2, 0.3},
    [OOD_FOG] = {0.2, 0.5, 0.75, 1.0, 1.5},             [OOD_JPEG] = {80, 65, 58, 50, 40},
    [OOD_PIXELATE] = {0.95, 0.9, 0.85, 0.75, 0.65}};
static const double sev_b[OOD_PIXELATE + 1][5] = {
    [OOD_DEFOCUS] = {0.4, 0.5, 0.6, 0.2, 0.1},
    [OOD_MOTION] = {1, 1.5, 2, 2.5, 3},
    [OOD_FOG] = {3, 3, 2.5, 2, 1.75}};

const char *const *ood_names(int *n)
{
    *n = OOD_COUNT;
    return ood_name_list;
}

static int ood_kind(const char *name, size_t len)
{
    for (int k = 0; k < OOD_COUNT; k++)
        if (strlen(ood_name_list[k]) == len && !strncmp(ood_name_list[k], name, len)) return k;
    return -1;
}

double ood_severity_value(const char *corruption, int severity)
{
    int k = ood_kind(corruption, strlen(corruption));
    if (k < 0 || k > OOD_PIXELATE || severity < 1 || severity > 5) return 0;
    return sev_a[k][severity - 1];
}

static float clip01(double v) { return (float)(v < 0 ? 0 : v > 1 ? 1 : v); }

/* Poisson draw: inversion for small means, PTRS (Hormann 1993) otherwise. */
static double ood_poisson(Rng *r, double lam)
{
    if (lam <= 0) return 0;
    if (lam < 10) {
        double L = exp(-lam), p = 1;
        int k = 0;
        do {
            k++;
            p *= rng_uniform(r);
        } while (p > L);
        return k - 1;
    }
    double slam = sqrt(lam), loglam = log(lam), b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double U = rng_uniform(r) - 0.5, V = rng_uniform(r), us = 0.5 - fabs(U);
        double k = floor((2 * a / us + b) * U + lam + 0.43);
        if (us >= 0.07 && V <= vr) return k;
        if (k < 0 || (us < 0.013 && V > us)) continue;
        if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - lgamma(k + 1)) return k;
    }
}

/* 2-D convolution of each channel with a (2R+1)^2 kernel, reflect-101 borders. */
static void ood_convolve(float *x, int c, int h, int w, const double *ker, int R)
{
    size_t hw = (size_t)h * (size_t)w;
    float *tmp = xmalloc(hw * sizeof *tmp);
    int K = 2 * R + 1;
    for (int ch = 0; ch < c; ch++) {
        float *p = x + (size_t)ch * hw;
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++) {
                double s = 0;
                for (int dy = -R; dy <= R; dy++)
                    for (int dx = -R; dx <= R; dx++) {
                        int yy = y + dy, xs = xx + dx;
                        while (yy < 0 || yy >= h) yy = yy < 0 ? -yy : 2 * h - 2 - yy;
                        while (xs < 0 || xs >= w) xs = xs < 0 ? -xs : 2 * w - 2 - xs;
                        s += ker[(dy + R) * K + dx + R] * (double)p[yy * w + xs];
                    }
                tmp[y * w + xx] = (float)s;
            }
        memcpy(p, tmp, hw * sizeof *tmp);
    }
    free(tmp);
}

/* Disk of radius r convolved with a 3x3 Gaussian of sigma `alias` (CIFAR-10-C defocus). */
static void ood_defocus(float *x, int c, int h, int w, double r, double alias)
{
    int R = (int)ceil(r) + 1, K = 2 * R + 1;
    double *disk = xcalloc((size_t)K * K, sizeof *disk), *ker = xcalloc((size_t)K * K, sizeof *ker);
    double g[3], gs = 0, ds = 0;
    for (int i = 0; i < 3; i++) gs += (g[i] = exp(-(i - 1) * (i - 1) / (2 * alias * alias)));
    for (int i = 0; i < 3; i++) g[i] /= gs;
    for (int y = -R; y <= R; y++)
        for (int xx = -R; xx <= R; xx++)
            if (y * y + xx * xx <= r * r) ds += (disk[(y + R) * K + xx + R] = 1);
    for (int i = 0; i < K * K; i++) disk[i] /= ds;
    for (int y = 0; y < K; y++)
        for (int xx = 0; xx < K; xx++)
            for (int a = -1; a <= 1; a++)
                for (int b = -1; b <= 1; b++) {
                    int yy = y + a, xs = xx + b;
                    if (yy < 0 || yy >= K || xs < 0 || xs >= K) continue;
                    ker[yy * K + xs] += disk[y * K + xx] * g[a + 1] * g[b + 1];
                }
    ood_convolve(x, c, h, w, ker, R);
    free(disk);
    free(ker);
}

/* One-sided Gaussian motion blur of `radius` taps along angle theta (ImageMagick style). */
static void ood_motion(float *x, int c, int h, int w, double radius, double sigma, double theta)
{
    int taps = 2 * (int)ceil(radius) + 1;
    double *k = xmalloc((size_t)taps * sizeof *k), ks = 0;
    for (int t = 0; t < taps; t++) ks += (k[t] = exp(-(double)t * t / (2 * sigma * sigma)));
    size_t hw = (size_t)h * (size_t)w;
    float *tmp = xmalloc(hw * sizeof *tmp);
    double sy = sin(theta), sx = cos(theta);
    int *oy = xmalloc((size_t)taps * sizeof *oy), *ox = xmalloc((size_t)taps * sizeof *ox);
    for (int t = 0; t < taps; t++) { /* integer offset of tap t (pixel coordinates are integers) */
        oy[t] = (int)lround(t * sy);
        ox[t] = (int)lround(t * sx);
        k[t] /= ks;
    }
    for (int ch = 0; ch < c; ch++) {
        float *p = x + (size_t)ch * hw;
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++) {
                double s = 0;
                for (int t = 0; t < taps; t++) {
                    int yy = y - oy[t], xs = xx - ox[t];
                    yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
                    xs = xs < 0 ? 0 : xs >= w ? w - 1 : xs;
                    s += k[t] * (double)p[yy * w + xs];
                }
                tmp[y * w + xx] = (float)s;
            }
        memcpy(p, tmp, hw * sizeof *tmp);
    }
    free(oy);
    free(ox);
    free(tmp);
    free(k);
}

/* Area-averaging (box) resampling of one channel. */
static void ood_box_resample(const float *src, int sh, int sw, float *dst, int dh, int dw)
{
    double fy = (double)sh / dh, fx = (double)sw / dw;
    for (int oy = 0; oy < dh; oy++)
        for (int ox = 0; ox < dw; ox++) {
            double y0 = oy * fy, y1 = (oy + 1) * fy, x0 = ox * fx, x1 = (ox + 1) * fx, s = 0, ws = 0;
            for (int y = (int)floor(y0); y < (int)ceil(y1) && y < sh; y++) {
                double wy = fmin(y1, y + 1.0) - fmax(y0, (double)y);
                for (int xx = (int)floor(x0); xx < (int)ceil(x1) && xx < sw; xx++) {
                    double wx = fmin(x1, xx + 1.0) - fmax(x0, (double)xx), ww = wy * wx;
                    if (ww <= 0) continue;
                    s += ww * (double)src[y * sw + xx];
                    ws += ww;
                }
            }
            dst[oy * dw + ox] = (float)(ws > 0 ? s / ws : 0);
        }
}

static void ood_pixelate(float *x, int c, int h, int w, double f)
{
    int dh = (int)(h * f), dw = (int)(w * f);
    if (dh < 1) dh = 1;
    if (dw < 1) dw = 1;
    float *small = xmalloc((size_t)dh * dw * sizeof *small);
    for (int ch = 0; ch < c; ch++) {
        float *p = x + (size_t)ch * h * w;
        ood_box_resample(p, h, w, small, dh, dw);
        ood_box_resample(small, dh, dw, p, h, w);
    }
    free(small);
}

/* ---------------------------------------------------------------- JPEG-like quantisation */
static const int jpeg_lum[64] = {16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
                                 14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
                                 18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
                                 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const int jpeg_chr[64] = {17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
                                 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
                                 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
                                 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

/* Quantise one plane (values 0..255, level-shifted inside) in 8x8 DCT blocks, edge-replicated. */
static void jpeg_plane(double *p, int h, int w, const int *qt)
{
    double cs[8][8];
    for (int u = 0; u < 8; u++)
        for (int x = 0; x < 8; x++) cs[u][x] = cos((2 * x + 1) * u * M_PI / 16) * (u ? sqrt(0.25) : sqrt(0.125));
    double blk[8][8], F[8][8], t[8][8];
    for (int by = 0; by < h; by += 8)
        for (int bx = 0; bx < w; bx += 8) {
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++) {
                    int yy = by + y < h ? by + y : h - 1, xx = bx + x < w ? bx + x : w - 1;
                    blk[y][x] = p[yy * w + xx] - 128.0;
                }
            for (int u = 0; u < 8; u++) /* rows: t = C blk */
                for (int x = 0; x < 8; x++) {
                    double s = 0;
                    for (int y = 0; y < 8; y++) s += cs[u][y] * blk[y][x];
                    t[u][x] = s;
                }
            for (int u = 0; u < 8; u++)
                for (int v = 0; v < 8; v++) {
                    double s = 0;
                    for (int x = 0; x < 8; x++) s += t[u][x] * cs[v][x];
                    F[u][v] = nearbyint(s / qt[u * 8 + v]) * qt[u * 8 + v];
                }
            for (int y = 0; y < 8; y++) /* inverse: blk = C^T F C */
                for (int v = 0; v < 8; v++) {
                    double s = 0;
                    for (int u = 0; u < 8; u++) s += cs[u][y] * F[u][v];
                    t[y][v] = s;
                }
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++) {
                    double s = 0;
                    for (int v = 0; v < 8; v++) s += t[y][v] * cs[v][x];
                    if (by + y < h && bx + x < w) p[(by + y) * w + bx + x] = s + 128.0;
                }
        }
}

static void ood_jpeg(float *x, int c, int h, int w, int quality)
{
    int ql[64], qc[64];
    int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    for (int i = 0; i < 64; i++) {
        int a = (jpeg_lum[i] * scale + 50) / 100, b = (jpeg_chr[i] * scale + 50) / 100;
        ql[i] = a < 1 ? 1 : a > 255 ? 255 : a;
        qc[i] = b < 1 ? 1 : b > 255 ? 255 : b;
    }
    size_t hw = (size_t)h * (size_t)w;
    double *pl = xmalloc(3 * hw * sizeof *pl);
    if (c == 1) {
        for (size_t i = 0; i < hw; i++) pl[i] = floor(255.0 * (double)x[i] + 0.5);
        jpeg_plane(pl, h, w, ql);
        for (size_t i = 0; i < hw; i++) x[i] = clip01(floor(pl[i] + 0.5) / 255.0);
    } else {
        for (size_t i = 0; i < hw; i++) {
            double R = floor(255.0 * (double)x[i] + 0.5), G = floor(255.0 * (double)x[hw + i] + 0.5),
                   B = floor(255.0 * (double)x[2 * hw + i] + 0.5);
            pl[i] = 0.299 * R + 0.587 * G + 0.114 * B;
            pl[hw + i] = -0.168736 * R - 0.331264 * G + 0.5 * B + 128.0;
            pl[2 * hw + i] = 0.5 * R - 0.418688 * G - 0.081312 * B + 128.0;
        }
        jpeg_plane(pl, h, w, ql);
        jpeg_plane(pl + hw, h, w, qc);
        jpeg_plane(pl + 2 * hw, h, w, qc);
        for (size_t i = 0; i < hw; i++) {
            double Y = pl[i], Cb = pl[hw + i] - 128.0, Cr = pl[2 * hw + i] - 128.0;
            double rgb[3] = {Y + 1.402 * Cr, Y - 0.344136 * Cb - 0.714136 * Cr, Y + 1.772 * Cb};
            for (int ch = 0; ch < 3; ch++) {
                double v = floor(rgb[ch] + 0.5);
                x[(size_t)ch * hw + i] = clip01(v / 255.0);
            }
        }
    }
    free(pl);
}

/* Brightness: V += b in HSV (H, S kept), i.e. RGB scaled by V'/V; grey images add b. */
static void ood_brightness(float *x, int c, size_t hw, double b)
{
    if (c != 3) {
        for (size_t i = 0; i < (size_t)c * hw; i++) x[i] = clip01((double)x[i] + b);
        return;
    }
    for (size_t i = 0; i < hw; i++) {
        double r = x[i], g = x[hw + i], bl = x[2 * hw + i];
        double v = fmax(r, fmax(g, bl)), v2 = fmin(1.0, v + b);
        if (v <= 0) {
            x[i] = x[hw + i] = x[2 * hw + i] = (float)v2;
        } else {
            double s = v2 / v;
            x[i] = clip01(r * s);
            x[hw + i] = clip01(g * s);
            x[2 * hw + i] = clip01(bl * s);
        }
    }
}

/* Fog: a smooth random field (amplitude rho^-decay, random phases), min-max scaled to [0,1],
 * added with weight a: x <- (x + a fog) * max(x) / (max(x) + a). */
static void ood_fog(SpectralPlan *sp, float *x, int c, int h, int w, double a, double decay, Rng *r)
{
    size_t hw = (size_t)h * (size_t)w;
    double *re = xcalloc(hw, sizeof *re), *im = xcalloc(hw, sizeof *im), *f = xmalloc(hw * sizeof *f);
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            double rho = spectral_radius(i, j, h, w), ph = 2 * M_PI * rng_uniform(r);
            double amp = rho > 0 ? pow(rho, -decay) : 0;
            re[i * w + j] = amp * cos(ph);
            im[i * w + j] = amp * sin(ph);
        }
    spectral_inverse(sp, re, im, f);
    double lo = f[0], hi = f[0], mx = 0;
    for (size_t i = 0; i < hw; i++) lo = fmin(lo, f[i]), hi = fmax(hi, f[i]);
    for (size_t i = 0; i < (size_t)c * hw; i++) mx = fmax(mx, (double)x[i]);
    for (int ch = 0; ch < c; ch++)
        for (size_t i = 0; i < hw; i++) {
            double fog = hi > lo ? (f[i] - lo) / (hi - lo) : 0;
            x[(size_t)ch * hw + i] = clip01(((double)x[(size_t)ch * hw + i] + a * fog) * mx / (mx + a));
        }
    free(re), free(im), free(f);
}

/* Parse "NAME:ARG"; fills kind, severity (1..5) or the band set (bit b-1 set = band b). */
static FsStatus ood_parse(const char *name, int *kind, int *sev, int *bands)
{
    const char *colon = strchr(name, ':');
    size_t len = colon ? (size_t)(colon - name) : strlen(name);
    *kind = ood_kind(name, len);
    *sev = 0;
    *bands = 0;
    if (*kind < 0)
        return fs_errorf(FS_ERR_CONFIG,
                         "OOD set '%s': unknown corruption (expected gaussian_noise, shot_noise, "
                         "impulse_noise, speckle_noise, defocus_blur, motion_blur, contrast, "
                         "brightness, fog, jpeg_compression, pixelate, bandstop, bandpass, bandstop_clip)",
                         name);
    if (!colon) return fs_errorf(FS_ERR_CONFIG, "OOD set '%s': missing ':ARG' (severity 1..5 or bands)", name);
    if (*kind <= OOD_PIXELATE) return fs_parse_int(colon + 1, 1, 5, "OOD severity", sev);
    int *b = NULL, nb = 0;
    FsStatus st = fs_parse_int_list(colon + 1, 1, 4, "OOD bands", &b, &nb);
    if (st) return st;
    for (int i = 0; i < nb; i++) *bands |= 1 << (b[i] - 1);
    free(b);
    if (*kind == OOD_BANDPASS && nb != 1)
        return fs_errorf(FS_ERR_CONFIG, "OOD set '%s': bandpass takes one band 1..4", name);
    if (*kind != OOD_BANDPASS && (nb < 1 || nb > 3 || __builtin_popcount((unsigned)*bands) != nb))
        return fs_errorf(FS_ERR_CONFIG, "OOD set '%s': expected 1..3 distinct bands in 1..4, e.g. bandstop:1,2", name);
    return FS_OK;
}

FsStatus ood_make(const Dataset *test, const char *name, uint64_t seed, Dataset *out)
{
    memset(out, 0, sizeof *out);
    int kind = 0, sev = 1, bands = 0;
    FsStatus st = ood_parse(name, &kind, &sev, &bands);
    if (st) return st;
    FS_CHECK(kind >= 0 && (kind > OOD_PIXELATE || (sev >= 1 && sev <= 5)),
             "ood_make: parsed kind %d severity %d", kind, sev);
    int c = test->c, h = test->h, w = test->w;
    size_t hw = (size_t)h * (size_t)w, per = (size_t)c * hw;
    int *all = xmalloc((size_t)(test->n > 0 ? test->n : 1) * sizeof *all);
    for (int i = 0; i < test->n; i++) all[i] = i;
    st = dataset_subset(test, all, test->n, out);
    free(all);
    if (st) return st;
    SpectralPlan *sp = NULL;
    float *mask = NULL;
    if (kind >= OOD_BANDSTOP || kind == OOD_FOG) {
        sp = spectral_plan_create(kind == OOD_FOG ? 1 : c, h, w, SPECTRAL_ESTIMATE);
        if (!sp) {
            dataset_free(out);
            return FS_ERR_CONFIG;
        }
    }
    if (kind >= OOD_BANDSTOP) {
        double edges[5];
        spectral_band_edges(h, w, 4, edges);
        mask = xmalloc(hw * sizeof *mask);
        spectral_mask_fill(mask, h, w, kind == OOD_BANDPASS ? 0.0f : 1.0f);
        for (int b = 0; b < 4; b++)
            if (bands & (1 << b))
                spectral_mask_band(mask, h, w, edges[b], edges[b + 1], kind == OOD_BANDPASS ? 1.0f : 0.0f);
        mask[(h / 2) * w + w / 2] = 1.0f; /* DC kept */
    }
    uint64_t tag = fs_hash64(name, strlen(name));
    double a = kind <= OOD_PIXELATE ? sev_a[kind][sev - 1] : 0, b2 = kind <= OOD_PIXELATE ? sev_b[kind][sev - 1] : 0;
    for (int i = 0; i < out->n; i++) {
        float *x = out->x + (size_t)i * per;
        Rng r;
        uint64_t words[4] = {seed, tag, (uint64_t)i, RNG_STREAM_OOD};
        rng_seed_words(&r, words, 4);
        switch (kind) {
        case OOD_GAUSSIAN:
            for (size_t q = 0; q < per; q++) x[q] = clip01((double)x[q] + a * rng_normal(&r));
            break;
        case OOD_SHOT:
            for (size_t q = 0; q < per; q++) x[q] = clip01(ood_poisson(&r, (double)x[q] * a) / a);
            break;
        case OOD_IMPULSE:
            for (size_t q = 0; q < per; q++)
                if (rng_uniform(&r) < a) x[q] = rng_uniform(&r) < 0.5 ? 0.0f : 1.0f;
            break;
        case OOD_SPECKLE:
            for (size_t q = 0; q < per; q++) x[q] = clip01((double)x[q] * (1.0 + a * rng_normal(&r)));
            break;
        case OOD_DEFOCUS:
            ood_defocus(x, c, h, w, a, b2);
            break;
        case OOD_MOTION:
            ood_motion(x, c, h, w, a, b2, rng_uniform_range(&r, -M_PI / 4, M_PI / 4));
            break;
        case OOD_CONTRAST:
            for (int ch = 0; ch < c; ch++) {
                double m = 0;
                for (size_t q = 0; q < hw; q++) m += (double)x[(size_t)ch * hw + q];
                m /= (double)hw;
                for (size_t q = 0; q < hw; q++)
                    x[(size_t)ch * hw + q] = clip01(((double)x[(size_t)ch * hw + q] - m) * a + m);
            }
            break;
        case OOD_BRIGHTNESS:
            ood_brightness(x, c, hw, a);
            break;
        case OOD_FOG:
            ood_fog(sp, x, c, h, w, a, b2, &r);
            break;
        case OOD_JPEG:
            ood_jpeg(x, c, h, w, (int)a);
            break;
        case OOD_PIXELATE:
            ood_pixelate(x, c, h, w, a);
            break;
        case OOD_BANDSTOP:
        case OOD_BANDPASS:
            spectral_filter(sp, mask, x, x);
            break;
        case OOD_BANDSTOP_CLIP:
            spectral_filter(sp, mask, x, x);
            for (size_t q = 0; q < per; q++) x[q] = (float)floor(255.0 * (double)clip01((double)x[q]) + 0.5) / 255.0f;
            break;
        default:
            break;
        }
    }
    FsBuf nm = {0};
    fsbuf_printf(&nm, "ood:%s:%s", name, test->name);
    size_t l = nm.len < sizeof out->name - 1 ? nm.len : sizeof out->name - 1;
    memcpy(out->name, nm.s, l);
    out->name[l] = 0;
    fsbuf_free(&nm);
    free(mask);
    spectral_plan_destroy(sp);
    return FS_OK;
}
