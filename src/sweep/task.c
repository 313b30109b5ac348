/* task.c: TaskResult/TaskBlob helpers, packing, and the fake runner (see task.h). */
#include "task.h"

#include "par.h"
#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ results */
void task_result_init(TaskResult *r, const TaskSpec *spec)
{
    memset(r, 0, sizeof *r);
    if (spec) {
        r->task_id = spec->id;
        r->index = spec->index;
    }
}

void task_blob_free(TaskBlob *b)
{
    for (int i = 0; i < TASK_BLOB_MAX_EXTRA; i++) free(b->coord[i]);
    free(b->data);
    memset(b, 0, sizeof *b);
}

void task_result_free(TaskResult *r)
{
    for (int i = 0; i < r->n_blobs; i++) task_blob_free(&r->blobs[i]);
    free(r->blobs);
    r->blobs = NULL;
    r->n_blobs = 0;
}

int64_t task_blob_len(const TaskBlob *b)
{
    int64_t n = 1;
    for (int i = 0; i < b->n_extra; i++) n *= b->count[i];
    return n;
}

TaskBlob *task_result_add(TaskResult *r, const char *name, BlobPlace place, uint32_t grid,
                          int f32, int n_extra, const char *const *dims, const int64_t *size)
{
    FS_CHECK(n_extra >= 0 && n_extra <= TASK_BLOB_MAX_EXTRA, "blob %s: %d extra dims", name,
             n_extra);
    r->blobs = xrealloc(r->blobs, (size_t)(r->n_blobs + 1) * sizeof *r->blobs);
    TaskBlob *b = &r->blobs[r->n_blobs++];
    memset(b, 0, sizeof *b);
    fs_snprintf(b->name, sizeof b->name, "%s", name);
    b->place = place;
    b->grid = grid;
    b->f32 = f32;
    b->n_extra = n_extra;
    for (int i = 0; i < n_extra; i++) {
        fs_snprintf(b->dim[i], sizeof b->dim[i], "%s", dims[i]);
        FS_CHECK(size[i] >= 1, "blob %s: dim %s has size %lld", name, dims[i], (long long)size[i]);
        b->size[i] = size[i];
        b->count[i] = size[i];
    }
    int64_t n = task_blob_len(b);
    b->data = xmalloc(fs_mul_size((size_t)n, sizeof(double), "blob"));
    for (int64_t i = 0; i < n; i++) b->data[i] = NAN;
    return b;
}

