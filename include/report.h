/* report.h: `fsweep report STORE -o DIR`: PNG figures and one self-contained index.html
 * (figures embedded as data: URIs, inline CSS, no scripts or external resources) from a
 * results store.
 *
 * What it reads (the store layout of README "HDF5 layout"; all through h5file.h/store.h):
 *   /                      attributes: "config" (effective INI text; tpr_threshold is read
 *                          from it), provenance strings (shown when present)
 *   /tasks, /history       task rows (store_rows: kind, status, wall seconds -> run cost) and
 *                          runs (store_history)
 *   /results/<dataset>/<name>   float arrays with attribute "fsweep_dims" = comma-separated
 *                          dimension names; leading grid dims among arch, aug, band, seed,
 *                          then the result's own dims. Sibling datasets named like a dim give
 *                          its labels (strings: arch, aug, band, test_band, ood; numbers:
 *                          seed, T, epoch/step). NaN = not computed.
 *   Results used (each optional; a missing one makes its section say "absent"):
 *     adcs (class, fy, fx), class_spectrum (class, fy, fx)        [dataset-level]
 *     dfm (T, class, fy, fx), dfm_score (class, pa, pb)            [per model]
 *     hfss_dfm (class, fy, fx), heatmap_err (fy, fx)
 *     class_acc_curve (epoch, class) and any *_curve (epoch|step, class), train_loss (epoch)
 *     test_acc (test_band), class_acc (test_band, class), confusion (test_band, class, pred)
 *     tpr (T, class), fpr (T, class), ood_acc (ood)
 * Per-model values are averaged over seeds (NaN entries skipped); tables show the mean and the
 * number of seeds that contributed. Tables carry each value at full precision in a data-v
 * attribute (see report_html.h). Class names: a "class" or "class_names" string dataset beside
 * the results, else the label order of known datasets (fashion_mnist*, cifar10, imagenet10),
 * else C0, C1, ...
 *
 * Ownership: the caller owns the options; report_write allocates and frees everything else.
 * Threads: one report at a time per process (serial HDF5). Errors: FS_ERR_IO for an unreadable
 * store or an unwritable DIR, with fs_last_error naming the path; a malformed result is
 * reported inside the page and skipped. */
#ifndef FS_REPORT_H
#define FS_REPORT_H

#include "util.h"

typedef struct {
    const char *store_path;
    const char *out_dir; /* created when absent */
    int write_png_files; /* 1: also write every figure as DIR/<name>.png */
} ReportOptions;

typedef struct {
    int figures;          /* PNG figures embedded */
    int tables;           /* HTML tables */
    int sections_present; /* analyses found in the store */
    int sections_absent;  /* analyses listed as absent */
} ReportSummary;

FsStatus report_write(const ReportOptions *o, ReportSummary *sum);

/* Run cost per task kind from the store's task table (src/report/report_cost.c). */
#define REPORT_MAX_KINDS 16
typedef struct {
    char kind[16];
    int ok;        /* tasks with a successful attempt */
    int attempts;  /* rows (attempts), failed ones included */
    int failed;    /* attempts that failed */
    double wall_s; /* sum of wall seconds over all attempts */
    double max_s;  /* longest attempt, seconds */
} ReportTaskCost;
/* Fills at most cap kinds in order of first appearance; *total_wall = sum over kinds. */
FsStatus report_task_costs(const char *store_path, ReportTaskCost *cost, int cap, int *n,
                           double *total_wall);

#endif
