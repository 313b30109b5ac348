/* store_tasks.c: the /tasks table (one compound row per task attempt, appendable), the
 * /history table (one row per run or resume), and the task-id map that answers "is this task
 * done?" without reading the table. */
#include "store_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A /tasks row in memory: strings are borrowed (writing) or HDF5's (reading). */
typedef struct {
    uint64_t task_id;
    const char *key, *kind, *dataset, *arch, *aug, *band;
    int64_t seed;
    int32_t part, status;
    const char *status_name;
    int32_t attempt, rank;
    const char *host;
    double start, end, wall;
    const char *error;
} RowMem;

/* A /history row in memory. */
typedef struct {
    double time;
    const char *time_iso, *event, *config_hash;
    int32_t ranks;
    const char *host, *job_id, *version;
} HistMem;

#define FIELD(T, name, type) {#name, offsetof(T, name), type}
static const FsH5Field row_fields[] = {
    FIELD(RowMem, task_id, FSH5_U64), FIELD(RowMem, key, FSH5_STR),
    FIELD(RowMem, kind, FSH5_STR),    FIELD(RowMem, dataset, FSH5_STR),
    FIELD(RowMem, arch, FSH5_STR),    FIELD(RowMem, aug, FSH5_STR),
    FIELD(RowMem, band, FSH5_STR),    FIELD(RowMem, seed, FSH5_I64),
    FIELD(RowMem, part, FSH5_I32),    FIELD(RowMem, status, FSH5_I32),
    FIELD(RowMem, status_name, FSH5_STR), FIELD(RowMem, attempt, FSH5_I32),
    FIELD(RowMem, rank, FSH5_I32),    FIELD(RowMem, host, FSH5_STR),
    FIELD(RowMem, start, FSH5_F64),   FIELD(RowMem, end, FSH5_F64),
    FIELD(RowMem, wall, FSH5_F64),    FIELD(RowMem, error, FSH5_STR),
};
static const FsH5Field hist_fields[] = {
    FIELD(HistMem, time, FSH5_F64),      FIELD(HistMem, time_iso, FSH5_STR),
    FIELD(HistMem, event, FSH5_STR),     FIELD(HistMem, config_hash, FSH5_STR),
    FIELD(HistMem, ranks, FSH5_I32),     FIELD(HistMem, host, FSH5_STR),
    FIELD(HistMem, job_id, FSH5_STR),    FIELD(HistMem, version, FSH5_STR),
};
#undef FIELD

void store_tasks_init(Store *s)
{
    s->row_t = h5f_table_type(sizeof(RowMem), (int)(sizeof row_fields / sizeof *row_fields),
                              row_fields);
    s->hist_t = h5f_table_type(sizeof(HistMem), (int)(sizeof hist_fields / sizeof *hist_fields),
                               hist_fields);
    FS_CHECK(s->row_t && s->hist_t, "%s", fs_last_error());
}

void store_tasks_free(Store *s)
{
    h5f_table_type_free(s->row_t);
    h5f_table_type_free(s->hist_t);
    free(s->map);
}

/* ------------------------------------------------------------------ id map */
static StoreMapEntry *map_find(const Store *s, uint64_t id)
{
    if (!s->map_cap) return NULL;
    if (!id) id = 1; /* 0 marks empty slots */
    size_t j = id & (s->map_cap - 1);
    while (s->map[j].id && s->map[j].id != id) j = (j + 1) & (s->map_cap - 1);
    return s->map[j].id ? &s->map[j] : NULL;
}

static StoreMapEntry *map_add(Store *s, uint64_t id)
{
    if ((s->map_n + 1) * 2 > s->map_cap) {
        size_t cap = s->map_cap ? s->map_cap * 2 : 1024;
        StoreMapEntry *m = xcalloc(cap, sizeof *m);
        for (size_t i = 0; i < s->map_cap; i++)
            if (s->map[i].id) {
                size_t j = s->map[i].id & (cap - 1);
                while (m[j].id) j = (j + 1) & (cap - 1);
                m[j] = s->map[i];
            }
        free(s->map);
        s->map = m;
        s->map_cap = cap;
    }
    if (!id) id = 1;
    size_t j = id & (s->map_cap - 1);
    while (s->map[j].id && s->map[j].id != id) j = (j + 1) & (s->map_cap - 1);
    if (!s->map[j].id) {
        s->map[j].id = id;
        s->map_n++;
    }
    return &s->map[j];
}

void store_tasks_note(Store *s, uint64_t id, int status)
{
    StoreMapEntry *e = map_add(s, id);
    e->attempts++;
    if (status == FS_OK) e->done = 1;
}

void store_tasks_forget(Store *s)
{
    free(s->map);
    s->map = NULL;
    s->map_cap = s->map_n = 0;
}

int store_is_done(const Store *st, uint64_t id)
{
    const StoreMapEntry *e = map_find(st, id);
    return e && e->done;
}
int store_attempts(const Store *st, uint64_t id)
{
    const StoreMapEntry *e = map_find(st, id);
    return e ? e->attempts : 0;
}
int64_t store_row_count(const Store *st) { return st->nrows; }

