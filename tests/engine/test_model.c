/* test_model.c: architectures by name: exact parameter counts (PyTorch's), state_dict names and
 * shapes, whole-model directional gradient checks at tiny width, the Classifier adapter. */
#include "harness.h"
#include "engine/model_impl.h"
#include "rng.h"

static Model *make(const char *arch, double width, int c, int h, int k)
{
    ModelOptions o;
    model_options_default(&o);
    o.width = width;
    Model *m = NULL;
    FsStatus st = model_create(arch, &o, c, h, h, k, 1, &m);
    EXPECT_MSG(st == FS_OK, "%s: %s", arch, fs_last_error());
    return m;
}

/* conv3x3 without bias + BN (2 params per channel) */
static long conv_bn(long cin, long cout, long k) { return cin * cout * k * k + 2 * cout; }

/* Expected counts by formula, cross-checked with the literature / torchvision:
 * ResNet-18 (CIFAR stem, 10 classes) 11,173,962; ResNet-34 21,282,122; ResNet-50 23,520,842
 * (torchvision's 11,689,512 / 21,797,672 / 25,557,032 minus the 7x7 stem's extra 7,680 and the
 * 1000-way head's extra weights); VGG-16-BN with one Linear 14,728,266. */
static long resnet_basic_count(long c, const int blocks[4], long k, long w0)
{
    long n = conv_bn(c, w0, 3), cin = w0;
    for (int s = 0; s < 4; s++) {
        long p = w0 << s;
        for (int j = 0; j < blocks[s]; j++) {
            n += conv_bn(cin, p, 3) + conv_bn(p, p, 3);
            if (cin != p) n += conv_bn(cin, p, 1);
            cin = p;
        }
    }
    return n + cin * k + k;
}

static long resnet50_count(long c, long k)
{
    static const int blocks[4] = {3, 4, 6, 3};
    long n = conv_bn(c, 64, 3), cin = 64;
    for (int s = 0; s < 4; s++) {
        long p = 64L << s;
        for (int j = 0; j < blocks[s]; j++) {
            n += conv_bn(cin, p, 1) + conv_bn(p, p, 3) + conv_bn(p, 4 * p, 1);
            if (cin != 4 * p) n += conv_bn(cin, 4 * p, 1);
            cin = 4 * p;
        }
    }
    return n + cin * k + k;
}

static long vgg_count(const int *cfg, int n, long c, long k)
{
    long t = 0, cin = c;
    for (int i = 0; i < n; i++)
        if (cfg[i]) {
            t += conv_bn(cin, cfg[i], 3) + cfg[i]; /* conv bias */
            cin = cfg[i];
        }
    return t + cin * k + k;
}

static void test_param_counts(void)
{
    static const int r18[4] = {2, 2, 2, 2}, r34[4] = {3, 4, 6, 3};
    static const int vgg11[] = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    static const int vgg16[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0,
                                512, 512, 512, 0, 512, 512, 512, 0};
    struct {
        const char *arch;
        int c, h, k;
        long expect;
    } cases[] = {
        {"resnet18", 3, 32, 10, 11173962},
        {"resnet18", 3, 32, 10, resnet_basic_count(3, r18, 10, 64)},
        {"resnet18", 1, 28, 7, resnet_basic_count(1, r18, 7, 64)},
        {"resnet34", 3, 32, 10, 21282122},
        {"resnet34", 3, 224, 10, resnet_basic_count(3, r34, 10, 64)},
        {"resnet50", 3, 32, 10, 23520842},
        {"resnet50", 1, 32, 100, resnet50_count(1, 100)},
        {"vgg16", 3, 32, 10, 14728266},
        {"vgg16", 3, 32, 10, vgg_count(vgg16, 18, 3, 10)},
        {"vgg11", 1, 28, 10, vgg_count(vgg11, 13, 1, 10)},
        /* AlexNet at 32x32: convs 3*96*9 + 96*256*9 + 256*384*9 + 384*384*9 + 384*256*9, five BN,
         * FC 1024*4096 + 4096*4096 + 4096*10, all bias-free */
        {"alexnet", 3, 32, 10,
         2592L + 221184 + 884736 + 1327104 + 884736 + 2 * (96 + 256 + 384 + 384 + 256) +
             1024L * 4096 + 4096L * 4096 + 4096L * 10},
        /* vit_tiny at 32x32 (patch 4, 65 tokens, D 192, MLP 768, 12 blocks): conv_proj
         * 192*48+192, class token 192, positions 65*192, per block 2 LN (4*192) + in_proj
         * (3*192*192 + 3*192) + out_proj (192*192 + 192) + MLP (192*768 + 768 + 768*192 + 192),
         * final LN 384, head 192*10 + 10 */
        {"vit_tiny", 3, 32, 10,
         192L * 48 + 192 + 192 + 65 * 192 +
             12 * (4 * 192 + 3 * 192 * 192 + 3 * 192 + 192 * 192 + 192 + 192 * 768 + 768 +
                   768 * 192 + 192) +
             384 + 1930},
    };
    for (size_t i = 0; i < FS_ARRAY_LEN(cases); i++) {
        Model *m = make(cases[i].arch, 1.0, cases[i].c, cases[i].h, cases[i].k);
        if (!m) continue;
        EXPECT_MSG((long)model_num_params(m) == cases[i].expect, "%s c%d %dpx k%d: %zu, expected %ld",
                   cases[i].arch, cases[i].c, cases[i].h, cases[i].k, model_num_params(m),
                   cases[i].expect);
        model_free(m);
    }
}

