/* dfm_file.h: DFM files (HDF5, through h5file.h), written by `fsweep dfm` and read by
 * `fsweep shortcut` / `fsweep dfm --compare`.
 *
 * Layout of DFM.h5 (every array C order):
 *   /dfm        u8  (T, K, H, W)  binary maps, 1 = frequency in the DFM (centred layout)
 *   /thresholds f64 (T)           the top-T fractions (HFSS, greedy: one entry, the mean kept
 *                                 fraction)
 *   /loss_map   f64 (K, H, W)     pre-threshold loss map, -inf = unscored (removal, screen)
 *   /scores     f64 (M, K)        per-mask class-wise mean CE, NaN = not evaluated
 *   /clean_loss f64 (K)           unfiltered class-wise mean CE
 *   /evaluated  u8  (M)           screen: 1 where the mask was scored exactly
 *   /stage_best f64 (S, K)        HFSS: best class-wise loss per stage
 *   /final_loss f64 (K)           HFSS: class-wise loss of each DFM
 *   /correct    i64 (K, 2)        greedy: class-c images classified c unfiltered, and with DFM_c
 *   /class_names str (K)          when known
 *   attributes on "/": format = "fsweep-dfm", version = 1, method, model, data, patch,
 *   geometry ("reference" | "exact" for removal/screen; HFSS: "conjugate" | "reflect", files
 *   before issue 12: "exact" = reflect then max(M, M*); greedy: "conjugate"), legacy_row0, path,
 *   n_images, masks_total (greedy: groups), masks_evaluated, forward_images, seconds, ranks, and
 *   for the screen: screen, min_frac, round_frac, t_max; for HFSS: blocks, budgets, keep, top,
 *   seed; for greedy: tol, order.
 * Ownership: DfmMaps owns its arrays (dfm_maps_free). Errors: FsStatus with fs_last_error. */
#ifndef FS_DFM_FILE_H
#define FS_DFM_FILE_H

#include "util.h"

#include <stdint.h>

typedef struct {
    int n_t, k, h, w;
    double *thresholds; /* (T) */
    uint8_t *dfm;       /* (T, K, H, W) */
    double *loss_map;   /* (K, H, W) or NULL when absent */
    char method[32];
} DfmMaps;

/* What `fsweep dfm` writes. NULL arrays are left out of the file. */
typedef struct {
    const char *method, *model, *data, *geometry, *path;
    int patch, legacy_row0, k, h, w, n_t, n_masks, n_stages, ranks;
    long n_images, masks_evaluated, forward_images;
    double seconds;
    const double *thresholds;        /* (T) */
    const uint8_t *dfm;              /* (T, K, H, W) */
    const double *loss_map;          /* (K, H, W) */
    const double *scores;            /* (M, K) */
    const double *clean_loss;        /* (K) */
    const uint8_t *evaluated;        /* (M) */
    const double *stage_best;        /* (S, K) */
    char *const *class_names;        /* (K) */
} DfmFileOut;

/* Create path (truncating) with the layout above; returns the open file so that the caller can
 * add method-specific attributes, then h5f_close it. NULL + fs_last_error on failure. */
struct H5File *dfm_file_create(const char *path, const DfmFileOut *o);

FsStatus dfm_maps_read(const char *path, DfmMaps *m);
void dfm_maps_free(DfmMaps *m);
/* Index of threshold t in m (within 1e-9), or -1. */
int dfm_maps_find(const DfmMaps *m, double t);

#endif
