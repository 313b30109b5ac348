/* data_spec.c: the dataset spec language (see dataset_spec_help). Order of operations for a
 * spec: load the source -> resize (size=) -> channels (channels=) -> pad (pad=, pad32) -> normalisation constants (known table entry,
 * norm=, mean=/std=, else computed from the loaded images) -> subset (n=, per_class=, frac=)
 * -> OOD corruption (ood: specs). The dataset helpers the steps use are in data.c. */
#include "data.h"
#include "data_internal.h"
#include "log.h"
#include "ood.h"
#include "rng.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const cifar10_class_names[10] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                   "dog",      "frog",       "horse", "ship", "truck"};
static const char *const fmnist_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

const char *dataset_spec_help(void)
{
    return "Dataset specs:  SOURCE[?key=value&key=value...]\n"
           "  fashion-mnist:train|test          Fashion-MNIST from " DATA_FASHION_MNIST_DIR "\n"
           "  fashion-mnist:DIR:train|test      IDX files {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]\n"
           "  mnist:DIR:train|test              the same layout for MNIST\n"
           "  idx:IMAGES:LABELS                 any pair of IDX files (gzipped or plain)\n"
           "  cifar10:DIR:train|test            data_batch_1..5.bin / test_batch.bin (DIR or DIR/cifar-10-batches-bin)\n"
           "  cifar100:DIR:train|test           train.bin / test.bin (labels=fine|coarse)\n"
           "  folder:DIR                        ImageFolder DIR/<class>/<image>.png|jpg, classes byte-sorted\n"
           "  npy:IMAGES.npy:LABELS.npy         NumPy arrays: uint8 (N,H,W[,C]) or float32 images, integer labels\n"
           "  cifar10c:DIR:CORRUPTION:SEV       official CIFAR-10-C: DIR/CORRUPTION.npy rows of severity SEV, DIR/labels.npy\n"
           "  syn:b1..b4:train|test             synthetic Syn_B1..B4 (PAPER.md 3.2), generated from a seed\n"
           "  ood:CORRUPTION[:ARG]:BASE-SPEC    OOD copy of BASE-SPEC, e.g. ood:gaussian_noise:3:fashion-mnist:test,\n"
           "                                    ood:bandstop:1,2:syn:b1:test (see `fsweep data --help`)\n"
           "Options (after '?', joined by '&'; SPEC@N is short for SPEC?n=N):\n"
           "  n=N            N images, stratified by class (first ones in stored order)\n"
           "  per_class=M    M images of each class;  frac=F  fraction F of each class\n"
           "  subset_seed=S  pick the subset at random (seeded, S != 0) instead of the first ones\n"
           "  half=0|1       after n/per_class/frac: the 1st, 3rd, ... (0) or 2nd, 4th, ... (1) image of each class\n"
           "  stratified=0   with n=: the first N images regardless of class\n"
           "  size=S         resize every image to SxS (bilinear, antialiased; folder default 224)\n"
           "  channels=1|3   convert grey <-> RGB (folder default 3)\n"
           "  pad=P, pad32=1 zero-pad P pixels per side / up to 32x32 (Fashion-MNIST: 0.2190/0.3318)\n"
           "  norm=NAME      constants: data (computed), fashion-mnist, fashion-mnist-pad32, synthetic,\n"
           "                 imagenet10, cifar10, cifar10-hfss, imagenet\n"
           "  mean=a[,b,c] std=a[,b,c]   explicit constants (default: known table, else computed)\n"
           "  classes=a+b+c  folder class order (else byte-sorted); classes_file=PATH (one per line)\n"
           "  labels=fine|coarse   CIFAR-100 label set\n"
           "  unclipped=1    npy: float32 pixels outside [0, 1] accepted (band sets of `fsweep ood`)\n"
           "  syn: seed, n_per_class, side, beta, kappa=k0,k1,k2,k3, kappa_echo, jitter, wedge=lo,hi,\n"
           "       colour_lo, target_mean, target_std\n"
           "  ood_seed=S     seed of the corruption noise (ood: specs)\n"
           "Examples: fashion-mnist:test?per_class=50   syn:b3:train?seed=1&n_per_class=200\n"
           "          cifar10:/data/cifar:test?n=1000&subset_seed=7   folder:/data/in10/val?size=224\n";
}

