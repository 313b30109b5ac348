/* sweep.h: the sweep configuration (INI file + CLI overrides) and the task graph it defines.
 *
 * A config names fixed settings and axes (datasets, architectures, augmentations, training
 * bands, seeds, classes, test bands, OOD sets) plus the analyses to run. sweep_load parses and
 * validates it (unknown keys and bad values are FS_ERR_CONFIG naming file, line and key),
 * renders the *effective* config as canonical INI text (every key, defaults included) and
 * hashes it. sweep_build expands the grid into a dependency graph: one TRAIN task per model
 * (dataset x arch x aug x band x seed), whose evaluation tasks fan out after it (EVAL, DFM
 * mask-range parts, SHORTCUT = thresholds + TPR/FPR, HFSS, OOD, HEATMAP), plus one ADCS task
 * per dataset. With [analyses] per_class (the default) DFM and SHORTCUT tasks are per class of
 * the [axes] classes selection (per (model, class, mask range) and per (model, class)); each
 * writes its class's slice of the same store arrays. Dependencies are lists of any length
 * (sweep_task_deps). A dfmx aug value (SweepDfmx) makes a model whose TRAIN task depends on
 * another model's DFM tasks (or on its DFM_GREEDY task, built only for such sources); those
 * models come after every plain one in cfg->tasks. Task identity is its key string ("train/Syn_B1/resnet_s/none/all/s0",
 * "dfm/Syn_B1/resnet_s/none/all/s0/c3/p1"); its id is fs_hash64(key), so ids and seeds stay
 * the same when the grid grows.
 *
 * Ownership: SweepConfig owns its strings (sweep_free). The graph is plain arrays inside the
 * config (cfg->tasks), built once, read-only afterwards. Pure functions of the config: every
 * rank builds the same graph from the same text. Not thread-safe while loading. */
#ifndef FS_SWEEP_H
#define FS_SWEEP_H

#include "util.h"

#include <stdint.h>

typedef enum {
    TASK_TRAIN = 0, /* train one model; writes weights, loss and per-class accuracy curves */
    TASK_EVAL,      /* test accuracy per test band, per-class accuracy */
    TASK_ADCS,      /* dataset-level ADCS maps and class spectra (no model) */
    TASK_DFM,       /* DFM patch-removal scores for one range of patch rows */
    TASK_SHORTCUT,  /* thresholds DFM scores into maps; TPR/FPR per class (needs all DFM parts) */
    TASK_HFSS,      /* hierarchical frequency shortcut search */
    TASK_OOD,       /* accuracy on OOD sets */
    TASK_HEATMAP,   /* Fourier heat map */
    TASK_DFM_GREEDY, /* DFM-X's greedy DFMs of one model (only when a dfmx aug asks for them) */
    TASK_XFER,      /* shortcut_xfer: another architecture's DFMs measured on this model */
    TASK_KIND_COUNT
} TaskKind;
const char *task_kind_name(TaskKind k);

/* Grid axes. The order is the order of dimensions in the store. */
typedef enum {
    AX_DATASET = 0,
    AX_ARCH,
    AX_AUG,
    AX_BAND,
    AX_SEED,
    AX_TEST_BAND, /* test filters, an extra dimension of EVAL results */
    AX_OOD,       /* OOD sets, an extra dimension of OOD results */
    AX_COUNT
} SweepAxisId;
#define AX_MODEL_MASK ((1u << AX_ARCH) | (1u << AX_AUG) | (1u << AX_BAND) | (1u << AX_SEED))

typedef struct {
    const char *name; /* "dataset", "arch", ... (the store's dimension name) */
    int n;
    char **v; /* n values, each xmalloc'd */
} SweepAxis;

/* What a dataset looks like (classes, image shape); from a built-in table of known sets. */
typedef struct {
    int classes, c, h, w;
} SweepDatasetInfo;
FsStatus sweep_dataset_info(const char *name, SweepDatasetInfo *out);
/* Name of class i of a known dataset ("Trouser"), NULL where the table has none (indices only). */
const char *sweep_class_name(const char *dataset, int i);

