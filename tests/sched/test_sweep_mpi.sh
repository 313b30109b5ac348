#!/usr/bin/env bash
# Determinism: one config gives identical results serially (build/fsweep-serial and build/fsweep
# without mpirun), under mpirun with 2, 3 and 4 ranks, and in two random task orders
# (FSWEEP_ORDER_SEED). Compared with tests/sweep_compare.py (bitwise, via h5py).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cat > "$tmp/s.ini" <<'INI'
[sweep]
name = det
seed = 11
[axes]
datasets = tiny, Syn_B2
archs = a1, a2
augs = none, flip
seeds = 0, 3
test_bands = all, low
ood = c1, c2
[analyses]
hfss = true
heatmap = true
dfm_parts = 3
[train]
epochs = 4
[fake]
ms = 1
INI
$B/fsweep-serial run "$tmp/s.ini" --store "$tmp/ref.h5" -q >"$tmp/log" 2>&1; check $? "serial run"
FSWEEP_ORDER_SEED=7 $B/fsweep run "$tmp/s.ini" --store "$tmp/o7.h5" -q >>"$tmp/log" 2>&1; check $? "serial run, shuffled order"
$PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/o7.h5"; check $? "shuffled order == reference"
$B/fsweep run "$tmp/s.ini" --store "$tmp/other.h5" -q seed=12 >>"$tmp/log" 2>&1
$PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/other.h5" >/dev/null; [ $? = 1 ]; check $? "another seed gives different results (the comparison can fail)"
if command -v mpirun >/dev/null; then
  for np in 2 3 4; do
    timeout 300 mpirun --oversubscribe -np $np -x OPENBLAS_NUM_THREADS -x FSWEEP_ORDER_SEED \
      $B/fsweep run "$tmp/s.ini" --store "$tmp/np$np.h5" -q >>"$tmp/log" 2>&1; check $? "mpirun -np $np"
    $PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/np$np.h5"; check $? "np $np == serial"
    export FSWEEP_ORDER_SEED=$((np * 13))
  done
  unset FSWEEP_ORDER_SEED
  ranks=$($PY -c "import h5py,sys; t=h5py.File(sys.argv[1])['tasks'][:]; print(len(set(t['rank'])))" "$tmp/np4.h5")
  [ "$ranks" = 3 ]; check $? "np 4: tasks ran on 3 worker ranks (got $ranks), none on the master"
else
  echo "SKIP mpirun runs: mpirun not found"
fi
# ---- the real runner (engine, data, analyses) on the toy set: every analysis, 1 rank vs 3 ranks
cat > "$tmp/r.ini" <<'INI'
[sweep]
runner = real
[axes]
datasets = tiny
archs = cnn:0.25
augs = none, flip+lowpass:r=3
seeds = 0, 1
test_bands = all, bandpass:1
ood = gaussian_noise:3, bandstop:1+2, fgsm:0.5, elastic_transform:3
[analyses]
dfm_parts = 2
heatmap = true
[train]
epochs = 3
batch = 16
INI
$B/fsweep run "$tmp/r.ini" --store "$tmp/r1.h5" -q >>"$tmp/log" 2>&1; check $? "real runner, serial, all analyses but HFSS"
$PY - "$tmp/r1.h5" <<'PYEOF'; check $? "real runner: losses fall, rates in [0, 1], DFMs binary and nested in T"
import sys, numpy as np, h5py
f = h5py.File(sys.argv[1], "r")
g = f["results/tiny"]
loss, acc, cur = g["train_loss"][()], g["test_acc"][()], g["class_acc_curve"][()]
assert np.isfinite(loss).all() and (loss[..., -1] < loss[..., 0]).all(), loss
for name in ("test_acc", "class_acc_curve", "tpr", "fpr", "ood_acc", "heatmap_err"):
    v = g[name][()]
    assert np.isfinite(v).all() and ((v >= 0) & (v <= 1)).all(), name
for name in ("tpr_cmp", "fpr_cmp", "tpr_org", "fpr_org", "tpr_disc", "ctl_tpr_mean", "ctl_tpr_p95",
             "ctl_fpr_p95", "p_tpr", "inj", "ctl_inj_mean", "p_inj", "tpr_ci", "inj_ci", "tpr_cross"):
    v = g[name][()]
    assert np.isfinite(v).all() and ((v >= 0) & (v <= 1)).all(), name
