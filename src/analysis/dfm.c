/* dfm.c: see dfm.h. Mask geometry, the scoring loop (FFT and fast paths), scoring every mask
 * (spread by DfmOptions.spread), loss-map assembly and thresholds. The fast path's sinusoid arithmetic is in dfm_fast.c. */
#include "dfm.h"

#include "dfm_internal.h"
#include "dfm_rank.h"
#include "log.h"
#include "maskeval.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dfm_options_default(DfmOptions *o)
{
    memset(o, 0, sizeof *o);
    o->patch = 1;
    o->path = DFM_PATH_AUTO;
}

const char *dfm_path_str(DfmPath p)
{
    switch (p) {
    case DFM_PATH_AUTO: return "auto";
    case DFM_PATH_FFT: return "fft";
    case DFM_PATH_FAST: return "fast";
    }
    return "?";
}

FsStatus dfm_check_geometry(int h, int w, int p)
{
    if (h <= 0 || w <= 0 || h % 2 || w % 2)
        return fs_errorf(FS_ERR_CONFIG, "DFM: image size %dx%d, expected even height and width",
                         h, w);
    if (p < 1 || (h / 2) % p || (w / 2) % p)
        return fs_errorf(FS_ERR_CONFIG, "DFM: patch size %d must divide H/2 = %d and W/2 = %d",
                         p, h / 2, w / 2);
    return FS_OK;
}

int dfm_num_masks(int h, int w, int p) { return (h / p) * (w / (2 * p) + 1); }

static void zero_rect(float *m, int w, int r0, int r1, int c0, int c1)
{
    for (int i = r0; i < r1; i++)
        for (int j = c0; j < c1; j++) m[i * w + j] = 0.0f;
}

void dfm_mask_build(int idx, int h, int w, const DfmOptions *o, float *mask)
{
    int p = o->patch, nb = w / (2 * p) + 1, a = idx / nb, b = idx % nb;
    spectral_mask_fill(mask, h, w, 1.0f);
    zero_rect(mask, w, p * a, p * (a + 1), p * b, p * (b + 1));
    if (o->exact) {
        for (int i = p * a; i < p * (a + 1); i++)
            for (int j = p * b; j < p * (b + 1); j++) {
                int pi, pj;
                spectral_partner(i, j, h, w, &pi, &pj);
                mask[pi * w + pj] = 0.0f;
            }
    } else if (a >= 1 && b >= 1) {
        zero_rect(mask, w, h - p * a, h - p * (a - 1), w - p * b, w - p * (b - 1));
    }
    if (o->legacy_row0) zero_rect(mask, w, 0, p, w / 2 + p, w);
}

void dfm_owner_map(int h, int w, const DfmOptions *o, int *owner)
{
    int p = o->patch, nm = dfm_num_masks(h, w, p), nb = w / (2 * p) + 1;
    for (int i = 0; i < h * w; i++) owner[i] = -1;
    /* counterparts first (later masks overwrite), then primary patches win */
    for (int idx = 0; idx < nm; idx++) {
        int a = idx / nb, b = idx % nb;
        for (int i = p * a; i < p * (a + 1); i++)
            for (int j = p * b; j < p * (b + 1); j++) {
                if (o->exact) {
                    int pi, pj;
                    spectral_partner(i, j, h, w, &pi, &pj);
                    owner[pi * w + pj] = idx;
                } else if (a >= 1 && b >= 1) {
                    owner[(h - p * a + (i - p * a)) * w + (w - p * b + (j - p * b))] = idx;
                }
            }
    }
    for (int idx = 0; idx < nm; idx++) {
        int a = idx / nb, b = idx % nb;
        for (int i = p * a; i < p * (a + 1); i++)
            for (int j = p * b; j < p * (b + 1); j++) owner[i * w + j] = idx;
    }
}

int dfm_group_size(int n_images, int max_batch)
{
    int g = n_images > 0 ? max_batch / n_images : 1;
    return g < 1 ? 1 : g;
}

/* ------------------------------------------------------------------ scorer */

