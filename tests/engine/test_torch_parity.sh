#!/usr/bin/env bash
# fsweep vs PyTorch: train a tiny ResNet-18 on 400 Fashion-MNIST images, evaluate 64 test images with
# `fsweep eval --logits`, load MODEL.h5 into PyTorch by state_dict names and compare the logits
# (relative difference < 1e-4, same predictions). Skipped when python3-torch is not installed.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py torch h5py numpy
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || skip "dataset-fashion-mnist not installed"
$B/fsweep train --data 'fashion-mnist:train?n=400' --arch resnet18 --set epochs=1 --set width=0.125 \
  --out "$tmp/m.h5" >"$tmp/train.log" 2>&1
check $? "fsweep train resnet18 (width 1/8)"
$B/fsweep eval "$tmp/m.h5" --data 'fashion-mnist:test?n=64&stratified=0' --logits "$tmp/z.h5" >"$tmp/eval.log" 2>&1
check $? "fsweep eval --logits"
$PY - "$tmp/x.npy" <<'PYEOF'
import gzip, sys, numpy as np
raw = gzip.open("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").read()
x = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 1, 28, 28)[:64].astype(np.float32) / 255
np.save(sys.argv[1], x)
PYEOF
$PY tests/engine/torch_parity.py "$tmp/m.h5" "$tmp/z.h5" "$tmp/x.npy"
check $? "logits equal PyTorch's for the same state_dict"
finish
