/* codec.h: image-file codecs: PNG (libpng, src/codec/codec_png.c) and JPEG (libjpeg,
 * src/codec/codec_jpeg.c) to and from 8-bit pixel buffers; the only module that includes png.h
 * or jpeglib.h. It sits beside data, above base: data decodes ImageFolder files with it and the
 * report encodes its figures with it.
 *
 * Pixels: (h, w, channels) bytes, row-major, top row first, channels interleaved (1 = grey,
 *   3 = RGB), 0..255.
 * Ownership: every buffer returned (*px, *png) is xmalloc'd and freed by the caller; on failure
 *   nothing is returned (*px / *png stay NULL).
 * Threads: every function touches only its arguments (libpng and libjpeg keep per-call state).
 * Errors: FsStatus with fs_last_error set; the file readers name the file ("PATH: undecodable
 *   image: ..."), the in-memory PNG functions start with "png:". */
#ifndef FS_CODEC_H
#define FS_CODEC_H

#include "util.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CODEC_UNKNOWN = 0,
    CODEC_PNG = 1,  /* the 8-byte PNG signature 89 50 4E 47 0D 0A 1A 0A */
    CODEC_JPEG = 2, /* the JPEG start-of-image marker FF D8 FF */
} CodecFormat;

/* The largest image the readers decode: 2^26 pixels (8192 x 8192, about 2.8 times a 24-megapixel
 * photograph). A file that declares more in its header is refused before any pixel buffer is
 * allocated, as PIL refuses "decompression bombs": a few hundred bytes of JPEG can declare
 * 60000 x 60000 pixels, and fsweep resizes every image to the dataset's size= anyway. */
#define CODEC_MAX_PIXELS ((size_t)1 << 26)

/* Which format the first n bytes of a file announce. */
CodecFormat codec_sniff(const uint8_t *head, size_t n);

/* Read a PNG or JPEG file (chosen by its signature, whatever its extension) as channels = 1 or 3
 * pixels: FS_ERR_IO when it cannot be opened, FS_ERR_FORMAT when it is neither or undecodable. */
FsStatus codec_image_read(const char *path, int channels, uint8_t **px, int *h, int *w);

/* Read a PNG file with libpng's simplified API, converting any colour type to grey
 * (channels 1) or RGB (channels 3); at most CODEC_MAX_PIXELS pixels. */
FsStatus codec_png_read(const char *path, int channels, uint8_t **px, int *h, int *w);

/* Read a JPEG file with libjpeg, converted to grey (channels 1) or RGB (channels 3); at most
 * CODEC_MAX_PIXELS pixels. */
FsStatus codec_jpeg_read(const char *path, int channels, uint8_t **px, int *h, int *w);

/* Encode (h, w, 3) RGB pixels as an 8-bit RGB PNG (no interlace, libpng's default compression
 * and filters) into an xmalloc'd buffer of *len bytes. w, h >= 1. */
FsStatus codec_png_encode_rgb(const uint8_t *rgb, int w, int h, uint8_t **png, size_t *len);

/* Decode a PNG stream of len bytes into (h, w, 3) RGB pixels: palette, grey and 16-bit samples
 * are converted to 8-bit RGB, alpha is dropped; at most 16384 x 16384. FS_ERR_FORMAT on a bad
 * signature or a corrupt or truncated stream. */
FsStatus codec_png_decode_rgb(const uint8_t *png, size_t len, uint8_t **rgb, int *w, int *h);

#endif