DfmScorer *dfm_scorer_create(const Classifier *clf, const Dataset *test, const DfmOptions *o)
{
    if (maskeval_check(clf, test, "DFM test set") != FS_OK) return NULL;
    if (dfm_check_geometry(test->h, test->w, o->patch) != FS_OK) return NULL;
    DfmScorer *s = xcalloc(1, sizeof *s);
    s->clf = clf;
    s->opt = *o;
    s->n = test->n;
    s->c = test->c;
    s->h = test->h;
    s->w = test->w;
    s->k = clf->k;
    s->hw = (size_t)s->h * (size_t)s->w;
    s->img = (size_t)s->c * s->hw;
    s->mb = clf->max_batch > 0 ? clf->max_batch : 1;
    s->group = dfm_group_size(s->n, s->mb);
    s->xn = xmalloc(fs_mul_size((size_t)s->n, s->img * sizeof(float), "DFM test images"));
    maskeval_normalise(test, s->xn);
    s->y = xmalloc((size_t)s->n * sizeof *s->y);
    memcpy(s->y, test->y, (size_t)s->n * sizeof *s->y);
    s->counts = xmalloc((size_t)s->k * sizeof *s->counts);
    maskeval_class_counts(test->y, test->n, s->k, s->counts);
    s->sp = spectral_plan_create(s->c, s->h, s->w, SPECTRAL_ESTIMATE);
    if (!s->sp) {
        dfm_scorer_destroy(s);
        return NULL;
    }
    s->batch = xmalloc(fs_mul_size((size_t)s->mb, s->img * sizeof(float), "DFM batch"));
    s->z = xmalloc((size_t)s->mb * (size_t)s->k * sizeof(float));
    s->bpos = xmalloc((size_t)s->mb * sizeof *s->bpos);
    s->bimg = xmalloc((size_t)s->mb * sizeof *s->bimg);
    s->mask = xmalloc(s->hw * sizeof *s->mask);
    s->tmp = xmalloc(s->img * sizeof *s->tmp);
    return s;
}

void dfm_scorer_destroy(DfmScorer *s)
{
    if (!s) return;
    spectral_plan_destroy(s->sp);
    dfm_fast_free(&s->fast);
    free(s->xn);
    free(s->y);
    free(s->counts);
    free(s->batch);
    free(s->z);
    free(s->bpos);
    free(s->bimg);
    free(s->mask);
    free(s->tmp);
    free(s);
}

static FsStatus flush_batch(DfmScorer *s, int fill, double *sums)
{
    if (!fill) return FS_OK;
    FsStatus st = s->clf->logits(s->clf->ctx, s->batch, fill, s->z);
    if (st != FS_OK) return st;
    for (int b = 0; b < fill; b++) {
        const float *z = s->z + (size_t)b * s->k;
        for (int j = 0; j < s->k; j++)
            if (!isfinite(z[j]))
                return fs_errorf(FS_ERR_DIVERGED, "DFM: non-finite logit %g for test image %d",
                                 (double)z[j], s->bimg[b]);
        int y = s->y[s->bimg[b]];
        sums[(size_t)s->bpos[b] * s->k + y] += maskeval_ce(z, s->k, y);
    }
    return FS_OK;
}

FsStatus dfm_scorer_score_masks(DfmScorer *s, int n_masks, const float *masks, double *scores)
{
    /* masks (n_masks, H, W); groups of s->group list positions per forward pass */
    double *sums = xcalloc((size_t)n_masks * (size_t)s->k, sizeof *sums);
    FsStatus st = FS_OK;
    for (int g0 = 0; g0 < n_masks && st == FS_OK; g0 += s->group) {
        int g1 = g0 + s->group < n_masks ? g0 + s->group : n_masks, fill = 0;
        for (int pos = g0; pos < g1 && st == FS_OK; pos++) {
            const float *m = masks + (size_t)pos * s->hw;
            int fast = 0;
            if (s->opt.path != DFM_PATH_FFT) {
                int nbins = dfm_fast_prepare(&s->fast, s, m);
                fast = s->opt.path == DFM_PATH_FAST || nbins <= DFM_FAST_MAX_BINS;
            }
            for (int i = 0; i < s->n && st == FS_OK; i++) {
                float *dst = s->batch + (size_t)fill * s->img;
                const float *src = s->xn + (size_t)i * s->img;
                if (fast) dfm_fast_apply(&s->fast, s, i, src, dst);
                else maskeval_filter(s->sp, m, src, dst, s->tmp);
                s->bpos[fill] = pos;
                s->bimg[fill] = i;
                if (++fill == s->mb) {
                    st = flush_batch(s, fill, sums);
                    fill = 0;
                }
            }
        }
        if (st == FS_OK) st = flush_batch(s, fill, sums);
    }
    for (int pos = 0; pos < n_masks && st == FS_OK; pos++)
        for (int c = 0; c < s->k; c++)
            scores[(size_t)pos * s->k + c] =
                s->counts[c] ? sums[(size_t)pos * s->k + c] / (double)s->counts[c] : (double)NAN;
    s->passes += (long)n_masks * s->n;
    free(sums);
    return st;
}

