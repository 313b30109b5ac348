/* h5file.c: see h5file.h. The store module's one HDF5 user: every other file of src/store/
 * reaches HDF5 through these helpers. */
#include "h5file.h"

#include "log.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct H5File {
    hid_t id;
    char *path;
    hid_t xfer;        /* slab and table transfers, with our own conversion buffers: HDF5's */
    void *tconv, *bkg; /* default callocs 1 MiB on every converting read or write */
};

#define CHUNK_MIN_BYTES (64 * 1024)

/* HDF5 prints its error stack itself unless silenced; we silence it and report one line,
 * printing the stack only at debug level. */
/* Set when an H5Fclose failed (a full disk): HDF5 1.10 then keeps a half-closed file that its
 * own exit-time cleanup dereferences and crashes on, so that cleanup is skipped. */
static int h5_close_failed;

static void h5_term(void)
{
    if (!h5_close_failed) H5close();
}

/* Before the first HDF5 call: HDF5's exit-time cleanup replaced by h5_term; errors silenced. */
static void h5_quiet(void)
{
    static int done;
    if (done) return;
    done = 1;
    if (H5dont_atexit() >= 0) atexit(h5_term);
    if (log_get_level() < LOG_LVL_DEBUG) H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static FsStatus h5_fail(const H5File *f, const char *obj, const char *what)
{
    return fs_errorf(FS_ERR_LIB, "%s: %s: HDF5 %s failed", f ? f->path : "?", obj ? obj : "/", what);
}

/* A failed flush or close: HDF5's file driver leaves the failed write's errno (ENOSPC on a
 * full disk), which says more than HDF5's stack. */
static FsStatus h5_fail_errno(const H5File *f, const char *what)
{
    int e = errno;
    if (!e) return h5_fail(f, "/", what);
    return fs_errorf(e == ENOSPC || e == EDQUOT ? FS_ERR_IO : FS_ERR_LIB, "%s: HDF5 %s failed: %s",
                     f->path, what, strerror(e));
}

const char *h5f_library_version(void)
{
    static char v[32];
    unsigned maj = 0, min = 0, rel = 0;
    h5_quiet();
    if (H5get_libversion(&maj, &min, &rel) < 0) return "unknown";
    fs_snprintf(v, sizeof v, "%u.%u.%u", maj, min, rel);
    return v;
}

static hid_t vlen_str_type(void);

static hid_t native_type(FsH5Type t)
{
    switch (t) {
    case FSH5_F32: return H5T_NATIVE_FLOAT;
    case FSH5_F64: return H5T_NATIVE_DOUBLE;
    case FSH5_I32: return H5T_NATIVE_INT32;
    case FSH5_I64: return H5T_NATIVE_INT64;
    case FSH5_U8: return H5T_NATIVE_UINT8;
    case FSH5_U64: return H5T_NATIVE_UINT64;
    case FSH5_STR: break; /* not a fixed type: see type_open */
    }
    return H5T_NATIVE_FLOAT;
}
static size_t type_size(FsH5Type t)
{
    switch (t) {
    case FSH5_F32: case FSH5_I32: return 4;
    case FSH5_F64: case FSH5_I64: case FSH5_U64: return 8;
    case FSH5_U8: return 1;
    case FSH5_STR: return sizeof(char *);
    }
    return 4;
}

/* A type the caller closes: the vlen string type, or a copy of the native one. */
static hid_t type_open(FsH5Type t)
{
    return t == FSH5_STR ? vlen_str_type() : H5Tcopy(native_type(t));
}

static H5File *open_common(const char *path, hid_t id)
{
    H5File *f = xcalloc(1, sizeof *f);
    f->id = id;
    f->path = xstrdup(path);
    f->xfer = -1;
    return f;
}

/* The transfer property list of slab and table I/O (made on first use). */
static hid_t xfer(H5File *f)
{
    if (f->xfer >= 0) return f->xfer;
    const size_t tb = (size_t)1 << 18;
    hid_t p = H5Pcreate(H5P_DATASET_XFER);
    if (p < 0) return H5P_DEFAULT;
    void *tconv = xcalloc(tb, 1), *bkg = xcalloc(tb, 1);
    if (H5Pset_buffer(p, tb, tconv, bkg) < 0) {
        H5Pclose(p);
        free(tconv);
        free(bkg);
        return H5P_DEFAULT;
    }
    f->xfer = p;
    f->tconv = tconv;
    f->bkg = bkg;
    return p;
}

H5File *h5f_create(const char *path)
{
    h5_quiet();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) {
        h5_fail(NULL, path, "H5Pcreate");
        return NULL;
    }
    /* Newest format: compact link storage and reliable flush behaviour. */
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    hid_t id = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (id < 0) {
        fs_errorf(FS_ERR_IO, "%s: cannot create HDF5 file (directory missing or not writable?)", path);
        return NULL;
    }
    return open_common(path, id);
}

