/* task_real.c: the real runner (cfg runner = real), behind the TaskRunner seam. It fills the same
 * blobs as task_run_fake (names, dims, places; see task.c), so the store layout, resume and the
 * Python readers do not change.
 *
 * Implemented with the engine (model.h, train.h) and the data module (data.h, toy_data.h):
 *   TRAIN: model_create + train_run; weights = params then BN buffers (float32); train_loss per
 *          epoch; class_acc_curve per epoch from eval_run on the test set (learning order).
 *   EVAL:  the weights from the store back into a fresh model; eval_run; test_acc, class_acc.
 * Not yet plugged in (their modules are not on main when this was written): ADCS, DFM, SHORTCUT,
 * HFSS, OOD, HEATMAP, augmentations other than none/flip, training/test bands other than "all".
 * Those tasks fail with FS_ERR_CONFIG naming what is missing, never with invented numbers.
 *
 * Datasets: Syn_B1..4 -> syn:bN:{train,test}; fashion_mnist -> fashion-mnist:{train,test};
 * fashion_mnist32 adds pad32=1; cifar10 reads $FSWEEP_CIFAR10_DIR; tiny -> a toy set (3 classes,
 * 1 x 8 x 8). [train] n_train / n_test take stratified subsets. Architectures: "NAME" or
 * "NAME:WIDTH" (width multiplier), NAME from model_arch_names(). Seeds: the model's init and
 * the training order derive from (sweep seed, seed value, model key), so every task of one
 * model agrees and no rank or order matters. Loaded datasets are cached per worker (TaskEnv.user
 * would be the place for a longer-lived cache; here a small static-free cache in the Real state
 * is rebuilt per task: sets are cheap next to training). Not thread-safe. */
#include "task.h"

#include "data.h"
#include "model.h"
#include "model_impl.h" /* BN running statistics travel with the weights */
#include "rng.h"
#include "toy_data.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static FsStatus load_split(const SweepConfig *cfg, const char *name, int test, Dataset *d)
{
    char spec[512], opt[64] = "";
    int n = test ? cfg->n_test : cfg->n_train;
    if (n > 0) fs_snprintf(opt, sizeof opt, "n=%d", n);
    const char *split = test ? "test" : "train";
    if (!strncmp(name, "Syn_B", 5) && name[5] >= '1' && name[5] <= '4' && !name[6]) {
        fs_snprintf(spec, sizeof spec, "syn:b%c:%s%s%s", name[5], split, *opt ? "?" : "", opt);
    } else if (!strcmp(name, "fashion_mnist") || !strcmp(name, "fashion_mnist32")) {
        int pad = !strcmp(name, "fashion_mnist32");
        fs_snprintf(spec, sizeof spec, "fashion-mnist:%s%s%s%s%s", split,
                    (*opt || pad) ? "?" : "", opt, (*opt && pad) ? "&" : "", pad ? "pad32=1" : "");
    } else if (!strcmp(name, "cifar10")) {
        const char *dir = getenv("FSWEEP_CIFAR10_DIR");
        if (!dir) return fs_errorf(FS_ERR_CONFIG, "dataset cifar10: set FSWEEP_CIFAR10_DIR to the "
                                   "directory of data_batch_1.bin ... test_batch.bin");
        fs_snprintf(spec, sizeof spec, "cifar10:%s:%s%s%s", dir, split, *opt ? "?" : "", opt);
    } else if (!strcmp(name, "tiny")) {
        /* toy gratings: 3 classes, 1 x 8 x 8; test set from another seed */
        fs_snprintf(spec, sizeof spec, "toy:3:n=%d:size=8:c=1:seed=%d", n > 0 ? n : 96,
                    test ? 2 : 1);
        return toy_dataset_make(spec, d);
    } else {
        return fs_errorf(FS_ERR_CONFIG, "runner real: no loader for dataset '%s'", name);
    }
    return dataset_load(spec, d);
}

/* "resnet18:0.25" -> name "resnet18", width 0.25 */
static FsStatus arch_parse(const char *v, char *name, size_t n, ModelOptions *opt)
{
    model_options_default(opt);
    const char *colon = strchr(v, ':');
    fs_snprintf(name, n, "%.*s", colon ? (int)(colon - v) : (int)strlen(v), v);
    if (colon) return model_options_set(opt, "width", colon + 1);
    return FS_OK;
}

static uint64_t model_seed_of(const SweepConfig *cfg, const TaskSpec *s)
{
    /* the TRAIN task's key identifies the model; every task of the model derives the same */
    char key[200];
    fs_snprintf(key, sizeof key, "model/%s/%s/%s/%s/%s", cfg->axes[AX_DATASET].v[s->dataset],
                cfg->axes[AX_ARCH].v[s->arch], cfg->axes[AX_AUG].v[s->aug],
                cfg->axes[AX_BAND].v[s->band], cfg->axes[AX_SEED].v[s->seed]);
    uint64_t w[3] = {cfg->seed, (uint64_t)sweep_seed_value(cfg, s->seed), fs_hash64(key, strlen(key))};
    Rng r;
    rng_seed_words(&r, w, 3);
    return rng_next(&r) >> 1;
}

