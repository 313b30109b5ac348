/* test_plot.c: the report's rendering library: PNG round trips, colour maps and colour bars,
 * the bitmap font, ticks, line charts on log axes, and the HTML writer.
 * Set FSWEEP_PLOT_DEMO=DIR to also write demo figures there for visual inspection. */
#include "harness.h"
#include "report/plot.h"
#include "report/report_html.h"
#include "rng.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rgb_eq(PlotRGB a, PlotRGB b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

static void demo_save(const PlotCanvas *c, const char *name)
{
    const char *dir = getenv("FSWEEP_PLOT_DEMO");
    if (!dir)
        return;
    char path[512];
    fs_snprintf(path, sizeof path, "%s/%s", dir, name);
    EXPECT(plot_png_write(c, path) == FS_OK);
}

static void test_png_round_trip(void)
{
    PlotCanvas *c = plot_canvas_create(37, 23, PLOT_WHITE); /* odd sizes: no row padding luck */
    uint64_t s = 12345;
    for (size_t i = 0; i < (size_t)37 * 23 * 3; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        c->px[i] = (uint8_t)(s >> 56);
    }
    uint8_t *png;
    size_t len;
    EXPECT(plot_png_encode(c, &png, &len) == FS_OK);
    EXPECT(len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
    PlotCanvas *d = NULL;
    EXPECT(plot_png_decode(png, len, &d) == FS_OK);
    EXPECT(d && d->w == 37 && d->h == 23);
    if (d)
        EXPECT(!memcmp(c->px, d->px, (size_t)37 * 23 * 3));
    plot_canvas_destroy(d);
    /* A truncated stream and garbage are errors, not crashes. */
    d = NULL;
    EXPECT(plot_png_decode(png, len / 2, &d) == FS_ERR_FORMAT && d == NULL);
    EXPECT(strstr(fs_last_error(), "png") != NULL);
    EXPECT(plot_png_decode((const uint8_t *)"not a png at all", 16, &d) == FS_ERR_FORMAT);
    /* File round trip. */
    char path[] = "/tmp/fsweep_test_plot_XXXXXX";
    int fd = mkstemp(path);
    EXPECT(fd >= 0);
    if (fd >= 0) {
        EXPECT(plot_png_write(c, path) == FS_OK);
        EXPECT(plot_png_read(path, &d) == FS_OK);
        if (d)
            EXPECT(!memcmp(c->px, d->px, (size_t)37 * 23 * 3));
        plot_canvas_destroy(d);
        unlink(path);
    }
    EXPECT(plot_png_read("/nonexistent/x.png", &d) == FS_ERR_IO && d == NULL);
    free(png);
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
    for (int m = 0; m < 2; m++) {
        PlotCanvas *c = plot_canvas_create(120, 140, PLOT_WHITE);
        int used = plot_draw_colorbar(c, 10, 20, 12, 100, -2.5, 7.0, (PlotCmap)m, "units");
        EXPECT(used >= 12 && used == plot_colorbar_width(12, -2.5, 7.0, "units"));
        EXPECT(rgb_eq(plot_get(c, 15, 20), plot_cmap((PlotCmap)m, 1)));
        EXPECT(rgb_eq(plot_get(c, 15, 119), plot_cmap((PlotCmap)m, 0)));
        plot_canvas_destroy(c);
    }
    /* In a grid, the panel cells holding the data minimum / maximum take the colour bar's end
     * colours; a diverging grid is symmetric about 0 so -max maps to the blue end. */
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
    int found_hi = 0, found_lo = 0, found_white = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            PlotRGB p = plot_get(c, x, y);
            found_hi += rgb_eq(p, plot_cmap(PLOT_CMAP_DIVERGING, 1));
            found_lo += rgb_eq(p, plot_cmap(PLOT_CMAP_DIVERGING, 0));
            found_white += rgb_eq(p, PLOT_WHITE);
        }
    /* Two 10x10 data cells at each extreme (a's 2 and b's -2) plus the bar's end rows. */
    EXPECT(found_hi >= 100 && found_lo >= 100);
    EXPECT(found_white > 0);
    demo_save(c, "grid_diverging.png");
    plot_canvas_destroy(c);
}

