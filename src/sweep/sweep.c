/* sweep.c: see sweep.h. INI through iniparser; line numbers found by scanning the file. */
#include "sweep.h"

#include "log.h"
#include "sweep_check.h"

#include <ctype.h>
#include <iniparser.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const kind_names[TASK_KIND_COUNT] = {
    "train", "eval", "adcs", "dfm", "shortcut", "hfss", "ood", "heatmap", "dfm_greedy", "xfer"};
const char *task_kind_name(TaskKind k)
{
    return (unsigned)k < TASK_KIND_COUNT ? kind_names[k] : "?";
}

static const char *const axis_names[AX_COUNT] = {"dataset", "arch", "aug", "band",
                                                 "seed",    "test_band", "ood"};

/* ------------------------------------------------------------------ known datasets */
FsStatus sweep_dataset_info(const char *name, SweepDatasetInfo *out)
{
    static const struct {
        const char *name;
        SweepDatasetInfo info;
    } known[] = {
        {"Syn_B1", {4, 3, 32, 32}},        {"Syn_B2", {4, 3, 32, 32}},
        {"Syn_B3", {4, 3, 32, 32}},        {"Syn_B4", {4, 3, 32, 32}},
        {"fashion_mnist", {10, 1, 28, 28}}, {"fashion_mnist32", {10, 1, 32, 32}},
        {"cifar10", {10, 3, 32, 32}},      {"imagenet10", {10, 3, 224, 224}},
        {"imagenet10_sin", {10, 3, 224, 224}}, /* trained on Stylized ImageNet-10 */
        {"tiny", {3, 1, 8, 8}}, /* for tests and benchmarks */
    };
    for (size_t i = 0; i < FS_ARRAY_LEN(known); i++)
        if (!strcmp(name, known[i].name)) {
            *out = known[i].info;
            return FS_OK;
        }
    return fs_errorf(FS_ERR_CONFIG, "unknown dataset '%.64s%s' (known: Syn_B1..Syn_B4, fashion_mnist, "
                                    "fashion_mnist32, cifar10, imagenet10, imagenet10_sin, tiny)",
                     name, strlen(name) > 64 ? "..." : "");
}

