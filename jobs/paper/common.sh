# common.sh: shared settings of the jobs/paper/run_*.sh drivers (sourced, not run).
# FS = the fsweep binary, OUT = where results go (results/paper/raw is git-ignored; the small
# tables and figures worth keeping are copied to results/paper/ by hand or by the drivers).
# step NAME CMD...: runs CMD, appends "NAME wall_s user_s sys_s rc" to $OUT/cost.tsv and its
# output to $OUT/NAME.log. Single-threaded BLAS everywhere (the machine has 2 shared cores).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FS=${FS:-$ROOT/build/fsweep}
OUT=${OUT:-$ROOT/results/paper/raw}
export FSWEEP_THREADS=1
mkdir -p "$OUT"
step() {
    local name=$1; shift
    echo "[$(date -u +%H:%M:%S)] $name: $*" | tee -a "$OUT/steps.log"
    /usr/bin/time -f "%e %U %S" -o "$OUT/.time" "$@" > "$OUT/$name.log" 2>&1
    local rc=$?
    printf '%s\t%s\t%s\n' "$name" "$(tr ' ' '\t' < "$OUT/.time" | tail -1)" "$rc" >> "$OUT/cost.tsv"
    [ $rc -eq 0 ] || echo "  $name failed (rc $rc), see $OUT/$name.log" | tee -a "$OUT/steps.log"
    return 0
}
