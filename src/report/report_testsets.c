/* report_testsets.c: the sections of `fsweep report` on other test sets: band-stop and
 * band-pass tests (test accuracy per test band, per-class accuracy change and relative
 * confusion-matrix change against the unfiltered test set) and OOD transfer; both share the
 * model table (models x training band rows, one column per test set). */
#include "report_sections.h"

#include <math.h>
#include <stdlib.h>

/* Table: rows = models x training band; columns = the extra dim's labels; cells = seed mean. */
static void model_table(Report *r, const char *ds, const ReportVar *v, const ReportLabels *cols,
                        const char *id, const char *caption, const char *fmt)
{
    ReportModels mg = report_models_read(&r->store, ds, v);
    double *mean = xmalloc((size_t)v->extra_len * sizeof *mean);
    int rows = 0;
    html_table_begin(&r->doc, id, caption);
    html_row_begin(&r->doc);
    html_cell_text(&r->doc, "arch", HTML_CELL_HEADER);
    html_cell_text(&r->doc, "aug", HTML_CELL_HEADER);
    html_cell_text(&r->doc, "band", HTML_CELL_HEADER);
    html_cell_text(&r->doc, "seeds", HTML_CELL_HEADER);
    for (int i = 0; i < cols->n; i++)
        html_cell_text(&r->doc, cols->s[i], HTML_CELL_HEADER);
    html_row_end(&r->doc);
    for (int64_t a = 0; a < mg.na; a++)
        for (int64_t g = 0; g < mg.ng; g++)
            for (int64_t b = 0; b < mg.nb; b++) {
                int64_t gi[3] = {a, g, b};
                int used = report_var_mean(v, gi, mean);
                if (!used)
                    continue;
                rows++;
                report_model_row(r, &mg, a, g, b);
                html_cell_num(&r->doc, used, "%.0f", 0);
                for (int i = 0; i < cols->n; i++)
                    html_cell_num(&r->doc, mean[i], fmt, 0);
                html_row_end(&r->doc);
            }
    html_table_end(&r->doc);
    if (!rows)
        html_note(&r->doc, "No model has finished values of %s yet (all NaN).", v->name);
    r->sum.tables++;
    free(mean);
    report_models_free(&mg);
}

/* ---------------------------------------------------------------- band tests */
/* Per-class accuracy change on each filtered test set against the unfiltered one, in points
 * (the diagonal of the relative confusion change): one figure per training band, one panel
 * per model, rows = test bands, columns = classes. */
static void class_acc_figures(Report *r, const char *ds, const ReportVar *v)
{
    ReportModels mg = report_models_read(&r->store, ds, v);
    int64_t nt = v->dims[v->ng], k = v->dims[v->ng + 1];
    ReportLabels tb = report_labels_read(&r->store, ds, "test_band", nt, "tb");
    ReportLabels cl = report_labels_read(&r->store, ds, "class", k, "C");
    int64_t ref = report_labels_reference(&tb);
    int64_t nmod = mg.na * mg.ng;
    double *mean = xmalloc((size_t)v->extra_len * sizeof *mean);
    float *delta = xmalloc((size_t)(nmod * nt * k) * sizeof *delta);
    const float **panels = xmalloc((size_t)nmod * sizeof *panels);
    char **names = xcalloc((size_t)nmod, sizeof *names);
    for (int64_t b = 0; b < mg.nb; b++) {
        int np = 0;
        for (int64_t a = 0; a < mg.na; a++)
            for (int64_t g = 0; g < mg.ng; g++) {
                int64_t gi[3] = {a, g, b};
                if (!report_var_mean(v, gi, mean))
                    continue;
                float *d = delta + np * nt * k;
                for (int64_t t = 0; t < nt; t++)
                    for (int64_t c = 0; c < k; c++)
                        d[t * k + c] = (float)(100.0 * (mean[t * k + c] - mean[ref * k + c]));
                char nm[160];
                report_models_name(&mg, a, g, nm, sizeof nm);
                names[np] = xstrdup(nm);
                panels[np++] = d;
            }
        if (np) {
            char title[256], stem[256], cap[600];
            fs_snprintf(title, sizeof title,
                        "%s, trained on band %s: per-class accuracy change vs '%s' (points)", ds,
                        mg.band.s[b], tb.s[ref]);
            const char *rl[1] = {"test set"};
            PlotGridSpec gs = report_grid(1, np, rl, (const char *const *)names, panels, (int)nt,
                                          (int)k, PLOT_CMAP_DIVERGING, "change (points)");
            gs.title = title;
            report_grid_name_axes(&gs, (const char *const *)cl.s, (const char *const *)tb.s,
                                  "class");
            fs_snprintf(stem, sizeof stem, "class_acc_change_%s_%s", ds, mg.band.s[b]);
            fs_snprintf(cap, sizeof cap,
                        "Per-class test accuracy on each filtered test set minus that on the "
                        "unfiltered set '%s', in percentage points (the diagonal of the relative "
                        "confusion change), models trained on band %s of %s; seed mean. Blue: "
                        "the filter removes what the class relies on.",
                        tb.s[ref], mg.band.s[b], ds);
            report_figure(r, plot_heatmap_grid(&gs), stem, cap);
        }
        for (int m = 0; m < np; m++) {
            free(names[m]);
            names[m] = NULL;
        }
    }
    free(names);
    free(panels);
    free(delta);
    free(mean);
    report_labels_free(&cl);
    report_labels_free(&tb);
    report_models_free(&mg);
}

