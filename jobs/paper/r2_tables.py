#!/usr/bin/env python3
"""r2_tables.py [RAW_DIR] [OUT_DIR]: the tables of results/REPRODUCTION.md "Round 2" (issue 15) from
the stores jobs/paper/run_r2.sh writes (RAW_DIR, default results/paper/raw: r2_a_syn.h5, ...).
Writes small Markdown tables to OUT_DIR (default results/paper/r2), one per experiment present,
and prints them. Every number is a mean over the seeds stored, with the seed count and the
range (min..max) or a Wilson / t interval as named in each table; a model cell that is
missing or below the accuracy bar is said so, not dropped. Run with /usr/bin/python3 (h5py, numpy).

Definitions, the same as `fsweep report`'s Findings (src/report/report_findings.c):
- learned first (PAPER.md 5): the class whose one-vs-rest margin AUC on the test set first
  reaches 0.95 (lo_auc at the stored checkpoints, lo_step); classes reaching it at the same
  checkpoint tie;
- most distinctive ADCS (PAPER.md 6): the largest mean |ADCS_c| / (K - 1) over the spectrum
  without DC; scores closer than 0.02 tie;
- relative confusion change (PAPER.md 3.3): (Pred_bs(Ci,Cj) - Pred_org(Ci,Cj)) / N_c x 100."""
import os
import sys

import h5py
import numpy as np

RAW = sys.argv[1] if len(sys.argv) > 1 else "results/paper/raw"
OUT = sys.argv[2] if len(sys.argv) > 2 else "results/paper/r2"
AUC_T, ADCS_TIE = 0.95, 0.02


def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)


def labels(g, name):
    return [s(v) for v in g[name][()]]


def rng(v, fmt="{:.3f}"):
    """mean [min..max] (n) over the finite values of v."""
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return "n/a"
    if v.size == 1:
        return fmt.format(v[0]) + " (1 seed)"
    return (fmt + " [" + fmt + "..." + fmt + "] ({} seeds)").format(v.mean(), v.min(), v.max(), v.size)


