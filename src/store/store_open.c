/* store_open.c: a store's life: create (under a temporary name, then renamed), open for
 * writing with repair (a store left open by a killed writer gets its last journal records
 * replayed; one HDF5 cannot open is rebuilt from the journal), open read-only (journal as the
 * freshest view), close; the root attributes (provenance, config, writer_open). */
#include "store_internal.h"

#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *store_library_version(void) { return h5f_library_version(); }
const char *store_path(const Store *st) { return st->path; }

char *store_journal_path(const char *path)
{
    size_t n = strlen(path) + 16;
    char *j = xmalloc(n);
    fs_snprintf(j, n, "%s.journal", path);
    return j;
}

static Store *store_new(const char *path)
{
    Store *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->jpath = store_journal_path(path);
    store_tasks_init(s);
    return s;
}

static void store_free(Store *s)
{
    if (s->jf) fclose(s->jf);
    for (int a = 0; a < STORE_NGRID; a++) {
        for (int i = 0; i < s->nax[a]; i++) free(s->ax[a][i]);
        free(s->ax[a]);
    }
    store_tasks_free(s);
    free(s->path);
    free(s->jpath);
    free(s);
}

/* ------------------------------------------------------------------ root attributes */
FsStatus store_set_attr(Store *s, const char *name, const char *value)
{
    return h5f_attr_set_str(s->f, "/", name, value ? value : "");
}

FsStatus store_set_attr_f64(Store *s, const char *name, double v)
{
    return h5f_attr_set_f64(s->f, "/", name, v);
}

/* A root string attribute, or NULL when absent or unreadable. */
static char *root_str(Store *s, const char *name)
{
    char *v = NULL;
    if (!h5f_attr_exists(s->f, "/", name) || h5f_attr_get_str(s->f, "/", name, &v) != FS_OK)
        return NULL;
    return v;
}

/* A root integer attribute, or dflt when absent or unreadable. */
static int64_t root_i64(Store *s, const char *name, int64_t dflt)
{
    int64_t v = dflt;
    if (!h5f_attr_exists(s->f, "/", name) || h5f_attr_get_i64(s->f, "/", name, &v) != FS_OK)
        return dflt;
    return v;
}

FsStatus store_get_attr(Store *s, const char *name, char **value)
{
    if (!s->f) return fs_errorf(FS_ERR_IO, "%s: HDF5 file not open", s->path);
    *value = root_str(s, name);
    return *value ? FS_OK : fs_errorf(FS_ERR_FORMAT, "%s: no attribute %s", s->path, name);
}

/* 1 when a line of text starts with s (whole: and ends with it) */
static int has_line(const char *text, const char *s, int whole)
{
    const size_t n = strlen(s);
    for (const char *p = strstr(text, s); p; p = strstr(p + 1, s))
        if ((p == text || p[-1] == '\n') && (!whole || p[n] == '\n' || p[n] == 0)) return 1;
    return 0;
}

/* Append to out the result-affecting lines of text a (outside [cost]) that b lacks: with
 * only_new, only those whose key b has no line for at all (keys added by a later fsweep). */
static void diff_lines(const char *a, const char *b, int only_new, FsBuf *out)
{
    char *save = NULL, *copy = xstrdup(a);
    const char *sec = "";
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == '[') {
            sec = l;
            continue;
        }
        char name[64] = "", part[64] = "", prefix[80];
        if (!strcmp(sec, "[cost]") || sscanf(l, "%63[^ =]", name) != 1 ||
            sscanf(sec, "[%63[^]]", part) != 1 || !sweep_key_affects_results(part, name) || has_line(b, l, 1))
            continue;
        fs_snprintf(prefix, sizeof prefix, "%s = ", name);
        if (only_new && has_line(b, prefix, 0)) continue;
        fsbuf_printf(out, "%s%s %s", out->len ? "; " : "", sec, l);
    }
    free(copy);
}

