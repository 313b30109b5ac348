/* sweep_check.h: what an axis value of a `runner = real` sweep must be (the real runner's
 * reading of it, src/runner/runner_real.c), checked by sweep_load before any task runs. */
#ifndef FS_SWEEP_CHECK_H
#define FS_SWEEP_CHECK_H

#include "sweep.h"

/* Longest axis value (bytes) the real runner takes: it copies test_band and OOD values into
 * 256-byte names (src/runner/runner_real.c). */
#define SWEEP_RUNNER_VALUE_MAX 255

/* FS_OK when value v of axis (AX_ARCH, AX_AUG, AX_BAND, AX_TEST_BAND or AX_OOD; others FS_OK)
 * means something to the real runner for every dataset of ds (n_ds of them): an architecture
 * NAME[:WIDTH], an augmentation pipeline ('+' for ','; for a dfmx value the caller passes its
 * pipeline, sweep_aug_pipeline), a training filter step, a test band or
 * OOD set name. Else FS_ERR_CONFIG with one line saying what is wrong with v and what was
 * expected (the caller adds file, line and key). */
FsStatus sweep_check_real_value(int axis, const char *v, const SweepDatasetInfo *ds, int n_ds);

/* FS_OK when n HFSS budgets (n = 0: the defaults) suit every dataset of ds (names): the
 * image size has an HFSS stage table (hfss_options_default) with exactly n stages. Else
 * FS_ERR_CONFIG with one line naming the dataset, its stage count and block sizes. */
FsStatus sweep_check_hfss(int n, const SweepDatasetInfo *ds, int n_ds,
                          const char *const *names);

#endif
