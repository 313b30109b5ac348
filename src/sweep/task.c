/* task.c: TaskResult/TaskBlob helpers, packing, and the runners' input and stop checks
 * (see task.h). The runners themselves live in src/runner/ (runner.h). */
#include "task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ results */
void task_result_init(TaskResult *r, const TaskSpec *spec)
{
    memset(r, 0, sizeof *r);
    if (spec) {
        r->task_id = spec->id;
        r->index = spec->index;
    }
}

static void blob_coord_clear(TaskBlob *b, int i)
{
    free(b->coord[i]);
    b->coord[i] = NULL;
    if (b->label[i])
        for (int64_t j = 0; j < b->size[i]; j++) free(b->label[i][j]);
    free(b->label[i]);
    b->label[i] = NULL;
    b->coord_int &= ~(1u << i);
}

void task_blob_free(TaskBlob *b)
{
    for (int i = 0; i < TASK_BLOB_MAX_EXTRA; i++) blob_coord_clear(b, i);
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

void task_blob_narrow(TaskBlob *b, int dim, int64_t start, int64_t count)
{
    FS_CHECK(dim >= 0 && dim < b->n_extra && count >= 1 && start >= b->start[dim] &&
                 start + count <= b->start[dim] + b->count[dim],
             "blob %s: narrow dim %d to [%lld, +%lld) outside its window", b->name, dim,
             (long long)start, (long long)count);
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < dim; i++) outer *= b->count[i];
    for (int i = dim + 1; i < b->n_extra; i++) inner *= b->count[i];
    const int64_t cur = b->count[dim], off = start - b->start[dim];
    double *v = xmalloc(fs_mul_size((size_t)(outer * count * inner), sizeof(double), "blob"));
    for (int64_t o = 0; o < outer; o++) /* (outer, cur, inner) -> (outer, count, inner) */
        memcpy(v + o * count * inner, b->data + (o * cur + off) * inner,
               (size_t)(count * inner) * sizeof(double));
    free(b->data);
    b->data = v;
    b->start[dim] = start;
    b->count[dim] = count;
}

int task_blob_dim(const TaskBlob *b, const char *name)
{
    for (int i = 0; i < b->n_extra; i++)
        if (!strcmp(b->dim[i], name)) return i;
    return -1;
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

void task_blob_set_coord(TaskBlob *b, int i, const double *v, int integer)
{
    FS_CHECK((unsigned)i < (unsigned)b->n_extra, "blob %s: no extra dim %d", b->name, i);
    blob_coord_clear(b, i);
    b->coord[i] = xmalloc((size_t)b->size[i] * sizeof(double));
    memcpy(b->coord[i], v, (size_t)b->size[i] * sizeof(double));
    if (integer) b->coord_int |= 1u << i;
}

void task_blob_set_labels(TaskBlob *b, int i, const char *const *s)
{
    FS_CHECK((unsigned)i < (unsigned)b->n_extra, "blob %s: no extra dim %d", b->name, i);
    blob_coord_clear(b, i);
    b->label[i] = xcalloc((size_t)b->size[i], sizeof(char *));
    for (int64_t j = 0; j < b->size[i]; j++) b->label[i][j] = xstrdup(s[j]);
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
        int32_t hc = b->label[i] ? 3 : !b->coord[i] ? 0 : (b->coord_int >> i) & 1u ? 2 : 1;
        PUT(out, hc);
        if (hc == 1 || hc == 2) fsbuf_put(out, b->coord[i], (size_t)b->size[i] * sizeof(double));
        for (int64_t j = 0; hc == 3 && j < b->size[i]; j++) {
            uint32_t l = (uint32_t)strlen(b->label[i][j]);
            PUT(out, l);
            fsbuf_put(out, b->label[i][j], l);
        }
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
    uint64_t total = 1; /* prod(count) so far, kept within the bytes left (no overflow) */
    for (int i = 0; i < b->n_extra; i++) {
        rd(r, b->dim[i], sizeof b->dim[i]);
        b->dim[i][sizeof b->dim[i] - 1] = 0;
        int64_t s[3];
        rd(r, s, sizeof s);
        if (r->bad || s[0] < 1 || s[0] > (1 << 28) || s[1] < 0 || s[2] < 1 || s[2] > s[0] - s[1])
            return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: bad extent", b->name);
        if ((uint64_t)s[2] > (r->n - r->off) / total)
            return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: truncated", b->name);
        total *= (uint64_t)s[2];
        b->size[i] = s[0];
        b->start[i] = s[1];
        b->count[i] = s[2];
        int32_t hc = 0;
        rd(r, &hc, sizeof hc);
        if (r->bad || hc < 0 || hc > 3)
            return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: bad coordinate flag", b->name);
        if ((hc == 1 || hc == 2) && (size_t)s[0] > (r->n - r->off) / sizeof(double))
            return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: truncated coordinates", b->name);
        if (hc == 1 || hc == 2) {
            b->coord[i] = xmalloc((size_t)s[0] * sizeof(double));
            rd(r, b->coord[i], (size_t)s[0] * sizeof(double));
            if (hc == 2) b->coord_int |= 1u << i;
        }
        if (hc == 3 && (size_t)s[0] > (r->n - r->off) / sizeof(uint32_t))
            return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: truncated labels", b->name);
        if (hc == 3) b->label[i] = xcalloc((size_t)s[0], sizeof(char *));
        for (int64_t j = 0; hc == 3 && j < s[0]; j++) {
            uint32_t l = 0;
            rd(r, &l, sizeof l);
            if (r->bad || l > r->n - r->off)
                return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: truncated labels", b->name);
            b->label[i][j] = xmalloc((size_t)l + 1);
            rd(r, b->label[i][j], l);
            b->label[i][j][l] = 0;
            if (strlen(b->label[i][j]) != l)
                return fs_errorf(FS_ERR_FORMAT, "task result: blob %s: label holds a NUL", b->name);
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
int task_inputs(const SweepConfig *cfg, const TaskSpec *t, const char *names[2],
                const TaskSpec *at[2])
{
    at[0] = at[1] = t;
    switch (t->kind) {
    case TASK_TRAIN:
        if (t->n_deps == 0 || !cfg->dfmx || !cfg->dfmx[t->aug].on) return 0;
        /* a dfmx model: its source's maps, read at the source's coordinates (a dependency) */
        at[0] = &cfg->tasks[sweep_task_deps(cfg, t)[0]];
        names[0] = cfg->dfmx[t->aug].greedy ? "dfm_greedy" : "dfm_score";
        return 1;
    case TASK_ADCS:
        return 0;
    case TASK_SHORTCUT:
        names[0] = "weights";
        names[1] = "dfm_score";
        return 2;
    case TASK_XFER: /* this model's weights, the source arch's scores (its first DFM task) */
        names[0] = "weights";
        names[1] = "dfm_score";
        at[1] = &cfg->tasks[sweep_task_deps(cfg, t)[1]];
        return 2;
    case TASK_HFSS: /* its removal maps of the same size (hfss_evaluate) */
        names[0] = "weights";
        names[1] = "dfm_score";
        return cfg->dfm && cfg->tprfpr ? 2 : 1;
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