H5File *h5f_open(const char *path, int writable)
{
    h5_quiet();
    if (!fs_file_exists(path)) {
        fs_errorf(FS_ERR_IO, "%s: no such file", path);
        return NULL;
    }
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        fs_errorf(FS_ERR_FORMAT, "%s: not an HDF5 file", path);
        return NULL;
    }
    hid_t id = H5Fopen(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) {
        fs_errorf(FS_ERR_IO, "%s: cannot open HDF5 file %s (locked by a running writer, or damaged?)",
                  path, writable ? "for writing" : "for reading");
        return NULL;
    }
    return open_common(path, id);
}

H5File *h5f_open_shared(const char *path)
{
    h5_quiet();
    if (!fs_file_exists(path)) {
        fs_errorf(FS_ERR_IO, "%s: no such file", path);
        return NULL;
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) {
        h5_fail(NULL, path, "H5Pcreate");
        return NULL;
    }
    if (H5Pset_file_locking(fapl, 0, 1) < 0) {
        H5Pclose(fapl);
        h5_fail(NULL, path, "H5Pset_file_locking");
        return NULL;
    }
    hid_t id = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (id < 0) {
        fs_errorf(FS_ERR_IO, "%s: cannot open HDF5 file for reading (damaged?)", path);
        return NULL;
    }
    return open_common(path, id);
}

FsStatus h5f_flush(H5File *f)
{
    errno = 0;
    if (H5Fflush(f->id, H5F_SCOPE_GLOBAL) < 0) return h5_fail_errno(f, "H5Fflush");
    return FS_OK;
}

FsStatus h5f_close(H5File *f)
{
    if (!f) return FS_OK;
    FsStatus st = FS_OK;
    if (f->xfer >= 0 && H5Pclose(f->xfer) < 0) st = h5_fail(f, "/", "H5Pclose");
    errno = 0;
    if (H5Fclose(f->id) < 0) {
        h5_close_failed = 1;
        if (st == FS_OK) st = h5_fail_errno(f, "H5Fclose");
    }
    free(f->tconv);
    free(f->bkg);
    free(f->path);
    free(f);
    return st;
}

const char *h5f_path(const H5File *f) { return f->path; }

/* Does every prefix of path exist as a link? */
int h5f_exists(H5File *f, const char *path)
{
    if (!strcmp(path, "/")) return 1;
    char *p = xstrdup(path);
    int ok = 1;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (H5Lexists(f->id, p, H5P_DEFAULT) <= 0) {
                ok = 0;
                break;
            }
            *s = c;
            if (!c) break;
        }
    }
    free(p);
    return ok;
}

/* Create missing groups along the parent of path (or path itself when whole != 0). */
static FsStatus make_groups(H5File *f, const char *path, int whole)
{
    char *p = xstrdup(path);
    FsStatus st = FS_OK;
    char *end = whole ? p + strlen(p) : strrchr(p, '/');
    for (char *s = p + 1; s <= end && *p; s++) {
        if (*s == '/' || s == end) {
            char c = *s;
            *s = 0;
            if (*p && strcmp(p, "/") != 0 && H5Lexists(f->id, p, H5P_DEFAULT) <= 0) {
                hid_t g = H5Gcreate2(f->id, p, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
                if (g < 0) {
                    st = h5_fail(f, p, "H5Gcreate2");
                    *s = c;
                    break;
                }
                H5Gclose(g);
            }
            *s = c;
        }
    }
    free(p);
    return st;
}

FsStatus h5f_create_group(H5File *f, const char *path) { return make_groups(f, path, 1); }

typedef struct {
    char **names;
    int n, cap;
} NameList;

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    NameList *l = data;
    if (l->n == l->cap) l->names = xrealloc(l->names, sizeof(char *) * (size_t)(l->cap = l->cap ? 2 * l->cap : 16));
    l->names[l->n++] = xstrdup(name);
    return 0;
}

FsStatus h5f_list(H5File *f, const char *group, char ***names, int *n)
{
    NameList l = {0};
    hid_t g = H5Gopen2(f->id, group, H5P_DEFAULT);
    if (g < 0) return fs_errorf(FS_ERR_FORMAT, "%s: group %s not found", f->path, group);
    herr_t r = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, list_cb, &l);
    H5Gclose(g);
    if (r < 0) {
        for (int i = 0; i < l.n; i++) free(l.names[i]);
        free(l.names);
        return h5_fail(f, group, "H5Literate");
    }
    *names = l.names;
    *n = l.n;
    return FS_OK;
}

