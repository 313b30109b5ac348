#!/usr/bin/env bash
# make bench: run every build/tests/MODULE/bench_* binary (each verifies its fast kernels against the
# reference ones before timing) and print the machine's context first.
set -u
BUILD=${BUILD:-build}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
echo "== fsweep bench on $(hostname), $(nproc) cores, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
"$BUILD"/fsweep info | sed 's/^/   /'
# The reference method: PyTorch on the same machine and thread counts (bench_engine prints
# ratios against it), when Debian's python3-torch is installed.
if /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
  echo "== PyTorch reference (tests/engine/bench_torch_ref.py)"
  ref=$(/usr/bin/python3 tests/engine/bench_torch_ref.py) || ref=""
  echo "$ref" | sed 's/^/   /'
  FSWEEP_TORCH_REF=$(echo "$ref" | awk '$1 == "torch" {printf "%s%s:%s:%s", sep, $2, $3, $4; sep=","}')
  FSWEEP_TORCH_REF8=$(echo "$ref" | awk '$1 == "torch8" {printf "%s%s:%s:%s", sep, $2, $3, $4; sep=","}')
  FSWEEP_TORCH_REFVIT=$(echo "$ref" | awk '$1 == "torchvit" {printf "%s%s:%s:%s", sep, $2, $3, $4; sep=","}')
  export FSWEEP_TORCH_REF FSWEEP_TORCH_REF8 FSWEEP_TORCH_REFVIT
else
  echo "== PyTorch reference: python3-torch not installed (apt-get install python3-torch python3-torchvision)"
fi
rc=0
for b in "$BUILD"/tests/*/bench_*; do
  [ -x "$b" ] || continue
  [[ "$b" == *.d ]] && continue
  echo "== $(basename "$b")"
  "$b" || { echo "!! $(basename "$b") failed"; rc=1; }
done
# A second OpenBLAS figure with the core type OpenBLAS picks itself (the environment forces
# Haswell kernels to protect old OpenBLAS builds on new CPUs); checked against the reference
# product first. The engine's own figures above do not depend on it.
if [ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ] && [ -x "$BUILD"/tests/engine/bench_engine ]; then
  echo "== OpenBLAS with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$BUILD"/tests/engine/bench_engine --sgemm-only || rc=1
fi
exit $rc
