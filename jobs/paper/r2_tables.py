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


def learned_first(auc, steps, names):
    """auc (ckpt, class) -> (label, first step per class)."""
    first = []
    for c in range(auc.shape[1]):
        hit = np.nonzero(auc[:, c] >= AUC_T)[0]
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


def exp_a(path):
    f = h5py.File(path, "r")
    md = []
    for ds in sorted(f["results"]):
        r = f["results"][ds]
        archs, augs, seeds = labels(r, "arch"), labels(r, "aug"), labels(r, "seed")
        tb, cls = labels(r, "test_band"), labels(r, "class")
        K = len(cls)
        dist, score = adcs_distinct(r["adcs"][()], cls) if "adcs" in r else ("n/a", None)
        acc = r["test_acc"][()]  # (arch, aug, band, seed, test_band)
        ca = r["class_acc"][()]  # (..., test_band, class)
        conf = r["confusion"][()]  # (..., test_band, class, pred)
        auc, step = r["lo_auc"][()], r["lo_step"][()]  # (..., ckpt, test_band, class), (..., ckpt)
        rows = []
        for a, an in enumerate(archs):
            for g, gn in enumerate(augs):
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
        md.append(table(ds + ": band-stop tests", ["arch", "removed"] + ["acc " + c for c in cls] +
                        ["confusion moves ≥ 10 points (mean Δ over seeds)"], rows,
                        "Per-class accuracy with the two bands removed, mean [min...max] over seeds; "
                        "intact test set: see the table above."))
    return "\n".join(md)


def main():
    os.makedirs(OUT, exist_ok=True)
    done = []
    for name, fn in (("a_syn", exp_a),):
        p = os.path.join(RAW, "r2_" + name + ".h5")
        if not os.path.exists(p):
            print("skip", name, "(no", p + ")")
            continue
        md = fn(p)
        open(os.path.join(OUT, name + ".md"), "w").write(md)
        print(md)
        done.append(name)
    print("wrote", ", ".join(OUT + "/" + d + ".md" for d in done) or "nothing")


if __name__ == "__main__":
    main()
