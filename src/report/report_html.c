/* report_html.c: the self-contained HTML writer behind `fsweep report`; see report_html.h. */
#include "report_html.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_escape(FsBuf *b, const char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fsbuf_printf(b, "&amp;");
            break;
        case '<':
            fsbuf_printf(b, "&lt;");
            break;
        case '>':
            fsbuf_printf(b, "&gt;");
            break;
        case '"':
            fsbuf_printf(b, "&quot;");
            break;
        case '\'':
            fsbuf_printf(b, "&#39;");
            break;
        default:
            fsbuf_printf(b, "%c", *s);
        }
    }
}

void html_base64(FsBuf *b, const uint8_t *data, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t out = (n + 2) / 3 * 4;
    if (b->len + out + 1 > b->cap) { /* one growth instead of a printf per quartet */
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + out + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    char *p = b->s + b->len;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        *p++ = tab[v >> 18 & 63];
        *p++ = tab[v >> 12 & 63];
        *p++ = tab[v >> 6 & 63];
        *p++ = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)data[i] << 16 | (i + 1 < n ? (uint32_t)data[i + 1] << 8 : 0);
        *p++ = tab[v >> 18 & 63];
        *p++ = tab[v >> 12 & 63];
        *p++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *p++ = '=';
    }
    *p = 0;
    b->len += out;
}

static const char html_css[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}"
    "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}"
    "table{border-collapse:collapse;margin:.6em 0 1.2em}caption{text-align:left;font-weight:bold;"
    "padding:.3em 0}th,td{border:1px solid #bbb;padding:.15em .5em}th{background:#eee}"
    "td.num{text-align:right;font-family:monospace}td.hl{background:#ffe08a}"
    "td.strong{background:#f4a261;font-weight:bold}td.warn{background:#f6d5d5;color:#800}"
    "figure{margin:.8em 0 1.4em}figure img{max-width:100%;height:auto}"
    "figcaption{font-size:.9em;color:#444}"
    ".note{color:#666;font-size:.9em}.toc li{margin:.1em 0}";

