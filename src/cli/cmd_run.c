/* cmd_run.c: `fsweep run`: run a sweep. It reads like a script: par_init -> parse on rank 0 ->
 * broadcast -> open store (rank 0) -> choose the runner -> schedule -> close -> exit status. */
#include "cli_args.h"
#include "commands.h"
#include "engine_id.h"
#include "linalg.h"
#include "pool.h"
#include "par.h"
#include "runner.h"
#include "scheduler.h"
#include "spectral.h"
#include "store.h"
#include "sweep.h"
#include "task.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        {"engine_id", engine_id()},
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
    fs_snprintf(h.version, sizeof h.version, "%s (%.20s)" STORE_ENGINE_TAG "%s", FS_VERSION,
                FS_GIT_HASH, engine_id());
    if (s == FS_OK) s = store_add_history(st, &h);
    return s;
}

/* README "Engine id": when finished tasks of the store at path were computed by engines other
 * than this binary's (by their runs' /history rows: a task belongs to the last run that began
 * before it), one line saying so appended to *msg, and 1; 0 when there are none, when the store
 * does not exist yet, or when its runs predate engine ids (nothing to compare); -1 when the store
 * cannot be read (fs_last_error). Reads only (store_open_read): the store is not modified. */
static int engine_mixed(const char *path, FsBuf *msg)
{
    char *jpath = store_journal_path(path);
    int exists = fs_file_exists(path) || fs_file_exists(jpath);
    free(jpath);
    if (!exists) return 0;
    Store *st = store_open_read(path);
    if (!st) return -1;
    StoreHistory *h = NULL;
    StoreRow *rows = NULL;
    int64_t nh = 0, nr = 0;
    FsStatus s = store_history(st, &h, &nh);
    if (s == FS_OK) s = store_rows(st, &rows, &nr);
    store_close(st);
    if (s != FS_OK) {
        free(h);
        free(rows);
        return -1;
    }
    int64_t *done = xcalloc((size_t)nh + 1, sizeof *done); /* finished tasks per run */
    for (int64_t i = 0; i < nr && nh > 0; i++) {
        if (rows[i].status != FS_OK) continue;
        int64_t k = 0;
        while (k + 1 < nh && h[k + 1].time <= rows[i].start) k++;
        done[k]++;
    }
    const char *mine = engine_id();
    int64_t other = 0;
    FsBuf names = {0};
    for (int64_t k = 0; k < nh; k++) {
        const char *e = store_history_engine(&h[k]);
        if (!*e || !strcmp(e, mine) || !done[k]) continue;
        other += done[k];
        int64_t first = -1, cnt = 0; /* each engine named once, at its first run, with its tasks */
        for (int64_t j = 0; j < nh; j++)
            if (done[j] && !strcmp(store_history_engine(&h[j]), e)) {
                if (first < 0) first = j;
                cnt += done[j];
            }
        if (first != k) continue;
        char git[48];
        store_history_git(&h[k], git, sizeof git);
        fsbuf_printf(&names, "%s%lld by engine %s (git %s)", names.len ? ", " : "", (long long)cnt, e,
                     git[0] ? git : "?");
    }
    if (other)
        fsbuf_printf(msg, "%s holds tasks computed by another engine: %s; this binary is engine %s",
                     path, names.s, mine);
    fsbuf_free(&names);
    free(done);
    free(h);
    free(rows);
    return other > 0;
}

static const char run_usage[] =
    "usage: fsweep run CONFIG [--store STORE.h5] [--force] [--same-engine] [--quiet]\n"
    "                  [key=value | axis=a,b,c ...]\n"
    "  Run a sweep; under mpirun rank 0 schedules and stores, the other ranks run tasks.\n"
    "  Without --store the results go to results/<config name>.h5. Running the same command\n"
    "  again resumes: finished tasks are skipped, failed ones get new attempts. A config whose\n"
    "  result-affecting keys changed is refused unless --force; new axis values extend the grid.\n"
    "  Resuming a store whose finished tasks another engine computed (other numerics sources,\n"
    "  compiler, flags or matrix-product class: `fsweep version`) warns once; --same-engine\n"
    "  makes that an error (exit 1) before the store is touched.\n"
    "  SIGTERM/SIGUSR1 drain and exit with 75 (resumable); under mpirun send SIGUSR1 to mpirun\n"
    "  (Open MPI ends the job itself on SIGTERM: exit 1, still resumable). Exit: 0 all done,\n"
    "  3 tasks failed, 75 interrupted, 1 error, 2 usage (mpirun: 128+N, a rank killed by N).\n";

int cmd_run(int argc, char **argv)
{
    install_signals(); /* first: a drain request during start-up is kept, not fatal */
    par_init(&argc, &argv);
    CliSweepArgs a;
    int rc = cli_sweep_args(argc, argv, &a, run_usage);
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
            printf("# fsweep %s (git %s, engine %s), %d rank(s); effective config (hash %016llx):\n%s\n",
                   FS_VERSION, FS_GIT_HASH, engine_id(), par_size(), (unsigned long long)cfg.hash, cfg.text);
            sweep_print_counts(&cfg, stdout);
        }
        FsBuf msg = {0};
        int mixed = engine_mixed(store_path, &msg);
        if (a.same_engine && mixed < 0) {
            fprintf(stderr, "fsweep run: error: --same-engine: cannot read the engine ids of %s: %s\n",
                    store_path, fs_last_error());
            ok = 0;
        } else if (a.same_engine && mixed) {
            fprintf(stderr, "fsweep run: error: %s; --same-engine refuses to add to it (the store is "
                    "unchanged; rerun into a new store for one build, or leave out --same-engine)\n", msg.s);
            ok = 0;
        } else if (mixed > 0) {
            fprintf(stderr, "fsweep run: warning: %s: results of the two builds may differ bitwise "
                    "(tasks already stored are kept; rerun into a new store for one build)\n", msg.s);
        }
        fsbuf_free(&msg);
        int created = 0;
        if (ok) st = store_open(store_path, &cfg, a.force, &created);
        if (ok && (!st || write_provenance(st, &cfg, created) != FS_OK)) {
            fprintf(stderr, "fsweep: error: %s\n", fs_last_error());
            store_close(st);
            st = NULL;
            ok = 0;
        } else if (ok) {
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
