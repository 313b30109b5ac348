#!/usr/bin/python3
"""sweep_compare.py [--arrays-only] A.h5 B.h5: exit 0 when two sweep stores hold the same results.

Compared: the set of finished task keys in /tasks, the axis values, and every dataset under
/results and /models, bitwise (NaN equals NaN), after aligning grid coordinates by value (two
stores may list axis values in different orders). Times, ranks and hosts are ignored.
--arrays-only skips the task keys (stores of per-class and per-model DFM/SHORTCUT tasks)."""
import sys

import h5py
import numpy as np


def done_keys(f):
    t = f["tasks"][:]
    return {k.decode() for k, s in zip(t["key"], t["status"]) if s == 0}


def arrays(f):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and "fsweep_dims" in obj.attrs:
            dims = obj.attrs["fsweep_dims"]
            dims = dims.decode() if isinstance(dims, bytes) else dims
            dims = dims.split(",")
            grp = obj.parent
            data = obj[()]
            # sort grid dims by coordinate value so order of axis values does not matter
            for ax, d in enumerate(dims):
                if d in ("arch", "aug", "band", "seed") and d in grp:
                    coord = grp[d][()]
                    order = np.argsort(np.array([c.decode() if isinstance(c, bytes) else str(c)
                                                 for c in coord]))
                    data = np.take(data, order, axis=ax)
            out[name] = data

    f.visititems(visit)
    return out


def main():
    args = sys.argv[1:]
    arrays_only = "--arrays-only" in args
    args = [x for x in args if x != "--arrays-only"]
    a, b = (h5py.File(p, "r") for p in args[:2])
    ok = True
    ka, kb = done_keys(a), done_keys(b)
    if ka != kb and not arrays_only:
        print(f"finished tasks differ: {len(ka)} vs {len(kb)}; only in A: {sorted(ka - kb)[:5]}, "
              f"only in B: {sorted(kb - ka)[:5]}")
        ok = False
    xa, xb = arrays(a), arrays(b)
    if set(xa) != set(xb):
        print(f"datasets differ: {sorted(set(xa) ^ set(xb))[:10]}")
        ok = False
    n = 0
    for k in sorted(set(xa) & set(xb)):
        u, v = xa[k], xb[k]
        if u.shape != v.shape or not np.array_equal(u, v, equal_nan=True):
            print(f"{k}: values differ (shapes {u.shape} {v.shape})")
            ok = False
        n += u.size
    print(f"compared {len(ka)} finished tasks, {len(xa)} datasets, {n} values: "
          f"{'identical' if ok else 'DIFFERENT'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
