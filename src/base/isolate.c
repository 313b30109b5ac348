/* isolate.c: see isolate.h. */
#define _POSIX_C_SOURCE 200809L
#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* In a sanitizer or libFuzzer build (make asan, make fuzz) every process reports its own crash
 * (and libFuzzer saves the input as a crash of the fuzz target); the child's crash is the
 * parent's handled error, so the child drops that reporting. Weak: absent in a plain build. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));
extern void __sanitizer_set_report_fd(void *fd) __attribute__((weak));

enum { ISO_EXIT_BASE = 100 }; /* child exit code = ISO_EXIT_BASE + FsStatus on a clean error */

static double read_timeout(double t)
{
    if (t > 0) return t;
    const char *e = getenv("FSWEEP_READ_TIMEOUT");
    char *end = NULL;
    double v = e ? strtod(e, &end) : 0;
    return (e && end != e && *end == 0 && v > 0) ? v : 60.0;
}

FsStatus fs_isolated(const char *what, FsIsolatedFn fn, void *arg, double timeout_s)
{
    const char *on = getenv("FSWEEP_ISOLATE");
    if (on && !strcmp(on, "0")) return FS_OK;
    const double limit = read_timeout(timeout_s);
    int fd[2];
    if (pipe(fd) != 0)
        return fs_errorf(FS_ERR_IO, "%s: cannot check it in a child process: pipe: %s", what,
                         strerror(errno));
    fflush(NULL); /* nothing buffered twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return fs_errorf(FS_ERR_IO, "%s: cannot check it in a child process: fork: %s", what,
                         strerror(errno));
    }
    if (pid == 0) { /* the child: read, report, leave without running anything of the parent's */
        close(fd[0]);
        if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(NULL);
        if (__sanitizer_set_report_fd) { /* its report would land in a file (libFuzzer's fd use) */
            int null_fd = open("/dev/null", O_WRONLY);
            if (null_fd >= 0) __sanitizer_set_report_fd((void *)(intptr_t)null_fd);
        }
        static const int deadly[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
        for (size_t i = 0; i < FS_ARRAY_LEN(deadly); i++) signal(deadly[i], SIG_DFL);
        FsStatus st = fn(arg);
        if (st != FS_OK) {
            const char *m = fs_last_error();
            size_t n = strlen(m), off = 0;
            while (off < n) {
                ssize_t w = write(fd[1], m + off, n - off);
                if (w <= 0) break;
                off += (size_t)w;
            }
        }
        close(fd[1]);
        _exit(st == FS_OK ? 0 : ISO_EXIT_BASE + (int)st);
    }
    close(fd[1]);
    const double t0 = fs_now();
    int status = 0, timed_out = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) {
            close(fd[0]);
            return fs_errorf(FS_ERR_IO, "%s: waitpid: %s", what, strerror(errno));
        }
        if (fs_now() - t0 > limit) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
            timed_out = 1;
            break;
        }
        struct timespec ts = {0, 2000000}; /* 2 ms */
        nanosleep(&ts, NULL);
    }
    char msg[1024];
    size_t got = 0;
    for (;;) { /* the child's message, if any (it is small: one line) */
        ssize_t r = read(fd[0], msg + got, sizeof msg - 1 - got);
        if (r > 0 && got + (size_t)r < sizeof msg - 1) {
            got += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        break;
    }
    msg[got] = 0;
    close(fd[0]);
    if (timed_out)
        return fs_errorf(FS_ERR_FORMAT, "%s: reading it did not finish in %g s (a damaged file can "
                         "make the HDF5 library loop; FSWEEP_READ_TIMEOUT sets the limit)", what, limit);
    if (WIFSIGNALED(status))
        return fs_errorf(FS_ERR_FORMAT, "%s: reading it crashed the reading process (signal %d): a "
                         "damaged HDF5 file", what, WTERMSIG(status));
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0) return FS_OK;
    if (code > ISO_EXIT_BASE && code < ISO_EXIT_BASE + FS_STATUS_COUNT)
        return fs_errorf((FsStatus)(code - ISO_EXIT_BASE), "%s", got ? msg : what);
    return fs_errorf(FS_ERR_FORMAT, "%s: reading it failed inside a library (exit %d): a damaged "
                     "HDF5 file", what, code);
}
