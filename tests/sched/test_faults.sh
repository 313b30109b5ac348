#!/usr/bin/env bash
# Faults beyond kill -9 of the whole job (test_resume.sh has those), each asserting that nothing
# finished is lost and that the resumed store equals an uninterrupted one:
#   - a damaged journal tail (a truncated record, garbage bytes), with the HDF5 file present and
#     with the file gone: replay keeps every valid record, warns once, the run goes on;
#   - a full disk while the master writes (a small tmpfs this test mounts; skipped with a message
#     where it cannot): a clear error, exit 1, every task finished before it intact in the
#     journal, and the rerun on free space completes;
#   - kill -9 of one worker rank (not mpirun) in the middle of a task: the job ends promptly
#     with 128+9 (a job script's "killed: resumable"), the rerun completes;
#   - SIGTERM and SIGUSR1 to mpirun: SIGUSR1 drains (exit 75); SIGTERM makes Open MPI end the
#     job itself (exit 1 from mpirun, as README says), the store resumable; a SIGTERM to
#     jobs/local.sh is passed on to mpirun as SIGUSR1, so the script exits 75.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py
cat > "$tmp/s.ini" <<'INI'
[sweep]
name = faults
seed = 5
[axes]
datasets = tiny
archs = a1, a2
augs = none, flip
seeds = 0, 1, 2
[analyses]
dfm_parts = 4
heatmap = true
[fake]
ms = 2
INI
ok_rows() { $PY -c "
import h5py,sys
t=h5py.File(sys.argv[1],'r')['tasks'][:]
print(int((t['status']==0).sum()))" "$1" 2>/dev/null || echo -1; }
# finished tasks recorded in the journal (fsweep status reads it)
journal_done() { $B/fsweep status "$1" 2>/dev/null | sed -n 's/^done: \([0-9]*\).*/\1/p'; }
same() { $PY tests/sweep_compare.py "${2:-$tmp/ref.h5}" "$1" >/dev/null; }

$B/fsweep run "$tmp/s.ini" --store "$tmp/ref.h5" -q >"$tmp/ref.log" 2>&1; check $? "uninterrupted reference run"
total=$(ok_rows "$tmp/ref.h5"); echo "reference: $total tasks"

# ---- a damaged journal tail: the first 2 seeds run, then the last record is cut short and
# garbage follows it; the full grid resumes
damage() {  # FILE: cut the last 7 bytes, append 300 garbage bytes
  $PY - "$1" <<'PY'
import os, sys
p = sys.argv[1]
n = os.path.getsize(p)
with open(p, "r+b") as f:
    f.truncate(n - 7)
    f.seek(0, 2)
    f.write(bytes((i * 37 + 11) % 256 for i in range(300)))
PY
}
for mode in file_kept file_gone; do
  st="$tmp/j_$mode.h5"
  $B/fsweep run "$tmp/s.ini" --store "$st" -q seeds=0,1 >"$tmp/j.log" 2>&1; check $? "$mode: a partial sweep (2 of 3 seeds)"
  part=$(ok_rows "$st")
  damage "$st.journal"
  valid=$(journal_done "$st")   # results before the cut record
  [ "$valid" -ge $((part - 1)) ] && [ "$valid" -le "$part" ]; check $? "$mode: the damaged journal reads $valid of $part results"
  [ $mode = file_gone ] && rm "$st"
  $B/fsweep run "$tmp/s.ini" --store "$st" -q >"$tmp/j.log" 2>&1; rc=$?
  [ $rc = 0 ]; check $? "$mode: the run with a damaged journal goes on (rc $rc)"
  n=$(grep -c 'damaged tail' "$tmp/j.log")
  [ "$n" = 1 ]; check $? "$mode: warned once about the damaged tail ($n): $(grep 'damaged tail' "$tmp/j.log" | head -1)"
  # the file kept its rows; with the file gone, every valid record was replayed
  if [ $mode = file_kept ]; then want=$part; else want=$valid; fi
  grep -q "from earlier runs" "$tmp/j.log" && grep -qE "summary: $total tasks: [0-9]+ done now, $want from earlier runs" "$tmp/j.log"
  check $? "$mode: $want of the $part finished tasks kept: $(grep summary "$tmp/j.log")"
  same "$st"; check $? "$mode: damaged journal + resume == uninterrupted"
  # the journal goes on from its last valid record (a cut record the file holds stays out of it)
  [ "$(journal_done "$st")" = "$((valid + total - want))" ]; check $? "$mode: the journal goes on after its last valid record"
done

# ---- a full disk while the master writes (serial, then under mpirun)
disk=$tmp/disk
mkdir -p "$disk"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=200k fsweep-test "$disk" 2>/dev/null; then
  echo "SKIP full-disk tests: cannot mount a tmpfs here (needs root and mount rights)"
else
  test_cleanup() { umount "$disk" 2>/dev/null; }
  MPIRUN=
  command -v mpirun >/dev/null && MPIRUN="timeout 120 mpirun --oversubscribe -np 3"
  for how in serial mpirun; do
    [ $how = mpirun ] && [ -z "$MPIRUN" ] && { echo "SKIP full disk under mpirun: mpirun not found"; continue; }
    launch=; [ $how = mpirun ] && launch=$MPIRUN
    rm -f "$disk"/*; mount -o remount,size=200k "$disk"
    $launch $B/fsweep run "$tmp/s.ini" --store "$disk/d.h5" >"$tmp/d.log" 2>&1; rc=$?
    [ $rc = 1 ] && grep -q 'No space left on device' "$tmp/d.log"
    check $? "$how: full disk: exit 1 (got $rc) with a clear error: $(grep -m1 'No space' "$tmp/d.log")"
    reported=$(grep -c '] done' "$tmp/d.log")
    have=$(journal_done "$disk/d.h5")
    [ "$reported" -gt 0 ] && [ "$reported" -lt "$total" ] && [ "$have" -ge "$reported" ]
    check $? "$how: full disk: the journal holds $have finished tasks >= $reported reported done"
    mount -o remount,size=8m "$disk"
    $launch $B/fsweep run "$tmp/s.ini" --store "$disk/d.h5" -q >"$tmp/d2.log" 2>&1; rc=$?
    [ $rc = 0 ]; check $? "$how: the rerun on free space completes (rc $rc)"
    grep -qE "summary: $total tasks: [0-9]+ done now, $have from earlier runs" "$tmp/d2.log"
    check $? "$how: every task finished before the disk filled was kept ($have)"
    same "$disk/d.h5"; check $? "$how: full disk + resume == uninterrupted"
  done
  umount "$disk"
fi

if ! command -v mpirun >/dev/null; then
  echo "SKIP MPI fault tests: mpirun not found"
  finish
  exit $?
fi
MPI="timeout 120 mpirun --oversubscribe -np 3"
# the pid of rank R among mpirun's children
rank_pid() {
  local p
  for p in $(pgrep -P "$1"); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && { echo "$p"; return; }
  done
}

# ---- kill -9 of one worker rank in the middle of a task (that task is made slow: 60 s)
slow=dfm/tiny/a2/none/all/s1/c1/p2
FSWEEP_FAKE_SLOW=$slow $MPI -x FSWEEP_FAKE_SLOW $B/fsweep run "$tmp/s.ini" --store "$tmp/w.h5" >"$tmp/w.log" 2>&1 &
tpid=$!
rank=
for _ in $(seq 300); do
  rank=$($B/fsweep status "$tmp/w.h5" 2>/dev/null | sed -n "s|^  running $slow on rank \([0-9]*\).*|\1|p")
  [ -n "$rank" ] && break
  sleep 0.1
done
[ -n "$rank" ]; check $? "the slow task runs on worker rank '$rank'"
mp=$(pgrep -P $tpid)
victim=$(rank_pid "$mp" "$rank")
start=$(date +%s)
[ -n "$victim" ] && kill -9 "$victim"
wait $tpid; rc=$?
el=$(( $(date +%s) - start ))
[ "$rc" = 137 ] && [ $el -lt 60 ]; check $? "worker rank killed mid-task: the job ends in ${el}s with 137 = 128+9 (killed, resumable; got $rc)"
have=$(journal_done "$tmp/w.h5"); reported=$(grep -c '] done' "$tmp/w.log")
[ "$have" -ge "$reported" ] && [ "$have" -lt "$total" ]; check $? "the journal holds $have >= $reported reported done"
$MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/w.h5" -q >"$tmp/w2.log" 2>&1; check $? "resume after the killed worker rank"
same "$tmp/w.h5"; check $? "killed worker rank + resume == uninterrupted"

# ---- SIGTERM / SIGUSR1 to mpirun, and SIGTERM to jobs/local.sh
# signal_run SIG STORE WHO: start a sweep, send SIG to WHO (mpirun or local.sh) once 10 tasks are done
signal_run() {
  local sig=$1 st=$2 who=$3 tpid target
  rm -f "$tmp/sig.log"   # (a background job's redirection may come after the first poll)
  if [ "$who" = local.sh ]; then
    CONFIG="$tmp/s.ini" STORE="$st" NP=3 FSWEEP_BIN=$B/fsweep bash jobs/local.sh >"$tmp/sig.log" 2>&1 &
  else
    $MPI $B/fsweep run "$tmp/s.ini" --store "$st" >"$tmp/sig.log" 2>&1 &
  fi
  tpid=$!
  for _ in $(seq 300); do [ "$(grep -c '] done' "$tmp/sig.log" 2>/dev/null)" -ge 10 ] && break; sleep 0.1; done
  if [ "$who" = local.sh ]; then target=$tpid; else target=$(pgrep -P $tpid); fi
  kill -"$sig" "$target"
  wait $tpid
}
# a slower sweep, so that the signal comes in the middle
sed -i 's/^ms = 2$/ms = 12/' "$tmp/s.ini"
$B/fsweep run "$tmp/s.ini" --store "$tmp/ref12.h5" -q >/dev/null 2>&1; check $? "reference run at 12 ms per task"
signal_run USR1 "$tmp/u.h5" mpirun; rc=$?
[ $rc = 75 ]; check $? "SIGUSR1 to mpirun: drained, exit 75 (got $rc)"
signal_run TERM "$tmp/t.h5" mpirun; rc=$?
[ $rc != 0 ] && [ $rc != 75 ] && [ $rc != 124 ]; check $? "SIGTERM to mpirun: Open MPI ends the job (exit $rc, not 75, as README says)"
signal_run TERM "$tmp/l.h5" local.sh; rc=$?
[ $rc = 75 ] && grep -q 'interrupted' "$tmp/sig.log"; check $? "SIGTERM to jobs/local.sh: passed on as SIGUSR1, exit 75 (got $rc)"
for x in u t l; do
  $MPI $B/fsweep run "$tmp/s.ini" --store "$tmp/$x.h5" -q >"$tmp/r.log" 2>&1; check $? "$x: resume completes"
  same "$tmp/$x.h5" "$tmp/ref12.h5"; check $? "$x: interrupted + resumed == uninterrupted"
done
finish
