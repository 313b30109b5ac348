/* classifier.h: no classifier.c: an interface; src/engine/model.c implements it.
 * A trained model seen as a black box, the seam between the NN engine and the
 * frequency analyses (DFM, HFSS, TPR/FPR, heat maps). The analyses call these function
 * pointers and know nothing of layers. Inputs are *normalised* (n, c, h, w) images.
 * Not thread-safe: one Classifier per thread. */
#ifndef FS_CLASSIFIER_H
#define FS_CLASSIFIER_H

#include "util.h"

#include <stdint.h>

typedef struct Classifier {
    void *ctx;
    int c, h, w;   /* input shape */
    int k;         /* classes */
    int max_batch; /* largest n accepted by one call */
    /* logits: out (n, k). The logits of one image do not depend on the other images of the
     * call nor on n (model_classifier: bitwise; tests/engine/test_model.c). */
    FsStatus (*logits)(void *ctx, const float *x, int n, float *out);
    /* Optional (NULL when unsupported): gradient of the summed cross-entropy with respect to
     * the input, dx (n, c, h, w); *loss receives the summed loss. Eval mode (BN running stats). */
    FsStatus (*input_grad)(void *ctx, const float *x, const int32_t *y, int n, float *dx,
                           double *loss);
} Classifier;

#endif