static FsStatus check_config(Store *s, const SweepConfig *cfg, int force)
{
    char *rh = root_str(s, "result_hash"), *text = root_str(s, "config");
    FsStatus st = FS_OK;
    char mine[24];
    fs_snprintf(mine, sizeof mine, "%016llx", (unsigned long long)cfg->result_hash);
    if (rh && strcmp(rh, mine) != 0) {
        /* name the changed lines (outside [axes]): the stored values, then keys the store lacks */
        FsBuf was = {0}, added = {0}, diff = {0};
        if (text) {
            diff_lines(text, cfg->text, 0, &was);
            diff_lines(cfg->text, text, 1, &added);
        }
        if (was.s) fsbuf_printf(&diff, "stored values: %s", was.s);
        if (added.s) fsbuf_printf(&diff, "%skeys the store was made without: %s", was.s ? "; " : "", added.s);
        if (!diff.s) fsbuf_printf(&diff, "the same values, hashed by an older fsweep");
        fsbuf_free(&was);
        fsbuf_free(&added);
        if (force) {
            LOG_WARN("%s: config changed (%s); continuing because of --force", s->path, diff.s);
        } else {
            st = fs_errorf(FS_ERR_CONFIG, "%s: the store was made with another config (%s); use a "
                           "new store, or --force to continue anyway", s->path, diff.s);
        }
        fsbuf_free(&diff);
    }
    free(rh);
    free(text);
    return st;
}

/* ------------------------------------------------------------------ repair */
typedef struct {
    Store *s;
    const SweepConfig *cfg;
    int64_t index, from;
    int full; /* rebuilding a fresh file: restore history too */
} Replay;

static FsStatus replay_cb(int type, const unsigned char *p, size_t n, void *user)
{
    Replay *rp = user;
    if (type == STORE_JREC_HISTORY) {
        StoreHistory h; /* full rebuild: restore history */
        if (rp->full && store_history_from_record(p, n, &h)) return store_history_append(rp->s, &h);
        return FS_OK;
    }
    if (type != STORE_JREC_RESULT || n < sizeof(StoreKey)) return FS_OK;
    int64_t i = rp->index++;
    StoreKey k;
    memcpy(&k, p, sizeof k);
    TaskResult r;
    FsStatus st = task_result_unpack(p + sizeof k, n - sizeof k, &r);
    if (st != FS_OK) return st;
    /* The file has this attempt's row when it has as many attempts of the task (by key, not by
     * position: a journal that lost records to damage no longer lines up with /tasks). Records
     * before `from` whose row exists are skipped; the others are (re)applied. */
    int have_row = store_attempts(rp->s, r.task_id) >= r.attempt;
    if (i >= rp->from || !have_row) st = store_apply(rp->s, rp->cfg, &k, &r, !have_row);
    task_result_free(&r);
    return st;
}

/* Bring the HDF5 file in line with the journal. from: first record whose arrays are rewritten. */
static FsStatus replay(Store *s, const SweepConfig *cfg, int64_t from, int full)
{
    Replay rp = {s, cfg, 0, from, full};
    long end = 0;
    int64_t rows_before = s->nrows;
    FsStatus st = store_journal_scan(s->jpath, replay_cb, &rp, &end);
    if (st != FS_OK) return st;
    struct stat sb;
    if (stat(s->jpath, &sb) != 0)
        return fs_errorf(FS_ERR_IO, "%s: cannot stat: %s", s->jpath, strerror(errno));
    /* drop a torn or damaged tail so new records follow the last good one (one warning) */
    if ((long long)sb.st_size > (long long)end) {
        LOG_WARN("%s: damaged tail: %lld bytes after the last valid record (byte %ld) dropped "
                 "(torn write or damage); its %lld results are kept, the HDF5 file holds %lld "
                 "rows", s->jpath, (long long)sb.st_size - end, end, (long long)rp.index,
                 (long long)rows_before);
        if (truncate(s->jpath, end) != 0)
            return fs_errorf(FS_ERR_IO, "%s: cannot truncate: %s", s->jpath, strerror(errno));
    } else if (rp.index < rows_before) {
        LOG_WARN("%s: journal holds %lld results but the file %lld rows (journal from another "
                 "store?)", s->jpath, (long long)rp.index, (long long)rows_before);
    }
    return FS_OK;
}

