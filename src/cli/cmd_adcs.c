/* cmd_adcs.c: `fsweep adcs`: class spectra and ADCS maps of a data set, MPI-sharded. */
#include "adcs.h"
#include "cli_args.h"
#include "commands.h"
#include "data.h"
#include "h5file.h"
#include "log.h"
#include "par.h"
#include "spectral.h"
#include "split.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void adcs_usage(FILE *f)
{
    fprintf(f, "usage: fsweep adcs [--data SPEC] [--out FILE.h5] [--variant paper|reference] [--raw]\n"
               "  Class-wise average amplitude spectra E_c and ADCS maps (PAPER.md 6).\n"
               "  --data SPEC     dataset (default fashion-mnist:test; see `fsweep data --help`)\n"
               "  --out FILE.h5   write /adcs (K,H,W), /E (K,C,H,W), /class_count (K), /class_names\n"
               "  --variant V     paper (default: per channel, sign(0)=0, channel mean) or reference\n"
               "                  (luminance-weighted class sums, self term, range [-K, K-2])\n"
               "  --raw           use [0,1] pixels instead of normalised images\n"
               "  Under mpirun the images are split across ranks; rank 0 reduces and writes.\n"
               "  Prints the mean ADCS of every class in each of the 4 radial bands. Classes without\n"
               "  images are left out of every comparison (a warning names them; their maps are NaN).\n");
}

static FsStatus adcs_write(const char *path, const Dataset *d, const char *spec, AdcsVariant v, int raw,
                           const double *E, const double *adcs, const int64_t *cnt)
{
    H5File *f = h5f_create(path);
    if (!f) return FS_ERR_IO;
    int64_t dk[1] = {d->k}, de[4] = {d->k, d->c, d->h, d->w}, da[3] = {d->k, d->h, d->w};
    FsStatus st = h5f_write(f, "/adcs", FSH5_F64, 3, da, adcs);
    if (!st) st = h5f_write(f, "/E", FSH5_F64, 4, de, E);
    if (!st) st = h5f_write(f, "/class_count", FSH5_I64, 1, dk, cnt);
    if (!st && d->class_names) st = h5f_write_strings(f, "/class_names", d->k, (const char *const *)d->class_names);
    if (!st) st = h5f_attr_set_str(f, "/", "dataset", spec);
    if (!st) st = h5f_attr_set_str(f, "/", "variant", adcs_variant_str(v));
    if (!st) st = h5f_attr_set_i64(f, "/", "normalized", !raw);
    if (!st) st = h5f_attr_set_i64(f, "/", "n_images", d->n);
    if (!st) st = h5f_attr_set_i64(f, "/", "mpi_ranks", par_size());
    if (!st) st = h5f_attr_set_str(f, "/", "fftw", spectral_library_version());
    if (!st) st = h5f_attr_set_str(f, "/", "fftw_plan", "double precision, FFTW_ESTIMATE");
    if (!st) st = h5f_attr_set_str(f, "/", "layout", "centred (fftshift): DC at (H/2, W/2)");
    double mean[DATASET_MAX_CH], sd[DATASET_MAX_CH];
    for (int c = 0; c < d->c; c++) mean[c] = (double)d->mean[c], sd[c] = (double)d->std[c];
    if (!st) st = h5f_attr_set_f64_array(f, "/", "mean", d->c, mean);
    if (!st) st = h5f_attr_set_f64_array(f, "/", "std", d->c, sd);
    FsStatus st2 = h5f_close(f);
    return st ? st : st2;
}

