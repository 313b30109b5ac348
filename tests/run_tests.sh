#!/usr/bin/env bash
# Run every unit-test binary in $BUILD/tests, then the MPI tests (test_mpi_*) under mpirun with
# -np 2 and -np 3 --oversubscribe when mpirun exists, then the shell/Python tests in
# tests/MODULE/test_*.sh (their shared set-up, check and closing line are tests/lib.sh's). Prints
# the total as "N passed, N failed" and exits non-zero on any failure.
set -u
BUILD=${BUILD:-build}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export FSWEEP_BUILD=$BUILD
pass=0; fail=0; failed_names=()

tally() { # $1 = label, $2 = log file, $3 = exit code; reads the last "N passed, N failed"
  local line p=0 f=1
  line=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$2" | tail -1)
  if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then p=${BASH_REMATCH[1]}; f=${BASH_REMATCH[2]}; fi
  if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$f" != 0 ]; then failed_names+=("$1"); echo "--- $1 FAILED (exit $3); log:"; tail -50 "$2"; else echo "ok   $1 ($p)"; fi
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for t in "$BUILD"/tests/*/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$(dirname "$t")")/$(basename "$t")
  [[ "$name" == *.d ]] && continue
  if [[ "$(basename "$t")" == test_mpi_* ]]; then
    if ! command -v mpirun >/dev/null; then echo "SKIP $name: mpirun not found"; continue; fi
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
    for np in 2 3; do
      timeout 300 mpirun --oversubscribe -np $np -x OPENBLAS_NUM_THREADS -x LSAN_OPTIONS -x ASAN_OPTIONS -x UBSAN_OPTIONS "$t" >"$tmp/log" 2>&1
      tally "$name (np $np)" "$tmp/log" $?
    done
  else
    timeout 900 "$t" >"$tmp/log" 2>&1
    tally "$name" "$tmp/log" $?
  fi
done
for s in tests/*/test_*.sh; do
  [ -f "$s" ] || continue
  timeout 900 bash "$s" >"$tmp/log" 2>&1
  rc=$? # before the command substitutions below, which would reset $?
  tally "$(basename "$(dirname "$s")")/$(basename "$s")" "$tmp/log" $rc
done
if [ ${#failed_names[@]} -gt 0 ]; then echo "failed: ${failed_names[*]}"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
