/* plot.h: raster figures for `fsweep report`: an RGB canvas with lines, rectangles and text in
 * an embedded 5x8 bitmap font (printable ASCII; other bytes draw as '?'), heatmaps with the
 * viridis and a diverging blue-white-red colour map, vertical colour bars with tick values,
 * multi-panel heatmap grids with row/column labels, and line charts with axes, ticks, grid
 * lines, a legend and log-scale axes. Canvases as PNG are in src/report/plot_png.c, on the codec
 * module's PNG encoder and decoder (codec.h; libpng).
 *
 * Coordinates are pixels, x to the right, y down, (0, 0) the top-left pixel. Drawing clips to
 * the canvas, so drawing calls cannot fail.
 * Ownership: plot_canvas_create / plot_heatmap_grid / plot_chart return a canvas that the
 *   caller frees with plot_canvas_destroy; spec structs and their arrays are only read during
 *   the call. plot_png_encode returns an xmalloc'd buffer the caller frees.
 * Threads: every function touches only its arguments; safe on distinct canvases.
 * Errors: nonsensical arguments (negative sizes, NULL canvas) are programming errors and stop
 *   the program (FS_CHECK); PNG I/O returns an FsStatus with fs_last_error set. */
#ifndef FS_PLOT_H
#define FS_PLOT_H

#include "util.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t r, g, b;
} PlotRGB;

typedef struct {
    int w, h;
    uint8_t *px; /* (h, w, 3) RGB bytes, row-major, top row first; owned */
} PlotCanvas;

typedef enum {
    PLOT_CMAP_VIRIDIS = 0, /* sequential: dark purple (low) -> yellow (high) */
    PLOT_CMAP_DIVERGING    /* blue (low) -> white (middle) -> red (high) */
} PlotCmap;

typedef enum { PLOT_ALIGN_LEFT = 0, PLOT_ALIGN_CENTER, PLOT_ALIGN_RIGHT } PlotAlign;

/* The font: glyphs are 5 px wide and 8 px high (7 above the baseline, 1 descender row);
 * characters advance by 6 px. All sizes scale with the `scale` argument (>= 1). */
enum { PLOT_GLYPH_W = 5, PLOT_GLYPH_H = 8, PLOT_CHAR_ADV = 6 };

#define PLOT_WHITE   ((PlotRGB){255, 255, 255})
#define PLOT_BLACK   ((PlotRGB){0, 0, 0})
#define PLOT_GREY    ((PlotRGB){128, 128, 128})
#define PLOT_LIGHT   ((PlotRGB){225, 225, 225})
#define PLOT_NAN_RGB ((PlotRGB){190, 190, 190}) /* non-finite cells of a heatmap */

/* ---------------------------------------------------------------- canvas and primitives */
PlotCanvas *plot_canvas_create(int w, int h, PlotRGB bg); /* 1 <= w, h <= 16384 */
void plot_canvas_destroy(PlotCanvas *c);                  /* NULL is fine */
PlotRGB plot_get(const PlotCanvas *c, int x, int y);      /* x, y must be inside */
void plot_set(PlotCanvas *c, int x, int y, PlotRGB col);  /* clipped */
void plot_fill_rect(PlotCanvas *c, int x, int y, int w, int h, PlotRGB col);
void plot_draw_rect(PlotCanvas *c, int x, int y, int w, int h, PlotRGB col); /* 1 px outline */
/* Straight line from (x0, y0) to (x1, y1) inclusive, `thick` px wide (>= 1). */
void plot_draw_line(PlotCanvas *c, int x0, int y0, int x1, int y1, PlotRGB col, int thick);
/* Copy src into c with src's top-left at (x, y); clipped. */
void plot_blit(PlotCanvas *c, const PlotCanvas *src, int x, int y);

/* ---------------------------------------------------------------- text */
/* Width and height in pixels of s drawn at `scale` (a UTF-8 sequence counts as one glyph). */
int plot_text_width(const char *s, int scale);
int plot_text_height(int scale);
/* Draw s with its top-left corner at (x, y); returns the width drawn. */
int plot_draw_text(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, int scale);
/* Align horizontally about x: LEFT starts at x, CENTER centres on x, RIGHT ends at x. */
void plot_draw_text_aligned(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, int scale,
                            PlotAlign align);
