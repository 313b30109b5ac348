/* report_store.c: the store reader of `fsweep report` (see report_store.h): opening the store
 * read-only, root attributes and config, /results arrays with their dimension names, labels
 * and coordinates, and the seed means the sections show. */
#include "report_store.h"

#include "log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const grid_dim_names[REPORT_GRID_COUNT] = {"arch", "aug", "band", "seed"};

/* ---------------------------------------------------------------- the store */
int report_store_open(ReportStore *rs, const char *path, HtmlDoc *notes)
{
    rs->notes = notes;
    rs->f = h5f_open(path, 0);
    return rs->f != NULL;
}

void report_store_close(ReportStore *rs)
{
    if (rs->f)
        h5f_close(rs->f);
    rs->f = NULL;
}

void report_store_names(ReportStore *rs, const char *ds, char ***names, int *n)
{
    char grp[256] = "/results";
    if (ds)
        fs_snprintf(grp, sizeof grp, "/results/%s", ds);
    *names = NULL;
    *n = 0;
    if (!h5f_exists(rs->f, grp) || h5f_list(rs->f, grp, names, n) != FS_OK) {
        *names = NULL;
        *n = 0;
    }
    fs_clear_error();
}

/* Root string attribute `name`, or NULL. */
static char *root_string(ReportStore *rs, const char *name)
{
    char *s = NULL;
    if (!h5f_attr_exists(rs->f, "/", name) || h5f_attr_get_str(rs->f, "/", name, &s) != FS_OK) {
        free(s);
        s = NULL;
    }
    fs_clear_error();
    return s;
}

char *report_store_attr(ReportStore *rs, const char *name)
{
    char *s = root_string(rs, name);
    if (s || !h5f_attr_exists(rs->f, "/", name))
        return s;
    char buf[64];
    int64_t iv;
    double dv;
    if (h5f_attr_get_i64(rs->f, "/", name, &iv) == FS_OK) {
        fs_snprintf(buf, sizeof buf, "%lld", (long long)iv);
        s = xstrdup(buf);
    } else if (h5f_attr_get_f64(rs->f, "/", name, &dv) == FS_OK) {
        fs_snprintf(buf, sizeof buf, "%.17g", dv);
        s = xstrdup(buf);
    }
    fs_clear_error();
    return s;
}

char *report_store_config(ReportStore *rs)
{
    return root_string(rs, "config");
}

FsStatus report_store_history(const char *path, StoreHistory **h, int64_t *n)
{
    Store *st = store_open_read(path);
    FsStatus s = st ? store_history(st, h, n) : FS_ERR_IO;
    if (st)
        store_close(st);
    return s;
}

/* ---------------------------------------------------------------- config text */
/* The value after "key =" on the next line from *cursor that sets key (leading blanks of the
 * line skipped), with *vlen its length up to the end of the line; *cursor moves past that
 * line. NULL when no further line sets key. */
static const char *config_find(const char **cursor, const char *key, size_t *vlen)
{
    size_t kl = strlen(key);
    for (const char *p = *cursor; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        const char *next = eol ? eol + 1 : NULL;
        if (len > kl && !strncmp(p, key, kl)) {
            const char *q = p + kl;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=') {
                q++;
                *cursor = next;
                *vlen = (size_t)((eol ? eol : q + strlen(q)) - q);
                return q;
            }
        }
        p = next;
    }
    *cursor = NULL;
    return NULL;
}

int report_config_value(const char *text, const char *key, char *buf, size_t n)
{
    size_t vl = 0;
    const char *q = config_find(&text, key, &vl);
    if (!q)
        return 0;
    while (vl && (*q == ' ' || *q == '\t'))
        q++, vl--;
    while (vl && (q[vl - 1] == ' ' || q[vl - 1] == '\r'))
        vl--;
    fs_snprintf(buf, n, "%.*s", (int)(vl < n ? vl : n - 1), q);
    return 1;
}

