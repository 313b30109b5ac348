/* report_maps.c: the per-model frequency-map sections of `fsweep report`: DFM loss maps
 * (pre-threshold), dominant frequency maps, HFSS shortcut maps and Fourier heat maps, as grids
 * of class rows x model columns, one figure per training band (and threshold T). */
#include "report_sections.h"

#include <math.h>
#include <stdlib.h>

enum { REPORT_CLASS_ROWS_PER_FIG = 20 }; /* class rows per DFM/loss-map figure */

/* Mirror a half-plane patch grid (class, P, P/2+1) into the full centred (class, P, P) grid
 * by conjugate symmetry: index i <-> frequency i - P/2, so (a, b) with b > P/2 reads
 * ((P - a) mod P, P - b). */
static float *mirror_half(const double *src, int64_t k, int64_t p, int64_t cols)
{
    float *out = xmalloc((size_t)(k * p * p) * sizeof *out);
    for (int64_t c = 0; c < k; c++)
        for (int64_t a = 0; a < p; a++)
            for (int64_t b = 0; b < p; b++) {
                int64_t sa = a, sb = b;
                if (b >= cols) {
                    sa = (p - a) % p;
                    sb = p - b;
                }
                out[(c * p + a) * p + b] = (float)src[(c * p + sa) * cols + sb];
            }
    return out;
}

typedef enum { MAP_DFM, MAP_SCORE, MAP_HFSS, MAP_HEAT } MapKind;

/* One figure per band (and per threshold T for DFMs): rows = classes, columns = models. */
static void maps_figures(Report *r, const char *ds, const ReportVar *v, MapKind kind)
{
    ReportModels mg = report_models_read(&r->store, ds, v);
    int figures_before = r->sum.figures;
    int has_T = kind == MAP_DFM;
    int has_class = kind != MAP_HEAT;
    int e = v->ng;
    int64_t nT = has_T ? v->dims[e] : 1;
    int64_t k = has_class ? v->dims[e + has_T] : 1;
    int64_t h = v->dims[e + has_T + has_class], w = v->dims[e + has_T + has_class + 1];
    int mirror = kind == MAP_SCORE && w == h / 2 + 1;
    int64_t fw = mirror ? h : w;
    ReportLabels Tl =
        has_T ? report_labels_read(&r->store, ds, "T", nT, "T") : (ReportLabels){0, NULL};
    ReportLabels cl =
        has_class ? report_labels_read(&r->store, ds, "class", k, "C") : (ReportLabels){0, NULL};
    int64_t nmod = mg.na * mg.ng;
    double *mean = xmalloc((size_t)v->extra_len * sizeof *mean);
    float **blocks = xcalloc((size_t)nmod, sizeof *blocks);
    char **colnames = xcalloc((size_t)nmod, sizeof *colnames);
    const float **panels = xmalloc((size_t)(nmod * k + 1) * sizeof *panels);
    for (int64_t b = 0; b < mg.nb; b++) {
        /* Seed means of every model of this band. */
        int ncol = 0;
        for (int64_t a = 0; a < mg.na; a++)
            for (int64_t g = 0; g < mg.ng; g++) {
                int64_t gi[3] = {a, g, b};
                if (!report_var_mean(v, gi, mean))
                    continue;
                if (mirror)
                    blocks[ncol] = mirror_half(mean, nT * k, h, w);
                else {
                    blocks[ncol] = xmalloc((size_t)v->extra_len * sizeof(float));
                    for (int64_t i = 0; i < v->extra_len; i++)
                        blocks[ncol][i] = (float)mean[i];
                }
                if (kind == MAP_SCORE) /* each class map to [0, 1]: the DFM ranks within it */
                    for (int64_t p = 0; p < nT * k; p++) {
                        float *pm = blocks[ncol] + p * h * fw;
                        double lo, hi;
                        if (!plot_finite_range(pm, (size_t)(h * fw), &lo, &hi))
                            continue;
                        for (int64_t i = 0; i < h * fw; i++)
                            pm[i] = hi > lo ? (float)(((double)pm[i] - lo) / (hi - lo)) : 0.5f;
                    }
                char nm[160];
                report_models_name(&mg, a, g, nm, sizeof nm);
                colnames[ncol++] = xstrdup(nm);
            }
        if (ncol == 0)
            continue;
        for (int64_t t = 0; t < nT; t++) {
            int64_t plen = h * fw;
            for (int64_t c = 0; c < k; c++)
                for (int m = 0; m < ncol; m++)
                    panels[c * ncol + m] = blocks[m] + (t * k + c) * plen;
            const char *heat_row[1] = {"error"};
            PlotGridSpec gs = report_grid(
                (int)k, ncol, has_class ? (const char *const *)cl.s : heat_row,
                (const char *const *)colnames, panels, (int)h, (int)fw, PLOT_CMAP_VIRIDIS, NULL);
            report_grid_freq_axes(&gs, kind == MAP_SCORE ? "patch column (fx / p)" : "fx",
                                  kind == MAP_SCORE ? "patch row" : "fy");
            char title[256], stem[256], cap[600];
            const char *band = mg.band.s[b];
            switch (kind) {
            case MAP_DFM:
                gs.vmin = 0;
                gs.vmax = 1;
                gs.cbar_label = "kept (fraction of seeds)";
                fs_snprintf(title, sizeof title, "%s, trained on band %s: DFMs at T = %s", ds, band,
                            Tl.s[t]);
                fs_snprintf(stem, sizeof stem, "dfm_%s_%s_T%s", ds, band, Tl.s[t]);
                fs_snprintf(cap, sizeof cap,
                            "Dominant frequency maps (class x model) of %s, models trained on "
                            "band %s, threshold T = %s; 1 = frequency kept; averaged over "
                            "seeds (values between 0 and 1 = seeds disagree).",
                            ds, band, Tl.s[t]);
                break;
            case MAP_SCORE:
                gs.vmin = 0;
                gs.vmax = 1;
                gs.cbar_label = "loss increase (panel min..max)";
                fs_snprintf(title, sizeof title,
                            "%s, trained on band %s: DFM loss maps (pre-threshold)", ds, band);
                fs_snprintf(stem, sizeof stem, "lossmap_%s_%s", ds, band);
                fs_snprintf(cap, sizeof cap,
                            "DFM loss maps of %s (band %s): the increase of the class's test "
                            "cross-entropy when one frequency patch is removed, before "
                            "thresholding, each panel scaled from its minimum (0) to its maximum "
                            "(1) since the DFM keeps the top patches of each map; %s; seed mean.",
                            ds, band,
                            mirror ? "the stored half-plane is mirrored by conjugate symmetry"
                                   : "patch grid as stored");
                break;
            case MAP_HFSS:
                gs.vmin = 0;
                gs.vmax = 1;
                gs.cbar_label = "kept (fraction of seeds)";
                fs_snprintf(title, sizeof title, "%s, trained on band %s: HFSS shortcut maps", ds,
                            band);
                fs_snprintf(stem, sizeof stem, "hfss_%s_%s", ds, band);
                fs_snprintf(cap, sizeof cap,
                            "HFSS frequency-shortcut maps of %s (band %s), seed mean.", ds, band);
                break;
            case MAP_HEAT:
                gs.cbar_label = "test error (fraction)";
                fs_snprintf(title, sizeof title, "%s, trained on band %s: Fourier heat maps", ds,
                            band);
                fs_snprintf(stem, sizeof stem, "heatmap_%s_%s", ds, band);
                fs_snprintf(cap, sizeof cap,
                            "Fourier heat maps of %s (band %s): test error under a Fourier-basis "
                            "perturbation at each frequency (fraction), seed mean.",
                            ds, band);
                break;
            }
            if (isnan(gs.vmin)) { /* one scale for every class chunk of this figure */
                double lo = 0, hi = 0, a0, a1;
                int any = 0;
                for (int64_t p = 0; p < k * ncol; p++)
                    if (plot_finite_range(panels[p], (size_t)plen, &a0, &a1)) {
                        lo = any && lo < a0 ? lo : a0;
                        hi = any && hi > a1 ? hi : a1;
                        any = 1;
                    }
                if (any && hi > lo) {
                    gs.vmin = lo;
                    gs.vmax = hi;
                }
            }
            /* At most REPORT_CLASS_ROWS_PER_FIG class rows per figure. */
            for (int64_t c0 = 0; c0 < k; c0 += REPORT_CLASS_ROWS_PER_FIG) {
                int64_t nc =
                    k - c0 < REPORT_CLASS_ROWS_PER_FIG ? k - c0 : REPORT_CLASS_ROWS_PER_FIG;
                gs.rows = (int)nc;
                gs.panels = panels + c0 * ncol;
                if (has_class)
                    gs.row_labels = (const char *const *)cl.s + c0;
                report_grid_figure(r, &gs, title, stem, cap, c0, nc, k, REPORT_CLASS_ROWS_PER_FIG);
            }
        }
        for (int m = 0; m < ncol; m++) {
            free(blocks[m]);
            free(colnames[m]);
            blocks[m] = NULL;
            colnames[m] = NULL;
        }
    }
    if (r->sum.figures == figures_before)
        html_note(&r->doc, "No model has finished values of %s yet (all NaN).", v->name);
    free(panels);
    free(colnames);
    free(blocks);
    free(mean);
    report_labels_free(&Tl);
    report_labels_free(&cl);
    report_models_free(&mg);
}

