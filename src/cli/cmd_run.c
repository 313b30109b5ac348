/* cmd_run.c: `fsweep run`, `fsweep plan`, `fsweep status`: the sweep's command line.
 * run reads like a script: par_init -> parse on rank 0 -> broadcast -> open store (rank 0) ->
 * schedule -> close -> exit status. */
#include "commands.h"
#include "linalg.h"
#include "pool.h"
#include "log.h"
#include "par.h"
#include "runner.h"
#include "scheduler.h"
#include "spectral.h"
#include "store.h"
#include "sweep.h"
#include "task.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build_info.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    FS_UNUSED(sig);
    stop_flag = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

typedef struct {
    const char *config, *store;
    int force, quiet, list;
    int n_over;
    char **over;
    int ranks[8], n_ranks;
} Args;

static int is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

/* Parse [CONFIG] [--store S] [--force] [--quiet] [--list] [--ranks a,b] [key=value ...]. */
static int parse_args(int argc, char **argv, Args *a, const char *usage)
{
    memset(a, 0, sizeof *a);
    a->over = xcalloc((size_t)argc + 1, sizeof(char *));
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (is_help(s)) {
            printf("%s", usage);
            return FS_EXIT_OK;
        } else if (!strcmp(s, "--store") && i + 1 < argc) {
            a->store = argv[++i];
        } else if (!strncmp(s, "--store=", 8)) {
            a->store = s + 8;
        } else if (!strcmp(s, "--force")) {
            a->force = 1;
        } else if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
            a->quiet = 1;
        } else if (!strcmp(s, "--list")) {
            a->list = 1;
        } else if (!strcmp(s, "--ranks") && i + 1 < argc) {
            int *v = NULL, n = 0;
            if (fs_parse_int_list(argv[++i], 2, 1 << 24, "--ranks", &v, &n) != FS_OK || n > 8) {
                fprintf(stderr, "fsweep: %s\n", fs_last_error());
                free(v);
                return FS_EXIT_USAGE;
            }
            memcpy(a->ranks, v, (size_t)n * sizeof(int));
            a->n_ranks = n;
            free(v);
        } else if (s[0] == '-' && s[1] == '-') {
            fprintf(stderr, "fsweep %s: unknown option '%s'\n%s", argv[0], s, usage);
            return FS_EXIT_USAGE;
        } else if (strchr(s, '=')) {
            a->over[a->n_over++] = argv[i];
        } else if (!a->config) {
            a->config = s;
        } else {
            fprintf(stderr, "fsweep %s: unexpected argument '%s'\n%s", argv[0], s, usage);
            return FS_EXIT_USAGE;
        }
    }
    return -1;
}

/* results/<config basename without .ini>.h5 */
static char *default_store(const char *config)
{
    const char *b = strrchr(config, '/');
    b = b ? b + 1 : config;
    size_t n = strlen(b);
    if (n > 4 && !strcmp(b + n - 4, ".ini")) n -= 4;
    size_t len = n + 16;
    char *p = xmalloc(len);
    fs_snprintf(p, len, "results/%.*s.h5", (int)n, b);
    return p;
}

static const char *job_id(void)
{
    const char *v[] = {"SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID", "JOB_ID"};
    for (size_t i = 0; i < FS_ARRAY_LEN(v); i++)
    {
        const char *e = getenv(v[i]);
        if (e && *e) return e;
    }
    return "";
}

