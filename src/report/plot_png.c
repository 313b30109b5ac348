/* plot_png.c: plot canvases as PNG streams and files; the PNG codec itself (libpng) is the codec
 * module's (codec_png_encode_rgb / codec_png_decode_rgb). */
#include "codec.h"
#include "plot.h"

#include <stdlib.h>

FsStatus plot_png_encode(const PlotCanvas *c, uint8_t **png_out, size_t *len)
{
    FS_CHECK(c->w >= 1 && c->h >= 1, "plot_png_encode: empty canvas");
    return codec_png_encode_rgb(c->px, c->w, c->h, png_out, len);
}

FsStatus plot_png_write(const PlotCanvas *c, const char *path)
{
    uint8_t *buf;
    size_t n;
    FsStatus st = plot_png_encode(c, &buf, &n);
    if (st != FS_OK)
        return st;
    st = fs_write_file_atomic(path, buf, n);
    free(buf);
    return st;
}

FsStatus plot_png_decode(const uint8_t *data, size_t len, PlotCanvas **out)
{
    *out = NULL;
    uint8_t *rgb;
    int w, h;
    FsStatus st = codec_png_decode_rgb(data, len, &rgb, &w, &h);
    if (st != FS_OK)
        return st;
    /* the canvas takes the decoded (h, w, 3) bytes as its pixels */
    PlotCanvas *cv = xmalloc(sizeof *cv);
    cv->w = w;
    cv->h = h;
    cv->px = rgb;
    *out = cv;
    return FS_OK;
}

FsStatus plot_png_read(const char *path, PlotCanvas **out)
{
    char *buf;
    size_t n;
    *out = NULL;
    FsStatus st = fs_read_file(path, &buf, &n);
    if (st != FS_OK)
        return st;
    st = plot_png_decode((const uint8_t *)buf, n, out);
    free(buf);
    if (st != FS_OK) {
        char why[256]; /* fs_last_error's buffer is rewritten by fs_errorf */
        fs_snprintf(why, sizeof why, "%.250s", fs_last_error());
        return fs_errorf(st, "%s: %s", path, why);
    }
    return FS_OK;
}
