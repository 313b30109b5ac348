/* plot.c: canvases (cairo recording surfaces) and their PNG and SVG output, primitives,
 * antialiased text, colour maps, ticks, heatmap grids, line and bar charts. See plot.h for the
 * contract. No state outside the arguments. The only file of fsweep that includes cairo. */
#include "plot.h"

#include <cairo-svg.h>
#include <cairo.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *p;
    size_t n, cap;
} OutBuf;

/* Every drawing call goes to two targets at once: a recording surface, replayed into PNGs at
 * any zoom, and an SVG surface writing into svg_out. (Replaying a recording surface into an
 * SVG surface instead leaks the recording surface in cairo 1.16.) */
enum { CANVAS_REC = 0, CANVAS_SVG = 1, CANVAS_TARGETS = 2 };
struct PlotCanvas {
    int w, h;
    cairo_surface_t *rec;        /* recording surface, extents (0, 0, w, h) */
    cairo_surface_t *svg;        /* SVG surface of w x h px; NULL once finished */
    OutBuf svg_out;              /* the SVG document written so far */
    cairo_t *cr[CANVAS_TARGETS]; /* contexts on rec and svg (NULL once the SVG is finished);
                                    every call saves and restores their state */
};

typedef enum { ALIGN_LEFT = 0, ALIGN_CENTER, ALIGN_RIGHT } Align;

/* Baseline of a text line below its top, per unit of scale: DejaVu Sans's capitals are 0.73 em
 * high, so at PLOT_FONT_PX = 10 they fill the line box's top 7.5 px. */
#define TEXT_BASELINE 7.5

static void set_rgb(cairo_t *cr, PlotRGB c)
{
    cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0);
}

/* The figure font on cr: DejaVu Sans (fontconfig picks its nearest match when absent), no
 * hinting, so that widths measured here are the widths drawn at any zoom. */
static void font_setup(cairo_t *cr, int scale)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, PLOT_FONT_PX * scale);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

/* s as valid UTF-8 without control characters (invalid bytes -> '?', controls -> ' '), into
 * an xmalloc'd string: cairo refuses invalid UTF-8 and would stop drawing altogether. */
static char *text_clean(const char *s)
{
    size_t n = strlen(s);
    char *o = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)s[i];
        int len = ch < 0x80             ? 1
                  : (ch & 0xE0) == 0xC0 ? 2
                  : (ch & 0xF0) == 0xE0 ? 3
                  : (ch & 0xF8) == 0xF0 ? 4
                                        : 0;
        int ok =
            len > 0 && i + (size_t)len <= n && !(len == 2 && ch < 0xC2) && !(len == 4 && ch > 0xF4);
        for (int k = 1; ok && k < len; k++)
            ok = ((unsigned char)s[i + (size_t)k] & 0xC0) == 0x80;
        if (!ok) {
            o[j++] = '?';
            i++;
        } else if (len == 1) {
            o[j++] = ch < 32 || ch == 127 ? ' ' : (char)ch;
            i++;
        } else {
            memcpy(o + j, s + i, (size_t)len);
            j += (size_t)len;
            i += (size_t)len;
        }
    }
    o[j] = 0;
    return o;
}

/* Advance width of s (cleaned) with the figure font at `scale`. */
static double text_advance(cairo_t *cr, const char *s, int scale)
{
    cairo_save(cr);
    font_setup(cr, scale);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_restore(cr);
    return e.x_advance;
}

int plot_text_width(const char *s, int scale)
{
    FS_CHECK(scale >= 1, "plot_text_width: scale %d", scale);
    if (!s || !*s)
        return 0;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_t *cr = cairo_create(sf);
    char *t = text_clean(s);
    double w = text_advance(cr, t, scale);
    FS_CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS, "plot: cairo: %s",
             cairo_status_to_string(cairo_status(cr)));
    free(t);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    return (int)ceil(w - 1e-6);
}

/* ---------------------------------------------------------------- canvas and output */
static cairo_status_t out_write(void *closure, const unsigned char *data, unsigned int len)
{
    OutBuf *b = closure;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->n + len + 1 > cap)
            cap = fs_mul_size(cap, 2, "plot output");
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = 0;
    return CAIRO_STATUS_SUCCESS;
}

PlotCanvas *plot_canvas_create(int w, int h, PlotRGB bg)
{
    FS_CHECK(w >= 1 && h >= 1 && w <= 16384 && h <= 16384, "plot: canvas %dx%d out of range", w, h);
    PlotCanvas *c = xmalloc(sizeof *c);
    c->w = w;
    c->h = h;
    cairo_rectangle_t ext = {0, 0, w, h};
    c->rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR, &ext);
    c->svg_out = (OutBuf){NULL, 0, 0};
    c->svg = cairo_svg_surface_create_for_stream(out_write, &c->svg_out, w, h);
    cairo_svg_surface_restrict_to_version(c->svg, CAIRO_SVG_VERSION_1_1);
    cairo_svg_surface_set_document_unit(c->svg, CAIRO_SVG_UNIT_PX);
    c->cr[CANVAS_REC] = cairo_create(c->rec);
    c->cr[CANVAS_SVG] = cairo_create(c->svg);
    for (int k = 0; k < CANVAS_TARGETS; k++) {
        cairo_t *cr = c->cr[k];
        FS_CHECK(cairo_status(cr) == CAIRO_STATUS_SUCCESS, "plot: cairo canvas %dx%d: %s", w, h,
                 cairo_status_to_string(cairo_status(cr)));
        set_rgb(cr, bg);
        cairo_paint(cr);
    }
    return c;
}

void plot_canvas_destroy(PlotCanvas *c)
{
    if (!c)
        return;
    for (int k = 0; k < CANVAS_TARGETS; k++)
        if (c->cr[k])
            cairo_destroy(c->cr[k]);
    cairo_surface_destroy(c->rec);
    if (c->svg) {
        cairo_surface_finish(c->svg);
        cairo_surface_destroy(c->svg);
    }
    free(c->svg_out.p);
    free(c);
}

int plot_canvas_width(const PlotCanvas *c)
{
    return c->w;
}

int plot_canvas_height(const PlotCanvas *c)
{
    return c->h;
}

