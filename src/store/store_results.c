/* store_results.c: result arrays written at grid coordinates. A blob of a task lands in
 * /results/<dataset>/<name> or /models/<dataset>/<arch>/<name>, dims (grid dims..., extra
 * dims...), NaN where not computed; grid dims grow with the axes. Each dim is a netCDF-style
 * dimension scale beside the array, so xarray/h5netcdf see named dimensions, with the values
 * of its coordinate where one exists (axis values; a blob's labels or numbers, checked equal
 * on every later write). */
#include "store_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NC_DIM_ONLY "This is a netCDF dimension but not a netCDF variable."

/* Grid-dim scale <grp>/<name> holding the store's axis values (strings; seed int64). */
static FsStatus scale_write_grid(Store *s, const char *grp, int a)
{
    const char *name = store_grid_names[a];
    char p[320];
    fs_snprintf(p, sizeof p, "%s/%s", grp, name);
    int64_t n = s->nax[a], start = 0;
    int is_seed = a == STORE_AXIS_SEED;
    FsStatus st;
    if (h5f_exists(s->f, p)) {
        st = h5f_set_extent(s->f, p, &n);
    } else {
        const int64_t mx = FSH5_UNLIMITED, ch = 64;
        st = h5f_create_dataset(s->f, p, is_seed ? FSH5_I64 : FSH5_STR, 1, &n, &mx, &ch, 0);
        if (st == FS_OK) st = h5f_make_scale(s->f, p, name);
        if (st == FS_OK) st = h5f_attr_set_i64(s->f, p, "fsweep_axis", a);
    }
    if (st != FS_OK || !n) return st;
    if (!is_seed) return h5f_write_slab(s->f, p, FSH5_STR, 1, &start, &n, s->ax[a]);
    int64_t *v = xmalloc((size_t)n * sizeof *v);
    for (int64_t i = 0; i < n; i++) v[i] = strtoll(s->ax[a][i], NULL, 10);
    st = h5f_write_slab(s->f, p, FSH5_I64, 1, &start, &n, v);
    free(v);
    return st;
}

/* The coordinates extra dim i of b brings: the axis values for a dim named like an axis
 * (test_band, ood, src_arch), else the blob's labels (*lab) or numbers (*num); both NULL = an index. */
static const SweepAxis *extra_coords(const SweepConfig *cfg, const TaskBlob *b, int i,
                                     const char *const **lab, const double **num)
{
    const SweepAxis *axv = NULL;
    if (!strcmp(b->dim[i], "test_band")) axv = &cfg->axes[AX_TEST_BAND];
    if (!strcmp(b->dim[i], "ood")) axv = &cfg->axes[AX_OOD];
    if (!strcmp(b->dim[i], "src_arch")) axv = &cfg->axes[AX_ARCH]; /* XFER: the maps' arch */
    *lab = axv ? (axv->n == b->size[i] ? (const char *const *)axv->v : NULL)
               : (const char *const *)b->label[i];
    *num = axv ? NULL : b->coord[i];
    return axv;
}

/* An existing scale p against the coordinates b brings for extra dim i: equal, or a one-line
 * FS_ERR_FORMAT. A scale without values (a netCDF dimension only: stores written before the
 * dim had coordinates, issue 13) or a blob without coordinates is not compared. */
