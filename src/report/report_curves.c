/* report_curves.c: the learning-curve section of `fsweep report`: per-class curves (epoch or
 * step, class) as one figure per model, the learning order (which class is learned first and
 * when each class reaches 0.8 of its final accuracy), and the training loss. */
#include "report_sections.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHART_W 300
#define CHART_H 210

/* What a per-class curve measures, from its name: class_acc_curve -> "accuracy". */
static void curve_quantity(const char *name, char *buf, size_t n)
{
    if (!strcmp(name, "class_acc_curve"))
        fs_snprintf(buf, n, "accuracy");
    else if (!strcmp(name, "class_auc_curve"))
        fs_snprintf(buf, n, "AUC");
    else {
        const char *p = !strncmp(name, "class_", 6) ? name + 6 : name;
        size_t len = strlen(p);
        if (len > 6 && !strcmp(p + len - 6, "_curve"))
            len -= 6;
        fs_snprintf(buf, n, "%.*s", (int)(len < 60 ? len : 60), p);
    }
}

/* A per-class curve (X, class), X = epoch or step: one figure per model, one chart per
 * training band, one line per class; y on [0, 1] when every value lies there. */
static void class_curve_figures(Report *r, const char *ds, const ReportVar *v)
{
    ReportModels mg = report_models_read(&r->store, ds, v);
    const char *xdim = v->dn[v->ng];
    int64_t ne = v->dims[v->ng], k = v->dims[v->ng + 1];
    ReportLabels cl = report_labels_read(&r->store, ds, "class", k, "C");
    double *x = report_coords_read(&r->store, ds, xdim, ne);
    double *mean = xmalloc((size_t)v->extra_len * sizeof *mean);
    double *ys = xmalloc((size_t)(k * ne) * sizeof *ys);
    PlotSeries *se = xmalloc((size_t)k * sizeof *se);
    char qty[64];
    curve_quantity(v->name, qty, sizeof qty);
    int64_t total = 1;
    for (int i = 0; i < v->rank; i++)
        total *= v->dims[i];
    int unit = 1;
    for (int64_t i = 0; i < total && unit; i++)
        unit = !isfinite(v->v[i]) || (v->v[i] >= 0 && v->v[i] <= 1);
    for (int64_t a = 0; a < mg.na; a++)
        for (int64_t g = 0; g < mg.ng; g++) {
            int cols = (int)(mg.nb < 4 ? mg.nb : 4);
            int rows = (int)((mg.nb + 3) / 4);
            /* One legend (the classes) above all charts, so none of them is covered. */
            for (int64_t cc = 0; cc < k; cc++)
                se[cc] = (PlotSeries){.name = cl.s[cc], .color = plot_palette((int)cc)};
            char nm[160], t[256];
            report_models_name(&mg, a, g, nm, sizeof nm);
            fs_snprintf(t, sizeof t,
                        "%s, %s: per-class %s while training, one chart per training band "
                        "(seed mean)",
                        ds, nm, qty);
            int fig_w = cols * CHART_W, tw = plot_text_width(t, 1) + 12;
            if (fig_w < tw)
                fig_w = tw; /* the title stays whole with a single chart */
            int leg_h = plot_draw_legend_row(NULL, 6, 0, fig_w - 12, se, (int)k);
            int top = 20 + leg_h + 4;
            PlotCanvas *c = plot_canvas_create(fig_w, rows * CHART_H + top, PLOT_WHITE);
            plot_draw_text(c, 6, 5, t, PLOT_BLACK, 1);
            plot_draw_legend_row(c, 6, 20, fig_w - 12, se, (int)k);
            int drawn = 0;
            for (int64_t b = 0; b < mg.nb; b++) {
                int64_t gi[3] = {a, g, b};
                if (!report_var_mean(v, gi, mean))
                    continue;
                for (int64_t cc = 0; cc < k; cc++) {
                    for (int64_t e = 0; e < ne; e++)
                        ys[cc * ne + e] = mean[e * k + cc];
                    se[cc] = (PlotSeries){.name = cl.s[cc],
                                          .n = (int)ne,
                                          .x = x,
                                          .y = ys + cc * ne,
                                          .color = plot_palette((int)cc),
                                          .markers = ne <= 30};
                }
                char ct[160];
                fs_snprintf(ct, sizeof ct, "band %s", mg.band.s[b]);
                PlotChart ch = report_chart(ct, xdim, qty, se, (int)k);
                if (unit) {
                    ch.y_min = 0;
                    ch.y_max = 1;
                }
                plot_draw_chart(c, (int)(b % 4) * CHART_W, top + (int)(b / 4) * CHART_H, CHART_W,
                                CHART_H, &ch);
                drawn++;
            }
            if (drawn) {
                char stem[256], cap[512];
                fs_snprintf(stem, sizeof stem, "%s_%s_%s", v->name, ds, nm);
                fs_snprintf(cap, sizeof cap,
                            "Per-class %s (%s) against training %s for %s on %s, one chart per "
                            "training band; mean over seeds.",
                            qty, v->name, xdim, nm, ds);
                report_figure(r, c, stem, cap);
            } else {
                plot_canvas_destroy(c);
            }
        }
    free(se);
    free(ys);
    free(mean);
    free(x);
    report_labels_free(&cl);
    report_models_free(&mg);
}

