/* split.h: spreading a list of items over cooperating processes, without knowing how they
 * cooperate. split_range is the pure arithmetic: part `part` of `parts` gets a contiguous range
 * cut on multiples of `group` (items scored `group` at a time stay in one batch, so a split run
 * performs exactly the batches of an unsplit one). FsScoreRange scores one such range; FsSpread
 * runs a whole FsScoreJob over the processes (par_split_score_gather over MPI ranks) and an
 * analysis that takes an FsSpread pointer (NULL = score the whole range here) stays MPI-free.
 * No state; thread-safe. */
#ifndef FS_SPLIT_H
#define FS_SPLIT_H

#include "util.h"

/* Score items [first, first + count): out (count, width) doubles. */
typedef FsStatus (*FsScoreRange)(void *ctx, int first, int count, double *out);

typedef struct {
    int n_items;        /* items [0, n_items) */
    int group;          /* ranges are cut on multiples of group (>= 1) */
    int width;          /* doubles per item */
    FsScoreRange score; /* called once per process with its range (not with an empty one) */
    void *ctx;
    const char *what;   /* names the work in "<what>: another rank failed" */
    int bcast;          /* 1: out complete on every process; 0: on process 0 only */
} FsScoreJob;

/* Score the job's items split across processes: out (n_items, width), complete on process 0
 * (on all when job->bcast; may be NULL elsewhere otherwise). Every process returns the same
 * status: its own failure, or FS_ERR_INTERNAL when only another one failed. */
typedef FsStatus (*FsSpread)(const FsScoreJob *job, double *out);

/* Contiguous, group-aligned share [*first, *first + *count) of n items for part of parts
 * (0 <= part < parts); the shares of parts 0..parts-1 tile [0, n) in order. */
void split_range(int n, int group, int part, int parts, int *first, int *count);

#endif