static FsStatus scale_check(Store *s, const SweepConfig *cfg, const char *p, const TaskBlob *b,
                            int i)
{
    const char *const *lab = NULL;
    const double *num = NULL;
    extra_coords(cfg, b, i, &lab, &num);
    if (!lab && !num) return FS_OK;
    char *nm = NULL;
    FsStatus st = h5f_attr_get_str(s->f, p, "NAME", &nm);
    int index_only = st == FS_OK && !strncmp(nm, NC_DIM_ONLY, strlen(NC_DIM_ONLY));
    free(nm);
    if (st != FS_OK) return st;
    if (index_only) return FS_OK;
    const int64_t n = b->size[i];
    int64_t bad = -1;
    char have[96] = "", want[96] = "";
    if (lab) {
        int m = 0;
        char **v = NULL;
        if (h5f_read_strings(s->f, p, &m, &v) != FS_OK) {
            fs_snprintf(have, sizeof have, "numbers");
            fs_snprintf(want, sizeof want, "names");
            bad = 0;
        }
        for (int64_t j = 0; v && j < n && bad < 0; j++)
            if (j >= m || strcmp(v[j], lab[j]) != 0) {
                bad = j;
                fs_snprintf(have, sizeof have, "'%.40s'", j < m ? v[j] : "");
                fs_snprintf(want, sizeof want, "'%.40s'", lab[j]);
            }
        for (int j = 0; v && j < m; j++) free(v[j]);
        free(v);
    } else {
        int r = 0;
        int64_t d[FSH5_MAX_RANK];
        void *v = NULL;
        if (h5f_read(s->f, p, FSH5_F64, &r, d, &v) != FS_OK || r != 1 || d[0] != n) {
            fs_snprintf(have, sizeof have, "names");
            fs_snprintf(want, sizeof want, "numbers");
            bad = 0;
        }
        const double *x = v;
        for (int64_t j = 0; x && bad < 0 && j < n; j++)
            if (x[j] != num[j] && !(isnan(x[j]) && isnan(num[j]))) {
                bad = j;
                fs_snprintf(have, sizeof have, "%.17g", x[j]);
                fs_snprintf(want, sizeof want, "%.17g", num[j]);
            }
        free(v);
    }
    if (bad < 0) return FS_OK;
    return fs_errorf(FS_ERR_FORMAT, "%s: dimension %s has coordinate %s at index %lld in the store "
                     "but %s in result %s (a changed setting or dataset? use a new store)", s->path,
                     p, have, (long long)bad, want, b->name);
}

/* The existing scale p of extra dim i of b: same size and coordinates. */
static FsStatus scale_verify(Store *s, const SweepConfig *cfg, const char *p, const TaskBlob *b,
                             int i)
{
    int r = 0;
    int64_t have[FSH5_MAX_RANK] = {0};
    FsStatus st = h5f_shape(s->f, p, &r, have, NULL);
    if (st != FS_OK) return st;
    if (have[0] != b->size[i])
        return fs_errorf(FS_ERR_FORMAT, "%s: dimension %s has size %llu in the store but %llu "
                         "in result %s (a changed setting? use a new store)", s->path, p,
                         (unsigned long long)have[0], (unsigned long long)b->size[i], b->name);
    return scale_check(s, cfg, p, b, i);
}

/* Fixed-size scale for an extra dim: axis strings, the blob's labels or numbers (int64 when
 * integers), or a netCDF dimension without values (no storage). An existing one must have the
 * same size and coordinates (scale_check). */
static FsStatus scale_ensure_extra(Store *s, const SweepConfig *cfg, const char *grp,
                                   const TaskBlob *b, int i)
{
    const char *name = b->dim[i];
    char p[320];
    fs_snprintf(p, sizeof p, "%s/%s", grp, name);
    int64_t n = b->size[i], start = 0;
    if (h5f_exists(s->f, p)) return scale_verify(s, cfg, p, b, i);
    const char *const *lab = NULL;
    const double *num = NULL;
    const SweepAxis *axv = extra_coords(cfg, b, i, &lab, &num);
    const int integer = num && ((b->coord_int >> i) & 1u);
    FsH5Type type = axv || lab ? FSH5_STR : integer ? FSH5_I64 : num ? FSH5_F64 : FSH5_F32;
    /* chunked and never written: no storage */
    int64_t ch = n < 4096 ? n : 4096;
    const int64_t *chunk = !axv && !lab && !num && ch > 0 ? &ch : NULL;
    FsStatus st = h5f_create_dataset(s->f, p, type, 1, &n, NULL, chunk, 0);
    if (st == FS_OK && n && lab) {
        st = h5f_write_slab(s->f, p, FSH5_STR, 1, &start, &n, lab);
    } else if (st == FS_OK && n && integer) {
        int64_t *v = xmalloc((size_t)n * sizeof *v);
        for (int64_t j = 0; j < n; j++) v[j] = (int64_t)num[j];
        st = h5f_write_slab(s->f, p, FSH5_I64, 1, &start, &n, v);
        free(v);
    } else if (st == FS_OK && n && num) {
        st = h5f_write_slab(s->f, p, FSH5_F64, 1, &start, &n, num);
    }
    char nm[96];
    if (!axv && !lab && !num)
        fs_snprintf(nm, sizeof nm, "%s%10d", NC_DIM_ONLY, (int)n);
    else
        fs_snprintf(nm, sizeof nm, "%s", name);
    if (st == FS_OK) st = h5f_make_scale(s->f, p, nm);
    return st;
}

