/* report_curves.c: the learning-curve section of `fsweep report`: the step-resolved per-class
 * margin AUC and accuracy (lo_auc, lo_acc against lo_step, per test band; seed mean with the
 * min and max over seeds), other per-class curves (epoch or step, class) as one figure per
 * model, the learning order (which class is learned first and when each class reaches 0.8 of
 * its final accuracy), and the training loss. */
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

/* Offset of the extra block of grid point g = (arch, aug, band) and seed sd in v->v (the grid
 * dims lead, so the block is contiguous). */
static int64_t block_offset(const ReportVar *v, const int64_t g[3], int64_t sd)
{
    int64_t stride[FSH5_MAX_RANK], s = 1, off = 0;
    for (int i = v->rank - 1; i >= 0; i--) {
        stride[i] = s;
        s *= v->dims[i];
    }
    for (int k = 0; k < 3; k++)
        if (v->gpos[k] >= 0)
            off += g[k] * stride[v->gpos[k]];
    if (v->gpos[REPORT_GRID_SEED] >= 0)
        off += sd * stride[v->gpos[REPORT_GRID_SEED]];
    return off;
}

int report_lo_curve(const ReportVar *step, const ReportVar *q, const int64_t g[3], int64_t tb,
                    int64_t c, double *x, double *mean, double *lo, double *hi, int *seeds)
{
    *seeds = 0;
    if (step->rank - step->ng != 1 || q->rank - q->ng != 3)
        return 0;
    const int64_t T = q->dims[q->ng], TB = q->dims[q->ng + 1], K = q->dims[q->ng + 2];
    if (step->dims[step->ng] != T || tb < 0 || tb >= TB || c < 0 || c >= K)
        return 0;
    for (int k = 0; k < 3; k++)
        if (g[k] < 0 || g[k] >= report_var_gsize(step, k) || g[k] >= report_var_gsize(q, k))
            return 0;
    const int64_t ns = report_var_gsize(q, REPORT_GRID_SEED);
    const int64_t nss = report_var_gsize(step, REPORT_GRID_SEED);
    int n = 0;
    for (int64_t t = 0; t < T; t++) {
        double xs = 0, sum = 0, mn = INFINITY, mx = -INFINITY;
        int xc = 0, cnt = 0;
        for (int64_t sd = 0; sd < nss; sd++) {
            double v = step->v[block_offset(step, g, sd) + t];
            if (isfinite(v)) {
                xs += v;
                xc++;
            }
        }
        if (!xc)
            continue; /* a checkpoint no seed reached */
        for (int64_t sd = 0; sd < ns; sd++) {
            double v = q->v[block_offset(q, g, sd) + (t * TB + tb) * K + c];
            if (!isfinite(v))
                continue;
            sum += v;
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
            cnt++;
        }
        x[n] = xs / xc;
        mean[n] = cnt ? sum / cnt : (double)NAN;
        lo[n] = cnt ? mn : (double)NAN;
        hi[n] = cnt ? mx : (double)NAN;
        if (cnt > *seeds)
            *seeds = cnt;
        n++;
    }
    return n;
}

/* Half-way to white: the min/max lines of a class. */
static PlotRGB lighter(PlotRGB c)
{
    return (PlotRGB){(uint8_t)((c.r + 255) / 2), (uint8_t)((c.g + 255) / 2),
                     (uint8_t)((c.b + 255) / 2)};
}

/* Step-resolved learning curves (PAPER.md 5): q = lo_auc or lo_acc (grid..., ckpt, test_band,
 * class) against lo_step. One figure per model (arch, aug, training band), one chart per test
 * band, one line per class (seed mean; with several seeds thin lighter lines give the min and
 * max over seeds); x = training step on a log axis. */
