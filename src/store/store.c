/* store.c: see store.h. Raw HDF5 for appendable tables and hyperslab writes into the result
 * arrays (h5file.h covers whole datasets only); the journal makes every append recoverable. */
#include "store.h"

#include "log.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *store_library_version(void)
{
    static char v[32];
    unsigned maj = 0, min = 0, rel = 0;
    if (H5get_libversion(&maj, &min, &rel) < 0) return "unknown";
    fs_snprintf(v, sizeof v, "%u.%u.%u", maj, min, rel);
    return v;
}

/* The grid axes kept in /axes (test_band and ood are extra dims of their blobs). */
#define NGRID 5
static const int grid_axes[NGRID] = {AX_DATASET, AX_ARCH, AX_AUG, AX_BAND, AX_SEED};
static const char *const grid_names[NGRID] = {"dataset", "arch", "aug", "band", "seed"};

/* What a journal record and a row carry to place a result without the config. */
typedef struct {
    char key[160];
    int32_t kind, part;
    int64_t seed;
    char v[4][48]; /* dataset, arch, aug, band */
} StoreKey;

enum { JREC_RESULT = 1, JREC_HISTORY = 2, JREC_CONFIG = 3, JREC_START = 4 };
#define JMAGIC 0x4653524Au /* "JRSF" */

typedef struct {
    uint64_t id;
    int32_t done, attempts;
} MapEntry;

struct Store {
    hid_t f;
    char *path, *jpath;
    FILE *jf;
    int readonly, fsync_each;
    char **ax[NGRID];
    int nax[NGRID];
    MapEntry *map;
    size_t map_cap, map_n;
    int64_t nrows;
    hid_t str_t, row_t, hist_t;
    hid_t dxpl;            /* transfer properties with our own conversion buffers: HDF5's */
    void *tconv, *bkg;     /* default callocs 1 MiB on every converting read or write */
};

#define H5TRY(call, what)                                                                          \
    do {                                                                                           \
        if ((call) < 0) {                                                                          \
            st = fs_errorf(FS_ERR_LIB, "%s: HDF5 %s failed", s->path, what);                       \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------------ id map */
static MapEntry *map_get(Store *s, uint64_t id, int add)
{
    if (add && (s->map_n + 1) * 2 > s->map_cap) {
        size_t cap = s->map_cap ? s->map_cap * 2 : 1024;
        MapEntry *m = xcalloc(cap, sizeof *m);
        for (size_t i = 0; i < s->map_cap; i++)
            if (s->map[i].id) {
                size_t j = s->map[i].id & (cap - 1);
                while (m[j].id) j = (j + 1) & (cap - 1);
                m[j] = s->map[i];
            }
        free(s->map);
        s->map = m;
        s->map_cap = cap;
    }
    if (!s->map_cap) return NULL;
    if (!id) id = 1; /* 0 marks empty slots */
    size_t j = id & (s->map_cap - 1);
    while (s->map[j].id && s->map[j].id != id) j = (j + 1) & (s->map_cap - 1);
    if (!s->map[j].id) {
        if (!add) return NULL;
        s->map[j].id = id;
        s->map_n++;
    }
    return &s->map[j];
}

static void map_note(Store *s, uint64_t id, int status)
{
    MapEntry *e = map_get(s, id, 1);
    if (!e) return;
    e->attempts++;
    if (status == FS_OK) e->done = 1;
}

static const MapEntry *map_find(const Store *s, uint64_t id)
{
    if (!s->map_cap) return NULL;
    if (!id) id = 1;
    size_t j = id & (s->map_cap - 1);
    while (s->map[j].id && s->map[j].id != id) j = (j + 1) & (s->map_cap - 1);
    return s->map[j].id ? &s->map[j] : NULL;
}

int store_is_done(const Store *st, uint64_t id)
{
    const MapEntry *e = map_find(st, id);
    return e && e->done;
}
int store_attempts(const Store *st, uint64_t id)
{
    const MapEntry *e = map_find(st, id);
    return e ? e->attempts : 0;
}
int64_t store_row_count(const Store *st) { return st->nrows; }
const char *store_path(const Store *st) { return st->path; }

/* ------------------------------------------------------------------ types */
typedef struct {
    uint64_t task_id;
    const char *key, *kind, *dataset, *arch, *aug, *band;
    int64_t seed;
    int32_t part, status;
    const char *status_name;
    int32_t attempt, rank;
    const char *host;
    double start, end, wall;
    const char *error;
} RowMem;

typedef struct {
    double time;
    const char *time_iso, *event, *config_hash;
    int32_t ranks;
    const char *host, *job_id, *version;
} HistMem;

static void make_types(Store *s)
{
    s->str_t = H5Tcopy(H5T_C_S1);
    H5Tset_size(s->str_t, H5T_VARIABLE);
    H5Tset_cset(s->str_t, H5T_CSET_UTF8);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(RowMem));
#define F(name, type) H5Tinsert(t, #name, HOFFSET(RowMem, name), type)
    F(task_id, H5T_NATIVE_UINT64);
    F(key, s->str_t);
    F(kind, s->str_t);
    F(dataset, s->str_t);
    F(arch, s->str_t);
    F(aug, s->str_t);
    F(band, s->str_t);
    F(seed, H5T_NATIVE_INT64);
    F(part, H5T_NATIVE_INT32);
    F(status, H5T_NATIVE_INT32);
    F(status_name, s->str_t);
    F(attempt, H5T_NATIVE_INT32);
    F(rank, H5T_NATIVE_INT32);
    F(host, s->str_t);
    F(start, H5T_NATIVE_DOUBLE);
    F(end, H5T_NATIVE_DOUBLE);
    F(wall, H5T_NATIVE_DOUBLE);
    F(error, s->str_t);
#undef F
    s->row_t = t;
    t = H5Tcreate(H5T_COMPOUND, sizeof(HistMem));
#define F(name, type) H5Tinsert(t, #name, HOFFSET(HistMem, name), type)
    F(time, H5T_NATIVE_DOUBLE);
    F(time_iso, s->str_t);
    F(event, s->str_t);
    F(config_hash, s->str_t);
    F(ranks, H5T_NATIVE_INT32);
    F(host, s->str_t);
    F(job_id, s->str_t);
    F(version, s->str_t);
#undef F
    s->hist_t = t;
}

/* ------------------------------------------------------------------ small helpers */
static int link_exists(hid_t loc, const char *path)
{
    /* every prefix must exist for H5Lexists */
    char buf[512];
    fs_snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (H5Lexists(loc, buf, H5P_DEFAULT) <= 0) return 0;
            if (!c) return 1;
            *p = c;
        }
    }
}

static hid_t group_ensure(Store *s, const char *path)
{
    char buf[512];
    fs_snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (H5Lexists(s->f, buf, H5P_DEFAULT) <= 0) {
                hid_t g = H5Gcreate2(s->f, buf, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
                if (g < 0) return -1;
                H5Gclose(g);
            }
            if (!c) break;
            *p = c;
        }
    }
    return H5Gopen2(s->f, path, H5P_DEFAULT);
}

