/* test_plot.c: the report's figures (cairo): PNG output at a zoom (decoded back with the codec
 * module's libpng decoder), SVG output (one stroked path per chart series, sharp heatmap images),
 * colour maps and colour bars, antialiased text and its measured widths, ticks, line charts on
 * log axes, legends, and the HTML writer.
 * Set FSWEEP_PLOT_DEMO=DIR to also write demo figures there (PNG and SVG) for visual inspection. */
#include "codec.h"
#include "harness.h"
#include "report/plot.h"
#include "report/report_html.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int rgb_eq(PlotRGB a, PlotRGB b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

/* Within tol per channel. */
static int rgb_near(PlotRGB a, PlotRGB b, int tol)
{
    return abs(a.r - b.r) <= tol && abs(a.g - b.g) <= tol && abs(a.b - b.b) <= tol;
}

/* A canvas rendered to PNG and decoded back: (h, w, 3) RGB bytes. */
typedef struct {
    int w, h;
    uint8_t *px;
} Raster;

static Raster raster(const PlotCanvas *c, int zoom)
{
    Raster r = {0, 0, NULL};
    uint8_t *png = NULL;
    size_t len = 0;
    EXPECT(plot_canvas_png(c, zoom, &png, &len) == FS_OK);
    EXPECT(len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
    EXPECT(codec_png_decode_rgb(png, len, &r.px, &r.w, &r.h) == FS_OK);
    free(png);
    return r;
}

static PlotRGB px_at(const Raster *r, int x, int y)
{
    const uint8_t *p = r->px + ((size_t)y * (size_t)r->w + (size_t)x) * 3;
    return (PlotRGB){p[0], p[1], p[2]};
}

static char *svg_of(PlotCanvas *c)
{
    char *svg = NULL;
    size_t len = 0;
    EXPECT(plot_canvas_svg(c, &svg, &len) == FS_OK && svg && strlen(svg) == len);
    return svg;
}

static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void demo_save(PlotCanvas *c, const char *name)
{
    const char *dir = getenv("FSWEEP_PLOT_DEMO");
    if (!dir)
        return;
    char path[512];
    uint8_t *png;
    size_t len;
    EXPECT(plot_canvas_png(c, 2, &png, &len) == FS_OK);
    fs_snprintf(path, sizeof path, "%s/%s.png", dir, name);
    EXPECT(fs_write_file_atomic(path, png, len) == FS_OK);
    free(png);
    char *svg = svg_of(c);
    fs_snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    EXPECT(fs_write_file_atomic(path, svg, strlen(svg)) == FS_OK);
    free(svg);
}

static void test_png_output(void)
{
    /* Rectangles at integer coordinates keep their exact colours; zoom scales the raster. */
    PlotCanvas *c = plot_canvas_create(37, 23, PLOT_WHITE); /* odd sizes: no row padding luck */
    EXPECT(plot_canvas_width(c) == 37 && plot_canvas_height(c) == 23);
    const PlotRGB red = {200, 10, 20}, blue = {5, 60, 240};
    plot_fill_rect(c, 3, 4, 10, 6, red);
    plot_fill_rect(c, 20, 10, 17, 13, blue); /* touches the right and bottom edges */
    plot_fill_rect(c, 30, 0, 40, 2, red);    /* clipped at the right edge */
    for (int zoom = 1; zoom <= 2; zoom++) {
        Raster r = raster(c, zoom);
        EXPECT(r.w == 37 * zoom && r.h == 23 * zoom);
        if (!r.px)
            continue;
        EXPECT(rgb_eq(px_at(&r, 3 * zoom, 4 * zoom), red));
        EXPECT(rgb_eq(px_at(&r, 13 * zoom - 1, 10 * zoom - 1), red));
        EXPECT(rgb_eq(px_at(&r, 13 * zoom, 10 * zoom), PLOT_WHITE));
        EXPECT(rgb_eq(px_at(&r, 2 * zoom, 4 * zoom), PLOT_WHITE));
        EXPECT(rgb_eq(px_at(&r, r.w - 1, r.h - 1), blue));
        EXPECT(rgb_eq(px_at(&r, r.w - 1, 0), red));
        free(r.px);
    }
    plot_canvas_destroy(c);
}

static void test_svg_output(void)
{
    /* An SVG document of the canvas size in px, vector paths for the drawing. */
    PlotCanvas *c = plot_canvas_create(37, 23, PLOT_WHITE);
    plot_fill_rect(c, 3, 4, 10, 6, (PlotRGB){200, 10, 20});
    plot_draw_text(c, 2, 2, "Ab", PLOT_BLACK, 1);
    char *svg = svg_of(c);
    if (svg) {
        EXPECT(!strncmp(svg, "<?xml", 5));
        EXPECT(strstr(svg, "<svg") && strstr(svg, "width=\"37px\" height=\"23px\""));
        EXPECT(strstr(svg, "</svg>") != NULL);
        EXPECT(strstr(svg, "<path") != NULL);
        EXPECT(strstr(svg, "<glyph") || strstr(svg, "<symbol")); /* text as outlines */
        EXPECT(strstr(svg, "<image") == NULL);                   /* nothing rasterised */
    }
    free(svg);
    plot_canvas_destroy(c);
}

static void test_colormaps(void)
{
    /* Viridis ends are matplotlib's; the diverging map is white in the middle. */
    EXPECT(rgb_eq(plot_cmap(PLOT_CMAP_VIRIDIS, 0), (PlotRGB){68, 1, 84}));
    EXPECT(rgb_eq(plot_cmap(PLOT_CMAP_VIRIDIS, 1), (PlotRGB){253, 231, 37}));
    EXPECT(rgb_eq(plot_cmap(PLOT_CMAP_DIVERGING, 0.5), PLOT_WHITE));
    PlotRGB lo = plot_cmap(PLOT_CMAP_DIVERGING, 0), hi = plot_cmap(PLOT_CMAP_DIVERGING, 1);
    EXPECT(lo.b > lo.r && hi.r > hi.b); /* blue low, red high */
    EXPECT(rgb_eq(plot_cmap(PLOT_CMAP_VIRIDIS, -3), plot_cmap(PLOT_CMAP_VIRIDIS, 0)));
    EXPECT(rgb_eq(plot_cmap(PLOT_CMAP_VIRIDIS, NAN), PLOT_NAN_RGB));
    /* Viridis is monotone in lightness (sum of channels as a proxy) on a fine grid. */
    int prev = -1, mono = 1;
    for (int i = 0; i <= 100; i++) {
        PlotRGB c = plot_cmap(PLOT_CMAP_VIRIDIS, i / 100.0);
        int l = 2 * c.r + 5 * c.g + c.b;
        if (l < prev)
            mono = 0;
        prev = l;
    }
    EXPECT(mono);
}

static void test_colorbar_extremes(void)
{
    /* The gradient runs from vmax's colour at the top edge to vmin's at the bottom edge. */
    for (int m = 0; m < 2; m++) {
        PlotCanvas *c = plot_canvas_create(120, 140, PLOT_WHITE);
        int used = plot_draw_colorbar(c, 10, 20, 12, 100, -2.5, 7.0, (PlotCmap)m, "units");
        EXPECT(used >= 12 && used == plot_colorbar_width(12, -2.5, 7.0, "units"));
        Raster r = raster(c, 1);
        if (r.px) {
            /* Pixel row y samples the gradient at its centre, offset (y + 0.5 - 20) / 100. */
            EXPECT(rgb_near(px_at(&r, 15, 20), plot_cmap((PlotCmap)m, 0.995), 2));
            EXPECT(rgb_near(px_at(&r, 15, 119), plot_cmap((PlotCmap)m, 0.005), 2));
            EXPECT(rgb_near(px_at(&r, 15, 70), plot_cmap((PlotCmap)m, 0.495), 2));
            EXPECT(rgb_near(px_at(&r, 15, 20), plot_cmap((PlotCmap)m, 1), 8)); /* vmax on top */
        }
        free(r.px);
        plot_canvas_destroy(c);
    }
    /* In a grid, the panel cells holding the data minimum / maximum take the colour bar's end
     * colours exactly (cells are sharp squares); a diverging grid is symmetric about 0 so -max
     * maps to the blue end. */
    float a[4] = {-1.0f, 0.0f, 0.5f, 2.0f}, b[4] = {1.0f, 1.0f, -2.0f, 0.0f};
    const float *panels[2] = {a, b};
    const char *rows[1] = {"class 0"}, *cols[2] = {"resnet", "vgg"};
    PlotGridSpec s = {.title = "t",
                      .rows = 1,
                      .cols = 2,
                      .row_labels = rows,
                      .col_labels = cols,
                      .panels = panels,
                      .ph = 2,
                      .pw = 2,
                      .cell_px = 10,
                      .cmap = PLOT_CMAP_DIVERGING,
                      .vmin = NAN,
                      .vmax = NAN,
                      .cbar_label = "d"};
    PlotCanvas *c = plot_heatmap_grid(&s);
    Raster r = raster(c, 1);
    int found_hi = 0, found_lo = 0, found_white = 0;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++) {
            PlotRGB p = px_at(&r, x, y);
            found_hi += rgb_eq(p, plot_cmap(PLOT_CMAP_DIVERGING, 1));
            found_lo += rgb_eq(p, plot_cmap(PLOT_CMAP_DIVERGING, 0));
            found_white += rgb_eq(p, PLOT_WHITE);
        }
    /* One 10x10 data cell at each extreme (a's 2 and b's -2). */
    EXPECT_MSG(found_hi >= 100 && found_lo >= 100, "hi %d lo %d", found_hi, found_lo);
    EXPECT(found_white > 0);
    free(r.px);
    /* The SVG keeps the panels as images scaled without smoothing. */
    char *svg = svg_of(c);
    if (svg)
        EXPECT_EQ_INT(count_of(svg, "<image image-rendering=\"optimizeSpeed\""), 2);
    free(svg);
    demo_save(c, "grid_diverging");
    plot_canvas_destroy(c);
}