def adcs_distinct(adcs, names):
    k = adcs.shape[0]
    h, w = adcs.shape[-2:]
    m = np.abs(adcs).reshape(k, -1).astype(float)
    m[:, (h // 2) * w + w // 2] = np.nan  # DC
    score = np.nanmean(m, axis=1) / (k - 1)
    order = np.argsort(-score)
    best, second = order[0], order[1]
    tie = score[best] - score[second] < ADCS_TIE
    return ("tie " + names[best] + "/" + names[second]) if tie else names[best], score


def learned_first(auc, steps, names, t=AUC_T):
    """auc (ckpt, class) -> (label, first step per class at which the AUC reaches t)."""
    first = []
    for c in range(auc.shape[1]):
        hit = np.nonzero(auc[:, c] >= t)[0]
        first.append(steps[hit[0]] if hit.size else np.inf)
    first = np.array(first)
    if not np.isfinite(first).any():
        return "none", first
    win = np.nonzero(first == first.min())[0]
    return ("tie " + "/".join(names[i] for i in win)) if win.size > 1 else names[win[0]], first


def table(title, head, rows, note=""):
    out = ["### " + title, ""]
    if note:
        out += [note, ""]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


class ModelGrid:
    """A results group whose float arrays of 4 or more dimensions (arch, aug, band, seed, ...) read
    as NumPy arrays padded with NaN to the grid's label counts: a store whose grid grew on resume
    (another AUGS sitting) holds arrays only as large as the models that wrote to them."""

    def __init__(self, g):
        self.g = g
        self.n = [len(g[k][()]) for k in ("arch", "aug", "band", "seed")]
        self.cache = {}

    def __contains__(self, k):
        return k in self.g

    def __getitem__(self, k):
        if k not in self.cache:
            a = self.g[k][()]
            if a.ndim >= 4 and a.dtype.kind == "f" and list(a.shape[:4]) != self.n:
                pad = [(0, max(0, n - m)) for n, m in zip(self.n, a.shape[:4])] + [(0, 0)] * (a.ndim - 4)
                a = np.pad(a, pad, constant_values=np.nan)
            self.cache[k] = a
        return self.cache[k]


def arr(r, name):
    return r[name][()] if name in r else None


def exp_a(path):
    f = h5py.File(path, "r")
    md = []
    for ds in sorted(f["results"]):
        r = f["results"][ds]
        if "test_acc" not in r:  # a partial sweep: models trained, none evaluated yet
            md.append("### %s\n\nno evaluated model yet (a partial sweep: run it again to continue)\n" % ds)
            continue
        archs, augs, seeds = labels(r, "arch"), labels(r, "aug"), labels(r, "seed")
        tb, cls = labels(r, "test_band"), labels(r, "class")
        K = len(cls)
        dist, score = adcs_distinct(r["adcs"][()], cls) if "adcs" in r else ("n/a", None)
        acc = r["test_acc"][()]  # (arch, aug, band, seed, test_band)
        ca = arr(r, "class_acc")  # (..., test_band, class)
        conf = arr(r, "confusion")  # (..., test_band, class, pred)
        auc, step = arr(r, "lo_auc"), arr(r, "lo_step")  # (..., ckpt, test_band, class), (..., ckpt)
        if ca is None or conf is None or auc is None or step is None:
            md.append("### %s\n\nclass_acc, confusion or lo_auc missing (a fake-runner store?)\n" % ds)
            continue
        rows = []
        for a, an in enumerate(archs):
            for g, gn in enumerate(augs):
                if not np.isfinite(acc[a, g, 0, :, 0]).any():
                    rows.append([an, gn, "not run", "", ""])
                    continue
                fl, firsts = [], []
                for si in range(len(seeds)):
                    if not np.isfinite(acc[a, g, 0, si, 0]):
                        continue
                    lab, fs = learned_first(auc[a, g, 0, si, :, 0, :], step[a, g, 0, si], cls)
                    fl.append(lab)
                    firsts.append(fs)
                fm = np.array(firsts) if firsts else np.zeros((0, K))
                steps = "; ".join(c + " " + rng(fm[:, i], "{:.0f}") for i, c in enumerate(cls)) if firsts else "n/a"
                rows.append([an, gn, rng(acc[a, g, 0, :, 0]), ", ".join(fl) or "n/a", steps])
        note = "ADCS most distinctive: **{}** (scores {}).".format(
            dist, ", ".join("{} {:.3f}".format(c, v) for c, v in zip(cls, score)) if score is not None else "n/a")
        md.append(table(ds + ": accuracy and learning order", ["arch", "aug", "test acc (mean [min...max])",
                                                                  "learned first, per seed",
                                                                  "first step with AUC >= 0.95, per class"],
                        rows, note))
        # band-stop: per-class accuracy per removed pair, and where the images went
        rows = []
        for a, an in enumerate(archs):
            if not np.isfinite(ca[a, 0, 0]).any():
                continue  # not evaluated (the accuracy table says "not run")
            for t, tn in enumerate(tb):
                if tn == "all":
                    continue
                cells = [an, tn]
                for c in range(K):
                    cells.append(rng(ca[a, 0, 0, :, t, c], "{:.2f}"))
                # mean relative confusion change over seeds: the largest off-diagonal inflow per class
                n_c = conf[a, 0, 0, :, 0].sum(axis=-1)  # (seed, class)
                d = (conf[a, 0, 0, :, t] - conf[a, 0, 0, :, 0]) / np.maximum(n_c[..., None], 1) * 100
                dm = np.nanmean(d, axis=0)
                moves = []
                for c in range(K):
                    off = [(dm[c, j], j) for j in range(K) if j != c]
                    v, j = max(off)
                    if v >= 10:
                        moves.append("{}→{} {:+.0f}".format(cls[c], cls[j], v))
                cells.append(", ".join(moves) or "none ≥ 10")
                rows.append(cells)
        if not any(tn != "all" for tn in tb):
            continue  # no band-stop test sets in this store (r2_a_lo_dense: learning order only)
        md.append(table(ds + ": band-stop tests", ["arch", "removed"] + ["acc " + c for c in cls] +
                        ["confusion moves ≥ 10 points (mean Δ over seeds)"], rows,
                        "Per-class accuracy with the two bands removed, mean [min...max] over seeds; "
                        "intact test set: see the table above."))
    md.append(a_summary(path))
    return "\n".join(md)


def a_summary(path):
    """PAPER.md 3's expectations, per Syn_Bb and arch: is the most distinctive ADCS class learned
    first (seeds that agree), and with B_b removed together with each other band, do C0 and C3
    collapse (<= 0.23) while C2 stays accurate (>= 0.90)? Mean per-class accuracy over seeds."""
    f = h5py.File(path, "r")
    ck = "checkpoints every {} steps to step {}, then every {}".format(
        *(config_value(f, k) for k in ("lo_dense_every", "lo_dense_until", "lo_sparse_every")))
    rows = []
    for ds in sorted(f["results"]):
        r = f["results"][ds]
        if any(k not in r for k in ("test_acc", "adcs", "class_acc", "lo_auc", "lo_step")):
            continue  # not evaluated yet, or no learning curves (exp_a says which)
        b = int(ds[-1])
        archs, cls, tb = labels(r, "arch"), labels(r, "class"), labels(r, "test_band")
        dist, _ = adcs_distinct(r["adcs"][()], cls)
        auc, step, ca = r["lo_auc"][()], r["lo_step"][()], r["class_acc"][()]
        for a, an in enumerate(archs):
            if not np.isfinite(ca[a, 0, 0]).any():
                continue  # not evaluated
            sis = [si for si in range(auc.shape[3]) if np.isfinite(step[a, 0, 0, si]).any()]  # seeds with curves
            lf = [learned_first(auc[a, 0, 0, si, :, 0, :], step[a, 0, 0, si], cls) for si in sis]
            firsts = [x[0] for x in lf]
            agree = sum(1 for x in firsts if x == dist)
            per = lambda d: ", ".join("{:+.0f}".format(v) if np.isfinite(v) else "n/a" for v in d)
            d = [x[1][3] - x[1][2] for x in lf]  # paired by seed: C3's first step - C2's
            d32 = "{} (per seed: {})".format(tci(d), per(d))
            # the same at AUC 0.90: does the order depend on the threshold?
            d90 = [x[1][3] - x[1][2] for x in
                   (learned_first(auc[a, 0, 0, si, :, 0, :], step[a, 0, 0, si], cls, 0.90) for si in sis)]
            cells, ok = [], 0
            pairs = [t for t, tn in enumerate(tb) if tn.startswith("bandstop:") and str(b) in tn.split(":")[1].split("+")]
            for t in pairs:
                m = np.nanmean(ca[a, 0, 0, :, t, :], axis=0)  # (class)
                good = m[0] <= 0.23 and m[3] <= 0.23 and m[2] >= 0.90
                ok += good
                cells.append("{} C0 {:.2f} C2 {:.2f} C3 {:.2f}{}".format(tb[t].split(":")[1], m[0], m[2], m[3], " ✓" if good else ""))
            rows.append([ds, an, dist, "{}/{} ({})".format(agree, len(firsts), ", ".join(firsts)), d32, per(d90),
                         "; ".join(cells) or "– (no band-stop test sets in this store)",
                         "{}/{}".format(ok, len(pairs)) if pairs else "–"])
    return table("Syn_B: the paper's expectations, per set and model",
                 ["set", "arch", "ADCS most distinctive", "learned first = it (seeds)",
                  "C3 − C2 first step, mean [t 95 %]", "C3 − C2 at AUC 0.90, per seed",
                  "B_b removed with another band: mean accuracy", "pairs as expected"], rows,
                 "Expected (PAPER.md 3): the most distinctive ADCS class (C3) is learned first; removing B_b "
                 "with any other band collapses C0 and C3 (here: mean accuracy <= 0.23) and spares C2 "
                 "(here: >= 0.90). ✓ marks a pair that meets all three. C3 − C2: the steps at which "
                 "each first reaches margin AUC 0.95 (" + ck + "), paired by seed; "
                 "an interval that contains 0 does not order them. The same difference at AUC 0.90 shows "
                 "whether the order depends on the threshold.")


def tci(d):
    """mean and 95 % t interval of paired differences d (seeds); 'n/a' below 2 values."""
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    if d.size < 2:
        return "n/a (%d seed%s)" % (d.size, "" if d.size == 1 else "s")
    tq = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262}
    h = tq.get(d.size, 2.0) * d.std(ddof=1) / np.sqrt(d.size)
    return "{:+.3f} [{:+.3f}, {:+.3f}] ({} seeds)".format(d.mean(), d.mean() - h, d.mean() + h, d.size)


def exp_bc(path):
    """Shortcut verdicts per class (paper's and specific), seed counts, TPR ranges; OOD accuracy."""
    f = h5py.File(path, "r")
    md = []
    for ds in sorted(f["results"]):
        r = ModelGrid(f["results"][ds])
        archs, augs, seeds = labels(r, "arch"), labels(r, "aug"), labels(r, "seed")
        cls = labels(r, "class")
        T = list(r["T"][()]) if "T" in r else [0.05]
        ti = T.index(0.05) if 0.05 in T else 0
        acc = r["test_acc"][()][..., 0]  # (arch, aug, band, seed)
        rows = []
        for a, an in enumerate(archs):
            for g, gn in enumerate(augs):
                n_ok = int(np.isfinite(acc[a, g, 0]).sum())
                if n_ok == 0:
                    rows.append([an, gn, "not run"] + [""] * len(cls))
                    continue
                cells = [an, gn, rng(acc[a, g, 0])]
                for c in range(len(cls)):
                    tpr = r["tpr"][a, g, 0, :, ti, c]
                    strong = r["strong"][a, g, 0, :, ti, c]
                    spec = r["specific"][a, g, 0, :, ti, c]
                    fin = np.isfinite(tpr)
                    if not fin.any():
                        cells.append("–")
                        continue
                    cells.append("{:.2f} {}".format(np.nanmean(tpr), verdicts(strong, spec, fin)))
                rows.append(cells)
        md.append(table(ds + ": shortcut verdicts at T = {:g}".format(T[ti]), ["arch", "aug", "test acc"] + cls, rows,
                        "Per class: mean TPR^DFM over seeds, then P k/n = the paper's verdict (TPR^DFM >= 0.6, strong) "
                        "in k of n seeds, S k/n = fsweep's specific verdict (TPR above the random controls' p95 "
                        "and FPR <= 0.2) in k of n seeds. Measured on the half of each class's test images "
                        "the DFM was not ranked on (dfm_holdout)."))
        md.append(bc_controls(r, archs, augs, cls, ti))
        md.append(bc_aug_effect(r, archs, augs, cls, ti))
        if "ood_acc" in r:
            oods = labels(r, "ood")
            oa = r["ood_acc"][()]  # (arch, aug, band, seed, ood)
            rows = []
            for a, an in enumerate(archs):
                for g, gn in enumerate(augs):
                    if not np.isfinite(oa[a, g, 0]).any():
                        continue
                    rows.append([an, gn, rng(acc[a, g, 0], "{:.2f}")] +
                                [rng(oa[a, g, 0, :, o], "{:.2f}").split(" [")[0] for o in range(len(oods))])
            md.append(table(ds + ": accuracy on corrupted test sets (mean over seeds)", ["arch", "aug", "clean"] + oods, rows))
        if "ood_specific" in r:
            md.append(ood_transfer(r, archs, augs, oods, ti))
        if "xfer_specific" in r:
            md.append(xfer_transfer(r, archs, augs, cls, ti))
    return "\n".join(md)


T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}


