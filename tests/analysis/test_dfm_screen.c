/* test_dfm_screen.c: the screened DFM method: the first-order screen against its pixel-space
 * definition, exactness of the evaluated scores, the planted cue found with fewer passes. */
#include "dfm.h"
#include "harness.h"
#include "analysis/maskeval.h"
#include "fixtures_freq.h"

#include "analysis/dfm_internal.h"

/* GRAD screen = -(1/n_c) sum_i <g_i, delta_i^m>, delta = x - filter(x, M), in pixel space. */
static void test_grad_screen_definition(void)
{
    Dataset d;
    synth_make(&d, 9, 2, 8, 8, 3, 0, 1, 2, 0.2, 0.2, 3);
    LinCtx l = {2, 8, 8, 3, NULL, NULL};
    Classifier clf = lin_classifier(&l, 4, 0.05, 4);
    DfmOptions o;
    dfm_options_default(&o);
    int nm = dfm_num_masks(8, 8, 1);
    double *scr = malloc((size_t)nm * 3 * sizeof *scr);
    EXPECT(dfm_screen_rank(&clf, &d, &o, DFM_SCREEN_GRAD, scr, NULL) == FS_OK);
    DfmScorer *s = dfm_scorer_create(&clf, &d, &o);
    float *g = malloc((size_t)9 * 128 * sizeof *g), mask[64], xf[128];
    double loss;
    lin_grad(&l, s->xn, d.y, 9, g, &loss);
    double maxerr = 0.0;
    for (int idx = 0; idx < nm; idx++) {
        dfm_mask_build(idx, 8, 8, &o, mask);
        double v[3] = {0, 0, 0};
        for (int i = 0; i < 9; i++) {
            maskeval_filter(s->sp, mask, s->xn + i * 128, xf, s->tmp);
            for (int p = 0; p < 128; p++)
                v[d.y[i]] -= (double)g[i * 128 + p] * ((double)s->xn[i * 128 + p] - (double)xf[p]);
        }
        for (int c = 0; c < 3; c++) maxerr = fmax(maxerr, fabs(v[c] / 3.0 - scr[idx * 3 + c]));
    }
    EXPECT_MSG(maxerr < 1e-5, "max |screen - pixel-space definition| = %g", maxerr);
    dfm_scorer_destroy(s);
    free(g);
    free(scr);
    lin_free(&l);
    synth_free(&d);
}

static void run_screen(DfmScreen which)
{
    Dataset d;
    /* every class has its own cue: (3,5), (1,2), (-4,1) */
    int fu[3] = {3, 1, -4}, fv[3] = {5, 2, 1};
    synth_make_multi(&d, 24, 1, 16, 16, 3, 3, fu, fv, 0.15, 0.1, 3);
    MultiCtx mc;
    for (int c = 0; c < 3; c++) mc.p[c] = (PlantCtx){1, 16, 16, 3, c, 1, {fu[c], 0}, {fv[c], 0}, 0.5, -1.0, 0, 0};
    mc.ncue = 3;
    Classifier clf = {&mc, 1, 16, 16, 3, 48, multi_logits, multi_grad};
    DfmOptions o;
    dfm_options_default(&o);
    int nm = dfm_num_masks(16, 16, 1);
    double *ex = malloc((size_t)nm * 3 * sizeof *ex), *sc = malloc((size_t)nm * 3 * sizeof *sc);
    double *m1 = malloc(3 * 256 * sizeof *m1), *m2 = malloc(3 * 256 * sizeof *m2);
    uint8_t *ev = malloc((size_t)nm * 3), d1[256], d2[256];
    EXPECT(dfm_score_range(&clf, &d, &o, 0, nm, ex) == FS_OK);
    DfmScreenOptions so;
    dfm_screen_options_default(&so);
    so.screen = which;
    so.t_max = 0.01;
    long passes = 0, spasses = 0;
    EXPECT(dfm_screen_run(&clf, &d, &o, &so, sc, ev, &passes, &spasses) == FS_OK);
    EXPECT_MSG(passes + spasses < (long)nm * d.n, "%s: %ld + %ld of %ld passes",
               dfm_screen_str(which), passes, spasses, (long)nm * d.n);
    EXPECT(passes >= (long)ceil(0.2 * nm) * d.n); /* at least min_frac per class */
    long cnt = 0;
    int exact = 1;
    for (int i = 0; i < nm * 3; i++) {
        cnt += ev[i] != 0;
        if (ev[i]) exact &= memcmp(ex + i, sc + i, sizeof(double)) == 0;
        else exact &= isnan(sc[i]) != 0;
    }
    EXPECT_EQ_INT(cnt * (d.n / 3), passes);
    EXPECT(exact);
    dfm_assemble(ex, 3, 16, 16, &o, m1);
    dfm_assemble(sc, 3, 16, 16, &o, m2);
    dfm_threshold(m1, 16, 16, 0.01, d1);
    dfm_threshold(m2, 16, 16, 0.01, d2);
    EXPECT_NEAR(dfm_iou(d1, d2, 256), 1.0, 1e-12);
    EXPECT(d2[11 * 16 + 13] && d2[5 * 16 + 3]);
    if (which == DFM_SCREEN_COARSE) EXPECT(spasses > 0);
    /* min_frac 1: everything exact */
    so.min_frac = so.max_frac = 1.0;
    EXPECT(dfm_screen_run(&clf, &d, &o, &so, sc, ev, &passes, &spasses) == FS_OK);
    EXPECT_EQ_INT(passes, (long)nm * d.n);
    EXPECT(memcmp(ex, sc, (size_t)nm * 3 * sizeof *ex) == 0);
    free(ex);
    free(sc);
    free(m1);
    free(m2);
    free(ev);
    synth_free(&d);
}

static void test_screen_grad(void) { run_screen(DFM_SCREEN_GRAD); }
static void test_screen_gradabs(void) { run_screen(DFM_SCREEN_GRADABS); }
static void test_screen_coarse(void) { run_screen(DFM_SCREEN_COARSE); }

static void test_no_grad(void)
{
    Dataset d;
    synth_make(&d, 6, 1, 8, 8, 3, 0, 1, 2, 0.2, 0.2, 3);
    PlantCtx p = {1, 8, 8, 3, 0, 1, {1, 0}, {2, 0}, 0.5, -1.0, 0, 0};
    Classifier clf = plant_classifier(&p, 8);
    clf.input_grad = NULL;
    double sc[40 * 3];
    DfmOptions o;
    dfm_options_default(&o);
    EXPECT(dfm_screen_rank(&clf, &d, &o, DFM_SCREEN_GRAD, sc, NULL) == FS_ERR_CONFIG);
    synth_free(&d);
}

TEST_MAIN({"grad_screen_definition", test_grad_screen_definition},
          {"screen_grad", test_screen_grad}, {"screen_gradabs", test_screen_gradabs},
          {"screen_coarse", test_screen_coarse}, {"no_grad", test_no_grad})
