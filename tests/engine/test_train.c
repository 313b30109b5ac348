/* test_train.c: optimiser and schedules against PyTorch's formulas, training on an easy
 * synthetic task, bitwise reproducibility, divergence, hooks, model file round trips. */
#include "h5file.h"
#include "harness.h"
#include "model_file.h"
#include "engine/model_impl.h"
#include "engine/optim.h"
#include "toy_data.h"
#include "train.h"

#include <unistd.h>

static void test_sgd_step(void)
{
    /* torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True), two steps
     * by hand: g1 = 0.5 + 0.01*1 = 0.51, buf = 0.51, p = 1 - 0.1*(0.51 + 0.9*0.51) = 0.9031;
     * g2 = 0.5 + 0.01*0.9031 = 0.509031, buf = 0.9*0.51 + 0.509031 = 0.968031,
     * p = 0.9031 - 0.1*(0.509031 + 0.9*0.968031) = 0.76507411 */
    Sgd s;
    sgd_init(&s, 1, 0.9, 0.01, 1);
    float p = 1, g = 0.5f;
    sgd_step(&s, 0.1, &p, &g);
    EXPECT_NEAR(p, 0.9031, 1e-6);
    sgd_step(&s, 0.1, &p, &g);
    EXPECT_NEAR(p, 0.76507411, 1e-6);
    sgd_free(&s);
    /* fast == ref on random data, plain momentum and Nesterov */
    for (int nest = 0; nest < 2; nest++) {
        Rng r = rng_derive(1, (uint64_t)nest, RNG_STREAM_TEST);
        enum { N = 1000 };
        static float pa[N], pb[N], gr[N];
        for (int i = 0; i < N; i++) {
            pa[i] = pb[i] = (float)rng_normal(&r);
            gr[i] = (float)rng_normal(&r);
        }
        Sgd a, b;
        sgd_init(&a, N, 0.9, 1e-4, nest);
        sgd_init(&b, N, 0.9, 1e-4, nest);
        double worst = 0;
        for (int it = 0; it < 5; it++) {
            sgd_step(&a, 0.01, pa, gr);
            sgd_step_ref(&b, 0.01, pb, gr);
        }
        for (int i = 0; i < N; i++) worst = fmax(worst, fabs((double)pa[i] - (double)pb[i]));
        EXPECT(worst < 1e-5);
        sgd_free(&a);
        sgd_free(&b);
    }
}

static void test_adamw_step(void)
{
    /* torch.optim.AdamW([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01), p = (1,
     * -0.5) in float64, grads (0.5, 0.2), (0.5, -0.3), (-0.25, 0.1); PyTorch 1.13 printed these
     * parameters after each step (2026-12-07) */
    const float grads[3][2] = {{0.5f, 0.2f}, {0.5f, -0.3f}, {-0.25f, 0.1f}};
    const double want[3][2] = {{0.8990000020, -0.5994999950},
                               {0.7981010040, -0.5741303144},
                               {0.7457375636, -0.5721895134}};
    Adamw a, r;
    adamw_init(&a, 2, 0.9, 0.999, 1e-8, 0.01);
    adamw_init(&r, 2, 0.9, 0.999, 1e-8, 0.01);
    float p[2] = {1, -0.5f}, q[2] = {1, -0.5f};
    for (int t = 0; t < 3; t++) {
        adamw_step(&a, 0.1, p, grads[t]);
        adamw_step_ref(&r, 0.1, q, grads[t]);
        for (int i = 0; i < 2; i++) {
            EXPECT_NEAR(p[i], want[t][i], 2e-6);
            EXPECT_NEAR(q[i], want[t][i], 2e-6);
        }
    }
    EXPECT(a.t == 3);
    adamw_free(&a);
    adamw_free(&r);
    /* fast == ref on random data over many blocks (the pool splits the vector) */
    enum { N = 100003 };
    float *pa = xmalloc(N * sizeof *pa), *pb = xmalloc(N * sizeof *pb), *gr = xmalloc(N * sizeof *gr);
    Rng rg = rng_derive(2, 0, RNG_STREAM_TEST);
    for (int i = 0; i < N; i++) pa[i] = pb[i] = (float)rng_normal(&rg);
    adamw_init(&a, N, 0.9, 0.999, 1e-8, 0.05);
    adamw_init(&r, N, 0.9, 0.999, 1e-8, 0.05);
    double worst = 0;
    for (int it = 0; it < 5; it++) {
        for (int i = 0; i < N; i++) gr[i] = (float)rng_normal(&rg) * (i % 7 == 0 ? 1e-4f : 1.0f);
        adamw_step(&a, 1e-3, pa, gr);
        adamw_step_ref(&r, 1e-3, pb, gr);
    }
    /* float rounding only: a few ulp of each parameter (relative to max(1, |p|)) */
    for (int i = 0; i < N; i++)
        worst = fmax(worst, fabs((double)pa[i] - (double)pb[i]) / fmax(1.0, fabs((double)pb[i])));
    EXPECT_MSG(worst < 2e-6, "AdamW fast vs ref: max relative diff %.3g", worst);
    adamw_free(&a);
    adamw_free(&r);
    free(pa);
    free(pb);
    free(gr);
}

