/* report_shortcuts.c: the shortcut-evaluation section of `fsweep report`: TPR and FPR of each
 * class on test sets filtered with that class's DFM, per model, training band and threshold T,
 * with 95 % intervals, the random controls' p95 and p-value, the injection rate, both verdicts
 * (the paper's: TPR above the run's tpr_threshold, strong at TPR >= 0.6; fsweep's specific
 * shortcut: above t, above the controls' p95, FPR <= shortcut_fpr_max) and one TPR figure per
 * training band. Several seeds: the mean and the 95 % t-interval over seeds, and a verdict
 * counts only when it holds in a strict majority of the seeds with a value (verdict.h); one
 * seed: the Wilson interval over images stored by the run. */
#include "report_sections.h"
#include "verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* TPR at a glance: per training band one figure, one panel per threshold T, each panel
 * classes (rows) x models (columns), viridis on [0, 1]. */
static void tpr_figures(Report *r, const char *ds, const ReportVar *tpr, const ReportModels *mg,
                        const ReportLabels *Tl, const ReportLabels *cl)
{
    int64_t nT = tpr->dims[tpr->ng], k = tpr->dims[tpr->ng + 1];
    int64_t nmod = mg->na * mg->ng;
    double *mean = xmalloc((size_t)tpr->extra_len * sizeof *mean);
    float *pan = xmalloc((size_t)(nT * k * nmod) * sizeof *pan);
    const float **panels = xmalloc((size_t)nT * sizeof *panels);
    char **names = xcalloc((size_t)nmod, sizeof *names);
    for (int64_t b = 0; b < mg->nb; b++) {
        int nm = 0;
        for (int64_t a = 0; a < mg->na; a++)
            for (int64_t g = 0; g < mg->ng; g++) {
                int64_t gi[3] = {a, g, b};
                if (!report_var_mean(tpr, gi, mean))
                    continue;
                char name[160];
                report_models_name(mg, a, g, name, sizeof name);
                names[nm] = xstrdup(name);
                /* panel t is (k, nmod) row-major; this model is column nm */
                for (int64_t t = 0; t < nT; t++)
                    for (int64_t c = 0; c < k; c++)
                        pan[(t * k + c) * nmod + nm] = (float)mean[t * k + c];
                nm++;
            }
        if (nm) {
            /* Compact the columns when some models lack values: rebuild with pw = nm. */
            float *cp = xmalloc((size_t)(nT * k * nm) * sizeof *cp);
            for (int64_t t = 0; t < nT; t++)
                for (int64_t c = 0; c < k; c++)
                    memcpy(cp + (t * k + c) * nm, pan + (t * k + c) * nmod,
                           (size_t)nm * sizeof *cp);
            for (int64_t t = 0; t < nT; t++)
                panels[t] = cp + t * k * nm;
            char title[256], stem[256], cap[512];
            fs_snprintf(title, sizeof title, "%s, trained on band %s: TPR on DFM-filtered sets", ds,
                        mg->band.s[b]);
            const char *rl[1] = {"class"};
            char **tcols = xmalloc((size_t)nT * sizeof *tcols);
            for (int64_t t = 0; t < nT; t++) {
                char tt[80];
                fs_snprintf(tt, sizeof tt, "T = %s", Tl->s[t]);
                tcols[t] = xstrdup(tt);
            }
            PlotGridSpec gs = report_grid(1, (int)nT, rl, (const char *const *)tcols, panels,
                                          (int)k, nm, PLOT_CMAP_VIRIDIS, "TPR (fraction)");
            gs.title = title;
            gs.vmin = 0;
            gs.vmax = 1;
            report_grid_name_axes(&gs, (const char *const *)names, (const char *const *)cl->s,
                                  "model");
            fs_snprintf(stem, sizeof stem, "tpr_%s_%s", ds, mg->band.s[b]);
            fs_snprintf(cap, sizeof cap,
                        "TPR of each class (rows) and model (columns) on test sets filtered with "
                        "the class's DFM, one panel per threshold T; models trained on band %s "
                        "of %s; seed mean. Bright = the DFM frequencies alone keep the class "
                        "recognisable (a shortcut candidate).",
                        mg->band.s[b], ds);
            report_figure(r, plot_heatmap_grid(&gs), stem, cap);
            for (int64_t t = 0; t < nT; t++)
                free(tcols[t]);
            free(tcols);
            free(cp);
        }
        for (int m = 0; m < nm; m++) {
            free(names[m]);
            names[m] = NULL;
        }
    }
    free(names);
    free(panels);
    free(pan);
    free(mean);
}

