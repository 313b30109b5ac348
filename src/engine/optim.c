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

/* The update is elementwise: blocks of SGD_BLOCK parameters go to the pool. */
#define SGD_BLOCK ((size_t)1 << 15)
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
    pool_block_range(j->s->n, SGD_BLOCK, item, &lo, &hi);
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
    pool_for(pool_blocks(s->n, SGD_BLOCK), 0, sgd_item, &j);
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
