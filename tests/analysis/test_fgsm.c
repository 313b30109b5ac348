/* test_fgsm.c: FGSM sets (fgsm.h) on a tiny `cnn` trained by the engine on the toy gratings:
 * the perturbation is +-eps (or 0) in normalised space before clipping, pixels map back as
 * documented, the set is deterministic, and, the property that matters, the gradient sign is
 * adversarial: accuracy falls well below both the clean accuracy and that under random signs of
 * the same eps. Bad epsilons are refused with one line. */
#include "data.h"
#include "fgsm.h"
#include "harness.h"
#include "model.h"
#include "rng.h"
#include "toy_data.h"
#include "train.h"

static Model *model;
static Dataset train_set, test_set;

static void setup(void)
{
    if (model) return;
    FS_CHECK(toy_dataset_make("toy:3:n=192:size=16:c=1:seed=1", &train_set) == FS_OK, "%s", fs_last_error());
    FS_CHECK(toy_dataset_make("toy:3:n=96:size=16:c=1:seed=2", &test_set) == FS_OK, "%s", fs_last_error());
    test_set.mean[0] = train_set.mean[0];
    test_set.std[0] = train_set.std[0];
    ModelOptions mo;
    model_options_default(&mo);
    mo.width = 0.25;
    FS_CHECK(model_create("cnn", &mo, 1, 16, 16, 3, 1, &model) == FS_OK, "%s", fs_last_error());
    TrainConfig cfg;
    train_config_default(&cfg);
    cfg.epochs = 4;
    cfg.val_frac = 0.0;
    TrainHooks hooks = {0};
    TrainStats ts;
    FS_CHECK(train_run(&cfg, &train_set, &hooks, model, &ts) == FS_OK, "%s", fs_last_error());
}

static double accuracy(const Dataset *d)
{
    double acc = -1;
    EXPECT(eval_run(model, d, 32, NULL, NULL, &acc) == FS_OK);
    return acc;
}

static void test_fgsm_adversarial(void)
{
    setup();
    Classifier clf;
    EXPECT(model_classifier(model, 40, &clf) == FS_OK); /* 96 images: batches 40, 40, 16 */
    const double eps = 1.0;
    const size_t np = (size_t)test_set.n * 256;
    /* normalised-space step: each coordinate moves by exactly +-eps or 0 */
    float *z = xmalloc(np * sizeof *z), *z0 = xmalloc(np * sizeof *z0);
    for (size_t i = 0; i < np; i++) z0[i] = (test_set.x[i] - test_set.mean[0]) / test_set.std[0];
    memcpy(z, z0, np * sizeof *z);
    EXPECT(fgsm_perturb(&clf, z, test_set.y, test_set.n, eps) == FS_OK);
    double linf = 0;
    size_t moved = 0, odd = 0;
    for (size_t i = 0; i < np; i++) {
        double dz = fabs((double)z[i] - (double)z0[i]);
        linf = fmax(linf, dz);
        moved += dz > 0;
        odd += dz > 0 && fabs(dz - eps) > 1e-5;
    }
    EXPECT_NEAR(linf, eps, 1e-5);
    EXPECT_MSG(odd == 0 && moved > np * 9 / 10, "moved %zu of %zu, %zu not by eps", moved, np, odd);
    /* the pixel set: (x_adv - x) / std = z_adv - z wherever x_adv is not clipped */
    Dataset adv, adv2;
    EXPECT(fgsm_make(&clf, &test_set, eps, &adv) == FS_OK);
    EXPECT(fgsm_make(&clf, &test_set, eps, &adv2) == FS_OK);
    EXPECT(!memcmp(adv.x, adv2.x, np * sizeof *adv.x));
    EXPECT(!memcmp(adv.y, test_set.y, (size_t)test_set.n * sizeof *adv.y));
    EXPECT(strncmp(adv.name, "fgsm:1:", 7) == 0);
    double e = 0;
    for (size_t i = 0; i < np; i++) {
        EXPECT(adv.x[i] >= 0 && adv.x[i] <= 1);
        if (adv.x[i] > 0 && adv.x[i] < 1)
            e = fmax(e, fabs(((double)adv.x[i] - (double)test_set.x[i]) / (double)test_set.std[0] - ((double)z[i] - (double)z0[i])));
    }
    EXPECT_MSG(e < 1e-4, "pixel step differs from the normalised step by %g", e);
    /* random signs of the same size, mapped back and clipped the same way */
    Dataset rnd;
    dataset_alloc(&rnd, test_set.n, 1, 16, 16, 3);
    memcpy(rnd.y, test_set.y, (size_t)test_set.n * sizeof *rnd.y);
    rnd.mean[0] = test_set.mean[0];
    rnd.std[0] = test_set.std[0];
    Rng r;
    rng_seed(&r, 5);
    for (size_t i = 0; i < np; i++) {
        double v = ((double)z0[i] + (rng_uniform(&r) < 0.5 ? -eps : eps)) * (double)test_set.std[0] + (double)test_set.mean[0];
        rnd.x[i] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
    }
    double a_clean = accuracy(&test_set), a_adv = accuracy(&adv), a_rnd = accuracy(&rnd);
    printf("  clean %.3f, random signs %.3f, FGSM %.3f (eps %g, std %.3f)\n", a_clean, a_rnd, a_adv, eps,
           (double)test_set.std[0]);
    EXPECT_MSG(a_clean > 0.8, "clean accuracy %g", a_clean);
    EXPECT_MSG(a_adv < a_clean - 0.3, "FGSM accuracy %g vs clean %g", a_adv, a_clean);
    EXPECT_MSG(a_adv < a_rnd - 0.2, "FGSM accuracy %g vs random signs %g", a_adv, a_rnd);
    dataset_free(&adv);
    dataset_free(&adv2);
    dataset_free(&rnd);
    free(z);
    free(z0);
    model_classifier_free(&clf);
}

static void test_fgsm_names(void)
{
    double eps = 0;
    EXPECT(fgsm_is_name("fgsm:0.1") && fgsm_is_name("fgsm") && !fgsm_is_name("fgsmx:1") && !fgsm_is_name("fog:1"));
    EXPECT(fgsm_parse("fgsm:0.03", &eps) == FS_OK);
    EXPECT_NEAR(eps, 0.03, 0);
    const char *bad[] = {"fgsm", "fgsm:", "fgsm:0", "fgsm:-0.1", "fgsm:nan", "fgsm:inf", "fgsm:1e999", "fgsm:0.1x", "fgsm:abc"};
    for (size_t i = 0; i < FS_ARRAY_LEN(bad); i++) {
        EXPECT_MSG(fgsm_parse(bad[i], &eps) == FS_ERR_CONFIG, "%s accepted", bad[i]);
        EXPECT(strstr(fs_last_error(), "not a finite number > 0") != NULL && !strchr(fs_last_error(), '\n'));
    }
}

static void teardown(void)
{
    model_free(model);
    dataset_free(&train_set);
    dataset_free(&test_set);
}

static void test_zz_teardown(void) { teardown(); }

TEST_MAIN({"fgsm_adversarial", test_fgsm_adversarial}, {"fgsm_names", test_fgsm_names}, {"zz_teardown", test_zz_teardown})
