/* test_data.c: dataset specs, loaders and their error messages (files written to /tmp by the
 * test itself), subsets, normalisation, resampling, and the Syn_B1..B4 generator. The ImageFolder
 * fixtures are written with libpng and libjpeg directly, independently of the codec module that
 * decodes them. */
#include "data.h"
#include "harness.h"
#include "rng.h"
#include "spectral.h"
#include "util.h"

#include <jpeglib.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[256];

static void make_tmpdir(void)
{
    if (tmpdir[0]) return;
    fs_snprintf(tmpdir, sizeof tmpdir, "/tmp/fsweep_test_data_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
}

static void rm_rf(const char *p)
{
    char cmd[512];
    fs_snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0) printf("warning: could not remove %s\n", p);
}

static void write_bytes(const char *path, const void *b, size_t n, int gz)
{
    if (gz) {
        gzFile g = gzopen(path, "wb");
        EXPECT(g != NULL);
        if (!g) return;
        EXPECT(gzwrite(g, b, (unsigned)n) == (int)n);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        EXPECT(f != NULL);
        if (!f) return;
        EXPECT(fwrite(b, 1, n, f) == n);
        fclose(f);
    }
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* n images of r x c and n labels; pixel of image i at (y, x) = (i + y + x) % 256. */
static void write_idx(const char *img, const char *lab, int n, int r, int c, int nlab, uint32_t img_magic,
                      int truncate_px, int bad_label_at, int gz)
{
    size_t ni = 16 + (size_t)n * r * c, nl = 8 + (size_t)nlab;
    unsigned char *a = xcalloc(ni, 1), *b = xcalloc(nl, 1);
    put_be32(a, img_magic);
    put_be32(a + 4, (uint32_t)n);
    put_be32(a + 8, (uint32_t)r);
    put_be32(a + 12, (uint32_t)c);
    for (int i = 0; i < n; i++)
        for (int y = 0; y < r; y++)
            for (int x = 0; x < c; x++) a[16 + ((size_t)i * r + y) * c + x] = (unsigned char)((i + y + x) % 256);
    put_be32(b, 0x801);
    put_be32(b + 4, (uint32_t)nlab);
    for (int i = 0; i < nlab; i++) b[8 + i] = (unsigned char)(i % 10);
    if (bad_label_at >= 0) b[8 + bad_label_at] = 17;
    write_bytes(img, a, ni - (size_t)truncate_px, gz);
    write_bytes(lab, b, nl, gz);
    free(a);
    free(b);
}

static void expect_error(const char *spec, FsStatus want, const char *needle1, const char *needle2)
{
    Dataset d;
    FsStatus st = dataset_load(spec, &d);
    EXPECT_MSG(st == want, "spec %s: status %d, want %d (%s)", spec, st, want, fs_last_error());
    const char *e = fs_last_error();
    EXPECT_MSG(strstr(e, needle1) != NULL, "spec %s: error '%s' lacks '%s'", spec, e, needle1);
    if (needle2) EXPECT_MSG(strstr(e, needle2) != NULL, "spec %s: error '%s' lacks '%s'", spec, e, needle2);
    EXPECT(strchr(e, '\n') == NULL);
    if (st == FS_OK) dataset_free(&d);
}

static void test_idx_ok_and_errors(void)
{
    make_tmpdir();
    char dir[300], img[400], lab[400], spec[1000];
    fs_snprintf(dir, sizeof dir, "%s/idx", tmpdir);
    EXPECT(fs_mkdir_p(dir) == FS_OK);
    for (int gz = 0; gz < 2; gz++) {
        fs_snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte%s", dir, gz ? ".gz" : "");
        fs_snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte%s", dir, gz ? ".gz" : "");
        write_idx(img, lab, 30, 4, 6, 30, 0x803, 0, -1, gz);
        fs_snprintf(spec, sizeof spec, "mnist:%s:test", dir);
        Dataset d;
        EXPECT(dataset_load(spec, &d) == FS_OK);
        EXPECT_EQ_INT(d.n, 30);
        EXPECT_EQ_INT(d.c, 1);
        EXPECT_EQ_INT(d.h, 4);
        EXPECT_EQ_INT(d.w, 6);
        EXPECT_EQ_INT(d.k, 10);
        EXPECT_EQ_INT(d.y[13], 3);
        EXPECT_NEAR(d.x[(size_t)7 * 24 + 1 * 6 + 2], (7 + 1 + 2) / 255.0, 1e-7);
        dataset_free(&d);
        fs_snprintf(spec, sizeof spec, "idx:%s:%s?per_class=2", img, lab);
        EXPECT(dataset_load(spec, &d) == FS_OK);
        EXPECT_EQ_INT(d.n, 20);
        dataset_free(&d);
        unlink(img);
        unlink(lab);
    }
    /* wrong magic */
    fs_snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte", dir);
    fs_snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte", dir);
    fs_snprintf(spec, sizeof spec, "mnist:%s:test", dir);
    write_idx(img, lab, 5, 4, 4, 5, 0x801, 0, -1, 0);
    expect_error(spec, FS_ERR_FORMAT, "wrong magic", img);
    /* truncated pixel data */
    write_idx(img, lab, 5, 4, 4, 5, 0x803, 7, -1, 0);
    expect_error(spec, FS_ERR_FORMAT, "truncated", "offset");
    /* gzip truncated */
    unlink(img);
    char imgz[420];
    fs_snprintf(imgz, sizeof imgz, "%s.gz", img);
    write_idx(imgz, lab, 5, 4, 4, 5, 0x803, 9, -1, 1);
    expect_error(spec, FS_ERR_FORMAT, "truncated", imgz);
    unlink(imgz);
    /* label out of range */
    write_idx(img, lab, 5, 4, 4, 5, 0x803, 0, 3, 0);
    expect_error(spec, FS_ERR_FORMAT, "out of range", "label 3");
    /* mismatched counts */
    write_idx(img, lab, 5, 4, 4, 6, 0x803, 0, -1, 0);
    expect_error(spec, FS_ERR_FORMAT, "counts must match", lab);
    /* missing files */
    fs_snprintf(spec, sizeof spec, "mnist:%s/nowhere:test", dir);
    expect_error(spec, FS_ERR_IO, "cannot open", "nowhere");
}

static void test_cifar(void)
{
    make_tmpdir();
    char dir[300], path[400], spec[600];
    fs_snprintf(dir, sizeof dir, "%s/cifar/cifar-10-batches-bin", tmpdir);
    EXPECT(fs_mkdir_p(dir) == FS_OK);
    int n = 7;
    unsigned char *b = xcalloc((size_t)n * 3073, 1);
    for (int r = 0; r < n; r++) {
        b[r * 3073] = (unsigned char)(r % 10);
        for (int i = 0; i < 3072; i++) b[r * 3073 + 1 + i] = (unsigned char)((r * 5 + i) % 256);
    }
    fs_snprintf(path, sizeof path, "%s/test_batch.bin", dir);
    write_bytes(path, b, (size_t)n * 3073, 0);
    fs_snprintf(spec, sizeof spec, "cifar10:%s/cifar:test", tmpdir);
    Dataset d;
    EXPECT(dataset_load(spec, &d) == FS_OK);
    EXPECT_EQ_INT(d.n, n);
    EXPECT_EQ_INT(d.c, 3);
    EXPECT_EQ_INT(d.k, 10);
    EXPECT_EQ_INT(d.y[6], 6);
    EXPECT_NEAR(d.x[(size_t)2 * 3072 + 1024 + 5], ((2 * 5 + 1024 + 5) % 256) / 255.0, 1e-7); /* G plane */
    EXPECT_NEAR(d.mean[0], 0.4914, 1e-4); /* the DFM-X constants */
    EXPECT(d.class_names && !strcmp(d.class_names[9], "truck"));
    dataset_free(&d);
    /* truncated */
    write_bytes(path, b, (size_t)n * 3073 - 100, 0);
    expect_error(spec, FS_ERR_FORMAT, "multiple of the 3073-byte record", path);
    /* label out of range */
    b[3 * 3073] = 12;
    write_bytes(path, b, (size_t)n * 3073, 0);
    expect_error(spec, FS_ERR_FORMAT, "record 3", "label 12 out of range");
    /* cifar100 coarse/fine */
    fs_snprintf(path, sizeof path, "%s/c100", tmpdir);
    EXPECT(fs_mkdir_p(path) == FS_OK);
    unsigned char *c = xcalloc(4 * 3074, 1);
    for (int r = 0; r < 4; r++) {
        c[r * 3074] = (unsigned char)(r + 10);
        c[r * 3074 + 1] = (unsigned char)(r + 90);
    }
    fs_snprintf(path, sizeof path, "%s/c100/train.bin", tmpdir);
    write_bytes(path, c, 4 * 3074, 0);
    fs_snprintf(spec, sizeof spec, "cifar100:%s/c100:train?labels=fine", tmpdir);
    EXPECT(dataset_load(spec, &d) == FS_OK);
    EXPECT_EQ_INT(d.k, 100);
    EXPECT_EQ_INT(d.y[3], 93);
    dataset_free(&d);
    fs_snprintf(spec, sizeof spec, "cifar100:%s/c100:train?labels=coarse", tmpdir);
    EXPECT(dataset_load(spec, &d) == FS_OK);
    EXPECT_EQ_INT(d.k, 20);
    EXPECT_EQ_INT(d.y[3], 13);
    dataset_free(&d);
    free(b);
    free(c);
}

static void write_png(const char *path, int w, int h, int ch, unsigned char v)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = (png_uint_32)w;
    im.height = (png_uint_32)h;
    im.format = ch == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    unsigned char *buf = xmalloc((size_t)w * h * ch);
    for (int i = 0; i < w * h * ch; i++) buf[i] = (unsigned char)(ch == 3 ? (i % 3 == 0 ? v : i % 3 == 1 ? 10 : 200) : v);
    EXPECT(png_image_write_to_file(&im, path, 0, buf, 0, NULL));
    free(buf);
}

