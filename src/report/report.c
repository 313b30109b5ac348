/* report.c: `fsweep report`: reads a results store (layout in report.h) and writes PNG figures
 * plus a self-contained index.html. Every section is optional: what the store lacks is listed
 * as absent; a malformed result is noted in the page and skipped. */
#include "report.h"

#include "h5file.h"
#include "log.h"
#include "plot.h"
#include "report_html.h"
#include "store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- result arrays */
enum { G_ARCH = 0, G_AUG, G_BAND, G_SEED, G_COUNT };
/* Panels per figure: classes per ADCS/spectra figure, class rows per DFM/loss-map figure. */
enum { REPORT_CLASSES_PER_FIG = 10, REPORT_CLASS_ROWS_PER_FIG = 20 };
static const char *const grid_dim_names[G_COUNT] = {"arch", "aug", "band", "seed"};

/* An analysis the store lacks: what, the datasets lacking it, and whether the run's config
 * switched it off. */
typedef struct {
    char what[160];
    FsBuf datasets; /* "Syn_B1, Syn_B2" */
    int off;        /* 1: not requested by the config */
} ReportAbsent;

/* One /results/<dataset>/<name> array, converted to double. */
typedef struct {
    char name[48];
    int rank;
    int64_t dims[FSH5_MAX_RANK];
    char dn[FSH5_MAX_RANK][32]; /* dimension names */
    int ng;                     /* leading grid dims */
    int gpos[G_COUNT];          /* position of each grid dim, -1 if absent */
    int64_t extra_len;          /* product of the non-grid dims */
    double *v;
} RVar;

typedef struct {
    H5File *f;
    const char *out_dir;
    int write_png;
    HtmlDoc doc;
    ReportSummary sum;
    ReportAbsent *absent; /* analyses the store lacks, grouped by what */
    int n_absent;
    char *config;      /* the store's effective config text, or NULL */
    FsBuf toc;         /* <li> links to the sections, in page order */
    FsBuf files;       /* "\nname.png\n" of every figure file so far (names stay unique) */
    FsStatus io_error; /* first failure writing outputs */
    double tpr_threshold;
    int threshold_from_config;
} Report;

static void rvar_free(RVar *v)
{
    free(v->v);
    v->v = NULL;
}

/* Size of grid dim g (1 when the array lacks it). */
static int64_t rvar_gsize(const RVar *v, int g)
{
    return v->gpos[g] >= 0 ? v->dims[v->gpos[g]] : 1;
}

/* Read /results/<ds>/<name>. Returns 1 on success, 0 if absent, -1 on a malformed array (the
 * reason goes into the page). */
static int rvar_read(Report *r, const char *ds, const char *name, RVar *out)
{
    memset(out, 0, sizeof *out);
    char path[256];
    fs_snprintf(path, sizeof path, "/results/%s/%s", ds, name);
    if (!h5f_exists(r->f, path))
        return 0;
    fs_snprintf(out->name, sizeof out->name, "%s", name);
    void *data = NULL;
    if (h5f_read(r->f, path, FSH5_F64, &out->rank, out->dims, &data) != FS_OK) {
        html_note(&r->doc, "Could not read %s: %s", path, fs_last_error());
        LOG_WARN("report: %s", fs_last_error());
        return -1;
    }
    out->v = data;
    char *dl = NULL;
    if (h5f_attr_get_str(r->f, path, "fsweep_dims", &dl) != FS_OK) {
        html_note(&r->doc, "Skipped %s: it has no fsweep_dims attribute (dimension names).", path);
        rvar_free(out);
        return -1;
    }
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(dl, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n < FSH5_MAX_RANK)
            fs_snprintf(out->dn[n], sizeof out->dn[n], "%.31s", t);
        n++;
    }
    free(dl);
    if (n != out->rank) {
        html_note(&r->doc, "Skipped %s: fsweep_dims names %d dimensions but the array has %d.",
                  path, n, out->rank);
        rvar_free(out);
        return -1;
    }
    for (int g = 0; g < G_COUNT; g++)
        out->gpos[g] = -1;
    out->ng = 0;
    for (int i = 0; i < out->rank; i++) {
        int g = -1;
        for (int k = 0; k < G_COUNT; k++)
            if (!strcmp(out->dn[i], grid_dim_names[k]))
                g = k;
        if (g < 0 || i != out->ng)
            break;
        out->gpos[g] = i;
        out->ng++;
    }
    out->extra_len = 1;
    for (int i = out->ng; i < out->rank; i++)
        out->extra_len *= out->dims[i];
    return 1;
}

/* Check that v's non-grid dims are named as expected (e.g. {"T", "class", "fy", "fx"}). */
static int rvar_expect(Report *r, const char *ds, const RVar *v, int n, const char *const *names)
{
    int ok = v->rank - v->ng == n;
    for (int i = 0; ok && i < n; i++)
        ok = !strcmp(v->dn[v->ng + i], names[i]);
    if (!ok) {
        FsBuf b = {0};
        for (int i = v->ng; i < v->rank; i++)
            fsbuf_printf(&b, "%s%s", i > v->ng ? "," : "", v->dn[i]);
        FsBuf e = {0};
        for (int i = 0; i < n; i++)
            fsbuf_printf(&e, "%s%s", i ? "," : "", names[i]);
        html_note(&r->doc, "Skipped /results/%s/%s: its dimensions are (%s), expected (%s).", ds,
                  v->name, b.s ? b.s : "", e.s ? e.s : "");
        fsbuf_free(&b);
        fsbuf_free(&e);
    }
    return ok;
}

/* Mean over seeds of the extra block at grid point g[0..2] = (arch, aug, band), NaNs skipped.
 * out has v->extra_len values (NaN where no seed has one). Returns the number of seeds with
 * at least one finite value. */
static int rvar_model_mean(const RVar *v, const int64_t g[3], double *out)
{
    int64_t stride[FSH5_MAX_RANK] = {0};
    int64_t s = 1;
    for (int i = v->rank - 1; i >= 0; i--) {
        stride[i] = s;
        s *= v->dims[i];
    }
    int64_t base = 0;
    for (int k = 0; k < 3; k++)
        if (v->gpos[k] >= 0)
            base += g[k] * stride[v->gpos[k]];
    int64_t ns = rvar_gsize(v, G_SEED);
    int used = 0;
    int *cnt = xcalloc((size_t)v->extra_len, sizeof *cnt);
    for (int64_t i = 0; i < v->extra_len; i++)
        out[i] = 0;
    for (int64_t sd = 0; sd < ns; sd++) {
        int64_t off = base + (v->gpos[G_SEED] >= 0 ? sd * stride[v->gpos[G_SEED]] : 0);
        int any = 0;
        for (int64_t i = 0; i < v->extra_len; i++) {
            double x = v->v[off + i];
            if (!isfinite(x))
                continue;
            out[i] += x;
            cnt[i]++;
            any = 1;
        }
        used += any;
    }
    for (int64_t i = 0; i < v->extra_len; i++)
        out[i] = cnt[i] ? out[i] / cnt[i] : (double)NAN;
    free(cnt);
    return used;
}

/* ---------------------------------------------------------------- labels */
typedef struct {
    int n;
    char **s;
} Labels;

static void labels_free(Labels *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    l->s = NULL;
    l->n = 0;
}

