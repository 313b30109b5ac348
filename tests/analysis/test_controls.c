/* test_controls.c: null controls, injection and verdicts of the shortcut evaluation (issue 12).
 * Masks: every radius-matched control keeps as many bins as its DFM on every ring, with DC as in
 * the DFM, and is exactly conjugate-symmetric when the DFM is; the disc has the DFM's size and
 * is a disc. Statistics: Wilson intervals, nearest-rank p95, p-values, majority. Planted cue: the
 * cue class passes the specific verdict and injection flips other classes to it. Low-frequency
 * set (class information spread evenly over a low band): the paper's verdict says shortcut, the
 * specific verdict does not. Controls and injection are bitwise reproducible and independent of
 * how the items are split. */
#include "controls.h"
#include "dfm.h"
#include "fixtures_freq.h"
#include "harness.h"
#include "shortcut.h"
#include "spectral.h"
#include "verdict.h"

static int ring_hist(const uint8_t *m, int h, int w, int *hist /* 64 */)
{
    int n = 0;
    memset(hist, 0, 64 * sizeof *hist);
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
            if (m[i * w + j] && !(i == h / 2 && j == w / 2)) {
                hist[control_ring(i, j, h, w)]++;
                n++;
            }
    return n;
}

/* Number of half-kept conjugate pairs (b kept, b* not) per ring. */
static void half_hist(const uint8_t *m, int h, int w, int *hist)
{
    memset(hist, 0, 64 * sizeof *hist);
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            if (m[i * w + j] && !m[pi * w + pj])
                hist[control_ring(i, j, h, w)]++;
        }
}

static int is_symmetric(const uint8_t *m, int h, int w)
{
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            int pi, pj;
            spectral_partner(i, j, h, w, &pi, &pj);
            if (m[i * w + j] != m[pi * w + pj])
                return 0;
        }
    return 1;
}

static void random_dfm(uint8_t *m, int h, int w, double frac, int symmetric, int dc, uint64_t s)
{
    Rng r = rng_derive(s, 3, RNG_STREAM_TEST);
    for (int b = 0; b < h * w; b++)
        m[b] = rng_uniform(&r) < frac;
    if (symmetric)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                int pi, pj;
                spectral_partner(i, j, h, w, &pi, &pj);
                if (m[i * w + j])
                    m[pi * w + pj] = 1;
            }
    m[(h / 2) * w + w / 2] = (uint8_t)dc;
}

static void test_masks(void)
{
    const int shapes[3][2] = {{16, 16}, {8, 12}, {28, 28}};
    for (int s = 0; s < 3; s++) {
        int h = shapes[s][0], w = shapes[s][1], hw = h * w;
        uint8_t *dfm = malloc((size_t)hw), *ctl = malloc((size_t)hw), *ctl2 = malloc((size_t)hw);
        int hd[64], hc[64], qd[64], qc[64];
        for (int v = 0; v < 4; v++) {
            int sym = v & 1, dc = v >> 1;
            random_dfm(dfm, h, w, 0.1 + 0.1 * v, sym, dc, (uint64_t)(s * 10 + v));
            int nd = ring_hist(dfm, h, w, hd);
            half_hist(dfm, h, w, qd);
            int differs = 0;
            for (int r = 0; r < 20; r++) {
                control_random_mask(dfm, h, w, 7, 2, r, ctl);
                EXPECT_EQ_INT(ring_hist(ctl, h, w, hc), nd);
                EXPECT(!memcmp(hd, hc, sizeof hd));
                half_hist(ctl, h, w, qc);
                EXPECT(!memcmp(qd, qc, sizeof qd));
                EXPECT_EQ_INT(ctl[(h / 2) * w + w / 2], dc);
                if (sym)
                    EXPECT(is_symmetric(ctl, h, w));
                differs += memcmp(ctl, dfm, (size_t)hw) != 0;
                control_random_mask(dfm, h, w, 7, 2, r, ctl2); /* same seed: same mask */
                EXPECT(!memcmp(ctl, ctl2, (size_t)hw));
            }
            EXPECT(differs >= 19);
            control_random_mask(dfm, h, w, 8, 2, 0, ctl2); /* another seed: another mask */
            control_random_mask(dfm, h, w, 7, 2, 0, ctl);
            EXPECT(memcmp(ctl, ctl2, (size_t)hw) != 0);
            /* disc: same size, DC as in the DFM, every kept bin at most as far as any dropped */
            control_disc_mask(dfm, h, w, ctl);
            EXPECT_EQ_INT(ring_hist(ctl, h, w, hc), nd);
            EXPECT_EQ_INT(ctl[(h / 2) * w + w / 2], dc);
            double rin = 0, rout = 1e9;
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    if (i == h / 2 && j == w / 2)
                        continue;
                    double rho = spectral_radius(i, j, h, w);
                    if (ctl[i * w + j])
                        rin = fmax(rin, rho);
                    else
                        rout = fmin(rout, rho);
                }
            EXPECT_MSG(rin <= rout, "disc: kept radius %g > dropped radius %g", rin, rout);
        }
        free(dfm);
        free(ctl);
        free(ctl2);
    }
}

