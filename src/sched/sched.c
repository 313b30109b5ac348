/* sched.c: the task graph shared by sched_serial and sched_mpi (see scheduler.h). */
#include "scheduler.h"

#include "log.h"
#include "par.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ ready heap */
/* Ready tasks leave the heap highest priority first. A model's EVAL (its test accuracy, a few
 * seconds) goes out as soon as its model is trained, ahead of everything else: whether the
 * models learned is the first thing a user checks (`fsweep status`, `fsweep report`), and a sweep
 * should not keep it for its last minutes; it delays the rest by at most the EVAL tasks' own
 * cost, and any order of ready tasks keeps list scheduling's bound. Otherwise by the task's
 * bottom level g->prio (its estimated cost plus the longest chain of estimated costs among the
 * tasks that wait for it), so that a short task which unblocks a long one (a model's DFMs
 * before its HFSS search) goes before a long task that unblocks nothing (critical-path list
 * scheduling); then the larger own cost, then the lower index. */
static int heap_less(const SchedGraph *g, int a, int b) /* a before b? */
{
    if (g->order_seed) { /* tests: a pseudo-random order, to show results do not depend on it */
        uint64_t x[2] = {g->order_seed, (uint64_t)a}, y[2] = {g->order_seed, (uint64_t)b};
        return fs_hash64(x, sizeof x) < fs_hash64(y, sizeof y);
    }
    int ea = g->cfg->tasks[a].kind == TASK_EVAL, eb = g->cfg->tasks[b].kind == TASK_EVAL;
    if (ea != eb) return ea;
    if (g->prio[a] != g->prio[b]) return g->prio[a] > g->prio[b];
    double ca = g->cfg->tasks[a].cost, cb = g->cfg->tasks[b].cost;
    if (ca != cb) return ca > cb;
    return a < b;
}

/* heap[0 .. *n) ordered by heap_less (g's own ready heap, or sgraph_simulate's copy) */
static void heap_push(const SchedGraph *g, int *heap, int *n, int i)
{
    int k = (*n)++;
    heap[k] = i;
    while (k > 0) {
        int p = (k - 1) / 2;
        if (!heap_less(g, heap[k], heap[p])) break;
        int t = heap[k];
        heap[k] = heap[p];
        heap[p] = t;
        k = p;
    }
}

static int heap_pop(const SchedGraph *g, int *heap, int *n)
{
    if (!*n) return -1;
    int top = heap[0];
    heap[0] = heap[--*n];
    int k = 0;
    for (;;) {
        int l = 2 * k + 1, r = l + 1, m = k;
        if (l < *n && heap_less(g, heap[l], heap[m])) m = l;
        if (r < *n && heap_less(g, heap[r], heap[m])) m = r;
        if (m == k) break;
        int t = heap[k];
        heap[k] = heap[m];
        heap[m] = t;
        k = m;
    }
    return top;
}

static void ready_push(SchedGraph *g, int i)
{
    heap_push(g, g->heap, &g->heap_n, i);
    g->state[i] = TS_READY;
}

/* ------------------------------------------------------------------ graph */
static int dep_list(const SweepConfig *cfg, const TaskSpec *t, int *out) /* all deps of t */
{
    const int *d = sweep_task_deps(cfg, t);
    for (int j = 0; j < t->n_deps; j++) out[j] = d[j];
    return t->n_deps;
}

/* g->prio[i]: task i's cost plus the largest prio of the unfinished tasks that wait for it,
 * over a topological order of the dependency graph (Kahn's, then backwards). A cycle cannot
 * come out of sweep_load; its tasks would keep their own cost. */
static void sgraph_bottom_levels(SchedGraph *g)
{
    const int n = g->n;
    int *indeg = xcalloc((size_t)n + 1, sizeof(int)), *order = xmalloc(((size_t)n + 1) * sizeof(int));
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++) {
        indeg[i] = g->cfg->tasks[i].n_deps;
        g->prio[i] = g->cfg->tasks[i].cost;
        if (!indeg[i]) order[tail++] = i;
    }
    while (head < tail) {
        int i = order[head++];
        for (int j = g->child_off[i]; j < g->child_off[i + 1]; j++)
            if (--indeg[g->child[j]] == 0) order[tail++] = g->child[j];
    }
    for (int q = tail - 1; q >= 0; q--) {
        int i = order[q];
        double below = 0;
        for (int j = g->child_off[i]; j < g->child_off[i + 1]; j++) {
            int c = g->child[j];
            if (g->state[c] != TS_DONE && g->prio[c] > below) below = g->prio[c];
        }
        g->prio[i] = g->cfg->tasks[i].cost + below;
    }
    free(indeg);
    free(order);
}

