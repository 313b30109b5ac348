/* fuzz_image.c: PNG and JPEG decoding through the ImageFolder path (data_load_folder ->
 * data_decode_image -> codec_image_read -> codec_png_read / codec_jpeg_read), and the in-memory
 * PNG decoder (codec_png_decode_rgb).
 * Input: 1 flag byte, then the image file. Flag bit 0: 1 channel (grey) instead of 3; bit 1: name
 * it .jpg instead of .png (the codec goes by the signature either way); bits 2-3: resize to 4, 8,
 * 16 or 32 pixels; bit 4: also decode the bytes with codec_png_decode_rgb. */
#include "fuzz.h"
#include "codec.h"
#include "data/data_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20)) return 0;
    int flag = data[0];
    char root[300], cls[400], p[500];
    fuzz_path(root, sizeof root, "folder");
    snprintf(cls, sizeof cls, "%s/cls", root);
    mkdir(root, 0700);
    mkdir(cls, 0700);
    snprintf(p, sizeof p, "%s/img.%s", cls, flag & 2 ? "jpg" : "png");
    fuzz_write(p, data + 1, size - 1);
    Dataset d;
    if (fuzz_note(data_load_folder(root, 4 << ((flag >> 2) & 3), flag & 1 ? 1 : 3, NULL, 0, &d)) == FS_OK)
        dataset_free(&d);
    unlink(p);
    if (flag & 16) {
        uint8_t *rgb = NULL;
        int w = 0, h = 0;
        if (codec_png_decode_rgb(data + 1, size - 1, &rgb, &w, &h) == FS_OK) free(rgb);
    }
    return 0;
}
