/* report_findings.c: the Findings section that opens the `fsweep report` page. Per dataset and
 * model (arch x aug x training band, over seeds) it states, in one line each with links to the
 * figure and table further down the page:
 *   1. the class learned first (the first to reach margin AUC >= 0.95 on the unfiltered test
 *      set, PAPER.md 5; lo_auc, lo_step) beside the class with the most distinctive ADCS
 *      (adcs), and whether they agree;
 *   2. which classes survive each band-stop test set (class_acc; Wilson interval over images
 *      from confusion, or the t-interval over seeds) and where the lost classes' images go
 *      (relative confusion change, PAPER.md 3.3);
 *   3. the shortcut classes under the paper's verdict (TPR > tpr_threshold, strong at >= 0.6)
 *      and under the specific verdict (issue 12: above the random controls' p95, FPR <=
 *      shortcut_fpr_max), with intervals and seed counts;
 *   4. HFSS maps against the removal DFMs (overlap), where hfss_dfm exists.
 * A finding is stated as not supported when the model has not learned (test accuracy below
 * FIND_MIN_ACC), when it rests on fewer than FIND_MIN_SEEDS seeds, and "inconclusive" when an
 * interval straddles the threshold it is judged against (a tie is never rounded either way).
 * Arrays the store lacks are named, with the config switch that turned them off.
 *
 * Runs after the other sections (it links only to ids already in the page) and writes into its
 * own buffer, which the driver places first. */
#include "report_sections.h"
#include "verdict.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIND_MIN_ACC   0.8  /* test accuracy (fraction) below which a model has not learned */
#define FIND_MIN_SEEDS 3    /* a majority-of-seeds finding needs this many seeds */
#define FIND_AUC       0.95 /* margin AUC at which a class counts as learned (PAPER.md 5) */
#define FIND_ADCS_TIE  0.02 /* distinctiveness scores closer than this are a tie */
#define FIND_SURVIVE   0.8  /* a class survives keeping >= this fraction of its accuracy */
#define FIND_CLASS_MIN 0.5  /* a class below this unfiltered accuracy was not learned */
#define FIND_MOVE_PTS  10.0 /* confusion moves named from this many points */
#define FIND_T         0.05 /* the DFM threshold the shortcut line uses (the paper's top 5 %) */

/* ---------------------------------------------------------------- text */
/* Append printf-formatted text, HTML-escaped. */
static void put(FsBuf *b, const char *fmt, ...) FS_PRINTF(2, 3);
static void put(FsBuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    FS_CHECK(n >= 0, "report_findings: bad format");
    char *s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    html_escape(b, s);
    free(s);
}

/* Links to the first id found for each group of prefixes: " (figure, table)"; label[i] names
 * group i. Prefixes are tried in order within a group; a group with none in the page adds
 * nothing. Counts the links in *n_links. */
typedef struct {
    const char *label;
    const char *prefix[4];
} LinkGroup;

static void put_links(const Report *r, FsBuf *b, const LinkGroup *grp, int n, int *n_links)
{
    int shown = 0;
    for (int i = 0; i < n; i++) {
        char id[256];
        int found = 0;
        for (int j = 0; j < 4 && grp[i].prefix[j] && !found; j++)
            found = report_page_find_id(r, grp[i].prefix[j], id, sizeof id);
        if (!found)
            continue;
        fsbuf_printf(b, "%s<a href=\"#", shown ? ", " : " (");
        html_escape(b, id);
        fsbuf_printf(b, "\">");
        html_escape(b, grp[i].label);
        fsbuf_printf(b, "</a>");
        shown++;
        (*n_links)++;
    }
    if (shown)
        fsbuf_printf(b, ")");
}

/* "not supported across seeds: 1 seed, needs >= 3" when n < FIND_MIN_SEEDS. */
static void put_seed_support(FsBuf *b, int n)
{
    if (n < FIND_MIN_SEEDS)
        put(b, " Not supported across seeds: %d seed%s, a majority-of-seeds finding needs >= %d.",
            n, n == 1 ? "" : "s", FIND_MIN_SEEDS);
}

/* ---------------------------------------------------------------- the dataset's arrays */
enum {
    FV_TEST_ACC,  /* (test_band) */
    FV_LO_AUC,    /* (ckpt, test_band, class) */
    FV_LO_STEP,   /* (ckpt) */
    FV_ADCS,      /* (class, fy, fx) */
    FV_CLASS_ACC, /* (test_band, class) */
    FV_CONF,      /* (test_band, class, pred) */
    FV_TPR,       /* (T, class) */
    FV_FPR,
    FV_TPR_CI, /* (T, class, bound) */
    FV_FPR_CI,
    FV_P95,      /* ctl_tpr_p95 (T, class) */
    FV_SPECIFIC, /* (T, class) */
    FV_HFSS,     /* (class, fy, fx) */
    FV_DFM,      /* (T, class, fy, fx) */
    FV_COUNT
};

static const struct {
    const char *name;
    int n;
    const char *dims[4];
} fv_spec[FV_COUNT] = {
    {"test_acc", 1, {"test_band"}},
    {"lo_auc", 3, {"ckpt", "test_band", "class"}},
    {"lo_step", 1, {"ckpt"}},
    {"adcs", 3, {"class", "fy", "fx"}},
    {"class_acc", 2, {"test_band", "class"}},
    {"confusion", 3, {"test_band", "class", "pred"}},
    {"tpr", 2, {"T", "class"}},
    {"fpr", 2, {"T", "class"}},
    {"tpr_ci", 3, {"T", "class", "bound"}},
    {"fpr_ci", 3, {"T", "class", "bound"}},
    {"ctl_tpr_p95", 2, {"T", "class"}},
    {"specific", 2, {"T", "class"}},
    {"hfss_dfm", 3, {"class", "fy", "fx"}},
    {"dfm", 4, {"T", "class", "fy", "fx"}},
};

