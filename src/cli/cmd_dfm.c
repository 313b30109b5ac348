/* cmd_dfm.c: `fsweep dfm`: dominant frequency maps (patch removal, screened, HFSS, DFM-X's
 * greedy search). Images are normalised with the MODEL file's mean/std (the constants it was
 * trained with), whatever the data spec measured. Under mpirun, `--method removal|hfss|greedy`
 * splits the masks / candidates / classes across the ranks (rank 0 writes); `--method screen`
 * runs on rank 0 only. */
#include "cli_args.h"
#include "commands.h"
#include "data.h"
#include "dfm.h"
#include "dfm_file.h"
#include "dfm_greedy.h"
#include "h5file.h"
#include "hfss.h"
#include "pool.h"
#include "par.h"
#include "shortcut.h"
#include "spectral.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dfm_usage(FILE *f)
{
    fprintf(f,
"usage: fsweep dfm MODEL.h5 --data SPEC --out DFM.h5 [options]\n"
"  Dominant frequency maps of every class (PAPER.md 7; README section \"analyses\").\n"
"  --method M        removal (exact patch removal, default) | screen (rank all masks cheaply,\n"
"                    score the leading ones exactly) | hfss (hierarchical search, PAPER.md 9)\n"
"                    | greedy (DFM-X's own order-dependent removal search, PAPER.md 10)\n"
"  --patch P         patch size, divides H/2 and W/2 (default 1)\n"
"  --top LIST        top-T thresholds in %% (default 1,5,10,20)\n"
"  --exact           remove P and its exact conjugate P* (default: the reference's P')\n"
"  --legacy-row0     also zero the top row right of centre on every mask (2023 code)\n"
"  --path P          auto (default) | fft | fast: filtering by two FFTs or by subtracting the\n"
"                    removed sinusoids from the stored spectrum (exact, O(HW) per bin)\n"
"  --batch N         images per forward pass (default 256)\n"
"  --threads N       engine threads (default: FSWEEP_THREADS, else OPENBLAS_NUM_THREADS, else 1)\n"
"  screen: --screen grad|gradabs|coarse (default grad), --min-frac F (0.2), --max-frac F (0.4),\n"
"          --round-frac F (0.05), --t-max F (0.2), --compare (also run the exhaustive removal\n"
"          and report IoU, Spearman, verdict changes and speed-up)\n"
"  hfss:   --blocks LIST, --budgets LIST (defaults for N = 28, 32, 224), --keep F (0.6),\n"
"          --parents N (10), --seed S (42), --reflect (the reference's point reflection\n"
"          instead of the default conjugate copy: each kept bin and its partner),\n"
"          --subset N (evaluate on N images of --data, class-stratified, seeded; default all)\n"
"  greedy: --tol N   images of a class that may turn wrong per accepted removal (t_tol, 6)\n"
"  Under mpirun, removal, hfss and greedy split the work across ranks; the result is bitwise that of\n"
"  one rank. Output layout: see include/dfm_file.h.\n");
}

typedef struct {
    const char *model, *data, *out, *method, *screen;
    int patch, exact, legacy, batch, compare, reflect, parents, subset, n_t, tol;
    DfmPath path;
    double *tops;
    double min_frac, max_frac, round_frac, t_max, keep;
    int *blocks, *budgets, n_blocks, n_budgets;
    long seed;
} DfmArgs;

