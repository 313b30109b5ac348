/* model_build.h: the graph builder the zoo (model_zoo.c) and the engine's tests build Models
 * with. model_new_empty makes a model for c x h x w inputs (tensor 0); builders (mb_*) append a
 * layer reading tensor(s) and return the new output tensor index, or -1 after an error (the first
 * error is kept in m->build_status / fs_last_error; later builder calls given -1 pass it on), so
 * a zoo function checks once at the end; model_finalize allocates and initialises the
 * parameters. Names are state_dict prefixes ("layer1.0.conv1"); shapes are checked as layers
 * are added. Ownership: the Model owns everything (model_free). Not thread-safe. */
#ifndef FS_MODEL_BUILD_H
#define FS_MODEL_BUILD_H

#include "model_impl.h"

/* An empty model for c x h x w inputs (tensor 0); layers are added with mb_*, then
 * model_finalize allocates and initialises parameters from rng_derive(seed, 0, INIT). */
Model *model_new_empty(const char *arch, int c, int h, int w, uint64_t seed);
FsStatus model_finalize(Model *m, int out_tensor);

int mb_conv(Model *m, const char *name, int x, int cout, int k, int stride, int pad, int bias);
int mb_bn(Model *m, const char *name, int x, int relu);
int mb_relu(Model *m, int x);
int mb_gelu(Model *m, int x);
int mb_maxpool(Model *m, int x, int k, int stride, int pad);
int mb_avgpool(Model *m, int x, int k, int stride);
int mb_gap(Model *m, int x);
int mb_linear(Model *m, const char *name, int x, int dim, int out_dim, int bias);
int mb_dropout(Model *m, int x, double p);
int mb_add(Model *m, int a, int b, int relu);
int mb_flatten(Model *m, int x);
int mb_layernorm(Model *m, const char *name, int x, int dim, double eps);
/* class_token (1,1,D) and pos_embedding (1,T,D) named by the two names */
int mb_vit_tokens(Model *m, const char *cls_name, const char *pos_name, int x);
int mb_attention(Model *m, const char *name, int x, int dim, int heads);
int mb_class_token(Model *m, int x);

#endif