static FsStatus attr_str(Store *s, hid_t obj, const char *name, const char *v)
{
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        return fs_errorf(FS_ERR_LIB, "%s: cannot replace attribute %s", s->path, name);
    /* variable-length UTF-8: h5py reads it as str */
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, t, &v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return e < 0 ? fs_errorf(FS_ERR_LIB, "%s: cannot write attribute %s", s->path, name) : FS_OK;
}

static FsStatus attr_num(Store *s, hid_t obj, const char *name, hid_t type, const void *v)
{
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        return fs_errorf(FS_ERR_LIB, "%s: cannot replace attribute %s", s->path, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, type, v);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return e < 0 ? fs_errorf(FS_ERR_LIB, "%s: cannot write attribute %s", s->path, name) : FS_OK;
}

static int attr_get_i64(hid_t obj, const char *name, int64_t *v)
{
    if (H5Aexists(obj, name) <= 0) return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return 0;
    herr_t e = H5Aread(a, H5T_NATIVE_INT64, v);
    H5Aclose(a);
    return e >= 0;
}

static char *attr_get_str(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return NULL;
    hid_t t = H5Aget_type(a);
    char *out = NULL;
    if (H5Tis_variable_str(t) > 0) {
        char *p = NULL;
        if (H5Aread(a, t, &p) >= 0 && p) { /* the file's own type: no charset conversion */
            out = xstrdup(p);
            H5free_memory(p);
        }
    } else {
        size_t n = H5Tget_size(t);
        out = xcalloc(n + 1, 1);
        if (H5Aread(a, t, out) < 0) {
            free(out);
            out = NULL;
        }
    }
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

FsStatus store_set_attr(Store *s, const char *name, const char *value)
{
    hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
    FsStatus st = attr_str(s, r, name, value ? value : "");
    H5Gclose(r);
    return st;
}

FsStatus store_set_attr_f64(Store *s, const char *name, double v)
{
    hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
    FsStatus st = attr_num(s, r, name, H5T_NATIVE_DOUBLE, &v);
    H5Gclose(r);
    return st;
}

FsStatus store_get_attr(Store *s, const char *name, char **value)
{
    if (s->f < 0) return fs_errorf(FS_ERR_IO, "%s: HDF5 file not open", s->path);
    hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
    *value = attr_get_str(r, name);
    H5Gclose(r);
    return *value ? FS_OK : fs_errorf(FS_ERR_FORMAT, "%s: no attribute %s", s->path, name);
}

/* 1-D appendable table of compound rows. */
static hid_t table_open(Store *s, const char *path, hid_t type)
{
    if (link_exists(s->f, path)) return H5Dopen2(s->f, path, H5P_DEFAULT);
    if (s->readonly) return -1;
    hsize_t d = 0, mx = H5S_UNLIMITED, ch = 256;
    hid_t sp = H5Screate_simple(1, &d, &mx);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &ch);
    hid_t ds = H5Dcreate2(s->f, path, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return ds;
}

static FsStatus table_append(Store *s, const char *path, hid_t type, const void *row)
{
    FsStatus st = FS_OK;
    hid_t ds = table_open(s, path, type), fsp = -1, msp = -1;
    H5TRY(ds, "open table");
    fsp = H5Dget_space(ds);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(fsp, &n, NULL);
    H5Sclose(fsp);
    fsp = -1;
    hsize_t n1 = n + 1, one = 1;
    H5TRY(H5Dset_extent(ds, &n1), "extend table");
    fsp = H5Dget_space(ds);
    H5TRY(H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &n, NULL, &one, NULL), "select row");
    msp = H5Screate_simple(1, &one, NULL);
    H5TRY(H5Dwrite(ds, type, msp, fsp, s->dxpl, row), "write row");
out:
    if (msp >= 0) H5Sclose(msp);
    if (fsp >= 0) H5Sclose(fsp);
    if (ds >= 0) H5Dclose(ds);
    return st;
}

/* ------------------------------------------------------------------ axes */
static FsStatus axes_load(Store *s)
{
    for (int a = 0; a < NGRID; a++) {
        char p[64];
        fs_snprintf(p, sizeof p, "/axes/%s", grid_names[a]);
        if (!link_exists(s->f, p)) continue;
        hid_t ds = H5Dopen2(s->f, p, H5P_DEFAULT);
        if (ds < 0) return fs_errorf(FS_ERR_LIB, "%s: cannot open %s", s->path, p);
        hid_t sp = H5Dget_space(ds);
        hsize_t n = 0;
        H5Sget_simple_extent_dims(sp, &n, NULL);
        char **raw = xcalloc(n + 1, sizeof *raw);
        herr_t e = n ? H5Dread(ds, s->str_t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) : 0;
        if (e >= 0) {
            s->ax[a] = xcalloc(n + 1, sizeof(char *));
            for (hsize_t i = 0; i < n; i++) s->ax[a][i] = xstrdup(raw[i] ? raw[i] : "");
            s->nax[a] = (int)n;
            if (n) H5Dvlen_reclaim(s->str_t, sp, H5P_DEFAULT, raw);
        }
        free(raw);
        H5Sclose(sp);
        H5Dclose(ds);
        if (e < 0) return fs_errorf(FS_ERR_LIB, "%s: cannot read %s", s->path, p);
    }
    return FS_OK;
}

