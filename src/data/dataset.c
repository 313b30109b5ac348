/* dataset.c: see dataset.h. */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

void dataset_free(Dataset *d)
{
    if (!d) return;
    free(d->x);
    free(d->y);
    if (d->class_names)
        for (int i = 0; i < d->k; i++) free(d->class_names[i]);
    free(d->class_names);
    memset(d, 0, sizeof *d);
}