/* Grid dims of a blob in store order: arch, aug, band, seed (those set in b->grid), as
 * indices into store_grid_names. */
static int blob_grid(const TaskBlob *b, int ga[4])
{
    static const int order[4] = {AX_ARCH, AX_AUG, AX_BAND, AX_SEED};
    int n = 0;
    for (int i = 0; i < 4; i++)
        if (b->grid & (1u << order[i])) ga[n++] = i + 1;
    return n;
}

static void blob_group(BlobPlace place, const StoreKey *k, char *buf, size_t n)
{
    if (place == BLOB_MODEL)
        fs_snprintf(buf, n, "/models/%s/%s", k->v[0], k->v[1]);
    else
        fs_snprintf(buf, n, "/results/%s", k->v[0]);
}

/* A new result array at path: its scales, the dataset, the scales attached, its attributes. */
static FsStatus array_create(Store *s, const SweepConfig *cfg, const char *gpath, const char *path,
                             const TaskBlob *b, const int *ga, int ng, const int64_t *dims,
                             const int64_t *maxd, const int64_t *chunk, int64_t chunk_elems)
{
    FsStatus st = FS_OK;
    int rank = ng + b->n_extra;
    for (int i = 0; i < ng && st == FS_OK; i++) st = scale_write_grid(s, gpath, ga[i]);
    for (int j = 0; j < b->n_extra && st == FS_OK; j++) st = scale_ensure_extra(s, cfg, gpath, b, j);
    if (st == FS_OK)
        st = h5f_create_dataset(s->f, path, b->f32 ? FSH5_F32 : FSH5_F64, rank, dims, maxd, chunk,
                                FSH5_FILL_NAN | (chunk_elems >= 512 ? FSH5_COMPRESS : 0));
    char dimlist[256] = "";
    for (int i = 0; i < rank && st == FS_OK; i++) {
        const char *dn = i < ng ? store_grid_names[ga[i]] : b->dim[i - ng];
        char sp[320];
        fs_snprintf(sp, sizeof sp, "%s/%s", gpath, dn);
        st = h5f_attach_scale(s->f, path, sp, i);
        size_t l = strlen(dimlist);
        fs_snprintf(dimlist + l, sizeof dimlist - l, "%s%s", i ? "," : "", dn);
    }
    if (st == FS_OK) st = h5f_attr_set_str(s->f, path, "fsweep_dims", dimlist);
    if (st == FS_OK) st = h5f_attr_set_i64(s->f, path, "fsweep_grid", (int64_t)b->grid);
    return st;
}

/* An existing result array at path: same rank and extra dims (their coordinates were checked
 * by store_results_check before the journal record); grid dims grow to dims. */
