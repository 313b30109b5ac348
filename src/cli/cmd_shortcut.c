/* cmd_shortcut.c: `fsweep shortcut`: TPR/FPR with each class's DFM kept / removed, on the test
 * set and OOD sets; the DFMs may come from another model; null controls (radius-matched random
 * masks, the same-size low-pass disc, the other classes' DFMs), shortcut injection, Wilson
 * intervals and both verdicts (controls.h, verdict.h). Images are normalised with the MODEL
 * file's mean/std. Under mpirun the control items (controls.h) are spread over the ranks
 * (par_split_score_gather; bitwise the same counts as one rank); rank 0 evaluates the DFMs
 * themselves, prints and writes. */
#include "cli_args.h"
#include "commands.h"
#include "controls.h"
#include "dfm_file.h"
#include "fgsm.h"
#include "h5file.h"
#include "par.h"
#include "shortcut.h"
#include "util.h"
#include "verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void shortcut_usage(FILE *f)
{
    fprintf(f,
"usage: fsweep shortcut MODEL.h5 --dfm DFM.h5 --data SPEC [--ood SPEC ...] [options]\n"
"  Shortcut evaluation (PAPER.md 8): per class c, TPR/FPR on the unfiltered set, with only\n"
"  DFM_c kept (applied to every image), and with DFM_c removed (DC kept); verdicts: shortcut\n"
"  when TPR^DFM > t, strong when TPR^DFM >= 0.6. The DFMs may come from another model\n"
"  (cross-architecture transfer). Each --ood set (same classes, by label position) is\n"
"  evaluated the same way. --ood fgsm:EPS[:SPEC] is the FGSM copy of SPEC (default: the --data\n"
"  set) against this model: EPS * sign of the input gradient in normalised units, clipped to\n"
"  [0, 1] pixels (fgsm.h).\n"
"  --top T      which DFM threshold of DFM.h5, in %% (default 5; HFSS files have one)\n"
"  --t T        shortcut threshold t in [0, 1] (default 0.5)\n"
"  --batch N    images per forward pass (default 256)\n"
"  --controls R radius-matched random control masks per class (default 50; 0 = none)\n"
"  --fpr-max F  FPR bound of the specific-shortcut verdict (default 0.2)\n"
"  --seed S     seed of the control masks and the injection pairing (default 0)\n"
"  --no-inject  skip shortcut injection (on by default)\n"
"  --out R.h5   also write every array (README \"fsweep shortcut output\") to R.h5\n"
"  Controls per class c: R random masks keeping as many bins as DFM_c on every radial ring\n"
"  (conjugate pairs together, DC as in DFM_c), the low-pass disc of DFM_c's size, and the\n"
"  other classes' DFMs. Injection: every image of another class gets the DFM_c bins of a\n"
"  random class-c image; the injection rate is the fraction then predicted c. Rates carry\n"
"  Wilson 95%% intervals [lo, hi]. Verdicts: paper = TPR^DFM > t (strong >= 0.6);\n"
"  specific = TPR^DFM > t, > the controls' 95th percentile, and FPR^DFM <= --fpr-max.\n");
}

/* Wilson intervals (K, 2) of the rates `num / den` (den per class). */
static void wilson_rows(const double *num, const int64_t *den, int k, int stride, double *ci)
{
    for (int c = 0; c < k; c++)
        verdict_wilson(num[(size_t)c * stride], (double)den[c], &ci[2 * c], &ci[2 * c + 1]);
}

typedef struct {
    double *ci[8];         /* (K, 2): tpr/fpr org, dfm, cmp; inj dfm; inj disc */
    double *cross;         /* (K, K) */
    double *ctl_tpr, *ctl_fpr, *ctl_inj; /* (K, R) */
    double *disc_tpr, *disc_fpr, *disc_inj, *inj_rate; /* (K) */
    uint8_t *specific;     /* (K) */
    int64_t *neg;          /* (K) N_tot - P_c */
} Extra;

