#!/usr/bin/env bash
# Every fuzz harness (tests/fuzz/fuzz_*.c), built as a plain replay driver with the normal compiler
# ($B/fuzz/replay/fuzz_TARGET; under `make asan` with ASan + UBSan), runs once over its committed
# seed corpus tests/fuzz/corpus/TARGET and its regression cases tests/fuzz/regress/TARGET (the
# inputs that once crashed a parser): none may crash, hang or trip a sanitizer. No fuzzing here
# (`make fuzz` does that).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
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
finish
