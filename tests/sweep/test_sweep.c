/* test_sweep.c: sweep config parsing (errors name file:line and key), the task graph, result
 * packing, the fake runner's determinism, and the serial scheduler with faults. */
#include "harness.h"

#include "runner.h"
#include "scheduler.h"
#include "store.h"
#include "sweep.h"
#include "task.h"

#include <math.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/fsweep-test-sweep-XXXXXX";

static const char *write_ini(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static const char base_ini[] = "[sweep]\n"
                               "name = unit\n"
                               "seed = 3\n"
                               "\n"
                               "[axes]\n"
                               "datasets = tiny\n"
                               "archs = a1, a2\n"
                               "seeds = 0,1\n"
                               "[analyses]\n"
                               "dfm_parts = 3\n"
                               "hfss = true\n"
                               "[fake]\n"
                               "ms = 0\n";

static void test_parse_and_graph(void)
{
    SweepConfig c;
    EXPECT_EQ_INT(sweep_load(write_ini("a.ini", base_ini), 0, NULL, &c), FS_OK);
    EXPECT_EQ_INT(c.axes[AX_ARCH].n, 2);
    EXPECT_EQ_INT(c.seed, 3);
    EXPECT_EQ_INT(c.epochs, 5); /* default */
    /* tiny: 8 px, patch 1 -> 8 rows, 3 parts, 3 classes. Per model: train, eval, per class
     * 3 dfm + shortcut, hfss */
    EXPECT_EQ_INT(c.count_kind[TASK_TRAIN], 4);
    EXPECT_EQ_INT(c.count_kind[TASK_DFM], 4 * 3 * 3);
    EXPECT_EQ_INT(c.count_kind[TASK_SHORTCUT], 4 * 3);
    EXPECT_EQ_INT(c.count_kind[TASK_ADCS], 1);
    EXPECT_EQ_INT(sweep_count(&c), 1 + 4 * (3 + 3 * 4));
    for (int i = 0; i < c.n_tasks; i++) {
        const TaskSpec *t = sweep_spec_at(&c, i);
        const int *dep = sweep_task_deps(&c, t);
        EXPECT_EQ_INT(t->index, i);
        if (t->kind == TASK_TRAIN || t->kind == TASK_ADCS) EXPECT_EQ_INT(t->n_deps, 0);
        if (t->kind == TASK_DFM || t->kind == TASK_SHORTCUT) {
            char want[16];
            snprintf(want, sizeof want, "/c%d", t->cls);
            EXPECT(t->cls >= 0 && t->cls < 3);
            EXPECT_MSG(strstr(t->key, want) != NULL, "%s", t->key);
        } else {
            EXPECT_EQ_INT(t->cls, -1);
        }
        if (t->n_deps >= 1) {
            const TaskSpec *d = sweep_spec_at(&c, dep[0]);
            EXPECT_EQ_INT(d->kind, TASK_TRAIN);
            EXPECT(d->arch == t->arch && d->seed == t->seed && d->aug == t->aug);
            EXPECT(dep[0] < i);
        }
        if (t->kind == TASK_SHORTCUT) { /* the train task, then its class's DFM parts */
            EXPECT_EQ_INT(t->n_deps, 1 + t->n_parts);
            for (int p = 0; p < t->n_parts; p++) {
                const TaskSpec *d = sweep_spec_at(&c, dep[1 + p]);
                EXPECT_EQ_INT(d->kind, TASK_DFM);
                EXPECT_EQ_INT(d->part, p);
                EXPECT_EQ_INT(d->cls, t->cls);
                EXPECT(d->arch == t->arch && d->seed == t->seed);
            }
        }
    }
    /* the effective text parses to the same config */
    SweepConfig c2;
    EXPECT_EQ_INT(sweep_load_text(c.text, "echo", &c2), FS_OK);
    EXPECT(c2.hash == c.hash);
    EXPECT_EQ_INT(c2.n_tasks, c.n_tasks);
    sweep_free(&c2);
    /* ids are the hash of the key: stable when the grid grows */
    const char *over[] = {"seeds=0,1,2", "archs=a0,a1,a2"};
    EXPECT_EQ_INT(sweep_load(write_ini("a.ini", base_ini), 2, over, &c2), FS_OK);
    int matched = 0;
    for (int i = 0; i < c.n_tasks; i++)
        for (int j = 0; j < c2.n_tasks; j++)
            if (!strcmp(c.tasks[i].key, c2.tasks[j].key)) {
                matched++;
                EXPECT(c.tasks[i].id == c2.tasks[j].id);
            }
    EXPECT_EQ_INT(matched, c.n_tasks);
    EXPECT(c2.result_hash == c.result_hash); /* axes do not count */
    EXPECT(c2.hash != c.hash);
    sweep_free(&c2);
    sweep_free(&c);
}

static int has(const char *s, const char *sub) { return s && strstr(s, sub) != NULL; }

/* [axes] classes: all, indices, ranges, names; per_class = false gives one task per model and
 * mask range (the keys of before); bad selections name file, line and value. */
static void test_classes_axis(void)
{
    SweepConfig c;
    char ini[1024];
    const char *o_joint[] = {"per_class=false"};
    EXPECT_EQ_INT(sweep_load(write_ini("k0.ini", base_ini), 1, o_joint, &c), FS_OK);
    EXPECT_EQ_INT(c.count_kind[TASK_DFM], 4 * 3);
    EXPECT_EQ_INT(c.count_kind[TASK_SHORTCUT], 4);
    EXPECT_EQ_INT(sweep_count(&c), 1 + 4 * 7);
    for (int i = 0; i < c.n_tasks; i++) {
        EXPECT_EQ_INT(c.tasks[i].cls, -1);
        EXPECT_MSG(!strstr(c.tasks[i].key, "/c"), "%s", c.tasks[i].key); /* keys of before */
    }
    sweep_free(&c);
    /* a list, a range and names (Syn: C0..C3; Fashion-MNIST: Trouser ...) */
    snprintf(ini, sizeof ini, "%s[axes]\ndatasets = fashion_mnist\nclasses = 0, 3-4, Bag\n", base_ini);
    const char *o_real[] = {"runner=real", "archs=cnn", "dfm_patch=7", "hfss=false"};
    EXPECT_EQ_INT(sweep_load(write_ini("k1.ini", ini), 4, o_real, &c), FS_OK);
    EXPECT_EQ_INT(c.n_cls[0], 4);
    EXPECT(c.cls[0][0] == 0 && c.cls[0][1] == 3 && c.cls[0][2] == 4 && c.cls[0][3] == 8);
    EXPECT_EQ_INT(c.count_kind[TASK_SHORTCUT], 2 * 4); /* 2 seeds x 4 classes */
    int found = 0;
    for (int i = 0; i < c.n_tasks; i++) {
        found += !strcmp(c.tasks[i].key, "dfm/fashion_mnist/cnn/none/all/s1/c8/p2");
        if (c.tasks[i].kind == TASK_DFM) /* per-class cost: dfm_s / parts / classes */
            EXPECT_MSG(fabs(c.tasks[i].cost - 30.0 / 3 / 10) < 1e-12, "%g", c.tasks[i].cost);
    }
    EXPECT_EQ_INT(found, 1);
    sweep_free(&c);
    const char *o_names[] = {"classes=trouser,Ankle boot"};
    snprintf(ini, sizeof ini, "%s[axes]\ndatasets = fashion_mnist32\n", base_ini);
    EXPECT_EQ_INT(sweep_load(write_ini("k2.ini", ini), 1, o_names, &c), FS_OK);
    EXPECT(c.n_cls[0] == 2 && c.cls[0][0] == 1 && c.cls[0][1] == 9);
    sweep_free(&c);
    /* errors: file, line, value and what was expected */
    static const struct {
        const char *value, *want;
    } badv[] = {{"0-4", "has 4 classes"}, {"7", "has 4 classes"}, {"Trouser", "C0, C1, C2, C3"},
                {"2-1", "backwards"},     {"1,1", "twice"},       {"all,2", "not a class"},
                {"0-", "not a class"}};
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        snprintf(ini, sizeof ini, "%s[axes]\ndatasets = Syn_B1\n\nclasses = %s\n", base_ini,
                 badv[i].value);
        EXPECT_EQ_INT(sweep_load(write_ini("k3.ini", ini), 0, NULL, &c), FS_ERR_CONFIG);
        EXPECT_MSG(has(fs_last_error(), "k3.ini:17") && has(fs_last_error(), "classes") &&
                       has(fs_last_error(), badv[i].want),
                   "%s: %s", badv[i].value, fs_last_error());
        EXPECT_MSG(!strchr(fs_last_error(), '\n'), "%s", fs_last_error());
    }
    const char *o_mix[] = {"classes=1", "per_class=false"};
    EXPECT_EQ_INT(sweep_load(write_ini("k4.ini", base_ini), 2, o_mix, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "per_class"), "%s", fs_last_error());
}

