/* codec.c: picks the decoder of an image file by its first bytes (not its extension). */
#include "codec.h"

#include <stdio.h>
#include <string.h>

CodecFormat codec_sniff(const uint8_t *head, size_t n)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (n >= 8 && !memcmp(head, png_sig, sizeof png_sig))
        return CODEC_PNG;
    if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        return CODEC_JPEG;
    return CODEC_UNKNOWN;
}

FsStatus codec_image_read(const char *path, int channels, uint8_t **px, int *h, int *w)
{
    *px = NULL;
    *h = *w = 0;
    uint8_t head[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return fs_errorf(FS_ERR_IO, "%s: cannot open image", path);
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    switch (codec_sniff(head, got)) {
    case CODEC_PNG:
        return codec_png_read(path, channels, px, h, w);
    case CODEC_JPEG:
        return codec_jpeg_read(path, channels, px, h, w);
    case CODEC_UNKNOWN:
        break;
    }
    return fs_errorf(FS_ERR_FORMAT,
                     "%s: undecodable image: offset 0: neither a PNG nor a JPEG signature", path);
}
