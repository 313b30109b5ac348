#!/usr/bin/env bash
# Every fuzz harness (tests/fuzz/fuzz_*.c), built as a plain replay driver with the normal compiler
# ($B/fuzz/replay/fuzz_TARGET; under `make asan` with ASan + UBSan), runs once over its committed
# seed corpus tests/fuzz/corpus/TARGET and its regression cases tests/fuzz/regress/TARGET (the
# inputs that once crashed a parser): none may crash, hang or trip a sanitizer. No fuzzing here
# (`make fuzz` does that). The model and dfm cases named libhdf5_* crash or hang Debian's libhdf5
# itself (global heap of a string attribute): fsweep reads such files in a child process first
# (isolate.h), so they must come back as one-line errors from the commands that read them,
# within FSWEEP_READ_TIMEOUT (5 s here); without the child they crash (signal) or hang.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
export FSWEEP_READ_TIMEOUT=5
for src in tests/fuzz/fuzz_*.c; do
  t=$(basename "$src" .c)
  t=${t#fuzz_}
  bin=$B/fuzz/replay/fuzz_$t
  [ -x "$bin" ] || { check 1 "$t: $bin built (make test builds it)"; continue; }
  n=$(find "tests/fuzz/corpus/$t" -type f 2>/dev/null | wc -l)
  [ "$n" -gt 0 ]; check $? "$t: committed seed corpus not empty ($n files)"
  timeout 300 "$bin" "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t" >"$tmp/$t.log" 2>&1
  rc=$?
  [ $rc != 0 ] && tail -30 "$tmp/$t.log"
  check $rc "$t: replays its corpus and regression cases ($(grep -oE '^[0-9]+ passed' "$tmp/$t.log"))"
done
# the commands: one line naming the file, exit 1, within the time limit
for f in tests/fuzz/regress/model/libhdf5_*; do
  timeout 60 $B/fsweep eval "$f" --data syn:b1:test@8 >"$tmp/e.log" 2>&1; rc=$?
  [ $rc = 1 ] && [ "$(wc -l <"$tmp/e.log")" = 1 ] && grep -Eq "^fsweep eval: $f: reading it (crashed the reading process|did not finish in 5 s|failed inside a library)" "$tmp/e.log"
  check $? "fsweep eval ${f##*/}: one-line error (rc $rc: $(head -c 150 "$tmp/e.log"))"
done
$B/fsweep train --data toy:3:n=24:size=8:c=1:seed=1 --arch cnn --set width=0.25 --set epochs=1 --out "$tmp/m.h5" >/dev/null 2>&1
for f in tests/fuzz/regress/dfm/libhdf5_*; do
  timeout 60 $B/fsweep shortcut "$tmp/m.h5" --dfm "$f" --data toy:3:n=12:size=8:c=1:seed=2 >"$tmp/s.log" 2>&1; rc=$?
  [ $rc = 1 ] && grep -Eq "$f: reading it (crashed the reading process|did not finish in 5 s|failed inside a library)" "$tmp/s.log"
  check $? "fsweep shortcut --dfm ${f##*/}: one-line error (rc $rc: $(tail -1 "$tmp/s.log" | head -c 150))"
done
(FSWEEP_ISOLATE=0 timeout 20 $B/fuzz/replay/fuzz_model tests/fuzz/regress/model/libhdf5_global_heap_memcpy_overlap) >/dev/null 2>&1
[ $? != 0 ]; check $? "without the child process the same file kills the reader (signal, or a sanitizer's exit; the check can fail)"
finish
