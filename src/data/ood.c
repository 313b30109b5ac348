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
    OOD_GLASS,
    OOD_ZOOM,
    OOD_SNOW,
    OOD_FROST,
    OOD_ELASTIC,
    OOD_BANDSTOP,
    OOD_BANDPASS,
    OOD_BANDSTOP_CLIP,
    OOD_COUNT
} OodKind;

static const char *const ood_name_list[OOD_COUNT] = {
    "gaussian_noise", "shot_noise", "impulse_noise", "speckle_noise", "defocus_blur",
    "motion_blur",    "contrast",   "brightness",    "fog",           "jpeg_compression",
    "pixelate",       "glass_blur", "zoom_blur",     "snow",          "frost",
    "elastic_transform", "bandstop", "bandpass",     "bandstop_clip"};
#define OOD_LAST_CORRUPTION OOD_ELASTIC

/* Severity constants 1..5 (second value where a corruption has two). */
static const double sev_a[OOD_LAST_CORRUPTION + 1][5] = {
    [OOD_GAUSSIAN] = {0.04, 0.06, 0.08, 0.09, 0.10},   [OOD_SHOT] = {500, 250, 100, 75, 50},
    [OOD_IMPULSE] = {0.01, 0.02, 0.03, 0.05, 0.07},    [OOD_SPECKLE] = {0.06, 0.10, 0.12, 0.16, 0.20},
    [OOD_DEFOCUS] = {0.3, 0.4, 0.5, 1.0, 1.5},          [OOD_MOTION] = {10, 10, 10, 10, 12},
    [OOD_CONTRAST] = {0.75, 0.5, 0.4, 0.3, 0.15},      [OOD_BRIGHTNESS] = {0.05, 0.1, 0.15, 0.2, 0.3},
    [OOD_FOG] = {0.2, 0.5, 0.75, 1.0, 1.5},             [OOD_JPEG] = {80, 65, 58, 50, 40},
    [OOD_PIXELATE] = {0.95, 0.9, 0.85, 0.75, 0.65},
    /* the record's one number for the multi-parameter corruptions below: glass blur's sigma,
     * zoom blur's largest factor, snow's blend weight of the grey-lifted image (1 - c6), frost's
     * texture weight, elastic's displacement scale alpha / side */
    [OOD_GLASS] = {0.05, 0.25, 0.4, 0.25, 0.4},        [OOD_ZOOM] = {1.06, 1.11, 1.15, 1.20, 1.25},
    [OOD_SNOW] = {0.05, 0.1, 0.1, 0.15, 0.2},           [OOD_FROST] = {0.2, 0.3, 0.4, 0.4, 0.45},
    [OOD_ELASTIC] = {0, 0.05, 0.08, 0.1, 0.1}};
