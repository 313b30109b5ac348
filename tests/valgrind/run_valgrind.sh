#!/usr/bin/env bash
# tests/valgrind/run_valgrind.sh: `make valgrind`'s runner (issue 16 point 5). Runs, under valgrind
# memcheck, the serial build (build/fsweep-serial: no MPI, whose own allocations would bury
# fsweep's in noise) through
#   1. a runner=real sweep of jobs/quickstart.ini, shrunk because memcheck runs 20-50x slower
#      (n_train_for= empties the per-dataset sizes so n_train applies): two of its datasets (Syn_B1, fashion_mnist32: a synthetic RGB and a real grey
#      set), both architectures, its augmentation, two of its test bands, every analysis the config runs
#      (TRAIN, EVAL, ADCS, per-class DFM and SHORTCUT with controls and injection) plus an OOD set with
#      the OOD task, shortcut_ood and the XFER tasks (shortcut_xfer), 64 training / 20 test images,
#      one epoch, 2 control masks: 74 tasks. Override with VG_ARGS="key=value ...";
#   2. the same command again (resume: every task found done in the store);
#   3. `fsweep status` and `fsweep report` of the store.
# Fails (exit 1) on any memcheck error or definitely lost block (--errors-for-leak-kinds=definite);
# "still reachable" memory at exit (HDF5's and FFTW's global tables) is not an error. Prints each
# command's ERROR SUMMARY and leak summary; full logs in $VG_DIR (default a temp dir, kept).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${FSWEEP_BIN:-build/fsweep-serial}
[ -x "$BIN" ] || { echo "run_valgrind.sh: $BIN missing (make serial)"; exit 1; }
command -v valgrind >/dev/null || { echo "run_valgrind.sh: valgrind missing: apt-get install -y valgrind"; exit 1; }
VG_DIR=${VG_DIR:-$(mktemp -d /tmp/fsweep_valgrind_XXXXXX)}
mkdir -p "$VG_DIR"
export OPENBLAS_NUM_THREADS=1 FSWEEP_THREADS=1
read -r -a args <<<"${VG_ARGS:-n_train=64 n_train_for= n_test=20 epochs=1 shortcut_controls=2 datasets=Syn_B1,fashion_mnist32 dfm_parts=1 test_bands=all,bandstop:1 ood=gaussian_noise:3 shortcut_ood=true shortcut_xfer=true}"
store=$VG_DIR/vg.h5
bad=0
step() { # NAME COMMAND...
  local name=$1 log=$VG_DIR/$1.log
  shift
  local t0=$SECONDS
  valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --suppressions=tests/valgrind/fontconfig.supp \
    --show-leak-kinds=definite --num-callers=30 --log-file="$log" "$@" >"$VG_DIR/$name.out" 2>&1
  local rc=$?
  local errs leak
  errs=$(grep -oE 'ERROR SUMMARY: [0-9]+ errors from [0-9]+ contexts' "$log" | tail -1)
  leak=$(grep -E 'definitely lost:|in use at exit:' "$log" | sed 's/^==[0-9]*== *//' | tr '\n' ';')
  printf '%-8s rc=%-3s %4ss  %s  %s\n' "$name" "$rc" "$((SECONDS - t0))" "${errs:-no summary}" "${leak:-no leaks}"
  tail -1 "$VG_DIR/$name.out" | sed 's/^/         /'
  if [ "$rc" = 99 ] || [ -z "$errs" ] || [[ "$errs" != "ERROR SUMMARY: 0 errors"* ]]; then bad=1; fi
  if [ "$rc" != 0 ] && [ "$rc" != 99 ]; then bad=1; fi
}
echo "valgrind memcheck of $BIN; logs in $VG_DIR"
step sweep "$BIN" run jobs/quickstart.ini --store "$store" --quiet "${args[@]}"
step resume "$BIN" run jobs/quickstart.ini --store "$store" --quiet "${args[@]}"
step status "$BIN" status "$store"
step report "$BIN" report "$store" -o "$VG_DIR/report"
if [ $bad = 0 ]; then echo "valgrind: clean"; else echo "valgrind: FAILED (see $VG_DIR/*.log)"; fi
exit $bad
