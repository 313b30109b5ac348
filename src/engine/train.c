/* train.c: see train.h. */
#include "train.h"

#include "log.h"
#include "model_impl.h"
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void train_config_default(TrainConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->epochs = 200;
    cfg->batch = 64;
    cfg->lr = 0.01;
    cfg->momentum = 0.9;
    cfg->weight_decay = 1e-4;
    cfg->nesterov = 1;
    fs_snprintf(cfg->optimizer, sizeof cfg->optimizer, "sgd");
    cfg->beta1 = 0.9;
    cfg->beta2 = 0.999;
    cfg->eps = 1e-8;
    fs_snprintf(cfg->schedule, sizeof cfg->schedule, "plateau");
    cfg->plateau_factor = 0.1;
    cfg->plateau_patience = 10;
    cfg->plateau_threshold = 1e-4;
    cfg->step_size = 30;
    cfg->step_gamma = 0.1;
    cfg->val_frac = 0.1;
    cfg->max_steps = 0;
    cfg->seed = 1;
    cfg->log_every = 0;
}

static FsStatus parse_bool(const char *v, const char *key, int *out)
{
    if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes")) *out = 1;
    else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no")) *out = 0;
    else return fs_errorf(FS_ERR_CONFIG, "%s: '%s' is not a boolean (0/1/true/false)", key, v);
    return FS_OK;
}

FsStatus train_config_set(TrainConfig *cfg, const char *key, const char *v)
{
    if (!strcmp(key, "epochs")) return fs_parse_int(v, 1, 100000, key, &cfg->epochs);
    if (!strcmp(key, "batch")) return fs_parse_int(v, 1, 65536, key, &cfg->batch);
    if (!strcmp(key, "lr")) return fs_parse_double(v, 0, 100, key, &cfg->lr);
    if (!strcmp(key, "momentum")) return fs_parse_double(v, 0, 0.9999, key, &cfg->momentum);
    if (!strcmp(key, "weight_decay") || !strcmp(key, "wd"))
        return fs_parse_double(v, 0, 1, key, &cfg->weight_decay);
    if (!strcmp(key, "nesterov")) return parse_bool(v, key, &cfg->nesterov);
    if (!strcmp(key, "optimizer")) {
        if (strcmp(v, "sgd") != 0 && strcmp(v, "adamw") != 0)
            return fs_errorf(FS_ERR_CONFIG, "optimizer: '%s' is not sgd or adamw", v);
        fs_snprintf(cfg->optimizer, sizeof cfg->optimizer, "%s", v);
        return FS_OK;
    }
    if (!strcmp(key, "beta1")) return fs_parse_double(v, 0, 0.999999, key, &cfg->beta1);
    if (!strcmp(key, "beta2")) return fs_parse_double(v, 0, 0.999999, key, &cfg->beta2);
    if (!strcmp(key, "eps")) return fs_parse_double(v, 1e-30, 1, key, &cfg->eps);
    if (!strcmp(key, "schedule")) {
        if (strcmp(v, "plateau") != 0 && strcmp(v, "cosine") != 0 && strcmp(v, "step") != 0 &&
            strcmp(v, "const") != 0 && strcmp(v, "cosine_step") != 0)
            return fs_errorf(FS_ERR_CONFIG,
                             "schedule: '%s' is not plateau, cosine, cosine_step, step or const", v);
        fs_snprintf(cfg->schedule, sizeof cfg->schedule, "%s", v);
        return FS_OK;
    }
    if (!strcmp(key, "plateau_factor")) return fs_parse_double(v, 1e-6, 1, key, &cfg->plateau_factor);
    if (!strcmp(key, "plateau_patience")) return fs_parse_int(v, 0, 100000, key, &cfg->plateau_patience);
    if (!strcmp(key, "plateau_threshold"))
        return fs_parse_double(v, 0, 1, key, &cfg->plateau_threshold);
    if (!strcmp(key, "step_size")) return fs_parse_int(v, 1, 100000, key, &cfg->step_size);
    if (!strcmp(key, "step_gamma")) return fs_parse_double(v, 1e-9, 1, key, &cfg->step_gamma);
    if (!strcmp(key, "val_frac")) return fs_parse_double(v, 0, 0.9, key, &cfg->val_frac);
    if (!strcmp(key, "max_steps")) return fs_parse_int(v, 0, 2000000000, key, &cfg->max_steps);
    if (!strcmp(key, "log_every")) return fs_parse_int(v, 0, 2000000000, key, &cfg->log_every);
    if (!strcmp(key, "seed")) {
        long s;
        FsStatus st = fs_parse_long(v, 0, 0x7fffffffffffffffL, key, &s);
        if (st == FS_OK) cfg->seed = (uint64_t)s;
        return st;
    }
    return fs_errorf(FS_ERR_CONFIG,
                     "training option '%s' is unknown; expected epochs, batch, lr, momentum, "
                     "weight_decay, nesterov, optimizer, beta1, beta2, eps, schedule, "
                     "plateau_factor, plateau_patience, plateau_threshold, step_size, step_gamma, "
                     "val_frac, max_steps, seed or log_every",
                     key);
}

