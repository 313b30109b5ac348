/* test_dfm_greedy.c: DFM-X's greedy DFM (PAPER.md 10): the visiting order (every bin once, with
 * its conjugate partner, by Chebyshev ring then angle), the planted cue survives in its class's
 * map while the cue-free bins are removed, the tolerance counts images, determinism, and a split
 * over classes (the FsSpread pattern) gives the same maps. */
#include "harness.h"
#include "dfm_greedy.h"
#include "fixtures_freq.h"
#include "spectral.h"

static void test_order(void)
{
    int h = 8, w = 8, first[34], second[34];
    int ng = dfm_greedy_order(h, w, first, second);
    EXPECT_EQ_INT(ng, 8 * 8 / 2 + 2);
    int seen[64] = {0}, ok = 1, prev_ring = 0;
    for (int q = 0; q < ng; q++) {
        int pi, pj;
        spectral_partner(first[q] / w, first[q] % w, h, w, &pi, &pj);
        ok &= pi * w + pj == second[q];
        seen[first[q]]++;
        if (second[q] != first[q]) seen[second[q]]++;
        int fy = first[q] / w - h / 2, fx = first[q] % w - w / 2;
        int ring = abs(fy) > abs(fx) ? abs(fy) : abs(fx);
        ok &= ring >= prev_ring;
        prev_ring = ring;
    }
    for (int i = 0; i < 64; i++) ok &= seen[i] == 1;
    EXPECT(ok);
    /* DC first; then ring 1 starting on the +f_x axis (psi = 0: the pair (0, +-1)), then
     * psi = 45 deg (the pair (1, 1) / (-1, -1)), then 90 deg ((1, 0) / (-1, 0)), then 135 deg */
    EXPECT_EQ_INT(first[0], 4 * 8 + 4);
    EXPECT_EQ_INT(first[1], 4 * 8 + 3);
    EXPECT_EQ_INT(first[2], 3 * 8 + 3);
    EXPECT_EQ_INT(first[3], 3 * 8 + 4);
    EXPECT_EQ_INT(first[4], 3 * 8 + 5);
    /* ring 1 holds 4 groups: ring 2 begins at group 5 */
    EXPECT(abs(first[5] / w - h / 2) == 2 || abs(first[5] % w - w / 2) == 2);
}

/* An FsSpread that cuts the items into 3 parts (split_range) and scores them one after the
 * other, as 3 ranks would. */
static FsStatus spread3(const FsScoreJob *job, double *out)
{
    for (int part = 0; part < 3; part++) {
        int f, c;
        split_range(job->n_items, job->group, part, 3, &f, &c);
        if (c == 0) continue;
        FsStatus st = job->score(job->ctx, f, c, out + (size_t)f * job->width);
        if (st != FS_OK) return st;
    }
    return FS_OK;
}

static void test_planted(void)
{
    Dataset d;
    synth_make(&d, 30, 1, 16, 16, 3, 0, 3, 5, 0.15, 0.1, 8);
    PlantCtx p = {1, 16, 16, 3, 0, 1, {3, 0}, {5, 0}, 0.5, -1.0, 0, 0};
    Classifier clf = plant_classifier(&p, 16);
    DfmGreedyOptions o;
    dfm_greedy_options_default(&o);
    EXPECT_EQ_INT(o.tol, 6);
    o.tol = 0;
    uint8_t dfm[3 * 256], dfm2[3 * 256];
    int64_t corr[6];
    EXPECT(dfm_greedy_run(&clf, &d, &o, dfm, corr) == FS_OK);
    /* class 0 (the cue class, all 10 images correct): its map is the cue pair alone (the logit
     * reads only the cue's energy, so every other removal costs nothing and tol = 0) */
    int kept = 0;
    for (int i = 0; i < 256; i++) kept += dfm[i];
    EXPECT(dfm[(8 + 3) * 16 + 8 + 5] && dfm[(8 - 3) * 16 + 8 - 5]);
    EXPECT_MSG(kept == 2, "class-0 greedy DFM keeps %d bins", kept);
    EXPECT_EQ_INT(corr[0], 10);
    EXPECT_EQ_INT(corr[1], 10);
    /* classes 1 and 2 are predicted by a zero logit beating the cue logit alpha E - 1 < 0:
     * removing the cue never hurts, so it goes */
    EXPECT(!dfm[256 + (8 + 3) * 16 + 8 + 5] && !dfm[512 + (8 + 3) * 16 + 8 + 5]);
    /* determinism, and the same maps through a spread over classes (split_range parts) */
    EXPECT(dfm_greedy_run(&clf, &d, &o, dfm2, NULL) == FS_OK);
    EXPECT(memcmp(dfm, dfm2, sizeof dfm) == 0);
    o.spread = spread3;
    memset(dfm2, 7, sizeof dfm2);
    EXPECT(dfm_greedy_run(&clf, &d, &o, dfm2, NULL) == FS_OK);
    EXPECT(memcmp(dfm, dfm2, sizeof dfm) == 0);
    o.spread = NULL;
    /* a tolerance of 10 images lets the cue go too: class 0 then keeps nothing it needs */
    o.tol = 10;
    EXPECT(dfm_greedy_run(&clf, &d, &o, dfm2, corr) == FS_OK);
    EXPECT(!dfm2[(8 + 3) * 16 + 8 + 5]);
    /* a class without images: one-line error naming it */
    for (int i = 0; i < d.n; i++)
        if (d.y[i] == 2) d.y[i] = 1;
    EXPECT(dfm_greedy_run(&clf, &d, &o, dfm2, NULL) == FS_ERR_CONFIG);
    EXPECT(strstr(fs_last_error(), "class 2") != NULL);
    synth_free(&d);
}

TEST_MAIN({"order", test_order}, {"planted", test_planted})