/* Paint the canvas onto target scaled by zoom; returns cairo's status. */
static cairo_status_t canvas_replay(const PlotCanvas *c, cairo_surface_t *target, double zoom)
{
    cairo_surface_flush(c->rec);
    cairo_t *cr = cairo_create(target);
    cairo_scale(cr, zoom, zoom);
    cairo_set_source_surface(cr, c->rec, 0, 0);
    cairo_paint(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    return st;
}

FsStatus plot_canvas_png(const PlotCanvas *c, int zoom, uint8_t **png, size_t *len)
{
    FS_CHECK(zoom >= 1 && zoom <= 4, "plot_canvas_png: zoom %d", zoom);
    *png = NULL;
    *len = 0;
    cairo_status_t st = cairo_status(c->cr[CANVAS_REC]);
    cairo_surface_t *img = NULL;
    OutBuf b = {0};
    if (st == CAIRO_STATUS_SUCCESS) {
        img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, c->w * zoom, c->h * zoom);
        st = cairo_surface_status(img);
    }
    if (st == CAIRO_STATUS_SUCCESS)
        st = canvas_replay(c, img, zoom);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png_stream(img, out_write, &b);
    cairo_surface_destroy(img);
    if (st != CAIRO_STATUS_SUCCESS) {
        free(b.p);
        return fs_errorf(FS_ERR_IO, "plot: PNG of a %dx%d figure: cairo: %s", c->w, c->h,
                         cairo_status_to_string(st));
    }
    *png = b.p;
    *len = b.n;
    return FS_OK;
}

FsStatus plot_canvas_svg(PlotCanvas *c, char **svg, size_t *len)
{
    *svg = NULL;
    *len = 0;
    cairo_status_t st = CAIRO_STATUS_SUCCESS;
    if (c->svg) { /* finish the document: later drawing is a programming error */
        st = cairo_status(c->cr[CANVAS_SVG]);
        cairo_destroy(c->cr[CANVAS_SVG]);
        c->cr[CANVAS_SVG] = NULL;
        cairo_surface_finish(c->svg);
        if (st == CAIRO_STATUS_SUCCESS)
            st = cairo_surface_status(c->svg);
        cairo_surface_destroy(c->svg);
        c->svg = NULL;
    }
    OutBuf b = c->svg_out;
    if (st != CAIRO_STATUS_SUCCESS || b.n == 0)
        return fs_errorf(FS_ERR_IO, "plot: SVG of a %dx%d figure: cairo: %s", c->w, c->h,
                         cairo_status_to_string(st));
    /* Heatmaps are small images scaled up: ask viewers for nearest-neighbour scaling (cairo
     * 1.16 writes no hint for CAIRO_FILTER_NEAREST), so that cells stay sharp squares. */
    static const char img[] = "<image ", crisp[] = "<image image-rendering=\"optimizeSpeed\" "
                                                   "style=\"image-rendering:pixelated\" ";
    size_t k = 0;
    for (const char *p = (const char *)b.p; (p = strstr(p, img)) != NULL; p++)
        k++;
    char *out = xmalloc(b.n + k * (sizeof crisp - sizeof img) + 1);
    size_t j = 0;
    const char *p = (const char *)b.p, *q;
    while ((q = strstr(p, img)) != NULL) {
        memcpy(out + j, p, (size_t)(q - p));
        j += (size_t)(q - p);
        memcpy(out + j, crisp, sizeof crisp - 1);
        j += sizeof crisp - 1;
        p = q + sizeof img - 1;
    }
    size_t rest = strlen(p);
    memcpy(out + j, p, rest + 1);
    j += rest;
    *svg = out;
    *len = j;
    return FS_OK;
}

/* ---------------------------------------------------------------- primitives */
/* The context of target k (CANVAS_REC, CANVAS_SVG); drawing after plot_canvas_svg stops. */
static cairo_t *canvas_cr(const PlotCanvas *c, int k)
{
    FS_CHECK(c->svg != NULL, "plot: drawing on a %dx%d canvas whose SVG is finished", c->w, c->h);
    return c->cr[k];
}

void plot_fill_rect(PlotCanvas *c, int x, int y, int w, int h, PlotRGB col)
{
    if (w <= 0 || h <= 0)
        return;
    for (int k = 0; k < CANVAS_TARGETS; k++) {
        cairo_t *cr = canvas_cr(c, k);
        cairo_save(cr);
        set_rgb(cr, col);
        cairo_rectangle(cr, x, y, w, h);
        cairo_fill(cr);
        cairo_restore(cr);
    }
}

/* 1 px outline just inside (x, y, w, h). */
static void draw_rect(PlotCanvas *c, int x, int y, int w, int h, PlotRGB col)
{
    if (w <= 0 || h <= 0)
        return;
    for (int k = 0; k < CANVAS_TARGETS; k++) {
        cairo_t *cr = canvas_cr(c, k);
        cairo_save(cr);
        set_rgb(cr, col);
        cairo_set_line_width(cr, 1.0);
        cairo_rectangle(cr, x + 0.5, y + 0.5, w - 1, h - 1);
        cairo_stroke(cr);
        cairo_restore(cr);
    }
}

/* ---------------------------------------------------------------- text */
static void text_at(PlotCanvas *c, double x, double y, const char *s, PlotRGB col, int scale)
{
    char *t = text_clean(s);
    for (int k = 0; k < CANVAS_TARGETS; k++) {
        cairo_t *cr = canvas_cr(c, k);
        cairo_save(cr);
        font_setup(cr, scale);
        set_rgb(cr, col);
        cairo_move_to(cr, x, y + TEXT_BASELINE * scale);
        cairo_show_text(cr, t);
        cairo_restore(cr);
    }
    free(t);
}

int plot_draw_text(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, int scale)
{
    FS_CHECK(scale >= 1, "plot_draw_text: scale %d", scale);
    if (!s || !*s)
        return 0;
    text_at(c, x, y, s, col, scale);
    return plot_text_width(s, scale);
}