static void test_schedules(void)
{
    Plateau p;
    plateau_init(&p, 0.1, 2, 1e-4);
    double lr = 1.0;
    /* metric improves, then stalls: bad epochs 1, 2, 3 -> cut at the third (bad > patience) */
    const double metric[] = {1.0, 0.5, 0.49999, 0.5, 0.6, 0.4, 0.4, 0.4, 0.4};
    const double expect[] = {1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.01};
    for (size_t i = 0; i < FS_ARRAY_LEN(metric); i++) {
        lr = plateau_step(&p, metric[i], lr);
        EXPECT_MSG(fabs(lr - expect[i]) < 1e-12, "epoch %zu: lr %g, expected %g", i, lr, expect[i]);
    }
    EXPECT_NEAR(lr_cosine(0.1, 0, 10), 0.1, 1e-15);
    EXPECT_NEAR(lr_cosine(0.1, 5, 10), 0.05, 1e-15);
    EXPECT_NEAR(lr_step(0.1, 29, 30, 0.1), 0.1, 1e-15);
    EXPECT_NEAR(lr_step(0.1, 60, 30, 0.1), 0.001, 1e-15);
}

static void test_config(void)
{
    TrainConfig c;
    train_config_default(&c);
    EXPECT(c.batch == 64 && c.lr == 0.01 && c.momentum == 0.9 && c.weight_decay == 1e-4 &&
           c.nesterov == 1 && !strcmp(c.schedule, "plateau") && c.plateau_patience == 10 &&
           c.val_frac == 0.1);
    EXPECT(train_config_set(&c, "lr", "0.1") == FS_OK && c.lr == 0.1);
    EXPECT(train_config_set(&c, "schedule", "cosine") == FS_OK && !strcmp(c.schedule, "cosine"));
    EXPECT(train_config_set(&c, "schedule", "linear") == FS_ERR_CONFIG &&
           strstr(fs_last_error(), "schedule") && strstr(fs_last_error(), "linear"));
    EXPECT(train_config_set(&c, "batch", "-3") == FS_ERR_CONFIG && strstr(fs_last_error(), "batch"));
    EXPECT(train_config_set(&c, "nesterov", "maybe") == FS_ERR_CONFIG);
    EXPECT(train_config_set(&c, "epoch", "3") == FS_ERR_CONFIG && strstr(fs_last_error(), "epoch"));
    EXPECT(!strcmp(c.optimizer, "sgd") && c.beta1 == 0.9 && c.beta2 == 0.999 && c.eps == 1e-8);
    EXPECT(train_config_set(&c, "optimizer", "adam") == FS_ERR_CONFIG &&
           strstr(fs_last_error(), "adam") && strstr(fs_last_error(), "sgd or adamw"));
    char line[512];
    train_config_format(&c, line, sizeof line);
    EXPECT(!strstr(line, "optimizer")); /* SGD's line as before */
    EXPECT(train_config_set(&c, "optimizer", "adamw") == FS_OK && train_config_set(&c, "beta2", "0.98") == FS_OK);
    train_config_format(&c, line, sizeof line);
    EXPECT_MSG(strstr(line, " optimizer=adamw beta1=0.9 beta2=0.98 eps=1e-08"), "%s", line);
    Dataset d;
    EXPECT(toy_dataset_make("toy:1", &d) == FS_ERR_CONFIG);
    EXPECT(toy_dataset_make("toy:3:size=x", &d) == FS_ERR_CONFIG && strstr(fs_last_error(), "size"));
    EXPECT(toy_dataset_make("toy:3:bogus=1", &d) == FS_ERR_CONFIG && strstr(fs_last_error(), "bogus"));
}

