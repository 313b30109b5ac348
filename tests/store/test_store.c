/* test_store.c: the results store: round trip of rows and inputs, recovery after a writer that
 * died without closing (a forked child that _exits), rebuild of a damaged file from the journal,
 * a torn journal tail, format-version and config refusal, history records of both sizes. */
#include "harness.h"

#include "h5file.h"
#include "runner.h"
#include "scheduler.h"
#include "store.h"
#include "store/store_internal.h"
#include "sweep.h"
#include "task.h"

#include <stddef.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/fsweep-test-store-XXXXXX";
static char ini[300], h5[300], jr[300];

static const char cfg_text[] = "[axes]\ndatasets = tiny\narchs = a1, a2\nseeds = 0,1\n"
                               "[analyses]\ndfm_parts = 2\n[fake]\nms = 0\n";

static int load(SweepConfig *c, int n, const char *const *over)
{
    return sweep_load(ini, n, over, c) == FS_OK;
}

/* Run the first k tasks (in graph order, deps first) into st. */
static int run_some(Store *st, const SweepConfig *c, int k)
{
    SchedGraph g;
    sgraph_init(&g, c, st, NULL);
    SchedOptions o = {c, st, runner_by_name(c->runner), NULL, NULL, NULL};
    int ran = 0;
    for (int i; ran < k && (i = sgraph_next(&g)) >= 0; ran++) {
        TaskBlob *in = NULL;
        int n_in = 0;
        if (sgraph_inputs(&g, i, &in, &n_in) != FS_OK) break;
        TaskResult r;
        sched_run_task(&o, i, sgraph_attempt(&g, i), in, n_in, &r);
        for (int j = 0; j < n_in; j++) task_blob_free(&in[j]);
        free(in);
        if (sgraph_record(&g, i, &r) != FS_OK) break;
        task_result_free(&r);
    }
    sgraph_free(&g);
    return ran;
}

static void test_setup(void)
{
    EXPECT(mkdtemp(dir) != NULL);
    snprintf(ini, sizeof ini, "%s/s.ini", dir);
    snprintf(h5, sizeof h5, "%s/s.h5", dir);
    snprintf(jr, sizeof jr, "%s/s.h5.journal", dir);
    FILE *f = fopen(ini, "w");
    EXPECT(f != NULL);
    if (f) {
        fputs(cfg_text, f);
        fclose(f);
    }
}

/* The test config loaded into c and a new store for it (NULL after a failed check). */
static Store *open_new(SweepConfig *c)
{
    EXPECT(load(c, 0, NULL));
    int created = 0;
    Store *st = store_open(h5, c, 0, &created);
    EXPECT(st && created);
    EXPECT_EQ_INT(c->tasks[1].kind, TASK_TRAIN); /* task 0 is ADCS */
    return st;
}

static void test_roundtrip_inputs(void)
{
    SweepConfig c;
    Store *st = open_new(&c);
    if (!st) return;
    /* write a train result by hand, read its weights back as an eval input */
    int tr = 1;
    TaskResult r;
    task_result_init(&r, &c.tasks[tr]);
    TaskEnv env = {&c, 0, 1, NULL, 0, NULL, 0, NULL};
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[tr], &env, &r), FS_OK);
    r.attempt = 1;
    EXPECT_EQ_INT(store_append(st, &c, &c.tasks[tr], &r), FS_OK);
    TaskBlob w;
    EXPECT_EQ_INT(store_read_input(st, &c, &c.tasks[tr + 1], "weights", &w), FS_OK);
    EXPECT_EQ_INT(task_blob_len(&w), task_blob_len(&r.blobs[0]));
    int same = 1;
    for (int64_t i = 0; i < task_blob_len(&w); i++) same &= w.data[i] == r.blobs[0].data[i];
    EXPECT(same); /* weights are float32 values: exact */
    task_blob_free(&w);
    TaskBlob none;
    EXPECT_EQ_INT(store_read_input(st, &c, &c.tasks[tr + 1], "nosuch", &none), FS_ERR_FORMAT);
    EXPECT(store_is_done(st, c.tasks[tr].id));
    EXPECT_EQ_INT(store_attempts(st, c.tasks[tr].id), 1);
    task_result_free(&r);
    EXPECT_EQ_INT(store_close(st), FS_OK);
    sweep_free(&c);
    unlink(h5);
    unlink(jr);
}

/* A model of more than the 1 M values of the chunk cap (AlexNet/4 has 1,524,200 parameters) is
 * stored in chunks of about 1 M values, not of one value each, and reads back exactly. */
