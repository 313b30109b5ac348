#!/usr/bin/env bash
# test_r2_tables.sh: jobs/paper/r2_tables.py (the tables of results/REPRODUCTION.md, round 2) on
# stores of the real round-2 grids run by the fake runner (pseudo-values, same layout): every
# table is written, with one row per cell of the grid, and the augmentation table is consistent
# with itself (kept + removed = the classes of 'none', kept + created = those of the aug); the
# measured-cost table sums the store's task table; a store whose grid grew by a sitting with
# more augs still gives its tables (arrays written by the none models alone, the ood_* of
# transfer_augs = none, are shorter along aug: padded with NaN); the capacity table sets each
# capacity model (ResNet-50/8, ViT-tiny/4) beside r2_bc_fashion's with the counts as stored;
# r2_bc_vgg_aa (VGG-16/8 AutoAugment at 8 epochs) gets the verdict tables of its one cell and
# its per-seed counts beside r2_bc_fashion's 4-epoch cell and `none`, paired by seed; an
# (a) store with a set trained but not evaluated still gives the other sets' tables.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
mkdir -p "$tmp/raw" "$tmp/out"
for e in bc_fashion bc_vgg_aa bc_capacity bc_vit d_hfss dfmx; do
  { sed -e 's/^runner = real/runner = fake/' "jobs/paper/r2_$e.ini"; printf '\n[fake]\nms = 0\n'; } >"$tmp/$e.ini"
  "$B/fsweep-serial" run "$tmp/$e.ini" --store "$tmp/raw/r2_$e.h5" -q >"$tmp/$e.log" 2>&1
  check $? "fake-runner store of r2_$e.ini"
done
"$PY" jobs/paper/r2_tables.py "$tmp/raw" "$tmp/out" >"$tmp/tables.log" 2>&1
check $? "r2_tables.py runs on the six stores"
mkdir -p "$tmp/grow" "$tmp/gout"
"$B/fsweep-serial" run "$tmp/bc_fashion.ini" --store "$tmp/grow/r2_bc_fashion.h5" -q augs=none >"$tmp/g1.log" 2>&1 &&
  "$B/fsweep-serial" run "$tmp/bc_fashion.ini" --store "$tmp/grow/r2_bc_fashion.h5" -q augs=none,augmix >"$tmp/g2.log" 2>&1
check $? "grown grid: a sitting with augs = none, then one with augmix (as run_r2.sh AUGS= does)"
"$PY" -c 'import sys, h5py; r = h5py.File(sys.argv[1], "r")["results/fashion_mnist32"]
assert r["ood_specific"].shape[1] == 1 and r["tpr"].shape[1] == 2, (r["ood_specific"].shape, r["tpr"].shape)' \
  "$tmp/grow/r2_bc_fashion.h5"
check $? "grown grid: ood_* hold the none models only (aug extent 1), tpr both augs"
"$PY" jobs/paper/r2_tables.py "$tmp/grow" "$tmp/gout" >"$tmp/gtables.log" 2>&1 &&
  grep -qE '^\| vgg16:0.125 \| augmix \| 0\.' "$tmp/gout/bc_fashion.md" &&
  ! grep -qE '^\| [a-z0-9:.]+ \| augmix \| [0-9]+/[0-9]+' "$tmp/gout/bc_fashion.md"
check $? "r2_tables.py on the grown store: augmix verdict rows, no augmix transfer rows"
"$PY" - "$tmp/raw/r2_bc_fashion.h5" "$tmp/out/bc_fashion.md" <<'EOF'
import sys, h5py, re
t = h5py.File(sys.argv[1], "r")["tasks"][()]
ok = [r for r in t if r["status_name"] == b"ok"]
md = open(sys.argv[2]).read().split("### measured cost")[1]
m = re.search(r"^\| all \|  \|  \| (\d+) \|  \| ([0-9.]+) \|", md, re.M)
assert m and int(m.group(1)) == len(ok), (m and m.group(1), len(ok))
assert abs(float(m.group(2)) - sum(float(r["wall"]) for r in ok) / 3600) < 0.006, m.group(2)
sh = re.search(r"^\| shortcut \| resnet18:0.125 \| autoaugment \| (\d+) \|", md, re.M)
assert sh and int(sh.group(1)) == 30, "per kind, arch and aug: 10 classes x 3 seeds"
print("cost table ok")
EOF
check $? "measured-cost table: the task count and core-hours of the store, rows per kind, arch, aug"