/* ------------------------------------------------------------------ packing */
void fsbuf_put(FsBuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

typedef struct {
    const unsigned char *p;
    size_t n, off;
    int bad;
} Reader;

static void rd(Reader *r, void *dst, size_t n)
{
    if (r->bad || n > r->n - r->off) {
        r->bad = 1;
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, r->p + r->off, n);
    r->off += n;
}

#define PUT(b, v) fsbuf_put((b), &(v), sizeof(v))

static void pack_blob(const TaskBlob *b, FsBuf *out)
{
    fsbuf_put(out, b->name, sizeof b->name);
    int32_t h[4] = {(int32_t)b->place, (int32_t)b->grid, b->f32, b->n_extra};
    PUT(out, h);
    for (int i = 0; i < b->n_extra; i++) {
        fsbuf_put(out, b->dim[i], sizeof b->dim[i]);
        int64_t s[3] = {b->size[i], b->start[i], b->count[i]};
        PUT(out, s);
        int32_t hc = b->coord[i] != NULL;
        PUT(out, hc);
        if (hc) fsbuf_put(out, b->coord[i], (size_t)b->size[i] * sizeof(double));
    }
    int64_t n = task_blob_len(b);
    if (b->f32) { /* stored as float32 anyway: half the bytes on the wire and in the journal */
        float buf[1024];
        for (int64_t i = 0; i < n; i += 1024) {
            int64_t m = n - i < 1024 ? n - i : 1024;
            for (int64_t j = 0; j < m; j++) buf[j] = (float)b->data[i + j];
            fsbuf_put(out, buf, (size_t)m * sizeof(float));
        }
    } else {
        fsbuf_put(out, b->data, (size_t)n * sizeof(double));
    }
}

static FsStatus unpack_blob(Reader *r, TaskBlob *b)
{
    memset(b, 0, sizeof *b);
    rd(r, b->name, sizeof b->name);
    b->name[sizeof b->name - 1] = 0;
    int32_t h[4];
    rd(r, h, sizeof h);
    if (r->bad || h[3] < 0 || h[3] > TASK_BLOB_MAX_EXTRA || (h[0] != 0 && h[0] != 1))
        return fs_errorf(FS_ERR_FORMAT, "task result: malformed blob header");
    b->place = (BlobPlace)h[0];
    b->grid = (uint32_t)h[1];
    b->f32 = h[2];
    b->n_extra = h[3];
    for (int i = 0; i < b->n_extra; i++) {
        rd(r, b->dim[i], sizeof b->dim[i]);
        b->dim[i][sizeof b->dim[i] - 1] = 0;
        int64_t s[3];
        rd(r, s, sizeof s);
        if (r->bad || s[0] < 1 || s[0] > (1 << 28) || s[1] < 0 || s[2] < 1 || s[1] + s[2] > s[0])
            return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: bad extent", b->name);
        b->size[i] = s[0];
        b->start[i] = s[1];
        b->count[i] = s[2];
        int32_t hc = 0;
        rd(r, &hc, sizeof hc);
        if (hc) {
            b->coord[i] = xmalloc((size_t)s[0] * sizeof(double));
            rd(r, b->coord[i], (size_t)s[0] * sizeof(double));
        }
    }
    int64_t n = task_blob_len(b);
    size_t es = b->f32 ? sizeof(float) : sizeof(double);
    if (r->bad || (size_t)n > (r->n - r->off) / es)
        return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: truncated", b->name);
    b->data = xmalloc((size_t)n * sizeof(double) + 1);
    if (b->f32) {
        for (int64_t i = 0; i < n; i++) {
            float v;
            rd(r, &v, sizeof v);
            b->data[i] = v;
        }
    } else {
        rd(r, b->data, (size_t)n * sizeof(double));
    }
    return r->bad ? fs_errorf(FS_ERR_FORMAT, "task result: truncated") : FS_OK;
}

void task_blobs_pack(const TaskBlob *b, int n, FsBuf *out)
{
    int32_t nb = n;
    PUT(out, nb);
    for (int i = 0; i < n; i++) pack_blob(&b[i], out);
}

FsStatus task_blobs_unpack(const void *buf, size_t n, TaskBlob **b, int *nb)
{
    Reader r = {buf, n, 0, 0};
    int32_t cnt = 0;
    rd(&r, &cnt, sizeof cnt);
    *b = NULL;
    *nb = 0;
    if (r.bad || cnt < 0 || cnt > 4096) return fs_errorf(FS_ERR_FORMAT, "blobs: bad count");
    TaskBlob *arr = xcalloc((size_t)cnt + 1, sizeof *arr);
    for (int i = 0; i < cnt; i++) {
        FsStatus st = unpack_blob(&r, &arr[i]);
        if (st != FS_OK) {
            for (int j = 0; j <= i; j++) task_blob_free(&arr[j]);
            free(arr);
            return st;
        }
    }
    *b = arr;
    *nb = cnt;
    return FS_OK;
}

void task_result_pack(const TaskResult *r, FsBuf *out)
{
    const uint32_t magic = 0x46535231; /* "FSR1" */
    PUT(out, magic);
    PUT(out, r->task_id);
    int32_t h[4] = {r->index, r->status, r->attempt, r->rank};
    PUT(out, h);
    double t[3] = {r->start, r->end, r->wall};
    PUT(out, t);
    fsbuf_put(out, r->host, sizeof r->host);
    fsbuf_put(out, r->error, sizeof r->error);
    task_blobs_pack(r->blobs, r->n_blobs, out);
}

FsStatus task_result_unpack(const void *buf, size_t n, TaskResult *res)
{
    memset(res, 0, sizeof *res);
    Reader r = {buf, n, 0, 0};
    uint32_t magic = 0;
    rd(&r, &magic, sizeof magic);
    if (r.bad || magic != 0x46535231)
        return fs_errorf(FS_ERR_FORMAT, "task result: bad magic (not a packed result)");
    rd(&r, &res->task_id, sizeof res->task_id);
    int32_t h[4];
    rd(&r, h, sizeof h);
    res->index = h[0];
    res->status = h[1];
    res->attempt = h[2];
    res->rank = h[3];
    double t[3];
    rd(&r, t, sizeof t);
    res->start = t[0];
    res->end = t[1];
    res->wall = t[2];
    rd(&r, res->host, sizeof res->host);
    rd(&r, res->error, sizeof res->error);
    res->host[sizeof res->host - 1] = 0;
    res->error[sizeof res->error - 1] = 0;
    if (r.bad) return fs_errorf(FS_ERR_FORMAT, "task result: truncated header");
    return task_blobs_unpack(r.p + r.off, r.n - r.off, &res->blobs, &res->n_blobs);
}

/* ------------------------------------------------------------------ runner helpers */
int task_inputs(TaskKind kind, const char *names[2])
{
    switch (kind) {
    case TASK_TRAIN:
    case TASK_ADCS:
        return 0;
    case TASK_SHORTCUT:
        names[0] = "weights";
        names[1] = "dfm_score";
        return 2;
    default:
        names[0] = "weights";
        return 1;
    }
}

const TaskBlob *task_input(const TaskEnv *env, const char *name)
{
    for (int i = 0; i < env->n_inputs; i++)
        if (!strcmp(env->inputs[i].name, name)) return &env->inputs[i];
    return NULL;
}

FsStatus task_check(const TaskEnv *env)
{
    if (env->stop && *env->stop) return fs_errorf(FS_ERR_INTERRUPT, "interrupted by a signal");
    if (env->deadline > 0 && fs_now() > env->deadline) {
        double lim = env->cfg ? env->cfg->task_timeout : 0;
        return fs_errorf(FS_ERR_TIMEOUT, "time limit of %g s exceeded", lim);
    }
    return FS_OK;
}

FsStatus task_run(const TaskSpec *spec, const TaskEnv *env, TaskResult *out)
{
    if (!strcmp(env->cfg->runner, "fake")) return task_run_fake(spec, env, out);
    return task_run_real(spec, env, out);
}

/* ------------------------------------------------------------------ the fake runner */
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

static void fill_uniform(TaskBlob *b, Rng *r, double lo, double hi)
{
    int64_t n = task_blob_len(b);
    for (int64_t i = 0; i < n; i++) b->data[i] = rng_uniform_range(r, lo, hi);
}

/* Deterministic pseudo-work: every number comes from (sweep seed, task id, inputs), so results
 * show whether inputs (weights, DFM scores) reached the task intact. */
FsStatus task_run_fake(const TaskSpec *spec, const TaskEnv *env, TaskResult *out)
{
    const SweepConfig *cfg = env->cfg;
    const SweepDatasetInfo *di = &cfg->dsinfo[spec->dataset];
    const int64_t K = di->classes, N = di->h, E = cfg->epochs;
    static const double factor[TASK_KIND_COUNT] = {4, 1, 1, 2, 1, 2, 1, 1};

    if (cfg->fake_hang[0] && strstr(spec->key, cfg->fake_hang)) {
        for (;;) {
            FsStatus st = fake_sleep(env, 10);
            if (st != FS_OK) return st;
            if (env->deadline <= 0 && !env->stop) return fs_errorf(FS_ERR_TIMEOUT, "hang");
        }
    }
    const char *crash = getenv("FSWEEP_FAKE_CRASH"); /* tests: a worker dies on this task */
    if (crash && *crash && strstr(spec->key, crash)) raise(SIGKILL);

    FsStatus st = fake_sleep(env, cfg->fake_ms * factor[spec->kind]);
    if (st != FS_OK) return st;

    const TaskBlob *w = task_input(env, "weights");
    const TaskBlob *sc = task_input(env, "dfm_score");
    const char *need[2];
    int n_need = task_inputs(spec->kind, need);
    for (int i = 0; i < n_need; i++)
        if (!task_input(env, need[i]))
            return fs_errorf(FS_ERR_INTERNAL, "%s: input '%s' missing", spec->key, need[i]);
    uint64_t words[4] = {cfg->seed, spec->id, blob_hash(w), blob_hash(sc)};
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
            const char *dt[] = {"T", "class"};
            int64_t st2[] = {nT, K};
            fill_uniform(task_result_add(out, "tpr", BLOB_RESULTS, G, 0, 2, dt, st2), &r, 0, 1);
            fill_uniform(task_result_add(out, "fpr", BLOB_RESULTS, G, 0, 2, dt, st2), &r, 0, 0.3);
        }
        break;
    }
    case TASK_HFSS: {
        const char *d[] = {"class", "fy", "fx"};
        int64_t s[] = {K, N, N};
        TaskBlob *b = task_result_add(out, "hfss_dfm", BLOB_RESULTS, G, 1, 3, d, s);
        for (int64_t i = 0; i < K * N * N; i++) b->data[i] = rng_uniform(&r) < cfg->hfss_p;
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
    default:
        return fs_errorf(FS_ERR_INTERNAL, "unknown task kind %d", (int)spec->kind);
    }
    return FS_OK;
}
