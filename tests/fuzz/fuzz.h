/* fuzz.h: no fuzz.c: header-only helpers shared by the fuzz harnesses tests/fuzz/fuzz_<target>.c.
 * Each harness defines LLVMFuzzerTestOneInput(data, size): it feeds the bytes to one parser of
 * outside input (through a temporary file when the parser reads files) and returns 0 whatever the
 * parser says: a harness fails only by crashing, hanging, leaking or tripping a sanitizer.
 * Built two ways (Makefile): with clang -fsanitize=fuzzer for `make fuzz`, and with the normal
 * compiler plus replay.c (a main() that feeds files to LLVMFuzzerTestOneInput) for `make test`. */
#ifndef FS_FUZZ_H
#define FS_FUZZ_H

#include "log.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A private directory for this process's temporary files, removed at exit (files the harness
 * created there are removed by it; fuzz_tmpdir_cleanup removes the rest with rm -rf). */
static char fuzz_dir[256];

static inline void fuzz_tmpdir_cleanup(void)
{
    if (!fuzz_dir[0]) return;
    char cmd[320];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz: cannot remove %s\n", fuzz_dir);
}

static inline const char *fuzz_tmpdir(void)
{
    if (!fuzz_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/fsweep-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_tmpdir_cleanup);
        log_set_level(LOG_LVL_ERROR); /* the parsers' warnings would flood the fuzzer's log */
    }
    return fuzz_dir;
}

/* Write size bytes to path (abort on failure: the harness, not the parser, is broken). */
static inline void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* buf = fuzz_tmpdir()/name */
static inline void fuzz_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", fuzz_tmpdir(), name);
}

/* Split data at the first occurrence of the 4-byte separator "FZ|\n": part a before it, part b
 * after it (b empty when there is none). Lets one input carry two files (images and labels). */
static inline void fuzz_split(const uint8_t *data, size_t size, size_t *na, const uint8_t **b, size_t *nb)
{
    for (size_t i = 0; i + 4 <= size; i++)
        if (!memcmp(data + i, "FZ|\n", 4)) {
            *na = i;
            *b = data + i + 4;
            *nb = size - i - 4;
            return;
        }
    *na = size;
    *b = data + size;
    *nb = 0;
}

/* The parser's verdict, printed when FUZZ_VERBOSE is set (to check that seeds parse); returns st. */
static inline FsStatus fuzz_note(FsStatus st)
{
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (verbose) fprintf(stderr, "  -> %s\n", st == FS_OK ? "accepted" : fs_last_error());
    return st;
}

#endif
