/* test_analyses_e2e.c: the analyses on a tiny real `cnn` trained by the engine on the built-in
 * toy set (class j = a 3-cycle grating at angle pi*j/K): learning curves recorded through the
 * training hooks and stored in the model file, DFM fast path == FFT path on the real model, the
 * class-0 DFM holds the grating frequency (0, +-3), and the shortcut evaluation. */
#include "curves_hook.h"
#include "dfm.h"
#include "h5file.h"
#include "harness.h"
#include "model.h"
#include "model_file.h"
#include "shortcut.h"
#include "spectral.h"
#include "toy_data.h"
#include "train.h"

#include <unistd.h>

static Model *model;
static Dataset train_set, test_set;

static void setup(void)
{
    if (model) return;
    FS_CHECK(toy_dataset_make("toy:3:n=192:size=16:c=1:seed=1", &train_set) == FS_OK, "%s",
             fs_last_error());
    FS_CHECK(toy_dataset_make("toy:3:n=48:size=16:c=1:seed=2", &test_set) == FS_OK, "%s",
             fs_last_error());
    for (int c = 0; c < test_set.c; c++) {
        test_set.mean[c] = train_set.mean[c];
        test_set.std[c] = train_set.std[c];
    }
    ModelOptions mo;
    model_options_default(&mo);
    mo.width = 0.25;
    FS_CHECK(model_create("cnn", &mo, 1, 16, 16, 3, 1, &model) == FS_OK, "%s", fs_last_error());
}

static void test_curves_training(void)
{
    setup();
    /* evaluation sets: the test set and a band-stop copy without rho in [2, 4) */
    float bs[256];
    spectral_mask_fill(bs, 16, 16, 1.0f);
    spectral_mask_band(bs, 16, 16, 2.0, 4.0, 0.0f);
    CurvesSet sets[2] = {{"original", &test_set, NULL}, {"bs_2_4", &test_set, bs}};
    CurvesSchedule sch = {2, 10, 5, 1};
    LearningCurves *lc = curves_create(sets, 2, 3, &sch);
    EXPECT(lc != NULL);
    if (!lc) return;
    CurvesHook ch;
    curves_hook_init(&ch, lc, 64);
    EXPECT(curves_hook_record_now(&ch, model, 0, 0) == FS_OK);
    TrainConfig cfg;
    train_config_default(&cfg);
    cfg.epochs = 4;
    cfg.val_frac = 0.0;
    TrainHooks hooks = {0};
    hooks.user = &ch;
    hooks.on_step = curves_hook_on_step;
    hooks.on_epoch = curves_hook_on_epoch;
    TrainStats ts;
    EXPECT(train_run(&cfg, &train_set, &hooks, model, &ts) == FS_OK);
    EXPECT(ch.status == FS_OK);
    int T = curves_len(lc);
    EXPECT(T >= 6);
    const long *steps = curves_steps(lc);
    for (int t = 1; t < T; t++) EXPECT(steps[t] > steps[t - 1]);
    EXPECT_EQ_INT(steps[T - 1], ts.steps);
    const double *acc = curves_acc(lc), *auc = curves_auc(lc);
    double mean_last = 0.0;
    for (int c = 0; c < 3; c++) mean_last += acc[((size_t)(T - 1) * 2 + 0) * 3 + c] / 3.0;
    EXPECT_MSG(mean_last > 0.8, "final test accuracy %g", mean_last);
    EXPECT(auc[((size_t)(T - 1) * 2 + 0) * 3 + 0] > 0.9);
    long s95 = curves_first_learned(lc, 0, 0, CURVES_AUC, 0.95);
    EXPECT(s95 >= 0 && s95 <= ts.steps);
    /* band-stopping the gratings' band hurts */
    double mean_bs = 0.0;
    for (int c = 0; c < 3; c++) mean_bs += acc[((size_t)(T - 1) * 2 + 1) * 3 + c] / 3.0;
    EXPECT_MSG(mean_bs < mean_last - 0.2, "band-stopped accuracy %g vs %g", mean_bs, mean_last);
    /* stored in a model file */
    char path[64];
    fs_snprintf(path, sizeof path, "/tmp/fsweep_e2e_%d.h5", (int)getpid());
    EXPECT(model_file_write(model, path, train_set.mean, train_set.std) == FS_OK);
    EXPECT(curves_save(lc, path) == FS_OK);
    H5File *f = h5f_open(path, 0);
    EXPECT(f != NULL);
    if (f) {
        EXPECT(h5f_exists(f, "/curves/learning_acc"));
        char *names = NULL;
        EXPECT(h5f_attr_get_str(f, "/", "curves_sets", &names) == FS_OK);
        EXPECT(names && !strcmp(names, "original,bs_2_4"));
        free(names);
        h5f_close(f);
    }
    unlink(path);
    curves_destroy(lc);
}

static void test_dfm_real_model(void)
{
    setup();
    Classifier clf;
    EXPECT(model_classifier(model, 128, &clf) == FS_OK);
    DfmOptions o;
    dfm_options_default(&o);
    int nm = dfm_num_masks(16, 16, 1);
    double *sf = malloc((size_t)nm * 3 * sizeof *sf), *sg = malloc((size_t)nm * 3 * sizeof *sg);
    o.path = DFM_PATH_FAST;
    EXPECT(dfm_score_range(&clf, &test_set, &o, 0, nm, sf) == FS_OK);
    o.path = DFM_PATH_FFT;
    EXPECT(dfm_score_range(&clf, &test_set, &o, 0, nm, sg) == FS_OK);
    double md = 0.0;
    for (int i = 0; i < nm * 3; i++) md = fmax(md, fabs(sf[i] - sg[i]) / fmax(1.0, fabs(sg[i])));
    EXPECT_MSG(md < 1e-5, "real cnn: max rel |fast - fft| = %g", md);
    double maps[3 * 256];
    uint8_t dfms[3 * 256];
    dfm_assemble(sf, 3, 16, 16, &o, maps);
    for (int c = 0; c < 3; c++) dfm_threshold(maps + c * 256, 16, 16, 0.05, dfms + c * 256);
    EXPECT(dfms[8 * 16 + 5] && dfms[8 * 16 + 11]); /* class 0: (0, -3) and (0, 3) */
    ShortcutResult r;
    EXPECT(shortcut_eval(&clf, &test_set, dfms, 0.5, &r) == FS_OK);
    EXPECT(r.tpr_org[0] > 0.8);
    EXPECT(r.tpr_dfm[0] >= r.tpr_cmp[0]);
    shortcut_result_free(&r);
    free(sf);
    free(sg);
    model_classifier_free(&clf);
}

static void test_teardown(void)
{
    model_free(model);
    model = NULL;
    dataset_free(&train_set);
    dataset_free(&test_set);
}

TEST_MAIN({"curves_training", test_curves_training}, {"dfm_real_model", test_dfm_real_model},
          {"teardown", test_teardown})
