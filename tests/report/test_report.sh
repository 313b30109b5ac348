#!/usr/bin/env bash
# fsweep report end to end: a small fake sweep (fake runner, one retried failure, two datasets)
# is written by `fsweep run` through the store, rendered by `fsweep report`, and checked by
# tests/report/report_check.py: every PNG decodes, every table equals the store's values (h5py).
# Then a store with only some analyses still renders and lists what is absent.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
cat > "$tmp/s.ini" <<'INI'
[sweep]
name = report
seed = 5
[axes]
datasets = Syn_B2, tiny
archs = a1, a2
augs = none, flip
bands = all, low
seeds = 0, 3
test_bands = all, low
ood = c1, c2
[analyses]
heatmap = true
dfm_parts = 2
dfm_T = 0.05, 0.2
tpr_threshold = 0.4
[train]
epochs = 3
[fake]
ms = 0
fail = train/tiny/a2/flip
fail_attempts = 1
INI
$B/fsweep-serial run "$tmp/s.ini" --store "$tmp/s.h5" -q >"$tmp/log" 2>&1; check $? "fake sweep"
$B/fsweep-serial report "$tmp/s.h5" -o "$tmp/out" >"$tmp/rep.log" 2>&1; check $? "fsweep report"
cat "$tmp/rep.log"
$PY tests/report/report_check.py "$tmp/s.h5" "$tmp/out"; check $? "report matches the store"
$PY - "$tmp/out/index.html" <<'PY'; check $? "Findings is the first section; every in-page link has its target"
import re, sys
s = open(sys.argv[1]).read()
ids = set(re.findall(r' id="([^"]+)"', s))
links = re.findall(r'href="#([^"]+)"', s)
bad = [h for h in links if h not in ids]
first = re.findall(r'<h2 id="([^"]+)"', s)[:1]
print("broken links:", bad) if bad else None
sys.exit(0 if links and not bad and first == ["findings"] else 1)
PY
grep -q 'class="num strong" data-v=' "$tmp/out/index.html"; check $? "strong shortcuts highlighted"
grep -q 'class="num hl" data-v=' "$tmp/out/index.html"; check $? "shortcuts (TPR > 0.4) highlighted"
grep -q 'shortcut when TPR &gt; 0.40 (tpr_threshold of the run' "$tmp/out/index.html"; check $? "threshold from the config"
grep -q '<tr><td>train</td>.*class="num warn" data-v="4"' "$tmp/out/index.html"; check $? "4 failed train attempts (2 bands x 2 seeds) in the cost table"
# A store with some analyses only: sections it has, the rest listed as absent.
sed -e 's/^heatmap = true/heatmap = false\nhfss = false\ntprfpr = false\ndfm = false/' \
    -e 's/^ood = c1, c2/ood = none/' -e 's/^datasets = .*/datasets = cifar10/' "$tmp/s.ini" > "$tmp/p.ini"
$B/fsweep-serial run "$tmp/p.ini" --store "$tmp/p.h5" -q >>"$tmp/log" 2>&1; check $? "partial sweep"
$B/fsweep-serial report "$tmp/p.h5" -o "$tmp/pout" --no-png >"$tmp/rep.log" 2>&1; check $? "report of a partial store"
cat "$tmp/rep.log"
grep -q 'Absent from this store:.*confusion' "$tmp/pout/index.html"; check $? "absent sections listed"
grep -q "Not requested by the run.s config:.*TPR/FPR.*OOD transfer (ood_acc) in cifar10" "$tmp/pout/index.html"; check $? "sections the config switched off listed apart"
grep -q '1 = automobile, 2 = bird' "$tmp/pout/index.html"; check $? "CIFAR-10 class names when the store has none"
[ -z "$(ls "$tmp/pout"/*.png 2>/dev/null)" ]; check $? "--no-png writes no PNG files"
[ -n "$(ls "$tmp/pout"/*.svg 2>/dev/null)" ]; check $? "--no-png still writes the SVG files"
grep -q 'data:image/png;base64,' "$tmp/pout/index.html"; check $? "figures still embedded"
# Bad input: one-line errors, non-zero exit.
$B/fsweep-serial report "$tmp/missing.h5" -o "$tmp/x" 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "missing.h5" "$tmp/err" && [ "$(wc -l < "$tmp/err")" = 1 ]; check $? "missing store: exit 1, one line naming it"
$B/fsweep-serial report "$tmp/s.h5" 2>/dev/null; [ $? = 2 ]; check $? "missing -o: usage error"
finish
