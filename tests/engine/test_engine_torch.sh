#!/usr/bin/env bash
# fsweep vs PyTorch for vit, vgg16, alexnet and resnet50 (tiny widths): train one epoch on toy data,
# evaluate 40 random 32x32 images with `fsweep eval --logits`, load each MODEL.h5 into a PyTorch /
# torchvision definition by state_dict names (strict) and compare logits (relative difference
# < 1e-4). Skipped when python3-torch / torchvision is not installed.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py torch torchvision h5py numpy
$PY - "$tmp" <<'PYEOF'
import sys, struct, numpy as np
d = sys.argv[1]; rng = np.random.default_rng(0)
x = rng.integers(0, 256, size=(40, 32, 32), dtype=np.uint8); y = rng.integers(0, 3, size=40).astype(np.uint8)
open(f"{d}/img.idx", "wb").write(struct.pack(">BBBBIII", 0, 0, 8, 3, 40, 32, 32) + x.tobytes())
open(f"{d}/lab.idx", "wb").write(struct.pack(">BBBBI", 0, 0, 8, 1, 40) + y.tobytes())
np.save(f"{d}/x.npy", (x.astype(np.float32) / 255)[:, None])
PYEOF
for a in "vit --set vit_depth=2 --set vit_dim=32 --set vit_heads=2" "vgg16 --set width=0.125" \
         "alexnet --set width=0.125" "resnet50 --set width=0.125"; do
  n=${a%% *}
  # shellcheck disable=SC2086
  $B/fsweep train --data toy:3:n=200:size=32:c=1 --arch $a --set epochs=1 --out "$tmp/$n.h5" >"$tmp/train.log" 2>&1 &&
    $B/fsweep eval "$tmp/$n.h5" --data "idx:$tmp/img.idx:$tmp/lab.idx" --logits "$tmp/${n}_z.h5" >"$tmp/eval.log" 2>&1
  check $? "fsweep train + eval --logits $n"
done
$PY tests/engine/engine_torch_parity.py "$tmp"
check $? "vit, vgg16, alexnet, resnet50 logits equal PyTorch's for the same state_dict"
finish
