/* test_adcs.c: ADCS against a brute-force reference (O(N^4) DFT), its ranges and tie rules, the
 * synthetic ground truth (ADCS_c = +3 on S_c), independence of how the images are split, and a
 * set missing one class (skipped in the comparison, warned about). */
#include "adcs.h"
#include "data.h"
#include "harness.h"
#include "log.h"
#include "spectral.h"
#include "util.h"

#include <stdlib.h>

static void test_syn_ground_truth(void)
{
    for (int band = 1; band <= 4; band++) {
        SynParams p;
        syn_default_params(&p, 1);
        p.n_per_class = 24;
        Dataset d;
        EXPECT(syn_generate(&p, band, 1, &d) == FS_OK);
        SynSets s;
        EXPECT(syn_make_sets(&p, band, &s) == FS_OK);
        size_t per = 3 * 32 * 32;
        double *sum = xcalloc(4 * per, sizeof *sum), *map = xmalloc(4 * 1024 * sizeof *map);
        int64_t cnt[4] = {0};
        EXPECT(adcs_compute(&d, 0, d.n, sum, cnt) == FS_OK);
        EXPECT(cnt[0] == 24 && cnt[3] == 24);
        adcs_finish(sum, cnt, 4, 3, 32, 32, ADCS_PAPER, NULL, map);
        for (int c = 0; c < 4; c++) {
            int top = 0, tot = 0;
            for (int q = 0; q < s.n_s[c]; q++) {
                int i = s.s[c][q] / 32, j = s.s[c][q] % 32, pi, pj;
                spectral_partner(i, j, 32, 32, &pi, &pj);
                top += map[c * 1024 + i * 32 + j] == 3.0;
                top += map[c * 1024 + pi * 32 + pj] == 3.0;
                tot += 2;
            }
            EXPECT_MSG(top >= 0.9 * tot, "Syn_B%d class %d: ADCS = +3 on %d of %d S_c bins", band, c, top, tot);
        }
        free(sum), free(map);
        syn_sets_free(&s);
        dataset_free(&d);
    }
}

/* Brute force: |DFT| by the O(N^4) reference, class means, then both ADCS variants. */
static void test_matches_bruteforce(void)
{
    Dataset d;
    EXPECT(dataset_load("syn:b2:test?n_per_class=3&size=8&mean=0.4,0.5,0.6&std=0.2,0.25,0.3", &d) == FS_OK);
    int k = d.k, c = d.c, h = d.h, w = d.w;
    size_t per = (size_t)c * h * w, hw = (size_t)h * w;
    double *sum = xcalloc((size_t)k * per, sizeof *sum), *ref = xcalloc((size_t)k * per, sizeof *ref);
    int64_t cnt[4] = {0}, rc[4] = {0};
    EXPECT(adcs_compute(&d, 0, d.n, sum, cnt) == FS_OK);
    float *x = xmalloc(per * sizeof *x);
    double *re = xmalloc(per * sizeof *re), *im = xmalloc(per * sizeof *im);
    for (int i = 0; i < d.n; i++) {
        for (int ch = 0; ch < c; ch++)
            for (size_t q = 0; q < hw; q++)
                x[ch * hw + q] = (d.x[(size_t)i * per + ch * hw + q] - d.mean[ch]) / d.std[ch];
        spectral_spectrum_ref(c, h, w, x, re, im);
        for (size_t q = 0; q < per; q++) ref[(size_t)d.y[i] * per + q] += hypot(re[q], im[q]);
        rc[d.y[i]]++;
    }
    double e = 0, mx = 0;
    for (size_t q = 0; q < (size_t)k * per; q++) e = fmax(e, fabs(sum[q] - ref[q])), mx = fmax(mx, ref[q]);
    EXPECT_MSG(e < 1e-4 * mx, "sums differ by %g (max %g)", e, mx);
    for (int v = 0; v < 2; v++) {
        double *m1 = xmalloc((size_t)k * hw * sizeof *m1), *m2 = xmalloc((size_t)k * hw * sizeof *m2);
        adcs_finish(sum, cnt, k, c, h, w, (AdcsVariant)v, NULL, m1);
        /* reference by hand */
        static const double lum[3] = {0.2989, 0.5870, 0.1140};
        for (int a = 0; a < k; a++)
            for (size_t q = 0; q < hw; q++) {
                double acc = 0;
                if (v == ADCS_PAPER) {
                    for (int ch = 0; ch < c; ch++)
                        for (int b = 0; b < k; b++) {
                            if (b == a) continue;
                            double dd = ref[(size_t)a * per + ch * hw + q] / rc[a] - ref[(size_t)b * per + ch * hw + q] / rc[b];
                            acc += (dd > 0) - (dd < 0);
                        }
                    acc /= c;
                } else {
                    for (int b = 0; b < k; b++) {
                        double dd = 0;
                        for (int ch = 0; ch < c; ch++) dd += lum[ch] * (ref[(size_t)a * per + ch * hw + q] - ref[(size_t)b * per + ch * hw + q]);
                        acc += dd > 0 ? 1 : -1;
                    }
                }
                m2[(size_t)a * hw + q] = acc;
            }
        int same = 0;
        for (size_t q = 0; q < (size_t)k * hw; q++) same += m1[q] == m2[q];
        EXPECT_MSG(same == (int)((size_t)k * hw), "variant %d: %d of %d bins agree", v, same, (int)((size_t)k * hw));
        double lo = 1e9, hi = -1e9;
        for (size_t q = 0; q < (size_t)k * hw; q++) lo = fmin(lo, m1[q]), hi = fmax(hi, m1[q]);
        if (v == ADCS_PAPER) EXPECT(lo >= 1 - k && hi <= k - 1);
        else EXPECT(lo >= -k && hi <= k - 2);
        free(m1), free(m2);
    }
    free(sum), free(ref), free(x), free(re), free(im);
    dataset_free(&d);
}