static void test_state_dict_names(void)
{
    Model *m = make("resnet18", 1.0, 3, 32, 10);
    if (!m) return;
    EXPECT_EQ_INT(m->n_entries, 122); /* len(torchvision resnet18().state_dict()) */
    const ModelEntry *e = model_entry(m, "layer2.0.downsample.0.weight");
    EXPECT(e && e->rank == 4 && e->dims[0] == 128 && e->dims[1] == 64 && e->dims[2] == 1);
    e = model_entry(m, "layer4.1.bn2.running_var");
    EXPECT(e && e->kind == ENTRY_BUFFER && e->dims[0] == 512);
    e = model_entry(m, "bn1.num_batches_tracked");
    EXPECT(e && e->kind == ENTRY_COUNTER && e->rank == 0);
    e = model_entry(m, "fc.weight");
    EXPECT(e && e->rank == 2 && e->dims[0] == 10 && e->dims[1] == 512);
    EXPECT(model_entry(m, "conv1.bias") == NULL);
    EXPECT_NEAR(model_macs(m), 0.5556e9, 0.005e9); /* PAPER.md 4: 0.555 G at 32x32 */
    model_free(m);
    m = make("resnet50", 1.0, 3, 32, 10);
    if (m) EXPECT_EQ_INT(m->n_entries, 320);
    model_free(m);
    m = make("vit_tiny", 1.0, 3, 32, 10);
    if (m) {
        EXPECT(model_entry(m, "encoder.layers.encoder_layer_11.self_attention.in_proj_weight"));
        EXPECT(model_entry(m, "encoder.layers.encoder_layer_0.mlp.3.bias"));
        e = model_entry(m, "encoder.pos_embedding");
        EXPECT(e && e->rank == 3 && e->dims[1] == 65 && e->dims[2] == 192);
        EXPECT(model_entry(m, "heads.head.weight"));
    }
    model_free(m);
    m = make("vgg16", 1.0, 3, 32, 10);
    if (m) {
        EXPECT(model_entry(m, "features.0.bias") && model_entry(m, "features.1.running_mean"));
        EXPECT(model_entry(m, "features.41.weight") && model_entry(m, "classifier.weight"));
    }
    model_free(m);
}

static void test_bad_arch(void)
{
    Model *m = NULL;
    EXPECT(model_create("resnet19", NULL, 3, 32, 32, 10, 1, &m) == FS_ERR_CONFIG && !m);
    EXPECT(strstr(fs_last_error(), "resnet19") && strstr(fs_last_error(), "resnet18") &&
           strstr(fs_last_error(), "vit_tiny"));
    EXPECT(model_create("resnet18", NULL, 2, 32, 32, 10, 1, &m) == FS_ERR_CONFIG);
    ModelOptions o;
    model_options_default(&o);
    o.vit_patch = 5;
    EXPECT(model_create("vit", &o, 3, 32, 32, 10, 1, &m) == FS_ERR_CONFIG && !m);
    EXPECT(model_options_set(&o, "width", "abc") == FS_ERR_CONFIG && strstr(fs_last_error(), "width"));
    EXPECT(model_options_set(&o, "depth", "3") == FS_ERR_CONFIG && strstr(fs_last_error(), "depth"));
}