static void test_big_model_chunks(void)
{
    SweepConfig c;
    Store *st = open_new(&c);
    if (!st) return;
    int tr = 1;
    TaskResult r;
    task_result_init(&r, &c.tasks[tr]);
    r.attempt = 1;
    const int64_t P = 1524200;
    const char *dp[] = {"param"};
    TaskBlob *wb = task_result_add(&r, "weights", BLOB_MODEL,
                                   (1u << AX_AUG) | (1u << AX_BAND) | (1u << AX_SEED), 1, 1, dp, &P);
    for (int64_t i = 0; i < P; i++) wb->data[i] = (double)(float)(0.001 * (double)(i % 9973) - 3.0);
    EXPECT_EQ_INT(store_append(st, &c, &c.tasks[tr], &r), FS_OK);
    TaskBlob w;
    EXPECT_EQ_INT(store_read_input(st, &c, &c.tasks[tr + 1], "weights", &w), FS_OK);
    int same = task_blob_len(&w) == P;
    for (int64_t i = 0; same && i < P; i++) same &= w.data[i] == r.blobs[0].data[i];
    EXPECT(same);
    task_blob_free(&w);
    task_result_free(&r);
    EXPECT_EQ_INT(store_close(st), FS_OK);
    H5File *f = h5f_open(h5, 0);
    EXPECT(f != NULL);
    if (f) {
        char path[128];
        snprintf(path, sizeof path, "/models/tiny/%s/weights", c.axes[AX_ARCH].v[0]);
        int rank = -1;
        int64_t ch[FSH5_MAX_RANK] = {0};
        EXPECT_EQ_INT(h5f_chunk(f, path, &rank, ch), FS_OK);
        EXPECT_EQ_INT(rank, 4); /* (aug, band, seed, param) */
        int64_t n = 1;
        for (int i = 0; i < rank; i++) n *= ch[i];
        EXPECT_MSG(n >= ((int64_t)1 << 19) && n <= ((int64_t)1 << 20),
                   "chunk of %lld values (param extent %lld)", (long long)n, (long long)ch[3]);
        h5f_close(f);
    }
    sweep_free(&c);
    unlink(h5);
    unlink(jr);
}

/* Coordinates: written once per group (class names or indices, centred fy/fx, 1-based epoch),
 * a later result with other coordinates refused before its journal record, the store intact. */