/* Class names of the datasets the sweep knows (sweep_dataset_info), used when the store has no
 * names of its own; label order as in PAPER.md 3-4 and the loaders. */
static const char *const *known_class_names(const char *ds, int64_t k)
{
    static const char *const fmnist[10] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                           "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                           "Bag",         "Ankle boot"};
    static const char *const cifar10[10] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                            "dog",      "frog",       "horse", "ship", "truck"};
    static const char *const in10[10] = {
        "airliner",         "wagon",       "hummingbird", "Siamese cat",    "ox",
        "golden retriever", "tailed frog", "zebra",       "container ship", "trailer truck"};
    if (k != 10)
        return NULL;
    if (!strncmp(ds, "fashion_mnist", 13) || !strncmp(ds, "fashion-mnist", 13))
        return fmnist;
    if (!strcmp(ds, "cifar10"))
        return cifar10;
    if (!strcmp(ds, "imagenet10"))
        return in10;
    return NULL;
}

/* Labels of dimension `dim` (n entries) of dataset group ds: the sibling dataset's strings,
 * else its numbers (when they vary, or for seed/T), else "<prefix><index>". */
static Labels dim_labels(Report *r, const char *ds, const char *dim, int64_t n, const char *prefix)
{
    Labels l = {(int)n, xcalloc((size_t)(n > 0 ? n : 1), sizeof(char *))};
    char path[256];
    const char *cands[2] = {dim, !strcmp(dim, "class") ? "class_names" : NULL};
    for (int c = 0; c < 2 && cands[c]; c++) {
        fs_snprintf(path, sizeof path, "/results/%s/%s", ds, cands[c]);
        if (!h5f_exists(r->f, path))
            continue;
        int m = 0;
        char **s = NULL;
        if (h5f_read_strings(r->f, path, &m, &s) == FS_OK) {
            if (m == n) {
                for (int i = 0; i < m; i++)
                    l.s[i] = s[i];
                free(s);
                return l;
            }
            for (int i = 0; i < m; i++)
                free(s[i]);
            free(s);
            continue;
        }
        int rank;
        int64_t dims[FSH5_MAX_RANK];
        void *d = NULL;
        if (h5f_read(r->f, path, FSH5_F64, &rank, dims, &d) == FS_OK && rank == 1 && dims[0] == n) {
            const double *x = d;
            int varies = !strcmp(dim, "seed") || !strcmp(dim, "T") || n == 1;
            for (int64_t i = 1; i < n; i++)
                varies |= x[i] != x[0];
            if (varies) {
                for (int64_t i = 0; i < n; i++) {
                    char b[64];
                    fs_snprintf(b, sizeof b, "%s%g", !strcmp(dim, "seed") ? "s" : "", x[i]);
                    l.s[i] = xstrdup(b);
                }
                free(d);
                return l;
            }
        }
        free(d);
    }
    fs_clear_error();
    const char *const *known = !strcmp(dim, "class") ? known_class_names(ds, n) : NULL;
    for (int64_t i = 0; i < n; i++) {
        char b[64];
        fs_snprintf(b, sizeof b, "%s%lld", prefix, (long long)i);
        l.s[i] = xstrdup(known ? known[i] : b);
    }
    return l;
}

/* Numeric coordinates of a dim (e.g. epoch or step), or 1..n when it has none. */
static double *dim_coords(Report *r, const char *ds, const char *dim, int64_t n)
{
    double *x = xmalloc((size_t)(n > 0 ? n : 1) * sizeof *x);
    for (int64_t i = 0; i < n; i++)
        x[i] = (double)(i + 1);
    char path[256];
    fs_snprintf(path, sizeof path, "/results/%s/%s", ds, dim);
    int rank;
    int64_t dims[FSH5_MAX_RANK];
    void *d = NULL;
    if (h5f_exists(r->f, path) && h5f_read(r->f, path, FSH5_F64, &rank, dims, &d) == FS_OK &&
        rank == 1 && dims[0] == n) {
        const double *c = d;
        int incr = n > 1;
        for (int64_t i = 1; i < n; i++)
            incr &= c[i] > c[i - 1];
        if (incr)
            memcpy(x, c, (size_t)n * sizeof *x);
    }
    free(d);
    fs_clear_error();
    return x;
}

/* The model grid of a result: arch, aug, band labels. */
typedef struct {
    Labels arch, aug, band;
    int64_t na, ng, nb;
} ModelGrid;

static ModelGrid model_grid(Report *r, const char *ds, const RVar *v)
{
    ModelGrid m;
    m.na = rvar_gsize(v, G_ARCH);
    m.ng = rvar_gsize(v, G_AUG);
    m.nb = rvar_gsize(v, G_BAND);
    m.arch = dim_labels(r, ds, "arch", m.na, "arch");
    m.aug = dim_labels(r, ds, "aug", m.ng, "aug");
    m.band = dim_labels(r, ds, "band", m.nb, "band");
    return m;
}

static void model_grid_free(ModelGrid *m)
{
    labels_free(&m->arch);
    labels_free(&m->aug);
    labels_free(&m->band);
}

/* "resnet18" or "resnet18+augmix" when the store has more than one augmentation. */
static void model_name(const ModelGrid *m, int64_t a, int64_t g, char *buf, size_t n)
{
    if (m->ng > 1)
        fs_snprintf(buf, n, "%s+%s", m->arch.s[a], m->aug.s[g]);
    else
        fs_snprintf(buf, n, "%s", m->arch.s[a]);
}

/* ---------------------------------------------------------------- outputs */
/* File-name-safe copy of s. */
static void safe_name(const char *s, char *buf, size_t n)
{
    size_t j = 0;
    for (; *s && j + 1 < n; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        buf[j++] = ok ? c : '_';
    }
    buf[j] = 0;
}

/* Embed the canvas in the page and write it as DIR/<stem>.png; takes ownership of c. */
static void report_figure(Report *r, PlotCanvas *c, const char *stem, const char *caption)
{
    char safe[200], file[224], path[4096], key[232];
    safe_name(stem, safe, sizeof safe);
    fs_snprintf(file, sizeof file, "%s.png", safe);
    /* Distinct labels can map to one file name ("a<b" and "a>b"): number the later ones. */
    for (int i = 2;; i++) {
        fs_snprintf(key, sizeof key, "\n%s\n", file);
        if (!r->files.s || !strstr(r->files.s, key))
            break;
        fs_snprintf(file, sizeof file, "%s_%d.png", safe, i);
    }
    fsbuf_printf(&r->files, "%s%s\n", r->files.len ? "" : "\n", file);
    uint8_t *png = NULL;
    size_t len = 0;
    FsStatus st = plot_png_encode(c, &png, &len);
    if (st == FS_OK && r->write_png) {
        fs_snprintf(path, sizeof path, "%s/%s", r->out_dir, file);
        st = fs_write_file_atomic(path, png, len);
    }
    if (st != FS_OK) {
        if (r->io_error == FS_OK)
            r->io_error = st;
        LOG_ERROR("report: %s", fs_last_error());
    } else {
        int scale = c->w <= 600 ? 2 : 1;
        html_image_png(&r->doc, png, len, c->w, c->h, scale, r->write_png ? file : NULL, caption);
        r->sum.figures++;
    }
    free(png);
    plot_canvas_destroy(c);
}

