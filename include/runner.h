/* runner.h: the TaskRunners (task.h) a sweep can run with, and their lookup by the config's
 * `runner` value. The command (fsweep run), the tests and the benchmarks pick one with
 * runner_by_name(cfg->runner) and pass it to the schedulers (scheduler.h), so the task module
 * below never names a runner.
 *   runner_run_fake (runner_fake.c): deterministic pseudo-work from (seed, task id, inputs);
 *   runner_run_real (runner_real.c): the engine and the analyses; fills the same blobs.
 * Ownership and errors: as TaskRunner (task.h). Threads: the real runner is not thread-safe
 * (FFTW planning); the fake one is safe on distinct results. */
#ifndef FS_RUNNER_H
#define FS_RUNNER_H

#include "task.h"

FsStatus runner_run_fake(const TaskSpec *spec, const TaskEnv *env, TaskResult *out);
FsStatus runner_run_real(const TaskSpec *spec, const TaskEnv *env, TaskResult *out);

/* The runner a config's `runner` value names ("fake" or "real"); NULL for any other name. */
TaskRunner runner_by_name(const char *name);

#endif