static void write_jpeg(const char *path, int w, int h, unsigned char v)
{
    FILE *f = fopen(path, "wb");
    EXPECT(f != NULL);
    if (!f) return;
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 100, TRUE);
    jpeg_start_compress(&ci, TRUE);
    unsigned char *row = xmalloc((size_t)w * 3);
    for (int i = 0; i < w * 3; i++) row[i] = v;
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
    free(row);
}

static void test_folder(void)
{
    make_tmpdir();
    char root[300], p[500], spec[700];
    fs_snprintf(root, sizeof root, "%s/folder", tmpdir);
    const char *cls[3] = {"zebra", "airliner", "Ox"}; /* byte order: Ox, airliner, zebra */
    for (int c = 0; c < 3; c++) {
        fs_snprintf(p, sizeof p, "%s/%s", root, cls[c]);
        EXPECT(fs_mkdir_p(p) == FS_OK);
        for (int i = 0; i < 2; i++) {
            fs_snprintf(p, sizeof p, "%s/%s/img%d.png", root, cls[c], i);
            write_png(p, 20 + 4 * i, 16, 3, (unsigned char)(50 * c));
        }
        fs_snprintf(p, sizeof p, "%s/%s/x.JPG", root, cls[c]);
        write_jpeg(p, 12, 12, 128);
        fs_snprintf(p, sizeof p, "%s/%s/notes.txt", root, cls[c]); /* ignored */
        write_bytes(p, "hello", 5, 0);
    }
    fs_snprintf(spec, sizeof spec, "folder:%s?size=8", root);
    Dataset d;
    EXPECT(dataset_load(spec, &d) == FS_OK);
    EXPECT_EQ_INT(d.n, 9);
    EXPECT_EQ_INT(d.k, 3);
    EXPECT_EQ_INT(d.c, 3);
    EXPECT_EQ_INT(d.h, 8);
    if (d.class_names) {
        EXPECT(!strcmp(d.class_names[0], "Ox"));
        EXPECT(!strcmp(d.class_names[2], "zebra"));
    }
    /* image 3 = class 1 (airliner, red 50), png of constant colour: resize keeps it */
    EXPECT_NEAR(d.x[(size_t)3 * 192 + 10], 50 / 255.0, 1e-6);
    EXPECT_NEAR(d.x[(size_t)3 * 192 + 64 + 10], 10 / 255.0, 1e-6);
    EXPECT_NEAR(d.x[(size_t)3 * 192 + 128 + 10], 200 / 255.0, 1e-6);
    /* the jpeg (third of each class, files sorted: img0.png, img1.png, x.JPG) is grey 128 */
    EXPECT_NEAR(d.x[(size_t)2 * 192 + 20], 128 / 255.0, 2.5 / 255.0);
    EXPECT_EQ_INT(d.y[8], 2);
    dataset_free(&d);
    /* explicit class order, grey */
    fs_snprintf(spec, sizeof spec, "folder:%s?size=8&classes=zebra+airliner+Ox&channels=1", root);
    EXPECT(dataset_load(spec, &d) == FS_OK);
    if (d.class_names) EXPECT(!strcmp(d.class_names[0], "zebra"));
    EXPECT_EQ_INT(d.c, 1);
    dataset_free(&d);
    /* undecodable image */
    fs_snprintf(p, sizeof p, "%s/Ox/broken.png", root);
    write_bytes(p, "\x89PNG\r\n\x1a\nnot really a png at all", 30, 0);
    expect_error(spec, FS_ERR_FORMAT, "undecodable image", "broken.png");
    unlink(p);
    fs_snprintf(p, sizeof p, "%s/Ox/fake.jpg", root);
    write_bytes(p, "GIF89a........", 14, 0);
    expect_error(spec, FS_ERR_FORMAT, "undecodable image", "fake.jpg");
    unlink(p);
    /* empty class folder */
    fs_snprintf(p, sizeof p, "%s/empty", root);
    EXPECT(fs_mkdir_p(p) == FS_OK);
    fs_snprintf(spec, sizeof spec, "folder:%s?size=8", root);
    expect_error(spec, FS_ERR_FORMAT, "empty class folder", "empty");
    /* missing listed class */
    fs_snprintf(spec, sizeof spec, "folder:%s?size=8&classes=zebra+horse", root);
    expect_error(spec, FS_ERR_IO, "horse", "missing");
}

