/* dfm_file.c: see dfm_file.h. */
#include "dfm_file.h"

#include "h5file.h"
#include "isolate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DFM_FILE_VERSION 1 /* root attribute `version` */

void dfm_maps_free(DfmMaps *m)
{
    free(m->thresholds);
    free(m->dfm);
    free(m->loss_map);
    memset(m, 0, sizeof *m);
}

static FsStatus dfm_maps_read_direct(const char *path, DfmMaps *m)
{
    memset(m, 0, sizeof *m);
    H5File *f = h5f_open(path, 0);
    if (!f) return FS_ERR_IO;
    char *fmt = NULL, *method = NULL;
    int64_t ver = -1;
    FsStatus st = FS_OK;
    if (!h5f_attr_exists(f, "/", "format"))
        st = fs_errorf(FS_ERR_FORMAT, "%s: not an fsweep DFM file (no root attribute format; "
                       "expected format 'fsweep-dfm' version %d)", path, DFM_FILE_VERSION);
    if (st == FS_OK) st = h5f_attr_get_str(f, "/", "format", &fmt);
    if (st == FS_OK && strcmp(fmt, "fsweep-dfm") != 0)
        st = fs_errorf(FS_ERR_FORMAT, "%s: not an fsweep DFM file: format = '%s', expected "
                       "format 'fsweep-dfm' version %d", path, fmt, DFM_FILE_VERSION);
    if (st == FS_OK && (!h5f_attr_exists(f, "/", "version") ||
                        h5f_attr_get_i64(f, "/", "version", &ver) != FS_OK ||
                        ver != DFM_FILE_VERSION))
        st = fs_errorf(FS_ERR_FORMAT, "%s: DFM file version %lld, this fsweep reads version %d "
                       "(make it again with `fsweep dfm`)", path, (long long)ver,
                       DFM_FILE_VERSION);
    if (st == FS_OK) st = h5f_attr_get_str(f, "/", "method", &method);
    if (st == FS_OK) fs_snprintf(m->method, sizeof m->method, "%.31s", method);
    int rank = 0;
    int64_t dims[FSH5_MAX_RANK];
    void *data = NULL;
    if (st == FS_OK) st = h5f_read(f, "/dfm", FSH5_U8, &rank, dims, &data);
    if (st == FS_OK && rank != 4) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: /dfm has rank %d, expected 4 (T, K, H, W)", path, rank);
        free(data);
        data = NULL;
    }
    if (st == FS_OK) {
        m->dfm = data;
        m->n_t = (int)dims[0];
        m->k = (int)dims[1];
        m->h = (int)dims[2];
        m->w = (int)dims[3];
        m->thresholds = xmalloc((size_t)m->n_t * sizeof *m->thresholds);
        int64_t td[1] = {m->n_t};
        st = h5f_read_into(f, "/thresholds", FSH5_F64, 1, td, m->thresholds);
    }
    if (st == FS_OK && h5f_exists(f, "/loss_map")) {
        int64_t ld[3] = {m->k, m->h, m->w};
        m->loss_map = xmalloc((size_t)m->k * m->h * m->w * sizeof *m->loss_map);
        st = h5f_read_into(f, "/loss_map", FSH5_F64, 3, ld, m->loss_map);
    }
    free(fmt);
    free(method);
    FsStatus cst = h5f_close(f);
    if (st == FS_OK) st = cst;
    if (st != FS_OK) dfm_maps_free(m);
    return st;
}

int dfm_maps_find(const DfmMaps *m, double t)
{
    for (int i = 0; i < m->n_t; i++)
        if (fabs(m->thresholds[i] - t) < 1e-9) return i;
    return -1;
}

struct H5File *dfm_file_create(const char *path, const DfmFileOut *o)
{
    H5File *f = h5f_create(path);
    if (!f) return NULL;
    int64_t d4[4] = {o->n_t, o->k, o->h, o->w}, d3[3] = {o->k, o->h, o->w}, dt[1] = {o->n_t};
    int64_t dm[2] = {o->n_masks, o->k}, dk[1] = {o->k}, dm1[1] = {o->n_masks};
    int64_t ds[2] = {o->n_stages, o->k};
    FsStatus st = h5f_attr_set_str(f, "/", "format", "fsweep-dfm");
    if (st == FS_OK) st = h5f_attr_set_i64(f, "/", "version", DFM_FILE_VERSION);
    const char *skeys[] = {"method", "model", "data", "geometry", "path"};
    const char *svals[] = {o->method, o->model, o->data, o->geometry, o->path};
    for (int i = 0; i < 5 && st == FS_OK; i++)
        if (svals[i]) st = h5f_attr_set_str(f, "/", skeys[i], svals[i]);
    const char *ikeys[] = {"patch", "legacy_row0", "n_images", "masks_total", "masks_evaluated",
                           "forward_images", "ranks"};
    int64_t ivals[] = {o->patch, o->legacy_row0, o->n_images, o->n_masks, o->masks_evaluated,
                       o->forward_images, o->ranks};
    for (int i = 0; i < 7 && st == FS_OK; i++) st = h5f_attr_set_i64(f, "/", ikeys[i], ivals[i]);
    if (st == FS_OK) st = h5f_attr_set_f64(f, "/", "seconds", o->seconds);
    if (st == FS_OK) st = h5f_write(f, "/dfm", FSH5_U8, 4, d4, o->dfm);
    if (st == FS_OK) st = h5f_write(f, "/thresholds", FSH5_F64, 1, dt, o->thresholds);
    if (st == FS_OK && o->loss_map) st = h5f_write(f, "/loss_map", FSH5_F64, 3, d3, o->loss_map);
    if (st == FS_OK && o->scores) st = h5f_write(f, "/scores", FSH5_F64, 2, dm, o->scores);
    if (st == FS_OK && o->clean_loss)
        st = h5f_write(f, "/clean_loss", FSH5_F64, 1, dk, o->clean_loss);
    if (st == FS_OK && o->evaluated) st = h5f_write(f, "/evaluated", FSH5_U8, 1, dm1, o->evaluated);
    if (st == FS_OK && o->stage_best)
        st = h5f_write(f, "/stage_best", FSH5_F64, 2, ds, o->stage_best);
    if (st == FS_OK && o->class_names)
        st = h5f_write_strings(f, "/class_names", o->k, (const char *const *)o->class_names);
    if (st != FS_OK) {
        h5f_close(f);
        return NULL;
    }
    return f;
}

typedef struct {
    const char *path;
} DfmProbe;

static FsStatus dfm_probe(void *arg) /* in fs_isolated's child */
{
    DfmMaps m;
    FsStatus st = dfm_maps_read_direct(((DfmProbe *)arg)->path, &m);
    if (st == FS_OK) dfm_maps_free(&m);
    return st;
}

/* Read once in a child first (isolate.h): a file that crashes or hangs libhdf5 becomes an error. */
FsStatus dfm_maps_read(const char *path, DfmMaps *m)
{
    memset(m, 0, sizeof *m);
    DfmProbe p = {path};
    FsStatus st = fs_isolated(path, dfm_probe, &p, 0);
    return st == FS_OK ? dfm_maps_read_direct(path, m) : st;
}
