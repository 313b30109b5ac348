#!/usr/bin/env bash
# Runs every ```python snippet of README.md (sweep section) and results/README.md with
# /usr/bin/python3 against a fresh store made by `fsweep run` (fake runner), with the path
# "results/quickstart.h5" replaced by the store's. Also checks what the snippets rely on: named
# dimensions through xarray and the task table through pandas. Skips when the Python packages
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
finish
