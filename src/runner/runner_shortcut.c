/* runner_shortcut.c: see runner_shortcut.h. */
#include "runner_shortcut.h"

#include "sweep.h"

static const char *const blob_names[SCB_COUNT] = {
    "tpr",          "fpr",         "tpr_cmp",      "fpr_cmp",     "tpr_disc", "fpr_disc",
    "ctl_tpr_mean", "ctl_tpr_p95", "ctl_fpr_mean", "ctl_fpr_p95", "p_tpr",    "inj",
    "ctl_inj_mean", "ctl_inj_p95", "p_inj",        "shortcut",    "strong",   "specific",
    "tpr_ci",       "fpr_ci",      "inj_ci",       "tpr_cross",   "tpr_org",  "fpr_org"};

static void blobs_add(TaskResult *out, const char *prefix, const char *first, int64_t n, int64_t K,
                      int org_per_first, double **data)
{
    for (int i = 0; i < SCB_COUNT; i++) {
        const char *d2[] = {first, "class"}, *d3[] = {first, "class", "bound"},
                   *dx[] = {first, "dfm_class", "class"}, *d1[] = {"class"};
        int64_t s2[] = {n, K}, s3[] = {n, K, 2}, sx[] = {n, K, K};
        char name[64];
        fs_snprintf(name, sizeof name, "%s%s", prefix, blob_names[i]);
        TaskBlob *b;
        if (i < SCB_TPR_CI)
            b = task_result_add(out, name, BLOB_RESULTS, AX_MODEL_MASK, 0, 2, d2, s2);
        else if (i < SCB_TPR_CROSS)
            b = task_result_add(out, name, BLOB_RESULTS, AX_MODEL_MASK, 0, 3, d3, s3);
        else if (i == SCB_TPR_CROSS)
            b = task_result_add(out, name, BLOB_RESULTS, AX_MODEL_MASK, 0, 3, dx, sx);
        else if (org_per_first)
            b = task_result_add(out, name, BLOB_RESULTS, AX_MODEL_MASK, 0, 2, d2, s2);
        else
            b = task_result_add(out, name, BLOB_RESULTS, AX_MODEL_MASK, 0, 1, d1, &K);
        data[i] = b->data;
    }
}

void runner_shortcut_blobs_as(TaskResult *out, const char *prefix, const char *first, int64_t n,
                              int64_t K, double **data)
{
    blobs_add(out, prefix, first, n, K, 0, data);
}

void runner_shortcut_blobs_ood(TaskResult *out, int64_t n_ood, int64_t K, double **data)
{
    blobs_add(out, "ood_", "ood", n_ood, K, 1, data);
}

void runner_shortcut_blobs(TaskResult *out, int64_t nT, int64_t K, double **data)
{
    blobs_add(out, "", "T", nT, K, 0, data);
}

void runner_keep_row(TaskResult *out, const char *dim, int64_t i)
{
    for (int j = 0; j < out->n_blobs; j++) {
        int d = task_blob_dim(&out->blobs[j], dim);
        if (d >= 0) task_blob_narrow(&out->blobs[j], d, i, 1);
    }
}

void runner_keep_class(TaskResult *out, int c)
{
    for (int i = 0; i < out->n_blobs; i++) {
        TaskBlob *b = &out->blobs[i];
        int d = task_blob_dim(b, "dfm_class");
        if (d < 0) d = task_blob_dim(b, "class");
        if (d >= 0) task_blob_narrow(b, d, c, 1);
    }
}
