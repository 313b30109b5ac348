/* cmd_report.c: `fsweep report STORE -o DIR`: figures and a self-contained HTML page. */
#include "cli_args.h"
#include "commands.h"
#include "log.h"
#include "report.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static void report_usage(FILE *f)
{
    fprintf(f,
            "usage: fsweep report STORE -o DIR [--no-png]\n"
            "  Read the results store STORE (HDF5) and write DIR/index.html, one self-contained\n"
            "  page (figures embedded, no scripts or external files; opens offline), plus every\n"
            "  figure as DIR/<name>.svg (vector) and DIR/<name>.png. Sections: run cost per task\n"
            "  kind, ADCS maps and class spectra, DFM loss maps and DFMs (class x model),\n"
            "  learning curves per band, band-test accuracy and confusion changes, TPR/FPR with\n"
            "  shortcut verdicts, OOD transfer. Sections whose results the store lacks are listed\n"
            "  as absent.\n"
            "  -o, --out DIR   output directory (created when absent)\n"
            "  --no-png        write no PNG files (figures stay embedded; SVGs are written)\n");
}

int cmd_report(int argc, char **argv)
{
    const char *store = NULL, *out = NULL;
    int png = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            report_usage(stdout);
            return FS_EXIT_OK;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "fsweep report: %s needs a directory\n", a);
                return FS_EXIT_USAGE;
            }
            out = argv[++i];
        } else if (!strncmp(a, "--out=", 6)) {
            out = a + 6;
        } else if (!strcmp(a, "--no-png")) {
            png = 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "fsweep report: unknown option '%s'\n", a);
            report_usage(stderr);
            return FS_EXIT_USAGE;
        } else if (!store) {
            store = a;
        } else {
            fprintf(stderr, "fsweep report: unexpected argument '%s' (one STORE only)\n", a);
            return FS_EXIT_USAGE;
        }
    }
    if (!store || !out || !*out) {
        fprintf(stderr, "fsweep report: %s\n", !store ? "missing STORE" : "missing -o DIR");
        report_usage(stderr);
        return FS_EXIT_USAGE;
    }
    log_init();
    ReportOptions o = {.store_path = store, .out_dir = out, .write_png_files = png};
    ReportSummary s;
    FsStatus st = report_write(&o, &s);
    if (st != FS_OK) {
        fprintf(stderr, "fsweep: error: report: %s\n", fs_last_error());
        return FS_EXIT_ERROR;
    }
    printf("wrote %s/index.html: %d figures, %d tables, %d sections present, %d absent\n", out,
           s.figures, s.tables, s.sections_present, s.sections_absent);
    return FS_EXIT_OK;
}