static FsStatus write_provenance(Store *st, const SweepConfig *cfg, int created)
{
    char hash[24], buf[64];
    fs_snprintf(hash, sizeof hash, "%016llx", (unsigned long long)cfg->hash);
    char *file_text = NULL;
    size_t len = 0;
    if (cfg->path && fs_read_file(cfg->path, &file_text, &len) != FS_OK) file_text = NULL;
    const char *ct = getenv("OPENBLAS_CORETYPE");
    fs_snprintf(buf, sizeof buf, "%d", pool_threads());
    struct {
        const char *k, *v;
    } kv[] = {
        {"fsweep_version", FS_VERSION},
        {"git_hash", FS_GIT_HASH},
        {"compiler", FS_CC},
        {"cflags", FS_CFLAGS},
        {"mpi_version", par_library_version()},
        {"fftw_version", spectral_library_version()},
        {"hdf5_version", store_library_version()},
        {"openblas_config", linalg_config()},
        {"openblas_core", linalg_corename()},
        {"openblas_coretype_env", ct ? ct : ""},
        {"engine_threads", buf},
        {"host", par_host()},
        {"job_id", job_id()},
        {"config", cfg->text},
        {"config_file", file_text ? file_text : ""},
        {"config_path", cfg->path ? cfg->path : ""},
        {"config_hash", hash},
    };
    FsStatus s = FS_OK;
    for (size_t i = 0; i < FS_ARRAY_LEN(kv) && s == FS_OK; i++) s = store_set_attr(st, kv[i].k, kv[i].v);
    free(file_text);
    char seed[32];
    fs_snprintf(seed, sizeof seed, "%llu", (unsigned long long)cfg->seed);
    if (s == FS_OK) s = store_set_attr(st, "seed", seed);
    if (s == FS_OK) s = store_set_attr_f64(st, "ranks", (double)par_size());
    if (s == FS_OK) s = store_set_attr_f64(st, "updated", fs_wall_time());
    if (s == FS_OK && created) s = store_set_attr_f64(st, "created", fs_wall_time());
    StoreHistory h;
    memset(&h, 0, sizeof h);
    h.time = fs_wall_time();
    fs_snprintf(h.event, sizeof h.event, "%s", created ? "create" : "resume");
    fs_snprintf(h.config_hash, sizeof h.config_hash, "%s", hash);
    h.ranks = par_size();
    fs_snprintf(h.host, sizeof h.host, "%.63s", par_host());
    fs_snprintf(h.job_id, sizeof h.job_id, "%.63s", job_id());
    fs_snprintf(h.version, sizeof h.version, "%s (%.20s)", FS_VERSION, FS_GIT_HASH);
    if (s == FS_OK) s = store_add_history(st, &h);
    return s;
}

static const char run_usage[] =
    "usage: fsweep run CONFIG [--store STORE.h5] [--force] [--quiet] [key=value | axis=a,b,c ...]\n"
    "  Run a sweep; under mpirun rank 0 schedules and stores, the other ranks run tasks.\n"
    "  Without --store the results go to results/<config name>.h5. Running the same command\n"
    "  again resumes: finished tasks are skipped, failed ones get new attempts. A config whose\n"
    "  result-affecting keys changed is refused unless --force; new axis values extend the grid.\n"
    "  SIGTERM/SIGUSR1 drain and exit with 75 (resumable). Exit: 0 all done, 3 tasks failed,\n"
    "  75 interrupted, 1 error, 2 usage.\n";

