/* curves.c: see curves.h. */
#include "curves.h"

#include "maskeval.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;
    int n;
    float *xn;  /* (n, c, h, w) normalised and filtered */
    int32_t *y; /* (n) */
} CurveSet;

struct LearningCurves {
    CurvesSchedule sched;
    int ns, k, c, h, w;
    CurveSet *sets;
    int t, cap;
    long *steps;
    int *epochs;
    double *acc, *auc; /* (cap, S, K) */
    int64_t *conf;     /* (cap, S, K, K) */
};

void curves_schedule_default(CurvesSchedule *s)
{
    s->dense_every = 10;
    s->dense_until = 100;
    s->sparse_every = 100;
    s->each_epoch = 1;
}

LearningCurves *curves_create(const CurvesSet *sets, int n_sets, int k, const CurvesSchedule *s)
{
    if (n_sets <= 0 || k < 2) {
        fs_errorf(FS_ERR_CONFIG, "curves: %d sets and %d classes, expected >= 1 and >= 2", n_sets,
                  k);
        return NULL;
    }
    const Dataset *d0 = sets[0].data;
    for (int i = 0; i < n_sets; i++) {
        const Dataset *d = sets[i].data;
        if (d->c != d0->c || d->h != d0->h || d->w != d0->w || d->n <= 0) {
            fs_errorf(FS_ERR_CONFIG, "curves: set '%s' is %d x %dx%dx%d, expected %dx%dx%d images",
                      sets[i].name, d->n, d->c, d->h, d->w, d0->c, d0->h, d0->w);
            return NULL;
        }
        for (int j = 0; j < d->n; j++)
            if (d->y[j] < 0 || d->y[j] >= k) {
                fs_errorf(FS_ERR_FORMAT, "curves: set '%s': label %d outside [0, %d)",
                          sets[i].name, (int)d->y[j], k);
                return NULL;
            }
    }
    SpectralPlan *sp = spectral_plan_create(d0->c, d0->h, d0->w, SPECTRAL_ESTIMATE);
    if (!sp) return NULL;
    LearningCurves *lc = xcalloc(1, sizeof *lc);
    lc->sched = *s;
    lc->ns = n_sets;
    lc->k = k;
    lc->c = d0->c;
    lc->h = d0->h;
    lc->w = d0->w;
    lc->sets = xcalloc((size_t)n_sets, sizeof *lc->sets);
    size_t img = (size_t)lc->c * lc->h * lc->w;
    for (int i = 0; i < n_sets; i++) {
        const Dataset *d = sets[i].data;
        CurveSet *cs = &lc->sets[i];
        cs->name = xstrdup(sets[i].name ? sets[i].name : d->name);
        cs->n = d->n;
        cs->xn = xmalloc(fs_mul_size((size_t)d->n, img * sizeof(float), "curves set"));
        cs->y = xmalloc((size_t)d->n * sizeof *cs->y);
        memcpy(cs->y, d->y, (size_t)d->n * sizeof *cs->y);
        maskeval_normalise(d, cs->xn);
        if (sets[i].mask) {
            double *tmp = xmalloc(img * sizeof *tmp);
            for (int j = 0; j < d->n; j++)
                maskeval_filter(sp, sets[i].mask, cs->xn + j * img, cs->xn + j * img, tmp);
            free(tmp);
        }
    }
    spectral_plan_destroy(sp);
    return lc;
}

void curves_destroy(LearningCurves *lc)
{
    if (!lc) return;
    for (int i = 0; i < lc->ns; i++) {
        free(lc->sets[i].name);
        free(lc->sets[i].xn);
        free(lc->sets[i].y);
    }
    free(lc->sets);
    free(lc->steps);
    free(lc->epochs);
    free(lc->acc);
    free(lc->auc);
    free(lc->conf);
    free(lc);
}

int curves_due(const LearningCurves *lc, long step, int epoch_end)
{
    const CurvesSchedule *s = &lc->sched;
    if (epoch_end && s->each_epoch) return 1;
    if (step <= s->dense_until) return s->dense_every > 0 && step % s->dense_every == 0;
    return s->sparse_every > 0 && step % s->sparse_every == 0;
}

static void grow(LearningCurves *lc)
{
    if (lc->t < lc->cap) return;
    lc->cap = lc->cap ? 2 * lc->cap : 16;
    size_t sk = (size_t)lc->ns * lc->k, skk = sk * lc->k;
    lc->steps = xrealloc(lc->steps, (size_t)lc->cap * sizeof *lc->steps);
    lc->epochs = xrealloc(lc->epochs, (size_t)lc->cap * sizeof *lc->epochs);
    lc->acc = xrealloc(lc->acc, fs_mul_size((size_t)lc->cap, sk * sizeof(double), "curves"));
    lc->auc = xrealloc(lc->auc, fs_mul_size((size_t)lc->cap, sk * sizeof(double), "curves"));
    lc->conf = xrealloc(lc->conf, fs_mul_size((size_t)lc->cap, skk * sizeof(int64_t), "curves"));
}

