#!/usr/bin/env bash
# test_ood_cmd.sh: `fsweep ood` writes the CIFAR-10-C layout that numpy and the cifar10c:/npy:
# specs read back; bad arguments exit non-zero with one line. `fsweep data` and `fsweep adcs`
# exit codes too.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

"$B"/fsweep ood --data "syn:b2:test?n_per_class=3" --out "$tmp/o" --names gaussian_noise,bandstop,fog --seed 4 >"$tmp/log" 2>&1
check $? "fsweep ood runs"
[ -f "$tmp/o/gaussian_noise.npy" ] && [ -f "$tmp/o/fog.npy" ] && [ -f "$tmp/o/bandstop_2_4.npy" ] && [ ! -f "$tmp/o/contrast.npy" ]
check $? "only the named sets are written"
$PY - "$tmp/o" <<'PY'
import sys, numpy as np
d = sys.argv[1]
g = np.load(f"{d}/gaussian_noise.npy"); l = np.load(f"{d}/labels.npy")
b = np.load(f"{d}/bandstop_1_2.npy"); lb = np.load(f"{d}/labels_band.npy")
assert g.shape == (60, 32, 32, 3) and g.dtype == np.uint8, g.shape
assert l.shape == (60,) and lb.shape == (12,) and (l[:12] == lb).all() and (l[12:24] == lb).all()
assert b.shape == (12, 32, 32, 3) and b.dtype == np.float32
# severity 5 is noisier than severity 1 (same clean images underneath)
s1, s5 = g[:12].astype(float), g[48:].astype(float)
assert np.abs(np.diff(s5, axis=2)).mean() > np.abs(np.diff(s1, axis=2)).mean()
PY
check $? "numpy reads shapes, dtypes and labels"
"$B"/fsweep data --data "cifar10c:$tmp/o:gaussian_noise:2" >"$tmp/log" 2>&1 && grep -q "12 images, 3 x 32 x 32" "$tmp/log"
check $? "cifar10c: spec reads a severity back"
"$B"/fsweep data --data "npy:$tmp/o/bandstop_3_4.npy:$tmp/o/labels_band.npy?unclipped=1" >"$tmp/log" 2>&1 && grep -q "12 images" "$tmp/log"
check $? "npy: spec reads a band set back"
"$B"/fsweep ood --data "syn:b2:test?n_per_class=3" >/dev/null 2>&1; rc=$?
[ $rc = 2 ]; check $? "missing --out exits 2 (got $rc)"
"$B"/fsweep ood --data "nope:1" --out "$tmp/x" 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ]; check $? "bad spec exits 1 with one line (got $rc)"
"$B"/fsweep ood --data "syn:b2:test?n_per_class=3" --out "$tmp/y" --names nothing 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "no known corruption" "$tmp/err"; check $? "unknown --names exits 1"
"$B"/fsweep ood --data "syn:b2:test?n_per_class=3" --out "$tmp/z" --names snow,fgsm 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "FGSM needs a model" "$tmp/err" && [ ! -e "$tmp/z" ]
check $? "--names fgsm exits 1 with one line, writes nothing (rc $rc)"
"$B"/fsweep ood --data "fashion-mnist:test?n=10" --out "$tmp/g" --names glass_blur,zoom_blur,snow,frost,elastic_transform >"$tmp/log" 2>&1 &&
  $PY -c "
import numpy as np
for n in ('glass_blur', 'zoom_blur', 'snow', 'frost', 'elastic_transform'):
    a = np.load('$tmp/g/%s.npy' % n); assert a.shape == (50, 28, 28, 1) and a.dtype == np.uint8, (n, a.shape)
" && grep -q "^frost severities 0.2 0.3 0.4 0.4 0.45" "$tmp/g/ood_meta.txt"
check $? "fsweep ood writes the issue-13 corruptions of a grey set"
"$B"/fsweep data --data "fashion-mnist:DIR_THAT_DOES_NOT_EXIST:test" 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "DIR_THAT_DOES_NOT_EXIST" "$tmp/err"; check $? "fsweep data: missing file exits 1 naming it"
"$B"/fsweep adcs --data "syn:b1:test?n_per_class=4" --variant nope >/dev/null 2>&1; rc=$?
[ $rc = 2 ]; check $? "fsweep adcs: bad --variant exits 2 (got $rc)"
"$B"/fsweep adcs --data "syn:b1:test?n_per_class=4" --out "$tmp/a.h5" >/dev/null 2>&1 && $PY -c "
import h5py; f = h5py.File('$tmp/a.h5'); assert f['adcs'].shape == (4, 32, 32) and f['E'].shape == (4, 3, 32, 32)
assert f.attrs['variant'] == 'paper' and list(f['class_count'][:]) == [4, 4, 4, 4]"
check $? "fsweep adcs writes the HDF5 file"
finish
