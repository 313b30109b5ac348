#!/usr/bin/env bash
# The order in which the schedulers hand out ready tasks, and `fsweep plan`'s wall estimate that
# simulates it (src/sched/sched.c). On r2_d_hfss.ini's grid (ResNet-18/8 x 3 seeds: TRAIN 270 s,
# 20 DFM tasks of 8.9 s, 10 SHORTCUT of 33.5 s and an HFSS search of 3,850 s per model, the HFSS
# task waiting for its model's DFM tasks) run by the fake runner:
#  - a model's EVAL (its test accuracy) goes out as soon as the model is trained, before every
#    other ready task (the next model's TRAIN included), so that a sweep shows whether its models
#    learned within minutes; it used to go out last, with the SHORTCUT tasks;
#  - every other ready task goes out by its bottom level (its cost plus the longest cost chain
#    waiting for it), so every model's short DFM tasks, which unblock the long HFSS searches, go
#    out before any HFSS task, and the SHORTCUT tasks, which unblock nothing, after them. The previous
#    order (the longest ready task first) started an HFSS search as soon as its model's DFMs were
#    done, leaving the next model's DFMs, and then its HFSS search, for the end: on 2 workers a
#    core idles for most of one search.
#  - `fsweep plan`'s wall time for W workers is the simulated list schedule: with 1 worker the
#    sum of the tasks' estimates; with 2 and 3 between the lower bound max(sum / W, longest
#    dependency chain) and list scheduling's upper bound sum / W + (1 - 1/W) x longest chain
#    (Graham), never more with 3 workers than with 2, and with 2 workers at least two HFSS
#    searches one after the other.
# The run uses the fake runner, whose estimates are [fake] ms times a factor per kind (TRAIN 4,
# DFM and HFSS 2, SHORTCUT and EVAL 1): the same chains (DFM 2 + HFSS 2 > HFSS 2 > SHORTCUT 1),
# and a tie of DFM and HFSS by own cost, which the previous order broke by index (model s0's
# HFSS before s1's DFMs); the plan uses the config's own [cost].
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
{ sed -e 's/^runner = real/runner = fake/' jobs/paper/r2_d_hfss.ini; printf '\n[fake]\nms = 1\n'; } >"$tmp/d.ini"
$B/fsweep-serial run "$tmp/d.ini" --store "$tmp/d.h5" -q >"$tmp/run.log" 2>&1
check $? "serial fake-runner sweep of r2_d_hfss.ini's grid"
"$PY" - "$tmp/d.h5" <<'EOF'
import sys, h5py
t = h5py.File(sys.argv[1], "r")["tasks"][()]
kinds = [r["kind"].decode() for r in t]  # serial: stored in the order handed out
pos = lambda k: [i for i, x in enumerate(kinds) if x == k]
assert len(t) == 99 and len(pos("hfss")) == 3 and len(pos("eval")) == 3, (len(t), kinds)
model = lambda i: t[i]["key"].decode().split("/", 1)[1]
for i in pos("eval"):  # right after its own model's TRAIN, before the next TRAIN
    assert kinds[i - 1] == "train" and model(i - 1) == model(i), (i, model(i), " ".join(kinds))
assert max(pos("train")) < min(pos("dfm")), "trains first (the longest chains)"
assert max(pos("dfm")) < min(pos("hfss")), "every model's DFM tasks before any HFSS search: " + " ".join(kinds)
assert max(pos("hfss")) < min(pos("shortcut")), "HFSS before the SHORTCUT tasks, which unblock nothing"
EOF
check $? "each EVAL right after its TRAIN; then by bottom level: every DFM, the HFSS searches, then SHORTCUT"
$B/fsweep plan jobs/paper/r2_d_hfss.ini --ranks 2,3,4 --list >"$tmp/plan" 2>&1
check $? "fsweep plan --ranks 2,3,4"
"$PY" - "$tmp/plan" <<'EOF'
import re, sys
p = open(sys.argv[1]).read()
est = [(m.group(2), float(m.group(1))) for m in re.finditer(r"^\d+\s+todo\s+([0-9.e+]+)\s+(\w+)/", p, re.M)]
assert len(est) == 99, len(est)
wall = {int(w): float(h) * 3600 for w, h in re.findall(r"\(\s*(\d+) workers\): about ([0-9.e+]+) h wall", p)}
total = sum(c for _, c in est)
first = lambda kind: next(c for k, c in est if k == kind)  # the plan's estimate of one task
chain = first("train") + first("dfm") + first("hfss")  # TRAIN -> DFM -> HFSS, the longest chain
tol = 0.005 * total  # plan prints 3 significant digits
assert abs(wall[1] - total) < tol, (wall[1], total)
for w in (2, 3):
    lo, hi = max(total / w, chain), total / w + (1 - 1 / w) * chain
    assert lo - tol <= wall[w] <= hi + tol, (w, lo, wall[w], hi)
assert wall[3] <= wall[2] + tol, wall
# 3 HFSS searches on 2 workers: one worker runs two of them, after at least a TRAIN and a DFM
# (a bound that sum / W alone, the estimate before the simulation, misses by 0.3 h)
assert wall[2] >= first("train") + first("dfm") + 2 * first("hfss") - tol, wall
print(wall)
EOF
check $? "plan's wall: 1 worker = the sum; 2 and 3 workers within the list-scheduling bounds"
finish