FsStatus h5f_delete(H5File *f, const char *path)
{
    if (!h5f_exists(f, path)) return FS_OK;
    if (H5Ldelete(f->id, path, H5P_DEFAULT) < 0) return h5_fail(f, path, "H5Ldelete");
    return FS_OK;
}

FsStatus h5f_write(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *dims,
                   const void *data)
{
    FS_CHECK(rank >= 0 && rank <= FSH5_MAX_RANK && t != FSH5_STR, "h5f_write: rank %d, type %d", rank,
             (int)t);
    FsStatus st = make_groups(f, path, 0);
    if (st) return st;
    if ((st = h5f_delete(f, path))) return st;
    hsize_t hd[FSH5_MAX_RANK];
    size_t bytes = type_size(t);
    for (int i = 0; i < rank; i++) {
        hd[i] = (hsize_t)dims[i];
        bytes *= (size_t)dims[i];
    }
    hid_t space = H5Screate_simple(rank, hd, NULL);
    if (space < 0) return h5_fail(f, path, "H5Screate_simple");
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (bytes >= CHUNK_MIN_BYTES && rank > 0) {
        /* Chunks of about 256 KiB: split the leading dimensions. */
        hsize_t ch[FSH5_MAX_RANK];
        size_t cbytes = type_size(t);
        for (int i = rank - 1; i >= 0; i--) {
            ch[i] = hd[i];
            if (cbytes * hd[i] > 256 * 1024) ch[i] = (hsize_t)(256 * 1024 / cbytes) ? (hsize_t)(256 * 1024 / cbytes) : 1;
            if (ch[i] == 0) ch[i] = 1;
            cbytes *= (size_t)ch[i];
        }
        if (H5Pset_chunk(dcpl, rank, ch) < 0 || H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 4) < 0) {
            H5Pclose(dcpl);
            H5Sclose(space);
            return h5_fail(f, path, "chunk/deflate setup");
        }
    }
    hid_t ds = H5Dcreate2(f->id, path, native_type(t), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (ds < 0) return h5_fail(f, path, "H5Dcreate2");
    herr_t r = bytes ? H5Dwrite(ds, native_type(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : 0;
    H5Dclose(ds);
    if (r < 0) return h5_fail(f, path, "H5Dwrite");
    return FS_OK;
}

static FsStatus read_shape(H5File *f, const char *path, hid_t *ds_out, int *rank, hsize_t *hd)
{
    if (!h5f_exists(f, path)) return fs_errorf(FS_ERR_FORMAT, "%s: dataset %s not found", f->path, path);
    hid_t ds = H5Dopen2(f->id, path, H5P_DEFAULT);
    if (ds < 0) return h5_fail(f, path, "H5Dopen2");
    hid_t sp = H5Dget_space(ds);
    int r = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    if (r < 0 || r > FSH5_MAX_RANK) {
        if (sp >= 0) H5Sclose(sp);
        H5Dclose(ds);
        return fs_errorf(FS_ERR_FORMAT, "%s: %s: unsupported dataspace", f->path, path);
    }
    for (int i = 0; i < FSH5_MAX_RANK; i++) hd[i] = 0;
    int got = H5Sget_simple_extent_dims(sp, hd, NULL);
    H5Sclose(sp);
    if (got != r) {
        H5Dclose(ds);
        return h5_fail(f, path, "H5Sget_simple_extent_dims");
    }
    *rank = r;
    *ds_out = ds;
    return FS_OK;
}

FsStatus h5f_read(H5File *f, const char *path, FsH5Type t, int *rank, int64_t dims[FSH5_MAX_RANK],
                  void **data)
{
    hid_t ds = -1;
    hsize_t hd[FSH5_MAX_RANK];
    int r = 0;
    FsStatus st = read_shape(f, path, &ds, &r, hd);
    if (st) return st;
    size_t n = 1;
    for (int i = 0; i < r; i++) {
        dims[i] = (int64_t)hd[i];
        n = fs_mul_size(n, (size_t)hd[i], path);
    }
    void *buf = xmalloc(fs_mul_size(n, type_size(t), path));
    herr_t e = n ? H5Dread(ds, native_type(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
    H5Dclose(ds);
    if (e < 0) {
        free(buf);
        return h5_fail(f, path, "H5Dread");
    }
    *rank = r;
    *data = buf;
    return FS_OK;
}

static void shape_str(char *b, size_t n, int rank, const int64_t *d)
{
    size_t u = (size_t)snprintf(b, n, "(");
    for (int i = 0; i < rank && u < n; i++) u += (size_t)snprintf(b + u, n - u, "%s%lld", i ? "," : "", (long long)d[i]);
    if (u < n) snprintf(b + u, n - u, ")");
}

FsStatus h5f_read_into(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *dims,
                       void *data)
{
    hid_t ds = -1;
    hsize_t hd[FSH5_MAX_RANK];
    int r = 0;
    FsStatus st = read_shape(f, path, &ds, &r, hd);
    if (st) return st;
    int same = r == rank;
    int64_t got[FSH5_MAX_RANK];
    for (int i = 0; i < r; i++) {
        got[i] = (int64_t)hd[i];
        if (same && got[i] != dims[i]) same = 0;
    }
    if (!same) {
        H5Dclose(ds);
        char a[128], b[128];
        shape_str(a, sizeof a, rank, dims);
        shape_str(b, sizeof b, r, got);
        return fs_errorf(FS_ERR_FORMAT, "%s: %s has shape %s, expected %s", f->path, path, b, a);
    }
    herr_t e = H5Dread(ds, native_type(t), H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(ds);
    if (e < 0) return h5_fail(f, path, "H5Dread");
    return FS_OK;
}

static hid_t vlen_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

FsStatus h5f_write_strings(H5File *f, const char *path, int n, const char *const *s)
{
    FsStatus st = make_groups(f, path, 0);
    if (st || (st = h5f_delete(f, path))) return st;
    hsize_t d = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &d, NULL), t = vlen_str_type();
    hid_t ds = (sp < 0 || t < 0) ? -1 : H5Dcreate2(f->id, path, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = ds < 0 ? -1 : (n ? H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) : 0);
    if (ds >= 0) H5Dclose(ds);
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    return e < 0 ? h5_fail(f, path, "write strings") : FS_OK;
}

/* Open the 1-D dataset at path (a `what`, for the error); hd[0] gets its length. */
static FsStatus open_1d(H5File *f, const char *path, const char *what, hid_t *ds, hsize_t *hd)
{
    int r = 0;
    FsStatus st = read_shape(f, path, ds, &r, hd);
    if (st) return st;
    if (r != 1) {
        H5Dclose(*ds);
        return fs_errorf(FS_ERR_FORMAT, "%s: %s is not a %s", f->path, path, what);
    }
    return FS_OK;
}

FsStatus h5f_read_strings(H5File *f, const char *path, int *n, char ***s)
{
    hid_t ds = -1;
    hsize_t hd[FSH5_MAX_RANK] = {0};
    FsStatus st = open_1d(f, path, "1-D string dataset", &ds, hd);
    if (st) return st;
    hid_t t = vlen_str_type();
    char **raw = xcalloc(hd[0] ? hd[0] : 1, sizeof(char *));
    herr_t e = hd[0] ? H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) : 0;
    if (e < 0) {
        H5Tclose(t);
        H5Dclose(ds);
        free(raw);
        return h5_fail(f, path, "read strings");
    }
    char **out = xcalloc(hd[0] ? hd[0] : 1, sizeof(char *));
    for (hsize_t i = 0; i < hd[0]; i++) out[i] = xstrdup(raw[i] ? raw[i] : "");
    hid_t sp = H5Dget_space(ds);
    H5Dvlen_reclaim(t, sp, H5P_DEFAULT, raw);
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(ds);
    free(raw);
    *n = (int)hd[0];
    *s = out;
    return FS_OK;
}

/* Open an object for attributes; returns < 0 with an error set. */
static hid_t obj_open(H5File *f, const char *obj)
{
    if (!h5f_exists(f, obj)) {
        fs_errorf(FS_ERR_FORMAT, "%s: object %s not found", f->path, obj);
        return -1;
    }
    hid_t o = H5Oopen(f->id, obj, H5P_DEFAULT);
    if (o < 0) h5_fail(f, obj, "H5Oopen");
    return o;
}

static FsStatus attr_write(H5File *f, const char *obj, const char *name, hid_t type, hid_t space,
                           const void *buf)
{
    hid_t o = obj_open(f, obj);
    if (o < 0) return FS_ERR_FORMAT;
    if (H5Aexists(o, name) > 0) H5Adelete(o, name);
    hid_t a = H5Acreate2(o, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, type, buf);
    if (a >= 0) H5Aclose(a);
    H5Oclose(o);
    if (e < 0) {
        char what[160];
        snprintf(what, sizeof what, "write attribute %s", name);
        return h5_fail(f, obj, what);
    }
    return FS_OK;
}

FsStatus h5f_attr_set_str(H5File *f, const char *obj, const char *name, const char *value)
{
    hid_t t = vlen_str_type(), sp = H5Screate(H5S_SCALAR);
    FsStatus st = attr_write(f, obj, name, t, sp, &value);
    H5Sclose(sp);
    H5Tclose(t);
    return st;
}
FsStatus h5f_attr_set_i64(H5File *f, const char *obj, const char *name, int64_t v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    FsStatus st = attr_write(f, obj, name, H5T_NATIVE_INT64, sp, &v);
    H5Sclose(sp);
    return st;
}
FsStatus h5f_attr_set_f64(H5File *f, const char *obj, const char *name, double v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    FsStatus st = attr_write(f, obj, name, H5T_NATIVE_DOUBLE, sp, &v);
    H5Sclose(sp);
    return st;
}
FsStatus h5f_attr_set_f64_array(H5File *f, const char *obj, const char *name, int n,
                                const double *v)
{
    hsize_t d = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    FsStatus st = attr_write(f, obj, name, H5T_NATIVE_DOUBLE, sp, v);
    H5Sclose(sp);
    return st;
}

int h5f_attr_exists(H5File *f, const char *obj, const char *name)
{
    if (!h5f_exists(f, obj)) return 0;
    return H5Aexists_by_name(f->id, obj, name, H5P_DEFAULT) > 0;
}

static hid_t attr_open(H5File *f, const char *obj, const char *name)
{
    if (!h5f_attr_exists(f, obj, name)) {
        fs_errorf(FS_ERR_FORMAT, "%s: %s has no attribute '%s'", f->path, obj, name);
        return -1;
    }
    hid_t a = H5Aopen_by_name(f->id, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) h5_fail(f, obj, "H5Aopen_by_name");
    return a;
}

FsStatus h5f_attr_get_str(H5File *f, const char *obj, const char *name, char **out)
{
    hid_t a = attr_open(f, obj, name);
    if (a < 0) return FS_ERR_FORMAT;
    hid_t ft = H5Aget_type(a);
    FsStatus st = FS_OK;
    if (H5Tget_class(ft) != H5T_STRING) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: %s attribute '%s' is not a string", f->path, obj, name);
    } else if (H5Tis_variable_str(ft) > 0) {
        hid_t t = vlen_str_type();
        H5Tset_cset(t, H5Tget_cset(ft)); /* HDF5 does not convert ASCII <-> UTF-8 */
        char *s = NULL;
        if (H5Aread(a, t, &s) < 0)
            st = h5_fail(f, obj, "H5Aread");
        else {
            *out = xstrdup(s ? s : "");
            hid_t sp = H5Aget_space(a);
            H5Dvlen_reclaim(t, sp, H5P_DEFAULT, &s);
            H5Sclose(sp);
        }
        H5Tclose(t);
    } else {
        size_t n = H5Tget_size(ft);
        char *s = xcalloc(n + 1, 1);
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, n);
        H5Tset_cset(t, H5Tget_cset(ft)); /* HDF5 does not convert ASCII <-> UTF-8 */
        if (H5Aread(a, t, s) < 0) {
            free(s);
            st = h5_fail(f, obj, "H5Aread");
        } else
            *out = s;
        H5Tclose(t);
    }
    H5Tclose(ft);
    H5Aclose(a);
    return st;
}

static FsStatus attr_get_num(H5File *f, const char *obj, const char *name, hid_t t, void *v)
{
    hid_t a = attr_open(f, obj, name);
    if (a < 0) return FS_ERR_FORMAT;
    hid_t sp = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    FsStatus st = FS_OK;
    if (n != 1)
        st = fs_errorf(FS_ERR_FORMAT, "%s: %s attribute '%s' is not a scalar", f->path, obj, name);
    else if (H5Aread(a, t, v) < 0)
        st = h5_fail(f, obj, "H5Aread");
    H5Aclose(a);
    return st;
}
FsStatus h5f_attr_get_i64(H5File *f, const char *obj, const char *name, int64_t *v)
{
    return attr_get_num(f, obj, name, H5T_NATIVE_INT64, v);
}
FsStatus h5f_attr_get_f64(H5File *f, const char *obj, const char *name, double *v)
{
    return attr_get_num(f, obj, name, H5T_NATIVE_DOUBLE, v);
}
FsStatus h5f_attr_get_f64_array(H5File *f, const char *obj, const char *name, int *n,
                                double **v)
{
    hid_t a = attr_open(f, obj, name);
    if (a < 0) return FS_ERR_FORMAT;
    hid_t sp = H5Aget_space(a);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    double *buf = xmalloc(sizeof(double) * (size_t)(cnt > 0 ? cnt : 1));
    if (H5Aread(a, H5T_NATIVE_DOUBLE, buf) < 0) {
        free(buf);
        H5Aclose(a);
        return h5_fail(f, obj, "H5Aread");
    }
    H5Aclose(a);
    *n = (int)cnt;
    *v = buf;
    return FS_OK;
}

FsStatus h5f_make_scale(H5File *f, const char *scale, const char *dim_name)
{
    hid_t ds = H5Dopen2(f->id, scale, H5P_DEFAULT);
    if (ds < 0) return h5_fail(f, scale, "H5Dopen2");
    herr_t e = H5DSis_scale(ds) > 0 ? 0 : H5DSset_scale(ds, dim_name);
    H5Dclose(ds);
    return e < 0 ? h5_fail(f, scale, "H5DSset_scale") : FS_OK;
}

FsStatus h5f_attach_scale(H5File *f, const char *dset, const char *scale, int idx)
{
    hid_t d = H5Dopen2(f->id, dset, H5P_DEFAULT);
    if (d < 0) return h5_fail(f, dset, "H5Dopen2");
    hid_t s = H5Dopen2(f->id, scale, H5P_DEFAULT);
    if (s < 0) {
        H5Dclose(d);
        return h5_fail(f, scale, "H5Dopen2");
    }
    herr_t e = H5DSattach_scale(d, s, (unsigned)idx);
    H5Dclose(s);
    H5Dclose(d);
    return e < 0 ? h5_fail(f, dset, "H5DSattach_scale") : FS_OK;
}

/* ------------------------------------------------------------------ datasets with a layout */
FsStatus h5f_create_dataset(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *dims,
                            const int64_t *maxdims, const int64_t *chunk, unsigned flags)
{
    FS_CHECK(rank >= 1 && rank <= FSH5_MAX_RANK, "h5f_create_dataset: rank %d", rank);
    FsStatus st = make_groups(f, path, 0);
    if (st) return st;
    hsize_t hd[FSH5_MAX_RANK], mx[FSH5_MAX_RANK], ch[FSH5_MAX_RANK];
    for (int i = 0; i < rank; i++) {
        hd[i] = (hsize_t)dims[i];
        mx[i] = !maxdims ? hd[i] : maxdims[i] == FSH5_UNLIMITED ? H5S_UNLIMITED : (hsize_t)maxdims[i];
        if (chunk) ch[i] = (hsize_t)chunk[i];
    }
    hid_t space = H5Screate_simple(rank, hd, mx);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t ft = t == FSH5_STR ? vlen_str_type()
               : t == FSH5_F32 ? H5Tcopy(H5T_IEEE_F32LE)
               : t == FSH5_F64 ? H5Tcopy(H5T_IEEE_F64LE)
                               : type_open(t);
    const char *what = NULL;
    double nanv = NAN;
    if (space < 0 || dcpl < 0 || ft < 0)
        what = "H5Screate_simple/H5Pcreate/H5Tcopy";
    else if (chunk && H5Pset_chunk(dcpl, rank, ch) < 0)
        what = "H5Pset_chunk";
    else if (chunk && (flags & FSH5_COMPRESS) && (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 4) < 0))
        what = "shuffle/deflate setup";
    else if ((flags & FSH5_FILL_NAN) && H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nanv) < 0)
        what = "H5Pset_fill_value";
    hid_t ds = what ? -1 : H5Dcreate2(f->id, path, ft, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (!what && ds < 0) what = "H5Dcreate2";
    if (ds >= 0 && H5Dclose(ds) < 0) what = "H5Dclose";
    if (ft >= 0) H5Tclose(ft);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return what ? h5_fail(f, path, what) : FS_OK;
}

