#!/usr/bin/env bash
# The report page in a real browser: `fsweep report` of a small fake sweep is opened in Debian's
# chromium, headless, with every network request sent to a proxy that does not exist. A test copy
# of index.html carries a small script that, once the page has loaded, writes into the DOM how
# many <img> there are, how many failed to load (naturalWidth 0), how many of the linked SVG files
# load as images, and every resource the page fetched other than file: and data: URLs (Resource
# Timing); --dump-dom prints the DOM with that line. A page with a broken and an outside image
# shows that the probe sees both. A screenshot of the page is saved under the test's temp dir
# (copied to $FSWEEP_SCREENSHOT_DIR when set). Skipped where chromium is not installed.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
need_cmd chromium "chromium not installed (Debian package chromium; .ci/run installs it)"
cat > "$tmp/s.ini" <<'INI'
[sweep]
name = browser
seed = 7
[axes]
datasets = Syn_B2
archs = a1
augs = none
bands = all, low
seeds = 0, 1
test_bands = all, low
ood = none
[analyses]
heatmap = true
dfm_parts = 2
dfm_T = 0.05
[train]
epochs = 2
[fake]
ms = 0
INI
$B/fsweep-serial run "$tmp/s.ini" --store "$tmp/s.h5" -q >"$tmp/log" 2>&1; check $? "fake sweep"
$B/fsweep-serial report "$tmp/s.h5" -o "$tmp/out" >"$tmp/rep.log" 2>&1; check $? "fsweep report"
n_img=$(grep -o '<img ' "$tmp/out/index.html" | wc -l)
n_svg=$(grep -o '">SVG</a>' "$tmp/out/index.html" | wc -l)
[ "$n_img" -gt 5 ] && [ "$n_svg" = "$n_img" ]; check $? "$n_img figures, each linking its SVG ($n_svg)"
# No outside URL in any src/href/url() of the page itself.
grep -Eio '(src|href)="(https?:)?//[^"]*"|url\((https?:)?//' "$tmp/out/index.html" >"$tmp/outside"
cat "$tmp/outside"
[ ! -s "$tmp/outside" ]; check $? "no outside URL in the page"

probe='<script>window.addEventListener("load",function(){
var im=document.images,bad=0,i;for(i=0;i<im.length;i++)if(!im[i].complete||im[i].naturalWidth===0)bad++;
var links=document.querySelectorAll("a[href$=\".svg\"]"),left=links.length,svg_ok=0;
function done(){var ext=performance.getEntriesByType("resource").map(function(e){return e.name;})
.filter(function(u){return u.indexOf("file:")!==0&&u.indexOf("data:")!==0;});
var d=document.createElement("pre");d.id="fsweep-probe";d.textContent="PROBE images="+im.length+" broken="+bad+
" svg="+links.length+" svg_ok="+svg_ok+" external="+ext.length+" "+ext.join(" ")+" END";document.body.appendChild(d);}
if(!left)done();for(i=0;i<links.length;i++){var s=new Image();s.onload=function(){if(this.naturalWidth>0)svg_ok++;if(!--left)done();};
s.onerror=function(){if(!--left)done();};s.src=links[i].getAttribute("href");}});</script>'
browse() { # browse OUT_FILE CHROMIUM_ARGS... : run headless chromium, all requests to a dead proxy
  local out=$1
  shift
  timeout 120 chromium --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
    --virtual-time-budget=20000 "$@" >"$out" 2>"$out.err"
}
probe_page() { # probe_page IN.html OUT.html: IN with the probe before </body>
  $PY -c 'import sys; s = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(s.replace("</body>", sys.argv[3] + "</body>"))' "$1" "$2" "$probe"
}

probe_page "$tmp/out/index.html" "$tmp/out/probe.html"
browse "$tmp/dom.html" --dump-dom "file://$tmp/out/probe.html"; rc=$?
res=$(grep -o 'PROBE [^<]*END' "$tmp/dom.html")
echo "  chromium: ${res:-no probe result (rc $rc)}"
[ $rc = 0 ] && [ -n "$res" ]; check $? "chromium loaded the page and ran the probe"
[[ "$res" == "PROBE images=$n_img broken=0 "* ]]; check $? "all $n_img images loaded"
[[ "$res" == *" svg=$n_svg svg_ok=$n_svg "* ]]; check $? "all $n_svg linked SVG figures load"
[[ "$res" == *" external=0  END" ]]; check $? "no resource requested from outside"

# The probe can fail: a page with an outside image and a missing file.
printf '<!DOCTYPE html><html><body><img src="http://example.invalid/x.png"><img src="missing.png">
<a href="missing.svg">SVG</a></body></html>\n' >"$tmp/out/bad.html"
probe_page "$tmp/out/bad.html" "$tmp/out/bad_probe.html"
browse "$tmp/bad_dom.html" --dump-dom "file://$tmp/out/bad_probe.html"
bad=$(grep -o 'PROBE [^<]*END' "$tmp/bad_dom.html")
echo "  chromium on a bad page: ${bad:-no probe result}"
[[ "$bad" == "PROBE images=2 broken=2 svg=1 svg_ok=0 external=1 http://example.invalid/x.png END" ]]
check $? "the probe reports broken images, a broken SVG and an outside request"

# A screenshot of the page as it is (no probe).
browse "$tmp/shot.log" --window-size=1280,2400 --screenshot="$tmp/screenshot.png" "file://$tmp/out/index.html"
$PY -c 'import struct, sys
d = open(sys.argv[1], "rb").read(32)
w, h = struct.unpack(">II", d[16:24])
sys.exit(0 if d[:8] == b"\x89PNG\r\n\x1a\n" and (w, h) == (1280, 2400) else 1)' "$tmp/screenshot.png"
check $? "screenshot saved: $tmp/screenshot.png (1280x2400)"
if [ -n "${FSWEEP_SCREENSHOT_DIR:-}" ] && [ -f "$tmp/screenshot.png" ]; then
  cp "$tmp/screenshot.png" "$FSWEEP_SCREENSHOT_DIR/report_screenshot.png" && echo "  copied to $FSWEEP_SCREENSHOT_DIR/report_screenshot.png"
fi
finish