static Model *small_cnn(uint64_t seed, int k)
{
    ModelOptions o;
    model_options_default(&o);
    o.width = 0.5;
    Model *m = NULL;
    EXPECT(model_create("cnn", &o, 3, 16, 16, k, seed, &m) == FS_OK);
    return m;
}

static void test_learns_toy(void)
{
    Dataset tr, te;
    EXPECT(toy_dataset_make("toy:6:n=600", &tr) == FS_OK);
    EXPECT(toy_dataset_make("toy:6:n=300:seed=2", &te) == FS_OK);
    Model *m = small_cnn(3, 6);
    TrainConfig c;
    train_config_default(&c);
    c.epochs = 6;
    c.batch = 32;
    c.lr = 0.05;
    TrainStats s;
    EXPECT(train_run(&c, &tr, NULL, m, &s) == FS_OK);
    EXPECT(s.epochs_done == 6 && s.steps == 6 * 17 && s.images_per_s > 0);
    double acc = 0;
    int conf[36];
    EXPECT(eval_run(m, &te, 64, NULL, conf, &acc) == FS_OK);
    int total = 0;
    for (int i = 0; i < 36; i++) total += conf[i];
    EXPECT_EQ_INT(total, 300);
    EXPECT_MSG(acc > 0.9, "held-out accuracy %.3f (train %.3f, val %.3f)", acc, s.train_acc, s.val_acc);
    EXPECT(s.val_acc > 0.9);
    model_free(m);
    /* cosine_step: one cosine over every step of the run (the last at lr_cosine(S-1, S));
     * per-epoch cosine ends at lr_cosine(E-1, E) */
    c.epochs = 2;
    c.val_frac = 0;
    EXPECT(train_config_set(&c, "schedule", "cosine_step") == FS_OK);
    m = small_cnn(3, 6);
    EXPECT(train_run(&c, &tr, NULL, m, &s) == FS_OK);
    EXPECT(s.steps == 2 * 19);
    EXPECT_NEAR(s.lr, lr_cosine(0.05, 2 * 19 - 1, 2 * 19), 1e-15);
    EXPECT(s.lr < 0.001);
    model_free(m);
    fs_snprintf(c.schedule, sizeof c.schedule, "cosine");
    m = small_cnn(3, 6);
    EXPECT(train_run(&c, &tr, NULL, m, &s) == FS_OK);
    EXPECT_NEAR(s.lr, lr_cosine(0.05, 1, 2), 1e-15);
    model_free(m);
    /* AdamW learns it too (lr 3e-3, decoupled weight decay 0.05) */
    train_config_default(&c);
    c.epochs = 6;
    c.batch = 32;
    c.lr = 3e-3;
    c.weight_decay = 0.05;
    EXPECT(train_config_set(&c, "optimizer", "adamw") == FS_OK);
    m = small_cnn(3, 6);
    EXPECT(train_run(&c, &tr, NULL, m, &s) == FS_OK);
    EXPECT(eval_run(m, &te, 64, NULL, conf, &acc) == FS_OK);
    EXPECT_MSG(acc > 0.9, "AdamW: held-out accuracy %.3f (train %.3f, val %.3f)", acc, s.train_acc,
               s.val_acc);
    model_free(m);
    dataset_free(&tr);
    dataset_free(&te);
}

