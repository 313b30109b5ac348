#!/usr/bin/env bash
# The module rules of README "Code layout" hold on this tree (tests/layout/layout_check.py: calls go
# down the module order, no two object files call each other, each external library has one owning
# module, every header has its .c or says why not, include/ holds only shared headers), and the checker
# itself fails on a small tree that breaks each rule.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_cmd nm "nm (binutils) not found"
root=$(pwd)
$PY tests/layout/layout_check.py "$B" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
check $rc "fsweep's tree keeps the module rules"

# A tree that breaks the rules: base includes an engine header and the two files call each other;
# engine includes <hdf5.h>; include/c.h is used by its own module alone; d.h has no d.c.
mkdir -p "$tmp/t/src/base" "$tmp/t/src/engine" "$tmp/t/include" "$tmp/t/build/obj/base" "$tmp/t/build/obj/engine"
cd "$tmp/t" || exit 1
printf '#include "b.h"\nint a_fn(void);\nint a_fn(void) { return b_fn(); }\n' >src/base/a.c
printf 'int b_fn(void);\n' >include/b.h
printf '/* c.h: shared */\nint c_fn(void);\n' >include/c.h
printf '/* d.h: a header alone */\n' >src/engine/d.h
printf '#if 0\n#include <hdf5.h>\n#endif\n#include "b.h"\n#include "c.h"\nint a_fn(void);\nint b_fn(void) { return 1; }\nint c_fn(void) { return a_fn(); }\n' >src/engine/b.c
printf '#include "c.h"\n' >src/engine/c.c
cc -c -Iinclude src/base/a.c -o build/obj/base/a.o && cc -c -Iinclude src/engine/b.c -o build/obj/engine/b.o
$PY "$root/tests/layout/layout_check.py" build >"$tmp/bad" 2>&1
rc=$?
cat "$tmp/bad"
cd "$root" || exit 1
[ $rc = 1 ]; check $? "a tree that breaks the rules fails the check"
grep -q 'src/base/a.c:1: includes b.h of module engine, above base' "$tmp/bad"; check $? "upward include named"
grep -q 'a.o and .*b.o call each other' "$tmp/bad"; check $? "files calling each other named"
grep -q 'src/engine/b.c:2: includes <hdf5.h>, which only module store may include' "$tmp/bad"; check $? "library outside its module named"
grep -q 'include/c.h: used by module engine alone' "$tmp/bad"; check $? "private header in include/ named"
grep -q 'src/engine/d.h: no d.c beside it' "$tmp/bad"; check $? "header without a source named"
finish
