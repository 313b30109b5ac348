/* make_corpus.c: writes the committed seed corpora tests/fuzz/corpus/<target>/ (small valid
 * inputs in each harness's input layout: see the comment at the top of each fuzz_<target>.c).
 * Run by `make fuzz-corpus` (which empties the folders first); the output is committed, so this
 * only needs to run again when a harness's input layout changes. Deterministic: fixed pixel
 * patterns, no clock. */
#include "fuzz.h"
#include "dfm_file.h"
#include "h5file.h"
#include "model.h"
#include "model_file.h"
#include "store.h"
#include "store/store_internal.h"
#include "task.h"

#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

static const char *out_root;

static void emit(const char *target, const char *name, const void *p, size_t n)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", out_root, target);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/%s", out_root, target, name);
    fuzz_write(path, p, n);
}

/* flag byte + a + ("FZ|\n" + b when b) */
static void emit2(const char *target, const char *name, int flag, const void *a, size_t na,
                  const void *b, size_t nb)
{
    uint8_t *buf = xmalloc(1 + na + 4 + nb);
    size_t n = 0;
    buf[n++] = (uint8_t)flag;
    memcpy(buf + n, a, na);
    n += na;
    if (b) {
        memcpy(buf + n, "FZ|\n", 4);
        n += 4;
        memcpy(buf + n, b, nb);
        n += nb;
    }
    emit(target, name, buf, n);
    free(buf);
}

static uint8_t pix(int i) { return (uint8_t)((i * 37 + 11) & 255); }

/* ---------------------------------------------------------------- IDX */
static size_t idx_images(uint8_t *o, int n, int h, int w)
{
    uint8_t hdr[16] = {0, 0, 8, 3, 0, 0, 0, (uint8_t)n, 0, 0, 0, (uint8_t)h, 0, 0, 0, (uint8_t)w};
    memcpy(o, hdr, 16);
    for (int i = 0; i < n * h * w; i++) o[16 + i] = pix(i);
    return 16 + (size_t)(n * h * w);
}

static size_t idx_labels(uint8_t *o, int n)
{
    uint8_t hdr[8] = {0, 0, 8, 1, 0, 0, 0, (uint8_t)n};
    memcpy(o, hdr, 8);
    for (int i = 0; i < n; i++) o[8 + i] = (uint8_t)(i % 3);
    return 8 + (size_t)n;
}

static size_t gzip_bytes(const uint8_t *p, size_t n, uint8_t *o, size_t cap)
{
    char tmp[300];
    fuzz_path(tmp, sizeof tmp, "gz");
    gzFile g = gzopen(tmp, "wb9");
    if (!g || gzwrite(g, p, (unsigned)n) != (int)n || gzclose(g) != Z_OK) abort();
    FILE *f = fopen(tmp, "rb");
    if (!f) abort();
    size_t got = fread(o, 1, cap, f);
    fclose(f);
    unlink(tmp);
    return got;
}

static void make_idx(void)
{
    uint8_t im[16 + 3 * 5 * 4], lb[8 + 3], gi[200], gl[100];
    size_t ni = idx_images(im, 3, 5, 4), nl = idx_labels(lb, 3);
    emit2("idx", "plain", 0, im, ni, lb, nl);
    emit2("idx", "plain_k10", 2, im, ni, lb, nl);
    emit2("idx", "gzip_by_harness", 1, im, ni, lb, nl);
    size_t ngi = gzip_bytes(im, ni, gi, sizeof gi), ngl = gzip_bytes(lb, nl, gl, sizeof gl);
    emit2("idx", "gzip_in_input", 0, gi, ngi, gl, ngl);
}

/* ---------------------------------------------------------------- CIFAR */
static void make_cifar(void)
{
    static uint8_t rec[2 * 3074];
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 3073; i++) rec[r * 3073 + i] = pix(r * 3073 + i);
        rec[r * 3073] = (uint8_t)(r + 3);
    }
    emit2("cifar", "c10_test", 0, rec, 2 * 3073, NULL, 0);
    emit2("cifar", "c10_train", 4, rec, 3073, NULL, 0);
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 3074; i++) rec[r * 3074 + i] = pix(r * 3074 + i + 5);
        rec[r * 3074] = (uint8_t)(r + 1);      /* coarse */
        rec[r * 3074 + 1] = (uint8_t)(r + 40); /* fine */
    }
    const char *names = "aquatic_mammals\nfish\nflowers\n";
    emit2("cifar", "c100_coarse_names", 1, rec, 2 * 3074, names, strlen(names));
    emit2("cifar", "c100_fine_train", 1 | 2 | 4, rec, 3074, NULL, 0);
}

