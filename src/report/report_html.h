/* report_html.h: a small writer for one self-contained HTML page (the `fsweep report` index):
 * escaped text, headings, paragraphs, tables with numeric and highlighted cells, and PNG images
 * embedded as base64 data: URIs. The page has inline CSS only: no scripts, no external fonts,
 * style sheets or images, so it opens offline.
 *
 * Numeric cells carry their full-precision value in a data-v attribute
 * (<td class="num" data-v="0.123456789">0.1235</td>) so that tests and scripts can read the
 * exact number back; the visible text is rounded.
 * Ownership: HtmlDoc owns its buffer; html_free releases it. Strings passed in are copied.
 * Threads: one HtmlDoc per thread. Errors: html_save returns FsStatus (fs_last_error set);
 * misuse (a cell outside a row) stops the program. */
#ifndef FS_REPORT_HTML_H
#define FS_REPORT_HTML_H

#include "util.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    FsBuf b;
    int in_table, in_row; /* nesting checks */
} HtmlDoc;

/* Cell flags. */
enum {
    HTML_CELL_HEADER = 1 << 0,    /* <th> instead of <td> */
    HTML_CELL_HIGHLIGHT = 1 << 1, /* class "hl": a positive verdict (e.g. a shortcut) */
    HTML_CELL_WARN = 1 << 2,      /* class "warn": a failure or a missing value */
    HTML_CELL_STRONG = 1 << 3     /* class "strong": a strong verdict (e.g. TPR >= 0.6) */
};

/* Append s to b with &, <, >, " and ' escaped. NULL appends nothing. */
void html_escape(FsBuf *b, const char *s);
/* Base64 (RFC 4648, with padding) of n bytes appended to b. */
void html_base64(FsBuf *b, const uint8_t *data, size_t n);

void html_begin(HtmlDoc *d, const char *title); /* doctype, head, inline CSS, <body>, <h1> */
void html_end(HtmlDoc *d);                      /* closes body and html */
void html_free(HtmlDoc *d);
FsStatus html_save(const HtmlDoc *d, const char *path); /* atomic write */

void html_heading(HtmlDoc *d, int level, const char *id, const char *text); /* id may be NULL */
void html_para(HtmlDoc *d, const char *fmt, ...) FS_PRINTF(2, 3);           /* escaped text */
void html_note(HtmlDoc *d, const char *fmt, ...) FS_PRINTF(2, 3);           /* grey small print */
void html_raw(HtmlDoc *d, const char *html);                                /* trusted markup */
/* <figure> with the PNG embedded as a data: URI, shown at w x h px (its pixel size), a
 * caption, and links to the figure written as an SVG file and a PNG file (relative to the
 * page; either may be NULL). */
void html_image_png(HtmlDoc *d, const uint8_t *png, size_t len, int w, int h, const char *png_file,
                    const char *svg_file, const char *caption);

void html_table_begin(HtmlDoc *d, const char *id, const char *caption);
void html_row_begin(HtmlDoc *d);
void html_cell_text(HtmlDoc *d, const char *text, int flags);
/* Visible text printed with fmt (e.g. "%.3f"); NaN prints as "-" with HTML_CELL_WARN. */
void html_cell_num(HtmlDoc *d, double v, const char *fmt, int flags);
void html_row_end(HtmlDoc *d);
void html_table_end(HtmlDoc *d);

#endif
