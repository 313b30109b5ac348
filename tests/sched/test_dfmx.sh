#!/usr/bin/env bash
# DFM-X inside the sweep (issue 13 point 2): an aug value dfmx:p=P:from=AUG[:method=...][:T=...]
# trains with the DFMs of the same dataset/arch/band/seed model trained with AUG. Shown here: the
# dfmx TRAIN task's key and its dependencies in `fsweep plan`; a real run completes, the dfmx
# train runs after its source's maps are stored, and the maps it trained with (dfmx_maps) equal
# the source's stored maps (dfm at T for removal, dfm_greedy for greedy); each dfmx model equals
# bitwise a standalone `fsweep train --aug dfmx:p=P --dfmx MAPS.h5` with the maps exported from the
# store and the stored model seed (and differs from one without the maps); the same under mpirun
# with 3 ranks; resume across the edge (the source finished in an earlier run; a kill -9 while
# the dfmx train runs); plan-time errors naming file, line and value.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/x.ini" <<'INI'
[sweep]
runner = real
seed = 4
[axes]
datasets = tiny
archs = cnn:0.25
augs = dfmx:p=0.5:from=none, none, dfmx:method=greedy:from=none
seeds = 0
[analyses]
dfm_parts = 2
shortcut_controls = 2
dfm_greedy_tol = 1
[train]
epochs = 2
batch = 64
n_test = 27
INI
# ---- plan: the dfmx train tasks and their edges
$B/fsweep plan "$tmp/x.ini" >"$tmp/plan.log" 2>&1; check $? "fsweep plan"
grep -q 'train/tiny/cnn:0.25/dfmx:p=0.5:from=none/all/s0  (needs dfm/tiny/cnn:0.25/none/all/s0/c0/p0 and 5 more' "$tmp/plan.log"
check $? "plan: the removal dfmx train needs the source's 6 DFM tasks (3 classes x 2 parts)"
grep -q 'train/tiny/cnn:0.25/dfmx:method=greedy:from=none/all/s0  (needs dfm_greedy/tiny/cnn:0.25/none/all/s0)$' "$tmp/plan.log"
check $? "plan: the greedy dfmx train needs the source's dfm_greedy task"
grep -q 'dfm_greedy 1, xfer 0)' "$tmp/plan.log"; check $? "plan: one dfm_greedy task (only the greedy source needs one)"
awk '$4 ~ /^dfm_greedy\/tiny/ {g=$1} $4 ~ /^train\/tiny\/cnn:0.25\/dfmx:method/ {t=$1} END {exit !(g && t && g < t)}' "$tmp/plan.log"
check $? "plan: the dfmx model's tasks come after its source's"
$B/fsweep plan "$tmp/x.ini" augs=none >"$tmp/plan0.log" 2>&1
! grep -q 'dfm_greedy/' "$tmp/plan0.log" && grep -q 'dfm_greedy 0, xfer 0)' "$tmp/plan0.log"
check $? "plan: no dfmx aug, no dfm_greedy task"

# ---- the run; the dfmx trains start after their sources' maps are stored
$B/fsweep run "$tmp/x.ini" --store "$tmp/a.h5" >"$tmp/a.log" 2>&1; check $? "real run with dfmx augs"
awk '/done +dfm\/tiny\/cnn:0.25\/none\// {last=NR} /done +train\/tiny\/cnn:0.25\/dfmx:p/ {t=NR}
     /done +dfm_greedy\// {g=NR} /done +train\/tiny\/cnn:0.25\/dfmx:method/ {tg=NR}
     END {exit !(last && t > last && g && tg > g)}' "$tmp/a.log"
