/* logits_file.c: logits files over h5file.h (layout in logits_file.h). */
#include "logits_file.h"

#include "h5file.h"

FsStatus logits_file_write(const char *path, const float *logits, const int32_t *labels, int n,
                           int k, const char *model_path, const char *data_spec)
{
    H5File *f = h5f_create(path);
    if (!f) return FS_ERR_IO;
    int64_t d2[2] = {n, k}, d1[1] = {n};
    FsStatus st = h5f_attr_set_str(f, "/", "format", "fsweep-logits");
    if (st == FS_OK) st = h5f_attr_set_str(f, "/", "model", model_path);
    if (st == FS_OK) st = h5f_attr_set_str(f, "/", "data", data_spec);
    if (st == FS_OK) st = h5f_write(f, "/logits", FSH5_F32, 2, d2, logits);
    if (st == FS_OK) st = h5f_write(f, "/labels", FSH5_I32, 1, d1, labels);
    FsStatus cs = h5f_close(f);
    return st != FS_OK ? st : cs;
}
