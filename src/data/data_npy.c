/* data_npy.c: NumPy .npy arrays (format versions 1-3, C order): images as uint8 (N, H, W, C) or
 * (N, H, W) -- the layout of CIFAR-10-C / ImageNet-C style downloads -- or float32 in [0, 1] (finite, any
 * value with unclipped: the band sets of `fsweep ood`; the first pixel outside is named);
 * labels as any integer dtype (N). Only what such files use is accepted; anything else fails
 * with a one-line error naming the file, the header offset and what was expected. */
#include "data_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char kind;       /* 'u', 'i', 'f' */
    int size;        /* bytes per element */
    int little;      /* 1: little endian or single byte */
    int ndim;
    int64_t shape[4];
    long data_off;   /* offset of the first element */
} NpyHeader;

static FsStatus npy_header(FILE *f, const char *path, NpyHeader *h)
{
    unsigned char pre[10];
    if (fread(pre, 1, 10, f) != 10) return fs_errorf(FS_ERR_FORMAT, "%s: truncated at offset 0: expected a 10-byte .npy preamble", path);
    if (memcmp(pre, "\x93NUMPY", 6) != 0)
        return fs_errorf(FS_ERR_FORMAT, "%s: offset 0: wrong magic, expected \\x93NUMPY (.npy file)", path);
    int major = pre[6];
    long hlen, off = 10;
    if (major == 1) {
        hlen = pre[8] | (pre[9] << 8);
    } else if (major == 2 || major == 3) {
        unsigned char b2[2];
        if (fread(b2, 1, 2, f) != 2) return fs_errorf(FS_ERR_FORMAT, "%s: truncated .npy header", path);
        hlen = (long)pre[8] | ((long)pre[9] << 8) | ((long)b2[0] << 16) | ((long)b2[1] << 24);
        off = 12;
    } else {
        return fs_errorf(FS_ERR_FORMAT, "%s: offset 6: .npy version %d, expected 1, 2 or 3", path, major);
    }
    if (hlen <= 0 || hlen > 1 << 20) return fs_errorf(FS_ERR_FORMAT, "%s: offset 8: header length %ld implausible", path, hlen);
    char *txt = xmalloc((size_t)hlen + 1);
    if (fread(txt, 1, (size_t)hlen, f) != (size_t)hlen) {
        free(txt);
        return fs_errorf(FS_ERR_FORMAT, "%s: truncated .npy header (%ld bytes expected at offset %ld)", path, hlen, off);
    }
    txt[hlen] = 0;
    h->data_off = off + hlen;
    FsStatus st = FS_OK;
    const char *d = strstr(txt, "'descr'"), *fo = strstr(txt, "'fortran_order'"), *sh = strstr(txt, "'shape'");
    if (!d || !fo || !sh) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: offset %ld: .npy header lacks descr/fortran_order/shape", path, off);
        goto done;
    }
    const char *q = strchr(d + 7, '\'');
    if (!q || strlen(q) < 4) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: offset %ld: unreadable descr", path, off);
        goto done;
    }
    char endian = q[1];
    h->kind = q[2];
    h->size = (int)strtol(q + 3, NULL, 10);
    h->little = endian == '<' || endian == '|' || (endian == '=' && h->size == 1);
    if (!strchr("uif", h->kind) || h->size < 1 || h->size > 8 || (endian == '>' && h->size > 1)) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: offset %ld: dtype '%.6s' unsupported, expected little-endian integers or float32", path, off, q + 1);
        goto done;
    }
    if (strstr(fo, "True") && strstr(fo, "True") < sh) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: offset %ld: fortran_order True unsupported, expected C order", path, off);
        goto done;
    }
    const char *p = strchr(sh, '(');
    h->ndim = 0;
    if (!p) {
        st = fs_errorf(FS_ERR_FORMAT, "%s: offset %ld: unreadable shape", path, off);
        goto done;
    }
    p++;
    while (*p && *p != ')') {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || h->ndim == 4) {
            st = fs_errorf(FS_ERR_FORMAT, "%s: offset %ld: shape must hold 1 to 4 non-negative integers", path, off);
            goto done;
        }
        h->shape[h->ndim++] = v;
        p = end;
    }
done:
    free(txt);
    return st;
}

