/* scheduler.h: no scheduler.c (sched.h would shadow <sched.h>): implemented by src/sched/.
 * Running a sweep's task graph. Two schedulers share one graph (SchedGraph):
 *   sched_serial: one process runs the ready tasks, longest chain first (below);
 *   sched_mpi:    rank 0 is the master (hands out ready tasks on request, in the same order; writes
 *                 every result to the store and flushes; trains nothing), ranks 1.. are workers
 *                 that run the TaskRunner the caller passes (runner.h). All MPI goes through
 *                 par.h.
 * Both give identical stores (up to times, ranks and hosts): a task's result depends only on
 * its spec and its inputs, which the master reads back from the store (weights, DFM scores).
 *
 * A failed attempt is a row with its error; the task is retried up to cfg->retries more times
 * in this run; its dependents are then blocked. *stop (set by SIGTERM/SIGUSR1) drains: no new
 * tasks, running ones finish (or stop at their next task_check) within cfg->drain_timeout, the
 * store is closed by the caller, and the exit code is FS_EXIT_RESUMABLE.
 * Order: the ready task with the largest bottom level (its [cost] estimate plus the longest chain
 * of estimates among the tasks that wait for it) goes first, then the larger own estimate, then
 * the lower index (critical-path list scheduling; tests/sched/test_order.sh).
 * Returns an FS_EXIT_* code. Not thread-safe. */
#ifndef FS_SCHEDULER_H
#define FS_SCHEDULER_H

#include "store.h"
#include "sweep.h"
#include "task.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const SweepConfig *cfg;
    Store *store;                /* master (or serial) only; NULL on workers */
    TaskRunner run;
    volatile sig_atomic_t *stop; /* drain request; may be NULL */
    FILE *out;                   /* progress lines; NULL = quiet */
    void *user;                  /* the runner's per-worker state (TaskEnv.user) */
} SchedOptions;

typedef struct {
    int64_t total, skipped, done, failed_attempts, failed, blocked, remaining;
    int interrupted;
    double wall;
} SchedSummary;

int sched_serial(const SchedOptions *o, SchedSummary *sum);
int sched_mpi(const SchedOptions *o, SchedSummary *sum);

/* ---- the shared graph (used by both schedulers and `fsweep plan`) */
typedef enum { TS_WAIT = 0, TS_READY, TS_RUNNING, TS_DONE, TS_FAILED, TS_BLOCKED } TaskState;

typedef struct {
    const SweepConfig *cfg;
    Store *store;
    FILE *out;
    int n;
    uint8_t *state;
    int *tries;      /* attempts in this run */
    int *waiting;    /* unfinished dependencies */
    int *child_off, *child; /* CSR lists of dependents */
    int *heap, heap_n;      /* ready tasks: highest prio first, then max cost, then lowest index */
    double *prio;           /* bottom level: the task's cost + the longest cost chain waiting on it */
    int64_t n_skipped, n_done, n_failed, n_blocked, n_running, n_fail_attempts;
    double t0, last_progress, cost_left, cost_start; /* estimated seconds */
    uint64_t order_seed; /* FSWEEP_ORDER_SEED (tests): hand out ready tasks in a random order */
} SchedGraph;

void sgraph_init(SchedGraph *g, const SweepConfig *cfg, Store *store, FILE *out);
void sgraph_free(SchedGraph *g);
int sgraph_next(SchedGraph *g);             /* a ready task (now RUNNING), or -1 */
void sgraph_requeue(SchedGraph *g, int i);  /* RUNNING -> READY without counting an attempt */
int sgraph_idle(const SchedGraph *g);       /* nothing ready and nothing running */
/* The wall seconds of g's unfinished tasks on `workers` workers handed out as the schedulers do
 * (the same ready order), task i taking dur[i] s: an event simulation for `fsweep plan`. */
double sgraph_simulate(const SchedGraph *g, const double *dur, int workers);
/* Attempt number (1-based, counting earlier runs' rows) for the next run of task i. */
int sgraph_attempt(const SchedGraph *g, int i);
/* Fill the header (attempt, rank, host, times), store the result, print, update the graph.
 * Interrupted attempts (FS_ERR_INTERRUPT) are not stored; the task goes back to READY. */
FsStatus sgraph_record(SchedGraph *g, int i, TaskResult *r);
/* Read the inputs task i needs from the store; *in xmalloc'd (task_blob_free each). */
FsStatus sgraph_inputs(SchedGraph *g, int i, TaskBlob **in, int *n);
void sgraph_progress(SchedGraph *g, int force);
void sgraph_summary(const SchedGraph *g, SchedSummary *s);
int sgraph_exit_code(const SchedGraph *g, int interrupted);
/* Run task idx as a worker would: env from o, header filled (times, rank, host, status). */
void sched_run_task(const SchedOptions *o, int idx, int attempt, const TaskBlob *in, int n_in,
                    TaskResult *r);

#endif