/* A rebuilt file: replay the whole journal; its last config stands in for the lost
 * attributes, so a changed config is still refused. */
static FsStatus rebuild(Store *s, const SweepConfig *cfg, int force)
{
    s->nrows = 0;
    FsStatus st = replay(s, cfg, 0, 1);
    if (st == FS_OK) LOG_WARN("%s: rebuilt %lld task rows from the journal", s->path,
                              (long long)s->nrows);
    StoreRow *rows = NULL;
    int64_t nr = 0;
    char *old = NULL;
    SweepConfig oc;
    if (st == FS_OK && store_journal_read(s->jpath, &rows, &nr, &old, NULL, NULL, NULL, NULL) == FS_OK &&
        old && sweep_load_text(old, s->jpath, &oc) == FS_OK) {
        char h[24];
        fs_snprintf(h, sizeof h, "%016llx", (unsigned long long)oc.result_hash);
        st = h5f_attr_set_str(s->f, "/", "result_hash", h);
        if (st == FS_OK) st = h5f_attr_set_str(s->f, "/", "config", old);
        sweep_free(&oc);
        if (st == FS_OK) st = check_config(s, cfg, force);
    }
    free(rows);
    free(old);
    return st;
}

/* ------------------------------------------------------------------ what the file is */
/* FS_OK when f (at path) is a store of this version; else one line naming what it is. */
static FsStatus check_format(H5File *f, const char *path)
{
    char *fmt = NULL;
    int64_t ver = -1;
    int has_fmt = h5f_attr_exists(f, "/", "format");
    if (has_fmt && h5f_attr_get_str(f, "/", "format", &fmt) != FS_OK) fmt = NULL;
    if (h5f_attr_exists(f, "/", "format_version") &&
        h5f_attr_get_i64(f, "/", "format_version", &ver) != FS_OK)
        ver = -1;
    FsStatus st = FS_OK;
    if (has_fmt && (!fmt || strcmp(fmt, STORE_FORMAT) != 0))
        st = fs_errorf(FS_ERR_FORMAT, "%s: not an fsweep store: format = '%s', expected format "
                       "'%s' version %d", path, fmt ? fmt : "(not a string)", STORE_FORMAT,
                       STORE_FORMAT_VERSION);
    else if (!has_fmt && (ver < 0 || !h5f_exists(f, "/axes")))
        st = fs_errorf(FS_ERR_FORMAT, "%s: not an fsweep store (an HDF5 file without the root "
                       "attribute format = '%s' and format_version = %d)", path, STORE_FORMAT,
                       STORE_FORMAT_VERSION);
    else if (ver != STORE_FORMAT_VERSION)
        st = fs_errorf(FS_ERR_FORMAT, "%s: store format version %lld, this fsweep reads version %d "
                       "(use the fsweep that made it, or a new store)", path, (long long)ver,
                       STORE_FORMAT_VERSION);
    free(fmt);
    if (st == FS_OK) fs_clear_error();
    return st;
}

FsStatus store_check_file(const char *path)
{
    H5File *f = h5f_open_shared(path);
    if (!f) return FS_ERR_IO;
    FsStatus st = check_format(f, path);
    char msg[1024];
    fs_snprintf(msg, sizeof msg, "%s", fs_last_error());
    h5f_close(f);
    if (st != FS_OK) fs_errorf(st, "%s", msg);
    return st;
}

/* ------------------------------------------------------------------ open / close */
/* A new, empty store at path (made as path.tmp-PID, then renamed: a file at `path` is always a
 * store), opened for writing. NULL + fs_last_error. */
