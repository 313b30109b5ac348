/* data_idx.c: IDX files (MNIST, Fashion-MNIST), gzipped or plain, read through zlib's gzread
 * (which passes plain files through). Big-endian int32 header, then uint8 row-major data. */
#include "data_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Read exactly n bytes at offset *off; error names the file, offset and what was expected. */
static FsStatus idx_read(gzFile g, const char *path, void *buf, size_t n, size_t *off,
                         const char *what)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = (unsigned)((n - got) > (1u << 30) ? (1u << 30) : (n - got));
        int r = gzread(g, (char *)buf + got, chunk);
        if (r < 0) {
            int e;
            const char *m = gzerror(g, &e);
            return fs_errorf(FS_ERR_FORMAT, "%s: offset %zu: cannot read %s: %s", path, *off + got,
                             what, m ? m : "zlib error");
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    if (got < n)
        return fs_errorf(FS_ERR_FORMAT,
                         "%s: truncated at offset %zu: expected %zu bytes of %s, found %zu", path,
                         *off + got, n, what, got);
    *off += n;
    return FS_OK;
}

/* idx_read into a buffer that grows with the bytes actually there (64 MiB first, then doubling
 * up to n), so a header that declares more data than the file holds is a "truncated" error, not
 * an allocation of what it declares. *buf is xmalloc'd on success, NULL on error. */
static FsStatus idx_read_grow(gzFile g, const char *path, size_t n, size_t *off, const char *what,
                              unsigned char **buf)
{
    size_t cap = n < ((size_t)1 << 26) ? n : ((size_t)1 << 26), got = 0;
    unsigned char *b = xmalloc(cap > 0 ? cap : 1);
    FsStatus st = FS_OK;
    while (got < n) {
        if (got == cap) {
            cap = cap > n / 2 ? n : 2 * cap;
            b = xrealloc(b, cap);
        }
        unsigned chunk = (unsigned)((cap - got) > (1u << 30) ? (1u << 30) : (cap - got));
        int r = gzread(g, b + got, chunk);
        if (r < 0) {
            int e;
            const char *m = gzerror(g, &e);
            st = fs_errorf(FS_ERR_FORMAT, "%s: offset %zu: cannot read %s: %s", path, *off + got,
                           what, m ? m : "zlib error");
            break;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    if (st == FS_OK && got < n)
        st = fs_errorf(FS_ERR_FORMAT, "%s: truncated at offset %zu: expected %zu bytes of %s, found %zu",
                       path, *off + got, n, what, got);
    if (st != FS_OK) {
        free(b);
        *buf = NULL;
        return st;
    }
    *off += n;
    *buf = b;
    return FS_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Open an IDX file and check its magic; returns the dims (up to 3). */
static FsStatus idx_open(const char *path, uint32_t magic, int ndim, gzFile *g, uint32_t *dims,
                         size_t *off)
{
    *g = gzopen(path, "rb");
    if (!*g) return fs_errorf(FS_ERR_IO, "%s: cannot open IDX file", path);
    unsigned char hdr[16];
    *off = 0;
    FsStatus st = idx_read(*g, path, hdr, 4 + 4 * (size_t)ndim, off, "IDX header");
    if (st) {
        gzclose(*g);
        return st;
    }
    uint32_t m = be32(hdr);
    if (m != magic) {
        gzclose(*g);
        return fs_errorf(FS_ERR_FORMAT, "%s: offset 0: wrong magic 0x%08x, expected 0x%08x (IDX %s)",
                         path, m, magic, ndim == 3 ? "images, ubyte, 3 dims" : "labels, ubyte, 1 dim");
    }
    for (int i = 0; i < ndim; i++) dims[i] = be32(hdr + 4 + 4 * i);
    return FS_OK;
}

FsStatus data_load_idx(const char *images, const char *labels, int kmax, Dataset *out)
{
    memset(out, 0, sizeof *out);
    gzFile gi, gl;
    uint32_t di[3] = {0, 0, 0}, dl[1] = {0};
    size_t oi, ol;
    FsStatus st = idx_open(images, 0x00000803u, 3, &gi, di, &oi);
    if (st) return st;
    st = idx_open(labels, 0x00000801u, 1, &gl, dl, &ol);
    if (st) {
        gzclose(gi);
        return st;
    }
    if (di[0] != dl[0]) {
        gzclose(gi);
        gzclose(gl);
        return fs_errorf(FS_ERR_FORMAT, "%s: %u images but %s has %u labels: counts must match",
                         images, di[0], labels, dl[0]);
    }
    if (di[0] == 0 || di[0] > (1u << 28) || di[1] == 0 || di[2] == 0 || di[1] > 4096 ||
        di[2] > 4096) {
        gzclose(gi);
        gzclose(gl);
        return fs_errorf(FS_ERR_FORMAT, "%s: offset 4: implausible shape %u x %u x %u", images,
                         di[0], di[1], di[2]);
    }
    int n = (int)di[0], h = (int)di[1], w = (int)di[2];
    size_t np = fs_mul_size((size_t)n, (size_t)h * (size_t)w, "IDX pixels");
    unsigned char *px = NULL, *lb = NULL;
    st = idx_read_grow(gi, images, np, &oi, "pixel data", &px);
    if (!st) st = idx_read_grow(gl, labels, (size_t)n, &ol, "labels", &lb);
    gzclose(gi);
    gzclose(gl);
    if (st) {
        free(px);
        free(lb);
        return st;
    }
    int k = 0;
    for (int i = 0; i < n; i++) {
        if ((kmax > 0 && lb[i] >= kmax) || (kmax <= 0 && lb[i] > 254)) {
            st = fs_errorf(FS_ERR_FORMAT,
                           "%s: offset %d (label %d): value %d out of range, expected 0..%d",
                           labels, 8 + i, i, lb[i], kmax > 0 ? kmax - 1 : 254);
            free(px);
            free(lb);
            return st;
        }
        if (lb[i] + 1 > k) k = lb[i] + 1;
    }
    if (kmax > 0) k = kmax;
    if (k < 2) k = 2;
    dataset_alloc(out, n, 1, h, w, k);
    for (size_t i = 0; i < np; i++) out->x[i] = (float)px[i] / 255.0f;
    for (int i = 0; i < n; i++) out->y[i] = lb[i];
    free(px);
    free(lb);
    return FS_OK;
}