/* The optional arrays of issue 12 (absent in older stores). */
enum { OV_TPR_CI, OV_FPR_CI, OV_INJ_CI, OV_P95, OV_P, OV_INJ, OV_SPECIFIC, OV_COUNT };

typedef struct {
    ReportVar v[OV_COUNT];
    int have[OV_COUNT];
    double *blk[OV_COUNT]; /* (ns, extra_len) at the current grid point */
} OptVars;

static void opt_read(Report *r, const char *ds, const ReportVar *tpr, OptVars *o)
{
    static const char *const names[OV_COUNT] = {"tpr_ci", "fpr_ci", "inj_ci",  "ctl_tpr_p95",
                                                "p_tpr",  "inj",    "specific"};
    static const char *const d2[2] = {"T", "class"}, *const d3[3] = {"T", "class", "bound"};
    int64_t ns = report_var_gsize(tpr, REPORT_GRID_SEED);
    for (int q = 0; q < OV_COUNT; q++) {
        int ci = q <= OV_INJ_CI;
        o->blk[q] = NULL;
        o->have[q] = report_var_read(&r->store, ds, names[q], &o->v[q]);
        if (o->have[q] <= 0) {
            o->have[q] = 0;
            continue;
        }
        int ok = report_var_expect(&r->store, ds, &o->v[q], ci ? 3 : 2, ci ? d3 : d2) &&
                 o->v[q].extra_len == tpr->extra_len * (ci ? 2 : 1);
        for (int g = 0; ok && g < REPORT_GRID_SEED; g++)
            ok = report_var_gsize(&o->v[q], g) == report_var_gsize(tpr, g);
        if (!ok) {
            report_var_free(&o->v[q]);
            o->have[q] = 0;
            continue;
        }
        o->blk[q] = xmalloc((size_t)(ns * o->v[q].extra_len) * sizeof(double));
    }
}

static void opt_load(OptVars *o, const int64_t g[3], int64_t ns)
{
    for (int q = 0; q < OV_COUNT; q++)
        if (o->have[q])
            for (int64_t sd = 0; sd < ns; sd++)
                (void)report_var_seed_block(&o->v[q], g, sd, o->blk[q] + sd * o->v[q].extra_len);
}

static void opt_free(OptVars *o)
{
    for (int q = 0; q < OV_COUNT; q++) {
        if (o->have[q])
            report_var_free(&o->v[q]);
        free(o->blk[q]);
    }
}

/* Mean and interval over seeds of vals (ns) at element i; one seed: the stored Wilson interval
 * ci (ns, extra_len * 2) when there is one. */
static int seed_interval(const double *vals, int64_t ns, const double *ci, int64_t len, int64_t i,
                         double *mean, double *lo, double *hi)
{
    int n = verdict_seed_summary(vals, (int)ns, mean, lo, hi);
    if (n == 1 && ci)
        for (int64_t sd = 0; sd < ns; sd++)
            if (isfinite(vals[sd])) {
                *lo = ci[sd * len * 2 + 2 * i];
                *hi = ci[sd * len * 2 + 2 * i + 1];
            }
    return n;
}

static void cell_interval(Report *r, int n, double lo, double hi)
{
    char b[64];
    if (n == 0 || !isfinite(lo) || !isfinite(hi))
        fs_snprintf(b, sizeof b, "-");
    else
        fs_snprintf(b, sizeof b, "[%.3f, %.3f]", lo, hi);
    html_cell_text(&r->doc, b, 0);
}

