#!/usr/bin/env bash
# fsweep train's options beyond the engine's own tests: --curves records the learning order on
# each evaluation set (original and a band-stopped copy) at the scheduled steps and stores it in
# MODEL.h5 under /curves; --aug/--dfmx train with an augmentation pipeline including DFM-X
# (PAPER.md 10) from a DFM file; bad specs are one-line errors with exit 1.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
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
$B/fsweep dfm "$tmp/m.h5" --data 'syn:b1:test?n_per_class=10' --patch 4 --out "$tmp/d.h5" >"$tmp/d.log" 2>&1
check $? "fsweep dfm on the trained model"
$B/fsweep train --data 'syn:b1:train?n_per_class=60' --arch cnn --set epochs=1 --set width=0.5 \
  --aug 'flip,dfmx:p=0.5' --dfmx "$tmp/d.h5:0.1" --out "$tmp/x.h5" >"$tmp/x.log" 2>&1
check $? "train with --aug flip,dfmx --dfmx DFM.h5:0.1"
$PY -c "import h5py,sys; assert h5py.File(sys.argv[1])['/'].attrs['augmentation'] == 'flip,dfmx:p=0.5'" "$tmp/x.h5"
check $? "the model file records the augmentation"
$B/fsweep train --data 'fashion-mnist:train?n=50' --arch cnn --aug dfmx --dfmx "$tmp/d.h5" --out "$tmp/y.h5" >"$tmp/y.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "DFMs are 4 x 32x32, the training set needs 10 x 28x28" "$tmp/y.log"; check $? "DFMs of the wrong shape: exit 1 naming both shapes"
$B/fsweep train --data 'syn:b1:train?n_per_class=20' --arch cnn --aug bogus --out "$tmp/z.h5" >"$tmp/z.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "'bogus': unknown step" "$tmp/z.log"; check $? "unknown augmentation: exit 1 naming it"
# Determinism across thread counts, end to end: the same training with 1 and 3 engine threads
# (--threads and FSWEEP_THREADS) writes the same parameters, BN statistics and eval logits.
$B/fsweep train --data 'syn:b1:train?n_per_class=40' --arch resnet18 --set width=0.125 --set epochs=1 \
  --aug flip --threads 1 --out "$tmp/t1.h5" >"$tmp/t1.log" 2>&1 &&
FSWEEP_THREADS=3 $B/fsweep train --data 'syn:b1:train?n_per_class=40' --arch resnet18 --set width=0.125 \
  --set epochs=1 --aug flip --out "$tmp/t3.h5" >"$tmp/t3.log" 2>&1 &&
grep -q "3 engine thread(s)" "$tmp/t3.log" &&
$B/fsweep eval "$tmp/t1.h5" --data 'syn:b1:test?n_per_class=10' --logits "$tmp/l1.h5" >/dev/null 2>&1 &&
$B/fsweep eval "$tmp/t3.h5" --data 'syn:b1:test?n_per_class=10' --threads 2 --logits "$tmp/l3.h5" >/dev/null 2>&1 &&
$PY - "$tmp/t1.h5" "$tmp/t3.h5" "$tmp/l1.h5" "$tmp/l3.h5" <<'PYEOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) and n.startswith("state_dict") else None)
assert len(names) > 50, names
for n in names:
    assert np.array_equal(a[n][()], b[n][()]), n
la, lb = h5py.File(sys.argv[3], "r"), h5py.File(sys.argv[4], "r")
keys = [k for k in la.keys() if isinstance(la[k], h5py.Dataset)]
assert keys and all(np.array_equal(la[k][()], lb[k][()]) for k in keys), keys
PYEOF
check $? "1 and 3 threads: bitwise the same model file tensors and eval logits"
# The engine's AVX2 loops (Winograd transforms on CPUs without AVX-512) do the scalar loops'
# operations in the same order: FSWEEP_NO_AVX2=1 (the scalar loops) trains the same model.
# same_state_dict A.h5 B.h5 MIN: more than MIN state_dict tensors, all bitwise equal
same_state_dict() {
  $PY - "$1" "$2" "$3" <<'PYEOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) and n.startswith("state_dict") else None)
assert len(names) > int(sys.argv[3]) and all(np.array_equal(a[n][()], b[n][()]) for n in names)
PYEOF
}
FSWEEP_NO_AVX2=1 $B/fsweep train --data 'syn:b1:train?n_per_class=40' --arch resnet18 --set width=0.125 \
  --set epochs=1 --aug flip --threads 1 --out "$tmp/t0.h5" >"$tmp/t0.log" 2>&1 &&
  same_state_dict "$tmp/t1.h5" "$tmp/t0.h5" 50
check $? "AVX2 and scalar Winograd loops (FSWEEP_NO_AVX2=1): bitwise the same model"
# The same for a ViT: GELU, the attention softmax and layer norm (rows of 65 tokens and 36
# features leave scalar tails after the 8-wide loops).
vit_train() { # NO_AVX2 OUT.h5
  FSWEEP_NO_AVX2=$1 $B/fsweep train --data 'syn:b1:train?n_per_class=20' --arch vit --set vit_depth=2 \
    --set vit_dim=36 --set vit_heads=2 --set epochs=1 --set batch=16 --threads 1 --out "$2" >"$2.log" 2>&1
}
vit_train 0 "$tmp/v0.h5" && vit_train 1 "$tmp/v1.h5" && same_state_dict "$tmp/v0.h5" "$tmp/v1.h5" 20
check $? "ViT: AVX2 and scalar GELU, softmax and layer norm (FSWEEP_NO_AVX2=1): bitwise the same model"
finish