static int parse_dfm(int argc, char **argv, DfmArgs *a)
{
    memset(a, 0, sizeof *a);
    a->method = "removal";
    a->screen = "grad";
    a->patch = 1;
    a->batch = 256;
    a->min_frac = 0.2;
    a->max_frac = 0.4;
    a->round_frac = 0.05;
    a->t_max = 0.2;
    a->keep = 0.6;
    a->parents = 10;
    a->seed = 42;
    a->tol = 6;
    FsStatus st = FS_OK;
    for (int i = 1; i < argc && st == FS_OK; i++) {
        const char *o = argv[i] ? argv[i] : "", *v = i + 1 < argc ? argv[i + 1] : NULL;
        int t;
        if (o[0] != '-' && !a->model) a->model = o;
        else if (!strcmp(o, "--exact")) a->exact = 1;
        else if (!strcmp(o, "--legacy-row0")) a->legacy = 1;
        else if (!strcmp(o, "--compare")) a->compare = 1;
        else if (!strcmp(o, "--reflect")) a->reflect = 1;
        else if (!v) st = fs_errorf(FS_ERR_CONFIG, "unknown option or missing value: '%s'", o);
        else if (!strcmp(o, "--data")) a->data = argv[++i];
        else if (!strcmp(o, "--out")) a->out = argv[++i];
        else if (!strcmp(o, "--method")) a->method = argv[++i];
        else if (!strcmp(o, "--screen")) a->screen = argv[++i];
        else if (!strcmp(o, "--patch")) st = fs_parse_int(argv[++i], 1, 4096, "--patch", &a->patch);
        else if (!strcmp(o, "--batch")) st = fs_parse_int(argv[++i], 1, 65536, "--batch", &a->batch);
        else if (!strcmp(o, "--parents")) st = fs_parse_int(argv[++i], 1, 1000, "--parents", &a->parents);
        else if (!strcmp(o, "--tol")) st = fs_parse_int(argv[++i], 0, 1 << 30, "--tol", &a->tol);
        else if (!strcmp(o, "--subset")) st = fs_parse_int(argv[++i], 1, 1 << 30, "--subset", &a->subset);
        else if (!strcmp(o, "--seed")) st = fs_parse_long(argv[++i], 0, 1L << 62, "--seed", &a->seed);
        else if (!strcmp(o, "--threads")) {
            st = fs_parse_int(argv[++i], 1, POOL_MAX_THREADS, "--threads", &t);
            if (st == FS_OK) pool_set_threads(t);
        } else if (!strcmp(o, "--path")) {
            const char *p = argv[++i];
            if (!strcmp(p, "auto")) a->path = DFM_PATH_AUTO;
            else if (!strcmp(p, "fft")) a->path = DFM_PATH_FFT;
            else if (!strcmp(p, "fast")) a->path = DFM_PATH_FAST;
            else st = fs_errorf(FS_ERR_CONFIG, "--path: '%s' is not auto, fft or fast", p);
        } else if (!strcmp(o, "--top")) {
            free(a->tops);
            st = fs_parse_double_list(argv[++i], 0.0001, 100.0, "--top", &a->tops, &a->n_t);
        } else if (!strcmp(o, "--min-frac")) st = fs_parse_double(argv[++i], 1e-6, 1.0, "--min-frac", &a->min_frac);
        else if (!strcmp(o, "--max-frac")) st = fs_parse_double(argv[++i], 1e-6, 1.0, "--max-frac", &a->max_frac);
        else if (!strcmp(o, "--round-frac")) st = fs_parse_double(argv[++i], 1e-6, 1.0, "--round-frac", &a->round_frac);
        else if (!strcmp(o, "--t-max")) st = fs_parse_double(argv[++i], 1e-6, 1.0, "--t-max", &a->t_max);
        else if (!strcmp(o, "--keep")) st = fs_parse_double(argv[++i], 1e-6, 1.0, "--keep", &a->keep);
        else if (!strcmp(o, "--blocks")) st = fs_parse_int_list(argv[++i], 1, 4096, "--blocks", &a->blocks, &a->n_blocks);
        else if (!strcmp(o, "--budgets")) st = fs_parse_int_list(argv[++i], 1, 1 << 24, "--budgets", &a->budgets, &a->n_budgets);
        else st = fs_errorf(FS_ERR_CONFIG, "unknown option '%s' (see fsweep dfm --help)", o);
    }
    if (st == FS_OK && (!a->model || !a->data || !a->out))
        st = fs_errorf(FS_ERR_CONFIG, "MODEL.h5, --data and --out are required");
    if (st == FS_OK && strcmp(a->method, "removal") != 0 && strcmp(a->method, "screen") != 0 &&
        strcmp(a->method, "hfss") != 0 && strcmp(a->method, "greedy") != 0)
        st = fs_errorf(FS_ERR_CONFIG, "--method: '%s' is not removal, screen, hfss or greedy",
                       a->method);
    if (st == FS_OK && strcmp(a->screen, "grad") != 0 && strcmp(a->screen, "gradabs") != 0 &&
        strcmp(a->screen, "coarse") != 0)
        st = fs_errorf(FS_ERR_CONFIG, "--screen: '%s' is not grad, gradabs or coarse", a->screen);
    if (st == FS_OK && a->n_blocks != a->n_budgets)
        st = fs_errorf(FS_ERR_CONFIG, "--blocks has %d entries, --budgets %d; expected equal",
                       a->n_blocks, a->n_budgets);
    if (st == FS_OK && !a->tops) {
        static const double def[4] = {1, 5, 10, 20};
        a->tops = xmalloc(sizeof def);
        memcpy(a->tops, def, sizeof def);
        a->n_t = 4;
    }
    for (int i = 0; i < a->n_t; i++) a->tops[i] /= 100.0;
    return st == FS_OK ? 0 : -1;
}

