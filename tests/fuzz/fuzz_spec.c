/* fuzz_spec.c: dataset spec strings (dataset_load: src/data/data_spec.c's source, option and
 * @N parsing, the ood: wrapper, subsets, resizing, normalisation), run in a folder of tiny
 * fixture datasets so that specs naming them load: IDX (idx:i:l, mnist:m:train), NPY
 * (npy:a.npy:b.npy, cifar10c:c:gaussian_noise:1), CIFAR-10 (cifar10:cf:test) and ImageFolder
 * (folder:img).
 * Input: the spec string (up to the first NUL). Inputs that would only ask for a lot of work are
 * skipped: a '/' or "..", (the fuzzer must not wander the file system), fashion-mnist (loads the
 * system's copy), a number of 3 digits or more (syn:b2:test?n_per_class=116&size=666 is a
 * legitimate 2.5 GB request, over libFuzzer's memory limit), and syn: without n_per_class=. */
#include "fuzz.h"
#include "codec.h"
#include "data.h"

#include <ctype.h>

static void put(const char *name, const void *p, size_t n)
{
    fuzz_write(name, p, n);
}

/* An .npy file: descr, shape text "(N, H, W)" etc., raw data. */
static void put_npy(const char *name, const char *descr, const char *shape, const void *p, size_t n)
{
    char hdr[128];
    int len = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    while ((10 + len + 1) % 64) hdr[len++] = ' ';
    hdr[len++] = '\n';
    uint8_t *buf = xmalloc(10 + (size_t)len + n);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (uint8_t)(len & 255);
    buf[9] = (uint8_t)(len >> 8);
    memcpy(buf + 10, hdr, (size_t)len);
    memcpy(buf + 10 + len, p, n);
    put(name, buf, 10 + (size_t)len + n);
    free(buf);
}

static void make_fixtures(void)
{
    if (chdir(fuzz_tmpdir()) != 0) abort();
    uint8_t px[10 * 8 * 8 * 3], lab[10];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 37 + 11);
    for (int i = 0; i < 10; i++) lab[i] = (uint8_t)(i % 3);
    /* IDX: 10 images of 8 x 8 */
    uint8_t hi[16] = {0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 8, 0, 0, 0, 8}, hl[8] = {0, 0, 8, 1, 0, 0, 0, 10};
    uint8_t buf[16 + 640];
    memcpy(buf, hi, 16);
    memcpy(buf + 16, px, 640);
    put("i", buf, sizeof buf);
    memcpy(buf, hl, 8);
    memcpy(buf + 8, lab, 10);
    put("l", buf, 18);
    mkdir("m", 0700);
    memcpy(buf, hi, 16);
    memcpy(buf + 16, px, 640);
    put("m/train-images-idx3-ubyte", buf, sizeof buf);
    memcpy(buf, hl, 8);
    memcpy(buf + 8, lab, 10);
    put("m/train-labels-idx1-ubyte", buf, 18);
    /* NPY: 10 RGB images of 8 x 8, int64 labels; cifar10c: 5 severities of 2 images */
    int64_t l64[10];
    for (int i = 0; i < 10; i++) l64[i] = lab[i];
    put_npy("a.npy", "|u1", "(10, 8, 8, 3)", px, sizeof px);
    put_npy("b.npy", "<i8", "(10,)", l64, sizeof l64);
    mkdir("c", 0700);
    put_npy("c/gaussian_noise.npy", "|u1", "(10, 8, 8, 3)", px, sizeof px);
    put_npy("c/labels.npy", "<i8", "(10,)", l64, sizeof l64);
    /* CIFAR-10 test batch: 3 records */
    mkdir("cf", 0700);
    uint8_t rec[3 * 3073];
    for (size_t i = 0; i < sizeof rec; i++) rec[i] = (uint8_t)(i * 13);
    for (int r = 0; r < 3; r++) rec[r * 3073] = (uint8_t)r;
    put("cf/test_batch.bin", rec, sizeof rec);
    /* ImageFolder: two classes of one 6 x 5 PNG each */
    mkdir("img", 0700);
    mkdir("img/cat", 0700);
    mkdir("img/dog", 0700);
    uint8_t *png = NULL;
    size_t npng = 0;
    if (codec_png_encode_rgb(px, 6, 5, &png, &npng) != FS_OK) abort();
    put("img/cat/a.png", png, npng);
    put("img/dog/b.png", png, npng);
    free(png);
    put("classes.txt", "dog\ncat\n", 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        make_fixtures();
        ready = 1;
    }
    if (size > 512) return 0;
    char *spec = xmalloc(size + 1);
    memcpy(spec, data, size);
    spec[size] = 0;
    int digits = 0, skip = strchr(spec, '/') || strstr(spec, "..") || strstr(spec, "fashion-mnist") ||
                           (strstr(spec, "syn:") && !strstr(spec, "n_per_class="));
    for (const char *p = spec; *p && !skip; p++) {
        digits = isdigit((unsigned char)*p) ? digits + 1 : 0;
        if (digits >= 3) skip = 1;
    }
    Dataset d;
    if (!skip && fuzz_note(dataset_load(spec, &d)) == FS_OK) dataset_free(&d);
    free(spec);
    return 0;
}
