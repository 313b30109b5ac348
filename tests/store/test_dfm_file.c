/* test_dfm_file.c: DFM files round-trip through HDF5 and bad files give one-line errors. */
#include "dfm_file.h"
#include "h5file.h"
#include "harness.h"

#include <unistd.h>

static void test_roundtrip(void)
{
    char path[64];
    fs_snprintf(path, sizeof path, "/tmp/fsweep_test_dfm_io_%d.h5", (int)getpid());
    double thr[2] = {0.01, 0.05}, lm[2 * 4 * 4], sc[12 * 2], cl[2] = {0.1, 0.2};
    uint8_t dfm[2 * 2 * 16];
    for (int i = 0; i < 32; i++) lm[i] = i == 3 ? -(double)INFINITY : 0.5 * i;
    for (int i = 0; i < 64; i++) dfm[i] = (uint8_t)(i % 3 == 0);
    for (int i = 0; i < 24; i++) sc[i] = i;
    DfmFileOut o = {0};
    o.method = "removal";
    o.model = "m.h5";
    o.data = "synthetic";
    o.geometry = "reference";
    o.path = "fast";
    o.patch = 1;
    o.k = 2;
    o.h = o.w = 4;
    o.n_t = 2;
    o.n_masks = 12;
    o.ranks = 1;
    o.thresholds = thr;
    o.dfm = dfm;
    o.loss_map = lm;
    o.scores = sc;
    o.clean_loss = cl;
    H5File *f = dfm_file_create(path, &o);
    EXPECT(f != NULL);
    EXPECT(h5f_close(f) == FS_OK);
    DfmMaps m;
    EXPECT(dfm_maps_read(path, &m) == FS_OK);
    EXPECT_EQ_INT(m.n_t, 2);
    EXPECT_EQ_INT(m.k, 2);
    EXPECT_EQ_INT(m.h, 4);
    EXPECT(memcmp(m.dfm, dfm, sizeof dfm) == 0);
    EXPECT(m.loss_map && isinf(m.loss_map[3]) && m.loss_map[5] == 2.5);
    EXPECT(!strcmp(m.method, "removal"));
    EXPECT_EQ_INT(dfm_maps_find(&m, 0.05), 1);
    EXPECT_EQ_INT(dfm_maps_find(&m, 0.1), -1);
    dfm_maps_free(&m);
    /* not a DFM file */
    f = h5f_create(path);
    h5f_attr_set_str(f, "/", "format", "fsweep-model");
    h5f_close(f);
    EXPECT(dfm_maps_read(path, &m) == FS_ERR_FORMAT);
    EXPECT(strstr(fs_last_error(), "fsweep-dfm") != NULL);
    unlink(path);
    EXPECT(dfm_maps_read(path, &m) != FS_OK);
}

TEST_MAIN({"roundtrip", test_roundtrip})