/* Relative confusion-matrix change on each filtered test set against the unfiltered one:
 * Delta(i, j) = (Pred_bs(i, j) - Pred_org(i, j)) / N_i * 100, N_i from the reference; one
 * figure per model and training band, one panel per filtered test set. */
static void confusion_figures(Report *r, const char *ds, const ReportVar *conf)
{
    ReportModels mg = report_models_read(&r->store, ds, conf);
    int64_t nt = conf->dims[conf->ng], k = conf->dims[conf->ng + 1];
    ReportLabels tb = report_labels_read(&r->store, ds, "test_band", nt, "tb");
    ReportLabels cl = report_labels_read(&r->store, ds, "class", k, "C");
    int64_t ref = report_labels_reference(&tb);
    double *mean = xmalloc((size_t)conf->extra_len * sizeof *mean);
    float *delta = xmalloc((size_t)(nt * k * k) * sizeof *delta);
    const float **panels = xmalloc((size_t)nt * sizeof *panels);
    const char **names = xmalloc((size_t)nt * sizeof *names);
    for (int64_t a = 0; a < mg.na; a++)
        for (int64_t g = 0; g < mg.ng; g++)
            for (int64_t bb = 0; bb < mg.nb; bb++) {
                int64_t gi[3] = {a, g, bb};
                if (!report_var_mean(conf, gi, mean))
                    continue;
                int np = 0;
                for (int64_t t = 0; t < nt; t++) {
                    if (t == ref)
                        continue;
                    for (int64_t i = 0; i < k; i++) {
                        double ni = 0;
                        for (int64_t j = 0; j < k; j++)
                            ni += mean[(ref * k + i) * k + j];
                        for (int64_t j = 0; j < k; j++) {
                            double d = (mean[(t * k + i) * k + j] - mean[(ref * k + i) * k + j]);
                            delta[(np * k + i) * k + j] =
                                (float)(ni > 0 ? 100.0 * d / ni : (double)NAN);
                        }
                    }
                    panels[np] = delta + np * k * k;
                    names[np] = tb.s[t];
                    np++;
                }
                if (!np)
                    continue;
                char nm[160], title[256], stem[256], cap[512];
                report_models_name(&mg, a, g, nm, sizeof nm);
                fs_snprintf(title, sizeof title,
                            "%s, %s, band %s: confusion change vs '%s' (points)", ds, nm,
                            mg.band.s[bb], tb.s[ref]);
                const char *rl[1] = {"true class"};
                PlotGridSpec gs = report_grid(1, np, rl, names, panels, (int)k, (int)k,
                                              PLOT_CMAP_DIVERGING, "change (% of class)");
                gs.title = title;
                report_grid_name_axes(&gs, (const char *const *)cl.s, (const char *const *)cl.s,
                                      "predicted class");
                fs_snprintf(stem, sizeof stem, "confusion_%s_%s_%s", ds, nm, mg.band.s[bb]);
                fs_snprintf(cap, sizeof cap,
                            "Relative confusion-matrix change of %s (trained on band %s) on "
                            "each filtered test set against the unfiltered one '%s': "
                            "(Pred_filtered(i,j) - Pred_orig(i,j)) / N_i x 100; the "
                            "diagonal is accuracy lost, in points; seed mean.",
                            nm, mg.band.s[bb], tb.s[ref]);
                report_figure(r, plot_heatmap_grid(&gs), stem, cap);
            }
    free(names);
    free(panels);
    free(delta);
    free(mean);
    report_labels_free(&cl);
    report_labels_free(&tb);
    report_models_free(&mg);
}

