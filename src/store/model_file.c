/* model_file.c: model files over h5file.h (the store module is the only
 * HDF5 user; this file calls only h5f_* functions). Layout (README "Model files"):
 *   /                      attributes: format "fsweep-model", format_version, arch, c, h, w, k,
 *                          seed, width, vit_*, dropout, num_params, mean[c], std[c], notes
 *   /state_dict/<name>     one dataset per PyTorch state_dict() entry, same name and shape;
 *                          float32, num_batches_tracked int64 scalars
 *   /curves/<name>         optional float64 analysis curves (model_file_add_curve) */
#include "model_file.h"

#include "dataset.h"
#include "h5file.h"
#include "isolate.h"
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "build_info.h"

#define MODEL_FORMAT "fsweep-model"
#define MODEL_FORMAT_VERSION 1

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        st = (expr);                                                                               \
        if (st != FS_OK) goto fail;                                                                \
    } while (0)

FsStatus model_file_write(const Model *m, const char *path, const float *mean, const float *std)
{
    H5File *f = h5f_create(path);
    if (!f) return FS_ERR_IO;
    FsStatus st = FS_OK;
    const ModelOptions *o = model_options(m);
    int c, h, w, k;
    model_input_shape(m, &c, &h, &w, &k);
    double mu[DATASET_MAX_CH], sd[DATASET_MAX_CH];
    float *v = NULL;
    int64_t *cnt = NULL;
    for (int i = 0; i < c; i++) {
        mu[i] = mean ? (double)mean[i] : 0.0;
        sd[i] = std ? (double)std[i] : 1.0;
    }
    TRY(h5f_attr_set_str(f, "/", "format", MODEL_FORMAT));
    TRY(h5f_attr_set_i64(f, "/", "format_version", MODEL_FORMAT_VERSION));
    TRY(h5f_attr_set_str(f, "/", "fsweep_version", FS_VERSION " (git " FS_GIT_HASH ")"));
    TRY(h5f_attr_set_str(f, "/", "arch", model_arch(m)));
    TRY(h5f_attr_set_i64(f, "/", "c", c));
    TRY(h5f_attr_set_i64(f, "/", "h", h));
    TRY(h5f_attr_set_i64(f, "/", "w", w));
    TRY(h5f_attr_set_i64(f, "/", "k", k));
    TRY(h5f_attr_set_i64(f, "/", "seed", (int64_t)model_seed(m)));
    TRY(h5f_attr_set_f64(f, "/", "width", o->width));
    TRY(h5f_attr_set_i64(f, "/", "vit_depth", o->vit_depth));
    TRY(h5f_attr_set_i64(f, "/", "vit_dim", o->vit_dim));
    TRY(h5f_attr_set_i64(f, "/", "vit_heads", o->vit_heads));
    TRY(h5f_attr_set_i64(f, "/", "vit_patch", o->vit_patch));
    TRY(h5f_attr_set_i64(f, "/", "vit_mlp", o->vit_mlp));
    TRY(h5f_attr_set_f64(f, "/", "dropout", o->dropout));
    TRY(h5f_attr_set_i64(f, "/", "num_params", (int64_t)model_num_params(m)));
    TRY(h5f_attr_set_f64_array(f, "/", "mean", c, mu));
    TRY(h5f_attr_set_f64_array(f, "/", "std", c, sd));
    TRY(h5f_create_group(f, "/state_dict"));
    v = xmalloc(fs_mul_size(model_state_floats(m), sizeof(float), "model state"));
    cnt = xmalloc(fs_mul_size((size_t)model_state_counters(m), sizeof(int64_t), "model state"));
    model_state_export(m, v, cnt);
    for (int i = 0; i < model_state_count(m); i++) {
        ModelStateEntry e;
        model_state_entry(m, i, &e);
        char p[MODEL_NAME_MAX + 16];
        fs_snprintf(p, sizeof p, "/state_dict/%s", e.name);
        if (e.kind == MODEL_STATE_COUNTER)
            TRY(h5f_write(f, p, FSH5_I64, 0, e.dims, &cnt[e.off]));
        else
            TRY(h5f_write(f, p, FSH5_F32, e.rank, e.dims, v + e.off));
    }
    free(v);
    free(cnt);
    return h5f_close(f);
fail:
    free(v);
    free(cnt);
    h5f_close(f);
    return st;
}

static FsStatus get_int(H5File *f, const char *name, long lo, long hi, int *out)
{
    int64_t v = 0;
    FsStatus st = h5f_attr_get_i64(f, "/", name, &v);
    if (st != FS_OK) return st;
    if (v < lo || v > hi)
        return fs_errorf(FS_ERR_FORMAT, "%s: attribute %s = %lld outside [%ld, %ld]", h5f_path(f),
                         name, (long long)v, lo, hi);
    *out = (int)v;
    return FS_OK;
}