def welch(a, b):
    """mean(a) - mean(b) with its 95 % Welch t interval (unpaired: different architectures share
    a seed number, not an initialisation); degrees of freedom by Welch-Satterthwaite, rounded down."""
    a, b = (np.asarray(v, dtype=float) for v in (a, b))
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < 2 or b.size < 2:
        return "n/a ({} and {} seeds)".format(a.size, b.size)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    d = a.mean() - b.mean()
    if va + vb == 0:
        return "{:+.3f} (no spread)".format(d)
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    h = T975.get(max(1, int(df)), 2.0) * np.sqrt(va + vb)
    return "{:+.3f} [{:+.3f}, {:+.3f}]".format(d, d - h, d + h)


def n_params(f, ds, arch):
    w = "models/{}/{}/weights".format(ds, arch)
    return int(f[w].shape[-1]) if w in f else 0


def config_value(f, key):
    """A key's value from the store's effective config (attribute 'config', `key = value` lines)."""
    c = f.attrs.get("config", b"")
    for line in (c.decode() if isinstance(c, bytes) else str(c)).splitlines():
        k, _, v = line.partition("=")
        if k.strip() == key:
            return v.strip()
    return "?"


def cell_stats(f, ds, arch, aug):
    """Per-seed statistics of one (arch, aug) model cell of store f at T = 0.05, each a dict
    {seed label: value} over the seeds with complete results (None where there are none): test
    accuracy, counts of the paper's and the specific verdicts over the classes, mean TPR^DFM and
    its mean margin over the random controls' p95; the classes specific in a majority of seeds,
    the config's epochs and the model's parameter count."""
    if ds not in f["results"]:
        return None
    r = ModelGrid(f["results"][ds])
    archs, augs, seeds, cls = labels(r, "arch"), labels(r, "aug"), labels(r, "seed"), labels(r, "class")
    if arch not in archs or aug not in augs:
        return None
    a, g = archs.index(arch), augs.index(aug)
    T = list(r["T"][()]) if "T" in r else [0.05]
    ti = T.index(0.05) if 0.05 in T else 0
    tpr = r["tpr"][a, g, 0, :, ti]  # (seed, class)
    ok = np.isfinite(tpr).all(axis=1)
    if not ok.any():
        return None
    per = lambda v: {sd: float(x) for sd, x, o in zip(seeds, v, ok) if o}
    return dict(acc=per(r["test_acc"][a, g, 0, :, 0]), paper=per(np.nansum(r["strong"][a, g, 0, :, ti], axis=1)),
                spec=per(np.nansum(r["specific"][a, g, 0, :, ti], axis=1)), tpr=per(np.nanmean(tpr, axis=1)),
                marg=per(np.nanmean(tpr - r["ctl_tpr_p95"][a, g, 0, :, ti], axis=1)),
                maj=", ".join(cls[c] for c in np.nonzero(maj(r["specific"][a, g, 0, :, ti]))[0]) or "none",
                epochs=config_value(f, "epochs"), params=n_params(f, ds, arch))


