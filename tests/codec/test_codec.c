/* test_codec.c: the image codecs: signature sniffing, PNG stream round trips (RGB bytes back
 * exactly) and their errors, PNG and JPEG files read as grey or RGB, and one-line errors naming
 * the file for missing, unknown and undecodable files. */
#include "codec.h"
#include "harness.h"

#include <png.h> /* only to write an RGBA fixture; reading goes through codec */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];

static void make_tmpdir(void)
{
    if (tmpdir[0])
        return;
    fs_snprintf(tmpdir, sizeof tmpdir, "/tmp/fsweep_test_codec_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
}

static void write_file(const char *path, const void *b, size_t n)
{
    EXPECT(fs_write_file_atomic(path, b, n) == FS_OK);
}

/* An 8x8 grey baseline JPEG, every pixel 128 (libjpeg, quality 100, optimised Huffman tables). */
static const uint8_t grey_jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08,
    0x00, 0x08, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xc4, 0x00, 0x14,
    0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x3f, 0xff, 0xd9,
};

/* (h, w, 3) pseudo-random RGB bytes */
static uint8_t *random_rgb(int w, int h)
{
    uint8_t *px = xmalloc((size_t)w * (size_t)h * 3);
    uint64_t s = 777;
    for (size_t i = 0; i < (size_t)w * (size_t)h * 3; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        px[i] = (uint8_t)(s >> 56);
    }
    return px;
}

static void expect_error_names(FsStatus st, FsStatus want, const char *needle1, const char *needle2)
{
    const char *e = fs_last_error();
    EXPECT_MSG(st == want, "status %d, want %d (%s)", st, want, e);
    EXPECT_MSG(strstr(e, needle1) != NULL, "error '%s' lacks '%s'", e, needle1);
    if (needle2)
        EXPECT_MSG(strstr(e, needle2) != NULL, "error '%s' lacks '%s'", e, needle2);
    EXPECT(strchr(e, '\n') == NULL);
}

static void test_sniff(void)
{
    EXPECT_EQ_INT(codec_sniff((const uint8_t *)"\x89PNG\r\n\x1a\n", 8), CODEC_PNG);
    EXPECT_EQ_INT(codec_sniff((const uint8_t *)"\x89PNG\r\n\x1a", 7), CODEC_UNKNOWN); /* short */
    EXPECT_EQ_INT(codec_sniff((const uint8_t *)"\x89PNG\r\n\x1a\r", 8), CODEC_UNKNOWN);
    EXPECT_EQ_INT(codec_sniff(grey_jpeg, sizeof grey_jpeg), CODEC_JPEG);
    EXPECT_EQ_INT(codec_sniff((const uint8_t *)"\xff\xd8\xff", 3), CODEC_JPEG);
    EXPECT_EQ_INT(codec_sniff((const uint8_t *)"\xff\xd8", 2), CODEC_UNKNOWN);
    EXPECT_EQ_INT(codec_sniff((const uint8_t *)"GIF89a..", 8), CODEC_UNKNOWN);
}

static void test_png_stream(void)
{
    int w = 29, h = 17; /* odd sizes: no row padding luck */
    uint8_t *px = random_rgb(w, h);
    uint8_t *png = NULL, *back = NULL;
    size_t len = 0;
    EXPECT(codec_png_encode_rgb(px, w, h, &png, &len) == FS_OK);
    EXPECT(png && len > 8 && codec_sniff(png, len) == CODEC_PNG);
    /* the same pixels give the same bytes */
    uint8_t *png2 = NULL;
    size_t len2 = 0;
    EXPECT(codec_png_encode_rgb(px, w, h, &png2, &len2) == FS_OK);
    EXPECT(len2 == len && png2 && !memcmp(png, png2, len));
    free(png2);
    int bw = 0, bh = 0;
    EXPECT(codec_png_decode_rgb(png, len, &back, &bw, &bh) == FS_OK);
    EXPECT(back && bw == w && bh == h);
    if (back)
        EXPECT(!memcmp(back, px, (size_t)w * (size_t)h * 3));
    free(back);
    back = NULL;
    expect_error_names(codec_png_decode_rgb(png, len / 2, &back, &bw, &bh), FS_ERR_FORMAT,
                       "png: corrupt stream:", NULL);
    EXPECT(back == NULL);
    expect_error_names(
        codec_png_decode_rgb((const uint8_t *)"not a png at all", 16, &back, &bw, &bh),
        FS_ERR_FORMAT, "png: not a PNG stream (bad signature, 16 bytes)", NULL);
    EXPECT(back == NULL);
    free(png);
    free(px);
}

