/* cmd_status.c: `fsweep status`: progress of a sweep store, also while its job writes it. */
#include "cli_args.h"
#include "commands.h"
#include "store.h"
#include "sweep.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char status_usage[] =
    "usage: fsweep status STORE.h5\n"
    "  Print done, running, failed, tasks/hour and ETA from a store, also while a job writes it\n"
    "  (it reads the append-only journal STORE.h5.journal when present; HDF5 file locking off),\n"
    "  and the engines its runs were computed by (README \"Engine id\").\n";

/* "engines: 7ec4.../fma (runs 1-3, 5), 91ab.../fma (run 4)": each engine id of the runs (in
 * /history order; "unknown" for runs before engine ids) with its runs, numbered from 1. */
static void print_engines(const StoreHistory *h, int64_t nh)
{
    if (nh <= 0) return;
    printf("engines:");
    for (int64_t k = 0; k < nh; k++) {
        const char *e = store_history_engine(&h[k]);
        int named = 0;
        for (int64_t j = 0; j < k && !named; j++) named = !strcmp(store_history_engine(&h[j]), e);
        if (named) continue;
        int64_t runs = 0;
        for (int64_t j = k; j < nh; j++) runs += !strcmp(store_history_engine(&h[j]), e);
        printf("%s %s (run%s", k ? "," : "", *e ? e : "unknown", runs > 1 ? "s" : "");
        const char *sep = " ";
        for (int64_t j = k; j < nh; j++) { /* ranges of consecutive runs */
            if (strcmp(store_history_engine(&h[j]), e) != 0) continue;
            int64_t end = j;
            while (end + 1 < nh && !strcmp(store_history_engine(&h[end + 1]), e)) end++;
            if (end > j)
                printf("%s%lld-%lld", sep, (long long)j + 1, (long long)end + 1);
            else
                printf("%s%lld", sep, (long long)j + 1);
            sep = ", ";
            j = end;
        }
        printf(")");
    }
    printf("\n");
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int cmd_status(int argc, char **argv)
{
    if (argc != 2 || cli_is_help(argv[1])) {
        printf("%s", status_usage);
        return argc == 2 ? FS_EXIT_OK : FS_EXIT_USAGE;
    }
    const char *path = argv[1];
    char *jpath = store_journal_path(path);
    StoreRow *rows = NULL;
    StoreStart *run = NULL;
    StoreHistory *hist = NULL;
    int64_t n = 0, nrun = 0, nhist = 0;
    char *config = NULL;
    FsStatus s;
    const char *src;
    /* the file must be a store, even when its journal is read (one HDF5 cannot open, e.g. torn
     * by a killed writer, is left to the journal) */
    if (fs_file_exists(path) && store_check_file(path) == FS_ERR_FORMAT) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        free(jpath);
        return FS_EXIT_ERROR;
    }
    if (fs_file_exists(jpath)) {
        s = store_journal_read(jpath, &rows, &n, &config, &run, &nrun, &hist, &nhist);
        src = jpath;
    } else {
        Store *st = store_open_read(path);
        if (!st) {
            fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
            free(jpath);
            return FS_EXIT_ERROR;
        }
        s = store_rows(st, &rows, &n);
        if (s == FS_OK) s = store_history(st, &hist, &nhist);
        if (s == FS_OK) store_get_attr(st, "config", &config);
        store_close(st);
        src = path;
    }
    if (s != FS_OK) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        free(hist);
        free(jpath);
        return FS_EXIT_ERROR;
    }
    SweepConfig cfg;
    int have_cfg = config && sweep_load_text(config, path, &cfg) == FS_OK;
    /* the config's task ids, sorted: a store resumed with a smaller grid (run_r2.sh's AUGS=
     * sittings) holds done tasks outside it, counted apart */
    uint64_t *ids = NULL;
    if (have_cfg) {
        ids = xmalloc(fs_mul_size((size_t)cfg.n_tasks + 1, sizeof *ids, "task ids"));
        for (int t = 0; t < cfg.n_tasks; t++) ids[t] = cfg.tasks[t].id;
        qsort(ids, (size_t)cfg.n_tasks, sizeof *ids, cmp_u64);
    }
    /* per task: done? failed attempts? */
    int64_t done = 0, done_outside = 0, failed_rows = 0, attempts = n;
    double first = INFINITY, last = 0;
    int64_t ndone_kind[TASK_KIND_COUNT] = {0};
    for (int64_t i = 0; i < n; i++) {
        if (rows[i].start < first) first = rows[i].start;
        if (rows[i].end > last) last = rows[i].end;
        if (rows[i].status != FS_OK) {
            failed_rows++;
        } else if (ids && !bsearch(&rows[i].task_id, ids, (size_t)cfg.n_tasks, sizeof *ids, cmp_u64)) {
            done_outside++;
        } else {
            done++;
            for (int k = 0; k < TASK_KIND_COUNT; k++)
                if (!strcmp(rows[i].kind, task_kind_name((TaskKind)k))) ndone_kind[k]++;
        }
    }
    free(ids);
    /* failed = tasks whose latest row failed */
    int64_t failed_now = 0;
    for (int64_t i = 0; i < n; i++) {
        if (rows[i].status == FS_OK) continue;
        int later_ok = 0, later = 0;
        for (int64_t j = i + 1; j < n; j++)
            if (rows[j].task_id == rows[i].task_id) {
                later = 1;
                later_ok |= rows[j].status == FS_OK;
            }
        if (!later && !later_ok) failed_now++;
    }
    int total = have_cfg ? cfg.n_tasks : -1;
    printf("store: %s (read from %s)\n", path, src);
    if (total >= 0) printf("tasks: %d in the grid (%s)\n", total, have_cfg ? cfg.name : "?");
    printf("done: %lld", (long long)done);
    if (total > 0) printf(" of %d (%.1f%%)", total, 100.0 * (double)done / total);
    if (done_outside)
        printf("; %lld more outside this grid (done by a sitting with other axes)", (long long)done_outside);
    printf("\nrunning: %lld\nfailed: %lld task(s) whose last attempt failed (%lld failed attempts "
           "of %lld)\n", (long long)nrun, (long long)failed_now, (long long)failed_rows,
           (long long)attempts);
    print_engines(hist, nhist);
    printf("by kind:");
    for (int k = 0; k < TASK_KIND_COUNT; k++)
        if (ndone_kind[k] || (have_cfg && cfg.count_kind[k]))
            printf(" %s %lld/%d", task_kind_name((TaskKind)k), (long long)ndone_kind[k],
                   have_cfg ? cfg.count_kind[k] : -1);
    printf("\n");
    if (n > 0 && last > first) {
        double rate = (double)n / (last - first) * 3600;
        printf("rate: %.0f tasks/h over %.0f s of recorded work", rate, last - first);
        if (total > 0 && done < total) {
            double eta = (double)(total - done) / (rate / 3600);
            long t = (long)eta;
            printf(", ETA %ld:%02ld:%02ld at that rate", t / 3600, (t / 60) % 60, t % 60);
        }
        printf("\n");
    }
    for (int64_t i = 0; i < nrun && i < 20; i++)
        printf("  running %s on rank %d for %.0f s\n", run[i].key, run[i].rank,
               fs_wall_time() - run[i].time);
    for (int64_t i = 0, shown = 0; i < n && shown < 10; i++)
        if (rows[i].status != FS_OK) {
            printf("  failed %s attempt %d (rank %d): %s: %s\n", rows[i].key, rows[i].attempt,
                   rows[i].rank, fs_status_str((FsStatus)rows[i].status), rows[i].error);
            shown++;
        }
    if (have_cfg) sweep_free(&cfg);
    free(config);
    free(rows);
    free(run);
    free(hist);
    free(jpath);
    return FS_EXIT_OK;
}
