/* store_axes.c: the store's grid axes, /axes/<axis> (1-D UTF-8 strings; they only grow), and
 * where a task's axis values sit on them. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

const char *const store_grid_names[STORE_NGRID] = {"dataset", "arch", "aug", "band", "seed"};

FsStatus store_axes_load(Store *s)
{
    for (int a = 0; a < STORE_NGRID; a++) {
        char p[64];
        fs_snprintf(p, sizeof p, "/axes/%s", store_grid_names[a]);
        if (!h5f_exists(s->f, p)) continue;
        int n = 0;
        char **v = NULL;
        FsStatus st = h5f_read_strings(s->f, p, &n, &v);
        if (st != FS_OK) return st;
        s->ax[a] = xrealloc(v, (size_t)(n + 1) * sizeof(char *));
        s->nax[a] = n;
    }
    return FS_OK;
}

FsStatus store_axes_save(Store *s, int a)
{
    char p[64];
    fs_snprintf(p, sizeof p, "/axes/%s", store_grid_names[a]);
    return h5f_write_strings(s->f, p, s->nax[a], (const char *const *)s->ax[a]);
}

int store_axis_index(Store *s, int a, const char *v, FsStatus *st)
{
    for (int i = 0; i < s->nax[a]; i++)
        if (!strcmp(s->ax[a][i], v)) return i;
    s->ax[a] = xrealloc(s->ax[a], (size_t)(s->nax[a] + 1) * sizeof(char *));
    s->ax[a][s->nax[a]++] = xstrdup(v);
    *st = store_axes_save(s, a);
    return s->nax[a] - 1;
}

void store_key_from_spec(const SweepConfig *cfg, const TaskSpec *sp, StoreKey *k)
{
    memset(k, 0, sizeof *k);
    fs_snprintf(k->key, sizeof k->key, "%s", sp->key);
    k->kind = sp->kind;
    k->part = sp->part;
    const int ids[4] = {sp->dataset, sp->arch, sp->aug, sp->band};
    const int ax[4] = {AX_DATASET, AX_ARCH, AX_AUG, AX_BAND};
    for (int i = 0; i < 4; i++)
        fs_snprintf(k->v[i], sizeof k->v[i], "%s", ids[i] >= 0 ? cfg->axes[ax[i]].v[ids[i]] : "");
    k->seed = sp->seed >= 0 ? sweep_seed_value(cfg, sp->seed) : -1;
}

const char *store_key_value(const StoreKey *k, int a, char *buf, size_t n)
{
    if (a != STORE_AXIS_SEED) return k->v[a];
    fs_snprintf(buf, n, "%lld", (long long)k->seed);
    return buf;
}