static void test_png_file(void)
{
    make_tmpdir();
    char path[128];
    fs_snprintf(path, sizeof path, "%s/a.png", tmpdir);
    int w = 6, h = 5;
    uint8_t *px = random_rgb(w, h);
    for (int i = 0; i < w; i++) /* top row grey 77: the same value in grey */
        px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = 77;
    uint8_t *png = NULL;
    size_t len = 0;
    EXPECT(codec_png_encode_rgb(px, w, h, &png, &len) == FS_OK);
    write_file(path, png, len);
    uint8_t *rgb = NULL, *grey = NULL;
    int rh = 0, rw = 0;
    EXPECT(codec_image_read(path, 3, &rgb, &rh, &rw) == FS_OK);
    EXPECT(rgb && rh == h && rw == w);
    if (rgb)
        EXPECT(!memcmp(rgb, px, (size_t)w * (size_t)h * 3));
    EXPECT(codec_png_read(path, 1, &grey, &rh, &rw) == FS_OK);
    EXPECT(grey && rh == h && rw == w);
    for (int i = 0; grey && i < w; i++)
        EXPECT_EQ_INT(grey[i], 77);
    free(rgb);
    free(grey);
    free(png);
    free(px);
    /* a PNG signature and garbage after it */
    fs_snprintf(path, sizeof path, "%s/broken.png", tmpdir);
    write_file(path, "\x89PNG\r\n\x1a\nnot really a png at all", 30);
    uint8_t *none = NULL;
    expect_error_names(codec_image_read(path, 3, &none, &rh, &rw), FS_ERR_FORMAT,
                       "broken.png: undecodable image: expected PNG (libpng: ", NULL);
    EXPECT(none == NULL);
    unlink(path);
}

/* An RGBA PNG decodes to its stored colours with alpha dropped (as PIL's convert("RGB") does),
 * also where alpha is 0: libpng must not composite over the output buffer's old contents. */
static void test_png_rgba(void)
{
    make_tmpdir();
    char path[128];
    fs_snprintf(path, sizeof path, "%s/rgba.png", tmpdir);
    enum { W = 7, H = 3 };
    uint8_t rgba[H * W * 4];
    for (int i = 0; i < H * W; i++) {
        rgba[4 * i + 0] = (uint8_t)(200 - 3 * i);
        rgba[4 * i + 1] = (uint8_t)(17 + 5 * i);
        rgba[4 * i + 2] = (uint8_t)(90 + i);
        rgba[4 * i + 3] = (uint8_t)(i % 3 == 0 ? 0 : 37 * i); /* transparent, partial, opaque */
    }
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = W;
    im.height = H;
    im.format = PNG_FORMAT_RGBA;
    EXPECT(png_image_write_to_file(&im, path, 0, rgba, 0, NULL));
    for (int rep = 0; rep < 2; rep++) {
        uint8_t *rgb = NULL;
        int rh = 0, rw = 0;
        EXPECT(codec_image_read(path, 3, &rgb, &rh, &rw) == FS_OK);
        EXPECT(rgb && rh == H && rw == W);
        for (int i = 0; rgb && i < H * W; i++)
            for (int c = 0; c < 3; c++) EXPECT_EQ_INT(rgb[3 * i + c], rgba[4 * i + c]);
        free(rgb);
    }
    uint8_t *g1 = NULL, *g2 = NULL;
    int rh = 0, rw = 0;
    EXPECT(codec_image_read(path, 1, &g1, &rh, &rw) == FS_OK);
    EXPECT(codec_image_read(path, 1, &g2, &rh, &rw) == FS_OK);
    EXPECT(g1 && g2 && !memcmp(g1, g2, (size_t)H * W));
    free(g1);
    free(g2);
    unlink(path);
}

static void test_jpeg_file(void)
{
    make_tmpdir();
    char path[128];
    fs_snprintf(path, sizeof path, "%s/g.jpg", tmpdir);
    write_file(path, grey_jpeg, sizeof grey_jpeg);
    uint8_t *px = NULL;
    int h = 0, w = 0;
    EXPECT(codec_image_read(path, 1, &px, &h, &w) == FS_OK);
    EXPECT(px && h == 8 && w == 8);
    for (int i = 0; px && i < 64; i++)
        EXPECT_EQ_INT(px[i], 128);
    free(px);
    px = NULL;
    EXPECT(codec_jpeg_read(path, 3, &px, &h, &w) == FS_OK); /* grey -> RGB */
    for (int i = 0; px && i < 64 * 3; i++)
        EXPECT_EQ_INT(px[i], 128);
    free(px);
    unlink(path);
    /* a JPEG start-of-image marker and garbage after it */
    fs_snprintf(path, sizeof path, "%s/cut.jpg", tmpdir);
    write_file(path, grey_jpeg, 40);
    px = NULL;
    expect_error_names(codec_image_read(path, 3, &px, &h, &w), FS_ERR_FORMAT,
                       "cut.jpg: undecodable image: expected JPEG (libjpeg: ", NULL);
    EXPECT(px == NULL);
    unlink(path);
}

