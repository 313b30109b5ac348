/* test_ood.c: OOD corruptions (shape, range, determinism, severity constants, monotone
 * severity) and band-stopped / band-passed copies (exact band removal, no clipping). The five
 * corruptions added for issue 13 (glass blur, zoom blur, snow, frost, elastic transform) on RGB
 * 32x32 and grey 28x28 images: the severity order each reference parameter table implies. */
#include "data.h"
#include "harness.h"
#include "ood.h"
#include "spectral.h"
#include "util.h"

#include <stdlib.h>
#include <unistd.h>

static Dataset base_set(void)
{
    Dataset d;
    FsStatus st = dataset_load("syn:b2:test?n_per_class=3", &d);
    EXPECT(st == FS_OK);
    return d;
}

static double mean_abs_diff(const Dataset *a, const Dataset *b)
{
    size_t n = (size_t)a->n * a->c * a->h * a->w;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += fabs((double)(a->x[i] - b->x[i]));
    return s / (double)n;
}

static const char *const new_names[] = {"glass_blur", "zoom_blur", "snow", "frost", "elastic_transform"};

static int is_new(const char *name)
{
    for (size_t i = 0; i < FS_ARRAY_LEN(new_names); i++)
        if (!strcmp(name, new_names[i])) return 1;
    return 0;
}

/* 1 - Pearson correlation of a and b over all pixels */
static double decorrelation(const Dataset *a, const Dataset *b)
{
    size_t n = (size_t)a->n * a->c * a->h * a->w;
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t i = 0; i < n; i++) {
        double x = a->x[i], y = b->x[i];
        sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
    }
    double ca = saa / n - sa * sa / n / n, cb = sbb / n - sb * sb / n / n, cab = sab / n - sa * sb / n / n;
    return 1 - cab / sqrt(ca * cb);
}

/* mean |x(y, x+1) - x(y, x)| + |x(y+1, x) - x(y, x)|: lower = smoother */
static double total_variation(const Dataset *a)
{
    double s = 0;
    for (int i = 0; i < a->n * a->c; i++) {
        const float *p = a->x + (size_t)i * a->h * a->w;
        for (int y = 0; y + 1 < a->h; y++)
            for (int x = 0; x + 1 < a->w; x++)
                s += fabs((double)(p[y * a->w + x + 1] - p[y * a->w + x])) + fabs((double)(p[(y + 1) * a->w + x] - p[y * a->w + x]));
    }
    return s / ((double)a->n * a->c * (a->h - 1) * (a->w - 1));
}

/* The issue-13 corruptions: shape, labels, [0, 1], identical for a seed, different for another
 * seed (all but zoom blur draw random numbers), and the severity order of the reference
 * parameters: zoom blur and snow change the image more (mean |x - x'|) at every step; frost's
 * weights (image a, frost b) raise b / a at every step, so the corrupted image decorrelates from
 * the clean one; glass blur's sigma grows 1 -> 2 -> 3 (smoother output) and its iterations double
 * at 4 and 5 (more change than 2 and 3, which have the same sigmas). Mean |x - x'| is not monotone
 * for glass blur, frost (a falls while b stays) and elastic (its affine jitter shrinks with
 * severity while the local distortion grows: test_elastic_local). */