static const double sev_b[OOD_LAST_CORRUPTION + 1][5] = {
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
    if (k < 0 || k > OOD_LAST_CORRUPTION || severity < 1 || severity > 5) return 0;
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

/* ---------------------------------------------------------------- CIFAR-10-C additions
 * Glass blur, zoom blur, snow, frost and elastic transform with the per-severity parameters of
 * Hendrycks & Dietterich's CIFAR-10-C generator (make_cifar_c.py of hendrycks/robustness),
 * written from its description; pixel constants (blur radii, glass shuffle distance) are the
 * 32x32 ones, elastic's are fractions of the image side (the generator's IMSIZE * f). */
static const double glass_par[5][3] = { /* sigma, max shuffle distance, iterations */
    {0.05, 1, 1}, {0.25, 1, 1}, {0.4, 1, 1}, {0.25, 1, 2}, {0.4, 1, 2}};
/* zoom factors 1, 1.01, ..., 1 + 0.01 (n - 1): numpy's arange(1, 1.06, 0.01) etc. give 7, 12,
 * 16, 21, 26 factors (the floating end points 1.06 and 1.11 are included) */
static const int zoom_count[5] = {7, 12, 16, 21, 26};
static const double snow_par[5][7] = { /* loc, scale, zoom, threshold, blur radius, sigma, blend */
    {0.1, 0.2, 1, 0.6, 8, 3, 0.95},
    {0.1, 0.2, 1, 0.5, 10, 4, 0.9},
    {0.15, 0.3, 1.75, 0.55, 10, 4, 0.9},
    {0.25, 0.3, 2.25, 0.6, 12, 6, 0.85},
    {0.3, 0.3, 1.25, 0.65, 14, 12, 0.8}};
static const double frost_par[5][2] = { /* image weight, frost weight */
    {1, 0.2}, {1, 0.3}, {0.9, 0.4}, {0.85, 0.4}, {0.75, 0.45}};
static const double elastic_par[5][3] = { /* alpha, sigma, affine jitter: fractions of the side */
    {0, 0, 0.08}, {0.05, 0.2, 0.07}, {0.08, 0.06, 0.06}, {0.1, 0.04, 0.05}, {0.1, 0.03, 0.03}};

/* Border modes of scipy.ndimage / OpenCV: nearest (a a | a b), reflect (b a | a b, scipy's
 * 'reflect'), reflect-101 (c b | a b c, OpenCV's default). */
typedef enum { EDGE_NEAREST, EDGE_REFLECT, EDGE_REFLECT101 } OodEdge;

static int edge_index(long i, int n, OodEdge e)
{
    if (n <= 1) return 0;
    if (e == EDGE_NEAREST) return i < 0 ? 0 : i >= n ? n - 1 : (int)i;
    long p = e == EDGE_REFLECT ? 2L * n : 2L * n - 2;
    i %= p;
    if (i < 0) i += p;
    if (e == EDGE_REFLECT) return (int)(i < n ? i : p - 1 - i);
    return (int)(i < n ? i : p - i);
}

/* Separable Gaussian blur of one (h, w) plane in place, taps to int(truncate sigma + 0.5) as
 * scipy.ndimage.gaussian_filter (skimage's gaussian: truncate 4, 'nearest'). tmp: h*w. */
static void ood_gauss_plane(double *p, int h, int w, double sigma, double truncate, OodEdge e,
                            double *tmp)
{
    int R = (int)(truncate * sigma + 0.5);
    if (sigma <= 0 || R < 1) return;
    double *k = xmalloc((size_t)(2 * R + 1) * sizeof *k), ks = 0;
    for (int t = -R; t <= R; t++) ks += (k[t + R] = exp(-0.5 * t * t / (sigma * sigma)));
    for (int t = 0; t <= 2 * R; t++) k[t] /= ks;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int t = -R; t <= R; t++) s += k[t + R] * p[(size_t)y * w + edge_index(x + t, w, e)];
            tmp[(size_t)y * w + x] = s;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0;
            for (int t = -R; t <= R; t++) s += k[t + R] * tmp[(size_t)edge_index(y + t, h, e) * w + x];
            p[(size_t)y * w + x] = s;
        }
    free(k);
}

/* Bilinear sample of a (h, w) plane at (y, x) with border mode e. */
static double ood_bilinear(const float *p, int h, int w, double y, double x, OodEdge e)
{
    double fy = floor(y), fx = floor(x), ty = y - fy, tx = x - fx;
    long y0 = (long)fy, x0 = (long)fx;
    int ya = edge_index(y0, h, e), yb = edge_index(y0 + 1, h, e);
    int xa = edge_index(x0, w, e), xb = edge_index(x0 + 1, w, e);
    return (1 - ty) * ((1 - tx) * (double)p[ya * w + xa] + tx * (double)p[ya * w + xb]) +
           ty * ((1 - tx) * (double)p[yb * w + xa] + tx * (double)p[yb * w + xb]);
}

/* The generator's clipped_zoom along one axis of length n: crop the centre ceil(n / z), zoom it
 * to round(ceil(n / z) z) samples (scipy.ndimage.zoom, order 1, end points aligned) and keep the
 * centre n. coord (n): the source coordinate of each output index. */
static void zoom_axis(int n, double z, double *coord)
{
    int ch = (int)ceil((double)n / z), top = (n - ch) / 2;
    int o = (int)nearbyint(ch * z), trim = (o - n) / 2;
    for (int i = 0; i < n; i++)
        coord[i] = top + (o > 1 ? (double)(i + trim) * (ch - 1) / (o - 1) : 0.0);
}

/* dst (h, w) = src (h, w) zoomed by z about its centre (clipped_zoom). */
static void ood_clipped_zoom(const float *src, float *dst, int h, int w, double z)
{
    double *cy = xmalloc((size_t)h * sizeof *cy), *cx = xmalloc((size_t)w * sizeof *cx);
    zoom_axis(h, z, cy);
    zoom_axis(w, z, cx);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) dst[y * w + x] = (float)ood_bilinear(src, h, w, cy[y], cx[x], EDGE_NEAREST);
    free(cy);
    free(cx);
}

