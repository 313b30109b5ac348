/* dfm_internal.h: no dfm_internal.c: implemented by dfm.c, dfm_fast.c and dfm_screen.c.
 * Private to src/analysis/dfm*.c. The reusable scorer behind dfm_score_* and the screened
 * method, and the fast (sinusoid subtraction) path. */
#ifndef FS_DFM_INTERNAL_H
#define FS_DFM_INTERNAL_H

#include "dfm.h"
#include "spectral.h"

#include <stddef.h>

#define DFM_FAST_MAX_BINS 16 /* AUTO uses the fast path up to this many removed bins */

typedef struct {
    double *re, *im;         /* (n, c, H, W) centred spectra of the normalised test images */
    double *cr, *sr;         /* (H, H): cos/sin(2 pi u y / H), u = i - H/2, index i * H + y */
    double *cc, *sc;         /* (W, W): same for columns */
    double *acc;             /* (H, W) accumulator */
    int *bin;                /* removal list: bin index */
    double *wt;              /* and weight (pairs folded: 2 r_h, self-conjugate: r_h) */
    int nbins;
} DfmFast;

typedef struct DfmScorer {
    const Classifier *clf;
    DfmOptions opt;
    int n, c, h, w, k, mb, group;
    size_t hw, img;
    float *xn;               /* (n, c, H, W) normalised */
    int32_t *y;              /* (n) labels, copied */
    int64_t *counts;         /* (K) */
    SpectralPlan *sp;
    float *batch, *z, *mask; /* (mb, c, H, W), (mb, K), (H, W) */
    double *tmp;             /* (c, H, W) double-precision filter scratch */
    int *bpos, *bimg;        /* (mb) list position and image of each batch slot */
    DfmFast fast;
    long passes;             /* filtered forward passes (images) done */
} DfmScorer;

DfmScorer *dfm_scorer_create(const Classifier *clf, const Dataset *test, const DfmOptions *o);
void dfm_scorer_destroy(DfmScorer *s);
/* masks (n_masks, H, W), any masks; scores (n_masks, K). */
FsStatus dfm_scorer_score_masks(DfmScorer *s, int n_masks, const float *masks, double *scores);
FsStatus dfm_scorer_score_list(DfmScorer *s, const int *idx, int n_idx, double *scores);

/* Fast path: build the removal list of mask m (computes the spectra on first use); returns the
 * number of removed bins (support of r_h). */
int dfm_fast_prepare(DfmFast *f, const DfmScorer *s, const float *m);
/* dst (c, H, W) = image i filtered with the prepared mask; src is its normalised pixels. */
void dfm_fast_apply(DfmFast *f, const DfmScorer *s, int i, const float *src, float *dst);
void dfm_fast_free(DfmFast *f);

#endif