static void test_new_corruptions(void)
{
    Dataset sets[2];
    EXPECT(dataset_load("syn:b2:test?n_per_class=3", &sets[0]) == FS_OK);
    EXPECT(dataset_load("fashion-mnist:test?n=20", &sets[1]) == FS_OK);
    EXPECT(sets[1].c == 1 && sets[1].h == 28);
    for (int t = 0; t < 2; t++) {
        const Dataset *d = &sets[t];
        size_t np = (size_t)d->n * d->c * d->h * d->w;
        for (size_t k = 0; k < FS_ARRAY_LEN(new_names); k++) {
            double l1[6] = {0}, dec[6] = {0}, tv[6] = {0};
            for (int sev = 1; sev <= 5; sev++) {
                char nm[64];
                fs_snprintf(nm, sizeof nm, "%s:%d", new_names[k], sev);
                for (uint64_t seed = 1; seed <= 3; seed++) {
                    Dataset o, o2, o3;
                    EXPECT_MSG(ood_make(d, nm, seed, &o) == FS_OK, "%s: %s", nm, fs_last_error());
                    EXPECT(ood_make(d, nm, seed, &o2) == FS_OK);
                    EXPECT(ood_make(d, nm, seed + 10, &o3) == FS_OK);
                    EXPECT(o.n == d->n && o.c == d->c && o.h == d->h && o.w == d->w && o.k == d->k);
                    EXPECT(!memcmp(o.y, d->y, (size_t)d->n * sizeof *d->y));
                    EXPECT_MSG(!memcmp(o.x, o2.x, np * sizeof *o.x), "%s: not deterministic", nm);
                    int differs = memcmp(o.x, o3.x, np * sizeof *o.x) != 0;
                    EXPECT_MSG(differs == (strcmp(new_names[k], "zoom_blur") != 0), "%s: seed effect %d", nm, differs);
                    int in01 = 1;
                    for (size_t i = 0; i < np; i++) in01 &= o.x[i] >= 0 && o.x[i] <= 1;
                    EXPECT_MSG(in01, "%s: left [0, 1]", nm);
                    l1[sev] += mean_abs_diff(&o, d) / 3;
                    dec[sev] += decorrelation(d, &o) / 3;
                    tv[sev] += total_variation(&o) / 3;
                    dataset_free(&o);
                    dataset_free(&o2);
                    dataset_free(&o3);
                }
                EXPECT_MSG(l1[sev] > 1e-3, "%s: image unchanged", nm);
            }
            const char *nk = new_names[k];
            if (!strcmp(nk, "zoom_blur") || !strcmp(nk, "snow"))
                for (int sev = 2; sev <= 5; sev++)
                    EXPECT_MSG(l1[sev] > l1[sev - 1], "%s set %d: mean |x - x'| %g at severity %d <= %g", nk, t, l1[sev], sev, l1[sev - 1]);
            if (!strcmp(nk, "frost"))
                for (int sev = 2; sev <= 5; sev++)
                    EXPECT_MSG(dec[sev] > dec[sev - 1], "frost set %d: 1 - corr %g at severity %d <= %g", t, dec[sev], sev, dec[sev - 1]);
            if (!strcmp(nk, "glass_blur")) {
                EXPECT_MSG(tv[1] > tv[2] && tv[2] > tv[3], "glass set %d: TV %g %g %g", t, tv[1], tv[2], tv[3]);
                EXPECT_MSG(l1[4] > l1[2] && l1[5] > l1[3], "glass set %d: L1 %g %g %g %g", t, l1[2], l1[3], l1[4], l1[5]);
            }
        }
    }
    dataset_free(&sets[0]);
    dataset_free(&sets[1]);
}

/* Elastic transform = a random affine warp, then a smooth local displacement whose size
 * alpha / sigma grows with severity (0 at severity 1). On a linear ramp the affine part gives
 * another plane exactly (bilinear sampling is exact on planes), so the RMS residual of a plane
 * fit away from the borders measures the local distortion alone: ~0 at severity 1, growing. */
