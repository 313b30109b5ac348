/* dfm.h: dominant frequency maps by patch removal (PAPER.md 7), with an exact fast path, the
 * mask list spread across processes by a caller-given FsSpread (split.h), and a screened (approximate-then-exact) method.
 *
 * Geometry (centred layout, PAPER.md 2). Patch p divides H/2 and W/2. Mask idx = a * nb + b with
 * rows a in [0, H/p) and columns b in [0, W/(2p)] inclusive (nb = W/(2p) + 1). Mask idx zeroes
 *   P(a,b)  = [pa, p(a+1)) x [pb, p(b+1)), and
 *   P'(a,b) = [H - pa, H - p(a-1)) x [W - pb, W - p(b-1))  when a >= 1 and b >= 1 (reference), or
 *   P*(a,b) = the conjugate partners of P                  (DfmOptions.exact), and
 *   rows [0, p) x columns [W/2 + p, W)                      (DfmOptions.legacy_row0 only).
 * Scores S_c(idx) = mean cross-entropy of the class-c images filtered with mask idx (target c,
 * double log-sum-exp); every test image is filtered once per mask, so one pass scores all
 * classes. Loss maps: a bin gets the score of the mask whose primary patch P holds it; a bin in
 * no P gets the score of the (last, in mask order) mask whose counterpart P' / P* holds it;
 * bins removed by no mask are unscored: -INFINITY. In the reference geometry every
 * counterpart overlap carries identical scores, so this equals the reference's overwrite order.
 *
 * Paths: DFM_PATH_FFT filters with spectral_filter (two FFTs per image and mask); DFM_PATH_FAST
 * subtracts the removed sinusoids from the stored double spectrum:
 *   x' = x - (1/HW) sum_f r_h(f) Re(F(f) e^{2 pi i f.x}),  r_h(f) = (r(f) + r(-f)) / 2,
 * r = 1 - M, exact for any mask (self-conjugate bins count once, half-weight bins of the
 * reference geometry come out at r_h = 1/2); O(|R| HW) per image. DFM_PATH_AUTO picks FAST when
 * the removal set holds at most 16 bins.
 *
 * Batching and bitwise reproducibility: masks are packed G = dfm_group_size(n, max_batch) per
 * forward pass in groups aligned to multiples of G of the position in the scored list;
 * dfm_score_all spreads the mask list in groups of G (split_range cuts on group boundaries), so
 * a multi-rank run performs exactly the single-rank forward passes and its gathered scores are
 * bitwise equal.
 *
 * Ownership: callers own every buffer. Threads: one Classifier per thread. Errors: FsStatus
 * with fs_last_error (bad geometry, a failing or non-finite classifier call). */
#ifndef FS_DFM_H
#define FS_DFM_H

#include "classifier.h"
#include "dataset.h"
#include "split.h"
#include "util.h"

#include <stdint.h>

typedef enum { DFM_PATH_AUTO = 0, DFM_PATH_FFT = 1, DFM_PATH_FAST = 2 } DfmPath;

typedef struct {
    int patch;       /* p; default 1 */
    int exact;       /* remove P u P* instead of the reference P u P' */
    int legacy_row0; /* also zero rows [0,p) x cols [W/2+p, W) (code of 2023, PAPER.md 7.3) */
    DfmPath path;
    FsSpread spread; /* dfm_score_all: how to spread the masks (par_split_score_gather over
                        the MPI ranks); NULL (default): all of them on this process */
} DfmOptions;

void dfm_options_default(DfmOptions *o);
const char *dfm_path_str(DfmPath p);

/* FS_OK when p >= 1 divides H/2 and W/2 (H, W even); else FS_ERR_CONFIG naming the values. */
FsStatus dfm_check_geometry(int h, int w, int p);
int dfm_num_masks(int h, int w, int p);                     /* (H/p) * (W/(2p) + 1) */
/* Mask idx (H, W) centred, 1 = keep, 0 = removed. */
void dfm_mask_build(int idx, int h, int w, const DfmOptions *o, float *mask);
/* Which mask's scores land on each bin: owner (H, W) = mask index, or -1 (unscored). */
void dfm_owner_map(int h, int w, const DfmOptions *o, int *owner);

/* Masks per forward pass for n test images: max(1, max_batch / n). */
int dfm_group_size(int n_images, int max_batch);

/* Score masks [mask_first, mask_first + mask_count): scores (mask_count, K), K = clf->k.
 * test: pixels in [0,1] with its mean/std (normalised internally). Classes absent from the
 * test set score NaN. */