int report_config_threshold(const char *text, double *t)
{
    size_t vl;
    for (const char *q; (q = config_find(&text, "tpr_threshold", &vl)) != NULL;) {
        char *end;
        double v = strtod(q, &end);
        if (end != q && v >= 0 && v <= 1) {
            *t = v;
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- result arrays */
void report_var_free(ReportVar *v)
{
    free(v->v);
    v->v = NULL;
}

/* Size of grid dim g (1 when the array lacks it). */
int64_t report_var_gsize(const ReportVar *v, int g)
{
    return v->gpos[g] >= 0 ? v->dims[v->gpos[g]] : 1;
}

/* Read /results/<ds>/<name>. Returns 1 on success, 0 if absent, -1 on a malformed array (the
 * reason goes into the page). */
int report_var_read(ReportStore *rs, const char *ds, const char *name, ReportVar *out)
{
    memset(out, 0, sizeof *out);
    char path[256];
    fs_snprintf(path, sizeof path, "/results/%s/%s", ds, name);
    if (!h5f_exists(rs->f, path))
        return 0;
    fs_snprintf(out->name, sizeof out->name, "%s", name);
    void *data = NULL;
    if (h5f_read(rs->f, path, FSH5_F64, &out->rank, out->dims, &data) != FS_OK) {
        html_note(rs->notes, "Could not read %s: %s", path, fs_last_error());
        LOG_WARN("report: %s", fs_last_error());
        return -1;
    }
    out->v = data;
    char *dl = NULL;
    if (h5f_attr_get_str(rs->f, path, "fsweep_dims", &dl) != FS_OK) {
        html_note(rs->notes, "Skipped %s: it has no fsweep_dims attribute (dimension names).",
                  path);
        report_var_free(out);
        return -1;
    }
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(dl, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n < FSH5_MAX_RANK)
            fs_snprintf(out->dn[n], sizeof out->dn[n], "%.31s", t);
        n++;
    }
    free(dl);
    if (n != out->rank) {
        html_note(rs->notes, "Skipped %s: fsweep_dims names %d dimensions but the array has %d.",
                  path, n, out->rank);
        report_var_free(out);
        return -1;
    }
    for (int g = 0; g < REPORT_GRID_COUNT; g++)
        out->gpos[g] = -1;
    out->ng = 0;
    for (int i = 0; i < out->rank; i++) {
        int g = -1;
        for (int k = 0; k < REPORT_GRID_COUNT; k++)
            if (!strcmp(out->dn[i], grid_dim_names[k]))
                g = k;
        if (g < 0 || i != out->ng)
            break;
        out->gpos[g] = i;
        out->ng++;
    }
    out->extra_len = 1;
    for (int i = out->ng; i < out->rank; i++)
        out->extra_len *= out->dims[i];
    return 1;
}

/* Check that v's non-grid dims are named as expected (e.g. {"T", "class", "fy", "fx"}). */
int report_var_expect(ReportStore *rs, const char *ds, const ReportVar *v, int n,
                      const char *const *names)
{
    int ok = v->rank - v->ng == n;
    for (int i = 0; ok && i < n; i++)
        ok = !strcmp(v->dn[v->ng + i], names[i]);
    if (!ok) {
        FsBuf b = {0};
        for (int i = v->ng; i < v->rank; i++)
            fsbuf_printf(&b, "%s%s", i > v->ng ? "," : "", v->dn[i]);
        FsBuf e = {0};
        for (int i = 0; i < n; i++)
            fsbuf_printf(&e, "%s%s", i ? "," : "", names[i]);
        html_note(rs->notes, "Skipped /results/%s/%s: its dimensions are (%s), expected (%s).", ds,
                  v->name, b.s ? b.s : "", e.s ? e.s : "");
        fsbuf_free(&b);
        fsbuf_free(&e);
    }
    return ok;
}

/* Mean over seeds of the extra block at grid point g[0..2] = (arch, aug, band), NaNs skipped.
 * out has v->extra_len values (NaN where no seed has one). Returns the number of seeds with
 * at least one finite value. */
/* Offset in v->v of grid point g[0..2] = (arch, aug, band) at seed 0; *seed_stride gets the step
 * from one seed to the next (0 when v has no seed dim). Row-major over v->dims. */
static int64_t var_grid_offset(const ReportVar *v, const int64_t g[3], int64_t *seed_stride)
{
    int64_t stride[FSH5_MAX_RANK] = {0};
    int64_t s = 1;
    for (int i = v->rank - 1; i >= 0; i--) {
        stride[i] = s;
        s *= v->dims[i];
    }
    int64_t base = 0;
    for (int k = 0; k < 3; k++)
        if (v->gpos[k] >= 0)
            base += g[k] * stride[v->gpos[k]];
    *seed_stride = v->gpos[REPORT_GRID_SEED] >= 0 ? stride[v->gpos[REPORT_GRID_SEED]] : 0;
    return base;
}

int report_var_mean(const ReportVar *v, const int64_t g[3], double *out)
{
    int64_t seed_stride = 0;
    const int64_t base = var_grid_offset(v, g, &seed_stride);
    int64_t ns = report_var_gsize(v, REPORT_GRID_SEED);
    int used = 0;
    int *cnt = xcalloc((size_t)v->extra_len, sizeof *cnt);
    for (int64_t i = 0; i < v->extra_len; i++)
        out[i] = 0;
    for (int64_t sd = 0; sd < ns; sd++) {
        int64_t off = base + sd * seed_stride;
        int any = 0;
        for (int64_t i = 0; i < v->extra_len; i++) {
            double x = v->v[off + i];
            if (!isfinite(x))
                continue;
            out[i] += x;
            cnt[i]++;
            any = 1;
        }
        used += any;
    }
    for (int64_t i = 0; i < v->extra_len; i++)
        out[i] = cnt[i] ? out[i] / cnt[i] : (double)NAN;
    free(cnt);
    return used;
}

int report_var_seed_block(const ReportVar *v, const int64_t g[3], int64_t sd, double *out)
{
    int inside = sd >= 0 && sd < report_var_gsize(v, REPORT_GRID_SEED);
    for (int k = 0; k < 3; k++)
        inside &= g[k] >= 0 && g[k] < report_var_gsize(v, k);
    if (!inside) {
        for (int64_t i = 0; i < v->extra_len; i++)
            out[i] = (double)NAN;
        return 0;
    }
    int64_t seed_stride = 0;
    const int64_t base = var_grid_offset(v, g, &seed_stride);
    memcpy(out, v->v + base + sd * seed_stride, (size_t)v->extra_len * sizeof *out);
    return 1;
}

/* ---------------------------------------------------------------- labels */
void report_labels_free(ReportLabels *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    l->s = NULL;
    l->n = 0;
}

int64_t report_labels_reference(const ReportLabels *tb)
{
    static const char *const refs[] = {"none", "orig", "original", "all", "full", "clean"};
    for (int i = 0; i < tb->n; i++)
        for (size_t j = 0; j < FS_ARRAY_LEN(refs); j++)
            if (!strcmp(tb->s[i], refs[j]))
                return i;
    return 0;
}

/* Class names of the datasets the sweep knows (sweep_dataset_info), used when the store has no
 * names of its own; label order as in PAPER.md 3-4 and the loaders. */
static const char *const *known_class_names(const char *ds, int64_t k)
{
    static const char *const fmnist[10] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                           "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                           "Bag",         "Ankle boot"};
    static const char *const cifar10[10] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                            "dog",      "frog",       "horse", "ship", "truck"};
    static const char *const in10[10] = {
        "airliner",         "wagon",       "hummingbird", "Siamese cat",    "ox",
        "golden retriever", "tailed frog", "zebra",       "container ship", "trailer truck"};
    if (k != 10)
        return NULL;
    if (!strncmp(ds, "fashion_mnist", 13) || !strncmp(ds, "fashion-mnist", 13))
        return fmnist;
    if (!strcmp(ds, "cifar10"))
        return cifar10;
    if (!strncmp(ds, "imagenet10", 10))
        return in10;
    return NULL;
}

/* Labels of dimension `dim` (n entries) of dataset group ds: the sibling dataset's strings,
 * else its numbers (when they vary, or for seed/T), else "<prefix><index>". */
ReportLabels report_labels_read(ReportStore *rs, const char *ds, const char *dim, int64_t n,
                                const char *prefix)
{
    ReportLabels l = {(int)n, xcalloc((size_t)(n > 0 ? n : 1), sizeof(char *))};
    char path[256];
    const char *cands[2] = {dim, !strcmp(dim, "class") ? "class_names" : NULL};
    for (int c = 0; c < 2 && cands[c]; c++) {
        fs_snprintf(path, sizeof path, "/results/%s/%s", ds, cands[c]);
        if (!h5f_exists(rs->f, path))
            continue;
        int m = 0;
        char **s = NULL;
        if (h5f_read_strings(rs->f, path, &m, &s) == FS_OK) {
            if (m == n) {
                for (int i = 0; i < m; i++)
                    l.s[i] = s[i];
                free(s);
                return l;
            }
            for (int i = 0; i < m; i++)
                free(s[i]);
            free(s);
            continue;
        }
        int rank;
        int64_t dims[FSH5_MAX_RANK];
        void *d = NULL;
        if (h5f_read(rs->f, path, FSH5_F64, &rank, dims, &d) == FS_OK && rank == 1 &&
            dims[0] == n) {
            const double *x = d;
            int varies = !strcmp(dim, "seed") || !strcmp(dim, "T") || n == 1;
            for (int64_t i = 1; i < n; i++)
                varies |= x[i] != x[0];
            if (varies) {
                for (int64_t i = 0; i < n; i++) {
                    char b[64];
                    fs_snprintf(b, sizeof b, "%s%g", !strcmp(dim, "seed") ? "s" : "", x[i]);
                    l.s[i] = xstrdup(b);
                }
                free(d);
                return l;
            }
        }
        free(d);
    }
    fs_clear_error();
    const char *const *known = !strcmp(dim, "class") ? known_class_names(ds, n) : NULL;
    for (int64_t i = 0; i < n; i++) {
        char b[64];
        fs_snprintf(b, sizeof b, "%s%lld", prefix, (long long)i);
        l.s[i] = xstrdup(known ? known[i] : b);
    }
    return l;
}

/* Numeric coordinates of a dim (e.g. epoch or step), or 1..n when it has none. */
double *report_coords_read(ReportStore *rs, const char *ds, const char *dim, int64_t n)
{
    double *x = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *x);
    for (int64_t i = 0; i < n; i++)
        x[i] = (double)(i + 1);
    char path[256];
    fs_snprintf(path, sizeof path, "/results/%s/%s", ds, dim);
    int rank;
    int64_t dims[FSH5_MAX_RANK];
    void *d = NULL;
    if (h5f_exists(rs->f, path) && h5f_read(rs->f, path, FSH5_F64, &rank, dims, &d) == FS_OK &&
        rank == 1 && dims[0] == n) {
        const double *c = d;
        int incr = n > 1;
        for (int64_t i = 1; i < n; i++)
            incr &= c[i] > c[i - 1];
        if (incr)
            memcpy(x, c, (size_t)n * sizeof *x);
    }
    free(d);
    fs_clear_error();
    return x;
}

/* ---------------------------------------------------------------- model grid */
ReportModels report_models_read(ReportStore *rs, const char *ds, const ReportVar *v)
{
    ReportModels m;
    m.na = report_var_gsize(v, REPORT_GRID_ARCH);
    m.ng = report_var_gsize(v, REPORT_GRID_AUG);
    m.nb = report_var_gsize(v, REPORT_GRID_BAND);
    m.arch = report_labels_read(rs, ds, "arch", m.na, "arch");
    m.aug = report_labels_read(rs, ds, "aug", m.ng, "aug");
    m.band = report_labels_read(rs, ds, "band", m.nb, "band");
    return m;
}

void report_models_free(ReportModels *m)
{
    report_labels_free(&m->arch);
    report_labels_free(&m->aug);
    report_labels_free(&m->band);
}

/* "resnet18" or "resnet18+augmix" when the store has more than one augmentation. */
void report_models_name(const ReportModels *m, int64_t a, int64_t g, char *buf, size_t n)
{
    if (m->ng > 1)
        fs_snprintf(buf, n, "%s+%s", m->arch.s[a], m->aug.s[g]);
    else
        fs_snprintf(buf, n, "%s", m->arch.s[a]);
}
