/* report_overview.c: the store-level sections of `fsweep report`: provenance (the store's root
 * attributes, its datasets and effective config), the runs and resumes of the store, and the
 * run cost per task kind (report_task_costs, report_cost.c). */
#include "report_sections.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- store and runs */
/* "1795416324" (epoch seconds) -> "2026-11-23 06:45:24 UTC"; other text is returned as is. */
static const char *epoch_to_iso(const char *v, char *buf, size_t n)
{
    char *end;
    double t = strtod(v, &end);
    if (end == v || *end || !(t > 0 && t < 1e11))
        return v;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
        return v;
    return buf;
}

void report_section_overview(Report *r, const char *store_path, char **datasets, int nds)
{
    report_heading(r, "overview", "Store");
    html_table_begin(&r->doc, "provenance", "Provenance");
    html_row_begin(&r->doc);
    html_cell_text(&r->doc, "store", HTML_CELL_HEADER);
    html_cell_text(&r->doc, store_path, 0);
    html_row_end(&r->doc);
    /* README "HDF5 layout": the root attributes worth showing, in this order. */
    static const char *const attrs[] = {
        "fsweep_version", "git_hash",        "engine_id",     "format_version", "created",
        "updated",        "host",            "ranks",         "job_id",         "config_hash",
        "result_hash",    "seed",            "compiler",      "cflags",         "mpi_version",
        "fftw_version",   "hdf5_version",    "openblas_config", "openblas_core", "engine_threads"};
    for (size_t i = 0; i < FS_ARRAY_LEN(attrs); i++) {
        char *s = report_store_attr(&r->store, attrs[i]);
        char buf[64];
        const char *val = s;
        if (val && !*val)
            val = NULL; /* empty (e.g. job_id outside a batch system) */
        if (val && (!strcmp(attrs[i], "created") || !strcmp(attrs[i], "updated")))
            val = epoch_to_iso(val, buf, sizeof buf);
        if (val) {
            html_row_begin(&r->doc);
            html_cell_text(&r->doc, attrs[i], HTML_CELL_HEADER);
            html_cell_text(&r->doc, val, 0);
            html_row_end(&r->doc);
        }
        free(s);
    }
    FsBuf dl = {0};
    for (int i = 0; i < nds; i++)
        fsbuf_printf(&dl, "%s%s", i ? ", " : "", datasets[i]);
    html_row_begin(&r->doc);
    html_cell_text(&r->doc, "datasets", HTML_CELL_HEADER);
    html_cell_text(&r->doc, dl.s ? dl.s : "(none)", nds ? 0 : HTML_CELL_WARN);
    html_row_end(&r->doc);
    fsbuf_free(&dl);
    html_table_end(&r->doc);
    r->sum.tables++;
    char *cfg = report_store_config(&r->store);
    if (cfg) {
        r->threshold_from_config = report_config_threshold(cfg, &r->tpr_threshold);
        html_raw(&r->doc, "<details><summary>Effective configuration</summary><pre>");
        html_escape(&r->doc.b, cfg);
        html_raw(&r->doc, "</pre></details>\n");
        r->config = cfg; /* decides which absent analyses were not requested */
    }
}

/* The store's runs and resumes (/history). */
void report_section_history(Report *r, const char *store_path)
{
    StoreHistory *h = NULL;
    int64_t n = 0;
    FsStatus s = report_store_history(store_path, &h, &n);
    if (s != FS_OK || n == 0) {
        fs_clear_error();
        free(h);
        return;
    }
    html_table_begin(&r->doc, "history", "Runs of this store (one row per run or resume)");
    static const char *const hd[] = {"time", "event", "ranks", "host", "job", "version"};
    html_row_begin(&r->doc);
    for (size_t i = 0; i < FS_ARRAY_LEN(hd); i++)
        html_cell_text(&r->doc, hd[i], HTML_CELL_HEADER);
    html_row_end(&r->doc);
    for (int64_t i = 0; i < n; i++) {
        char tb[64], ts[64];
        fs_snprintf(ts, sizeof ts, "%.0f", h[i].time);
        html_row_begin(&r->doc);
        html_cell_text(&r->doc, epoch_to_iso(ts, tb, sizeof tb), 0);
        html_cell_text(&r->doc, h[i].event, 0);
        html_cell_num(&r->doc, h[i].ranks, "%.0f", 0);
        html_cell_text(&r->doc, h[i].host, 0);
        html_cell_text(&r->doc, h[i].job_id, 0);
        html_cell_text(&r->doc, h[i].version, 0);
        html_row_end(&r->doc);
    }
    html_table_end(&r->doc);
    r->sum.tables++;
    free(h);
}

/* ---------------------------------------------------------------- run cost */
void report_section_cost(Report *r, const char *store_path)
{
    ReportTaskCost cost[REPORT_MAX_KINDS];
    int n = 0;
    double total_wall = 0;
    FsStatus st = report_task_costs(store_path, cost, REPORT_MAX_KINDS, &n, &total_wall);
    if (st != FS_OK || n == 0) {
        char b[300];
        fs_snprintf(b, sizeof b, "run cost (%.250s)",
                    st != FS_OK ? fs_last_error() : "the store has no task rows");
        report_absent(r, b, NULL, NULL);
        return;
    }
    r->sum.sections_present++;
    report_heading(r, "cost", "Run cost");
    html_table_begin(&r->doc, "cost-table",
                     "CPU time per task kind: every task runs on one rank with one BLAS thread, "
                     "so CPU hours = the sum of task wall times / 3600 (all attempts, failed "
                     "ones included)");
    static const char *const hd[] = {"kind",      "tasks ok",    "attempts", "failed attempts",
                                     "CPU hours", "mean s/task", "max s"};
    html_row_begin(&r->doc);
    for (size_t i = 0; i < FS_ARRAY_LEN(hd); i++)
        html_cell_text(&r->doc, hd[i], HTML_CELL_HEADER);
    html_row_end(&r->doc);
    const char **labels = xmalloc((size_t)n * sizeof *labels);
    double *hours = xmalloc((size_t)n * sizeof *hours);
    for (int i = 0; i < n; i++) {
        const ReportTaskCost *c = &cost[i];
        html_row_begin(&r->doc);
        html_cell_text(&r->doc, c->kind, 0);
        html_cell_num(&r->doc, c->ok, "%.0f", 0);
        html_cell_num(&r->doc, c->attempts, "%.0f", 0);
        html_cell_num(&r->doc, c->failed, "%.0f", c->failed ? HTML_CELL_WARN : 0);
        html_cell_num(&r->doc, c->wall_s / 3600.0, "%.4g", 0);
        html_cell_num(&r->doc, c->attempts ? c->wall_s / c->attempts : (double)NAN, "%.3g", 0);
        html_cell_num(&r->doc, c->max_s, "%.3g", 0);
        html_row_end(&r->doc);
        labels[i] = c->kind;
        hours[i] = c->wall_s / 3600.0;
    }
    html_table_end(&r->doc);
    r->sum.tables++;
    html_para(&r->doc, "Total: %.4g CPU hours over all task attempts.", total_wall / 3600.0);
    report_figure(r, plot_bars("CPU hours per task kind", "CPU hours", n, labels, hours, "%.3g h"),
                  "cost", "CPU hours per task kind (sum of task wall times).");
    free(hours);
    free(labels);
}
