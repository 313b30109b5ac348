/* dfm_rank.c: see dfm_rank.h. */
#include "dfm_rank.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double v;
    int i;
} RankItem;

/* NaN last, then by v (dir = +1 ascending, -1 descending), then by index. */
static int cmp_items(const RankItem *x, const RankItem *y, int dir)
{
    int xn = isnan(x->v), yn = isnan(y->v);
    if (xn != yn) return xn - yn;
    if (!xn && x->v != y->v) return (x->v < y->v ? -1 : 1) * dir;
    return (x->i > y->i) - (x->i < y->i);
}

static int cmp_asc(const void *a, const void *b) { return cmp_items(a, b, 1); }
static int cmp_desc(const void *a, const void *b) { return cmp_items(a, b, -1); }

void dfm_rank_order(const double *v, int n, int stride, DfmRankDir dir, int *order)
{
    RankItem *it = xmalloc(((size_t)n + 1) * sizeof *it);
    for (int i = 0; i < n; i++) it[i] = (RankItem){v[(size_t)i * (size_t)stride], i};
    qsort(it, (size_t)n, sizeof *it, dir == DFM_RANK_DESC ? cmp_desc : cmp_asc);
    for (int i = 0; i < n; i++) order[i] = it[i].i;
    free(it);
}