/* A .npy file: header dict padded to 64 bytes, then the payload. */
static void write_npy(const char *path, const char *descr, const char *shape, const void *data, size_t bytes,
                      int fortran, size_t cut)
{
    char dict[256];
    int l = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                     fortran ? "True" : "False", shape);
    int hlen = ((10 + l + 1 + 63) / 64) * 64 - 10;
    unsigned char *buf = xcalloc((size_t)(10 + hlen) + bytes, 1);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(hlen & 255);
    buf[9] = (unsigned char)(hlen >> 8);
    memset(buf + 10, ' ', (size_t)hlen);
    memcpy(buf + 10, dict, (size_t)l);
    buf[10 + hlen - 1] = '\n';
    memcpy(buf + 10 + hlen, data, bytes);
    write_bytes(path, buf, (size_t)(10 + hlen) + bytes - cut, 0);
    free(buf);
}

static void test_npy(void)
{
    make_tmpdir();
    char dir[300], img[400], lab[400], spec[900];
    fs_snprintf(dir, sizeof dir, "%s/c10c", tmpdir);
    EXPECT(fs_mkdir_p(dir) == FS_OK);
    int n = 10, h = 4, w = 6; /* 5 severities x 2 images */
    unsigned char *px = xmalloc((size_t)n * h * w * 3);
    for (int i = 0; i < n * h * w * 3; i++) px[i] = (unsigned char)(i % 251);
    int64_t lb[10];
    for (int i = 0; i < n; i++) lb[i] = i % 10;
    fs_snprintf(img, sizeof img, "%s/fog.npy", dir);
    fs_snprintf(lab, sizeof lab, "%s/labels.npy", dir);
    write_npy(img, "|u1", "(10, 4, 6, 3)", px, (size_t)n * h * w * 3, 0, 0);
    write_npy(lab, "<i8", "(10,)", lb, sizeof lb, 0, 0);
    fs_snprintf(spec, sizeof spec, "cifar10c:%s:fog:3", dir);
    Dataset d;
    EXPECT(dataset_load(spec, &d) == FS_OK);
    EXPECT_EQ_INT(d.n, 2);
    EXPECT_EQ_INT(d.c, 3);
    EXPECT_EQ_INT(d.h, 4);
    EXPECT_EQ_INT(d.w, 6);
    EXPECT_EQ_INT(d.y[1], 5);
    /* image 4 (row 0 of severity 3), channel 1, pixel (2, 3): HWC offset ((4*4+2)*6+3)*3+1 */
    EXPECT_NEAR(d.x[(size_t)0 * 72 + 24 + 2 * 6 + 3], (double)((((4 * 4 + 2) * 6 + 3) * 3 + 1) % 251) / 255.0, 1e-7);
    EXPECT(d.class_names && !strcmp(d.class_names[0], "airplane"));
    dataset_free(&d);
    fs_snprintf(spec, sizeof spec, "npy:%s:%s?per_class=1", img, lab);
    EXPECT(dataset_load(spec, &d) == FS_OK);
    EXPECT_EQ_INT(d.n, 10);
    dataset_free(&d);
    fs_snprintf(spec, sizeof spec, "npy:%s:%s", img, lab);
    /* errors */
    write_npy(img, "|u1", "(10, 4, 6, 3)", px, (size_t)n * h * w * 3, 0, 5);
    expect_error(spec, FS_ERR_FORMAT, "truncated", "fog.npy");
    write_npy(img, "|u1", "(10, 4, 6, 3)", px, (size_t)n * h * w * 3, 1, 0);
    expect_error(spec, FS_ERR_FORMAT, "fortran_order", "fog.npy");
    write_npy(img, "<f8", "(10, 4, 6, 3)", px, (size_t)n * h * w * 3, 0, 0);
    expect_error(spec, FS_ERR_FORMAT, "uint8", "fog.npy");
    write_npy(img, "|u1", "(10, 4, 6, 3)", px, (size_t)n * h * w * 3, 0, 0);
    write_npy(lab, "<i8", "(9,)", lb, 9 * sizeof lb[0], 0, 0);
    expect_error(spec, FS_ERR_FORMAT, "counts must match", "labels.npy");
    lb[7] = -3;
    write_npy(lab, "<i8", "(10,)", lb, sizeof lb, 0, 0);
    expect_error(spec, FS_ERR_FORMAT, "label 7", "out of range");
    static const char notnpy[] = "PK\x03\x04 not npy at all";
    write_bytes(img, notnpy, sizeof notnpy - 1, 0);
    expect_error(spec, FS_ERR_FORMAT, "wrong magic", "fog.npy");
    free(px);
}