static void test_stats(void)
{
    double lo, hi;
    verdict_wilson(5, 10, &lo, &hi);
    EXPECT_NEAR(lo, 0.236593, 1e-5);
    EXPECT_NEAR(hi, 0.763407, 1e-5);
    verdict_wilson(0, 10, &lo, &hi);
    EXPECT_NEAR(lo, 0.0, 1e-12);
    EXPECT_NEAR(hi, 0.277533, 1e-5);
    verdict_wilson(10, 10, &lo, &hi);
    EXPECT_NEAR(hi, 1.0, 1e-12);
    EXPECT_NEAR(lo, 0.722467, 1e-5);
    verdict_wilson(0, 0, &lo, &hi);
    EXPECT(isnan(lo) && isnan(hi));
    double v[20], scr[20];
    for (int i = 0; i < 20; i++)
        v[i] = (double)(19 - i);                   /* 0..19 */
    EXPECT_NEAR(verdict_p95(v, 20, scr), 18.0, 0); /* ceil(19) = 19th smallest */
    EXPECT_NEAR(verdict_pvalue(18.0, v, 20), 3.0 / 21.0, 1e-15);
    EXPECT_NEAR(verdict_pvalue(100.0, v, 20), 1.0 / 21.0, 1e-15);
    EXPECT(isnan(verdict_pvalue(1.0, v, 0)));
    EXPECT(verdict_specific(0.9, 0.1, 0.5, 0.5, 0.2));
    EXPECT(!verdict_specific(0.9, 0.3, 0.5, 0.5, 0.2)); /* not specific */
    EXPECT(!verdict_specific(0.9, 0.1, 0.9, 0.5, 0.2)); /* not above the controls */
    EXPECT(!verdict_specific(0.9, 0.1, NAN, 0.5, 0.2)); /* no controls */
    EXPECT(!verdict_specific(0.5, 0.0, 0.0, 0.5, 0.2)); /* not above t */
    double m, l, u, sv[3] = {0.5, 0.6, 0.7};
    EXPECT_EQ_INT(verdict_seed_summary(sv, 3, &m, &l, &u), 3);
    EXPECT_NEAR(m, 0.6, 1e-12);
    EXPECT_NEAR(u - m, 4.303 * 0.1 / sqrt(3.0), 1e-9);
    uint8_t f1[3] = {1, 1, 0}, f2[4] = {1, 1, 0, 0}, f3[3] = {1, 0, 255};
    EXPECT(verdict_majority(f1, 3));
    EXPECT(!verdict_majority(f2, 4));
    EXPECT(!verdict_majority(f3, 3)); /* 1 of 2 with a value */
}

/* Planted cue: class 0 carries a grating at (fu, fv) = (3, 5) of 16 x 16 images; the classifier
 * reads only that frequency. DFM_0 from the patch-removal DFM at top 5 %. */