/* Align horizontally about x: LEFT starts at x, CENTER centres on x, RIGHT ends at x. */
static void text_aligned(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, Align align)
{
    if (!s || !*s)
        return;
    int w = plot_text_width(s, 1);
    double x0 = align == ALIGN_CENTER ? x - w / 2.0 : align == ALIGN_RIGHT ? x - w : x;
    text_at(c, x0, y, s, col, 1);
}

/* Text rotated 90 degrees counter-clockwise (reads bottom to top), its bounding box's
 * bottom-left corner at (x, y): occupies [x, x + PLOT_TEXT_H) x (y - width, y]. */
static void text_up(PlotCanvas *c, int x, int y, const char *s, PlotRGB col)
{
    if (!s || !*s)
        return;
    char *t = text_clean(s);
    for (int k = 0; k < CANVAS_TARGETS; k++) {
        cairo_t *cr = canvas_cr(c, k);
        cairo_save(cr);
        font_setup(cr, 1);
        set_rgb(cr, col);
        cairo_translate(cr, x + TEXT_BASELINE, y);
        cairo_rotate(cr, -M_PI / 2);
        cairo_move_to(cr, 0, 0);
        cairo_show_text(cr, t);
        cairo_restore(cr);
    }
    free(t);
}

/* Copy of s cut to at most w px and n - 1 bytes (a trailing ellipsis marks a cut), into buf. */
static void text_fit(const char *s, int w, char *buf, size_t n)
{
    buf[0] = 0;
    if (!s || n < 1)
        return;
    size_t full = strlen(s), len = full;
    if (len > n - 1) {
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--; /* whole UTF-8 sequences */
    }
    memcpy(buf, s, len);
    buf[len] = 0;
    if (len == full && plot_text_width(buf, 1) <= w)
        return;
    while (len > 0) {
        len--;
        while (len > 0 && ((unsigned char)buf[len] & 0xC0) == 0x80)
            len--;
        if (len + 4 > n)
            continue;
        memcpy(buf + len, "\xE2\x80\xA6", 4); /* U+2026 and the NUL */
        if (plot_text_width(buf, 1) <= w)
            return;
    }
    buf[0] = 0;
}

/* Draw s centred on x + w / 2 in lines at most w px wide (broken at spaces, or after '+', '/',
 * '_', '-', ',' when a word is too long, else mid-word), at most max_lines of them; the last
 * is cut with an ellipsis when text is left. Lines are PLOT_TEXT_H + 2 px apart. Returns the
 * number of lines drawn. */
static int text_box(PlotCanvas *c, int x, int y, int w, const char *s, PlotRGB col, int max_lines)
{
    if (!s || !*s || max_lines < 1)
        return 0;
    size_t n = strlen(s);
    char *line = xmalloc(n + 4);
    const char *p = s;
    int lines = 0;
    while (*p && lines < max_lines) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *start = p;
        /* The longest prefix that fits, preferring a break at a space or after a separator. */
        const char *q = p, *fit = p, *brk = NULL;
        while (*q) {
            const char *nx = q + 1;
            while ((*nx & 0xC0) == 0x80)
                nx++;
            memcpy(line, p, (size_t)(nx - p));
            line[nx - p] = 0;
            if (plot_text_width(line, 1) > w && fit > p)
                break;
            fit = nx;
            if (*nx == ' ' || (q > p && strchr("+/_-,", *q)))
                brk = nx; /* before a space, or after a separator */
            q = nx;
        }
        const char *end = fit;
        if (*fit && *fit != ' ' && brk && brk > p)
            end = brk;
        size_t len = (size_t)(end - p);
        memcpy(line, p, len);
        line[len] = 0;
        p = end;
        while (*p == ' ')
            p++;
        if (lines == max_lines - 1 && *p) /* last line and text left: mark the cut */
            text_fit(start, w, line, len + 4);
        text_aligned(c, x + w / 2, y + lines * (PLOT_TEXT_H + 2), line, col, ALIGN_CENTER);
        lines++;
    }
    free(line);
    return lines;
}

/* ---------------------------------------------------------------- colour maps */
typedef struct {
    double t;
    PlotRGB c;
} CmapStop;

/* Viridis (matplotlib) at 9 evenly spaced stops; linear interpolation in between. */
static const CmapStop cmap_viridis[] = {
    {0.000, {68, 1, 84}},    {0.125, {72, 40, 120}},  {0.250, {62, 73, 137}},
    {0.375, {49, 104, 142}}, {0.500, {38, 130, 142}}, {0.625, {31, 158, 137}},
    {0.750, {53, 183, 121}}, {0.875, {110, 206, 88}}, {1.000, {253, 231, 37}},
};
/* Blue-white-red (ColorBrewer RdBu, reversed), pure white at the centre. */
static const CmapStop cmap_diverging[] = {
    {0.000, {33, 102, 172}},  {0.170, {103, 169, 207}}, {0.340, {209, 229, 240}},
    {0.500, {255, 255, 255}}, {0.660, {253, 219, 199}}, {0.830, {239, 138, 98}},
    {1.000, {178, 24, 43}},
};

PlotRGB plot_cmap(PlotCmap m, double t)
{
    if (!isfinite(t))
        return PLOT_NAN_RGB;
    const CmapStop *st = m == PLOT_CMAP_DIVERGING ? cmap_diverging : cmap_viridis;
    int n = m == PLOT_CMAP_DIVERGING ? (int)FS_ARRAY_LEN(cmap_diverging)
                                     : (int)FS_ARRAY_LEN(cmap_viridis);
    if (t <= 0.0)
        return st[0].c;
    if (t >= 1.0)
        return st[n - 1].c;
    int i = 0;
    while (i < n - 2 && t > st[i + 1].t)
        i++;
    double u = (t - st[i].t) / (st[i + 1].t - st[i].t);
    PlotRGB a = st[i].c, b = st[i + 1].c;
    return (PlotRGB){(uint8_t)lround(a.r + u * (b.r - a.r)), (uint8_t)lround(a.g + u * (b.g - a.g)),
                     (uint8_t)lround(a.b + u * (b.b - a.b))};
}

PlotRGB plot_cmap_value(PlotCmap m, double v, double vmin, double vmax)
{
    if (!isfinite(v))
        return PLOT_NAN_RGB;
    double span = vmax - vmin;
    return plot_cmap(m, span > 0 ? (v - vmin) / span : 0.5);
}

