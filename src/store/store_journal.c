/* store_journal.c: the journal beside a store (STORE.journal). Records are a header
 * {magic "JRSF", type} (2 x u32), a length (u64), a checksum (u64) and the payload; every record
 * is flushed (and fsync'd when store_fsync is set) before HDF5 sees the data, so a killed writer
 * loses nothing. A torn tail ends the scan. Payloads: RESULT = StoreKey + packed TaskResult
 * (checksum of the two parts combined), HISTORY = StoreHistory, CONFIG = the config text
 * (starts a run), START = StoreStart. Pure stdio: no HDF5 here. */
#include "store_internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JMAGIC 0x4653524Au /* "JRSF" */

FsStatus store_journal_write(Store *s, int type, const void *a, size_t na, const void *b,
                             size_t nb)
{
    if (!s->jf) return FS_OK;
    uint32_t hdr[2] = {JMAGIC, (uint32_t)type};
    uint64_t len = na + nb;
    uint64_t h = fs_hash64(a, na) ^ (nb ? fs_hash64(b, nb) * 31 : 0);
    if (fwrite(hdr, sizeof hdr, 1, s->jf) != 1 || fwrite(&len, sizeof len, 1, s->jf) != 1 ||
        fwrite(&h, sizeof h, 1, s->jf) != 1 || (na && fwrite(a, na, 1, s->jf) != 1) ||
        (nb && fwrite(b, nb, 1, s->jf) != 1) || fflush(s->jf) != 0)
        return fs_errorf(FS_ERR_IO, "%s: cannot write the journal: %s", s->jpath, strerror(errno));
    if (s->fsync_each && fsync(fileno(s->jf)) != 0)
        return fs_errorf(FS_ERR_IO, "%s: fsync: %s", s->jpath, strerror(errno));
    return FS_OK;
}

FsStatus store_journal_scan(const char *jpath, StoreJournalFn fn, void *user, long *valid_end)
{
    FILE *f = fopen(jpath, "rb");
    if (!f) return fs_errorf(FS_ERR_IO, "%s: cannot open: %s", jpath, strerror(errno));
    FsStatus st = FS_OK;
    unsigned char *buf = NULL;
    size_t cap = 0;
    long end = 0, size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    rewind(f);
    for (;;) {
        uint32_t hdr[2];
        uint64_t len, h;
        if (fread(hdr, sizeof hdr, 1, f) != 1 || fread(&len, sizeof len, 1, f) != 1 ||
            fread(&h, sizeof h, 1, f) != 1 || hdr[0] != JMAGIC || len > ((uint64_t)1 << 36))
            break;
        /* a length past the end of the file is a torn (or damaged) record: stop before
         * allocating for it */
        long here = ftell(f);
        if (size >= 0 && here >= 0 && len > (uint64_t)(size - here)) break;
        if (len > cap) {
            cap = (size_t)len;
            buf = xrealloc(buf, cap);
        }
        if (len && fread(buf, (size_t)len, 1, f) != 1) break;
        /* the hash covers key + result as written (two parts for results) */
        uint64_t hh;
        if (hdr[1] == STORE_JREC_RESULT && len >= sizeof(StoreKey))
            hh = fs_hash64(buf, sizeof(StoreKey)) ^
                 (len > sizeof(StoreKey) ? fs_hash64(buf + sizeof(StoreKey),
                                                     (size_t)len - sizeof(StoreKey)) * 31 : 0);
        else
            hh = fs_hash64(buf, (size_t)len);
        if (hh != h) break; /* torn record: stop here */
        end = ftell(f);
        if (fn) {
            st = fn((int)hdr[1], buf, (size_t)len, user);
            if (st != FS_OK) break;
        }
    }
    free(buf);
    fclose(f);
    if (valid_end) *valid_end = end;
    return st;
}

FsStatus store_note_start(Store *s, const TaskSpec *spec, int rank)
{
    StoreStart r;
    memset(&r, 0, sizeof r);
    r.task_id = spec->id;
    r.rank = rank;
    r.time = fs_wall_time();
    fs_snprintf(r.key, sizeof r.key, "%s", spec->key);
    return store_journal_write(s, STORE_JREC_START, &r, sizeof r, NULL, 0);
}