typedef struct {
    Report *r;
    const char *ds;
    FsBuf *b;
    ReportVar v[FV_COUNT];
    int have[FV_COUNT];
    double *blk[FV_COUNT]; /* (ns, extra_len) of the current model; NaN where absent */
    int64_t ns;            /* seed slots: the largest seed dim of the arrays */
    int64_t k;             /* classes */
    ReportLabels cl;       /* class names */
    int64_t ref;           /* the unfiltered test band (test_band labels) */
    ReportLabels tb;       /* test band names */
    int distinct;          /* most distinctive ADCS class; -1 none, -2 a tie */
    double t_paper, fpr_max;
    int n_links;
} Find;

/* Read the arrays; one with other non-grid dims than expected is left out (its section has
 * noted why). Array i's class count must agree with the others'. */
static void find_read(Find *f)
{
    f->k = 0;
    f->ns = 1;
    for (int i = 0; i < FV_COUNT; i++) {
        int h = report_var_read(&f->r->store, f->ds, fv_spec[i].name, &f->v[i]);
        f->have[i] = h > 0 && report_var_expect(&f->r->store, f->ds, &f->v[i], fv_spec[i].n,
                                                fv_spec[i].dims);
        if (h > 0 && !f->have[i])
            report_var_free(&f->v[i]);
        if (!f->have[i])
            continue;
        for (int d = 0; d < fv_spec[i].n; d++)
            if (!strcmp(fv_spec[i].dims[d], "class")) {
                int64_t kk = f->v[i].dims[f->v[i].ng + d];
                if (f->k == 0)
                    f->k = kk;
                if (kk != f->k) { /* inconsistent: leave it out */
                    report_var_free(&f->v[i]);
                    f->have[i] = 0;
                }
            }
        if (f->have[i] && report_var_gsize(&f->v[i], REPORT_GRID_SEED) > f->ns)
            f->ns = report_var_gsize(&f->v[i], REPORT_GRID_SEED);
    }
    /* The test bands of class_acc, confusion and lo_auc must be those of test_acc. */
    int64_t ntb = -1;
    const int tbv[4] = {FV_TEST_ACC, FV_CLASS_ACC, FV_CONF, FV_LO_AUC};
    for (int i = 0; i < 4; i++) {
        const ReportVar *v = &f->v[tbv[i]];
        if (!f->have[tbv[i]])
            continue;
        int64_t n = v->dims[v->ng + (tbv[i] == FV_LO_AUC ? 1 : 0)];
        if (ntb < 0)
            ntb = n;
        if (n != ntb) {
            report_var_free(&f->v[tbv[i]]);
            f->have[tbv[i]] = 0;
        }
    }
    f->tb = report_labels_read(&f->r->store, f->ds, "test_band", ntb > 0 ? ntb : 0, "tb");
    f->ref = ntb > 0 ? report_labels_reference(&f->tb) : 0;
    f->cl = report_labels_read(&f->r->store, f->ds, "class", f->k, "C");
    for (int i = 0; i < FV_COUNT; i++)
        f->blk[i] =
            f->have[i] ? xmalloc((size_t)(f->ns * f->v[i].extra_len) * sizeof(double)) : NULL;
}

static void find_free(Find *f)
{
    for (int i = 0; i < FV_COUNT; i++) {
        if (f->have[i])
            report_var_free(&f->v[i]);
        free(f->blk[i]);
    }
    report_labels_free(&f->cl);
    report_labels_free(&f->tb);
}

/* Load every array's seed blocks at model g; returns the number of seeds with any value. */
static int find_load(Find *f, const int64_t g[3])
{
    int any_seed = 0;
    for (int64_t sd = 0; sd < f->ns; sd++) {
        int any = 0;
        for (int i = 0; i < FV_COUNT; i++) {
            if (!f->have[i])
                continue;
            double *o = f->blk[i] + sd * f->v[i].extra_len;
            report_var_seed_block(&f->v[i], g, sd, o);
            for (int64_t j = 0; j < f->v[i].extra_len && !any; j++)
                any = isfinite(o[j]);
        }
        any_seed += any;
    }
    return any_seed;
}

/* Value j of array i in seed sd. */
static double at(const Find *f, int i, int64_t sd, int64_t j)
{
    return f->blk[i][sd * f->v[i].extra_len + j];
}

/* "Not recorded: key = false in the run's config" or "absent from this store". */
static void put_absent(Find *f, const char *what, const char *cfg_key)
{
    char v[64];
    int off = cfg_key && f->r->config && report_config_value(f->r->config, cfg_key, v, sizeof v) &&
              (!strcmp(v, "false") || !strcmp(v, "none") || !strcmp(v, "0"));
    fsbuf_printf(f->b, "<li>");
    if (off)
        put(f->b, "%s: not supported, the analysis was off (%s = %s in the run's config).", what,
            cfg_key, v);
    else
        put(f->b, "%s: not supported, its arrays are absent from this store.", what);
    fsbuf_printf(f->b, "</li>\n");
}

/* ---------------------------------------------------------------- 1. ADCS, learned first */
/* Most distinctive ADCS class of the dataset: the largest mean |ADCS_c| / (K - 1) over the
 * spectrum without DC (1: the class has more, or less, energy than every other class at every
 * frequency; 0: as much as half of them). A lead under FIND_ADCS_TIE is a tie. */
