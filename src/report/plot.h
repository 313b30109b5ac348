/* plot.h: vector figures for `fsweep report`, drawn with cairo (the only file that includes
 * cairo.h is plot.c): a canvas that records drawing commands, lines, rectangles and antialiased
 * text in DejaVu Sans (cairo's toy text API, resolved by fontconfig), heatmaps with the viridis
 * and a diverging blue-white-red colour map, vertical colour bars with tick values, multi-panel
 * heatmap grids with row/column labels, line charts with axes, ticks, grid lines, a legend and
 * log-scale axes, and horizontal bar charts. A finished canvas is written as PNG (rendered at a
 * zoom factor) and as SVG (vector: text as outlines, so it needs no font where it is opened).
 *
 * Coordinates are canvas units ("px"), x to the right, y down, (0, 0) the top-left corner; the
 * SVG is w x h px and the PNG (w * zoom) x (h * zoom) pixels. Drawing clips to the canvas.
 * Ownership: plot_canvas_create / plot_heatmap_grid / plot_chart / plot_bars return a canvas
 *   that the caller frees with plot_canvas_destroy; spec structs and their arrays are only read
 *   during the call. plot_canvas_png / plot_canvas_svg return xmalloc'd buffers.
 * Threads: every function touches only its arguments; safe on distinct canvases.
 * Errors: nonsensical arguments (negative sizes, NULL canvas) are programming errors and stop
 *   the program (FS_CHECK), as does cairo failing to allocate a canvas; the encoders return an
 *   FsStatus with fs_last_error set. */
#ifndef FS_PLOT_H
#define FS_PLOT_H

#include "util.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t r, g, b;
} PlotRGB;

typedef struct PlotCanvas PlotCanvas; /* opaque: a cairo recording surface and its context */

typedef enum {
    PLOT_CMAP_VIRIDIS = 0, /* sequential: dark purple (low) -> yellow (high) */
    PLOT_CMAP_DIVERGING    /* blue (low) -> white (middle) -> red (high) */
} PlotCmap;

/* Text: DejaVu Sans at PLOT_FONT_PX px per `scale`; a line of text occupies PLOT_TEXT_H px per
 * scale from its top (capitals fill about the top 7.5 px, descenders the rest). */
#define PLOT_FONT_PX 10.0
enum { PLOT_TEXT_H = 10 };

/* Series lines are stroked PLOT_SERIES_LW wide; nothing else in a figure uses that width
 * (tests count the series of an SVG by it). */
#define PLOT_SERIES_LW 1.5

#define PLOT_WHITE   ((PlotRGB){255, 255, 255})
#define PLOT_BLACK   ((PlotRGB){0, 0, 0})
#define PLOT_GREY    ((PlotRGB){128, 128, 128})
#define PLOT_LIGHT   ((PlotRGB){225, 225, 225})
#define PLOT_NAN_RGB ((PlotRGB){190, 190, 190}) /* non-finite cells of a heatmap */

/* ---------------------------------------------------------------- canvas and output */
PlotCanvas *plot_canvas_create(int w, int h, PlotRGB bg); /* 1 <= w, h <= 16384 */
void plot_canvas_destroy(PlotCanvas *c);                  /* NULL is fine */
int plot_canvas_width(const PlotCanvas *c);
int plot_canvas_height(const PlotCanvas *c);
/* 8-bit RGB PNG of the canvas rendered at zoom (1..4) into an xmalloc'd buffer: (w * zoom) x
 * (h * zoom) pixels, antialiased. */
FsStatus plot_canvas_png(const PlotCanvas *c, int zoom, uint8_t **png, size_t *len);
/* SVG 1.1 document of the canvas (w x h px, vector) into an xmalloc'd, NUL-terminated buffer.
 * The first call finishes the document: drawing on c afterwards is a programming error (PNGs
 * can still be made, and later calls return the same document). */
FsStatus plot_canvas_svg(PlotCanvas *c, char **svg, size_t *len);

/* ---------------------------------------------------------------- primitives and text */
void plot_fill_rect(PlotCanvas *c, int x, int y, int w, int h, PlotRGB col);
/* Width of s in px drawn at `scale` (>= 1), rounded up; 0 for NULL or "". */
int plot_text_width(const char *s, int scale);
/* Draw s (UTF-8) with the top of its line box at y and its left end at x; returns the width. */
int plot_draw_text(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, int scale);

/* ---------------------------------------------------------------- colour maps */
PlotRGB plot_cmap(PlotCmap m, double t); /* t in [0, 1], clamped; NaN -> PLOT_NAN_RGB */
/* Colour of value v on the scale [vmin, vmax] (vmin < vmax). */
PlotRGB plot_cmap_value(PlotCmap m, double v, double vmin, double vmax);
/* Series colours (a 10-colour qualitative palette, cycling). */
PlotRGB plot_palette(int i);

