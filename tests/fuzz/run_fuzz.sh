#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh SECONDS TARGET...: `make fuzz`'s runner. Runs each libFuzzer binary
# $FUZZ_BUILD/bin/fuzz_TARGET for SECONDS wall seconds (one process: SECONDS CPU-seconds on an idle
# core, fewer on a loaded machine; the cpu_s column prints what it got, user + system) over
# its working corpus $FUZZ_BUILD/corpus/TARGET (kept between runs, not in git; new inputs go there),
# the committed seeds tests/fuzz/corpus/TARGET and the regression cases tests/fuzz/regress/TARGET,
# with tests/fuzz/TARGET.dict when there is one. Prints per target the executions, the coverage
# (libFuzzer's final cov: edges and ft: features) and any crash, leak, timeout or OOM file (in
# $FUZZ_BUILD/artifacts/TARGET/; copy it to tests/fuzz/regress/TARGET/ once fixed). The full log
# is $FUZZ_BUILD/logs/TARGET.log. Exits 1 when any target left such a file.
# The targets in $FUZZ_KEEP_GOING (default none) run in libFuzzer's fork mode and go on past
# crashes, hangs and OOMs (their files are still written and reported). model and dfm no longer
# need it: model_file_read and dfm_maps_read read a file in a child process first (isolate.h),
# so the inputs on which libhdf5 itself crashes or loops come back as errors.
set -u
secs=${1:?usage: run_fuzz.sh SECONDS TARGET...}
shift
FB=$(realpath -m "${FUZZ_BUILD:-build/fuzz}") # absolute: fuzz_spec chdirs
root=$(pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
# libhdf5 (not instrumented) leaks metadata-cache entries when it meets a corrupt object header
# (fsweep closes every id it opened); tests/fuzz/lsan.supp keeps those out of the model/dfm runs.
# A damaged file's read in the child process (isolate.h) is bounded by FSWEEP_READ_TIMEOUT: 5 s,
# under libFuzzer's -timeout=20.
export FSWEEP_READ_TIMEOUT=${FSWEEP_READ_TIMEOUT:-5}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/fuzz/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OPENBLAS_NUM_THREADS=1
bad=0
printf '%-8s %8s %8s %10s %8s %8s %8s  %s\n' target seconds cpu_s execs cov ft corpus result
for t in "$@"; do
  bin=$FB/bin/fuzz_$t
  [ -x "$bin" ] || { echo "$t: $bin missing (make fuzz-build)"; bad=1; continue; }
  corpus=$FB/corpus/$t art=$FB/artifacts/$t log=$FB/logs/$t.log
  mkdir -p "$corpus" "$art" "$FB/logs"
  dirs=("$corpus" "$root/tests/fuzz/corpus/$t")
  [ -d "tests/fuzz/regress/$t" ] && dirs+=("$root/tests/fuzz/regress/$t")
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="$root/tests/fuzz/$t.dict")
  fork=()
  [[ " ${FUZZ_KEEP_GOING-} " == *" $t "* ]] && fork=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  before=$(find "$art" -type f | wc -l)
  touch "$log.start"
  /usr/bin/time -f '%U %S' -o "$log.cpu" "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -close_fd_mask=3 -artifact_prefix="$art/" "${fork[@]}" "${dict[@]}" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  cpu=$(awk 'END {printf "%.0f", $1 + $2}' "$log.cpu" 2>/dev/null) # user + system CPU s, fork children too
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  if [ ${#fork[@]} -gt 0 ]; then # fork mode: "#EXECS: cov: ... oom/timeout/crash: a/b/c ..."
    execs=$(grep -oE '^#[0-9]+:' <<<"$last" | tr -dc 0-9)
  fi
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+')
  after=$(find "$art" -type f | wc -l)
  result=clean
  if [ "$rc" != 0 ] || [ "$after" -gt "$before" ]; then
    bad=1
    result="FOUND $((after - before)) file(s) in $art, e.g. $(find "$art" -type f -newer "$log.start" | head -1) (rc $rc; see $log)"
  fi
  printf '%-8s %8s %8s %10s %8s %8s %8s  %s\n' "$t" "$secs" "${cpu:-?}" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
exit $bad