static void planted_dfms(Classifier *clf, const Dataset *d, uint8_t *dfms)
{
    DfmOptions o;
    dfm_options_default(&o);
    int hw = d->h * d->w, nm = dfm_num_masks(d->h, d->w, 1);
    double *sc = malloc((size_t)nm * d->k * sizeof *sc),
           *maps = malloc((size_t)d->k * hw * sizeof *maps);
    EXPECT(dfm_score_range(clf, d, &o, 0, nm, sc) == FS_OK);
    dfm_assemble(sc, d->k, d->h, d->w, &o, maps);
    for (int c = 0; c < d->k; c++)
        dfm_threshold(maps + c * hw, d->h, d->w, 0.05, dfms + c * hw);
    free(sc);
    free(maps);
}

/* The planted classifier plus a weak random linear one: it breaks the exact ties of a
 * classifier blind to every other bin (which would tie most bins into the top 5 %). */
typedef struct {
    Classifier a, b;
} SumCtx;

static FsStatus sum_logits(void *ctx, const float *x, int n, float *out)
{
    SumCtx *s = ctx;
    float *z = malloc((size_t)n * s->a.k * sizeof *z);
    FsStatus st = s->a.logits(s->a.ctx, x, n, out);
    if (st == FS_OK)
        st = s->b.logits(s->b.ctx, x, n, z);
    for (int i = 0; i < n * s->a.k; i++)
        out[i] += z[i];
    free(z);
    return st;
}

static void test_planted_cue(void)
{
    const int N = 32, HW = N * N;
    Dataset d;
    synth_make(&d, 60, 1, N, N, 3, 0, 7, 11, 0.15, 0.1, 3);
    PlantCtx p = {1, N, N, 3, 0, 1, {7, 0}, {11, 0}, 0.1, -1.0, 0, 0};
    LinCtx l = {1, N, N, 3, NULL, NULL};
    SumCtx sc = {plant_classifier(&p, 32), lin_classifier(&l, 8, 0.002, 32)};
    Classifier clf = {&sc, 1, N, N, 3, 32, sum_logits, NULL};
    uint8_t *dfms = malloc((size_t)3 * HW);
    planted_dfms(&clf, &d, dfms);
    int nk = 0;
    for (int b = 0; b < HW; b++)
        nk += dfms[b];
    EXPECT_MSG(nk <= 53, "DFM_0 keeps %d bins", nk); /* top 5 %: 51, no wide ties */
    EXPECT(dfms[(N / 2 + 7) * N + N / 2 + 11] && dfms[(N / 2 - 7) * N + N / 2 - 11]); /* cue pair */
    ShortcutResult sr;
    EXPECT(shortcut_eval(&clf, &d, dfms, 0.5, &sr) == FS_OK);
    ControlOptions o;
    control_options_default(&o);
    o.seed = 11;
    ControlResult cr;
    EXPECT(controls_eval(&clf, &d, dfms, &o, &cr) == FS_OK);
    const int per = o.n_controls + 2;
    /* item 0 is the DFM itself: the same counts as shortcut_eval */
    for (int c = 0; c < 3; c++) {
        EXPECT_NEAR(cr.tpr[c * per], sr.tpr_dfm[c], 0);
        EXPECT_NEAR(cr.fpr[c * per], sr.fpr_dfm[c], 0);
    }
    double tpr = sr.tpr_dfm[0], fpr = sr.fpr_dfm[0];
    EXPECT_MSG(tpr >= 0.9, "cue class TPR^DFM = %g", tpr);
    EXPECT_MSG(cr.tpr_ctl_mean[0] < 0.3, "control mean TPR = %g", cr.tpr_ctl_mean[0]);
    EXPECT_MSG(verdict_specific(tpr, fpr, cr.tpr_ctl_p95[0], 0.5, VERDICT_FPR_MAX),
               "specific verdict: TPR %g, FPR %g, control p95 %g", tpr, fpr, cr.tpr_ctl_p95[0]);
    EXPECT_MSG(cr.p_tpr[0] <= 0.1, "p-value %g", cr.p_tpr[0]);
    EXPECT_MSG(cr.inj_rate[0] >= 0.9, "injection rate %g", cr.inj_rate[0]);
    EXPECT_MSG(cr.inj_ctl_mean[0] < 0.3, "control injection rate %g", cr.inj_ctl_mean[0]);
    EXPECT_EQ_INT(cr.neg[0], 40);
    /* the non-cue classes: the classifier never reads their DFMs; no specific verdict */
    for (int c = 1; c < 3; c++)
        EXPECT(!verdict_specific(sr.tpr_dfm[c], sr.fpr_dfm[c], cr.tpr_ctl_p95[c], 0.5, 0.2));
    control_result_free(&cr);
    shortcut_result_free(&sr);
    lin_free(&l);
    free(dfms);
    synth_free(&d);
}

