/* model_file.h: model files (HDF5, through h5file.h; src/store/model_file.c). Layout (README
 * "Model files"): root attributes for the architecture and options, one dataset per
 * state_dict tensor under /state_dict, normalisation constants mean/std (c floats each),
 * optional /curves/<name>. Errors: FsStatus with fs_last_error naming the file. Not
 * thread-safe (serial HDF5). */
#ifndef FS_MODEL_FILE_H
#define FS_MODEL_FILE_H

#include "model.h"
#include "util.h"

#include <stdint.h>

/* Write m to path (truncating); mean/std (c floats each) may be NULL (0 and 1). */
FsStatus model_file_write(const Model *m, const char *path, const float *mean, const float *std);
/* Build the model a file describes and load its tensors; mean/std (c floats each) may be NULL. */
FsStatus model_file_read(const char *path, Model **out, float *mean, float *std);
/* Store an analysis curve (e.g. a learning curve) as /curves/<name> in an existing model file. */
FsStatus model_file_add_curve(const char *path, const char *name, int rank, const int64_t *dims,
                              const double *data);
/* Set a string attribute (e.g. "train_config", "data") on an existing model file's root. */
FsStatus model_file_set_note(const char *path, const char *key, const char *value);

#endif