/* [train] schedule and n_train_for: per-dataset training subsets (others keep n_train; a known
 * dataset off the axis is ignored), one-line errors naming the key and value. */
static void test_train_keys(void)
{
    SweepConfig c;
    const char *over[] = {"datasets=tiny,Syn_B2", "n_train=300",
                          "n_train_for=Syn_B2:1200, fashion_mnist32:9", "schedule=cosine_step"};
    EXPECT_EQ_INT(sweep_load(write_ini("t.ini", base_ini), 4, over, &c), FS_OK);
    EXPECT_EQ_INT(c.n_train_ds[0], 300);
    EXPECT_EQ_INT(c.n_train_ds[1], 1200);
    EXPECT(!strcmp(c.schedule, "cosine_step"));
    sweep_free(&c);
    EXPECT_EQ_INT(sweep_load(write_ini("t.ini", base_ini), 0, NULL, &c), FS_OK);
    EXPECT(!strcmp(c.schedule, "plateau") && c.n_train_ds[0] == 0); /* defaults */
    sweep_free(&c);
    const char *bad1[] = {"n_train_for=nosuchset:5"};
    EXPECT_EQ_INT(sweep_load(write_ini("t.ini", base_ini), 1, bad1, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "n_train_for") && has(fs_last_error(), "nosuchset"), "%s",
               fs_last_error());
    const char *bad2[] = {"n_train_for=tiny:-5"};
    EXPECT_EQ_INT(sweep_load(write_ini("t.ini", base_ini), 1, bad2, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "tiny:-5"), "%s", fs_last_error());
    const char *bad3[] = {"schedule=linear"};
    EXPECT_EQ_INT(sweep_load(write_ini("t.ini", base_ini), 1, bad3, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "schedule") && has(fs_last_error(), "linear"), "%s",
               fs_last_error());
}