/* ------------------------------------------------------------------ task rows */
static void row_from(const StoreKey *k, const TaskResult *r, RowMem *m)
{
    memset(m, 0, sizeof *m);
    m->task_id = r->task_id;
    m->key = k->key;
    m->kind = task_kind_name((TaskKind)k->kind);
    m->dataset = k->v[0];
    m->arch = k->v[1];
    m->aug = k->v[2];
    m->band = k->v[3];
    m->seed = k->seed;
    m->part = k->part;
    m->status = r->status;
    m->status_name = fs_status_str((FsStatus)r->status);
    m->attempt = r->attempt;
    m->rank = r->rank;
    m->host = r->host;
    m->start = r->start;
    m->end = r->end;
    m->wall = r->wall;
    m->error = r->error;
}

static void row_to(const RowMem *m, StoreRow *o)
{
    memset(o, 0, sizeof *o);
    o->task_id = m->task_id;
#define CP(f) fs_snprintf(o->f, sizeof o->f, "%.*s", (int)sizeof o->f - 1, m->f ? m->f : "")
    CP(key);
    CP(kind);
    CP(dataset);
    CP(arch);
    CP(aug);
    CP(band);
    CP(host);
    CP(error);
#undef CP
    o->seed = m->seed;
    o->part = m->part;
    o->status = m->status;
    o->attempt = m->attempt;
    o->rank = m->rank;
    o->start = m->start;
    o->end = m->end;
    o->wall = m->wall;
}

void store_row_make(const StoreKey *k, const TaskResult *r, StoreRow *o)
{
    RowMem m;
    row_from(k, r, &m);
    row_to(&m, o);
}

FsStatus store_tasks_append(Store *s, const StoreKey *k, const TaskResult *r)
{
    RowMem m;
    row_from(k, r, &m);
    FsStatus st = h5f_table_append(s->f, "/tasks", s->row_t, &m);
    if (st != FS_OK) return st;
    s->nrows++;
    store_tasks_note(s, r->task_id, r->status);
    return FS_OK;
}

FsStatus store_rows_h5(Store *s, StoreRow **rows, int64_t *n)
{
    *rows = NULL;
    *n = 0;
    if (!h5f_exists(s->f, "/tasks")) return FS_OK;
    void *raw = NULL;
    int64_t cnt = 0;
    FsStatus st = h5f_table_read(s->f, "/tasks", s->row_t, &raw, &cnt);
    if (st != FS_OK) return st;
    const RowMem *m = raw;
    *rows = xcalloc((size_t)cnt + 1, sizeof **rows);
    for (int64_t i = 0; i < cnt; i++) row_to(&m[i], &(*rows)[i]);
    *n = cnt;
    h5f_table_rows_free(s->row_t, raw, cnt);
    return FS_OK;
}

FsStatus store_tasks_load(Store *s)
{
    StoreRow *rows = NULL;
    int64_t n = 0;
    FsStatus st = store_rows_h5(s, &rows, &n);
    for (int64_t i = 0; i < n; i++) store_tasks_note(s, rows[i].task_id, rows[i].status);
    s->nrows = n;
    free(rows);
    return st;
}

/* ------------------------------------------------------------------ history */
FsStatus store_history_append(Store *s, const StoreHistory *h)
{
    time_t t = (time_t)h->time;
    struct tm tm;
    char iso[32];
    gmtime_r(&t, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    HistMem m = {h->time, iso, h->event, h->config_hash, h->ranks, h->host, h->job_id, h->version};
    return h5f_table_append(s->f, "/history", s->hist_t, &m);
}

FsStatus store_history_h5(Store *s, StoreHistory **h, int64_t *n)
{
    *h = NULL;
    *n = 0;
    if (!s->f || !h5f_exists(s->f, "/history")) return FS_OK;
    void *raw = NULL;
    int64_t cnt = 0;
    FsStatus st = h5f_table_read(s->f, "/history", s->hist_t, &raw, &cnt);
    if (st != FS_OK) return st;
    const HistMem *m = raw;
    *h = xcalloc((size_t)cnt + 1, sizeof **h);
    for (int64_t i = 0; i < cnt; i++) {
        StoreHistory *o = &(*h)[i];
        o->time = m[i].time;
        o->ranks = m[i].ranks;
        fs_snprintf(o->event, sizeof o->event, "%.15s", m[i].event ? m[i].event : "");
        fs_snprintf(o->config_hash, sizeof o->config_hash, "%.23s",
                    m[i].config_hash ? m[i].config_hash : "");
        fs_snprintf(o->host, sizeof o->host, "%.63s", m[i].host ? m[i].host : "");
        fs_snprintf(o->job_id, sizeof o->job_id, "%.63s", m[i].job_id ? m[i].job_id : "");
        fs_snprintf(o->version, sizeof o->version, "%.95s", m[i].version ? m[i].version : "");
    }
    *n = cnt;
    h5f_table_rows_free(s->hist_t, raw, cnt);
    return FS_OK;
}

const char *store_history_engine(const StoreHistory *h)
{
    const char *e = strstr(h->version, STORE_ENGINE_TAG);
    return e ? e + strlen(STORE_ENGINE_TAG) : "";
}

void store_history_git(const StoreHistory *h, char *git, size_t n)
{
    const char *a = strchr(h->version, '('), *b = a ? strchr(a, ')') : NULL;
    fs_snprintf(git, n, "%.*s", b ? (int)(b - a - 1) : 0, b ? a + 1 : "");
}