check $? "each dfmx train finished after its source's DFM (greedy) tasks"
$PY - "$tmp/a.h5" "$tmp" <<'PYEOF'; check $? "dfmx_maps == the source's stored maps (dfm at T=0.05; dfm_greedy); maps and seeds exported"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
r = f["results/tiny"]
augs = [a.decode() if isinstance(a, bytes) else a for a in r["aug"][()]]
src, rem, gre = (augs.index(a) for a in ("none", "dfmx:p=0.5:from=none", "dfmx:method=greedy:from=none"))
T = list(r["T"][()])
dfm = r["dfm"][0, src, 0, 0, T.index(0.05)]          # (class, fy, fx)
greedy = r["dfm_greedy"][0, src, 0, 0]
assert dfm.shape == (3, 8, 8) and np.isin(dfm, (0, 1)).all() and dfm.sum() > 0
assert np.array_equal(r["dfmx_maps"][0, rem, 0, 0], dfm)
assert np.array_equal(r["dfmx_maps"][0, gre, 0, 0], greedy) and np.isin(greedy, (0, 1)).all()
assert np.isnan(r["dfmx_maps"][0, src]).all()          # a plain model has none
assert np.isnan(r["dfm_greedy"][0, rem]).all()         # only the source's greedy maps are computed
for name, maps, method in (("rem", dfm, "removal"), ("gre", greedy, "greedy")):
    o = h5py.File(f"{sys.argv[2]}/{name}_maps.h5", "w")
    o["dfm"] = maps[None].astype("u1")
    o["thresholds"] = np.array([0.05 if method == "removal" else maps.mean()])
    o.attrs["format"], o.attrs["version"], o.attrs["method"] = "fsweep-dfm", np.int64(1), method
    o.close()
for name, g in (("rem", rem), ("gre", gre)):
    hi, lo = r["model_seed"][0, g, 0, 0]
    open(f"{sys.argv[2]}/{name}_seed", "w").write(str(int(hi) << 32 | int(lo)))
PYEOF
# standalone retraining with the exported maps and the stored seed: bitwise the sweep's model
cmp_model() { # MODEL.h5 AUG-VALUE: 0 when every float tensor of MODEL.h5 is, bitwise, a run of the
  # store's flat weights of that model, and they account for all of them
  $PY - "$tmp/a.h5" "$1" "$2" <<'PYEOF'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
augs = [a.decode() if isinstance(a, bytes) else a for a in f["results/tiny/aug"][()]]
w = f["models/tiny/cnn:0.25/weights"][augs.index(sys.argv[3]), 0, 0].astype("<f4").tobytes()
n = 0
ok = True
def visit(name, obj):
    global n, ok
    if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f":
        at = w.find(obj[()].astype("<f4").ravel().tobytes())
        ok = ok and at >= 0 and at % 4 == 0
        n += obj.size
h5py.File(sys.argv[2], "r")["state_dict"].visititems(visit)
sys.exit(0 if ok and n * 4 == len(w) else 1)
PYEOF
}
TR="$B/fsweep train --data toy:3:n=96:size=8:c=1:seed=1 --arch cnn --set width=0.25 --set epochs=2
    --set batch=64 --set lr=0.05 --set weight_decay=0.0005"
# shellcheck disable=SC2086  # TR is a word list
$TR --set seed="$(cat "$tmp/rem_seed")" --aug 'dfmx:p=0.5' --dfmx "$tmp/rem_maps.h5:0.05" --out "$tmp/rem.h5" >"$tmp/t.log" 2>&1
check $? "standalone train with the removal maps"
cmp_model "$tmp/rem.h5" "dfmx:p=0.5:from=none"; check $? "removal dfmx model == standalone fsweep train --dfmx, bitwise"
# shellcheck disable=SC2086
$TR --set seed="$(cat "$tmp/gre_seed")" --aug 'dfmx:p=0.3' --dfmx "$tmp/gre_maps.h5" --out "$tmp/gre.h5" >"$tmp/t.log" 2>&1
check $? "standalone train with the greedy maps"
cmp_model "$tmp/gre.h5" "dfmx:method=greedy:from=none"; check $? "greedy dfmx model == standalone, bitwise (default p = 0.3)"
# shellcheck disable=SC2086
$TR --set seed="$(cat "$tmp/rem_seed")" --out "$tmp/plain.h5" >"$tmp/t.log" 2>&1
! cmp_model "$tmp/plain.h5" "dfmx:p=0.5:from=none"; check $? "the same seed without the maps differs (the comparison can fail)"