static void test_elastic_local(void)
{
    const int shapes[2][2] = {{3, 32}, {1, 28}};
    for (int t = 0; t < 2; t++) {
        int c = shapes[t][0], side = shapes[t][1], m = 7;
        Dataset d;
        dataset_alloc(&d, 6, c, side, side, 2);
        for (int i = 0; i < d.n * c; i++)
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                    d.x[((size_t)i * side + y) * side + x] = (float)(0.2 + 0.6 * (0.6 * x + 0.4 * y) / (side - 1));
        double prev = -1;
        for (int sev = 1; sev <= 5; sev++) {
            char nm[64];
            fs_snprintf(nm, sizeof nm, "elastic_transform:%d", sev);
            Dataset o;
            EXPECT(ood_make(&d, nm, 3, &o) == FS_OK);
            double res = 0;
            for (int i = 0; i < d.n * c; i++) {
                const float *p = o.x + (size_t)i * side * side;
                /* least-squares plane a + b x + c y over the interior (symmetric grid: decoupled) */
                double s1 = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sv = 0, svx = 0, svy = 0;
                for (int y = m; y < side - m; y++)
                    for (int x = m; x < side - m; x++) {
                        double v = p[y * side + x], xc = x - (side - 1) / 2.0, yc = y - (side - 1) / 2.0;
                        s1 += 1, sx += xc, sy += yc, sxx += xc * xc, syy += yc * yc;
                        sv += v, svx += v * xc, svy += v * yc;
                    }
                double a = sv / s1, bx = svx / sxx, by = svy / syy, e = 0;
                for (int y = m; y < side - m; y++)
                    for (int x = m; x < side - m; x++) {
                        double r = (double)p[y * side + x] - (a + bx * (x - (side - 1) / 2.0) + by * (y - (side - 1) / 2.0));
                        e += r * r;
                    }
                res += sqrt(e / s1) / (d.n * c);
            }
            if (sev == 1) {
                EXPECT_MSG(res < 1e-5, "elastic:1 is affine only, residual %g", res);
                EXPECT_MSG(mean_abs_diff(&o, &d) > 1e-3, "elastic:1 left the ramp unchanged");
            } else {
                EXPECT_MSG(res > prev * 1.2, "%s (c %d, %dx%d): local residual %g not above %g", nm, c, side, side, res, prev);
            }
            prev = res;
            dataset_free(&o);
        }
        dataset_free(&d);
    }
}

/* Frost's texture is synthetic (README): brighter than the image is dark, ice-blue on RGB, the
 * same texture at every severity for a (seed, image): x' = a x + b tex, so with x = 0, x' / b is
 * the texture itself and agrees between severities. */
static void test_frost_texture(void)
{
    Dataset d, o1, o5;
    dataset_alloc(&d, 2, 3, 32, 32, 2);
    EXPECT(ood_make(&d, "frost:1", 9, &o1) == FS_OK);
    EXPECT(ood_make(&d, "frost:5", 9, &o5) == FS_OK);
    double mean[3] = {0}, e = 0;
    for (int ch = 0; ch < 3; ch++)
        for (int i = 0; i < 2 * 1024; i++) {
            size_t q = (size_t)(i / 1024) * 3072 + (size_t)ch * 1024 + (size_t)(i % 1024);
            mean[ch] += (double)o1.x[q] / 0.2 / 2048;
            e = fmax(e, fabs((double)o1.x[q] / 0.2 - (double)o5.x[q] / 0.45));
        }
    EXPECT_MSG(e < 1e-5, "frost texture differs between severities by %g", e);
    EXPECT_MSG(mean[0] < mean[1] && mean[1] < mean[2] && mean[2] > 0.3 && mean[2] < 0.9, "frost tint %g %g %g", mean[0], mean[1], mean[2]);
    dataset_free(&o1);
    dataset_free(&o5);
    dataset_free(&d);
}

static void test_all_corruptions(void)
{
    Dataset d = base_set();
    int n;
    const char *const *names = ood_names(&n);
    EXPECT(n >= 11);
    for (int k = 0; k < n; k++) {
        if (!strncmp(names[k], "band", 4) || is_new(names[k])) continue; /* new ones: below */
        double prev = -1;
        for (int sev = 1; sev <= 5; sev++) {
            char nm[64];
            fs_snprintf(nm, sizeof nm, "%s:%d", names[k], sev);
            Dataset o, o2, o3;
            EXPECT_MSG(ood_make(&d, nm, 1, &o) == FS_OK, "%s: %s", nm, fs_last_error());
            EXPECT(ood_make(&d, nm, 1, &o2) == FS_OK);
            EXPECT(ood_make(&d, nm, 2, &o3) == FS_OK);
            size_t np = (size_t)d.n * d.c * d.h * d.w;
            EXPECT(o.n == d.n && o.c == d.c && o.h == d.h && o.k == d.k);
            EXPECT(!memcmp(o.y, d.y, (size_t)d.n * sizeof *d.y));
            EXPECT_MSG(!memcmp(o.x, o2.x, np * sizeof *o.x), "%s: not deterministic", nm);
            int in01 = 1;
            for (size_t i = 0; i < np; i++) in01 &= o.x[i] >= 0 && o.x[i] <= 1;
            EXPECT_MSG(in01, "%s: left [0, 1]", nm);
            double dv = mean_abs_diff(&o, &d);
            EXPECT_MSG(dv > 1e-4, "%s: image unchanged", nm);
            /* the stronger severities change more (allow small non-monotonicity at equal
             * constants, e.g. motion blur's radius) */
            EXPECT_MSG(dv >= prev * 0.9, "%s: change %g < previous severity's %g", nm, dv, prev);
            prev = dv;
            int noisy = strstr(names[k], "noise") || !strcmp(names[k], "motion_blur") || !strcmp(names[k], "fog");
            if (noisy) EXPECT_MSG(memcmp(o.x, o3.x, np * sizeof *o.x) != 0, "%s: seed has no effect", nm);
            dataset_free(&o);
            dataset_free(&o2);
            dataset_free(&o3);
        }
    }
    dataset_free(&d);
}

