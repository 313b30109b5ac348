/* model_zoo.c: the paper's architectures by name (PAPER.md 4), with parameter names equal to
 * the PyTorch modules described in README "Model files" (torchvision's ResNet with a 3x3
 * stride-1 stem and no max-pool, VGG-BN with global average pooling and one Linear, the
 * small-image AlexNet, torchvision's VisionTransformer), so state_dict()s line up; and
 * model_create, the by-name entry point. Builds only through the builder (model_build.h). */
#include "model_build.h"

#include <math.h>
#include <string.h>

#define NM(buf, ...) fs_snprintf(buf, sizeof buf, __VA_ARGS__)

static int scale_ch(int c, double width)
{
    long v = lround((double)c * width);
    return v < 1 ? 1 : (int)v;
}

/* ---------------------------------------------------------------- ResNet (CIFAR-style) */
static int basic_block(Model *m, const char *pfx, int x, int cin, int planes, int stride)
{
    char a[MODEL_NAME_MAX], b[MODEL_NAME_MAX];
    NM(a, "%s.conv1", pfx);
    NM(b, "%s.bn1", pfx);
    int h = mb_bn(m, b, mb_conv(m, a, x, planes, 3, stride, 1, 0), 1);
    NM(a, "%s.conv2", pfx);
    NM(b, "%s.bn2", pfx);
    h = mb_bn(m, b, mb_conv(m, a, h, planes, 3, 1, 1, 0), 0);
    int sc = x;
    if (stride != 1 || cin != planes) {
        NM(a, "%s.downsample.0", pfx);
        NM(b, "%s.downsample.1", pfx);
        sc = mb_bn(m, b, mb_conv(m, a, x, planes, 1, stride, 0, 0), 0);
    }
    return mb_add(m, h, sc, 1);
}

static int bottleneck(Model *m, const char *pfx, int x, int cin, int planes, int stride)
{
    char a[MODEL_NAME_MAX], b[MODEL_NAME_MAX];
    NM(a, "%s.conv1", pfx);
    NM(b, "%s.bn1", pfx);
    int h = mb_bn(m, b, mb_conv(m, a, x, planes, 1, 1, 0, 0), 1);
    NM(a, "%s.conv2", pfx);
    NM(b, "%s.bn2", pfx);
    h = mb_bn(m, b, mb_conv(m, a, h, planes, 3, stride, 1, 0), 1);
    NM(a, "%s.conv3", pfx);
    NM(b, "%s.bn3", pfx);
    h = mb_bn(m, b, mb_conv(m, a, h, 4 * planes, 1, 1, 0, 0), 0);
    int sc = x;
    if (stride != 1 || cin != 4 * planes) {
        NM(a, "%s.downsample.0", pfx);
        NM(b, "%s.downsample.1", pfx);
        sc = mb_bn(m, b, mb_conv(m, a, x, 4 * planes, 1, stride, 0, 0), 0);
    }
    return mb_add(m, h, sc, 1);
}

static int build_resnet(Model *m, const int blocks[4], int bottle, double width, int k)
{
    int c0 = scale_ch(64, width);
    int x = mb_bn(m, "bn1", mb_conv(m, "conv1", 0, c0, 3, 1, 1, 0), 1);
    int cin = c0;
    for (int s = 0; s < 4; s++) {
        int planes = scale_ch(64 << s, width);
        for (int j = 0; j < blocks[s]; j++) {
            char pfx[MODEL_NAME_MAX];
            NM(pfx, "layer%d.%d", s + 1, j);
            int stride = (j == 0 && s > 0) ? 2 : 1;
            x = bottle ? bottleneck(m, pfx, x, cin, planes, stride)
                       : basic_block(m, pfx, x, cin, planes, stride);
            cin = bottle ? 4 * planes : planes;
        }
    }
    x = mb_gap(m, x);
    return mb_linear(m, "fc", x, cin, k, 1);
}

/* ---------------------------------------------------------------- VGG-BN, cnn */
/* cfg: channel counts, 0 = max-pool 2x2. A pool that would shrink a map below 1x1 (28-px
 * inputs reach 1x1 before the fifth pool) is skipped; its index is still consumed, so the
 * parameter names do not depend on the image size. */
