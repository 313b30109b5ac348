/* runner_real.c: the real runner (cfg runner = real), behind the TaskRunner seam. It fills the same
 * blobs as runner_run_fake (names, dims, places), so the store layout, resume and the
 * Python readers do not change. Every kind calls the project's modules:
 *   TRAIN    model_create + train_run (engine), augment_create (data) for the aug and band axes;
 *            weights = params then BN buffers (float32); train_loss per epoch; class_acc_curve per
 *            epoch from eval_run on the test set (learning order); model_seed. A dfmx aug: the
 *            source's maps (input dfm_score, thresholded as SHORTCUT does, or dfm_greedy) into the
 *            dfmx step (augment_set_dfms), recorded as dfmx_maps; as `fsweep train --dfmx`.
 *   DFM_GREEDY dfm_greedy_run on the test set (t_tol = dfm_greedy_tol): dfm_greedy.
 *   EVAL     weights back into a fresh model; eval_run on the test set and on each test band
 *            (ood_make spectral copies); test_acc, class_acc.
 *   ADCS     adcs_compute/adcs_finish on the test set (paper variant); class spectra averaged
 *            over channels.
 *   DFM      dfm_score_range over the part's patch rows; dfm_score (class, pa, pb). A per-class
 *            task (spec->cls = c) scores only the class-c test images (a subset in test-set
 *            order, so masks pack max_batch / n_c per forward pass: the model's DFM tasks
 *            together make the same forward passes as one all-class pass) and writes row c.
 *   SHORTCUT dfm_assemble + dfm_threshold per T; shortcut_eval + controls_eval -> the arrays of
 *            runner_shortcut.h (rates kept / removed / original, controls, injection, Wilson
 *            intervals, both verdicts); control seed = the model's seed. A per-class task
 *            evaluates DFM_c alone (shortcut_eval_classes, the controls of class c) and keeps
 *            the class-c slices (runner_keep_class); its numbers equal the all-class task's
 *            bitwise, since the classifier's logits of an image do not depend on its batch.
 *            shortcut_ood: the maps at the first T also on each OOD set's copy of the measuring
 *            images (ood_set_make; ood_* arrays, runner_shortcut.h).
 *   XFER     shortcut_xfer: another arch's DFMs (its scores, thresholded at the first T) measured
 *            on this model, as SHORTCUT does (shortcut_fill), into row src_arch of xfer_*.
 *   HFSS     hfss_run (spread NULL: this worker alone) on a class-stratified training subset
 *            the size of the test set.
 *   OOD      ood_make (fgsm_make for fgsm:EPS) + eval_run per OOD set; HEATMAP heatmap_fourier (eps 4, or 15.7 above 64 px).
 * Axis values: aug = an augment.h pipeline with '+' for ',' (none, flip, paper, cifar, augmix,
 * pad:4+crop+flip, ...); band = "all" or a normalised-space filter step (lowpass:r=8,
 * bandstop:r1=4:r2=8, ...) applied to every training image; test_band = "all" or an ood.h name
 * with '+' for ',' (bandstop:1+2, bandpass:3); ood = ood.h names (gaussian_noise:3) or
 * fgsm:EPS (fgsm.h: against the task's model).
 * Datasets: Syn_B1..4 -> syn:bN:{train,test}; fashion_mnist -> fashion-mnist:{train,test};
 * fashion_mnist32 adds pad32=1; cifar10 reads $FSWEEP_CIFAR10_DIR; imagenet10 reads
 * $FSWEEP_IMAGENET10_DIR/{train,val} (ImageFolder, PAPER.md 4 order), imagenet10_sin trains on
 * $FSWEEP_SIN_DIR/train instead; ood in_sct reads $FSWEEP_INSCT_DIR (ImageNet-SCT); tiny -> a toy set (3 classes,
 * 1 x 8 x 8). [train] n_train / n_test take stratified subsets. Architectures: "NAME" or
 * "NAME:WIDTH" (width multiplier), NAME from model_arch_names(). The model's init and training
 * order derive from (sweep seed, seed value, model key), so every task of one model agrees and
 * no rank or order matters. Datasets are loaded per task (cheap next to training).
 * No par.h collectives here: workers run tasks independently (hfss_run without a spread,
 * dfm_score_range).
 * Not thread-safe (FFTW planning). */
#include "runner.h"

