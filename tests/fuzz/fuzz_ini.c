/* fuzz_ini.c: INI sweep configs (sweep_load: iniparser, then src/sweep/sweep.c's conversion and
 * task graph). Input: the file's bytes. */
#include "fuzz.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 16)) return 0;
    char p[300];
    fuzz_path(p, sizeof p, "sweep.ini");
    fuzz_write(p, data, size);
    /* iniparser prints its syntax errors to stderr: make fuzz runs with -close_fd_mask=3 */
    SweepConfig cfg;
    FsStatus st = sweep_load(p, 0, NULL, &cfg);
    fuzz_note(st);
    if (st == FS_OK) {
        for (int i = 0; i < sweep_count(&cfg); i++) (void)sweep_spec_at(&cfg, i);
        sweep_free(&cfg);
    }
    unlink(p);
    return 0;
}
