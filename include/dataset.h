/* dataset.h: labelled image sets in memory, and the dataset specs that name them.
 * Pixels are float32 in [0, 1], NCHW, *not* normalised; the normalisation constants travel
 * with the set (mean/std per channel) and are applied by the consumer (PAPER.md 2: pixels ->
 * normalise -> mask). A Dataset owns x, y and class_names; dataset_free releases them. */
#ifndef FS_DATASET_H
#define FS_DATASET_H

#include <stdint.h>

#define DATASET_MAX_CH 3

typedef struct {
    char name[128];               /* the spec it came from, e.g. "fashion-mnist:test" */
    int n, c, h, w;               /* images, channels (1 or 3), height, width */
    int k;                        /* number of classes */
    float *x;                     /* (n, c, h, w) pixels in [0, 1]; owned */
    int32_t *y;                   /* (n) labels in [0, k); owned */
    float mean[DATASET_MAX_CH];   /* normalisation: (x - mean[c]) / std[c] */
    float std[DATASET_MAX_CH];
    char **class_names;           /* k owned strings, or NULL */
} Dataset;

void dataset_free(Dataset *d);

#endif