static void print_maps(const Dataset *d, int k, const double *clean, const uint8_t *dfm5,
                       const double *maps)
{
    size_t hw = (size_t)d->h * d->w;
    printf("%-5s %-16s %10s %10s %8s  %s\n", "class", "name", "clean CE", "max CE", "bins", "strongest bins (u,v)");
    for (int c = 0; c < k; c++) {
        int n = 0;
        for (size_t i = 0; i < hw; i++) n += dfm5[(size_t)c * hw + i];
        double mx = -INFINITY;
        int best[3] = {-1, -1, -1};
        if (maps) {
            for (size_t i = 0; i < hw; i++) mx = fmax(mx, maps[(size_t)c * hw + i]);
            for (int q = 0; q < 3; q++) {
                double bv = -INFINITY;
                for (size_t i = 0; i < hw; i++) {
                    int i2 = (int)i, used = 0;
                    for (int r = 0; r < q; r++) used |= best[r] == i2;
                    int pi, pj;
                    spectral_partner(i2 / d->w, i2 % d->w, d->h, d->w, &pi, &pj);
                    for (int r = 0; r < q; r++) used |= best[r] == pi * d->w + pj;
                    if (!used && maps[(size_t)c * hw + i] > bv) {
                        bv = maps[(size_t)c * hw + i];
                        best[q] = i2;
                    }
                }
            }
        }
        printf("%-5d %-16.16s %10.4f %10.4f %8d ", c,
               d->class_names && d->class_names[c] ? d->class_names[c] : "-",
               clean ? clean[c] : (double)NAN, mx, n);
        for (int q = 0; q < 3 && maps; q++)
            if (best[q] >= 0)
                printf(" (%d,%d)", best[q] / d->w - d->h / 2, best[q] % d->w - d->w / 2);
        printf("\n");
    }
}