void sgraph_init(SchedGraph *g, const SweepConfig *cfg, Store *store, FILE *out)
{
    memset(g, 0, sizeof *g);
    g->cfg = cfg;
    g->store = store;
    g->out = out;
    const char *os = getenv("FSWEEP_ORDER_SEED");
    g->order_seed = os ? strtoull(os, NULL, 10) : 0;
    int n = g->n = cfg->n_tasks;
    g->state = xcalloc((size_t)n + 1, 1);
    g->tries = xcalloc((size_t)n + 1, sizeof(int));
    g->waiting = xcalloc((size_t)n + 1, sizeof(int));
    g->child_off = xcalloc((size_t)n + 2, sizeof(int));
    g->heap = xcalloc((size_t)n + 1, sizeof(int));
    g->prio = xcalloc((size_t)n + 1, sizeof(double));
    int maxdeps = 1;
    for (int i = 0; i < n; i++)
        if (cfg->tasks[i].n_deps > maxdeps) maxdeps = cfg->tasks[i].n_deps;
    int *d = xmalloc((size_t)maxdeps * sizeof(int));
    int total = 0;
    for (int i = 0; i < n; i++) {
        int k = dep_list(cfg, &cfg->tasks[i], d);
        for (int j = 0; j < k; j++) g->child_off[d[j] + 1]++;
        total += k;
    }
    for (int i = 0; i < n; i++) g->child_off[i + 1] += g->child_off[i];
    g->child = xcalloc((size_t)total + 1, sizeof(int));
    int *fill = xcalloc((size_t)n + 1, sizeof(int));
    for (int i = 0; i < n; i++) {
        int k = dep_list(cfg, &cfg->tasks[i], d);
        for (int j = 0; j < k; j++) g->child[g->child_off[d[j]] + fill[d[j]]++] = i;
    }
    free(fill);
    for (int i = 0; i < n; i++)
        if (store && store_is_done(store, cfg->tasks[i].id)) {
            g->state[i] = TS_DONE;
            g->n_skipped++;
        }
    sgraph_bottom_levels(g);
    for (int i = 0; i < n; i++) {
        if (g->state[i] == TS_DONE) continue;
        g->cost_left += cfg->tasks[i].cost;
        int k = dep_list(cfg, &cfg->tasks[i], d);
        for (int j = 0; j < k; j++) g->waiting[i] += g->state[d[j]] != TS_DONE;
        if (!g->waiting[i]) ready_push(g, i);
    }
    free(d);
    g->cost_start = g->cost_left;
    g->t0 = g->last_progress = fs_now();
}

void sgraph_free(SchedGraph *g)
{
    free(g->state);
    free(g->tries);
    free(g->waiting);
    free(g->child_off);
    free(g->child);
    free(g->heap);
    free(g->prio);
    memset(g, 0, sizeof *g);
}

int sgraph_next(SchedGraph *g)
{
    int i = heap_pop(g, g->heap, &g->heap_n);
    if (i >= 0) {
        g->state[i] = TS_RUNNING;
        g->n_running++;
    }
    return i;
}

void sgraph_requeue(SchedGraph *g, int i)
{
    if (g->state[i] != TS_RUNNING) return;
    g->n_running--;
    ready_push(g, i);
}

int sgraph_idle(const SchedGraph *g) { return g->heap_n == 0 && g->n_running == 0; }

double sgraph_simulate(const SchedGraph *g, const double *dur, int workers)
{
    if (workers < 1) return NAN;
    const int n = g->n;
    int *heap = xmalloc(((size_t)n + 1) * sizeof(int)), *waiting = xmalloc(((size_t)n + 1) * sizeof(int));
    int *run = xmalloc((size_t)workers * sizeof(int)), hn = g->heap_n, busy = 0;
    double *fin = xmalloc((size_t)workers * sizeof(double)), now = 0;
    memcpy(heap, g->heap, (size_t)hn * sizeof(int));
    memcpy(waiting, g->waiting, (size_t)n * sizeof(int));
    for (;;) {
        while (busy < workers && hn > 0) { /* free workers take the ready tasks, best first */
            run[busy] = heap_pop(g, heap, &hn);
            fin[busy] = now + dur[run[busy]];
            busy++;
        }
        if (!busy) break;
        int w = 0; /* the next to finish; ties: the lower task index, for one answer */
        for (int k = 1; k < busy; k++)
            if (fin[k] < fin[w] || (fin[k] == fin[w] && run[k] < run[w])) w = k;
        int i = run[w];
        now = fin[w];
        run[w] = run[--busy];
        fin[w] = fin[busy];
        for (int c = g->child_off[i]; c < g->child_off[i + 1]; c++) {
            int j = g->child[c];
            if (g->state[j] == TS_WAIT && --waiting[j] == 0) heap_push(g, heap, &hn, j);
        }
    }
    free(heap);
    free(waiting);
    free(run);
    free(fin);
    return now;
}

