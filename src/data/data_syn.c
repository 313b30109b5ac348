/* data_syn.c: the synthetic Syn_B1..B4 generator of PAPER.md 3.2, bit-exact per build.
 *
 * Pairs: a conjugate pair {f, -f} (DC and the three Nyquist self-conjugate bins excluded) is
 * represented by its member with psi = atan2(f_y, f_x) in [0, 180). On the Nyquist row
 * f_y = -N/2, which aliases to +N/2, both members qualify; the one with f_x > 0 (the smaller
 * psi) represents the pair, and psi is computed with f_y = +N/2. Canonical order: (rho, psi).
 * The signature sum of cosines is synthesised exactly by an inverse FFT of a spectrum holding
 * N^2 a_f e^{i phi_f} at the representative bin (its real part is a_f cos(2 pi f.x/N + phi_f)). */
#include "data.h"
#include "rng.h"
#include "spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void syn_default_params(SynParams *p, int split)
{
    memset(p, 0, sizeof *p);
    p->n = 32;
    p->k = 4;
    p->nbands = 4;
    p->beta = 1.0;
    p->kappa[0] = 1.0;
    p->kappa[1] = 1.0;
    p->kappa[2] = 0.6;
    p->kappa[3] = 3.0;
    p->kappa_echo = 0.5;
    p->wedge_lo = 75.0;
    p->wedge_hi = 105.0;
    p->jitter = 0.25;
    p->colour_lo = 0.2;
    p->target_mean = 0.5;
    p->target_std = 0.17;
    p->n_per_class = split == 0 ? 2000 : 400;
    p->seed = 0;
}

typedef struct {
    int idx;        /* centred index i*N + j of the representative */
    double rho, psi;
} SynPair;

static int cmp_pair(const void *a, const void *b)
{
    const SynPair *x = a, *y = b;
    if (x->rho != y->rho) return x->rho < y->rho ? -1 : 1;
    if (x->psi != y->psi) return x->psi < y->psi ? -1 : 1;
    return x->idx - y->idx;
}

static double syn_amp(int i, int j, int n, double beta)
{
    double r = spectral_radius(i, j, n, n);
    return r == 0 ? 0.0 : pow(r, -beta);
}

static FsStatus syn_check(const SynParams *p, int band)
{
    if (p->n < 8 || p->n % 2 || p->n > 1024)
        return fs_errorf(FS_ERR_CONFIG, "syn: side %d: expected an even size in 8..1024", p->n);
    if (p->k != 4) return fs_errorf(FS_ERR_CONFIG, "syn: k=%d: the design has exactly 4 classes", p->k);
    if (p->nbands < 2 || p->nbands > SYN_MAX_BANDS)
        return fs_errorf(FS_ERR_CONFIG, "syn: %d bands: expected 2..%d", p->nbands, SYN_MAX_BANDS);
    if (band < 1 || band > p->nbands)
        return fs_errorf(FS_ERR_CONFIG, "syn: band %d: expected 1..%d", band, p->nbands);
    if (p->n_per_class < 1) return fs_errorf(FS_ERR_CONFIG, "syn: n_per_class must be >= 1");
    return FS_OK;
}

void syn_sets_free(SynSets *s)
{
    for (int k = 0; k < SYN_MAX_BANDS; k++) {
        free(s->pairs[k]);
        free(s->wedge[k]);
    }
    for (int c = 0; c < 4; c++) free(s->s[c]);
    memset(s, 0, sizeof *s);
}

