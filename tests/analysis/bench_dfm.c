/* bench_dfm.c: `make bench` for the DFM (issue 6). Until the NN engine is on main this uses a
 * hand-built classifier: a 2-layer MLP (784 -> 64 -> 10, ReLU, random weights, with input
 * gradients) on Fashion-MNIST-sized synthetic data (28x28x1, 10 classes, a planted cue per
 * class). Reports masked forward passes per second for the patch-removal DFM (FFT path, fast
 * path; 1 and 2 processes: the 2-process figure forks two workers that score the two halves of
 * the mask list, exactly the split `mpirun -np 2 fsweep dfm` makes, without the final gather),
 * then the screened method's passes and agreement (IoU of top-T maps, Spearman, shortcut verdict
 * changes at t = 0.5) against the exhaustive map. Verifies fast == FFT before timing.
 * Anchor: the reference PyTorch 1.13 code runs ~165 masked forward passes/s on one core
 * (ResNet-18 at 224 px; not comparable in model size). */
#include "dfm.h"
#include "data.h"
#include "analysis/maskeval.h"
#include "model.h"
#include "rng.h"
#include "shortcut.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NIN 784
#define NH 64
#define NK 10

typedef struct {
    float w1[NH * NIN], b1[NH], w2[NK * NH], b2[NK];
} Mlp;

static FsStatus mlp_logits(void *ctx, const float *x, int n, float *out)
{
    const Mlp *m = ctx;
    float hbuf[NH];
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * NIN;
        for (int j = 0; j < NH; j++) {
            float s = m->b1[j];
            const float *wr = m->w1 + (size_t)j * NIN;
            for (int q = 0; q < NIN; q++) s += wr[q] * xi[q];
            hbuf[j] = s > 0.0f ? s : 0.0f;
        }
        for (int c = 0; c < NK; c++) {
            float s = m->b2[c];
            for (int j = 0; j < NH; j++) s += m->w2[c * NH + j] * hbuf[j];
            out[i * NK + c] = s;
        }
    }
    return FS_OK;
}

static FsStatus mlp_grad(void *ctx, const float *x, const int32_t *y, int n, float *dx,
                         double *loss)
{
    const Mlp *m = ctx;
    float hpre[NH], z[NK];
    double dz[NK], dh[NH];
    *loss = 0.0;
    for (int i = 0; i < n; i++) {
        const float *xi = x + (size_t)i * NIN;
        for (int j = 0; j < NH; j++) {
            float s = m->b1[j];
            for (int q = 0; q < NIN; q++) s += m->w1[(size_t)j * NIN + q] * xi[q];
            hpre[j] = s;
        }
        for (int c = 0; c < NK; c++) {
            float s = m->b2[c];
            for (int j = 0; j < NH; j++) s += m->w2[c * NH + j] * (hpre[j] > 0.0f ? hpre[j] : 0.0f);
            z[c] = s;
        }
        *loss += maskeval_ce(z, NK, y[i]);
        double mx = (double)z[0], se = 0.0;
        for (int c = 1; c < NK; c++) mx = fmax(mx, (double)z[c]);
        for (int c = 0; c < NK; c++) se += exp((double)z[c] - mx);
        for (int c = 0; c < NK; c++) dz[c] = exp((double)z[c] - mx) / se - (c == y[i]);
        for (int j = 0; j < NH; j++) {
            double s = 0.0;
            for (int c = 0; c < NK; c++) s += dz[c] * (double)m->w2[c * NH + j];
            dh[j] = hpre[j] > 0.0f ? s : 0.0;
        }
        for (int q = 0; q < NIN; q++) {
            double s = 0.0;
            for (int j = 0; j < NH; j++) s += dh[j] * (double)m->w1[(size_t)j * NIN + q];
            dx[(size_t)i * NIN + q] = (float)s;
        }
    }
    return FS_OK;
}

/* Data: class c carries a cosine at frequency (c % 5 + 1, 2 * (c / 5) + 1) plus noise; the MLP's
 * first layer gets matched filters for these cues plus random weights, so it "uses" them. */
static void make_data(Dataset *d, int n)
{
    memset(d, 0, sizeof *d);
    fs_snprintf(d->name, sizeof d->name, "bench-synthetic-28");
    d->n = n;
    d->c = 1;
    d->h = d->w = 28;
    d->k = NK;
    d->x = xmalloc((size_t)n * NIN * sizeof(float));
    d->y = xmalloc((size_t)n * sizeof(int32_t));
    d->mean[0] = 0.5f;
    d->std[0] = 0.25f;
    Rng r = rng_derive(1, 0, RNG_STREAM_TEST);
    for (int i = 0; i < n; i++) {
        int c = i % NK;
        d->y[i] = c;
        double ph = 2 * M_PI * rng_uniform(&r);
        for (int p = 0; p < NIN; p++) {
            int yy = p / 28, xx = p % 28;
            double v = 0.5 + 0.15 * (2 * rng_uniform(&r) - 1) +
                       0.12 * cos(2 * M_PI * ((c % 5 + 1) * yy + (2 * (c / 5) + 1) * xx) / 28.0 + ph);
            d->x[(size_t)i * NIN + p] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
        }
    }
}