static void test_errors_name_line_and_key(void)
{
    SweepConfig c;
    char bad[1024];
    snprintf(bad, sizeof bad, "%s[train]\nepochs = 4\nbogus_key = 1\n", base_ini);
    EXPECT_EQ_INT(sweep_load(write_ini("b.ini", bad), 0, NULL, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "b.ini:16") && has(fs_last_error(), "bogus_key"), "%s",
               fs_last_error());
    snprintf(bad, sizeof bad, "%s[train]\n\nepochs = -4\n", base_ini);
    EXPECT_EQ_INT(sweep_load(write_ini("c.ini", bad), 0, NULL, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "c.ini:16") && has(fs_last_error(), "epochs") &&
                   has(fs_last_error(), "-4"), "%s", fs_last_error());
    snprintf(bad, sizeof bad, "%s[trian]\nepochs = 4\n", base_ini);
    EXPECT_EQ_INT(sweep_load(write_ini("d.ini", bad), 0, NULL, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "d.ini:14") && has(fs_last_error(), "trian"), "%s",
               fs_last_error());
    snprintf(bad, sizeof bad, "%s[axes]\nseeds = 1, x\n", base_ini);
    EXPECT_EQ_INT(sweep_load(write_ini("e.ini", bad), 0, NULL, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "e.ini:15") && has(fs_last_error(), "seeds"), "%s",
               fs_last_error());
    snprintf(bad, sizeof bad, "%s[axes]\ndatasets = tiny, nosuchset\n", base_ini);
    EXPECT_EQ_INT(sweep_load(write_ini("f.ini", bad), 0, NULL, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "f.ini:15") && has(fs_last_error(), "nosuchset"), "%s",
               fs_last_error());
    snprintf(bad, sizeof bad, "%s[axes]\narchs = a1, a1\n", base_ini);
    EXPECT_EQ_INT(sweep_load(write_ini("g.ini", bad), 0, NULL, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "repeated"), "%s", fs_last_error());
    const char *ini = write_ini("h.ini", base_ini);
    const char *o1[] = {"nope=1"};
    EXPECT_EQ_INT(sweep_load(ini, 1, o1, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "nope"), "%s", fs_last_error());
    const char *o2[] = {"epochs=many"};
    EXPECT_EQ_INT(sweep_load(ini, 1, o2, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "override 'epochs=many'"), "%s", fs_last_error());
    const char *o3[] = {"dfm=false", "sweep.nope=1"};
    EXPECT_EQ_INT(sweep_load(ini, 2, o3, &c), FS_ERR_CONFIG);
    EXPECT_MSG(has(fs_last_error(), "sweep.nope"), "%s", fs_last_error());
    const char *o4[] = {"analyses.dfm=false", "runner=fake"};
    EXPECT_EQ_INT(sweep_load(ini, 2, o4, &c), FS_OK);
    EXPECT_EQ_INT(c.count_kind[TASK_DFM], 0);
    sweep_free(&c);
    EXPECT_EQ_INT(sweep_load("/nonexistent/x.ini", 0, NULL, &c), FS_ERR_CONFIG);
}

