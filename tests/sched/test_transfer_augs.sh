#!/usr/bin/env bash
# transfer_augs (issue 15 point 6, the cost of the transfer analyses): the models whose aug it
# names get shortcut_ood (inside their SHORTCUT tasks) and XFER tasks; the others get neither.
# Checks: the plan has XFER tasks for the named aug only, and shortcut_ood_s adds to the named
# aug's SHORTCUT estimates only; every array of a transfer_augs = none store equals the
# transfer_augs = all store's bitwise, except the other aug's ood_*/xfer_* cells, which are NaN
# (the models that keep the analyses are measured the same; the others' own SHORTCUT numbers are
# unchanged); the fake runner leaves the same cells NaN; changing the key on a store is refused
# without --force, and the refusal names the stored value (and a key an older store lacks); a misspelt aug stops `fsweep plan` with one line; `fsweep plan --store`
# estimates a new seed's SHORTCUT tasks from the stored ones of the same arch and the same
# transfer analyses (a none and a flip task differ by the shortcut_ood part).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/t.ini" <<'INI'
[sweep]
runner = real
seed = 7
[axes]
datasets = Syn_B1
archs = cnn:0.25, cnn:0.5
augs = none, flip
ood = gaussian_noise:3
[analyses]
learning_order = false
adcs = false
dfm_patch = 2
dfm_parts = 1
dfm_T = 0.05
shortcut_controls = 3
shortcut_ood = true
shortcut_ood_controls = 2
shortcut_xfer = true
dfm_holdout = true
transfer_augs = none
[train]
epochs = 1
batch = 32
n_train = 160
n_test = 40
[cost]
shortcut_s = 40
shortcut_ood_s = 100
INI
$B/fsweep plan "$tmp/t.ini" --list >"$tmp/plan.log" 2>&1; check $? "fsweep plan"
n_x=$(grep -c '^[0-9].* xfer/' "$tmp/plan.log")
[ "$n_x" = 2 ] && ! grep -q 'xfer/Syn_B1/[^ ]*/flip/' "$tmp/plan.log"
check $? "XFER tasks for the none models only ($n_x)"
grep -qE '^[0-9]+ +todo +35 +shortcut/Syn_B1/cnn:0.25/none/all/s0/c0' "$tmp/plan.log" &&
  grep -qE '^[0-9]+ +todo +10 +shortcut/Syn_B1/cnn:0.25/flip/all/s0/c0' "$tmp/plan.log"
check $? "shortcut_ood_s in the none models' SHORTCUT estimates only ((40 + 100) / 4 vs 40 / 4)"
$B/fsweep plan "$tmp/t.ini" transfer_augs=none,fl1p >"$tmp/bad.log" 2>&1; rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$tmp/bad.log")" = 1 ] && grep -q "transfer_augs) = 'none,fl1p': expected all, or a comma list of augmentations ('fl1p' is neither" "$tmp/bad.log"
check $? "a misspelt aug: one line at plan time (rc $rc)"
$B/fsweep run "$tmp/t.ini" --store "$tmp/n.h5" -q >"$tmp/n.log" 2>&1; check $? "real run, transfer_augs = none"
$B/fsweep run "$tmp/t.ini" --store "$tmp/a.h5" -q transfer_augs=all >"$tmp/a.log" 2>&1; check $? "real run, transfer_augs = all"
$B/fsweep run "$tmp/t.ini" --store "$tmp/f.h5" -q runner=fake >"$tmp/f.log" 2>&1; check $? "fake run, transfer_augs = none"
$PY - "$tmp/n.h5" "$tmp/a.h5" "$tmp/f.h5" <<'PYEOF'
import sys, h5py, numpy as np
n, a, f = (h5py.File(p, "r")["results/Syn_B1"] for p in sys.argv[1:4])
lab = lambda g, k: [x.decode() if isinstance(x, bytes) else x for x in g[k][()]]
assert lab(n, "aug") == ["none", "flip"]
moved = [k for k in n if k.startswith(("ood_", "xfer_")) and isinstance(n[k], h5py.Dataset)
         and n[k].dtype.kind == "f" and n[k].ndim >= 5]
assert any(k.startswith("ood_tpr") for k in moved) and any(k.startswith("xfer_tpr") for k in moved), moved
same = 0
for k in n:
    if not isinstance(n[k], h5py.Dataset) or n[k].dtype.kind != "f":
        continue
    x, y = n[k][()], a[k][()]
    if k in moved and not k.startswith("ood_acc"):  # (dataset?) arch, aug, band, seed, ...: aug axis 1
        assert np.array_equal(x[:, 0], y[:, 0], equal_nan=True), k + ": the none models differ"
        assert np.isnan(x[:, 1]).all(), k + ": the flip models have transfer numbers"
        assert np.isfinite(y[:, 1]).any(), k + ": transfer_augs = all measured nothing"
        assert np.isnan(f[k][:, 1]).all() and np.isfinite(f[k][:, 0]).any(), k + ": the fake runner"
    else:
        assert np.array_equal(x, y, equal_nan=True), k
        same += 1
print("transfer_augs ok: %d transfer arrays, %d others equal" % (len(moved), same))
PYEOF
check $? "transfer_augs = none: the none models bitwise as with all, the flip models NaN in ood_*/xfer_* only"
$B/fsweep plan "$tmp/t.ini" --store "$tmp/n.h5" --list seeds=0,1 >"$tmp/p2.log" 2>&1; check $? "plan with the store and a new seed"
$PY - "$tmp/n.h5" "$tmp/p2.log" <<'PYEOF'
import sys, h5py, numpy as np, re
t = h5py.File(sys.argv[1], "r")["tasks"][()]
plan = open(sys.argv[2]).read()
ests = dict((k, float(e)) for e, k in re.findall(r"^\d+ +todo +(\S+) +(\S+)", plan, re.M))
for arch in ("cnn:0.25", "cnn:0.5"):
    for aug in ("none", "flip"):
        w = [r["wall"] for r in t if r["kind"] == b"shortcut" and r["arch"].decode() == arch
             and r["aug"].decode() == aug and r["status_name"] == b"ok"]
        e = ests["shortcut/Syn_B1/%s/%s/all/s1/c0" % (arch, aug)]
        assert len(w) == 4 and abs(e - np.mean(w)) <= 0.0051 * np.mean(w), (arch, aug, e, np.mean(w))
assert re.search(r"core-hours left \(\d+ of \d+ task estimates from measured mean times", plan)
print("plan estimates ok")
PYEOF
check $? "plan --store: a new seed's SHORTCUT estimates = the stored mean of the same arch and transfer"
$B/fsweep run "$tmp/t.ini" --store "$tmp/n.h5" -q transfer_augs=all >"$tmp/r.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "made with another config (stored values: \[analyses\] transfer_augs = none);" "$tmp/r.log"
check $? "another transfer_augs on the store: refused without --force, naming the stored value (rc $rc)"
# a store from before the key: its config text has no transfer_augs line
cp "$tmp/n.h5" "$tmp/old.h5"
$PY - "$tmp/old.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
t = f.attrs["config"]
t = t.decode() if isinstance(t, bytes) else t
f.attrs["config"] = "\n".join(l for l in t.split("\n") if not l.startswith("transfer_augs"))
PYEOF
$B/fsweep run "$tmp/t.ini" --store "$tmp/old.h5" -q dfm_T=0.1 >"$tmp/o.log" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "(stored values: \[analyses\] dfm_T = 0.05; keys the store was made without: \[analyses\] transfer_augs = none);" "$tmp/o.log"
check $? "the refusal names the changed value and the key the store lacks (rc $rc)"
finish