int cmd_run(int argc, char **argv)
{
    install_signals(); /* first: a drain request during start-up is kept, not fatal */
    par_init(&argc, &argv);
    Args a;
    int rc = parse_args(argc, argv, &a, run_usage);
    if (rc < 0 && !a.config) {
        fprintf(stderr, "%s", run_usage);
        rc = FS_EXIT_USAGE;
    }
    if (rc >= 0) {
        free(a.over);
        par_finalize();
        return rc;
    }
    const int root = par_rank() == 0;
    SweepConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    char *text = NULL;
    int ok = 1;
    if (root) {
        if (sweep_load(a.config, a.n_over, (const char *const *)a.over, &cfg) != FS_OK) {
            fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
            ok = 0;
        } else {
            text = xstrdup(cfg.text);
        }
    }
    par_bcast(&ok, sizeof ok, 0);
    if (!ok) {
        free(a.over);
        par_finalize();
        return FS_EXIT_ERROR;
    }
    par_bcast_str(&text, 0);
    if (!root && sweep_load_text(text, a.config, &cfg) != FS_OK)
        FS_DIE("rank %d: cannot parse the broadcast config: %s", par_rank(), fs_last_error());
    free(text);

    Store *st = NULL;
    char *store_path = a.store ? xstrdup(a.store) : default_store(a.config);
    if (root) {
        if (!a.quiet) {
            printf("# fsweep %s (git %s), %d rank(s); effective config (hash %016llx):\n%s\n",
                   FS_VERSION, FS_GIT_HASH, par_size(), (unsigned long long)cfg.hash, cfg.text);
            sweep_print_counts(&cfg, stdout);
        }
        int created = 0;
        st = store_open(store_path, &cfg, a.force, &created);
        if (!st || write_provenance(st, &cfg, created) != FS_OK) {
            fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
            store_close(st);
            st = NULL;
            ok = 0;
        } else {
            printf("store: %s (%s, %lld rows before this run)\n", store_path,
                   created ? "new" : "resumed", (long long)store_row_count(st));
            fflush(stdout);
        }
    }
    par_bcast(&ok, sizeof ok, 0);
    if (!ok) {
        free(store_path);
        free(a.over);
        sweep_free(&cfg);
        par_finalize();
        return FS_EXIT_ERROR;
    }
    TaskRunner run = runner_by_name(cfg.runner); /* sweep_load accepts fake and real only */
    FS_CHECK(run, "runner '%s' is neither fake nor real", cfg.runner);
    SchedOptions o = {&cfg, st, run, &stop_flag, root && !a.quiet ? stdout : NULL, NULL};
    if (root && a.quiet) o.out = NULL;
    SchedSummary sum;
    int code = par_is_mpi() ? sched_mpi(&o, &sum) : sched_serial(&o, &sum);
    if (root) {
        if (store_close(st) != FS_OK) {
            fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
            code = FS_EXIT_ERROR;
        }
        printf("summary: %lld tasks: %lld done now, %lld from earlier runs, %lld failed (%lld "
               "failed attempts), %lld blocked, %lld left; %.1f s; exit %d%s\n",
               (long long)sum.total, (long long)sum.done, (long long)sum.skipped,
               (long long)sum.failed, (long long)sum.failed_attempts, (long long)sum.blocked,
               (long long)sum.remaining, sum.wall, code,
               code == FS_EXIT_RESUMABLE ? " (resumable: run the same command again)" : "");
        fflush(stdout);
        if (sum.interrupted == 2) par_abort(code); /* workers still busy: end the job */
    }
    free(store_path);
    free(a.over);
    sweep_free(&cfg);
    par_finalize();
    return code;
}

/* ------------------------------------------------------------------ plan */
static const char plan_usage[] =
    "usage: fsweep plan CONFIG [--store STORE.h5] [--list] [--ranks 2,4,16] [key=value ...]\n"
    "  Print the task list, counts per axis and kind, which tasks the store already holds,\n"
    "  and the estimated cost (from [cost], or measured mean times per kind in the store).\n"
    "  No MPI needed.\n";

