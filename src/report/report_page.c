/* report_page.c: the page under construction (see report_page.h): headings and their
 * table-of-contents entries, the absent-analysis list, the model cells of table rows, figures
 * embedded and written as SVG and PNG files, and the report's figure specs. */
#include "report_page.h"

#include "log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- headings, absent list, rows */
void report_heading(Report *r, const char *id, const char *title)
{
    html_heading(&r->doc, 2, id, title);
    fsbuf_printf(&r->toc, "<li><a href=\"#");
    html_escape(&r->toc, id);
    fsbuf_printf(&r->toc, "\">");
    html_escape(&r->toc, title);
    fsbuf_printf(&r->toc, "</a></li>\n");
}

void report_heading_ds(Report *r, const char *id, const char *title, const char *ds)
{
    char full_id[160], full_title[256];
    fs_snprintf(full_id, sizeof full_id, "%s-%s", id, ds);
    fs_snprintf(full_title, sizeof full_title, "%s: %s", title, ds);
    report_heading(r, full_id, full_title);
}

void report_absent(Report *r, const char *what, const char *ds, const char *cfg_key)
{
    char v[64];
    int off = cfg_key && r->config && report_config_value(r->config, cfg_key, v, sizeof v) &&
              (!strcmp(v, "false") || !strcmp(v, "none") || !strcmp(v, "0"));
    int i = 0;
    while (i < r->n_absent && (strcmp(r->absent[i].what, what) != 0 || r->absent[i].off != off))
        i++;
    if (i == r->n_absent) {
        r->absent = xrealloc(r->absent, (size_t)(r->n_absent + 1) * sizeof *r->absent);
        memset(&r->absent[i], 0, sizeof r->absent[i]);
        fs_snprintf(r->absent[i].what, sizeof r->absent[i].what, "%.159s", what);
        r->absent[i].off = off;
        r->n_absent++;
    }
    if (ds)
        fsbuf_printf(&r->absent[i].datasets, "%s%s", r->absent[i].datasets.len ? ", " : "", ds);
    r->sum.sections_absent++;
}

void report_absent_list(const Report *r, int off, FsBuf *out)
{
    int n = 0;
    for (int i = 0; i < r->n_absent; i++) {
        const ReportAbsent *a = &r->absent[i];
        if (a->off != off)
            continue;
        fsbuf_printf(out, "%s", n++ ? "; " : "");
        html_escape(out, a->what);
        if (a->datasets.len) {
            fsbuf_printf(out, " in ");
            html_escape(out, a->datasets.s);
        }
    }
}

void report_model_row(Report *r, const ReportModels *m, int64_t a, int64_t g, int64_t b)
{
    html_row_begin(&r->doc);
    html_cell_text(&r->doc, m->arch.s[a], 0);
    html_cell_text(&r->doc, m->aug.s[g], 0);
    html_cell_text(&r->doc, m->band.s[b], 0);
}

/* ---------------------------------------------------------------- figures */
/* File-name-safe copy of s. */
static void safe_name(const char *s, char *buf, size_t n)
{
    size_t j = 0;
    for (; *s && j + 1 < n; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        buf[j++] = ok ? c : '_';
    }
    buf[j] = 0;
}

void report_figure_id(const char *stem, char *buf, size_t n)
{
    char safe[200];
    safe_name(stem, safe, sizeof safe);
    fs_snprintf(buf, n, "fig-%.*s", (int)(n > 5 ? n - 5 : 0), safe);
}

int report_page_find_id(const Report *r, const char *prefix, char *buf, size_t n)
{
    const char *page = r->doc.b.s;
    size_t pl = strlen(prefix);
    for (const char *p = page; p && (p = strstr(p, " id=\"")) != NULL;) {
        p += 5;
        if (strncmp(p, prefix, pl) != 0 || (p[pl] != '"' && p[pl] != '_'))
            continue;
        const char *q = strchr(p, '"');
        if (!q || (size_t)(q - p) >= n)
            continue;
        memcpy(buf, p, (size_t)(q - p));
        buf[q - p] = 0;
        return 1;
    }
    return 0;
}

/* Write n bytes as DIR/file; on failure note the first error in r->io_error. */
static int figure_file(Report *r, const char *file, const void *data, size_t n)
{
    char path[4096];
    fs_snprintf(path, sizeof path, "%s/%s", r->out_dir, file);
    FsStatus st = fs_write_file_atomic(path, data, n);
    if (st == FS_OK)
        return 1;
    if (r->io_error == FS_OK)
        r->io_error = st;
    LOG_ERROR("report: %s", fs_last_error());
    return 0;
}