/* An aug axis value "dfmx[:p=P][:from=AUG][:method=removal|greedy][:T=T][:control=random]"
 * (options in any order): train with the DFMs of the model of the same dataset, arch, band and
 * seed trained with aug AUG (PAPER.md 10). removal: the source's patch-removal DFMs (its DFM
 * tasks' scores, assembled and thresholded at the top-T fraction as its SHORTCUT tasks do);
 * greedy: DFM-X's greedy maps (a TASK_DFM_GREEDY task of the source). control=random: the
 * control of the same strength: each class's map replaced by a radius-matched random mask
 * (control_random_mask: as many bins in every frequency ring as that map), same p. */
typedef struct {
    int on;          /* 1: the value is a dfmx value */
    double p;        /* probability per image (default 0.3) */
    int from;        /* aug index of the source model */
    int greedy;      /* 1: method = greedy, 0: removal (the default) */
    double T;        /* removal: top-T fraction (default 0.05) */
    int random;      /* 1: control=random (radius-matched random masks of the maps' sizes) */
} SweepDfmx;

typedef struct {
    int index;       /* position in cfg->tasks */
    uint64_t id;     /* fs_hash64(key): stable across grid changes; seeds derive from it */
    char key[160];   /* "dfm/Syn_B1/resnet_s/none/all/s0/p1" */
    TaskKind kind;
    int dataset, arch, aug, band, seed; /* indices into the axes; -1 where not applicable */
    int cls;         /* DFM, SHORTCUT with per_class: the class index; -1 = every class */
    int part, n_parts; /* DFM: this task scores patch rows [part*rows/n_parts, ...) */
    int src_arch;    /* XFER: the arch whose DFMs (same dataset, aug, band, seed) are measured */
    int n_deps;      /* tasks that must finish first: sweep_task_deps(cfg, task)[0 .. n_deps) */
    int dep_off;     /* their offset in cfg->deps (TRAIN first, then e.g. a SHORTCUT's DFM parts) */
    double cost;     /* estimated seconds (the scheduler's order, scheduler.h) */
} TaskSpec;

