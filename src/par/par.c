/* par.c: see par.h. The only file that includes mpi.h and fftw3-mpi.h. */
#include "par.h"

#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FS_NO_MPI
#include <fftw3-mpi.h>
#include <mpi.h>

static int mpi_on;
static int my_rank, my_size = 1;

#define MPI_CHECK(call)                                                                            \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != MPI_SUCCESS) {                                                                  \
            char es_[MPI_MAX_ERROR_STRING];                                                        \
            int el_ = 0;                                                                           \
            MPI_Error_string(rc_, es_, &el_);                                                      \
            FS_DIE("%s failed: %s", #call, es_);                                                   \
        }                                                                                          \
    } while (0)

static void die_hook(int code)
{
    if (mpi_on) MPI_Abort(MPI_COMM_WORLD, code);
}

static int launched_by_mpi(void)
{
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK",
                          "SLURM_STEP_ID_MPI", "MPI_LOCALNRANKS"};
    for (size_t i = 0; i < FS_ARRAY_LEN(vars); i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

void par_init(int *argc, char ***argv)
{
    int inited = 0;
    MPI_CHECK(MPI_Initialized(&inited));
    if (!inited) {
        if (!launched_by_mpi()) return; /* plain serial run */
        MPI_CHECK(MPI_Init(argc, argv));
    }
    mpi_on = 1;
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &my_rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &my_size));
    fftwf_mpi_init();
    fs_set_die_hook(die_hook);
    log_set_rank(my_rank);
}

void par_finalize(void)
{
    if (!mpi_on) return;
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) {
        fftwf_mpi_cleanup();
        MPI_Finalize();
    }
    mpi_on = 0;
}

int par_rank(void) { return my_rank; }
int par_size(void) { return my_size; }
int par_is_mpi(void) { return mpi_on; }
int par_built_with_mpi(void) { return 1; }

void par_abort(int code)
{
    fflush(stdout);
    fflush(stderr);
    if (mpi_on) MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

void par_barrier(void)
{
    if (mpi_on) MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
}

void par_bcast(void *buf, size_t n, int root)
{
    if (!mpi_on) return;
    char *p = buf;
    while (n) { /* MPI counts are int: send in chunks */
        int c = n > (size_t)1 << 30 ? 1 << 30 : (int)n;
        MPI_CHECK(MPI_Bcast(p, c, MPI_BYTE, root, MPI_COMM_WORLD));
        p += c;
        n -= (size_t)c;
    }
}

void par_bcast_str(char **s, int root)
{
    if (!mpi_on) return;
    unsigned long long len = (my_rank == root && *s) ? strlen(*s) + 1 : 0;
    par_bcast(&len, sizeof len, root);
    if (my_rank != root) {
        *s = len ? xmalloc(len) : NULL;
    }
    if (len) par_bcast(*s, len, root);
}

void par_send(int dest, int tag, const void *buf, size_t n)
{
    FS_CHECK(mpi_on, "par_send without MPI");
    FS_CHECK(n <= ((size_t)1 << 31) - 1, "par_send: message of %zu bytes too large", n);
    MPI_CHECK(MPI_Send(buf, (int)n, MPI_BYTE, dest, tag, MPI_COMM_WORLD));
}

void par_recv(int src, int tag, void **buf, size_t *n, int *src_out, int *tag_out)
{
    FS_CHECK(mpi_on, "par_recv without MPI");
    MPI_Status st;
    MPI_CHECK(MPI_Probe(src < 0 ? MPI_ANY_SOURCE : src, tag < 0 ? MPI_ANY_TAG : tag,
                        MPI_COMM_WORLD, &st));
    int cnt = 0;
    MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &cnt));
    void *p = xmalloc((size_t)cnt);
    MPI_CHECK(MPI_Recv(p, cnt, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE));
    *buf = p;
    *n = (size_t)cnt;
    if (src_out) *src_out = st.MPI_SOURCE;
    if (tag_out) *tag_out = st.MPI_TAG;
}

int par_iprobe(int src, int tag, int *src_out, int *tag_out)
{
    if (!mpi_on) return 0;
    int flag = 0;
    MPI_Status st;
    MPI_CHECK(MPI_Iprobe(src < 0 ? MPI_ANY_SOURCE : src, tag < 0 ? MPI_ANY_TAG : tag,
                         MPI_COMM_WORLD, &flag, &st));
    if (flag) {
        if (src_out) *src_out = st.MPI_SOURCE;
        if (tag_out) *tag_out = st.MPI_TAG;
    }
    return flag;
}

void par_reduce_sum_double(const double *in, double *out, size_t n, int root)
{
    if (!mpi_on) {
        if (out != in) memmove(out, in, n * sizeof *in);
        return;
    }
    FS_CHECK(n <= (size_t)1 << 30, "par_reduce: %zu values too many", n);
    MPI_CHECK(MPI_Reduce(in == out && my_rank == root ? MPI_IN_PLACE : in, out, (int)n,
                         MPI_DOUBLE, MPI_SUM, root, MPI_COMM_WORLD));
}

void par_allreduce_sum_double(double *inout, size_t n)
{
    if (!mpi_on) return;
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, inout, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
}

void par_allreduce_max_int(int *inout, size_t n)
{
    if (!mpi_on) return;
    MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, inout, (int)n, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
}