void report_section_tprfpr(Report *r, const char *ds)
{
    static const char *const dims[2] = {"T", "class"};
    ReportVar tpr, fpr;
    int ht = report_var_read(&r->store, ds, "tpr", &tpr),
        hf = report_var_read(&r->store, ds, "fpr", &fpr);
    if (ht == 0 || hf == 0) {
        report_absent(r,
                      ht == 0 && hf == 0 ? "TPR/FPR on DFM-filtered sets (tpr, fpr)"
                      : ht == 0          ? "TPR on DFM-filtered sets (tpr)"
                                         : "FPR on DFM-filtered sets (fpr)",
                      ds, "tprfpr");
    }
    if (ht > 0 && hf > 0 && report_var_expect(&r->store, ds, &tpr, 2, dims) &&
        report_var_expect(&r->store, ds, &fpr, 2, dims)) {
        int same = tpr.rank == fpr.rank;
        for (int i = 0; same && i < tpr.rank; i++)
            same = tpr.dims[i] == fpr.dims[i] && !strcmp(tpr.dn[i], fpr.dn[i]);
        if (!same) {
            html_note(&r->doc, "Skipped TPR/FPR of %s: tpr and fpr have different shapes.", ds);
        } else {
            r->sum.sections_present++;
            report_heading_ds(r, "shortcuts", "Shortcut evaluation (TPR/FPR)", ds);
            char id[160], cap[1200];
            ReportModels mg = report_models_read(&r->store, ds, &tpr);
            int64_t nT = tpr.dims[tpr.ng], k = tpr.dims[tpr.ng + 1];
            ReportLabels Tl = report_labels_read(&r->store, ds, "T", nT, "T");
            ReportLabels cl = report_labels_read(&r->store, ds, "class", k, "C");
            double *mt = xmalloc((size_t)tpr.extra_len * sizeof *mt);
            double *mf = xmalloc((size_t)fpr.extra_len * sizeof *mf);
            /* TPR on the unfiltered test set = per-class accuracy there (class_acc at the
             * reference test band), when the store has it for the same model grid. */
            static const char *const dca[2] = {"test_band", "class"};
            ReportVar ca;
            int hk = report_var_read(&r->store, ds, "class_acc", &ca);
            int use_ca = hk > 0 && ca.rank - ca.ng == 2 && !strcmp(ca.dn[ca.ng], dca[0]) &&
                         !strcmp(ca.dn[ca.ng + 1], dca[1]) && ca.dims[ca.ng + 1] == k;
            for (int gd = 0; use_ca && gd < REPORT_GRID_SEED; gd++)
                use_ca = report_var_gsize(&ca, gd) == report_var_gsize(&tpr, gd);
            int64_t ref = 0;
            char ref_name[64] = "";
            double *mc = NULL;
            if (use_ca) {
                ReportLabels tb =
                    report_labels_read(&r->store, ds, "test_band", ca.dims[ca.ng], "tb");
                ref = report_labels_reference(&tb);
                fs_snprintf(ref_name, sizeof ref_name, "%.60s", tb.s[ref]);
                report_labels_free(&tb);
                mc = xmalloc((size_t)ca.extra_len * sizeof *mc);
            }
            OptVars ov;
            opt_read(r, ds, &tpr, &ov);
            const int64_t ns = report_var_gsize(&tpr, REPORT_GRID_SEED), len = tpr.extra_len;
            double *bt = xmalloc((size_t)(ns * len) * sizeof *bt);
            double *bf = xmalloc((size_t)(ns * len) * sizeof *bf);
            double *vals = xmalloc((size_t)(ns + 1) * sizeof *vals);
            uint8_t *fl_sc = xmalloc((size_t)ns + 1), *fl_st = xmalloc((size_t)ns + 1),
                    *fl_sp = xmalloc((size_t)ns + 1);
            fs_snprintf(id, sizeof id, "tprfpr-%s", ds);
            fs_snprintf(cap, sizeof cap,
                        "TPR and FPR of each class on test sets filtered with that class's DFM "
                        "(fractions; several seeds: mean and 95%% t-interval over seeds, one seed: "
                        "Wilson 95%% interval over images). Paper's verdict: shortcut when TPR > "
                        "%.2f%s (highlighted), strong at TPR >= 0.6 (bold). Specific: TPR > t, "
                        "above the 95th percentile of the radius-matched random controls (ctl p95) "
                        "and FPR <= shortcut_fpr_max. With several seeds a verdict counts only in "
                        "a strict majority of them. p: empirical p-value against the controls; "
                        "inj: injection rate (other classes given the class's DFM bins, predicted "
                        "as the class).%s%s%s",
                        r->tpr_threshold,
                        r->threshold_from_config ? " (tpr_threshold of the run's config)"
                                                 : " (default; the store has no config)",
                        use_ca ? " TPR orig: the class's accuracy on the unfiltered test set '"
                               : "",
                        ref_name, use_ca ? "'." : "");
            html_table_begin(&r->doc, id, cap);
            html_row_begin(&r->doc);
            static const char *const hd[] = {"arch", "aug", "band", "T", "class", "seeds"};
            for (size_t i = 0; i < FS_ARRAY_LEN(hd); i++)
                html_cell_text(&r->doc, hd[i], HTML_CELL_HEADER);
            if (use_ca)
                html_cell_text(&r->doc, "TPR orig", HTML_CELL_HEADER);
            static const char *const hd2[] = {
                "TPR", "TPR 95% CI", "FPR",        "FPR 95% CI",    "ctl p95",
                "p",   "inj",        "inj 95% CI", "paper verdict", "specific verdict"};
            for (size_t i = 0; i < FS_ARRAY_LEN(hd2); i++)
                html_cell_text(&r->doc, hd2[i], HTML_CELL_HEADER);
            html_row_end(&r->doc);
            int n_short = 0, n_strong = 0, n_spec = 0, n_rows = 0;
            for (int64_t a = 0; a < mg.na; a++)
                for (int64_t g = 0; g < mg.ng; g++)
                    for (int64_t b = 0; b < mg.nb; b++) {
                        int64_t gi[3] = {a, g, b};
                        int used = report_var_mean(&tpr, gi, mt);
                        report_var_mean(&fpr, gi, mf);
                        if (!used)
                            continue;
                        for (int64_t sd = 0; sd < ns; sd++) {
                            report_var_seed_block(&tpr, gi, sd, bt + sd * len);
                            report_var_seed_block(&fpr, gi, sd, bf + sd * len);
                        }
                        opt_load(&ov, gi, ns);
                        if (use_ca && !report_var_mean(&ca, gi, mc))
                            for (int64_t i = 0; i < ca.extra_len; i++)
                                mc[i] = NAN;
                        for (int64_t t = 0; t < nT; t++)
                            for (int64_t c = 0; c < k; c++) {
                                const int64_t i = t * k + c;
                                double m, lo, hi;
                                for (int64_t sd = 0; sd < ns; sd++) {
                                    double x = bt[sd * len + i];
                                    fl_sc[sd] = isfinite(x)
                                                    ? (uint8_t)verdict_paper(x, r->tpr_threshold)
                                                    : 255;
                                    fl_st[sd] = isfinite(x) ? (uint8_t)verdict_strong(x) : 255;
                                    double y = ov.have[OV_SPECIFIC]
                                                   ? ov.blk[OV_SPECIFIC][sd * len + i]
                                                   : (double)NAN;
                                    fl_sp[sd] = isfinite(y) ? (uint8_t)(y > 0.5) : 255;
                                }
                                int sc = verdict_majority(fl_sc, (int)ns),
                                    strong = sc && verdict_majority(fl_st, (int)ns),
                                    spec = verdict_majority(fl_sp, (int)ns);
                                int has_spec = 0;
                                for (int64_t sd = 0; sd < ns; sd++)
                                    has_spec |= fl_sp[sd] != 255;
                                int fl = strong ? HTML_CELL_STRONG : sc ? HTML_CELL_HIGHLIGHT : 0;
                                report_model_row(r, &mg, a, g, b);
                                html_cell_text(&r->doc, Tl.s[t], 0);
                                html_cell_text(&r->doc, cl.s[c], 0);
                                html_cell_num(&r->doc, used, "%.0f", 0);
                                if (use_ca)
                                    html_cell_num(&r->doc, mc[ref * k + c], "%.3f", 0);
                                for (int64_t sd = 0; sd < ns; sd++)
                                    vals[sd] = bt[sd * len + i];
                                int n = seed_interval(vals, ns,
                                                      ov.have[OV_TPR_CI] ? ov.blk[OV_TPR_CI] : NULL,
                                                      len, i, &m, &lo, &hi);
                                html_cell_num(&r->doc, m, "%.3f", fl);
                                cell_interval(r, n, lo, hi);
                                for (int64_t sd = 0; sd < ns; sd++)
                                    vals[sd] = bf[sd * len + i];
                                n = seed_interval(vals, ns,
                                                  ov.have[OV_FPR_CI] ? ov.blk[OV_FPR_CI] : NULL,
                                                  len, i, &m, &lo, &hi);
                                html_cell_num(&r->doc, m, "%.3f", 0);
                                cell_interval(r, n, lo, hi);
                                const int opt1[2] = {OV_P95, OV_P};
                                for (int q = 0; q < 2; q++) {
                                    for (int64_t sd = 0; sd < ns; sd++)
                                        vals[sd] = ov.have[opt1[q]] ? ov.blk[opt1[q]][sd * len + i]
                                                                    : (double)NAN;
                                    html_cell_num(&r->doc, verdict_mean(vals, (int)ns), "%.3f", 0);
                                }
                                for (int64_t sd = 0; sd < ns; sd++)
                                    vals[sd] = ov.have[OV_INJ] ? ov.blk[OV_INJ][sd * len + i]
                                                               : (double)NAN;
                                n = seed_interval(vals, ns,
                                                  ov.have[OV_INJ_CI] ? ov.blk[OV_INJ_CI] : NULL,
                                                  len, i, &m, &lo, &hi);
                                html_cell_num(&r->doc, m, "%.3f", 0);
                                cell_interval(r, n, lo, hi);
                                const char *verdict = !isfinite(mt[i]) ? "not computed"
                                                      : strong         ? "strong shortcut"
                                                      : sc             ? "shortcut"
                                                                       : "-";
                                html_cell_text(&r->doc, verdict, fl);
                                html_cell_text(&r->doc,
                                               !has_spec ? "not computed"
                                               : spec    ? "specific shortcut"
                                                         : "-",
                                               spec ? HTML_CELL_STRONG : 0);
                                html_row_end(&r->doc);
                                n_short += sc;
                                n_strong += strong;
                                n_spec += spec;
                                n_rows++;
                            }
                    }
            html_table_end(&r->doc);
            r->sum.tables++;
            html_para(&r->doc,
                      "%d of %d (model, T, class) rows show a shortcut by the paper's verdict "
                      "(TPR > %.2f), %d a strong one (TPR >= 0.6), %d a specific shortcut "
                      "(above the random controls' p95 and FPR <= shortcut_fpr_max)%s.",
                      n_short, n_rows, r->tpr_threshold, n_strong, n_spec,
                      ns > 1 ? "; with several seeds, each in a strict majority of the seeds" : "");
            free(bt);
            free(bf);
            free(vals);
            free(fl_sc);
            free(fl_st);
            free(fl_sp);
            opt_free(&ov);
            tpr_figures(r, ds, &tpr, &mg, &Tl, &cl);
            free(mt);
            free(mf);
            free(mc);
            if (hk > 0)
                report_var_free(&ca);
            report_labels_free(&Tl);
            report_labels_free(&cl);
            report_models_free(&mg);
        }
    }
    if (ht > 0)
        report_var_free(&tpr);
    if (hf > 0)
        report_var_free(&fpr);
}
