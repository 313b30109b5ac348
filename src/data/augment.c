/* augment.c: pipeline parsing and the two training hooks (see augment.h). Pixel steps run on
 * a per-image working buffer whose size may grow (pad) and shrink back (crop, rrc); the
 * normalised steps filter with the augmenter's own SpectralPlan. */
#include "augment.h"
#include "augment_internal.h"

#include "data.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    STEP_PAD,
    STEP_CROP,
    STEP_FLIP,
    STEP_RRC,
    STEP_AUTOAUG,
    STEP_AUGMIX,
    STEP_FOURIER,
    STEP_LOWPASS,
    STEP_HIGHPASS,
    STEP_BANDPASS,
    STEP_BANDSTOP,
    STEP_DFMX,
} StepKind;

typedef struct {
    StepKind kind;
    double p[4];
    float *mask; /* filters: (H, W) centred */
} Step;

struct Augmenter {
    int c, h, w;
    Step *steps;
    int nsteps;
    int max_h, max_w;    /* largest working image */
    float *work, *work2; /* c * max_h * max_w each */
    float *mixbuf;       /* 2 c h w (AugMix) */
    SpectralPlan *sp;    /* (c, h, w) when a normalised step exists */
    float *dfm;          /* (k, h, w), DC forced to 1 */
    int k;
    char desc[1024];
};

static int step_is_normalized(StepKind k) { return k >= STEP_LOWPASS; }

const char *augment_help(void)
{
    return "Augmentation pipelines: comma-joined steps NAME[:key=value...]\n"
           "  pixel space:  pad:P (pad4), crop, flip[:p=0.5], rrc[:smin=0.08:smax=1:rmin=0.75:rmax=1.3333],\n"
           "                autoaugment[:policy=cifar10|imagenet], augmix[:severity=3:width=3:depth=-1:alpha=1],\n"
           "                fourier[:eps=4:p=0.5]\n"
           "  normalised:   lowpass:r=R, highpass:r=R, bandpass:r1=A:r2=B, bandstop:r1=A:r2=B (each :p=1),\n"
           "                dfmx[:p=0.3] (per-class DFMs via augment_set_dfms)\n"
           "  aliases:      paper = pad:4,flip,rrc   cifar = pad:4,crop,flip   none, normalize = nothing\n";
}

/* key=value lookup among the step's parameters; returns FS_OK and leaves *v when absent. */
static FsStatus step_param(const char *step, const char *const *keys, char *const *vals, int nkv,
                           const char *key, double lo, double hi, double *v, int *used)
{
    for (int i = 0; i < nkv; i++)
        if (!strcmp(keys[i], key)) {
            used[i] = 1;
            char what[96];
            fs_snprintf(what, sizeof what, "augmentation '%.40s' %.40s", step, key);
            return fs_parse_double(vals[i], lo, hi, what, v);
        }
    return FS_OK;
}

