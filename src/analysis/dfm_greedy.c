/* dfm_greedy.c: see dfm_greedy.h. Filtering and counting reuse maskeval_run. */
#include "dfm_greedy.h"

#include "maskeval.h"
#include "spectral.h"

#include <stdlib.h>
#include <string.h>

void dfm_greedy_options_default(DfmGreedyOptions *o)
{
    memset(o, 0, sizeof *o);
    o->tol = 6;
}

typedef struct {
    int ring, vy, vx; /* Chebyshev ring; the group's folded member of smaller angle */
    int first, second;
} Group;

/* Fold f to the half-plane {f_y > 0} u {f_y = 0, f_x >= 0}. */
static void fold(int fy, int fx, int *vy, int *vx)
{
    int flip = fy < 0 || (fy == 0 && fx < 0);
    *vy = flip ? -fy : fy;
    *vx = flip ? -fx : fx;
}

/* Angle of folded a below that of folded b: cross(a, b) > 0 (both in [0, 180 deg)). */
static int angle_less(int ay, int ax, int by, int bx)
{
    return (long long)ax * by - (long long)ay * bx > 0;
}

static int cmp_group(const void *pa, const void *pb)
{
    const Group *a = pa, *b = pb;
    if (a->ring != b->ring) return a->ring < b->ring ? -1 : 1;
    if (angle_less(a->vy, a->vx, b->vy, b->vx)) return -1;
    if (angle_less(b->vy, b->vx, a->vy, a->vx)) return 1;
    return (a->first > b->first) - (a->first < b->first);
}

int dfm_greedy_order(int h, int w, int *first, int *second)
{
    Group *g = xmalloc(((size_t)h * w / 2 + 2) * sizeof *g);
    int ng = 0;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            int a = i * w + j, b = pi * w + pj;
            if (b < a) continue; /* the lower index represents the group */
            int fy = i - h / 2, fx = j - w / 2, vy, vx, uy, ux;
            fold(fy, fx, &vy, &vx);
            fold(pi - h / 2, pj - w / 2, &uy, &ux);
            if (angle_less(uy, ux, vy, vx)) vy = uy, vx = ux;
            int ay = abs(fy), ax = abs(fx);
            g[ng++] = (Group){ay > ax ? ay : ax, vy, vx, a, b};
        }
    qsort(g, (size_t)ng, sizeof *g, cmp_group);
    for (int q = 0; q < ng; q++) {
        first[q] = g[q].first;
        second[q] = g[q].second;
    }
    free(g);
    return ng;
}

typedef struct {
    const Classifier *clf;
    const Dataset *test;
    const DfmGreedyOptions *o;
    const float *xn; /* (n, c, H, W) normalised */
    const int *first, *second;
    int ng;
} GreedyCtx;