void report_figure(Report *r, PlotCanvas *c, const char *stem, const char *caption)
{
    char safe[200], base[216], key[232], png_file[224], svg_file[224];
    safe_name(stem, safe, sizeof safe);
    fs_snprintf(base, sizeof base, "%s", safe);
    /* Distinct labels can map to one file name ("a<b" and "a>b"): number the later ones. */
    for (int i = 2;; i++) {
        fs_snprintf(key, sizeof key, "\n%s\n", base);
        if (!r->files.s || !strstr(r->files.s, key))
            break;
        fs_snprintf(base, sizeof base, "%s_%d", safe, i);
    }
    fsbuf_printf(&r->files, "%s%s\n", r->files.len ? "" : "\n", base);
    fs_snprintf(png_file, sizeof png_file, "%s.png", base);
    fs_snprintf(svg_file, sizeof svg_file, "%s.svg", base);
    /* Rendered at twice the canvas size (sharp on high-density screens; the page scales wide
     * figures down to its width), except very wide ones. */
    int w = plot_canvas_width(c), h = plot_canvas_height(c), zoom = w <= 1600 ? 2 : 1;
    uint8_t *png = NULL;
    char *svg = NULL;
    size_t png_len = 0, svg_len = 0;
    FsStatus st = plot_canvas_png(c, zoom, &png, &png_len);
    if (st == FS_OK)
        st = plot_canvas_svg(c, &svg, &svg_len);
    if (st != FS_OK) {
        if (r->io_error == FS_OK)
            r->io_error = st;
        LOG_ERROR("report: %s", fs_last_error());
    } else {
        /* An anchor for links to the figure (the Findings section's): "fig-" + file stem. */
        fsbuf_printf(&r->doc.b, "<a id=\"fig-%s\"></a>", base);
        int png_ok = r->write_png && figure_file(r, png_file, png, png_len);
        int svg_ok = figure_file(r, svg_file, svg, svg_len);
        html_image_png(&r->doc, png, png_len, w * zoom, h * zoom, png_ok ? png_file : NULL,
                       svg_ok ? svg_file : NULL, caption);
        r->sum.figures++;
    }
    free(png);
    free(svg);
    plot_canvas_destroy(c);
}

/* ---------------------------------------------------------------- figure specs */
PlotGridSpec report_grid(int rows, int cols, const char *const *row_labels,
                         const char *const *col_labels, const float *const *panels, int ph, int pw,
                         PlotCmap cmap, const char *cbar_label)
{
    return (PlotGridSpec){.rows = rows,
                          .cols = cols,
                          .row_labels = row_labels,
                          .col_labels = col_labels,
                          .panels = panels,
                          .ph = ph,
                          .pw = pw,
                          .cell_px = 0,
                          .cmap = cmap,
                          .vmin = NAN,
                          .vmax = NAN,
                          .cbar_label = cbar_label};
}

void report_grid_freq_axes(PlotGridSpec *gs, const char *x_label, const char *y_label)
{
    gs->axes = 1;
    gs->x0 = -floor((double)gs->pw / 2);
    gs->y0 = -floor((double)gs->ph / 2);
    gs->x_label = x_label;
    gs->y_label = y_label;
}

void report_grid_name_axes(PlotGridSpec *gs, const char *const *x_names, const char *const *y_names,
                           const char *x_label)
{
    gs->axes = 2;
    gs->x_names = x_names;
    gs->y_names = y_names;
    gs->x_label = x_label;
}

void report_grid_figure(Report *r, PlotGridSpec *gs, const char *title, const char *stem,
                        const char *caption, int64_t c0, int64_t nc, int64_t k, int64_t per)
{
    char tt[300], st[300], cc[700];
    if (k > per) {
        fs_snprintf(tt, sizeof tt, "%s (classes %lld-%lld)", title, (long long)c0,
                    (long long)(c0 + nc - 1));
        fs_snprintf(st, sizeof st, "%s_c%lld", stem, (long long)c0);
        fs_snprintf(cc, sizeof cc, "%s (classes %lld-%lld)", caption, (long long)c0,
                    (long long)(c0 + nc - 1));
    } else {
        fs_snprintf(tt, sizeof tt, "%s", title);
        fs_snprintf(st, sizeof st, "%s", stem);
        fs_snprintf(cc, sizeof cc, "%s", caption);
    }
    gs->title = tt;
    report_figure(r, plot_heatmap_grid(gs), st, cc);
    gs->title = NULL; /* tt is gone */
}

PlotChart report_chart(const char *title, const char *x_label, const char *y_label,
                       const PlotSeries *series, int n_series)
{
    return (PlotChart){.title = title,
                       .x_label = x_label,
                       .y_label = y_label,
                       .n_series = n_series,
                       .series = series,
                       .x_min = NAN,
                       .x_max = NAN,
                       .y_min = NAN,
                       .y_max = NAN,
                       .legend = 0};
}
