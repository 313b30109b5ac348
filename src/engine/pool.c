/* pool.c: see pool.h. One job at a time: the caller publishes (fn, ctx, n), bumps the
 * generation counter, runs items itself as tid 0, then waits until every worker has left the
 * job. Items are claimed with an atomic counter. Workers and the waiting caller spin for a short
 * while (POOL_SPIN polls) before sleeping on a condition variable, so back-to-back loops (a
 * training step runs hundreds) pay no wake-up latency, and an idle team sleeps. */
#include "pool.h"

#include "log.h"
#include "util.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define POOL_RELAX() _mm_pause()
#else
#define POOL_RELAX() ((void)0)
#endif

#define POOL_SPIN 20000 /* polls (~0.1-0.3 ms) before sleeping */
#define POOL_YIELD 64   /* every so many polls, sched_yield: a core shared with another process
                         * (more threads than cores) goes to whoever has work */

typedef struct {
    pthread_t tid[POOL_MAX_THREADS];
    int n;                    /* team size, caller included */
    pthread_mutex_t mu;
    pthread_cond_t wake;      /* workers: a new generation or quit */
    pthread_cond_t done;      /* caller: pending reached 0 */
    atomic_uint gen;          /* job generation */
    atomic_int next;          /* next unclaimed item */
    atomic_int pending;       /* workers not yet finished with the job */
    int sleepers, caller_sleeps, quit;
    unsigned gen0;            /* generation when the workers were started (they wait past it) */
    /* the job, written before gen is bumped */
    PoolFn fn;
    void *ctx;
    int items, width;         /* only threads tid < width take items */
} Pool;

static Pool pool = {.n = 1, .mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
                    .done = PTHREAD_COND_INITIALIZER};
static _Thread_local int in_task;

int pool_threads(void) { return pool.n; }
int pool_in_task(void) { return in_task; }
int pool_width(int n)
{
    if (in_task || n <= 1) return 1;
    return n < pool.n ? n : pool.n;
}

static void run_items(int tid)
{
    if (tid >= pool.width) return;
    in_task = 1;
    for (;;) {
        int i = atomic_fetch_add_explicit(&pool.next, 1, memory_order_relaxed);
        if (i >= pool.items) break;
        pool.fn(pool.ctx, i, tid);
    }
    in_task = 0;
}

static void *worker_main(void *arg)
{
    const int tid = (int)(size_t)arg;
    unsigned seen = pool.gen0; /* not the current value: a job may already be published */
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&pool.gen, memory_order_acquire) == seen) {
            if (++spins < POOL_SPIN) {
                if (spins % POOL_YIELD == 0) sched_yield();
                else POOL_RELAX();
                continue;
            }
            pthread_mutex_lock(&pool.mu);
            pool.sleepers++;
            while (atomic_load_explicit(&pool.gen, memory_order_acquire) == seen && !pool.quit)
                pthread_cond_wait(&pool.wake, &pool.mu);
            pool.sleepers--;
            int quit = pool.quit;
            pthread_mutex_unlock(&pool.mu);
            if (quit) return NULL;
            spins = 0;
        }
        seen = atomic_load_explicit(&pool.gen, memory_order_acquire);
        if (pool.quit) return NULL;
        run_items(tid);
        if (atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool.mu);
            if (pool.caller_sleeps) pthread_cond_signal(&pool.done);
            pthread_mutex_unlock(&pool.mu);
        }
    }
}

static void stop_workers(void)
{
    if (pool.n <= 1) return;
    pthread_mutex_lock(&pool.mu);
    pool.quit = 1;
    atomic_fetch_add_explicit(&pool.gen, 1, memory_order_release);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    for (int t = 1; t < pool.n; t++) {
        int rc = pthread_join(pool.tid[t], NULL);
        if (rc) LOG_WARN("pool: pthread_join of worker %d: %s", t, strerror(rc));
    }
    pool.quit = 0;
    pool.n = 1;
}

int pool_set_threads(int n)
{
    FS_CHECK(!in_task, "pool_set_threads called from inside a pool_for item");
    if (n < 1) n = 1;
    if (n > POOL_MAX_THREADS) n = POOL_MAX_THREADS;
    if (n == pool.n) return n;
    stop_workers();
    pool.gen0 = atomic_load_explicit(&pool.gen, memory_order_relaxed);
    int started = 1;
    for (int t = 1; t < n; t++) {
        int rc = pthread_create(&pool.tid[t], NULL, worker_main, (void *)(size_t)t);
        if (rc) {
            LOG_WARN("pool: cannot start worker thread %d of %d (%s); running with %d", t, n - 1,
                     strerror(rc), started);
            break;
        }
        started++;
        pool.n = started; /* a started worker counts even if a later one fails */
    }
    return pool.n;
}

void pool_for(int n, int width, PoolFn fn, void *ctx)
{
    if (n <= 0) return;
    if (width <= 0 || width > pool.n) width = pool.n;
    if (width <= 1 || in_task || n == 1) { /* inline; nested loops inside stay inline too */
        int outer = in_task;
        in_task = 1;
        for (int i = 0; i < n; i++) fn(ctx, i, 0);
        in_task = outer;
        return;
    }
    pool.fn = fn;
    pool.ctx = ctx;
    pool.items = n;
    pool.width = width;
    atomic_store_explicit(&pool.next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.pending, pool.n - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool.gen, 1, memory_order_release);
    pthread_mutex_lock(&pool.mu);
    if (pool.sleepers) pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    run_items(0);
    int spins = 0;
    while (atomic_load_explicit(&pool.pending, memory_order_acquire) > 0) {
        if (++spins < POOL_SPIN) {
            if (spins % POOL_YIELD == 0) sched_yield();
            else POOL_RELAX();
            continue;
        }
        pthread_mutex_lock(&pool.mu);
        pool.caller_sleeps = 1;
        while (atomic_load_explicit(&pool.pending, memory_order_acquire) > 0)
            pthread_cond_wait(&pool.done, &pool.mu);
        pool.caller_sleeps = 0;
        pthread_mutex_unlock(&pool.mu);
    }
}
