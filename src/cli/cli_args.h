/* cli_args.h (private to cli): what several commands share: spotting --help, reporting a failed
 * step, loading a data spec (built-in toy sets included), loading MODEL.h5 as a Classifier with
 * the normalisation it was trained with, the sweep commands' common arguments, and running a
 * command inside par_init/par_finalize.
 * Ownership: a CliModel owns its model and classifier (cli_model_free); CliSweepArgs.over is
 * xmalloc'd (free it). Errors: loaders return an FsStatus with fs_last_error set.
 * Threads: the main thread only. */
#ifndef FS_CLI_ARGS_H
#define FS_CLI_ARGS_H

#include "classifier.h"
#include "dataset.h"
#include "model.h"
#include "util.h"

/* 1 if arg is --help or -h; cli_want_help: if any of argv[1..argc) is. */
int cli_is_help(const char *arg);
int cli_want_help(int argc, char **argv);

/* Print "fsweep CMD: <fs_last_error()>" on stderr (rank 0 only) and return code. */
int cli_fail(const char *cmd, int code);

/* Run body(argc, argv) between par_init and par_finalize; returns its exit status. */
int cli_with_par(int argc, char **argv, int (*body)(int, char **));

/* A data spec: "toy:..." is built in (toy_data.h), anything else goes to dataset_load. */
FsStatus cli_load_data(const char *spec, Dataset *d);

/* MODEL.h5 as a Classifier of batches up to `batch` images, with its mean/std per channel. */
typedef struct {
    Model *model;
    Classifier clf;
    float mean[DATASET_MAX_CH], std[DATASET_MAX_CH];
} CliModel;
FsStatus cli_model_load(const char *path, int batch, CliModel *lm);
void cli_model_free(CliModel *lm); /* safe on a model whose load failed */
/* Load a set, check its images fit the model and give it the model's normalisation. */
FsStatus cli_load_set(const char *spec, const CliModel *lm, Dataset *d);

/* `fsweep run` and `fsweep plan`: [CONFIG] [--store S] [--force] [--same-engine] [--quiet|-q]
 * [--list] [--ranks a,b] [key=value ...]. */
typedef struct {
    const char *config, *store;
    int force, same_engine, quiet, list;
    int n_over;
    char **over; /* the key=value overrides, argv's strings */
    int ranks[8], n_ranks;
} CliSweepArgs;
/* Returns -1 to go on; otherwise the exit status (help printed: FS_EXIT_OK; a bad or missing
 * argument, reported with the usage text: FS_EXIT_USAGE). a->over is allocated either way. */
int cli_sweep_args(int argc, char **argv, CliSweepArgs *a, const char *usage);

#endif
