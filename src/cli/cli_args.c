/* cli_args.c: the commands' shared argument and loading helpers (see cli_args.h). */
#include "cli_args.h"

#include "data.h"
#include "model_file.h"
#include "par.h"
#include "toy_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int cli_want_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) return 1;
    return 0;
}

int cli_fail(const char *cmd, int code)
{
    if (par_rank() == 0) fprintf(stderr, "fsweep %s: %s\n", cmd, fs_last_error());
    return code;
}

int cli_with_par(int argc, char **argv, int (*body)(int, char **))
{
    par_init(&argc, &argv);
    int rc = body(argc, argv);
    par_finalize();
    return rc;
}

FsStatus cli_load_data(const char *spec, Dataset *d)
{
    return toy_spec_matches(spec) ? toy_dataset_make(spec, d) : dataset_load(spec, d);
}

FsStatus cli_model_load(const char *path, int batch, CliModel *lm)
{
    memset(lm, 0, sizeof *lm);
    FsStatus st = model_file_read(path, &lm->model, lm->mean, lm->std);
    if (st != FS_OK) return st;
    st = model_classifier(lm->model, batch, &lm->clf);
    if (st != FS_OK) {
        model_free(lm->model);
        lm->model = NULL;
    }
    return st;
}

void cli_model_free(CliModel *lm)
{
    if (!lm->model) return;
    model_classifier_free(&lm->clf);
    model_free(lm->model);
    lm->model = NULL;
}

FsStatus cli_load_set(const char *spec, const CliModel *lm, Dataset *d)
{
    FsStatus st = cli_load_data(spec, d);
    if (st != FS_OK) return st;
    if (d->c != lm->clf.c || d->h != lm->clf.h || d->w != lm->clf.w) {
        st = fs_errorf(FS_ERR_CONFIG, "data '%s': images %dx%dx%d, the model expects %dx%dx%d",
                       spec, d->c, d->h, d->w, lm->clf.c, lm->clf.h, lm->clf.w);
        dataset_free(d);
        return st;
    }
    for (int c = 0; c < d->c; c++) {
        d->mean[c] = lm->mean[c];
        d->std[c] = lm->std[c];
    }
    return FS_OK;
}

int cli_sweep_args(int argc, char **argv, CliSweepArgs *a, const char *usage)
{
    memset(a, 0, sizeof *a);
    a->over = xcalloc((size_t)argc + 1, sizeof(char *));
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (cli_is_help(s)) {
            printf("%s", usage);
            return FS_EXIT_OK;
        } else if (!strcmp(s, "--store") && i + 1 < argc) {
            a->store = argv[++i];
        } else if (!strncmp(s, "--store=", 8)) {
            a->store = s + 8;
        } else if (!strcmp(s, "--force")) {
            a->force = 1;
        } else if (!strcmp(s, "--same-engine")) {
            a->same_engine = 1;
        } else if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
            a->quiet = 1;
        } else if (!strcmp(s, "--list")) {
            a->list = 1;
        } else if (!strcmp(s, "--ranks") && i + 1 < argc) {
            int *v = NULL, n = 0;
            if (fs_parse_int_list(argv[++i], 2, 1 << 24, "--ranks", &v, &n) != FS_OK || n > 8) {
                fprintf(stderr, "fsweep: %s\n", fs_last_error());
                free(v);
                return FS_EXIT_USAGE;
            }
            memcpy(a->ranks, v, (size_t)n * sizeof(int));
            a->n_ranks = n;
            free(v);
        } else if (s[0] == '-' && s[1] == '-') {
            fprintf(stderr, "fsweep %s: unknown option '%s'\n%s", argv[0], s, usage);
            return FS_EXIT_USAGE;
        } else if (strchr(s, '=')) {
            a->over[a->n_over++] = argv[i];
        } else if (!a->config) {
            a->config = s;
        } else {
            fprintf(stderr, "fsweep %s: unexpected argument '%s'\n%s", argv[0], s, usage);
            return FS_EXIT_USAGE;
        }
    }
    if (!a->config) {
        fprintf(stderr, "%s", usage);
        return FS_EXIT_USAGE;
    }
    return -1;
}