/* ---------------------------------------------------------------- spec options */

typedef struct {
    long n, per_class;
    double frac;
    long subset_seed;
    int stratified;
    int half; /* -1: all; 0 / 1: dataset_class_half */
    int size, channels, pad, pad32;
    char norm[32];
    double mean[3], std[3];
    int n_mean, n_std;
    char *classes, *classes_file;
    int fine;
    int unclipped; /* npy: float32 pixels outside [0, 1] accepted */
    SynParams syn;
    int syn_set[16];
    char syn_key[32]; /* the first syn parameter given (only syn:... sources take them) */
    long ood_seed;
} SpecOpts;

static FsStatus opt_doubles(const char *spec, const char *key, const char *v, double lo, double hi,
                            double *out, int maxn, int *n)
{
    double *vals = NULL;
    int m = 0;
    FsStatus st = fs_parse_double_list(v, lo, hi, key, &vals, &m);
    if (st || m < 1 || m > maxn) {
        free(vals);
        return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': %s=%s: expected 1..%d numbers in [%g, %g]",
                         spec, key, v, maxn, lo, hi);
    }
    for (int i = 0; i < m; i++) out[i] = vals[i];
    *n = m;
    free(vals);
    return FS_OK;
}

/* The synthetic generator's parameters (syn:... sources only; spec_load_source refuses them on
 * any other): 1 when k is one, with its parse status in *st; 0 when it is not. */
static int spec_syn_opt(const char *spec, const char *k, const char *v, SpecOpts *o, FsStatus *st)
{
    int m = 0;
    double tmp[4] = {0, 0, 0, 0};
    if (!strcmp(k, "seed")) {
        long s;
        *st = fs_parse_long(v, 0, 1L << 62, "seed", &s);
        o->syn.seed = (uint64_t)s;
        o->syn_set[0] = 1;
    } else if (!strcmp(k, "n_per_class")) {
        *st = fs_parse_int(v, 1, 1 << 24, "n_per_class", &o->syn.n_per_class);
        o->syn_set[1] = 1;
    } else if (!strcmp(k, "side")) *st = fs_parse_int(v, 8, 1024, "side", &o->syn.n);
    else if (!strcmp(k, "beta")) *st = fs_parse_double(v, 0, 8, "beta", &o->syn.beta);
    else if (!strcmp(k, "kappa")) {
        *st = opt_doubles(spec, k, v, 0, 1e3, tmp, 4, &m);
        if (!*st && m != 4) *st = fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': kappa: expected 4 values", spec);
        if (!*st) memcpy(o->syn.kappa, tmp, sizeof o->syn.kappa);
    } else if (!strcmp(k, "kappa_echo")) *st = fs_parse_double(v, 0, 1e3, "kappa_echo", &o->syn.kappa_echo);
    else if (!strcmp(k, "jitter")) *st = fs_parse_double(v, 0, 1, "jitter", &o->syn.jitter);
    else if (!strcmp(k, "colour_lo")) *st = fs_parse_double(v, 0, 1, "colour_lo", &o->syn.colour_lo);
    else if (!strcmp(k, "target_mean")) *st = fs_parse_double(v, 0, 1, "target_mean", &o->syn.target_mean);
    else if (!strcmp(k, "target_std")) *st = fs_parse_double(v, 1e-6, 1, "target_std", &o->syn.target_std);
    else if (!strcmp(k, "wedge")) {
        *st = opt_doubles(spec, k, v, 0, 180, tmp, 2, &m);
        if (!*st && m != 2) *st = fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': wedge: expected lo,hi degrees", spec);
        if (!*st) {
            o->syn.wedge_lo = tmp[0];
            o->syn.wedge_hi = tmp[1];
        }
    } else
        return 0;
    return 1;
}

