#!/usr/bin/python3
"""auc.py: learning order from logits files (`fsweep eval --logits`), PAPER.md 5.3.

usage: /usr/bin/python3 auc.py STEP=LOGITS.h5 [STEP=LOGITS.h5 ...]
Per checkpoint: per-class accuracy and the one-vs-rest AUC of the margin m_c = z_c - max_{j!=c} z_j
(class c's images against all others; ties count 1/2). Then the first step at which each class
reaches AUC 0.95 and 0.99, and the learned-first class (first to reach 0.95; ties: higher AUC).
"""
import sys
import h5py
import numpy as np


def auc(pos, neg):
    s = np.concatenate([pos, neg])
    order = s.argsort(kind="mergesort")
    ranks = np.empty(len(s))
    ss = s[order]
    i = 0
    while i < len(ss):  # average ranks of ties
        j = i
        while j + 1 < len(ss) and ss[j + 1] == ss[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    rp = ranks[:len(pos)].sum()
    return (rp - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


rows = []
for arg in sys.argv[1:]:
    step, _, path = arg.partition("=")
    with h5py.File(path, "r") as f:
        z = f["logits"][()].astype(np.float64)
        y = f["labels"][()]
    k = z.shape[1]
    acc, aucs = [], []
    for c in range(k):
        other = np.delete(z, c, axis=1).max(axis=1)
        m = z[:, c] - other
        acc.append(np.mean(z[y == c].argmax(axis=1) == c))
        aucs.append(auc(m[y == c], m[y != c]))
    rows.append((int(step), acc, aucs))
rows.sort()
k = len(rows[0][1])
print("step  " + " ".join(f"acc_C{c}" for c in range(k)) + "  " + " ".join(f"auc_C{c}" for c in range(k)))
for s, a, u in rows:
    print(f"{s:4d}  " + " ".join(f"{v:6.3f}" for v in a) + "  " + " ".join(f"{v:6.3f}" for v in u))
for th in (0.95, 0.99):
    first = []
    for c in range(k):
        hit = [s for s, _, u in rows if u[c] >= th]
        first.append(hit[0] if hit else None)
    print(f"first step with AUC >= {th}: " + " ".join(f"C{c}:{first[c]}" for c in range(k)))
    if th == 0.95:
        cand = [(first[c], -rows[[s for s, _, _ in rows].index(first[c])][2][c], c)
                for c in range(k) if first[c] is not None]
        print("learned first (AUC 0.95):", f"C{min(cand)[2]}" if cand else "none")