static FsStatus axes_save(Store *s, int a)
{
    char p[64];
    fs_snprintf(p, sizeof p, "/axes/%s", grid_names[a]);
    hid_t g = group_ensure(s, "/axes");
    if (g < 0) return fs_errorf(FS_ERR_LIB, "%s: cannot create /axes", s->path);
    H5Gclose(g);
    if (link_exists(s->f, p)) H5Ldelete(s->f, p, H5P_DEFAULT);
    hsize_t n = (hsize_t)s->nax[a];
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t ds = H5Dcreate2(s->f, p, s->str_t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = ds < 0 ? -1 : (n ? H5Dwrite(ds, s->str_t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->ax[a]) : 0);
    if (ds >= 0) H5Dclose(ds);
    H5Sclose(sp);
    return e < 0 ? fs_errorf(FS_ERR_LIB, "%s: cannot write %s", s->path, p) : FS_OK;
}

/* Index of value v on grid axis a; appended (and saved) when new. */
static int axis_index(Store *s, int a, const char *v, FsStatus *st)
{
    for (int i = 0; i < s->nax[a]; i++)
        if (!strcmp(s->ax[a][i], v)) return i;
    s->ax[a] = xrealloc(s->ax[a], (size_t)(s->nax[a] + 1) * sizeof(char *));
    s->ax[a][s->nax[a]++] = xstrdup(v);
    *st = axes_save(s, a);
    return s->nax[a] - 1;
}

/* ------------------------------------------------------------------ dimension scales */
#define NC_DIM_ONLY "This is a netCDF dimension but not a netCDF variable."

/* Grid-dim scale <grp>/<name> holding the store's axis values (strings; seed int64). */
static FsStatus scale_write_grid(Store *s, hid_t grp, int a)
{
    const char *name = grid_names[a];
    hsize_t n = (hsize_t)s->nax[a], mx = H5S_UNLIMITED, ch = 64;
    hid_t ds;
    int is_seed = a == 4;
    hid_t type = is_seed ? H5T_NATIVE_INT64 : s->str_t;
    if (H5Lexists(grp, name, H5P_DEFAULT) > 0) {
        ds = H5Dopen2(grp, name, H5P_DEFAULT);
        if (ds < 0 || H5Dset_extent(ds, &n) < 0) {
            if (ds >= 0) H5Dclose(ds);
            return fs_errorf(FS_ERR_LIB, "%s: cannot extend scale %s", s->path, name);
        }
    } else {
        hid_t sp = H5Screate_simple(1, &n, &mx);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 1, &ch);
        ds = H5Dcreate2(grp, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        H5Sclose(sp);
        if (ds < 0 || H5DSset_scale(ds, name) < 0) {
            if (ds >= 0) H5Dclose(ds);
            return fs_errorf(FS_ERR_LIB, "%s: cannot create scale %s", s->path, name);
        }
        int64_t ax = a;
        attr_num(s, ds, "fsweep_axis", H5T_NATIVE_INT64, &ax);
    }
    herr_t e = 0;
    if (n) {
        if (is_seed) {
            int64_t *v = xmalloc(n * sizeof *v);
            for (hsize_t i = 0; i < n; i++) v[i] = strtoll(s->ax[a][i], NULL, 10);
            e = H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
            free(v);
        } else {
            e = H5Dwrite(ds, s->str_t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s->ax[a]);
        }
    }
    H5Dclose(ds);
    return e < 0 ? fs_errorf(FS_ERR_LIB, "%s: cannot write scale %s", s->path, name) : FS_OK;
}

/* Fixed-size scale for an extra dim: axis strings, coordinate values, or a netCDF
 * dimension without values (no storage). */
static FsStatus scale_ensure_extra(Store *s, const SweepConfig *cfg, hid_t grp, const TaskBlob *b,
                                   int i)
{
    const char *name = b->dim[i];
    hsize_t n = (hsize_t)b->size[i];
    if (H5Lexists(grp, name, H5P_DEFAULT) > 0) {
        hid_t ds = H5Dopen2(grp, name, H5P_DEFAULT);
        hid_t sp = H5Dget_space(ds);
        hsize_t have = 0;
        H5Sget_simple_extent_dims(sp, &have, NULL);
        H5Sclose(sp);
        H5Dclose(ds);
        if (have != n)
            return fs_errorf(FS_ERR_FORMAT, "%s: dimension %s has size %llu in the store but %llu "
                             "in result %s (a changed setting? use a new store)", s->path, name,
                             (unsigned long long)have, (unsigned long long)n, b->name);
        return FS_OK;
    }
    const SweepAxis *axv = NULL;
    if (!strcmp(name, "test_band")) axv = &cfg->axes[AX_TEST_BAND];
    if (!strcmp(name, "ood")) axv = &cfg->axes[AX_OOD];
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t type = axv ? s->str_t : b->coord[i] ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
    if (!axv && !b->coord[i]) {
        hsize_t ch = n < 4096 ? n : 4096;
        H5Pset_chunk(dcpl, 1, &ch); /* chunked and never written: no storage */
    }
    hid_t ds = H5Dcreate2(grp, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (ds < 0) return fs_errorf(FS_ERR_LIB, "%s: cannot create scale %s", s->path, name);
    herr_t e = 0;
    if (axv && (hsize_t)axv->n == n)
        e = H5Dwrite(ds, s->str_t, H5S_ALL, H5S_ALL, H5P_DEFAULT, axv->v);
    else if (b->coord[i])
        e = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, b->coord[i]);
    char nm[96];
    if (!axv && !b->coord[i])
        fs_snprintf(nm, sizeof nm, "%s%10d", NC_DIM_ONLY, (int)n);
    else
        fs_snprintf(nm, sizeof nm, "%s", name);
    if (e >= 0) e = H5DSset_scale(ds, nm);
    H5Dclose(ds);
    return e < 0 ? fs_errorf(FS_ERR_LIB, "%s: cannot write scale %s", s->path, name) : FS_OK;
}

/* ------------------------------------------------------------------ result arrays */
static void key_from_spec(const SweepConfig *cfg, const TaskSpec *sp, StoreKey *k)
{
    memset(k, 0, sizeof *k);
    fs_snprintf(k->key, sizeof k->key, "%s", sp->key);
    k->kind = sp->kind;
    k->part = sp->part;
    const int ids[4] = {sp->dataset, sp->arch, sp->aug, sp->band};
    const int ax[4] = {AX_DATASET, AX_ARCH, AX_AUG, AX_BAND};
    for (int i = 0; i < 4; i++)
        fs_snprintf(k->v[i], sizeof k->v[i], "%s", ids[i] >= 0 ? cfg->axes[ax[i]].v[ids[i]] : "");
    k->seed = sp->seed >= 0 ? sweep_seed_value(cfg, sp->seed) : -1;
}

/* Grid dims of a blob in store order: arch, aug, band, seed (those set in b->grid). */
static int blob_grid(const TaskBlob *b, int ga[4])
{
    static const int order[4] = {AX_ARCH, AX_AUG, AX_BAND, AX_SEED};
    int n = 0;
    for (int i = 0; i < 4; i++)
        if (b->grid & (1u << order[i])) ga[n++] = i + 1; /* index into grid_axes */
    return n;
}

static void blob_group(const TaskBlob *b, const StoreKey *k, char *buf, size_t n)
{
    if (b->place == BLOB_MODEL)
        fs_snprintf(buf, n, "/models/%s/%s", k->v[0], k->v[1]);
    else
        fs_snprintf(buf, n, "/results/%s", k->v[0]);
}

static FsStatus blob_write(Store *s, const SweepConfig *cfg, const StoreKey *k, const TaskBlob *b)
{
    FsStatus st = FS_OK;
    char gpath[256];
    blob_group(b, k, gpath, sizeof gpath);
    int ga[4];
    int ng = blob_grid(b, ga);
    int rank = ng + b->n_extra;
    hsize_t start[12] = {0}, count[12] = {0}, dims[12] = {0}, maxd[12] = {0}, chunk[12] = {0};
    char seedbuf[32];
    fs_snprintf(seedbuf, sizeof seedbuf, "%lld", (long long)k->seed);
    for (int i = 0; i < ng; i++) {
        const char *v = ga[i] == 4 ? seedbuf : k->v[ga[i]];
        int idx = axis_index(s, ga[i], v, &st);
        if (st != FS_OK) return st;
        start[i] = (hsize_t)idx;
        count[i] = 1;
        dims[i] = (hsize_t)s->nax[ga[i]];
        maxd[i] = H5S_UNLIMITED;
        chunk[i] = 1;
    }
    hsize_t chunk_elems = 1;
    for (int j = 0; j < b->n_extra; j++) {
        int i = ng + j;
        start[i] = (hsize_t)b->start[j];
        count[i] = (hsize_t)b->count[j];
        dims[i] = maxd[i] = (hsize_t)b->size[j];
        chunk[i] = dims[i];
        chunk_elems *= dims[i];
    }
    for (int i = ng; i < rank && chunk_elems > (1u << 20); i++) { /* cap chunks at 1 M values */
        chunk_elems /= chunk[i];
        chunk[i] = 1;
    }
    hid_t g = group_ensure(s, gpath), ds = -1, fsp = -1, msp = -1;
    if (g < 0) return fs_errorf(FS_ERR_LIB, "%s: cannot create group %s", s->path, gpath);
    if (H5Lexists(g, b->name, H5P_DEFAULT) > 0) {
        ds = H5Dopen2(g, b->name, H5P_DEFAULT);
        H5TRY(ds, "open dataset");
        fsp = H5Dget_space(ds);
        hsize_t have[12] = {0};
        int r = H5Sget_simple_extent_ndims(fsp);
        H5Sget_simple_extent_dims(fsp, have, NULL);
        H5Sclose(fsp);
        fsp = -1;
        if (r != rank) {
            st = fs_errorf(FS_ERR_FORMAT, "%s: %s/%s has rank %d, result has %d", s->path, gpath,
                           b->name, r, rank);
            goto out;
        }
        int grow = 0;
        for (int i = 0; i < rank; i++) {
            if (i >= ng && have[i] != dims[i]) {
                st = fs_errorf(FS_ERR_FORMAT, "%s: %s/%s: dim %s is %llu, result has %llu",
                               s->path, gpath, b->name, b->dim[i - ng],
                               (unsigned long long)have[i], (unsigned long long)dims[i]);
                goto out;
            }
            if (i < ng && have[i] < dims[i]) grow = 1;
            if (i < ng && have[i] > dims[i]) dims[i] = have[i];
        }
        if (grow) {
            H5TRY(H5Dset_extent(ds, dims), "extend dataset");
            for (int i = 0; i < ng; i++) {
                st = scale_write_grid(s, g, ga[i]);
                if (st != FS_OK) goto out;
            }
        }
    } else {
        for (int i = 0; i < ng; i++) {
            st = scale_write_grid(s, g, ga[i]);
            if (st != FS_OK) goto out;
        }
        for (int j = 0; j < b->n_extra; j++) {
            st = scale_ensure_extra(s, cfg, g, b, j);
            if (st != FS_OK) goto out;
        }
        fsp = H5Screate_simple(rank, dims, maxd);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, rank, chunk);
        if (chunk_elems >= 512) {
            H5Pset_shuffle(dcpl);
            H5Pset_deflate(dcpl, 4);
        }
        double nanv = NAN;
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nanv);
        ds = H5Dcreate2(g, b->name, b->f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, fsp, H5P_DEFAULT,
                        dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        H5Sclose(fsp);
        fsp = -1;
        H5TRY(ds, "create dataset");
        char dimlist[256] = "";
        for (int i = 0; i < rank; i++) {
            const char *dn = i < ng ? grid_names[ga[i]] : b->dim[i - ng];
            hid_t sc = H5Dopen2(g, dn, H5P_DEFAULT);
            H5TRY(sc, "open scale");
            herr_t e = H5DSattach_scale(ds, sc, (unsigned)i);
            H5Dclose(sc);
            H5TRY(e, "attach scale");
            size_t l = strlen(dimlist);
            fs_snprintf(dimlist + l, sizeof dimlist - l, "%s%s", i ? "," : "", dn);
        }
        st = attr_str(s, ds, "fsweep_dims", dimlist);
        if (st != FS_OK) goto out;
        int64_t gm = (int64_t)b->grid;
        st = attr_num(s, ds, "fsweep_grid", H5T_NATIVE_INT64, &gm);
        if (st != FS_OK) goto out;
    }
    fsp = H5Dget_space(ds);
    H5TRY(H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL), "select");
    msp = H5Screate_simple(rank, count, NULL);
    H5TRY(H5Dwrite(ds, H5T_NATIVE_DOUBLE, msp, fsp, s->dxpl, b->data), "write result");