static FsStatus spec_parse_opts(const char *spec, char *opts, SpecOpts *o)
{
    for (char *save = NULL, *kv = strtok_r(opts, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': option '%s': expected key=value", spec, kv);
        *eq = 0;
        const char *k = kv, *v = eq + 1;
        FsStatus st = FS_OK;
        if (!strcmp(k, "n")) st = fs_parse_long(v, 0, 1L << 30, "n", &o->n);
        else if (!strcmp(k, "per_class")) st = fs_parse_long(v, 0, 1L << 30, "per_class", &o->per_class);
        else if (!strcmp(k, "frac")) st = fs_parse_double(v, 0, 1, "frac", &o->frac);
        else if (!strcmp(k, "subset_seed")) st = fs_parse_long(v, 0, 1L << 62, "subset_seed", &o->subset_seed);
        else if (!strcmp(k, "half")) st = fs_parse_int(v, 0, 1, "half", &o->half);
        else if (!strcmp(k, "stratified")) st = fs_parse_int(v, 0, 1, "stratified", &o->stratified);
        else if (!strcmp(k, "size")) st = fs_parse_int(v, 2, 4096, "size", &o->size);
        else if (!strcmp(k, "channels")) {
            st = fs_parse_int(v, 1, 3, "channels", &o->channels);
            if (!st && o->channels == 2) st = fs_errorf(FS_ERR_CONFIG, "channels: '2' is not 1 or 3");
        } else if (!strcmp(k, "pad")) st = fs_parse_int(v, 0, 1024, "pad", &o->pad);
        else if (!strcmp(k, "pad32")) st = fs_parse_int(v, 0, 1, "pad32", &o->pad32);
        else if (!strcmp(k, "norm")) fs_snprintf(o->norm, sizeof o->norm, "%.31s", v);
        else if (!strcmp(k, "mean")) st = opt_doubles(spec, k, v, -1e6, 1e6, o->mean, 3, &o->n_mean);
        else if (!strcmp(k, "std")) st = opt_doubles(spec, k, v, 1e-9, 1e6, o->std, 3, &o->n_std);
        else if (!strcmp(k, "classes")) { /* given twice: the last one counts */
            free(o->classes);
            o->classes = xstrdup(v);
        } else if (!strcmp(k, "classes_file")) {
            free(o->classes_file);
            o->classes_file = xstrdup(v);
        }
        else if (!strcmp(k, "labels")) {
            if (!strcmp(v, "fine")) o->fine = 1;
            else if (!strcmp(v, "coarse")) o->fine = 0;
            else st = fs_errorf(FS_ERR_CONFIG, "labels: '%s' is not fine or coarse", v);
        } else if (!strcmp(k, "unclipped")) st = fs_parse_int(v, 0, 1, "unclipped", &o->unclipped);
        else if (!strcmp(k, "ood_seed")) st = fs_parse_long(v, 0, 1L << 62, "ood_seed", &o->ood_seed);
        else if (spec_syn_opt(spec, k, v, o, &st)) { /* the first one is named if the source is not syn */
            if (!o->syn_key[0]) fs_snprintf(o->syn_key, sizeof o->syn_key, "%.31s", k);
        } else
            return fs_errorf(FS_ERR_CONFIG,
                             "dataset spec '%s': unknown option '%s' (expected n, per_class, frac, "
                             "subset_seed, stratified, half, size, channels, pad, pad32, norm, mean, std, "
                             "classes, classes_file, labels, unclipped, ood_seed or a syn parameter)",
                             spec, k);
        if (st) {
            char msg[512];
            fs_snprintf(msg, sizeof msg, "%.500s", fs_last_error());
            return fs_errorf(st, "dataset spec '%s': %s", spec, msg);
        }
    }
    return FS_OK;
}

/* Known normalisation constants (PAPER.md 4). Returns 1 when found. */
static int norm_table(const char *name, int c, float *mean, float *std)
{
    static const struct {
        const char *name;
        float mean[3], std[3];
    } t[] = {
        {"fashion-mnist", {0.2860f, 0.2860f, 0.2860f}, {0.3530f, 0.3530f, 0.3530f}},
        {"fashion-mnist-pad32", {0.2190f, 0.2190f, 0.2190f}, {0.3318f, 0.3318f, 0.3318f}},
        {"synthetic", {0.498f, 0.498f, 0.498f}, {0.172f, 0.173042f, 0.173f}},
        {"imagenet10", {0.479838f, 0.470448f, 0.429404f}, {0.258143f, 0.252662f, 0.272406f}},
        {"cifar10", {0.491400f, 0.482158f, 0.446531f}, {0.247032f, 0.243485f, 0.261588f}},
        {"cifar10-hfss", {0.491f, 0.482f, 0.447f}, {0.247f, 0.243f, 0.262f}},
        {"imagenet", {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}},
    };
    for (size_t i = 0; i < FS_ARRAY_LEN(t); i++)
        if (!strcmp(t[i].name, name)) {
            for (int ch = 0; ch < c; ch++) {
                mean[ch] = t[i].mean[c == 1 ? 0 : ch];
                std[ch] = t[i].std[c == 1 ? 0 : ch];
            }
            return 1;
        }
    return 0;
}

/* "a+b+c" or a file with one class per line. */
static FsStatus spec_classes(const SpecOpts *o, char ***names, int *n)
{
    *names = NULL;
    *n = 0;
    char *txt = NULL;
    const char *sep = "+";
    if (o->classes_file) {
        size_t len;
        FsStatus st = fs_read_file(o->classes_file, &txt, &len);
        if (st) return st;
        sep = "\r\n";
    } else if (o->classes) {
        txt = xstrdup(o->classes);
    } else {
        return FS_OK;
    }
    int cap = 16;
    *names = xmalloc((size_t)cap * sizeof **names);
    for (char *save = NULL, *t = strtok_r(txt, sep, &save); t; t = strtok_r(NULL, sep, &save)) {
        while (isspace((unsigned char)*t)) t++;
        size_t l = strlen(t);
        while (l && isspace((unsigned char)t[l - 1])) t[--l] = 0;
        if (!*t) continue;
        if (*n == cap) *names = xrealloc(*names, (size_t)(cap *= 2) * sizeof **names);
        (*names)[(*n)++] = xstrdup(t);
    }
    free(txt);
    if (*n == 0) {
        free(*names);
        *names = NULL;
        return fs_errorf(FS_ERR_CONFIG, "%s: no class names given",
                         o->classes_file ? o->classes_file : "classes=");
    }
    return FS_OK;
}

static FsStatus spec_split(const char *spec, const char *s, int *train)
{
    if (!strcmp(s, "train")) *train = 1;
    else if (!strcmp(s, "test") || !strcmp(s, "t10k")) *train = 0;
    else
        return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': split '%s': expected train or test", spec, s);
    return FS_OK;
}

/* Load the source part (no options) into d; sets *norm_name to a known table entry or "". */
static FsStatus spec_load_source(const char *spec, const char *src, SpecOpts *o, Dataset *d,
                                 const char **norm_name)
{
    *norm_name = "";
    const char *c1 = strchr(src, ':');
    if (!c1)
        return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected SOURCE:..., e.g. fashion-mnist:test "
                         "(run `fsweep data --help`)", spec);
    size_t kl = (size_t)(c1 - src);
    const char *rest = c1 + 1, *last = strrchr(src, ':');
    char kind[32], path[4096], path2[4096];
    fs_snprintf(kind, sizeof kind, "%.*s", (int)(kl < 31 ? kl : 31), src);
    int train = 0;
    FsStatus st;
    if (o->syn_key[0] && strcmp(kind, "syn"))
        return fs_errorf(FS_ERR_CONFIG,
                         "dataset spec '%s': option '%s' is a parameter of syn:... sets, not of '%s' "
                         "(subsets: n, per_class, frac)", spec, o->syn_key, kind);
    if (!strcmp(kind, "fashion-mnist") || !strcmp(kind, "mnist")) {
        const char *dir = DATA_FASHION_MNIST_DIR;
        char dbuf[4096];
        if (last != c1) {
            fs_snprintf(dbuf, sizeof dbuf, "%.*s", (int)(last - rest), rest);
            dir = dbuf;
        } else if (!strcmp(kind, "mnist")) {
            return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected mnist:DIR:train|test", spec);
        }
        if ((st = spec_split(spec, last + 1, &train))) return st;
        const char *pre = train ? "train" : "t10k";
        fs_snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, pre);
        if (!fs_file_exists(path)) fs_snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, pre);
        fs_snprintf(path2, sizeof path2, "%s/%s-labels-idx1-ubyte.gz", dir, pre);
        if (!fs_file_exists(path2)) fs_snprintf(path2, sizeof path2, "%s/%s-labels-idx1-ubyte", dir, pre);
        if ((st = data_load_idx(path, path2, 10, d))) return st;
        if (!strcmp(kind, "fashion-mnist")) {
            d->class_names = dataset_copy_names(fmnist_names, 10);
            *norm_name = "fashion-mnist";
        }
    } else if (!strcmp(kind, "idx")) {
        if (last == c1)
            return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected idx:IMAGES:LABELS", spec);
        fs_snprintf(path, sizeof path, "%.*s", (int)(last - rest), rest);
        fs_snprintf(path2, sizeof path2, "%s", last + 1);
        if ((st = data_load_idx(path, path2, 0, d))) return st;
    } else if (!strcmp(kind, "cifar10") || !strcmp(kind, "cifar100")) {
        if (last == c1)
            return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected %s:DIR:train|test", spec, kind);
        fs_snprintf(path, sizeof path, "%.*s", (int)(last - rest), rest);
        if ((st = spec_split(spec, last + 1, &train))) return st;
        int is10 = !strcmp(kind, "cifar10");
        if ((st = data_load_cifar(path, is10 ? 10 : 100, train, o->fine, d))) return st;
        if (is10) *norm_name = "cifar10";
    } else if (!strcmp(kind, "npy")) {
        if (last == c1)
            return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected npy:IMAGES.npy:LABELS.npy", spec);
        fs_snprintf(path, sizeof path, "%.*s", (int)(last - rest), rest);
        fs_snprintf(path2, sizeof path2, "%s", last + 1);
        if ((st = data_load_npy(path, path2, 0, -1, 0, o->unclipped, d))) return st;
    } else if (!strcmp(kind, "cifar10c")) {
        /* cifar10c:DIR:CORRUPTION:SEVERITY -> DIR/CORRUPTION.npy rows of that severity */
        const char *c2 = last;
        const char *c3 = NULL;
        for (const char *t = rest; t < c2; t++)
            if (*t == ':') c3 = t;
        int sev = 0;
        if (!c3 || fs_parse_int(last + 1, 1, 5, "cifar10c severity", &sev) != FS_OK)
            return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected cifar10c:DIR:CORRUPTION:SEVERITY (1..5)", spec);
        fs_snprintf(path, sizeof path, "%.*s/%.*s.npy", (int)(c3 - rest), rest, (int)(c2 - c3 - 1), c3 + 1);
        fs_snprintf(path2, sizeof path2, "%.*s/labels.npy", (int)(c3 - rest), rest);
        Dataset all;
        if ((st = data_load_npy(path, path2, 0, -1, 10, 0, &all))) return st;
        if (all.n % 5) {
            st = fs_errorf(FS_ERR_FORMAT, "%s: %d images is not 5 severities of equal size", path, all.n);
            dataset_free(&all);
            return st;
        }
        int per = all.n / 5, *idx = xmalloc((size_t)per * sizeof *idx);
        for (int i = 0; i < per; i++) idx[i] = (sev - 1) * per + i;
        st = dataset_subset(&all, idx, per, d);
        free(idx);
        dataset_free(&all);
        if (st) return st;
        d->class_names = dataset_copy_names(cifar10_class_names, 10);
        *norm_name = "cifar10";
    } else if (!strcmp(kind, "folder")) {
        char **cls;
        int ncls;
        if ((st = spec_classes(o, &cls, &ncls))) return st;
        st = data_load_folder(rest, o->size > 0 ? o->size : 224, o->channels > 0 ? o->channels : 3,
                              cls, ncls, d);
        for (int i = 0; i < ncls; i++) free(cls[i]);
        free(cls);
        if (st) return st;
    } else if (!strcmp(kind, "syn")) {
        int band = 0;
        if (last == c1 || rest[0] != 'b' || !(rest[1] >= '1' && rest[1] <= '8') || rest[2] != ':')
            return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected syn:bB:train|test with B in 1..4", spec);
        band = rest[1] - '0';
        if ((st = spec_split(spec, last + 1, &train))) return st;
        SynParams p = o->syn;
        if (!o->syn_set[1]) p.n_per_class = train ? 2000 : 400;
        if (band > p.nbands)
            return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': band %d > %d bands", spec, band, p.nbands);
        if ((st = syn_generate(&p, band, train ? 0 : 1, d))) return st;
        *norm_name = "synthetic";
    } else {
        return fs_errorf(FS_ERR_CONFIG,
                         "dataset spec '%s': unknown source '%s' (expected fashion-mnist, mnist, idx, "
                         "cifar10, cifar100, cifar10c, npy, folder, syn or ood)",
                         spec, kind);
    }
    return FS_OK;
}

