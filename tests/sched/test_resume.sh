#!/usr/bin/env bash
# Nothing is lost: kill -9 a real run (serial, then the whole mpirun job) at several points; the
# store must open with h5py right away and hold at least every task reported done before the
# kill; running the same command again must finish with results identical to an uninterrupted
# run. Also: SIGTERM (serial) and SIGUSR1 (mpirun) drain with exit 75; a dying worker rank ends
# the job promptly with a resumable store; a changed config is refused without --force; new
# axis values extend the grid; a failing task is retried, then reported (exit 3).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cat > "$tmp/s.ini" <<'INI'
[sweep]
name = resume
seed = 5
retries = 1
[axes]
datasets = tiny
archs = a1, a2
augs = none, flip
seeds = 0, 1, 2
[analyses]
dfm_parts = 4
heatmap = true
[fake]
ms = 12
INI
ok_rows() { [ -e "$1" ] || { echo 0; return; }; $PY -c "
import h5py,sys
f=h5py.File(sys.argv[1],'r')
# a store killed before its first task row has no /tasks table yet: 0 rows, not an error
print(int((f['tasks'][:]['status']==0).sum()) if 'tasks' in f else 0)" "$1" 2>/dev/null || echo -1; }

$B/fsweep run "$tmp/s.ini" --store "$tmp/ref.h5" -q >"$tmp/ref.log" 2>&1; check $? "uninterrupted reference run"
total=$(ok_rows "$tmp/ref.h5"); echo "reference: $total tasks"

# ---- kill -9 of a serial run at three points, resuming each time
i=0
for t in 0.4 0.6 0.6; do
  i=$((i+1))
  $B/fsweep run "$tmp/s.ini" --store "$tmp/k.h5" >"$tmp/k$i.log" 2>&1 &
  pid=$!
  sleep $t; kill -9 $pid; wait $pid 2>/dev/null
  reported=$(grep -c '] done' "$tmp/k$i.log")
  have=$(ok_rows "$tmp/k.h5")
  [ "$have" -ge 0 ]; check $? "serial kill $i at ${t}s: h5py opens the store"
  [ "$have" -ge "$reported" ]; check $? "serial kill $i: store holds $have finished tasks >= $reported reported done"
done
$B/fsweep status "$tmp/k.h5" >"$tmp/status.log" 2>&1; check $? "fsweep status after the kills"
grep -q '^done:' "$tmp/status.log"; check $? "status prints done"
$B/fsweep run "$tmp/s.ini" --store "$tmp/k.h5" -q >"$tmp/k.log" 2>&1; check $? "resume completes (exit 0)"
grep -q 'from earlier runs' "$tmp/k.log"; check $? "resume skipped finished tasks"
$PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/k.h5"; check $? "killed+resumed == uninterrupted"

# ---- SIGTERM drains a serial run: exit 75, then resume
$B/fsweep run "$tmp/s.ini" --store "$tmp/t.h5" -q >"$tmp/t.log" 2>&1 &
pid=$!
for _ in $(seq 100); do  # poll (slow builds such as ASan need longer before the first result)
  sleep 0.1
  $B/fsweep status "$tmp/t.h5" >"$tmp/st.log" 2>&1; src=$?
  [ $src = 0 ] && grep -q '^running: 1' "$tmp/st.log" && grep -q 'done: [1-9]' "$tmp/st.log" && break
done
[ $src = 0 ] && grep -q '^running: 1' "$tmp/st.log" && grep -q 'done: [1-9]' "$tmp/st.log"
check $? "fsweep status while the job runs: 1 running, some done (rc $src)"
kill -TERM $pid; wait $pid; rc=$?
[ $rc = 75 ]; check $? "SIGTERM: exit code 75 (got $rc)"
$PY -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); assert f.attrs['writer_open']==0" "$tmp/t.h5"; check $? "SIGTERM: store closed cleanly"
$B/fsweep run "$tmp/s.ini" --store "$tmp/t.h5" -q >>"$tmp/t.log" 2>&1; check $? "resume after SIGTERM"
$PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/t.h5"; check $? "drained+resumed == uninterrupted"

# ---- config change refused, --force accepted; new axis values extend the grid
$B/fsweep run "$tmp/s.ini" --store "$tmp/t.h5" -q epochs=9 >"$tmp/c.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q 'epochs' "$tmp/c.log"; check $? "changed config refused, naming the key (rc $rc)"
$B/fsweep run "$tmp/s.ini" --store "$tmp/t.h5" -q seeds=0,1,2,3 >"$tmp/c.log" 2>&1; check $? "new seed extends the grid"
n=$(ok_rows "$tmp/t.h5"); [ "$n" = $((total + total / 3)) ]; check $? "extended grid holds $n = 4/3 of $total tasks"
$B/fsweep plan "$tmp/s.ini" --store "$tmp/t.h5" seeds=0,1,2,3 >"$tmp/plan.log" 2>&1
grep -q "stored: $n of $n" "$tmp/plan.log"; check $? "plan sees every task stored"

