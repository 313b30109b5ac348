/* cmd_data.c: `fsweep data`: describe a dataset spec; list specs, augmentations and OOD names. */
#include "augment.h"
#include "cli_args.h"
#include "commands.h"
#include "data.h"
#include "ood.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_data(int argc, char **argv)
{
    const char *spec = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("usage: fsweep data --data SPEC   describe a dataset (shape, classes, constants)\n\n%s\n%s\n",
                   dataset_spec_help(), augment_help());
            int n;
            const char *const *names = ood_names(&n);
            printf("OOD sets (ood:NAME:ARG:BASE-SPEC):");
            for (int k = 0; k < n; k++) printf(" %s", names[k]);
            printf("\n  severities 1..5 for corruptions; bandstop:K,L / bandstop_clip:K,L / bandpass:K with bands 1..4\n"
                   "  (frost uses a synthesised texture, not the CIFAR-10-C frost photographs: README)\n"
                   "  fgsm:EPS (needs a model: a sweep's ood axis, fsweep shortcut --ood fgsm:EPS[:SPEC]):\n"
                   "  EPS * sign of the loss gradient in normalised units, clipped to [0, 1] pixels\n");
            return FS_EXIT_OK;
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            spec = argv[++i];
        } else {
            fprintf(stderr, "fsweep data: unknown or incomplete option '%s' (see --help)\n", argv[i]);
            return FS_EXIT_USAGE;
        }
    }
    if (!spec) {
        fprintf(stderr, "fsweep data: --data SPEC is required (see --help)\n");
        return FS_EXIT_USAGE;
    }
    double t0 = fs_now();
    Dataset d;
    if (dataset_load(spec, &d)) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        return FS_EXIT_ERROR;
    }
    double dt = fs_now() - t0;
    int *cnt = dataset_class_counts(&d);
    printf("%s: %d images, %d x %d x %d, %d classes, loaded in %.2f s (%.0f images/s)\n", d.name, d.n, d.c, d.h,
           d.w, d.k, dt, dt > 0 ? d.n / dt : 0.0);
    printf("mean");
    for (int c = 0; c < d.c; c++) printf(" %.6f", (double)d.mean[c]);
    printf("  std");
    for (int c = 0; c < d.c; c++) printf(" %.6f", (double)d.std[c]);
    printf("\n");
    for (int c = 0; c < d.k; c++) printf("  %3d %-20s %d\n", c, d.class_names ? d.class_names[c] : "", cnt[c]);
    free(cnt);
    dataset_free(&d);
    return FS_EXIT_OK;
}