const char *sweep_class_name(const char *dataset, int i)
{
    static const char *const syn[4] = {"C0", "C1", "C2", "C3"}; /* data_syn.c's names */
    static const char *const fmnist[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
    static const char *const cifar[10] = {"airplane", "automobile", "bird", "cat", "deer",
                                          "dog", "frog", "horse", "ship", "truck"};
    if (i < 0) return NULL;
    if (!strncmp(dataset, "Syn_B", 5)) return i < 4 ? syn[i] : NULL;
    if (!strcmp(dataset, "fashion_mnist") || !strcmp(dataset, "fashion_mnist32"))
        return i < 10 ? fmnist[i] : NULL;
    static const char *const in10[10] = {"airliner", "wagon", "hummingbird", "Siamese cat", "ox",
                                         "golden retriever", "tailed frog", "zebra",
                                         "container ship", "trailer truck"}; /* PAPER.md 4 */
    if (!strcmp(dataset, "cifar10")) return i < 10 ? cifar[i] : NULL;
    if (!strncmp(dataset, "imagenet10", 10)) return i < 10 ? in10[i] : NULL;
    return NULL;
}

/* ------------------------------------------------------------------ key table */
typedef enum { K_STR, K_INT, K_DBL, K_BOOL, K_U64, K_DLIST, K_AXIS } KeyType;

typedef struct { /* NOLINT(clang-analyzer-optin.performance.Padding): a readable table */
    const char *sec, *key;
    KeyType t;
    size_t off;   /* offset in SweepConfig; for K_AXIS the axis id */
    const char *def;
    double lo, hi;
    int results;  /* 1: changes results (a resume with another value is refused) */
    const char *help;
} KeyDef;

#define OFF(f) offsetof(SweepConfig, f)
static const KeyDef keys[] = {
    {"sweep", "name", K_STR, OFF(name), "sweep", 0, 0, 0, "a label"},
    {"sweep", "seed", K_U64, OFF(seed), "1", 0, 0, 1, "sweep seed; task seeds derive from it"},
    {"sweep", "runner", K_STR, OFF(runner), "fake", 0, 0, 1, "fake (pseudo-work) or real"},
    {"sweep", "retries", K_INT, OFF(retries), "2", 0, 100, 0, "extra attempts after a failure"},
    {"sweep", "task_timeout", K_DBL, OFF(task_timeout), "0", 0, 1e7, 0, "seconds, 0 = none"},
    {"sweep", "drain_timeout", K_DBL, OFF(drain_timeout), "30", 0, 1e5, 0,
     "seconds to wait for running tasks after SIGTERM/SIGUSR1"},
    {"sweep", "progress_every", K_DBL, OFF(progress_every), "60", 0.01, 1e5, 0,
     "seconds between progress summaries"},
    {"sweep", "store_fsync", K_BOOL, OFF(store_fsync), "false", 0, 0, 0,
     "fsync the journal after each result (survives node crashes, slower)"},
    {"axes", "datasets", K_AXIS, AX_DATASET, "Syn_B1", 0, 0, 1, "datasets"},
    {"axes", "archs", K_AXIS, AX_ARCH, "resnet_s", 0, 0, 1, "architectures"},
    {"axes", "augs", K_AXIS, AX_AUG, "none", 0, 0, 1, "augmentations"},
    {"axes", "bands", K_AXIS, AX_BAND, "all", 0, 0, 1, "training filters"},
    {"axes", "seeds", K_AXIS, AX_SEED, "0", 0, 0, 1, "seeds (integers)"},
    {"axes", "test_bands", K_AXIS, AX_TEST_BAND, "all", 0, 0, 1, "test filters"},
    {"axes", "ood", K_AXIS, AX_OOD, "none", 0, 0, 1, "OOD sets (none = no OOD task)"},
    {"axes", "classes", K_STR, OFF(classes), "all", 0, 0, 0,
     "classes of the DFM and SHORTCUT tasks: all, indices 0,3,7, ranges 0-4, class names"},
    {"analyses", "learning_order", K_BOOL, OFF(learning_order), "true", 0, 0, 1,
     "per-class accuracy curves during training"},
    {"analyses", "lo_dense_every", K_INT, OFF(lo_dense_every), "10", 1, 1000000, 1,
     "learning curves: a checkpoint every N steps up to lo_dense_until"},
    {"analyses", "lo_dense_until", K_INT, OFF(lo_dense_until), "100", 0, 100000000, 1,
     "learning curves: the last step of the dense checkpoints"},
    {"analyses", "lo_sparse_every", K_INT, OFF(lo_sparse_every), "100", 1, 100000000, 1,
     "learning curves: a checkpoint every N steps after lo_dense_until (and at each epoch end)"},
    {"analyses", "adcs", K_BOOL, OFF(adcs), "true", 0, 0, 1, "ADCS per dataset"},
    {"analyses", "dfm", K_BOOL, OFF(dfm), "true", 0, 0, 1, "DFMs by patch removal"},
    {"analyses", "dfm_method", K_STR, OFF(dfm_method), "iccv", 0, 0, 1, "iccv"},
    {"analyses", "dfm_patch", K_INT, OFF(dfm_patch), "1", 1, 112, 1, "patch size p"},
    {"analyses", "dfm_T", K_DLIST, OFF(dfm_T), "0.01,0.05,0.1,0.2", 0, 1, 1, "thresholds T"},
    {"analyses", "dfm_parts", K_INT, OFF(dfm_parts), "4", 1, 100000, 1,
     "DFM tasks per model (mask row ranges)"},
    {"analyses", "per_class", K_BOOL, OFF(per_class), "true", 0, 0, 0,
     "DFM and SHORTCUT tasks per class (false: per model, all classes; needs classes = all)"},
    {"analyses", "tprfpr", K_BOOL, OFF(tprfpr), "true", 0, 0, 1, "TPR/FPR on DFM-filtered sets"},
    {"analyses", "tpr_threshold", K_DBL, OFF(tpr_threshold), "0.6", 0, 1, 1, "shortcut TPR"},
    {"analyses", "shortcut_controls", K_INT, OFF(shortcut_controls), "50", 0, 100000, 1,
     "random radius-matched control masks per class and T"},
    {"analyses", "shortcut_fpr_max", K_DBL, OFF(shortcut_fpr_max), "0.2", 0, 1, 1,
     "FPR bound of the specific-shortcut verdict"},
    {"analyses", "dfm_holdout", K_BOOL, OFF(dfm_holdout), "false", 0, 0, 1,
     "true: DFMs ranked on the even half of each class's test images, TPR/FPR, controls and "
     "injection measured on the odd half"},
    {"analyses", "shortcut_inject", K_BOOL, OFF(shortcut_inject), "true", 0, 0, 1,
     "shortcut injection rates"},
    {"analyses", "shortcut_ood", K_BOOL, OFF(shortcut_ood), "false", 0, 0, 1,
     "true: the SHORTCUT task also measures the DFMs at the first T on every OOD set of [axes] "
     "ood (ood_* arrays: transfer of the shortcut to corrupted data)"},
    {"analyses", "shortcut_ood_controls", K_INT, OFF(shortcut_ood_controls), "-1", -1, 100000, 1,
     "random control masks per class for each OOD set (-1: shortcut_controls)"},
    {"analyses", "shortcut_xfer", K_BOOL, OFF(shortcut_xfer), "false", 0, 0, 1,
     "true: XFER tasks measure every other arch's DFMs (same dataset, aug, band, seed; first T) "
     "on each model, with the controls (xfer_* arrays: cross-architecture transfer)"},
    {"analyses", "transfer_augs", K_STR, OFF(transfer_augs), "all", 0, 0, 1,
     "the models that get shortcut_ood and shortcut_xfer: all, or a comma list of [axes] augs "
     "values (the transfer analyses cost several times the rest of a model)"},
    {"analyses", "dfm_greedy_tol", K_INT, OFF(dfm_greedy_tol), "6", 0, 1 << 30, 1,
     "t_tol (images) of the greedy DFMs of dfmx augs with method=greedy"},
    {"analyses", "hfss", K_BOOL, OFF(hfss), "false", 0, 0, 1, "HFSS search"},
    {"analyses", "hfss_p", K_DBL, OFF(hfss_p), "0.6", 0, 1, 1, "HFSS keep fraction"},
    {"analyses", "hfss_budgets", K_STR, OFF(hfss_budgets), "", 0, 0, 1,
     "HFSS candidates per stage, B_1,...,B_S (empty: the image size's default, 32: CF-1)"},
    {"analyses", "heatmap", K_BOOL, OFF(heatmap), "false", 0, 0, 1, "Fourier heat map"},
    {"train", "epochs", K_INT, OFF(epochs), "5", 1, 100000, 1, "epochs"},
    {"train", "batch", K_INT, OFF(batch), "64", 1, 1 << 20, 1, "batch size"},
    {"train", "lr", K_DBL, OFF(lr), "0.05", 0, 100, 1, "learning rate"},
    {"train", "weight_decay", K_DBL, OFF(weight_decay), "0.0005", 0, 10, 1, "weight decay"},
    {"train", "optimizer", K_STR, OFF(optimizer), "sgd", 0, 0, 1,
     "sgd (Nesterov momentum 0.9) or adamw (betas 0.9, 0.999, eps 1e-8; decoupled weight_decay)"},
    {"train", "schedule", K_STR, OFF(schedule), "plateau", 0, 0, 1,
     "learning-rate schedule: plateau (on a 10 % validation split), cosine (per epoch), "
     "cosine_step (per step, to 0) or const"},
    {"train", "n_train", K_INT, OFF(n_train), "0", 0, 1 << 30, 1, "training subset, 0 = all"},
    {"train", "n_train_for", K_STR, OFF(n_train_for), "", 0, 0, 1,
     "per-dataset training subsets DATASET:N, ... (overriding n_train; 0 = all)"},
    {"train", "n_test", K_INT, OFF(n_test), "0", 0, 1 << 30, 1, "test subset, 0 = all"},
    {"fake", "ms", K_DBL, OFF(fake_ms), "5", 0, 1e7, 1, "pseudo-work per task (ms)"},
    {"fake", "fail", K_STR, OFF(fake_fail), "", 0, 0, 1, "keys containing this fail"},
    {"fake", "fail_attempts", K_INT, OFF(fake_fail_attempts), "1", 0, 1000, 1,
     "... on their first N attempts"},
    {"fake", "hang", K_STR, OFF(fake_hang), "", 0, 0, 1, "keys containing this hang"},
    {"cost", "train_s", K_DBL, OFF(cost[TASK_TRAIN]), "60", 0, 1e9, 0, "estimated s per task"},
    {"cost", "eval_s", K_DBL, OFF(cost[TASK_EVAL]), "5", 0, 1e9, 0, "estimated s per task"},
    {"cost", "adcs_s", K_DBL, OFF(cost[TASK_ADCS]), "2", 0, 1e9, 0, "estimated s per task"},
    {"cost", "dfm_s", K_DBL, OFF(cost[TASK_DFM]), "30", 0, 1e9, 0,
     "estimated s per model: all its DFM tasks (classes x parts) together"},
    {"cost", "shortcut_s", K_DBL, OFF(cost[TASK_SHORTCUT]), "5", 0, 1e9, 0,
     "estimated s per model: all its per-class SHORTCUT tasks together"},
    {"cost", "hfss_s", K_DBL, OFF(cost[TASK_HFSS]), "60", 0, 1e9, 0, "estimated s per task"},
    {"cost", "ood_s", K_DBL, OFF(cost[TASK_OOD]), "5", 0, 1e9, 0, "estimated s per task"},
    {"cost", "heatmap_s", K_DBL, OFF(cost[TASK_HEATMAP]), "20", 0, 1e9, 0, "estimated s per task"},
    {"cost", "dfm_greedy_s", K_DBL, OFF(cost[TASK_DFM_GREEDY]), "60", 0, 1e9, 0,
     "estimated s per task"},
    {"cost", "xfer_s", K_DBL, OFF(cost[TASK_XFER]), "30", 0, 1e9, 0, "estimated s per task"},
    {"cost", "shortcut_ood_s", K_DBL, OFF(cost_shortcut_ood), "0", 0, 1e9, 0,
     "estimated s that shortcut_ood adds to a model's SHORTCUT tasks (all classes together)"},
};
#define NKEYS ((int)FS_ARRAY_LEN(keys))

typedef struct {
    char *val[NKEYS];   /* raw value */
    char *where[NKEYS]; /* "file:line", "override 'k=v'" or "default" */
} RawValues;

static void raw_free(RawValues *r)
{
    for (int i = 0; i < NKEYS; i++) {
        free(r->val[i]);
        free(r->where[i]);
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

static void lower(char *s)
{
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

static int key_find(const char *sec, const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if ((!sec || !strcasecmp(sec, keys[i].sec)) && !strcasecmp(key, keys[i].key)) return i;
    return -1;
}

/* Line number of `sec`/`key` in text (1-based), 0 if not found (case-insensitive like
 * iniparser). */
static int find_line(const char *text, const char *sec, const char *key)
{
    char cur[128] = "";
    int line = 0, found = 0;
    const char *p = text;
    while (*p) {
        line++;
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char buf[1024];
        if (n >= sizeof buf) n = sizeof buf - 1;
        memcpy(buf, p, n);
        buf[n] = 0;
        char *s = trim(buf);
        if (*s == '[') {
            char *c = strchr(s, ']');
            if (c) *c = 0;
            /* a longer name is no known section: truncated, it still matches none */
            fs_snprintf(cur, sizeof cur, "%.*s", (int)sizeof cur - 1, trim(s + 1));
            lower(cur);
        } else if (*s && *s != ';' && *s != '#') {
            char *eq = strchr(s, '=');
            if (eq) {
                *eq = 0;
                char *k = trim(s);
                lower(k);
                if (!strcasecmp(cur, sec) && !strcasecmp(k, key)) found = line; /* last one wins */
            }
        }
        p = e ? e + 1 : p + n;
    }
    return found;
}

/* Normalise a list value: items trimmed, joined by ','. */
static char *norm_list(const char *v)
{
    FsBuf b = {0};
    char *tmp = xstrdup(v);
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *s = trim(t);
        if (!*s) continue;
        fsbuf_printf(&b, "%s%s", b.len ? "," : "", s);
    }
    free(tmp);
    if (!b.s) return xstrdup("");
    return b.s;
}

static FsStatus load_ini(const char *path, RawValues *raw)
{
    char *text = NULL;
    size_t len = 0;
    if (fs_read_file(path, &text, &len) != FS_OK) return FS_ERR_CONFIG;
    /* iniparser prints syntax errors itself; we report them as a failed load. */
    dictionary *d = iniparser_load(path);
    if (!d) {
        free(text);
        return fs_errorf(FS_ERR_CONFIG, "%s: not a valid INI file", path);
    }
    FsStatus st = FS_OK;
    int ns = iniparser_getnsec(d);
    for (int s = 0; s < ns && st == FS_OK; s++) {
        const char *sec = iniparser_getsecname(d, s);
        int nk = iniparser_getsecnkeys(d, sec);
        int known_sec = 0;
        for (int i = 0; i < NKEYS; i++) known_sec |= !strcmp(keys[i].sec, sec);
        if (!known_sec) {
            int line = 0, ln = 0;
            for (const char *p = text; *p && !line;) {
                const char *e = strchr(p, '\n');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                char buf[256];
                fs_snprintf(buf, sizeof buf, "%.*s", (int)(n < 200 ? n : 200), p);
                char *t = trim(buf);
                lower(t);
                ln++;
                if (*t == '[' && !strncmp(t + 1, sec, strlen(sec)) && t[1 + strlen(sec)] == ']')
                    line = ln;
                p = e ? e + 1 : p + n;
            }
            st = fs_errorf(FS_ERR_CONFIG,
                           "%s:%d: unknown section [%s] (known: sweep, axes, analyses, train, "
                           "fake, cost)", path, line, sec);
            break;
        }
        if (nk <= 0) continue;
        const char **ks = xcalloc((size_t)nk, sizeof *ks);
        iniparser_getseckeys(d, sec, ks);
        for (int j = 0; j < nk; j++) {
            const char *full = ks[j]; /* "sec:key" */
            const char *k = strchr(full, ':');
            k = k ? k + 1 : full;
            int line = find_line(text, sec, k);
            int idx = key_find(sec, k);
            if (idx < 0) {
                st = fs_errorf(FS_ERR_CONFIG, "%s:%d: unknown key '%s' in [%s]", path, line, k,
                               sec);
                break;
            }
            const char *v = iniparser_getstring(d, full, "");
            free(raw->val[idx]);
            free(raw->where[idx]);
            raw->val[idx] = xstrdup(v ? v : "");
            FsBuf w = {0};
            fsbuf_printf(&w, "%s:%d: key '%s'", path, line, k);
            raw->where[idx] = w.s;
        }
        free(ks);
    }
    iniparser_freedict(d);
    free(text);
    return st;
}

static FsStatus apply_override(const char *o, RawValues *raw)
{
    const char *eq = strchr(o, '=');
    if (!eq || eq == o)
        return fs_errorf(FS_ERR_CONFIG, "override '%s': expected key=value", o);
    char name[128];
    size_t n = (size_t)(eq - o);
    if (n >= sizeof name) return fs_errorf(FS_ERR_CONFIG, "override '%s': key too long", o);
    memcpy(name, o, n);
    name[n] = 0;
    char *nm = trim(name);
    lower(nm);
    char *dot = strchr(nm, '.');
    int idx;
    if (dot) {
        *dot = 0;
        idx = key_find(nm, dot + 1);
    } else {
        idx = key_find(NULL, nm);
        for (int i = idx + 1; idx >= 0 && i < NKEYS; i++)
            if (!strcasecmp(keys[i].key, nm))
                return fs_errorf(FS_ERR_CONFIG, "override '%s': key '%s' is ambiguous; write "
                                 "section.key (%s.%s or %s.%s)", o, nm, keys[idx].sec, nm,
                                 keys[i].sec, nm);
    }
    if (idx < 0) return fs_errorf(FS_ERR_CONFIG, "override '%s': unknown key", o);
    free(raw->val[idx]);
    free(raw->where[idx]);
    char *v = xstrdup(eq + 1);
    raw->val[idx] = xstrdup(trim(v));
    free(v);
    char w[600];
    fs_snprintf(w, sizeof w, "override '%.500s'", o);
    raw->where[idx] = xstrdup(w);
    return FS_OK;
}

static FsStatus bad(const RawValues *raw, int i, const char *expected)
{
    return fs_errorf(FS_ERR_CONFIG, "%s (%s.%s) = '%s': expected %s", raw->where[i], keys[i].sec,
                     keys[i].key, raw->val[i], expected);
}

static FsStatus parse_classes(const RawValues *raw, SweepConfig *cfg);
static FsStatus check_dfmx(const RawValues *raw, SweepConfig *cfg);
static FsStatus parse_transfer_augs(const RawValues *raw, SweepConfig *cfg);

/* n_train_for = "DATASET:N, ...": cfg->n_train_ds[d] = N for each named value of the datasets
 * axis (n_train elsewhere). A known dataset that is not on the axis is ignored (a command-line
 * datasets= may drop it); an unknown name or a bad count is an error. */
static FsStatus parse_n_train_for(const RawValues *raw, SweepConfig *cfg)
{
    const SweepAxis *ax = &cfg->axes[AX_DATASET];
    const int i = key_find("train", "n_train_for");
    cfg->n_train_ds = xcalloc((size_t)(ax->n > 0 ? ax->n : 1), sizeof *cfg->n_train_ds);
    for (int d = 0; d < ax->n; d++) cfg->n_train_ds[d] = cfg->n_train;
    char *tmp = xstrdup(cfg->n_train_for), *save = NULL;
    FsStatus st = FS_OK;
    for (char *t = strtok_r(tmp, ",", &save); t && st == FS_OK; t = strtok_r(NULL, ",", &save)) {
        char *item = trim(t), *colon = strrchr(item, ':');
        if (!*item) continue;
        int n = 0;
        SweepDatasetInfo info;
        if (!colon) {
            st = bad(raw, i, "DATASET:N items, e.g. fashion_mnist32:15000");
            break;
        }
        *colon = 0;
        char *name = trim(item);
        if (fs_parse_int(trim(colon + 1), 0, 1 << 30, "n_train_for", &n) != FS_OK) {
            st = bad(raw, i, "DATASET:N items with N an integer in [0, 1073741824]");
            break;
        }
        int d = sweep_axis_find(ax, name);
        if (d >= 0) cfg->n_train_ds[d] = n;
        else if (sweep_dataset_info(name, &info) != FS_OK)
            st = bad(raw, i, "DATASET:N items naming known datasets");
    }
    free(tmp);
    return st;
}

static FsStatus convert(RawValues *raw, SweepConfig *cfg)
{
    char *base = (char *)cfg;
    for (int i = 0; i < NKEYS; i++) {
        const KeyDef *k = &keys[i];
        const char *v = raw->val[i];
        char exp[160];
        switch (k->t) {
        case K_STR: {
            char **dst = (char **)(void *)(base + k->off);
            *dst = xstrdup(v);
            break;
        }
        case K_INT: {
            int x;
            fs_snprintf(exp, sizeof exp, "an integer in [%.0f, %.0f]", k->lo, k->hi);
            if (fs_parse_int(v, (int)k->lo, (int)k->hi, k->key, &x) != FS_OK)
                return bad(raw, i, exp);
            *(int *)(void *)(base + k->off) = x;
            break;
        }
        case K_U64: {
            long x;
            if (fs_parse_long(v, 0, 0x7fffffffffffffffL, k->key, &x) != FS_OK)
                return bad(raw, i, "a non-negative integer");
            *(uint64_t *)(void *)(base + k->off) = (uint64_t)x;
            break;
        }
        case K_DBL: {
            double x;
            fs_snprintf(exp, sizeof exp, "a number in [%g, %g]", k->lo, k->hi);
            if (fs_parse_double(v, k->lo, k->hi, k->key, &x) != FS_OK) return bad(raw, i, exp);
            *(double *)(void *)(base + k->off) = x;
            break;
        }
        case K_BOOL: {
            int x;
            if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "on"))
                x = 1;
            else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0") ||
                     !strcmp(v, "off"))
                x = 0;
            else
                return bad(raw, i, "true or false");
            *(int *)(void *)(base + k->off) = x;
            break;
        }
        case K_DLIST: {
            fs_snprintf(exp, sizeof exp, "a comma-separated list of numbers in [%g, %g]", k->lo,
                        k->hi);
            double *d = NULL;
            int n = 0;
            if (fs_parse_double_list(v, k->lo, k->hi, k->key, &d, &n) != FS_OK || n < 1)
                return bad(raw, i, exp);
            cfg->dfm_T = d;
            cfg->n_dfm_T = n;
            break;
        }
        case K_AXIS: {
            SweepAxis *ax = &cfg->axes[k->off];
            ax->name = axis_names[k->off];
            char *tmp = xstrdup(v);
            char *save = NULL;
            int cap = 8;
            ax->v = xcalloc((size_t)cap, sizeof *ax->v);
            for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char *s = trim(t);
                if (!*s) continue;
                for (const char *c = s; *c; c++)
                    if (!isalnum((unsigned char)*c) && !strchr("_-.+=:", *c)) {
                        free(tmp);
                        return bad(raw, i, "names of letters, digits and _-.+=: only");
                    }
                if (sweep_axis_find(ax, s) >= 0) {
                    free(tmp);
                    return bad(raw, i, "distinct values (one is repeated)");
                }
                if (ax->n == cap) {
                    cap *= 2;
                    ax->v = xrealloc(ax->v, (size_t)cap * sizeof *ax->v);
                }
                ax->v[ax->n++] = xstrdup(s);
            }
            free(tmp);
            if (k->off == AX_OOD && ax->n == 1 && !strcmp(ax->v[0], "none")) {
                free(ax->v[0]);
                ax->n = 0;
            } else if (ax->n == 0) {
                return bad(raw, i, "a non-empty comma-separated list");
            }
            if (k->off == AX_SEED)
                for (int j = 0; j < ax->n; j++) {
                    long sv;
                    if (fs_parse_long(ax->v[j], 0, 1L << 40, "seed", &sv) != FS_OK)
                        return bad(raw, i, "non-negative integer seeds");
                }
            if (k->off == AX_DATASET) {
                cfg->dsinfo = xcalloc((size_t)ax->n, sizeof *cfg->dsinfo);
                for (int j = 0; j < ax->n; j++)
                    if (sweep_dataset_info(ax->v[j], &cfg->dsinfo[j]) != FS_OK) {
                        char msg[400];
                        fs_snprintf(msg, sizeof msg, "%.*s", (int)sizeof msg - 1, fs_last_error()); /* may be cut */
                        return bad(raw, i, msg);
                    }
            }
            break;
        }
        }
    }
    if (strcmp(cfg->runner, "fake") != 0 && strcmp(cfg->runner, "real") != 0) {
        int i = key_find("sweep", "runner");
        return bad(raw, i, "fake or real");
    }
    if (!strcmp(cfg->runner, "real")) { /* values inside the axes, as the real runner reads them */
        static const int checked[] = {AX_ARCH, AX_AUG, AX_BAND, AX_TEST_BAND, AX_OOD};
        static const char *const keyname[] = {"archs", "augs", "bands", "test_bands", "ood"};
        for (size_t a = 0; a < FS_ARRAY_LEN(checked); a++) {
            const SweepAxis *ax = &cfg->axes[checked[a]];
            for (int j = 0; j < ax->n; j++) {
                const char *val = ax->v[j];
                char from[256] = "", pipe[64];
                SweepDfmx x = {0};
                if (checked[a] == AX_AUG) { /* a dfmx value: its dfmx step (options: check_dfmx) */
                    if (sweep_dfmx_parse(val, &x, from, sizeof from) != FS_OK) continue;
                    fs_snprintf(pipe, sizeof pipe, "dfmx:p=%.17g", x.p);
                    if (x.on) val = pipe;
                }
                if (sweep_check_real_value(checked[a], val, cfg->dsinfo,
                                           cfg->axes[AX_DATASET].n) != FS_OK) {
                    int i = key_find("axes", keyname[a]);
                    char msg[600];
                    fs_snprintf(msg, sizeof msg, "%.*s", (int)sizeof msg - 1, fs_last_error()); /* may be cut */
                    return fs_errorf(FS_ERR_CONFIG, "%s (%s.%s) value '%s': %s", raw->where[i],
                                     keys[i].sec, keys[i].key, ax->v[j], msg);
                }
            }
        }
    }
    if (strcmp(cfg->dfm_method, "iccv") != 0) {
        int i = key_find("analyses", "dfm_method");
        return bad(raw, i, "iccv (HFSS is its own analysis: hfss = true)");
    }
    if (strcmp(cfg->optimizer, "sgd") != 0 && strcmp(cfg->optimizer, "adamw") != 0) {
        int i = key_find("train", "optimizer");
        return bad(raw, i, "sgd or adamw");
    }
    if (strcmp(cfg->schedule, "plateau") != 0 && strcmp(cfg->schedule, "cosine") != 0 &&
        strcmp(cfg->schedule, "cosine_step") != 0 && strcmp(cfg->schedule, "const") != 0) {
        int i = key_find("train", "schedule");
        return bad(raw, i, "plateau, cosine, cosine_step or const");
    }
    FsStatus st = parse_n_train_for(raw, cfg);
    if (st != FS_OK) return st;
    for (int d = 0; d < cfg->axes[AX_DATASET].n; d++) {
        if (cfg->dfm && (cfg->dsinfo[d].h / 2) % cfg->dfm_patch != 0) {
            int i = key_find("analyses", "dfm_patch");
            char msg[200];
            fs_snprintf(msg, sizeof msg, "a patch size dividing half the image size (%d) of %s",
                        cfg->dsinfo[d].h / 2, cfg->axes[AX_DATASET].v[d]);
            return bad(raw, i, msg);
        }
        /* dfm_holdout splits each class's test images in two: n_test must leave two per class */
        if (cfg->dfm && cfg->dfm_holdout && cfg->n_test > 0 && cfg->n_test < 2 * cfg->dsinfo[d].classes) {
            int i = key_find("train", "n_test");
            char msg[200];
            fs_snprintf(msg, sizeof msg, "at least 2 test images per class with dfm_holdout = true "
                        "(%d for the %d classes of %s)", 2 * cfg->dsinfo[d].classes,
                        cfg->dsinfo[d].classes, cfg->axes[AX_DATASET].v[d]);
            return bad(raw, i, msg);
        }
    }
    if (cfg->shortcut_ood && !(cfg->dfm && cfg->tprfpr && cfg->axes[AX_OOD].n > 0)) {
        int i = key_find("analyses", "shortcut_ood");
        return bad(raw, i, "false, or true together with dfm = true, tprfpr = true and an [axes] "
                           "ood list (the sets the DFMs are measured on)");
    }
    if (cfg->shortcut_xfer && !(cfg->dfm && cfg->tprfpr && cfg->axes[AX_ARCH].n >= 2)) {
        int i = key_find("analyses", "shortcut_xfer");
        return bad(raw, i, "false, or true together with dfm = true, tprfpr = true and at least "
                           "two [axes] archs (whose DFMs are exchanged)");
    }
    for (int d = 0; !strcmp(cfg->runner, "real") && d < cfg->axes[AX_DATASET].n; d++) {
        /* the sets read from outside the package: their folder must be given (runner_real.c) */
        const char *v = cfg->axes[AX_DATASET].v[d];
        const char *env = !strcmp(v, "cifar10") ? "FSWEEP_CIFAR10_DIR"
                          : !strncmp(v, "imagenet10", 10) ? "FSWEEP_IMAGENET10_DIR" : NULL;
        if (!strcmp(v, "imagenet10_sin") && !getenv("FSWEEP_SIN_DIR")) env = "FSWEEP_SIN_DIR";
        if (env && !getenv(env)) {
            int i = key_find("axes", "datasets");
            char msg[200];
            fs_snprintf(msg, sizeof msg, "%s in the environment for dataset %s (its folder)", env, v);
            return bad(raw, i, msg);
        }
    }
    if (cfg->hfss) { /* budgets: positive integers, one per stage of every dataset's size */
        int i = key_find("analyses", "hfss_budgets"), *b = NULL, n = 0;
        if (cfg->hfss_budgets[0] &&
            (fs_parse_int_list(cfg->hfss_budgets, 1, 10000000, "hfss_budgets", &b, &n) != FS_OK ||
             n > (int)FS_ARRAY_LEN(cfg->hfss_budget))) {
            free(b);
            return bad(raw, i, "a comma list of at most 8 candidate counts in [1, 10000000], one per stage");
        }
        for (int j = 0; j < n; j++) cfg->hfss_budget[j] = b[j];
        cfg->n_hfss_budget = n;
        free(b);
        if (!strcmp(cfg->runner, "real") &&
            sweep_check_hfss(n, cfg->dsinfo, cfg->axes[AX_DATASET].n,
                             (const char *const *)cfg->axes[AX_DATASET].v) != FS_OK) {
            char msg[400];
            fs_snprintf(msg, sizeof msg, "%.*s", (int)sizeof msg - 1, fs_last_error()); /* may be cut */
            return bad(raw, i, msg);
        }
    }
    st = parse_classes(raw, cfg);
    for (int d = 0; st == FS_OK && cfg->shortcut_xfer && d < cfg->axes[AX_DATASET].n; d++)
        if (cfg->n_cls[d] != cfg->dsinfo[d].classes) { /* the source's maps of every class */
            char msg[300];
            fs_snprintf(msg, sizeof msg, "false, or classes = all: the XFER tasks measure the "
                        "DFMs of every class, but [axes] classes = %s selects %d of %s's %d",
                        cfg->classes, cfg->n_cls[d], cfg->axes[AX_DATASET].v[d], cfg->dsinfo[d].classes);
            st = bad(raw, key_find("analyses", "shortcut_xfer"), msg);
        }
    if (st == FS_OK) st = check_dfmx(raw, cfg);
    return st == FS_OK ? parse_transfer_augs(raw, cfg) : st;
}

