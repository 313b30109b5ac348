#!/usr/bin/env bash
# HFSS in a sweep (issue 15 point 4): hfss_budgets sets the candidates per stage; with tprfpr the
# HFSS task evaluates its maps like the SHORTCUT task does (hfss_tpr, ..., dimension map = hfss,
# removal) beside the model's removal DFMs cut to the same size per class (hfss_bins), on the
# same images as the SHORTCUT task (its measuring half under dfm_holdout: the unfiltered rates
# equal the SHORTCUT task's bitwise); the HFSS task waits for the model's DFM tasks; budgets of
# the wrong count and datasets without an HFSS stage table stop `fsweep plan` with one line.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/h.ini" <<'INI'
[sweep]
runner = real
seed = 2
[axes]
datasets = Syn_B1
archs = cnn:0.25
[analyses]
learning_order = false
adcs = false
dfm_patch = 2
dfm_parts = 1
dfm_T = 0.05
shortcut_controls = 3
hfss = true
hfss_budgets = 12, 12, 12, 12
dfm_holdout = true
[train]
epochs = 1
batch = 32
n_train = 200
n_test = 40
INI
$B/fsweep plan "$tmp/h.ini" >"$tmp/plan.log" 2>&1; check $? "fsweep plan"
grep -q 'hfss/Syn_B1/cnn:0.25/none/all/s0  (needs train/Syn_B1/cnn:0.25/none/all/s0 and 4 more' "$tmp/plan.log"
check $? "plan: the HFSS task needs the model and its 4 DFM tasks (one per class)"
$B/fsweep run "$tmp/h.ini" --store "$tmp/a.h5" -q >"$tmp/a.log" 2>&1; check $? "real run with hfss and tprfpr"
$B/fsweep run "$tmp/h.ini" --store "$tmp/b.h5" -q hfss_budgets=30,30,30,30 >"$tmp/b.log" 2>&1; check $? "the same with other budgets"
$PY - "$tmp/a.h5" "$tmp/b.h5" <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
r = f["results/Syn_B1"]
hf = r["hfss_dfm"][0, 0, 0, 0]                     # (class, fy, fx)
nb = r["hfss_bins"][0, 0, 0, 0]                    # (map, class)
assert [m.decode() if isinstance(m, bytes) else m for m in r["map"][()]] == ["hfss", "removal"]
assert np.array_equal(nb[0], hf.reshape(4, -1).sum(1)), (nb[0], hf.sum((1, 2)))
# removal maps cut to each HFSS map's size: p = 2, so whole 2x2 patches and their mirrors
assert (np.abs(nb[1] - nb[0]) <= 8).all() and (nb[1] > 0).all(), nb
t = r["hfss_tpr"][0, 0, 0, 0]                      # (map, class)
assert t.shape == (2, 4) and np.isfinite(t).all() and ((t >= 0) & (t <= 1)).all(), t
for k in ("hfss_fpr", "hfss_ctl_tpr_p95", "hfss_specific", "hfss_tpr_ci", "hfss_inj"):
    assert np.isfinite(r[k][()]).all(), k
# the same images as the SHORTCUT task (the measuring half): unfiltered rates bitwise equal
assert np.array_equal(r["hfss_tpr_org"][()], r["tpr_org"][()]) and np.array_equal(r["hfss_fpr_org"][()], r["fpr_org"][()])
counts = r["hfss_tpr"][()].ravel() * 5             # 10 test images per class, 5 measured
assert np.allclose(counts, np.round(counts)), counts
g = h5py.File(sys.argv[2], "r")["results/Syn_B1"]
assert not np.array_equal(g["hfss_dfm"][()], r["hfss_dfm"][()]), "other budgets, other maps"
assert np.array_equal(g["dfm_score"][()], r["dfm_score"][()])
print("hfss sweep ok")
PYEOF
check $? "hfss_bins, size-matched removal maps, hfss_* rates on the SHORTCUT task's images, budgets used"
$B/fsweep plan "$tmp/h.ini" hfss_budgets=5,5,5 >"$tmp/bad.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "hfss_budgets) = '5,5,5': expected 3 budgets, expected 4 for Syn_B1 (stages of block sizes 8,4,2,1)" "$tmp/bad.log"
check $? "three budgets for a 32 x 32 set: one line at plan time (rc $rc)"
$B/fsweep plan "$tmp/h.ini" datasets=tiny dfm_holdout=false >"$tmp/bad2.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "HFSS has no stage table for 8 x 8 images" "$tmp/bad2.log"
check $? "hfss on 8 x 8 images: one line at plan time (rc $rc)"
finish