/* Learning order (PAPER.md 5): per model and training band, the class with the highest
 * accuracy at the first checkpoint (learned first), and per class the first checkpoint whose
 * accuracy reaches 0.8 of the class's final accuracy; from the seed-mean curves. */
static void learned_first_table(Report *r, const char *ds, const ReportVar *v)
{
    ReportModels mg = report_models_read(&r->store, ds, v);
    const char *xdim = v->dn[v->ng];
    int64_t ne = v->dims[v->ng], k = v->dims[v->ng + 1];
    ReportLabels cl = report_labels_read(&r->store, ds, "class", k, "C");
    double *x = report_coords_read(&r->store, ds, xdim, ne);
    double *mean = xmalloc((size_t)v->extra_len * sizeof *mean);
    char id[160], cap[400];
    fs_snprintf(id, sizeof id, "learnorder-%s", ds);
    fs_snprintf(cap, sizeof cap,
                "Learning order on %s: the class with the highest test accuracy at the first "
                "checkpoint (%s %g), its accuracy there, and per class the first %s at which "
                "its accuracy reaches 0.8 of its final value; seed-mean curves.",
                ds, xdim, x[0], xdim);
    html_table_begin(&r->doc, id, cap);
    html_row_begin(&r->doc);
    static const char *const hd[] = {"arch", "aug", "band", "seeds", "learned first", "its acc"};
    for (size_t i = 0; i < FS_ARRAY_LEN(hd); i++)
        html_cell_text(&r->doc, hd[i], HTML_CELL_HEADER);
    for (int64_t c = 0; c < k; c++) {
        char h[96];
        fs_snprintf(h, sizeof h, "%s: %s to 0.8", cl.s[c], xdim);
        html_cell_text(&r->doc, h, HTML_CELL_HEADER);
    }
    html_row_end(&r->doc);
    for (int64_t a = 0; a < mg.na; a++)
        for (int64_t g = 0; g < mg.ng; g++)
            for (int64_t b = 0; b < mg.nb; b++) {
                int64_t gi[3] = {a, g, b};
                int used = report_var_mean(v, gi, mean);
                if (!used)
                    continue;
                int64_t first = -1;
                for (int64_t c = 0; c < k; c++)
                    if (isfinite(mean[c]) && (first < 0 || mean[c] > mean[first]))
                        first = c;
                report_model_row(r, &mg, a, g, b);
                html_cell_num(&r->doc, used, "%.0f", 0);
                html_cell_text(&r->doc, first >= 0 ? cl.s[first] : "-", 0);
                html_cell_num(&r->doc, first >= 0 ? mean[first] : (double)NAN, "%.3f", 0);
                for (int64_t c = 0; c < k; c++) {
                    double fin = mean[(ne - 1) * k + c], at = NAN;
                    for (int64_t e = 0; e < ne && isfinite(fin); e++)
                        if (isfinite(mean[e * k + c]) && mean[e * k + c] >= 0.8 * fin) {
                            at = x[e];
                            break;
                        }
                    html_cell_num(&r->doc, at, "%g", 0);
                }
                html_row_end(&r->doc);
            }
    html_table_end(&r->doc);
    r->sum.tables++;
    free(mean);
    free(x);
    report_labels_free(&cl);
    report_models_free(&mg);
}