/* Glass blur: Gaussian blur, 8-bit truncation, local pixel shuffling (from the bottom-right
 * corner up: each pixel swaps with one at offsets drawn from [-d, d) in both axes), blur again. */
static void ood_glass(float *x, int c, int h, int w, const double *q, Rng *r)
{
    size_t hw = (size_t)h * (size_t)w;
    double *p = xmalloc((size_t)c * hw * sizeof *p), *tmp = xmalloc(hw * sizeof *tmp);
    for (size_t i = 0; i < (size_t)c * hw; i++) p[i] = (double)x[i];
    for (int ch = 0; ch < c; ch++) {
        ood_gauss_plane(p + (size_t)ch * hw, h, w, q[0], 4.0, EDGE_NEAREST, tmp);
        for (size_t i = 0; i < hw; i++) p[(size_t)ch * hw + i] = floor(255.0 * p[(size_t)ch * hw + i]) / 255.0;
    }
    int d = (int)q[1], iters = (int)q[2];
    for (int it = 0; it < iters; it++)
        for (int y = h - d; y > d; y--)
            for (int xx = w - d; xx > d; xx--) {
                const uint64_t span = 2 * (uint64_t)d;
                int dx = (int)rng_below(r, span) - d, dy = (int)rng_below(r, span) - d;
                size_t a = (size_t)y * w + xx, b = (size_t)(y + dy) * w + (xx + dx);
                for (int ch = 0; ch < c; ch++) {
                    double t = p[(size_t)ch * hw + a];
                    p[(size_t)ch * hw + a] = p[(size_t)ch * hw + b];
                    p[(size_t)ch * hw + b] = t;
                }
            }
    for (int ch = 0; ch < c; ch++) ood_gauss_plane(p + (size_t)ch * hw, h, w, q[0], 4.0, EDGE_NEAREST, tmp);
    for (size_t i = 0; i < (size_t)c * hw; i++) x[i] = clip01(p[i]);
    free(p);
    free(tmp);
}

/* Zoom blur: the mean of the image and its clipped zooms by 1, 1.01, ..., 1 + 0.01 (n - 1). */
static void ood_zoom(float *x, int c, int h, int w, int n)
{
    size_t hw = (size_t)h * (size_t)w;
    double *acc = xmalloc(hw * sizeof *acc);
    float *z = xmalloc(hw * sizeof *z);
    for (int ch = 0; ch < c; ch++) {
        float *p = x + (size_t)ch * hw;
        for (size_t i = 0; i < hw; i++) acc[i] = (double)p[i];
        for (int j = 0; j < n; j++) {
            ood_clipped_zoom(p, z, h, w, 1.0 + 0.01 * j);
            for (size_t i = 0; i < hw; i++) acc[i] += (double)z[i];
        }
        for (size_t i = 0; i < hw; i++) p[i] = clip01(acc[i] / (n + 1));
    }
    free(acc);
    free(z);
}

/* Snow: a normal(loc, scale) layer, zoomed, thresholded, 8-bit, motion-blurred at an angle in
 * [-135, -45) degrees; the image is lifted towards max(x, 1.5 grey + 0.5) by 1 - blend, and the
 * layer is added twice (as drawn and rotated by 180 degrees). Grey images use x as grey. */
static void ood_snow(float *x, int c, int h, int w, const double *q, Rng *r)
{
    size_t hw = (size_t)h * (size_t)w;
    float *layer = xmalloc(hw * sizeof *layer), *z = xmalloc(hw * sizeof *z);
    for (size_t i = 0; i < hw; i++) layer[i] = (float)(q[0] + q[1] * rng_normal(r));
    ood_clipped_zoom(layer, z, h, w, q[2]);
    for (size_t i = 0; i < hw; i++) layer[i] = (float)(floor(255.0 * (double)clip01((double)z[i] < q[3] ? 0.0 : (double)z[i])) / 255.0);
    ood_motion(layer, 1, h, w, q[4], q[5], rng_uniform_range(r, -0.75 * M_PI, -0.25 * M_PI));
    for (size_t i = 0; i < hw; i++) layer[i] = (float)(nearbyint(255.0 * (double)clip01((double)layer[i])) / 255.0);
    for (size_t i = 0; i < hw; i++) {
        double g = c == 3 ? 0.299 * (double)x[i] + 0.587 * (double)x[hw + i] + 0.114 * (double)x[2 * hw + i]
                            : (double)x[i];
        double flakes = (double)layer[i] + (double)layer[hw - 1 - i];
        for (int ch = 0; ch < c; ch++) {
            double v = (double)x[(size_t)ch * hw + i];
            v = q[6] * v + (1 - q[6]) * fmax(v, 1.5 * g + 0.5);
            x[(size_t)ch * hw + i] = clip01(v + flakes);
        }
    }
    free(layer);
    free(z);
}

