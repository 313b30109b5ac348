#!/usr/bin/env python3
"""gelu_fit.py: how src/engine/gelu.c's GELU_R came about (not run by `make test`).

R(t) = sum_k c_k t^k approximates erfc(z) exp(z^2) on z in [0, 9.5], t = 1 / (1 + P z), P = 0.47,
degree 9, for the least largest RELATIVE error (so that Phi(x) = erfc(|x| / sqrt 2) / 2 stays
accurate for negative x): weighted least squares, reweighted by the error (Lawson's iteration,
80 rounds). Prints the coefficients rounded to float, as gelu.c has them, and the largest relative
error in double. Run: /usr/bin/python3 tests/engine/gelu_fit.py (numpy only)."""
import math

import numpy as np

P, DEG = 0.47, 9
zs = np.concatenate([np.linspace(0, 4, 20001), np.linspace(4, 9.5, 5001)])
R = np.array([math.erfc(z) * math.exp(z * z) for z in zs])
V = np.vander(1 / (1 + P * zs), DEG + 1, increasing=True)
w, wt = 1 / R, np.ones_like(zs)
for _ in range(80):
    sw = w * np.sqrt(wt)
    c = np.linalg.lstsq(V * sw[:, None], R * sw, rcond=None)[0]
    err = np.abs(V @ c - R) / R
    wt = wt * err
    wt /= wt.sum()
print("GELU_R =", ", ".join(repr(float(x)) + "f" for x in c.astype(np.float32)))
print("largest relative error (double): %.2g" % err.max())