static FsStatus array_fit(Store *s, const char *gpath, const char *path, const TaskBlob *b,
                          const int *ga, int ng, int64_t *dims)
{
    int rank = ng + b->n_extra, r = 0;
    int64_t have[FSH5_MAX_RANK] = {0};
    FsStatus st = h5f_shape(s->f, path, &r, have, NULL);
    if (st != FS_OK) return st;
    if (r != rank)
        return fs_errorf(FS_ERR_FORMAT, "%s: %s/%s has rank %d, result has %d", s->path, gpath,
                         b->name, r, rank);
    int grow = 0;
    for (int i = 0; i < rank; i++) {
        if (i >= ng && have[i] != dims[i])
            return fs_errorf(FS_ERR_FORMAT, "%s: %s/%s: dim %s is %llu, result has %llu", s->path,
                             gpath, b->name, b->dim[i - ng], (unsigned long long)have[i],
                             (unsigned long long)dims[i]);
        if (i < ng && have[i] < dims[i]) grow = 1;
        if (i < ng && have[i] > dims[i]) dims[i] = have[i];
    }
    if (!grow) return FS_OK;
    st = h5f_set_extent(s->f, path, dims);
    for (int i = 0; i < ng && st == FS_OK; i++) st = scale_write_grid(s, gpath, ga[i]);
    return st;
}

FsStatus store_results_write(Store *s, const SweepConfig *cfg, const StoreKey *k, const TaskBlob *b)
{
    FsStatus st = FS_OK;
    char gpath[256], path[320];
    blob_group(b->place, k, gpath, sizeof gpath);
    fs_snprintf(path, sizeof path, "%s/%s", gpath, b->name);
    int ga[4];
    int ng = blob_grid(b, ga);
    int rank = ng + b->n_extra;
    int64_t start[FSH5_MAX_RANK] = {0}, count[FSH5_MAX_RANK] = {0}, dims[FSH5_MAX_RANK] = {0};
    int64_t maxd[FSH5_MAX_RANK] = {0}, chunk[FSH5_MAX_RANK] = {0};
    for (int i = 0; i < ng; i++) {
        char seedbuf[32];
        int idx = store_axis_index(s, ga[i], store_key_value(k, ga[i], seedbuf, sizeof seedbuf), &st);
        if (st != FS_OK) return st;
        start[i] = idx;
        count[i] = 1;
        dims[i] = s->nax[ga[i]];
        maxd[i] = FSH5_UNLIMITED;
        chunk[i] = 1;
    }
    int64_t chunk_elems = 1;
    for (int j = 0; j < b->n_extra; j++) {
        int i = ng + j;
        start[i] = b->start[j];
        count[i] = b->count[j];
        dims[i] = maxd[i] = b->size[j];
        chunk[i] = dims[i];
        chunk_elems *= dims[i];
    }
    /* Cap a chunk at 1 M values (4-8 MB): shrink the outer result dimensions first, each only as
     * far as needed, so a model of 1.5 M parameters is 2 chunks, not 1.5 M chunks of one value
     * (which made a file of 600 MB and a master of 10 GB). */
    const int64_t cap = (int64_t)1 << 20;
    for (int i = ng; i < rank && chunk_elems > cap; i++) {
        int64_t rest = chunk_elems / chunk[i];
        chunk[i] = rest >= cap ? 1 : cap / rest;
        chunk_elems = rest * chunk[i];
    }
    st = h5f_create_group(s->f, gpath);
    if (st == FS_OK && h5f_exists(s->f, path))
        st = array_fit(s, gpath, path, b, ga, ng, dims);
    else if (st == FS_OK)
        st = array_create(s, cfg, gpath, path, b, ga, ng, dims, maxd, chunk, chunk_elems);
    if (st == FS_OK) st = h5f_write_slab(s->f, path, FSH5_F64, rank, start, count, b->data);
    if (st != FS_OK && !strstr(fs_last_error(), b->name)) {
        char msg[512];
        fs_snprintf(msg, sizeof msg, "%s", fs_last_error());
        st = fs_errorf(st, "%s (writing %s/%s)", msg, gpath, b->name);
    }
    return st;
}

FsStatus store_results_check(Store *s, const SweepConfig *cfg, const StoreKey *k,
                             const TaskBlob *b)
{
    char gpath[256];
    blob_group(b->place, k, gpath, sizeof gpath);
    FsStatus st = FS_OK;
    for (int j = 0; j < b->n_extra && st == FS_OK; j++) {
        char p[320];
        fs_snprintf(p, sizeof p, "%s/%s", gpath, b->dim[j]);
        if (h5f_exists(s->f, p)) st = scale_verify(s, cfg, p, b, j);
    }
    return st;
}

