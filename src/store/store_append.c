/* store_append.c: recording one attempt or one run: the result checked against the stored
 * dims and coordinates, the journal record (flushed), then the HDF5 file (result arrays
 * before the row, so a row means its arrays), then H5Fflush. */
#include "store_internal.h"

FsStatus store_apply(Store *s, const SweepConfig *cfg, const StoreKey *k, const TaskResult *r,
                     int write_row)
{
    FsStatus st = FS_OK;
    if (r->status == FS_OK)
        for (int i = 0; i < r->n_blobs && st == FS_OK; i++)
            st = store_results_write(s, cfg, k, &r->blobs[i]);
    if (st == FS_OK && write_row) st = store_tasks_append(s, k, r);
    return st;
}

static FsStatus flush(Store *s)
{
    return h5f_flush(s->f); /* its error names the file and errno (a full disk) */
}

FsStatus store_append(Store *s, const SweepConfig *cfg, const TaskSpec *spec, const TaskResult *r)
{
    StoreKey k;
    store_key_from_spec(cfg, spec, &k);
    FsStatus st = FS_OK;
    /* a result that does not fit (another dim size or coordinate) is refused before its
     * journal record, so the journal never holds a record that cannot be replayed */
    for (int i = 0; s->f && r->status == FS_OK && i < r->n_blobs && st == FS_OK; i++)
        st = store_results_check(s, cfg, &k, &r->blobs[i]);
    if (st != FS_OK) return st;
    FsBuf b = {0};
    task_result_pack(r, &b);
    st = store_journal_write(s, STORE_JREC_RESULT, &k, sizeof k, b.s, b.len);
    fsbuf_free(&b);
    if (st == FS_OK) st = store_apply(s, cfg, &k, r, 1);
    if (st == FS_OK) st = flush(s);
    return st;
}

FsStatus store_add_history(Store *s, const StoreHistory *h)
{
    FsStatus st = store_journal_write(s, STORE_JREC_HISTORY, h, sizeof *h, NULL, 0);
    if (st == FS_OK) st = store_history_append(s, h);
    if (st == FS_OK) st = flush(s);
    return st;
}
