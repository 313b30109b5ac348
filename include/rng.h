/* rng.h: explicit-state random numbers (no globals). xoshiro256** seeded through splitmix64.
 * Streams are derived from (seed, task id, purpose) so randomness follows the task, never the
 * rank or the order in which tasks run (STYLE 3.14). Uniforms are (next >> 11) * 2^-53, normals
 * come from Box-Muller with both outputs used (PAPER.md 3.2). Not thread-safe per state. */
#ifndef FS_RNG_H
#define FS_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
    double spare;   /* second Box-Muller output */
    int has_spare;
} Rng;

/* Purposes: each gets an independent stream. Append only (changing values changes results). */
typedef enum {
    RNG_STREAM_INIT = 1,    /* weight initialisation */
    RNG_STREAM_SHUFFLE = 2, /* epoch order, train/val split */
    RNG_STREAM_AUGMENT = 3, /* augmentation draws */
    RNG_STREAM_DROPOUT = 4,
    RNG_STREAM_DATA = 5,    /* synthetic data, subsets */
    RNG_STREAM_SEARCH = 6,  /* HFSS candidates */
    RNG_STREAM_OOD = 7,     /* corruption noise */
    RNG_STREAM_TEST = 99
} RngStream;

uint64_t rng_splitmix64(uint64_t *x);
/* Seed from an arbitrary list of 64-bit words: splitmix64 folded over them. */
void rng_seed_words(Rng *r, const uint64_t *words, int n);
void rng_seed(Rng *r, uint64_t seed);
Rng rng_derive(uint64_t seed, uint64_t task_id, uint64_t stream);
uint64_t rng_next(Rng *r);
double rng_uniform(Rng *r);                 /* [0, 1) */
double rng_uniform_range(Rng *r, double a, double b);
double rng_normal(Rng *r);                  /* standard normal */
uint64_t rng_below(Rng *r, uint64_t n);     /* uniform integer in [0, n), unbiased */
void rng_shuffle_int(Rng *r, int *a, int n); /* Fisher-Yates */
/* Gamma(alpha, 1) and Dirichlet / Beta draws (AugMix). */
double rng_gamma(Rng *r, double alpha);
double rng_beta(Rng *r, double a, double b);
void rng_dirichlet(Rng *r, double alpha, int k, double *out);

#endif