void train_config_format(const TrainConfig *c, char *buf, size_t n)
{
    /* SGD's line is the one of the SGD-only versions; AdamW names itself and its constants */
    char opt[96] = "";
    if (!strcmp(c->optimizer, "adamw"))
        fs_snprintf(opt, sizeof opt, " optimizer=adamw beta1=%g beta2=%g eps=%g", c->beta1,
                    c->beta2, c->eps);
    fs_snprintf(buf, n,
                "epochs=%d batch=%d lr=%g momentum=%g weight_decay=%g nesterov=%d schedule=%s "
                "plateau_factor=%g plateau_patience=%d plateau_threshold=%g step_size=%d "
                "step_gamma=%g val_frac=%g max_steps=%d seed=%llu%s",
                c->epochs, c->batch, c->lr, c->momentum, c->weight_decay, c->nesterov, c->schedule,
                c->plateau_factor, c->plateau_patience, c->plateau_threshold, c->step_size,
                c->step_gamma, c->val_frac, c->max_steps, (unsigned long long)c->seed, opt);
}

void train_normalize(float *x, int n, int c, int hw, const float *mean, const float *std)
{
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            float *p = x + ((size_t)i * c + ch) * (size_t)hw;
            const float mu = mean[ch], inv = 1.0f / std[ch];
            for (int q = 0; q < hw; q++) p[q] = (p[q] - mu) * inv;
        }
}

static FsStatus check_shapes(const Model *m, const Dataset *d)
{
    if (d->c != m->c || d->h != m->h || d->w != m->w)
        return fs_errorf(FS_ERR_CONFIG, "data %s: images %dx%dx%d, model %s expects %dx%dx%d",
                         d->name, d->c, d->h, d->w, m->arch, m->c, m->h, m->w);
    if (d->k != m->k)
        return fs_errorf(FS_ERR_CONFIG, "data %s: %d classes, model %s has %d outputs", d->name,
                         d->k, m->arch, m->k);
    for (int i = 0; i < d->n; i++)
        if (d->y[i] < 0 || d->y[i] >= d->k)
            return fs_errorf(FS_ERR_FORMAT, "data %s: label %d of image %d outside [0, %d)", d->name,
                             (int)d->y[i], i, d->k);
    for (int ch = 0; ch < d->c; ch++)
        if (!(d->std[ch] > 0))
            return fs_errorf(FS_ERR_CONFIG, "data %s: std[%d] = %g; expected > 0", d->name, ch,
                             (double)d->std[ch]);
    return FS_OK;
}

/* Copy images idx[0..n) into xb and their labels into yb. */
static void gather(const Dataset *d, const int *idx, int n, float *xb, int32_t *yb)
{
    const size_t s = (size_t)d->c * d->h * d->w;
    for (int i = 0; i < n; i++) {
        memcpy(xb + (size_t)i * s, d->x + (size_t)idx[i] * s, s * sizeof(float));
        yb[i] = d->y[idx[i]];
    }
}

/* Mean loss and accuracy of idx[0..n) in eval mode. */
static void eval_subset(Model *m, const Dataset *d, const int *idx, int n, int batch, float *xb,
                        int32_t *yb, double *loss, double *acc)
{
    double l = 0;
    long hits = 0;
    for (int i0 = 0; i0 < n; i0 += batch) {
        int nb = n - i0 < batch ? n - i0 : batch, c = 0;
        gather(d, idx + i0, nb, xb, yb);
        train_normalize(xb, nb, d->c, d->h * d->w, d->mean, d->std);
        const float *z = model_forward(m, xb, nb, 0);
        l += softmax_xent(z, yb, nb, m->k, 1.0f, NULL, &c);
        hits += c;
    }
    *loss = n ? l / n : (double)NAN;
    *acc = n ? (double)hits / n : (double)NAN;
}

