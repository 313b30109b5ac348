/* runner.c: the runners by name (see runner.h). */
#include "runner.h"

#include <string.h>

TaskRunner runner_by_name(const char *name)
{
    if (!name) return NULL;
    if (!strcmp(name, "fake")) return runner_run_fake;
    if (!strcmp(name, "real")) return runner_run_real;
    return NULL;
}