static void test_spec_errors(void)
{
    expect_error("nonsense", FS_ERR_CONFIG, "expected SOURCE", NULL);
    expect_error("imagenet:/x:train", FS_ERR_CONFIG, "unknown source 'imagenet'", NULL);
    expect_error("syn:b1:val", FS_ERR_CONFIG, "split 'val'", NULL);
    expect_error("syn:b9:train", FS_ERR_CONFIG, "syn:bB", NULL);
    expect_error("syn:b1:test?n_per_class=2&colour=3", FS_ERR_CONFIG, "unknown option 'colour'", NULL);
    expect_error("syn:b1:test?n_per_class=x", FS_ERR_CONFIG, "n_per_class", NULL);
    expect_error("syn:b1:test?n_per_class=2&per_class=3", FS_ERR_CONFIG, "cannot take 3", NULL);
    expect_error("syn:b1:test?n_per_class=2&norm=bogus", FS_ERR_CONFIG, "norm=bogus", NULL);
    /* a syn parameter on another source is refused before any file is read (it was ignored) */
    expect_error("idx:/nonexistent/i:/nonexistent/l?n_per_class=20", FS_ERR_CONFIG, "option 'n_per_class'",
                 "not of 'idx'");
    expect_error("npy:/nonexistent/i.npy:/nonexistent/l.npy?per_class=2&seed=3", FS_ERR_CONFIG,
                 "option 'seed'", "syn:");
    expect_error("ood:blur:3:syn:b1:test?n_per_class=2", FS_ERR_CONFIG, "unknown corruption", NULL);
    expect_error("ood:gaussian_noise:9:syn:b1:test?n_per_class=2", FS_ERR_CONFIG, "severity", NULL);
    expect_error("", FS_ERR_CONFIG, "empty", NULL);
    Dataset d;
    EXPECT(dataset_load("syn:b1:test?n_per_class=4@6", &d) == FS_ERR_CONFIG); /* @N only before '?' */
    EXPECT(dataset_load("syn:b1:test@6?n_per_class=4", &d) == FS_OK);
    EXPECT_EQ_INT(d.n, 6);
    dataset_free(&d);
    EXPECT(strstr(dataset_spec_help(), "fashion-mnist") != NULL);
}