static double epoch_lr(const TrainConfig *cfg, int epoch, double plateau_lr)
{
    if (!strcmp(cfg->schedule, "cosine")) return lr_cosine(cfg->lr, epoch, cfg->epochs);
    if (!strcmp(cfg->schedule, "step")) return lr_step(cfg->lr, epoch, cfg->step_size, cfg->step_gamma);
    if (!strcmp(cfg->schedule, "plateau")) return plateau_lr;
    return cfg->lr;
}

FsStatus train_run(const TrainConfig *cfg, const Dataset *d, const TrainHooks *hooks, Model *m,
                   TrainStats *out)
{
    memset(out, 0, sizeof *out);
    FsStatus st = check_shapes(m, d);
    if (st != FS_OK) return st;
    if (cfg->batch < 2) return fs_errorf(FS_ERR_CONFIG, "batch=%d; expected >= 2 (batch norm)", cfg->batch);
    if (cfg->epochs < 1) return fs_errorf(FS_ERR_CONFIG, "epochs=%d; expected >= 1", cfg->epochs);
    const int n = d->n, n_val = (int)floor(cfg->val_frac * n + 0.5), n_tr = n - n_val;
    if (n_tr < 2) return fs_errorf(FS_ERR_CONFIG, "data %s: %d images leave %d for training", d->name, n, n_tr);
    st = model_reserve(m, cfg->batch);
    if (st != FS_OK) return st;

    const TrainHooks none = {0};
    if (!hooks) hooks = &none;
    const int B = cfg->batch, c = d->c, hw = d->h * d->w;
    int *perm = xmalloc((size_t)n * sizeof(int));
    float *xb = xaligned_alloc(64, ((size_t)B * c * hw * sizeof(float) + 63) / 64 * 64);
    int32_t *yb = xmalloc((size_t)B * sizeof(int32_t));
    float *dl = xmalloc((size_t)B * m->k * sizeof(float));
    const int adamw = !strcmp(cfg->optimizer, "adamw");
    Sgd sgd = {0};
    Adamw adam = {0};
    if (adamw)
        adamw_init(&adam, m->n_params, cfg->beta1, cfg->beta2, cfg->eps, cfg->weight_decay);
    else
        sgd_init(&sgd, m->n_params, cfg->momentum, cfg->weight_decay, cfg->nesterov);
    Plateau plat;
    plateau_init(&plat, cfg->plateau_factor, cfg->plateau_patience, cfg->plateau_threshold);

    Rng shuf = rng_derive(cfg->seed, 0, RNG_STREAM_SHUFFLE);
    Rng aug = rng_derive(cfg->seed, 0, RNG_STREAM_AUGMENT);
    for (int i = 0; i < n; i++) perm[i] = i;
    rng_shuffle_int(&shuf, perm, n);
    const int *val = perm;     /* perm[0, n_val) */
    int *tr = perm + n_val;    /* perm[n_val, n), reshuffled every epoch */

    /* cosine_step: the steps of the whole run (batches of >= 2 images per epoch) */
    const int per_step = !strcmp(cfg->schedule, "cosine_step");
    const long total_steps = (long)cfg->epochs * (long)((n_tr + B - 2) / B);
    double t0 = fs_now(), lr = cfg->lr;
    double plateau_lr = lr; /* what ReduceLROnPlateau says; used when schedule=plateau */
    long steps = 0, images = 0;
    int stop = 0;
    for (int epoch = 0; epoch < cfg->epochs && !stop; epoch++) {
        lr = epoch_lr(cfg, epoch, plateau_lr);
        rng_shuffle_int(&shuf, tr, n_tr);
        double loss_sum = 0;
        long hits = 0, seen = 0;
        for (int i0 = 0; i0 + 2 <= n_tr && !stop; i0 += B) {
            int nb = n_tr - i0 < B ? n_tr - i0 : B; /* a last batch of 1 is dropped (BN) */
            if (per_step) /* cosine over every step of the run, from lr to 0 */
                lr = lr_cosine(cfg->lr, (int)steps, (int)total_steps);
            gather(d, tr + i0, nb, xb, yb);
            if (hooks->augment_pixels) hooks->augment_pixels(hooks->user, xb, yb, nb, c, d->h, d->w, &aug);
            train_normalize(xb, nb, c, hw, d->mean, d->std);
            if (hooks->augment_normalized)
                hooks->augment_normalized(hooks->user, xb, yb, nb, c, d->h, d->w, &aug);
            const float *z = model_forward(m, xb, nb, 1);
            int hit = 0;
            double l = softmax_xent(z, yb, nb, m->k, 1.0f / (float)nb, dl, &hit);
            if (!isfinite(l)) {
                st = fs_errorf(FS_ERR_DIVERGED, "%s: loss is %g at epoch %d, step %ld (lr %g)",
                               m->arch, l, epoch + 1, steps + 1, lr);
                goto done;
            }
            model_zero_grad(m);
            model_backward(m, dl, 1, 0);
            if (adamw)
                adamw_step(&adam, lr, m->params, m->grads);
            else
                sgd_step(&sgd, lr, m->params, m->grads);
            loss_sum += l;
            hits += hit;
            seen += nb;
            steps++;
            images += nb;
            if (cfg->log_every > 0 && steps % cfg->log_every == 0)
                LOG_INFO("epoch %d step %ld: loss %.4f acc %.4f lr %.3g, %.1f images/s", epoch + 1,
                         steps, loss_sum / (double)seen, (double)hits / (double)seen, lr,
                         (double)images / (fs_now() - t0));
            if (hooks->on_step && hooks->on_step(hooks->user, m, steps, epoch)) stop = 1;
            if (cfg->max_steps > 0 && steps >= cfg->max_steps) stop = 1;
        }
        double tl = seen ? loss_sum / (double)seen : (double)NAN, ta = seen ? (double)hits / (double)seen : (double)NAN;
        double vl = (double)NAN, va = (double)NAN;
        if (n_val > 0) eval_subset(m, d, val, n_val, B, xb, yb, &vl, &va);
        out->epochs_done = epoch + 1;
        out->train_loss = tl;
        out->train_acc = ta;
        out->val_loss = vl;
        out->val_acc = va;
        if (n_val > 0 && !isfinite(vl)) {
            st = fs_errorf(FS_ERR_DIVERGED, "%s: validation loss is %g after epoch %d", m->arch, vl, epoch + 1);
            goto done;
        }
        plateau_lr = plateau_step(&plat, n_val > 0 ? vl : tl, lr);
        if (hooks->on_epoch) hooks->on_epoch(hooks->user, m, epoch, tl, ta, vl, va);
        LOG_DEBUG("epoch %d: train loss %.4f acc %.4f, val loss %.4f acc %.4f, lr %.3g", epoch + 1,
                  tl, ta, vl, va, lr);
    }
done:
    out->steps = steps;
    out->wall_s = fs_now() - t0;
    out->images_per_s = out->wall_s > 0 ? (double)images / out->wall_s : 0;
    out->lr = lr;
    if (adamw)
        adamw_free(&adam);
    else
        sgd_free(&sgd);
    free(perm);
    free(xb);
    free(yb);
    free(dl);
    return st;
}