static void extra_fill(const ShortcutResult *r, const ControlResult *cr, double fpr_max,
                       Extra *e)
{
    int k = r->k, R = cr->r, per = R + 2;
    e->neg = xmalloc((size_t)k * sizeof *e->neg);
    for (int c = 0; c < k; c++) e->neg[c] = r->n_total - r->pos[c];
    for (int q = 0; q < 8; q++) e->ci[q] = xmalloc((size_t)k * 2 * sizeof(double));
    double *num = xmalloc((size_t)k * sizeof *num);
    const int64_t *conf[3] = {r->conf_org, r->conf_dfm, r->conf_cmp};
    size_t kk = (size_t)k * k;
    for (int m = 0; m < 3; m++) {
        for (int c = 0; c < k; c++) {
            const int64_t *cf = conf[m] + (m ? (size_t)c * kk : 0);
            int64_t col = 0;
            for (int i = 0; i < k; i++) col += cf[(size_t)i * k + c];
            num[c] = (double)cf[(size_t)c * k + c];
            verdict_wilson(num[c], (double)r->pos[c], &e->ci[2 * m][2 * c], &e->ci[2 * m][2 * c + 1]);
            verdict_wilson((double)(col - cf[(size_t)c * k + c]), (double)e->neg[c],
                           &e->ci[2 * m + 1][2 * c], &e->ci[2 * m + 1][2 * c + 1]);
        }
    }
    wilson_rows(cr->inj, cr->neg, k, per, e->ci[6]);
    wilson_rows(cr->inj + 1, cr->neg, k, per, e->ci[7]);
    free(num);
    e->cross = xmalloc(kk * sizeof *e->cross);
    shortcut_cross_tpr(r, e->cross);
    size_t kr = (size_t)k * (R > 0 ? R : 1);
    e->ctl_tpr = xmalloc(kr * sizeof(double));
    e->ctl_fpr = xmalloc(kr * sizeof(double));
    e->ctl_inj = xmalloc(kr * sizeof(double));
    for (int c = 0; c < k; c++)
        for (int q = 0; q < R; q++) {
            e->ctl_tpr[(size_t)c * R + q] = cr->tpr[(size_t)c * per + 2 + q];
            e->ctl_fpr[(size_t)c * R + q] = cr->fpr[(size_t)c * per + 2 + q];
            e->ctl_inj[(size_t)c * R + q] = cr->inj_rate[(size_t)c * per + 2 + q];
        }
    double **kd[4] = {&e->disc_tpr, &e->disc_fpr, &e->disc_inj, &e->inj_rate};
    for (int q = 0; q < 4; q++) *kd[q] = xmalloc((size_t)k * sizeof(double));
    e->specific = xmalloc((size_t)k);
    for (int c = 0; c < k; c++) {
        e->disc_tpr[c] = cr->tpr[(size_t)c * per + 1];
        e->disc_fpr[c] = cr->fpr[(size_t)c * per + 1];
        e->disc_inj[c] = cr->inj_rate[(size_t)c * per + 1];
        e->inj_rate[c] = cr->inj_rate[(size_t)c * per];
        e->specific[c] = (uint8_t)verdict_specific(r->tpr_dfm[c], r->fpr_dfm[c], cr->tpr_ctl_p95[c],
                                                   r->t, fpr_max);
    }
}

static void extra_free(Extra *e)
{
    for (int q = 0; q < 8; q++) free(e->ci[q]);
    free(e->cross);
    free(e->ctl_tpr);
    free(e->ctl_fpr);
    free(e->ctl_inj);
    free(e->disc_tpr);
    free(e->disc_fpr);
    free(e->disc_inj);
    free(e->inj_rate);
    free(e->specific);
    free(e->neg);
}