static FsStatus parse_step(Augmenter *a, const char *item, int *cur_h, int *cur_w)
{
    char *s = xstrdup(item);
    const char *keys[8];
    char *vals[8];
    int nkv = 0, used[8] = {0};
    FsStatus st = FS_OK;
    char *name = s, *colon = strchr(s, ':');
    if (colon) {
        *colon = 0;
        for (char *save = NULL, *kv = strtok_r(colon + 1, ":", &save); kv && nkv < 8; kv = strtok_r(NULL, ":", &save)) {
            char *eq = strchr(kv, '=');
            if (eq) {
                *eq = 0;
                keys[nkv] = kv;
                vals[nkv++] = eq + 1;
            } else { /* positional shorthand: pad:4, autoaugment:imagenet */
                keys[nkv] = !strcmp(name, "pad") ? "p" : "policy";
                vals[nkv++] = kv;
            }
        }
    }
    Step step;
    memset(&step, 0, sizeof step);
    if (!strcmp(name, "pad4") || !strcmp(name, "pad")) {
        step.kind = STEP_PAD;
        step.p[0] = 4;
        st = step_param(item, keys, vals, nkv, "p", 0, 256, &step.p[0], used);
        step.p[0] = floor(step.p[0]);
        *cur_h += 2 * (int)step.p[0];
        *cur_w += 2 * (int)step.p[0];
    } else if (!strcmp(name, "crop")) {
        step.kind = STEP_CROP;
        if (*cur_h < a->h || *cur_w < a->w)
            st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': working image %dx%d smaller than %dx%d",
                           item, *cur_h, *cur_w, a->h, a->w);
        *cur_h = a->h;
        *cur_w = a->w;
    } else if (!strcmp(name, "flip")) {
        step.kind = STEP_FLIP;
        step.p[0] = 0.5;
        st = step_param(item, keys, vals, nkv, "p", 0, 1, &step.p[0], used);
    } else if (!strcmp(name, "rrc")) {
        step.kind = STEP_RRC;
        step.p[0] = 0.08;
        step.p[1] = 1.0;
        step.p[2] = 3.0 / 4.0;
        step.p[3] = 4.0 / 3.0;
        if (!st) st = step_param(item, keys, vals, nkv, "smin", 1e-4, 1, &step.p[0], used);
        if (!st) st = step_param(item, keys, vals, nkv, "smax", 1e-4, 1, &step.p[1], used);
        if (!st) st = step_param(item, keys, vals, nkv, "rmin", 1e-3, 1e3, &step.p[2], used);
        if (!st) st = step_param(item, keys, vals, nkv, "rmax", 1e-3, 1e3, &step.p[3], used);
        if (!st && (step.p[0] > step.p[1] || step.p[2] > step.p[3]))
            st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': expected smin <= smax and rmin <= rmax", item);
        *cur_h = a->h;
        *cur_w = a->w;
    } else if (!strcmp(name, "autoaugment")) {
        step.kind = STEP_AUTOAUG;
        step.p[0] = a->h <= 64 ? AUG_POLICY_CIFAR10 : AUG_POLICY_IMAGENET;
        for (int i = 0; i < nkv; i++)
            if (!strcmp(keys[i], "policy")) {
                used[i] = 1;
                if (!strcmp(vals[i], "cifar10")) step.p[0] = AUG_POLICY_CIFAR10;
                else if (!strcmp(vals[i], "imagenet")) step.p[0] = AUG_POLICY_IMAGENET;
                else st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': policy '%s': expected cifar10 or imagenet", item, vals[i]);
            }
    } else if (!strcmp(name, "augmix")) {
        step.kind = STEP_AUGMIX;
        step.p[0] = 3;
        step.p[1] = 3;
        step.p[2] = -1;
        step.p[3] = 1;
        if (!st) st = step_param(item, keys, vals, nkv, "severity", 1, 10, &step.p[0], used);
        if (!st) st = step_param(item, keys, vals, nkv, "width", 1, 16, &step.p[1], used);
        if (!st) st = step_param(item, keys, vals, nkv, "depth", -1, 10, &step.p[2], used);
        if (!st) st = step_param(item, keys, vals, nkv, "alpha", 1e-3, 1e3, &step.p[3], used);
    } else if (!strcmp(name, "fourier")) {
        step.kind = STEP_FOURIER;
        step.p[0] = 4;
        step.p[1] = 0.5;
        if (!st) st = step_param(item, keys, vals, nkv, "eps", 0, 1e3, &step.p[0], used);
        if (!st) st = step_param(item, keys, vals, nkv, "p", 0, 1, &step.p[1], used);
        if (!st && (*cur_h != a->h || *cur_w != a->w))
            st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': must run at %dx%d (after crop/rrc)", item, a->h, a->w);
    } else if (!strcmp(name, "lowpass") || !strcmp(name, "highpass") || !strcmp(name, "bandpass") ||
               !strcmp(name, "bandstop")) {
        step.kind = !strcmp(name, "lowpass")    ? STEP_LOWPASS
                    : !strcmp(name, "highpass") ? STEP_HIGHPASS
                    : !strcmp(name, "bandpass") ? STEP_BANDPASS
                                                : STEP_BANDSTOP;
        double r1 = -1, r2 = -1, p = 1;
        if (step.kind <= STEP_HIGHPASS) {
            if (!st) st = step_param(item, keys, vals, nkv, "r", 0, 1e4, &r1, used);
            if (!st && r1 < 0) st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': expected r=RADIUS", item);
        } else {
            if (!st) st = step_param(item, keys, vals, nkv, "r1", 0, 1e4, &r1, used);
            if (!st) st = step_param(item, keys, vals, nkv, "r2", 0, 1e4, &r2, used);
            if (!st && (r1 < 0 || r2 <= r1))
                st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': expected r1=A:r2=B with 0 <= A < B", item);
        }
        if (!st) st = step_param(item, keys, vals, nkv, "p", 0, 1, &p, used);
        step.p[0] = r1;
        step.p[1] = r2;
        step.p[2] = p;
        if (!st) {
            int h = a->h, w = a->w;
            step.mask = xmalloc((size_t)h * w * sizeof *step.mask);
            switch (step.kind) {
            case STEP_LOWPASS:
                spectral_mask_fill(step.mask, h, w, 0.0f);
                spectral_mask_band(step.mask, h, w, 0, r1, 1.0f);
                break;
            case STEP_HIGHPASS:
                spectral_mask_fill(step.mask, h, w, 0.0f);
                spectral_mask_band(step.mask, h, w, r1, -1, 1.0f);
                break;
            case STEP_BANDPASS:
                spectral_mask_fill(step.mask, h, w, 0.0f);
                spectral_mask_band(step.mask, h, w, r1, r2, 1.0f);
                break;
            default:
                spectral_mask_fill(step.mask, h, w, 1.0f);
                spectral_mask_band(step.mask, h, w, r1, r2, 0.0f);
                break;
            }
            step.mask[(h / 2) * w + w / 2] = 1.0f; /* DC always kept */
        }
    } else if (!strcmp(name, "dfmx")) {
        step.kind = STEP_DFMX;
        step.p[0] = 0.3;
        st = step_param(item, keys, vals, nkv, "p", 0, 1, &step.p[0], used);
    } else {
        st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': unknown step (expected %s)", item,
                       "pad, crop, flip, rrc, autoaugment, augmix, fourier, lowpass, highpass, bandpass, "
                       "bandstop, dfmx, paper, cifar or none");
    }
    for (int i = 0; i < nkv && !st; i++)
        if (!used[i]) st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': unknown parameter '%s'", item, keys[i]);
    if (!st && !step_is_normalized(step.kind)) {
        if (*cur_h > a->max_h) a->max_h = *cur_h;
        if (*cur_w > a->max_w) a->max_w = *cur_w;
    }
    if (st) {
        free(step.mask);
    } else {
        a->steps = xrealloc(a->steps, (size_t)(a->nsteps + 1) * sizeof *a->steps);
        a->steps[a->nsteps++] = step;
    }
    free(s);
    return st;
}