/* ------------------------------------------------------------------ dfmx aug values */
static FsStatus dfmx_opt(const char *key, int *seen)
{
    if (*seen)
        return fs_errorf(FS_ERR_CONFIG, "dfmx option %s= given twice (expected each of p, from, "
                         "method, T, control at most once)", key);
    *seen = 1;
    return FS_OK;
}

FsStatus sweep_dfmx_parse(const char *v, SweepDfmx *out, char *from, size_t n)
{
    memset(out, 0, sizeof *out);
    if (strcmp(v, "dfmx") != 0 && strncmp(v, "dfmx:", 5) != 0) return FS_OK;
    out->on = 1;
    out->p = 0.3;
    out->T = 0.05;
    out->from = -1;
    FsBuf fb = {0};
    fsbuf_printf(&fb, "none");
    int seen[5] = {0}, in_from = 0;
    FsStatus st = FS_OK;
    char *tmp = xstrdup(v + 4), *save = NULL;
    for (char *t = strtok_r(tmp, ":", &save); t && st == FS_OK; t = strtok_r(NULL, ":", &save)) {
        if (!strncmp(t, "p=", 2)) {
            in_from = 0;
            st = dfmx_opt("p", &seen[0]);
            if (st == FS_OK && fs_parse_double(t + 2, 0, 1, "p", &out->p) != FS_OK)
                st = fs_errorf(FS_ERR_CONFIG, "dfmx option '%s': expected p= a probability in "
                               "[0, 1]", t);
        } else if (!strncmp(t, "T=", 2)) {
            in_from = 0;
            st = dfmx_opt("T", &seen[1]);
            if (st == FS_OK && (fs_parse_double(t + 2, 0, 1, "T", &out->T) != FS_OK || out->T <= 0))
                st = fs_errorf(FS_ERR_CONFIG, "dfmx option '%s': expected T= a top fraction in "
                               "(0, 1]", t);
        } else if (!strncmp(t, "method=", 7)) {
            in_from = 0;
            st = dfmx_opt("method", &seen[2]);
            if (st == FS_OK && !strcmp(t + 7, "greedy")) out->greedy = 1;
            else if (st == FS_OK && strcmp(t + 7, "removal") != 0)
                st = fs_errorf(FS_ERR_CONFIG, "dfmx option '%s': expected method=removal or "
                               "method=greedy", t);
        } else if (!strncmp(t, "control=", 8)) {
            in_from = 0;
            st = dfmx_opt("control", &seen[4]);
            if (st == FS_OK && !strcmp(t + 8, "random")) out->random = 1;
            else if (st == FS_OK && strcmp(t + 8, "none") != 0)
                st = fs_errorf(FS_ERR_CONFIG, "dfmx option '%s': expected control=random or "
                               "control=none", t);
        } else if (in_from) { /* a source value with ':' inside (pad:4+crop+flip, dfmx:...) */
            fsbuf_printf(&fb, ":%s", t);
        } else if (!strncmp(t, "from=", 5)) {
            st = dfmx_opt("from", &seen[3]);
            fb.len = 0;
            fsbuf_printf(&fb, "%s", t + 5);
            in_from = 1;
        } else {
            st = fs_errorf(FS_ERR_CONFIG, "dfmx option '%s': expected p=, from=, method=, T= or "
                           "control=", t);
        }
    }
    if (st == FS_OK && seen[1] && out->greedy)
        st = fs_errorf(FS_ERR_CONFIG, "dfmx option T=: method=greedy maps have their own size "
                       "(expected no T= with method=greedy)");
    if (st == FS_OK && strlen(fb.s) >= n) /* the source is an aug value: never this long */
        st = fs_errorf(FS_ERR_CONFIG, "dfmx option from=%.40s...: %zu bytes, expected an aug value "
                       "of at most %zu", fb.s, strlen(fb.s), n - 1);
    fs_snprintf(from, n, "%.*s", (int)(n - 1), fb.s);
    fsbuf_free(&fb);
    free(tmp);
    return st;
}