/* The version member was char[48] before engine ids: such records are a prefix of today's. */
_Static_assert(offsetof(StoreHistory, version) + 48 <= STORE_HISTORY_V1_SIZE &&
                   offsetof(StoreHistory, version) + 48 + 8 > STORE_HISTORY_V1_SIZE,
               "STORE_HISTORY_V1_SIZE is the old StoreHistory's size");

int store_history_from_record(const unsigned char *p, size_t n, StoreHistory *h)
{
    memset(h, 0, sizeof *h);
    if (n == sizeof *h) {
        memcpy(h, p, sizeof *h);
    } else if (n == STORE_HISTORY_V1_SIZE) {
        memcpy(h, p, offsetof(StoreHistory, version) + 48); /* not the old tail padding */
    } else {
        return 0;
    }
    h->version[sizeof h->version - 1] = 0;
    return 1;
}

/* ------------------------------------------------------------------ reading a journal alone */
typedef struct {
    StoreRow *rows;
    int64_t n, cap;
    char *config;
    StoreStart *starts;
    int64_t ns, scap;
    StoreHistory *hist;
    int64_t nh, hcap;
} RowAcc;

static FsStatus journal_row_cb(int type, const unsigned char *p, size_t n, void *user)
{
    RowAcc *acc = user;
    if (type == STORE_JREC_HISTORY) {
        StoreHistory h;
        if (!store_history_from_record(p, n, &h)) return FS_OK;
        if (acc->nh == acc->hcap) {
            acc->hcap = acc->hcap ? acc->hcap * 2 : 16;
            acc->hist = xrealloc(acc->hist, (size_t)acc->hcap * sizeof *acc->hist);
        }
        acc->hist[acc->nh++] = h;
        return FS_OK;
    }
    if (type == STORE_JREC_CONFIG) { /* a new run: earlier starts are void */
        free(acc->config);
        acc->config = xmalloc(n + 1);
        if (n) memcpy(acc->config, p, n);
        acc->config[n] = 0;
        acc->ns = 0;
        return FS_OK;
    }
    if (type == STORE_JREC_START && n == sizeof(StoreStart)) {
        if (acc->ns == acc->scap) {
            acc->scap = acc->scap ? acc->scap * 2 : 64;
            acc->starts = xrealloc(acc->starts, (size_t)acc->scap * sizeof *acc->starts);
        }
        memcpy(&acc->starts[acc->ns++], p, sizeof(StoreStart));
        return FS_OK;
    }
    if (type != STORE_JREC_RESULT || n < sizeof(StoreKey)) return FS_OK;
    StoreKey k;
    memcpy(&k, p, sizeof k);
    TaskResult r;
    FsStatus st = task_result_unpack(p + sizeof k, n - sizeof k, &r);
    if (st != FS_OK) return st;
    if (acc->n == acc->cap) {
        acc->cap = acc->cap ? acc->cap * 2 : 256;
        acc->rows = xrealloc(acc->rows, (size_t)acc->cap * sizeof *acc->rows);
    }
    store_row_make(&k, &r, &acc->rows[acc->n++]);
    for (int64_t i = 0; i < acc->ns; i++) /* no longer running */
        if (acc->starts[i].task_id == r.task_id) acc->starts[i] = acc->starts[--acc->ns];
    task_result_free(&r);
    return FS_OK;
}

FsStatus store_journal_read(const char *jpath, StoreRow **rows, int64_t *n, char **config,
                            StoreStart **running, int64_t *n_running, StoreHistory **hist,
                            int64_t *n_hist)
{
    RowAcc acc = {0};
    FsStatus st = store_journal_scan(jpath, journal_row_cb, &acc, NULL);
    *rows = acc.rows;
    *n = acc.n;
    if (config)
        *config = acc.config;
    else
        free(acc.config);
    if (running) {
        *running = acc.starts;
        *n_running = acc.ns;
    } else {
        free(acc.starts);
    }
    if (hist) {
        *hist = acc.hist;
        *n_hist = acc.nh;
    } else {
        free(acc.hist);
    }
    return st;
}

FsStatus store_journal_rows(const char *jpath, StoreRow **rows, int64_t *n)
{
    return store_journal_read(jpath, rows, n, NULL, NULL, NULL, NULL, NULL);
}
