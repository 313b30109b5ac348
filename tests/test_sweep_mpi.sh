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
echo "test_sweep_mpi.sh: $pass passed, $fail failed"
[ $fail = 0 ]
