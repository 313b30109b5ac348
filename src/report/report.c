/* report.c: `fsweep report` (report.h): reads a results store (layout in report.h) and writes
 * PNG figures plus a self-contained index.html. This file drives the page: it opens the store
 * (report_store.c), calls the sections in page order (report_sections.h) and puts the summary
 * and table of contents at the top. Every section is optional: what the store lacks is listed
 * as absent; a malformed result is noted in the page and skipped. */
#include "report.h"

#include "report_sections.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>

/* Insert the Findings section (findings), then the summary (figure and table counts, what is
 * absent, what the config did not ask for) and the table of contents into the finished page at
 * byte head_len (after <h1>): the page opens with its findings. */
static void insert_summary(Report *r, size_t head_len, const FsBuf *findings)
{
    FsBuf top = {0};
    if (findings->len)
        fsbuf_printf(&top, "%s", findings->s);
    fsbuf_printf(&top, "<p class=\"note\">%d figures, %d tables. ", r->sum.figures, r->sum.tables);
    int n_missing = 0, n_off = 0;
    for (int i = 0; i < r->n_absent; i++)
        *(r->absent[i].off ? &n_off : &n_missing) += 1;
    if (n_missing) {
        fsbuf_printf(&top, "Absent from this store: ");
        report_absent_list(r, 0, &top);
        fsbuf_printf(&top, ". ");
    } else {
        fsbuf_printf(&top, "Every analysis the run asked for is present. ");
    }
    if (n_off) {
        fsbuf_printf(&top, "Not requested by the run's config: ");
        report_absent_list(r, 1, &top);
        fsbuf_printf(&top, ".");
    }
    fsbuf_printf(&top, "</p>\n");
    if (r->toc.len)
        fsbuf_printf(&top, "<ul class=\"toc\">\n%s%s</ul>\n",
                     findings->len ? "<li><a href=\"#findings\">Findings</a></li>\n" : "",
                     r->toc.s);
    FsBuf all = {0};
    fsbuf_printf(&all, "%.*s%s%s", (int)head_len, r->doc.b.s, top.s, r->doc.b.s + head_len);
    fsbuf_free(&top);
    fsbuf_free(&r->doc.b);
    r->doc.b = all;
}

FsStatus report_write(const ReportOptions *o, ReportSummary *sum)
{
    FS_CHECK(o->store_path && o->out_dir, "report_write: missing options");
    Report r;
    memset(&r, 0, sizeof r);
    r.out_dir = o->out_dir;
    r.write_png = o->write_png_files;
    r.tpr_threshold = 0.6; /* the config's default */
    if (!fs_file_exists(o->store_path))
        return fs_errorf(FS_ERR_IO, "%s: no such store", o->store_path);
    FsStatus st = store_check_file(o->store_path); /* a store, of this version */
    if (st == FS_ERR_IO)
        return fs_errorf(FS_ERR_IO,
                         "%s: cannot open as an HDF5 store (not HDF5, or a running job holds it "
                         "open: report after the job ends; `fsweep status` shows progress)",
                         o->store_path);
    if (st != FS_OK)
        return st;
    st = fs_mkdir_p(o->out_dir);
    if (st != FS_OK)
        return st;
    if (!report_store_open(&r.store, o->store_path, &r.doc))
        return fs_errorf(FS_ERR_IO,
                         "%s: cannot open as an HDF5 store (not HDF5, or a running job holds it "
                         "open: report after the job ends; `fsweep status` shows progress)",
                         o->store_path);
    char **ds = NULL;
    int nds = 0;
    report_store_names(&r.store, NULL, &ds, &nds);
    char title[512];
    fs_snprintf(title, sizeof title, "fsweep report: %s", o->store_path);
    html_begin(&r.doc, title);
    /* The page is built in order; the summary of absent sections is inserted at the top. */
    size_t head_len = r.doc.b.len;
    report_section_overview(&r, o->store_path, ds, nds);
    report_store_close(&r.store); /* the next sections open the store through the store module */
    report_section_history(&r, o->store_path);
    report_section_cost(&r, o->store_path);
    if (!report_store_open(&r.store, o->store_path, &r.doc)) {
        st = fs_errorf(FS_ERR_IO, "%s: cannot reopen", o->store_path);
        goto out;
    }
    for (int i = 0; i < nds; i++) {
        report_section_adcs(&r, ds[i]);
        report_section_maps(&r, ds[i]);
        report_section_curves(&r, ds[i]);
        report_section_band_tests(&r, ds[i]);
        report_section_tprfpr(&r, ds[i]);
        report_section_ood(&r, ds[i]);
    }
    if (nds == 0)
        report_absent(&r, "all analyses (the store has no /results group)", NULL, NULL);
    FsBuf findings = {0};
    report_section_findings(&r, ds, nds, &findings); /* links to what the sections wrote */
    html_end(&r.doc);
    insert_summary(&r, head_len, &findings);
    fsbuf_free(&findings);
    char path[4096];
    fs_snprintf(path, sizeof path, "%s/index.html", o->out_dir);
    st = r.io_error != FS_OK ? r.io_error : html_save(&r.doc, path);
out:
    for (int i = 0; i < nds; i++)
        free(ds[i]);
    free(ds);
    html_free(&r.doc);
    for (int i = 0; i < r.n_absent; i++)
        fsbuf_free(&r.absent[i].datasets);
    free(r.absent);
    free(r.config);
    fsbuf_free(&r.toc);
    fsbuf_free(&r.files);
    report_store_close(&r.store);
    if (sum)
        *sum = r.sum;
    return st;
}
