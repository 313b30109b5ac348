/* runner_fake.c: the fake runner (cfg runner = fake, see runner.h): deterministic pseudo-work
 * with the real runner's blob names, dims and places, for scheduler, store and resume tests.
 * Every number derives from (sweep seed, task id, input hashes). Faults on request: [fake] hang
 * and fail keys, FSWEEP_FAKE_CRASH (the process kills itself on a matching task),
 * FSWEEP_FAKE_SLOW (a matching task first sleeps 60 s, results unchanged: a test can kill its
 * rank mid-task). */
#include "runner.h"

#include "rng.h"
#include "runner_coords.h"
#include "runner_shortcut.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Sleep ms milliseconds in slices, polling for drain and deadline. */
static FsStatus fake_sleep(const TaskEnv *env, double ms)
{
    double end = fs_now() + ms * 1e-3;
    for (;;) {
        FsStatus st = task_check(env);
        if (st != FS_OK) return st;
        double left = end - fs_now();
        if (left <= 0) return FS_OK;
        if (left > 0.01) left = 0.01;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static uint64_t blob_hash(const TaskBlob *b)
{
    return b ? fs_hash64(b->data, (size_t)task_blob_len(b) * sizeof(double)) : 0;
}

/* Pseudo-values for the SHORTCUT arrays of runner_shortcut_blobs_as/_ood: n rows of K classes,
 * intervals around 0.5, tpr_org/fpr_org over n_org rows (1, or n for the ood_* arrays). */
static void fill_shortcut_pseudo(double **v, int64_t n, int64_t K, int64_t n_org, Rng *r)
{
    for (int q = 0; q < SCB_TPR_CI; q++) /* verdicts 0/1 */
        for (int64_t i = 0; i < n * K; i++)
            v[q][i] = q >= SCB_SHORTCUT ? (double)(rng_uniform(r) < 0.5) : rng_uniform(r);
    for (int q = SCB_TPR_CI; q < SCB_TPR_CROSS; q++)
        for (int64_t i = 0; i < n * K; i++) {
            v[q][2 * i] = rng_uniform_range(r, 0, 0.5);
            v[q][2 * i + 1] = rng_uniform_range(r, 0.5, 1);
        }
    for (int64_t i = 0; i < n * K * K; i++) v[SCB_TPR_CROSS][i] = rng_uniform(r);
    for (int64_t c = 0; c < n_org * K; c++) v[SCB_TPR_ORG][c] = rng_uniform_range(r, 0.5, 1);
    for (int64_t c = 0; c < n_org * K; c++) v[SCB_FPR_ORG][c] = rng_uniform_range(r, 0, 0.1);
}

static void fill_uniform(TaskBlob *b, Rng *r, double lo, double hi)
{
    int64_t n = task_blob_len(b);
    for (int64_t i = 0; i < n; i++) b->data[i] = rng_uniform_range(r, lo, hi);
}

/* Deterministic pseudo-work: every number comes from (sweep seed, task id, inputs), so results
 * show whether inputs (weights, DFM scores) reached the task intact. */
FsStatus runner_run_fake(const TaskSpec *spec, const TaskEnv *env, TaskResult *out)
{
    const SweepConfig *cfg = env->cfg;
    const SweepDatasetInfo *di = &cfg->dsinfo[spec->dataset];
    const int64_t K = di->classes, N = di->h, E = cfg->epochs;
    static const double factor[TASK_KIND_COUNT] = {4, 1, 1, 2, 1, 2, 1, 1, 2, 1};

    if (cfg->fake_hang[0] && strstr(spec->key, cfg->fake_hang)) {
        for (;;) {
            FsStatus st = fake_sleep(env, 10);
            if (st != FS_OK) return st;
            if (env->deadline <= 0 && !env->stop) return fs_errorf(FS_ERR_TIMEOUT, "hang");
        }
    }
    const char *crash = getenv("FSWEEP_FAKE_CRASH"); /* tests: a worker dies on this task */
    if (crash && *crash && strstr(spec->key, crash)) raise(SIGKILL);
    const char *slow = getenv("FSWEEP_FAKE_SLOW"); /* tests: a task to kill its rank in */
    if (slow && *slow && strstr(spec->key, slow)) {
        FsStatus st = fake_sleep(env, 60000);
        if (st != FS_OK) return st;
    }

    FsStatus st = fake_sleep(env, cfg->fake_ms * factor[spec->kind]);
    if (st != FS_OK) return st;

    const TaskBlob *w = task_input(env, "weights");
    const TaskBlob *sc = task_input(env, "dfm_score");
    if (!sc) sc = task_input(env, "dfm_greedy"); /* a dfmx model's greedy source maps */
    const char *need[2];
    const TaskSpec *at[2];
    int n_need = task_inputs(cfg, spec, need, at);
    for (int i = 0; i < n_need; i++)
        if (!task_input(env, need[i]))
            return fs_errorf(FS_ERR_INTERNAL, "%s: input '%s' missing", spec->key, need[i]);
    uint64_t hsc = blob_hash(sc);
    if (sc && spec->cls >= 0 && sc->n_extra == 3 && spec->cls < sc->count[0]) {
        /* a per-class task reads only its class's scores (the others may not be done yet) */
        const int64_t per = sc->count[1] * sc->count[2];
        hsc = fs_hash64(sc->data + spec->cls * per, (size_t)per * sizeof(double));
    }
    uint64_t words[4] = {cfg->seed, spec->id, blob_hash(w), hsc};
    Rng r;
    rng_seed_words(&r, words, 4);
    const uint32_t G = AX_MODEL_MASK;

    switch (spec->kind) {
    case TASK_TRAIN: {
        int64_t P = 64 + (int64_t)(fs_hash64(cfg->axes[AX_ARCH].v[spec->arch],
                                             strlen(cfg->axes[AX_ARCH].v[spec->arch])) % 192);
        const char *dp[] = {"param"};
        TaskBlob *wb = task_result_add(out, "weights", BLOB_MODEL,
                                       (1u << AX_AUG) | (1u << AX_BAND) | (1u << AX_SEED), 1, 1,
                                       dp, &P);
        for (int64_t i = 0; i < P; i++) wb->data[i] = (double)(float)rng_normal(&r);
        const char *de[] = {"epoch"};
        TaskBlob *lb = task_result_add(out, "train_loss", BLOB_RESULTS, G, 0, 1, de, &E);
        double loss = 2.0 + rng_uniform(&r);
        for (int64_t e = 0; e < E; e++) lb->data[e] = loss *= 0.5 + 0.4 * rng_uniform(&r);
        if (cfg->fake_fail[0] && strstr(spec->key, cfg->fake_fail) &&
            env->attempt <= cfg->fake_fail_attempts) {
            lb->data[E - 1] = NAN;
            return fs_errorf(FS_ERR_DIVERGED, "non-finite loss at epoch %lld (fake fault)",
                             (long long)E);
        }
        if (cfg->learning_order) {
            const char *dc[] = {"epoch", "class"};
            int64_t s[] = {E, K};
            fill_uniform(task_result_add(out, "class_acc_curve", BLOB_RESULTS, G, 0, 2, dc, s), &r,
                         0, 1);
        }
        break;
    }
    case TASK_EVAL: {
        const char *d1[] = {"test_band"};
        int64_t tb = cfg->axes[AX_TEST_BAND].n;
        fill_uniform(task_result_add(out, "test_acc", BLOB_RESULTS, G, 0, 1, d1, &tb), &r, 0, 1);
        const char *d2[] = {"test_band", "class"};
        int64_t s2[] = {tb, K};
        fill_uniform(task_result_add(out, "class_acc", BLOB_RESULTS, G, 0, 2, d2, s2), &r, 0, 1);
        break;
    }
    case TASK_ADCS: {
        const char *d[] = {"class", "fy", "fx"};
        int64_t s[] = {K, N, N};
        TaskBlob *a = task_result_add(out, "adcs", BLOB_RESULTS, 0, 1, 3, d, s);
        for (int64_t i = 0; i < K * N * N; i++)
            a->data[i] = (double)((int64_t)rng_below(&r, (uint64_t)(2 * K - 1)) - (K - 1));
        fill_uniform(task_result_add(out, "class_spectrum", BLOB_RESULTS, 0, 1, 3, d, s), &r, 0,
                     10);
        break;
    }
    case TASK_DFM: {
        int64_t rows = N / cfg->dfm_patch, cols = N / (2 * cfg->dfm_patch) + 1;
        int64_t r0 = rows * spec->part / spec->n_parts, r1 = rows * (spec->part + 1) / spec->n_parts;
        const char *d[] = {"class", "pa", "pb"};
        int64_t s[] = {K, rows, cols};
        TaskBlob *b = task_result_add(out, "dfm_score", BLOB_RESULTS, G, 0, 3, d, s);
        b->start[1] = r0;
        b->count[1] = r1 - r0;
        int64_t n = task_blob_len(b);
        b->data = xrealloc(b->data, (size_t)n * sizeof(double));
        for (int64_t i = 0; i < n; i++) b->data[i] = 2.0 + rng_uniform(&r);
        break;
    }
    case TASK_SHORTCUT: {
        /* Threshold the scores into top-T maps (patch grid, mirrored into N x N). */
        int64_t rows = sc->size[1], cols = sc->size[2], p = cfg->dfm_patch, nT = cfg->n_dfm_T;
        const char *d[] = {"T", "class", "fy", "fx"};
        int64_t s[] = {nT, K, N, N};
        TaskBlob *m = task_result_add(out, "dfm", BLOB_RESULTS, G, 1, 4, d, s);
        m->coord[0] = xmalloc((size_t)nT * sizeof(double));
        memcpy(m->coord[0], cfg->dfm_T, (size_t)nT * sizeof(double));
        double *sorted = xmalloc((size_t)(rows * cols) * sizeof(double));
        for (int64_t t = 0; t < nT; t++)
            for (int64_t c = 0; c < K; c++) {
                const double *sv = sc->data + c * rows * cols;
                memcpy(sorted, sv, (size_t)(rows * cols) * sizeof(double));
                for (int64_t i = 1; i < rows * cols; i++) /* insertion sort, small */
                    for (int64_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
                        double x = sorted[j];
                        sorted[j] = sorted[j - 1];
                        sorted[j - 1] = x;
                    }
                int64_t keep = (int64_t)floor(cfg->dfm_T[t] * (double)(rows * cols));
                if (keep < 1) keep = 1;
                double tau = sorted[rows * cols - keep];
                double *mp = m->data + (t * K + c) * N * N;
                for (int64_t y = 0; y < N; y++)
                    for (int64_t x = 0; x < N; x++) {
                        int64_t a = y / p, bb = x / p;
                        if (bb >= cols) bb = (N - 1 - x) / p; /* mirror */
                        if (bb >= cols) bb = cols - 1;
                        mp[y * N + x] = sv[a * cols + bb] >= tau ? 1.0 : 0.0;
                    }
            }
        free(sorted);
        if (cfg->tprfpr) {
            double *v[SCB_COUNT];
            runner_shortcut_blobs(out, nT, K, v);
            int64_t n2 = nT * K;
            for (int64_t i = 0; i < n2; i++) v[SCB_TPR][i] = rng_uniform(&r);
            for (int64_t i = 0; i < n2; i++) v[SCB_FPR][i] = rng_uniform_range(&r, 0, 0.3);
            for (int q = SCB_TPR_CMP; q < SCB_SHORTCUT; q++)
                for (int64_t i = 0; i < n2; i++) v[q][i] = rng_uniform(&r);
            for (int64_t i = 0; i < n2; i++) {
                double t = v[SCB_TPR][i];
                v[SCB_SHORTCUT][i] = t > cfg->tpr_threshold;
                v[SCB_STRONG][i] = t >= 0.6;
                v[SCB_SPECIFIC][i] = t > cfg->tpr_threshold && t > v[SCB_CTL_TPR_P95][i] &&
                                     v[SCB_FPR][i] <= cfg->shortcut_fpr_max;
                const int src[3] = {SCB_TPR, SCB_FPR, SCB_INJ}, ci[3] = {SCB_TPR_CI, SCB_FPR_CI,
                                                                          SCB_INJ_CI};
                for (int q = 0; q < 3; q++) {
                    v[ci[q]][2 * i] = fmax(0.0, v[src[q]][i] - 0.1);
                    v[ci[q]][2 * i + 1] = fmin(1.0, v[src[q]][i] + 0.1);
                }
            }
            for (int64_t t = 0; t < nT; t++)
                for (int64_t j = 0; j < K; j++)
                    for (int64_t c = 0; c < K; c++)
                        v[SCB_TPR_CROSS][(t * K + j) * K + c] =
                            j == c ? v[SCB_TPR][t * K + c] : rng_uniform(&r);
            for (int64_t c = 0; c < K; c++) v[SCB_TPR_ORG][c] = rng_uniform_range(&r, 0.5, 1);
            for (int64_t c = 0; c < K; c++) v[SCB_FPR_ORG][c] = rng_uniform_range(&r, 0, 0.1);
        }
        /* the real runner's ood_* arrays (shortcut_ood, transfer_augs), pseudo-values */
        if (cfg->shortcut_ood && cfg->transfer[spec->aug]) {
            double *v[SCB_COUNT];
            const int64_t n_ood = cfg->axes[AX_OOD].n;
            runner_shortcut_blobs_ood(out, n_ood, K, v);
            fill_shortcut_pseudo(v, n_ood, K, n_ood, &r);
        }
        break;
    }
    case TASK_XFER: { /* the real runner's xfer_* arrays (run_xfer), row src_arch, pseudo-values */
        double *v[SCB_COUNT];
        const int64_t A = cfg->axes[AX_ARCH].n;
        runner_shortcut_blobs_as(out, "xfer_", "src_arch", A, K, v);
        fill_shortcut_pseudo(v, A, K, 1, &r);
        runner_keep_row(out, "src_arch", spec->src_arch);
        break;
    }
    case TASK_HFSS: {
        const char *d[] = {"class", "fy", "fx"};
        int64_t s[] = {K, N, N};
        TaskBlob *b = task_result_add(out, "hfss_dfm", BLOB_RESULTS, G, 1, 3, d, s);
        for (int64_t i = 0; i < K * N * N; i++) b->data[i] = rng_uniform(&r) < cfg->hfss_p;
        if (cfg->tprfpr) { /* the real runner's hfss_* arrays (hfss_evaluate), pseudo-values */
            double *v[SCB_COUNT];
            const char *dn[] = {"map", "class"};
            int64_t sn[] = {2, K};
            fill_uniform(task_result_add(out, "hfss_bins", BLOB_RESULTS, G, 0, 2, dn, sn), &r, 0,
                         (double)(N * N));
            runner_shortcut_blobs_as(out, "hfss_", "map", 2, K, v);
            fill_shortcut_pseudo(v, 2, K, 1, &r);
        }
        break;
    }
    case TASK_OOD: {
        const char *d[] = {"ood"};
        int64_t n = cfg->axes[AX_OOD].n;
        fill_uniform(task_result_add(out, "ood_acc", BLOB_RESULTS, G, 0, 1, d, &n), &r, 0, 1);
        break;
    }
    case TASK_HEATMAP: {
        const char *d[] = {"fy", "fx"};
        int64_t s[] = {N, N};
        fill_uniform(task_result_add(out, "heatmap_err", BLOB_RESULTS, G, 1, 2, d, s), &r, 0, 1);
        break;
    }
    case TASK_DFM_GREEDY: {
        const char *d[] = {"class", "fy", "fx"};
        int64_t s[] = {K, N, N};
        TaskBlob *b = task_result_add(out, "dfm_greedy", BLOB_RESULTS, G, 1, 3, d, s);
        for (int64_t i = 0; i < K * N * N; i++) b->data[i] = rng_uniform(&r) < 0.3;
        break;
    }
    default:
        return fs_errorf(FS_ERR_INTERNAL, "unknown task kind %d", (int)spec->kind);
    }
    if (spec->cls >= 0) runner_keep_class(out, spec->cls);
    runner_label_blobs(cfg, spec->dataset, out);
    return FS_OK;
}