static void make_mlp(Mlp *m)
{
    Rng r = rng_derive(2, 0, RNG_STREAM_TEST);
    for (int j = 0; j < NH; j++) {
        int c = j % NK, ph = (j / NK) % 2;
        for (int p = 0; p < NIN; p++) {
            int yy = p / 28, xx = p % 28;
            double a = 2 * M_PI * ((c % 5 + 1) * yy + (2 * (c / 5) + 1) * xx) / 28.0;
            m->w1[(size_t)j * NIN + p] =
                (float)(0.02 * (ph ? sin(a) : cos(a)) + 0.01 * rng_normal(&r));
        }
        m->b1[j] = 0.0f;
    }
    for (int c = 0; c < NK; c++) {
        for (int j = 0; j < NH; j++)
            m->w2[c * NH + j] = (float)((j % NK == c ? 1.5 : -0.1) + 0.05 * rng_normal(&r));
        m->b2[c] = 0.0f;
    }
}

static double passes_per_s(const Classifier *clf, const Dataset *d, DfmOptions *o, int m0, int nm,
                           int procs, double *scores)
{
    double t0 = fs_now();
    if (procs == 1) {
        FS_CHECK(dfm_score_range(clf, d, o, m0, nm, scores) == FS_OK, "%s", fs_last_error());
    } else {
        int g = dfm_group_size(d->n, clf->max_batch);
        pid_t pid[8];
        for (int r = 0; r < procs; r++) {
            int f, c;
            split_range(nm, g, r, procs, &f, &c);
            pid[r] = fork();
            FS_CHECK(pid[r] >= 0, "fork failed");
            if (pid[r] == 0) {
                int ok = dfm_score_range(clf, d, o, m0 + f, c, scores + (size_t)f * NK) == FS_OK;
                _exit(ok ? 0 : 1);
            }
        }
        for (int r = 0; r < procs; r++) {
            int stt = 0;
            waitpid(pid[r], &stt, 0);
            FS_CHECK(WIFEXITED(stt) && WEXITSTATUS(stt) == 0, "worker %d failed", r);
        }
    }
    return (double)nm * d->n / (fs_now() - t0);
}

/* Engine ResNet-18 at 32x32 (untrained; throughput only), on 40 Fashion-MNIST test images padded
 * to 32x32 (synthetic 32x32 images when the dataset is not installed). */
static void bench_resnet(double width, int n_masks)
{
    Dataset d;
    if (dataset_load("fashion-mnist:test?pad32=1&per_class=4", &d) != FS_OK) {
        printf("  (fashion-mnist not available: %s; using synthetic 32x32 images)\n", fs_last_error());
        memset(&d, 0, sizeof d);
        d.n = 40;
        d.c = 1;
        d.h = d.w = 32;
        d.k = 10;
        d.x = xmalloc((size_t)40 * 1024 * sizeof(float));
        d.y = xmalloc(40 * sizeof(int32_t));
        Rng r = rng_derive(3, 0, RNG_STREAM_TEST);
        for (int i = 0; i < 40 * 1024; i++) d.x[i] = (float)rng_uniform(&r);
        for (int i = 0; i < 40; i++) d.y[i] = i % 10;
        d.mean[0] = 0.5f;
        d.std[0] = 0.29f;
    }
    ModelOptions mo;
    model_options_default(&mo);
    mo.width = width;
    Model *m = NULL;
    FS_CHECK(model_create("resnet18", &mo, 1, 32, 32, 10, 1, &m) == FS_OK, "%s", fs_last_error());
    Classifier clf;
    FS_CHECK(model_classifier(m, 160, &clf) == FS_OK, "%s", fs_last_error());
    double *sf = xmalloc((size_t)n_masks * 10 * sizeof *sf), *sg = xmalloc((size_t)n_masks * 10 * sizeof *sg);
    DfmOptions o;
    dfm_options_default(&o);
    float *xn = xmalloc((size_t)d.n * 1024 * sizeof *xn), *z = xmalloc((size_t)d.n * 10 * sizeof *z);
    maskeval_normalise(&d, xn);
    double t0 = fs_now();
    FS_CHECK(maskeval_run(&clf, xn, d.y, d.n, NULL, NULL, NULL, z) == FS_OK, "%s", fs_last_error());
    double bare = d.n / (fs_now() - t0);
    o.path = DFM_PATH_FAST;
    double fast1 = passes_per_s(&clf, &d, &o, 100, n_masks, 1, sf);
    o.path = DFM_PATH_FFT;
    double fft1 = passes_per_s(&clf, &d, &o, 100, n_masks, 1, sg);
    double md = 0.0;
    for (int i = 0; i < n_masks * 10; i++) md = fmax(md, fabs(sf[i] - sg[i]) / fmax(1.0, fabs(sg[i])));
    double fft2 = passes_per_s(&clf, &d, &o, 100, n_masks, 2, sg);
    o.path = DFM_PATH_FAST;
    double fast2 = passes_per_s(&clf, &d, &o, 100, n_masks, 2, sf);
    printf("dfm removal, engine resnet18 width %g at 32x32 (%.0f MMAC/pass), %d masks x %d images "
           "(max rel |fast - fft| %.1e):\n", width, model_macs(m) / 1e6, n_masks, d.n, md);
    printf("  unfiltered passes/s %8.1f | masked passes/s: FFT %8.1f, FFT 2 procs %8.1f, fast %8.1f, "
           "fast 2 procs %8.1f\n", bare, fft1, fft2, fast1, fast2);
    free(sf);
    free(sg);
    free(xn);
    free(z);
    model_classifier_free(&clf);
    model_free(m);
    dataset_free(&d);
}