void report_section_maps(Report *r, const char *ds)
{
    static const struct {
        const char *name;
        MapKind kind;
        int n;
        const char *dims[4];
        const char *heading;
        const char *cfg_key;
    } maps[] = {
        {"dfm_score", MAP_SCORE, 3, {"class", "pa", "pb"}, "DFM loss maps (pre-threshold)", "dfm"},
        {"dfm", MAP_DFM, 4, {"T", "class", "fy", "fx"}, "Dominant frequency maps (DFMs)", "dfm"},
        {"hfss_dfm", MAP_HFSS, 3, {"class", "fy", "fx"}, "HFSS shortcut maps", "hfss"},
        {"heatmap_err", MAP_HEAT, 2, {"fy", "fx"}, "Fourier heat maps", "heatmap"},
    };
    for (size_t i = 0; i < FS_ARRAY_LEN(maps); i++) {
        ReportVar v;
        int h = report_var_read(&r->store, ds, maps[i].name, &v);
        char what[256];
        fs_snprintf(what, sizeof what, "%s (%s)", maps[i].heading, maps[i].name);
        if (h == 0) {
            report_absent(r, what, ds, maps[i].cfg_key);
            continue;
        }
        if (h < 0)
            continue;
        if (report_var_expect(&r->store, ds, &v, maps[i].n, maps[i].dims)) {
            r->sum.sections_present++;
            report_heading_ds(r, maps[i].name, maps[i].heading, ds);
            maps_figures(r, ds, &v, maps[i].kind);
        }
        report_var_free(&v);
    }
}
