/* optim.c: see optim.h. */
#include "optim.h"

#include "pool.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sgd_init(Sgd *s, size_t n, double momentum, double weight_decay, int nesterov)
{
    s->n = n;
    size_t bytes = (fs_mul_size(n ? n : 1, sizeof(float), "momentum buffer") + 63) / 64 * 64;
    s->buf = xaligned_alloc(64, bytes);
    memset(s->buf, 0, n * sizeof(float));
    s->momentum = momentum;
    s->weight_decay = weight_decay;
    s->nesterov = nesterov;
}

void sgd_free(Sgd *s)
{
    free(s->buf);
    s->buf = NULL;
}

/* Both updates are elementwise: blocks of OPTIM_BLOCK parameters go to the pool. */
#define OPTIM_BLOCK ((size_t)1 << 15)
typedef struct {
    const Sgd *s;
    float m, wd, a;
    float *params;
    const float *grads;
} SgdJob;

static void sgd_item(void *ctx, int item, int tid)
{
    (void)tid;
    const SgdJob *j = ctx;
    const float m = j->m, wd = j->wd, a = j->a;
    size_t lo, hi;
    pool_block_range(j->s->n, OPTIM_BLOCK, item, &lo, &hi);
    float *buf = j->s->buf, *params = j->params;
    const float *grads = j->grads;
    if (j->s->nesterov)
        for (size_t i = lo; i < hi; i++) {
            float g = grads[i] + wd * params[i];
            float b = m * buf[i] + g;
            buf[i] = b;
            params[i] -= a * (g + m * b);
        }
    else
        for (size_t i = lo; i < hi; i++) {
            float g = grads[i] + wd * params[i];
            float b = m * buf[i] + g;
            buf[i] = b;
            params[i] -= a * b;
        }
}

void sgd_step(Sgd *s, double lr, float *params, const float *grads)
{
    SgdJob j = {s, (float)s->momentum, (float)s->weight_decay, (float)lr, params, grads};
    pool_for(pool_blocks(s->n, OPTIM_BLOCK), 0, sgd_item, &j);
}

void sgd_step_ref(Sgd *s, double lr, float *params, const float *grads)
{
    for (size_t i = 0; i < s->n; i++) {
        double g = (double)grads[i] + s->weight_decay * (double)params[i];
        double b = s->momentum * (double)s->buf[i] + g;
        s->buf[i] = (float)b;
        double step = s->nesterov ? g + s->momentum * b : b;
        params[i] = (float)((double)params[i] - lr * step);
    }
}

void adamw_init(Adamw *a, size_t n, double beta1, double beta2, double eps, double weight_decay)
{
    a->n = n;
    const size_t half = (fs_mul_size(n ? n : 1, sizeof(float), "AdamW moments") + 63) / 64 * 64;
    a->m = xaligned_alloc(64, fs_mul_size(half, 2, "AdamW moments"));
    memset(a->m, 0, 2 * half);
    a->v = a->m + half / sizeof(float);
    a->beta1 = beta1;
    a->beta2 = beta2;
    a->eps = eps;
    a->weight_decay = weight_decay;
    a->t = 0;
}

void adamw_free(Adamw *a)
{
    free(a->m);
    a->m = a->v = NULL;
}

typedef struct {
    const Adamw *a;
    float decay, b1, b2, step, inv_bc2, eps; /* decay = 1 - lr wd; step = lr / (1 - b1^t) */
    float *params;
    const float *grads;
} AdamwJob;

static void adamw_item(void *ctx, int item, int tid)
{
    (void)tid;
    const AdamwJob *j = ctx;
    const float decay = j->decay, b1 = j->b1, b2 = j->b2, step = j->step, ib = j->inv_bc2,
                eps = j->eps;
    size_t lo, hi;
    pool_block_range(j->a->n, OPTIM_BLOCK, item, &lo, &hi);
    float *m = j->a->m, *v = j->a->v, *p = j->params;
    const float *g = j->grads;
    for (size_t i = lo; i < hi; i++) {
        const float mi = b1 * m[i] + (1.0f - b1) * g[i];
        const float vi = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - step * mi / (sqrtf(vi) * ib + eps);
    }
}

void adamw_step(Adamw *a, double lr, float *params, const float *grads)
{
    a->t++;
    const double bc1 = 1.0 - pow(a->beta1, (double)a->t), bc2 = 1.0 - pow(a->beta2, (double)a->t);
    AdamwJob j = {a,
                  (float)(1.0 - lr * a->weight_decay),
                  (float)a->beta1,
                  (float)a->beta2,
                  (float)(lr / bc1),
                  (float)(1.0 / sqrt(bc2)),
                  (float)a->eps,
                  params,
                  grads};
    pool_for(pool_blocks(a->n, OPTIM_BLOCK), 0, adamw_item, &j);
}

void adamw_step_ref(Adamw *a, double lr, float *params, const float *grads)
{
    a->t++;
    const double bc1 = 1.0 - pow(a->beta1, (double)a->t), bc2 = 1.0 - pow(a->beta2, (double)a->t);
    for (size_t i = 0; i < a->n; i++) {
        const double g = grads[i];
        const double m = a->beta1 * (double)a->m[i] + (1.0 - a->beta1) * g;
        const double v = a->beta2 * (double)a->v[i] + (1.0 - a->beta2) * g * g;
        a->m[i] = (float)m;
        a->v[i] = (float)v;
        double p = (double)params[i] * (1.0 - lr * a->weight_decay);
        p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + a->eps);
        params[i] = (float)p;
    }
}

void plateau_init(Plateau *p, double factor, int patience, double threshold)
{
    p->factor = factor;
    p->patience = patience;
    p->threshold = threshold;
    p->min_lr = 0;
    p->best = INFINITY;
    p->bad = 0;
}

double plateau_step(Plateau *p, double metric, double lr)
{
    if (metric < p->best * (1.0 - p->threshold)) {
        p->best = metric;
        p->bad = 0;
    } else {
        p->bad++;
    }
    if (p->bad > p->patience) {
        double nl = fmax(lr * p->factor, p->min_lr);
        if (lr - nl > 1e-8) lr = nl;
        p->bad = 0;
    }
    return lr;
}

double lr_cosine(double lr0, int epoch, int epochs)
{
    if (epochs <= 0) return lr0;
    return lr0 * 0.5 * (1.0 + cos(M_PI * (double)epoch / (double)epochs));
}

double lr_step(double lr0, int epoch, int step_size, double gamma)
{
    if (step_size <= 0) return lr0;
    const int decays = epoch / step_size; /* whole steps: integer division intended */
    return lr0 * pow(gamma, (double)decays);
}