typedef struct {
    const SweepConfig *cfg;
    const TaskEnv *env;
    const Dataset *test;
    int flip;
    int64_t E, K;
    double *loss, *curve; /* (E), (E, K) */
    int *conf;
    FsStatus st;
} TrainCtx;

static void aug_flip(void *user, float *x, const int32_t *y, int n, int c, int h, int w, Rng *rng)
{
    FS_UNUSED(user);
    FS_UNUSED(y);
    for (int i = 0; i < n; i++) {
        if (rng_uniform(rng) >= 0.5) continue;
        for (int ch = 0; ch < c; ch++)
            for (int r = 0; r < h; r++) {
                float *row = x + (((size_t)i * c + ch) * h + r) * w;
                for (int a = 0, b = w - 1; a < b; a++, b--) {
                    float t = row[a];
                    row[a] = row[b];
                    row[b] = t;
                }
            }
    }
}

static void per_class_acc(const int *conf, int64_t K, double *out)
{
    for (int64_t c = 0; c < K; c++) {
        long tot = 0;
        for (int64_t j = 0; j < K; j++) tot += conf[c * K + j];
        out[c] = tot ? (double)conf[c * K + c] / (double)tot : (double)NAN;
    }
}

static void on_epoch(void *user, Model *m, int epoch, double train_loss, double train_acc,
                     double val_loss, double val_acc)
{
    FS_UNUSED(train_acc);
    FS_UNUSED(val_loss);
    FS_UNUSED(val_acc);
    TrainCtx *t = user;
    if (epoch < 0 || epoch >= t->E) return;
    t->loss[epoch] = train_loss;
    if (t->curve && t->st == FS_OK) {
        double acc;
        FsStatus s = eval_run(m, t->test, t->cfg->batch, NULL, t->conf, &acc);
        if (s != FS_OK) t->st = s;
        else per_class_acc(t->conf, t->K, t->curve + (int64_t)epoch * t->K);
    }
}

static int on_step(void *user, Model *m, long step, int epoch)
{
    FS_UNUSED(m);
    FS_UNUSED(step);
    FS_UNUSED(epoch);
    const TrainCtx *t = user;
    return task_check(t->env) != FS_OK; /* drain or time limit: stop training */
}

static FsStatus make_model(const SweepConfig *cfg, const TaskSpec *s, const Dataset *d, Model **m)
{
    char name[64];
    ModelOptions opt;
    FsStatus st = arch_parse(cfg->axes[AX_ARCH].v[s->arch], name, sizeof name, &opt);
    if (st != FS_OK) return st;
    return model_create(name, &opt, d->c, d->h, d->w, d->k, model_seed_of(cfg, s), m);
}

static FsStatus run_train(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                          TaskResult *out)
{
    const char *dsname = cfg->axes[AX_DATASET].v[s->dataset];
    Dataset tr = {0}, te = {0};
    Model *m = NULL;
    FsStatus st = load_split(cfg, dsname, 0, &tr);
    if (st == FS_OK) st = load_split(cfg, dsname, 1, &te);
    if (st == FS_OK) st = make_model(cfg, s, &tr, &m);
    if (st != FS_OK) goto out;
    TrainConfig tc;
    train_config_default(&tc);
    tc.epochs = cfg->epochs;
    tc.batch = cfg->batch;
    tc.lr = cfg->lr;
    tc.weight_decay = cfg->weight_decay;
    tc.seed = model_seed_of(cfg, s);
    if (!strcmp(cfg->optimizer, "adamw")) {
        st = fs_errorf(FS_ERR_CONFIG, "%s: optimizer adamw is not in the engine's train_run yet",
                       s->key);
        goto out;
    }
    const int64_t E = cfg->epochs, K = tr.k;
    const char *de[] = {"epoch"};
    /* keep data pointers, not TaskBlob pointers: the next add may move the blob array */
    double *loss = task_result_add(out, "train_loss", BLOB_RESULTS, AX_MODEL_MASK, 0, 1, de, &E)->data;
    double *curve = NULL;
    if (cfg->learning_order) {
        const char *dc[] = {"epoch", "class"};
        int64_t sz[] = {E, K};
        curve = task_result_add(out, "class_acc_curve", BLOB_RESULTS, AX_MODEL_MASK, 0, 2, dc,
                                sz)->data;
    }
    TrainCtx ctx = {cfg, env, &te, 0, E, K, loss, curve,
                    xcalloc((size_t)(K * K), sizeof(int)), FS_OK};
    TrainHooks hooks;
    memset(&hooks, 0, sizeof hooks);
    hooks.user = &ctx;
    hooks.on_epoch = on_epoch;
    hooks.on_step = on_step;
    if (!strcmp(cfg->axes[AX_AUG].v[s->aug], "flip")) hooks.augment_pixels = aug_flip;
    TrainStats ts;
    st = train_run(&tc, &tr, &hooks, m, &ts);
    free(ctx.conf);
    if (st == FS_OK && ctx.st != FS_OK) st = ctx.st;
    if (st == FS_OK) st = task_check(env);
    if (st != FS_OK) goto out;
    int64_t P = (int64_t)(m->n_params + m->n_buffers);
    const char *dp[] = {"param"};
    TaskBlob *wb = task_result_add(out, "weights", BLOB_MODEL,
                                   (1u << AX_AUG) | (1u << AX_BAND) | (1u << AX_SEED), 1, 1, dp, &P);
    for (size_t i = 0; i < m->n_params; i++) wb->data[i] = m->params[i];
    for (size_t i = 0; i < m->n_buffers; i++) wb->data[m->n_params + i] = m->buffers[i];
out:
    model_free(m);
    dataset_free(&tr);
    dataset_free(&te);
    return st;
}