FsStatus h5f_shape(H5File *f, const char *path, int *rank, int64_t dims[FSH5_MAX_RANK],
                   size_t *elem_bytes)
{
    hid_t ds = -1;
    hsize_t hd[FSH5_MAX_RANK];
    int r = 0;
    FsStatus st = read_shape(f, path, &ds, &r, hd);
    if (st) return st;
    for (int i = 0; i < r; i++) dims[i] = (int64_t)hd[i];
    *rank = r;
    if (elem_bytes) {
        hid_t dt = H5Dget_type(ds);
        size_t n = dt < 0 ? 0 : H5Tget_size(dt);
        if (dt >= 0) H5Tclose(dt);
        if (n == 0) st = h5_fail(f, path, "H5Dget_type");
        *elem_bytes = n;
    }
    H5Dclose(ds);
    return st;
}

FsStatus h5f_chunk(H5File *f, const char *path, int *rank, int64_t chunk[FSH5_MAX_RANK])
{
    hid_t ds = -1;
    hsize_t hd[FSH5_MAX_RANK];
    int r = 0;
    FsStatus st = read_shape(f, path, &ds, &r, hd);
    if (st) return st;
    hid_t dcpl = H5Dget_create_plist(ds);
    H5D_layout_t lay = dcpl < 0 ? H5D_LAYOUT_ERROR : H5Pget_layout(dcpl);
    if (lay == H5D_LAYOUT_ERROR) {
        st = h5_fail(f, path, "H5Pget_layout");
    } else if (lay != H5D_CHUNKED) {
        *rank = 0;
    } else if (H5Pget_chunk(dcpl, FSH5_MAX_RANK, hd) != r) {
        st = h5_fail(f, path, "H5Pget_chunk");
    } else {
        for (int i = 0; i < r; i++) chunk[i] = (int64_t)hd[i];
        *rank = r;
    }
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Dclose(ds);
    return st;
}

