/* autoaugment.c: the image operations of AutoAugment / AugMix on float (C, H, W) images in
 * [0, 1], the CIFAR-10 and ImageNet AutoAugment policies (as published with torchvision's
 * AutoAugmentPolicy: 25 sub-policies of two (op, probability, magnitude bin) each, 10 bins),
 * and AugMix (Hendrycks et al.; torchvision's op set with all_ops, 11 bins, magnitude bin
 * drawn below the severity). Uint8 operations (posterize, solarize thresholds, equalize)
 * quantise to 1/255 steps as the reference does on uint8 images. */
#include "augment.h"
#include "augment_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float clamp01f(double v) { return (float)(v < 0 ? 0 : v > 1 ? 1 : v); }

/* Inverse-mapped affine warp about the image centre: input = A (u, v) + t for the output
 * pixel centre (u, v) relative to the centre. Outside pixels read `fill` (0). */
static void warp_affine(float *img, int c, int h, int w, double a, double b, double d, double e,
                        double tx, double ty, int bilinear)
{
    size_t hw = (size_t)h * (size_t)w;
    float *src = xmalloc((size_t)c * hw * sizeof *src);
    memcpy(src, img, (size_t)c * hw * sizeof *src);
    double cx = w * 0.5, cy = h * 0.5;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u = x + 0.5 - cx, v = y + 0.5 - cy;
            double iu = a * u + b * v + tx + cx - 0.5, iv = d * u + e * v + ty + cy - 0.5;
            for (int ch = 0; ch < c; ch++) {
                const float *s = src + (size_t)ch * hw;
                double val = 0;
                if (!bilinear) {
                    int xi = (int)floor(iu + 0.5), yi = (int)floor(iv + 0.5);
                    if (xi >= 0 && xi < w && yi >= 0 && yi < h) val = (double)s[yi * w + xi];
                } else {
                    int x0 = (int)floor(iu), y0 = (int)floor(iv);
                    double fx = iu - x0, fy = iv - y0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) {
                            int xx = x0 + dx, yy = y0 + dy;
                            double wt = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
                            if (xx >= 0 && xx < w && yy >= 0 && yy < h) val += wt * (double)s[yy * w + xx];
                        }
                }
                img[(size_t)ch * hw + (size_t)y * w + x] = (float)val;
            }
        }
    free(src);
}

static void grey_of(const float *img, int c, size_t hw, float *g)
{
    for (size_t i = 0; i < hw; i++)
        g[i] = c == 3 ? 0.299f * img[i] + 0.587f * img[hw + i] + 0.114f * img[2 * hw + i] : img[i];
}

/* out = f img + (1 - f) deg, clipped. */
static void blend(float *img, const float *deg, size_t n, double f, int deg_per_channel, size_t hw)
{
    for (size_t i = 0; i < n; i++) {
        double dv = deg_per_channel ? (double)deg[i] : (double)deg[i % hw];
        img[i] = clamp01f(f * (double)img[i] + (1 - f) * dv);
    }
}

static int q255(float v) { return (int)floor(255.0 * (double)v + 0.5); }

static void op_equalize(float *img, int c, size_t hw)
{
    for (int ch = 0; ch < c; ch++) {
        float *p = img + (size_t)ch * hw;
        long hist[256] = {0};
        for (size_t i = 0; i < hw; i++) hist[q255(p[i]) & 255]++;
        int last = 255;
        while (last > 0 && hist[last] == 0) last--;
        long step = ((long)hw - hist[last]) / 255;
        if (step == 0) continue;
        int lut[256];
        long acc = step / 2;
        for (int i = 0; i < 256; i++) {
            long v = acc / step;
            lut[i] = v > 255 ? 255 : (int)v;
            acc += hist[i];
        }
        for (size_t i = 0; i < hw; i++) p[i] = (float)lut[q255(p[i]) & 255] / 255.0f;
    }
}