def capacity_compare(path, base_path):
    """(b) capacity: each model of path (ResNet-50/8, ViT-tiny/4) against base_path's models with
    the same dataset and aug (ResNet-18/8, VGG-16/8 of r2_bc_fashion): accuracy, per-seed counts
    of the paper's and the specific verdicts over the classes, mean TPR^DFM and its margin over
    the random controls' p95, each difference to ResNet-18/8 with a Welch interval over seeds."""
    if not os.path.exists(base_path):
        return ""
    f, fb = h5py.File(path, "r"), h5py.File(base_path, "r")
    rows = []
    for ds in sorted(f["results"]):
        if ds not in fb["results"]:
            continue
        per = []  # (arch, stats) for every `none` model cell with results, base store first
        for ff in (fb, f):
            for an in labels(ModelGrid(ff["results"][ds]), "arch"):
                c = cell_stats(ff, ds, an, "none")
                if c is not None:
                    st = {k: np.array(list(v.values())) if isinstance(v, dict) else v for k, v in c.items()}
                    st["n"] = len(c["acc"])
                    per.append((an, st))
        ref = next((st for an, st in per if an.startswith("resnet18")), None)
        for an, st in per:
            d = (lambda key: "" if ref is None or st is ref else welch(st[key], ref[key]))
            rows.append([ds, an, "{:,}".format(st["params"]) if st["params"] else "?", st["n"],
                         rng(st["acc"]), "{:.1f} {}".format(st["paper"].mean(), d("paper")),
                         "{:.1f} {}".format(st["spec"].mean(), d("spec")),
                         "{:.2f} {}".format(st["tpr"].mean(), d("tpr")),
                         "{:+.2f} {}".format(st["marg"].mean(), d("marg")), st["maj"]])
    return table("capacity: each model against ResNet-18/8 (aug none, T = 0.05)",
                 ["dataset", "arch", "parameters", "seeds", "test acc", "paper's shortcuts per seed",
                  "specific shortcuts per seed", "mean TPR DFM", "TPR DFM - ctl p95",
                  "specific in a majority of seeds"], rows,
                 "Counts are per seed over the classes (then the mean over seeds); mean TPR DFM and its margin "
                 "over the random controls' p95 are means over classes per seed. After each mean: the "
                 "difference to ResNet-18/8 (r2_bc_fashion, same analyses) with its 95 % Welch t interval "
                 "over seeds (unpaired). ResNet-18/8 and VGG-16/8 rows come from r2_bc_fashion.h5.")


def exp_capacity(path):
    return exp_bc(path) + "\n" + capacity_compare(path, os.path.join(RAW, "r2_bc_fashion.h5"))


