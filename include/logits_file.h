/* logits_file.h: logits files (HDF5, through h5file.h; src/store/logits_file.c), written by
 * `fsweep eval --logits`: /logits (n, k) float32, /labels (n) int32, root attributes
 * format "fsweep-logits", model and data. Errors: FsStatus with fs_last_error. */
#ifndef FS_LOGITS_FILE_H
#define FS_LOGITS_FILE_H

#include "util.h"

#include <stdint.h>

FsStatus logits_file_write(const char *path, const float *logits, const int32_t *labels, int n,
                           int k, const char *model_path, const char *data_spec);

#endif
