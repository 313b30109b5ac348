/* test_findings.c: the Findings section of `fsweep report` on a store crafted with known arrays
 * (one dataset, 4 classes, 3 models x 3 seeds), so that every finding's text is predictable:
 *   a1: 3 seeds, test accuracy 0.95; class 2 reaches margin AUC 0.95 first (step 20) in every
 *       seed and has the most distinctive ADCS: "they agree", supported; on the band-stop set
 *       class 0 survives, class 1 is lost to class 3 (+90 points); HFSS equals the T = 0.1 DFM
 *       for class 0 only;
 *   a2: 1 seed (the others NaN): a tie (C0, C1) for learned first, a strong specific shortcut
 *       C0, inconclusive verdicts for C1 (its Wilson interval straddles t = 0.6), all marked
 *       with their seed count;
 *   a3: test accuracy 0.45: "model has not learned", no finding.
 * Checks: Findings is the first section, the texts above, and every in-page link target exists. */
#include "h5file.h"
#include "harness.h"
#include "report.h"
#include "store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DNAN ((double)NAN)

enum { NA = 3, NS = 3, NTB = 2, K = 4, NCK = 4, NT = 2, H = 8 };

typedef struct {
    double test_acc[NA][NS][NTB];
    double class_acc[NA][NS][NTB][K];
    double conf[NA][NS][NTB][K][K];
    double lo_auc[NA][NS][NCK][NTB][K];
    double lo_step[NA][NS][NCK];
    double adcs[K][H][H];
    double tpr[NA][NS][NT][K], fpr[NA][NS][NT][K], p95[NA][NS][NT][K], spec[NA][NS][NT][K];
    double tpr_ci[NA][NS][NT][K][2], fpr_ci[NA][NS][NT][K][2];
    double hfss[NA][NS][K][H][H];
    double dfm[NA][NS][NT][K][H][H];
} Arrays;

static void put_arr(H5File *f, const char *name, int rank, const int64_t *dims, const void *data,
                    const char *dimlist)
{
    char p[128];
    fs_snprintf(p, sizeof p, "/results/syn/%s", name);
    EXPECT(h5f_write(f, p, FSH5_F64, rank, dims, data) == FS_OK);
    EXPECT(h5f_attr_set_str(f, p, "fsweep_dims", dimlist) == FS_OK);
}

/* Fill x (n values) with NaN. */
static void nan_fill(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = DNAN;
}

static void arrays_fill(Arrays *A)
{
    nan_fill((double *)A, sizeof *A / sizeof(double));
    for (int a = 0; a < NA; a++)
        for (int s = 0; s < NS; s++) {
            if (a == 1 && s > 0)
                continue; /* a2 has one seed */
            A->test_acc[a][s][0] = a == 2 ? 0.45 : a == 1 ? 0.9 : 0.95;
            A->test_acc[a][s][1] = 0.6;
            /* Confusion: 50 images per class; unfiltered 48 right, 2 to the next class. */
            for (int t = 0; t < NTB; t++)
                for (int i = 0; i < K; i++)
                    for (int j = 0; j < K; j++)
                        A->conf[a][s][t][i][j] = 0;
            for (int i = 0; i < K; i++) {
                A->conf[a][s][0][i][i] = 48;
                A->conf[a][s][0][i][(i + 1) % K] = 2;
            }
            /* Band-stop: class 0 keeps 47, class 1 keeps 5 and sends 43 to class 3, classes
             * 2 and 3 keep 30. */
            static const double keep[K] = {47, 5, 30, 30};
            for (int i = 0; i < K; i++) {
                A->conf[a][s][1][i][i] = keep[i];
                A->conf[a][s][1][i][i == 1 ? 3 : (i + 1) % K] = 50 - keep[i];
            }
            for (int t = 0; t < NTB; t++)
                for (int i = 0; i < K; i++)
                    A->class_acc[a][s][t][i] = A->conf[a][s][t][i][i] / 50;
            /* Learning order: steps 10..40; a1: class 2 at 0.96 from step 20, the others from
             * step 30; a2: classes 0 and 1 together at step 10. */
            for (int c = 0; c < NCK; c++)
                A->lo_step[a][s][c] = 10.0 * (c + 1);
            for (int c = 0; c < NCK; c++)
                for (int t = 0; t < NTB; t++)
                    for (int k = 0; k < K; k++) {
                        int first = a == 1 ? (k <= 1 ? 0 : 2) : (k == 2 ? 1 : 2);
                        A->lo_auc[a][s][c][t][k] = c >= first ? 0.96 : 0.6 + 0.05 * c;
                    }
            /* Shortcuts at T = 0.05 (index 0) and 0.1. */
            for (int t = 0; t < NT; t++)
                for (int k = 0; k < K; k++) {
                    static const double tp[K] = {0.9, 0.62, 0.1, 0.95};
                    static const double lo[K] = {0.8, 0.5, 0.04, 0.9},
                                        hi[K] = {0.96, 0.73, 0.2, 0.99};
                    A->tpr[a][s][t][k] = tp[k];
                    A->tpr_ci[a][s][t][k][0] = lo[k];
                    A->tpr_ci[a][s][t][k][1] = hi[k];
                    A->fpr[a][s][t][k] = 0.05;
                    A->fpr_ci[a][s][t][k][0] = 0.01;
                    A->fpr_ci[a][s][t][k][1] = 0.1;
                    A->p95[a][s][t][k] = k == 3 ? 0.995 : 0.3;
                    A->spec[a][s][t][k] = k <= 1;
                }
            /* HFSS: row k of class k (12.5 %); DFM at T = 0.1: row k for class 0, row k + 1
             * for the others; at T = 0.05: 3 bins. */
            for (int k = 0; k < K; k++)
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < H; x++) {
                        A->hfss[a][s][k][y][x] = y == k;
                        A->dfm[a][s][1][k][y][x] = y == (k == 0 ? 0 : k + 1);
                        A->dfm[a][s][0][k][y][x] = y == k + 4 && x < 3;
                    }
        }
    /* ADCS: class 2 above every other class everywhere (+3), the others mixed (|ADCS| = 1). */
    for (int k = 0; k < K; k++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < H; x++)
                A->adcs[k][y][x] = k == 2 ? 3 : ((x + y + k) % 2 ? 1 : -1);
}

