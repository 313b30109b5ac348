/* cmd_train.c: `fsweep train`: train a classifier from scratch on the CPU, write MODEL.h5;
 * optional augmentation, DFM-X and learning-order curves. */
#include "augment.h"
#include "cli_args.h"
#include "commands.h"
#include "curves_hook.h"
#include "dfm_file.h"
#include "pool.h"
#include "model.h"
#include "model_file.h"
#include "train.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fmt_duration(double s, char *buf, size_t n)
{
    if (!isfinite(s) || s < 0) s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600) fs_snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60) fs_snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else fs_snprintf(buf, n, "%lds", t);
}

typedef struct {
    double t0;
    int epochs, max_steps, steps_per_epoch;
    long images_per_epoch;
    double *curve; /* (epochs, 4): train loss, train acc, val loss, val acc */
    int rows;
} Progress;

static void progress_epoch(void *user, Model *m, int epoch, double tl, double ta, double vl, double va)
{
    FS_UNUSED(m);
    Progress *p = user;
    double el = fs_now() - p->t0, per = el / (epoch + 1);
    int total = p->epochs;
    if (p->max_steps > 0 && p->steps_per_epoch > 0) {
        int e = (p->max_steps + p->steps_per_epoch - 1) / p->steps_per_epoch;
        if (e < total) total = e;
    }
    char eta[32];
    fmt_duration(per * (total - epoch - 1), eta, sizeof eta);
    printf("epoch %3d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  %.1f img/s  ETA %s\n",
           epoch + 1, p->epochs, tl, ta, vl, va, (double)p->images_per_epoch * (epoch + 1) / el, eta);
    fflush(stdout);
    if (epoch < p->epochs) {
        double *r = p->curve + (size_t)epoch * 4;
        r[0] = tl;
        r[1] = ta;
        r[2] = vl;
        r[3] = va;
        p->rows = epoch + 1;
    }
}

/* Hooks of `fsweep train`: progress lines, and the learning-order recorder when --curves asks. */
#define TRAIN_MAX_CURVE_SETS 12
typedef struct {
    Progress *p;
    CurvesHook *ch; /* NULL without --curves */
    Augmenter *aug; /* NULL without --aug */
} TrainCli;

static void cli_pixels(void *user, float *x, const int32_t *y, int n, int c, int h, int w, Rng *r)
{
    augment_pixels(((TrainCli *)user)->aug, x, y, n, c, h, w, r);
}

static void cli_normalized(void *user, float *x, const int32_t *y, int n, int c, int h, int w,
                           Rng *r)
{
    augment_normalized(((TrainCli *)user)->aug, x, y, n, c, h, w, r);
}

/* DFM-X (PAPER.md 10): the class DFMs at threshold t (fraction) from a DFM.h5 file. */
static FsStatus load_dfmx(Augmenter *aug, const char *spec, int k, int h, int w)
{
    char path[4096];
    fs_snprintf(path, sizeof path, "%s", spec);
    double t = 0.05;
    char *colon = strrchr(path, ':');
    if (colon && colon[1]) {
        FsStatus st = fs_parse_double(colon + 1, 0, 1, "--dfmx threshold", &t);
        if (st != FS_OK) return st;
        *colon = 0;
    }
    DfmMaps dm;
    FsStatus st = dfm_maps_read(path, &dm);
    if (st != FS_OK) return st;
    int ti = dfm_maps_find(&dm, t);
    if (ti < 0 && dm.n_t == 1) ti = 0; /* HFSS files hold one map per class */
    if (ti < 0) st = fs_errorf(FS_ERR_CONFIG, "%s: no DFMs at threshold %g", path, t);
    else if (dm.k != k || dm.h != h || dm.w != w)
        st = fs_errorf(FS_ERR_CONFIG, "%s: DFMs are %d x %dx%d, the training set needs %d x %dx%d",
                       path, dm.k, dm.h, dm.w, k, h, w);
    if (st == FS_OK) {
        size_t n = (size_t)k * (size_t)h * (size_t)w;
        float *f = xmalloc(n * sizeof *f);
        const uint8_t *src = dm.dfm + (size_t)ti * n;
        for (size_t i = 0; i < n; i++) f[i] = src[i] ? 1.0f : 0.0f;
        st = augment_set_dfms(aug, f, k, -1);
        free(f);
    }
    dfm_maps_free(&dm);
    return st;
}