def retrain_compare(path, base_path):
    """A cell retrained in its own store (r2_bc_vgg_aa: VGG-16/8 AutoAugment at 8 epochs) beside
    the same cell and the same arch's `none` cell of base_path (r2_bc_fashion, 4 epochs): test
    accuracy, per-seed counts of the paper's and the specific verdicts, mean TPR^DFM; each
    difference paired by seed (same seed label) with its 95 % t interval."""
    if not os.path.exists(base_path):
        return ""
    f, fb = h5py.File(path, "r"), h5py.File(base_path, "r")
    rows = []
    for ds in sorted(f["results"]):
        r = ModelGrid(f["results"][ds])
        for an in labels(r, "arch"):
            for gn in labels(r, "aug"):
                new = cell_stats(f, ds, an, gn)
                if new is None:
                    continue
                for src, g2, st in (("this store", gn, new), ("r2_bc_fashion", gn, cell_stats(fb, ds, an, gn)),
                                    ("r2_bc_fashion", "none", cell_stats(fb, ds, an, "none"))):
                    if st is None:
                        continue
                    sd = sorted(set(new["acc"]) & set(st["acc"]))  # seeds in both: the pairs

                    def col(k, fmt):  # the mean over seeds; for the other cells, this store - it
                        v = fmt.format(np.mean(list(st[k].values())))
                        return v if st is new else "{}, this store - it {}".format(
                            v, tci([new[k][x] - st[k][x] for x in sd]))
                    rows.append([ds, an, g2, st["epochs"], src, len(st["acc"]), rng(list(st["acc"].values())),
                                 col("paper", "{:.1f}"), col("spec", "{:.1f}"), col("tpr", "{:.2f}"), st["maj"]])
    return table("the retrained cell against the same cell and `none` of r2_bc_fashion (T = 0.05)",
                 ["dataset", "arch", "aug", "epochs", "store", "seeds", "test acc", "paper's shortcuts per seed",
                  "specific shortcuts per seed", "mean TPR DFM", "specific in a majority of seeds"], rows,
                 "Counts are per seed over the classes, then the mean over seeds; mean TPR DFM is the mean over "
                 "classes per seed. Differences pair the seeds (same seed label) and give the mean with its 95 % "
                 "t interval. The `none` row was trained for r2_bc_fashion's epochs, so a difference to it mixes "
                 "the augmentation with the longer training.")


def exp_retrain(path):
    return exp_bc(path) + "\n" + retrain_compare(path, os.path.join(RAW, "r2_bc_fashion.h5"))


def maj(v):
    """1 where a verdict holds in a strict majority of the seeds with a value (as fsweep report)."""
    v = np.asarray(v, dtype=float)
    n = np.isfinite(v).sum(axis=0)
    return (np.nansum(v, axis=0) * 2 > n) & (n > 0)


def bc_controls(r, archs, augs, cls, ti):
    """Per (arch, aug, class): the DFM's TPR/FPR beside its controls (random p95, disc, complement)
    and the injection beside its controls; the TPR - p95 margin paired by seed."""
    rows = []
    m = lambda name, a, g, c: r[name][a, g, 0, :, ti, c]  # (seed,)
    f2 = lambda v: rng(v, "{:.2f}").split(" [")[0].replace(" (1 seed)", "")
    for a, an in enumerate(archs):
        for g, gn in enumerate(augs):
            if not np.isfinite(r["tpr"][a, g, 0, :, ti]).any():
                continue
            for c, cn in enumerate(cls):
                tpr = m("tpr", a, g, c)
                fin = np.isfinite(tpr)
                if not fin.any():
                    continue
                rows.append([an, gn, cn, f2(r["tpr_org"][a, g, 0, :, c]), f2(tpr), f2(m("fpr", a, g, c)),
                             f2(m("ctl_tpr_p95", a, g, c)), tci(tpr - m("ctl_tpr_p95", a, g, c)),
                             f2(m("tpr_disc", a, g, c)), f2(m("tpr_cmp", a, g, c)), f2(m("inj", a, g, c)),
                             f2(m("ctl_inj_p95", a, g, c)),
                             verdicts(m("strong", a, g, c), m("specific", a, g, c), fin)])
    return table("shortcuts against their controls (T = {:g})".format(float(r["T"][ti]) if "T" in r else 0.05),
                 ["arch", "aug", "class", "TPR org", "TPR DFM", "FPR DFM", "ctl TPR p95", "TPR DFM - ctl p95",
                  "TPR disc", "TPR compl.", "inject", "ctl inject p95", "verdicts"], rows,
                 "Means over seeds. TPR org: unfiltered measuring half; TPR/FPR DFM: every measuring image "
                 "filtered with the class's DFM (top T of the bins, ranked on the other half); ctl TPR p95: "
                 "the 95th percentile of 50 radius-matched random masks of the same size (per seed); "
                 "TPR DFM - ctl p95: mean and 95 % t interval over seeds of the paired difference; disc: the "
                 "low-pass disc of the same size; compl.: the DFM's complement (DC kept); inject: fraction of "
                 "other classes' images predicted as the class after its DFM content is pasted in, beside "
                 "the same for the random controls' p95. P/S k/n as in the verdict table.")


