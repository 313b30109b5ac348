#!/usr/bin/env bash
# The engine id (README "Engine id"): `fsweep run` records this binary's engine id (root attribute
# engine_id, and in each /history row's version); resuming a store whose finished tasks another
# engine computed warns once on stderr and keeps every stored result as it was; --same-engine turns
# that into exit 1 before the store or its journal is touched; a resume by the same engine, or of a
# store from before engine ids, says nothing; `fsweep status` lists the engines of the runs. A
# build cannot be changed inside a test, so the "other engine" is made by rewriting the stored id
# with h5py. Last, `make print-engine-id` on a copy of the tree: the same id after a README edit
# or a CLI edit, another one after a numerics edit or other code-generating flags.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py numpy
cat > "$tmp/s.ini" <<'INI'
[sweep]
name = engine_id
seed = 3
[axes]
datasets = tiny
archs = a1
augs = none
seeds = 0, 1
[analyses]
dfm_parts = 2
[fake]
ms = 0
INI
run() { "$B"/fsweep-serial run "$tmp/s.ini" -q "$@"; }
sha() { sha256sum "$1" | cut -c1-64; }

# ---- (a) the id is recorded
id=$("$B"/fsweep-serial version | sed -n 's/.*, engine \([^)]*\))$/\1/p')
[[ "$id" =~ ^[0-9a-f]{16}/(fma|openblas)$ ]]; check $? "fsweep version names the engine id ('$id')"
"$B"/fsweep-serial info | grep -q "^engine      $id "; check $? "fsweep info names the same engine id"
[ "$(FSWEEP_NO_AVX2=1 "$B"/fsweep-serial version)" = "$("$B"/fsweep-serial version)" ]
check $? "FSWEEP_NO_AVX2=1 (scalar loops, bitwise the same) keeps the engine id"
run --store "$tmp/s.h5" >"$tmp/a.log" 2>&1; check $? "a fake sweep makes a store"
$PY - "$tmp/s.h5" "$id" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
eid = f.attrs["engine_id"]
eid = eid.decode() if isinstance(eid, bytes) else eid
assert eid == sys.argv[2], (eid, sys.argv[2])
v = [x.decode() if isinstance(x, bytes) else x for x in f["history"]["version"]]
assert len(v) == 1 and v[0].endswith(" engine " + sys.argv[2]), v
PY
check $? "root attribute engine_id and the /history row's version name it"
"$B"/fsweep-serial status "$tmp/s.h5" >"$tmp/st.log" 2>&1 && grep -qx "engines: $id (run 1)" "$tmp/st.log"
check $? "fsweep status lists the engine of the run"

# ---- (d) a resume by the same engine: no warning (and --same-engine is content)
cp "$tmp/s.h5" "$tmp/same.h5"; cp "$tmp/s.h5.journal" "$tmp/same.h5.journal"
run --store "$tmp/same.h5" --same-engine seeds=0,1,2 >"$tmp/d.out" 2>"$tmp/d.err"; rc=$?
[ $rc = 0 ] && [ ! -s "$tmp/d.err" ]; check $? "same engine, grid extended: exit 0 (rc $rc), nothing on stderr"
"$B"/fsweep-serial status "$tmp/same.h5" 2>&1 | grep -qx "engines: $id (runs 1-2)"
check $? "status: one engine, runs 1-2"

# ---- a store made by another engine (its stored ids rewritten)
fake_engine() { # $1 store, $2 version text to put in every /history row ("" keeps), $3 engine_id attribute
  $PY - "$@" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
h = f["history"]
rows = h[()]
for i in range(len(rows)):
    rows[i]["version"] = sys.argv[2].encode()
h[...] = rows
f.attrs["engine_id"] = sys.argv[3]
PY
}
other=0123456789abcdef/fma
cp "$tmp/s.h5" "$tmp/o.h5"; cp "$tmp/s.h5.journal" "$tmp/o.h5.journal"
fake_engine "$tmp/o.h5" "0.1.0 (feedfacecafe) engine $other" "$other"; check $? "store rewritten as engine $other's"
cp "$tmp/o.h5" "$tmp/ref.h5"

# ---- (c) --same-engine refuses, touching nothing
h5=$(sha "$tmp/o.h5"); jr=$(sha "$tmp/o.h5.journal")
run --store "$tmp/o.h5" --same-engine seeds=0,1,2 >"$tmp/c.out" 2>"$tmp/c.err"; rc=$?
[ $rc = 1 ]; check $? "--same-engine on another engine's store: exit 1 (rc $rc)"
[ "$(wc -l <"$tmp/c.err")" = 1 ] &&
  grep -q "^fsweep run: error: $tmp/o.h5 holds tasks computed by another engine: [0-9]* by engine $other (git feedfacecafe); this binary is engine $id; --same-engine" "$tmp/c.err"
check $? "one error line naming the store, both engines and --same-engine"
[ "$(sha "$tmp/o.h5")" = "$h5" ] && [ "$(sha "$tmp/o.h5.journal")" = "$jr" ]
check $? "the store and its journal are byte for byte unchanged"

