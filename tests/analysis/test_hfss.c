/* test_hfss.c: HFSS (PAPER.md 9) on a planted cue: the search keeps the planted pair, masks
 * are exactly conjugate-symmetric by default, runs are deterministic, the kept fraction of the
 * final maps follows keep^S (random parents). */
#include "harness.h"
#include "dfm.h"
#include "hfss.h"
#include "fixtures_freq.h"

static void test_defaults(void)
{
    HfssOptions o;
    EXPECT(hfss_options_default(&o, 32) == FS_OK);
    EXPECT_EQ_INT(o.n_stages, 4);
    EXPECT_EQ_INT(o.block[3], 1);
    EXPECT_EQ_INT(o.budget[3], 8000);
    EXPECT(hfss_check(&o, 32, 32) == FS_OK);
    EXPECT(hfss_options_default(&o, 224) == FS_OK);
    EXPECT_EQ_INT(o.block[5], 2);
    EXPECT(hfss_check(&o, 224, 224) == FS_OK);
    EXPECT(hfss_options_default(&o, 28) == FS_OK);
    EXPECT(hfss_check(&o, 28, 28) == FS_OK);
    EXPECT(hfss_options_default(&o, 20) == FS_ERR_CONFIG);
}

static void small_opts(HfssOptions *o)
{
    memset(o, 0, sizeof *o);
    o->n_stages = 3;
    o->block[0] = 4;
    o->block[1] = 2;
    o->block[2] = 1;
    o->budget[0] = o->budget[1] = o->budget[2] = 48;
    o->keep = 0.6;
    o->top = 10;
    o->seed = 42;
}

static void test_candidates(void)
{
    HfssOptions o;
    small_opts(&o);
    int n = 16;
    float *m = malloc((size_t)48 * 256 * sizeof *m);
    hfss_stage_candidates(&o, 0, n, 3, NULL, 0, m);
    double frac = 0.0;
    for (int q = 0; q < 48; q++) {
        const float *c = m + q * 256;
        int sym = 1, bin = 1;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                sym &= c[i * n + j] == c[((n - i) % n) * n + (n - j) % n];
                bin &= c[i * n + j] == 0.0f || c[i * n + j] == 1.0f;
                frac += (double)c[i * n + j];
            }
        EXPECT(sym && bin);
    }
    frac /= 48.0 * 256.0;
    EXPECT_MSG(frac > 0.45 && frac < 0.7, "kept fraction %g", frac);
    /* even candidate at stage 0: exactly floor(0.6 * 8) = 4 top cells of 4x4 before symmetry */
    o.symmetry = HFSS_SYM_REFLECT;
    hfss_stage_candidates(&o, 0, n, 3, NULL, 0, m);
    int top = 0;
    for (int i = 0; i < n / 2; i++)
        for (int j = 0; j < n; j++) top += m[i * n + j] > 0.0f;
    EXPECT_EQ_INT(top, 4 * 16);
    free(m);
}

/* Is a (n, n) binary mask exactly conjugate-symmetric, M(f) = M(-f)? */
static int conj_symmetric(const float *m, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (m[i * n + j] != m[((n - i) % n) * n + (n - j) % n]) return 0;
    return 1;
}

/* Chain the stages with random parents (each stage's first `top` candidates per class, which are
 * random draws: no scoring) and return the mean kept fraction of the final stage's maps. With
 * check != 0 every default candidate must be binary, conjugate-symmetric and inside one of the
 * parents it could have drawn. */