"$PY" - "$tmp/out" "$tmp/raw" <<'EOF'
import re, sys, h5py, numpy as np
out, raw = sys.argv[1], sys.argv[2]
def tab(md, title):
    """rows (lists of cells) of the table under the heading containing title"""
    part = md.split("### ")
    sec = [p for p in part if p.startswith(title) or title in p.split("\n")[0]]
    assert len(sec) == 1, (title, len(sec))
    rows = [l for l in sec[0].split("\n") if l.startswith("| ")][1:]  # without the header
    return [[c.strip() for c in r.strip("|").split("|")] for r in rows]
bc = open(out + "/bc_fashion.md").read()
ok = True
def want(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok &= bool(cond)
want(len(tab(bc, "shortcut verdicts")) == 6, "verdict table: 2 archs x 3 augs")
ctl = tab(bc, "shortcuts against their controls")
want(len(ctl) == 60, "controls table: 6 cells x 10 classes")
want(all(re.match(r"^P\d/3 S\d/3$", r[-1]) for r in ctl), "controls table: verdict counts over 3 seeds")
aug = tab(bc, "augmentation against none")
want(len(aug) == 4, "augmentation table: 2 archs x 2 augs against none")
names = lambda c: [] if c == "none" else [x.strip() for x in c.split(",")]
cons = True
for r in aug:
    n0, n1 = (int(x) for x in r[2].split(" -> "))
    kept, rem, new = names(r[3]), names(r[4]), names(r[5])
    cons &= len(kept) + len(rem) == n0 and len(kept) + len(new) == n1 and not set(rem) & set(new)
want(cons, "augmentation table: kept + removed = none's, kept + created = aug's")
ood = tab(bc, "shortcut transfer to corrupted data")
want(len(ood) == 4 and [r[1] for r in ood] == ["none", "none", "survival share", "accuracy"],
     "OOD transfer table: the 2 none models (transfer_augs = none) + 2 rows per set")
want(re.search(r"Spearman rank correlation between the two across the sets: [+-][01]\.\d\d over 17 sets", bc), "OOD transfer: the rank correlation over the 17 sets")
want([r[1] for r in tab(bc, "cross-architecture transfer")] == ["none", "none"],
     "cross-architecture table: 2 directions x the none models (transfer_augs = none)")
d = open(out + "/d_hfss.md").read()
want(len(tab(d, "HFSS against removal maps")) == 10, "HFSS table: 10 classes")
hs = tab(d, "HFSS against removal, over all classes")
hr = h5py.File(raw + "/r2_d_hfss.h5", "r")["results/fashion_mnist32"]
sp = hr["hfss_specific"][()][0, 0, 0]  # (seed, map, class)
want(len(hs) == 3 and [r[1] for r in hs[:2]] == ["HFSS", "removal"] and
     [r[3] for r in hs[:2]] == ["%d/30" % np.nansum(sp[:, m]) for m in (0, 1)],
     "HFSS summary: specific counts of each map over the 30 (class, seed) cells, as stored")
def spec_counts(path, arch, aug="none"):
    """per-seed count of specific classes of the (ARCH, AUG) models at T = 0.05, as stored"""
    f = h5py.File(path, "r")["results/fashion_mnist32"]
    a = [v.decode() for v in f["arch"][()]].index(arch)
    g = [v.decode() for v in f["aug"][()]].index(aug)
    ti = list(f["T"][()]).index(0.05)
    return np.nansum(f["specific"][a, g, 0, :, ti], axis=1)  # (seed,)
for e, arch in (("bc_capacity", "resnet50:0.125"), ("bc_vit", "vit_tiny:0.25")):
    cap = tab(open(out + "/" + e + ".md").read(), "capacity: each model against ResNet-18/8")
    want([r[1] for r in cap] == ["resnet18:0.125", "vgg16:0.125", arch], e + ": capacity rows ResNet-18, VGG-16, " + arch)
    mine, base = spec_counts(raw + "/r2_" + e + ".h5", arch), spec_counts(raw + "/r2_bc_fashion.h5", "resnet18:0.125")
    cell = cap[2][6].split()
    want(cell[0] == "%.1f" % mine.mean() and abs(float(cell[1]) - (mine.mean() - base.mean())) < 6e-4 and
         cap[0][6] == "%.1f" % base.mean(), e + ": specific count per seed %s and its difference to ResNet-18/8, as stored" % cap[2][6])
va = open(out + "/bc_vgg_aa.md").read()
want([r[:2] for r in tab(va, "shortcut verdicts")] == [["vgg16:0.125", "autoaugment"]] and
     len(tab(va, "shortcuts against their controls")) == 10,
     "bc_vgg_aa: the one cell's verdict row and its 10 classes against the controls")
def spec_seed(path, arch, aug):  # {seed label: spec_counts}
    seeds = [str(v) for v in h5py.File(path, "r")["results/fashion_mnist32/seed"][()]]
    return dict(zip(seeds, spec_counts(path, arch, aug)))
rt = tab(va, "the retrained cell against")
new8 = spec_seed(raw + "/r2_bc_vgg_aa.h5", "vgg16:0.125", "autoaugment")
want([r[2:5] for r in rt] == [["autoaugment", "8", "this store"], ["autoaugment", "4", "r2_bc_fashion"],
                               ["none", "4", "r2_bc_fashion"]], "bc_vgg_aa: retrained cell beside the 4-epoch cell and none (epochs from the configs)")
for row, aug in ((rt[1], "autoaugment"), (rt[2], "none")):
    old = spec_seed(raw + "/r2_bc_fashion.h5", "vgg16:0.125", aug)
    d = np.mean([new8[k] - old[k] for k in new8])
    m = re.match(r"([0-9.]+), this store - it ([+-][0-9.]+) ", row[8])
    want(rt[0][8] == "%.1f" % np.mean(list(new8.values())) and m and m.group(1) == "%.1f" % np.mean(list(old.values()))
         and abs(float(m.group(2)) - d) < 6e-4, "bc_vgg_aa: paired specific-count difference to %s as stored: %s" % (aug, row[8]))
x = open(out + "/dfmx.md").read()
want(len(tab(x, "DFM-X accuracy")) == 4, "DFM-X accuracy table: 4 augs")
want(len(tab(x, "DFM-X minus reference")) == 4, "DFM-X differences: 2 dfmx augs x (baseline, control)")
sys.exit(0 if ok else 1)
EOF
check $? "tables have their rows and are consistent"
# a partial sweep: Syn_B1's models trained, none evaluated (a sitting stopped after its TRAIN
# tasks): the other sets still get their tables, Syn_B1 a line that says so, exit 0
mkdir -p "$tmp/part" "$tmp/pout"
{ sed -e 's/^runner = real/runner = fake/' jobs/paper/r2_a_syn_cifar.ini; printf '\n[fake]\nms = 0\n'; } >"$tmp/a_syn_cifar.ini"
"$B/fsweep-serial" run "$tmp/a_syn_cifar.ini" --store "$tmp/part/r2_a_syn_cifar.h5" -q >"$tmp/part.log" 2>&1 &&
  "$PY" -c 'import sys, h5py; g = h5py.File(sys.argv[1], "r+")["results/Syn_B1"]; del g["test_acc"]' "$tmp/part/r2_a_syn_cifar.h5" &&
  "$PY" jobs/paper/r2_tables.py "$tmp/part" "$tmp/pout" >"$tmp/ptables.log" 2>&1 &&
  grep -q '^no evaluated model yet' "$tmp/pout/a_syn_cifar.md" &&
  grep -q '^### Syn_B2' "$tmp/pout/a_syn_cifar.md"
check $? "a_syn_cifar store with Syn_B1 trained but not evaluated: tables for the rest, a line for Syn_B1"
finish