static int dfm_removal_or_screen(const DfmArgs *a, const CliModel *lm, const Dataset *d)
{
    int k = lm->clf.k, h = d->h, w = d->w, rank = par_rank(), screen = !strcmp(a->method, "screen");
    size_t hw = (size_t)h * w;
    DfmOptions o;
    dfm_options_default(&o);
    o.patch = a->patch;
    o.exact = a->exact;
    o.legacy_row0 = a->legacy;
    o.path = a->path;
    o.spread = screen ? NULL : par_split_score_gather; /* removal: the masks over the ranks */
    if (dfm_check_geometry(h, w, o.patch) != FS_OK) return cli_fail("dfm", FS_EXIT_USAGE);
    int nm = dfm_num_masks(h, w, o.patch);
    double *scores = xmalloc((size_t)nm * k * sizeof *scores);
    uint8_t *evaluated = NULL;
    long passes = (long)nm * d->n, spasses = 0;
    double t0 = fs_now();
    FsStatus st;
    DfmScreenOptions so;
    dfm_screen_options_default(&so);
    if (!screen) {
        st = dfm_score_all(&lm->clf, d, &o, scores);
    } else {
        if (rank != 0) {
            free(scores);
            return FS_EXIT_OK;
        }
        so.screen = !strcmp(a->screen, "grad") ? DFM_SCREEN_GRAD
                    : !strcmp(a->screen, "gradabs") ? DFM_SCREEN_GRADABS : DFM_SCREEN_COARSE;
        so.min_frac = a->min_frac;
        so.max_frac = a->max_frac < a->min_frac ? a->min_frac : a->max_frac;
        so.round_frac = a->round_frac;
        so.t_max = a->t_max;
        evaluated = xmalloc((size_t)nm * k);
        st = dfm_screen_run(&lm->clf, d, &o, &so, scores, evaluated, &passes, &spasses);
    }
    double secs = fs_now() - t0;
    if (st != FS_OK) {
        free(scores);
        free(evaluated);
        return cli_fail("dfm", FS_EXIT_ERROR);
    }
    if (rank != 0) {
        free(scores);
        return FS_EXIT_OK;
    }
    double *clean = xmalloc((size_t)k * sizeof *clean);
    double *maps = xmalloc((size_t)k * hw * sizeof *maps);
    uint8_t *dfm = xmalloc((size_t)a->n_t * k * hw);
    st = dfm_score_clean(&lm->clf, d, clean);
    dfm_assemble(scores, k, h, w, &o, maps);
    for (int t = 0; t < a->n_t; t++)
        for (int c = 0; c < k; c++)
            dfm_threshold(maps + (size_t)c * hw, h, w, a->tops[t],
                          dfm + ((size_t)t * k + c) * hw);
    int t5 = 0;
    for (int t = 0; t < a->n_t; t++)
        if (fabs(a->tops[t] - 0.05) < 1e-9) t5 = t;
    printf("dfm %s: %s on %s (%d images), patch %d, %s geometry%s, %d masks, path %s\n",
           a->method, a->model, a->data, d->n, o.patch, o.exact ? "exact" : "reference",
           o.legacy_row0 ? " + legacy row 0" : "", nm, dfm_path_str(o.path));
    printf("  %ld masked forward images (+%ld screen) in %.2f s: %.0f /s, %d rank(s)\n", passes,
           spasses, secs, (double)(passes + spasses) / fmax(secs, 1e-9), screen ? 1 : par_size());
    printf("top-%g%% maps:\n", 100 * a->tops[t5]);
    if (st == FS_OK) print_maps(d, k, clean, dfm + (size_t)t5 * k * hw, maps);

    if (st == FS_OK && screen && a->compare) {
        double *ex = xmalloc((size_t)nm * k * sizeof *ex), *mex = xmalloc((size_t)k * hw * sizeof *mex);
        double *scr = xmalloc((size_t)nm * k * sizeof *scr);
        uint8_t *de = xmalloc(hw), *ds = xmalloc(hw);
        double te0 = fs_now();
        st = dfm_score_range(&lm->clf, d, &o, 0, nm, ex);
        double te = fs_now() - te0;
        if (st == FS_OK) st = dfm_screen_rank(&lm->clf, d, &o, so.screen, scr, NULL);
        if (st == FS_OK) {
            dfm_assemble(ex, k, h, w, &o, mex);
            printf("compare with exhaustive removal (%.2f s, %ld passes): speed-up x%.2f in time, "
                   "x%.2f in passes\n", te, (long)nm * d->n, te / fmax(secs, 1e-9),
                   (double)nm * d->n / (double)(passes + spasses));
            printf("  %-6s", "T");
            for (int t = 0; t < a->n_t; t++) printf(" IoU@%-5g", 100 * a->tops[t]);
            printf(" spearman(screen,exact)\n");
            double *iou = xcalloc((size_t)a->n_t, sizeof *iou), sp = 0.0;
            double *sc1 = xmalloc((size_t)nm * sizeof *sc1), *ex1 = xmalloc((size_t)nm * sizeof *ex1);
            for (int c = 0; c < k; c++) {
                for (int t = 0; t < a->n_t; t++) {
                    dfm_threshold(mex + (size_t)c * hw, h, w, a->tops[t], de);
                    iou[t] += dfm_iou(de, dfm + ((size_t)t * k + c) * hw, (int)hw) / k;
                }
                for (int i = 0; i < nm; i++) {
                    sc1[i] = scr[(size_t)i * k + c];
                    ex1[i] = ex[(size_t)i * k + c];
                }
                sp += dfm_spearman(sc1, ex1, nm) / k;
            }
            printf("  %-6s", "mean");
            for (int t = 0; t < a->n_t; t++) printf(" %9.3f", iou[t]);
            printf(" %9.3f\n", sp);
            /* verdicts at t = 0.5 with the top-5 % (or first) maps */
            uint8_t *dm = xmalloc((size_t)k * hw);
            for (int c = 0; c < k; c++) dfm_threshold(mex + (size_t)c * hw, h, w, a->tops[t5], dm + (size_t)c * hw);
            ShortcutResult re, rs;
            if (shortcut_eval(&lm->clf, d, dm, 0.5, &re) == FS_OK) {
                if (shortcut_eval(&lm->clf, d, dfm + (size_t)t5 * k * hw, 0.5, &rs) == FS_OK) {
                    int ch = 0;
                    for (int c = 0; c < k; c++) ch += re.shortcut[c] != rs.shortcut[c];
                    printf("  shortcut verdicts (t = 0.5, top-%g%%) that differ: %d of %d\n",
                           100 * a->tops[t5], ch, k);
                    shortcut_result_free(&rs);
                }
                shortcut_result_free(&re);
            }
            free(dm);
            free(iou);
            free(sc1);
            free(ex1);
        }
        free(ex);
        free(mex);
        free(scr);
        free(de);
        free(ds);
    }

    if (st == FS_OK) {
        DfmFileOut fo = {0};
        fo.method = a->method;
        fo.model = a->model;
        fo.data = a->data;
        fo.geometry = o.exact ? "exact" : "reference";
        fo.path = dfm_path_str(o.path);
        fo.patch = o.patch;
        fo.legacy_row0 = o.legacy_row0;
        fo.k = k;
        fo.h = h;
        fo.w = w;
        fo.n_t = a->n_t;
        fo.n_masks = nm;
        fo.ranks = screen ? 1 : par_size();
        fo.n_images = d->n;
        fo.masks_evaluated = screen ? passes / (d->n ? d->n : 1) : nm;
        fo.forward_images = passes + spasses;
        fo.seconds = secs;
        fo.thresholds = a->tops;
        fo.dfm = dfm;
        fo.loss_map = maps;
        fo.scores = scores;
        fo.clean_loss = clean;
        fo.class_names = d->class_names;
        uint8_t *ev1 = NULL;
        if (screen) {
            ev1 = xcalloc((size_t)nm, 1);
            for (int i = 0; i < nm; i++)
                for (int c = 0; c < k; c++) ev1[i] |= evaluated[(size_t)i * k + c];
            fo.evaluated = ev1;
        }
        H5File *f = dfm_file_create(a->out, &fo);
        if (!f) st = FS_ERR_IO;
        if (f && screen) {
            st = h5f_attr_set_str(f, "/", "screen", a->screen);
            if (st == FS_OK) st = h5f_attr_set_f64(f, "/", "min_frac", so.min_frac);
            if (st == FS_OK) st = h5f_attr_set_f64(f, "/", "max_frac", so.max_frac);
            if (st == FS_OK) st = h5f_attr_set_f64(f, "/", "round_frac", so.round_frac);
            if (st == FS_OK) st = h5f_attr_set_f64(f, "/", "t_max", so.t_max);
            if (st == FS_OK) {
                int64_t dd[2] = {nm, k};
                st = h5f_write(f, "/evaluated_class", FSH5_U8, 2, dd, evaluated);
            }
        }
        if (f) {
            FsStatus cst = h5f_close(f);
            if (st == FS_OK) st = cst;
        }
        free(ev1);
        if (st == FS_OK) printf("wrote %s\n", a->out);
    }
    free(scores);
    free(evaluated);
    free(clean);
    free(maps);
    free(dfm);
    return st == FS_OK ? FS_EXIT_OK : cli_fail("dfm", FS_EXIT_ERROR);
}