int cmd_adcs(int argc, char **argv)
{
    const char *spec = "fashion-mnist:test", *out = NULL;
    AdcsVariant v = ADCS_PAPER;
    int raw = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            adcs_usage(stdout);
            return FS_EXIT_OK;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            spec = argv[++i];
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--variant") && i + 1 < argc) {
            i++;
            if (!strcmp(argv[i], "paper")) v = ADCS_PAPER;
            else if (!strcmp(argv[i], "reference")) v = ADCS_REFERENCE;
            else {
                fprintf(stderr, "fsweep adcs: --variant '%s': expected paper or reference\n", argv[i]);
                return FS_EXIT_USAGE;
            }
        } else if (!strcmp(argv[i], "--raw")) {
            raw = 1;
        } else {
            fprintf(stderr, "fsweep adcs: unknown or incomplete option '%s'\n", argv[i]);
            adcs_usage(stderr);
            return FS_EXIT_USAGE;
        }
    }
    par_init(&argc, &argv);
    int rank = par_rank(), size = par_size();
    log_set_rank(par_is_mpi() ? rank : -1);
    double t0 = fs_now();
    Dataset d;
    FsStatus st = dataset_load(spec, &d);
    if (st) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        par_abort(FS_EXIT_ERROR);
    }
    size_t per = (size_t)d.c * d.h * d.w, tot = (size_t)d.k * per;
    double *sum = xcalloc(tot + (size_t)d.k, sizeof *sum), *red = NULL;
    int64_t *cnt = xcalloc((size_t)d.k, sizeof *cnt);
    int first = 0, count = 0;
    split_range(d.n, 1, rank, size, &first, &count); /* this rank's images */
    st = adcs_compute_ex(&d, first, count, raw, sum, cnt);
    if (st) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        par_abort(FS_EXIT_ERROR);
    }
    for (int c = 0; c < d.k; c++) sum[tot + (size_t)c] = (double)cnt[c]; /* counts ride along */
    if (rank == 0) red = xmalloc((tot + (size_t)d.k) * sizeof *red);
    par_reduce_sum_double(sum, red, tot + (size_t)d.k, 0);
    int rc = FS_EXIT_OK;
    if (rank == 0) {
        for (int c = 0; c < d.k; c++) cnt[c] = (int64_t)(red[tot + (size_t)c] + 0.5);
        double *E = xmalloc(tot * sizeof *E), *map = xmalloc((size_t)d.k * d.h * d.w * sizeof *map);
        adcs_finish(red, cnt, d.k, d.c, d.h, d.w, v, E, map);
        int absent = adcs_warn_absent(cnt, d.k, d.class_names, spec);
        double edges[5];
        spectral_band_edges(d.h, d.w, 4, edges);
        printf("ADCS (%s%s) of %s: %d images, %d classes, %dx%d, %d rank%s, %.2f s\n", adcs_variant_str(v),
               raw ? ", raw pixels" : "", spec, d.n, d.k, d.h, d.w, size, size > 1 ? "s" : "", fs_now() - t0);
        printf("%-16s %6s %8s %8s %8s %8s\n", "class", "n", "B1", "B2", "B3", "B4");
        for (int c = 0; c < d.k; c++) {
            double bs[4] = {0};
            int bn[4] = {0};
            for (int i = 0; i < d.h; i++)
                for (int j = 0; j < d.w; j++) {
                    int b = spectral_band_of(i, j, d.h, d.w, edges, 4);
                    if (b < 0 || (i == d.h / 2 && j == d.w / 2)) continue;
                    bs[b] += map[((size_t)c * d.h + i) * d.w + j];
                    bn[b]++;
                }
            printf("%-16.16s %6lld", d.class_names ? d.class_names[c] : "", (long long)cnt[c]);
            if (cnt[c] <= 0) printf("  no images: skipped (ADCS and E are NaN)");
            else
                for (int b = 0; b < 4; b++) printf(" %8.3f", bn[b] ? bs[b] / bn[b] : 0.0);
            printf("\n");
        }
        if (absent)
            printf("%d class%s without images left out of every comparison: the other classes' "
                   "ADCS range is [%d, %d]\n", absent, absent > 1 ? "es" : "",
                   v == ADCS_PAPER ? 1 - (d.k - absent) : -(d.k - absent),
                   v == ADCS_PAPER ? d.k - absent - 1 : d.k - absent - 2);
        if (out) {
            st = adcs_write(out, &d, spec, v, raw, E, map, cnt);
            if (st) {
                fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
                rc = FS_EXIT_ERROR;
            } else {
                printf("wrote %s\n", out);
            }
        }
        free(E);
        free(map);
        free(red);
    }
    free(sum);
    free(cnt);
    dataset_free(&d);
    par_barrier();
    par_finalize();
    return rc;
}