static int cli_on_step(void *user, Model *m, long step, int epoch)
{
    TrainCli *t = user;
    return t->ch ? curves_hook_on_step(t->ch, m, step, epoch) : 0;
}

static void cli_on_epoch(void *user, Model *m, int epoch, double tl, double ta, double vl, double va)
{
    TrainCli *t = user;
    progress_epoch(t->p, m, epoch, tl, ta, vl, va);
    if (t->ch) curves_hook_on_epoch(t->ch, m, epoch, tl, ta, vl, va);
}

static void train_usage(FILE *f)
{
    TrainConfig c;
    char cfg[512];
    train_config_default(&c);
    train_config_format(&c, cfg, sizeof cfg);
    fprintf(f,
            "usage: fsweep train --data SPEC --arch NAME [--set key=value ...] [--threads N] --out MODEL.h5\n"
            "  Train a classifier from scratch on the CPU (PAPER.md 4) and write MODEL.h5 (README\n"
            "  \"Model files\"; loadable into PyTorch). Progress: one line per epoch.\n"
            "  --data SPEC      training set (90/10 train/validation split by seed); toy:K[:n=N][:size=S]\n"
            "                   [:c=C][:seed=X] is a built-in synthetic set\n"
            "  --arch NAME      %s\n"
            "  --set key=value  training: epochs batch lr momentum weight_decay nesterov schedule\n"
            "                   (plateau|cosine|cosine_step|step|const) plateau_factor plateau_patience\n"
            "                   plateau_threshold step_size step_gamma val_frac max_steps seed log_every\n"
            "                   optimizer (sgd|adamw: decoupled weight_decay; beta1 beta2 eps)\n"
            "                   model: width vit_depth vit_dim vit_heads vit_patch vit_mlp dropout\n"
            "  --threads N      engine threads (default: FSWEEP_THREADS, else OPENBLAS_NUM_THREADS, else 1)\n"
            "  --aug PIPELINE   training augmentation (README \"Augmentations\"), e.g. paper,\n"
            "                   autoaugment, augmix, pad:4,crop,flip, dfmx:p=0.3 (default none)\n"
            "  --dfmx DFM.h5[:T] class DFMs (top-T fraction, default 0.05) for a dfmx step\n"
            "  --curves SPEC    record the learning order (PAPER.md 5) on this evaluation set: per-class\n"
            "                   accuracy, margin AUC and confusion every 10 steps to 100, then every 100,\n"
            "                   and at each epoch end; repeat for band-stopped copies, e.g.\n"
            "                   --curves syn:b1:test --curves ood:bandstop:1,2:syn:b1:test.\n"
            "                   Stored in MODEL.h5 under /curves (README \"Learning curves\")\n"
            "  defaults: %s\n",
            model_arch_names(), cfg);
}