static void lo_curve_figures(Report *r, const char *ds, const ReportVar *step, const ReportVar *q,
                             const char *qty)
{
    ReportModels mg = report_models_read(&r->store, ds, q);
    const int64_t T = q->dims[q->ng], TB = q->dims[q->ng + 1], K = q->dims[q->ng + 2];
    ReportLabels cl = report_labels_read(&r->store, ds, "class", K, "C");
    ReportLabels tbl = report_labels_read(&r->store, ds, "test_band", TB, "band ");
    double *buf = xmalloc((size_t)(4 * T * K) * sizeof *buf);
    PlotSeries *se = xmalloc((size_t)(3 * K + 1) * sizeof *se);
    for (int64_t a = 0; a < mg.na; a++)
        for (int64_t g = 0; g < mg.ng; g++)
            for (int64_t b = 0; b < mg.nb; b++) {
                int64_t gi[3] = {a, g, b};
                char nm[160], t[320];
                report_models_name(&mg, a, g, nm, sizeof nm);
                if (mg.nb > 1)
                    fs_snprintf(nm + strlen(nm), sizeof nm - strlen(nm), ", trained on %s",
                                mg.band.s[b]);
                /* the legend: the classes, and what the thin lines are when there are any */
                int seeds = 0, npts = 0;
                double xmin = INFINITY, xmax = -INFINITY;
                for (int64_t tb = 0; tb < TB; tb++)
                    for (int64_t c = 0; c < K; c++) {
                        double *x = buf, *m = buf + T, *lo = buf + 2 * T, *hi = buf + 3 * T;
                        int sd = 0, n = report_lo_curve(step, q, gi, tb, c, x, m, lo, hi, &sd);
                        seeds = sd > seeds ? sd : seeds;
                        npts = n > npts ? n : npts;
                        for (int i = 0; i < n; i++) {
                            xmin = x[i] < xmin ? x[i] : xmin;
                            xmax = x[i] > xmax ? x[i] : xmax;
                        }
                    }
                if (!seeds)
                    continue;
                int nleg = 0;
                for (int64_t c = 0; c < K; c++)
                    se[nleg++] = (PlotSeries){.name = cl.s[c], .color = plot_palette((int)c)};
                char band_note[80];
                fs_snprintf(band_note, sizeof band_note, "thin: min/max over %d seeds", seeds);
                if (seeds > 1)
                    se[nleg++] = (PlotSeries){.name = band_note, .color = PLOT_GREY};
                fs_snprintf(t, sizeof t, "%s, %s: per-class %s against training step, one chart "
                            "per test band", ds, nm, qty);
                int cols = (int)(TB < 4 ? TB : 4), rows = (int)((TB + 3) / 4);
                int fig_w = cols * CHART_W, tw = plot_text_width(t, 1) + 12;
                if (fig_w < tw)
                    fig_w = tw;
                int leg_h = plot_draw_legend_row(NULL, 6, 0, fig_w - 12, se, nleg);
                int top = 20 + leg_h + 4;
                PlotCanvas *cv = plot_canvas_create(fig_w, rows * CHART_H + top, PLOT_WHITE);
                plot_draw_text(cv, 6, 5, t, PLOT_BLACK, 1);
                plot_draw_legend_row(cv, 6, 20, fig_w - 12, se, nleg);
                double *pts = xmalloc((size_t)(4 * T * K) * sizeof *pts);
                for (int64_t tb = 0; tb < TB; tb++) {
                    int ns = 0;
                    /* min/max lines first, so the means are drawn over them */
                    for (int64_t c = 0; c < K; c++) {
                        double *x = pts + 4 * T * c, *m = x + T, *lo = x + 2 * T, *hi = x + 3 * T;
                        int sd = 0, n = report_lo_curve(step, q, gi, tb, c, x, m, lo, hi, &sd);
                        if (seeds > 1 && n) {
                            PlotRGB col = lighter(plot_palette((int)c));
                            se[ns++] = (PlotSeries){.n = n, .x = x, .y = lo, .color = col};
                            se[ns++] = (PlotSeries){.n = n, .x = x, .y = hi, .color = col};
                        }
                    }
                    for (int64_t c = 0; c < K; c++) {
                        double *x = pts + 4 * T * c;
                        int sd = 0, n = report_lo_curve(step, q, gi, tb, c, x, x + T, x + 2 * T,
                                                        x + 3 * T, &sd);
                        if (n)
                            se[ns++] = (PlotSeries){.name = cl.s[c],
                                                    .n = n,
                                                    .x = x,
                                                    .y = x + T,
                                                    .color = plot_palette((int)c),
                                                    .markers = n <= 30};
                    }
                    char ct[160];
                    fs_snprintf(ct, sizeof ct, "test set: %s", tbl.s[tb]);
                    PlotChart ch = report_chart(ct, "training step", qty, se, ns);
                    ch.y_min = 0;
                    ch.y_max = 1;
                    ch.log_x = xmin > 0 && xmax > 10 * xmin; /* the early steps decide the order */
                    plot_draw_chart(cv, (int)(tb % 4) * CHART_W, top + (int)(tb / 4) * CHART_H,
                                    CHART_W, CHART_H, &ch);
                }
                free(pts);
                char stem[256], cap[640];
                fs_snprintf(stem, sizeof stem, "%s_%s_%s_%s", q->name, ds, nm, mg.band.s[b]);
                for (char *p = stem; *p; p++)
                    if (*p == ' ' || *p == ',')
                        *p = '_';
                fs_snprintf(cap, sizeof cap,
                            "Per-class %s (%s) against training step (lo_step) for %s on %s: "
                            "%d checkpoints, steps %g to %g%s; one chart per test band; %s.",
                            qty, q->name, nm, ds, npts, xmin, xmax,
                            xmin > 0 && xmax > 10 * xmin ? " (log axis)" : "",
                            seeds > 1 ? "mean over seeds, thin lines the min and max" :
                                        "one seed");
                report_figure(r, cv, stem, cap);
            }
    free(se);
    free(buf);
    report_labels_free(&tbl);
    report_labels_free(&cl);
    report_models_free(&mg);
}