void report_section_band_tests(Report *r, const char *ds)
{
    static const char *const d1[1] = {"test_band"};
    static const char *const d3[3] = {"test_band", "class", "pred"};
    static const char *const d2[2] = {"test_band", "class"};
    ReportVar acc, conf, cacc;
    int ha = report_var_read(&r->store, ds, "test_acc", &acc),
        hc = report_var_read(&r->store, ds, "confusion", &conf);
    int hk = report_var_read(&r->store, ds, "class_acc", &cacc);
    if (hk == 0) {
        report_absent(r, "per-class accuracy per test band (class_acc)", ds, NULL);
    }
    if (ha == 0) {
        report_absent(r, "test accuracy per test band (test_acc)", ds, NULL);
    }
    if (hc == 0) {
        report_absent(r, "relative confusion-matrix changes (confusion)", ds, NULL);
    }
    int ok_a = ha > 0 && report_var_expect(&r->store, ds, &acc, 1, d1);
    int ok_c = hc > 0 && report_var_expect(&r->store, ds, &conf, 3, d3);
    int ok_k = hk > 0 && report_var_expect(&r->store, ds, &cacc, 2, d2) && cacc.dims[cacc.ng] >= 2;
    if (ok_a || ok_c || ok_k) {
        r->sum.sections_present++;
        report_heading_ds(r, "bandtests", "Band-stop and band-pass tests", ds);
    }
    if (ok_a) {
        ReportLabels tb = report_labels_read(&r->store, ds, "test_band", acc.dims[acc.ng], "tb");
        char id[160], cap[256];
        fs_snprintf(id, sizeof id, "test_acc-%s", ds);
        fs_snprintf(cap, sizeof cap,
                    "Test accuracy (fraction) of %s models on each filtered test set, seed mean",
                    ds);
        model_table(r, ds, &acc, &tb, id, cap, "%.3f");
        report_labels_free(&tb);
    }
    if (ok_k)
        class_acc_figures(r, ds, &cacc);
    if (ok_c)
        confusion_figures(r, ds, &conf);
    if (ha > 0)
        report_var_free(&acc);
    if (hc > 0)
        report_var_free(&conf);
    if (hk > 0)
        report_var_free(&cacc);
}

/* ---------------------------------------------------------------- OOD transfer */
void report_section_ood(Report *r, const char *ds)
{
    static const char *const dims[1] = {"ood"};
    ReportVar v;
    int h = report_var_read(&r->store, ds, "ood_acc", &v);
    if (h == 0) {
        report_absent(r, "OOD transfer (ood_acc)", ds, "ood");
        return;
    }
    if (h < 0)
        return;
    if (report_var_expect(&r->store, ds, &v, 1, dims)) {
        r->sum.sections_present++;
        report_heading_ds(r, "ood", "OOD transfer", ds);
        char id[160], cap[300];
        ReportLabels ol = report_labels_read(&r->store, ds, "ood", v.dims[v.ng], "ood");
        fs_snprintf(id, sizeof id, "ood_acc-%s", ds);
        fs_snprintf(cap, sizeof cap, "Accuracy (fraction) of %s models on each OOD set, seed mean",
                    ds);
        model_table(r, ds, &v, &ol, id, cap, "%.3f");
        report_labels_free(&ol);
    }
    report_var_free(&v);
}