# ---- (b) a plain resume warns once and keeps every stored result
run --store "$tmp/o.h5" seeds=0,1,2 >"$tmp/b.out" 2>"$tmp/b.err"; rc=$?
[ $rc = 0 ]; check $? "resume of another engine's store with a new seed: exit 0 (rc $rc)"
n=$($PY -c "import h5py,sys; t=h5py.File(sys.argv[1],'r')['tasks'][:]; print(int((t['status']==0).sum()))" "$tmp/ref.h5")
[ "$(grep -c 'warning' "$tmp/b.err")" = 1 ] && [ "$(wc -l <"$tmp/b.err")" = 1 ] &&
  grep -q "^fsweep run: warning: $tmp/o.h5 holds tasks computed by another engine: $n by engine $other (git feedfacecafe); this binary is engine $id: results of the two builds may differ bitwise" "$tmp/b.err"
check $? "exactly one warning line, naming the $n tasks, both engines and the git hash"
$PY - "$tmp/ref.h5" "$tmp/o.h5" "$id" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
n = []
def same(name, o):
    if not isinstance(o, h5py.Dataset) or "fsweep_dims" not in o.attrs:
        return
    x, y = o[()], b[name][()]
    dims = o.attrs["fsweep_dims"]
    dims = (dims.decode() if isinstance(dims, bytes) else dims).split(",")
    if "seed" in dims:  # the new seed extends that axis: take b's slices of a's seeds
        ax = dims.index("seed")
        sa, sb = list(o.parent["seed"][()]), list(b[name].parent["seed"][()])
        y = np.take(y, [sb.index(s) for s in sa], axis=ax)
    eq = np.array_equal(x, y, equal_nan=True) if x.dtype.kind == "f" else np.array_equal(x, y)
    assert x.shape == y.shape and eq, name
    n.append(name)
a.visititems(same)
ta, tb = a["tasks"][()], b["tasks"][()]
assert n and len(tb) > len(ta) and all(ta[i] == tb[i] for i in range(len(ta)))
ha, hb = a["history"][()], b["history"][()]
assert len(hb) == len(ha) + 1 and all(ha[i] == hb[i] for i in range(len(ha)))
v = hb[-1]["version"]
assert (v.decode() if isinstance(v, bytes) else v).endswith(" engine " + sys.argv[3]), v
print(f"{len(n)} result arrays, {len(ta)} task rows and {len(ha)} history row(s) as before")
PY
check $? "every stored result array, task row and history row is as before; the new run names this engine"
"$B"/fsweep-serial run "$tmp/s.ini" -q --store "$tmp/o.h5" seeds=0,1,2 >/dev/null 2>"$tmp/b2.err"
[ "$(grep -c 'warning' "$tmp/b2.err")" = 1 ]; check $? "the next resume still warns (the other engine's tasks are still there)"
rm -f "$tmp/o.h5.journal" # status reads the journal when present; the rewritten ids are in the file
"$B"/fsweep-serial status "$tmp/o.h5" 2>&1 | grep -qx "engines: $other (run 1), $id (runs 2-3)"
check $? "status shows the mixed store: engines: $other (run 1), $id (runs 2-3)"

# ---- a store from before engine ids: nothing to compare, nothing said
cp "$tmp/s.h5" "$tmp/u.h5"; cp "$tmp/s.h5.journal" "$tmp/u.h5.journal"
fake_engine "$tmp/u.h5" "0.1.0 (feedfacecafe)" "" && $PY -c "
import h5py,sys; f=h5py.File(sys.argv[1],'r+'); del f.attrs['engine_id']" "$tmp/u.h5"
check $? "store rewritten as one from before engine ids"
run --store "$tmp/u.h5" --same-engine seeds=0,1,2 >/dev/null 2>"$tmp/u.err"; rc=$?
[ $rc = 0 ] && [ ! -s "$tmp/u.err" ]; check $? "resume (even with --same-engine): exit 0 (rc $rc), no warning"
rm -f "$tmp/u.h5.journal"
"$B"/fsweep-serial status "$tmp/u.h5" 2>&1 | grep -qx "engines: unknown (run 1), $id (run 2)"
check $? "status: engines: unknown (run 1), $id (run 2)"

# ---- the build-time part: what changes the id, on a copy of the tree
mkdir -p "$tmp/tree" && cp -r Makefile README.md include src "$tmp/tree/" || exit 1
pid() { make -s --no-print-directory -C "$tmp/tree" NO_SETUP=1 "$@" print-engine-id 2>/dev/null; }
e0=$(pid)
[[ "$e0" =~ ^[0-9a-f]{16}$ ]]; check $? "make print-engine-id gives 16 hex digits ('$e0')"
echo "a documentation edit" >>"$tmp/tree/README.md"; echo "/* a comment */" >>"$tmp/tree/src/cli/cmd_status.c"
[ "$(pid)" = "$e0" ]; check $? "a README or CLI edit keeps the id"
echo "/* a comment */" >>"$tmp/tree/src/engine/gemm.c"; e1=$(pid)
[ -n "$e1" ] && [ "$e1" != "$e0" ]; check $? "an edit of a numerics source changes it"
e2=$(pid FAST=1)
[ -n "$e2" ] && [ "$e2" != "$e1" ] && [ "$(pid WERROR=1)" = "$e1" ]
check $? "code-generating flags change it (FAST=1), warning flags do not (WERROR=1)"
finish
