/* optim.h: SGD with (Nesterov) momentum and weight decay, and AdamW, over one flat parameter
 * block, and the learning-rate schedules of PaperMD 4, with PyTorch's semantics:
 *   SGD:   g = grad + wd * p;  buf = momentum * buf + g;  g = nesterov ? g + momentum * buf : buf;
 *          p -= lr * g   (torch.optim.SGD, dampening 0; buf starts at 0, equal to torch's clone(g)).
 *   AdamW: t += 1;  p *= 1 - lr * wd  (decoupled decay);  m = b1 m + (1 - b1) g;
 *          v = b2 v + (1 - b2) g^2;  p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *          (torch.optim.AdamW, amsgrad off; m and v start at 0).
 * Plateau = ReduceLROnPlateau(mode min, threshold_mode rel, cooldown 0, min_lr 0, eps 1e-8).
 * Each optimiser owns its state (one allocation). Not thread-safe. */
#ifndef FS_OPTIM_H
#define FS_OPTIM_H

#include <stddef.h>

typedef struct {
    size_t n;
    float *buf;     /* (n) momentum; one allocation */
    double momentum, weight_decay;
    int nesterov;
} Sgd;

void sgd_init(Sgd *s, size_t n, double momentum, double weight_decay, int nesterov);
void sgd_free(Sgd *s);
void sgd_step(Sgd *s, double lr, float *params, const float *grads);
/* Reference: the same update in double, element by element. */
void sgd_step_ref(Sgd *s, double lr, float *params, const float *grads);

typedef struct {
    size_t n;
    float *m, *v;   /* (n) first and second moments; one allocation, v = m + n (padded) */
    double beta1, beta2, eps, weight_decay;
    long t;         /* steps taken */
} Adamw;

void adamw_init(Adamw *a, size_t n, double beta1, double beta2, double eps, double weight_decay);
void adamw_free(Adamw *a);
void adamw_step(Adamw *a, double lr, float *params, const float *grads);
/* Reference: the same update in double, element by element. */
void adamw_step_ref(Adamw *a, double lr, float *params, const float *grads);

typedef struct {
    double factor, threshold, min_lr;
    int patience;
    double best;   /* +inf before the first step */
    int bad;       /* epochs without improvement */
} Plateau;

void plateau_init(Plateau *p, double factor, int patience, double threshold);
/* Feed one epoch's metric; returns the learning rate to use from now on. */
double plateau_step(Plateau *p, double metric, double lr);

/* Epoch-wise schedules (epoch counts from 0): cosine annealing to 0 over `epochs`, step decay by
 * gamma every step_size epochs. */
double lr_cosine(double lr0, int epoch, int epochs);
double lr_step(double lr0, int epoch, int step_size, double gamma);

#endif