static FsStatus write_shortcut(H5File *f, int i, const char *spec, const ShortcutResult *r,
                               const ControlResult *cr, const Extra *e, double fpr_max)
{
    char g[64], p[96];
    fs_snprintf(g, sizeof g, "/set_%d", i);
    FsStatus st = h5f_create_group(f, g);
    if (st == FS_OK) st = h5f_attr_set_str(f, g, "spec", spec);
    if (st == FS_OK) st = h5f_attr_set_f64(f, g, "t", r->t);
    if (st == FS_OK) st = h5f_attr_set_f64(f, g, "fpr_max", fpr_max);
    if (st == FS_OK) st = h5f_attr_set_f64(f, g, "controls", cr->r);
    int64_t dk[1] = {r->k}, dkk[2] = {r->k, r->k}, dkkk[3] = {r->k, r->k, r->k};
    int64_t dk2[2] = {r->k, 2}, dkr[2] = {r->k, cr->r};
    const struct {
        const char *name;
        FsH5Type type;
        int rank;
        const int64_t *dims;
        const void *data;
    } arr[] = {
        {"tpr_org", FSH5_F64, 1, dk, r->tpr_org},
        {"fpr_org", FSH5_F64, 1, dk, r->fpr_org},
        {"tpr_dfm", FSH5_F64, 1, dk, r->tpr_dfm},
        {"fpr_dfm", FSH5_F64, 1, dk, r->fpr_dfm},
        {"tpr_cmp", FSH5_F64, 1, dk, r->tpr_cmp},
        {"fpr_cmp", FSH5_F64, 1, dk, r->fpr_cmp},
        {"confusion_org", FSH5_I64, 2, dkk, r->conf_org},
        {"confusion_dfm", FSH5_I64, 3, dkkk, r->conf_dfm},
        {"confusion_cmp", FSH5_I64, 3, dkkk, r->conf_cmp},
        {"shortcut", FSH5_U8, 1, dk, r->shortcut},
        {"strong", FSH5_U8, 1, dk, r->strong},
        {"specific", FSH5_U8, 1, dk, e->specific},
        {"tpr_org_ci", FSH5_F64, 2, dk2, e->ci[0]},
        {"fpr_org_ci", FSH5_F64, 2, dk2, e->ci[1]},
        {"tpr_dfm_ci", FSH5_F64, 2, dk2, e->ci[2]},
        {"fpr_dfm_ci", FSH5_F64, 2, dk2, e->ci[3]},
        {"tpr_cmp_ci", FSH5_F64, 2, dk2, e->ci[4]},
        {"fpr_cmp_ci", FSH5_F64, 2, dk2, e->ci[5]},
        {"tpr_cross", FSH5_F64, 2, dkk, e->cross},
        {"tpr_disc", FSH5_F64, 1, dk, e->disc_tpr},
        {"fpr_disc", FSH5_F64, 1, dk, e->disc_fpr},
        {"inj_disc", FSH5_F64, 1, dk, e->disc_inj},
        {"inj_disc_ci", FSH5_F64, 2, dk2, e->ci[7]},
        {"inj_dfm", FSH5_F64, 1, dk, e->inj_rate},
        {"inj_dfm_ci", FSH5_F64, 2, dk2, e->ci[6]},
        {"ctl_tpr", FSH5_F64, 2, dkr, e->ctl_tpr},
        {"ctl_fpr", FSH5_F64, 2, dkr, e->ctl_fpr},
        {"ctl_inj", FSH5_F64, 2, dkr, e->ctl_inj},
        {"ctl_tpr_mean", FSH5_F64, 1, dk, cr->tpr_ctl_mean},
        {"ctl_tpr_p95", FSH5_F64, 1, dk, cr->tpr_ctl_p95},
        {"ctl_fpr_mean", FSH5_F64, 1, dk, cr->fpr_ctl_mean},
        {"ctl_fpr_p95", FSH5_F64, 1, dk, cr->fpr_ctl_p95},
        {"ctl_inj_mean", FSH5_F64, 1, dk, cr->inj_ctl_mean},
        {"ctl_inj_p95", FSH5_F64, 1, dk, cr->inj_ctl_p95},
        {"p_tpr", FSH5_F64, 1, dk, cr->p_tpr},
        {"p_inj", FSH5_F64, 1, dk, cr->p_inj},
    };
    for (size_t q = 0; q < FS_ARRAY_LEN(arr) && st == FS_OK; q++) {
        if (arr[q].rank == 2 && arr[q].dims[1] == 0) continue; /* R = 0: no control draws */
        fs_snprintf(p, sizeof p, "%s/%s", g, arr[q].name);
        st = h5f_write(f, p, arr[q].type, arr[q].rank, arr[q].dims, arr[q].data);
    }
    return st;
}

