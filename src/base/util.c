/* util.c: see util.h. */
#include "util.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *status_names[FS_STATUS_COUNT] = {
    "ok", "I/O error", "malformed data", "bad configuration", "loss diverged (non-finite)",
    "time limit exceeded", "out of memory", "library error", "interrupted (resumable)",
    "internal error",
};

const char *fs_status_str(FsStatus s)
{
    return (s >= 0 && s < FS_STATUS_COUNT) ? status_names[s] : "unknown status";
}

static FsDieHook die_hook;
void fs_set_die_hook(FsDieHook hook) { die_hook = hook; }

void fs_die(const char *file, int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_emit(LOG_LVL_ERROR, file, line, "%s", msg);
    fflush(stdout);
    fflush(stderr);
    if (die_hook) die_hook(1);
    exit(1);
}

static _Thread_local char last_error[1024];

FsStatus fs_errorf(FsStatus code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}
const char *fs_last_error(void) { return last_error; }
void fs_clear_error(void) { last_error[0] = 0; }

void *fs_malloc_at(size_t n, const char *file, int line)
{
    void *p = malloc(n ? n : 1);
    if (!p) fs_die(file, line, "out of memory allocating %zu bytes", n);
    return p;
}
void *fs_calloc_at(size_t n, size_t size, const char *file, int line)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) fs_die(file, line, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}
void *fs_realloc_at(void *p, size_t n, const char *file, int line)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) fs_die(file, line, "out of memory reallocating to %zu bytes", n);
    return q;
}
void *fs_aligned_alloc_at(size_t align, size_t n, const char *file, int line)
{
    void *p = NULL;
    if (posix_memalign(&p, align, n ? n : 1) != 0)
        fs_die(file, line, "out of memory allocating %zu bytes aligned to %zu", n, align);
    return p;
}
char *fs_strdup_at(const char *s, const char *file, int line)
{
    size_t n = strlen(s) + 1;
    char *p = fs_malloc_at(n, file, line);
    memcpy(p, s, n);
    return p;
}
size_t fs_mul_size(size_t a, size_t b, const char *what)
{
    if (a && b > SIZE_MAX / a) FS_DIE("size overflow computing %s (%zu x %zu)", what, a, b);
    return a * b;
}

FILE *fs_fopen_or_die(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f) FS_DIE("%s: cannot open (%s): %s", path, mode, strerror(errno));
    return f;
}
void fs_fread_or_die(void *buf, size_t size, size_t n, FILE *f, const char *path)
{
    if (fread(buf, size, n, f) != n)
        FS_DIE("%s: short read (%s)", path, ferror(f) ? strerror(errno) : "unexpected end of file");
}
void fs_fwrite_or_die(const void *buf, size_t size, size_t n, FILE *f, const char *path)
{
    if (fwrite(buf, size, n, f) != n) FS_DIE("%s: write failed: %s", path, strerror(errno));
}
void fs_fclose_or_die(FILE *f, const char *path)
{
    if (fclose(f) != 0) FS_DIE("%s: close failed: %s", path, strerror(errno));
}

FsStatus fs_read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fs_errorf(FS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) buf = xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return fs_errorf(FS_ERR_IO, "%s: read error", path);
    }
    buf[n] = 0;
    *out = buf;
    if (len) *len = n;
    return FS_OK;
}

FsStatus fs_write_file_atomic(const char *path, const void *buf, size_t len)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return fs_errorf(FS_ERR_IO, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return fs_errorf(FS_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    const char *p = buf;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            close(fd);
            return fs_errorf(FS_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0)
        return fs_errorf(FS_ERR_IO, "%s: sync/close failed: %s", tmp, strerror(errno));
    if (rename(tmp, path) != 0)
        return fs_errorf(FS_ERR_IO, "%s: rename failed: %s", path, strerror(errno));
    return FS_OK;
}

int fs_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

FsStatus fs_mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return fs_errorf(FS_ERR_IO, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return fs_errorf(FS_ERR_IO, "%s: cannot create directory: %s", buf,
                                 strerror(errno));
            *p = c;
            if (!c) break;
        }
    }
    return FS_OK;
}

FsStatus fs_parse_long(const char *s, long lo, long hi, const char *what, long *out)
{
    if (!s || !*s) return fs_errorf(FS_ERR_CONFIG, "%s: empty value, expected an integer", what);
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return fs_errorf(FS_ERR_CONFIG, "%s: '%s' is not an integer in [%ld, %ld]", what, s, lo,
                         hi);
    *out = v;
    return FS_OK;
}

FsStatus fs_parse_int(const char *s, int lo, int hi, const char *what, int *out)
{
    long v = 0;
    FsStatus st = fs_parse_long(s, lo, hi, what, &v);
    if (st == FS_OK) *out = (int)v;
    return st;
}

FsStatus fs_parse_double(const char *s, double lo, double hi, const char *what, double *out)
{
    if (!s || !*s) return fs_errorf(FS_ERR_CONFIG, "%s: empty value, expected a number", what);
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return fs_errorf(FS_ERR_CONFIG, "%s: '%s' is not a number in [%g, %g]", what, s, lo, hi);
    *out = v;
    return FS_OK;
}

/* Split on commas, trimming blanks; calls fn for each item. */
static FsStatus parse_list(const char *s, const char *what, void *out, int *n, int is_int,
                           double lo, double hi)
{
    if (!s || !*s) return fs_errorf(FS_ERR_CONFIG, "%s: empty list", what);
    char *copy = xstrdup(s), *save = NULL;
    int cap = 8, cnt = 0;
    void *arr = xmalloc((size_t)cap * (is_int ? sizeof(int) : sizeof(double)));
    FsStatus st = FS_OK;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t') tok++;
        char *e = tok + strlen(tok);
        while (e > tok && (e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
        if (cnt == cap) arr = xrealloc(arr, (size_t)(cap *= 2) * (is_int ? sizeof(int) : sizeof(double)));
        if (is_int)
            st = fs_parse_int(tok, (int)lo, (int)hi, what, (int *)arr + cnt);
        else
            st = fs_parse_double(tok, lo, hi, what, (double *)arr + cnt);
        if (st != FS_OK) break;
        cnt++;
    }
    free(copy);
    if (st == FS_OK && cnt == 0) st = fs_errorf(FS_ERR_CONFIG, "%s: empty list", what);
    if (st != FS_OK) {
        free(arr);
        return st;
    }
    *(void **)out = arr;
    *n = cnt;
    return FS_OK;
}
FsStatus fs_parse_int_list(const char *s, int lo, int hi, const char *what, int **out, int *n)
{
    return parse_list(s, what, out, n, 1, lo, hi);
}
FsStatus fs_parse_double_list(const char *s, double lo, double hi, const char *what,
                              double **out, int *n)
{
    return parse_list(s, what, out, n, 0, lo, hi);
}

int fs_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= n) FS_DIE("string truncated (%d bytes needed, %zu available)", r, n);
    return r;
}

void fsbuf_printf(FsBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    FS_CHECK(need >= 0, "fsbuf_printf: bad format");
    if (b->len + (size_t)need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + (size_t)need + 1) cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)need;
}
void fsbuf_free(FsBuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

uint64_t fs_hash64(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}
