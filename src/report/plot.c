/* plot.c: canvas, primitives, bitmap text, colour maps, ticks, heatmap grids, line and bar
 * charts. See plot.h for the contract. No state outside the arguments. */
#include "plot.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- font */
/* Printable ASCII 32..126, each glyph 8 rows of 5 columns ('#' = ink), rows top to bottom;
 * row 6 is the baseline row, row 7 holds descenders (g, j, p, q, y, ',', '_'). */
// clang-format off
static const char plot_font[95][PLOT_GLYPH_W * PLOT_GLYPH_H + 1] = {
    /* ' ' */ "....." "....." "....." "....." "....." "....." "....." ".....",
    /* '!' */ "..#.." "..#.." "..#.." "..#.." "..#.." "....." "..#.." ".....",
    /* '"' */ ".#.#." ".#.#." ".#.#." "....." "....." "....." "....." ".....",
    /* '#' */ ".#.#." ".#.#." "#####" ".#.#." "#####" ".#.#." ".#.#." ".....",
    /* '$' */ "..#.." ".####" "#.#.." ".###." "..#.#" "####." "..#.." ".....",
    /* '%' */ "##..." "##..#" "...#." "..#.." ".#..." "#..##" "...##" ".....",
    /* '&' */ ".##.." "#..#." "#.#.." ".#..." "#.#.#" "#..#." ".##.#" ".....",
    /* '\'' */ "..#.." "..#.." ".#..." "....." "....." "....." "....." ".....",
    /* '(' */ "...#." "..#.." ".#..." ".#..." ".#..." "..#.." "...#." ".....",
    /* ')' */ ".#..." "..#.." "...#." "...#." "...#." "..#.." ".#..." ".....",
    /* '*' */ "....." "..#.." "#.#.#" ".###." "#.#.#" "..#.." "....." ".....",
    /* '+' */ "....." "...#." "...#." ".####" "#..#." "...#." "....." ".....",
    /* ',' */ "....." "....." "....." "....." "....." ".##.." "..#.." ".#...",
    /* '-' */ "....." "....." "....." "#####" "....." "....." "....." ".....",
    /* '.' */ "....." "....." "....." "....." "....." "....." "##..." "##...",
    /* '/' */ "....." "....#" "...#." "..#.." ".#..." "#...." "....." ".....",
    /* '0' */ ".###." "#...#" "#..##" "#.#.#" "##..#" "#...#" ".###." ".....",
    /* '1' */ "..#.." ".##.." "..#.." "..#.." "..#.." "..#.." ".###." ".....",
    /* '2' */ ".###." "#...#" "....#" "...#." "..#.." ".#..." "#####" ".....",
    /* '3' */ "#####" "...#." "..#.." "...#." "....#" "#...#" ".###." ".....",
    /* '4' */ "...#." "..##." ".#.#." "#..#." "#####" "...#." "...#." ".....",
    /* '5' */ "#####" "#...." "####." "....#" "....#" "#...#" ".###." ".....",
    /* '6' */ "..##." ".#..." "#...." "####." "#...#" "#...#" ".###." ".....",
    /* '7' */ "#####" "....#" "...#." "..#.." ".#..." ".#..." ".#..." ".....",
    /* '8' */ ".###." "#...#" "#...#" ".###." "#...#" "#...#" ".###." ".....",
    /* '9' */ ".###." "#...#" "#...#" ".####" "....#" "...#." ".##.." ".....",
    /* ':' */ "....." ".##.." ".##.." "....." "..##." "..##." "....." ".....",
    /* ';' */ "....." ".##.." ".##.." "....." "..##." "...#." "..#.." ".....",
    /* '<' */ "...#." "..#.." ".#..." "#...." ".#..." "..#.." "...#." ".....",
    /* '=' */ "....." "....." "#####" "....." "#####" "....." "....." ".....",
    /* '>' */ ".#..." "..#.." "...#." "....#" "...#." "..#.." ".#..." ".....",
    /* '?' */ ".###." "#...#" "....#" "...#." "..#.." "....." "..#.." ".....",
    /* '@' */ ".###." "#...#" "....#" ".##.#" "#.#.#" "#.#.#" ".###." ".....",
    /* 'A' */ ".###." "#...#" "#...#" "#####" "#...#" "#...#" "#...#" ".....",
    /* 'B' */ "####." "#...#" "#...#" "####." "#...#" "#...#" "####." ".....",
    /* 'C' */ ".###." "#...#" "#...." "#...." "#...." "#...#" ".###." ".....",
    /* 'D' */ "###.." "#..#." "#...#" "#...#" "#...#" "#..#." "###.." ".....",
    /* 'E' */ "#####" "#...." "#...." "####." "#...." "#...." "#####" ".....",
    /* 'F' */ "#####" "#...." "#...." "####." "#...." "#...." "#...." ".....",
    /* 'G' */ ".###." "#...#" "#...." "#.###" "#...#" "#...#" ".####" ".....",
    /* 'H' */ "#...#" "#...#" "#...#" "#####" "#...#" "#...#" "#...#" ".....",
    /* 'I' */ ".###." "..#.." "..#.." "..#.." "..#.." "..#.." ".###." ".....",
    /* 'J' */ "..###" "...#." "...#." "...#." "...#." "#..#." ".##.." ".....",
    /* 'K' */ "#...#" "#..#." "#.#.." "##..." "#.#.." "#..#." "#...#" ".....",
    /* 'L' */ "#...." "#...." "#...." "#...." "#...." "#...." "#####" ".....",
    /* 'M' */ "#...#" "##.##" "#.#.#" "#.#.#" "#...#" "#...#" "#...#" ".....",
    /* 'N' */ "#...#" "#...#" "##..#" "#.#.#" "#..##" "#...#" "#...#" ".....",
    /* 'O' */ ".###." "#...#" "#...#" "#...#" "#...#" "#...#" ".###." ".....",
    /* 'P' */ "####." "#...#" "#...#" "####." "#...." "#...." "#...." ".....",
    /* 'Q' */ ".###." "#...#" "#...#" "#...#" "#.#.#" "#..#." ".##.#" ".....",
    /* 'R' */ "####." "#...#" "#...#" "####." "#.#.." "#..#." "#...#" ".....",
    /* 'S' */ ".####" "#...." "#...." ".###." "....#" "....#" "####." ".....",
    /* 'T' */ "#####" "..#.." "..#.." "..#.." "..#.." "..#.." "..#.." ".....",
    /* 'U' */ "#...#" "#...#" "#...#" "#...#" "#...#" "#...#" ".###." ".....",
    /* 'V' */ "#...#" "#...#" "#...#" "#...#" "#...#" ".#.#." "..#.." ".....",
    /* 'W' */ "#...#" "#...#" "#...#" "#.#.#" "#.#.#" "#.#.#" ".#.#." ".....",
    /* 'X' */ "#...#" "#...#" ".#.#." "..#.." ".#.#." "#...#" "#...#" ".....",
    /* 'Y' */ "#...#" "#...#" ".#.#." "..#.." "..#.." "..#.." "..#.." ".....",
    /* 'Z' */ "#####" "....#" "...#." "..#.." ".#..." "#...." "#####" ".....",
    /* '[' */ ".###." ".#..." ".#..." ".#..." ".#..." ".#..." ".###." ".....",
    /* '\\' */ "....." "#...." ".#..." "..#.." "...#." "....#" "....." ".....",
    /* ']' */ ".###." "...#." "...#." "...#." "...#." "...#." ".###." ".....",
    /* '^' */ "..#.." ".#.#." "#...#" "....." "....." "....." "....." ".....",
    /* '_' */ "....." "....." "....." "....." "....." "....." "....." "#####",
    /* '`' */ ".#..." "..#.." "....." "....." "....." "....." "....." ".....",
    /* 'a' */ "....." "....." ".###." "....#" ".####" "#...#" ".####" ".....",
    /* 'b' */ "#...." "#...." "#.##." "##..#" "#...#" "#...#" "####." ".....",
    /* 'c' */ "....." "....." ".###." "#...." "#...." "#...#" ".###." ".....",
    /* 'd' */ "....#" "....#" ".##.#" "#..##" "#...#" "#...#" ".####" ".....",
    /* 'e' */ "....." "....." ".###." "#...#" "#####" "#...." ".###." ".....",
    /* 'f' */ "..##." ".#..#" ".#..." "###.." ".#..." ".#..." ".#..." ".....",
    /* 'g' */ "....." "....." ".####" "#...#" "#...#" ".####" "....#" ".###.",
    /* 'h' */ "#...." "#...." "#.##." "##..#" "#...#" "#...#" "#...#" ".....",
    /* 'i' */ "..#.." "....." ".##.." "..#.." "..#.." "..#.." ".###." ".....",
    /* 'j' */ "...#." "....." "..##." "...#." "...#." "...#." "#..#." ".##..",
    /* 'k' */ "#...." "#...." "#..#." "#.#.." "##..." "#.#.." "#..#." ".....",
    /* 'l' */ ".##.." "..#.." "..#.." "..#.." "..#.." "..#.." ".###." ".....",
    /* 'm' */ "....." "....." "##.#." "#.#.#" "#.#.#" "#...#" "#...#" ".....",
    /* 'n' */ "....." "....." "#.##." "##..#" "#...#" "#...#" "#...#" ".....",
    /* 'o' */ "....." "....." ".###." "#...#" "#...#" "#...#" ".###." ".....",
    /* 'p' */ "....." "....." "####." "#...#" "#...#" "####." "#...." "#....",
    /* 'q' */ "....." "....." ".####" "#...#" "#...#" ".####" "....#" "....#",
    /* 'r' */ "....." "....." "#.##." "##..#" "#...." "#...." "#...." ".....",
    /* 's' */ "....." "....." ".####" "#...." ".###." "....#" "####." ".....",
    /* 't' */ ".#..." ".#..." "###.." ".#..." ".#..." ".#..#" "..##." ".....",
    /* 'u' */ "....." "....." "#...#" "#...#" "#...#" "#..##" ".##.#" ".....",
    /* 'v' */ "....." "....." "#...#" "#...#" "#...#" ".#.#." "..#.." ".....",
    /* 'w' */ "....." "....." "#...#" "#...#" "#.#.#" "#.#.#" ".#.#." ".....",
    /* 'x' */ "....." "....." "#...#" ".#.#." "..#.." ".#.#." "#...#" ".....",
    /* 'y' */ "....." "....." "#...#" "#...#" "#...#" ".####" "....#" ".###.",
    /* 'z' */ "....." "....." "#####" "...#." "..#.." ".#..." "#####" ".....",
    /* '{' */ "...#." "..#.." "..#.." ".#..." "..#.." "..#.." "...#." ".....",
    /* '|' */ "..#.." "..#.." "..#.." "..#.." "..#.." "..#.." "..#.." ".....",
    /* '}' */ ".#..." "..#.." "..#.." "...#." "..#.." "..#.." ".#..." ".....",
    /* '~' */ "....." "....." ".#..." "#.#.#" "...#." "....." "....." ".....",
};
// clang-format on