def bc_aug_effect(r, archs, augs, cls, ti):
    """(c): which specific shortcuts an augmentation keeps, removes and creates, against 'none'."""
    if "none" not in augs:
        return ""
    b = augs.index("none")
    rows = []
    for a, an in enumerate(archs):
        base = r["specific"][a, b, 0, :, ti]  # (seed, class)
        if not np.isfinite(base).any():
            continue
        mb = maj(base)
        for g, gn in enumerate(augs):
            v = r["specific"][a, g, 0, :, ti]
            if g == b or not np.isfinite(v).any():
                continue
            mg = maj(v)
            nm = lambda sel: ", ".join(cls[c] for c in np.nonzero(sel)[0]) or "none"
            cnt = np.nansum(v, axis=1) - np.nansum(base, axis=1)  # per seed: shortcuts(aug) - shortcuts(none)
            ok = np.isfinite(v).any(axis=1) & np.isfinite(base).any(axis=1)
            rows.append([an, gn, "{} -> {}".format(int(mb.sum()), int(mg.sum())), nm(mb & mg), nm(mb & ~mg),
                         nm(~mb & mg), tci(cnt[ok]), tci(np.nanmean(r["tpr"][a, g, 0, :, ti] - r["tpr"][a, b, 0, :, ti],
                                                                axis=1)[ok])])
    return table("augmentation against none: specific shortcuts kept, removed, created",
                 ["arch", "aug", "classes (none -> aug)", "kept", "removed", "created",
                  "count aug - none per seed", "mean TPR DFM aug - none"], rows,
                 "A class counts as a specific shortcut of a cell when it is specific in a strict majority "
                 "of its seeds. The last two columns pair the seeds (same seed = same initialisation and "
                 "data order) and give the mean difference with its 95 % t interval.")


def verdicts(strong, spec, fin):
    """'P k/n S k/n': the paper's (strong) and the specific verdict counted over the n cells fin."""
    n = int(np.sum(fin))
    return "P{}/{} S{}/{}".format(int(np.nansum(strong)), n, int(np.nansum(spec)), n)


def kept(clean, moved):
    """(k, n): of the n cells specific on clean data and measured after the move (base mask,
    returned too), k stay specific. A model without the move's numbers (transfer_augs leaves its
    aug out, or its task has not run) counts in neither."""
    base = (np.nan_to_num(clean) > 0) & np.isfinite(moved)
    return int((np.nan_to_num(moved)[base] > 0).sum()), int(base.sum()), base


def survive(clean, moved, tpr_moved):
    """'k/n, TPR t': of the n (class, seed) cells with a specific shortcut on clean data, k keep
    it after the move (another test set, another model); t = their mean TPR there."""
    k, n, base = kept(clean, moved)
    if n == 0:
        return "0/0"
    return "{}/{}, TPR {:.2f}".format(k, n, float(np.nanmean(tpr_moved[base])))


def ood_transfer(r, archs, augs, oods, ti):
    """shortcut_ood: do the clean specific shortcuts (first T) stay specific on each OOD set?"""
    rows = []
    for a, an in enumerate(archs):
        for g, gn in enumerate(augs):
            clean = r["specific"][a, g, 0, :, 0]  # (seed, class) at the first T, as ood_* use
            if not np.isfinite(clean).any() or not np.isfinite(r["ood_specific"][a, g]).any():
                continue
            cells = [an, gn]
            for o in range(len(oods)):
                cells.append(survive(clean, r["ood_specific"][a, g, 0, :, o], r["ood_tpr"][a, g, 0, :, o]))
            rows.append(cells)
    # per set, pooled over the models: share of clean specific shortcuts that stay specific, beside
    # the accuracy there; does accuracy follow the shortcut's survival (PAPER.md 1, OOD transfer)?
    surv, accs = [], []
    for o in range(len(oods)):
        k = n = 0
        for a in range(len(archs)):
            for g in range(len(augs)):
                kc, nc, _ = kept(r["specific"][a, g, 0, :, 0], r["ood_specific"][a, g, 0, :, o])
                k, n = k + kc, n + nc
        surv.append(k / n if n else np.nan)
        # the accuracy of the same models (those with the transfer measured: transfer_augs)
        acc_m = [r["ood_acc"][a, g, 0, :, o] for a in range(len(archs)) for g in range(len(augs))
                 if "ood_acc" in r and np.isfinite(r["ood_specific"][a, g]).any()]
        accs.append(float(np.nanmean(np.concatenate(acc_m))) if acc_m else np.nan)
    surv, accs = np.array(surv), np.array(accs)
    ok = np.isfinite(surv) & np.isfinite(accs)
    rho = "n/a"
    if ok.sum() >= 3:
        def rk(v):  # ranks, ties get their mean rank
            o = np.argsort(v, kind="stable")
            r_ = np.empty(len(v))
            r_[o] = np.arange(len(v), dtype=float)
            for u in np.unique(v):
                r_[v == u] = r_[v == u].mean()
            return r_
        rho = "{:+.2f} over {} sets".format(float(np.corrcoef(rk(surv[ok]), rk(accs[ok]))[0, 1]), int(ok.sum()))
    rows.append(["all models", "survival share"] + ["{:.2f}".format(v) if np.isfinite(v) else "n/a" for v in surv])
    rows.append(["all models", "accuracy"] + ["{:.2f}".format(v) if np.isfinite(v) else "n/a" for v in accs])
    return table("shortcut transfer to corrupted data (shortcut_ood, first T)", ["arch", "aug"] + oods, rows,
                 "k/n: of the n (class, seed) cells with a specific shortcut on the clean measuring images, "
                 "k are still specific (TPR above the controls' p95 on the corrupted images, FPR <= 0.2) on "
                 "the corrupted copy of the same images; TPR = their mean TPR^DFM there. Last two rows: "
                 "per set, the share of all models' clean specific shortcuts that stay specific, and the "
                 "mean accuracy of the same models there; Spearman rank correlation between the two across "
                 "the sets: " + rho + ".")


