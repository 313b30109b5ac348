/* fuzz_cifar.c: CIFAR binary batches (data_load_cifar).
 * Input: 1 flag byte, the batch file, optionally "FZ|\n" and a label-names text file.
 * Flag bit 0: CIFAR-100 (train.bin/test.bin, two label bytes) instead of CIFAR-10; bit 1: fine
 * labels (CIFAR-100); bit 2: the training split (CIFAR-10: the same bytes as data_batch_1..5). */
#include "fuzz.h"
#include "data/data_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20)) return 0;
    int flag = data[0], c100 = flag & 1, fine = (flag >> 1) & 1, train = (flag >> 2) & 1;
    const uint8_t *b;
    size_t na, nb;
    fuzz_split(data + 1, size - 1, &na, &b, &nb);
    char dir[300], p[400];
    fuzz_path(dir, sizeof dir, "cifar");
    mkdir(dir, 0700);
    if (c100) {
        snprintf(p, sizeof p, "%s/%s", dir, train ? "train.bin" : "test.bin");
        fuzz_write(p, data + 1, na);
        snprintf(p, sizeof p, "%s/%s", dir, fine ? "fine_label_names.txt" : "coarse_label_names.txt");
        fuzz_write(p, b, nb);
    } else if (train) {
        for (int i = 1; i <= 5; i++) {
            snprintf(p, sizeof p, "%s/data_batch_%d.bin", dir, i);
            fuzz_write(p, data + 1, na);
        }
    } else {
        snprintf(p, sizeof p, "%s/test_batch.bin", dir);
        fuzz_write(p, data + 1, na);
    }
    Dataset d;
    if (fuzz_note(data_load_cifar(dir, c100 ? 100 : 10, train, fine, &d)) == FS_OK) dataset_free(&d);
    const char *names[] = {"train.bin", "test.bin", "fine_label_names.txt", "coarse_label_names.txt",
                           "test_batch.bin", "data_batch_1.bin", "data_batch_2.bin",
                           "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    return 0;
}
