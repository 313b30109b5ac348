#!/usr/bin/env bash
# dfm_holdout (issue 15 point 3): the DFM tasks rank masks on the even half of each class's test
# images (dataset_class_half 0) and the SHORTCUT task measures TPR/FPR, the controls and the
# injection on the odd half. Checked on the toy set (3 classes, 27 test images: 9 per class, so
# 5 ranking and 4 measuring images per class): training and evaluation are bitwise those of the
# same sweep without holdout; the DFM scores differ; every TPR is a count over the class's 4
# measuring images and every FPR a count over the other classes' 8 (integral k/4 and k/8), which
# the whole-set values (k/9, k/18) are not; a test split of fewer than 2 images per class stops
# `fsweep plan` with one line.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/h.ini" <<'INI'
[sweep]
runner = real
seed = 4
[axes]
datasets = tiny
archs = cnn:0.25
[analyses]
dfm_parts = 1
shortcut_controls = 4
dfm_T = 0.05, 0.2
[train]
epochs = 2
batch = 64
n_test = 27
INI
$B/fsweep run "$tmp/h.ini" --store "$tmp/all.h5" -q >"$tmp/all.log" 2>&1; check $? "run without holdout"
$B/fsweep run "$tmp/h.ini" --store "$tmp/ho.h5" -q dfm_holdout=true >"$tmp/ho.log" 2>&1; check $? "run with dfm_holdout = true"
$PY - "$tmp/all.h5" "$tmp/ho.h5" <<'PYEOF'
import sys
import h5py
import numpy as np
a = h5py.File(sys.argv[1], "r")["results/tiny"]
h = h5py.File(sys.argv[2], "r")["results/tiny"]
for k in ("train_loss", "test_acc", "confusion", "lo_auc", "lo_acc"):  # TRAIN and EVAL: untouched
    assert np.array_equal(a[k][()], h[k][()], equal_nan=True), k
assert not np.array_equal(a["dfm_score"][()], h["dfm_score"][()]), "DFM ranked on other images"
n_c = h["confusion"][()].reshape(-1, 3, 3)[0].sum(axis=1)  # test_band 'all': 9 per class
assert list(n_c) == [9, 9, 9], n_c
def counts(x, n):  # x = k / n for integral k?
    k = np.asarray(x, dtype=float) * n
    k = k[np.isfinite(k)]
    return k.size > 0 and bool(np.all(np.abs(k - np.round(k)) < 1e-9))
t, f = h["tpr"][()], h["fpr"][()]          # (..., T, class)
to, fo = h["tpr_org"][()], h["fpr_org"][()]  # (..., class)
assert counts(t, 4) and counts(to, 4), (t, to)
assert counts(f, 8) and counts(fo, 8), (f, fo)
for k in ("tpr_cmp", "tpr_disc"):
    assert counts(h[k][()], 4), k
assert counts(h["inj"][()], 8)  # class c's DFM injected into the other classes' images
ta = a["tpr"][()]
assert counts(ta, 9) and not counts(ta, 4), ta  # the check can fail: the whole set counts in 9ths
print("holdout ok")
PYEOF
check $? "TRAIN/EVAL unchanged, DFM scores differ, TPR/FPR counted on the measuring half"
$B/fsweep plan "$tmp/h.ini" dfm_holdout=true n_test=5 >"$tmp/small.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "(train.n_test) = '5': expected at least 2 test images per class with dfm_holdout = true (6 for the 3 classes of tiny)" "$tmp/small.log"
check $? "n_test = 5 for 3 classes: fsweep plan stops with one line (rc $rc)"
finish