/* A section heading, also listed in the table of contents. */
static void report_heading(Report *r, const char *id, const char *title)
{
    html_heading(&r->doc, 2, id, title);
    fsbuf_printf(&r->toc, "<li><a href=\"#");
    html_escape(&r->toc, id);
    fsbuf_printf(&r->toc, "\">");
    html_escape(&r->toc, title);
    fsbuf_printf(&r->toc, "</a></li>\n");
}

/* Value of `key` in the effective config text ("key = value" lines), copied into buf; 0 when
 * the store has no config or the key is not there. */
static int config_value(const char *text, const char *key, char *buf, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        if (len > kl && !strncmp(p, key, kl) && strchr(" \t=", p[kl])) {
            const char *q = p + kl;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=') {
                q++;
                while (*q == ' ' || *q == '\t')
                    q++;
                size_t vl = (size_t)((eol ? eol : q + strlen(q)) - q);
                while (vl && (q[vl - 1] == ' ' || q[vl - 1] == '\r'))
                    vl--;
                fs_snprintf(buf, n, "%.*s", (int)(vl < n ? vl : n - 1), q);
                return 1;
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    return 0;
}

/* Note that dataset ds (NULL: the store as a whole) lacks `what`. cfg_key names the config
 * switch of that analysis ("hfss"; "ood" for the OOD axis): when the config turned it off
 * (false / none) it is listed as not requested instead of absent. */
static void report_absent(Report *r, const char *what, const char *ds, const char *cfg_key)
{
    char v[64];
    int off = cfg_key && r->config && config_value(r->config, cfg_key, v, sizeof v) &&
              (!strcmp(v, "false") || !strcmp(v, "none") || !strcmp(v, "0"));
    int i = 0;
    while (i < r->n_absent && (strcmp(r->absent[i].what, what) != 0 || r->absent[i].off != off))
        i++;
    if (i == r->n_absent) {
        r->absent = xrealloc(r->absent, (size_t)(r->n_absent + 1) * sizeof *r->absent);
        memset(&r->absent[i], 0, sizeof r->absent[i]);
        fs_snprintf(r->absent[i].what, sizeof r->absent[i].what, "%.159s", what);
        r->absent[i].off = off;
        r->n_absent++;
    }
    if (ds)
        fsbuf_printf(&r->absent[i].datasets, "%s%s", r->absent[i].datasets.len ? ", " : "", ds);
    r->sum.sections_absent++;
}

/* "what (ds1, ds2); what2" for the absent entries with this `off` flag. */
static void absent_list(const Report *r, int off, FsBuf *out)
{
    int n = 0;
    for (int i = 0; i < r->n_absent; i++) {
        const ReportAbsent *a = &r->absent[i];
        if (a->off != off)
            continue;
        fsbuf_printf(out, "%s", n++ ? "; " : "");
        html_escape(out, a->what);
        if (a->datasets.len) {
            fsbuf_printf(out, " in ");
            html_escape(out, a->datasets.s);
        }
    }
}

/* ---------------------------------------------------------------- ADCS and spectra */
static void section_adcs(Report *r, const char *ds)
{
    static const char *const dims[3] = {"class", "fy", "fx"};
    RVar a, s;
    int ha = rvar_read(r, ds, "adcs", &a), hs = rvar_read(r, ds, "class_spectrum", &s);
    if (ha <= 0 && hs <= 0) {
        if (ha == 0 && hs == 0) {
            report_absent(r, "ADCS and class spectra (adcs, class_spectrum)", ds, "adcs");
        }
        return;
    }
    r->sum.sections_present++;
    char id[128], title[256];
    fs_snprintf(id, sizeof id, "adcs-%s", ds);
    fs_snprintf(title, sizeof title, "ADCS and class-average spectra: %s", ds);
    report_heading(r, id, title);
    {
        /* The class names in label order, as the figures below use them. */
        const RVar *v = ha > 0 ? &a : &s;
        int64_t k = v->rank > v->ng ? v->dims[v->ng] : 0;
        Labels cl = dim_labels(r, ds, "class", k, "C");
        FsBuf b = {0};
        for (int i = 0; i < cl.n; i++)
            fsbuf_printf(&b, "%s%d = %s", i ? ", " : "", i, cl.s[i]);
        html_para(&r->doc, "Classes of %s in label order: %s.", ds, b.s ? b.s : "none");
        fsbuf_free(&b);
        labels_free(&cl);
    }
    for (int which = 0; which < 2; which++) {
        RVar *v = which ? &s : &a;
        if ((which ? hs : ha) <= 0 || !rvar_expect(r, ds, v, 3, dims))
            continue;
        /* Dataset-level: grid dims (if any) are taken at index 0 / the seed mean. */
        int64_t k = v->dims[v->ng], h = v->dims[v->ng + 1], w = v->dims[v->ng + 2];
        double *m = xmalloc((size_t)v->extra_len * sizeof *m);
        int64_t g0[3] = {0, 0, 0};
        rvar_model_mean(v, g0, m);
        Labels cl = dim_labels(r, ds, "class", k, "C");
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
        PlotGridSpec gs = {.rows = 1,
                           .cols = (int)k,
                           .row_labels = rowlab,
                           .col_labels = (const char *const *)cl.s,
                           .panels = panels,
                           .ph = (int)h,
                           .pw = (int)w,
                           .cmap = PLOT_CMAP_VIRIDIS,
                           .vmin = NAN,
                           .vmax = NAN,
                           .axes = 1,
                           .x0 = -floor((double)w / 2),
                           .y0 = -floor((double)h / 2),
                           .x_label = "fx (cycles/image)",
                           .y_label = "fy"};
        char t[256], stem[200], cap[512], tt[300], st[220];
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
            char cc[700];
            if (k > REPORT_CLASSES_PER_FIG) {
                fs_snprintf(tt, sizeof tt, "%s (classes %lld-%lld)", t, (long long)c0,
                            (long long)(c0 + nc - 1));
                fs_snprintf(st, sizeof st, "%s_c%lld", stem, (long long)c0);
                fs_snprintf(cc, sizeof cc, "%s (classes %lld-%lld)", cap, (long long)c0,
                            (long long)(c0 + nc - 1));
            } else {
                fs_snprintf(tt, sizeof tt, "%s", t);
                fs_snprintf(st, sizeof st, "%s", stem);
                fs_snprintf(cc, sizeof cc, "%s", cap);
            }
            gs.title = tt;
            report_figure(r, plot_heatmap_grid(&gs), st, cc);
        }
        free(panels);
        free(buf);
        free(m);
        labels_free(&cl);
    }
    if (ha > 0)
        rvar_free(&a);
    if (hs > 0)
        rvar_free(&s);
}