/* Diamond-square plasma on an s x s torus (s a power of two), the generator's plasma_fractal:
 * centre and edge points are the mean of their 4 neighbours plus wibble * U(-wibble, wibble),
 * wibble = 100 / decay^level; min-max scaled to [0, 1]. */
static void ood_plasma(double *m, int s, double decay, Rng *r)
{
    memset(m, 0, (size_t)s * s * sizeof *m);
    double wib = 100;
#define PL(i, j) m[(size_t)(((i) + s) % s) * s + (size_t)(((j) + s) % s)]
    for (int step = s; step >= 2; step /= 2, wib /= decay) {
        int hf = step / 2;
        for (int i = 0; i < s; i += step)
            for (int j = 0; j < s; j += step)
                PL(i + hf, j + hf) = (PL(i, j) + PL(i + step, j) + PL(i, j + step) + PL(i + step, j + step)) / 4 +
                                     wib * rng_uniform_range(r, -wib, wib);
        for (int i = 0; i < s; i += step)
            for (int j = 0; j < s; j += step) {
                PL(i, j + hf) = (PL(i, j) + PL(i, j + step) + PL(i - hf, j + hf) + PL(i + hf, j + hf)) / 4 +
                                wib * rng_uniform_range(r, -wib, wib);
                PL(i + hf, j) = (PL(i, j) + PL(i + step, j) + PL(i + hf, j - hf) + PL(i + hf, j + hf)) / 4 +
                                wib * rng_uniform_range(r, -wib, wib);
            }
    }
#undef PL
    double lo = m[0], hi = m[0];
    for (size_t i = 0; i < (size_t)s * s; i++) lo = fmin(lo, m[i]), hi = fmax(hi, m[i]);
    for (size_t i = 0; i < (size_t)s * s; i++) m[i] = hi > lo ? (m[i] - lo) / (hi - lo) : 0;
}

/* One straight ice needle from (y, x) at angle a, length len px, brightness b fading to 0.4 b
 * at its tip, drawn into cr (h, w) by maximum. */
static void frost_needle(double *cr, int h, int w, double y, double x, double a, double len, double b)
{
    for (int k = 0; k <= (int)floor(2 * len); k++) { /* t = 0, 0.5, ..., <= len */
        double t = 0.5 * k;
        long yy = lround(y + t * sin(a)), xx = lround(x + t * cos(a));
        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
        double v = b * (1 - 0.6 * t / (len > 0 ? len : 1));
        if (v > cr[yy * w + xx]) cr[yy * w + xx] = v;
    }
}

/* A synthetic frost texture (h, w) in [0, 1], NOT the reference frost: the generator overlays
 * crops of six frost photographs that do not ship here. Instead: 0.3 + 0.4 * a rough
 * diamond-square plasma (decay 1.5: fine grain) + 0.5 * ice crystals, clipped to [0, 1]. The
 * crystals: ceil(h w / 64) needles at random points and angles, lengths U(0.15, 0.5) of the
 * longer side, each with side branches at +-60 degrees (hexagonal ice) from every whole pixel
 * along it with probability 0.15, 0.4 of the remaining length long; Gaussian-smoothed
 * (sigma 0.5). Everything is drawn from the image's rng stream, so it is deterministic. */
