/* report_store.h: the store reader of `fsweep report` (private to src/report/): opens the results
 * store read-only and reads what the sections show into plain structs: the dataset groups, root
 * attributes, the effective config, the run history, and /results/<dataset>/<name> arrays with
 * their dimension names, labels and coordinates (layout in report.h). Every HDF5 read of the
 * report goes through here (and report_cost.c for the task table).
 *
 * Ownership: ReportVar, ReportLabels, ReportModels own their arrays; free them with their _free
 *   function. Returned strings and arrays are xmalloc'd; the caller frees.
 * Threads: one ReportStore per process (serial HDF5).
 * Errors: a missing array or label is not an error (absent, or default labels); a malformed array
 *   is skipped with a note saying why written into *notes (the page), so the report goes on. */
#ifndef FS_REPORT_STORE_H
#define FS_REPORT_STORE_H

#include "h5file.h"
#include "report_html.h"
#include "store.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

/* The leading grid dimensions a result may have, in this order. */
enum {
    REPORT_GRID_ARCH = 0,
    REPORT_GRID_AUG,
    REPORT_GRID_BAND,
    REPORT_GRID_SEED,
    REPORT_GRID_COUNT
};

typedef struct {
    H5File *f;      /* NULL while closed */
    HtmlDoc *notes; /* where notes about malformed results go */
} ReportStore;

/* Open path read-only. Returns 0 (fs_last_error set by h5file) when it cannot be opened. */
int report_store_open(ReportStore *rs, const char *path, HtmlDoc *notes);
void report_store_close(ReportStore *rs); /* a closed store is fine */
/* Sorted names of the dataset groups under /results (ds == NULL), or of the results of dataset
 * ds; none (*n = 0) when the group is absent or unreadable. *names and each name xmalloc'd. */
void report_store_names(ReportStore *rs, const char *ds, char ***names, int *n);
/* Root attribute `name` as text: strings as stored, integers with %lld, floats with %.17g;
 * NULL when absent or unreadable. */
char *report_store_attr(ReportStore *rs, const char *name);
/* The effective config text (root attribute "config"), or NULL. */
char *report_store_config(ReportStore *rs);
/* The runs and resumes of the store at path (/history), through the store module; the store
 * must not be open in rs. */
FsStatus report_store_history(const char *path, StoreHistory **h, int64_t *n);

/* Value of `key` in the effective config text ("key = value" lines), copied into buf; 0 when
 * text is NULL or the key is not there. */
int report_config_value(const char *text, const char *key, char *buf, size_t n);
/* tpr_threshold from the config text ("tpr_threshold = 0.6" under [analyses]); 0 when it is
 * not there or not in [0, 1]. */
int report_config_threshold(const char *text, double *t);

/* ---------------------------------------------------------------- result arrays */
/* One /results/<dataset>/<name> array, converted to double. */
typedef struct {
    char name[48];
    int rank;
    int64_t dims[FSH5_MAX_RANK];
    char dn[FSH5_MAX_RANK][32];  /* dimension names */
    int ng;                      /* leading grid dims */
    int gpos[REPORT_GRID_COUNT]; /* position of each grid dim, -1 if absent */
    int64_t extra_len;           /* product of the non-grid dims */
    double *v;
} ReportVar;

/* Read /results/<ds>/<name>. Returns 1 on success, 0 if absent, -1 on a malformed array (the
 * reason goes into the notes). */
int report_var_read(ReportStore *rs, const char *ds, const char *name, ReportVar *out);
void report_var_free(ReportVar *v);
/* Check that v's non-grid dims are named as expected (e.g. {"T", "class", "fy", "fx"}); when
 * not, a note names both. */
int report_var_expect(ReportStore *rs, const char *ds, const ReportVar *v, int n,
                      const char *const *names);
/* Size of grid dim g (1 when the array lacks it). */
int64_t report_var_gsize(const ReportVar *v, int g);
/* Mean over seeds of the extra block at grid point g[0..2] = (arch, aug, band), NaNs skipped.
 * out has v->extra_len values (NaN where no seed has one). Returns the number of seeds with
 * at least one finite value. */
int report_var_mean(const ReportVar *v, const int64_t g[3], double *out);

/* Seed sd's extra block of v at grid point g[0..2] = (arch, aug, band) into out (extra_len
 * values). Returns 0 (out all NaN) when v has no such grid point or seed. */
int report_var_seed_block(const ReportVar *v, const int64_t g[3], int64_t sd, double *out);

/* ---------------------------------------------------------------- labels */
typedef struct {
    int n;
    char **s;
} ReportLabels;

/* Labels of dimension `dim` (n entries) of dataset group ds: the sibling dataset's strings,
 * else its numbers (when they vary, or for seed/T), else known class names (dim "class" of a
 * known dataset), else "<prefix><index>". */
ReportLabels report_labels_read(ReportStore *rs, const char *ds, const char *dim, int64_t n,
                                const char *prefix);
void report_labels_free(ReportLabels *l);
/* Index of the unfiltered test set among the test bands ("none", "orig", "original", "all",
 * "full", "clean"; else 0). */
int64_t report_labels_reference(const ReportLabels *tb);
/* Numeric coordinates of a dim (e.g. epoch or step), or 1..n when it has none; xmalloc'd. */
double *report_coords_read(ReportStore *rs, const char *ds, const char *dim, int64_t n);

/* The model grid of a result: arch, aug, band labels. */
typedef struct {
    ReportLabels arch, aug, band;
    int64_t na, ng, nb;
} ReportModels;

ReportModels report_models_read(ReportStore *rs, const char *ds, const ReportVar *v);
void report_models_free(ReportModels *m);
/* "resnet18" or "resnet18+augmix" when the store has more than one augmentation. */
void report_models_name(const ReportModels *m, int64_t a, int64_t g, char *buf, size_t n);

#endif