/* Two classes with identical images: paper ADCS 0 (sign(0) = 0), reference -2 = -K everywhere. */
static void test_ties(void)
{
    Dataset d;
    EXPECT(dataset_load("syn:b1:test?n_per_class=2&size=8", &d) == FS_OK);
    size_t per = (size_t)d.c * 64;
    d.k = 2;
    memcpy(d.x + 2 * per, d.x, 2 * per * sizeof *d.x);
    d.n = 4;
    d.y[0] = d.y[1] = 0;
    d.y[2] = d.y[3] = 1;
    double *sum = xcalloc(2 * per, sizeof *sum), *map = xmalloc(2 * 64 * sizeof *map);
    int64_t cnt[2] = {0};
    EXPECT(adcs_compute(&d, 0, 4, sum, cnt) == FS_OK);
    adcs_finish(sum, cnt, 2, d.c, 8, 8, ADCS_PAPER, NULL, map);
    for (int q = 0; q < 128; q++) EXPECT(map[q] == 0.0);
    adcs_finish(sum, cnt, 2, d.c, 8, 8, ADCS_REFERENCE, NULL, map);
    for (int q = 0; q < 128; q++) EXPECT(map[q] == -2.0);
    EXPECT(adcs_compute(&d, 3, 4, sum, cnt) == FS_ERR_CONFIG);
    d.k = 4;
    free(sum), free(map);
    dataset_free(&d);
}

/* Any split of the images gives the same sums to 1e-12 relative and identical maps. */
static void test_split_independence(void)
{
    Dataset d;
    EXPECT(dataset_load("syn:b3:test?n_per_class=10", &d) == FS_OK);
    size_t per = 3 * 1024, tot = 4 * per;
    double *a = xcalloc(tot, sizeof *a), *b = xcalloc(tot, sizeof *b), *part = xmalloc(tot * sizeof *part);
    int64_t ca[4] = {0}, cb[4] = {0};
    EXPECT(adcs_compute(&d, 0, d.n, a, ca) == FS_OK);
    int cuts[] = {0, 7, 8, 23, 31, 40};
    for (int s = 0; s + 1 < (int)FS_ARRAY_LEN(cuts); s++) {
        memset(part, 0, tot * sizeof *part);
        EXPECT(adcs_compute(&d, cuts[s], cuts[s + 1] - cuts[s], part, cb) == FS_OK);
        for (size_t q = 0; q < tot; q++) b[q] += part[q];
    }
    double e = 0;
    for (size_t q = 0; q < tot; q++) e = fmax(e, fabs(a[q] - b[q]) / fmax(fabs(a[q]), 1e-300));
    EXPECT_MSG(e < 1e-12, "relative difference %g", e);
    for (int c = 0; c < 4; c++) EXPECT(ca[c] == cb[c]);
    double *ma = xmalloc(4 * 1024 * sizeof *ma), *mb = xmalloc(4 * 1024 * sizeof *mb);
    adcs_finish(a, ca, 4, 3, 32, 32, ADCS_PAPER, NULL, ma);
    adcs_finish(b, cb, 4, 3, 32, 32, ADCS_PAPER, NULL, mb);
    EXPECT(!memcmp(ma, mb, 4 * 1024 * sizeof *ma));
    free(a), free(b), free(part), free(ma), free(mb);
    dataset_free(&d);
}