static void store_make(const char *path, const Arrays *A)
{
    H5File *f = h5f_create(path);
    EXPECT(f != NULL);
    if (!f)
        return;
    EXPECT(h5f_attr_set_str(f, "/", "config", "[analyses]\ntpr_threshold = 0.6\nhfss = true\n") ==
           FS_OK);
    EXPECT(h5f_attr_set_str(f, "/", "format", STORE_FORMAT) == FS_OK);
    EXPECT(h5f_attr_set_i64(f, "/", "format_version", STORE_FORMAT_VERSION) == FS_OK);
    const char *arch[NA] = {"a1", "a2", "a3"}, *aug[1] = {"none"}, *band[1] = {"all"};
    const char *tb[NTB] = {"all", "bandstop:1+2"};
    EXPECT(h5f_write_strings(f, "/results/syn/arch", NA, arch) == FS_OK);
    EXPECT(h5f_write_strings(f, "/results/syn/aug", 1, aug) == FS_OK);
    EXPECT(h5f_write_strings(f, "/results/syn/band", 1, band) == FS_OK);
    EXPECT(h5f_write_strings(f, "/results/syn/test_band", NTB, tb) == FS_OK);
    const double T[NT] = {0.05, 0.1};
    int64_t n = NT;
    EXPECT(h5f_write(f, "/results/syn/T", FSH5_F64, 1, &n, T) == FS_OK);
    const int64_t seeds[NS] = {0, 1, 2};
    n = NS;
    EXPECT(h5f_write(f, "/results/syn/seed", FSH5_I64, 1, &n, seeds) == FS_OK);
#define G NA, 1, 1, NS
    const int64_t d_acc[] = {G, NTB}, d_ca[] = {G, NTB, K}, d_cf[] = {G, NTB, K, K},
                  d_auc[] = {G, NCK, NTB, K}, d_st[] = {G, NCK}, d_ad[] = {K, H, H},
                  d_t[] = {G, NT, K}, d_ci[] = {G, NT, K, 2}, d_h[] = {G, K, H, H},
                  d_dfm[] = {G, NT, K, H, H};
#undef G
    put_arr(f, "test_acc", 5, d_acc, A->test_acc, "arch,aug,band,seed,test_band");
    put_arr(f, "class_acc", 6, d_ca, A->class_acc, "arch,aug,band,seed,test_band,class");
    put_arr(f, "confusion", 7, d_cf, A->conf, "arch,aug,band,seed,test_band,class,pred");
    put_arr(f, "lo_auc", 7, d_auc, A->lo_auc, "arch,aug,band,seed,ckpt,test_band,class");
    put_arr(f, "lo_step", 5, d_st, A->lo_step, "arch,aug,band,seed,ckpt");
    put_arr(f, "adcs", 3, d_ad, A->adcs, "class,fy,fx");
    put_arr(f, "tpr", 6, d_t, A->tpr, "arch,aug,band,seed,T,class");
    put_arr(f, "fpr", 6, d_t, A->fpr, "arch,aug,band,seed,T,class");
    put_arr(f, "ctl_tpr_p95", 6, d_t, A->p95, "arch,aug,band,seed,T,class");
    put_arr(f, "specific", 6, d_t, A->spec, "arch,aug,band,seed,T,class");
    put_arr(f, "tpr_ci", 7, d_ci, A->tpr_ci, "arch,aug,band,seed,T,class,bound");
    put_arr(f, "fpr_ci", 7, d_ci, A->fpr_ci, "arch,aug,band,seed,T,class,bound");
    put_arr(f, "hfss_dfm", 7, d_h, A->hfss, "arch,aug,band,seed,class,fy,fx");
    put_arr(f, "dfm", 8, d_dfm, A->dfm, "arch,aug,band,seed,T,class,fy,fx");
    EXPECT(h5f_close(f) == FS_OK);
}