FsStatus store_read_input(Store *s, const SweepConfig *cfg, const TaskSpec *spec, const char *name,
                          TaskBlob *out)
{
    memset(out, 0, sizeof *out);
    StoreKey k;
    store_key_from_spec(cfg, spec, &k);
    char path[320];
    int found = 0;
    for (int place = 0; place < 2 && !found; place++) {
        char g[256];
        blob_group((BlobPlace)place, &k, g, sizeof g);
        fs_snprintf(path, sizeof path, "%s/%s", g, name);
        found = s->f && h5f_exists(s->f, path);
    }
    if (!found)
        return fs_errorf(FS_ERR_FORMAT, "%s: input %s of %s not in the store", s->path, name,
                         spec->key);
    int64_t grid = 0;
    char *dl = NULL;
    if (!h5f_attr_exists(s->f, path, "fsweep_grid") || !h5f_attr_exists(s->f, path, "fsweep_dims") ||
        h5f_attr_get_i64(s->f, path, "fsweep_grid", &grid) != FS_OK ||
        h5f_attr_get_str(s->f, path, "fsweep_dims", &dl) != FS_OK) {
        free(dl);
        return fs_errorf(FS_ERR_FORMAT, "%s: %s lacks fsweep_dims/fsweep_grid", s->path, path);
    }
    TaskBlob b = {0};
    fs_snprintf(b.name, sizeof b.name, "%s", name);
    b.grid = (uint32_t)grid;
    int ga[4];
    int ng = blob_grid(&b, ga);
    int rank = 0;
    int64_t dims[FSH5_MAX_RANK], start[FSH5_MAX_RANK], count[FSH5_MAX_RANK];
    size_t elem = 0;
    FsStatus st = h5f_shape(s->f, path, &rank, dims, &elem);
    if (st != FS_OK) goto out;
    b.f32 = elem == 4; /* float32 data travels as float32 */
    if (rank - ng < 0 || rank - ng > TASK_BLOB_MAX_EXTRA) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: %s has rank %d", s->path, path, rank);
        goto out;
    }
    for (int i = 0; i < ng; i++) {
        char seedbuf[32];
        const char *v = store_key_value(&k, ga[i], seedbuf, sizeof seedbuf);
        int idx = -1;
        for (int j = 0; j < s->nax[ga[i]]; j++)
            if (!strcmp(s->ax[ga[i]][j], v)) idx = j;
        if (idx < 0 || idx >= dims[i]) {
            st = fs_errorf(FS_ERR_FORMAT, "%s: %s has no %s = %s", s->path, path,
                           store_grid_names[ga[i]], v);
            goto out;
        }
        start[i] = idx;
        count[i] = 1;
    }
    b.n_extra = rank - ng;
    char *save = NULL, *tok = strtok_r(dl, ",", &save);
    for (int i = 0; i < ng && tok; i++) tok = strtok_r(NULL, ",", &save);
    for (int j = 0; j < b.n_extra; j++) {
        fs_snprintf(b.dim[j], sizeof b.dim[j], "%s", tok ? tok : "?");
        tok = strtok_r(NULL, ",", &save);
        b.size[j] = b.count[j] = dims[ng + j];
        start[ng + j] = 0;
        count[ng + j] = dims[ng + j];
    }
    int64_t n = task_blob_len(&b);
    b.data = xmalloc((size_t)n * sizeof(double) + 1);
    if (h5f_read_slab(s->f, path, FSH5_F64, rank, start, count, b.data) != FS_OK) {
        free(b.data);
        st = fs_errorf(FS_ERR_LIB, "%s: cannot read %s", s->path, path);
        goto out;
    }
    *out = b;
out:
    free(dl);
    return st;
}
