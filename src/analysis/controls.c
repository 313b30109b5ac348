/* controls.c: see controls.h. */
#include "controls.h"

#include "maskeval.h"
#include "rng.h"
#include "spectral.h"
#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stream tags of rng_seed_words: "control" and "inject" in ASCII. */
#define TAG_CONTROL 0x636f6e74726f6cULL
#define TAG_INJECT  0x696e6a656374ULL

void control_options_default(ControlOptions *o)
{
    memset(o, 0, sizeof *o);
    o->n_controls = 50;
    o->inject = 1;
}

int control_ring(int i, int j, int h, int w)
{
    return (int)floor(spectral_radius(i, j, h, w) + 0.5);
}

/* Conjugate units of the non-DC bins: rep = the unit's bin with the smaller row-major index.
 * unit_rep (H*W): 1 on representatives. */
static int unit_partner(int idx, int h, int w)
{
    int pi, pj;
    spectral_partner(idx / w, idx % w, h, w, &pi, &pj);
    return pi * w + pj;
}

static int n_rings(int h, int w)
{
    return control_ring(0, 0, h, w) + 2;
}

void control_random_mask(const uint8_t *dfm, int h, int w, uint64_t seed, int c, int draw,
                         uint8_t *out)
{
    const int hw = h * w, dc = (h / 2) * w + w / 2, nr = n_rings(h, w);
    uint64_t words[4] = {seed, TAG_CONTROL, (uint64_t)c, (uint64_t)draw};
    Rng rng;
    rng_seed_words(&rng, words, 4);
    memset(out, 0, (size_t)h * (size_t)w);
    out[dc] = dfm[dc] ? 1 : 0;
    /* units (representatives, row-major) bucketed by ring: start[r] .. start[r+1] in unit */
    int *start = xcalloc((size_t)nr + 1, sizeof *start), *unit = xmalloc((size_t)hw * sizeof *unit);
    int *ring = xmalloc((size_t)hw * sizeof *ring), *fill = xmalloc((size_t)nr * sizeof *fill);
    for (int b = 0; b < hw; b++) {
        ring[b] = -1;
        if (b != dc && unit_partner(b, h, w) >= b) {
            ring[b] = control_ring(b / w, b % w, h, w);
            start[ring[b] + 1]++;
        }
    }
    for (int r = 0; r < nr; r++) {
        start[r + 1] += start[r];
        fill[r] = start[r];
    }
    for (int b = 0; b < hw; b++)
        if (ring[b] >= 0)
            unit[fill[ring[b]]++] = b;
    int *pairs = xmalloc((size_t)hw * sizeof *pairs), *selfs = xmalloc((size_t)hw * sizeof *selfs);
    for (int r = 0; r < nr; r++) {
        int np = 0, ns = 0, f = 0, hh = 0, s = 0;
        for (int u = start[r]; u < start[r + 1]; u++) {
            int b = unit[u], p = unit_partner(b, h, w);
            int kb = dfm[b] != 0, kp = dfm[p] != 0;
            if (p == b) {
                selfs[ns++] = b;
                s += kb;
            } else {
                pairs[np++] = b;
                f += kb && kp;
                hh += kb != kp;
            }
        }
        /* partial Fisher-Yates: the first f + hh pair units, then s self units */
        for (int q = 0; q < f + hh; q++) {
            int x = q + (int)rng_below(&rng, (uint64_t)(np - q)), t = pairs[q];
            pairs[q] = pairs[x];
            pairs[x] = t;
            int b = pairs[q], p = unit_partner(b, h, w);
            if (q < f) {
                out[b] = out[p] = 1;
            } else {
                int which = (int)rng_below(&rng, 2);
                out[which ? p : b] = 1;
            }
        }
        for (int q = 0; q < s; q++) {
            int x = q + (int)rng_below(&rng, (uint64_t)(ns - q)), t = selfs[q];
            selfs[q] = selfs[x];
            selfs[x] = t;
            out[selfs[q]] = 1;
        }
    }
    free(start);
    free(unit);
    free(ring);
    free(fill);
    free(pairs);
    free(selfs);
}

typedef struct {
    int r2;     /* rho^2 */
    double psi; /* orientation folded into [0, 180) degrees */
    int rep;    /* row-major index of the unit's first bin */
} DiscUnit;