static void find_adcs(Find *f)
{
    f->distinct = -1;
    if (!f->have[FV_ADCS] || f->k < 2)
        return;
    const ReportVar *v = &f->v[FV_ADCS];
    int64_t h = v->dims[v->ng + 1], w = v->dims[v->ng + 2];
    double *m = xmalloc((size_t)v->extra_len * sizeof *m), *score = xmalloc((size_t)f->k * 8);
    const int64_t g0[3] = {0, 0, 0};
    if (!report_var_mean(v, g0, m)) {
        free(m);
        free(score);
        return;
    }
    int best = -1, second = -1;
    for (int64_t c = 0; c < f->k; c++) {
        double s = 0;
        int64_t n = 0;
        for (int64_t i = 0; i < h; i++)
            for (int64_t j = 0; j < w; j++) {
                double x = m[(c * h + i) * w + j];
                if ((i == h / 2 && j == w / 2) || !isfinite(x))
                    continue; /* DC: the normalisation's offset */
                s += fabs(x);
                n++;
            }
        score[c] = n ? s / (double)n / (double)(f->k - 1) : (double)NAN;
        if (!isfinite(score[c]))
            continue;
        if (best < 0 || score[c] > score[best]) {
            second = best;
            best = (int)c;
        } else if (second < 0 || score[c] > score[second]) {
            second = (int)c;
        }
    }
    fsbuf_printf(f->b, "<p>");
    if (best < 0) {
        put(f->b, "Most distinctive ADCS: no finite ADCS values.");
    } else {
        int tie = second >= 0 && score[best] - score[second] < FIND_ADCS_TIE;
        f->distinct = tie ? -2 : best;
        if (tie)
            put(f->b,
                "Most distinctive ADCS: inconclusive, %s (%.3f) and %s (%.3f) are within %.2f "
                "(score: mean |ADCS| / (K-1) over the spectrum without DC).",
                f->cl.s[best], score[best], f->cl.s[second], score[second], FIND_ADCS_TIE);
        else if (second >= 0)
            put(f->b,
                "Most distinctive ADCS: %s (score %.3f; next %s, %.3f; score: mean |ADCS| / (K-1) "
                "over the spectrum without DC, 1 = more or less energy than every other class "
                "at every frequency).",
                f->cl.s[best], score[best], f->cl.s[second], score[second]);
        else
            put(f->b, "Most distinctive ADCS: %s (score %.3f).", f->cl.s[best], score[best]);
    }
    char p1[160], p2[160];
    fs_snprintf(p2, sizeof p2, "adcs-%.150s", f->ds);
    char stem[200];
    fs_snprintf(stem, sizeof stem, "adcs_%.150s", f->ds);
    report_figure_id(stem, p1, sizeof p1);
    const LinkGroup lg[] = {{"figure", {p1, p2}}};
    put_links(f->r, f->b, lg, 1, &f->n_links);
    fsbuf_printf(f->b, "</p>\n");
    free(m);
    free(score);
}

/* The learned-first class of one seed: the first checkpoint at which a class reaches margin
 * AUC FIND_AUC on the unfiltered test set. Returns the class, -1 when none reaches it, -2 on a
 * tie (several at that checkpoint), -3 when the seed has no values; *step its lo_step. */
static int learned_first_seed(const Find *f, int64_t sd, double *step, double *auc_max,
                              uint8_t *tied)
{
    const ReportVar *v = &f->v[FV_LO_AUC];
    int64_t nck = v->dims[v->ng], ntb = v->dims[v->ng + 1];
    int any = 0;
    for (int64_t i = 0; i < nck; i++) {
        int n = 0, c_first = -1;
        for (int64_t c = 0; c < f->k; c++) {
            double x = at(f, FV_LO_AUC, sd, (i * ntb + f->ref) * f->k + c);
            if (!isfinite(x))
                continue;
            any = 1;
            if (x > *auc_max)
                *auc_max = x;
            tied[c] = x >= FIND_AUC;
            if (x >= FIND_AUC) {
                n++;
                c_first = (int)c;
            }
        }
        if (n) {
            *step = f->have[FV_LO_STEP] && i < f->v[FV_LO_STEP].dims[f->v[FV_LO_STEP].ng]
                        ? at(f, FV_LO_STEP, sd, i)
                        : (double)NAN;
            return n == 1 ? c_first : -2;
        }
    }
    return any ? -1 : -3;
}

