#!/usr/bin/env bash
# Cross-architecture transfer in a sweep (issue 15 point 3): with shortcut_xfer each model gets an
# XFER task per other arch, which measures that arch's DFMs (same dataset, aug, band, seed; first
# T) on the model with the model's own controls (xfer_tpr, ..., dimension src_arch). Checks: the
# plan's XFER tasks wait for the model and the source's DFM tasks; the model's own row stays NaN
# and the other rows are rates over the measuring images; the unfiltered rates equal the model's
# SHORTCUT task's bitwise (same model, same images); the source maps are the source's: a sweep
# that lists the archs in the other order gives the same numbers; the fake runner writes the
# same layout; 3 MPI ranks give the serial store bitwise; shortcut_xfer with one arch or a class selection stops `fsweep plan` with one line.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/x.ini" <<'INI'
[sweep]
runner = real
seed = 5
[axes]
datasets = Syn_B1
archs = cnn:0.25, cnn:0.5
[analyses]
learning_order = false
adcs = false
dfm_patch = 2
dfm_parts = 1
dfm_T = 0.05, 0.2
shortcut_controls = 3
shortcut_xfer = true
dfm_holdout = true
[train]
epochs = 1
batch = 32
n_train = 200
n_test = 40
INI
$B/fsweep plan "$tmp/x.ini" >"$tmp/plan.log" 2>&1; check $? "fsweep plan"
grep -q 'xfer/Syn_B1/cnn:0.25/none/all/s0/from/cnn:0.5  (needs train/Syn_B1/cnn:0.25/none/all/s0 and the source.s 4 DFM tasks)' "$tmp/plan.log"
check $? "plan: the XFER task needs the model and the source's 4 DFM tasks"
$B/fsweep run "$tmp/x.ini" --store "$tmp/a.h5" -q >"$tmp/a.log" 2>&1; check $? "real run with shortcut_xfer"
$B/fsweep run "$tmp/x.ini" --store "$tmp/b.h5" -q "archs=cnn:0.5,cnn:0.25" >"$tmp/b.log" 2>&1; check $? "the archs in the other order"
$B/fsweep run "$tmp/x.ini" --store "$tmp/f.h5" -q runner=fake >"$tmp/f.log" 2>&1; check $? "fake run with shortcut_xfer"
$PY - "$tmp/a.h5" "$tmp/b.h5" "$tmp/f.h5" <<'PYEOF'
import sys, h5py, numpy as np
a, b, f = (h5py.File(p, "r")["results/Syn_B1"] for p in sys.argv[1:4])
lab = lambda g, k: [x.decode() if isinstance(x, bytes) else x for x in g[k][()]]
assert lab(a, "src_arch") == ["cnn:0.25", "cnn:0.5"] and lab(a, "arch") == ["cnn:0.25", "cnn:0.5"]
t = a["xfer_tpr"][:, 0, 0, 0]                     # (arch, src_arch, class)
assert t.shape == (2, 2, 4)
for m in range(2):
    assert np.isnan(t[m, m]).all(), "a model's own maps are the tpr arrays, not xfer_"
    o = t[m, 1 - m]
    assert np.isfinite(o).all() and ((o >= 0) & (o <= 1)).all(), o
    assert np.allclose(o * 5, np.round(o * 5)), "TPR over the 5 measured images per class"
ci = a["xfer_tpr_ci"][:, 0, 0, 0]
off = ~np.isnan(t)
assert (ci[..., 0][off] <= t[off] + 1e-12).all() and (t[off] <= ci[..., 1][off] + 1e-12).all()
for k in ("xfer_fpr", "xfer_ctl_tpr_p95", "xfer_specific", "xfer_inj"):
    v = a[k][:, 0, 0, 0]
    assert np.isfinite(v[off]).all() and np.isnan(v[~off]).all(), k
assert np.array_equal(a["xfer_tpr_org"][()], a["tpr_org"][()]), "same model, same measuring images"
# the other arch order: the same models (keys by name), the same numbers with the rows permuted
for k in ("xfer_tpr", "xfer_fpr", "xfer_tpr_cmp", "xfer_ctl_tpr_mean", "xfer_inj"):
    x, y = a[k][()], b[k][()][::-1][:, :, :, :, ::-1]
    assert np.array_equal(x, y, equal_nan=True), k
ka = {k: a[k].shape for k in a if k.startswith("xfer_")}
kf = {k: f[k].shape for k in f if k.startswith("xfer_")}
assert ka == kf and len(ka) == 24, (sorted(set(ka) ^ set(kf)), len(ka))
print("xfer ok:", np.round(t, 2).tolist())
PYEOF
check $? "xfer_* rows, NaN diagonal, rates over the measuring half, unfiltered = SHORTCUT's, arch order, fake layout"
if command -v mpirun >/dev/null; then # inputs at two models' coordinates through the MPI master
  timeout 300 mpirun --oversubscribe -np 3 -x OPENBLAS_NUM_THREADS $B/fsweep run "$tmp/x.ini" \
    --store "$tmp/np3.h5" -q >"$tmp/np3.log" 2>&1; check $? "mpirun -np 3"
  $PY tests/sweep_compare.py "$tmp/a.h5" "$tmp/np3.h5"; check $? "3 ranks == serial, bitwise (xfer_* included)"
else
  echo "SKIP mpirun run: mpirun not found"
fi
$B/fsweep plan "$tmp/x.ini" archs=cnn:0.25 >"$tmp/bad.log" 2>&1; rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/bad.log")" = 1 ] && grep -q "shortcut_xfer) = 'true': expected false, or true together with" "$tmp/bad.log"
check $? "shortcut_xfer with one arch: one line at plan time (rc $rc)"
$B/fsweep plan "$tmp/x.ini" classes=0-1 >"$tmp/bad2.log" 2>&1; rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/bad2.log")" = 1 ] && grep -q "expected false, or classes = all" "$tmp/bad2.log"
check $? "shortcut_xfer with a class selection: one line at plan time (rc $rc)"
finish