/* ---------------------------------------------------------------- NPY */
static size_t npy(uint8_t *o, int major, const char *descr, const char *shape, const void *p, size_t n)
{
    char hdr[160];
    int pre = major == 1 ? 10 : 12;
    int len = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    while ((pre + len + 1) % 64) hdr[len++] = ' ';
    hdr[len++] = '\n';
    memcpy(o, "\x93NUMPY", 6);
    o[6] = (uint8_t)major;
    o[7] = 0;
    o[8] = (uint8_t)(len & 255);
    o[9] = (uint8_t)(len >> 8);
    if (major != 1) o[10] = o[11] = 0;
    memcpy(o + pre, hdr, (size_t)len);
    memcpy(o + pre + len, p, n);
    return (size_t)(pre + len) + n;
}

static void make_npy(void)
{
    uint8_t px[3 * 4 * 4 * 3], a[512], b[256];
    float fx[3 * 4 * 4];
    int64_t l8[3] = {0, 2, 1};
    int32_t l4[3] = {1, 0, 1};
    uint8_t l1[3] = {2, 1, 0};
    for (int i = 0; i < (int)sizeof px; i++) px[i] = pix(i);
    for (int i = 0; i < 48; i++) fx[i] = (float)i / 48.0f;
    size_t na = npy(a, 1, "|u1", "(3, 4, 4, 3)", px, sizeof px), nb = npy(b, 1, "<i8", "(3,)", l8, sizeof l8);
    emit2("npy", "u1_rgb", 0, a, na, b, nb);
    na = npy(a, 1, "|u1", "(3, 4, 4)", px, 48);
    nb = npy(b, 1, "|u1", "(3,)", l1, sizeof l1);
    emit2("npy", "u1_grey_k10", 8, a, na, b, nb);
    na = npy(a, 2, "<f4", "(3, 4, 4)", fx, sizeof fx);
    nb = npy(b, 1, "<i4", "(3,)", l4, sizeof l4);
    emit2("npy", "f4_v2_rows", 1 | 4, a, na, b, nb);
}

/* ---------------------------------------------------------------- PNG / JPEG */
static void png_simple(const char *name, int flag, png_uint_32 format, int w, int h)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = (png_uint_32)w;
    im.height = (png_uint_32)h;
    im.format = format;
    size_t row = PNG_IMAGE_ROW_STRIDE(im) * PNG_IMAGE_PIXEL_COMPONENT_SIZE(im.format);
    uint8_t *px = xmalloc(row * (size_t)h);
    for (size_t i = 0; i < row * (size_t)h; i++) px[i] = pix((int)i);
    png_alloc_size_t n = 0;
    if (!png_image_write_to_memory(&im, NULL, &n, 0, px, 0, NULL)) abort();
    uint8_t *out = xmalloc(n);
    if (!png_image_write_to_memory(&im, out, &n, 0, px, 0, NULL)) abort();
    emit2("image", name, flag, out, n, NULL, 0);
    free(out);
    free(px);
}

static void jpeg_one(const char *name, int flag, int comps, int progressive, int w, int h)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    unsigned char *mem = NULL;
    unsigned long n = 0;
    jpeg_mem_dest(&c, &mem, &n);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = comps;
    c.in_color_space = comps == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 50, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    uint8_t row[64 * 3];
    while (c.next_scanline < c.image_height) {
        for (int i = 0; i < w * comps; i++) row[i] = pix(i + (int)c.next_scanline * 7);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    emit2("image", name, flag, mem, n, NULL, 0);
    free(mem);
}

static void make_image(void)
{
    png_simple("png_rgb", 0 | 16, PNG_FORMAT_RGB, 6, 5);
    png_simple("png_grey_to_1ch", 1 | 16, PNG_FORMAT_GRAY, 5, 3);
    png_simple("png_rgba", 4 | 16, PNG_FORMAT_RGBA, 4, 4);
    png_simple("png_16bit", 8, PNG_FORMAT_LINEAR_RGB, 3, 3);
    jpeg_one("jpeg_rgb", 2, 3, 0, 9, 7);
    jpeg_one("jpeg_grey_1ch", 2 | 1, 1, 0, 8, 8);
    jpeg_one("jpeg_progressive", 2 | 4, 3, 1, 10, 6);
}

