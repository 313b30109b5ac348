#!/usr/bin/env bash
# Runs every ```python snippet of README.md (sweep section) and results/README.md with
# /usr/bin/python3 against a fresh store made by `fsweep run` (fake runner), with the path
# "results/quickstart.h5" replaced by the store's. Also checks what the snippets rely on: named
# dimensions through xarray and the task table through pandas; every dimension labelled (sel by
# class name, T and frequency; the fy/fx of a toy grating's spectrum in a small real run; ckpt =
# steps) and a store written before the labels resuming. Skips when the Python packages
# (python3-h5py, python3-pandas, python3-xarray, python3-h5netcdf) are missing.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py pandas xarray h5netcdf
store="$tmp/q.h5"
$B/fsweep run jobs/quickstart.ini --store "$store" -q runner=fake datasets=Syn_B1,fashion_mnist32 ms=0 \
  augs=none,flip dfm_T=0.01,0.05,0.1,0.2 fail=train/Syn_B1/ fail_attempts=1 >"$tmp/run.log" 2>&1
check $? "fsweep run makes a store"
n=0
for doc in README.md results/README.md; do
  # extract the python blocks
  $PY - "$doc" "$tmp" <<'PYEOF'
import re, sys
doc, tmp = sys.argv[1], sys.argv[2]
text = open(doc).read()
if doc == "README.md":  # only the sweep section's snippets (others may need e.g. torch)
    m = re.search(r"<!-- section: sweep.*?-->(.*?)(?:<!-- section:|\Z)", text, re.S)
    text = m.group(1) if m else ""
blocks = re.findall(r"```python\n(.*?)```", text, re.S)
for i, b in enumerate(blocks):
    open(f"{tmp}/{doc.replace('/', '_')}.{i}.py", "w").write(b)
print(len(blocks))
PYEOF
  for s in "$tmp/${doc//\//_}".*.py; do
    [ -f "$s" ] || continue
    n=$((n+1))
    sed -i "s#results/quickstart.h5#$store#" "$s"
    (cd "$tmp" && $PY "$s") >"$s.out" 2>&1; rc=$?
    [ $rc = 0 ] || cat "$s.out"
    check $rc "$doc snippet $(basename "$s")"
  done
done
[ $n -ge 6 ]; check $? "found $n snippets (3 per file)"
$PY - "$store" <<'PYEOF'
import sys
import numpy as np
import xarray as xr
import h5py
p = sys.argv[1]
ds = xr.open_dataset(p, engine="h5netcdf", group="results/Syn_B1")
assert ds.test_acc.dims == ("arch", "aug", "band", "seed", "test_band"), ds.test_acc.dims
assert list(ds.arch.values) == [a.decode() for a in h5py.File(p, 'r')['axes/arch'][:]] and ds.sizes['arch'] == 2, ds.arch.values
assert ds.dfm.dims[-2:] == ("fy", "fx") and ds.dfm.sizes["fy"] == 32
assert list(ds["T"].values) == [0.01, 0.05, 0.1, 0.2]
assert np.isfinite(ds.test_acc.values).all()
assert np.isfinite(ds.class_acc_curve.values).all()
fm = xr.open_dataset(p, engine="h5netcdf", group="results/fashion_mnist32")
assert fm.sizes["class"] == 10 and fm.adcs.shape == (10, 32, 32), fm.adcs.shape
m = xr.open_dataset(p, engine="h5netcdf", group="models/Syn_B1/" + str(ds.arch.values[0]))
assert m.weights.dims == ("aug", "band", "seed", "param") and m.weights.dtype == np.float32
f = h5py.File(p, "r")
assert f.attrs["config"].startswith("[sweep]") and len(f.attrs["config_hash"]) == 16
assert f["history"].shape == (1,) and f["tasks"].shape[0] == len(set(f["tasks"]["key"])) + 4  # 4 retried trains
print("xarray/h5py structure ok")
PYEOF
check $? "named dimensions, coordinates and provenance"