static void test_syn_sets(void)
{
    static const int want[4][5] = {{22, 2, 3, 6, 11}, {74, 3, 12, 20, 39}, {122, 3, 20, 33, 66}, {292, 7, 34, 84, 167}};
    SynParams p;
    syn_default_params(&p, 0);
    for (int b = 1; b <= 4; b++) {
        SynSets s;
        EXPECT(syn_make_sets(&p, b, &s) == FS_OK);
        EXPECT_EQ_INT(s.n_pairs[b - 1], want[b - 1][0]);
        EXPECT_EQ_INT(s.n_s[0], want[b - 1][1]);
        EXPECT_EQ_INT(s.n_s[2], want[b - 1][2]);
        EXPECT_EQ_INT(s.n_wedge[b - 1], want[b - 1][2]);
        EXPECT_EQ_INT(s.n_s[1], want[b - 1][3]);
        EXPECT_EQ_INT(s.n_s[3], want[b - 1][4]);
        for (int k = 0; k < 4; k++) EXPECT_EQ_INT(s.n_pairs[k], want[k][0]);
        /* disjoint, inside P_b; representatives have psi in [0, 180) */
        char *seen = xcalloc(32 * 32, 1);
        for (int c = 0; c < 4; c++)
            for (int q = 0; q < s.n_s[c]; q++) {
                int id = s.s[c][q];
                EXPECT(!seen[id]);
                seen[id] = 1;
                int i = id / 32, j = id % 32;
                double edges[5];
                spectral_band_edges(32, 32, 4, edges);
                EXPECT_EQ_INT(spectral_band_of(i, j, 32, 32, edges, 4), b - 1);
                int fy = i - 16, fx = j - 16;
                EXPECT(fy > 0 || (fy == 0 && fx > 0) || (fy == -16 && fx > 0));
                if (c == 0) EXPECT(fy == fx);
            }
        free(seen);
        /* canonical order: rho ascending */
        for (int q = 1; q < s.n_pairs[b - 1]; q++) {
            int a = s.pairs[b - 1][q - 1], c2 = s.pairs[b - 1][q];
            EXPECT(spectral_radius(a / 32, a % 32, 32, 32) <= spectral_radius(c2 / 32, c2 % 32, 32, 32));
        }
        double sig2 = 0;
        for (int k = 0; k < 4; k++) sig2 += s.sigma[k] * s.sigma[k];
        EXPECT_NEAR(sig2, 1.0, 1e-12);
        /* S_1 depends on the seed, S_0 does not */
        SynParams p2 = p;
        p2.seed = 12345;
        SynSets s2;
        EXPECT(syn_make_sets(&p2, b, &s2) == FS_OK);
        EXPECT(!memcmp(s.s[0], s2.s[0], (size_t)s.n_s[0] * sizeof(int)));
        if (s.n_s[1] > 3) EXPECT(memcmp(s.s[1], s2.s[1], (size_t)s.n_s[1] * sizeof(int)) != 0);
        syn_sets_free(&s2);
        syn_sets_free(&s);
    }
}

