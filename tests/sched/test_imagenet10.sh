#!/usr/bin/env bash
# The imagenet10 dataset of a real sweep (what a user with ImageNet-10 runs, results/REPRODUCTION.md):
# $FSWEEP_IMAGENET10_DIR/{train,val}/<WordNet id>/*.png is read as an ImageFolder in PAPER.md 4's
# label order (airliner n02690373 = 0, ..., trailer truck n04467665 = 9; not the ids' byte order),
# resized to 224 x 224. Checked on a toy folder whose class brightness grows with the paper's label:
# the stored class spectra's DC grows with the class index, the class coordinate holds the
# paper's names; without the variable `fsweep plan` stops with one line naming it. imagenet10_sin
# (PAPER.md: SIN) trains on $FSWEEP_SIN_DIR/train and tests on ImageNet-10's val; ood in_sct reads
# ImageNet-SCT from $FSWEEP_INSCT_DIR (classes by position), also under shortcut_ood.
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

# ---- imagenet10_sin: trains on $FSWEEP_SIN_DIR/train, tests on ImageNet-10's val images
cp -r "$tmp/in10/train" "$tmp/sin_bad" && rm -r "$tmp/sin_bad/n02391049"
mkdir -p "$tmp/sin" && cp -r "$tmp/in10/train" "$tmp/sin/train"
mkdir -p "$tmp/sinb" && mv "$tmp/sin_bad" "$tmp/sinb/train"
FSWEEP_IMAGENET10_DIR="$tmp/in10" env -u FSWEEP_SIN_DIR $B/fsweep plan "$tmp/i.ini" datasets=imagenet10_sin >"$tmp/p2.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "expected FSWEEP_SIN_DIR in the environment for dataset imagenet10_sin" "$tmp/p2.log" && [ "$(wc -l <"$tmp/p2.log")" = 1 ]
check $? "imagenet10_sin without FSWEEP_SIN_DIR: plan stops with one line (rc $rc)"
FSWEEP_IMAGENET10_DIR="$tmp/in10" FSWEEP_SIN_DIR="$tmp/sinb" $B/fsweep run "$tmp/i.ini" --store "$tmp/sb.h5" datasets=imagenet10_sin retries=0 >"$tmp/sb.log" 2>&1
grep -q "sinb/train" "$tmp/sb.log" && grep -q "n02391049" "$tmp/sb.log"
check $? "a SIN folder without the zebra class: the TRAIN task names the SIN folder and the missing class"
FSWEEP_IMAGENET10_DIR="$tmp/in10" FSWEEP_SIN_DIR="$tmp/sin" $B/fsweep run "$tmp/i.ini" --store "$tmp/s.h5" -q datasets=imagenet10_sin >"$tmp/s.log" 2>&1
check $? "a real sweep on imagenet10_sin"
$PY - "$tmp/i.h5" "$tmp/s.h5" <<'PYEOF'
import sys, h5py, numpy as np
a = h5py.File(sys.argv[1], "r")["results/imagenet10"]
b = h5py.File(sys.argv[2], "r")["results/imagenet10_sin"]
assert np.array_equal(a["class_spectrum"][()], b["class_spectrum"][()]), "the test split is ImageNet-10's val"
assert [c.decode() if isinstance(c, bytes) else c for c in b["class"][()]][7] == "zebra"
PYEOF
check $? "imagenet10_sin's test split is ImageNet-10's val (same class spectra), its names"

# ---- ood in_sct: ImageNet-SCT from $FSWEEP_INSCT_DIR, classes paired by position
$PY - "$tmp/sct" <<'PYEOF'
import os, sys
import numpy as np
from PIL import Image
names = ["a_military_aircraft", "b_car", "c_lorikeet", "d_tabby_cat", "e_holstein",
         "f_labrador_retriever", "g_tree_frog", "h_horse", "i_fishing_vessel", "j_fire_truck"]
rng = np.random.default_rng(2)
for i, n in enumerate(names):
    os.makedirs(f"{sys.argv[1]}/{n}")
    for j in range(3):
        a = np.clip(128 + 12 * i + rng.integers(-20, 21, size=(24, 20, 3)), 0, 255).astype("u1")
        Image.fromarray(a).save(f"{sys.argv[1]}/{n}/{j}.png")
PYEOF
check $? "a toy ImageNet-SCT folder (3 images per class)"
set -- ood=in_sct dfm=true tprfpr=true dfm_patch=16 dfm_parts=1 per_class=false dfm_T=0.05 shortcut_controls=2 shortcut_ood=true
FSWEEP_IMAGENET10_DIR="$tmp/in10" env -u FSWEEP_INSCT_DIR $B/fsweep plan "$tmp/i.ini" "$@" >"$tmp/p3.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "in_sct: expected FSWEEP_INSCT_DIR in the environment" "$tmp/p3.log" && [ "$(wc -l <"$tmp/p3.log")" = 1 ]
check $? "ood in_sct without FSWEEP_INSCT_DIR: plan stops with one line (rc $rc)"
FSWEEP_INSCT_DIR="$tmp/sct" $B/fsweep plan "$tmp/i.ini" "$@" datasets=Syn_B1 >"$tmp/p4.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "in_sct (ImageNet-SCT) pairs with the 10 classes of imagenet10" "$tmp/p4.log" && [ "$(wc -l <"$tmp/p4.log")" = 1 ]
check $? "ood in_sct on Syn_B1: plan stops with one line (rc $rc)"
FSWEEP_IMAGENET10_DIR="$tmp/in10" FSWEEP_INSCT_DIR="$tmp/sct" $B/fsweep run "$tmp/i.ini" --store "$tmp/o.h5" -q "$@" >"$tmp/o.log" 2>&1
check $? "a real sweep with ood = in_sct and shortcut_ood"
$PY - "$tmp/o.h5" <<'PYEOF'
import sys, h5py, numpy as np
r = h5py.File(sys.argv[1], "r")["results/imagenet10"]
assert [o.decode() if isinstance(o, bytes) else o for o in r["ood"][()]] == ["in_sct"]
org = r["ood_tpr_org"][0, 0, 0, 0]          # (ood, class): over the 3 IN-SCT images per class
acc = r["ood_acc"][0, 0, 0, 0]
assert np.allclose(org * 3, np.round(org * 3)) and np.allclose(org.mean(1), acc, atol=1e-12), (org, acc)
t = r["ood_tpr"][0, 0, 0, 0]
assert t.shape == (1, 10) and np.allclose(t * 3, np.round(t * 3)), t
print("in_sct ok", acc)
PYEOF
check $? "in_sct: rates over its 3 images per class, the OOD task's accuracy = the mean unfiltered TPR"
finish