/* Classes differ only in low-frequency energy spread evenly over the band 1 <= rho < 4: class 0
 * carries every bin of the band at one amplitude with random phases, class 1 does not; the
 * classifier reads the band's total energy. Any same-ring selection keeps as much of it as the
 * DFM, so the DFM is not above its controls. */
typedef struct {
    int h, w;
    double alpha, beta;
} BandCtx;

static double band_energy(const BandCtx *b, const float *x)
{
    double e = 0.0;
    for (int u = 0; u < b->h; u++)
        for (int v = 0; v < b->w; v++) {
            int fu = u - b->h / 2, fv = v - b->w / 2;
            double rho = sqrt((double)(fu * fu + fv * fv));
            if (rho < 1.0 || rho >= 4.0)
                continue;
            double re = 0, im = 0;
            for (int y = 0; y < b->h; y++)
                for (int xx = 0; xx < b->w; xx++) {
                    double th = 2.0 * M_PI * ((double)fu * y / b->h + (double)fv * xx / b->w);
                    re += (double)x[y * b->w + xx] * cos(th);
                    im -= (double)x[y * b->w + xx] * sin(th);
                }
            e += (re * re + im * im) / (double)(b->h * b->w);
        }
    return e;
}

static FsStatus band_logits(void *ctx, const float *x, int n, float *out)
{
    BandCtx *b = ctx;
    for (int i = 0; i < n; i++) {
        out[i * 2] = (float)(b->alpha * band_energy(b, x + (size_t)i * b->h * b->w) + b->beta);
        out[i * 2 + 1] = 0.0f;
    }
    return FS_OK;
}

static void band_make(Dataset *d, int n, int h, int w, double amp, uint64_t seed)
{
    synth_make(d, n, 1, h, w, 2, -1, 0, 0, 0.0, 0.1, seed);
    Rng r = rng_derive(seed, 5, RNG_STREAM_TEST);
    for (int i = 0; i < n; i++) {
        if (d->y[i] != 0)
            continue;
        float *x = d->x + (size_t)i * h * w;
        for (int fu = -h / 2; fu < h / 2; fu++)
            for (int fv = 0; fv < w / 2; fv++) { /* one of each conjugate pair */
                double rho = sqrt((double)(fu * fu + fv * fv));
                if (rho < 1.0 || rho >= 4.0 || (fv == 0 && fu <= 0))
                    continue;
                double ph = 2.0 * M_PI * rng_uniform(&r);
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++)
                        x[y * w + xx] +=
                            (float)(amp *
                                    cos(2.0 * M_PI * ((double)fu * y / h + (double)fv * xx / w) +
                                        ph));
            }
    }
}