static void test_syn_generate(void)
{
    Dataset a, b, c;
    EXPECT(dataset_load("syn:b2:train?n_per_class=8&seed=3", &a) == FS_OK);
    EXPECT(dataset_load("syn:b2:train?n_per_class=8&seed=3", &b) == FS_OK);
    EXPECT(dataset_load("syn:b2:train?n_per_class=8&seed=4", &c) == FS_OK);
    EXPECT_EQ_INT(a.n, 32);
    EXPECT_EQ_INT(a.c, 3);
    EXPECT_EQ_INT(a.h, 32);
    EXPECT_EQ_INT(a.y[0], 0);
    EXPECT_EQ_INT(a.y[8], 1);
    EXPECT_EQ_INT(a.y[31], 3);
    size_t np = (size_t)a.n * 3 * 32 * 32;
    EXPECT(!memcmp(a.x, b.x, np * sizeof *a.x));
    EXPECT(memcmp(a.x, c.x, np * sizeof *a.x) != 0);
    int quant = 1;
    double m = 0;
    for (size_t i = 0; i < np; i++) {
        double q = (double)a.x[i] * 255.0;
        if (fabs(q - floor(q + 0.5)) > 1e-3 || a.x[i] < 0 || a.x[i] > 1) quant = 0;
        m += (double)a.x[i];
    }
    EXPECT(quant);
    EXPECT_NEAR(m / (double)np, 0.5, 0.02);
    EXPECT_NEAR(a.mean[1], 0.498, 1e-6);
    EXPECT_NEAR(a.std[1], 0.173042, 1e-6);
    /* image n of the train split does not depend on n_per_class of the split? It does not
     * depend on the other images: the stream is (seed, b, split, n). */
    Dataset t;
    EXPECT(dataset_load("syn:b2:test?n_per_class=8&seed=3", &t) == FS_OK);
    EXPECT(memcmp(a.x, t.x, 3 * 32 * 32 * sizeof *a.x) != 0);
    dataset_free(&t);
    dataset_free(&a);
    dataset_free(&b);
    dataset_free(&c);
}

/* The design puts excess amplitude on S_c for class c: mean |F| over S_c bins is highest for
 * class c (c = 1, 2, 3) and C0's diagonal bins are highest for C0. */
