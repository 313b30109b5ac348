#!/usr/bin/env bash
# An MPI worker with nothing to do must not burn a core while it waits for the master: Open MPI's
# blocking probe polls at 100 % of a core, which took a core from the ranks beside it (an HFSS
# task with 2 engine threads got one core of 2). A grid of one model (TRAIN 6 s of the fake
# runner's sleep, then a 1.5 s EVAL) under 3 ranks: one worker sleeps through the TRAIN task and
# the other waits for 7.5 s. Summed CPU time of every rank (mpirun's children, /usr/bin/time)
# must stay under 3 s; a spinning worker alone adds about 7 s (and the master none: it naps).
# A CPU-time check, not a timing one: it does not depend on how fast the machine is.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_cmd mpirun
[ -x /usr/bin/time ] || skip "/usr/bin/time missing (apt-get install -y time)"
cat >"$tmp/s.ini" <<'INI'
[sweep]
name = idle
[axes]
datasets = tiny
archs = a1
augs = none
seeds = 0
[analyses]
adcs = false
dfm = false
tprfpr = false
[fake]
ms = 1500
INI
$B/fsweep plan "$tmp/s.ini" >"$tmp/plan" 2>&1 && grep -q "tasks: 2 (train 1, eval 1" "$tmp/plan"
check $? "the grid: one TRAIN and one EVAL task ($(grep -m1 '^tasks:' "$tmp/plan"))"
/usr/bin/time -f '%e %U %S' -o "$tmp/time" timeout 120 mpirun --oversubscribe -np 3 \
  $B/fsweep run "$tmp/s.ini" --store "$tmp/s.h5" -q >"$tmp/log" 2>&1
check $? "mpirun -np 3 runs it"
read -r wall usr sys <"$tmp/time"
awk -v w="$wall" -v u="$usr" -v s="$sys" 'BEGIN { exit !(w >= 7.5 && u + s < 3.0) }'
check $? "the idle worker naps: $usr s user + $sys s system over $wall s wall (3 ranks)"
finish