static void find_learned_first(Find *f, const char *model, const char *band)
{
    fsbuf_printf(f->b, "<li><strong>Learned first</strong>: ");
    int *cnt = xcalloc((size_t)f->k, sizeof *cnt);
    double *steps = xcalloc((size_t)f->k, sizeof *steps), auc_max = -1, tie_step = NAN;
    uint8_t *tied = xcalloc((size_t)f->k, 1), *tie0 = xcalloc((size_t)f->k, 1);
    int nv = 0, n_tie = 0, n_none = 0;
    for (int64_t sd = 0; sd < f->ns; sd++) {
        double step = NAN;
        int c = learned_first_seed(f, sd, &step, &auc_max, tied);
        if (c == -3)
            continue;
        nv++;
        if (c == -2) {
            if (n_tie++ == 0) { /* the first tie is named */
                memcpy(tie0, tied, (size_t)f->k);
                tie_step = step;
            }
        } else if (c == -1)
            n_none++;
        else {
            cnt[c]++;
            steps[c] += step;
        }
    }
    int maj = -1;
    for (int64_t c = 0; c < f->k; c++)
        if (2 * cnt[c] > nv)
            maj = (int)c;
    if (nv == 0) {
        put(f->b, "no learning-order values for this model.");
    } else if (n_none == nv) {
        put(f->b,
            "no class reached margin AUC %.2f by the last checkpoint (largest AUC %.3f); "
            "no finding.",
            FIND_AUC, auc_max);
    } else if (maj >= 0) {
        put(f->b,
            "%s (the first class to reach margin AUC %.2f on '%s', at step %.0f%s; first in %d "
            "of %d seed%s)",
            f->cl.s[maj], FIND_AUC, f->tb.n ? f->tb.s[f->ref] : "test", steps[maj] / cnt[maj],
            cnt[maj] > 1 ? " on average" : "", cnt[maj], nv, nv == 1 ? "" : "s");
        if (f->distinct >= 0)
            put(f->b, " beside the most distinctive ADCS, %s: %s.", f->cl.s[f->distinct],
                f->distinct == maj ? "they agree" : "they disagree");
        else if (f->distinct == -2)
            put(f->b, "; against the ADCS: inconclusive (the most distinctive ADCS is a tie).");
        else
            put(f->b, "; no ADCS to compare with.");
        put_seed_support(f->b, nv);
    } else {
        put(f->b,
            "inconclusive: no class is first in a strict majority of the %d seed%s with "
            "values (",
            nv, nv == 1 ? "" : "s");
        int n = 0;
        for (int64_t c = 0; c < f->k; c++)
            if (cnt[c])
                put(f->b, "%s%s in %d", n++ ? ", " : "", f->cl.s[c], cnt[c]);
        if (n_tie) {
            put(f->b, "%sa tie in %d: ", n++ ? ", " : "", n_tie);
            int nt = 0;
            for (int64_t c = 0; c < f->k; c++)
                if (tie0[c])
                    put(f->b, "%s%s", nt++ ? ", " : "", f->cl.s[c]);
            put(f->b, " reach AUC %.2f at the same checkpoint, step %.0f%s", FIND_AUC, tie_step,
                n_tie > 1 ? " (the first such seed)" : "");
        }
        if (n_none)
            put(f->b, "%sno class reaching AUC %.2f in %d", n++ ? ", " : "", FIND_AUC, n_none);
        put(f->b, "); against the ADCS: inconclusive");
        if (f->distinct >= 0 && n_tie)
            put(f->b, " (the most distinctive ADCS, %s, is %samong the first tie)",
                f->cl.s[f->distinct], tie0[f->distinct] ? "" : "not ");
        put(f->b, ".");
        put_seed_support(f->b, nv);
    }
    char p1[256], p2[256], p3[256], p4[256], t1[160], c1[160], stem[256];
    fs_snprintf(stem, sizeof stem, "lo_auc_%.100s_%.100s", f->ds, model);
    report_figure_id(stem, p1, sizeof p1);
    fs_snprintf(stem, sizeof stem, "lo_auc_%.100s", f->ds);
    report_figure_id(stem, p2, sizeof p2);
    fs_snprintf(stem, sizeof stem, "class_acc_curve_%.100s_%.100s", f->ds, model);
    report_figure_id(stem, p3, sizeof p3);
    fs_snprintf(stem, sizeof stem, "class_acc_curve_%.100s", f->ds);
    report_figure_id(stem, p4, sizeof p4);
    fs_snprintf(t1, sizeof t1, "learnorder-%.140s", f->ds);
    fs_snprintf(c1, sizeof c1, "curves-%.140s", f->ds);
    const LinkGroup lg[] = {{"curves", {p1, p2, p3, p4}}, {"table", {t1, c1}}};
    put_links(f->r, f->b, lg, 2, &f->n_links);
    (void)band;
    fsbuf_printf(f->b, "</li>\n");
    free(cnt);
    free(steps);
    free(tied);
    free(tie0);
}

/* ---------------------------------------------------------------- 2. band-stop */
static int is_bandstop(const char *s)
{
    return !strncmp(s, "bandstop", 8);
}

/* Mean and 95 % interval of class c's accuracy on test band t over the seeds: t-interval over
 * seeds, or with one seed the Wilson interval over its test images (confusion counts). */
static int class_acc_interval(const Find *f, int64_t t, int64_t c, double *m, double *lo,
                              double *hi)
{
    double *vals = xmalloc((size_t)f->ns * sizeof *vals);
    for (int64_t sd = 0; sd < f->ns; sd++)
        vals[sd] = at(f, FV_CLASS_ACC, sd, t * f->k + c);
    int n = verdict_seed_summary(vals, (int)f->ns, m, lo, hi);
    if (n == 1 && f->have[FV_CONF])
        for (int64_t sd = 0; sd < f->ns; sd++) {
            if (!isfinite(vals[sd]))
                continue;
            double kk = at(f, FV_CONF, sd, (t * f->k + c) * f->k + c), nn = 0;
            for (int64_t j = 0; j < f->k; j++)
                nn += at(f, FV_CONF, sd, (t * f->k + c) * f->k + j);
            if (isfinite(kk) && isfinite(nn) && nn > 0)
                verdict_wilson(kk, nn, lo, hi);
        }
    free(vals);
    return n;
}

/* Mean over seeds of confusion count (t, i, j); NaN when no seed has it. */
static double conf_mean(const Find *f, int64_t t, int64_t i, int64_t j)
{
    double s = 0;
    int n = 0;
    for (int64_t sd = 0; sd < f->ns; sd++) {
        double x = at(f, FV_CONF, sd, (t * f->k + i) * f->k + j);
        if (isfinite(x)) {
            s += x;
            n++;
        }
    }
    return n ? s / n : (double)NAN;
}