static void test_coords(void)
{
    SweepConfig c;
    EXPECT(load(&c, 0, NULL));
    int created = 0;
    Store *st = store_open(h5, &c, 0, &created);
    EXPECT(st && created);
    if (!st) return;
    TaskEnv env = {&c, 0, 1, NULL, 0, NULL, 0, NULL};
    TaskResult r;
    EXPECT_EQ_INT(c.tasks[0].kind, TASK_ADCS);
    task_result_init(&r, &c.tasks[0]);
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[0], &env, &r), FS_OK);
    r.attempt = 1;
    EXPECT_EQ_INT(store_append(st, &c, &c.tasks[0], &r), FS_OK);
    task_result_free(&r);
    int tr = 1;
    EXPECT_EQ_INT(c.tasks[tr].kind, TASK_TRAIN);
    task_result_init(&r, &c.tasks[tr]);
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[tr], &env, &r), FS_OK);
    r.attempt = 1;
    EXPECT_EQ_INT(store_append(st, &c, &c.tasks[tr], &r), FS_OK);
    /* the second model's train result, its class names changed: refused */
    int tr2 = -1;
    for (int i = tr + 1; i < c.n_tasks && tr2 < 0; i++)
        if (c.tasks[i].kind == TASK_TRAIN) tr2 = i;
    EXPECT(tr2 > 0);
    TaskResult r2;
    task_result_init(&r2, &c.tasks[tr2]);
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[tr2], &env, &r2), FS_OK);
    r2.attempt = 1;
    TaskBlob *cur = NULL;
    for (int i = 0; i < r2.n_blobs; i++)
        if (!strcmp(r2.blobs[i].name, "class_acc_curve")) cur = &r2.blobs[i];
    EXPECT(cur && cur->label[1] && !strcmp(cur->dim[1], "class"));
    if (cur && cur->label[1]) {
        const char *other[] = {"0", "cat", "2"};
        task_blob_set_labels(cur, 1, other);
    }
    struct stat jb, ja;
    EXPECT(stat(jr, &jb) == 0);
    EXPECT_EQ_INT(store_append(st, &c, &c.tasks[tr2], &r2), FS_ERR_FORMAT);
    EXPECT_MSG(strstr(fs_last_error(), "/results/tiny/class has coordinate '1' at index 1") &&
                   strstr(fs_last_error(), "'cat' in result class_acc_curve"),
               "%s", fs_last_error());
    EXPECT(stat(jr, &ja) == 0 && ja.st_size == jb.st_size); /* no journal record */
    /* the same with numbers: epoch 1-based, shifted by one */
    if (cur && cur->label[1]) {
        const char *same[] = {"0", "1", "2"};
        task_blob_set_labels(cur, 1, same);
        double ep[64];
        for (int64_t e = 0; e < cur->size[0] && e < 64; e++) ep[e] = (double)e;
        task_blob_set_coord(cur, 0, ep, 1);
    }
    EXPECT_EQ_INT(store_append(st, &c, &c.tasks[tr2], &r2), FS_ERR_FORMAT);
    EXPECT_MSG(strstr(fs_last_error(), "/results/tiny/epoch has coordinate 1 at index 0"),
               "%s", fs_last_error());
    task_result_free(&r2);
    task_result_init(&r2, &c.tasks[tr2]); /* unchanged: accepted */
    EXPECT_EQ_INT(runner_run_fake(&c.tasks[tr2], &env, &r2), FS_OK);
    r2.attempt = 1;
    EXPECT_EQ_INT(store_append(st, &c, &c.tasks[tr2], &r2), FS_OK);
    task_result_free(&r2);
    task_result_free(&r);
    EXPECT_EQ_INT(store_close(st), FS_OK);
    /* reopened (journal replayed): the coordinates as written */
    st = store_open(h5, &c, 0, &created);
    EXPECT(st && !created);
    EXPECT_EQ_INT(store_close(st), FS_OK);
    H5File *f = h5f_open(h5, 0);
    EXPECT(f != NULL);
    if (f) {
        int n = 0, rank = 0;
        char **v = NULL;
        EXPECT_EQ_INT(h5f_read_strings(f, "/results/tiny/class", &n, &v), FS_OK);
        EXPECT_EQ_INT(n, 3); /* tiny has no class names: the indices */
        for (int i = 0; i < n; i++) {
            char want[16];
            snprintf(want, sizeof want, "%d", i);
            EXPECT(!strcmp(v[i], want));
            free(v[i]);
        }
        free(v);
        int64_t dims[FSH5_MAX_RANK];
        void *x = NULL;
        EXPECT_EQ_INT(h5f_read(f, "/results/tiny/fx", FSH5_I64, &rank, dims, &x), FS_OK);
        EXPECT(rank == 1 && dims[0] == 8); /* 8 x 8 images: -4 .. 3, DC at index 4 */
        for (int i = 0; x && i < 8; i++) EXPECT_EQ_INT(((int64_t *)x)[i], i - 4);
        free(x);
        x = NULL;
        EXPECT_EQ_INT(h5f_read(f, "/results/tiny/epoch", FSH5_I64, &rank, dims, &x), FS_OK);
        EXPECT(rank == 1 && dims[0] == c.epochs);
        for (int i = 0; x && i < dims[0]; i++) EXPECT_EQ_INT(((int64_t *)x)[i], i + 1);
        free(x);
        h5f_close(f);
    }
    sweep_free(&c);
    unlink(h5);
    unlink(jr);
}