static double chained_fraction(const HfssOptions *o, int n, int k, int check)
{
    size_t nn = (size_t)n * n;
    int bmax = 0;
    for (int s = 0; s < o->n_stages; s++) bmax = o->budget[s] > bmax ? o->budget[s] : bmax;
    float *m = malloc((size_t)bmax * nn * sizeof *m), *par = malloc((size_t)k * o->top * nn * sizeof *par);
    int n_par = 0, bad = 0;
    for (int s = 0; s < o->n_stages; s++) {
        hfss_stage_candidates(o, s, n, k, par, n_par, m);
        for (int q = 0; q < o->budget[s] && check; q++) {
            const float *c = m + (size_t)q * nn;
            int ok = conj_symmetric(c, n), inside = s == 0;
            for (size_t i = 0; i < nn; i++) ok &= c[i] == 0.0f || c[i] == 1.0f;
            for (int p = 0; p < k * n_par && !inside; p++) {
                int sub = 1;
                for (size_t i = 0; i < nn && sub; i++) sub = c[i] <= par[(size_t)p * nn + i];
                inside = sub;
            }
            bad += !(ok && inside);
        }
        n_par = o->top < o->budget[s] / k ? o->top : o->budget[s] / k;
        for (int c = 0; c < k; c++)
            for (int q = 0; q < n_par; q++)
                memcpy(par + ((size_t)c * n_par + q) * nn, m + ((size_t)c * o->top + q) * nn,
                       nn * sizeof *m);
    }
    EXPECT_MSG(bad == 0, "%d candidates not binary, conjugate-symmetric and inside a parent", bad);
    int last = o->n_stages - 1;
    double frac = 0.0;
    for (size_t i = 0; i < (size_t)o->budget[last] * nn; i++) frac += (double)m[i];
    free(m);
    free(par);
    return frac / ((double)o->budget[last] * (double)nn);
}

/* Nominal kept fraction of one stage (PAPER.md 9): the mean over the kinds the stage draws of
 * floor(keep * count) / count (even, shifted) and 1 - (1 - e/2)(1 - s/2) for the union (even and
 * shifted at keep/2 each, overlapping as if independent). keep^S ignores both the rounding and
 * the union's overlap. */
static double nominal_stage(double keep, int n, int b)
{
    int g = n / b, ce = (g / 2) * g, cs = (g / 2 + 1) * (g + 1);
    double e = floor(keep * ce) / ce;
    if (b == 1) return e;
    double sh = floor(keep * cs) / cs, u = 1.0 - (1.0 - floor(keep / 2 * ce) / ce) *
                                                   (1.0 - floor(keep / 2 * cs) / cs);
    return (e + sh + u) / 3.0;
}

/* The default symmetrisation keeps about keep^S of the spectrum (PAPER.md 9: 0.6^4 = 13 % at
 * 32x32), not the ~34 % of the former "reflect, then max(M, M*)". Two checks per setting:
 *  - against keep^S: within [0.75, 1.1] keep^S. The lower slack is the algorithm's own: a third
 *    of the candidates at b > 1 are unions keeping ~1 - (1 - keep/2)^2 = 0.51 of the parent,
 *    and floor(keep * 8) / 8 = 0.5 at the 4x4 grid, so the expectation lies 10-20 % below keep^S;
 *    the upper bound rejects any dilation (the old 0.34 is 2.6 keep^4).
 *  - against the nominal product of nominal_stage: within 12 %, the size of what it leaves out
 *    (clipped border cells of the shifted grid, its half-cell overhang into the mirrored half,
 *    the DC row holding drawn bins and their partners, the Nyquist row never kept).
 * Sampling noise of the mean over 600 final maps of >= 784 bins: < 1 %. Seeds fixed. */
static void test_kept_fraction(void)
{
    static const struct { int n; double keep; } cfg[] = {{32, 0.6}, {28, 0.6}, {32, 0.8}};
    for (int t = 0; t < 3; t++) {
        HfssOptions o;
        EXPECT(hfss_options_default(&o, cfg[t].n) == FS_OK);
        o.keep = cfg[t].keep;
        double nominal = 1.0;
        for (int s = 0; s < o.n_stages; s++) {
            o.budget[s] = 600;
            nominal *= nominal_stage(o.keep, cfg[t].n, o.block[s]);
        }
        double f = chained_fraction(&o, cfg[t].n, 3, 1), want = pow(o.keep, o.n_stages);
        EXPECT_MSG(f >= 0.75 * want && f <= 1.1 * want, "%dx%d keep %g: final kept fraction %.4f, "
                   "keep^S = %.4f", cfg[t].n, cfg[t].n, o.keep, f, want);
        EXPECT_MSG(fabs(f - nominal) <= 0.12 * nominal, "%dx%d keep %g: final kept fraction %.4f, "
                   "nominal %.4f", cfg[t].n, cfg[t].n, o.keep, f, nominal);
    }
    /* one stage at b = 1 from the full spectrum: floor(keep * N^2 / 2) drawn bins in the half
     * f_y >= 0, each with its partner: 2 * 307 bins at 32x32, less the DC-row bins whose
     * partner was drawn too (at most N); nothing in the Nyquist row */
    HfssOptions o;
    memset(&o, 0, sizeof o);
    o.n_stages = 1;
    o.block[0] = 1;
    o.budget[0] = 30;
    o.keep = 0.6;
    o.top = 10;
    o.seed = 5;
    float *m = malloc((size_t)30 * 1024 * sizeof *m);
    hfss_stage_candidates(&o, 0, 32, 2, NULL, 0, m);
    for (int q = 0; q < 30; q++) {
        int kept = 0, row0 = 0;
        for (int i = 0; i < 1024; i++) kept += m[q * 1024 + i] > 0.0f;
        for (int j = 0; j < 32; j++) row0 += m[q * 1024 + j] > 0.0f;
        EXPECT_MSG(kept <= 2 * 307 && kept >= 2 * 307 - 32 && row0 == 0 &&
                       conj_symmetric(m + q * 1024, 32), "candidate %d keeps %d, row 0 %d", q, kept, row0);
    }
    free(m);
}

