/* util.h: error handling and exit statuses, checked allocation and file I/O, number parsing,
 * clocks.
 * Two tiers of errors (STYLE 3.6): impossible states and unusable input stop the program
 * with fs_die (under MPI the die hook installed by par aborts the whole job); a failing task
 * returns an FsStatus that the scheduler records. Every function here is thread-safe except
 * fs_set_die_hook. */
#ifndef FS_UTIL_H
#define FS_UTIL_H

#include "clock.h" /* fs_now, fs_wall_time, fs_peak_rss: every util.h user keeps them */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FS_NORETURN _Noreturn
#define FS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define FS_UNUSED(x) ((void)(x))
#define FS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Outcome of a recoverable operation. FS_OK is 0; every other value is a failure whose
 * text fs_status_str gives. Stored in the results store as an integer: append only. */
typedef enum {
    FS_OK = 0,
    FS_ERR_IO = 1,        /* file missing, unreadable, short read or write */
    FS_ERR_FORMAT = 2,    /* malformed input data (bad magic, truncated, out of range) */
    FS_ERR_CONFIG = 3,    /* bad option, key or value */
    FS_ERR_DIVERGED = 4,  /* non-finite loss during training */
    FS_ERR_TIMEOUT = 5,   /* task exceeded its time limit */
    FS_ERR_NOMEM = 6,     /* allocation failed */
    FS_ERR_LIB = 7,       /* an external library (HDF5, FFTW, MPI) reported an error */
    FS_ERR_INTERRUPT = 8, /* stopped by a signal; resumable */
    FS_ERR_INTERNAL = 9,  /* a bug: a check that should never fail */
    FS_STATUS_COUNT
} FsStatus;
const char *fs_status_str(FsStatus s);

/* Exit statuses of build/fsweep and its commands (jobs/ scripts rely on them). A command maps
 * its FsStatus to one of these; schedulers return them for the whole sweep. */
typedef enum {
    FS_EXIT_OK = 0,
    FS_EXIT_ERROR = 1,     /* bad input or a fatal error */
    FS_EXIT_USAGE = 2,     /* bad command line */
    FS_EXIT_FAILED = 3,    /* sweep finished, but some tasks failed after all retries */
    FS_EXIT_RESUMABLE = 75 /* interrupted (SIGTERM/SIGUSR1, a lost rank): run again to resume */
} FsExit;

/* Print "fsweep: error: <file>:<line>: <message>" and stop. Never returns. */
FS_NORETURN void fs_die(const char *file, int line, const char *fmt, ...) FS_PRINTF(3, 4);
#define FS_DIE(...) fs_die(__FILE__, __LINE__, __VA_ARGS__)
#define FS_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) fs_die(__FILE__, __LINE__, __VA_ARGS__);                                      \
    } while (0)
/* Called by fs_die after printing, instead of exit(1). par installs MPI_Abort here. */
typedef void (*FsDieHook)(int code);
void fs_set_die_hook(FsDieHook hook);

/* Last error message of the calling thread, set by fs_errorf; tasks use it to pass a one-line
 * reason to the scheduler together with their FsStatus. */
FsStatus fs_errorf(FsStatus code, const char *fmt, ...) FS_PRINTF(2, 3);
const char *fs_last_error(void);
void fs_clear_error(void);

/* Checked allocation: die with file:line and the size on failure. Sizes are bytes. */
void *fs_malloc_at(size_t n, const char *file, int line);
void *fs_calloc_at(size_t n, size_t size, const char *file, int line);
void *fs_realloc_at(void *p, size_t n, const char *file, int line);
void *fs_aligned_alloc_at(size_t align, size_t n, const char *file, int line);
char *fs_strdup_at(const char *s, const char *file, int line);
#define xmalloc(n) fs_malloc_at((n), __FILE__, __LINE__)
#define xcalloc(n, s) fs_calloc_at((n), (s), __FILE__, __LINE__)
#define xrealloc(p, n) fs_realloc_at((p), (n), __FILE__, __LINE__)
#define xaligned_alloc(a, n) fs_aligned_alloc_at((a), (n), __FILE__, __LINE__)
#define xstrdup(s) fs_strdup_at((s), __FILE__, __LINE__)
/* (a * b) with overflow check; dies naming what overflowed. */
size_t fs_mul_size(size_t a, size_t b, const char *what);

/* Checked file I/O. The _or_die variants name the path and the cause (strerror). */
FILE *fs_fopen_or_die(const char *path, const char *mode);
void fs_fread_or_die(void *buf, size_t size, size_t n, FILE *f, const char *path);
void fs_fwrite_or_die(const void *buf, size_t size, size_t n, FILE *f, const char *path);
void fs_fclose_or_die(FILE *f, const char *path);
/* Read a whole file into a NUL-terminated buffer; returns FS_ERR_IO with fs_last_error set. */
FsStatus fs_read_file(const char *path, char **out, size_t *len);
/* Write a whole file atomically (write to path.tmp, fsync, rename). */
FsStatus fs_write_file_atomic(const char *path, const void *buf, size_t len);
int fs_file_exists(const char *path);
/* mkdir -p; returns FS_OK or FS_ERR_IO. */
FsStatus fs_mkdir_p(const char *path);

/* Number parsing with range checks (never atoi). On failure returns FS_ERR_CONFIG and sets
 * fs_last_error to "<what>: '<s>' is not <expected>". `what` names the field or option. */
FsStatus fs_parse_long(const char *s, long lo, long hi, const char *what, long *out);
FsStatus fs_parse_int(const char *s, int lo, int hi, const char *what, int *out);
FsStatus fs_parse_double(const char *s, double lo, double hi, const char *what, double *out);
/* Comma-separated list of integers or doubles; *n is the count, arrays are xmalloc'd. */
FsStatus fs_parse_int_list(const char *s, int lo, int hi, const char *what, int **out, int *n);
FsStatus fs_parse_double_list(const char *s, double lo, double hi, const char *what,
                              double **out, int *n);

/* snprintf that dies on truncation. Returns the length written. */
int fs_snprintf(char *buf, size_t n, const char *fmt, ...) FS_PRINTF(3, 4);
/* Growable string buffer. */
typedef struct {
    char *s;
    size_t len, cap;
} FsBuf;
void fsbuf_printf(FsBuf *b, const char *fmt, ...) FS_PRINTF(2, 3);
void fsbuf_free(FsBuf *b);

/* 64-bit FNV-1a hash of a byte string; used for config hashes. */
uint64_t fs_hash64(const void *data, size_t n);

#endif