static void describe(Augmenter *a)
{
    FsBuf b = {0};
    static const char *const names[] = {"pad", "crop", "flip", "rrc", "autoaugment", "augmix", "fourier",
                                        "lowpass", "highpass", "bandpass", "bandstop", "dfmx"};
    for (int i = 0; i < a->nsteps; i++) {
        const Step *s = &a->steps[i];
        fsbuf_printf(&b, "%s%s", i ? "," : "", names[s->kind]);
        switch (s->kind) {
        case STEP_PAD:
        case STEP_FLIP: fsbuf_printf(&b, ":p=%g", s->p[0]); break;
        case STEP_RRC: fsbuf_printf(&b, ":smin=%g:smax=%g:rmin=%g:rmax=%g", s->p[0], s->p[1], s->p[2], s->p[3]); break;
        case STEP_AUTOAUG: fsbuf_printf(&b, ":policy=%s", s->p[0] == AUG_POLICY_IMAGENET ? "imagenet" : "cifar10"); break;
        case STEP_AUGMIX: fsbuf_printf(&b, ":severity=%g:width=%g:depth=%g:alpha=%g", s->p[0], s->p[1], s->p[2], s->p[3]); break;
        case STEP_FOURIER: fsbuf_printf(&b, ":eps=%g:p=%g", s->p[0], s->p[1]); break;
        case STEP_LOWPASS:
        case STEP_HIGHPASS: fsbuf_printf(&b, ":r=%g:p=%g", s->p[0], s->p[2]); break;
        case STEP_BANDPASS:
        case STEP_BANDSTOP: fsbuf_printf(&b, ":r1=%g:r2=%g:p=%g", s->p[0], s->p[1], s->p[2]); break;
        case STEP_DFMX: fsbuf_printf(&b, ":p=%g", s->p[0]); break;
        default: break;
        }
    }
    snprintf(a->desc, sizeof a->desc, "%s", b.s ? b.s : "none");
    fsbuf_free(&b);
}

