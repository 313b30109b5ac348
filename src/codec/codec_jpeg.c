/* codec_jpeg.c: JPEG files with libjpeg (the only jpeglib.h user). libjpeg reports errors
 * through its error manager; ours formats the message and longjmps back to the reader, which
 * frees what it allocated (volatile locals). */
#include "codec.h"

#include <jpeglib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
} JpegErr;

static void jpeg_error_exit_cb(j_common_ptr cinfo)
{
    JpegErr *e = (JpegErr *)(void *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->msg);
    longjmp(e->jb, 1);
}

static void jpeg_silent_cb(j_common_ptr cinfo, int level)
{
    FS_UNUSED(cinfo), FS_UNUSED(level);
}

FsStatus codec_jpeg_read(const char *path, int channels, uint8_t **px, int *h, int *w)
{
    *px = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fs_errorf(FS_ERR_IO, "%s: cannot open image", path);
    struct jpeg_decompress_struct ci;
    JpegErr je;
    /* volatile: modified between setjmp and longjmp */
    unsigned char *volatile out = NULL;
    ci.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = jpeg_error_exit_cb;
    je.pub.emit_message = jpeg_silent_cb;
    je.msg[0] = 0;
    if (setjmp(je.jb)) {
        jpeg_destroy_decompress(&ci);
        fclose(f);
        free(out);
        return fs_errorf(FS_ERR_FORMAT, "%s: undecodable image: expected JPEG (libjpeg: %s)", path,
                         je.msg);
    }
    jpeg_create_decompress(&ci);
    jpeg_stdio_src(&ci, f);
    jpeg_read_header(&ci, TRUE);
    if ((size_t)ci.image_width * ci.image_height > CODEC_MAX_PIXELS) { /* before any pixel buffer */
        size_t iw = ci.image_width, ih = ci.image_height;
        jpeg_destroy_decompress(&ci);
        fclose(f);
        return fs_errorf(FS_ERR_FORMAT, "%s: undecodable image: JPEG size %zux%zu (expected at most %zu pixels)",
                         path, iw, ih, (size_t)CODEC_MAX_PIXELS);
    }
    ci.out_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_start_decompress(&ci);
    int ww = (int)ci.output_width, hh = (int)ci.output_height, oc = ci.output_components;
    if (oc != channels) {
        jpeg_destroy_decompress(&ci);
        fclose(f);
        return fs_errorf(FS_ERR_FORMAT,
                         "%s: undecodable image: JPEG gives %d components, expected %d", path, oc,
                         channels);
    }
    out = xmalloc((size_t)ww * (size_t)hh * (size_t)oc);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = out + (size_t)ci.output_scanline * (size_t)ww * (size_t)oc;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    fclose(f);
    *px = out;
    *h = hh;
    *w = ww;
    return FS_OK;
}
