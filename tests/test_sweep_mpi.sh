#!/usr/bin/env bash
# Determinism: one config gives identical results serially (build/fsweep-serial and build/fsweep
# without mpirun), under mpirun with 2, 3 and 4 ranks, and in two random task orders
# (FSWEEP_ORDER_SEED). Compared with tests/sweep_compare.py (bitwise, via h5py).
set -u
B=${FSWEEP_BUILD:-build}
PY=/usr/bin/python3
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { if [ "$1" = 0 ]; then pass=$((pass+1)); echo "ok   $2"; else fail=$((fail+1)); echo "FAIL $2"; fi; }
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
# ---- the real runner (engine + data): train and eval on the toy set, 1 rank vs 3 ranks
cat > "$tmp/r.ini" <<'INI'
[sweep]
runner = real
[axes]
datasets = tiny
archs = cnn:0.25
augs = none, flip
seeds = 0, 1
[analyses]
adcs = false
dfm = false
[train]
epochs = 3
batch = 16
INI
$B/fsweep run "$tmp/r.ini" --store "$tmp/r1.h5" -q >>"$tmp/log" 2>&1; check $? "real runner, serial"
$PY - "$tmp/r1.h5" <<'PYEOF'; check $? "real runner: finite losses that fall, accuracies in [0, 1]"
import sys, numpy as np, h5py
g = h5py.File(sys.argv[1], "r")["results/tiny"]
loss, acc, cur = g["train_loss"][()], g["test_acc"][()], g["class_acc_curve"][()]
assert np.isfinite(loss).all() and (loss[..., -1] < loss[..., 0]).all(), loss
assert ((acc >= 0) & (acc <= 1)).all() and ((cur >= 0) & (cur <= 1)).all()
w = h5py.File(sys.argv[1], "r")["models/tiny/cnn:0.25/weights"][()]
assert np.isfinite(w).all() and w.std() > 0
PYEOF
if command -v mpirun >/dev/null; then
  timeout 300 mpirun --oversubscribe -np 3 -x OPENBLAS_NUM_THREADS $B/fsweep run "$tmp/r.ini" --store "$tmp/r3.h5" -q >>"$tmp/log" 2>&1
  check $? "real runner, mpirun -np 3"
  $PY tests/sweep_compare.py "$tmp/r1.h5" "$tmp/r3.h5"; check $? "real runner: 3 ranks == serial (bitwise)"
fi
$B/fsweep run "$tmp/r.ini" --store "$tmp/r4.h5" -q analyses.dfm=true >>"$tmp/log" 2>&1; rc=$?
[ $rc = 3 ] && $PY -c "
import h5py,sys; t=h5py.File(sys.argv[1],'r')['tasks'][:]
assert any(b'not plugged into runner real' in e for e in t['error'])" "$tmp/r4.h5"; check $? "real runner: an analysis not plugged in fails loudly (rc $rc)"
echo "test_sweep_mpi.sh: $pass passed, $fail failed"
[ $fail = 0 ]