static void spec_set_name(Dataset *d, const char *spec)
{
    size_t l = strlen(spec);
    if (l < sizeof d->name) {
        memcpy(d->name, spec, l + 1);
    } else { /* keep the tail, which names the split and options */
        memcpy(d->name, "...", 3);
        memcpy(d->name + 3, spec + l - (sizeof d->name - 4), sizeof d->name - 4);
        d->name[sizeof d->name - 1] = 0;
    }
}

/* Channel conversion: 1 -> 3 replicates, 3 -> 1 takes the luminance (0.299, 0.587, 0.114). */
static void dataset_convert_channels(Dataset *d, int c2)
{
    if (c2 == d->c) return;
    size_t hw = (size_t)d->h * (size_t)d->w;
    float *x2 = xmalloc(fs_mul_size((size_t)d->n, (size_t)c2 * hw * sizeof *x2, "channels"));
    for (int i = 0; i < d->n; i++) {
        const float *s = d->x + (size_t)i * (size_t)d->c * hw;
        float *o = x2 + (size_t)i * (size_t)c2 * hw;
        for (size_t p = 0; p < hw; p++) {
            if (c2 == 3) o[p] = o[hw + p] = o[2 * hw + p] = s[p];
            else o[p] = 0.299f * s[p] + 0.587f * s[hw + p] + 0.114f * s[2 * hw + p];
        }
    }
    free(d->x);
    d->x = x2;
    d->c = c2;
}

