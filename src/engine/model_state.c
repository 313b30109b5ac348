/* model_state.c: the Model's state_dict seen from outside the engine: entries by name or index,
 * and the flat copies of its float state (model_state_export / model_state_import). See
 * model.h. */
#include "model_impl.h"

#include <string.h>

const ModelEntry *model_entry(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_entries; i++)
        if (!strcmp(m->entries[i].name, name)) return &m->entries[i];
    return NULL;
}

int model_state_count(const Model *m) { return m->n_entries; }

void model_state_entry(const Model *m, int i, ModelStateEntry *out)
{
    FS_CHECK(i >= 0 && i < m->n_entries, "model_state_entry: entry %d outside [0, %d) of %s", i,
             m->n_entries, m->arch);
    const ModelEntry *e = &m->entries[i];
    memset(out, 0, sizeof *out);
    out->name = e->name;
    out->kind = e->kind == ENTRY_PARAM    ? MODEL_STATE_PARAM
                : e->kind == ENTRY_BUFFER ? MODEL_STATE_BUFFER
                                          : MODEL_STATE_COUNTER;
    out->rank = e->rank;
    for (int d = 0; d < e->rank; d++) out->dims[d] = e->dims[d];
    out->len = e->len;
    out->off = e->kind == ENTRY_BUFFER ? m->n_params + e->off : e->off;
}

size_t model_state_floats(const Model *m) { return m->n_params + m->n_buffers; }
int model_state_counters(const Model *m) { return m->n_counters; }

void model_state_export(const Model *m, float *dst, int64_t *counters)
{
    memcpy(dst, m->params, m->n_params * sizeof(float));
    memcpy(dst + m->n_params, m->buffers, m->n_buffers * sizeof(float));
    if (counters) memcpy(counters, m->counters, (size_t)m->n_counters * sizeof(int64_t));
}

FsStatus model_state_import(Model *m, const float *src, size_t n, const int64_t *counters)
{
    if (n != m->n_params + m->n_buffers)
        return fs_errorf(FS_ERR_FORMAT, "%s: state of %zu floats given, the model has %zu", m->arch,
                         n, m->n_params + m->n_buffers);
    memcpy(m->params, src, m->n_params * sizeof(float));
    memcpy(m->buffers, src + m->n_params, m->n_buffers * sizeof(float));
    if (counters) memcpy(m->counters, counters, (size_t)m->n_counters * sizeof(int64_t));
    return FS_OK;
}