static void print_set(int s, const char *spec, const Dataset *d, const char *dfmp,
                      const DfmMaps *maps, int ti, const ShortcutResult *r, const ControlResult *cr,
                      const ControlOptions *co, const Extra *e, double fpr_max)
{
    const double t = r->t;
    printf("%s set %s (%d images), DFMs %s (top %g%%, %s), t = %g\n", s ? "OOD" : "test", spec,
           d->n, dfmp, 100 * maps->thresholds[ti], maps->method, t);
    printf("%-5s %-14s %5s %7s %7s %8s %15s %8s %15s %8s %8s %5s %6s\n", "class", "name", "P_c",
           "TPR", "FPR", "TPR_dfm", "[lo, hi]", "FPR_dfm", "[lo, hi]", "TPR_rm", "FPR_rm", "sct",
           "strong");
    for (int c = 0; c < r->k; c++)
        printf("%-5d %-14.14s %5lld %7.3f %7.3f %8.3f [%5.3f, %5.3f] %8.3f [%5.3f, %5.3f] %8.3f "
               "%8.3f %5s %6s\n",
               c, d->class_names && d->class_names[c] ? d->class_names[c] : "-",
               (long long)r->pos[c], r->tpr_org[c], r->fpr_org[c], r->tpr_dfm[c], e->ci[2][2 * c],
               e->ci[2][2 * c + 1], r->fpr_dfm[c], e->ci[3][2 * c], e->ci[3][2 * c + 1],
               r->tpr_cmp[c], r->fpr_cmp[c], r->shortcut[c] ? "yes" : "no",
               r->strong[c] ? "yes" : "no");
    printf("  controls: %d radius-matched random masks per class (seed %llu), the same-size "
           "low-pass disc, the other classes' DFMs; injection %s\n",
           co->n_controls, (unsigned long long)co->seed, co->inject ? "on" : "off");
    printf("%-5s %8s %8s %8s %7s %8s %9s %8s %15s %8s %8s %7s %-13s %-8s\n", "class", "TPR_dfm",
           "ctl_mean", "ctl_p95", "p", "TPR_disc", "TPR_xmax", "inj", "[lo, hi]", "inj_ctl",
           "inj_p95", "p_inj", "paper", "specific");
    for (int c = 0; c < r->k; c++) {
        double xm = (double)NAN;
        for (int j = 0; j < r->k; j++)
            if (j != c && !(e->cross[(size_t)j * r->k + c] <= xm)) xm = e->cross[(size_t)j * r->k + c];
        const char *paper = !isfinite(r->tpr_dfm[c]) ? "n/a"
                            : r->strong[c] && r->shortcut[c] ? "strong"
                            : r->shortcut[c]                 ? "shortcut"
                                                             : "no";
        const char *spec_v = isnan(cr->tpr_ctl_p95[c]) ? "n/a" : e->specific[c] ? "specific" : "no";
        printf("%-5d %8.3f %8.3f %8.3f %7.3f %8.3f %9.3f %8.3f [%5.3f, %5.3f] %8.3f %8.3f %7.3f "
               "%-13s %-8s\n",
               c, r->tpr_dfm[c], cr->tpr_ctl_mean[c], cr->tpr_ctl_p95[c], cr->p_tpr[c],
               e->disc_tpr[c], xm, e->inj_rate[c], e->ci[6][2 * c], e->ci[6][2 * c + 1],
               cr->inj_ctl_mean[c], cr->inj_ctl_p95[c], cr->p_inj[c], paper, spec_v);
    }
    printf("  paper: TPR_dfm > %g (strong: >= %g); specific: TPR_dfm > %g, > ctl_p95 and FPR_dfm "
           "<= %g. TPR_xmax: the class's highest TPR under another class's DFM.\n",
           t, VERDICT_STRONG_TPR, t, fpr_max);
    printf("  %-5s %6s %12s %16s %15s %19s\n", "t", "|S_t|", "AvgTPR_sct", "AvgTPR_dfm_sct",
           "AvgTPR_nonsct", "AvgTPR_dfm_nonsct");
    for (int q = 1; q <= 9; q++) {
        ShortcutSummary sm;
        shortcut_summary(r, q / 10.0, &sm);
        printf("  %-5.1f %6d %12.3f %16.3f %15.3f %19.3f\n", sm.t, sm.n_sct, sm.avg_tpr_sct,
               sm.avg_tpr_dfm_sct, sm.avg_tpr_nonsct, sm.avg_tpr_dfm_nonsct);
    }
}