static void test_syn_signatures(void)
{
    for (int band = 1; band <= 4; band += 3) {
        SynParams p;
        syn_default_params(&p, 1);
        p.n_per_class = 16;
        Dataset d;
        EXPECT(syn_generate(&p, band, 1, &d) == FS_OK);
        SynSets s;
        EXPECT(syn_make_sets(&p, band, &s) == FS_OK);
        SpectralPlan *sp = spectral_plan_create(3, 32, 32, SPECTRAL_ESTIMATE);
        double *amp = xmalloc(3 * 1024 * sizeof *amp);
        double e[4][4] = {{0}}; /* e[class][set] */
        for (int i = 0; i < d.n; i++) {
            spectral_amplitude(sp, d.x + (size_t)i * 3072, amp);
            for (int set = 0; set < 4; set++) {
                double a = 0;
                for (int q = 0; q < s.n_s[set]; q++)
                    for (int ch = 0; ch < 3; ch++) a += amp[ch * 1024 + s.s[set][q]];
                e[d.y[i]][set] += a / s.n_s[set];
            }
        }
        for (int set = 0; set < 4; set++)
            for (int c = 0; c < 4; c++)
                if (c != set) EXPECT_MSG(e[set][set] > 1.2 * e[c][set], "band %d set %d class %d: %g vs %g", band, set, c, e[set][set], e[c][set]);
        free(amp);
        spectral_plan_destroy(sp);
        syn_sets_free(&s);
        dataset_free(&d);
    }
}

static void test_subset_norm_resize(void)
{
    Dataset d;
    EXPECT(dataset_load("syn:b1:test?n_per_class=6", &d) == FS_OK);
    Dataset s;
    EXPECT(dataset_load("syn:b1:test?n_per_class=6&n=10", &s) == FS_OK);
    EXPECT_EQ_INT(s.n, 10);
    int *cnt = dataset_class_counts(&s);
    EXPECT(cnt[0] == 3 && cnt[1] == 3 && cnt[2] == 2 && cnt[3] == 2);
    free(cnt);
    EXPECT(!memcmp(s.x, d.x, 3072 * sizeof *s.x)); /* first image of class 0 */
    dataset_free(&s);
    EXPECT(dataset_load("syn:b1:test?n_per_class=6&per_class=2&subset_seed=9", &s) == FS_OK);
    EXPECT_EQ_INT(s.n, 8);
    for (int i = 1; i < s.n; i++) EXPECT(s.y[i] >= s.y[i - 1]);
    dataset_free(&s);
    EXPECT(dataset_load("syn:b1:test?n_per_class=6&n=5&stratified=0", &s) == FS_OK);
    for (int i = 0; i < 5; i++) EXPECT_EQ_INT(s.y[i], 0);
    dataset_free(&s);
    /* half=0|1: the even- and odd-ranked images of each class, disjoint, in stored order */
    Dataset hf[2];
    EXPECT(dataset_load("syn:b1:test?n_per_class=6&per_class=5&half=0", &hf[0]) == FS_OK);
    EXPECT(dataset_load("syn:b1:test?n_per_class=6&per_class=5&half=1", &hf[1]) == FS_OK);
    EXPECT(dataset_load("syn:b1:test?n_per_class=6&per_class=5", &s) == FS_OK);
    EXPECT(hf[0].n == 12 && hf[1].n == 8 && s.n == 20); /* 3 + 2 of each class's 5 */
    int next[2] = {0, 0}, rank[4] = {0, 0, 0, 0};
    for (int i = 0; i < s.n; i++) { /* walk the whole set: each image is the next of its half */
        int h = rank[s.y[i]]++ % 2, j = next[h]++;
        EXPECT(j < hf[h].n && hf[h].y[j] == s.y[i]);
        if (j < hf[h].n) EXPECT(!memcmp(hf[h].x + (size_t)j * 3072, s.x + (size_t)i * 3072, 3072 * sizeof *s.x));
    }
    EXPECT(next[0] == hf[0].n && next[1] == hf[1].n);
    dataset_free(&hf[0]);
    dataset_free(&hf[1]);
    EXPECT(dataset_class_half(&s, 2, &hf[0]) == FS_ERR_CONFIG);
    dataset_free(&s);
    EXPECT(dataset_load("syn:b1:test?n_per_class=6&half=2", &s) == FS_ERR_CONFIG);
    /* normalise */
    float *z = xmalloc(3072 * sizeof *z);
    dataset_normalize(&d, d.x, z, 1);
    EXPECT_NEAR(z[1024 + 5], (d.x[1024 + 5] - 0.498f) / 0.173042f, 1e-5);
    free(z);
    /* pad, resize, explicit constants, computed constants */
    EXPECT(dataset_load("syn:b1:test?n_per_class=2&pad=2&mean=0.5&std=0.25", &s) == FS_OK);
    EXPECT_EQ_INT(s.h, 36);
    EXPECT(s.x[0] == 0.0f && s.x[36 * 2 + 2] == d.x[0]);
    EXPECT_NEAR(s.mean[2], 0.5, 0);
    EXPECT_NEAR(s.std[0], 0.25, 0);
    dataset_free(&s);
    EXPECT(dataset_load("syn:b1:test?n_per_class=2&size=16", &s) == FS_OK);
    EXPECT_EQ_INT(s.h, 16);
    double m = 0;
    for (int i = 0; i < 256; i++) m += (double)s.x[i];
    EXPECT(s.mean[0] > 0.3f && s.mean[0] < 0.7f); /* computed from the data */
    dataset_free(&s);
    /* resize of a constant image is constant; 2x box-like average of a 2x2 checker */
    float src[4 * 4], ramp[8 * 8], dst[4 * 4];
    for (int i = 0; i < 64; i++) ramp[i] = (float)(i % 8); /* linear in x: preserved inside */
    image_resize(ramp, 1, 8, 8, dst, 4, 4);
    for (int y = 0; y < 4; y++) {
        EXPECT_NEAR(dst[y * 4 + 1], 2.5, 1e-6);
        EXPECT_NEAR(dst[y * 4 + 2], 4.5, 1e-6);
    }
    for (int i = 0; i < 16; i++) src[i] = 0.3f;
    float up[7 * 9];
    image_resize(src, 1, 4, 4, up, 7, 9);
    for (int i = 0; i < 63; i++) EXPECT_NEAR(up[i], 0.3, 1e-6);
    image_resize(src, 1, 4, 4, src, 4, 4);
    dataset_free(&d);
}

