/* runner_coords.c: see runner_coords.h. */
#include "runner_coords.h"

#include "sweep.h"

#include <stdlib.h>
#include <string.h>

static int is_class_dim(const char *d)
{
    return !strcmp(d, "class") || !strcmp(d, "pred") || !strcmp(d, "dfm_class");
}

/* Class names of the dataset, n entries: the known names, else the indices. */
static void class_labels(const char *ds, int64_t n, char **out)
{
    int named = 1;
    for (int64_t j = 0; j < n && named; j++) named = sweep_class_name(ds, (int)j) != NULL;
    for (int64_t j = 0; j < n; j++) {
        char b[32];
        fs_snprintf(b, sizeof b, "%lld", (long long)j);
        out[j] = xstrdup(named ? sweep_class_name(ds, (int)j) : b);
    }
}

static void label_dim(const char *ds, TaskBlob *b, int i)
{
    const char *d = b->dim[i];
    const int64_t n = b->size[i];
    if (is_class_dim(d)) {
        char **s = xcalloc((size_t)n, sizeof *s);
        class_labels(ds, n, s);
        task_blob_set_labels(b, i, (const char *const *)s);
        for (int64_t j = 0; j < n; j++) free(s[j]);
        free(s);
        return;
    }
    if (!strcmp(d, "bound") && n == 2) {
        const char *lohi[2] = {"lo", "hi"};
        task_blob_set_labels(b, i, lohi);
        return;
    }
    if (!strcmp(d, "map") && n == 2) { /* the HFSS task's two maps per class */
        const char *maps[2] = {"hfss", "removal"};
        task_blob_set_labels(b, i, maps);
        return;
    }
    if (!strcmp(d, "half") && n == 2) { /* model_seed's two 32-bit halves, high first */
        const char *hilo[2] = {"hi", "lo"};
        task_blob_set_labels(b, i, hilo);
        return;
    }
    int64_t off;
    if (!strcmp(d, "fy") || !strcmp(d, "fx"))
        off = -(n / 2); /* centred: index i holds frequency i - n/2 (spectral.h: n even) */
    else if (!strcmp(d, "pa") || !strcmp(d, "pb"))
        off = 0;
    else if (!strcmp(d, "epoch"))
        off = 1;
    else
        return;
    double *v = xmalloc((size_t)n * sizeof *v);
    for (int64_t j = 0; j < n; j++) v[j] = (double)(j + off);
    task_blob_set_coord(b, i, v, 1);
    free(v);
}

void runner_label_blobs(const SweepConfig *cfg, int dataset, TaskResult *out)
{
    const char *ds = dataset >= 0 ? cfg->axes[AX_DATASET].v[dataset] : "";
    for (int k = 0; k < out->n_blobs; k++) {
        TaskBlob *b = &out->blobs[k];
        for (int i = 0; i < b->n_extra; i++)
            if (!b->coord[i] && !b->label[i]) label_dim(ds, b, i);
    }
}