static FsStatus spec_load(const char *spec, Dataset *out);

/* ood:NAME[:ARG]:BASE */
static FsStatus spec_load_ood(const char *spec, const char *src, const char *optstr, Dataset *out)
{
    const char *p = src + 4, *c = strchr(p, ':');
    if (!c) return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected ood:CORRUPTION[:ARG]:BASE-SPEC", spec);
    char name[128];
    const char *base = c + 1;
    if (isdigit((unsigned char)base[0])) { /* argument: severity or band list */
        const char *c2 = strchr(base, ':');
        if (!c2) return fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': expected ood:CORRUPTION[:ARG]:BASE-SPEC", spec);
        fs_snprintf(name, sizeof name, "%.*s", (int)(c2 - p) < 127 ? (int)(c2 - p) : 127, p);
        base = c2 + 1;
    } else {
        fs_snprintf(name, sizeof name, "%.*s", (int)(c - p) < 127 ? (int)(c - p) : 127, p);
    }
    /* the options go to the base spec, except ood_seed */
    FsBuf b = {0};
    fsbuf_printf(&b, "%s", base);
    long ood_seed = 0;
    if (optstr && *optstr) {
        char *tmp = xstrdup(optstr);
        int first = 1;
        for (char *save = NULL, *kv = strtok_r(tmp, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
            if (!strncmp(kv, "ood_seed=", 9)) {
                FsStatus st = fs_parse_long(kv + 9, 0, 1L << 62, "ood_seed", &ood_seed);
                if (st) {
                    free(tmp);
                    fsbuf_free(&b);
                    return st;
                }
                continue;
            }
            fsbuf_printf(&b, "%s%s", first ? "?" : "&", kv);
            first = 0;
        }
        free(tmp);
    }
    Dataset base_d;
    FsStatus st = spec_load(b.s, &base_d);
    fsbuf_free(&b);
    if (st) return st;
    st = ood_make(&base_d, name, (uint64_t)ood_seed, out);
    dataset_free(&base_d);
    if (!st) spec_set_name(out, spec);
    return st;
}

static FsStatus spec_load(const char *spec, Dataset *out)
{
    memset(out, 0, sizeof *out);
    char *s = xstrdup(spec);
    char *q = strchr(s, '?');
    char *optstr = NULL, *at_opt = NULL;
    if (q) {
        *q = 0;
        optstr = q + 1;
    }
    char *at = strrchr(s, '@'); /* SPEC@N == SPEC?n=N */
    if (at && at[1] && strspn(at + 1, "0123456789") == strlen(at + 1)) {
        *at = 0;
        FsBuf b = {0};
        fsbuf_printf(&b, "n=%s%s%s", at + 1, optstr ? "&" : "", optstr ? optstr : "");
        at_opt = b.s;
        optstr = at_opt;
    }
    if (!strncmp(s, "ood:", 4)) {
        FsStatus st = spec_load_ood(spec, s, optstr, out);
        free(s);
        free(at_opt);
        return st;
    }
    SpecOpts o;
    memset(&o, 0, sizeof o);
    o.stratified = 1;
    o.half = -1;
    syn_default_params(&o.syn, 0);
    char *optcopy = optstr ? xstrdup(optstr) : NULL;
    FsStatus st = optcopy ? spec_parse_opts(spec, optcopy, &o) : FS_OK;
    free(optcopy);
    const char *norm_name = "";
    Dataset d;
    memset(&d, 0, sizeof d);
    if (!st) st = spec_load_source(spec, s, &o, &d, &norm_name);
    if (st) goto done;
    if (d.n == 0) {
        st = fs_errorf(FS_ERR_FORMAT, "dataset spec '%s': no images", spec);
        goto done;
    }
    int resized = 0;
    if (o.size > 0 && (d.h != o.size || d.w != o.size)) {
        size_t per = (size_t)d.c * (size_t)o.size * (size_t)o.size;
        float *x2 = xmalloc(fs_mul_size((size_t)d.n, per * sizeof *x2, "resized dataset"));
        for (int i = 0; i < d.n; i++)
            image_resize(d.x + (size_t)i * (size_t)d.c * d.h * d.w, d.c, d.h, d.w, x2 + (size_t)i * per,
                         o.size, o.size);
        free(d.x);
        d.x = x2;
        d.h = d.w = o.size;
        resized = 1;
    }
    if (o.channels > 0) dataset_convert_channels(&d, o.channels);
    int pad = o.pad;
    if (o.pad32) {
        if (d.h != d.w || d.h > 32 || (32 - d.h) % 2) {
            st = fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': pad32 needs square images of even side <= 32, got %dx%d",
                           spec, d.h, d.w);
            goto done;
        }
        pad = (32 - d.h) / 2;
    }
    dataset_pad(&d, pad);
    /* normalisation constants */
    const char *nn = o.norm[0] ? o.norm : norm_name;
    if (!o.norm[0]) { /* the table entries hold for the native geometry only */
        if (resized) nn = "";
        else if (pad) nn = (!strcmp(nn, "fashion-mnist") && pad == 2) ? "fashion-mnist-pad32" : "";
    }
    if (nn[0] && strcmp(nn, "data") != 0) {
        if (!norm_table(nn, d.c, d.mean, d.std)) {
            st = fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': norm=%s: expected data, fashion-mnist, "
                           "fashion-mnist-pad32, synthetic, imagenet10, cifar10, cifar10-hfss or imagenet",
                           spec, nn);
            goto done;
        }
    } else {
        dataset_compute_norm(&d);
    }
    if (o.n_mean) for (int c = 0; c < d.c; c++) d.mean[c] = (float)o.mean[o.n_mean == 1 ? 0 : (c < o.n_mean ? c : 0)];
    if (o.n_std) for (int c = 0; c < d.c; c++) d.std[c] = (float)o.std[o.n_std == 1 ? 0 : (c < o.n_std ? c : 0)];
    if ((o.n_mean && o.n_mean != 1 && o.n_mean != d.c) || (o.n_std && o.n_std != 1 && o.n_std != d.c)) {
        st = fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': mean/std: expected 1 or %d values", spec, d.c);
        goto done;
    }
    spec_set_name(&d, spec);
    /* subset */
    if (o.n > 0 || o.per_class > 0 || o.frac > 0) {
        int *idx = NULL, m = 0;
        if (o.n > 0 && !o.stratified) {
            if (o.n > d.n) {
                st = fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': n=%ld but only %d images", spec, o.n, d.n);
                goto done;
            }
            m = (int)o.n;
            idx = xmalloc((size_t)m * sizeof *idx);
            for (int i = 0; i < m; i++) idx[i] = i;
        } else {
            int *cnt = dataset_class_counts(&d), *take = xcalloc((size_t)d.k, sizeof *take);
            int nonempty = 0;
            for (int c = 0; c < d.k; c++) nonempty += cnt[c] > 0;
            for (int c = 0, r = 0; c < d.k; c++) {
                if (o.per_class > 0) take[c] = (int)o.per_class;
                else if (o.frac > 0) take[c] = (int)floor(o.frac * cnt[c] + 0.5);
                else if (cnt[c] > 0) {
                    take[c] = (int)(o.n / nonempty) + (r < o.n % nonempty ? 1 : 0);
                    r++;
                    if (take[c] > cnt[c]) take[c] = cnt[c];
                }
            }
            st = dataset_stratified_indices(&d, take, (uint64_t)o.subset_seed, &idx, &m);
            free(cnt);
            free(take);
            if (st) goto done;
            if (o.n > 0 && m < o.n) {
                st = fs_errorf(FS_ERR_CONFIG, "dataset spec '%s': n=%ld but only %d images", spec, o.n, m);
                free(idx);
                goto done;
            }
        }
        Dataset sub;
        st = dataset_subset(&d, idx, m, &sub);
        free(idx);
        if (st) goto done;
        dataset_free(&d);
        d = sub;
    }
    if (o.half >= 0) {
        Dataset h;
        st = dataset_class_half(&d, o.half, &h);
        if (st) goto done;
        dataset_free(&d);
        d = h;
    }
    *out = d;
    memset(&d, 0, sizeof d);
done:
    dataset_free(&d);
    free(o.classes);
    free(o.classes_file);
    free(s);
    free(at_opt);
    return st;
}

FsStatus dataset_load(const char *spec, Dataset *out)
{
    if (!spec || !*spec) return fs_errorf(FS_ERR_CONFIG, "dataset spec is empty (e.g. fashion-mnist:test)");
    return spec_load(spec, out);
}
