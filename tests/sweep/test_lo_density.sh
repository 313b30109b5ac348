#!/usr/bin/env bash
# Learning-curve checkpoints observe training without changing it: r2_a_lo_dense.ini (one-step
# checkpoints) measures the same models as r2_a_syn_cifar.ini (every 5 steps) only if this holds.
# The same real sweep (ResNet-18/8, Syn_B3, r2_a_lo_dense.ini's recipe, shrunk to 640 training
# images, 1 epoch, 80 test images: 20 steps) run with a checkpoint every step and every 5 steps:
# the weights, the training loss, the test accuracy and the margin AUC at the shared checkpoints
# are bit-identical, and the dense store has a checkpoint at every step.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
sed -e 's/^n_train = .*/n_train = 640/' -e 's/^epochs = .*/epochs = 1/' -e 's/^n_test = .*/n_test = 80/' \
  -e 's/^datasets = .*/datasets = Syn_B3/' -e 's/^seeds = .*/seeds = 0/' jobs/paper/r2_a_lo_dense.ini >"$tmp/d1.ini"
grep -q '^lo_dense_every = 1$' "$tmp/d1.ini"
check $? "r2_a_lo_dense.ini checkpoints every step"
sed -e 's/^lo_dense_every = .*/lo_dense_every = 5/' "$tmp/d1.ini" >"$tmp/d5.ini"
$B/fsweep-serial run "$tmp/d1.ini" --store "$tmp/d1.h5" -q >"$tmp/d1.log" 2>&1 &&
  $B/fsweep-serial run "$tmp/d5.ini" --store "$tmp/d5.h5" -q >"$tmp/d5.log" 2>&1
check $? "the sweep with checkpoints every step and every 5 steps"
"$PY" - "$tmp/d1.h5" "$tmp/d5.h5" <<'PYEOF'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
w = "models/Syn_B3/resnet18:0.125/weights"
assert np.array_equal(a[w][()], b[w][()]), "weights differ"
ra, rb = a["results/Syn_B3"], b["results/Syn_B3"]
for k in ("train_loss", "test_acc", "class_acc"):
    assert np.array_equal(ra[k][()], rb[k][()], equal_nan=True), k + " differs"
sa, sb = ra["lo_step"][0, 0, 0, 0], rb["lo_step"][0, 0, 0, 0]  # (ckpt,) of the one model
n = int(np.nanmax(sa))
assert n >= 15 and list(sa[: n + 1]) == list(range(n + 1)), sa  # every step 0..n
assert list(sb[:4]) == [0, 5, 10, 15], sb
idx = [list(sa).index(s) for s in sb if np.isfinite(s)]
assert np.array_equal(ra["lo_auc"][()][..., idx, :, :], rb["lo_auc"][()][..., : len(idx), :, :]), "AUC at shared steps"
print("steps", n, "shared checkpoints", len(idx))
PYEOF
check $? "same weights, loss, accuracy and AUC at the shared checkpoints; dense store has every step"
finish
