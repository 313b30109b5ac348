#!/usr/bin/env bash
# The workstation scripts (jobs/local.sh, and jobs/paper/run_r2.sh the same way) start their MPI
# ranks unbound: Open MPI binds rank r of each job to core r, so two 2-rank jobs side by side put
# both workers on core 1 while core 0 idles (seen 2026-12-07: three sittings, each worker at 33 %
# of one core, the machine 48 % idle). Two jobs/local.sh sweeps at once: every fsweep process
# may run on every CPU this test may (its Cpus_allowed_list), and MPI_BIND=core, Open MPI's
# binding, is still there for whoever wants it (a worker's list then narrower, on 2+ CPUs).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_cmd mpirun
[ "$(nproc)" -ge 2 ] || skip "one CPU: nothing to bind apart"
cat >"$tmp/b.ini" <<'INI'
[sweep]
name = bind
[axes]
datasets = tiny
archs = a1
augs = none
seeds = 0, 1
[analyses]
adcs = false
dfm = false
tprfpr = false
[fake]
ms = 1500
INI
mine=$(awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)
# lists JOB: the Cpus_allowed_list of the 2 ranks (fsweep processes, not mpirun) of job JOB's
# store, read 0.5 s after both run (Open MPI binds a rank once it has started)
lists() {
  local pids=""
  for _ in $(seq 100); do
    pids=$(for p in $(pgrep -f "run $tmp/b.ini --store $tmp/$1.h5"); do
      [ "$(cat /proc/$p/comm 2>/dev/null)" = fsweep ] && echo $p; done | tr '\n' ' ')
    [ "$(echo $pids | wc -w)" -ge 2 ] && break
    sleep 0.1
  done
  sleep 0.5
  for p in $pids; do awk '/^Cpus_allowed_list/ {print $2}' /proc/$p/status; done | sort -u | tr '\n' ' '
}
for bind in none core; do
  for j in 1 2; do
    MPI_BIND=$bind CONFIG="$tmp/b.ini" STORE="$tmp/$bind$j.h5" NP=2 FSWEEP_BIN=$B/fsweep \
      bash jobs/local.sh >"$tmp/$bind$j.log" 2>&1 &
  done
  l1=$(lists ${bind}1) l2=$(lists ${bind}2)
  wait
  if [ $bind = none ]; then
    [ "$l1" = "$mine " ] && [ "$l2" = "$mine " ]
    check $? "MPI_BIND=none (default): both jobs' ranks may use every CPU ($mine): [$l1] [$l2]"
  else
    [ -n "$l1" ] && [ "$l1" != "$mine " ]
    check $? "MPI_BIND=core: Open MPI binds the ranks ([$l1] [$l2], of $mine)"
  fi
done
grep -q "done: 4 of 4" "$tmp/none1.log" "$tmp/none2.log" 2>/dev/null || tail -3 "$tmp/none1.log"
finish
