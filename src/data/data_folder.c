/* data_folder.c: ImageFolder trees root/<class>/<image>.png|jpg|jpeg, decoded by the codec
 * module (PNG or JPEG by signature) to planar floats in [0, 1], resized to size x size. */
#include "codec.h"
#include "data_internal.h"
#include "log.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_dir(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0 && S_ISDIR(s.st_mode);
}

static int has_image_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

/* Sorted entries of dir (no hidden ones); want_dirs selects folders or image files. */
static FsStatus list_dir(const char *dir, int want_dirs, char ***names, int *n)
{
    DIR *d = opendir(dir);
    if (!d) return fs_errorf(FS_ERR_IO, "%s: cannot open folder", dir);
    int cap = 16;
    *n = 0;
    *names = xmalloc((size_t)cap * sizeof **names);
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        fs_snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int isd = is_dir(path);
        if (want_dirs ? !isd : (isd || !has_image_ext(e->d_name))) continue;
        if (*n == cap) *names = xrealloc(*names, (size_t)(cap *= 2) * sizeof **names);
        (*names)[(*n)++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(*names, (size_t)*n, sizeof **names, cmp_str);
    return FS_OK;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

FsStatus data_decode_image(const char *path, int channels, float **px, int *h, int *w)
{
    uint8_t *buf = NULL; /* (h, w, channels) bytes */
    FsStatus st = codec_image_read(path, channels, &buf, h, w);
    if (st) return st;
    size_t hw = (size_t)*h * (size_t)*w;
    *px = xmalloc(fs_mul_size(hw, (size_t)channels * sizeof **px, "image pixels"));
    for (int c = 0; c < channels; c++) /* interleaved HWC -> planar CHW */
        for (size_t i = 0; i < hw; i++) (*px)[(size_t)c * hw + i] = (float)buf[i * (size_t)channels + (size_t)c] / 255.0f;
    free(buf);
    return FS_OK;
}

FsStatus data_load_folder(const char *dir, int size, int channels, char *const *classes,
                          int nclasses, Dataset *out)
{
    memset(out, 0, sizeof *out);
    if (!is_dir(dir)) return fs_errorf(FS_ERR_IO, "%s: not a folder: expected root/<class>/<image>", dir);
    char **cls = NULL;
    int k = 0;
    FsStatus st = FS_OK;
    if (classes && nclasses > 0) {
        cls = dataset_copy_names((const char *const *)classes, nclasses);
        k = nclasses;
    } else {
        st = list_dir(dir, 1, &cls, &k);
        if (st) return st;
        if (k == 0) {
            free_names(cls, k);
            return fs_errorf(FS_ERR_FORMAT, "%s: no class folders: expected root/<class>/<image>", dir);
        }
    }
    char ***files = xcalloc((size_t)k, sizeof *files);
    int *nf = xcalloc((size_t)k, sizeof *nf);
    int total = 0;
    char path[4096];
    for (int c = 0; c < k && !st; c++) {
        fs_snprintf(path, sizeof path, "%s/%s", dir, cls[c]);
        if (!is_dir(path)) {
            st = fs_errorf(FS_ERR_IO, "%s: class folder '%s' missing", path, cls[c]);
            break;
        }
        st = list_dir(path, 0, &files[c], &nf[c]);
        if (!st && nf[c] == 0)
            st = fs_errorf(FS_ERR_FORMAT, "%s: empty class folder: expected at least one .png/.jpg image", path);
        total += nf[c];
    }
    if (!st) {
        dataset_alloc(out, total, channels, size, size, k);
        out->class_names = cls;
        cls = NULL;
        int n = 0;
        for (int c = 0; c < k && !st; c++)
            for (int i = 0; i < nf[c] && !st; i++) {
                fs_snprintf(path, sizeof path, "%s/%s/%s", dir, out->class_names[c], files[c][i]);
                float *px = NULL;
                int h = 0, w = 0;
                st = data_decode_image(path, channels, &px, &h, &w);
                if (st) break;
                FS_CHECK(px != NULL, "%s: decoder returned no pixels", path);
                float *dst = out->x + (size_t)n * (size_t)channels * (size_t)size * (size_t)size;
                if (h == size && w == size)
                    memcpy(dst, px, (size_t)channels * (size_t)size * (size_t)size * sizeof *dst);
                else
                    image_resize(px, channels, h, w, dst, size, size);
                free(px);
                out->y[n++] = c;
            }
        if (st) dataset_free(out);
    }
    for (int c = 0; c < k; c++)
        if (files[c]) free_names(files[c], nf[c]);
    free(files);
    free(nf);
    if (cls) free_names(cls, k);
    return st;
}