FsStatus curves_record(LearningCurves *lc, const Classifier *clf, long step, int epoch)
{
    if (lc->t > 0 && lc->steps[lc->t - 1] == step) return FS_OK;
    if (clf->c != lc->c || clf->h != lc->h || clf->w != lc->w || clf->k != lc->k)
        return fs_errorf(FS_ERR_CONFIG, "curves: model %dx%dx%d with %d classes, sets %dx%dx%d "
                         "with %d", clf->c, clf->h, clf->w, clf->k, lc->c, lc->h, lc->w, lc->k);
    grow(lc);
    int k = lc->k, t = lc->t;
    size_t sk = (size_t)lc->ns * k;
    FsStatus st = FS_OK;
    for (int s = 0; s < lc->ns && st == FS_OK; s++) {
        CurveSet *cs = &lc->sets[s];
        float *z = xmalloc(fs_mul_size((size_t)cs->n, (size_t)k * sizeof(float), "logits"));
        double *scratch = xmalloc(2 * (size_t)cs->n * sizeof(double));
        int64_t *conf = lc->conf + ((size_t)t * lc->ns + s) * k * k;
        memset(conf, 0, (size_t)k * k * sizeof *conf);
        st = maskeval_run(clf, cs->xn, cs->y, cs->n, NULL, NULL, conf, z);
        if (st == FS_OK)
            for (int c = 0; c < k; c++) {
                int64_t row = 0;
                for (int j = 0; j < k; j++) row += conf[(size_t)c * k + j];
                lc->acc[(size_t)t * sk + (size_t)s * k + c] =
                    row ? (double)conf[(size_t)c * k + c] / (double)row : (double)NAN;
                lc->auc[(size_t)t * sk + (size_t)s * k + c] =
                    maskeval_auc_margin(z, cs->y, cs->n, k, c, scratch);
            }
        free(z);
        free(scratch);
    }
    if (st != FS_OK) return st;
    lc->steps[t] = step;
    lc->epochs[t] = epoch;
    lc->t++;
    return FS_OK;
}

int curves_len(const LearningCurves *lc) { return lc->t; }
int curves_num_sets(const LearningCurves *lc) { return lc->ns; }
int curves_k(const LearningCurves *lc) { return lc->k; }
const char *curves_set_name(const LearningCurves *lc, int s) { return lc->sets[s].name; }
const long *curves_steps(const LearningCurves *lc) { return lc->steps; }
const int *curves_epochs(const LearningCurves *lc) { return lc->epochs; }
const double *curves_acc(const LearningCurves *lc) { return lc->acc; }
const double *curves_auc(const LearningCurves *lc) { return lc->auc; }
const int64_t *curves_confusion(const LearningCurves *lc) { return lc->conf; }

void curves_confusion_change(const LearningCurves *lc, int t, int s, int s_org, double *delta)
{
    int k = lc->k;
    const int64_t *a = lc->conf + ((size_t)t * lc->ns + s) * k * k;
    const int64_t *o = lc->conf + ((size_t)t * lc->ns + s_org) * k * k;
    for (int i = 0; i < k; i++) {
        int64_t nc = 0;
        for (int j = 0; j < k; j++) nc += o[(size_t)i * k + j];
        for (int j = 0; j < k; j++)
            delta[(size_t)i * k + j] =
                nc ? (double)(a[(size_t)i * k + j] - o[(size_t)i * k + j]) / (double)nc * 100.0
                   : (double)NAN;
    }
}

static double metric_at(const LearningCurves *lc, int t, int s, int c, CurvesMetric m)
{
    const double *v = m == CURVES_AUC ? lc->auc : lc->acc;
    return v[((size_t)t * lc->ns + s) * lc->k + c];
}

long curves_first_learned(const LearningCurves *lc, int s, int c, CurvesMetric m, double thr)
{
    for (int t = 0; t < lc->t; t++)
        if (metric_at(lc, t, s, c, m) >= thr) return lc->steps[t];
    return -1;
}

int curves_learned_first(const LearningCurves *lc, int s, CurvesMetric m, double thr, long *step)
{
    int best = -1;
    long bstep = -1;
    for (int t = 0; t < lc->t && best < 0; t++) {
        double bv = -INFINITY;
        for (int c = 0; c < lc->k; c++) {
            double v = metric_at(lc, t, s, c, m);
            if (v >= thr && v > bv) {
                bv = v;
                best = c;
                bstep = lc->steps[t];
            }
        }
    }
    if (step) *step = bstep;
    return best;
}

int curves_epochs_to_fraction(const LearningCurves *lc, int s, int c, double frac)
{
    if (lc->t == 0) return -1;
    double fin = metric_at(lc, lc->t - 1, s, c, CURVES_ACC);
    for (int t = 0; t < lc->t; t++) {
        int last_of_epoch = t + 1 == lc->t || lc->epochs[t + 1] != lc->epochs[t];
        if (last_of_epoch && metric_at(lc, t, s, c, CURVES_ACC) >= frac * fin) return lc->epochs[t];
    }
    return -1;
}