/* Bounding box of the pixels darker than the white background; returns their count and, in
 * *grey, how many are neither white nor the text colour (antialiasing). */
static int ink_box(const Raster *r, PlotRGB col, int *x0, int *y0, int *x1, int *y1, int *grey)
{
    int n = 0;
    *x0 = *y0 = 1 << 30;
    *x1 = *y1 = -1;
    *grey = 0;
    for (int y = 0; y < r->h; y++)
        for (int x = 0; x < r->w; x++) {
            PlotRGB p = px_at(r, x, y);
            if (rgb_eq(p, PLOT_WHITE))
                continue;
            n++;
            *grey += !rgb_eq(p, col);
            if (x < *x0)
                *x0 = x;
            if (x > *x1)
                *x1 = x;
            if (y < *y0)
                *y0 = y;
            if (y > *y1)
                *y1 = y;
        }
    return n;
}

static void test_text_layout(void)
{
    const PlotRGB red = {200, 0, 0};
    const char *s = "Class 3: fy/fx";
    PlotCanvas *c = plot_canvas_create(200, 60, PLOT_WHITE);
    int w = plot_draw_text(c, 10, 5, s, red, 1);
    EXPECT_EQ_INT(w, plot_text_width(s, 1));
    EXPECT(w > 40 && w < 120); /* about 6 px per character at 10 px */
    Raster r = raster(c, 1);
    int x0, y0, x1, y1, grey;
    int n = ink_box(&r, red, &x0, &y0, &x1, &y1, &grey);
    /* Ink inside the measured box (a pixel of antialiasing slack), from near the pen. */
    EXPECT_MSG(n > 40 && x0 >= 9 && x0 <= 12 && x1 <= 10 + w && y0 >= 5 && y1 <= 5 + PLOT_TEXT_H,
               "ink (%d,%d)-(%d,%d), width %d", x0, y0, x1, y1, w);
    EXPECT_MSG(grey > n / 4, "%d of %d ink pixels antialiased", grey, n); /* not a bitmap font */
    free(r.px);
    plot_canvas_destroy(c);
    /* A proportional font: 'i' is much narrower than 'M'; scale 2 doubles widths. */
    EXPECT(2 * plot_text_width("iiiiiiii", 1) < plot_text_width("MMMMMMMM", 1));
    int w1 = plot_text_width("Hello", 1), w2 = plot_text_width("Hello", 2);
    EXPECT(abs(w2 - 2 * w1) <= 1);
    EXPECT_EQ_INT(plot_text_width("", 1), 0);
    EXPECT_EQ_INT(plot_text_width(NULL, 1), 0);
    /* UTF-8 draws as itself; invalid bytes and control characters neither crash nor stop the
     * drawing of later text. */
    EXPECT(plot_text_width("\xc3\x97", 1) > 0);
    c = plot_canvas_create(200, 40, PLOT_WHITE);
    plot_draw_text(c, 0, 0, "bad \xff\xfe utf-8\t\x01", red, 1);
    plot_draw_text(c, 0, 20, "after", PLOT_BLACK, 1);
    plot_draw_text(c, 190, 20, "overflow past the edge", PLOT_BLACK, 3);
    r = raster(c, 1);
    int b0, by0, b1, by1;
    EXPECT(r.px && ink_box(&r, PLOT_BLACK, &b0, &by0, &b1, &by1, &grey) > 0 && by1 >= 20);
    free(r.px);
    plot_canvas_destroy(c);
}