FsStatus h5f_set_extent(H5File *f, const char *path, const int64_t *dims)
{
    hid_t ds = -1;
    hsize_t hd[FSH5_MAX_RANK];
    int r = 0;
    FsStatus st = read_shape(f, path, &ds, &r, hd);
    if (st) return st;
    for (int i = 0; i < r; i++) hd[i] = (hsize_t)dims[i];
    herr_t e = H5Dset_extent(ds, hd);
    H5Dclose(ds);
    return e < 0 ? h5_fail(f, path, "H5Dset_extent") : FS_OK;
}

/* Read or write the block [start, start + count) of dataset path. */
static FsStatus slab_io(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *start,
                        const int64_t *count, void *rbuf, const void *wbuf)
{
    FS_CHECK(rank >= 1 && rank <= FSH5_MAX_RANK, "h5f slab: rank %d", rank);
    hsize_t st0[FSH5_MAX_RANK], cnt[FSH5_MAX_RANK];
    for (int i = 0; i < rank; i++) {
        st0[i] = (hsize_t)start[i];
        cnt[i] = (hsize_t)count[i];
    }
    hid_t ds = H5Dopen2(f->id, path, H5P_DEFAULT);
    if (ds < 0) return h5_fail(f, path, "H5Dopen2");
    hid_t fsp = H5Dget_space(ds), msp = H5Screate_simple(rank, cnt, NULL), mt = type_open(t);
    const char *what = NULL;
    if (fsp < 0 || msp < 0 || mt < 0)
        what = "H5Dget_space/H5Screate_simple/H5Tcopy";
    else if (H5Sget_simple_extent_ndims(fsp) != rank)
        what = "rank check";
    else if (H5Sselect_hyperslab(fsp, H5S_SELECT_SET, st0, NULL, cnt, NULL) < 0)
        what = "H5Sselect_hyperslab";
    else if (wbuf && H5Dwrite(ds, mt, msp, fsp, xfer(f), wbuf) < 0)
        what = "H5Dwrite";
    else if (rbuf && H5Dread(ds, mt, msp, fsp, xfer(f), rbuf) < 0)
        what = "H5Dread";
    if (mt >= 0) H5Tclose(mt);
    if (msp >= 0) H5Sclose(msp);
    if (fsp >= 0) H5Sclose(fsp);
    if (H5Dclose(ds) < 0 && !what) what = "H5Dclose";
    return what ? h5_fail(f, path, what) : FS_OK;
}