out:
    if (msp >= 0) H5Sclose(msp);
    if (fsp >= 0) H5Sclose(fsp);
    if (ds >= 0) H5Dclose(ds);
    H5Gclose(g);
    if (st != FS_OK && !strstr(fs_last_error(), b->name)) {
        char msg[512];
        fs_snprintf(msg, sizeof msg, "%s", fs_last_error());
        st = fs_errorf(st, "%s (writing %s/%s)", msg, gpath, b->name);
    }
    return st;
}

/* ------------------------------------------------------------------ journal */
static FsStatus journal_write(Store *s, int type, const void *a, size_t na, const void *b,
                              size_t nb)
{
    if (!s->jf) return FS_OK;
    uint32_t hdr[2] = {JMAGIC, (uint32_t)type};
    uint64_t len = na + nb;
    uint64_t h = fs_hash64(a, na) ^ (nb ? fs_hash64(b, nb) * 31 : 0);
    if (fwrite(hdr, sizeof hdr, 1, s->jf) != 1 || fwrite(&len, sizeof len, 1, s->jf) != 1 ||
        fwrite(&h, sizeof h, 1, s->jf) != 1 || (na && fwrite(a, na, 1, s->jf) != 1) ||
        (nb && fwrite(b, nb, 1, s->jf) != 1) || fflush(s->jf) != 0)
        return fs_errorf(FS_ERR_IO, "%s: cannot write the journal: %s", s->jpath, strerror(errno));
    if (s->fsync_each && fsync(fileno(s->jf)) != 0)
        return fs_errorf(FS_ERR_IO, "%s: fsync: %s", s->jpath, strerror(errno));
    return FS_OK;
}

typedef FsStatus (*JournalFn)(int type, const unsigned char *p, size_t n, void *user);

/* Visit every complete record; *valid_end gets the offset after the last good one. */
static FsStatus journal_scan(const char *jpath, JournalFn fn, void *user, long *valid_end)
{
    FILE *f = fopen(jpath, "rb");
    if (!f) return fs_errorf(FS_ERR_IO, "%s: cannot open: %s", jpath, strerror(errno));
    FsStatus st = FS_OK;
    unsigned char *buf = NULL;
    size_t cap = 0;
    long end = 0;
    for (;;) {
        uint32_t hdr[2];
        uint64_t len, h;
        if (fread(hdr, sizeof hdr, 1, f) != 1 || fread(&len, sizeof len, 1, f) != 1 ||
            fread(&h, sizeof h, 1, f) != 1 || hdr[0] != JMAGIC || len > ((uint64_t)1 << 36))
            break;
        if (len > cap) {
            cap = (size_t)len;
            buf = xrealloc(buf, cap);
        }
        if (len && fread(buf, (size_t)len, 1, f) != 1) break;
        /* the hash covers key + result as written (two parts for results) */
        uint64_t hh;
        if (hdr[1] == JREC_RESULT && len >= sizeof(StoreKey))
            hh = fs_hash64(buf, sizeof(StoreKey)) ^
                 (len > sizeof(StoreKey) ? fs_hash64(buf + sizeof(StoreKey),
                                                     (size_t)len - sizeof(StoreKey)) * 31 : 0);
        else
            hh = fs_hash64(buf, (size_t)len);
        if (hh != h) break; /* torn record: stop here */
        end = ftell(f);
        if (fn) {
            st = fn((int)hdr[1], buf, (size_t)len, user);
            if (st != FS_OK) break;
        }
    }
    free(buf);
    fclose(f);
    if (valid_end) *valid_end = end;
    return st;
}

