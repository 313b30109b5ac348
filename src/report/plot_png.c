/* plot_png.c: PNG encoding and decoding of plot canvases with libpng (the only png.h user).
 * libpng reports errors by longjmp to the setjmp point of each call; everything allocated
 * before the jump is reachable from volatile locals or the context struct and is freed there. */
#include "plot.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *buf; /* encoder: output bytes (xrealloc'd); decoder: unused */
    size_t len, cap;
    const uint8_t *in; /* decoder: input bytes */
    size_t in_len, in_off;
    char msg[200]; /* libpng's error message */
} PngIo;

static void png_io_error(png_structp png, png_const_charp msg)
{
    PngIo *io = png_get_error_ptr(png);
    if (io)
        fs_snprintf(io->msg, sizeof io->msg, "%.190s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void png_io_warning(png_structp png, png_const_charp msg)
{
    FS_UNUSED(png);
    FS_UNUSED(msg); /* warnings (e.g. unknown chunks) do not matter to us */
}

static void png_io_write(png_structp png, png_bytep data, png_size_t n)
{
    PngIo *io = png_get_io_ptr(png);
    if (io->len + n > io->cap) {
        size_t cap = io->cap ? io->cap : 4096;
        while (cap < io->len + n)
            cap *= 2;
        io->buf = xrealloc(io->buf, cap);
        io->cap = cap;
    }
    memcpy(io->buf + io->len, data, n);
    io->len += n;
}

static void png_io_flush(png_structp png)
{
    FS_UNUSED(png);
}

static void png_io_read(png_structp png, png_bytep data, png_size_t n)
{
    PngIo *io = png_get_io_ptr(png);
    if (n > io->in_len - io->in_off)
        png_error(png, "truncated PNG stream");
    memcpy(data, io->in + io->in_off, n);
    io->in_off += n;
}

FsStatus plot_png_encode(const PlotCanvas *c, uint8_t **png_out, size_t *len)
{
    FS_CHECK(c->w >= 1 && c->h >= 1, "plot_png_encode: empty canvas");
    *png_out = NULL;
    *len = 0;
    PngIo io;
    memset(&io, 0, sizeof io);
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, png_io_error, png_io_warning);
    if (!png)
        return fs_errorf(FS_ERR_LIB, "png: png_create_write_struct failed");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return fs_errorf(FS_ERR_LIB, "png: png_create_info_struct failed");
    }
    png_bytep *rows = xmalloc((size_t)c->h * sizeof *rows);
    for (int y = 0; y < c->h; y++)
        rows[y] = c->px + (size_t)y * (size_t)c->w * 3;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        free(io.buf);
        return fs_errorf(FS_ERR_LIB, "png: encoding %dx%d failed: %s", c->w, c->h, io.msg);
    }
    png_set_write_fn(png, &io, png_io_write, png_io_flush);
    png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *png_out = io.buf;
    *len = io.len;
    return FS_OK;
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
    FS_CHECK(data || !len, "plot_png_decode: NULL data");
    *out = NULL;
    if (len < 8 || png_sig_cmp(data, 0, 8))
        return fs_errorf(FS_ERR_FORMAT, "png: not a PNG stream (bad signature, %zu bytes)", len);
    PngIo io;
    memset(&io, 0, sizeof io);
    io.in = data;
    io.in_len = len;
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, png_io_error, png_io_warning);
    if (!png)
        return fs_errorf(FS_ERR_LIB, "png: png_create_read_struct failed");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return fs_errorf(FS_ERR_LIB, "png: png_create_info_struct failed");
    }
    PlotCanvas *volatile canvas = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(rows);
        plot_canvas_destroy(canvas);
        return fs_errorf(FS_ERR_FORMAT, "png: corrupt stream: %s", io.msg);
    }
    png_set_read_fn(png, &io, png_io_read);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (w < 1 || h < 1 || w > 16384 || h > 16384)
        png_error(png, "image size out of range");
    png_set_expand(png); /* palette -> RGB, grey < 8 bit -> 8 bit, tRNS -> alpha */
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3)
        png_error(png, "unexpected row size");
    PlotCanvas *cv = plot_canvas_create((int)w, (int)h, PLOT_BLACK);
    canvas = cv;
    png_bytep *rw = xmalloc((size_t)h * sizeof *rw);
    rows = rw;
    for (png_uint_32 y = 0; y < h; y++)
        rw[y] = cv->px + (size_t)y * w * 3;
    png_read_image(png, rw);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rw);
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