static void find_bandstop(Find *f, const char *model, const char *band)
{
    int64_t ntb = f->tb.n;
    for (int64_t t = 0; t < ntb; t++) {
        if (!is_bandstop(f->tb.s[t]) || t == f->ref)
            continue;
        fsbuf_printf(f->b, "<li><strong>Band-stop</strong>: ");
        put(f->b, "'%s' against '%s': ", f->tb.s[t], f->tb.s[f->ref]);
        FsBuf surv = {0}, lost = {0}, inc = {0}, unl = {0};
        int n_seeds = 0;
        for (int64_t c = 0; c < f->k; c++) {
            double mr, lr, hr, m, lo, hi;
            int nr = class_acc_interval(f, f->ref, c, &mr, &lr, &hr);
            int n = class_acc_interval(f, t, c, &m, &lo, &hi);
            if (n > n_seeds)
                n_seeds = n;
            if (!nr || !n)
                continue;
            if (mr < FIND_CLASS_MIN) {
                fsbuf_printf(&unl, "%s%s (%.2f)", unl.len ? ", " : "", f->cl.s[c], mr);
                continue;
            }
            double thr = FIND_SURVIVE * mr;
            if (lo >= thr) {
                fsbuf_printf(&surv, "%s%s (%.2f -> %.2f [%.2f, %.2f])", surv.len ? ", " : "",
                             f->cl.s[c], mr, m, lo, hi);
            } else if (hi < thr) {
                fsbuf_printf(&lost, "%s%s (%.2f -> %.2f [%.2f, %.2f]", lost.len ? ", " : "",
                             f->cl.s[c], mr, m, lo, hi);
                /* where its images went: the largest relative confusion increase */
                double nc = 0;
                for (int64_t j = 0; f->have[FV_CONF] && j < f->k; j++)
                    nc += conf_mean(f, f->ref, c, j);
                int64_t jb = -1;
                double db = 0;
                for (int64_t j = 0; f->have[FV_CONF] && nc > 0 && j < f->k; j++) {
                    double d = (conf_mean(f, t, c, j) - conf_mean(f, f->ref, c, j)) / nc * 100;
                    if (j != c && isfinite(d) && d > db) {
                        db = d;
                        jb = j;
                    }
                }
                if (jb >= 0 && db >= FIND_MOVE_PTS)
                    fsbuf_printf(&lost, "; mostly to %s, %+.0f points", f->cl.s[jb], db);
                fsbuf_printf(&lost, ")");
            } else {
                fsbuf_printf(&inc, "%s%s (%.2f -> %.2f [%.2f, %.2f] straddles %.2f)",
                             inc.len ? ", " : "", f->cl.s[c], mr, m, lo, hi, thr);
            }
        }
        put(f->b, "survive %s; lost %s", surv.len ? surv.s : "none", lost.len ? lost.s : "none");
        if (inc.len)
            put(f->b, "; inconclusive %s", inc.s);
        if (unl.len)
            put(f->b, "; not learned on '%s' (below %.2f), no finding: %s", f->tb.s[f->ref],
                FIND_CLASS_MIN, unl.s);
        put(f->b,
            ". Survive = the interval of the band-stop accuracy lies at or above %.1f x the "
            "unfiltered accuracy; lost = below it.",
            FIND_SURVIVE);
        put_seed_support(f->b, n_seeds);
        fsbuf_free(&surv);
        fsbuf_free(&lost);
        fsbuf_free(&inc);
        fsbuf_free(&unl);
        char p1[256], p2[256], t1[160], h1[160], stem[256];
        fs_snprintf(stem, sizeof stem, "class_acc_change_%.100s_%.100s", f->ds, band);
        report_figure_id(stem, p1, sizeof p1);
        fs_snprintf(stem, sizeof stem, "confusion_%.80s_%.80s_%.80s", f->ds, model, band);
        report_figure_id(stem, p2, sizeof p2);
        fs_snprintf(t1, sizeof t1, "test_acc-%.140s", f->ds);
        fs_snprintf(h1, sizeof h1, "bandtests-%.140s", f->ds);
        const LinkGroup lg[] = {
            {"accuracy change", {p1}}, {"confusion change", {p2}}, {"table", {t1, h1}}};
        put_links(f->r, f->b, lg, 3, &f->n_links);
        fsbuf_printf(f->b, "</li>\n");
    }
}

/* ---------------------------------------------------------------- 3. shortcuts */
/* Mean and interval of array i (T, class) at element e over the seeds; one seed: the stored
 * Wilson interval (array ci, NaN-free) when present. */
static int rate_interval(const Find *f, int i, int ci, int64_t e, double *m, double *lo, double *hi)
{
    double *vals = xmalloc((size_t)f->ns * sizeof *vals);
    for (int64_t sd = 0; sd < f->ns; sd++)
        vals[sd] = at(f, i, sd, e);
    int n = verdict_seed_summary(vals, (int)f->ns, m, lo, hi);
    if (n == 1 && f->have[ci])
        for (int64_t sd = 0; sd < f->ns; sd++)
            if (isfinite(vals[sd]) && isfinite(at(f, ci, sd, 2 * e)) &&
                isfinite(at(f, ci, sd, 2 * e + 1))) {
                *lo = at(f, ci, sd, 2 * e);
                *hi = at(f, ci, sd, 2 * e + 1);
            }
    free(vals);
    return n;
}