static void test_ticks(void)
{
    double t[32], step;
    int n = plot_ticks_linear(0, 1, 6, t, 32, &step);
    EXPECT_EQ_INT(n, 6);
    EXPECT_NEAR(step, 0.2, 1e-12);
    EXPECT_NEAR(t[0], 0, 1e-12);
    EXPECT_NEAR(t[5], 1, 1e-12);
    n = plot_ticks_linear(-16, 15, 4, t, 32, &step);
    EXPECT(n >= 3 && n <= 5 && t[0] >= -16 && t[n - 1] <= 15);
    for (int i = 0; i < n; i++)
        EXPECT_NEAR(fmod(fabs(t[i]), step), 0, 1e-9);
    n = plot_ticks_log(1e-3, 10, t, 32);
    EXPECT_EQ_INT(n, 5);
    EXPECT_NEAR(t[0], 1e-3, 1e-15);
    EXPECT_NEAR(t[4], 10, 1e-12);
    n = plot_ticks_log(2, 30, t, 32); /* under two decades: 2, 5, 10, 20 */
    EXPECT_EQ_INT(n, 4);
    EXPECT_NEAR(t[1], 5, 1e-12);
    char buf[32];
    plot_format_tick(-1e-17, 0.1, buf, sizeof buf);
    EXPECT(!strcmp(buf, "0.0"));
    plot_format_tick(0.25, 0.05, buf, sizeof buf);
    EXPECT(!strcmp(buf, "0.25"));
    plot_format_tick(1500, 500, buf, sizeof buf);
    EXPECT(!strcmp(buf, "1500"));
    plot_format_tick(1e4, 0, buf, sizeof buf);
    EXPECT(!strcmp(buf, "10000"));
    plot_format_tick(1e6, 0, buf, sizeof buf);
    EXPECT(!strcmp(buf, "1e6"));
    plot_format_tick(2.5e-6, 0, buf, sizeof buf);
    EXPECT(!strcmp(buf, "2.5e-6"));
    plot_format_tick(0, 5e-6, buf, sizeof buf); /* small steps: 0 and 5e-6, not 0.000000 */
    EXPECT(!strcmp(buf, "0"));
    plot_format_tick(5e-6, 5e-6, buf, sizeof buf);
    EXPECT(!strcmp(buf, "5e-6"));
}

