/* test_util.c: parsing, RNG streams, string buffers, hashing. */
#include "harness.h"
#include "rng.h"
#include "util.h"

static void test_parse_long(void)
{
    long v = 0;
    EXPECT(fs_parse_long("42", 0, 100, "x", &v) == FS_OK && v == 42);
    EXPECT(fs_parse_long("-3", -5, 5, "x", &v) == FS_OK && v == -3);
    EXPECT(fs_parse_long("101", 0, 100, "epochs", &v) == FS_ERR_CONFIG);
    EXPECT(strstr(fs_last_error(), "epochs") && strstr(fs_last_error(), "101"));
    EXPECT(fs_parse_long("12abc", 0, 100, "x", &v) == FS_ERR_CONFIG);
    EXPECT(fs_parse_long("", 0, 100, "x", &v) == FS_ERR_CONFIG);
    EXPECT(fs_parse_long("99999999999999999999999", 0, 100, "x", &v) == FS_ERR_CONFIG);
}

static void test_parse_double(void)
{
    double d = 0;
    EXPECT(fs_parse_double("0.01", 0, 1, "lr", &d) == FS_OK && fabs(d - 0.01) < 1e-15);
    EXPECT(fs_parse_double("1e-4", 0, 1, "wd", &d) == FS_OK);
    EXPECT(fs_parse_double("nan", 0, 1, "lr", &d) == FS_ERR_CONFIG);
    EXPECT(fs_parse_double("2", 0, 1, "lr", &d) == FS_ERR_CONFIG);
    EXPECT(fs_parse_double("0.5x", 0, 1, "lr", &d) == FS_ERR_CONFIG);
}

static void test_parse_lists(void)
{
    int *a = NULL, n = 0;
    EXPECT(fs_parse_int_list("1, 5,10 ,20", 0, 100, "top", &a, &n) == FS_OK);
    EXPECT(n == 4 && a[0] == 1 && a[1] == 5 && a[2] == 10 && a[3] == 20);
    free(a);
    EXPECT(fs_parse_int_list("1,,x", 0, 100, "top", &a, &n) == FS_ERR_CONFIG);
    double *d = NULL;
    EXPECT(fs_parse_double_list("0.01,0.05", 0, 1, "t", &d, &n) == FS_OK && n == 2);
    free(d);
}

static void test_rng_determinism(void)
{
    Rng a = rng_derive(7, 3, RNG_STREAM_INIT), b = rng_derive(7, 3, RNG_STREAM_INIT);
    for (int i = 0; i < 1000; i++) EXPECT(rng_next(&a) == rng_next(&b));
    Rng c = rng_derive(7, 3, RNG_STREAM_SHUFFLE), d = rng_derive(7, 4, RNG_STREAM_INIT);
    a = rng_derive(7, 3, RNG_STREAM_INIT);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_next(&a);
        same_c += x == rng_next(&c);
        same_d += x == rng_next(&d);
    }
    EXPECT(same_c == 0 && same_d == 0);
}

static void test_rng_distributions(void)
{
    Rng r = rng_derive(1, 0, RNG_STREAM_TEST);
    const int n = 200000;
    double s = 0, s2 = 0, u = 0;
    for (int i = 0; i < n; i++) {
        double z = rng_normal(&r);
        s += z;
        s2 += z * z;
        double v = rng_uniform(&r);
        EXPECT(v >= 0 && v < 1);
        u += v;
    }
    EXPECT_NEAR(s / n, 0.0, 0.01);
    EXPECT_NEAR(s2 / n, 1.0, 0.02);
    EXPECT_NEAR(u / n, 0.5, 0.005);
    int hist[7] = {0};
    for (int i = 0; i < 70000; i++) hist[rng_below(&r, 7)]++;
    for (int i = 0; i < 7; i++) EXPECT_NEAR(hist[i], 10000, 400);
    double g = 0, dir[3];
    for (int i = 0; i < 20000; i++) g += rng_gamma(&r, 0.5);
    EXPECT_NEAR(g / 20000, 0.5, 0.03); /* mean of Gamma(a,1) is a */
    rng_dirichlet(&r, 1.0, 3, dir);
    EXPECT_NEAR(dir[0] + dir[1] + dir[2], 1.0, 1e-12);
}

static void test_fsbuf_hash(void)
{
    FsBuf b = {0};
    for (int i = 0; i < 1000; i++) fsbuf_printf(&b, "%d,", i);
    EXPECT(b.len == strlen(b.s));
    EXPECT(strncmp(b.s, "0,1,2,", 6) == 0);
    EXPECT(fs_hash64("abc", 3) != fs_hash64("abd", 3));
    EXPECT(fs_hash64("abc", 3) == fs_hash64("abc", 3));
    fsbuf_free(&b);
}

static void test_file_roundtrip(void)
{
    char path[] = "/tmp/fsweep_test_util_XXXXXX";
    int fd = mkstemp(path);
    EXPECT(fd >= 0);
    const char *msg = "hello\nworld";
    EXPECT(fs_write_file_atomic(path, msg, strlen(msg)) == FS_OK);
    char *got = NULL;
    size_t len = 0;
    EXPECT(fs_read_file(path, &got, &len) == FS_OK && len == strlen(msg) && !strcmp(got, msg));
    free(got);
    remove(path);
    EXPECT(fs_read_file("/nonexistent/file", &got, &len) == FS_ERR_IO);
    EXPECT(strstr(fs_last_error(), "/nonexistent/file") != NULL);
}

TEST_MAIN({"parse_long", test_parse_long}, {"parse_double", test_parse_double},
          {"parse_lists", test_parse_lists}, {"rng_determinism", test_rng_determinism},
          {"rng_distributions", test_rng_distributions}, {"fsbuf_hash", test_fsbuf_hash},
          {"file_roundtrip", test_file_roundtrip})
