#!/usr/bin/env bash
# make bench: run every build/tests/bench_* binary (each verifies its fast kernels against the
# reference ones before timing) and print the machine's context first.
set -u
BUILD=${BUILD:-build}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
echo "== fsweep bench on $(hostname), $(nproc) cores, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
"$BUILD"/fsweep info | sed 's/^/   /'
rc=0
for b in "$BUILD"/tests/bench_*; do
  [ -x "$b" ] || continue
  [[ "$b" == *.d ]] && continue
  echo "== $(basename "$b")"
  "$b" || { echo "!! $(basename "$b") failed"; rc=1; }
done
exit $rc