static void test_lowfreq(void)
{
    Dataset d;
    band_make(&d, 40, 16, 16, 0.03, 5);
    BandCtx b = {16, 16, 1.0, 0.0};
    Classifier clf = {&b, 1, 16, 16, 2, 16, band_logits, NULL};
    /* beta: halfway between the classes' mean band energy after normalisation */
    float *xn = malloc((size_t)d.n * 256 * sizeof *xn);
    double e[2] = {0, 0};
    int cnt[2] = {0, 0};
    for (int i = 0; i < d.n * 256; i++)
        xn[i] = (d.x[i] - 0.5f) / 0.25f;
    for (int i = 0; i < d.n; i++) {
        e[d.y[i]] += band_energy(&b, xn + i * 256);
        cnt[d.y[i]]++;
    }
    free(xn);
    e[0] /= cnt[0];
    e[1] /= cnt[1];
    EXPECT_MSG(e[0] > 3.0 * e[1], "band energy: class 0 %g, class 1 %g", e[0], e[1]);
    b.alpha = 1.0 / e[1];
    b.beta = -(0.5 * (e[0] + e[1]) * 0.3 + 0.7 * e[1]) / e[1]; /* fires above ~0.3 of the gap */
    uint8_t dfms[2 * 256];
    planted_dfms(&clf, &d, dfms);
    ShortcutResult sr;
    EXPECT(shortcut_eval(&clf, &d, dfms, 0.5, &sr) == FS_OK);
    EXPECT_MSG(sr.tpr_org[0] >= 0.9, "unfiltered TPR = %g", sr.tpr_org[0]);
    ControlOptions o;
    control_options_default(&o);
    o.seed = 3;
    ControlResult cr;
    EXPECT(controls_eval(&clf, &d, dfms, &o, &cr) == FS_OK);
    double tpr = sr.tpr_dfm[0], fpr = sr.fpr_dfm[0];
    EXPECT_MSG(verdict_paper(tpr, 0.5), "paper's verdict: TPR^DFM = %g", tpr);
    EXPECT_MSG(!verdict_specific(tpr, fpr, cr.tpr_ctl_p95[0], 0.5, VERDICT_FPR_MAX),
               "specific verdict: TPR %g, control p95 %g, FPR %g", tpr, cr.tpr_ctl_p95[0], fpr);
    EXPECT_MSG(cr.tpr_ctl_p95[0] >= tpr, "control p95 %g < TPR %g", cr.tpr_ctl_p95[0], tpr);
    EXPECT_MSG(cr.p_tpr[0] > 0.05, "p-value %g", cr.p_tpr[0]);
    control_result_free(&cr);
    shortcut_result_free(&sr);
    synth_free(&d);
}

/* Items scored in one range or split into pieces: bitwise the same counts. */
static void test_split(void)
{
    Dataset d;
    synth_make(&d, 24, 1, 8, 8, 3, 0, 1, 2, 0.2, 0.1, 9);
    LinCtx l = {1, 8, 8, 3, NULL, NULL};
    Classifier clf = lin_classifier(&l, 4, 0.2, 5);
    uint8_t dfms[3 * 64];
    for (int c = 0; c < 3; c++)
        random_dfm(dfms + c * 64, 8, 8, 0.2, c != 1, c == 0, 40 + c);
    ControlOptions o;
    control_options_default(&o);
    o.n_controls = 6;
    o.seed = 21;
    int ni = control_num_items(3, o.n_controls);
    double *a = malloc((size_t)ni * 3 * sizeof *a), *b = malloc((size_t)ni * 3 * sizeof *b);
    EXPECT(controls_score_items(&clf, &d, dfms, &o, 0, ni, a) == FS_OK);
    const int cuts[] = {0, 1, 5, 11, 12, ni};
    for (int q = 0; q + 1 < (int)FS_ARRAY_LEN(cuts); q++)
        EXPECT(controls_score_items(&clf, &d, dfms, &o, cuts[q], cuts[q + 1] - cuts[q],
                                    b + (size_t)cuts[q] * 3) == FS_OK);
    EXPECT(!memcmp(a, b, (size_t)ni * 3 * sizeof *a));
    /* a second full run: the same again */
    EXPECT(controls_score_items(&clf, &d, dfms, &o, 0, ni, b) == FS_OK);
    EXPECT(!memcmp(a, b, (size_t)ni * 3 * sizeof *a));
    /* pairing: deterministic, class-c partners only */
    int pa[24], pb[24];
    control_pairing(d.y, 24, 1, 21, pa);
    control_pairing(d.y, 24, 1, 21, pb);
    EXPECT(!memcmp(pa, pb, sizeof pa));
    for (int j = 0; j < 24; j++)
        EXPECT(d.y[j] == 1 ? pa[j] == -1 : d.y[pa[j]] == 1);
    /* bad ranges and R */
    EXPECT(controls_score_items(&clf, &d, dfms, &o, ni - 1, 2, b) == FS_ERR_INTERNAL);
    o.n_controls = -1;
    ControlResult cr;
    EXPECT(controls_eval(&clf, &d, dfms, &o, &cr) == FS_ERR_CONFIG);
    free(a);
    free(b);
    lin_free(&l);
    synth_free(&d);
}

TEST_MAIN({"masks", test_masks}, {"stats", test_stats}, {"planted_cue", test_planted_cue},
          {"lowfreq", test_lowfreq}, {"split", test_split})