int augment_op_apply(const char *op, double m, float *img, int c, int h, int w)
{
    size_t hw = (size_t)h * (size_t)w, n = (size_t)c * hw;
    if (!strcmp(op, "ShearX")) warp_affine(img, c, h, w, 1, tan(m), 0, 1, 0, 0, 0);
    else if (!strcmp(op, "ShearY")) warp_affine(img, c, h, w, 1, 0, tan(m), 1, 0, 0, 0);
    else if (!strcmp(op, "TranslateX")) warp_affine(img, c, h, w, 1, 0, 0, 1, -trunc(m), 0, 0);
    else if (!strcmp(op, "TranslateY")) warp_affine(img, c, h, w, 1, 0, 0, 1, 0, -trunc(m), 0);
    else if (!strcmp(op, "Rotate")) { /* counter-clockwise by m degrees */
        double t = m * M_PI / 180.0;
        warp_affine(img, c, h, w, cos(t), -sin(t), sin(t), cos(t), 0, 0, 0);
    } else if (!strcmp(op, "Brightness")) {
        for (size_t i = 0; i < n; i++) img[i] = clamp01f((1.0 + m) * (double)img[i]);
    } else if (!strcmp(op, "Color")) {
        if (c != 3) return 1;
        float *g = xmalloc(hw * sizeof *g);
        grey_of(img, c, hw, g);
        blend(img, g, n, 1.0 + m, 0, hw);
        free(g);
    } else if (!strcmp(op, "Contrast")) {
        float *g = xmalloc(hw * sizeof *g);
        grey_of(img, c, hw, g);
        double mean = 0;
        for (size_t i = 0; i < hw; i++) mean += (double)g[i];
        mean /= (double)hw;
        for (size_t i = 0; i < n; i++) img[i] = clamp01f((1.0 + m) * (double)img[i] - m * mean);
        free(g);
    } else if (!strcmp(op, "Sharpness")) {
        float *deg = xmalloc(n * sizeof *deg);
        memcpy(deg, img, n * sizeof *deg);
        for (int ch = 0; ch < c; ch++)
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++) {
                    const float *p = img + (size_t)ch * hw;
                    double s = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++) s += (dx || dy ? 1.0 : 5.0) * (double)p[(y + dy) * w + x + dx];
                    deg[(size_t)ch * hw + (size_t)y * w + x] = (float)(s / 13.0);
                }
        blend(img, deg, n, 1.0 + m, 1, hw);
        free(deg);
    } else if (!strcmp(op, "Posterize")) {
        int bits = (int)m;
        int mask = bits <= 0 ? 0 : (0xFF << (8 - (bits > 8 ? 8 : bits))) & 0xFF;
        for (size_t i = 0; i < n; i++) img[i] = (float)(q255(img[i]) & mask) / 255.0f;
    } else if (!strcmp(op, "Solarize")) {
        for (size_t i = 0; i < n; i++)
            if ((double)img[i] >= m) img[i] = 1.0f - img[i];
    } else if (!strcmp(op, "AutoContrast")) {
        for (int ch = 0; ch < c; ch++) {
            float *p = img + (size_t)ch * hw, lo = p[0], hi = p[0];
            for (size_t i = 0; i < hw; i++) lo = fminf(lo, p[i]), hi = fmaxf(hi, p[i]);
            if (hi > lo)
                for (size_t i = 0; i < hw; i++) p[i] = clamp01f((double)(p[i] - lo) / (double)(hi - lo));
        }
    } else if (!strcmp(op, "Equalize")) {
        op_equalize(img, c, hw);
    } else if (!strcmp(op, "Invert")) {
        for (size_t i = 0; i < n; i++) img[i] = 1.0f - img[i];
    } else {
        return 0;
    }
    return 1;
}

void augment_hflip(float *img, int c, int h, int w)
{
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++) {
            float *r = img + ((size_t)ch * h + y) * w;
            for (int x = 0; x < w / 2; x++) {
                float t = r[x];
                r[x] = r[w - 1 - x];
                r[w - 1 - x] = t;
            }
        }
}

/* ---------------------------------------------------------------- AutoAugment */

typedef struct {
    const char *op;
    double p;
    int bin; /* -1: no magnitude */
} AaOp;