/* Mean cross-entropy of the model at params + t * dir (train mode, fixed dropout stream). */
static double loss_along(Model *m, const float *p0, const float *dir, double t, const float *x,
                         const int32_t *y, int n, Rng saved)
{
    for (size_t i = 0; i < m->n_params; i++) m->params[i] = (float)((double)p0[i] + t * (double)dir[i]);
    m->drop_rng = saved;
    const float *z = model_forward(m, x, n, 1);
    return softmax_xent(z, y, n, m->k, 1.0f, NULL, NULL) / n;
}

/* kann-style: one random direction; g.d against the central difference along it. */
static void model_grad_check(const char *arch, const ModelOptions *o, int c, int h, int n)
{
    Model *m = NULL;
    FsStatus st = model_create(arch, o, c, h, h, 3, 5, &m);
    EXPECT_MSG(st == FS_OK, "%s: %s", arch, fs_last_error());
    if (!m) return;
    EXPECT(model_reserve(m, n) == FS_OK);
    Rng r = rng_derive(9, 0, RNG_STREAM_TEST);
    size_t xs = (size_t)n * c * h * h, np = m->n_params;
    float *x = xmalloc(xs * 4), *dir = xmalloc(np * 4), *p0 = xmalloc(np * 4),
          *dl = xmalloc((size_t)n * 3 * 4);
    int32_t *y = xmalloc((size_t)n * 4);
    for (size_t i = 0; i < xs; i++) x[i] = (float)rng_normal(&r);
    for (int i = 0; i < n; i++) y[i] = (int32_t)rng_below(&r, 3);
    for (size_t i = 0; i < np; i++) dir[i] = (float)rng_uniform_range(&r, -1, 1);
    memcpy(p0, m->params, np * 4);
    Rng saved = m->drop_rng;
    const float *z = model_forward(m, x, n, 1);
    softmax_xent(z, y, n, 3, 1.0f / (float)n, dl, NULL);
    model_zero_grad(m);
    model_backward(m, dl, 1, 0);
    double gd = 0;
    for (size_t i = 0; i < np; i++) gd += (double)m->grads[i] * (double)dir[i];
    /* step so the loss moves by ~1e-3: small against the curvature of deep BN nets, large
     * against float rounding of the loss (~1e-7) */
    double hstep = 1e-3 / (fabs(gd) + 1);
    double fd = (loss_along(m, p0, dir, hstep, x, y, n, saved) -
                 loss_along(m, p0, dir, -hstep, x, y, n, saved)) / (2 * hstep);
    double fd2 = (loss_along(m, p0, dir, hstep / 2, x, y, n, saved) -
                  loss_along(m, p0, dir, -hstep / 2, x, y, n, saved)) / hstep;
    double err_est = fabs(fd - fd2) + 1e-4; /* truncation and rounding, from two steps */
    EXPECT_MSG(fabs(gd - fd2) <= 2e-2 * (fabs(gd) + fabs(fd2)) + err_est,
               "%s: g.d %.8g, central difference %.8g (h/2: %.8g)", arch, gd, fd, fd2);
    EXPECT(fabs(gd) > 1e-3); /* the check is not vacuous */
    free(x); free(dir); free(p0); free(dl); free(y);
    model_free(m);
}

static void test_model_gradients(void)
{
    ModelOptions o;
    model_options_default(&o);
    o.width = 1.0 / 16;
    model_grad_check("cnn", &o, 3, 8, 4);
    /* 16x16 so that layer4's BN sees 2x2 maps: a BN over 3-4 values of a 1x1 map is so
     * curved that no finite-difference step is both small enough and above float rounding */
    model_grad_check("resnet18", &o, 3, 16, 4);
    model_grad_check("resnet34", &o, 1, 16, 3);
    model_grad_check("resnet50", &o, 3, 16, 3);
    model_grad_check("vgg11", &o, 3, 16, 3);
    model_grad_check("vgg16", &o, 1, 16, 3);
    model_grad_check("alexnet", &o, 3, 16, 4);
    o.width = 1;
    o.vit_depth = 2;
    o.vit_dim = 8;
    o.vit_heads = 2;
    o.vit_patch = 4;
    o.dropout = 0.1;
    model_grad_check("vit", &o, 3, 8, 3);
}