# ---- rank count: 3 ranks give the same store arrays
if command -v mpirun >/dev/null; then
  timeout 300 mpirun --oversubscribe -np 3 -x OPENBLAS_NUM_THREADS $B/fsweep run "$tmp/x.ini" \
    --store "$tmp/np3.h5" -q >"$tmp/np3.log" 2>&1; check $? "mpirun -np 3"
  $PY tests/sweep_compare.py "$tmp/a.h5" "$tmp/np3.h5"; check $? "3 ranks == serial, bitwise (dfmx models included)"
else
  echo "SKIP mpirun run: mpirun not found"
fi

# ---- resume across the edge: the sources in one run, the dfmx models in the next
$B/fsweep run "$tmp/x.ini" --store "$tmp/r.h5" -q augs=none >"$tmp/r1.log" 2>&1; check $? "run 1: the source only"
$B/fsweep run "$tmp/x.ini" --store "$tmp/r.h5" >"$tmp/r2.log" 2>&1; check $? "run 2: adds the dfmx models"
grep -q 'from earlier runs' "$tmp/r2.log" && grep -Eq 'done +train/tiny/cnn:0.25/dfmx:p' "$tmp/r2.log" &&
  ! grep -Eq 'done +dfm/tiny/cnn:0.25/none/' "$tmp/r2.log"
check $? "run 2 read the stored source maps and did not recompute them"
$PY tests/sweep_compare.py --arrays-only "$tmp/a.h5" "$tmp/r.h5"; check $? "two runs == one run, bitwise"
# kill -9 while a dfmx train runs (fake runner: that task sleeps), then resume
cat > "$tmp/f.ini" <<'INI'
[sweep]
seed = 3
[axes]
datasets = tiny
archs = a1
augs = none, dfmx:from=none, dfmx:from=none:method=greedy
seeds = 0, 1
[fake]
ms = 5
INI
$B/fsweep run "$tmp/f.ini" --store "$tmp/fref.h5" -q >"$tmp/fref.log" 2>&1; check $? "fake reference run"
FSWEEP_FAKE_SLOW=train/tiny/a1/dfmx:from=none/all/s1 $B/fsweep run "$tmp/f.ini" --store "$tmp/fk.h5" >"$tmp/fk.log" 2>&1 &
pid=$!
for _ in $(seq 300); do  # until the slow dfmx train runs (its source's DFMs are stored)
  sleep 0.1
  $B/fsweep status "$tmp/fk.h5" 2>/dev/null | grep -q 'running train/tiny/a1/dfmx:from=none/all/s1 on' && break
done
kill -9 $pid; wait $pid 2>/dev/null
! grep -Eq 'done +train/tiny/a1/dfmx:from=none/all/s1' "$tmp/fk.log" && grep -Eq 'done +dfm/tiny/a1/none/all/s1/c2/p3' "$tmp/fk.log"
check $? "killed while the dfmx train ran, its source's maps stored"
$B/fsweep run "$tmp/f.ini" --store "$tmp/fk.h5" >"$tmp/fk2.log" 2>&1; check $? "resume after kill -9"
grep -Eq 'done +train/tiny/a1/dfmx:from=none/all/s1' "$tmp/fk2.log"; check $? "the resume ran the dfmx train"
$PY tests/sweep_compare.py "$tmp/fref.h5" "$tmp/fk.h5"; check $? "killed+resumed == uninterrupted (the fake dfmx weights hash the source's scores)"

# ---- control=random: the same source maps' strength, random bins (radius-matched per class)
$B/fsweep run "$tmp/x.ini" --store "$tmp/c.h5" -q augs=none,dfmx:p=0.5:from=none,dfmx:p=0.5:control=random:from=none \
  >"$tmp/c.log" 2>&1; check $? "run with a dfmx control=random model"
