/* store_internal.h: no store_internal.c: the private header of the store_*.c family (the Store
 * struct they share and the calls between them), whose code lives in the files named below.
 *
 * Call order, bottom to top (a file calls only the files listed before it):
 *   store_axes.c     the grid axes (/axes) and where a task's values sit on them
 *   store_results.c  result arrays written at grid coordinates, netCDF dimension scales
 *   store_tasks.c    the /tasks and /history tables, the task-id map
 *   store_journal.c  the journal: record format, write, scan, rows from a journal
 *   store_append.c   one attempt: journal, then arrays, then row
 *   store_open.c     create, open, repair (journal replay), read-only open, close, attributes
 * All HDF5 goes through h5file.h. Not thread-safe. */
#ifndef FS_STORE_INTERNAL_H
#define FS_STORE_INTERNAL_H

#include "h5file.h"
#include "store.h"

#include <stdint.h>
#include <stdio.h>

/* The grid axes kept in /axes (test_band and ood are extra dims of their blobs); index 0..4 is
 * also the order of StoreKey.v (seed last, kept as a number in StoreKey.seed). */
#define STORE_NGRID 5
#define STORE_AXIS_SEED 4
extern const char *const store_grid_names[STORE_NGRID];

/* What a journal record and a row carry to place a result without the config. Its bytes are
 * the head of every journal result record: do not change it. */
typedef struct {
    char key[160];
    int32_t kind, part;
    int64_t seed;
    char v[4][48]; /* dataset, arch, aug, band */
} StoreKey;

typedef struct {
    uint64_t id;
    int32_t done, attempts;
} StoreMapEntry;

struct Store {
    H5File *f; /* NULL when HDF5 cannot open the file (read-only, journal only) */
    char *path, *jpath;
    FILE *jf;
    int readonly, fsync_each;
    char **ax[STORE_NGRID];
    int nax[STORE_NGRID];
    StoreMapEntry *map; /* open addressing on task id, power-of-two capacity */
    size_t map_cap, map_n;
    int64_t nrows;
    H5Table *row_t, *hist_t;
};

/* store_axes.c */
FsStatus store_axes_load(Store *s);
FsStatus store_axes_save(Store *s, int a);
/* Index of value v on grid axis a; appended (and saved) when new. */
int store_axis_index(Store *s, int a, const char *v, FsStatus *st);
/* The axis values of spec (seed as its value). */
void store_key_from_spec(const SweepConfig *cfg, const TaskSpec *sp, StoreKey *k);
/* Value of key k on grid axis a ("123" for the seed), in buf when it must be formatted. */
const char *store_key_value(const StoreKey *k, int a, char *buf, size_t n);

/* store_results.c */
FsStatus store_results_write(Store *s, const SweepConfig *cfg, const StoreKey *k,
                             const TaskBlob *b);
/* Does b fit the arrays already stored: each extra dim's size and coordinates equal to its
 * scale's (FS_ERR_FORMAT naming the dim, index and values otherwise)? Writes nothing. */
FsStatus store_results_check(Store *s, const SweepConfig *cfg, const StoreKey *k,
                             const TaskBlob *b);

/* store_tasks.c */
void store_tasks_init(Store *s); /* the table row types; exits on failure like xmalloc */
void store_tasks_free(Store *s);
FsStatus store_tasks_append(Store *s, const StoreKey *k, const TaskResult *r);
FsStatus store_tasks_load(Store *s); /* row count and id map from /tasks */
void store_tasks_note(Store *s, uint64_t id, int status);
void store_tasks_forget(Store *s); /* empty the id map */
void store_row_make(const StoreKey *k, const TaskResult *r, StoreRow *o);
FsStatus store_rows_h5(Store *s, StoreRow **rows, int64_t *n);
FsStatus store_history_append(Store *s, const StoreHistory *h);
FsStatus store_history_h5(Store *s, StoreHistory **h, int64_t *n);

/* store_journal.c */
enum { STORE_JREC_RESULT = 1, STORE_JREC_HISTORY = 2, STORE_JREC_CONFIG = 3, STORE_JREC_START = 4 };
FsStatus store_journal_write(Store *s, int type, const void *a, size_t na, const void *b,
                             size_t nb);
typedef FsStatus (*StoreJournalFn)(int type, const unsigned char *p, size_t n, void *user);
/* Visit every complete record; *valid_end gets the offset after the last good one. */
FsStatus store_journal_scan(const char *jpath, StoreJournalFn fn, void *user, long *valid_end);
/* A HISTORY record's n bytes as a StoreHistory: this version's, or one written while version was
 * char[48] (STORE_HISTORY_V1_SIZE bytes, a prefix of today's). 0 for any other size. */
#define STORE_HISTORY_V1_SIZE 232
int store_history_from_record(const unsigned char *p, size_t n, StoreHistory *h);

/* store_append.c */
/* HDF5 part of an append: result arrays (when r succeeded), then the row when write_row. */
FsStatus store_apply(Store *s, const SweepConfig *cfg, const StoreKey *k, const TaskResult *r,
                     int write_row);

#endif