typedef struct {
    int pix, norm, steps, epochs;
} HookCount;
static void h_pix(void *u, float *x, const int32_t *y, int n, int c, int h, int w, Rng *r)
{
    FS_UNUSED(y);
    ((HookCount *)u)->pix++;
    for (size_t i = 0; i < (size_t)n * c * h * w; i++) x[i] = fminf(1.0f, x[i] + 0.01f * (float)rng_uniform(r));
}
static void h_norm(void *u, float *x, const int32_t *y, int n, int c, int h, int w, Rng *r)
{
    FS_UNUSED(x); FS_UNUSED(y); FS_UNUSED(n); FS_UNUSED(c); FS_UNUSED(h); FS_UNUSED(w); FS_UNUSED(r);
    ((HookCount *)u)->norm++;
}
static int h_step(void *u, Model *m, long step, int epoch)
{
    FS_UNUSED(m); FS_UNUSED(epoch);
    ((HookCount *)u)->steps++;
    return step >= 7;
}
static void h_epoch(void *u, Model *m, int e, double a, double b, double c, double d)
{
    FS_UNUSED(m); FS_UNUSED(e); FS_UNUSED(a); FS_UNUSED(b); FS_UNUSED(c); FS_UNUSED(d);
    ((HookCount *)u)->epochs++;
}

/* Two runs with the same seed (with augmentation and dropout) are bitwise identical. */
static void test_deterministic(void)
{
    Dataset tr;
    EXPECT(toy_dataset_make("toy:3:n=200", &tr) == FS_OK);
    float *p[3];
    int64_t nbt[3];
    for (int run = 0; run < 3; run++) {
        ModelOptions o;
        model_options_default(&o);
        o.width = 1.0 / 16;
        Model *m = NULL;
        EXPECT(model_create("alexnet", &o, 3, 16, 16, 3, 1, &m) == FS_OK);
        TrainConfig c;
        train_config_default(&c);
        c.epochs = 2;
        c.batch = 16;
        c.seed = run == 2 ? 2 : 1;
        HookCount hc = {0};
        TrainHooks hk = {&hc, h_pix, h_norm, NULL, h_epoch};
        TrainStats s;
        EXPECT(train_run(&c, &tr, &hk, m, &s) == FS_OK);
        EXPECT(hc.pix == s.steps && hc.norm == s.steps && hc.epochs == 2);
        p[run] = xmalloc(m->n_params * 4);
        memcpy(p[run], m->params, m->n_params * 4);
        nbt[run] = m->counters[0];
        if (run == 0) EXPECT(nbt[0] == s.steps);
        if (run == 2) {
            EXPECT(memcmp(p[0], p[1], m->n_params * 4) == 0);
            EXPECT(memcmp(p[0], p[2], m->n_params * 4) != 0);
        }
        model_free(m);
    }
    EXPECT(nbt[0] == nbt[1]);
    for (int i = 0; i < 3; i++) free(p[i]);
    dataset_free(&tr);
}

static void test_hooks_stop_and_diverge(void)
{
    Dataset tr;
    EXPECT(toy_dataset_make("toy:3:n=300", &tr) == FS_OK);
    Model *m = small_cnn(1, 3);
    TrainConfig c;
    train_config_default(&c);
    c.epochs = 5;
    c.batch = 16;
    HookCount hc = {0};
    TrainHooks hk = {&hc, NULL, NULL, h_step, NULL};
    TrainStats s;
    EXPECT(train_run(&c, &tr, &hk, m, &s) == FS_OK);
    EXPECT(s.steps == 7 && hc.steps == 7 && s.epochs_done == 1);
    c.max_steps = 3;
    EXPECT(train_run(&c, &tr, NULL, m, &s) == FS_OK && s.steps == 3);
    c.max_steps = 0;
    c.lr = 1e30;
    EXPECT(train_run(&c, &tr, NULL, m, &s) == FS_ERR_DIVERGED);
    EXPECT(strstr(fs_last_error(), "loss"));
    model_free(m);
    /* a model for other shapes is refused */
    m = small_cnn(1, 4);
    c.lr = 0.01;
    EXPECT(train_run(&c, &tr, NULL, m, &s) == FS_ERR_CONFIG && strstr(fs_last_error(), "classes"));
    model_free(m);
    dataset_free(&tr);
}