typedef struct {
    char *path;        /* config file given */
    char *text;        /* effective config: canonical INI with every key */
    uint64_t hash;     /* fs_hash64(text) */
    uint64_t result_hash; /* hash of the keys that change results (axes excluded) */
    SweepAxis axes[AX_COUNT];
    SweepDatasetInfo *dsinfo; /* per dataset value */
    char *classes;    /* [axes] classes as written ("all", "0,3,7", "0-4", "Trouser,Bag") */
    int *n_cls;       /* per dataset: how many classes the selection holds */
    SweepDfmx *dfmx;  /* per aug value (cfg->axes[AX_AUG].n); .on = 0 for plain augmentations */
    int **cls;        /* per dataset: the selected class indices, ascending */
    /* [sweep] */
    char *name;
    uint64_t seed;
    char *runner;      /* "fake" or "real" */
    int retries;       /* extra attempts after a failure */
    double task_timeout; /* seconds; 0 = none */
    double drain_timeout; /* seconds to wait for running tasks after SIGTERM/SIGUSR1 */
    double progress_every; /* seconds between summaries */
    int store_fsync;
    /* [analyses] */
    int learning_order, adcs, dfm, tprfpr, hfss, heatmap;
    /* learning-curve checkpoints: every lo_dense_every steps to lo_dense_until, then every
     * lo_sparse_every, and at each epoch end (curves.h CurvesSchedule) */
    int lo_dense_every, lo_dense_until, lo_sparse_every;
    int per_class;     /* DFM/SHORTCUT tasks per class (1) or per model (0) */
    int dfm_holdout;   /* DFMs ranked on the even half of each class's test images, SHORTCUT on the odd */
    char *dfm_method; /* "iccv" */
    int dfm_patch;
    int dfm_parts;
    int n_dfm_T;
    double *dfm_T;
    double tpr_threshold;
    int shortcut_controls;   /* R radius-matched random control masks per class and T */
    double shortcut_fpr_max; /* FPR bound of the specific-shortcut verdict */
    int shortcut_inject;     /* shortcut injection rates */
    int shortcut_ood;        /* SHORTCUT also on each OOD set (ood_* arrays, first T) */
    int shortcut_ood_controls; /* controls per class on each OOD set; -1: shortcut_controls */
    int shortcut_xfer;       /* XFER tasks: every other arch's DFMs on each model (xfer_* arrays) */
    char *transfer_augs;     /* "all" or the augs whose models get shortcut_ood and XFER tasks */
    int *transfer;           /* per aug value: 1 when transfer_augs names it */
    int dfm_greedy_tol;      /* DFM-X greedy search: t_tol (images) */
    double hfss_p;
    char *hfss_budgets;      /* "" (the size's default) or B_1,...,B_S: candidates per stage */
    int n_hfss_budget, hfss_budget[8];
    /* [train] */
    int epochs, batch, n_train, n_test;
    double lr, weight_decay;
    char *optimizer;
    char *n_train_for;  /* "DATASET:N, ..." as written */
    int *n_train_ds;    /* per datasets-axis value: n_train, or its n_train_for entry */
    char *schedule; /* learning rate: plateau (10 % validation split), cosine, cosine_step or const */
    /* [fake] (the test runner) */
    double fake_ms;
    char *fake_fail;      /* tasks whose key contains this fail ... */
    int fake_fail_attempts; /* ... on their first N attempts (non-finite loss) */
    char *fake_hang;      /* tasks whose key contains this hang until the timeout */
    /* [cost] estimates in seconds per task kind (plan, longest-first order) */
    double cost[TASK_KIND_COUNT];
    double cost_shortcut_ood; /* added to a model's SHORTCUT tasks when shortcut_ood measures it */
    /* the graph */
    int n_tasks;
    TaskSpec *tasks;
    int n_deps_all;
    int *deps;        /* every task's dependency list, back to back (TaskSpec.dep_off) */
    int count_kind[TASK_KIND_COUNT];
} SweepConfig;

/* Parse `path` then apply overrides ("key=value" or "section.key=value"; axes take
 * comma-separated lists). Builds the task graph. On error returns FS_ERR_CONFIG with
 * fs_last_error naming file:line and key (or the override). */
FsStatus sweep_load(const char *path, int n_over, const char *const *over, SweepConfig *cfg);
/* Parse an effective-config text (as broadcast to workers or stored); same checks. */
FsStatus sweep_load_text(const char *text, const char *origin, SweepConfig *cfg);
void sweep_free(SweepConfig *cfg);

int sweep_count(const SweepConfig *cfg);
/* The dependencies of t (t->n_deps task indices, each < t->index). */
const int *sweep_task_deps(const SweepConfig *cfg, const TaskSpec *t);
/* The task at index i; pure. */
const TaskSpec *sweep_spec_at(const SweepConfig *cfg, int i);
/* Index of an axis value, -1 if absent. */
int sweep_axis_find(const SweepAxis *ax, const char *v);
/* 1 when key `key` of section `sec` (without brackets) is in the result hash: a resume with
 * another value is refused (the grid axes are not: they may grow) */
int sweep_key_affects_results(const char *sec, const char *key);
/* The integer value of seed index i. */
long sweep_seed_value(const SweepConfig *cfg, int i);
/* The augment.h pipeline of aug value g ('+' -> ','; a dfmx value -> "dfmx:p=P"). */
void sweep_aug_pipeline(const SweepConfig *cfg, int g, char *out, size_t n);
/* Parse a dfmx aug value (the source by name into from_name, n bytes); FS_ERR_CONFIG with a
 * one-line reason. out->on = 0 and FS_OK when v is no dfmx value. out->from is not set. */
FsStatus sweep_dfmx_parse(const char *v, SweepDfmx *out, char *from_name, size_t n);
/* Print counts per axis and per kind. */
void sweep_print_counts(const SweepConfig *cfg, FILE *f);

#endif
