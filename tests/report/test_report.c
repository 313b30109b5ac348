/* test_report.c: `fsweep report` on small stores: every embedded and written image decodes,
 * and every number in the tables equals the seed mean computed here from the arrays written
 * into the store; absent analyses are listed; the page has no external resources. */
#include "codec.h"
#include "h5file.h"
#include "harness.h"
#include "report.h"
#include "report/report_sections.h"
#include "store.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DNAN ((double)NAN)

enum { NA = 2, NG = 1, NB = 2, NS = 2, NT = 2, K = 4, N = 8, NE = 5, NTB = 3, NC = 6 };
/* Checkpoint steps of the step-resolved curves (lo_*); model (arch 0, band 1) stopped before
 * the last one (NaN step in both seeds). */
static const double lo_steps[NC] = {10, 20, 50, 100, 200, 250};
static int lo_short(int a, int b)
{
    return a == 0 && b == 1;
}

typedef struct {
    char dir[64];
    char store[128];
    char out[128];
    /* Arrays as written (grid arch, aug, band, seed first). */
    double tpr[NA][NG][NB][NS][NT][K], fpr[NA][NG][NB][NS][NT][K];
    double test_acc[NA][NG][NB][NS][NTB];
    double lo_step[NA][NG][NB][NS][NC];
    double lo_auc[NA][NG][NB][NS][NC][NTB][K], lo_acc[NA][NG][NB][NS][NC][NTB][K];
} Fixture;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}
static double unif(uint64_t *s)
{
    return (double)lcg(s) / 9007199254740992.0;
}

/* Model (arch 1, band 1) has no seed 1 anywhere: a missing task. */
static int missing(int a, int b, int s)
{
    return a == 1 && b == 1 && s == 1;
}

static void put(H5File *f, const char *name, FsH5Type t, int rank, const int64_t *dims,
                const void *data, const char *dimlist)
{
    char p[128];
    fs_snprintf(p, sizeof p, "/results/syn/%s", name);
    EXPECT(h5f_write(f, p, t, rank, dims, data) == FS_OK);
    if (dimlist)
        EXPECT(h5f_attr_set_str(f, p, "fsweep_dims", dimlist) == FS_OK);
}

