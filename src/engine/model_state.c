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