int plot_font_has(int ch)
{
    return ch >= 32 && ch <= 126;
}

/* Glyph for the next character of s; advances *s past it (a whole UTF-8 sequence counts as
 * one character and draws as '?'). */
static const char *text_next_glyph(const char **s)
{
    unsigned char ch = (unsigned char)**s;
    (*s)++;
    if (ch >= 0x80) {
        while ((**s & 0xC0) == 0x80)
            (*s)++;
        ch = '?';
    } else if (!plot_font_has(ch)) {
        ch = ch == '\t' || ch == '\n' || ch == '\r' ? ' ' : '?';
    }
    return plot_font[ch - 32];
}

static int text_glyph_count(const char *s)
{
    int n = 0;
    while (*s) {
        text_next_glyph(&s);
        n++;
    }
    return n;
}

int plot_text_width(const char *s, int scale)
{
    int n = s ? text_glyph_count(s) : 0;
    return n ? (n * PLOT_CHAR_ADV - 1) * scale : 0;
}

int plot_text_height(int scale)
{
    return PLOT_GLYPH_H * scale;
}

/* ---------------------------------------------------------------- canvas */
PlotCanvas *plot_canvas_create(int w, int h, PlotRGB bg)
{
    FS_CHECK(w >= 1 && h >= 1 && w <= 16384 && h <= 16384, "plot: canvas %dx%d out of range", w, h);
    PlotCanvas *c = xmalloc(sizeof *c);
    c->w = w;
    c->h = h;
    size_t n = fs_mul_size(fs_mul_size((size_t)w, (size_t)h, "canvas"), 3, "canvas");
    c->px = xmalloc(n);
    for (size_t i = 0; i < n; i += 3) {
        c->px[i] = bg.r;
        c->px[i + 1] = bg.g;
        c->px[i + 2] = bg.b;
    }
    return c;
}