#include "adcs.h"
#include "augment.h"
#include "controls.h"
#include "curves_hook.h"
#include "data.h"
#include "dfm.h"
#include "dfm_greedy.h"
#include "heatmap.h"
#include "hfss.h"
#include "model.h"
#include "fgsm.h"
#include "ood.h"
#include "rng.h"
#include "runner_coords.h"
#include "runner_shortcut.h"
#include "shortcut.h"
#include "toy_data.h"
#include "train.h"
#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static FsStatus load_split(const SweepConfig *cfg, int64_t ds, int test, Dataset *d)
{
    char spec[512], opt[64] = "";
    const char *name = cfg->axes[AX_DATASET].v[ds];
    int n = test ? cfg->n_test : cfg->n_train_ds[ds]; /* n_train, or its n_train_for entry */
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
    } else if (!strcmp(name, "imagenet10") || !strcmp(name, "imagenet10_sin")) {
        /* ImageFolder DIR/train, DIR/val (one folder per WordNet id), in PAPER.md 4's label
         * order (not byte order), resized to 224 x 224 with the paper's constants;
         * imagenet10_sin trains on $FSWEEP_SIN_DIR/train (Stylized ImageNet-10, the same ids)
         * and tests on ImageNet-10's normal val images (PAPER.md: SIN) */
        const char *var = name[10] && !test ? "FSWEEP_SIN_DIR" : "FSWEEP_IMAGENET10_DIR";
        const char *dir = getenv(var);
        if (!dir) return fs_errorf(FS_ERR_CONFIG, "dataset %s: set %s to the directory of %s, one "
                                   "folder per WordNet id (n02690373 ... n04467665, PAPER.md 4)",
                                   name, var, name[10] && !test ? "train/" : "train/ and val/");
        fs_snprintf(spec, sizeof spec, "folder:%s/%s?size=224&norm=imagenet10&classes=n02690373+"
                    "n02814533+n01833805+n02123597+n02403003+n02099601+n01644900+n02391049+"
                    "n03095699+n04467665%s%s", dir, test ? "val" : "train", *opt ? "&" : "", opt);
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

/* ood in_sct: ImageNet-SCT (PAPER.md 8), $FSWEEP_INSCT_DIR/CLASS/IMAGE, every image, 224 x 224 with
 * ImageNet-10's constants. Its classes pair with ImageNet-10's by label position (military
 * aircraft = airliner, car = wagon, ...): the class folders in byte order, or in the order
 * $FSWEEP_INSCT_CLASSES gives ("+"-separated folder names), must follow PAPER.md 4's order. */
static FsStatus load_in_sct(Dataset *d)
{
    const char *dir = getenv("FSWEEP_INSCT_DIR"), *cls = getenv("FSWEEP_INSCT_CLASSES");
    if (!dir) return fs_errorf(FS_ERR_CONFIG, "ood in_sct: set FSWEEP_INSCT_DIR to the ImageNet-SCT "
                               "folder (one folder per class)");
    char spec[1024];
    fs_snprintf(spec, sizeof spec, "folder:%s?size=224&norm=imagenet10%s%s", dir,
                cls ? "&classes=" : "", cls ? cls : "");
    FsStatus st = dataset_load(spec, d);
    if (st == FS_OK && d->k != 10) {
        dataset_free(d);
        return fs_errorf(FS_ERR_FORMAT, "ood in_sct: %s holds %d classes, expected the 10 of "
                         "ImageNet-SCT", dir, d->k);
    }
    return st;
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
    Augmenter *aug;
    int64_t E, K;
    double *loss, *curve; /* (E), (E, K) */
    int *conf;
    FsStatus st;
    CurvesHook *ch; /* step-resolved learning order on every test band, or NULL */
} TrainCtx;

/* '+' stands for ',' inside axis values (',' separates them). */
static void plus_to_comma(const char *v, char *out, size_t n)
{
    fs_snprintf(out, n, "%s", v);
    for (char *p = out; *p; p++)
        if (*p == '+') *p = ',';
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
    if (t->ch) curves_hook_on_epoch(t->ch, m, epoch, train_loss, train_acc, val_loss, val_acc);
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
    const TrainCtx *t = user;
    if (t->ch && curves_hook_on_step(t->ch, m, step, epoch)) return 1; /* evaluation failed */
    return task_check(t->env) != FS_OK; /* drain or time limit: stop training */
}

static void hook_pixels(void *user, float *x, const int32_t *y, int n, int c, int h, int w, Rng *r)
{
    augment_pixels(((TrainCtx *)user)->aug, x, y, n, c, h, w, r);
}

static void hook_normalized(void *user, float *x, const int32_t *y, int n, int c, int h, int w,
                            Rng *r)
{
    augment_normalized(((TrainCtx *)user)->aug, x, y, n, c, h, w, r);
}

static FsStatus make_model(const SweepConfig *cfg, const TaskSpec *s, const Dataset *d, Model **m)
{
    char name[64];
    ModelOptions opt;
    FsStatus st = arch_parse(cfg->axes[AX_ARCH].v[s->arch], name, sizeof name, &opt);
    if (st != FS_OK) return st;
    return model_create(name, &opt, d->c, d->h, d->w, d->k, model_seed_of(cfg, s), m);
}

/* The pipeline of the aug and band axes: "AUG[,BAND]". */
static FsStatus make_augmenter(const SweepConfig *cfg, const TaskSpec *s, const Dataset *d,
                               Augmenter **a)
{
    char aug[256], pipe[600];
    sweep_aug_pipeline(cfg, s->aug, aug, sizeof aug); /* a dfmx value: its dfmx step */
    const char *band = cfg->axes[AX_BAND].v[s->band];
    if (!strcmp(band, "all"))
        fs_snprintf(pipe, sizeof pipe, "%s", aug);
    else
        fs_snprintf(pipe, sizeof pipe, "%s,%s", aug, band);
    FsStatus st = augment_create(pipe, d->c, d->h, d->w, a);
    if (st != FS_OK) {
        char msg[512];
        fs_snprintf(msg, sizeof msg, "%s", fs_last_error());
        return fs_errorf(st, "%s: aug '%s' / band '%s': %s", s->key, cfg->axes[AX_AUG].v[s->aug],
                         band, msg);
    }
    return FS_OK;
}

/* A model for task s with the weights of its TRAIN task (input "weights"). */
static FsStatus load_model(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                           const Dataset *d, Model **out)
{
    const TaskBlob *w = task_input(env, "weights");
    if (!w) return fs_errorf(FS_ERR_INTERNAL, "%s: no weights", s->key);
    Model *m = NULL;
    FsStatus st = make_model(cfg, s, d, &m);
    if (st != FS_OK) return st;
    /* the blob is the flat float state (BN running statistics travel with the weights) */
    const size_t nf = model_state_floats(m);
    if ((size_t)task_blob_len(w) != nf) {
        model_free(m);
        return fs_errorf(FS_ERR_FORMAT, "%s: stored weights have %lld values, the model %zu",
                         s->key, (long long)task_blob_len(w), nf);
    }
    float *v = xmalloc(fs_mul_size(nf, sizeof(float), "weights"));
    for (size_t i = 0; i < nf; i++) v[i] = (float)w->data[i];
    st = model_state_import(m, v, nf, NULL);
    free(v);
    if (st != FS_OK) {
        model_free(m);
        return st;
    }
    *out = m;
    return FS_OK;
}

static void dfm_opts(const SweepConfig *cfg, DfmOptions *o)
{
    dfm_options_default(o);
    o->patch = cfg->dfm_patch;
}

/* The assembled (not thresholded) maps (K, H, W) of a model's dfm_score input (class, pa, pb);
 * maps xmalloc'd. What SHORTCUT thresholds, and a removal dfmx model's source. */
static FsStatus assemble_scores(const SweepConfig *cfg, const TaskSpec *s, const TaskBlob *sc,
                                int64_t K, int64_t H, int64_t W, double **maps)
{
    const int64_t nm = dfm_num_masks((int)H, (int)W, cfg->dfm_patch);
    if (!sc || sc->n_extra != 3 || sc->size[0] != K || sc->size[1] * sc->size[2] != nm)
        return fs_errorf(FS_ERR_FORMAT, "%s: dfm_score input does not match the dataset", s->key);
    double *scores = xmalloc((size_t)(nm * K) * sizeof(double));
    for (int64_t k = 0; k < K; k++)
        for (int64_t i = 0; i < nm; i++) scores[i * K + k] = sc->data[k * nm + i];
    *maps = xmalloc((size_t)(K * H * W) * sizeof(double));
    DfmOptions o;
    dfm_opts(cfg, &o);
    dfm_assemble(scores, (int)K, (int)H, (int)W, &o, *maps);
    free(scores);
    return FS_OK;
}

/* Each class's map of maps (K, H, W) thresholded at the top-T fraction into bin (K, H, W), as
 * the SHORTCUT tasks do; the dfmx and XFER tasks use the same rule on a source's scores. */
static void threshold_maps(const double *maps, int64_t K, int64_t H, int64_t W, double T,
                           uint8_t *bin)
{
    for (int64_t k = 0; k < K; k++)
        dfm_threshold(maps + k * H * W, (int)H, (int)W, T, bin + k * H * W);
}

/* A dfmx model (PAPER.md 10): its source model's DFMs into the augmenter's dfmx step, and the
 * maps it trains with into blob dfmx_maps (class, fy, fx) (1 = kept; as given, DC not forced).
 * removal: the source's scores thresholded at the top-T fraction as its SHORTCUT tasks do;
 * greedy: the source's dfm_greedy maps. */
static FsStatus dfmx_setup(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                           const Dataset *tr, Augmenter *aug, TaskResult *out)
{
    const SweepDfmx *x = &cfg->dfmx[s->aug];
    const int64_t K = tr->k, H = tr->h, W = tr->w;
    const char *d[] = {"class", "fy", "fx"};
    int64_t sz[] = {K, H, W};
    double *rec = task_result_add(out, "dfmx_maps", BLOB_RESULTS, AX_MODEL_MASK, 1, 3, d, sz)->data;
    FsStatus st = FS_OK;
    if (x->greedy) {
        const TaskBlob *g = task_input(env, "dfm_greedy");
        if (!g || g->n_extra != 3 || g->size[0] != K || g->size[1] != H || g->size[2] != W)
            return fs_errorf(FS_ERR_FORMAT, "%s: dfm_greedy input does not match the dataset",
                             s->key);
        for (int64_t i = 0; i < K * H * W; i++) rec[i] = g->data[i] != 0;
    } else {
        double *maps = NULL;
        st = assemble_scores(cfg, s, task_input(env, "dfm_score"), K, H, W, &maps);
        if (st != FS_OK) return st;
        uint8_t *bin = xmalloc((size_t)(K * H * W));
        threshold_maps(maps, K, H, W, x->T, bin);
        for (int64_t i = 0; i < K * H * W; i++) rec[i] = bin[i];
        free(bin);
        free(maps);
    }
    if (x->random) { /* the control: per class a random mask with the map's bins per ring */
        uint8_t *map = xmalloc((size_t)(H * W)), *rnd = xmalloc((size_t)(H * W));
        const uint64_t seed = model_seed_of(cfg, s);
        for (int64_t k = 0; k < K; k++) {
            for (int64_t i = 0; i < H * W; i++) map[i] = rec[k * H * W + i] != 0;
            control_random_mask(map, (int)H, (int)W, seed, (int)k, 0, rnd);
            for (int64_t i = 0; i < H * W; i++) rec[k * H * W + i] = rnd[i];
        }
        free(map);
        free(rnd);
    }
    float *f = xmalloc((size_t)(K * H * W) * sizeof *f);
    for (int64_t i = 0; i < K * H * W; i++) f[i] = (float)rec[i];
    st = augment_set_dfms(aug, f, (int)K, -1);
    free(f);
    return st;
}

static FsStatus run_train(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                          TaskResult *out)
{
    Dataset tr = {0}, te = {0};
    Model *m = NULL;
    Augmenter *aug = NULL;
    FsStatus st = load_split(cfg, s->dataset, 0, &tr);
    if (st == FS_OK) st = load_split(cfg, s->dataset, 1, &te);
    if (st == FS_OK) st = make_model(cfg, s, &tr, &m);
    if (st == FS_OK) st = make_augmenter(cfg, s, &tr, &aug);
    if (st == FS_OK && cfg->dfmx[s->aug].on) st = dfmx_setup(cfg, s, env, &tr, aug, out);
    if (st != FS_OK) goto out;
    TrainConfig tc;
    train_config_default(&tc);
    tc.epochs = cfg->epochs;
    tc.batch = cfg->batch;
    tc.lr = cfg->lr;
    tc.weight_decay = cfg->weight_decay;
    fs_snprintf(tc.optimizer, sizeof tc.optimizer, "%s", cfg->optimizer);
    /* plateau reads the loss of a 10 % validation split; cosine and const train on every image */
    fs_snprintf(tc.schedule, sizeof tc.schedule, "%s", cfg->schedule);
    if (strcmp(cfg->schedule, "plateau") != 0) tc.val_frac = 0;
    tc.seed = model_seed_of(cfg, s);
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
    /* Learning order (PAPER.md 5): per-class accuracy, margin AUC and confusion on the test set
     * and on each test band's copy at the checkpoints of lo_dense_every / lo_dense_until /
 * lo_sparse_every (default every 10 steps to 100, then every 100) and at epoch ends. */
    const int64_t TB = cfg->axes[AX_TEST_BAND].n;
    Dataset *bands = cfg->learning_order ? xcalloc((size_t)TB, sizeof *bands) : NULL;
    CurvesSet *sets = cfg->learning_order ? xcalloc((size_t)TB, sizeof *sets) : NULL;
    LearningCurves *lc = NULL;
    CurvesHook ch = {0};
    for (int64_t b = 0; cfg->learning_order && b < TB && st == FS_OK; b++) {
        const char *tb = cfg->axes[AX_TEST_BAND].v[b];
        sets[b].name = tb;
        sets[b].data = &te;
        if (strcmp(tb, "all") != 0) {
            char name[256];
            plus_to_comma(tb, name, sizeof name);
            st = ood_make(&te, name, cfg->seed, &bands[b]);
            sets[b].data = &bands[b];
        }
    }
    if (cfg->learning_order && st == FS_OK) {
        CurvesSchedule sch;
        curves_schedule_default(&sch);
        sch.dense_every = cfg->lo_dense_every;
        sch.dense_until = cfg->lo_dense_until;
        sch.sparse_every = cfg->lo_sparse_every;
        st = curves_hook_start(&ch, sets, (int)TB, (int)K, cfg->batch > 16 ? cfg->batch : 16, &sch,
                               m);
        lc = ch.lc;
        if (st != FS_OK) {
            char why[512]; /* copy: fs_errorf writes the buffer fs_last_error points to */
            fs_snprintf(why, sizeof why, "%.500s", fs_last_error());
            st = fs_errorf(st, "%s: learning curves: %s", s->key, why);
        }
    }
    if (st != FS_OK) goto out_curves;
    TrainCtx ctx = {cfg, env, &te, aug, E, K, loss, curve,
                    xcalloc((size_t)(K * K), sizeof(int)), FS_OK, lc ? &ch : NULL};
    TrainHooks hooks;
    memset(&hooks, 0, sizeof hooks);
    hooks.user = &ctx;
    hooks.on_epoch = on_epoch;
    hooks.on_step = on_step;
    if (augment_has_pixel_steps(aug)) hooks.augment_pixels = hook_pixels;
    if (augment_has_normalized_steps(aug)) hooks.augment_normalized = hook_normalized;
    TrainStats ts;
    st = train_run(&tc, &tr, &hooks, m, &ts);
    free(ctx.conf);
    if (st == FS_OK && ctx.st != FS_OK) st = ctx.st;
    if (st == FS_OK && lc && ch.status != FS_OK) st = ch.status;
    if (st == FS_OK) st = task_check(env);
    if (st == FS_OK && lc) {
        /* (ckpt, test_band, class) and (ckpt, test_band, class, pred); ckpt coordinates = steps */
        const int64_t T = curves_len(lc);
        const char *da[] = {"ckpt", "test_band", "class"};
        const char *dn[] = {"ckpt", "test_band", "class", "pred"};
        const char *ds[] = {"ckpt"};
        int64_t sa[] = {T, TB, K}, sn[] = {T, TB, K, K};
        double *lstep = task_result_add(out, "lo_step", BLOB_RESULTS, AX_MODEL_MASK, 0, 1, ds, &T)->data;
        double *lepoch = task_result_add(out, "lo_epoch", BLOB_RESULTS, AX_MODEL_MASK, 0, 1, ds, &T)->data;
        double *lacc = task_result_add(out, "lo_acc", BLOB_RESULTS, AX_MODEL_MASK, 0, 3, da, sa)->data;
        double *lauc = task_result_add(out, "lo_auc", BLOB_RESULTS, AX_MODEL_MASK, 0, 3, da, sa)->data;
        double *lcm = task_result_add(out, "lo_confusion", BLOB_RESULTS, AX_MODEL_MASK, 0, 4, dn, sn)->data;
        const long *stp = curves_steps(lc);
        const int *ep = curves_epochs(lc);
        const int64_t *cm = curves_confusion(lc);
        for (int64_t t = 0; t < T; t++) {
            lstep[t] = (double)stp[t];
            lepoch[t] = (double)ep[t];
        }
        memcpy(lacc, curves_acc(lc), (size_t)(T * TB * K) * sizeof(double));
        memcpy(lauc, curves_auc(lc), (size_t)(T * TB * K) * sizeof(double));
        for (int64_t i = 0; i < T * TB * K * K; i++) lcm[i] = (double)cm[i];
        for (int i = 0; i < out->n_blobs; i++) /* ckpt coordinate = the step */
            if (out->blobs[i].n_extra && !strcmp(out->blobs[i].dim[0], "ckpt"))
                task_blob_set_coord(&out->blobs[i], 0, lstep, 1);
    }
out_curves:
    curves_destroy(lc);
    for (int64_t b = 0; bands && b < TB; b++) dataset_free(&bands[b]);
    free(bands);
    free(sets);
    if (st != FS_OK) goto out;
    /* the seed of the model's init and batch order (63 bits, as two exact 32-bit halves, high
     * first): `fsweep train --set seed=` with it retrains the model standalone */
    const char *dh[] = {"half"};
    const int64_t two = 2;
    double *sd = task_result_add(out, "model_seed", BLOB_RESULTS, AX_MODEL_MASK, 0, 1, dh, &two)->data;
    sd[0] = (double)(tc.seed >> 32);
    sd[1] = (double)(tc.seed & 0xffffffffu);
    int64_t P = (int64_t)model_state_floats(m);
    const char *dp[] = {"param"};
    TaskBlob *wb = task_result_add(out, "weights", BLOB_MODEL,
                                   (1u << AX_AUG) | (1u << AX_BAND) | (1u << AX_SEED), 1, 1, dp, &P);
    float *v = xmalloc(fs_mul_size((size_t)P, sizeof(float), "weights"));
    model_state_export(m, v, NULL);
    for (int64_t i = 0; i < P; i++) wb->data[i] = v[i];
    free(v);
out:
    augment_free(aug);
    model_free(m);
    dataset_free(&tr);
    dataset_free(&te);
    return st;
}

/* Accuracy and confusion of m on d. */
static FsStatus eval_set(Model *m, const Dataset *d, int batch, int *conf, double *acc)
{
    memset(conf, 0, (size_t)d->k * (size_t)d->k * sizeof(int));
    return eval_run(m, d, batch, NULL, conf, acc);
}

static FsStatus run_eval(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                         TaskResult *out)
{
    Dataset te = {0};
    Model *m = NULL;
    FsStatus st = load_split(cfg, s->dataset, 1, &te);
    if (st == FS_OK) st = load_model(cfg, s, env, &te, &m);
    if (st != FS_OK) goto out;
    const int64_t K = te.k, TB = cfg->axes[AX_TEST_BAND].n;
    const char *d1[] = {"test_band"};
    double *a = task_result_add(out, "test_acc", BLOB_RESULTS, AX_MODEL_MASK, 0, 1, d1, &TB)->data;
    const char *d2[] = {"test_band", "class"};
    int64_t s2[] = {TB, K};
    double *c = task_result_add(out, "class_acc", BLOB_RESULTS, AX_MODEL_MASK, 0, 2, d2, s2)->data;
    /* confusion counts (rows = true class) per test band: the paper's relative confusion change
     * (PAPER.md 3.3) is (confusion[band] - confusion[all]) / N_c * 100 */
    const char *d3[] = {"test_band", "class", "pred"};
    int64_t s3[] = {TB, K, K};
    double *cm = task_result_add(out, "confusion", BLOB_RESULTS, AX_MODEL_MASK, 0, 3, d3, s3)->data;
    int *conf = xcalloc((size_t)(K * K), sizeof(int));
    for (int64_t b = 0; b < TB && st == FS_OK; b++) {
        const char *tb = cfg->axes[AX_TEST_BAND].v[b];
        Dataset f = {0};
        const Dataset *d = &te;
        if (strcmp(tb, "all") != 0) {
            char name[256];
            plus_to_comma(tb, name, sizeof name);
            st = ood_make(&te, name, cfg->seed, &f);
            d = &f;
        }
        if (st == FS_OK) st = eval_set(m, d, cfg->batch, conf, &a[b]);
        if (st == FS_OK) per_class_acc(conf, K, c + b * K);
        if (st == FS_OK)
            for (int64_t i = 0; i < K * K; i++) cm[b * K * K + i] = conf[i];
        dataset_free(&f);
        if (st == FS_OK) st = task_check(env);
    }
    free(conf);
out:
    model_free(m);
    dataset_free(&te);
    return st;
}

static FsStatus run_adcs(const SweepConfig *cfg, const TaskSpec *s, TaskResult *out)
{
    Dataset te = {0};
    FsStatus st = load_split(cfg, s->dataset, 1, &te);
    if (st != FS_OK) return st;
    const int64_t K = te.k, C = te.c, H = te.h, W = te.w;
    double *sum = xcalloc((size_t)(K * C * H * W), sizeof(double));
    double *E = xcalloc((size_t)(K * C * H * W), sizeof(double));
    int64_t *cnt = xcalloc((size_t)K, sizeof(int64_t));
    st = adcs_compute(&te, 0, te.n, sum, cnt);
    if (st == FS_OK) {
        const char *d[] = {"class", "fy", "fx"};
        int64_t sz[] = {K, H, W};
        double *ad = task_result_add(out, "adcs", BLOB_RESULTS, 0, 1, 3, d, sz)->data;
        adcs_finish(sum, cnt, (int)K, (int)C, (int)H, (int)W, ADCS_PAPER, E, ad);
        adcs_warn_absent(cnt, (int)K, te.class_names, te.name); /* absent: skipped, NaN maps */
        double *sp = task_result_add(out, "class_spectrum", BLOB_RESULTS, 0, 1, 3, d, sz)->data;
        for (int64_t k = 0; k < K; k++) /* mean over channels */
            for (int64_t i = 0; i < H * W; i++) {
                double v = 0;
                for (int64_t c = 0; c < C; c++) v += E[(k * C + c) * H * W + i];
                sp[k * H * W + i] = v / (double)C;
            }
    }
    free(sum);
    free(E);
    free(cnt);
    dataset_free(&te);
    return st;
}

/* What every analysis of a trained model starts from: the task's test split, its model and the
 * inference classifier on it (batch-norm folded). half = -1: the whole test split; 0 or 1: the
 * images whose rank among their class's images (in test-set order) is even (0) or odd (1), the
 * ranking and measuring halves of dfm_holdout. analysed_open fills all three or none;
 * analysed_close frees whatever was opened (safe on a zeroed or failed one). */
typedef struct {
    Dataset te;
    Model *m;
    Classifier clf;
    int have_clf;
} Analysed;

static FsStatus analysed_open(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                              int half, Analysed *a)
{
    memset(a, 0, sizeof *a);
    FsStatus st = load_split(cfg, s->dataset, 1, &a->te);
    if (st == FS_OK) st = load_model(cfg, s, env, &a->te, &a->m);
    if (st == FS_OK && half >= 0) {
        Dataset h = {0};
        st = dataset_class_half(&a->te, half, &h);
        if (st == FS_OK) {
            dataset_free(&a->te);
            a->te = h;
        }
    }
    if (st == FS_OK) st = model_classifier(a->m, cfg->batch, &a->clf);
    if (st == FS_OK) a->have_clf = 1;
    return st;
}

static void analysed_close(Analysed *a)
{
    if (a->have_clf) model_classifier_free(&a->clf);
    model_free(a->m);
    dataset_free(&a->te);
    memset(a, 0, sizeof *a);
}

static FsStatus run_dfm(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                        TaskResult *out)
{
    Analysed a; /* dfm_holdout: rank on the even half of each class's test images */
    FsStatus st = analysed_open(cfg, s, env, cfg->dfm_holdout ? 0 : -1, &a);
    if (st == FS_OK) st = dfm_check_geometry(a.te.h, a.te.w, cfg->dfm_patch);
    if (st != FS_OK) goto out;
    const Dataset *te = &a.te;
    const int64_t K = te->k, rows = te->h / cfg->dfm_patch, nb = te->w / (2 * cfg->dfm_patch) + 1;
    const int64_t r0 = rows * s->part / s->n_parts, r1 = rows * (s->part + 1) / s->n_parts;
    DfmOptions o;
    dfm_opts(cfg, &o);
    int first = (int)(r0 * nb), count = (int)((r1 - r0) * nb);
    double *sc = xmalloc((size_t)count * (size_t)K * sizeof(double));
    for (size_t i = 0; i < (size_t)count * (size_t)K; i++) sc[i] = (double)NAN;
    if (s->cls >= 0) { /* the class-c images, in test-set order; none: NaN, as for all classes */
        int *idx = xmalloc(((size_t)te->n + 1) * sizeof *idx), n = 0;
        for (int i = 0; i < te->n; i++)
            if (te->y[i] == s->cls) idx[n++] = i;
        Dataset sub = {0};
        if (n > 0) st = dataset_subset(te, idx, n, &sub);
        if (n > 0 && st == FS_OK) st = dfm_score_range(&a.clf, &sub, &o, first, count, sc);
        dataset_free(&sub);
        free(idx);
    } else {
        st = dfm_score_range(&a.clf, te, &o, first, count, sc);
    }
    if (st == FS_OK) {
        const char *d[] = {"class", "pa", "pb"};
        int64_t sz[] = {K, rows, nb};
        TaskBlob *b = task_result_add(out, "dfm_score", BLOB_RESULTS, AX_MODEL_MASK, 0, 3, d, sz);
        b->start[1] = r0;
        b->count[1] = r1 - r0;
        b->data = xrealloc(b->data, (size_t)task_blob_len(b) * sizeof(double));
        for (int64_t k = 0; k < K; k++) /* (mask, K) -> (K, a, b) */
            for (int64_t i = 0; i < count; i++) b->data[k * count + i] = sc[i * K + k];
        if (s->cls >= 0) runner_keep_class(out, s->cls);
    }
    free(sc);
out:
    analysed_close(&a);
    return st;
}

/* The controls of model s's shortcut measurements (SHORTCUT, HFSS, XFER tasks): the sweep's
 * count and injection, seeded by the model, so every measurement of one model is paired. */
static void shortcut_controls_of(const SweepConfig *cfg, const TaskSpec *s, ControlOptions *co)
{
    control_options_default(co);
    co->n_controls = cfg->shortcut_controls;
    co->inject = cfg->shortcut_inject;
    co->seed = model_seed_of(cfg, s);
}

/* The SHORTCUT arrays (runner_shortcut.h) of threshold t for the binary DFMs bin (K, H, W). */
/* cls >= 0: that class's DFM alone (the other classes' entries stay NaN or unset). org_row:
 * the row of tpr_org/fpr_org (0 where they are (class) arrays; the OOD set's index for ood_*). */
static FsStatus shortcut_fill(const Classifier *clf, const Dataset *te, const uint8_t *bin,
                              const SweepConfig *cfg, const ControlOptions *co, int64_t t,
                              int cls, int64_t org_row, double **v)
{
    ShortcutResult r;
    ControlResult cr;
    const int c0 = cls >= 0 ? cls : 0, c1 = cls >= 0 ? cls + 1 : clf->k;
    FsStatus st = shortcut_eval_classes(clf, te, bin, cfg->tpr_threshold, c0, c1, &r);
    if (st != FS_OK) return st;
    st = controls_eval(clf, te, bin, co, &cr);
    if (st != FS_OK) {
        shortcut_result_free(&r);
        return st;
    }
    const int64_t K = r.k, per = cr.r + 2;
    for (int64_t c = c0; c < c1; c++) {
        const int64_t i = t * K + c, q0 = c * per;
        v[SCB_TPR][i] = r.tpr_dfm[c];
        v[SCB_FPR][i] = r.fpr_dfm[c];
        v[SCB_TPR_CMP][i] = r.tpr_cmp[c];
        v[SCB_FPR_CMP][i] = r.fpr_cmp[c];
        v[SCB_TPR_DISC][i] = cr.tpr[q0 + 1];
        v[SCB_FPR_DISC][i] = cr.fpr[q0 + 1];
        v[SCB_CTL_TPR_MEAN][i] = cr.tpr_ctl_mean[c];
        v[SCB_CTL_TPR_P95][i] = cr.tpr_ctl_p95[c];
        v[SCB_CTL_FPR_MEAN][i] = cr.fpr_ctl_mean[c];
        v[SCB_CTL_FPR_P95][i] = cr.fpr_ctl_p95[c];
        v[SCB_P_TPR][i] = cr.p_tpr[c];
        v[SCB_INJ][i] = cr.inj_rate[q0];
        v[SCB_CTL_INJ_MEAN][i] = cr.inj_ctl_mean[c];
        v[SCB_CTL_INJ_P95][i] = cr.inj_ctl_p95[c];
        v[SCB_P_INJ][i] = cr.p_inj[c];
        v[SCB_SHORTCUT][i] = isnan(r.tpr_dfm[c]) ? (double)NAN : r.shortcut[c];
        v[SCB_STRONG][i] = isnan(r.tpr_dfm[c]) ? (double)NAN : r.strong[c];
        v[SCB_SPECIFIC][i] = isnan(cr.tpr_ctl_p95[c]) || isnan(r.tpr_dfm[c])
                                 ? (double)NAN
                                 : verdict_specific(r.tpr_dfm[c], r.fpr_dfm[c], cr.tpr_ctl_p95[c],
                                                    cfg->tpr_threshold, cfg->shortcut_fpr_max);
        verdict_wilson(cr.tp[q0], (double)r.pos[c], &v[SCB_TPR_CI][2 * i], &v[SCB_TPR_CI][2 * i + 1]);
        verdict_wilson(cr.fp[q0], (double)(r.n_total - r.pos[c]), &v[SCB_FPR_CI][2 * i],
                       &v[SCB_FPR_CI][2 * i + 1]);
        verdict_wilson(cr.inj[q0], (double)cr.neg[c], &v[SCB_INJ_CI][2 * i],
                       &v[SCB_INJ_CI][2 * i + 1]);
        v[SCB_TPR_ORG][org_row * K + c] = r.tpr_org[c];
        v[SCB_FPR_ORG][org_row * K + c] = r.fpr_org[c];
    }
    shortcut_cross_tpr(&r, v[SCB_TPR_CROSS] + t * K * K);
    control_result_free(&cr);
    shortcut_result_free(&r);
    return FS_OK;
}

/* An OOD set of [axes] ood made from the measuring images te: ood_make, or fgsm_make against the
 * task's own model for fgsm:EPS (as the OOD task does on the whole test split). */
static FsStatus ood_set_make(const SweepConfig *cfg, const Classifier *clf, const Dataset *te,
                             int i, Dataset *od)
{
    char name[256];
    plus_to_comma(cfg->axes[AX_OOD].v[i], name, sizeof name);
    if (!strcmp(name, "in_sct")) return load_in_sct(od);
    if (!fgsm_is_name(name)) return ood_make(te, name, cfg->seed, od);
    double eps = 0;
    FsStatus st = fgsm_parse(name, &eps);
    return st == FS_OK ? fgsm_make(clf, te, eps, od) : st;
}

/* shortcut_ood: the DFMs bin0 (K, H, W) at the first T measured on every OOD set's copy of the
 * measuring images (runner_shortcut.h ood_* arrays), with the controls of the same seed. */
static FsStatus shortcut_ood(const SweepConfig *cfg, const TaskEnv *env, const Analysed *a,
                             const uint8_t *bin0, const ControlOptions *co, int cls,
                             TaskResult *out)
{
    const int64_t n = cfg->axes[AX_OOD].n;
    double *v[SCB_COUNT];
    runner_shortcut_blobs_ood(out, n, a->te.k, v);
    ControlOptions oc = *co;
    if (cfg->shortcut_ood_controls >= 0) oc.n_controls = cfg->shortcut_ood_controls;
    FsStatus st = FS_OK;
    for (int64_t i = 0; i < n && st == FS_OK; i++) {
        Dataset od = {0};
        st = ood_set_make(cfg, &a->clf, &a->te, (int)i, &od);
        if (st == FS_OK) st = shortcut_fill(&a->clf, &od, bin0, cfg, &oc, i, cls, i, v);
        dataset_free(&od);
        if (st == FS_OK) st = task_check(env);
    }
    return st;
}

static FsStatus run_shortcut(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                             TaskResult *out)
{
    const TaskBlob *sc = task_input(env, "dfm_score");
    Analysed a;
    FsStatus st = analysed_open(cfg, s, env, cfg->dfm_holdout ? 1 : -1, &a); /* measure: odd half */
    if (st != FS_OK) goto out;
    const int64_t K = a.te.k, H = a.te.h, W = a.te.w, nT = cfg->n_dfm_T;
    double *maps = NULL;
    st = assemble_scores(cfg, s, sc, K, H, W, &maps);
    if (st != FS_OK) goto out;
    const char *d[] = {"T", "class", "fy", "fx"};
    int64_t sz[] = {nT, K, H, W};
    TaskBlob *mb = task_result_add(out, "dfm", BLOB_RESULTS, AX_MODEL_MASK, 1, 4, d, sz);
    mb->coord[0] = xmalloc((size_t)nT * sizeof(double));
    memcpy(mb->coord[0], cfg->dfm_T, (size_t)nT * sizeof(double));
    double *dfm = mb->data;
    const int ood = cfg->shortcut_ood && cfg->transfer[s->aug]; /* transfer_augs names its aug */
    uint8_t *bin = xmalloc((size_t)(K * H * W)), *bin0 = NULL;
    if (ood) bin0 = xmalloc((size_t)(K * H * W));
    double *v[SCB_COUNT];
    if (cfg->tprfpr) runner_shortcut_blobs(out, nT, K, v);
    ControlOptions co;
    shortcut_controls_of(cfg, s, &co);
    if (s->cls >= 0) {
        co.class_first = s->cls;
        co.class_count = 1;
    }
    for (int64_t t = 0; t < nT && st == FS_OK; t++) {
        threshold_maps(maps, K, H, W, cfg->dfm_T[t], bin);
        for (int64_t i = 0; i < K * H * W; i++) dfm[t * K * H * W + i] = bin[i];
        if (cfg->tprfpr) st = shortcut_fill(&a.clf, &a.te, bin, cfg, &co, t, s->cls, 0, v);
        if (st == FS_OK) st = task_check(env);
        if (t == 0 && ood) memcpy(bin0, bin, (size_t)(K * H * W));
    }
    if (st == FS_OK && ood) st = shortcut_ood(cfg, env, &a, bin0, &co, s->cls, out);
    if (st == FS_OK && s->cls >= 0) runner_keep_class(out, s->cls);
    free(bin0);
    free(bin);
    free(maps);
out:
    analysed_close(&a);
    return st;
}

/* The HFSS task's evaluation (tprfpr = true): map 0 = the HFSS maps hf (K, H, W); map 1 = the
 * model's removal DFMs (its DFM tasks' scores, as SHORTCUT assembles them) thresholded per class
 * at the HFSS map's bin count (T_c = (bins + 1/2) / HW: the size match; with p > 1 whole patches
 * are kept, so hfss_bins says what each map holds); NaN without dfm = true or with a class
 * selection. Both go through the SHORTCUT arrays (shortcut_fill: TPR/FPR, controls, injection,
 * verdicts) named hfss_* with dimension map, on the test split (its measuring half under
 * dfm_holdout). hfss_bins (map, class). */
static FsStatus hfss_evaluate(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                              const Classifier *clf, const Dataset *te, const uint8_t *hf,
                              TaskResult *out)
{
    const int64_t K = te->k, H = te->h, W = te->w, HW = H * W;
    Dataset half = {0};
    const Dataset *ev = te;
    FsStatus st = FS_OK;
    if (cfg->dfm_holdout) {
        st = dataset_class_half(te, 1, &half);
        ev = &half;
    }
    const char *dn[] = {"map", "class"};
    int64_t sn[] = {2, K};
    double *nb = task_result_add(out, "hfss_bins", BLOB_RESULTS, AX_MODEL_MASK, 0, 2, dn, sn)->data;
    uint8_t *bin = xcalloc((size_t)(2 * K * HW), 1);
    memcpy(bin, hf, (size_t)(K * HW));
    for (int64_t k = 0; k < K; k++) {
        int64_t c = 0;
        for (int64_t i = 0; i < HW; i++) c += hf[k * HW + i] != 0;
        nb[k] = (double)c;
    }
    const TaskBlob *sc = task_input(env, "dfm_score");
    const int all_classes = cfg->n_cls[s->dataset] == (int)K;
    int n_maps = 1;
    if (st == FS_OK && sc && all_classes) {
        double *maps = NULL;
        st = assemble_scores(cfg, s, sc, K, H, W, &maps);
        for (int64_t k = 0; st == FS_OK && k < K; k++)
            nb[K + k] = dfm_threshold(maps + k * HW, (int)H, (int)W, (nb[k] + 0.5) / (double)HW,
                                      bin + (K + k) * HW);
        if (st == FS_OK) n_maps = 2;
        free(maps);
    }
    double *v[SCB_COUNT];
    runner_shortcut_blobs_as(out, "hfss_", "map", 2, K, v);
    ControlOptions co;
    shortcut_controls_of(cfg, s, &co);
    for (int64_t m = 0; m < n_maps && st == FS_OK; m++) {
        st = shortcut_fill(clf, ev, bin + m * K * HW, cfg, &co, m, -1, 0, v);
        if (st == FS_OK) st = task_check(env);
    }
    free(bin);
    dataset_free(&half);
    return st;
}

static FsStatus run_model_eval(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                               TaskResult *out)
{
    Dataset tr = {0}, da = {0};
    Analysed a;
    FsStatus st = analysed_open(cfg, s, env, -1, &a);
    if (st != FS_OK) goto out;
    Model *m = a.m;
    const Dataset *te = &a.te;
    const int64_t K = te->k, H = te->h, W = te->w;
    if (s->kind == TASK_OOD) {
        const int64_t n = cfg->axes[AX_OOD].n;
        const char *d[] = {"ood"};
        double *acc = task_result_add(out, "ood_acc", BLOB_RESULTS, AX_MODEL_MASK, 0, 1, d, &n)->data;
        int *conf = xcalloc((size_t)(K * K), sizeof(int));
        for (int64_t i = 0; i < n && st == FS_OK; i++) {
            Dataset od = {0};
            st = ood_set_make(cfg, &a.clf, te, (int)i, &od);
            if (st == FS_OK) st = eval_set(m, &od, cfg->batch, conf, &acc[i]);
            dataset_free(&od);
        }
        free(conf);
    } else if (s->kind == TASK_HEATMAP) {
        HeatmapOptions o;
        heatmap_options_default(&o);
        o.eps = H > 64 ? 15.7 : 4.0;
        o.seed = cfg->seed;
        const char *d[] = {"fy", "fx"};
        int64_t sz[] = {H, W};
        double *err = task_result_add(out, "heatmap_err", BLOB_RESULTS, AX_MODEL_MASK, 1, 2, d, sz)->data;
        st = heatmap_fourier(&a.clf, te, &o, err);
    } else { /* HFSS on a class-stratified training subset the size of the test set */
        HfssOptions o;
        st = hfss_options_default(&o, (int)H);
        for (int i = 0; st == FS_OK && i < cfg->n_hfss_budget; i++) o.budget[i] = cfg->hfss_budget[i];
        if (st == FS_OK) st = load_split(cfg, s->dataset, 0, &tr);
        int *take = xcalloc((size_t)K, sizeof(int)), *idx = NULL, n = 0;
        int *cnt = dataset_class_counts(te);
        for (int64_t k = 0; k < K; k++) take[k] = cnt[k];
        free(cnt);
        if (st == FS_OK) st = dataset_stratified_indices(&tr, take, 42, &idx, &n);
        if (st == FS_OK) st = dataset_subset(&tr, idx, n, &da);
        free(take);
        free(idx);
        if (st == FS_OK) {
            o.keep = cfg->hfss_p;
            o.seed = cfg->seed;
            o.task_id = s->id;
            const char *d[] = {"class", "fy", "fx"};
            int64_t sz[] = {K, H, W};
            double *dst = task_result_add(out, "hfss_dfm", BLOB_RESULTS, AX_MODEL_MASK, 1, 3, d, sz)->data;
            uint8_t *dfms = xmalloc((size_t)(K * H * W));
            double *fl = xmalloc((size_t)K * sizeof(double));
            st = hfss_run(&a.clf, &da, &o, dfms, fl, NULL); /* o.spread NULL: this worker */
            for (int64_t i = 0; st == FS_OK && i < K * H * W; i++) dst[i] = dfms[i];
            if (st == FS_OK && cfg->tprfpr) st = hfss_evaluate(cfg, s, env, &a.clf, te, dfms, out);
            free(dfms);
            free(fl);
        }
    }
    if (st == FS_OK) st = task_check(env);
out:
    analysed_close(&a);
    dataset_free(&tr);
    dataset_free(&da);
    return st;
}

/* DFM-X's greedy DFMs of a model (dfm_greedy_run on its test set, t_tol = dfm_greedy_tol):
 * dfm_greedy (class, fy, fx), 1 = never removed. */
static FsStatus run_dfm_greedy(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                               TaskResult *out)
{
    Analysed a;
    FsStatus st = analysed_open(cfg, s, env, -1, &a);
    if (st != FS_OK) goto out;
    const int64_t K = a.te.k, H = a.te.h, W = a.te.w;
    DfmGreedyOptions o;
    dfm_greedy_options_default(&o);
    o.tol = cfg->dfm_greedy_tol;
    uint8_t *dfm = xmalloc((size_t)(K * H * W));
    st = dfm_greedy_run(&a.clf, &a.te, &o, dfm, NULL);
    if (st == FS_OK) {
        const char *d[] = {"class", "fy", "fx"};
        int64_t sz[] = {K, H, W};
        double *v = task_result_add(out, "dfm_greedy", BLOB_RESULTS, AX_MODEL_MASK, 1, 3, d, sz)->data;
        for (int64_t i = 0; i < K * H * W; i++) v[i] = dfm[i];
    }
    free(dfm);
    if (st == FS_OK) st = task_check(env);
out:
    analysed_close(&a);
    return st;
}

/* XFER (shortcut_xfer): the source arch's scores (input dfm_score) thresholded at the first T as
 * its SHORTCUT tasks do, measured on this model with this model's controls (same seed as its own
 * SHORTCUT task: paired), into row src_arch of the xfer_* arrays (runner_shortcut.h). */
static FsStatus run_xfer(const SweepConfig *cfg, const TaskSpec *s, const TaskEnv *env,
                         TaskResult *out)
{
    Analysed a;
    FsStatus st = analysed_open(cfg, s, env, cfg->dfm_holdout ? 1 : -1, &a);
    double *maps = NULL;
    if (st == FS_OK) st = assemble_scores(cfg, s, task_input(env, "dfm_score"), a.te.k, a.te.h, a.te.w, &maps);
    if (st == FS_OK) {
        const int64_t K = a.te.k, HW = a.te.h * a.te.w;
        uint8_t *bin = xmalloc((size_t)(K * HW));
        threshold_maps(maps, K, a.te.h, a.te.w, cfg->dfm_T[0], bin);
        double *v[SCB_COUNT];
        runner_shortcut_blobs_as(out, "xfer_", "src_arch", cfg->axes[AX_ARCH].n, K, v);
        ControlOptions co;
        shortcut_controls_of(cfg, s, &co);
        st = shortcut_fill(&a.clf, &a.te, bin, cfg, &co, s->src_arch, -1, 0, v);
        if (st == FS_OK) runner_keep_row(out, "src_arch", s->src_arch);
        free(bin);
    }
    free(maps);
    if (st == FS_OK) st = task_check(env);
    analysed_close(&a);
    return st;
}

static FsStatus run_kind(const SweepConfig *cfg, const TaskSpec *spec, const TaskEnv *env,
                         TaskResult *out)
{
    switch (spec->kind) {
    case TASK_TRAIN:
        return run_train(cfg, spec, env, out);
    case TASK_EVAL:
        return run_eval(cfg, spec, env, out);
    case TASK_ADCS:
        return run_adcs(cfg, spec, out);
    case TASK_DFM:
        return run_dfm(cfg, spec, env, out);
    case TASK_SHORTCUT:
        return run_shortcut(cfg, spec, env, out);
    case TASK_DFM_GREEDY:
        return run_dfm_greedy(cfg, spec, env, out);
    case TASK_XFER:
        return run_xfer(cfg, spec, env, out);
    case TASK_HFSS:
    case TASK_OOD:
    case TASK_HEATMAP:
        return run_model_eval(cfg, spec, env, out);
    default:
        return fs_errorf(FS_ERR_INTERNAL, "%s: unknown task kind", spec->key);
    }
}

FsStatus runner_run_real(const TaskSpec *spec, const TaskEnv *env, TaskResult *out)
{
    FsStatus st = run_kind(env->cfg, spec, env, out);
    if (st == FS_OK) runner_label_blobs(env->cfg, spec->dataset, out); /* runner_coords.h */
    return st;
}