void html_begin(HtmlDoc *d, const char *title)
{
    memset(d, 0, sizeof *d);
    fsbuf_printf(&d->b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                        "<title>");
    html_escape(&d->b, title);
    fsbuf_printf(&d->b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", html_css);
    html_escape(&d->b, title);
    fsbuf_printf(&d->b, "</h1>\n");
}

void html_end(HtmlDoc *d)
{
    FS_CHECK(!d->in_table, "html_end: table left open");
    fsbuf_printf(&d->b, "</body>\n</html>\n");
}

void html_free(HtmlDoc *d)
{
    fsbuf_free(&d->b);
}

FsStatus html_save(const HtmlDoc *d, const char *path)
{
    return fs_write_file_atomic(path, d->b.s ? d->b.s : "", d->b.len);
}

void html_heading(HtmlDoc *d, int level, const char *id, const char *text)
{
    FS_CHECK(level >= 1 && level <= 6, "html_heading: level %d", level);
    fsbuf_printf(&d->b, "<h%d", level);
    if (id) {
        fsbuf_printf(&d->b, " id=\"");
        html_escape(&d->b, id);
        fsbuf_printf(&d->b, "\"");
    }
    fsbuf_printf(&d->b, ">");
    html_escape(&d->b, text);
    fsbuf_printf(&d->b, "</h%d>\n", level);
}

static void html_vpara(HtmlDoc *d, const char *cls, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    FS_CHECK(n >= 0, "html_para: bad format");
    char *s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    fsbuf_printf(&d->b, cls ? "<p class=\"%s\">" : "<p>", cls);
    html_escape(&d->b, s);
    fsbuf_printf(&d->b, "</p>\n");
    free(s);
}

void html_para(HtmlDoc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    html_vpara(d, NULL, fmt, ap);
    va_end(ap);
}

void html_note(HtmlDoc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    html_vpara(d, "note", fmt, ap);
    va_end(ap);
}

void html_raw(HtmlDoc *d, const char *html)
{
    fsbuf_printf(&d->b, "%s", html);
}

/* " (<a href=FILE>LABEL</a>)" */
static void html_file_link(HtmlDoc *d, const char *file, const char *label)
{
    fsbuf_printf(&d->b, " (<a href=\"");
    html_escape(&d->b, file);
    fsbuf_printf(&d->b, "\">");
    html_escape(&d->b, label);
    fsbuf_printf(&d->b, "</a>)");
}

void html_image_png(HtmlDoc *d, const uint8_t *png, size_t len, int w, int h, const char *png_file,
                    const char *svg_file, const char *caption)
{
    fsbuf_printf(&d->b, "<figure><img width=\"%d\" height=\"%d\" alt=\"", w, h);
    html_escape(&d->b, caption);
    fsbuf_printf(&d->b, "\" src=\"data:image/png;base64,");
    html_base64(&d->b, png, len);
    fsbuf_printf(&d->b, "\">");
    if (caption || png_file || svg_file) {
        fsbuf_printf(&d->b, "<figcaption>");
        html_escape(&d->b, caption);
        if (svg_file)
            html_file_link(d, svg_file, "SVG");
        if (png_file)
            html_file_link(d, png_file, "PNG");
        fsbuf_printf(&d->b, "</figcaption>");
    }
    fsbuf_printf(&d->b, "</figure>\n");
}

void html_table_begin(HtmlDoc *d, const char *id, const char *caption)
{
    FS_CHECK(!d->in_table, "html_table_begin: nested table");
    fsbuf_printf(&d->b, "<table");
    if (id) {
        fsbuf_printf(&d->b, " id=\"");
        html_escape(&d->b, id);
        fsbuf_printf(&d->b, "\"");
    }
    fsbuf_printf(&d->b, ">");
    if (caption) {
        fsbuf_printf(&d->b, "<caption>");
        html_escape(&d->b, caption);
        fsbuf_printf(&d->b, "</caption>");
    }
    fsbuf_printf(&d->b, "\n");
    d->in_table = 1;
}

void html_row_begin(HtmlDoc *d)
{
    FS_CHECK(d->in_table && !d->in_row, "html_row_begin: not in a table or row left open");
    fsbuf_printf(&d->b, "<tr>");
    d->in_row = 1;
}

static void html_cell_open(HtmlDoc *d, int flags, int numeric)
{
    FS_CHECK(d->in_row, "html cell outside a row");
    const char *tag = flags & HTML_CELL_HEADER ? "th" : "td";
    const char *cls[4];
    int n = 0;
    if (numeric)
        cls[n++] = "num";
    if (flags & HTML_CELL_STRONG)
        cls[n++] = "strong";
    else if (flags & HTML_CELL_HIGHLIGHT)
        cls[n++] = "hl";
    if (flags & HTML_CELL_WARN)
        cls[n++] = "warn";
    fsbuf_printf(&d->b, "<%s", tag);
    if (n) {
        fsbuf_printf(&d->b, " class=\"");
        for (int i = 0; i < n; i++)
            fsbuf_printf(&d->b, "%s%s", i ? " " : "", cls[i]);
        fsbuf_printf(&d->b, "\"");
    }
}

void html_cell_text(HtmlDoc *d, const char *text, int flags)
{
    html_cell_open(d, flags, 0);
    fsbuf_printf(&d->b, ">");
    html_escape(&d->b, text);
    fsbuf_printf(&d->b, "</%s>", flags & HTML_CELL_HEADER ? "th" : "td");
}

void html_cell_num(HtmlDoc *d, double v, const char *fmt, int flags)
{
    if (!isfinite(v)) {
        html_cell_open(d, flags | HTML_CELL_WARN, 1);
        fsbuf_printf(&d->b, " data-v=\"%s\">-</%s>",
                     isnan(v) ? "nan"
                     : v > 0  ? "inf"
                              : "-inf",
                     flags & HTML_CELL_HEADER ? "th" : "td");
        return;
    }
    html_cell_open(d, flags, 1);
    char buf[64];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(buf, sizeof buf, fmt, v); /* fmt: the caller's display format, e.g. "%.3f" */
#pragma GCC diagnostic pop
    fsbuf_printf(&d->b, " data-v=\"%.17g\">", v);
    html_escape(&d->b, buf);
    fsbuf_printf(&d->b, "</%s>", flags & HTML_CELL_HEADER ? "th" : "td");
}

void html_row_end(HtmlDoc *d)
{
    FS_CHECK(d->in_row, "html_row_end: no open row");
    fsbuf_printf(&d->b, "</tr>\n");
    d->in_row = 0;
}

void html_table_end(HtmlDoc *d)
{
    FS_CHECK(d->in_table && !d->in_row, "html_table_end: no open table or row left open");
    fsbuf_printf(&d->b, "</table>\n");
    d->in_table = 0;
}