for name in ("shortcut", "strong", "specific"):
    assert set(np.unique(g[name][()])) <= {0.0, 1.0}, name
ci, tpr = g["tpr_ci"][()], g["tpr"][()]            # (arch, aug, band, seed, T, class, bound)
assert (ci[..., 0] <= tpr).all() and (tpr <= ci[..., 1]).all()
assert (g["tpr_cross"][()].diagonal(axis1=-2, axis2=-1) == tpr).all()
assert g["p_tpr"][()].min() >= 1 / 51               # 50 controls by default
assert g["tpr_ci"].attrs["fsweep_dims"] == "arch,aug,band,seed,T,class,bound"
assert g["tpr_cross"].attrs["fsweep_dims"] == "arch,aug,band,seed,T,dfm_class,class"
assert g["tpr_org"].attrs["fsweep_dims"] == "arch,aug,band,seed,class"
d = g["dfm"][()]                                   # (arch, aug, band, seed, T, class, fy, fx)
assert set(np.unique(d)) <= {0.0, 1.0}
assert (np.diff(d.sum(axis=(-1, -2)), axis=4) >= 0).all()   # a larger T keeps more bins
assert np.isfinite(g["dfm_score"][()]).all()       # every part wrote its rows
adcs = g["adcs"][()]
assert adcs.shape == (3, 8, 8) and adcs.min() >= -2 and adcs.max() <= 2
oa = g["ood_acc"][()]                              # (arch, aug, band, seed, ood): FGSM is adversarial
assert oa.shape[-1] == 4 and oa[..., 2].mean() < acc[..., 0].mean() - 0.1, (oa[..., 2], acc[..., 0])
w = f["models/tiny/cnn:0.25/weights"][()]
assert np.isfinite(w).all() and w.std() > 0
PYEOF
# optimizer = adamw reaches the engine: the same models (seeds, data order, lr) trained with AdamW
# learn (losses fall) along other loss curves than SGD's (equal if the key were dropped)
for o in sgd adamw; do
  printf '[sweep]\nrunner = real\n[axes]\ndatasets = tiny\narchs = cnn:0.25\naugs = none\nseeds = 0, 1\n[analyses]\nadcs = false\ndfm = false\ntprfpr = false\n[train]\nepochs = 3\nbatch = 16\noptimizer = %s\nlr = 0.003\n' \
    $o >"$tmp/o_$o.ini"
  $B/fsweep run "$tmp/o_$o.ini" --store "$tmp/o_$o.h5" -q >>"$tmp/log" 2>&1 || echo "run $o failed"
done
$PY - "$tmp/o_sgd.h5" "$tmp/o_adamw.h5" <<'PYEOF'; check $? "real runner, optimizer = adamw: losses fall, unlike SGD's curves"
import sys, numpy as np, h5py
s, a = (h5py.File(p, "r")["results/tiny/train_loss"][()] for p in sys.argv[1:3])
assert np.isfinite(a).all() and (a[..., -1] < a[..., 0]).all(), a
assert s.shape == a.shape and np.abs(s - a).max() > 1e-3, (s, a)
PYEOF
if command -v mpirun >/dev/null; then
  timeout 300 mpirun --oversubscribe -np 3 -x OPENBLAS_NUM_THREADS $B/fsweep run "$tmp/r.ini" --store "$tmp/r3.h5" -q >>"$tmp/log" 2>&1
  check $? "real runner, mpirun -np 3"
  $PY tests/sweep_compare.py "$tmp/r1.h5" "$tmp/r3.h5"; check $? "real runner: 3 ranks == serial (bitwise)"
fi
$B/fsweep run "$tmp/r.ini" --store "$tmp/r4.h5" -q hfss=true ood=none test_bands=all >"$tmp/hfss.log" 2>&1; rc=$?
[ $rc = 1 ] && [ ! -e "$tmp/r4.h5" ] && grep -q "HFSS has no stage table for 8 x 8 images" "$tmp/hfss.log"
check $? "real runner: HFSS on 8x8 images (no stage table) is refused before any task runs (rc $rc)"
finish