FsStatus h5f_write_slab(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *start,
                        const int64_t *count, const void *data)
{
    return slab_io(f, path, t, rank, start, count, NULL, data);
}

FsStatus h5f_read_slab(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *start,
                       const int64_t *count, void *data)
{
    return slab_io(f, path, t, rank, start, count, data, NULL);
}

/* ------------------------------------------------------------------ tables */
struct H5Table {
    hid_t type; /* compound memory type, also the file type */
    size_t size;
};

H5Table *h5f_table_type(size_t size, int n, const FsH5Field *fields)
{
    h5_quiet();
    hid_t t = H5Tcreate(H5T_COMPOUND, size);
    if (t < 0) {
        h5_fail(NULL, "table type", "H5Tcreate");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        hid_t ft = type_open(fields[i].type);
        herr_t e = ft < 0 ? -1 : H5Tinsert(t, fields[i].name, fields[i].offset, ft);
        if (ft >= 0) H5Tclose(ft);
        if (e < 0) {
            H5Tclose(t);
            h5_fail(NULL, fields[i].name, "H5Tinsert");
            return NULL;
        }
    }
    H5Table *tt = xcalloc(1, sizeof *tt);
    tt->type = t;
    tt->size = size;
    return tt;
}

void h5f_table_type_free(H5Table *t)
{
    if (!t) return;
    H5Tclose(t->type);
    free(t);
}

