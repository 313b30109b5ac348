/* test_mpi_par.c: par's MPI layer under mpirun (-np 2, -np 3). Every rank runs the tests; rank 0
 * prints the verdict after the failure counts are reduced, so a failure on any rank counts. */
#include "harness_mpi.h"
#include "par.h"
#include "util.h"

static void test_bcast(void)
{
    double v[4] = {0};
    if (par_rank() == 0)
        for (int i = 0; i < 4; i++) v[i] = 1.5 * i;
    par_bcast(v, sizeof v, 0);
    for (int i = 0; i < 4; i++) EXPECT(v[i] == 1.5 * i);
    char *s = par_rank() == 0 ? strdup("config text") : NULL;
    par_bcast_str(&s, 0);
    EXPECT(s && !strcmp(s, "config text"));
    free(s);
}

static void test_send_recv(void)
{
    int r = par_rank(), n = par_size();
    if (r != 0) {
        int msg[2] = {r, r * r};
        par_send(0, 7, msg, sizeof msg);
    } else {
        int seen = 0;
        for (int i = 1; i < n; i++) {
            void *buf;
            size_t len;
            int src, tag;
            par_recv(-1, 7, &buf, &len, &src, &tag);
            int *m = buf;
            EXPECT(len == 2 * sizeof(int) && tag == 7 && m[0] == src && m[1] == src * src);
            seen |= 1 << src;
            free(buf);
        }
        EXPECT(seen == ((1 << n) - 2));
    }
}

static void test_reduce(void)
{
    double x[3] = {1, (double)par_rank(), 2}, y[3] = {0};
    par_reduce_sum_double(x, y, 3, 0);
    int n = par_size();
    if (par_rank() == 0) {
        EXPECT(y[0] == n && y[1] == n * (n - 1) / 2.0 && y[2] == 2.0 * n);
    }
    par_allreduce_sum_double(x, 3);
    EXPECT(x[0] == n);
}

TEST_MPI_MAIN("test_mpi_par", {"bcast", test_bcast}, {"send_recv", test_send_recv},
                                     {"reduce", test_reduce})