/* ---------------------------------------------------------------- per-model map grids */
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
static void maps_figures(Report *r, const char *ds, const RVar *v, MapKind kind)
{
    ModelGrid mg = model_grid(r, ds, v);
    int figures_before = r->sum.figures;
    int has_T = kind == MAP_DFM;
    int has_class = kind != MAP_HEAT;
    int e = v->ng;
    int64_t nT = has_T ? v->dims[e] : 1;
    int64_t k = has_class ? v->dims[e + has_T] : 1;
    int64_t h = v->dims[e + has_T + has_class], w = v->dims[e + has_T + has_class + 1];
    int mirror = kind == MAP_SCORE && w == h / 2 + 1;
    int64_t fw = mirror ? h : w;
    Labels Tl = has_T ? dim_labels(r, ds, "T", nT, "T") : (Labels){0, NULL};
    Labels cl = has_class ? dim_labels(r, ds, "class", k, "C") : (Labels){0, NULL};
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
                if (!rvar_model_mean(v, gi, mean))
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
                model_name(&mg, a, g, nm, sizeof nm);
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
            PlotGridSpec gs = {.rows = (int)k,
                               .cols = ncol,
                               .row_labels = has_class ? (const char *const *)cl.s : heat_row,
                               .col_labels = (const char *const *)colnames,
                               .panels = panels,
                               .ph = (int)h,
                               .pw = (int)fw,
                               .cmap = PLOT_CMAP_VIRIDIS,
                               .vmin = NAN,
                               .vmax = NAN,
                               .axes = 1,
                               .x0 = -floor((double)fw / 2),
                               .y0 = -floor((double)h / 2),
                               .x_label = kind == MAP_SCORE ? "patch column (fx / p)" : "fx",
                               .y_label = kind == MAP_SCORE ? "patch row" : "fy"};
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
                char tt[300], st[300], cc[700];
                if (k > REPORT_CLASS_ROWS_PER_FIG) {
                    fs_snprintf(tt, sizeof tt, "%s (classes %lld-%lld)", title, (long long)c0,
                                (long long)(c0 + nc - 1));
                    fs_snprintf(st, sizeof st, "%s_c%lld", stem, (long long)c0);
                    fs_snprintf(cc, sizeof cc, "%s (classes %lld-%lld)", cap, (long long)c0,
                                (long long)(c0 + nc - 1));
                } else {
                    fs_snprintf(tt, sizeof tt, "%s", title);
                    fs_snprintf(st, sizeof st, "%s", stem);
                    fs_snprintf(cc, sizeof cc, "%s", cap);
                }
                gs.rows = (int)nc;
                gs.panels = panels + c0 * ncol;
                if (has_class)
                    gs.row_labels = (const char *const *)cl.s + c0;
                gs.title = tt;
                report_figure(r, plot_heatmap_grid(&gs), st, cc);
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
    labels_free(&Tl);
    labels_free(&cl);
    model_grid_free(&mg);
}

static void section_maps(Report *r, const char *ds)
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
        RVar v;
        int h = rvar_read(r, ds, maps[i].name, &v);
        char what[256];
        fs_snprintf(what, sizeof what, "%s (%s)", maps[i].heading, maps[i].name);
        if (h == 0) {
            report_absent(r, what, ds, maps[i].cfg_key);
            continue;
        }
        if (h < 0)
            continue;
        if (rvar_expect(r, ds, &v, maps[i].n, maps[i].dims)) {
            r->sum.sections_present++;
            char id[160], title[256];
            fs_snprintf(id, sizeof id, "%s-%s", maps[i].name, ds);
            fs_snprintf(title, sizeof title, "%s: %s", maps[i].heading, ds);
            report_heading(r, id, title);
            maps_figures(r, ds, &v, maps[i].kind);
        }
        rvar_free(&v);
    }
}

/* ---------------------------------------------------------------- learning curves */
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
static void class_curve_figures(Report *r, const char *ds, const RVar *v)
{
    ModelGrid mg = model_grid(r, ds, v);
    const char *xdim = v->dn[v->ng];
    int64_t ne = v->dims[v->ng], k = v->dims[v->ng + 1];
    Labels cl = dim_labels(r, ds, "class", k, "C");
    double *x = dim_coords(r, ds, xdim, ne);
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
            model_name(&mg, a, g, nm, sizeof nm);
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
                if (!rvar_model_mean(v, gi, mean))
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
                PlotChart ch = {.title = ct,
                                .x_label = xdim,
                                .y_label = qty,
                                .n_series = (int)k,
                                .series = se,
                                .x_min = NAN,
                                .x_max = NAN,
                                .y_min = unit ? 0 : NAN,
                                .y_max = unit ? 1 : NAN,
                                .legend = 0};
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
    labels_free(&cl);
    model_grid_free(&mg);
}

/* Learning order (PAPER.md 5): per model and training band, the class with the highest
 * accuracy at the first checkpoint (learned first), and per class the first checkpoint whose
 * accuracy reaches 0.8 of the class's final accuracy; from the seed-mean curves. */
static void learned_first_table(Report *r, const char *ds, const RVar *v)
{
    ModelGrid mg = model_grid(r, ds, v);
    const char *xdim = v->dn[v->ng];
    int64_t ne = v->dims[v->ng], k = v->dims[v->ng + 1];
    Labels cl = dim_labels(r, ds, "class", k, "C");
    double *x = dim_coords(r, ds, xdim, ne);
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
                int used = rvar_model_mean(v, gi, mean);
                if (!used)
                    continue;
                int64_t first = -1;
                for (int64_t c = 0; c < k; c++)
                    if (isfinite(mean[c]) && (first < 0 || mean[c] > mean[first]))
                        first = c;
                html_row_begin(&r->doc);
                html_cell_text(&r->doc, mg.arch.s[a], 0);
                html_cell_text(&r->doc, mg.aug.s[g], 0);
                html_cell_text(&r->doc, mg.band.s[b], 0);
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
    labels_free(&cl);
    model_grid_free(&mg);
}