void par_gatherv_double(const double *send, const size_t *counts, double *recv, int root)
{
    if (!mpi_on) {
        if (recv != send) memmove(recv, send, counts[0] * sizeof *send);
        return;
    }
    int *cnt = xmalloc((size_t)my_size * sizeof *cnt), *disp = xmalloc((size_t)my_size * sizeof *disp);
    size_t off = 0;
    for (int r = 0; r < my_size; r++) {
        FS_CHECK(counts[r] <= (size_t)1 << 30 && off <= (size_t)1 << 30,
                 "par_gatherv: %zu values too many for MPI int counts", off + counts[r]);
        cnt[r] = (int)counts[r];
        disp[r] = (int)off;
        off += counts[r];
    }
    MPI_CHECK(MPI_Gatherv(send, cnt[my_rank], MPI_DOUBLE, recv, cnt, disp, MPI_DOUBLE, root,
                          MPI_COMM_WORLD));
    free(cnt);
    free(disp);
}

static void bcast_wisdom(void)
{
    if (mpi_on) fftwf_mpi_broadcast_wisdom(MPI_COMM_WORLD);
}

const char *par_library_version(void)
{
    static char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(v, &len) != MPI_SUCCESS) return "unknown MPI";
    char *nl = strchr(v, '\n');
    if (nl) *nl = 0;
    char *comma = strstr(v, ", package");
    if (comma) *comma = 0;
    return v;
}

const char *par_host(void)
{
    static char h[MPI_MAX_PROCESSOR_NAME + 1];
    int len = 0;
    if (mpi_on && MPI_Get_processor_name(h, &len) == MPI_SUCCESS) return h;
    if (gethostname(h, sizeof h - 1) != 0) strcpy(h, "unknown");
    return h;
}

#else /* FS_NO_MPI: a single rank */

void par_init(int *argc, char ***argv)
{
    FS_UNUSED(argc);
    FS_UNUSED(argv);
}
void par_finalize(void) {}
int par_rank(void) { return 0; }
int par_size(void) { return 1; }
int par_is_mpi(void) { return 0; }
int par_built_with_mpi(void) { return 0; }
void par_abort(int code)
{
    fflush(stdout);
    fflush(stderr);
    exit(code);
}
void par_barrier(void) {}
void par_bcast(void *buf, size_t n, int root)
{
    FS_UNUSED(buf);
    FS_UNUSED(n);
    FS_UNUSED(root);
}
void par_bcast_str(char **s, int root)
{
    FS_UNUSED(s);
    FS_UNUSED(root);
}
void par_send(int dest, int tag, const void *buf, size_t n)
{
    FS_UNUSED(dest);
    FS_UNUSED(tag);
    FS_UNUSED(buf);
    FS_UNUSED(n);
    FS_DIE("par_send: this build has no MPI (use build/fsweep under mpirun)");
}
void par_recv(int src, int tag, void **buf, size_t *n, int *src_out, int *tag_out)
{
    FS_UNUSED(src);
    FS_UNUSED(tag);
    FS_UNUSED(buf);
    FS_UNUSED(n);
    FS_UNUSED(src_out);
    FS_UNUSED(tag_out);
    FS_DIE("par_recv: this build has no MPI (use build/fsweep under mpirun)");
}
int par_iprobe(int src, int tag, int *src_out, int *tag_out)
{
    FS_UNUSED(src);
    FS_UNUSED(tag);
    FS_UNUSED(src_out);
    FS_UNUSED(tag_out);
    return 0;
}
void par_reduce_sum_double(const double *in, double *out, size_t n, int root)
{
    FS_UNUSED(root);
    if (out != in) memmove(out, in, n * sizeof *in);
}
void par_allreduce_sum_double(double *inout, size_t n)
{
    FS_UNUSED(inout);
    FS_UNUSED(n);
}
void par_allreduce_max_int(int *inout, size_t n)
{
    FS_UNUSED(inout);
    FS_UNUSED(n);
}
void par_gatherv_double(const double *send, const size_t *counts, double *recv, int root)
{
    FS_UNUSED(root);
    if (recv != send) memmove(recv, send, counts[0] * sizeof *send);
}
static void bcast_wisdom(void) {}
const char *par_library_version(void) { return "none (serial build)"; }
const char *par_host(void)
{
    static char h[256];
    if (gethostname(h, sizeof h - 1) != 0) strcpy(h, "unknown");
    return h;
}
#endif

/* ---- built on the calls above, the same in both builds */

/* 1 on every rank when `st` failed on any rank. */
static int any_failed(FsStatus st)
{
    int bad = st != FS_OK;
    par_allreduce_max_int(&bad, 1);
    return bad;
}

FsStatus par_split_score_gather(const FsScoreJob *job, double *out)
{
    const int rank = par_rank(), size = par_size();
    const size_t width = (size_t)job->width;
    int first = 0, count = 0;
    split_range(job->n_items, job->group, rank, size, &first, &count);
    double *mine = xmalloc(((size_t)count * width + 1) * sizeof *mine); /* (count, width) */
    FsStatus st = count > 0 ? job->score(job->ctx, first, count, mine) : FS_OK;
    if (any_failed(st)) {
        free(mine);
        return st != FS_OK ? st : fs_errorf(FS_ERR_INTERNAL, "%s: another rank failed", job->what);
    }
    size_t *counts = xmalloc((size_t)size * sizeof *counts); /* doubles sent by each rank */
    for (int r = 0; r < size; r++) {
        int f, c;
        split_range(job->n_items, job->group, r, size, &f, &c);
        counts[r] = (size_t)c * width;
    }
    par_gatherv_double(mine, counts, out, 0); /* out is written on rank 0 only */
    if (job->bcast) par_bcast(out, (size_t)job->n_items * width * sizeof *out, 0);
    free(counts);
    free(mine);
    return FS_OK;
}

FsStatus par_share_wisdom(FsStatus planned)
{
    if (any_failed(planned))
        return planned != FS_OK
                   ? planned
                   : fs_errorf(FS_ERR_LIB, "par_share_wisdom: planning failed on rank 0");
    bcast_wisdom();
    return FS_OK;
}
