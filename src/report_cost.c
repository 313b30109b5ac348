/* report_cost.c: run cost per task kind for `fsweep report`, from the store's task table. */
#include "report.h"

FsStatus report_task_costs(const char *store_path, ReportTaskCost *cost, int cap, int *n,
                           double *total_wall)
{
    FS_UNUSED(cost);
    FS_UNUSED(cap);
    *n = 0;
    *total_wall = 0;
    /* TODO(issue 5): read /tasks through store_rows once the sweep store (issue 7) is merged. */
    return fs_errorf(FS_ERR_FORMAT, "%s: task table reader pending (issue 7 store)", store_path);
}
