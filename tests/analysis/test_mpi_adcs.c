/* test_mpi_adcs.c: ADCS sharded over the MPI ranks (as `fsweep adcs` does) equals the serial
 * computation on rank 0 to 1e-12 relative, with identical maps, for -np 2 and -np 3. Also checks
 * that FFTW wisdom made on rank 0 reaches every rank. */
#include "adcs.h"
#include "data.h"
#include "harness_mpi.h"
#include "par.h"
#include "spectral.h"
#include "split.h"
#include "util.h"

#include <stdlib.h>

static void test_sharded_equals_serial(void)
{
    Dataset d;
    EXPECT(dataset_load("syn:b2:test?n_per_class=9", &d) == FS_OK);
    int rank = par_rank(), size = par_size();
    size_t per = 3 * 1024, tot = 4 * per;
    double *loc = xcalloc(tot + 4, sizeof *loc), *red = xcalloc(tot + 4, sizeof *red);
    int64_t cnt[4] = {0};
    int first, count;
    split_range(d.n, 1, rank, size, &first, &count); /* as `fsweep adcs` does */
    EXPECT(first == d.n * rank / size && first + count == d.n * (rank + 1) / size);
    EXPECT(adcs_compute(&d, first, count, loc, cnt) == FS_OK);
    for (int c = 0; c < 4; c++) loc[tot + c] = (double)cnt[c];
    par_reduce_sum_double(loc, red, tot + 4, 0);
    if (rank == 0) {
        double *ser = xcalloc(tot, sizeof *ser);
        int64_t sc[4] = {0}, rcnt[4];
        EXPECT(adcs_compute(&d, 0, d.n, ser, sc) == FS_OK);
        double e = 0;
        for (size_t q = 0; q < tot; q++) e = fmax(e, fabs(ser[q] - red[q]) / fmax(fabs(ser[q]), 1e-300));
        EXPECT_MSG(e < 1e-12, "np %d: relative difference %g", size, e);
        for (int c = 0; c < 4; c++) {
            rcnt[c] = (int64_t)(red[tot + c] + 0.5);
            EXPECT(rcnt[c] == sc[c]);
        }
        double *m1 = xmalloc(4 * 1024 * sizeof *m1), *m2 = xmalloc(4 * 1024 * sizeof *m2);
        adcs_finish(ser, sc, 4, 3, 32, 32, ADCS_PAPER, NULL, m1);
        adcs_finish(red, rcnt, 4, 3, 32, 32, ADCS_PAPER, NULL, m2);
        EXPECT(!memcmp(m1, m2, 4 * 1024 * sizeof *m1));
        free(ser), free(m1), free(m2);
    }
    free(loc), free(red);
    dataset_free(&d);
}

static void test_wisdom_broadcast(void)
{
    static const int shapes[2][3] = {{3, 24, 24}, {1, 20, 20}};
    FsStatus planned = par_rank() == 0 ? spectral_wisdom_plan(shapes, 2, SPECTRAL_MEASURE) : FS_OK;
    EXPECT(planned == FS_OK);
    EXPECT(par_share_wisdom(planned) == FS_OK);
    char *w = spectral_export_wisdom();
    EXPECT(w != NULL && strstr(w, "fftw") != NULL);
    /* every rank holds all of rank 0's wisdom (entries may come in another order) */
    char *w0 = par_rank() == 0 ? xstrdup(w) : NULL;
    par_bcast_str(&w0, 0);
    int lines = 0, missing = 0;
    for (char *save = NULL, *ln = strtok_r(w0, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        if (!strstr(ln, "fftwf_")) continue; /* planner entries only */
        lines++;
        missing += strstr(w, ln) == NULL;
    }
    EXPECT(lines > 0);
    EXPECT_MSG(missing == 0, "rank %d lacks %d of rank 0's %d wisdom entries", par_rank(), missing, lines);
    free(w0);
    free(w);
    /* plans made afterwards on every rank compute the same filter */
    SpectralPlan *sp = spectral_plan_create(3, 24, 24, SPECTRAL_MEASURE);
    EXPECT(sp != NULL);
    if (sp) spectral_plan_destroy(sp);
}

TEST_MPI_MAIN("test_mpi_adcs", {"sharded_equals_serial", test_sharded_equals_serial},
                                     {"wisdom_broadcast", test_wisdom_broadcast})
