/* sched_mpi.c: master/worker pull scheduling over par.h (see scheduler.h).
 * Protocol (tags): a worker sends READY once, then RESULT after each task (which also asks for
 * the next); the master answers TASK (index, attempt, input blobs) or, when the graph is
 * exhausted or draining, STOP. Message sizes: TASK = 8 bytes + inputs (the model's weights,
 * DFM scores); RESULT = ~400 bytes + result arrays. The master never blocks in a receive, so it
 * can react to signals, print progress and enforce the drain timeout. */
#include "scheduler.h"

#include "log.h"
#include "par.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_READY = 101, TAG_TASK = 102, TAG_RESULT = 103, TAG_STOP = 104 };

typedef struct {
    int32_t index, attempt;
} TaskMsgHeader;

/* Sleep *s seconds, then double *s up to cap: the polling loops' backoff (the master's and an
 * idle worker's). nanosleep's EINTR is not an error here: a signal (the drain request) ends the
 * nap early, and the loop looks at it at once. */
static void nap_backoff(double *s, double cap)
{
    struct timespec ts = {(time_t)*s, (long)((*s - (double)(time_t)*s) * 1e9)};
    (void)nanosleep(&ts, NULL);
    if (*s < cap) *s *= 2;
}

/* Wait for the master's next message without spinning: Open MPI's blocking probe polls at
 * 100 % of a core, so an idle worker (nothing ready while another runs a long task) took a core
 * from the ranks beside it (seen: half of the 2 cores a 2-thread HFSS task ran on). Naps from
 * 20 us growing to 20 ms: a worker that waits for work costs nothing, at most 20 ms a task. */
static void wait_master(void)
{
    double s = 2e-5;
    while (!par_iprobe(0, -1, NULL, NULL)) nap_backoff(&s, 2e-2);
}

static int worker_loop(const SchedOptions *o)
{
    par_send(0, TAG_READY, NULL, 0);
    for (;;) {
        void *buf = NULL;
        size_t n = 0;
        int tag = 0;
        wait_master();
        par_recv(0, -1, &buf, &n, NULL, &tag);
        if (tag == TAG_STOP) { /* carries the job's exit code, so every rank exits alike */
            int code = FS_EXIT_OK;
            if (n == sizeof code) memcpy(&code, buf, sizeof code);
            free(buf);
            return code;
        }
        FS_CHECK(tag == TAG_TASK && n >= sizeof(TaskMsgHeader), "worker: unexpected message %d",
                 tag);
        TaskMsgHeader h;
        memcpy(&h, buf, sizeof h);
        TaskBlob *in = NULL;
        int n_in = 0;
        FsStatus st = task_blobs_unpack((char *)buf + sizeof h, n - sizeof h, &in, &n_in);
        FS_CHECK(st == FS_OK, "worker: bad task message: %s", fs_last_error());
        free(buf);
        FS_CHECK(h.index >= 0 && h.index < o->cfg->n_tasks, "worker: task %d out of range",
                 h.index);
        TaskResult r;
        sched_run_task(o, h.index, h.attempt, in, n_in, &r);
        for (int j = 0; j < n_in; j++) task_blob_free(&in[j]);
        free(in);
        FsBuf b = {0};
        task_result_pack(&r, &b);
        par_send(0, TAG_RESULT, b.s, b.len);
        fsbuf_free(&b);
        task_result_free(&r);
    }
}

/* Send task i to worker w, inputs read back from the store. */
static FsStatus dispatch(SchedGraph *g, int i, int w, int *task_of)
{
    TaskBlob *in = NULL;
    int n_in = 0;
    FsStatus st = sgraph_inputs(g, i, &in, &n_in);
    if (st != FS_OK) return st;
    TaskMsgHeader h = {i, sgraph_attempt(g, i)};
    FsBuf b = {0};
    fsbuf_put(&b, &h, sizeof h);
    task_blobs_pack(in, n_in, &b);
    for (int j = 0; j < n_in; j++) task_blob_free(&in[j]);
    free(in);
    st = store_note_start(g->store, &g->cfg->tasks[i], w);
    par_send(w, TAG_TASK, b.s, b.len);
    fsbuf_free(&b);
    task_of[w] = i;
    return st;
}