FsStatus eval_run(Model *m, const Dataset *d, int batch, float *logits_out, int *confusion,
                  double *acc)
{
    FsStatus st = check_shapes(m, d);
    if (st != FS_OK) return st;
    if (batch < 1) return fs_errorf(FS_ERR_CONFIG, "eval: batch %d < 1", batch);
    st = model_reserve(m, batch);
    if (st != FS_OK) return st;
    const size_t s = (size_t)d->c * d->h * d->w;
    float *xb = xmalloc((size_t)batch * s * sizeof(float));
    if (confusion) memset(confusion, 0, (size_t)m->k * m->k * sizeof(int));
    long hits = 0;
    for (int i0 = 0; i0 < d->n; i0 += batch) {
        int nb = d->n - i0 < batch ? d->n - i0 : batch;
        memcpy(xb, d->x + (size_t)i0 * s, (size_t)nb * s * sizeof(float));
        train_normalize(xb, nb, d->c, d->h * d->w, d->mean, d->std);
        const float *z = model_forward(m, xb, nb, 0);
        for (int i = 0; i < nb; i++) {
            const float *zi = z + (size_t)i * m->k;
            int am = 0, y = d->y[i0 + i];
            for (int j = 1; j < m->k; j++)
                if (zi[j] > zi[am]) am = j;
            hits += am == y;
            if (confusion && y >= 0 && y < m->k) confusion[(size_t)y * m->k + am]++;
        }
        if (logits_out) memcpy(logits_out + (size_t)i0 * m->k, z, (size_t)nb * m->k * sizeof(float));
    }
    free(xb);
    if (acc) *acc = d->n ? (double)hits / d->n : (double)NAN;
    return FS_OK;
}
