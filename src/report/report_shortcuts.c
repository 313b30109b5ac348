/* report_shortcuts.c: the shortcut-evaluation section of `fsweep report`: TPR and FPR of each
 * class on test sets filtered with that class's DFM, per model, training band and threshold T,
 * with the shortcut verdicts (TPR above the run's tpr_threshold; strong: TPR >= 0.6) and one
 * TPR figure per training band. */
#include "report_sections.h"

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
            char id[160], cap[600];
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
            fs_snprintf(id, sizeof id, "tprfpr-%s", ds);
            fs_snprintf(cap, sizeof cap,
                        "TPR and FPR of each class on test sets filtered with that class's DFM "
                        "(fractions, seed mean). Shortcut: TPR > %.2f%s (highlighted); strong "
                        "shortcut: TPR >= 0.6 (bold). A high FPR means the DFM pulls other "
                        "classes into the class.%s%s%s",
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
            html_cell_text(&r->doc, "TPR", HTML_CELL_HEADER);
            html_cell_text(&r->doc, "FPR", HTML_CELL_HEADER);
            html_cell_text(&r->doc, "verdict", HTML_CELL_HEADER);
            html_row_end(&r->doc);
            int n_short = 0, n_strong = 0, n_rows = 0;
            for (int64_t a = 0; a < mg.na; a++)
                for (int64_t g = 0; g < mg.ng; g++)
                    for (int64_t b = 0; b < mg.nb; b++) {
                        int64_t gi[3] = {a, g, b};
                        int used = report_var_mean(&tpr, gi, mt);
                        report_var_mean(&fpr, gi, mf);
                        if (!used)
                            continue;
                        if (use_ca && !report_var_mean(&ca, gi, mc))
                            for (int64_t i = 0; i < ca.extra_len; i++)
                                mc[i] = NAN;
                        for (int64_t t = 0; t < nT; t++)
                            for (int64_t c = 0; c < k; c++) {
                                double tp = mt[t * k + c], fp = mf[t * k + c];
                                int strong = tp >= 0.6, sc = tp > r->tpr_threshold;
                                int fl = strong ? HTML_CELL_STRONG : sc ? HTML_CELL_HIGHLIGHT : 0;
                                report_model_row(r, &mg, a, g, b);
                                html_cell_text(&r->doc, Tl.s[t], 0);
                                html_cell_text(&r->doc, cl.s[c], 0);
                                html_cell_num(&r->doc, used, "%.0f", 0);
                                if (use_ca)
                                    html_cell_num(&r->doc, mc[ref * k + c], "%.3f", 0);
                                html_cell_num(&r->doc, tp, "%.3f", fl);
                                html_cell_num(&r->doc, fp, "%.3f", 0);
                                const char *verdict = !isfinite(tp)  ? "not computed"
                                                      : strong && sc ? "strong shortcut"
                                                      : sc           ? "shortcut"
                                                      : strong       ? "strong (TPR >= 0.6)"
                                                                     : "-";
                                html_cell_text(&r->doc, verdict, fl);
                                html_row_end(&r->doc);
                                n_short += sc;
                                n_strong += strong;
                                n_rows++;
                            }
                    }
            html_table_end(&r->doc);
            r->sum.tables++;
            html_para(&r->doc,
                      "%d of %d (model, T, class) rows show a shortcut (TPR > %.2f), %d a "
                      "strong one (TPR >= 0.6).",
                      n_short, n_rows, r->tpr_threshold, n_strong);
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