/* ---------------------------------------------------------------- ticks */
/* "Nice" linear ticks (1, 2, 5 x 10^k steps) inside [lo, hi], about max_ticks of them.
 * Writes at most cap values; returns the count and the step in *step (may be NULL). */
int plot_ticks_linear(double lo, double hi, int max_ticks, double *ticks, int cap, double *step);
/* Log-scale ticks inside [lo, hi] (0 < lo < hi): powers of ten, plus 2x and 5x when the range
 * spans fewer than two decades. */
int plot_ticks_log(double lo, double hi, double *ticks, int cap);
/* Format a tick value: enough decimals for `step` (step <= 0: %g), no "-0". */
void plot_format_tick(double v, double step, char *buf, size_t n);

/* ---------------------------------------------------------------- heatmaps */
/* Vertical colour bar in (x, y, w, h): its top edge has colour plot_cmap(m, 1) (vmax), its
 * bottom edge plot_cmap(m, 0) (vmin); ticks with values on the right and `label` (units; may
 * be NULL) above. Returns the total width used, labels included. */
int plot_draw_colorbar(PlotCanvas *c, int x, int y, int w, int h, double vmin, double vmax,
                       PlotCmap m, const char *label);
/* Width plot_draw_colorbar will use for these arguments. */
int plot_colorbar_width(int w, double vmin, double vmax, const char *label);
/* Data range of n floats ignoring non-finite values; returns 0 when none is finite. */
int plot_finite_range(const float *v, size_t n, double *lo, double *hi);

/* A grid of heatmap panels sharing one colour scale and one colour bar: panel (r, c) is
 * panels[r * cols + c], a (ph, pw) row-major array, or NULL (drawn grey, "n/a"). Data cell
 * (i, j) of a panel is a cell_px x cell_px square, non-finite values grey. */
typedef struct {
    const char *title;             /* top line; may be NULL */
    int rows, cols;                /* panel grid, >= 1 */
    const char *const *row_labels; /* `rows` strings, left of each row; may be NULL */
    const char *const *col_labels; /* `cols` strings, above each column; may be NULL */
    const float *const *panels;    /* rows * cols entries */
    int ph, pw;                    /* data shape of every panel */
    int cell_px;                   /* px per data cell; 0 = auto (panels about 96 px) */
    PlotCmap cmap;
    double vmin, vmax;      /* NaN = from the data; a diverging map with NaN limits is
                               made symmetric about 0 */
    const char *cbar_label; /* colour bar units, e.g. "loss increase" */
    /* Optional axes of every panel (drawn on the bottom row and left column only): either
     * numeric, the value of data column 0 / row 0 (e.g. -16 for centred frequencies), or
     * names of each column / row (e.g. class names of a confusion matrix). */
    int axes; /* 0 = none, 1 = numeric (x0, y0), 2 = names */
    double x0, y0;
    const char *const *x_names;    /* pw names (axes == 2) */
    const char *const *y_names;    /* ph names (axes == 2) */
    const char *x_label, *y_label; /* axis titles, e.g. "fx (cycles/image)"; may be NULL */
} PlotGridSpec;
PlotCanvas *plot_heatmap_grid(const PlotGridSpec *s);

/* ---------------------------------------------------------------- line charts */
typedef struct {
    const char *name;    /* legend entry; NULL = not in the legend */
    int n;               /* points */
    const double *x, *y; /* n each; a non-finite y (or y <= 0 on a log axis) breaks the line */
    PlotRGB color;
    int markers; /* 1 = draw a 3x3 square at each point */
} PlotSeries;

typedef struct {
    const char *title, *x_label, *y_label; /* may be NULL */
    int n_series;
    const PlotSeries *series;
    int log_x, log_y;                  /* 1 = logarithmic axis (values <= 0 skipped) */
    double x_min, x_max, y_min, y_max; /* NaN = from the data */
    int legend;                        /* 1 = legend box in the top-right corner */
} PlotChart;
/* A legend as rows of entries (colour sample + name) from (x, y), wrapping at width w; for
 * figures of several charts sharing one legend. Series without a name are skipped. Returns
 * the height used in px; with c == NULL it only measures. */
int plot_draw_legend_row(PlotCanvas *c, int x, int y, int w, const PlotSeries *s, int n);
/* Draw the chart (axes, ticks, labels, title, legend) inside (x, y, w, h); each series with a
 * drawable point is one stroked path PLOT_SERIES_LW wide, clipped to the plot box. */
void plot_draw_chart(PlotCanvas *c, int x, int y, int w, int h, const PlotChart *ch);
PlotCanvas *plot_chart(const PlotChart *ch, int w, int h);

/* Horizontal bar chart: one bar per label, value axis from 0 (values >= 0), value printed at
 * the end of each bar with `fmt` (e.g. "%.2f h"). */
PlotCanvas *plot_bars(const char *title, const char *value_label, int n, const char *const *labels,
                      const double *values, const char *fmt);

#endif