/* ---------------------------------------------------------------- HDF5 files */
static void emit_file(const char *target, const char *name, const char *path)
{
    char *buf = NULL;
    size_t n = 0;
    if (fs_read_file(path, &buf, &n) != FS_OK) abort();
    emit(target, name, buf, n);
    free(buf);
    unlink(path);
}

static void make_model(void)
{
    ModelOptions o;
    model_options_default(&o);
    o.width = 1.0 / 16;
    Model *m = NULL;
    char p[300];
    fuzz_path(p, sizeof p, "m.h5");
    if (model_create("cnn", &o, 1, 8, 8, 2, 1, &m) != FS_OK || model_file_write(m, p, NULL, NULL) != FS_OK) {
        fprintf(stderr, "make_corpus: %s\n", fs_last_error());
        abort();
    }
    model_free(m);
    emit_file("model", "cnn_tiny", p); /* no .h5: .gitignore */
}

static void make_dfm(void)
{
    double thr[2] = {0.05, 0.1}, lm[8] = {0, 1, 2, 3, 4, 5, 6, 7}, sc[8] = {0}, cl[2] = {1, 2};
    uint8_t dfm[2 * 2 * 2 * 2];
    for (int i = 0; i < 16; i++) dfm[i] = (uint8_t)(i % 3 == 0);
    DfmFileOut o = {0};
    o.method = "removal";
    o.model = "m.h5";
    o.data = "synthetic";
    o.geometry = "reference";
    o.path = "fast";
    o.patch = 1;
    o.k = 2;
    o.h = o.w = 2;
    o.n_t = 2;
    o.n_masks = 4;
    o.ranks = 1;
    o.thresholds = thr;
    o.dfm = dfm;
    o.loss_map = lm;
    o.scores = sc;
    o.clean_loss = cl;
    char p[300];
    fuzz_path(p, sizeof p, "d.h5");
    H5File *f = dfm_file_create(p, &o);
    if (!f || h5f_close(f) != FS_OK) abort();
    emit_file("dfm", "removal_2x2", p);
}

/* ---------------------------------------------------------------- INI */
static void make_ini(void)
{
    const char *fake = "[sweep]\nname = tiny\nrunner = fake\nseed = 3\n[axes]\ndatasets = Syn_B1, Syn_B2\n"
                       "archs = cnn:0.25\naugs = none, flip\nbands = all\nseeds = 0, 1\n[analyses]\n"
                       "learning_order = true\nadcs = true\ndfm = true\ndfm_T = 0.01, 0.1\n[fake]\nms = 1\n";
    emit("ini", "fake.ini", fake, strlen(fake));
    const char *bad = "[sweep]\nrunner = fake\n[axes]\ndatasets = Syn_B1\nseeds = 0\n[nosuch]\nkey = 1\n";
    emit("ini", "unknown_section.ini", bad, strlen(bad));
    char *q = NULL;
    size_t n = 0;
    if (fs_read_file("jobs/quickstart.ini", &q, &n) == FS_OK) emit("ini", "quickstart.ini", q, n);
    free(q);
}

/* ---------------------------------------------------------------- journal */
static void jrec(FsBuf *o, int type, const void *a, size_t na, const void *b, size_t nb)
{
    uint32_t hdr[2] = {0x4653524Au, (uint32_t)type};
    uint64_t len = na + nb, h = fs_hash64(a, na) ^ (nb ? fs_hash64(b, nb) * 31 : 0);
    fsbuf_put(o, hdr, sizeof hdr);
    fsbuf_put(o, &len, 8);
    fsbuf_put(o, &h, 8);
    fsbuf_put(o, a, na);
    if (nb) fsbuf_put(o, b, nb);
}

