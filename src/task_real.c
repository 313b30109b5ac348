/* task_real.c: the real runner (cfg runner = real): where the engine (include/model.h,
 * include/train.h), the data module (include/data.h, include/augment.h) and the analyses (DFM,
 * TPR/FPR, learning curves, ADCS) plug in behind the TaskRunner seam. Each kind must fill the
 * same blobs as task_run_fake (names, dims, places; see task.c), so the store layout, resume and
 * the Python readers stay unchanged. Until those modules are on main this runner refuses to run,
 * naming what is missing, instead of pretending. */
#include "task.h"

FsStatus task_run_real(const TaskSpec *spec, const TaskEnv *env, TaskResult *out)
{
    FS_UNUSED(env);
    FS_UNUSED(out);
    return fs_errorf(FS_ERR_CONFIG, "%s: runner = real is not linked into this build yet (the "
                     "engine/data/analysis modules are not merged); use runner = fake",
                     spec->key);
}