FsStatus syn_make_sets(const SynParams *p, int band, SynSets *out)
{
    memset(out, 0, sizeof *out);
    FsStatus st = syn_check(p, band);
    if (st) return st;
    int n = p->n, nb = p->nbands, b = band - 1;
    double edges[SYN_MAX_BANDS + 1];
    spectral_band_edges(n, n, nb, edges);
    out->band = band;
    /* in-band background RMS */
    double tot = 0, inb[SYN_MAX_BANDS] = {0};
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double a = syn_amp(i, j, n, p->beta);
            int k = spectral_band_of(i, j, n, n, edges, nb);
            tot += a * a;
            if (k >= 0) inb[k] += a * a;
        }
    for (int k = 0; k < nb; k++) out->sigma[k] = sqrt(inb[k] / tot);
    /* pairs per band */
    SynPair *all = xmalloc((size_t)n * (size_t)n * sizeof *all);
    int cnt[SYN_MAX_BANDS] = {0}, na = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int pi, pj;
            spectral_partner(i, j, n, n, &pi, &pj);
            if (pi == i && pj == j) continue;
            int fy = i - n / 2, fx = j - n / 2;
            if (fy == -n / 2) {
                fy = n / 2;
                if (fx < 0) continue; /* the f_x > 0 member represents Nyquist-row pairs */
            } else if (!(fy > 0 || (fy == 0 && fx > 0))) {
                continue;
            }
            double psi = atan2((double)fy, (double)fx) * 180.0 / M_PI;
            all[na].idx = i * n + j;
            all[na].rho = spectral_radius(i, j, n, n);
            all[na].psi = psi;
            na++;
        }
    qsort(all, (size_t)na, sizeof *all, cmp_pair);
    for (int k = 0; k < nb; k++) {
        out->pairs[k] = xmalloc((size_t)na * sizeof(int));
        out->wedge[k] = xmalloc((size_t)na * sizeof(int));
    }
    int *r_list = xmalloc((size_t)na * sizeof *r_list);
    for (int c = 0; c < 4; c++) out->s[c] = xmalloc((size_t)(na > 0 ? na : 1) * sizeof(int));
    int nr = 0;
    for (int q = 0; q < na; q++) {
        int i = all[q].idx / n, j = all[q].idx % n;
        int k = spectral_band_of(i, j, n, n, edges, nb);
        if (k < 0) continue;
        out->pairs[k][out->n_pairs[k]++] = all[q].idx;
        cnt[k]++;
        int in_wedge = all[q].psi >= p->wedge_lo && all[q].psi <= p->wedge_hi;
        if (in_wedge) out->wedge[k][out->n_wedge[k]++] = all[q].idx;
        if (k != b) continue;
        int fy = i - n / 2, fx = j - n / 2;
        if (fy == fx && fy >= 1) out->s[0][out->n_s[0]++] = all[q].idx;
        else if (in_wedge) out->s[2][out->n_s[2]++] = all[q].idx;
        else r_list[nr++] = all[q].idx;
    }
    /* S_1: partial Fisher-Yates over R_b with the stream (seed, b, split 2, n 0) */
    Rng r;
    uint64_t words[4] = {p->seed, (uint64_t)band, 2, 0};
    rng_seed_words(&r, words, 4);
    int m = (nr + 2) / 3;
    int *perm = xmalloc((size_t)(nr > 0 ? nr : 1) * sizeof *perm);
    for (int q = 0; q < nr; q++) perm[q] = q;
    for (int q = 0; q < m; q++) {
        int t = q + (int)rng_below(&r, (uint64_t)(nr - q)), tmp = perm[q];
        perm[q] = perm[t];
        perm[t] = tmp;
    }
    char *in1 = xcalloc((size_t)(nr > 0 ? nr : 1), 1);
    for (int q = 0; q < m; q++) in1[perm[q]] = 1;
    for (int q = 0; q < nr; q++) { /* both in canonical order */
        if (in1[q]) out->s[1][out->n_s[1]++] = r_list[q];
        else out->s[3][out->n_s[3]++] = r_list[q];
    }
    free(in1);
    free(perm);
    free(r_list);
    free(all);
    return FS_OK;
}

/* Add a cosine of amplitude a and phase phi at representative bin idx to the spectrum. */
static void syn_add(double *re, double *im, int idx, int n, double a, double phi)
{
    double s = (double)n * (double)n * a;
    re[idx] += s * cos(phi);
    im[idx] += s * sin(phi);
}