/* Per-class curves: every result named *_curve with dims (epoch or step, class). */
static int section_class_curves(Report *r, const char *ds, int *heading_done)
{
    char grp[256];
    fs_snprintf(grp, sizeof grp, "/results/%s", ds);
    char **names = NULL;
    int n = 0, found = 0;
    if (h5f_list(r->f, grp, &names, &n) != FS_OK) {
        fs_clear_error();
        return 0;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (len < 6 || strcmp(names[i] + len - 6, "_curve") != 0)
            continue;
        RVar v;
        if (rvar_read(r, ds, names[i], &v) <= 0)
            continue;
        if (v.rank - v.ng == 2 && !strcmp(v.dn[v.ng + 1], "class") &&
            (!strcmp(v.dn[v.ng], "epoch") || !strcmp(v.dn[v.ng], "step"))) {
            if (!*heading_done) {
                char id[160], title[256];
                fs_snprintf(id, sizeof id, "curves-%s", ds);
                fs_snprintf(title, sizeof title, "Learning curves: %s", ds);
                report_heading(r, id, title);
                *heading_done = 1;
            }
            class_curve_figures(r, ds, &v);
            if (!strcmp(v.name, "class_acc_curve"))
                learned_first_table(r, ds, &v);
            found++;
        } else {
            static const char *const want[2] = {"epoch or step", "class"};
            rvar_expect(r, ds, &v, 2, want); /* names the mismatch in the page */
        }
        rvar_free(&v);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return found;
}

static void section_curves(Report *r, const char *ds)
{
    static const char *const dims_loss[1] = {"epoch"};
    RVar loss;
    int heading = 0;
    int n_curves = section_class_curves(r, ds, &heading);
    int hl = rvar_read(r, ds, "train_loss", &loss);
    if (n_curves == 0) {
        report_absent(r, "per-band learning curves (class_acc_curve)", ds, "learning_order");
    }
    if (hl == 0) {
        report_absent(r, "training loss curves (train_loss)", ds, NULL);
    }
    int ok_l = hl > 0 && rvar_expect(r, ds, &loss, 1, dims_loss);
    if (n_curves || ok_l)
        r->sum.sections_present++;
    if (ok_l && !heading) {
        char id[160], title[256];
        fs_snprintf(id, sizeof id, "curves-%s", ds);
        fs_snprintf(title, sizeof title, "Learning curves: %s", ds);
        report_heading(r, id, title);
    }
    if (ok_l) {
        /* One chart per model, one line per band, log loss axis. */
        ModelGrid mg = model_grid(r, ds, &loss);
        int64_t ne = loss.dims[loss.ng];
        double *x = dim_coords(r, ds, "epoch", ne);
        double *ys = xmalloc((size_t)(mg.nb * ne) * sizeof *ys);
        PlotSeries *se = xmalloc((size_t)mg.nb * sizeof *se);
        int64_t nmod = mg.na * mg.ng;
        int cols = (int)(nmod < 4 ? nmod : 4), rows = (int)((nmod + 3) / 4);
        char t[256];
        fs_snprintf(t, sizeof t, "%s: training loss (log scale), one line per training band", ds);
        int fig_w = cols * CHART_W, tw = plot_text_width(t, 1) + 12;
        PlotCanvas *c =
            plot_canvas_create(fig_w > tw ? fig_w : tw, rows * CHART_H + 20, PLOT_WHITE);
        plot_draw_text(c, 6, 5, t, PLOT_BLACK, 1);
        int m = 0, drawn = 0;
        for (int64_t a = 0; a < mg.na; a++)
            for (int64_t g = 0; g < mg.ng; g++, m++) {
                int ns = 0;
                for (int64_t b = 0; b < mg.nb; b++) {
                    int64_t gi[3] = {a, g, b};
                    if (!rvar_model_mean(&loss, gi, ys + b * ne))
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
                model_name(&mg, a, g, nm, sizeof nm);
                PlotChart ch = {.title = nm,
                                .x_label = "epoch",
                                .y_label = "loss",
                                .n_series = ns,
                                .series = se,
                                .log_y = 1,
                                .x_min = NAN,
                                .x_max = NAN,
                                .y_min = NAN,
                                .y_max = NAN,
                                .legend = 1};
                plot_draw_chart(c, (m % 4) * CHART_W, 20 + (m / 4) * CHART_H, CHART_W, CHART_H,
                                &ch);
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
        model_grid_free(&mg);
    }
    if (hl > 0)
        rvar_free(&loss);
}

/* ---------------------------------------------------------------- band tests */
/* Index of the unfiltered test set among the test bands ("none", "orig", "original", "all",
 * "full"; else 0). */
static int64_t reference_band(const Labels *tb)
{
    static const char *const refs[] = {"none", "orig", "original", "all", "full", "clean"};
    for (int i = 0; i < tb->n; i++)
        for (size_t j = 0; j < FS_ARRAY_LEN(refs); j++)
            if (!strcmp(tb->s[i], refs[j]))
                return i;
    return 0;
}

/* Table: rows = models x training band; columns = the extra dim's labels; cells = seed mean. */
static void model_table(Report *r, const char *ds, const RVar *v, const Labels *cols,
                        const char *id, const char *caption, const char *fmt)
{
    ModelGrid mg = model_grid(r, ds, v);
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
                int used = rvar_model_mean(v, gi, mean);
                if (!used)
                    continue;
                rows++;
                html_row_begin(&r->doc);
                html_cell_text(&r->doc, mg.arch.s[a], 0);
                html_cell_text(&r->doc, mg.aug.s[g], 0);
                html_cell_text(&r->doc, mg.band.s[b], 0);
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
    model_grid_free(&mg);
}

/* Per-class accuracy change on each filtered test set against the unfiltered one, in points
 * (the diagonal of the relative confusion change): one figure per training band, one panel
 * per model, rows = test bands, columns = classes. */
static void class_acc_figures(Report *r, const char *ds, const RVar *v)
{
    ModelGrid mg = model_grid(r, ds, v);
    int64_t nt = v->dims[v->ng], k = v->dims[v->ng + 1];
    Labels tb = dim_labels(r, ds, "test_band", nt, "tb");
    Labels cl = dim_labels(r, ds, "class", k, "C");
    int64_t ref = reference_band(&tb);
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
                if (!rvar_model_mean(v, gi, mean))
                    continue;
                float *d = delta + np * nt * k;
                for (int64_t t = 0; t < nt; t++)
                    for (int64_t c = 0; c < k; c++)
                        d[t * k + c] = (float)(100.0 * (mean[t * k + c] - mean[ref * k + c]));
                char nm[160];
                model_name(&mg, a, g, nm, sizeof nm);
                names[np] = xstrdup(nm);
                panels[np++] = d;
            }
        if (np) {
            char title[256], stem[256], cap[600];
            fs_snprintf(title, sizeof title,
                        "%s, trained on band %s: per-class accuracy change vs '%s' (points)", ds,
                        mg.band.s[b], tb.s[ref]);
            const char *rl[1] = {"test set"};
            PlotGridSpec gs = {.title = title,
                               .rows = 1,
                               .cols = np,
                               .row_labels = rl,
                               .col_labels = (const char *const *)names,
                               .panels = panels,
                               .ph = (int)nt,
                               .pw = (int)k,
                               .cell_px = 0,
                               .cmap = PLOT_CMAP_DIVERGING,
                               .vmin = NAN,
                               .vmax = NAN,
                               .cbar_label = "change (points)",
                               .axes = 2,
                               .x_names = (const char *const *)cl.s,
                               .y_names = (const char *const *)tb.s,
                               .x_label = "class"};
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
    labels_free(&cl);
    labels_free(&tb);
    model_grid_free(&mg);
}

static void section_band_tests(Report *r, const char *ds)

{
    static const char *const d1[1] = {"test_band"};
    static const char *const d3[3] = {"test_band", "class", "pred"};
    static const char *const d2[2] = {"test_band", "class"};
    RVar acc, conf, cacc;
    int ha = rvar_read(r, ds, "test_acc", &acc), hc = rvar_read(r, ds, "confusion", &conf);
    int hk = rvar_read(r, ds, "class_acc", &cacc);
    if (hk == 0) {
        report_absent(r, "per-class accuracy per test band (class_acc)", ds, NULL);
    }
    if (ha == 0) {
        report_absent(r, "test accuracy per test band (test_acc)", ds, NULL);
    }
    if (hc == 0) {
        report_absent(r, "relative confusion-matrix changes (confusion)", ds, NULL);
    }
    int ok_a = ha > 0 && rvar_expect(r, ds, &acc, 1, d1);
    int ok_c = hc > 0 && rvar_expect(r, ds, &conf, 3, d3);
    int ok_k = hk > 0 && rvar_expect(r, ds, &cacc, 2, d2) && cacc.dims[cacc.ng] >= 2;
    if (ok_a || ok_c || ok_k) {
        r->sum.sections_present++;
        char id[160], title[256];
        fs_snprintf(id, sizeof id, "bandtests-%s", ds);
        fs_snprintf(title, sizeof title, "Band-stop and band-pass tests: %s", ds);
        report_heading(r, id, title);
    }
    if (ok_a) {
        Labels tb = dim_labels(r, ds, "test_band", acc.dims[acc.ng], "tb");
        char id[160], cap[256];
        fs_snprintf(id, sizeof id, "test_acc-%s", ds);
        fs_snprintf(cap, sizeof cap,
                    "Test accuracy (fraction) of %s models on each filtered test set, seed mean",
                    ds);
        model_table(r, ds, &acc, &tb, id, cap, "%.3f");
        labels_free(&tb);
    }
    if (ok_k)
        class_acc_figures(r, ds, &cacc);
    if (ok_c) {
        /* Delta(i, j) = (Pred_bs(i, j) - Pred_org(i, j)) / N_i * 100, N_i from the reference. */
        ModelGrid mg = model_grid(r, ds, &conf);
        int64_t nt = conf.dims[conf.ng], k = conf.dims[conf.ng + 1];
        Labels tb = dim_labels(r, ds, "test_band", nt, "tb");
        Labels cl = dim_labels(r, ds, "class", k, "C");
        int64_t ref = reference_band(&tb);
        double *mean = xmalloc((size_t)conf.extra_len * sizeof *mean);
        float *delta = xmalloc((size_t)(nt * k * k) * sizeof *delta);
        const float **panels = xmalloc((size_t)nt * sizeof *panels);
        const char **names = xmalloc((size_t)nt * sizeof *names);
        for (int64_t a = 0; a < mg.na; a++)
            for (int64_t g = 0; g < mg.ng; g++)
                for (int64_t bb = 0; bb < mg.nb; bb++) {
                    int64_t gi[3] = {a, g, bb};
                    if (!rvar_model_mean(&conf, gi, mean))
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
                                double d =
                                    (mean[(t * k + i) * k + j] - mean[(ref * k + i) * k + j]);
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
                    model_name(&mg, a, g, nm, sizeof nm);
                    fs_snprintf(title, sizeof title,
                                "%s, %s, band %s: confusion change vs '%s' (points)", ds, nm,
                                mg.band.s[bb], tb.s[ref]);
                    const char *rl[1] = {"true class"};
                    PlotGridSpec gs = {.title = title,
                                       .rows = 1,
                                       .cols = np,
                                       .row_labels = rl,
                                       .col_labels = names,
                                       .panels = panels,
                                       .ph = (int)k,
                                       .pw = (int)k,
                                       .cell_px = 0,
                                       .cmap = PLOT_CMAP_DIVERGING,
                                       .vmin = NAN,
                                       .vmax = NAN,
                                       .cbar_label = "change (% of class)",
                                       .axes = 2,
                                       .x_names = (const char *const *)cl.s,
                                       .y_names = (const char *const *)cl.s,
                                       .x_label = "predicted class"};
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
        labels_free(&cl);
        labels_free(&tb);
        model_grid_free(&mg);
    }
    if (ha > 0)
        rvar_free(&acc);
    if (hc > 0)
        rvar_free(&conf);
    if (hk > 0)
        rvar_free(&cacc);
}

/* ---------------------------------------------------------------- TPR / FPR */
/* TPR at a glance: per training band one figure, one panel per threshold T, each panel
 * classes (rows) x models (columns), viridis on [0, 1]. */
static void tpr_figures(Report *r, const char *ds, const RVar *tpr, const ModelGrid *mg,
                        const Labels *Tl, const Labels *cl)
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
                if (!rvar_model_mean(tpr, gi, mean))
                    continue;
                char name[160];
                model_name(mg, a, g, name, sizeof name);
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
            PlotGridSpec gs = {.title = title,
                               .rows = 1,
                               .cols = (int)nT,
                               .row_labels = rl,
                               .col_labels = (const char *const *)tcols,
                               .panels = panels,
                               .ph = (int)k,
                               .pw = nm,
                               .cmap = PLOT_CMAP_VIRIDIS,
                               .vmin = 0,
                               .vmax = 1,
                               .cbar_label = "TPR (fraction)",
                               .axes = 2,
                               .x_names = (const char *const *)names,
                               .y_names = (const char *const *)cl->s,
                               .x_label = "model"};
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

static void section_tprfpr(Report *r, const char *ds)
{
    static const char *const dims[2] = {"T", "class"};
    RVar tpr, fpr;
    int ht = rvar_read(r, ds, "tpr", &tpr), hf = rvar_read(r, ds, "fpr", &fpr);
    if (ht == 0 || hf == 0) {
        report_absent(r,
                      ht == 0 && hf == 0 ? "TPR/FPR on DFM-filtered sets (tpr, fpr)"
                      : ht == 0          ? "TPR on DFM-filtered sets (tpr)"
                                         : "FPR on DFM-filtered sets (fpr)",
                      ds, "tprfpr");
    }
    if (ht > 0 && hf > 0 && rvar_expect(r, ds, &tpr, 2, dims) &&
        rvar_expect(r, ds, &fpr, 2, dims)) {
        int same = tpr.rank == fpr.rank;
        for (int i = 0; same && i < tpr.rank; i++)
            same = tpr.dims[i] == fpr.dims[i] && !strcmp(tpr.dn[i], fpr.dn[i]);
        if (!same) {
            html_note(&r->doc, "Skipped TPR/FPR of %s: tpr and fpr have different shapes.", ds);
        } else {
            r->sum.sections_present++;
            char id[160], title[256], cap[600];
            fs_snprintf(id, sizeof id, "shortcuts-%s", ds);
            fs_snprintf(title, sizeof title, "Shortcut evaluation (TPR/FPR): %s", ds);
            report_heading(r, id, title);
            ModelGrid mg = model_grid(r, ds, &tpr);
            int64_t nT = tpr.dims[tpr.ng], k = tpr.dims[tpr.ng + 1];
            Labels Tl = dim_labels(r, ds, "T", nT, "T");
            Labels cl = dim_labels(r, ds, "class", k, "C");
            double *mt = xmalloc((size_t)tpr.extra_len * sizeof *mt);
            double *mf = xmalloc((size_t)fpr.extra_len * sizeof *mf);
            /* TPR on the unfiltered test set = per-class accuracy there (class_acc at the
             * reference test band), when the store has it for the same model grid. */
            static const char *const dca[2] = {"test_band", "class"};
            RVar ca;
            int hk = rvar_read(r, ds, "class_acc", &ca);
            int use_ca = hk > 0 && ca.rank - ca.ng == 2 && !strcmp(ca.dn[ca.ng], dca[0]) &&
                         !strcmp(ca.dn[ca.ng + 1], dca[1]) && ca.dims[ca.ng + 1] == k;
            for (int gd = 0; use_ca && gd < G_SEED; gd++)
                use_ca = rvar_gsize(&ca, gd) == rvar_gsize(&tpr, gd);
            int64_t ref = 0;
            char ref_name[64] = "";
            double *mc = NULL;
            if (use_ca) {
                Labels tb = dim_labels(r, ds, "test_band", ca.dims[ca.ng], "tb");
                ref = reference_band(&tb);
                fs_snprintf(ref_name, sizeof ref_name, "%.60s", tb.s[ref]);
                labels_free(&tb);
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
                        int used = rvar_model_mean(&tpr, gi, mt);
                        rvar_model_mean(&fpr, gi, mf);
                        if (!used)
                            continue;
                        if (use_ca && !rvar_model_mean(&ca, gi, mc))
                            for (int64_t i = 0; i < ca.extra_len; i++)
                                mc[i] = NAN;
                        for (int64_t t = 0; t < nT; t++)
                            for (int64_t c = 0; c < k; c++) {
                                double tp = mt[t * k + c], fp = mf[t * k + c];
                                int strong = tp >= 0.6, sc = tp > r->tpr_threshold;
                                int fl = strong ? HTML_CELL_STRONG : sc ? HTML_CELL_HIGHLIGHT : 0;
                                html_row_begin(&r->doc);
                                html_cell_text(&r->doc, mg.arch.s[a], 0);
                                html_cell_text(&r->doc, mg.aug.s[g], 0);
                                html_cell_text(&r->doc, mg.band.s[b], 0);
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
                rvar_free(&ca);
            labels_free(&Tl);
            labels_free(&cl);
            model_grid_free(&mg);
        }
    }
    if (ht > 0)
        rvar_free(&tpr);
    if (hf > 0)
        rvar_free(&fpr);
}

/* ---------------------------------------------------------------- OOD */
static void section_ood(Report *r, const char *ds)
{
    static const char *const dims[1] = {"ood"};
    RVar v;
    int h = rvar_read(r, ds, "ood_acc", &v);
    if (h == 0) {
        report_absent(r, "OOD transfer (ood_acc)", ds, "ood");
        return;
    }
    if (h < 0)
        return;
    if (rvar_expect(r, ds, &v, 1, dims)) {
        r->sum.sections_present++;
        char id[160], title[256], cap[300];
        fs_snprintf(id, sizeof id, "ood-%s", ds);
        fs_snprintf(title, sizeof title, "OOD transfer: %s", ds);
        report_heading(r, id, title);
        Labels ol = dim_labels(r, ds, "ood", v.dims[v.ng], "ood");
        fs_snprintf(id, sizeof id, "ood_acc-%s", ds);
        fs_snprintf(cap, sizeof cap, "Accuracy (fraction) of %s models on each OOD set, seed mean",
                    ds);
        model_table(r, ds, &v, &ol, id, cap, "%.3f");
        labels_free(&ol);
    }
    rvar_free(&v);
}

/* ---------------------------------------------------------------- run cost */
static void section_cost(Report *r, const char *store_path)
{
    ReportTaskCost cost[REPORT_MAX_KINDS];
    int n = 0;
    double total_wall = 0;
    FsStatus st = report_task_costs(store_path, cost, REPORT_MAX_KINDS, &n, &total_wall);
    if (st != FS_OK || n == 0) {
        char b[300];
        fs_snprintf(b, sizeof b, "run cost (%.250s)",
                    st != FS_OK ? fs_last_error() : "the store has no task rows");
        report_absent(r, b, NULL, NULL);
        return;
    }
    r->sum.sections_present++;
    report_heading(r, "cost", "Run cost");
    html_table_begin(&r->doc, "cost-table",
                     "CPU time per task kind: every task runs on one rank with one BLAS thread, "
                     "so CPU hours = the sum of task wall times / 3600 (all attempts, failed "
                     "ones included)");
    static const char *const hd[] = {"kind",      "tasks ok",    "attempts", "failed attempts",
                                     "CPU hours", "mean s/task", "max s"};
    html_row_begin(&r->doc);
    for (size_t i = 0; i < FS_ARRAY_LEN(hd); i++)
        html_cell_text(&r->doc, hd[i], HTML_CELL_HEADER);
    html_row_end(&r->doc);
    const char **labels = xmalloc((size_t)n * sizeof *labels);
    double *hours = xmalloc((size_t)n * sizeof *hours);
    for (int i = 0; i < n; i++) {
        const ReportTaskCost *c = &cost[i];
        html_row_begin(&r->doc);
        html_cell_text(&r->doc, c->kind, 0);
        html_cell_num(&r->doc, c->ok, "%.0f", 0);
        html_cell_num(&r->doc, c->attempts, "%.0f", 0);
        html_cell_num(&r->doc, c->failed, "%.0f", c->failed ? HTML_CELL_WARN : 0);
        html_cell_num(&r->doc, c->wall_s / 3600.0, "%.4g", 0);
        html_cell_num(&r->doc, c->attempts ? c->wall_s / c->attempts : (double)NAN, "%.3g", 0);
        html_cell_num(&r->doc, c->max_s, "%.3g", 0);
        html_row_end(&r->doc);
        labels[i] = c->kind;
        hours[i] = c->wall_s / 3600.0;
    }
    html_table_end(&r->doc);
    r->sum.tables++;
    html_para(&r->doc, "Total: %.4g CPU hours over all task attempts.", total_wall / 3600.0);
    report_figure(r, plot_bars("CPU hours per task kind", "CPU hours", n, labels, hours, "%.3g h"),
                  "cost", "CPU hours per task kind (sum of task wall times).");
    free(hours);
    free(labels);
}

/* ---------------------------------------------------------------- page */
/* tpr_threshold from the effective config text ("tpr_threshold = 0.6" under [analyses]). */
static int config_threshold(const char *text, double *t)
{
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        if (len > 13 && !strncmp(p, "tpr_threshold", 13)) {
            const char *q = p + 13;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == '=') {
                char *end;
                double v = strtod(q + 1, &end);
                if (end != q + 1 && v >= 0 && v <= 1) {
                    *t = v;
                    return 1;
                }
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    return 0;
}

/* "1795416324" (epoch seconds) -> "2026-11-23 06:45:24 UTC"; other text is returned as is. */
static const char *epoch_to_iso(const char *v, char *buf, size_t n)
{
    char *end;
    double t = strtod(v, &end);
    if (end == v || *end || !(t > 0 && t < 1e11))
        return v;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
        return v;
    return buf;
}

/* The store's runs and resumes (/history). */
static void section_history(Report *r, const char *store_path)
{
    Store *st = store_open_read(store_path);
    StoreHistory *h = NULL;
    int64_t n = 0;
    FsStatus s = st ? store_history(st, &h, &n) : FS_ERR_IO;
    if (st)
        store_close(st);
    if (s != FS_OK || n == 0) {
        fs_clear_error();
        free(h);
        return;
    }
    html_table_begin(&r->doc, "history", "Runs of this store (one row per run or resume)");
    static const char *const hd[] = {"time", "event", "ranks", "host", "job", "version"};
    html_row_begin(&r->doc);
    for (size_t i = 0; i < FS_ARRAY_LEN(hd); i++)
        html_cell_text(&r->doc, hd[i], HTML_CELL_HEADER);
    html_row_end(&r->doc);
    for (int64_t i = 0; i < n; i++) {
        char tb[64], ts[64];
        fs_snprintf(ts, sizeof ts, "%.0f", h[i].time);
        html_row_begin(&r->doc);
        html_cell_text(&r->doc, epoch_to_iso(ts, tb, sizeof tb), 0);
        html_cell_text(&r->doc, h[i].event, 0);
        html_cell_num(&r->doc, h[i].ranks, "%.0f", 0);
        html_cell_text(&r->doc, h[i].host, 0);
        html_cell_text(&r->doc, h[i].job_id, 0);
        html_cell_text(&r->doc, h[i].version, 0);
        html_row_end(&r->doc);
    }
    html_table_end(&r->doc);
    r->sum.tables++;
    free(h);
}

static void section_overview(Report *r, const char *store_path, char **datasets, int nds)
{
    report_heading(r, "overview", "Store");
    html_table_begin(&r->doc, "provenance", "Provenance");
    html_row_begin(&r->doc);
    html_cell_text(&r->doc, "store", HTML_CELL_HEADER);
    html_cell_text(&r->doc, store_path, 0);
    html_row_end(&r->doc);
    /* README "HDF5 layout": the root attributes worth showing, in this order. */
    static const char *const attrs[] = {
        "fsweep_version", "git_hash",        "format_version", "created",         "updated",
        "host",           "ranks",           "job_id",         "config_hash",     "result_hash",
        "seed",           "compiler",        "cflags",         "mpi_version",     "fftw_version",
        "hdf5_version",   "openblas_config", "openblas_core",  "engine_threads"};
    for (size_t i = 0; i < FS_ARRAY_LEN(attrs); i++) {
        if (!h5f_attr_exists(r->f, "/", attrs[i]))
            continue;
        char *s = NULL;
        char buf[64];
        int64_t iv;
        double dv;
        const char *val = NULL;
        if (h5f_attr_get_str(r->f, "/", attrs[i], &s) == FS_OK) {
            val = s;
        } else if (h5f_attr_get_i64(r->f, "/", attrs[i], &iv) == FS_OK) {
            fs_snprintf(buf, sizeof buf, "%lld", (long long)iv);
            val = buf;
        } else if (h5f_attr_get_f64(r->f, "/", attrs[i], &dv) == FS_OK) {
            fs_snprintf(buf, sizeof buf, "%.17g", dv);
            val = buf;
        }
        if (val && !*val)
            val = NULL; /* empty (e.g. job_id outside a batch system) */
        if (val && (!strcmp(attrs[i], "created") || !strcmp(attrs[i], "updated")))
            val = epoch_to_iso(val, buf, sizeof buf);
        fs_clear_error();
        if (val) {
            html_row_begin(&r->doc);
            html_cell_text(&r->doc, attrs[i], HTML_CELL_HEADER);
            html_cell_text(&r->doc, val, 0);
            html_row_end(&r->doc);
        }
        free(s);
    }
    FsBuf dl = {0};
    for (int i = 0; i < nds; i++)
        fsbuf_printf(&dl, "%s%s", i ? ", " : "", datasets[i]);
    html_row_begin(&r->doc);
    html_cell_text(&r->doc, "datasets", HTML_CELL_HEADER);
    html_cell_text(&r->doc, dl.s ? dl.s : "(none)", nds ? 0 : HTML_CELL_WARN);
    html_row_end(&r->doc);
    fsbuf_free(&dl);
    html_table_end(&r->doc);
    r->sum.tables++;
    char *cfg = NULL;
    if (h5f_attr_exists(r->f, "/", "config") &&
        h5f_attr_get_str(r->f, "/", "config", &cfg) == FS_OK) {
        r->threshold_from_config = config_threshold(cfg, &r->tpr_threshold);
        html_raw(&r->doc, "<details><summary>Effective configuration</summary><pre>");
        html_escape(&r->doc.b, cfg);
        html_raw(&r->doc, "</pre></details>\n");
        r->config = cfg; /* decides which absent analyses were not requested */
    } else {
        free(cfg);
    }
    fs_clear_error();
}

FsStatus report_write(const ReportOptions *o, ReportSummary *sum)
{
    FS_CHECK(o->store_path && o->out_dir, "report_write: missing options");
    Report r;
    memset(&r, 0, sizeof r);
    r.out_dir = o->out_dir;
    r.write_png = o->write_png_files;
    r.tpr_threshold = 0.6; /* the config's default */
    if (!fs_file_exists(o->store_path))
        return fs_errorf(FS_ERR_IO, "%s: no such store", o->store_path);
    FsStatus st = fs_mkdir_p(o->out_dir);
    if (st != FS_OK)
        return st;
    r.f = h5f_open(o->store_path, 0);
    if (!r.f)
        return fs_errorf(FS_ERR_IO,
                         "%s: cannot open as an HDF5 store (not HDF5, or a running job holds it "
                         "open: report after the job ends; `fsweep status` shows progress)",
                         o->store_path);
    char **ds = NULL;
    int nds = 0;
    if (h5f_exists(r.f, "/results")) {
        char **names = NULL;
        int n = 0;
        if (h5f_list(r.f, "/results", &names, &n) == FS_OK) {
            ds = names;
            nds = n;
        }
    }
    char title[512];
    fs_snprintf(title, sizeof title, "fsweep report: %s", o->store_path);
    html_begin(&r.doc, title);
    /* The page is built in order; the summary of absent sections is inserted at the top. */
    size_t head_len = r.doc.b.len;
    section_overview(&r, o->store_path, ds, nds);
    h5f_close(r.f); /* the next sections open the store through the store module */
    r.f = NULL;
    section_history(&r, o->store_path);
    section_cost(&r, o->store_path);
    r.f = h5f_open(o->store_path, 0);
    if (!r.f) {
        st = fs_errorf(FS_ERR_IO, "%s: cannot reopen", o->store_path);
        goto out;
    }
    for (int i = 0; i < nds; i++) {
        section_adcs(&r, ds[i]);
        section_maps(&r, ds[i]);
        section_curves(&r, ds[i]);
        section_band_tests(&r, ds[i]);
        section_tprfpr(&r, ds[i]);
        section_ood(&r, ds[i]);
    }
    if (nds == 0)
        report_absent(&r, "all analyses (the store has no /results group)", NULL, NULL);
    html_end(&r.doc);
    {
        /* Summary at the top: what is present, what is absent. */
        FsBuf top = {0};
        fsbuf_printf(&top, "<p class=\"note\">%d figures, %d tables. ", r.sum.figures,
                     r.sum.tables);
        int n_missing = 0, n_off = 0;
        for (int i = 0; i < r.n_absent; i++)
            *(r.absent[i].off ? &n_off : &n_missing) += 1;
        if (n_missing) {
            fsbuf_printf(&top, "Absent from this store: ");
            absent_list(&r, 0, &top);
            fsbuf_printf(&top, ". ");
        } else {
            fsbuf_printf(&top, "Every analysis the run asked for is present. ");
        }
        if (n_off) {
            fsbuf_printf(&top, "Not requested by the run's config: ");
            absent_list(&r, 1, &top);
            fsbuf_printf(&top, ".");
        }
        fsbuf_printf(&top, "</p>\n");
        if (r.toc.len)
            fsbuf_printf(&top, "<ul class=\"toc\">\n%s</ul>\n", r.toc.s);
        FsBuf all = {0};
        fsbuf_printf(&all, "%.*s%s%s", (int)head_len, r.doc.b.s, top.s, r.doc.b.s + head_len);
        fsbuf_free(&top);
        fsbuf_free(&r.doc.b);
        r.doc.b = all;
    }
    char path[4096];
    fs_snprintf(path, sizeof path, "%s/index.html", o->out_dir);
    st = r.io_error != FS_OK ? r.io_error : html_save(&r.doc, path);
out:
    for (int i = 0; i < nds; i++)
        free(ds[i]);
    free(ds);
    html_free(&r.doc);
    for (int i = 0; i < r.n_absent; i++)
        fsbuf_free(&r.absent[i].datasets);
    free(r.absent);
    free(r.config);
    fsbuf_free(&r.toc);
    fsbuf_free(&r.files);
    if (r.f)
        h5f_close(r.f);
    if (sum)
        *sum = r.sum;
    return st;
}