static void find_shortcuts(Find *f, const char *model, const char *band)
{
    const ReportVar *v = &f->v[FV_TPR];
    int64_t nT = v->dims[v->ng];
    double *Tc = report_coords_read(&f->r->store, f->ds, "T", nT);
    int64_t ti = 0;
    for (int64_t t = 1; t < nT; t++)
        if (fabs(Tc[t] - FIND_T) < fabs(Tc[ti] - FIND_T))
            ti = t;
    ReportLabels Tl = report_labels_read(&f->r->store, f->ds, "T", nT, "T");
    fsbuf_printf(f->b, "<li><strong>Shortcuts</strong> ");
    put(f->b, "(DFMs at T = %s): ", Tl.s[ti]);
    FsBuf pap = {0}, pinc = {0}, spe = {0}, sinc = {0};
    uint8_t *fl = xmalloc((size_t)f->ns), *fs = xmalloc((size_t)f->ns);
    int n_seeds = 0, has_spec = 0;
    for (int64_t c = 0; c < f->k; c++) {
        int64_t e = ti * f->k + c;
        double m, lo, hi, fm, flo, fhi;
        int n = rate_interval(f, FV_TPR, FV_TPR_CI, e, &m, &lo, &hi);
        rate_interval(f, FV_FPR, FV_FPR_CI, e, &fm, &flo, &fhi);
        if (!n)
            continue;
        if (n > n_seeds)
            n_seeds = n;
        for (int64_t sd = 0; sd < f->ns; sd++) {
            double x = at(f, FV_TPR, sd, e);
            fl[sd] = isfinite(x) ? (uint8_t)verdict_paper(x, f->t_paper) : 255;
            double y = f->have[FV_SPECIFIC] ? at(f, FV_SPECIFIC, sd, e) : (double)NAN;
            fs[sd] = isfinite(y) ? (uint8_t)(y > 0.5) : 255;
            has_spec |= isfinite(y);
        }
        int sc = verdict_majority(fl, (int)f->ns);
        for (int64_t sd = 0; sd < f->ns; sd++)
            if (fl[sd] != 255)
                fl[sd] = (uint8_t)verdict_strong(at(f, FV_TPR, sd, e));
        int strong = sc && verdict_majority(fl, (int)f->ns);
        /* The paper's verdict, judged against the interval: a straddled threshold is a tie. */
        if (sc && lo > f->t_paper)
            fsbuf_printf(&pap, "%s%s%s (TPR %.2f [%.2f, %.2f])", pap.len ? ", " : "", f->cl.s[c],
                         strong ? " strong" : "", m, lo, hi);
        else if (!(!sc && hi <= f->t_paper))
            fsbuf_printf(&pinc, "%s%s (TPR %.2f [%.2f, %.2f])", pinc.len ? ", " : "", f->cl.s[c], m,
                         lo, hi);
        if (!f->have[FV_SPECIFIC])
            continue;
        int sp = verdict_majority(fs, (int)f->ns);
        double *vals = xmalloc((size_t)f->ns * sizeof *vals);
        for (int64_t sd = 0; sd < f->ns; sd++)
            vals[sd] = f->have[FV_P95] ? at(f, FV_P95, sd, e) : (double)NAN;
        double p95 = verdict_mean(vals, (int)f->ns);
        free(vals);
        int clear_yes = lo > f->t_paper && isfinite(p95) && lo > p95 && fhi <= f->fpr_max;
        int clear_no = hi <= f->t_paper || (isfinite(p95) && hi <= p95) || flo > f->fpr_max;
        if (sp && clear_yes)
            fsbuf_printf(&spe,
                         "%s%s (TPR %.2f [%.2f, %.2f] > controls' p95 %.2f; FPR %.2f [%.2f, %.2f])",
                         spe.len ? ", " : "", f->cl.s[c], m, lo, hi, p95, fm, flo, fhi);
        else if (!(!sp && clear_no))
            fsbuf_printf(&sinc,
                         "%s%s (TPR %.2f [%.2f, %.2f], controls' p95 %.2f, FPR %.2f [%.2f, %.2f])",
                         sinc.len ? ", " : "", f->cl.s[c], m, lo, hi, p95, fm, flo, fhi);
    }
    if (!n_seeds) {
        put(f->b, "no TPR values for this model.");
    } else {
        put(f->b, "paper's verdict (TPR > %.2f, strong at >= %.1f): %s", f->t_paper,
            VERDICT_STRONG_TPR, pap.len ? pap.s : "none");
        if (pinc.len)
            put(f->b, "; inconclusive (interval straddles %.2f): %s", f->t_paper, pinc.s);
        if (!f->have[FV_SPECIFIC] || !has_spec)
            put(f->b, ". Specific verdict: not computed (no random controls: shortcut_controls = "
                      "0, or a store from before issue 12).");
        else {
            put(f->b,
                ". Specific verdict (also above the radius-matched random controls' p95 and "
                "FPR <= %.2f): %s",
                f->fpr_max, spe.len ? spe.s : "none");
            if (sinc.len)
                put(f->b,
                    "; inconclusive (an interval straddles a threshold, or the seeds disagree): %s",
                    sinc.s);
            put(f->b, ".");
        }
        put(f->b, " %d seed%s%s.", n_seeds, n_seeds == 1 ? "" : "s",
            n_seeds == 1 ? " (intervals: Wilson 95 % over test images)"
                         : " (intervals: 95 % t-interval over seeds)");
        put_seed_support(f->b, n_seeds);
    }
    char p1[256], t1[160], stem[256];
    fs_snprintf(stem, sizeof stem, "tpr_%.100s_%.100s", f->ds, band);
    report_figure_id(stem, p1, sizeof p1);
    fs_snprintf(t1, sizeof t1, "tprfpr-%.140s", f->ds);
    const LinkGroup lg[] = {{"figure", {p1}}, {"table", {t1}}};
    put_links(f->r, f->b, lg, 2, &f->n_links);
    (void)model;
    fsbuf_printf(f->b, "</li>\n");
    fsbuf_free(&pap);
    fsbuf_free(&pinc);
    fsbuf_free(&spe);
    fsbuf_free(&sinc);
    free(fl);
    free(fs);
    free(Tc);
    report_labels_free(&Tl);
}

