/* bench_sweep.c: scheduler + store overhead per task and store size per task, with 10,000 tiny
 * fake tasks (ms = 0, so all time is overhead): (1) the serial scheduler in this process, (2)
 * `mpirun -np 4 build/fsweep run` (1 master + 3 workers) when mpirun exists. The target is under
 * 5 ms per task. Verifies first that the two stores hold the same results (via their row
 * counts), then reports. BENCH_TASKS_SCALE=0.1 runs a tenth of the grid. */
#include "runner.h"
#include "scheduler.h"
#include "store.h"
#include "sweep.h"
#include "task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

int main(void)
{
    char dir[] = "/tmp/fsweep-bench-sweep-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    double scale = getenv("BENCH_TASKS_SCALE") ? atof(getenv("BENCH_TASKS_SCALE")) : 1.0;
    int nseeds = (int)(40 * scale + 0.5);
    if (nseeds < 1) nseeds = 1;
    char ini[300], h5[300], h5m[300], cmd[1200];
    snprintf(ini, sizeof ini, "%s/b.ini", dir);
    snprintf(h5, sizeof h5, "%s/serial.h5", dir);
    snprintf(h5m, sizeof h5m, "%s/mpi.h5", dir);
    FILE *f = fopen(ini, "w");
    if (!f) return 1;
    /* 10 archs x 5 augs x nseeds models, 5 tasks each (train, eval, 2 dfm parts, shortcut) */
    fprintf(f, "[sweep]\nprogress_every = 1000\n[axes]\ndatasets = tiny\n"
               "archs = a0,a1,a2,a3,a4,a5,a6,a7,a8,a9\naugs = g0,g1,g2,g3,g4\nseeds = ");
    for (int s = 0; s < nseeds; s++) fprintf(f, "%s%d", s ? "," : "", s);
    fprintf(f, "\n[analyses]\nlearning_order = false\nadcs = false\ndfm_parts = 2\n"
               "[train]\nepochs = 2\n[fake]\nms = 0\n");
    fclose(f);
    SweepConfig cfg;
    if (sweep_load(ini, 0, NULL, &cfg) != FS_OK) {
        fprintf(stderr, "%s\n", fs_last_error());
        return 1;
    }
    printf("tasks: %d (10 archs x 5 augs x %d seeds x 5)\n", cfg.n_tasks, nseeds);

    /* (1) serial, in process */
    int created = 0;
    double t0 = fs_now();
    Store *st = store_open(h5, &cfg, 0, &created);
    if (!st) {
        fprintf(stderr, "%s\n", fs_last_error());
        return 1;
    }
    SchedOptions o = {&cfg, st, runner_by_name(cfg.runner), NULL, NULL, NULL};
    SchedSummary sum;
    int code = sched_serial(&o, &sum);
    int64_t rows = store_row_count(st);
    store_close(st);
    double ser = fs_now() - t0;
    char jpath[320];
    snprintf(jpath, sizeof jpath, "%s.journal", h5);
    long sz = file_size(h5), jsz = file_size(jpath);
    printf("serial: exit %d, %lld rows, %.2f s, %.3f ms per task (scheduler + store + fake "
           "result), store %.0f bytes/task (+ journal %.0f bytes/task)\n",
           code, (long long)rows, ser, 1e3 * ser / (double)rows, (double)sz / (double)rows,
           (double)jsz / (double)rows);
    int ok = code == 0 && rows == cfg.n_tasks;

    /* (2) 4 ranks under mpirun */
    const char *b = getenv("FSWEEP_BUILD") ? getenv("FSWEEP_BUILD") : "build";
    if (system("command -v mpirun >/dev/null 2>&1") == 0) {
        snprintf(cmd, sizeof cmd,
                 "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun "
                 "--oversubscribe -np 4 -x OPENBLAS_NUM_THREADS %s/fsweep run %s --store %s -q "
                 ">%s/mpi.log 2>&1", b, ini, h5m, dir);
        t0 = fs_now();
        int rc = system(cmd);
        double mpi = fs_now() - t0;
        Store *r = store_open_read(h5m);
        int64_t mrows = r ? store_row_count(r) : -1;
        store_close(r);
        printf("mpirun -np 4: exit %d, %lld rows, %.2f s wall (incl. ~0.5 s MPI start-up), "
               "%.3f ms per task at the master, store %.0f bytes/task\n",
               rc, (long long)mrows, mpi, 1e3 * mpi / (double)mrows,
               (double)file_size(h5m) / (double)mrows);
        ok &= rc == 0 && mrows == rows;
    } else {
        printf("mpirun: not found, MPI part skipped\n");
    }
    printf("target: < 5 ms per task; %s\n", ok ? "runs verified" : "RUN FAILED");
    sweep_free(&cfg);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return ok ? 0 : 1;
}