/* The page's Findings text of model `arch` (from its heading to the next model's), tags
 * stripped and &gt; / &#39; unescaped; xmalloc'd, NULL when absent. */
static char *model_text(const char *html, const char *arch)
{
    char key[64];
    fs_snprintf(key, sizeof key, "<p><strong>%s, aug", arch);
    const char *p = strstr(html, key);
    if (!p)
        return NULL;
    const char *e = strstr(p + 1, "<p><strong>");
    const char *e2 = strstr(p + 1, "<h2");
    if (!e || (e2 && e2 < e))
        e = e2;
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char *s = xmalloc(n + 1), *o = s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '<') {
            while (i < n && p[i] != '>')
                i++;
            continue;
        }
        if (!strncmp(p + i, "&gt;", 4)) {
            *o++ = '>';
            i += 3;
        } else if (!strncmp(p + i, "&lt;", 4)) {
            *o++ = '<';
            i += 3;
        } else if (!strncmp(p + i, "&amp;", 5)) {
            *o++ = '&';
            i += 4;
        } else if (!strncmp(p + i, "&#39;", 5)) {
            *o++ = '\'';
            i += 4;
        } else {
            *o++ = p[i];
        }
    }
    *o = 0;
    return s;
}

static int contains(const char *s, const char *sub)
{
    int ok = s && strstr(s, sub);
    if (!ok)
        fprintf(stderr, "  missing: \"%s\"\n  in: %s\n", sub, s ? s : "(null)");
    return ok;
}

/* Every href="#id" of the page has an element with that id; returns the number of links. */
static int check_links(const char *html, int *broken)
{
    int n = 0;
    *broken = 0;
    for (const char *p = html; (p = strstr(p, "href=\"#")) != NULL;) {
        p += 7;
        const char *q = strchr(p, '"');
        if (!q)
            break;
        char id[300], key[320];
        fs_snprintf(id, sizeof id, "%.*s", (int)(q - p < 290 ? q - p : 290), p);
        fs_snprintf(key, sizeof key, " id=\"%s\"", id);
        if (!strstr(html, key)) {
            fprintf(stderr, "  broken link #%s\n", id);
            (*broken)++;
        }
        n++;
    }
    return n;
}

/* Write the report of store into out (checked) and return its index.html (NULL, and a failed
 * check, when it cannot be read). sum may be NULL. */
static char *report_html(const char *store, const char *out, ReportSummary *sum)
{
    ReportOptions o = {.store_path = store, .out_dir = out, .write_png_files = 0};
    EXPECT_MSG(report_write(&o, sum) == FS_OK, "%s", fs_last_error());
    char path[160], *html = NULL;
    size_t len;
    fs_snprintf(path, sizeof path, "%s/index.html", out);
    EXPECT(fs_read_file(path, &html, &len) == FS_OK);
    return html;
}