/* The step-resolved curves lo_auc and lo_acc when the store has them with lo_step; returns
 * how many of the two were drawn. */
static int lo_curves_section(Report *r, const char *ds, int *heading_done)
{
    static const char *const dims_step[1] = {"ckpt"};
    static const char *const dims_q[3] = {"ckpt", "test_band", "class"};
    static const char *const names[2] = {"lo_auc", "lo_acc"};
    static const char *const qty[2] = {"margin AUC", "accuracy"};
    ReportVar step;
    if (report_var_read(&r->store, ds, "lo_step", &step) <= 0)
        return 0;
    int found = 0;
    if (report_var_expect(&r->store, ds, &step, 1, dims_step))
        for (int i = 0; i < 2; i++) {
            ReportVar q;
            if (report_var_read(&r->store, ds, names[i], &q) <= 0)
                continue;
            if (report_var_expect(&r->store, ds, &q, 3, dims_q) &&
                q.dims[q.ng] == step.dims[step.ng]) {
                if (!*heading_done) {
                    report_heading_ds(r, "curves", "Learning curves", ds);
                    *heading_done = 1;
                }
                lo_curve_figures(r, ds, &step, &q, qty[i]);
                found++;
            }
            report_var_free(&q);
        }
    report_var_free(&step);
    return found;
}

/* Per-class curves: every result named *_curve with dims (epoch or step, class); the
 * per-epoch accuracy curve is drawn only when there are no step-resolved ones (lo_*), its
 * learning-order table always. */
static int class_curves_section(Report *r, const char *ds, int *heading_done, int have_lo)
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
            if (!have_lo || strcmp(v.name, "class_acc_curve") != 0)
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
    int n_lo = lo_curves_section(r, ds, &heading);
    int n_curves = class_curves_section(r, ds, &heading, n_lo > 0) + n_lo;
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