void sweep_aug_pipeline(const SweepConfig *cfg, int g, char *out, size_t n)
{
    if (cfg->dfmx && cfg->dfmx[g].on) {
        fs_snprintf(out, n, "dfmx:p=%.17g", cfg->dfmx[g].p);
        return;
    }
    fs_snprintf(out, n, "%s", cfg->axes[AX_AUG].v[g]);
    for (char *p = out; *p; p++)
        if (*p == '+') *p = ',';
}

/* Every dfmx aug value: its options, a source that exists in the grid, is no dfmx value itself,
 * and has the DFMs the method reads (removal: dfm = true and every class selected). */
static FsStatus check_dfmx(const RawValues *raw, SweepConfig *cfg)
{
    const SweepAxis *ax = &cfg->axes[AX_AUG];
    const int i = key_find("axes", "augs");
    cfg->dfmx = xcalloc((size_t)ax->n + 1, sizeof *cfg->dfmx);
    for (int g = 0; g < ax->n; g++) {
        char from[256] = "", why[700] = "";
        SweepDfmx *x = &cfg->dfmx[g];
        if (sweep_dfmx_parse(ax->v[g], x, from, sizeof from) != FS_OK)
            fs_snprintf(why, sizeof why, "%s", fs_last_error());
        if (!x->on) continue;
        if (!*why) x->from = sweep_axis_find(ax, from);
        if (!*why && x->from < 0)
            fs_snprintf(why, sizeof why, "from=%s is not a value of [axes] augs (expected the aug "
                        "of the model whose DFMs it trains with, e.g. from=none; the options are "
                        "p=, from=, method=, T=)", from);
        else if (!*why && strncmp(from, "dfmx", 4) == 0 && (!from[4] || from[4] == ':'))
            fs_snprintf(why, sizeof why, "from=%s is itself a dfmx value (expected a model trained "
                        "without dfmx: chains are not supported)", from);
        else if (!*why && !x->greedy && !cfg->dfm)
            fs_snprintf(why, sizeof why, "method=removal reads the source's DFM tasks, but [analyses] "
                        "dfm = false (expected dfm = true, or method=greedy)");
        for (int d = 0; !*why && !x->greedy && cfg->per_class && d < cfg->axes[AX_DATASET].n; d++)
            if (cfg->n_cls[d] != cfg->dsinfo[d].classes)
                fs_snprintf(why, sizeof why, "method=removal needs the DFMs of every class, but "
                            "[axes] classes = %s selects %d of %s's %d (expected classes = all, or "
                            "method=greedy)", cfg->classes, cfg->n_cls[d], cfg->axes[AX_DATASET].v[d],
                            cfg->dsinfo[d].classes);
        if (*why)
            return fs_errorf(FS_ERR_CONFIG, "%s (axes.augs) value '%s': %s", raw->where[i],
                             ax->v[g], why);
    }
    return FS_OK;
}

