/* test_curves.c: learning-order curves (PAPER.md 5, 3.3) on a simulated training run whose
 * classes are "learned" at known steps, with a band-stopped evaluation set. */
#include "curves.h"
#include "harness.h"
#include "analysis/maskeval.h"
#include "fixtures_freq.h"

/* Class j in {0,1} has logit gain_j * E_j(x) - 1 (E_j: energy at its planted frequency), class 2
 * logit 0. gain_j switches on at step on_j. */
typedef struct {
    PlantCtx p[2];
    long step, on[2];
} TwoCue;

static FsStatus two_logits(void *ctx, const float *x, int n, float *out)
{
    TwoCue *t = ctx;
    size_t img = (size_t)t->p[0].c * t->p[0].h * t->p[0].w;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < 2; j++) {
            double g = t->step >= t->on[j] ? 0.5 : 0.0;
            out[i * 3 + j] = (float)(g * plant_energy(&t->p[j], x + i * img, NULL) - 1.0);
        }
        out[i * 3 + 2] = 0.0f;
    }
    return FS_OK;
}

static void make_set(Dataset *d, uint64_t seed)
{
    /* class 0 cue at (3,5), class 1 cue at (1,2), class 2 none */
    Dataset a, b;
    synth_make(&a, 30, 1, 16, 16, 3, 0, 3, 5, 0.15, 0.1, seed);
    synth_make(&b, 30, 1, 16, 16, 3, 1, 1, 2, 0.15, 0.1, seed + 1);
    for (int i = 0; i < 30; i++)
        if (a.y[i] == 1) memcpy(a.x + i * 256, b.x + i * 256, 256 * sizeof(float));
    synth_free(&b);
    *d = a;
}

static void test_schedule(void)
{
    Dataset d;
    make_set(&d, 1);
    CurvesSchedule s;
    curves_schedule_default(&s);
    CurvesSet cs = {"original", &d, NULL};
    LearningCurves *lc = curves_create(&cs, 1, 3, &s);
    EXPECT(lc != NULL);
    EXPECT(curves_due(lc, 0, 0) && curves_due(lc, 10, 0) && curves_due(lc, 100, 0));
    EXPECT(!curves_due(lc, 15, 0) && !curves_due(lc, 150, 0) && curves_due(lc, 200, 0));
    EXPECT(curves_due(lc, 151, 1));
    curves_destroy(lc);
    /* bad labels */
    d.y[3] = 7;
    EXPECT(curves_create(&cs, 1, 3, &s) == NULL);
    synth_free(&d);
}

static void test_auc(void)
{
    Rng r = rng_derive(5, 0, RNG_STREAM_TEST);
    int n = 40, k = 4;
    float z[160];
    int32_t y[40];
    double scratch[80];
    for (int i = 0; i < n; i++) {
        y[i] = i % k;
        for (int j = 0; j < k; j++) z[i * k + j] = (float)((int)(4 * rng_uniform(&r))); /* ties */
    }
    for (int c = 0; c < k; c++) {
        double u = 0;
        int np = 0, nn = 0;
        for (int i = 0; i < n; i++) {
            if (y[i] != c) continue;
            np++;
            for (int q = 0; q < n; q++) {
                if (y[q] == c) continue;
                double mi = -1e9, mq = -1e9;
                for (int j = 0; j < k; j++)
                    if (j != c) {
                        mi = fmax(mi, (double)z[i * k + j]);
                        mq = fmax(mq, (double)z[q * k + j]);
                    }
                double a = (double)z[i * k + c] - mi, b = (double)z[q * k + c] - mq;
                u += a > b ? 1.0 : a == b ? 0.5 : 0.0;
            }
        }
        for (int q = 0; q < n; q++) nn += y[q] != c;
        EXPECT_NEAR(maskeval_auc_margin(z, y, n, k, c, scratch), u / ((double)np * nn), 1e-12);
    }
}

static void test_learning_order(void)
{
    Dataset d;
    make_set(&d, 2);
    /* band-stop set: remove the class-0 cue pair (DC kept) */
    float bs[256];
    spectral_mask_fill(bs, 16, 16, 1.0f);
    bs[(8 + 3) * 16 + 8 + 5] = 0.0f;
    bs[(8 - 3) * 16 + 8 - 5] = 0.0f;
    CurvesSet sets[2] = {{"original", &d, NULL}, {"bs_cue0", &d, bs}};
    CurvesSchedule s;
    curves_schedule_default(&s);
    LearningCurves *lc = curves_create(sets, 2, 3, &s);
    EXPECT(lc != NULL);
    if (!lc) return;
    TwoCue tc;
    tc.p[0] = (PlantCtx){1, 16, 16, 3, 0, 1, {3, 0}, {5, 0}, 1, 0, 0, 0};
    tc.p[1] = (PlantCtx){1, 16, 16, 3, 1, 1, {1, 0}, {2, 0}, 1, 0, 0, 0};
    tc.on[0] = 25;
    tc.on[1] = 65;
    Classifier clf = {&tc, 1, 16, 16, 3, 16, two_logits, NULL};
    int epoch = 0;
    for (long step = 0; step <= 300; step++) {
        tc.step = step;
        int epoch_end = step > 0 && step % 120 == 0;
        if (curves_due(lc, step, epoch_end)) EXPECT(curves_record(lc, &clf, step, epoch) == FS_OK);
        if (epoch_end) epoch++;
    }
    EXPECT(curves_record(lc, &clf, 300, epoch) == FS_OK); /* duplicate: ignored */
    int T = curves_len(lc);
    EXPECT_EQ_INT(T, 11 + 2 + 2); /* 0..100 by 10, 200, 300, epoch ends 120 and 240 */
    EXPECT_EQ_INT(curves_steps(lc)[T - 1], 300);
    long st;
    EXPECT_EQ_INT(curves_learned_first(lc, 0, CURVES_AUC, 0.95, &st), 0);
    EXPECT_EQ_INT(st, 30);
    EXPECT_EQ_INT(curves_first_learned(lc, 0, 1, CURVES_AUC, 0.95), 70);
    EXPECT_EQ_INT(curves_first_learned(lc, 0, 0, CURVES_ACC, 0.99), 30);
    /* final: original accuracy 1 for classes 0,1; band-stopped class 0 collapses */
    const double *acc = curves_acc(lc);
    EXPECT_NEAR(acc[((size_t)(T - 1) * 2 + 0) * 3 + 0], 1.0, 1e-12);
    EXPECT_NEAR(acc[((size_t)(T - 1) * 2 + 0) * 3 + 1], 1.0, 1e-12);
    EXPECT_NEAR(acc[((size_t)(T - 1) * 2 + 1) * 3 + 0], 0.0, 1e-12);
    EXPECT_NEAR(acc[((size_t)(T - 1) * 2 + 1) * 3 + 1], 1.0, 1e-12);
    double delta[9];
    curves_confusion_change(lc, T - 1, 1, 0, delta);
    EXPECT_NEAR(delta[0], -100.0, 1e-9);
    EXPECT_NEAR(delta[0 * 3 + 2], 100.0, 1e-9); /* class-0 images went to the default class 2 */
    EXPECT_NEAR(delta[1 * 3 + 1], 0.0, 1e-9);
    EXPECT_EQ_INT(curves_epochs_to_fraction(lc, 0, 1, 0.8), 0);
    curves_destroy(lc);
    synth_free(&d);
}

TEST_MAIN({"schedule", test_schedule}, {"auc", test_auc}, {"learning_order", test_learning_order})