/* Every rank's status after a step: its own failure, else FS_ERR_INTERNAL when another rank
 * failed (collective; *own records a failure of this rank). */
static FsStatus agree(FsStatus st, int *own)
{
    int bad = st != FS_OK;
    *own |= bad;
    par_allreduce_max_int(&bad, 1);
    if (bad && st == FS_OK) st = fs_errorf(FS_ERR_INTERNAL, "shortcut: another rank failed");
    return st;
}

/* "fgsm:EPS[:SPEC]" -> *eps and *base (SPEC, or NULL for the --data set); one-line errors. */
static FsStatus split_fgsm(const char *spec, double *eps, const char **base)
{
    const char *colon = strchr(spec + 4 + (spec[4] == ':'), ':');
    size_t nl = colon ? (size_t)(colon - spec) : strlen(spec);
    char name[64];
    if (nl >= sizeof name) return fs_errorf(FS_ERR_CONFIG, "--ood '%s': expected fgsm:EPS[:SPEC]", spec);
    memcpy(name, spec, nl);
    name[nl] = 0;
    *base = colon ? colon + 1 : NULL;
    return fgsm_parse(name, eps);
}

/* A --data / --ood set: a dataset spec, or fgsm:EPS[:SPEC] (the FGSM copy of SPEC, default the
 * --data set, against this model; every rank makes the same copy: no randomness). */
static FsStatus load_eval_set(const char *spec, const char *data_spec, const CliModel *lm, Dataset *d)
{
    if (!fgsm_is_name(spec)) return cli_load_set(spec, lm, d);
    double eps = 0;
    const char *base_spec = NULL;
    FsStatus st = split_fgsm(spec, &eps, &base_spec);
    if (st != FS_OK) return st;
    Dataset base;
    memset(&base, 0, sizeof base);
    st = cli_load_set(base_spec ? base_spec : data_spec, lm, &base);
    if (st == FS_OK) st = fgsm_make(&lm->clf, &base, eps, d);
    dataset_free(&base);
    return st;
}