static void test_font_glyphs(void)
{
    /* Every printable glyph but space has ink, and no two glyphs look the same. */
    PlotCanvas *g[95];
    for (int ch = 32; ch <= 126; ch++) {
        char s[2] = {(char)ch, 0};
        g[ch - 32] = plot_canvas_create(PLOT_GLYPH_W, PLOT_GLYPH_H, PLOT_WHITE);
        plot_draw_text(g[ch - 32], 0, 0, s, PLOT_BLACK, 1);
        int ink = 0;
        for (int i = 0; i < PLOT_GLYPH_W * PLOT_GLYPH_H * 3; i++)
            ink += g[ch - 32]->px[i] == 0;
        EXPECT_MSG(ch == ' ' ? ink == 0 : ink > 0, "glyph '%c'", ch);
    }
    int dup = 0;
    for (int i = 0; i < 95; i++)
        for (int j = i + 1; j < 95; j++)
            if (!memcmp(g[i]->px, g[j]->px, PLOT_GLYPH_W * PLOT_GLYPH_H * 3)) {
                printf("    glyphs '%c' and '%c' are identical\n", i + 32, j + 32);
                dup++;
            }
    EXPECT(dup == 0);
    for (int i = 0; i < 95; i++)
        plot_canvas_destroy(g[i]);
}