static int cmp_unit(const void *a, const void *b)
{
    const DiscUnit *x = a, *y = b;
    if (x->r2 != y->r2)
        return (x->r2 > y->r2) - (x->r2 < y->r2);
    if (x->psi != y->psi)
        return (x->psi > y->psi) - (x->psi < y->psi);
    return (x->rep > y->rep) - (x->rep < y->rep);
}

void control_disc_mask(const uint8_t *dfm, int h, int w, uint8_t *out)
{
    const int hw = h * w, dc = (h / 2) * w + w / 2;
    int need = 0;
    for (int b = 0; b < hw; b++)
        need += b != dc && dfm[b];
    memset(out, 0, (size_t)h * (size_t)w);
    out[dc] = dfm[dc] ? 1 : 0;
    DiscUnit *u = xmalloc((size_t)hw * sizeof *u);
    int nu = 0;
    for (int b = 0; b < hw; b++) {
        int p = unit_partner(b, h, w);
        if (b == dc || p < b)
            continue;
        int fy = b / w - h / 2, fx = b % w - w / 2;
        double psi = atan2((double)fy, (double)fx) * (180.0 / M_PI);
        if (psi < 0)
            psi += 180.0;
        if (psi >= 180.0)
            psi -= 180.0;
        u[nu++] = (DiscUnit){fy * fy + fx * fx, psi, b};
    }
    qsort(u, (size_t)nu, sizeof *u, cmp_unit);
    for (int q = 0; q < nu && need > 0; q++) {
        int b = u[q].rep, p = unit_partner(b, h, w);
        out[b] = 1;
        need--;
        if (p != b && need > 0) {
            out[p] = 1;
            need--;
        }
    }
    free(u);
}

void control_pairing(const int32_t *y, int n, int c, uint64_t seed, int *partner)
{
    uint64_t words[3] = {seed, TAG_INJECT, (uint64_t)c};
    Rng rng;
    rng_seed_words(&rng, words, 3);
    int *idx = xmalloc(((size_t)n + 1) * sizeof *idx), pc = 0;
    for (int j = 0; j < n; j++)
        if (y[j] == c)
            idx[pc++] = j;
    for (int j = 0; j < n; j++)
        partner[j] = (y[j] == c || pc == 0) ? -1 : idx[rng_below(&rng, (uint64_t)pc)];
    free(idx);
}

/* The mask of item (c, q): (H, W) binary. */
static void item_mask(const uint8_t *dfms, int h, int w, const ControlOptions *o, int c, int q,
                      uint8_t *m)
{
    const uint8_t *dfm = dfms + (size_t)c * h * w;
    if (q == 0)
        memcpy(m, dfm, (size_t)h * w);
    else if (q == 1)
        control_disc_mask(dfm, h, w, m);
    else
        control_random_mask(dfm, h, w, o->seed, c, q - 2, m);
}