/* Ink pixels of one colour deviate from the straight line through their extreme points by
 * at most this many pixels. */

/* Pixels within 60 per channel of col at zoom 2 (the core of antialiased lines) deviate from
 * the straight line through their extreme points by at most this many pixels. */
static double ink_line_deviation(const PlotCanvas *c, PlotRGB col)
{
    Raster r = raster(c, 2);
    if (!r.px)
        return 1e9;
    int x0 = 1 << 30, x1 = -1;
    for (int y = 0; y < r.h; y++)
        for (int x = 0; x < r.w; x++)
            if (rgb_near(px_at(&r, x, y), col, 60)) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
            }
    double worst = x1 > x0 ? 0 : 1e9;
    if (x1 > x0) {
        double ya = 0, yb = 0;
        int na = 0, nb = 0;
        for (int y = 0; y < r.h; y++) {
            if (rgb_near(px_at(&r, x0, y), col, 60))
                ya += y, na++;
            if (rgb_near(px_at(&r, x1, y), col, 60))
                yb += y, nb++;
        }
        ya /= na;
        yb /= nb;
        for (int y = 0; y < r.h; y++)
            for (int x = x0; x <= x1; x++)
                if (rgb_near(px_at(&r, x, y), col, 60)) {
                    double yl = ya + (yb - ya) * (x - x0) / (double)(x1 - x0);
                    if (fabs(y - yl) > worst)
                        worst = fabs(y - yl);
                }
    }
    free(r.px);
    return worst;
}

