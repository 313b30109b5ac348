/* shortcut.c: see shortcut.h. */
#include "shortcut.h"

#include "maskeval.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void shortcut_rates(const int64_t *conf, int k, int c, double *tpr, double *fpr)
{
    int64_t pc = 0, col = 0, tot = 0;
    for (int j = 0; j < k; j++) pc += conf[(size_t)c * k + j];
    for (int i = 0; i < k; i++) col += conf[(size_t)i * k + c];
    for (int q = 0; q < k * k; q++) tot += conf[q];
    int64_t tp = conf[(size_t)c * k + c];
    *tpr = pc ? (double)tp / (double)pc : (double)NAN;
    *fpr = tot - pc ? (double)(col - tp) / (double)(tot - pc) : (double)NAN;
}

void shortcut_cross_tpr(const ShortcutResult *r, double *out)
{
    size_t k = (size_t)r->k;
    for (size_t j = 0; j < k; j++)
        for (size_t c = 0; c < k; c++) {
            int64_t tp = r->conf_dfm[(j * k + c) * k + c];
            out[j * k + c] = r->pos[c] ? (double)tp / (double)r->pos[c] : (double)NAN;
        }
}

void shortcut_result_free(ShortcutResult *r)
{
    free(r->pos);
    free(r->conf_org);
    free(r->conf_dfm);
    free(r->conf_cmp);
    free(r->tpr_org);
    free(r->fpr_org);
    free(r->tpr_dfm);
    free(r->fpr_dfm);
    free(r->tpr_cmp);
    free(r->fpr_cmp);
    free(r->shortcut);
    free(r->strong);
    memset(r, 0, sizeof *r);
}

FsStatus shortcut_eval(const Classifier *clf, const Dataset *d, const uint8_t *dfms, double t,
                       ShortcutResult *r)
{
    return shortcut_eval_classes(clf, d, dfms, t, 0, clf->k, r);
}

FsStatus shortcut_eval_classes(const Classifier *clf, const Dataset *d, const uint8_t *dfms,
                               double t, int c0, int c1, ShortcutResult *r)
{
    memset(r, 0, sizeof *r);
    FsStatus st = maskeval_check(clf, d, "shortcut test set");
    if (st != FS_OK) return st;
    if (!(t >= 0.0 && t <= 1.0))
        return fs_errorf(FS_ERR_CONFIG, "shortcut threshold t = %g, expected in [0, 1]", t);
    if (c0 < 0 || c1 > clf->k || c0 >= c1)
        return fs_errorf(FS_ERR_CONFIG, "shortcut: classes [%d, %d) outside [0, %d)", c0, c1,
                         clf->k);
    int k = clf->k, h = d->h, w = d->w;
    size_t hw = (size_t)h * w, img = (size_t)d->c * hw, kk = (size_t)k * k;
    r->k = k;
    r->t = t;
    r->n_total = d->n;
    r->pos = xmalloc((size_t)k * sizeof *r->pos);
    maskeval_class_counts(d->y, d->n, k, r->pos);
    r->conf_org = xcalloc(kk, sizeof *r->conf_org);
    r->conf_dfm = xcalloc(kk * k, sizeof *r->conf_dfm);
    r->conf_cmp = xcalloc(kk * k, sizeof *r->conf_cmp);
    double **rates[6] = {&r->tpr_org, &r->fpr_org, &r->tpr_dfm, &r->fpr_dfm, &r->tpr_cmp,
                         &r->fpr_cmp};
    for (int q = 0; q < 6; q++) *rates[q] = xmalloc((size_t)k * sizeof(double));
    r->shortcut = xcalloc((size_t)k, 1);
    r->strong = xcalloc((size_t)k, 1);

    float *xn = xmalloc(fs_mul_size((size_t)d->n, img * sizeof(float), "shortcut images"));
    float *mask = xmalloc(hw * sizeof *mask);
    maskeval_normalise(d, xn);
    SpectralPlan *sp = spectral_plan_create(d->c, h, w, SPECTRAL_ESTIMATE);
    if (!sp) st = FS_ERR_LIB;
    if (st == FS_OK) st = maskeval_run(clf, xn, d->y, d->n, NULL, NULL, r->conf_org, NULL);
    for (int c = c0; c < c1 && st == FS_OK; c++) {
        const uint8_t *m = dfms + (size_t)c * hw;
        for (size_t i = 0; i < hw; i++) mask[i] = m[i] ? 1.0f : 0.0f;
        st = maskeval_run(clf, xn, d->y, d->n, sp, mask, r->conf_dfm + (size_t)c * kk, NULL);
        if (st != FS_OK) break;
        for (size_t i = 0; i < hw; i++) mask[i] = m[i] ? 0.0f : 1.0f;
        mask[(size_t)(h / 2) * w + w / 2] = 1.0f; /* DC kept */
        st = maskeval_run(clf, xn, d->y, d->n, sp, mask, r->conf_cmp + (size_t)c * kk, NULL);
    }
    if (st == FS_OK)
        for (int c = 0; c < k; c++) {
            shortcut_rates(r->conf_org, k, c, &r->tpr_org[c], &r->fpr_org[c]);
            if (c < c0 || c >= c1) {
                r->tpr_dfm[c] = r->fpr_dfm[c] = r->tpr_cmp[c] = r->fpr_cmp[c] = (double)NAN;
                continue;
            }
            shortcut_rates(r->conf_dfm + (size_t)c * kk, k, c, &r->tpr_dfm[c], &r->fpr_dfm[c]);
            shortcut_rates(r->conf_cmp + (size_t)c * kk, k, c, &r->tpr_cmp[c], &r->fpr_cmp[c]);
            r->shortcut[c] = r->tpr_dfm[c] > t;
            r->strong[c] = r->tpr_dfm[c] >= SHORTCUT_STRONG_TPR;
        }
    spectral_plan_destroy(sp);
    free(xn);
    free(mask);
    if (st != FS_OK) shortcut_result_free(r);
    return st;
}

void shortcut_summary(const ShortcutResult *r, double t, ShortcutSummary *s)
{
    double a[4] = {0, 0, 0, 0};
    int n_in = 0, n_out = 0;
    for (int c = 0; c < r->k; c++) {
        if (isnan(r->tpr_dfm[c])) continue;
        if (r->tpr_dfm[c] > t) {
            a[0] += r->tpr_org[c];
            a[1] += r->tpr_dfm[c];
            n_in++;
        } else {
            a[2] += r->tpr_org[c];
            a[3] += r->tpr_dfm[c];
            n_out++;
        }
    }
    s->t = t;
    s->n_sct = n_in;
    s->avg_tpr_sct = n_in ? a[0] / n_in : (double)NAN;
    s->avg_tpr_dfm_sct = n_in ? a[1] / n_in : (double)NAN;
    s->avg_tpr_nonsct = n_out ? a[2] / n_out : (double)NAN;
    s->avg_tpr_dfm_nonsct = n_out ? a[3] / n_out : (double)NAN;
}