int main(void)
{
    printf("(timings on a shared machine are noisy; the 2-process figures fork two workers)\n");
    bench_resnet(0.25, 8);
    bench_resnet(1.0, 2);
    static Mlp mlp;
    make_mlp(&mlp);
    Dataset d;
    make_data(&d, 200);
    Classifier clf = {&mlp, 1, 28, 28, NK, 256, mlp_logits, mlp_grad};
    int nm = dfm_num_masks(28, 28, 1);
    DfmOptions o;
    dfm_options_default(&o);
    double *sf = xmalloc((size_t)nm * NK * sizeof *sf), *sg = xmalloc((size_t)nm * NK * sizeof *sg);

    /* 0. fast == FFT on the timed subset */
    int sub = 60, m0 = 30;
    o.path = DFM_PATH_FAST;
    double fast1 = passes_per_s(&clf, &d, &o, m0, sub, 1, sf);
    o.path = DFM_PATH_FFT;
    double fft1 = passes_per_s(&clf, &d, &o, m0, sub, 1, sg);
    double md = 0.0;
    for (int i = 0; i < sub * NK; i++) md = fmax(md, fabs(sf[i] - sg[i]) / fmax(1.0, fabs(sg[i])));
    printf("dfm check: max rel |fast - fft| score over %d masks = %.2e (%s)\n", sub, md,
           md < 1e-5 ? "ok" : "FAIL");
    if (md >= 1e-5) return 1;
    double fft2 = passes_per_s(&clf, &d, &o, m0, sub, 2, sg);
    o.path = DFM_PATH_FAST;
    double fast2 = passes_per_s(&clf, &d, &o, m0, sub, 2, sf);
    /* the classifier alone */
    float *z = xmalloc((size_t)d.n * NK * sizeof *z), *xn = xmalloc((size_t)d.n * NIN * sizeof *xn);
    maskeval_normalise(&d, xn);
    double t0 = fs_now();
    for (int rep = 0; rep < 20; rep++) mlp_logits(&mlp, xn, d.n, z);
    double bare = 20.0 * d.n / (fs_now() - t0);
    printf("dfm removal, MLP 784-64-10 on 28x28, p=1, %d masks x %d images:\n", sub, d.n);
    printf("  unfiltered forward passes/s (model only) %10.0f\n", bare);
    printf("  masked passes/s  FFT path, 1 process     %10.0f\n", fft1);
    printf("  masked passes/s  FFT path, 2 processes   %10.0f\n", fft2);
    printf("  masked passes/s  fast path, 1 process    %10.0f   (x%.2f vs FFT)\n", fast1, fast1 / fft1);
    printf("  masked passes/s  fast path, 2 processes  %10.0f\n", fast2);

    /* screened method vs exhaustive */
    o.path = DFM_PATH_AUTO;
    t0 = fs_now();
    FS_CHECK(dfm_score_range(&clf, &d, &o, 0, nm, sg) == FS_OK, "%s", fs_last_error());
    double t_ex = fs_now() - t0;
    size_t hw = 784;
    double *mex = xmalloc(NK * hw * sizeof *mex), *msc = xmalloc(NK * hw * sizeof *msc);
    dfm_assemble(sg, NK, 28, 28, &o, mex);
    uint8_t *ev = xmalloc((size_t)nm * NK), *de = xmalloc(NK * hw), *ds = xmalloc(NK * hw);
    printf("dfm screen vs exhaustive (%d masks, %.2f s):\n", nm, t_ex);
    printf("  %-8s %5s %8s %8s %7s %7s %7s %7s %8s %8s\n", "screen", "min", "passes", "speedup",
           "IoU1%", "IoU5%", "IoU10%", "IoU20%", "spearman", "verdicts");
    printf("  (spearman: screen ranking vs exact scores over all masks)\n");
    DfmScreen kinds[3] = {DFM_SCREEN_GRAD, DFM_SCREEN_GRADABS, DFM_SCREEN_COARSE};
    double mins[2] = {0.2, 0.4}, maxs[2] = {0.4, 0.6}, ts[4] = {0.01, 0.05, 0.10, 0.20};
    ShortcutResult rex;
    for (int q = 0; q < 4 * NK; q++) (void)q;
    for (int c = 0; c < NK; c++) dfm_threshold(mex + c * hw, 28, 28, 0.05, de + c * hw);
    FS_CHECK(shortcut_eval(&clf, &d, de, 0.5, &rex) == FS_OK, "%s", fs_last_error());
    for (int kq = 0; kq < 3; kq++)
        for (int mq = 0; mq < 2; mq++) {
            DfmScreenOptions so;
            dfm_screen_options_default(&so);
            so.screen = kinds[kq];
            so.min_frac = mins[mq];
            so.max_frac = maxs[mq];
            long pex = 0, psc = 0;
            t0 = fs_now();
            FS_CHECK(dfm_screen_run(&clf, &d, &o, &so, sf, ev, &pex, &psc) == FS_OK, "%s",
                     fs_last_error());
            double t_sc = fs_now() - t0;
            dfm_assemble(sf, NK, 28, 28, &o, msc);
            double iou[4], sp = 0.0;
            for (int ti = 0; ti < 4; ti++) {
                iou[ti] = 0.0;
                for (int c = 0; c < NK; c++) {
                    dfm_threshold(mex + c * hw, 28, 28, ts[ti], de + c * hw);
                    dfm_threshold(msc + c * hw, 28, 28, ts[ti], ds + c * hw);
                    iou[ti] += dfm_iou(de + c * hw, ds + c * hw, (int)hw) / NK;
                }
            }
            /* Spearman of the screen's ranking against the exact scores, per class, over masks */
            double *scr = xmalloc((size_t)nm * NK * sizeof *scr), *a1 = xmalloc((size_t)nm * 2 * sizeof *a1);
            FS_CHECK(dfm_screen_rank(&clf, &d, &o, kinds[kq], scr, NULL) == FS_OK, "%s", fs_last_error());
            for (int c = 0; c < NK; c++) {
                for (int i = 0; i < nm; i++) {
                    a1[i] = scr[(size_t)i * NK + c];
                    a1[nm + i] = sg[(size_t)i * NK + c];
                }
                sp += dfm_spearman(a1, a1 + nm, nm) / NK;
            }
            free(scr);
            free(a1);
            for (int c = 0; c < NK; c++) dfm_threshold(msc + c * hw, 28, 28, 0.05, ds + c * hw);
            ShortcutResult rs;
            FS_CHECK(shortcut_eval(&clf, &d, ds, 0.5, &rs) == FS_OK, "%s", fs_last_error());
            int vch = 0;
            for (int c = 0; c < NK; c++) vch += rs.shortcut[c] != rex.shortcut[c];
            shortcut_result_free(&rs);
            double frac = (double)(pex + psc) / ((double)nm * d.n);
            printf("  %-8s %5.2f %7.1f%% %8.2f %7.3f %7.3f %7.3f %7.3f %8.3f %8d\n",
                   dfm_screen_str(kinds[kq]), mins[mq], 100 * frac, t_ex / t_sc, iou[0], iou[1],
                   iou[2], iou[3], sp, vch);
        }
    printf("  (IoU, Spearman: means over the %d classes; passes: masked forward images incl. "
           "the screen's, %% of the exhaustive count; verdicts: classes whose shortcut verdict "
           "at t = 0.5 with the top-5%% map differs)\n", NK);
    shortcut_result_free(&rex);
    free(sf);
    free(sg);
    free(z);
    free(xn);
    free(mex);
    free(msc);
    free(ev);
    free(de);
    free(ds);
    free(d.x);
    free(d.y);
    return 0;
}