FsStatus augment_create(const char *pipeline, int c, int h, int w, Augmenter **out)
{
    *out = NULL;
    if (c < 1 || c > 3 || h < 2 || w < 2)
        return fs_errorf(FS_ERR_CONFIG, "augmentation: image shape (%d, %d, %d): expected 1..3 channels, H, W >= 2", c, h, w);
    Augmenter *a = xcalloc(1, sizeof *a);
    a->c = c;
    a->h = h;
    a->w = w;
    a->max_h = h;
    a->max_w = w;
    int cur_h = h, cur_w = w;
    FsStatus st = FS_OK;
    char *list = xstrdup(pipeline ? pipeline : "none");
    for (char *save = NULL, *it = strtok_r(list, ",", &save); it && !st; it = strtok_r(NULL, ",", &save)) {
        while (*it == ' ') it++;
        if (!*it || !strcmp(it, "none") || !strcmp(it, "normalize")) continue;
        if (!strcmp(it, "paper")) {
            st = parse_step(a, "pad:4", &cur_h, &cur_w);
            if (!st) st = parse_step(a, "flip", &cur_h, &cur_w);
            if (!st) st = parse_step(a, "rrc", &cur_h, &cur_w);
        } else if (!strcmp(it, "cifar")) {
            st = parse_step(a, "pad:4", &cur_h, &cur_w);
            if (!st) st = parse_step(a, "crop", &cur_h, &cur_w);
            if (!st) st = parse_step(a, "flip", &cur_h, &cur_w);
        } else {
            st = parse_step(a, it, &cur_h, &cur_w);
        }
    }
    free(list);
    if (!st && (cur_h != h || cur_w != w))
        st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': pixel steps end at %dx%d, expected %dx%d (pad needs a later crop or rrc)",
                       pipeline, cur_h, cur_w, h, w);
    if (!st && augment_has_normalized_steps(a)) {
        a->sp = spectral_plan_create(c, h, w, SPECTRAL_ESTIMATE); /* needs even H, W */
        if (!a->sp) st = fs_errorf(FS_ERR_CONFIG, "augmentation '%s': %s", pipeline, fs_last_error());
    }
    if (st) {
        augment_free(a);
        return st;
    }
    size_t big = (size_t)c * (size_t)a->max_h * (size_t)a->max_w;
    a->work = xmalloc(big * sizeof *a->work);
    a->work2 = xmalloc(big * sizeof *a->work2);
    a->mixbuf = xmalloc(2 * (size_t)c * h * w * sizeof *a->mixbuf);
    describe(a);
    *out = a;
    return FS_OK;
}

void augment_free(Augmenter *a)
{
    if (!a) return;
    for (int i = 0; i < a->nsteps; i++) free(a->steps[i].mask);
    free(a->steps);
    free(a->work);
    free(a->work2);
    free(a->mixbuf);
    free(a->dfm);
    spectral_plan_destroy(a->sp);
    free(a);
}

int augment_has_pixel_steps(const Augmenter *a)
{
    for (int i = 0; i < a->nsteps; i++)
        if (!step_is_normalized(a->steps[i].kind)) return 1;
    return 0;
}

int augment_has_normalized_steps(const Augmenter *a)
{
    for (int i = 0; i < a->nsteps; i++)
        if (step_is_normalized(a->steps[i].kind)) return 1;
    return 0;
}

const char *augment_describe(const Augmenter *a) { return a->desc; }

