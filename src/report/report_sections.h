/* report_sections.h: the sections of the `fsweep report` page; no report_sections.c: each
 * family has its own source file, named beside its functions below (private to src/report/).
 *
 * A section reads what it shows through report_store.h and writes headings, tables, notes and
 * figures into r (report_page.h); an analysis the store lacks is listed with report_absent, a
 * malformed result is noted in the page and skipped. The driver (report.c) calls them in page
 * order; they call nothing above them. The dataset sections need r->store open. */
#ifndef FS_REPORT_SECTIONS_H
#define FS_REPORT_SECTIONS_H

#include "report_page.h"

/* report_overview.c: the store itself (store_path is shown; the provenance table lists
 * datasets[0..nds)); its runs and resumes, opened through the store module (r->store closed);
 * and the run cost per task kind from the task table (r->store closed). */
void report_section_overview(Report *r, const char *store_path, char **datasets, int nds);
void report_section_history(Report *r, const char *store_path);
void report_section_cost(Report *r, const char *store_path);

/* report_spectra.c: ADCS maps and class-average amplitude spectra of dataset ds. */
void report_section_adcs(Report *r, const char *ds);
/* report_maps.c: per-model frequency maps: DFM loss maps, DFMs, HFSS maps, Fourier heat maps. */
void report_section_maps(Report *r, const char *ds);
/* report_curves.c: per-class learning curves, the learning order, training loss. */
void report_section_curves(Report *r, const char *ds);
/* One class's step-resolved curve (lo_acc or lo_auc, dims (grid..., ckpt, test_band, class))
 * of the model at grid point g = (arch, aug, band), test band tb, class c, against lo_step
 * (grid..., ckpt): for each checkpoint with a finite step (seed mean), x = that step and the
 * mean, min and max over the seeds with a finite value (NaN where none). x, mean, lo, hi hold
 * the checkpoint count each. Returns the number of points written (0 when the shapes do not
 * agree); *seeds = the most seeds any point has. */
int report_lo_curve(const ReportVar *step, const ReportVar *q, const int64_t g[3], int64_t tb,
                    int64_t c, double *x, double *mean, double *lo, double *hi, int *seeds);
/* report_testsets.c: accuracy on other test sets: band-stop/band-pass tests (accuracy, per-class
 * change, confusion change) and OOD transfer. */
void report_section_band_tests(Report *r, const char *ds);
void report_section_ood(Report *r, const char *ds);
/* report_shortcuts.c: TPR/FPR on DFM-filtered test sets and the shortcut verdicts. */
void report_section_tprfpr(Report *r, const char *ds);

/* report_findings.c: the Findings section that opens the page: per dataset and model the
 * learned-first class beside the most distinctive ADCS, band-stop survival, the shortcut
 * verdicts and HFSS against removal, each linked to its figure and table. Runs after the other
 * sections (it links only to ids already in r's page) with r->store open, and writes the
 * section into out (the driver places it first). */
void report_section_findings(Report *r, char **datasets, int nds, FsBuf *out);

#endif