/* ---------------------------------------------------------------- 4. HFSS against removal */
static void find_hfss(Find *f, const char *band)
{
    const ReportVar *hv = &f->v[FV_HFSS], *dv = &f->v[FV_DFM];
    int64_t hw = hv->dims[hv->ng + 1] * hv->dims[hv->ng + 2];
    int64_t nT = dv->dims[dv->ng];
    if (dv->dims[dv->ng + 2] * dv->dims[dv->ng + 3] != hw)
        return;
    ReportLabels Tl = report_labels_read(&f->r->store, f->ds, "T", nT, "T");
    /* Per T: mean kept fraction of the removal DFMs; per (T, class): mean IoU over seeds. */
    double *iou = xcalloc((size_t)(nT * f->k), sizeof *iou), *dsz = xcalloc((size_t)nT, 8);
    int *nio = xcalloc((size_t)(nT * f->k), sizeof *nio), *nd = xcalloc((size_t)nT, sizeof *nd);
    double hsz = 0;
    int nh = 0, seeds = 0;
    for (int64_t sd = 0; sd < f->ns; sd++) {
        int used = 0;
        for (int64_t c = 0; c < f->k; c++) {
            int64_t kh = 0, bad = 0;
            for (int64_t i = 0; i < hw; i++) {
                double x = at(f, FV_HFSS, sd, c * hw + i);
                bad |= !isfinite(x);
                kh += x > 0.5;
            }
            if (bad)
                continue;
            hsz += (double)kh / (double)hw;
            nh++;
            used = 1;
            for (int64_t t = 0; t < nT; t++) {
                int64_t kd = 0, both = 0, either = 0, bd = 0;
                for (int64_t i = 0; i < hw; i++) {
                    double y = at(f, FV_DFM, sd, (t * f->k + c) * hw + i);
                    double x = at(f, FV_HFSS, sd, c * hw + i);
                    bd |= !isfinite(y);
                    kd += y > 0.5;
                    both += (y > 0.5) && (x > 0.5);
                    either += (y > 0.5) || (x > 0.5);
                }
                if (bd)
                    continue;
                dsz[t] += (double)kd / (double)hw;
                nd[t]++;
                if (either) {
                    iou[t * f->k + c] += (double)both / (double)either;
                    nio[t * f->k + c]++;
                }
            }
        }
        seeds += used;
    }
    fsbuf_printf(f->b, "<li><strong>HFSS against removal</strong>: ");
    int64_t tb = -1;
    if (nh)
        for (int64_t t = 0; t < nT; t++)
            if (nd[t] &&
                (tb < 0 || fabs(dsz[t] / nd[t] - hsz / nh) < fabs(dsz[tb] / nd[tb] - hsz / nh)))
                tb = t;
    if (!nh || tb < 0) {
        put(f->b, "no HFSS maps with removal DFMs beside them for this model.");
    } else {
        put(f->b,
            "HFSS keeps %.1f %% of the spectrum per class (mean); the removal DFM of the closest "
            "size, T = %s, keeps %.1f %%. Overlap (intersection over union of the kept bins; 1 = "
            "the same frequencies):",
            100 * hsz / nh, Tl.s[tb], 100 * dsz[tb] / nd[tb]);
        for (int64_t c = 0; c < f->k; c++)
            if (nio[tb * f->k + c])
                put(f->b, "%s %s %.2f", c ? "," : "", f->cl.s[c],
                    iou[tb * f->k + c] / nio[tb * f->k + c]);
        put(f->b, " (%d seed%s).", seeds, seeds == 1 ? "" : "s");
        put_seed_support(f->b, seeds);
    }
    char p1[256], p2[256], h1[160], stem[256];
    fs_snprintf(stem, sizeof stem, "hfss_%.100s_%.100s", f->ds, band);
    report_figure_id(stem, p1, sizeof p1);
    fs_snprintf(stem, sizeof stem, "dfm_%.80s_%.80s_T%.40s", f->ds, band, tb >= 0 ? Tl.s[tb] : "");
    report_figure_id(stem, p2, sizeof p2);
    fs_snprintf(h1, sizeof h1, "hfss_dfm-%.140s", f->ds);
    const LinkGroup lg[] = {{"HFSS maps", {p1, h1}}, {"removal DFMs", {p2}}};
    put_links(f->r, f->b, lg, 2, &f->n_links);
    fsbuf_printf(f->b, "</li>\n");
    free(iou);
    free(dsz);
    free(nio);
    free(nd);
    report_labels_free(&Tl);
}

