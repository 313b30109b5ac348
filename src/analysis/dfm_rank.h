/* dfm_rank.h: private to src/analysis: ordering items by score, the one sort behind the HFSS
 * parent selection, the screened DFM's candidate order and the Spearman ranks. */
#ifndef FS_DFM_RANK_H
#define FS_DFM_RANK_H

typedef enum { DFM_RANK_ASC = 0, DFM_RANK_DESC = 1 } DfmRankDir;

/* order (n) = the items 0..n-1 sorted by their score v[i * stride] (ascending or descending),
 * NaN scores last, equal scores (and NaNs) by lower index: a total order, so the result does
 * not depend on the sort algorithm. */
void dfm_rank_order(const double *v, int n, int stride, DfmRankDir dir, int *order);

#endif
