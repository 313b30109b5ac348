/* h5file.h: small typed HDF5 helpers over slash paths, shared by model files, DFM/ADCS/logits
 * files and the results store. Part of the store module: h5file.c is the only file that
 * includes hdf5.h.
 *
 * Paths: "/a/b/name"; intermediate groups are created on write. Datasets larger than 64 KiB are
 * chunked and deflate-compressed (level 4) with the shuffle filter. Attribute owners are given
 * by object path ("/" for the root). Every HDF5 return value is checked: failures return
 * FS_ERR_IO/FS_ERR_LIB with fs_last_error naming the file, the object and the call; HDF5's own
 * error stack is printed at debug log level. Readers allocate with xmalloc; the caller frees.
 * Datasets made by h5f_create_dataset have a layout given by the caller (extendible dims, chunks,
 * compression, NaN fill); they are written and read by hyperslabs (h5f_write_slab/read_slab).
 * Tables are 1-D extendible datasets of compound rows (a C struct described by FsH5Field).
 * Not thread-safe (serial HDF5). */
#ifndef FS_H5FILE_H
#define FS_H5FILE_H

#include "util.h"

#include <stdint.h>

#define FSH5_MAX_RANK 8

typedef struct H5File H5File;

/* FSH5_STR: variable-length UTF-8 strings, one `char *` per element (datasets made by
 * h5f_create_dataset, slabs and table fields only). */
typedef enum { FSH5_F32, FSH5_F64, FSH5_I32, FSH5_I64, FSH5_U8, FSH5_U64, FSH5_STR } FsH5Type;

/* "1.10.8" as linked at run time. */
const char *h5f_library_version(void);

H5File *h5f_create(const char *path);                /* truncates; NULL + fs_last_error */
H5File *h5f_open(const char *path, int writable);    /* NULL + fs_last_error */
/* Read-only with HDF5 file locking off, so it works while a writer holds the file. */
H5File *h5f_open_shared(const char *path);           /* NULL + fs_last_error */
FsStatus h5f_flush(H5File *f);
FsStatus h5f_close(H5File *f);                       /* NULL is fine */
const char *h5f_path(const H5File *f);

int h5f_exists(H5File *f, const char *path);         /* dataset or group */
FsStatus h5f_create_group(H5File *f, const char *path);
/* Names of the direct children of a group, sorted; *names and each name xmalloc'd. */
FsStatus h5f_list(H5File *f, const char *group, char ***names, int *n);
FsStatus h5f_delete(H5File *f, const char *path);    /* unlink if present */

/* Write a whole dataset (replaces an existing one of that name). */
FsStatus h5f_write(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *dims,
                   const void *data);
/* Read a whole dataset converted to type t. dims gets rank values; *data xmalloc'd. */
FsStatus h5f_read(H5File *f, const char *path, FsH5Type t, int *rank, int64_t dims[FSH5_MAX_RANK],
                  void **data);
/* Read into a caller buffer whose shape must equal (rank, dims) exactly, else FS_ERR_FORMAT
 * naming the expected and found shapes. */
FsStatus h5f_read_into(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *dims,
                       void *data);
/* A dataset with a layout, left unwritten. maxdims: NULL = dims, FSH5_UNLIMITED = extendible;
 * chunk: NULL = contiguous; flags: FSH5_COMPRESS (shuffle + deflate 4, chunked only),
 * FSH5_FILL_NAN (unwritten elements read as NaN). FSH5_F32/F64 are stored little-endian IEEE. */
#define FSH5_UNLIMITED (-1)
enum { FSH5_COMPRESS = 1, FSH5_FILL_NAN = 2 };
FsStatus h5f_create_dataset(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *dims,
                            const int64_t *maxdims, const int64_t *chunk, unsigned flags);
/* Shape and bytes per stored element (elem_bytes may be NULL). */
FsStatus h5f_shape(H5File *f, const char *path, int *rank, int64_t dims[FSH5_MAX_RANK],
                   size_t *elem_bytes);
/* Chunk shape of a dataset; *rank = 0 when it is not chunked (contiguous or compact). */
FsStatus h5f_chunk(H5File *f, const char *path, int *rank, int64_t chunk[FSH5_MAX_RANK]);
/* Grow or shrink an extendible dataset to dims (its rank values). */
FsStatus h5f_set_extent(H5File *f, const char *path, const int64_t *dims);
/* The block [start, start + count) of a dataset of rank `rank`, from/into a C-order buffer of
 * shape count, converted from/to type t. */
FsStatus h5f_write_slab(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *start,
                        const int64_t *count, const void *data);
FsStatus h5f_read_slab(H5File *f, const char *path, FsH5Type t, int rank, const int64_t *start,
                       const int64_t *count, void *data);

/* Tables: rows are C structs of `size` bytes whose fields are listed in file order. */
typedef struct {
    const char *name;
    size_t offset; /* offsetof(row struct, field) */
    FsH5Type type;
} FsH5Field;
typedef struct H5Table H5Table;
H5Table *h5f_table_type(size_t size, int n, const FsH5Field *fields); /* NULL + fs_last_error */
void h5f_table_type_free(H5Table *t);
/* Append one row to the table at path, creating it (chunks of 256 rows) when absent. */
FsStatus h5f_table_append(H5File *f, const char *path, const H5Table *t, const void *row);
/* All rows (*rows xmalloc'd, n + 1 rows); their strings belong to HDF5: release the rows with
 * h5f_table_rows_free. */
FsStatus h5f_table_read(H5File *f, const char *path, const H5Table *t, void **rows, int64_t *n);
void h5f_table_rows_free(const H5Table *t, void *rows, int64_t n);

/* Variable-length UTF-8 string dataset (1-D). */
FsStatus h5f_write_strings(H5File *f, const char *path, int n, const char *const *s);
FsStatus h5f_read_strings(H5File *f, const char *path, int *n, char ***s);

/* Attributes on the object at obj ("/" = root). Set replaces. */
FsStatus h5f_attr_set_str(H5File *f, const char *obj, const char *name, const char *value);
FsStatus h5f_attr_set_i64(H5File *f, const char *obj, const char *name, int64_t v);
FsStatus h5f_attr_set_f64(H5File *f, const char *obj, const char *name, double v);
FsStatus h5f_attr_set_f64_array(H5File *f, const char *obj, const char *name, int n,
                                const double *v);
int h5f_attr_exists(H5File *f, const char *obj, const char *name);
FsStatus h5f_attr_get_str(H5File *f, const char *obj, const char *name, char **out);
FsStatus h5f_attr_get_i64(H5File *f, const char *obj, const char *name, int64_t *v);
FsStatus h5f_attr_get_f64(H5File *f, const char *obj, const char *name, double *v);
FsStatus h5f_attr_get_f64_array(H5File *f, const char *obj, const char *name, int *n,
                                double **v);

/* Dimension scales (netCDF-4 style, so xarray/h5netcdf see named dimensions): make the 1-D
 * dataset `scale` a dimension scale named `dim_name`, and attach it to dimension `idx` of `dset`. */
FsStatus h5f_make_scale(H5File *f, const char *scale, const char *dim_name);
FsStatus h5f_attach_scale(H5File *f, const char *dset, const char *scale, int idx);

#endif