/* One item of [axes] classes for dataset d: an index, a range "a-b" or a class name. Marks sel
 * (K); returns 0 on success, else fills why. */
static int class_item(const SweepConfig *cfg, int d, const char *item, uint8_t *sel, char *why,
                      size_t nwhy)
{
    const char *ds = cfg->axes[AX_DATASET].v[d];
    const int K = cfg->dsinfo[d].classes;
    long a = -1, b = -1;
    char *end = NULL;
    int lo = -1, hi = -1;
    if (isdigit((unsigned char)item[0])) {
        a = strtol(item, &end, 10);
        if (*end == '-' && isdigit((unsigned char)end[1])) b = strtol(end + 1, &end, 10);
        else b = a;
        if (*end == 0) {
            if (a > b) {
                fs_snprintf(why, nwhy, "range '%s' runs backwards (expected a-b with a <= b)", item);
                return 1;
            }
            if (b >= K) {
                fs_snprintf(why, nwhy, "dataset %s has %d classes (expected indices 0-%d)", ds, K,
                            K - 1);
                return 1;
            }
            lo = (int)a;
            hi = (int)b;
        }
    }
    if (lo < 0)
        for (int j = 0; j < K && lo < 0; j++) {
            const char *nm = sweep_class_name(ds, j);
            if (nm && !strcasecmp(nm, item)) lo = hi = j;
        }
    if (lo < 0) {
        FsBuf names = {0};
        for (int j = 0; j < K && sweep_class_name(ds, j); j++)
            fsbuf_printf(&names, "%s%s", j ? ", " : "", sweep_class_name(ds, j));
        fs_snprintf(why, nwhy, "not a class of %s (expected all, an index 0-%d, a range a-b%s%s%s)",
                    ds, K - 1, names.s ? " or a class name: " : "", names.s ? names.s : "",
                    names.s ? "" : "; it has no class names");
        fsbuf_free(&names);
        return 1;
    }
    for (int j = lo; j <= hi; j++) {
        if (sel[j]) {
            fs_snprintf(why, nwhy, "class %d of %s is selected twice (expected distinct classes)",
                        j, ds);
            return 1;
        }
        sel[j] = 1;
    }
    return 0;
}