static FsStatus run_eval(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                         TaskResult *out)
{
    const char *dsname = cfg->axes[AX_DATASET].v[s->dataset];
    const TaskBlob *w = task_input(env, "weights");
    if (!w) return fs_errorf(FS_ERR_INTERNAL, "%s: no weights", s->key);
    for (int i = 0; i < cfg->axes[AX_TEST_BAND].n; i++)
        if (strcmp(cfg->axes[AX_TEST_BAND].v[i], "all"))
            return fs_errorf(FS_ERR_CONFIG, "%s: test band '%s' needs the band filters, not "
                             "plugged into runner real yet (use test_bands = all)", s->key,
                             cfg->axes[AX_TEST_BAND].v[i]);
    Dataset te = {0};
    Model *m = NULL;
    FsStatus st = load_split(cfg, dsname, 1, &te);
    if (st == FS_OK) st = make_model(cfg, s, &te, &m);
    if (st != FS_OK) goto out;
    if ((size_t)task_blob_len(w) != m->n_params + m->n_buffers) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: stored weights have %lld values, the model %zu",
                       s->key, (long long)task_blob_len(w), m->n_params + m->n_buffers);
        goto out;
    }
    for (size_t i = 0; i < m->n_params; i++) m->params[i] = (float)w->data[i];
    for (size_t i = 0; i < m->n_buffers; i++) m->buffers[i] = (float)w->data[m->n_params + i];
    const int64_t K = te.k, TB = cfg->axes[AX_TEST_BAND].n;
    int *conf = xcalloc((size_t)(K * K), sizeof(int));
    double acc = 0;
    st = eval_run(m, &te, cfg->batch, NULL, conf, &acc);
    if (st == FS_OK) {
        const char *d1[] = {"test_band"};
        double *a = task_result_add(out, "test_acc", BLOB_RESULTS, AX_MODEL_MASK, 0, 1, d1, &TB)->data;
        const char *d2[] = {"test_band", "class"};
        int64_t s2[] = {TB, K};
        double *c = task_result_add(out, "class_acc", BLOB_RESULTS, AX_MODEL_MASK, 0, 2, d2, s2)->data;
        for (int64_t b = 0; b < TB; b++) {
            a[b] = acc;
            per_class_acc(conf, K, c + b * K);
        }
    }
    free(conf);
out:
    model_free(m);
    dataset_free(&te);
    return st;
}

FsStatus task_run_real(const TaskSpec *spec, const TaskEnv *env, TaskResult *out)
{
    const SweepConfig *cfg = env->cfg;
    if (spec->kind == TASK_TRAIN || spec->kind == TASK_EVAL) {
        const char *aug = cfg->axes[AX_AUG].v[spec->aug];
        if (strcmp(aug, "none") && strcmp(aug, "flip"))
            return fs_errorf(FS_ERR_CONFIG, "%s: augmentation '%s' is not plugged into runner "
                             "real yet (none, flip)", spec->key, aug);
        if (strcmp(cfg->axes[AX_BAND].v[spec->band], "all"))
            return fs_errorf(FS_ERR_CONFIG, "%s: training band '%s' is not plugged into runner "
                             "real yet (all)", spec->key, cfg->axes[AX_BAND].v[spec->band]);
    }
    switch (spec->kind) {
    case TASK_TRAIN:
        return run_train(cfg, spec, env, out);
    case TASK_EVAL:
        return run_eval(cfg, spec, env, out);
    default:
        return fs_errorf(FS_ERR_CONFIG, "%s: analysis '%s' is not plugged into runner real yet "
                         "(its module is not merged); disable it in [analyses] or use runner = "
                         "fake", spec->key, task_kind_name(spec->kind));
    }
}
