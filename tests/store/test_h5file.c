/* test_h5file.c: round trips through the HDF5 helpers, shape checks and error messages. */
#include "h5file.h"
#include "harness.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void make_path(void) { snprintf(path, sizeof path, "/tmp/fsweep_h5_%d.h5", (int)getpid()); }

static void test_roundtrip(void)
{
    make_path();
    H5File *f = h5f_create(path);
    EXPECT(f != NULL);
    if (!f) return;
    float a[2 * 3 * 4];
    for (int i = 0; i < 24; i++) a[i] = 0.5f * (float)i - 3.0f;
    int64_t dims[3] = {2, 3, 4};
    EXPECT(h5f_write(f, "/g/sub/layer1.0.conv1.weight", FSH5_F32, 3, dims, a) == FS_OK);
    int64_t one = 1;
    int64_t nbt = 42;
    EXPECT(h5f_write(f, "/num_batches_tracked", FSH5_I64, 0, &one, &nbt) == FS_OK);
    /* a large dataset goes through the chunked + deflate path */
    const int64_t big = 100000;
    double *d = xmalloc(sizeof(double) * (size_t)big);
    for (int64_t i = 0; i < big; i++) d[i] = (double)(i % 97) * 0.25;
    EXPECT(h5f_write(f, "/big", FSH5_F64, 1, &big, d) == FS_OK);
    EXPECT(h5f_attr_set_str(f, "/", "arch", "resnet18") == FS_OK);
    EXPECT(h5f_attr_set_i64(f, "/g", "k", 10) == FS_OK);
    EXPECT(h5f_attr_set_f64(f, "/g/sub/layer1.0.conv1.weight", "scale", 0.25) == FS_OK);
    double mean[3] = {0.1, 0.2, 0.3};
    EXPECT(h5f_attr_set_f64_array(f, "/", "mean", 3, mean) == FS_OK);
    const char *names[] = {"cat", "dog", "zebra"};
    EXPECT(h5f_write_strings(f, "/classes", 3, names) == FS_OK);
    EXPECT(h5f_close(f) == FS_OK);

    f = h5f_open(path, 0);
    EXPECT(f != NULL);
    if (!f) return;
    float b[24];
    EXPECT(h5f_read_into(f, "/g/sub/layer1.0.conv1.weight", FSH5_F32, 3, dims, b) == FS_OK);
    EXPECT(memcmp(a, b, sizeof a) == 0);
    int64_t wrong[3] = {2, 4, 3};
    EXPECT(h5f_read_into(f, "/g/sub/layer1.0.conv1.weight", FSH5_F32, 3, wrong, b) == FS_ERR_FORMAT);
    EXPECT(strstr(fs_last_error(), "(2,3,4)") && strstr(fs_last_error(), "expected (2,4,3)"));
    int rank;
    int64_t got[FSH5_MAX_RANK];
    void *buf = NULL;
    EXPECT(h5f_read(f, "/big", FSH5_F64, &rank, got, &buf) == FS_OK && rank == 1 && got[0] == big);
    EXPECT(buf && memcmp(buf, d, sizeof(double) * (size_t)big) == 0);
    free(buf);
    free(d);
    char *s = NULL;
    EXPECT(h5f_attr_get_str(f, "/", "arch", &s) == FS_OK && s && !strcmp(s, "resnet18"));
    free(s);
    int64_t k = 0;
    EXPECT(h5f_attr_get_i64(f, "/g", "k", &k) == FS_OK && k == 10);
    double *m = NULL;
    int n = 0;
    EXPECT(h5f_attr_get_f64_array(f, "/", "mean", &n, &m) == FS_OK && n == 3 && m[2] == 0.3);
    free(m);
    char **strs = NULL;
    EXPECT(h5f_read_strings(f, "/classes", &n, &strs) == FS_OK && n == 3 && !strcmp(strs[2], "zebra"));
    for (int i = 0; i < n; i++) free(strs[i]);
    free(strs);
    char **kids = NULL;
    EXPECT(h5f_list(f, "/", &kids, &n) == FS_OK && n == 4);
    if (n == 4) EXPECT(!strcmp(kids[0], "big") && !strcmp(kids[1], "classes") && !strcmp(kids[2], "g"));
    for (int i = 0; i < n; i++) free(kids[i]);
    free(kids);
    EXPECT(h5f_exists(f, "/g/sub") && !h5f_exists(f, "/g/nope") && !h5f_exists(f, "/x/y"));
    EXPECT(h5f_read(f, "/missing", FSH5_F32, &rank, got, &buf) == FS_ERR_FORMAT);
    EXPECT(strstr(fs_last_error(), "/missing") != NULL);
    EXPECT(h5f_attr_get_str(f, "/", "nope", &s) == FS_ERR_FORMAT);
    h5f_close(f);
    remove(path);
}

static void test_bad_files(void)
{
    make_path();
    EXPECT(h5f_open("/nonexistent/x.h5", 0) == NULL);
    EXPECT(strstr(fs_last_error(), "/nonexistent/x.h5") != NULL);
    FILE *fp = fopen(path, "w");
    fputs("not hdf5", fp);
    fclose(fp);
    EXPECT(h5f_open(path, 0) == NULL);
    EXPECT(strstr(fs_last_error(), "not an HDF5 file") != NULL);
    remove(path);
}

