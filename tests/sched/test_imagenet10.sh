#!/usr/bin/env bash
# The imagenet10 dataset of a real sweep (what a user with ImageNet-10 runs, results/REPRODUCTION.md):
# $FSWEEP_IMAGENET10_DIR/{train,val}/<WordNet id>/*.png is read as an ImageFolder in PAPER.md 4's
# label order (airliner n02690373 = 0, ..., trailer truck n04467665 = 9; not the ids' byte order),
# resized to 224 x 224. Checked on a toy folder whose class brightness grows with the paper's label:
# the stored class spectra's DC grows with the class index, the class coordinate holds the
# paper's names; without the variable `fsweep plan` stops with one line naming it.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy PIL
$PY - "$tmp/in10" <<'PYEOF'
import os, sys
import numpy as np
from PIL import Image
wnids = ["n02690373", "n02814533", "n01833805", "n02123597", "n02403003",
         "n02099601", "n01644900", "n02391049", "n03095699", "n04467665"]  # PAPER.md 4 order
rng = np.random.default_rng(1)
for split in ("train", "val"):
    for i, w in enumerate(wnids):
        os.makedirs(f"{sys.argv[1]}/{split}/{w}")
        for j in range(2):
            a = np.clip(128 + 12 * i + rng.integers(-3, 4, size=(20, 24, 3)), 0, 255).astype("u1")
            Image.fromarray(a).save(f"{sys.argv[1]}/{split}/{w}/{j}.png")
PYEOF
check $? "a toy ImageNet-10 folder"
cat > "$tmp/i.ini" <<'INI'
[sweep]
runner = real
[axes]
datasets = imagenet10
archs = cnn:0.125
[analyses]
learning_order = false
dfm = false
tprfpr = false
[train]
epochs = 1
batch = 10
INI
env -u FSWEEP_IMAGENET10_DIR $B/fsweep plan "$tmp/i.ini" >"$tmp/p.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "i.ini:4: key 'datasets' (axes.datasets) = 'imagenet10': expected FSWEEP_IMAGENET10_DIR in the environment" "$tmp/p.log" && [ "$(wc -l <"$tmp/p.log")" = 1 ]
check $? "no FSWEEP_IMAGENET10_DIR: plan stops with one line (rc $rc)"
FSWEEP_IMAGENET10_DIR="$tmp/in10" $B/fsweep run "$tmp/i.ini" --store "$tmp/i.h5" -q >"$tmp/r.log" 2>&1
check $? "a real sweep on the folder"
$PY - "$tmp/i.h5" <<'PYEOF'
import sys, h5py, numpy as np
r = h5py.File(sys.argv[1], "r")["results/imagenet10"]
names = [c.decode() if isinstance(c, bytes) else c for c in r["class"][()]]
assert names[0] == "airliner" and names[7] == "zebra" and names[9] == "trailer truck", names
sp = r["class_spectrum"][()]            # (class, fy, fx), centred
assert sp.shape == (10, 224, 224), sp.shape
dc = sp[:, 112, 112]
assert (np.diff(dc) > 0).all(), dc      # brightness 128 + 12 i: label i in the paper's order
print("imagenet10 ok")
PYEOF
check $? "224 x 224, labels in PAPER.md 4's order (class spectra's DC grows with the label), names"
finish