static void test_chart_log_axis(void)
{
    /* y = 10^x is a straight line on a log y axis and a bent one on a linear axis. */
    double x[5] = {0, 1, 2, 3, 4}, y[5] = {1, 10, 100, 1000, 10000};
    PlotRGB col = {10, 200, 30};
    PlotSeries se = {.name = "10^x", .n = 5, .x = x, .y = y, .color = col};
    PlotChart ch = {.title = "log",
                    .x_label = "epoch",
                    .y_label = "loss",
                    .n_series = 1,
                    .series = &se,
                    .log_y = 1,
                    .x_min = NAN,
                    .x_max = NAN,
                    .y_min = NAN,
                    .y_max = NAN,
                    .legend = 0};
    PlotCanvas *c = plot_chart(&ch, 300, 200);
    double dev = ink_line_deviation(c, col);
    EXPECT_MSG(dev <= 6.0, "deviation %g", dev);
    demo_save(c, "chart_log");
    plot_canvas_destroy(c);
    ch.log_y = 0;
    c = plot_chart(&ch, 300, 200);
    EXPECT(ink_line_deviation(c, col) > 40.0);
    plot_canvas_destroy(c);
    /* A legend draws the series colour beside its name; NaN breaks a line without drawing.
     * The SVG has one stroked path per series with a drawable point (the third has none). */
    double yn[5] = {0.1, 0.4, NAN, 0.6, 0.9}, y2[5] = {0.8, 0.2, 0.3, 0.5, 0.1},
           none[5] = {NAN, NAN, NAN, NAN, NAN};
    PlotSeries s2[3] = {{.name = "band 1", .n = 5, .x = x, .y = yn, .color = plot_palette(0)},
                        {.name = "band 2", .n = 5, .x = x, .y = y2, .color = plot_palette(1)},
                        {.name = "band 3", .n = 5, .x = x, .y = none, .color = plot_palette(2)}};
    PlotChart c2 = {.title = "curves",
                    .n_series = 3,
                    .series = s2,
                    .x_min = NAN,
                    .x_max = NAN,
                    .y_min = 0,
                    .y_max = 1,
                    .legend = 1};
    c = plot_chart(&c2, 300, 200);
    Raster r = raster(c, 1);
    int n0 = 0;
    for (int i = 0; r.px && i < r.w * r.h; i++)
        n0 += rgb_eq(px_at(&r, i % r.w, i / r.w), plot_palette(0));
    EXPECT(n0 > 20);
    free(r.px);
    char *svg = svg_of(c);
    if (svg)
        EXPECT_EQ_INT(count_of(svg, "stroke-width:1.5;"), 2);
    free(svg);
    demo_save(c, "chart_legend");
    plot_canvas_destroy(c);
}