# Labelled arrays (issue 13 point 4): every dim of every result array has a coordinate; sel by
# class name, threshold and frequency picks the element h5py finds by index.
$PY - "$store" <<'PYEOF'
import sys
import numpy as np
import xarray as xr
import h5py
p = sys.argv[1]
f = h5py.File(p, "r")
for g in ("Syn_B1", "fashion_mnist32"):
    ds = xr.open_dataset(p, engine="h5netcdf", group="results/" + g)
    bare = [d for d in ds.dims if d not in ds.coords]
    assert not bare, (g, "dimensions without coordinates", bare)
    for d in ("class", "pred", "dfm_class"):
        if d in ds.coords:
            assert ds[d].dtype == object, (g, d, ds[d].dtype)
    assert list(ds.epoch.values) == list(range(1, ds.sizes["epoch"] + 1)), ds.epoch.values
    n = ds.sizes["fy"]
    assert list(ds.fy.values) == list(range(-n // 2, n // 2)) and (ds.fx.values == ds.fy.values).all()
    assert list(ds.pa.values) == list(range(ds.sizes["pa"])) and list(ds.bound.values) == ["lo", "hi"]
    m = xr.open_dataset(p, engine="h5netcdf", group="models/%s/%s" % (g, ds.arch.values[0]))
    assert [d for d in m.dims if d not in m.coords] == ["param"], m.dims  # a pure index
fm = xr.open_dataset(p, engine="h5netcdf", group="results/fashion_mnist32")
raw = f["results/fashion_mnist32"]
assert list(fm["class"].values[:2]) == ["T-shirt/top", "Trouser"] and fm.sizes["class"] == 10
trouser = fm.dfm.sel(**{"class": "Trouser"}, T=0.05)
assert trouser.dims == ("arch", "aug", "band", "seed", "fy", "fx"), trouser.dims
assert np.array_equal(trouser.values, raw["dfm"][:, :, :, :, 1, 1], equal_nan=True)
a = fm.adcs.sel(fy=0, fx=3)  # DC at index 16 of 32: fy = 0 is row 16, fx = 3 column 19
assert np.array_equal(a.values, raw["adcs"][:, 16, 19]) and a.dims == ("class",), a.dims
cross = fm.tpr_cross.sel(dfm_class="Bag", **{"class": "Bag"}, T=0.05)
assert np.array_equal(cross.values, fm.tpr.sel(**{"class": "Bag"}, T=0.05).values)  # the diagonal
print("labelled arrays ok")
PYEOF
check $? "every dimension labelled; sel by class name, T and frequency"

# A real run on toy gratings: class 0 is a grating of 3 cycles per image along x, so its mean
# spectrum peaks (DC aside) at exactly fy = 0, fx = -3 and +3; ckpt = the step of each checkpoint.
cat > "$tmp/r.ini" <<'INI'
[sweep]
runner = real
[axes]
datasets = tiny
archs = cnn:0.25
test_bands = all, bandpass:1
ood = gaussian_noise:3
[analyses]
dfm_parts = 1
heatmap = true
hfss = false
shortcut_controls = 5
; checkpoints every 2 steps to step 6, then every 5, and at both epoch ends (12 steps)
lo_dense_every = 2
lo_dense_until = 6
lo_sparse_every = 5
[train]
epochs = 2
batch = 16
INI
$B/fsweep run "$tmp/r.ini" --store "$tmp/r.h5" -q >"$tmp/r.log" 2>&1
check $? "a small real sweep"
$PY - "$tmp/r.h5" <<'PYEOF'
import sys
import numpy as np
import xarray as xr
ds = xr.open_dataset(sys.argv[1], engine="h5netcdf", group="results/tiny")
bare = [d for d in ds.dims if d not in ds.coords]
assert not bare, ("dimensions without coordinates", bare)
assert list(ds["class"].values) == ["0", "1", "2"] and list(ds.fy.values) == list(range(-4, 4))
sp = ds.class_spectrum.sel(**{"class": "0"}).where((ds.fy != 0) | (ds.fx != 0))
v = np.nan_to_num(sp.values, nan=-1).ravel()  # DC masked out
top = v.argsort()[-2:]
peaks = sorted((int(sp.fy[i // 8]), int(sp.fx[i % 8])) for i in top)
assert peaks == [(0, -3), (0, 3)], peaks
assert v[top].min() > 3 * np.sort(v)[-3], "the grating's bins stand out"
assert np.array_equal(ds.ckpt.values, ds.lo_step.values.reshape(-1, ds.sizes["ckpt"])[0])
assert ds.ckpt.values[0] == 0 and (np.diff(ds.ckpt.values) > 0).all(), ds.ckpt.values
last = int(ds.ckpt.values[-1])  # the run's last step, the end of epoch 2
want = {s for s in range(last + 1) if (s <= 6 and s % 2 == 0) or (s > 6 and s % 5 == 0)}
want |= {last // 2, last}  # epoch ends
assert last == 12 and sorted(want) == [0, 2, 4, 6, 10, 12] and sorted(want) == [int(v) for v in ds.ckpt.values], (last, ds.ckpt.values)
assert list(ds.ood.values) == ["gaussian_noise:3"] and list(ds.test_band.values) == ["all", "bandpass:1"]
assert ds.lo_acc.sel(ckpt=ds.ckpt.values[-1], test_band="all", **{"class": "0"}).size == 1
PYEOF
check $? "real run: fy/fx of a known-frequency spectrum, ckpt = steps on the lo_* schedule, no bare dims"

# A store written before coordinates existed (dims as netCDF dimensions without values) still
# resumes: its dims stay index-only, new results land in them.
cat > "$tmp/t.ini" <<'INI'
[axes]
datasets = tiny
archs = a1
[fake]
ms = 0
INI
$B/fsweep run "$tmp/t.ini" --store "$tmp/old.h5" -q >"$tmp/t.log" 2>&1
check $? "a fake store to age"
$PY - "$tmp/old.h5" <<'PYEOF'
import sys
import h5py
NC = "This is a netCDF dimension but not a netCDF variable."
with h5py.File(sys.argv[1], "r+") as f:
    g = f["results/tiny"]
    for dim in ("class", "pred", "dfm_class", "fy", "fx", "pa", "pb", "epoch", "bound"):
        if dim not in g:
            continue
        sc, users = g[dim], []
        for name, obj in g.items():
            if isinstance(obj, h5py.Dataset) and obj.ndim:
                for i in range(obj.ndim):
                    if any(s.name == sc.name for s in obj.dims[i].values()):
                        obj.dims[i].detach_scale(sc)
                        users.append((obj, i))
        n = sc.shape[0]
        del g[dim]
        new = g.create_dataset(dim, (n,), dtype="f4", chunks=(n,))
        new.make_scale(NC + "%10d" % n)
        for obj, i in users:
            obj.dims[i].attach_scale(new)
PYEOF
check $? "h5py turns its coordinates back into bare dimensions"
$B/fsweep run "$tmp/t.ini" --store "$tmp/old.h5" -q seeds=0,1 >>"$tmp/t.log" 2>&1
check $? "the aged store resumes with a new seed: $(tail -1 "$tmp/t.log")"
$PY - "$tmp/old.h5" <<'PYEOF'
import sys
import numpy as np
import xarray as xr
ds = xr.open_dataset(sys.argv[1], engine="h5netcdf", group="results/tiny")
assert "class" not in ds.coords and "fy" not in ds.coords and ds.sizes["seed"] == 2
assert np.isfinite(ds.test_acc.sel(seed=1).values).all() and np.isfinite(ds.dfm.sel(seed=1).values).all()
PYEOF
check $? "old dims stay index-only; the new seed's results are stored"
finish