/* transfer_augs = all | AUG, ...: cfg->transfer[g] = 1 for the augs-axis values named (all: every
 * one). A name that is not on the axis is allowed (a sitting with a shorter augs list, an
 * AUGS= run of run_r2.sh) when it is an augmentation the real runner knows, so a typo is caught. */
static FsStatus parse_transfer_augs(const RawValues *raw, SweepConfig *cfg)
{
    const SweepAxis *ax = &cfg->axes[AX_AUG];
    const int i = key_find("analyses", "transfer_augs");
    cfg->transfer = xcalloc((size_t)ax->n + 1, sizeof *cfg->transfer);
    char *tmp = norm_list(cfg->transfer_augs), *save = NULL;
    FsStatus st = FS_OK;
    const int all = !strcmp(tmp, "all");
    for (int g = 0; all && g < ax->n; g++) cfg->transfer[g] = 1;
    if (!*tmp) st = bad(raw, i, "all, or a comma list of [axes] augs values");
    for (char *t = all ? NULL : strtok_r(tmp, ",", &save); t && st == FS_OK;
         t = strtok_r(NULL, ",", &save)) {
        const int g = sweep_axis_find(ax, t);
        if (g >= 0) {
            cfg->transfer[g] = 1;
        } else if (!strcmp(t, "all") ||
                   (!strcmp(cfg->runner, "real") &&
                    sweep_check_real_value(AX_AUG, t, cfg->dsinfo, cfg->axes[AX_DATASET].n) != FS_OK)) {
            char msg[400];
            fs_snprintf(msg, sizeof msg, "all, or a comma list of augmentations ('%.100s' is neither "
                        "a value of [axes] augs nor a pipeline the real runner knows)", t);
            st = bad(raw, i, msg);
        }
    }
    free(tmp);
    return st;
}

/* [axes] classes against every dataset's class count and names: cfg->cls, cfg->n_cls. */
static FsStatus parse_classes(const RawValues *raw, SweepConfig *cfg)
{
    const int i = key_find("axes", "classes"), nd = cfg->axes[AX_DATASET].n;
    cfg->n_cls = xcalloc((size_t)nd + 1, sizeof *cfg->n_cls);
    cfg->cls = xcalloc((size_t)nd + 1, sizeof *cfg->cls);
    char *v = norm_list(raw->val[i]);
    const int all = !strcasecmp(v, "all");
    if (!*v) {
        free(v);
        return bad(raw, i, "all, class indices (0,3,7), ranges (0-4) or class names");
    }
    if (!all && !cfg->per_class) {
        free(v);
        int j = key_find("analyses", "per_class");
        return fs_errorf(FS_ERR_CONFIG, "%s (axes.classes) = '%s': a class selection needs "
                         "per_class = true (%s is false)", raw->where[i], raw->val[i],
                         raw->where[j]);
    }
    FsStatus st = FS_OK;
    for (int d = 0; d < nd && st == FS_OK; d++) {
        const int K = cfg->dsinfo[d].classes;
        uint8_t *sel = xcalloc((size_t)K, 1);
        char *tmp = xstrdup(v), *save = NULL;
        for (char *t = strtok_r(tmp, ",", &save); t && st == FS_OK; t = strtok_r(NULL, ",", &save)) {
            char why[600];
            if (all) {
                memset(sel, 1, (size_t)K);
            } else if (class_item(cfg, d, t, sel, why, sizeof why)) {
                st = fs_errorf(FS_ERR_CONFIG, "%s (axes.classes) value '%s': %s", raw->where[i],
                               t, why);
            }
        }
        free(tmp);
        cfg->cls[d] = xcalloc((size_t)K, sizeof **cfg->cls);
        for (int j = 0; j < K; j++)
            if (sel[j]) cfg->cls[d][cfg->n_cls[d]++] = j;
        free(sel);
    }
    free(v);
    return st;
}

/* Canonical text: every key in table order, lists normalised. */
static void render(const RawValues *raw, SweepConfig *cfg)
{
    FsBuf b = {0}, r = {0};
    const char *sec = "";
    for (int i = 0; i < NKEYS; i++) {
        if (strcmp(sec, keys[i].sec) != 0) {
            sec = keys[i].sec;
            fsbuf_printf(&b, "%s[%s]\n", b.len ? "\n" : "", sec);
        }
        char *v = (keys[i].t == K_AXIS || keys[i].t == K_DLIST ||
                   (keys[i].t == K_STR &&
                    (keys[i].off == OFF(classes) || keys[i].off == OFF(transfer_augs))))
                      ? norm_list(raw->val[i])
                                                                 : xstrdup(raw->val[i]);
        fsbuf_printf(&b, "%s = %s\n", keys[i].key, v);
        /* grid axes may grow on resume; test bands and OOD sets are fixed extents */
        /* dfm_greedy_tol (added with DFM-X in the sweep) hashes only when not its default, so
         * stores from before the key resume */
        /* transfer_augs likewise (added when the transfer analyses outgrew the budget) */
        const int skip = ((keys[i].t == K_INT && keys[i].off == OFF(dfm_greedy_tol)) ||
                          (keys[i].t == K_STR && keys[i].off == OFF(transfer_augs))) &&
                         !strcmp(v, keys[i].def);
        if (keys[i].results && !skip && (keys[i].t != K_AXIS || keys[i].off >= AX_TEST_BAND))
            fsbuf_printf(&r, "%s.%s=%s\n", keys[i].sec, keys[i].key, v);
        free(v);
    }
    cfg->text = b.s;
    cfg->hash = fs_hash64(b.s, b.len);
    cfg->result_hash = r.s ? fs_hash64(r.s, r.len) : 0;
    fsbuf_free(&r);
}

/* ------------------------------------------------------------------ the graph */
/* Append a task at grid coordinates (d, a, g, b, s), class cls (-1: all), DFM mask range part of
 * n_parts, and for XFER the source arch src (-1 otherwise); its key, id and estimated cost. */
