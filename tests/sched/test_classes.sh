#!/usr/bin/env bash
# The classes axis (issue 13 point 1): a real sweep whose DFM and SHORTCUT tasks run per class
# (the default) writes bitwise the same store arrays as the same sweep with one task per model
# (per_class = false), although the per-class DFM tasks pack their class's images into other
# batches (several masks per forward pass); a class selection computes exactly those classes'
# slices (the others stay NaN) with the same values; `fsweep plan` lists the per-class tasks and
# their costs; resume of a per-class sweep skips what is stored; bad selections stop at plan time.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/c.ini" <<'INI'
[sweep]
runner = real
seed = 4
[axes]
datasets = tiny
archs = cnn:0.25
seeds = 0, 1
[analyses]
dfm_parts = 3
shortcut_controls = 4
[train]
epochs = 2
batch = 64
n_test = 27
INI
# tiny: 3 classes, 27 test images (9 per class), batch 64: one all-class DFM task packs 2 masks
# (54 images) per forward pass, a per-class one 7 masks of its 9 images (15 masks: 7, 7, 1)
$B/fsweep plan "$tmp/c.ini" >"$tmp/plan.log" 2>&1; check $? "fsweep plan"
grep -q 'dfm/tiny/cnn:0.25/none/all/s0/c2/p1' "$tmp/plan.log" && grep -q 'shortcut/tiny/cnn:0.25/none/all/s1/c0' "$tmp/plan.log"
check $? "plan lists per-class DFM and SHORTCUT tasks"
grep -q 'dfm 18, shortcut 6' "$tmp/plan.log"; check $? "plan counts 2 models x 3 classes x 3 parts DFM tasks"
awk '$4 == "dfm/tiny/cnn:0.25/none/all/s0/c1/p0" && $3 + 0 > 3.3 && $3 + 0 < 3.34 {f=1} END {exit !f}' "$tmp/plan.log"
check $? "plan: a per-class DFM task costs dfm_s / parts / classes (30 / 3 / 3 s)"
$B/fsweep run "$tmp/c.ini" --store "$tmp/pc.h5" -q >"$tmp/pc.log" 2>&1; check $? "per-class run"
$B/fsweep run "$tmp/c.ini" --store "$tmp/pm.h5" -q per_class=false >"$tmp/pm.log" 2>&1; check $? "per-model run"
$PY -c "
import h5py,sys
k=[x.decode() for x in h5py.File(sys.argv[1],'r')['tasks'][:]['key']]
import re
assert sum(bool(re.match(r'dfm/.*/c[0-9]+/p[0-9]+$', x)) for x in k) == 18, k
k=[x.decode() for x in h5py.File(sys.argv[2],'r')['tasks'][:]['key']]
assert sum(x.startswith('dfm/') for x in k) == 6 and not any(re.search(r'/c[0-9]', x) for x in k), k" "$tmp/pc.h5" "$tmp/pm.h5"
check $? "18 per-class DFM tasks against 6 per-model ones"
$PY tests/sweep_compare.py --arrays-only "$tmp/pc.h5" "$tmp/pm.h5"; check $? "per-class == per-model: every store array bitwise"
$B/fsweep run "$tmp/c.ini" --store "$tmp/other.h5" -q seed=9 >"$tmp/o.log" 2>&1
$PY tests/sweep_compare.py --arrays-only "$tmp/pc.h5" "$tmp/other.h5" >/dev/null; [ $? = 1 ]
check $? "another seed differs (the comparison can fail)"
# a selection: classes 0 and 2 only; their slices equal the full run's, class 1 is NaN
$B/fsweep run "$tmp/c.ini" --store "$tmp/sel.h5" -q classes=0,2 >"$tmp/sel.log" 2>&1; check $? "run with classes = 0,2"
$PY - "$tmp/pc.h5" "$tmp/sel.h5" <<'PYEOF'; check $? "classes = 0,2: those slices bitwise as in the full run, class 1 NaN"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["results/tiny"] for p in sys.argv[1:3])
n = 0
for name in ("dfm_score", "dfm", "tpr", "fpr", "tpr_ci", "tpr_org", "ctl_tpr_p95", "inj", "tpr_cross"):
    dims = a[name].attrs["fsweep_dims"].split(",")
    ax = dims.index("dfm_class") if "dfm_class" in dims else dims.index("class")
    u, v = a[name][()], b[name][()]
    for c in (0, 2):
        assert np.array_equal(np.take(u, c, axis=ax), np.take(v, c, axis=ax), equal_nan=True), name
    assert np.isnan(np.take(v, 1, axis=ax)).all(), name
    assert np.isfinite(np.take(v, 0, axis=ax)).any(), name
    n += 1
assert n == 9
PYEOF
# resume: a second run skips every stored task; a class added later runs only its tasks
$B/fsweep run "$tmp/c.ini" --store "$tmp/sel.h5" classes=0,2 >"$tmp/re.log" 2>&1; check $? "resume of the selection"
grep -q 'from earlier runs' "$tmp/re.log" && ! grep -q '] done' "$tmp/re.log"; check $? "resume ran nothing new"
$B/fsweep run "$tmp/c.ini" --store "$tmp/sel.h5" -q >"$tmp/re2.log" 2>&1; check $? "classes = all extends the selection's store"
$PY tests/sweep_compare.py --arrays-only "$tmp/pc.h5" "$tmp/sel.h5"; check $? "extended store == the full per-class run"
# plan-time errors: file, line and value
printf '[sweep]\nrunner = real\n[axes]\ndatasets = Syn_B1\narchs = cnn\nclasses = 0-4\n' >"$tmp/bad.ini"
$B/fsweep plan "$tmp/bad.ini" >"$tmp/bad.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "bad.ini:6: key 'classes'.*'0-4'.*Syn_B1 has 4 classes" "$tmp/bad.log" && [ "$(wc -l <"$tmp/bad.log")" = 1 ]
check $? "classes = 0-4 on Syn_B1: one line naming file, line and value (rc $rc)"
printf '[sweep]\nrunner = real\n[axes]\ndatasets = fashion_mnist\narchs = cnn\nclasses = Trouser, Boot\n' >"$tmp/bad.ini"
$B/fsweep plan "$tmp/bad.ini" >"$tmp/bad.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "bad.ini:6: key 'classes'.*'Boot'.*Ankle boot" "$tmp/bad.log"; check $? "an unknown class name lists the names (rc $rc)"
finish
