/* fuzz_dfm.c: DFM files (HDF5; dfm_maps_read through src/store/dfm_file.c and h5file.c), as
 * `fsweep shortcut` and `fsweep report` read them. Input: the file's bytes. */
#include "fuzz.h"
#include "dfm_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) return 0;
    char p[300];
    fuzz_path(p, sizeof p, "dfm.h5");
    fuzz_write(p, data, size);
    DfmMaps m;
    if (fuzz_note(dfm_maps_read(p, &m)) == FS_OK) {
        if (m.n_t > 0) (void)dfm_maps_find(&m, m.thresholds[0]);
        dfm_maps_free(&m);
    }
    unlink(p);
    return 0;
}