/* Read the whole payload (count elements) after the header; checks the file length. */
static FsStatus npy_payload(FILE *f, const char *path, const NpyHeader *h, int64_t count, void **out)
{
    size_t bytes = fs_mul_size((size_t)count, (size_t)h->size, "npy payload");
    if (fseek(f, 0, SEEK_END) != 0) return fs_errorf(FS_ERR_IO, "%s: cannot seek", path);
    long len = ftell(f);
    if (len < h->data_off + (long)bytes)
        return fs_errorf(FS_ERR_FORMAT, "%s: truncated at offset %ld: expected %zu bytes of data from offset %ld", path, len,
                         bytes, h->data_off);
    if (fseek(f, h->data_off, SEEK_SET) != 0) return fs_errorf(FS_ERR_IO, "%s: cannot seek", path);
    *out = xmalloc(bytes ? bytes : 1);
    if (fread(*out, 1, bytes, f) != bytes) {
        free(*out);
        *out = NULL;
        return fs_errorf(FS_ERR_IO, "%s: short read at offset %ld", path, h->data_off);
    }
    return FS_OK;
}

static int64_t npy_int(const unsigned char *p, const NpyHeader *h)
{
    uint64_t v = 0;
    for (int b = h->size - 1; b >= 0; b--) v = (v << 8) | p[b];
    if (h->kind == 'i' && h->size < 8 && (v >> (8 * h->size - 1)) & 1) v |= ~0ULL << (8 * h->size);
    return (int64_t)v;
}

FsStatus data_load_npy(const char *images, const char *labels, int first, int count, int kmax, int unclipped,
                       Dataset *out)
{
    memset(out, 0, sizeof *out);
    FILE *fi = fopen(images, "rb");
    if (!fi) return fs_errorf(FS_ERR_IO, "%s: cannot open .npy file", images);
    FILE *fl = fopen(labels, "rb");
    if (!fl) {
        fclose(fi);
        return fs_errorf(FS_ERR_IO, "%s: cannot open .npy file", labels);
    }
    NpyHeader hi, hl;
    memset(&hi, 0, sizeof hi);
    memset(&hl, 0, sizeof hl);
    void *px = NULL, *lb = NULL;
    FsStatus st = npy_header(fi, images, &hi);
    if (!st) st = npy_header(fl, labels, &hl);
    if (!st && !((hi.kind == 'u' && hi.size == 1) || (hi.kind == 'f' && hi.size == 4)))
        st = fs_errorf(FS_ERR_FORMAT, "%s: images must be uint8 (0..255) or float32 ([0, 1])", images);
    if (!st && (hi.ndim < 3 || (hi.ndim == 4 && hi.shape[3] != 1 && hi.shape[3] != 3)))
        st = fs_errorf(FS_ERR_FORMAT, "%s: image shape must be (N, H, W) or (N, H, W, 1|3), got %d dims", images, hi.ndim);
    if (!st && (hl.ndim != 1 || hl.kind == 'f'))
        st = fs_errorf(FS_ERR_FORMAT, "%s: labels must be a 1-D integer array", labels);
    if (!st && hl.shape[0] != hi.shape[0])
        st = fs_errorf(FS_ERR_FORMAT, "%s: %lld images but %s has %lld labels: counts must match", images,
                       (long long)hi.shape[0], labels, (long long)hl.shape[0]);
    int64_t n = st ? 0 : hi.shape[0];
    if (!st && count < 0) count = (int)(n - first);
    if (!st && (first < 0 || count < 0 || first + (int64_t)count > n))
        st = fs_errorf(FS_ERR_FORMAT, "%s: rows [%d, %lld) requested but the file holds %lld images", images, first,
                       (long long)first + count, (long long)n);
    int h = 0, w = 0, c = 1;
    if (!st) {
        h = (int)hi.shape[1];
        w = (int)hi.shape[2];
        c = hi.ndim == 4 ? (int)hi.shape[3] : 1;
        if (h < 1 || w < 1 || h > 4096 || w > 4096) st = fs_errorf(FS_ERR_FORMAT, "%s: image size %dx%d implausible", images, h, w);
    }
    if (!st) st = npy_payload(fi, images, &hi, n * h * w * c, &px);
    if (!st) st = npy_payload(fl, labels, &hl, n, &lb);
    fclose(fi);
    fclose(fl);
    if (st) {
        free(px);
        free(lb);
        return st;
    }
    int k = 0;
    for (int i = 0; i < count; i++) {
        int64_t v = npy_int((const unsigned char *)lb + (size_t)(first + i) * hl.size, &hl);
        if (v < 0 || (kmax > 0 && v >= kmax) || v > 100000) {
            st = fs_errorf(FS_ERR_FORMAT, "%s: label %d (offset %ld) is %lld, out of range [0, %d)", labels, first + i,
                           hl.data_off + (long)(first + i) * hl.size, (long long)v, kmax > 0 ? kmax : 100000);
            free(px);
            free(lb);
            return st;
        }
        if (v + 1 > k) k = (int)v + 1;
    }
    if (hi.kind == 'f') { /* the documented range: finite, in [0, 1] (unclipped: any finite value) */
        size_t per = (size_t)h * w * c;
        const float *fp = (const float *)px + (size_t)first * per;
        for (size_t e = 0; e < (size_t)count * per; e++)
            if (!isfinite(fp[e]) || (!unclipped && (fp[e] < 0.0f || fp[e] > 1.0f))) {
                size_t i = e / per, r = e % per;
                st = fs_errorf(FS_ERR_FORMAT, "%s: image %zu, pixel (row %zu, column %zu, channel %zu) at offset %ld is %g: "
                               "expected a finite float32 %s", images, (size_t)first + i, r / ((size_t)w * c),
                               (r / (size_t)c) % (size_t)w, r % (size_t)c,
                               hi.data_off + (long)(((size_t)first * per + e) * 4), (double)fp[e],
                               unclipped ? "value" : "in [0, 1] (the band sets `fsweep ood` writes: add ?unclipped=1)");
                free(px);
                free(lb);
                return st;
            }
    }
    if (kmax > 0) k = kmax;
    if (k < 2) k = 2;
    dataset_alloc(out, count, c, h, w, k);
    size_t hw = (size_t)h * w;
    for (int i = 0; i < count; i++) {
        size_t src0 = (size_t)(first + i) * hw * c;
        for (size_t p = 0; p < hw; p++)
            for (int ch = 0; ch < c; ch++) { /* HWC -> CHW */
                size_t s = src0 + p * c + ch;
                float v = hi.kind == 'u' ? (float)((const unsigned char *)px)[s] / 255.0f : ((const float *)px)[s];
                out->x[((size_t)i * c + ch) * hw + p] = v;
            }
        out->y[i] = (int32_t)npy_int((const unsigned char *)lb + (size_t)(first + i) * hl.size, &hl);
    }
    free(px);
    free(lb);
    return FS_OK;
}