FsStatus h5f_table_append(H5File *f, const char *path, const H5Table *t, const void *row)
{
    hsize_t at = 0;
    if (h5f_exists(f, path)) {
        hid_t ds = -1;
        hsize_t hd[FSH5_MAX_RANK] = {0};
        FsStatus st = open_1d(f, path, "table", &ds, hd);
        if (st) return st;
        H5Dclose(ds);
        at = hd[0];
    } else {
        FsStatus st = make_groups(f, path, 0);
        if (st) return st;
        hsize_t d = 0, mx = H5S_UNLIMITED, ch = 256;
        hid_t sp = H5Screate_simple(1, &d, &mx), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        herr_t e = (sp < 0 || dcpl < 0) ? -1 : H5Pset_chunk(dcpl, 1, &ch);
        hid_t ds = e < 0 ? -1 : H5Dcreate2(f->id, path, t->type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (dcpl >= 0) H5Pclose(dcpl);
        if (sp >= 0) H5Sclose(sp);
        if (ds < 0 || H5Dclose(ds) < 0) return h5_fail(f, path, "create table");
    }
    hid_t ds = H5Dopen2(f->id, path, H5P_DEFAULT);
    if (ds < 0) return h5_fail(f, path, "H5Dopen2");
    hsize_t n1 = at + 1, one = 1;
    const char *what = NULL;
    hid_t fsp = -1, msp = -1;
    if (H5Dset_extent(ds, &n1) < 0)
        what = "extend table";
    else if ((fsp = H5Dget_space(ds)) < 0 ||
             H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &at, NULL, &one, NULL) < 0)
        what = "select row";
    else if ((msp = H5Screate_simple(1, &one, NULL)) < 0 ||
             H5Dwrite(ds, t->type, msp, fsp, xfer(f), row) < 0)
        what = "write row";
    if (msp >= 0) H5Sclose(msp);
    if (fsp >= 0) H5Sclose(fsp);
    if (H5Dclose(ds) < 0 && !what) what = "H5Dclose";
    return what ? h5_fail(f, path, what) : FS_OK;
}