static int dfm_hfss(const DfmArgs *a, const CliModel *lm, const Dataset *d0)
{
    int k = lm->clf.k, h = d0->h, w = d0->w;
    size_t hw = (size_t)h * w;
    HfssOptions o;
    FsStatus st = FS_OK;
    if (a->n_blocks) {
        memset(&o, 0, sizeof o);
        if (a->n_blocks > HFSS_MAX_STAGES) {
            fs_errorf(FS_ERR_CONFIG, "--blocks: %d stages, at most %d", a->n_blocks, HFSS_MAX_STAGES);
            return cli_fail("dfm", FS_EXIT_USAGE);
        }
        o.n_stages = a->n_blocks;
        for (int s = 0; s < a->n_blocks; s++) {
            o.block[s] = a->blocks[s];
            o.budget[s] = a->budgets[s];
        }
    } else {
        st = hfss_options_default(&o, h == w ? h : -1);
    }
    o.keep = a->keep;
    o.top = a->parents;
    o.symmetry = a->reflect ? HFSS_SYM_REFLECT : HFSS_SYM_CONJUGATE;
    o.seed = (uint64_t)a->seed;
    o.spread = par_split_score_gather; /* each stage's candidates over the ranks */
    if (st == FS_OK) st = hfss_check(&o, h, w);
    if (st != FS_OK) return cli_fail("dfm", FS_EXIT_USAGE);
    /* D_a: a class-stratified, seeded subset of --data (PAPER.md 9: of the training set) */
    Dataset sub;
    const Dataset *d = d0;
    if (a->subset && a->subset < d0->n) {
        int *take = xcalloc((size_t)k, sizeof *take), *idx = NULL, n = 0;
        int *cnt = dataset_class_counts(d0);
        for (int c = 0; c < k; c++) take[c] = (int)((long)a->subset * cnt[c] / d0->n);
        st = dataset_stratified_indices(d0, take, (uint64_t)a->seed, &idx, &n);
        if (st == FS_OK) st = dataset_subset(d0, idx, n, &sub);
        free(take);
        free(cnt);
        free(idx);
        if (st != FS_OK) return cli_fail("dfm", FS_EXIT_ERROR);
        for (int c = 0; c < d0->c; c++) {
            sub.mean[c] = d0->mean[c];
            sub.std[c] = d0->std[c];
        }
        d = &sub;
    }
    uint8_t *dfm = xmalloc((size_t)k * hw);
    double *fl = xmalloc((size_t)k * sizeof *fl), *sb = xmalloc((size_t)o.n_stages * k * sizeof *sb);
    double t0 = fs_now();
    st = hfss_run(&lm->clf, d, &o, dfm, fl, sb);
    double secs = fs_now() - t0;
    long budget = 0;
    for (int s = 0; s < o.n_stages; s++) budget += o.budget[s];
    if (st == FS_OK && par_rank() == 0) {
        printf("dfm hfss: %s on %s (%d images), %d stages, %ld candidates, %.2f s, %d rank(s)\n",
               a->model, a->data, d->n, o.n_stages, budget, secs, par_size());
        double kept = 0.0;
        for (size_t i = 0; i < (size_t)k * hw; i++) kept += dfm[i];
        kept /= (double)k * hw;
        printf("%-5s %-16s %12s %8s\n", "class", "name", "DFM-kept CE", "bins");
        for (int c = 0; c < k; c++) {
            int nb = 0;
            for (size_t i = 0; i < hw; i++) nb += dfm[(size_t)c * hw + i];
            printf("%-5d %-16.16s %12.4f %8d\n", c,
                   d0->class_names && d0->class_names[c] ? d0->class_names[c] : "-", fl[c], nb);
        }
        printf("  mean kept fraction %.4f (keep^stages = %.4f)\n", kept, pow(o.keep, o.n_stages));
        double thr[1] = {kept};
        DfmFileOut fo = {0};
        fo.method = "hfss";
        fo.model = a->model;
        fo.data = a->data;
        fo.geometry = hfss_symmetry_str(o.symmetry);
        fo.path = "fft";
        fo.k = k;
        fo.h = h;
        fo.w = w;
        fo.n_t = 1;
        fo.n_stages = o.n_stages;
        fo.ranks = par_size();
        fo.n_images = d->n;
        fo.masks_evaluated = budget;
        fo.forward_images = budget * d->n;
        fo.seconds = secs;
        fo.thresholds = thr;
        fo.dfm = dfm;
        fo.clean_loss = NULL;
        fo.stage_best = sb;
        fo.class_names = d0->class_names;
        H5File *f = dfm_file_create(a->out, &fo);
        if (!f) st = FS_ERR_IO;
        double bl[HFSS_MAX_STAGES], bu[HFSS_MAX_STAGES];
        for (int s = 0; s < o.n_stages; s++) {
            bl[s] = o.block[s];
            bu[s] = o.budget[s];
        }
        if (f) st = h5f_attr_set_f64_array(f, "/", "blocks", o.n_stages, bl);
        if (f && st == FS_OK) st = h5f_attr_set_f64_array(f, "/", "budgets", o.n_stages, bu);
        if (f && st == FS_OK) st = h5f_attr_set_f64(f, "/", "keep", o.keep);
        if (f && st == FS_OK) st = h5f_attr_set_i64(f, "/", "top", o.top);
        if (f && st == FS_OK) st = h5f_attr_set_i64(f, "/", "seed", (int64_t)o.seed);
        if (f && st == FS_OK) {
            int64_t dk[1] = {k};
            st = h5f_write(f, "/final_loss", FSH5_F64, 1, dk, fl);
        }
        if (f) {
            FsStatus cst = h5f_close(f);
            if (st == FS_OK) st = cst;
        }
        if (st == FS_OK) printf("wrote %s\n", a->out);
    }
    if (d == &sub) dataset_free(&sub);
    free(dfm);
    free(fl);
    free(sb);
    return st == FS_OK ? FS_EXIT_OK : cli_fail("dfm", FS_EXIT_ERROR);
}