void plot_canvas_destroy(PlotCanvas *c)
{
    if (!c)
        return;
    free(c->px);
    free(c);
}

PlotRGB plot_get(const PlotCanvas *c, int x, int y)
{
    FS_CHECK(x >= 0 && y >= 0 && x < c->w && y < c->h, "plot_get: (%d, %d) outside %dx%d", x, y,
             c->w, c->h);
    const uint8_t *p = c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 3;
    return (PlotRGB){p[0], p[1], p[2]};
}

void plot_set(PlotCanvas *c, int x, int y, PlotRGB col)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return;
    uint8_t *p = c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 3;
    p[0] = col.r;
    p[1] = col.g;
    p[2] = col.b;
}

void plot_fill_rect(PlotCanvas *c, int x, int y, int w, int h, PlotRGB col)
{
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > c->w ? c->w : x + w, y1 = y + h > c->h ? c->h : y + h;
    for (int j = y0; j < y1; j++)
        for (int i = x0; i < x1; i++)
            plot_set(c, i, j, col);
}

void plot_draw_rect(PlotCanvas *c, int x, int y, int w, int h, PlotRGB col)
{
    if (w <= 0 || h <= 0)
        return;
    plot_fill_rect(c, x, y, w, 1, col);
    plot_fill_rect(c, x, y + h - 1, w, 1, col);
    plot_fill_rect(c, x, y, 1, h, col);
    plot_fill_rect(c, x + w - 1, y, 1, h, col);
}