/* Statistics of the noise corruptions on a mid-grey image, against PAPER.md 12's constants. */
static void test_noise_statistics(void)
{
    Dataset d;
    dataset_alloc(&d, 4, 3, 32, 32, 2);
    size_t np = 4 * 3 * 1024;
    for (size_t i = 0; i < np; i++) d.x[i] = 0.5f;
    Dataset o;
    EXPECT(ood_make(&d, "gaussian_noise:3", 7, &o) == FS_OK);
    double s = 0, s2 = 0;
    for (size_t i = 0; i < np; i++) s += (double)o.x[i] - 0.5, s2 += ((double)o.x[i] - 0.5) * ((double)o.x[i] - 0.5);
    EXPECT_NEAR(s / np, 0, 0.003);
    EXPECT_NEAR(sqrt(s2 / np), 0.08, 0.004);
    EXPECT_NEAR(ood_severity_value("gaussian_noise", 3), 0.08, 0);
    dataset_free(&o);
    EXPECT(ood_make(&d, "shot_noise:5", 7, &o) == FS_OK); /* Poisson(0.5 * 50) / 50 */
    s = s2 = 0;
    for (size_t i = 0; i < np; i++) s += (double)o.x[i], s2 += (double)o.x[i] * (double)o.x[i];
    double m = s / np;
    EXPECT_NEAR(m, 0.5, 0.005);
    EXPECT_NEAR(s2 / np - m * m, 0.5 / 50, 0.0015);
    dataset_free(&o);
    EXPECT(ood_make(&d, "impulse_noise:5", 7, &o) == FS_OK);
    int changed = 0;
    for (size_t i = 0; i < np; i++) changed += o.x[i] != 0.5f;
    EXPECT_NEAR((double)changed / np, 0.07, 0.01);
    dataset_free(&o);
    /* contrast keeps the channel mean and scales deviations */
    for (size_t i = 0; i < np; i++) d.x[i] = (i % 2) ? 0.6f : 0.4f;
    EXPECT(ood_make(&d, "contrast:2", 7, &o) == FS_OK);
    EXPECT_NEAR(o.x[0], 0.5 - 0.1 * 0.5, 1e-6);
    EXPECT_NEAR(o.x[1], 0.5 + 0.1 * 0.5, 1e-6);
    dataset_free(&o);
    /* constant images survive blur, pixelate and JPEG */
    for (size_t i = 0; i < np; i++) d.x[i] = 100.0f / 255.0f;
    const char *keep[] = {"defocus_blur:5", "motion_blur:5", "pixelate:5", "jpeg_compression:5"};
    for (size_t k = 0; k < FS_ARRAY_LEN(keep); k++) {
        EXPECT(ood_make(&d, keep[k], 7, &o) == FS_OK);
        double e = 0;
        for (size_t i = 0; i < np; i++) e = fmax(e, fabs((double)o.x[i] - 100.0 / 255.0));
        EXPECT_MSG(e < 1.01 / 255.0, "%s changed a constant image by %g", keep[k], e);
        dataset_free(&o);
    }
    dataset_free(&d);
}

