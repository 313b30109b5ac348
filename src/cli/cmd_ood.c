/* cmd_ood.c: `fsweep ood`: write OOD copies of a test set as .npy files in the CIFAR-10-C
 * layout. */
#include "cli_args.h"
#include "commands.h"
#include "data.h"
#include "ood.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_ood(int argc, char **argv)
{
    const char *spec = NULL, *out = NULL, *names_arg = "all";
    long seed = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("usage: fsweep ood --data SPEC --out DIR [--names all|NAME,NAME...] [--seed S]\n"
                   "  Writes OOD copies of a test set in the CIFAR-10-C layout:\n"
                   "    DIR/<corruption>.npy   uint8 (5N, H, W, C): severities 1..5 concatenated\n"
                   "    DIR/labels.npy         int64 (5N)   -> load with cifar10c:DIR:<corruption>:<severity>\n"
                   "    DIR/bandstop_K_L.npy, DIR/bandpass_K.npy   float32 (N, H, W, C), not clipped\n"
                   "    DIR/labels_band.npy    int64 (N)    -> load with npy:DIR/bandstop_1_2.npy:DIR/labels_band.npy?unclipped=1\n"
                   "    DIR/ood_meta.txt       spec, seed and severity constants\n"
                   "  --names  corruptions and band sets to write (default all); see `fsweep data --help`\n"
                   "  FGSM sets need a model: an ood axis value fgsm:EPS in a sweep, or\n"
                   "  `fsweep shortcut MODEL.h5 ... --ood fgsm:EPS`; they are not written here.\n");
            return FS_EXIT_OK;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            spec = argv[++i];
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--names") && i + 1 < argc) {
            names_arg = argv[++i];
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            if (fs_parse_long(argv[++i], 0, 1L << 62, "--seed", &seed)) {
                fprintf(stderr, "fsweep ood: %s\n", fs_last_error());
                return FS_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "fsweep ood: unknown or incomplete option '%s' (see --help)\n", argv[i]);
            return FS_EXIT_USAGE;
        }
    }
    if (!spec || !out) {
        fprintf(stderr, "fsweep ood: --data SPEC and --out DIR are required (see --help)\n");
        return FS_EXIT_USAGE;
    }
    for (const char *p = names_arg; (p = strstr(p, "fgsm")); p += 4)
        if (p == names_arg || p[-1] == ',') {
            fprintf(stderr, "fsweep: error: --names '%s': FGSM needs a model, so fsweep ood cannot write it "
                    "(use an ood axis value fgsm:EPS in a sweep, or fsweep shortcut --ood fgsm:EPS)\n", names_arg);
            return FS_EXIT_ERROR;
        }
    Dataset d;
    if (dataset_load(spec, &d) || fs_mkdir_p(out)) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        return FS_EXIT_ERROR;
    }
    int nn;
    const char *const *names = ood_names(&nn);
    int rc = FS_EXIT_OK;
    char path[4096];
    FsBuf meta = {0};
    fsbuf_printf(&meta, "dataset %s\nseed %ld\nimages %d\n", spec, seed, d.n);
    int64_t *lab5 = xmalloc((size_t)d.n * 5 * sizeof *lab5);
    for (int s = 0; s < 5; s++)
        for (int i = 0; i < d.n; i++) lab5[(size_t)s * d.n + i] = d.y[i];
    int64_t dims5 = (int64_t)d.n * 5, dims1 = d.n;
    FsStatus st = FS_OK;
    fs_snprintf(path, sizeof path, "%s/labels.npy", out);
    st = data_write_npy(path, "<i8", 1, &dims5, lab5, (size_t)dims5 * sizeof *lab5);
    if (!st) {
        fs_snprintf(path, sizeof path, "%s/labels_band.npy", out);
        st = data_write_npy(path, "<i8", 1, &dims1, lab5, (size_t)dims1 * sizeof *lab5);
    }
    int written = 0;
    for (int k = 0; k < nn && !st; k++) {
        int want = !strcmp(names_arg, "all");
        if (!want) { /* exact item match in the comma list */
            size_t l = strlen(names[k]);
            for (const char *p = names_arg; (p = strstr(p, names[k])); p += l)
                if ((p == names_arg || p[-1] == ',') && (p[l] == 0 || p[l] == ',')) want = 1;
        }
        if (!want || !strcmp(names[k], "bandstop_clip")) continue;
        if (!strcmp(names[k], "bandstop") || !strcmp(names[k], "bandpass")) {
            for (int a = 1; a <= 4 && !st; a++)
                for (int b = a + 1; b <= (strcmp(names[k], "bandpass") ? 4 : a + 1) && !st; b++) {
                    char nm[64];
                    int bp = !strcmp(names[k], "bandpass");
                    if (bp) fs_snprintf(nm, sizeof nm, "bandpass:%d", a);
                    else fs_snprintf(nm, sizeof nm, "bandstop:%d,%d", a, b);
                    Dataset o;
                    st = ood_make(&d, nm, (uint64_t)seed, &o);
                    if (st) break;
                    if (bp) fs_snprintf(path, sizeof path, "%s/bandpass_%d.npy", out, a);
                    else fs_snprintf(path, sizeof path, "%s/bandstop_%d_%d.npy", out, a, b);
                    st = data_write_npy_images(path, &o, 0);
                    dataset_free(&o);
                    fsbuf_printf(&meta, "%s %s\n", nm, path);
                    written++;
                }
            continue;
        }
        Dataset all;
        dataset_alloc(&all, d.n * 5, d.c, d.h, d.w, d.k);
        size_t per = (size_t)d.c * d.h * d.w;
        fsbuf_printf(&meta, "%s severities", names[k]);
        for (int s = 1; s <= 5 && !st; s++) {
            char nm[64];
            fs_snprintf(nm, sizeof nm, "%s:%d", names[k], s);
            Dataset o;
            st = ood_make(&d, nm, (uint64_t)seed, &o);
            if (st) break;
            memcpy(all.x + (size_t)(s - 1) * d.n * per, o.x, (size_t)d.n * per * sizeof *o.x);
            dataset_free(&o);
            fsbuf_printf(&meta, " %g", ood_severity_value(names[k], s));
        }
        fsbuf_printf(&meta, "\n");
        fs_snprintf(path, sizeof path, "%s/%s.npy", out, names[k]);
        if (!st) st = data_write_npy_images(path, &all, 1);
        dataset_free(&all);
        written++;
    }
    if (!st && written == 0) st = fs_errorf(FS_ERR_CONFIG, "--names '%s': no known corruption (see `fsweep data --help`)", names_arg);
    if (!st) {
        fs_snprintf(path, sizeof path, "%s/ood_meta.txt", out);
        st = fs_write_file_atomic(path, meta.s, meta.len);
    }
    if (st) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        rc = FS_EXIT_ERROR;
    } else {
        printf("wrote %d OOD set files for %s (%d images each) to %s\n", written, spec, d.n, out);
    }
    fsbuf_free(&meta);
    free(lab5);
    dataset_free(&d);
    return rc;
}
