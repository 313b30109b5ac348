/* dfm_screen.c: the screened DFM method of dfm.h: rank every mask cheaply, score exactly only
 * the leading candidates, stop when a round of further candidates changes no class's top map. */
#include "dfm.h"

#include "dfm_internal.h"
#include "dfm_rank.h"
#include "maskeval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dfm_screen_options_default(DfmScreenOptions *s)
{
    s->screen = DFM_SCREEN_GRAD;
    s->min_frac = 0.2;
    s->max_frac = 0.4;
    s->round_frac = 0.05;
    s->t_max = 0.2;
}

const char *dfm_screen_str(DfmScreen s)
{
    switch (s) {
    case DFM_SCREEN_GRAD: return "grad";
    case DFM_SCREEN_GRADABS: return "gradabs";
    case DFM_SCREEN_COARSE: return "coarse";
    }
    return "?";
}

/* r_h of mask idx: rh (H, W). */
static void mask_rh(int idx, int h, int w, const DfmOptions *o, float *m, double *rh)
{
    dfm_mask_build(idx, h, w, o, m);
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            rh[i * w + j] = 0.5 * ((1.0 - (double)m[i * w + j]) + (1.0 - (double)m[pi * w + pj]));
        }
}

static FsStatus screen_grad(DfmScorer *s, int absval, double *screen)
{
    const Classifier *clf = s->clf;
    if (!clf->input_grad)
        return fs_errorf(FS_ERR_CONFIG, "DFM screen '%s' needs a model with input gradients",
                         absval ? "gradabs" : "grad");
    int k = s->k, mb = s->mb, h = s->h, w = s->w;
    size_t hw = s->hw, img = s->img;
    double *agg = xcalloc((size_t)k * hw, sizeof *agg); /* A_c(f) */
    float *g = xmalloc(fs_mul_size((size_t)mb, img * sizeof(float), "gradients"));
    double *gr = xmalloc(img * sizeof *gr), *gi = xmalloc(img * sizeof *gi);
    double *xr = xmalloc(img * sizeof *xr), *xi = xmalloc(img * sizeof *xi);
    FsStatus st = FS_OK;
    for (int b0 = 0; b0 < s->n && st == FS_OK; b0 += mb) {
        int nb = s->n - b0 < mb ? s->n - b0 : mb;
        double loss = 0.0;
        st = clf->input_grad(clf->ctx, s->xn + (size_t)b0 * img, s->y + b0, nb, g, &loss);
        for (int q = 0; q < nb && st == FS_OK; q++) {
            spectral_spectrum(s->sp, g + (size_t)q * img, gr, gi);
            spectral_spectrum(s->sp, s->xn + (size_t)(b0 + q) * img, xr, xi);
            double *a = agg + (size_t)s->y[b0 + q] * hw;
            for (int ch = 0; ch < s->c; ch++)
                for (size_t f = 0; f < hw; f++) {
                    size_t o = (size_t)ch * hw + f;
                    a[f] += absval ? hypot(gr[o], gi[o]) * hypot(xr[o], xi[o])
                                   : -(gr[o] * xr[o] + gi[o] * xi[o]);
                }
        }
    }
    s->passes += s->n; /* one gradient pass */
    if (st == FS_OK) {
        int nm = dfm_num_masks(h, w, s->opt.patch);
        double *rh = xmalloc(hw * sizeof *rh);
        for (int idx = 0; idx < nm; idx++) {
            mask_rh(idx, h, w, &s->opt, s->mask, rh);
            for (int c = 0; c < k; c++) {
                double v = 0.0;
                const double *a = agg + (size_t)c * hw;
                for (size_t f = 0; f < hw; f++)
                    if (rh[f] != 0.0) v += rh[f] * a[f];
                screen[(size_t)idx * k + c] =
                    s->counts[c] ? v / ((double)hw * (double)s->counts[c]) : (double)NAN;
            }
        }
        free(rh);
    }
    free(agg);
    free(g);
    free(gr);
    free(gi);
    free(xr);
    free(xi);
    return st;
}

/* order (K, nm): per class, mask indices by decreasing v (v (nm, K)), NaN last. */
static void order_by(const double *v, int nm, int k, int *order)
{
    for (int c = 0; c < k; c++) dfm_rank_order(v + c, nm, k, DFM_RANK_DESC, order + (size_t)c * nm);
}

