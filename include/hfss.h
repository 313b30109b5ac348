/* hfss.h: hierarchical frequency shortcut search (PAPER.md 9): a staged search for a small
 * *retained* frequency set per class with the lowest class-wise loss when only it is kept.
 *
 * Stage s has block size b_s (grid g = N / b_s) and budget B_s. Candidates come in triples
 * (even, shifted, union) sharing one parent draw (class c' and rank m uniform; parent =
 * prev[c'][m], a pool shared by all classes); at b = 1 a triple is three even candidates.
 *   even:    floor(keep * count) of the top-half cells {(h, w) : h < g/2} of the g x g grid,
 *            without replacement; each cell is a b x b block;
 *   shifted: the (g+1) x (g+1) grid offset by floor(b/2) (border cells clipped), top rows
 *            h < g/2 + 1, same fraction;
 *   union:   even at keep/2 OR shifted at keep/2.
 * For s > 1 the candidate is multiplied by its parent. Symmetrisation (HfssOptions.symmetry):
 *   HFSS_SYM_CONJUGATE (default): the drawn cells are mirrored through the grid centre,
 *            (i, j) -> (N-1-i, N-1-j) (the even grid maps onto itself, the shifted one too
 *            for even b; for odd b its offset becomes ceil(b/2)), so that they cover the
 *            half f_y >= 0 that holds DC; for s > 1 multiplied by the parent; then
 *            M <- max(M, M*): every kept bin and its conjugate partner, nothing else. The
 *            result is exactly conjugate-symmetric and a subset of its (symmetric) parent, so a
 *            stage keeps about `keep` of its parent and the final maps about keep^S. The
 *            Nyquist row f_y = -N/2 (row 0, its own mirror) is never kept; the f_y = 0 row
 *            (DC row, also its own mirror) holds drawn bins and their partners.
 *   HFSS_SYM_REFLECT (`--reflect`, PAPER.md 9.2's reference): cells drawn in the top half,
 *            multiplied by the parent, then every top-half bin (i, j), i < N/2, copied to
 *            (N-1-i, N-1-j), a point reflection one bin off the true conjugate (unpaired bins
 *            pass at half weight when filtering, PAPER.md 2).
 * Every candidate filters all of D_a in one pass that scores every class (mean CE of the class-c
 * images); per class the `top` lowest-loss candidates (ties: lower candidate index) are the
 * parents of the next stage; after the last stage the best one is DFM_c.
 * Randomness: stage s draws from rng_seed_words({seed, task_id, RNG_STREAM_SEARCH, s}), so the
 * candidates do not depend on the number of ranks. HfssOptions.spread spreads each stage's
 * candidate list (par_split_score_gather: group-aligned ranges over the MPI ranks, gathered on
 * rank 0, broadcast as the next parents); the result is bitwise that of one process for
 * batch-independent classifiers.
 * Ownership: callers own buffers. Threads: one Classifier per thread. Errors: FsStatus. */
#ifndef FS_HFSS_H
#define FS_HFSS_H

#include "classifier.h"
#include "dataset.h"
#include "split.h"
#include "util.h"

#include <stdint.h>

#define HFSS_MAX_STAGES 8

typedef enum { HFSS_SYM_CONJUGATE = 0, HFSS_SYM_REFLECT = 1 } HfssSymmetry;

typedef struct {
    int n_stages;
    int block[HFSS_MAX_STAGES];
    int budget[HFSS_MAX_STAGES];
    double keep;      /* fraction of patches kept per stage, default 0.6 */
    int top;          /* parents carried per class, default 10 */
    HfssSymmetry symmetry; /* HFSS_SYM_CONJUGATE (default) | HFSS_SYM_REFLECT (reference) */
    uint64_t seed, task_id;
    FsSpread spread;  /* how to spread each stage's candidates (par_split_score_gather: over
                         the MPI ranks, collective); NULL (default): all on this process */
} HfssOptions;

/* Defaults for N = 32 (blocks 8,4,2,1; CF-1 budgets 1000,2000,4000,8000), N = 224
 * (56,28,14,8,4,2; 498 per stage, the reference default) and N = 28 (7,2,1; 200,800,2000 [X]).
 * Other sizes: FS_ERR_CONFIG (give blocks explicitly). */
FsStatus hfss_options_default(HfssOptions *o, int n);
FsStatus hfss_check(const HfssOptions *o, int h, int w);
/* "conjugate" | "reflect" (the DFM file's `geometry` attribute). */
const char *hfss_symmetry_str(HfssSymmetry s);

/* Candidates of stage s (0-based): masks (budget[s], N, N) centred, exactly as hfss_run makes
 * them. parents (K * n_par, N, N), n_par per class (ignored at s = 0). */
void hfss_stage_candidates(const HfssOptions *o, int s, int n, int k, const float *parents,
                           int n_par, float *masks);

/* Per class, the `top` lowest scores (scores (B, K)); sel (K, top), ties by lower index. Returns
 * the number selected per class (min(top, B)). */
int hfss_select(const double *scores, int b, int k, int top, int *sel);

/* Run the search on D_a (pixels with mean/std). dfms (K, H, W) binary, final_loss (K) the
 * class-wise loss of each DFM, stage_best (n_stages, K) the best loss per stage (may be NULL).
 * Complete on every process that o->spread involves (o->spread NULL: this one alone, e.g. one
 * search per rank). */
FsStatus hfss_run(const Classifier *clf, const Dataset *da, const HfssOptions *o, uint8_t *dfms,
                  double *final_loss, double *stage_best);

#endif
