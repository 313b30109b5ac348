#!/usr/bin/env bash
# test_analyses_cli.sh: `fsweep dfm | shortcut | heatmap` end to end on a tiny cnn trained on the
# built-in toy set: files written, serial and mpirun -np 2 removal and greedy DFMs identical, the
# greedy (DFM-X) maps feed shortcut and train --aug dfmx, the
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
# DFM-X's greedy DFM: classes 1 and 2 keep their grating and only it: a non-empty map inside the
# main lobe (amplitude >= half the largest non-DC bin) of the toy generator's class-c grating,
# 3 cycles at angle pi c / 3 (f_x = +-1.5 falls between two bins), averaged over phases; class 0 is what
# this model predicts for a blank image, so the search may strip it bare (a property of the
# greedy criterion, README). Same maps under mpirun -np 2; the file feeds `shortcut` and
# `train --aug dfmx`.
"$F" dfm m.h5 --data "$D" --method greedy --out dg.h5 >dg.log 2>&1
grep -q 'wrote dg.h5' dg.log && grep -q 't_tol 6 images' dg.log; check $? "dfm greedy"
$PY - dg.h5 <<'PYEOF'
import sys, h5py, numpy as np
g = h5py.File(sys.argv[1])
assert g.attrs["method"] in (b"greedy", "greedy")
dfm = g["dfm"][0]
assert g["dfm"].shape == (1, 3, 16, 16) and g["correct"].shape == (3, 2)
py, px = np.mgrid[0:16, 0:16]
for c in (1, 2):
    fx, fy = 3 * np.cos(np.pi * c / 3) / 16, 3 * np.sin(np.pi * c / 3) / 16
    e = sum(np.abs(np.fft.fftshift(np.fft.fft2(np.cos(2 * np.pi * (fx * px + fy * py) + ph))))
            for ph in np.linspace(0, 2 * np.pi, 8, endpoint=False))
    e[8, 8] = 0
    lobe = e >= 0.5 * e.max()
    assert dfm[c].sum() >= 2 and not (dfm[c] & ~lobe).any(), (c, np.argwhere(lobe), np.argwhere(dfm[c]))
    r = np.roll(dfm[c, ::-1, ::-1], 1, axis=(0, 1))  # r[i, j] = dfm[(16 - i) % 16, (16 - j) % 16]
    assert (dfm[c] == r).all()
PYEOF
check $? "greedy maps of classes 1, 2 lie in their grating's main lobe, conjugate-symmetric"
if command -v mpirun >/dev/null; then
  timeout 120 mpirun --oversubscribe -np 2 "$F" dfm m.h5 --data "$D" --method greedy --out dg2.h5 >dg2.log 2>&1
  $PY -c "import h5py,sys; assert (h5py.File(sys.argv[1])['dfm'][:] == h5py.File(sys.argv[2])['dfm'][:]).all()" dg.h5 dg2.h5 \
    && grep -q '2 rank(s)' dg2.log
  check $? "greedy: same maps under mpirun -np 2"
fi
"$F" shortcut m.h5 --dfm dg.h5 --data "$D" >scg.log 2>&1
grep -q 'TPR_dfm' scg.log; check $? "shortcut with greedy maps"
"$F" train --data toy:3:n=96:size=16:c=1 --arch cnn --set epochs=1 --set width=0.25 \
  --aug 'dfmx:p=0.5' --dfmx dg.h5 --out mx.h5 >mx.log 2>&1
[ -f mx.h5 ]; check $? "train --aug dfmx --dfmx with the greedy maps"
"$F" shortcut m.h5 --dfm d1.h5 --data "$D" --ood "toy:3:n=48:size=16:c=1:seed=9" --out sc.h5 >sc.log 2>&1
grep -q 'OOD set' sc.log && [ -f sc.h5 ]; check $? "shortcut with OOD"
"$F" shortcut m.h5 --dfm d1.h5 --data "$D" --ood fgsm:1 --ood "fgsm:1:$D" --controls 2 --out scf.h5 >scf.log 2>&1 &&
  $PY - scf.h5 <<'PY'
import h5py, numpy as np
f = h5py.File("scf.h5", "r")
clean, adv, adv2 = (f[f"set_{i}/tpr_org"][()] for i in range(3))
assert f["set_1"].attrs["spec"] == "fgsm:1"
assert (adv == adv2).all(), (adv, adv2)                    # default base = the --data set, deterministic
assert adv.mean() < clean.mean() - 0.2, (clean, adv)       # FGSM against this model lowers its recall
PY
check $? "shortcut --ood fgsm:EPS[:SPEC]: the FGSM copy against the model lowers TPR_org"
"$F" shortcut m.h5 --dfm d1.h5 --data "$D" --ood fgsm:0 >e5.log 2>&1; rc=$?
[ $rc = 2 ] && [ "$(grep -c . e5.log)" = 1 ] && grep -q "epsilon '0' is not a finite number > 0" e5.log
check $? "shortcut --ood fgsm:0: usage exit 2, one line, before any work (rc $rc): $(cat e5.log)"
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