static FsStatus screen_coarse(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                              double *screen, long *passes)
{
    int h = test->h, w = test->w, p = o->patch, k = clf->k;
    int q4 = 4 * p, q2 = 2 * p;
    if (dfm_check_geometry(h, w, q4) != FS_OK) q4 = q2;
    if (dfm_check_geometry(h, w, q2) != FS_OK)
        return fs_errorf(FS_ERR_CONFIG, "DFM coarse screen: patch 2p = %d must divide H/2 = %d "
                         "and W/2 = %d", q2, h / 2, w / 2);
    DfmOptions oc = *o;
    oc.patch = q4;
    oc.path = DFM_PATH_AUTO;
    int n4 = dfm_num_masks(h, w, q4), n2 = dfm_num_masks(h, w, q2), nm = dfm_num_masks(h, w, p);
    double *s4 = xmalloc((size_t)n4 * k * sizeof *s4);
    double *s2 = xmalloc((size_t)n2 * k * sizeof *s2);
    for (size_t i = 0; i < (size_t)n2 * k; i++) s2[i] = (double)NAN;
    FsStatus st = dfm_score_range(clf, test, &oc, 0, n4, s4);
    *passes = (long)n4 * test->n;
    int nb4 = w / (2 * q4) + 1, nb2 = w / (2 * q2) + 1, nb = w / (2 * p) + 1;
    if (st == FS_OK && q4 != q2) {
        /* refine at 2p inside the strongest half of the coarse patches of any class */
        int *ord = xmalloc((size_t)k * n4 * sizeof *ord);
        uint8_t *strong = xcalloc((size_t)n4, 1);
        order_by(s4, n4, k, ord);
        for (int c = 0; c < k; c++)
            for (int i = 0; i < (n4 + 1) / 2; i++) strong[ord[(size_t)c * n4 + i]] = 1;
        int *list = xmalloc((size_t)n2 * sizeof *list), nl = 0;
        for (int idx = 0; idx < n2; idx++) {
            int a = idx / nb2, b = idx % nb2;
            if (strong[(a * q2 / q4) * nb4 + b * q2 / q4]) list[nl++] = idx;
        }
        double *sl = xmalloc(((size_t)nl * k + 1) * sizeof *sl);
        oc.patch = q2;
        st = dfm_score_list(clf, test, &oc, list, nl, sl);
        for (int i = 0; i < nl && st == FS_OK; i++)
            memcpy(s2 + (size_t)list[i] * k, sl + (size_t)i * k, (size_t)k * sizeof *sl);
        *passes += (long)nl * test->n;
        free(ord);
        free(strong);
        free(list);
        free(sl);
    }
    for (int idx = 0; idx < nm && st == FS_OK; idx++) {
        int a = idx / nb, b = idx % nb;
        const double *v2 = s2 + (size_t)((a * p / q2) * nb2 + b * p / q2) * k;
        const double *v4 = s4 + (size_t)((a * p / q4) * nb4 + b * p / q4) * k;
        for (int c = 0; c < k; c++)
            screen[(size_t)idx * k + c] = q4 != q2 && !isnan(v2[c]) ? v2[c] : v4[c];
    }
    free(s4);
    free(s2);
    return st;
}

FsStatus dfm_screen_rank(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                         DfmScreen which, double *screen, long *passes)
{
    long dummy = 0;
    if (!passes) passes = &dummy;
    *passes = 0;
    if (which == DFM_SCREEN_COARSE) return screen_coarse(clf, test, o, screen, passes);
    DfmScorer *s = dfm_scorer_create(clf, test, o);
    if (!s) return FS_ERR_CONFIG;
    FsStatus st = screen_grad(s, which == DFM_SCREEN_GRADABS, screen);
    *passes = test->n;
    dfm_scorer_destroy(s);
    return st;
}

/* Per class, the set of masks owning the bins of the top-T map: tops (K, nm) flags. */
static void top_sets(const double *scores, int k, int h, int w, const DfmOptions *o, double t,
                     const int *owner, double *maps, uint8_t *bins, uint8_t *tops, int nm)
{
    size_t hw = (size_t)h * w;
    dfm_assemble(scores, k, h, w, o, maps);
    memset(tops, 0, (size_t)k * nm);
    for (int c = 0; c < k; c++) {
        dfm_threshold(maps + (size_t)c * hw, h, w, t, bins);
        for (size_t f = 0; f < hw; f++)
            if (bins[f] && owner[f] >= 0) tops[(size_t)c * nm + owner[f]] = 1;
    }
}

/* The class-c images of d as a Dataset view with copied pixels and labels. */
static void class_subset(const Dataset *d, int c, Dataset *out)
{
    *out = *d;
    size_t img = (size_t)d->c * d->h * d->w;
    int n = 0;
    for (int i = 0; i < d->n; i++) n += d->y[i] == c;
    out->n = n;
    out->x = xmalloc(fs_mul_size((size_t)n + 1, img * sizeof(float), "class subset"));
    out->y = xmalloc(((size_t)n + 1) * sizeof *out->y);
    out->class_names = NULL;
    for (int i = 0, q = 0; i < d->n; i++)
        if (d->y[i] == c) {
            memcpy(out->x + (size_t)q * img, d->x + (size_t)i * img, img * sizeof(float));
            out->y[q++] = c;
        }
}

