#!/usr/bin/env bash
# The engine's vector loops against the scalar loops they replace, by digests of test_layers
# (FSWEEP_NO_AVX2=1 runs the scalar loops and the im2col + gemm weight gradient):
# - wino_digest: forward, dx, dw and db of 11 Winograd layers (odd sizes, partial tiles, tile rows
#   of 1 to 17 tiles; the AVX2 transforms of CPUs without AVX-512);
# - bn_digest: batch norm in training and eval, forward and backward, 8 shapes (4-channel sums,
#   affine, input gradient; every x86 CPU takes these AVX2 loops);
# - wgrad_digest: the weight gradients of narrow 3x3 layers (conv_wgrad_direct on AVX2 + FMA
#   CPUs), also against the double reference.
# Each digest must be the same with and without FSWEEP_NO_AVX2=1. On an AVX-512 CPU both Winograd
# runs take the AVX-512 transforms (FSWEEP_NO_AVX2 does not turn them off), and on a CPU without
# AVX2 both runs are scalar: then those checks compare one path with itself (said below).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
grep -q avx512f /proc/cpuinfo && echo "note: AVX-512 CPU: both Winograd runs take the AVX-512 path"
grep -q avx2 /proc/cpuinfo || echo "note: no AVX2: both runs are scalar"
# same_digest CASE WHAT: CASE's digest with the vector loops and with FSWEEP_NO_AVX2=1, the same
same_digest() {
  FSWEEP_DIGEST="$tmp/$1.vec" $B/tests/engine/test_layers "$1" >"$tmp/$1.vec.log" 2>&1
  check $? "$1 with the vector loops"
  FSWEEP_NO_AVX2=1 FSWEEP_DIGEST="$tmp/$1.scalar" $B/tests/engine/test_layers "$1" >"$tmp/$1.scalar.log" 2>&1
  check $? "$1 with the scalar loops (FSWEEP_NO_AVX2=1)"
  [ -s "$tmp/$1.vec" ] && cmp -s "$tmp/$1.vec" "$tmp/$1.scalar"
  check $? "$2: the same digest ($(cat "$tmp/$1.vec" 2>/dev/null) vs $(cat "$tmp/$1.scalar" 2>/dev/null))"
}
same_digest wino_digest "Winograd layers"
same_digest bn_digest "batch norm"
same_digest wgrad_digest "narrow weight gradients"
finish