FsStatus dfm_scorer_score_list(DfmScorer *s, const int *idx, int n_idx, double *scores)
{
    int chunk = s->group * 16;
    float *masks = xmalloc(fs_mul_size((size_t)chunk, s->hw * sizeof(float), "DFM masks"));
    FsStatus st = FS_OK;
    for (int p0 = 0; p0 < n_idx && st == FS_OK; p0 += chunk) {
        int nc = n_idx - p0 < chunk ? n_idx - p0 : chunk;
        for (int q = 0; q < nc; q++)
            dfm_mask_build(idx[p0 + q], s->h, s->w, &s->opt, masks + (size_t)q * s->hw);
        st = dfm_scorer_score_masks(s, nc, masks, scores + (size_t)p0 * s->k);
    }
    free(masks);
    return st;
}

FsStatus dfm_score_list(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                        const int *idx, int n_idx, double *scores)
{
    DfmScorer *s = dfm_scorer_create(clf, test, o);
    if (!s) return FS_ERR_CONFIG;
    int nm = dfm_num_masks(test->h, test->w, o->patch);
    for (int i = 0; i < n_idx; i++)
        if (idx[i] < 0 || idx[i] >= nm) {
            dfm_scorer_destroy(s);
            return fs_errorf(FS_ERR_CONFIG, "DFM: mask index %d outside [0, %d)", idx[i], nm);
        }
    FsStatus st = dfm_scorer_score_list(s, idx, n_idx, scores);
    dfm_scorer_destroy(s);
    return st;
}

FsStatus dfm_score_range(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                         int mask_first, int mask_count, double *scores)
{
    if (mask_count < 0 || mask_first < 0)
        return fs_errorf(FS_ERR_CONFIG, "DFM: bad mask range [%d, +%d)", mask_first, mask_count);
    int *idx = xmalloc(((size_t)mask_count + 1) * sizeof *idx);
    for (int i = 0; i < mask_count; i++) idx[i] = mask_first + i;
    FsStatus st = dfm_score_list(clf, test, o, idx, mask_count, scores);
    free(idx);
    return st;
}

typedef struct {
    const Classifier *clf;
    const Dataset *test;
    const DfmOptions *o;
} RangeCtx;

/* FsScoreRange over the masks: dfm_score_range. */
static FsStatus score_range(void *ctx, int first, int count, double *out)
{
    const RangeCtx *r = ctx;
    return dfm_score_range(r->clf, r->test, r->o, first, count, out);
}

FsStatus dfm_score_all(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                       double *scores)
{
    FsStatus st = dfm_check_geometry(test->h, test->w, o->patch);
    if (st != FS_OK) return st;
    RangeCtx ctx = {clf, test, o};
    FsScoreJob job = {dfm_num_masks(test->h, test->w, o->patch),
                      dfm_group_size(test->n, clf->max_batch > 0 ? clf->max_batch : 1),
                      clf->k, score_range, &ctx, "DFM", 0};
    return o->spread ? o->spread(&job, scores) : score_range(&ctx, 0, job.n_items, scores);
}