FsStatus data_write_npy(const char *path, const char *descr, int ndim, const int64_t *shape, const void *data,
                        size_t bytes)
{
    char dict[256], sh[128] = "(";
    for (int i = 0; i < ndim; i++) {
        size_t l = strlen(sh);
        snprintf(sh + l, sizeof sh - l, "%lld%s", (long long)shape[i], ndim == 1 ? ",)" : i + 1 < ndim ? ", " : ")");
    }
    int l = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, sh);
    int hlen = ((10 + l + 1 + 63) / 64) * 64 - 10; /* header padded to a multiple of 64 */
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 255), (unsigned char)(hlen >> 8)};
    char *hdr = xmalloc((size_t)hlen);
    memset(hdr, ' ', (size_t)hlen);
    memcpy(hdr, dict, (size_t)l);
    hdr[hlen - 1] = '\n';
    FILE *f = fopen(path, "wb");
    FsStatus st = FS_OK;
    if (!f) st = fs_errorf(FS_ERR_IO, "%s: cannot create", path);
    else if (fwrite(pre, 1, 10, f) != 10 || fwrite(hdr, 1, (size_t)hlen, f) != (size_t)hlen ||
             fwrite(data, 1, bytes, f) != bytes)
        st = fs_errorf(FS_ERR_IO, "%s: write failed", path);
    if (f && fclose(f) != 0 && !st) st = fs_errorf(FS_ERR_IO, "%s: close failed", path);
    free(hdr);
    return st;
}

FsStatus data_write_npy_images(const char *path, const Dataset *d, int as_uint8)
{
    size_t hw = (size_t)d->h * d->w, per = (size_t)d->c * hw, n = (size_t)d->n * per;
    int64_t shape[4] = {d->n, d->h, d->w, d->c};
    void *buf = xmalloc(n * (as_uint8 ? 1 : sizeof(float)));
    for (size_t i = 0; i < (size_t)d->n; i++)
        for (size_t p = 0; p < hw; p++)
            for (int c = 0; c < d->c; c++) { /* CHW -> HWC */
                float v = d->x[i * per + (size_t)c * hw + p];
                size_t o = (i * hw + p) * (size_t)d->c + (size_t)c;
                if (as_uint8) {
                    double q = floor(255.0 * (double)v + 0.5);
                    ((unsigned char *)buf)[o] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
                } else {
                    ((float *)buf)[o] = v;
                }
            }
    FsStatus st = data_write_npy(path, as_uint8 ? "|u1" : "<f4", 4, shape, buf, n * (as_uint8 ? 1 : sizeof(float)));
    free(buf);
    return st;
}
