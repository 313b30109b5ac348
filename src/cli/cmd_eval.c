/* cmd_eval.c: `fsweep eval`: accuracy, per-class accuracy and confusion matrix of MODEL.h5 on a
 * dataset; optional logits file. */
#include "cli_args.h"
#include "commands.h"
#include "pool.h"
#include "logits_file.h"
#include "model.h"
#include "model_file.h"
#include "train.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void eval_usage(FILE *f)
{
    fprintf(f, "usage: fsweep eval MODEL.h5 --data SPEC [--logits FILE.h5] [--batch N] [--threads N]\n"
               "  Accuracy, per-class accuracy and the confusion matrix (rows = true class) of a\n"
               "  model on a dataset, normalised with the model file's constants. --logits writes\n"
               "  /logits (n, k) float32 and /labels (n) int32.\n");
}

int cmd_eval(int argc, char **argv)
{
    if (cli_want_help(argc, argv)) {
        eval_usage(stdout);
        return FS_EXIT_OK;
    }
    const char *mpath = NULL, *data = NULL, *lpath = NULL;
    int batch = 100;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!a) break; /* argv[argc] is NULL; never reached, but the analyzer cannot know */
        if (!strcmp(a, "--data") && v) data = argv[++i];
        else if (!strcmp(a, "--logits") && v) lpath = argv[++i];
        else if ((!strcmp(a, "--batch") || !strcmp(a, "--threads")) && v) {
            int t;
            if (fs_parse_int(argv[++i], 1, strcmp(a, "--batch") ? POOL_MAX_THREADS : 65536, a, &t) != FS_OK) {
                fprintf(stderr, "fsweep eval: %s\n", fs_last_error());
                return FS_EXIT_USAGE;
            }
            if (!strcmp(a, "--batch")) batch = t;
            else pool_set_threads(t);
        } else if (a[0] != '-' && !mpath) mpath = a;
        else {
            fprintf(stderr, "fsweep eval: unexpected argument '%s' (or missing value)\n", a);
            eval_usage(stderr);
            return FS_EXIT_USAGE;
        }
    }
    if (!mpath || !data) {
        fprintf(stderr, "fsweep eval: MODEL.h5 and --data are required\n");
        eval_usage(stderr);
        return FS_EXIT_USAGE;
    }
    Model *m = NULL;
    float mean[DATASET_MAX_CH], std[DATASET_MAX_CH];
    FsStatus st = model_file_read(mpath, &m, mean, std);
    if (st != FS_OK) {
        fprintf(stderr, "fsweep eval: %s\n", fs_last_error());
        return FS_EXIT_ERROR;
    }
    Dataset d;
    st = cli_load_data(data, &d);
    if (st != FS_OK) {
        fprintf(stderr, "fsweep eval: %s\n", fs_last_error());
        model_free(m);
        return FS_EXIT_ERROR;
    }
    int c, h, w, k;
    model_input_shape(m, &c, &h, &w, &k);
    for (int i = 0; i < c && i < d.c; i++) { /* the constants the model was trained with */
        d.mean[i] = mean[i];
        d.std[i] = std[i];
    }
    float *logits = lpath ? xmalloc((size_t)d.n * (size_t)k * sizeof(float)) : NULL;
    int *conf = xcalloc((size_t)k * (size_t)k, sizeof(int));
    double acc = 0;
    double t0 = fs_now();
    st = eval_run(m, &d, batch, logits, conf, &acc);
    double dt = fs_now() - t0;
    int rc = FS_EXIT_OK;
    if (st != FS_OK) {
        fprintf(stderr, "fsweep eval: %s\n", fs_last_error());
        rc = FS_EXIT_ERROR;
    } else {
        printf("model %s (%s, %zu parameters) on %s: %d images\n", mpath, model_arch(m),
               model_num_params(m), data, d.n);
        printf("accuracy %.4f  (%.1f images/s)\nper-class accuracy:\n", acc, d.n / (dt > 0 ? dt : 1));
        for (int i = 0; i < k; i++) {
            long row = 0;
            for (int j = 0; j < k; j++) row += conf[(size_t)i * k + j];
            printf("  %3d %-20s %.4f  (%ld images)\n", i, d.class_names ? d.class_names[i] : "",
                   row ? (double)conf[(size_t)i * k + i] / (double)row : 0.0, row);
        }
        printf("confusion matrix (rows = true class, columns = predicted):\n");
        for (int i = 0; i < k; i++) {
            printf("  %3d |", i);
            for (int j = 0; j < k; j++) printf(" %5d", conf[(size_t)i * k + j]);
            printf("\n");
        }
        if (lpath) {
            st = logits_file_write(lpath, logits, d.y, d.n, k, mpath, data);
            if (st != FS_OK) {
                fprintf(stderr, "fsweep eval: %s\n", fs_last_error());
                rc = FS_EXIT_ERROR;
            } else {
                printf("wrote logits to %s\n", lpath);
            }
        }
    }
    free(logits);
    free(conf);
    dataset_free(&d);
    model_free(m);
    return rc;
}