FsStatus augment_set_dfms(Augmenter *a, const float *dfm, int k, double p)
{
    int has = 0;
    for (int i = 0; i < a->nsteps; i++)
        if (a->steps[i].kind == STEP_DFMX) {
            has = 1;
            if (p >= 0) a->steps[i].p[0] = p;
        }
    if (!has) return fs_errorf(FS_ERR_CONFIG, "augment_set_dfms: the pipeline '%s' has no dfmx step", a->desc);
    if (k < 2) return fs_errorf(FS_ERR_CONFIG, "augment_set_dfms: %d classes, expected >= 2", k);
    if (p > 1) return fs_errorf(FS_ERR_CONFIG, "augment_set_dfms: p=%g, expected <= 1", p);
    size_t hw = (size_t)a->h * (size_t)a->w;
    free(a->dfm);
    a->dfm = xmalloc((size_t)k * hw * sizeof *a->dfm);
    memcpy(a->dfm, dfm, (size_t)k * hw * sizeof *a->dfm);
    for (int m = 0; m < k; m++) a->dfm[(size_t)m * hw + (size_t)(a->h / 2) * a->w + a->w / 2] = 1.0f;
    a->k = k;
    describe(a);
    return FS_OK;
}

/* RandomResizedCrop parameters as torchvision draws them on a (H, W) image. */
static void rrc_params(Rng *r, int H, int W, const double *p, int *i0, int *j0, int *ch, int *cw)
{
    double area = (double)H * W, lr0 = log(p[2]), lr1 = log(p[3]);
    for (int t = 0; t < 10; t++) {
        double ta = area * rng_uniform_range(r, p[0], p[1]);
        double ar = exp(rng_uniform_range(r, lr0, lr1));
        int w = (int)nearbyint(sqrt(ta * ar)), h = (int)nearbyint(sqrt(ta / ar));
        if (w > 0 && w <= W && h > 0 && h <= H) {
            *i0 = (int)rng_below(r, (uint64_t)(H - h) + 1);
            *j0 = (int)rng_below(r, (uint64_t)(W - w) + 1);
            *ch = h;
            *cw = w;
            return;
        }
    }
    double in_ratio = (double)W / H;
    int w, h;
    if (in_ratio < p[2]) {
        w = W;
        h = (int)nearbyint(w / p[2]);
    } else if (in_ratio > p[3]) {
        h = H;
        w = (int)nearbyint(h * p[3]);
    } else {
        w = W;
        h = H;
    }
    *ch = h;
    *cw = w;
    *i0 = (H - h) / 2;
    *j0 = (W - w) / 2;
}

/* Fourier-basis noise: eps * U_f with ||U_f||_2 = 1 for a random non-DC bin f, random sign per
 * channel, added in pixel space and clipped. */
static void fourier_noise(float *img, int c, int h, int w, double eps, Rng *r)
{
    int idx;
    do idx = (int)rng_below(r, (uint64_t)h * (uint64_t)w);
    while (idx == (h / 2) * w + w / 2);
    int fy = idx / w - h / 2, fx = idx % w - w / 2;
    size_t hw = (size_t)h * (size_t)w;
    double *u = xmalloc(hw * sizeof *u), nrm = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double v = cos(2 * M_PI * ((double)fy * y / h + (double)fx * x / w));
            u[y * w + x] = v;
            nrm += v * v;
        }
    nrm = sqrt(nrm);
    for (int ch = 0; ch < c; ch++) {
        double s = rng_below(r, 2) ? eps / nrm : -eps / nrm;
        for (size_t q = 0; q < hw; q++) {
            double v = (double)img[(size_t)ch * hw + q] + s * u[q];
            img[(size_t)ch * hw + q] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
        }
    }
    free(u);
}