PlotRGB plot_palette(int i)
{
    static const PlotRGB pal[10] = {
        {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
        {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
    };
    return pal[((i % 10) + 10) % 10];
}

/* ---------------------------------------------------------------- ticks */
int plot_ticks_linear(double lo, double hi, int max_ticks, double *ticks, int cap, double *step)
{
    if (step)
        *step = 0;
    if (!isfinite(lo) || !isfinite(hi) || cap < 1)
        return 0;
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (hi == lo) {
        ticks[0] = lo;
        return 1;
    }
    if (max_ticks < 2)
        max_ticks = 2;
    double raw = (hi - lo) / (max_ticks - 1);
    double mag = pow(10.0, floor(log10(raw)));
    double r = raw / mag;
    double st = (r < 1.5 ? 1.0 : r < 3.0 ? 2.0 : r < 7.0 ? 5.0 : 10.0) * mag;
    double eps = st * 1e-9;
    int n = 0;
    for (double k = ceil((lo - eps) / st); n < cap; k += 1.0) {
        double v = k * st;
        if (v > hi + eps)
            break;
        ticks[n++] = fabs(v) < eps ? 0.0 : v;
    }
    if (step)
        *step = st;
    return n;
}

int plot_ticks_log(double lo, double hi, double *ticks, int cap)
{
    if (!(lo > 0) || !(hi > lo) || !isfinite(hi) || cap < 1)
        return 0;
    int e0 = (int)floor(log10(lo)), e1 = (int)ceil(log10(hi));
    int decades = e1 - e0;
    static const double mult_all[] = {1, 2, 5};
    int nm = decades < 3 ? 3 : 1;
    int stride = decades > 8 ? (decades + 7) / 8 : 1; /* at most ~8 labelled decades */
    int n = 0;
    for (int e = e0; e <= e1 && n < cap; e++) {
        if ((e - e0) % stride)
            continue;
        for (int m = 0; m < nm && n < cap; m++) {
            double v = mult_all[m] * pow(10.0, e);
            if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
                ticks[n++] = v;
        }
    }
    return n;
}

void plot_format_tick(double v, double step, char *buf, size_t n)
{
    if (fabs(v) < 1e-300 || (step > 0 && fabs(v) < 1e-6 * step))
        v = 0.0; /* no "-0" */
    double a = fabs(v);
    if (step <= 0 || a >= 1e6 || (a > 0 && a < 1e-4) || step < 1e-4) {
        if (a == 0 || (step <= 0 && a >= 1e-3 && a < 1e5)) {
            fs_snprintf(buf, n, v == floor(v) ? "%.0f" : "%.3g", v);
            return;
        }
        int e = (int)floor(log10(a));
        double m = v / pow(10.0, e);
        if (fabs(m) >= 9.995) { /* rounding carried into the next decade */
            m /= 10;
            e++;
        }
        fs_snprintf(buf, n, "%.3ge%d", m, e); /* 1e4, 2.5e-6: short, no "+" or zero padding */
        return;
    }
    int dec = (int)ceil(-log10(step) - 1e-9);
    if (dec < 0)
        dec = 0;
    if (dec > 6)
        dec = 6;
    fs_snprintf(buf, n, "%.*f", dec, v);
    if (!strncmp(buf, "-0", 2) && strspn(buf + 1, "0.") == strlen(buf + 1))
        memmove(buf, buf + 1, strlen(buf)); /* "-0.00" -> "0.00" */
}

/* ---------------------------------------------------------------- heatmaps */
int plot_finite_range(const float *v, size_t n, double *lo, double *hi)
{
    int any = 0;
    double a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        double x = (double)v[i];
        if (!any || x < a)
            a = x;
        if (!any || x > b)
            b = x;
        any = 1;
    }
    *lo = a;
    *hi = b;
    return any;
}

/* Draw a (rows, cols) row-major array into the rectangle (x, y, w, h) as an image of one pixel
 * per cell scaled without smoothing: cell (i, j) covers [x + j*w/cols, x + (j+1)*w/cols) x
 * [y + i*h/rows, ...). Non-finite -> PLOT_NAN_RGB. */
static void draw_heatmap(PlotCanvas *c, int x, int y, int w, int h, const float *v, int rows,
                         int cols, double vmin, double vmax, PlotCmap m)
{
    FS_CHECK(rows >= 1 && cols >= 1 && w >= 1 && h >= 1, "plot: heatmap: bad shape");
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cols, rows);
    FS_CHECK(cairo_surface_status(img) == CAIRO_STATUS_SUCCESS, "plot: heatmap %dx%d: %s", rows,
             cols, cairo_status_to_string(cairo_surface_status(img)));
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int i = 0; i < rows; i++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)i * (size_t)stride);
        for (int j = 0; j < cols; j++) {
            PlotRGB p =
                plot_cmap_value(m, (double)v[(size_t)i * (size_t)cols + (size_t)j], vmin, vmax);
            row[j] = 0xFF000000u | (uint32_t)p.r << 16 | (uint32_t)p.g << 8 | (uint32_t)p.b;
        }
    }
    cairo_surface_mark_dirty(img);
    for (int k = 0; k < CANVAS_TARGETS; k++) {
        cairo_t *cr = canvas_cr(c, k);
        cairo_save(cr);
        cairo_rectangle(cr, x, y, w, h);
        cairo_clip(cr);
        cairo_translate(cr, x, y);
        cairo_scale(cr, (double)w / cols, (double)h / rows);
        cairo_set_source_surface(cr, img, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
        cairo_paint(cr);
        cairo_restore(cr);
    }
    cairo_surface_destroy(img);
}

#define CBAR_MAX_TICKS 16

static int colorbar_ticks(double vmin, double vmax, double *t, double *step)
{
    return plot_ticks_linear(vmin, vmax, 5, t, CBAR_MAX_TICKS, step);
}

int plot_colorbar_width(int w, double vmin, double vmax, const char *label)
{
    double t[CBAR_MAX_TICKS], step;
    int n = colorbar_ticks(vmin, vmax, t, &step), lw = 0;
    char buf[64];
    for (int i = 0; i < n; i++) {
        plot_format_tick(t[i], step, buf, sizeof buf);
        int tw = plot_text_width(buf, 1);
        if (tw > lw)
            lw = tw;
    }
    int total = w + 5 + lw;
    int labw = plot_text_width(label, 1);
    return labw > total ? labw : total;
}