/* The strings HDF5 allocates while it reads a table, tracked: a read that fails part-way (a
 * damaged file) leaves some in its own conversion buffer, where nothing else could free them. */
typedef struct {
    void **p;
    size_t n, cap;
} VlenTrack;

static void *vlen_alloc(size_t size, void *info)
{
    VlenTrack *t = info;
    void *p = malloc(size);
    if (p) {
        if (t->n == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 256;
            t->p = xrealloc(t->p, t->cap * sizeof *t->p);
        }
        t->p[t->n++] = p;
    }
    return p;
}

static void vlen_free(void *p, void *info)
{
    VlenTrack *t = info;
    for (size_t i = t->n; p && i-- > 0;)
        if (t->p[i] == p) {
            t->p[i] = t->p[--t->n];
            break;
        }
    free(p);
}

FsStatus h5f_table_read(H5File *f, const char *path, const H5Table *t, void **rows, int64_t *n)
{
    *rows = NULL;
    *n = 0;
    hid_t ds = -1;
    hsize_t hd[FSH5_MAX_RANK] = {0};
    FsStatus st = open_1d(f, path, "table", &ds, hd);
    if (st) return st;
    void *buf = xcalloc((size_t)hd[0] + 1, t->size);
    VlenTrack vt = {NULL, 0, 0};
    hid_t pl = H5Pcreate(H5P_DATASET_XFER);
    herr_t e = pl < 0 ? -1 : H5Pset_vlen_mem_manager(pl, vlen_alloc, &vt, vlen_free, &vt);
    if (e >= 0 && hd[0]) e = H5Dread(ds, t->type, H5S_ALL, H5S_ALL, pl, buf);
    if (pl >= 0) H5Pclose(pl);
    H5Dclose(ds);
    if (e < 0) { /* every string HDF5 allocated, wherever it was left */
        for (size_t i = 0; i < vt.n; i++) free(vt.p[i]);
        free(vt.p);
        free(buf);
        return h5_fail(f, path, "H5Dread");
    }
    free(vt.p); /* the strings now belong to the rows (h5f_table_rows_free) */
    *rows = buf;
    *n = (int64_t)hd[0];
    return FS_OK;
}

void h5f_table_rows_free(const H5Table *t, void *rows, int64_t n)
{
    if (rows && n > 0) {
        hsize_t d = (hsize_t)n;
        hid_t sp = H5Screate_simple(1, &d, NULL);
        if (sp >= 0) {
            H5Dvlen_reclaim(t->type, sp, H5P_DEFAULT, rows);
            H5Sclose(sp);
        }
    }
    free(rows);
}
