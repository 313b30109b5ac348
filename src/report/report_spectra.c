/* report_spectra.c: the ADCS and class-spectra section of `fsweep report`: dataset-level maps
 * (class, fy, fx) in the centred layout, one panel per class. */
#include "report_sections.h"

#include <math.h>
#include <stdlib.h>

enum { REPORT_CLASSES_PER_FIG = 10 }; /* panels per ADCS/spectra figure */

void report_section_adcs(Report *r, const char *ds)
{
    static const char *const dims[3] = {"class", "fy", "fx"};
    ReportVar a, s;
    int ha = report_var_read(&r->store, ds, "adcs", &a);
    int hs = report_var_read(&r->store, ds, "class_spectrum", &s);
    if (ha <= 0 && hs <= 0) {
        if (ha == 0 && hs == 0) {
            report_absent(r, "ADCS and class spectra (adcs, class_spectrum)", ds, "adcs");
        }
        return;
    }
    r->sum.sections_present++;
    report_heading_ds(r, "adcs", "ADCS and class-average spectra", ds);
    {
        /* The class names in label order, as the figures below use them. */
        const ReportVar *v = ha > 0 ? &a : &s;
        int64_t k = v->rank > v->ng ? v->dims[v->ng] : 0;
        ReportLabels cl = report_labels_read(&r->store, ds, "class", k, "C");
        FsBuf b = {0};
        for (int i = 0; i < cl.n; i++)
            fsbuf_printf(&b, "%s%d = %s", i ? ", " : "", i, cl.s[i]);
        html_para(&r->doc, "Classes of %s in label order: %s.", ds, b.s ? b.s : "none");
        fsbuf_free(&b);
        report_labels_free(&cl);
    }
    for (int which = 0; which < 2; which++) {
        ReportVar *v = which ? &s : &a;
        if ((which ? hs : ha) <= 0 || !report_var_expect(&r->store, ds, v, 3, dims))
            continue;
        /* Dataset-level: grid dims (if any) are taken at index 0 / the seed mean. */
        int64_t k = v->dims[v->ng], h = v->dims[v->ng + 1], w = v->dims[v->ng + 2];
        double *m = xmalloc((size_t)v->extra_len * sizeof *m);
        int64_t g0[3] = {0, 0, 0};
        report_var_mean(v, g0, m);
        ReportLabels cl = report_labels_read(&r->store, ds, "class", k, "C");
        float *buf = xmalloc((size_t)v->extra_len * sizeof *buf);
        for (int64_t i = 0; i < v->extra_len; i++) {
            double x = m[i];
            if (which)
                x = x > 0 ? log10(x) : (double)NAN; /* spectra on a log scale */
            buf[i] = (float)x;
        }
        const float **panels = xmalloc((size_t)k * sizeof *panels);
        for (int64_t c = 0; c < k; c++)
            panels[c] = buf + c * h * w;
        const char *rowlab[1] = {which ? "log10 E_c" : "ADCS_c"};
        PlotGridSpec gs = report_grid(1, (int)k, rowlab, (const char *const *)cl.s, panels, (int)h,
                                      (int)w, PLOT_CMAP_VIRIDIS, NULL);
        report_grid_freq_axes(&gs, "fx (cycles/image)", "fy");
        char t[256], stem[200], cap[512];
        if (!which) {
            /* ADCS_c is a sum of K-1 signs: a fixed symmetric scale makes datasets comparable. */
            gs.cmap = PLOT_CMAP_DIVERGING;
            gs.vmin = -(double)(k - 1);
            gs.vmax = (double)(k - 1);
            gs.cbar_label = "ADCS (sum of signs)";
            fs_snprintf(t, sizeof t, "%s: ADCS per class (red: class has more energy)", ds);
            fs_snprintf(stem, sizeof stem, "adcs_%s", ds);
            fs_snprintf(cap, sizeof cap,
                        "ADCS maps of %s, centred spectrum (DC in the middle), one panel per "
                        "class; colour = sum over other classes of sign(E_c - E_j), range "
                        "[-%lld, %lld].",
                        ds, (long long)(k - 1), (long long)(k - 1));
        } else {
            /* One scale for all classes, also when they are split over several figures. */
            double lo, hi;
            if (plot_finite_range(buf, (size_t)v->extra_len, &lo, &hi) && hi > lo) {
                gs.vmin = lo;
                gs.vmax = hi;
            }
            gs.cbar_label = "log10 mean |F|";
            fs_snprintf(t, sizeof t, "%s: class-average amplitude spectra (log10)", ds);
            fs_snprintf(stem, sizeof stem, "spectra_%s", ds);
            fs_snprintf(cap, sizeof cap,
                        "Class-average amplitude spectra E_c of %s on a log scale (log10 of the "
                        "mean |FFT| per frequency), centred layout.",
                        ds);
        }
        /* At most REPORT_CLASSES_PER_FIG panels per figure (CIFAR-100 gives 10 figures). */
        for (int64_t c0 = 0; c0 < k; c0 += REPORT_CLASSES_PER_FIG) {
            int64_t nc = k - c0 < REPORT_CLASSES_PER_FIG ? k - c0 : REPORT_CLASSES_PER_FIG;
            gs.cols = (int)nc;
            gs.col_labels = (const char *const *)cl.s + c0;
            gs.panels = panels + c0;
            report_grid_figure(r, &gs, t, stem, cap, c0, nc, k, REPORT_CLASSES_PER_FIG);
        }
        free(panels);
        free(buf);
        free(m);
        report_labels_free(&cl);
    }
    if (ha > 0)
        report_var_free(&a);
    if (hs > 0)
        report_var_free(&s);
}