/* A data set missing class 2: the present classes' maps equal those of the same images
 * relabelled as a 3-class set (class 2 left out of every comparison, not counted as a spectrum
 * of zeros, which would add +1 everywhere); class 2's own map and E are NaN; a warning names it. */
static int warned_class2;
static void warn_sink(LogLevel lvl, const char *line, void *user)
{
    (void)user;
    if (lvl == LOG_LVL_WARN && strstr(line, "class 2 (C2)") && strstr(line, "no images")) warned_class2++;
}

static void test_missing_class(void)
{
    Dataset d, sub;
    EXPECT(dataset_load("syn:b3:test?n_per_class=6&size=16", &d) == FS_OK);
    int idx[24], n = 0;
    for (int i = 0; i < d.n; i++)
        if (d.y[i] != 2) idx[n++] = i;
    EXPECT(dataset_subset(&d, idx, n, &sub) == FS_OK);
    EXPECT_EQ_INT(sub.k, 4);
    size_t per = (size_t)sub.c * 256, hw = 256;
    double *sum = xcalloc(4 * per, sizeof *sum), *E = xmalloc(4 * per * sizeof *E);
    double *m4 = xmalloc(4 * hw * sizeof *m4), *m3 = xmalloc(3 * hw * sizeof *m3);
    int64_t cnt[4] = {0};
    EXPECT(adcs_compute(&sub, 0, sub.n, sum, cnt) == FS_OK);
    EXPECT(cnt[2] == 0 && cnt[3] == 6);
    /* the 3-class relabelling: classes 0, 1, 3 -> 0, 1, 2 */
    double *sum3 = xmalloc(3 * per * sizeof *sum3);
    int64_t cnt3[3] = {cnt[0], cnt[1], cnt[3]};
    memcpy(sum3, sum, 2 * per * sizeof *sum);
    memcpy(sum3 + 2 * per, sum + 3 * per, per * sizeof *sum);
    for (int v = 0; v < 2; v++) {
        AdcsVariant var = v ? ADCS_REFERENCE : ADCS_PAPER;
        EXPECT_EQ_INT(adcs_finish(sum, cnt, 4, sub.c, 16, 16, var, E, m4), 1);
        EXPECT_EQ_INT(adcs_finish(sum3, cnt3, 3, sub.c, 16, 16, var, NULL, m3), 0);
        int same = 1, nan2 = 1, nonzero = 0;
        for (size_t q = 0; q < hw; q++) {
            same &= m4[q] == m3[q] && m4[hw + q] == m3[hw + q] && m4[3 * hw + q] == m3[2 * hw + q];
            nan2 &= isnan(m4[2 * hw + q]);
            nonzero += m4[q] != 0.0;
        }
        for (size_t q = 0; q < per; q++) nan2 &= isnan(E[2 * per + q]);
        EXPECT_MSG(same && nan2 && nonzero > 0, "variant %d: same %d, class-2 NaN %d", v, same, nan2);
    }
    log_set_sink(warn_sink, NULL);
    char n0[] = "C0", n1[] = "C1", n2[] = "C2", n3[] = "C3";
    char *names[4] = {n0, n1, n2, n3};
    EXPECT_EQ_INT(adcs_warn_absent(cnt, 4, names, sub.name), 1);
    log_set_sink(NULL, NULL);
    EXPECT_EQ_INT(warned_class2, 1);
    free(sum), free(E), free(m4), free(m3), free(sum3);
    dataset_free(&sub);
    dataset_free(&d);
}

TEST_MAIN({"syn_ground_truth", test_syn_ground_truth}, {"matches_bruteforce", test_matches_bruteforce},
          {"ties", test_ties}, {"split_independence", test_split_independence},
          {"missing_class", test_missing_class})
