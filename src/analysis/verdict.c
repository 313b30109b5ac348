/* verdict.c: see verdict.h. */
#include "verdict.h"

#include <math.h>
#include <stdlib.h>

#define WILSON_Z 1.959963984540054

void verdict_wilson(double k, double n, double *lo, double *hi)
{
    if (!(n > 0) || !(k >= 0) || k > n) {
        *lo = *hi = (double)NAN;
        return;
    }
    double p = k / n, z2 = WILSON_Z * WILSON_Z, den = 1.0 + z2 / n;
    double mid = (p + z2 / (2.0 * n)) / den;
    double half = WILSON_Z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / den;
    *lo = fmax(0.0, mid - half);
    *hi = fmin(1.0, mid + half);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double verdict_p95(const double *v, int n, double *scratch)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]))
            scratch[m++] = v[i];
    if (m == 0)
        return (double)NAN;
    qsort(scratch, (size_t)m, sizeof *scratch, cmp_double);
    int r = (int)ceil(0.95 * m); /* nearest rank, 1-based */
    if (r < 1)
        r = 1;
    return scratch[r - 1];
}

double verdict_mean(const double *v, int n)
{
    double s = 0.0;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            s += v[i];
            m++;
        }
    return m ? s / m : (double)NAN;
}

double verdict_pvalue(double x, const double *ctl, int n)
{
    if (isnan(x) || n <= 0)
        return (double)NAN;
    int ge = 0;
    for (int i = 0; i < n; i++)
        ge += ctl[i] >= x; /* NaN controls never count */
    return (1.0 + ge) / (n + 1.0);
}

int verdict_paper(double tpr, double t)
{
    return tpr > t;
}

int verdict_strong(double tpr)
{
    return tpr >= VERDICT_STRONG_TPR;
}

int verdict_specific(double tpr, double fpr, double p95, double t, double fpr_max)
{
    if (isnan(tpr) || isnan(fpr) || isnan(p95))
        return 0;
    return tpr > t && tpr > p95 && fpr <= fpr_max;
}

/* t_{0.975, df} for df = 1..30; beyond, the normal quantile is within 2 %. */
static double t975(int df)
{
    static const double t[30] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    return df <= 30 ? t[df - 1] : WILSON_Z;
}

int verdict_seed_summary(const double *v, int n, double *mean, double *lo, double *hi)
{
    int m = 0;
    double s = 0.0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            s += v[i];
            m++;
        }
    if (m == 0) {
        *mean = *lo = *hi = (double)NAN;
        return 0;
    }
    double mu = s / m, ss = 0.0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            ss += (v[i] - mu) * (v[i] - mu);
    double half = m > 1 ? t975(m - 1) * sqrt(ss / (m - 1)) / sqrt((double)m) : 0.0;
    *mean = mu;
    *lo = mu - half;
    *hi = mu + half;
    return m;
}

int verdict_majority(const uint8_t *flags, int n)
{
    int yes = 0, m = 0;
    for (int i = 0; i < n; i++)
        if (flags[i] <= 1) {
            yes += flags[i];
            m++;
        }
    return m > 0 && 2 * yes > m;
}