static const AaOp aa_imagenet[25][2] = {
    {{"Posterize", 0.4, 8}, {"Rotate", 0.6, 9}},      {{"Solarize", 0.6, 5}, {"AutoContrast", 0.6, -1}},
    {{"Equalize", 0.8, -1}, {"Equalize", 0.6, -1}},   {{"Posterize", 0.6, 7}, {"Posterize", 0.6, 6}},
    {{"Equalize", 0.4, -1}, {"Solarize", 0.2, 4}},    {{"Equalize", 0.4, -1}, {"Rotate", 0.8, 8}},
    {{"Solarize", 0.6, 3}, {"Equalize", 0.6, -1}},    {{"Posterize", 0.8, 5}, {"Equalize", 1.0, -1}},
    {{"Rotate", 0.2, 3}, {"Solarize", 0.6, 8}},       {{"Equalize", 0.6, -1}, {"Posterize", 0.4, 6}},
    {{"Rotate", 0.8, 8}, {"Color", 0.4, 0}},          {{"Rotate", 0.4, 9}, {"Equalize", 0.6, -1}},
    {{"Equalize", 0.0, -1}, {"Equalize", 0.8, -1}},   {{"Invert", 0.6, -1}, {"Equalize", 1.0, -1}},
    {{"Color", 0.6, 4}, {"Contrast", 1.0, 8}},        {{"Rotate", 0.8, 8}, {"Color", 1.0, 2}},
    {{"Color", 0.8, 8}, {"Solarize", 0.8, 7}},        {{"Sharpness", 0.4, 7}, {"Invert", 0.6, -1}},
    {{"ShearX", 0.6, 5}, {"Equalize", 1.0, -1}},      {{"Color", 0.4, 0}, {"Equalize", 0.6, -1}},
    {{"Equalize", 0.4, -1}, {"Solarize", 0.2, 4}},    {{"Solarize", 0.6, 5}, {"AutoContrast", 0.6, -1}},
    {{"Invert", 0.6, -1}, {"Equalize", 1.0, -1}},     {{"Color", 0.6, 4}, {"Contrast", 1.0, 8}},
    {{"Equalize", 0.8, -1}, {"Equalize", 0.6, -1}},
};

static const AaOp aa_cifar10[25][2] = {
    {{"Invert", 0.1, -1}, {"Contrast", 0.2, 6}},       {{"Rotate", 0.7, 2}, {"TranslateX", 0.3, 9}},
    {{"Sharpness", 0.8, 1}, {"Sharpness", 0.9, 3}},    {{"ShearY", 0.5, 8}, {"TranslateY", 0.7, 9}},
    {{"AutoContrast", 0.5, -1}, {"Equalize", 0.9, -1}}, {{"ShearY", 0.2, 7}, {"Posterize", 0.3, 7}},
    {{"Color", 0.4, 3}, {"Brightness", 0.6, 7}},       {{"Sharpness", 0.3, 9}, {"Brightness", 0.7, 9}},
    {{"Equalize", 0.6, -1}, {"Equalize", 0.5, -1}},    {{"Contrast", 0.6, 7}, {"Sharpness", 0.6, 5}},
    {{"Color", 0.7, 7}, {"TranslateX", 0.5, 8}},       {{"Equalize", 0.3, -1}, {"AutoContrast", 0.4, -1}},
    {{"TranslateY", 0.4, 3}, {"Sharpness", 0.2, 6}},   {{"Brightness", 0.9, 6}, {"Color", 0.2, 8}},
    {{"Solarize", 0.5, 2}, {"Invert", 0.0, -1}},       {{"Equalize", 0.2, -1}, {"AutoContrast", 0.6, -1}},
    {{"Equalize", 0.2, -1}, {"Equalize", 0.6, -1}},    {{"Color", 0.9, 9}, {"Equalize", 0.6, -1}},
    {{"AutoContrast", 0.8, -1}, {"Solarize", 0.2, 8}}, {{"Brightness", 0.1, 3}, {"Color", 0.7, 0}},
    {{"Solarize", 0.4, 5}, {"AutoContrast", 0.9, -1}}, {{"TranslateY", 0.9, 9}, {"TranslateY", 0.7, 9}},
    {{"AutoContrast", 0.9, -1}, {"Solarize", 0.8, 3}}, {{"Equalize", 0.8, -1}, {"Invert", 0.1, -1}},
    {{"TranslateY", 0.7, 9}, {"AutoContrast", 0.9, -1}},
};

/* Magnitude of bin `bin` of `nbins` (linspace 0..max), and whether the op is signed. */
static double op_magnitude(const char *op, int bin, int nbins, int h, int w, int augmix, int *signed_op)
{
    double t = nbins > 1 ? (double)bin / (nbins - 1) : 0;
    *signed_op = 1;
    if (!strcmp(op, "ShearX") || !strcmp(op, "ShearY")) return 0.3 * t;
    if (!strcmp(op, "TranslateX")) return (augmix ? w / 3.0 : 150.0 / 331.0 * w) * t;
    if (!strcmp(op, "TranslateY")) return (augmix ? h / 3.0 : 150.0 / 331.0 * h) * t;
    if (!strcmp(op, "Rotate")) return 30.0 * t;
    if (!strcmp(op, "Brightness") || !strcmp(op, "Color") || !strcmp(op, "Contrast") || !strcmp(op, "Sharpness"))
        return 0.9 * t;
    *signed_op = 0;
    if (!strcmp(op, "Posterize")) /* bits: 8..4 (AutoAugment) or 4..0 (AugMix) */
        return (augmix ? 4.0 : 8.0) - nearbyint(bin / ((nbins - 1) / 4.0));
    if (!strcmp(op, "Solarize")) return 1.0 - t; /* threshold 255 .. 0 on the uint8 scale */
    return 0;
}