static void fixture_make(Fixture *fx)
{
    fs_snprintf(fx->dir, sizeof fx->dir, "/tmp/fsweep_test_report_XXXXXX");
    EXPECT(mkdtemp(fx->dir) != NULL);
    fs_snprintf(fx->store, sizeof fx->store, "%s/store.h5", fx->dir);
    fs_snprintf(fx->out, sizeof fx->out, "%s/report", fx->dir);
    H5File *f = h5f_create(fx->store);
    EXPECT(f != NULL);
    if (!f)
        return;
    EXPECT(h5f_attr_set_str(f, "/", "config", "[analyses]\ntpr_threshold = 0.5\n") == FS_OK);
    EXPECT(h5f_attr_set_str(f, "/", "format", STORE_FORMAT) == FS_OK);
    EXPECT(h5f_attr_set_i64(f, "/", "format_version", STORE_FORMAT_VERSION) == FS_OK);
    /* Two archs whose file-name-safe forms collide ("vgg_s_"): figure files stay distinct. */
    const char *arch[NA] = {"vgg_s_", "vgg<s>"}, *aug[NG] = {"none"}, *band[NB] = {"B1", "B2"};
    const char *tb[NTB] = {"none", "stop12", "stop34"};
    int64_t n;
    n = NA;
    EXPECT(h5f_write_strings(f, "/results/syn/arch", NA, arch) == FS_OK);
    EXPECT(h5f_write_strings(f, "/results/syn/aug", NG, aug) == FS_OK);
    EXPECT(h5f_write_strings(f, "/results/syn/band", NB, band) == FS_OK);
    EXPECT(h5f_write_strings(f, "/results/syn/test_band", NTB, tb) == FS_OK);
    int64_t seeds[NS] = {0, 7};
    n = NS;
    EXPECT(h5f_write(f, "/results/syn/seed", FSH5_I64, 1, &n, seeds) == FS_OK);
    double T[NT] = {0.05, 0.1};
    n = NT;
    EXPECT(h5f_write(f, "/results/syn/T", FSH5_F64, 1, &n, T) == FS_OK);

    uint64_t rs = 42;
    /* Dataset level: ADCS in [-(K-1), K-1], spectra positive. */
    static double adcs[K][N][N], spec[K][N][N];
    for (int c = 0; c < K; c++)
        for (int i = 0; i < N * N; i++) {
            adcs[c][i / N][i % N] = (double)((int)(lcg(&rs) % (2 * K - 1)) - (K - 1));
            spec[c][i / N][i % N] = 0.01 + 100 * unif(&rs);
        }
    int64_t d3[3] = {K, N, N};
    put(f, "adcs", FSH5_F64, 3, d3, adcs, "class,fy,fx");
    put(f, "class_spectrum", FSH5_F64, 3, d3, spec, "class,fy,fx");

    /* Per model. */
    static float dfm[NA][NG][NB][NS][NT][K][N][N];
    static double score[NA][NG][NB][NS][K][N][N / 2 + 1];
    static double curve[NA][NG][NB][NS][NE][K], loss[NA][NG][NB][NS][NE];
    static double conf[NA][NG][NB][NS][NTB][K][K];
    for (int a = 0; a < NA; a++)
        for (int g = 0; g < NG; g++)
            for (int b = 0; b < NB; b++)
                for (int s = 0; s < NS; s++) {
                    int m = missing(a, b, s);
                    for (int t = 0; t < NT; t++)
                        for (int c = 0; c < K; c++) {
                            for (int i = 0; i < N * N; i++)
                                dfm[a][g][b][s][t][c][i / N][i % N] =
                                    m ? NAN : (float)(unif(&rs) < 0.2);
                            fx->tpr[a][g][b][s][t][c] = m ? DNAN : unif(&rs);
                            fx->fpr[a][g][b][s][t][c] = m ? DNAN : 0.3 * unif(&rs);
                        }
                    for (int c = 0; c < K; c++)
                        for (int i = 0; i < N; i++)
                            for (int j = 0; j < N / 2 + 1; j++)
                                score[a][g][b][s][c][i][j] = m ? DNAN : 2 + unif(&rs);
                    for (int e = 0; e < NE; e++) {
                        loss[a][g][b][s][e] = m ? DNAN : 2.0 / (1 + e) + 0.1 * unif(&rs);
                        for (int c = 0; c < K; c++)
                            curve[a][g][b][s][e][c] = m ? DNAN : unif(&rs);
                    }
                    for (int t = 0; t < NTB; t++) {
                        fx->test_acc[a][g][b][s][t] = m ? DNAN : unif(&rs);
                        for (int i = 0; i < K; i++)
                            for (int j = 0; j < K; j++)
                                conf[a][g][b][s][t][i][j] = m ? DNAN : (double)(lcg(&rs) % 20);
                    }
                }
    /* Step-resolved learning curves (runner_real's lo_step, lo_auc, lo_acc). */
    for (int a = 0; a < NA; a++)
        for (int b = 0; b < NB; b++)
            for (int s = 0; s < NS; s++) {
                int m = missing(a, b, s);
                for (int t = 0; t < NC; t++) {
                    int gone = m || (lo_short(a, b) && t == NC - 1);
                    fx->lo_step[a][0][b][s][t] = gone ? DNAN : lo_steps[t];
                    for (int q = 0; q < NTB; q++)
                        for (int c = 0; c < K; c++) {
                            fx->lo_auc[a][0][b][s][t][q][c] = gone ? DNAN : 0.5 + 0.5 * unif(&rs);
                            fx->lo_acc[a][0][b][s][t][q][c] = gone ? DNAN : unif(&rs);
                        }
                }
            }
    int64_t dls[5] = {NA, NG, NB, NS, NC}, dlq[7] = {NA, NG, NB, NS, NC, NTB, K};
    put(f, "lo_step", FSH5_F64, 5, dls, fx->lo_step, "arch,aug,band,seed,ckpt");
    put(f, "lo_auc", FSH5_F64, 7, dlq, fx->lo_auc, "arch,aug,band,seed,ckpt,test_band,class");
    put(f, "lo_acc", FSH5_F64, 7, dlq, fx->lo_acc, "arch,aug,band,seed,ckpt,test_band,class");
    int64_t dd[8] = {NA, NG, NB, NS, NT, K, N, N};
    put(f, "dfm", FSH5_F32, 8, dd, dfm, "arch,aug,band,seed,T,class,fy,fx");
    int64_t ds[7] = {NA, NG, NB, NS, K, N, N / 2 + 1};
    put(f, "dfm_score", FSH5_F64, 7, ds, score, "arch,aug,band,seed,class,pa,pb");
    int64_t dc[6] = {NA, NG, NB, NS, NE, K};
    put(f, "class_acc_curve", FSH5_F64, 6, dc, curve, "arch,aug,band,seed,epoch,class");
    put(f, "train_loss", FSH5_F64, 5, dc, loss, "arch,aug,band,seed,epoch");
    /* A per-class curve over checkpoint steps, with step coordinates. */
    double steps[NE] = {10, 20, 50, 100, 200};
    n = NE;
    EXPECT(h5f_write(f, "/results/syn/step", FSH5_F64, 1, &n, steps) == FS_OK);
    put(f, "class_margin_curve", FSH5_F64, 6, dc, curve, "arch,aug,band,seed,step,class");
    int64_t dt[6] = {NA, NG, NB, NS, NT, K};
    put(f, "tpr", FSH5_F64, 6, dt, fx->tpr, "arch,aug,band,seed,T,class");
    put(f, "fpr", FSH5_F64, 6, dt, fx->fpr, "arch,aug,band,seed,T,class");
    int64_t da[5] = {NA, NG, NB, NS, NTB};
    put(f, "test_acc", FSH5_F64, 5, da, fx->test_acc, "arch,aug,band,seed,test_band");
    int64_t dq[7] = {NA, NG, NB, NS, NTB, K, K};
    put(f, "confusion", FSH5_F64, 7, dq, conf, "arch,aug,band,seed,test_band,class,pred");
    /* A result without dimension names is reported and skipped, not fatal. */
    put(f, "ood_acc", FSH5_F64, 5, da, fx->test_acc, NULL);
    EXPECT(h5f_close(f) == FS_OK);
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        fs_snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (unlink(p) != 0)
            rm_rf(p);
    }
    closedir(d);
    rmdir(dir);
}