static int build_features(Model *m, const int *cfg, int n, double width, int bias, int *cout)
{
    int x = 0, idx = 0;
    for (int i = 0; i < n; i++) {
        char a[MODEL_NAME_MAX], b[MODEL_NAME_MAX];
        if (cfg[i] == 0) {
            if (x >= 0 && m->tensors[x].h >= 2 && m->tensors[x].w >= 2) x = mb_maxpool(m, x, 2, 2, 0);
            idx += 1;
            continue;
        }
        int c = scale_ch(cfg[i], width);
        NM(a, "features.%d", idx);
        NM(b, "features.%d", idx + 1);
        x = mb_bn(m, b, mb_conv(m, a, x, c, 3, 1, 1, bias), 1);
        idx += 3; /* conv, bn, relu */
        *cout = c;
    }
    return x;
}

static int build_vgg(Model *m, const int *cfg, int n, double width, int k)
{
    int c = 0;
    int x = build_features(m, cfg, n, width, 1, &c);
    x = mb_gap(m, x);
    return mb_linear(m, "classifier", x, c, k, 1);
}

static int build_cnn(Model *m, double width, int k)
{
    static const int cfg[] = {32, 0, 64, 0};
    int c = 0;
    int x = build_features(m, cfg, 4, width, 0, &c);
    x = mb_gap(m, x);
    return mb_linear(m, "fc", x, c, k, 1);
}

/* ---------------------------------------------------------------- AlexNet (small images) */
static int build_alexnet(Model *m, double width, double dropout, int k)
{
    /* features: 0 conv, 1 relu, 2 bn, 3 pool, 4 conv, 5 relu, 6 bn, 7 pool, 8/11/14 conv
     * (+relu, bn), 17 pool; classifier: 0 drop, 1 fc, 2 relu, 3 drop, 4 fc, 5 relu, 6 fc */
    static const int ch[5] = {96, 256, 384, 384, 256};
    static const int conv_idx[5] = {0, 4, 8, 11, 14};
    int x = 0;
    for (int i = 0; i < 5; i++) {
        char a[MODEL_NAME_MAX], b[MODEL_NAME_MAX];
        NM(a, "features.%d", conv_idx[i]);
        NM(b, "features.%d", conv_idx[i] + 2);
        x = mb_conv(m, a, x, scale_ch(ch[i], width), 3, i == 0 ? 2 : 1, 1, 0);
        x = mb_bn(m, b, mb_relu(m, x), 0);
        if (i <= 1 || i == 4) x = mb_maxpool(m, x, 2, 2, 0);
    }
    x = mb_flatten(m, x);
    if (x < 0) return -1;
    int flat = (int)tensor_size(&m->tensors[x]), hid = scale_ch(4096, width);
    double p = dropout < 0 ? 0.5 : dropout;
    x = mb_relu(m, mb_linear(m, "classifier.1", mb_dropout(m, x, p), flat, hid, 0));
    x = mb_relu(m, mb_linear(m, "classifier.4", mb_dropout(m, x, p), hid, hid, 0));
    return mb_linear(m, "classifier.6", x, hid, k, 0);
}

/* ---------------------------------------------------------------- ViT (torchvision) */
static int build_vit(Model *m, const ModelOptions *o, int k)
{
    int H = o->vit_heads;
    int D = H * scale_ch((int)lround((double)o->vit_dim / H), o->width);
    int M = o->vit_mlp > 0 ? scale_ch(o->vit_mlp, o->width) : 4 * D;
    int p = o->vit_patch > 0 ? o->vit_patch : (m->h <= 64 ? 4 : 16);
    double drop = o->dropout < 0 ? 0 : o->dropout;
    if (m->h != m->w || m->h % p) {
        m->build_status = fs_errorf(FS_ERR_CONFIG,
                                    "%s: needs square images whose side is a multiple of the patch "
                                    "size %d (got %dx%d; set vit_patch)",
                                    m->arch, p, m->h, m->w);
        return -1;
    }
    int x = mb_conv(m, "conv_proj", 0, D, p, p, 0, 1);
    x = mb_vit_tokens(m, "class_token", "encoder.pos_embedding", x);
    if (drop > 0) x = mb_dropout(m, x, drop);
    for (int i = 0; i < o->vit_depth; i++) {
        char pfx[MODEL_NAME_MAX], a[MODEL_NAME_MAX];
        NM(pfx, "encoder.layers.encoder_layer_%d", i);
        NM(a, "%s.ln_1", pfx);
        int h = mb_layernorm(m, a, x, D, 1e-6);
        NM(a, "%s.self_attention", pfx);
        h = mb_attention(m, a, h, D, H);
        if (drop > 0) h = mb_dropout(m, h, drop);
        x = mb_add(m, x, h, 0);
        NM(a, "%s.ln_2", pfx);
        h = mb_layernorm(m, a, x, D, 1e-6);
        NM(a, "%s.mlp.0", pfx);
        h = mb_gelu(m, mb_linear(m, a, h, D, M, 1));
        if (drop > 0) h = mb_dropout(m, h, drop);
        NM(a, "%s.mlp.3", pfx);
        h = mb_linear(m, a, h, M, D, 1);
        if (drop > 0) h = mb_dropout(m, h, drop);
        x = mb_add(m, x, h, 0);
    }
    x = mb_class_token(m, mb_layernorm(m, "encoder.ln", x, D, 1e-6));
    return mb_linear(m, "heads.head", x, D, k, 1);
}