static void test_select(void)
{
    double s[5 * 2] = {3, 0, 1, 0, 2, 1, 1, 1, 0, 5};
    int sel[2 * 3];
    EXPECT_EQ_INT(hfss_select(s, 5, 2, 3, sel), 3);
    EXPECT_EQ_INT(sel[0], 4);
    EXPECT_EQ_INT(sel[1], 1);
    EXPECT_EQ_INT(sel[2], 3);
    EXPECT_EQ_INT(sel[3], 0);
    EXPECT_EQ_INT(sel[4], 1);
    EXPECT_EQ_INT(sel[5], 2);
}

static void test_planted(void)
{
    Dataset d;
    synth_make(&d, 24, 1, 16, 16, 3, 0, 3, 5, 0.15, 0.1, 8);
    PlantCtx p = {1, 16, 16, 3, 0, 1, {3, 0}, {5, 0}, 0.5, -1.0, 0, 0};
    Classifier clf = plant_classifier(&p, 48);
    HfssOptions o;
    small_opts(&o);
    uint8_t dfm[3 * 256], dfm2[3 * 256];
    double fl[3], best[3 * 3];
    EXPECT(hfss_run(&clf, &d, &o, dfm, fl, best) == FS_OK);
    EXPECT(dfm[(8 + 3) * 16 + 8 + 5] && dfm[(8 - 3) * 16 + 8 - 5]);
    int kept = 0;
    for (int i = 0; i < 256; i++) kept += dfm[i];
    EXPECT_MSG(kept < 256, "class-0 DFM keeps %d of 256 bins", kept);
    /* keeping only the DFM loses nothing for the cue class (its loss is the clean loss) */
    double clean[3];
    EXPECT(dfm_score_clean(&clf, &d, clean) == FS_OK);
    EXPECT_NEAR(fl[0], clean[0], 1e-3);
    /* the best loss never increases from stage to stage for the cue class */
    EXPECT(best[1 * 3 + 0] <= best[0 * 3 + 0] + 1e-12);
    EXPECT(best[2 * 3 + 0] <= best[1 * 3 + 0] + 1e-12);
    EXPECT_NEAR(fl[0], best[2 * 3 + 0], 0.0);
    /* determinism */
    EXPECT(hfss_run(&clf, &d, &o, dfm2, NULL, NULL) == FS_OK);
    EXPECT(memcmp(dfm, dfm2, sizeof dfm) == 0);
    /* other seeds, same finding (at these small budgets, 48 candidates per stage, seed 7 of
     * 1..11 misses the cue: its final maps keep ~20 % of 256 bins, keep^3) */
    for (int sd = 1; sd <= 5; sd++) {
        o.seed = (uint64_t)sd;
        EXPECT(hfss_run(&clf, &d, &o, dfm2, NULL, NULL) == FS_OK);
        EXPECT_MSG(dfm2[(8 + 3) * 16 + 8 + 5] && dfm2[(8 - 3) * 16 + 8 - 5], "seed %d", sd);
    }
    synth_free(&d);
}

TEST_MAIN({"defaults", test_defaults}, {"candidates", test_candidates},
          {"kept_fraction", test_kept_fraction}, {"select", test_select},
          {"planted", test_planted})
