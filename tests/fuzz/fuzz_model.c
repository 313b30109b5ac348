/* fuzz_model.c: model files (HDF5; model_file_read through src/store/model_file.c and
 * h5file.c). Input: the file's bytes. libhdf5 itself is not instrumented: coverage is fsweep's
 * code reading what HDF5 returns. */
#include "fuzz.h"
#include "model.h"
#include "model_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    char p[300];
    fuzz_path(p, sizeof p, "model.h5");
    fuzz_write(p, data, size);
    Model *m = NULL;
    float mean[4], std[4];
    if (fuzz_note(model_file_read(p, &m, mean, std)) == FS_OK) model_free(m);
    unlink(p);
    return 0;
}
