/* store.h: the HDF5 results store and HDF5 model files; the only user of hdf5.h.
 * Written by one process only (the MPI master); see README "HDF5 layout". */
#ifndef FS_STORE_H
#define FS_STORE_H

/* "1.10.8" as linked at run time (H5get_libversion). */
const char *store_library_version(void);

#endif