/* The Classifier's input gradient (eval mode) against central differences along a direction. */
static void test_classifier(void)
{
    ModelOptions o;
    model_options_default(&o);
    o.width = 1.0 / 16;
    Model *m = NULL;
    EXPECT(model_create("resnet18", &o, 3, 8, 8, 4, 2, &m) == FS_OK);
    if (!m) return;
    Classifier cl;
    EXPECT(model_classifier(m, 5, &cl) == FS_OK);
    EXPECT(cl.k == 4 && cl.c == 3 && cl.h == 8 && cl.max_batch == 5);
    Rng r = rng_derive(4, 0, RNG_STREAM_TEST);
    const int n = 3;
    size_t xs = (size_t)n * 3 * 64;
    float *x = xmalloc(xs * 4), *dx = xmalloc(xs * 4), *dir = xmalloc(xs * 4), *xp = xmalloc(xs * 4);
    float z[15];
    int32_t y[3] = {0, 3, 1};
    /* running statistics away from (0, 1): a few training passes */
    model_reserve(m, 5);
    for (size_t i = 0; i < xs; i++) x[i] = (float)rng_normal(&r) + 0.5f;
    for (int it = 0; it < 3; it++) model_forward(m, x, n, 1);
    for (size_t i = 0; i < xs; i++) dir[i] = (float)rng_uniform_range(&r, -1, 1);
    double loss = 0;
    EXPECT(cl.input_grad(cl.ctx, x, y, n, dx, &loss) == FS_OK);
    EXPECT(cl.logits(cl.ctx, x, n, z) == FS_OK);
    EXPECT_NEAR(loss, softmax_xent(z, y, n, 4, 1.0f, NULL, NULL), 1e-9);
    double gd = 0, lp, lm;
    for (size_t i = 0; i < xs; i++) gd += (double)dx[i] * (double)dir[i];
    const double h = 1e-3;
    for (size_t i = 0; i < xs; i++) xp[i] = x[i] + (float)h * dir[i];
    cl.logits(cl.ctx, xp, n, z);
    lp = softmax_xent(z, y, n, 4, 1.0f, NULL, NULL);
    for (size_t i = 0; i < xs; i++) xp[i] = x[i] - (float)h * dir[i];
    cl.logits(cl.ctx, xp, n, z);
    lm = softmax_xent(z, y, n, 4, 1.0f, NULL, NULL);
    double fd = (lp - lm) / (2 * h);
    EXPECT_NEAR(gd, fd, 2e-2 * (fabs(gd) + fabs(fd)) + 1e-3);
    int32_t bad[3] = {0, 9, 1};
    EXPECT(cl.input_grad(cl.ctx, x, bad, n, dx, &loss) == FS_ERR_FORMAT);
    model_classifier_free(&cl);
    free(x); free(dx); free(dir); free(xp);
    model_free(m);
}

/* The Classifier's logits of an image are bitwise the same whatever batch it is in and at
 * which position (the per-class DFM tasks of a sweep batch images differently from one
 * all-class task and must give the same scores). */
static void test_classifier_batch_invariant(void)
{
    static const char *const archs[] = {"cnn", "resnet18", "vgg11", "vit_tiny"};
    const int N = 40, C = 3, H = 16, K = 5;
    const size_t per = (size_t)C * H * H;
    for (size_t a = 0; a < FS_ARRAY_LEN(archs); a++) {
        ModelOptions o;
        model_options_default(&o);
        o.width = 1.0 / 16;
        if (!strcmp(archs[a], "vit_tiny")) model_options_set(&o, "vit_depth", "2");
        Model *m = NULL;
        EXPECT(model_create(archs[a], &o, C, H, H, K, 7, &m) == FS_OK);
        if (!m) continue;
        Rng r = rng_derive(5, 0, RNG_STREAM_TEST);
        float *x = xmalloc((size_t)N * per * sizeof(float));
        for (size_t i = 0; i < (size_t)N * per; i++) x[i] = (float)rng_normal(&r);
        model_reserve(m, N);
        for (int it = 0; it < 2; it++) model_forward(m, x, N, 1); /* running stats off (0, 1) */
        Classifier cl;
        EXPECT(model_classifier(m, N, &cl) == FS_OK);
        float *all = xmalloc((size_t)N * K * sizeof(float)), *z = xmalloc((size_t)N * K * sizeof(float));
        EXPECT(cl.logits(cl.ctx, x, N, all) == FS_OK);
        static const int sizes[] = {1, 3, 15, 16, 17};
        for (size_t b = 0; b < FS_ARRAY_LEN(sizes); b++)
            for (int i0 = 0; i0 + sizes[b] <= N; i0 += sizes[b] + 4) {
                EXPECT(cl.logits(cl.ctx, x + (size_t)i0 * per, sizes[b], z) == FS_OK);
                EXPECT_MSG(!memcmp(z, all + (size_t)i0 * K, (size_t)sizes[b] * K * sizeof(float)),
                           "%s: images %d..%d in a batch of %d differ from the batch of %d",
                           archs[a], i0, i0 + sizes[b] - 1, sizes[b], N);
            }
        model_classifier_free(&cl);
        model_free(m);
        free(x);
        free(all);
        free(z);
    }
}

