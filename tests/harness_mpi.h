/* harness_mpi.h: the MPI flavour of harness.h for tests/test_mpi_*.c (run by tests/run_tests.sh
 * under mpirun -np 2 and -np 3). Every rank runs every test; the failure counts are reduced, so a
 * failure on any rank fails the test, and rank 0 prints the verdicts and the closing
 *     NAME (np N): N passed, N failed
 * A binary started without mpirun fails (it would test nothing). Use:
 *     TEST_MPI_MAIN("test_mpi_x", {"name", fn}, ...) */
#ifndef FS_HARNESS_MPI_H
#define FS_HARNESS_MPI_H

#include "harness.h"
#include "par.h"

static inline int harness_run_mpi(const char *name, const TestCase *tests, int n, int *argc,
                                  char ***argv)
{
    par_init(argc, argv);
    if (!par_is_mpi()) {
        printf("%s: not launched by mpirun\n0 passed, 1 failed\n", name);
        return 1;
    }
    int pass = 0, fail = 0;
    for (int i = 0; i < n; i++) {
        harness_failures = 0;
        tests[i].fn();
        int f = harness_failures;
        par_allreduce_max_int(&f, 1);
        if (par_rank() == 0) printf("  %s %s\n", f ? "FAIL" : "ok  ", tests[i].name);
        if (f)
            fail++;
        else
            pass++;
    }
    if (par_rank() == 0)
        printf("%s (np %d): %d passed, %d failed\n", name, par_size(), pass, fail);
    par_finalize();
    return fail ? 1 : 0;
}

#define TEST_MPI_MAIN(name, ...)                                                                   \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const TestCase tests_[] = {__VA_ARGS__};                                            \
        return harness_run_mpi(name, tests_, (int)(sizeof tests_ / sizeof tests_[0]), &argc,       \
                               &argv);                                                             \
    }

#endif