int cmd_train(int argc, char **argv)
{
    if (cli_want_help(argc, argv)) {
        train_usage(stdout);
        return FS_EXIT_OK;
    }
    const char *data = NULL, *arch = NULL, *outp = NULL;
    const char *aug_spec = NULL, *dfmx_spec = NULL;
    const char *curve_specs[TRAIN_MAX_CURVE_SETS];
    int n_curves = 0;
    TrainConfig cfg;
    ModelOptions mo;
    train_config_default(&cfg);
    model_options_default(&mo);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--data") && v) data = argv[++i];
        else if (!strcmp(a, "--arch") && v) arch = argv[++i];
        else if (!strcmp(a, "--out") && v) outp = argv[++i];
        else if (!strcmp(a, "--aug") && v) aug_spec = argv[++i];
        else if (!strcmp(a, "--dfmx") && v) dfmx_spec = argv[++i];
        else if (!strcmp(a, "--curves") && v) {
            if (n_curves == TRAIN_MAX_CURVE_SETS) {
                fprintf(stderr, "fsweep train: at most %d --curves sets\n", TRAIN_MAX_CURVE_SETS);
                return FS_EXIT_USAGE;
            }
            curve_specs[n_curves++] = argv[++i];
        } else if (!strcmp(a, "--threads") && v) {
            int t;
            if (fs_parse_int(argv[++i], 1, POOL_MAX_THREADS, "--threads", &t) != FS_OK) {
                fprintf(stderr, "fsweep train: %s\n", fs_last_error());
                return FS_EXIT_USAGE;
            }
            pool_set_threads(t);
        } else if (!strcmp(a, "--set") && v) {
            char kv[256];
            fs_snprintf(kv, sizeof kv, "%s", argv[++i]);
            char *eq = strchr(kv, '=');
            if (!eq) {
                fprintf(stderr, "fsweep train: --set '%s': expected key=value\n", kv);
                return FS_EXIT_USAGE;
            }
            *eq = 0;
            FsStatus st = model_options_set(&mo, kv, eq + 1);
            if (st == FS_ERR_CONFIG && strstr(fs_last_error(), "is unknown")) {
                st = train_config_set(&cfg, kv, eq + 1);
                if (st != FS_OK && strstr(fs_last_error(), "is unknown"))
                    fs_errorf(FS_ERR_CONFIG, "--set %s: unknown key; see fsweep train --help", kv);
            }
            if (st != FS_OK) {
                fprintf(stderr, "fsweep train: %s\n", fs_last_error());
                return FS_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "fsweep train: unexpected argument '%s' (or missing value)\n", a);
            train_usage(stderr);
            return FS_EXIT_USAGE;
        }
    }
    if (!data || !arch || !outp) {
        fprintf(stderr, "fsweep train: --data, --arch and --out are required\n");
        train_usage(stderr);
        return FS_EXIT_USAGE;
    }
    Dataset d;
    FsStatus st = cli_load_data(data, &d);
    if (st != FS_OK) {
        fprintf(stderr, "fsweep train: %s\n", fs_last_error());
        return FS_EXIT_ERROR;
    }
    Model *m = NULL;
    st = model_create(arch, &mo, d.c, d.h, d.w, d.k, cfg.seed, &m);
    if (st != FS_OK) {
        fprintf(stderr, "fsweep train: %s\n", fs_last_error());
        dataset_free(&d);
        return FS_EXIT_ERROR;
    }
    char cfgs[512];
    train_config_format(&cfg, cfgs, sizeof cfgs);
    int n_val = (int)floor(cfg.val_frac * d.n + 0.5);
    printf("fsweep train: %s on %s (%d images %dx%dx%d, %d classes; %d train / %d val), %zu "
           "parameters, %.3g GMAC/image, %d engine thread(s)\n  %s\n",
           arch, data, d.n, d.c, d.h, d.w, d.k, d.n - n_val, n_val, model_num_params(m),
           model_macs(m) / 1e9, pool_threads(), cfgs);
    Progress p = {0};
    p.t0 = fs_now();
    p.epochs = cfg.epochs;
    p.max_steps = cfg.max_steps;
    p.steps_per_epoch = (d.n - n_val) / cfg.batch + ((d.n - n_val) % cfg.batch >= 2);
    p.images_per_epoch = d.n - n_val - ((d.n - n_val) % cfg.batch == 1);
    if (cfg.max_steps > 0 && (long)cfg.max_steps * cfg.batch < p.images_per_epoch)
        p.images_per_epoch = (long)cfg.max_steps * cfg.batch;
    p.curve = xcalloc((size_t)cfg.epochs * 4, sizeof(double));
    Dataset cd[TRAIN_MAX_CURVE_SETS];
    CurvesSet cs[TRAIN_MAX_CURVE_SETS];
    memset(cd, 0, sizeof cd);
    LearningCurves *lc = NULL;
    CurvesHook ch = {0};
    for (int i = 0; i < n_curves && st == FS_OK; i++) {
        st = cli_load_data(curve_specs[i], &cd[i]);
        cs[i].name = curve_specs[i];
        cs[i].data = &cd[i];
        cs[i].mask = NULL;
    }
    if (st == FS_OK && n_curves) {
        st = curves_hook_start(&ch, cs, n_curves, d.k, 256, NULL, m);
        lc = ch.lc;
    }
    Augmenter *aug = NULL;
    if (st == FS_OK && aug_spec) st = augment_create(aug_spec, d.c, d.h, d.w, &aug);
    if (st == FS_OK && dfmx_spec) {
        if (!aug) st = fs_errorf(FS_ERR_CONFIG, "--dfmx needs --aug with a dfmx step");
        else st = load_dfmx(aug, dfmx_spec, d.k, d.h, d.w);
    }
    TrainCli cli = {&p, lc ? &ch : NULL, aug};
    TrainHooks hooks = {0};
    hooks.user = &cli;
    hooks.on_epoch = cli_on_epoch;
    hooks.on_step = cli_on_step;
    if (aug && augment_has_pixel_steps(aug)) hooks.augment_pixels = cli_pixels;
    if (aug && augment_has_normalized_steps(aug)) hooks.augment_normalized = cli_normalized;
    TrainStats ts;
    if (st == FS_OK) st = train_run(&cfg, &d, &hooks, m, &ts);
    if (st == FS_OK && lc && ch.status != FS_OK) st = ch.status;
    int rc = FS_EXIT_OK;
    if (st != FS_OK) {
        fprintf(stderr, "fsweep train: %s (%s)\n", fs_last_error(), fs_status_str(st));
        rc = FS_EXIT_ERROR;
    } else {
        st = model_file_write(m, outp, d.mean, d.std);
        int64_t dims[2] = {p.rows, 4};
        if (st == FS_OK && p.rows > 0) st = model_file_add_curve(outp, "learning_curve", 2, dims, p.curve);
        if (st == FS_OK) st = model_file_set_note(outp, "learning_curve_columns", "train_loss,train_acc,val_loss,val_acc");
        if (st == FS_OK) st = model_file_set_note(outp, "train_config", cfgs);
        if (st == FS_OK) st = model_file_set_note(outp, "data", data);
        if (st == FS_OK) st = model_file_set_note(outp, "augmentation", aug_spec ? aug_spec : "none");
        if (st == FS_OK && lc) st = curves_save(lc, outp);
        for (int s = 0; st == FS_OK && lc && s < n_curves; s++) {
            long step = -1;
            int c = curves_learned_first(lc, s, CURVES_AUC, 0.95, &step);
            if (c >= 0)
                printf("learning order on %s: class %d first reached margin AUC 0.95 (step %ld)\n",
                       curve_specs[s], c, step);
            else
                printf("learning order on %s: no class reached margin AUC 0.95\n", curve_specs[s]);
        }
        if (st != FS_OK) {
            fprintf(stderr, "fsweep train: %s\n", fs_last_error());
            rc = FS_EXIT_ERROR;
        } else {
            printf("done: %d epochs, %ld steps, %.1f s, %.1f images/s; train acc %.4f, val acc %.4f; "
                   "wrote %s\n",
                   ts.epochs_done, ts.steps, ts.wall_s, ts.images_per_s, ts.train_acc, ts.val_acc, outp);
        }
    }
    free(p.curve);
    curves_destroy(lc);
    augment_free(aug);
    for (int i = 0; i < n_curves; i++) dataset_free(&cd[i]);
    model_free(m);
    dataset_free(&d);
    return rc;
}
