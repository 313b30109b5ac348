/* test_split.c: split_range shares tile [0, n) in order, cut on group boundaries, and balance
 * the groups (shares differ by at most one group). */
#include "harness.h"
#include "split.h"

static void test_tiles(void)
{
    for (int n = 0; n <= 40; n++)
        for (int group = 1; group <= 7; group++)
            for (int parts = 1; parts <= 5; parts++) {
                int next = 0, lo = n + 1, hi = -1;
                for (int p = 0; p < parts; p++) {
                    int f, c;
                    split_range(n, group, p, parts, &f, &c);
                    EXPECT(f == next && c >= 0 && f % group == 0);
                    int g = (c + group - 1) / group;
                    if (f + c < n) { /* the last share alone may hold a partial group */
                        EXPECT(c % group == 0);
                        lo = g < lo ? g : lo;
                        hi = g > hi ? g : hi;
                    }
                    next = f + c;
                }
                EXPECT_EQ_INT(next, n);
                EXPECT(hi < 0 || hi - lo <= 1);
            }
}

static void test_even_split(void)
{
    /* group 1 is the plain n * p / parts cut (as `fsweep adcs` shards images) */
    for (int p = 0; p < 3; p++) {
        int f, c;
        split_range(10, 1, p, 3, &f, &c);
        EXPECT_EQ_INT(f, 10 * p / 3);
        EXPECT_EQ_INT(f + c, 10 * (p + 1) / 3);
    }
}

TEST_MAIN({"tiles", test_tiles}, {"even_split", test_even_split})