static void test_pack_roundtrip(void)
{
    TaskResult r;
    task_result_init(&r, NULL);
    r.task_id = 0x123456789abcdefULL;
    r.status = FS_ERR_DIVERGED;
    r.attempt = 2;
    snprintf(r.error, sizeof r.error, "boom");
    const char *d[] = {"class", "fy"};
    int64_t s[] = {3, 5};
    TaskBlob *b = task_result_add(&r, "x", BLOB_RESULTS, AX_MODEL_MASK, 1, 2, d, s);
    for (int i = 0; i < 15; i++) b->data[i] = i * 0.5;
    b->start[1] = 1;
    b->count[1] = 2;
    b->coord[0] = malloc(3 * sizeof(double));
    for (int i = 0; i < 3; i++) b->coord[0][i] = 10 + i;
    /* string and integer coordinates (flags 3 and 2) */
    TaskBlob *y = task_result_add(&r, "y", BLOB_RESULTS, AX_MODEL_MASK, 0, 2, d, s);
    const char *names[] = {"T-shirt/top", "", "Ankle boot"};
    const double fy[] = {-3, -2, -1, 0, 1};
    task_blob_set_labels(y, 0, names);
    task_blob_set_coord(y, 1, fy, 1);
    FsBuf buf = {0};
    task_result_pack(&r, &buf);
    TaskResult u;
    EXPECT_EQ_INT(task_result_unpack(buf.s, buf.len, &u), FS_OK);
    EXPECT(u.task_id == r.task_id);
    EXPECT_EQ_INT(u.status, FS_ERR_DIVERGED);
    EXPECT(!strcmp(u.error, "boom"));
    EXPECT_EQ_INT(u.n_blobs, 2);
    EXPECT_EQ_INT(task_blob_len(&u.blobs[0]), 6);
    EXPECT(!u.blobs[0].label[0] && !u.blobs[0].coord_int);
    if (u.n_blobs == 2) {
        const TaskBlob *uy = &u.blobs[1];
        EXPECT(uy->label[0] && !uy->coord[0] && uy->coord[1] && !uy->label[1]);
        EXPECT_EQ_INT(uy->coord_int, 2);
        for (int i = 0; uy->label[0] && i < 3; i++) EXPECT(!strcmp(uy->label[0][i], names[i]));
        for (int i = 0; uy->coord[1] && i < 5; i++) EXPECT(uy->coord[1][i] == fy[i]);
    }
    EXPECT_EQ_INT(u.blobs[0].start[1], 1);
    EXPECT(u.blobs[0].coord[0] && u.blobs[0].coord[0][2] == 12);
    EXPECT(!memcmp(u.blobs[0].data, r.blobs[0].data, 6 * sizeof(double))); /* b moved with the 2nd add */
    task_result_free(&u);
    for (size_t cut = 0; cut < buf.len; cut += 7) { /* every truncation is refused */
        EXPECT_EQ_INT(task_result_unpack(buf.s, cut, &u), FS_ERR_FORMAT);
        task_result_free(&u);
    }
    fsbuf_free(&buf);
    task_result_free(&r);
}

