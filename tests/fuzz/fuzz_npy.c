/* fuzz_npy.c: NumPy .npy images + labels (data_load_npy).
 * Input: 1 flag byte, the images file, "FZ|\n", the labels file.
 * Flag bits 0-1: first row 0, 1, 2 or 3; bit 2: count 2 instead of to the end; bit 3: labels
 * limited to 0..9; bit 4: unclipped (float pixels may leave [0, 1], still finite). */
#include "fuzz.h"
#include "data/data_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20)) return 0;
    int flag = data[0];
    const uint8_t *b;
    size_t na, nb;
    fuzz_split(data + 1, size - 1, &na, &b, &nb);
    char pi[300], pl[300];
    fuzz_path(pi, sizeof pi, "images.npy");
    fuzz_path(pl, sizeof pl, "labels.npy");
    fuzz_write(pi, data + 1, na);
    fuzz_write(pl, b, nb);
    Dataset d;
    if (fuzz_note(data_load_npy(pi, pl, flag & 3, flag & 4 ? 2 : -1, flag & 8 ? 10 : 0,
                                flag & 16 ? 1 : 0, &d)) == FS_OK)
        dataset_free(&d);
    unlink(pi);
    unlink(pl);
    return 0;
}