/* ------------------------------------------------------------------ appending */
static void row_from(const StoreKey *k, const TaskResult *r, RowMem *m)
{
    memset(m, 0, sizeof *m);
    m->task_id = r->task_id;
    m->key = k->key;
    m->kind = task_kind_name((TaskKind)k->kind);
    m->dataset = k->v[0];
    m->arch = k->v[1];
    m->aug = k->v[2];
    m->band = k->v[3];
    m->seed = k->seed;
    m->part = k->part;
    m->status = r->status;
    m->status_name = fs_status_str((FsStatus)r->status);
    m->attempt = r->attempt;
    m->rank = r->rank;
    m->host = r->host;
    m->start = r->start;
    m->end = r->end;
    m->wall = r->wall;
    m->error = r->error;
}

/* HDF5 part of an append: result arrays first, then the row (so a row means its arrays). */
static FsStatus apply(Store *s, const SweepConfig *cfg, const StoreKey *k, const TaskResult *r,
                      int write_row)
{
    FsStatus st = FS_OK;
    if (r->status == FS_OK)
        for (int i = 0; i < r->n_blobs && st == FS_OK; i++) st = blob_write(s, cfg, k, &r->blobs[i]);
    if (st != FS_OK) return st;
    if (write_row) {
        RowMem m;
        row_from(k, r, &m);
        st = table_append(s, "/tasks", s->row_t, &m);
        if (st != FS_OK) return st;
        s->nrows++;
        map_note(s, r->task_id, r->status);
    }
    return FS_OK;
}

FsStatus store_append(Store *s, const SweepConfig *cfg, const TaskSpec *spec, const TaskResult *r)
{
    StoreKey k;
    key_from_spec(cfg, spec, &k);
    FsBuf b = {0};
    task_result_pack(r, &b);
    FsStatus st = journal_write(s, JREC_RESULT, &k, sizeof k, b.s, b.len);
    fsbuf_free(&b);
    if (st == FS_OK) st = apply(s, cfg, &k, r, 1);
    if (st == FS_OK && H5Fflush(s->f, H5F_SCOPE_GLOBAL) < 0)
        st = fs_errorf(FS_ERR_LIB, "%s: H5Fflush failed", s->path);
    return st;
}