/* Eval batches >= MODEL_FOLD_MIN run conv+BN folded; they must match the unfolded pass (one
 * image at a time), and the input gradient through folded layers must match too. */
static void test_bn_folding(void)
{
    const char *archs[] = {"resnet18", "vgg11", "cnn", "resnet50"};
    ModelOptions o;
    model_options_default(&o);
    o.width = 1.0 / 8;
    const int n = MODEL_FOLD_MIN + 2;
    for (size_t a = 0; a < FS_ARRAY_LEN(archs); a++) {
        Model *m = NULL;
        EXPECT(model_create(archs[a], &o, 3, 16, 16, 5, 3, &m) == FS_OK);
        if (!m) continue;
        EXPECT(m->folded != NULL);
        EXPECT(model_reserve(m, n) == FS_OK);
        Rng r = rng_derive(6, a, RNG_STREAM_TEST);
        size_t s = 3 * 16 * 16;
        float *x = xmalloc(n * s * 4), *z = xmalloc((size_t)n * 5 * 4), *dl = xmalloc((size_t)n * 5 * 4);
        float *g1 = xmalloc(n * s * 4);
        for (size_t i = 0; i < n * s; i++) x[i] = (float)rng_normal(&r);
        for (int it = 0; it < 3; it++) model_forward(m, x, n, 1); /* running stats move */
        for (size_t i = 0; i < m->n_params; i++) m->params[i] += 0.05f * (float)rng_normal(&r);
        memcpy(z, model_forward(m, x, n, 0), (size_t)n * 5 * 4);
        EXPECT(m->last_folded == 1);
        for (int i = 0; i < n * 5; i++) dl[i] = (float)rng_normal(&r);
        memcpy(g1, model_backward(m, dl, 0, 1), n * s * 4);
        double worst = 0, gworst = 0;
        for (int i = 0; i < n; i++) {
            const float *zi = model_forward(m, x + i * s, 1, 0);
            EXPECT(m->last_folded == 0);
            for (int j = 0; j < 5; j++)
                worst = fmax(worst, fabs((double)zi[j] - (double)z[i * 5 + j]) / (1 + fabs((double)zi[j])));
            const float *gi = model_backward(m, dl + i * 5, 0, 1);
            for (size_t q = 0; q < s; q++)
                gworst = fmax(gworst, fabs((double)gi[q] - (double)g1[i * s + q]) /
                                          (1e-3 + fabs((double)gi[q])));
        }
        EXPECT_MSG(worst < 1e-4 && gworst < 1e-3, "%s: logits differ by %.2g, input grads by %.2g",
                   archs[a], worst, gworst);
        free(x); free(z); free(dl); free(g1);
        model_free(m);
    }
}