static void test_legend_row(void)
{
    PlotSeries s[4] = {{.name = "airplane", .color = plot_palette(0)},
                       {.name = NULL, .color = plot_palette(1)}, /* not listed */
                       {.name = "truck", .color = plot_palette(2)},
                       {.name = "ship", .color = plot_palette(3)}};
    int h1 = plot_draw_legend_row(NULL, 0, 0, 400, s, 4);
    int h3 = plot_draw_legend_row(NULL, 0, 0, 60, s, 4); /* one entry per row */
    EXPECT(h1 > 0 && h3 == 3 * h1);
    PlotCanvas *c = plot_canvas_create(400, 40, PLOT_WHITE);
    EXPECT_EQ_INT(plot_draw_legend_row(c, 2, 2, 396, s, 4), h1);
    Raster r = raster(c, 1);
    int n[4] = {0, 0, 0, 0}, ymax0 = -1;
    for (int y = 0; r.px && y < r.h; y++)
        for (int x = 0; x < r.w; x++)
            for (int k = 0; k < 4; k++)
                if (rgb_eq(px_at(&r, x, y), plot_palette(k))) {
                    n[k]++;
                    if (k == 0)
                        ymax0 = y;
                }
    EXPECT(n[0] > 0 && ymax0 < 2 + h1);
    EXPECT(n[2] > 0 && n[3] > 0);
    EXPECT(n[1] == 0);
    free(r.px);
    plot_canvas_destroy(c);
}

static void test_demo_figures(void)
{
    /* A loss-map style grid with numeric frequency axes, a missing panel and long labels, and
     * a bar chart: rendered to PNG and SVG. */
    enum { N = 16 };
    float *maps[6];
    for (int p = 0; p < 6; p++) {
        maps[p] = xmalloc(sizeof(float) * N * N);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                maps[p][i * N + j] =
                    (float)(p + 1) * expf(-(float)((i - 8) * (i - 8) + (j - 8) * (j - 8)) / 20.0f);
    }
    free(maps[4]);
    maps[4] = NULL; /* a missing panel */
    const char *rows[2] = {"airplane", "a very long row label that must be cut to the margin "
                                       "because it goes on and on and on and on and on"},
               *cols[3] = {"resnet18", "vgg11 with a long name", "vit"};
    PlotGridSpec s = {.title = "DFM loss maps (pre-threshold)",
                      .rows = 2,
                      .cols = 3,
                      .row_labels = rows,
                      .col_labels = cols,
                      .panels = (const float *const *)maps,
                      .ph = N,
                      .pw = N,
                      .cmap = PLOT_CMAP_VIRIDIS,
                      .vmin = NAN,
                      .vmax = NAN,
                      .cbar_label = "loss increase",
                      .axes = 1,
                      .x0 = -8,
                      .y0 = -8,
                      .x_label = "fx (cycles/image)",
                      .y_label = "fy"};
    PlotCanvas *c = plot_heatmap_grid(&s);
    Raster r = raster(c, 2);
    EXPECT(r.w == 2 * plot_canvas_width(c) && r.h == 2 * plot_canvas_height(c));
    free(r.px);
    char *svg = svg_of(c);
    if (svg)
        EXPECT_EQ_INT(count_of(svg, "<image "), 5); /* the NULL panel is a grey box */
    free(svg);
    demo_save(c, "grid_viridis");
    plot_canvas_destroy(c);
    for (int p = 0; p < 6; p++)
        free(maps[p]);
    const char *kinds[3] = {"train", "dfm", "eval"};
    double hours[3] = {12.5, 3.25, 0.4};
    c = plot_bars("CPU hours per task kind", "CPU hours", 3, kinds, hours, "%.2f h");
    EXPECT(plot_canvas_width(c) > 100 && plot_canvas_height(c) > 50);
    r = raster(c, 1);
    int bar = 0;
    for (int i = 0; r.px && i < r.w * r.h; i++)
        bar += rgb_eq(px_at(&r, i % r.w, i / r.w), plot_palette(0));
    EXPECT(bar > 300 * 14); /* the longest bar is the full 320 px plot width, 14 px high */
    free(r.px);
    demo_save(c, "bars");
    plot_canvas_destroy(c);
}