static void ood_frost_texture(float *tex, int h, int w, Rng *r)
{
    size_t hw = (size_t)h * (size_t)w;
    int s = 2, side = h > w ? h : w;
    while (s < side) s *= 2;
    double *pl = xmalloc((size_t)s * s * sizeof *pl), *cr = xcalloc(hw, sizeof *cr), *tmp = xmalloc(hw * sizeof *tmp);
    ood_plasma(pl, s, 1.5, r);
    int needles = (int)((hw + 63) / 64);
    for (int k = 0; k < needles; k++) {
        double y = rng_uniform(r) * h, x = rng_uniform(r) * w, a = rng_uniform(r) * 2 * M_PI;
        double len = side * rng_uniform_range(r, 0.15, 0.5);
        frost_needle(cr, h, w, y, x, a, len, 1.0);
        for (int t = 1; t < (int)len; t++)
            if (rng_uniform(r) < 0.15) {
                double sgn = rng_uniform(r) < 0.5 ? -1 : 1;
                frost_needle(cr, h, w, y + t * sin(a), x + t * cos(a), a + sgn * M_PI / 3, 0.4 * (len - t),
                             0.8 * (1 - 0.6 * t / len));
            }
    }
    ood_gauss_plane(cr, h, w, 0.5, 4.0, EDGE_NEAREST, tmp);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) tex[y * w + x] = clip01(0.3 + 0.4 * pl[(size_t)y * s + x] + 0.5 * cr[y * w + x]);
    free(pl);
    free(cr);
    free(tmp);
}

/* Frost: a x + b frost, clipped; the texture is tinted ice-blue (0.86, 0.93, 1) on RGB images,
 * its luma 0.917 on grey ones. */
static void ood_frost(float *x, int c, int h, int w, const double *q, Rng *r)
{
    static const double tint[3] = {0.86, 0.93, 1.0};
    size_t hw = (size_t)h * (size_t)w;
    float *tex = xmalloc(hw * sizeof *tex);
    ood_frost_texture(tex, h, w, r);
    for (int ch = 0; ch < c; ch++) {
        double tn = c == 3 ? tint[ch] : 0.299 * tint[0] + 0.587 * tint[1] + 0.114 * tint[2];
        for (size_t i = 0; i < hw; i++)
            x[(size_t)ch * hw + i] = clip01(q[0] * (double)x[(size_t)ch * hw + i] + q[1] * tn * (double)tex[i]);
    }
    free(tex);
}

/* Elastic transform (side S = min(h, w); alpha, sigma, jitter = the fractions times S):
 * 1. a random affine map: the points (cx + s, cy + s), (cx + s, cy - s), (cx - s, cy - s)
 *    (centre cx = w / 2, cy = h / 2, s = S / 3, integer division) each move by U(-jitter, jitter)
 *    in x and y; the image is warped by the affine map through them (bilinear, reflect-101);
 * 2. displacement fields dx, dy = alpha * Gaussian(sigma, truncate 3, reflect) of U(-1, 1)
 *    noise; out(y, x) = warped(y + dy, x + dx), bilinear, reflect. */
static void ood_elastic(float *x, int c, int h, int w, const double *q, Rng *r)
{
    size_t hw = (size_t)h * (size_t)w;
    double S = h < w ? h : w, alpha = q[0] * S, sigma = q[1] * S, jit = q[2] * S;
    int cx = w / 2, cy = h / 2, sq = (int)S / 3;
    double p1[3][2] = {{cx + sq, cy + sq}, {cx + sq, cy - sq}, {cx - sq, cy - sq}}, p2[3][2];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) p2[i][j] = p1[i][j] + rng_uniform_range(r, -jit, jit);
    /* inverse map dst -> src: solve src = A dst + t from the 3 pairs (Cramer's rule) */
    double M[2][3] = {{1, 0, 0}, {0, 1, 0}};
    double det = p2[0][0] * (p2[1][1] - p2[2][1]) - p2[0][1] * (p2[1][0] - p2[2][0]) +
                 (p2[1][0] * p2[2][1] - p2[2][0] * p2[1][1]);
    if (fabs(det) > 1e-9)
        for (int row = 0; row < 2; row++) {
            double v0 = p1[0][row], v1 = p1[1][row], v2 = p1[2][row];
            M[row][0] = (v0 * (p2[1][1] - p2[2][1]) - p2[0][1] * (v1 - v2) + (v1 * p2[2][1] - v2 * p2[1][1])) / det;
            M[row][1] = (p2[0][0] * (v1 - v2) - v0 * (p2[1][0] - p2[2][0]) + (p2[1][0] * v2 - p2[2][0] * v1)) / det;
            M[row][2] = (p2[0][0] * (p2[1][1] * v2 - p2[2][1] * v1) - p2[0][1] * (p2[1][0] * v2 - p2[2][0] * v1) +
                         v0 * (p2[1][0] * p2[2][1] - p2[2][0] * p2[1][1])) / det;
        }
    double *dx = xmalloc(hw * sizeof *dx), *dy = xmalloc(hw * sizeof *dy), *tmp = xmalloc(hw * sizeof *tmp);
    for (size_t i = 0; i < hw; i++) dx[i] = rng_uniform_range(r, -1, 1);
    for (size_t i = 0; i < hw; i++) dy[i] = rng_uniform_range(r, -1, 1);
    ood_gauss_plane(dx, h, w, sigma, 3.0, EDGE_REFLECT, tmp);
    ood_gauss_plane(dy, h, w, sigma, 3.0, EDGE_REFLECT, tmp);
    float *warp = xmalloc(hw * sizeof *warp);
    for (int ch = 0; ch < c; ch++) {
        float *p = x + (size_t)ch * hw;
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++) {
                double sx = M[0][0] * xx + M[0][1] * y + M[0][2], sy = M[1][0] * xx + M[1][1] * y + M[1][2];
                warp[y * w + xx] = (float)ood_bilinear(p, h, w, sy, sx, EDGE_REFLECT101);
            }
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < w; xx++) {
                size_t i = (size_t)y * w + xx;
                p[i] = clip01(ood_bilinear(warp, h, w, y + alpha * dy[i], xx + alpha * dx[i], EDGE_REFLECT));
            }
    }
    free(warp);
    free(dx);
    free(dy);
    free(tmp);
}