/* Same seed -> same weights; another seed -> different weights. */
static void test_init_deterministic(void)
{
    Model *a = make("resnet18", 0.25, 3, 16, 10), *b = make("resnet18", 0.25, 3, 16, 10);
    Model *c = NULL;
    ModelOptions o;
    model_options_default(&o);
    o.width = 0.25;
    EXPECT(model_create("resnet18", &o, 3, 16, 16, 10, 2, &c) == FS_OK);
    if (a && b && c) {
        EXPECT(memcmp(a->params, b->params, a->n_params * 4) == 0);
        EXPECT(memcmp(a->params, c->params, a->n_params * 4) != 0);
        /* PyTorch-style bounds: conv1 weight within 1/sqrt(fan_in) */
        const ModelEntry *e = model_entry(a, "conv1.weight");
        float mx = 0;
        for (size_t i = 0; i < e->len; i++) mx = fmaxf(mx, fabsf(a->params[e->off + i]));
        EXPECT(mx <= 1.0f / sqrtf(27.0f) && mx > 0.8f / sqrtf(27.0f));
    }
    model_free(a);
    model_free(b);
    model_free(c);
}

/* model_state_*: entries mirror the state_dict (kinds, shapes, offsets into the flat block of
 * params then buffers); export / import round-trip bit for bit, counters included; a wrong
 * length is refused and leaves the model unchanged. */
static void test_state_export_import(void)
{
    Model *a = make("resnet18", 0.125, 3, 16, 10), *b = NULL;
    ModelOptions o;
    model_options_default(&o);
    o.width = 0.125;
    EXPECT(model_create("resnet18", &o, 3, 16, 16, 10, 2, &b) == FS_OK);
    if (!a || !b) goto done;
    const size_t nf = model_state_floats(a);
    EXPECT(nf == a->n_params + a->n_buffers && nf == model_state_floats(b));
    EXPECT_EQ_INT(model_state_counters(a), a->n_counters);
    EXPECT_EQ_INT(model_state_count(a), a->n_entries);
    size_t floats = 0;
    int counters = 0;
    for (int i = 0; i < model_state_count(a); i++) {
        ModelStateEntry e;
        model_state_entry(a, i, &e);
        const ModelEntry *me = model_entry(a, e.name);
        EXPECT(me == &a->entries[i]);
        EXPECT_EQ_INT(e.rank, me->rank);
        EXPECT(e.len == me->len);
        if (e.kind == MODEL_STATE_COUNTER) {
            EXPECT(me->kind == ENTRY_COUNTER && e.rank == 0 && e.off == (size_t)counters);
            counters++;
        } else {
            EXPECT(me->kind == (e.kind == MODEL_STATE_PARAM ? ENTRY_PARAM : ENTRY_BUFFER));
            EXPECT(e.off == (e.kind == MODEL_STATE_PARAM ? me->off : a->n_params + me->off));
            floats += e.len;
        }
    }
    EXPECT(floats == nf && counters == a->n_counters);
    float *v = xmalloc(nf * sizeof(float));
    int64_t *cnt = xmalloc((size_t)model_state_counters(a) * sizeof(int64_t));
    for (size_t i = 0; i < a->n_buffers; i++) a->buffers[i] = 0.25f + (float)i;
    for (int i = 0; i < a->n_counters; i++) a->counters[i] = 7 + i;
    model_state_export(a, v, cnt);
    EXPECT(memcmp(v, a->params, a->n_params * 4) == 0);
    EXPECT(memcmp(v + a->n_params, a->buffers, a->n_buffers * 4) == 0);
    EXPECT(model_state_import(b, v, nf - 1, cnt) == FS_ERR_FORMAT);
    EXPECT(memcmp(a->params, b->params, a->n_params * 4) != 0 && b->counters[0] == 0);
    EXPECT(model_state_import(b, v, nf, NULL) == FS_OK);
    EXPECT(memcmp(a->params, b->params, a->n_params * 4) == 0);
    EXPECT(memcmp(a->buffers, b->buffers, a->n_buffers * 4) == 0);
    EXPECT(b->counters[0] == 0);
    EXPECT(model_state_import(b, v, nf, cnt) == FS_OK);
    EXPECT(memcmp(a->counters, b->counters, (size_t)a->n_counters * 8) == 0);
    free(v);
    free(cnt);
done:
    model_free(a);
    model_free(b);
}

TEST_MAIN({"param_counts", test_param_counts}, {"state_dict_names", test_state_dict_names},
          {"bad_arch", test_bad_arch}, {"model_gradients", test_model_gradients},
          {"classifier", test_classifier},
          {"classifier_batch_invariant", test_classifier_batch_invariant}, {"bn_folding", test_bn_folding}, {"init_deterministic", test_init_deterministic},
          {"state_export_import", test_state_export_import})