static void test_html_escape_base64(void)
{
    FsBuf b = {0};
    html_escape(&b, "<a href=\"x\">&'</a>");
    EXPECT(!strcmp(b.s, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"));
    fsbuf_free(&b);
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        FsBuf e = {0};
        fsbuf_printf(&e, "%s", "");
        html_base64(&e, (const uint8_t *)in[i], strlen(in[i]));
        EXPECT_MSG(!strcmp(e.s, out[i]), "base64(%s) = %s", in[i], e.s);
        fsbuf_free(&e);
    }
}

static void test_html_document(void)
{
    HtmlDoc d;
    html_begin(&d, "fsweep <report>");
    html_heading(&d, 2, "tpr", "TPR & FPR");
    html_table_begin(&d, "t1", "TPR");
    html_row_begin(&d);
    html_cell_text(&d, "class", HTML_CELL_HEADER);
    html_cell_text(&d, "TPR", HTML_CELL_HEADER);
    html_row_end(&d);
    html_row_begin(&d);
    html_cell_text(&d, "cat<1>", 0);
    html_cell_num(&d, 0.123456789012, "%.3f", HTML_CELL_HIGHLIGHT);
    html_cell_num(&d, NAN, "%.3f", 0);
    html_row_end(&d);
    html_table_end(&d);
    uint8_t px[3] = {1, 2, 3};
    html_image_png(&d, px, 3, 2, 2, "a.png", "a&b.svg", "tiny");
    html_image_png(&d, px, 3, 4, 6, NULL, NULL, "no files");
    html_end(&d);
    const char *s = d.b.s;
    EXPECT(strstr(s, "<title>fsweep &lt;report&gt;</title>") != NULL);
    EXPECT(strstr(s, "<h2 id=\"tpr\">TPR &amp; FPR</h2>") != NULL);
    EXPECT(strstr(s, "<td>cat&lt;1&gt;</td>") != NULL);
    EXPECT(strstr(s, "<td class=\"num hl\" data-v=\"0.123456789012") != NULL);
    EXPECT(strstr(s, ">0.123</td>") != NULL);
    EXPECT(strstr(s, "class=\"num warn\" data-v=\"nan\">-</td>") != NULL);
    EXPECT(strstr(s, "src=\"data:image/png;base64,AQID\"") != NULL);
    EXPECT(strstr(s, "width=\"2\" height=\"2\"") != NULL);
    EXPECT(strstr(s, "width=\"4\" height=\"6\"") != NULL);
    EXPECT(strstr(s, "tiny (<a href=\"a&amp;b.svg\">SVG</a>) (<a href=\"a.png\">PNG</a>)") != NULL);
    EXPECT(strstr(s, "<figcaption>no files</figcaption>") != NULL);
    /* Self-contained: no external resources. */
    EXPECT(strstr(s, "<script") == NULL && strstr(s, "http://") == NULL &&
           strstr(s, "https://") == NULL && strstr(s, "<link") == NULL);
    html_free(&d);
}

TEST_MAIN({"png_output", test_png_output}, {"svg_output", test_svg_output},
          {"colormaps", test_colormaps}, {"colorbar_extremes", test_colorbar_extremes},
          {"text_layout", test_text_layout}, {"ticks", test_ticks},
          {"chart_log_axis", test_chart_log_axis}, {"legend_row", test_legend_row},
          {"demo_figures", test_demo_figures}, {"html_escape_base64", test_html_escape_base64},
          {"html_document", test_html_document})