FsStatus controls_score_items(const Classifier *clf, const Dataset *d, const uint8_t *dfms,
                              const ControlOptions *o, int first, int count, double *out)
{
    FsStatus st = maskeval_check(clf, d, "control test set");
    if (st != FS_OK)
        return st;
    if (o->n_controls < 0)
        return fs_errorf(FS_ERR_CONFIG, "controls: R = %d random masks, expected >= 0",
                         o->n_controls);
    const int k = clf->k, h = d->h, w = d->w, n = d->n, per = o->n_controls + 2;
    if (first < 0 || count < 0 || first + count > control_num_items(k, o->n_controls))
        return fs_errorf(FS_ERR_INTERNAL, "controls: items [%d, %d) outside [0, %d)", first,
                         first + count, control_num_items(k, o->n_controls));
    const size_t hw = (size_t)h * w, img = (size_t)d->c * hw, kk = (size_t)k * k;
    float *xn = xmalloc(fs_mul_size((size_t)n, img * sizeof(float), "control images"));
    float *fx = xmalloc(fs_mul_size((size_t)n, img * sizeof(float), "control filtered images"));
    float *inj = xmalloc(fs_mul_size((size_t)n, img * sizeof(float), "control injected images"));
    int32_t *yi = xmalloc((size_t)n * sizeof *yi);
    int *partner = xmalloc((size_t)n * sizeof *partner);
    double *tmp = xmalloc(img * sizeof *tmp);
    float *mask = xmalloc(hw * sizeof *mask);
    uint8_t *m8 = xmalloc(hw);
    int64_t *conf = xmalloc(kk * sizeof *conf);
    maskeval_normalise(d, xn);
    SpectralPlan *sp = spectral_plan_create(d->c, h, w, SPECTRAL_ESTIMATE);
    if (!sp)
        st = FS_ERR_LIB;
    int pc_class = -1;
    for (int it = 0; it < count && st == FS_OK; it++) {
        const int c = (first + it) / per, q = (first + it) % per;
        double *row = out + (size_t)it * CONTROL_ITEM_WIDTH;
        item_mask(dfms, h, w, o, c, q, m8);
        for (size_t b = 0; b < hw; b++)
            mask[b] = m8[b] ? 1.0f : 0.0f;
        for (int i = 0; i < n; i++)
            maskeval_filter(sp, mask, xn + i * img, fx + i * img, tmp);
        memset(conf, 0, kk * sizeof *conf);
        st = maskeval_run(clf, fx, d->y, n, NULL, NULL, conf, NULL);
        if (st != FS_OK)
            break;
        int64_t tp = conf[(size_t)c * k + c], col = 0;
        for (int i = 0; i < k; i++)
            col += conf[(size_t)i * k + c];
        row[0] = (double)tp;
        row[1] = (double)(col - tp);
        row[2] = (double)NAN;
        if (!o->inject)
            continue;
        if (pc_class != c) {
            control_pairing(d->y, n, c, o->seed, partner);
            pc_class = c;
        }
        int ni = 0;
        for (int j = 0; j < n; j++) {
            if (partner[j] < 0)
                continue;
            const float *xj = xn + j * img, *fj = fx + j * img, *fp = fx + (size_t)partner[j] * img;
            float *dst = inj + (size_t)ni * img;
            for (size_t p = 0; p < img; p++)
                dst[p] = (float)((double)xj[p] - (double)fj[p] + (double)fp[p]);
            yi[ni++] = d->y[j];
        }
        memset(conf, 0, kk * sizeof *conf);
        if (ni > 0)
            st = maskeval_run(clf, inj, yi, ni, NULL, NULL, conf, NULL);
        col = 0;
        for (int i = 0; i < k; i++)
            col += conf[(size_t)i * k + c];
        row[2] = (double)col;
    }
    spectral_plan_destroy(sp);
    free(xn);
    free(fx);
    free(inj);
    free(yi);
    free(partner);
    free(tmp);
    free(mask);
    free(m8);
    free(conf);
    return st;
}

typedef struct {
    const Classifier *clf;
    const Dataset *d;
    const uint8_t *dfms;
    const ControlOptions *o;
} ItemCtx;

static FsStatus score_cb(void *ctx, int first, int count, double *out)
{
    const ItemCtx *x = ctx;
    return controls_score_items(x->clf, x->d, x->dfms, x->o, first, count, out);
}

void control_result_free(ControlResult *res)
{
    double **a[] = {&res->tp,           &res->fp,          &res->inj,          &res->tpr,
                    &res->fpr,          &res->inj_rate,    &res->tpr_ctl_mean, &res->tpr_ctl_p95,
                    &res->fpr_ctl_mean, &res->fpr_ctl_p95, &res->inj_ctl_mean, &res->inj_ctl_p95,
                    &res->p_tpr,        &res->p_inj};
    for (size_t i = 0; i < FS_ARRAY_LEN(a); i++)
        free(*a[i]);
    free(res->pos);
    free(res->neg);
    memset(res, 0, sizeof *res);
}

static double ratio(double a, int64_t b)
{
    return b > 0 ? a / (double)b : (double)NAN;
}