static void test_fashion_mnist(void)
{
    const char *p = DATA_FASHION_MNIST_DIR "/t10k-images-idx3-ubyte.gz";
    if (!fs_file_exists(p)) {
        printf("    skip: %s not installed\n", p);
        return;
    }
    Dataset d;
    EXPECT(dataset_load("fashion-mnist:test", &d) == FS_OK);
    EXPECT_EQ_INT(d.n, 10000);
    EXPECT_EQ_INT(d.h, 28);
    EXPECT_EQ_INT(d.k, 10);
    int *cnt = dataset_class_counts(&d);
    for (int c = 0; c < 10; c++) EXPECT_EQ_INT(cnt[c], 1000);
    free(cnt);
    EXPECT_NEAR(d.mean[0], 0.2860, 1e-6);
    Dataset e = d;
    dataset_compute_norm(&e);
    EXPECT_NEAR(e.mean[0], 0.2860, 0.003); /* the test split is close to the train constants */
    EXPECT_NEAR(e.std[0], 0.3530, 0.003);
    dataset_free(&d);
    EXPECT(dataset_load("fashion-mnist:test?per_class=3&pad32=1", &d) == FS_OK);
    EXPECT_EQ_INT(d.n, 30);
    EXPECT_EQ_INT(d.h, 32);
    EXPECT_NEAR(d.mean[0], 0.2190, 1e-6);
    EXPECT_NEAR(d.std[0], 0.3318, 1e-6);
    EXPECT(d.class_names && !strcmp(d.class_names[9], "Ankle boot"));
    dataset_free(&d);
}

static void test_cleanup(void)
{
    if (tmpdir[0]) rm_rf(tmpdir);
    EXPECT(!tmpdir[0] || !fs_file_exists(tmpdir));
}

TEST_MAIN({"idx_ok_and_errors", test_idx_ok_and_errors}, {"cifar", test_cifar},
          {"folder", test_folder}, {"npy", test_npy}, {"spec_errors", test_spec_errors}, {"syn_sets", test_syn_sets},
          {"syn_generate", test_syn_generate}, {"syn_signatures", test_syn_signatures},
          {"subset_norm_resize", test_subset_norm_resize}, {"fashion_mnist", test_fashion_mnist},
          {"cleanup", test_cleanup})
