/* data_internal.h: no data_internal.c: implemented by the loaders data_{idx,cifar,npy,folder}.c.
 * Private interface between the dataset spec parser (data_spec.c) and the
 * format loaders (data_idx.c, data_cifar.c, data_folder.c). Same conventions as data.h. */
#ifndef FS_DATA_INTERNAL_H
#define FS_DATA_INTERNAL_H

#include "data.h"
#include "dataset.h"
#include "util.h"

/* IDX images (magic 0x00000803) and labels (0x00000801), gzipped or plain. Labels must lie in
 * [0, kmax) (kmax <= 0: any byte; k = max label + 1). */
FsStatus data_load_idx(const char *images, const char *labels, int kmax, Dataset *out);
/* CIFAR binary batches. ncls 10: data_batch_1..5.bin / test_batch.bin; ncls 100: train.bin /
 * test.bin with (coarse, fine) label bytes; fine selects the fine labels. */
FsStatus data_load_cifar(const char *dir, int ncls, int train, int fine, Dataset *out);
/* ImageFolder root/<class>/<image>.png|jpg; classes sorted by byte order unless given;
 * every image resized to size x size (bilinear, antialiased); channels 1 or 3. */
FsStatus data_load_folder(const char *dir, int size, int channels, char *const *classes,
                          int nclasses, Dataset *out);
/* NumPy .npy images (uint8 (N,H,W[,C]) or float32) and integer labels; rows [first,
 * first+count) (count < 0: to the end). Labels must lie in [0, kmax) (kmax <= 0: any). */
/* unclipped: float32 pixels may lie outside [0, 1] (they must still be finite) */
FsStatus data_load_npy(const char *images, const char *labels, int first, int count, int kmax, int unclipped,
                       Dataset *out);
/* Decode one PNG or JPEG file into (C, H, W) floats in [0, 1] (C = 1 or 3, as requested). */
FsStatus data_decode_image(const char *path, int channels, float **px, int *h, int *w);

#endif