FsStatus controls_eval(const Classifier *clf, const Dataset *d, const uint8_t *dfms,
                       const ControlOptions *o, ControlResult *res)
{
    memset(res, 0, sizeof *res);
    FsStatus st = maskeval_check(clf, d, "control test set");
    if (st != FS_OK)
        return st;
    if (o->n_controls < 0 || o->n_controls > 100000)
        return fs_errorf(FS_ERR_CONFIG, "controls: R = %d random masks, expected in [0, 100000]",
                         o->n_controls);
    const int k = clf->k, R = o->n_controls, per = R + 2, ni = control_num_items(k, R);
    const int cf = o->class_count ? o->class_first : 0, cc = o->class_count ? o->class_count : k;
    if (cf < 0 || cc < 0 || cf + cc > k)
        return fs_errorf(FS_ERR_CONFIG, "controls: classes [%d, +%d) outside [0, %d)", cf, cc, k);
    double *cnt = xmalloc(((size_t)ni * CONTROL_ITEM_WIDTH + 1) * sizeof *cnt);
    for (size_t i = 0; i < (size_t)ni * CONTROL_ITEM_WIDTH; i++) cnt[i] = (double)NAN;
    ItemCtx ctx = {clf, d, dfms, o};
    FsScoreJob job = {ni, 1, CONTROL_ITEM_WIDTH, score_cb, &ctx, "shortcut controls", 1};
    if (o->spread && cc == k)
        st = o->spread(&job, cnt);
    else /* items are independent: class c's are [c * per, (c + 1) * per) */
        st = controls_score_items(clf, d, dfms, o, cf * per, cc * per,
                                  cnt + (size_t)cf * per * CONTROL_ITEM_WIDTH);
    if (st != FS_OK) {
        free(cnt);
        return st;
    }
    res->k = k;
    res->r = R;
    res->pos = xmalloc((size_t)k * sizeof *res->pos);
    res->neg = xmalloc((size_t)k * sizeof *res->neg);
    maskeval_class_counts(d->y, d->n, k, res->pos);
    for (int c = 0; c < k; c++)
        res->neg[c] = res->pos[c] > 0 ? d->n - res->pos[c] : 0;
    double **kq[] = {&res->tp, &res->fp, &res->inj, &res->tpr, &res->fpr, &res->inj_rate};
    for (size_t i = 0; i < FS_ARRAY_LEN(kq); i++)
        *kq[i] = xmalloc((size_t)ni * sizeof(double));
    double **kk[] = {&res->tpr_ctl_mean, &res->tpr_ctl_p95, &res->fpr_ctl_mean, &res->fpr_ctl_p95,
                     &res->inj_ctl_mean, &res->inj_ctl_p95, &res->p_tpr,        &res->p_inj};
    for (size_t i = 0; i < FS_ARRAY_LEN(kk); i++)
        *kk[i] = xmalloc((size_t)k * sizeof(double));
    double *scr = xmalloc(((size_t)R + 1) * sizeof *scr);
    for (int c = 0; c < k; c++) {
        for (int q = 0; q < per; q++) {
            size_t i = (size_t)c * per + q;
            res->tp[i] = cnt[i * CONTROL_ITEM_WIDTH];
            res->fp[i] = cnt[i * CONTROL_ITEM_WIDTH + 1];
            res->inj[i] = cnt[i * CONTROL_ITEM_WIDTH + 2];
            res->tpr[i] = ratio(res->tp[i], res->pos[c]);
            res->fpr[i] = ratio(res->fp[i], d->n - res->pos[c]);
            res->inj_rate[i] = ratio(res->inj[i], res->neg[c]);
        }
        const double *tc = res->tpr + (size_t)c * per + 2, *fc = res->fpr + (size_t)c * per + 2,
                     *ic = res->inj_rate + (size_t)c * per + 2;
        res->tpr_ctl_mean[c] = verdict_mean(tc, R);
        res->tpr_ctl_p95[c] = verdict_p95(tc, R, scr);
        res->fpr_ctl_mean[c] = verdict_mean(fc, R);
        res->fpr_ctl_p95[c] = verdict_p95(fc, R, scr);
        res->inj_ctl_mean[c] = verdict_mean(ic, R);
        res->inj_ctl_p95[c] = verdict_p95(ic, R, scr);
        res->p_tpr[c] = verdict_pvalue(res->tpr[(size_t)c * per], tc, R);
        res->p_inj[c] = verdict_pvalue(res->inj_rate[(size_t)c * per], ic, R);
        if (c < cf || c >= cf + cc)
            for (size_t i = 0; i < FS_ARRAY_LEN(kk); i++) (*kk[i])[c] = (double)NAN;
    }
    free(scr);
    free(cnt);
    return FS_OK;
}
