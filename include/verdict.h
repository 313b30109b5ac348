/* verdict.h: the statistics behind the shortcut verdicts (issue 12): Wilson intervals for a rate,
 * percentiles and empirical p-values against random controls, the paper's verdict and fsweep's
 * specific-shortcut verdict, and summaries over seeds.
 *
 *  - Wilson 95 % interval of k successes in n (z = 1.959964); NaN, NaN when n = 0.
 *  - p95 of R values: the nearest-rank percentile, the ceil(0.95 R)-th smallest (R = 50: the
 *    48th); NaN values are ignored, NaN when none is left.
 *  - Empirical p-value of x against R controls: (1 + #{control >= x}) / (R + 1); NaN when x is
 *    NaN or R = 0.
 *  - Paper's verdict (PAPER.md 8): shortcut when TPR > t, strong when TPR >= 0.6.
 *  - Specific shortcut: TPR > t, TPR > the controls' p95, and FPR <= fpr_max; never when any
 *    of them is NaN (no controls: never).
 *  - Over seeds: mean and the 95 % t-interval mean +- t_{0.975, n-1} s / sqrt(n) of the finite
 *    values (n = 1: the interval is [x, x]); a verdict counts when it holds in a strict
 *    majority of the seeds that have a value (2 of 3, 3 of 4, ...).
 * No state; thread-safe. */
#ifndef FS_VERDICT_H
#define FS_VERDICT_H

#include <stdint.h>

#define VERDICT_STRONG_TPR 0.6
#define VERDICT_FPR_MAX 0.2

void verdict_wilson(double k, double n, double *lo, double *hi);
double verdict_p95(const double *v, int n, double *scratch /* n */);
double verdict_mean(const double *v, int n); /* of the finite values; NaN when none */
double verdict_pvalue(double x, const double *ctl, int n);
int verdict_paper(double tpr, double t);                  /* TPR > t */
int verdict_strong(double tpr);                           /* TPR >= 0.6 */
int verdict_specific(double tpr, double fpr, double p95, double t, double fpr_max);
/* Mean and 95 % t-interval over n seed values (non-finite ones skipped); returns how many
 * were used. */
int verdict_seed_summary(const double *v, int n, double *mean, double *lo, double *hi);
/* 1 when flags (n; values other than 0/1 mean "no value") hold in a strict majority of the
 * seeds with a value. */
int verdict_majority(const uint8_t *flags, int n);

#endif