static void test_findings(void)
{
    char dir[64] = "/tmp/fsweep_test_findings_XXXXXX", store[128], out[128];
    EXPECT(mkdtemp(dir) != NULL);
    fs_snprintf(store, sizeof store, "%s/store.h5", dir);
    fs_snprintf(out, sizeof out, "%s/report", dir);
    static Arrays A;
    arrays_fill(&A);
    store_make(store, &A);
    ReportSummary sum;
    char *html = report_html(store, out, &sum);
    if (!html)
        return;
    /* Findings is the first section, and the first entry of the table of contents. */
    const char *h2 = strstr(html, "<h2");
    EXPECT(h2 && !strncmp(h2, "<h2 id=\"findings\">Findings</h2>", 31));
    const char *toc = strstr(html, "<ul class=\"toc\">");
    EXPECT(toc && strstr(toc, "<li><a href=\"#") == strstr(toc, "<li><a href=\"#findings\">"));
    EXPECT(contains(html, "Most distinctive ADCS: C2 (score 1.000; next C0, 0.333"));

    char *a1 = model_text(html, "a1");
    EXPECT(contains(a1, "test accuracy 0.950 on 'all' (mean of 3 seeds)"));
    EXPECT(contains(a1, "Learned first: C2 (the first class to reach margin AUC 0.95 on 'all', "
                        "at step 20 on average; first in 3 of 3 seeds) beside the most "
                        "distinctive ADCS, C2: they agree."));
    EXPECT(a1 && !strstr(a1, "Not supported"));
    EXPECT(contains(a1, "'bandstop:1+2' against 'all': survive C0 (0.96 -> 0.94 [0.94, 0.94])"));
    EXPECT(contains(a1, "lost C1 (0.96 -> 0.10 [0.10, 0.10]; mostly to C3, +90 points)"));
    EXPECT(contains(a1, "C2 (0.96 -> 0.60 [0.60, 0.60]"));
    EXPECT(contains(a1, "paper's verdict (TPR > 0.60, strong at >= 0.6): C0 strong"));
    EXPECT(contains(a1, "FPR <= 0.20): C0 (TPR 0.90 [0.90, 0.90] > controls' p95 0.30; FPR 0.05 "
                        "[0.05, 0.05]), C1 (TPR 0.62 [0.62, 0.62] > controls' p95 0.30; FPR 0.05 "
                        "[0.05, 0.05]). 3 seeds (intervals: 95 % t-interval over seeds)."));
    EXPECT(contains(a1, "T = 0.1, keeps 12.5 %. Overlap (intersection over union of the kept "
                        "bins; 1 = the same frequencies): C0 1.00, C1 0.00, C2 0.00, C3 0.00 "
                        "(3 seeds)."));

    char *a2 = model_text(html, "a2");
    EXPECT(contains(a2, "(mean of 1 seed)"));
    EXPECT(contains(a2, "Learned first: inconclusive: no class is first in a strict majority of "
                        "the 1 seed with values (a tie in 1: C0, C1 reach AUC 0.95 at the same "
                        "checkpoint, step 10)"));
    EXPECT(contains(a2, "(the most distinctive ADCS, C2, is not among the first tie)"));
    EXPECT(contains(a2, "(DFMs at T = 0.05): paper's verdict (TPR > 0.60, strong at >= 0.6): C0 "
                        "strong (TPR 0.90 [0.80, 0.96]), C3 strong (TPR 0.95 [0.90, 0.99]); "
                        "inconclusive (interval straddles 0.60): C1 (TPR 0.62 [0.50, 0.73])"));
    EXPECT(contains(a2,
                    "Specific verdict (also above the radius-matched random controls' p95 and "
                    "FPR <= 0.20): C0 (TPR 0.90 [0.80, 0.96] > controls' p95 0.30; FPR 0.05 "
                    "[0.01, 0.10]); inconclusive (an interval straddles a threshold, or the seeds "
                    "disagree): C1 (TPR 0.62 "
                    "[0.50, 0.73], controls' p95 0.30, FPR 0.05 [0.01, 0.10])."));
    EXPECT(contains(a2, "1 seed (intervals: Wilson 95 % over test images). Not supported across "
                        "seeds: 1 seed, a majority-of-seeds finding needs >= 3."));

    char *a3 = model_text(html, "a3");
    EXPECT(contains(a3, "Model has not learned (test accuracy 0.45 < 0.80): no finding."));
    EXPECT(a3 && !strstr(a3, "Learned first") && !strstr(a3, "Shortcuts"));

    int broken = 0, links = check_links(html, &broken);
    const char *fs = strstr(html, "<h2 id=\"findings\">"), *fe = fs ? strstr(fs + 1, "<h2") : NULL;
    int in_findings = 0;
    for (const char *p = fs; p && fe && (p = strstr(p, "href=\"#")) != NULL && p < fe; p++)
        in_findings++;
    EXPECT_EQ_INT(broken, 0);
    EXPECT(links > 0);
    /* a1: ADCS figure; curves? (none drawn from lo_auc here) and the learning-order table are
     * absent from this store, so every line links at least its table. */
    EXPECT_MSG(in_findings >= 10, "only %d links in Findings", in_findings);
    EXPECT(contains(html, "href=\"#tprfpr-syn\">table</a>"));
    EXPECT(contains(html, "href=\"#fig-confusion_syn_a1_all\">confusion change</a>"));
    EXPECT(contains(html, "href=\"#fig-hfss_syn_all\">HFSS maps</a>"));
    free(a1);
    free(a2);
    free(a3);
    free(html);
    char cmd[200];
    fs_snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    EXPECT(system(cmd) == 0);
}