static void hist_mem(const StoreHistory *h, HistMem *m, char *iso, size_t n)
{
    time_t t = (time_t)h->time;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(iso, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    m->time = h->time;
    m->time_iso = iso;
    m->event = h->event;
    m->config_hash = h->config_hash;
    m->ranks = h->ranks;
    m->host = h->host;
    m->job_id = h->job_id;
    m->version = h->version;
}

FsStatus store_add_history(Store *s, const StoreHistory *h)
{
    FsStatus st = journal_write(s, JREC_HISTORY, h, sizeof *h, NULL, 0);
    if (st != FS_OK) return st;
    HistMem m;
    char iso[32];
    hist_mem(h, &m, iso, sizeof iso);
    st = table_append(s, "/history", s->hist_t, &m);
    if (st == FS_OK && H5Fflush(s->f, H5F_SCOPE_GLOBAL) < 0)
        st = fs_errorf(FS_ERR_LIB, "%s: H5Fflush failed", s->path);
    return st;
}

FsStatus store_note_start(Store *s, const TaskSpec *spec, int rank)
{
    StoreStart r;
    memset(&r, 0, sizeof r);
    r.task_id = spec->id;
    r.rank = rank;
    r.time = fs_wall_time();
    fs_snprintf(r.key, sizeof r.key, "%s", spec->key);
    return journal_write(s, JREC_START, &r, sizeof r, NULL, 0);
}

/* ------------------------------------------------------------------ reading rows */
static void row_to(const RowMem *m, StoreRow *o)
{
    memset(o, 0, sizeof *o);
    o->task_id = m->task_id;
#define CP(f) fs_snprintf(o->f, sizeof o->f, "%.*s", (int)sizeof o->f - 1, m->f ? m->f : "")
    CP(key);
    CP(kind);
    CP(dataset);
    CP(arch);
    CP(aug);
    CP(band);
    CP(host);
    CP(error);
#undef CP
    o->seed = m->seed;
    o->part = m->part;
    o->status = m->status;
    o->attempt = m->attempt;
    o->rank = m->rank;
    o->start = m->start;
    o->end = m->end;
    o->wall = m->wall;
}

static FsStatus rows_h5(Store *s, StoreRow **rows, int64_t *n)
{
    *rows = NULL;
    *n = 0;
    if (!link_exists(s->f, "/tasks")) return FS_OK;
    hid_t ds = H5Dopen2(s->f, "/tasks", H5P_DEFAULT);
    if (ds < 0) return fs_errorf(FS_ERR_LIB, "%s: cannot open /tasks", s->path);
    hid_t sp = H5Dget_space(ds);
    hsize_t cnt = 0;
    H5Sget_simple_extent_dims(sp, &cnt, NULL);
    RowMem *m = xcalloc(cnt + 1, sizeof *m);
    herr_t e = cnt ? H5Dread(ds, s->row_t, H5S_ALL, H5S_ALL, H5P_DEFAULT, m) : 0;
    if (e >= 0) {
        *rows = xcalloc(cnt + 1, sizeof **rows);
        for (hsize_t i = 0; i < cnt; i++) row_to(&m[i], &(*rows)[i]);
        *n = (int64_t)cnt;
        if (cnt) H5Dvlen_reclaim(s->row_t, sp, H5P_DEFAULT, m);
    }
    free(m);
    H5Sclose(sp);
    H5Dclose(ds);
    return e < 0 ? fs_errorf(FS_ERR_LIB, "%s: cannot read /tasks", s->path) : FS_OK;
}

typedef struct {
    StoreRow *rows;
    int64_t n, cap;
    char *config;
    StoreStart *starts;
    int64_t ns, scap;
} RowAcc;

static FsStatus journal_row_cb(int type, const unsigned char *p, size_t n, void *user)
{
    RowAcc *acc = user;
    if (type == JREC_CONFIG) { /* a new run: earlier starts are void */
        free(acc->config);
        acc->config = xmalloc(n + 1);
        if (n) memcpy(acc->config, p, n);
        acc->config[n] = 0;
        acc->ns = 0;
        return FS_OK;
    }
    if (type == JREC_START && n == sizeof(StoreStart)) {
        if (acc->ns == acc->scap) {
            acc->scap = acc->scap ? acc->scap * 2 : 64;
            acc->starts = xrealloc(acc->starts, (size_t)acc->scap * sizeof *acc->starts);
        }
        memcpy(&acc->starts[acc->ns++], p, sizeof(StoreStart));
        return FS_OK;
    }
    if (type != JREC_RESULT || n < sizeof(StoreKey)) return FS_OK;
    StoreKey k;
    memcpy(&k, p, sizeof k);
    TaskResult r;
    FsStatus st = task_result_unpack(p + sizeof k, n - sizeof k, &r);
    if (st != FS_OK) return st;
    if (acc->n == acc->cap) {
        acc->cap = acc->cap ? acc->cap * 2 : 256;
        acc->rows = xrealloc(acc->rows, (size_t)acc->cap * sizeof *acc->rows);
    }
    RowMem m;
    row_from(&k, &r, &m);
    row_to(&m, &acc->rows[acc->n++]);
    for (int64_t i = 0; i < acc->ns; i++) /* no longer running */
        if (acc->starts[i].task_id == r.task_id) acc->starts[i] = acc->starts[--acc->ns];
    task_result_free(&r);
    return FS_OK;
}

FsStatus store_journal_read(const char *jpath, StoreRow **rows, int64_t *n, char **config,
                            StoreStart **running, int64_t *n_running)
{
    RowAcc acc = {0};
    FsStatus st = journal_scan(jpath, journal_row_cb, &acc, NULL);
    *rows = acc.rows;
    *n = acc.n;
    if (config)
        *config = acc.config;
    else
        free(acc.config);
    if (running) {
        *running = acc.starts;
        *n_running = acc.ns;
    } else {
        free(acc.starts);
    }
    return st;
}

FsStatus store_journal_rows(const char *jpath, StoreRow **rows, int64_t *n)
{
    return store_journal_read(jpath, rows, n, NULL, NULL, NULL);
}

FsStatus store_rows(Store *s, StoreRow **rows, int64_t *n)
{
    if (s->readonly && fs_file_exists(s->jpath)) return store_journal_rows(s->jpath, rows, n);
    if (s->f < 0) return fs_errorf(FS_ERR_IO, "%s: cannot open the file, and no journal", s->path);
    return rows_h5(s, rows, n);
}

FsStatus store_history(Store *s, StoreHistory **h, int64_t *n)
{
    *h = NULL;
    *n = 0;
    if (s->f < 0 || !link_exists(s->f, "/history")) return FS_OK;
    hid_t ds = H5Dopen2(s->f, "/history", H5P_DEFAULT);
    if (ds < 0) return fs_errorf(FS_ERR_LIB, "%s: cannot open /history", s->path);
    hid_t sp = H5Dget_space(ds);
    hsize_t cnt = 0;
    H5Sget_simple_extent_dims(sp, &cnt, NULL);
    HistMem *m = xcalloc(cnt + 1, sizeof *m);
    herr_t e = cnt ? H5Dread(ds, s->hist_t, H5S_ALL, H5S_ALL, H5P_DEFAULT, m) : 0;
    if (e >= 0) {
        *h = xcalloc(cnt + 1, sizeof **h);
        for (hsize_t i = 0; i < cnt; i++) {
            StoreHistory *o = &(*h)[i];
            o->time = m[i].time;
            o->ranks = m[i].ranks;
            fs_snprintf(o->event, sizeof o->event, "%.15s", m[i].event ? m[i].event : "");
            fs_snprintf(o->config_hash, sizeof o->config_hash, "%.23s",
                        m[i].config_hash ? m[i].config_hash : "");
            fs_snprintf(o->host, sizeof o->host, "%.63s", m[i].host ? m[i].host : "");
            fs_snprintf(o->job_id, sizeof o->job_id, "%.63s", m[i].job_id ? m[i].job_id : "");
            fs_snprintf(o->version, sizeof o->version, "%.47s", m[i].version ? m[i].version : "");
        }
        *n = (int64_t)cnt;
        if (cnt) H5Dvlen_reclaim(s->hist_t, sp, H5P_DEFAULT, m);
    }
    free(m);
    H5Sclose(sp);
    H5Dclose(ds);
    return e < 0 ? fs_errorf(FS_ERR_LIB, "%s: cannot read /history", s->path) : FS_OK;
}

/* ------------------------------------------------------------------ inputs */
FsStatus store_read_input(Store *s, const SweepConfig *cfg, const TaskSpec *spec, const char *name,
                          TaskBlob *out)
{
    memset(out, 0, sizeof *out);
    StoreKey k;
    key_from_spec(cfg, spec, &k);
    char path[320];
    TaskBlob probe = {0};
    hid_t ds = -1;
    for (int place = 0; place < 2 && ds < 0; place++) {
        probe.place = (BlobPlace)place;
        char g[256];
        blob_group(&probe, &k, g, sizeof g);
        fs_snprintf(path, sizeof path, "%s/%s", g, name);
        if (link_exists(s->f, path)) ds = H5Dopen2(s->f, path, H5P_DEFAULT);
    }
    if (ds < 0)
        return fs_errorf(FS_ERR_FORMAT, "%s: input %s of %s not in the store", s->path, name,
                         spec->key);
    FsStatus st = FS_OK;
    hid_t fsp = -1, msp = -1;
    int64_t grid = 0;
    char *dl = attr_get_str(ds, "fsweep_dims");
    if (!attr_get_i64(ds, "fsweep_grid", &grid) || !dl) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: %s lacks fsweep_dims/fsweep_grid", s->path, path);
        goto out;
    }
    TaskBlob b = {0};
    fs_snprintf(b.name, sizeof b.name, "%s", name);
    b.grid = (uint32_t)grid;
    hid_t dt = H5Dget_type(ds);
    b.f32 = dt >= 0 && H5Tget_size(dt) == 4; /* float32 data travels as float32 */
    if (dt >= 0) H5Tclose(dt);
    int ga[4];
    int ng = blob_grid(&b, ga);
    fsp = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(fsp);
    hsize_t dims[12], start[12], count[12];
    H5Sget_simple_extent_dims(fsp, dims, NULL);
    if (rank - ng < 0 || rank - ng > TASK_BLOB_MAX_EXTRA) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: %s has rank %d", s->path, path, rank);
        goto out;
    }
    char seedbuf[32];
    fs_snprintf(seedbuf, sizeof seedbuf, "%lld", (long long)k.seed);
    for (int i = 0; i < ng; i++) {
        const char *v = ga[i] == 4 ? seedbuf : k.v[ga[i]];
        int idx = -1;
        for (int j = 0; j < s->nax[ga[i]]; j++)
            if (!strcmp(s->ax[ga[i]][j], v)) idx = j;
        if (idx < 0 || (hsize_t)idx >= dims[i]) {
            st = fs_errorf(FS_ERR_FORMAT, "%s: %s has no %s = %s", s->path, path,
                           grid_names[ga[i]], v);
            goto out;
        }
        start[i] = (hsize_t)idx;
        count[i] = 1;
    }
    b.n_extra = rank - ng;
    char *save = NULL, *tok = strtok_r(dl, ",", &save);
    for (int i = 0; i < ng && tok; i++) tok = strtok_r(NULL, ",", &save);
    for (int j = 0; j < b.n_extra; j++) {
        fs_snprintf(b.dim[j], sizeof b.dim[j], "%s", tok ? tok : "?");
        tok = strtok_r(NULL, ",", &save);
        b.size[j] = b.count[j] = (int64_t)dims[ng + j];
        start[ng + j] = 0;
        count[ng + j] = dims[ng + j];
    }
    int64_t n = task_blob_len(&b);
    b.data = xmalloc((size_t)n * sizeof(double) + 1);
    H5TRY(H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL), "select");
    msp = H5Screate_simple(rank, count, NULL);
    if (H5Dread(ds, H5T_NATIVE_DOUBLE, msp, fsp, s->dxpl, b.data) < 0) {
        free(b.data);
        st = fs_errorf(FS_ERR_LIB, "%s: cannot read %s", s->path, path);
        goto out;
    }
    *out = b;