void autoaugment_apply(int policy, float *img, int c, int h, int w, Rng *rng)
{
    const AaOp(*pol)[2] = policy == AUG_POLICY_IMAGENET ? aa_imagenet : aa_cifar10;
    int id = (int)rng_below(rng, 25);
    double probs[2] = {rng_uniform(rng), rng_uniform(rng)};
    int signs[2] = {(int)rng_below(rng, 2), (int)rng_below(rng, 2)};
    for (int i = 0; i < 2; i++) {
        const AaOp *o = &pol[id][i];
        if (probs[i] > o->p) continue;
        int sg;
        double m = o->bin >= 0 ? op_magnitude(o->op, o->bin, 10, h, w, 0, &sg) : 0;
        if (o->bin >= 0 && sg && signs[i] == 0) m = -m;
        augment_op_apply(o->op, m, img, c, h, w);
    }
}

/* ---------------------------------------------------------------- AugMix */

static const char *const augmix_ops[] = {"ShearX",   "ShearY",       "TranslateX", "TranslateY", "Rotate",
                                         "Posterize", "Solarize",    "AutoContrast", "Equalize", "Brightness",
                                         "Color",     "Contrast",    "Sharpness"};

static void augmix_op(const char *op, double m, float *img, int c, int h, int w)
{
    /* geometric ops use bilinear interpolation in torchvision's AugMix */
    if (!strcmp(op, "ShearX")) warp_affine(img, c, h, w, 1, tan(m), 0, 1, 0, 0, 1);
    else if (!strcmp(op, "ShearY")) warp_affine(img, c, h, w, 1, 0, tan(m), 1, 0, 0, 1);
    else if (!strcmp(op, "TranslateX")) warp_affine(img, c, h, w, 1, 0, 0, 1, -trunc(m), 0, 1);
    else if (!strcmp(op, "TranslateY")) warp_affine(img, c, h, w, 1, 0, 0, 1, 0, -trunc(m), 1);
    else if (!strcmp(op, "Rotate")) {
        double t = m * M_PI / 180.0;
        warp_affine(img, c, h, w, cos(t), -sin(t), sin(t), cos(t), 0, 0, 1);
    } else augment_op_apply(op, m, img, c, h, w);
}

void augment_augmix_one(float *img, int c, int h, int w, int severity, int width, int depth,
                        double alpha, Rng *rng, float *work, double *weights)
{
    size_t n = (size_t)c * h * w;
    float *chain = work, *mix = work + n;
    double ws[16], mb = rng_beta(rng, alpha, alpha);
    if (width > 16) width = 16;
    rng_dirichlet(rng, alpha, width, ws);
    if (weights) {
        weights[0] = mb;
        for (int k = 0; k < width; k++) weights[1 + k] = ws[k];
    }
    for (size_t i = 0; i < n; i++) mix[i] = 0;
    const int nops = (int)FS_ARRAY_LEN(augmix_ops);
    for (int k = 0; k < width; k++) {
        memcpy(chain, img, n * sizeof *chain);
        int d = depth > 0 ? depth : 1 + (int)rng_below(rng, 3);
        for (int j = 0; j < d; j++) {
            const char *op = augmix_ops[rng_below(rng, (uint64_t)nops)];
            int sg, bin = (int)rng_below(rng, (uint64_t)(severity > 0 ? severity : 1));
            double m = op_magnitude(op, bin, 11, h, w, 1, &sg);
            if (sg && rng_below(rng, 2)) m = -m;
            augmix_op(op, m, chain, c, h, w);
        }
        for (size_t i = 0; i < n; i++) mix[i] += (float)(ws[k] * (double)chain[i]);
    }
    for (size_t i = 0; i < n; i++) img[i] = clamp01f(mb * (double)img[i] + (1 - mb) * (double)mix[i]);
}
