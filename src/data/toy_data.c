/* toy_data.c: see toy_data.h. */
#include "toy_data.h"

#include "rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int toy_spec_matches(const char *spec) { return !strncmp(spec, "toy:", 4); }

FsStatus toy_dataset_make(const char *spec, Dataset *out)
{
    memset(out, 0, sizeof *out);
    if (!toy_spec_matches(spec))
        return fs_errorf(FS_ERR_CONFIG, "data spec '%s': expected toy:K[:n=N][:size=S][:c=C][:seed=X]", spec);
    char buf[256];
    fs_snprintf(buf, sizeof buf, "%s", spec + 4);
    int k = 0, n = -1, size = 16, c = 3;
    long seed = 1;
    char *save = NULL;
    FsStatus st = FS_OK;
    for (char *tok = strtok_r(buf, ":", &save); tok && st == FS_OK; tok = strtok_r(NULL, ":", &save)) {
        if (k == 0) {
            st = fs_parse_int(tok, 2, 1000, "toy: K (classes)", &k);
        } else if (!strncmp(tok, "n=", 2)) {
            st = fs_parse_int(tok + 2, 1, 10000000, "toy: n", &n);
        } else if (!strncmp(tok, "size=", 5)) {
            st = fs_parse_int(tok + 5, 4, 1024, "toy: size", &size);
        } else if (!strncmp(tok, "c=", 2)) {
            st = fs_parse_int(tok + 2, 1, 3, "toy: c", &c);
            if (st == FS_OK && c == 2) st = fs_errorf(FS_ERR_CONFIG, "toy: c: '2' is not 1 or 3");
        } else if (!strncmp(tok, "seed=", 5)) {
            st = fs_parse_long(tok + 5, 0, 0x7fffffffL, "toy: seed", &seed);
        } else {
            st = fs_errorf(FS_ERR_CONFIG, "data spec '%s': field '%s' is not n=, size=, c= or seed=", spec, tok);
        }
    }
    if (st != FS_OK) return st;
    if (k == 0) return fs_errorf(FS_ERR_CONFIG, "data spec '%s': missing K (classes)", spec);
    if (n < 0) n = 64 * k;
    const size_t s = (size_t)c * size * size;
    fs_snprintf(out->name, sizeof out->name, "%s", spec);
    out->n = n;
    out->c = c;
    out->h = size;
    out->w = size;
    out->k = k;
    out->x = xmalloc(fs_mul_size((size_t)n, s * sizeof(float), "toy images"));
    out->y = xmalloc((size_t)n * sizeof(int32_t));
    Rng r = rng_derive((uint64_t)seed, 0, RNG_STREAM_DATA);
    const double cycles = 3.0;
    for (int i = 0; i < n; i++) {
        int y = i % k;
        out->y[i] = y;
        double th = M_PI * y / k, fx = cycles * cos(th) / size, fy = cycles * sin(th) / size;
        double ph = rng_uniform_range(&r, 0, 2 * M_PI);
        float *img = out->x + (size_t)i * s;
        for (int ch = 0; ch < c; ch++)
            for (int py = 0; py < size; py++)
                for (int px = 0; px < size; px++) {
                    double v = 0.5 + 0.2 * cos(2 * M_PI * (fx * px + fy * py) + ph) +
                               rng_uniform_range(&r, -0.15, 0.15);
                    img[((size_t)ch * size + py) * size + px] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
                }
    }
    for (int ch = 0; ch < c; ch++) {
        double sum = 0, ss = 0, cnt = (double)n * size * size;
        for (int i = 0; i < n; i++) {
            const float *p = out->x + (size_t)i * s + (size_t)ch * size * size;
            for (int q = 0; q < size * size; q++) sum += (double)p[q];
        }
        double mu = sum / cnt;
        for (int i = 0; i < n; i++) {
            const float *p = out->x + (size_t)i * s + (size_t)ch * size * size;
            for (int q = 0; q < size * size; q++) ss += ((double)p[q] - mu) * ((double)p[q] - mu);
        }
        out->mean[ch] = (float)mu;
        out->std[ch] = (float)sqrt(ss / cnt);
    }
    return FS_OK;
}