/* The colour map's stops (shared with plot_cmap). */
static const CmapStop *cmap_stops(PlotCmap m, int *n)
{
    *n = m == PLOT_CMAP_DIVERGING ? (int)FS_ARRAY_LEN(cmap_diverging)
                                  : (int)FS_ARRAY_LEN(cmap_viridis);
    return m == PLOT_CMAP_DIVERGING ? cmap_diverging : cmap_viridis;
}

int plot_draw_colorbar(PlotCanvas *c, int x, int y, int w, int h, double vmin, double vmax,
                       PlotCmap m, const char *label)
{
    FS_CHECK(h >= 2 && w >= 1, "plot_draw_colorbar: %dx%d", w, h);
    /* A vector gradient through the colour map's stops (the map is linear between them):
     * offset 0 at the top edge (vmax, t = 1), 1 at the bottom edge. */
    int ns;
    const CmapStop *st = cmap_stops(m, &ns);
    cairo_pattern_t *g = cairo_pattern_create_linear(0, y, 0, y + h);
    for (int i = ns - 1; i >= 0; i--)
        cairo_pattern_add_color_stop_rgb(g, 1.0 - st[i].t, st[i].c.r / 255.0, st[i].c.g / 255.0,
                                         st[i].c.b / 255.0);
    for (int k = 0; k < CANVAS_TARGETS; k++) {
        cairo_t *cr = canvas_cr(c, k);
        cairo_save(cr);
        cairo_set_source(cr, g);
        cairo_rectangle(cr, x, y, w, h);
        cairo_fill(cr);
        cairo_restore(cr);
    }
    cairo_pattern_destroy(g);
    draw_rect(c, x - 1, y - 1, w + 2, h + 2, PLOT_GREY);
    double t[CBAR_MAX_TICKS], step;
    int n = colorbar_ticks(vmin, vmax, t, &step);
    char buf[64];
    for (int i = 0; i < n; i++) {
        double u = vmax > vmin ? (t[i] - vmin) / (vmax - vmin) : 0.5;
        int ty = y + (int)lround((1.0 - u) * (h - 1));
        plot_fill_rect(c, x + w, ty, 3, 1, PLOT_BLACK);
        plot_format_tick(t[i], step, buf, sizeof buf);
        plot_draw_text(c, x + w + 5, ty - 4, buf, PLOT_BLACK, 1);
    }
    if (label)
        plot_draw_text(c, x, y - 14, label, PLOT_BLACK, 1);
    return plot_colorbar_width(w, vmin, vmax, label);
}

/* Tick positions for a numeric panel axis over data indices [0, n): values v0 + index. */
static int grid_axis_ticks(int n, double v0, double *t, double *step)
{
    return plot_ticks_linear(v0, v0 + n - 1, 4, t, 8, step);
}

