/* report_cost.c: run cost per task kind for `fsweep report`, from the store's task table
 * (store_rows: one row per attempt, with its kind, status and wall seconds). */
#include "report.h"

#include "store.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t id;
    int kind; /* index into cost[] */
} OkRow;

static int okrow_cmp(const void *a, const void *b)
{
    uint64_t x = ((const OkRow *)a)->id, y = ((const OkRow *)b)->id;
    return x < y ? -1 : x > y;
}

FsStatus report_task_costs(const char *store_path, ReportTaskCost *cost, int cap, int *n,
                           double *total_wall)
{
    *n = 0;
    *total_wall = 0;
    Store *st = store_open_read(store_path);
    if (!st)
        return FS_ERR_IO; /* fs_last_error names the file */
    StoreRow *rows = NULL;
    int64_t nr = 0;
    FsStatus s = store_rows(st, &rows, &nr);
    store_close(st);
    if (s != FS_OK)
        return s;
    /* A task counts as ok once even if stored twice: collect (id, kind) of ok rows, sort by
     * id, count unique ids. */
    OkRow *ok = xmalloc((size_t)(nr > 0 ? nr : 1) * sizeof *ok);
    int64_t n_ok = 0;
    for (int64_t i = 0; i < nr; i++) {
        const StoreRow *r = &rows[i];
        int k = 0;
        while (k < *n && strncmp(cost[k].kind, r->kind, sizeof cost[k].kind - 1) != 0)
            k++;
        if (k == *n) {
            if (*n == cap)
                continue; /* more kinds than the table holds: ignored */
            memset(&cost[k], 0, sizeof cost[k]);
            fs_snprintf(cost[k].kind, sizeof cost[k].kind, "%.15s", r->kind);
            (*n)++;
        }
        ReportTaskCost *c = &cost[k];
        double w = r->wall > 0 ? r->wall : 0;
        c->attempts++;
        c->wall_s += w;
        if (w > c->max_s)
            c->max_s = w;
        *total_wall += w;
        if (r->status != FS_OK)
            c->failed++;
        else
            ok[n_ok++] = (OkRow){r->task_id, k};
    }
    qsort(ok, (size_t)n_ok, sizeof *ok, okrow_cmp);
    for (int64_t i = 0; i < n_ok; i++)
        if (i == 0 || ok[i].id != ok[i - 1].id)
            cost[ok[i].kind].ok++;
    free(ok);
    free(rows);
    return FS_OK;
}
