/* rng.c: see rng.h. */
#include "rng.h"

#include <math.h>

uint64_t rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void rng_seed_words(Rng *r, const uint64_t *words, int n)
{
    uint64_t x = 0x6A09E667F3BCC908ULL;
    for (int i = 0; i < n; i++) {
        x ^= words[i];
        x = rng_splitmix64(&x);
    }
    for (int i = 0; i < 4; i++) r->s[i] = rng_splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
    r->has_spare = 0;
    r->spare = 0;
}

void rng_seed(Rng *r, uint64_t seed) { rng_seed_words(r, &seed, 1); }

Rng rng_derive(uint64_t seed, uint64_t task_id, uint64_t stream)
{
    Rng r;
    uint64_t w[3] = {seed, task_id, stream};
    rng_seed_words(&r, w, 3);
    return r;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(Rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
double rng_uniform_range(Rng *r, double a, double b) { return a + (b - a) * rng_uniform(r); }

double rng_normal(Rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    double m = sqrt(-2.0 * log(u1));
    r->spare = m * sin(2.0 * M_PI * u2);
    r->has_spare = 1;
    return m * cos(2.0 * M_PI * u2);
}

uint64_t rng_below(Rng *r, uint64_t n)
{
    if (n <= 1) return 0;
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = rng_next(r);
    while (x >= lim);
    return x % n;
}

void rng_shuffle_int(Rng *r, int *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint64_t)i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* Marsaglia-Tsang; alpha < 1 via the boost u^(1/alpha). */
double rng_gamma(Rng *r, double alpha)
{
    if (alpha < 1.0) {
        double u = rng_uniform(r);
        return rng_gamma(r, alpha + 1.0) * pow(u > 0 ? u : 1e-300, 1.0 / alpha);
    }
    double d = alpha - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0);
        v = v * v * v;
        double u = rng_uniform(r);
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (log(u > 0 ? u : 1e-300) < 0.5 * x * x + d * (1.0 - v + log(v))) return d * v;
    }
}

double rng_beta(Rng *r, double a, double b)
{
    double x = rng_gamma(r, a), y = rng_gamma(r, b);
    return x / (x + y);
}

void rng_dirichlet(Rng *r, double alpha, int k, double *out)
{
    double s = 0;
    for (int i = 0; i < k; i++) s += (out[i] = rng_gamma(r, alpha));
    for (int i = 0; i < k; i++) out[i] /= s;
}
