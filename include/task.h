/* task.h: the seam between schedulers and science. One call of a TaskRunner runs one task:
 *
 *     FsStatus run(const TaskSpec *spec, const TaskEnv *env, TaskResult *out);
 *
 * It knows nothing of MPI or HDF5; its result depends only on (config, spec, env->inputs,
 * env->attempt), never on the rank or the order of tasks. Results are a small fixed header plus
 * named arrays (TaskBlob) that the store writes at the task's grid coordinates:
 *   place RESULTS: /results/<dataset>/<name>, dims (grid dims in `grid`, then the extra dims)
 *   place MODEL:   /models/<dataset>/<arch>/<name>, same rule (weights: grid aug,band,seed)
 * An extra dim named like an axis (test_band, ood) takes that axis' values as coordinates;
 * other extra dims carry the blob's own coordinates (coord: numbers, label: strings, e.g. class
 * names), which the store writes once per group and checks against every later blob.
 * Blobs may cover part of their extra dims (start/count), e.g. one DFM part's patch rows.
 *
 * The runner is a pointer (TaskRunner) that the caller passes to the schedulers: runner.h has
 * the fake and the real one (src/runner/, where the engine and analyses plug in) and picks one
 * by cfg->runner; this module names none of them. Inputs (the TRAIN task's weights, the DFM
 * scores, a dfmx model's source maps) come from the store through the scheduler: task_inputs
 * names them per task.
 *
 * Ownership: a TaskResult owns its blobs (task_result_free). Packing gives a self-contained
 * byte string (MPI messages and the store's journal). Thread safety: distinct results only. */
#ifndef FS_TASK_H
#define FS_TASK_H

#include "sweep.h"
#include "util.h"

#include <signal.h>
#include <stdint.h>

#define TASK_BLOB_MAX_EXTRA 4
#define TASK_NAME_LEN 32

typedef enum { BLOB_RESULTS = 0, BLOB_MODEL = 1 } BlobPlace;

typedef struct {
    char name[TASK_NAME_LEN];
    BlobPlace place;
    uint32_t grid;   /* bit set of SweepAxisId among AX_ARCH..AX_SEED: the grid dims */
    int f32;         /* stored as float32 (maps, weights), else float64 */
    int n_extra;
    char dim[TASK_BLOB_MAX_EXTRA][TASK_NAME_LEN];
    int64_t size[TASK_BLOB_MAX_EXTRA];  /* full extent of each extra dim */
    int64_t start[TASK_BLOB_MAX_EXTRA]; /* this blob covers [start, start+count) */
    int64_t count[TASK_BLOB_MAX_EXTRA];
    double *coord[TASK_BLOB_MAX_EXTRA]; /* optional size[i] coordinate values; NULL = index */
    uint32_t coord_int; /* bit i: coord[i] holds integers (stored as int64: steps, frequencies) */
    char **label[TASK_BLOB_MAX_EXTRA];  /* optional size[i] owned strings (class names); at most
                                           one of coord[i], label[i] is set */
    double *data;    /* prod(count) values, row-major; NaN = not computed */
} TaskBlob;

typedef struct {
    uint64_t task_id;
    int32_t index;   /* task index in this run's graph */
    int32_t status;  /* FsStatus */
    int32_t attempt; /* 1-based */
    int32_t rank;
    double start, end, wall; /* epoch seconds; wall = end - start */
    char host[64];
    char error[256];
    int n_blobs;
    TaskBlob *blobs;
} TaskResult;

typedef struct {
    const SweepConfig *cfg;
    int rank;
    int attempt;                     /* 1-based */
    const TaskBlob *inputs;          /* named by task_inputs(kind) */
    int n_inputs;
    volatile sig_atomic_t *stop;     /* non-zero: drain requested; may be NULL */
    double deadline;                 /* fs_now() limit, 0 = none */
    void *user;                      /* the runner's per-worker state (datasets, plans) */
} TaskEnv;

typedef FsStatus (*TaskRunner)(const TaskSpec *spec, const TaskEnv *env, TaskResult *out);


/* Names of the inputs task t needs (from its dependencies' results); returns the count. at[j] =
 * the task whose grid coordinates hold input j: t itself; for the TRAIN task of a dfmx aug the
 * source model's DFM (dfm_score) or DFM_GREEDY (dfm_greedy) task; for an XFER task the source
 * arch's first DFM task (dfm_score; its weights are t's own). */
int task_inputs(const SweepConfig *cfg, const TaskSpec *t, const char *names[2],
                const TaskSpec *at[2]);
const TaskBlob *task_input(const TaskEnv *env, const char *name);
/* FS_OK, FS_ERR_INTERRUPT (drain) or FS_ERR_TIMEOUT (deadline passed); runners poll it. */
FsStatus task_check(const TaskEnv *env);

void task_result_init(TaskResult *r, const TaskSpec *spec);
void task_result_free(TaskResult *r);
/* Append a blob covering all of its extra dims; data NaN-filled. dims/size have n_extra.
 * The returned pointer is valid until the next task_result_add (the array may move); its
 * ->data pointer stays valid until task_result_free. */
TaskBlob *task_result_add(TaskResult *r, const char *name, BlobPlace place, uint32_t grid,
                          int f32, int n_extra, const char *const *dims, const int64_t *size);
int64_t task_blob_len(const TaskBlob *b); /* prod(count) */
/* Narrow extra dim `dim` of b to [start, start + count) (absolute indices inside the blob's
 * current window on that dim), keeping its data there: how a per-class task keeps its class's
 * slice of an array it computed whole (e.g. dim "class" of tpr (T, class) -> count 1). */
void task_blob_narrow(TaskBlob *b, int dim, int64_t start, int64_t count);
/* The index of b's extra dim named `name`, -1 if none. */
int task_blob_dim(const TaskBlob *b, const char *name);
/* Coordinates of extra dim i (size[i] values, copied; replaces any earlier ones): numbers
 * (integer: stored as int64) or strings. */
void task_blob_set_coord(TaskBlob *b, int i, const double *v, int integer);
void task_blob_set_labels(TaskBlob *b, int i, const char *const *s);
void task_blob_free(TaskBlob *b);

/* Byte strings (host byte order: all ranks of one job share it). unpack checks every length
 * and returns FS_ERR_FORMAT on a malformed string. Per extra dim a coordinate flag: 0 none,
 * 1 doubles, 2 integers (as doubles), 3 strings (uint32 length + bytes each); journals written
 * before flags 2 and 3 existed hold only 0 and 1 and still unpack. */
void task_result_pack(const TaskResult *r, FsBuf *out);
FsStatus task_result_unpack(const void *buf, size_t n, TaskResult *r);
void task_blobs_pack(const TaskBlob *b, int n, FsBuf *out);
FsStatus task_blobs_unpack(const void *buf, size_t n, TaskBlob **b, int *nb);

/* FsBuf used as a byte buffer (s may hold NULs; len is the byte count). */
void fsbuf_put(FsBuf *b, const void *p, size_t n);

#endif