FsStatus dfm_screen_run(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                        const DfmScreenOptions *so, double *scores, uint8_t *evaluated,
                        long *passes, long *screen_passes)
{
    if (!(so->min_frac > 0.0 && so->min_frac <= 1.0) || !(so->round_frac > 0.0) ||
        !(so->max_frac >= so->min_frac && so->max_frac <= 1.0) ||
        !(so->t_max > 0.0 && so->t_max <= 1.0))
        return fs_errorf(FS_ERR_CONFIG, "DFM screen: min_frac %g, max_frac %g, round_frac %g, "
                         "t_max %g; expected 0 < min <= max <= 1, round > 0, t_max in (0, 1]",
                         so->min_frac, so->max_frac, so->round_frac, so->t_max);
    int h = test->h, w = test->w, k = clf->k;
    FsStatus st = dfm_check_geometry(h, w, o->patch);
    if (st == FS_OK) st = maskeval_check(clf, test, "DFM test set");
    if (st != FS_OK) return st;
    int nm = dfm_num_masks(h, w, o->patch);
    size_t hw = (size_t)h * w;
    double *screen = xmalloc((size_t)nm * k * sizeof *screen);
    *passes = 0;
    st = dfm_screen_rank(clf, test, o, so->screen, screen, screen_passes);
    if (st != FS_OK) {
        free(screen);
        return st;
    }
    int *order = xmalloc((size_t)k * nm * sizeof *order), *owner = xmalloc(hw * sizeof *owner);
    int *list = xmalloc((size_t)nm * sizeof *list);
    double *maps = xmalloc((size_t)k * hw * sizeof *maps), *sl = xmalloc((size_t)nm * k * sizeof *sl);
    uint8_t *bins = xmalloc(hw), *tops = xmalloc((size_t)k * nm), *prev = xmalloc((size_t)k * nm);
    int *upto = xmalloc((size_t)k * sizeof *upto), *active = xmalloc((size_t)k * sizeof *active);
    DfmScorer **sc = xcalloc((size_t)k, sizeof(DfmScorer *));
    order_by(screen, nm, k, order);
    dfm_owner_map(h, w, o, owner);
    memset(evaluated, 0, (size_t)nm * k);
    for (size_t i = 0; i < (size_t)nm * k; i++) scores[i] = (double)NAN;
    int first = (int)ceil(so->min_frac * nm), cap = (int)ceil(so->max_frac * nm);
    int step = (int)ceil(so->round_frac * nm);
    if (step < 1) step = 1;
    if (cap > nm) cap = nm;
    if (first > cap) first = cap;
    for (int c = 0; c < k && st == FS_OK; c++) {
        Dataset sub;
        class_subset(test, c, &sub);
        upto[c] = first;
        active[c] = sub.n > 0;
        if (sub.n > 0) {
            sc[c] = dfm_scorer_create(clf, &sub, o);
            if (!sc[c]) st = FS_ERR_CONFIG;
        }
        free(sub.x);
        free(sub.y);
    }
    for (int round = 0; st == FS_OK; round++) {
        uint8_t *fresh = xcalloc((size_t)k, 1);
        for (int c = 0; c < k && st == FS_OK; c++) {
            if (!active[c]) continue;
            int nl = 0;
            for (int i = 0; i < upto[c]; i++) {
                int idx = order[(size_t)c * nm + i];
                if (!evaluated[(size_t)idx * k + c]) list[nl++] = idx;
            }
            if (!nl) continue;
            /* ascending mask order: deterministic batches */
            for (int a = 1; a < nl; a++)
                for (int b = a; b > 0 && list[b - 1] > list[b]; b--) {
                    int t = list[b];
                    list[b] = list[b - 1];
                    list[b - 1] = t;
                }
            st = dfm_scorer_score_list(sc[c], list, nl, sl);
            for (int i = 0; i < nl && st == FS_OK; i++) {
                evaluated[(size_t)list[i] * k + c] = 1;
                scores[(size_t)list[i] * k + c] = sl[(size_t)i * k + c];
            }
            *passes += (long)nl * sc[c]->n;
            fresh[c] = 1;
        }
        if (st != FS_OK) {
            free(fresh);
            break;
        }
        top_sets(scores, k, h, w, o, so->t_max, owner, maps, bins, tops, nm);
        int any = 0;
        for (int c = 0; c < k; c++) {
            if (!active[c]) continue;
            int changed = round == 0 || memcmp(tops + (size_t)c * nm, prev + (size_t)c * nm,
                                               (size_t)nm) != 0;
            if ((!changed && fresh[c]) || upto[c] >= cap) active[c] = 0;
            else upto[c] = upto[c] + step > cap ? cap : upto[c] + step;
            any |= active[c];
        }
        memcpy(prev, tops, (size_t)k * nm);
        free(fresh);
        if (!any) break;
    }
    for (int c = 0; c < k; c++) dfm_scorer_destroy(sc[c]);
    free(sc);
    free(screen);
    free(order);
    free(owner);
    free(list);
    free(maps);
    free(sl);
    free(bins);
    free(tops);
    free(prev);
    free(upto);
    free(active);
    return st;
}