/* The search for one class: out (H W + 2) = DFM_c as 0/1, clean count, final count. */
static FsStatus greedy_class(const GreedyCtx *g, int cls, double *out)
{
    const Dataset *d = g->test;
    const Classifier *clf = g->clf;
    size_t hw = (size_t)d->h * d->w, img = (size_t)d->c * hw;
    int nc = 0, k = clf->k;
    for (int i = 0; i < d->n; i++) nc += d->y[i] == cls;
    if (nc == 0)
        return fs_errorf(FS_ERR_CONFIG, "greedy DFM: class %d (%s) has no images in %s", cls,
                         d->class_names && d->class_names[cls] ? d->class_names[cls] : "-", d->name);
    float *xc = xmalloc(fs_mul_size((size_t)nc, img * sizeof(float), "class images"));
    int32_t *yc = xmalloc((size_t)nc * sizeof *yc);
    for (int i = 0, q = 0; i < d->n; i++)
        if (d->y[i] == cls) {
            memcpy(xc + (size_t)q * img, g->xn + (size_t)i * img, img * sizeof(float));
            yc[q++] = cls;
        }
    float *mask = xmalloc(hw * sizeof *mask);
    spectral_mask_fill(mask, d->h, d->w, 1.0f);
    int64_t *conf = xmalloc((size_t)k * k * sizeof *conf);
    SpectralPlan *sp = spectral_plan_create(d->c, d->h, d->w, SPECTRAL_ESTIMATE);
    FsStatus st = sp ? FS_OK : FS_ERR_LIB;
    int64_t cur = 0, clean = 0;
    if (st == FS_OK) {
        memset(conf, 0, (size_t)k * k * sizeof *conf);
        st = maskeval_run(clf, xc, yc, nc, NULL, NULL, conf, NULL);
        clean = cur = conf[(size_t)cls * k + cls];
    }
    for (int q = 0; q < g->ng && st == FS_OK; q++) {
        mask[g->first[q]] = mask[g->second[q]] = 0.0f;
        memset(conf, 0, (size_t)k * k * sizeof *conf);
        st = maskeval_run(clf, xc, yc, nc, sp, mask, conf, NULL);
        int64_t n = conf[(size_t)cls * k + cls];
        if (n >= cur - g->o->tol) cur = n; /* accept */
        else mask[g->first[q]] = mask[g->second[q]] = 1.0f;
    }
    for (size_t i = 0; i < hw; i++) out[i] = mask[i] > 0.0f ? 1.0 : 0.0;
    out[hw] = (double)clean;
    out[hw + 1] = (double)cur;
    spectral_plan_destroy(sp);
    free(conf);
    free(mask);
    free(xc);
    free(yc);
    return st;
}

/* FsScoreRange over classes. */
static FsStatus greedy_classes(void *ctx, int first, int count, double *out)
{
    const GreedyCtx *g = ctx;
    size_t width = (size_t)g->test->h * g->test->w + 2;
    FsStatus st = FS_OK;
    for (int q = 0; q < count && st == FS_OK; q++)
        st = greedy_class(g, first + q, out + (size_t)q * width);
    return st;
}

FsStatus dfm_greedy_run(const Classifier *clf, const Dataset *test, const DfmGreedyOptions *o,
                        uint8_t *dfm, int64_t *correct)
{
    FsStatus st = maskeval_check(clf, test, "greedy DFM test set");
    if (st != FS_OK) return st;
    if (test->h % 2 || test->w % 2)
        return fs_errorf(FS_ERR_CONFIG, "greedy DFM: images %dx%d, expected even H and W", test->h,
                         test->w);
    if (o->tol < 0) return fs_errorf(FS_ERR_CONFIG, "greedy DFM: tol %d, expected >= 0", o->tol);
    int h = test->h, w = test->w, k = clf->k;
    size_t hw = (size_t)h * w, width = hw + 2;
    int *first = xmalloc((hw / 2 + 2) * sizeof *first), *second = xmalloc((hw / 2 + 2) * sizeof *second);
    float *xn = xmalloc(fs_mul_size((size_t)test->n, (size_t)test->c * hw * sizeof(float), "images"));
    maskeval_normalise(test, xn);
    GreedyCtx g = {clf, test, o, xn, first, second, dfm_greedy_order(h, w, first, second)};
    double *out = xmalloc(fs_mul_size((size_t)k, width * sizeof(double), "greedy DFM")); /* (K, HW+2) */
    FsScoreJob job = {k, 1, (int)width, greedy_classes, &g, "greedy DFM", 1};
    st = o->spread ? o->spread(&job, out) : greedy_classes(&g, 0, k, out);
    if (st == FS_OK)
        for (int c = 0; c < k; c++) {
            const double *oc = out + (size_t)c * width;
            for (size_t i = 0; i < hw; i++) dfm[(size_t)c * hw + i] = oc[i] > 0.5;
            if (correct) {
                correct[2 * c] = (int64_t)oc[hw];
                correct[2 * c + 1] = (int64_t)oc[hw + 1];
            }
        }
    free(out);
    free(xn);
    free(first);
    free(second);
    return st;
}
