/* dfm_greedy.h: DFM-X's own dominant frequency maps (PAPER.md 10): a greedy, order-dependent
 * removal search, one class at a time.
 *
 * Groups. Every bin (centred layout, PAPER.md 2) belongs to one group: a conjugate pair
 * {f, -f}, or a self-conjugate bin alone (DC and the three Nyquist bins). Groups are visited
 *   1. by Chebyshev ring r = max(|f_y|, |f_x|), from DC (r = 0) outward to r = N/2;
 *   2. within a ring, by orientation psi in [0, 180 deg): each member f is folded to the
 *      half-plane {f_y > 0} u {f_y = 0, f_x >= 0} (f -> -f otherwise) and the group takes the
 *      smaller angle of its members (the members of a Nyquist pair, f_y = -N/2, fold to different
 *      angles); angles are compared exactly, by the sign of the integer cross product; so psi = 0
 *      is the +f_x axis and the visit turns towards +f_y;
 *   3. ties (none in a ring but the same angle on different rings, which step 1 separates): the
 *      lower flat index of the group's first bin.
 * Search, per class c, on the class-c images of the test set (normalised, filtered in double
 * precision, PAPER.md 2):
 *   cur = the number of class-c images classified c unfiltered (nothing removed);
 *   for each group in order: remove it on top of the accepted removals, count n = the class-c
 *   images still classified c; if n >= cur - tol, accept (cur <- n), else put it back;
 *   DFM_c = the bins never removed.
 * `tol` (t_tol) counts images, not a fraction: the reference's 6 is of 1,000 CIFAR-10 test images
 * per class; with fewer images per class the same count is a looser tolerance. A removal may
 * also raise cur. DC is a group like any other (DFM-X forces it back to 1 when filtering).
 * Cost: (groups + 1) forward passes of the class-c images per class, groups = H W / 2 + 2;
 * the visits of one class are sequential (each depends on the ones accepted before), the
 * classes are independent: DfmGreedyOptions.spread spreads them (par_split_score_gather: whole
 * classes over the MPI ranks), bitwise the result of one process.
 * Ownership: callers own buffers. Threads: one Classifier per thread. Errors: FsStatus with
 * fs_last_error (odd image size, a class without images, a failing classifier call). */
#ifndef FS_DFM_GREEDY_H
#define FS_DFM_GREEDY_H

#include "classifier.h"
#include "dataset.h"
#include "split.h"
#include "util.h"

#include <stdint.h>

typedef struct {
    int tol;         /* t_tol: class-c images that may turn wrong per accepted removal; 6 */
    FsSpread spread; /* how to spread the classes (par_split_score_gather: over the MPI ranks,
                        collective); NULL (default): all of them on this process */
} DfmGreedyOptions;

void dfm_greedy_options_default(DfmGreedyOptions *o);

/* The visiting order: group g (0-based, in order) holds bins first[g] and second[g] (flat
 * centred indices i * W + j; second == first for a self-conjugate bin). Arrays of at least
 * H W / 2 + 2 entries. Returns the number of groups. H and W even. */
int dfm_greedy_order(int h, int w, int *first, int *second);

/* Run the search for every class: dfm (K, H, W) binary, 1 = never removed; correct (K, 2)
 * (may be NULL) = class-c images classified c unfiltered and with only DFM_c kept (the final
 * cur). Complete on every process that o->spread involves (the gathered maps are broadcast). */
FsStatus dfm_greedy_run(const Classifier *clf, const Dataset *test, const DfmGreedyOptions *o,
                        uint8_t *dfm, int64_t *correct);

#endif