out:
    free(dl);
    if (msp >= 0) H5Sclose(msp);
    if (fsp >= 0) H5Sclose(fsp);
    H5Dclose(ds);
    return st;
}

/* ------------------------------------------------------------------ open / close */
static Store *store_new(const char *path)
{
    static int quiet;
    if (!quiet) {
        quiet = 1;
        if (log_get_level() < LOG_LVL_DEBUG) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    }
    Store *s = xcalloc(1, sizeof *s);
    s->f = -1;
    s->path = xstrdup(path);
    size_t n = strlen(path) + 16;
    s->jpath = xmalloc(n);
    fs_snprintf(s->jpath, n, "%s.journal", path);
    make_types(s);
    const size_t tb = (size_t)1 << 18;
    s->tconv = xcalloc(tb, 1);
    s->bkg = xcalloc(tb, 1);
    s->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_buffer(s->dxpl, tb, s->tconv, s->bkg);
    return s;
}

static void store_free(Store *s)
{
    if (s->jf) fclose(s->jf);
    for (int a = 0; a < NGRID; a++) {
        for (int i = 0; i < s->nax[a]; i++) free(s->ax[a][i]);
        free(s->ax[a]);
    }
    H5Tclose(s->row_t);
    H5Tclose(s->hist_t);
    H5Pclose(s->dxpl);
    free(s->tconv);
    free(s->bkg);
    H5Tclose(s->str_t);
    free(s->map);
    free(s->path);
    free(s->jpath);
    free(s);
}

static hid_t fapl_nolock(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    return fapl;
}

static FsStatus load_rows_map(Store *s)
{
    StoreRow *rows = NULL;
    int64_t n = 0;
    FsStatus st = rows_h5(s, &rows, &n);
    for (int64_t i = 0; i < n; i++) map_note(s, rows[i].task_id, rows[i].status);
    s->nrows = n;
    free(rows);
    return st;
}

typedef struct {
    Store *s;
    const SweepConfig *cfg;
    int64_t index, from, rows_have;
    int full; /* rebuilding a fresh file: restore history too */
} Replay;

static FsStatus replay_cb(int type, const unsigned char *p, size_t n, void *user)
{
    Replay *rp = user;
    if (type == JREC_HISTORY) {
        if (rp->full && n == sizeof(StoreHistory)) { /* full rebuild: restore history */
            StoreHistory h;
            memcpy(&h, p, sizeof h);
            HistMem m;
            char iso[32];
            hist_mem(&h, &m, iso, sizeof iso);
            return table_append(rp->s, "/history", rp->s->hist_t, &m);
        }
        return FS_OK;
    }
    if (type != JREC_RESULT || n < sizeof(StoreKey)) return FS_OK;
    int64_t i = rp->index++;
    if (i < rp->from) return FS_OK;
    StoreKey k;
    memcpy(&k, p, sizeof k);
    TaskResult r;
    FsStatus st = task_result_unpack(p + sizeof k, n - sizeof k, &r);
    if (st != FS_OK) return st;
    st = apply(rp->s, rp->cfg, &k, &r, i >= rp->rows_have);
    task_result_free(&r);
    return st;
}

/* Bring the HDF5 file in line with the journal. from: first record whose arrays are rewritten. */
static FsStatus replay(Store *s, const SweepConfig *cfg, int64_t from, int full)
{
    Replay rp = {s, cfg, 0, from, s->nrows, full};
    long end = 0;
    FsStatus st = journal_scan(s->jpath, replay_cb, &rp, &end);
    if (st != FS_OK) return st;
    /* drop a torn tail so new records follow the last good one */
    if (truncate(s->jpath, end) != 0)
        return fs_errorf(FS_ERR_IO, "%s: cannot truncate: %s", s->jpath, strerror(errno));
    if (rp.index < s->nrows)
        LOG_WARN("%s: journal holds %lld results but the file %lld rows (journal from another "
                 "store?)", s->jpath, (long long)rp.index, (long long)s->nrows);
    return FS_OK;
}

static FsStatus check_config(Store *s, const SweepConfig *cfg, int force)
{
    char *rh = NULL, *text = NULL;
    hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
    rh = attr_get_str(r, "result_hash");
    text = attr_get_str(r, "config");
    H5Gclose(r);
    FsStatus st = FS_OK;
    char mine[24];
    fs_snprintf(mine, sizeof mine, "%016llx", (unsigned long long)cfg->result_hash);
    if (rh && strcmp(rh, mine) != 0) {
        /* name the changed lines (outside [axes]) */
        FsBuf diff = {0};
        if (text) {
            char *save = NULL, *copy = xstrdup(text);
            const char *sec = "";
            for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                if (l[0] == '[') {
                    sec = l;
                    continue;
                }
                if (!strcmp(sec, "[cost]")) continue;
                if (!strstr(cfg->text, l)) fsbuf_printf(&diff, "%s%s %s", diff.len ? "; " : "", sec, l);
            }
            free(copy);
        }
        if (force) {
            LOG_WARN("%s: config changed (was: %s); continuing because of --force", s->path,
                     diff.s ? diff.s : "the same text, hashed by an older fsweep");
        } else {
            st = fs_errorf(FS_ERR_CONFIG, "%s: the store was made with another config (stored "
                           "values: %s); use a new store, or --force to continue anyway",
                           s->path, diff.s ? diff.s : "the same text, hashed by an older fsweep");
        }
        fsbuf_free(&diff);
    }
    free(rh);
    free(text);
    return st;
}