static void make_journal(void)
{
    FsBuf j = {0};
    const char *cfg = "[sweep]\nrunner = fake\n[axes]\ndatasets = Syn_B1\n";
    jrec(&j, STORE_JREC_CONFIG, cfg, strlen(cfg), NULL, 0);
    StoreStart s;
    memset(&s, 0, sizeof s);
    s.task_id = 7;
    s.rank = 1;
    s.time = 1e9;
    snprintf(s.key, sizeof s.key, "train/Syn_B1/cnn/none/all/0");
    jrec(&j, STORE_JREC_START, &s, sizeof s, NULL, 0);
    StoreKey k;
    memset(&k, 0, sizeof k);
    snprintf(k.key, sizeof k.key, "%s", s.key);
    k.kind = 0;
    k.seed = 0;
    snprintf(k.v[0], sizeof k.v[0], "Syn_B1");
    snprintf(k.v[1], sizeof k.v[1], "cnn");
    snprintf(k.v[2], sizeof k.v[2], "none");
    snprintf(k.v[3], sizeof k.v[3], "all");
    TaskResult r;
    memset(&r, 0, sizeof r);
    r.task_id = 7;
    r.status = FS_OK;
    r.attempt = 1;
    r.rank = 1;
    r.start = 1e9;
    r.end = 1e9 + 2;
    r.wall = 2;
    snprintf(r.host, sizeof r.host, "node1");
    const char *dims[1] = {"epoch"};
    int64_t size[1] = {3};
    TaskBlob *b = task_result_add(&r, "test_acc", BLOB_RESULTS, 1u, 0, 1, dims, size);
    for (int i = 0; i < 3; i++) b->data[i] = 0.5 + 0.1 * i;
    /* coordinates of every kind: numbers (flag 1), integers (2), strings (3) */
    const char *cdims[3] = {"T", "class", "fy"};
    int64_t csize[3] = {2, 3, 4};
    b = task_result_add(&r, "dfm", BLOB_RESULTS, 1u, 1, 3, cdims, csize);
    for (int i = 0; i < 24; i++) b->data[i] = i % 2;
    const double tv[2] = {0.05, 0.1}, fv[4] = {-2, -1, 0, 1};
    const char *names[3] = {"T-shirt/top", "Trouser", "Pullover"};
    task_blob_set_coord(b, 0, tv, 0);
    task_blob_set_labels(b, 1, names);
    task_blob_set_coord(b, 2, fv, 1);
    FsBuf pr = {0};
    task_result_pack(&r, &pr);
    jrec(&j, STORE_JREC_RESULT, &k, sizeof k, pr.s, pr.len);
    StoreHistory hist;
    memset(&hist, 0, sizeof hist);
    jrec(&j, STORE_JREC_HISTORY, &hist, sizeof hist, NULL, 0);
    uint8_t *buf = xmalloc(1 + j.len);
    buf[0] = 0;
    memcpy(buf + 1, j.s, j.len);
    emit("journal", "run", buf, 1 + j.len);
    buf[0] = 1;
    emit("journal", "run_fixup", buf, 1 + j.len);
    buf[0] = 0;
    emit("journal", "torn_tail", buf, 1 + j.len - 5);
    free(buf);
    fsbuf_free(&pr);
    fsbuf_free(&j);
    task_result_free(&r);
}

/* ---------------------------------------------------------------- dataset specs */
static void make_spec(void)
{
    const char *specs[] = {
        "idx:i:l", "idx:i:l?n=4&subset_seed=3", "mnist:m:train@5", "npy:a.npy:b.npy?size=4&channels=1",
        "cifar10c:c:gaussian_noise:2", "cifar10:cf:test?pad=2&norm=data",
        "folder:img?size=8&classes_file=classes.txt", "folder:img?classes=dog+cat&channels=1&size=4",
        "syn:b1:test?n_per_class=2&side=8&seed=5", "ood:gaussian_noise:3:idx:i:l?ood_seed=2",
        "ood:bandstop:1,2:npy:a.npy:b.npy", "idx:i:l?per_class=1&stratified=0&mean=0.5&std=0.25",
        "npy:a.npy:b.npy?frac=0.5&pad32=1", "cifar10:cf:test?n=2&mean=0.1,0.2,0.3&std=1,1,1"};
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        char name[32];
        snprintf(name, sizeof name, "spec%02zu", i);
        emit("spec", name, specs[i], strlen(specs[i]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}

int main(int argc, char **argv)
{
    out_root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
    mkdir(out_root, 0755);
    make_idx();
    make_cifar();
    make_npy();
    make_image();
    make_model();
    make_dfm();
    make_ini();
    make_journal();
    make_spec();
    printf("make_corpus: wrote %s\n", out_root);
    return 0;
}