static void test_model_file(void)
{
    char path[64];
    fs_snprintf(path, sizeof path, "/tmp/fsweep_test_model_%d.h5", (int)getpid());
    Dataset tr;
    EXPECT(toy_dataset_make("toy:3:n=100", &tr) == FS_OK);
    ModelOptions o;
    model_options_default(&o);
    o.width = 1.0 / 16;
    const char *archs[] = {"resnet18", "vit"};
    for (int a = 0; a < 2; a++) {
        o.vit_depth = 1;
        o.vit_dim = 8;
        o.vit_heads = 2;
        Model *m = NULL, *l = NULL;
        EXPECT(model_create(archs[a], &o, 3, 16, 16, 3, 4, &m) == FS_OK);
        if (!m) continue;
        TrainConfig c;
        train_config_default(&c);
        c.epochs = 1;
        c.batch = 16;
        TrainStats s;
        EXPECT(train_run(&c, &tr, NULL, m, &s) == FS_OK);
        EXPECT(model_file_write(m, path, tr.mean, tr.std) == FS_OK);
        int64_t dims[2] = {2, 2};
        double curve[4] = {1, 2, 3, 4};
        EXPECT(model_file_add_curve(path, "lc", 2, dims, curve) == FS_OK);
        float mean[3], std[3];
        EXPECT_MSG(model_file_read(path, &l, mean, std) == FS_OK, "%s", fs_last_error());
        if (l) {
            EXPECT(!strcmp(model_arch(l), archs[a]) && model_num_params(l) == model_num_params(m));
            EXPECT(memcmp(l->params, m->params, m->n_params * 4) == 0);
            EXPECT(memcmp(l->buffers, m->buffers, m->n_buffers * 4) == 0);
            EXPECT(m->n_counters == 0 || memcmp(l->counters, m->counters, (size_t)m->n_counters * 8) == 0);
            EXPECT(mean[1] == tr.mean[1] && std[2] == tr.std[2]);
            double a1 = 0, a2 = 0;
            float *z1 = xmalloc(100 * 3 * 4), *z2 = xmalloc(100 * 3 * 4);
            EXPECT(eval_run(m, &tr, 32, z1, NULL, &a1) == FS_OK);
            EXPECT(eval_run(l, &tr, 32, z2, NULL, &a2) == FS_OK);
            EXPECT(a1 == a2 && memcmp(z1, z2, 100 * 3 * 4) == 0);
            free(z1);
            free(z2);
        }
        model_free(l);
        model_free(m);
    }
    /* a foreign format version is refused with a hint; a missing tensor is named */
    H5File *f = h5f_open(path, 1);
    EXPECT(f && h5f_attr_set_i64(f, "/", "format_version", 99) == FS_OK);
    h5f_close(f);
    Model *l = NULL;
    EXPECT(model_file_read(path, &l, NULL, NULL) == FS_ERR_FORMAT && !l && strstr(fs_last_error(), "version 99"));
    f = h5f_open(path, 1);
    EXPECT(f && h5f_attr_set_i64(f, "/", "format_version", 1) == FS_OK &&
           h5f_delete(f, "/state_dict/heads.head.bias") == FS_OK);
    h5f_close(f);
    EXPECT(model_file_read(path, &l, NULL, NULL) == FS_ERR_FORMAT && strstr(fs_last_error(), "heads.head.bias"));
    EXPECT(model_file_read("/nonexistent/x.h5", &l, NULL, NULL) != FS_OK && !l);
    unlink(path);
    dataset_free(&tr);
}

TEST_MAIN({"sgd_step", test_sgd_step}, {"adamw_step", test_adamw_step}, {"schedules", test_schedules}, {"config", test_config},
          {"learns_toy", test_learns_toy}, {"deterministic", test_deterministic},
          {"hooks_stop_and_diverge", test_hooks_stop_and_diverge}, {"model_file", test_model_file})