static void test_fake_deterministic(void)
{
    SweepConfig c;
    EXPECT_EQ_INT(sweep_load(write_ini("a.ini", base_ini), 0, NULL, &c), FS_OK);
    int ev = -1;
    for (int i = 0; i < c.n_tasks; i++)
        if (c.tasks[i].kind == TASK_EVAL) ev = i;
    TaskBlob w;
    memset(&w, 0, sizeof w);
    snprintf(w.name, sizeof w.name, "weights");
    w.n_extra = 1;
    w.size[0] = w.count[0] = 4;
    double wd[4] = {1, 2, 3, 4};
    w.data = wd;
    TaskEnv env = {&c, 0, 1, &w, 1, NULL, 0, NULL};
    TaskResult a, b, d;
    task_result_init(&a, &c.tasks[ev]);
    task_result_init(&b, &c.tasks[ev]);
    task_result_init(&d, &c.tasks[ev]);
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[ev], &env, &a), FS_OK);
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[ev], &env, &b), FS_OK);
    wd[3] = 4.0000001; /* other weights: other results */
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[ev], &env, &d), FS_OK);
    EXPECT_EQ_INT(a.n_blobs, 2);
    EXPECT(!memcmp(a.blobs[0].data, b.blobs[0].data, (size_t)task_blob_len(&a.blobs[0]) * 8));
    EXPECT(memcmp(a.blobs[0].data, d.blobs[0].data, (size_t)task_blob_len(&a.blobs[0]) * 8));
    env.n_inputs = 0; /* a missing input is an error, not a silent default */
    TaskResult e;
    task_result_init(&e, &c.tasks[ev]);
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[ev], &env, &e), FS_ERR_INTERNAL);
    task_result_free(&a);
    task_result_free(&b);
    task_result_free(&d);
    task_result_free(&e);
    sweep_free(&c);
}

