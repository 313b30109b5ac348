/* fgsm.c: FGSM sets (see fgsm.h). */
#include "fgsm.h"

#include "data.h"
#include "maskeval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int fgsm_is_name(const char *name) { return !strncmp(name, "fgsm", 4) && (name[4] == 0 || name[4] == ':'); }

FsStatus fgsm_parse(const char *name, double *eps)
{
    const char *v = name[4] == ':' ? name + 5 : "";
    char *end = NULL;
    double e = strtod(v, &end);
    if (!fgsm_is_name(name) || !*v || *end || !isfinite(e) || e <= 0)
        return fs_errorf(FS_ERR_CONFIG, "FGSM set '%s': epsilon '%s' is not a finite number > 0 "
                         "(expected fgsm:EPS, EPS in normalised units, e.g. fgsm:0.1)", name, v);
    *eps = e;
    return FS_OK;
}

FsStatus fgsm_perturb(const Classifier *clf, float *z, const int32_t *y, int n, double eps)
{
    if (!clf->input_grad)
        return fs_errorf(FS_ERR_CONFIG, "FGSM: the classifier has no input gradient");
    const size_t img = (size_t)clf->c * clf->h * clf->w;
    const int B = clf->max_batch;
    float *g = xmalloc(fs_mul_size((size_t)(n < B ? n : B), img * sizeof(float), "FGSM gradient"));
    FsStatus st = FS_OK;
    for (int b0 = 0; b0 < n && st == FS_OK; b0 += B) {
        int nb = n - b0 < B ? n - b0 : B;
        double loss = 0;
        float *zb = z + (size_t)b0 * img;
        st = clf->input_grad(clf->ctx, zb, y + b0, nb, g, &loss);
        for (size_t i = 0; st == FS_OK && i < (size_t)nb * img; i++)
            zb[i] = (float)((double)zb[i] + (g[i] > 0 ? eps : g[i] < 0 ? -eps : 0.0));
    }
    free(g);
    return st;
}

FsStatus fgsm_make(const Classifier *clf, const Dataset *d, double eps, Dataset *out)
{
    memset(out, 0, sizeof *out);
    FsStatus st = maskeval_check(clf, d, "FGSM set");
    if (st != FS_OK) return st;
    if (!(isfinite(eps) && eps > 0))
        return fs_errorf(FS_ERR_CONFIG, "FGSM: epsilon %g is not a finite number > 0", eps);
    int *all = xmalloc((size_t)d->n * sizeof *all);
    for (int i = 0; i < d->n; i++) all[i] = i;
    st = dataset_subset(d, all, d->n, out);
    free(all);
    if (st != FS_OK) return st;
    const size_t hw = (size_t)d->h * d->w, img = (size_t)d->c * hw;
    float *z = xmalloc(fs_mul_size((size_t)d->n, img * sizeof(float), "FGSM set"));
    maskeval_normalise(d, z);
    st = fgsm_perturb(clf, z, d->y, d->n, eps);
    for (size_t i = 0; st == FS_OK && i < (size_t)d->n; i++)
        for (int c = 0; c < d->c; c++)
            for (size_t q = 0; q < hw; q++) {
                size_t o = i * img + (size_t)c * hw + q;
                double v = (double)z[o] * (double)d->std[c] + (double)d->mean[c];
                out->x[o] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
            }
    free(z);
    if (st != FS_OK) {
        dataset_free(out);
        return st;
    }
    FsBuf nm = {0};
    fsbuf_printf(&nm, "fgsm:%g:%s", eps, d->name);
    size_t l = nm.len < sizeof out->name - 1 ? nm.len : sizeof out->name - 1;
    memcpy(out->name, nm.s, l);
    out->name[l] = 0;
    fsbuf_free(&nm);
    return FS_OK;
}
