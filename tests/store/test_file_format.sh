#!/usr/bin/env bash
# Files say what they are: every command that opens a store (run, plan --store, status, report), a
# model (eval, shortcut, heatmap, dfm) or a DFM file (shortcut --dfm, train --dfmx) checks the root
# attributes format and version and refuses any other file with one line naming the file and what
# was expected, exit 1, leaving the file untouched. Cases: an empty HDF5 file, a model given as a
# store, a store given as a model, a DFM file given as a model and a model as a DFM file, a wrong
# version of each, a file that is not HDF5.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_py h5py
cat > "$tmp/s.ini" <<'INI'
[sweep]
name = formats
seed = 5
[axes]
datasets = tiny
archs = a1
augs = none
seeds = 0
[fake]
ms = 1
INI
$B/fsweep run "$tmp/s.ini" --store "$tmp/store.h5" -q >"$tmp/run.log" 2>&1; check $? "a fake sweep makes a store"
$B/fsweep train --data toy:4:n=64:size=8 --arch cnn --set epochs=1 --out "$tmp/model.h5" >"$tmp/train.log" 2>&1
check $? "train makes a model file"
$B/fsweep dfm "$tmp/model.h5" --data toy:4:n=64:size=8 --patch 4 --out "$tmp/dfm.h5" >"$tmp/dfm.log" 2>&1
check $? "dfm makes a DFM file"
$PY - "$tmp" <<'PY'
import h5py, shutil, sys
t = sys.argv[1]
h5py.File(f"{t}/empty.h5", "w").close()
for src, dst, attr in (("store.h5", "store_v9.h5", "format_version"),
                       ("model.h5", "model_v9.h5", "format_version"), ("dfm.h5", "dfm_v9.h5", "version")):
    shutil.copy(f"{t}/{src}", f"{t}/{dst}")
    with h5py.File(f"{t}/{dst}", "r+") as f:
        f.attrs[attr] = 9
PY
check $? "h5py makes an empty file and version-9 copies"
printf 'not hdf5\n' > "$tmp/text.h5"

# refused FILE WANT CMD...: exit 1, one line on stderr naming FILE and containing WANT, nothing on stdout
refused() {
  local file=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ $rc = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qF "$file" "$tmp/err" && grep -qF "$want" "$tmp/err" &&
    [ ! -s "$tmp/out" ]
  check $? "$(basename "$file") refused by '$(basename "$1") $2' (rc $rc): $(cat "$tmp/err")"
}
not_store="expected format 'fsweep-store' version 1"
for f in empty model dfm; do
  [ $f = empty ] && want="without the root attribute format = 'fsweep-store' and format_version = 1" || want=$not_store
  refused "$tmp/$f.h5" "$want" $B/fsweep status "$tmp/$f.h5"
  refused "$tmp/$f.h5" "$want" $B/fsweep report "$tmp/$f.h5" -o "$tmp/rep"
  refused "$tmp/$f.h5" "$want" $B/fsweep plan "$tmp/s.ini" --store "$tmp/$f.h5"
  refused "$tmp/$f.h5" "$want" $B/fsweep run "$tmp/s.ini" --store "$tmp/$f.h5" -q
done
[ ! -e "$tmp/rep" ]; check $? "report made no folder for a file it refused"
$PY -c "
import h5py,sys
f=h5py.File(sys.argv[1],'r'); assert f.attrs['format']=='fsweep-model' and 'tasks' not in f and 'axes' not in f" "$tmp/model.h5"
check $? "run left the model file it refused untouched"
want="store format version 9, this fsweep reads version 1"
refused "$tmp/store_v9.h5" "$want" $B/fsweep status "$tmp/store_v9.h5"
refused "$tmp/store_v9.h5" "$want" $B/fsweep report "$tmp/store_v9.h5" -o "$tmp/rep"
refused "$tmp/store_v9.h5" "$want" $B/fsweep run "$tmp/s.ini" --store "$tmp/store_v9.h5" -q
refused "$tmp/text.h5" "HDF5 cannot open it" $B/fsweep status "$tmp/text.h5"
refused "$tmp/text.h5" "cannot open as an HDF5 store" $B/fsweep report "$tmp/text.h5" -o "$tmp/rep"

for f in empty store dfm; do
  [ $f = empty ] && want="no root attribute format; expected format 'fsweep-model' version 1" ||
    want="expected format 'fsweep-model' version 1"
  refused "$tmp/$f.h5" "$want" $B/fsweep eval "$tmp/$f.h5" --data toy:4:n=64:size=8
  refused "$tmp/$f.h5" "$want" $B/fsweep heatmap "$tmp/$f.h5" --data toy:4:n=64:size=8 --out "$tmp/hm.h5"
done
refused "$tmp/model_v9.h5" "model format version 9, this fsweep reads version 1" \
  $B/fsweep eval "$tmp/model_v9.h5" --data toy:4:n=64:size=8
for f in empty store model; do
  [ $f = empty ] && want="no root attribute format; expected format 'fsweep-dfm' version 1" ||
    want="expected format 'fsweep-dfm' version 1"
  refused "$tmp/$f.h5" "$want" $B/fsweep shortcut "$tmp/model.h5" --dfm "$tmp/$f.h5" --data toy:4:n=64:size=8
done
refused "$tmp/dfm_v9.h5" "DFM file version 9, this fsweep reads version 1" \
  $B/fsweep shortcut "$tmp/model.h5" --dfm "$tmp/dfm_v9.h5" --data toy:4:n=64:size=8

# the genuine files still open
$B/fsweep status "$tmp/store.h5" >/dev/null 2>&1; check $? "status reads the store"
$B/fsweep eval "$tmp/model.h5" --data toy:4:n=64:size=8 >/dev/null 2>&1; check $? "eval reads the model"
$B/fsweep shortcut "$tmp/model.h5" --dfm "$tmp/dfm.h5" --data toy:4:n=64:size=8 >/dev/null 2>&1
check $? "shortcut reads the DFM file"
finish
