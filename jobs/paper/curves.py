#!/usr/bin/python3
"""curves.py: per-class test accuracy after every epoch (class_acc_curve) from a sweep store.

usage: /usr/bin/python3 curves.py STORE.h5
For every dataset and model: the curve (rows = epochs, columns = classes), the learned-first
class (highest accuracy after epoch 1, PAPER.md 5.3) and the first epoch at which each class
reaches 0.8 of its final accuracy.
"""
import sys
import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    for ds in f["results"]:
        g = f["results"][ds]
        if "class_acc_curve" not in g:
            continue
        cur = g["class_acc_curve"]
        archs = [a.decode() for a in g["arch"][:]]
        augs = [a.decode() for a in g["aug"][:]]
        arr = cur[()]  # (arch, aug, band, seed, epoch, class)
        for ai, a in enumerate(archs):
            for gi, au in enumerate(augs):
                c = arr[ai, gi, 0, 0]
                if np.all(np.isnan(c)):
                    continue
                print(f"{ds} {a} aug={au}: per-class test accuracy after each epoch")
                print("epoch " + " ".join(f"  C{k}  " for k in range(c.shape[1])))
                for e in range(c.shape[0]):
                    print(f"{e + 1:5d} " + " ".join(f"{v:6.3f}" for v in c[e]))
                first = int(np.nanargmax(c[0]))
                fin = c[-1]
                reach = [int(np.argmax(c[:, k] >= 0.8 * fin[k])) + 1 for k in range(c.shape[1])]
                print(f"learned first (argmax at epoch 1): C{first}; epochs to 0.8*final: "
                      + " ".join(f"C{k}:{r}" for k, r in enumerate(reach)))
                print()