static int shortcut_main(int argc, char **argv)
{
    if (cli_want_help(argc, argv)) {
        shortcut_usage(stdout);
        return FS_EXIT_OK;
    }
    const char *model = NULL, *dfmp = NULL, *outp = NULL;
    const char **sets = xcalloc((size_t)argc + 1, sizeof *sets);
    int nsets = 1, batch = 256, seed = 0;
    double top = 5.0, t = 0.5, fpr_max = VERDICT_FPR_MAX;
    ControlOptions co;
    control_options_default(&co);
    FsStatus st = FS_OK;
    for (int i = 1; i < argc && st == FS_OK; i++) {
        const char *o = argv[i] ? argv[i] : "", *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (o[0] != '-' && !model) model = o;
        else if (!strcmp(o, "--no-inject")) co.inject = 0;
        else if (!v) st = fs_errorf(FS_ERR_CONFIG, "unknown option or missing value: '%s'", o);
        else if (!strcmp(o, "--dfm")) dfmp = argv[++i];
        else if (!strcmp(o, "--data")) sets[0] = argv[++i];
        else if (!strcmp(o, "--ood")) {
            sets[nsets++] = argv[++i];
            double eps = 0;
            const char *b = NULL;
            if (fgsm_is_name(argv[i])) st = split_fgsm(argv[i], &eps, &b); /* before any work */
        }
        else if (!strcmp(o, "--out")) outp = argv[++i];
        else if (!strcmp(o, "--top")) st = fs_parse_double(argv[++i], 0.0001, 100.0, "--top", &top);
        else if (!strcmp(o, "--t")) st = fs_parse_double(argv[++i], 0.0, 1.0, "--t", &t);
        else if (!strcmp(o, "--batch")) st = fs_parse_int(argv[++i], 1, 65536, "--batch", &batch);
        else if (!strcmp(o, "--controls"))
            st = fs_parse_int(argv[++i], 0, 100000, "--controls", &co.n_controls);
        else if (!strcmp(o, "--fpr-max"))
            st = fs_parse_double(argv[++i], 0.0, 1.0, "--fpr-max", &fpr_max);
        else if (!strcmp(o, "--seed")) st = fs_parse_int(argv[++i], 0, 2147483647, "--seed", &seed);
        else st = fs_errorf(FS_ERR_CONFIG, "unknown option '%s' (see fsweep shortcut --help)", o);
    }
    if (st == FS_OK && (!model || !dfmp || !sets[0]))
        st = fs_errorf(FS_ERR_CONFIG, "MODEL.h5, --dfm and --data are required");
    if (st != FS_OK) { /* every rank parsed the same argv: rank 0 speaks */
        free(sets);
        return par_rank() == 0 ? cli_fail("shortcut", FS_EXIT_USAGE) : FS_EXIT_USAGE;
    }
    const int rank = par_rank();
    int own = 0; /* this rank failed by itself (not only "another rank failed") */
    CliModel lm;
    DfmMaps maps;
    memset(&maps, 0, sizeof maps);
    st = cli_model_load(model, batch, &lm);
    if (st == FS_OK) st = dfm_maps_read(dfmp, &maps);
    int ti = -1;
    if (st == FS_OK) {
        ti = maps.n_t == 1 ? 0 : dfm_maps_find(&maps, top / 100.0);
        if (ti < 0) st = fs_errorf(FS_ERR_CONFIG, "%s: no top-%g%% maps (--top)", dfmp, top);
        else if (maps.k != lm.clf.k || maps.h != lm.clf.h || maps.w != lm.clf.w)
            st = fs_errorf(FS_ERR_FORMAT, "%s: DFMs for %d classes of %dx%d, the model has %d "
                           "classes of %dx%d", dfmp, maps.k, maps.h, maps.w, lm.clf.k, lm.clf.h,
                           lm.clf.w);
    }
    H5File *f = NULL;
    if (st == FS_OK && outp && rank == 0) {
        f = h5f_create(outp);
        if (!f) st = FS_ERR_IO;
        if (f) st = h5f_attr_set_str(f, "/", "format", "fsweep-shortcut");
        if (st == FS_OK) st = h5f_attr_set_str(f, "/", "model", model);
        if (st == FS_OK) st = h5f_attr_set_str(f, "/", "dfm", dfmp);
        if (st == FS_OK) st = h5f_attr_set_f64(f, "/", "top", maps.thresholds[ti]);
    }
    st = agree(st, &own);
    co.seed = (uint64_t)seed;
    co.spread = par_split_score_gather; /* the control items over the ranks */
    const uint8_t *dfm = st == FS_OK ? maps.dfm + (size_t)ti * maps.k * maps.h * maps.w : NULL;
    for (int s = 0; s < nsets && st == FS_OK; s++) {
        Dataset d;
        memset(&d, 0, sizeof d);
        st = agree(load_eval_set(sets[s], sets[0], &lm, &d), &own);
        ControlResult cr;
        memset(&cr, 0, sizeof cr);
        if (st == FS_OK) {
            st = controls_eval(&lm.clf, &d, dfm, &co, &cr); /* collective */
            own |= st != FS_OK && rank == 0;
        }
        if (st == FS_OK && rank == 0) {
            ShortcutResult r;
            st = shortcut_eval(&lm.clf, &d, dfm, t, &r);
            if (st == FS_OK) {
                Extra e;
                extra_fill(&r, &cr, fpr_max, &e);
                if (s == 0) printf("controls over %d rank(s)\n", par_size());
                print_set(s, sets[s], &d, dfmp, &maps, ti, &r, &cr, &co, &e, fpr_max);
                if (f) st = write_shortcut(f, s, sets[s], &r, &cr, &e, fpr_max);
                extra_free(&e);
                shortcut_result_free(&r);
            }
        }
        control_result_free(&cr);
        dataset_free(&d);
        st = agree(st, &own);
    }
    if (f) {
        FsStatus cst = h5f_close(f);
        if (st == FS_OK) st = cst;
        own |= cst != FS_OK;
        if (st == FS_OK) printf("wrote %s\n", outp);
    }
    dfm_maps_free(&maps);
    cli_model_free(&lm);
    free(sets);
    if (st == FS_OK) return FS_EXIT_OK;
    return own ? cli_fail("shortcut", FS_EXIT_ERROR) : FS_EXIT_ERROR;
}

int cmd_shortcut(int argc, char **argv)
{
    return cli_with_par(argc, argv, shortcut_main);
}
