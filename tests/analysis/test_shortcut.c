/* test_shortcut.c: TPR/FPR with DFMs kept and removed (PAPER.md 8) on a planted cue, with the
 * DFM found by the patch-removal DFM itself, and the rates against hand-counted matrices. */
#include "dfm.h"
#include "harness.h"
#include "shortcut.h"
#include "fixtures_freq.h"

static void test_rates(void)
{
    /* 3 classes, rows true, cols predicted */
    int64_t m[9] = {8, 1, 1, 2, 6, 2, 0, 3, 7};
    double tpr, fpr;
    shortcut_rates(m, 3, 1, &tpr, &fpr);
    EXPECT_NEAR(tpr, 0.6, 1e-12);
    EXPECT_NEAR(fpr, 4.0 / 20.0, 1e-12);
    shortcut_rates(m, 3, 0, &tpr, &fpr);
    EXPECT_NEAR(tpr, 0.8, 1e-12);
    EXPECT_NEAR(fpr, 2.0 / 20.0, 1e-12);
}

static void test_planted(void)
{
    Dataset d, ood;
    synth_make(&d, 30, 1, 16, 16, 3, 0, 3, 5, 0.15, 0.1, 3);
    /* OOD set without the cue: the shortcut cannot transfer */
    synth_make(&ood, 30, 1, 16, 16, 3, 0, 3, 5, 0.0, 0.1, 4);
    PlantCtx p = {1, 16, 16, 3, 0, 1, {3, 0}, {5, 0}, 0.5, -1.0, 0, 0};
    Classifier clf = plant_classifier(&p, 32);
    DfmOptions o;
    dfm_options_default(&o);
    int nm = dfm_num_masks(16, 16, 1);
    double *sc = malloc((size_t)nm * 3 * sizeof *sc), *maps = malloc(3 * 256 * sizeof *maps);
    uint8_t dfms[3 * 256];
    EXPECT(dfm_score_range(&clf, &d, &o, 0, nm, sc) == FS_OK);
    dfm_assemble(sc, 3, 16, 16, &o, maps);
    for (int c = 0; c < 3; c++) dfm_threshold(maps + c * 256, 16, 16, 0.05, dfms + c * 256);
    EXPECT(dfms[11 * 16 + 13] && dfms[5 * 16 + 3]);
    ShortcutResult r;
    EXPECT(shortcut_eval(&clf, &d, dfms, 0.5, &r) == FS_OK);
    EXPECT_NEAR(r.tpr_org[0], 1.0, 1e-12);
    EXPECT_NEAR(r.fpr_org[0], 0.0, 1e-12);
    EXPECT_MSG(r.tpr_dfm[0] >= 0.9, "TPR with DFM_0 kept = %g", r.tpr_dfm[0]);
    EXPECT_MSG(r.tpr_cmp[0] <= 0.1, "TPR with DFM_0 removed = %g", r.tpr_cmp[0]);
    EXPECT(r.shortcut[0] && r.strong[0]);
    EXPECT_EQ_INT(r.pos[0], 10);
    /* the class-0 DFM applied to everything: other classes' images carry no cue, stay out of 0 */
    EXPECT_NEAR(r.fpr_dfm[0], 0.0, 1e-12);
    /* confusion rows sum to P_c */
    int64_t s = 0;
    for (int j = 0; j < 3; j++) s += r.conf_dfm[0 * 9 + 0 * 3 + j];
    EXPECT_EQ_INT(s, 10);
    ShortcutSummary sm;
    shortcut_summary(&r, 0.5, &sm);
    EXPECT(sm.n_sct >= 1);
    EXPECT(sm.avg_tpr_dfm_sct > 0.5);
    shortcut_result_free(&r);
    /* OOD: no cue present -> class 0 never recognised, with or without the DFM */
    EXPECT(shortcut_eval(&clf, &ood, dfms, 0.5, &r) == FS_OK);
    EXPECT_NEAR(r.tpr_org[0], 0.0, 1e-12);
    EXPECT_NEAR(r.tpr_dfm[0], 0.0, 1e-12);
    EXPECT(!r.shortcut[0]);
    shortcut_result_free(&r);
    /* bad t */
    EXPECT(shortcut_eval(&clf, &d, dfms, 1.5, &r) == FS_ERR_CONFIG);
    free(sc);
    free(maps);
    synth_free(&d);
    synth_free(&ood);
}

TEST_MAIN({"rates", test_rates}, {"planted", test_planted})
