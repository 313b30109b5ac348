/* cmd_heatmap.c: `fsweep heatmap`: Fourier heat map, low-/high-pass accuracy against radius.
 * Images are normalised with the MODEL file's mean/std. Under mpirun it runs on rank 0 only. */
#include "cli_args.h"
#include "commands.h"
#include "h5file.h"
#include "heatmap.h"
#include "par.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void heatmap_usage(FILE *f)
{
    fprintf(f,
"usage: fsweep heatmap MODEL.h5 --data SPEC --out HEAT.h5 [options]\n"
"  Fourier heat map (Yin et al. 2019; PAPER.md 12): error rate under +-eps*U_f per frequency,\n"
"  and accuracy against low-/high-pass radius, overall and per class.\n"
"  --eps E       L2 norm of the perturbation per channel (default 4; 15.7 for ImageNet)\n"
"  --window W    odd window of low frequencies to evaluate (default 0 = all; 63 for ImageNet)\n"
"  --seed S      sign draws (default 0)\n"
"  --no-fourier  skip the heat map;  --no-radius  skip the radius curves\n"
"  --no-dc       high-pass without DC (default: DC kept)\n"
"  --batch N     images per forward pass (default 256)\n"
"  Output: /fourier_error (H, W) centred (NaN outside the window), /radius (R),\n"
"  /acc_lowpass and /acc_highpass (R, K+1; column K = overall).\n");
}

static int heatmap_main(int argc, char **argv)
{
    if (cli_want_help(argc, argv)) {
        heatmap_usage(stdout);
        return FS_EXIT_OK;
    }
    if (par_rank() != 0) return FS_EXIT_OK;
    const char *model = NULL, *data = NULL, *outp = NULL;
    HeatmapOptions ho;
    heatmap_options_default(&ho);
    int fourier = 1, radius = 1, keep_dc = 1, batch = 256;
    long seed = 0;
    FsStatus st = FS_OK;
    for (int i = 1; i < argc && st == FS_OK; i++) {
        const char *o = argv[i] ? argv[i] : "", *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (o[0] != '-' && !model) model = o;
        else if (!strcmp(o, "--no-fourier")) fourier = 0;
        else if (!strcmp(o, "--no-radius")) radius = 0;
        else if (!strcmp(o, "--no-dc")) keep_dc = 0;
        else if (!v) st = fs_errorf(FS_ERR_CONFIG, "unknown option or missing value: '%s'", o);
        else if (!strcmp(o, "--data")) data = argv[++i];
        else if (!strcmp(o, "--out")) outp = argv[++i];
        else if (!strcmp(o, "--eps")) st = fs_parse_double(argv[++i], 0.0, 1e6, "--eps", &ho.eps);
        else if (!strcmp(o, "--window")) st = fs_parse_int(argv[++i], 0, 1 << 20, "--window", &ho.window);
        else if (!strcmp(o, "--seed")) st = fs_parse_long(argv[++i], 0, 1L << 62, "--seed", &seed);
        else if (!strcmp(o, "--batch")) st = fs_parse_int(argv[++i], 1, 65536, "--batch", &batch);
        else st = fs_errorf(FS_ERR_CONFIG, "unknown option '%s' (see fsweep heatmap --help)", o);
    }
    ho.seed = (uint64_t)seed;
    if (st == FS_OK && (!model || !data || !outp))
        st = fs_errorf(FS_ERR_CONFIG, "MODEL.h5, --data and --out are required");
    if (st != FS_OK) return cli_fail("heatmap", FS_EXIT_USAGE);
    CliModel lm;
    Dataset d;
    if (cli_model_load(model, batch, &lm) != FS_OK) return cli_fail("heatmap", FS_EXIT_ERROR);
    if (cli_load_set(data, &lm, &d) != FS_OK) {
        cli_model_free(&lm);
        return cli_fail("heatmap", FS_EXIT_ERROR);
    }
    int h = d.h, w = d.w, k = lm.clf.k, nr = heatmap_num_radii(h, w);
    double *err = xmalloc((size_t)h * w * sizeof *err);
    double *lo = xmalloc((size_t)nr * (k + 1) * sizeof *lo), *hi = xmalloc((size_t)nr * (k + 1) * sizeof *hi);
    double t0 = fs_now();
    if (fourier) st = heatmap_fourier(&lm.clf, &d, &ho, err);
    if (st == FS_OK && radius) st = heatmap_radius(&lm.clf, &d, keep_dc, lo, hi);
    H5File *f = NULL;
    if (st == FS_OK) {
        printf("heatmap: %s on %s (%d images), %.2f s\n", model, data, d.n, fs_now() - t0);
        if (fourier) {
            double mx = 0.0;
            int bi = 0;
            for (int i = 0; i < h * w; i++)
                if (!isnan(err[i]) && err[i] > mx) {
                    mx = err[i];
                    bi = i;
                }
            printf("  Fourier heat map (eps %g): max error %.3f at (u,v) = (%d,%d)\n", ho.eps, mx,
                   bi / w - h / 2, bi % w - w / 2);
        }
        if (radius) {
            printf("  %6s %10s %10s\n", "r", "low-pass", "high-pass");
            for (int r = 0; r < nr; r++)
                printf("  %6d %10.4f %10.4f\n", r, lo[(size_t)r * (k + 1) + k], hi[(size_t)r * (k + 1) + k]);
        }
        f = h5f_create(outp);
        if (!f) st = FS_ERR_IO;
    }
    if (f) {
        int64_t dh[2] = {h, w}, dr[1] = {nr}, drk[2] = {nr, k + 1};
        double *rr = xmalloc((size_t)nr * sizeof *rr);
        for (int r = 0; r < nr; r++) rr[r] = r;
        st = h5f_attr_set_str(f, "/", "format", "fsweep-heatmap");
        if (st == FS_OK) st = h5f_attr_set_str(f, "/", "model", model);
        if (st == FS_OK) st = h5f_attr_set_str(f, "/", "data", data);
        if (st == FS_OK) st = h5f_attr_set_f64(f, "/", "eps", ho.eps);
        if (st == FS_OK) st = h5f_attr_set_i64(f, "/", "window", ho.window);
        if (st == FS_OK) st = h5f_attr_set_i64(f, "/", "keep_dc", keep_dc);
        if (st == FS_OK && fourier) st = h5f_write(f, "/fourier_error", FSH5_F64, 2, dh, err);
        if (st == FS_OK && radius) st = h5f_write(f, "/radius", FSH5_F64, 1, dr, rr);
        if (st == FS_OK && radius) st = h5f_write(f, "/acc_lowpass", FSH5_F64, 2, drk, lo);
        if (st == FS_OK && radius) st = h5f_write(f, "/acc_highpass", FSH5_F64, 2, drk, hi);
        FsStatus cst = h5f_close(f);
        if (st == FS_OK) st = cst;
        if (st == FS_OK) printf("wrote %s\n", outp);
        free(rr);
    }
    free(err);
    free(lo);
    free(hi);
    dataset_free(&d);
    cli_model_free(&lm);
    return st == FS_OK ? FS_EXIT_OK : cli_fail("heatmap", FS_EXIT_ERROR);
}

int cmd_heatmap(int argc, char **argv)
{
    return cli_with_par(argc, argv, heatmap_main);
}
