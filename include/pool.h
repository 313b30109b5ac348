/* pool.h: the engine's team of worker threads (POSIX threads), for data-parallel loops inside one
 * rank: convolutions split over image chunks, batch norm over channels, the gemm over column
 * blocks. Ranks bring the parallelism across cores; within a rank the team has pool_threads()
 * members, the caller included (default 1: no worker threads at all).
 *
 * pool_for(n, width, fn, ctx) calls fn(ctx, item, tid) once for every item in [0, n) and returns
 * when all have run, on at most width threads (width <= 0: the whole team). Items are claimed
 * dynamically, so which thread runs an item varies from call to call: fn must make each item's
 * result depend on the item only; tid (0 <= tid < min(width, team)) only selects scratch
 * memory. Written that way, results are bitwise the same for any thread count: the engine's
 * determinism rule (tests/test_pool.c checks it for convolutions and whole models).
 * Nesting: pool_for called from inside an item runs its items inline on the calling thread
 * (tid 0 of the nested loop is then that thread; see pool_in_task for the scratch rule).
 * Threads: pool_set_threads and pool_for are called from one (the main) thread only.
 * Workers spin briefly after each loop (to catch the next one), then sleep on a condition
 * variable, so an idle team costs no CPU. */
#ifndef FS_POOL_H
#define FS_POOL_H

#include <stddef.h>

#define POOL_MAX_THREADS 64

typedef void (*PoolFn)(void *ctx, int item, int tid);

/* Team size n (1..POOL_MAX_THREADS, the caller included); starts or stops workers. A thread
 * that cannot be started is logged and the team stays smaller. Returns the size in effect. */
int pool_set_threads(int n);
int pool_threads(void);
/* 1 inside a pool_for item (nested loops run inline there). */
int pool_in_task(void);
void pool_for(int n, int width, PoolFn fn, void *ctx);
/* Threads a loop of n items can use: min(n, pool_threads()), 1 inside an item. */
int pool_width(int n);

/* Loops over n elements in blocks: the number of blocks, and block item's range [*lo, *hi). */
static inline int pool_blocks(size_t n, size_t block) { return (int)((n + block - 1) / block); }
static inline void pool_block_range(size_t n, size_t block, int item, size_t *lo, size_t *hi)
{
    *lo = (size_t)item * block;
    *hi = n - *lo < block ? n : *lo + block;
}
/* Group size for n things in groups of up to `size`, shrunk so that there are at least
 * `threads` groups when n allows (image chunks of a convolution). */
static inline int pool_group(int n, int size, int threads)
{
    if ((n + size - 1) / size < threads) size = (n + threads - 1) / threads;
    return size;
}

#endif