$PY - "$tmp/c.h5" <<'PYEOF'; check $? "control=random: per class as many bins in every ring as the removal maps, other bins; another model"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
r = f["results/tiny"]
augs = [a.decode() if isinstance(a, bytes) else a for a in r["aug"][()]]
rem, rnd = augs.index("dfmx:p=0.5:from=none"), augs.index("dfmx:p=0.5:control=random:from=none")
a, b = r["dfmx_maps"][0, rem, 0, 0], r["dfmx_maps"][0, rnd, 0, 0]   # (class, fy, fx), 8 x 8
assert np.isin(b, (0, 1)).all() and not np.array_equal(a, b)
yy, xx = np.mgrid[0:8, 0:8]
ring = np.floor(np.hypot(yy - 4, xx - 4) + 0.5).astype(int)
for c in range(3):
    assert a[c].sum() > 1 and a[c, 4, 4] == b[c, 4, 4], c
    for q in range(ring.max() + 1):
        assert a[c][ring == q].sum() == b[c][ring == q].sum(), (c, q)
    # conjugate-symmetric like every DFM: bin (i, j) kept iff its partner ((8-i)%8, (8-j)%8) is
    assert all(b[c, i, j] == b[c, (8 - i) % 8, (8 - j) % 8] for i in range(8) for j in range(8)), c
w = f["models/tiny/cnn:0.25/weights"]
assert not np.array_equal(w[rem, 0, 0], w[rnd, 0, 0])
PYEOF

# ---- plan-time errors: one line naming file, line and value
bad() { # INI-AUGS-LINE EXTRA-ANALYSES-LINE PATTERN NAME
  printf '[sweep]\nrunner = real\n[axes]\ndatasets = tiny\narchs = cnn\n%s\n[analyses]\n%s\n' "$1" "$2" >"$tmp/bad.ini"
  $B/fsweep plan "$tmp/bad.ini" >"$tmp/bad.log" 2>&1; local rc=$?
  [ $rc = 1 ] && grep -q "bad.ini:6: key 'augs'.*$3" "$tmp/bad.log" && [ "$(wc -l <"$tmp/bad.log")" = 1 ]
  check $? "$4 (rc $rc)"
}
bad 'augs = none, dfmx:from=autoaugment' '' "'dfmx:from=autoaugment'.*from=autoaugment is not a value of \[axes\] augs" "a source missing from the grid"
bad 'augs = dfmx:from=none' '' "'dfmx:from=none'.*from=none is not a value" "from=none (the default) without a none model"
bad 'augs = none, dfmx:from=none, dfmx:from=dfmx:from=none' '' "chains are not supported" "a dfmx source that is itself dfmx"
bad 'augs = none, dfmx:from=none' 'dfm = false' "dfm = false" "method=removal with dfm = false"
bad $'augs = none, dfmx:from=none\nclasses = 0,2' '' "classes = 0,2 selects 2 of tiny's 3" "method=removal with a class selection"
bad 'augs = none, dfmx:from=none:method=fast' '' "expected method=removal or method=greedy" "an unknown method"
bad 'augs = none, dfmx:from=none:p=2' '' "expected p= a probability" "p out of range"
bad 'augs = none, dfmx:from=none:T=0' '' "expected T= a top fraction" "T out of range"
bad 'augs = none, dfmx:from=none:method=greedy:T=0.1' '' "greedy maps have their own size" "T with method=greedy"
bad 'augs = none, dfmx:q=1:from=none' '' "option 'q=1': expected p=, from=, method=, T= or control=" "an unknown option"
bad 'augs = none, dfmx:control=shuffle:from=none' '' "expected control=random or control=none" "an unknown control"
bad 'augs = none, dfmx:from=none:q=1' '' "from=none:q=1 is not a value.*the options are" "an unknown option after from="
bad 'augs = none, dfmx:p=0.1:p=0.2:from=none' '' "given twice" "an option twice"
printf '[sweep]\nrunner = real\n[axes]\ndatasets = tiny\narchs = cnn\naugs = none, dfmx:from=none:method=greedy\nclasses = 0,2\n' >"$tmp/ok.ini"
$B/fsweep plan "$tmp/ok.ini" >/dev/null 2>&1; check $? "method=greedy with a class selection is fine (its maps cover every class)"
finish