/* Per-class curves: every result named *_curve with dims (epoch or step, class). */
static int class_curves_section(Report *r, const char *ds, int *heading_done)
{
    char **names = NULL;
    int n = 0, found = 0;
    report_store_names(&r->store, ds, &names, &n);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len < 6 || strcmp(names[i] + len - 6, "_curve") != 0)
            continue;
        ReportVar v;
        if (report_var_read(&r->store, ds, names[i], &v) <= 0)
            continue;
        if (v.rank - v.ng == 2 && !strcmp(v.dn[v.ng + 1], "class") &&
            (!strcmp(v.dn[v.ng], "epoch") || !strcmp(v.dn[v.ng], "step"))) {
            if (!*heading_done) {
                report_heading_ds(r, "curves", "Learning curves", ds);
                *heading_done = 1;
            }
            class_curve_figures(r, ds, &v);
            if (!strcmp(v.name, "class_acc_curve"))
                learned_first_table(r, ds, &v);
            found++;
        } else {
            static const char *const want[2] = {"epoch or step", "class"};
            report_var_expect(&r->store, ds, &v, 2, want); /* names the mismatch in the page */
        }
        report_var_free(&v);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return found;
}

/* Training loss (epoch): one chart per model, one line per training band, log loss axis. */
static void train_loss_figure(Report *r, const char *ds, const ReportVar *loss)
{
    ReportModels mg = report_models_read(&r->store, ds, loss);
    int64_t ne = loss->dims[loss->ng];
    double *x = report_coords_read(&r->store, ds, "epoch", ne);
    double *ys = xmalloc((size_t)(mg.nb * ne) * sizeof *ys);
    PlotSeries *se = xmalloc((size_t)mg.nb * sizeof *se);
    int64_t nmod = mg.na * mg.ng;
    int cols = (int)(nmod < 4 ? nmod : 4), rows = (int)((nmod + 3) / 4);
    char t[256];
    fs_snprintf(t, sizeof t, "%s: training loss (log scale), one line per training band", ds);
    int fig_w = cols * CHART_W, tw = plot_text_width(t, 1) + 12;
    PlotCanvas *c = plot_canvas_create(fig_w > tw ? fig_w : tw, rows * CHART_H + 20, PLOT_WHITE);
    plot_draw_text(c, 6, 5, t, PLOT_BLACK, 1);
    int m = 0, drawn = 0;
    for (int64_t a = 0; a < mg.na; a++)
        for (int64_t g = 0; g < mg.ng; g++, m++) {
            int ns = 0;
            for (int64_t b = 0; b < mg.nb; b++) {
                int64_t gi[3] = {a, g, b};
                if (!report_var_mean(loss, gi, ys + b * ne))
                    continue;
                se[ns++] = (PlotSeries){.name = mg.band.s[b],
                                        .n = (int)ne,
                                        .x = x,
                                        .y = ys + b * ne,
                                        .color = plot_palette((int)b),
                                        .markers = ne <= 30};
            }
            if (!ns)
                continue;
            char nm[160];
            report_models_name(&mg, a, g, nm, sizeof nm);
            PlotChart ch = report_chart(nm, "epoch", "loss", se, ns);
            ch.log_y = 1;
            ch.legend = 1;
            plot_draw_chart(c, (m % 4) * CHART_W, 20 + (m / 4) * CHART_H, CHART_W, CHART_H, &ch);
            drawn++;
        }
    if (drawn) {
        char stem[200], cap[400];
        fs_snprintf(stem, sizeof stem, "train_loss_%s", ds);
        fs_snprintf(cap, sizeof cap,
                    "Training loss (cross-entropy, nats, log scale) against epoch on %s, "
                    "one chart per model and one line per training band; seed mean.",
                    ds);
        report_figure(r, c, stem, cap);
    } else {
        plot_canvas_destroy(c);
    }
    free(se);
    free(ys);
    free(x);
    report_models_free(&mg);
}

void report_section_curves(Report *r, const char *ds)
{
    static const char *const dims_loss[1] = {"epoch"};
    ReportVar loss;
    int heading = 0;
    int n_curves = class_curves_section(r, ds, &heading);
    int hl = report_var_read(&r->store, ds, "train_loss", &loss);
    if (n_curves == 0) {
        report_absent(r, "per-band learning curves (class_acc_curve)", ds, "learning_order");
    }
    if (hl == 0) {
        report_absent(r, "training loss curves (train_loss)", ds, NULL);
    }
    int ok_l = hl > 0 && report_var_expect(&r->store, ds, &loss, 1, dims_loss);
    if (n_curves || ok_l)
        r->sum.sections_present++;
    if (ok_l && !heading)
        report_heading_ds(r, "curves", "Learning curves", ds);
    if (ok_l)
        train_loss_figure(r, ds, &loss);
    if (hl > 0)
        report_var_free(&loss);
}