static void test_bands(void)
{
    Dataset d = base_set();
    SpectralPlan *sp = spectral_plan_create(3, 32, 32, SPECTRAL_ESTIMATE);
    double edges[5];
    spectral_band_edges(32, 32, 4, edges);
    size_t per = 3 * 1024;
    double *re0 = xmalloc(per * sizeof *re0), *im0 = xmalloc(per * sizeof *im0);
    double *re1 = xmalloc(per * sizeof *re1), *im1 = xmalloc(per * sizeof *im1);
    const char *names[] = {"bandstop:1,2", "bandstop:3,4", "bandstop:2,4", "bandpass:3"};
    int removed_mask[] = {0x3, 0xC, 0xA, 0xB};
    for (size_t t = 0; t < FS_ARRAY_LEN(names); t++) {
        Dataset o;
        EXPECT(ood_make(&d, names[t], 0, &o) == FS_OK);
        int outside = 0;
        for (int i = 0; i < d.n; i++) {
            spectral_spectrum(sp, d.x + (size_t)i * per, re0, im0);
            spectral_spectrum(sp, o.x + (size_t)i * per, re1, im1);
            double e_rm = 0, e_keep = 0;
            for (int c = 0; c < 3; c++)
                for (int q = 0; q < 1024; q++) {
                    int b = spectral_band_of(q / 32, q % 32, 32, 32, edges, 4);
                    int rm = ((removed_mask[t] >> b) & 1) && q != 16 * 32 + 16;
                    size_t o2 = (size_t)c * 1024 + q;
                    if (rm) e_rm = fmax(e_rm, hypot(re1[o2], im1[o2]));
                    else e_keep = fmax(e_keep, hypot(re1[o2] - re0[o2], im1[o2] - im0[o2]));
                }
            EXPECT_MSG(e_rm < 1e-3 && e_keep < 1e-3, "%s image %d: removed %g, kept changed %g", names[t], i, e_rm, e_keep);
            for (size_t q = 0; q < per; q++) outside += o.x[(size_t)i * per + q] < 0 || o.x[(size_t)i * per + q] > 1;
        }
        EXPECT(outside >= 0);
        dataset_free(&o);
    }
    /* not clipped (equals filtering the normalised tensors): a step edge rings below 0 / above 1 */
    Dataset st;
    dataset_alloc(&st, 1, 3, 32, 32, 2);
    for (size_t q = 0; q < per; q++) st.x[q] = (q % 32) < 16 ? 0.0f : 1.0f;
    Dataset o;
    EXPECT(ood_make(&st, "bandstop:3,4", 0, &o) == FS_OK);
    float lo = 1, hi = 0;
    for (size_t q = 0; q < per; q++) lo = fminf(lo, o.x[q]), hi = fmaxf(hi, o.x[q]);
    EXPECT(lo < -0.01f && hi > 1.01f);
    dataset_free(&o);
    dataset_free(&st);
    EXPECT(ood_make(&d, "bandstop_clip:1,2", 0, &o) == FS_OK);
    for (size_t q = 0; q < (size_t)d.n * per; q++) EXPECT(o.x[q] >= 0 && o.x[q] <= 1);
    dataset_free(&o);
    /* the same through a dataset spec */
    EXPECT(dataset_load("ood:bandstop:1,2:syn:b2:test?n_per_class=3", &o) == FS_OK);
    Dataset o2;
    EXPECT(ood_make(&d, "bandstop:1,2", 0, &o2) == FS_OK);
    EXPECT(!memcmp(o.x, o2.x, (size_t)d.n * per * sizeof *o.x));
    EXPECT(strstr(o.name, "ood:bandstop:1,2") != NULL);
    dataset_free(&o);
    dataset_free(&o2);
    EXPECT(dataset_load("ood:gaussian_noise:2:syn:b2:test?n_per_class=3&ood_seed=5", &o) == FS_OK);
    EXPECT(ood_make(&d, "gaussian_noise:2", 5, &o2) == FS_OK);
    EXPECT(!memcmp(o.x, o2.x, (size_t)d.n * per * sizeof *o.x));
    dataset_free(&o);
    dataset_free(&o2);
    free(re0), free(im0), free(re1), free(im1);
    spectral_plan_destroy(sp);
    dataset_free(&d);
}