static void test_writer_died(void)
{
    SweepConfig c;
    EXPECT(load(&c, 0, NULL));
    pid_t pid = fork();
    if (pid == 0) { /* the writer: append 9 results, then die without closing */
        int created;
        Store *st = store_open(h5, &c, 0, &created);
        int ran = st ? run_some(st, &c, 9) : 0;
        _exit(ran == 9 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int created = 1;
    Store *st = store_open(h5, &c, 0, &created);
    EXPECT(st && !created);
    if (!st) return;
    EXPECT_EQ_INT(store_row_count(st), 9);
    EXPECT_EQ_INT(run_some(st, &c, 1000), c.n_tasks - 9);
    EXPECT_EQ_INT(store_row_count(st), c.n_tasks);
    EXPECT_EQ_INT(store_close(st), FS_OK);
    sweep_free(&c);
}

static void test_damaged_file_rebuilt(void)
{
    SweepConfig c;
    EXPECT(load(&c, 0, NULL));
    /* keep a good copy's rows to compare */
    Store *st = store_open_read(h5);
    EXPECT(st != NULL);
    if (!st) return;
    StoreRow *before = NULL;
    int64_t nb = 0;
    EXPECT_EQ_INT(store_rows(st, &before, &nb), FS_OK);
    store_close(st);
    /* damage: overwrite the superblock region */
    FILE *f = fopen(h5, "r+b");
    EXPECT(f != NULL);
    if (f) {
        char junk[4096];
        memset(junk, 0x5a, sizeof junk);
        fwrite(junk, 1, sizeof junk, f);
        fclose(f);
    }
    /* and a torn record at the journal's end */
    f = fopen(jr, "ab");
    if (f) {
        fwrite("JRSF\1\0\0\0garbage", 1, 15, f);
        fclose(f);
    }
    int created = 1;
    st = store_open(h5, &c, 0, &created);
    EXPECT(st && !created);
    if (!st) return;
    EXPECT_EQ_INT(store_row_count(st), nb);
    StoreRow *after = NULL;
    int64_t na = 0;
    EXPECT_EQ_INT(store_rows(st, &after, &na), FS_OK);
    EXPECT_EQ_INT(na, nb);
    int same = na == nb;
    for (int64_t i = 0; same && i < na; i++)
        same &= after[i].task_id == before[i].task_id && after[i].status == before[i].status &&
                !strcmp(after[i].key, before[i].key);
    EXPECT(same);
    StoreHistory *h = NULL;
    int64_t nh = 0;
    EXPECT_EQ_INT(store_history(st, &h, &nh), FS_OK);
    free(h);
    /* the results are complete: every input of every task is readable */
    int inputs_ok = 1;
    for (int i = 0; i < c.n_tasks; i++) {
        const char *names[2];
        const TaskSpec *at[2] = {NULL, NULL};
        int k = task_inputs(&c, &c.tasks[i], names, at);
        for (int j = 0; j < k; j++) {
            TaskBlob b;
            if (store_read_input(st, &c, at[j], names[j], &b) != FS_OK) inputs_ok = 0;
            else task_blob_free(&b);
        }
    }
    EXPECT(inputs_ok);
    EXPECT_EQ_INT(store_close(st), FS_OK);
    /* the damaged file was kept aside */
    char cmd[400];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q 's.h5.damaged-'", dir);
    EXPECT(system(cmd) == 0);
    free(before);
    free(after);
    sweep_free(&c);
}

static void test_refusals(void)
{
    SweepConfig c;
    const char *over[] = {"epochs=17"};
    EXPECT(load(&c, 1, over));
    int created;
    Store *st = store_open(h5, &c, 0, &created);
    EXPECT(st == NULL);
    EXPECT_MSG(strstr(fs_last_error(), "epochs") != NULL, "%s", fs_last_error());
    st = store_open(h5, &c, 1, &created); /* --force */
    EXPECT(st != NULL);
    store_close(st);
    sweep_free(&c);
    /* a foreign format version */
    H5File *f = h5f_open(h5, 1);
    EXPECT(f != NULL);
    if (f) {
        EXPECT_EQ_INT(h5f_attr_set_i64(f, "/", "format_version", 99), FS_OK);
        h5f_close(f);
    }
    EXPECT(load(&c, 1, over));
    st = store_open(h5, &c, 1, &created);
    EXPECT(st == NULL);
    EXPECT_MSG(strstr(fs_last_error(), "format version 99") != NULL, "%s", fs_last_error());
    sweep_free(&c);
}

/* A journal's history record from before engine ids (version was char[48], the struct 232 bytes)
 * still decodes (a full rebuild restores such runs); today's record carries the engine id. */
static void test_history_records(void)
{
    unsigned char old[STORE_HISTORY_V1_SIZE];
    memset(old, 0, sizeof old);
    StoreHistory h;
    memset(&h, 0, sizeof h);
    h.time = 1.5e9;
    h.ranks = 3;
    snprintf(h.event, sizeof h.event, "resume");
    snprintf(h.host, sizeof h.host, "node7");
    snprintf(h.version, sizeof h.version, "0.1.0 (0123456789ab-dirty)");
    memcpy(old, &h, offsetof(StoreHistory, version) + 48);
    StoreHistory o;
    EXPECT(store_history_from_record(old, sizeof old, &o));
    EXPECT(o.time == 1.5e9 && o.ranks == 3 && !strcmp(o.event, "resume") && !strcmp(o.host, "node7"));
    EXPECT_MSG(!strcmp(o.version, "0.1.0 (0123456789ab-dirty)"), "%s", o.version);
    EXPECT(!strcmp(store_history_engine(&o), ""));
    char git[48];
    store_history_git(&o, git, sizeof git);
    EXPECT_MSG(!strcmp(git, "0123456789ab-dirty"), "%s", git);
    snprintf(h.version, sizeof h.version, "0.1.0 (0123456789ab)" STORE_ENGINE_TAG "%s", "7ec42a4e89cdc514/fma");
    EXPECT(store_history_from_record((const unsigned char *)&h, sizeof h, &o));
    EXPECT_MSG(!strcmp(store_history_engine(&o), "7ec42a4e89cdc514/fma"), "%s", o.version);
    EXPECT(!store_history_from_record(old, sizeof old - 8, &o)); /* any other size: not a run */
}

static void test_cleanup(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    EXPECT(system(cmd) == 0);
}

TEST_MAIN({"setup", test_setup}, {"roundtrip_inputs", test_roundtrip_inputs},
          {"big_model_chunks", test_big_model_chunks},
          {"coords", test_coords}, {"writer_died", test_writer_died}, {"damaged_file_rebuilt", test_damaged_file_rebuilt},
          {"refusals", test_refusals}, {"history_records", test_history_records},
          {"cleanup", test_cleanup})