static void test_scales(void)
{
    make_path();
    H5File *f = h5f_create(path);
    if (!f) {
        EXPECT(f != NULL);
        return;
    }
    double cls[3] = {0, 1, 2}, v[6] = {1, 2, 3, 4, 5, 6};
    int64_t d3 = 3, d2[2] = {3, 2}, d2b = 2;
    double fx[2] = {-1, 0};
    EXPECT(h5f_write(f, "/m/class", FSH5_F64, 1, &d3, cls) == FS_OK);
    EXPECT(h5f_write(f, "/m/fx", FSH5_F64, 1, &d2b, fx) == FS_OK);
    EXPECT(h5f_write(f, "/m/acc", FSH5_F64, 2, d2, v) == FS_OK);
    EXPECT(h5f_make_scale(f, "/m/class", "class") == FS_OK);
    EXPECT(h5f_make_scale(f, "/m/fx", "fx") == FS_OK);
    EXPECT(h5f_attach_scale(f, "/m/acc", "/m/class", 0) == FS_OK);
    EXPECT(h5f_attach_scale(f, "/m/acc", "/m/fx", 1) == FS_OK);
    EXPECT(h5f_close(f) == FS_OK);
    remove(path);
}

/* Extendible NaN-filled datasets written by slabs, and compound tables with strings. */
static void test_slabs_tables(void)
{
    make_path();
    H5File *f = h5f_create(path);
    EXPECT(f != NULL);
    if (!f) return;
    const int64_t dims[2] = {1, 3}, maxd[2] = {FSH5_UNLIMITED, 3}, chunk[2] = {1, 3};
    EXPECT(h5f_create_dataset(f, "/r/acc", FSH5_F32, 2, dims, maxd, chunk,
                              FSH5_FILL_NAN | FSH5_COMPRESS) == FS_OK);
    const int64_t grown[2] = {2, 3}, start[2] = {1, 1}, count[2] = {1, 2};
    EXPECT(h5f_set_extent(f, "/r/acc", grown) == FS_OK);
    const double v[2] = {0.25, 0.5};
    EXPECT(h5f_write_slab(f, "/r/acc", FSH5_F64, 2, start, count, v) == FS_OK);
    int rank = 0;
    int64_t got[FSH5_MAX_RANK];
    size_t elem = 0;
    EXPECT(h5f_shape(f, "/r/acc", &rank, got, &elem) == FS_OK && rank == 2 && got[0] == 2 &&
           got[1] == 3 && elem == 4);
    double all[6];
    const int64_t zero[2] = {0, 0};
    EXPECT(h5f_read_slab(f, "/r/acc", FSH5_F64, 2, zero, grown, all) == FS_OK);
    EXPECT(isnan(all[0]) && isnan(all[3]) && all[4] == 0.25 && all[5] == 0.5);
    const char *names[2] = {"a", "bé"};
    const int64_t two = 2, mx = FSH5_UNLIMITED, ch = 64, z = 0;
    EXPECT(h5f_create_dataset(f, "/r/names", FSH5_STR, 1, &two, &mx, &ch, 0) == FS_OK);
    EXPECT(h5f_write_slab(f, "/r/names", FSH5_STR, 1, &z, &two, names) == FS_OK);
    int ns = 0;
    char **rs = NULL;
    EXPECT(h5f_read_strings(f, "/r/names", &ns, &rs) == FS_OK && ns == 2 && !strcmp(rs[1], "bé"));
    for (int i = 0; i < ns; i++) free(rs[i]);
    free(rs);

    typedef struct {
        uint64_t id;
        const char *name;
        double x;
    } Row;
    const FsH5Field fields[3] = {{"id", offsetof(Row, id), FSH5_U64},
                                 {"name", offsetof(Row, name), FSH5_STR},
                                 {"x", offsetof(Row, x), FSH5_F64}};
    H5Table *t = h5f_table_type(sizeof(Row), 3, fields);
    EXPECT(t != NULL);
    if (!t) {
        h5f_close(f);
        return;
    }
    Row r1 = {7, "seven", 7.5}, r2 = {(uint64_t)1 << 63, "big", -1};
    EXPECT(h5f_table_append(f, "/t", t, &r1) == FS_OK);
    EXPECT(h5f_table_append(f, "/t", t, &r2) == FS_OK);
    void *raw = NULL;
    int64_t n = 0;
    EXPECT(h5f_table_read(f, "/t", t, &raw, &n) == FS_OK && n == 2);
    const Row *rows = raw;
    EXPECT(n == 2 && rows[0].id == 7 && !strcmp(rows[0].name, "seven") && rows[1].x == -1 &&
           rows[1].id == (uint64_t)1 << 63 && !strcmp(rows[1].name, "big"));
    h5f_table_rows_free(t, raw, n);
    EXPECT(h5f_close(f) == FS_OK);
    /* a shared reader sees the table */
    H5File *g = h5f_open_shared(path);
    EXPECT(g != NULL && h5f_exists(g, "/t"));
    EXPECT(h5f_table_read(g, "/t", t, &raw, &n) == FS_OK && n == 2);
    h5f_table_rows_free(t, raw, n);
    EXPECT(h5f_close(g) == FS_OK);
    h5f_table_type_free(t);
    EXPECT(h5f_open_shared("/nonexistent/x.h5") == NULL && strstr(fs_last_error(), "no such file"));
    remove(path);
}

TEST_MAIN({"roundtrip", test_roundtrip}, {"bad_files", test_bad_files}, {"scales", test_scales},
          {"slabs_tables", test_slabs_tables})