void augment_pixels(void *augmenter, float *x, const int32_t *y, int n, int c, int h, int w, Rng *rng)
{
    Augmenter *a = augmenter;
    FS_UNUSED(y);
    FS_CHECK(c == a->c && h == a->h && w == a->w, "augment_pixels: batch shape (%d,%d,%d) != augmenter's (%d,%d,%d)",
             c, h, w, a->c, a->h, a->w);
    size_t per = (size_t)c * h * w;
    for (int i = 0; i < n; i++) {
        float *img = x + (size_t)i * per, *cur = a->work, *oth = a->work2;
        memcpy(cur, img, per * sizeof *cur);
        int ch = h, cw = w;
        for (int s = 0; s < a->nsteps; s++) {
            const Step *st = &a->steps[s];
            switch (st->kind) {
            case STEP_PAD: {
                int p = (int)st->p[0], nh = ch + 2 * p, nw = cw + 2 * p;
                memset(oth, 0, (size_t)c * nh * nw * sizeof *oth);
                for (int k = 0; k < c; k++)
                    for (int yy = 0; yy < ch; yy++)
                        memcpy(oth + ((size_t)k * nh + yy + p) * nw + p, cur + ((size_t)k * ch + yy) * cw, (size_t)cw * sizeof *oth);
                float *t = cur;
                cur = oth;
                oth = t;
                ch = nh;
                cw = nw;
                break;
            }
            case STEP_CROP: {
                int i0 = (int)rng_below(rng, (uint64_t)(ch - h) + 1), j0 = (int)rng_below(rng, (uint64_t)(cw - w) + 1);
                for (int k = 0; k < c; k++)
                    for (int yy = 0; yy < h; yy++)
                        memcpy(oth + ((size_t)k * h + yy) * w, cur + ((size_t)k * ch + yy + i0) * cw + j0, (size_t)w * sizeof *oth);
                float *t = cur;
                cur = oth;
                oth = t;
                ch = h;
                cw = w;
                break;
            }
            case STEP_FLIP:
                if (rng_uniform(rng) < st->p[0]) augment_hflip(cur, c, ch, cw);
                break;
            case STEP_RRC: {
                int i0, j0, hh, ww;
                rrc_params(rng, ch, cw, st->p, &i0, &j0, &hh, &ww);
                image_resize_crop(cur, c, ch, cw, i0, j0, hh, ww, oth, h, w);
                float *t = cur;
                cur = oth;
                oth = t;
                ch = h;
                cw = w;
                break;
            }
            case STEP_AUTOAUG:
                autoaugment_apply((int)st->p[0], cur, c, ch, cw, rng);
                break;
            case STEP_AUGMIX:
                if (ch == h && cw == w) {
                    augment_augmix_one(cur, c, ch, cw, (int)st->p[0], (int)st->p[1], (int)st->p[2], st->p[3], rng, a->mixbuf, NULL);
                } else { /* on a padded working image: a temporary buffer of its size */
                    float *tmp = xmalloc(2 * (size_t)c * ch * cw * sizeof *tmp);
                    augment_augmix_one(cur, c, ch, cw, (int)st->p[0], (int)st->p[1], (int)st->p[2], st->p[3], rng, tmp, NULL);
                    free(tmp);
                }
                break;
            case STEP_FOURIER:
                if (rng_uniform(rng) < st->p[1]) fourier_noise(cur, c, ch, cw, st->p[0], rng);
                break;
            default:
                break;
            }
        }
        memcpy(img, cur, per * sizeof *img);
    }
}

void augment_normalized(void *augmenter, float *x, const int32_t *y, int n, int c, int h, int w, Rng *rng)
{
    Augmenter *a = augmenter;
    FS_CHECK(c == a->c && h == a->h && w == a->w, "augment_normalized: batch shape (%d,%d,%d) != augmenter's (%d,%d,%d)",
             c, h, w, a->c, a->h, a->w);
    size_t per = (size_t)c * h * w, hw = (size_t)h * w;
    for (int i = 0; i < n; i++) {
        float *img = x + (size_t)i * per;
        for (int s = 0; s < a->nsteps; s++) {
            const Step *st = &a->steps[s];
            if (!step_is_normalized(st->kind)) continue;
            if (st->kind == STEP_DFMX) {
                FS_CHECK(a->dfm != NULL, "augment_normalized: dfmx step without DFMs (call augment_set_dfms)");
                int m = (int)rng_below(rng, (uint64_t)a->k);
                if (m == y[i]) continue;
                if (rng_uniform(rng) < st->p[0]) spectral_filter(a->sp, a->dfm + (size_t)m * hw, img, img);
            } else {
                if (st->p[2] < 1 && !(rng_uniform(rng) < st->p[2])) continue;
                spectral_filter(a->sp, st->mask, img, img);
            }
        }
    }
}