int sgraph_attempt(const SchedGraph *g, int i)
{
    int prior = g->store ? store_attempts(g->store, g->cfg->tasks[i].id) : 0;
    return prior + 1;
}

static void block_children(SchedGraph *g, int i)
{
    for (int c = g->child_off[i]; c < g->child_off[i + 1]; c++) {
        int j = g->child[c];
        if (g->state[j] == TS_WAIT) {
            g->state[j] = TS_BLOCKED;
            g->n_blocked++;
            g->cost_left -= g->cfg->tasks[j].cost;
            block_children(g, j);
        }
    }
}

FsStatus sgraph_record(SchedGraph *g, int i, TaskResult *r)
{
    const TaskSpec *t = &g->cfg->tasks[i];
    if (r->status == FS_ERR_INTERRUPT) {
        sgraph_requeue(g, i);
        if (g->out) fprintf(g->out, "interrupted  %s (r%d); it runs again on resume\n", t->key,
                            r->rank);
        return FS_OK;
    }
    FsStatus st = store_append(g->store, g->cfg, t, r);
    if (st != FS_OK) return st;
    g->n_running--;
    g->tries[i]++;
    if (r->status == FS_OK) {
        g->state[i] = TS_DONE;
        g->n_done++;
        g->cost_left -= t->cost;
        for (int c = g->child_off[i]; c < g->child_off[i + 1]; c++) {
            int j = g->child[c];
            if (g->state[j] == TS_WAIT && --g->waiting[j] == 0) ready_push(g, j);
        }
    } else {
        g->n_fail_attempts++;
        if (g->tries[i] <= g->cfg->retries) {
            ready_push(g, i);
        } else {
            g->state[i] = TS_FAILED;
            g->n_failed++;
            g->cost_left -= t->cost;
            block_children(g, i);
        }
    }
    if (g->out) {
        int64_t fin = g->n_done + g->n_skipped;
        if (r->status == FS_OK)
            fprintf(g->out, "[%*lld/%d] done    %s  %.3f s  r%d\n", 1 + (int)log10(g->n + 1),
                    (long long)fin, g->n, t->key, r->wall, r->rank);
        else
            fprintf(g->out, "[%*lld/%d] FAILED  %s  attempt %d  r%d: %s: %s%s\n",
                    1 + (int)log10(g->n + 1), (long long)fin, g->n, t->key, r->attempt, r->rank,
                    fs_status_str((FsStatus)r->status), r->error,
                    g->state[i] == TS_FAILED ? " (no retries left)" : " (will retry)");
        fflush(g->out);
    }
    return FS_OK;
}

FsStatus sgraph_inputs(SchedGraph *g, int i, TaskBlob **in, int *n)
{
    const TaskSpec *t = &g->cfg->tasks[i];
    const char *names[2];
    const TaskSpec *at[2] = {NULL, NULL}; /* whose coordinates: t, a dfmx model's or XFER's source */
    int k = task_inputs(g->cfg, t, names, at);
    *in = xcalloc((size_t)k + 1, sizeof **in);
    *n = 0;
    for (int j = 0; j < k; j++) {
        FsStatus st = store_read_input(g->store, g->cfg, at[j], names[j], &(*in)[j]);
        if (st != FS_OK) {
            for (int q = 0; q < j; q++) task_blob_free(&(*in)[q]);
            free(*in);
            *in = NULL;
            return st;
        }
        (*n)++;
    }
    return FS_OK;
}

