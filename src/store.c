/* store.c: see store.h. The only file that includes hdf5.h. */
#include "store.h"

#include "util.h"

#include <hdf5.h>

const char *store_library_version(void)
{
    static char v[32];
    unsigned maj = 0, min = 0, rel = 0;
    if (H5get_libversion(&maj, &min, &rel) < 0) return "unknown";
    fs_snprintf(v, sizeof v, "%u.%u.%u", maj, min, rel);
    return v;
}
