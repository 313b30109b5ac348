/* layers.c: the LayerOps table, indexed by LayerKind. Each family's ops live in its layer_*.c
 * file (see layers.h); this file only gathers them. */
#include "layers.h"

const LayerOps *const layer_ops_table[LAYER_KIND_COUNT] = {
    [LAYER_CONV] = &layer_ops_conv,       [LAYER_BN] = &layer_ops_bn,
    [LAYER_RELU] = &layer_ops_relu,       [LAYER_GELU] = &layer_ops_gelu,
    [LAYER_MAXPOOL] = &layer_ops_maxpool, [LAYER_AVGPOOL] = &layer_ops_avgpool,
    [LAYER_GAP] = &layer_ops_gap,         [LAYER_LINEAR] = &layer_ops_linear,
    [LAYER_DROPOUT] = &layer_ops_dropout, [LAYER_ADD] = &layer_ops_add,
    [LAYER_FLATTEN] = &layer_ops_flatten, [LAYER_LN] = &layer_ops_ln,
    [LAYER_TOKENS] = &layer_ops_tokens,   [LAYER_MHSA] = &layer_ops_mhsa,
    [LAYER_CLS] = &layer_ops_cls,
};
