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

typedef struct {
    int fail_rank; /* this rank's score fails (-1: none) */
    int first, count, calls;
} ScoreCtx;

/* out (count, 3): item i, column j -> 10 i + j + 0.5 */
static FsStatus score_items(void *ctx, int first, int count, double *out)
{
    ScoreCtx *c = ctx;
    c->first = first;
    c->count = count;
    c->calls++;
    if (par_rank() == c->fail_rank) return fs_errorf(FS_ERR_IO, "rank %d: boom", par_rank());
    for (int i = 0; i < count; i++)
        for (int j = 0; j < 3; j++) out[i * 3 + j] = 10.0 * (first + i) + j + 0.5;
    return FS_OK;
}

static void test_split_score_gather(void)
{
    const int n = 23, group = 4, r = par_rank(), size = par_size();
    for (int bcast = 0; bcast <= 1; bcast++) {
        double out[23 * 3];
        for (int i = 0; i < n * 3; i++) out[i] = -1.0;
        ScoreCtx c = {-1, 0, 0, 0};
        FsScoreJob job = {n, group, 3, score_items, &c, "T", bcast};
        EXPECT(par_split_score_gather(&job, out) == FS_OK);
        int f, k;
        split_range(n, group, r, size, &f, &k);
        EXPECT(c.calls == (k > 0) && (!k || (c.first == f && c.count == k)));
        if (r == 0 || bcast)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < 3; j++) EXPECT(out[i * 3 + j] == 10.0 * i + j + 0.5);
        else
            EXPECT(out[0] == -1.0); /* untouched off rank 0 */
    }
    /* one rank fails: every rank fails, the others with "T: another rank failed" */
    double out[23 * 3];
    ScoreCtx c = {size - 1, 0, 0, 0};
    FsScoreJob job = {n, group, 3, score_items, &c, "T", 1};
    FsStatus st = par_split_score_gather(&job, out);
    if (r == size - 1) EXPECT(st == FS_ERR_IO && strstr(fs_last_error(), "boom"));
    else EXPECT(st == FS_ERR_INTERNAL && !strcmp(fs_last_error(), "T: another rank failed"));
}

static void test_share_wisdom_failure(void)
{
    /* rank 0's planning failed: nobody broadcasts, every rank fails */
    FsStatus st = par_share_wisdom(par_rank() == 0 ? FS_ERR_CONFIG : FS_OK);
    EXPECT(st == (par_rank() == 0 ? FS_ERR_CONFIG : FS_ERR_LIB));
    EXPECT(par_share_wisdom(FS_OK) == FS_OK);
}

TEST_MPI_MAIN("test_mpi_par", {"bcast", test_bcast}, {"send_recv", test_send_recv},
                                     {"reduce", test_reduce},
                                     {"split_score_gather", test_split_score_gather},
                                     {"share_wisdom_failure", test_share_wisdom_failure})