static TaskSpec *add_task(SweepConfig *cfg, int *cap, TaskKind kind, int d, int a, int g, int b,
                          int s, int cls, int part, int n_parts, int src)
{
    if (cfg->n_tasks == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        cfg->tasks = xrealloc(cfg->tasks, (size_t)*cap * sizeof *cfg->tasks);
    }
    TaskSpec *t = &cfg->tasks[cfg->n_tasks];
    memset(t, 0, sizeof *t);
    t->index = cfg->n_tasks;
    t->kind = kind;
    t->dataset = d;
    t->arch = a;
    t->aug = g;
    t->band = b;
    t->seed = s;
    t->cls = cls;
    t->part = part;
    t->n_parts = n_parts;
    t->src_arch = src;
    t->dep_off = cfg->n_deps_all;
    SweepAxis *ax = cfg->axes;
    char cpart[16] = "";
    if (cls >= 0) fs_snprintf(cpart, sizeof cpart, "/c%d", cls);
    if (kind == TASK_ADCS)
        fs_snprintf(t->key, sizeof t->key, "adcs/%s", ax[AX_DATASET].v[d]);
    else if (kind == TASK_DFM)
        fs_snprintf(t->key, sizeof t->key, "dfm/%s/%s/%s/%s/s%s%s/p%d", ax[AX_DATASET].v[d],
                    ax[AX_ARCH].v[a], ax[AX_AUG].v[g], ax[AX_BAND].v[b], ax[AX_SEED].v[s], cpart,
                    part);
    else if (kind == TASK_XFER)
        fs_snprintf(t->key, sizeof t->key, "xfer/%s/%s/%s/%s/s%s/from/%s", ax[AX_DATASET].v[d],
                    ax[AX_ARCH].v[a], ax[AX_AUG].v[g], ax[AX_BAND].v[b], ax[AX_SEED].v[s],
                    ax[AX_ARCH].v[src]);
    else
        fs_snprintf(t->key, sizeof t->key, "%s/%s/%s/%s/%s/s%s%s", task_kind_name(kind),
                    ax[AX_DATASET].v[d], ax[AX_ARCH].v[a], ax[AX_AUG].v[g], ax[AX_BAND].v[b],
                    ax[AX_SEED].v[s], cpart);
    t->id = fs_hash64(t->key, strlen(t->key));
    double c = cfg->cost[kind];
    if (kind == TASK_SHORTCUT && cfg->shortcut_ood && cfg->transfer[g]) c += cfg->cost_shortcut_ood;
    if (!strcmp(cfg->runner, "fake")) {
        static const double factor[TASK_KIND_COUNT] = {4, 1, 1, 2, 1, 2, 1, 1, 2, 1};
        c = cfg->fake_ms * 1e-3 * factor[kind];
    } else {
        if (kind == TASK_DFM) c /= n_parts;
        /* one class of K: its share of the test images (balanced sets) */
        if (cls >= 0) c /= cfg->dsinfo[d].classes;
    }
    t->cost = c;
    cfg->count_kind[kind]++;
    cfg->n_tasks++;
    return t;
}

/* Append dependency dep to the task just added (the last one). */
static void add_dep(SweepConfig *cfg, int *dcap, int dep)
{
    if (cfg->n_deps_all == *dcap) {
        *dcap = *dcap ? *dcap * 2 : 256;
        cfg->deps = xrealloc(cfg->deps, (size_t)*dcap * sizeof *cfg->deps);
    }
    cfg->deps[cfg->n_deps_all++] = dep;
    cfg->tasks[cfg->n_tasks - 1].n_deps++;
}

/* Models (dataset x arch x aug x band x seed) in two passes: first those of plain augs, then
 * those of dfmx augs, whose TRAIN task depends on its source model's DFM tasks (removal) or
 * DFM_GREEDY task (greedy), which the first pass built (a dependency's index is always lower).
 * Without dfmx values the order is the grid order. */
static void build_graph(SweepConfig *cfg)
{
    int cap = 0, dcap = 0;
    SweepAxis *ax = cfg->axes;
    const int A = ax[AX_ARCH].n, G = ax[AX_AUG].n, B = ax[AX_BAND].n, S = ax[AX_SEED].n;
    const size_t nmod = (size_t)A * G * B * S;
    /* per model of this dataset: the indices of its DFM parts and of its DFM_GREEDY task */
    int **dfm_idx = xcalloc(nmod + 1, sizeof *dfm_idx);
    int *n_dfm = xcalloc(nmod + 1, sizeof *n_dfm), *greedy_idx = xcalloc(nmod + 1, sizeof *greedy_idx);
    int *train_idx = xcalloc(nmod + 1, sizeof *train_idx);
    uint8_t *want_greedy = xcalloc((size_t)G + 1, 1);
    for (int g = 0; g < G; g++)
        if (cfg->dfmx[g].on && cfg->dfmx[g].greedy) want_greedy[cfg->dfmx[g].from] = 1;
    for (int d = 0; d < ax[AX_DATASET].n; d++) {
        if (cfg->adcs) add_task(cfg, &cap, TASK_ADCS, d, -1, -1, -1, -1, -1, 0, 0, -1);
        int rows = cfg->dsinfo[d].h / cfg->dfm_patch;
        int parts = cfg->dfm_parts < rows ? cfg->dfm_parts : rows;
        /* per_class: one DFM/SHORTCUT family per selected class; else one with cls = -1 */
        const int ncl = cfg->per_class ? cfg->n_cls[d] : 1;
        for (int pass = 0; pass < 2; pass++)
            for (int a = 0; a < A; a++)
                for (int g = 0; g < G; g++)
                    for (int b = 0; b < B; b++)
                        for (int s = 0; s < S; s++) {
                            if (cfg->dfmx[g].on != pass) continue;
                            const size_t mi = (((size_t)a * G + g) * B + b) * S + s;
                            int tr = cfg->n_tasks;
                            train_idx[mi] = tr;
                            add_task(cfg, &cap, TASK_TRAIN, d, a, g, b, s, -1, 0, 0, -1);
                            if (pass) { /* the source model's maps */
                                const SweepDfmx *x = &cfg->dfmx[g];
                                const size_t src = (((size_t)a * G + x->from) * B + b) * S + s;
                                if (x->greedy) add_dep(cfg, &dcap, greedy_idx[src]);
                                for (int j = 0; !x->greedy && j < n_dfm[src]; j++)
                                    add_dep(cfg, &dcap, dfm_idx[src][j]);
                            }
#define DEP1(...)                                                                                  \
    do {                                                                                           \
        add_task(cfg, &cap, __VA_ARGS__);                                                          \
        add_dep(cfg, &dcap, tr);                                                                   \
    } while (0)
                            DEP1(TASK_EVAL, d, a, g, b, s, -1, 0, 0, -1);
                            free(dfm_idx[mi]);
                            dfm_idx[mi] = xcalloc((size_t)(ncl * parts) + 1, sizeof **dfm_idx);
                            n_dfm[mi] = 0;
                            for (int q = 0; cfg->dfm && q < ncl; q++) {
                                const int c = cfg->per_class ? cfg->cls[d][q] : -1;
                                int first = cfg->n_tasks;
                                for (int p = 0; p < parts; p++) {
                                    dfm_idx[mi][n_dfm[mi]++] = cfg->n_tasks;
                                    DEP1(TASK_DFM, d, a, g, b, s, c, p, parts, -1);
                                }
                                DEP1(TASK_SHORTCUT, d, a, g, b, s, c, 0, parts, -1);
                                for (int p = 0; p < parts; p++) add_dep(cfg, &dcap, first + p);
                            }
                            if (want_greedy[g]) {
                                greedy_idx[mi] = cfg->n_tasks;
                                DEP1(TASK_DFM_GREEDY, d, a, g, b, s, -1, 0, 0, -1);
                            }
                            if (cfg->hfss) { /* and its removal DFMs, for the size-matched maps */
                                DEP1(TASK_HFSS, d, a, g, b, s, -1, 0, 0, -1);
                                for (int j = 0; cfg->dfm && cfg->tprfpr && j < n_dfm[mi]; j++)
                                    add_dep(cfg, &dcap, dfm_idx[mi][j]);
                            }
                            if (ax[AX_OOD].n) DEP1(TASK_OOD, d, a, g, b, s, -1, 0, 0, -1);
                            if (cfg->heatmap) DEP1(TASK_HEATMAP, d, a, g, b, s, -1, 0, 0, -1);
#undef DEP1
                        }
        /* shortcut_xfer: model (a, g, b, s) measured with the maps of every other arch a2 */
        for (int a = 0; cfg->shortcut_xfer && a < A; a++)
            for (int g = 0; g < G; g++)
                for (int b = 0; b < B; b++)
                    for (int s = 0; s < S; s++)
                        for (int a2 = 0; a2 < A && cfg->transfer[g]; a2++) {
                            if (a2 == a) continue;
                            const size_t mi = (((size_t)a * G + g) * B + b) * S + s;
                            const size_t src = (((size_t)a2 * G + g) * B + b) * S + s;
                            add_task(cfg, &cap, TASK_XFER, d, a, g, b, s, -1, 0, 0, a2);
                            add_dep(cfg, &dcap, train_idx[mi]);
                            for (int j = 0; j < n_dfm[src]; j++) add_dep(cfg, &dcap, dfm_idx[src][j]);
                        }
    }
    for (size_t i = 0; i < nmod; i++) free(dfm_idx[i]);
    free(dfm_idx);
    free(n_dfm);
    free(greedy_idx);
    free(train_idx);
    free(want_greedy);
}

