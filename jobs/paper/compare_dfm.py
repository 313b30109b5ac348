#!/usr/bin/python3
"""compare_dfm.py: compare DFM files written by `fsweep dfm` (any method).

usage: /usr/bin/python3 compare_dfm.py [--top T] NAME=DFM.h5 [NAME=DFM.h5 ...]

Prints, per class, the fraction of the spectrum each DFM keeps (at threshold T, 0.05 = top 5 %;
HFSS files have a single map whatever T) and the IoU of every pair of methods' maps, then the
mean IoU over classes and the run time stored in each file (attribute 'seconds').
"""
import sys
import h5py
import numpy as np


def load(path, top):
    with h5py.File(path, "r") as f:
        d = f["dfm"][()]
        th = f["thresholds"][()]
        method = f.attrs.get("method", b"?")
        secs = float(f.attrs.get("seconds", np.nan))
    method = method.decode() if isinstance(method, bytes) else str(method)
    i = 0 if d.shape[0] == 1 else int(np.argmin(np.abs(th - top)))
    return d[i].astype(bool), method, secs


def main(argv):
    top = 0.05
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == "--top":
            top = float(argv[i + 1])
            i += 2
            continue
        name, _, path = argv[i].partition("=")
        if not path:
            sys.exit(f"compare_dfm.py: argument '{argv[i]}': expected NAME=DFM.h5")
        files.append((name, path))
        i += 1
    if len(files) < 2:
        sys.exit("compare_dfm.py: give at least two NAME=DFM.h5")
    maps = {n: load(p, top) for n, p in files}
    names = [n for n, _ in files]
    k = next(iter(maps.values()))[0].shape[0]
    hw = maps[names[0]][0][0].size
    print(f"top={top}; kept fraction per class (of {hw} bins) and pairwise IoU")
    pairs = [(a, b) for ai, a in enumerate(names) for b in names[ai + 1:]]
    w = max(9, max(len(a) + len(b) + 1 for a, b in pairs))
    print("class " + " ".join(f"{n:>8}" for n in names) + " " +
          " ".join(f"{a + '/' + b:>{w}}" for a, b in pairs))
    ious = {p: [] for p in pairs}
    for c in range(k):
        row = [maps[n][0][c].mean() for n in names]
        cells = []
        for a, b in pairs:
            x, y = maps[a][0][c], maps[b][0][c]
            u = np.logical_or(x, y).sum()
            v = np.logical_and(x, y).sum() / u if u else np.nan
            ious[(a, b)].append(v)
            cells.append(f"{v:{w}.3f}")
        print(f"{c:5d} " + " ".join(f"{r:8.3f}" for r in row) + " " + " ".join(cells))
    print("mean  " + " " * (9 * len(names)) + " ".join(f"{np.nanmean(ious[p]):{w}.3f}" for p in pairs))
    for n in names:
        print(f"{n}: method {maps[n][1]}, {maps[n][2]:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
