/* split.c: see split.h. */
#include "split.h"

void split_range(int n, int group, int part, int parts, int *first, int *count)
{
    long ng = (n + group - 1) / group;
    long g0 = ng * part / parts, g1 = ng * (part + 1) / parts;
    long m0 = g0 * group, m1 = g1 * group;
    if (m0 > n) m0 = n;
    if (m1 > n) m1 = n;
    *first = (int)m0;
    *count = (int)(m1 - m0);
}