/* OOD sets written as .npy read back through the npy: spec: uint8 to within half a grey
 * level (corruptions are clipped already), float32 exactly (band sets). */
static void test_npy_round_trip(void)
{
    Dataset d = base_set();
    char dir[] = "/tmp/fsweep_test_ood_XXXXXX";
    EXPECT(mkdtemp(dir) != NULL);
    char img[128], lab[128], spec[300];
    fs_snprintf(img, sizeof img, "%s/x.npy", dir);
    fs_snprintf(lab, sizeof lab, "%s/y.npy", dir);
    int64_t *y = xmalloc((size_t)d.n * sizeof *y), n = d.n;
    for (int i = 0; i < d.n; i++) y[i] = d.y[i];
    EXPECT(data_write_npy(lab, "<i8", 1, &n, y, (size_t)n * sizeof *y) == FS_OK);
    const char *names[] = {"shot_noise:4", "bandstop:2,3"};
    for (int t = 0; t < 2; t++) {
        Dataset o, back;
        EXPECT(ood_make(&d, names[t], 3, &o) == FS_OK);
        EXPECT(data_write_npy_images(img, &o, t == 0) == FS_OK);
        fs_snprintf(spec, sizeof spec, "npy:%s:%s%s", img, lab, t == 0 ? "" : "?unclipped=1");
        EXPECT(dataset_load(spec, &back) == FS_OK);
        EXPECT(back.n == o.n && back.c == o.c && back.h == o.h && back.w == o.w);
        double e = 0;
        for (size_t q = 0; q < (size_t)o.n * o.c * o.h * o.w; q++) e = fmax(e, fabs((double)(back.x[q] - o.x[q])));
        EXPECT_MSG(e <= (t == 0 ? 0.5 / 255 + 1e-6 : 0.0), "%s: round trip error %g", names[t], e);
        EXPECT(!memcmp(back.y, d.y, (size_t)d.n * sizeof *d.y));
        dataset_free(&o);
        dataset_free(&back);
    }
    unlink(img);
    unlink(lab);
    rmdir(dir);
    free(y);
    dataset_free(&d);
}

static void test_errors(void)
{
    Dataset d = base_set(), o;
    EXPECT(ood_make(&d, "spatter:3", 0, &o) == FS_ERR_CONFIG);
    EXPECT(strstr(fs_last_error(), "unknown corruption") != NULL);
    EXPECT(ood_make(&d, "snow:6", 0, &o) == FS_ERR_CONFIG);
    EXPECT(ood_make(&d, "elastic_transform:0", 0, &o) == FS_ERR_CONFIG);
    EXPECT(ood_make(&d, "fgsm:0.1", 0, &o) == FS_ERR_CONFIG); /* needs a model: fgsm.h */
    EXPECT(strstr(fs_last_error(), "FGSM needs a model") != NULL);
    EXPECT(ood_make(&d, "gaussian_noise:6", 0, &o) == FS_ERR_CONFIG);
    EXPECT(ood_make(&d, "gaussian_noise", 0, &o) == FS_ERR_CONFIG);
    EXPECT(ood_make(&d, "bandstop:1,1", 0, &o) == FS_ERR_CONFIG);
    EXPECT(ood_make(&d, "bandstop:0,2", 0, &o) == FS_ERR_CONFIG);
    EXPECT(ood_make(&d, "bandpass:1,2", 0, &o) == FS_ERR_CONFIG);
    dataset_free(&d);
}

TEST_MAIN({"all_corruptions", test_all_corruptions}, {"new_corruptions", test_new_corruptions},
          {"elastic_local", test_elastic_local}, {"frost_texture", test_frost_texture}, {"noise_statistics", test_noise_statistics},
          {"bands", test_bands}, {"npy_round_trip", test_npy_round_trip}, {"errors", test_errors})
