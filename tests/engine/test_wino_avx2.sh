#!/usr/bin/env bash
# The AVX2 Winograd loops (input transform, binop, output tiles and rows; CPUs without AVX-512)
# and batch-norm loops (4-channel sums, affine, input gradient; every x86 CPU) against the scalar
# loops they replace: test_layers' wino_digest hashes the forward, dx, dw and
# db of 11 Winograd layers (odd sizes, partial tiles, tile rows of 1 to 17 tiles) and must give the
# same digest with FSWEEP_NO_AVX2=1 (scalar) as without; bn_digest does the same for batch norm
# (train and eval, forward and backward, 8 shapes), and wgrad_digest for the weight gradients of
# narrow 3x3 layers (conv_wgrad_direct on AVX2 + FMA CPUs, im2col + gemm with FSWEEP_NO_AVX2=1). On an AVX-512 CPU both runs take the
# AVX-512 path (also bitwise the scalar one, by test_train_cli.sh), and on a CPU without AVX2 both
# are scalar: then the check still runs but compares one path with itself (said below).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
FSWEEP_WINO_DIGEST="$tmp/avx2" $B/tests/engine/test_layers wino_digest >"$tmp/a.log" 2>&1
check $? "wino_digest with the AVX2 loops"
FSWEEP_NO_AVX2=1 FSWEEP_WINO_DIGEST="$tmp/scalar" $B/tests/engine/test_layers wino_digest >"$tmp/s.log" 2>&1
check $? "wino_digest with the scalar loops (FSWEEP_NO_AVX2=1)"
grep -q avx512f /proc/cpuinfo && echo "note: AVX-512 CPU: both runs take the AVX-512 path"
grep -q avx2 /proc/cpuinfo || echo "note: no AVX2: both runs are scalar"
[ -s "$tmp/avx2" ] && cmp -s "$tmp/avx2" "$tmp/scalar"
check $? "the same digest ($(cat "$tmp/avx2" 2>/dev/null) vs $(cat "$tmp/scalar" 2>/dev/null))"
FSWEEP_BN_DIGEST="$tmp/bn_avx2" $B/tests/engine/test_layers bn_digest >"$tmp/b.log" 2>&1
check $? "bn_digest with the AVX2 loops"
FSWEEP_NO_AVX2=1 FSWEEP_BN_DIGEST="$tmp/bn_scalar" $B/tests/engine/test_layers bn_digest >"$tmp/bs.log" 2>&1
check $? "bn_digest with the scalar loops (FSWEEP_NO_AVX2=1)"
[ -s "$tmp/bn_avx2" ] && cmp -s "$tmp/bn_avx2" "$tmp/bn_scalar"
check $? "batch norm: the same digest ($(cat "$tmp/bn_avx2" 2>/dev/null) vs $(cat "$tmp/bn_scalar" 2>/dev/null))"
FSWEEP_WGRAD_DIGEST="$tmp/wg_avx2" $B/tests/engine/test_layers wgrad_digest >"$tmp/w.log" 2>&1
check $? "wgrad_digest with conv_wgrad_direct (against the double reference)"
FSWEEP_NO_AVX2=1 FSWEEP_WGRAD_DIGEST="$tmp/wg_scalar" $B/tests/engine/test_layers wgrad_digest >"$tmp/ws.log" 2>&1
check $? "wgrad_digest with im2col + gemm (FSWEEP_NO_AVX2=1)"
[ -s "$tmp/wg_avx2" ] && cmp -s "$tmp/wg_avx2" "$tmp/wg_scalar"
check $? "weight gradients: the same digest ($(cat "$tmp/wg_avx2" 2>/dev/null) vs $(cat "$tmp/wg_scalar" 2>/dev/null))"
finish