FsStatus dfm_score_range(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                         int mask_first, int mask_count, double *scores);
/* Score an arbitrary list of mask indices: scores (n_idx, K). Groups align on list positions. */
FsStatus dfm_score_list(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                        const int *idx, int n_idx, double *scores);
/* All masks, spread by o->spread in groups of dfm_group_size: scores (nmasks, K) complete on
 * process 0 (with par_split_score_gather: other ranks' buffer untouched, may be NULL there;
 * every rank returns the same status). o->spread NULL: all masks here, scores complete. */
FsStatus dfm_score_all(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                       double *scores);
/* Unfiltered mean class-wise CE: base (K). */
FsStatus dfm_score_clean(const Classifier *clf, const Dataset *test, double *base);

/* scores (nmasks, K) -> loss_maps (K, H, W); unscored bins -INFINITY. */
void dfm_assemble(const double *scores, int k, int h, int w, const DfmOptions *o,
                  double *loss_maps);
/* Top-T map (PAPER.md 7.7): n_T = floor(T * H * W) in double, s = ascending sort of L,
 * tau = s[HW - n_T], dfm = (L >= tau); non-finite bins (unscored, NaN) are never selected.
 * Returns the number of selected bins. */
int dfm_threshold(const double *loss_map, int h, int w, double t, uint8_t *dfm);

/* Agreement between two maps: IoU of binary maps (1 when both empty), and the Spearman rank
 * correlation of two loss maps over the bins finite in both (average ranks for ties). */
double dfm_iou(const uint8_t *a, const uint8_t *b, int n);
double dfm_spearman(const double *a, const double *b, int n);

/* ---- screened method (src/analysis/dfm_screen.c) ----
 * Rank all masks cheaply per class, then evaluate exactly only the leading candidates:
 *   DFM_SCREEN_GRAD:   first-order loss change of removing mask m for class c,
 *                      dL_c(m) = -(1/(HW n_c)) sum_{i in c} sum_f r_h^m(f) Re(conj(G_i(f)) X_i(f)),
 *                      G_i = FFT of the input gradient, X_i = FFT of the normalised image (needs
 *                      clf->input_grad);
 *   DFM_SCREEN_GRADABS: the same with |G_i(f)| |X_i(f)| (a magnitude bound of the change);
 *   DFM_SCREEN_COARSE: exact scores at patch 4p (all masks), refined at 2p inside the strongest
 *                      half of the coarse patches; a fine mask inherits its finest coarse score.
 * Exact phase, per class c and on the class-c test images only (so that the cost counts
 * forward passes the way the exhaustive method does: masks x images): the first `min_frac` of
 * the masks in c's screen order are scored exactly; then c's window widens by `round_frac` per
 * round until a round that scored new masks left c's top-`t_max` map unchanged, or the window
 * reaches `max_frac` (1 = no cap). Guarantee: every score in the output is exact (bitwise the
 * exhaustive score up to the batch grouping); the top-T map equals the exhaustive one if and
 * only if no unscored mask has a true loss >= tau, which the stop rule makes likely but cannot
 * prove (no bound on the true loss of an unscored mask is known for these screens). Unscored
 * masks' bins are -INFINITY in the loss maps. */
typedef enum { DFM_SCREEN_GRAD = 0, DFM_SCREEN_GRADABS = 1, DFM_SCREEN_COARSE = 2 } DfmScreen;

typedef struct {
    DfmScreen screen;
    double min_frac;   /* default 0.2 */
    double max_frac;   /* default 0.4 */
    double round_frac; /* default 0.05 */
    double t_max;      /* largest threshold whose top set must be stable; default 0.2 */
} DfmScreenOptions;

void dfm_screen_options_default(DfmScreenOptions *s);
const char *dfm_screen_str(DfmScreen s);
/* screen (nmasks, K): predicted scores (higher = more important). *passes (may be NULL) gets the
 * forward images spent (gradient passes, or coarse masked passes). */
FsStatus dfm_screen_rank(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                         DfmScreen which, double *screen, long *passes);
/* scores (nmasks, K): exact where evaluated (evaluated (nmasks, K) = 1), NaN elsewhere.
 * *passes: forward images of the exact phase; *screen_passes: those of the screen. The
 * exhaustive method costs nmasks * n images. */
FsStatus dfm_screen_run(const Classifier *clf, const Dataset *test, const DfmOptions *o,
                        const DfmScreenOptions *so, double *scores, uint8_t *evaluated,
                        long *passes, long *screen_passes);

#endif
