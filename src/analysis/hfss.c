/* hfss.c: see hfss.h. Candidate scoring reuses the DFM scorer (src/analysis/dfm.c, FFT path),
 * spread by HfssOptions.spread. */
#include "hfss.h"

#include "dfm.h"
#include "dfm_internal.h"
#include "dfm_rank.h"
#include "log.h"
#include "rng.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

FsStatus hfss_options_default(HfssOptions *o, int n)
{
    memset(o, 0, sizeof *o);
    o->keep = 0.6;
    o->top = 10;
    o->seed = 42;
    static const int b32[] = {8, 4, 2, 1}, B32[] = {1000, 2000, 4000, 8000};
    static const int b224[] = {56, 28, 14, 8, 4, 2};
    static const int b28[] = {7, 2, 1}, B28[] = {200, 800, 2000};
    if (n == 32) {
        o->n_stages = 4;
        memcpy(o->block, b32, sizeof b32);
        memcpy(o->budget, B32, sizeof B32);
    } else if (n == 224) {
        o->n_stages = 6;
        memcpy(o->block, b224, sizeof b224);
        for (int s = 0; s < 6; s++) o->budget[s] = 498;
    } else if (n == 28) {
        o->n_stages = 3;
        memcpy(o->block, b28, sizeof b28);
        memcpy(o->budget, B28, sizeof B28);
    } else {
        return fs_errorf(FS_ERR_CONFIG, "HFSS: no default stages for %dx%d images (known: 28, 32, "
                         "224); give --blocks and --budgets", n, n);
    }
    return FS_OK;
}

FsStatus hfss_check(const HfssOptions *o, int h, int w)
{
    if (h != w || h % 2)
        return fs_errorf(FS_ERR_CONFIG, "HFSS: images %dx%d, expected square with even N", h, w);
    if (o->n_stages < 1 || o->n_stages > HFSS_MAX_STAGES)
        return fs_errorf(FS_ERR_CONFIG, "HFSS: %d stages, expected 1..%d", o->n_stages,
                         HFSS_MAX_STAGES);
    for (int s = 0; s < o->n_stages; s++) {
        int b = o->block[s];
        if (b < 1 || h % b || (h / b) % 2)
            return fs_errorf(FS_ERR_CONFIG, "HFSS: stage %d block %d must divide N = %d into an "
                             "even grid", s + 1, b, h);
        if (o->budget[s] < 1)
            return fs_errorf(FS_ERR_CONFIG, "HFSS: stage %d budget %d, expected >= 1", s + 1,
                             o->budget[s]);
    }
    if (!(o->keep > 0.0 && o->keep <= 1.0))
        return fs_errorf(FS_ERR_CONFIG, "HFSS: keep fraction %g, expected in (0, 1]", o->keep);
    if (o->top < 1) return fs_errorf(FS_ERR_CONFIG, "HFSS: top %d, expected >= 1", o->top);
    return FS_OK;
}

/* Set the cells of a sampled grid: ncell cells (rows < top_rows of a cols-wide grid), pick
 * floor(frac * count) without replacement, cell (hc, wc) covers rows [hc*b - off, +b) and
 * columns [wc*b - off, +b) clipped to [0, n). */
static void sample_cells(Rng *r, int n, int b, int off, int top_rows, int cols, double frac,
                         int *perm, float *m)
{
    int count = top_rows * cols, pick = (int)floor(frac * (double)count);
    for (int i = 0; i < count; i++) perm[i] = i;
    for (int i = 0; i < pick; i++) { /* partial Fisher-Yates */
        int j = i + (int)rng_below(r, (uint64_t)(count - i));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int q = 0; q < pick; q++) {
        int hc = perm[q] / cols, wc = perm[q] % cols;
        int r0 = hc * b - off, c0 = wc * b - off;
        for (int i = r0 < 0 ? 0 : r0; i < r0 + b && i < n; i++)
            for (int j = c0 < 0 ? 0 : c0; j < c0 + b && j < n; j++) m[i * n + j] = 1.0f;
    }
}

const char *hfss_symmetry_str(HfssSymmetry s)
{
    return s == HFSS_SYM_REFLECT ? "reflect" : "conjugate";
}

/* Conjugate default, before the parent product: mirror the drawn cells through the grid centre,
 * (i, j) -> (N-1-i, N-1-j), i.e. reverse the flat (N, N) array. That map sends the even grid onto
 * itself (and the shifted one for even b; for odd b its offset becomes ceil(b/2)), so the cells
 * now cover the half f_y >= 0 that holds DC. */
static void move_to_dc_half(int n, float *m)
{
    size_t nn = (size_t)n * n;
    for (size_t i = 0; i < nn / 2; i++) {
        float t = m[i];
        m[i] = m[nn - 1 - i];
        m[nn - 1 - i] = t;
    }
}

/* After the parent product. Reflect: the reference copies every top-half bin (i, j), i < N/2,
 * to (N-1-i, N-1-j). Conjugate: M <- max(M, M*), every kept bin with its conjugate partner. */
static void symmetrise(const HfssOptions *o, int n, float *m)
{
    if (o->symmetry == HFSS_SYM_REFLECT) {
        for (int i = 0; i < n / 2; i++)
            for (int j = 0; j < n; j++) m[(n - 1 - i) * n + (n - 1 - j)] = m[i * n + j];
    } else {
        spectral_mask_symmetrize_max(m, n, n);
    }
}