void plot_draw_line(PlotCanvas *c, int x0, int y0, int x1, int y1, PlotRGB col, int thick)
{
    FS_CHECK(thick >= 1, "plot_draw_line: thickness %d", thick);
    /* Bresenham; each point stamps a thick x thick square centred on the ideal pixel. */
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy, off = (thick - 1) / 2;
    for (;;) {
        plot_fill_rect(c, x0 - off, y0 - off, thick, thick, col);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void plot_blit(PlotCanvas *c, const PlotCanvas *src, int x, int y)
{
    for (int j = 0; j < src->h; j++)
        for (int i = 0; i < src->w; i++)
            plot_set(c, x + i, y + j, plot_get(src, i, j));
}

/* ---------------------------------------------------------------- text */
int plot_draw_text(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, int scale)
{
    FS_CHECK(scale >= 1, "plot_draw_text: scale %d", scale);
    if (!s)
        return 0;
    int pen = x;
    while (*s) {
        const char *g = text_next_glyph(&s);
        for (int r = 0; r < PLOT_GLYPH_H; r++)
            for (int q = 0; q < PLOT_GLYPH_W; q++)
                if (g[r * PLOT_GLYPH_W + q] == '#')
                    plot_fill_rect(c, pen + q * scale, y + r * scale, scale, scale, col);
        pen += PLOT_CHAR_ADV * scale;
    }
    return pen > x ? pen - x - scale : 0;
}

void plot_draw_text_aligned(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, int scale,
                            PlotAlign align)
{
    int w = plot_text_width(s, scale);
    int x0 = align == PLOT_ALIGN_CENTER ? x - w / 2 : align == PLOT_ALIGN_RIGHT ? x - w + 1 : x;
    plot_draw_text(c, x0, y, s, col, scale);
}

void plot_draw_text_up(PlotCanvas *c, int x, int y, const char *s, PlotRGB col, int scale)
{
    FS_CHECK(scale >= 1, "plot_draw_text_up: scale %d", scale);
    if (!s)
        return;
    int pen = 0;
    while (*s) {
        const char *g = text_next_glyph(&s);
        for (int r = 0; r < PLOT_GLYPH_H; r++)
            for (int q = 0; q < PLOT_GLYPH_W; q++)
                if (g[r * PLOT_GLYPH_W + q] == '#') /* glyph top faces left */
                    plot_fill_rect(c, x + r * scale, y - (pen + q + 1) * scale + 1, scale, scale,
                                   col);
        pen += PLOT_CHAR_ADV;
    }
}

int plot_draw_text_box(PlotCanvas *c, int x, int y, int w, const char *s, PlotRGB col,
                       int max_lines)
{
    if (!s || !*s || max_lines < 1)
        return 0;
    int per_line = (w + 1) / PLOT_CHAR_ADV; /* glyphs that fit in w */
    if (per_line < 1)
        per_line = 1;
    size_t n = strlen(s);
    char *line = xmalloc(n + 2);
    const char *p = s;
    int lines = 0;
    while (*p && lines < max_lines) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        /* Take up to per_line glyphs; prefer breaking at the last space. */
        const char *q = p, *brk = NULL;
        int k = 0;
        while (*q && k < per_line) {
            if (*q == ' ')
                brk = q; /* break before a space ... */
            else if (k < per_line - 1 && q > p && strchr("+/_-,", *q))
                brk = q + 1; /* ... or after a separator that still fits */
            text_next_glyph(&q);
            k++;
        }
        const char *end = q;
        if (*q && *q != ' ' && brk && brk > p)
            end = brk;
        size_t len = (size_t)(end - p);
        memcpy(line, p, len);
        line[len] = 0;
        p = end;
        if (lines == max_lines - 1 && *p) { /* last line and text left: mark the cut */
            while (*p == ' ')
                p++;
            if (*p) {
                if (text_glyph_count(line) >= per_line && len > 0)
                    len--;
                while (len > 0 && ((unsigned char)line[len] & 0xC0) == 0x80)
                    len--;
                line[len] = '~';
                line[len + 1] = 0;
            }
        }
        plot_draw_text_aligned(c, x + w / 2, y + lines * (PLOT_GLYPH_H + 2), line, col, 1,
                               PLOT_ALIGN_CENTER);
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

void plot_draw_heatmap(PlotCanvas *c, int x, int y, int w, int h, const float *v, int rows,
                       int cols, double vmin, double vmax, PlotCmap m)
{
    FS_CHECK(rows >= 1 && cols >= 1 && w >= 1 && h >= 1, "plot_draw_heatmap: bad shape");
    for (int i = 0; i < rows; i++) {
        int y0 = y + (int)((long)i * h / rows), y1 = y + (int)((long)(i + 1) * h / rows);
        for (int j = 0; j < cols; j++) {
            int x0 = x + (int)((long)j * w / cols), x1 = x + (int)((long)(j + 1) * w / cols);
            PlotRGB col =
                plot_cmap_value(m, (double)v[(size_t)i * (size_t)cols + (size_t)j], vmin, vmax);
            plot_fill_rect(c, x0, y0, x1 - x0, y1 - y0, col);
        }
    }
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
    int total = w + 4 + lw;
    int labw = plot_text_width(label, 1);
    return labw > total ? labw : total;
}

int plot_draw_colorbar(PlotCanvas *c, int x, int y, int w, int h, double vmin, double vmax,
                       PlotCmap m, const char *label)
{
    FS_CHECK(h >= 2 && w >= 1, "plot_draw_colorbar: %dx%d", w, h);
    for (int j = 0; j < h; j++) /* top row = vmax = colour map's t = 1 */
        plot_fill_rect(c, x, y + j, w, 1, plot_cmap(m, 1.0 - (double)j / (h - 1)));
    plot_draw_rect(c, x - 1, y - 1, w + 2, h + 2, PLOT_GREY);
    double t[CBAR_MAX_TICKS], step;
    int n = colorbar_ticks(vmin, vmax, t, &step);
    char buf[64];
    for (int i = 0; i < n; i++) {
        double u = vmax > vmin ? (t[i] - vmin) / (vmax - vmin) : 0.5;
        int ty = y + (int)lround((1.0 - u) * (h - 1));
        plot_fill_rect(c, x + w, ty, 3, 1, PLOT_BLACK);
        plot_format_tick(t[i], step, buf, sizeof buf);
        plot_draw_text(c, x + w + 4, ty - 3, buf, PLOT_BLACK, 1);
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
            int w = plot_text_width(buf, 1) + 5;
            if (w > ytick_w)
                ytick_w = w;
        }
        xtick_h = 12;
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
    int ylab_w = s->y_label ? 12 : 0;
    int left = 6 + (row_lab_w ? row_lab_w + 8 : 0) + ylab_w + ytick_w;
    int title_h = s->title ? 18 : 4;
    int col_lab_h = s->col_labels ? 2 * (PLOT_GLYPH_H + 2) + 4 : 0;
    int top = title_h + col_lab_h + 16; /* 16: room for the colour bar's label */
    int bottom = xtick_h + (s->x_label ? 12 : 0) + 8;
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
        plot_draw_text_box(c, left + cc * (pw + gap), title_h, pw, s->col_labels[cc], PLOT_BLACK,
                           2);
    for (int r = 0; r < s->rows; r++) {
        int py = top + r * (ph + gap);
        if (s->row_labels) {
            /* Right-aligned, vertically centred, cut to the margin. */
            const char *lab = s->row_labels[r];
            int max_chars = (row_lab_w + 1) / PLOT_CHAR_ADV;
            char cut[64];
            fs_snprintf(cut, sizeof cut, "%.*s", max_chars < 63 ? max_chars : 63, lab ? lab : "");
            plot_draw_text_aligned(c, 6 + row_lab_w - 1, py + ph / 2 - 4, cut, PLOT_BLACK, 1,
                                   PLOT_ALIGN_RIGHT);
        }
        for (int cc = 0; cc < s->cols; cc++) {
            int px = left + cc * (pw + gap);
            const float *d = s->panels[r * s->cols + cc];
            if (d) {
                plot_draw_heatmap(c, px, py, pw, ph, d, s->ph, s->pw, vmin, vmax, s->cmap);
            } else {
                plot_fill_rect(c, px, py, pw, ph, PLOT_LIGHT);
                plot_draw_text_aligned(c, px + pw / 2, py + ph / 2 - 4, "n/a", PLOT_GREY, 1,
                                       PLOT_ALIGN_CENTER);
            }
            plot_draw_rect(c, px - 1, py - 1, pw + 2, ph + 2, PLOT_GREY);
            /* Axes: y on the left column, x on the bottom row. */
            if (cc == 0 && s->axes == 1) {
                for (int i = 0; i < nyt; i++) {
                    int ty = py + (int)((yt[i] - s->y0 + 0.5) * cell);
                    plot_fill_rect(c, px - 4, ty, 3, 1, PLOT_BLACK);
                    plot_format_tick(yt[i], ystep, buf, sizeof buf);
                    plot_draw_text_aligned(c, px - 6, ty - 3, buf, PLOT_BLACK, 1, PLOT_ALIGN_RIGHT);
                }
            } else if (cc == 0 && s->axes == 2 && s->y_names) {
                for (int i = 0; i < s->ph; i++) {
                    char cut[24];
                    fs_snprintf(cut, sizeof cut, "%.16s", s->y_names[i]);
                    int ty = py + i * cell + cell / 2 - 3;
                    plot_draw_text_aligned(c, px - 4, ty, cut, PLOT_BLACK, 1, PLOT_ALIGN_RIGHT);
                }
            }
            if (r == s->rows - 1 && s->axes == 1) {
                for (int i = 0; i < nxt; i++) {
                    int tx = px + (int)((xt[i] - s->x0 + 0.5) * cell);
                    plot_fill_rect(c, tx, py + ph + 1, 1, 3, PLOT_BLACK);
                    plot_format_tick(xt[i], xstep, buf, sizeof buf);
                    plot_draw_text_aligned(c, tx, py + ph + 5, buf, PLOT_BLACK, 1,
                                           PLOT_ALIGN_CENTER);
                }
            } else if (r == s->rows - 1 && s->axes == 2 && s->x_names) {
                for (int i = 0; i < s->pw; i++) {
                    char cut[24];
                    fs_snprintf(cut, sizeof cut, "%.16s", s->x_names[i]);
                    int tx = px + i * cell + cell / 2 - 4;
                    plot_draw_text_up(c, tx, py + ph + 3 + plot_text_width(cut, 1), cut, PLOT_BLACK,
                                      1);
                }
            }
        }
    }
    if (s->y_label)
        plot_draw_text_up(c, 6 + (row_lab_w ? row_lab_w + 8 : 0),
                          top + grid_h / 2 + plot_text_width(s->y_label, 1) / 2, s->y_label,
                          PLOT_BLACK, 1);
    if (s->x_label)
        plot_draw_text_aligned(c, left + grid_w / 2, top + grid_h + xtick_h + 4, s->x_label,
                               PLOT_BLACK, 1, PLOT_ALIGN_CENTER);
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
    int left = x + 6 + (ch->y_label ? 12 : 0) + ytw + 6;
    int top = y + (ch->title ? 18 : 6);
    int right = x + w - 10;
    int bottom = y + h - 1 - 14 - (ch->x_label ? 12 : 0);
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
        plot_draw_text_aligned(c, left - 5, ty - 3, buf, PLOT_BLACK, 1, PLOT_ALIGN_RIGHT);
    }
    for (int i = 0; i < nxt; i++) {
        int tx = (int)lround(axis_map(&ax, xt[i]));
        plot_fill_rect(c, tx, top + 1, 1, bottom - top - 1, PLOT_LIGHT);
        plot_fill_rect(c, tx, bottom + 1, 1, 3, PLOT_BLACK);
        plot_format_tick(xt[i], xstep, buf, sizeof buf);
        plot_draw_text_aligned(c, tx, bottom + 5, buf, PLOT_BLACK, 1, PLOT_ALIGN_CENTER);
    }
    plot_draw_rect(c, left, top, right - left + 1, bottom - top + 1, PLOT_BLACK);
    if (ch->x_label)
        plot_draw_text_aligned(c, (left + right) / 2, bottom + 17, ch->x_label, PLOT_BLACK, 1,
                               PLOT_ALIGN_CENTER);
    if (ch->y_label)
        plot_draw_text_up(c, x + 4, (top + bottom) / 2 + plot_text_width(ch->y_label, 1) / 2,
                          ch->y_label, PLOT_BLACK, 1);
    /* Series, clipped to the plot box by drawing into a sub-canvas. */
    PlotCanvas *sub = plot_canvas_create(right - left - 1, bottom - top - 1, PLOT_WHITE);
    for (int j = 0; j < sub->h; j++)
        for (int i = 0; i < sub->w; i++)
            plot_set(sub, i, j, plot_get(c, left + 1 + i, top + 1 + j));
    for (int s = 0; s < ch->n_series; s++) {
        const PlotSeries *se = &ch->series[s];
        int have_prev = 0, px = 0, py = 0;
        for (int i = 0; i < se->n; i++) {
            if (!axis_usable(ch->log_x, se->x[i]) || !axis_usable(ch->log_y, se->y[i])) {
                have_prev = 0;
                continue;
            }
            double fx = axis_map(&ax, se->x[i]) - (left + 1),
                   fy = axis_map(&ay, se->y[i]) - (top + 1);
            fx = fmax(-1e4, fmin(1e4, fx));
            fy = fmax(-1e4, fmin(1e4, fy));
            int qx = (int)lround(fx), qy = (int)lround(fy);
            if (have_prev)
                plot_draw_line(sub, px, py, qx, qy, se->color, 2);
            if (se->markers)
                plot_fill_rect(sub, qx - 1, qy - 1, 3, 3, se->color);
            else if (!have_prev)
                plot_fill_rect(sub, qx - 1, qy - 1, 2, 2, se->color);
            px = qx;
            py = qy;
            have_prev = 1;
        }
    }
    plot_blit(c, sub, left + 1, top + 1);
    plot_canvas_destroy(sub);
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
            int bw = lw + 26, bh = n * 11 + 5;
            int bx = right - bw - 3, by = top + 4;
            plot_fill_rect(c, bx, by, bw, bh, PLOT_WHITE);
            plot_draw_rect(c, bx, by, bw, bh, PLOT_GREY);
            int k = 0;
            for (int s = 0; s < ch->n_series; s++) {
                if (!ch->series[s].name)
                    continue;
                int ly = by + 4 + k * 11;
                plot_fill_rect(c, bx + 4, ly + 3, 14, 2, ch->series[s].color);
                plot_draw_text(c, bx + 21, ly, ch->series[s].name, PLOT_BLACK, 1);
                k++;
            }
        }
    }
}