static void fmt_dur(char *b, size_t n, double s)
{
    if (!isfinite(s) || s < 0) {
        fs_snprintf(b, n, "?");
        return;
    }
    long t = (long)(s + 0.5);
    fs_snprintf(b, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

void sgraph_progress(SchedGraph *g, int force)
{
    double now = fs_now();
    if (!g->out || (!force && now - g->last_progress < g->cfg->progress_every)) return;
    g->last_progress = now;
    double el = now - g->t0;
    double rate = el > 0 ? (double)(g->n_done + g->n_fail_attempts) / el * 3600 : 0;
    int64_t left = g->n - g->n_skipped - g->n_done - g->n_failed - g->n_blocked;
    /* ETA weighted by the tasks' estimated costs (a train outweighs an eval) */
    double done_cost = g->cost_start - g->cost_left;
    double eta = done_cost > 0 ? el / done_cost * g->cost_left
                 : g->n_done > 0 ? el / (double)g->n_done * (double)left : (double)NAN;
    char e1[32], e2[32];
    fmt_dur(e1, sizeof e1, el);
    fmt_dur(e2, sizeof e2, eta);
    fprintf(g->out, "progress: %lld/%d done (%lld from earlier runs), %lld running, %lld failed, "
            "%lld blocked, %.0f tasks/h, elapsed %s, ETA %s\n",
            (long long)g->n_done + (long long)g->n_skipped, g->n, (long long)g->n_skipped,
            (long long)g->n_running, (long long)g->n_failed, (long long)g->n_blocked, rate, e1, e2);
    fflush(g->out);
}

void sgraph_summary(const SchedGraph *g, SchedSummary *s)
{
    memset(s, 0, sizeof *s);
    s->total = g->n;
    s->skipped = g->n_skipped;
    s->done = g->n_done;
    s->failed_attempts = g->n_fail_attempts;
    s->failed = g->n_failed;
    s->blocked = g->n_blocked;
    s->remaining = g->n - g->n_skipped - g->n_done - g->n_failed - g->n_blocked;
    s->wall = fs_now() - g->t0;
}

int sgraph_exit_code(const SchedGraph *g, int interrupted)
{
    int64_t left = g->n - g->n_skipped - g->n_done - g->n_failed - g->n_blocked;
    if (interrupted && left > 0) return FS_EXIT_RESUMABLE;
    if (g->n_failed || g->n_blocked) return FS_EXIT_FAILED;
    return left > 0 ? FS_EXIT_RESUMABLE : FS_EXIT_OK;
}

/* ------------------------------------------------------------------ serial */
static void run_one(const SchedOptions *o, const TaskSpec *t, int attempt, const TaskBlob *in,
                    int n_in, TaskResult *r)
{
    TaskEnv env = {o->cfg, par_rank(), attempt, in, n_in, o->stop, 0, o->user};
    if (o->cfg->task_timeout > 0) env.deadline = fs_now() + o->cfg->task_timeout;
    task_result_init(r, t);
    fs_clear_error();
    double t0 = fs_now();
    r->start = fs_wall_time();
    FsStatus st = o->run(t, &env, r);
    r->wall = fs_now() - t0;
    r->end = r->start + r->wall;
    if (st == FS_OK && o->cfg->task_timeout > 0 && r->wall > o->cfg->task_timeout)
        st = fs_errorf(FS_ERR_TIMEOUT, "took %.1f s, over the time limit of %g s", r->wall,
                       o->cfg->task_timeout);
    r->status = st;
    r->attempt = attempt;
    r->rank = par_rank();
    fs_snprintf(r->host, sizeof r->host, "%.63s", par_host());
    if (st != FS_OK) {
        fs_snprintf(r->error, sizeof r->error, "%.255s", fs_last_error());
        if (!r->error[0]) fs_snprintf(r->error, sizeof r->error, "%s", fs_status_str(st));
        for (int i = 0; i < r->n_blobs; i++) task_blob_free(&r->blobs[i]);
        r->n_blobs = 0; /* a failed attempt stores no arrays */
    }
}

void sched_run_task(const SchedOptions *o, int idx, int attempt, const TaskBlob *in, int n_in,
                    TaskResult *r)
{
    run_one(o, sweep_spec_at(o->cfg, idx), attempt, in, n_in, r);
}

int sched_serial(const SchedOptions *o, SchedSummary *sum)
{
    SchedGraph g;
    sgraph_init(&g, o->cfg, o->store, o->out);
    int interrupted = 0, code = -1;
    sgraph_progress(&g, 1);
    for (;;) {
        if (o->stop && *o->stop) {
            interrupted = 1;
            break;
        }
        int i = sgraph_next(&g);
        if (i < 0) break;
        TaskBlob *in = NULL;
        int n_in = 0;
        TaskResult r;
        FsStatus st = sgraph_inputs(&g, i, &in, &n_in);
        if (st != FS_OK) {
            LOG_ERROR("%s", fs_last_error());
            code = FS_EXIT_ERROR;
            break;
        }
        int attempt = sgraph_attempt(&g, i);
        if (store_note_start(o->store, &o->cfg->tasks[i], 0) != FS_OK)
            LOG_WARN("%s", fs_last_error());
        sched_run_task(o, i, attempt, in, n_in, &r);
        for (int j = 0; j < n_in; j++) task_blob_free(&in[j]);
        free(in);
        if (r.status == FS_ERR_INTERRUPT) interrupted = 1;
        st = sgraph_record(&g, i, &r);
        task_result_free(&r);
        if (st != FS_OK) {
            LOG_ERROR("store: %s", fs_last_error());
            code = FS_EXIT_ERROR;
            break;
        }
        sgraph_progress(&g, 0);
    }
    sgraph_progress(&g, 1);
    sgraph_summary(&g, sum);
    sum->interrupted = interrupted;
    if (code < 0) code = sgraph_exit_code(&g, interrupted);
    sgraph_free(&g);
    return code;
}
