#!/usr/bin/env bash
# The shortcut's transfer to corrupted data in a sweep (issue 15 point 3): with shortcut_ood the
# SHORTCUT task measures the DFMs at the first T on every [axes] ood set (ood_tpr, ..., dimension
# ood; ood_tpr_org per set), with controls (shortcut_ood_controls). Checks: shapes, rates in
# [0, 1] inside their intervals; the unfiltered rates on each OOD set agree with the OOD task's
# accuracy on it (two code paths: eval_set against shortcut_eval, 10 images per class); per-class
# tasks and one all-class task give the same arrays bitwise, the maps are the first T's, and the
# control count changes only the control columns; the fake runner writes the same names and shapes; shortcut_ood without an
# ood list stops `fsweep plan` with one line.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/o.ini" <<'INI'
[sweep]
runner = real
seed = 3
[axes]
datasets = Syn_B1
archs = cnn:0.25
ood = gaussian_noise:3, contrast:3, fgsm:0.03
[analyses]
learning_order = false
adcs = false
dfm_patch = 2
dfm_parts = 1
dfm_T = 0.05, 0.2
shortcut_controls = 4
shortcut_ood = true
[train]
epochs = 1
batch = 32
n_train = 200
n_test = 40
INI
$B/fsweep run "$tmp/o.ini" --store "$tmp/a.h5" -q >"$tmp/a.log" 2>&1; check $? "real run with shortcut_ood"
$B/fsweep run "$tmp/o.ini" --store "$tmp/b.h5" -q per_class=false shortcut_ood_controls=0 dfm_T=0.05 >"$tmp/b.log" 2>&1
check $? "the same with one all-class SHORTCUT task, no OOD controls and the first T alone"
$B/fsweep run "$tmp/o.ini" --store "$tmp/f.h5" -q runner=fake >"$tmp/f.log" 2>&1; check $? "fake run with shortcut_ood"
$PY - "$tmp/a.h5" "$tmp/b.h5" "$tmp/f.h5" <<'PYEOF'
import sys, h5py, numpy as np
a, b, f = (h5py.File(p, "r")["results/Syn_B1"] for p in sys.argv[1:4])
t = a["ood_tpr"][0, 0, 0, 0]                      # (ood, class)
assert t.shape == (3, 4) and np.isfinite(t).all() and ((t >= 0) & (t <= 1)).all(), t
ci = a["ood_tpr_ci"][0, 0, 0, 0]                  # (ood, class, bound)
assert (ci[..., 0] <= t + 1e-12).all() and (t <= ci[..., 1] + 1e-12).all()
assert np.allclose(t * 10, np.round(t * 10)), "TPR counts over 10 images per class"
for k in ("ood_fpr", "ood_ctl_tpr_p95", "ood_specific", "ood_shortcut", "ood_inj", "ood_tpr_disc"):
    v = a[k][()]
    assert np.isfinite(v).all() and ((v >= 0) & (v <= 1)).all(), k
assert a["ood_tpr_cross"].shape[-3:] == (3, 4, 4)
# unfiltered rates on each OOD set: their class mean is the OOD task's accuracy on that set
org = a["ood_tpr_org"][0, 0, 0, 0]                # (ood, class)
acc = a["ood_acc"][0, 0, 0, 0]                    # (ood)
assert np.allclose(org.mean(1), acc, atol=1e-12), (org.mean(1), acc)
assert not np.allclose(org, a["tpr_org"][0, 0, 0, 0]), "corruptions change the unfiltered rates"
# per-class tasks == one all-class task, the maps are the first T's (b has T = 0.05 alone), and
# the control count only changes the control columns
for k in ("ood_tpr", "ood_fpr", "ood_tpr_cmp", "ood_tpr_disc", "ood_tpr_cross", "ood_tpr_org"):
    assert np.array_equal(a[k][()], b[k][()]), k
assert np.array_equal(a["tpr"][..., :1, :], b["tpr"][()]) and a["tpr"].shape[-2] == 2
assert np.isnan(b["ood_ctl_tpr_mean"][()]).all() and np.isfinite(a["ood_ctl_tpr_mean"][()]).all()
ka = {k: a[k].shape for k in a if k.startswith("ood_")}
kf = {k: f[k].shape for k in f if k.startswith("ood_")}
assert ka == kf and len(ka) == 25, (sorted(set(ka) ^ set(kf)), len(ka))
print("shortcut_ood ok:", np.round(t, 2).tolist())
PYEOF
check $? "ood_* shapes, ranges, intervals, agreement with ood_acc, per-class = all-class, fake layout"
$B/fsweep plan "$tmp/o.ini" ood=none >"$tmp/bad.log" 2>&1; rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/bad.log")" = 1 ] && grep -q "shortcut_ood) = 'true': expected false, or true together with" "$tmp/bad.log"
check $? "shortcut_ood without an ood list: one line at plan time (rc $rc: $(head -c 200 "$tmp/bad.log"))"
finish