/* ---------------------------------------------------------------- per dataset */
static void find_dataset(Report *r, const char *ds, FsBuf *b, int *n_links)
{
    Find f;
    memset(&f, 0, sizeof f);
    f.r = r;
    f.ds = ds;
    f.b = b;
    f.t_paper = r->tpr_threshold;
    f.fpr_max = VERDICT_FPR_MAX;
    char v[64];
    if (r->config && report_config_value(r->config, "shortcut_fpr_max", v, sizeof v)) {
        char *end;
        double x = strtod(v, &end);
        if (end != v && x >= 0 && x <= 1)
            f.fpr_max = x;
    }
    find_read(&f);
    char id[200];
    fs_snprintf(id, sizeof id, "findings-%.180s", ds);
    fsbuf_printf(b, "<h3 id=\"");
    html_escape(b, id);
    fsbuf_printf(b, "\">");
    html_escape(b, ds);
    fsbuf_printf(b, "</h3>\n");
    find_adcs(&f);
    /* The model grid: of the first array present. */
    const int grid_from[] = {FV_TEST_ACC, FV_LO_AUC, FV_CLASS_ACC, FV_TPR, FV_HFSS};
    const ReportVar *gv = NULL;
    for (size_t i = 0; i < FS_ARRAY_LEN(grid_from) && !gv; i++)
        if (f.have[grid_from[i]])
            gv = &f.v[grid_from[i]];
    /* What the store lacks, once per dataset. */
    fsbuf_printf(b, "<ul>\n");
    if (!f.have[FV_LO_AUC])
        put_absent(&f, "Learned first (lo_auc)", "learning_order");
    if (!f.have[FV_ADCS])
        put_absent(&f, "Most distinctive ADCS (adcs)", "adcs");
    int n_bs = 0;
    for (int64_t t = 0; t < f.tb.n; t++)
        n_bs += is_bandstop(f.tb.s[t]) && t != f.ref;
    if (!f.have[FV_CLASS_ACC] || !n_bs) {
        char tbv[64] = "";
        int off = r->config && report_config_value(r->config, "test_bands", tbv, sizeof tbv);
        fsbuf_printf(b, "<li>");
        if (!f.have[FV_CLASS_ACC])
            put(b, "Band-stop survival: not supported, class_acc is absent from this store.");
        else
            put(b, "Band-stop survival: not supported, the store has no band-stop test set%s%s%s.",
                off ? " (test_bands = " : "", off ? tbv : "", off ? " in the run's config)" : "");
        fsbuf_printf(b, "</li>\n");
    }
    if (!f.have[FV_TPR])
        put_absent(&f, "Shortcut verdicts (tpr)", "tprfpr");
    int hfss = f.have[FV_HFSS] && f.have[FV_DFM];
    if (!f.have[FV_HFSS])
        put_absent(&f, "HFSS against removal (hfss_dfm)", "hfss");
    else if (!f.have[FV_DFM])
        put_absent(&f, "HFSS against removal (the removal DFMs, dfm)", "dfm");
    fsbuf_printf(b, "</ul>\n");
    if (!gv) {
        find_free(&f);
        return;
    }
    ReportModels mg = report_models_read(&r->store, ds, gv);
    double *acc =
        f.have[FV_TEST_ACC] ? xmalloc((size_t)f.v[FV_TEST_ACC].extra_len * sizeof *acc) : NULL;
    for (int64_t a = 0; a < mg.na; a++)
        for (int64_t g = 0; g < mg.ng; g++)
            for (int64_t bb = 0; bb < mg.nb; bb++) {
                const int64_t gi[3] = {a, g, bb};
                int seeds = find_load(&f, gi);
                if (!seeds)
                    continue;
                char model[160];
                report_models_name(&mg, a, g, model, sizeof model);
                const char *band = mg.band.s[bb];
                double am = NAN;
                int na = acc ? report_var_mean(&f.v[FV_TEST_ACC], gi, acc) : 0;
                if (na && f.ref < f.v[FV_TEST_ACC].extra_len)
                    am = acc[f.ref];
                fsbuf_printf(b, "<p><strong>");
                put(b, "%s, aug %s, band %s", mg.arch.s[a], mg.aug.s[g], band);
                fsbuf_printf(b, "</strong>");
                if (isfinite(am))
                    put(b, ": test accuracy %.3f on '%s' (mean of %d seed%s)", am, f.tb.s[f.ref],
                        na, na == 1 ? "" : "s");
                fsbuf_printf(b, "</p>\n<ul>\n");
                if (isfinite(am) && am < FIND_MIN_ACC) {
                    fsbuf_printf(b, "<li class=\"warn\"><strong>");
                    put(b, "Model has not learned (test accuracy %.2f < %.2f): no finding.", am,
                        FIND_MIN_ACC);
                    fsbuf_printf(b, "</strong>");
                    char t1[160];
                    fs_snprintf(t1, sizeof t1, "test_acc-%.140s", ds);
                    const LinkGroup lg[] = {{"table", {t1}}};
                    put_links(r, b, lg, 1, &f.n_links);
                    fsbuf_printf(b, "</li>\n</ul>\n");
                    continue;
                }
                if (!isfinite(am)) {
                    fsbuf_printf(b, "<li class=\"warn\"><strong>");
                    put(b, "Test accuracy not stored: whether the model learned is unknown; the "
                           "lines below are not supported.");
                    fsbuf_printf(b, "</strong></li>\n");
                }
                if (f.have[FV_LO_AUC])
                    find_learned_first(&f, model, band);
                if (f.have[FV_CLASS_ACC] && n_bs)
                    find_bandstop(&f, model, band);
                if (f.have[FV_TPR])
                    find_shortcuts(&f, model, band);
                if (hfss)
                    find_hfss(&f, band);
                fsbuf_printf(b, "</ul>\n");
            }
    free(acc);
    report_models_free(&mg);
    *n_links += f.n_links;
    find_free(&f);
}

void report_section_findings(Report *r, char **datasets, int nds, FsBuf *out)
{
    /* Notes about malformed arrays are already in their sections: drop the repeats. */
    HtmlDoc scratch = {0};
    HtmlDoc *notes = r->store.notes;
    r->store.notes = &scratch;
    fsbuf_printf(out, "<h2 id=\"findings\">Findings</h2>\n");
    fsbuf_printf(out, "<p class=\"note\">");
    put(out,
        "Per dataset and model (arch, augmentation, training band; over seeds). Learned first: "
        "the first class to reach margin AUC %.2f on the unfiltered test set (PAPER.md 5). Most "
        "distinctive ADCS: the class with the largest mean |ADCS| / (K-1) without DC (ties within "
        "%.2f are inconclusive). A model below test accuracy %.2f has not learned and gets no "
        "finding. A finding over fewer than %d seeds is marked not supported across seeds; a "
        "verdict whose interval straddles its threshold is inconclusive. Each line links to its "
        "figure and table below.",
        FIND_AUC, FIND_ADCS_TIE, FIND_MIN_ACC, FIND_MIN_SEEDS);
    fsbuf_printf(out, "</p>\n");
    int n_links = 0;
    for (int i = 0; i < nds; i++)
        find_dataset(r, datasets[i], out, &n_links);
    if (nds == 0)
        fsbuf_printf(out, "<p>No findings: the store has no results.</p>\n");
    r->store.notes = notes;
    html_free(&scratch);
    r->sum.sections_present++;
}