FsStatus dfm_score_clean(const Classifier *clf, const Dataset *test, double *base)
{
    FsStatus st = maskeval_check(clf, test, "DFM test set");
    if (st != FS_OK) return st;
    size_t img = (size_t)test->c * test->h * test->w;
    float *xn = xmalloc(fs_mul_size((size_t)test->n, img * sizeof(float), "test images"));
    float *z = xmalloc(fs_mul_size((size_t)test->n, (size_t)clf->k * sizeof(float), "logits"));
    maskeval_normalise(test, xn);
    st = maskeval_run(clf, xn, test->y, test->n, NULL, NULL, NULL, z);
    if (st == FS_OK) {
        int64_t *cnt = xmalloc((size_t)clf->k * sizeof *cnt);
        maskeval_class_counts(test->y, test->n, clf->k, cnt);
        for (int c = 0; c < clf->k; c++) base[c] = 0.0;
        for (int i = 0; i < test->n; i++)
            base[test->y[i]] += maskeval_ce(z + (size_t)i * clf->k, clf->k, test->y[i]);
        for (int c = 0; c < clf->k; c++) base[c] = cnt[c] ? base[c] / (double)cnt[c] : (double)NAN;
        free(cnt);
    }
    free(xn);
    free(z);
    return st;
}

/* ------------------------------------------------------------------ maps */

void dfm_assemble(const double *scores, int k, int h, int w, const DfmOptions *o,
                  double *loss_maps)
{
    size_t hw = (size_t)h * (size_t)w;
    int *owner = xmalloc(hw * sizeof *owner);
    dfm_owner_map(h, w, o, owner);
    for (int c = 0; c < k; c++)
        for (size_t i = 0; i < hw; i++) {
            double v = owner[i] >= 0 ? scores[(size_t)owner[i] * k + c] : -(double)INFINITY;
            loss_maps[(size_t)c * hw + i] = isnan(v) ? -(double)INFINITY : v;
        }
    free(owner);
}

static int cmp_double_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int dfm_threshold(const double *loss_map, int h, int w, double t, uint8_t *dfm)
{
    int hw = h * w;
    long nt = (long)floor(t * (double)hw);
    if (nt > hw) nt = hw;
    memset(dfm, 0, (size_t)hw);
    if (nt <= 0) return 0;
    double *s = xmalloc((size_t)hw * sizeof *s);
    for (int i = 0; i < hw; i++) s[i] = isnan(loss_map[i]) ? -(double)INFINITY : loss_map[i];
    qsort(s, (size_t)hw, sizeof *s, cmp_double_asc);
    double tau = s[hw - nt];
    int cnt = 0;
    for (int i = 0; i < hw; i++)
        if (isfinite(loss_map[i]) && loss_map[i] >= tau) {
            dfm[i] = 1;
            cnt++;
        }
    free(s);
    return cnt;
}

double dfm_iou(const uint8_t *a, const uint8_t *b, int n)
{
    long in = 0, un = 0;
    for (int i = 0; i < n; i++) {
        in += a[i] && b[i];
        un += a[i] || b[i];
    }
    return un ? (double)in / (double)un : 1.0;
}

static void average_ranks(const double *v, int n, double *rank)
{
    int *ord = xmalloc(((size_t)n + 1) * sizeof *ord);
    dfm_rank_order(v, n, 1, DFM_RANK_ASC, ord);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && v[ord[j + 1]] == v[ord[i]]) j++;
        for (int q = i; q <= j; q++) rank[ord[q]] = 0.5 * (i + j);
        i = j + 1;
    }
    free(ord);
}

double dfm_spearman(const double *a, const double *b, int n)
{
    double *va = xmalloc(((size_t)n + 1) * 4 * sizeof *va), *vb = va + n, *ra = vb + n,
           *rb = ra + n;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(a[i]) && isfinite(b[i])) {
            va[m] = a[i];
            vb[m] = b[i];
            m++;
        }
    double r = (double)NAN;
    if (m >= 2) {
        average_ranks(va, m, ra);
        average_ranks(vb, m, rb);
        double ma = 0, mb2 = 0, sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < m; i++) {
            ma += ra[i];
            mb2 += rb[i];
        }
        ma /= m;
        mb2 /= m;
        for (int i = 0; i < m; i++) {
            sab += (ra[i] - ma) * (rb[i] - mb2);
            saa += (ra[i] - ma) * (ra[i] - ma);
            sbb += (rb[i] - mb2) * (rb[i] - mb2);
        }
        r = saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : (double)NAN;
    }
    free(va);
    return r;
}
