/* harness.h: fsweep's small unit-test harness. A test file defines
 *     static void test_something(void) { EXPECT(...); EXPECT_NEAR(a, b, tol); }
 *     TEST_MAIN({"something", test_something}, ...)
 * Each binary prints one line per failed expectation (file:line), one line per test, and
 * closes with "N passed, N failed" (tests counted, not expectations); it exits non-zero on any
 * failure. tests/run_tests.sh runs every binary and sums the counts. */
#ifndef FS_HARNESS_H
#define FS_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    void (*fn)(void);
} TestCase;

static int harness_failures; /* expectations failed in the current test */

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("    FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                             \
            harness_failures++;                                                                    \
        }                                                                                          \
    } while (0)
#define EXPECT_MSG(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("    FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                             \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            harness_failures++;                                                                    \
        }                                                                                          \
    } while (0)
#define EXPECT_NEAR(a, b, tol)                                                                     \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);                             \
        if (!(fabs(a_ - b_) <= t_)) {                                                              \
            printf("    FAIL %s:%d: %s = %.9g, %s = %.9g, |diff| = %.3g > %.3g\n", __FILE__,        \
                   __LINE__, #a, a_, #b, b_, fabs(a_ - b_), t_);                                    \
            harness_failures++;                                                                    \
        }                                                                                          \
    } while (0)
#define EXPECT_EQ_INT(a, b)                                                                        \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            printf("    FAIL %s:%d: %s = %lld, expected %s = %lld\n", __FILE__, __LINE__, #a, a_,   \
                   #b, b_);                                                                        \
            harness_failures++;                                                                    \
        }                                                                                          \
    } while (0)

static inline int harness_run(const char *file, const TestCase *tests, int n, int argc,
                              char **argv)
{
    int pass = 0, fail = 0;
    const char *only = argc > 1 ? argv[1] : NULL; /* optional substring filter */
    for (int i = 0; i < n; i++) {
        if (only && !strstr(tests[i].name, only)) continue;
        harness_failures = 0;
        tests[i].fn();
        if (harness_failures) {
            printf("  FAIL %s\n", tests[i].name);
            fail++;
        } else {
            printf("  ok   %s\n", tests[i].name);
            pass++;
        }
        fflush(stdout);
    }
    printf("%s: %d passed, %d failed\n", file, pass, fail);
    return fail ? EXIT_FAILURE : EXIT_SUCCESS;
}

#define TEST_MAIN(...)                                                                             \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const TestCase tests_[] = {__VA_ARGS__};                                            \
        return harness_run(__FILE__, tests_, (int)(sizeof tests_ / sizeof tests_[0]), argc, argv); \
    }

#endif