void hfss_stage_candidates(const HfssOptions *o, int s, int n, int k, const float *parents,
                           int n_par, float *masks)
{
    uint64_t words[4] = {o->seed, o->task_id, RNG_STREAM_SEARCH, (uint64_t)s};
    Rng r;
    rng_seed_words(&r, words, 4);
    int b = o->block[s], g = n / b, bud = o->budget[s];
    size_t nn = (size_t)n * n;
    int *perm = xmalloc((size_t)(g + 1) * (size_t)(g + 1) * sizeof *perm);
    for (int q = 0; q < bud; q += 3) {
        const float *par = NULL;
        if (s > 0 && n_par > 0) {
            int cp = (int)rng_below(&r, (uint64_t)k), mp = (int)rng_below(&r, (uint64_t)n_par);
            par = parents + ((size_t)cp * n_par + mp) * nn;
        }
        for (int kind = 0; kind < 3 && q + kind < bud; kind++) {
            float *m = masks + (size_t)(q + kind) * nn;
            spectral_mask_fill(m, n, n, 0.0f);
            int kk = b == 1 ? 0 : kind;
            if (kk == 0) {
                sample_cells(&r, n, b, 0, g / 2, g, o->keep, perm, m);
            } else if (kk == 1) {
                sample_cells(&r, n, b, b / 2, g / 2 + 1, g + 1, o->keep, perm, m);
            } else {
                sample_cells(&r, n, b, 0, g / 2, g, o->keep / 2.0, perm, m);
                sample_cells(&r, n, b, b / 2, g / 2 + 1, g + 1, o->keep / 2.0, perm, m);
            }
            if (o->symmetry == HFSS_SYM_CONJUGATE) move_to_dc_half(n, m);
            if (par)
                for (size_t i = 0; i < nn; i++) m[i] *= par[i];
            symmetrise(o, n, m);
        }
    }
    free(perm);
}

int hfss_select(const double *scores, int b, int k, int top, int *sel)
{
    int nsel = top < b ? top : b;
    int *ord = xmalloc(((size_t)b + 1) * sizeof *ord);
    for (int c = 0; c < k; c++) {
        dfm_rank_order(scores + c, b, k, DFM_RANK_ASC, ord);
        for (int q = 0; q < nsel; q++) sel[c * top + q] = ord[q];
    }
    free(ord);
    return nsel;
}

typedef struct {
    DfmScorer *sc;
    const float *masks; /* (budget, N, N) candidates of the stage */
    size_t nn;
} StageCtx;

/* FsScoreRange over a stage's candidates. */
static FsStatus score_candidates(void *ctx, int first, int count, double *out)
{
    const StageCtx *c = ctx;
    return dfm_scorer_score_masks(c->sc, count, c->masks + (size_t)first * c->nn, out);
}

FsStatus hfss_run(const Classifier *clf, const Dataset *da, const HfssOptions *o, uint8_t *dfms,
                  double *final_loss, double *stage_best)
{
    FsStatus st = hfss_check(o, da->h, da->w);
    if (st != FS_OK) return st;
    DfmOptions dopt;
    dfm_options_default(&dopt);
    dopt.path = DFM_PATH_FFT;
    DfmScorer *sc = dfm_scorer_create(clf, da, &dopt);
    if (!sc) return FS_ERR_CONFIG;
    int n = da->h, k = clf->k, n_par = 0;
    size_t nn = (size_t)n * n;
    int bmax = 0;
    for (int s = 0; s < o->n_stages; s++) bmax = o->budget[s] > bmax ? o->budget[s] : bmax;
    float *masks = xmalloc(fs_mul_size((size_t)bmax, nn * sizeof(float), "HFSS candidates"));
    float *parents = xmalloc(fs_mul_size((size_t)k * o->top, nn * sizeof(float), "HFSS parents"));
    double *scores = xmalloc(fs_mul_size((size_t)bmax, (size_t)k * sizeof(double), "scores"));
    int *sel = xmalloc((size_t)k * o->top * sizeof *sel);
    for (int s = 0; s < o->n_stages && st == FS_OK; s++) {
        int bud = o->budget[s];
        hfss_stage_candidates(o, s, n, k, parents, n_par, masks);
        StageCtx ctx = {sc, masks, nn};
        FsScoreJob job = {bud, sc->group, k, score_candidates, &ctx, "HFSS", 1};
        st = o->spread ? o->spread(&job, scores) : score_candidates(&ctx, 0, bud, scores);
        if (st != FS_OK) break;
        int ns = hfss_select(scores, bud, k, o->top, sel);
        float *next = xmalloc(fs_mul_size((size_t)k * ns, nn * sizeof(float), "HFSS parents"));
        for (int c = 0; c < k; c++) {
            for (int q = 0; q < ns; q++)
                memcpy(next + ((size_t)c * ns + q) * nn, masks + (size_t)sel[c * o->top + q] * nn,
                       nn * sizeof(float));
            if (stage_best) stage_best[(size_t)s * k + c] = scores[(size_t)sel[c * o->top] * k + c];
            if (s == o->n_stages - 1) {
                const float *best = masks + (size_t)sel[c * o->top] * nn;
                for (size_t i = 0; i < nn; i++) dfms[(size_t)c * nn + i] = best[i] > 0.0f;
                if (final_loss) final_loss[c] = scores[(size_t)sel[c * o->top] * k + c];
            }
        }
        memcpy(parents, next, (size_t)k * ns * nn * sizeof(float));
        free(next);
        n_par = ns;
        LOG_DEBUG("HFSS stage %d: block %d, %d candidates", s + 1, o->block[s], bud);
    }
    free(masks);
    free(parents);
    free(scores);
    free(sel);
    dfm_scorer_destroy(sc);
    return st;
}
