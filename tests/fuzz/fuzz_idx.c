/* fuzz_idx.c: IDX images + labels (data_load_idx), plain or gzipped.
 * Input: 1 flag byte, the images file, the separator "FZ|\n", the labels file.
 * Flag bit 0: gzip both files before writing them (the fuzzer then shapes the IDX content seen
 * through zlib); bit 1: labels limited to 0..9 (as for fashion-mnist) instead of any byte. */
#include "fuzz.h"
#include "data/data_internal.h"

#include <zlib.h>

static void write_gz(const char *path, const uint8_t *p, size_t n)
{
    gzFile g = gzopen(path, "wb");
    if (!g || (n && gzwrite(g, p, (unsigned)n) != (int)n) || gzclose(g) != Z_OK) {
        fprintf(stderr, "%s: gzip write failed\n", path);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20)) return 0;
    int flag = data[0];
    const uint8_t *b;
    size_t na, nb;
    fuzz_split(data + 1, size - 1, &na, &b, &nb);
    char pi[300], pl[300];
    fuzz_path(pi, sizeof pi, flag & 1 ? "images.gz" : "images");
    fuzz_path(pl, sizeof pl, flag & 1 ? "labels.gz" : "labels");
    if (flag & 1) {
        write_gz(pi, data + 1, na);
        write_gz(pl, b, nb);
    } else {
        fuzz_write(pi, data + 1, na);
        fuzz_write(pl, b, nb);
    }
    Dataset d;
    if (fuzz_note(data_load_idx(pi, pl, flag & 2 ? 10 : 0, &d)) == FS_OK) dataset_free(&d);
    unlink(pi);
    unlink(pl);
    return 0;
}
