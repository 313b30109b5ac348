#!/usr/bin/python3
"""store_tpr.py: per-model test accuracy and TPR/FPR on DFM-filtered images from a sweep store.

usage: /usr/bin/python3 store_tpr.py STORE.h5 [T]        (T: DFM threshold, default 0.05)
Prints, per dataset and (arch, aug): test accuracy, per-class accuracy, TPR^DFM and FPR^DFM at T,
and the number of classes with TPR^DFM >= 0.6 (strong shortcuts, PAPER.md 8).
"""
import sys
import h5py
import numpy as np

T = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
with h5py.File(sys.argv[1], "r") as f:
    for ds in f["results"]:
        g = f["results"][ds]
        if "tpr" not in g:
            continue
        archs = [a.decode() for a in g["arch"][:]]
        augs = [a.decode() for a in g["aug"][:]]
        ts = g["T"][:]
        ti = int(np.argmin(np.abs(ts - T)))
        tpr, fpr = g["tpr"][()], g["fpr"][()]          # (arch, aug, band, seed, T, class)
        acc = g["test_acc"][()] if "test_acc" in g else None
        cacc = g["class_acc"][()] if "class_acc" in g else None
        print(f"{ds}: DFM threshold T = {ts[ti]:g}")
        for ai, a in enumerate(archs):
            for gi, au in enumerate(augs):
                t = tpr[ai, gi, 0, 0, ti]
                if np.all(np.isnan(t)):
                    continue
                fp = fpr[ai, gi, 0, 0, ti]
                head = f"{a:16s} {au:12s}"
                if acc is not None:
                    head += f" acc {acc[ai, gi, 0, 0, 0]:.3f}"
                print(head + f"  strong {int(np.sum(t >= 0.6))}/{len(t)}")
                if cacc is not None:
                    print("   class acc " + " ".join(f"{v:.2f}" for v in cacc[ai, gi, 0, 0, 0]))
                print("   TPR^DFM   " + " ".join(f"{v:.2f}" for v in t))
                print("   FPR^DFM   " + " ".join(f"{v:.2f}" for v in fp))