int cmd_plan(int argc, char **argv)
{
    Args a;
    int rc = parse_args(argc, argv, &a, plan_usage);
    if (rc < 0 && !a.config) {
        fprintf(stderr, "%s", plan_usage);
        rc = FS_EXIT_USAGE;
    }
    if (rc >= 0) {
        free(a.over);
        return rc;
    }
    SweepConfig cfg;
    if (sweep_load(a.config, a.n_over, (const char *const *)a.over, &cfg) != FS_OK) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        free(a.over);
        return FS_EXIT_ERROR;
    }
    free(a.over);
    Store *st = NULL;
    double mean[TASK_KIND_COUNT] = {0};
    int nmean[TASK_KIND_COUNT] = {0};
    if (a.store) {
        st = store_open_read(a.store);
        if (!st) {
            fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
            sweep_free(&cfg);
            return FS_EXIT_ERROR;
        }
        StoreRow *rows = NULL;
        int64_t n = 0;
        if (store_rows(st, &rows, &n) == FS_OK)
            for (int64_t i = 0; i < n; i++)
                for (int k = 0; k < TASK_KIND_COUNT; k++)
                    if (rows[i].status == FS_OK && !strcmp(rows[i].kind, task_kind_name((TaskKind)k))) {
                        mean[k] += rows[i].wall;
                        nmean[k]++;
                    }
        free(rows);
    }
    printf("config: %s (hash %016llx)\n", cfg.path, (unsigned long long)cfg.hash);
    sweep_print_counts(&cfg, stdout);
    SchedGraph g;
    sgraph_init(&g, &cfg, st, NULL);
    double left = 0, total = 0, crit = 0;
    int show_all = a.list || cfg.n_tasks <= 60;
    printf("%-6s %-8s %9s  %s\n", "index", "state", "est_s", "task");
    for (int i = 0; i < cfg.n_tasks; i++) {
        const TaskSpec *t = &cfg.tasks[i];
        double c = nmean[t->kind] ? mean[t->kind] / nmean[t->kind] : t->cost;
        total += c;
        int done = g.state[i] == TS_DONE;
        if (!done) left += c;
        if (t->kind == TASK_TRAIN && c > crit) crit = c;
        if (show_all || i < 20 || i >= cfg.n_tasks - 5)
            printf("%-6d %-8s %9.3g  %s%s\n", i, done ? "stored" : "todo", c, t->key,
                   t->n_deps ? "" : "  (no dependencies)");
        else if (i == 20)
            printf("... (%d more; --list shows all)\n", cfg.n_tasks - 25);
    }
    double maxeval = 0; /* critical path: the longest train, then its longest follower */
    for (int i = 0; i < cfg.n_tasks; i++) {
        const TaskSpec *t = &cfg.tasks[i];
        double c = nmean[t->kind] ? mean[t->kind] / nmean[t->kind] : t->cost;
        if (t->kind != TASK_TRAIN && t->n_deps && c > maxeval) maxeval = c;
    }
    printf("stored: %lld of %d tasks%s\n", (long long)g.n_skipped, cfg.n_tasks,
           a.store ? "" : " (no --store given)");
    printf("estimated cost: %.3g core-hours in all, %.3g core-hours left%s\n", total / 3600,
           left / 3600, nmean[0] ? " (from measured mean times in the store)" : " (from [cost])");
    int def[] = {2, 4, 16, 64, 256};
    int *rk = a.n_ranks ? a.ranks : def, nr = a.n_ranks ? a.n_ranks : 5;
    for (int i = 0; i < nr; i++) {
        int w = rk[i] - 1;
        double wall = left / w;
        if (wall < crit + maxeval && left > 0) wall = crit + maxeval; /* critical path */
        printf("  with %4d ranks (%4d workers): about %.3g h wall\n", rk[i], w, wall / 3600);
    }
    sgraph_free(&g);
    store_close(st);
    sweep_free(&cfg);
    return FS_EXIT_OK;
}

/* ------------------------------------------------------------------ status */
static const char status_usage[] =
    "usage: fsweep status STORE.h5\n"
    "  Print done, running, failed, tasks/hour and ETA from a store, also while a job writes it\n"
    "  (it reads the append-only journal STORE.h5.journal when present; HDF5 file locking off).\n";