/* DFM-X's greedy DFM (PAPER.md 10): one map per class, written as a one-threshold file like
 * HFSS's (/thresholds = the mean kept fraction), so `fsweep train --dfmx` and `fsweep shortcut`
 * take it as it is. */
static int dfm_greedy_cmd(const DfmArgs *a, const CliModel *lm, const Dataset *d)
{
    int k = lm->clf.k, h = d->h, w = d->w;
    size_t hw = (size_t)h * w;
    DfmGreedyOptions o;
    dfm_greedy_options_default(&o);
    o.tol = a->tol;
    o.spread = par_split_score_gather; /* whole classes over the ranks */
    uint8_t *dfm = xmalloc((size_t)k * hw);
    int64_t *corr = xmalloc((size_t)k * 2 * sizeof *corr);
    double t0 = fs_now();
    FsStatus st = dfm_greedy_run(&lm->clf, d, &o, dfm, corr);
    double secs = fs_now() - t0;
    long groups = (long)hw / 2 + 2, passes = (groups + 1) * d->n;
    if (st == FS_OK && par_rank() == 0) {
        printf("dfm greedy: %s on %s (%d images), t_tol %d images, %ld groups by Chebyshev ring "
               "then angle, %ld forward images in %.2f s, %d rank(s)\n", a->model, a->data, d->n,
               o.tol, groups, passes, secs, par_size());
        printf("%-5s %-16s %8s %8s %8s\n", "class", "name", "correct", "with DFM", "bins");
        double kept = 0.0;
        for (int c = 0; c < k; c++) {
            int nb = 0;
            for (size_t i = 0; i < hw; i++) nb += dfm[(size_t)c * hw + i];
            kept += (double)nb / ((double)k * (double)hw);
            printf("%-5d %-16.16s %8lld %8lld %8d\n", c,
                   d->class_names && d->class_names[c] ? d->class_names[c] : "-",
                   (long long)corr[2 * c], (long long)corr[2 * c + 1], nb);
        }
        printf("  mean kept fraction %.4f\n", kept);
        double thr[1] = {kept};
        DfmFileOut fo = {0};
        fo.method = "greedy";
        fo.model = a->model;
        fo.data = a->data;
        fo.geometry = "conjugate";
        fo.path = "fft";
        fo.k = k;
        fo.h = h;
        fo.w = w;
        fo.n_t = 1;
        fo.n_masks = (int)groups;
        fo.ranks = par_size();
        fo.n_images = d->n;
        fo.masks_evaluated = groups;
        fo.forward_images = passes;
        fo.seconds = secs;
        fo.thresholds = thr;
        fo.dfm = dfm;
        fo.class_names = d->class_names;
        H5File *f = dfm_file_create(a->out, &fo);
        if (!f) st = FS_ERR_IO;
        if (f) st = h5f_attr_set_i64(f, "/", "tol", o.tol);
        if (f && st == FS_OK) st = h5f_attr_set_str(f, "/", "order", "chebyshev ring, then angle");
        if (f && st == FS_OK) {
            int64_t dd[2] = {k, 2};
            st = h5f_write(f, "/correct", FSH5_I64, 2, dd, corr);
        }
        if (f) {
            FsStatus cst = h5f_close(f);
            if (st == FS_OK) st = cst;
        }
        if (st == FS_OK) printf("wrote %s\n", a->out);
    }
    free(dfm);
    free(corr);
    return st == FS_OK ? FS_EXIT_OK : cli_fail("dfm", FS_EXIT_ERROR);
}