static int b64v(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode base64 up to the closing quote; returns the byte count. */
static size_t b64_decode(const char *s, uint8_t *out)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (; *s && *s != '"'; s++) {
        int v = b64v((unsigned char)*s);
        if (v < 0)
            continue; /* '=' padding */
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

/* Every <img> embeds a data: URI that decodes as a PNG of the size the tag states; returns how
 * many. */
static int check_embedded_images(const char *html)
{
    int n = 0;
    const char *tag = "<img width=\"", *key = "src=\"data:image/png;base64,";
    for (const char *p = strstr(html, tag); p; p = strstr(p + 1, tag)) {
        int w = 0, h = 0;
        EXPECT(sscanf(p, "<img width=\"%d\" height=\"%d\"", &w, &h) == 2);
        const char *s = strstr(p, key), *end = strchr(p, '>');
        EXPECT(s != NULL && end != NULL && s < end);
        if (!s || !end || s > end)
            break;
        s += strlen(key);
        const char *e = strchr(s, '"');
        EXPECT(e != NULL);
        if (!e)
            break;
        uint8_t *buf = xmalloc((size_t)(e - s) + 4), *rgb = NULL;
        size_t len = b64_decode(s, buf);
        int pw = 0, ph = 0;
        FsStatus st = codec_png_decode_rgb(buf, len, &rgb, &pw, &ph);
        EXPECT_MSG(st == FS_OK, "embedded image %d: %s", n, fs_last_error());
        EXPECT_MSG(pw == w && ph == h && w > 20 && h > 20, "embedded image %d: %dx%d, tag %dx%d", n,
                   pw, ph, w, h);
        free(rgb);
        free(buf);
        n++;
    }
    return n;
}

/* Every DIR/<name>.png decodes and has its DIR/<name>.svg beside it; returns how many. */
static int check_png_files(const char *dir)
{
    DIR *d = opendir(dir);
    EXPECT(d != NULL);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".png"))
            continue;
        fs_snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        char *buf = NULL;
        size_t len = 0;
        uint8_t *rgb = NULL;
        int w, h;
        EXPECT_MSG(fs_read_file(p, &buf, &len) == FS_OK &&
                       codec_png_decode_rgb((const uint8_t *)buf, len, &rgb, &w, &h) == FS_OK,
                   "%s: %s", p, fs_last_error());
        free(rgb);
        free(buf);
        memcpy(p + strlen(p) - 4, ".svg", 4);
        buf = NULL;
        EXPECT_MSG(fs_read_file(p, &buf, &len) == FS_OK && !strncmp(buf, "<?xml", 5) &&
                       strstr(buf, "</svg>"),
                   "%s: not an SVG document", p);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

/* Numbers (data-v) of table `id`, in document order; returns the count. Also checks that the
 * visible text of each %.3f cell is the value rounded. */
static int table_numbers(const char *html, const char *id, double *out, int cap, char **classes)
{
    char key[128];
    fs_snprintf(key, sizeof key, "<table id=\"%s\">", id);
    const char *t = strstr(html, key);
    EXPECT_MSG(t != NULL, "table %s missing", id);
    if (!t)
        return 0;
    const char *end = strstr(t, "</table>");
    int n = 0;
    for (const char *p = strstr(t, "<td class=\""); p && p < end && n < cap;
         p = strstr(p + 1, "<td class=\"")) {
        const char *cls = p + 11, *q = strchr(cls, '"');
        const char *dv = strstr(p, "data-v=\"");
        if (!dv || dv > strchr(p, '>'))
            continue; /* not a numeric cell */
        if (classes)
            classes[n] = strndup(cls, (size_t)(q - cls));
        out[n++] = strtod(dv + 8, NULL);
    }
    return n;
}

static double mean_seeds(const double *v, int stride, int ns, int *used)
{
    double s = 0;
    int c = 0;
    for (int i = 0; i < ns; i++)
        if (isfinite(v[i * stride])) {
            s += v[i * stride];
            c++;
        }
    *used = c;
    return c ? s / c : DNAN;
}

/* report_lo_curve on the fixture's store: x = the checkpoint steps each model reached, mean,
 * min and max over the seeds with a value, per test band and class. */
static void lo_curve_check(const Fixture *fx)
{
    HtmlDoc notes = {0};
    ReportStore rs = {0};
    EXPECT(report_store_open(&rs, fx->store, &notes));
    ReportVar step, q;
    EXPECT(report_var_read(&rs, "syn", "lo_step", &step) == 1);
    EXPECT(report_var_read(&rs, "syn", "lo_acc", &q) == 1);
    double x[NC], m[NC], lo[NC], hi[NC];
    int checked = 0;
    for (int a = 0; a < NA; a++)
        for (int b = 0; b < NB; b++)
            for (int tb = 0; tb < NTB; tb++)
                for (int c = 0; c < K; c++) {
                    int64_t g[3] = {a, 0, b};
                    int seeds = 0;
                    int n = report_lo_curve(&step, &q, g, tb, c, x, m, lo, hi, &seeds);
                    EXPECT_EQ_INT(n, lo_short(a, b) ? NC - 1 : NC);
                    EXPECT_EQ_INT(seeds, missing(a, b, 1) ? 1 : 2);
                    for (int t = 0; t < n; t++) {
                        double v0 = fx->lo_acc[a][0][b][0][t][tb][c];
                        double v1 = fx->lo_acc[a][0][b][1][t][tb][c];
                        EXPECT_NEAR(x[t], lo_steps[t], 0);
                        if (missing(a, b, 1)) {
                            EXPECT_NEAR(m[t], v0, 1e-15);
                            EXPECT_NEAR(lo[t], v0, 0);
                            EXPECT_NEAR(hi[t], v0, 0);
                        } else {
                            EXPECT_NEAR(m[t], (v0 + v1) / 2, 1e-15);
                            EXPECT_NEAR(lo[t], v0 < v1 ? v0 : v1, 0);
                            EXPECT_NEAR(hi[t], v0 < v1 ? v1 : v0, 0);
                        }
                        checked++;
                    }
                }
    EXPECT(checked > 0);
    /* shapes that do not agree give no points */
    int64_t g0[3] = {0, 0, 0};
    int sd;
    EXPECT_EQ_INT(report_lo_curve(&step, &q, g0, NTB, 0, x, m, lo, hi, &sd), 0);
    EXPECT_EQ_INT(report_lo_curve(&q, &q, g0, 0, 0, x, m, lo, hi, &sd), 0);
    report_var_free(&q);
    report_var_free(&step);
    report_store_close(&rs);
    html_free(&notes);
}

static void test_report_full(void)
{
    static Fixture fx;
    fixture_make(&fx);
    ReportOptions o = {.store_path = fx.store, .out_dir = fx.out, .write_png_files = 1};
    ReportSummary sum;
    FsStatus st = report_write(&o, &sum);
    EXPECT_MSG(st == FS_OK, "%s", fs_last_error());
    char path[256], *html = NULL;
    size_t len;
    fs_snprintf(path, sizeof path, "%s/index.html", fx.out);
    EXPECT(fs_read_file(path, &html, &len) == FS_OK);
    if (!html)
        return;
    /* Figures: ADCS + spectra, loss maps (2 bands), DFMs (2 bands x 2 T), step-resolved
     * margin AUC and accuracy (2 x 4 models; they replace the per-epoch class_acc_curve
     * figures), margin curves over steps (2 models), loss, confusion (2 models x 2 bands; the
     * missing seed leaves its mean intact), TPR heat maps (2 bands). */
    EXPECT_EQ_INT(sum.figures, 2 + 2 + 4 + 8 + 2 + 1 + 4 + 2);
    /* The step-resolved curves are drawn against lo_step: one x point per checkpoint the
     * model reached, the caption says how many, y the seed mean, min and max. */
    EXPECT(strstr(html, "(lo_auc) against training step (lo_step)") != NULL);
    EXPECT(strstr(html, "6 checkpoints, steps 10 to 250 (log axis)") != NULL);
    EXPECT(strstr(html, "5 checkpoints, steps 10 to 200 (log axis)") != NULL);
    EXPECT(strstr(html, "Per-class accuracy (class_acc_curve)") == NULL);
    lo_curve_check(&fx);
    EXPECT_EQ_INT(check_embedded_images(html), sum.figures);
    EXPECT_EQ_INT(check_png_files(fx.out), sum.figures);
    /* TPR/FPR table: rows in (arch, aug, band, T, class) order, numeric cells seeds, TPR, FPR,
     * ctl p95, p, inj (the last three NaN: this store has no control arrays). A verdict counts
     * when it holds in a strict majority of the seeds with a value (both of 2). */
    static double got[8192];
    static char *cls[8192];
    int n = table_numbers(html, "tprfpr-syn", got, 8192, cls);
    EXPECT_EQ_INT(n, NA * NG * NB * NT * K * 6);
    int i = 0, highlighted = 0, expect_hl = 0, mean_differs = 0;
    for (int a = 0; a < NA; a++)
        for (int g = 0; g < NG; g++)
            for (int b = 0; b < NB; b++)
                for (int t = 0; t < NT; t++)
                    for (int c = 0; c < K && i + 5 < n; c++) {
                        int used, used2, yes = 0, strong = 0;
                        double tp = mean_seeds(&fx.tpr[a][g][b][0][t][c], NT * K, NS, &used);
                        double fp = mean_seeds(&fx.fpr[a][g][b][0][t][c], NT * K, NS, &used2);
                        for (int sd = 0; sd < NS; sd++) {
                            double x = fx.tpr[a][g][b][sd][t][c];
                            yes += isfinite(x) && x > 0.5;
                            strong += isfinite(x) && x >= 0.6;
                        }
                        int want_hl = 2 * yes > used, want_strong = want_hl && 2 * strong > used;
                        EXPECT_EQ_INT(got[i], used);
                        EXPECT_NEAR(got[i + 1], tp, 1e-15);
                        EXPECT_NEAR(got[i + 2], fp, 1e-15);
                        for (int q = 3; q < 6; q++)
                            EXPECT(isnan(got[i + q]));
                        int hl = strstr(cls[i + 1], "hl") || strstr(cls[i + 1], "strong");
                        EXPECT_EQ_INT(hl, want_hl); /* the config's tpr_threshold */
                        EXPECT_EQ_INT(strstr(cls[i + 1], "strong") != NULL, want_strong);
                        highlighted += hl;
                        expect_hl += want_hl;
                        mean_differs += want_hl != (tp > 0.5);
                        i += 6;
                    }
    EXPECT(mean_differs > 0); /* the majority rule is not the seed mean here */
    EXPECT(expect_hl > 0 && highlighted == expect_hl);
    for (int j = 0; j < n; j++)
        free(cls[j]);
    /* Test accuracy table: seeds then one column per test band. */
    n = table_numbers(html, "test_acc-syn", got, 4096, NULL);
    EXPECT_EQ_INT(n, NA * NG * NB * (1 + NTB));
    i = 0;
    for (int a = 0; a < NA; a++)
        for (int g = 0; g < NG; g++)
            for (int b = 0; b < NB; b++) {
                int used;
                mean_seeds(&fx.test_acc[a][g][b][0][0], NTB, NS, &used);
                EXPECT_EQ_INT(got[i], used);
                EXPECT_EQ_INT(used, missing(a, b, 1) ? 1 : 2);
                for (int t = 0; t < NTB; t++)
                    EXPECT_NEAR(got[i + 1 + t],
                                mean_seeds(&fx.test_acc[a][g][b][0][t], NTB, NS, &used), 1e-15);
                i += 1 + NTB;
            }
    /* Visible text is the rounded value: one spot check. */
    char want[64];
    fs_snprintf(want, sizeof want, "\">%.3f</td>", got[1]);
    EXPECT(strstr(html, want) != NULL);
    /* Escaping, absent sections, the malformed ood_acc, self-containment. */
    EXPECT(strstr(html, "vgg&lt;s&gt;") != NULL && strstr(html, "vgg<s>") == NULL);
    EXPECT(strstr(html, "Absent from this store:") != NULL);
    EXPECT(strstr(html, "hfss_dfm") != NULL && strstr(html, "heatmap_err") != NULL);
    EXPECT(strstr(html, "ood_acc: it has no fsweep_dims") != NULL ||
           strstr(html, "ood_acc: it has no fsweep_dims attribute") != NULL);
    EXPECT(strstr(html, "<script") == NULL && strstr(html, "http://") == NULL &&
           strstr(html, "https://") == NULL && strstr(html, "<link") == NULL);
    EXPECT(strstr(html, "tpr_threshold = 0.5") != NULL); /* the config is shown */
    free(html);
    if (!getenv("FSWEEP_KEEP_REPORT"))
        rm_rf(fx.dir);
    else
        printf("    kept %s\n", fx.dir);
}

static void test_report_empty_and_errors(void)
{
    char dir[] = "/tmp/fsweep_test_report_XXXXXX";
    EXPECT(mkdtemp(dir) != NULL);
    char store[128], out[128], path[160];
    fs_snprintf(store, sizeof store, "%s/empty.h5", dir);
    fs_snprintf(out, sizeof out, "%s/out", dir);
    H5File *f = h5f_create(store);
    EXPECT(f && h5f_close(f) == FS_OK);
    ReportOptions o = {.store_path = store, .out_dir = out, .write_png_files = 0};
    ReportSummary sum;
    /* an empty HDF5 file is no store: refused, naming it and what was expected */
    EXPECT(report_write(&o, &sum) == FS_ERR_FORMAT && strstr(fs_last_error(), "empty.h5") &&
           strstr(fs_last_error(), "not an fsweep store"));
    /* an empty store: a page saying what is absent */
    f = h5f_open(store, 1);
    EXPECT(f && h5f_attr_set_str(f, "/", "format", STORE_FORMAT) == FS_OK &&
           h5f_attr_set_i64(f, "/", "format_version", STORE_FORMAT_VERSION) == FS_OK &&
           h5f_close(f) == FS_OK);
    EXPECT(report_write(&o, &sum) == FS_OK);
    EXPECT_EQ_INT(sum.figures, 0);
    EXPECT(sum.sections_absent >= 1);
    fs_snprintf(path, sizeof path, "%s/index.html", out);
    char *html = NULL;
    size_t len;
    EXPECT(fs_read_file(path, &html, &len) == FS_OK);
    EXPECT(html && strstr(html, "Absent from this store:") && strstr(html, "</html>"));
    free(html);
    /* Not a store / not HDF5: one-line errors naming the path. */
    o.store_path = "/nonexistent/store.h5";
    EXPECT(report_write(&o, &sum) == FS_ERR_IO && strstr(fs_last_error(), "/nonexistent/store.h5"));
    o.store_path = path; /* index.html is not HDF5 */
    EXPECT(report_write(&o, &sum) == FS_ERR_IO && strstr(fs_last_error(), "index.html"));
    rm_rf(dir);
}

/* Many classes: figures are split (10 classes per ADCS figure, 20 class rows per map grid),
 * and every part decodes. */
static void test_report_many_classes(void)
{
    char dir[] = "/tmp/fsweep_test_report_XXXXXX";
    EXPECT(mkdtemp(dir) != NULL);
    char store[128], out[128];
    fs_snprintf(store, sizeof store, "%s/many.h5", dir);
    fs_snprintf(out, sizeof out, "%s/out", dir);
    enum { KC = 25, NN = 4 };
    static double adcs[KC * NN * NN], score[KC * NN * (NN / 2 + 1)];
    for (int i = 0; i < KC * NN * NN; i++)
        adcs[i] = (double)(i % (2 * KC - 1)) - (KC - 1);
    for (int i = 0; i < KC * NN * (NN / 2 + 1); i++)
        score[i] = 0.01 * i;
    H5File *f = h5f_create(store);
    EXPECT(f != NULL);
    if (!f)
        return;
    EXPECT(h5f_attr_set_str(f, "/", "format", STORE_FORMAT) == FS_OK);
    EXPECT(h5f_attr_set_i64(f, "/", "format_version", STORE_FORMAT_VERSION) == FS_OK);
    int64_t d3[3] = {KC, NN, NN}, d7[7] = {1, 1, 1, 1, KC, NN, NN / 2 + 1};
    EXPECT(h5f_write(f, "/results/big/adcs", FSH5_F64, 3, d3, adcs) == FS_OK);
    EXPECT(h5f_attr_set_str(f, "/results/big/adcs", "fsweep_dims", "class,fy,fx") == FS_OK);
    EXPECT(h5f_write(f, "/results/big/dfm_score", FSH5_F64, 7, d7, score) == FS_OK);
    EXPECT(h5f_attr_set_str(f, "/results/big/dfm_score", "fsweep_dims",
                            "arch,aug,band,seed,class,pa,pb") == FS_OK);
    EXPECT(h5f_close(f) == FS_OK);
    ReportOptions o = {.store_path = store, .out_dir = out, .write_png_files = 1};
    ReportSummary sum;
    EXPECT(report_write(&o, &sum) == FS_OK);
    EXPECT_EQ_INT(sum.figures, 3 + 2); /* ADCS 0-9, 10-19, 20-24; loss maps 0-19, 20-24 */
    char path[200], *html = NULL;
    size_t len;
    fs_snprintf(path, sizeof path, "%s/index.html", out);
    EXPECT(fs_read_file(path, &html, &len) == FS_OK);
    if (html) {
        EXPECT_EQ_INT(check_embedded_images(html), sum.figures);
        EXPECT(strstr(html, "(classes 20-24)") != NULL);
    }
    EXPECT_EQ_INT(check_png_files(out), sum.figures);
    free(html);
    rm_rf(dir);
}

/* A store whose tasks have not finished: arrays exist but hold NaN only. */
static void test_report_all_nan(void)
{
    char dir[] = "/tmp/fsweep_test_report_XXXXXX";
    EXPECT(mkdtemp(dir) != NULL);
    char store[128], out[128], path[200];
    fs_snprintf(store, sizeof store, "%s/nan.h5", dir);
    fs_snprintf(out, sizeof out, "%s/out", dir);
    static double score[2 * 4 * 3], acc[2 * 3];
    for (size_t i = 0; i < FS_ARRAY_LEN(score); i++)
        score[i] = DNAN;
    for (size_t i = 0; i < FS_ARRAY_LEN(acc); i++)
        acc[i] = DNAN;
    H5File *f = h5f_create(store);
    EXPECT(f != NULL);
    if (!f)
        return;
    EXPECT(h5f_attr_set_str(f, "/", "format", STORE_FORMAT) == FS_OK);
    EXPECT(h5f_attr_set_i64(f, "/", "format_version", STORE_FORMAT_VERSION) == FS_OK);
    int64_t d7[7] = {1, 1, 1, 1, 2, 4, 3}, d5[5] = {1, 1, 1, 2, 3};
    EXPECT(h5f_write(f, "/results/x/dfm_score", FSH5_F64, 7, d7, score) == FS_OK);
    EXPECT(h5f_attr_set_str(f, "/results/x/dfm_score", "fsweep_dims",
                            "arch,aug,band,seed,class,pa,pb") == FS_OK);
    EXPECT(h5f_write(f, "/results/x/test_acc", FSH5_F64, 5, d5, acc) == FS_OK);
    EXPECT(h5f_attr_set_str(f, "/results/x/test_acc", "fsweep_dims",
                            "arch,aug,band,seed,test_band") == FS_OK);
    EXPECT(h5f_close(f) == FS_OK);
    ReportOptions o = {.store_path = store, .out_dir = out, .write_png_files = 1};
    ReportSummary sum;
    EXPECT(report_write(&o, &sum) == FS_OK);
    EXPECT_EQ_INT(sum.figures, 0);
    fs_snprintf(path, sizeof path, "%s/index.html", out);
    char *html = NULL;
    size_t len;
    EXPECT(fs_read_file(path, &html, &len) == FS_OK);
    EXPECT(html && strstr(html, "No model has finished values of dfm_score yet"));
    EXPECT(html && strstr(html, "No model has finished values of test_acc yet"));
    free(html);
    rm_rf(dir);
}

TEST_MAIN({"report_full", test_report_full}, {"report_many_classes", test_report_many_classes},
          {"report_all_nan", test_report_all_nan},
          {"report_empty_and_errors", test_report_empty_and_errors})
