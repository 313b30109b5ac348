# tests/lib.sh: what every shell test (tests/MODULE/test_*.sh) shares; each sources it first:
#   # shellcheck source=tests/lib.sh
#   . "$(dirname "$0")/../lib.sh"
# and runs from the repository root (where `shellcheck -x` finds this file). It sets
#   B      the build folder ($FSWEEP_BUILD, default build), PY=/usr/bin/python3 (the python3 with
#          h5py/numpy), OPENBLAS_NUM_THREADS=1 (exported; one BLAS thread per process) and the Open MPI
#          variables that let mpirun run as root (exported; harmless without mpirun);
#   tmp    a new temporary folder, removed on exit (after the test's own test_cleanup, if it defines
#          one: e.g. test_netns.sh removes its network namespaces);
#   TEST   this script's name, for messages.
# Functions:
#   check RC NAME      count one check: passed when RC is 0 ("ok   NAME"), failed otherwise ("FAIL NAME");
#                      the usual call is `COMMAND; check $? "what it shows"`
#   finish             print "TEST: N passed, N failed" (the line tests/run_tests.sh totals) and return
#                      non-zero when a check failed; the last command of every test
#   skip WHY           print "SKIP TEST: WHY" and "TEST: 0 passed, 0 failed", exit 0
#   need_cmd CMD [WHY] skip unless CMD is on PATH (WHY defaults to "CMD not found")
#   need_py MOD...     skip unless /usr/bin/python3 imports every MOD (naming Debian's python3-MOD)
# A script that exits early (an unset variable under set -u, a plain exit) after a failed check still
# exits non-zero.
set -u
# shellcheck disable=SC2034  # B, PY and TEST are for the tests that source this file
B=${FSWEEP_BUILD:-build}
PY=/usr/bin/python3
TEST=$(basename "$0")
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
pass=0
fail=0

check() {
  if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok   $2"; else fail=$((fail + 1)); echo "FAIL $2"; fi
}

finish() {
  echo "$TEST: $pass passed, $fail failed"
  [ "$fail" = 0 ]
}

skip() {
  echo "SKIP $TEST: $*"
  echo "$TEST: 0 passed, 0 failed"
  exit 0
}

need_cmd() {
  command -v "$1" >/dev/null || skip "${2:-$1 not found}"
}

need_py() {
  local m
  for m in "$@"; do
    $PY -c "import $m" 2>/dev/null || skip "python3 module $m not installed (python3-$m)"
  done
}

lib_exit() {
  local rc=$?
  if declare -F test_cleanup >/dev/null; then test_cleanup; fi
  rm -rf "$tmp"
  if [ "$rc" = 0 ] && [ "$fail" != 0 ]; then exit 1; fi
}

tmp=$(mktemp -d) || { echo "$TEST: cannot create a temporary folder"; exit 1; }
trap lib_exit EXIT
