/* layer_loss.c: softmax cross-entropy of logits against labels, the training loss (in double,
 * log-sum-exp shifted by the row maximum). See layers.h. */
#include "layers.h"

#include <math.h>

double softmax_xent(const float *logits, const int32_t *y, int n, int k, float scale,
                    float *dlogits, int *correct)
{
    if (k < 1) return (double)NAN;
    double total = 0;
    int hits = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        int am = 0;
        for (int j = 1; j < k; j++)
            if (z[j] > z[am]) am = j;
        hits += am == y[i];
        double mx = (double)z[am], s = 1; /* exp(z[am] - mx) */
        for (int j = 0; j < k; j++)
            if (j != am) s += exp((double)z[j] - mx);
        double lse = mx + log(s);
        total += lse - (double)z[y[i]];
        if (dlogits)
            for (int j = 0; j < k; j++) {
                double p = exp((double)z[j] - lse);
                dlogits[(size_t)i * k + j] = (float)((double)scale * (p - (j == y[i] ? 1.0 : 0.0)));
            }
    }
    if (correct) *correct = hits;
    return total;
}