Store *store_open(const char *path, const SweepConfig *cfg, int force, int *created)
{
    Store *s = store_new(path);
    s->fsync_each = cfg->store_fsync;
    FsStatus st = FS_OK;
    int have_file = fs_file_exists(path), have_j = fs_file_exists(s->jpath);
    int rebuild = 0;
    *created = 0;
    if (have_file) {
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        s->f = H5Fopen(path, H5F_ACC_RDWR, fapl);
        H5Pclose(fapl);
        if (s->f < 0) {
            if (!have_j) {
                fs_errorf(FS_ERR_IO, "%s: cannot open the store for writing (another job writing "
                          "it, or damaged with no journal to rebuild from)", path);
                store_free(s);
                return NULL;
            }
            char bak[1100];
            fs_snprintf(bak, sizeof bak, "%s.damaged-%ld", path, (long)fs_wall_time());
            if (rename(path, bak) != 0) {
                fs_errorf(FS_ERR_IO, "%s: cannot move the damaged file aside: %s", path,
                          strerror(errno));
                store_free(s);
                return NULL;
            }
            LOG_WARN("%s: HDF5 cannot open it (torn write?); kept as %s, rebuilding from %s", path,
                     bak, s->jpath);
            rebuild = 1;
        }
    } else if (have_j) {
        LOG_WARN("%s: missing, rebuilding from %s", path, s->jpath);
        rebuild = 1;
    }
    if (s->f < 0) {
        /* create under a temporary name, then rename: a file at `path` is always a store */
        size_t tl = strlen(path) + 32;
        char *tmp = xmalloc(tl);
        fs_snprintf(tmp, tl, "%s.tmp-%ld", path, (long)getpid());
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
        s->f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        H5Pclose(fapl);
        if (s->f < 0) {
            fs_errorf(FS_ERR_IO, "%s: cannot create the store (directory missing or not "
                      "writable?)", path);
            free(tmp);
            store_free(s);
            return NULL;
        }
        *created = !rebuild;
        hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
        int64_t fv = STORE_FORMAT_VERSION;
        FsStatus a = attr_num(s, r, "format_version", H5T_NATIVE_INT64, &fv);
        H5Gclose(r);
        herr_t e = H5Fclose(s->f);
        s->f = -1;
        if (a == FS_OK && e >= 0 && rename(tmp, path) == 0)
            s->f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
        if (s->f < 0) {
            fs_errorf(FS_ERR_IO, "%s: cannot create the store: %s", path, strerror(errno));
            unlink(tmp);
            free(tmp);
            store_free(s);
            return NULL;
        }
        free(tmp);
    } else {
        hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
        int64_t fv = -1, open_flag = 0;
        attr_get_i64(r, "format_version", &fv);
        attr_get_i64(r, "writer_open", &open_flag);
        H5Gclose(r);
        if (fv != STORE_FORMAT_VERSION) {
            fs_errorf(FS_ERR_FORMAT, "%s: store format version %lld, this fsweep reads %d (use the "
                      "fsweep that made it, or a new store)", path, (long long)fv,
                      STORE_FORMAT_VERSION);
            H5Fclose(s->f);
            store_free(s);
            return NULL;
        }
        st = check_config(s, cfg, force);
        if (st == FS_OK) st = axes_load(s);
        if (st == FS_OK) st = load_rows_map(s);
        if (st == FS_OK && have_j) {
            /* after an unclean stop, rewrite the last results' arrays too (idempotent) */
            int64_t from = open_flag ? (s->nrows > 8 ? s->nrows - 8 : 0) : s->nrows;
            if (open_flag) LOG_WARN("%s: not closed cleanly; checking it against %s", path, s->jpath);
            st = replay(s, cfg, from, 0);
        }
    }
    if (st == FS_OK && rebuild) {
        s->nrows = 0;
        st = replay(s, cfg, 0, 1);
        if (st == FS_OK) LOG_WARN("%s: rebuilt %lld task rows from the journal", path,
                                  (long long)s->nrows);
        /* the journal's last config stands in for the lost attributes, so a changed config is
         * still refused */
        StoreRow *rows = NULL;
        int64_t nr = 0;
        char *old = NULL;
        SweepConfig oc;
        if (st == FS_OK && store_journal_read(s->jpath, &rows, &nr, &old, NULL, NULL) == FS_OK &&
            old && sweep_load_text(old, s->jpath, &oc) == FS_OK) {
            char h[24];
            fs_snprintf(h, sizeof h, "%016llx", (unsigned long long)oc.result_hash);
            hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
            st = attr_str(s, r, "result_hash", h);
            if (st == FS_OK) st = attr_str(s, r, "config", old);
            H5Gclose(r);
            sweep_free(&oc);
            if (st == FS_OK) st = check_config(s, cfg, force);
        }
        free(rows);
        free(old);
    }
    /* merge the config's axis values: new values extend the grid */
    static const int axis_of[NGRID] = {AX_DATASET, AX_ARCH, AX_AUG, AX_BAND, AX_SEED};
    for (int a = 0; a < NGRID && st == FS_OK; a++) {
        const SweepAxis *ax = &cfg->axes[axis_of[a]];
        for (int i = 0; i < ax->n && st == FS_OK; i++) {
            char v[32];
            const char *val = ax->v[i];
            if (a == 4) {
                fs_snprintf(v, sizeof v, "%ld", sweep_seed_value(cfg, i));
                val = v;
            }
            axis_index(s, a, val, &st);
        }
        if (st == FS_OK && !s->nax[a]) st = axes_save(s, a);
    }
    (void)grid_axes;
    if (st == FS_OK) {
        s->jf = fopen(s->jpath, "ab");
        if (!s->jf) st = fs_errorf(FS_ERR_IO, "%s: cannot open: %s", s->jpath, strerror(errno));
        else st = journal_write(s, JREC_CONFIG, cfg->text, strlen(cfg->text), NULL, 0);
    }
    if (st == FS_OK) {
        hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
        int64_t one = 1;
        st = attr_num(s, r, "writer_open", H5T_NATIVE_INT64, &one);
        char h[24];
        fs_snprintf(h, sizeof h, "%016llx", (unsigned long long)cfg->result_hash);
        if (st == FS_OK) st = attr_str(s, r, "result_hash", h);
        if (st == FS_OK) st = attr_str(s, r, "config", cfg->text);
        H5Gclose(r);
        if (st == FS_OK && H5Fflush(s->f, H5F_SCOPE_GLOBAL) < 0)
            st = fs_errorf(FS_ERR_LIB, "%s: H5Fflush failed", path);
    }
    if (st != FS_OK) {
        char msg[1024];
        fs_snprintf(msg, sizeof msg, "%s", fs_last_error());
        H5Fclose(s->f);
        store_free(s);
        fs_errorf(st, "%s", msg);
        return NULL;
    }
    return s;
}

Store *store_open_read(const char *path)
{
    Store *s = store_new(path);
    s->readonly = 1;
    if (fs_file_exists(path)) {
        hid_t fapl = fapl_nolock();
        s->f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
        H5Pclose(fapl);
    }
    if (s->f < 0 && !fs_file_exists(s->jpath)) {
        fs_errorf(FS_ERR_IO, "%s: %s", path,
                  fs_file_exists(path) ? "HDF5 cannot open it, and there is no journal"
                                       : "no such store");
        store_free(s);
        return NULL;
    }
    if (s->f >= 0) {
        axes_load(s);
        load_rows_map(s);
    }
    if (fs_file_exists(s->jpath)) { /* the journal is the freshest view */
        StoreRow *rows = NULL;
        int64_t n = 0;
        if (store_journal_rows(s->jpath, &rows, &n) == FS_OK && n >= s->nrows) {
            free(s->map);
            s->map = NULL;
            s->map_cap = s->map_n = 0;
            for (int64_t i = 0; i < n; i++) map_note(s, rows[i].task_id, rows[i].status);
            s->nrows = n;
        }
        free(rows);
    }
    return s;
}

FsStatus store_close(Store *s)
{
    if (!s) return FS_OK;
    FsStatus st = FS_OK;
    if (s->f >= 0) {
        if (!s->readonly) {
            hid_t r = H5Gopen2(s->f, "/", H5P_DEFAULT);
            int64_t zero = 0;
            st = attr_num(s, r, "writer_open", H5T_NATIVE_INT64, &zero);
            H5Gclose(r);
        }
        if (H5Fclose(s->f) < 0 && st == FS_OK)
            st = fs_errorf(FS_ERR_LIB, "%s: H5Fclose failed", s->path);
    }
    if (s->jf && fclose(s->jf) != 0 && st == FS_OK)
        st = fs_errorf(FS_ERR_IO, "%s: close: %s", s->jpath, strerror(errno));
    s->jf = NULL;
    store_free(s);
    return st;
}
