/* isolate.h: read untrusted bytes in a child process first. A library that crashes or loops on a
 * damaged file (Debian's libhdf5 1.10 following a corrupt global-heap reference while reading a
 * string attribute, README "Fuzzing") then costs a one-line error naming the file instead of the
 * process: fs_isolated runs the read in a forked child with a time limit, and only when the child
 * succeeded does the caller read in-process. Used by model_file_read and dfm_maps_read. */
#ifndef FS_ISOLATE_H
#define FS_ISOLATE_H

#include "util.h"

typedef FsStatus (*FsIsolatedFn)(void *arg);

/* Runs fn(arg) in a forked child (fork, waitpid), limited to timeout_s seconds (<= 0: the
 * environment's FSWEEP_READ_TIMEOUT, else 60). Returns FS_OK when fn returned FS_OK in the
 * child; fn's own status with the child's one-line error when it returned another; FS_ERR_FORMAT
 * naming `what` when the child died of a signal, exited abnormally (a sanitizer's report) or ran
 * past the limit (then killed). FSWEEP_ISOLATE=0 in the environment skips the child and returns
 * FS_OK. The child leaves with _exit (no atexit handlers, no stdio flush of the parent's
 * buffers) and touches nothing shared: safe in a process that holds MPI, BLAS threads or open
 * files, since the child only reads and exits. Thread-safe (no global state). */
FsStatus fs_isolated(const char *what, FsIsolatedFn fn, void *arg, double timeout_s);

#endif
