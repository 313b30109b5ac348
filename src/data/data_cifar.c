/* data_cifar.c: CIFAR-10 / CIFAR-100 binary batches. A CIFAR-10 record is 1 label byte and
 * 3072 pixel bytes (R, G, B planes of 32x32, row-major); CIFAR-100 records carry a coarse and a
 * fine label byte first. The directory may be the batch folder itself or its parent holding
 * cifar-10-batches-bin / cifar-100-binary. */
#include "data_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cifar10_names[10] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                              "dog",      "frog",       "horse", "ship", "truck"};

/* Find the folder holding `probe` (dir itself or a known subfolder). */
static FsStatus cifar_dir(const char *dir, const char *sub, const char *probe, char *buf, size_t n)
{
    fs_snprintf(buf, n, "%s/%s", dir, probe);
    if (fs_file_exists(buf)) {
        fs_snprintf(buf, n, "%s", dir);
        return FS_OK;
    }
    fs_snprintf(buf, n, "%s/%s/%s", dir, sub, probe);
    if (fs_file_exists(buf)) {
        fs_snprintf(buf, n, "%s/%s", dir, sub);
        return FS_OK;
    }
    return fs_errorf(FS_ERR_IO, "%s: no %s here or in %s/%s: expected a CIFAR binary batch folder",
                     dir, probe, dir, sub);
}

/* Append one batch file's records to (x, y); *n counts images so far. */
static FsStatus cifar_read_file(const char *path, int nlab, int which_lab, int ncls, float **x,
                                int32_t **y, int *n, int *cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fs_errorf(FS_ERR_IO, "%s: cannot open CIFAR batch", path);
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return fs_errorf(FS_ERR_IO, "%s: cannot seek", path);
    }
    long sz = ftell(f);
    rewind(f);
    long rec = nlab + 3072;
    if (sz <= 0 || sz % rec != 0) {
        fclose(f);
        return fs_errorf(FS_ERR_FORMAT,
                         "%s: size %ld is not a positive multiple of the %ld-byte record: truncated "
                         "or not a CIFAR-%d batch (last full record ends at offset %ld)",
                         path, sz, rec, ncls, sz > 0 ? sz / rec * rec : 0);
    }
    int m = (int)(sz / rec);
    if (*n + m > *cap) {
        *cap = *n + m;
        *x = xrealloc(*x, fs_mul_size((size_t)*cap, 3072 * sizeof **x, "CIFAR pixels"));
        *y = xrealloc(*y, (size_t)*cap * sizeof **y);
    }
    unsigned char *buf = xmalloc((size_t)rec);
    FsStatus st = FS_OK;
    for (int r = 0; r < m; r++) {
        if (fread(buf, 1, (size_t)rec, f) != (size_t)rec) {
            st = fs_errorf(FS_ERR_IO, "%s: offset %ld: short read of record %d", path, r * rec, r);
            break;
        }
        int lab = buf[which_lab];
        if (lab >= ncls) {
            st = fs_errorf(FS_ERR_FORMAT, "%s: record %d (offset %ld): label %d out of range, expected 0..%d",
                           path, r, r * rec + which_lab, lab, ncls - 1);
            break;
        }
        (*y)[*n] = lab;
        float *dst = *x + (size_t)*n * 3072;
        for (int i = 0; i < 3072; i++) dst[i] = (float)buf[nlab + i] / 255.0f;
        (*n)++;
    }
    free(buf);
    fclose(f);
    return st;
}

FsStatus data_load_cifar(const char *dir, int ncls, int train, int fine, Dataset *out)
{
    memset(out, 0, sizeof *out);
    char base[4096], path[4200];
    const char *probe = ncls == 10 ? (train ? "data_batch_1.bin" : "test_batch.bin")
                                   : (train ? "train.bin" : "test.bin");
    FsStatus st = cifar_dir(dir, ncls == 10 ? "cifar-10-batches-bin" : "cifar-100-binary", probe,
                            base, sizeof base);
    if (st) return st;
    float *x = NULL;
    int32_t *y = NULL;
    int n = 0, cap = 0;
    int nfiles = ncls == 10 && train ? 5 : 1;
    for (int b = 0; b < nfiles && !st; b++) {
        if (ncls == 10 && train)
            fs_snprintf(path, sizeof path, "%s/data_batch_%d.bin", base, b + 1);
        else
            fs_snprintf(path, sizeof path, "%s/%s", base, probe);
        st = ncls == 10 ? cifar_read_file(path, 1, 0, 10, &x, &y, &n, &cap)
                        : cifar_read_file(path, 2, fine ? 1 : 0, fine ? 100 : 20, &x, &y, &n, &cap);
    }
    if (st) {
        free(x);
        free(y);
        return st;
    }
    int k = ncls == 10 ? 10 : (fine ? 100 : 20);
    out->n = n;
    out->c = 3;
    out->h = 32;
    out->w = 32;
    out->k = k;
    out->x = x;
    out->y = y;
    for (int c = 0; c < 3; c++) out->std[c] = 1.0f;
    if (ncls == 10) {
        out->class_names = dataset_copy_names(cifar10_names, 10);
    } else {
        /* fine_label_names.txt / coarse_label_names.txt when present */
        fs_snprintf(path, sizeof path, "%s/%s", base, fine ? "fine_label_names.txt" : "coarse_label_names.txt");
        char *txt = NULL;
        size_t len = 0;
        if (fs_file_exists(path) && fs_read_file(path, &txt, &len) == FS_OK) {
            char **names = xcalloc((size_t)k, sizeof *names);
            int i = 0;
            for (char *tok = strtok(txt, "\r\n"); tok && i < k; tok = strtok(NULL, "\r\n"))
                if (*tok) names[i++] = xstrdup(tok);
            for (; i < k; i++) {
                char num[16];
                fs_snprintf(num, sizeof num, "%d", i);
                names[i] = xstrdup(num);
            }
            out->class_names = names;
            free(txt);
        }
    }
    return FS_OK;
}