/* Ink bounding box of colour col; returns the ink count. */
static int ink_box(const PlotCanvas *c, PlotRGB col, int *x0, int *y0, int *x1, int *y1)
{
    int n = 0;
    *x0 = *y0 = 1 << 30;
    *x1 = *y1 = -1;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            if (rgb_eq(plot_get(c, x, y), col)) {
                n++;
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
    PlotCanvas *c = plot_canvas_create(200, 60, PLOT_WHITE);
    const char *s = "Class 3: fy/fx";
    int w = plot_draw_text(c, 10, 5, s, red, 1);
    EXPECT_EQ_INT(w, plot_text_width(s, 1));
    EXPECT_EQ_INT(w, (int)strlen(s) * PLOT_CHAR_ADV - 1);
    int x0, y0, x1, y1;
    int n = ink_box(c, red, &x0, &y0, &x1, &y1);
    EXPECT(n > 40);
    EXPECT(x0 >= 10 && x1 < 10 + w && y0 >= 5 && y1 < 5 + PLOT_GLYPH_H);
    EXPECT(x0 == 10 && x1 >= 10 + w - PLOT_GLYPH_W); /* 'C' starts at the pen, 'x' ends near */
    /* Scale 2 doubles the box; rotated text occupies the rotated box. */
    plot_fill_rect(c, 0, 0, c->w, c->h, PLOT_WHITE);
    plot_draw_text(c, 0, 0, "Hi", red, 2);
    n = ink_box(c, red, &x0, &y0, &x1, &y1);
    EXPECT(x1 - x0 + 1 <= plot_text_width("Hi", 2) && y1 < 2 * 7);
    plot_fill_rect(c, 0, 0, c->w, c->h, PLOT_WHITE);
    plot_draw_text_up(c, 20, 55, "loss", red, 1);
    n = ink_box(c, red, &x0, &y0, &x1, &y1);
    EXPECT(n > 10 && x0 >= 20 && x1 < 20 + PLOT_GLYPH_H && y1 <= 55 &&
           y0 > 55 - plot_text_width("loss", 1));
    EXPECT(y1 - y0 > x1 - x0); /* taller than wide */
    /* Text past the canvas edge is clipped, not a crash; UTF-8 counts as one glyph. */
    plot_draw_text(c, 190, 55, "overflow", red, 3);
    EXPECT_EQ_INT(plot_text_width("\xc3\x97", 1), PLOT_GLYPH_W);
    /* Boxed text wraps at spaces and is cut with '~'. */
    plot_fill_rect(c, 0, 0, c->w, c->h, PLOT_WHITE);
    EXPECT_EQ_INT(plot_draw_text_box(c, 0, 0, 60, "resnet18 augmix", red, 2), 2);
    EXPECT_EQ_INT(plot_draw_text_box(c, 0, 0, 30, "a very long label indeed", red, 2), 2);
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
static double ink_line_deviation(const PlotCanvas *c, PlotRGB col)
{
    int x0, y0, x1, y1;
    if (ink_box(c, col, &x0, &y0, &x1, &y1) == 0)
        return 1e9;
    /* End points: mean y of the leftmost and rightmost columns. */
    double ya = 0, yb = 0;
    int na = 0, nb = 0;
    for (int y = 0; y < c->h; y++) {
        if (rgb_eq(plot_get(c, x0, y), col))
            ya += y, na++;
        if (rgb_eq(plot_get(c, x1, y), col))
            yb += y, nb++;
    }
    ya /= na;
    yb /= nb;
    double worst = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = x0; x <= x1; x++)
            if (rgb_eq(plot_get(c, x, y), col)) {
                double yl = ya + (yb - ya) * (x - x0) / (double)(x1 - x0);
                if (fabs(y - yl) > worst)
                    worst = fabs(y - yl);
            }
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
    EXPECT_MSG(dev <= 3.0, "deviation %g", dev);
    demo_save(c, "chart_log.png");
    plot_canvas_destroy(c);
    ch.log_y = 0;
    c = plot_chart(&ch, 300, 200);
    EXPECT(ink_line_deviation(c, col) > 20.0);
    plot_canvas_destroy(c);
    /* A legend draws the series colour beside its name; NaN breaks a line without drawing. */
    double yn[5] = {0.1, 0.4, NAN, 0.6, 0.9};
    PlotSeries s2[2] = {{.name = "band 1", .n = 5, .x = x, .y = yn, .color = plot_palette(0)},
                        {.name = "band 2", .n = 5, .x = x, .y = y, .color = plot_palette(1)}};
    PlotChart c2 = {.title = "curves",
                    .n_series = 2,
                    .series = s2,
                    .x_min = NAN,
                    .x_max = NAN,
                    .y_min = 0,
                    .y_max = 1,
                    .legend = 1};
    c = plot_chart(&c2, 300, 200);
    int bx0, by0, bx1, by1;
    EXPECT(ink_box(c, plot_palette(0), &bx0, &by0, &bx1, &by1) > 20);
    demo_save(c, "chart_legend.png");
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
    int x0, y0, x1, y1;
    EXPECT(ink_box(c, plot_palette(0), &x0, &y0, &x1, &y1) > 0 && y1 < 2 + h1);
    EXPECT(ink_box(c, plot_palette(2), &x0, &y0, &x1, &y1) > 0);
    EXPECT(ink_box(c, plot_palette(1), &x0, &y0, &x1, &y1) == 0);
    plot_canvas_destroy(c);
}

static void test_demo_figures(void)
{
    /* A loss-map style grid with numeric frequency axes and a bar chart: rendered and
     * decoded back. */
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
    const char *rows[2] = {"airplane", "automobile"}, *cols[3] = {"resnet18", "vgg11", "vit"};
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
    uint8_t *png;
    size_t len;
    EXPECT(plot_png_encode(c, &png, &len) == FS_OK);
    PlotCanvas *d = NULL;
    EXPECT(plot_png_decode(png, len, &d) == FS_OK && d && d->w == c->w && d->h == c->h);
    plot_canvas_destroy(d);
    free(png);
    demo_save(c, "grid_viridis.png");
    plot_canvas_destroy(c);
    for (int p = 0; p < 6; p++)
        free(maps[p]);
    const char *kinds[3] = {"train", "dfm", "eval"};
    double hours[3] = {12.5, 3.25, 0.4};
    c = plot_bars("CPU hours per task kind", "CPU hours", 3, kinds, hours, "%.2f h");
    EXPECT(c->w > 100 && c->h > 50);
    demo_save(c, "bars.png");
    plot_canvas_destroy(c);
    PlotCanvas *f = plot_canvas_create(6 * 32 + 4, 3 * 12 + 4, PLOT_WHITE);
    char line[33];
    for (int r = 0; r < 3; r++) {
        for (int i = 0; i < 32; i++)
            line[i] = (char)(32 + r * 32 + i < 127 ? 32 + r * 32 + i : ' ');
        line[32] = 0;
        plot_draw_text(f, 2, 2 + r * 12, line, PLOT_BLACK, 1);
    }
    demo_save(f, "font.png");
    plot_canvas_destroy(f);
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
    html_image_png(&d, px, 3, 1, 1, 2, "a.png", "tiny");
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
    /* Self-contained: no external resources. */
    EXPECT(strstr(s, "<script") == NULL && strstr(s, "http://") == NULL &&
           strstr(s, "https://") == NULL && strstr(s, "<link") == NULL);
    html_free(&d);
}

TEST_MAIN({"png_round_trip", test_png_round_trip}, {"colormaps", test_colormaps},
          {"colorbar_extremes", test_colorbar_extremes}, {"font_glyphs", test_font_glyphs},
          {"text_layout", test_text_layout}, {"ticks", test_ticks},
          {"chart_log_axis", test_chart_log_axis}, {"legend_row", test_legend_row},
          {"demo_figures", test_demo_figures}, {"html_escape_base64", test_html_escape_base64},
          {"html_document", test_html_document})
