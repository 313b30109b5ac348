/* sweep_check.c: see sweep_check.h. Each value is built once the way the real runner builds it
 * (an augmenter, an OOD copy of one blank image of the dataset's shape), so what passes here
 * is what a task accepts. */
#include "sweep_check.h"

#include "augment.h"
#include "data.h"
#include "fgsm.h"
#include "hfss.h"
#include "model.h"
#include "ood.h"

#include <stdlib.h>
#include <string.h>

/* A copy of v with '+' (the axis-value step separator) turned into ','; the caller frees it.
 * No length limit here: the task-key check bounds the values that name tasks. */
static char *plus_to_comma(const char *v)
{
    char *out = xstrdup(v);
    for (char *p = out; *p; p++)
        if (*p == '+') *p = ',';
    return out;
}

/* "NAME" or "NAME:WIDTH" with NAME one of model_arch_names() */
static FsStatus check_arch(const char *v)
{
    const char *colon = strchr(v, ':');
    size_t nl = colon ? (size_t)(colon - v) : strlen(v);
    const char *names = model_arch_names();
    int known = 0;
    for (const char *p = names; *p && !known;) {
        while (*p == ' ' || *p == ',') p++;
        size_t l = strcspn(p, ", ");
        known = l == nl && l && !strncmp(p, v, l);
        p += l;
    }
    if (!known)
        return fs_errorf(FS_ERR_CONFIG, "architecture '%.*s' unknown: expected NAME[:WIDTH] with NAME "
                         "one of %s", (int)nl, v, names);
    if (!colon) return FS_OK;
    ModelOptions o;
    model_options_default(&o);
    if (model_options_set(&o, "width", colon + 1) != FS_OK)
        return fs_errorf(FS_ERR_CONFIG, "width '%s' of %.*s: expected a number in [0.001, 64]",
                         colon + 1, (int)nl, v);
    return FS_OK;
}

static FsStatus check_pipeline(const char *pipe, const SweepDatasetInfo *d)
{
    Augmenter *a = NULL;
    FsStatus st = augment_create(pipe, d->c, d->h, d->w, &a);
    augment_free(a);
    return st;
}

static FsStatus check_ood(const char *name, const SweepDatasetInfo *d)
{
    Dataset one = {0}, out = {0};
    dataset_alloc(&one, 1, d->c, d->h, d->w, d->classes > 1 ? d->classes : 2);
    FsStatus st = ood_make(&one, name, 1, &out);
    dataset_free(&out);
    dataset_free(&one);
    return st;
}

FsStatus sweep_check_real_value(int axis, const char *v, const SweepDatasetInfo *ds, int n_ds)
{
    if (axis == AX_ARCH) return check_arch(v);
    /* the real runner turns test_band and ood values into names of 256 bytes */
    if (strlen(v) > SWEEP_RUNNER_VALUE_MAX)
        return fs_errorf(FS_ERR_CONFIG, "value is %zu bytes long: expected at most %d", strlen(v),
                         SWEEP_RUNNER_VALUE_MAX);
    char *buf = plus_to_comma(v);
    FsStatus st = FS_OK;
    for (int d = 0; d < n_ds && st == FS_OK; d++) {
        if (axis == AX_AUG) {
            st = check_pipeline(buf, &ds[d]);
        } else if (axis == AX_BAND) {
            if (strcmp(v, "all") != 0) st = check_pipeline(buf, &ds[d]);
        } else if (axis == AX_OOD && !strcmp(buf, "in_sct")) { /* a folder, read by the runner */
            if (ds[d].classes != 10 || ds[d].c != 3 || ds[d].h != 224 || ds[d].w != 224)
                st = fs_errorf(FS_ERR_CONFIG, "in_sct (ImageNet-SCT) pairs with the 10 classes of "
                               "imagenet10 or imagenet10_sin (3 x 224 x 224), not a %d-class %d x %d "
                               "x %d dataset", ds[d].classes, ds[d].c, ds[d].h, ds[d].w);
            else if (!getenv("FSWEEP_INSCT_DIR"))
                st = fs_errorf(FS_ERR_CONFIG, "in_sct: expected FSWEEP_INSCT_DIR in the environment "
                               "(the ImageNet-SCT folder, one folder per class)");
        } else if (axis == AX_OOD && fgsm_is_name(buf)) { /* made per model by the OOD task */
            double eps = 0;
            st = fgsm_parse(buf, &eps);
        } else if (axis == AX_TEST_BAND || axis == AX_OOD) {
            if (axis == AX_OOD || strcmp(v, "all") != 0) st = check_ood(buf, &ds[d]);
        }
    }
    free(buf);
    return st;
}

FsStatus sweep_check_hfss(int n, const SweepDatasetInfo *ds, int n_ds,
                          const char *const *names)
{
    for (int d = 0; d < n_ds; d++) {
        HfssOptions o;
        if (hfss_options_default(&o, ds[d].h) != FS_OK)
            return fs_errorf(FS_ERR_CONFIG, "dataset %s: HFSS has no stage table for %d x %d images "
                             "(expected 32, 28 or 224)", names[d], ds[d].h, ds[d].w);
        if (n > 0 && n != o.n_stages) {
            char blocks[128] = "";
            for (int s = 0, len = 0; s < o.n_stages && len < 100; s++)
                len += snprintf(blocks + len, sizeof blocks - (size_t)len, "%s%d", s ? "," : "",
                                o.block[s]);
            return fs_errorf(FS_ERR_CONFIG, "%d budgets, expected %d for %s (stages of block sizes "
                             "%s)", n, o.n_stages, names[d], blocks);
        }
    }
    return FS_OK;
}