/* Task keys ("dfm/DATASET/ARCH/AUG/BAND/sSEED/pPART", TaskSpec.key) and the store's key
 * columns (48 bytes per axis value) must hold every combination of the grid axes' values. */
static FsStatus check_key_lengths(const SweepConfig *cfg)
{
    /* the longest kind name, the separators, "s", "/c" and the class, "/p" and the part */
    size_t need = 40;
    for (int a = AX_DATASET; a <= AX_SEED; a++) {
        size_t longest = 0;
        for (int i = 0; i < cfg->axes[a].n; i++) {
            size_t l = strlen(cfg->axes[a].v[i]);
            if (l > 47)
                return fs_errorf(FS_ERR_CONFIG, "%s: [axes] %ss: value '%.40s...' is %zu bytes long, "
                                 "expected at most 47", cfg->path, axis_names[a], cfg->axes[a].v[i], l);
            if (l > longest) longest = l;
        }
        need += longest;
    }
    if (cfg->shortcut_xfer) { /* "/from/" and the source arch */
        size_t longest = 0;
        for (int i = 0; i < cfg->axes[AX_ARCH].n; i++)
            if (strlen(cfg->axes[AX_ARCH].v[i]) > longest) longest = strlen(cfg->axes[AX_ARCH].v[i]);
        need += 6 + longest;
    }
    if (need >= sizeof cfg->tasks->key)
        return fs_errorf(FS_ERR_CONFIG, "%s: [axes]: the longest dataset, arch, aug, band and seed "
                         "values together make %zu-byte task keys, expected at most %zu: shorten them",
                         cfg->path, need, sizeof cfg->tasks->key - 1);
    return FS_OK;
}

/* ------------------------------------------------------------------ public */
/* 1 when [sec] key changes results (a resume with another value is refused; axes excepted) */
int sweep_key_affects_results(const char *sec, const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].sec, sec) && !strcmp(keys[i].key, key))
            return keys[i].results && (keys[i].t != K_AXIS || keys[i].off >= AX_TEST_BAND);
    return 0;
}


static FsStatus finish(RawValues *raw, SweepConfig *cfg)
{
    FsStatus st = convert(raw, cfg);
    if (st == FS_OK) st = check_key_lengths(cfg);
    if (st == FS_OK) {
        render(raw, cfg);
        build_graph(cfg);
    }
    raw_free(raw);
    if (st != FS_OK) sweep_free(cfg);
    return st;
}

static void raw_defaults(RawValues *raw)
{
    for (int i = 0; i < NKEYS; i++) {
        raw->val[i] = xstrdup(keys[i].def);
        raw->where[i] = xstrdup("default");
    }
}

FsStatus sweep_load(const char *path, int n_over, const char *const *over, SweepConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    RawValues raw;
    memset(&raw, 0, sizeof raw);
    raw_defaults(&raw);
    FsStatus st = load_ini(path, &raw);
    for (int i = 0; st == FS_OK && i < n_over; i++) st = apply_override(over[i], &raw);
    if (st != FS_OK) {
        raw_free(&raw);
        return st;
    }
    cfg->path = xstrdup(path);
    return finish(&raw, cfg);
}

FsStatus sweep_load_text(const char *text, const char *origin, SweepConfig *cfg)
{
    char tmpl[] = "/tmp/fsweep-cfg-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return fs_errorf(FS_ERR_IO, "%s: cannot create a temporary file", origin);
    size_t n = strlen(text);
    ssize_t w = write(fd, text, n);
    close(fd);
    if (w < 0 || (size_t)w != n) {
        unlink(tmpl);
        return fs_errorf(FS_ERR_IO, "%s: cannot write a temporary file", origin);
    }
    FsStatus st = sweep_load(tmpl, 0, NULL, cfg);
    unlink(tmpl);
    if (st == FS_OK) {
        free(cfg->path);
        cfg->path = xstrdup(origin);
    }
    return st;
}

void sweep_free(SweepConfig *cfg)
{
    if (!cfg) return;
    for (int a = 0; a < AX_COUNT; a++) {
        for (int i = 0; i < cfg->axes[a].n; i++) free(cfg->axes[a].v[i]);
        free(cfg->axes[a].v);
    }
    for (int i = 0; i < NKEYS; i++)
        if (keys[i].t == K_STR) free(*(char **)(void *)((char *)cfg + keys[i].off));
    for (int d = 0; cfg->cls && d < cfg->axes[AX_DATASET].n; d++) free(cfg->cls[d]);
    free(cfg->cls);
    free(cfg->n_cls);
    free(cfg->dfmx);
    free(cfg->transfer);
    free(cfg->deps);
    free(cfg->dsinfo);
    free(cfg->n_train_ds);
    free(cfg->dfm_T);
    free(cfg->path);
    free(cfg->text);
    free(cfg->tasks);
    memset(cfg, 0, sizeof *cfg);
}

int sweep_count(const SweepConfig *cfg) { return cfg->n_tasks; }

const int *sweep_task_deps(const SweepConfig *cfg, const TaskSpec *t)
{
    return cfg->deps + t->dep_off;
}

const TaskSpec *sweep_spec_at(const SweepConfig *cfg, int i)
{
    FS_CHECK(i >= 0 && i < cfg->n_tasks, "sweep_spec_at: task %d of %d", i, cfg->n_tasks);
    return &cfg->tasks[i];
}

int sweep_axis_find(const SweepAxis *ax, const char *v)
{
    for (int i = 0; i < ax->n; i++)
        if (!strcmp(ax->v[i], v)) return i;
    return -1;
}

long sweep_seed_value(const SweepConfig *cfg, int i)
{
    return strtol(cfg->axes[AX_SEED].v[i], NULL, 10);
}

void sweep_print_counts(const SweepConfig *cfg, FILE *f)
{
    fprintf(f, "axes:\n");
    for (int a = 0; a < AX_COUNT; a++) {
        const SweepAxis *ax = &cfg->axes[a];
        fprintf(f, "  %-10s %3d:", ax->name, ax->n);
        for (int i = 0; i < ax->n; i++) fprintf(f, " %s", ax->v[i]);
        fprintf(f, "\n");
    }
    fprintf(f, "  %-10s     %s (%s)\n", "classes", cfg->classes,
            cfg->per_class ? "DFM and SHORTCUT tasks per class" : "per model, all classes");
    for (int d = 0; cfg->per_class && d < cfg->axes[AX_DATASET].n; d++) {
        fprintf(f, "    %-12s %3d:", cfg->axes[AX_DATASET].v[d], cfg->n_cls[d]);
        for (int j = 0; j < cfg->n_cls[d]; j++) {
            const char *nm = sweep_class_name(cfg->axes[AX_DATASET].v[d], cfg->cls[d][j]);
            fprintf(f, " %d%s%s%s", cfg->cls[d][j], nm ? " (" : "", nm ? nm : "", nm ? ")" : "");
        }
        fprintf(f, "\n");
    }
    fprintf(f, "tasks: %d (", cfg->n_tasks);
    for (int k = 0; k < TASK_KIND_COUNT; k++)
        fprintf(f, "%s%s %d", k ? ", " : "", task_kind_name((TaskKind)k), cfg->count_kind[k]);
    fprintf(f, ")\n");
}