static void test_serial_scheduler_faults(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/s.h5", tmpdir);
    SweepConfig c;
    const char *over[] = {"fail=train/tiny/a2/none/all/s1", "fail_attempts=9", "retries=2"};
    EXPECT_EQ_INT(sweep_load(write_ini("a.ini", base_ini), 3, over, &c), FS_OK);
    int created = 0;
    Store *st = store_open(path, &c, 0, &created);
    EXPECT(st && created);
    if (!st) return;
    SchedOptions o = {&c, st, runner_by_name(c.runner), NULL, NULL, NULL};
    SchedSummary s;
    EXPECT_EQ_INT(sched_serial(&o, &s), FS_EXIT_FAILED);
    EXPECT_EQ_INT(s.failed, 1);
    EXPECT_EQ_INT(s.failed_attempts, 3); /* 1 + 2 retries */
    EXPECT_EQ_INT(s.blocked, 14); /* eval, per class (3) 3 dfm parts and a shortcut, hfss */
    EXPECT_EQ_INT(s.done, c.n_tasks - 1 - s.blocked);
    EXPECT_EQ_INT(store_row_count(st), s.done + 3);
    EXPECT_EQ_INT(store_close(st), FS_OK);
    sweep_free(&c);
}

static void test_resume_skips(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/r.h5", tmpdir);
    SweepConfig c;
    EXPECT_EQ_INT(sweep_load(write_ini("a.ini", base_ini), 0, NULL, &c), FS_OK);
    int created = 0;
    Store *st = store_open(path, &c, 0, &created);
    EXPECT(st != NULL);
    if (!st) return;
    volatile sig_atomic_t stop = 0;
    SchedOptions o = {&c, st, runner_by_name(c.runner), &stop, NULL, NULL};
    SchedSummary s;
    EXPECT_EQ_INT(sched_serial(&o, &s), FS_EXIT_OK);
    EXPECT_EQ_INT(s.done, c.n_tasks);
    store_close(st);
    st = store_open(path, &c, 0, &created);
    EXPECT(st && !created);
    if (!st) return;
    o.store = st;
    EXPECT_EQ_INT(sched_serial(&o, &s), FS_EXIT_OK);
    EXPECT_EQ_INT(s.skipped, c.n_tasks);
    EXPECT_EQ_INT(s.done, 0);
    store_close(st);
    /* a stop request before anything runs: resumable */
    const char *over[] = {"seeds=0,1,2"};
    SweepConfig c2;
    EXPECT_EQ_INT(sweep_load(write_ini("a.ini", base_ini), 1, over, &c2), FS_OK);
    st = store_open(path, &c2, 0, &created);
    EXPECT(st != NULL);
    if (!st) return;
    stop = 1;
    o.cfg = &c2;
    o.store = st;
    EXPECT_EQ_INT(sched_serial(&o, &s), FS_EXIT_RESUMABLE);
    stop = 0;
    EXPECT_EQ_INT(sched_serial(&o, &s), FS_EXIT_OK);
    EXPECT_EQ_INT(s.done, c2.n_tasks - c.n_tasks);
    store_close(st);
    sweep_free(&c2);
    sweep_free(&c);
}

static void setup(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
}

static void cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
}

/* dfmx aug values: options in any order, a source whose value holds ':' (pad:4+crop+flip), the
 * graph's edges (a removal dfmx TRAIN needs every DFM part of its source, a greedy one the
 * source's single DFM_GREEDY task, all at lower indices), task_inputs at the source. */