FsStatus syn_generate(const SynParams *p, int band, int split, Dataset *out)
{
    memset(out, 0, sizeof *out);
    SynSets S;
    FsStatus st = syn_make_sets(p, band, &S);
    if (st) return st;
    int n = p->n, b = band - 1, npc = p->n_per_class, total = 4 * npc;
    size_t nn = (size_t)n * (size_t)n;
    SpectralPlan *sp = spectral_plan_create(1, n, n, SPECTRAL_ESTIMATE);
    if (!sp) {
        syn_sets_free(&S);
        return FS_ERR_LIB;
    }
    double *A = xmalloc(nn * sizeof *A), *w = xmalloc(nn * sizeof *w), *g = xmalloc(nn * sizeof *g);
    double *re = xmalloc(nn * sizeof *re), *im = xmalloc(nn * sizeof *im), *s = xmalloc(nn * sizeof *s);
    double *x = xmalloc(3 * nn * sizeof *x);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) A[i * n + j] = syn_amp(i, j, n, p->beta);
    dataset_alloc(out, total, 3, n, n, 4);
    const double two_pi = 2.0 * M_PI, jl = 1.0 - p->jitter, jh = 1.0 + p->jitter;
    for (int img = 0; img < total; img++) {
        int c = img / npc;
        Rng r;
        uint64_t words[4] = {p->seed, (uint64_t)band, (uint64_t)split, (uint64_t)img};
        rng_seed_words(&r, words, 4);
        /* 1. background */
        for (size_t q = 0; q < nn; q++) w[q] = rng_normal(&r);
        spectral_filter_dmask(sp, A, w, g);
        double mean = 0, var = 0;
        for (size_t q = 0; q < nn; q++) mean += g[q];
        mean /= (double)nn;
        for (size_t q = 0; q < nn; q++) var += (g[q] - mean) * (g[q] - mean);
        double sd = sqrt(var / (double)nn);
        for (size_t q = 0; q < nn; q++) g[q] = (g[q] - mean) / (sd > 0 ? sd : 1.0);
        /* colours */
        double u[3], v[3];
        for (int ch = 0; ch < 3; ch++) u[ch] = rng_uniform_range(&r, p->colour_lo, 1.0);
        for (int ch = 0; ch < 3; ch++) v[ch] = rng_uniform_range(&r, p->colour_lo, 1.0);
        /* 3. signature */
        memset(re, 0, nn * sizeof *re);
        memset(im, 0, nn * sizeof *im);
        if (c == 0) {
            double theta = rng_uniform_range(&r, 0.0, two_pi), rr = rng_uniform_range(&r, jl, jh);
            double a = S.n_s[0] ? p->kappa[0] * S.sigma[b] * sqrt(2.0 / S.n_s[0]) * rr : 0;
            for (int q = 0; q < S.n_s[0]; q++) {
                int d = S.s[0][q] / n - n / 2;
                syn_add(re, im, S.s[0][q], n, a, d * theta);
            }
        } else {
            double base = S.n_s[c] ? p->kappa[c] * S.sigma[b] * sqrt(2.0 / S.n_s[c]) : 0;
            for (int q = 0; q < S.n_s[c]; q++) {
                double rf = rng_uniform_range(&r, jl, jh), phi = rng_uniform_range(&r, 0.0, two_pi);
                syn_add(re, im, S.s[c][q], n, base * rf, phi);
            }
            if (c == 2)
                for (int k = 0; k < p->nbands; k++) {
                    if (k == b || S.n_wedge[k] == 0) continue;
                    double be = p->kappa_echo * S.sigma[k] * sqrt(2.0 / S.n_wedge[k]);
                    for (int q = 0; q < S.n_wedge[k]; q++) {
                        double rf = rng_uniform_range(&r, jl, jh), phi = rng_uniform_range(&r, 0.0, two_pi);
                        syn_add(re, im, S.wedge[k][q], n, be * rf, phi);
                    }
                }
        }
        spectral_inverse(sp, re, im, s);
        /* 4. colour, 5. standardise and quantise */
        double m2 = 0, v2 = 0;
        for (int ch = 0; ch < 3; ch++)
            for (size_t q = 0; q < nn; q++) {
                double val = u[ch] * g[q] + v[ch] * s[q];
                x[(size_t)ch * nn + q] = val;
                m2 += val;
            }
        m2 /= 3.0 * (double)nn;
        for (size_t q = 0; q < 3 * nn; q++) v2 += (x[q] - m2) * (x[q] - m2);
        double sd2 = sqrt(v2 / (3.0 * (double)nn));
        float *dst = out->x + (size_t)img * 3 * nn;
        for (size_t q = 0; q < 3 * nn; q++) {
            double val = p->target_mean + p->target_std * (x[q] - m2) / (sd2 > 0 ? sd2 : 1.0);
            if (val < 0) val = 0;
            if (val > 1) val = 1;
            dst[q] = (float)floor(255.0 * val + 0.5) / 255.0f;
        }
        out->y[img] = c;
    }
    static const float mean[3] = {0.498f, 0.498f, 0.498f}, sd[3] = {0.172f, 0.173042f, 0.173f};
    memcpy(out->mean, mean, sizeof mean);
    memcpy(out->std, sd, sizeof sd);
    static const char *const names[4] = {"C0", "C1", "C2", "C3"};
    out->class_names = dataset_copy_names(names, 4);
    fs_snprintf(out->name, sizeof out->name, "syn:b%d:%s", band, split == 0 ? "train" : "test");
    free(A), free(w), free(g), free(re), free(im), free(s), free(x);
    spectral_plan_destroy(sp);
    syn_sets_free(&S);
    return FS_OK;
}
