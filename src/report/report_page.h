/* report_page.h: the `fsweep report` page under construction (private to src/report/): the
 * Report context every section writes into, section headings with their table-of-contents
 * entries, the list of absent analyses, the model cells of table rows, figures (embedded in the
 * page and written as SVG and PNG files), and the report's heatmap-grid and line-chart specs.
 *
 * Ownership: Report owns its page, lists and config text; the driver (report.c) creates and
 *   frees it. report_figure takes ownership of the canvas it is given. Spec structs returned
 *   here point at the caller's arrays and strings, which must outlive the drawing call.
 * Threads: one Report per process (the store reader is serial HDF5).
 * Errors: a figure that cannot be encoded or written is logged and kept in io_error (the first
 *   one), which report_write returns; the page goes on without it. */
#ifndef FS_REPORT_PAGE_H
#define FS_REPORT_PAGE_H

#include "plot.h"
#include "report.h"
#include "report_html.h"
#include "report_store.h"

#include <stdint.h>

/* An analysis the store lacks: what, the datasets lacking it, and whether the run's config
 * switched it off. */
typedef struct {
    char what[160];
    FsBuf datasets; /* "Syn_B1, Syn_B2" */
    int off;        /* 1: not requested by the config */
} ReportAbsent;

typedef struct {
    ReportStore store; /* the results store, open while the dataset sections run */
    const char *out_dir;
    int write_png;
    HtmlDoc doc;
    ReportSummary sum;
    ReportAbsent *absent; /* analyses the store lacks, grouped by what */
    int n_absent;
    char *config;      /* the store's effective config text, or NULL */
    FsBuf toc;         /* <li> links to the sections, in page order */
    FsBuf files;       /* "\nstem\n" of every figure so far (file names stay unique) */
    FsStatus io_error; /* first failure writing outputs */
    double tpr_threshold;
    int threshold_from_config;
} Report;

/* A section heading, also listed in the table of contents. */
void report_heading(Report *r, const char *id, const char *title);
/* The heading of a dataset's section: id "<id>-<ds>", title "<title>: <ds>". */
void report_heading_ds(Report *r, const char *id, const char *title, const char *ds);

/* Note that dataset ds (NULL: the store as a whole) lacks `what`. cfg_key names the config
 * switch of that analysis ("hfss"; "ood" for the OOD axis): when the config turned it off
 * (false / none) it is listed as not requested instead of absent. */
void report_absent(Report *r, const char *what, const char *ds, const char *cfg_key);
/* "what in ds1, ds2; what2" (HTML-escaped) for the absent entries with this `off` flag. */
void report_absent_list(const Report *r, int off, FsBuf *out);

/* Begin a table row with the model's arch, aug and training-band cells (grid point a, g, b). */
void report_model_row(Report *r, const ReportModels *m, int64_t a, int64_t g, int64_t b);

/* Embed the canvas in the page as PNG and write it as DIR/<stem>.svg and (unless --no-png)
 * DIR/<stem>.png, the stem made file-name-safe and unique; takes ownership of c. */
void report_figure(Report *r, PlotCanvas *c, const char *stem, const char *caption);

/* The id of the anchor placed before the figure of stem ("fig-" + the file-name-safe stem; a
 * stem drawn twice gets "_2", ... as its file does). */
void report_figure_id(const char *stem, char *buf, size_t n);
/* The first id in the page so far that equals prefix or continues it with '_' (e.g. prefix
 * "fig-tpr_Syn_B1" finds "fig-tpr_Syn_B1_all"), copied into buf; 0 when there is none. */
int report_page_find_id(const Report *r, const char *prefix, char *buf, size_t n);

/* A heatmap grid of rows x cols panels of (ph, pw) cells with the report's defaults: colour
 * limits from the data (NaN), automatic cell size, no axes; title NULL. */
PlotGridSpec report_grid(int rows, int cols, const char *const *row_labels,
                         const char *const *col_labels, const float *const *panels, int ph, int pw,
                         PlotCmap cmap, const char *cbar_label);
/* Numeric panel axes in centred frequency: data column 0 at -floor(pw / 2), row 0 at
 * -floor(ph / 2). */
void report_grid_freq_axes(PlotGridSpec *gs, const char *x_label, const char *y_label);
/* Panel axes naming each data column (x_names, pw of them) and row (y_names, ph). */
void report_grid_name_axes(PlotGridSpec *gs, const char *const *x_names, const char *const *y_names,
                           const char *x_label);
/* Draw gs as the figure of classes c0 .. c0 + nc - 1 of k, `per` classes per figure (the caller
 * has pointed gs's panels and labels at them): when k > per, title, stem and caption name the
 * class range ("... (classes 0-9)", stem "..._c0"). */
void report_grid_figure(Report *r, PlotGridSpec *gs, const char *title, const char *stem,
                        const char *caption, int64_t c0, int64_t nc, int64_t k, int64_t per);

/* A line chart with the report's defaults: axis limits from the data (NaN), linear axes, no
 * legend box. */
PlotChart report_chart(const char *title, const char *x_label, const char *y_label,
                       const PlotSeries *series, int n_series);

#endif
