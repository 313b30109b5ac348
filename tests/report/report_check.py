#!/usr/bin/python3
"""report_check.py STORE DIR: check `fsweep report` output against the store, independently of
fsweep's own reader: every PNG (embedded data: URI and DIR/*.png) is decoded here (zlib, PNG
filters, CRCs) and has the size its <img> tag states, every DIR/*.svg is linked from the page
and parses as an SVG document, and every number of the tables equals the value computed from the
store with h5py/numpy (seed means, NaN skipped; run cost from /tasks). Exit 0 when all checks
pass."""
import base64
import glob
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

import h5py
import numpy as np

fails = 0


def check(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL", what)


def png_decode(data, unfilter=True):
    """Decode an 8-bit RGB PNG; returns (w, h, rows) or raises ValueError. With unfilter=False
    only the structure is checked (CRCs, header, zlib stream, size, filter bytes): pure-Python
    unfiltering is slow, so only a few images get it."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("bad signature")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if zlib.crc32(typ + body) & 0xFFFFFFFF != crc:
            raise ValueError("bad CRC in " + typ.decode())
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype != 2:
                raise ValueError("not 8-bit RGB")
        elif typ == b"IDAT":
            idat += body
        elif typ == b"IEND":
            break
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = 3 * w
    if len(raw) != h * (stride + 1):
        raise ValueError("bad image data size")
    if not unfilter:
        if any(raw[y * (stride + 1)] > 4 for y in range(h)):
            raise ValueError("bad filter byte")
        return w, h, None
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
            elif f != 0:
                raise ValueError("bad filter %d" % f)
        rows.append(bytes(line))
        prev = line
    return w, h, rows


def table_values(html, tid):
    m = re.search(r'<table id="%s">(.*?)</table>' % re.escape(tid), html, re.S)
    if not m:
        return None
    return [float(v) for v in re.findall(r'<td class="num[^"]*" data-v="([^"]+)"', m.group(1))]


def seed_mean(a, seed_axis):
    with np.errstate(invalid="ignore"):
        used = np.isfinite(a).any(axis=tuple(range(seed_axis + 1, a.ndim)))
        return np.nanmean(a, axis=seed_axis), used.sum(axis=seed_axis)


def near(got, want, what):
    ok = len(got) == len(want) and np.allclose(got, want, rtol=1e-12, atol=1e-15, equal_nan=True)
    check(ok, "%s: %d values vs %d expected%s" % (what, len(got), len(want),
                                                   "" if len(got) != len(want) else
                                                   ", max diff %g" % np.nanmax(np.abs(np.array(got) - np.array(want)))))


def main(store, out):
    html = open(os.path.join(out, "index.html"), encoding="utf-8").read()
    check("<script" not in html and "http://" not in html and "https://" not in html
          and "<link" not in html, "page is self-contained")
    imgs = re.findall(r'<img width="(\d+)" height="(\d+)" alt="[^"]*" '
                      r'src="data:image/png;base64,([^"]+)"', html)
    check(len(imgs) == html.count("<img"), "every <img> states its size and embeds a PNG")
    uris = [u for _, _, u in imgs]
    files = sorted(glob.glob(os.path.join(out, "*.png")))
    check(len(uris) > 0 and len(uris) == len(files), "%d embedded images, %d files" % (len(uris), len(files)))
    smallest = set(sorted(range(len(uris)), key=lambda i: len(uris[i]))[:3])
    for i, u in enumerate(uris):
        try:
            w, h, _ = png_decode(base64.b64decode(u), unfilter=i in smallest)
            check(w > 20 and h > 20, "embedded image %d has a sensible size" % i)
            check((w, h) == (int(imgs[i][0]), int(imgs[i][1])),
                  "embedded image %d is %dx%d, its tag says %sx%s" % (i, w, h, imgs[i][0], imgs[i][1]))
        except ValueError as e:
            check(False, "embedded image %d: %s" % (i, e))
    for fn in files:
        try:
            png_decode(open(fn, "rb").read(), unfilter=False)
        except ValueError as e:
            check(False, "%s: %s" % (fn, e))
    # Each figure links its SVG (vector) file; every SVG file is linked, parses as XML and is
    # an <svg> document with a size.
    svg_links = re.findall(r'<a href="([^"]+\.svg)">SVG</a>', html)
    svgs = sorted(os.path.basename(f) for f in glob.glob(os.path.join(out, "*.svg")))
    check(len(svg_links) == len(uris), "%d figures, %d SVG links" % (len(uris), len(svg_links)))
    check(sorted(svg_links) == svgs, "the page links exactly the SVG files written")
    for fn in svgs:
        try:
            root = ET.parse(os.path.join(out, fn)).getroot()
            check(root.tag == "{http://www.w3.org/2000/svg}svg"
                  and root.get("width", "").endswith("px"), "%s is an SVG document sized in px" % fn)
        except ET.ParseError as e:
            check(False, "%s: %s" % (fn, e))
    # The embedded images are the files (same bytes).
    check(sorted(base64.b64decode(u) for u in uris) == sorted(open(f, "rb").read() for f in files),
          "embedded images equal the PNG files")

    f = h5py.File(store, "r")
    n_tables = 0
    for ds in f["results"]:
        g = f["results"][ds]
        if "tpr" in g and "fpr" in g:
            tpr, used = seed_mean(g["tpr"][()], 3)  # (arch, aug, band, T, class)
            fpr, _ = seed_mean(g["fpr"][()], 3)
            # issue 12 columns (NaN when the store predates them): ctl p95, p-value, injection
            extra = [seed_mean(g[n][()], 3)[0] if n in g else np.full(tpr.shape, np.nan)
                     for n in ("ctl_tpr_p95", "p_tpr", "inj")]
            orig = None
            if "class_acc" in g and g["class_acc"].shape[:3] == g["tpr"].shape[:3]:
                # TPR on the unfiltered set: class_acc at the reference test band
                tb = [x.decode() if isinstance(x, bytes) else x for x in g["test_band"][()]]
                refs = [i for i, x in enumerate(tb) if x in ("none", "orig", "original", "all", "full", "clean")]
                ca, _ = seed_mean(g["class_acc"][()], 3)
                orig = ca[:, :, :, refs[0] if refs else 0, :]
            want = []
            for a in range(tpr.shape[0]):
                for au in range(tpr.shape[1]):
                    for b in range(tpr.shape[2]):
                        if not used[a, au, b]:
                            continue
                        for t in range(tpr.shape[3]):
                            for c in range(tpr.shape[4]):
                                want += [used[a, au, b]]
                                if orig is not None:
                                    want += [orig[a, au, b, c]]
                                want += [tpr[a, au, b, t, c], fpr[a, au, b, t, c]]
                                want += [e[a, au, b, t, c] for e in extra]
            # verdict counts: a verdict counts when it holds in a strict majority of the seeds
            # with a value (tpr_threshold 0.4 in test_report.sh)
            def majority(x, finite):
                return 2 * np.where(finite, x, 0).sum(axis=3) > finite.sum(axis=3)
            tr = g["tpr"][()]  # (arch, aug, band, seed, T, class)
            fin = np.isfinite(tr)
            with np.errstate(invalid="ignore"):
                sc = majority(tr > 0.4, fin)
                st = sc & majority(tr >= 0.6, fin)
                sp = g["specific"][()] if "specific" in g else np.full(tr.shape, np.nan)
                spm = majority(sp > 0.5, np.isfinite(sp))
            rows = used[:, :, :, None, None] > 0
            want_counts = (int((sc & rows).sum()), int(np.broadcast_to(rows, sc.shape).sum()),
                           int((st & rows).sum()), int((spm & rows).sum()))
            m = re.search(r'(\d+) of (\d+) \(model, T, class\) rows show a shortcut by the paper(?:.|&#39;)s verdict '
                          r'\(TPR &gt; 0.40\), (\d+) a strong one \(TPR &gt;= 0.6\), (\d+) a specific', html[html.find('id="tprfpr-' + ds):])
            check(m is not None and tuple(int(x) for x in m.groups()) == want_counts,
                  "verdict counts of %s (majority of seeds): %s vs %s" % (ds, m.groups() if m else None, want_counts))
            got = table_values(html, "tprfpr-" + ds)
            check(got is not None, "TPR/FPR table of " + ds)
            if got is not None:
                near(got, want, "TPR/FPR of " + ds)
                n_tables += 1
        if "class_acc_curve" in g:
            # Learning order: learned-first accuracy at the first checkpoint, and per class the
            # first epoch reaching 0.8 of the final accuracy (epochs 1..E: the store has no
            # epoch coordinates).
            m, used = seed_mean(g["class_acc_curve"][()], 3)  # (arch, aug, band, epoch, class)
            ne = m.shape[3]
            x = np.arange(1, ne + 1, dtype=float)
            if "epoch" in g:
                c = g["epoch"][()].astype(float)
                if len(c) == ne and ne > 1 and np.all(np.diff(c) > 0):
                    x = c
            want = []
            for a in range(m.shape[0]):
                for au in range(m.shape[1]):
                    for b in range(m.shape[2]):
                        if not used[a, au, b]:
                            continue
                        cur = m[a, au, b]  # (epoch, class)
                        want += [used[a, au, b], np.nanmax(cur[0])]
                        for c in range(cur.shape[1]):
                            fin = cur[-1, c]
                            hit = [e for e in range(ne) if np.isfinite(fin) and cur[e, c] >= 0.8 * fin]
                            want.append(x[hit[0]] if hit else np.nan)
            got = table_values(html, "learnorder-" + ds)
            check(got is not None, "learning-order table of " + ds)
            if got is not None:
                near(got, want, "learning order of " + ds)
                n_tables += 1
        for name, tid in (("test_acc", "test_acc-"), ("ood_acc", "ood_acc-")):
            if name not in g:
                continue
            m, used = seed_mean(g[name][()], 3)  # (arch, aug, band, extra)
            want = []
            for a in range(m.shape[0]):
                for au in range(m.shape[1]):
                    for b in range(m.shape[2]):
                        if used[a, au, b]:
                            want += [used[a, au, b]] + list(m[a, au, b])
            got = table_values(html, tid + ds)
            check(got is not None, "%s table of %s" % (name, ds))
            if got is not None:
                near(got, want, "%s of %s" % (name, ds))
                n_tables += 1
    # Run cost per kind, in order of first appearance.
    t = f["tasks"][()]
    kinds = []
    for k in t["kind"]:
        k = k.decode()
        if k not in kinds:
            kinds.append(k)
    want = []
    for k in kinds:
        sel = np.array([x.decode() == k for x in t["kind"]])
        ok_ids = {i for i, s in zip(t["task_id"][sel], t["status"][sel]) if s == 0}
        wall = np.clip(t["wall"][sel], 0, None)
        want += [len(ok_ids), sel.sum(), (t["status"][sel] != 0).sum(), wall.sum() / 3600,
                 wall.sum() / sel.sum(), wall.max()]
    got = table_values(html, "cost-table")
    check(got is not None, "cost table")
    if got is not None:
        near(got, want, "run cost")
        n_tables += 1
    print("report_check: %d images, %d tables compared, %d failures" % (len(uris), n_tables, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