/* Text rotated 90 degrees counter-clockwise (reads bottom to top), its bounding box's
 * bottom-left corner at (x, y): occupies [x, x + height) x (y - width, y]. */
void plot_draw_text_up(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, int scale);
/* Draw s centred on x inside a box w px wide, broken into at most max_lines lines (at spaces
 * when possible, else mid-word) and cut with '~' when it still does not fit. Returns the
 * number of lines drawn. */
int plot_draw_text_box(PlotCanvas *c, int x, int y, int w, const char *s, PlotRGB col,
                       int max_lines);
/* 1 when the font has a glyph for byte ch (printable ASCII). */
int plot_font_has(int ch);

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
/* Draw a (rows, cols) row-major array into the rectangle (x, y, w, h); cell (i, j) covers
 * the block [x + j*w/cols, x + (j+1)*w/cols) x [y + i*h/rows, ...). Non-finite -> grey. */
void plot_draw_heatmap(PlotCanvas *c, int x, int y, int w, int h, const float *v, int rows,
                       int cols, double vmin, double vmax, PlotCmap m);
/* Vertical colour bar in (x, y, w, h): its top pixel row has colour plot_cmap(m, 1) (vmax), its
 * bottom row plot_cmap(m, 0) (vmin); ticks with values on the right and `label` (units; may be
 * NULL) above. Returns the total width used, labels included. */
int plot_draw_colorbar(PlotCanvas *c, int x, int y, int w, int h, double vmin, double vmax,
                       PlotCmap m, const char *label);
/* Width plot_draw_colorbar will use for these arguments. */
int plot_colorbar_width(int w, double vmin, double vmax, const char *label);
/* Data range of n floats ignoring non-finite values; returns 0 when none is finite. */
int plot_finite_range(const float *v, size_t n, double *lo, double *hi);

/* A grid of heatmap panels sharing one colour scale and one colour bar: panel (r, c) is
 * panels[r * cols + c], a (ph, pw) row-major array, or NULL (drawn grey, "n/a"). */
typedef struct {
    const char *title;             /* top line; may be NULL */
    int rows, cols;                /* panel grid, >= 1 */
    const char *const *row_labels; /* `rows` strings, left of each row; may be NULL */
    const char *const *col_labels; /* `cols` strings, above each column; may be NULL */
    const float *const *panels;    /* rows * cols entries */
    int ph, pw;                    /* data shape of every panel */
    int cell_px;                   /* screen px per data cell; 0 = auto (panels about 96 px) */
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
/* Draw the chart (axes, ticks, labels, title, legend) inside (x, y, w, h). */
void plot_draw_chart(PlotCanvas *c, int x, int y, int w, int h, const PlotChart *ch);
PlotCanvas *plot_chart(const PlotChart *ch, int w, int h);

/* Horizontal bar chart: one bar per label, value axis from 0 (values >= 0), value printed at
 * the end of each bar with `fmt` (e.g. "%.2f h"). */
PlotCanvas *plot_bars(const char *title, const char *value_label, int n, const char *const *labels,
                      const double *values, const char *fmt);

/* ---------------------------------------------------------------- PNG (src/report/plot_png.c) */
/* 8-bit RGB PNG of the canvas into an xmalloc'd buffer (codec_png_encode_rgb). */
FsStatus plot_png_encode(const PlotCanvas *c, uint8_t **png, size_t *len);
FsStatus plot_png_write(const PlotCanvas *c, const char *path); /* atomic write */
/* Decode any PNG (palette, grey, alpha and 16-bit are converted to 8-bit RGB; alpha dropped)
 * into a new canvas. FS_ERR_FORMAT with fs_last_error on a corrupt or truncated stream. */
FsStatus plot_png_decode(const uint8_t *png, size_t len, PlotCanvas **out);
FsStatus plot_png_read(const char *path, PlotCanvas **out);

#endif
