/* store.h: no store.c: implemented by src/store/store_*.c (one file per concept), over h5file.h.
 * The HDF5 results store; no hdf5.h here.
 * Written by one process only (the MPI master, or the serial scheduler). Layout (README
 * "HDF5 layout", results/README.md):
 *   /                 provenance attributes (versions, config text and hash, seed, host, ...)
 *   /history          one row per run or resume (compound table)
 *   /tasks            one row per task attempt (compound table, appendable)
 *   /axes/<axis>      the store's axis values (dataset, arch, aug, band, seed); only grow
 *   /results/<dataset>/<name>      result arrays, dims (grid dims..., extra dims...), NaN = not
 *   /models/<dataset>/<arch>/<name> computed; netCDF-style dimension scales (xarray/h5netcdf)
 *
 * Crash safety: every append goes first to a journal beside the file (STORE.journal:
 * length-prefixed, checksummed records, flushed), then into HDF5, then H5Fflush. A store left
 * open by a killed writer is repaired on the next store_open: the last records are replayed,
 * or, if HDF5 cannot open the file, the file is rebuilt from the journal (the damaged one is
 * kept as STORE.damaged-<time>). The journal is append-only; readers (fsweep status) may read
 * it while a job runs. Errors: functions return FsStatus with fs_last_error naming the file.
 * Not thread-safe. */
#ifndef FS_STORE_H
#define FS_STORE_H

#include "sweep.h"
#include "task.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

#define STORE_FORMAT "fsweep-store" /* root attribute `format` */
#define STORE_FORMAT_VERSION 1        /* root attribute `format_version` */

typedef struct Store Store;

/* One task attempt (a row of /tasks). */
typedef struct {
    uint64_t task_id;
    char key[160];
    char kind[16];
    char dataset[48], arch[48], aug[48], band[48];
    int64_t seed;
    int32_t part;
    int32_t status; /* FsStatus */
    int32_t attempt, rank;
    char host[64];
    double start, end, wall;
    char error[256];
} StoreRow;

/* One run or resume (a row of /history). */
typedef struct {
    double time; /* epoch seconds */
    char event[16]; /* "create", "resume", "force", "recover" */
    char config_hash[24];
    int32_t ranks;
    char host[64];
    char job_id[64];
    /* "0.1.0 (3a72e835063e) engine 7ec42a4e89cdc514/fma" (STORE_ENGINE_TAG, engine_id.h); runs
     * before engine ids have "0.1.0 (3a72e835063e)". Last member: a journal record of the
     * char[48] days is this struct's prefix (store_history_from_record). */
    char version[96];
} StoreHistory;
#define STORE_ENGINE_TAG " engine " /* between the git hash and the engine id in version */

/* A task handed to a rank (journal only: fsweep status shows what is running). */
typedef struct {
    uint64_t task_id;
    int32_t rank, pad;
    double time;
    char key[160];
} StoreStart;

/* "1.10.8" as linked at run time (H5get_libversion). */
const char *store_library_version(void);

/* "PATH.journal": the append-only journal beside store PATH (xmalloc'd). */
char *store_journal_path(const char *path);

/* Open for writing; create when absent. Recovers a store left by a killed writer. Merges the
 * config's axis values into the store's (new values extend the grid). A store made with a
 * different result-affecting config is refused (FS_ERR_CONFIG listing the changed keys) unless
 * force. *created tells whether it was new. */
Store *store_open(const char *path, const SweepConfig *cfg, int force, int *created);
/* Read-only (status, plan); HDF5 file locking off so it works while a job writes. A file that
 * is not a store of this version (store_check_file) is refused. */
Store *store_open_read(const char *path);
/* FS_OK when path is an fsweep store of STORE_FORMAT_VERSION (root attributes format and
 * format_version; stores made before `format` existed need format_version and /axes), else
 * FS_ERR_FORMAT with one line naming the file, what it holds and what was expected (FS_ERR_IO
 * when HDF5 cannot open it). Opens without file locking, so it works while a job writes. */
FsStatus store_check_file(const char *path);
FsStatus store_close(Store *st);
const char *store_path(const Store *st);

/* Provenance: root attributes (replaced on each open). */
FsStatus store_set_attr(Store *st, const char *name, const char *value);
FsStatus store_set_attr_f64(Store *st, const char *name, double value);
FsStatus store_get_attr(Store *st, const char *name, char **value);
FsStatus store_add_history(Store *st, const StoreHistory *h);

/* Record one attempt: journal, task row, result arrays (if status is FS_OK), flush. */
FsStatus store_append(Store *st, const SweepConfig *cfg, const TaskSpec *spec,
                      const TaskResult *r);
int store_is_done(const Store *st, uint64_t task_id);  /* an FS_OK row exists */
int store_attempts(const Store *st, uint64_t task_id); /* rows for this task */
/* Read input `name` (e.g. "weights") at a task's grid point: a blob over its extra dims. */
FsStatus store_read_input(Store *st, const SweepConfig *cfg, const TaskSpec *spec,
                          const char *name, TaskBlob *out);

/* All task rows (from HDF5, or from the journal when the file is busy or damaged). */
FsStatus store_rows(Store *st, StoreRow **rows, int64_t *n);
/* All runs (from HDF5, or from the journal when HDF5 cannot open the file). */
FsStatus store_history(Store *st, StoreHistory **h, int64_t *n);
/* The engine id a run's version names ("" for runs before engine ids), and its git hash (the
 * text in parentheses, "" when absent) into git[n]. */
const char *store_history_engine(const StoreHistory *h);
void store_history_git(const StoreHistory *h, char *git, size_t n);
int64_t store_row_count(const Store *st);

/* Journal: note that a task was handed out (before it runs). */
FsStatus store_note_start(Store *st, const TaskSpec *spec, int rank);
/* Rows from a journal file alone (fsweep status while a job runs); optionally the latest run's
 * config text, the tasks started in it without a result yet and the runs (all xmalloc'd; each
 * optional: NULL). */
FsStatus store_journal_rows(const char *jpath, StoreRow **rows, int64_t *n);
FsStatus store_journal_read(const char *jpath, StoreRow **rows, int64_t *n, char **config,
                            StoreStart **running, int64_t *n_running, StoreHistory **hist,
                            int64_t *n_hist);

#endif
