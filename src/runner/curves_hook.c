/* curves_hook.c: see curves_hook.h. */
#include "curves_hook.h"

#include "model_file.h"

#include <stdlib.h>
#include <string.h>

void curves_hook_init(CurvesHook *h, LearningCurves *lc, int max_batch)
{
    h->lc = lc;
    h->max_batch = max_batch > 0 ? max_batch : 256;
    h->last_step = 0;
    h->status = FS_OK;
}

FsStatus curves_hook_start(CurvesHook *h, const CurvesSet *sets, int n_sets, int k, int max_batch,
                           const CurvesSchedule *sch, Model *m)
{
    CurvesSchedule def;
    curves_schedule_default(&def);
    LearningCurves *lc = curves_create(sets, n_sets, k, sch ? sch : &def);
    curves_hook_init(h, lc, max_batch);
    if (!lc) return FS_ERR_CONFIG;
    FsStatus st = curves_hook_record_now(h, m, 0, 0);
    if (st != FS_OK) {
        curves_destroy(lc);
        h->lc = NULL;
    }
    return st;
}

FsStatus curves_hook_record_now(CurvesHook *h, Model *m, long step, int epoch)
{
    Classifier clf;
    FsStatus st = model_classifier(m, h->max_batch, &clf);
    if (st == FS_OK) {
        st = curves_record(h->lc, &clf, step, epoch);
        model_classifier_free(&clf);
    }
    if (st != FS_OK && h->status == FS_OK) h->status = st;
    return st;
}

int curves_hook_on_step(void *user, Model *m, long step, int epoch)
{
    CurvesHook *h = user;
    h->last_step = step;
    if (h->status != FS_OK) return 1;
    if (!curves_due(h->lc, step, 0)) return 0;
    return curves_hook_record_now(h, m, step, epoch) != FS_OK;
}

void curves_hook_on_epoch(void *user, Model *m, int epoch, double train_loss, double train_acc,
                          double val_loss, double val_acc)
{
    FS_UNUSED(train_loss);
    FS_UNUSED(train_acc);
    FS_UNUSED(val_loss);
    FS_UNUSED(val_acc);
    CurvesHook *h = user;
    if (h->status != FS_OK || !curves_due(h->lc, h->last_step, 1)) return;
    curves_hook_record_now(h, m, h->last_step, epoch);
}

FsStatus curves_save(const LearningCurves *lc, const char *model_path)
{
    int T = curves_len(lc), S = curves_num_sets(lc), K = curves_k(lc);
    if (T == 0) return fs_errorf(FS_ERR_CONFIG, "curves: nothing recorded to save in %s", model_path);
    size_t tsk = (size_t)T * S * K;
    double *buf = xmalloc((tsk * K + 1) * sizeof *buf);
    int64_t d1[1] = {T}, d3[3] = {T, S, K}, d4[4] = {T, S, K, K};
    for (int t = 0; t < T; t++) buf[t] = (double)curves_steps(lc)[t];
    FsStatus st = model_file_add_curve(model_path, "learning_steps", 1, d1, buf);
    for (int t = 0; t < T && st == FS_OK; t++) buf[t] = curves_epochs(lc)[t];
    if (st == FS_OK) st = model_file_add_curve(model_path, "learning_epochs", 1, d1, buf);
    if (st == FS_OK) st = model_file_add_curve(model_path, "learning_acc", 3, d3, curves_acc(lc));
    if (st == FS_OK) st = model_file_add_curve(model_path, "learning_auc", 3, d3, curves_auc(lc));
    for (size_t i = 0; i < tsk * K && st == FS_OK; i++) buf[i] = (double)curves_confusion(lc)[i];
    if (st == FS_OK) st = model_file_add_curve(model_path, "learning_confusion", 4, d4, buf);
    if (st == FS_OK) {
        FsBuf names = {0};
        for (int s = 0; s < S; s++) fsbuf_printf(&names, "%s%s", s ? "," : "", curves_set_name(lc, s));
        st = model_file_set_note(model_path, "curves_sets", names.s ? names.s : "");
        fsbuf_free(&names);
    }
    free(buf);
    return st;
}