/* Parse "NAME:ARG"; fills kind, severity (1..5) or the band set (bit b-1 set = band b). */
static FsStatus ood_parse(const char *name, int *kind, int *sev, int *bands)
{
    const char *colon = strchr(name, ':');
    size_t len = colon ? (size_t)(colon - name) : strlen(name);
    *kind = ood_kind(name, len);
    *sev = 0;
    *bands = 0;
    if (*kind < 0 && len == 4 && !strncmp(name, "fgsm", 4))
        return fs_errorf(FS_ERR_CONFIG,
                         "OOD set '%s': FGSM needs a model: it is a sweep's ood axis value or "
                         "`fsweep shortcut --ood fgsm:EPS`, not a test band, dataset spec or fsweep ood set",
                         name);
    if (*kind < 0)
        return fs_errorf(FS_ERR_CONFIG,
                         "OOD set '%s': unknown corruption (expected gaussian_noise, shot_noise, "
                         "impulse_noise, speckle_noise, defocus_blur, motion_blur, contrast, "
                         "brightness, fog, jpeg_compression, pixelate, glass_blur, zoom_blur, snow, "
                         "frost, elastic_transform, bandstop, bandpass, bandstop_clip)",
                         name);
    if (!colon) return fs_errorf(FS_ERR_CONFIG, "OOD set '%s': missing ':ARG' (severity 1..5 or bands)", name);
    if (*kind <= OOD_LAST_CORRUPTION) return fs_parse_int(colon + 1, 1, 5, "OOD severity", sev);
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
    FS_CHECK(kind >= 0 && (kind > OOD_LAST_CORRUPTION || (sev >= 1 && sev <= 5)),
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
    double a = kind <= OOD_LAST_CORRUPTION ? sev_a[kind][sev - 1] : 0,
           b2 = kind <= OOD_LAST_CORRUPTION ? sev_b[kind][sev - 1] : 0;
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
        case OOD_GLASS:
            ood_glass(x, c, h, w, glass_par[sev - 1], &r);
            break;
        case OOD_ZOOM:
            ood_zoom(x, c, h, w, zoom_count[sev - 1]);
            break;
        case OOD_SNOW:
            ood_snow(x, c, h, w, snow_par[sev - 1], &r);
            break;
        case OOD_FROST: { /* one texture per (seed, image) at every severity: only the weights change */
            Rng fr;
            uint64_t fw[4] = {seed, fs_hash64("frost", 5), (uint64_t)i, RNG_STREAM_OOD};
            rng_seed_words(&fr, fw, 4);
            ood_frost(x, c, h, w, frost_par[sev - 1], &fr);
            break;
        }
        case OOD_ELASTIC:
            ood_elastic(x, c, h, w, elastic_par[sev - 1], &r);
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
