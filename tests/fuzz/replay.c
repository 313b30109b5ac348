/* replay.c: a main() for the fuzz harnesses built without libFuzzer (`make test`): feeds every
 * file named on the command line, or found directly inside a named directory, to
 * LLVMFuzzerTestOneInput once, in sorted order. A crash or sanitizer report fails the run; an
 * input the parser rejects is a pass (rejecting is what bad input should get). Prints
 * "N passed, 0 failed" for tests/run_tests.sh. */
#include "fuzz.h"

#include <dirent.h>
#include <sys/resource.h>

/* Without ASan (which reserves terabytes of address space), cap the address space at 3 GiB so
 * that an input making a parser allocate what the file cannot hold (the OOMs libFuzzer reports)
 * fails here too: xmalloc exits. */
#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_ASAN 1
#endif
#endif

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    if (fs_read_file(path, &buf, &len) != FS_OK) {
        fprintf(stderr, "replay: %s\n", fs_last_error());
        return 1;
    }
    printf("replay %s (%zu bytes)\n", path, len);
    fflush(stdout);
    /* a heap copy of exactly len bytes, so that ASan sees reads past the end */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) abort();
    if (len) memcpy(copy, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
    return 0;
}

int main(int argc, char **argv)
{
    int n = 0, bad = 0;
#ifndef REPLAY_ASAN
    struct rlimit rl = {(rlim_t)3 << 30, (rlim_t)3 << 30};
    if (setrlimit(RLIMIT_AS, &rl) != 0) perror("replay: setrlimit");
#endif
    /* absolute paths first: a harness may chdir (fuzz_spec.c runs in its fixture folder) */
    char **abs = xcalloc((size_t)argc, sizeof *abs);
    for (int a = 1; a < argc; a++) abs[a] = realpath(argv[a], NULL); /* NULL: no such path */
    for (int a = 1; a < argc; a++) {
        struct stat sb;
        const char *arg = abs[a];
        if (!arg || stat(arg, &sb) != 0) continue; /* a target without regression cases */
        if (!S_ISDIR(sb.st_mode)) {
            bad += run_file(arg);
            n++;
            continue;
        }
        DIR *d = opendir(arg);
        if (!d) {
            perror(arg);
            return 1;
        }
        char **names = NULL;
        int nn = 0, cap = 0;
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.') continue;
            if (nn == cap) {
                cap = cap ? 2 * cap : 64;
                names = xrealloc(names, (size_t)cap * sizeof *names);
            }
            names[nn++] = xstrdup(e->d_name);
        }
        closedir(d);
        if (nn) qsort(names, (size_t)nn, sizeof *names, cmp_str);
        for (int i = 0; i < nn; i++) {
            char p[8192];
            snprintf(p, sizeof p, "%s/%s", arg, names[i]);
            bad += run_file(p);
            n++;
            free(names[i]);
        }
        free(names);
    }
    for (int a = 1; a < argc; a++) free(abs[a]);
    free(abs);
    printf("%d passed, %d failed\n", n - bad, bad);
    return bad != 0;
}
