#!/bin/bash
# collect.sh: copy the small, git-tracked results of run_*.sh from results/paper/raw (ignored)
# to results/paper/: text tables, the step log, the cost table and a few report PNGs (< 1 MB).
source "$(dirname "$0")/common.sh"
P="$ROOT/results/paper"
PY=/usr/bin/python3
J="$ROOT/jobs/paper"
cp "$OUT/cost.tsv" "$P/cost.tsv"
[ -f "$OUT/a.h5" ] && HDF5_USE_FILE_LOCKING=FALSE $PY "$J/curves.py" "$OUT/a.h5" > "$P/a_epoch_curves.txt"
if [ -f "$OUT/b.h5" ]; then
    HDF5_USE_FILE_LOCKING=FALSE $PY "$J/curves.py" "$OUT/b.h5" > "$P/b_epoch_curves.txt"
    HDF5_USE_FILE_LOCKING=FALSE $PY "$J/store_tpr.py" "$OUT/b.h5" 0.05 > "$P/b_tpr_fpr.txt"
fi
for b in b1 b4; do
    for a in resnet18 alexnet; do
        [ -f "$OUT/a_eval_${b}_${a}_all.log" ] && $PY "$J/bandtable.py" "$OUT" "$b" "$a"
    done
done > "$P/a_bandtests.txt"
for f in "$OUT"/as_auc_*.log; do [ -f "$f" ] && { echo "== $(basename "$f" .log)"; cat "$f"; }; done > "$P/a_step_auc.txt"
for f in "$OUT"/c_eval_*.log "$OUT"/b_eval_*.log "$OUT"/c_shortcut_*.log "$OUT"/c_dfm_*.log "$OUT"/d_*.log "$OUT"/b_sc_*.log "$OUT"/b_compare_archs.log; do
    [ -f "$f" ] || continue
    n=$(basename "$f" .log); cp "$f" "$P/$n.txt"
done
for d in a_report b_report; do
    [ -d "$OUT/$d" ] || continue
    mkdir -p "$P/$d"
    for f in "$OUT/$d"/*.png; do
        [ "$(stat -c %s "$f")" -lt 200000 ] && cp "$f" "$P/$d/"
    done
done
du -sh "$P" --exclude=raw