# ---- faults: retried once then succeeds; always failing -> exit 3, dependents blocked
$B/fsweep run "$tmp/s.ini" --store "$tmp/f1.h5" -q fail=train/tiny/a1/none/all/s1 >"$tmp/f.log" 2>&1; rc=$?
[ $rc = 0 ]; check $? "a task failing once is retried and the sweep succeeds (rc $rc)"
$PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/f1.h5" >/dev/null; check $? "retried sweep == reference"
$B/fsweep run "$tmp/s.ini" --store "$tmp/f2.h5" -q fail=train/tiny/a1/none/all/s1 fail_attempts=9 >"$tmp/f.log" 2>&1; rc=$?
[ $rc = 3 ]; check $? "a task failing every attempt: exit 3 (got $rc)"
grep -q 'blocked' "$tmp/f.log"; check $? "its dependents are reported blocked"
$PY -c "
import h5py,sys
t=h5py.File(sys.argv[1],'r')['tasks'][:]
bad=[r for r in t if r['status']!=0]
assert len(bad)==2, len(bad)
assert all(b'non-finite loss' in r['error'] for r in bad), [r['error'] for r in bad]
assert sorted(r['attempt'] for r in bad)==[1,2]" "$tmp/f2.h5"; check $? "both attempts recorded with their error"
$B/fsweep run "$tmp/s.ini" --store "$tmp/f3.h5" -q hang=eval/tiny/a2/flip task_timeout=0.3 retries=0 >"$tmp/f.log" 2>&1; rc=$?
[ $rc = 3 ]; check $? "hanging tasks fail the sweep (rc $rc)"
$PY -c "
import h5py,sys
t=h5py.File(sys.argv[1],'r')['tasks'][:]
bad=[r for r in t if r['status']!=0]
assert len(bad)==3 and all(b'time limit' in r['error'] and r['status']==5 for r in bad), bad" "$tmp/f3.h5"; check $? "the 3 hanging eval tasks are recorded as timeouts"

if command -v mpirun >/dev/null; then
  MPI="timeout 120 mpirun --oversubscribe -np 3 -x OPENBLAS_NUM_THREADS -x FSWEEP_FAKE_CRASH"
  # ---- kill -9 the whole MPI job (mpirun and its ranks) twice, then resume
  for t in 0.8 1.6; do
    $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/m.h5" >"$tmp/m.log" 2>&1 &
    tpid=$!
    sleep $t
    mp=$(pgrep -P $tpid)            # mpirun (child of timeout)
    ranks=$(pgrep -P "$mp" | tr '\n' ' ')
    kill -9 $ranks $mp 2>/dev/null; wait $tpid 2>/dev/null
    # SIGKILL is delivered asynchronously: wait until the ranks are gone (a dying master still
    # holds the HDF5 file lock, and h5py would then fail to open the store for that reason)
    for p in $ranks; do for _ in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done; done
    reported=$(grep -c '] done' "$tmp/m.log"); have=$(ok_rows "$tmp/m.h5")
    [ "$have" -ge "$reported" ] && [ "$have" -ge 0 ]; check $? "mpirun kill -9 at ${t}s: store opens, $have >= $reported reported"
  done
  $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/m.h5" -q >>"$tmp/m.log" 2>&1; check $? "MPI resume completes"
  $PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/m.h5"; check $? "MPI killed+resumed == uninterrupted"

  # ---- SIGUSR1 to mpirun (forwarded to the ranks): drain, exit 75
  $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/u.h5" >"$tmp/u.log" 2>&1 &
  tpid=$!
  for _ in $(seq 300); do [ "$(grep -c '] done' "$tmp/u.log")" -ge 10 ] && break; sleep 0.1; done
  mp=$(pgrep -P $tpid); kill -USR1 "$mp"; wait $tpid; rc=$?
  [ $rc = 75 ]; check $? "SIGUSR1 under mpirun: exit 75 (got $rc)"
  $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/u.h5" -q >>"$tmp/u.log" 2>&1; check $? "resume after SIGUSR1"
  $PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/u.h5"; check $? "drained MPI run + resume == uninterrupted"

  # ---- a worker rank dies (SIGKILL inside a task): the job ends promptly, store resumable
  start=$(date +%s)
  FSWEEP_FAKE_CRASH=dfm/tiny/a2/flip/all/s1/c1/p2 $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/w.h5" >"$tmp/w.log" 2>&1; rc=$?
  el=$(( $(date +%s) - start ))
  [ $rc != 0 ] && [ $rc != 124 ] && [ $el -lt 60 ]; check $? "dead worker ends the job (rc $rc) in ${el}s, no hang"
  have=$(ok_rows "$tmp/w.h5"); reported=$(grep -c '] done' "$tmp/w.log")
  [ "$have" -ge "$reported" ] && [ "$have" -gt 0 ]; check $? "store after the dead worker opens: $have >= $reported"
  $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/w.h5" -q >>"$tmp/w.log" 2>&1; check $? "resume after the dead worker"
  $PY tests/sweep_compare.py "$tmp/ref.h5" "$tmp/w.h5"; check $? "dead worker + resume == uninterrupted"
else
  echo "SKIP MPI kill tests: mpirun not found"
fi
# a store resumed with a smaller grid (run_r2.sh's AUGS= sittings): status counts the grid's own
# done tasks against its size, and the others apart
$B/fsweep-serial run "$tmp/s.ini" --store "$tmp/g.h5" -q fake.ms=0 >"$tmp/g.log" 2>&1 &&
  $B/fsweep-serial run "$tmp/s.ini" --store "$tmp/g.h5" -q fake.ms=0 augs=none >>"$tmp/g.log" 2>&1 &&
  $B/fsweep status "$tmp/g.h5" >"$tmp/gs.log" 2>&1
check $? "a full sweep, then a sitting on augs = none, then status"
all=$(grep -o 'done: [0-9]* of [0-9]*' "$tmp/gs.log"); n=${all##* }
[ -n "$n" ] && grep -qE "^done: $n of $n \(100.0%\); [1-9][0-9]* more outside this grid" "$tmp/gs.log"
check $? "status of the smaller grid: '$all' (100 %), the flip half counted apart"
finish