static uint32_t crc32_ref(const uint8_t *b, size_t n) /* PNG's CRC-32, bit by bit */
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= b[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

/* Files whose headers declare more than CODEC_MAX_PIXELS pixels (8193 x 8193) are refused with a
 * one-line error before any pixel buffer is allocated (the fuzzer's "decompression bomb": 358
 * bytes of JPEG that asked for 3 GB). 8192 x 8192 itself is within the limit. */
static void test_too_large(void)
{
    make_tmpdir();
    char path[128];
    uint8_t *px = NULL;
    int h = 0, w = 0;
    uint8_t jpg[sizeof grey_jpeg];
    memcpy(jpg, grey_jpeg, sizeof jpg);
    size_t sof = 0; /* FF C0 len(2) precision(1) height(2) width(2) */
    for (size_t i = 0; i + 1 < sizeof jpg; i++)
        if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) sof = i;
    EXPECT(sof > 0);
    jpg[sof + 5] = 0x20, jpg[sof + 6] = 0x01, jpg[sof + 7] = 0x20, jpg[sof + 8] = 0x01;
    fs_snprintf(path, sizeof path, "%s/bomb.jpg", tmpdir);
    write_file(path, jpg, sizeof jpg);
    expect_error_names(codec_image_read(path, 3, &px, &h, &w), FS_ERR_FORMAT,
                       "bomb.jpg: undecodable image: JPEG size 8193x8193 (expected at most 67108864 pixels)", NULL);
    EXPECT(px == NULL);
    unlink(path);
    uint8_t *rgb = random_rgb(4, 4), *png = NULL;
    size_t npng = 0;
    EXPECT(codec_png_encode_rgb(rgb, 4, 4, &png, &npng) == FS_OK);
    /* signature(8) length(4) "IHDR"(4) width(4) height(4) ... CRC over type + 13 data bytes */
    for (int pass = 0; pass < 2 && png; pass++) {
        uint32_t side = pass == 0 ? 8193 : 16;
        for (int k = 0; k < 2; k++)
            for (int b = 0; b < 4; b++) png[16 + 4 * k + b] = (uint8_t)(side >> (24 - 8 * b));
        uint32_t crc = crc32_ref(png + 12, 17);
        for (int b = 0; b < 4; b++) png[29 + b] = (uint8_t)(crc >> (24 - 8 * b));
        fs_snprintf(path, sizeof path, "%s/bomb.png", tmpdir);
        write_file(path, png, npng);
        FsStatus st = codec_image_read(path, 3, &px, &h, &w);
        if (pass == 0)
            expect_error_names(st, FS_ERR_FORMAT,
                               "bomb.png: undecodable image: PNG size 8193x8193 (expected 1 to 67108864 pixels)", NULL);
        else /* the same file with a small declared size gets past the size check to libpng's data error */
            expect_error_names(st, FS_ERR_FORMAT, "bomb.png: undecodable image: expected PNG (libpng: ", NULL);
        EXPECT(px == NULL);
        unlink(path);
    }
    free(png);
    free(rgb);
}

static void test_file_errors(void)
{
    make_tmpdir();
    char path[128];
    uint8_t *px = NULL;
    int h = 1, w = 1;
    fs_snprintf(path, sizeof path, "%s/missing.png", tmpdir);
    expect_error_names(codec_image_read(path, 3, &px, &h, &w), FS_ERR_IO,
                       "missing.png: cannot open image", NULL);
    EXPECT(px == NULL && h == 0 && w == 0);
    expect_error_names(codec_jpeg_read(path, 3, &px, &h, &w), FS_ERR_IO,
                       "missing.png: cannot open image", NULL);
    fs_snprintf(path, sizeof path, "%s/fake.jpg", tmpdir);
    write_file(path, "GIF89a........", 14);
    expect_error_names(codec_image_read(path, 3, &px, &h, &w), FS_ERR_FORMAT,
                       "fake.jpg: undecodable image: offset 0: neither a PNG nor a JPEG signature",
                       NULL);
    EXPECT(px == NULL);
    unlink(path);
    rmdir(tmpdir);
}

TEST_MAIN({"sniff", test_sniff}, {"png_stream", test_png_stream}, {"png_file", test_png_file},
          {"png_rgba", test_png_rgba},
          {"jpeg_file", test_jpeg_file}, {"too_large", test_too_large}, {"file_errors", test_file_errors})