int cmd_status(int argc, char **argv)
{
    if (argc != 2 || is_help(argv[1])) {
        printf("%s", status_usage);
        return argc == 2 ? FS_EXIT_OK : FS_EXIT_USAGE;
    }
    const char *path = argv[1];
    size_t jl = strlen(path) + 16;
    char *jpath = xmalloc(jl);
    fs_snprintf(jpath, jl, "%s.journal", path);
    StoreRow *rows = NULL;
    StoreStart *run = NULL;
    int64_t n = 0, nrun = 0;
    char *config = NULL;
    FsStatus s;
    const char *src;
    if (fs_file_exists(jpath)) {
        s = store_journal_read(jpath, &rows, &n, &config, &run, &nrun);
        src = jpath;
    } else {
        Store *st = store_open_read(path);
        if (!st) {
            fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
            free(jpath);
            return FS_EXIT_ERROR;
        }
        s = store_rows(st, &rows, &n);
        if (s == FS_OK) store_get_attr(st, "config", &config);
        store_close(st);
        src = path;
    }
    if (s != FS_OK) {
        fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
        free(jpath);
        return FS_EXIT_ERROR;
    }
    SweepConfig cfg;
    int have_cfg = config && sweep_load_text(config, path, &cfg) == FS_OK;
    /* per task: done? failed attempts? */
    int64_t done = 0, failed_rows = 0, attempts = n;
    double first = INFINITY, last = 0;
    int64_t ndone_kind[TASK_KIND_COUNT] = {0};
    for (int64_t i = 0; i < n; i++) {
        if (rows[i].start < first) first = rows[i].start;
        if (rows[i].end > last) last = rows[i].end;
        if (rows[i].status == FS_OK) {
            done++;
            for (int k = 0; k < TASK_KIND_COUNT; k++)
                if (!strcmp(rows[i].kind, task_kind_name((TaskKind)k))) ndone_kind[k]++;
        } else {
            failed_rows++;
        }
    }
    /* failed = tasks whose latest row failed */
    int64_t failed_now = 0;
    for (int64_t i = 0; i < n; i++) {
        if (rows[i].status == FS_OK) continue;
        int later_ok = 0, later = 0;
        for (int64_t j = i + 1; j < n; j++)
            if (rows[j].task_id == rows[i].task_id) {
                later = 1;
                later_ok |= rows[j].status == FS_OK;
            }
        if (!later && !later_ok) failed_now++;
    }
    int total = have_cfg ? cfg.n_tasks : -1;
    printf("store: %s (read from %s)\n", path, src);
    if (total >= 0) printf("tasks: %d in the grid (%s)\n", total, have_cfg ? cfg.name : "?");
    printf("done: %lld", (long long)done);
    if (total > 0) printf(" of %d (%.1f%%)", total, 100.0 * (double)done / total);
    printf("\nrunning: %lld\nfailed: %lld task(s) whose last attempt failed (%lld failed attempts "
           "of %lld)\n", (long long)nrun, (long long)failed_now, (long long)failed_rows,
           (long long)attempts);
    printf("by kind:");
    for (int k = 0; k < TASK_KIND_COUNT; k++)
        if (ndone_kind[k] || (have_cfg && cfg.count_kind[k]))
            printf(" %s %lld/%d", task_kind_name((TaskKind)k), (long long)ndone_kind[k],
                   have_cfg ? cfg.count_kind[k] : -1);
    printf("\n");
    if (n > 0 && last > first) {
        double rate = (double)n / (last - first) * 3600;
        printf("rate: %.0f tasks/h over %.0f s of recorded work", rate, last - first);
        if (total > 0 && done < total) {
            double eta = (double)(total - done) / (rate / 3600);
            long t = (long)eta;
            printf(", ETA %ld:%02ld:%02ld at that rate", t / 3600, (t / 60) % 60, t % 60);
        }
        printf("\n");
    }
    for (int64_t i = 0; i < nrun && i < 20; i++)
        printf("  running %s on rank %d for %.0f s\n", run[i].key, run[i].rank,
               fs_wall_time() - run[i].time);
    for (int64_t i = 0, shown = 0; i < n && shown < 10; i++)
        if (rows[i].status != FS_OK) {
            printf("  failed %s attempt %d (rank %d): %s: %s\n", rows[i].key, rows[i].attempt,
                   rows[i].rank, fs_status_str((FsStatus)rows[i].status), rows[i].error);
            shown++;
        }
    if (have_cfg) sweep_free(&cfg);
    free(config);
    free(rows);
    free(run);
    free(jpath);
    return FS_EXIT_OK;
}