int plot_draw_legend_row(PlotCanvas *c, int x, int y, int w, const PlotSeries *s, int n)
{
    const int line_h = PLOT_GLYPH_H + 4, sample = 14, pad = 12;
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
            plot_fill_rect(c, x + cx, ey + 3, sample, 2, s[i].color);
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
        plot_draw_text_aligned(c, tx, axis_y + 5, buf, PLOT_BLACK, 1, PLOT_ALIGN_CENTER);
    }
    plot_fill_rect(c, left, top, 1, axis_y - top + 1, PLOT_BLACK);
    plot_fill_rect(c, left, axis_y, plot_w + 1, 1, PLOT_BLACK);
    for (int i = 0; i < n; i++) {
        int by = top + i * (bar_h + gap) + gap / 2;
        char cut[40];
        fs_snprintf(cut, sizeof cut, "%.*s",
                    (lw + 1) / PLOT_CHAR_ADV < 39 ? (lw + 1) / PLOT_CHAR_ADV : 39,
                    labels[i] ? labels[i] : "");
        plot_draw_text_aligned(c, left - 6, by + 3, cut, PLOT_BLACK, 1, PLOT_ALIGN_RIGHT);
        double v = isfinite(values[i]) && values[i] > 0 ? values[i] : 0;
        int bw = (int)lround(v / top_v * plot_w);
        plot_fill_rect(c, left + 1, by, bw, bar_h, plot_palette(0));
        /* fmt is the caller's value format, e.g. "%.2f h" */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(buf, sizeof buf, fmt, values[i]);
#pragma GCC diagnostic pop
        plot_draw_text(c, left + bw + 5, by + 3, buf, PLOT_BLACK, 1);
    }
    if (value_label)
        plot_draw_text_aligned(c, left + plot_w / 2, axis_y + 18, value_label, PLOT_BLACK, 1,
                               PLOT_ALIGN_CENTER);
    return c;
}