static int master_loop(const SchedOptions *o, SchedSummary *sum)
{
    const int size = par_size(), nw = size - 1;
    SchedGraph g;
    sgraph_init(&g, o->cfg, o->store, o->out);
    int *idle = xcalloc((size_t)size, sizeof(int)), n_idle = 0;
    int *task_of = xcalloc((size_t)size, sizeof(int));
    for (int w = 0; w < size; w++) task_of[w] = -1;
    int draining = 0, code = -1, busy = 0;
    double drain_end = 0, backoff = 2e-5;
    sgraph_progress(&g, 1);
    for (;;) {
        if (!draining && o->stop && *o->stop) {
            draining = 1;
            drain_end = fs_now() + o->cfg->drain_timeout;
            if (o->out) {
                fprintf(o->out, "signal: draining (%lld running, up to %g s); the store stays "
                        "resumable\n", (long long)g.n_running, o->cfg->drain_timeout);
                fflush(o->out);
            }
        }
        while (!draining && n_idle > 0) {
            int i = sgraph_next(&g);
            if (i < 0) break;
            int w = idle[--n_idle];
            if (dispatch(&g, i, w, task_of) != FS_OK) {
                LOG_ERROR("%s", fs_last_error());
                code = FS_EXIT_ERROR;
                break;
            }
        }
        if (code >= 0) break;
        if (n_idle == nw && (draining || sgraph_idle(&g))) break; /* everyone is waiting */
        if (draining && fs_now() > drain_end) {
            busy = 1;
            break;
        }
        int src = -1, tag = -1;
        if (!par_iprobe(-1, -1, &src, &tag)) {
            nap_backoff(&backoff, 2e-3);
            sgraph_progress(&g, 0);
            continue;
        }
        backoff = 2e-5;
        void *buf = NULL;
        size_t n = 0;
        par_recv(src, tag, &buf, &n, &src, &tag);
        if (tag == TAG_RESULT) {
            TaskResult r;
            FsStatus st = task_result_unpack(buf, n, &r);
            FS_CHECK(st == FS_OK, "master: bad result from rank %d: %s", src, fs_last_error());
            FS_CHECK(r.index == task_of[src], "master: rank %d returned task %d, sent %d", src,
                     r.index, task_of[src]);
            task_of[src] = -1;
            st = sgraph_record(&g, r.index, &r);
            task_result_free(&r);
            if (st != FS_OK) {
                LOG_ERROR("store: %s", fs_last_error());
                code = FS_EXIT_ERROR;
                free(buf);
                break;
            }
        } else {
            FS_CHECK(tag == TAG_READY, "master: unexpected tag %d from rank %d", tag, src);
        }
        free(buf);
        idle[n_idle++] = src;
        sgraph_progress(&g, 0);
    }
    int stopping = code < 0 && !busy;
    sgraph_progress(&g, 1);
    sgraph_summary(&g, sum);
    sum->interrupted = draining;
    if (code < 0) code = sgraph_exit_code(&g, draining || busy);
    if (stopping)
        for (int k = 0; k < n_idle; k++) par_send(idle[k], TAG_STOP, &code, sizeof code);
    if (busy || (code == FS_EXIT_ERROR && n_idle < nw)) {
        /* workers still inside tasks: the caller closes the store, then aborts the job */
        LOG_WARN("%d worker(s) still busy after the drain timeout; ending the job", nw - n_idle);
        code = code == FS_EXIT_ERROR ? code : FS_EXIT_RESUMABLE;
        sum->interrupted = 2;
    }
    free(idle);
    free(task_of);
    sgraph_free(&g);
    return code;
}

int sched_mpi(const SchedOptions *o, SchedSummary *sum)
{
    if (par_size() < 2) return sched_serial(o, sum);
    memset(sum, 0, sizeof *sum);
    if (par_rank() == 0) return master_loop(o, sum);
    return worker_loop(o);
}
