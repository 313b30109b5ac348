/* codec_png.c: PNG files and streams with libpng (the only png.h user). Files are read with
 * libpng's simplified API; in-memory streams use the classic API, which reports errors by
 * longjmp to the setjmp point of each call: everything allocated before the jump is reachable
 * from volatile locals or the PngIo struct and is freed there. */
#include "codec.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

FsStatus codec_png_read(const char *path, int channels, uint8_t **px, int *h, int *w)
{
    *px = NULL;
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path))
        return fs_errorf(FS_ERR_FORMAT, "%s: undecodable image: expected PNG (libpng: %s)", path,
                         im.message);
    /* Decode with an alpha channel and drop it below, as PIL's convert() does for
     * ImageFolder: without alpha in the output format, libpng composites a transparent
     * pixel over whatever the buffer held (with background NULL), which made RGBA files
     * decode differently from run to run. */
    const int has_alpha = (im.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    const int out_ch = channels == 3 ? 3 : 1;
    im.format = channels == 3 ? (has_alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB)
                              : (has_alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
    if (im.width == 0 || im.height == 0 || (size_t)im.width * im.height > CODEC_MAX_PIXELS) {
        png_image_free(&im);
        return fs_errorf(FS_ERR_FORMAT, "%s: undecodable image: PNG size %ux%u (expected 1 to %zu pixels)",
                         path, im.width, im.height, (size_t)CODEC_MAX_PIXELS);
    }
    uint8_t *buf = xmalloc(PNG_IMAGE_SIZE(im));
    if (!png_image_finish_read(&im, NULL, buf, 0, NULL)) {
        free(buf);
        return fs_errorf(FS_ERR_FORMAT, "%s: undecodable image: expected PNG (libpng: %s)", path,
                         im.message);
    }
    if (has_alpha) { /* (h*w, out_ch+1) -> (h*w, out_ch) in place, front to back */
        size_t n = (size_t)im.width * im.height;
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < out_ch; c++)
                buf[i * (size_t)out_ch + (size_t)c] = buf[i * (size_t)(out_ch + 1) + (size_t)c];
    }
    *h = (int)im.height;
    *w = (int)im.width;
    png_image_free(&im);
    *px = buf;
    return FS_OK;
}

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

FsStatus codec_png_encode_rgb(const uint8_t *rgb, int w, int h, uint8_t **png_out, size_t *len)
{
    FS_CHECK(rgb && w >= 1 && h >= 1, "codec_png_encode_rgb: empty image %dx%d", w, h);
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
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(io.buf);
        return fs_errorf(FS_ERR_LIB, "png: encoding %dx%d failed: %s", w, h, io.msg);
    }
    png_set_write_fn(png, &io, png_io_write, png_io_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    /* row by row, as png_write_image does for a non-interlaced image (it wants non-const rows) */
    for (int y = 0; y < h; y++)
        png_write_row(png, rgb + (size_t)y * (size_t)w * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *png_out = io.buf;
    *len = io.len;
    return FS_OK;
}

FsStatus codec_png_decode_rgb(const uint8_t *data, size_t len, uint8_t **rgb, int *w_out,
                              int *h_out)
{
    FS_CHECK(data || !len, "codec_png_decode_rgb: NULL data");
    *rgb = NULL;
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
    uint8_t *volatile px = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(rows);
        free(px);
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
    uint8_t *p = xmalloc((size_t)w * (size_t)h * 3);
    px = p;
    png_bytep *rw = xmalloc((size_t)h * sizeof *rw);
    rows = rw;
    for (png_uint_32 y = 0; y < h; y++)
        rw[y] = p + (size_t)y * w * 3;
    png_read_image(png, rw);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rw);
    *rgb = p;
    *w_out = (int)w;
    *h_out = (int)h;
    return FS_OK;
}