/* A store with only test accuracies: the Findings section names each absent analysis. */
static void test_findings_absent(void)
{
    char dir[64] = "/tmp/fsweep_test_findings_XXXXXX", store[128], out[128];
    EXPECT(mkdtemp(dir) != NULL);
    fs_snprintf(store, sizeof store, "%s/store.h5", dir);
    fs_snprintf(out, sizeof out, "%s/report", dir);
    H5File *f = h5f_create(store);
    EXPECT(f != NULL);
    if (!f)
        return;
    EXPECT(h5f_attr_set_str(f, "/", "config", "[analyses]\nhfss = false\n") == FS_OK);
    EXPECT(h5f_attr_set_str(f, "/", "format", STORE_FORMAT) == FS_OK);
    EXPECT(h5f_attr_set_i64(f, "/", "format_version", STORE_FORMAT_VERSION) == FS_OK);
    const double acc[2] = {0.9, 0.85};
    const int64_t d[5] = {1, 1, 1, 2, 1};
    put_arr(f, "test_acc", 5, d, acc, "arch,aug,band,seed,test_band");
    EXPECT(h5f_close(f) == FS_OK);
    char *html = report_html(store, out, NULL);
    EXPECT(contains(html, "HFSS against removal (hfss_dfm): not supported, the analysis was off "
                          "(hfss = false in the run&#39;s config)."));
    EXPECT(contains(html, "Learned first (lo_auc): not supported, its arrays are absent from "
                          "this store."));
    EXPECT(contains(html, "Band-stop survival: not supported, class_acc is absent"));
    EXPECT(contains(html, "test accuracy 0.875 on &#39;tb0&#39; (mean of 2 seeds)"));
    free(html);
    char cmd[200];
    fs_snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    EXPECT(system(cmd) == 0);
}

/* a2 with its learning order in all 3 seeds, each a tie of C0 and C1 at step 10 (its other
 * arrays keep one seed): every tie is counted, the first one named. A second tie used to be
 * counted as class -2 (cnt[-2]++: a heap write before the array; glibc aborted in free()). */
static void test_findings_ties(void)
{
    char dir[64] = "/tmp/fsweep_test_ties_XXXXXX", store[128], out[128];
    EXPECT(mkdtemp(dir) != NULL);
    fs_snprintf(store, sizeof store, "%s/store.h5", dir);
    fs_snprintf(out, sizeof out, "%s/report", dir);
    static Arrays A;
    arrays_fill(&A);
    for (int s = 1; s < NS; s++)
        for (int c = 0; c < NCK; c++) {
            A.lo_step[1][s][c] = A.lo_step[1][0][c];
            for (int t = 0; t < NTB; t++)
                for (int k = 0; k < K; k++) A.lo_auc[1][s][c][t][k] = A.lo_auc[1][0][c][t][k];
        }
    store_make(store, &A);
    char *html = report_html(store, out, NULL);
    char *a2 = model_text(html, "a2");
    EXPECT(contains(a2, "Learned first: inconclusive: no class is first in a strict majority of "
                        "the 3 seeds with values (a tie in 3: C0, C1 reach AUC 0.95 at the same "
                        "checkpoint, step 10 (the first such seed))"));
    free(a2);
    free(html);
    char cmd[200];
    fs_snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    EXPECT(system(cmd) == 0);
}

TEST_MAIN({"findings", test_findings}, {"findings_absent", test_findings_absent},
          {"findings_ties", test_findings_ties})