PlotCanvas *plot_heatmap_grid(const PlotGridSpec *s)
{
    FS_CHECK(s->rows >= 1 && s->cols >= 1 && s->ph >= 1 && s->pw >= 1 && s->panels,
             "plot_heatmap_grid: bad spec");
    const int np = s->rows * s->cols;
    size_t plen = (size_t)s->ph * (size_t)s->pw;
    /* Shared colour scale. */
    double lo = 0, hi = 0;
    int any = 0;
    for (int p = 0; p < np; p++) {
        double a, b;
        if (s->panels[p] && plot_finite_range(s->panels[p], plen, &a, &b)) {
            if (!any || a < lo)
                lo = a;
            if (!any || b > hi)
                hi = b;
            any = 1;
        }
    }
    double vmin = s->vmin, vmax = s->vmax;
    if (s->cmap == PLOT_CMAP_DIVERGING && isnan(vmin) && isnan(vmax)) {
        double m = fmax(fabs(lo), fabs(hi));
        vmin = -m;
        vmax = m;
    }
    if (isnan(vmin))
        vmin = lo;
    if (isnan(vmax))
        vmax = hi;
    if (!(vmax > vmin)) { /* constant data: widen so the scale is drawable */
        double d = fabs(vmin) > 0 ? 0.5 * fabs(vmin) : 0.5;
        vmin -= d;
        vmax += d;
    }
    int cell = s->cell_px;
    if (cell <= 0) {
        int big = s->pw > s->ph ? s->pw : s->ph;
        cell = 96 / big;
        if (cell < 1)
            cell = 1;
        if (cell > 16)
            cell = 16;
    }
    const int pw = s->pw * cell, ph = s->ph * cell, gap = 8;
    char buf[64];
    /* Left margin: row labels, y ticks / names, y axis title. */
    int row_lab_w = 0;
    for (int r = 0; s->row_labels && r < s->rows; r++) {
        int w = plot_text_width(s->row_labels[r], 1);
        if (w > row_lab_w)
            row_lab_w = w;
    }
    if (row_lab_w > 160)
        row_lab_w = 160;
    int ytick_w = 0, xtick_h = 0;
    double yt[8], xt[8], ystep = 0, xstep = 0;
    int nyt = 0, nxt = 0;
    if (s->axes == 1) {
        nyt = grid_axis_ticks(s->ph, s->y0, yt, &ystep);
        nxt = grid_axis_ticks(s->pw, s->x0, xt, &xstep);
        for (int i = 0; i < nyt; i++) {
            plot_format_tick(yt[i], ystep, buf, sizeof buf);
            int w = plot_text_width(buf, 1) + 6;
            if (w > ytick_w)
                ytick_w = w;
        }
        xtick_h = PLOT_TEXT_H + 4;
    } else if (s->axes == 2) {
        for (int i = 0; s->y_names && i < s->ph; i++) {
            int w = plot_text_width(s->y_names[i], 1) + 5;
            if (w > ytick_w)
                ytick_w = w;
        }
        if (ytick_w > 100)
            ytick_w = 100;
        for (int i = 0; s->x_names && i < s->pw; i++) {
            int w = plot_text_width(s->x_names[i], 1) + 5;
            if (w > xtick_h)
                xtick_h = w; /* x names are drawn rotated */
        }
        if (xtick_h > 100)
            xtick_h = 100;
    }
    int ylab_w = s->y_label ? PLOT_TEXT_H + 4 : 0;
    int left = 6 + (row_lab_w ? row_lab_w + 8 : 0) + ylab_w + ytick_w;
    int title_h = s->title ? 20 : 4;
    int col_lab_h = s->col_labels ? 2 * (PLOT_TEXT_H + 2) + 4 : 0;
    int top = title_h + col_lab_h + 16; /* 16: room for the colour bar's label */
    int bottom = xtick_h + (s->x_label ? PLOT_TEXT_H + 4 : 0) + 8;
    int grid_w = s->cols * pw + (s->cols - 1) * gap;
    int grid_h = s->rows * ph + (s->rows - 1) * gap;
    int cbar_h = grid_h < 80 ? 80 : grid_h;
    int cbar_x = left + grid_w + 16;
    int width = cbar_x + plot_colorbar_width(12, vmin, vmax, s->cbar_label) + 8;
    int title_w = plot_text_width(s->title, 1) + 12;
    if (width < title_w)
        width = title_w;
    int height = top + (grid_h > cbar_h ? grid_h : cbar_h) + bottom;
    PlotCanvas *c = plot_canvas_create(width, height, PLOT_WHITE);

    if (s->title)
        plot_draw_text(c, 6, 5, s->title, PLOT_BLACK, 1);
    for (int cc = 0; s->col_labels && cc < s->cols; cc++)
        text_box(c, left + cc * (pw + gap), title_h, pw, s->col_labels[cc], PLOT_BLACK, 2);
    for (int r = 0; r < s->rows; r++) {
        int py = top + r * (ph + gap);
        if (s->row_labels) { /* right-aligned, vertically centred, cut to the margin */
            char cut[256];
            text_fit(s->row_labels[r], row_lab_w, cut, sizeof cut);
            text_aligned(c, 6 + row_lab_w, py + ph / 2 - 4, cut, PLOT_BLACK, ALIGN_RIGHT);
        }
        for (int cc = 0; cc < s->cols; cc++) {
            int px = left + cc * (pw + gap);
            const float *d = s->panels[r * s->cols + cc];
            if (d) {
                draw_heatmap(c, px, py, pw, ph, d, s->ph, s->pw, vmin, vmax, s->cmap);
            } else {
                plot_fill_rect(c, px, py, pw, ph, PLOT_LIGHT);
                text_aligned(c, px + pw / 2, py + ph / 2 - 4, "n/a", PLOT_GREY, ALIGN_CENTER);
            }
            draw_rect(c, px - 1, py - 1, pw + 2, ph + 2, PLOT_GREY);
            /* Axes: y on the left column, x on the bottom row. */
            if (cc == 0 && s->axes == 1) {
                for (int i = 0; i < nyt; i++) {
                    int ty = py + (int)((yt[i] - s->y0 + 0.5) * cell);
                    plot_fill_rect(c, px - 4, ty, 3, 1, PLOT_BLACK);
                    plot_format_tick(yt[i], ystep, buf, sizeof buf);
                    text_aligned(c, px - 6, ty - 4, buf, PLOT_BLACK, ALIGN_RIGHT);
                }
            } else if (cc == 0 && s->axes == 2 && s->y_names) {
                for (int i = 0; i < s->ph; i++) {
                    char cut[256];
                    text_fit(s->y_names[i], ytick_w - 5, cut, sizeof cut);
                    int ty = py + i * cell + cell / 2 - 4;
                    text_aligned(c, px - 4, ty, cut, PLOT_BLACK, ALIGN_RIGHT);
                }
            }
            if (r == s->rows - 1 && s->axes == 1) {
                for (int i = 0; i < nxt; i++) {
                    int tx = px + (int)((xt[i] - s->x0 + 0.5) * cell);
                    plot_fill_rect(c, tx, py + ph + 1, 1, 3, PLOT_BLACK);
                    plot_format_tick(xt[i], xstep, buf, sizeof buf);
                    text_aligned(c, tx, py + ph + 5, buf, PLOT_BLACK, ALIGN_CENTER);
                }
            } else if (r == s->rows - 1 && s->axes == 2 && s->x_names) {
                for (int i = 0; i < s->pw; i++) {
                    char cut[256];
                    text_fit(s->x_names[i], xtick_h - 5, cut, sizeof cut);
                    int tx = px + i * cell + cell / 2 - PLOT_TEXT_H / 2;
                    text_up(c, tx, py + ph + 3 + plot_text_width(cut, 1), cut, PLOT_BLACK);
                }
            }
        }
    }
    if (s->y_label)
        text_up(c, 6 + (row_lab_w ? row_lab_w + 8 : 0),
                top + grid_h / 2 + plot_text_width(s->y_label, 1) / 2, s->y_label, PLOT_BLACK);
    if (s->x_label)
        text_aligned(c, left + grid_w / 2, top + grid_h + xtick_h + 4, s->x_label, PLOT_BLACK,
                     ALIGN_CENTER);
    plot_draw_colorbar(c, cbar_x, top, 12, cbar_h, vmin, vmax, s->cmap, s->cbar_label);
    return c;
}

/* ---------------------------------------------------------------- line charts */
typedef struct {
    double lo, hi;
    int log;
    int p0, p1; /* pixel of lo and hi */
} Axis;

static double axis_map(const Axis *a, double v)
{
    double u = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
                      : (v - a->lo) / (a->hi - a->lo);
    return a->p0 + u * (a->p1 - a->p0);
}

static int axis_usable(int log, double v)
{
    return isfinite(v) && (!log || v > 0);
}

