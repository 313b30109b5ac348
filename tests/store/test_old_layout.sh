#!/usr/bin/env bash
# A store written before 2026-12-07 holds a model of over 1 M parameters in chunks of one value
# (hundreds of MB, GBs of memory to resume). `fsweep run` on such a store moves it aside (kept as
# STORE.old-layout-TIME) and rebuilds it from its journal, with chunks of many values and every
# result array as it was; without a journal it warns and goes on. The old layout is made here by
# rewriting a fake sweep's weights with h5py (chunks=(1,1,1,1)), since fsweep no longer writes it.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/s.ini" <<'INI'
[sweep]
name = old_layout
seed = 3
[axes]
datasets = tiny
archs = a1
augs = none
seeds = 0, 1
[fake]
ms = 0
INI
$B/fsweep-serial run "$tmp/s.ini" --store "$tmp/s.h5" -q >"$tmp/run.log" 2>&1
check $? "a fake sweep makes a store"
relayout() {
  $PY - "$1" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
p = "models/tiny/a1/weights"
d = f[p]
data, attrs = d[()], dict(d.attrs)
scales = [(i, [s.name for s in d.dims[i].values()]) for i in range(d.ndim)]
for i, names in scales:
    for n in names:
        d.dims[i].detach_scale(f[n])
del f[p]
n = f.create_dataset(p, data=data, chunks=(1,) * data.ndim, maxshape=(None,) * (data.ndim - 1) + (data.shape[-1],))
for k, v in attrs.items():
    if k not in ("DIMENSION_LIST",):
        n.attrs[k] = v
for i, names in scales:
    for s in names:
        n.dims[i].attach_scale(f[s])
assert n.chunks == (1,) * data.ndim
PY
}
cp "$tmp/s.h5" "$tmp/ref.h5"
relayout "$tmp/s.h5"; check $? "weights rewritten in one-value chunks (the old layout)"
$B/fsweep-serial run "$tmp/s.ini" --store "$tmp/s.h5" >"$tmp/r2.log" 2>&1
check $? "run on the old-layout store succeeds"
grep -q "stored in chunks of one value" "$tmp/r2.log" && grep -q "rebuilding from" "$tmp/r2.log" &&
  ls "$tmp"/s.h5.old-layout-* >/dev/null 2>&1
check $? "it says why, keeps the old file as s.h5.old-layout-TIME and rebuilds from the journal"
$PY - "$tmp/ref.h5" "$tmp/s.h5" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
w = b["models/tiny/a1/weights"]
assert w.chunks is not None and np.prod(w.chunks) > 1, w.chunks
assert np.array_equal(a["models/tiny/a1/weights"][()], w[()])
n = []
def same(name, o):
    if isinstance(o, h5py.Dataset) and name.startswith("results"):
        x, y = o[()], b[name][()]
        eq = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)
        assert x.shape == y.shape and eq, name
        n.append(name)
a.visititems(same)
assert n and len(b["tasks"]) == len(a["tasks"])
PY
check $? "rebuilt: weights in chunks of many values, weights and every result array as before"
cp "$tmp/ref.h5" "$tmp/nj.h5"
relayout "$tmp/nj.h5"
$B/fsweep-serial run "$tmp/s.ini" --store "$tmp/nj.h5" >"$tmp/r3.log" 2>&1 &&
  grep -q "no journal to rebuild it from, continuing as it is" "$tmp/r3.log" && ! ls "$tmp"/nj.h5.old-layout-* >/dev/null 2>&1
check $? "without a journal: a warning, the store used as it is"
finish