/* ---------------------------------------------------------------- dispatch */
const char *model_arch_names(void)
{
    return "resnet18, resnet34, resnet50, vgg11, vgg16, alexnet, vit, vit_tiny, cnn";
}

/* Build arch into the empty model m; FS_ERR_CONFIG for unknown names / bad shapes. */
static FsStatus zoo_build(Model *m, const char *arch, const ModelOptions *opt, int k)
{
    static const int r18[4] = {2, 2, 2, 2}, r34[4] = {3, 4, 6, 3};
    static const int vgg11[] = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    static const int vgg16[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0,
                                512, 512, 512, 0, 512, 512, 512, 0};
    if (!(opt->width > 0)) return fs_errorf(FS_ERR_CONFIG, "model option width=%g; expected > 0", opt->width);
    int out;
    if (!strcmp(arch, "resnet18")) out = build_resnet(m, r18, 0, opt->width, k);
    else if (!strcmp(arch, "resnet34")) out = build_resnet(m, r34, 0, opt->width, k);
    else if (!strcmp(arch, "resnet50")) out = build_resnet(m, r34, 1, opt->width, k);
    else if (!strcmp(arch, "vgg11")) out = build_vgg(m, vgg11, (int)FS_ARRAY_LEN(vgg11), opt->width, k);
    else if (!strcmp(arch, "vgg16")) out = build_vgg(m, vgg16, (int)FS_ARRAY_LEN(vgg16), opt->width, k);
    else if (!strcmp(arch, "alexnet")) out = build_alexnet(m, opt->width, opt->dropout, k);
    else if (!strcmp(arch, "cnn")) out = build_cnn(m, opt->width, k);
    else if (!strcmp(arch, "vit")) out = build_vit(m, opt, k);
    else if (!strcmp(arch, "vit_tiny")) {
        ModelOptions t = *opt;
        t.vit_depth = 12;
        t.vit_dim = 192;
        t.vit_heads = 3;
        t.vit_mlp = 768;
        m->opt = t;
        out = build_vit(m, &t, k);
    } else {
        return fs_errorf(FS_ERR_CONFIG, "unknown architecture '%s'; expected one of: %s", arch,
                         model_arch_names());
    }
    return model_finalize(m, out);
}

FsStatus model_create(const char *arch, const ModelOptions *opt, int c, int h, int w, int k,
                      uint64_t seed, Model **out)
{
    *out = NULL;
    if (c != 1 && c != 3) return fs_errorf(FS_ERR_CONFIG, "model: %d input channels; expected 1 or 3", c);
    if (h < 8 || w < 8 || h > 1024 || w > 1024)
        return fs_errorf(FS_ERR_CONFIG, "model: image size %dx%d; expected 8 to 1024 pixels", h, w);
    if (k < 2) return fs_errorf(FS_ERR_CONFIG, "model: %d classes; expected at least 2", k);
    ModelOptions def;
    model_options_default(&def);
    Model *m = model_new_empty(arch, c, h, w, seed);
    m->opt = opt ? *opt : def;
    FsStatus st = zoo_build(m, arch, &m->opt, k);
    if (st == FS_OK && m->k != k) st = fs_errorf(FS_ERR_INTERNAL, "%s: built %d outputs, not %d", arch, m->k, k);
    if (st != FS_OK) {
        model_free(m);
        return st;
    }
    *out = m;
    return FS_OK;
}