static H5File *create_file(const char *path)
{
    size_t tl = strlen(path) + 32;
    char *tmp = xmalloc(tl);
    fs_snprintf(tmp, tl, "%s.tmp-%ld", path, (long)getpid());
    H5File *f = h5f_create(tmp);
    if (!f) {
        fs_errorf(FS_ERR_IO, "%s: cannot create the store (directory missing or not "
                  "writable?)", path);
        free(tmp);
        return NULL;
    }
    FsStatus a = h5f_attr_set_str(f, "/", "format", STORE_FORMAT);
    if (a == FS_OK) a = h5f_attr_set_i64(f, "/", "format_version", STORE_FORMAT_VERSION);
    FsStatus e = h5f_close(f);
    f = NULL;
    if (a == FS_OK && e == FS_OK && rename(tmp, path) == 0) f = h5f_open(path, 1);
    if (!f) {
        fs_errorf(FS_ERR_IO, "%s: cannot create the store: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return f;
}

/* The existing file, opened: check its version and config, load axes and rows, and replay the
 * journal's records the file may lack. */
static FsStatus open_existing(Store *s, const SweepConfig *cfg, int force, int have_j)
{
    int64_t open_flag = root_i64(s, "writer_open", 0);
    FsStatus st = check_format(s->f, s->path);
    if (st == FS_OK) st = check_config(s, cfg, force);
    if (st == FS_OK) st = store_axes_load(s);
    if (st == FS_OK) st = store_tasks_load(s);
    if (st == FS_OK && have_j) {
        /* after an unclean stop, rewrite the last results' arrays too (idempotent) */
        int64_t from = open_flag ? (s->nrows > 8 ? s->nrows - 8 : 0) : s->nrows;
        if (open_flag) LOG_WARN("%s: not closed cleanly; checking it against %s", s->path, s->jpath);
        st = replay(s, cfg, from, 0);
    }
    return st;
}

/* Merge the config's axis values (new values extend the grid), start the journal run and
 * mark the file open. */
static FsStatus begin_run(Store *s, const SweepConfig *cfg)
{
    static const int axis_of[STORE_NGRID] = {AX_DATASET, AX_ARCH, AX_AUG, AX_BAND, AX_SEED};
    FsStatus st = FS_OK;
    for (int a = 0; a < STORE_NGRID && st == FS_OK; a++) {
        const SweepAxis *ax = &cfg->axes[axis_of[a]];
        for (int i = 0; i < ax->n && st == FS_OK; i++) {
            char v[32];
            const char *val = ax->v[i];
            if (a == STORE_AXIS_SEED) {
                fs_snprintf(v, sizeof v, "%ld", sweep_seed_value(cfg, i));
                val = v;
            }
            store_axis_index(s, a, val, &st);
        }
        if (st == FS_OK && !s->nax[a]) st = store_axes_save(s, a);
    }
    if (st == FS_OK) {
        s->jf = fopen(s->jpath, "ab");
        if (!s->jf) st = fs_errorf(FS_ERR_IO, "%s: cannot open: %s", s->jpath, strerror(errno));
        else st = store_journal_write(s, STORE_JREC_CONFIG, cfg->text, strlen(cfg->text), NULL, 0);
    }
    char h[24];
    fs_snprintf(h, sizeof h, "%016llx", (unsigned long long)cfg->result_hash);
    if (st == FS_OK) st = h5f_attr_set_i64(s->f, "/", "writer_open", 1);
    if (st == FS_OK) st = h5f_attr_set_str(s->f, "/", "result_hash", h);
    if (st == FS_OK) st = h5f_attr_set_str(s->f, "/", "config", cfg->text);
    if (st == FS_OK) st = h5f_flush(s->f);
    return st;
}

/* Move a store aside (kept as PATH.TAG-TIME: TAG damaged, or old-layout) so that it is rebuilt
 * from its journal. 0 + fs_last_error when it cannot be moved. */
static int move_aside(const char *path, const char *jpath, const char *tag, const char *why)
{
    char bak[1100];
    fs_snprintf(bak, sizeof bak, "%s.%s-%ld", path, tag, (long)fs_wall_time());
    if (rename(path, bak) != 0) {
        fs_errorf(FS_ERR_IO, "%s: cannot move the damaged file aside: %s", path, strerror(errno));
        return 0;
    }
    LOG_WARN("%s: %s; kept as %s, rebuilding from %s", path, why, bak, jpath);
    return 1;
}

/* 1 (and the dataset's path in buf) when a model's weights are stored in chunks of one value, as
 * fsweep wrote those of over 1 M parameters before 2026-12-07 (it writes no such chunk since):
 * such a file is hundreds of MB and its writer needs GBs of memory (3 AlexNet/4 models: 317 MB,
 * a 9.8 GB master). */
static int one_value_chunks(H5File *f, char *buf, size_t n)
{
    char **ds = NULL, **ar = NULL;
    int nds = 0, nar = 0, found = 0;
    if (!h5f_exists(f, "/models") || h5f_list(f, "/models", &ds, &nds) != FS_OK) return 0;
    for (int i = 0; i < nds && !found; i++) {
        char g[512];
        fs_snprintf(g, sizeof g, "/models/%s", ds[i]);
        if (h5f_list(f, g, &ar, &nar) != FS_OK) continue;
        for (int j = 0; j < nar && !found; j++) {
            char p[1100];
            int rank = 0, cr = 0;
            int64_t dims[FSH5_MAX_RANK], ch[FSH5_MAX_RANK];
            fs_snprintf(p, sizeof p, "%s/%s/weights", g, ar[j]);
            if (!h5f_exists(f, p) || h5f_shape(f, p, &rank, dims, NULL) != FS_OK ||
                h5f_chunk(f, p, &cr, ch) != FS_OK || cr != rank || rank < 1)
                continue;
            int64_t c = 1;
            for (int k = 0; k < cr; k++) c *= ch[k];
            found = c == 1 && dims[rank - 1] > 1;
            if (found) fs_snprintf(buf, n, "%s", p);
        }
        for (int j = 0; j < nar; j++) free(ar[j]);
        free(ar);
        ar = NULL;
    }
    for (int i = 0; i < nds; i++) free(ds[i]);
    free(ds);
    return found;
}

/* store_open; moved: the file was just moved aside (no second warning). */
static Store *open_at(const char *path, const SweepConfig *cfg, int force, int *created,
                      int moved)
{
    Store *s = store_new(path);
    s->fsync_each = cfg->store_fsync;
    FsStatus st = FS_OK;
    int have_file = fs_file_exists(path), have_j = fs_file_exists(s->jpath);
    int rebuilding = 0;
    *created = 0;
    if (have_file) {
        s->f = h5f_open(path, 1);
        if (!s->f) {
            if (!have_j) {
                fs_errorf(FS_ERR_IO, "%s: cannot open the store for writing (another job writing "
                          "it, or damaged with no journal to rebuild from)", path);
                store_free(s);
                return NULL;
            }
            if (!move_aside(path, s->jpath, "damaged", "HDF5 cannot open it (torn write?)")) {
                store_free(s);
                return NULL;
            }
            rebuilding = 1;
        } else {
            char w[1100];
            if (one_value_chunks(s->f, w, sizeof w)) {
                char why[1400];
                fs_snprintf(why, sizeof why, "%s is stored in chunks of one value (fsweep before "
                            "2026-12-07): slow, and GBs of memory to write", w);
                if (!have_j) {
                    LOG_WARN("%s: %s; no journal to rebuild it from, continuing as it is", path, why);
                } else {
                    h5f_close(s->f);
                    s->f = NULL;
                    int ok = move_aside(path, s->jpath, "old-layout", why);
                    store_free(s);
                    return ok ? open_at(path, cfg, force, created, 1) : NULL;
                }
            }
        }
    } else if (have_j) {
        if (!moved) LOG_WARN("%s: missing, rebuilding from %s", path, s->jpath);
        rebuilding = 1;
    }
    if (!s->f) {
        s->f = create_file(path);
        if (!s->f) {
            store_free(s);
            return NULL;
        }
        *created = !rebuilding;
    } else {
        st = open_existing(s, cfg, force, have_j);
        if (st == FS_ERR_LIB && have_j) { /* HDF5 opens it but cannot read it: rebuild */
            char why[1200];
            fs_snprintf(why, sizeof why, "HDF5 opens it but cannot read it (%s; torn or "
                        "full-disk write?)", fs_last_error());
            h5f_close(s->f);
            s->f = NULL;
            int ok = move_aside(path, s->jpath, "damaged", why);
            store_free(s);
            return ok ? open_at(path, cfg, force, created, 1) : NULL;
        }
    }
    if (st == FS_OK && rebuilding) st = rebuild(s, cfg, force);
    if (st == FS_OK) st = begin_run(s, cfg);
    if (st != FS_OK) {
        char msg[1024];
        fs_snprintf(msg, sizeof msg, "%s", fs_last_error());
        h5f_close(s->f);
        store_free(s);
        fs_errorf(st, "%s", msg);
        return NULL;
    }
    return s;
}

Store *store_open(const char *path, const SweepConfig *cfg, int force, int *created)
{
    return open_at(path, cfg, force, created, 0);
}

Store *store_open_read(const char *path)
{
    Store *s = store_new(path);
    s->readonly = 1;
    if (fs_file_exists(path)) s->f = h5f_open_shared(path);
    if (!s->f && !fs_file_exists(s->jpath)) {
        fs_errorf(FS_ERR_IO, "%s: %s", path,
                  fs_file_exists(path) ? "HDF5 cannot open it, and there is no journal"
                                       : "no such store");
        store_free(s);
        return NULL;
    }
    if (s->f) {
        if (check_format(s->f, path) != FS_OK) {
            char msg[1024];
            fs_snprintf(msg, sizeof msg, "%s", fs_last_error());
            h5f_close(s->f);
            store_free(s);
            fs_errorf(FS_ERR_FORMAT, "%s", msg);
            return NULL;
        }
        store_axes_load(s);
        store_tasks_load(s);
    }
    if (fs_file_exists(s->jpath)) { /* the journal is the freshest view */
        StoreRow *rows = NULL;
        int64_t n = 0;
        if (store_journal_rows(s->jpath, &rows, &n) == FS_OK && n >= s->nrows) {
            store_tasks_forget(s);
            for (int64_t i = 0; i < n; i++) store_tasks_note(s, rows[i].task_id, rows[i].status);
            s->nrows = n;
        }
        free(rows);
    }
    return s;
}

FsStatus store_rows(Store *s, StoreRow **rows, int64_t *n)
{
    if (s->readonly && fs_file_exists(s->jpath)) return store_journal_rows(s->jpath, rows, n);
    if (!s->f) return fs_errorf(FS_ERR_IO, "%s: cannot open the file, and no journal", s->path);
    return store_rows_h5(s, rows, n);
}

FsStatus store_history(Store *s, StoreHistory **h, int64_t *n)
{
    if (!s->f && fs_file_exists(s->jpath)) {
        StoreRow *rows = NULL;
        int64_t nr = 0;
        FsStatus st = store_journal_read(s->jpath, &rows, &nr, NULL, NULL, NULL, h, n);
        free(rows);
        return st;
    }
    return store_history_h5(s, h, n);
}

FsStatus store_close(Store *s)
{
    if (!s) return FS_OK;
    FsStatus st = FS_OK;
    if (s->f) {
        if (!s->readonly) st = h5f_attr_set_i64(s->f, "/", "writer_open", 0);
        FsStatus cs = h5f_close(s->f); /* its error names the file and errno */
        if (st == FS_OK) st = cs;
    }
    if (s->jf && fclose(s->jf) != 0 && st == FS_OK)
        st = fs_errorf(FS_ERR_IO, "%s: close: %s", s->jpath, strerror(errno));
    s->jf = NULL;
    store_free(s);
    return st;
}