static void test_dfmx_values(void)
{
    SweepDfmx x;
    char from[256];
    EXPECT_EQ_INT(sweep_dfmx_parse("flip", &x, from, sizeof from), FS_OK);
    EXPECT_EQ_INT(x.on, 0);
    EXPECT_EQ_INT(sweep_dfmx_parse("dfmx", &x, from, sizeof from), FS_OK);
    EXPECT(x.on && x.p == 0.3 && x.T == 0.05 && !x.greedy && !strcmp(from, "none"));
    EXPECT_EQ_INT(sweep_dfmx_parse("dfmx:T=0.1:from=pad:4+crop+flip:p=0.25", &x, from, sizeof from),
                  FS_OK);
    EXPECT(x.p == 0.25 && x.T == 0.1 && !strcmp(from, "pad:4+crop+flip"));
    EXPECT_EQ_INT(sweep_dfmx_parse("dfmx:method=greedy:from=flip", &x, from, sizeof from), FS_OK);
    EXPECT(x.greedy && !strcmp(from, "flip"));
    EXPECT_EQ_INT(sweep_dfmx_parse("dfmx:method=greedy:T=0.1", &x, from, sizeof from), FS_ERR_CONFIG);
    EXPECT_EQ_INT(sweep_dfmx_parse("dfmx:p=1.5", &x, from, sizeof from), FS_ERR_CONFIG);

    SweepConfig c;
    const char *o[] = {"augs=dfmx:p=0.5:from=pad:4+crop+flip, pad:4+crop+flip, "
                       "dfmx:from=pad:4+crop+flip:method=greedy", "hfss=false"};
    EXPECT_EQ_INT(sweep_load(write_ini("x.ini", base_ini), 2, o, &c), FS_OK);
    EXPECT(c.dfmx[0].on && c.dfmx[0].from == 1 && !c.dfmx[1].on && c.dfmx[2].greedy);
    EXPECT_EQ_INT(c.count_kind[TASK_DFM_GREEDY], 4); /* one per source model (2 archs x 2 seeds) */
    char pipe[64];
    sweep_aug_pipeline(&c, 0, pipe, sizeof pipe);
    EXPECT_MSG(!strcmp(pipe, "dfmx:p=0.5"), "%s", pipe);
    sweep_aug_pipeline(&c, 1, pipe, sizeof pipe);
    EXPECT_MSG(!strcmp(pipe, "pad:4,crop,flip"), "%s", pipe);
    int n_edges = 0;
    for (int i = 0; i < c.n_tasks; i++) {
        const TaskSpec *t = &c.tasks[i];
        const int *dep = sweep_task_deps(&c, t);
        for (int j = 0; j < t->n_deps; j++) EXPECT(dep[j] < i);
        const char *names[2];
        const TaskSpec *at[2] = {NULL, NULL};
        int k = task_inputs(&c, t, names, at);
        if (t->kind != TASK_TRAIN || !c.dfmx[t->aug].on) {
            if (t->kind == TASK_TRAIN) EXPECT_EQ_INT(t->n_deps, 0);
            EXPECT(at[0] == t && at[1] == t);
            continue;
        }
        n_edges++;
        const int greedy = c.dfmx[t->aug].greedy;
        EXPECT_EQ_INT(t->n_deps, greedy ? 1 : 3 * 3); /* 3 classes x 3 parts */
        EXPECT_EQ_INT(k, 1);
        EXPECT_MSG(!strcmp(names[0], greedy ? "dfm_greedy" : "dfm_score"), "%s", names[0]);
        for (int j = 0; j < t->n_deps; j++) {
            const TaskSpec *d = &c.tasks[dep[j]];
            EXPECT_EQ_INT(d->kind, greedy ? TASK_DFM_GREEDY : TASK_DFM);
            EXPECT(d->aug == 1 && d->arch == t->arch && d->seed == t->seed && d->band == t->band);
        }
        EXPECT(at[0] == &c.tasks[dep[0]]);
    }
    EXPECT_EQ_INT(n_edges, 2 * 4);
    sweep_free(&c);
}

static void test_setup(void) { setup(); }
static void test_cleanup(void) { cleanup(); }

TEST_MAIN({"setup", test_setup}, {"parse_and_graph", test_parse_and_graph},
          {"errors_name_line_and_key", test_errors_name_line_and_key},
          {"classes_axis", test_classes_axis}, {"dfmx_values", test_dfmx_values},
          {"pack_roundtrip", test_pack_roundtrip}, {"fake_deterministic", test_fake_deterministic},
          {"serial_scheduler_faults", test_serial_scheduler_faults},
          {"train_keys", test_train_keys},
          {"resume_skips", test_resume_skips}, {"cleanup", test_cleanup})