/* Data range of the chart along x (which = 0) or y (1); falls back to [0, 1] / [1, 10]. */
static void chart_range(const PlotChart *ch, int which, double *lo, double *hi)
{
    int log = which ? ch->log_y : ch->log_x;
    int any = 0;
    double a = 0, b = 0;
    for (int s = 0; s < ch->n_series; s++) {
        const PlotSeries *se = &ch->series[s];
        for (int i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i];
            if (!axis_usable(ch->log_x, x) || !axis_usable(ch->log_y, y))
                continue;
            double v = which ? y : x;
            if (!any || v < a)
                a = v;
            if (!any || v > b)
                b = v;
            any = 1;
        }
    }
    if (!any) {
        a = log ? 1 : 0;
        b = log ? 10 : 1;
    }
    double fmin = which ? ch->y_min : ch->x_min, fmax_ = which ? ch->y_max : ch->x_max;
    if (!isnan(fmin) && axis_usable(log, fmin))
        a = fmin;
    if (!isnan(fmax_) && axis_usable(log, fmax_))
        b = fmax_;
    if (!(b > a)) {
        if (log) {
            a /= 2;
            b *= 2;
        } else {
            double d = fabs(a) > 0 ? 0.1 * fabs(a) : 0.5;
            a -= d;
            b += d;
        }
    }
    if (log) { /* widen to whole decades when the data spans more than one */
        double la = floor(log10(a)), lb = ceil(log10(b));
        if (lb - la >= 2) {
            if (isnan(fmin))
                a = pow(10, la);
            if (isnan(fmax_))
                b = pow(10, lb);
        }
    } else { /* widen to the enclosing nice ticks */
        double t[32], st;
        plot_ticks_linear(a, b, 6, t, 32, &st);
        if (st > 0) {
            if (isnan(fmin))
                a = floor(a / st + 1e-9) * st;
            if (isnan(fmax_))
                b = ceil(b / st - 1e-9) * st;
        }
    }
    *lo = a;
    *hi = b;
}

static int axis_ticks(const Axis *a, int max_ticks, double *t, int cap, double *step)
{
    if (a->log) {
        *step = 0;
        return plot_ticks_log(a->lo, a->hi, t, cap);
    }
    return plot_ticks_linear(a->lo, a->hi, max_ticks, t, cap, step);
}

void plot_draw_chart(PlotCanvas *c, int x, int y, int w, int h, const PlotChart *ch)
{
    FS_CHECK((ch->n_series == 0 || ch->series), "plot_draw_chart: bad spec");
    Axis ax = {0, 0, ch->log_x, 0, 0}, ay = {0, 0, ch->log_y, 0, 0};
    chart_range(ch, 0, &ax.lo, &ax.hi);
    chart_range(ch, 1, &ay.lo, &ay.hi);
    double yt[32], xt[32], ystep, xstep;
    int nyt = axis_ticks(&ay, 6, yt, 32, &ystep);
    char buf[64];
    int ytw = 0;
    for (int i = 0; i < nyt; i++) {
        plot_format_tick(yt[i], ystep, buf, sizeof buf);
        int tw = plot_text_width(buf, 1);
        if (tw > ytw)
            ytw = tw;
    }
    int left = x + 6 + (ch->y_label ? PLOT_TEXT_H + 4 : 0) + ytw + 6;
    int top = y + (ch->title ? 20 : 6);
    int right = x + w - 10;
    int bottom = y + h - 1 - (PLOT_TEXT_H + 6) - (ch->x_label ? PLOT_TEXT_H + 4 : 0);
    if (right - left < 20 || bottom - top < 20)
        return; /* no room: draw nothing */
    ax.p0 = left;
    ax.p1 = right;
    ay.p0 = bottom;
    ay.p1 = top;
    int max_xt = (right - left) / 40;
    int nxt = axis_ticks(&ax, max_xt < 2 ? 2 : max_xt, xt, 32, &xstep);
    if (ch->title)
        plot_draw_text(c, x + 6, y + 5, ch->title, PLOT_BLACK, 1);
    /* Grid lines and ticks. */
    for (int i = 0; i < nyt; i++) {
        int ty = (int)lround(axis_map(&ay, yt[i]));
        plot_fill_rect(c, left + 1, ty, right - left - 1, 1, PLOT_LIGHT);
        plot_fill_rect(c, left - 3, ty, 3, 1, PLOT_BLACK);
        plot_format_tick(yt[i], ystep, buf, sizeof buf);
        text_aligned(c, left - 5, ty - 4, buf, PLOT_BLACK, ALIGN_RIGHT);
    }
    for (int i = 0; i < nxt; i++) {
        int tx = (int)lround(axis_map(&ax, xt[i]));
        plot_fill_rect(c, tx, top + 1, 1, bottom - top - 1, PLOT_LIGHT);
        plot_fill_rect(c, tx, bottom + 1, 1, 3, PLOT_BLACK);
        plot_format_tick(xt[i], xstep, buf, sizeof buf);
        text_aligned(c, tx, bottom + 5, buf, PLOT_BLACK, ALIGN_CENTER);
    }
    draw_rect(c, left, top, right - left + 1, bottom - top + 1, PLOT_BLACK);
    if (ch->x_label)
        text_aligned(c, (left + right) / 2, bottom + 5 + PLOT_TEXT_H + 3, ch->x_label, PLOT_BLACK,
                     ALIGN_CENTER);
    if (ch->y_label)
        text_up(c, x + 4, (top + bottom) / 2 + plot_text_width(ch->y_label, 1) / 2, ch->y_label,
                PLOT_BLACK);
    /* Series: one antialiased path each (a break starts a new sub-path), clipped to the plot
     * box; markers as small squares. */
    for (int k = 0; k < CANVAS_TARGETS; k++) {
        cairo_t *cr = canvas_cr(c, k);
        cairo_save(cr);
        cairo_rectangle(cr, left + 1, top + 1, right - left - 1, bottom - top - 1);
        cairo_clip(cr);
        cairo_set_line_width(cr, PLOT_SERIES_LW);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        for (int s = 0; s < ch->n_series; s++) {
            const PlotSeries *se = &ch->series[s];
            int have_prev = 0, any = 0;
            for (int i = 0; i < se->n; i++) {
                if (!axis_usable(ch->log_x, se->x[i]) || !axis_usable(ch->log_y, se->y[i])) {
                    have_prev = 0;
                    continue;
                }
                double fx = fmax(-1e4, fmin(1e4, axis_map(&ax, se->x[i])));
                double fy = fmax(-1e4, fmin(1e4, axis_map(&ay, se->y[i])));
                if (!have_prev)
                    cairo_move_to(cr, fx, fy); /* a lone point shows as a dot (round cap) */
                cairo_line_to(cr, fx, fy);
                have_prev = any = 1;
            }
            if (!any)
                continue;
            set_rgb(cr, se->color);
            cairo_stroke(cr);
            if (se->markers) {
                for (int i = 0; i < se->n; i++)
                    if (axis_usable(ch->log_x, se->x[i]) && axis_usable(ch->log_y, se->y[i]))
                        cairo_rectangle(cr, axis_map(&ax, se->x[i]) - 1.5,
                                        axis_map(&ay, se->y[i]) - 1.5, 3, 3);
                cairo_fill(cr);
            }
        }
        cairo_restore(cr);
    }
    /* Legend in the top-right corner. */
    if (ch->legend) {
        int n = 0, lw = 0;
        for (int s = 0; s < ch->n_series; s++) {
            if (!ch->series[s].name)
                continue;
            int tw = plot_text_width(ch->series[s].name, 1);
            if (tw > lw)
                lw = tw;
            n++;
        }
        if (n > 0) {
            int bw = lw + 26, bh = n * (PLOT_TEXT_H + 3) + 5;
            int bx = right - bw - 3, by = top + 4;
            plot_fill_rect(c, bx, by, bw, bh, PLOT_WHITE);
            draw_rect(c, bx, by, bw, bh, PLOT_GREY);
            int k = 0;
            for (int s = 0; s < ch->n_series; s++) {
                if (!ch->series[s].name)
                    continue;
                int ly = by + 4 + k * (PLOT_TEXT_H + 3);
                plot_fill_rect(c, bx + 4, ly + 4, 14, 2, ch->series[s].color);
                plot_draw_text(c, bx + 21, ly, ch->series[s].name, PLOT_BLACK, 1);
                k++;
            }
        }
    }
}

