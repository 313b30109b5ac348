/* cmd_shortcut.c: `fsweep shortcut`: TPR/FPR with each class's DFM kept / removed, on the test
 * set and OOD sets; the DFMs may come from another model. Images are normalised with the MODEL
 * file's mean/std. Under mpirun it runs on rank 0 only. */
#include "cli_args.h"
#include "commands.h"
#include "dfm_file.h"
#include "h5file.h"
#include "par.h"
#include "shortcut.h"
#include "util.h"

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
"  evaluated the same way.\n"
"  --top T      which DFM threshold of DFM.h5, in %% (default 5; HFSS files have one)\n"
"  --t T        shortcut threshold t in [0, 1] (default 0.5)\n"
"  --batch N    images per forward pass (default 256)\n"
"  --out R.h5   also write the rates (/SET_i/{tpr,fpr}_{org,dfm,cmp}, confusion matrices,\n"
"               verdicts; attribute spec) to R.h5\n");
}

static FsStatus write_shortcut(H5File *f, int i, const char *spec, const ShortcutResult *r)
{
    char g[64], p[96];
    fs_snprintf(g, sizeof g, "/set_%d", i);
    FsStatus st = h5f_create_group(f, g);
    if (st == FS_OK) st = h5f_attr_set_str(f, g, "spec", spec);
    if (st == FS_OK) st = h5f_attr_set_f64(f, g, "t", r->t);
    int64_t dk[1] = {r->k}, dkk[2] = {r->k, r->k}, dkkk[3] = {r->k, r->k, r->k};
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
    };
    for (size_t q = 0; q < FS_ARRAY_LEN(arr) && st == FS_OK; q++) {
        fs_snprintf(p, sizeof p, "%s/%s", g, arr[q].name);
        st = h5f_write(f, p, arr[q].type, arr[q].rank, arr[q].dims, arr[q].data);
    }
    return st;
}

static int shortcut_main(int argc, char **argv)
{
    if (cli_want_help(argc, argv)) {
        shortcut_usage(stdout);
        return FS_EXIT_OK;
    }
    if (par_rank() != 0) return FS_EXIT_OK;
    const char *model = NULL, *dfmp = NULL, *outp = NULL;
    const char **sets = xcalloc((size_t)argc + 1, sizeof *sets);
    int nsets = 1, batch = 256;
    double top = 5.0, t = 0.5;
    FsStatus st = FS_OK;
    for (int i = 1; i < argc && st == FS_OK; i++) {
        const char *o = argv[i] ? argv[i] : "", *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (o[0] != '-' && !model) model = o;
        else if (!v) st = fs_errorf(FS_ERR_CONFIG, "unknown option or missing value: '%s'", o);
        else if (!strcmp(o, "--dfm")) dfmp = argv[++i];
        else if (!strcmp(o, "--data")) sets[0] = argv[++i];
        else if (!strcmp(o, "--ood")) sets[nsets++] = argv[++i];
        else if (!strcmp(o, "--out")) outp = argv[++i];
        else if (!strcmp(o, "--top")) st = fs_parse_double(argv[++i], 0.0001, 100.0, "--top", &top);
        else if (!strcmp(o, "--t")) st = fs_parse_double(argv[++i], 0.0, 1.0, "--t", &t);
        else if (!strcmp(o, "--batch")) st = fs_parse_int(argv[++i], 1, 65536, "--batch", &batch);
        else st = fs_errorf(FS_ERR_CONFIG, "unknown option '%s' (see fsweep shortcut --help)", o);
    }
    if (st == FS_OK && (!model || !dfmp || !sets[0]))
        st = fs_errorf(FS_ERR_CONFIG, "MODEL.h5, --dfm and --data are required");
    if (st != FS_OK) {
        free(sets);
        return cli_fail("shortcut", FS_EXIT_USAGE);
    }
    CliModel lm;
    DfmMaps maps;
    if (cli_model_load(model, batch, &lm) != FS_OK) {
        free(sets);
        return cli_fail("shortcut", FS_EXIT_ERROR);
    }
    st = dfm_maps_read(dfmp, &maps);
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
    if (st == FS_OK && outp) {
        f = h5f_create(outp);
        if (!f) st = FS_ERR_IO;
        if (f) st = h5f_attr_set_str(f, "/", "format", "fsweep-shortcut");
        if (st == FS_OK) st = h5f_attr_set_str(f, "/", "model", model);
        if (st == FS_OK) st = h5f_attr_set_str(f, "/", "dfm", dfmp);
        if (st == FS_OK) st = h5f_attr_set_f64(f, "/", "top", maps.thresholds[ti]);
    }
    const uint8_t *dfm = st == FS_OK ? maps.dfm + (size_t)ti * maps.k * maps.h * maps.w : NULL;
    for (int s = 0; s < nsets && st == FS_OK; s++) {
        Dataset d;
        st = cli_load_set(sets[s], &lm, &d);
        if (st != FS_OK) break;
        ShortcutResult r;
        st = shortcut_eval(&lm.clf, &d, dfm, t, &r);
        if (st == FS_OK) {
            printf("%s set %s (%d images), DFMs %s (top %g%%, %s), t = %g\n", s ? "OOD" : "test",
                   sets[s], d.n, dfmp, 100 * maps.thresholds[ti], maps.method, t);
            printf("%-5s %-14s %5s %7s %7s %8s %8s %8s %8s %5s %6s\n", "class", "name", "P_c",
                   "TPR", "FPR", "TPR_dfm", "FPR_dfm", "TPR_rm", "FPR_rm", "sct", "strong");
            for (int c = 0; c < r.k; c++)
                printf("%-5d %-14.14s %5lld %7.3f %7.3f %8.3f %8.3f %8.3f %8.3f %5s %6s\n", c,
                       d.class_names && d.class_names[c] ? d.class_names[c] : "-",
                       (long long)r.pos[c], r.tpr_org[c], r.fpr_org[c], r.tpr_dfm[c],
                       r.fpr_dfm[c], r.tpr_cmp[c], r.fpr_cmp[c], r.shortcut[c] ? "yes" : "no",
                       r.strong[c] ? "yes" : "no");
            printf("  %-5s %6s %12s %16s %15s %19s\n", "t", "|S_t|", "AvgTPR_sct", "AvgTPR_dfm_sct",
                   "AvgTPR_nonsct", "AvgTPR_dfm_nonsct");
            for (int q = 1; q <= 9; q++) {
                ShortcutSummary sm;
                shortcut_summary(&r, q / 10.0, &sm);
                printf("  %-5.1f %6d %12.3f %16.3f %15.3f %19.3f\n", sm.t, sm.n_sct, sm.avg_tpr_sct,
                       sm.avg_tpr_dfm_sct, sm.avg_tpr_nonsct, sm.avg_tpr_dfm_nonsct);
            }
            if (f) st = write_shortcut(f, s, sets[s], &r);
            shortcut_result_free(&r);
        }
        dataset_free(&d);
    }
    if (f) {
        FsStatus cst = h5f_close(f);
        if (st == FS_OK) st = cst;
        if (st == FS_OK) printf("wrote %s\n", outp);
    }
    dfm_maps_free(&maps);
    cli_model_free(&lm);
    free(sets);
    return st == FS_OK ? FS_EXIT_OK : cli_fail("shortcut", FS_EXIT_ERROR);
}

int cmd_shortcut(int argc, char **argv)
{
    return cli_with_par(argc, argv, shortcut_main);
}
