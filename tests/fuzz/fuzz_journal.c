/* fuzz_journal.c: the store's journal (store_journal_read: store_journal_scan's record framing,
 * then task_result_unpack and store_row_make on every result record), as `fsweep status` and the
 * store's repair read it.
 * Input: 1 flag byte, then the journal's bytes. Flag bit 0: before writing, walk the records and
 * set each one's magic, clamp its length to the bytes left and recompute its checksum, so that
 * the fuzzer reaches the payload parsers instead of stopping at the first bad checksum. */
#include "fuzz.h"
#include "store.h"
#include "store/store_internal.h"

static void fix_records(uint8_t *p, size_t n)
{
    size_t pos = 0;
    while (pos + 24 <= n) {
        uint32_t magic = 0x4653524Au; /* "JRSF", store_journal.c's JMAGIC */
        uint32_t type;
        uint64_t len, h;
        memcpy(&p[pos], &magic, 4);
        memcpy(&type, &p[pos + 4], 4);
        memcpy(&len, &p[pos + 8], 8);
        if (len > n - pos - 24) len = n - pos - 24;
        memcpy(&p[pos + 8], &len, 8);
        const uint8_t *b = p + pos + 24;
        if (type == STORE_JREC_RESULT && len >= sizeof(StoreKey))
            h = fs_hash64(b, sizeof(StoreKey)) ^
                (len > sizeof(StoreKey) ? fs_hash64(b + sizeof(StoreKey), (size_t)len - sizeof(StoreKey)) * 31 : 0);
        else
            h = fs_hash64(b, (size_t)len);
        memcpy(&p[pos + 16], &h, 8);
        pos += 24 + (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20)) return 0;
    uint8_t *copy = xmalloc(size);
    memcpy(copy, data + 1, size - 1);
    if (data[0] & 1) fix_records(copy, size - 1);
    char p[300];
    fuzz_path(p, sizeof p, "store.h5.journal");
    fuzz_write(p, copy, size - 1);
    free(copy);
    StoreRow *rows = NULL;
    StoreStart *run = NULL;
    StoreHistory *hist = NULL;
    int64_t n = 0, nrun = 0, nhist = 0;
    char *config = NULL;
    (void)fuzz_note(store_journal_read(p, &rows, &n, &config, &run, &nrun, &hist, &nhist));
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "  -> %lld rows, %lld running, %lld runs\n", (long long)n, (long long)nrun, (long long)nhist);
    free(rows);
    free(hist);
    free(config);
    free(run);
    unlink(p);
    return 0;
}
