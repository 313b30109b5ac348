/* commands.h (no commands.c: each command has its own src/cli/cmd_NAME.c; private to cli):
 * the subcommands of build/fsweep, git-style. Each is int cmd_NAME(argc, argv), with
 * argv[0] = the subcommand name; it returns the process exit status (FsExit, util.h).
 * To add a command: write src/cli/cmd_NAME.c and add one FS_COMMAND line to FS_COMMAND_LIST. */
#ifndef FS_COMMANDS_H
#define FS_COMMANDS_H

#include "util.h"

#define FS_COMMAND_LIST                                                                            \
    FS_COMMAND(run, "run a sweep (serial, or under mpirun: master + workers); resumes")           \
    FS_COMMAND(plan, "print a sweep's tasks, counts per axis, stored tasks and estimated cost")   \
    FS_COMMAND(status, "progress of a sweep store, also while its job runs")                      \
    FS_COMMAND(train, "train a classifier from scratch on the CPU and write MODEL.h5")            \
    FS_COMMAND(eval, "accuracy, per-class accuracy and confusion matrix of MODEL.h5 on a dataset") \
    FS_COMMAND(adcs, "class-wise average spectra and ADCS maps of a dataset (MPI-sharded)")      \
    FS_COMMAND(data, "describe a dataset spec; list specs, augmentations and OOD sets")           \
    FS_COMMAND(ood, "write OOD copies of a test set (corruptions x 5 severities, band sets) as .npy") \
    FS_COMMAND(dfm, "dominant frequency maps of MODEL.h5 (patch removal, screened, HFSS)")     \
    FS_COMMAND(shortcut, "TPR/FPR with each class's DFM kept / removed; OOD and cross-model")    \
    FS_COMMAND(heatmap, "Fourier heat map and accuracy against low-/high-pass radius")          \
    FS_COMMAND(info, "print linked library versions, BLAS core type and CPU features")            \
    FS_COMMAND(version, "print the version and git hash")                                        \
    FS_COMMAND(report, "write figures and a self-contained index.html from a results store")

#define FS_COMMAND(name, help) int cmd_##name(int argc, char **argv);
FS_COMMAND_LIST
#undef FS_COMMAND

#endif
