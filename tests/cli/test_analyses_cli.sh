#!/usr/bin/env bash
# test_analyses_cli.sh: `fsweep dfm | shortcut | heatmap` end to end on a tiny cnn trained on the
# built-in toy set: files written, serial and mpirun -np 2 removal DFMs print identical maps, the
# class-0 grating frequency (0,-3) is class 0's strongest bin, bad input exits non-zero with one
# line naming the problem. Prints "N passed, N failed".
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
F="$PWD/$B/fsweep"
cd "$tmp" || exit 1
D="toy:3:n=48:size=16:c=1:seed=2"
"$F" train --data toy:3:n=192:size=16:c=1 --arch cnn --set epochs=4 --set width=0.25 --out m.h5 >train.log 2>&1
[ -f m.h5 ]; check $? "train tiny cnn"
"$F" dfm m.h5 --data "$D" --out d1.h5 >d1.log 2>&1
grep -q 'wrote d1.h5' d1.log; check $? "dfm removal"
grep -E '^0 ' d1.log | grep -q '(0,-3)'; check $? "class 0 strongest bin is its grating (0,-3)"
if command -v mpirun >/dev/null; then
  timeout 120 mpirun --oversubscribe -np 2 "$F" dfm m.h5 --data "$D" --out d2.h5 >d2.log 2>&1
  grep -q '2 rank(s)' d2.log && [ -f d2.h5 ]; check $? "dfm removal under mpirun -np 2"
  diff <(grep -E '^[0-9]+ ' d1.log) <(grep -E '^[0-9]+ ' d2.log) >/dev/null && grep -qE '^2 ' d1.log
  check $? "same maps as one rank"
fi
"$F" dfm m.h5 --data "$D" --method screen --screen grad --compare --out ds.h5 >ds.log 2>&1
grep -q 'IoU@5' ds.log && [ -f ds.h5 ]; check $? "dfm screen --compare"
"$F" dfm m.h5 --data "$D" --method hfss --blocks 4,2,1 --budgets 24,24,24 --parents 4 --out dh.h5 >dh.log 2>&1
grep -q 'wrote dh.h5' dh.log; check $? "dfm hfss"
"$F" shortcut m.h5 --dfm d1.h5 --data "$D" --ood "toy:3:n=48:size=16:c=1:seed=9" --out sc.h5 >sc.log 2>&1
grep -q 'OOD set' sc.log && [ -f sc.h5 ]; check $? "shortcut with OOD"
"$F" shortcut m.h5 --dfm dh.h5 --data "$D" >sch.log 2>&1
grep -q 'TPR_dfm' sch.log; check $? "shortcut with HFSS maps"
"$F" shortcut m.h5 --dfm d1.h5 --data "$D" --controls 12 --seed 3 --out r1.h5 >r1.log 2>&1
"$F" shortcut m.h5 --dfm d1.h5 --data "$D" --controls 12 --seed 3 --out r2.h5 >r2.log 2>&1
grep -q 'ctl_p95' r1.log && grep -qE '^2 .*(strong|shortcut|no) +(specific|no) *$' r1.log
check $? "shortcut prints controls and both verdicts"
if /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null; then
  /usr/bin/python3 - r1.h5 r2.h5 <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
g = a["set_0"]
need = ["ctl_tpr", "ctl_fpr", "ctl_inj", "ctl_tpr_p95", "p_tpr", "inj_dfm", "inj_dfm_ci",
        "tpr_disc", "tpr_cross", "specific", "tpr_dfm_ci"]
assert all(n in g for n in need), [n for n in need if n not in g]
assert g["ctl_tpr"].shape == (3, 12) and g["tpr_dfm_ci"].shape == (3, 2)
for n in g:
    assert g[n][()].tobytes() == b["set_0"][n][()].tobytes(), n
lo, hi = g["tpr_dfm_ci"][:, 0], g["tpr_dfm_ci"][:, 1]
t = g["tpr_dfm"][()]
assert np.all(lo <= t) and np.all(t <= hi)
PY
  check $? "shortcut --out: control arrays, bitwise the same on a rerun"
  if command -v mpirun >/dev/null; then
    timeout 120 mpirun --oversubscribe -np 3 "$F" shortcut m.h5 --dfm d1.h5 --data "$D" --controls 12 --seed 3 --out r3.h5 >r3.log 2>&1
    grep -q 'controls over 3 rank(s)' r3.log && /usr/bin/python3 - r1.h5 r3.h5 <<'PY'
import sys, h5py
a, b = h5py.File(sys.argv[1], "r")["set_0"], h5py.File(sys.argv[2], "r")["set_0"]
assert sorted(a) == sorted(b)
for n in a:
    assert a[n][()].tobytes() == b[n][()].tobytes(), n
PY
    check $? "shortcut controls spread over 3 ranks: bitwise the same arrays"
  fi
fi
"$F" shortcut m.h5 --dfm d1.h5 --data "$D" --controls -1 >e4.log 2>&1; rc=$?
[ $rc = 2 ] && [ "$(wc -l <e4.log)" = 1 ] && grep -q -- '--controls' e4.log; check $? "bad --controls: usage exit, one line"
"$F" heatmap m.h5 --data "$D" --out h.h5 >h.log 2>&1
grep -q 'wrote h.h5' h.log; check $? "heatmap"
"$F" dfm m.h5 --data "$D" --patch 3 --out x.h5 >e1.log 2>&1; rc=$?
[ $rc = 2 ] && [ "$(wc -l <e1.log)" = 1 ] && grep -q 'patch size 3' e1.log; check $? "bad patch: usage exit, one line"
"$F" shortcut m.h5 --dfm m.h5 --data "$D" >e2.log 2>&1; rc=$?
[ $rc = 1 ] && grep -q 'fsweep-dfm' e2.log; check $? "not a DFM file"
"$F" dfm missing.h5 --data "$D" --out x.h5 >e3.log 2>&1; rc=$?
[ $rc = 1 ] && grep -q 'missing.h5' e3.log; check $? "missing model"
finish