def xfer_transfer(r, archs, augs, cls, ti):
    """shortcut_xfer: are a source arch's specific shortcuts specific on the other arch's model?"""
    rows = []
    for a, an in enumerate(archs):
        for g, gn in enumerate(augs):
            for a2, an2 in enumerate(archs):
                if a2 == a:
                    continue
                src = r["specific"][a2, g, 0, :, 0]  # the source model's own verdicts (seed, class)
                moved = r["xfer_specific"][a, g, 0, :, a2]  # its maps on model a (seed, class)
                if not np.isfinite(moved).any():
                    continue
                cells = [an2 + " -> " + an, gn, survive(src, moved, r["xfer_tpr"][a, g, 0, :, a2])]
                for c in range(len(cls)):
                    t = r["xfer_tpr"][a, g, 0, :, a2, c]
                    sp = r["xfer_specific"][a, g, 0, :, a2, c]
                    fin = np.isfinite(t)
                    cells.append("{:.2f} S{}/{}".format(np.nanmean(t), int(np.nansum(sp)), int(fin.sum()))
                                 if fin.any() else "–")
                rows.append(cells)
    return table("cross-architecture transfer (shortcut_xfer, first T)", ["maps -> model", "aug", "kept"] + cls, rows,
                 "kept k/n: of the n (class, seed) cells where the source model's own DFM is a specific "
                 "shortcut, k are specific on the other model too (the same aug and seed; the other model's "
                 "controls). Per class: mean TPR of the source's DFM on the other model, S k/n = specific "
                 "there in k of n seeds.")


def exp_d(path):
    """HFSS against removal maps of the same size, per class: TPR (mean over seeds), bins, verdicts."""
    f = h5py.File(path, "r")
    md = []
    for ds in sorted(f["results"]):
        r = f["results"][ds]
        if "hfss_tpr" not in r:
            continue
        archs, cls = labels(r, "arch"), labels(r, "class")
        t, nb = r["hfss_tpr"][()], r["hfss_bins"][()]  # (arch, aug, band, seed, map, class)
        st, sp = r["hfss_strong"][()], r["hfss_specific"][()]
        rows = []
        for a, an in enumerate(archs):
            for c, cn in enumerate(cls):
                cells = [an, cn]
                for m in (0, 1):
                    v = t[a, 0, 0, :, m, c]
                    fin = np.isfinite(v)
                    cells += [rng(nb[a, 0, 0, :, m, c], "{:.0f}").split(" [")[0], rng(v, "{:.2f}"),
                              verdicts(st[a, 0, 0, :, m, c], sp[a, 0, 0, :, m, c], fin)]
                cells.append(tci(t[a, 0, 0, :, 0, c] - t[a, 0, 0, :, 1, c]))
                rows.append(cells)
        md.append(table(ds + ": HFSS against removal maps of the same size",
                        ["arch", "class", "HFSS bins", "HFSS TPR", "HFSS verdicts", "removal bins", "removal TPR",
                         "removal verdicts", "TPR HFSS - removal, mean [95 % t interval]"], rows,
                        "Bins: mean map size over seeds (of 1,024); TPR^DFM mean [min...max]; P/S as in (b)."))
        # Per seed over the classes: shortcut counts of each map, their paired difference, and
        # the map's TPR against the same-size random masks' p95 (how far above its control).
        p95 = r["hfss_ctl_tpr_p95"][()]
        rows = []
        for a, an in enumerate(archs):
            fin = np.isfinite(t[a, 0, 0])  # (seed, map, class)
            cnt = {}
            for nm, v in (("P", st), ("S", sp)):
                c = np.where(fin, np.nan_to_num(v[a, 0, 0]), 0).sum(axis=2)  # (seed, map)
                cnt[nm] = c
            n = fin[:, 0, :].sum()
            over = t[a, 0, 0] - p95[a, 0, 0]  # (seed, map, class)
            for m, mn in enumerate(("HFSS", "removal")):
                rows.append([an, mn, "{:.0f}/{}".format(cnt["P"][:, m].sum(), n),
                             "{:.0f}/{}".format(cnt["S"][:, m].sum(), n),
                             "{:.2f}".format(np.nanmean(t[a, 0, 0, :, m])),
                             "{:+.2f}".format(np.nanmean(over[:, m])),
                             "{:.0f}".format(np.nanmean(nb[a, 0, 0, :, m]))])
            sm = fin.any(axis=2).all(axis=1)  # the seeds with both maps measured
            rows.append([an, "HFSS - removal, per seed", tci((cnt["P"][:, 0] - cnt["P"][:, 1])[sm]),
                         tci((cnt["S"][:, 0] - cnt["S"][:, 1])[sm]),
                         tci(np.nanmean(t[a, 0, 0, :, 0] - t[a, 0, 0, :, 1], axis=1)),
                         tci(np.nanmean(over[:, 0] - over[:, 1], axis=1)), ""])
        md.append(table(ds + ": HFSS against removal, over all classes",
                        ["arch", "map", "paper's shortcuts (TPR >= 0.6)", "specific shortcuts", "mean TPR",
                         "TPR - controls' p95", "mean bins"], rows,
                        "Counts over (class, seed) cells; the last row per arch: per-seed differences (counts, "
                        "and means over the classes), mean [95 % paired t interval]."))
    return "\n".join(md)