static FsStatus model_file_read_direct(const char *path, Model **out, float *mean, float *std)
{
    *out = NULL;
    H5File *f = h5f_open(path, 0);
    if (!f) return FS_ERR_IO;
    FsStatus st = FS_OK;
    char *fmt = NULL, *arch = NULL;
    double *mu = NULL, *sd = NULL;
    Model *m = NULL;
    float *v = NULL;
    int64_t *cnt = NULL;
    int ver = 0, c = 0, h = 0, w = 0, k = 0, nm = 0, ns = 0;
    int64_t seed = 0;
    ModelOptions o;
    model_options_default(&o);
    if (!h5f_attr_exists(f, "/", "format")) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: not an fsweep model file (no root attribute format; expected "
                       "format '%s' version %d)", path, MODEL_FORMAT, MODEL_FORMAT_VERSION);
        goto fail;
    }
    TRY(h5f_attr_get_str(f, "/", "format", &fmt));
    if (strcmp(fmt, MODEL_FORMAT) != 0) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: not an fsweep model file: format = '%s', expected format '%s' "
                       "version %d", path, fmt, MODEL_FORMAT, MODEL_FORMAT_VERSION);
        goto fail;
    }
    TRY(get_int(f, "format_version", 0, 1000, &ver));
    if (ver != MODEL_FORMAT_VERSION) {
        st = fs_errorf(FS_ERR_FORMAT,
                       "%s: model format version %d, this fsweep reads version %d (retrain, or use "
                       "the fsweep that wrote it)",
                       path, ver, MODEL_FORMAT_VERSION);
        goto fail;
    }
    TRY(h5f_attr_get_str(f, "/", "arch", &arch));
    TRY(get_int(f, "c", 1, 3, &c));
    TRY(get_int(f, "h", 1, 4096, &h));
    TRY(get_int(f, "w", 1, 4096, &w));
    TRY(get_int(f, "k", 2, 1000000, &k));
    TRY(h5f_attr_get_i64(f, "/", "seed", &seed));
    TRY(h5f_attr_get_f64(f, "/", "width", &o.width));
    TRY(get_int(f, "vit_depth", 0, 1000, &o.vit_depth));
    TRY(get_int(f, "vit_dim", 0, 1 << 20, &o.vit_dim));
    TRY(get_int(f, "vit_heads", 0, 4096, &o.vit_heads));
    TRY(get_int(f, "vit_patch", 0, 4096, &o.vit_patch));
    TRY(get_int(f, "vit_mlp", 0, 1 << 24, &o.vit_mlp));
    TRY(h5f_attr_get_f64(f, "/", "dropout", &o.dropout));
    TRY(h5f_attr_get_f64_array(f, "/", "mean", &nm, &mu));
    TRY(h5f_attr_get_f64_array(f, "/", "std", &ns, &sd));
    if (nm != c || ns != c) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: mean/std have %d/%d values, expected %d", path, nm, ns, c);
        goto fail;
    }
    st = model_create(arch, &o, c, h, w, k, (uint64_t)seed, &m);
    if (st != FS_OK) {
        st = fs_errorf(st, "%s: %s", path, fs_last_error());
        goto fail;
    }
    v = xmalloc(fs_mul_size(model_state_floats(m), sizeof(float), "model state"));
    cnt = xmalloc(fs_mul_size((size_t)model_state_counters(m), sizeof(int64_t), "model state"));
    model_state_export(m, v, cnt);
    for (int i = 0; i < model_state_count(m); i++) {
        ModelStateEntry e;
        model_state_entry(m, i, &e);
        char p[MODEL_NAME_MAX + 16];
        fs_snprintf(p, sizeof p, "/state_dict/%s", e.name);
        if (!h5f_exists(f, p)) {
            st = fs_errorf(FS_ERR_FORMAT, "%s: tensor %s missing for %s", path, e.name, arch);
            goto fail;
        }
        if (e.kind == MODEL_STATE_COUNTER)
            TRY(h5f_read_into(f, p, FSH5_I64, 0, e.dims, &cnt[e.off]));
        else
            TRY(h5f_read_into(f, p, FSH5_F32, e.rank, e.dims, v + e.off));
    }
    TRY(model_state_import(m, v, model_state_floats(m), cnt));
    for (int i = 0; i < c; i++) {
        if (mean) mean[i] = (float)mu[i];
        if (std) std[i] = (float)sd[i];
    }
    *out = m;
    m = NULL;
fail:
    model_free(m);
    free(v);
    free(cnt);
    free(fmt);
    free(arch);
    free(mu);
    free(sd);
    FsStatus cs = h5f_close(f);
    return st != FS_OK ? st : cs;
}

FsStatus model_file_add_curve(const char *path, const char *name, int rank, const int64_t *dims,
                              const double *data)
{
    H5File *f = h5f_open(path, 1);
    if (!f) return FS_ERR_IO;
    char p[256];
    fs_snprintf(p, sizeof p, "/curves/%s", name);
    FsStatus st = h5f_write(f, p, FSH5_F64, rank, dims, data);
    FsStatus cs = h5f_close(f);
    return st != FS_OK ? st : cs;
}

FsStatus model_file_set_note(const char *path, const char *key, const char *value)
{
    H5File *f = h5f_open(path, 1);
    if (!f) return FS_ERR_IO;
    FsStatus st = h5f_attr_set_str(f, "/", key, value);
    FsStatus cs = h5f_close(f);
    return st != FS_OK ? st : cs;
}

typedef struct {
    const char *path;
} ModelProbe;

static FsStatus model_probe(void *arg) /* in fs_isolated's child */
{
    Model *m = NULL;
    float mean[4], std[4];
    FsStatus st = model_file_read_direct(((ModelProbe *)arg)->path, &m, mean, std);
    model_free(m);
    return st;
}

/* Read once in a child first (isolate.h): a file that crashes or hangs libhdf5 becomes an error. */
FsStatus model_file_read(const char *path, Model **out, float *mean, float *std)
{
    *out = NULL;
    ModelProbe p = {path};
    FsStatus st = fs_isolated(path, model_probe, &p, 0);
    return st == FS_OK ? model_file_read_direct(path, out, mean, std) : st;
}