static int dfm_main(int argc, char **argv)
{
    if (cli_want_help(argc, argv)) {
        dfm_usage(stdout);
        return FS_EXIT_OK;
    }
    DfmArgs a;
    if (parse_dfm(argc, argv, &a) != 0) {
        int rc = cli_fail("dfm", FS_EXIT_USAGE);
        free(a.tops);
        free(a.blocks);
        free(a.budgets);
        return rc;
    }
    CliModel lm;
    Dataset d;
    int rc;
    if (cli_model_load(a.model, a.batch, &lm) != FS_OK) rc = cli_fail("dfm", FS_EXIT_ERROR);
    else if (cli_load_set(a.data, &lm, &d) != FS_OK) {
        rc = cli_fail("dfm", FS_EXIT_ERROR);
        cli_model_free(&lm);
    } else {
        rc = !strcmp(a.method, "hfss")     ? dfm_hfss(&a, &lm, &d)
             : !strcmp(a.method, "greedy") ? dfm_greedy_cmd(&a, &lm, &d)
                                           : dfm_removal_or_screen(&a, &lm, &d);
        dataset_free(&d);
        cli_model_free(&lm);
    }
    free(a.tops);
    free(a.blocks);
    free(a.budgets);
    return rc;
}

int cmd_dfm(int argc, char **argv)
{
    return cli_with_par(argc, argv, dfm_main);
}
