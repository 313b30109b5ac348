/* cmd_plan.c: `fsweep plan`: a sweep's tasks, counts per axis, stored tasks and estimated cost. */
#include "cli_args.h"
#include "commands.h"
#include "scheduler.h"
#include "store.h"
#include "sweep.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char plan_usage[] =
    "usage: fsweep plan CONFIG [--store STORE.h5] [--list] [--ranks 2,4,16] [key=value ...]\n"
    "  Print the task list, counts per axis and kind, which tasks the store already holds,\n"
    "  and the estimated cost: per task, the measured mean time of the stored tasks of its kind\n"
    "  and arch (SHORTCUT: and with the same transfer analyses), else its [cost] estimate;\n"
    "  the wall time per rank count simulates the scheduler's order with those estimates.\n"
    "  No MPI needed.\n";

/* est[i] for every task i of cfg: the mean wall time of the stored successful tasks with the
 * same kind and arch (and, for SHORTCUT, the same shortcut_ood: transfer_augs names both augs or
 * neither), else the task's [cost] estimate. Returns how many tasks got a measured estimate. */
static int plan_estimates(const SweepConfig *cfg, const StoreRow *rows, int64_t n_rows, double *est)
{
    int measured = 0;
    for (int i = 0; i < cfg->n_tasks; i++) {
        const TaskSpec *t = &cfg->tasks[i];
        const char *kind = task_kind_name(t->kind);
        const char *arch = t->arch >= 0 ? cfg->axes[AX_ARCH].v[t->arch] : ""; /* ADCS: none */
        double sum = 0;
        int n = 0;
        for (int64_t r = 0; r < n_rows; r++) {
            if (rows[r].status != FS_OK || strcmp(rows[r].kind, kind) != 0 ||
                strcmp(rows[r].arch, arch) != 0)
                continue;
            if (t->kind == TASK_SHORTCUT) { /* with or without shortcut_ood */
                const int g = sweep_axis_find(&cfg->axes[AX_AUG], rows[r].aug);
                if (g < 0 || cfg->transfer[g] != cfg->transfer[t->aug]) continue;
            }
            sum += rows[r].wall;
            n++;
        }
        est[i] = n ? sum / n : t->cost;
        measured += n > 0;
    }
    return measured;
}

int cmd_plan(int argc, char **argv)
{
    CliSweepArgs a;
    int rc = cli_sweep_args(argc, argv, &a, plan_usage);
    if (rc >= 0) {
        free(a.over);
        return rc;
    }
    SweepConfig cfg;
    if (sweep_load(a.config, a.n_over, (const char *const *)a.over, &cfg) != FS_OK) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        free(a.over);
        return FS_EXIT_ERROR;
    }
    free(a.over);
    Store *st = NULL;
    StoreRow *rows = NULL;
    int64_t n_rows = 0;
    if (a.store) {
        st = store_open_read(a.store);
        if (!st) {
            fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
            sweep_free(&cfg);
            return FS_EXIT_ERROR;
        }
        if (store_rows(st, &rows, &n_rows) != FS_OK) n_rows = 0;
    }
    /* each task's estimate: the measured mean of the stored tasks like it, else its [cost] */
    double *est = xcalloc((size_t)cfg.n_tasks + 1, sizeof *est);
    int n_measured = plan_estimates(&cfg, rows, n_rows, est);
    free(rows);
    printf("config: %s (hash %016llx)\n", cfg.path, (unsigned long long)cfg.hash);
    sweep_print_counts(&cfg, stdout);
    SchedGraph g;
    sgraph_init(&g, &cfg, st, NULL);
    double left = 0, total = 0;
    int show_all = a.list || cfg.n_tasks <= 60;
    printf("%-6s %-8s %9s  %s\n", "index", "state", "est_s", "task");
    for (int i = 0; i < cfg.n_tasks; i++) {
        const TaskSpec *t = &cfg.tasks[i];
        double c = est[i];
        total += c;
        int done = g.state[i] == TS_DONE;
        if (!done) left += c;
        char needs[200] = "  (no dependencies)";
        /* an edge across models (DFM-X), or HFSS's wait for its model's DFMs (hfss_evaluate) */
        if ((t->kind == TASK_TRAIN && t->n_deps) || (t->kind == TASK_HFSS && t->n_deps > 1))
            fs_snprintf(needs, sizeof needs, t->n_deps > 1 ? "  (needs %s and %d more of that "
                        "model's tasks)" : "  (needs %s)", cfg.tasks[sweep_task_deps(&cfg, t)[0]].key,
                        t->n_deps - 1);
        else if (t->kind == TASK_XFER) /* the model, and the source arch's DFM tasks */
            fs_snprintf(needs, sizeof needs, "  (needs %s and the source's %d DFM tasks)",
                        cfg.tasks[sweep_task_deps(&cfg, t)[0]].key, t->n_deps - 1);
        else if (t->n_deps)
            needs[0] = 0;
        if (show_all || i < 20 || i >= cfg.n_tasks - 5)
            printf("%-6d %-8s %9.3g  %s%s\n", i, done ? "stored" : "todo", c, t->key, needs);
        else if (i == 20)
            printf("... (%d more; --list shows all)\n", cfg.n_tasks - 25);
    }
    printf("stored: %lld of %d tasks%s\n", (long long)g.n_skipped, cfg.n_tasks,
           a.store ? "" : " (no --store given)");
    printf("estimated cost: %.3g core-hours in all, %.3g core-hours left (%d of %d task estimates "
           "from measured mean times in the store, of the same kind, arch and transfer analyses; "
           "the others from [cost])\n", total / 3600, left / 3600, n_measured, cfg.n_tasks);
    int def[] = {2, 4, 16, 64, 256};
    int *rk = a.n_ranks ? a.ranks : def, nr = a.n_ranks ? a.n_ranks : 5;
    for (int i = 0; i < nr; i++) {
        int w = rk[i] - 1;
        double wall = sgraph_simulate(&g, est, w);
        printf("  with %4d ranks (%4d workers): about %.3g h wall\n", rk[i], w, wall / 3600);
    }
    sgraph_free(&g);
    free(est);
    store_close(st);
    sweep_free(&cfg);
    return FS_EXIT_OK;
}
