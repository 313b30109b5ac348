#!/usr/bin/env bash
# fsweep train --curves: the learning order is recorded on each evaluation set (original and a
# band-stopped copy) at the scheduled steps and stored in MODEL.h5 under /curves; a bad --curves
# spec is a one-line error with exit 1.
set -u
B=${FSWEEP_BUILD:-build}
PY=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { if [ "$1" = 0 ]; then pass=$((pass+1)); echo "ok   $2"; else fail=$((fail+1)); echo "FAIL $2"; fi; }
$B/fsweep train --data 'syn:b1:train?n_per_class=120' --arch cnn --set epochs=2 --set width=0.5 \
  --curves 'syn:b1:test?n_per_class=20' --curves 'ood:bandstop:1,2:syn:b1:test?n_per_class=20' \
  --out "$tmp/m.h5" >"$tmp/log" 2>&1
check $? "train with two --curves sets"
grep -q "learning order on syn:b1:test" "$tmp/log"; check $? "prints the learned-first class"
# steps are recorded at 0, every 10 up to 100 and at each epoch end (PAPER.md 5)
$PY - "$tmp/m.h5" <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
c = f["curves"]
steps = c["learning_steps"][()]
assert steps[0] == 0 and np.all(np.diff(steps) > 0), steps
T = len(steps)
assert c["learning_acc"].shape == (T, 2, 4) and c["learning_auc"].shape == (T, 2, 4)
assert c["learning_confusion"].shape == (T, 2, 4, 4)
conf = c["learning_confusion"][()]
assert np.all(conf.sum(axis=(2, 3)) == 80), conf.sum(axis=(2, 3))       # 20 images x 4 classes
acc = c["learning_acc"][()]
diag = np.diagonal(conf, axis1=2, axis2=3) / conf.sum(axis=3)
assert np.allclose(acc, diag), "accuracy = confusion diagonal / row sums"
assert 10 in steps, steps
PYEOF
check $? "/curves holds steps, accuracy, AUC and confusion consistent with each other"
$B/fsweep train --data 'syn:b1:train?n_per_class=20' --arch cnn --curves 'nosuch:x' --out "$tmp/x.h5" >"$tmp/e.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "nosuch" "$tmp/e.log"; check $? "bad --curves spec: exit 1 naming the spec (rc $rc)"
echo "test_train_curves.sh: $pass passed, $fail failed"
[ $fail = 0 ]