def exp_dfmx(path):
    """DFM-X against its baseline and against the random-mask control of the same strength."""
    f = h5py.File(path, "r")
    md = []
    for ds in sorted(f["results"]):
        r = f["results"][ds]
        archs, augs = labels(r, "arch"), labels(r, "aug")
        oods = labels(r, "ood") if "ood_acc" in r else []
        acc = r["test_acc"][()][..., 0]
        oa = r["ood_acc"][()] if oods else None
        base = augs.index("none") if "none" in augs else None
        ctl = next((i for i, g in enumerate(augs) if "control=random" in g), None)
        sets = ["clean"] + oods
        rows = []
        for a, an in enumerate(archs):
            for g, gn in enumerate(augs):
                vals = [acc[a, g, 0]] + ([oa[a, g, 0, :, o] for o in range(len(oods))] if oods else [])
                rows.append([an, gn] + [rng(v, "{:.3f}").split(" [")[0] for v in vals])
        md.append(table(ds + ": DFM-X accuracy (mean over seeds)", ["arch", "aug"] + sets, rows))
        rows = []
        for a, an in enumerate(archs):
            for g, gn in enumerate(augs):
                if not gn.startswith("dfmx") or g == ctl:
                    continue
                for ref, rn in ((base, "baseline"), (ctl, "random control")):
                    if ref is None:
                        continue
                    cells = [an, gn, "vs " + rn, tci(acc[a, g, 0] - acc[a, ref, 0])]
                    if oods:
                        d = oa[a, g, 0] - oa[a, ref, 0]  # (seed, ood)
                        cells.append(tci(np.nanmean(d, axis=1)))
                    rows.append(cells)
        md.append(table(ds + ": DFM-X minus reference, paired by seed",
                        ["arch", "aug", "reference", "clean accuracy", "mean over corruptions"], rows,
                        "Mean difference and 95 % t interval over seeds (same seed = same initialisation and "
                        "data order); an interval containing 0 is inconclusive."))
    return "\n".join(md)


def cost_table(path):
    """Measured cost from the store's task table: per kind and arch, the successful tasks, their
    mean wall seconds and the core-hours (one core per task); failed or lost attempts counted
    apart. Wall seconds of a task = its core-seconds (one rank, one engine thread per task)."""
    t = h5py.File(path, "r")["tasks"][()]
    agg, other = {}, 0.0
    for row in t:
        if s(row["status_name"]) != "ok":
            other += float(row["wall"])
            continue
        k = (s(row["kind"]), s(row["arch"]) or "–", s(row["aug"]) or "–")
        n, w = agg.get(k, (0, 0.0))
        agg[k] = (n + 1, w + float(row["wall"]))
    rows, total = [], 0.0
    for (kind, arch, aug), (n, w) in sorted(agg.items()):
        rows.append([kind, arch, aug, str(n), "{:.1f}".format(w / n), "{:.3f}".format(w / 3600)])
        total += w
    rows.append(["all", "", "", str(sum(n for n, _ in agg.values())), "", "{:.2f}".format(total / 3600)])
    return table("measured cost (store task table)", ["kind", "arch", "aug", "tasks", "mean s", "core-hours"], rows,
                 "Successful tasks only; {:.2f} core-hours more went to failed or interrupted attempts. "
                 "Task times were measured on whatever the machine ran beside them (results/paper/r2/cost.tsv "
                 "has the load at the start of each sitting), so they are upper bounds of an idle core's."
                 .format(other / 3600))


def main():
    os.makedirs(OUT, exist_ok=True)
    done, failed = [], []
    for name, fn in (("a_syn", exp_a), ("a_syn_cifar", exp_a), ("a_lo_dense", exp_a), ("bc_fashion", exp_bc), ("bc_vgg_aa", exp_retrain),
                     ("bc_capacity", exp_capacity), ("bc_vit", exp_capacity), ("d_hfss", exp_d),
                     ("dfmx", exp_dfmx)):
        p = os.path.join(RAW, "r2_" + name + ".h5")
        if not os.path.exists(p):
            print("skip", name, "(no", p + ")")
            continue
        try:
            md = fn(p) + "\n" + cost_table(p)
        except BlockingIOError:  # HDF5's file lock: a sweep is writing it
            print("skip", name, "(" + p + " is open for writing: a sweep is running on it)")
            continue
        except KeyError as e:  # a store without an array the tables need: say which, go on
            print("r2_tables.py: {}: {} lacks an array: {}".format(name, p, e), file=sys.stderr)
            failed.append(name)
            continue
        open(os.path.join(OUT, name + ".md"), "w").write(md)
        print(md)
        done.append(name)
    print("wrote", ", ".join(OUT + "/" + d + ".md" for d in done) or "nothing")
    if failed:
        sys.exit("r2_tables.py: no tables for " + ", ".join(failed))


if __name__ == "__main__":
    main()