int plot_draw_legend_row(PlotCanvas *c, int x, int y, int w, const PlotSeries *s, int n)
{
    const int line_h = PLOT_TEXT_H + 4, sample = 14, pad = 12;
    int cx = 0, rows = 0;
    for (int i = 0; i < n; i++) {
        if (!s[i].name)
            continue;
        int ew = sample + 4 + plot_text_width(s[i].name, 1);
        if (rows == 0)
            rows = 1;
        if (cx > 0 && cx + ew > w) { /* wrap */
            cx = 0;
            rows++;
        }
        if (c) {
            int ey = y + (rows - 1) * line_h;
            plot_fill_rect(c, x + cx, ey + 4, sample, 2, s[i].color);
            plot_draw_text(c, x + cx + sample + 4, ey, s[i].name, PLOT_BLACK, 1);
        }
        cx += ew + pad;
    }
    return rows * line_h;
}

PlotCanvas *plot_chart(const PlotChart *ch, int w, int h)
{
    PlotCanvas *c = plot_canvas_create(w, h, PLOT_WHITE);
    plot_draw_chart(c, 0, 0, w, h, ch);
    return c;
}

/* ---------------------------------------------------------------- bar charts */
PlotCanvas *plot_bars(const char *title, const char *value_label, int n, const char *const *labels,
                      const double *values, const char *fmt)
{
    FS_CHECK(n >= 0 && (n == 0 || (labels && values && fmt)), "plot_bars: bad arguments");
    int lw = 0;
    double vmax = 0;
    for (int i = 0; i < n; i++) {
        int tw = plot_text_width(labels[i], 1);
        if (tw > lw)
            lw = tw;
        if (isfinite(values[i]) && values[i] > vmax)
            vmax = values[i];
    }
    if (lw > 180)
        lw = 180;
    double t[32], step;
    int nt = plot_ticks_linear(0, vmax > 0 ? vmax : 1, 5, t, 32, &step);
    double top_v = nt > 0 && step > 0 ? ceil((vmax > 0 ? vmax : 1) / step - 1e-9) * step : 1;
    const int bar_h = 14, gap = 6, plot_w = 320;
    int left = 8 + lw + 8, top = title ? 22 : 8;
    int h = top + n * (bar_h + gap) + 40;
    int w = left + plot_w + 90;
    PlotCanvas *c = plot_canvas_create(w, h, PLOT_WHITE);
    if (title)
        plot_draw_text(c, 6, 5, title, PLOT_BLACK, 1);
    int axis_y = top + n * (bar_h + gap);
    char buf[64];
    nt = plot_ticks_linear(0, top_v, 5, t, 32, &step);
    for (int i = 0; i < nt; i++) {
        int tx = left + (int)lround(t[i] / top_v * plot_w);
        plot_fill_rect(c, tx, top, 1, axis_y - top, PLOT_LIGHT);
        plot_fill_rect(c, tx, axis_y, 1, 3, PLOT_BLACK);
        plot_format_tick(t[i], step, buf, sizeof buf);
        text_aligned(c, tx, axis_y + 5, buf, PLOT_BLACK, ALIGN_CENTER);
    }
    plot_fill_rect(c, left, top, 1, axis_y - top + 1, PLOT_BLACK);
    plot_fill_rect(c, left, axis_y, plot_w + 1, 1, PLOT_BLACK);
    for (int i = 0; i < n; i++) {
        int by = top + i * (bar_h + gap) + gap / 2;
        char cut[256];
        text_fit(labels[i], lw, cut, sizeof cut);
        text_aligned(c, left - 6, by + 2, cut, PLOT_BLACK, ALIGN_RIGHT);
        double v = isfinite(values[i]) && values[i] > 0 ? values[i] : 0;
        int bw = (int)lround(v / top_v * plot_w);
        plot_fill_rect(c, left + 1, by, bw, bar_h, plot_palette(0));
        /* fmt is the caller's value format, e.g. "%.2f h" */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(buf, sizeof buf, fmt, values[i]);
#pragma GCC diagnostic pop
        plot_draw_text(c, left + bw + 5, by + 2, buf, PLOT_BLACK, 1);
    }
    if (value_label)
        text_aligned(c, left + plot_w / 2, axis_y + 5 + PLOT_TEXT_H + 4, value_label, PLOT_BLACK,
                     ALIGN_CENTER);
    return c;
}
